// SPDX-License-Identifier: (GPL-2.0 OR CDDL-1.0)
/*
 * KUnit suite vboxguest_events: the mask trackers (event filter, "set"
 * capabilities, mouse status) and what reaches the host, acquire mode,
 * the interrupt path (have_events, fast and slow acknowledge) and event
 * delivery to sessions, and WAIT_FOR_EVENTS with completion, cancel and
 * device removal coming from another thread.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/vbox_err.h>
#include "vboxguest_test.h"

#define EV_MOUSE	VMMDEV_EVENT_MOUSE_POSITION_CHANGED
#define EV_BALLOON	VMMDEV_EVENT_BALLOON_CHANGE_REQUEST
#define EV_DISPLAY	VMMDEV_EVENT_DISPLAY_CHANGE_REQUEST
#define EV_SEAMLESS	VMMDEV_EVENT_SEAMLESS_MODE_CHANGE_REQUEST
#define EV_VRDP		VMMDEV_EVENT_VRDP
#define EV_HOTPLUG	VMMDEV_EVENT_CPU_HOTPLUG
#define EV_HGCM		VMMDEV_EVENT_HGCM
#define CAP_SEAMLESS	VMMDEV_GUEST_SUPPORTS_SEAMLESS
#define CAP_GRAPHICS	VMMDEV_GUEST_SUPPORTS_GRAPHICS
#define CAP_MAPPING	VMMDEV_GUEST_SUPPORTS_GUEST_HOST_WINDOW_MAPPING

/*
 * Invariant: each tracker's mask is the union of the sessions' bits and
 * each per-bit count the number of sessions with that bit.  Reports
 * through kunit_err; returns -EINVAL on a mismatch.
 */
static int vbg_check_trackers(struct kunit *test, struct vbg_dev *gdev)
{
	u32 filter = 0, caps = 0, mouse = 0;
	unsigned int count[3][32] = {};
	struct vbg_session *s;
	int bit, ret = 0;

	mutex_lock(&gdev->session_mutex);
	list_for_each_entry(s, &gdev->session_list, node) {
		filter |= s->event_filter;
		caps |= s->set_guest_caps;
		mouse |= s->mouse_status;
		for (bit = 0; bit < 32; bit++) {
			count[0][bit] += !!(s->event_filter & BIT(bit));
			count[1][bit] += !!(s->set_guest_caps & BIT(bit));
			count[2][bit] += !!(s->mouse_status & BIT(bit));
		}
	}
	if (gdev->event_filter.sessions != filter ||
	    gdev->guest_caps.sessions != caps ||
	    gdev->mouse_status.sessions != mouse) {
		kunit_err(test, "tracker masks %#x/%#x/%#x, sessions %#x/%#x/%#x\n",
			  gdev->event_filter.sessions,
			  gdev->guest_caps.sessions,
			  gdev->mouse_status.sessions, filter, caps, mouse);
		ret = -EINVAL;
	}
	for (bit = 0; bit < 32; bit++) {
		if (gdev->event_filter.holders[bit] != count[0][bit] ||
		    gdev->guest_caps.holders[bit] != count[1][bit] ||
		    gdev->mouse_status.holders[bit] != count[2][bit]) {
			kunit_err(test, "bit %d: usage counts differ from the sessions\n",
				  bit);
			ret = -EINVAL;
		}
	}
	mutex_unlock(&gdev->session_mutex);
	return ret;
}

/* The or_mask of the last request of @type the host saw (or ~0). */
static u32 vbg_last_or(struct vbg_test_host *host, u32 type)
{
	const struct vbg_test_record *rec = vbg_test_last(host, type);

	return rec ? rec->word[0] : ~0U;
}

/* --- event filter tracker ---------------------------------------------- */

static void vbg_filter_union_reaches_host(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_session *b = vbg_test_open(test, true);
	u32 f = VMMDEVREQ_CTL_GUEST_FILTER_MASK;
	const struct vbg_test_record *rec;

	KUNIT_ASSERT_EQ(test, vbg_test_filter(a, EV_DISPLAY, 0), 0);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, f), 1);
	rec = vbg_test_last(host, f);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_EXPECT_EQ(test, rec->word[0], EV_DISPLAY | VBG_FIXED_EVENTS);
	KUNIT_EXPECT_EQ(test, rec->word[1], (u32)~(EV_DISPLAY | VBG_FIXED_EVENTS));

	/* Same bit from another session: the union does not change. */
	KUNIT_ASSERT_EQ(test, vbg_test_filter(b, EV_DISPLAY, 0), 0);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, f), 1);
	/* One of two users drops it: still no change. */
	KUNIT_ASSERT_EQ(test, vbg_test_filter(a, 0, EV_DISPLAY), 0);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, f), 1);
	KUNIT_EXPECT_EQ(test, vbg_check_trackers(test, host->gdev), 0);
	/* The last user drops it. */
	KUNIT_ASSERT_EQ(test, vbg_test_filter(b, 0, EV_DISPLAY), 0);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, f), 2);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, f), VBG_FIXED_EVENTS);
	KUNIT_EXPECT_EQ(test, vbg_check_trackers(test, host->gdev), 0);
	vbg_test_close(b);
	vbg_test_close(a);
}

static void vbg_filter_or_and_not_in_one_call(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);

	KUNIT_ASSERT_EQ(test, vbg_test_filter(a, EV_DISPLAY | EV_VRDP, 0), 0);
	/* not_mask wins over or_mask for a bit in both. */
	KUNIT_ASSERT_EQ(test, vbg_test_filter(a, EV_HOTPLUG | EV_VRDP, EV_VRDP), 0);
	KUNIT_EXPECT_EQ(test, a->event_filter, EV_DISPLAY | EV_HOTPLUG);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, VMMDEVREQ_CTL_GUEST_FILTER_MASK),
			EV_DISPLAY | EV_HOTPLUG | VBG_FIXED_EVENTS);
	KUNIT_EXPECT_EQ(test, vbg_check_trackers(test, host->gdev), 0);
	vbg_test_close(a);
}

static void vbg_filter_host_failure_rolls_back(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_ioctl_change_filter f = {};

	vbg_test_script(host, VMMDEVREQ_CTL_GUEST_FILTER_MASK, 0,
			VERR_ACCESS_DENIED, 0);
	vbg_test_hdr(&f.hdr, sizeof(f), 0);
	f.u.in.or_mask = EV_DISPLAY;
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(a, VBG_IOCTL_CHANGE_FILTER_MASK, &f),
			-EPERM);
	/* A failed ioctl's header is not copied back: rc is left alone. */
	KUNIT_EXPECT_EQ(test, f.hdr.rc, VERR_INTERNAL_ERROR);
	KUNIT_EXPECT_EQ(test, a->event_filter, 0);
	KUNIT_EXPECT_EQ(test, host->gdev->event_filter.sessions, 0);
	KUNIT_EXPECT_EQ(test, host->gdev->event_filter.host, VBG_FIXED_EVENTS);
	KUNIT_EXPECT_EQ(test, vbg_check_trackers(test, host->gdev), 0);
	/* The next try reaches the host again and works. */
	KUNIT_EXPECT_EQ(test, vbg_test_filter(a, EV_DISPLAY, 0), 0);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, VMMDEVREQ_CTL_GUEST_FILTER_MASK), 2);
	vbg_test_close(a);
}

static void vbg_filter_transport_failure_rolls_back(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);

	vbg_test_script(host, VMMDEVREQ_CTL_GUEST_FILTER_MASK, -EIO, 0, 0);
	KUNIT_EXPECT_EQ(test, vbg_test_filter(a, EV_VRDP, 0), -EIO);
	KUNIT_EXPECT_EQ(test, a->event_filter, 0);
	KUNIT_EXPECT_EQ(test, vbg_check_trackers(test, host->gdev), 0);
	vbg_test_close(a);
}

static void vbg_filter_close_drops_bits(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_session *b = vbg_test_open(test, false);

	KUNIT_ASSERT_EQ(test, vbg_test_filter(a, EV_DISPLAY | EV_VRDP, 0), 0);
	KUNIT_ASSERT_EQ(test, vbg_test_filter(b, EV_VRDP, 0), 0);
	vbg_test_close(a);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, VMMDEVREQ_CTL_GUEST_FILTER_MASK),
			EV_VRDP | VBG_FIXED_EVENTS);
	KUNIT_EXPECT_EQ(test, vbg_check_trackers(test, host->gdev), 0);
	vbg_test_close(b);
	KUNIT_EXPECT_EQ(test, host->gdev->event_filter.host, VBG_FIXED_EVENTS);
	KUNIT_EXPECT_EQ(test, host->gdev->event_filter.sessions, 0);
}

static void vbg_close_survives_host_failure(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);

	KUNIT_ASSERT_EQ(test, vbg_test_filter(a, EV_DISPLAY, 0), 0);
	KUNIT_ASSERT_EQ(test, vbg_test_set_caps(a, CAP_MAPPING, 0), 0);
	vbg_test_script(host, 0, -EIO, 0, 0);
	vbg_test_script(host, 0, 0, VERR_DEV_IO_ERROR, 0);
	/* The session goes away whatever the host says. */
	vbg_test_close(a);
	KUNIT_EXPECT_EQ(test, host->gdev->event_filter.sessions, 0);
	KUNIT_EXPECT_EQ(test, host->gdev->guest_caps.sessions, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&host->gdev->session_list));
}

/* --- "set" capabilities and mouse status ------------------------------- */

static void vbg_set_caps_union(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_session *b = vbg_test_open(test, false);
	struct vbg_ioctl_set_guest_caps c = {};
	u32 s = VMMDEVREQ_SET_GUEST_CAPABILITIES;

	KUNIT_ASSERT_EQ(test, vbg_test_set_caps(a, CAP_SEAMLESS, 0), 0);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, s), 1);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, s), CAP_SEAMLESS);

	vbg_test_hdr(&c.hdr, sizeof(c), sizeof(c));
	c.u.in.or_mask = CAP_SEAMLESS | CAP_GRAPHICS;
	KUNIT_ASSERT_EQ(test, vbg_test_ioctl(b, VBG_IOCTL_CHANGE_GUEST_CAPABILITIES,
					     &c), 0);
	KUNIT_EXPECT_EQ(test, c.u.out.session_caps, CAP_SEAMLESS | CAP_GRAPHICS);
	KUNIT_EXPECT_EQ(test, c.u.out.global_caps, CAP_SEAMLESS | CAP_GRAPHICS);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, s), 2);

	KUNIT_ASSERT_EQ(test, vbg_test_set_caps(b, 0, CAP_SEAMLESS), 0);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, s), 2);	/* a still has it */
	KUNIT_EXPECT_EQ(test, vbg_check_trackers(test, host->gdev), 0);
	vbg_test_close(b);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, s), CAP_SEAMLESS);
	vbg_test_close(a);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, s), 0);
}

static void vbg_set_caps_host_failure_rolls_back(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);

	vbg_test_script(host, VMMDEVREQ_SET_GUEST_CAPABILITIES, 0,
			VERR_NOT_SUPPORTED, 0);
	KUNIT_EXPECT_EQ(test, vbg_test_set_caps(a, CAP_GRAPHICS, 0), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, a->set_guest_caps, 0);
	KUNIT_EXPECT_EQ(test, host->gdev->guest_caps.host, 0);
	KUNIT_EXPECT_EQ(test, vbg_check_trackers(test, host->gdev), 0);
	vbg_test_close(a);
}

static void vbg_mouse_status_union_with_input(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_ioctl_set_mouse_status m = {};
	u32 t = VMMDEVREQ_SET_MOUSE_STATUS;

	vbg_test_hdr(&m.hdr, sizeof(m), 0);
	m.u.in.mouse_status = VMMDEV_MOUSE_GUEST_NEEDS_HOST_CURSOR;
	KUNIT_ASSERT_EQ(test, vbg_test_ioctl(a, VBG_IOCTL_SET_MOUSE_STATUS, &m), 0);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, t), VMMDEV_MOUSE_GUEST_NEEDS_HOST_CURSOR);

	KUNIT_ASSERT_EQ(test, vbg_core_set_input_mouse_status(host->gdev, true), 0);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, t),
			VMMDEV_MOUSE_GUEST_NEEDS_HOST_CURSOR | VBG_INPUT_MOUSE_STATUS);
	KUNIT_ASSERT_EQ(test, vbg_core_set_input_mouse_status(host->gdev, false), 0);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, t), VMMDEV_MOUSE_GUEST_NEEDS_HOST_CURSOR);

	/* The host refuses: the session keeps its old bits. */
	vbg_test_script(host, t, 0, VERR_ACCESS_DENIED, 0);
	vbg_test_hdr(&m.hdr, sizeof(m), 0);
	m.u.in.mouse_status = VMMDEV_MOUSE_GUEST_CAN_ABSOLUTE;
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(a, VBG_IOCTL_SET_MOUSE_STATUS, &m), -EPERM);
	KUNIT_EXPECT_EQ(test, a->mouse_status, VMMDEV_MOUSE_GUEST_NEEDS_HOST_CURSOR);
	KUNIT_EXPECT_EQ(test, vbg_check_trackers(test, host->gdev), 0);
	vbg_test_close(a);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, t), 0);
}

/*
 * The input device uses the full-state protocol only while the host offers
 * it (GetMouseStatus bit 0x100) and accepted the guest's 0x80.
 */
static void vbg_mouse_full_state_when_offered(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_dev *gdev = host->gdev;
	u32 get = VMMDEVREQ_GET_MOUSE_STATUS, t = VMMDEVREQ_SET_MOUSE_STATUS;
	u32 offer = VMMDEV_MOUSE_HOST_USES_FULL_STATE_PROTOCOL;

	vbg_test_script(host, get, 0, VINF_SUCCESS, offer);
	KUNIT_ASSERT_EQ(test, vbg_core_set_input_mouse_status(gdev, true), 0);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, t), VBG_INPUT_MOUSE_STATUS |
			VMMDEV_MOUSE_GUEST_USES_FULL_STATE_PROTOCOL);
	KUNIT_EXPECT_TRUE(test, gdev->mouse_full_state);
	KUNIT_ASSERT_EQ(test, vbg_core_set_input_mouse_status(gdev, false), 0);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, t), 0);
	KUNIT_EXPECT_FALSE(test, gdev->mouse_full_state);

	/* Not offered, or the question refused: position only. */
	vbg_test_script(host, get, 0, VINF_SUCCESS, 0);
	KUNIT_ASSERT_EQ(test, vbg_core_set_input_mouse_status(gdev, true), 0);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, t), VBG_INPUT_MOUSE_STATUS);
	KUNIT_EXPECT_FALSE(test, gdev->mouse_full_state);
	KUNIT_ASSERT_EQ(test, vbg_core_set_input_mouse_status(gdev, false), 0);
	vbg_test_script(host, get, 0, VERR_INVALID_PARAMETER, offer);
	KUNIT_ASSERT_EQ(test, vbg_core_set_input_mouse_status(gdev, true), 0);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, t), VBG_INPUT_MOUSE_STATUS);
	KUNIT_EXPECT_FALSE(test, gdev->mouse_full_state);
	KUNIT_ASSERT_EQ(test, vbg_core_set_input_mouse_status(gdev, false), 0);

	/* The host refuses the bits: not in use. */
	vbg_test_script(host, get, 0, VINF_SUCCESS, offer);
	vbg_test_script(host, t, 0, VERR_ACCESS_DENIED, 0);
	KUNIT_EXPECT_EQ(test, vbg_core_set_input_mouse_status(gdev, true), -EPERM);
	KUNIT_EXPECT_FALSE(test, gdev->mouse_full_state);
}

/* --- acquire mode ------------------------------------------------------ */

static void vbg_acquire_mode_excludes_set_mode(struct kunit *test)
{
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_session *b = vbg_test_open(test, false);

	KUNIT_ASSERT_EQ(test, vbg_test_acquire(a, VBGL_IOC_AGC_FLAGS_CONFIG_ACQUIRE_MODE,
					       CAP_SEAMLESS, 0), 0);
	/* Configuring acquires nothing. */
	KUNIT_EXPECT_EQ(test, a->acquired_guest_caps, 0);
	KUNIT_EXPECT_EQ(test, vbg_test_set_caps(b, CAP_SEAMLESS, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, b->set_guest_caps, 0);
	/* Other capabilities stay in set mode. */
	KUNIT_EXPECT_EQ(test, vbg_test_set_caps(b, CAP_GRAPHICS, 0), 0);
	/* And one in set use cannot be switched to acquire mode. */
	KUNIT_EXPECT_EQ(test, vbg_test_acquire(a, VBGL_IOC_AGC_FLAGS_CONFIG_ACQUIRE_MODE,
					       CAP_GRAPHICS, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, vbg_test_acquire(a, 0, CAP_GRAPHICS, 0), -EBUSY);
	vbg_test_close(b);
	vbg_test_close(a);
}

static void vbg_acquire_one_owner(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_session *b = vbg_test_open(test, false);
	struct vbg_ioctl_acquire_guest_caps c = {};
	u32 s = VMMDEVREQ_SET_GUEST_CAPABILITIES;

	KUNIT_ASSERT_EQ(test, vbg_test_acquire(a, 0, CAP_SEAMLESS, 0), 0);
	KUNIT_EXPECT_EQ(test, a->acquired_guest_caps, CAP_SEAMLESS);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, s), CAP_SEAMLESS);

	vbg_test_hdr(&c.hdr, sizeof(c), 0);
	c.u.in.or_mask = CAP_SEAMLESS;
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(b, VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES,
					     &c), -EBUSY);
	KUNIT_EXPECT_EQ(test, c.hdr.rc, VERR_INTERNAL_ERROR);	/* untouched */
	KUNIT_EXPECT_EQ(test, b->acquired_guest_caps, 0);

	/* Acquiring again what one owns is fine. */
	KUNIT_EXPECT_EQ(test, vbg_test_acquire(a, 0, CAP_SEAMLESS, 0), 0);
	/* Released, the other may take it. */
	KUNIT_ASSERT_EQ(test, vbg_test_acquire(a, 0, 0, CAP_SEAMLESS), 0);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, s), 0);
	KUNIT_EXPECT_EQ(test, vbg_test_acquire(b, 0, CAP_SEAMLESS, 0), 0);
	KUNIT_EXPECT_EQ(test, host->gdev->guest_caps.extra, CAP_SEAMLESS);
	vbg_test_close(b);
	KUNIT_EXPECT_EQ(test, host->gdev->guest_caps.extra, 0);
	KUNIT_EXPECT_EQ(test, vbg_last_or(host, s), 0);
	/* The owner closed: a takes it again. */
	KUNIT_EXPECT_EQ(test, vbg_test_acquire(a, 0, CAP_SEAMLESS, 0), 0);
	vbg_test_close(a);
}

static void vbg_acquire_host_failure_rolls_back(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_session *b = vbg_test_open(test, false);

	vbg_test_script(host, VMMDEVREQ_SET_GUEST_CAPABILITIES, 0,
			VERR_DEV_IO_ERROR, 0);
	KUNIT_EXPECT_EQ(test, vbg_test_acquire(a, 0, CAP_GRAPHICS, 0), -EIO);
	KUNIT_EXPECT_EQ(test, a->acquired_guest_caps, 0);
	KUNIT_EXPECT_EQ(test, host->gdev->guest_caps.extra, 0);
	/* Nobody owns it: the other session gets it. */
	KUNIT_EXPECT_EQ(test, vbg_test_acquire(b, 0, CAP_GRAPHICS, 0), 0);
	vbg_test_close(b);
	vbg_test_close(a);
}

/* --- the interrupt path ------------------------------------------------ */

static void vbg_isr_not_ours(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_dev *gdev = host->gdev;

	KUNIT_EXPECT_EQ(test, vbg_test_raise(host, 0), IRQ_NONE);
	KUNIT_EXPECT_EQ(test, host->nr_fast_acks, 0);
	KUNIT_EXPECT_EQ(test, host->nr_submits, 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gdev->stats[VBG_STAT_IRQS_NOT_OURS]), 1);
}

static void vbg_isr_fast_ack(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);

	KUNIT_ASSERT_EQ(test, vbg_test_filter(a, EV_VRDP, 0), 0);
	KUNIT_EXPECT_EQ(test, vbg_test_raise(host, EV_VRDP), IRQ_HANDLED);
	KUNIT_EXPECT_EQ(test, host->nr_fast_acks, 1);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, VMMDEVREQ_ACKNOWLEDGE_EVENTS), 0);
	KUNIT_EXPECT_EQ(test, a->pending_events, EV_VRDP);
	vbg_test_close(a);
}

static void vbg_isr_fast_ack_refused_falls_back(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);

	host->fast_ack_refused = true;
	KUNIT_ASSERT_EQ(test, vbg_test_filter(a, EV_VRDP, 0), 0);
	KUNIT_EXPECT_EQ(test, vbg_test_raise(host, EV_VRDP), IRQ_HANDLED);
	KUNIT_EXPECT_EQ(test, host->nr_fast_acks, 1);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, VMMDEVREQ_ACKNOWLEDGE_EVENTS), 1);
	KUNIT_EXPECT_EQ(test, a->pending_events, EV_VRDP);
	vbg_test_close(a);
}

static void vbg_isr_slow_ack(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);

	host->gdev->fast_ack = false;
	vbg_test_raise(host, EV_MOUSE);
	KUNIT_EXPECT_EQ(test, host->nr_fast_acks, 0);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, VMMDEVREQ_ACKNOWLEDGE_EVENTS), 1);
	KUNIT_EXPECT_EQ(test, a->pending_events, EV_MOUSE);
	KUNIT_EXPECT_EQ(test, atomic64_read(&host->gdev->stats[VBG_STAT_SLOW_ACKS]), 1);
	vbg_test_close(a);
}

static void vbg_isr_ack_failure_delivers_nothing(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);

	host->gdev->fast_ack = false;
	vbg_test_script(host, VMMDEVREQ_ACKNOWLEDGE_EVENTS, 0, VERR_INVALID_PARAMETER,
			EV_MOUSE);
	vbg_test_raise(host, EV_MOUSE);
	KUNIT_EXPECT_EQ(test, a->pending_events, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&host->mouse_work), 0);
	vbg_test_close(a);
}

static void vbg_isr_garbage_event_bits_dropped(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);

	KUNIT_ASSERT_EQ(test, vbg_test_filter(a, VMMDEV_EVENT_VALID_EVENT_MASK, 0), 0);
	/* A host that sets bits no event has. */
	vbg_test_raise(host, 0xfffff000 | EV_VRDP);
	KUNIT_EXPECT_EQ(test, a->pending_events, EV_VRDP);
	vbg_test_close(a);
}

static void vbg_isr_schedules_work(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);

	vbg_test_raise(host, EV_MOUSE | EV_BALLOON);
	flush_work(&host->gdev->mouse_work);
	flush_work(&host->gdev->balloon.work);
	KUNIT_EXPECT_EQ(test, atomic_read(&host->mouse_work), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&host->balloon_work), 1);
}

/* Delivery by filter: two sessions, one interrupt. */
struct vbg_delivery_case {
	const char *name;
	u32 filter_a;
	u32 filter_b;
	u32 events;
	u32 want_a;
	u32 want_b;
};

static const struct vbg_delivery_case vbg_delivery_cases[] = {
	{ "unfiltered_event_to_nobody", 0, 0, EV_VRDP, 0, 0 },
	{ "filtered_to_one", EV_VRDP, 0, EV_VRDP, EV_VRDP, 0 },
	{ "filtered_to_both", EV_VRDP, EV_VRDP, EV_VRDP, EV_VRDP, EV_VRDP },
	{ "mouse_to_all_by_default", 0, 0, EV_MOUSE, EV_MOUSE, EV_MOUSE },
	{ "balloon_to_all_by_default", 0, 0, EV_BALLOON, EV_BALLOON, EV_BALLOON },
	{ "hgcm_not_a_default_event", 0, 0, EV_HGCM, 0, 0 },
	{ "each_gets_its_part", EV_VRDP, EV_HOTPLUG, EV_VRDP | EV_HOTPLUG,
	  EV_VRDP, EV_HOTPLUG },
	{ "mix_with_defaults", EV_DISPLAY, 0, EV_DISPLAY | EV_MOUSE | EV_HGCM,
	  EV_DISPLAY | EV_MOUSE, EV_MOUSE },
};

KUNIT_ARRAY_PARAM_DESC(vbg_delivery, vbg_delivery_cases, name);

static void vbg_dispatch_events_table(struct kunit *test)
{
	const struct vbg_delivery_case *c = test->param_value;
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_session *b = vbg_test_open(test, true);
	u32 got;

	if (c->filter_a)
		KUNIT_ASSERT_EQ(test, vbg_test_filter(a, c->filter_a, 0), 0);
	if (c->filter_b)
		KUNIT_ASSERT_EQ(test, vbg_test_filter(b, c->filter_b, 0), 0);
	KUNIT_EXPECT_EQ(test, vbg_test_raise(host, c->events), IRQ_HANDLED);
	KUNIT_EXPECT_EQ(test, a->pending_events, c->want_a);
	KUNIT_EXPECT_EQ(test, b->pending_events, c->want_b);
	/* A wait takes exactly its session's copy, once. */
	if (c->want_a) {
		KUNIT_EXPECT_EQ(test, vbg_test_wait(a, c->want_a, 0, &got), 0);
		KUNIT_EXPECT_EQ(test, got, c->want_a);
		KUNIT_EXPECT_EQ(test, vbg_test_wait(a, c->want_a, 0, &got), -ETIMEDOUT);
	}
	KUNIT_EXPECT_EQ(test, b->pending_events, c->want_b);
	flush_work(&host->gdev->mouse_work);
	flush_work(&host->gdev->balloon.work);
	vbg_test_close(b);
	vbg_test_close(a);
}

static void vbg_dispatch_counts_dropped(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	atomic64_t *dropped = &host->gdev->stats[VBG_STAT_EVENTS_DROPPED];

	/* No session: VRDP and hotplug are dropped, HGCM is the driver's. */
	vbg_test_raise(host, EV_VRDP | EV_HOTPLUG | EV_HGCM);
	KUNIT_EXPECT_EQ(test, atomic64_read(dropped), 2);
}

static void vbg_acquired_event_only_to_owner(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_session *b = vbg_test_open(test, false);

	KUNIT_ASSERT_EQ(test, vbg_test_filter(a, EV_SEAMLESS, 0), 0);
	KUNIT_ASSERT_EQ(test, vbg_test_filter(b, EV_SEAMLESS, 0), 0);
	KUNIT_ASSERT_EQ(test, vbg_test_acquire(a, VBGL_IOC_AGC_FLAGS_CONFIG_ACQUIRE_MODE,
					       CAP_SEAMLESS, 0), 0);
	KUNIT_ASSERT_EQ(test, vbg_test_acquire(b, 0, CAP_SEAMLESS, 0), 0);
	vbg_test_raise(host, EV_SEAMLESS);
	KUNIT_EXPECT_EQ(test, a->pending_events, 0);
	KUNIT_EXPECT_EQ(test, b->pending_events, EV_SEAMLESS);
	vbg_test_close(b);
	vbg_test_close(a);
}

static void vbg_unowned_event_goes_to_next_owner(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_session *b = vbg_test_open(test, false);
	u32 got;

	KUNIT_ASSERT_EQ(test, vbg_test_filter(a, EV_DISPLAY, 0), 0);
	KUNIT_ASSERT_EQ(test, vbg_test_acquire(a, VBGL_IOC_AGC_FLAGS_CONFIG_ACQUIRE_MODE,
					       CAP_GRAPHICS, 0), 0);
	/* Nobody owns GRAPHICS yet: the display event waits. */
	vbg_test_raise(host, EV_DISPLAY);
	KUNIT_EXPECT_EQ(test, a->pending_events, 0);
	KUNIT_EXPECT_EQ(test, host->gdev->unowned_events, EV_DISPLAY);
	/* The first owner gets it, and only it. */
	KUNIT_ASSERT_EQ(test, vbg_test_acquire(b, 0, CAP_GRAPHICS, 0), 0);
	KUNIT_EXPECT_EQ(test, host->gdev->unowned_events, 0);
	KUNIT_EXPECT_EQ(test, vbg_test_wait(b, EV_DISPLAY, 0, &got), 0);
	KUNIT_EXPECT_EQ(test, got, EV_DISPLAY);
	KUNIT_EXPECT_EQ(test, a->pending_events, 0);
	vbg_test_close(b);
	vbg_test_close(a);
}

/* --- WAIT_FOR_EVENTS from another thread ------------------------------- */

enum vbg_actor_op {
	VBG_ACTOR_RAISE,
	VBG_ACTOR_INTERRUPT,
	VBG_ACTOR_REMOVE,
};

struct vbg_actor {
	struct vbg_test_host *host;
	struct vbg_session *session;
	enum vbg_actor_op op;
	unsigned int delay_ms;
	u32 events;
	struct completion done;
};

static void vbg_actor_interrupt(struct vbg_session *session)
{
	struct vbg_ioctl_hdr hdr;

	vbg_test_hdr(&hdr, sizeof(hdr), sizeof(hdr));
	vbg_test_ioctl(session, VBG_IOCTL_INTERRUPT_ALL_WAIT_FOR_EVENTS, &hdr);
}

/* Plays the host (or another thread of the process) after a delay. */
static int vbg_actor_fn(void *data)
{
	struct vbg_actor *actor = data;
	struct vbg_dev *gdev = actor->host->gdev;

	msleep(actor->delay_ms);
	switch (actor->op) {
	case VBG_ACTOR_RAISE:
		vbg_test_raise(actor->host, actor->events);
		break;
	case VBG_ACTOR_INTERRUPT:
		vbg_actor_interrupt(actor->session);
		break;
	case VBG_ACTOR_REMOVE:
		spin_lock_irq(&gdev->event_spinlock);
		gdev->removed = true;
		spin_unlock_irq(&gdev->event_spinlock);
		wake_up_all(&gdev->event_wq);
		break;
	}
	complete(&actor->done);
	return 0;
}

static void vbg_actor_start(struct kunit *test, struct vbg_actor *actor)
{
	struct task_struct *task;

	init_completion(&actor->done);
	actor->host = vbg_test_host(test);
	task = kthread_run(vbg_actor_fn, actor, "vbg-kunit-actor");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
}

static void vbg_actor_finish(struct kunit *test, struct vbg_actor *actor)
{
	KUNIT_EXPECT_TRUE_MSG(test, wait_for_completion_timeout(&actor->done, 10 * HZ),
			      "the actor thread did not finish");
}

static void vbg_wait_completes_on_event(struct kunit *test)
{
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_actor actor = { .op = VBG_ACTOR_RAISE, .delay_ms = 50,
				   .events = EV_VRDP };
	u32 got;

	KUNIT_ASSERT_EQ(test, vbg_test_filter(a, EV_VRDP, 0), 0);
	vbg_actor_start(test, &actor);
	KUNIT_EXPECT_EQ(test, vbg_test_wait(a, EV_VRDP, 5000, &got), 0);
	KUNIT_EXPECT_EQ(test, got, EV_VRDP);
	vbg_actor_finish(test, &actor);
	vbg_test_close(a);
}

static void vbg_wait_ignores_other_events(struct kunit *test)
{
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_actor actor = { .op = VBG_ACTOR_RAISE, .delay_ms = 20,
				   .events = EV_MOUSE };
	u32 got;

	vbg_actor_start(test, &actor);
	/* The mouse event arrives but is not what this wait asked for. */
	KUNIT_EXPECT_EQ(test, vbg_test_wait(a, EV_VRDP, 300, &got), -ETIMEDOUT);
	vbg_actor_finish(test, &actor);
	KUNIT_EXPECT_EQ(test, a->pending_events, EV_MOUSE);
	flush_work(&vbg_test_host(test)->gdev->mouse_work);
	vbg_test_close(a);
}

static void vbg_wait_interrupted_by_other_thread(struct kunit *test)
{
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_actor actor = { .op = VBG_ACTOR_INTERRUPT, .delay_ms = 50 };
	u32 got;

	actor.session = a;
	vbg_actor_start(test, &actor);
	KUNIT_EXPECT_EQ(test, vbg_test_wait(a, EV_VRDP, 5000, &got), -EINTR);
	vbg_actor_finish(test, &actor);
	vbg_test_close(a);
}

static void vbg_wait_ends_on_remove(struct kunit *test)
{
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_actor actor = { .op = VBG_ACTOR_REMOVE, .delay_ms = 50 };
	u32 got;

	vbg_actor_start(test, &actor);
	KUNIT_EXPECT_EQ(test, vbg_test_wait(a, EV_VRDP, U32_MAX, &got), -ENODEV);
	vbg_actor_finish(test, &actor);
	/* A removed device: close does not talk to the host any more. */
	vbg_test_close(a);
	KUNIT_EXPECT_EQ(test, vbg_test_count(vbg_test_host(test), 0), 0);
}

/*
 * Event and cancel race: whatever wins, the wait returns (no hang), and
 * an event the wait did not return is still pending, never lost.  Both
 * outcomes must be seen, or the race was not run: the actors' delays are
 * skewed one way, then the other, then equal, round after round, until
 * each side has won at least once (at most VBG_RACE_ROUNDS rounds).
 */
#define VBG_RACE_ROUNDS	60

static void vbg_wait_cancel_race(struct kunit *test)
{
	static const unsigned int delay_ms[][2] = {	/* raise, cancel */
		{ 0, 40 }, { 40, 0 }, { 5, 5 },
	};
	struct vbg_test_host *host = vbg_test_host(test);
	unsigned int i, events = 0, intr = 0;

	for (i = 0; i < VBG_RACE_ROUNDS && (!events || !intr || i < 10); i++) {
		const unsigned int *d = delay_ms[i % ARRAY_SIZE(delay_ms)];
		struct vbg_session *a = vbg_test_open(test, false);
		struct vbg_actor raise = { .op = VBG_ACTOR_RAISE, .delay_ms = d[0],
					   .events = EV_VRDP };
		struct vbg_actor cancel = { .op = VBG_ACTOR_INTERRUPT,
					    .delay_ms = d[1], .session = a };
		u32 got;
		int ret;

		KUNIT_ASSERT_EQ(test, vbg_test_filter(a, EV_VRDP, 0), 0);
		vbg_actor_start(test, &raise);
		vbg_actor_start(test, &cancel);
		ret = vbg_test_wait(a, EV_VRDP, 5000, &got);
		vbg_actor_finish(test, &raise);
		vbg_actor_finish(test, &cancel);
		if (ret == 0) {
			events++;
			KUNIT_EXPECT_EQ(test, got, EV_VRDP);
			KUNIT_EXPECT_EQ(test, a->pending_events, 0);
		} else {
			intr++;
			KUNIT_EXPECT_EQ(test, ret, -EINTR);
			KUNIT_EXPECT_EQ(test, a->pending_events, EV_VRDP);
		}
		vbg_test_close(a);
	}
	kunit_info(test, "%u rounds: %u waits got the event, %u were interrupted\n",
		   i, events, intr);
	KUNIT_EXPECT_GT_MSG(test, events, 0, "the event never won the race");
	KUNIT_EXPECT_GT_MSG(test, intr, 0, "the cancel never won the race");
	KUNIT_EXPECT_EQ(test, host->pending_events, 0);
}

static void vbg_wait_timeout(struct kunit *test)
{
	struct vbg_session *a = vbg_test_open(test, false);
	u32 got = 1;

	KUNIT_EXPECT_EQ(test, vbg_test_wait(a, EV_VRDP, 0, &got), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, vbg_test_wait(a, EV_VRDP, 30, &got), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, got, 0);
	vbg_test_close(a);
}

static void vbg_wait_returns_only_asked_bits(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);
	u32 got;

	KUNIT_ASSERT_EQ(test, vbg_test_filter(a, EV_VRDP | EV_HOTPLUG, 0), 0);
	vbg_test_raise(host, EV_VRDP | EV_HOTPLUG);
	KUNIT_EXPECT_EQ(test, vbg_test_wait(a, EV_VRDP, 0, &got), 0);
	KUNIT_EXPECT_EQ(test, got, EV_VRDP);
	KUNIT_EXPECT_EQ(test, a->pending_events, EV_HOTPLUG);
	KUNIT_EXPECT_EQ(test, vbg_test_wait(a, EV_VRDP | EV_HOTPLUG, 0, &got), 0);
	KUNIT_EXPECT_EQ(test, got, EV_HOTPLUG);
	vbg_test_close(a);
}

static struct kunit_case vbg_events_test_cases[] = {
	KUNIT_CASE(vbg_filter_union_reaches_host),
	KUNIT_CASE(vbg_filter_or_and_not_in_one_call),
	KUNIT_CASE(vbg_filter_host_failure_rolls_back),
	KUNIT_CASE(vbg_filter_transport_failure_rolls_back),
	KUNIT_CASE(vbg_filter_close_drops_bits),
	KUNIT_CASE(vbg_close_survives_host_failure),
	KUNIT_CASE(vbg_set_caps_union),
	KUNIT_CASE(vbg_set_caps_host_failure_rolls_back),
	KUNIT_CASE(vbg_mouse_status_union_with_input),
	KUNIT_CASE(vbg_mouse_full_state_when_offered),
	KUNIT_CASE(vbg_acquire_mode_excludes_set_mode),
	KUNIT_CASE(vbg_acquire_one_owner),
	KUNIT_CASE(vbg_acquire_host_failure_rolls_back),
	KUNIT_CASE(vbg_isr_not_ours),
	KUNIT_CASE(vbg_isr_fast_ack),
	KUNIT_CASE(vbg_isr_fast_ack_refused_falls_back),
	KUNIT_CASE(vbg_isr_slow_ack),
	KUNIT_CASE(vbg_isr_ack_failure_delivers_nothing),
	KUNIT_CASE(vbg_isr_garbage_event_bits_dropped),
	KUNIT_CASE(vbg_isr_schedules_work),
	KUNIT_CASE_PARAM(vbg_dispatch_events_table, vbg_delivery_gen_params),
	KUNIT_CASE(vbg_dispatch_counts_dropped),
	KUNIT_CASE(vbg_acquired_event_only_to_owner),
	KUNIT_CASE(vbg_unowned_event_goes_to_next_owner),
	KUNIT_CASE(vbg_wait_completes_on_event),
	KUNIT_CASE(vbg_wait_ignores_other_events),
	KUNIT_CASE(vbg_wait_interrupted_by_other_thread),
	KUNIT_CASE(vbg_wait_ends_on_remove),
	KUNIT_CASE_SLOW(vbg_wait_cancel_race),
	KUNIT_CASE(vbg_wait_timeout),
	KUNIT_CASE(vbg_wait_returns_only_asked_bits),
	{}
};

static struct kunit_suite vbg_events_test_suite = {
	.name = "vboxguest_events",
	.init = vbg_test_host_init,
	.exit = vbg_test_host_exit,
	.test_cases = vbg_events_test_cases,
};

kunit_test_suite(vbg_events_test_suite);
