// SPDX-License-Identifier: (GPL-2.0 OR CDDL-1.0)
/*
 * KUnit suite vboxguest_hgcm: HGCM connect, disconnect and call
 * (vbg_hgcm_do_*) against the fake host's echo service: parameter
 * conversion (32 and 64 bit), how buffers travel (page lists for kmalloc
 * and vmalloc memory and pinned user memory, contiguous and embedded
 * buffers, chosen by host features), asynchronous completion, timeouts
 * with Cancel2 and the legacy cancel, late completion after a failed
 * cancel, device removal while waiting, and refused or failed
 * submissions; a broken host (cancel refused or "not found", no
 * completion): the give-up contract for calls, connects and a closing
 * session's disconnects, what an abandoned call keeps (request, copies,
 * page references, pins and their RLIMIT_MEMLOCK charge); the charge of
 * pinned user pages and its limit, the whole-call size limit.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vbox_err.h>
#include <linux/vmalloc.h>
#include "vboxguest_test.h"

#define VBG_KREQ	(VMMDEV_REQUESTOR_KERNEL | VMMDEV_REQUESTOR_USR_DRV)

/* Call the echo service with @n 64-bit parameters, as a kernel caller. */
static int vbg_hgcm_test_call(struct vbg_test_host *host, u32 timeout_ms,
			      struct vmmdev_hgcm_function_parameter64 *p,
			      u32 n, int *status)
{
	int ret;

	down_read(&host->gdev->remove_rwsem);
	ret = vbg_hgcm_do_call(host->gdev, VBG_KREQ, 42, 1, timeout_ms, false,
			       p, false, n, status);
	up_read(&host->gdev->remove_rwsem);
	return ret;
}

/* --- connect and disconnect -------------------------------------------- */

static int vbg_hgcm_test_connect(struct vbg_test_host *host, u32 *id,
				 int *status)
{
	struct vmmdev_hgcm_service_location loc = {
		.type = VMMDEV_HGCM_LOC_LOCALHOST_EXISTING,
	};
	int ret;

	strscpy(loc.u.localhost.service_name, "VBoxGuestPropSvc",
		sizeof(loc.u.localhost.service_name));
	down_read(&host->gdev->remove_rwsem);
	ret = vbg_hgcm_do_connect(host->gdev, VBG_KREQ, &loc, id, status);
	up_read(&host->gdev->remove_rwsem);
	return ret;
}

static void vbg_hgcm_connect_sync(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	int status = VERR_INTERNAL_ERROR;
	u32 id = 0;

	host->hgcm_client_id = 77;
	host->hgcm_result = VINF_SUCCESS;
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_connect(host, &id, &status), 0);
	KUNIT_EXPECT_EQ(test, status, VINF_SUCCESS);
	KUNIT_EXPECT_EQ(test, id, 77);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, VMMDEVREQ_HGCM_CONNECT), 1);
}

static void vbg_hgcm_connect_service_refuses(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	int status = 0;
	u32 id = 0;

	/* The host answered: 0, and the service's verdict in the status. */
	host->hgcm_result = VERR_NOT_FOUND;
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_connect(host, &id, &status), 0);
	KUNIT_EXPECT_EQ(test, status, VERR_NOT_FOUND);
}

static void vbg_hgcm_connect_refused_at_submission(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	int status = 0;
	u32 id = 0;

	vbg_test_script(host, VMMDEVREQ_HGCM_CONNECT, 0, VERR_NOT_SUPPORTED, 0);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_connect(host, &id, &status), 0);
	KUNIT_EXPECT_EQ(test, status, VERR_NOT_SUPPORTED);
}

static void vbg_hgcm_connect_transport_failure(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	int status = 0;
	u32 id = 0;

	vbg_test_script(host, VMMDEVREQ_HGCM_CONNECT, -EIO, 0, 0);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_connect(host, &id, &status), -EIO);
}

static void vbg_hgcm_disconnect_sync(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	const struct vbg_test_record *rec;
	int status = VERR_INTERNAL_ERROR;

	down_read(&host->gdev->remove_rwsem);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_do_disconnect(host->gdev, VBG_KREQ, 99,
						     &status, NULL), 0);
	up_read(&host->gdev->remove_rwsem);
	KUNIT_EXPECT_EQ(test, status, VINF_SUCCESS);
	rec = vbg_test_last(host, VMMDEVREQ_HGCM_DISCONNECT);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	/* After the HGCM header (flags, result): the client id. */
	KUNIT_EXPECT_EQ(test, rec->word[2], 99);
}

/* --- values, 64-bit and 32-bit layouts --------------------------------- */

static void vbg_hgcm_call_values64(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p[2] = {};
	int status = VERR_INTERNAL_ERROR;

	p[0].type = VMMDEV_HGCM_PARM_TYPE_32BIT;
	p[0].u.value32 = 41;
	p[1].type = VMMDEV_HGCM_PARM_TYPE_64BIT;
	p[1].u.value64 = 0x1ffffffffULL;
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_call(host, U32_MAX, p, 2, &status), 0);
	KUNIT_EXPECT_EQ(test, status, VINF_SUCCESS);
	KUNIT_EXPECT_EQ(test, host->hgcm_parms, 2);
	KUNIT_EXPECT_EQ(test, p[0].u.value32, 42);
	KUNIT_EXPECT_EQ(test, p[1].u.value64, 0x200000000ULL);
}

static void vbg_hgcm_call_values32_layout(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter32 p[2] = {};
	int status = VERR_INTERNAL_ERROR;

	p[0].type = VMMDEV_HGCM_PARM_TYPE_32BIT;
	p[0].u.value32 = 7;
	p[1].type = VMMDEV_HGCM_PARM_TYPE_64BIT;
	p[1].u.value64 = 0xfffffffffULL;
	down_read(&host->gdev->remove_rwsem);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_do_call(host->gdev, VBG_KREQ, 42, 1, U32_MAX,
					       false, p, true, 2, &status), 0);
	up_read(&host->gdev->remove_rwsem);
	/* The host got the 64-bit layout and the answer came back in 32. */
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, VMMDEVREQ_HGCM_CALL64), 1);
	KUNIT_EXPECT_EQ(test, host->hgcm_types[0], VMMDEV_HGCM_PARM_TYPE_32BIT);
	KUNIT_EXPECT_EQ(test, host->hgcm_types[1], VMMDEV_HGCM_PARM_TYPE_64BIT);
	KUNIT_EXPECT_EQ(test, p[0].u.value32, 8);
	KUNIT_EXPECT_EQ(test, p[1].u.value64, 0x1000000000ULL);
}

/* --- kernel buffers: how they travel ----------------------------------- */

/*
 * VBG_PAGE: an order-0 page of the linear map, as vboxsf passes its
 * page-cache pages; VBG_COMPOUND: an order-1 compound page (copied: a
 * tail page has no reference count of its own).
 */
enum vbg_buf_alloc { VBG_KMALLOC, VBG_VMALLOC, VBG_PAGE, VBG_COMPOUND };

struct vbg_buf_case {
	const char *name;
	u32 features;
	enum vbg_buf_alloc alloc;
	u32 size;
	u32 offset;	/* into the allocation */
	u32 parm_type;	/* LINADDR_KERNEL, _IN or _OUT */
	u32 wire_type;	/* what the host must see */
};

#define K_BOTH	VMMDEV_HGCM_PARM_TYPE_LINADDR_KERNEL
#define K_IN	VMMDEV_HGCM_PARM_TYPE_LINADDR_KERNEL_IN
#define K_OUT	VMMDEV_HGCM_PARM_TYPE_LINADDR_KERNEL_OUT
#define W_PL	VMMDEV_HGCM_PARM_TYPE_PAGELIST
#define W_EMB	VMMDEV_HGCM_PARM_TYPE_EMBEDDED_PAGELIST
#define W_CONT	VMMDEV_HGCM_PARM_TYPE_CONTIGUOUS_PAGELIST
#define W_NOB	VMMDEV_HGCM_PARM_TYPE_NO_BOUNCE_PAGELIST
#define F_EMB	VMMDEV_HVF_HGCM_EMBEDDED_BUFFERS
#define F_CONT	VMMDEV_HVF_HGCM_CONTIGUOUS_PAGE_LIST
#define F_NOB	VMMDEV_HVF_HGCM_NO_BOUNCE_PAGE_LIST
#define F_ALL	(VMMDEV_HVF_HGCM_PHYS_PAGE_LIST | F_EMB | F_CONT | F_NOB)

static const struct vbg_buf_case vbg_buf_cases[] = {
	{ "kmalloc_small_pagelist", 0, VBG_KMALLOC, 100, 0, K_BOTH, W_PL },
	{ "kmalloc_small_embedded", F_EMB, VBG_KMALLOC, 100, 0, K_BOTH, W_EMB },
	{ "kmalloc_embedded_in", F_EMB, VBG_KMALLOC, 100, 0, K_IN, W_EMB },
	{ "kmalloc_embedded_out", F_EMB, VBG_KMALLOC, 100, 0, K_OUT, W_EMB },
	{ "kmalloc_512_embedded", F_EMB, VBG_KMALLOC, 512, 0, K_BOTH, W_EMB },
	{ "kmalloc_513_not_embedded", F_EMB, VBG_KMALLOC, 513, 0, K_BOTH, W_PL },
	{ "kmalloc_contiguous", F_CONT, VBG_KMALLOC, 600, 0, K_BOTH, W_CONT },
	{ "kmalloc_3_pages_pagelist", 0, VBG_KMALLOC, 3 * 4096 + 100, 100,
	  K_BOTH, W_PL },
	{ "kmalloc_3_pages_contiguous", F_ALL, VBG_KMALLOC, 3 * 4096 + 100, 100,
	  K_BOTH, W_CONT },
	{ "kmalloc_pages_in", 0, VBG_KMALLOC, 2 * 4096, 8, K_IN, W_PL },
	{ "kmalloc_pages_out", 0, VBG_KMALLOC, 2 * 4096, 8, K_OUT, W_PL },
	{ "vmalloc_pagelist", 0, VBG_VMALLOC, 3 * 4096 + 50, 50, K_BOTH, W_PL },
	{ "vmalloc_no_bounce", F_NOB | F_CONT, VBG_VMALLOC, 3 * 4096, 0,
	  K_BOTH, W_NOB },
	{ "vmalloc_small_embedded", F_EMB, VBG_VMALLOC, 64, 0, K_BOTH, W_EMB },
	{ "vmalloc_in", 0, VBG_VMALLOC, 5000, 0, K_IN, W_PL },
	{ "page_contiguous", F_ALL, VBG_PAGE, 3000, 100, K_BOTH, W_CONT },
	{ "page_pagelist_out", 0, VBG_PAGE, 4096, 0, K_OUT, W_PL },
	{ "page_in", F_CONT, VBG_PAGE, 2000, 2000, K_IN, W_CONT },
	{ "compound_copied", F_ALL, VBG_COMPOUND, 2 * 4096, 0, K_BOTH, W_CONT },
};

KUNIT_ARRAY_PARAM_DESC(vbg_buf, vbg_buf_cases, name);

static void *vbg_buf_alloc(enum vbg_buf_alloc alloc, size_t size)
{
	struct page *page;

	switch (alloc) {
	case VBG_VMALLOC:
		return vmalloc(size);
	case VBG_PAGE:
	case VBG_COMPOUND:
		page = alloc_pages(GFP_KERNEL | (alloc == VBG_COMPOUND ?
						 __GFP_COMP : 0),
				   alloc == VBG_COMPOUND);
		return page ? page_address(page) : NULL;
	default:
		return kmalloc(size, GFP_KERNEL);
	}
}

static void vbg_buf_free(enum vbg_buf_alloc alloc, void *mem)
{
	if (alloc == VBG_VMALLOC)
		vfree(mem);
	else if (alloc == VBG_PAGE || alloc == VBG_COMPOUND)
		free_pages((unsigned long)mem, alloc == VBG_COMPOUND);
	else
		kfree(mem);
}

/* Guest-physical address of @buf. */
static u64 vbg_buf_phys(void *buf)
{
	if (is_vmalloc_addr(buf))
		return page_to_phys(vmalloc_to_page(buf)) + offset_in_page(buf);
	return virt_to_phys(buf);
}

static void vbg_hgcm_call_kernel_buffer(struct kunit *test)
{
	const struct vbg_buf_case *c = test->param_value;
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p = {};
	bool in = c->parm_type != K_OUT, out = c->parm_type != K_IN;
	int status = VERR_INTERNAL_ERROR;
	u64 sum = 0;
	u8 *mem, *buf, *orig;
	u32 i, bad = 0;

	mem = vbg_buf_alloc(c->alloc, c->size + c->offset);
	orig = kunit_kmalloc(test, c->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mem);
	KUNIT_ASSERT_NOT_NULL(test, orig);
	buf = mem + c->offset;
	for (i = 0; i < c->size; i++) {
		orig[i] = (u8)(i * 7 + 3);
		buf[i] = orig[i];
		sum += orig[i];
	}
	host->gdev->host_features = c->features;
	p.type = c->parm_type;
	p.u.pointer.size = c->size;
	p.u.pointer.u.linear_addr = (unsigned long)buf;

	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_call(host, U32_MAX, &p, 1, &status), 0);
	KUNIT_EXPECT_EQ(test, status, VINF_SUCCESS);
	KUNIT_EXPECT_EQ(test, host->hgcm_types[0], c->wire_type);
	/*
	 * vmalloc and linear-map pages reach the host themselves (page
	 * references); slab and compound memory as a copy.  The bytes, not
	 * the pages, are compared: a small bounce buffer may share a slab
	 * page with the caller's buffer.
	 */
	if (c->wire_type != W_EMB) {
		if (c->alloc == VBG_VMALLOC || c->alloc == VBG_PAGE)
			KUNIT_EXPECT_EQ(test, host->hgcm_addr0[0],
					vbg_buf_phys(buf));
		else
			KUNIT_EXPECT_NE(test, host->hgcm_addr0[0],
					vbg_buf_phys(buf));
	}
	/* What the host read: all of it for IN and BOTH. */
	KUNIT_EXPECT_EQ(test, host->hgcm_sum, in ? sum : 0);
	/* What it wrote came back: inverted bytes for OUT and BOTH. */
	for (i = 0; i < c->size; i++) {
		u8 want = !out ? orig[i] :
			  in ? orig[i] ^ 0xff :
			  c->wire_type == W_EMB ? 0xff : orig[i] ^ 0xff;

		if (buf[i] != want && bad++ < 3)
			kunit_err(test, "byte %u: %#x, want %#x\n", i, buf[i], want);
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, p.u.pointer.size, c->size);
	vbg_buf_free(c->alloc, mem);
}

/* --- VMMDev's 4 KiB page units whatever PAGE_SIZE ---------------------- */

/*
 * Kernel page @i of a buffer in the cases below: pages of 1 << shift
 * bytes, far apart and out of order, so a wrong index or offset shows.
 */
static u64 vbg_units_kpage(const void *ctx, u32 i)
{
	unsigned int shift = *(const unsigned int *)ctx;

	return (u64)(0x1000 + 7 * i) << shift;
}

struct vbg_units_case {
	const char *name;
	unsigned int shift;	/* kernel PAGE_SHIFT: 12, 14 or 16 */
	u32 offset;		/* in the first kernel page */
	u32 size;
	u32 count;		/* 4 KiB entries */
	u32 first;		/* VMMDev first-page offset */
	struct { u32 kpage, sub; } e[4];	/* entry -> kernel page + byte */
};

static const struct vbg_units_case vbg_units_cases[] = {
	{ "4k_one_page", 12, 0, 4096, 1, 0, { { 0, 0 } } },
	{ "4k_crossing", 12, 0xf00, 0x200, 2, 0xf00, { { 0, 0 }, { 1, 0 } } },
	{ "4k_three", 12, 0x10, 0x2000, 3, 0x10,
	  { { 0, 0 }, { 1, 0 }, { 2, 0 } } },
	{ "16k_inside", 14, 0x2345, 0x1000, 2, 0x345,
	  { { 0, 0x2000 }, { 0, 0x3000 } } },
	{ "16k_crossing", 14, 0x3f00, 0x300, 2, 0xf00,
	  { { 0, 0x3000 }, { 1, 0 } } },
	{ "16k_whole_page", 14, 0, 0x4000, 4, 0,
	  { { 0, 0 }, { 0, 0x1000 }, { 0, 0x2000 }, { 0, 0x3000 } } },
	{ "64k_high_crossing", 16, 0xe123, 0x1f00, 3, 0x123,
	  { { 0, 0xe000 }, { 0, 0xf000 }, { 1, 0 } } },
	{ "64k_last_byte", 16, 0xffff, 1, 1, 0xfff, { { 0, 0xf000 } } },
	{ "64k_empty", 16, 0x5000, 0, 0, 0, { } },
};

KUNIT_ARRAY_PARAM_DESC(vbg_units, vbg_units_cases, name);

/* A buffer's page list: count, first-page offset and every entry. */
static void vbg_vmmdev_units_buffer(struct kunit *test)
{
	const struct vbg_units_case *c = test->param_value;
	u64 dst[5] = { 0, 0, 0, 0, 0xdead };
	u32 i;

	KUNIT_ASSERT_EQ(test, vbg_vmmdev_page_count(c->offset, c->size),
			c->count);
	KUNIT_EXPECT_EQ(test, c->offset & (SZ_4K - 1), c->first);
	vbg_vmmdev_page_list(dst, c->count, c->offset, c->shift,
			     vbg_units_kpage, &c->shift);
	for (i = 0; i < c->count; i++)
		KUNIT_EXPECT_EQ_MSG(test, dst[i],
				    vbg_units_kpage(&c->shift, c->e[i].kpage) +
				    c->e[i].sub, "entry %u", i);
	KUNIT_EXPECT_EQ(test, dst[c->count], c->count < 4 ? 0 : 0xdead);
}

static const unsigned int vbg_units_shifts[] = { 12, 14, 16 };

static void vbg_units_shift_desc(const unsigned int *shift, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u_KiB_pages",
		 1U << (*shift - 10));
}

KUNIT_ARRAY_PARAM(vbg_units_shift, vbg_units_shifts, vbg_units_shift_desc);

/*
 * A balloon chunk: 1 MiB of kernel pages as the 256 4 KiB addresses
 * ChangeMemBalloon takes, each kernel page split in order.
 */
static void vbg_vmmdev_units_balloon(struct kunit *test)
{
	unsigned int shift = *(const unsigned int *)test->param_value;
	u32 per = 1U << (shift - 12), kpages = SZ_1M >> shift, i;
	u64 *dst;

	dst = kunit_kcalloc(test, VMMDEV_MEMORY_BALLOON_CHUNK_PAGES + 1,
			    sizeof(*dst), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	KUNIT_EXPECT_EQ(test, vbg_vmmdev_page_count(0, SZ_1M),
			VMMDEV_MEMORY_BALLOON_CHUNK_PAGES);
	vbg_vmmdev_page_list(dst, VMMDEV_MEMORY_BALLOON_CHUNK_PAGES, 0, shift,
			     vbg_units_kpage, &shift);
	for (i = 0; i < VMMDEV_MEMORY_BALLOON_CHUNK_PAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test, dst[i],
				    vbg_units_kpage(&shift, i / per) +
				    (u64)(i % per) * SZ_4K, "entry %u", i);
	/* The last entry is the last 4 KiB of the last kernel page. */
	KUNIT_EXPECT_EQ(test, dst[VMMDEV_MEMORY_BALLOON_CHUNK_PAGES - 1],
			vbg_units_kpage(&shift, kpages - 1) +
			(1ULL << shift) - SZ_4K);
	KUNIT_EXPECT_EQ(test, dst[VMMDEV_MEMORY_BALLOON_CHUNK_PAGES], 0);
}

/* The real chunk on this kernel: VBG_BALLOON_CHUNK_KPAGES pages, 1 MiB. */
static void vbg_vmmdev_units_balloon_chunk(struct kunit *test)
{
	struct page **pages;
	u64 *dst;
	u32 i, per = PAGE_SIZE / SZ_4K;

	KUNIT_EXPECT_EQ(test, VBG_BALLOON_CHUNK_KPAGES * PAGE_SIZE, SZ_1M);
	pages = kunit_kcalloc(test, VBG_BALLOON_CHUNK_KPAGES, sizeof(*pages),
			      GFP_KERNEL);
	dst = kunit_kcalloc(test, VMMDEV_MEMORY_BALLOON_CHUNK_PAGES,
			    sizeof(*dst), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	/* Any struct pages do: only their addresses are taken. */
	for (i = 0; i < VBG_BALLOON_CHUNK_KPAGES; i++)
		pages[i] = virt_to_page(dst) + 3 * i;
	vbg_balloon_chunk_list(dst, pages);
	for (i = 0; i < VMMDEV_MEMORY_BALLOON_CHUNK_PAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test, dst[i],
				    page_to_phys(pages[i / per]) +
				    (u64)(i % per) * SZ_4K, "entry %u", i);
}

/* --- user buffers: pinned pages ---------------------------------------- */

struct vbg_ubuf_case {
	const char *name;
	u32 features;
	u32 size;
	u32 offset;	/* into the mapping */
	u32 parm_type;	/* LINADDR, _IN or _OUT */
	u32 wire_type;
};

static const struct vbg_ubuf_case vbg_ubuf_cases[] = {
	{ "small_both", 0, 100, 0, VMMDEV_HGCM_PARM_TYPE_LINADDR, W_PL },
	{ "small_in", 0, 100, 0, VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, W_PL },
	{ "small_out", 0, 100, 0, VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, W_PL },
	{ "three_pages_unaligned", 0, 2 * 4096 + 10, 4000,
	  VMMDEV_HGCM_PARM_TYPE_LINADDR, W_PL },
	{ "no_bounce_host", F_NOB, 2 * 4096, 0, VMMDEV_HGCM_PARM_TYPE_LINADDR, W_NOB },
	/* Pinned user memory is never embedded, even if the host could. */
	{ "embedding_host_still_pins", F_EMB, 64, 0,
	  VMMDEV_HGCM_PARM_TYPE_LINADDR, W_PL },
};

KUNIT_ARRAY_PARAM_DESC(vbg_ubuf, vbg_ubuf_cases, name);

static void vbg_hgcm_call_user_buffer(struct kunit *test)
{
	const struct vbg_ubuf_case *c = test->param_value;
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p = {};
	bool in = c->parm_type != VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT;
	bool out = c->parm_type != VMMDEV_HGCM_PARM_TYPE_LINADDR_IN;
	int status = VERR_INTERNAL_ERROR;
	unsigned long uaddr;
	u8 *orig, *back;
	u64 sum = 0;
	u32 i, bad = 0;
	int ret;

	uaddr = kunit_vm_mmap(test, NULL, 0, c->size + c->offset,
			      PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, uaddr, 0, "no user memory for the test");
	orig = kunit_kmalloc(test, c->size, GFP_KERNEL);
	back = kunit_kmalloc(test, c->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, orig);
	KUNIT_ASSERT_NOT_NULL(test, back);
	for (i = 0; i < c->size; i++) {
		orig[i] = (u8)(i * 13 + 1);
		sum += orig[i];
	}
	uaddr += c->offset;
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)uaddr, orig, c->size), 0);
	host->gdev->host_features = c->features;
	p.type = c->parm_type;
	p.u.pointer.size = c->size;
	p.u.pointer.u.linear_addr = uaddr;

	down_read(&host->gdev->remove_rwsem);
	ret = vbg_hgcm_do_call(host->gdev, VBG_KREQ, 42, 1, U32_MAX, true, &p,
			       false, 1, &status);
	up_read(&host->gdev->remove_rwsem);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, status, VINF_SUCCESS);
	KUNIT_EXPECT_EQ(test, host->hgcm_types[0], c->wire_type);
	KUNIT_EXPECT_EQ(test, host->hgcm_sum, in ? sum : 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(back, (void __user *)uaddr, c->size), 0);
	for (i = 0; i < c->size; i++) {
		u8 want = out ? orig[i] ^ 0xff : orig[i];

		if (back[i] != want && bad++ < 3)
			kunit_err(test, "byte %u: %#x, want %#x\n", i, back[i], want);
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

static void vbg_hgcm_call_user_bad_address(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p = {};
	int status = 0;
	int ret;

	/* A kernel address passed as a user buffer. */
	p.type = VMMDEV_HGCM_PARM_TYPE_LINADDR;
	p.u.pointer.size = 64;
	p.u.pointer.u.linear_addr = (unsigned long)host;
	down_read(&host->gdev->remove_rwsem);
	ret = vbg_hgcm_do_call(host->gdev, VBG_KREQ, 42, 1, U32_MAX, true, &p,
			       false, 1, &status);
	up_read(&host->gdev->remove_rwsem);
	KUNIT_EXPECT_EQ(test, ret, -EFAULT);
	KUNIT_EXPECT_EQ(test, host->nr_submits, 0);
}

/*
 * A user buffer at address 0 is a user address like any other: unmapped
 * it is refused with -EFAULT before the host sees the call (t_fuzz found
 * an oops there when the driver told user from kernel buffers by a
 * non-NULL address); mapped (below mmap_min_addr, allowed to the KUnit
 * thread's capabilities) its page is pinned and handed to the host.
 */
static void vbg_hgcm_call_user_address_0(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p = {};
	void __user *zero = u64_to_user_ptr(0ULL);
	u8 pattern[64], back[64];
	unsigned long addr;
	int status = 0, i;

	/* Gives the KUnit thread an mm (vm_mmap() needs one). */
	KUNIT_ASSERT_NE(test, kunit_vm_mmap(test, NULL, 0, PAGE_SIZE,
					    PROT_READ, MAP_ANONYMOUS |
					    MAP_PRIVATE, 0), 0);
	p.type = VMMDEV_HGCM_PARM_TYPE_LINADDR;
	p.u.pointer.size = sizeof(pattern);
	down_read(&host->gdev->remove_rwsem);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_do_call(host->gdev, VBG_KREQ, 42, 1,
					       U32_MAX, true, &p, false, 1,
					       &status), -EFAULT);
	up_read(&host->gdev->remove_rwsem);
	KUNIT_EXPECT_EQ(test, host->nr_submits, 0);

	addr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED, 0);
	KUNIT_ASSERT_EQ_MSG(test, addr, 0, "no mapping at address 0");
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = i * 5 + 1;
	KUNIT_EXPECT_EQ(test, copy_to_user(zero, pattern, sizeof(pattern)), 0);
	down_read(&host->gdev->remove_rwsem);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_do_call(host->gdev, VBG_KREQ, 42, 1,
					       U32_MAX, true, &p, false, 1,
					       &status), 0);
	up_read(&host->gdev->remove_rwsem);
	KUNIT_EXPECT_EQ(test, status, VINF_SUCCESS);
	KUNIT_EXPECT_EQ(test, host->hgcm_types[0], W_PL);
	KUNIT_EXPECT_EQ(test, copy_from_user(back, zero, sizeof(back)), 0);
	for (i = 0; i < sizeof(back); i++)
		KUNIT_EXPECT_EQ(test, back[i], pattern[i] ^ 0xff);
	vm_munmap(0, PAGE_SIZE);
}

static void vbg_hgcm_call_user_kernel_type_refused(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p = {};
	static u8 scratch[16];
	int status = 0;
	int ret;

	/* Userspace may not name kernel buffers. */
	p.type = K_BOTH;
	p.u.pointer.size = sizeof(scratch);
	p.u.pointer.u.linear_addr = (unsigned long)scratch;
	down_read(&host->gdev->remove_rwsem);
	ret = vbg_hgcm_do_call(host->gdev, VBG_KREQ, 42, 1, U32_MAX, true, &p,
			       false, 1, &status);
	up_read(&host->gdev->remove_rwsem);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, host->nr_submits, 0);
}

/* Parameters the driver refuses before anything reaches the host. */
struct vbg_bad_parm_case {
	const char *name;
	u32 type;
	u32 size;
	u32 count;
	int ret;
};

static const struct vbg_bad_parm_case vbg_bad_parm_cases[] = {
	{ "physaddr_type", VMMDEV_HGCM_PARM_TYPE_PHYSADDR, 16, 1, -EINVAL },
	{ "pagelist_type_from_caller", VMMDEV_HGCM_PARM_TYPE_PAGELIST, 16, 1, -EINVAL },
	{ "invalid_type", VMMDEV_HGCM_PARM_TYPE_INVALID, 16, 1, -EINVAL },
	{ "unknown_type_99", 99, 16, 1, -EINVAL },
	{ "kernel_buffer_over_16m", K_BOTH, 16 * 1024 * 1024 + 1, 1, -E2BIG },
	{ "too_many_parms", VMMDEV_HGCM_PARM_TYPE_32BIT, 0, 33, -E2BIG },
};

KUNIT_ARRAY_PARAM_DESC(vbg_bad_parm, vbg_bad_parm_cases, name);

static void vbg_hgcm_call_bad_parameter(struct kunit *test)
{
	const struct vbg_bad_parm_case *c = test->param_value;
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 *p;
	static u8 scratch[16];
	int status = 0;
	u32 i;

	p = kunit_kcalloc(test, c->count, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < c->count; i++) {
		p[i].type = c->type;
		p[i].u.pointer.size = c->size;
		p[i].u.pointer.u.linear_addr = (unsigned long)scratch;
	}
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_call(host, U32_MAX, p, c->count, &status),
			c->ret);
	KUNIT_EXPECT_EQ(test, host->nr_submits, 0);
}

/* --- asynchronous completion, cancel, removal -------------------------- */

enum vbg_hgcm_actor_op { VBG_HGCM_COMPLETE, VBG_HGCM_REMOVE };

struct vbg_hgcm_actor {
	struct vbg_test_host *host;
	enum vbg_hgcm_actor_op op;
	unsigned int delay_ms;
	bool completed;
	struct completion done;
};

static int vbg_hgcm_actor_fn(void *data)
{
	struct vbg_hgcm_actor *a = data;
	struct vbg_dev *gdev = a->host->gdev;

	msleep(a->delay_ms);
	if (a->op == VBG_HGCM_COMPLETE) {
		a->completed = vbg_test_hgcm_complete(a->host);
	} else {
		spin_lock_irq(&gdev->event_spinlock);
		gdev->removed = true;
		spin_unlock_irq(&gdev->event_spinlock);
		vbg_hgcm_end_waits(gdev, VBG_HGCM_END_ALL);
	}
	complete(&a->done);
	return 0;
}

static void vbg_hgcm_actor_start(struct kunit *test, struct vbg_hgcm_actor *a)
{
	struct task_struct *task;

	a->host = vbg_test_host(test);
	init_completion(&a->done);
	task = kthread_run(vbg_hgcm_actor_fn, a, "vbg-kunit-hgcm");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
}

static void vbg_hgcm_actor_finish(struct kunit *test, struct vbg_hgcm_actor *a)
{
	KUNIT_EXPECT_TRUE_MSG(test, wait_for_completion_timeout(&a->done, 10 * HZ),
			      "the actor thread did not finish");
}

static void vbg_hgcm_call_async_completion(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p = {
		.type = VMMDEV_HGCM_PARM_TYPE_32BIT, .u.value32 = 1,
	};
	struct vbg_hgcm_actor a = { .op = VBG_HGCM_COMPLETE, .delay_ms = 50 };
	int status = 0;

	host->hgcm_async = true;
	host->hgcm_result = VERR_BUFFER_OVERFLOW;
	vbg_hgcm_actor_start(test, &a);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_call(host, 5000, &p, 1, &status), 0);
	vbg_hgcm_actor_finish(test, &a);
	KUNIT_EXPECT_TRUE(test, a.completed);
	KUNIT_EXPECT_EQ(test, status, VERR_BUFFER_OVERFLOW);
	KUNIT_EXPECT_EQ(test, p.u.value32, 2);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, VMMDEVREQ_HGCM_CANCEL2), 0);
}

static void vbg_hgcm_call_timeout_cancels(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p = {
		.type = VMMDEV_HGCM_PARM_TYPE_32BIT,
	};
	int status = 0;

	host->hgcm_async = true;
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_call(host, 30, &p, 1, &status),
			-ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, VMMDEVREQ_HGCM_CANCEL2), 1);
	KUNIT_EXPECT_NULL(test, host->hgcm_pending);
}

static void vbg_hgcm_call_legacy_cancel(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p = {
		.type = VMMDEV_HGCM_PARM_TYPE_32BIT,
	};
	int status = 0;

	host->hgcm_async = true;
	/* An old host without Cancel2: the call itself goes back as type 64. */
	vbg_test_script(host, VMMDEVREQ_HGCM_CANCEL2, 0, VERR_NOT_IMPLEMENTED, 0);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_call(host, 30, &p, 1, &status),
			-ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, VMMDEVREQ_HGCM_CANCEL), 1);
	KUNIT_EXPECT_NULL(test, host->hgcm_pending);
}

static void vbg_hgcm_call_late_completion_after_cancel(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p = {
		.type = VMMDEV_HGCM_PARM_TYPE_32BIT, .u.value32 = 10,
	};
	struct vbg_hgcm_actor a = { .op = VBG_HGCM_COMPLETE, .delay_ms = 200 };
	int status = 0;

	host->hgcm_async = true;
	host->hgcm_result = VINF_SUCCESS;
	/*
	 * The cancel finds nothing pending: the completion is on its way.
	 * The call must wait for it and report it, not free the request
	 * under the host's feet.
	 */
	vbg_test_script(host, VMMDEVREQ_HGCM_CANCEL2, 0, VERR_NOT_FOUND, 0);
	vbg_hgcm_actor_start(test, &a);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_call(host, 20, &p, 1, &status), 0);
	vbg_hgcm_actor_finish(test, &a);
	KUNIT_EXPECT_TRUE(test, a.completed);
	KUNIT_EXPECT_EQ(test, status, VINF_SUCCESS);
	KUNIT_EXPECT_EQ(test, p.u.value32, 11);
}

static void vbg_hgcm_call_removed_while_waiting(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p = {
		.type = VMMDEV_HGCM_PARM_TYPE_32BIT,
	};
	struct vbg_hgcm_actor a = { .op = VBG_HGCM_REMOVE, .delay_ms = 50 };
	int status = 0;

	host->hgcm_async = true;
	vbg_hgcm_actor_start(test, &a);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_call(host, U32_MAX, &p, 1, &status),
			-ENODEV);
	vbg_hgcm_actor_finish(test, &a);
	/* Cancelled on the host before giving up. */
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, VMMDEVREQ_HGCM_CANCEL2), 1);
	KUNIT_EXPECT_NULL(test, host->hgcm_pending);
}

/* --- a broken host: the give-up contract -------------------------------- */

/* The driver's abandoned-request counter. */
static s64 vbg_hgcm_leaked(struct vbg_test_host *host)
{
	return atomic64_read(&host->gdev->stats[VBG_STAT_HGCM_LEAKED]);
}

/*
 * The host neither completes the call nor accepts its cancel: the call
 * gives up after the grace with -EIO.  The request is leaked (a page of
 * its own, not a cache object), the kmalloc buffer was only ever given to
 * the host as a copy, the vmalloc buffer's pages and the linear-map page
 * stay referenced even after vfree() and __free_page(), and the host's
 * late completion writes into what the
 * driver kept (KASAN would see a write into freed memory), not into the
 * caller's kmalloc buffer, and no output reaches the caller.
 */
static void vbg_hgcm_call_cancel_refused_abandons(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p[4] = {};
	s64 leaked = vbg_hgcm_leaked(host);
	struct vmmdev_hgcmreq_header *req;
	int status = 12345, vref, lref;
	struct page *vpage, *lpage;
	unsigned long t0;
	u8 *kbuf, *vbuf;

	kbuf = kunit_kmalloc(test, 2048, GFP_KERNEL);
	vbuf = vmalloc(2 * PAGE_SIZE);
	lpage = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, kbuf);
	KUNIT_ASSERT_NOT_NULL(test, vbuf);
	KUNIT_ASSERT_NOT_NULL(test, lpage);
	memset(kbuf, 0x11, 2048);
	memset(vbuf, 0x22, 2 * PAGE_SIZE);
	memset(page_address(lpage), 0x33, PAGE_SIZE);
	vpage = vmalloc_to_page(vbuf);
	vref = page_ref_count(vpage);
	lref = page_ref_count(lpage);
	host->gdev->host_features = F_ALL;
	host->hgcm_async = true;
	host->hgcm_echo_late = true;
	vbg_test_script(host, VMMDEVREQ_HGCM_CANCEL2, 0, VERR_NOT_SUPPORTED, 0);
	p[0].type = K_BOTH;
	p[0].u.pointer.size = 2048;
	p[0].u.pointer.u.linear_addr = (unsigned long)kbuf;
	p[1].type = K_BOTH;
	p[1].u.pointer.size = 2 * PAGE_SIZE;
	p[1].u.pointer.u.linear_addr = (unsigned long)vbuf;
	p[2].type = VMMDEV_HGCM_PARM_TYPE_32BIT;
	p[2].u.value32 = 5;
	p[3].type = K_OUT;
	p[3].u.pointer.size = 1024;
	p[3].u.pointer.u.linear_addr = (unsigned long)page_address(lpage);

	t0 = jiffies;
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_call(host, 20, p, 4, &status), -EIO);
	KUNIT_EXPECT_LT(test, jiffies - t0, 5 * HZ);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, VMMDEVREQ_HGCM_CANCEL2), 1);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_leaked(host), leaked + 1);
	KUNIT_EXPECT_EQ(test, status, 12345);
	req = host->hgcm_pending;
	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_EXPECT_EQ(test, offset_in_page(req), 0);
	KUNIT_EXPECT_EQ(test, page_ref_count(vpage), vref + 1);
	vfree(vbuf);
	KUNIT_EXPECT_EQ(test, page_ref_count(vpage), vref);
	KUNIT_EXPECT_EQ(test, page_ref_count(lpage), lref + 1);
	__free_page(lpage);
	KUNIT_EXPECT_EQ(test, page_ref_count(lpage), lref);

	/* The host answers after all. */
	KUNIT_EXPECT_TRUE(test, vbg_test_hgcm_complete(host));
	KUNIT_EXPECT_EQ(test, host->hgcm_types[0], W_CONT);
	KUNIT_EXPECT_EQ(test, host->hgcm_types[1], W_NOB);
	KUNIT_EXPECT_NULL(test, memchr_inv(kbuf, 0x11, 2048));
	KUNIT_EXPECT_EQ(test, *(u8 *)page_address(vpage), 0x22 ^ 0xff);
	KUNIT_EXPECT_EQ(test, host->hgcm_types[3], W_CONT);
	KUNIT_EXPECT_EQ(test, *(u8 *)page_address(lpage), 0x33 ^ 0xff);
	KUNIT_EXPECT_EQ(test, p[2].u.value32, 5);
}

/*
 * The cancel answers "not found" and no completion comes: the driver
 * waits the grace (a completion in flight) and no longer, then abandons.
 */
static void vbg_hgcm_call_cancel_not_found_grace(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p = {
		.type = VMMDEV_HGCM_PARM_TYPE_32BIT,
	};
	s64 leaked = vbg_hgcm_leaked(host);
	unsigned long t0;
	int status = 0;

	host->hgcm_async = true;
	vbg_test_script(host, VMMDEVREQ_HGCM_CANCEL2, 0, VERR_NOT_FOUND, 0);
	t0 = jiffies;
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_call(host, 20, &p, 1, &status), -EIO);
	KUNIT_EXPECT_GE(test, jiffies - t0, HZ);
	KUNIT_EXPECT_LT(test, jiffies - t0, 5 * HZ);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_leaked(host), leaked + 1);
	KUNIT_EXPECT_TRUE(test, vbg_test_hgcm_complete(host));
}

/* Removal wakes a connect whose cancel the host refuses: bounded, -EIO. */
static void vbg_hgcm_connect_removed_cancel_refused(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_hgcm_actor a = { .op = VBG_HGCM_REMOVE, .delay_ms = 50 };
	unsigned long t0 = jiffies;
	int status = 0;
	u32 id = 0;

	host->hgcm_async = true;
	vbg_test_script(host, VMMDEVREQ_HGCM_CANCEL2, 0, VERR_NOT_SUPPORTED, 0);
	vbg_hgcm_actor_start(test, &a);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_connect(host, &id, &status), -EIO);
	vbg_hgcm_actor_finish(test, &a);
	KUNIT_EXPECT_LT(test, jiffies - t0, 5 * HZ);
	/* Nobody holds the removal lock any more. */
	KUNIT_EXPECT_TRUE(test, down_write_trylock(&host->gdev->remove_rwsem));
	up_write(&host->gdev->remove_rwsem);
	KUNIT_EXPECT_TRUE(test, vbg_test_hgcm_complete(host));
}

static u32 vbg_hgcm_test_ioctl_connect(struct kunit *test,
				       struct vbg_session *session, int rc)
{
	struct vbg_ioctl_hgcm_connect c = {};

	vbg_test_hdr(&c.hdr, sizeof(c.hdr) + sizeof(c.u.in),
		     sizeof(c.hdr) + sizeof(c.u.out));
	c.u.in.loc.type = VMMDEV_HGCM_LOC_LOCALHOST_EXISTING;
	strscpy(c.u.in.loc.u.localhost.service_name, "vbgtest",
		sizeof(c.u.in.loc.u.localhost.service_name));
	KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, VBG_IOCTL_HGCM_CONNECT, &c),
			0);
	KUNIT_EXPECT_EQ(test, c.hdr.rc, rc);
	return c.u.out.client_id;
}

/*
 * Closing a session whose disconnects the host stalls (cancel refused):
 * the first disconnect is abandoned at the session's deadline, the second
 * is not sent at all, and the close returns within the deadline + grace.
 */
static void vbg_hgcm_close_disconnects_bounded(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *session = vbg_test_open(test, true);
	s64 leaked = vbg_hgcm_leaked(host);
	unsigned long t0;

	host->hgcm_client_id = 5;
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_ioctl_connect(test, session, VINF_SUCCESS), 5);
	host->hgcm_client_id = 6;
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_ioctl_connect(test, session, VINF_SUCCESS), 6);
	host->hgcm_async = true;
	vbg_test_script(host, VMMDEVREQ_HGCM_CANCEL2, 0, VERR_NOT_SUPPORTED, 0);
	t0 = jiffies;
	vbg_test_close(session);
	KUNIT_EXPECT_GE(test, jiffies - t0, 4 * HZ);
	KUNIT_EXPECT_LT(test, jiffies - t0, 10 * HZ);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, VMMDEVREQ_HGCM_DISCONNECT), 1);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_leaked(host), leaked + 1);
	KUNIT_EXPECT_TRUE(test, vbg_test_hgcm_complete(host));
}

/*
 * The cancel request is the device's own, allocated at init.  Its form
 * follows the host (spec 7.6): the 28-byte one with a 32-bit address,
 * the 32-byte one with a 64-bit address when the device has the MMIO
 * request window (VirtualBox 7.1+).
 */
static void vbg_hgcm_cancel_request_per_device(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p = {
		.type = VMMDEV_HGCM_PARM_TYPE_32BIT,
	};
	const struct vbg_test_record *rec;
	int status = 0, window;

	host->hgcm_async = true;
	for (window = 0; window < 2; window++) {
		/* Only its presence counts: the fake host does the I/O. */
		host->gdev->req_window = window ? (void __iomem *)host->mmio :
						  NULL;
		KUNIT_EXPECT_EQ(test, vbg_hgcm_test_call(host, 10, &p, 1,
							 &status), -ETIMEDOUT);
		rec = vbg_test_last(host, VMMDEVREQ_HGCM_CANCEL2);
		KUNIT_ASSERT_NOT_NULL(test, rec);
		KUNIT_EXPECT_EQ(test, rec->size, window ? 32 : 28);
		KUNIT_EXPECT_EQ(test, rec->requestor, VBG_KREQ);
		/* It went out in the device's own request, naming the call. */
		KUNIT_EXPECT_EQ(test, rec->word[0],
				lower_32_bits(virt_to_phys(host->hgcm_last)));
		KUNIT_EXPECT_EQ(test,
				host->gdev->hgcm_cancel_req->phys_req_to_cancel,
				virt_to_phys(host->hgcm_last));
		KUNIT_EXPECT_NULL(test, host->hgcm_pending);
	}
	host->gdev->req_window = NULL;
}

/* --- user pages and RLIMIT_MEMLOCK -------------------------------------- */

static int vbg_hgcm_test_user_call(struct vbg_test_host *host,
				   unsigned long uaddr, u32 size,
				   u32 timeout_ms)
{
	struct vmmdev_hgcm_function_parameter64 p = {
		.type = VMMDEV_HGCM_PARM_TYPE_LINADDR,
		.u.pointer.size = size,
		.u.pointer.u.linear_addr = uaddr,
	};
	int ret, status = 0;

	down_read(&host->gdev->remove_rwsem);
	ret = vbg_hgcm_do_call(host->gdev, VBG_KREQ, 42, 1, timeout_ms, true,
			       &p, false, 1, &status);
	up_read(&host->gdev->remove_rwsem);
	return ret;
}

static unsigned long vbg_hgcm_test_umap(struct kunit *test, u32 size)
{
	unsigned long uaddr;

	uaddr = kunit_vm_mmap(test, NULL, 0, size, PROT_READ | PROT_WRITE,
			      MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, uaddr, 0, "no user memory for the test");
	return uaddr;
}

/*
 * Pinned user pages are charged to locked_vm for the call only; an
 * abandoned call keeps its pins and its charge (consistently leaked).
 */
static void vbg_hgcm_call_user_pages_accounted(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	unsigned long uaddr = vbg_hgcm_test_umap(test, 4 * PAGE_SIZE);
	unsigned long base = READ_ONCE(current->mm->locked_vm);

	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_user_call(host, uaddr, 4 * PAGE_SIZE,
						      U32_MAX), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(current->mm->locked_vm), base);

	host->hgcm_async = true;
	vbg_test_script(host, VMMDEVREQ_HGCM_CANCEL2, 0, VERR_NOT_SUPPORTED, 0);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_user_call(host, uaddr, 4 * PAGE_SIZE,
						      20), -EIO);
	KUNIT_EXPECT_EQ(test, READ_ONCE(current->mm->locked_vm), base + 4);
	KUNIT_EXPECT_TRUE(test, vbg_test_hgcm_complete(host));
}

/*
 * Without CAP_IPC_LOCK, a call whose user pages exceed RLIMIT_MEMLOCK is
 * refused with -ENOMEM before anything is pinned or sent; one within it
 * works.  A call over the whole-call limit is refused before pinning.
 */
static void vbg_hgcm_call_user_memlock_limit(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct rlimit *rl = &current->signal->rlim[RLIMIT_MEMLOCK];
	unsigned long uaddr = vbg_hgcm_test_umap(test, 4 * PAGE_SIZE);
	unsigned long base = READ_ONCE(current->mm->locked_vm);
	struct rlimit saved = *rl;
	const struct cred *old;
	struct cred *cred;
	int big, small;

	cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, cred);
	cap_lower(cred->cap_effective, CAP_IPC_LOCK);
	old = override_creds(cred);
	rl->rlim_cur = (base + 2) * PAGE_SIZE;
	big = vbg_hgcm_test_user_call(host, uaddr, 4 * PAGE_SIZE, U32_MAX);
	small = vbg_hgcm_test_user_call(host, uaddr, PAGE_SIZE, U32_MAX);
	*rl = saved;
	revert_creds(old);
	put_cred(cred);

	KUNIT_EXPECT_EQ(test, big, -ENOMEM);
	KUNIT_EXPECT_EQ(test, small, 0);
	KUNIT_EXPECT_EQ(test, vbg_test_count(host, VMMDEVREQ_HGCM_CALL64), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(current->mm->locked_vm), base);
}

/* 3 x 24 MiB of user buffers: over the whole-call limit, nothing pinned. */
static void vbg_hgcm_call_total_size_checked_first(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p[3] = {};
	/* First: it gives the test its mm. */
	unsigned long uaddr = vbg_hgcm_test_umap(test, PAGE_SIZE);
	unsigned long base = READ_ONCE(current->mm->locked_vm);
	int i, ret, status = 0;

	for (i = 0; i < 3; i++) {
		p[i].type = VMMDEV_HGCM_PARM_TYPE_LINADDR;
		p[i].u.pointer.size = 24 * 1024 * 1024;
		/* Only the first page is mapped: pinning would fail. */
		p[i].u.pointer.u.linear_addr = uaddr;
	}
	down_read(&host->gdev->remove_rwsem);
	ret = vbg_hgcm_do_call(host->gdev, VBG_KREQ, 42, 1, U32_MAX, true, p,
			       false, 3, &status);
	up_read(&host->gdev->remove_rwsem);
	KUNIT_EXPECT_EQ(test, ret, -E2BIG);
	KUNIT_EXPECT_EQ(test, host->nr_submits, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(current->mm->locked_vm), base);
}

/*
 * The lines a host or a kernel caller can repeat at will share one limit
 * per device, whichever check prints them; a user's VBG_IOCTL_LOG lines
 * have their own and use up none of it.
 */
static void vbg_log_one_limit_per_device(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *session = vbg_test_open(test, false);
	struct vmmdev_request_header *req;
	size_t len = sizeof(struct vbg_ioctl_hdr) + 8;
	struct vbg_ioctl_hdr *log;
	int i;

	log = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, log);
	req = vbg_req_alloc(32, VMMDEVREQ_GET_HOST_TIME, 0);
	KUNIT_ASSERT_NOT_NULL(test, req);
	req->size = 23;

	/* burst - 1 lines from two checks: "host gave HGCM client id 0" ... */
	host->hgcm_client_id = 0;
	for (i = 0; i < DEFAULT_RATELIMIT_BURST / 2; i++)
		KUNIT_EXPECT_EQ(test, vbg_hgcm_test_ioctl_connect(test, session,
								  VERR_GENERAL_FAILURE), 0);
	/* ... and "malformed request". */
	for (; i < DEFAULT_RATELIMIT_BURST - 1; i++)
		KUNIT_EXPECT_EQ(test, vbg_req_submit(host->gdev, req), -EINVAL);
	for (i = 0; i < 2 * DEFAULT_RATELIMIT_BURST; i++) {
		vbg_test_hdr(log, len, 0);
		memcpy(log + 1, "user", 5);
		KUNIT_EXPECT_EQ(test, vbg_test_ioctl(session, VBG_IOCTL_LOG(len), log), 0);
	}
	KUNIT_EXPECT_TRUE_MSG(test, __ratelimit(&host->gdev->log_rs),
			      "the device's limit was used up before its burst");
	KUNIT_EXPECT_FALSE_MSG(test, __ratelimit(&host->gdev->log_rs),
			       "the device's limit let more than its burst through");
	vbg_req_free(req, 32);
	vbg_test_close(session);
}

static void vbg_hgcm_call_transport_failure(struct kunit *test)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vmmdev_hgcm_function_parameter64 p = {
		.type = VMMDEV_HGCM_PARM_TYPE_32BIT,
	};
	int status = 0;

	vbg_test_script(host, VMMDEVREQ_HGCM_CALL64, -EIO, 0, 0);
	KUNIT_EXPECT_EQ(test, vbg_hgcm_test_call(host, U32_MAX, &p, 1, &status), -EIO);
}

static struct kunit_case vbg_hgcm_test_cases[] = {
	KUNIT_CASE(vbg_hgcm_connect_sync),
	KUNIT_CASE(vbg_hgcm_connect_service_refuses),
	KUNIT_CASE(vbg_hgcm_connect_refused_at_submission),
	KUNIT_CASE(vbg_hgcm_connect_transport_failure),
	KUNIT_CASE(vbg_hgcm_disconnect_sync),
	KUNIT_CASE(vbg_hgcm_call_values64),
	KUNIT_CASE(vbg_hgcm_call_values32_layout),
	KUNIT_CASE_PARAM(vbg_hgcm_call_kernel_buffer, vbg_buf_gen_params),
	KUNIT_CASE_PARAM(vbg_hgcm_call_user_buffer, vbg_ubuf_gen_params),
	KUNIT_CASE_PARAM(vbg_vmmdev_units_buffer, vbg_units_gen_params),
	KUNIT_CASE_PARAM(vbg_vmmdev_units_balloon, vbg_units_shift_gen_params),
	KUNIT_CASE(vbg_vmmdev_units_balloon_chunk),
	KUNIT_CASE(vbg_hgcm_call_user_bad_address),
	KUNIT_CASE(vbg_hgcm_call_user_address_0),
	KUNIT_CASE(vbg_hgcm_call_user_kernel_type_refused),
	KUNIT_CASE_PARAM(vbg_hgcm_call_bad_parameter, vbg_bad_parm_gen_params),
	KUNIT_CASE(vbg_hgcm_call_async_completion),
	KUNIT_CASE(vbg_hgcm_call_timeout_cancels),
	KUNIT_CASE(vbg_hgcm_call_legacy_cancel),
	KUNIT_CASE(vbg_hgcm_call_late_completion_after_cancel),
	KUNIT_CASE(vbg_hgcm_call_removed_while_waiting),
	KUNIT_CASE(vbg_hgcm_call_transport_failure),
	KUNIT_CASE(vbg_hgcm_call_cancel_refused_abandons),
	KUNIT_CASE(vbg_hgcm_call_cancel_not_found_grace),
	KUNIT_CASE(vbg_hgcm_connect_removed_cancel_refused),
	KUNIT_CASE(vbg_hgcm_close_disconnects_bounded),
	KUNIT_CASE(vbg_hgcm_cancel_request_per_device),
	KUNIT_CASE(vbg_hgcm_call_user_pages_accounted),
	KUNIT_CASE(vbg_hgcm_call_user_memlock_limit),
	KUNIT_CASE(vbg_hgcm_call_total_size_checked_first),
	KUNIT_CASE(vbg_log_one_limit_per_device),
	{}
};

static struct kunit_suite vbg_hgcm_test_suite = {
	.name = "vboxguest_hgcm",
	.init = vbg_test_host_init,
	.exit = vbg_test_host_exit,
	.test_cases = vbg_hgcm_test_cases,
};

kunit_test_suite(vbg_hgcm_test_suite);
