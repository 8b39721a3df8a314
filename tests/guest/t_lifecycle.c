// SPDX-License-Identifier: GPL-2.0
/*
 * t_lifecycle: the whole life cycle with users inside the driver (issue 9
 * part 3).  Before every removal, sessions hold a pending event wait
 * (root node), an HGCM client with a call pending (user node), acquired
 * capabilities and an inflated balloon, and a kernel user (vbg_kuser.ko,
 * tests/lifecycle/kuser) holds a device reference, a client and a pending
 * call.
 *
 *   rmmod_insmod_cycles: rmmod is refused while a session or the kernel
 *     user is there; once they are gone it succeeds, the host has the
 *     balloon back, no HGCM client and no capability, the driver facility
 *     inactive; insmod brings a working driver, and the balloon back.
 *   pci_remove_rescan_cycles: the device removed through sysfs with all of
 *     the above inside: the wait and both calls end with ENODEV, every
 *     descriptor opened before answers ENODEV and closes cleanly, the host
 *     has the balloon back; the rescan brings a working driver and the
 *     balloon back.
 *   no_growth: unreclaimable slab after the cycles (and kmemleak, on a
 *     kernel that has it, in /init's dmesg_clean).
 *   left_for_shutdown: the balloon inflated when the guest powers off.
 *
 * Cycle counts: LC_RMMOD_CYCLES and LC_PCI_CYCLES (t_lifecycle: the short
 * form `make check` runs; t_lifecycle_full: make lifecycle, 50 and 20).
 */
#define _GNU_SOURCE
#include "vbgt.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "t_pci.h"

#ifndef LC_RMMOD_CYCLES
#define LC_RMMOD_CYCLES	5
#endif
#ifndef LC_PCI_CYCLES
#define LC_PCI_CYCLES	3
#endif
#ifndef SUITE_NAME
#define SUITE_NAME	"t_lifecycle"
#endif

#define MODULE_PATH	"/lib/modules/test/vboxguest.ko"
#define KUSER_PATH	"/lib/modules/test/vbg_kuser.ko"
#define NO_TIMEOUT	0xffffffffu
#define CAP_HOSTWIN	0x2
#define BALLOON_CHUNKS	2
#define PAGES_PER_CHUNK	256

/* Unreclaimable slab before the first cycle (cases run in processes of
 * their own: kept in a file). */
#define SLAB_FILE	"/tmp/t_lifecycle.slab"

static int mod_loaded(const char *name)
{
	char p[128];

	snprintf(p, sizeof(p), "/sys/module/%s/initstate", name);
	return access(p, F_OK) == 0;
}

static int mod_load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0))
		ret = -errno;
	close(fd);
	return ret;
}

static int mod_unload(const char *name)
{
	if (syscall(SYS_delete_module, name, O_NONBLOCK))
		return -errno;
	return 0;
}

/* A module parameter of vbg_kuser as a number. */
static long long kuser_param(const char *name)
{
	char p[128], v[32];

	snprintf(p, sizeof(p), "/sys/module/vbg_kuser/parameters/%s", name);
	if (!tpci_read(p, v, sizeof(v)))
		return -1000000;
	return strtoll(v, NULL, 0);
}

/* A field of the emulator's hgcm-state reply. */
/* One field of the emulator's "hgcm-state" reply. */
static long long hgcm_state(const char *name)
{
	return vbgt_ctl_field("hgcm-state", name);
}

/* What is inside the driver while it goes away. */
struct users {
	int root, user;
	uint32_t client;
	pthread_t waiter, caller;
	int wait_ret, call_ret;
	int kuser;
};

static void *waiter_fn(void *arg)
{
	struct users *u = arg;

	u->wait_ret = vbgt_wait_events(u->root, 0x400, NO_TIMEOUT, NULL);
	return NULL;
}

static void *caller_fn(void *arg)
{
	struct users *u = arg;
	int32_t rc;
	int ret;

	ret = vbgt_hgcm_call(u->user, u->client, VBGTEST_FN_NEVER, NO_TIMEOUT, NULL, 0,
			     &rc);
	__atomic_store_n(&u->call_ret, ret, __ATOMIC_SEQ_CST);
	return NULL;
}

static void on_usr1(int sig)
{
}

/*
 * End the pending call with a signal, repeated until it ended (one that
 * comes before the call has begun is lost); EINTR expected.
 */
static void interrupt_caller(struct users *u)
{
	uint64_t end = vbgt_now_ms() + 10000;

	while (__atomic_load_n(&u->call_ret, __ATOMIC_SEQ_CST) == 1 &&
	       vbgt_now_ms() < end) {
		pthread_kill(u->caller, SIGUSR1);
		vbgt_sleep_ms(50);
	}
	pthread_join(u->caller, NULL);
	EXPECT_EQ(u->call_ret, -EINTR);
}

/* Wait until the host has @n calls pending (the call reached it). */
static int wait_pending(long long n)
{
	uint64_t end = vbgt_now_ms() + 30000;

	while (hgcm_state("pending") < n)
		if (vbgt_now_ms() > end)
			return 0;
		else
			vbgt_sleep_ms(20);
	return 1;
}

/* Sessions, a pending wait and call, caps, balloon, the kernel user. */
static void users_enter(struct users *u)
{
	int32_t rc;

	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
	memset(u, 0, sizeof(*u));
	u->wait_ret = u->call_ret = 1;
	u->root = vbgt_open(VBGT_NODE_ROOT);
	u->user = vbgt_open(VBGT_NODE_USER);
	ASSERT_EQ(vbgt_change_filter(u->root, VBGT_EV_BALLOON, 0), 0);
	ASSERT_EQ(vbgt_acquire_caps(u->root, VBGL_IOC_AGC_FLAGS_CONFIG_ACQUIRE_MODE,
			       CAP_HOSTWIN, 0), 0);
	ASSERT_EQ(vbgt_acquire_caps(u->root, 0, CAP_HOSTWIN, 0), 0);
	ASSERT_EQ(vbgt_state("caps") & CAP_HOSTWIN, CAP_HOSTWIN);
	ASSERT_EQ(vbgt_hgcm_connect(u->user, VBGTEST_SVC, &u->client, &rc), 0);
	ASSERT_EQ(rc, 0);
	vbgt_ctl_ok("balloon %d", BALLOON_CHUNKS);
	ASSERT(tpci_wait_state("balloon_pages", BALLOON_CHUNKS * PAGES_PER_CHUNK),
	       "balloon not inflated");
	if (!access(KUSER_PATH, R_OK)) {
		ASSERT_EQ(mod_load(KUSER_PATH), 0);
		u->kuser = 1;
		ASSERT_EQ(kuser_param("connected"), 1);
	}
	ASSERT(pthread_create(&u->waiter, NULL, waiter_fn, u) == 0);
	ASSERT(pthread_create(&u->caller, NULL, caller_fn, u) == 0);
	/* Our call, and the kernel user's, pending on the host. */
	ASSERT(wait_pending(1 + u->kuser), "calls not pending on the host");
}

static int ioctl_version(int fd)
{
	struct vbg_ioctl_driver_version_info v;

	memset(&v, 0, sizeof(v));
	vbgt_hdr(&v.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(v.hdr) + 16,
		 sizeof(v.hdr) + 20);
	v.u.in.req_version = VBG_IOC_VERSION;
	v.u.in.min_version = VBG_IOC_VERSION & 0xffff0000u;
	return vbgt_ioctl(fd, VBG_IOCTL_DRIVER_VERSION_INFO, &v);
}

/* The host's view once the driver is gone: nothing of it left. */
static void host_released(int cycle)
{
	EXPECT(tpci_wait_state("balloon_pages", 0),
	       "cycle %d: balloon not returned", cycle);
	EXPECT_EQ(vbgt_state("caps"), 0);
	EXPECT_EQ(vbgt_ctl_num("facility 20"), 0);
}

/* After the re-probe: a working driver and the balloon back. */
static void driver_back(int cycle)
{
	ASSERT(tpci_wait_state("balloon_pages", BALLOON_CHUNKS * PAGES_PER_CHUNK),
	       "cycle %d: the balloon did not come back", cycle);
	vbgt_ctl_ok("balloon 0");
	ASSERT(tpci_wait_state("balloon_pages", 0), "cycle %d: not deflated",
	       cycle);
	ASSERT(tpci_driver_works(), "cycle %d: driver broken", cycle);
}

static void note_slab(void)
{
	FILE *f;

	if (!access(SLAB_FILE, F_OK))
		return;
	f = fopen(SLAB_FILE, "w");
	if (f) {
		fprintf(f, "%lld\n", vbgt_meminfo_kb("SUnreclaim"));
		fclose(f);
	}
}

/* No kernel user left over from the boot (the runner may load it). */
static void no_kuser(void)
{
	if (mod_loaded("vbg_kuser"))
		ASSERT_EQ(mod_unload("vbg_kuser"), 0);
}

static void rmmod_insmod_cycles(void)
{
	struct tpci_kmsg km;
	struct vbg_ioctl_hdr h;
	struct users u;
	int i;

	if (access(MODULE_PATH, R_OK))
		vbgt_skip(MODULE_PATH " not in the guest (driver built in)");
	ASSERT(mod_loaded("vboxguest"), "vboxguest not loaded");
	no_kuser();
	vbgt_ctl_at_end("balloon 0");
	ASSERT(tpci_driver_works(), "the driver does not work at the start");
	note_slab();
	tpci_kmsg_open(&km);
	for (i = 0; i < LC_RMMOD_CYCLES; i++) {
		users_enter(&u);
		/* In use: refused, and nothing changed. */
		EXPECT(mod_unload("vboxguest") < 0, "cycle %d: rmmod while in use", i);
		EXPECT_EQ(ioctl_version(u.root), 0);
		/* Everyone leaves: the wait, the call, the kernel user. */
		vbgt_hdr(&h, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(h), sizeof(h));
		EXPECT_EQ(vbgt_ioctl(u.root, VBG_IOCTL_INTERRUPT_ALL_WAIT_FOR_EVENTS,
				     &h), 0);
		pthread_join(u.waiter, NULL);
		EXPECT_EQ(u.wait_ret, -EINTR);
		if (u.kuser)
			EXPECT_EQ(mod_unload("vbg_kuser"), 0);
		interrupt_caller(&u);
		EXPECT_EQ(close(u.user), 0);
		EXPECT_EQ(close(u.root), 0);
		EXPECT_EQ(mod_unload("vboxguest"), 0);
		EXPECT(tpci_wait_nodes(0), "cycle %d: nodes still there", i);
		host_released(i);
		EXPECT_EQ(hgcm_state("clients"), 0);
		EXPECT_EQ(hgcm_state("pending"), 0);
		ASSERT_EQ(mod_load(MODULE_PATH), 0);
		ASSERT(tpci_wait_nodes(1), "cycle %d: no nodes after insmod", i);
		driver_back(i);
		vbgt_ctl_ok("balloon 0");
		ASSERT(tpci_kmsg_clean(&km), "cycle %d: kernel log above", i);
	}
	tpci_kmsg_close(&km);
}

static void pci_remove_rescan_cycles(void)
{
	char dev[TPCI_PATH_MAX];
	struct tpci_kmsg km;
	struct users u;
	int i;

	ASSERT(tpci_find(dev, sizeof(dev)), "no 80ee:cafe device in sysfs");
	no_kuser();
	vbgt_ctl_at_end("balloon 0");
	ASSERT(tpci_driver_works(), "the driver does not work at the start");
	note_slab();
	tpci_kmsg_open(&km);
	for (i = 0; i < LC_PCI_CYCLES; i++) {
		users_enter(&u);
		ASSERT(tpci_remove(dev), "cycle %d: remove failed", i);
		/* Everyone inside was sent away. */
		pthread_join(u.waiter, NULL);
		pthread_join(u.caller, NULL);
		EXPECT_EQ(u.wait_ret, -ENODEV);
		EXPECT_EQ(u.call_ret, -ENODEV);
		if (u.kuser) {
			uint64_t end = vbgt_now_ms() + 10000;

			while (kuser_param("last_ret") == -ETIMEDOUT &&
			       vbgt_now_ms() < end)
				vbgt_sleep_ms(50);
			EXPECT_EQ(kuser_param("last_ret"), -ENODEV);
		}
		/* Descriptors opened before: ENODEV, then a clean close. */
		EXPECT_EQ(ioctl_version(u.root), -ENODEV);
		EXPECT_EQ(ioctl_version(u.user), -ENODEV);
		EXPECT_EQ(vbgt_wait_events(u.root, 0x400, 0, NULL), -ENODEV);
		EXPECT_EQ(close(u.root), 0);
		EXPECT_EQ(close(u.user), 0);
		if (u.kuser)
			EXPECT_EQ(mod_unload("vbg_kuser"), 0);
		host_released(i);
		ASSERT(tpci_rescan(dev), "cycle %d: no device after rescan", i);
		driver_back(i);
		ASSERT(tpci_kmsg_clean(&km), "cycle %d: kernel log above", i);
	}
	tpci_kmsg_close(&km);
}

/* Unreclaimable slab back where the first cycle started (1 MiB slack). */
static void no_growth(void)
{
	long long now, slab_start = -1;
	FILE *f = fopen(SLAB_FILE, "r");

	if (f) {
		if (fscanf(f, "%lld", &slab_start) != 1)
			slab_start = -1;
		fclose(f);
	}
	if (slab_start < 0)
		vbgt_skip("no cycle ran");
	/* The kernel frees some of it from RCU callbacks: give it time. */
	vbgt_sleep_ms(2000);
	now = vbgt_meminfo_kb("SUnreclaim");
	vbgt_diag("unreclaimable slab %lld -> %lld KiB over %d + %d cycles",
		  slab_start, now, LC_RMMOD_CYCLES, LC_PCI_CYCLES);
	if (vbgt_kernel_defers_frees())
		vbgt_diag("KASAN quarantine: slab growth is no leak here;"
			  " kmemleak (dmesg_clean) checks instead");
	else
		EXPECT(now - slab_start < 1024,
		       "unreclaimable slab grew by %lld KiB", now - slab_start);
}

/*
 * Last: the balloon inflated and the driver active when /init powers the
 * guest off.  The shutdown handler must hand the balloon back, stop the
 * heartbeat and report the driver inactive; tests/lifecycle/run.sh reads
 * that from the host's state at exit (the emulator's --counters-out).
 */
static void left_for_shutdown(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT);

	ASSERT_EQ(vbgt_change_filter(fd, VBGT_EV_BALLOON, 0), 0);
	vbgt_ctl_ok("balloon %d", BALLOON_CHUNKS);
	EXPECT(tpci_wait_state("balloon_pages", BALLOON_CHUNKS * PAGES_PER_CHUNK),
	       "balloon not inflated");
	EXPECT_EQ(vbgt_ctl_num("facility 20"), 50);
	close(fd);
}

static const struct vbgt_case cases[] = {
	VBGT_CASE_T(rmmod_insmod_cycles, 1500),
	VBGT_CASE_T(pci_remove_rescan_cycles, 1500),
	VBGT_CASE(no_growth),
	VBGT_CASE(left_for_shutdown),
};

VBGT_SUITE(SUITE_NAME, cases)
