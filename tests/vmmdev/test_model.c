// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the VMMDev device model (model.c) through a fake host:
 * 16 MiB of guest RAM at guest-physical 0 with a 64 KiB hole, and a
 * recorded interrupt line.  No QEMU involved.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu.h"
#include "hgcm.h"
#include "ktap.h"
#include "test_fixture.h"

/* A request of @type and @size with zero payload, submitted at REQ. */
static int32_t simple(uint32_t type, uint32_t size)
{
	hdr(REQ, size, type);
	return submit(REQ);
}

static int32_t guest_info(uint32_t version)
{
	hdr(REQ, 32, 50);
	wr32(REQ + 24, version);
	wr32(REQ + 28, 0x53100);
	return submit(REQ);
}

static int32_t guest_info2(uint16_t maj, uint16_t min, uint32_t build,
			   const char *name, uint32_t features)
{
	hdr(REQ, 168, 58);
	memcpy(F.ram + REQ + 24, &maj, 2);
	memcpy(F.ram + REQ + 26, &min, 2);
	wr32(REQ + 28, build);
	wr32(REQ + 32, 127566);
	wr32(REQ + 36, features);
	strncpy((char *)F.ram + REQ + 40, name, 128);
	return submit(REQ);
}

/* The Linux probe sequence up to the filter; returns false on failure. */
static bool report(void)
{
	return simple(4, 40) == 0 && guest_info2(6, 0, 0, "6.0.0", 1) == 0 &&
	       guest_info(0x00010004) == 0;
}

static int32_t filter(uint32_t or, uint32_t not)
{
	hdr(REQ2, 32, 42);
	wr32(REQ2 + 24, or);
	wr32(REQ2 + 28, not);
	return submit(REQ2);
}

static int32_t ack(uint32_t *events)
{
	int32_t rc;

	hdr(REQ2, 28, 41);
	rc = submit(REQ2);
	*events = rd32(REQ2 + 24);
	return rc;
}

/* ------------------------------------------------------------------ */

static void header_short_size_ignored(struct ktap_case_ctx *t)
{
	fx_up_default();
	hdr(REQ, 20, 4);
	KTAP_EXPECT_EQ(t, submit(REQ), -1);
	KTAP_EXPECT_EQ(t, rd32(REQ + 24), 0);
	KTAP_EXPECT_EQ(t, counter("req.ignored"), 1);
	KTAP_EXPECT_EQ(t, counter("req.total"), 0);
	fx_down();
}

static void header_bad_version_ignored(struct ktap_case_ctx *t)
{
	static const uint32_t versions[] = { 0x00010000, 0x00010002, 0, 0x01010001 };
	size_t i;

	fx_up_default();
	for (i = 0; i < ARRAY_SIZE(versions); i++) {
		hdr(REQ, 40, 4);
		wr32(REQ + 4, versions[i]);
		KTAP_EXPECT_EQ(t, submit(REQ), -1);
		KTAP_EXPECT_EQ(t, rd32(REQ + 36), 0);	/* features not written */
	}
	fx_down();
}

static void header_too_big(struct ktap_case_ctx *t)
{
	fx_up_default();
	hdr(REQ, 1024 * 1024 + 4, 4);
	wr32(REQ + 24, 0x5a5a5a5a);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_NOT_SUPPORTED);
	KTAP_EXPECT_EQ(t, rd32(REQ + 24), 0x5a5a5a5a);	/* only the header */
	KTAP_EXPECT_EQ(t, counter("req.rejected"), 1);
	/* Exactly 1 MiB passes this step (and then fails the size check). */
	hdr(REQ, 1024 * 1024, 4);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	fx_down();
}

/*
 * Refusals a real host makes are counted by who built the request: the
 * user-mode requestor bit marks a raw request from userspace; kernel
 * requestors and HGCM requests are the driver's own.
 */
static void malformed_counted_by_builder(struct ktap_case_ctx *t)
{
	fx_up_default();
	/* Before ReportGuestInfo: refused, the driver's (requestor 1). */
	KTAP_EXPECT_EQ(t, simple(1, 36), VERR_NOT_SUPPORTED);
	KTAP_EXPECT_EQ(t, counter("req.malformed.driver"), 1);
	KTAP_EXPECT_EQ(t, counter("req.malformed.driver_last_type"), 1);
	KTAP_ASSERT(t, report());
	/* Accepted requests count nothing; nor does an injected fault. */
	KTAP_EXPECT_EQ(t, simple(4, 40), 0);
	ctl("fault 4 1 -2");
	KTAP_EXPECT_EQ(t, simple(4, 40), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, counter("req.malformed.driver"), 1);
	/* A wrong size from a user session: raw. */
	hdr(REQ, 44, 4);
	wr32(REQ + 20, 0x808e);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, counter("req.malformed.raw"), 1);
	/* The same from the kernel: the driver's. */
	KTAP_EXPECT_EQ(t, simple(4, 44), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, counter("req.malformed.driver"), 2);
	/* HGCM is always the driver's, whatever the requestor. */
	hdr(REQ, 36, 61);
	wr32(REQ + 20, 0x808e);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, counter("req.malformed.driver"), 3);
	KTAP_EXPECT_EQ(t, counter("req.malformed.driver_last_type"), 61);
	/* A bad header version is dropped: still counted. */
	hdr(REQ, 40, 4);
	wr32(REQ + 4, 0x00010000);
	submit(REQ);
	KTAP_EXPECT_EQ(t, counter("req.malformed.driver"), 4);
	/* Semantic refusals are no malformed requests. */
	KTAP_EXPECT_EQ(t, simple(218, 28), VERR_ACCESS_DENIED);
	KTAP_EXPECT_EQ(t, counter("req.malformed.driver"), 4);
	KTAP_EXPECT_EQ(t, counter("req.malformed.raw"), 1);
	/* reserved1 (offset 16) must be zero: counted, not refused. */
	KTAP_EXPECT_EQ(t, counter("req.reserved1_set"), 0);
	hdr(REQ, 40, 4);
	wr32(REQ + 16, 7);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, counter("req.reserved1_set"), 1);
	ctl("reset-counters");
	KTAP_EXPECT_EQ(t, counter("req.malformed.driver"), 0);
	KTAP_EXPECT_EQ(t, counter("req.reserved1_set"), 0);
	fx_down();
}

static void pre_report_refused(struct ktap_case_ctx *t)
{
	static const struct { uint32_t type, size; int32_t rc; } rows[] = {
		{ 1, 36, VERR_NOT_SUPPORTED },
		{ 41, 28, VERR_NOT_SUPPORTED },
		{ 42, 32, VERR_NOT_SUPPORTED },
		{ 62, 44, VERR_NOT_SUPPORTED },
		{ 219, 24, VERR_NOT_SUPPORTED },
		{ 4, 40, VINF_SUCCESS },
		{ 218, 28, VERR_ACCESS_DENIED },
		{ 58, 168, VERR_INVALID_PARAMETER },	/* allowed; zero major */
	};
	size_t i;

	fx_up_default();
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		int32_t rc = simple(rows[i].type, rows[i].size);

		if (rc != rows[i].rc)
			printf("    # type %u\n", rows[i].type);
		KTAP_EXPECT_EQ(t, rc, rows[i].rc);
	}
	KTAP_EXPECT(t, report());
	KTAP_EXPECT_EQ(t, simple(1, 36), 0);
	fx_down();
}

static void unmapped_request_dropped(struct ktap_case_ctx *t)
{
	char *log = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&log, &len);

	fx_up_default();
	vmmdev_set_log(mem);
	KTAP_ASSERT(t, report());
	/* Header in the hole, beyond RAM, and straddling the end of RAM. */
	vmmdev_port_write(F.dev, 0, FX_HOLE_START + 0x100, 4);
	vmmdev_port_write(F.dev, 0, 0xfffff000u, 4);
	vmmdev_port_write(F.dev, 0, FX_RAM_SIZE - 8, 4);
	/* Header fine, body runs into the hole: nothing is written. */
	hdr(FX_HOLE_START - 24, 40, 4);
	vmmdev_port_write(F.dev, 0, FX_HOLE_START - 24, 4);
	KTAP_EXPECT_EQ(t, (int32_t)rd32(FX_HOLE_START - 24 + 12), -1);
	KTAP_EXPECT_EQ(t, counter("guest_errors"), 4);
	vmmdev_set_log(fx_log);
	fclose(mem);
	KTAP_EXPECT(t, log && strstr(log, "guest-error:"));
	free(log);
	fx_down();
}

/* Size rules of spec 5.1 (payload all zero; rc_ok is the answer then). */
static const struct size_row {
	uint32_t type, size;
	bool exact;
	int32_t rc_ok;
} size_rows[] = {
	{ 1, 36, true, 0 }, { 2, 36, true, 0 }, { 3, 48, false, 0 },
	{ 4, 40, true, 0 }, { 10, 32, true, 0 }, { 20, 32, true, 0 },
	{ 21, 32, true, 0 }, { 22, 36, true, VERR_NOT_SUPPORTED },
	{ 23, 36, true, VERR_NOT_SUPPORTED }, { 30, 32, true, VERR_INVALID_PARAMETER },
	{ 41, 28, true, 0 }, { 42, 32, true, 0 }, { 51, 40, true, 0 },
	{ 52, 40, true, 0 }, { 53, 28, true, 0 }, { 54, 44, true, 0 },
	{ 55, 28, true, 0 }, { 56, 32, true, 0 }, { 57, 44, true, 0 },
	{ 59, 36, true, VERR_INVALID_PARAMETER }, { 70, 36, false, VERR_INVALID_PARAMETER },
	{ 71, 24, false, 0 }, { 73, 32, true, 0 }, { 74, 44, false, VERR_TOO_MUCH_DATA },
	{ 80, 56, true, 0 }, { 81, 32, false, VERR_INVALID_PARAMETER },
	{ 100, 412, true, 0 }, { 101, 412, true, 0 }, { 110, 100, true, 0 },
	{ 111, 36, true, 0 }, { 112, 32, true, 0 },
	{ 113, 2080, true, VERR_INVALID_PARAMETER }, { 150, 32, true, 0 },
	{ 210, 36, true, 0 }, { 211, 28, true, VERR_INVALID_PARAMETER },
	{ 217, 32, true, 0 }, { 218, 28, true, VERR_ACCESS_DENIED },
	{ 220, 36, true, 0 }, { 223, 48, true, 0 },
};

static void size_rules(struct ktap_case_ctx *t)
{
	size_t i;

	fx_up_default();
	KTAP_ASSERT(t, report());
	for (i = 0; i < ARRAY_SIZE(size_rows); i++) {
		const struct size_row *r = &size_rows[i];
		int32_t a, b = VERR_INVALID_PARAMETER, c;

		a = r->size > 24 ? simple(r->type, r->size - 4) : VERR_INVALID_PARAMETER;
		if (r->exact)
			b = simple(r->type, r->size + 4);
		c = simple(r->type, r->size);
		if (a != VERR_INVALID_PARAMETER || b != VERR_INVALID_PARAMETER || c != r->rc_ok)
			printf("    # type %u: %d %d %d\n", r->type, a, b, c);
		KTAP_EXPECT_EQ(t, a, VERR_INVALID_PARAMETER);
		KTAP_EXPECT_EQ(t, b, VERR_INVALID_PARAMETER);
		KTAP_EXPECT_EQ(t, c, r->rc_ok);
	}
	fx_down();
}

static void variable_sizes(struct ktap_case_ctx *t)
{
	fx_up_default();
	KTAP_ASSERT(t, report());
	/* 72: 28 + 16n; 222: 28 + 8n. */
	hdr(REQ, 28 + 32, 72);
	wr32(REQ + 24, 2);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	hdr(REQ, 28 + 33, 72);
	wr32(REQ + 24, 2);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	hdr(REQ, 28 + 24, 222);
	wr32(REQ + 24, 3);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	hdr(REQ, 28 + 24, 222);
	wr32(REQ + 24, 4);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	/* 221: 24 or 64 only.  219: not checked. */
	KTAP_EXPECT_EQ(t, simple(221, 24), 0);
	KTAP_EXPECT_EQ(t, simple(221, 64), 0);
	KTAP_EXPECT_EQ(t, simple(221, 40), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, simple(219, 24), 0);
	KTAP_EXPECT_EQ(t, simple(219, 100), 0);
	/* 81: 32 + 28n for capacity n in 1..64. */
	hdr(REQ, 32 + 28 * 2, 81);
	wr32(REQ + 28, 2);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	hdr(REQ, 32 + 28 * 2, 81);
	wr32(REQ + 28, 3);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	fx_down();
}

static void unknown_types(struct ktap_case_ctx *t)
{
	static const uint32_t types[] = { 0, 6, 11, 40, 200, 212, 213, 214, 215, 216,
					  224, 255, 256, 100000 };
	size_t i;

	fx_up_default();
	KTAP_ASSERT(t, report());
	for (i = 0; i < ARRAY_SIZE(types); i++)
		KTAP_EXPECT_EQ(t, simple(types[i], 64), VERR_NOT_IMPLEMENTED);
	KTAP_EXPECT_EQ(t, counter("req.200"), 1);
	KTAP_EXPECT_EQ(t, counter("req.unknown_type"), 2);
	fx_down();
}

static void host_version(struct ktap_case_ctx *t)
{
	uint16_t maj, min;

	fx_up_default();
	KTAP_EXPECT_EQ(t, simple(4, 40), 0);
	memcpy(&maj, F.ram + REQ + 24, 2);
	memcpy(&min, F.ram + REQ + 26, 2);
	KTAP_EXPECT_EQ(t, maj, 7);
	KTAP_EXPECT_EQ(t, min, 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 28), 14);
	KTAP_EXPECT_EQ(t, rd32(REQ + 36), 0x8000000f);
	KTAP_EXPECT(t, !strcmp(ctl("features 0x1"), "ok\n"));
	KTAP_EXPECT(t, !strcmp(ctl("host-version 5 2 44 139111"), "ok\n"));
	KTAP_EXPECT_EQ(t, simple(4, 40), 0);
	memcpy(&maj, F.ram + REQ + 24, 2);
	memcpy(&min, F.ram + REQ + 26, 2);
	KTAP_EXPECT_EQ(t, maj, 5);
	KTAP_EXPECT_EQ(t, min, 2);
	KTAP_EXPECT_EQ(t, rd32(REQ + 28), 44);
	KTAP_EXPECT_EQ(t, rd32(REQ + 32), 139111);
	KTAP_EXPECT_EQ(t, rd32(REQ + 36), 1);
	/* Settings survive a reset. */
	vmmdev_reset(F.dev);
	KTAP_EXPECT_EQ(t, simple(4, 40), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 36), 1);
	fx_down();
}

static void guest_info_versions(struct ktap_case_ctx *t)
{
	static const struct { uint32_t ver; int32_t rc; } rows[] = {
		{ 0x00010004, 0 }, { 0x00010003, 0 }, { 0x00010000, 0 },
		{ 0x00010005, VERR_VERSION_MISMATCH }, { 0x00020000, VERR_VERSION_MISMATCH },
		{ 0x00000004, VERR_VERSION_MISMATCH }, { 0, VERR_VERSION_MISMATCH },
	};
	size_t i;

	fx_up_default();
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		KTAP_EXPECT_EQ(t, guest_info(rows[i].ver), rows[i].rc);
		/* A refused report locks the device again. */
		KTAP_EXPECT_EQ(t, simple(1, 36), rows[i].rc ? VERR_NOT_SUPPORTED : 0);
		KTAP_EXPECT_EQ(t, state("accepted"), rows[i].rc ? 0 : 1);
	}
	KTAP_EXPECT_EQ(t, guest_info(0x00010004), 0);
	KTAP_EXPECT_EQ(t, state("guest_version"), 0x10004);
	KTAP_EXPECT_EQ(t, state("guest_os_type"), 0x53100);
	fx_down();
}

static void guest_info2_validation(struct ktap_case_ctx *t)
{
	static const struct {
		uint16_t maj, min;
		uint32_t build;
		const char *name;
		int32_t rc;
	} rows[] = {
		{ 6, 0, 0, "6.0.0", 0 },
		{ 7, 0, 14, "7.0.14", 0 },
		{ 2, 0, 0, "2.0.0", VERR_INVALID_PARAMETER },
		{ 256, 0, 0, "256.0.0", VERR_OUT_OF_RANGE },
		{ 6, 256, 0, "6.256.0", VERR_OUT_OF_RANGE },
		{ 6, 0, 65536, "6.0.65536", VERR_OUT_OF_RANGE },
		{ 6, 0, 0, "7.0.0", VERR_INVALID_PARAMETER },
		{ 6, 0, 0, "6.0", VERR_INVALID_PARAMETER },
		{ 6, 0, 0, "", VERR_INVALID_PARAMETER },
		{ 6, 0, 0, "6.0.0_RC1", 0 },
		{ 6, 0, 0, "6.0.0_BETA", 0 },
		{ 6, 0, 0, "6.0.0_ALPHA255", 0 },
		{ 6, 0, 0, "6.0.0_BETA256", VERR_INVALID_PARAMETER },
		{ 6, 0, 0, "6.0.0_RC2_Ubuntu(1.0)+[x]{y}-a.b,c", 0 },
		{ 6, 0, 0, "6.0.0_FOO", VERR_INVALID_PARAMETER },
		{ 6, 0, 0, "6.0.0_RC1_bad!", VERR_INVALID_PARAMETER },
		{ 6, 0, 0, "6.0.0_RC1_", VERR_INVALID_PARAMETER },
		{ 6, 0, 0, "6.0.0 ", VERR_INVALID_PARAMETER },
		{ 6, 0, 0, "6.0.01", VERR_INVALID_PARAMETER },
		{ 4, 1, 50, "4.1.50_junk", VERR_INVALID_PARAMETER },
		{ 4, 1, 49, "4.1.49_junk", 0 },	/* old additions: trimmed */
		{ 3, 2, 8, "3.2.8 whatever", 0 },
	};
	size_t i;

	fx_up_default();
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		int32_t rc = guest_info2(rows[i].maj, rows[i].min, rows[i].build,
					 rows[i].name, 0);

		if (rc != rows[i].rc)
			printf("    # '%s'\n", rows[i].name);
		KTAP_EXPECT_EQ(t, rc, rows[i].rc);
	}
	/* Not terminated within 128 bytes. */
	guest_info2(6, 0, 0, "6.0.0", 0);
	memset(F.ram + REQ + 40, 'x', 128);
	memcpy(F.ram + REQ + 40, "6.0.0", 5);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	/* Stored values. */
	KTAP_EXPECT_EQ(t, guest_info2(6, 1, 2, "6.1.2_RC1", 1), 0);
	ctl("state");
	KTAP_EXPECT_EQ(t, reply_val("guest_info2_features"), 1);
	KTAP_EXPECT_EQ(t, reply_val("guest_info2_revision"), 127566);
	KTAP_EXPECT(t, strstr(fx_reply, "guest_info2_version 6.1.2\n"));
	fx_down();
}

static void write_back_whole(struct ktap_case_ctx *t)
{
	fx_up_default();
	KTAP_ASSERT(t, report());
	/* Input-only request: the whole request is written back as read. */
	hdr(REQ, 36, 59);
	wr32(REQ + 24, 20);
	wr32(REQ + 28, 50);
	wr32(REQ + 32, 0x77);
	wr32(REQ + 16, 0x1234);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 32), 0x77);
	KTAP_EXPECT_EQ(t, rd32(REQ + 16), 0x1234);
	/* Idle never sets rc. */
	KTAP_EXPECT_EQ(t, simple(5, 24), -1);
	fx_down();
}

static void events_filter_raise_ack(struct ktap_case_ctx *t)
{
	uint32_t ev;

	fx_up_default();
	KTAP_ASSERT(t, report());
	KTAP_EXPECT(t, !strcmp(ctl("events 0x200"), "ok\n"));
	KTAP_EXPECT_EQ(t, F.irq_up, 0);			/* filtered */
	KTAP_EXPECT_EQ(t, filter(0x202, 0), 0);		/* exposes it */
	KTAP_EXPECT_EQ(t, F.irq, 1);
	KTAP_EXPECT_EQ(t, F.irq_up, 1);
	KTAP_EXPECT_EQ(t, bar1_32(8), 1);
	KTAP_EXPECT_EQ(t, ack(&ev), 0);
	KTAP_EXPECT_EQ(t, ev, 0x200);
	KTAP_EXPECT_EQ(t, F.irq, 0);
	KTAP_EXPECT_EQ(t, bar1_32(8), 0);
	KTAP_EXPECT_EQ(t, state("pending"), 0);
	/* Events outside the filter stay latched. */
	ctl("events 0x41");
	KTAP_EXPECT_EQ(t, F.irq_up, 1);
	KTAP_EXPECT_EQ(t, state("pending"), 0x41);
	KTAP_EXPECT_EQ(t, filter(0x40, 0), 0);
	KTAP_EXPECT_EQ(t, F.irq_up, 2);
	KTAP_EXPECT_EQ(t, ack(&ev), 0);
	KTAP_EXPECT_EQ(t, ev, 0x40);
	KTAP_EXPECT_EQ(t, state("pending"), 0x1);
	KTAP_EXPECT_EQ(t, counter("acks"), 2);
	KTAP_EXPECT_EQ(t, counter("irq_raises"), 2);
	fx_down();
}

static void events_level_semantics(struct ktap_case_ctx *t)
{
	uint32_t ev;

	fx_up_default();
	KTAP_ASSERT(t, report());
	filter(0x7ff, 0);
	ctl("events 0x1");
	ctl("events 0x4");
	ctl("events 0x1");
	KTAP_EXPECT_EQ(t, F.irq_up, 1);		/* no pulse while asserted */
	KTAP_EXPECT_EQ(t, F.irq, 1);
	ack(&ev);
	KTAP_EXPECT_EQ(t, ev, 0x5);
	ctl("events 0x8");
	KTAP_EXPECT_EQ(t, F.irq_up, 2);
	fx_down();
}

static void events_deferred_filter(struct ktap_case_ctx *t)
{
	uint32_t ev;

	fx_up_default();
	KTAP_ASSERT(t, report());
	filter(0x200, 0);
	ctl("events 0x200");
	KTAP_EXPECT_EQ(t, F.irq, 1);
	/* An interrupt is outstanding: the change is deferred. */
	filter(0x4, 0x200);
	ctl("state");
	KTAP_EXPECT_EQ(t, reply_val("filter"), 0x200);
	KTAP_EXPECT_EQ(t, reply_val("deferred_filter"), 0x4);
	ctl("events 0x4");
	KTAP_EXPECT_EQ(t, F.irq_up, 1);
	/* The acknowledge applies it first: 0x4 is taken, 0x200 stays. */
	ack(&ev);
	KTAP_EXPECT_EQ(t, ev, 0x4);
	KTAP_EXPECT_EQ(t, state("filter"), 0x4);
	KTAP_EXPECT_EQ(t, state("pending"), 0x200);
	fx_down();
}

static void events_hgcm_not_maskable(struct ktap_case_ctx *t)
{
	fx_up_default();
	KTAP_ASSERT(t, report());
	filter(0x202, 0);
	filter(0, 0xffffffff);
	KTAP_EXPECT_EQ(t, state("filter"), 0x2);
	fx_down();
}

static void events_before_report_latch(struct ktap_case_ctx *t)
{
	uint32_t v;

	fx_up_default();
	ctl("events 0x200");
	KTAP_EXPECT_EQ(t, F.irq_up, 0);
	KTAP_EXPECT_EQ(t, vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4), 0xffffffff);
	KTAP_EXPECT_EQ(t, state("pending"), 0x200);
	KTAP_ASSERT(t, report());
	KTAP_EXPECT_EQ(t, F.irq_up, 0);
	filter(0x200, 0);
	KTAP_EXPECT_EQ(t, F.irq_up, 1);
	v = vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4);
	KTAP_EXPECT_EQ(t, v, 0x200);
	fx_down();
}

static void events_lowered_by_guest_info(struct ktap_case_ctx *t)
{
	uint32_t ev;

	fx_up_default();
	KTAP_ASSERT(t, report());
	filter(0x200, 0);
	ctl("events 0x200");
	KTAP_EXPECT_EQ(t, F.irq, 1);
	KTAP_EXPECT_EQ(t, guest_info2(6, 0, 0, "6.0.0", 1), 0);
	KTAP_EXPECT_EQ(t, F.irq, 0);
	KTAP_EXPECT_EQ(t, state("pending"), 0x200);
	/* 7.0.14: no new raise until an acknowledge. */
	ctl("events 0x200");
	KTAP_EXPECT_EQ(t, F.irq_up, 1);
	ack(&ev);
	ctl("events 0x200");
	KTAP_EXPECT_EQ(t, F.irq_up, 2);
	KTAP_EXPECT_EQ(t, guest_info(0x10004), 0);
	KTAP_EXPECT_EQ(t, F.irq, 0);
	fx_down();
}

static void fast_ack(struct ktap_case_ctx *t)
{
	fx_up_default();
	KTAP_ASSERT(t, report());
	filter(0x7ff, 0);
	ctl("events 0x300");
	KTAP_EXPECT_EQ(t, vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 2), 0xffffffff);
	KTAP_EXPECT_EQ(t, vmmdev_port_read(F.dev, VMMDEV_PORT_REQUEST, 4), 0xffffffff);
	KTAP_EXPECT_EQ(t, vmmdev_port_read(F.dev, 0x10, 4), 0xffffffff);
	KTAP_EXPECT_EQ(t, F.irq, 1);
	KTAP_EXPECT_EQ(t, vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4), 0x300);
	KTAP_EXPECT_EQ(t, F.irq, 0);
	KTAP_EXPECT_EQ(t, bar1_32(8), 0);
	KTAP_EXPECT_EQ(t, vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4), 0);
	KTAP_EXPECT_EQ(t, counter("fast_acks"), 2);
	KTAP_EXPECT_EQ(t, counter("acks"), 0);
	/* Interface 1.03 refuses the fast acknowledge. */
	guest_info(0x10003);
	KTAP_EXPECT_EQ(t, vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4), 0xffffffff);
	fx_down();
}

static void port_widths(struct ktap_case_ctx *t)
{
	fx_up_default();
	hdr(REQ, 40, 4);
	vmmdev_port_write(F.dev, VMMDEV_PORT_REQUEST, REQ, 2);
	vmmdev_port_write(F.dev, VMMDEV_PORT_REQUEST, REQ, 1);
	vmmdev_port_write(F.dev, 4, REQ, 4);
	KTAP_EXPECT_EQ(t, (int32_t)rd32(REQ + 12), -1);
	vmmdev_port_write(F.dev, VMMDEV_PORT_FAST, REQ, 4);
	KTAP_EXPECT_EQ(t, (int32_t)rd32(REQ + 12), 0);
	KTAP_EXPECT_EQ(t, counter("req.4"), 1);
	fx_down();
}

static void bar1_layout(struct ktap_case_ctx *t)
{
	fx_up_default();
	KTAP_EXPECT_EQ(t, bar1_32(0), 0x3ffd28);
	KTAP_EXPECT_EQ(t, bar1_32(4), 1);
	KTAP_EXPECT_EQ(t, bar1_32(8), 0);
	KTAP_EXPECT(t, !strcmp(ctl("mem-version 2"), "ok\n"));
	KTAP_EXPECT(t, !strcmp(ctl("mem-size 16"), "ok\n"));
	KTAP_EXPECT_EQ(t, bar1_32(4), 2);
	KTAP_EXPECT_EQ(t, bar1_32(0), 16);
	F.bar1[1000] = 0x55;
	vmmdev_reset(F.dev);
	KTAP_EXPECT_EQ(t, bar1_32(4), 2);
	KTAP_EXPECT_EQ(t, bar1_32(0), 16);
	KTAP_EXPECT_EQ(t, F.bar1[1000], 0);
	ctl("mem-default");
	KTAP_EXPECT_EQ(t, bar1_32(0), 0x3ffd28);
	KTAP_EXPECT_EQ(t, bar1_32(4), 1);
	fx_down();
}

/*
 * A device reset (spec appendix), by QEMU's DEVICE_RESET (vmmdev_reset())
 * or by the control channel's "device-reset" under a running guest.
 */
static void check_reset(struct ktap_case_ctx *t, bool control)
{
	uint64_t sid;

	fx_up_default();
	KTAP_ASSERT(t, report());
	filter(0x7ff, 0);
	hdr(REQ, 32, 56);
	wr32(REQ + 24, 0x5);
	submit(REQ);
	hdr(REQ, 36, 2);
	wr32(REQ + 24, 0x11);
	submit(REQ);
	hdr(REQ, 36, 59);
	wr32(REQ + 24, 20);
	wr32(REQ + 28, 50);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	simple(217, 32);
	sid = rd64(REQ + 24);
	ctl("events 0x205");
	KTAP_EXPECT_EQ(t, F.irq, 1);
	if (control) {
		KTAP_EXPECT(t, !strcmp(ctl("device-reset"), "ok\n"));
		KTAP_EXPECT(t, !strncmp(ctl("device-reset 1"), "err usage", 9));
	} else {
		vmmdev_reset(F.dev);
	}
	KTAP_EXPECT_EQ(t, F.irq, 0);
	KTAP_EXPECT_EQ(t, counter("device_resets"), 1);
	ctl("state");
	KTAP_EXPECT_EQ(t, reply_val("accepted"), 0);
	KTAP_EXPECT_EQ(t, reply_val("pending"), 0x4);
	KTAP_EXPECT_EQ(t, reply_val("filter"), 0);
	KTAP_EXPECT_EQ(t, reply_val("caps"), 0);
	KTAP_EXPECT_EQ(t, reply_val("mouse_guest"), 0);
	KTAP_EXPECT_EQ(t, reply_val("guest_info2_features"), 0);
	KTAP_EXPECT_EQ(t, reply_val("facility_20"), 0);
	/* Everything but 4/50/58/218 refused until the guest reports again. */
	KTAP_EXPECT_EQ(t, simple(1, 36), VERR_NOT_SUPPORTED);
	KTAP_EXPECT_EQ(t, simple(219, 24), VERR_NOT_SUPPORTED);
	KTAP_ASSERT(t, report());
	KTAP_EXPECT_EQ(t, simple(217, 32), 0);
	KTAP_EXPECT(t, rd64(REQ + 24) != sid);
	KTAP_EXPECT_EQ(t, simple(219, 24), 0);
	/* The first HGCM request re-arms HGCM in the filter (auto-enable). */
	hdr(REQ, 36, 61);
	wr32(REQ + 32, 12345);
	KTAP_EXPECT_EQ(t, submit(REQ), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT_EQ(t, state("filter") & 0x2, 0x2);
	fx_down();
}

static void reset_semantics(struct ktap_case_ctx *t)
{
	check_reset(t, false);
}

static void control_device_reset(struct ktap_case_ctx *t)
{
	check_reset(t, true);
}

/* The control channel's "restore": state kept, RESTORED posted. */
static void control_restore(struct ktap_case_ctx *t)
{
	uint32_t events = 0;
	uint64_t sid;

	fx_up_default();
	KTAP_ASSERT(t, report());
	hdr(REQ, 32, 56);
	wr32(REQ + 24, 0x1);
	submit(REQ);
	simple(217, 32);
	sid = rd64(REQ + 24);
	/* Filtered out: latched, no interrupt. */
	KTAP_EXPECT(t, !strcmp(ctl("restore"), "ok\n"));
	KTAP_EXPECT_EQ(t, F.irq, 0);
	KTAP_EXPECT_EQ(t, state("pending") & 0x10, 0x10);
	filter(0x10, 0);
	KTAP_EXPECT_EQ(t, F.irq, 1);
	KTAP_EXPECT_EQ(t, ack(&events), 0);
	KTAP_EXPECT_EQ(t, events, 0x10);
	KTAP_EXPECT_EQ(t, F.irq, 0);
	KTAP_EXPECT_EQ(t, counter("restores"), 1);
	KTAP_EXPECT_EQ(t, counter("device_resets"), 0);
	KTAP_EXPECT_EQ(t, state("accepted"), 1);
	KTAP_EXPECT_EQ(t, state("caps"), 0x1);
	KTAP_EXPECT_EQ(t, simple(217, 32), 0);
	KTAP_EXPECT(t, rd64(REQ + 24) != sid);
	fx_down();
}

static int32_t balloon_change(bool inflate, uint64_t first, uint64_t stride,
			      uint32_t count)
{
	uint32_t i;

	hdr(REQ, 2080, 113);
	wr32(REQ + 24, count);
	wr32(REQ + 28, inflate);
	for (i = 0; i < 256; i++)
		wr64(REQ + 32 + 8 * i, first + i * stride);
	return submit(REQ);
}

static void balloon_request(struct ktap_case_ctx *t)
{
	fx_up_default();
	KTAP_ASSERT(t, report());
	filter(0x40, 0);
	KTAP_EXPECT(t, !strcmp(ctl("balloon 4"), "ok\n"));
	KTAP_EXPECT_EQ(t, F.irq, 1);
	hdr(REQ, 36, 111);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 24), 4);
	KTAP_EXPECT_EQ(t, rd32(REQ + 28), 16);	/* MiB of guest RAM */
	KTAP_EXPECT_EQ(t, state("balloon_acked"), 0);
	wr32(REQ + 32, 0x40);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, state("balloon_acked"), 4);
	/* Same target again: no new event. */
	vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4);
	ctl("balloon 4");
	KTAP_EXPECT_EQ(t, state("pending") & 0x40, 0);
	ctl("balloon 2");
	KTAP_EXPECT_EQ(t, state("pending") & 0x40, 0x40);
	fx_down();
}

static void balloon_inflate_deflate(struct ktap_case_ctx *t)
{
	static const struct {
		bool inflate;
		uint64_t first, stride;
		uint32_t count;
		int32_t rc;
		long long pages;	/* ballooned afterwards */
	} rows[] = {
		{ true, 0x400000, 4096, 256, 0, 256 },
		{ true, 0x400000, 4096, 256, VERR_INVALID_PARAMETER, 256 },	/* again */
		{ true, 0x500000, 4096, 255, VERR_INVALID_PARAMETER, 256 },	/* count */
		{ true, 0x500800, 4096, 256, VERR_INVALID_PARAMETER, 256 },	/* unaligned */
		{ true, 0x500000, 0, 256, VERR_INVALID_PARAMETER, 256 },	/* duplicates */
		{ true, FX_HOLE_START - 0x10000, 4096, 256, VERR_INVALID_PARAMETER, 256 },
		{ true, FX_RAM_SIZE - 0x80000, 4096, 256, VERR_INVALID_PARAMETER, 256 },
		{ true, 0x3ff000, 4096, 256, VERR_INVALID_PARAMETER, 256 },	/* overlap */
		{ true, 0x600000, 8192, 256, 0, 512 },
		{ false, 0x800000, 4096, 256, VERR_INVALID_PARAMETER, 512 },	/* not in */
		{ false, 0x400000, 4096, 256, 0, 256 },
		{ false, 0x400000, 4096, 256, VERR_INVALID_PARAMETER, 256 },
		{ false, 0x600000, 8192, 256, 0, 0 },
		{ true, 0x0, 4096, 256, 0, 256 },	/* page 0 is RAM too */
	};
	size_t i;

	fx_up_default();
	KTAP_ASSERT(t, report());
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		int32_t rc = balloon_change(rows[i].inflate, rows[i].first, rows[i].stride,
					    rows[i].count);

		if (rc != rows[i].rc)
			printf("    # row %zu\n", i);
		KTAP_EXPECT_EQ(t, rc, rows[i].rc);
		KTAP_EXPECT_EQ(t, state("balloon_pages"), rows[i].pages);
	}
	hdr(REQ, 2072, 113);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, counter("balloon.inflates"), 3);
	KTAP_EXPECT_EQ(t, counter("balloon.deflates"), 2);
	KTAP_EXPECT_EQ(t, counter("balloon.pages"), 5 * 256);
	/* A reset forgets the balloon. */
	vmmdev_reset(F.dev);
	KTAP_EXPECT_EQ(t, state("balloon_pages"), 0);
	fx_down();
}

static void heartbeat(struct ktap_case_ctx *t)
{
	unsigned long long count, first, last, interval;
	int enabled, i;

	fx_up_default();
	KTAP_ASSERT(t, report());
	hdr(REQ, 36, 220);
	F.ram[REQ + 32] = 1;
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, rd64(REQ + 24), 2000000000ull);
	KTAP_EXPECT(t, !strcmp(ctl("heartbeat-interval-ms 100"), "ok\n"));
	KTAP_EXPECT(t, !strncmp(ctl("heartbeat-interval-ms 10"), "err", 3));
	hdr(REQ, 36, 220);
	F.ram[REQ + 32] = 1;
	submit(REQ);
	KTAP_EXPECT_EQ(t, rd64(REQ + 24), 100000000ull);
	for (i = 0; i < 5; i++)
		KTAP_EXPECT_EQ(t, simple(219, 24), 0);
	ctl("heartbeat-stats");
	KTAP_ASSERT(t, sscanf(fx_reply, "ok %llu %llu %llu %llu %d", &count, &first, &last,
			      &interval, &enabled) == 5);
	KTAP_EXPECT_EQ(t, count, 5);
	KTAP_EXPECT(t, first > 0 && first <= last);
	KTAP_EXPECT_EQ(t, interval, 100000000ull);
	KTAP_EXPECT_EQ(t, enabled, 1);
	KTAP_EXPECT_EQ(t, counter("heartbeats"), 5);
	ctl("reset-counters");
	ctl("heartbeat-stats");
	KTAP_EXPECT(t, !strncmp(fx_reply, "ok 0 0 0 ", 9));
	hdr(REQ, 36, 220);
	submit(REQ);
	ctl("heartbeat-stats");
	KTAP_EXPECT(t, strstr(fx_reply, " 0\n") != NULL);
	fx_down();
}

static void mouse(struct ktap_case_ctx *t)
{
	fx_up_default();
	KTAP_ASSERT(t, report());
	filter(0x201, 0);
	hdr(REQ, 36, 2);
	wr32(REQ + 24, 0xffffffff);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, state("mouse_guest"), 0x95);
	KTAP_EXPECT_EQ(t, simple(1, 36), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 24), 0x95 | 0x120);
	KTAP_EXPECT(t, !strcmp(ctl("mouse 100 65535"), "ok\n"));
	KTAP_EXPECT_EQ(t, F.irq, 1);
	KTAP_EXPECT(t, !strncmp(ctl("mouse 1 65536"), "err", 3));
	KTAP_EXPECT_EQ(t, simple(1, 36), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 28), 100);
	KTAP_EXPECT_EQ(t, rd32(REQ + 32), 65535);
	KTAP_EXPECT_EQ(t, simple(223, 48), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 28), 100);
	KTAP_EXPECT_EQ(t, rd32(REQ + 44), 0);
	vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4);
	/* Host bits: post 0x001 only on a change. */
	ctl("mouse-host-caps 0x120");
	KTAP_EXPECT_EQ(t, state("pending"), 0);
	KTAP_EXPECT(t, !strcmp(ctl("mouse-host-caps 0x162"), "ok\n"));
	KTAP_EXPECT_EQ(t, state("pending"), 0x1);
	KTAP_EXPECT(t, !strncmp(ctl("mouse-host-caps 0x1"), "err", 3));
	simple(1, 36);
	KTAP_EXPECT_EQ(t, rd32(REQ + 24), 0x95 | 0x162);
	fx_down();
}

/* GetMouseStatusEx (223): position, wheel deltas handed over once, buttons. */
static void mouse_full_state(struct ktap_case_ctx *t)
{
	uint32_t ev;

	fx_up_default();
	KTAP_ASSERT(t, report());
	filter(0x200, 0);
	KTAP_EXPECT_EQ(t, state("mouse_host") & 0x100, 0x100);
	KTAP_EXPECT(t, !strcmp(ctl("mouse 100 200 1 -2 0x1f"), "ok\n"));
	KTAP_EXPECT_EQ(t, F.irq, 1);
	KTAP_EXPECT_EQ(t, ack(&ev), 0);
	KTAP_EXPECT_EQ(t, ev, 0x200);
	KTAP_EXPECT_EQ(t, simple(223, 48), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 24) & 0x100, 0x100);
	KTAP_EXPECT_EQ(t, rd32(REQ + 28), 100);
	KTAP_EXPECT_EQ(t, rd32(REQ + 32), 200);
	KTAP_EXPECT_EQ(t, (int32_t)rd32(REQ + 36), 1);
	KTAP_EXPECT_EQ(t, (int32_t)rd32(REQ + 40), -2);
	KTAP_EXPECT_EQ(t, rd32(REQ + 44), 0x1f);
	/* Deltas are handed over once; buttons stay held. */
	KTAP_EXPECT_EQ(t, simple(223, 48), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 36), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 40), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 44), 0x1f);
	/* They add up until read; GetMouseStatus (1) leaves them. */
	ctl("mouse 5 6 3 0 0");
	ctl("mouse 7 8 -1 4");
	KTAP_EXPECT_EQ(t, state("mouse_dz"), 2);
	KTAP_EXPECT_EQ(t, simple(1, 36), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 28), 7);
	KTAP_EXPECT_EQ(t, simple(223, 48), 0);
	KTAP_EXPECT_EQ(t, (int32_t)rd32(REQ + 36), 2);
	KTAP_EXPECT_EQ(t, (int32_t)rd32(REQ + 40), 4);
	KTAP_EXPECT_EQ(t, rd32(REQ + 44), 0);
	KTAP_EXPECT_EQ(t, state("mouse_dz"), 0);
	/* An s32 at a time. */
	ctl("mouse 0 0 0x7fffffff 0");
	ctl("mouse 0 0 2 0");
	KTAP_EXPECT_EQ(t, simple(223, 48), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 36), 0x7fffffff);
	KTAP_EXPECT_EQ(t, simple(223, 48), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 36), 2);
	/* Bad arguments change nothing. */
	KTAP_EXPECT(t, !strncmp(ctl("mouse 1 2 3"), "err", 3));
	KTAP_EXPECT(t, !strncmp(ctl("mouse 1 2 0 0 0x20"), "err", 3));
	KTAP_EXPECT_EQ(t, state("mouse_x"), 0);
	KTAP_EXPECT_EQ(t, state("mouse_buttons"), 0);
	/* The host bit follows mouse-host-caps. */
	ctl("mouse-host-caps 0x20");
	simple(1, 36);
	KTAP_EXPECT_EQ(t, rd32(REQ + 24) & 0x100, 0);
	fx_down();
}

/* 223 as a host checks it: exact size 48, header version, after the report. */
static void mouse_full_state_validated(struct ktap_case_ctx *t)
{
	fx_up_default();
	ctl("mouse 9 9 5 6 1");
	KTAP_EXPECT_EQ(t, simple(223, 48), VERR_NOT_SUPPORTED);
	KTAP_EXPECT_EQ(t, counter("req.223"), 1);
	KTAP_ASSERT(t, report());
	KTAP_EXPECT_EQ(t, simple(223, 44), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, simple(223, 52), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, simple(223, 36), VERR_INVALID_PARAMETER);
	hdr(REQ, 48, 223);
	wr32(REQ + 4, 0x00010000);
	KTAP_EXPECT_EQ(t, submit(REQ), -1);
	KTAP_EXPECT_EQ(t, rd32(REQ + 28), 0);		/* nothing written */
	KTAP_EXPECT_EQ(t, counter("req.ignored"), 1);
	KTAP_EXPECT_EQ(t, counter("req.223"), 4);
	/* None of them took the deltas. */
	KTAP_EXPECT_EQ(t, simple(223, 48), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 36), 5);
	KTAP_EXPECT_EQ(t, rd32(REQ + 40), 6);
	KTAP_EXPECT_EQ(t, rd32(REQ + 44), 1);
	KTAP_EXPECT_EQ(t, counter("req.223"), 5);
	fx_down();
}

static void facility_status(struct ktap_case_ctx *t)
{
	static const struct { uint32_t fac, status; int32_t rc; } rows[] = {
		{ 20, 50, 0 }, { 0, 50, VERR_INVALID_PARAMETER },
		{ 0x7fffffff, 1, VERR_INVALID_PARAMETER },
		{ 100, 0x10000, VERR_OUT_OF_RANGE }, { 100, 0xffff, 0 },
	};
	char cmd[64];
	size_t i;
	uint32_t f;

	fx_up_default();
	KTAP_ASSERT(t, report());
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		hdr(REQ, 36, 59);
		wr32(REQ + 24, rows[i].fac);
		wr32(REQ + 28, rows[i].status);
		KTAP_EXPECT_EQ(t, submit(REQ), rows[i].rc);
	}
	KTAP_EXPECT(t, !strcmp(ctl("facility 20"), "ok 50\n"));
	KTAP_EXPECT_EQ(t, state("facility_20"), 50);
	/* 5 fixed entries + 27 new ones fill the table of 32. */
	for (f = 2000; f < 2027; f++) {
		hdr(REQ, 36, 59);
		wr32(REQ + 24, f);
		wr32(REQ + 28, 50);
		KTAP_EXPECT_EQ(t, submit(REQ), 0);
	}
	hdr(REQ, 36, 59);
	wr32(REQ + 24, 3000);
	wr32(REQ + 28, 50);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_OUT_OF_RESOURCES);
	/* An inactive non-fixed entry makes room. */
	hdr(REQ, 36, 59);
	wr32(REQ + 24, 2005);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	hdr(REQ, 36, 59);
	wr32(REQ + 24, 3000);
	wr32(REQ + 28, 30);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT(t, !strcmp(ctl("facility 3000"), "ok 30\n"));
	/* "All" updates every known entry. */
	hdr(REQ, 36, 59);
	wr32(REQ + 24, 0x7ffffffe);
	wr32(REQ + 28, 100);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	snprintf(cmd, sizeof(cmd), "facility %u", 2010);
	KTAP_EXPECT(t, !strcmp(ctl(cmd), "ok 100\n"));
	KTAP_EXPECT(t, !strcmp(ctl("facility 1100"), "ok 100\n"));
	vmmdev_reset(F.dev);
	KTAP_EXPECT(t, !strcmp(ctl("facility 20"), "ok 0\n"));
	fx_down();
}

static void fault_injection(struct ktap_case_ctx *t)
{
	fx_up_default();
	KTAP_ASSERT(t, report());
	KTAP_EXPECT(t, !strcmp(ctl("fault 1 2 -99"), "ok\n"));
	KTAP_EXPECT(t, !strcmp(ctl("fault 4 1 0x7fffffff"), "ok\n"));
	KTAP_EXPECT_EQ(t, simple(1, 36), -99);
	KTAP_EXPECT_EQ(t, simple(1, 20), -1);		/* ignored: not counted */
	KTAP_EXPECT_EQ(t, simple(1, 40), -99);		/* no size check either */
	KTAP_EXPECT_EQ(t, simple(1, 36), 0);
	hdr(REQ, 40, 4);
	wr32(REQ + 36, 0xabcd);
	KTAP_EXPECT_EQ(t, submit(REQ), 0x7fffffff);
	KTAP_EXPECT_EQ(t, rd32(REQ + 36), 0xabcd);	/* no handler ran */
	ctl("fault 2 5 -5");
	ctl("fault-clear");
	KTAP_EXPECT_EQ(t, simple(2, 36), 0);
	KTAP_EXPECT(t, !strncmp(ctl("fault 1 2"), "err", 3));
	KTAP_EXPECT(t, !strncmp(ctl("fault x 2 3"), "err", 3));
	fx_down();
}

static void control_commands(struct ktap_case_ctx *t)
{
	static const struct { const char *cmd, *prefix; } rows[] = {
		{ "ping", "ok pong\n" },
		{ "  ping  ", "ok pong\n" },
		{ "pong", "err unknown command" },
		{ "", "err" },
		{ "events", "err" },
		{ "events 0x800", "err" },
		{ "events 12abc", "err" },
		{ "events 0x1 2", "err" },
		{ "seamless 3", "err" },
		{ "display 640 480", "err" },
		{ "display 640 480 32 64", "err" },
		{ "display 640 480 32 1", "ok\n" },
		{ "host-version 70000 0 0 0", "err" },
		{ "hgcm-mode sometimes", "err" },
		{ "hgcm-mode inline", "ok\n" },
		{ "hgcm-delay 10", "ok\n" },
		{ "hgcm-delay -1", "err" },
		{ "hgcm-bogus", "err unknown command" },
		{ "last-requestor 256", "err" },
		{ "counter never.touched", "ok 0\n" },
		{ "balloon -1", "ok\n" },
		{ "features 8000000f", "ok\n" },
		{ "features 0x8000000f", "ok\n" },
		{ "features 1g", "err" },
		{ "features 100000000", "err" },
	};
	size_t i;

	fx_up_default();
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		ctl(rows[i].cmd);
		if (strncmp(fx_reply, rows[i].prefix, strlen(rows[i].prefix)))
			printf("    # '%s' -> '%s'\n", rows[i].cmd, fx_reply);
		KTAP_EXPECT(t, !strncmp(fx_reply, rows[i].prefix, strlen(rows[i].prefix)));
	}
	ctl("features 1f");
	ctl("state");
	KTAP_EXPECT(t, strstr(fx_reply, "\nok\n") != NULL);
	KTAP_EXPECT_EQ(t, reply_val("features"), 0x1f);
	KTAP_EXPECT_EQ(t, reply_val("balloon_target"), 0xffffffff);
	fx_down();
}

static void counters_and_requestor(struct ktap_case_ctx *t)
{
	fx_up_default();
	hdr(REQ, 40, 4);
	wr32(REQ + 20, 0x1234);
	submit(REQ);
	KTAP_EXPECT(t, !strcmp(ctl("last-requestor 4"), "ok 0x1234\n"));
	KTAP_EXPECT(t, !strcmp(ctl("last-requestor 41"), "ok 0x0\n"));
	simple(1, 36);			/* refused before the report */
	KTAP_EXPECT_EQ(t, counter("req.total"), 2);
	KTAP_EXPECT_EQ(t, counter("req.4"), 1);
	KTAP_EXPECT_EQ(t, counter("req.1"), 1);
	KTAP_EXPECT_EQ(t, counter("req.rejected"), 1);
	vmmdev_count(F.dev, VMMDEV_CNT_PORT_EXITS);
	vmmdev_count(F.dev, VMMDEV_CNT_PORT_EXITS);
	vmmdev_count(F.dev, VMMDEV_CNT_BAR1_TRAPS);
	vmmdev_count(F.dev, VMMDEV_CNT_IRQS);
	vmmdev_count(F.dev, VMMDEV_CNT_DMA_MAPS);
	vmmdev_count(F.dev, VMMDEV_CNT_DMA_UNMAPS);
	vmmdev_count(F.dev, VMMDEV_CNT_XPORT_MAX);	/* ignored */
	ctl("counters");
	KTAP_EXPECT_EQ(t, reply_val("port_exits"), 2);
	KTAP_EXPECT_EQ(t, reply_val("bar1_traps"), 1);
	KTAP_EXPECT_EQ(t, reply_val("irqs"), 1);
	KTAP_EXPECT_EQ(t, reply_val("dma_maps"), 1);
	KTAP_EXPECT_EQ(t, reply_val("dma_unmaps"), 1);
	KTAP_EXPECT_EQ(t, reply_val("hgcm.calls"), 0);
	KTAP_EXPECT_EQ(t, reply_val("hgcm.param.13"), 0);
	KTAP_EXPECT(t, strstr(fx_reply, "\nok\n") != NULL);
	KTAP_EXPECT(t, !strcmp(ctl("reset-counters"), "ok\n"));
	KTAP_EXPECT_EQ(t, counter("req.total"), 0);
	KTAP_EXPECT_EQ(t, counter("port_exits"), 0);
	/* host_cpu_us: this process, once as itself, once as the peer. */
	vmmdev_set_peer_pid(F.dev, (int)getpid());
	ctl("reset-counters");
	{
		struct timespec ts;

		do
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		while (counter("host_cpu_us") < 200000 && ts.tv_sec < 5);
		KTAP_EXPECT(t, ts.tv_sec < 5);
	}
	ctl("reset-counters");
	KTAP_EXPECT(t, counter("host_cpu_us") < 100000);
	/* State is not a counter. */
	KTAP_EXPECT(t, !strcmp(ctl("last-requestor 4"), "ok 0x1234\n"));
	fx_down();
}

static void misc_requests(struct ktap_case_ctx *t)
{
	uint64_t ms;

	fx_up_default();
	KTAP_ASSERT(t, report());
	KTAP_EXPECT_EQ(t, simple(10, 32), 0);
	ms = rd64(REQ + 24);
	KTAP_EXPECT(t, ms / 1000 >= (uint64_t)time(NULL) - 2 &&
		       ms / 1000 <= (uint64_t)time(NULL) + 2);
	hdr(REQ, 32, 20);
	wr32(REQ + 28, 0x1234);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 28), 0);
	hdr(REQ, 32, 21);
	wr32(REQ + 24, 0x1000000);
	wr32(REQ + 28, 0x400000);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_TRY_AGAIN);
	wr32(REQ + 24, 0);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	/* Power */
	hdr(REQ, 32, 30);
	wr32(REQ + 24, 1);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	wr32(REQ + 24, 3);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_ACCESS_DENIED);
	/* Capabilities 55 / 56 */
	hdr(REQ, 28, 55);
	wr32(REQ + 24, 0x1);
	submit(REQ);
	KTAP_EXPECT_EQ(t, state("caps"), 0x5);
	hdr(REQ, 32, 56);
	wr32(REQ + 24, 0x10a);
	wr32(REQ + 28, 0x4);
	submit(REQ);
	KTAP_EXPECT_EQ(t, state("caps"), 0x10b);
	/* VBVA */
	hdr(REQ, 36, 70);
	wr32(REQ + 24, 1);
	wr32(REQ + 28, 0x3ffc00);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 32), 0x3);
	/* CPU hot-plug */
	KTAP_EXPECT_EQ(t, simple(210, 36), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 24), 1);
	KTAP_EXPECT_EQ(t, rd32(REQ + 28), 0xffffffff);
	KTAP_EXPECT_EQ(t, state("cpu_hotplug_monitoring"), 0);
	hdr(REQ, 28, 211);
	wr32(REQ + 24, 2);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, state("cpu_hotplug_monitoring"), 1);
	hdr(REQ, 28, 211);
	wr32(REQ + 24, 1);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, state("cpu_hotplug_monitoring"), 0);
	/* Credentials: nothing to hand out, strings zeroed. */
	hdr(REQ, 412, 100);
	wr32(REQ + 24, 0x6 | 0x10000);
	memset(F.ram + REQ + 28, 'x', 384);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 24), 0x6);
	KTAP_EXPECT_EQ(t, F.ram[REQ + 28 + 200], 0);
	fx_down();
}

static void pointer_shape(struct ktap_case_ctx *t)
{
	static const struct { uint32_t flags, w, h, size; int32_t rc; } rows[] = {
		{ 0x1, 0, 0, 48, 0 },
		{ 0x5, 32, 32, 48, 0 },			/* size 48: shape ignored */
		{ 0x5, 8, 8, 44 + 8 + 256, 0 },
		{ 0x5, 8, 8, 44 + 8 + 255, VERR_INVALID_PARAMETER },
		{ 0x5, 9, 1, 44 + 4 + 36, 0 },		/* mask padded to 4 */
		{ 0x5, 8193, 1, 4096, VERR_INVALID_PARAMETER },
		{ 0x1, 8193, 1, 4096, 0 },		/* no shape present */
	};
	size_t i;

	fx_up_default();
	KTAP_ASSERT(t, report());
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		hdr(REQ, rows[i].size, 3);
		wr32(REQ + 24, rows[i].flags);
		wr32(REQ + 36, rows[i].w);
		wr32(REQ + 40, rows[i].h);
		KTAP_EXPECT_EQ(t, submit(REQ), rows[i].rc);
	}
	fx_down();
}

/* Requests 72 and 3 reach the host's desktop view (desktop.c); refused
 * ones leave it as it was. */
static void wr32s(uint64_t gpa, const uint32_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		wr32(gpa + 4 * i, v[i]);
}

/* Requests 72 and 3 reach the host's desktop view (desktop.c); refused
 * ones leave it as it was. */
static void desktop_region_pointer(struct ktap_case_ctx *t)
{
	static const uint32_t region[] = { 2, 10, 20, 110, 70, 200, 0, 300, 40 };
	static const uint32_t shape[] = { 0x5, 3, 4, 8, 8 };

	fx_up_default();
	KTAP_ASSERT(t, report());
	hdr(REQ, 28 + 32, 72);
	wr32s(REQ + 24, region, ARRAY_SIZE(region));
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	wr32(REQ + 24, 3);			/* count and size disagree */
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	ctl("region");
	KTAP_EXPECT(t, !strcmp(fx_reply, "count 2\nupdates 1\nrect 10 20 110 70\n"
			       "rect 200 0 300 40\nok 2\n"));
	hdr(REQ, 44 + 8 + 256, 3);
	wr32s(REQ + 24, shape, ARRAY_SIZE(shape));
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	wr32(REQ + 36, 9000);			/* too wide: refused */
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	KTAP_EXPECT(t, !strcmp(ctl("pointer"), "ok 0x5 3 4 8 8 1\n"));
	fx_down();
}

static void user_state(struct ktap_case_ctx *t)
{
	static const char good[] = "alice\0dom\0x";

	fx_up_default();
	KTAP_ASSERT(t, report());
	hdr(REQ, 52, 74);
	wr32(REQ + 24, 1);
	wr32(REQ + 28, 6);
	wr32(REQ + 32, 4);
	wr32(REQ + 36, 2);
	memcpy(F.ram + REQ + 40, good, 12);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	F.ram[REQ + 45] = 'y';			/* user not terminated */
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	F.ram[REQ + 45] = 0;
	F.ram[REQ + 40] = 0xff;			/* bad UTF-8 */
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	F.ram[REQ + 40] = 'a';
	wr32(REQ + 36, 100);			/* details outside */
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	wr32(REQ + 28, 257);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_TOO_MUCH_DATA);
	fx_down();
}

static void display_hints(struct ktap_case_ctx *t)
{
	fx_up_default();
	KTAP_ASSERT(t, report());
	filter(0x24, 0);
	ctl("display 1024 768 32");
	ctl("display 800 600 16 2");
	KTAP_EXPECT_EQ(t, F.irq, 1);
	vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4);
	/* Without eventAck: the last value read (nothing yet). */
	hdr(REQ, 44, 54);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 24), 0);
	/* With eventAck: lowest pending display, and the event comes again. */
	wr32(REQ + 36, 0x4);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 24), 1024);
	KTAP_EXPECT_EQ(t, rd32(REQ + 28), 768);
	KTAP_EXPECT_EQ(t, rd32(REQ + 40), 0);
	KTAP_EXPECT_EQ(t, state("pending"), 0x4);
	vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4);
	hdr(REQ, 56, 80);
	wr32(REQ + 36, 0x4);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 24), 800);
	KTAP_EXPECT_EQ(t, rd32(REQ + 40), 2);
	KTAP_EXPECT_EQ(t, F.ram[REQ + 53], 1);
	KTAP_EXPECT_EQ(t, state("pending"), 0);
	hdr(REQ, 40, 51);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 24), 1024);
	/* A reset keeps a pending display event. */
	ctl("display 640 480 8");
	vmmdev_reset(F.dev);
	KTAP_EXPECT_EQ(t, state("pending"), 0x4);
	/* Seamless */
	KTAP_ASSERT(t, report());
	ctl("seamless 1");
	KTAP_EXPECT_EQ(t, state("pending") & 0x20, 0x20);
	hdr(REQ, 32, 73);
	wr32(REQ + 28, 0x20);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 24), 1);
	fx_down();
}

/*
 * Multi-monitor layout (display-layout): origin and on/off of a monitor
 * reach the guest through 81 (entry flags 0x2 disabled, origin) and 80
 * (xOrigin, yOrigin, changeOrigin, enabled); a bad display or flag is
 * refused.
 */
static void display_layout(struct ktap_case_ctx *t)
{
	static const uint8_t want80[] = { 0x00, 0x04, 0, 0, 0, 0, 0, 0, 1, 0 };

	fx_up_default();
	KTAP_ASSERT(t, report());
	KTAP_EXPECT(t, !strcmp(ctl("display 1280 1024 32 1"), "ok\n"));
	KTAP_EXPECT(t, !strcmp(ctl("display-layout 1 1024 0 1"), "ok\n"));
	KTAP_EXPECT(t, !strncmp(ctl("display-layout 64 0 0 1"), "err", 3));
	KTAP_EXPECT(t, !strncmp(ctl("display-layout 1 0 0 2"), "err", 3));
	KTAP_EXPECT_EQ(t, state("pending") & 0x4, 0x4);
	hdr(REQ, 32 + 28 * 4, 81);
	wr32(REQ + 24, 0x4);
	wr32(REQ + 28, 4);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 28), 1);
	KTAP_EXPECT_EQ(t, rd32(REQ + 32) & 0x3, 0);	/* not primary, enabled */
	KTAP_EXPECT_EQ(t, rd32(REQ + 36), 1);
	KTAP_EXPECT_EQ(t, rd32(REQ + 40), 1024);
	KTAP_EXPECT_EQ(t, rd32(REQ + 48), 1280);
	/* Switched off: 81 flags it disabled, 80 has enabled 0, the origin. */
	ctl("display-layout 1 1024 0 0");
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 28), 1);
	KTAP_EXPECT_EQ(t, rd32(REQ + 32) & 0x2, 0x2);
	hdr(REQ, 56, 80);
	wr32(REQ + 40, 1);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	/* xOrigin 1024, yOrigin 0, changeOrigin 1, enabled 0 */
	KTAP_EXPECT(t, !memcmp(F.ram + REQ + 44, want80, sizeof(want80)));
	fx_down();
}

/*
 * The control thread and the transport thread at once, as in the emulator:
 * one thread moves the mouse through the control channel (each move posts
 * the mouse event), the other acknowledges events and reads the mouse
 * status through requests.  Each keeps going until both have done at least
 * CONC_OPS operations, so they overlap whatever the scheduler does.  A
 * position is always set as the pair (i, 0xffff - i): a torn read (x of one
 * move, y of another) or a position going back is a locking defect.
 */
#define CONC_OPS	5000
#define REQ_MOUSE	0x30000u

struct conc {
	int done[2];		/* operations done by each thread */
	int torn, backwards;	/* what the request thread saw */
	int acks, got_event, gets;
	int moves, last_x;
};

static int conc_more(struct conc *c, int me)
{
	return __atomic_load_n(&c->done[me], __ATOMIC_RELAXED) < CONC_OPS ||
	       __atomic_load_n(&c->done[!me], __ATOMIC_RELAXED) < CONC_OPS;
}

static void *conc_control(void *arg)
{
	struct conc *c = arg;
	char buf[256], cmd[64];

	while (conc_more(c, 0) && c->moves < 0xffff) {
		FILE *f = fmemopen(buf, sizeof(buf), "w");

		c->moves++;
		snprintf(cmd, sizeof(cmd), "mouse %d %d", c->moves,
			 0xffff - c->moves);
		vmmdev_control(F.dev, cmd, f);
		fclose(f);
		__atomic_add_fetch(&c->done[0], 1, __ATOMIC_RELAXED);
		sched_yield();	/* the lock is not fair: let the other in */
	}
	return NULL;
}

static void *conc_requests(void *arg)
{
	struct conc *c = arg;

	while (conc_more(c, 1)) {
		uint32_t ev;
		int32_t x, y;

		if (ack(&ev) == 0) {
			c->acks++;
			c->got_event += ev == 0x200;
		}
		hdr(REQ_MOUSE, 36, 1);
		if (submit(REQ_MOUSE) == 0) {
			c->gets++;
			x = (int32_t)rd32(REQ_MOUSE + 28);
			y = (int32_t)rd32(REQ_MOUSE + 32);
			c->torn += x + y != 0xffff && !(x == 0 && y == 0);
			c->backwards += x < c->last_x;
			c->last_x = x;
		}
		__atomic_add_fetch(&c->done[1], 1, __ATOMIC_RELAXED);
		sched_yield();
	}
	return NULL;
}

static void concurrent_control_and_requests(struct ktap_case_ctx *t)
{
	struct conc c = { 0 };
	pthread_t th[2];
	uint32_t ev;

	fx_up_default();
	KTAP_ASSERT(t, report());
	filter(0x200, 0);
	KTAP_ASSERT(t, pthread_create(&th[0], NULL, conc_control, &c) == 0);
	KTAP_ASSERT(t, pthread_create(&th[1], NULL, conc_requests, &c) == 0);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	printf("    # %d moves, %d acks (%d with the mouse event), %d reads\n",
	       c.moves, c.acks, c.got_event, c.gets);
	KTAP_EXPECT(t, c.done[0] >= CONC_OPS && c.done[1] >= CONC_OPS);
	KTAP_EXPECT_EQ(t, c.torn, 0);
	KTAP_EXPECT_EQ(t, c.backwards, 0);
	/* Every request was answered and counted once. */
	KTAP_EXPECT_EQ(t, c.acks + c.gets, c.done[1] * 2);
	KTAP_EXPECT_EQ(t, counter("req.41"), c.acks);
	KTAP_EXPECT_EQ(t, counter("req.1"), c.gets);
	/* Moves were seen, none more often than made. */
	KTAP_EXPECT(t, c.got_event > 0 && c.got_event <= c.moves);
	/* Whatever is left is delivered once, then the line stays low. */
	ack(&ev);
	ack(&ev);
	KTAP_EXPECT_EQ(t, ev, 0);
	KTAP_EXPECT_EQ(t, F.irq, 0);
	KTAP_EXPECT_EQ(t, state("mouse_x"), c.moves);
	fx_down();
}

/* xorshift64*: deterministic pseudo-random numbers for the fuzz cases. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (uint32_t)((rnd_state * 0x2545f4914f6cdd1dull) >> 32);
}

/*
 * Random requests of every known type (and some unknown ones) with random
 * sizes and contents, at random places (some straddling the end of RAM or
 * the hole): the model must survive them all and still answer properly.
 */
/* "pump": events keep coming with the mouse moving; "delay": a slow fx_reply. */
static void pump_and_delay(struct ktap_case_ctx *t)
{
	struct timespec a, b, nap = { .tv_nsec = 2000000 };
	long long ticks = 0, x0;
	uint32_t ev;
	int i;

	fx_up_default();
	KTAP_ASSERT(t, report());
	KTAP_EXPECT_EQ(t, filter(0x240, 0), 0);
	KTAP_EXPECT(t, !strncmp(ctl("pump 50 0x200"), "err", 3));
	KTAP_EXPECT(t, !strncmp(ctl("pump 1000 0x800"), "err", 3));
	KTAP_EXPECT(t, !strcmp(ctl("pump 1000 0x240 3"), "ok\n"));
	x0 = state("mouse_x");
	/* Acknowledge whatever comes until the pump ticked a few times. */
	for (i = 0; i < 2000 && ticks < 6; i++) {
		nanosleep(&nap, NULL);
		if (F.irq)
			ack(&ev);
		ticks = counter("pump.ticks");
	}
	KTAP_EXPECT(t, ticks >= 6);
	KTAP_EXPECT(t, F.irq_up >= 2);
	KTAP_EXPECT(t, state("mouse_x") != x0);
	KTAP_EXPECT(t, state("balloon_target") == 0 ||
		       state("balloon_target") == 3);
	KTAP_EXPECT(t, !strcmp(ctl("pump 0 0"), "ok\n"));
	ticks = counter("pump.ticks");
	nanosleep(&nap, NULL);
	nanosleep(&nap, NULL);
	KTAP_EXPECT_EQ(t, counter("pump.ticks"), ticks);

	KTAP_EXPECT(t, !strncmp(ctl("delay 256 1"), "err", 3));
	KTAP_EXPECT(t, !strcmp(ctl("delay 10 120"), "ok\n"));
	clock_gettime(CLOCK_MONOTONIC, &a);
	KTAP_EXPECT_EQ(t, simple(10, 32), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	KTAP_EXPECT(t, (b.tv_sec - a.tv_sec) * 1000 +
		    (b.tv_nsec - a.tv_nsec) / 1000000 >= 120);
	KTAP_EXPECT(t, !strcmp(ctl("delay 10 0"), "ok\n"));
	fx_down();
}

static void fuzz_requests(struct ktap_case_ctx *t)
{
	static const uint32_t types[] = {
		0, 1, 2, 3, 4, 5, 10, 20, 21, 22, 30, 41, 42, 50, 51, 52, 53, 54,
		55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 70, 71, 72, 73, 74,
		80, 81, 100, 101, 110, 111, 112, 113, 150, 200, 210, 211, 217,
		218, 219, 220, 221, 222, 223, 999,
	};
	static const uint64_t places[] = {
		REQ, REQ2, FX_HOLE_START - 64, FX_RAM_SIZE - 100, 0x300000,
	};
	int i, answered = 0;

	fx_up_default();
	KTAP_ASSERT(t, report());
	for (i = 0; i < 20000; i++) {
		uint64_t gpa = places[rnd() % ARRAY_SIZE(places)];
		uint32_t type = types[rnd() % ARRAY_SIZE(types)];
		uint32_t size = 24 + rnd() % (rnd() % 4 ? 200 : 3000);
		uint32_t k;

		if (gpa + size > FX_RAM_SIZE)
			size = (uint32_t)(FX_RAM_SIZE - gpa);
		for (k = 0; k < size; k++)
			F.ram[gpa + k] = (uint8_t)rnd();
		if (size >= 24) {
			wr32(gpa, rnd() % 8 ? size : rnd());
			wr32(gpa + 4, rnd() % 16 ? 0x00010001 : rnd());
			wr32(gpa + 8, type);
		}
		if (type == 58 && size >= 168 && rnd() % 2)
			continue;	/* keep the requestor switch stable-ish */
		vmmdev_port_write(F.dev, rnd() % 2 ? 0 : 8, (uint32_t)gpa, 4);
		if (rnd() % 64 == 0)
			vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4);
		if (rnd() % 500 == 0)
			vmmdev_reset(F.dev);
		if (rnd() % 200 == 0)
			report();
		answered += rd32(gpa + 12) != 0xffffffffu;
	}
	KTAP_EXPECT(t, answered > 1000);
	vmmdev_reset(F.dev);
	KTAP_ASSERT(t, report());
	KTAP_EXPECT_EQ(t, simple(4, 40), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 36), 0x8000000f);
	KTAP_EXPECT(t, !strcmp(ctl("ping"), "ok pong\n"));
	fx_down();
}

/* Random control lines: every one gets exactly one final ok/err line. */
static void fuzz_control(struct ktap_case_ctx *t)
{
	static const char *const words[] = {
		"ping", "events", "mouse", "balloon", "display", "seamless",
		"features", "host-version", "fault", "fault-clear", "mem-version",
		"mem-size", "mem-default", "counters", "counter", "reset-counters",
		"device-reset", "restore",
		"last-requestor", "heartbeat-stats", "heartbeat-interval-ms", "state",
		"facility", "hgcm-mode", "hgcm-delay", "hgcm-state", "mouse-host-caps",
		"0", "-1", "0x7ff", "4294967296", "never", "async", "x", "", "0x",
		"99999999999999999999",
	};
	char line[256];
	int i, bad = 0;

	fx_up_default();
	for (i = 0; i < 3000; i++) {
		int n = 1 + (int)(rnd() % 6), k;
		size_t len = 0;
		char *last;

		line[0] = 0;
		for (k = 0; k < n; k++)
			len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s",
						k ? " " : "", words[rnd() % ARRAY_SIZE(words)]);
		if (!strncmp(line, "features", 8) || !strncmp(line, "mem-", 4) ||
		    !strncmp(line, "hgcm-mode never", 15))
			continue;	/* would only make the check below noisy */
		ctl(line);
		len = strlen(fx_reply);
		if (!len || fx_reply[len - 1] != '\n') {
			bad++;
			continue;
		}
		fx_reply[len - 1] = 0;
		last = strrchr(fx_reply, '\n');
		last = last ? last + 1 : fx_reply;
		if (strncmp(last, "ok", 2) && strncmp(last, "err ", 4)) {
			printf("    # '%s' -> '%s'\n", line, last);
			bad++;
		}
	}
	KTAP_EXPECT_EQ(t, bad, 0);
	fx_down();
}

/* Broken hosts (make faults): a line raised with nothing pending, events
 * delivered with the filter closed. */
static void spurious_irq_and_filter_ignore(struct ktap_case_ctx *t)
{
	uint32_t ev;

	fx_up_default();
	KTAP_ASSERT(t, report());
	KTAP_EXPECT(t, !strcmp(ctl("irq-raise 3"), "ok\n"));
	KTAP_EXPECT_EQ(t, F.irq, 1);
	KTAP_EXPECT_EQ(t, bar1_32(8), 1);
	KTAP_EXPECT_EQ(t, counter("irq_spurious"), 3);
	KTAP_EXPECT_EQ(t, ack(&ev), 0);
	KTAP_EXPECT_EQ(t, ev, 0);
	KTAP_EXPECT_EQ(t, F.irq, 0);
	KTAP_EXPECT_EQ(t, bar1_32(8), 0);
	/* Filter 0, yet delivered: raised and acknowledged. */
	KTAP_EXPECT(t, !strcmp(ctl("filter-ignore 1"), "ok\n"));
	KTAP_EXPECT_EQ(t, state("filter_ignore"), 1);
	ctl("events 0x400");
	KTAP_EXPECT_EQ(t, F.irq, 1);
	KTAP_EXPECT_EQ(t, ack(&ev), 0);
	KTAP_EXPECT_EQ(t, ev, 0x400);
	KTAP_EXPECT_EQ(t, state("pending"), 0);
	KTAP_EXPECT(t, !strcmp(ctl("filter-ignore 0"), "ok\n"));
	ctl("events 0x400");
	KTAP_EXPECT_EQ(t, F.irq, 0);
	KTAP_EXPECT_EQ(t, state("pending"), 0x400);
	fx_down();
}

static const struct ktap_case cases[] = {
	KTAP_CASE(header_short_size_ignored),
	KTAP_CASE(header_bad_version_ignored),
	KTAP_CASE(header_too_big),
	KTAP_CASE(pre_report_refused),
	KTAP_CASE(malformed_counted_by_builder),
	KTAP_CASE(unmapped_request_dropped),
	KTAP_CASE(size_rules),
	KTAP_CASE(variable_sizes),
	KTAP_CASE(unknown_types),
	KTAP_CASE(host_version),
	KTAP_CASE(guest_info_versions),
	KTAP_CASE(guest_info2_validation),
	KTAP_CASE(write_back_whole),
	KTAP_CASE(events_filter_raise_ack),
	KTAP_CASE(events_level_semantics),
	KTAP_CASE(events_deferred_filter),
	KTAP_CASE(events_hgcm_not_maskable),
	KTAP_CASE(events_before_report_latch),
	KTAP_CASE(events_lowered_by_guest_info),
	KTAP_CASE(spurious_irq_and_filter_ignore),
	KTAP_CASE(fast_ack),
	KTAP_CASE(port_widths),
	KTAP_CASE(bar1_layout),
	KTAP_CASE(reset_semantics),
	KTAP_CASE(control_device_reset),
	KTAP_CASE(control_restore),
	KTAP_CASE(balloon_request),
	KTAP_CASE(balloon_inflate_deflate),
	KTAP_CASE(heartbeat),
	KTAP_CASE(mouse),
	KTAP_CASE(mouse_full_state),
	KTAP_CASE(mouse_full_state_validated),
	KTAP_CASE(facility_status),
	KTAP_CASE(fault_injection),
	KTAP_CASE(control_commands),
	KTAP_CASE(counters_and_requestor),
	KTAP_CASE(misc_requests),
	KTAP_CASE(pointer_shape),
	KTAP_CASE(desktop_region_pointer),
	KTAP_CASE(user_state),
	KTAP_CASE(display_hints),
	KTAP_CASE(display_layout),
	KTAP_CASE(concurrent_control_and_requests),
	KTAP_CASE(pump_and_delay),
	KTAP_CASE(fuzz_requests),
	KTAP_CASE(fuzz_control),
};

KTAP_SUITE("vmmdev_model", cases);
