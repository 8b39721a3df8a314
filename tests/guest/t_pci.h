/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the programs that take the device away and bring it back
 * (t_teardown, t_lifecycle): the VMMDev's sysfs directory, PCI remove and
 * rescan, "does the driver still work" and a watch on the kernel log for
 * sanitizer reports.
 */
#ifndef T_PCI_H
#define T_PCI_H

#include "vbgt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TPCI_SYSFS	"/sys/bus/pci/devices"
#define TPCI_PATH_MAX	512	/* a device directory */

/* One line of a sysfs or proc file into @buf; 0 on failure. */
static inline int tpci_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 1;
}

static inline int tpci_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0) {
		vbgt_diag("open %s: %s", path, strerror(errno));
		return 0;
	}
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	if (!ok)
		vbgt_diag("write %s to %s: %s", text, path, strerror(errno));
	close(fd);
	return ok;
}

/* The sysfs directory of the 80ee:cafe device into @dev; 0 if none. */
static inline int tpci_find(char *dev, size_t len)
{
	DIR *d = opendir(TPCI_SYSFS);
	struct dirent *e;
	char p[TPCI_PATH_MAX + 64], v[32], id[32];
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), TPCI_SYSFS "/%s/vendor", e->d_name);
		if (!tpci_read(p, v, sizeof(v)))
			continue;
		snprintf(p, sizeof(p), TPCI_SYSFS "/%s/device", e->d_name);
		if (!tpci_read(p, id, sizeof(id)))
			continue;
		if (!strcmp(v, "0x80ee") && !strcmp(id, "0xcafe")) {
			snprintf(dev, len, TPCI_SYSFS "/%s", e->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

/* Wait (30 s: the debug kernel is slow) for the nodes to come or go. */
static inline int tpci_wait_nodes(int present)
{
	uint64_t end = vbgt_now_ms() + 30000;

	do {
		int ok = access(VBGT_NODE_ROOT, F_OK) == 0 &&
			 access(VBGT_NODE_USER, F_OK) == 0;

		if (ok == present)
			return 1;
		vbgt_sleep_ms(20);
	} while (vbgt_now_ms() < end);
	return 0;
}

/* PCI remove through sysfs: the driver's remove runs before this returns. */
static inline int tpci_remove(const char *dev)
{
	char p[TPCI_PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/remove", dev);
	return tpci_write(p, "1");
}

/* PCI rescan: the device and its nodes are back. */
static inline int tpci_rescan(const char *dev)
{
	if (!tpci_write("/sys/bus/pci/rescan", "1"))
		return 0;
	if (access(dev, F_OK)) {
		vbgt_diag("%s missing after the rescan", dev);
		return 0;
	}
	return tpci_wait_nodes(1);
}

/* Route the device's interrupt to @cpu (best effort). */
static inline void tpci_irq_to_cpu(const char *dev, int cpu)
{
	char p[TPCI_PATH_MAX + 64], irq[32], c[16];

	snprintf(p, sizeof(p), "%s/irq", dev);
	if (!tpci_read(p, irq, sizeof(irq)))
		return;
	snprintf(p, sizeof(p), "/proc/irq/%s/smp_affinity_list", irq);
	snprintf(c, sizeof(c), "%d", cpu);
	tpci_write(p, c);
}

static inline int tpci_wait_state(const char *name, long long want)
{
	uint64_t end = vbgt_now_ms() + 30000;
	long long now;

	do {
		now = vbgt_state(name);
		if (now == want)
			return 1;
		vbgt_sleep_ms(50);
	} while (vbgt_now_ms() < end);
	vbgt_diag("host %s is %lld, expected %lld", name, now, want);
	return 0;
}

/*
 * The driver works: both nodes answer DRIVER_VERSION_INFO, the driver
 * facility is active, a host mouse move reaches a waiting session, and the
 * balloon follows the host's target up and down.
 */
static inline int tpci_driver_works(void)
{
	struct vbg_ioctl_driver_version_info v;
	const char *nodes[] = { VBGT_NODE_ROOT, VBGT_NODE_USER };
	int fd, i, ret;

	for (i = 0; i < 2; i++) {
		fd = open(nodes[i], O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			vbgt_diag("open %s: %s", nodes[i], strerror(errno));
			return 0;
		}
		memset(&v, 0, sizeof(v));
		vbgt_hdr(&v.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(v.hdr) + 16,
			 sizeof(v.hdr) + 20);
		v.u.in.req_version = VBG_IOC_VERSION;
		v.u.in.min_version = VBG_IOC_VERSION & 0xffff0000u;
		ret = vbgt_ioctl(fd, VBG_IOCTL_DRIVER_VERSION_INFO, &v);
		close(fd);
		if (ret || v.hdr.rc) {
			vbgt_diag("%s: DRIVER_VERSION_INFO %d rc %d", nodes[i],
				  ret, v.hdr.rc);
			return 0;
		}
	}
	if (vbgt_ctl_num("facility 20") != 50) {
		vbgt_diag("driver facility not active");
		return 0;
	}
	/* Filtering the balloon event as VBoxService does. */
	fd = vbgt_open(VBGT_NODE_ROOT);
	vbgt_change_filter(fd, VBGT_EV_BALLOON, 0);
	vbgt_ctl_ok("mouse 1000 2000");
	ret = vbgt_wait_events(fd, VBGT_EV_MOUSE_POS, 10000, NULL);
	if (ret) {
		vbgt_diag("no mouse event: %d", ret);
		close(fd);
		return 0;
	}
	vbgt_ctl_ok("balloon 1");
	ret = tpci_wait_state("balloon_pages", 256);
	vbgt_ctl_ok("balloon 0");
	ret = ret && tpci_wait_state("balloon_pages", 0);
	close(fd);
	return ret;
}

/* ------------------------------------------------------------ kernel log */

struct tpci_kmsg {
	int fd;
};

/* Watch the kernel log from now on. */
static inline void tpci_kmsg_open(struct tpci_kmsg *k)
{
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd >= 0)
		lseek(k->fd, 0, SEEK_END);
	else
		vbgt_diag("/dev/kmsg: %s", strerror(errno));
}

static inline void tpci_kmsg_close(struct tpci_kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

/*
 * Read the records logged since the last call; 0 if one of them is an
 * alarm (sanitizer, warning, oops, lockdep, hung task), which is printed
 * with up to 40 records after it.
 */
static inline int tpci_kmsg_clean(struct tpci_kmsg *k)
{
	static const char *const alarm[] = {
		"BUG:", "WARNING:", "KASAN", "UBSAN", "Oops", "general protection",
		"invalid opcode", "Kernel panic", "circular locking",
		"possible recursive locking", "INFO: task", "scheduling while atomic",
		"kmemleak", "nobody cared",
	};
	char rec[8192];
	int clean = 1, shown = 0;
	size_t i;
	ssize_t n;

	if (k->fd < 0)
		return 0;
	for (;;) {
		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		rec[strcspn(rec, "\n")] = '\0';
		for (i = 0; clean && i < sizeof(alarm) / sizeof(alarm[0]); i++)
			if (strstr(rec, alarm[i]))
				clean = 0;
		if (!clean && shown++ < 40)
			vbgt_diag("kmsg: %s", strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
	}
	return clean;
}

#endif /* T_PCI_H */
