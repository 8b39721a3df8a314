/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fake host of the emulator's unit tests, one for all of them:
 *
 *   F              guest RAM in one heap buffer at guest-physical F.base
 *                  (FX_RAM_SIZE at 0 with a hole that is not RAM, as
 *                  test_model.c and test_hgcm.c use it; test_svc.c's rig
 *                  elsewhere), BAR1, the device model, the interrupt line
 *                  (level and raises) and an optional write hook.
 *   fx_up/fx_down  create and free it (log lines go to /dev/null unless
 *                  the test set a log of its own first).
 *   rd32...wr64    guest RAM at a guest address (aligned 32-bit reads are
 *                  atomic: cases poll what the HGCM worker writes).
 *   hdr/submit     a request header as Linux fills it, submitted through
 *                  the request port.
 *   ctl...state    a control command run in-process, its reply in
 *                  fx_reply.
 *
 * Everything is static inline: each test binary is one file.
 */
#ifndef VMMDEV_TEST_FIXTURE_H
#define VMMDEV_TEST_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"

#define FX_RAM_SIZE	(16u << 20)
#define FX_HOLE_START	0xa10000u	/* not guest RAM (no chunk start inside) */
#define FX_HOLE_END	0xa20000u
#define REQ		0x10000u	/* where the tests build requests */
#define REQ2		0x20000u

/**
 * struct fx_host - the fake host.
 * @ram:        guest RAM, @size bytes at guest-physical @base.
 * @base:       its guest address.
 * @size:       its size.
 * @hole_start: [@hole_start, @hole_end) inside it is not RAM (0, 0: none).
 * @hole_end:   see @hole_start.
 * @bar1:       the device's BAR1.
 * @dev:        the device model.
 * @irq:        the interrupt line's level.
 * @irq_up:     set_irq(1) calls.
 * @irq_calls:  set_irq() calls.
 * @on_write:   called after every guest write (@irq false) and interrupt
 *              raise (@irq true), if set.
 */
struct fx_host {
	uint8_t *ram;
	uint64_t base, size, hole_start, hole_end;
	uint8_t *bar1;
	struct vmmdev *dev;
	int irq, irq_up, irq_calls;
	void (*on_write)(uint64_t gpa, size_t len, bool irq);
};

static struct fx_host F;
static FILE *fx_log;

/* Host address of [@gpa, @gpa + @len) if it is all RAM, else NULL. */
static inline uint8_t *fx_ptr(uint64_t gpa, size_t len)
{
	if (gpa < F.base || gpa + len < gpa || gpa + len > F.base + F.size)
		return NULL;
	if (gpa + len > F.hole_start && gpa < F.hole_end)
		return NULL;
	return F.ram + (gpa - F.base);
}

static inline int fx_mem_read(void *o, uint64_t gpa, void *buf, size_t len)
{
	uint8_t *p = fx_ptr(gpa, len);

	(void)o;
	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

static inline int fx_mem_write(void *o, uint64_t gpa, const void *buf, size_t len)
{
	uint8_t *p = fx_ptr(gpa, len);

	(void)o;
	if (!p)
		return -1;
	memcpy(p, buf, len);
	if (F.on_write)
		F.on_write(gpa, len, false);
	return 0;
}

static inline void *fx_mem_ptr(void *o, uint64_t gpa, size_t len)
{
	(void)o;
	return fx_ptr(gpa, len);
}

static inline void fx_set_irq(void *o, int level)
{
	(void)o;
	__atomic_store_n(&F.irq, level, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&F.irq_calls, 1, __ATOMIC_SEQ_CST);
	if (level) {
		__atomic_fetch_add(&F.irq_up, 1, __ATOMIC_SEQ_CST);
		if (F.on_write)
			F.on_write(0, 0, true);
	}
}

static const struct vmmdev_host_ops fx_ops = {
	.mem_read = fx_mem_read,
	.mem_write = fx_mem_write,
	.mem_ptr = fx_mem_ptr,
	.set_irq = fx_set_irq,
};

static inline int irq_level(void)
{
	return __atomic_load_n(&F.irq, __ATOMIC_SEQ_CST);
}

static inline int irq_ups(void)
{
	return __atomic_load_n(&F.irq_up, __ATOMIC_SEQ_CST);
}

/*
 * A fresh host: @size bytes of zeroed RAM at @base with the hole
 * [@hole_start, @hole_end), BAR1 and a device model; false if any
 * allocation failed.
 */
static inline bool fx_up(uint64_t base, uint64_t size, uint64_t hole_start,
			 uint64_t hole_end)
{
	if (!fx_log) {
		fx_log = fopen("/dev/null", "w");
		vmmdev_set_log(fx_log);
	}
	memset(&F, 0, sizeof(F));
	F.base = base;
	F.size = size;
	F.hole_start = hole_start;
	F.hole_end = hole_end;
	F.ram = calloc(1, size);
	F.bar1 = calloc(1, VMMDEV_BAR1_SIZE);
	if (F.ram && F.bar1)
		F.dev = vmmdev_new(&fx_ops, NULL, F.bar1);
	return F.dev;
}

/* The host of test_model.c and test_hgcm.c: 16 MiB at 0 with the hole. */
static inline bool fx_up_default(void)
{
	return fx_up(0, FX_RAM_SIZE, FX_HOLE_START, FX_HOLE_END);
}

static inline void fx_down(void)
{
	vmmdev_free(F.dev);
	free(F.ram);
	free(F.bar1);
	F.dev = NULL;
	F.ram = F.bar1 = NULL;
}

/* ---- guest RAM ------------------------------------------------------------ */

static inline uint32_t rd32(uint64_t gpa)
{
	uint8_t *p = F.ram + (gpa - F.base);
	uint32_t v;

	if (!(gpa & 3))
		return __atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST);
	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t rd64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, F.ram + (gpa - F.base), 8);
	return v;
}

static inline void wr16(uint64_t gpa, uint16_t v)
{
	memcpy(F.ram + (gpa - F.base), &v, 2);
}

static inline void wr32(uint64_t gpa, uint32_t v)
{
	memcpy(F.ram + (gpa - F.base), &v, 4);
}

static inline void wr64(uint64_t gpa, uint64_t v)
{
	memcpy(F.ram + (gpa - F.base), &v, 8);
}

static inline uint32_t bar1_32(uint32_t off)
{
	uint32_t v;

	memcpy(&v, F.bar1 + off, 4);
	return v;
}

/*
 * A request header at @gpa as Linux fills it (rc pre-filled with -1,
 * requestor 1), the first @size bytes (at most 64 KiB) zeroed.
 */
static inline void hdr(uint64_t gpa, uint32_t size, uint32_t type)
{
	memset(F.ram + (gpa - F.base), 0, size < 0x10000 ? size : 0x10000);
	wr32(gpa, size);
	wr32(gpa + 4, 0x00010001);
	wr32(gpa + 8, type);
	wr32(gpa + 12, (uint32_t)-1);
	wr32(gpa + 20, 1);
}

/* Submits the request at @gpa through the request port; its rc. */
static inline int32_t submit(uint64_t gpa)
{
	vmmdev_port_write(F.dev, VMMDEV_PORT_REQUEST, (uint32_t)gpa, 4);
	return (int32_t)rd32(gpa + 12);
}

/* ---- the control channel, in-process ------------------------------------- */

static char fx_reply[65536];

/* Runs a control command; the reply lands in fx_reply. */
static inline const char *ctl(const char *cmd)
{
	FILE *f = fmemopen(fx_reply, sizeof(fx_reply) - 1, "w");

	memset(fx_reply, 0, sizeof(fx_reply));
	vmmdev_control(F.dev, cmd, f);
	fclose(f);
	return fx_reply;
}

/* The value of a "name value" line of the last reply, or -1. */
static inline long long reply_val(const char *name)
{
	size_t n = strlen(name);
	char *p = fx_reply;

	while (p && *p) {
		if (!strncmp(p, name, n) && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 0);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static inline long long counter(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "counter %s", name);
	ctl(cmd);
	if (strncmp(fx_reply, "ok ", 3))
		return -1;
	return strtoll(fx_reply + 3, NULL, 0);
}

static inline long long state(const char *name)
{
	ctl("state");
	return reply_val(name);
}

#endif /* VMMDEV_TEST_FIXTURE_H */
