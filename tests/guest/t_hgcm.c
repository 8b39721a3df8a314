// SPDX-License-Identifier: GPL-2.0
/*
 * t_hgcm: HGCM connect/call/disconnect from userspace against the
 * emulator's test service "vbgtest" (tests/vmmdev/README): buffers in, out
 * and in/out of 0 B to 1 MiB checked byte for byte, timeouts, signals and
 * the host-side cancel, statuses, the requestor the host honours, client
 * ids bound to their session.  Built 64-bit and -m32 (compat_ioctl).
 */
#include "vbgt.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NO_TIMEOUT	0xffffffffu
#define GUARD		64

static uint32_t connect_test(int fd)
{
	return vbgt_hgcm_connect_ok(fd, VBGTEST_SVC);
}

static uint8_t *alloc_buf(size_t n, uint8_t fill)
{
	uint8_t *b = malloc(n + GUARD);

	ASSERT(b, "out of memory");
	memset(b, fill, n + GUARD);
	return b;
}

static void expect_guard(const uint8_t *b, size_t n, uint8_t fill)
{
	for (size_t i = 0; i < GUARD; i++)
		if (b[n + i] != fill) {
			EXPECT(0, "byte %zu after the %zu-byte buffer changed",
			       i, n);
			return;
		}
}

/* ECHO: in buffer to the host, out buffer back, byte for byte. */
static void echo(size_t n)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd), seed = 0x40 + (uint32_t)n;
	uint8_t *in = alloc_buf(n, 0), *out = alloc_buf(n, 0xa5);
	long long calls = vbgt_counter("hgcm.calls");
	long long bin = vbgt_counter("hgcm.bytes_in");
	long long bout = vbgt_counter("hgcm.bytes_out");
	vbgt_parm p[3];
	int32_t rc;
	long bad;

	vbgtest_fill_pattern(in, n, seed);
	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, in, n);
	vbgt_parm_buf(&p[1], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, out, n);
	vbgt_parm_u32(&p[2], 0xdeadbeef);
	ASSERT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_ECHO, NO_TIMEOUT, p, 3, &rc),
		  0);
	EXPECT_EQ(rc, VINF_SUCCESS);
	EXPECT_EQ(p[2].type, VMMDEV_HGCM_PARM_TYPE_32BIT);
	EXPECT_EQ(p[2].u.value32, n);
	bad = vbgtest_check_pattern(out, n, seed);
	EXPECT(bad < 0, "echoed byte %ld differs", bad);
	bad = vbgtest_check_pattern(in, n, seed);
	EXPECT(bad < 0, "input byte %ld changed", bad);
	expect_guard(out, n, 0xa5);
	EXPECT_EQ(vbgt_counter("hgcm.calls"), calls + 1);
	EXPECT(vbgt_counter("hgcm.bytes_in") - bin >= (long long)n,
	       "host read fewer than %zu bytes", n);
	EXPECT(vbgt_counter("hgcm.bytes_out") - bout >= (long long)n,
	       "host wrote fewer than %zu bytes", n);
	close(fd);
}

/* FILL: an out-only buffer written by the host. */
static void fill(size_t n)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd), seed = 0x1234567 + (uint32_t)n;
	uint8_t *out = alloc_buf(n, 0x3c);
	vbgt_parm p[2];
	int32_t rc;
	long bad;

	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, out, n);
	vbgt_parm_u32(&p[1], seed);
	ASSERT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_FILL, NO_TIMEOUT, p, 2, &rc),
		  0);
	EXPECT_EQ(rc, VINF_SUCCESS);
	bad = vbgtest_check_pattern(out, n, seed);
	EXPECT(bad < 0, "byte %ld differs from the pattern", bad);
	expect_guard(out, n, 0x3c);
	close(fd);
}

/* CHECK: an in-only buffer read by the host; a corrupted byte is found. */
static void check(size_t n)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd), seed = 7 * (uint32_t)n + 3;
	uint8_t *in = alloc_buf(n, 0);
	vbgt_parm p[3];
	int32_t rc;

	vbgtest_fill_pattern(in, n, seed);
	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, in, n);
	vbgt_parm_u32(&p[1], seed);
	vbgt_parm_u32(&p[2], 0);
	ASSERT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_CHECK, NO_TIMEOUT, p, 3,
				 &rc), 0);
	EXPECT_EQ(rc, VINF_SUCCESS);
	EXPECT_EQ(p[2].u.value32, 0xffffffffu);
	if (n) {
		size_t at = n - 1 - n / 3;

		in[at] ^= 0x80;
		vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, in, n);
		vbgt_parm_u32(&p[1], seed);
		vbgt_parm_u32(&p[2], 0);
		ASSERT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_CHECK, NO_TIMEOUT, p,
					 3, &rc), 0);
		EXPECT_EQ(rc, VINF_SUCCESS);
		EXPECT_EQ(p[2].u.value32, at);
	}
	close(fd);
}

/* XOR: one in/out buffer, read and written back by the host. */
static void xor(size_t n)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd), seed = 0x99 + (uint32_t)n;
	uint8_t *buf = alloc_buf(n, 0x77);
	vbgt_parm p[2];
	int32_t rc;
	size_t i;

	vbgtest_fill_pattern(buf, n, seed);
	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR, buf, n);
	vbgt_parm_u32(&p[1], 0x15c);	/* only the low byte counts */
	ASSERT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_XOR, NO_TIMEOUT, p, 2, &rc),
		  0);
	EXPECT_EQ(rc, VINF_SUCCESS);
	for (i = 0; i < n; i++)
		if (buf[i] != (uint8_t)(vbgtest_pattern(seed, i) ^ 0x5c))
			break;
	EXPECT(i == n, "byte %zu of %zu wrong", i, n);
	expect_guard(buf, n, 0x77);
	close(fd);
}

#define SIZES(X) X(0, 0) X(1, 1) X(4k, 4096) X(64k, 65536) X(1m, 1048576)
#define DEF(name, n)							\
	static void echo_##name(void) { echo(n); }			\
	static void out_##name(void) { fill(n); }			\
	static void in_##name(void) { check(n); }			\
	static void inout_##name(void) { xor(n); }
SIZES(DEF)

static void connect_disconnect(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	long long c = vbgt_counter("hgcm.connects");
	long long d = vbgt_counter("hgcm.disconnects");
	uint32_t a, b;
	int32_t rc;

	a = connect_test(fd);
	b = connect_test(fd);
	EXPECT(a != b, "two connects gave client id %u", a);
	EXPECT_EQ(vbgt_counter("hgcm.connects"), c + 2);
	EXPECT_EQ(vbgt_hgcm_disconnect(fd, a, &rc), 0);
	EXPECT_EQ(rc, VINF_SUCCESS);
	EXPECT_EQ(vbgt_hgcm_disconnect(fd, b, &rc), 0);
	EXPECT_EQ(rc, VINF_SUCCESS);
	EXPECT_EQ(vbgt_counter("hgcm.disconnects"), d + 2);
	close(fd);
}

static void connect_unknown_service(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client;
	int32_t rc;

	EXPECT_EQ(vbgt_hgcm_connect(fd, "NoSuchService", &client, &rc), 0);
	EXPECT_EQ(rc, VBGT_VERR_HGCM_SERVICE_NOT_FOUND);
	close(fd);
}

static void close_disconnects_clients(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	long long d = vbgt_counter("hgcm.disconnects");

	connect_test(fd);
	connect_test(fd);
	close(fd);
	EXPECT_EQ(vbgt_counter("hgcm.disconnects"), d + 2);
}

static void disconnect_unknown_client_einval(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd);
	long long d;
	int32_t rc;

	ASSERT_EQ(vbgt_hgcm_disconnect(fd, client, &rc), 0);
	d = vbgt_counter("hgcm.disconnects");
	EXPECT_EQ(vbgt_hgcm_disconnect(fd, client, &rc), -EINVAL);
	EXPECT_EQ(vbgt_hgcm_disconnect(fd, 0x7777, &rc), -EINVAL);
	EXPECT_EQ(vbgt_counter("hgcm.disconnects"), d);
	close(fd);
}

static void client_of_other_session_einval(void)
{
	int a = vbgt_open(VBGT_NODE_USER), b = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(a);
	long long calls = vbgt_counter("hgcm.calls");
	vbgt_parm p;
	int32_t rc;

	vbgt_parm_u32(&p, 10);
	EXPECT_EQ(vbgt_hgcm_call(b, client, VBGTEST_FN_DELAY, NO_TIMEOUT, &p, 1, &rc),
		  -EINVAL);
	EXPECT_EQ(vbgt_hgcm_disconnect(b, client, &rc), -EINVAL);
	EXPECT_EQ(vbgt_counter("hgcm.calls"), calls);
	/* Still usable by its owner. */
	vbgt_parm_u32(&p, 10);
	EXPECT_EQ(vbgt_hgcm_call(a, client, VBGTEST_FN_DELAY, NO_TIMEOUT, &p, 1, &rc),
		  0);
	EXPECT_EQ(rc, VINF_SUCCESS);
	close(a);
	close(b);
}

static void call_status_returned(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd);
	vbgt_parm p;
	int32_t rc;

	vbgt_parm_u32(&p, (uint32_t)-1234);
	EXPECT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_STATUS, NO_TIMEOUT, &p, 1, &rc),
		  0);
	EXPECT_EQ(rc, -1234);
	vbgt_parm_u32(&p, 1234);	/* an informational status */
	EXPECT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_STATUS, NO_TIMEOUT, &p, 1, &rc),
		  0);
	EXPECT_EQ(rc, 1234);
	/* Unknown function; wrong parameter type. */
	EXPECT_EQ(vbgt_hgcm_call(fd, client, 99, NO_TIMEOUT, &p, 1, &rc), 0);
	EXPECT_EQ(rc, VERR_NOT_IMPLEMENTED);
	vbgt_parm_u64(&p, 5);
	EXPECT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_DELAY, NO_TIMEOUT, &p, 1, &rc),
		  0);
	EXPECT_EQ(rc, VERR_INVALID_PARAMETER);
	close(fd);
}

static void call_delay_completes(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd);
	uint64_t t0 = vbgt_now_ms(), dt;
	vbgt_parm p;
	int32_t rc;

	vbgt_parm_u32(&p, 300);
	EXPECT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_DELAY, 5000, &p, 1, &rc), 0);
	EXPECT_EQ(rc, VINF_SUCCESS);
	dt = vbgt_now_ms() - t0;
	EXPECT(dt >= 290 && dt < 4000, "300 ms delay took %llu ms",
	       (unsigned long long)dt);
	close(fd);
}

static void call_timeout_cancels(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd);
	long long cancels = vbgt_counter("hgcm.cancels");
	long long cancelled = vbgt_counter("hgcm.cancelled");
	uint64_t t0 = vbgt_now_ms(), dt;
	vbgt_parm p[2];
	int32_t rc;

	EXPECT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_NEVER, 300, NULL, 0, &rc),
		  -ETIMEDOUT);
	dt = vbgt_now_ms() - t0;
	EXPECT(dt >= 290 && dt < 4000, "300 ms timeout took %llu ms",
	       (unsigned long long)dt);
	EXPECT_EQ(vbgt_counter("hgcm.cancels"), cancels + 1);
	EXPECT_EQ(vbgt_counter("hgcm.cancelled"), cancelled + 1);
	/* The client still works. */
	vbgt_parm_u32(&p[0], 0);
	vbgt_parm_u32(&p[1], 0);
	EXPECT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_WHOAMI, NO_TIMEOUT, p, 2, &rc),
		  0);
	EXPECT_EQ(rc, VINF_SUCCESS);
	EXPECT_EQ(p[1].u.value32, client);
	close(fd);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void call_interrupted_by_signal(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd);
	long long cancels = vbgt_counter("hgcm.cancels");
	long long cancelled = vbgt_counter("hgcm.cancelled");
	struct sigaction sa;
	pid_t self = getpid(), kid;
	uint64_t t0;
	int32_t rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	kid = fork();
	ASSERT(kid >= 0);
	if (kid == 0) {
		/*
		 * Every 300 ms until killed: a signal that comes before the
		 * call has begun (a busy host can hold us back that long)
		 * is lost, the next one must end the call.
		 */
		for (;;) {
			vbgt_sleep_ms(300);
			kill(self, SIGUSR1);
		}
	}
	t0 = vbgt_now_ms();
	EXPECT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_NEVER, NO_TIMEOUT, NULL, 0,
				 &rc), -EINTR);
	EXPECT(vbgt_now_ms() - t0 < 5000, "returned after %llu ms",
	       (unsigned long long)(vbgt_now_ms() - t0));
	kill(kid, SIGKILL);
	vbgt_wait_child(kid, 2000);
	EXPECT_EQ(vbgt_counter("hgcm.cancels"), cancels + 1);
	EXPECT_EQ(vbgt_counter("hgcm.cancelled"), cancelled + 1);
	close(fd);
}

struct pending_call {
	int fd;
	uint32_t client;
	int ret;
	int32_t rc;
	int finished;
};

static void *pending_call_fn(void *arg)
{
	struct pending_call *c = arg;

	c->ret = vbgt_hgcm_call(c->fd, c->client, VBGTEST_FN_NEVER, NO_TIMEOUT,
				NULL, 0, &c->rc);
	__atomic_store_n(&c->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * A call still pending when another thread disconnects its client: the
 * host keeps it (vbgtest forgets it at the disconnect, as the host keeps
 * any call its service does not complete, tests/vmmdev/README), so the
 * caller's signal cancels it on the host: found, nothing abandoned.
 */
static void call_pending_across_disconnect(void)
{
	struct pending_call c = { .fd = vbgt_open(VBGT_NODE_USER) };
	long long calls = vbgt_counter("hgcm.calls");
	long long cancelled = vbgt_counter("hgcm.cancelled");
	long long not_found = vbgt_counter("hgcm.cancel_not_found");
	struct sigaction sa;
	pthread_t t;
	int32_t rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	c.client = connect_test(c.fd);
	ASSERT(pthread_create(&t, NULL, pending_call_fn, &c) == 0);
	ASSERT_EQ(vbgt_counter_wait_change("hgcm.calls", calls, 5000), calls + 1);
	EXPECT_EQ(vbgt_hgcm_disconnect(c.fd, c.client, &rc), 0);
	EXPECT_EQ(rc, VINF_SUCCESS);
	EXPECT(!__atomic_load_n(&c.finished, __ATOMIC_ACQUIRE),
	       "the call ended at the disconnect");
	/* Until it ended: a signal before the wait began is lost. */
	while (!__atomic_load_n(&c.finished, __ATOMIC_ACQUIRE)) {
		pthread_kill(t, SIGUSR1);
		vbgt_sleep_ms(100);
	}
	pthread_join(t, NULL);
	EXPECT_EQ(c.ret, -EINTR);
	EXPECT_EQ(vbgt_counter("hgcm.cancelled"), cancelled + 1);
	EXPECT_EQ(vbgt_counter("hgcm.cancel_not_found"), not_found);
	close(c.fd);
}

static void never_call(void *arg)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd);
	int32_t rc;

	vbgt_hgcm_call(fd, client, VBGTEST_FN_NEVER, NO_TIMEOUT, NULL, 0, &rc);
	EXPECT(0, "the NEVER call returned");
}

static long long settled(void)
{
	return vbgt_counter("hgcm.completions") + vbgt_counter("hgcm.cancelled");
}

static long long submitted(void)
{
	return vbgt_counter("hgcm.calls") + vbgt_counter("hgcm.connects") +
	       vbgt_counter("hgcm.disconnects");
}

static void killed_caller_call_ended(void)
{
	long long sub0 = submitted(), set0 = settled();
	long long disc = vbgt_counter("hgcm.disconnects");
	long long calls = vbgt_counter("hgcm.calls");
	uint64_t end;
	pid_t kid;

	kid = vbgt_fork_user(never_call, NULL);
	/* Wait until the call is with the host. */
	ASSERT_EQ(vbgt_counter_wait_change("hgcm.calls", calls, 5000), calls + 1);
	kill(kid, SIGKILL);
	EXPECT_EQ(vbgt_wait_child(kid, 5000), 128 + SIGKILL);
	/* The session's close ends the call and disconnects the client. */
	end = vbgt_now_ms() + 3000;
	while (submitted() - sub0 != settled() - set0 && vbgt_now_ms() < end)
		vbgt_sleep_ms(20);
	EXPECT_EQ(vbgt_counter("hgcm.disconnects"), disc + 1);
	EXPECT_EQ(submitted() - sub0, settled() - set0);
}

static void whoami(const char *node, uint32_t want_class, int user_dev)
{
	int fd = vbgt_open(node);
	uint32_t client = connect_test(fd), req;
	vbgt_parm p[2];
	int32_t rc;

	vbgt_parm_u32(&p[0], 0);
	vbgt_parm_u32(&p[1], 0);
	ASSERT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_WHOAMI, NO_TIMEOUT, p, 2, &rc),
		  0);
	EXPECT_EQ(rc, VINF_SUCCESS);
	EXPECT_EQ(p[1].u.value32, client);
	req = p[0].u.value32;
	vbgt_diag("%s uid %d: requestor %#x", node, getuid(), req);
	EXPECT(req & VMMDEV_REQUESTOR_USERMODE, "requestor %#x", req);
	EXPECT_EQ(req & VMMDEV_REQUESTOR_USR_MASK, want_class);
	EXPECT_EQ(!!(req & VMMDEV_REQUESTOR_USER_DEVICE), user_dev);
	close(fd);
}

static void user_whoami(void *arg)
{
	whoami(VBGT_NODE_USER, VMMDEV_REQUESTOR_USR_USER, 1);
}

static void requestor_seen_by_host(void)
{
	whoami(VBGT_NODE_ROOT, VMMDEV_REQUESTOR_USR_ROOT, 0);
	whoami(VBGT_NODE_USER, VMMDEV_REQUESTOR_USR_ROOT, 1);
	vbgt_run_as_user(user_whoami, NULL);
}

struct delay_arg {
	uint64_t ms;
	int ret;
	int32_t rc;
};

static void *delay_thread(void *arg)
{
	struct delay_arg *d = arg;
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd);
	uint64_t t0 = vbgt_now_ms();
	vbgt_parm p;

	vbgt_parm_u32(&p, 800);
	d->ret = vbgt_hgcm_call(fd, client, VBGTEST_FN_DELAY, NO_TIMEOUT, &p, 1,
				&d->rc);
	d->ms = vbgt_now_ms() - t0;
	close(fd);
	return NULL;
}

static void concurrent_calls(void)
{
	struct delay_arg d[4] = { 0 };
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++)
		ASSERT(pthread_create(&t[i], NULL, delay_thread, &d[i]) == 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(d[i].ret, 0);
		EXPECT_EQ(d[i].rc, VINF_SUCCESS);
		/*
		 * Each waits for its own call only; one after the other
		 * the last would need 3.2 s.
		 */
		EXPECT(d[i].ms >= 790 && d[i].ms < 2400,
		       "800 ms call %d took %llu ms", i,
		       (unsigned long long)d[i].ms);
	}
}

static void completion_modes(void)
{
	vbgt_ctl_at_end("hgcm-mode async");
	vbgt_ctl_at_end("hgcm-delay 0");
	vbgt_ctl_ok("hgcm-mode inline");
	echo(4096);
	vbgt_ctl_ok("hgcm-mode async");
	vbgt_ctl_ok("hgcm-delay 150");
	echo(4096);
	fill(65536);
}

static void kernel_parm_types_einval(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd);
	long long calls = vbgt_counter("hgcm.calls");
	uint8_t buf[64];
	vbgt_parm p[2];
	int32_t rc;

	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_KERNEL, buf,
		      sizeof(buf));
	vbgt_parm_u32(&p[1], 1);
	EXPECT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_XOR, NO_TIMEOUT, p, 2, &rc),
		  -EINVAL);
	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_PAGELIST, buf, sizeof(buf));
	EXPECT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_XOR, NO_TIMEOUT, p, 2, &rc),
		  -EINVAL);
	EXPECT_EQ(vbgt_counter("hgcm.calls"), calls);
	close(fd);
}

static void call_bad_sizes_einval(void)
{
	size_t size = sizeof(struct vbg_ioctl_hgcm_call) + 2 * sizeof(vbgt_parm);
	struct vbg_ioctl_hgcm_call *c = calloc(1, size + 64);
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd);
	long long calls = vbgt_counter("hgcm.calls");
	vbgt_parm *p = (vbgt_parm *)(c + 1);

	ASSERT(c);
	vbgt_hdr(&c->hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, size, size);
	c->client_id = client;
	c->function = VBGTEST_FN_WHOAMI;
	c->timeout_ms = NO_TIMEOUT;
	c->parm_count = 2;
	vbgt_parm_u32(&p[0], 0);
	vbgt_parm_u32(&p[1], 0);
	/* More parameters than the size holds. */
	c->parm_count = 3;
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_HGCM_CALL(size), c), -EINVAL);
	c->parm_count = 2;
	/* size_in not matching the ioctl's size. */
	c->hdr.size_in = c->hdr.size_out = size + 16;
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_HGCM_CALL(size), c), -EINVAL);
	c->hdr.size_in = c->hdr.size_out = size;
	/* A header version of another interface. */
	c->hdr.version = 0x10000;
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_HGCM_CALL(size), c), -EINVAL);
	c->hdr.version = VBG_IOCTL_HDR_VERSION;
	EXPECT_EQ(vbgt_counter("hgcm.calls"), calls);
	/* The well-formed call still works. */
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_HGCM_CALL(size), c), 0);
	EXPECT_EQ(c->hdr.rc, VINF_SUCCESS);
	EXPECT_EQ(p[1].u.value32, client);
	free(c);
	close(fd);
}

static void call_bad_buffer_efault(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd);
	long long calls = vbgt_counter("hgcm.calls");
	vbgt_parm p[2];
	int32_t rc;

	/* An unmapped user address. */
	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN,
		      (void *)(uintptr_t)0x1000, 4096);
	vbgt_parm_u32(&p[1], 0);
	EXPECT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_FILL, NO_TIMEOUT, p, 2, &rc),
		  -EFAULT);
	EXPECT_EQ(vbgt_counter("hgcm.calls"), calls);
	/* A bad argument pointer. */
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_HGCM_CALL(sizeof(struct
							   vbg_ioctl_hgcm_call)),
			     (void *)(uintptr_t)0x1000), -EFAULT);
	close(fd);
}

/* Write @val to /proc/sys/vm/mmap_min_addr; return the old value or -1. */
static long set_mmap_min_addr(long val)
{
	FILE *f = fopen("/proc/sys/vm/mmap_min_addr", "r+");
	long old = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &old) != 1 || fseek(f, 0, SEEK_SET) ||
	    fprintf(f, "%ld\n", val) < 0)
		old = -1;
	if (fclose(f))
		old = -1;
	return old;
}

/*
 * A user buffer at address 0: unmapped it is refused with EFAULT before
 * the host sees the call (t_fuzz found an oops there); mapped (root lowered
 * mmap_min_addr) it is a user buffer like any other, not a kernel one.
 */
static void call_user_buffer_at_address_0(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client = connect_test(fd), seed = 0x0a0;
	long long calls = vbgt_counter("hgcm.calls");
	uint8_t *volatile zero = NULL;
	vbgt_parm p[2];
	long old;
	void *m;
	int32_t rc;
	size_t i;

	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR, NULL, 4096);
	vbgt_parm_u32(&p[1], 0x5c);
	EXPECT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_XOR, NO_TIMEOUT, p, 2, &rc),
		  -EFAULT);
	EXPECT_EQ(vbgt_counter("hgcm.calls"), calls);

	old = set_mmap_min_addr(0);
	ASSERT(old >= 0, "cannot lower vm.mmap_min_addr: %s", strerror(errno));
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (m == MAP_FAILED) {
		set_mmap_min_addr(old);
		ASSERT(0, "mmap at address 0: %s", strerror(errno));
	}
	ASSERT(m == NULL, "mmap at 0 gave %p", m);
	for (i = 0; i < 4096; i++)
		zero[i] = vbgtest_pattern(seed, i);
	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR, NULL, 4096);
	vbgt_parm_u32(&p[1], 0x5c);
	EXPECT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_XOR, NO_TIMEOUT, p, 2, &rc),
		  0);
	EXPECT_EQ(rc, VINF_SUCCESS);
	for (i = 0; i < 4096; i++)
		if (zero[i] != (uint8_t)(vbgtest_pattern(seed, i) ^ 0x5c))
			break;
	EXPECT(i == 4096, "byte %zu at address 0 wrong", i);
	munmap(NULL, 4096);
	EXPECT(set_mmap_min_addr(old) == 0, "vm.mmap_min_addr not restored");
	close(fd);
}

#define CASES(name, n)							\
	VBGT_CASE(in_##name), VBGT_CASE(out_##name),			\
	VBGT_CASE(inout_##name), VBGT_CASE(echo_##name),

static const struct vbgt_case cases[] = {
	VBGT_CASE(connect_disconnect),
	VBGT_CASE(connect_unknown_service),
	SIZES(CASES)
	VBGT_CASE(call_status_returned),
	VBGT_CASE(call_delay_completes),
	VBGT_CASE(call_timeout_cancels),
	VBGT_CASE(call_interrupted_by_signal),
	VBGT_CASE(requestor_seen_by_host),
	VBGT_CASE(concurrent_calls),
	VBGT_CASE(completion_modes),
	VBGT_CASE(close_disconnects_clients),
	VBGT_CASE(killed_caller_call_ended),
	VBGT_CASE(call_pending_across_disconnect),
	VBGT_CASE(disconnect_unknown_client_einval),
	VBGT_CASE(client_of_other_session_einval),
	VBGT_CASE(kernel_parm_types_einval),
	VBGT_CASE(call_bad_sizes_einval),
	VBGT_CASE(call_bad_buffer_efault),
	VBGT_CASE(call_user_buffer_at_address_0),
};

VBGT_SUITE("t_hgcm", cases)
