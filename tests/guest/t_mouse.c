// SPDX-License-Identifier: GPL-2.0
/*
 * t_mouse: mouse integration.  Raw get-mouse-status requests against the
 * emulator's position and host bits, the host's capability event, the
 * driver's absolute input device, and VBG_IOCTL_SET_MOUSE_STATUS (nr 15).
 */
#define _GNU_SOURCE
#include "vbgt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <linux/input.h>

#define MOUSE_GUEST_CAN_ABSOLUTE	0x001
#define MOUSE_HOST_WANTS_ABSOLUTE	0x002
#define MOUSE_GUEST_NEEDS_HOST_CURSOR	0x004
#define MOUSE_HOST_RECHECKS_CURSOR	0x020

/* VBG_IOCTL_SET_MOUSE_STATUS: used by VirtualBox's userspace. */
struct set_mouse_status {
	struct vbg_ioctl_hdr hdr;
	uint32_t mouse_status;
};
#define SET_MOUSE_STATUS	_IOWR('V', 15, struct set_mouse_status)

struct req_mouse {
	struct vbg_ioctl_hdr hdr;
	uint32_t features;
	int32_t x, y;
} __attribute__((packed));

static void get_mouse(int fd, struct req_mouse *m)
{
	vbgt_vmmreq_init(m, sizeof(*m), VMMDEVREQ_GET_MOUSE_STATUS);
	ASSERT_EQ(vbgt_vmmreq(fd, m, sizeof(*m)), 0);
	EXPECT_EQ(m->hdr.rc, VINF_SUCCESS);
}

static void user_position(void *arg)
{
	struct req_mouse m;
	int fd = vbgt_open(VBGT_NODE_USER);

	get_mouse(fd, &m);
	EXPECT_EQ(m.x, 1000);
	EXPECT_EQ(m.y, 2000);
	EXPECT(m.features & MOUSE_HOST_RECHECKS_CURSOR, "features %#x",
	       m.features);
	close(fd);
}

static void position_from_host(void)
{
	struct req_mouse m;
	int fd = vbgt_open(VBGT_NODE_ROOT);

	vbgt_ctl_ok("mouse 1000 2000");
	vbgt_run_as_user(user_position, NULL);
	vbgt_ctl_ok("mouse 40000 123");
	get_mouse(fd, &m);
	EXPECT_EQ(m.x, 40000);
	EXPECT_EQ(m.y, 123);
	close(fd);
}

static void host_caps_event(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	long long orig = vbgt_state("mouse_host");
	char restore[64];
	struct req_mouse m;
	uint32_t ev;

	snprintf(restore, sizeof(restore), "mouse-host-caps %#llx", orig);
	vbgt_ctl_at_end(restore);
	ASSERT_EQ(vbgt_change_filter(fd, VBGT_EV_MOUSE_CAPS, 0), 0);
	vbgt_wait_events(fd, VBGT_EV_MOUSE_CAPS, 0, NULL);
	vbgt_ctl_ok("mouse-host-caps %#llx", orig ^ MOUSE_HOST_WANTS_ABSOLUTE);
	EXPECT_EQ(vbgt_wait_events(fd, VBGT_EV_MOUSE_CAPS, 5000, &ev), 0);
	EXPECT(ev & VBGT_EV_MOUSE_CAPS, "events %#x", ev);
	get_mouse(fd, &m);
	EXPECT_EQ(m.features & MOUSE_HOST_WANTS_ABSOLUTE,
		  (orig ^ MOUSE_HOST_WANTS_ABSOLUTE) & MOUSE_HOST_WANTS_ABSOLUTE);
	close(fd);
}

/* sysfs name of the driver's input device ("inputN"), or 0. */
static int find_vbox_input(char *dev, size_t len)
{
	DIR *d = opendir("/sys/class/input");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char p[300], name[128] = "";
		FILE *f;

		if (strncmp(e->d_name, "input", 5))
			continue;
		snprintf(p, sizeof(p), "/sys/class/input/%s/name", e->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		if (!fgets(name, sizeof(name), f))
			name[0] = 0;
		fclose(f);
		if (strcasestr(name, "virtualbox") || strcasestr(name, "vbox")) {
			name[strcspn(name, "\n")] = 0;
			vbgt_diag("input device %s: %s", e->d_name, name);
			snprintf(dev, len, "%s", e->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

static void input_device_registered(void)
{
	char dev[300], p[600], caps[64] = "";
	unsigned long abs;
	FILE *f;

	ASSERT(find_vbox_input(dev, sizeof(dev)), "no VirtualBox input device");
	snprintf(p, sizeof(p), "/sys/class/input/%s/capabilities/abs", dev);
	f = fopen(p, "r");
	ASSERT(f, "%s: %s", p, strerror(errno));
	if (!fgets(caps, sizeof(caps), f))
		caps[0] = 0;
	fclose(f);
	abs = strtoul(caps, NULL, 16);
	/* Absolute X and Y. */
	EXPECT_EQ(abs & 0x3, 0x3);
}

/* The event node of the driver's input device, or -1. */
static int open_vbox_input(char *path, size_t len)
{
	char dev[300], p[600];
	struct dirent *e;
	int fd = -1;
	DIR *d;

	ASSERT(find_vbox_input(dev, sizeof(dev)), "no VirtualBox input device");
	snprintf(p, sizeof(p), "/sys/class/input/%s", dev);
	d = opendir(p);
	ASSERT(d, "%s: %s", p, strerror(errno));
	while (fd < 0 && (e = readdir(d))) {
		if (strncmp(e->d_name, "event", 5))
			continue;
		snprintf(path, len, "/dev/input/%s", e->d_name);
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		ASSERT(fd >= 0, "open %s: %s", path, strerror(errno));
	}
	closedir(d);
	if (fd < 0)
		vbgt_skip("no event handler on the input device (evdev not "
			  "loaded in the guest)");
	return fd;
}

static int wait_guest_bits(uint32_t mask, uint32_t want)
{
	uint64_t end = vbgt_now_ms() + 5000;

	do {
		if (((uint32_t)vbgt_state("mouse_guest") & mask) == want)
			return 1;
		vbgt_sleep_ms(50);
	} while (vbgt_now_ms() < end);
	return 0;
}

static void input_device_absolute(void)
{
	char path[300];
	int fd = open_vbox_input(path, sizeof(path)), x = -1, y = -1;
	uint64_t end;

	EXPECT(wait_guest_bits(MOUSE_GUEST_CAN_ABSOLUTE,
			       MOUSE_GUEST_CAN_ABSOLUTE),
	       "host never saw GUEST_CAN_ABSOLUTE while the device is open");
	vbgt_ctl_ok("mouse 12345 54321");
	end = vbgt_now_ms() + 5000;
	while ((x != 12345 || y != 54321) && vbgt_now_ms() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct input_event ev;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		while (read(fd, &ev, sizeof(ev)) == sizeof(ev)) {
			if (ev.type == EV_ABS && ev.code == ABS_X)
				x = ev.value;
			if (ev.type == EV_ABS && ev.code == ABS_Y)
				y = ev.value;
		}
	}
	EXPECT_EQ(x, 12345);
	EXPECT_EQ(y, 54321);
	close(fd);
	EXPECT(wait_guest_bits(MOUSE_GUEST_CAN_ABSOLUTE, 0),
	       "GUEST_CAN_ABSOLUTE still set after the device was closed");
}

static void set_mouse_status_ioctl(void)
{
	struct set_mouse_status s;
	int fd = vbgt_open(VBGT_NODE_ROOT), ret;

	vbgt_ref_defect("no VBG_IOCTL_SET_MOUSE_STATUS (nr 15)");
	memset(&s, 0, sizeof(s));
	vbgt_hdr(&s.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(s), sizeof(s.hdr));
	s.mouse_status = MOUSE_GUEST_NEEDS_HOST_CURSOR;
	ret = vbgt_ioctl(fd, SET_MOUSE_STATUS, &s);
	ASSERT_EQ(ret, 0);
	EXPECT_EQ(vbgt_state("mouse_guest") & MOUSE_GUEST_NEEDS_HOST_CURSOR,
		  MOUSE_GUEST_NEEDS_HOST_CURSOR);
	s.mouse_status = 0;
	ret = vbgt_ioctl(fd, SET_MOUSE_STATUS, &s);
	ASSERT_EQ(ret, 0);
	EXPECT_EQ(vbgt_state("mouse_guest") & MOUSE_GUEST_NEEDS_HOST_CURSOR, 0);
	close(fd);
}

/* The host refuses SetMouseStatus (2): errno, as for filter and caps. */
static void set_mouse_status_host_refusal_errno(void)
{
	struct set_mouse_status s;
	int fd = vbgt_open(VBGT_NODE_ROOT);

	vbgt_ref_defect("no VBG_IOCTL_SET_MOUSE_STATUS (nr 15)");
	vbgt_ctl_at_end("fault-clear");
	vbgt_ctl_ok("fault 2 1 %d", VERR_INVALID_PARAMETER);
	memset(&s, 0, sizeof(s));
	vbgt_hdr(&s.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(s), sizeof(s.hdr));
	s.mouse_status = MOUSE_GUEST_NEEDS_HOST_CURSOR;
	EXPECT_EQ(vbgt_ioctl(fd, SET_MOUSE_STATUS, &s), -EINVAL);
	EXPECT_EQ(s.hdr.rc, -1);
	EXPECT_EQ(vbgt_state("mouse_guest") & MOUSE_GUEST_NEEDS_HOST_CURSOR, 0);
	EXPECT_EQ(vbgt_ioctl(fd, SET_MOUSE_STATUS, &s), 0);
	EXPECT_EQ(vbgt_state("mouse_guest") & MOUSE_GUEST_NEEDS_HOST_CURSOR,
		  MOUSE_GUEST_NEEDS_HOST_CURSOR);
	close(fd);
	EXPECT(wait_guest_bits(MOUSE_GUEST_NEEDS_HOST_CURSOR, 0),
	       "GUEST_NEEDS_HOST_CURSOR still set after close");
}

static const struct vbgt_case cases[] = {
	VBGT_CASE(position_from_host),
	VBGT_CASE(host_caps_event),
	VBGT_CASE(input_device_registered),
	VBGT_CASE(input_device_absolute),
	VBGT_CASE(set_mouse_status_ioctl),
	VBGT_CASE(set_mouse_status_host_refusal_errno),
};

VBGT_SUITE("t_mouse", cases)
