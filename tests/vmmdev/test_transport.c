// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the vfio-user transport and the control channel, without
 * QEMU: the DMA map table, header checks, the INTx state machine, message
 * handling (config space, regions, IRQs, DMA) through xport_handle_msg(),
 * the socket path with fd passing, one request end to end through the
 * real model, and the control socket's line handling.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "emu.h"
#include "ktap.h"
#include "transport.h"

#define PG 4096

/* ---- helpers ----------------------------------------------------------- */

/* An anonymous mapping the table will own, filled with @fill. */
static struct dma_map anon_map(uint64_t iova, uint64_t size, uint8_t fill)
{
	struct dma_map m = { .iova = iova, .size = size, .writable = true };

	m.mmap_base = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m.mmap_base == MAP_FAILED) {
		m.mmap_base = NULL;
		return m;
	}
	memset(m.mmap_base, fill, size);
	m.mmap_len = size;
	m.host = m.mmap_base;
	return m;
}

static char *tmp_sock(const char *tag)
{
	char *p = NULL;

	if (asprintf(&p, "/tmp/vmmdev-test-%d-%s.sock", getpid(), tag) < 0)
		return NULL;
	return p;
}

/* Build a message: header + payload. */
static size_t mk_msg(uint8_t *buf, uint16_t id, uint16_t cmd, uint32_t flags,
		     const void *payload, size_t len)
{
	struct vfu_hdr h = {
		.msg_id = id, .command = cmd,
		.size = (uint32_t)(VFU_HDR_SIZE + len), .flags = flags,
	};

	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + VFU_HDR_SIZE, payload, len);
	return VFU_HDR_SIZE + len;
}

struct msg_env {
	struct xport *x;
	char *path;
	uint8_t *in;
	uint8_t *out;
};

static bool env_init(struct msg_env *e, bool mmap_bar1)
{
	e->path = tmp_sock(mmap_bar1 ? "m" : "n");
	e->x = e->path ? xport_new(e->path, mmap_bar1) : NULL;
	e->in = malloc(VFU_MAX_MSG_SIZE);
	e->out = malloc(VFU_MAX_MSG_SIZE);
	return e->x && e->in && e->out;
}

static void env_fini(struct msg_env *e)
{
	xport_free(e->x);
	free(e->path);
	free(e->in);
	free(e->out);
}

/* Send one message through xport_handle_msg; returns the reply header. */
static struct vfu_hdr env_call(struct msg_env *e, uint16_t cmd,
			       const void *payload, size_t len, int *fds,
			       int nfds, int *reply_fd)
{
	static uint16_t id = 100;
	struct vfu_hdr rh = { 0 };
	int rfd = -1;
	size_t n;

	mk_msg(e->in, ++id, cmd, 0, payload, len);
	n = xport_handle_msg(e->x, (struct vfu_hdr *)e->in, fds, nfds, e->out,
			     &rfd);
	if (n >= VFU_HDR_SIZE)
		memcpy(&rh, e->out, sizeof(rh));
	if (reply_fd)
		*reply_fd = rfd;
	return rh;
}

static struct vfu_hdr env_version(struct msg_env *e)
{
	uint8_t v[64] = { 0 };

	strcpy((char *)v + 4, "{\"capabilities\":{}}");
	return env_call(e, VFU_CMD_VERSION, v, 4 + 20, NULL, 0, NULL);
}

struct rw {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	uint8_t data[8];
};

/* Config/BAR read; returns the value or -1 on an error reply. */
static long long env_read(struct msg_env *e, uint32_t region, uint64_t off,
			  uint32_t count)
{
	struct rw rw = { .offset = off, .region = region, .count = count };
	struct vfu_hdr rh;
	uint32_t v = 0;

	rh = env_call(e, VFU_CMD_REGION_READ, &rw, 16, NULL, 0, NULL);
	if (rh.flags & VFU_FLAG_ERROR || rh.size != 16 + 16 + count)
		return -1;
	memcpy(&v, e->out + 32, count < 4 ? count : 4);
	return v;
}

static int env_write(struct msg_env *e, uint32_t region, uint64_t off,
		     uint32_t count, uint32_t val)
{
	struct rw rw = { .offset = off, .region = region, .count = count };
	struct vfu_hdr rh;

	memcpy(rw.data, &val, 4);
	rh = env_call(e, VFU_CMD_REGION_WRITE, &rw, 16 + count, NULL, 0, NULL);
	return rh.flags & VFU_FLAG_ERROR ? -(int)rh.error_no : 0;
}

static uint64_t efd_count(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v = 0;

	if (poll(&p, 1, 0) == 1 && read(fd, &v, sizeof(v)) != sizeof(v))
		v = 0;
	return v;
}

/* ---- header ------------------------------------------------------------ */

static void hdr_sizes(struct ktap_case_ctx *t)
{
	struct vfu_hdr h = { 0 };

	h.size = 0;
	KTAP_EXPECT_EQ(t, vfu_check_hdr(&h), -EPROTO);
	h.size = VFU_HDR_SIZE - 1;
	KTAP_EXPECT_EQ(t, vfu_check_hdr(&h), -EPROTO);
	h.size = VFU_HDR_SIZE;
	KTAP_EXPECT_EQ(t, vfu_check_hdr(&h), 0);
	h.size = VFU_MAX_MSG_SIZE;
	KTAP_EXPECT_EQ(t, vfu_check_hdr(&h), 0);
	h.size = VFU_MAX_MSG_SIZE + 1;
	KTAP_EXPECT_EQ(t, vfu_check_hdr(&h), -E2BIG);
	h.size = 0xffffffff;
	KTAP_EXPECT_EQ(t, vfu_check_hdr(&h), -E2BIG);
}

/* ---- DMA table --------------------------------------------------------- */

static void dma_add_overlap(struct ktap_case_ctx *t)
{
	struct dma_table tb;
	struct dma_map m;

	dma_table_init(&tb);
	m = anon_map(0x10000, 0x2000, 0);
	KTAP_ASSERT(t, m.host);
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &m), 0);

	/* Overlaps: tail, head, inside, covering. */
	m = (struct dma_map){ .iova = 0x11000, .size = 0x2000 };
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &m), -EEXIST);
	m = (struct dma_map){ .iova = 0xf000, .size = 0x1001 };
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &m), -EEXIST);
	m = (struct dma_map){ .iova = 0x10800, .size = 0x10 };
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &m), -EEXIST);
	m = (struct dma_map){ .iova = 0, .size = 0x100000 };
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &m), -EEXIST);
	/* Bad ranges. */
	m = (struct dma_map){ .iova = 0x50000, .size = 0 };
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &m), -EINVAL);
	m = (struct dma_map){ .iova = ~0ull - 0xfff, .size = 0x2000 };
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &m), -EINVAL);
	/* Adjacent on both sides, and the very top of the space. */
	m = (struct dma_map){ .iova = 0xf000, .size = 0x1000 };
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &m), 0);
	m = (struct dma_map){ .iova = 0x12000, .size = 0x1000 };
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &m), 0);
	m = (struct dma_map){ .iova = ~0ull - 0xfff, .size = 0x1000 };
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &m), 0);
	KTAP_EXPECT_EQ(t, tb.n, 4);
	/* Sorted. */
	KTAP_EXPECT_EQ(t, tb.maps[0].iova, 0xf000);
	KTAP_EXPECT_EQ(t, tb.maps[1].iova, 0x10000);
	KTAP_EXPECT_EQ(t, tb.maps[2].iova, 0x12000);
	dma_table_destroy(&tb);
}

static void dma_rw_across_boundaries(struct ktap_case_ctx *t)
{
	struct dma_table tb;
	struct dma_map a, b, ro, rom;
	uint8_t buf[0x200], chk[0x200];
	uint8_t *pa, *pb;
	int i;

	dma_table_init(&tb);
	a = anon_map(0x100000, PG, 0xaa);
	b = anon_map(0x101000, PG, 0xbb);
	ro = anon_map(0x200000, PG, 0xcc);
	ro.writable = false;
	rom = (struct dma_map){ .iova = 0x300000, .size = PG };
	KTAP_ASSERT(t, a.host && b.host && ro.host);
	pa = a.host;
	pb = b.host;
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &b), 0);
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &a), 0);
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &ro), 0);
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &rom), 0);

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	/* 0x100 bytes in a, 0x100 in b. */
	KTAP_EXPECT_EQ(t, dma_table_write(&tb, 0x100f00, buf, sizeof(buf)), 0);
	KTAP_EXPECT(t, !memcmp(pa + 0xf00, buf, 0x100));
	KTAP_EXPECT(t, !memcmp(pb, buf + 0x100, 0x100));
	KTAP_EXPECT_EQ(t, pb[0x100], 0xbb);
	memset(chk, 0, sizeof(chk));
	KTAP_EXPECT_EQ(t, dma_table_read(&tb, 0x100f00, chk, sizeof(chk)), 0);
	KTAP_EXPECT(t, !memcmp(chk, buf, sizeof(buf)));

	/* Past the end of b (gap), before a, entirely unmapped. */
	KTAP_EXPECT_EQ(t, dma_table_read(&tb, 0x101f00, chk, 0x101), -1);
	KTAP_EXPECT_EQ(t, dma_table_read(&tb, 0xfffff, chk, 2), -1);
	KTAP_EXPECT_EQ(t, dma_table_read(&tb, 0x5000000, chk, 1), -1);
	KTAP_EXPECT_EQ(t, dma_table_read(&tb, ~0ull, chk, 2), -1);
	KTAP_EXPECT_EQ(t, dma_table_read(&tb, 0x101fff, chk, 1), 0);
	KTAP_EXPECT_EQ(t, dma_table_read(&tb, 0x100000, chk, 0), 0);

	/* Read-only: readable, not writable; ROM (no fd): neither. */
	KTAP_EXPECT_EQ(t, dma_table_read(&tb, 0x200010, chk, 4), 0);
	KTAP_EXPECT_EQ(t, chk[0], 0xcc);
	KTAP_EXPECT_EQ(t, dma_table_write(&tb, 0x200010, buf, 4), -1);
	KTAP_EXPECT_EQ(t, dma_table_read(&tb, 0x300000, chk, 4), -1);
	KTAP_EXPECT(t, dma_table_ptr(&tb, 0x300000, 4) == NULL);

	/* Pointers only within one mapping. */
	KTAP_EXPECT(t, dma_table_ptr(&tb, 0x100f00, 0x100) == pa + 0xf00);
	KTAP_EXPECT(t, dma_table_ptr(&tb, 0x100f00, 0x101) == NULL);
	KTAP_EXPECT(t, dma_table_ptr(&tb, 0x101000, PG) == pb);
	KTAP_EXPECT(t, dma_table_ptr(&tb, 0x102000, 1) == NULL);
	dma_table_destroy(&tb);
}

static void dma_remove(struct ktap_case_ctx *t)
{
	struct dma_table tb;
	struct dma_map m;
	uint8_t c;
	int i;

	dma_table_init(&tb);
	for (i = 0; i < 4; i++) {
		m = anon_map(0x100000 + i * 0x2000, 0x2000, (uint8_t)i);
		KTAP_ASSERT(t, m.host);
		KTAP_EXPECT_EQ(t, dma_table_add(&tb, &m), 0);
	}
	/* Straddles the second mapping: nothing removed. */
	KTAP_EXPECT_EQ(t, dma_table_remove(&tb, 0x100000, 0x3000), -EINVAL);
	KTAP_EXPECT_EQ(t, tb.n, 4);
	KTAP_EXPECT_EQ(t, dma_table_remove(&tb, 0x100000, 0), -EINVAL);
	/* Nothing there. */
	KTAP_EXPECT_EQ(t, dma_table_remove(&tb, 0x900000, 0x1000), 0);
	/* Exact, then a range covering two. */
	KTAP_EXPECT_EQ(t, dma_table_remove(&tb, 0x102000, 0x2000), 1);
	KTAP_EXPECT_EQ(t, dma_table_read(&tb, 0x102000, &c, 1), -1);
	KTAP_EXPECT_EQ(t, dma_table_read(&tb, 0x104000, &c, 1), 0);
	KTAP_EXPECT_EQ(t, c, 2);
	KTAP_EXPECT_EQ(t, dma_table_remove(&tb, 0x0, 0x105fff), -EINVAL);
	KTAP_EXPECT_EQ(t, dma_table_remove(&tb, 0x0, 0x106000), 2);
	KTAP_EXPECT_EQ(t, tb.n, 1);
	KTAP_EXPECT_EQ(t, tb.maps[0].iova, 0x106000);
	/* Same range can be mapped again. */
	m = anon_map(0x100000, 0x6000, 9);
	KTAP_EXPECT_EQ(t, dma_table_add(&tb, &m), 0);
	dma_table_remove_all(&tb);
	KTAP_EXPECT_EQ(t, tb.n, 0);
	KTAP_EXPECT_EQ(t, dma_table_read(&tb, 0x100000, &c, 1), -1);
	dma_table_destroy(&tb);
}

/* ---- INTx -------------------------------------------------------------- */

static void intx_state_machine(struct ktap_case_ctx *t)
{
	struct intx x;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	KTAP_ASSERT(t, efd >= 0);
	intx_init(&x);

	/* No trigger fd yet: raising is remembered, nothing fires. */
	intx_set_level(&x, true);
	KTAP_EXPECT_EQ(t, intx_take_fired(&x), 0);
	/* Installing the eventfd with the line high fires at once. */
	intx_set_trigger(&x, efd);
	KTAP_EXPECT_EQ(t, efd_count(efd), 1);
	KTAP_EXPECT(t, x.masked);
	/* Still high and masked: no more edges. */
	intx_set_level(&x, true);
	KTAP_EXPECT_EQ(t, efd_count(efd), 0);
	/* QEMU unmasks while the level is still high: trigger again. */
	intx_unmask(&x);
	KTAP_EXPECT_EQ(t, efd_count(efd), 1);
	KTAP_EXPECT(t, x.masked);
	/* Guest acknowledged: line low; the unmask fires nothing. */
	intx_set_level(&x, false);
	intx_unmask(&x);
	KTAP_EXPECT_EQ(t, efd_count(efd), 0);
	KTAP_EXPECT(t, !x.masked);
	/* Next event. */
	intx_set_level(&x, true);
	KTAP_EXPECT_EQ(t, efd_count(efd), 1);
	intx_set_level(&x, false);
	/* A raise while masked waits for the unmask. */
	intx_set_level(&x, true);
	KTAP_EXPECT_EQ(t, efd_count(efd), 0);
	intx_unmask(&x);
	KTAP_EXPECT_EQ(t, efd_count(efd), 1);
	intx_set_level(&x, false);
	intx_unmask(&x);
	/* Explicit mask holds a raise back. */
	intx_mask(&x);
	intx_set_level(&x, true);
	KTAP_EXPECT_EQ(t, efd_count(efd), 0);
	intx_unmask(&x);
	KTAP_EXPECT_EQ(t, efd_count(efd), 1);
	intx_set_level(&x, false);
	intx_unmask(&x);
	/* INTx-disable in the command register holds it back too. */
	intx_set_disabled(&x, true);
	intx_set_level(&x, true);
	KTAP_EXPECT_EQ(t, efd_count(efd), 0);
	intx_set_disabled(&x, false);
	KTAP_EXPECT_EQ(t, efd_count(efd), 1);
	KTAP_EXPECT_EQ(t, intx_take_fired(&x), 6);
	KTAP_EXPECT_EQ(t, intx_take_fired(&x), 0);
	/* Teardown: a raise goes nowhere. */
	intx_set_level(&x, false);
	intx_set_trigger(&x, -1);
	intx_set_level(&x, true);
	KTAP_EXPECT_EQ(t, intx_take_fired(&x), 0);
	intx_destroy(&x);	/* closed efd */
}

/* ---- messages ---------------------------------------------------------- */

static void msg_version_and_info(struct ktap_case_ctx *t)
{
	struct msg_env e;
	struct vfu_hdr rh;
	struct vfio_device_info di = { .argsz = 16 };
	struct vfio_irq_info ii = { .argsz = sizeof(ii) };
	uint16_t ver[2];

	KTAP_ASSERT(t, env_init(&e, true));
	/* Anything before VERSION is refused. */
	rh = env_call(&e, VFU_CMD_DEVICE_GET_INFO, &di, 16, NULL, 0, NULL);
	KTAP_EXPECT(t, rh.flags & VFU_FLAG_ERROR);
	KTAP_EXPECT_EQ(t, rh.error_no, EINVAL);

	rh = env_version(&e);
	KTAP_EXPECT_EQ(t, rh.flags, VFU_FLAG_REPLY);
	KTAP_EXPECT_EQ(t, rh.command, VFU_CMD_VERSION);
	memcpy(ver, e.out + 16, 4);
	KTAP_EXPECT_EQ(t, ver[0], 0);
	KTAP_EXPECT_EQ(t, ver[1], 0);
	KTAP_EXPECT(t, strstr((char *)e.out + 20, "\"max_msg_fds\":8"));
	KTAP_EXPECT_EQ(t, e.out[rh.size - 1], 0);	/* NUL-terminated */

	rh = env_call(&e, VFU_CMD_DEVICE_GET_INFO, &di, 16, NULL, 0, NULL);
	KTAP_EXPECT_EQ(t, rh.size, 32);
	memcpy(&di, e.out + 16, 16);
	KTAP_EXPECT_EQ(t, di.flags, VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
	KTAP_EXPECT_EQ(t, di.num_regions, 9);
	KTAP_EXPECT_EQ(t, di.num_irqs, 5);

	ii.index = VFIO_PCI_INTX_IRQ_INDEX;
	rh = env_call(&e, VFU_CMD_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), NULL, 0,
		      NULL);
	memcpy(&ii, e.out + 16, sizeof(ii));
	KTAP_EXPECT_EQ(t, ii.count, 1);
	KTAP_EXPECT_EQ(t, ii.flags, VFIO_IRQ_INFO_EVENTFD |
		       VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED);
	ii.index = VFIO_PCI_MSI_IRQ_INDEX;
	env_call(&e, VFU_CMD_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), NULL, 0, NULL);
	memcpy(&ii, e.out + 16, sizeof(ii));
	KTAP_EXPECT_EQ(t, ii.count, 0);
	ii.index = 9;
	rh = env_call(&e, VFU_CMD_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), NULL, 0,
		      NULL);
	KTAP_EXPECT(t, rh.flags & VFU_FLAG_ERROR);
	/* Truncated payload, unknown command. */
	rh = env_call(&e, VFU_CMD_DEVICE_GET_IRQ_INFO, &ii, 8, NULL, 0, NULL);
	KTAP_EXPECT_EQ(t, rh.error_no, EINVAL);
	rh = env_call(&e, 77, NULL, 0, NULL, 0, NULL);
	KTAP_EXPECT(t, rh.flags & VFU_FLAG_ERROR);
	KTAP_EXPECT_EQ(t, rh.command, 77);
	env_fini(&e);
}

static void msg_region_info(struct ktap_case_ctx *t)
{
	static const uint64_t sizes[9] = {
		0x20, 0x400000, 0x4000, 0, 0, 0, 0, 256, 0 };
	struct vfio_region_info ri;
	struct msg_env e, n;
	struct vfu_hdr rh;
	int fd, i;

	KTAP_ASSERT(t, env_init(&e, true));
	KTAP_ASSERT(t, env_init(&n, false));
	env_version(&e);
	env_version(&n);
	for (i = 0; i < 9; i++) {
		ri = (struct vfio_region_info){ .argsz = sizeof(ri), .index = i };
		rh = env_call(&e, VFU_CMD_DEVICE_GET_REGION_INFO, &ri,
			      sizeof(ri), NULL, 0, &fd);
		KTAP_EXPECT_EQ(t, rh.size, 16 + sizeof(ri));
		memcpy(&ri, e.out + 16, sizeof(ri));
		KTAP_EXPECT_EQ(t, ri.size, sizes[i]);
		KTAP_EXPECT_EQ(t, ri.argsz, sizeof(ri));
		if (i == 1) {
			KTAP_EXPECT(t, ri.flags & VFIO_REGION_INFO_FLAG_MMAP);
			KTAP_EXPECT(t, fd >= 0);
		} else {
			KTAP_EXPECT(t, !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP));
			KTAP_EXPECT_EQ(t, fd, -1);
		}
	}
	ri = (struct vfio_region_info){ .argsz = sizeof(ri), .index = 1 };
	env_call(&n, VFU_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), NULL, 0,
		 &fd);
	memcpy(&ri, n.out + 16, sizeof(ri));
	KTAP_EXPECT_EQ(t, fd, -1);
	KTAP_EXPECT_EQ(t, ri.flags, VFIO_REGION_INFO_FLAG_READ |
		       VFIO_REGION_INFO_FLAG_WRITE);
	ri.index = 9;
	rh = env_call(&e, VFU_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), NULL,
		      0, &fd);
	KTAP_EXPECT(t, rh.flags & VFU_FLAG_ERROR);
	env_fini(&e);
	env_fini(&n);
}

static void msg_config_space(struct ktap_case_ctx *t)
{
	const uint32_t cfg = VFIO_PCI_CONFIG_REGION_INDEX;
	struct msg_env e;

	KTAP_ASSERT(t, env_init(&e, true));
	env_version(&e);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0, 4), 0xcafe80ee);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 2, 2), 0xcafe);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 8, 4), 0x08800000);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x0e, 1), 0);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x3d, 1), 1);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x34, 1), 0);	/* no caps */
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x10, 4), 0x1);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x14, 4), 0x0);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x18, 4), 0x8);

	/* BAR sizing. */
	KTAP_EXPECT_EQ(t, env_write(&e, cfg, 0x10, 4, 0xffffffff), 0);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x10, 4), 0xffffffe1);
	KTAP_EXPECT_EQ(t, env_write(&e, cfg, 0x14, 4, 0xffffffff), 0);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x14, 4), 0xffc00000);
	KTAP_EXPECT_EQ(t, env_write(&e, cfg, 0x18, 4, 0xffffffff), 0);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x18, 4), 0xffffc008);
	KTAP_EXPECT_EQ(t, env_write(&e, cfg, 0x1c, 4, 0xffffffff), 0);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x1c, 4), 0);
	KTAP_EXPECT_EQ(t, env_write(&e, cfg, 0x14, 4, 0xfe012345), 0);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x14, 4), 0xfe000000);

	/* Read-only identity, writable command and interrupt line. */
	KTAP_EXPECT_EQ(t, env_write(&e, cfg, 0, 4, 0x12345678), 0);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0, 4), 0xcafe80ee);
	KTAP_EXPECT_EQ(t, env_write(&e, cfg, 4, 2, 0xffff), 0);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 4, 2), 0x0547);
	KTAP_EXPECT_EQ(t, env_write(&e, cfg, 4, 2, 0x0003), 0);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 4, 2), 0x0003);
	KTAP_EXPECT_EQ(t, env_write(&e, cfg, 0x3c, 1, 11), 0);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x3c, 4), 0x010b);

	/* Interrupt status follows the line. */
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 6, 2) & 0x8, 0);
	xport_host_ops.set_irq(e.x, 1);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 6, 2) & 0x8, 0x8);
	xport_host_ops.set_irq(e.x, 0);

	/* Out of range. */
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0xfe, 4), -1);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x100, 1), -1);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, ~0ull, 1), -1);
	KTAP_EXPECT_EQ(t, env_read(&e, 3, 0, 4), -1);	/* empty BAR */
	KTAP_EXPECT_EQ(t, env_read(&e, 12, 0, 4), -1);
	KTAP_EXPECT_EQ(t, env_write(&e, cfg, 0xff, 2, 0), -EINVAL);
	env_fini(&e);
}

/* --bar0-size (make faults): a smaller BAR0 in the region info and sizing. */
static void bar0_size_knob(struct ktap_case_ctx *t)
{
	const uint32_t cfg = VFIO_PCI_CONFIG_REGION_INDEX;
	struct vfio_region_info ri;
	struct msg_env e;
	int fd;

	KTAP_ASSERT(t, env_init(&e, true));
	KTAP_EXPECT_EQ(t, xport_set_bar0_size(e.x, 3), -1);
	KTAP_EXPECT_EQ(t, xport_set_bar0_size(e.x, 12), -1);
	KTAP_EXPECT_EQ(t, xport_set_bar0_size(e.x, 64), -1);
	KTAP_EXPECT_EQ(t, xport_set_bar0_size(e.x, 8), 0);
	env_version(&e);
	ri = (struct vfio_region_info){ .argsz = sizeof(ri), .index = 0 };
	env_call(&e, VFU_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), NULL, 0, &fd);
	memcpy(&ri, e.out + 16, sizeof(ri));
	KTAP_EXPECT_EQ(t, ri.size, 8);
	KTAP_EXPECT_EQ(t, env_write(&e, cfg, 0x10, 4, 0xffffffff), 0);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x10, 4), 0xfffffff9);
	KTAP_EXPECT_EQ(t, env_read(&e, 0, 8, 4), -1);
	env_fini(&e);
}

static void msg_bar1_and_bar2(struct ktap_case_ctx *t)
{
	struct msg_env e;
	uint8_t *bar1;

	KTAP_ASSERT(t, env_init(&e, false));
	env_version(&e);
	bar1 = xport_bar1(e.x);
	KTAP_ASSERT(t, bar1);
	bar1[0x100] = 0x5a;
	KTAP_EXPECT_EQ(t, env_read(&e, 1, 0x100, 1), 0x5a);
	KTAP_EXPECT_EQ(t, env_write(&e, 1, 0x3ffffc, 4, 0xdeadbeef), 0);
	KTAP_EXPECT_EQ(t, bar1[0x3fffff], 0xde);
	KTAP_EXPECT_EQ(t, env_read(&e, 1, 0x3ffffd, 4), -1);
	KTAP_EXPECT_EQ(t, env_write(&e, 2, 0x3ffc, 4, 0x11223344), 0);
	KTAP_EXPECT_EQ(t, env_read(&e, 2, 0x3ffc, 4), 0x11223344);
	KTAP_EXPECT_EQ(t, env_read(&e, 2, 0x4000, 1), -1);
	env_fini(&e);
}

static void msg_dma_and_irqs(struct ktap_case_ctx *t)
{
	struct {
		uint32_t argsz, flags;
		uint64_t offset, iova, size;
	} map = { 32, VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		  PG, 0x40000, 2 * PG };
	struct {
		uint32_t argsz, flags;
		uint64_t iova, size;
	} unmap = { 24, 0, 0x40000, 2 * PG };
	struct vfio_irq_set set = { .argsz = sizeof(set) };
	struct msg_env e;
	struct vfu_hdr rh;
	uint8_t *mem, buf[8];
	int mfd, efd, fds[1];

	KTAP_ASSERT(t, env_init(&e, true));
	env_version(&e);
	mfd = memfd_create("test-ram", MFD_CLOEXEC);
	KTAP_ASSERT(t, mfd >= 0 && ftruncate(mfd, 4 * PG) == 0);
	mem = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	KTAP_ASSERT(t, mem != MAP_FAILED);

	/* Map memfd pages 1-2 at 0x40000. */
	fds[0] = mfd;
	rh = env_call(&e, VFU_CMD_DMA_MAP, &map, sizeof(map), fds, 1, NULL);
	KTAP_EXPECT_EQ(t, rh.flags, VFU_FLAG_REPLY);
	KTAP_EXPECT_EQ(t, rh.size, 16);		/* not larger than the request */
	memcpy(mem + PG + 0x10, "guestram", 8);
	KTAP_EXPECT_EQ(t, xport_host_ops.mem_read(e.x, 0x40010, buf, 8), 0);
	KTAP_EXPECT(t, !memcmp(buf, "guestram", 8));
	KTAP_EXPECT_EQ(t, xport_host_ops.mem_write(e.x, 0x41ff8, "HOSTPAGE", 8), 0);
	KTAP_EXPECT(t, !memcmp(mem + 3 * PG - 8, "HOSTPAGE", 8));
	KTAP_EXPECT_EQ(t, xport_host_ops.mem_write(e.x, 0x41ffc, "HOSTPAGE", 8), -1);
	KTAP_EXPECT(t, xport_host_ops.mem_ptr(e.x, 0x40000, PG) == NULL ||
		    !memcmp(xport_host_ops.mem_ptr(e.x, 0x40010, 8), "guestram", 8));
	KTAP_EXPECT_EQ(t, xport_host_ops.mem_read(e.x, 0x42000, buf, 1), -1);
	/* Overlapping map refused; a map without fd (ROM) accepted. */
	rh = env_call(&e, VFU_CMD_DMA_MAP, &map, sizeof(map), fds, 1, NULL);
	KTAP_EXPECT_EQ(t, rh.error_no, EEXIST);
	map.iova = 0xf0000;
	rh = env_call(&e, VFU_CMD_DMA_MAP, &map, sizeof(map), NULL, 0, NULL);
	KTAP_EXPECT_EQ(t, rh.flags, VFU_FLAG_REPLY);
	KTAP_EXPECT_EQ(t, xport_host_ops.mem_read(e.x, 0xf0000, buf, 1), -1);
	/* Beyond the end of the memfd (would fault on access). */
	map.iova = 0x80000;
	map.size = 4 * PG;
	fds[0] = mfd;
	rh = env_call(&e, VFU_CMD_DMA_MAP, &map, sizeof(map), fds, 1, NULL);
	KTAP_EXPECT_EQ(t, rh.error_no, EINVAL);
	/* Short payload. */
	rh = env_call(&e, VFU_CMD_DMA_MAP, &map, 20, NULL, 0, NULL);
	KTAP_EXPECT_EQ(t, rh.error_no, EINVAL);

	/* Unmap echoes the payload; a split unmap is refused. */
	unmap.size = PG;
	rh = env_call(&e, VFU_CMD_DMA_UNMAP, &unmap, sizeof(unmap), NULL, 0, NULL);
	KTAP_EXPECT_EQ(t, rh.error_no, EINVAL);
	unmap.size = 2 * PG;
	rh = env_call(&e, VFU_CMD_DMA_UNMAP, &unmap, sizeof(unmap), NULL, 0, NULL);
	KTAP_EXPECT_EQ(t, rh.size, 16 + 24);
	KTAP_EXPECT(t, !memcmp(e.out + 16, &unmap, 24));
	KTAP_EXPECT_EQ(t, xport_host_ops.mem_read(e.x, 0x40010, buf, 1), -1);
	unmap.flags = VFIO_DMA_UNMAP_FLAG_ALL;
	rh = env_call(&e, VFU_CMD_DMA_UNMAP, &unmap, sizeof(unmap), NULL, 0, NULL);
	KTAP_EXPECT_EQ(t, rh.flags, VFU_FLAG_REPLY);
	unmap.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	rh = env_call(&e, VFU_CMD_DMA_UNMAP, &unmap, sizeof(unmap), NULL, 0, NULL);
	KTAP_EXPECT(t, rh.flags & VFU_FLAG_ERROR);

	/* INTx: trigger eventfd, raise, unmask re-triggers, teardown. */
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	KTAP_ASSERT(t, efd >= 0);
	set.flags = VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD;
	set.index = VFIO_PCI_INTX_IRQ_INDEX;
	set.count = 1;
	fds[0] = dup(efd);
	rh = env_call(&e, VFU_CMD_DEVICE_SET_IRQS, &set, sizeof(set), fds, 1,
		      NULL);
	KTAP_EXPECT_EQ(t, rh.flags, VFU_FLAG_REPLY);
	KTAP_EXPECT_EQ(t, fds[0], -1);		/* the transport kept it */
	xport_host_ops.set_irq(e.x, 1);
	KTAP_EXPECT_EQ(t, efd_count(efd), 1);
	set.flags = VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_DATA_NONE;
	rh = env_call(&e, VFU_CMD_DEVICE_SET_IRQS, &set, sizeof(set), NULL, 0,
		      NULL);
	KTAP_EXPECT_EQ(t, rh.flags, VFU_FLAG_REPLY);
	KTAP_EXPECT_EQ(t, efd_count(efd), 1);
	xport_host_ops.set_irq(e.x, 0);
	env_call(&e, VFU_CMD_DEVICE_SET_IRQS, &set, sizeof(set), NULL, 0, NULL);
	KTAP_EXPECT_EQ(t, efd_count(efd), 0);
	/* A resample eventfd: QEMU signalling it unmasks like SET_IRQS. */
	{
		int rfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		uint64_t one = 1;

		KTAP_ASSERT(t, rfd >= 0);
		set.flags = VFIO_IRQ_SET_ACTION_UNMASK |
			    VFIO_IRQ_SET_DATA_EVENTFD;
		fds[0] = dup(rfd);
		rh = env_call(&e, VFU_CMD_DEVICE_SET_IRQS, &set, sizeof(set),
			      fds, 1, NULL);
		KTAP_EXPECT_EQ(t, rh.flags, VFU_FLAG_REPLY);
		KTAP_EXPECT(t, xport_resample_fd(e.x) >= 0);
		xport_host_ops.set_irq(e.x, 1);
		KTAP_EXPECT_EQ(t, efd_count(efd), 1);
		KTAP_ASSERT(t, write(rfd, &one, 8) == 8);
		xport_handle_resample(e.x);
		KTAP_EXPECT_EQ(t, efd_count(efd), 1);
		xport_host_ops.set_irq(e.x, 0);
		KTAP_ASSERT(t, write(rfd, &one, 8) == 8);
		xport_handle_resample(e.x);
		KTAP_EXPECT_EQ(t, efd_count(efd), 0);
		/* Torn down by UNMASK|EVENTFD with count 0. */
		set.count = 0;
		env_call(&e, VFU_CMD_DEVICE_SET_IRQS, &set, sizeof(set), NULL,
			 0, NULL);
		KTAP_EXPECT_EQ(t, xport_resample_fd(e.x), -1);
		set.count = 1;
		close(rfd);
	}
	/* MSI with count 0: acknowledged; with count 1: refused. */
	set.index = VFIO_PCI_MSI_IRQ_INDEX;
	set.flags = VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_NONE;
	set.count = 0;
	rh = env_call(&e, VFU_CMD_DEVICE_SET_IRQS, &set, sizeof(set), NULL, 0,
		      NULL);
	KTAP_EXPECT_EQ(t, rh.flags, VFU_FLAG_REPLY);
	set.count = 1;
	rh = env_call(&e, VFU_CMD_DEVICE_SET_IRQS, &set, sizeof(set), NULL, 0,
		      NULL);
	KTAP_EXPECT(t, rh.flags & VFU_FLAG_ERROR);
	/* Two action bits at once. */
	set.index = VFIO_PCI_INTX_IRQ_INDEX;
	set.flags = VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_ACTION_MASK |
		    VFIO_IRQ_SET_DATA_NONE;
	rh = env_call(&e, VFU_CMD_DEVICE_SET_IRQS, &set, sizeof(set), NULL, 0,
		      NULL);
	KTAP_EXPECT(t, rh.flags & VFU_FLAG_ERROR);
	/* Teardown: later raises go nowhere. */
	set.flags = VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_NONE;
	set.count = 0;
	env_call(&e, VFU_CMD_DEVICE_SET_IRQS, &set, sizeof(set), NULL, 0, NULL);
	xport_host_ops.set_irq(e.x, 1);
	KTAP_EXPECT_EQ(t, efd_count(efd), 0);

	close(efd);
	munmap(mem, 4 * PG);
	close(mfd);
	env_fini(&e);
}

static void msg_no_reply_flag(struct ktap_case_ctx *t)
{
	struct rw rw = { .offset = 0x3c, .region = 7, .count = 1, .data = { 9 } };
	struct msg_env e;
	int rfd;

	KTAP_ASSERT(t, env_init(&e, true));
	env_version(&e);
	mk_msg(e.in, 1, VFU_CMD_REGION_WRITE, VFU_FLAG_NO_REPLY, &rw, 17);
	KTAP_EXPECT_EQ(t, xport_handle_msg(e.x, (struct vfu_hdr *)e.in, NULL, 0,
					   e.out, &rfd), 0);
	KTAP_EXPECT_EQ(t, xport_config(e.x)[0x3c], 9);
	/* Replies are never answered. */
	mk_msg(e.in, 2, VFU_CMD_REGION_WRITE, VFU_FLAG_REPLY, &rw, 17);
	KTAP_EXPECT_EQ(t, xport_handle_msg(e.x, (struct vfu_hdr *)e.in, NULL, 0,
					   e.out, &rfd), 0);
	/* A write whose data length disagrees with count. */
	mk_msg(e.in, 3, VFU_CMD_REGION_WRITE, 0, &rw, 18);
	KTAP_EXPECT_EQ(t, xport_handle_msg(e.x, (struct vfu_hdr *)e.in, NULL, 0,
					   e.out, &rfd), 16);
	KTAP_EXPECT_EQ(t, ((struct vfu_hdr *)e.out)->error_no, EINVAL);
	env_fini(&e);
}

/* ---- the socket path --------------------------------------------------- */

static int client_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_with_fd(int sock, const void *buf, size_t len, int fd)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} cb;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd >= 0) {
		memset(&cb, 0, sizeof(cb));
		mh.msg_control = cb.b;
		mh.msg_controllen = sizeof(cb.b);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, 0) == (ssize_t)len ? 0 : -1;
}

/* Receive one reply; returns its size, the fd attached (or -1) in *fd. */
static ssize_t recv_reply(int sock, uint8_t *buf, size_t cap, int *fd)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} cb;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cb.b, .msg_controllen = sizeof(cb.b),
	};
	struct cmsghdr *cm;
	ssize_t n = recvmsg(sock, &mh, 0);

	*fd = -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (n > 0 && cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return n;
}

static void socket_fd_passing(struct ktap_case_ctx *t)
{
	char *path = tmp_sock("s");
	struct xport *x = path ? xport_new(path, true) : NULL;
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = 1 };
	struct {
		uint32_t argsz, flags;
		uint64_t offset, iova, size;
	} map = { 32, VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		  0, 0x8000, PG };
	uint8_t msg[256], rep[256], *bar1, *m;
	struct vfu_hdr bad = { .msg_id = 9, .command = 4, .size = 8 };
	int c, fd, mfd;
	ssize_t n;
	size_t len;

	KTAP_ASSERT(t, x);
	c = client_connect(path);
	KTAP_ASSERT(t, c >= 0);
	KTAP_EXPECT_EQ(t, xport_handle(x), 0);		/* accept */
	KTAP_EXPECT(t, xport_poll_fd(x) >= 0);

	/* VERSION, in two pieces. */
	memset(msg, 0, sizeof(msg));
	strcpy((char *)msg + 20, "{}");
	len = mk_msg(msg, 1, VFU_CMD_VERSION, 0, msg + 16, 7);
	KTAP_ASSERT(t, write(c, msg, 5) == 5);
	KTAP_ASSERT(t, send_with_fd(c, msg + 5, len - 5, -1) == 0);
	KTAP_EXPECT_EQ(t, xport_handle(x), 0);
	n = recv_reply(c, rep, sizeof(rep), &fd);
	KTAP_EXPECT(t, n > 20);
	KTAP_EXPECT_EQ(t, ((struct vfu_hdr *)rep)->msg_id, 1);
	KTAP_EXPECT_EQ(t, ((struct vfu_hdr *)rep)->size, n);

	/* BAR1 region info comes with the memfd: same memory as the model's. */
	len = mk_msg(msg, 2, VFU_CMD_DEVICE_GET_REGION_INFO, 0, &ri, sizeof(ri));
	KTAP_ASSERT(t, send_with_fd(c, msg, len, -1) == 0);
	KTAP_EXPECT_EQ(t, xport_handle(x), 0);
	n = recv_reply(c, rep, sizeof(rep), &fd);
	KTAP_EXPECT_EQ(t, n, 16 + sizeof(ri));
	KTAP_ASSERT(t, fd >= 0);
	bar1 = mmap(NULL, VMMDEV_BAR1_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	KTAP_ASSERT(t, bar1 != MAP_FAILED);
	xport_bar1(x)[0x1234] = 0x77;
	KTAP_EXPECT_EQ(t, bar1[0x1234], 0x77);
	munmap(bar1, VMMDEV_BAR1_SIZE);
	close(fd);

	/* DMA_MAP with the fd attached to the message. */
	mfd = memfd_create("t", MFD_CLOEXEC);
	KTAP_ASSERT(t, mfd >= 0 && ftruncate(mfd, PG) == 0);
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	KTAP_ASSERT(t, m != MAP_FAILED);
	len = mk_msg(msg, 3, VFU_CMD_DMA_MAP, 0, &map, sizeof(map));
	KTAP_ASSERT(t, send_with_fd(c, msg, len, mfd) == 0);
	KTAP_EXPECT_EQ(t, xport_handle(x), 0);
	n = recv_reply(c, rep, sizeof(rep), &fd);
	KTAP_EXPECT_EQ(t, n, 16);
	KTAP_EXPECT_EQ(t, ((struct vfu_hdr *)rep)->flags, VFU_FLAG_REPLY);
	KTAP_EXPECT_EQ(t, xport_host_ops.mem_write(x, 0x8100, "abc", 3), 0);
	KTAP_EXPECT(t, !memcmp(m + 0x100, "abc", 3));
	munmap(m, PG);
	close(mfd);

	/* Too large: drained and refused, the stream stays in sync. */
	{
		uint8_t *big = calloc(1, VFU_MAX_MSG_SIZE + 64);
		struct vfu_hdr bh = { .msg_id = 4, .command = 10,
				      .size = VFU_MAX_MSG_SIZE + 64 };
		pid_t pid;

		KTAP_ASSERT(t, big);
		memcpy(big, &bh, sizeof(bh));
		pid = fork();
		if (pid == 0) {
			ssize_t w = write(c, big, bh.size);

			_exit(w == (ssize_t)bh.size ? 0 : 1);
		}
		KTAP_EXPECT_EQ(t, xport_handle(x), 0);
		n = recv_reply(c, rep, sizeof(rep), &fd);
		KTAP_EXPECT_EQ(t, n, 16);
		KTAP_EXPECT_EQ(t, ((struct vfu_hdr *)rep)->error_no, E2BIG);
		waitpid(pid, NULL, 0);
		free(big);
	}

	/* A header claiming less than itself: connection dropped. */
	KTAP_ASSERT(t, write(c, &bad, sizeof(bad)) == sizeof(bad));
	KTAP_EXPECT_EQ(t, xport_handle(x), -1);
	close(c);
	xport_free(x);
	free(path);
}

/* ---- end to end through the model -------------------------------------- */

static void model_get_host_version(struct ktap_case_ctx *t)
{
	struct {
		uint32_t argsz, flags;
		uint64_t offset, iova, size;
	} map = { 32, VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		  0, 0x100000, 16 * PG };
	struct msg_env e;
	struct vmmdev *dev;
	uint8_t *ram;
	uint32_t v, req[10] = {
		40, 0x00010001, 4, (uint32_t)-1, 0, 0, 0, 0, 0, 0 };
	int32_t rc;
	int mfd, fds[1];
	char *reply = NULL;
	size_t rlen = 0;
	FILE *out;

	KTAP_ASSERT(t, env_init(&e, true));
	dev = vmmdev_new(&xport_host_ops, e.x, xport_bar1(e.x));
	KTAP_ASSERT(t, dev);
	xport_set_dev(e.x, dev);
	env_version(&e);
	/* BAR1 initialised by the model: version 1. */
	KTAP_EXPECT_EQ(t, env_read(&e, 1, 4, 4), 1);

	mfd = memfd_create("ram", MFD_CLOEXEC);
	KTAP_ASSERT(t, mfd >= 0 && ftruncate(mfd, 16 * PG) == 0);
	ram = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	KTAP_ASSERT(t, ram != MAP_FAILED);
	fds[0] = mfd;
	env_call(&e, VFU_CMD_DMA_MAP, &map, sizeof(map), fds, 1, NULL);
	close(mfd);

	/* GetHostVersion at 0x100ff0: straddles nothing, below 4 GiB. */
	memcpy(ram + 0xff0, req, sizeof(req));
	KTAP_EXPECT_EQ(t, env_write(&e, 0, 0, 4, 0x100ff0), 0);
	memcpy(&rc, ram + 0xff0 + 12, 4);
	KTAP_EXPECT_EQ(t, rc, 0);
	memcpy(&v, ram + 0xff0 + 36, 4);
	KTAP_EXPECT(t, v & 1);		/* physical page lists */

	/* The transport's counters reached the model. */
	xport_flush_counts(e.x);
	out = open_memstream(&reply, &rlen);
	KTAP_ASSERT(t, out);
	vmmdev_control(dev, "counter port_exits", out);
	vmmdev_control(dev, "counter dma_maps", out);
	vmmdev_control(dev, "counter bar1_traps", out);
	/* Split by direction: the port write, the BAR1 read (not a write). */
	vmmdev_control(dev, "counter port_writes", out);
	vmmdev_control(dev, "counter port_reads", out);
	vmmdev_control(dev, "counter bar1_reads", out);
	fclose(out);
#define WANT "ok 1\nok 1\nok 1\nok 1\nok 0\nok 1\n"
	KTAP_EXPECT(t, reply && !strcmp(reply, WANT));
	if (reply && strcmp(reply, WANT))
		printf("    # replies: %s", reply);
#undef WANT
	free(reply);

	xport_set_dev(e.x, NULL);
	vmmdev_free(dev);
	munmap(ram, 16 * PG);
	env_fini(&e);
}

/* A 64-bit BAR write (BAR3 takes request addresses above 4 GiB). */
static int env_write64(struct msg_env *e, uint32_t region, uint64_t off,
		       uint64_t val)
{
	struct rw rw = { .offset = off, .region = region, .count = 8 };
	struct vfu_hdr rh;

	memcpy(rw.data, &val, 8);
	rh = env_call(e, VFU_CMD_REGION_WRITE, &rw, 16 + 8, NULL, 0, NULL);
	return rh.flags & VFU_FLAG_ERROR ? -(int)rh.error_no : 0;
}

/*
 * The ARM layout (--mmio-req --no-ioport): no BAR0, a 4 KiB BAR3 whose
 * request register takes 64-bit addresses, so a request above 4 GiB is
 * processed; +8 reads are the fast acknowledge.
 */
static void model_mmio_request(struct ktap_case_ctx *t)
{
	const uint32_t cfg = VFIO_PCI_CONFIG_REGION_INDEX;
	const uint64_t high = 0x100000000ull + 0x200000;
	struct {
		uint32_t argsz, flags;
		uint64_t offset, iova, size;
	} map = { 32, VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		  0, high, 4 * PG };
	uint32_t req[10] = { 40, 0x00010001, 4, (uint32_t)-1, 0, 0, 0, 0, 0, 0 };
	struct vfio_region_info ri;
	struct msg_env e;
	struct vmmdev *dev;
	char *reply = NULL;
	size_t rlen = 0;
	int mfd, fds[1], fd;
	uint8_t *ram;
	FILE *out;
	int32_t rc;

	KTAP_ASSERT(t, env_init(&e, true));
	xport_set_layout(e.x, false, true);
	dev = vmmdev_new(&xport_host_ops, e.x, xport_bar1(e.x));
	KTAP_ASSERT(t, dev);
	xport_set_dev(e.x, dev);
	env_version(&e);

	/* Region sizes: BAR0 absent, BAR3 4 KiB. */
	ri = (struct vfio_region_info){ .argsz = sizeof(ri), .index = 0 };
	env_call(&e, VFU_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), NULL, 0, &fd);
	memcpy(&ri, e.out + 16, sizeof(ri));
	KTAP_EXPECT_EQ(t, ri.size, 0);
	ri = (struct vfio_region_info){ .argsz = sizeof(ri), .index = 3 };
	env_call(&e, VFU_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), NULL, 0, &fd);
	memcpy(&ri, e.out + 16, sizeof(ri));
	KTAP_EXPECT_EQ(t, ri.size, VMMDEV_BAR3_SIZE);
	KTAP_EXPECT(t, !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP));

	/* Config space: BAR0 reads 0 and does not size, BAR3 sizes to 4 KiB. */
	KTAP_EXPECT_EQ(t, env_write(&e, cfg, 0x10, 4, 0xffffffff), 0);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x10, 4), 0);
	KTAP_EXPECT_EQ(t, env_write(&e, cfg, 0x1c, 4, 0xffffffff), 0);
	KTAP_EXPECT_EQ(t, env_read(&e, cfg, 0x1c, 4), 0xfffff000);
	KTAP_EXPECT_EQ(t, env_write(&e, 0, 0, 4, 0x1000), -EINVAL);

	mfd = memfd_create("ram", MFD_CLOEXEC);
	KTAP_ASSERT(t, mfd >= 0 && ftruncate(mfd, 4 * PG) == 0);
	ram = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	KTAP_ASSERT(t, ram != MAP_FAILED);
	fds[0] = mfd;
	env_call(&e, VFU_CMD_DMA_MAP, &map, sizeof(map), fds, 1, NULL);
	close(mfd);

	/* GetHostVersion above 4 GiB through the 64-bit request register. */
	memcpy(ram + 0x10, req, sizeof(req));
	KTAP_EXPECT_EQ(t, env_write64(&e, 3, VMMDEV_MMIO_REQUEST, high + 0x10), 0);
	memcpy(&rc, ram + 0x10 + 12, 4);
	KTAP_EXPECT_EQ(t, rc, 0);
	/* The same through the fast register. */
	memcpy(ram + 0x100, req, sizeof(req));
	KTAP_EXPECT_EQ(t, env_write64(&e, 3, VMMDEV_MMIO_FAST, high + 0x100), 0);
	memcpy(&rc, ram + 0x100 + 12, 4);
	KTAP_EXPECT_EQ(t, rc, 0);
	/* A 2-byte write submits nothing; reads other than +8/32 bit: ~0. */
	memcpy(ram + 0x200, req, sizeof(req));
	KTAP_EXPECT_EQ(t, env_write(&e, 3, VMMDEV_MMIO_REQUEST, 2, 0x0200), 0);
	memcpy(&rc, ram + 0x200 + 12, 4);
	KTAP_EXPECT_EQ(t, rc, -1);
	KTAP_EXPECT_EQ(t, env_read(&e, 3, VMMDEV_MMIO_REQUEST, 4), 0xffffffff);
	/* Fast acknowledge before ReportGuestInfo: all-ones. */
	KTAP_EXPECT_EQ(t, env_read(&e, 3, VMMDEV_MMIO_FAST, 4), 0xffffffff);

	xport_flush_counts(e.x);
	out = open_memstream(&reply, &rlen);
	KTAP_ASSERT(t, out);
	vmmdev_control(dev, "counter req.4", out);
	vmmdev_control(dev, "counter mmio_exits", out);
	vmmdev_control(dev, "counter port_exits", out);
	fclose(out);
	KTAP_EXPECT(t, reply && !strcmp(reply, "ok 2\nok 5\nok 0\n"));
	if (reply && strcmp(reply, "ok 2\nok 5\nok 0\n"))
		printf("    # replies: %s", reply);
	free(reply);

	xport_set_dev(e.x, NULL);
	vmmdev_free(dev);
	munmap(ram, 4 * PG);
	env_fini(&e);
}

/* ---- control channel --------------------------------------------------- */

/* Echo executor: "echo WORDS" -> "ok WORDS", "multi" -> 2 lines + ok. */
static void fake_exec(void *arg, const char *line, FILE *out)
{
	int *calls = arg;

	(*calls)++;
	if (!strncmp(line, "echo ", 5))
		fprintf(out, "ok %s\n", line + 5);
	else if (!strcmp(line, "multi"))
		fprintf(out, "a 1\nb 2\nok\n");
	else
		fprintf(out, "err unknown command\n");
}

/* Run the server until @c has @want bytes to read or 100 rounds passed. */
static void pump(struct ctl_server *s, int c, size_t want)
{
	struct pollfd pfd[CTL_MAX_CLIENTS + 1];
	int i, n, avail;

	for (i = 0; i < 100; i++) {
		n = ctl_pollfds(s, pfd, CTL_MAX_CLIENTS + 1);
		if (poll(pfd, n, 10) > 0)
			ctl_handle(s, pfd, n);
		if (c >= 0 && ioctl(c, FIONREAD, &avail) == 0 &&
		    (size_t)avail >= want)
			return;
	}
}

static void control_lines(struct ktap_case_ctx *t)
{
	char *path = tmp_sock("c");
	int calls = 0, c1, c2;
	struct ctl_server *s = path ? ctl_new(path, fake_exec, &calls) : NULL;
	char buf[8192], big[CTL_MAX_LINE + 10];
	ssize_t n;

	KTAP_ASSERT(t, s);
	c1 = client_connect(path);
	c2 = client_connect(path);
	KTAP_ASSERT(t, c1 >= 0 && c2 >= 0);
	pump(s, -1, 0);

	/* A line in pieces, \r\n, blank lines and padding. */
	KTAP_ASSERT(t, write(c1, "ec", 2) == 2);
	pump(s, -1, 0);
	KTAP_EXPECT_EQ(t, calls, 0);
	KTAP_ASSERT(t, write(c1, "ho a b \r\n\r\n\n  echo c\rmulti\n", 27) == 27);
	/* Another client at the same time. */
	KTAP_ASSERT(t, write(c2, "bogus\n", 6) == 6);
	pump(s, c1, 23);
	n = read(c1, buf, sizeof(buf) - 1);
	KTAP_ASSERT(t, n > 0);
	buf[n] = '\0';
	KTAP_EXPECT(t, !strcmp(buf, "ok a b\nok c\na 1\nb 2\nok\n"));
	pump(s, c2, 20);
	n = read(c2, buf, sizeof(buf) - 1);
	KTAP_ASSERT(t, n > 0);
	buf[n] = '\0';
	KTAP_EXPECT(t, !strcmp(buf, "err unknown command\n"));
	KTAP_EXPECT_EQ(t, calls, 4);

	/* Echoed replies are not commands. */
	KTAP_ASSERT(t, write(c2, "ok pong\nerr x\nok\necho e\n", 24) == 24);
	pump(s, c2, 5);
	n = read(c2, buf, sizeof(buf) - 1);
	KTAP_ASSERT(t, n > 0);
	buf[n] = '\0';
	KTAP_EXPECT(t, !strcmp(buf, "ok e\n"));
	KTAP_EXPECT_EQ(t, calls, 5);

	/* Over-long line: one error, and the next line works. */
	memset(big, 'x', sizeof(big));
	KTAP_ASSERT(t, write(c2, big, sizeof(big)) == (ssize_t)sizeof(big));
	KTAP_ASSERT(t, write(c2, "\necho z\n", 8) == 8);
	pump(s, c2, 23);
	n = read(c2, buf, sizeof(buf) - 1);
	KTAP_ASSERT(t, n > 0);
	buf[n] = '\0';
	KTAP_EXPECT(t, !strcmp(buf, "err line too long\nok z\n"));
	KTAP_EXPECT_EQ(t, calls, 6);

	/* A last line without terminator, then half-close: still answered. */
	KTAP_ASSERT(t, write(c1, "echo last", 9) == 9);
	shutdown(c1, SHUT_WR);
	pump(s, c1, 8);
	n = read(c1, buf, sizeof(buf) - 1);
	KTAP_ASSERT(t, n > 0);
	buf[n] = '\0';
	KTAP_EXPECT(t, !strcmp(buf, "ok last\n"));
	close(c1);
	close(c2);
	pump(s, -1, 0);
	ctl_free(s);
	free(path);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(hdr_sizes),
	KTAP_CASE(dma_add_overlap),
	KTAP_CASE(dma_rw_across_boundaries),
	KTAP_CASE(dma_remove),
	KTAP_CASE(intx_state_machine),
	KTAP_CASE(msg_version_and_info),
	KTAP_CASE(msg_region_info),
	KTAP_CASE(bar0_size_knob),
	KTAP_CASE(msg_config_space),
	KTAP_CASE(msg_bar1_and_bar2),
	KTAP_CASE(msg_dma_and_irqs),
	KTAP_CASE(msg_no_reply_flag),
	KTAP_CASE(socket_fd_passing),
	KTAP_CASE(model_get_host_version),
	KTAP_CASE(model_mmio_request),
	KTAP_CASE(control_lines),
};

KTAP_SUITE("vmmdev_transport", cases)
