// SPDX-License-Identifier: GPL-2.0
/*
 * t_mouse: mouse integration.  Raw get-mouse-status requests against the
 * emulator's position and host bits, the host's capability event, the
 * driver's absolute input device, the full-state protocol (wheels and
 * buttons through GetMouseStatusEx, 223) with and without the host's
 * offer, and VBG_IOCTL_SET_MOUSE_STATUS (nr 15).
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
#define MOUSE_GUEST_FULL_STATE		0x080
#define MOUSE_HOST_FULL_STATE		0x100

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

/* The emulator's host-owned mouse bits, put back when the case ends. */
static long long host_bits_saved(void)
{
	long long orig = vbgt_state("mouse_host");
	char restore[64];

	snprintf(restore, sizeof(restore), "mouse-host-caps %#llx", orig);
	vbgt_ctl_at_end(restore);
	return orig;
}

static void host_caps_event(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	long long orig = host_bits_saved();
	struct req_mouse m;
	uint32_t ev;

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

/* The events of one evdev report, up to its SYN_REPORT. */
#define FRAME_MAX	32
struct frame {
	struct input_event ev[FRAME_MAX];
	int n;
};

/* Does @f hold an event @type/@code (of @value unless @any)? */
static int frame_has(const struct frame *f, int type, int code, int value,
		     int any)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (f->ev[i].type == type && f->ev[i].code == code &&
		    (any || f->ev[i].value == value))
			return 1;
	return 0;
}

/* Does @f hold any event of @type? */
static int frame_has_type(const struct frame *f, int type)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (f->ev[i].type == type)
			return 1;
	return 0;
}

/* Read reports until one moves the pointer to @x/@y (5 s); 0 if none. */
static int frame_at(int fd, int x, int y, struct frame *f)
{
	uint64_t end = vbgt_now_ms() + 5000;

	f->n = 0;
	while (vbgt_now_ms() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct input_event ev;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		while (read(fd, &ev, sizeof(ev)) == sizeof(ev)) {
			if (ev.type != EV_SYN) {
				if (f->n < FRAME_MAX)
					f->ev[f->n++] = ev;
				continue;
			}
			if (ev.code == SYN_REPORT &&
			    frame_has(f, EV_ABS, ABS_X, x, 0) &&
			    frame_has(f, EV_ABS, ABS_Y, y, 0))
				return 1;
			f->n = 0;
		}
	}
	return 0;
}

static int has_bit(const unsigned char *bits, int bit)
{
	return bits[bit / 8] & (1 << (bit % 8));
}

/*
 * The host offers the full-state protocol (0x100): while the input device
 * is open the driver says it uses it (0x80) and reads GetMouseStatusEx;
 * wheel turns and each button's press and release arrive in the report
 * that carries the position.  The spec gives no wheel direction: the
 * driver takes a positive dz as a turn towards the user (REL_WHEEL
 * negative) and a positive dw as one to the right (REL_HWHEEL positive).
 */
static void full_state_wheels_and_buttons(void)
{
	static const struct { const char *name; int key; } buttons[] = {
		{ "left", BTN_LEFT }, { "right", BTN_RIGHT },
		{ "middle", BTN_MIDDLE }, { "X1", BTN_SIDE },
		{ "X2", BTN_EXTRA },
	};
	static const struct { const char *name; int dz, dw, code, value; }
	wheels[] = {
		{ "wheel up", -1, 0, REL_WHEEL, 1 },
		{ "wheel down", 2, 0, REL_WHEEL, -2 },
		{ "hwheel right", 0, 3, REL_HWHEEL, 3 },
		{ "hwheel left", 0, -1, REL_HWHEEL, -1 },
	};
	unsigned char relbits[REL_CNT / 8 + 1] = { 0 }, keybits[KEY_CNT / 8 + 1] = { 0 };
	long long orig = host_bits_saved(), ex;
	int fd, x = 1, i, press;
	struct frame f;
	char path[300];
	size_t k;

	vbgt_ref_defect("no full-state mouse protocol (GetMouseStatusEx 223, "
			"VirtualBox 7.0+)");
	vbgt_ctl_at_end("mouse 0 0 0 0 0");
	vbgt_ctl_ok("mouse-host-caps %#llx", orig | MOUSE_HOST_FULL_STATE);
	fd = open_vbox_input(path, sizeof(path));
	ASSERT(wait_guest_bits(MOUSE_GUEST_CAN_ABSOLUTE | MOUSE_GUEST_FULL_STATE,
			       MOUSE_GUEST_CAN_ABSOLUTE | MOUSE_GUEST_FULL_STATE),
	       "host never saw GUEST_USES_FULL_STATE_PROTOCOL: guest bits %#llx",
	       vbgt_state("mouse_guest"));
	ASSERT(ioctl(fd, EVIOCGBIT(EV_REL, sizeof(relbits)), relbits) >= 0,
	       "EVIOCGBIT: %s", strerror(errno));
	ASSERT(ioctl(fd, EVIOCGBIT(EV_KEY, sizeof(keybits)), keybits) >= 0,
	       "EVIOCGBIT: %s", strerror(errno));
	EXPECT(has_bit(relbits, REL_WHEEL) && has_bit(relbits, REL_HWHEEL),
	       "no REL_WHEEL/REL_HWHEEL");
	for (k = 0; k < sizeof(buttons) / sizeof(buttons[0]); k++)
		EXPECT(has_bit(keybits, buttons[k].key), "no key for %s",
		       buttons[k].name);
	ex = vbgt_counter("req.223");
	/* Whatever earlier cases left on the host goes with this report. */
	vbgt_ctl_ok("mouse 1 1 0 0 0");
	ASSERT(frame_at(fd, 1, 1, &f), "the position did not arrive");
	for (k = 0; k < sizeof(wheels) / sizeof(wheels[0]); k++) {
		x += 100;
		vbgt_ctl_ok("mouse %d %d %d %d 0", x, 2 * x, wheels[k].dz,
			    wheels[k].dw);
		if (!frame_at(fd, x, 2 * x, &f)) {
			EXPECT(0, "%s: the position did not arrive", wheels[k].name);
			continue;
		}
		EXPECT(frame_has(&f, EV_REL, wheels[k].code, wheels[k].value, 0),
		       "%s: no REL %d of %d with the position", wheels[k].name,
		       wheels[k].code, wheels[k].value);
		EXPECT(!frame_has_type(&f, EV_KEY), "%s: a key event",
		       wheels[k].name);
	}
	for (k = 0; k < sizeof(buttons) / sizeof(buttons[0]); k++) {
		for (press = 1; press >= 0; press--) {
			x += 100;
			vbgt_ctl_ok("mouse %d %d 0 0 %#x", x, 2 * x,
				    press ? 1u << k : 0);
			if (!frame_at(fd, x, 2 * x, &f)) {
				EXPECT(0, "%s %s: the position did not arrive",
				       buttons[k].name, press ? "press" : "release");
				continue;
			}
			EXPECT(frame_has(&f, EV_KEY, buttons[k].key, press, 0),
			       "%s %s: no key %d = %d with the position",
			       buttons[k].name, press ? "press" : "release",
			       buttons[k].key, press);
			for (i = 0; i < f.n; i++)
				EXPECT(f.ev[i].type != EV_REL &&
				       (f.ev[i].type != EV_KEY ||
					f.ev[i].code == buttons[k].key),
				       "%s: another event %d/%d", buttons[k].name,
				       f.ev[i].type, f.ev[i].code);
		}
	}
	EXPECT(vbgt_counter("req.223") > ex, "the host saw no GetMouseStatusEx");
	close(fd);
	EXPECT(wait_guest_bits(MOUSE_GUEST_FULL_STATE, 0),
	       "GUEST_USES_FULL_STATE_PROTOCOL still set after the close");
}

/*
 * The host does not offer the full-state protocol: the driver keeps to
 * GetMouseStatus, the position alone arrives, and the host never sees 223
 * (wheel and buttons it holds are not the guest's business).
 */
static void no_full_state_position_only(void)
{
	long long orig = host_bits_saved(), ex = vbgt_counter("req.223"), reads;
	struct frame f;
	char path[300];
	int fd;

	/* Cancel the deltas this case leaves unread, release the buttons. */
	vbgt_ctl_at_end("mouse 0 0 1 -2 0");
	vbgt_ctl_ok("mouse-host-caps %#llx", orig & ~MOUSE_HOST_FULL_STATE);
	fd = open_vbox_input(path, sizeof(path));
	ASSERT(wait_guest_bits(MOUSE_GUEST_CAN_ABSOLUTE | MOUSE_GUEST_FULL_STATE,
			       MOUSE_GUEST_CAN_ABSOLUTE),
	       "guest bits %#llx, not GUEST_CAN_ABSOLUTE alone",
	       vbgt_state("mouse_guest"));
	reads = vbgt_counter("req.1");
	vbgt_ctl_ok("mouse 3000 4000 -1 2 0x1f");
	ASSERT(frame_at(fd, 3000, 4000, &f), "the position did not arrive");
	EXPECT(!frame_has_type(&f, EV_REL) && !frame_has_type(&f, EV_KEY),
	       "a wheel or button event without the full-state protocol");
	vbgt_ctl_ok("mouse 3100 4100 0 0 0");
	ASSERT(frame_at(fd, 3100, 4100, &f), "the position did not arrive");
	EXPECT(!frame_has_type(&f, EV_REL) && !frame_has_type(&f, EV_KEY),
	       "a wheel or button event without the full-state protocol");
	EXPECT(vbgt_counter("req.1") >= reads + 2, "GetMouseStatus not read");
	EXPECT_EQ(vbgt_counter("req.223"), ex);
	close(fd);
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
	VBGT_CASE(full_state_wheels_and_buttons),
	VBGT_CASE(no_full_state_position_only),
	VBGT_CASE(set_mouse_status_ioctl),
	VBGT_CASE(set_mouse_status_host_refusal_errno),
};

VBGT_SUITE("t_mouse", cases)
