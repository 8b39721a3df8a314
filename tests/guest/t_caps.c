// SPDX-License-Identifier: GPL-2.0
/*
 * t_caps: VBG_IOCTL_CHANGE_GUEST_CAPABILITIES (set mode, per-session
 * bookkeeping, what the host sees) and VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES
 * (acquire mode, a conflict between two sessions).  Set-mode cases use
 * seamless (0x1) and graphics (0x4); acquire-mode cases use host window
 * mapping (0x2), because acquire mode is sticky for the driver's lifetime.
 */
#include "vbgt.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define CAP_SEAMLESS	0x1
#define CAP_HOSTWIN	0x2
#define CAP_GRAPHICS	0x4

static int set_caps(int fd, uint32_t or_mask, uint32_t not_mask,
		    uint32_t *session, uint32_t *global)
{
	struct vbg_ioctl_set_guest_caps c;
	int ret;

	memset(&c, 0, sizeof(c));
	vbgt_hdr(&c.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(c), sizeof(c));
	c.u.in.or_mask = or_mask;
	c.u.in.not_mask = not_mask;
	ret = vbgt_ioctl(fd, VBG_IOCTL_CHANGE_GUEST_CAPABILITIES, &c);
	if (session)
		*session = c.u.out.session_caps;
	if (global)
		*global = c.u.out.global_caps;
	return ret;
}

static long long host_caps(void)
{
	return vbgt_state("caps");
}

static void set_caps_reach_host(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t s, g;

	ASSERT_EQ(host_caps() & CAP_SEAMLESS, 0);
	ASSERT_EQ(set_caps(fd, CAP_SEAMLESS, 0, &s, &g), 0);
	EXPECT_EQ(s, CAP_SEAMLESS);
	EXPECT_EQ(g & CAP_SEAMLESS, CAP_SEAMLESS);
	EXPECT_EQ(host_caps() & CAP_SEAMLESS, CAP_SEAMLESS);
	ASSERT_EQ(set_caps(fd, 0, CAP_SEAMLESS, &s, &g), 0);
	EXPECT_EQ(s, 0);
	EXPECT_EQ(g & CAP_SEAMLESS, 0);
	EXPECT_EQ(host_caps() & CAP_SEAMLESS, 0);
	close(fd);
}

static void set_caps_dropped_on_close(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT);

	ASSERT_EQ(set_caps(fd, CAP_GRAPHICS, 0, NULL, NULL), 0);
	EXPECT_EQ(host_caps() & CAP_GRAPHICS, CAP_GRAPHICS);
	close(fd);
	EXPECT_EQ(host_caps() & CAP_GRAPHICS, 0);
}

static void set_caps_two_sessions(void)
{
	int a = vbgt_open(VBGT_NODE_USER), b = vbgt_open(VBGT_NODE_USER);
	uint32_t s, g;

	ASSERT_EQ(set_caps(a, CAP_SEAMLESS | CAP_GRAPHICS, 0, &s, &g), 0);
	ASSERT_EQ(set_caps(b, CAP_SEAMLESS, 0, &s, &g), 0);
	EXPECT_EQ(s, CAP_SEAMLESS);
	EXPECT_EQ(g & (CAP_SEAMLESS | CAP_GRAPHICS),
		  CAP_SEAMLESS | CAP_GRAPHICS);
	/* a drops seamless: b still holds it. */
	ASSERT_EQ(set_caps(a, 0, CAP_SEAMLESS, &s, &g), 0);
	EXPECT_EQ(s, CAP_GRAPHICS);
	EXPECT_EQ(host_caps() & (CAP_SEAMLESS | CAP_GRAPHICS),
		  CAP_SEAMLESS | CAP_GRAPHICS);
	close(b);
	EXPECT_EQ(host_caps() & (CAP_SEAMLESS | CAP_GRAPHICS), CAP_GRAPHICS);
	close(a);
	EXPECT_EQ(host_caps() & (CAP_SEAMLESS | CAP_GRAPHICS), 0);
}

static void set_caps_bad_bits_einval(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	long long before = vbgt_counter("req.56");

	EXPECT_EQ(set_caps(fd, 0x100, 0, NULL, NULL), -EINVAL);
	EXPECT_EQ(set_caps(fd, 0, 0x80000000u, NULL, NULL), -EINVAL);
	EXPECT_EQ(vbgt_counter("req.56"), before);
	close(fd);
}

static void acquire_conflict(void)
{
	int a = vbgt_open(VBGT_NODE_USER), b = vbgt_open(VBGT_NODE_USER);

	/* Put host window mapping into acquire mode. */
	ASSERT_EQ(vbgt_acquire_caps(a, VBGL_IOC_AGC_FLAGS_CONFIG_ACQUIRE_MODE,
			       CAP_HOSTWIN, 0), 0);
	ASSERT_EQ(vbgt_acquire_caps(a, 0, CAP_HOSTWIN, 0), 0);
	EXPECT_EQ(host_caps() & CAP_HOSTWIN, CAP_HOSTWIN);
	/* Another session cannot take it while a holds it. */
	EXPECT_EQ(vbgt_acquire_caps(b, 0, CAP_HOSTWIN, 0), -EBUSY);
	EXPECT_EQ(host_caps() & CAP_HOSTWIN, CAP_HOSTWIN);
	/* a releases it; b gets it. */
	ASSERT_EQ(vbgt_acquire_caps(a, 0, 0, CAP_HOSTWIN), 0);
	EXPECT_EQ(host_caps() & CAP_HOSTWIN, 0);
	EXPECT_EQ(vbgt_acquire_caps(b, 0, CAP_HOSTWIN, 0), 0);
	EXPECT_EQ(host_caps() & CAP_HOSTWIN, CAP_HOSTWIN);
	EXPECT_EQ(vbgt_acquire_caps(a, 0, CAP_HOSTWIN, 0), -EBUSY);
	/* Closing the holder frees it. */
	close(b);
	EXPECT_EQ(host_caps() & CAP_HOSTWIN, 0);
	EXPECT_EQ(vbgt_acquire_caps(a, 0, CAP_HOSTWIN, 0), 0);
	close(a);
	EXPECT_EQ(host_caps() & CAP_HOSTWIN, 0);
}

static void acquire_mode_cap_not_settable(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);

	/* CAP_HOSTWIN is in acquire mode since acquire_conflict. */
	ASSERT_EQ(vbgt_acquire_caps(fd, VBGL_IOC_AGC_FLAGS_CONFIG_ACQUIRE_MODE,
			       CAP_HOSTWIN, 0), 0);
	EXPECT_EQ(set_caps(fd, CAP_HOSTWIN, 0, NULL, NULL), -EBUSY);
	EXPECT_EQ(host_caps() & CAP_HOSTWIN, 0);
	close(fd);
}

static void acquire_bad_flags_einval(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);

	EXPECT_EQ(vbgt_acquire_caps(fd, 0x2, CAP_HOSTWIN, 0), -EINVAL);
	EXPECT_EQ(vbgt_acquire_caps(fd, 0, 0x100, 0), -EINVAL);
	EXPECT_EQ(host_caps() & CAP_HOSTWIN, 0);
	close(fd);
}

/*
 * A host refusing SetGuestCapabilities (56): the ioctl fails with the
 * errno of the host's status, as the reference's does (the header is not
 * copied back), nothing is left half-done, the same call works afterwards.
 */
static void set_caps_host_refusal_errno(void)
{
	struct vbg_ioctl_set_guest_caps c;
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t s, g;

	vbgt_ctl_at_end("fault-clear");
	vbgt_ctl_ok("fault 56 1 %d", VERR_INVALID_PARAMETER);
	memset(&c, 0, sizeof(c));
	vbgt_hdr(&c.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(c), sizeof(c));
	c.u.in.or_mask = CAP_SEAMLESS;
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_CHANGE_GUEST_CAPABILITIES, &c),
		  -EINVAL);
	EXPECT_EQ(c.hdr.rc, -1);
	EXPECT_EQ(host_caps() & CAP_SEAMLESS, 0);
	ASSERT_EQ(set_caps(fd, CAP_SEAMLESS, 0, &s, &g), 0);
	EXPECT_EQ(s, CAP_SEAMLESS);
	EXPECT_EQ(g & CAP_SEAMLESS, CAP_SEAMLESS);
	EXPECT_EQ(host_caps() & CAP_SEAMLESS, CAP_SEAMLESS);
	close(fd);
	EXPECT_EQ(host_caps() & CAP_SEAMLESS, 0);
}

static void acquire_host_refusal_errno(void)
{
	struct vbg_ioctl_acquire_guest_caps c;
	int a = vbgt_open(VBGT_NODE_USER), b = vbgt_open(VBGT_NODE_USER);

	/* CAP_HOSTWIN is in acquire mode since acquire_conflict. */
	ASSERT_EQ(vbgt_acquire_caps(a, VBGL_IOC_AGC_FLAGS_CONFIG_ACQUIRE_MODE,
			       CAP_HOSTWIN, 0), 0);
	vbgt_ctl_at_end("fault-clear");
	vbgt_ctl_ok("fault 56 1 %d", VERR_INVALID_PARAMETER);
	memset(&c, 0, sizeof(c));
	vbgt_hdr(&c.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(c), sizeof(c.hdr));
	c.u.in.or_mask = CAP_HOSTWIN;
	EXPECT_EQ(vbgt_ioctl(a, VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES, &c),
		  -EINVAL);
	EXPECT_EQ(c.hdr.rc, -1);
	EXPECT_EQ(host_caps() & CAP_HOSTWIN, 0);
	/* a does not hold it: b can take it, then a cannot. */
	EXPECT_EQ(vbgt_acquire_caps(b, 0, CAP_HOSTWIN, 0), 0);
	EXPECT_EQ(host_caps() & CAP_HOSTWIN, CAP_HOSTWIN);
	EXPECT_EQ(vbgt_acquire_caps(a, 0, CAP_HOSTWIN, 0), -EBUSY);
	/* A refused release leaves it held. */
	vbgt_ctl_ok("fault 56 1 %d", VERR_INVALID_PARAMETER);
	EXPECT_EQ(vbgt_acquire_caps(b, 0, 0, CAP_HOSTWIN), -EINVAL);
	EXPECT_EQ(host_caps() & CAP_HOSTWIN, CAP_HOSTWIN);
	EXPECT_EQ(vbgt_acquire_caps(a, 0, CAP_HOSTWIN, 0), -EBUSY);
	close(b);
	EXPECT_EQ(host_caps() & CAP_HOSTWIN, 0);
	close(a);
}

static const struct vbgt_case cases[] = {
	VBGT_CASE(set_caps_reach_host),
	VBGT_CASE(set_caps_dropped_on_close),
	VBGT_CASE(set_caps_two_sessions),
	VBGT_CASE(set_caps_bad_bits_einval),
	VBGT_CASE(acquire_conflict),
	VBGT_CASE(acquire_mode_cap_not_settable),
	VBGT_CASE(acquire_bad_flags_einval),
	VBGT_CASE(set_caps_host_refusal_errno),
	VBGT_CASE(acquire_host_refusal_errno),
};

VBGT_SUITE("t_caps", cases)
