// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the shared clipboard service "VBoxSharedClipboard"
 * (svc_clip.c), driven through its struct hgcm_service as the HGCM core
 * drives it, and its host side through clip_control().  The calls are not
 * the core's: a wait the service completes is seen in its parameters
 * (the core's own completion path is test_svc.c's clip_wait_through_core).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"
#include "hgcm.h"
#include "ktap.h"
#include "le.h"
#include "svc.h"
#include "test_parms.h"

#define NP	4

#define FN_GET_HOST_MSG_OLD	1
#define FN_REPORT_FORMATS	2
#define FN_READ_DATA		3
#define FN_WRITE_DATA		4
#define FN_REPORT_FEATURES	6
#define MSG_READ_DATA		2
#define MSG_FORMATS		3
#define FMT_TEXT		0x1
#define VINF_BUFFER_OVERFLOW	41

/* A client and one call's parameters. */
struct cc {
	void *priv;
	struct hgcm_svc_call call;
	struct hgcm_parm p[NP];
};

static char reply[8192];

/* Runs control command @cmd; its reply in reply[]; false if not handled. */
static bool ctl(const char *cmd)
{
	FILE *f = fmemopen(reply, sizeof(reply) - 1, "w");
	bool handled;

	if (!f)
		return false;
	handled = clip_control(cmd, f);
	fputc('\0', f);
	fclose(f);
	reply[sizeof(reply) - 1] = '\0';
	return handled;
}

/* Value of field @name in clip-get's reply, -1 if absent. */
static long long field(const char *name)
{
	char key[64], *p;

	ctl("clip-get");
	snprintf(key, sizeof(key), "\n%s ", name);
	if (!strncmp(reply, key + 1, strlen(key + 1)))
		return strtoll(reply + strlen(key + 1), NULL, 0);
	p = strstr(reply, key);
	return p ? strtoll(p + strlen(key), NULL, 0) : -1;
}

static bool cc_connect(struct cc *c)
{
	static uint32_t id = 10;

	memset(c, 0, sizeof(*c));
	return !hgcm_svc_clip.connect(id++, 0xffffffff, &c->priv) && c->priv;
}

/* Starts a call of @fn with no parameters. */
static void cc_fn(struct cc *c, uint32_t fn)
{
	fx_parm_free(c->p, c->call.nparms);
	memset(&c->call, 0, sizeof(c->call));
	c->call.fn = fn;
	c->call.parms = c->p;
	c->call.requestor = 0xffffffff;
}

static void cc_u32(struct cc *c, uint32_t v)
{
	fx_parm_add(c->p, &c->call.nparms, NP, HGCM_PARM_U32)->u32 = v;
}

static void cc_u64(struct cc *c, uint64_t v)
{
	fx_parm_add(c->p, &c->call.nparms, NP, HGCM_PARM_U64)->u64 = v;
}

static void cc_buf(struct cc *c, const void *data, uint32_t size)
{
	fx_parm_buf(fx_parm_add(c->p, &c->call.nparms, NP, HGCM_PARM_BUF),
		    data, size, HGCM_DIR_TO_HOST | HGCM_DIR_FROM_HOST);
}

static int32_t cc_call(struct cc *c)
{
	return hgcm_svc_clip.call(c->priv, &c->call);
}

static void cc_disconnect(struct cc *c)
{
	fx_parm_free(c->p, c->call.nparms);
	hgcm_svc_clip.disconnect(c->priv);
}

/*
 * GET_HOST_MSG_OLD of client @c, in call @w (its own, so that it may stay
 * pending while @c makes other calls): its status.  A message it got is in
 * w->p[0] (message) and w->p[1] (formats).
 */
static int32_t get_msg(struct cc *c, struct cc *w)
{
	memset(w, 0, sizeof(*w));
	w->priv = c->priv;
	cc_fn(w, FN_GET_HOST_MSG_OLD);
	cc_u32(w, 0);
	cc_u32(w, 0);
	return cc_call(w);
}

/* Whether wait @w got message @msg with formats @formats. */
static bool got(const struct cc *w, uint32_t msg, uint32_t formats)
{
	return w->p[0].u32 == msg && w->p[1].u32 == formats;
}

/* REPORT_FEATURES as VBoxClient 7.2.22 sends it: no context IDs back. */
static void features(struct ktap_case_ctx *t)
{
	struct cc c;

	KTAP_ASSERT(t, cc_connect(&c));
	KTAP_EXPECT(t, !strcmp(hgcm_svc_clip.name, "VBoxSharedClipboard"));
	cc_fn(&c, FN_REPORT_FEATURES);
	cc_u64(&c, 0x3);
	cc_u64(&c, 0x8000000000000000ull);
	KTAP_EXPECT_EQ(t, cc_call(&c), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, c.p[0].u64, 0);
	/* Handed back with bit 63, VBoxClient gives up (VERR_NOT_SUPPORTED). */
	KTAP_EXPECT_EQ(t, c.p[1].u64, 0);
	cc_fn(&c, FN_REPORT_FEATURES);
	cc_u64(&c, 0x3);
	KTAP_EXPECT_EQ(t, cc_call(&c), VERR_INVALID_PARAMETER);
	cc_disconnect(&c);
}

/* Functions this old host does not know answer VERR_NOT_IMPLEMENTED. */
static void unknown_functions(struct ktap_case_ctx *t)
{
	static const uint32_t fns[] = { 0, 5, 7, 8, 9, 10, 11, 12, 25, 26, 27, 28, 29, 1000 };
	long long before;
	struct cc c;
	size_t i;

	KTAP_ASSERT(t, cc_connect(&c));
	before = field("unknown");
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		cc_fn(&c, fns[i]);
		cc_u64(&c, 0);
		cc_u32(&c, 0);
		KTAP_EXPECT_EQ(t, cc_call(&c), VERR_NOT_IMPLEMENTED);
	}
	KTAP_EXPECT_EQ(t, field("unknown") - before, (long long)i);
	cc_disconnect(&c);
}

/*
 * The message wait pends until the host copies text; then it gets the
 * formats message, and READ_DATA gives the text as UTF-16LE with its NUL.
 */
static void host_to_guest(struct ktap_case_ctx *t)
{
	static const uint8_t want[] = { 'a', 0, 0xe9, 0, '\r', 0, '\n', 0,
					0x3d, 0xd8, 0x00, 0xde, 0, 0 };
	struct cc c, w;

	KTAP_ASSERT(t, ctl("clip-clear"));
	KTAP_ASSERT(t, cc_connect(&c));
	KTAP_EXPECT_EQ(t, get_msg(&c, &w), HGCM_SVC_PENDING);
	KTAP_EXPECT_EQ(t, field("waits"), 1);
	/* a, e-acute, CR LF, U+1F600 (a surrogate pair). */
	KTAP_ASSERT(t, ctl("clip-set a\xc3\xa9\\x0d\\x0a\xf0\x9f\x98\x80"));
	KTAP_EXPECT(t, !strcmp(reply, "ok\n"));
	KTAP_EXPECT(t, got(&w, MSG_FORMATS, FMT_TEXT));
	KTAP_EXPECT_EQ(t, field("waits"), 0);
	cc_fn(&c, FN_READ_DATA);
	cc_u32(&c, FMT_TEXT);
	cc_buf(&c, NULL, 4096);
	cc_u32(&c, 0);
	KTAP_EXPECT_EQ(t, cc_call(&c), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, c.p[2].u32, sizeof(want));
	KTAP_EXPECT_EQ(t, c.p[1].out_size, sizeof(want));
	KTAP_EXPECT(t, !memcmp(c.p[1].buf, want, sizeof(want)));
	/* Too small: the size needed, VINF_BUFFER_OVERFLOW, no data. */
	cc_fn(&c, FN_READ_DATA);
	cc_u32(&c, FMT_TEXT);
	cc_buf(&c, NULL, 4);
	cc_u32(&c, 0);
	KTAP_EXPECT_EQ(t, cc_call(&c), VINF_BUFFER_OVERFLOW);
	KTAP_EXPECT_EQ(t, c.p[2].u32, sizeof(want));
	KTAP_EXPECT_EQ(t, c.p[1].out_size, 0);
	/* A format the host does not have: nothing. */
	cc_fn(&c, FN_READ_DATA);
	cc_u32(&c, 0x2);
	cc_buf(&c, NULL, 64);
	cc_u32(&c, 0);
	KTAP_EXPECT_EQ(t, cc_call(&c), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, c.p[2].u32, 0);
	/* Messages queue while no wait pends; a newer formats one replaces. */
	KTAP_ASSERT(t, ctl("clip-set-pattern 10000"));
	KTAP_ASSERT(t, ctl("clip-set b"));
	fx_parm_free(w.p, w.call.nparms);
	KTAP_EXPECT_EQ(t, get_msg(&c, &w), VINF_SUCCESS);
	KTAP_EXPECT(t, got(&w, MSG_FORMATS, FMT_TEXT));
	fx_parm_free(w.p, w.call.nparms);
	KTAP_EXPECT_EQ(t, get_msg(&c, &w), HGCM_SVC_PENDING);
	/* Emptied: formats 0. */
	KTAP_ASSERT(t, ctl("clip-clear"));
	KTAP_EXPECT(t, got(&w, MSG_FORMATS, 0));
	fx_parm_free(w.p, w.call.nparms);
	cc_disconnect(&c);
}

/* A client connecting after the host copied hears of it at once. */
static void new_client_told(struct ktap_case_ctx *t)
{
	struct cc c, w;

	KTAP_ASSERT(t, ctl("clip-set x"));
	KTAP_ASSERT(t, cc_connect(&c));
	KTAP_EXPECT_EQ(t, get_msg(&c, &w), VINF_SUCCESS);
	KTAP_EXPECT(t, got(&w, MSG_FORMATS, FMT_TEXT));
	KTAP_ASSERT(t, ctl("clip-clear"));
	fx_parm_free(w.p, w.call.nparms);
	cc_disconnect(&c);
}

/*
 * The guest reports text: the host asks for it (a read message to the
 * pending wait) and what WRITE_DATA brings is what clip-get shows,
 * escaped.  Formats without text bring no read message.
 */
static void guest_to_host(struct ktap_case_ctx *t)
{
	static const uint8_t data[] = { 'h', 0, 'i', 0, '\r', 0, '\n', 0,
					'\\', 0, 0xe9, 0, 0x3d, 0xd8, 0x00, 0xde,
					0, 0 };
	long long writes;
	struct cc c, w;

	KTAP_ASSERT(t, ctl("clip-clear"));
	KTAP_ASSERT(t, cc_connect(&c));
	writes = field("writes");
	KTAP_EXPECT_EQ(t, get_msg(&c, &w), HGCM_SVC_PENDING);
	cc_fn(&c, FN_REPORT_FORMATS);
	cc_u32(&c, FMT_TEXT);
	KTAP_EXPECT_EQ(t, cc_call(&c), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, field("formats"), FMT_TEXT);
	KTAP_EXPECT(t, got(&w, MSG_READ_DATA, FMT_TEXT));
	cc_fn(&c, FN_WRITE_DATA);
	cc_u32(&c, FMT_TEXT);
	cc_buf(&c, data, sizeof(data));
	KTAP_EXPECT_EQ(t, cc_call(&c), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, field("writes"), writes + 1);
	KTAP_EXPECT_EQ(t, field("size"), sizeof(data));
	ctl("clip-get");
	KTAP_EXPECT(t, strstr(reply, "\ntext hi\\x0d\\x0a\\\\\xc3\xa9\xf0\x9f\x98\x80\n"));
	fx_parm_free(w.p, w.call.nparms);
	KTAP_EXPECT_EQ(t, get_msg(&c, &w), HGCM_SVC_PENDING);
	cc_fn(&c, FN_REPORT_FORMATS);
	cc_u32(&c, 0x2);
	KTAP_EXPECT_EQ(t, cc_call(&c), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, field("waits"), 1);
	hgcm_svc_clip.cancel(c.priv, &w.call);
	KTAP_EXPECT_EQ(t, field("waits"), 0);
	fx_parm_free(w.p, w.call.nparms);
	cc_disconnect(&c);
}

/* Wrong layouts, a second wait, limits and bad control commands. */
static void refusals(struct ktap_case_ctx *t)
{
	struct cc c, w, w2;

	KTAP_ASSERT(t, cc_connect(&c));
	KTAP_EXPECT_EQ(t, get_msg(&c, &w), HGCM_SVC_PENDING);
	/* One wait per client. */
	KTAP_EXPECT_EQ(t, get_msg(&c, &w2), VERR_OUT_OF_RESOURCES);
	fx_parm_free(w2.p, w2.call.nparms);
	cc_fn(&c, FN_GET_HOST_MSG_OLD);
	cc_u32(&c, 0);
	KTAP_EXPECT_EQ(t, cc_call(&c), VERR_INVALID_PARAMETER);
	cc_fn(&c, FN_REPORT_FORMATS);
	cc_u64(&c, 1);
	KTAP_EXPECT_EQ(t, cc_call(&c), VERR_INVALID_PARAMETER);
	cc_fn(&c, FN_READ_DATA);
	cc_u32(&c, 1);
	cc_u32(&c, 0);
	cc_u32(&c, 0);
	KTAP_EXPECT_EQ(t, cc_call(&c), VERR_INVALID_PARAMETER);
	cc_fn(&c, FN_WRITE_DATA);
	cc_u32(&c, 1);
	KTAP_EXPECT_EQ(t, cc_call(&c), VERR_INVALID_PARAMETER);
	cc_fn(&c, FN_WRITE_DATA);
	cc_u32(&c, 1);
	cc_buf(&c, NULL, (1u << 20) + 1);
	KTAP_EXPECT_EQ(t, cc_call(&c), VERR_TOO_MUCH_DATA);
	KTAP_EXPECT(t, ctl("clip-set \\q"));
	KTAP_EXPECT(t, !strncmp(reply, "err", 3));
	KTAP_EXPECT(t, ctl("clip-set-pattern 600000"));
	KTAP_EXPECT(t, !strncmp(reply, "err", 3));
	KTAP_EXPECT(t, ctl("clip-trace 0") && !strcmp(reply, "ok\n"));
	KTAP_EXPECT(t, !ctl("clip-nothing"));
	KTAP_EXPECT(t, !ctl("ping"));
	/* The cancelled wait is forgotten. */
	hgcm_svc_clip.cancel(c.priv, &w.call);
	KTAP_EXPECT_EQ(t, field("waits"), 0);
	fx_parm_free(w.p, w.call.nparms);
	cc_disconnect(&c);
}

/* At most 16 clients; a reset forgets them all. */
static void clients_and_reset(struct ktap_case_ctx *t)
{
	struct cc c[17];
	int i;

	for (i = 0; i < 16; i++)
		KTAP_ASSERT(t, cc_connect(&c[i]));
	KTAP_EXPECT_EQ(t, hgcm_svc_clip.connect(99, 0, &c[16].priv),
		       VERR_HGCM_TOO_MANY_CLIENTS);
	KTAP_EXPECT_EQ(t, field("clients"), 16);
	hgcm_svc_clip.reset();
	KTAP_EXPECT_EQ(t, field("clients"), 0);
	KTAP_ASSERT(t, cc_connect(&c[0]));
	cc_disconnect(&c[0]);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(features),
	KTAP_CASE(unknown_functions),
	KTAP_CASE(host_to_guest),
	KTAP_CASE(new_client_told),
	KTAP_CASE(guest_to_host),
	KTAP_CASE(refusals),
	KTAP_CASE(clients_and_reset),
};

KTAP_SUITE("vmmdev_clip", cases)
