// SPDX-License-Identifier: GPL-2.0
/*
 * t_request: raw VMMDev requests through VBG_IOCTL_VMMDEV_REQUEST(_BIG) on
 * both nodes: what reaches the host, what comes back, the allow-list, the
 * requestor the host sees, header validation.
 */
#define _GNU_SOURCE
#include "vbgt.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>

struct req_host_version {
	struct vbg_ioctl_hdr hdr;
	uint16_t major, minor;
	uint32_t build, revision, features;
} __attribute__((packed));

struct req_u64 {		/* host time (10), session id (217) */
	struct vbg_ioctl_hdr hdr;
	uint64_t value;
} __attribute__((packed));

struct req_status {		/* report guest status (59) */
	struct vbg_ioctl_hdr hdr;
	uint32_t facility, status, flags;
} __attribute__((packed));

struct req_2u32 {		/* 50, 20, 112 ... */
	struct vbg_ioctl_hdr hdr;
	uint32_t a, b;
} __attribute__((packed));

_Static_assert(sizeof(struct req_host_version) == 40, "host version");
_Static_assert(sizeof(struct req_u64) == 32, "u64 request");
_Static_assert(sizeof(struct req_status) == 36, "status");

static int host_version(int fd, struct req_host_version *r, uint32_t requestor)
{
	vbgt_vmmreq_init(r, sizeof(*r), VMMDEVREQ_GET_HOST_VERSION);
	r->hdr.reserved = requestor;
	return vbgt_vmmreq(fd, r, sizeof(*r));
}

static void check_host_version(const char *node)
{
	struct req_host_version r;
	int fd = vbgt_open(node);
	long long before = vbgt_counter("req.4");

	ASSERT_EQ(host_version(fd, &r, 0), 0);
	EXPECT_EQ(r.hdr.rc, VINF_SUCCESS);
	EXPECT_EQ(r.hdr.type, VMMDEVREQ_GET_HOST_VERSION);
	EXPECT_EQ(r.hdr.size_in, sizeof(r));
	EXPECT_EQ(r.features, vbgt_state("features"));
	EXPECT(r.major >= 6, "host major %u", r.major);
	EXPECT_EQ(vbgt_counter("req.4"), before + 1);
	close(fd);
}

static void host_version_root_vboxguest(void)
{
	check_host_version(VBGT_NODE_ROOT);
}

static void host_version_root_vboxuser(void)
{
	check_host_version(VBGT_NODE_USER);
}

static void user_host_version(void *arg)
{
	check_host_version(VBGT_NODE_USER);
}

static void host_version_user_vboxuser(void)
{
	vbgt_run_as_user(user_host_version, NULL);
}

static void host_version_values_from_host(void)
{
	struct req_host_version r, orig;
	int fd = vbgt_open(VBGT_NODE_USER);
	char restore[96];

	ASSERT_EQ(host_version(fd, &orig, 0), 0);
	ASSERT_EQ(orig.hdr.rc, 0);
	snprintf(restore, sizeof(restore), "host-version %u %u %u %u",
		 orig.major, orig.minor, orig.build, orig.revision);
	vbgt_ctl_at_end(restore);
	vbgt_ctl_ok("host-version 7 1 42 165432");
	ASSERT_EQ(host_version(fd, &r, 0), 0);
	EXPECT_EQ(r.hdr.rc, 0);
	EXPECT_EQ(r.major, 7);
	EXPECT_EQ(r.minor, 1);
	EXPECT_EQ(r.build, 42);
	EXPECT_EQ(r.revision, 165432);
	close(fd);
}

static void host_time(const char *node, uint64_t *ms)
{
	struct req_u64 r;
	struct timespec ts;
	int fd = vbgt_open(node);
	long long diff;

	vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_GET_HOST_TIME);
	ASSERT_EQ(vbgt_vmmreq(fd, &r, sizeof(r)), 0);
	EXPECT_EQ(r.hdr.rc, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	diff = (long long)r.value - (ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
	/* The guest clock comes from QEMU's RTC, which follows the host's. */
	EXPECT(llabs(diff) < 120000, "host time %llu differs by %lld ms",
	       (unsigned long long)r.value, diff);
	*ms = r.value;
	close(fd);
}

static void user_host_time(void *arg)
{
	uint64_t *t = arg;

	host_time(VBGT_NODE_USER, &t[1]);
}

static void host_time_both_nodes(void)
{
	uint64_t *t = vbgt_shared(2 * sizeof(uint64_t));
	long long before = vbgt_counter("req.10");

	host_time(VBGT_NODE_ROOT, &t[0]);
	vbgt_sleep_ms(20);
	vbgt_run_as_user(user_host_time, t);
	EXPECT(t[1] >= t[0] + 10, "host time %llu then %llu",
	       (unsigned long long)t[0], (unsigned long long)t[1]);
	EXPECT_EQ(vbgt_counter("req.10"), before + 2);
}

static void session_id_stable(void)
{
	struct req_u64 a, b;
	int fa = vbgt_open(VBGT_NODE_ROOT), fb = vbgt_open(VBGT_NODE_USER);

	vbgt_vmmreq_init(&a, sizeof(a), VMMDEVREQ_GET_SESSION_ID);
	vbgt_vmmreq_init(&b, sizeof(b), VMMDEVREQ_GET_SESSION_ID);
	ASSERT_EQ(vbgt_vmmreq(fa, &a, sizeof(a)), 0);
	ASSERT_EQ(vbgt_vmmreq(fb, &b, sizeof(b)), 0);
	EXPECT_EQ(a.hdr.rc, 0);
	EXPECT_EQ(b.hdr.rc, 0);
	EXPECT(a.value != 0, "session id 0");
	EXPECT_EQ(a.value, b.value);
	close(fa);
	close(fb);
}

/* A type refused by the driver never reaches the host. */
static void expect_refused(int fd, uint32_t type, uint32_t size)
{
	char counter[32];
	uint8_t req[2080];
	long long before;
	int ret;

	snprintf(counter, sizeof(counter), "req.%u", type);
	before = vbgt_counter(counter);
	vbgt_vmmreq_init(req, size, type);
	ret = vbgt_vmmreq(fd, req, size);
	EXPECT(ret == -EPERM, "type %u (%u bytes): %d, not -EPERM", type, size,
	       ret);
	EXPECT_EQ(vbgt_counter(counter), before);
}

static void user_refused(void *arg)
{
	int fd = vbgt_open(VBGT_NODE_USER);

	/* Kernel-only types. */
	expect_refused(fd, VMMDEVREQ_REPORT_GUEST_INFO, 32);
	expect_refused(fd, VMMDEVREQ_GET_HYPERVISOR_INFO, 32);
	expect_refused(fd, VMMDEVREQ_HEARTBEAT_CONFIGURE, 36);
	expect_refused(fd, VMMDEVREQ_CHANGE_MEMBALLOON, 2080);
	/* Trusted types (only through /dev/vboxguest). */
	expect_refused(fd, VMMDEVREQ_GET_STATISTICS_CHANGE_REQ, 32);
	expect_refused(fd, VMMDEVREQ_REPORT_GUEST_STATS, 100);
	close(fd);
}

static void disallowed_types_user_eperm(void)
{
	vbgt_run_as_user(user_refused, NULL);
	EXPECT_EQ(vbgt_state("accepted"), 1);
}

static void kernel_only_types_root_eperm(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT);

	expect_refused(fd, VMMDEVREQ_REPORT_GUEST_INFO, 32);
	expect_refused(fd, VMMDEVREQ_GET_HYPERVISOR_INFO, 32);
	expect_refused(fd, VMMDEVREQ_HEARTBEAT_CONFIGURE, 36);
	expect_refused(fd, VMMDEVREQ_CHANGE_MEMBALLOON, 2080);
	expect_refused(fd, VMMDEVREQ_HGCM_CONNECT, 168);
	expect_refused(fd, 999, 32);
	close(fd);
	EXPECT_EQ(vbgt_state("accepted"), 1);
}

static void invalid_type_einval(void)
{
	uint8_t req[32];
	long long before = vbgt_counter("req.0");
	int fd = vbgt_open(VBGT_NODE_ROOT);

	/* Type 0 has no request size: a malformed request, not a denied one. */
	vbgt_vmmreq_init(req, 24, VMMDEVREQ_INVALID_REQUEST);
	EXPECT_EQ(vbgt_vmmreq(fd, req, 24), -EINVAL);
	vbgt_vmmreq_init(req, 32, VMMDEVREQ_INVALID_REQUEST);
	EXPECT_EQ(vbgt_vmmreq(fd, req, 32), -EINVAL);
	EXPECT_EQ(vbgt_counter("req.0"), before);
	close(fd);
}

static void trusted_type_root_vboxguest(void)
{
	struct req_2u32 r;
	int fd = vbgt_open(VBGT_NODE_ROOT);
	long long before = vbgt_counter("req.112");

	vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_GET_STATISTICS_CHANGE_REQ);
	ASSERT_EQ(vbgt_vmmreq(fd, &r, sizeof(r)), 0);
	EXPECT_EQ(r.hdr.rc, 0);
	EXPECT_EQ(vbgt_counter("req.112"), before + 1);
	close(fd);
}

static void trusted_type_root_vboxuser_eperm(void)
{
	int fd = vbgt_open(VBGT_NODE_USER);

	expect_refused(fd, VMMDEVREQ_GET_STATISTICS_CHANGE_REQ, 32);
	close(fd);
}

static void guest_status_reaches_host(void)
{
	struct req_status r;
	int fd = vbgt_open(VBGT_NODE_USER);

	vbgt_ctl_at_end("facility 100");	/* harmless read-back */
	vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_REPORT_GUEST_STATUS);
	r.facility = 100;	/* VBoxService */
	r.status = 50;		/* active */
	ASSERT_EQ(vbgt_vmmreq(fd, &r, sizeof(r)), 0);
	EXPECT_EQ(r.hdr.rc, 0);
	EXPECT_EQ(vbgt_ctl_num("facility 100"), 50);
	vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_REPORT_GUEST_STATUS);
	r.facility = 100;
	r.status = 0;		/* inactive */
	ASSERT_EQ(vbgt_vmmreq(fd, &r, sizeof(r)), 0);
	EXPECT_EQ(r.hdr.rc, 0);
	EXPECT_EQ(vbgt_ctl_num("facility 100"), 0);
	/* The host's own validation: status beyond 16 bits. */
	vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_REPORT_GUEST_STATUS);
	r.facility = 100;
	r.status = 0x10000;
	ASSERT_EQ(vbgt_vmmreq(fd, &r, sizeof(r)), 0);
	EXPECT_EQ(r.hdr.rc, VERR_OUT_OF_RANGE);
	close(fd);
}

static void host_error_status_returned(void)
{
	struct req_host_version r;
	int fd = vbgt_open(VBGT_NODE_USER);
	long long before = vbgt_counter("req.4");

	vbgt_ctl_at_end("fault-clear");
	vbgt_ctl_ok("fault 4 1 %d", VERR_NOT_SUPPORTED);
	EXPECT_EQ(host_version(fd, &r, 0), 0);
	EXPECT_EQ(r.hdr.rc, VERR_NOT_SUPPORTED);
	/* Only one request was faulted. */
	EXPECT_EQ(host_version(fd, &r, 0), 0);
	EXPECT_EQ(r.hdr.rc, VINF_SUCCESS);
	EXPECT_EQ(vbgt_counter("req.4"), before + 2);
	close(fd);
}

static void bad_request_header_einval(void)
{
	struct req_host_version r;
	int fd = vbgt_open(VBGT_NODE_ROOT);
	long long before = vbgt_counter("req.4");

	vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_GET_HOST_VERSION);
	r.hdr.version = 0x10000;
	EXPECT_EQ(vbgt_vmmreq(fd, &r, sizeof(r)), -EINVAL);
	vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_GET_HOST_VERSION);
	r.hdr.size_in = 20;
	EXPECT_EQ(vbgt_vmmreq(fd, &r, sizeof(r)), -EINVAL);
	EXPECT_EQ(vbgt_counter("req.4"), before);
	close(fd);
}

static void request_big_pointer_shape(void)
{
	/* 32x32 shape with alpha: 44 + AND mask 128 + 4096 pixel bytes. */
	uint32_t size = 44 + 128 + 32 * 32 * 4;
	uint8_t *r = calloc(1, size);
	struct vbg_ioctl_hdr *h = (struct vbg_ioctl_hdr *)r;
	uint32_t *f = (uint32_t *)(r + 24);
	int fd = vbgt_open(VBGT_NODE_USER);
	long long before = vbgt_counter("req.3");

	ASSERT(r);
	vbgt_vmmreq_init(r, size, VMMDEVREQ_SET_POINTER_SHAPE);
	f[0] = 0x7;	/* visible, alpha, shape */
	f[1] = 3;	/* hot spot */
	f[2] = 4;
	f[3] = 32;	/* width, height */
	f[4] = 32;
	memset(r + 44 + 128, 0xff, 32 * 32 * 4);
	EXPECT_EQ(vbgt_vmmreq(fd, r, size), 0);
	EXPECT_EQ(h->rc, 0);
	EXPECT_EQ(vbgt_counter("req.3"), before + 1);
	free(r);
	close(fd);
}

struct req_display2 {		/* 54 */
	struct vbg_ioctl_hdr hdr;
	uint32_t xres, yres, bpp, event_ack, display;
} __attribute__((packed));

struct req_seamless {		/* 73 */
	struct vbg_ioctl_hdr hdr;
	uint32_t mode, event_ack;
} __attribute__((packed));

static void user_display(void *arg)
{
	struct req_display2 r;
	int fd = vbgt_open(VBGT_NODE_USER);

	vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_GET_DISPLAY_CHANGE_REQ2);
	r.event_ack = VBGT_EV_DISPLAY;
	ASSERT_EQ(vbgt_vmmreq(fd, &r, sizeof(r)), 0);
	EXPECT_EQ(r.hdr.rc, 0);
	EXPECT_EQ(r.xres, 1280);
	EXPECT_EQ(r.yres, 720);
	EXPECT_EQ(r.bpp, 24);
	EXPECT_EQ(r.display, 0);
	close(fd);
}

static void display_hint_passthrough(void)
{
	vbgt_ctl_ok("display 1280 720 24 0");
	vbgt_run_as_user(user_display, NULL);
}

static void seamless_passthrough(void)
{
	struct req_seamless r;
	int fd = vbgt_open(VBGT_NODE_USER);

	vbgt_ctl_at_end("seamless 0");
	vbgt_ctl_ok("seamless 1");
	vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_GET_SEAMLESS_CHANGE_REQ);
	r.event_ack = VBGT_EV_SEAMLESS;
	ASSERT_EQ(vbgt_vmmreq(fd, &r, sizeof(r)), 0);
	EXPECT_EQ(r.hdr.rc, 0);
	EXPECT_EQ(r.mode, 1);
	close(fd);
}

static int core_dump(int fd)
{
	struct vbg_ioctl_write_coredump c;
	int ret;

	memset(&c, 0, sizeof(c));
	vbgt_hdr(&c.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(c), sizeof(c.hdr));
	ret = vbgt_ioctl(fd, VBG_IOCTL_WRITE_CORE_DUMP, &c);
	vbgt_diag("write core dump: ret %d rc %d", ret, c.hdr.rc);
	return ret ? ret : c.hdr.rc;
}

static void write_core_dump_reaches_host(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT);
	long long before = vbgt_counter("req.218");

	/* The emulator, like a default VirtualBox host, refuses core dumps. */
	EXPECT_EQ(core_dump(fd), VERR_ACCESS_DENIED);
	EXPECT_EQ(vbgt_counter("req.218"), before + 1);
	close(fd);
}

static void user_core_dump(void *arg)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	long long before = vbgt_counter("req.218");

	/* The reference passes the ioctl from either node to the host. */
	EXPECT_EQ(core_dump(fd), VERR_ACCESS_DENIED);
	EXPECT_EQ(vbgt_counter("req.218"), before + 1);
	close(fd);
}

static void write_core_dump_user(void)
{
	vbgt_run_as_user(user_core_dump, NULL);
}

static void request_big_alt_code(void)
{
	struct req_host_version r;
	int fd = vbgt_open(VBGT_NODE_USER);
	long long before = vbgt_counter("req.4");

	/* VBG_IOCTL_VMMDEV_REQUEST_BIG as VirtualBox's userspace encodes it. */
	vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_GET_HOST_VERSION);
	EXPECT_EQ(vbgt_ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, 'V', 3, 0), &r),
		  0);
	EXPECT_EQ(r.hdr.rc, 0);
	EXPECT_EQ(vbgt_counter("req.4"), before + 1);
	/* And the uapi header's code. */
	vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_GET_HOST_VERSION);
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_VMMDEV_REQUEST_BIG, &r), 0);
	EXPECT_EQ(r.hdr.rc, 0);
	EXPECT_EQ(vbgt_counter("req.4"), before + 2);
	close(fd);
}

static uint32_t requestor_of_spoofed(const char *node)
{
	struct req_host_version r;
	int fd = vbgt_open(node);

	/* Claim to be the VBoxGuest driver itself (kernel, class 1). */
	EXPECT_EQ(host_version(fd, &r, VMMDEV_REQUESTOR_USR_DRV), 0);
	EXPECT_EQ(r.hdr.rc, 0);
	close(fd);
	return (uint32_t)vbgt_ctl_num("last-requestor 4");
}

static void user_spoof(void *arg)
{
	uint32_t *out = arg;

	*out = requestor_of_spoofed(VBGT_NODE_USER);
}

static void requestor_not_spoofable(void)
{
	uint32_t *got = (uint32_t *)vbgt_shared(1 * sizeof(uint64_t));
	uint32_t req;

	vbgt_ref_defect("the requestor field of a raw request is passed "
			"from userspace unchanged");
	vbgt_run_as_user(user_spoof, got);
	req = *got;
	vbgt_diag("user on vboxuser: host saw requestor %#x", req);
	EXPECT(req & VMMDEV_REQUESTOR_USERMODE, "requestor %#x", req);
	EXPECT_EQ(req & VMMDEV_REQUESTOR_USR_MASK, VMMDEV_REQUESTOR_USR_USER);
	EXPECT(req & VMMDEV_REQUESTOR_USER_DEVICE, "requestor %#x", req);
	EXPECT_EQ(req & VMMDEV_REQUESTOR_TRUST_MASK, 0);

	req = requestor_of_spoofed(VBGT_NODE_ROOT);
	vbgt_diag("root on vboxguest: host saw requestor %#x", req);
	EXPECT(req & VMMDEV_REQUESTOR_USERMODE, "requestor %#x", req);
	EXPECT_EQ(req & VMMDEV_REQUESTOR_USR_MASK, VMMDEV_REQUESTOR_USR_ROOT);
	EXPECT(!(req & VMMDEV_REQUESTOR_USER_DEVICE), "requestor %#x", req);
}


/* ------------------------------------------- driver-owned host state (55, 59) */

#define CAP_SEAMLESS	0x1
#define CAP_GRAPHICS	0x4
#define FACILITY_DRIVER	20
#define FACILITY_ALL	0x7ffffffe
#define FACILITY_ACTIVE	50

struct req_caps {		/* report guest capabilities (55) */
	struct vbg_ioctl_hdr hdr;
	uint32_t caps;
} __attribute__((packed));

_Static_assert(sizeof(struct req_caps) == 28, "legacy caps");

/* ReportGuestCapabilities 0: a host obeying it keeps only GRAPHICS. */
static void legacy_caps_refused_on(const char *node)
{
	struct req_caps r;
	int fd = vbgt_open(node);

	vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_REPORT_GUEST_CAPABILITIES);
	r.caps = 0;
	EXPECT(vbgt_vmmreq(fd, &r, sizeof(r)) == -EPERM,
	       "ReportGuestCapabilities through %s not refused (rc %d)", node,
	       r.hdr.rc);
	close(fd);
}

static void user_legacy_caps(void *arg)
{
	legacy_caps_refused_on(VBGT_NODE_USER);
}

static void legacy_report_caps_refused(void)
{
	int keeper = vbgt_open(VBGT_NODE_ROOT);
	long long before = vbgt_counter("req.55");

	vbgt_ref_defect("ReportGuestCapabilities (55) passes from userspace "
			"and replaces the host's capability set");
	/* The host's set is the trackers' (a session holds seamless). */
	ASSERT_EQ(vbgt_set_caps(keeper, CAP_SEAMLESS, 0), 0);
	ASSERT_EQ(vbgt_state("caps") & 0x7, CAP_SEAMLESS);
	vbgt_run_as_user(user_legacy_caps, NULL);
	legacy_caps_refused_on(VBGT_NODE_USER);
	legacy_caps_refused_on(VBGT_NODE_ROOT);
	EXPECT_EQ(vbgt_counter("req.55"), before);
	EXPECT_EQ(vbgt_state("caps") & 0x7, CAP_SEAMLESS);
	/* Both bits through the trackers, then none: the host ends at 0. */
	EXPECT_EQ(vbgt_set_caps(keeper, CAP_GRAPHICS, 0), 0);
	EXPECT_EQ(vbgt_set_caps(keeper, 0, CAP_SEAMLESS | CAP_GRAPHICS), 0);
	close(keeper);
	EXPECT_EQ(vbgt_state("caps") & 0x7, 0);
}

static int report_status(int fd, uint32_t facility, uint32_t status)
{
	struct req_status r;

	vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_REPORT_GUEST_STATUS);
	r.facility = facility;
	r.status = status;
	return vbgt_vmmreq(fd, &r, sizeof(r));
}

/* Paused (1) for the driver itself, and for every facility at once. */
static void driver_status_refused_on(const char *node)
{
	int fd = vbgt_open(node);

	EXPECT(report_status(fd, FACILITY_DRIVER, 1) == -EPERM,
	       "status of facility 20 through %s not refused", node);
	EXPECT(report_status(fd, FACILITY_ALL, 1) == -EPERM,
	       "status of all facilities through %s not refused", node);
	close(fd);
}

static void user_driver_status(void *arg)
{
	driver_status_refused_on(VBGT_NODE_USER);
}

static void driver_facility_status_refused(void)
{
	static const uint32_t fixed[] = { 100, 101, 1000, 1100 };
	long long before = vbgt_counter("req.59");
	unsigned int i;
	int fd;

	vbgt_ref_defect("ReportGuestStatus (59) for the driver's facility "
			"(20) or for all facilities passes from userspace");
	ASSERT_EQ(vbgt_ctl_num("facility %u", FACILITY_DRIVER),
		  FACILITY_ACTIVE);
	vbgt_run_as_user(user_driver_status, NULL);
	driver_status_refused_on(VBGT_NODE_USER);
	driver_status_refused_on(VBGT_NODE_ROOT);
	EXPECT_EQ(vbgt_counter("req.59"), before);
	EXPECT_EQ(vbgt_ctl_num("facility %u", FACILITY_DRIVER),
		  FACILITY_ACTIVE);
	if (!vbgt_failed())
		return;
	/* A driver that let them through: put the host's table back. */
	fd = vbgt_open(VBGT_NODE_ROOT);
	report_status(fd, FACILITY_DRIVER, FACILITY_ACTIVE);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		report_status(fd, fixed[i], 0);
	close(fd);
}

/* --------------------------------------------------- requestor at open */

#define VBOXUSERS_PARAM	"/sys/module/vboxguest/parameters/vboxusers_gid"
#define VBOXUSERS_GID	1234	/* no user of the suite is in it */

/* The requestor the host honours for an HGCM connect through @node. */
static uint32_t hgcm_requestor(const char *node)
{
	int fd = vbgt_open(node);
	uint32_t client, req;
	int32_t rc;

	ASSERT_EQ(vbgt_hgcm_connect(fd, VBGTEST_SVC, &client, &rc), 0);
	ASSERT_EQ(rc, 0);
	req = (uint32_t)vbgt_ctl_num("last-requestor %u",
				     VMMDEVREQ_HGCM_CONNECT);
	EXPECT_EQ(vbgt_hgcm_disconnect(fd, client, &rc), 0);
	close(fd);
	return req;
}

/*
 * In a child of its own session, with @tty as controlling terminal:
 * the requestor of root through /dev/vboxguest.  The terminal is given up
 * before the child ends, so it is not hung up for its other users.
 */
static uint32_t requestor_on_tty(const char *tty)
{
	uint32_t *out = vbgt_shared(sizeof(*out));
	pid_t pid;
	int ret;

	fflush(stdout);
	pid = fork();
	ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int fd;

		signal(SIGHUP, SIG_IGN);
		ASSERT(setsid() > 0, "setsid: %s", strerror(errno));
		fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK);
		ASSERT(fd >= 0, "open %s: %s", tty, strerror(errno));
		ASSERT(ioctl(fd, TIOCSCTTY, 0) == 0, "TIOCSCTTY %s: %s", tty,
		       strerror(errno));
		*out = hgcm_requestor(VBGT_NODE_ROOT);
		ioctl(fd, TIOCNOTTY);
		close(fd);
		fflush(stdout);
		_exit(0);
	}
	ret = vbgt_wait_child(pid, 15000);
	EXPECT(ret == 0 || ret == 1, "child ended with status %d", ret);
	vbgt_diag("controlling terminal %s: requestor %#x", tty, *out);
	return *out;
}

static void requestor_console_is_vt(void)
{
	vbgt_ref_defect("no console information in the requestor (bits "
			"0x30 always 0)");
	/* tty1 is the first virtual console (VT index 0). */
	EXPECT_EQ(requestor_on_tty("/dev/tty1") & VMMDEV_REQUESTOR_CON_MASK,
		  VMMDEV_REQUESTOR_CON_YES);
	EXPECT_EQ(requestor_on_tty("/dev/tty2") & VMMDEV_REQUESTOR_CON_MASK,
		  VMMDEV_REQUESTOR_CON_YES);
	/* Serial lines share the VTs' major (4) but are no console. */
	EXPECT_EQ(requestor_on_tty("/dev/ttyS3") & VMMDEV_REQUESTOR_CON_MASK,
		  VMMDEV_REQUESTOR_CON_NO);
}

/* Set the driver's vboxusers gid (-1: none); 0 if the driver has one. */
static int set_vboxusers_gid(int gid)
{
	FILE *f = fopen(VBOXUSERS_PARAM, "w");
	int ok;

	if (!f)
		return -errno;
	ok = fprintf(f, "%d\n", gid) > 0;
	ok = !fclose(f) && ok;
	return ok ? 0 : -EIO;
}

/* The requestor of the calling user through /dev/vboxuser. */
static void user_in_group(void *arg)
{
	uint32_t *out = arg;

	*out = hgcm_requestor(VBGT_NODE_USER);
}

static void write_id_map(const char *file, const char *map)
{
	int fd = open(file, O_WRONLY);

	ASSERT(fd >= 0, "open %s: %s", file, strerror(errno));
	ASSERT(write(fd, map, strlen(map)) == (ssize_t)strlen(map),
	       "write %s: %s", file, strerror(errno));
	close(fd);
}

/*
 * uid 1000 in a user namespace of its own, where it is root and its gid
 * is mapped to VBOXUSERS_GID: it still is the user 1000 outside.
 */
static void user_in_own_userns(void *arg)
{
	uint32_t *out = arg;
	char map[64];

	/* Dropping from root made us non-dumpable: /proc/self is root's. */
	ASSERT_EQ(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	if (unshare(CLONE_NEWUSER)) {
		out[1] = errno;
		return;
	}
	write_id_map("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "%d %d 1", VBOXUSERS_GID, VBGT_GID);
	write_id_map("/proc/self/gid_map", map);
	snprintf(map, sizeof(map), "0 %d 1", VBGT_UID);
	write_id_map("/proc/self/uid_map", map);
	ASSERT_EQ(getgid(), VBOXUSERS_GID);
	ASSERT_EQ(getuid(), 0);
	*out = hgcm_requestor(VBGT_NODE_USER);
}

static void requestor_group_from_init_ns(void)
{
	uint32_t *got = vbgt_shared(2 * sizeof(*got));
	uint32_t req;
	int ret;

	ret = set_vboxusers_gid(VBOXUSERS_GID);
	if (ret && vbgt_is_reference())
		vbgt_diag("no %s (%s): the group is never granted",
			  VBOXUSERS_PARAM, strerror(-ret));
	else
		ASSERT(ret == 0, "set %s: %s", VBOXUSERS_PARAM, strerror(-ret));
	vbgt_run_as_user(user_in_own_userns, got);
	if (!ret)
		EXPECT_EQ(set_vboxusers_gid(-1), 0);
	if (got[1] == EINVAL || got[1] == ENOSPC || got[1] == EPERM)
		vbgt_skip("no user namespaces for uid 1000 in this kernel");
	ASSERT_EQ(got[1], 0);
	req = got[0];
	vbgt_diag("uid 1000, root of its own user namespace with gid %d: "
		  "requestor %#x", VBOXUSERS_GID, req);
	vbgt_ref_defect("root of a user namespace is reported as root "
			"(class 3)");
	EXPECT_EQ(req & VMMDEV_REQUESTOR_USR_MASK, VMMDEV_REQUESTOR_USR_USER);
	EXPECT(!(req & VMMDEV_REQUESTOR_GRP_VBOX),
	       "the group claimed in a user namespace counted: %#x", req);
}

/* A real member of the group (supplementary gid) gets the bit. */
static void requestor_group_member(void)
{
	uint32_t *got = vbgt_shared(sizeof(*got));
	gid_t groups[1] = { VBOXUSERS_GID };
	pid_t pid;
	int ret;

	vbgt_ref_defect("no vboxusers_gid parameter: a user never gets the "
			"group bit");
	ret = set_vboxusers_gid(VBOXUSERS_GID);
	ASSERT(ret == 0, "set %s: %s", VBOXUSERS_PARAM, strerror(-ret));
	fflush(stdout);
	pid = fork();
	ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		ASSERT(setgroups(1, groups) == 0 && setgid(VBGT_GID) == 0 &&
		       setuid(VBGT_UID) == 0, "drop to uid 1000: %s",
		       strerror(errno));
		user_in_group(got);
		fflush(stdout);
		_exit(0);
	}
	ret = vbgt_wait_child(pid, 15000);
	EXPECT(ret == 0 || ret == 1, "helper ended with status %d", ret);
	EXPECT_EQ(set_vboxusers_gid(-1), 0);
	vbgt_diag("uid 1000 in group %d: requestor %#x", VBOXUSERS_GID, *got);
	EXPECT(*got & VMMDEV_REQUESTOR_GRP_VBOX, "requestor %#x", *got);
	/* And without the parameter nobody is. */
	vbgt_run_as_user(user_in_group, got);
	EXPECT(!(*got & VMMDEV_REQUESTOR_GRP_VBOX), "requestor %#x", *got);
}

static const struct vbgt_case cases[] = {
	VBGT_CASE(host_version_root_vboxguest),
	VBGT_CASE(host_version_root_vboxuser),
	VBGT_CASE(host_version_user_vboxuser),
	VBGT_CASE(host_version_values_from_host),
	VBGT_CASE(host_time_both_nodes),
	VBGT_CASE(session_id_stable),
	VBGT_CASE(disallowed_types_user_eperm),
	VBGT_CASE(kernel_only_types_root_eperm),
	VBGT_CASE(invalid_type_einval),
	VBGT_CASE(trusted_type_root_vboxguest),
	VBGT_CASE(trusted_type_root_vboxuser_eperm),
	VBGT_CASE(guest_status_reaches_host),
	VBGT_CASE(host_error_status_returned),
	VBGT_CASE(bad_request_header_einval),
	VBGT_CASE(request_big_pointer_shape),
	VBGT_CASE(display_hint_passthrough),
	VBGT_CASE(seamless_passthrough),
	VBGT_CASE(write_core_dump_reaches_host),
	VBGT_CASE(write_core_dump_user),
	VBGT_CASE(request_big_alt_code),
	VBGT_CASE(requestor_not_spoofable),
	VBGT_CASE(legacy_report_caps_refused),
	VBGT_CASE(driver_facility_status_refused),
	VBGT_CASE(requestor_console_is_vt),
	VBGT_CASE(requestor_group_from_init_ns),
	VBGT_CASE(requestor_group_member),
};

VBGT_SUITE("t_request", cases)
