// SPDX-License-Identifier: (GPL-2.0 OR CDDL-1.0)
/*
 * KUnit suite vboxguest_ioctl: the common header check
 * (vbg_ioctl_check_header), each handler's shape and mask checks, routing of
 * codes in vbg_core_ioctl(), DRIVER_VERSION_INFO, LOG and
 * INTERRUPT_ALL_WAIT_FOR_EVENTS.
 */

#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vbox_err.h>
#include "vboxguest_test.h"

/* --- vbg_ioctl_check_header() ------------------------------------------ */

struct vbg_hdr_case {
	const char *name;
	unsigned int cmd;
	u32 version;
	u32 size_in;
	u32 size_out;
	int ret;
	size_t size;		/* expected size when ret == 0 */
};

#define VBG_V	VBG_IOCTL_HDR_VERSION
#define VBG_WAIT	VBG_IOCTL_WAIT_FOR_EVENTS	/* _IOC_SIZE 32 */

static const struct vbg_hdr_case vbg_hdr_cases[] = {
	{ "wait_exact_in_out", VBG_WAIT, VBG_V, 32, 28, 0, 32 },
	{ "wait_size_out_zero_means_in", VBG_WAIT, VBG_V, 32, 0, 0, 32 },
	{ "wait_out_sets_max", VBG_WAIT, VBG_V, 28, 32, 0, 32 },
	{ "version_zero", VBG_WAIT, 0, 32, 28, -EINVAL, 0 },
	{ "version_next_major", VBG_WAIT, 0x20001, 32, 28, -EINVAL, 0 },
	{ "version_minor_differs", VBG_WAIT, 0x10002, 32, 28, -EINVAL, 0 },
	{ "size_in_below_header", VBG_WAIT, VBG_V, 23, 32, -EINVAL, 0 },
	{ "size_in_zero", VBG_WAIT, VBG_V, 0, 32, -EINVAL, 0 },
	{ "size_out_below_header", VBG_WAIT, VBG_V, 32, 20, -EINVAL, 0 },
	{ "size_not_ioc_size", VBG_WAIT, VBG_V, 36, 28, -EINVAL, 0 },
	{ "size_smaller_than_ioc_size", VBG_WAIT, VBG_V, 28, 28, -EINVAL, 0 },
	{ "big_request_any_size", VBG_IOCTL_VMMDEV_REQUEST_BIG, VBG_V,
	  4096, 0, 0, 4096 },
	{ "big_request_16m_cap", VBG_IOCTL_VMMDEV_REQUEST_BIG, VBG_V,
	  SZ_16M, 24, 0, SZ_16M },
	{ "big_request_over_cap", VBG_IOCTL_VMMDEV_REQUEST_BIG, VBG_V,
	  SZ_16M + 1, 24, -E2BIG, 0 },
	{ "size_out_over_cap", VBG_IOCTL_VMMDEV_REQUEST_BIG, VBG_V,
	  24, U32_MAX, -E2BIG, 0 },
	{ "log_header_only", VBG_IOCTL_LOG(0), VBG_V, 24, 0, 0, 24 },
	{ "sized_request_matches", VBG_IOCTL_VMMDEV_REQUEST(36), VBG_V,
	  36, 36, 0, 36 },
	{ "sized_request_mismatch", VBG_IOCTL_VMMDEV_REQUEST(36), VBG_V,
	  40, 40, -EINVAL, 0 },
};

KUNIT_ARRAY_PARAM_DESC(vbg_hdr, vbg_hdr_cases, name);

static void vbg_ioctl_check_header_table(struct kunit *test)
{
	const struct vbg_hdr_case *c = test->param_value;
	struct vbg_ioctl_hdr hdr = {
		.size_in = c->size_in,
		.version = c->version,
		.size_out = c->size_out,
	};
	size_t size = 0;

	KUNIT_EXPECT_EQ(test, vbg_ioctl_check_header(c->cmd, &hdr, &size), c->ret);
	if (!c->ret)
		KUNIT_EXPECT_EQ(test, size, c->size);
}

/* --- the header's type and reserved word ------------------------------ */

struct vbg_hdr_word_case {
	const char *name;
	unsigned int cmd;
	u32 size;		/* size_in = size_out */
	u32 type;
	u32 reserved;
	int ret;
};

static const struct vbg_hdr_word_case vbg_hdr_word_cases[] = {
	{ "wait_default", VBG_WAIT, 32, VBG_IOCTL_HDR_TYPE_DEFAULT, 0, 0 },
	{ "wait_request_type", VBG_WAIT, 32, VMMDEVREQ_GET_HOST_VERSION, 0,
	  -EINVAL },
	{ "wait_type_bit_31", VBG_WAIT, 32, BIT(31), 0, -EINVAL },
	{ "wait_reserved", VBG_WAIT, 32, VBG_IOCTL_HDR_TYPE_DEFAULT, 1, -EINVAL },
	{ "wait_reserved_bit_31", VBG_WAIT, 32, VBG_IOCTL_HDR_TYPE_DEFAULT,
	  BIT(31), -EINVAL },
	{ "hgcm_call_type", VBG_IOCTL_HGCM_CALL_64(40), 40,
	  VMMDEVREQ_HGCM_CALL64, 0, -EINVAL },
	{ "hgcm_call_reserved", VBG_IOCTL_HGCM_CALL_32(40), 40,
	  VBG_IOCTL_HDR_TYPE_DEFAULT, 2, -EINVAL },
	{ "log_type", VBG_IOCTL_LOG(0), 30, 1, 0, -EINVAL },
	{ "log_reserved", VBG_IOCTL_LOG(0), 30, 0, 1, -EINVAL },
	/* The raw request: its type, and its requestor in the reserved word. */
	{ "request_type_and_requestor", VBG_IOCTL_VMMDEV_REQUEST(40), 40,
	  VMMDEVREQ_GET_HOST_VERSION, VMMDEV_REQUESTOR_USR_DRV, 0 },
	{ "request_big_type_and_requestor", VBG_IOCTL_VMMDEV_REQUEST_BIG, 40,
	  VMMDEVREQ_GET_HOST_VERSION, VMMDEV_REQUESTOR_USR_DRV, 0 },
};

KUNIT_ARRAY_PARAM_DESC(vbg_hdr_word, vbg_hdr_word_cases, name);

static void vbg_ioctl_check_header_type_reserved(struct kunit *test)
{
	const struct vbg_hdr_word_case *c = test->param_value;
	struct vbg_ioctl_hdr hdr = {
		.size_in = c->size,
		.version = VBG_V,
		.type = c->type,
		.size_out = c->size,
		.reserved = c->reserved,
	};
	size_t size = 0;

	KUNIT_EXPECT_EQ(test, vbg_ioctl_check_header(c->cmd, &hdr, &size), c->ret);
}

/* --- the shape check of every handler (vbg_ioctl_check_sizes) --------- */

struct vbg_shape_case {
	const char *name;
	unsigned int cmd;
	u32 size_in;
	u32 size_out;
	int ret;
};

static const struct vbg_shape_case vbg_shape_cases[] = {
	{ "version_info_exact", VBG_IOCTL_DRIVER_VERSION_INFO, 40, 44, 0 },
	{ "version_info_in_too_big", VBG_IOCTL_DRIVER_VERSION_INFO, 44, 44, -EINVAL },
	{ "version_info_out_short", VBG_IOCTL_DRIVER_VERSION_INFO, 44, 0, -EINVAL },
	{ "wait_out_too_big", VBG_IOCTL_WAIT_FOR_EVENTS, 32, 32, -EINVAL },
	{ "wait_in_short", VBG_IOCTL_WAIT_FOR_EVENTS, 28, 32, -EINVAL },
	{ "interrupt_all_header_only", VBG_IOCTL_INTERRUPT_ALL_WAIT_FOR_EVENTS,
	  24, 24, 0 },
	{ "filter_out_not_allowed", VBG_IOCTL_CHANGE_FILTER_MASK, 32, 32, -EINVAL },
	{ "filter_in_only", VBG_IOCTL_CHANGE_FILTER_MASK, 32, 0, 0 },
	{ "filter_out_header", VBG_IOCTL_CHANGE_FILTER_MASK, 32, 24, 0 },
	{ "acquire_in_only", VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES, 36, 0, 0 },
	{ "acquire_out_not_allowed", VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES,
	  36, 36, -EINVAL },
	{ "set_caps_in_out", VBG_IOCTL_CHANGE_GUEST_CAPABILITIES, 32, 32, 0 },
	{ "set_caps_out_header_only", VBG_IOCTL_CHANGE_GUEST_CAPABILITIES,
	  32, 24, -EINVAL },
	{ "mouse_in_only", VBG_IOCTL_SET_MOUSE_STATUS, 28, 0, 0 },
	{ "mouse_out_too_big", VBG_IOCTL_SET_MOUSE_STATUS, 28, 28, -EINVAL },
	{ "core_dump_in_only", VBG_IOCTL_WRITE_CORE_DUMP, 28, 0, 0 },
};

KUNIT_ARRAY_PARAM_DESC(vbg_shape, vbg_shape_cases, name);

static void vbg_ioctl_check_sizes_table(struct kunit *test)
{
	const struct vbg_shape_case *c = test->param_value;
	struct vbg_session *session = vbg_test_open(test, false);
	struct vbg_ioctl_driver_version_info *arg;

	arg = kunit_kzalloc(test, _IOC_SIZE(c->cmd), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, arg);
	vbg_test_hdr(&arg->hdr, c->size_in, c->size_out);
	if (c->cmd == VBG_IOCTL_DRIVER_VERSION_INFO) {
		arg->u.in.req_version = VBG_IOC_VERSION;
		arg->u.in.min_version = VBG_IOC_VERSION;
	}
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, c->cmd, arg), c->ret);
	if (!c->ret)
		KUNIT_EXPECT_EQ(test, arg->hdr.rc, VINF_SUCCESS);
	vbg_test_close(session);
}

/* --- codes nobody handles ---------------------------------------------- */

struct vbg_code_case {
	const char *name;
	unsigned int cmd;
};

static const struct vbg_code_case vbg_unknown_cases[] = {
	{ "nr_16", _IOWR('V', 16, struct vbg_ioctl_hdr) },
	{ "nr_18", _IOWR('V', 18, struct vbg_ioctl_hdr) },
	{ "nr_20", _IOWR('V', 20, struct vbg_ioctl_hdr) },
	{ "nr_63", _IOWR('V', 63, struct vbg_ioctl_hdr) },
	{ "type_w", _IOWR('W', 0, struct vbg_ioctl_hdr) },
	{ "request_write_only", _IOW('V', 2, struct vbg_ioctl_hdr) },
	{ "request_read_only", _IOR('V', 2, struct vbg_ioctl_hdr) },
	{ "log_write_only", _IOW('V', 9, struct vbg_ioctl_hdr) },
	{ "version_info_wrong_size", _IOWR('V', 0, struct vbg_ioctl_hdr) },
};

KUNIT_ARRAY_PARAM_DESC(vbg_unknown, vbg_unknown_cases, name);

static void vbg_core_ioctl_unknown_code(struct kunit *test)
{
	const struct vbg_code_case *c = test->param_value;
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *session = vbg_test_open(test, false);
	struct vbg_ioctl_hdr hdr;

	vbg_test_hdr(&hdr, sizeof(hdr), sizeof(hdr));
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, c->cmd, &hdr), -ENOTTY);
	KUNIT_EXPECT_EQ(test, host->nr_submits, 0);
	vbg_test_close(session);
}

/* --- DRIVER_VERSION_INFO ----------------------------------------------- */

struct vbg_version_case {
	const char *name;
	u32 req_version;
	u32 min_version;
	s32 rc;
};

static const struct vbg_version_case vbg_version_cases[] = {
	{ "same_version", VBG_IOC_VERSION, VBG_IOC_VERSION, VINF_SUCCESS },
	{ "newer_minor_requested", VBG_IOC_VERSION | 5, VBG_IOC_VERSION,
	  VINF_SUCCESS },
	{ "other_major_requested", 0x00020000, VBG_IOC_VERSION,
	  VERR_VERSION_MISMATCH },
	{ "min_other_major", VBG_IOC_VERSION, 0x00000001,
	  VERR_VERSION_MISMATCH },
	{ "min_newer_than_driver", VBG_IOC_VERSION, VBG_IOC_VERSION + 1,
	  VERR_VERSION_MISMATCH },
	{ "zero", 0, 0, VERR_VERSION_MISMATCH },
};

KUNIT_ARRAY_PARAM_DESC(vbg_version, vbg_version_cases, name);

static void vbg_ioctl_driver_version_info_table(struct kunit *test)
{
	const struct vbg_version_case *c = test->param_value;
	struct vbg_session *session = vbg_test_open(test, true);
	struct vbg_ioctl_driver_version_info info = {};

	vbg_test_hdr(&info.hdr, sizeof(info.hdr) + sizeof(info.u.in), sizeof(info));
	info.u.in.req_version = c->req_version;
	info.u.in.min_version = c->min_version;
	/* A version mismatch is an answer, not a failed call. */
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, VBG_IOCTL_DRIVER_VERSION_INFO,
					     &info), 0);
	KUNIT_EXPECT_EQ(test, info.hdr.rc, c->rc);
	if (c->rc == VINF_SUCCESS) {
		KUNIT_EXPECT_EQ(test, info.u.out.session_version, VBG_IOC_VERSION);
		KUNIT_EXPECT_EQ(test, info.u.out.driver_version, VBG_IOC_VERSION);
		KUNIT_EXPECT_EQ(test, info.u.out.reserved1, 0);
		KUNIT_EXPECT_EQ(test, info.u.out.reserved2, 0);
	}
	vbg_test_close(session);
}

/* --- masks outside the valid bits -------------------------------------- */

struct vbg_mask_case {
	const char *name;
	unsigned int cmd;
	u32 size_in;
	u32 size_out;
	u32 word[3];		/* the words after the header */
};

static const struct vbg_mask_case vbg_mask_cases[] = {
	{ "filter_or_bit_11", VBG_IOCTL_CHANGE_FILTER_MASK, 32, 0, { BIT(11), 0 } },
	{ "filter_not_bit_31", VBG_IOCTL_CHANGE_FILTER_MASK, 32, 0, { 0, BIT(31) } },
	{ "set_caps_or_bit_3", VBG_IOCTL_CHANGE_GUEST_CAPABILITIES, 32, 32,
	  { BIT(3), 0 } },
	{ "set_caps_not_bit_8", VBG_IOCTL_CHANGE_GUEST_CAPABILITIES, 32, 32,
	  { 0, BIT(8) } },
	{ "acquire_flag_bit_1", VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES, 36, 0,
	  { BIT(1), VMMDEV_GUEST_SUPPORTS_SEAMLESS, 0 } },
	{ "acquire_or_bit_3", VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES, 36, 0,
	  { 0, BIT(3), 0 } },
	{ "mouse_host_bit", VBG_IOCTL_SET_MOUSE_STATUS, 28, 0,
	  { VMMDEV_MOUSE_HOST_WANTS_ABSOLUTE } },
	{ "mouse_bit_31", VBG_IOCTL_SET_MOUSE_STATUS, 28, 0, { BIT(31) } },
	{ "wait_event_bit_11", VBG_IOCTL_WAIT_FOR_EVENTS, 32, 28, { 0, BIT(11) } },
	{ "core_dump_flags", VBG_IOCTL_WRITE_CORE_DUMP, 28, 0, { 1 } },
};

KUNIT_ARRAY_PARAM_DESC(vbg_mask, vbg_mask_cases, name);

static void vbg_ioctl_invalid_mask(struct kunit *test)
{
	const struct vbg_mask_case *c = test->param_value;
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *session = vbg_test_open(test, false);
	struct vbg_ioctl_hdr *hdr;
	u32 *words;

	hdr = kunit_kzalloc(test, _IOC_SIZE(c->cmd), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hdr);
	vbg_test_hdr(hdr, c->size_in, c->size_out);
	words = (u32 *)(hdr + 1);
	memcpy(words, c->word, min_t(size_t, sizeof(c->word),
				     _IOC_SIZE(c->cmd) - sizeof(*hdr)));
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, c->cmd, hdr), -EINVAL);
	KUNIT_EXPECT_EQ_MSG(test, host->nr_submits, 0,
			    "an invalid mask reached the host");
	KUNIT_EXPECT_EQ(test, session->event_filter, 0);
	KUNIT_EXPECT_EQ(test, session->set_guest_caps, 0);
	KUNIT_EXPECT_EQ(test, session->acquired_guest_caps, 0);
	KUNIT_EXPECT_EQ(test, session->mouse_status, 0);
	vbg_test_close(session);
}

/* --- LOG --------------------------------------------------------------- */

static void vbg_ioctl_log_prints(struct kunit *test)
{
	struct vbg_session *session = vbg_test_open(test, true);
	static const char msg[] = "kunit says hello\n";
	struct vbg_ioctl_hdr *hdr;
	size_t len = sizeof(*hdr) + sizeof(msg);

	hdr = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hdr);
	vbg_test_hdr(hdr, len, 0);
	memcpy(hdr + 1, msg, sizeof(msg));
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, VBG_IOCTL_LOG(len), hdr), 0);
	KUNIT_EXPECT_EQ(test, hdr->rc, VINF_SUCCESS);
	vbg_test_close(session);
}

static void vbg_ioctl_log_unterminated(struct kunit *test)
{
	struct vbg_session *session = vbg_test_open(test, true);
	struct vbg_ioctl_hdr *hdr;
	size_t len = sizeof(*hdr) + 2048;

	/* No NUL anywhere: the text is cut at the buffer and the cap. */
	hdr = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hdr);
	vbg_test_hdr(hdr, len, len);
	memset(hdr + 1, 'x', len - sizeof(*hdr));
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, VBG_IOCTL_LOG(len), hdr), 0);
	vbg_test_close(session);
}

static void vbg_ioctl_log_bad_size_out(struct kunit *test)
{
	struct vbg_session *session = vbg_test_open(test, true);
	struct vbg_ioctl_hdr *hdr;
	size_t len = sizeof(*hdr) + 16;

	hdr = kunit_kzalloc(test, len + 8, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hdr);
	vbg_test_hdr(hdr, len, len + 8);
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, VBG_IOCTL_LOG(0), hdr), -EINVAL);
	vbg_test_close(session);
}

/* --- INTERRUPT_ALL_WAIT_FOR_EVENTS ------------------------------------- */

static void vbg_ioctl_interrupt_all_cancels_session(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *a = vbg_test_open(test, false);
	struct vbg_session *b = vbg_test_open(test, false);
	struct vbg_ioctl_hdr hdr;
	u32 got;

	vbg_test_hdr(&hdr, sizeof(hdr), sizeof(hdr));
	KUNIT_ASSERT_EQ(test, vbg_test_ioctl(a, VBG_IOCTL_INTERRUPT_ALL_WAIT_FOR_EVENTS,
					     &hdr), 0);
	KUNIT_EXPECT_EQ(test, hdr.rc, VINF_SUCCESS);
	/* Every later wait of that session fails at once, even with events. */
	vbg_test_raise(host, VMMDEV_EVENT_MOUSE_POSITION_CHANGED);
	KUNIT_EXPECT_EQ(test, vbg_test_wait(a, VMMDEV_EVENT_MOUSE_POSITION_CHANGED,
					    U32_MAX, &got), -EINTR);
	KUNIT_EXPECT_EQ(test, vbg_test_wait(a, VMMDEV_EVENT_VALID_EVENT_MASK, 0, &got),
			-EINTR);
	/* The other session is not affected. */
	KUNIT_EXPECT_EQ(test, vbg_test_wait(b, VMMDEV_EVENT_MOUSE_POSITION_CHANGED,
					    0, &got), 0);
	KUNIT_EXPECT_EQ(test, got, VMMDEV_EVENT_MOUSE_POSITION_CHANGED);
	vbg_test_close(b);
	vbg_test_close(a);
}

static struct kunit_case vbg_ioctl_test_cases[] = {
	KUNIT_CASE_PARAM(vbg_ioctl_check_header_table, vbg_hdr_gen_params),
	KUNIT_CASE_PARAM(vbg_ioctl_check_header_type_reserved, vbg_hdr_word_gen_params),
	KUNIT_CASE_PARAM(vbg_ioctl_check_sizes_table, vbg_shape_gen_params),
	KUNIT_CASE_PARAM(vbg_core_ioctl_unknown_code, vbg_unknown_gen_params),
	KUNIT_CASE_PARAM(vbg_ioctl_driver_version_info_table,
			 vbg_version_gen_params),
	KUNIT_CASE_PARAM(vbg_ioctl_invalid_mask, vbg_mask_gen_params),
	KUNIT_CASE(vbg_ioctl_log_prints),
	KUNIT_CASE(vbg_ioctl_log_unterminated),
	KUNIT_CASE(vbg_ioctl_log_bad_size_out),
	KUNIT_CASE(vbg_ioctl_interrupt_all_cancels_session),
	{}
};

static struct kunit_suite vbg_ioctl_test_suite = {
	.name = "vboxguest_ioctl",
	.init = vbg_test_host_init,
	.exit = vbg_test_host_exit,
	.test_cases = vbg_ioctl_test_cases,
};

kunit_test_suite(vbg_ioctl_test_suite);
