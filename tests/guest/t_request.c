// SPDX-License-Identifier: GPL-2.0
/*
 * t_request: raw VMMDev requests through VBG_IOCTL_VMMDEV_REQUEST(_BIG) on
 * both nodes: what reaches the host, what comes back, the allow-list, the
 * requestor the host sees, header validation.
 */
#include "vbgt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

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
};

VBGT_SUITE("t_request", cases)
