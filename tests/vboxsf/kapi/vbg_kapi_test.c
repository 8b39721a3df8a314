// SPDX-License-Identifier: GPL-2.0
/*
 * vbg_kapi_test: the HGCM API vboxguest exports to other modules
 * (linux/vbox_utils.h), driven with kernel buffers against the emulator's
 * "vbgtest" service when the module is loaded.
 *
 * Each case logs a KTAP line; the totals and the buffers sent per host
 * parameter type (as the driver should choose them on a host with
 * features 0x8000000f: embedded up to 512 bytes of kmalloc memory,
 * contiguous page lists for larger kmalloc memory, no-bounce page lists
 * for vmalloc memory, empty buffers as a linear type of size 0) are
 * module parameters, read by tests/vboxsf/t_vboxsf and compared with the
 * emulator's counters.
 */

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vbox_err.h>
#include <linux/vbox_utils.h>
#include <linux/vmalloc.h>

#include "vbgtest.h"

#define REQUESTOR	(VMMDEV_REQUESTOR_KERNEL | VMMDEV_REQUESTOR_USR_DRV_OTHER)
#define GUARD		16
#define GUARD_BYTE	0xa5

static int passed;
module_param(passed, int, 0444);
MODULE_PARM_DESC(passed, "cases passed");
static int failed;
module_param(failed, int, 0444);
MODULE_PARM_DESC(failed, "cases failed");
static int sent_embedded;
module_param(sent_embedded, int, 0444);
MODULE_PARM_DESC(sent_embedded, "buffers that should travel embedded (type 11)");
static int sent_contiguous;
module_param(sent_contiguous, int, 0444);
MODULE_PARM_DESC(sent_contiguous, "buffers that should travel as type 12");
static int sent_nobounce;
module_param(sent_nobounce, int, 0444);
MODULE_PARM_DESC(sent_nobounce, "buffers that should travel as type 13");
static int sent_empty;
module_param(sent_empty, int, 0444);
MODULE_PARM_DESC(sent_empty, "empty buffers (linear type, size 0)");

static struct vbg_dev *gdev;
static u32 client;
static int case_nr;

static void result(bool ok, const char *name, const char *why)
{
	case_nr++;
	if (ok) {
		passed++;
		pr_info("vbg_kapi_test: ok %d %s\n", case_nr, name);
	} else {
		failed++;
		pr_err("vbg_kapi_test: not ok %d %s # %s\n", case_nr, name, why);
	}
}

static void parm_u32(struct vmmdev_hgcm_function_parameter *p, u32 v)
{
	memset(p, 0, sizeof(*p));
	p->type = VMMDEV_HGCM_PARM_TYPE_32BIT;
	p->u.value32 = v;
}

static void parm_buf(struct vmmdev_hgcm_function_parameter *p, u32 type,
		     void *buf, u32 size)
{
	memset(p, 0, sizeof(*p));
	p->type = type;
	p->u.pointer.size = size;
	p->u.pointer.u.linear_addr = (unsigned long)buf;
}

/* How the driver should send a non-empty kernel buffer of @size at @buf. */
static void count_sent(const void *buf, u32 size)
{
	if (!size)
		sent_empty++;
	else if (is_vmalloc_addr(buf))
		sent_nobounce++;
	else if (size <= 512)
		sent_embedded++;
	else
		sent_contiguous++;
}

/* ECHO @n bytes from @in to @out (@m bytes), checked. */
static void echo_case(const char *name, u8 *in, u32 n, u8 *out, u32 m)
{
	struct vmmdev_hgcm_function_parameter p[3];
	u32 k = min(n, m), i;
	int ret, st = VERR_GENERAL_FAILURE;
	char why[96] = "";

	vbgtest_fill_pattern(in, n, n + 7);
	if (out)
		memset(out, GUARD_BYTE, m + GUARD);
	parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_KERNEL_IN, in, n);
	parm_buf(&p[1], VMMDEV_HGCM_PARM_TYPE_LINADDR_KERNEL_OUT, out, m);
	parm_u32(&p[2], 0);
	ret = vbg_hgcm_call(gdev, REQUESTOR, client, VBGTEST_FN_ECHO, U32_MAX, p, 3,
			    &st);
	count_sent(in, n);
	count_sent(out, m);
	if (ret || st)
		snprintf(why, sizeof(why), "ret %d status %d", ret, st);
	else if (p[2].u.value32 != k)
		snprintf(why, sizeof(why), "host copied %u of %u", p[2].u.value32, k);
	else if (k && vbgtest_check_pattern(out, k, n + 7) >= 0)
		snprintf(why, sizeof(why), "byte %ld differs",
			 vbgtest_check_pattern(out, k, n + 7));
	else if (p[1].u.pointer.size != m && p[1].u.pointer.size != k)
		snprintf(why, sizeof(why), "out size %u", p[1].u.pointer.size);
	for (i = 0; !why[0] && out && i < GUARD; i++)
		if (out[m + i] != GUARD_BYTE)
			snprintf(why, sizeof(why), "guard byte %u overwritten", i);
	result(!why[0], name, why);
}

static void fill_case(const char *name, u8 *out, u32 n)
{
	struct vmmdev_hgcm_function_parameter p[2];
	int ret, st = VERR_GENERAL_FAILURE;
	char why[96] = "";
	long bad;

	memset(out, GUARD_BYTE, n + GUARD);
	parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_KERNEL_OUT, out, n);
	parm_u32(&p[1], 99);
	ret = vbg_hgcm_call(gdev, REQUESTOR, client, VBGTEST_FN_FILL, U32_MAX, p, 2,
			    &st);
	count_sent(out, n);
	bad = vbgtest_check_pattern(out, n, 99);
	if (ret || st)
		snprintf(why, sizeof(why), "ret %d status %d", ret, st);
	else if (bad >= 0)
		snprintf(why, sizeof(why), "byte %ld differs", bad);
	else if (out[n] != GUARD_BYTE)
		snprintf(why, sizeof(why), "guard overwritten");
	result(!why[0], name, why);
}

static void xor_case(const char *name, u8 *buf, u32 n)
{
	struct vmmdev_hgcm_function_parameter p[2];
	int ret, st = VERR_GENERAL_FAILURE;
	char why[96] = "";
	u32 i;

	vbgtest_fill_pattern(buf, n, 5);
	parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_KERNEL, buf, n);
	parm_u32(&p[1], 0x3c);
	ret = vbg_hgcm_call(gdev, REQUESTOR, client, VBGTEST_FN_XOR, U32_MAX, p, 2,
			    &st);
	count_sent(buf, n);
	if (ret || st)
		snprintf(why, sizeof(why), "ret %d status %d", ret, st);
	for (i = 0; !why[0] && i < n; i++)
		if (buf[i] != (u8)(vbgtest_pattern(5, i) ^ 0x3c))
			snprintf(why, sizeof(why), "byte %u differs", i);
	result(!why[0], name, why);
}

static void misc_cases(void)
{
	struct vmmdev_hgcm_function_parameter p[1];
	int ret, st = VERR_GENERAL_FAILURE;
	char why[96] = "";
	u8 small[16];

	parm_u32(&p[0], (u32)-1234);
	ret = vbg_hgcm_call(gdev, REQUESTOR, client, VBGTEST_FN_STATUS, U32_MAX, p, 1,
			    &st);
	snprintf(why, sizeof(why), "ret %d status %d", ret, st);
	result(!ret && st == -1234, "status_returned", why);

	ret = vbg_hgcm_call(gdev, REQUESTOR, client, VBGTEST_FN_NEVER, 300, NULL, 0,
			    &st);
	snprintf(why, sizeof(why), "ret %d", ret);
	result(ret == -ETIMEDOUT, "timeout_cancels", why);

	parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_KERNEL_IN, small,
		 SZ_16M + 1);
	ret = vbg_hgcm_call(gdev, REQUESTOR, client, VBGTEST_FN_XOR, U32_MAX, p, 1,
			    &st);
	snprintf(why, sizeof(why), "ret %d", ret);
	result(ret == -E2BIG, "over_16mib_refused", why);

	parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_PAGELIST, small, sizeof(small));
	ret = vbg_hgcm_call(gdev, REQUESTOR, client, VBGTEST_FN_XOR, U32_MAX, p, 1,
			    &st);
	snprintf(why, sizeof(why), "ret %d", ret);
	result(ret == -EINVAL, "page_list_type_refused", why);
}

static void buffer_cases(void)
{
	u8 *k1 = kmalloc(100 + GUARD, GFP_KERNEL);
	u8 *k2 = kmalloc(100 + GUARD, GFP_KERNEL);
	u8 *k3 = kmalloc(6000 + GUARD, GFP_KERNEL);
	u8 *k4 = kmalloc(6000 + GUARD, GFP_KERNEL);
	u8 *k5 = kmalloc(SZ_64K, GFP_KERNEL);
	u8 *k6 = kmalloc(200 + GUARD, GFP_KERNEL);
	u8 *v1 = vmalloc(300001 + GUARD + 5);
	u8 *v2 = vmalloc(300001 + GUARD + 5);
	u8 *v3 = vmalloc(SZ_1M + GUARD);

	if (!k1 || !k2 || !k3 || !k4 || !k5 || !k6 || !v1 || !v2 || !v3) {
		result(false, "allocate_buffers", "out of memory");
		goto out_free;
	}
	echo_case("echo_kmalloc_embedded", k1, 100, k2, 100);
	echo_case("echo_kmalloc_contiguous", k3, 6000, k4, 6000);
	echo_case("echo_vmalloc_page_list", v1 + 3, 300001, v2 + 5, 300001);
	fill_case("fill_vmalloc_1mib", v3, SZ_1M);
	xor_case("xor_kmalloc_64k_both", k5, SZ_64K);
	echo_case("echo_vmalloc_to_small_kmalloc", v1, 10000, k6, 200);
	echo_case("echo_empty_buffers", NULL, 0, NULL, 0);
out_free:
	kfree(k1);
	kfree(k2);
	kfree(k3);
	kfree(k4);
	kfree(k5);
	kfree(k6);
	vfree(v1);
	vfree(v2);
	vfree(v3);
}

static int __init vbg_kapi_test_init(void)
{
	struct vmmdev_hgcm_service_location loc = {
		.type = VMMDEV_HGCM_LOC_LOCALHOST_EXISTING,
	};
	int ret, st = VERR_GENERAL_FAILURE;
	char why[64];

	gdev = vbg_get_gdev();
	if (IS_ERR(gdev)) {
		result(false, "get_gdev", "no device");
		return 0;
	}
	strscpy(loc.u.localhost.service_name, VBGTEST_SVC,
		sizeof(loc.u.localhost.service_name));
	ret = vbg_hgcm_connect(gdev, REQUESTOR, &loc, &client, &st);
	snprintf(why, sizeof(why), "ret %d status %d", ret, st);
	result(!ret && st >= 0, "connect", why);
	if (!ret && st >= 0) {
		buffer_cases();
		misc_cases();
		ret = vbg_hgcm_disconnect(gdev, REQUESTOR, client, &st);
		snprintf(why, sizeof(why), "ret %d status %d", ret, st);
		result(!ret && st >= 0, "disconnect", why);
	}
	vbg_put_gdev(gdev);
	pr_info("vbg_kapi_test: %d passed, %d failed\n", passed, failed);
	return 0;
}

static void __exit vbg_kapi_test_exit(void)
{
}

module_init(vbg_kapi_test_init);
module_exit(vbg_kapi_test_exit);
MODULE_DESCRIPTION("vboxguest exported HGCM API test (vbgtest service)");
MODULE_LICENSE("GPL");
