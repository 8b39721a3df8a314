// SPDX-License-Identifier: GPL-2.0
/*
 * vbg_demo: runs inside the demo VM (make demo) and shows, in plain words,
 * the vboxguest driver at work against the VMMDev emulator: probe and host
 * version/features, the two device nodes, a raw request, heartbeats, events
 * waited for, an injected mouse move arriving as an input event, a balloon
 * inflate and deflate.  Each step is also a KTAP line so the runner counts
 * it.  The emulator is driven through its control channel (/dev/ttyS1).
 *
 * evdev.ko (not loaded by the runner) is embedded at build time
 * (EVDEV_KO) and loaded with init_module(2) for the mouse step.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <linux/vboxguest.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* evdev.ko, linked in by the Makefile. */
asm(".section .rodata\n"
    ".global vbg_evdev_ko\n"
    ".global vbg_evdev_ko_end\n"
    ".balign 16\n"
    "vbg_evdev_ko:\n"
    ".incbin \"" EVDEV_KO "\"\n"
    "vbg_evdev_ko_end:\n"
    ".previous\n");
extern const char vbg_evdev_ko[], vbg_evdev_ko_end[];

static int ctl_fd = -1;
static int step_no;
static int failures;

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("    # ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static void step(int ok, const char *name)
{
	printf("    %s %d %s\n", ok ? "ok" : "not ok", ++step_no, name);
	fflush(stdout);
	failures += !ok;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* Read one line from the control channel; 0 on success. */
static int ctl_line(char *buf, size_t len, int timeout_ms)
{
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd p = { .fd = ctl_fd, .events = POLLIN };
		char c;

		if (poll(&p, 1, timeout_ms) <= 0 || read(ctl_fd, &c, 1) != 1)
			return -1;
		if (c == '\r')
			continue;
		if (c == '\n') {
			if (!n)
				continue;
			break;
		}
		buf[n++] = c;
	}
	buf[n] = 0;
	return 0;
}

/*
 * Send a command; collect "name value" lines into @reply (may be NULL)
 * and return the final "ok ..." line's value part in @last.  0 on "ok".
 */
static int ctl(char *reply, size_t rlen, char *last, size_t llen,
	       const char *fmt, ...)
{
	char cmd[256], line[512];
	va_list ap;
	size_t used = 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
	va_end(ap);
	cmd[n++] = '\n';
	if (write(ctl_fd, cmd, n) != n)
		return -1;
	if (reply && rlen)
		reply[0] = 0;
	while (!ctl_line(line, sizeof(line), 5000)) {
		if (!strncmp(line, cmd, n - 1) && strlen(line) == (size_t)n - 1)
			continue;	/* an echo of our own command */
		if (!strcmp(line, "ok") || !strncmp(line, "ok ", 3)) {
			if (last)
				snprintf(last, llen, "%s", line[2] ? line + 3 : "");
			return 0;
		}
		if (!strncmp(line, "err", 3)) {
			say("emulator said: %s", line);
			return -1;
		}
		if (reply && used + strlen(line) + 2 < rlen)
			used += sprintf(reply + used, "%s\n", line);
	}
	return -1;
}

/* One "name value" from the emulator's state or counters. */
static long long emu_value(const char *cmd, const char *name)
{
	char reply[8192], *p;
	size_t len = strlen(name);

	if (ctl(reply, sizeof(reply), NULL, 0, "%s", cmd))
		return -1;
	for (p = reply; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, name, len) && p[len] == ' ')
			return strtoll(p + len + 1, NULL, 0);
	return -1;
}

static void vbg_hdr(struct vbg_ioctl_hdr *h, uint32_t type, uint32_t in,
		    uint32_t out)
{
	memset(h, 0, sizeof(*h));
	h->size_in = in;
	h->version = VBG_IOCTL_HDR_VERSION;
	h->type = type;
	h->rc = -1;
	h->size_out = out;
}

static void read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, len, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
}

static void show_probe(void)
{
	char ver[128], feat[64], path[512];
	struct dirent *e;
	DIR *d;
	int ok = 0;

	say("--- 1. probe: the driver found VMMDev (PCI 80ee:cafe) ---");
	fflush(stdout);
	if (system("dmesg | grep -i vboxguest | grep -v 'verification' | sed 's/^/    #   /'"))
		say("(no dmesg lines)");
	d = opendir("/sys/bus/pci/drivers/vboxguest");
	while (d && (e = readdir(d))) {
		if (!strchr(e->d_name, ':'))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/vboxguest/%s/host_version",
			 e->d_name);
		read_file(path, ver, sizeof(ver));
		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/vboxguest/%s/host_features",
			 e->d_name);
		read_file(path, feat, sizeof(feat));
		say("device %s: sysfs host_version = %s, host_features = %s",
		    e->d_name, ver, feat);
		say("(feature bits: 0x1 page lists, 0x2 embedded buffers, 0x4 contiguous,");
		say(" 0x8 no-bounce page lists, 0x80000000 fast interrupt acknowledge)");
		ok = ver[0] && feat[0];
	}
	if (d)
		closedir(d);
	step(ok, "probe_host_version_and_features");
}

static void show_nodes(void)
{
	struct stat a, b;
	int ok;

	say("--- 2. the two device nodes ---");
	ok = !stat("/dev/vboxguest", &a) && !stat("/dev/vboxuser", &b);
	if (ok) {
		say("/dev/vboxguest: char %u:%u mode %04o (root only: trusted node)",
		    major(a.st_rdev), minor(a.st_rdev), a.st_mode & 07777);
		say("/dev/vboxuser:  char %u:%u mode %04o (everyone: less trusted node)",
		    major(b.st_rdev), minor(b.st_rdev), b.st_mode & 07777);
		ok = (a.st_mode & 07777) == 0600 && (b.st_mode & 07777) == 0666;
	}
	step(ok, "device_nodes_0600_0666");
}

struct host_version_req {
	struct vbg_ioctl_hdr hdr;
	uint16_t major, minor;
	uint32_t build, revision, features;
};

static void show_raw_request(void)
{
	struct host_version_req r;
	char last[64] = "";
	int fd = open("/dev/vboxuser", O_RDWR), ret;

	say("--- 3. a raw VMMDev request from userspace (GetHostVersion, type 4) ---");
	vbg_hdr(&r.hdr, 4, sizeof(r), 0);
	r.hdr.reserved = 0x7;	/* a spoofed requestor: the driver overrides it */
	ret = fd < 0 ? -1 : ioctl(fd, VBG_IOCTL_VMMDEV_REQUEST(sizeof(r)), &r);
	if (!ret)
		say("ioctl VBG_IOCTL_VMMDEV_REQUEST: host rc %d, host %u.%u.%u r%u, features %#x",
		    r.hdr.rc, r.major, r.minor, r.build, r.revision, r.features);
	else
		say("ioctl failed: %s", strerror(errno));
	ctl(NULL, 0, last, sizeof(last), "last-requestor 4");
	say("the requestor the host saw: %s (we sent 0x7; the driver put in the session's:",
	    last);
	say(" 0x8 user mode, 0x6 or 0x3 user/root, 0x8000 came through /dev/vboxuser)");
	step(!ret && r.hdr.rc == 0, "raw_request_get_host_version");
	if (fd >= 0)
		close(fd);
}

static void show_heartbeat(void)
{
	char last[256] = "";
	unsigned long long count = 0, first = 0, lastns = 0, interval = 0;
	int enabled = 0;

	say("--- 4. heartbeats: one per host interval ---");
	ctl(NULL, 0, NULL, 0, "reset-counters");
	sleep(3);
	if (!ctl(NULL, 0, last, sizeof(last), "heartbeat-stats"))
		sscanf(last, "%llu %llu %llu %llu %d", &count, &first, &lastns,
		       &interval, &enabled);
	say("host interval %llu ms, monitoring %s; %llu heartbeats in the last 3 s",
	    interval / 1000000, enabled ? "on" : "off", count);
	if (count > 1)
		say("spacing between first and last: %.3f s for %llu intervals",
		    (lastns - first) / 1e9, count - 1);
	step(enabled && count >= 2 && count <= 4, "heartbeat_rate");
}

static void show_events(void)
{
	struct vbg_ioctl_change_filter f;
	struct vbg_ioctl_wait_for_events w;
	int fd = open("/dev/vboxuser", O_RDWR), ret;
	uint64_t t0;

	say("--- 5. events waited for ---");
	vbg_hdr(&f.hdr, 0, sizeof(f), sizeof(f.hdr));
	f.u.in.or_mask = 0x4;	/* DISPLAY_CHANGE_REQUEST */
	f.u.in.not_mask = 0;
	ret = ioctl(fd, VBG_IOCTL_CHANGE_FILTER_MASK, &f);
	say("session asks for DISPLAY_CHANGE_REQUEST (0x4): %s", ret ? strerror(errno) : "ok");

	vbg_hdr(&w.hdr, 0, sizeof(w.hdr) + sizeof(w.u.in), sizeof(w.hdr) + sizeof(w.u.out));
	w.u.in.timeout_ms = 0;
	w.u.in.events = 0x4;
	ret = ioctl(fd, VBG_IOCTL_WAIT_FOR_EVENTS, &w);
	say("wait with timeout 0 before anything happened: %s",
	    ret ? strerror(errno) : "got an event?");

	ctl(NULL, 0, NULL, 0, "display 1280 1024 32");
	say("emulator: the host posts a display change (1280x1024x32)");
	vbg_hdr(&w.hdr, 0, sizeof(w.hdr) + sizeof(w.u.in), sizeof(w.hdr) + sizeof(w.u.out));
	w.u.in.timeout_ms = 5000;
	w.u.in.events = 0x4;
	t0 = now_ms();
	ret = ioctl(fd, VBG_IOCTL_WAIT_FOR_EVENTS, &w);
	say("VBG_IOCTL_WAIT_FOR_EVENTS returned %s, events %#x, after %llu ms",
	    ret ? strerror(errno) : "ok", ret ? 0 : w.u.out.events,
	    (unsigned long long)(now_ms() - t0));
	step(!ret && w.u.out.events == 0x4, "wait_for_events");
	close(fd);
}

/* The input device of the driver, opened; -1 if none. */
static int open_input(char *name, size_t len)
{
	char p[300], dev[300];
	struct dirent *e;
	DIR *d = opendir("/sys/class/input");
	int fd = -1;

	while (d && fd < 0 && (e = readdir(d))) {
		if (strncmp(e->d_name, "event", 5))
			continue;
		snprintf(p, sizeof(p), "/sys/class/input/%s/device/name", e->d_name);
		read_file(p, name, len);
		if (!strcasestr(name, "virtualbox"))
			continue;
		snprintf(dev, sizeof(dev), "/dev/input/%s", e->d_name);
		fd = open(dev, O_RDONLY | O_NONBLOCK);
	}
	if (d)
		closedir(d);
	return fd;
}

static void show_mouse(void)
{
	size_t ko_len = vbg_evdev_ko_end - vbg_evdev_ko;
	char name[128] = "";
	uint64_t end;
	int fd, x = -1, y = -1, i;

	say("--- 6. mouse integration: host pointer -> absolute input device ---");
	if (syscall(SYS_init_module, vbg_evdev_ko, ko_len, "") && errno != EEXIST)
		say("loading evdev.ko: %s", strerror(errno));
	for (i = 0, fd = -1; fd < 0 && i < 20; i++) {
		fd = open_input(name, sizeof(name));
		if (fd < 0)
			usleep(100000);
	}
	if (fd < 0) {
		say("no VirtualBox input device found");
		step(0, "mouse_move_input_event");
		return;
	}
	usleep(300000);
	say("opened input device \"%s\"; host now sees guest mouse bits %#llx (0x1 = can absolute)",
	    name, emu_value("state", "mouse_guest"));
	ctl(NULL, 0, NULL, 0, "mouse 40000 20000");
	say("emulator: the host moves the pointer to (40000, 20000) of 65535");
	end = now_ms() + 5000;
	while ((x != 40000 || y != 20000) && now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct input_event ev;

		if (poll(&p, 1, 200) <= 0)
			continue;
		while (read(fd, &ev, sizeof(ev)) == sizeof(ev)) {
			if (ev.type == EV_ABS && ev.code == ABS_X)
				x = ev.value;
			if (ev.type == EV_ABS && ev.code == ABS_Y)
				y = ev.value;
		}
	}
	say("input events read: ABS_X %d, ABS_Y %d", x, y);
	close(fd);
	step(x == 40000 && y == 20000, "mouse_move_input_event");
}

static long meminfo_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key) + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/* Wait until the host holds @pages balloon pages; returns what it holds. */
static long long wait_balloon(long long pages)
{
	uint64_t end = now_ms() + 15000;
	long long got;

	do {
		got = emu_value("state", "balloon_pages");
		if (got == pages)
			break;
		usleep(100000);
	} while (now_ms() < end);
	return got;
}

static void show_balloon(void)
{
	long free0 = meminfo_kb("MemFree:"), free1, free2;
	long long pages;
	int ok;

	say("--- 7. memory balloon: inflate to 32 MiB, then deflate ---");
	say("guest MemFree before: %ld MiB", free0 / 1024);
	ctl(NULL, 0, NULL, 0, "balloon 32");
	pages = wait_balloon(32 * 256);
	free1 = meminfo_kb("MemFree:");
	say("host asked for 32 chunks of 1 MiB; host now holds %lld pages (%lld MiB); "
	    "guest MemFree %ld MiB", pages, pages / 256, free1 / 1024);
	ok = pages == 32 * 256;
	ctl(NULL, 0, NULL, 0, "balloon 0");
	pages = wait_balloon(0);
	free2 = meminfo_kb("MemFree:");
	say("host asked for 0: host holds %lld pages; guest MemFree %ld MiB", pages,
	    free2 / 1024);
	say("emulator counted %lld inflate and %lld deflate requests",
	    emu_value("counters", "balloon.inflates"),
	    emu_value("counters", "balloon.deflates"));
	step(ok && pages == 0, "balloon_inflate_deflate");
}

static void show_stats(void)
{
	say("--- 8. the driver's own counters (debugfs vboxguest/stats) ---");
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	fflush(stdout);
	if (system("sed 's/^/    #   /' /sys/kernel/debug/vboxguest/stats"))
		say("(no stats file)");
}

int main(void)
{
	const char *path = getenv("VBG_CTL") ? getenv("VBG_CTL") : "/dev/ttyS1";

	printf("    KTAP version 1\n    # Subtest: vbg_demo\n    1..7\n");
	ctl_fd = open(path, O_RDWR | O_NOCTTY);
	if (ctl_fd < 0)
		say("cannot open the emulator's control channel %s: %s", path,
		    strerror(errno));
	show_probe();
	show_nodes();
	show_raw_request();
	show_heartbeat();
	show_events();
	show_mouse();
	show_balloon();
	show_stats();
	say("demo done: %d of %d steps worked", step_no - failures, step_no);
	return failures ? 1 : 0;
}
