// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the HGCM core (hgcm.c) through the device model and a fake
 * host: 16 MiB of guest RAM at guest-physical 0 (with a 64 KiB hole), a
 * recorded interrupt line and, when asked, a log of guest-memory writes.
 * The services are the real vbgtest and guest property services.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu.h"
#include "hgcm.h"
#include "ktap.h"
#include "../vbgtest.h"
#include "test_fixture.h"

#define REQ3		0x30000u
#define CTL_REQ		0x40000u	/* report, filter, cancel */
#define DATA		0x200000u	/* buffer pages */
#define PG		4096u


struct wrec {
	uint64_t gpa;
	size_t len;
	uint32_t flags;		/* value at offset 24 of a request write */
	bool irq;		/* an interrupt raise instead of a write */
};

/* Guest writes and interrupt raises inside [rec_lo, rec_hi), when on. */
static struct {
	pthread_mutex_t lock;
	bool recording;
	uint64_t rec_lo, rec_hi;
	struct wrec rec[256];
	int nrec;
} R;

static void record(uint64_t gpa, size_t len, bool irq)
{
	pthread_mutex_lock(&R.lock);
	if (R.recording && R.nrec < 256 &&
	    (irq || (gpa < R.rec_hi && gpa + len > R.rec_lo))) {
		struct wrec *r = &R.rec[R.nrec++];
		uint32_t flags = 0;

		r->gpa = gpa;
		r->len = len;
		r->irq = irq;
		if (!irq && gpa <= R.rec_lo + 24 && gpa + len >= R.rec_lo + 28)
			memcpy(&flags, F.ram + R.rec_lo + 24, 4);
		r->flags = flags;
	}
	pthread_mutex_unlock(&R.lock);
}

static long long hgcm_state(const char *name)
{
	ctl("hgcm-state");
	return reply_val(name);
}

/* 4, 58 (with @info2_features), 50: the Linux probe order. */
static bool report(uint32_t info2_features)
{
	uint16_t v[2] = { 6, 0 };

	hdr(CTL_REQ, 40, 4);
	if (submit(CTL_REQ))
		return false;
	hdr(CTL_REQ, 168, 58);
	memcpy(F.ram + CTL_REQ + 24, v, 4);
	wr32(CTL_REQ + 36, info2_features);
	strcpy((char *)F.ram + CTL_REQ + 40, "6.0.0");
	if (submit(CTL_REQ))
		return false;
	hdr(CTL_REQ, 32, 50);
	wr32(CTL_REQ + 24, 0x00010004);
	return submit(CTL_REQ) == 0;
}

static bool setup_features(uint32_t info2_features)
{
	memset(&R, 0, sizeof(R));
	pthread_mutex_init(&R.lock, NULL);
	if (!fx_up_default())
		return false;
	F.on_write = record;
	return report(info2_features);
}

static bool setup(void)
{
	return setup_features(1);
}

static void teardown(void)
{
	fx_down();
	pthread_mutex_destroy(&R.lock);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool done(uint64_t gpa)
{
	return rd32(gpa + 24) & 1;
}

static bool wait_done(uint64_t gpa, int ms)
{
	int i;

	for (i = 0; i < ms; i++) {
		if (done(gpa))
			return true;
		sleep_ms(1);
	}
	return done(gpa);
}

static int32_t result(uint64_t gpa)
{
	return (int32_t)rd32(gpa + 28);
}

/* ---- request builders -------------------------------------------------- */

static int32_t connect_at(uint64_t gpa, const char *name)
{
	hdr(gpa, 168, 60);
	wr32(gpa + 32, 2);
	strncpy((char *)F.ram + gpa + 36, name, 128);
	return submit(gpa);
}

/* Connects and waits; returns the client id or 0. */
static uint32_t connect_svc(const char *name)
{
	if (connect_at(REQ3, name) != VINF_HGCM_ASYNC_EXECUTE || !wait_done(REQ3, 2000) ||
	    result(REQ3) != 0)
		return 0;
	return rd32(REQ3 + 164);
}

static int32_t disconnect_at(uint64_t gpa, uint32_t id)
{
	hdr(gpa, 36, 61);
	wr32(gpa + 32, id);
	return submit(gpa);
}

/* Disconnects @id at REQ3 and waits: its result, or 1 if it never came. */
static int32_t disconnect_wait(uint32_t id)
{
	if (disconnect_at(REQ3, id) != VINF_HGCM_ASYNC_EXECUTE || !wait_done(REQ3, 2000))
		return 1;
	return result(REQ3);
}

static struct {
	uint64_t gpa;
	uint32_t entry;
	uint32_t end;
} B;

static void b_begin(uint64_t gpa, uint32_t type, uint32_t client, uint32_t fn,
		    uint32_t n)
{
	B.gpa = gpa;
	B.entry = type == 62 ? 12 : 16;
	B.end = 44 + n * B.entry;
	hdr(gpa, 44, type);
	wr32(gpa + 32, client);
	wr32(gpa + 36, fn);
	wr32(gpa + 40, n);
}

static uint64_t pe(uint32_t i)
{
	return B.gpa + 44 + i * B.entry;
}

static void b_u32(uint32_t i, uint32_t v)
{
	wr32(pe(i), 1);
	wr32(pe(i) + 4, v);
}

static void b_u64(uint32_t i, uint64_t v)
{
	wr32(pe(i), 2);
	wr64(pe(i) + 4, v);
}

static void b_raw(uint32_t i, uint32_t type, uint32_t w1, uint32_t w2)
{
	wr32(pe(i), type);
	wr32(pe(i) + 4, w1);
	wr32(pe(i) + 8, w2);
}

/* A page-list parameter with the descriptor at the end of the request. */
static uint32_t b_pages(uint32_t i, uint32_t type, uint32_t size, uint32_t flags,
			uint16_t off, uint16_t npages, const uint64_t *pages)
{
	uint32_t desc = B.end, k;

	b_raw(i, type, size, desc);
	wr32(B.gpa + desc, flags);
	wr16(B.gpa + desc + 4, off);
	wr16(B.gpa + desc + 6, npages);
	for (k = 0; k < npages; k++)
		wr64(B.gpa + desc + 8 + 8 * k, pages[k]);
	B.end += 8 + 8 * npages;
	return desc;
}

/* Pages DATA + (first + k * stride) * 4 KiB. */
static uint32_t b_pages_at(uint32_t i, uint32_t type, uint32_t size, uint32_t flags,
			   uint16_t off, uint16_t npages, uint32_t first, uint32_t stride)
{
	uint64_t pages[64];
	uint32_t k;

	for (k = 0; k < npages && k < 64; k++)
		pages[k] = DATA + (uint64_t)(first + k * stride) * PG;
	return b_pages(i, type, size, flags, off, npages, pages);
}

static uint32_t b_embedded(uint32_t i, uint32_t flags, uint32_t size, const void *data)
{
	uint32_t off = B.end;

	b_raw(i, 11, flags | off << 8, size);
	if (data)
		memcpy(F.ram + B.gpa + off, data, size);
	B.end += (size + 7) & ~7u;
	return off;
}

static int32_t b_submit(void)
{
	wr32(B.gpa, B.end);
	return submit(B.gpa);
}

/* Guest buffer bytes at (page list of DATA pages first..., offset off). */
static uint8_t *gbuf(uint32_t page, uint32_t off)
{
	return F.ram + DATA + (uint64_t)page * PG + off;
}

/*
 * ECHO of 5000 bytes from DATA pages 0-1 (offset 100) into @out_pages
 * (offset 50), submitted and waited for: true if it succeeded.
 */
static bool echo_5000(uint32_t id, const uint64_t *out_pages)
{
	b_begin(REQ, 63, id, VBGTEST_FN_ECHO, 3);
	b_pages_at(0, 10, 5000, 1, 100, 2, 0, 1);
	b_pages(1, 10, 5000, 2, 50, 2, out_pages);
	b_u32(2, 0xdead);
	return b_submit() == VINF_HGCM_ASYNC_EXECUTE && wait_done(REQ, 2000) &&
	       result(REQ) == 0;
}

/* ECHO of "abcd" between two 4-byte embedded buffers (not submitted). */
static void b_echo4(uint32_t id)
{
	b_begin(REQ, 63, id, VBGTEST_FN_ECHO, 3);
	b_embedded(0, 1, 4, "abcd");
	b_embedded(1, 2, 4, NULL);
	b_u32(2, 0);
}

/* ---- cases ---------------------------------------------------------------- */

static void connect_ok(struct ktap_case_ctx *t)
{
	KTAP_ASSERT(t, setup());
	KTAP_EXPECT_EQ(t, connect_at(REQ, VBGTEST_SVC), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 12), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT_EQ(t, rd32(REQ + 164), 1);
	KTAP_EXPECT_EQ(t, connect_at(REQ, "VBoxGuestPropSvc"), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, rd32(REQ + 164), 2);
	/* Auto-enable put HGCM in the filter, so completions interrupt. */
	KTAP_EXPECT(t, irq_ups() >= 1);
	KTAP_EXPECT_EQ(t, counter("hgcm.connects"), 2);
	KTAP_EXPECT_EQ(t, counter("hgcm.completions"), 2);
	KTAP_EXPECT_EQ(t, hgcm_state("clients"), 2);
	teardown();
}

static void connect_errors(struct ktap_case_ctx *t)
{
	static const struct { const char *name; int32_t result; } rows[] = {
		{ "nosuch", VERR_HGCM_SERVICE_NOT_FOUND },
		{ "VBGTEST", VERR_HGCM_SERVICE_NOT_FOUND },
		{ "vbgtest ", VERR_HGCM_SERVICE_NOT_FOUND },
		{ "", VERR_HGCM_SERVICE_NOT_FOUND },
	};
	size_t i;

	KTAP_ASSERT(t, setup());
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		KTAP_EXPECT_EQ(t, connect_at(REQ, rows[i].name), VINF_HGCM_ASYNC_EXECUTE);
		KTAP_ASSERT(t, wait_done(REQ, 2000));
		KTAP_EXPECT_EQ(t, result(REQ), rows[i].result);
		KTAP_EXPECT_EQ(t, rd32(REQ + 164), 0);
	}
	/* Name not terminated within 128 bytes: synchronous, no DONE. */
	hdr(REQ, 168, 60);
	memset(F.ram + REQ + 36, 'a', 128);
	wr32(REQ + 28, 0x1234);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	sleep_ms(20);
	KTAP_EXPECT(t, !done(REQ));
	KTAP_EXPECT_EQ(t, rd32(REQ + 28), 0x1234);
	/* Too small for a connect. */
	hdr(REQ, 164, 60);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	teardown();
}

static void too_many_clients(struct ktap_case_ctx *t)
{
	int i, ok = 0;

	KTAP_ASSERT(t, setup());
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-mode inline"), "ok\n"));
	for (i = 0; i < 2048; i++) {
		connect_at(REQ, VBGTEST_SVC);
		ok += done(REQ) && result(REQ) == 0;
	}
	KTAP_EXPECT_EQ(t, ok, 2048);
	KTAP_EXPECT_EQ(t, connect_at(REQ, VBGTEST_SVC), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, done(REQ));
	KTAP_EXPECT_EQ(t, result(REQ), VERR_HGCM_TOO_MANY_CLIENTS);
	/* Other services count separately. */
	connect_at(REQ, "VBoxGuestPropSvc");
	KTAP_EXPECT_EQ(t, result(REQ), 0);
	teardown();
}

static void disconnect(struct ktap_case_ctx *t)
{
	uint32_t id;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	KTAP_EXPECT_EQ(t, disconnect_at(REQ, id), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), 0);
	KTAP_EXPECT_EQ(t, disconnect_at(REQ, id), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), VERR_HGCM_INVALID_CLIENT_ID);
	KTAP_EXPECT_EQ(t, disconnect_at(REQ, 0), VERR_INVALID_PARAMETER);
	KTAP_EXPECT(t, !done(REQ));
	/* A call to the gone client fails synchronously. */
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VERR_HGCM_INVALID_CLIENT_ID);
	KTAP_EXPECT_EQ(t, counter("hgcm.disconnects"), 3);
	teardown();
}

static void call_client_checks(struct ktap_case_ctx *t)
{
	uint32_t id;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	b_begin(REQ, 63, 0, VBGTEST_FN_WHOAMI, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VERR_INVALID_PARAMETER);
	b_begin(REQ, 63, id + 100, VBGTEST_FN_WHOAMI, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VERR_HGCM_INVALID_CLIENT_ID);
	b_begin(REQ, 62, id + 100, VBGTEST_FN_WHOAMI, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VERR_HGCM_INVALID_CLIENT_ID);
	KTAP_EXPECT(t, !done(REQ));
	/* Wrong parameters are the service's business: asynchronous. */
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), VERR_INVALID_PARAMETER);
	b_begin(REQ, 63, id, 999, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), VERR_NOT_IMPLEMENTED);
	teardown();
}

static void call_echo_page_lists(struct ktap_case_ctx *t)
{
	uint64_t out_pages[2] = { DATA + 10 * PG, DATA + 7 * PG };
	uint32_t id, i, bad = 0;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	for (i = 0; i < 5000; i++)
		*gbuf(0, 100 + i) = vbgtest_pattern(3, i);
	memset(F.ram + DATA + 7 * PG, 0xee, 2 * PG);
	memset(F.ram + DATA + 10 * PG, 0xee, PG);
	KTAP_ASSERT(t, echo_5000(id, out_pages));
	KTAP_EXPECT_EQ(t, rd32(pe(2) + 4), 5000);
	/* Out buffer: 4046 bytes in page 10 from offset 50, rest in page 7. */
	for (i = 0; i < 5000; i++) {
		uint8_t got = i < PG - 50 ? F.ram[DATA + 10 * PG + 50 + i] :
					    F.ram[DATA + 7 * PG + i - (PG - 50)];

		bad += got != vbgtest_pattern(3, i);
	}
	KTAP_EXPECT_EQ(t, bad, 0);
	KTAP_EXPECT_EQ(t, F.ram[DATA + 10 * PG + 49], 0xee);
	KTAP_EXPECT_EQ(t, F.ram[DATA + 7 * PG + 5000 - (PG - 50)], 0xee);
	/* A plain page list keeps its size field. */
	KTAP_EXPECT_EQ(t, rd32(pe(1) + 4), 5000);
	ctl("counters");
	KTAP_EXPECT_EQ(t, counter("hgcm.calls"), 1);
	KTAP_EXPECT_EQ(t, counter("hgcm.bytes_in"), 5000);
	KTAP_EXPECT_EQ(t, counter("hgcm.bytes_out"), 5000);
	KTAP_EXPECT_EQ(t, counter("hgcm.pages"), 4);
	KTAP_EXPECT_EQ(t, counter("hgcm.param.10"), 2);
	KTAP_EXPECT_EQ(t, counter("hgcm.param.1"), 1);
	teardown();
}

/*
 * hgcm-watch: page-list pages on the watch list are counted as user pages
 * and the bytes moved through them as user bytes; after hgcm-watch-clear
 * nothing is.
 */
static void call_watched_pages(struct ktap_case_ctx *t)
{
	uint64_t out_pages[2] = { DATA + 10 * PG, DATA + 7 * PG };
	uint64_t list = DATA + 100 * PG;
	char cmd[64];
	uint32_t id;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	/* Watched: the first in page and both out pages. */
	wr64(list, DATA);
	wr64(list + 8, DATA + 10 * PG + 12);	/* low bits ignored */
	wr64(list + 16, DATA + 7 * PG);
	snprintf(cmd, sizeof(cmd), "hgcm-watch %#llx 3", (unsigned long long)list);
	KTAP_EXPECT(t, !strcmp(ctl(cmd), "ok 3\n"));
	KTAP_EXPECT(t, !strncmp(ctl("hgcm-watch"), "err", 3));
	KTAP_EXPECT(t, !strncmp(ctl("hgcm-watch 0x1000 0"), "err", 3));
	KTAP_EXPECT(t, !strncmp(ctl("hgcm-watch 0xa10000 1"), "err", 3));
	KTAP_EXPECT_EQ(t, hgcm_state("watched_pages"), 3);
	KTAP_ASSERT(t, echo_5000(id, out_pages));
	KTAP_EXPECT_EQ(t, counter("hgcm.pages"), 4);
	KTAP_EXPECT_EQ(t, counter("hgcm.user_pages"), 3);
	/* In: 3996 bytes of page 0; out: all 5000. */
	KTAP_EXPECT_EQ(t, counter("hgcm.user_bytes"), 3996 + 5000);
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-watch-clear"), "ok\n"));
	KTAP_EXPECT_EQ(t, hgcm_state("watched_pages"), 0);
	KTAP_ASSERT(t, echo_5000(id, out_pages));
	KTAP_EXPECT_EQ(t, counter("hgcm.pages"), 8);
	KTAP_EXPECT_EQ(t, counter("hgcm.user_pages"), 3);
	KTAP_EXPECT_EQ(t, counter("hgcm.user_bytes"), 3996 + 5000);
	teardown();
}

static void call32_embedded(struct ktap_case_ctx *t)
{
	uint8_t in[100];
	uint32_t id, off_out, i;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 1);
	b_begin(REQ, 62, id, VBGTEST_FN_ECHO, 3);
	b_embedded(0, 1, sizeof(in), in);
	off_out = b_embedded(1, 2, 200, NULL);
	b_u32(2, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(pe(2) + 4), 100);
	KTAP_EXPECT(t, !memcmp(F.ram + REQ + off_out, in, sizeof(in)));
	/* Embedded size is updated to what the service produced. */
	KTAP_EXPECT_EQ(t, rd32(pe(1) + 8), 100);
	KTAP_EXPECT_EQ(t, rd32(pe(0) + 8), 100);
	teardown();
}

static void call_fill_contiguous_nobounce(struct ktap_case_ctx *t)
{
	uint64_t nb[3] = { DATA + 20 * PG + 200, DATA + 30 * PG, DATA + 25 * PG };
	uint32_t id, i, bad = 0;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	/* Contiguous: one run from page 0 + 300, 6000 bytes. */
	b_begin(REQ, 63, id, VBGTEST_FN_FILL, 2);
	b_pages_at(0, 12, 6000, 2, 300, 1, 0, 0);
	b_u32(1, 9);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), 0);
	for (i = 0; i < 6000; i++)
		bad += *gbuf(0, 300 + i) != vbgtest_pattern(9, i);
	KTAP_EXPECT_EQ(t, bad, 0);
	KTAP_EXPECT_EQ(t, rd32(pe(0) + 4), 6000);
	/* No-bounce: 3 pages for 200 + 8000 bytes, first address carries the offset. */
	b_begin(REQ, 63, id, VBGTEST_FN_FILL, 2);
	b_pages(0, 13, 8000, 2, 200, 3, nb);
	b_u32(1, 77);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), 0);
	bad = 0;
	for (i = 0; i < 8000; i++) {
		uint64_t a = i < PG - 200 ? DATA + 20 * PG + 200 + i :
			     i < 2 * PG - 200 ? DATA + 30 * PG + i - (PG - 200) :
			     DATA + 25 * PG + i - (2 * PG - 200);

		bad += F.ram[a] != vbgtest_pattern(77, i);
	}
	KTAP_EXPECT_EQ(t, bad, 0);
	KTAP_EXPECT_EQ(t, counter("hgcm.param.12"), 1);
	KTAP_EXPECT_EQ(t, counter("hgcm.param.13"), 1);
	teardown();
}

static void call_check_xor(struct ktap_case_ctx *t)
{
	uint32_t id, i, bad = 0;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	for (i = 0; i < 3 * PG; i++)
		*gbuf(40, i) = vbgtest_pattern(5, i);
	b_begin(REQ, 63, id, VBGTEST_FN_CHECK, 3);
	b_pages_at(0, 10, 3 * PG, 1, 0, 3, 40, 1);
	b_u32(1, 5);
	b_u32(2, 0);
	b_submit();
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, rd32(pe(2) + 4), 0xffffffff);
	*gbuf(40, 5000) ^= 1;
	b_begin(REQ, 63, id, VBGTEST_FN_CHECK, 3);
	b_pages_at(0, 10, 3 * PG, 1, 0, 3, 40, 1);
	b_u32(1, 5);
	b_u32(2, 0);
	b_submit();
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, rd32(pe(2) + 4), 5000);
	/* XOR in place, both directions. */
	*gbuf(40, 5000) ^= 1;
	b_begin(REQ, 63, id, VBGTEST_FN_XOR, 2);
	b_pages_at(0, 10, 3 * PG, 3, 0, 3, 40, 1);
	b_u32(1, 0x1ff);
	b_submit();
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	for (i = 0; i < 3 * PG; i++) {
		uint8_t want = vbgtest_pattern(5, i) ^ 0xff;

		bad += *gbuf(40, i) != want;
	}
	KTAP_EXPECT_EQ(t, bad, 0);
	teardown();
}

static void call_linear(struct ktap_case_ctx *t)
{
	static const uint32_t rejected[] = { 0, 3, 7, 8, 9, 14, 0x10000 };
	uint32_t id, i;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	/* Empty linear buffers are harmless. */
	b_begin(REQ, 63, id, VBGTEST_FN_ECHO, 3);
	b_raw(0, 5, 0, 0x1000);
	b_raw(1, 6, 0, 0x2000);
	b_u32(2, 99);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(pe(2) + 4), 0);
	b_begin(REQ, 62, id, VBGTEST_FN_CHECK, 3);
	b_raw(0, 4, 0, 0x1000);
	b_u32(1, 0);
	b_u32(2, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, rd32(pe(2) + 4), 0xffffffff);
	/* Non-empty linear buffers cannot be emulated. */
	for (i = 4; i <= 6; i++) {
		b_begin(REQ, 63, id, VBGTEST_FN_ECHO, 1);
		b_raw(0, i, 16, 0x1000);
		KTAP_EXPECT_EQ(t, b_submit(), VERR_INVALID_PARAMETER);
	}
	KTAP_EXPECT_EQ(t, counter("hgcm.linear_rejected"), 3);
	for (i = 0; i < ARRAY_SIZE(rejected); i++) {
		b_begin(REQ, 63, id, VBGTEST_FN_ECHO, 1);
		b_raw(0, rejected[i], 0, 0);
		KTAP_EXPECT_EQ(t, b_submit(), VERR_INVALID_PARAMETER);
	}
	KTAP_EXPECT(t, !done(REQ));
	teardown();
}

enum bad_kind { BK_PAGES, BK_EMBEDDED };

static const struct bad_row {
	const char *what;
	enum bad_kind kind;
	uint32_t ptype, size, flags, off, npages;
	int64_t desc_off;	/* -1: the builder's choice */
	uint64_t p0, p1;	/* page addresses (first two) */
	int32_t rc;
} bad_rows[] = {
	{ "ok plain", BK_PAGES, 10, 100, 1, 0, 1, -1, DATA, 0, VINF_HGCM_ASYNC_EXECUTE },
	{ "desc in params", BK_PAGES, 10, 100, 1, 0, 1, 44, DATA, 0, VERR_INVALID_PARAMETER },
	{ "desc past end", BK_PAGES, 10, 100, 1, 0, 1, 1000, DATA, 0, VERR_INVALID_PARAMETER },
	{ "flags 0", BK_PAGES, 10, 100, 0, 0, 1, -1, DATA, 0, VERR_INVALID_FLAGS },
	{ "flags 4", BK_PAGES, 10, 100, 4, 0, 1, -1, DATA, 0, VERR_INVALID_FLAGS },
	{ "flags 7", BK_PAGES, 10, 100, 7, 0, 1, -1, DATA, 0, VERR_INVALID_FLAGS },
	{ "offset 4096", BK_PAGES, 10, 100, 1, 4096, 1, -1, DATA, 0, VERR_INVALID_PARAMETER },
	{ "no pages", BK_PAGES, 10, 0, 1, 0, 0, -1, DATA, 0, VERR_INVALID_PARAMETER },
	{ "zero size one page", BK_PAGES, 10, 0, 1, 0, 1, -1, DATA, 0, VINF_HGCM_ASYNC_EXECUTE },
	{ "pages past end", BK_PAGES, 10, 100, 1, 0, 200, -1, DATA, 0, VERR_INVALID_PARAMETER },
	{ "too few pages", BK_PAGES, 10, 5000, 1, 0, 1, -1, DATA, 0, VERR_INVALID_PARAMETER },
	{ "extra pages ok", BK_PAGES, 10, 100, 1, 0, 2, -1, DATA, DATA + PG, VINF_HGCM_ASYNC_EXECUTE },
	{ "plain unaligned", BK_PAGES, 10, 100, 1, 0, 1, -1, DATA + 8, 0, VERR_INVALID_POINTER },
	{ "plain all-ones skipped", BK_PAGES, 10, 100, 1, 0, 1, -1, ~0ull, 0, VINF_HGCM_ASYNC_EXECUTE },
	{ "not RAM", BK_PAGES, 10, 100, 1, 0, 1, -1, FX_HOLE_START, 0, VERR_INVALID_PARAMETER },
	{ "not RAM, out only", BK_PAGES, 10, 100, 2, 0, 1, -1, FX_HOLE_START, 0, VINF_HGCM_ASYNC_EXECUTE },
	{ "too big", BK_PAGES, 10, (128u << 20) + 1, 1, 0, 1, -1, DATA, 0, VERR_INVALID_PARAMETER },
	{ "contig 2 pages", BK_PAGES, 12, 100, 1, 0, 2, -1, DATA, DATA + PG, VERR_INVALID_PARAMETER },
	{ "contig long", BK_PAGES, 12, 3 * PG, 1, 0, 1, -1, DATA, 0, VINF_HGCM_ASYNC_EXECUTE },
	{ "contig offset in addr", BK_PAGES, 12, 10, 1, 16, 1, -1, DATA + 16, 0, VINF_HGCM_ASYNC_EXECUTE },
	{ "contig bad low bits", BK_PAGES, 12, 10, 1, 16, 1, -1, DATA + 8, 0, VERR_INVALID_POINTER },
	{ "nobounce count", BK_PAGES, 13, 5000, 1, 0, 1, -1, DATA, 0, VERR_INVALID_PARAMETER },
	{ "nobounce extra", BK_PAGES, 13, 100, 1, 0, 2, -1, DATA, DATA + PG, VERR_INVALID_PARAMETER },
	{ "nobounce ok", BK_PAGES, 13, 5000, 1, 0, 2, -1, DATA, DATA + 3 * PG, VINF_HGCM_ASYNC_EXECUTE },
	{ "nobounce 2nd unaligned", BK_PAGES, 13, 5000, 1, 0, 2, -1, DATA, DATA + 3 * PG + 4, VERR_INVALID_POINTER },
	{ "nobounce offset in addr", BK_PAGES, 13, 100, 1, 64, 1, -1, DATA + 64, 0, VINF_HGCM_ASYNC_EXECUTE },
	{ "nobounce wrong low bits", BK_PAGES, 13, 100, 1, 64, 1, -1, DATA + 32, 0, VERR_INVALID_POINTER },
	{ "embedded ok", BK_EMBEDDED, 11, 64, 3, 0, 0, -1, 0, 0, VINF_HGCM_ASYNC_EXECUTE },
	{ "embedded flags 0", BK_EMBEDDED, 11, 64, 0, 0, 0, -1, 0, 0, VERR_INVALID_FLAGS },
	{ "embedded flags 8", BK_EMBEDDED, 11, 64, 8, 0, 0, -1, 0, 0, VERR_INVALID_FLAGS },
	{ "embedded in params", BK_EMBEDDED, 11, 8, 1, 0, 0, 44, 0, 0, VERR_INVALID_PARAMETER },
	{ "embedded past end", BK_EMBEDDED, 11, 64, 1, 0, 0, 40000, 0, 0, VERR_INVALID_PARAMETER },
	{ "embedded too long", BK_EMBEDDED, 11, 100000, 1, 0, 0, -1, 0, 0, VERR_INVALID_PARAMETER },
};

static void bad_descriptors(struct ktap_case_ctx *t)
{
	uint32_t id;
	size_t i;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	for (i = 0; i < ARRAY_SIZE(bad_rows); i++) {
		const struct bad_row *r = &bad_rows[i];
		int32_t rc;

		/* XOR: buffer in/out and a key; the service accepts any buffer. */
		b_begin(REQ, 63, id, VBGTEST_FN_XOR, 2);
		b_u32(1, 0);
		if (r->kind == BK_PAGES) {
			uint64_t pages[200] = { r->p0, r->p1 };
			uint32_t desc;

			desc = b_pages(0, r->ptype, r->size, r->flags, (uint16_t)r->off,
				       (uint16_t)r->npages, pages);
			if (r->desc_off >= 0)
				wr32(pe(0) + 8, (uint32_t)r->desc_off);
			if (r->npages > 100)	/* claim more than the request holds */
				B.end = desc + 8 + 8 * 10;
		} else {
			uint32_t off = b_embedded(0, r->flags, r->size > 4096 ? 8 : r->size, NULL);

			if (r->desc_off >= 0)
				off = (uint32_t)r->desc_off;
			wr32(pe(0) + 4, r->flags | off << 8);
			wr32(pe(0) + 8, r->size);
		}
		rc = b_submit();
		if (rc != r->rc)
			printf("    # %s: %d\n", r->what, rc);
		KTAP_EXPECT_EQ(t, rc, r->rc);
		if (rc == VINF_HGCM_ASYNC_EXECUTE)
			KTAP_EXPECT(t, wait_done(REQ, 2000));
	}
	teardown();
}

static void parameter_count(struct ktap_case_ctx *t)
{
	uint32_t id, i;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 33);
	for (i = 0; i < 33; i++)
		b_u32(i, i);
	KTAP_EXPECT_EQ(t, b_submit(), VERR_INVALID_PARAMETER);
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 32);
	for (i = 0; i < 32; i++)
		b_u32(i, i);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), VERR_INVALID_PARAMETER);	/* service: "uu" */
	/* Two entries claimed, room for one 16-byte entry only. */
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0);
	b_u32(1, 0);
	B.end = 44 + 16 + 12;
	KTAP_EXPECT_EQ(t, b_submit(), VERR_INVALID_PARAMETER);
	/* The same bytes are enough for two 12-byte entries. */
	b_begin(REQ, 62, id, VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0);
	b_u32(1, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(pe(1) + 4), id);
	teardown();
}

static void host_features_gate_types(struct ktap_case_ctx *t)
{
	uint32_t id;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	ctl("features 0x1");
	b_begin(REQ, 63, id, VBGTEST_FN_XOR, 2);
	b_embedded(0, 3, 8, NULL);
	b_u32(1, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VERR_INVALID_PARAMETER);
	b_begin(REQ, 63, id, VBGTEST_FN_XOR, 2);
	b_pages_at(0, 12, 8, 3, 0, 1, 0, 0);
	b_u32(1, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VERR_INVALID_PARAMETER);
	b_begin(REQ, 63, id, VBGTEST_FN_XOR, 2);
	b_pages_at(0, 10, 8, 3, 0, 1, 0, 0);
	b_u32(1, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, wait_done(REQ, 2000));
	teardown();
}

static void budget_per_call(struct ktap_case_ctx *t)
{
	uint32_t id, npages = (100u << 20) / PG;
	uint64_t *pages = malloc(8ull * npages);
	uint32_t k;

	KTAP_ASSERT(t, pages);
	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	for (k = 0; k < npages; k++)
		pages[k] = DATA;
	/* Each parameter is allowed; together they exceed 128 MiB. */
	b_begin(0x100000, 63, id, VBGTEST_FN_ECHO, 3);
	b_pages(0, 10, (64u << 20) - PG, 1, 0, 16383, pages);
	b_pages(1, 10, (64u << 20) - PG, 2, 0, 16383, pages);
	b_pages(2, 10, 4 * PG, 2, 0, 4, pages);	/* 128 MiB + 8 KiB in total */
	KTAP_EXPECT_EQ(t, b_submit(), VERR_NO_MEMORY);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 0);
	free(pages);
	teardown();
}

static void completion_order(struct ktap_case_ctx *t)
{
	uint32_t id, size, i;
	int whole = -1, flag = -1, irq = -1, rcw = -1;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	ctl("hgcm-delay 50");
	b_begin(REQ, 63, id, VBGTEST_FN_ECHO, 3);
	b_pages_at(0, 10, 100, 1, 0, 1, 0, 0);
	b_pages_at(1, 10, 100, 2, 0, 1, 5, 0);
	b_u32(2, 0);
	size = B.end;
	/* Take the connect's event so the call's can raise the line. */
	vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4);
	pthread_mutex_lock(&R.lock);
	R.rec_lo = REQ;
	R.rec_hi = REQ + size;
	R.nrec = 0;
	R.recording = true;
	pthread_mutex_unlock(&R.lock);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, !done(REQ));
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	sleep_ms(10);
	pthread_mutex_lock(&R.lock);
	R.recording = false;
	for (i = 0; i < (uint32_t)R.nrec; i++) {
		const struct wrec *r = &R.rec[i];

		if (r->irq && irq < 0)
			irq = (int)i;
		else if (!r->irq && r->gpa == REQ + 12 && r->len == 4 && rcw < 0)
			rcw = (int)i;
		else if (!r->irq && r->gpa == REQ && r->len == size)
			whole = (int)i;
		else if (!r->irq && r->gpa == REQ + 24 && r->len == 4)
			flag = (int)i;
	}
	/* The whole-request write does not carry DONE yet. */
	if (whole >= 0)
		KTAP_EXPECT_EQ(t, R.rec[whole].flags & 1, 0);
	pthread_mutex_unlock(&R.lock);
	KTAP_EXPECT(t, rcw == 0);		/* submission: rc only */
	KTAP_EXPECT(t, rcw < whole);
	KTAP_EXPECT(t, whole >= 0 && whole < flag);
	KTAP_EXPECT(t, irq > flag);
	KTAP_EXPECT_EQ(t, result(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ + 12), VINF_HGCM_ASYNC_EXECUTE);
	teardown();
}

static void output_before_request(struct ktap_case_ctx *t)
{
	uint32_t id, size, i;
	int page = -1, whole = -1;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	b_begin(REQ, 63, id, VBGTEST_FN_FILL, 2);
	b_pages_at(0, 10, 100, 2, 0, 1, 5, 0);
	b_u32(1, 1);
	size = B.end;
	pthread_mutex_lock(&R.lock);
	R.rec_lo = REQ;			/* the request and the page */
	R.rec_hi = DATA + 6 * PG;
	R.nrec = 0;
	R.recording = true;
	pthread_mutex_unlock(&R.lock);
	b_submit();
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	pthread_mutex_lock(&R.lock);
	R.recording = false;
	for (i = 0; i < (uint32_t)R.nrec; i++) {
		if (R.rec[i].gpa == DATA + 5 * PG)
			page = (int)i;
		if (R.rec[i].gpa == REQ && R.rec[i].len == size)
			whole = (int)i;
	}
	pthread_mutex_unlock(&R.lock);
	KTAP_EXPECT(t, page >= 0 && page < whole);
	KTAP_EXPECT_EQ(t, *gbuf(5, 0), vbgtest_pattern(1, 0));
	teardown();
}

static void inline_mode(struct ktap_case_ctx *t)
{
	uint32_t id;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	ctl("hgcm-mode inline");
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0);
	b_u32(1, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, done(REQ));		/* before the OUT returned */
	KTAP_EXPECT_EQ(t, result(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(pe(1) + 4), id);
	/* Connect and disconnect complete inline too. */
	KTAP_EXPECT_EQ(t, connect_at(REQ2, VBGTEST_SVC), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, done(REQ2));
	KTAP_EXPECT_EQ(t, disconnect_at(REQ2, rd32(REQ2 + 164)), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, done(REQ2));
	KTAP_EXPECT_EQ(t, result(REQ2), 0);
	/* A service delay still goes through the worker. */
	b_begin(REQ, 63, id, VBGTEST_FN_DELAY, 1);
	b_u32(0, 100);
	b_submit();
	KTAP_EXPECT(t, !done(REQ));
	KTAP_EXPECT(t, wait_done(REQ, 2000));
	teardown();
}

static int32_t cancel2(uint64_t addr)
{
	hdr(CTL_REQ, 28, 65);
	wr32(CTL_REQ + 24, (uint32_t)addr);
	return submit(CTL_REQ);
}

static void never_mode_cancel2(struct ktap_case_ctx *t)
{
	uint8_t snap[128];
	uint32_t id;
	int up;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	ctl("hgcm-mode never");
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0x5555);
	b_u32(1, 0x6666);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	sleep_ms(100);
	KTAP_EXPECT(t, !done(REQ));
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 1);
	memcpy(snap, F.ram + REQ, sizeof(snap));
	up = irq_ups();
	KTAP_EXPECT_EQ(t, cancel2(REQ), 0);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 0);
	sleep_ms(50);
	KTAP_EXPECT(t, !memcmp(snap, F.ram + REQ, sizeof(snap)));
	KTAP_EXPECT_EQ(t, irq_ups(), up);	/* no event for a cancelled call */
	KTAP_EXPECT_EQ(t, cancel2(REQ), VERR_NOT_FOUND);
	KTAP_EXPECT_EQ(t, cancel2(0), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, cancel2(0xffffffff), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, counter("hgcm.cancels"), 4);
	KTAP_EXPECT_EQ(t, counter("hgcm.cancelled"), 1);
	KTAP_EXPECT_EQ(t, counter("hgcm.cancel_not_found"), 1);
	/* Connects still complete in never mode (only calls hang). */
	KTAP_EXPECT_EQ(t, connect_at(REQ2, VBGTEST_SVC), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, wait_done(REQ2, 2000));
	/* The 7.1 64-bit form of cancel2. */
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0);
	b_u32(1, 0);
	b_submit();
	hdr(CTL_REQ, 32, 65);
	wr64(CTL_REQ + 24, REQ);
	KTAP_EXPECT_EQ(t, submit(CTL_REQ), 0);
	teardown();
}

static void legacy_cancel(struct ktap_case_ctx *t)
{
	uint32_t id;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	ctl("hgcm-mode never");
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0);
	b_u32(1, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	/* The guest turns the call into a cancel at the same address. */
	wr32(REQ + 8, 64);
	KTAP_EXPECT_EQ(t, submit(REQ), 0);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 0);
	KTAP_EXPECT(t, !done(REQ));
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_INVALID_PARAMETER);
	teardown();
}

static void cancel_after_completion(struct ktap_case_ctx *t)
{
	uint32_t id;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0);
	b_u32(1, 0);
	b_submit();
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, cancel2(REQ), VERR_NOT_FOUND);
	KTAP_EXPECT_EQ(t, cancel2(REQ2), VERR_NOT_FOUND);
	teardown();
}

static void delay_then_cancel(struct ktap_case_ctx *t)
{
	uint8_t snap[96];
	uint32_t id;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-delay 300"), "ok\n"));
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0);
	b_u32(1, 0);
	b_submit();
	sleep_ms(50);
	KTAP_EXPECT(t, !done(REQ));
	memcpy(snap, F.ram + REQ, sizeof(snap));
	KTAP_EXPECT_EQ(t, cancel2(REQ), 0);
	sleep_ms(400);
	KTAP_EXPECT(t, !memcmp(snap, F.ram + REQ, sizeof(snap)));
	/* Without cancel it completes after the delay. */
	b_submit();
	sleep_ms(100);
	KTAP_EXPECT(t, !done(REQ));
	KTAP_EXPECT(t, wait_done(REQ, 2000));
	/* The same delay in microseconds (hgcm-delay-us). */
	ctl("hgcm-delay 0");
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-delay-us 300000"), "ok\n"));
	wr32(REQ + 24, 0);	/* not done */
	b_submit();
	sleep_ms(100);
	KTAP_EXPECT(t, !done(REQ));
	KTAP_EXPECT(t, wait_done(REQ, 2000));
	teardown();
}

static void service_delay_and_status(struct ktap_case_ctx *t)
{
	static const int32_t statuses[] = { 0, -42, 78, VERR_INTERRUPTED, 0x7fffffff };
	uint32_t id;
	size_t i;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	b_begin(REQ, 63, id, VBGTEST_FN_DELAY, 1);
	b_u32(0, 150);
	b_submit();
	sleep_ms(50);
	KTAP_EXPECT(t, !done(REQ));
	KTAP_EXPECT(t, wait_done(REQ, 2000));
	for (i = 0; i < ARRAY_SIZE(statuses); i++) {
		b_begin(REQ, 63, id, VBGTEST_FN_STATUS, 1);
		b_u32(0, (uint32_t)statuses[i]);
		KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
		KTAP_ASSERT(t, wait_done(REQ, 2000));
		KTAP_EXPECT_EQ(t, result(REQ), statuses[i]);
	}
	teardown();
}

static void never_fn_and_disconnect(struct ktap_case_ctx *t)
{
	uint8_t snap[64];
	uint32_t id, id2;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	id2 = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id && id2);
	/* NEVER keeps the call in the service; cancel2 tells it. */
	b_begin(REQ, 63, id, VBGTEST_FN_NEVER, 0);
	b_submit();
	sleep_ms(50);
	KTAP_EXPECT(t, !done(REQ));
	KTAP_EXPECT_EQ(t, cancel2(REQ), 0);
	/*
	 * A disconnect does not end the calls the service leaves alone
	 * (spec 7.6: a pending call stays until completed, cancelled or a
	 * reset): nothing written, and a cancel still finds it.
	 */
	b_begin(REQ, 63, id, VBGTEST_FN_NEVER, 0);
	b_submit();
	b_begin(REQ2, 63, id2, VBGTEST_FN_NEVER, 0);
	b_submit();
	sleep_ms(50);
	memcpy(snap, F.ram + REQ, sizeof(snap));
	KTAP_EXPECT_EQ(t, disconnect_wait(id), 0);
	sleep_ms(20);
	KTAP_EXPECT(t, !memcmp(snap, F.ram + REQ, sizeof(snap)));
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 2);
	KTAP_EXPECT_EQ(t, counter("hgcm.orphaned"), 1);
	KTAP_EXPECT_EQ(t, counter("hgcm.cancelled"), 1);
	KTAP_EXPECT_EQ(t, cancel2(REQ), 0);
	KTAP_EXPECT_EQ(t, counter("hgcm.cancelled"), 2);
	KTAP_EXPECT(t, !memcmp(snap, F.ram + REQ, sizeof(snap)));
	KTAP_EXPECT_EQ(t, cancel2(REQ2), 0);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 0);
	teardown();
}

/*
 * Calls a disconnect left pending (one the service holds, one still
 * queued) end as any pending call: a late host completion writes them, a
 * device reset drops them without a write.
 */
static void calls_left_at_disconnect_finish_or_reset(struct ktap_case_ctx *t)
{
	uint8_t snap[64];
	uint32_t id;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	b_begin(REQ, 63, id, VBGTEST_FN_NEVER, 0);
	b_submit();
	sleep_ms(50);
	ctl("hgcm-mode never");		/* calls wait; connects do not */
	b_begin(REQ2, 63, id, VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0);
	b_u32(1, 0);
	b_submit();
	KTAP_EXPECT_EQ(t, disconnect_wait(id), 0);
	KTAP_EXPECT_EQ(t, hgcm_state("clients"), 0);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 2);
	KTAP_EXPECT(t, !done(REQ) && !done(REQ2));
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-finish"), "ok 2\n"));
	KTAP_EXPECT(t, done(REQ) && done(REQ2));
	KTAP_EXPECT_EQ(t, result(REQ), VERR_INTERRUPTED);
	KTAP_EXPECT_EQ(t, result(REQ2), VERR_INTERRUPTED);
	/* Again, and a device reset this time: dropped, nothing written. */
	ctl("hgcm-mode async");
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	b_begin(REQ, 63, id, VBGTEST_FN_NEVER, 0);
	b_submit();
	sleep_ms(50);
	KTAP_EXPECT_EQ(t, disconnect_wait(id), 0);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 1);
	memcpy(snap, F.ram + REQ, sizeof(snap));
	KTAP_EXPECT(t, !strcmp(ctl("device-reset"), "ok\n"));
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 0);
	sleep_ms(20);
	KTAP_EXPECT(t, !memcmp(snap, F.ram + REQ, sizeof(snap)));
	teardown();
}

/* A call the service answered (DELAY) completes although its client left. */
static void answered_call_completes_after_disconnect(struct ktap_case_ctx *t)
{
	uint32_t id;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	b_begin(REQ, 63, id, VBGTEST_FN_DELAY, 1);
	b_u32(0, 300);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	sleep_ms(50);
	KTAP_EXPECT_EQ(t, disconnect_wait(id), 0);
	KTAP_EXPECT(t, wait_done(REQ, 3000));
	KTAP_EXPECT_EQ(t, result(REQ), 0);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 0);
	teardown();
}

/* A broken host: cancels refused or "not found", answers after all. */
static void broken_cancel_and_late_finish(struct ktap_case_ctx *t)
{
	uint8_t snap[64];
	uint32_t id;
	int up;

	KTAP_ASSERT(t, setup());
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-cancel refuse"), "ok\n"));
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	ctl("hgcm-mode never");
	b_echo4(id);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT_EQ(t, cancel2(REQ), VERR_NOT_SUPPORTED);
	/* Legacy cancel: the guest rewrote the type; refused the same way. */
	wr32(REQ + 8, 64);
	KTAP_EXPECT_EQ(t, submit(REQ), VERR_NOT_SUPPORTED);
	wr32(REQ + 8, 63);
	KTAP_EXPECT_EQ(t, counter("hgcm.cancel_refused"), 2);
	KTAP_EXPECT(t, !done(REQ));
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-cancel not-found"), "ok\n"));
	KTAP_EXPECT_EQ(t, cancel2(REQ), VERR_NOT_FOUND);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 1);
	/* A NEVER call held by the service, a disconnect that stalls. */
	b_begin(REQ2, 63, id, VBGTEST_FN_NEVER, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-mode stall"), "ok\n"));
	KTAP_EXPECT_EQ(t, disconnect_at(REQ3, id), VINF_HGCM_ASYNC_EXECUTE);
	sleep_ms(100);
	KTAP_EXPECT(t, !done(REQ3));
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 3);
	memcpy(snap, F.ram + REQ, sizeof(snap));
	KTAP_EXPECT(t, !memcmp(snap, F.ram + REQ, sizeof(snap)));
	/* Late: everything completes now, interrupted, with the event. */
	vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4);	/* ack: line low */
	KTAP_EXPECT_EQ(t, irq_level(), 0);
	up = irq_ups();
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-finish"), "ok 3\n"));
	KTAP_EXPECT_EQ(t, irq_level(), 1);
	KTAP_EXPECT(t, done(REQ) && done(REQ2) && done(REQ3));
	KTAP_EXPECT_EQ(t, result(REQ), VERR_INTERRUPTED);
	KTAP_EXPECT_EQ(t, result(REQ2), VERR_INTERRUPTED);
	KTAP_EXPECT_EQ(t, result(REQ3), VERR_INTERRUPTED);
	KTAP_EXPECT_EQ(t, irq_ups(), up + 1);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 0);
	KTAP_EXPECT_EQ(t, hgcm_state("clients"), 1);	/* never disconnected */
	KTAP_EXPECT_EQ(t, counter("hgcm.finished"), 3);
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-finish"), "ok 0\n"));
	/* Back to a sane host: a cancel drops again. */
	ctl("hgcm-mode never");
	ctl("hgcm-cancel ok");
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 0);
	b_submit();
	KTAP_EXPECT_EQ(t, cancel2(REQ), 0);
	teardown();
}

/*
 * Broken hosts for make faults: a cancel answered "done" while the command
 * stays (and completes later), output sizes beyond the buffers, changed
 * parameter types, client id 0 from a connect.
 */
static void lying_cancel_and_corrupt_completions(struct ktap_case_ctx *t)
{
	uint32_t id;

	KTAP_ASSERT(t, setup());
	id = connect_svc("vbgtest");
	KTAP_ASSERT(t, id != 0);
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-cancel lie"), "ok\n"));
	ctl("hgcm-mode never");
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0);
	b_u32(1, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT_EQ(t, cancel2(REQ), 0);
	KTAP_EXPECT_EQ(t, counter("hgcm.cancel_lied"), 1);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 1);
	KTAP_EXPECT(t, !done(REQ));
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-finish"), "ok 1\n"));
	KTAP_EXPECT(t, done(REQ));
	ctl("hgcm-cancel ok");
	ctl("hgcm-mode async");

	/* Sizes: 4096 bytes more than each buffer holds; nothing more moved. */
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-corrupt size"), "ok\n"));
	b_echo4(id);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, rd32(pe(1) + 8), 4 + 4096);
	KTAP_EXPECT_EQ(t, counter("hgcm.bytes_out"), 4);
	/* Types: a u32 comes back as a u64, a buffer as a u32. */
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-corrupt type"), "ok\n"));
	b_echo4(id);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, rd32(pe(2)), 2);
	KTAP_EXPECT_EQ(t, rd32(pe(1)), 1);
	/* Client id 0 from a connect that succeeded. */
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-corrupt client0"), "ok\n"));
	KTAP_EXPECT_EQ(t, connect_at(REQ3, "vbgtest"), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ3, 2000));
	KTAP_EXPECT_EQ(t, result(REQ3), 0);
	KTAP_EXPECT_EQ(t, rd32(REQ3 + 164), 0);
	KTAP_EXPECT_EQ(t, hgcm_state("clients"), 2);
	KTAP_EXPECT(t, !strncmp(ctl("hgcm-corrupt bogus"), "err", 3));
	KTAP_EXPECT(t, !strcmp(ctl("hgcm-corrupt none"), "ok\n"));
	KTAP_EXPECT(t, connect_svc("vbgtest") != 0);
	teardown();
}

static void per_client_call_limit(struct ktap_case_ctx *t)
{
	uint32_t id, i, ok = 0;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	ctl("hgcm-mode never");
	for (i = 0; i < 8192; i++) {
		b_begin(REQ + (i % 4) * 64, 63, id, VBGTEST_FN_WHOAMI, 0);
		ok += b_submit() == VINF_HGCM_ASYNC_EXECUTE;
	}
	KTAP_EXPECT_EQ(t, ok, 8192);
	b_begin(REQ2, 63, id, VBGTEST_FN_WHOAMI, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VERR_HGCM_TOO_MANY_CLIENT_CALLS);
	/* Another client is not affected; a cancel makes room. */
	KTAP_EXPECT_EQ(t, cancel2(REQ), 0);
	b_begin(REQ2, 63, id, VBGTEST_FN_WHOAMI, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 8192);
	teardown();
}

static void requestor_with_feature(struct ktap_case_ctx *t)
{
	static const struct { uint32_t features, field, seen; } rows[] = {
		{ 0, 0x106, 0xffffffff },
		{ 1, 0x106, 0x106 },
		{ 1, 0x8001, 0x8001 },
		{ 2, 0x106, 0xffffffff },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		uint32_t id;
		char want[32];

		KTAP_ASSERT(t, setup_features(rows[i].features));
		id = connect_svc(VBGTEST_SVC);
		KTAP_ASSERT(t, id != 0);
		b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 2);
		b_u32(0, 0);
		b_u32(1, 0);
		wr32(REQ + 20, rows[i].field);
		b_submit();
		KTAP_EXPECT(t, wait_done(REQ, 2000));
		KTAP_EXPECT_EQ(t, rd32(pe(0) + 4), rows[i].seen);
		snprintf(want, sizeof(want), "ok 0x%x\n", rows[i].field);
		KTAP_EXPECT(t, !strcmp(ctl("last-requestor 63"), want));
		teardown();
	}
}

static void type_recheck_at_completion(struct ktap_case_ctx *t)
{
	uint32_t id;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	ctl("hgcm-delay 100");
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0x5555);
	b_u32(1, 0x6666);
	b_submit();
	wr32(REQ + 8, 1);		/* the guest scribbles over its request */
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, rd32(pe(0) + 4), 0x5555);
	KTAP_EXPECT_EQ(t, rd32(pe(1) + 4), 0x6666);
	/* Type 64 (legacy cancel) is accepted at completion. */
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0x5555);
	b_u32(1, 0x6666);
	b_submit();
	wr32(REQ + 8, 64);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), 0);
	KTAP_EXPECT_EQ(t, rd32(pe(1) + 4), id);
	teardown();
}

/*
 * A device reset drops clients and pending calls without writing to the
 * guest: QEMU's DEVICE_RESET or the control channel's "device-reset".
 */
static void check_reset_drops(struct ktap_case_ctx *t, bool control)
{
	uint8_t snap[96];
	uint32_t id;

	KTAP_ASSERT(t, setup());
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	ctl("hgcm-mode never");
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0);
	b_u32(1, 0);
	b_submit();
	b_begin(REQ2, 63, id, VBGTEST_FN_NEVER, 0);
	b_submit();
	memcpy(snap, F.ram + REQ, sizeof(snap));
	if (control)
		KTAP_EXPECT(t, !strcmp(ctl("device-reset"), "ok\n"));
	else
		vmmdev_reset(F.dev);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 0);
	KTAP_EXPECT_EQ(t, hgcm_state("clients"), 0);
	sleep_ms(20);
	KTAP_EXPECT(t, !memcmp(snap, F.ram + REQ, sizeof(snap)));
	KTAP_EXPECT(t, !done(REQ2));
	KTAP_ASSERT(t, report(1));
	ctl("hgcm-mode async");
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VERR_HGCM_INVALID_CLIENT_ID);
	teardown();
}

static void reset_drops_everything(struct ktap_case_ctx *t)
{
	check_reset_drops(t, false);
}

static void control_reset_drops_calls(struct ktap_case_ctx *t)
{
	check_reset_drops(t, true);
}

static void event_posted_and_auto_enable(struct ktap_case_ctx *t)
{
	uint32_t id;

	KTAP_ASSERT(t, setup());
	/* The guest masks everything; HGCM still gets in on first use. */
	hdr(CTL_REQ, 32, 42);
	wr32(CTL_REQ + 28, 0xffffffff);
	submit(CTL_REQ);
	id = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, id != 0);
	KTAP_EXPECT(t, irq_ups() >= 1);
	KTAP_EXPECT_EQ(t, vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4), 0x2);
	KTAP_EXPECT_EQ(t, irq_level(), 0);
	b_begin(REQ, 63, id, VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0);
	b_u32(1, 0);
	b_submit();
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	sleep_ms(5);
	KTAP_EXPECT_EQ(t, irq_level(), 1);
	KTAP_EXPECT_EQ(t, vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4), 0x2);
	teardown();
}

/*
 * GET_NOTIFICATION (6) for every property, from now on, by @client at @gpa;
 * *@off: where the output buffer is in the request.
 */
static int32_t gp_wait_at(uint64_t gpa, uint32_t client, uint32_t *off)
{
	b_begin(gpa, 63, client, 6, 4);
	b_embedded(0, 1, 2, "*");
	b_u64(1, 0);
	*off = b_embedded(2, 2, 256, NULL);
	b_u32(3, 0);
	return b_submit();
}

/* The guest property service's wait is completed by another client's set. */
static void guestprop_notification_wakes(struct ktap_case_ctx *t)
{
	static const char name[] = "/test/hgcm/x", value[] = "42";
	uint32_t a, b, off;

	KTAP_ASSERT(t, setup());
	a = connect_svc("VBoxGuestPropSvc");
	b = connect_svc("VBoxGuestPropSvc");
	KTAP_ASSERT(t, a && b);
	KTAP_EXPECT_EQ(t, gp_wait_at(REQ, a, &off), VINF_HGCM_ASYNC_EXECUTE);
	sleep_ms(50);
	KTAP_EXPECT(t, !done(REQ));
	b_begin(REQ2, 63, b, 3, 2);		/* SET_PROP_VALUE */
	b_embedded(0, 1, sizeof(name), name);
	b_embedded(1, 1, sizeof(value), value);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ2, 2000));
	KTAP_EXPECT_EQ(t, result(REQ2), 0);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), 0);
	KTAP_EXPECT(t, !strcmp((char *)F.ram + REQ + off, name));
	KTAP_EXPECT(t, !strcmp((char *)F.ram + REQ + off + sizeof(name), value));
	KTAP_EXPECT(t, rd64(REQ + 44 + 16 + 4) != 0);	/* timestamp out */
	teardown();
}

/* A host-side property set (control channel) wakes a guest's wait. */
static void guestprop_host_set_wakes(struct ktap_case_ctx *t)
{
	static const char name[] = "/test/hgcm/host";
	uint32_t a, off;

	KTAP_ASSERT(t, setup());
	if (!strncmp(ctl("guestprop-readonly 0"), "err unknown command", 19)) {
		teardown();
		KTAP_SKIP(t, "the guest property service has no host commands");
	}
	a = connect_svc("VBoxGuestPropSvc");
	KTAP_ASSERT(t, a != 0);
	KTAP_EXPECT_EQ(t, gp_wait_at(REQ, a, &off), VINF_HGCM_ASYNC_EXECUTE);
	sleep_ms(50);
	KTAP_EXPECT(t, !done(REQ));
	KTAP_EXPECT(t, !strcmp(ctl("guestprop-set /test/hgcm/host hv"), "ok\n"));
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), 0);
	KTAP_EXPECT(t, !strcmp((char *)F.ram + REQ + off, name));
	KTAP_EXPECT(t, !strcmp((char *)F.ram + REQ + off + sizeof(name), "hv"));
	teardown();
}

/* Index of the first recorded 4-byte write at @gpa (a DONE flag), or -1. */
static int rec_find_flag(uint64_t gpa)
{
	int i, at = -1;

	pthread_mutex_lock(&R.lock);
	for (i = 0; i < R.nrec && at < 0; i++)
		if (!R.rec[i].irq && R.rec[i].gpa == gpa && R.rec[i].len == 4)
			at = i;
	pthread_mutex_unlock(&R.lock);
	return at;
}

/*
 * Spec 8.1: a disconnect completes that client's waits with
 * VERR_INTERRUPTED (before the disconnect itself completes); another
 * client's wait goes on.
 */
static void guestprop_disconnect_interrupts_waits(struct ktap_case_ctx *t)
{
	static const char name[] = "/test/hgcm/disc", value[] = "1";
	uint32_t a, b, off;
	int wait_at, disc_at;

	KTAP_ASSERT(t, setup());
	a = connect_svc("VBoxGuestPropSvc");
	b = connect_svc("VBoxGuestPropSvc");
	KTAP_ASSERT(t, a && b);
	KTAP_EXPECT_EQ(t, gp_wait_at(REQ, a, &off), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT_EQ(t, gp_wait_at(REQ2, b, &off), VINF_HGCM_ASYNC_EXECUTE);
	sleep_ms(50);
	KTAP_EXPECT(t, !done(REQ) && !done(REQ2));
	pthread_mutex_lock(&R.lock);
	R.rec_lo = REQ;
	R.rec_hi = REQ3 + 4096;
	R.nrec = 0;
	R.recording = true;
	pthread_mutex_unlock(&R.lock);
	KTAP_EXPECT_EQ(t, disconnect_wait(a), 0);
	KTAP_EXPECT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, result(REQ), VERR_INTERRUPTED);
	pthread_mutex_lock(&R.lock);
	R.recording = false;
	pthread_mutex_unlock(&R.lock);
	wait_at = rec_find_flag(REQ + 24);
	disc_at = rec_find_flag(REQ3 + 24);
	KTAP_EXPECT(t, wait_at >= 0 && wait_at < disc_at);
	KTAP_EXPECT(t, !done(REQ2));
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 1);
	/* b's wait still works. */
	b_begin(REQ, 63, b, 3, 2);		/* SET_PROP_VALUE */
	b_embedded(0, 1, sizeof(name), name);
	b_embedded(1, 1, sizeof(value), value);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ2, 2000));
	KTAP_EXPECT_EQ(t, result(REQ2), 0);
	KTAP_EXPECT(t, !strcmp((char *)F.ram + REQ2 + off, name));
	teardown();
}

/* A device reset drops a guest property wait: no VERR_INTERRUPTED written. */
static void guestprop_reset_drops_waits(struct ktap_case_ctx *t)
{
	uint8_t snap[64];
	uint32_t a, off;

	KTAP_ASSERT(t, setup());
	a = connect_svc("VBoxGuestPropSvc");
	KTAP_ASSERT(t, a != 0);
	KTAP_EXPECT_EQ(t, gp_wait_at(REQ, a, &off), VINF_HGCM_ASYNC_EXECUTE);
	sleep_ms(50);
	memcpy(snap, F.ram + REQ, sizeof(snap));
	KTAP_EXPECT(t, !strcmp(ctl("device-reset"), "ok\n"));
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 0);
	KTAP_EXPECT_EQ(t, hgcm_state("clients"), 0);
	sleep_ms(20);
	KTAP_EXPECT(t, !memcmp(snap, F.ram + REQ, sizeof(snap)));
	teardown();
}

/*
 * The shared-folder mapping wait (22) and the clipboard's message wait
 * (1): the spec says nothing of them at disconnect.  The services forget
 * them, the core keeps them pending (spec 7.6): nothing written, later
 * host events (a share added, the host's clipboard set) do not reach them,
 * and a cancel finds them.
 */
static void sf_clip_waits_left_at_disconnect(struct ktap_case_ctx *t)
{
	uint8_t snap[64], snap2[64];
	uint32_t sf, clip, ver;

	KTAP_ASSERT(t, setup());
	ctl("clip-clear");
	sf = connect_svc("VBoxSharedFolders");
	clip = connect_svc("VBoxSharedClipboard");
	KTAP_ASSERT(t, sf && clip);
	b_begin(REQ, 63, sf, 22, 1);		/* WAIT_FOR_MAPPINGS_CHANGES */
	b_u32(0, 0xfffffff0u);			/* not current: answers at once */
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	ver = rd32(pe(0) + 4);
	b_begin(REQ, 63, sf, 22, 1);
	b_u32(0, ver);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	b_begin(REQ2, 63, clip, 1, 2);		/* GET_HOST_MSG_OLD */
	b_u32(0, 0);
	b_u32(1, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	sleep_ms(50);
	KTAP_EXPECT(t, !done(REQ) && !done(REQ2));
	ctl("sf-list");
	KTAP_EXPECT_EQ(t, reply_val("waits"), 1);
	memcpy(snap, F.ram + REQ, sizeof(snap));
	memcpy(snap2, F.ram + REQ2, sizeof(snap2));
	KTAP_EXPECT_EQ(t, disconnect_wait(sf), 0);
	KTAP_EXPECT_EQ(t, disconnect_wait(clip), 0);
	ctl("sf-list");
	KTAP_EXPECT_EQ(t, reply_val("waits"), 0);
	ctl("clip-get");
	KTAP_EXPECT_EQ(t, reply_val("waits"), 0);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 2);
	KTAP_EXPECT(t, !strncmp(ctl("sf-add hgcmdisc /tmp"), "ok", 2));
	KTAP_EXPECT(t, !strcmp(ctl("clip-set x"), "ok\n"));
	sleep_ms(20);
	KTAP_EXPECT(t, !memcmp(snap, F.ram + REQ, sizeof(snap)));
	KTAP_EXPECT(t, !memcmp(snap2, F.ram + REQ2, sizeof(snap2)));
	KTAP_EXPECT_EQ(t, cancel2(REQ), 0);
	KTAP_EXPECT_EQ(t, cancel2(REQ2), 0);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 0);
	ctl("sf-remove hgcmdisc");
	ctl("clip-clear");
	teardown();
}

static void control_hgcm(struct ktap_case_ctx *t)
{
	static const struct { const char *cmd, *prefix; } rows[] = {
		{ "hgcm-mode", "err" },
		{ "hgcm-mode never", "ok\n" },
		{ "hgcm-mode inline", "ok\n" },
		{ "hgcm-mode async", "ok\n" },
		{ "hgcm-mode async extra", "err" },
		{ "hgcm-mode stall", "ok\n" },
		{ "hgcm-mode async", "ok\n" },
		{ "hgcm-cancel", "err" },
		{ "hgcm-cancel maybe", "err" },
		{ "hgcm-cancel refuse", "ok\n" },
		{ "hgcm-cancel not-found", "ok\n" },
		{ "hgcm-cancel ok", "ok\n" },
		{ "hgcm-finish", "ok 0\n" },
		{ "hgcm-finish now", "err" },
		{ "hgcm-delay", "err" },
		{ "hgcm-delay 0x10", "ok\n" },
		{ "hgcm-delay 1e3", "err" },
		{ "hgcm-state", "mode async\ndelay_ms 16\n" },
		{ "hgcm-delay-us", "err" },
		{ "hgcm-delay-us -1", "err" },
		{ "hgcm-delay-us 1500", "ok\n" },
		{ "hgcm-state", "mode async\ndelay_ms 1\ndelay_us 1500\n" },
	};
	size_t i;

	KTAP_ASSERT(t, setup());
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		ctl(rows[i].cmd);
		if (strncmp(fx_reply, rows[i].prefix, strlen(rows[i].prefix)))
			printf("    # '%s' -> '%s'\n", rows[i].cmd, fx_reply);
		KTAP_EXPECT(t, !strncmp(fx_reply, rows[i].prefix, strlen(rows[i].prefix)));
	}
	teardown();
}

static uint64_t rnd_state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (uint32_t)((rnd_state * 0x2545f4914f6cdd1dull) >> 32);
}

static uint64_t rnd_page(void)
{
	switch (rnd() % 6) {
	case 0:
		return FX_HOLE_START + (rnd() % 16) * PG;
	case 1:
		return ~0ull;
	case 2:
		return ((uint64_t)rnd() << 12) | (rnd() % 2 ? 0 : rnd() % PG);
	default:
		return DATA + (rnd() % 256) * PG;
	}
}

/*
 * Random calls: random parameter types, sizes, descriptors and pages, from
 * random clients, in random modes, with random cancels, disconnects and
 * resets.  Nothing may crash and the core must still work afterwards.
 */
static void fuzz_calls(struct ktap_case_ctx *t)
{
	static const char *const modes[] = {
		"hgcm-mode async", "hgcm-mode inline", "hgcm-mode never",
		"hgcm-delay 0", "hgcm-delay 1",
	};
	uint32_t ids[4] = { 0 }, i, k;
	int accepted = 0;

	KTAP_ASSERT(t, setup());
	for (i = 0; i < 4; i++)
		ids[i] = connect_svc(i % 2 ? "VBoxGuestPropSvc" : VBGTEST_SVC);
	for (i = 0; i < 4000; i++) {
		uint64_t gpa = REQ + (rnd() % 4) * 0x4000;
		uint32_t n = rnd() % 7, type = rnd() % 2 ? 63 : 62;
		uint32_t id = rnd() % 16 ? ids[rnd() % 4] : rnd() % 8;

		b_begin(gpa, type, id, 1 + rnd() % 10, n);
		for (k = 0; k < n; k++) {
			uint32_t pt = rnd() % 8 ? (uint32_t[]){ 1, 2, 10, 11, 12, 13, 5, 6 }[rnd() % 8] :
				      rnd() % 16;
			uint64_t pages[4];
			uint32_t np = 1 + rnd() % 3, j;

			for (j = 0; j < 4; j++)
				pages[j] = rnd_page();
			switch (pt) {
			case 1:
				b_u32(k, rnd());
				break;
			case 2:
				b_u64(k, ((uint64_t)rnd() << 32) | rnd());
				break;
			case 10:
			case 12:
			case 13:
				b_pages(k, pt, rnd() % (np * PG + 100), rnd() % 5,
					(uint16_t)(rnd() % 2 ? 0 : rnd() % 4200), (uint16_t)np, pages);
				if (rnd() % 8 == 0)
					wr32(pe(k) + 8, rnd() % 400);
				break;
			case 11:
				b_embedded(k, rnd() % 5, rnd() % 64, NULL);
				if (rnd() % 8 == 0)
					wr32(pe(k) + 4, rnd());
				break;
			default:
				b_raw(k, pt, rnd() % 4 ? 0 : rnd(), rnd());
				break;
			}
		}
		if (rnd() % 32 == 0)
			B.end = 44 + rnd() % 200;
		accepted += b_submit() == VINF_HGCM_ASYNC_EXECUTE;
		if (rnd() % 8 == 0)
			cancel2(REQ + (rnd() % 4) * 0x4000);
		if (rnd() % 100 == 0)
			ctl(modes[rnd() % ARRAY_SIZE(modes)]);
		if (rnd() % 500 == 0) {
			k = rnd() % 4;
			disconnect_at(REQ2 + 0x8000, ids[k]);
			wait_done(REQ2 + 0x8000, 100);
			ctl("hgcm-mode async");
			ids[k] = connect_svc(VBGTEST_SVC);
		}
		if (rnd() % 64 == 0)
			vmmdev_port_read(F.dev, VMMDEV_PORT_FAST, 4);
	}
	KTAP_EXPECT(t, accepted > 100);
	vmmdev_reset(F.dev);
	KTAP_EXPECT_EQ(t, hgcm_state("pending"), 0);
	KTAP_ASSERT(t, report(1));
	ctl("hgcm-mode async");
	ctl("hgcm-delay 0");
	ids[0] = connect_svc(VBGTEST_SVC);
	KTAP_ASSERT(t, ids[0] != 0);
	b_begin(REQ, 63, ids[0], VBGTEST_FN_WHOAMI, 2);
	b_u32(0, 0);
	b_u32(1, 0);
	KTAP_EXPECT_EQ(t, b_submit(), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_ASSERT(t, wait_done(REQ, 2000));
	KTAP_EXPECT_EQ(t, rd32(pe(1) + 4), ids[0]);
	teardown();
}

static const struct ktap_case cases[] = {
	KTAP_CASE(connect_ok),
	KTAP_CASE(connect_errors),
	KTAP_CASE(too_many_clients),
	KTAP_CASE(disconnect),
	KTAP_CASE(call_client_checks),
	KTAP_CASE(call_echo_page_lists),
	KTAP_CASE(call_watched_pages),
	KTAP_CASE(call32_embedded),
	KTAP_CASE(call_fill_contiguous_nobounce),
	KTAP_CASE(call_check_xor),
	KTAP_CASE(call_linear),
	KTAP_CASE(bad_descriptors),
	KTAP_CASE(parameter_count),
	KTAP_CASE(host_features_gate_types),
	KTAP_CASE(budget_per_call),
	KTAP_CASE(completion_order),
	KTAP_CASE(output_before_request),
	KTAP_CASE(inline_mode),
	KTAP_CASE(never_mode_cancel2),
	KTAP_CASE(legacy_cancel),
	KTAP_CASE(cancel_after_completion),
	KTAP_CASE(delay_then_cancel),
	KTAP_CASE(service_delay_and_status),
	KTAP_CASE(never_fn_and_disconnect),
	KTAP_CASE(calls_left_at_disconnect_finish_or_reset),
	KTAP_CASE(answered_call_completes_after_disconnect),
	KTAP_CASE(broken_cancel_and_late_finish),
	KTAP_CASE(lying_cancel_and_corrupt_completions),
	KTAP_CASE(per_client_call_limit),
	KTAP_CASE(requestor_with_feature),
	KTAP_CASE(type_recheck_at_completion),
	KTAP_CASE(reset_drops_everything),
	KTAP_CASE(control_reset_drops_calls),
	KTAP_CASE(event_posted_and_auto_enable),
	KTAP_CASE(guestprop_notification_wakes),
	KTAP_CASE(guestprop_host_set_wakes),
	KTAP_CASE(guestprop_disconnect_interrupts_waits),
	KTAP_CASE(guestprop_reset_drops_waits),
	KTAP_CASE(sf_clip_waits_left_at_disconnect),
	KTAP_CASE(control_hgcm),
	KTAP_CASE(fuzz_calls),
};

KTAP_SUITE("vmmdev_hgcm", cases);
