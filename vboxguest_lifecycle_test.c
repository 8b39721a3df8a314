// SPDX-License-Identifier: (GPL-2.0 OR CDDL-1.0)
/*
 * KUnit suite vboxguest_lifecycle: what the core computes from the host's
 * and the guest's figures at init.
 *
 * The balloon cap (the guest's RAM in 1 MiB chunks) for RAM sizes whose
 * byte count does not fit an unsigned long (4 GiB and more on a 32-bit
 * kernel, a huge page count on 64-bit) or whose chunk count does not fit
 * the u32 cap, and the heartbeat period for host
 * intervals below the spec's 50 ms minimum, at it, normal and absurd.
 */

#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/limits.h>
#include <linux/sizes.h>
#include "vboxguest_core.h"

/* Pages of @mib MiB, computed without ever forming the byte count. */
#define VBG_MIB_PAGES(mib)	((unsigned long)(mib) << (20 - PAGE_SHIFT))
/* The expected chunks of a case: pages >> (20 - PAGE_SHIFT), at most U32_MAX. */
#define VBG_CAP_BY_SHIFT	0

struct vbg_cap_case {
	const char *name;
	unsigned long pages;
	u32 chunks;
};

static const struct vbg_cap_case vbg_cap_cases[] = {
	{ "no RAM", 0, 0 },
	{ "under one chunk", VBG_MIB_PAGES(1) - 1, 0 },
	{ "one chunk", VBG_MIB_PAGES(1), 1 },
	{ "512 MiB", VBG_MIB_PAGES(512), 512 },
	{ "4 GiB - 1 page", VBG_MIB_PAGES(4096) - 1, 4095 },
	{ "4 GiB", VBG_MIB_PAGES(4096), 4096 },
	{ "64 GiB (32-bit PAE maximum)", VBG_MIB_PAGES(65536), 65536 },
#if BITS_PER_LONG == 64
	/* 2^32 chunks: more than the u32 cap holds, so the most it can. */
	{ "4 PiB: U32_MAX chunks", 1UL << 40, U32_MAX },
#endif
	/* Bytes beyond an unsigned long on any kernel. */
	{ "ULONG_MAX / 16 pages", ULONG_MAX / 16, VBG_CAP_BY_SHIFT },
	{ "ULONG_MAX pages", ULONG_MAX, VBG_CAP_BY_SHIFT },
};

static void vbg_cap_desc(const struct vbg_cap_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vbg_cap, vbg_cap_cases, vbg_cap_desc);

static void vbg_balloon_cap(struct kunit *test)
{
	const struct vbg_cap_case *c = test->param_value;
	u32 want = c->chunks;

	if (want == VBG_CAP_BY_SHIFT && c->pages)
		want = min_t(unsigned long, c->pages >> (20 - PAGE_SHIFT), U32_MAX);
	KUNIT_EXPECT_EQ(test, vbg_balloon_max_chunks(c->pages), want);
}

struct vbg_hb_case {
	const char *name;
	u64 host_ns;
	unsigned int want_ms;
};

static const struct vbg_hb_case vbg_hb_cases[] = {
	{ "1 ns: the minimum", 1, 50 },
	{ "1 ms: the minimum", NSEC_PER_MSEC, 50 },
	{ "49 ms: the minimum", 49 * NSEC_PER_MSEC, 50 },
	{ "50 ms", 50 * NSEC_PER_MSEC, 50 },
	{ "1 s", NSEC_PER_SEC, 1000 },
	{ "2 s (the host's default)", 2 * NSEC_PER_SEC, 2000 },
	{ "1 h", 3600ULL * NSEC_PER_SEC, 3600 * 1000 },
	{ "U64_MAX ns: one hour", U64_MAX, 3600 * 1000 },
};

static void vbg_hb_desc(const struct vbg_hb_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vbg_hb, vbg_hb_cases, vbg_hb_desc);

static void vbg_heartbeat_period(struct kunit *test)
{
	const struct vbg_hb_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, vbg_heartbeat_interval(c->host_ns),
			msecs_to_jiffies(c->want_ms));
}

static struct kunit_case vbg_lifecycle_test_cases[] = {
	KUNIT_CASE_PARAM(vbg_balloon_cap, vbg_cap_gen_params),
	KUNIT_CASE_PARAM(vbg_heartbeat_period, vbg_hb_gen_params),
	{}
};

static struct kunit_suite vbg_lifecycle_test_suite = {
	.name = "vboxguest_lifecycle",
	.test_cases = vbg_lifecycle_test_cases,
};

kunit_test_suite(vbg_lifecycle_test_suite);
