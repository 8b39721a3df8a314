// SPDX-License-Identifier: GPL-2.0
/*
 * vbgt: KTAP output, case isolation, ioctl and raw VMMDev request helpers,
 * HGCM helpers, unprivileged helpers and the emulator's control-channel
 * client for the guest test programs.  See vbgt.h.
 */
#define _GNU_SOURCE
#include "vbgt.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define VBGT_DEFAULT_TIMEOUT_S	20
#define VBGT_SUITE_BUDGET_S	110
#define VBGT_AT_END_MAX		8

/* Shared between the runner process and a case's processes. */
struct vbgt_result {
	int failed;
	int skipped;
	char skip[160];
	char todo[200];
	int n_at_end;
	char at_end[VBGT_AT_END_MAX][96];
};

static struct vbgt_result *res;
static int ctl_open(void);
static pid_t case_pid;
static int ctl_fd = -1;
static char ctl_buf[16384];
static size_t ctl_len;

/* ---------------------------------------------------------------- results */

/**
 * vbgt_diag() - print one KTAP diagnostic line ("    # ...").
 * @fmt: printf format.
 */
void vbgt_diag(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("    # %s\n", line);
	fflush(stdout);
}

/**
 * vbgt_fail_at() - record a failure of the running case with a reason.
 * @file: source file of the check.
 * @line: source line of the check.
 * @fmt: printf format of the reason.
 */
void vbgt_fail_at(const char *file, int line, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vbgt_diag("%s:%d: %s", file, line, msg);
	if (res)
		__atomic_store_n(&res->failed, 1, __ATOMIC_SEQ_CST);
}

/**
 * vbgt_end_case() - end the running case (or the helper process running
 * part of it) now; what was recorded stands.
 */
void vbgt_end_case(void)
{
	fflush(stdout);
	_exit(getpid() == case_pid ? 0 : 1);
}

/**
 * vbgt_skip() - end the running case as skipped.
 * @reason: why it cannot run here.
 */
void vbgt_skip(const char *reason)
{
	snprintf(res->skip, sizeof(res->skip), "%s", reason);
	res->skipped = 1;
	vbgt_end_case();
}

/**
 * vbgt_ref_defect() - declare the reason for which this case is known to
 * fail on the reference driver.  Only consulted if the case fails and the
 * driver under test is the reference.
 * @reason: the measured defect.
 */
void vbgt_ref_defect(const char *reason)
{
	snprintf(res->todo, sizeof(res->todo), "%s", reason);
}

/**
 * vbgt_failed() - whether the running case has recorded a failure.
 *
 * Return: non-zero after a failed check.
 */
int vbgt_failed(void)
{
	return res && __atomic_load_n(&res->failed, __ATOMIC_SEQ_CST);
}

/**
 * vbgt_is_reference() - whether VBG_DRIVER says the reference driver runs.
 *
 * Return: non-zero for VBG_DRIVER=reference.
 */
int vbgt_is_reference(void)
{
	const char *d = getenv("VBG_DRIVER");

	return d && !strcmp(d, "reference");
}

/**
 * vbgt_kernel_defers_frees() - whether the kernel holds freed objects back
 * (generic KASAN's quarantine, the debug kernel): unreclaimable slab then
 * grows by megabytes without a leak, and kmemleak (/init's dmesg_clean on
 * that kernel) is the leak check instead.
 *
 * Return: non-zero if /proc/kallsyms has kasan_quarantine_put.
 */
int vbgt_kernel_defers_frees(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = !!strstr(line, " kasan_quarantine_put\n");
	fclose(f);
	return found;
}

/**
 * vbgt_is_32bit() - whether this program is a 32-bit build.
 *
 * Return: non-zero for -m32 builds.
 */
int vbgt_is_32bit(void)
{
	return sizeof(long) == 4;
}

/**
 * vbgt_shared() - zeroed memory shared with the case's helper processes.
 * @size: bytes wanted.
 *
 * Return: the memory (the case ends if none).
 */
void *vbgt_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ASSERT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

/**
 * vbgt_meminfo_kb() - one /proc/meminfo field.
 * @field: its name without the colon (e.g. "SUnreclaim").
 *
 * Return: the value in KiB (the case ends if the field is missing).
 */
long long vbgt_meminfo_kb(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "r");
	size_t n = strlen(field);
	char line[256];
	long long v = -1;

	ASSERT(f, "/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			v = strtoll(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	ASSERT(v >= 0, "no %s in /proc/meminfo", field);
	return v;
}

/**
 * vbgt_kernel_alarms() - the kernel log records that match the rig's alarm
 * pattern (tests/alarms.txt, in the guest as /etc/vbg-alarms.re, shared
 * with /init's dmesg_clean and make kunit), read from @fd (/dev/kmsg) up to
 * its end.  A missing or bad pattern counts as one alarm.
 * @fd: /dev/kmsg, opened O_NONBLOCK, positioned where the scan starts.
 * @first: the first matching record (or what went wrong), cut to fit.
 * @len: size of @first.
 *
 * Return: the number of matching records.
 */
int vbgt_kernel_alarms(int fd, char *first, size_t len)
{
	char re[2048], rec[2048];
	FILE *f = fopen(VBGT_ALARMS, "r");
	regex_t rx;
	int n = 0;
	ssize_t r;

	if (!f || !fgets(re, sizeof(re), f)) {
		snprintf(first, len, "no alarm pattern in %s", VBGT_ALARMS);
		if (f)
			fclose(f);
		return 1;
	}
	fclose(f);
	re[strcspn(re, "\n")] = 0;
	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB)) {
		snprintf(first, len, "bad alarm pattern in %s", VBGT_ALARMS);
		return 1;
	}
	for (;;) {
		r = read(fd, rec, sizeof(rec) - 1);
		if (r < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (r <= 0)
			break;
		rec[r] = 0;
		if (!regexec(&rx, rec, 0, NULL, 0) && !n++)
			snprintf(first, len, "%.200s", rec);
	}
	regfree(&rx);
	return n;
}

/* ------------------------------------------------------------------- time */

/**
 * vbgt_now_us() - CLOCK_MONOTONIC in microseconds.
 *
 * Return: the time.
 */
uint64_t vbgt_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/**
 * vbgt_rand32() - the next number of a xorshift sequence.
 * @s: its state (not 0).
 *
 * Return: 32 random bits.
 */
uint32_t vbgt_rand32(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

static void vbgt_sigs_handler(int sig)
{
	(void)sig;
}

static void *vbgt_sigs_main(void *arg)
{
	struct vbgt_sigs *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		unsigned int i = vbgt_rand32(&s->rng) % s->n;

		vbgt_sleep_ms(1 + vbgt_rand32(&s->rng) % s->max_gap_ms);
		pthread_mutex_lock(&s->lock);
		if (s->alive[i] && !pthread_kill(s->target[i], SIGUSR1))
			s->sent++;
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

/**
 * vbgt_sigs_start() - install SIGUSR1 (no SA_RESTART) and start a thread
 * that sends it to one of @n targets every 1 to @max_gap_ms ms.
 * @s: the state (zeroed here).
 * @n: how many targets (at most VBGT_SIGS_MAX).
 * @seed: seed of the random choices.
 * @max_gap_ms: the longest gap.
 *
 * Return: 0, or -1 if the handler or the thread could not be set up.
 */
int vbgt_sigs_start(struct vbgt_sigs *s, unsigned int n, uint64_t seed,
		    unsigned int max_gap_ms)
{
	struct sigaction sa;

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->n = n < VBGT_SIGS_MAX ? n : VBGT_SIGS_MAX;
	s->max_gap_ms = max_gap_ms ? max_gap_ms : 1;
	s->rng = seed | 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vbgt_sigs_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return -1;
	return pthread_create(&s->thread, NULL, vbgt_sigs_main, s) ? -1 : 0;
}

/**
 * vbgt_sigs_enter() - the calling thread is target @i from now on.
 * @s: the state.
 * @i: its index.
 */
void vbgt_sigs_enter(struct vbgt_sigs *s, unsigned int i)
{
	pthread_mutex_lock(&s->lock);
	s->target[i] = pthread_self();
	s->alive[i] = 1;
	pthread_mutex_unlock(&s->lock);
}

/**
 * vbgt_sigs_leave() - target @i gets no more signals (call before it exits).
 * @s: the state.
 * @i: its index.
 */
void vbgt_sigs_leave(struct vbgt_sigs *s, unsigned int i)
{
	pthread_mutex_lock(&s->lock);
	s->alive[i] = 0;
	pthread_mutex_unlock(&s->lock);
}

/**
 * vbgt_sigs_alive() - how many targets are between enter and leave.
 * @s: the state.
 *
 * Return: that count.
 */
unsigned int vbgt_sigs_alive(struct vbgt_sigs *s)
{
	unsigned int i, n = 0;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->n; i++)
		n += s->alive[i];
	pthread_mutex_unlock(&s->lock);
	return n;
}

/**
 * vbgt_sigs_stop() - stop and join the signal thread.
 * @s: the state.
 *
 * Return: the signals it sent.
 */
unsigned long vbgt_sigs_stop(struct vbgt_sigs *s)
{
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	pthread_join(s->thread, NULL);
	return s->sent;
}

/**
 * vbgt_now_ms() - CLOCK_MONOTONIC in milliseconds.
 *
 * Return: the time.
 */
uint64_t vbgt_now_ms(void)
{
	return vbgt_now_us() / 1000u;
}

/**
 * vbgt_sleep_ms() - sleep, resuming after signals.
 * @ms: how long.
 */
void vbgt_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---------------------------------------------------------------- devices */

/**
 * vbgt_open() - open a device node read-write; the case ends on failure.
 * @node: path of the node.
 *
 * Return: the file descriptor.
 */
int vbgt_open(const char *node)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);

	ASSERT(fd >= 0, "open %s: %s", node, strerror(errno));
	return fd;
}

/**
 * vbgt_ioctl() - ioctl() returning 0 or -errno.
 * @fd: the session.
 * @req: the ioctl code.
 * @arg: its argument.
 *
 * Return: 0 or -errno.
 */
int vbgt_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

/**
 * vbgt_hdr() - initialise a vbg_ioctl_hdr; rc is pre-filled with -1.
 * @h: the header.
 * @type: VMMDev request type or VBG_IOCTL_HDR_TYPE_DEFAULT.
 * @size_in: input size.
 * @size_out: output size (0: same as input).
 */
void vbgt_hdr(struct vbg_ioctl_hdr *h, uint32_t type, uint32_t size_in,
	      uint32_t size_out)
{
	h->size_in = size_in;
	h->version = VBG_IOCTL_HDR_VERSION;
	h->type = type;
	h->rc = -1;
	h->size_out = size_out;
	h->reserved = 0;
}

/**
 * vbgt_vmmreq_init() - zero a raw VMMDev request and fill its header
 * (size, version 1.01, type, rc = VERR_GENERAL_FAILURE, requestor 0).
 * @req: the request.
 * @size: its size.
 * @type: its type.
 */
void vbgt_vmmreq_init(void *req, uint32_t size, uint32_t type)
{
	memset(req, 0, size);
	vbgt_hdr(req, type, size, 0);	/* size_out overlays reserved1 */
}

/**
 * vbgt_vmmreq() - pass a raw VMMDev request through the driver
 * (VBG_IOCTL_VMMDEV_REQUEST up to 1 KiB, VBG_IOCTL_VMMDEV_REQUEST_BIG above).
 * @fd: the session.
 * @req: the request, header filled.
 * @size: its size.
 *
 * Return: 0 or -errno of the ioctl; the host's status is in the header.
 */
int vbgt_vmmreq(int fd, void *req, uint32_t size)
{
	if (size <= 1024)
		return vbgt_ioctl(fd, VBG_IOCTL_VMMDEV_REQUEST(size), req);
	return vbgt_ioctl(fd, VBG_IOCTL_VMMDEV_REQUEST_BIG, req);
}

/**
 * vbgt_wait_events() - VBG_IOCTL_WAIT_FOR_EVENTS.
 * @fd: the session.
 * @mask: events to wait for.
 * @timeout_ms: timeout (0xffffffff: forever).
 * @out: the events that occurred (may be NULL).
 *
 * Return: 0 or -errno.
 */
int vbgt_wait_events(int fd, uint32_t mask, uint32_t timeout_ms,
		     uint32_t *out)
{
	struct vbg_ioctl_wait_for_events w;
	int ret;

	memset(&w, 0, sizeof(w));
	vbgt_hdr(&w.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(w.hdr) + 8,
		 sizeof(w.hdr) + 4);
	w.u.in.timeout_ms = timeout_ms;
	w.u.in.events = mask;
	ret = vbgt_ioctl(fd, VBG_IOCTL_WAIT_FOR_EVENTS, &w);
	if (out)
		*out = ret ? 0 : w.u.out.events;
	return ret;
}

/**
 * vbgt_change_filter() - VBG_IOCTL_CHANGE_FILTER_MASK.
 * @fd: the session.
 * @or_mask: events to add.
 * @not_mask: events to remove.
 *
 * Return: 0 or -errno.
 */
int vbgt_change_filter(int fd, uint32_t or_mask, uint32_t not_mask)
{
	struct vbg_ioctl_change_filter f;

	memset(&f, 0, sizeof(f));
	vbgt_hdr(&f.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(f),
		 sizeof(f.hdr));
	f.u.in.or_mask = or_mask;
	f.u.in.not_mask = not_mask;
	return vbgt_ioctl(fd, VBG_IOCTL_CHANGE_FILTER_MASK, &f);
}

/**
 * vbgt_acquire_caps() - VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES.
 * @fd: the session.
 * @flags: VBGL_IOC_AGC_FLAGS_*.
 * @or_mask: capabilities to acquire.
 * @not_mask: capabilities to release.
 *
 * Return: 0 or -errno.
 */
int vbgt_acquire_caps(int fd, uint32_t flags, uint32_t or_mask,
		      uint32_t not_mask)
{
	struct vbg_ioctl_acquire_guest_caps c;

	memset(&c, 0, sizeof(c));
	vbgt_hdr(&c.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(c),
		 sizeof(c.hdr));
	c.u.in.flags = flags;
	c.u.in.or_mask = or_mask;
	c.u.in.not_mask = not_mask;
	return vbgt_ioctl(fd, VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES, &c);
}

/* ------------------------------------------------------------------- HGCM */

/**
 * vbgt_set_caps() - VBG_IOCTL_CHANGE_GUEST_CAPABILITIES.
 * @fd: the session.
 * @or_mask: capabilities to set.
 * @not_mask: capabilities to clear.
 *
 * Return: 0 or -errno.
 */
int vbgt_set_caps(int fd, uint32_t or_mask, uint32_t not_mask)
{
	struct vbg_ioctl_set_guest_caps c;

	memset(&c, 0, sizeof(c));
	vbgt_hdr(&c.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(c), sizeof(c));
	c.u.in.or_mask = or_mask;
	c.u.in.not_mask = not_mask;
	return vbgt_ioctl(fd, VBG_IOCTL_CHANGE_GUEST_CAPABILITIES, &c);
}

/**
 * vbgt_check_balloon() - VBG_IOCTL_CHECK_BALLOON.
 * @fd: the session.
 * @chunks: the balloon's size in 1 MiB chunks, as the driver answers.
 * @in_r3: "handle in ring 3" as the driver answers (may be NULL).
 *
 * Return: 0 or -errno.
 */
int vbgt_check_balloon(int fd, uint32_t *chunks, uint8_t *in_r3)
{
	struct vbg_ioctl_check_balloon c;
	int ret;

	memset(&c, 0, sizeof(c));
	vbgt_hdr(&c.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(c.hdr), sizeof(c));
	ret = vbgt_ioctl(fd, VBG_IOCTL_CHECK_BALLOON, &c);
	*chunks = c.u.out.balloon_chunks;
	if (in_r3)
		*in_r3 = c.u.out.handle_in_r3;
	return ret;
}

static void *vbgt_waiter_fn(void *arg)
{
	struct vbgt_waiter *w = arg;
	uint64_t t0 = vbgt_now_ms();

	w->ret = vbgt_wait_events(w->fd, w->mask, w->timeout_ms, &w->events);
	w->elapsed_ms = vbgt_now_ms() - t0;
	__atomic_store_n(&w->finished, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/**
 * vbgt_waiter_start() - a thread that waits for events on @fd.
 * @w: the waiter (its result fields are set when the wait returns).
 * @fd: the session.
 * @mask: the events to wait for.
 * @timeout_ms: the wait's timeout.
 *
 * Returns after giving the thread 200 ms to block in the driver.
 */
void vbgt_waiter_start(struct vbgt_waiter *w, int fd, uint32_t mask,
		       uint32_t timeout_ms)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->mask = mask;
	w->timeout_ms = timeout_ms;
	ASSERT(pthread_create(&w->thread, NULL, vbgt_waiter_fn, w) == 0);
	vbgt_sleep_ms(200);
}

/* Has the wait of @w returned? */
int vbgt_waiter_finished(struct vbgt_waiter *w)
{
	return __atomic_load_n(&w->finished, __ATOMIC_SEQ_CST);
}

/**
 * vbgt_hgcm_connect() - VBG_IOCTL_HGCM_CONNECT.
 * @fd: the session.
 * @service: service name.
 * @client: the client id (out).
 * @rc: the VBox status of the connect (out).
 *
 * Return: 0 or -errno.
 */
int vbgt_hgcm_connect(int fd, const char *service, uint32_t *client,
		      int32_t *rc)
{
	struct vbg_ioctl_hgcm_connect c;
	int ret;

	memset(&c, 0, sizeof(c));
	vbgt_hdr(&c.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(c),
		 sizeof(c.hdr) + sizeof(c.u.out));
	c.u.in.loc.type = VMMDEV_HGCM_LOC_LOCALHOST_EXISTING;
	snprintf(c.u.in.loc.u.localhost.service_name,
		 sizeof(c.u.in.loc.u.localhost.service_name), "%s", service);
	ret = vbgt_ioctl(fd, VBG_IOCTL_HGCM_CONNECT, &c);
	*rc = c.hdr.rc;
	*client = ret ? 0 : c.u.out.client_id;
	return ret;
}

/**
 * vbgt_hgcm_connect_ok() - connect to @service; the case ends on failure.
 * @fd: the session.
 * @service: the service name.
 *
 * Return: the client id (not 0).
 */
uint32_t vbgt_hgcm_connect_ok(int fd, const char *service)
{
	uint32_t client;
	int32_t rc;

	ASSERT_EQ(vbgt_hgcm_connect(fd, service, &client, &rc), 0);
	ASSERT_EQ(rc, VINF_SUCCESS);
	ASSERT(client != 0, "client id 0");
	return client;
}

/**
 * vbgt_hgcm_disconnect() - VBG_IOCTL_HGCM_DISCONNECT.
 * @fd: the session.
 * @client: the client id.
 * @rc: the VBox status (out).
 *
 * Return: 0 or -errno.
 */
int vbgt_hgcm_disconnect(int fd, uint32_t client, int32_t *rc)
{
	struct vbg_ioctl_hgcm_disconnect d;
	int ret;

	memset(&d, 0, sizeof(d));
	vbgt_hdr(&d.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(d),
		 sizeof(d.hdr));
	d.u.in.client_id = client;
	ret = vbgt_ioctl(fd, VBG_IOCTL_HGCM_DISCONNECT, &d);
	*rc = d.hdr.rc;
	return ret;
}

/**
 * vbgt_hgcm_call() - VBG_IOCTL_HGCM_CALL in this build's width; the
 * parameters are copied back afterwards.
 * @fd: the session.
 * @client: client id.
 * @function: function number.
 * @timeout_ms: timeout (0xffffffff: none).
 * @parms: the parameters (in/out).
 * @n: their count.
 * @rc: the call's VBox status (out).
 *
 * Return: 0 or -errno.
 */
int vbgt_hgcm_call(int fd, uint32_t client, uint32_t function,
		   uint32_t timeout_ms, vbgt_parm *parms, unsigned int n,
		   int32_t *rc)
{
	size_t size = sizeof(struct vbg_ioctl_hgcm_call) + n * sizeof(*parms);
	struct vbg_ioctl_hgcm_call *c = calloc(1, size);
	int ret;

	ASSERT(c, "out of memory");
	if (vbgt_is_32bit() && res && !res->todo[0])
		vbgt_ref_defect("32-bit HGCM calls (compat_ioctl) fail with "
				"EINVAL or corrupt the caller's memory (SIGSEGV)");
	vbgt_hdr(&c->hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, size, size);
	c->client_id = client;
	c->function = function;
	c->timeout_ms = timeout_ms;
	c->interruptible = 1;
	c->parm_count = n;
	memcpy(c + 1, parms, n * sizeof(*parms));
	ret = vbgt_ioctl(fd, VBG_IOCTL_HGCM_CALL(size), c);
	memcpy(parms, c + 1, n * sizeof(*parms));
	*rc = c->hdr.rc;
	free(c);
	return ret;
}

/**
 * vbgt_parm_u32() - a 32-bit value parameter.
 * @p: the parameter.
 * @v: the value.
 */
void vbgt_parm_u32(vbgt_parm *p, uint32_t v)
{
	memset(p, 0, sizeof(*p));
	p->type = VMMDEV_HGCM_PARM_TYPE_32BIT;
	p->u.value32 = v;
}

/**
 * vbgt_parm_u64() - a 64-bit value parameter.
 * @p: the parameter.
 * @v: the value.
 */
void vbgt_parm_u64(vbgt_parm *p, uint64_t v)
{
	memset(p, 0, sizeof(*p));
	p->type = VMMDEV_HGCM_PARM_TYPE_64BIT;
	p->u.value64 = v;
}

/**
 * vbgt_parm_buf() - a linear-address buffer parameter.
 * @p: the parameter.
 * @type: VMMDEV_HGCM_PARM_TYPE_LINADDR, _IN or _OUT (or any other type).
 * @buf: the buffer.
 * @size: its size.
 */
void vbgt_parm_buf(vbgt_parm *p, uint32_t type, void *buf, uint32_t size)
{
	memset(p, 0, sizeof(*p));
	p->type = type;
	p->u.pointer.size = size;
	p->u.pointer.u.linear_addr = (uintptr_t)buf;
}

/**
 * vbgt_guard_ok() - are the VBGT_GUARD bytes at @p all VBGT_GUARD_BYTE?
 * @p: the guard.
 *
 * Return: 1 if so, else 0.
 */
int vbgt_guard_ok(const uint8_t *p)
{
	int i;

	for (i = 0; i < VBGT_GUARD; i++)
		if (p[i] != VBGT_GUARD_BYTE)
			return 0;
	return 1;
}

/**
 * vbgt_tcall_random() - build a random data call of the test service.
 * @c: the call.
 * @rng: the random state.
 * @size: the size distribution.
 * @a: room for the input (or in/out) buffer.
 * @b: room for the output buffer.
 *
 * ECHO copies a pattern into an output of the same or (one time in four)
 * another size, FILL writes one, CHECK finds the byte spoilt in it (or
 * none), XOR changes every byte.
 */
void vbgt_tcall_random(struct vbgt_tcall *c, uint64_t *rng,
		       uint32_t (*size)(uint64_t *rng), uint8_t *a, uint8_t *b)
{
	memset(c, 0, sizeof(*c));
	c->fn = VBGTEST_FN_ECHO + vbgt_rand32(rng) % 4;
	c->n = c->m = size(rng);
	c->seed = vbgt_rand32(rng);
	c->in = a + vbgt_rand32(rng) % 4096;
	c->out = b + vbgt_rand32(rng) % 4096;
	c->np = 2;
	switch (c->fn) {
	case VBGTEST_FN_ECHO:
		if (vbgt_rand32(rng) % 4 == 0)
			c->m = size(rng);
		vbgtest_fill_pattern(c->in, c->n, c->seed);
		memset(c->out, VBGT_GUARD_BYTE, c->m + VBGT_GUARD);
		vbgt_parm_buf(&c->p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, c->in, c->n);
		vbgt_parm_buf(&c->p[1], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, c->out, c->m);
		vbgt_parm_u32(&c->p[2], 0);
		c->np = 3;
		break;
	case VBGTEST_FN_FILL:
		memset(c->out, VBGT_GUARD_BYTE, c->n + VBGT_GUARD);
		vbgt_parm_buf(&c->p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, c->out, c->n);
		vbgt_parm_u32(&c->p[1], c->seed);
		break;
	case VBGTEST_FN_CHECK:
		vbgtest_fill_pattern(c->in, c->n, c->seed);
		c->m = c->n && vbgt_rand32(rng) % 2 ? vbgt_rand32(rng) % c->n :
						      VBGTEST_CHECK_OK;
		if (c->m != VBGTEST_CHECK_OK)
			c->in[c->m] ^= 0x5a;
		vbgt_parm_buf(&c->p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, c->in, c->n);
		vbgt_parm_u32(&c->p[1], c->seed);
		vbgt_parm_u32(&c->p[2], 0x12345678);
		c->np = 3;
		break;
	default:	/* XOR */
		vbgtest_fill_pattern(c->in, c->n, c->seed);
		memset(c->in + c->n, VBGT_GUARD_BYTE, VBGT_GUARD);
		vbgt_parm_buf(&c->p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR, c->in, c->n);
		vbgt_parm_u32(&c->p[1], c->seed >> 8);
		break;
	}
}

/**
 * vbgt_tcall_check() - check the data of a call that completed.
 * @c: the call.
 * @why: what was wrong (set only then).
 * @len: size of @why.
 *
 * Return: 0 if everything came back right, else -1.
 */
int vbgt_tcall_check(const struct vbgt_tcall *c, char *why, size_t len)
{
	uint32_t k, n = c->n, m = c->m;
	long bad;
	size_t i;

	switch (c->fn) {
	case VBGTEST_FN_ECHO:
		k = n < m ? n : m;
		bad = vbgtest_check_pattern(c->out, k, c->seed);
		if (c->p[2].u.value32 != k)
			snprintf(why, len, "echo %u->%u: host copied %u", n, m,
				 c->p[2].u.value32);
		else if (bad >= 0)
			snprintf(why, len, "echo %u->%u: byte %ld differs", n, m, bad);
		else if (!vbgt_guard_ok(c->out + m))
			snprintf(why, len, "echo %u->%u: guard overwritten", n, m);
		else if (vbgtest_check_pattern(c->in, n, c->seed) >= 0)
			snprintf(why, len, "echo %u: input changed", n);
		else
			return 0;
		return -1;
	case VBGTEST_FN_FILL:
		bad = vbgtest_check_pattern(c->out, n, c->seed);
		if (bad >= 0)
			snprintf(why, len, "fill %u: byte %ld differs", n, bad);
		else if (!vbgt_guard_ok(c->out + n))
			snprintf(why, len, "fill %u: guard overwritten", n);
		else
			return 0;
		return -1;
	case VBGTEST_FN_CHECK:
		if (c->p[2].u.value32 == m)
			return 0;
		snprintf(why, len, "check %u: host says %#x, want %#x", n,
			 c->p[2].u.value32, m);
		return -1;
	default:
		for (i = 0; i < n; i++) {
			if (c->in[i] != (uint8_t)(vbgtest_pattern(c->seed, i) ^
						  (c->seed >> 8))) {
				snprintf(why, len, "xor %u: byte %zu differs", n, i);
				return -1;
			}
		}
		if (vbgt_guard_ok(c->in + n))
			return 0;
		snprintf(why, len, "xor %u: guard overwritten", n);
		return -1;
	}
}

/* ---------------------------------------------------- unprivileged helpers */

/**
 * vbgt_drop_privileges() - become uid/gid 1000 with no groups.
 *
 * Return: 0 or -errno.
 */
int vbgt_drop_privileges(void)
{
	if (setgroups(0, NULL) || setgid(VBGT_GID) || setuid(VBGT_UID))
		return -errno;
	if (getuid() != VBGT_UID || geteuid() != VBGT_UID)
		return -EPERM;
	return 0;
}

/**
 * vbgt_fork_user() - run @fn(@arg) in a child process as uid/gid 1000.
 * Checks in @fn count for the running case.
 * @fn: the function.
 * @arg: its argument.
 *
 * Return: the child's pid (the case ends if fork fails).
 */
pid_t vbgt_fork_user(void (*fn)(void *), void *arg)
{
	pid_t pid;

	/*
	 * The helper inherits the control channel (the node is root's); the
	 * case waits for it, so the two never talk on it at the same time.
	 */
	ctl_open();
	fflush(stdout);
	pid = fork();
	ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int ret = vbgt_drop_privileges();

		ASSERT(ret == 0, "dropping privileges: %s", strerror(-ret));
		fn(arg);
		fflush(stdout);
		_exit(0);
	}
	return pid;
}

/**
 * vbgt_wait_child() - wait for a helper process, killing it after
 * @timeout_ms.
 * @pid: the helper.
 * @timeout_ms: how long to wait.
 *
 * Return: its exit status, 128 + signal if killed by one, -1 on timeout.
 */
int vbgt_wait_child(pid_t pid, unsigned int timeout_ms)
{
	uint64_t end = vbgt_now_ms() + timeout_ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		if (vbgt_now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		vbgt_sleep_ms(2);
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/**
 * vbgt_run_as_user() - run @fn(@arg) as uid 1000 and wait for it (15 s);
 * a helper that dies or hangs fails the case.
 * @fn: the function.
 * @arg: its argument.
 *
 * Return: the helper's exit status.
 */
int vbgt_run_as_user(void (*fn)(void *), void *arg)
{
	int st = vbgt_wait_child(vbgt_fork_user(fn, arg), 15000);

	EXPECT(st == 0 || st == 1, "user helper ended with status %d", st);
	return st;
}

/* -------------------------------------------------------- control channel */

static int ctl_open(void)
{
	const char *path = getenv("VBG_CTL");
	struct termios tio;
	int fd;

	if (ctl_fd >= 0)
		return 0;
	if (!path || !*path)
		path = "/dev/ttyS1";
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		vbgt_diag("control channel %s: %s", path, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &tio) == 0) {
		cfmakeraw(&tio);
		tio.c_cflag |= CLOCAL | CREAD;
		tio.c_cflag &= ~CRTSCTS;
		cfsetispeed(&tio, B115200);
		cfsetospeed(&tio, B115200);
		tcsetattr(fd, TCSANOW, &tio);
		tcflush(fd, TCIOFLUSH);
	}
	ctl_fd = fd;
	ctl_len = 0;
	return 0;
}

static void ctl_close(void)
{
	if (ctl_fd >= 0)
		close(ctl_fd);
	ctl_fd = -1;
	ctl_len = 0;
}

/* One line without its end into @line; 0, or -1 after 10 s or an error. */
static int ctl_read_line(char *line, size_t len)
{
	uint64_t end = vbgt_now_ms() + 10000;

	for (;;) {
		char *nl = memchr(ctl_buf, '\n', ctl_len);
		struct pollfd pfd = { .fd = ctl_fd, .events = POLLIN };
		uint64_t now;
		ssize_t r;

		if (nl) {
			size_t n = (size_t)(nl - ctl_buf);
			size_t c = n < len - 1 ? n : len - 1;

			memcpy(line, ctl_buf, c);
			line[c] = 0;
			if (c && line[c - 1] == '\r')
				line[c - 1] = 0;
			memmove(ctl_buf, nl + 1, ctl_len - n - 1);
			ctl_len -= n + 1;
			return 0;
		}
		if (ctl_len == sizeof(ctl_buf))
			ctl_len = 0;	/* an absurd line: drop it */
		now = vbgt_now_ms();
		if (now >= end)
			return -1;
		if (poll(&pfd, 1, (int)(end - now)) < 0 && errno != EINTR)
			return -1;
		r = read(ctl_fd, ctl_buf + ctl_len, sizeof(ctl_buf) - ctl_len);
		if (r > 0)
			ctl_len += (size_t)r;
		else if (r == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
	}
}

static int ctl_vcmd(char *reply, size_t len, const char *fmt, va_list ap)
{
	char cmd[512], line[1024];
	size_t used = 0;
	int n;

	if (reply && len)
		reply[0] = 0;
	if (ctl_open())
		return -1;
	n = vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
	if (n < 0 || n >= (int)sizeof(cmd) - 1)
		return -1;
	cmd[n++] = '\n';
	for (int off = 0; off < n;) {
		ssize_t w = write(ctl_fd, cmd + off, (size_t)(n - off));

		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = ctl_fd, .events = POLLOUT };

			poll(&pfd, 1, 1000);
			continue;
		}
		if (w <= 0) {
			vbgt_diag("control channel write: %s", strerror(errno));
			ctl_close();
			return -1;
		}
		off += (int)w;
	}
	for (;;) {
		int final, err;

		if (ctl_read_line(line, sizeof(line))) {
			cmd[n - 1] = 0;
			vbgt_diag("control channel: no reply to '%s'", cmd);
			ctl_close();
			return -1;
		}
		final = !strcmp(line, "ok") || !strncmp(line, "ok ", 3);
		err = !strcmp(line, "err") || !strncmp(line, "err ", 4);
		if (reply && used + strlen(line) + 2 <= len) {
			strcpy(reply + used, line);
			used += strlen(line);
			reply[used++] = '\n';
			reply[used] = 0;
		}
		if (err) {
			cmd[n - 1] = 0;
			vbgt_diag("control channel: '%s' -> '%s'", cmd, line);
			return 1;
		}
		if (final)
			return 0;
	}
}

/**
 * vbgt_ctl() - send one control command and collect its reply.
 * @reply: all reply lines, '\n'-separated, the final one last (may be NULL).
 * @len: size of @reply.
 * @fmt: printf format of the command (no newline).
 *
 * Return: 0 for "ok", 1 for "err", -1 if the channel failed.
 */
int vbgt_ctl(char *reply, size_t len, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = ctl_vcmd(reply, len, fmt, ap);
	va_end(ap);
	return ret;
}

/**
 * vbgt_ctl_ok() - send a control command that must answer "ok"; the case
 * fails and ends otherwise.
 * @fmt: printf format of the command.
 */
void vbgt_ctl_ok(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = ctl_vcmd(NULL, 0, fmt, ap);
	va_end(ap);
	ASSERT(ret == 0, "control command failed");
}

static long long ctl_vnum(const char *fmt, va_list ap)
{
	char reply[1024], *last, *end;
	long long v;
	int ret;

	ret = ctl_vcmd(reply, sizeof(reply), fmt, ap);
	ASSERT(ret == 0, "control command failed");
	/* The final line: "ok VALUE". */
	reply[strlen(reply) - 1] = 0;
	last = strrchr(reply, '\n');
	last = last ? last + 1 : reply;
	ASSERT(!strncmp(last, "ok ", 3), "no value in reply '%s'", last);
	errno = 0;
	v = strtoll(last + 3, &end, 0);
	if (errno == ERANGE)
		v = (long long)strtoull(last + 3, &end, 0);
	ASSERT(end != last + 3, "no number in reply '%s'", last);
	return v;
}

/**
 * vbgt_ctl_num() - send a control command answering "ok VALUE".
 * @fmt: printf format of the command.
 *
 * Return: VALUE (the case fails and ends on any error).
 */
long long vbgt_ctl_num(const char *fmt, ...)
{
	va_list ap;
	long long v;

	va_start(ap, fmt);
	v = ctl_vnum(fmt, ap);
	va_end(ap);
	return v;
}

/**
 * vbgt_counter() - one emulator counter.
 * @name: counter name (tests/vmmdev/README).
 *
 * Return: its value.
 */
long long vbgt_counter(const char *name)
{
	return vbgt_ctl_num("counter %s", name);
}

/**
 * vbgt_counter_wait_change() - wait until an emulator counter moves.
 * @name: counter name.
 * @from: its value before.
 * @timeout_ms: how long to wait at most.
 *
 * Return: its value when it moved, or @from after @timeout_ms.
 */
long long vbgt_counter_wait_change(const char *name, long long from,
				   unsigned int timeout_ms)
{
	uint64_t end = vbgt_now_ms() + timeout_ms;
	long long v;

	while ((v = vbgt_counter(name)) == from && vbgt_now_ms() < end)
		vbgt_sleep_ms(20);
	return v;
}

/**
 * vbgt_ctl_field() - one "name value" line of a multi-line reply.
 * @cmd: the command (state, hgcm-state, ...).
 * @name: field name.
 *
 * Return: its value (the case fails and ends if absent).
 */
long long vbgt_ctl_field(const char *cmd, const char *name)
{
	char reply[4096], *line, *save = NULL;
	size_t nl = strlen(name);
	int ret = vbgt_ctl(reply, sizeof(reply), "%s", cmd);

	ASSERT(ret == 0, "%s failed", cmd);
	for (line = strtok_r(reply, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, name, nl) && line[nl] == ' ')
			return (long long)strtoull(line + nl + 1, NULL, 0);
	}
	ASSERT(0, "%s has no field %s", cmd, name);
	return 0;
}

/**
 * vbgt_state() - one field of the emulator's "state" reply.
 * @name: field name.
 *
 * Return: its value (the case fails and ends if absent).
 */
long long vbgt_state(const char *name)
{
	return vbgt_ctl_field("state", name);
}

/**
 * vbgt_ctl_at_end() - a control command the runner sends after the case
 * ended, however it ended (restores emulator settings).
 * @cmd: the command.
 */
void vbgt_ctl_at_end(const char *cmd)
{
	int i = __atomic_fetch_add(&res->n_at_end, 1, __ATOMIC_SEQ_CST);

	ASSERT(i < VBGT_AT_END_MAX, "too many clean-up commands");
	snprintf(res->at_end[i], sizeof(res->at_end[i]), "%s", cmd);
}

/* ----------------------------------------------------------------- runner */

/* Reap @pid within @ms; returns 0 if it is still there. */
static int reap_within(pid_t pid, int *st, unsigned int ms)
{
	uint64_t end = vbgt_now_ms() + ms;

	do {
		if (waitpid(pid, st, WNOHANG) == pid)
			return 1;
		vbgt_sleep_ms(10);
	} while (vbgt_now_ms() < end);
	return 0;
}

/*
 * How much slower than the distro kernel this kernel runs: VBG_SLOW from
 * the runner (4 on the debug kernel), 1 without it.  A case's own time
 * limit stretches by it, as the runner stretches the program's.
 */
static unsigned int slow_factor(void)
{
	const char *s = getenv("VBG_SLOW");
	unsigned long v = s ? strtoul(s, NULL, 10) : 1;

	return v >= 1 && v <= 16 ? (unsigned int)v : 1;
}

static int run_case(const struct vbgt_case *c, int idx, uint64_t budget_end)
{
	unsigned int limit = (c->timeout_s ? c->timeout_s : VBGT_DEFAULT_TIMEOUT_S) *
			     slow_factor();
	uint64_t start = vbgt_now_ms(), end = start + limit * 1000u;
	int st = 0, timed_out = 0, stuck = 0, i;
	const char *verdict;
	pid_t pid;

	if (end > budget_end)
		end = budget_end;
	memset(res, 0, sizeof(*res));
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		vbgt_diag("fork: %s", strerror(errno));
		res->failed = 1;
	} else if (pid == 0) {
		setpgid(0, 0);
		case_pid = getpid();
		signal(SIGPIPE, SIG_IGN);
		c->fn();
		vbgt_end_case();
	} else {
		setpgid(pid, pid);
		for (;;) {
			pid_t r = waitpid(pid, &st, WNOHANG);

			if (r == pid)
				break;
			if (vbgt_now_ms() >= end) {
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				timed_out = 1;
				/*
				 * A process blocked in the kernel does not
				 * die: after 5 s it is left behind, so one
				 * stuck case cannot hold up the program.
				 */
				stuck = !reap_within(pid, &st, 5000);
				break;
			}
			vbgt_sleep_ms(1);
		}
		/* Helpers the case left behind. */
		kill(-pid, SIGKILL);
		if (stuck) {
			vbgt_diag("%s: timed out after %u s; its process does not"
				  " die (blocked in the kernel?), left behind",
				  c->name, (unsigned int)((end - start) / 1000));
			res->failed = 1;
		} else if (timed_out && end == budget_end) {
			vbgt_diag("%s: the program's time limit ran out",
				  c->name);
			res->failed = 1;
		} else if (timed_out) {
			vbgt_diag("%s: timed out after %u s", c->name, limit);
			res->failed = 1;
		} else if (WIFSIGNALED(st)) {
			vbgt_diag("%s: killed by signal %d", c->name,
				  WTERMSIG(st));
			res->failed = 1;
		} else if (WEXITSTATUS(st)) {
			/* vbgt_end_case() exits 0: someone else called exit(). */
			vbgt_diag("%s: its process exited with status %d",
				  c->name, WEXITSTATUS(st));
			res->failed = 1;
		}
	}
	for (i = 0; i < res->n_at_end && i < VBGT_AT_END_MAX; i++)
		if (vbgt_ctl(NULL, 0, "%s", res->at_end[i]))
			vbgt_diag("clean-up '%s' failed", res->at_end[i]);
	ctl_close();

	if (res->failed && res->todo[0] && vbgt_is_reference()) {
		printf("    not ok %d %s # TODO reference defect: %s\n", idx,
		       c->name, res->todo);
		fflush(stdout);
		return 0;
	}
	if (res->failed) {
		printf("    not ok %d %s\n", idx, c->name);
		fflush(stdout);
		return 1;
	}
	verdict = res->skipped ? " # SKIP " : "";
	printf("    ok %d %s%s%s\n", idx, c->name, verdict,
	       res->skipped ? res->skip : "");
	fflush(stdout);
	return 0;
}

/*
 * The program's time budget: its entry "<suite>:<bits>:<seconds>" in
 * VBG_PROG_LIMITS (space-separated, from the runner's suites.txt limit=),
 * else VBGT_SUITE_BUDGET_S.
 */
static unsigned int suite_budget_s(const char *suite)
{
	const char *p = getenv("VBG_PROG_LIMITS");
	char key[96];
	size_t kl;

	snprintf(key, sizeof(key), "%s:%d:", suite, vbgt_is_32bit() ? 32 : 64);
	kl = strlen(key);
	while (p && *p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, kl)) {
			char *end;
			unsigned long v = strtoul(p + kl, &end, 10);

			if (v > 0 && v < 86400 && (*end == ' ' || !*end))
				return (unsigned int)v;
		}
		p = strchr(p, ' ');
	}
	return VBGT_SUITE_BUDGET_S;
}

/**
 * vbgt_main() - run a program's cases in order and print its KTAP subtest.
 * @suite: the program's name.
 * @cases: the cases.
 * @n: their count.
 *
 * Return: 0 if no case failed (TODO cases do not count), else 1.
 */
int vbgt_main(const char *suite, const struct vbgt_case *cases, int n)
{
	unsigned int budget = suite_budget_s(suite);
	uint64_t budget_end = vbgt_now_ms() + budget * 1000ull;
	int i, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The last line of defence; /init kills us 10 s after the budget. */
	alarm(budget + 5);
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("    KTAP version 1\n    # Subtest: %s\n    1..%d\n", suite, n);
	vbgt_diag("driver %s, %d-bit, time limit %u s",
		  getenv("VBG_DRIVER") ?: "(unset)", vbgt_is_32bit() ? 32 : 64,
		  budget);
	for (i = 0; i < n; i++) {
		if (vbgt_now_ms() >= budget_end) {
			vbgt_diag("%s: not run, the program's time limit ran out",
				  cases[i].name);
			printf("    not ok %d %s\n", i + 1, cases[i].name);
			failed = 1;
			continue;
		}
		failed |= run_case(&cases[i], i + 1, budget_end);
	}
	fflush(stdout);
	return failed;
}
