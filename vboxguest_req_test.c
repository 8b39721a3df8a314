// SPDX-License-Identifier: (GPL-2.0 OR CDDL-1.0)
/*
 * KUnit suite vboxguest_req: requests and the host boundary.
 *
 * Status conversion (vbg_status_code_to_errno), request allocation and
 * submission (vbg_req_alloc/vbg_req_submit) against the scripted fake host,
 * the raw-request allow-list per node with the forced requestor and the
 * facilities userspace may report, and the
 * requestor computed at open (vbg_session_requestor).
 */

#include <kunit/test.h>
#include <linux/io.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vbox_err.h>
#include "vboxguest_test.h"

/* --- vbg_status_code_to_errno() ---------------------------------------- */

struct vbg_status_case {
	const char *name;
	int rc;
	int err;
};

#define VBG_RC(rc, err) { #rc, rc, err }

static const struct vbg_status_case vbg_status_cases[] = {
	VBG_RC(VINF_SUCCESS, 0),
	VBG_RC(VINF_HGCM_ASYNC_EXECUTE, 0),
	{ "positive_informational_1", 1, 0 },
	{ "positive_max", S32_MAX, 0 },
	VBG_RC(VERR_GENERAL_FAILURE, -EPROTO),
	VBG_RC(VERR_INTERNAL_ERROR, -EPROTO),
	{ "unknown_negative", -123456, -EPROTO },
	{ "s32_min", S32_MIN, -EPROTO },
	VBG_RC(VERR_ACCESS_DENIED, -EPERM),
	VBG_RC(VERR_FILE_NOT_FOUND, -ENOENT),
	VBG_RC(VERR_PROCESS_NOT_FOUND, -ESRCH),
	VBG_RC(VERR_INTERRUPTED, -EINTR),
	VBG_RC(VERR_DEV_IO_ERROR, -EIO),
	VBG_RC(VERR_TOO_MUCH_DATA, -E2BIG),
	VBG_RC(VERR_BAD_EXE_FORMAT, -ENOEXEC),
	VBG_RC(VERR_INVALID_HANDLE, -EBADF),
	VBG_RC(VERR_TRY_AGAIN, -EAGAIN),
	VBG_RC(VERR_NO_MEMORY, -ENOMEM),
	VBG_RC(VERR_INVALID_POINTER, -EFAULT),
	VBG_RC(VERR_RESOURCE_BUSY, -EBUSY),
	VBG_RC(VERR_ALREADY_EXISTS, -EEXIST),
	VBG_RC(VERR_NOT_SAME_DEVICE, -EXDEV),
	VBG_RC(VERR_NOT_A_DIRECTORY, -ENOTDIR),
	VBG_RC(VERR_PATH_NOT_FOUND, -ENOTDIR),
	VBG_RC(VERR_IS_A_DIRECTORY, -EISDIR),
	VBG_RC(VERR_INVALID_PARAMETER, -EINVAL),
	VBG_RC(VERR_TOO_MANY_OPEN_FILES, -ENFILE),
	VBG_RC(VERR_INVALID_FUNCTION, -ENOTTY),
	VBG_RC(VERR_SHARING_VIOLATION, -ETXTBSY),
	VBG_RC(VERR_FILE_TOO_BIG, -EFBIG),
	VBG_RC(VERR_DISK_FULL, -ENOSPC),
	VBG_RC(VERR_SEEK_ON_DEVICE, -ESPIPE),
	VBG_RC(VERR_WRITE_PROTECT, -EROFS),
	VBG_RC(VERR_BROKEN_PIPE, -EPIPE),
	VBG_RC(VERR_DEADLOCK, -EDEADLK),
	VBG_RC(VERR_FILENAME_TOO_LONG, -ENAMETOOLONG),
	VBG_RC(VERR_FILE_LOCK_FAILED, -ENOLCK),
	VBG_RC(VERR_NOT_IMPLEMENTED, -EOPNOTSUPP),
	VBG_RC(VERR_NOT_SUPPORTED, -EOPNOTSUPP),
	VBG_RC(VERR_DIR_NOT_EMPTY, -ENOTEMPTY),
	VBG_RC(VERR_TOO_MANY_SYMLINKS, -ELOOP),
	VBG_RC(VERR_NO_DATA, -ENODATA),
	VBG_RC(VERR_NO_MORE_FILES, -ENODATA),
	VBG_RC(VERR_NET_NO_NETWORK, -ENONET),
	VBG_RC(VERR_NET_NOT_UNIQUE_NAME, -ENOTUNIQ),
	VBG_RC(VERR_NO_TRANSLATION, -EILSEQ),
	VBG_RC(VERR_NET_NOT_SOCKET, -ENOTSOCK),
	VBG_RC(VERR_NET_DEST_ADDRESS_REQUIRED, -EDESTADDRREQ),
	VBG_RC(VERR_NET_MSG_SIZE, -EMSGSIZE),
	VBG_RC(VERR_NET_PROTOCOL_TYPE, -EPROTOTYPE),
	VBG_RC(VERR_NET_PROTOCOL_NOT_AVAILABLE, -ENOPROTOOPT),
	VBG_RC(VERR_NET_PROTOCOL_NOT_SUPPORTED, -EPROTONOSUPPORT),
	VBG_RC(VERR_NET_SOCKET_TYPE_NOT_SUPPORTED, -ESOCKTNOSUPPORT),
	VBG_RC(VERR_NET_OPERATION_NOT_SUPPORTED, -EOPNOTSUPP),
	VBG_RC(VERR_NET_PROTOCOL_FAMILY_NOT_SUPPORTED, -EPFNOSUPPORT),
	VBG_RC(VERR_NET_ADDRESS_FAMILY_NOT_SUPPORTED, -EAFNOSUPPORT),
	VBG_RC(VERR_NET_ADDRESS_IN_USE, -EADDRINUSE),
	VBG_RC(VERR_NET_ADDRESS_NOT_AVAILABLE, -EADDRNOTAVAIL),
	VBG_RC(VERR_NET_DOWN, -ENETDOWN),
	VBG_RC(VERR_NET_UNREACHABLE, -ENETUNREACH),
	VBG_RC(VERR_NET_CONNECTION_RESET, -ENETRESET),
	VBG_RC(VERR_NET_CONNECTION_ABORTED, -ECONNABORTED),
	VBG_RC(VERR_NET_CONNECTION_RESET_BY_PEER, -ECONNRESET),
	VBG_RC(VERR_NET_NO_BUFFER_SPACE, -ENOBUFS),
	VBG_RC(VERR_NET_ALREADY_CONNECTED, -EISCONN),
	VBG_RC(VERR_NET_NOT_CONNECTED, -ENOTCONN),
	VBG_RC(VERR_NET_SHUTDOWN, -ESHUTDOWN),
	VBG_RC(VERR_NET_TOO_MANY_REFERENCES, -ETOOMANYREFS),
	VBG_RC(VERR_TIMEOUT, -ETIMEDOUT),
	VBG_RC(VERR_NET_CONNECTION_REFUSED, -ECONNREFUSED),
	VBG_RC(VERR_NET_HOST_DOWN, -EHOSTDOWN),
	VBG_RC(VERR_NET_HOST_UNREACHABLE, -EHOSTUNREACH),
	VBG_RC(VERR_NET_ALREADY_IN_PROGRESS, -EALREADY),
	VBG_RC(VERR_NET_IN_PROGRESS, -EINPROGRESS),
	VBG_RC(VERR_MEDIA_NOT_PRESENT, -ENOMEDIUM),
	VBG_RC(VERR_MEDIA_NOT_RECOGNIZED, -EMEDIUMTYPE),
};

KUNIT_ARRAY_PARAM_DESC(vbg_status, vbg_status_cases, name);

static void vbg_status_code_to_errno_table(struct kunit *test)
{
	const struct vbg_status_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, vbg_status_code_to_errno(c->rc), c->err);
}

/* --- vbg_req_alloc() / vbg_req_free() ---------------------------------- */

struct vbg_alloc_case {
	const char *name;
	size_t len;
	bool ok;
};

static const struct vbg_alloc_case vbg_alloc_cases[] = {
	{ "len_0_refused", 0, false },
	{ "len_23_refused", 23, false },
	{ "len_24_header_only", 24, true },
	{ "len_28_smallest_cache", 28, true },
	{ "len_64_cache_edge", 64, true },
	{ "len_65_next_cache", 65, true },
	{ "len_2048_largest_cache", 2048, true },
	{ "len_2049_pages", 2049, true },
	{ "len_2080_balloon", 2080, true },
	{ "len_5000_two_pages", 5000, true },
	{ "len_1m_max", SZ_1M, true },
	{ "len_1m_plus_1_refused", SZ_1M + 1, false },
};

KUNIT_ARRAY_PARAM_DESC(vbg_alloc, vbg_alloc_cases, name);

static void vbg_req_alloc_sizes(struct kunit *test)
{
	const struct vbg_alloc_case *c = test->param_value;
	struct vmmdev_request_header *req;
	const u8 *body;
	size_t i;

	req = vbg_req_alloc(c->len, VMMDEVREQ_GET_HOST_TIME, 0x1234);
	if (!c->ok) {
		KUNIT_EXPECT_NULL(test, req);
		return;
	}
	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_EXPECT_EQ(test, req->size, c->len);
	KUNIT_EXPECT_EQ(test, req->version, VMMDEV_REQUEST_HEADER_VERSION);
	KUNIT_EXPECT_EQ(test, req->request_type, VMMDEVREQ_GET_HOST_TIME);
	KUNIT_EXPECT_EQ(test, req->rc, VERR_GENERAL_FAILURE);
	KUNIT_EXPECT_EQ(test, req->reserved1, 0);
	KUNIT_EXPECT_EQ(test, req->requestor, 0x1234);
	/* The port takes a 32-bit physical address. */
	KUNIT_EXPECT_LE(test, (u64)virt_to_phys(req) + c->len, (u64)U32_MAX + 1);
	body = (const u8 *)(req + 1);
	for (i = 0; i < c->len - sizeof(*req); i++)
		if (body[i])
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, c->len - sizeof(*req), "body not zeroed");
	vbg_req_free(req, c->len);
}

/*
 * Freeing nothing is allowed, for every size class (slab caches and whole
 * pages), and leaves the allocator as it was: a request allocated after
 * it, of the same class, is a fresh zeroed one that can be used and freed
 * (a NULL taken for an object would corrupt the class's free list; a
 * warning or a KASAN report fails make kunit).  Each request is dirtied
 * before it is freed: the second 4096 gets the first back (the spare
 * one-page request), which must be zeroed like a fresh one.
 */
static void vbg_req_free_null(struct kunit *test)
{
	static const size_t sizes[] = { 24, 64, 65, 512, 1024, 2048, 4096,
					4096, 4097, SZ_64K, SZ_1M };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct vmmdev_request_header *req;

		vbg_req_free(NULL, sizes[i]);
		req = vbg_req_alloc(sizes[i], VMMDEVREQ_GET_HOST_VERSION, 0);
		KUNIT_ASSERT_NOT_NULL_MSG(test, req, "size %zu", sizes[i]);
		KUNIT_EXPECT_EQ_MSG(test, req->size, (u32)sizes[i], "size %zu",
				    sizes[i]);
		KUNIT_EXPECT_EQ(test, req->request_type, VMMDEVREQ_GET_HOST_VERSION);
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(req + 1, 0,
						       sizes[i] - sizeof(*req)),
				      "size %zu: body not zeroed", sizes[i]);
		memset(req + 1, 0x5a, sizes[i] - sizeof(*req));
		vbg_req_free(req, sizes[i]);
	}
}

/* --- vbg_req_submit() against the fake host ---------------------------- */

struct vbg_submit_case {
	const char *name;
	int submit_ret;
	s32 rc;
	int ret;
	bool counted_error;
};

static const struct vbg_submit_case vbg_submit_cases[] = {
	{ "success", 0, VINF_SUCCESS, 0, false },
	{ "hgcm_async_is_success", 0, VINF_HGCM_ASYNC_EXECUTE, 0, false },
	{ "informational_is_success", 0, 42, 0, false },
	{ "access_denied", 0, VERR_ACCESS_DENIED, -EPERM, true },
	{ "not_supported", 0, VERR_NOT_SUPPORTED, -EOPNOTSUPP, true },
	{ "invalid_parameter", 0, VERR_INVALID_PARAMETER, -EINVAL, true },
	{ "host_ignored_request", 0, VERR_GENERAL_FAILURE, -EPROTO, true },
	{ "garbage_rc", 0, -987654, -EPROTO, true },
	{ "transport_failed", -EIO, VINF_SUCCESS, -EIO, false },
	{ "transport_refused", -EINVAL, VINF_SUCCESS, -EINVAL, false },
};

KUNIT_ARRAY_PARAM_DESC(vbg_submit, vbg_submit_cases, name);

static void vbg_req_submit_results(struct kunit *test)
{
	const struct vbg_submit_case *c = test->param_value;
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_dev *gdev = host->gdev;
	struct vmmdev_request_header *req;
	s64 reqs, errs;

	req = vbg_req_alloc(sizeof(*req) + 8, VMMDEVREQ_GET_HOST_TIME, 0);
	KUNIT_ASSERT_NOT_NULL(test, req);
	reqs = atomic64_read(&gdev->stats[VBG_STAT_REQUESTS]);
	errs = atomic64_read(&gdev->stats[VBG_STAT_REQUEST_ERRORS]);
	vbg_test_script(host, VMMDEVREQ_GET_HOST_TIME, c->submit_ret, c->rc, 0);

	KUNIT_EXPECT_EQ(test, vbg_req_submit(gdev, req), c->ret);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, VMMDEVREQ_GET_HOST_TIME), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gdev->stats[VBG_STAT_REQUESTS]),
			reqs + 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&gdev->stats[VBG_STAT_REQUEST_ERRORS]),
			errs + (c->counted_error ? 1 : 0));
	vbg_req_free(req, sizeof(*req) + 8);
}

struct vbg_malformed_case {
	const char *name;
	u32 size;
	u32 version;
};

static const struct vbg_malformed_case vbg_malformed_cases[] = {
	{ "size_below_header", 23, VMMDEV_REQUEST_HEADER_VERSION },
	{ "size_zero", 0, VMMDEV_REQUEST_HEADER_VERSION },
	{ "size_above_1m", SZ_1M + 1, VMMDEV_REQUEST_HEADER_VERSION },
	{ "version_zero", 32, 0 },
	{ "version_wrong", 32, 0x20001 },
};

KUNIT_ARRAY_PARAM_DESC(vbg_malformed, vbg_malformed_cases, name);

static void vbg_req_submit_malformed(struct kunit *test)
{
	const struct vbg_malformed_case *c = test->param_value;
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_request_header *req;

	req = vbg_req_alloc(32, VMMDEVREQ_GET_HOST_TIME, 0);
	KUNIT_ASSERT_NOT_NULL(test, req);
	req->size = c->size;
	req->version = c->version;
	KUNIT_EXPECT_EQ(test, vbg_req_submit(host->gdev, req), -EINVAL);
	KUNIT_EXPECT_EQ_MSG(test, host->nr_submits, 0,
			    "a malformed request reached the host");
	vbg_req_free(req, 32);
}

/* --- raw requests: allow-list, requestor ------------------------------- */

struct vbg_raw_case {
	const char *name;
	u32 type;
	u32 len;		/* 0: 512 bytes */
	bool user_session;
	int ret;
};

/* One row per node: /dev/vboxguest (G) and /dev/vboxuser (U). */
#define VBG_RAW_G(t, ret)	{ #t "_vboxguest", t, 0, false, ret }
#define VBG_RAW_U(t, ret)	{ #t "_vboxuser", t, 0, true, ret }

static const struct vbg_raw_case vbg_raw_cases[] = {
	VBG_RAW_G(VMMDEVREQ_GET_MOUSE_STATUS, 0),
	VBG_RAW_U(VMMDEVREQ_GET_MOUSE_STATUS, 0),
	VBG_RAW_G(VMMDEVREQ_SET_POINTER_SHAPE, 0),
	VBG_RAW_U(VMMDEVREQ_SET_POINTER_SHAPE, 0),
	VBG_RAW_G(VMMDEVREQ_GET_HOST_VERSION, 0),
	VBG_RAW_U(VMMDEVREQ_GET_HOST_VERSION, 0),
	VBG_RAW_G(VMMDEVREQ_IDLE, 0),
	VBG_RAW_U(VMMDEVREQ_IDLE, 0),
	VBG_RAW_G(VMMDEVREQ_GET_HOST_TIME, 0),
	VBG_RAW_U(VMMDEVREQ_GET_HOST_TIME, 0),
	VBG_RAW_G(VMMDEVREQ_SET_POWER_STATUS, 0),
	VBG_RAW_U(VMMDEVREQ_SET_POWER_STATUS, 0),
	VBG_RAW_G(VMMDEVREQ_GET_DISPLAY_CHANGE_REQ, 0),
	VBG_RAW_U(VMMDEVREQ_GET_DISPLAY_CHANGE_REQ, 0),
	/* Replaces the host's capability set behind the trackers. */
	VBG_RAW_G(VMMDEVREQ_REPORT_GUEST_CAPABILITIES, -EPERM),
	VBG_RAW_U(VMMDEVREQ_REPORT_GUEST_CAPABILITIES, -EPERM),
	/* Facility 0 here: allowed (vbg_req_guest_status_table has more). */
	VBG_RAW_G(VMMDEVREQ_REPORT_GUEST_STATUS, 0),
	VBG_RAW_U(VMMDEVREQ_REPORT_GUEST_STATUS, 0),
	VBG_RAW_G(VMMDEVREQ_VIDEO_SET_VISIBLE_REGION, 0),
	VBG_RAW_U(VMMDEVREQ_VIDEO_SET_VISIBLE_REGION, 0),
	VBG_RAW_G(VMMDEVREQ_GET_SEAMLESS_CHANGE_REQ, 0),
	VBG_RAW_U(VMMDEVREQ_GET_SEAMLESS_CHANGE_REQ, 0),
	VBG_RAW_G(VMMDEVREQ_LOG_STRING, 0),
	VBG_RAW_U(VMMDEVREQ_LOG_STRING, 0),
	VBG_RAW_G(VMMDEVREQ_GET_SESSION_ID, 0),
	VBG_RAW_U(VMMDEVREQ_GET_SESSION_ID, 0),
	VBG_RAW_G(VMMDEVREQ_VIDEO_UPDATE_MONITOR_POSITIONS, 0),
	VBG_RAW_U(VMMDEVREQ_VIDEO_UPDATE_MONITOR_POSITIONS, 0),
	VBG_RAW_G(VMMDEVREQ_REPORT_GUEST_USER_STATE, 0),
	VBG_RAW_U(VMMDEVREQ_REPORT_GUEST_USER_STATE, -EPERM),
	VBG_RAW_G(VMMDEVREQ_QUERY_CREDENTIALS, 0),
	VBG_RAW_U(VMMDEVREQ_QUERY_CREDENTIALS, -EPERM),
	VBG_RAW_G(VMMDEVREQ_REPORT_CREDENTIALS_JUDGEMENT, 0),
	VBG_RAW_U(VMMDEVREQ_REPORT_CREDENTIALS_JUDGEMENT, -EPERM),
	VBG_RAW_G(VMMDEVREQ_REPORT_GUEST_STATS, 0),
	VBG_RAW_U(VMMDEVREQ_REPORT_GUEST_STATS, -EPERM),
	VBG_RAW_G(VMMDEVREQ_GET_CPU_HOTPLUG_REQ, 0),
	VBG_RAW_U(VMMDEVREQ_GET_CPU_HOTPLUG_REQ, -EPERM),
	VBG_RAW_G(VMMDEVREQ_REGISTER_SHARED_MODULE, 0),
	VBG_RAW_U(VMMDEVREQ_REGISTER_SHARED_MODULE, -EPERM),
	VBG_RAW_G(VMMDEVREQ_WRITE_COREDUMP, 0),
	VBG_RAW_U(VMMDEVREQ_WRITE_COREDUMP, -EPERM),
	VBG_RAW_G(VMMDEVREQ_ACKNOWLEDGE_EVENTS, -EPERM),
	VBG_RAW_U(VMMDEVREQ_ACKNOWLEDGE_EVENTS, -EPERM),
	VBG_RAW_G(VMMDEVREQ_CTL_GUEST_FILTER_MASK, -EPERM),
	VBG_RAW_U(VMMDEVREQ_CTL_GUEST_FILTER_MASK, -EPERM),
	VBG_RAW_G(VMMDEVREQ_REPORT_GUEST_INFO, -EPERM),
	VBG_RAW_U(VMMDEVREQ_REPORT_GUEST_INFO, -EPERM),
	VBG_RAW_G(VMMDEVREQ_SET_GUEST_CAPABILITIES, -EPERM),
	VBG_RAW_U(VMMDEVREQ_SET_GUEST_CAPABILITIES, -EPERM),
	VBG_RAW_G(VMMDEVREQ_REPORT_GUEST_INFO2, -EPERM),
	VBG_RAW_U(VMMDEVREQ_REPORT_GUEST_INFO2, -EPERM),
	VBG_RAW_G(VMMDEVREQ_HGCM_CONNECT, -EPERM),
	VBG_RAW_U(VMMDEVREQ_HGCM_CONNECT, -EPERM),
	VBG_RAW_G(VMMDEVREQ_HGCM_CALL64, -EPERM),
	VBG_RAW_U(VMMDEVREQ_HGCM_CALL64, -EPERM),
	VBG_RAW_G(VMMDEVREQ_HGCM_CANCEL2, -EPERM),
	VBG_RAW_U(VMMDEVREQ_HGCM_CANCEL2, -EPERM),
	VBG_RAW_G(VMMDEVREQ_GET_MEMBALLOON_CHANGE_REQ, -EPERM),
	VBG_RAW_U(VMMDEVREQ_GET_MEMBALLOON_CHANGE_REQ, -EPERM),
	{ "VMMDEVREQ_CHANGE_MEMBALLOON_vboxguest", VMMDEVREQ_CHANGE_MEMBALLOON,
	  2080, false, -EPERM },
	{ "VMMDEVREQ_CHANGE_MEMBALLOON_vboxuser", VMMDEVREQ_CHANGE_MEMBALLOON,
	  2080, true, -EPERM },
	VBG_RAW_G(VMMDEVREQ_GUEST_HEARTBEAT, -EPERM),
	VBG_RAW_U(VMMDEVREQ_GUEST_HEARTBEAT, -EPERM),
	VBG_RAW_G(VMMDEVREQ_HEARTBEAT_CONFIGURE, -EPERM),
	VBG_RAW_U(VMMDEVREQ_HEARTBEAT_CONFIGURE, -EPERM),
	{ "unknown_type_9999", 9999, 0, false, -EPERM },
	{ "type_0_malformed", VMMDEVREQ_INVALID_REQUEST, 0, false, -EINVAL },
	{ "get_mouse_status_short", VMMDEVREQ_GET_MOUSE_STATUS, 32, false, -EINVAL },
	{ "balloon_short_is_malformed", VMMDEVREQ_CHANGE_MEMBALLOON, 512, false, -EINVAL },
	{ "set_mouse_status_exact_refused", VMMDEVREQ_SET_MOUSE_STATUS,
	  sizeof(struct vmmdev_mouse_status), false, -EPERM },
	{ "heartbeat_header_only", VMMDEVREQ_GUEST_HEARTBEAT, 24, true, -EPERM },
};

KUNIT_ARRAY_PARAM_DESC(vbg_raw, vbg_raw_cases, name);

/* A raw request of @len bytes as userspace would pass it. */
static struct vbg_ioctl_hdr *vbg_raw_req(struct kunit *test, u32 type, u32 len)
{
	struct vbg_ioctl_hdr *hdr = kunit_kzalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, hdr);
	vbg_test_hdr(hdr, len, len);
	hdr->type = type;
	/* The requestor field: userspace tries to claim the kernel. */
	hdr->reserved = VMMDEV_REQUESTOR_KERNEL | VMMDEV_REQUESTOR_USR_DRV;
	return hdr;
}

static void vbg_req_allowed_table(struct kunit *test)
{
	const struct vbg_raw_case *c = test->param_value;
	struct vbg_test_host *host = vbg_test_host(test);
	u32 len = c->len ?: 512;
	struct vbg_session *session = vbg_test_open(test, c->user_session);
	struct vbg_ioctl_hdr *hdr = vbg_raw_req(test, c->type, len);
	const struct vbg_test_record *rec;
	unsigned int cmd = len < (1 << _IOC_SIZEBITS) ?
			   VBG_IOCTL_VMMDEV_REQUEST(len) : VBG_IOCTL_VMMDEV_REQUEST_BIG;

	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, cmd, hdr), c->ret);
	rec = vbg_test_last(host, c->type);
	if (c->ret) {
		KUNIT_EXPECT_NULL_MSG(test, rec, "a refused request reached the host");
	} else {
		KUNIT_ASSERT_NOT_NULL(test, rec);
		KUNIT_EXPECT_EQ(test, rec->size, len);
		/* The session's requestor is forced in, reserved1 zeroed. */
		KUNIT_EXPECT_EQ(test, rec->requestor, session->requestor);
		KUNIT_EXPECT_EQ(test, rec->reserved1, 0);
		KUNIT_EXPECT_EQ(test, hdr->rc, VINF_SUCCESS);
	}
	vbg_test_close(session);
}

/* --- ReportGuestStatus: which facilities userspace may report -------- */

struct vbg_facility_case {
	const char *name;
	u32 facility;
	bool user_session;
	int ret;
};

static const struct vbg_facility_case vbg_facility_cases[] = {
	{ "driver_vboxguest", VBOXGUEST_FACILITY_TYPE_VBOXGUEST_DRIVER, false,
	  -EPERM },
	{ "driver_vboxuser", VBOXGUEST_FACILITY_TYPE_VBOXGUEST_DRIVER, true,
	  -EPERM },
	{ "all_vboxguest", VBOXGUEST_FACILITY_TYPE_ALL, false, -EPERM },
	{ "all_vboxuser", VBOXGUEST_FACILITY_TYPE_ALL, true, -EPERM },
	{ "vboxservice_vboxguest", 100, false, 0 },
	{ "vboxclient_vboxuser", 101, true, 0 },
	{ "seamless_vboxuser", 1000, true, 0 },
	{ "driver_plus_one_vboxuser", 21, true, 0 },
	{ "all_plus_one_vboxuser", VBOXGUEST_FACILITY_TYPE_ALL + 1, true, 0 },
};

KUNIT_ARRAY_PARAM_DESC(vbg_facility, vbg_facility_cases, name);

static void vbg_req_guest_status_table(struct kunit *test)
{
	const struct vbg_facility_case *c = test->param_value;
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *session = vbg_test_open(test, c->user_session);
	u32 len = sizeof(struct vmmdev_guest_status);
	struct vbg_ioctl_hdr *hdr = vbg_raw_req(test, VMMDEVREQ_REPORT_GUEST_STATUS,
						len);
	struct vmmdev_guest_status *req = (void *)hdr;
	const struct vbg_test_record *rec;

	req->facility = c->facility;
	req->status = VBOXGUEST_FACILITY_STATUS_INACTIVE;
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, VBG_IOCTL_VMMDEV_REQUEST(len),
					     hdr), c->ret);
	rec = vbg_test_last(host, VMMDEVREQ_REPORT_GUEST_STATUS);
	if (c->ret) {
		KUNIT_EXPECT_NULL_MSG(test, rec, "a refused status reached the host");
	} else {
		KUNIT_ASSERT_NOT_NULL(test, rec);
		KUNIT_EXPECT_EQ(test, rec->word[0], c->facility);
	}
	vbg_test_close(session);
}

static void vbg_req_raw_host_error_in_rc(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *session = vbg_test_open(test, false);
	struct vbg_ioctl_hdr *hdr = vbg_raw_req(test, VMMDEVREQ_GET_HOST_TIME, 32);

	vbg_test_script(host, VMMDEVREQ_GET_HOST_TIME, 0, VERR_NOT_SUPPORTED, 0);
	/* The transport worked: 0, and the host's verdict in the header. */
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, VBG_IOCTL_VMMDEV_REQUEST(32),
					     hdr), 0);
	KUNIT_EXPECT_EQ(test, hdr->rc, VERR_NOT_SUPPORTED);
	KUNIT_EXPECT_EQ(test, hdr->size_out, 0);
	KUNIT_EXPECT_EQ(test, hdr->reserved, 0);
	vbg_test_close(session);
}

static void vbg_req_raw_payload_round_trip(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *session = vbg_test_open(test, true);
	struct vbg_ioctl_hdr *hdr = vbg_raw_req(test, VMMDEVREQ_GET_MOUSE_STATUS, 36);
	u32 *payload = (u32 *)(hdr + 1);
	const struct vbg_test_record *rec;

	payload[0] = 0xa5a5a5a5;
	payload[1] = 7;
	payload[2] = 9;
	KUNIT_ASSERT_EQ(test, vbg_test_ioctl(session, VBG_IOCTL_VMMDEV_REQUEST(36),
					     hdr), 0);
	rec = vbg_test_last(host, VMMDEVREQ_GET_MOUSE_STATUS);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_EXPECT_EQ(test, rec->word[0], 0xa5a5a5a5);
	KUNIT_EXPECT_EQ(test, rec->word[1], 7);
	KUNIT_EXPECT_EQ(test, rec->word[2], 9);
	KUNIT_EXPECT_EQ(test, rec->requestor, session->requestor);
	vbg_test_close(session);
}

struct vbg_raw_shape_case {
	const char *name;
	u32 len;
	u32 size_out;
	int ret;
};

static const struct vbg_raw_shape_case vbg_raw_shape_cases[] = {
	{ "size_out_equal", 36, 36, 0 },
	{ "size_out_zero", 36, 0, 0 },
	{ "size_out_smaller", 36, 32, -EINVAL },
	{ "size_out_larger_than_code", 36, 40, -EINVAL },
	{ "header_only_below_minimum", 24, 24, -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(vbg_raw_shape, vbg_raw_shape_cases, name);

static void vbg_req_raw_shape(struct kunit *test)
{
	const struct vbg_raw_shape_case *c = test->param_value;
	struct vbg_session *session = vbg_test_open(test, false);
	struct vbg_ioctl_hdr *hdr = vbg_raw_req(test, VMMDEVREQ_GET_MOUSE_STATUS,
						c->len);

	hdr->size_out = c->size_out;
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, VBG_IOCTL_VMMDEV_REQUEST_BIG,
					     hdr), c->ret);
	vbg_test_close(session);
}

static void vbg_req_raw_too_big(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *session = vbg_test_open(test, false);
	struct vbg_ioctl_hdr *hdr = vbg_raw_req(test, VMMDEVREQ_LOG_STRING,
						SZ_1M + 32);

	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, VBG_IOCTL_VMMDEV_REQUEST_BIG,
					     hdr), -E2BIG);
	KUNIT_EXPECT_EQ(test, host->nr_submits, 0);
	vbg_test_close(session);
}

/* WRITE_CORE_DUMP: flags must be 0; the host's verdict goes to hdr.rc. */
static void vbg_req_write_core_dump(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *session = vbg_test_open(test, false);
	struct vbg_ioctl_write_coredump d = {};
	const struct vbg_test_record *rec;

	vbg_test_hdr(&d.hdr, sizeof(d), 0);
	d.u.in.flags = 1;
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, VBG_IOCTL_WRITE_CORE_DUMP, &d),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, host->nr_submits, 0);

	vbg_test_hdr(&d.hdr, sizeof(d), 0);
	d.u.in.flags = 0;
	vbg_test_script(host, VMMDEVREQ_WRITE_COREDUMP, 0, VERR_NOT_SUPPORTED, 0);
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, VBG_IOCTL_WRITE_CORE_DUMP, &d), 0);
	KUNIT_EXPECT_EQ(test, d.hdr.rc, VERR_NOT_SUPPORTED);
	rec = vbg_test_last(host, VMMDEVREQ_WRITE_COREDUMP);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_EXPECT_EQ(test, rec->requestor, session->requestor);
	vbg_test_close(session);
}

/* --- vbg_session_requestor() ------------------------------------------- */

struct vbg_requestor_case {
	const char *name;
	bool user_node;
	bool root;
	bool vbox_group;
	int console;
	u32 want;
};

#define VBG_UM	(VMMDEV_REQUESTOR_USERMODE | VMMDEV_REQUESTOR_TRUST_NOT_GIVEN)

static const struct vbg_requestor_case vbg_requestor_cases[] = {
	{ "root_guest_node_console_unknown", false, true, false, -1,
	  VBG_UM | VMMDEV_REQUESTOR_USR_ROOT | VMMDEV_REQUESTOR_CON_DONT_KNOW },
	{ "user_guest_node_console_unknown", false, false, false, -1,
	  VBG_UM | VMMDEV_REQUESTOR_USR_USER },
	{ "user_user_node", true, false, false, -1,
	  VBG_UM | VMMDEV_REQUESTOR_USR_USER | VMMDEV_REQUESTOR_USER_DEVICE },
	{ "root_user_node", true, true, false, -1,
	  VBG_UM | VMMDEV_REQUESTOR_USR_ROOT | VMMDEV_REQUESTOR_USER_DEVICE },
	{ "user_vbox_group", true, false, true, -1,
	  VBG_UM | VMMDEV_REQUESTOR_USR_USER | VMMDEV_REQUESTOR_USER_DEVICE |
	  VMMDEV_REQUESTOR_GRP_VBOX },
	{ "user_on_console", false, false, false, 1,
	  VBG_UM | VMMDEV_REQUESTOR_USR_USER | VMMDEV_REQUESTOR_CON_YES },
	{ "user_not_on_console", false, false, false, 0,
	  VBG_UM | VMMDEV_REQUESTOR_USR_USER | VMMDEV_REQUESTOR_CON_NO },
	{ "console_large_positive", true, true, true, 7,
	  VBG_UM | VMMDEV_REQUESTOR_USR_ROOT | VMMDEV_REQUESTOR_USER_DEVICE |
	  VMMDEV_REQUESTOR_GRP_VBOX | VMMDEV_REQUESTOR_CON_YES },
	{ "console_negative_unknown", false, true, true, -5,
	  VBG_UM | VMMDEV_REQUESTOR_USR_ROOT | VMMDEV_REQUESTOR_GRP_VBOX },
};

KUNIT_ARRAY_PARAM_DESC(vbg_requestor, vbg_requestor_cases, name);

static void vbg_session_requestor_table(struct kunit *test)
{
	const struct vbg_requestor_case *c = test->param_value;
	u32 r = vbg_session_requestor(c->user_node, c->root, c->vbox_group,
				      c->console);

	KUNIT_EXPECT_EQ(test, r, c->want);
	/* Never the kernel's mode, never a trust level it did not compute. */
	KUNIT_EXPECT_EQ(test, r & VMMDEV_REQUESTOR_MODE_MASK,
			VMMDEV_REQUESTOR_USERMODE);
}

static struct kunit_case vbg_req_test_cases[] = {
	KUNIT_CASE_PARAM(vbg_status_code_to_errno_table, vbg_status_gen_params),
	KUNIT_CASE_PARAM(vbg_req_alloc_sizes, vbg_alloc_gen_params),
	KUNIT_CASE(vbg_req_free_null),
	KUNIT_CASE_PARAM(vbg_req_submit_results, vbg_submit_gen_params),
	KUNIT_CASE_PARAM(vbg_req_submit_malformed, vbg_malformed_gen_params),
	KUNIT_CASE_PARAM(vbg_req_allowed_table, vbg_raw_gen_params),
	KUNIT_CASE_PARAM(vbg_req_guest_status_table, vbg_facility_gen_params),
	KUNIT_CASE(vbg_req_raw_host_error_in_rc),
	KUNIT_CASE(vbg_req_raw_payload_round_trip),
	KUNIT_CASE_PARAM(vbg_req_raw_shape, vbg_raw_shape_gen_params),
	KUNIT_CASE(vbg_req_raw_too_big),
	KUNIT_CASE(vbg_req_write_core_dump),
	KUNIT_CASE_PARAM(vbg_session_requestor_table, vbg_requestor_gen_params),
	{}
};

static struct kunit_suite vbg_req_test_suite = {
	.name = "vboxguest_req",
	.init = vbg_test_host_init,
	.exit = vbg_test_host_exit,
	.test_cases = vbg_req_test_cases,
};

kunit_test_suite(vbg_req_test_suite);
