// SPDX-License-Identifier: GPL-2.0
/*
 * t_unload: what the host sees when the driver goes away and comes back.
 * Runs last in its boot: it removes and reloads the module under test
 * (the runner puts it at /lib/modules/test/vboxguest.ko) and leaves it
 * loaded.  Covers: the balloon returned and the driver facility reported
 * inactive at rmmod, a clean re-probe, the acknowledge path chosen from
 * the host features at probe (request 41 without VMMDEV_HVF_FAST_IRQ_ACK),
 * and repeated load/unload cycles with sessions, a pending wait and an
 * inflated balloon.
 */
#define _GNU_SOURCE
#include "vbgt.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MODULE_NAME	"vboxguest"
#define MODULE_PATH	"/lib/modules/test/vboxguest.ko"
#define FACILITY_DRIVER	20
#define STATUS_ACTIVE	50
#define STATUS_INACTIVE	0
#define PAGES_PER_CHUNK	256

static int module_loaded(void)
{
	return access("/sys/module/" MODULE_NAME "/initstate", F_OK) == 0;
}

static int wait_nodes(int present)
{
	uint64_t end = vbgt_now_ms() + 5000;

	do {
		int ok = access(VBGT_NODE_ROOT, F_OK) == 0 &&
			 access(VBGT_NODE_USER, F_OK) == 0;

		if (ok == present)
			return 1;
		vbgt_sleep_ms(20);
	} while (vbgt_now_ms() < end);
	return 0;
}

static int unload(void)
{
	if (syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK))
		return -errno;
	return 0;
}

static int load(void)
{
	int fd = open(MODULE_PATH, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0))
		ret = -errno;
	close(fd);
	if (!ret) {
		if (!wait_nodes(1))
			return -ENODEV;
		/* What the distro's udev rule does for the reference. */
		if (vbgt_is_reference())
			chmod(VBGT_NODE_USER, 0666);
	}
	return ret;
}

static int wait_pages(long long pages)
{
	uint64_t end = vbgt_now_ms() + 15000;
	long long now;

	do {
		now = vbgt_state("balloon_pages");
		if (now == pages)
			return 1;
		vbgt_sleep_ms(50);
	} while (vbgt_now_ms() < end);
	vbgt_diag("host holds %lld balloon pages, expected %lld", now, pages);
	return 0;
}

/* A driver built into the kernel (the debug kernel) cannot go away. */
static void require_module_file(void)
{
	if (access(MODULE_PATH, R_OK))
		vbgt_skip(MODULE_PATH " not in the guest (driver built in?)");
}

static void require_module(void)
{
	require_module_file();
	ASSERT(module_loaded(), "module " MODULE_NAME " is not loaded");
}

/*
 * What rmmod_with_inflated_balloon saw, for the cases after it (each case
 * is a process of its own): written only once the balloon was inflated
 * and the module removed.
 */
#define RMMOD_STATE	"/tmp/t_unload.rmmod"

static void rmmod_with_inflated_balloon(void)
{
	long long deflates;
	FILE *f;
	int fd;

	unlink(RMMOD_STATE);
	require_module();
	ASSERT_EQ(vbgt_ctl_num("facility %d", FACILITY_DRIVER), STATUS_ACTIVE);
	fd = vbgt_open(VBGT_NODE_ROOT);
	ASSERT_EQ(vbgt_change_filter(fd, VBGT_EV_BALLOON, 0), 0);
	vbgt_ctl_ok("balloon 2");
	ASSERT(wait_pages(2 * PAGES_PER_CHUNK), "balloon not inflated");
	close(fd);
	deflates = vbgt_counter("balloon.deflates");
	ASSERT_EQ(unload(), 0);
	EXPECT(!module_loaded(), "module still loaded");
	EXPECT(wait_nodes(0), "device nodes still present");
	f = fopen(RMMOD_STATE, "w");
	ASSERT(f, RMMOD_STATE ": %s", strerror(errno));
	fprintf(f, "%lld\n", deflates);
	fclose(f);
}

static void unload_returns_balloon(void)
{
	long long deflates = -1;
	int n;
	FILE *f;

	require_module_file();
	f = fopen(RMMOD_STATE, "r");
	/* Else there was no inflated balloon to return. */
	ASSERT(f, "rmmod_with_inflated_balloon did not inflate the balloon "
	       "and remove the module");
	n = fscanf(f, "%lld", &deflates);
	fclose(f);
	ASSERT(n == 1, "no deflate count in " RMMOD_STATE);
	vbgt_ref_defect("the balloon is not deflated when the driver is "
			"removed (the host keeps the pages)");
	EXPECT_EQ(vbgt_state("balloon_pages"), 0);
	/* Both chunks given back by the driver at rmmod. */
	EXPECT_EQ(vbgt_counter("balloon.deflates") - deflates, 2);
}

static void unload_reports_inactive(void)
{
	require_module_file();
	vbgt_ref_defect("the driver facility is not reported inactive when "
			"the driver is removed");
	EXPECT_EQ(vbgt_ctl_num("facility %d", FACILITY_DRIVER),
		  STATUS_INACTIVE);
}

static void reload_probes_again(void)
{
	struct vbg_ioctl_driver_version_info v;
	long long gi;
	int fd;

	require_module_file();
	gi = vbgt_counter("req.50");
	/* Nothing left over from the previous instance. */
	vbgt_ctl_ok("balloon 0");
	if (!module_loaded())
		ASSERT_EQ(load(), 0);
	EXPECT(vbgt_counter("req.50") > gi, "no guest info reported");
	EXPECT_EQ(vbgt_state("accepted"), 1);
	EXPECT_EQ(vbgt_ctl_num("facility %d", FACILITY_DRIVER), STATUS_ACTIVE);
	fd = vbgt_open(VBGT_NODE_USER);
	memset(&v, 0, sizeof(v));
	vbgt_hdr(&v.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(v.hdr) + 16,
		 sizeof(v.hdr) + 20);
	v.u.in.req_version = VBG_IOC_VERSION;
	v.u.in.min_version = VBG_IOC_VERSION & 0xffff0000u;
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_DRIVER_VERSION_INFO, &v), 0);
	EXPECT_EQ(v.hdr.rc, 0);
	close(fd);
}

static void ack_request_without_fast_ack(void)
{
	long long feats, fast, slow;
	int fd;

	require_module();
	feats = vbgt_state("features");
	{
		char restore[64];

		snprintf(restore, sizeof(restore), "features %#llx", feats);
		vbgt_ctl_at_end(restore);
	}
	ASSERT_EQ(unload(), 0);
	vbgt_ctl_ok("features %#llx", feats & ~0x80000000ll);
	ASSERT_EQ(load(), 0);
	fd = vbgt_open(VBGT_NODE_ROOT);
	ASSERT_EQ(vbgt_change_filter(fd, VBGT_EV_VRDP, 0), 0);
	vbgt_wait_events(fd, VBGT_EV_VRDP, 0, NULL);
	fast = vbgt_counter("fast_acks");
	slow = vbgt_counter("req.41");
	vbgt_ctl_ok("events %#x", VBGT_EV_VRDP);
	EXPECT_EQ(vbgt_wait_events(fd, VBGT_EV_VRDP, 5000, NULL), 0);
	EXPECT(vbgt_counter("req.41") > slow, "no acknowledge request");
	EXPECT_EQ(vbgt_counter("fast_acks"), fast);
	close(fd);
	/* Back to the host's own features. */
	ASSERT_EQ(unload(), 0);
	vbgt_ctl_ok("features %#llx", feats);
	ASSERT_EQ(load(), 0);
}

struct pending_wait {
	int fd, ret;
};

static void *wait_fn(void *arg)
{
	struct pending_wait *w = arg;

	w->ret = vbgt_wait_events(w->fd, 0x400, 30000, NULL);
	return NULL;
}

static void load_unload_cycles(void)
{
	long long slab0, avail0, slab1, avail1;
	int i;

	require_module();
	vbgt_ref_defect("the balloon is not deflated when the driver is "
			"removed (the host keeps the pages)");
	vbgt_ctl_at_end("balloon 0");
	ASSERT(vbgt_state("balloon_pages") == 0,
	       "the host still holds %lld balloon pages of an earlier instance",
	       vbgt_state("balloon_pages"));
	slab0 = vbgt_meminfo_kb("SUnreclaim");
	avail0 = vbgt_meminfo_kb("MemAvailable");
	for (i = 0; i < 20; i++) {
		struct vbg_ioctl_hdr h;
		struct pending_wait w;
		pthread_t t;
		int other;

		w.fd = vbgt_open(VBGT_NODE_ROOT);
		other = vbgt_open(VBGT_NODE_USER);
		ASSERT_EQ(vbgt_change_filter(w.fd, VBGT_EV_BALLOON, 0), 0);
		ASSERT(pthread_create(&t, NULL, wait_fn, &w) == 0);
		vbgt_ctl_ok("balloon 1");
		ASSERT(wait_pages(PAGES_PER_CHUNK), "cycle %d: not inflated", i);
		vbgt_hdr(&h, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(h), sizeof(h));
		EXPECT_EQ(vbgt_ioctl(w.fd, VBG_IOCTL_INTERRUPT_ALL_WAIT_FOR_EVENTS,
				     &h), 0);
		pthread_join(t, NULL);
		EXPECT_EQ(w.ret, -EINTR);
		close(w.fd);
		close(other);
		ASSERT_EQ(unload(), 0);
		ASSERT(vbgt_state("balloon_pages") == 0,
		       "cycle %d: the host still holds %lld balloon pages", i,
		       vbgt_state("balloon_pages"));
		EXPECT_EQ(vbgt_ctl_num("facility %d", FACILITY_DRIVER),
			  STATUS_INACTIVE);
		vbgt_ctl_ok("balloon 0");
		ASSERT_EQ(load(), 0);
		ASSERT_EQ(vbgt_ctl_num("facility %d", FACILITY_DRIVER),
			  STATUS_ACTIVE);
	}
	/* 20 module instances, 20 MiB ballooned and returned: no leak. */
	slab1 = vbgt_meminfo_kb("SUnreclaim");
	avail1 = vbgt_meminfo_kb("MemAvailable");
	vbgt_diag("unreclaimable slab %lld -> %lld KiB, available %lld -> "
		  "%lld KiB", slab0, slab1, avail0, avail1);
	EXPECT(slab1 - slab0 < 1024, "unreclaimable slab grew by %lld KiB",
	       slab1 - slab0);
	EXPECT(avail0 - avail1 < 4096, "available memory fell by %lld KiB",
	       avail0 - avail1);
}

static void module_loaded_at_end(void)
{
	if (access(MODULE_PATH, R_OK))
		vbgt_skip(MODULE_PATH " not in the guest");
	vbgt_ctl_ok("balloon 0");
	if (!module_loaded())
		ASSERT_EQ(load(), 0);
	EXPECT(module_loaded(), "not loaded");
	EXPECT(wait_nodes(1), "device nodes missing");
}

static const struct vbgt_case cases[] = {
	VBGT_CASE_T(rmmod_with_inflated_balloon, 30),
	VBGT_CASE(unload_returns_balloon),
	VBGT_CASE(unload_reports_inactive),
	VBGT_CASE(reload_probes_again),
	VBGT_CASE(ack_request_without_fast_ack),
	VBGT_CASE_T(load_unload_cycles, 60),
	VBGT_CASE(module_loaded_at_end),
};

VBGT_SUITE("t_unload", cases)
