// SPDX-License-Identifier: GPL-2.0
/*
 * t_balloon: the memory balloon.  A host target (emulator "balloon N")
 * makes the driver inflate or deflate in 1 MiB chunks; the emulator counts
 * the pages it holds.  VBG_IOCTL_CHECK_BALLOON asks the host and adjusts.
 */
#include "vbgt.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define PAGES_PER_CHUNK	256

static int check_balloon(int fd, uint32_t *chunks, uint8_t *in_r3)
{
	struct vbg_ioctl_check_balloon c;
	int ret;

	memset(&c, 0, sizeof(c));
	vbgt_hdr(&c.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(c.hdr), sizeof(c));
	ret = vbgt_ioctl(fd, VBG_IOCTL_CHECK_BALLOON, &c);
	*chunks = c.u.out.balloon_chunks;
	*in_r3 = c.u.out.handle_in_r3;
	return ret;
}

/* Wait up to 15 s for the host to hold @pages ballooned pages. */
static int wait_pages(long long pages)
{
	uint64_t end = vbgt_now_ms() + 15000;
	long long now;

	do {
		now = vbgt_state("balloon_pages");
		if (now == pages)
			return 1;
		vbgt_sleep_ms(100);
	} while (vbgt_now_ms() < end);
	vbgt_diag("host holds %lld balloon pages, expected %lld", now, pages);
	return 0;
}

/*
 * A session that waits for balloon requests, as VBoxService does: the
 * event reaches the guest only if some filter has it.
 */
static int balloon_listener(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT);

	ASSERT_EQ(vbgt_change_filter(fd, VBGT_EV_BALLOON, 0), 0);
	return fd;
}

static void inflate_deflate_on_host_request(void)
{
	long long inf = vbgt_counter("balloon.inflates");
	long long def = vbgt_counter("balloon.deflates");
	long long avail0, avail1;
	int fd;

	ASSERT_EQ(vbgt_state("balloon_pages"), 0);
	vbgt_ctl_at_end("balloon 0");
	fd = balloon_listener();
	avail0 = vbgt_meminfo_kb("MemAvailable");
	vbgt_ctl_ok("balloon 4");
	EXPECT(wait_pages(4 * PAGES_PER_CHUNK), "not inflated");
	/* The 4 MiB are taken from the guest. */
	avail1 = vbgt_meminfo_kb("MemAvailable");
	vbgt_diag("available %lld -> %lld KiB", avail0, avail1);
	EXPECT(avail0 - avail1 >= 3 * 1024, "available memory fell by %lld KiB",
	       avail0 - avail1);
	EXPECT_EQ(vbgt_counter("balloon.inflates"), inf + 4);
	vbgt_ctl_ok("balloon 1");
	EXPECT(wait_pages(1 * PAGES_PER_CHUNK), "not deflated to 1 MiB");
	EXPECT_EQ(vbgt_counter("balloon.deflates"), def + 3);
	vbgt_ctl_ok("balloon 0");
	EXPECT(wait_pages(0), "not deflated");
	EXPECT_EQ(vbgt_counter("balloon.deflates"), def + 4);
	close(fd);
}

static void check_balloon_after_event(void)
{
	int fd = balloon_listener();
	uint32_t chunks;
	uint8_t r3;

	vbgt_ctl_at_end("balloon 0");
	vbgt_ctl_ok("balloon 2");
	EXPECT(wait_pages(2 * PAGES_PER_CHUNK), "not inflated");
	ASSERT_EQ(check_balloon(fd, &chunks, &r3), 0);
	EXPECT_EQ(chunks, 2);
	EXPECT_EQ(r3, 0);
	EXPECT_EQ(vbgt_state("balloon_pages"), 2 * PAGES_PER_CHUNK);
	vbgt_ctl_ok("balloon 0");
	EXPECT(wait_pages(0), "not deflated");
	ASSERT_EQ(check_balloon(fd, &chunks, &r3), 0);
	EXPECT_EQ(chunks, 0);
	close(fd);
}

static void check_balloon_asks_host(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT);
	long long q = vbgt_counter("req.111");
	uint32_t chunks;
	uint8_t r3;

	vbgt_ref_defect("VBG_IOCTL_CHECK_BALLOON returns the driver's current "
			"size without asking the host (no request 111 seen)");
	vbgt_ctl_at_end("balloon 0");
	/* No session filters the balloon event: only the ioctl can see it. */
	vbgt_ctl_ok("balloon 1");
	ASSERT_EQ(check_balloon(fd, &chunks, &r3), 0);
	ASSERT(vbgt_counter("req.111") > q, "the host was not asked");
	EXPECT_EQ(chunks, 1);
	EXPECT_EQ(r3, 0);
	EXPECT(wait_pages(1 * PAGES_PER_CHUNK), "not inflated");
	vbgt_ctl_ok("balloon 0");
	ASSERT_EQ(check_balloon(fd, &chunks, &r3), 0);
	EXPECT_EQ(chunks, 0);
	EXPECT(wait_pages(0), "not deflated");
	close(fd);
}

static void check_balloon_bad_header_einval(void)
{
	struct vbg_ioctl_check_balloon c;
	int fd = vbgt_open(VBGT_NODE_ROOT);

	memset(&c, 0, sizeof(c));
	vbgt_hdr(&c.hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(c.hdr), sizeof(c));
	c.hdr.size_out = sizeof(c) + 8;
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_CHECK_BALLOON, &c), -EINVAL);
	close(fd);
}

static const struct vbgt_case cases[] = {
	VBGT_CASE_T(inflate_deflate_on_host_request, 40),
	VBGT_CASE_T(check_balloon_after_event, 40),
	VBGT_CASE(check_balloon_bad_header_einval),
	VBGT_CASE_T(check_balloon_asks_host, 40),
};

VBGT_SUITE("t_balloon", cases)
