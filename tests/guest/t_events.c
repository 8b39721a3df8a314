// SPDX-License-Identifier: GPL-2.0
/*
 * t_events: VBG_IOCTL_WAIT_FOR_EVENTS (timeouts, wake-up by a host event,
 * signals, VBG_IOCTL_INTERRUPT_ALL_WAIT_FOR_EVENTS), filter-mask changes
 * reaching the host, and how the driver acknowledges interrupts.
 */
#include "vbgt.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* CPU hot-plug: no case posts it, so waits for it only end otherwise. */
#define EV_NEVER	0x400

static void wait_timeout_zero_etimedout(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT);
	uint64_t t0 = vbgt_now_ms();

	EXPECT_EQ(vbgt_wait_events(fd, EV_NEVER, 0, NULL), -ETIMEDOUT);
	EXPECT(vbgt_now_ms() - t0 < 1000, "took %llu ms",
	       (unsigned long long)(vbgt_now_ms() - t0));
	close(fd);
}

static void wait_timeout_expires(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint64_t t0 = vbgt_now_ms(), dt;

	EXPECT_EQ(vbgt_wait_events(fd, EV_NEVER, 300, NULL), -ETIMEDOUT);
	dt = vbgt_now_ms() - t0;
	EXPECT(dt >= 290 && dt < 3000, "300 ms timeout took %llu ms",
	       (unsigned long long)dt);
	close(fd);
}

static void woken_by_event(const char *node, uint32_t ev)
{
	int fd = vbgt_open(node);
	long long irqs = vbgt_counter("irqs");
	struct vbgt_waiter w;

	ASSERT_EQ(vbgt_change_filter(fd, ev, 0), 0);
	/* Whatever an earlier case left latched in the driver. */
	vbgt_wait_events(fd, ev, 0, NULL);
	vbgt_waiter_start(&w, fd, ev, 8000);
	vbgt_ctl_ok("events %#x", ev);
	pthread_join(w.thread, NULL);
	EXPECT_EQ(w.ret, 0);
	EXPECT(w.events & ev, "events %#x", w.events);
	EXPECT(w.elapsed_ms < 5000, "woken after %llu ms",
	       (unsigned long long)w.elapsed_ms);
	EXPECT(vbgt_counter("irqs") > irqs, "no interrupt raised");
	/* Delivered once. */
	EXPECT_EQ(vbgt_wait_events(fd, ev, 0, NULL), -ETIMEDOUT);
	close(fd);
}

static void wait_woken_by_event_root(void)
{
	woken_by_event(VBGT_NODE_ROOT, VBGT_EV_VRDP);
}

static void user_woken(void *arg)
{
	woken_by_event(VBGT_NODE_USER, VBGT_EV_JUDGE_CREDS);
}

static void wait_woken_by_event_user(void)
{
	vbgt_run_as_user(user_woken, NULL);
}

static void wait_other_event_not_delivered(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT);
	struct vbgt_waiter w;

	ASSERT_EQ(vbgt_change_filter(fd, VBGT_EV_VRDP | VBGT_EV_STATS, 0), 0);
	vbgt_waiter_start(&w, fd, VBGT_EV_STATS, 800);
	vbgt_ctl_ok("events %#x", VBGT_EV_VRDP);
	pthread_join(w.thread, NULL);
	EXPECT_EQ(w.ret, -ETIMEDOUT);
	EXPECT(w.elapsed_ms >= 750, "returned after %llu ms",
	       (unsigned long long)w.elapsed_ms);
	close(fd);
}

static void event_latched_until_waited_for(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t ev;

	ASSERT_EQ(vbgt_change_filter(fd, VBGT_EV_SEAMLESS, 0), 0);
	vbgt_wait_events(fd, VBGT_EV_SEAMLESS, 0, NULL);
	/* Posted while nobody waits: not lost. */
	vbgt_ctl_ok("events %#x", VBGT_EV_SEAMLESS);
	vbgt_sleep_ms(300);
	EXPECT_EQ(vbgt_wait_events(fd, VBGT_EV_SEAMLESS, 3000, &ev), 0);
	EXPECT(ev & VBGT_EV_SEAMLESS, "events %#x", ev);
	/* Not duplicated. */
	EXPECT_EQ(vbgt_wait_events(fd, VBGT_EV_SEAMLESS, 0, NULL), -ETIMEDOUT);
	close(fd);
}

static void event_two_waiters_not_lost(void)
{
	int a = vbgt_open(VBGT_NODE_USER), b = vbgt_open(VBGT_NODE_ROOT);
	struct vbgt_waiter wa, wb;

	ASSERT_EQ(vbgt_change_filter(a, VBGT_EV_DISPLAY, 0), 0);
	ASSERT_EQ(vbgt_change_filter(b, VBGT_EV_DISPLAY, 0), 0);
	vbgt_wait_events(a, VBGT_EV_DISPLAY, 0, NULL);
	vbgt_wait_events(b, VBGT_EV_DISPLAY, 0, NULL);
	vbgt_waiter_start(&wa, a, VBGT_EV_DISPLAY, 2000);
	vbgt_waiter_start(&wb, b, VBGT_EV_DISPLAY, 2000);
	vbgt_ctl_ok("events %#x", VBGT_EV_DISPLAY);
	pthread_join(wa.thread, NULL);
	pthread_join(wb.thread, NULL);
	vbgt_diag("waiter a: %d %#x after %llu ms; b: %d %#x after %llu ms",
		  wa.ret, wa.events, (unsigned long long)wa.elapsed_ms, wb.ret,
		  wb.events, (unsigned long long)wb.elapsed_ms);
	/*
	 * Not lost: at least one waiter has it, and nobody gets anything
	 * else.  (The reference hands an event to one waiter only; whether
	 * every waiting session should get it is left open here.)
	 */
	EXPECT(!wa.ret || !wb.ret, "no waiter woken");
	EXPECT(wa.ret == 0 || wa.ret == -ETIMEDOUT, "waiter a: %d", wa.ret);
	EXPECT(wb.ret == 0 || wb.ret == -ETIMEDOUT, "waiter b: %d", wb.ret);
	EXPECT(wa.ret || wa.events == VBGT_EV_DISPLAY, "a: %#x", wa.events);
	EXPECT(wb.ret || wb.events == VBGT_EV_DISPLAY, "b: %#x", wb.events);
	close(a);
	close(b);
}

static void interrupt_all_waits(void)
{
	int a = vbgt_open(VBGT_NODE_USER), b = vbgt_open(VBGT_NODE_USER);
	struct vbg_ioctl_hdr h;
	struct vbgt_waiter w;

	vbgt_waiter_start(&w, a, EV_NEVER, 10000);
	vbgt_hdr(&h, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(h), sizeof(h));
	EXPECT_EQ(vbgt_ioctl(a, VBG_IOCTL_INTERRUPT_ALL_WAIT_FOR_EVENTS, &h), 0);
	pthread_join(w.thread, NULL);
	EXPECT_EQ(w.ret, -EINTR);
	EXPECT(w.elapsed_ms < 5000, "woken after %llu ms",
	       (unsigned long long)w.elapsed_ms);
	/* Every later wait of that session is interrupted at once. */
	EXPECT_EQ(vbgt_wait_events(a, EV_NEVER, 5000, NULL), -EINTR);
	/* Other sessions are not affected. */
	EXPECT_EQ(vbgt_wait_events(b, EV_NEVER, 0, NULL), -ETIMEDOUT);
	close(a);
	close(b);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void wait_interrupted_by_signal(void)
{
	struct sigaction sa;
	int fd = vbgt_open(VBGT_NODE_ROOT);
	pid_t self = getpid();
	uint64_t t0;
	pid_t kid;
	int ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	kid = fork();
	ASSERT(kid >= 0);
	if (kid == 0) {
		/*
		 * Every 300 ms until killed: a signal that comes before the
		 * wait has begun (a busy host can hold us back that long)
		 * is lost, the next one must end the wait.
		 */
		for (;;) {
			vbgt_sleep_ms(300);
			kill(self, SIGUSR1);
		}
	}
	t0 = vbgt_now_ms();
	ret = vbgt_wait_events(fd, EV_NEVER, 10000, NULL);
	EXPECT_EQ(ret, -EINTR);
	EXPECT(vbgt_now_ms() - t0 < 5000, "returned after %llu ms",
	       (unsigned long long)(vbgt_now_ms() - t0));
	kill(kid, SIGKILL);
	vbgt_wait_child(kid, 2000);
	close(fd);
}

static uint32_t unused_bits(uint32_t candidates)
{
	return candidates & ~(uint32_t)vbgt_state("filter");
}

static void filter_mask_reaches_host(void)
{
	uint32_t bits = unused_bits(VBGT_EV_JUDGE_CREDS | VBGT_EV_STATS |
				    VBGT_EV_VRDP), lo, hi;
	int fd = vbgt_open(VBGT_NODE_USER);

	ASSERT(bits & (bits - 1), "host filter %#llx leaves too few bits",
	       vbgt_state("filter"));
	lo = bits & -bits;
	hi = bits & ~lo;
	ASSERT_EQ(vbgt_change_filter(fd, bits, 0), 0);
	EXPECT_EQ(vbgt_state("filter") & bits, bits);
	ASSERT_EQ(vbgt_change_filter(fd, 0, lo), 0);
	EXPECT_EQ(vbgt_state("filter") & bits, hi);
	/* Closing the session takes its bits away. */
	close(fd);
	EXPECT_EQ(vbgt_state("filter") & bits, 0);
}

static void filter_two_sessions(void)
{
	uint32_t bits = unused_bits(VBGT_EV_STATS | VBGT_EV_VRDP |
				    VBGT_EV_JUDGE_CREDS);
	int a = vbgt_open(VBGT_NODE_ROOT), b = vbgt_open(VBGT_NODE_USER);
	uint32_t bit = bits & -bits;

	ASSERT(bit, "no free filter bit");
	ASSERT_EQ(vbgt_change_filter(a, bit, 0), 0);
	ASSERT_EQ(vbgt_change_filter(b, bit, 0), 0);
	EXPECT_EQ(vbgt_state("filter") & bit, bit);
	/* One session dropping the bit leaves the other's in place. */
	ASSERT_EQ(vbgt_change_filter(a, 0, bit), 0);
	EXPECT_EQ(vbgt_state("filter") & bit, bit);
	close(b);
	EXPECT_EQ(vbgt_state("filter") & bit, 0);
	close(a);
}

static void filter_bad_bits_einval(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	long long before = vbgt_counter("req.42");

	EXPECT_EQ(vbgt_change_filter(fd, 0x80000000u, 0), -EINVAL);
	EXPECT_EQ(vbgt_change_filter(fd, 0, 0x00010000u), -EINVAL);
	EXPECT_EQ(vbgt_counter("req.42"), before);
	EXPECT_EQ(vbgt_state("filter") & 0x80010000u, 0);
	close(fd);
}

/*
 * The host refuses the filter change: the ioctl fails with the errno of
 * the host's status (as the reference does; the header is not copied
 * back), the host's filter and the session's stay as they were, and the
 * same change succeeds once the host takes it.
 */
static void filter_host_refusal_errno(void)
{
	uint32_t bits = unused_bits(VBGT_EV_STATS | VBGT_EV_VRDP |
				    VBGT_EV_JUDGE_CREDS);
	uint32_t bit = bits & -bits;
	struct vbg_ioctl_change_filter f;
	int fd = vbgt_open(VBGT_NODE_USER);
	long long before = vbgt_counter("req.42");

	ASSERT(bit, "no free filter bit");
	vbgt_ctl_at_end("fault-clear");
	vbgt_ctl_ok("fault 42 1 %d", VERR_INVALID_PARAMETER);
	memset(&f, 0, sizeof(f));
	vbgt_hdr(&f.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(f), sizeof(f.hdr));
	f.u.in.or_mask = bit;
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_CHANGE_FILTER_MASK, &f), -EINVAL);
	EXPECT_EQ(f.hdr.rc, -1);
	EXPECT_EQ(vbgt_counter("req.42"), before + 1);
	EXPECT_EQ(vbgt_state("filter") & bit, 0);
	ASSERT_EQ(vbgt_change_filter(fd, bit, 0), 0);
	EXPECT_EQ(vbgt_counter("req.42"), before + 2);
	EXPECT_EQ(vbgt_state("filter") & bit, bit);
	close(fd);
	EXPECT_EQ(vbgt_state("filter") & bit, 0);
}

static void wait_bad_header_einval(void)
{
	struct vbg_ioctl_wait_for_events w;
	int fd = vbgt_open(VBGT_NODE_ROOT);

	memset(&w, 0, sizeof(w));
	vbgt_hdr(&w.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(w), sizeof(w));
	w.hdr.version = 1;
	w.u.in.events = EV_NEVER;
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_WAIT_FOR_EVENTS, &w), -EINVAL);
	close(fd);
}

static void ack_fast_when_advertised(void)
{
	long long fast, slow;
	int fd;

	if (!(vbgt_state("features") & 0x80000000u))
		vbgt_skip("host does not advertise fast acknowledge");
	vbgt_ref_defect("acknowledges every interrupt with request 41 "
			"although the host advertises the fast acknowledge");
	fd = vbgt_open(VBGT_NODE_ROOT);
	ASSERT_EQ(vbgt_change_filter(fd, VBGT_EV_VRDP, 0), 0);
	vbgt_wait_events(fd, VBGT_EV_VRDP, 0, NULL);
	fast = vbgt_counter("fast_acks");
	slow = vbgt_counter("req.41");
	vbgt_ctl_ok("events %#x", VBGT_EV_VRDP);
	EXPECT_EQ(vbgt_wait_events(fd, VBGT_EV_VRDP, 5000, NULL), 0);
	EXPECT(vbgt_counter("fast_acks") > fast, "no fast acknowledge");
	EXPECT_EQ(vbgt_counter("req.41"), slow);
	close(fd);
}

static const struct vbgt_case cases[] = {
	VBGT_CASE(wait_timeout_zero_etimedout),
	VBGT_CASE(wait_timeout_expires),
	VBGT_CASE(wait_woken_by_event_root),
	VBGT_CASE(wait_woken_by_event_user),
	VBGT_CASE(wait_other_event_not_delivered),
	VBGT_CASE(event_latched_until_waited_for),
	VBGT_CASE(event_two_waiters_not_lost),
	VBGT_CASE(interrupt_all_waits),
	VBGT_CASE(wait_interrupted_by_signal),
	VBGT_CASE(filter_mask_reaches_host),
	VBGT_CASE(filter_two_sessions),
	VBGT_CASE(filter_bad_bits_einval),
	VBGT_CASE(filter_host_refusal_errno),
	VBGT_CASE(wait_bad_header_einval),
	VBGT_CASE(ack_fast_when_advertised),
};

VBGT_SUITE("t_events", cases)
