// SPDX-License-Identifier: GPL-2.0
/*
 * t_pm: the host forgetting the guest, with sessions active (issue 9
 * part 4).  A host device reset while the driver is bound (the emulator's
 * device-reset: what VirtualBox does at a reset, and what a guest sees
 * after hibernate and restore), RESTORED after a saved state was restored
 * (the emulator's restore), and suspend to RAM (S3; the runner enables it
 * in QEMU and wakes the guest through QMP, suites.txt flag s3).
 *
 * After each the driver must be known to the host again (report, filter,
 * capabilities, facility, heartbeat, balloon) and events, HGCM, the mouse
 * and the balloon must work; a session waiting for an event is not lost;
 * an HGCM call the host dropped ends with an errno instead of hanging.
 */
#include "vbgt.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NO_TIMEOUT	0xffffffffu
#define CAP_SEAMLESS	0x1
#define FACILITY_DRIVER	20
#define FACILITY_ACTIVE	50
#define CHUNK_PAGES	256
/* How long the driver may take to notice and re-report (1 s heartbeat). */
#define REESTABLISH_MS	15000

#define REF_NO_PM "no power management: the wait " \
	"of a session ends with EINTR when tasks are frozen"
#define REF_NO_RESET "no power management and no host " \
	"reset handling; the host's refusals after the reset are ignored and " \
	"the driver never reports itself again"

/* Poll @cond every 100 ms for at most @ms; true once it held. */
#define POLL_UNTIL(cond, ms) ({						\
	uint64_t _end = vbgt_now_ms() + (ms);				\
	int _ok;							\
	while (!(_ok = !!(cond)) && vbgt_now_ms() < _end)		\
		vbgt_sleep_ms(100);					\
	_ok;								\
})

static uint32_t connect_test(int fd)
{
	return vbgt_hgcm_connect_ok(fd, VBGTEST_SVC);
}

/* A WHOAMI call on @client: 0 and the client id back, or the errno. */
static int whoami(int fd, uint32_t client)
{
	vbgt_parm p[2];
	int32_t rc;
	int ret;

	vbgt_parm_u32(&p[0], 0);
	vbgt_parm_u32(&p[1], 0);
	ret = vbgt_hgcm_call(fd, client, VBGTEST_FN_WHOAMI, NO_TIMEOUT, p, 2, &rc);
	if (ret)
		return ret;
	EXPECT_EQ(rc, VINF_SUCCESS);
	EXPECT_EQ(p[1].u.value32, client);
	return 0;
}

/* Does the host know the driver, with the session's filter and caps? */
static int host_knows(uint32_t filter, uint32_t caps)
{
	return vbgt_state("accepted") == 1 &&
	       (vbgt_state("filter") & filter) == filter &&
	       vbgt_state("caps") == caps &&
	       vbgt_ctl_num("facility %d", FACILITY_DRIVER) == FACILITY_ACTIVE;
}

/* The host's balloon holds @chunks 1 MiB chunks of the guest's pages. */
static int balloon_is(long long chunks)
{
	return vbgt_state("balloon_pages") == chunks * CHUNK_PAGES;
}

/*
 * What the sessions of a case hold while the host forgets them: a session
 * with a filter (VRDP, BALLOON) and a capability (seamless), an HGCM
 * client, a 1 MiB balloon, and (if @w) a thread waiting for VRDP.
 */
struct active {
	int fd;
	uint32_t client;
	struct vbgt_waiter *w;
};

static void active_start(struct active *a, struct vbgt_waiter *w)
{
	a->fd = vbgt_open(VBGT_NODE_ROOT);
	a->w = w;
	/* BALLOON too, as VBoxService does: the reference needs it. */
	ASSERT_EQ(vbgt_change_filter(a->fd, VBGT_EV_VRDP | VBGT_EV_BALLOON, 0), 0);
	ASSERT_EQ(vbgt_set_caps(a->fd, CAP_SEAMLESS, 0), 0);
	a->client = connect_test(a->fd);
	vbgt_ctl_at_end("balloon 0");
	vbgt_ctl_ok("balloon 1");
	ASSERT(POLL_UNTIL(balloon_is(1), 10000), "balloon not inflated");
	ASSERT(host_knows(VBGT_EV_VRDP, CAP_SEAMLESS), "host state before");
	if (w)
		vbgt_waiter_start(w, a->fd, VBGT_EV_VRDP, 60000);
}

/*
 * After the host forgot the guest: the driver is known again, the waiting
 * session is still waiting and gets its event, the heartbeat beats, the
 * balloon is back at the host's target, the mouse and HGCM work.
 */
static void active_check(struct active *a)
{
	long long beats, mouse_reads;
	uint32_t client, ev = 0;

	EXPECT(POLL_UNTIL(host_knows(VBGT_EV_VRDP, CAP_SEAMLESS), REESTABLISH_MS),
	       "host state not re-established: accepted %lld filter %#llx caps %#llx facility %lld",
	       vbgt_state("accepted"), vbgt_state("filter"), vbgt_state("caps"),
	       vbgt_ctl_num("facility %d", FACILITY_DRIVER));
	EXPECT(POLL_UNTIL(balloon_is(1), 10000),
	       "host balloon %lld pages, not 256", vbgt_state("balloon_pages"));

	beats = vbgt_counter("heartbeats");
	EXPECT(POLL_UNTIL(vbgt_counter("heartbeats") >= beats + 2, 10000),
	       "no heartbeats after it");

	if (a->w) {
		EXPECT(!vbgt_waiter_finished(a->w),
		       "the waiting session's wait ended: %d", a->w->ret);
		vbgt_ctl_ok("events %#x", VBGT_EV_VRDP);
		EXPECT(POLL_UNTIL(vbgt_waiter_finished(a->w), 10000),
		       "the waiting session did not get the event");
		if (vbgt_waiter_finished(a->w)) {
			pthread_join(a->w->thread, NULL);
			EXPECT_EQ(a->w->ret, 0);
			EXPECT_EQ(a->w->events, VBGT_EV_VRDP);
		}
	}
	vbgt_ctl_ok("events %#x", VBGT_EV_VRDP);
	EXPECT_EQ(vbgt_wait_events(a->fd, VBGT_EV_VRDP, 10000, &ev), 0);
	EXPECT_EQ(ev, VBGT_EV_VRDP);

	mouse_reads = vbgt_counter("req.1");
	vbgt_ctl_ok("mouse 1000 2000");
	EXPECT(POLL_UNTIL(vbgt_counter("req.1") > mouse_reads, 10000),
	       "the mouse position was not read after the event");

	client = connect_test(a->fd);
	EXPECT_EQ(whoami(a->fd, client), 0);

	vbgt_ctl_ok("balloon 2");
	EXPECT(POLL_UNTIL(balloon_is(2), 10000), "balloon did not follow to 2 MiB");
	vbgt_ctl_ok("balloon 0");
	EXPECT(POLL_UNTIL(balloon_is(0), 10000), "balloon did not follow to 0");
}

/* (b) a host device reset while the driver is bound. */
static void host_reset_reestablished(void)
{
	long long resets = vbgt_counter("device_resets");
	struct vbgt_waiter w;
	struct active a;

	vbgt_ref_defect(REF_NO_RESET);
	active_start(&a, &w);
	vbgt_ctl_ok("device-reset");
	EXPECT_EQ(vbgt_counter("device_resets"), resets + 1);
	active_check(&a);
	/* The host dropped the old client; so did the session. */
	EXPECT_EQ(whoami(a.fd, a.client), -EINVAL);
	close(a.fd);
}

struct call {
	int fd;
	uint32_t client;
	int ret;
	int finished;
};

static void *never_fn(void *arg)
{
	struct call *c = arg;
	int32_t rc;

	c->ret = vbgt_hgcm_call(c->fd, c->client, VBGTEST_FN_NEVER, NO_TIMEOUT, NULL,
				0, &rc);
	__atomic_store_n(&c->finished, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* (b) an HGCM call pending at the reset ends with an errno, no hang. */
static void host_reset_ends_pending_call(void)
{
	struct call c = { .fd = vbgt_open(VBGT_NODE_USER) };
	long long pending;
	pthread_t t;

	vbgt_ref_defect(REF_NO_RESET);
	c.client = connect_test(c.fd);
	pending = vbgt_ctl_field("hgcm-state", "pending");
	ASSERT(pthread_create(&t, NULL, never_fn, &c) == 0);
	ASSERT(POLL_UNTIL(vbgt_ctl_field("hgcm-state", "pending") > pending,
			  5000), "the call never reached the host");
	vbgt_ctl_ok("device-reset");
	ASSERT(POLL_UNTIL(__atomic_load_n(&c.finished, __ATOMIC_SEQ_CST),
			  REESTABLISH_MS),
	       "the call the host dropped at the reset is still waiting");
	pthread_join(t, NULL);
	EXPECT_EQ(c.ret, -ECONNRESET);
	EXPECT_EQ(whoami(c.fd, c.client), -EINVAL);
	EXPECT(POLL_UNTIL(vbgt_state("accepted") == 1, REESTABLISH_MS),
	       "the driver did not report itself again");
	c.client = connect_test(c.fd);
	EXPECT_EQ(whoami(c.fd, c.client), 0);
	close(c.fd);
}

/* (c) RESTORED goes to the session that asked for it, and only there. */
static void restored_event_delivered(void)
{
	int fd = vbgt_open(VBGT_NODE_USER), other = vbgt_open(VBGT_NODE_USER);
	long long reports = vbgt_counter("req.50");
	struct vbgt_waiter w;

	ASSERT_EQ(vbgt_change_filter(fd, VBGT_EV_RESTORED, 0), 0);
	EXPECT_EQ(vbgt_state("filter") & VBGT_EV_RESTORED, VBGT_EV_RESTORED);
	vbgt_waiter_start(&w, fd, VBGT_EV_RESTORED, 20000);
	vbgt_ctl_ok("restore");
	ASSERT(POLL_UNTIL(vbgt_waiter_finished(&w), 10000), "RESTORED not delivered");
	pthread_join(w.thread, NULL);
	EXPECT_EQ(w.ret, 0);
	EXPECT_EQ(w.events, VBGT_EV_RESTORED);
	EXPECT_EQ(vbgt_wait_events(other, VBGT_EV_RESTORED, 0, NULL), -ETIMEDOUT);
	EXPECT_EQ(vbgt_wait_events(fd, VBGT_EV_RESTORED, 0, NULL), -ETIMEDOUT);
	/* The host kept everything: nothing to report again. */
	EXPECT_EQ(vbgt_state("accepted"), 1);
	EXPECT_EQ(vbgt_counter("req.50"), reports);
	close(other);
	close(fd);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

/*
 * Does "mem" mean suspend to RAM ("deep" in /sys/power/mem_sleep)?  On
 * arm64's virt machine it is suspend-to-idle, which pm_test "core" refuses
 * (-EAGAIN).
 */
static int has_deep_sleep(void)
{
	char buf[128] = "";
	int fd = open("/sys/power/mem_sleep", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0)
		buf[n] = 0;
	return strstr(buf, "deep") != NULL;
}

/*
 * (a) suspend to RAM with sessions active.  In a boot with S3 (suites.txt
 * flag s3, t_pm_s3) the VM really sleeps and the runner wakes it through
 * QMP; QEMU resets the device at wake-up.  Otherwise the kernel's own
 * suspend test (/sys/power/pm_test "core": tasks frozen, every device
 * suspended down to the last step before the firmware, 5 s, then resumed)
 * runs the same callbacks with a host that keeps its state (where "mem"
 * is only suspend-to-idle, as on arm64's virt machine: "freeze" tested to
 * "platform").
 */
static void suspend_resume(void)
{
	long long resets = vbgt_counter("device_resets");
	int s3 = getenv("VBG_S3") != NULL, deep = has_deep_sleep();
	const char *level = "core", *state = "mem";
	uint64_t t0;
	struct vbgt_waiter w;
	struct active a;
	int ret;

	if (!s3 && access("/sys/power/pm_test", W_OK))
		vbgt_skip("no /sys/power/pm_test (kernel without CONFIG_PM_DEBUG) and no S3 in this boot");
	vbgt_ref_defect(REF_NO_PM);
	active_start(&a, &w);
	if (deep) {
		/* S3 ("deep"), not suspend-to-idle. */
		ASSERT_EQ(write_file("/sys/power/mem_sleep", "deep"), 0);
	} else if (s3) {
		ASSERT(0, "S3 asked for, but no \"deep\" in /sys/power/mem_sleep");
	} else {
		/* arm64's virt machine: suspend-to-idle, tested to "platform". */
		level = "platform";
		state = "freeze";
	}
	if (!s3)
		ASSERT_EQ(write_file("/sys/power/pm_test", level), 0);
	t0 = vbgt_now_ms();
	ret = write_file("/sys/power/state", state);
	if (!s3)
		EXPECT_EQ(write_file("/sys/power/pm_test", "none"), 0);
	vbgt_diag("%s (pm_test %s) took %llu ms; the host saw %lld device reset(s)",
		  state, s3 ? "none" : level,
		  (unsigned long long)(vbgt_now_ms() - t0),
		  vbgt_counter("device_resets") - resets);
	ASSERT_EQ(ret, 0);
	/* QEMU resets its devices at S3 wake-up: the path under test. */
	if (s3)
		EXPECT(vbgt_counter("device_resets") > resets,
		       "a real S3, but the host saw no device reset");
	active_check(&a);
	close(a.fd);
}

static const struct vbgt_case cases[] = {
	/* Those that leave the host knowing the guest first. */
	VBGT_CASE(restored_event_delivered),
	VBGT_CASE_T(suspend_resume, 240),
	VBGT_CASE_T(host_reset_reestablished, 90),
	VBGT_CASE_T(host_reset_ends_pending_call, 45),
};

#ifndef SUITE_NAME
#define SUITE_NAME "t_pm"
#endif

VBGT_SUITE(SUITE_NAME, cases);
