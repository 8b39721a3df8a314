// SPDX-License-Identifier: GPL-2.0
/*
 * t_load: (issue 9 part 5) 16 threads, each with a session of its own,
 * make a seeded random mix of ioctls: waits for events, filter and
 * capability changes, HGCM calls with every kind of user buffer (in, out,
 * in/out, empty, any alignment, up to 64 KiB) and calls that time out,
 * raw requests and balloon checks, while a signal thread sends SIGUSR1
 * (no SA_RESTART) to random workers and every worker now and then closes
 * its session at random (with an interrupt-all first, or with its HGCM
 * client still connected) and opens a new one.  The emulator's event
 * pump posts four events every 10 ms; the main thread moves the host's
 * balloon target.
 *
 * Checked:
 *  - every ioctl returns what its kind allows (HGCM data byte for byte,
 *    guard bytes intact; any other errno is a failure, the first one per
 *    thread is printed);
 *  - every HGCM call is accounted for: the emulator's calls = the guest's
 *    completed + interrupted + timed-out calls, cancelled = interrupted +
 *    timed out, completions = completed calls + connects + disconnects,
 *    connects and disconnects (explicit or at close) as the guest made
 *    them, raw requests 4 and 10 as many as the guest sent;
 *  - no lost wakeup: threads 0-3 each own one of the pumped events and
 *    wait for it with a 3 s timeout (half of these waits with SIGUSR1
 *    held off): with an event every 10 ms such a wait ends by the event
 *    or by a signal, never by the timeout, and each owner gets its event;
 *    every wait
 *    (owners' and the others', which wait for events never posted with
 *    0-50 ms timeouts) returns within its timeout + 5 s;
 *  - afterwards the host's filter and capabilities are back to where they
 *    were, and the kernel log has no alarm.
 *
 * $LOAD_SEED (default: from the clock; printed) seeds the run, $LOAD_OPS
 * (default LOAD_OPS: 3000, the suite's form; make load: 50,000) gives the
 * ioctls per thread; the ioctls stop at LOAD_DEADLINE_MS (said in a
 * diagnostic line).  The thread interleaving is the scheduler's: a seed
 * repeats each thread's sequence of ioctls, not their timing.
 */
#include "vbgt.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#ifndef LOAD_OPS
#define LOAD_OPS	3000
#endif
#ifndef LOAD_DEADLINE_MS
#define LOAD_DEADLINE_MS	60000
#endif
#ifndef SUITE_NAME
#define SUITE_NAME	"t_load"
#endif

#define THREADS		16
#define OWNERS		4		/* threads 0-3 own one pumped event */
#define MAX_BUF		(64u << 10)
#define PAGE		4096u
#define AREA		(MAX_BUF + PAGE + VBGT_GUARD)
#define NO_TIMEOUT	0xffffffffu
#define PUMP_US		10000
#define OWNER_WAIT_MS	3000
#define WAIT_SLACK_MS	5000
#define BALLOON_MAX	2		/* chunks */
/* Caps in set mode only: acquire mode is sticky for the boot. */
#define CAPS		0x5u

static const uint32_t owned_event[OWNERS] = {
	VBGT_EV_DISPLAY, VBGT_EV_JUDGE_CREDS, VBGT_EV_SEAMLESS, VBGT_EV_VRDP,
};
#define PUMPED		(VBGT_EV_DISPLAY | VBGT_EV_JUDGE_CREDS | \
			 VBGT_EV_SEAMLESS | VBGT_EV_VRDP)
/* Restored, statistics interval, CPU hot-plug: never posted here. */
#define NEVER_POSTED	0x490u
#define FILTER_BITS	(PUMPED | NEVER_POSTED)

struct req_u64 {		/* host time (10) */
	struct vbg_ioctl_hdr hdr;
	uint64_t value;
} __attribute__((packed));

struct req_host_version {	/* host version (4) */
	struct vbg_ioctl_hdr hdr;
	uint16_t major, minor;
	uint32_t build, revision, features;
} __attribute__((packed));

/* What one worker did and saw. */
struct tally {
	unsigned long calls_ok, calls_intr, calls_timeout;
	unsigned long connects, disconnects, raw4, raw10;
	unsigned long waits, wait_events, wait_timeouts, wait_intr;
	unsigned long held_waits, lost, late, filters, caps, balloon, closes;
	unsigned long ops;
	unsigned long bad;	/* wrong data or result */
	unsigned long long bytes;
	uint64_t worst_overrun_ms;
};

struct worker {
	pthread_t thread;
	unsigned int id;
	unsigned int ops;
	uint64_t rng;
	uint64_t deadline_ms;
	uint8_t *a, *b;
	int fd;
	int root;		/* /dev/vboxguest (else /dev/vboxuser) */
	uint32_t client;	/* 0: none */
	uint32_t owned;		/* the event it owns, or 0 */
	struct tally t;
	char first_bad[200];
	int done;		/* atomic */
};

/* SIGUSR1 to random workers. */
static struct vbgt_sigs sigs;

static void record_bad(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void record_bad(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->t.bad++) {
		va_start(ap, fmt);
		vsnprintf(w->first_bad, sizeof(w->first_bad), fmt, ap);
		va_end(ap);
	}
}

static uint32_t rnd(struct worker *w)
{
	return vbgt_rand32(&w->rng);
}

/* Log-uniform sizes 0..MAX_BUF. */
static uint32_t rnd_size(uint64_t *rng)
{
	uint32_t bits = vbgt_rand32(rng) % 18;

	return bits == 17 ? MAX_BUF : vbgt_rand32(rng) % ((1u << bits) + 1);
}

/* ---- sessions -------------------------------------------------------------- */

/*
 * SIGUSR1 held off or let through: connects and disconnects are counted
 * exactly, so no signal may leave one half done.
 */
static void hold_signals(int hold)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* A new session with a vbgtest client; the worker stops (fd -1) if not. */
static int open_session(struct worker *w)
{
	int32_t rc = 0;
	int ret;

	w->fd = open(w->root ? VBGT_NODE_ROOT : VBGT_NODE_USER, O_RDWR);
	if (w->fd < 0) {
		record_bad(w, "open: errno %d", errno);
		return -1;
	}
	hold_signals(1);
	ret = vbgt_hgcm_connect(w->fd, VBGTEST_SVC, &w->client, &rc);
	hold_signals(0);
	if (ret || rc) {
		record_bad(w, "connect: %d rc %d", ret, rc);
		close(w->fd);
		w->fd = -1;
		w->client = 0;
		return -1;
	}
	w->t.connects++;
	if (w->owned && vbgt_change_filter(w->fd, w->owned, 0)) {
		record_bad(w, "filter of the owned event refused");
		return -1;
	}
	return 0;
}

/*
 * Closes the session: sometimes after INTERRUPT_ALL (a wait must then end
 * with EINTR at once), sometimes with the client still connected (the
 * driver disconnects it).
 */
static int reopen_session(struct worker *w)
{
	struct vbg_ioctl_hdr h;
	uint32_t r = rnd(w) % 4;
	int32_t rc;
	int ret;

	if (r == 0) {
		vbgt_hdr(&h, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(h), sizeof(h));
		ret = vbgt_ioctl(w->fd, VBG_IOCTL_INTERRUPT_ALL_WAIT_FOR_EVENTS, &h);
		if (ret)
			record_bad(w, "interrupt-all: %d", ret);
		ret = vbgt_wait_events(w->fd, FILTER_BITS, 1000, NULL);
		if (ret != -EINTR)
			record_bad(w, "wait after interrupt-all: %d", ret);
	} else if (r == 1 && w->client) {
		hold_signals(1);
		ret = vbgt_hgcm_disconnect(w->fd, w->client, &rc);
		hold_signals(0);
		if (ret || rc) {
			record_bad(w, "disconnect: %d rc %d", ret, rc);
		} else {
			w->t.disconnects++;
			w->client = 0;
		}
	}
	if (w->client)
		w->t.disconnects++;	/* at close */
	close(w->fd);
	w->client = 0;
	w->t.closes++;
	return open_session(w);
}

/* ---- the ioctls ------------------------------------------------------------ */

/* Counts one HGCM call's outcome; false if it must be checked no further. */
static int call_outcome(struct worker *w, int ret, const char *what)
{
	if (ret == 0) {
		w->t.calls_ok++;
		return 1;
	}
	if (ret == -EINTR)
		w->t.calls_intr++;
	else if (ret == -ETIMEDOUT)
		w->t.calls_timeout++;
	else
		record_bad(w, "%s: errno %d", what, -ret);
	return 0;
}

/* A data call: ECHO, FILL, CHECK or XOR with user buffers, no timeout. */
static void op_data_call(struct worker *w)
{
	struct vbgt_tcall c;
	char why[160];
	int32_t rc = 0;
	int ret;

	vbgt_tcall_random(&c, &w->rng, rnd_size, w->a, w->b);
	ret = vbgt_hgcm_call(w->fd, w->client, c.fn, NO_TIMEOUT, c.p, c.np, &rc);
	if (!call_outcome(w, ret, "data call"))
		return;
	if (rc)
		record_bad(w, "fn %u size %u: rc %d", c.fn, c.n, rc);
	else if (vbgt_tcall_check(&c, why, sizeof(why)))
		record_bad(w, "%s", why);
	else
		w->t.bytes += c.n;
}

/*
 * Calls that end otherwise: DELAY past its timeout and NEVER (timeout or
 * signal), STATUS (the host's status comes back), WHOAMI (our client).
 */
static void op_other_call(struct worker *w)
{
	uint32_t kind = rnd(w) % 4, v = rnd(w);
	vbgt_parm p[2];
	int32_t rc = 0;
	int ret;

	switch (kind) {
	case 0:		/* DELAY 20-50 ms, timeout 1-10 ms */
		vbgt_parm_u32(&p[0], 20 + v % 31);
		ret = vbgt_hgcm_call(w->fd, w->client, VBGTEST_FN_DELAY,
				     1 + (v >> 8) % 10, p, 1, &rc);
		/* A vCPU held off by the host may see the completion first. */
		if (call_outcome(w, ret, "delay") && rc)
			record_bad(w, "delay: rc %d", rc);
		break;
	case 1:		/* NEVER, timeout 1-20 ms */
		ret = vbgt_hgcm_call(w->fd, w->client, VBGTEST_FN_NEVER,
				     1 + v % 20, NULL, 0, &rc);
		if (call_outcome(w, ret, "never"))
			record_bad(w, "never: completed, rc %d", rc);
		break;
	case 2:		/* STATUS */
		vbgt_parm_u32(&p[0], (uint32_t)-(int32_t)(v % 1000));
		ret = vbgt_hgcm_call(w->fd, w->client, VBGTEST_FN_STATUS,
				     NO_TIMEOUT, p, 1, &rc);
		if (call_outcome(w, ret, "status") && rc != -(int32_t)(v % 1000))
			record_bad(w, "status %d: rc %d", -(int32_t)(v % 1000), rc);
		break;
	default:	/* WHOAMI */
		vbgt_parm_u32(&p[0], 0);
		vbgt_parm_u32(&p[1], 0);
		ret = vbgt_hgcm_call(w->fd, w->client, VBGTEST_FN_WHOAMI,
				     NO_TIMEOUT, p, 2, &rc);
		if (call_outcome(w, ret, "whoami") &&
		    (rc || p[1].u.value32 != w->client))
			record_bad(w, "whoami: rc %d client %u, want %u", rc,
				   p[1].u.value32, w->client);
		break;
	}
}

/*
 * A wait: an owner waits for its event (half of the time with SIGUSR1
 * held off, so that only the event can end it), the others for events
 * never posted.
 */
static void op_wait(struct worker *w)
{
	uint32_t mask, timeout, got = 0;
	int held = 0, ret;
	uint64_t t0, dt;

	if (w->owned) {
		mask = w->owned;
		timeout = OWNER_WAIT_MS;
		held = rnd(w) % 2;
	} else {
		mask = NEVER_POSTED;
		timeout = rnd(w) % 51;
	}
	w->t.waits++;
	if (held) {
		w->t.held_waits++;
		hold_signals(1);
	}
	t0 = vbgt_now_ms();
	ret = vbgt_wait_events(w->fd, mask, timeout, &got);
	dt = vbgt_now_ms() - t0;
	if (held)
		hold_signals(0);
	if (dt > timeout + WAIT_SLACK_MS)
		w->t.late++;
	if (dt > timeout && dt - timeout > w->t.worst_overrun_ms)
		w->t.worst_overrun_ms = dt - timeout;
	if (ret == -EINTR) {
		w->t.wait_intr++;
	} else if (ret == -ETIMEDOUT) {
		w->t.wait_timeouts++;
		if (w->owned)
			w->t.lost++;
	} else if (ret == 0 && w->owned && got == w->owned) {
		w->t.wait_events++;
	} else {
		record_bad(w, "wait %#x: ret %d events %#x", mask, ret, got);
	}
}

static void op_filter(struct worker *w)
{
	uint32_t or = rnd(w) & FILTER_BITS, not = rnd(w) & FILTER_BITS & ~or;
	int ret;

	not &= ~w->owned;
	ret = vbgt_change_filter(w->fd, or, not);
	if (ret)
		record_bad(w, "filter %#x/%#x: %d", or, not, ret);
	w->t.filters++;
}

static void op_caps(struct worker *w)
{
	struct vbg_ioctl_set_guest_caps c;
	int ret;

	memset(&c, 0, sizeof(c));
	vbgt_hdr(&c.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(c), sizeof(c));
	c.u.in.or_mask = rnd(w) & CAPS;
	c.u.in.not_mask = rnd(w) & CAPS & ~c.u.in.or_mask;
	ret = vbgt_ioctl(w->fd, VBG_IOCTL_CHANGE_GUEST_CAPABILITIES, &c);
	if (ret)
		record_bad(w, "caps %#x/%#x: %d", c.u.in.or_mask,
			   c.u.in.not_mask, ret);
	w->t.caps++;
}

static void op_raw(struct worker *w)
{
	struct req_host_version v;
	struct req_u64 t;
	int ret;

	if (rnd(w) % 2) {
		vbgt_vmmreq_init(&v, sizeof(v), VMMDEVREQ_GET_HOST_VERSION);
		ret = vbgt_vmmreq(w->fd, &v, sizeof(v));
		if (ret || v.hdr.rc)
			record_bad(w, "host version: %d rc %d", ret, v.hdr.rc);
		else
			w->t.raw4++;
	} else {
		vbgt_vmmreq_init(&t, sizeof(t), VMMDEVREQ_GET_HOST_TIME);
		ret = vbgt_vmmreq(w->fd, &t, sizeof(t));
		if (ret || t.hdr.rc || !t.value)
			record_bad(w, "host time: %d rc %d", ret, t.hdr.rc);
		else
			w->t.raw10++;
	}
}

static void op_balloon(struct worker *w)
{
	uint32_t chunks = 0;
	uint8_t in_r3 = 0;
	int ret;

	if (!w->root) {
		op_raw(w);
		return;
	}
	ret = vbgt_check_balloon(w->fd, &chunks, &in_r3);
	if (ret || chunks > BALLOON_MAX || in_r3)
		record_bad(w, "check balloon: %d, %u chunks", ret, chunks);
	w->t.balloon++;
}

static void op_reopen(struct worker *w)
{
	reopen_session(w);
}

/* The mix, in thousandths: each operation up to its bound. */
static const struct {
	unsigned int upto;
	void (*op)(struct worker *w);
} mix[] = {
	{ 2, op_reopen }, { 380, op_data_call }, { 460, op_other_call },
	{ 640, op_wait }, { 760, op_filter }, { 840, op_caps }, { 940, op_raw },
	{ 1000, op_balloon },
};

static void one_op(struct worker *w)
{
	uint32_t r = rnd(w) % 1000;
	size_t i = 0;

	while (r >= mix[i].upto)
		i++;
	mix[i].op(w);
	w->t.ops++;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	unsigned int i;

	vbgt_sigs_enter(&sigs, w->id);
	for (i = 0; i < w->ops && w->fd >= 0; i++) {
		if (vbgt_now_ms() >= w->deadline_ms)
			break;
		one_op(w);
	}
	vbgt_sigs_leave(&sigs, w->id);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ---- the case -------------------------------------------------------------- */

/* The emulator's counters this test compares. */
static const char *const counter_names[] = {
	"hgcm.calls", "hgcm.cancelled", "hgcm.cancels", "hgcm.cancel_not_found",
	"hgcm.completions", "hgcm.connects", "hgcm.disconnects", "req.4",
	"req.10",
};
enum { C_CALLS, C_CANCELLED, C_CANCELS, C_NOT_FOUND, C_COMPLETIONS,
	C_CONNECTS, C_DISCONNECTS, C_REQ4, C_REQ10, C_N };

static void host_counts(long long *c)
{
	int i;

	for (i = 0; i < C_N; i++)
		c[i] = vbgt_counter(counter_names[i]);
}

static void add_tally(struct tally *sum, const struct tally *t)
{
	const unsigned long *src = (const unsigned long *)t;
	unsigned long *dst = (unsigned long *)sum;
	size_t i;

	/* The unsigned long fields, then bytes and the worst overrun. */
	for (i = 0; i < offsetof(struct tally, bytes) / sizeof(long); i++)
		dst[i] += src[i];
	sum->bytes += t->bytes;
	if (t->worst_overrun_ms > sum->worst_overrun_ms)
		sum->worst_overrun_ms = t->worst_overrun_ms;
}

static void mixed_ioctls(void)
{
	struct worker *w = vbgt_shared(THREADS * sizeof(*w));
	long long h0[C_N], h1[C_N], d[C_N], filter0, caps0;
	struct tally s = { 0 };
	unsigned int ops = LOAD_OPS;
	uint64_t seed, t0, next_flip;
	unsigned long signals;
	char alarm[256] = "";
	const char *env;
	int i, kfd, flips = 0;

	env = getenv("LOAD_OPS");
	if (env && atoi(env) > 0)
		ops = (unsigned int)atoi(env);
	env = getenv("LOAD_SEED");
	seed = env && *env ? strtoull(env, NULL, 0) : vbgt_now_us();
	vbgt_diag("LOAD_SEED=%llu LOAD_OPS=%u: %d threads (%d owning an event), deadline %d s",
		  (unsigned long long)seed, ops, THREADS, OWNERS,
		  LOAD_DEADLINE_MS / 1000);

	vbgt_ctl_at_end("pump 0 0");
	vbgt_ctl_at_end("balloon 0");
	vbgt_ctl_at_end("hgcm-delay 0");
	vbgt_ctl_ok("hgcm-delay 0");
	kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kfd >= 0)
		lseek(kfd, 0, SEEK_END);
	filter0 = vbgt_state("filter");
	caps0 = vbgt_state("caps");
	host_counts(h0);

	for (i = 0; i < THREADS; i++) {
		w[i].id = i;
		w[i].ops = ops;
		w[i].rng = (seed + 1) * 0x9e3779b97f4a7c15ull * (i + 1) | 1;
		w[i].root = i % 2;
		w[i].owned = i < OWNERS ? owned_event[i] : 0;
		w[i].a = mmap(NULL, AREA, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		w[i].b = mmap(NULL, AREA, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT(w[i].a != MAP_FAILED && w[i].b != MAP_FAILED, "mmap");
		ASSERT(open_session(&w[i]) == 0, "thread %d: %s", i, w[i].first_bad);
	}
	vbgt_ctl_ok("pump %u 0x%x", PUMP_US, PUMPED);
	ASSERT(vbgt_sigs_start(&sigs, THREADS, seed ^ 0x5555, 10) == 0);
	t0 = vbgt_now_ms();
	for (i = 0; i < THREADS; i++) {
		w[i].deadline_ms = t0 + LOAD_DEADLINE_MS;
		ASSERT(pthread_create(&w[i].thread, NULL, worker_fn, &w[i]) == 0);
	}

	/* The host's balloon target moves about once a second. */
	next_flip = t0 + 1000;
	for (;;) {
		int done = 0;

		for (i = 0; i < THREADS; i++)
			done += __atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE);
		if (done == THREADS)
			break;
		if (vbgt_now_ms() >= next_flip) {
			vbgt_ctl_ok("balloon %d", ++flips % (BALLOON_MAX + 1));
			next_flip += 1000;
		}
		vbgt_sleep_ms(50);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(w[i].thread, NULL);
	signals = vbgt_sigs_stop(&sigs);
	vbgt_ctl_ok("pump 0 0");
	for (i = 0; i < THREADS; i++) {
		if (w[i].fd >= 0) {
			if (w[i].client)
				w[i].t.disconnects++;	/* at close */
			close(w[i].fd);
		}
		munmap(w[i].a, AREA);
		munmap(w[i].b, AREA);
	}
	host_counts(h1);
	for (i = 0; i < C_N; i++)
		d[i] = h1[i] - h0[i];

	for (i = 0; i < THREADS; i++) {
		/* An owner's waits end by its event: a signal may end some. */
		if (w[i].owned && w[i].t.waits && !w[i].t.wait_events)
			record_bad(&w[i], "event %#x never arrived", w[i].owned);
		add_tally(&s, &w[i].t);
		if (w[i].t.bad)
			vbgt_diag("thread %d: %lu bad, first: %s", i, w[i].t.bad,
				  w[i].first_bad);
		if (w[i].owned)
			vbgt_diag("thread %d (event %#x): %lu waits (%lu with signals held), %lu events, %lu EINTR, %lu lost",
				  i, w[i].owned, w[i].t.waits,
				  w[i].t.held_waits, w[i].t.wait_events,
				  w[i].t.wait_intr, w[i].t.lost);
	}
	vbgt_diag("%.1f s: %lu of %u ioctls%s; HGCM %lu completed, %lu EINTR, %lu timed out, %llu KiB; %lu waits (%lu events, %lu timeouts, %lu EINTR, worst %llu ms late), %lu filters, %lu caps, %lu raw, %lu balloon, %lu closes, %lu signals",
		  (vbgt_now_ms() - t0) / 1000.0, s.ops, THREADS * ops,
		  s.ops < (unsigned long)THREADS * ops ? " (stopped at the deadline)" : "",
		  s.calls_ok, s.calls_intr, s.calls_timeout, s.bytes >> 10,
		  s.waits, s.wait_events, s.wait_timeouts, s.wait_intr,
		  (unsigned long long)s.worst_overrun_ms, s.filters, s.caps,
		  s.raw4 + s.raw10, s.balloon, s.closes, signals);
	vbgt_diag("host: calls %lld, cancelled %lld, cancels %lld (not found %lld), completions %lld, connects %lld, disconnects %lld, req.4 %lld, req.10 %lld",
		  d[C_CALLS], d[C_CANCELLED], d[C_CANCELS], d[C_NOT_FOUND],
		  d[C_COMPLETIONS], d[C_CONNECTS], d[C_DISCONNECTS], d[C_REQ4],
		  d[C_REQ10]);

	EXPECT_EQ(s.bad, 0);
	EXPECT(signals > 0, "no signal was sent");
	EXPECT(s.calls_ok > 0 && s.wait_events > 0, "no call or wait completed");
	/* Every HGCM call the guest made reached the host once ... */
	EXPECT_EQ(d[C_CALLS], s.calls_ok + s.calls_intr + s.calls_timeout);
	/* ... and each one the guest gave up on was cancelled there. */
	EXPECT_EQ(d[C_CANCELLED], s.calls_intr + s.calls_timeout);
	EXPECT_EQ(d[C_CANCELS], d[C_CANCELLED] + d[C_NOT_FOUND]);
	EXPECT_EQ(d[C_CONNECTS], s.connects);
	EXPECT_EQ(d[C_DISCONNECTS], s.disconnects);
	EXPECT_EQ(d[C_COMPLETIONS], s.calls_ok + s.connects + s.disconnects);
	EXPECT_EQ(d[C_REQ4], s.raw4);
	EXPECT_EQ(d[C_REQ10], s.raw10);
	/* No lost wakeup, no wait past its bound. */
	EXPECT_EQ(s.lost, 0);
	EXPECT_EQ(s.late, 0);
	/* Every session is closed: its filter bits and caps are gone. */
	EXPECT_EQ(vbgt_state("filter"), filter0);
	EXPECT_EQ(vbgt_state("caps"), caps0);
	if (kfd >= 0) {
		EXPECT_EQ(vbgt_kernel_alarms(kfd, alarm, sizeof(alarm)), 0);
		if (alarm[0])
			vbgt_diag("kernel: %s", alarm);
		close(kfd);
	}
}

static const struct vbgt_case cases[] = {
	VBGT_CASE_T(mixed_ioctls, LOAD_DEADLINE_MS / 1000 + 60),
};

VBGT_SUITE(SUITE_NAME, cases)
