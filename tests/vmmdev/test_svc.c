// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the two HGCM host services, "vbgtest" (svc_test.c) and
 * "VBoxGuestPropSvc" (svc_guestprop.c), driven through their struct
 * hgcm_service objects exactly as the HGCM core drives them: calls are
 * built here with host-memory parameters, pending calls are observed
 * through the real HGCM core (the "rig": a model with fake guest RAM).
 *
 * The guest property store is global (one per VM), so every case works on
 * its own names under "/test/<case>/" and removes what it can afterwards.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu.h"
#include "hgcm.h"
#include "ktap.h"
#include "le.h"
#include "../vbgtest.h"
#include "svc.h"
#include "test_fixture.h"
#include "test_parms.h"

#ifndef VERR_INVALID_UTF8_ENCODING
#define VERR_INVALID_UTF8_ENCODING	(-61)
#endif

#define GP_GET_PROP		1
#define GP_SET_PROP		2
#define GP_SET_PROP_VALUE	3
#define GP_DEL_PROP		4
#define GP_ENUM_PROPS		5
#define GP_GET_NOTIFICATION	6

#define MAX_PARMS		8

/* ---- the host log ---------------------------------------------------------- */

/* Log lines go to a temporary file that cases can search (fx_up keeps it). */
__attribute__((constructor)) static void test_log_open(void)
{
	fx_log = tmpfile();
	if (fx_log)
		vmmdev_set_log(fx_log);
}

static long log_mark(void)
{
	return fx_log ? ftell(fx_log) : -1;
}

/* Did a line containing @needle go to the log after @mark? */
static bool log_has(long mark, const char *needle)
{
	char line[512];
	bool found = false;
	long end;

	if (!fx_log || mark < 0)
		return false;
	end = ftell(fx_log);
	fseek(fx_log, mark, SEEK_SET);
	while (!found && ftell(fx_log) < end && fgets(line, sizeof(line), fx_log))
		found = strstr(line, needle) != NULL;
	fseek(fx_log, end, SEEK_SET);
	return found;
}

/* ---- calls and completions ---------------------------------------------- */

/**
 * struct tcall - a call as the core would hand it to a service.
 * @call: the call; @call.parms points at @p.
 * @p:    its parameters.
 */
struct tcall {
	struct hgcm_svc_call call;
	struct hgcm_parm p[MAX_PARMS];
};

static struct tcall *tc_new(uint32_t fn, uint32_t client_id)
{
	struct tcall *tc = calloc(1, sizeof(*tc));

	if (!tc) {
		perror("calloc");
		exit(2);
	}
	tc->call.fn = fn;
	tc->call.parms = tc->p;
	tc->call.client_id = client_id;
	tc->call.requestor = 0xffffffff;
	/*
	 * Not a call the core owns: hgcm_svc_complete() ignores it.  Cases
	 * that observe completions go through the real core (the rig below).
	 */
	tc->call.core_priv = NULL;
	return tc;
}

static struct hgcm_parm *tc_add(struct tcall *tc, enum hgcm_parm_kind kind)
{
	return fx_parm_add(tc->p, &tc->call.nparms, MAX_PARMS, kind);
}

static void tc_u32(struct tcall *tc, uint32_t v)
{
	tc_add(tc, HGCM_PARM_U32)->u32 = v;
}

static void tc_u64(struct tcall *tc, uint64_t v)
{
	tc_add(tc, HGCM_PARM_U64)->u64 = v;
}

/* A buffer of @size bytes, from @data or zero-filled, never NULL. */
static void tc_buf(struct tcall *tc, const void *data, uint32_t size,
		   uint32_t dir)
{
	fx_parm_buf(tc_add(tc, HGCM_PARM_BUF), data, size, dir);
}

static void tc_str(struct tcall *tc, const char *s)
{
	tc_buf(tc, s, (uint32_t)strlen(s) + 1, HGCM_DIR_TO_HOST);
}

static void tc_out(struct tcall *tc, uint32_t size)
{
	tc_buf(tc, NULL, size, HGCM_DIR_FROM_HOST);
}

static void tc_free(struct tcall *tc)
{
	if (!tc)
		return;
	fx_parm_free(tc->p, tc->call.nparms);
	free(tc);
}

/* ---- clients ------------------------------------------------------------ */

struct tclient {
	const struct hgcm_service *svc;
	void *priv;
	uint32_t id;
	uint32_t requestor;
};

static uint32_t next_client_id = 1;

static bool cl_connect(const struct hgcm_service *svc, struct tclient *c)
{
	c->svc = svc;
	c->id = next_client_id++;
	c->requestor = 0xffffffff;
	c->priv = NULL;
	return svc->connect(c->id, c->requestor, &c->priv) == VINF_SUCCESS &&
	       c->priv;
}

static void cl_disconnect(struct tclient *c)
{
	c->svc->disconnect(c->priv);
	c->priv = NULL;
}

static int32_t cl_call(struct tclient *c, struct tcall *tc)
{
	tc->call.client_id = c->id;
	tc->call.requestor = c->requestor;
	return c->svc->call(c->priv, &tc->call);
}

/* ---- guest property helpers --------------------------------------------- */

/* A set through @fn with the parameters name, value and, if not NULL, flags. */
static int32_t gp_set_fn(struct tclient *c, uint32_t fn, const char *name,
			 const char *value, const char *flags)
{
	struct tcall *tc = tc_new(fn, 0);
	int32_t rc;

	tc_str(tc, name);
	tc_str(tc, value);
	if (flags)
		tc_str(tc, flags);
	rc = cl_call(c, tc);
	tc_free(tc);
	return rc;
}

static int32_t gp_set(struct tclient *c, const char *name, const char *value,
		      const char *flags)
{
	return gp_set_fn(c, flags ? GP_SET_PROP : GP_SET_PROP_VALUE, name,
			 value, flags);
}

static int32_t gp_del(struct tclient *c, const char *name)
{
	struct tcall *tc = tc_new(GP_DEL_PROP, 0);
	int32_t rc;

	tc_str(tc, name);
	rc = cl_call(c, tc);
	tc_free(tc);
	return rc;
}

/*
 * GET_PROP with a 2048-byte value buffer; copies value and flags out
 * (each at most 1100 bytes) and the timestamp on success.
 */
static int32_t gp_get(struct tclient *c, const char *name, char *value,
		      char *flags, uint64_t *ts)
{
	struct tcall *tc = tc_new(GP_GET_PROP, 0);
	int32_t rc;

	tc_str(tc, name);
	tc_out(tc, 2048);
	tc_u64(tc, 0);
	tc_u32(tc, 0);
	rc = cl_call(c, tc);
	if (rc == VINF_SUCCESS) {
		const char *v = (const char *)tc->p[1].buf;

		if (value)
			snprintf(value, 1100, "%s", v);
		if (flags)
			snprintf(flags, 1100, "%s", v + strlen(v) + 1);
		if (ts)
			*ts = tc->p[2].u64;
	}
	tc_free(tc);
	return rc;
}

static uint64_t gp_ts(struct tclient *c, const char *name)
{
	uint64_t ts = 0;

	if (gp_get(c, name, NULL, NULL, &ts) != VINF_SUCCESS)
		return 0;
	return ts;
}

/* ENUM_PROPS; returns the call for inspection (caller frees). */
static struct tcall *gp_enum(struct tclient *c, const void *pat,
			     uint32_t patsize, uint32_t bufsize, int32_t *rc)
{
	struct tcall *tc = tc_new(GP_ENUM_PROPS, 0);

	tc_buf(tc, pat, patsize, HGCM_DIR_TO_HOST);
	tc_out(tc, bufsize);
	/* Garbage, so that every byte the service reports must be written. */
	memset(tc->p[1].buf, 0xee, bufsize);
	tc_u32(tc, 0);
	*rc = cl_call(c, tc);
	return tc;
}

/* GET_NOTIFICATION with string patterns; returns the call (caller frees). */
static struct tcall *gp_notify(struct tclient *c, const char *pat, uint64_t ts,
			       uint32_t bufsize, int32_t *rc)
{
	struct tcall *tc = tc_new(GP_GET_NOTIFICATION, 0);

	tc_str(tc, pat);
	tc_u64(tc, ts);
	tc_out(tc, bufsize);
	memset(tc->p[2].buf, 0xee, bufsize);
	tc_u32(tc, 0);
	*rc = cl_call(c, tc);
	return tc;
}

/* Checks a notification output "name\0value\0flags\0deleted\0". */
static bool notif_is(const struct tcall *tc, const char *name,
		     const char *value, const char *flags, bool deleted)
{
	const char *o = (const char *)tc->p[2].buf;
	uint32_t need = (uint32_t)(strlen(name) + strlen(value) +
				   strlen(flags) + 5);

	if (tc->p[3].u32 != need || tc->p[2].size < need)
		return false;
	if (strcmp(o, name))
		return false;
	o += strlen(o) + 1;
	if (strcmp(o, value))
		return false;
	o += strlen(o) + 1;
	if (strcmp(o, flags))
		return false;
	o += strlen(o) + 1;
	return !strcmp(o, deleted ? "1" : "0");
}

/* One parsed ENUM entry. */
struct enum_entry {
	const char *name, *value, *ts, *flags;
};

/*
 * Splits ENUM output of @size bytes into @max entries; returns their count,
 * or -1 if the output is malformed (no four-NUL end exactly at @size).
 */
static int enum_parse(const uint8_t *buf, uint32_t size, struct enum_entry *e,
		      int max)
{
	const char *o = (const char *)buf, *end = o + size;
	int n = 0;

	for (;;) {
		const char *f[4];
		int k;

		for (k = 0; k < 4; k++) {
			const char *nul;

			if (o >= end)
				return -1;
			nul = memchr(o, 0, (size_t)(end - o));
			if (!nul)
				return -1;
			f[k] = o;
			o = nul + 1;
		}
		if (!*f[0]) {
			if (*f[1] || *f[2] || *f[3] || o != end)
				return -1;
			return n;
		}
		if (n < max) {
			e[n].name = f[0];
			e[n].value = f[1];
			e[n].ts = f[2];
			e[n].flags = f[3];
		}
		n++;
	}
}

static int count_props(struct tclient *c)
{
	struct tcall *tc;
	int32_t rc;
	int n;

	tc = gp_enum(c, "", 1, 1 << 20, &rc);
	n = rc == VINF_SUCCESS ? enum_parse(tc->p[1].buf, tc->p[2].u32, NULL, 0) : -1;
	tc_free(tc);
	return n;
}

/* ---- the rig: calls through the real HGCM core ---------------------------- */

/*
 * Completions are observed where a guest observes them: a model with
 * fake guest RAM, its own HGCM core in "inline" mode (a call and whatever
 * it wakes complete before hgcm_submit() returns), requests built in that
 * RAM with embedded buffers, DONE and result read back from it.
 */
#define RIG_BASE	0x100000ull
#define RIG_SIZE	(4u << 20)
#define RIG_ENTRY	16		/* call64 parameter entries */
#define HGCM_F_DONE	0x1

static struct {
	bool up, failed;
	struct hgcm *h;
	uint64_t brk;			/* next free guest address */
} rig;

/* Sends one control command to the rig's core; true if it said "ok". */
static bool rig_control(const char *cmd)
{
	char reply[256] = "";
	FILE *f = fmemopen(reply, sizeof(reply) - 1, "w");
	bool ok;

	if (!f)
		return false;
	vmmdev_lock(F.dev);
	ok = hgcm_control(rig.h, cmd, f);
	vmmdev_unlock(F.dev);
	fclose(f);
	return ok && !strncmp(reply, "ok", 2);
}

static bool rig_up(void)
{
	if (rig.up || rig.failed)
		return rig.up;
	rig.failed = true;
	if (!fx_up(RIG_BASE, RIG_SIZE, 0, 0))
		return false;
	vmmdev_lock(F.dev);
	rig.h = hgcm_new(F.dev);
	vmmdev_unlock(F.dev);
	if (!rig.h)
		return false;
	rig.brk = RIG_BASE;
	rig.up = true;
	rig.failed = false;
	if (!rig_control("hgcm-mode inline")) {
		rig.up = false;
		rig.failed = true;
	}
	return rig.up;
}

/**
 * struct rreq - one request in the rig's guest RAM.
 * @gpa:  its guest address.
 * @p:    the same bytes seen from here.
 * @size: its size.
 * @data: next free byte of the extra area (calls).
 * @n:    parameter count (calls).
 */
struct rreq {
	uint64_t gpa;
	uint8_t *p;
	uint32_t size;
	uint32_t data;
	uint32_t n;
};

/* A fresh, zeroed request of @size bytes and @type. */
static struct rreq rq_new(uint32_t type, uint32_t size)
{
	struct rreq r = { 0 };

	size = (size + 7) & ~7u;
	if (rig.brk + size > RIG_BASE + RIG_SIZE)
		rig.brk = RIG_BASE;	/* earlier requests are long finished */
	r.gpa = rig.brk;
	rig.brk += size;
	r.p = fx_ptr(r.gpa, size);
	r.size = size;
	memset(r.p, 0, size);
	put32(r.p, size);
	put32(r.p + 4, 0x10001);
	put32(r.p + 8, type);
	put32(r.p + 12, (uint32_t)VERR_GENERAL_FAILURE);
	return r;
}

/* A call64 with @n parameters and @extra bytes for embedded buffers. */
static struct rreq rq_call(uint32_t client, uint32_t fn, uint32_t n,
			   uint32_t extra)
{
	struct rreq r = rq_new(63, 44 + n * RIG_ENTRY + extra);

	put32(r.p + 32, client);
	put32(r.p + 36, fn);
	put32(r.p + 40, n);
	r.n = n;
	r.data = 44 + n * RIG_ENTRY;
	return r;
}

static uint8_t *rq_entry(const struct rreq *r, uint32_t i)
{
	return r->p + 44 + i * RIG_ENTRY;
}

static void rq_u32(struct rreq *r, uint32_t i, uint32_t v)
{
	put32(rq_entry(r, i), 1);
	put32(rq_entry(r, i) + 4, v);
}

static void rq_u64(struct rreq *r, uint32_t i, uint64_t v)
{
	put32(rq_entry(r, i), 2);
	put64(rq_entry(r, i) + 4, v);
}

/* Embedded buffer (type 11) of @size bytes; @data may be NULL. */
static void rq_buf(struct rreq *r, uint32_t i, const void *data, uint32_t size,
		   uint32_t dir)
{
	put32(rq_entry(r, i), 11);
	put32(rq_entry(r, i) + 4, dir | r->data << 8);
	put32(rq_entry(r, i) + 8, size);
	if (data)
		memcpy(r->p + r->data, data, size);
	r->data += (size + 3) & ~3u;
}

static void rq_str(struct rreq *r, uint32_t i, const char *s)
{
	rq_buf(r, i, s, (uint32_t)strlen(s) + 1, HGCM_DIR_TO_HOST);
}

static uint32_t rq_get32(const struct rreq *r, uint32_t i)
{
	return get32(rq_entry(r, i) + 4);
}

static uint64_t rq_get64(const struct rreq *r, uint32_t i)
{
	return get64(rq_entry(r, i) + 4);
}

static const uint8_t *rq_bufp(const struct rreq *r, uint32_t i)
{
	return r->p + (get32(rq_entry(r, i) + 4) >> 8);
}

/* Submits @r as a guest would (the model's part done by hand). */
static int32_t rq_submit(struct rreq *r)
{
	uint8_t *copy = malloc(r->size);
	int32_t rc;

	if (!copy)
		return VERR_NO_MEMORY;
	vmmdev_lock(F.dev);
	memcpy(copy, r->p, r->size);
	rc = hgcm_submit(rig.h, r->gpa, copy, r->size);
	if (rc != VINF_HGCM_ASYNC_EXECUTE)
		put32(r->p + 12, (uint32_t)rc);
	vmmdev_unlock(F.dev);
	free(copy);
	return rc;
}

static bool rq_done(const struct rreq *r)
{
	bool done;

	vmmdev_lock(F.dev);
	done = get32(r->p + 24) & HGCM_F_DONE;
	vmmdev_unlock(F.dev);
	return done;
}

static int32_t rq_result(const struct rreq *r)
{
	return (int32_t)get32(r->p + 28);
}

static int32_t rq_cancel(const struct rreq *r)
{
	int32_t rc;

	vmmdev_lock(F.dev);
	rc = hgcm_cancel(rig.h, r->gpa, false);
	vmmdev_unlock(F.dev);
	return rc;
}

/* Connects to @svc; returns the client id, 0 on failure. */
static uint32_t rig_connect(const char *svc)
{
	struct rreq r = rq_new(60, 168);

	put32(r.p + 32, 2);
	snprintf((char *)r.p + 36, 128, "%s", svc);
	if (rq_submit(&r) != VINF_HGCM_ASYNC_EXECUTE || !rq_done(&r) ||
	    rq_result(&r) != VINF_SUCCESS)
		return 0;
	return get32(r.p + 164);
}

static int32_t rig_disconnect(uint32_t id)
{
	struct rreq r = rq_new(61, 36);

	put32(r.p + 32, id);
	if (rq_submit(&r) != VINF_HGCM_ASYNC_EXECUTE || !rq_done(&r))
		return VERR_GENERAL_FAILURE;
	return rq_result(&r);
}

/*
 * Result of a call that must complete inline; VERR_GENERAL_FAILURE plus a
 * diagnostic if it was refused or is still pending.
 */
static int32_t rq_run(struct rreq *r)
{
	int32_t rc = rq_submit(r);

	if (rc != VINF_HGCM_ASYNC_EXECUTE) {
		printf("    # submit of fn %u: rc %d\n", get32(r->p + 36), rc);
		return VERR_GENERAL_FAILURE;
	}
	if (!rq_done(r)) {
		printf("    # fn %u still pending\n", get32(r->p + 36));
		return VERR_GENERAL_FAILURE;
	}
	return rq_result(r);
}

static int32_t rig_gp_set(uint32_t id, const char *name, const char *value,
			  const char *flags)
{
	struct rreq r = rq_call(id, flags ? GP_SET_PROP : GP_SET_PROP_VALUE,
				flags ? 3 : 2, 2200);

	rq_str(&r, 0, name);
	rq_str(&r, 1, value);
	if (flags)
		rq_str(&r, 2, flags);
	return rq_run(&r);
}

static int32_t rig_gp_del(uint32_t id, const char *name)
{
	struct rreq r = rq_call(id, GP_DEL_PROP, 1, 128);

	rq_str(&r, 0, name);
	return rq_run(&r);
}

static uint64_t rig_gp_ts(uint32_t id, const char *name)
{
	struct rreq r = rq_call(id, GP_GET_PROP, 4, 128 + 2048);

	rq_str(&r, 0, name);
	rq_buf(&r, 1, NULL, 2048, HGCM_DIR_FROM_HOST);
	rq_u64(&r, 2, 0);
	rq_u32(&r, 3, 0);
	if (rq_run(&r) != VINF_SUCCESS)
		return 0;
	return rq_get64(&r, 2);
}

/* Submits GET_NOTIFICATION; *@rc is hgcm_submit()'s status. */
static struct rreq rig_gp_notify(uint32_t id, const char *pat, uint64_t ts,
				 uint32_t bufsize, int32_t *rc)
{
	struct rreq r = rq_call(id, GP_GET_NOTIFICATION, 4,
				(uint32_t)strlen(pat) + 1 + bufsize + 8);

	rq_str(&r, 0, pat);
	rq_u64(&r, 1, ts);
	rq_buf(&r, 2, NULL, bufsize, HGCM_DIR_FROM_HOST);
	rq_u32(&r, 3, 0);
	*rc = rq_submit(&r);
	return r;
}

/* Checks the notification output of a completed rig request. */
static bool rq_notif_is(const struct rreq *r, const char *name,
			const char *value, const char *flags, bool deleted)
{
	const char *o = (const char *)rq_bufp(r, 2);
	uint32_t need = (uint32_t)(strlen(name) + strlen(value) +
				   strlen(flags) + 5);

	if (rq_get32(r, 3) != need)
		return false;
	if (strcmp(o, name))
		return false;
	o += strlen(o) + 1;
	if (strcmp(o, value))
		return false;
	o += strlen(o) + 1;
	if (strcmp(o, flags))
		return false;
	o += strlen(o) + 1;
	return !strcmp(o, deleted ? "1" : "0");
}

#define RIG_UP(t) do {							\
	if (!rig_up())							\
		KTAP_SKIP(t, "no model/HGCM core to run calls through");	\
} while (0)

/* ---- vbgtest ------------------------------------------------------------ */

static void vbg_connect_disconnect(struct ktap_case_ctx *t)
{
	struct tclient a, b;

	KTAP_EXPECT_EQ(t, strcmp(hgcm_svc_test.name, "vbgtest"), 0);
	KTAP_ASSERT(t, cl_connect(&hgcm_svc_test, &a));
	KTAP_ASSERT(t, cl_connect(&hgcm_svc_test, &b));
	KTAP_EXPECT(t, a.priv != b.priv);
	cl_disconnect(&a);
	cl_disconnect(&b);
}

static void vbg_echo(struct ktap_case_ctx *t)
{
	static const struct {
		uint32_t in, out;
	} rows[] = {
		{ 5, 10 }, { 10, 4 }, { 0, 0 }, { 0, 8 }, { 8, 0 }, { 4096, 4096 },
		{ 70000, 65536 },
	};
	struct tclient c;
	size_t r;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_test, &c));
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct tcall *tc = tc_new(1, 0);
		uint32_t i, n = rows[r].in < rows[r].out ? rows[r].in : rows[r].out;
		bool same = true;
		uint8_t *src = malloc(rows[r].in + 1);

		for (i = 0; i < rows[r].in; i++)
			src[i] = (uint8_t)(i * 7 + 3);
		tc_buf(tc, src, rows[r].in, HGCM_DIR_TO_HOST);
		tc_out(tc, rows[r].out);
		tc_u32(tc, 0xdeadbeef);
		KTAP_EXPECT_EQ(t, cl_call(&c, tc), VINF_SUCCESS);
		KTAP_EXPECT_EQ(t, tc->p[2].u32, n);
		KTAP_EXPECT_EQ(t, tc->p[1].out_size, n);
		for (i = 0; i < n; i++)
			same &= tc->p[1].buf[i] == src[i];
		for (; i < rows[r].out; i++)
			same &= tc->p[1].buf[i] == 0;
		KTAP_EXPECT(t, same);
		free(src);
		tc_free(tc);
	}
	cl_disconnect(&c);
}

static void vbg_fill(struct ktap_case_ctx *t)
{
	static const struct {
		uint32_t seed, size;
	} rows[] = {
		{ 0, 0 }, { 0, 1 }, { 0x12345678, 300 }, { 0xff, 4096 },
		{ 7, 100000 },
	};
	struct tclient c;
	size_t r;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_test, &c));
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct tcall *tc = tc_new(2, 0);
		uint32_t i, bad = 0xffffffff;

		tc_out(tc, rows[r].size);
		tc_u32(tc, rows[r].seed);
		KTAP_EXPECT_EQ(t, cl_call(&c, tc), VINF_SUCCESS);
		for (i = 0; i < rows[r].size && bad == 0xffffffff; i++)
			if (tc->p[0].buf[i] != vbgtest_pattern(rows[r].seed, i))
				bad = i;
		KTAP_EXPECT_EQ(t, bad, 0xffffffff);
		KTAP_EXPECT_EQ(t, tc->p[0].out_size, rows[r].size);
		tc_free(tc);
	}
	/* The formula itself, including the i >> 8 term. */
	KTAP_EXPECT_EQ(t, vbgtest_pattern(1, 0), 1);
	KTAP_EXPECT_EQ(t, vbgtest_pattern(1, 2), 63);
	KTAP_EXPECT_EQ(t, vbgtest_pattern(0, 256), (uint8_t)(256 * 31 + 1));
	cl_disconnect(&c);
}

static void vbg_check(struct ktap_case_ctx *t)
{
	static const struct {
		uint32_t seed, size, corrupt;	/* corrupt: index or ~0 */
	} rows[] = {
		{ 5, 1000, 0xffffffff }, { 5, 1000, 0 }, { 5, 1000, 999 },
		{ 9, 300, 256 }, { 0, 0, 0xffffffff }, { 1, 70000, 65537 },
	};
	struct tclient c;
	size_t r;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_test, &c));
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct tcall *tc = tc_new(3, 0);
		uint8_t *b = malloc(rows[r].size + 1);
		uint32_t i;

		for (i = 0; i < rows[r].size; i++)
			b[i] = vbgtest_pattern(rows[r].seed, i);
		if (rows[r].corrupt != 0xffffffff)
			b[rows[r].corrupt] ^= 0x40;
		tc_buf(tc, b, rows[r].size, HGCM_DIR_TO_HOST);
		tc_u32(tc, rows[r].seed);
		tc_u32(tc, 12345);
		KTAP_EXPECT_EQ(t, cl_call(&c, tc), VINF_SUCCESS);
		KTAP_EXPECT_EQ(t, tc->p[2].u32, rows[r].corrupt);
		free(b);
		tc_free(tc);
	}
	cl_disconnect(&c);
}

static void vbg_check_wrong_seed(struct ktap_case_ctx *t)
{
	struct tclient c;
	struct tcall *tc;
	uint8_t b[16];
	uint32_t i;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_test, &c));
	for (i = 0; i < sizeof(b); i++)
		b[i] = vbgtest_pattern(3, i);
	tc = tc_new(3, 0);
	tc_buf(tc, b, sizeof(b), HGCM_DIR_TO_HOST);
	tc_u32(tc, 4);
	tc_u32(tc, 0);
	KTAP_EXPECT_EQ(t, cl_call(&c, tc), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, tc->p[2].u32, 0);
	tc_free(tc);
	cl_disconnect(&c);
}

static void vbg_xor(struct ktap_case_ctx *t)
{
	static const struct {
		uint32_t key, size;
	} rows[] = {
		{ 0x5a, 100 }, { 0x1ff, 64 }, { 0xabcdef00, 10 }, { 0x33, 0 },
	};
	struct tclient c;
	size_t r;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_test, &c));
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct tcall *tc = tc_new(4, 0);
		uint8_t b[128];
		bool ok = true;
		uint32_t i;

		for (i = 0; i < rows[r].size; i++)
			b[i] = (uint8_t)(i * 13);
		tc_buf(tc, b, rows[r].size, HGCM_DIR_TO_HOST | HGCM_DIR_FROM_HOST);
		tc_u32(tc, rows[r].key);
		KTAP_EXPECT_EQ(t, cl_call(&c, tc), VINF_SUCCESS);
		for (i = 0; i < rows[r].size; i++)
			ok &= tc->p[0].buf[i] == (uint8_t)(b[i] ^ (rows[r].key & 0xff));
		KTAP_EXPECT(t, ok);
		KTAP_EXPECT_EQ(t, tc->p[0].out_size, rows[r].size);
		tc_free(tc);
	}
	cl_disconnect(&c);
}

static void vbg_delay(struct ktap_case_ctx *t)
{
	static const uint32_t ms[] = { 0, 1, 250, 5000 };
	struct tclient c;
	size_t r;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_test, &c));
	for (r = 0; r < sizeof(ms) / sizeof(ms[0]); r++) {
		struct tcall *tc = tc_new(5, 0);

		tc_u32(tc, ms[r]);
		KTAP_EXPECT_EQ(t, cl_call(&c, tc), VINF_SUCCESS);
		KTAP_EXPECT_EQ(t, tc->call.delay_ms, ms[r]);
		tc_free(tc);
	}
	cl_disconnect(&c);
}

static void vbg_never_cancel(struct ktap_case_ctx *t)
{
	struct tclient c;
	struct tcall *a, *b;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_test, &c));
	a = tc_new(6, 0);
	b = tc_new(6, 0);
	KTAP_EXPECT_EQ(t, cl_call(&c, a), HGCM_SVC_PENDING);
	KTAP_EXPECT_EQ(t, cl_call(&c, b), HGCM_SVC_PENDING);
	KTAP_EXPECT(t, a->call.svc_priv && b->call.svc_priv);
	hgcm_svc_test.cancel(c.priv, &a->call);
	hgcm_svc_test.cancel(c.priv, &b->call);
	KTAP_EXPECT(t, !a->call.svc_priv && !b->call.svc_priv);
	tc_free(a);
	tc_free(b);
	cl_disconnect(&c);
}

static void vbg_status(struct ktap_case_ctx *t)
{
	static const int32_t st[] = {
		VINF_SUCCESS, VERR_INVALID_PARAMETER, VWRN_NOT_FOUND, -2909,
		INT32_MIN, 1, VINF_HGCM_ASYNC_EXECUTE,
	};
	struct tclient c;
	struct tcall *tc;
	size_t r;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_test, &c));
	for (r = 0; r < sizeof(st) / sizeof(st[0]); r++) {
		tc = tc_new(7, 0);
		tc_u32(tc, (uint32_t)st[r]);
		KTAP_EXPECT_EQ(t, cl_call(&c, tc), st[r]);
		tc_free(tc);
	}
	/*
	 * The one value ->call() cannot return goes by hgcm_svc_complete()
	 * from within the call (rig_vbg_status sees it arrive).
	 */
	tc = tc_new(7, 0);
	tc_u32(tc, 0x7fffffff);
	KTAP_EXPECT_EQ(t, cl_call(&c, tc), HGCM_SVC_PENDING);
	tc_free(tc);
	cl_disconnect(&c);
}

static void vbg_whoami(struct ktap_case_ctx *t)
{
	static const uint32_t req[] = { 0xffffffff, 0, 0x3f, 0x12345 };
	struct tclient c;
	size_t r;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_test, &c));
	for (r = 0; r < sizeof(req) / sizeof(req[0]); r++) {
		struct tcall *tc = tc_new(8, 0);

		tc_u32(tc, 0x11111111);
		tc_u32(tc, 0x22222222);
		c.requestor = req[r];
		KTAP_EXPECT_EQ(t, cl_call(&c, tc), VINF_SUCCESS);
		KTAP_EXPECT_EQ(t, tc->p[0].u32, req[r]);
		KTAP_EXPECT_EQ(t, tc->p[1].u32, c.id);
		tc_free(tc);
	}
	cl_disconnect(&c);
}

static void vbg_unknown_fn(struct ktap_case_ctx *t)
{
	static const uint32_t fns[] = { 0, 9, 10, 100, 0xffffffff };
	struct tclient c;
	size_t r;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_test, &c));
	for (r = 0; r < sizeof(fns) / sizeof(fns[0]); r++) {
		struct tcall *tc = tc_new(fns[r], 0);

		tc_u32(tc, 0);
		KTAP_EXPECT_EQ(t, cl_call(&c, tc), VERR_NOT_IMPLEMENTED);
		tc_free(tc);
	}
	cl_disconnect(&c);
}

/*
 * Builds parameters from @kinds: 'u' 32-bit, 'U' 64-bit, 'b' a buffer of
 * 16 bytes holding "/test/params", 'z' a zero-size buffer.
 */
static void tc_kinds(struct tcall *tc, const char *kinds)
{
	static const char s[16] = "/test/params";

	for (; *kinds; kinds++) {
		switch (*kinds) {
		case 'u':
			tc_u32(tc, 1);
			break;
		case 'U':
			tc_u64(tc, 1);
			break;
		case 'z':
			tc_buf(tc, NULL, 0, HGCM_DIR_TO_HOST | HGCM_DIR_FROM_HOST);
			break;
		default:
			tc_buf(tc, s, sizeof(s), HGCM_DIR_TO_HOST | HGCM_DIR_FROM_HOST);
			break;
		}
	}
}

struct bad_parms_row {
	uint32_t fn;
	const char *kinds;
};

static void run_bad_parms(struct ktap_case_ctx *t,
			  const struct hgcm_service *svc,
			  const struct bad_parms_row *rows, size_t n)
{
	struct tclient c;
	size_t r;

	KTAP_ASSERT(t, cl_connect(svc, &c));
	for (r = 0; r < n; r++) {
		struct tcall *tc = tc_new(rows[r].fn, 0);
		int32_t rc;

		tc_kinds(tc, rows[r].kinds);
		rc = cl_call(&c, tc);
		if (rc != VERR_INVALID_PARAMETER)
			printf("    # fn %u kinds \"%s\": rc %d\n", rows[r].fn,
			       rows[r].kinds, rc);
		KTAP_EXPECT_EQ(t, rc, VERR_INVALID_PARAMETER);
		tc_free(tc);
	}
	cl_disconnect(&c);
}

static void vbg_bad_parms(struct ktap_case_ctx *t)
{
	static const struct bad_parms_row rows[] = {
		{ 1, "" }, { 1, "bb" }, { 1, "bbuu" }, { 1, "ubu" }, { 1, "bbU" },
		{ 1, "bub" },
		{ 2, "b" }, { 2, "bU" }, { 2, "ub" }, { 2, "buu" },
		{ 3, "bu" }, { 3, "bUu" }, { 3, "buU" }, { 3, "uuu" },
		{ 4, "b" }, { 4, "uu" }, { 4, "bub" }, { 4, "bU" },
		{ 5, "" }, { 5, "U" }, { 5, "b" }, { 5, "uu" },
		{ 6, "u" }, { 6, "b" },
		{ 7, "" }, { 7, "U" }, { 7, "b" }, { 7, "uu" },
		{ 8, "u" }, { 8, "uU" }, { 8, "bu" }, { 8, "uuu" },
	};

	run_bad_parms(t, &hgcm_svc_test, rows, sizeof(rows) / sizeof(rows[0]));
}

/* ---- guest properties: basics ------------------------------------------- */

static void gp_connect_name(struct ktap_case_ctx *t)
{
	struct tclient a, b;

	KTAP_EXPECT_EQ(t, strcmp(hgcm_svc_guestprop.name, "VBoxGuestPropSvc"), 0);
	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &a));
	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &b));
	KTAP_EXPECT(t, a.priv != b.priv);
	cl_disconnect(&a);
	cl_disconnect(&b);
}

static void gp_set_get(struct ktap_case_ctx *t)
{
	char v[1100], f[1100];
	struct tclient c;
	uint64_t ts = 0;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/setget/a", "hello", ""), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/setget/a", v, f, &ts), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, strcmp(v, "hello"), 0);
	KTAP_EXPECT_EQ(t, strcmp(f, ""), 0);
	KTAP_EXPECT(t, ts > 1600000000ull * 1000000000ull);
	/* Another client sees the same store. */
	{
		struct tclient d;

		KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &d));
		KTAP_EXPECT_EQ(t, gp_get(&d, "/test/setget/a", v, NULL, NULL),
			       VINF_SUCCESS);
		KTAP_EXPECT_EQ(t, strcmp(v, "hello"), 0);
		cl_disconnect(&d);
	}
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/setget/a"), VINF_SUCCESS);
	cl_disconnect(&c);
}

static void gp_get_output_format(struct ktap_case_ctx *t)
{
	static const char want[] = "val\0TRANSIENT, RDONLYHOST";
	struct tclient c;
	struct tcall *tc;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/getfmt/a", "val", "transient,rdonlyhost"),
		       VINF_SUCCESS);
	tc = tc_new(GP_GET_PROP, 0);
	tc_str(tc, "/test/getfmt/a");
	tc_buf(tc, NULL, 64, HGCM_DIR_FROM_HOST);
	memset(tc->p[1].buf, 0xee, 64);
	tc_u64(tc, 0);
	tc_u32(tc, 0);
	KTAP_EXPECT_EQ(t, cl_call(&c, tc), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, tc->p[3].u32, sizeof(want));
	KTAP_EXPECT_EQ(t, memcmp(tc->p[1].buf, want, sizeof(want)), 0);
	KTAP_EXPECT_EQ(t, tc->p[1].buf[sizeof(want)], 0xee);
	KTAP_EXPECT_EQ(t, tc->p[2].u64, gp_ts(&c, "/test/getfmt/a"));
	tc_free(tc);
	/* Guests may delete RDONLYHOST properties. */
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/getfmt/a"), VINF_SUCCESS);
	cl_disconnect(&c);
}

static void gp_overwrite(struct ktap_case_ctx *t)
{
	uint64_t ts1 = 0, ts2 = 0;
	char v[1100], f[1100];
	struct tclient c;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/over/a", "one", "TRANSIENT"), 0);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/over/a", v, f, &ts1), 0);
	KTAP_EXPECT_EQ(t, strcmp(f, "TRANSIENT"), 0);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/over/a", "two", "RDONLYHOST"), 0);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/over/a", v, f, &ts2), 0);
	KTAP_EXPECT_EQ(t, strcmp(v, "two"), 0);
	KTAP_EXPECT_EQ(t, strcmp(f, "RDONLYHOST"), 0);
	KTAP_EXPECT(t, ts2 > ts1);
	/* Setting the same value again is a new change with a new time. */
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/over/a", "two", NULL), 0);
	KTAP_EXPECT(t, gp_ts(&c, "/test/over/a") > ts2);
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/over/a"), 0);
	cl_disconnect(&c);
}

static void gp_set_value_clears_flags(struct ktap_case_ctx *t)
{
	char v[1100], f[1100];
	struct tclient c;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/svclr/a", "x", "TRANSIENT, RDONLYHOST"), 0);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/svclr/a", "y", NULL), 0);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/svclr/a", v, f, NULL), 0);
	KTAP_EXPECT_EQ(t, strcmp(v, "y"), 0);
	KTAP_EXPECT_EQ(t, strcmp(f, ""), 0);
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/svclr/a"), 0);
	cl_disconnect(&c);
}

/*
 * SET_PROP_VALUE is "like SET_PROP with no flags" (spec 8.1): one set
 * operation whose flags parameter is optional.  VBoxService 7.2 (vminfo's
 * logged-in-users properties, "TRANSIENT, TRANSRESET") and VBoxControl
 * (set --flags) send SET_PROP_VALUE with three parameters, which a real
 * host accepts and applies; SET_PROP with only name and value is a set
 * without flags.
 */
static void gp_set_optional_flags(struct ktap_case_ctx *t)
{
	char v[1100], f[1100];
	struct tclient c;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set_fn(&c, GP_SET_PROP_VALUE, "/test/sof/a", "0",
				    "TRANSIENT, TRANSRESET"), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/sof/a", v, f, NULL), 0);
	KTAP_EXPECT_EQ(t, strcmp(v, "0"), 0);
	KTAP_EXPECT_EQ(t, strcmp(f, "TRANSIENT, TRANSRESET"), 0);
	/* The flags of a three-parameter SET_PROP_VALUE are checked. */
	KTAP_EXPECT_EQ(t, gp_set_fn(&c, GP_SET_PROP_VALUE, "/test/sof/a", "1",
				    "TRANSIENT, BOGUS"), VERR_PARSE_ERROR);
	KTAP_EXPECT_EQ(t, gp_set_fn(&c, GP_SET_PROP, "/test/sof/a", "2", NULL),
		       VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/sof/a", v, f, NULL), 0);
	KTAP_EXPECT_EQ(t, strcmp(v, "2"), 0);
	KTAP_EXPECT_EQ(t, strcmp(f, ""), 0);
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/sof/a"), 0);
	cl_disconnect(&c);
}

static void gp_delete(struct ktap_case_ctx *t)
{
	struct tclient c;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/del/a", "1", NULL), 0);
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/del/a"), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/del/a", NULL, NULL, NULL), VERR_NOT_FOUND);
	/* Deleting what is not there succeeds. */
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/del/a"), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/del/never-existed"), VINF_SUCCESS);
	cl_disconnect(&c);
}

static void gp_get_not_found(struct ktap_case_ctx *t)
{
	struct tclient c;
	struct tcall *tc;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	tc = tc_new(GP_GET_PROP, 0);
	tc_str(tc, "/test/nf/none");
	tc_out(tc, 64);
	tc_u64(tc, 77);
	tc_u32(tc, 88);
	KTAP_EXPECT_EQ(t, cl_call(&c, tc), VERR_NOT_FOUND);
	KTAP_EXPECT_EQ(t, tc->p[2].u64, 77);
	tc_free(tc);
	cl_disconnect(&c);
}

static void gp_get_overflow(struct ktap_case_ctx *t)
{
	static const uint32_t sizes[] = { 1, 5, 9 };	/* need 10 */
	struct tclient c;
	size_t r;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/gov/a", "abcdefgh", NULL), 0);
	for (r = 0; r < sizeof(sizes) / sizeof(sizes[0]); r++) {
		struct tcall *tc = tc_new(GP_GET_PROP, 0);

		tc_str(tc, "/test/gov/a");
		tc_out(tc, sizes[r]);
		tc_u64(tc, 5);
		tc_u32(tc, 0);
		KTAP_EXPECT_EQ(t, cl_call(&c, tc), VERR_BUFFER_OVERFLOW);
		KTAP_EXPECT_EQ(t, tc->p[3].u32, 10);	/* "abcdefgh\0" "\0" */
		KTAP_EXPECT_EQ(t, tc->p[2].u64, 5);	/* not on failure */
		tc_free(tc);
	}
	{
		struct tcall *tc = tc_new(GP_GET_PROP, 0);

		tc_str(tc, "/test/gov/a");
		tc_out(tc, 10);
		tc_u64(tc, 0);
		tc_u32(tc, 0);
		KTAP_EXPECT_EQ(t, cl_call(&c, tc), VINF_SUCCESS);
		KTAP_EXPECT_EQ(t, tc->p[3].u32, 10);
		KTAP_EXPECT(t, tc->p[2].u64 != 0);
		tc_free(tc);
	}
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/gov/a"), 0);
	cl_disconnect(&c);
}

/* ---- guest properties: limits and validation ---------------------------- */

static void gp_name_limits(struct ktap_case_ctx *t)
{
	char n63[64], n64[65];
	struct {
		const char *name;
		uint32_t size;		/* 0: strlen + 1 */
		int32_t rc;
	} rows[] = {
		{ n63, 0, VINF_SUCCESS },
		{ n64, 0, VERR_INVALID_PARAMETER },
		{ "", 0, VERR_INVALID_PARAMETER },		/* size 1 */
		{ "a", 0, VINF_SUCCESS },			/* size 2 */
		{ "/test/nl/a*", 0, VERR_INVALID_PARAMETER },
		{ "/test/nl/a?", 0, VERR_INVALID_PARAMETER },
		{ "/test/nl/a|b", 0, VERR_INVALID_PARAMETER },
		{ "/test/nl/\xc3\xa9t\xc3\xa9", 0, VINF_SUCCESS },
		{ "/test/nl/\xc3", 0, VERR_INVALID_UTF8_ENCODING },
		{ "/test/nl/\xe0\x80\x80", 0, VERR_INVALID_UTF8_ENCODING },
		{ "/test/nl/\xed\xa0\x80", 0, VERR_INVALID_UTF8_ENCODING },
		{ "/test/nl/\xff", 0, VERR_INVALID_UTF8_ENCODING },
		{ "/test/nl/nonul", 14, VERR_INVALID_PARAMETER },
		{ "/test/nl/b\0pad", 15, VINF_SUCCESS },	/* NUL inside */
	};
	struct tclient c;
	size_t r;

	memset(n63, 'n', 63);
	memcpy(n63, "/test/nl/", 9);
	n63[63] = '\0';
	memset(n64, 'n', 64);
	memcpy(n64, "/test/nl/", 9);
	n64[64] = '\0';
	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		uint32_t size = rows[r].size ? rows[r].size :
				(uint32_t)strlen(rows[r].name) + 1;
		int fn;

		/* The same name rules for set, get and delete. */
		for (fn = GP_GET_PROP; fn <= GP_DEL_PROP; fn++) {
			struct tcall *tc;
			int32_t rc, want = rows[r].rc;

			if (fn == GP_SET_PROP_VALUE)
				continue;
			tc = tc_new((uint32_t)fn, 0);
			tc_buf(tc, rows[r].name, size, HGCM_DIR_TO_HOST);
			if (fn == GP_GET_PROP) {
				tc_out(tc, 64);
				tc_u64(tc, 0);
				tc_u32(tc, 0);
				/* A valid name is simply not there yet. */
				if (want == VINF_SUCCESS)
					want = VERR_NOT_FOUND;
			} else if (fn == GP_SET_PROP) {
				tc_str(tc, "v");
				tc_str(tc, "");
			}
			rc = cl_call(&c, tc);
			if (rc != want)
				printf("    # row %zu fn %d: rc %d want %d\n", r, fn,
				       rc, want);
			KTAP_EXPECT_EQ(t, rc, want);
			tc_free(tc);
		}
	}
	cl_disconnect(&c);
}

static void gp_value_limits(struct ktap_case_ctx *t)
{
	static char v1023[1024];
	struct {
		const void *value;
		uint32_t size;
		int32_t rc;
	} rows[] = {
		{ v1023, 1024, VINF_SUCCESS },
		{ v1023, 1025, VERR_TOO_MUCH_DATA },
		{ "", 1, VINF_SUCCESS },
		{ "", 0, VERR_INVALID_PARAMETER },
		{ "abc", 3, VERR_INVALID_PARAMETER },			/* no NUL */
		{ "\xc3\xa9", 3, VINF_SUCCESS },
		{ "\xc3(", 3, VERR_INVALID_UTF8_ENCODING },
		{ "\xf4\x90\x80\x80", 5, VERR_INVALID_UTF8_ENCODING },	/* > U+10FFFF */
		{ "\xc0\xaf", 3, VERR_INVALID_UTF8_ENCODING },		/* overlong */
	};
	char big[1100];
	struct tclient c;
	size_t r;

	memset(v1023, 'v', 1023);
	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		int fn;

		for (fn = GP_SET_PROP; fn <= GP_SET_PROP_VALUE; fn++) {
			struct tcall *tc = tc_new((uint32_t)fn, 0);
			uint8_t tmp[1100] = { 0 };
			int32_t rc;

			memcpy(tmp, rows[r].value, rows[r].size < 1024 ?
			       rows[r].size : 1024);
			tc_str(tc, "/test/vl/a");
			tc_buf(tc, tmp, rows[r].size, HGCM_DIR_TO_HOST);
			if (fn == GP_SET_PROP)
				tc_str(tc, "");
			rc = cl_call(&c, tc);
			if (rc != rows[r].rc)
				printf("    # row %zu fn %d: rc %d\n", r, fn, rc);
			KTAP_EXPECT_EQ(t, rc, rows[r].rc);
			tc_free(tc);
		}
	}
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/vl/a", v1023, NULL), 0);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/vl/a", big, NULL, NULL), 0);
	KTAP_EXPECT_EQ(t, strlen(big), 1023);
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/vl/a"), 0);
	cl_disconnect(&c);
}

static void gp_reserved_prefixes(struct ktap_case_ctx *t)
{
	static const struct {
		const char *name;
		int32_t rc;
	} rows[] = {
		{ "/VirtualBox/GuestAdd/VBoxService/x", VERR_PERMISSION_DENIED },
		{ "/VirtualBox/GuestAdd/PAM/x", VERR_PERMISSION_DENIED },
		{ "/VirtualBox/GuestAdd/Greeter/x", VERR_PERMISSION_DENIED },
		{ "/VirtualBox/GuestAdd/SharedFolders/x", VERR_PERMISSION_DENIED },
		{ "/VirtualBox/HostInfo/x", VERR_PERMISSION_DENIED },
		{ "/VirtualBox/VMInfo/x", VERR_PERMISSION_DENIED },
		{ "/VirtualBox/HostInfo/", VERR_PERMISSION_DENIED },
		{ "/VirtualBox/HostInfoX", VINF_SUCCESS },
		{ "/VirtualBox/GuestAdd/Other", VINF_SUCCESS },
		{ "/VirtualBox/GuestInfo/OS/Product", VINF_SUCCESS },
		{ "/virtualbox/hostinfo/x", VINF_SUCCESS },	/* case matters */
	};
	struct tclient c;
	size_t r;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		KTAP_EXPECT_EQ(t, gp_set(&c, rows[r].name, "v", ""), rows[r].rc);
		KTAP_EXPECT_EQ(t, gp_set(&c, rows[r].name, "v", NULL), rows[r].rc);
		if (rows[r].rc != VINF_SUCCESS)
			KTAP_EXPECT_EQ(t, gp_get(&c, rows[r].name, NULL, NULL, NULL),
				       VERR_NOT_FOUND);
		/* Deletes are only checked against the property's flags. */
		KTAP_EXPECT_EQ(t, gp_del(&c, rows[r].name), VINF_SUCCESS);
	}
	/* A host-set property under a reserved prefix without flags. */
	KTAP_EXPECT_EQ(t, guestprop_host_set("/VirtualBox/HostInfo/TestX", "h", NULL), 0);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/VirtualBox/HostInfo/TestX", "g", NULL),
		       VERR_PERMISSION_DENIED);
	KTAP_EXPECT_EQ(t, gp_del(&c, "/VirtualBox/HostInfo/TestX"), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/VirtualBox/HostInfo/TestX", NULL, NULL, NULL),
		       VERR_NOT_FOUND);
	cl_disconnect(&c);
}

static void gp_rdonlyguest(struct ktap_case_ctx *t)
{
	char v[1100], f[1100];
	struct tclient c;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/rog/a", "locked", "RDONLYGUEST"), 0);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/rog/a", "x", ""), VERR_PERMISSION_DENIED);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/rog/a", "x", NULL), VERR_PERMISSION_DENIED);
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/rog/a"), VERR_PERMISSION_DENIED);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/rog/a", v, f, NULL), 0);
	KTAP_EXPECT_EQ(t, strcmp(v, "locked"), 0);
	KTAP_EXPECT_EQ(t, strcmp(f, "RDONLYGUEST"), 0);
	/* The host is not bound by it. */
	KTAP_EXPECT_EQ(t, guestprop_host_set("/test/rog/a", "host", "RDONLYGUEST"), 0);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/rog/a", v, NULL, NULL), 0);
	KTAP_EXPECT_EQ(t, strcmp(v, "host"), 0);
	KTAP_EXPECT_EQ(t, guestprop_host_delete("/test/rog/a"), 0);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/rog/a", NULL, NULL, NULL), VERR_NOT_FOUND);
	cl_disconnect(&c);
}

static void gp_rdonlyhost_host(struct ktap_case_ctx *t)
{
	char v[1100];
	struct tclient c;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/roh/a", "g", "RDONLYHOST"), 0);
	KTAP_EXPECT_EQ(t, guestprop_host_set("/test/roh/a", "h", NULL),
		       VERR_PERMISSION_DENIED);
	KTAP_EXPECT_EQ(t, guestprop_host_delete("/test/roh/a"), VERR_PERMISSION_DENIED);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/roh/a", "g2", NULL), 0);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/roh/a", v, NULL, NULL), 0);
	KTAP_EXPECT_EQ(t, strcmp(v, "g2"), 0);
	KTAP_EXPECT_EQ(t, guestprop_host_delete("/test/roh/a"), 0);
	cl_disconnect(&c);
}

static void gp_flags_canonical(struct ktap_case_ctx *t)
{
	static const struct {
		const char *in;
		int32_t rc;
		const char *out;
	} rows[] = {
		{ "", 0, "" },
		{ "   ", 0, "" },
		{ "TRANSIENT", 0, "TRANSIENT" },
		{ "transient", 0, "TRANSIENT" },
		{ "RdOnlyGuest", 0, "RDONLYGUEST" },
		{ "RDONLYHOST", 0, "RDONLYHOST" },
		{ "READONLY", 0, "READONLY" },
		{ "rdonlyhost, rdonlyguest", 0, "READONLY" },
		{ "TRANSRESET", 0, "TRANSIENT, TRANSRESET" },
		{ " transreset ,transient ", 0, "TRANSIENT, TRANSRESET" },
		{ "RDONLYHOST,TRANSIENT", 0, "TRANSIENT, RDONLYHOST" },
		{ "TRANSRESET, READONLY, TRANSIENT", 0, "TRANSIENT, READONLY, TRANSRESET" },
		{ "RDONLYGUEST,TRANSRESET", 0, "TRANSIENT, RDONLYGUEST, TRANSRESET" },
		{ "TRANSIENT,TRANSIENT", 0, "TRANSIENT" },
		{ "BOGUS", VERR_PARSE_ERROR, NULL },
		{ "TRANSIENT, BOGUS", VERR_PARSE_ERROR, NULL },
		{ "TRANSIENT READONLY", VERR_PARSE_ERROR, NULL },
		{ "TRANSIENT,,READONLY", VERR_PARSE_ERROR, NULL },
		{ ",TRANSIENT", VERR_PARSE_ERROR, NULL },
		{ "TRANSIENTX", VERR_PARSE_ERROR, NULL },
		{ "TRANS", VERR_PARSE_ERROR, NULL },
		{ "TRANSIENT;READONLY", VERR_PARSE_ERROR, NULL },
	};
	struct tclient c;
	size_t r;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		char name[64], f[1100];
		int32_t rc;

		snprintf(name, sizeof(name), "/test/flags/%zu", r);
		rc = gp_set(&c, name, "v", rows[r].in);
		if (rc != rows[r].rc)
			printf("    # flags \"%s\": rc %d\n", rows[r].in, rc);
		KTAP_EXPECT_EQ(t, rc, rows[r].rc);
		if (rows[r].rc) {
			KTAP_EXPECT_EQ(t, gp_get(&c, name, NULL, NULL, NULL),
				       VERR_NOT_FOUND);
			continue;
		}
		KTAP_EXPECT_EQ(t, gp_get(&c, name, NULL, f, NULL), 0);
		if (strcmp(f, rows[r].out))
			printf("    # flags \"%s\" -> \"%s\"\n", rows[r].in, f);
		KTAP_EXPECT_EQ(t, strcmp(f, rows[r].out), 0);
		/* Clean up what the flags allow (RDONLYHOST stays). */
		if (guestprop_host_delete(name) != VINF_SUCCESS)
			KTAP_EXPECT(t, strstr(rows[r].out, "READONLY") ||
				    strstr(rows[r].out, "RDONLYHOST"));
	}
	cl_disconnect(&c);
}

static void gp_flags_bad_string(struct ktap_case_ctx *t)
{
	struct tclient c;
	struct tcall *tc;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	tc = tc_new(GP_SET_PROP, 0);
	tc_str(tc, "/test/fbad/a");
	tc_str(tc, "v");
	tc_str(tc, "TRANS\xc3IENT");
	KTAP_EXPECT_EQ(t, cl_call(&c, tc), VERR_INVALID_UTF8_ENCODING);
	tc_free(tc);
	tc = tc_new(GP_SET_PROP, 0);
	tc_str(tc, "/test/fbad/a");
	tc_str(tc, "v");
	tc_buf(tc, "TRANSIENT", 9, HGCM_DIR_TO_HOST);	/* no NUL */
	KTAP_EXPECT_EQ(t, cl_call(&c, tc), VERR_INVALID_PARAMETER);
	tc_free(tc);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/fbad/a", NULL, NULL, NULL), VERR_NOT_FOUND);
	cl_disconnect(&c);
}

static void gp_guest_readonly_switch(struct ktap_case_ctx *t)
{
	char v[1100];
	struct tclient c;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/gro/a", "before", NULL), 0);
	guestprop_host_set_guest_readonly(true);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/gro/a", "after", NULL), VINF_PERMISSION_DENIED);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/gro/b", "new", ""), VINF_PERMISSION_DENIED);
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/gro/a"), VINF_PERMISSION_DENIED);
	/* Permission errors still win. */
	KTAP_EXPECT_EQ(t, gp_set(&c, "/VirtualBox/VMInfo/x", "v", NULL),
		       VERR_PERMISSION_DENIED);
	/* Reading still works; nothing changed. */
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/gro/a", v, NULL, NULL), 0);
	KTAP_EXPECT_EQ(t, strcmp(v, "before"), 0);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/gro/b", NULL, NULL, NULL), VERR_NOT_FOUND);
	guestprop_host_set_guest_readonly(false);
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/gro/a"), 0);
	cl_disconnect(&c);
}

static void gp_bad_parms(struct ktap_case_ctx *t)
{
	static const struct bad_parms_row rows[] = {
		{ GP_GET_PROP, "" }, { GP_GET_PROP, "bbU" }, { GP_GET_PROP, "bbUuu" },
		{ GP_GET_PROP, "bbuu" }, { GP_GET_PROP, "bbUU" }, { GP_GET_PROP, "ubUu" },
		{ GP_GET_PROP, "bzUu" }, { GP_GET_PROP, "zbUu" },
		{ GP_SET_PROP, "b" }, { GP_SET_PROP, "bbbb" }, { GP_SET_PROP, "bbu" },
		{ GP_SET_PROP, "zbb" }, { GP_SET_PROP, "bzb" }, { GP_SET_PROP, "bbz" },
		{ GP_SET_PROP, "bu" },
		{ GP_SET_PROP_VALUE, "b" }, { GP_SET_PROP_VALUE, "bbbb" },
		{ GP_SET_PROP_VALUE, "bu" }, { GP_SET_PROP_VALUE, "bz" },
		{ GP_SET_PROP_VALUE, "Ub" }, { GP_SET_PROP_VALUE, "bbu" },
		{ GP_SET_PROP_VALUE, "bbz" },
		{ GP_DEL_PROP, "" }, { GP_DEL_PROP, "bb" }, { GP_DEL_PROP, "u" },
		{ GP_DEL_PROP, "z" },
		{ GP_ENUM_PROPS, "bb" }, { GP_ENUM_PROPS, "bbU" }, { GP_ENUM_PROPS, "bzu" },
		{ GP_ENUM_PROPS, "zbu" }, { GP_ENUM_PROPS, "ubu" }, { GP_ENUM_PROPS, "bbuu" },
		{ GP_GET_NOTIFICATION, "bUb" }, { GP_GET_NOTIFICATION, "bubu" },
		{ GP_GET_NOTIFICATION, "bUbU" }, { GP_GET_NOTIFICATION, "zUbu" },
		{ GP_GET_NOTIFICATION, "bUzu" }, { GP_GET_NOTIFICATION, "bUbuu" },
	};

	run_bad_parms(t, &hgcm_svc_guestprop, rows, sizeof(rows) / sizeof(rows[0]));
}

static void gp_unknown_fn(struct ktap_case_ctx *t)
{
	static const uint32_t fns[] = { 0, 7, 8, 42, 0xffffffff };
	struct tclient c;
	size_t r;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	for (r = 0; r < sizeof(fns) / sizeof(fns[0]); r++) {
		struct tcall *tc = tc_new(fns[r], 0);

		tc_kinds(tc, "bbUu");
		KTAP_EXPECT_EQ(t, cl_call(&c, tc), VERR_NOT_IMPLEMENTED);
		tc_free(tc);
	}
	cl_disconnect(&c);
}

static void gp_timestamps_increase(struct ktap_case_ctx *t)
{
	struct tclient c;
	uint64_t prev = 0;
	int i, bad = 0;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	for (i = 0; i < 500; i++) {
		const char *name = (i & 1) ? "/test/ts/a" : "/test/ts/b";
		uint64_t ts;

		if (gp_set(&c, name, "v", NULL) != 0) {
			bad++;
			continue;
		}
		ts = gp_ts(&c, name);
		if (ts <= prev)
			bad++;
		prev = ts;
	}
	KTAP_EXPECT_EQ(t, bad, 0);
	/* Reading does not move the clock. */
	KTAP_EXPECT_EQ(t, gp_ts(&c, "/test/ts/a"), gp_ts(&c, "/test/ts/a"));
	gp_del(&c, "/test/ts/a");
	gp_del(&c, "/test/ts/b");
	cl_disconnect(&c);
}

/* ---- guest properties: enumeration -------------------------------------- */

static void gp_enum_format(struct ktap_case_ctx *t)
{
	struct enum_entry e[8];
	struct tclient c;
	struct tcall *tc;
	char tsa[32], tsb[32];
	int32_t rc;
	int n, i, seen = 0;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/enf/a", "va", "TRANSIENT"), 0);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/enf/b", "", NULL), 0);
	snprintf(tsa, sizeof(tsa), "%" PRIu64, gp_ts(&c, "/test/enf/a"));
	snprintf(tsb, sizeof(tsb), "%" PRIu64, gp_ts(&c, "/test/enf/b"));
	tc = gp_enum(&c, "/test/enf/*", sizeof("/test/enf/*"), 4096, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_SUCCESS);
	n = enum_parse(tc->p[1].buf, tc->p[2].u32, e, 8);
	KTAP_EXPECT_EQ(t, n, 2);
	for (i = 0; i < n && i < 8; i++) {
		if (!strcmp(e[i].name, "/test/enf/a")) {
			KTAP_EXPECT_EQ(t, strcmp(e[i].value, "va"), 0);
			KTAP_EXPECT_EQ(t, strcmp(e[i].ts, tsa), 0);
			KTAP_EXPECT_EQ(t, strcmp(e[i].flags, "TRANSIENT"), 0);
			seen |= 1;
		} else if (!strcmp(e[i].name, "/test/enf/b")) {
			KTAP_EXPECT_EQ(t, strcmp(e[i].value, ""), 0);
			KTAP_EXPECT_EQ(t, strcmp(e[i].flags, ""), 0);
			KTAP_EXPECT_EQ(t, strcmp(e[i].ts, tsb), 0);
			seen |= 2;
		}
	}
	KTAP_EXPECT_EQ(t, seen, 3);
	/* Exact size: two entries and the four NULs. */
	KTAP_EXPECT_EQ(t, tc->p[2].u32,
		       (12 + 3 + strlen(tsa) + 1 + 10) + (12 + 1 + strlen(tsb) + 1 + 1) + 4);
	tc_free(tc);
	gp_del(&c, "/test/enf/a");
	gp_del(&c, "/test/enf/b");
	cl_disconnect(&c);
}

static void gp_enum_empty_result(struct ktap_case_ctx *t)
{
	static const uint8_t nuls[4];
	struct tclient c;
	struct tcall *tc;
	int32_t rc;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	tc = gp_enum(&c, "/test/nothing-here/*", sizeof("/test/nothing-here/*"), 16, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, tc->p[2].u32, 4);
	KTAP_EXPECT_EQ(t, memcmp(tc->p[1].buf, nuls, 4), 0);
	tc_free(tc);
	/* Four bytes are enough for nothing. */
	tc = gp_enum(&c, "/test/nothing-here/*", sizeof("/test/nothing-here/*"), 4, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_SUCCESS);
	tc_free(tc);
	tc = gp_enum(&c, "/test/nothing-here/*", sizeof("/test/nothing-here/*"), 3, &rc);
	KTAP_EXPECT_EQ(t, rc, VERR_BUFFER_OVERFLOW);
	KTAP_EXPECT_EQ(t, tc->p[2].u32, 4);
	tc_free(tc);
	cl_disconnect(&c);
}

static void gp_enum_patterns(struct ktap_case_ctx *t)
{
	static const char * const names[] = {
		"/test/glob/a1", "/test/glob/a2", "/test/glob/b1",
		"/test/glob/bb22", "/test/glob/\xc3\xa9",
	};
	static const struct {
		const char *pat;
		uint32_t size;		/* 0: strlen + 1 */
		unsigned int want;	/* bit i: names[i] */
	} rows[] = {
		{ "/test/glob/*", 0, 0x1f },
		{ "/test/glob/a?", 0, 0x03 },
		{ "/test/glob/a1|/test/glob/b1", 0, 0x05 },
		{ "/test/glob/a1\0/test/glob/b1\0", 29, 0x05 },
		{ "/test/glob/?", 0, 0x10 },
		{ "/test/glob/*2", 0, 0x0a },
		{ "/test/glob/b*2*", 0, 0x08 },
		{ "*/glob/a*", 0, 0x03 },
		{ "/test/glob/A1", 0, 0x00 },
		{ "/test/glob/a1|", 0, 0x01 },
		{ "nomatch|/test/glob/b?", 0, 0x04 },
		{ "/test/glob/??", 0, 0x07 },
		{ "/test/glob/***1", 0, 0x05 },
		{ "/test/glob/a1\0\0garbage", 23, 0x01 },
	};
	struct tclient c;
	size_t r, k;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	for (k = 0; k < 5; k++)
		KTAP_EXPECT_EQ(t, gp_set(&c, names[k], "v", NULL), 0);
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		uint32_t size = rows[r].size ? rows[r].size :
				(uint32_t)strlen(rows[r].pat) + 1;
		struct enum_entry e[16];
		unsigned int got = 0;
		struct tcall *tc;
		int32_t rc;
		int n, i;

		tc = gp_enum(&c, rows[r].pat, size, 8192, &rc);
		KTAP_EXPECT_EQ(t, rc, VINF_SUCCESS);
		n = enum_parse(tc->p[1].buf, tc->p[2].u32, e, 16);
		for (i = 0; i < n && i < 16; i++) {
			for (k = 0; k < 5; k++)
				if (!strcmp(e[i].name, names[k]))
					got |= 1u << k;
			if (strncmp(e[i].name, "/test/glob/", 11))
				got |= 0x100;	/* something else matched */
		}
		if (got != rows[r].want)
			printf("    # pattern row %zu: got 0x%x want 0x%x\n", r, got,
			       rows[r].want);
		KTAP_EXPECT_EQ(t, got, rows[r].want);
		tc_free(tc);
	}
	for (k = 0; k < 5; k++)
		gp_del(&c, names[k]);
	cl_disconnect(&c);
}

static void gp_enum_all(struct ktap_case_ctx *t)
{
	struct tclient c;
	struct tcall *tc;
	int32_t rc;
	int n1, n2;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	n1 = count_props(&c);
	KTAP_EXPECT(t, n1 >= 7);	/* at least the initial properties */
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/enall/x", "1", NULL), 0);
	n2 = count_props(&c);
	KTAP_EXPECT_EQ(t, n2, n1 + 1);
	/* An all-NUL pattern buffer is "no pattern", too. */
	tc = gp_enum(&c, "\0\0\0\0", 4, 1 << 20, &rc);
	KTAP_EXPECT_EQ(t, rc, 0);
	KTAP_EXPECT_EQ(t, enum_parse(tc->p[1].buf, tc->p[2].u32, NULL, 0), n2);
	tc_free(tc);
	gp_del(&c, "/test/enall/x");
	KTAP_EXPECT_EQ(t, count_props(&c), n1);
	cl_disconnect(&c);
}

static void gp_enum_overflow(struct ktap_case_ctx *t)
{
	struct tclient c;
	struct tcall *tc;
	uint32_t need;
	int32_t rc;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/eov/a", "0123456789", NULL), 0);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/eov/b", "abc", "TRANSIENT"), 0);
	tc = gp_enum(&c, "/test/eov/*", sizeof("/test/eov/*"), 8, &rc);
	KTAP_EXPECT_EQ(t, rc, VERR_BUFFER_OVERFLOW);
	need = tc->p[2].u32;
	KTAP_EXPECT(t, need > 8);
	tc_free(tc);
	tc = gp_enum(&c, "/test/eov/*", sizeof("/test/eov/*"), need - 1, &rc);
	KTAP_EXPECT_EQ(t, rc, VERR_BUFFER_OVERFLOW);
	KTAP_EXPECT_EQ(t, tc->p[2].u32, need);
	tc_free(tc);
	tc = gp_enum(&c, "/test/eov/*", sizeof("/test/eov/*"), need, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, tc->p[2].u32, need);
	KTAP_EXPECT_EQ(t, enum_parse(tc->p[1].buf, need, NULL, 0), 2);
	tc_free(tc);
	gp_del(&c, "/test/eov/a");
	gp_del(&c, "/test/eov/b");
	cl_disconnect(&c);
}

static void gp_enum_bad_patterns(struct ktap_case_ctx *t)
{
	static char big[1100];
	static const struct {
		const void *pat;
		uint32_t size;
		int32_t rc;
	} rows[] = {
		{ big, 1024, VINF_SUCCESS },
		{ big, 1025, VERR_TOO_MUCH_DATA },
		{ "abc", 3, VERR_INVALID_PARAMETER },
		{ "/test/\xc3", 8, VERR_INVALID_UTF8_ENCODING },
		{ "ok\0/test/\xc3", 11, VERR_INVALID_UTF8_ENCODING },
	};
	struct tclient c;
	size_t r;

	memset(big, '*', 1023);
	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct tcall *tc;
		int32_t rc;

		tc = gp_enum(&c, rows[r].pat, rows[r].size, 1 << 20, &rc);
		KTAP_EXPECT_EQ(t, rc, rows[r].rc);
		tc_free(tc);
		/* The same rules for GET_NOTIFICATION's patterns. */
		tc = tc_new(GP_GET_NOTIFICATION, 0);
		tc_buf(tc, rows[r].pat, rows[r].size, HGCM_DIR_TO_HOST);
		tc_u64(tc, 0);
		tc_out(tc, 64);
		tc_u32(tc, 0);
		rc = cl_call(&c, tc);
		KTAP_EXPECT_EQ(t, rc, rows[r].rc ? rows[r].rc : HGCM_SVC_PENDING);
		if (rc == HGCM_SVC_PENDING)
			hgcm_svc_guestprop.cancel(c.priv, &tc->call);
		tc_free(tc);
	}
	cl_disconnect(&c);
}

/* ---- guest properties: notifications ------------------------------------ */

static void gp_notify_from_history(struct ktap_case_ctx *t)
{
	uint64_t ta, tb, tc_;
	struct tclient c;
	struct tcall *tc;
	int32_t rc;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/nh/a", "1", NULL), 0);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/nh/b", "2", "TRANSIENT"), 0);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/nh/c", "3", NULL), 0);
	ta = gp_ts(&c, "/test/nh/a");
	tb = gp_ts(&c, "/test/nh/b");
	tc_ = gp_ts(&c, "/test/nh/c");
	/* The next change after a's: b. */
	tc = gp_notify(&c, "/test/nh/*", ta, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_SUCCESS);
	KTAP_EXPECT(t, notif_is(tc, "/test/nh/b", "2", "TRANSIENT", false));
	KTAP_EXPECT_EQ(t, tc->p[1].u64, tb);
	tc_free(tc);
	/* With a pattern that skips b: c. */
	tc = gp_notify(&c, "/test/nh/a|/test/nh/c", ta, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_SUCCESS);
	KTAP_EXPECT(t, notif_is(tc, "/test/nh/c", "3", "", false));
	KTAP_EXPECT_EQ(t, tc->p[1].u64, tc_);
	tc_free(tc);
	/* A delete is in the history too. */
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/nh/b"), 0);
	tc = gp_notify(&c, "/test/nh/b", tb, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_SUCCESS);
	KTAP_EXPECT(t, notif_is(tc, "/test/nh/b", "", "", true));
	KTAP_EXPECT(t, tc->p[1].u64 > tc_);
	tc_free(tc);
	gp_del(&c, "/test/nh/a");
	gp_del(&c, "/test/nh/c");
	cl_disconnect(&c);
}

static void gp_notify_unknown_ts(struct ktap_case_ctx *t)
{
	static const uint64_t bogus[] = { 1, 12345, UINT64_MAX };
	struct tclient c;
	uint64_t ta;
	size_t r;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/nu/a", "first", NULL), 0);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/nu/a", "second", NULL), 0);
	ta = gp_ts(&c, "/test/nu/a");
	for (r = 0; r < sizeof(bogus) / sizeof(bogus[0]); r++) {
		struct tcall *tc;
		int32_t rc;

		/* Oldest matching change, flagged with VWRN_NOT_FOUND. */
		tc = gp_notify(&c, "/test/nu/*", bogus[r], 256, &rc);
		KTAP_EXPECT_EQ(t, rc, VWRN_NOT_FOUND);
		KTAP_EXPECT(t, notif_is(tc, "/test/nu/a", "first", "", false));
		KTAP_EXPECT(t, tc->p[1].u64 < ta);
		tc_free(tc);
	}
	gp_del(&c, "/test/nu/a");
	cl_disconnect(&c);
}

static void gp_notify_unknown_ts_waits(struct ktap_case_ctx *t)
{
	struct rreq w;
	uint32_t id;
	int32_t rc;

	KTAP_ASSERT(t, rig_up());
	id = rig_connect("VBoxGuestPropSvc");
	KTAP_ASSERT(t, id);
	w = rig_gp_notify(id, "/test/nuw/*", 99, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, !rq_done(&w));
	KTAP_EXPECT_EQ(t, rig_gp_set(id, "/test/nuw/x", "v", NULL), 0);
	KTAP_EXPECT(t, rq_done(&w));
	KTAP_EXPECT_EQ(t, rq_result(&w), VWRN_NOT_FOUND);	/* remembered */
	KTAP_EXPECT(t, rq_notif_is(&w, "/test/nuw/x", "v", "", false));
	KTAP_EXPECT_EQ(t, rq_get64(&w, 1), rig_gp_ts(id, "/test/nuw/x"));
	KTAP_EXPECT_EQ(t, rig_gp_del(id, "/test/nuw/x"), 0);
	KTAP_EXPECT_EQ(t, rig_disconnect(id), VINF_SUCCESS);
}

static void gp_notify_latest_waits(struct ktap_case_ctx *t)
{
	struct rreq w;
	uint64_t ta;
	uint32_t id;
	int32_t rc;

	KTAP_ASSERT(t, rig_up());
	id = rig_connect("VBoxGuestPropSvc");
	KTAP_ASSERT(t, id);
	KTAP_EXPECT_EQ(t, rig_gp_set(id, "/test/nlw/a", "1", NULL), 0);
	ta = rig_gp_ts(id, "/test/nlw/a");
	/* Known timestamp, nothing newer that matches: wait. */
	w = rig_gp_notify(id, "/test/nlw/*", ta, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, !rq_done(&w));
	KTAP_EXPECT_EQ(t, rig_gp_set(id, "/test/other/a", "x", NULL), 0);
	KTAP_EXPECT(t, !rq_done(&w));
	KTAP_EXPECT_EQ(t, rig_gp_set(id, "/test/nlw/a", "2", NULL), 0);
	KTAP_EXPECT(t, rq_done(&w));
	KTAP_EXPECT_EQ(t, rq_result(&w), VINF_SUCCESS);
	KTAP_EXPECT(t, rq_notif_is(&w, "/test/nlw/a", "2", "", false));
	KTAP_EXPECT(t, rq_get64(&w, 1) > ta);
	KTAP_EXPECT_EQ(t, rq_get64(&w, 1), rig_gp_ts(id, "/test/nlw/a"));
	rig_gp_del(id, "/test/nlw/a");
	rig_gp_del(id, "/test/other/a");
	KTAP_EXPECT_EQ(t, rig_disconnect(id), VINF_SUCCESS);
}

/* Runs one harmless call so that the inline core completes what is due. */
static void rig_kick(uint32_t vbg)
{
	struct rreq r = rq_call(vbg, 7, 1, 0);

	rq_u32(&r, 0, 0);
	rq_run(&r);
}

static void gp_notify_wait_woken(struct ktap_case_ctx *t)
{
	struct rreq w1, w2, w3;
	uint32_t c, d, vbg;
	int32_t rc;

	KTAP_ASSERT(t, rig_up());
	c = rig_connect("VBoxGuestPropSvc");
	d = rig_connect("VBoxGuestPropSvc");
	vbg = rig_connect(VBGTEST_SVC);
	KTAP_ASSERT(t, c && d && vbg);
	w1 = rig_gp_notify(c, "/test/nw/*", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	w2 = rig_gp_notify(d, "/test/nw/a", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	w3 = rig_gp_notify(d, "/test/nw/b", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, !rq_done(&w1) && !rq_done(&w2) && !rq_done(&w3));
	/* A set by another client wakes every matching waiter. */
	KTAP_EXPECT_EQ(t, rig_gp_set(d, "/test/nw/a", "val", "TRANSIENT"), 0);
	KTAP_EXPECT(t, rq_done(&w1) && rq_done(&w2) && !rq_done(&w3));
	KTAP_EXPECT_EQ(t, rq_result(&w1), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, rq_result(&w2), VINF_SUCCESS);
	KTAP_EXPECT(t, rq_notif_is(&w1, "/test/nw/a", "val", "TRANSIENT", false));
	KTAP_EXPECT(t, rq_notif_is(&w2, "/test/nw/a", "val", "TRANSIENT", false));
	KTAP_EXPECT_EQ(t, rq_get64(&w1, 1), rig_gp_ts(c, "/test/nw/a"));
	/* A host set wakes too (under the lock the core serialises with). */
	vmmdev_lock(F.dev);
	rc = guestprop_host_set("/test/nw/b", "h", "RDONLYGUEST");
	vmmdev_unlock(F.dev);
	KTAP_EXPECT_EQ(t, rc, 0);
	rig_kick(vbg);
	KTAP_EXPECT(t, rq_done(&w3));
	KTAP_EXPECT_EQ(t, rq_result(&w3), VINF_SUCCESS);
	KTAP_EXPECT(t, rq_notif_is(&w3, "/test/nw/b", "h", "RDONLYGUEST", false));
	rig_gp_del(c, "/test/nw/a");
	vmmdev_lock(F.dev);
	guestprop_host_delete("/test/nw/b");
	vmmdev_unlock(F.dev);
	KTAP_EXPECT_EQ(t, rig_disconnect(c), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, rig_disconnect(d), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, rig_disconnect(vbg), VINF_SUCCESS);
}

static void gp_notify_wait_delete(struct ktap_case_ctx *t)
{
	struct rreq w;
	uint32_t id;
	int32_t rc;

	KTAP_ASSERT(t, rig_up());
	id = rig_connect("VBoxGuestPropSvc");
	KTAP_ASSERT(t, id);
	KTAP_EXPECT_EQ(t, rig_gp_set(id, "/test/nwd/a", "v", "TRANSIENT"), 0);
	w = rig_gp_notify(id, "/test/nwd/a", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	/* Deleting what does not exist changes nothing: no wake-up. */
	KTAP_EXPECT_EQ(t, rig_gp_del(id, "/test/nwd/b"), 0);
	KTAP_EXPECT(t, !rq_done(&w));
	KTAP_EXPECT_EQ(t, rig_gp_del(id, "/test/nwd/a"), 0);
	KTAP_EXPECT(t, rq_done(&w));
	KTAP_EXPECT_EQ(t, rq_result(&w), VINF_SUCCESS);
	KTAP_EXPECT(t, rq_notif_is(&w, "/test/nwd/a", "", "", true));
	KTAP_EXPECT(t, rq_get64(&w, 1) != 0);
	KTAP_EXPECT_EQ(t, rig_disconnect(id), VINF_SUCCESS);
}

static void gp_notify_overflow(struct ktap_case_ctx *t)
{
	struct tclient c;
	struct tcall *tc;
	struct rreq w;
	uint64_t ta;
	uint32_t id;
	int32_t rc;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	/* From history: size reported, timestamp left alone. */
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/nov/a", "1", NULL), 0);
	ta = gp_ts(&c, "/test/nov/a");
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/nov/b", "0123456789", NULL), 0);
	tc = gp_notify(&c, "/test/nov/*", ta, 10, &rc);
	KTAP_EXPECT_EQ(t, rc, VERR_BUFFER_OVERFLOW);
	KTAP_EXPECT_EQ(t, tc->p[3].u32, 12 + 11 + 1 + 2);
	KTAP_EXPECT_EQ(t, tc->p[1].u64, ta);
	tc_free(tc);
	/* The exact size is enough. */
	tc = gp_notify(&c, "/test/nov/*", ta, 26, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_SUCCESS);
	KTAP_EXPECT(t, notif_is(tc, "/test/nov/b", "0123456789", "", false));
	tc_free(tc);
	gp_del(&c, "/test/nov/a");
	gp_del(&c, "/test/nov/b");
	cl_disconnect(&c);

	/* A woken waiter whose buffer is too small. */
	KTAP_ASSERT(t, rig_up());
	id = rig_connect("VBoxGuestPropSvc");
	KTAP_ASSERT(t, id);
	w = rig_gp_notify(id, "/test/nov/c", 0, 4, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT_EQ(t, rig_gp_set(id, "/test/nov/c", "long value", NULL), 0);
	KTAP_EXPECT(t, rq_done(&w));
	KTAP_EXPECT_EQ(t, rq_result(&w), VERR_BUFFER_OVERFLOW);
	KTAP_EXPECT_EQ(t, rq_get32(&w, 3), 12 + 11 + 1 + 2);
	KTAP_EXPECT_EQ(t, rq_get64(&w, 1), 0);
	rig_gp_del(id, "/test/nov/c");
	KTAP_EXPECT_EQ(t, rig_disconnect(id), VINF_SUCCESS);
}

static void gp_notify_superseded(struct ktap_case_ctx *t)
{
	struct rreq w1, w2, w3, w4;
	uint32_t c, d;
	int32_t rc;

	KTAP_ASSERT(t, rig_up());
	c = rig_connect("VBoxGuestPropSvc");
	d = rig_connect("VBoxGuestPropSvc");
	KTAP_ASSERT(t, c && d);
	w1 = rig_gp_notify(c, "/test/sup/*", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, !rq_done(&w1));
	w2 = rig_gp_notify(c, "/test/sup/*", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, rq_done(&w1));
	KTAP_EXPECT_EQ(t, rq_result(&w1), VERR_INTERRUPTED);
	KTAP_EXPECT(t, !rq_done(&w2));
	/* Different patterns, or another client: not superseded. */
	w3 = rig_gp_notify(c, "/test/sup/a", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	w4 = rig_gp_notify(d, "/test/sup/*", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, !rq_done(&w2) && !rq_done(&w3) && !rq_done(&w4));
	KTAP_EXPECT_EQ(t, rig_gp_set(c, "/test/sup/a", "v", NULL), 0);
	KTAP_EXPECT(t, rq_done(&w2) && rq_done(&w3) && rq_done(&w4));
	KTAP_EXPECT_EQ(t, rq_result(&w2), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, rq_result(&w3), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, rq_result(&w4), VINF_SUCCESS);
	KTAP_EXPECT(t, rq_notif_is(&w4, "/test/sup/a", "v", "", false));
	rig_gp_del(c, "/test/sup/a");
	KTAP_EXPECT_EQ(t, rig_disconnect(c), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, rig_disconnect(d), VINF_SUCCESS);
}

static void gp_notify_wait_limit(struct ktap_case_ctx *t)
{
	struct rreq w[17], x;
	uint32_t c, d;
	char pat[64];
	int32_t rc;
	int i, pending = 0;

	KTAP_ASSERT(t, rig_up());
	c = rig_connect("VBoxGuestPropSvc");
	d = rig_connect("VBoxGuestPropSvc");
	KTAP_ASSERT(t, c && d);
	for (i = 0; i < 16; i++) {
		snprintf(pat, sizeof(pat), "/test/wl/%d", i);
		w[i] = rig_gp_notify(c, pat, 0, 256, &rc);
		KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	}
	/* The 17th is refused by the service (asynchronously). */
	w[16] = rig_gp_notify(c, "/test/wl/16", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, rq_done(&w[16]));
	KTAP_EXPECT_EQ(t, rq_result(&w[16]), VERR_OUT_OF_RESOURCES);
	/* The limit is per client. */
	x = rig_gp_notify(d, "/test/wl/16", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, !rq_done(&x));
	/* An identical wait replaces the old one even at the limit. */
	w[16] = rig_gp_notify(c, "/test/wl/0", 0, 256, &rc);
	KTAP_EXPECT(t, !rq_done(&w[16]));
	KTAP_EXPECT(t, rq_done(&w[0]));
	KTAP_EXPECT_EQ(t, rq_result(&w[0]), VERR_INTERRUPTED);
	w[0] = w[16];
	/* A cancelled wait frees its slot. */
	KTAP_EXPECT_EQ(t, rq_cancel(&w[5]), VINF_SUCCESS);
	w[5] = rig_gp_notify(c, "/test/wl/16", 0, 256, &rc);
	KTAP_EXPECT(t, !rq_done(&w[5]));
	w[16] = rig_gp_notify(c, "/test/wl/17", 0, 256, &rc);
	KTAP_EXPECT(t, rq_done(&w[16]));
	KTAP_EXPECT_EQ(t, rq_result(&w[16]), VERR_OUT_OF_RESOURCES);
	for (i = 0; i < 16; i++)
		pending += !rq_done(&w[i]);
	KTAP_EXPECT_EQ(t, pending, 16);
	/* One set completes every matching wait, the other client's too. */
	KTAP_EXPECT_EQ(t, rig_gp_set(d, "/test/wl/16", "v", NULL), 0);
	KTAP_EXPECT(t, rq_done(&w[5]) && rq_done(&x));
	KTAP_EXPECT_EQ(t, rq_result(&x), VINF_SUCCESS);
	rig_gp_del(d, "/test/wl/16");
	KTAP_EXPECT_EQ(t, rig_disconnect(c), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, rig_disconnect(d), VINF_SUCCESS);
}

static void gp_notify_disconnect(struct ktap_case_ctx *t)
{
	struct tcall *tw1, *tw2;
	struct rreq w1, w3;
	struct tclient tc;
	uint32_t c, d;
	int32_t rc;

	/* Service level: disconnect ends the client's waits, no other. */
	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &tc));
	tw1 = gp_notify(&tc, "/test/disc/*", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, HGCM_SVC_PENDING);
	tw2 = gp_notify(&tc, "", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, HGCM_SVC_PENDING);
	KTAP_EXPECT(t, tw1->call.svc_priv && tw2->call.svc_priv);
	cl_disconnect(&tc);
	KTAP_EXPECT(t, !tw1->call.svc_priv && !tw2->call.svc_priv);

	/*
	 * Through the core: the service's completions reach the guest
	 * (spec 8.1: VERR_INTERRUPTED), the other client's wait goes on.
	 */
	KTAP_ASSERT(t, rig_up());
	c = rig_connect("VBoxGuestPropSvc");
	d = rig_connect("VBoxGuestPropSvc");
	KTAP_ASSERT(t, c && d);
	w1 = rig_gp_notify(c, "/test/disc/*", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	w3 = rig_gp_notify(d, "/test/disc/*", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT_EQ(t, rig_disconnect(c), VINF_SUCCESS);
	KTAP_EXPECT(t, rq_done(&w1));
	KTAP_EXPECT_EQ(t, rq_result(&w1), VERR_INTERRUPTED);
	KTAP_EXPECT(t, !rq_done(&w3));
	/* The other client's wait still works. */
	KTAP_EXPECT_EQ(t, rig_gp_set(d, "/test/disc/a", "v", NULL), 0);
	KTAP_EXPECT(t, rq_done(&w3));
	KTAP_EXPECT_EQ(t, rq_result(&w3), VINF_SUCCESS);
	/* The interrupted wait got no notification. */
	KTAP_EXPECT_EQ(t, rq_bufp(&w1, 2)[0], 0);
	/* The service-level waits are gone too: this set touched nothing. */
	KTAP_EXPECT_EQ(t, tw1->p[3].u32, 0);
	KTAP_EXPECT_EQ(t, tw2->p[3].u32, 0);
	tc_free(tw1);
	tc_free(tw2);
	rig_gp_del(d, "/test/disc/a");
	KTAP_EXPECT_EQ(t, rig_disconnect(d), VINF_SUCCESS);
}

static void gp_notify_cancel(struct ktap_case_ctx *t)
{
	struct rreq w, w2;
	uint32_t id;
	int32_t rc;

	KTAP_ASSERT(t, rig_up());
	id = rig_connect("VBoxGuestPropSvc");
	KTAP_ASSERT(t, id);
	w = rig_gp_notify(id, "/test/canc/*", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT_EQ(t, rq_cancel(&w), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, rq_cancel(&w), VERR_NOT_FOUND);
	/* A matching set no longer reaches it. */
	KTAP_EXPECT_EQ(t, rig_gp_set(id, "/test/canc/a", "v", NULL), 0);
	KTAP_EXPECT(t, !rq_done(&w));
	KTAP_EXPECT_EQ(t, rq_get32(&w, 3), 0);
	/* A fresh identical wait supersedes nothing and works. */
	w2 = rig_gp_notify(id, "/test/canc/*", 0, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, !rq_done(&w2));
	KTAP_EXPECT(t, !rq_done(&w));
	KTAP_EXPECT_EQ(t, rig_gp_del(id, "/test/canc/a"), 0);
	KTAP_EXPECT(t, rq_done(&w2));
	KTAP_EXPECT_EQ(t, rq_result(&w2), VINF_SUCCESS);
	KTAP_EXPECT(t, rq_notif_is(&w2, "/test/canc/a", "", "", true));
	KTAP_EXPECT_EQ(t, rig_disconnect(id), VINF_SUCCESS);
}

/* ---- vbgtest through the core -------------------------------------------- */

static void rig_vbg_echo(struct ktap_case_ctx *t)
{
	static const char msg[] = "through the core";
	struct rreq r;
	uint32_t id;

	KTAP_ASSERT(t, rig_up());
	id = rig_connect(VBGTEST_SVC);
	KTAP_ASSERT(t, id);
	r = rq_call(id, 1, 3, 64);
	rq_buf(&r, 0, msg, sizeof(msg), HGCM_DIR_TO_HOST);
	rq_buf(&r, 1, NULL, 40, HGCM_DIR_FROM_HOST);
	rq_u32(&r, 2, 0);
	KTAP_EXPECT_EQ(t, rq_run(&r), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, rq_get32(&r, 2), sizeof(msg));
	KTAP_EXPECT_EQ(t, memcmp(rq_bufp(&r, 1), msg, sizeof(msg)), 0);
	/* Embedded buffers report the size the service produced. */
	KTAP_EXPECT_EQ(t, get32(rq_entry(&r, 1) + 8), sizeof(msg));
	KTAP_EXPECT_EQ(t, rig_disconnect(id), VINF_SUCCESS);
}

static void rig_gp_get_enum(struct ktap_case_ctx *t)
{
	static const char want[] = "v1\0TRANSIENT";
	struct rreq r;
	uint32_t id;

	KTAP_ASSERT(t, rig_up());
	id = rig_connect("VBoxGuestPropSvc");
	KTAP_ASSERT(t, id);
	KTAP_EXPECT_EQ(t, rig_gp_set(id, "/test/rge/a", "v1", "transient"), 0);
	r = rq_call(id, GP_GET_PROP, 4, 64 + 100);
	rq_str(&r, 0, "/test/rge/a");
	rq_buf(&r, 1, NULL, 100, HGCM_DIR_FROM_HOST);
	rq_u64(&r, 2, 0);
	rq_u32(&r, 3, 0);
	KTAP_EXPECT_EQ(t, rq_run(&r), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, rq_get32(&r, 3), sizeof(want));
	KTAP_EXPECT_EQ(t, memcmp(rq_bufp(&r, 1), want, sizeof(want)), 0);
	KTAP_EXPECT_EQ(t, rq_get64(&r, 2), rig_gp_ts(id, "/test/rge/a"));
	/* The embedded buffer's size field comes back unchanged. */
	KTAP_EXPECT_EQ(t, get32(rq_entry(&r, 1) + 8), 100);
	/* Too small: the needed size in the size parameter, no timestamp. */
	r = rq_call(id, GP_GET_PROP, 4, 64 + 8);
	rq_str(&r, 0, "/test/rge/a");
	rq_buf(&r, 1, NULL, 4, HGCM_DIR_FROM_HOST);
	rq_u64(&r, 2, 0);
	rq_u32(&r, 3, 0);
	KTAP_EXPECT_EQ(t, rq_run(&r), VERR_BUFFER_OVERFLOW);
	KTAP_EXPECT_EQ(t, rq_get32(&r, 3), sizeof(want));
	KTAP_EXPECT_EQ(t, rq_get64(&r, 2), 0);
	/* ENUM through the core. */
	r = rq_call(id, GP_ENUM_PROPS, 3, 64 + 256);
	rq_str(&r, 0, "/test/rge/*");
	rq_buf(&r, 1, NULL, 256, HGCM_DIR_FROM_HOST);
	rq_u32(&r, 2, 0);
	KTAP_EXPECT_EQ(t, rq_run(&r), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, enum_parse(rq_bufp(&r, 1), rq_get32(&r, 2), NULL, 0), 1);
	KTAP_EXPECT_EQ(t, strcmp((const char *)rq_bufp(&r, 1), "/test/rge/a"), 0);
	KTAP_EXPECT_EQ(t, rig_gp_del(id, "/test/rge/a"), 0);
	KTAP_EXPECT_EQ(t, rig_disconnect(id), VINF_SUCCESS);
}

static void rig_vbg_status(struct ktap_case_ctx *t)
{
	static const int32_t st[] = {
		VINF_SUCCESS, VERR_INVALID_PARAMETER, 0x7fffffff, VWRN_NOT_FOUND,
		INT32_MIN,
	};
	uint32_t id;
	size_t i;

	KTAP_ASSERT(t, rig_up());
	id = rig_connect(VBGTEST_SVC);
	KTAP_ASSERT(t, id);
	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		struct rreq r = rq_call(id, 7, 1, 0);

		rq_u32(&r, 0, (uint32_t)st[i]);
		KTAP_EXPECT_EQ(t, rq_run(&r), st[i]);
	}
	KTAP_EXPECT_EQ(t, rig_disconnect(id), VINF_SUCCESS);
}

static void rig_vbg_whoami(struct ktap_case_ctx *t)
{
	struct rreq r;
	uint32_t id;

	KTAP_ASSERT(t, rig_up());
	id = rig_connect(VBGTEST_SVC);
	KTAP_ASSERT(t, id);
	r = rq_call(id, 8, 2, 0);
	rq_u32(&r, 0, 0);
	rq_u32(&r, 1, 0);
	KTAP_EXPECT_EQ(t, rq_run(&r), VINF_SUCCESS);
	/* No ReportGuestInfo2 requestor feature: legacy requestor. */
	KTAP_EXPECT_EQ(t, rq_get32(&r, 0), 0xffffffff);
	KTAP_EXPECT_EQ(t, rq_get32(&r, 1), id);
	KTAP_EXPECT_EQ(t, rig_disconnect(id), VINF_SUCCESS);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void rig_vbg_delay(struct ktap_case_ctx *t)
{
	uint64_t start, took = 0;
	struct rreq r;
	uint32_t id;

	KTAP_ASSERT(t, rig_up());
	id = rig_connect(VBGTEST_SVC);
	KTAP_ASSERT(t, id);
	r = rq_call(id, 5, 1, 0);
	rq_u32(&r, 0, 150);
	start = now_ms();
	KTAP_EXPECT_EQ(t, rq_submit(&r), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, !rq_done(&r));
	while (!rq_done(&r) && now_ms() - start < 5000)
		usleep(2000);
	took = now_ms() - start;
	KTAP_EXPECT(t, rq_done(&r));
	KTAP_EXPECT_EQ(t, rq_result(&r), VINF_SUCCESS);
	KTAP_EXPECT(t, took >= 145 && took < 2000);
	KTAP_EXPECT_EQ(t, rig_disconnect(id), VINF_SUCCESS);
}

static void rig_vbg_never(struct ktap_case_ctx *t)
{
	struct rreq r, r2;
	uint32_t id;

	KTAP_ASSERT(t, rig_up());
	id = rig_connect(VBGTEST_SVC);
	KTAP_ASSERT(t, id);
	r = rq_call(id, 6, 0, 0);
	r2 = rq_call(id, 6, 0, 0);
	KTAP_EXPECT_EQ(t, rq_submit(&r), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT_EQ(t, rq_submit(&r2), VINF_HGCM_ASYNC_EXECUTE);
	usleep(50000);
	KTAP_EXPECT(t, !rq_done(&r) && !rq_done(&r2));
	KTAP_EXPECT_EQ(t, rq_cancel(&r), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, rq_cancel(&r), VERR_NOT_FOUND);
	KTAP_EXPECT(t, !rq_done(&r));
	KTAP_EXPECT_EQ(t, rq_result(&r), 0);	/* never written */
	/*
	 * The disconnect leaves the other one pending (the service forgets
	 * it, the host writes nothing): a cancel still finds it.
	 */
	KTAP_EXPECT_EQ(t, rig_disconnect(id), VINF_SUCCESS);
	KTAP_EXPECT(t, !rq_done(&r2));
	KTAP_EXPECT_EQ(t, rq_cancel(&r2), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, rq_cancel(&r2), VERR_NOT_FOUND);
	KTAP_EXPECT(t, !rq_done(&r2));
}

/*
 * The shared-folder service's mapping waits (fn 22) as the guest sees them
 * through the core: pending until the host adds a share (VINF_SUCCESS,
 * the new version written back), VERR_CANCELLED after the client's
 * CANCEL_MAPPINGS_CHANGES_WAITS (fn 23), never written after a guest
 * cancel.  test_sf.c has the service's own cases.
 */
static void rig_sf_mapping_waits(struct ktap_case_ctx *t)
{
	struct rreq r, w;
	uint32_t id, v;

	KTAP_ASSERT(t, rig_up());
	id = rig_connect("VBoxSharedFolders");
	KTAP_ASSERT(t, id);
	r = rq_call(id, 22, 1, 0);
	rq_u32(&r, 0, 0);
	KTAP_EXPECT_EQ(t, rq_run(&r), VINF_SUCCESS);
	v = rq_get32(&r, 0);
	w = rq_call(id, 22, 1, 0);
	rq_u32(&w, 0, v);
	KTAP_EXPECT_EQ(t, rq_submit(&w), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, !rq_done(&w));
	KTAP_ASSERT(t, rig_control("sf-add rigw /tmp"));
	KTAP_EXPECT(t, rq_done(&w));
	KTAP_EXPECT_EQ(t, rq_result(&w), VINF_SUCCESS);
	KTAP_EXPECT(t, rq_get32(&w, 0) != v);
	v = rq_get32(&w, 0);
	/* Cancelled by the client's fn 23. */
	w = rq_call(id, 22, 1, 0);
	rq_u32(&w, 0, v);
	KTAP_EXPECT_EQ(t, rq_submit(&w), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, !rq_done(&w));
	r = rq_call(id, 23, 0, 0);
	KTAP_EXPECT_EQ(t, rq_run(&r), VINF_SUCCESS);
	KTAP_EXPECT(t, rq_done(&w));
	KTAP_EXPECT_EQ(t, rq_result(&w), VERR_CANCELLED);
	/* A guest cancel: dropped, the share's removal writes nothing. */
	w = rq_call(id, 22, 1, 0);
	rq_u32(&w, 0, v);
	KTAP_EXPECT_EQ(t, rq_submit(&w), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT_EQ(t, rq_cancel(&w), VINF_SUCCESS);
	KTAP_ASSERT(t, rig_control("sf-remove rigw"));
	KTAP_EXPECT(t, !rq_done(&w));
	KTAP_EXPECT_EQ(t, rig_disconnect(id), VINF_SUCCESS);
}

static void gp_notify_history_256(struct ktap_case_ctx *t)
{
	static uint64_t ts[300];
	struct tclient c;
	struct tcall *tc;
	char v[16];
	int32_t rc;
	int i;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	for (i = 0; i < 300; i++) {
		snprintf(v, sizeof(v), "%d", i);
		KTAP_EXPECT_EQ(t, gp_set(&c, "/test/hist/k", v, NULL), 0);
		ts[i] = gp_ts(&c, "/test/hist/k");
	}
	/* Changes 0..43 fell out of the 256-entry history. */
	tc = gp_notify(&c, "/test/hist/*", ts[0], 64, &rc);
	KTAP_EXPECT_EQ(t, rc, VWRN_NOT_FOUND);
	KTAP_EXPECT(t, notif_is(tc, "/test/hist/k", "44", "", false));
	KTAP_EXPECT_EQ(t, tc->p[1].u64, ts[44]);
	tc_free(tc);
	tc = gp_notify(&c, "/test/hist/*", ts[43], 64, &rc);
	KTAP_EXPECT_EQ(t, rc, VWRN_NOT_FOUND);
	tc_free(tc);
	/* The oldest remembered one is still known. */
	tc = gp_notify(&c, "/test/hist/*", ts[44], 64, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_SUCCESS);
	KTAP_EXPECT(t, notif_is(tc, "/test/hist/k", "45", "", false));
	KTAP_EXPECT_EQ(t, tc->p[1].u64, ts[45]);
	tc_free(tc);
	tc = gp_notify(&c, "/test/hist/*", ts[200], 64, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_SUCCESS);
	KTAP_EXPECT(t, notif_is(tc, "/test/hist/k", "201", "", false));
	tc_free(tc);
	gp_del(&c, "/test/hist/k");
	cl_disconnect(&c);
}

/* ---- guest properties: initial set, limits, reset ------------------------ */

static void gp_initial_properties(struct ktap_case_ctx *t)
{
	static const char * const names[] = {
		"/VirtualBox/HostInfo/VBoxVer", "/VirtualBox/HostInfo/VBoxVerExt",
		"/VirtualBox/HostInfo/VBoxRev", "/VirtualBox/VMInfo/ResetCounter",
		"/VirtualBox/VMInfo/ResumeCounter",
		"/VirtualBox/HostGuest/SysprepExec",
		"/VirtualBox/HostGuest/SysprepArgs",
	};
	char v[1100], f[1100];
	struct tclient c;
	size_t i;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		KTAP_EXPECT_EQ(t, gp_get(&c, names[i], v, f, NULL), VINF_SUCCESS);
		KTAP_EXPECT_EQ(t, strcmp(f, "TRANSIENT, RDONLYGUEST"), 0);
		/* Read-only to the guest, whatever the prefix. */
		KTAP_EXPECT_EQ(t, gp_set(&c, names[i], "x", NULL), VERR_PERMISSION_DENIED);
		KTAP_EXPECT_EQ(t, gp_del(&c, names[i]), VERR_PERMISSION_DENIED);
	}
	KTAP_EXPECT_EQ(t, gp_get(&c, "/VirtualBox/HostInfo/VBoxVer", v, NULL, NULL), 0);
	KTAP_EXPECT(t, v[0] >= '1' && v[0] <= '9' && strchr(v, '.'));
	KTAP_EXPECT_EQ(t, gp_get(&c, "/VirtualBox/HostInfo/VBoxRev", v, NULL, NULL), 0);
	KTAP_EXPECT(t, strtoul(v, NULL, 10) > 0);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/VirtualBox/VMInfo/ResumeCounter", v, NULL, NULL), 0);
	KTAP_EXPECT_EQ(t, strcmp(v, "0"), 0);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/VirtualBox/VMInfo/ResetCounter", v, NULL, NULL), 0);
	KTAP_EXPECT_EQ(t, strcmp(v, "0"), 0);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/VirtualBox/HostGuest/SysprepExec", v, NULL, NULL), 0);
	KTAP_EXPECT_EQ(t, strcmp(v, ""), 0);
	cl_disconnect(&c);
}

static void gp_property_limit(struct ktap_case_ctx *t)
{
	struct tclient c;
	char name[64];
	int n, i, made = 0;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	n = count_props(&c);
	KTAP_ASSERT(t, n > 0 && n < 256);
	for (i = 0; n + i < 256; i++) {
		snprintf(name, sizeof(name), "/test/limit/%d", i);
		if (gp_set(&c, name, "v", NULL) == VINF_SUCCESS)
			made++;
	}
	KTAP_EXPECT_EQ(t, made, 256 - n);
	KTAP_EXPECT_EQ(t, count_props(&c), 256);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/limit/one-more", "v", NULL), VERR_TOO_MUCH_DATA);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/limit/one-more", "v", ""), VERR_TOO_MUCH_DATA);
	KTAP_EXPECT_EQ(t, guestprop_host_set("/test/limit/one-more", "v", NULL),
		       VERR_TOO_MUCH_DATA);
	/* Changing an existing one is fine at the limit. */
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/limit/0", "changed", NULL), VINF_SUCCESS);
	/* After one delete there is room for one. */
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/limit/0"), 0);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/limit/one-more", "v", NULL), VINF_SUCCESS);
	gp_del(&c, "/test/limit/one-more");
	for (i = 1; i < made; i++) {
		snprintf(name, sizeof(name), "/test/limit/%d", i);
		gp_del(&c, name);
	}
	KTAP_EXPECT_EQ(t, count_props(&c), n);
	cl_disconnect(&c);
}

static void gp_reset_transreset(struct ktap_case_ctx *t)
{
	char before[1100], after[1100];
	struct tclient c;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/rst/tr", "1", "TRANSRESET"), 0);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/rst/trro", "1", "TRANSRESET, RDONLYGUEST"), 0);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/rst/tn", "2", "TRANSIENT"), 0);
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/rst/pl", "3", NULL), 0);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/VirtualBox/VMInfo/ResetCounter", before,
				 NULL, NULL), 0);
	cl_disconnect(&c);
	hgcm_svc_guestprop.reset();
	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/rst/tr", NULL, NULL, NULL), VERR_NOT_FOUND);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/rst/trro", NULL, NULL, NULL), VERR_NOT_FOUND);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/rst/tn", NULL, NULL, NULL), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/test/rst/pl", NULL, NULL, NULL), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, gp_get(&c, "/VirtualBox/HostInfo/VBoxVer", NULL, NULL, NULL), 0);
	/* Host properties are untouched. */
	KTAP_EXPECT_EQ(t, gp_get(&c, "/VirtualBox/VMInfo/ResetCounter", after,
				 NULL, NULL), 0);
	KTAP_EXPECT_EQ(t, strcmp(after, before), 0);
	gp_del(&c, "/test/rst/tn");
	gp_del(&c, "/test/rst/pl");
	cl_disconnect(&c);
}

static void gp_reset_history(struct ktap_case_ctx *t)
{
	struct tclient c;
	struct tcall *w;
	uint64_t ta;
	int32_t rc;

	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/rsh/a", "1", "TRANSRESET"), 0);
	ta = gp_ts(&c, "/test/rsh/a");
	cl_disconnect(&c);
	hgcm_svc_guestprop.reset();
	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	/* The drop is a delete a new client can catch up with. */
	w = gp_notify(&c, "/test/rsh/*", ta, 256, &rc);
	KTAP_EXPECT_EQ(t, rc, VINF_SUCCESS);
	KTAP_EXPECT(t, notif_is(w, "/test/rsh/a", "", "", true));
	KTAP_EXPECT(t, w->p[1].u64 > ta);
	tc_free(w);
	/* And timestamps keep increasing across the reset. */
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/rsh/b", "1", NULL), 0);
	KTAP_EXPECT(t, gp_ts(&c, "/test/rsh/b") > ta);
	gp_del(&c, "/test/rsh/b");
	cl_disconnect(&c);
}

static void guest_errors_logged(struct ktap_case_ctx *t)
{
	struct tclient c, v;
	struct tcall *tc;
	long mark;

	KTAP_ASSERT(t, fx_log);
	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	KTAP_ASSERT(t, cl_connect(&hgcm_svc_test, &v));
	mark = log_mark();
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/log/a*", "v", NULL), VERR_INVALID_PARAMETER);
	KTAP_EXPECT(t, log_has(mark, "guest-error: guestprop: bad name"));
	mark = log_mark();
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/log/a", "v", "NOPE"), VERR_PARSE_ERROR);
	KTAP_EXPECT(t, log_has(mark, "guest-error: guestprop: bad flags"));
	mark = log_mark();
	KTAP_EXPECT_EQ(t, gp_set(&c, "/VirtualBox/HostInfo/a", "v", NULL),
		       VERR_PERMISSION_DENIED);
	KTAP_EXPECT(t, log_has(mark, "guest-error: guestprop: set of host-reserved"));
	mark = log_mark();
	tc = tc_new(99, 0);
	KTAP_EXPECT_EQ(t, cl_call(&c, tc), VERR_NOT_IMPLEMENTED);
	KTAP_EXPECT(t, log_has(mark, "guest-error: guestprop: unknown function 99"));
	tc_free(tc);
	mark = log_mark();
	tc = tc_new(1, 0);
	tc_u32(tc, 1);
	KTAP_EXPECT_EQ(t, cl_call(&v, tc), VERR_INVALID_PARAMETER);
	KTAP_EXPECT(t, log_has(mark, "guest-error: vbgtest fn 1: 1 parameters, want 3"));
	tc_free(tc);
	/* Successes stay quiet. */
	mark = log_mark();
	KTAP_EXPECT_EQ(t, gp_set(&c, "/test/log/a", "v", NULL), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, gp_del(&c, "/test/log/a"), VINF_SUCCESS);
	KTAP_EXPECT(t, !log_has(mark, "guestprop"));
	cl_disconnect(&c);
	cl_disconnect(&v);
}

/* Runs one control command; returns its reply (static buffer). */
static const char *gp_ctl(const char *cmd, bool *handled)
{
	static char reply[2048];
	FILE *f;

	memset(reply, 0, sizeof(reply));
	f = fmemopen(reply, sizeof(reply) - 1, "w");
	if (!f)
		return "";
	*handled = guestprop_control(cmd, f);
	fclose(f);
	return reply;
}

static void gp_control_commands(struct ktap_case_ctx *t)
{
	static const struct {
		const char *cmd;
		bool handled;
		const char *reply;	/* prefix; NULL: don't care */
	} rows[] = {
		{ "ping", false, "" },
		{ "hgcm-mode inline", false, "" },
		{ "guestprop-set /test/ctl/a hostval TRANSIENT, RDONLYGUEST", true, "ok\n" },
		{ "guestprop-get /test/ctl/a", true,
		  "value hostval\nflags TRANSIENT, RDONLYGUEST\ntimestamp " },
		{ "guestprop-set /test/ctl/a other", true, "ok\n" },
		{ "guestprop-get /test/ctl/a", true, "value other\nflags \ntimestamp " },
		{ "guestprop-set /test/ctl/b \"\"", true, "ok\n" },
		{ "guestprop-get /test/ctl/b", true, "value \nflags \n" },
		{ "guestprop-set /test/ctl/c v BOGUS", true, "err status -53\n" },
		{ "guestprop-set /test/ctl/c* v", true, "err status -2\n" },
		{ "guestprop-set /test/ctl/c", true, "err usage" },
		{ "guestprop-set", true, "err usage" },
		{ "guestprop-del /test/ctl/a", true, "ok\n" },
		{ "guestprop-del /test/ctl/b", true, "ok\n" },
		{ "guestprop-del /test/ctl/never", true, "ok\n" },
		{ "guestprop-get /test/ctl/a", true, "err status -78\n" },
		{ "guestprop-readonly 2", true, "err usage" },
		{ "guestprop-readonly", true, "err usage" },
		{ "guestprop-frobnicate x", true, "err unknown command" },
		{ "guestprop-set /test/ctl/r v RDONLYHOST", true, "ok\n" },
		{ "guestprop-set /test/ctl/r w", true, "err status -10\n" },
		{ "guestprop-del /test/ctl/r", true, "err status -10\n" },
	};
	struct tclient c;
	size_t r;

	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		bool handled = !rows[r].handled;
		const char *reply = gp_ctl(rows[r].cmd, &handled);

		if (handled != rows[r].handled ||
		    strncmp(reply, rows[r].reply, strlen(rows[r].reply)))
			printf("    # \"%s\": handled %d reply \"%s\"\n",
			       rows[r].cmd, handled, reply);
		KTAP_EXPECT_EQ(t, handled, rows[r].handled);
		KTAP_EXPECT_EQ(t, strncmp(reply, rows[r].reply,
					  strlen(rows[r].reply)), 0);
	}
	/* The guest sees the switch. */
	KTAP_ASSERT(t, cl_connect(&hgcm_svc_guestprop, &c));
	{
		bool handled;

		KTAP_EXPECT_EQ(t, strcmp(gp_ctl("guestprop-readonly 1", &handled), "ok\n"), 0);
		KTAP_EXPECT_EQ(t, gp_set(&c, "/test/ctl/g", "v", NULL),
			       VINF_PERMISSION_DENIED);
		KTAP_EXPECT_EQ(t, strcmp(gp_ctl("guestprop-readonly 0", &handled), "ok\n"), 0);
		KTAP_EXPECT_EQ(t, gp_set(&c, "/test/ctl/g", "v", NULL), VINF_SUCCESS);
		KTAP_EXPECT_EQ(t, strncmp(gp_ctl("guestprop-get /test/ctl/g", &handled),
					  "value v\nflags \ntimestamp ", 25), 0);
		KTAP_EXPECT_EQ(t, gp_del(&c, "/test/ctl/g"), VINF_SUCCESS);
	}
	cl_disconnect(&c);
}

/*
 * The shared clipboard's message wait through the core: it pends until
 * the host copies text (clip-set), which completes it with the formats
 * message; READ_DATA brings the text back in the guest's buffer.  A wait
 * pending when its client disconnects is dropped, never written.
 */
static void rig_clip_wait(struct ktap_case_ctx *t)
{
	static const uint8_t hi[] = { 'h', 0, 'i', 0, 0, 0 };
	struct rreq w, r;
	uint32_t c;

	KTAP_ASSERT(t, rig_up());
	c = rig_connect("VBoxSharedClipboard");
	KTAP_ASSERT(t, c);
	w = rq_call(c, 1, 2, 0);
	rq_u32(&w, 0, 0);
	rq_u32(&w, 1, 0);
	KTAP_EXPECT_EQ(t, rq_submit(&w), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT(t, !rq_done(&w));
	KTAP_EXPECT(t, rig_control("clip-set hi"));
	KTAP_EXPECT(t, rq_done(&w));
	KTAP_EXPECT_EQ(t, rq_result(&w), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, rq_get32(&w, 0), 3);
	KTAP_EXPECT_EQ(t, rq_get32(&w, 1), 1);
	r = rq_call(c, 3, 3, 64);
	rq_u32(&r, 0, 1);
	rq_buf(&r, 1, NULL, 64, HGCM_DIR_FROM_HOST);
	rq_u32(&r, 2, 0);
	KTAP_EXPECT_EQ(t, rq_run(&r), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, rq_get32(&r, 2), sizeof(hi));
	KTAP_EXPECT(t, !memcmp(rq_bufp(&r, 1), hi, sizeof(hi)));
	w = rq_call(c, 1, 2, 0);
	rq_u32(&w, 0, 0);
	rq_u32(&w, 1, 0);
	KTAP_EXPECT_EQ(t, rq_submit(&w), VINF_HGCM_ASYNC_EXECUTE);
	KTAP_EXPECT_EQ(t, rig_disconnect(c), VINF_SUCCESS);
	KTAP_EXPECT(t, !rq_done(&w));
	KTAP_EXPECT(t, rig_control("clip-clear"));
}

static const struct ktap_case cases[] = {
	KTAP_CASE(vbg_connect_disconnect),
	KTAP_CASE(vbg_echo),
	KTAP_CASE(vbg_fill),
	KTAP_CASE(vbg_check),
	KTAP_CASE(vbg_check_wrong_seed),
	KTAP_CASE(vbg_xor),
	KTAP_CASE(vbg_delay),
	KTAP_CASE(vbg_never_cancel),
	KTAP_CASE(vbg_status),
	KTAP_CASE(vbg_whoami),
	KTAP_CASE(vbg_unknown_fn),
	KTAP_CASE(vbg_bad_parms),
	KTAP_CASE(gp_initial_properties),
	KTAP_CASE(gp_connect_name),
	KTAP_CASE(gp_set_get),
	KTAP_CASE(gp_get_output_format),
	KTAP_CASE(gp_overwrite),
	KTAP_CASE(gp_set_value_clears_flags),
	KTAP_CASE(gp_set_optional_flags),
	KTAP_CASE(gp_delete),
	KTAP_CASE(gp_get_not_found),
	KTAP_CASE(gp_get_overflow),
	KTAP_CASE(gp_name_limits),
	KTAP_CASE(gp_value_limits),
	KTAP_CASE(gp_reserved_prefixes),
	KTAP_CASE(gp_rdonlyguest),
	KTAP_CASE(gp_rdonlyhost_host),
	KTAP_CASE(gp_flags_canonical),
	KTAP_CASE(gp_flags_bad_string),
	KTAP_CASE(gp_guest_readonly_switch),
	KTAP_CASE(gp_bad_parms),
	KTAP_CASE(gp_unknown_fn),
	KTAP_CASE(gp_timestamps_increase),
	KTAP_CASE(gp_enum_format),
	KTAP_CASE(gp_enum_empty_result),
	KTAP_CASE(gp_enum_patterns),
	KTAP_CASE(gp_enum_all),
	KTAP_CASE(gp_enum_overflow),
	KTAP_CASE(gp_enum_bad_patterns),
	KTAP_CASE(gp_notify_from_history),
	KTAP_CASE(gp_notify_unknown_ts),
	KTAP_CASE(gp_notify_unknown_ts_waits),
	KTAP_CASE(gp_notify_latest_waits),
	KTAP_CASE(gp_notify_wait_woken),
	KTAP_CASE(gp_notify_wait_delete),
	KTAP_CASE(gp_notify_overflow),
	KTAP_CASE(gp_notify_superseded),
	KTAP_CASE(gp_notify_wait_limit),
	KTAP_CASE(gp_notify_disconnect),
	KTAP_CASE(gp_notify_cancel),
	KTAP_CASE(gp_notify_history_256),
	KTAP_CASE(gp_property_limit),
	KTAP_CASE(gp_reset_transreset),
	KTAP_CASE(gp_reset_history),
	KTAP_CASE(rig_gp_get_enum),
	KTAP_CASE(rig_vbg_echo),
	KTAP_CASE(rig_vbg_status),
	KTAP_CASE(rig_vbg_whoami),
	KTAP_CASE(rig_vbg_delay),
	KTAP_CASE(rig_vbg_never),
	KTAP_CASE(rig_sf_mapping_waits),
	KTAP_CASE(rig_clip_wait),
	KTAP_CASE(guest_errors_logged),
	KTAP_CASE(gp_control_commands),
};

KTAP_SUITE("vmmdev_svc", cases)
