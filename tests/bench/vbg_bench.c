// SPDX-License-Identifier: GPL-2.0
/*
 * vbg_bench: make bench's guest program.  Loads Debian's prebuilt
 * vboxguest.ko (the reference) and ours in turn, in one boot, round after
 * round (reference, ours, reference, ours: machine noise hits both alike),
 * and measures each figure of issue 10 against the emulator's vbgtest
 * service, with the emulator's counters read over the control channel
 * (/dev/ttyS1).  Each load is one KTAP case; each figure prints a line
 *
 *	# bench ROUND DRIVER FIGURE key=value ...
 *
 * (or "# bench-fail ROUND DRIVER FIGURE reason") that tests/bench/bench.sh
 * turns into medians, spreads, ratios, JSON and a plot.  No timing is
 * asserted: a case fails only if a figure could not be measured.
 *
 * Both module images are linked in (Makefile: REF_KO, OURS_KO, stripped of
 * debug information and BTF alike).  /proc/cmdline may carry
 * vbg_bench.rounds=N and vbg_bench.ms=N (the measuring window of a figure).
 */
#define _GNU_SOURCE
#include "../guest/vbgt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef BENCH_ROUNDS
#define BENCH_ROUNDS	9
#endif
#ifndef BENCH_MS
#define BENCH_MS	500
#endif
#ifndef SUITE_NAME
#define SUITE_NAME	"vbg_bench"
#endif
#ifndef SF_MIB
#define SF_MIB		256	/* figure h: the sequential file, MiB */
#endif

#define MODULE_NAME	"vboxguest"
#define FEATURES_FAST	"0x8000000f"	/* the emulator's default */
#define FEATURES_NOFAST	"0x1"		/* page lists only, no fast ack */
#define BALLOON_CHUNKS	128		/* 1 MiB each */
#define PAGE		4096u
#define BIG		(16u << 20)
#define MAX_THREADS	16
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define KO_BLOB(name, path)						\
	asm(".section .rodata\n"					\
	    ".balign 16\n"						\
	    ".global " #name "\n" #name ":\n"				\
	    ".incbin \"" path "\"\n"					\
	    ".global " #name "_end\n" #name "_end:\n"			\
	    ".previous\n")
KO_BLOB(ko_reference, REF_KO);
KO_BLOB(ko_ours, OURS_KO);
KO_BLOB(sf_reference, REF_SF_KO);
KO_BLOB(sf_ours, OURS_SF_KO);
extern const char ko_reference[], ko_reference_end[], ko_ours[], ko_ours_end[];
extern const char sf_reference[], sf_reference_end[], sf_ours[], sf_ours_end[];

enum { REFERENCE, OURS };
static const char *const drv_name[] = { "reference", "ours" };

struct load {
	int round;
	int drv;
	int fast;		/* host with fast acknowledge: every figure */
};

/* Shared with the case processes: which load the next case is. */
static struct {
	int next;
} *shared;
static struct load *loads;
static unsigned int rounds = BENCH_ROUNDS, window_ms = BENCH_MS;
static unsigned int sf_mib = SF_MIB;

static const struct load *cur;

/* ---------------------------------------------------------------- output */

static void result(const char *fig, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void result(const char *fig, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	vbgt_diag("bench %d %s %s %s", cur->round, drv_name[cur->drv], fig, buf);
}

/* A figure that could not be measured: reported, and the case fails. */
static int unmeasured(const char *fig, const char *why)
{
	vbgt_diag("bench-fail %d %s %s %s", cur->round, drv_name[cur->drv], fig,
		  why);
	vbgt_fail_at(__FILE__, __LINE__, "%s not measured: %s", fig, why);
	return -1;
}

static double secs_since(uint64_t t0_us)
{
	return (double)(vbgt_now_us() - t0_us) / 1e6;
}

/* -------------------------------------------------------------- counters */

enum {
	C_PORT_W, C_PORT_R, C_BAR1_R, C_IRQS, C_HEARTBEATS, C_ACKS41,
	C_FAST_ACKS, C_CALLS, C_PAGES, C_USER_PAGES, C_USER_BYTES, C_BYTES_IN,
	C_BYTES_OUT, C_CPU_US, C_REQS, C_PARM_LIN, C_PARM_LIN_IN,
	C_PARM_LIN_OUT, C_PARM_PAGELIST, C_PARM_EMBEDDED, C_PARM_CONTIG,
	C_PARM_NODATA, C_NUM
};

static const char *const cnt_name[C_NUM] = {
	"port_writes", "port_reads", "bar1_reads", "irqs", "req.219", "req.41",
	"fast_acks", "hgcm.calls", "hgcm.pages", "hgcm.user_pages",
	"hgcm.user_bytes", "hgcm.bytes_in", "hgcm.bytes_out", "host_cpu_us",
	"req.total", "hgcm.param.4", "hgcm.param.5", "hgcm.param.6",
	"hgcm.param.10", "hgcm.param.11", "hgcm.param.12", "hgcm.param.13",
};

/* All counters since the last reset-counters; 0 on success. */
static int counters(long long *v)
{
	static char reply[16384];
	char *line, *save = NULL;
	int i;

	memset(v, 0, C_NUM * sizeof(*v));
	if (vbgt_ctl(reply, sizeof(reply), "counters"))
		return -1;
	for (line = strtok_r(reply, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		for (i = 0; i < C_NUM; i++) {
			size_t n = strlen(cnt_name[i]);

			if (!strncmp(line, cnt_name[i], n) && line[n] == ' ')
				v[i] = strtoll(line + n + 1, NULL, 0);
		}
	}
	return 0;
}

/*
 * The per-operation exits of @n operations: port writes (heartbeat
 * requests, which the reference sends ~250 a second, left out), port
 * reads, trapped BAR1 reads, interrupts, acknowledge requests (41); and
 * the host CPU time (QEMU and the emulator) per operation, a cost the
 * machine's load does not stretch the way it stretches wall time.
 */
static void per_op(char *buf, size_t len, const long long *v, long calls,
		   double secs)
{
	double n = (double)calls;

	snprintf(buf, len,
		 "calls=%ld secs=%.3f port_writes=%.3f port_reads=%.3f "
		 "bar1_reads=%.3f irqs=%.3f ack_requests=%.3f fast_acks=%.3f "
		 "cpu_us=%.1f", calls, secs,
		 (double)(v[C_PORT_W] - v[C_HEARTBEATS]) / n,
		 (double)v[C_PORT_R] / n, (double)v[C_BAR1_R] / n,
		 (double)v[C_IRQS] / n, (double)v[C_ACKS41] / n,
		 (double)v[C_FAST_ACKS] / n, (double)v[C_CPU_US] / n);
}

/* ---------------------------------------------------------------- module */

static int nodes_present(void)
{
	struct stat st;

	return !stat(VBGT_NODE_ROOT, &st) && !stat(VBGT_NODE_USER, &st);
}

static int nodes_absent(void)
{
	struct stat st;

	return stat(VBGT_NODE_ROOT, &st) && stat(VBGT_NODE_USER, &st);
}

/* Wait up to @ms for @cond; 0 once it holds. */
static int wait_for(int (*cond)(void), unsigned int ms)
{
	uint64_t end = vbgt_now_us() + ms * 1000ull;

	while (!cond()) {
		if (vbgt_now_us() > end)
			return -1;
		usleep(100);
	}
	return 0;
}

static void sf_unload(void);

/* Remove the loaded vboxguest (if any) and wait for its nodes to go. */
static int unload(void)
{
	uint64_t end = vbgt_now_ms() + 20000;
	struct stat st;

	sf_unload();	/* vboxsf holds vboxguest */

	while (!stat("/sys/module/" MODULE_NAME, &st)) {
		if (!syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK))
			break;
		if (errno == ENOENT)
			break;
		if (vbgt_now_ms() > end) {
			vbgt_diag("delete_module: %s", strerror(errno));
			return -1;
		}
		vbgt_sleep_ms(50);
	}
	return wait_for(nodes_absent, 10000);
}

/* insmod of the image, timed until both nodes exist (figure f). */
static int load(int drv)
{
	const char *img = drv == OURS ? ko_ours : ko_reference;
	const char *end = drv == OURS ? ko_ours_end : ko_reference_end;
	long long v[C_NUM];
	double secs;
	uint64_t t0;

	if (unload())
		return unmeasured("f_probe", "the previous module does not unload");
	if (vbgt_ctl(NULL, 0, "reset-counters"))
		return unmeasured("f_probe", "control channel");
	t0 = vbgt_now_us();
	if (syscall(SYS_init_module, img, (unsigned long)(end - img), "")) {
		vbgt_diag("init_module: %s", strerror(errno));
		return unmeasured("f_probe", "init_module failed");
	}
	if (wait_for(nodes_present, 10000))
		return unmeasured("f_probe", "no /dev/vboxguest and /dev/vboxuser");
	secs = secs_since(t0);
	/* What the probe asked of the host, up to now. */
	if (counters(v))
		return unmeasured("f_probe", "control channel");
	result("f_probe", "ms=%.3f requests=%lld irqs=%lld bar1_reads=%lld",
	       secs * 1e3, v[C_REQS], v[C_IRQS], v[C_BAR1_R]);
	return 0;
}

/* ------------------------------------------------------------------ HGCM */

struct call {
	struct vbg_ioctl_hgcm_call c;
	vbgt_parm p[3];
};

struct session {
	int fd;
	uint32_t client;
	struct call tmpl;
	uint32_t size;		/* of the call in tmpl */
};

static int session_open(struct session *s)
{
	int32_t rc;

	memset(s, 0, sizeof(*s));
	s->fd = open(VBGT_NODE_ROOT, O_RDWR | O_CLOEXEC);
	if (s->fd < 0)
		return -1;
	if (vbgt_hgcm_connect(s->fd, VBGTEST_SVC, &s->client, &rc) || rc) {
		close(s->fd);
		return -1;
	}
	return 0;
}

static void session_close(struct session *s)
{
	int32_t rc;

	vbgt_hgcm_disconnect(s->fd, s->client, &rc);
	close(s->fd);
}

/* The call header of a template with @nparms parameters. */
static void call_template(struct session *s, uint32_t fn, uint32_t nparms)
{
	struct call *t = &s->tmpl;

	s->size = sizeof(t->c) + nparms * sizeof(t->p[0]);
	vbgt_hdr(&t->c.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, s->size, s->size);
	t->c.client_id = s->client;
	t->c.function = fn;
	t->c.timeout_ms = 0xffffffffu;
	t->c.interruptible = 1;
	t->c.parm_count = nparms;
}

/* ECHO of @size bytes from @in to @out (0 bytes: the small call). */
static void echo_template(struct session *s, void *in, void *out,
			  uint32_t size)
{
	struct call *t = &s->tmpl;

	call_template(s, VBGTEST_FN_ECHO, 3);
	vbgt_parm_buf(&t->p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, in, size);
	vbgt_parm_buf(&t->p[1], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, out, size);
	vbgt_parm_u32(&t->p[2], 0);
}

/* DELAY: the host completes @ms after the call. */
static void delay_template(struct session *s, uint32_t ms)
{
	call_template(s, VBGTEST_FN_DELAY, 1);
	vbgt_parm_u32(&s->tmpl.p[0], ms);
}

/* One call from the template; 0 if the ioctl and the host succeeded. */
static int call_once(struct session *s)
{
	struct call c = s->tmpl;

	if (ioctl(s->fd, VBG_IOCTL_HGCM_CALL(s->size), &c) < 0)
		return -errno;
	return c.c.hdr.rc ? -EIO : 0;
}

/* Calls for the window; returns the count, -1 on a failed call. */
static long calls_for(struct session *s, unsigned int ms, double *secs)
{
	uint64_t t0 = vbgt_now_us(), end = t0 + ms * 1000ull;
	long n = 0;

	do {
		if (call_once(s))
			return -1;
		n++;
	} while (vbgt_now_us() < end || n < 2);
	*secs = secs_since(t0);
	return n;
}

static uint8_t zero_buf[8];

/* reset-counters, calls for the window, counters: 0, or -1 (reported). */
static int measure_calls(struct session *s, const char *fig, long long *v,
			 long *n, double *secs)
{
	if (vbgt_ctl(NULL, 0, "reset-counters"))
		return unmeasured(fig, "control channel");
	*n = calls_for(s, window_ms, secs);
	if (*n < 0 || counters(v))
		return unmeasured(fig, "a call failed");
	return 0;
}

/* ----------------------------------------------------- b: buffer sizes */

/* Guest-physical address of the page at @va (root: /proc/self/pagemap). */
static uint64_t phys_of(const void *va)
{
	static int fd = -1;
	uint64_t e;

	if (fd < 0)
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, &e, 8, (off_t)((uintptr_t)va / PAGE) * 8) != 8 ||
	    !(e & (1ull << 63)) || !(e & ((1ull << 55) - 1)))
		return 0;
	return (e & ((1ull << 55) - 1)) * PAGE;
}

/*
 * Put the pages of [@buf, @buf + @len) on the emulator's watch list: the
 * host then counts how many of the pages it is given are these (the
 * user's own) and how many bytes it moves through them.
 */
static int watch(uint64_t *list, const uint8_t *buf, size_t len)
{
	uint64_t list_pa = phys_of(list);
	size_t off = 0;

	while (off < len) {
		unsigned int n = 0;

		for (; n < PAGE / 8 && off < len; n++, off += PAGE) {
			list[n] = phys_of(buf + off);
			if (!list[n] || !list_pa)
				return -1;
		}
		if (vbgt_ctl(NULL, 0, "hgcm-watch %#llx %u",
			     (unsigned long long)list_pa, n))
			return -1;
	}
	return 0;
}

static void *locked_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mlock(p, len)) {
		munmap(p, len);
		return NULL;
	}
	return p;
}

/*
 * One echo figure, 1 thread: calls of @size bytes from @in to @out (the
 * first one checked byte for byte).  Figures a and g (0 bytes) give calls
 * a second, figure b MB a second and what was copied.
 */
static void echo_figure(uint8_t *in, uint8_t *out, uint32_t size,
			const char *fig)
{
	struct session s;
	long long v[C_NUM];
	char ops[256];
	double secs;
	long n;

	if (session_open(&s)) {
		unmeasured(fig, "connect failed");
		return;
	}
	echo_template(&s, in, out, size);
	/* The data arrives, byte for byte. */
	memset(out, 0, size);
	if (call_once(&s) || memcmp(in, out, size)) {
		unmeasured(fig, "the echo failed or came back different");
		goto out;
	}
	if (measure_calls(&s, fig, v, &n, &secs))
		goto out;
	per_op(ops, sizeof(ops), v, n, secs);
	if (!size)
		result(fig, "calls_s=%.1f %s", (double)n / secs, ops);
	else
		result(fig, "mb_s=%.2f copied_bytes=%.0f user_pages=%.1f "
		       "host_pages=%.1f %s",
		       (double)size * (double)n / secs / 1e6,
		       (double)(v[C_BYTES_IN] + v[C_BYTES_OUT] - v[C_USER_BYTES]) /
		       (double)n,
		       (double)v[C_USER_PAGES] / (double)n,
		       (double)v[C_PAGES] / (double)n, ops);
out:
	session_close(&s);
}

/* Figures a and g: 0-byte echo calls, 1 thread. */
static void small_call(const char *fig)
{
	echo_figure(zero_buf, zero_buf, 0, fig);
}

/* Figure b: in/out echo of 4 KiB, 64 KiB, 1 MiB, 16 MiB. */
static void buffers(void)
{
	static const struct { uint32_t size; const char *fig; } sizes[] = {
		{ 4u << 10, "b_4k" }, { 64u << 10, "b_64k" },
		{ 1u << 20, "b_1m" }, { 16u << 20, "b_16m" },
	};
	uint8_t *in = locked_map(BIG), *out = locked_map(BIG);
	uint64_t *list = locked_map(PAGE);
	size_t i;

	if (!in || !out || !list || vbgt_ctl(NULL, 0, "hgcm-watch-clear") ||
	    watch(list, in, BIG) || watch(list, out, BIG)) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++)
			unmeasured(sizes[i].fig, "buffers or watch list");
		goto out;
	}
	vbgtest_fill_pattern(in, BIG, 7);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		echo_figure(in, out, sizes[i].size, sizes[i].fig);
out:
	vbgt_ctl(NULL, 0, "hgcm-watch-clear");
	if (in)
		munmap(in, BIG);
	if (out)
		munmap(out, BIG);
	if (list)
		munmap(list, PAGE);
}

/* ---------------------------------------------------- c: many threads */

#define TRACEFS		"/sys/kernel/tracing"
#define WAKEUP_EV	"events/sched/sched_wakeup/"
#define CALLER_COMM	"vbgb_caller"	/* the calling threads' name */

static int tracefs_write(const char *file, const char *val)
{
	size_t len = strlen(val);
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, val, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -1;
}

/* Record the sched_wakeup events of the calling threads from now on. */
static int wakeups_start(void)
{
	struct stat st;

	if (stat(TRACEFS "/events", &st) &&
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		return -1;
	return tracefs_write(WAKEUP_EV "enable", "0") ||
	       tracefs_write(WAKEUP_EV "filter", "comm == \"" CALLER_COMM "\"") ||
	       tracefs_write("trace", "") ||	/* opened with O_TRUNC: cleared */
	       tracefs_write(WAKEUP_EV "enable", "1");
}

/* The events recorded since wakeups_start(); -1 if some were lost. */
static long wakeups_stop(void)
{
	long n = 0, in_buf = -1, written = -2;
	char line[512];
	FILE *f;

	tracefs_write(WAKEUP_EV "enable", "0");
	f = fopen(TRACEFS "/trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] != '#')
			n++;
		else
			sscanf(line, "# entries-in-buffer/entries-written: %ld/%ld",
			       &in_buf, &written);
	}
	fclose(f);
	return in_buf == written && in_buf == n ? n : -1;
}

struct worker {
	pthread_t tid;
	struct session s;
	pthread_barrier_t *start;
	int *stop;		/* read with __atomic_load_n */
	long calls;
	long sleeps;		/* voluntary context switches */
	int failed;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct rusage r0, r1;

	pthread_setname_np(pthread_self(), CALLER_COMM);
	pthread_barrier_wait(w->start);
	getrusage(RUSAGE_THREAD, &r0);
	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
		if (call_once(&w->s)) {
			w->failed = 1;
			break;
		}
		w->calls++;
	}
	getrusage(RUSAGE_THREAD, &r1);
	w->sleeps = r1.ru_nvcsw - r0.ru_nvcsw;
	return NULL;
}

/*
 * Figure c: @nthreads threads, each with its own session and client, make
 * small calls for the window.  Wakeups: the sched_wakeup tracepoint for
 * the calling threads (tracefs); sleeps: their voluntary context switches
 * (a thread woken for another's completion that has not yet been switched
 * out is a wakeup but no sleep).
 */
static void threads(int nthreads, int delayed, const char *fig)
{
	struct worker w[MAX_THREADS];
	pthread_barrier_t start;
	int stop = 0;
	long long v[C_NUM];
	long calls = 0, sleeps = 0, wakeups;
	int i, started = 0, failed = 0, traced;
	char ops[256];
	uint64_t t0;
	double secs;

	memset(w, 0, sizeof(w));
	pthread_barrier_init(&start, NULL, (unsigned int)nthreads + 1);
	for (i = 0; i < nthreads; i++) {
		w[i].start = &start;
		w[i].stop = &stop;
		if (session_open(&w[i].s))
			break;
		if (delayed)	/* 1-4 ms: completions one by one */
			delay_template(&w[i].s, 1 + i % 4);
		else
			echo_template(&w[i].s, zero_buf, zero_buf, 0);
	}
	if (i < nthreads) {
		while (i--)
			session_close(&w[i].s);
		unmeasured(fig, "connect failed");
		pthread_barrier_destroy(&start);
		return;
	}
	for (i = 0; i < nthreads; i++)
		started += !pthread_create(&w[i].tid, NULL, worker_main, &w[i]);
	if (started != nthreads) {
		/* Cannot happen with 16 threads; the case's timeout ends it. */
		unmeasured(fig, "pthread_create failed");
		return;
	}
	vbgt_ctl(NULL, 0, "reset-counters");
	traced = !wakeups_start();
	t0 = vbgt_now_us();
	pthread_barrier_wait(&start);
	vbgt_sleep_ms(window_ms);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].tid, NULL);
		calls += w[i].calls;
		sleeps += w[i].sleeps;
		failed |= w[i].failed;
		session_close(&w[i].s);
	}
	secs = secs_since(t0);
	wakeups = traced ? wakeups_stop() : -1;
	pthread_barrier_destroy(&start);
	if (failed || !calls || counters(v)) {
		unmeasured(fig, "a call failed");
		return;
	}
	per_op(ops, sizeof(ops), v, calls, secs);
	if (wakeups < 0)
		vbgt_diag("%s: no sched_wakeup trace (tracefs missing or events lost)",
			  fig);
	result(fig, "calls_s=%.1f sleeps=%.3f %swakeups=%.3f %s", (double)calls / secs,
	       (double)sleeps / (double)calls, wakeups < 0 ? "no_" : "",
	       wakeups < 0 ? 0.0 : (double)wakeups / (double)calls, ops);
}

/* ------------------------------------------------ d: raw host time */

struct req_u64 {
	struct vbg_ioctl_hdr hdr;
	uint64_t value;
} __attribute__((packed));

static void host_time(void)
{
	int fd = open(VBGT_NODE_ROOT, O_RDWR | O_CLOEXEC);
	uint64_t t0, end;
	long long v[C_NUM];
	struct req_u64 r;
	char ops[256];
	double secs;
	long n = 0;

	if (fd < 0) {
		unmeasured("d_hosttime", "open failed");
		return;
	}
	vbgt_ctl(NULL, 0, "reset-counters");
	t0 = vbgt_now_us();
	end = t0 + window_ms * 1000ull;
	do {
		vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_GET_HOST_TIME);
		if (ioctl(fd, VBG_IOCTL_VMMDEV_REQUEST(sizeof(r)), &r) < 0 ||
		    r.hdr.rc) {
			unmeasured("d_hosttime", "the request failed");
			close(fd);
			return;
		}
		n++;
	} while (vbgt_now_us() < end || n < 2);
	secs = secs_since(t0);
	if (counters(v)) {
		unmeasured("d_hosttime", "control channel");
	} else {
		per_op(ops, sizeof(ops), v, n, secs);
		result("d_hosttime", "req_s=%.1f %s", (double)n / secs, ops);
	}
	close(fd);
}

/*
 * Host CPU time and heartbeats per second with the driver loaded and
 * nothing asked of it: report.py takes this rate out of the CPU time of
 * each figure (what is left is the cost of its operations).
 */
static void idle(const char *fig)
{
	long long v[C_NUM];
	uint64_t t0;
	double secs;

	vbgt_ctl(NULL, 0, "reset-counters");
	t0 = vbgt_now_us();
	vbgt_sleep_ms(window_ms);
	secs = secs_since(t0);
	if (counters(v)) {
		unmeasured(fig, "control channel");
		return;
	}
	result(fig, "cpu_us_s=%.1f heartbeats_s=%.1f irqs_s=%.1f",
	       (double)v[C_CPU_US] / secs, (double)v[C_HEARTBEATS] / secs,
	       (double)v[C_IRQS] / secs);
}

/* ---------------------------------------------------------- e: balloon */

/* Seconds until the host holds @pages balloon pages; < 0 after 120 s. */
static double balloon_to(unsigned int chunks)
{
	uint64_t t0 = vbgt_now_us();
	long long want = (long long)chunks * 256;

	if (vbgt_ctl(NULL, 0, "balloon %u", chunks))
		return -1;
	while (vbgt_state("balloon_pages") != want) {
		if (secs_since(t0) > 120)
			return -1;
		vbgt_sleep_ms(2);
	}
	return secs_since(t0);
}

/*
 * Figure e: the host asks for 128 MiB, then for 0; the time until it holds
 * them (polled over the control channel every few ms).  A session filters
 * the balloon event, as VBoxService does (the reference moves the balloon
 * only then).
 */
static void balloon(void)
{
	int fd = open(VBGT_NODE_ROOT, O_RDWR | O_CLOEXEC);
	double in, out;

	if (fd < 0 || vbgt_change_filter(fd, VBGT_EV_BALLOON, 0) ||
	    vbgt_state("balloon_pages") != 0) {
		unmeasured("e_inflate", "no listener or balloon not empty");
		unmeasured("e_deflate", "no listener or balloon not empty");
		goto out;
	}
	in = balloon_to(BALLOON_CHUNKS);
	if (in < 0) {
		unmeasured("e_inflate", "not inflated within 120 s");
		unmeasured("e_deflate", "not inflated");
		goto out;
	}
	result("e_inflate", "mib_s=%.2f ms=%.1f", BALLOON_CHUNKS / in, in * 1e3);
	out = balloon_to(0);
	if (out < 0)
		unmeasured("e_deflate", "not deflated within 120 s");
	else
		result("e_deflate", "mib_s=%.2f ms=%.1f", BALLOON_CHUNKS / out,
		       out * 1e3);
out:
	if (fd >= 0)
		close(fd);
}

/* ------------------------------------------------------- h: vboxsf */

/*
 * Figure h: the in-tree vboxsf on each stack (ours: built from Debian's
 * linux-source against our module; the reference: Debian's prebuilt
 * vboxsf.ko), the share "sf" that bench.sh gave the emulator, mounted at
 * SF_MNT.  vboxsf moves file data one page per HGCM call (its read_folio
 * and write_end), from and to page-cache pages as kernel buffers.
 */
#define SF_MNT		"/mnt/sf"
#define SF_BIG		SF_MNT "/seq.bin"
#define SF_DIR		SF_MNT "/dir5000"	/* made on the host by bench.sh */
#define SF_NDIR		5000
#define SF_SMALL	1024		/* bytes in a small file */
#define SF_WATCH_MIB	16		/* the watched overwrite */
#define MIB		(1u << 20)

/* Unmount the share and remove vboxsf, if there. */
static void sf_unload(void)
{
	struct stat st;

	umount(SF_MNT);
	if (!stat("/sys/module/vboxsf", &st))
		syscall(SYS_delete_module, "vboxsf", O_NONBLOCK);
}

/* The vboxsf.ko of the loaded driver's stack, then the mount. */
static int sf_load(int drv)
{
	const char *img = drv == OURS ? sf_ours : sf_reference;
	const char *end = drv == OURS ? sf_ours_end : sf_reference_end;

	if (syscall(SYS_init_module, img, (unsigned long)(end - img), "")) {
		vbgt_diag("init_module vboxsf: %s", strerror(errno));
		return -1;
	}
	mkdir("/mnt", 0755);
	mkdir(SF_MNT, 0755);
	if (mount("sf", SF_MNT, "vboxsf", 0, "")) {
		vbgt_diag("mount sf: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The emulator's view of @n operations: HGCM calls, pages in page lists,
 * bytes moved in and out, and the buffer parameters by kind (page list
 * 10, embedded 11, contiguous page list 12, page list without data 13,
 * linear addresses 4-6), each per operation; then per_op()'s exits and
 * CPU.
 */
static void sf_ops(char *buf, size_t len, const long long *v, long n,
		   double secs)
{
	double d = (double)n;
	int k;

	k = snprintf(buf, len,
		     "hgcm_calls=%.2f host_pages=%.2f moved_bytes=%.0f "
		     "parms_pagelist=%.2f parms_embedded=%.2f "
		     "parms_contig=%.2f parms_nodata=%.2f parms_linear=%.2f ",
		     (double)v[C_CALLS] / d, (double)v[C_PAGES] / d,
		     (double)(v[C_BYTES_IN] + v[C_BYTES_OUT]) / d,
		     (double)v[C_PARM_PAGELIST] / d,
		     (double)v[C_PARM_EMBEDDED] / d, (double)v[C_PARM_CONTIG] / d,
		     (double)v[C_PARM_NODATA] / d,
		     (double)(v[C_PARM_LIN] + v[C_PARM_LIN_IN] +
			      v[C_PARM_LIN_OUT]) / d);
	per_op(buf + k, len - (size_t)k, v, n, secs);
}

static int write_full(int fd, const uint8_t *p, size_t n, off_t off)
{
	while (n) {
		ssize_t r = pwrite(fd, p, n, off);

		if (r <= 0)
			return -1;
		p += r;
		off += r;
		n -= (size_t)r;
	}
	return 0;
}

static int read_full(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Chunk @i of the file: the pattern with @i in its first 8 bytes. */
static void stamp(uint8_t *chunk, uint64_t i)
{
	memcpy(chunk, &i, sizeof(i));
}

static int drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, "3", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

/*
 * The bytes the driver copied, as far as the host can tell: overwrite the
 * first SF_WATCH_MIB of the file (its pages are in the page cache from the
 * write before) with those page-cache pages on the emulator's watch list.
 * Bytes moved through other pages went through a copy of the driver's.
 */
static int sf_watched(int fd, uint8_t *chunk, double *copied, double *user)
{
	uint64_t *list = locked_map(PAGE);
	size_t len = (size_t)SF_WATCH_MIB * MIB;
	long long v[C_NUM];
	uint8_t *map;
	unsigned int i;
	int ret = -1;

	map = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (!list || map == MAP_FAILED)
		goto out;
	if (vbgt_ctl(NULL, 0, "hgcm-watch-clear") || watch(list, map, len) ||
	    vbgt_ctl(NULL, 0, "reset-counters"))
		goto out;
	for (i = 0; i < SF_WATCH_MIB; i++) {
		stamp(chunk, i);
		if (write_full(fd, chunk, MIB, (off_t)i * MIB))
			goto out;
	}
	if (counters(v))
		goto out;
	*copied = (double)(v[C_BYTES_IN] + v[C_BYTES_OUT] - v[C_USER_BYTES]) /
		  SF_WATCH_MIB;
	*user = (double)v[C_USER_PAGES] / SF_WATCH_MIB;
	ret = 0;
out:
	vbgt_ctl(NULL, 0, "hgcm-watch-clear");
	if (map != MAP_FAILED)
		munmap(map, len);
	if (list)
		munmap(list, PAGE);
	return ret;
}

/* Sequential write of sf_mib MiB (new file), then read (cold cache). */
static void sf_sequential(uint8_t *chunk, uint8_t *back)
{
	unsigned int mib = sf_mib < SF_WATCH_MIB ? SF_WATCH_MIB : sf_mib;
	double copied = -1, user = -1, secs;
	long long v[C_NUM];
	char ops[512];
	uint64_t t0, i, got;
	int fd;

	vbgtest_fill_pattern(chunk, MIB, 11);
	fd = open(SF_BIG, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || vbgt_ctl(NULL, 0, "reset-counters")) {
		unmeasured("h_sf_write", "open or control channel");
		goto read;
	}
	t0 = vbgt_now_us();
	for (i = 0; i < mib; i++) {
		stamp(chunk, i);
		if (write_full(fd, chunk, MIB, (off_t)(i * MIB)))
			break;
	}
	if (i < mib || fsync(fd) || counters(v)) {
		unmeasured("h_sf_write", "a write failed");
		goto read;
	}
	secs = secs_since(t0);
	if (sf_watched(fd, chunk, &copied, &user))
		vbgt_diag("h_sf_write: the watched overwrite failed");
	sf_ops(ops, sizeof(ops), v, mib, secs);
	result("h_sf_write", "mb_s=%.2f mib=%u copied_bytes=%.0f user_pages=%.1f %s",
	       (double)mib * MIB / secs / 1e6, mib, copied, user, ops);
read:
	if (fd >= 0)
		close(fd);
	fd = -1;
	if (drop_caches() || (fd = open(SF_BIG, O_RDONLY | O_CLOEXEC)) < 0 ||
	    vbgt_ctl(NULL, 0, "reset-counters")) {
		unmeasured("h_sf_read", "drop_caches, open or control channel");
		goto out;
	}
	/* Timed: the reads; checked: each chunk's stamp and last page. */
	secs = 0;
	for (i = 0; i < mib; i++) {
		t0 = vbgt_now_us();
		if (read_full(fd, back, MIB))
			break;
		secs += secs_since(t0);
		memcpy(&got, back, sizeof(got));
		stamp(chunk, i);
		if (got != i || memcmp(back + MIB - PAGE, chunk + MIB - PAGE, PAGE))
			break;
	}
	if (i < mib || counters(v)) {
		unmeasured("h_sf_read", "a read failed or read back different data");
		goto out;
	}
	sf_ops(ops, sizeof(ops), v, mib, secs);
	result("h_sf_read", "mb_s=%.2f mib=%u %s", (double)mib * MIB / secs / 1e6,
	       mib, ops);
out:
	if (fd >= 0)
		close(fd);
	unlink(SF_BIG);
}

/*
 * Profile of figure h's read (vbg_bench.sf_prof=DEPTH on the command
 * line, for a boot with -icount, where guest time counts instructions:
 * VBG_QEMU_EXTRA="-icount shift=0"): the file read cold twice.  First
 * untraced: the reading thread's CPU time (CLOCK_THREAD_CPUTIME_ID) per
 * HGCM call.  Then under function_graph from vbg_hgcm_call down to DEPTH
 * levels (sleep-time off: time asleep not counted, interrupts left out):
 * calls and mean time per function and depth.  Lines:
 *	# bench ROUND DRIVER p_sf_read cpu_ns_per_call=N ...
 *	# prof DRIVER DEPTH FUNCTION calls=N mean_ns=N
 */
static unsigned int sf_prof;

static double thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int graph_start(void)
{
	char depth[16];

	snprintf(depth, sizeof(depth), "%u", sf_prof);
	/* Without CONFIG_FUNCTION_PROFILER (Debian's) time asleep counts. */
	if (wakeups_start() || tracefs_write(WAKEUP_EV "enable", "0") ||
	    tracefs_write("tracing_on", "0") ||
	    tracefs_write("buffer_size_kb", "16384") ||
	    tracefs_write("set_graph_function", "vbg_hgcm_call") ||
	    tracefs_write("max_graph_depth", depth) ||
	    tracefs_write("current_tracer", "function_graph") ||
	    tracefs_write("options/funcgraph-irqs", "0") ||
	    tracefs_write("options/funcgraph-tail", "1"))
		return -1;
	tracefs_write("options/sleep-time", "0");
	return tracefs_write("trace", "") || tracefs_write("tracing_on", "1");
}

struct prof_fn {
	char name[80];
	int depth;
	long calls;
	double ns;
};

/* Sum the function_graph trace per depth and function; -1 if lossy. */
static int graph_stop(struct prof_fn *fn, int max, int *nfn)
{
	char line[512], name[80];
	long lost = -1;
	double us;
	FILE *f;
	int i;

	tracefs_write("tracing_on", "0");
	*nfn = 0;
	f = fopen(TRACEFS "/trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ')'), *bar, *q;
		int depth;

		bar = strchr(line, '|');
		if (!p || !bar || p > bar)
			continue;
		for (p++; *p == ' ' || strchr("+!#*@$", *p); p++)
			;
		if (sscanf(p, "%lf us", &us) != 1)
			continue;	/* an entry line: timed at its end */
		for (q = bar + 1; *q == ' '; q++)
			;
		depth = (int)(q - bar - 3) / 2;
		if (!strncmp(q, "} /* ", 5))
			q += 5;
		if (sscanf(q, "%79[^(*]", name) != 1)
			continue;
		for (i = (int)strlen(name); i > 0 && name[i - 1] == ' '; i--)
			name[i - 1] = 0;
		for (i = 0; i < *nfn; i++)
			if (fn[i].depth == depth && !strcmp(fn[i].name, name))
				break;
		if (i == *nfn) {
			if (*nfn == max)
				continue;
			snprintf(fn[i].name, sizeof(fn[i].name), "%s", name);
			fn[i].depth = depth;
			(*nfn)++;
		}
		fn[i].calls++;
		fn[i].ns += us * 1000;
	}
	fclose(f);
	tracefs_write("current_tracer", "nop");
	/* function_graph's header has no entry counts: the lost ones. */
	f = fopen(TRACEFS "/per_cpu/cpu0/stats", "r");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "overrun: %ld", &lost);
	if (f)
		fclose(f);
	return !lost && *nfn ? 0 : -1;
}

/*
 * The rig's cost of guest instructions alone: a fixed loop of loads and
 * stores (no exits), its thread CPU time (instructions under -icount)
 * and the host CPU time QEMU and the emulator spent meanwhile.
 */
static void tcg_calibrate(uint8_t *buf)
{
	volatile uint64_t *w = (volatile uint64_t *)buf;
	long long v[C_NUM];
	double cpu0;
	unsigned int r, i;

	if (vbgt_ctl(NULL, 0, "reset-counters"))
		return;
	cpu0 = thread_cpu_ns();
	for (r = 0; r < 400; r++)
		for (i = 0; i < MIB / 8; i++)
			w[i] += i;
	cpu0 = thread_cpu_ns() - cpu0;
	if (!counters(v))
		result("p_tcg", "loop_cpu_ns=%.0f host_cpu_us=%lld exits=%lld",
		       cpu0, v[C_CPU_US], v[C_PORT_W] + v[C_PORT_R]);
}

static void sf_profile(uint8_t *back)
{
	static struct prof_fn fn[256];
	unsigned int mib = sf_mib, pass, i;
	long long v[C_NUM];
	double cpu0, cpu;
	int fd, nfn, k;

	vbgtest_fill_pattern(back, MIB, 11);
	fd = open(SF_BIG, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	for (i = 0; fd >= 0 && i < mib; i++)
		if (write_full(fd, back, MIB, (off_t)i * MIB))
			break;
	if (fd < 0 || i < mib || fsync(fd)) {
		unmeasured("p_sf_read", "the file could not be written");
		goto out;
	}
	for (pass = 0; pass < 2; pass++) {
		close(fd);
		if (drop_caches() ||
		    (fd = open(SF_BIG, O_RDONLY | O_CLOEXEC)) < 0 ||
		    vbgt_ctl(NULL, 0, "reset-counters") ||
		    (pass && graph_start())) {
			unmeasured("p_sf_read", "drop_caches, open, tracefs or control");
			goto out;
		}
		cpu0 = thread_cpu_ns();
		for (i = 0; i < mib; i++)
			if (read_full(fd, back, MIB))
				break;
		cpu = thread_cpu_ns() - cpu0;
		if (i < mib || counters(v)) {
			unmeasured("p_sf_read", "a read failed");
			goto out;
		}
		if (!pass) {
			result("p_sf_read", "cpu_ns_per_call=%.0f calls_per_mib=%.2f irqs_per_call=%.3f exits_per_call=%.3f host_cpu_us_per_call=%.1f",
			       cpu / (double)v[C_CALLS],
			       (double)v[C_CALLS] / mib,
			       (double)v[C_IRQS] / (double)v[C_CALLS],
			       (double)(v[C_PORT_W] + v[C_PORT_R] -
					v[C_HEARTBEATS]) / (double)v[C_CALLS],
			       (double)v[C_CPU_US] / (double)v[C_CALLS]);
			tcg_calibrate(back);
			continue;
		}
		if (graph_stop(fn, (int)ARRAY_SIZE(fn), &nfn))
			vbgt_diag("prof: the trace lost entries");
		for (k = 0; k < nfn; k++)
			vbgt_diag("prof %s %d %s calls=%ld mean_ns=%.0f per_call_ns=%.0f",
				  drv_name[cur->drv], fn[k].depth, fn[k].name,
				  fn[k].calls, fn[k].ns / (double)fn[k].calls,
				  fn[k].ns / (double)v[C_CALLS]);
	}
out:
	if (fd >= 0)
		close(fd);
	unlink(SF_BIG);
}

/*
 * @op (0 or an error message) over and over for the window, the counters
 * reset before and read after: the count, or -1 (reported).
 */
static long sf_window(const char *fig, const char *(*op)(long i), long long *v,
		      double *secs)
{
	uint64_t t0, end;
	const char *err;
	long n = 0;

	if (vbgt_ctl(NULL, 0, "reset-counters"))
		return unmeasured(fig, "control channel");
	t0 = vbgt_now_us();
	end = t0 + window_ms * 1000ull;
	do {
		err = op(n);
		if (err)
			return unmeasured(fig, err);
		n++;
	} while (vbgt_now_us() < end || n < 2);
	*secs = secs_since(t0);
	if (counters(v))
		return unmeasured(fig, "control channel");
	return n;
}

/* A small file: create, write SF_SMALL bytes, close, stat, unlink. */
static const char *sf_small_op(long i)
{
	static uint8_t data[SF_SMALL];
	char path[64];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), SF_MNT "/small.%ld", i % 64);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write_full(fd, data, SF_SMALL, 0) || close(fd) ||
	    stat(path, &st) || unlink(path))
		return strerror(errno);
	return st.st_size == SF_SMALL ? NULL : "stat: wrong size";
}

/* The directory of SF_NDIR files read whole (opendir, readdir, closedir). */
static const char *sf_readdir_op(long i)
{
	DIR *d = opendir(SF_DIR);
	struct dirent *de;
	long entries = 0;

	if (!d)
		return strerror(errno);
	while ((de = readdir(d)))
		entries += de->d_name[0] != '.';
	closedir(d);
	if (entries == SF_NDIR)
		return NULL;
	vbgt_diag("readdir: %ld entries, not %d", entries, SF_NDIR);
	return "wrong number of entries";
}

static void sf_small_and_readdir(void)
{
	long long v[C_NUM];
	char ops[512];
	double secs;
	long n;

	n = sf_window("h_sf_small", sf_small_op, v, &secs);
	if (n > 0) {
		sf_ops(ops, sizeof(ops), v, n, secs);
		result("h_sf_small", "ops_s=%.1f %s", (double)n / secs, ops);
	}
	n = sf_window("h_sf_readdir", sf_readdir_op, v, &secs);
	if (n > 0) {
		sf_ops(ops, sizeof(ops), v, n, secs);
		result("h_sf_readdir", "dirs_s=%.2f entries_s=%.0f %s",
		       (double)n / secs, (double)n * SF_NDIR / secs, ops);
	}
}

/* Figure h: vboxsf of this load's stack loaded, the share mounted. */
static void shared_folder(void)
{
	static const char *const figs[] = {
		"h_sf_write", "h_sf_read", "h_sf_small", "h_sf_readdir",
	};
	uint8_t *chunk = locked_map(MIB), *back = locked_map(MIB);
	size_t i;

	if (!chunk || !back || sf_load(cur->drv)) {
		for (i = 0; i < ARRAY_SIZE(figs); i++)
			unmeasured(figs[i], "vboxsf not loaded or not mounted");
		goto out;
	}
	if (sf_prof) {
		sf_profile(back);
		goto out;
	}
	sf_sequential(chunk, back);
	sf_small_and_readdir();
out:
	sf_unload();
	if (chunk)
		munmap(chunk, MIB);
	if (back)
		munmap(back, MIB);
}

/* ------------------------------------------------------------ the cases */

static void host_defaults(const char *features)
{
	vbgt_ctl_ok("features %s", features);
	vbgt_ctl_ok("hgcm-mode async");
	vbgt_ctl_ok("hgcm-delay 0");
	vbgt_ctl_ok("balloon 0");
}

/* One load of one driver; which one comes from the shared counter. */
static void bench_load(void)
{
	int idx = __atomic_fetch_add(&shared->next, 1, __ATOMIC_SEQ_CST);

	cur = &loads[idx];
	vbgt_ctl_at_end("features " FEATURES_FAST);
	vbgt_ctl_at_end("hgcm-mode async");
	vbgt_ctl_at_end("hgcm-delay 0");
	vbgt_ctl_at_end("hgcm-watch-clear");
	host_defaults(cur->fast ? FEATURES_FAST : FEATURES_NOFAST);
	if (load(cur->drv))
		return;
	if (sf_prof) {
		if (cur->fast)
			shared_folder();
		return;
	}
	if (!cur->fast) {
		idle("idle_nofastack");
		small_call("a_nofastack");
		return;
	}
	idle("idle_fastack");
	small_call("a_fastack");
	buffers();
	threads(1, 0, "c_1thread");
	threads(4, 0, "c_4threads");
	threads(16, 0, "c_16threads");
	/*
	 * Calls the host completes after 1-4 ms (vbgtest DELAY), so that
	 * every caller sleeps and completions come apart: is a caller woken
	 * by its own completion only, or by every one?
	 */
	threads(16, 1, "c_16threads_delay");
	host_time();
	balloon();
	vbgt_ctl_ok("hgcm-delay-us 100");
	small_call("g_delay100us");
	vbgt_ctl_ok("hgcm-delay 0");
	vbgt_ctl_ok("hgcm-mode inline");
	small_call("g_inline");
	vbgt_ctl_ok("hgcm-mode async");
	shared_folder();
}

/* The runner loaded our module; the rounds start from none. */
static void unload_runner_module(void)
{
	ASSERT(unload() == 0, "cannot remove the module the runner loaded");
}

static unsigned int cmdline_param(const char *name, unsigned int def)
{
	char buf[4096], *p;
	FILE *f = fopen("/proc/cmdline", "r");
	size_t n;

	if (!f)
		return def;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strstr(buf, name);
	if (!p || p[strlen(name)] != '=')
		return def;
	return (unsigned int)strtoul(p + strlen(name) + 1, NULL, 10);
}

int main(void)
{
	struct vbgt_case *cases;
	unsigned int full_load_s;
	int n = 0, r, k;

	rounds = cmdline_param("vbg_bench.rounds", rounds);
	window_ms = cmdline_param("vbg_bench.ms", window_ms);
	sf_mib = cmdline_param("vbg_bench.sf_mib", sf_mib);
	sf_prof = cmdline_param("vbg_bench.sf_prof", 0);
	if (rounds < 1 || rounds > 50)
		rounds = BENCH_ROUNDS;
	if (window_ms < 10 || window_ms > 60000)
		window_ms = BENCH_MS;
	if (sf_mib < 1 || sf_mib > 1024)
		sf_mib = SF_MIB;
	shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cases = calloc(1 + rounds * 4, sizeof(*cases));
	loads = calloc(rounds * 4, sizeof(*loads));
	if (shared == MAP_FAILED || !cases || !loads)
		return 1;
	/*
	 * About 30 windows and a balloon a load; the vboxsf file written and
	 * read at 1 MB/s at worst.
	 */
	full_load_s = 270 + window_ms * 40 / 1000 + 2 * sf_mib;
	printf("    # bench-config rounds=%u window_ms=%u sf_mib=%u\n", rounds,
	       window_ms, sf_mib);
	cases[n++] = (struct vbgt_case)VBGT_CASE(unload_runner_module);
	/* Reference, ours, reference, ours: fast ack, then without. */
	for (r = 1; r <= (int)rounds; r++) {
		for (k = 0; k < 4; k++) {
			struct load *l = &loads[(r - 1) * 4 + k];
			struct vbgt_case *one = &cases[n++];
			char *name;

			l->round = r;
			l->drv = k % 2 ? OURS : REFERENCE;
			l->fast = k < 2;
			if (asprintf(&name, "round%d_%s%s", r, drv_name[l->drv],
				     l->fast ? "" : "_nofastack") < 0)
				return 1;
			one->name = name;
			one->fn = bench_load;
			one->timeout_s = l->fast ? full_load_s : 60;
		}
	}
	return vbgt_main(SUITE_NAME, cases, n);
}
