// SPDX-License-Identifier: GPL-2.0
/*
 * VMMDev emulator: the shared clipboard service "VBoxSharedClipboard"
 * (../../../shared/vmmdev-spec.md section 8.3 names the functions only).
 *
 * The host this plays is an old one: it knows the legacy functions 1-4
 * and answers every other function (5-28: connect, features, peek/get/
 * reply, transfers, cancel, error, chunk size) with VERR_NOT_IMPLEMENTED,
 * the status the spec gives for an unknown function (7.4, 9).  VBoxClient
 * 7.2.22 then falls back to the legacy protocol.  The layouts of 1-4 and
 * the message and format numbers are what VBoxClient 7.2.22 sent and did
 * (t_vbclient's clipboard cases, the service's log of every call whose
 * layout it did not know); README "Shared clipboard" has the observations.
 *
 *   fn 1 GET_HOST_MSG_OLD  message u32 out, formats u32 out: pends until
 *                          the host has a message for the client
 *   fn 2 REPORT_FORMATS    formats u32 in: the guest owns the clipboard
 *   fn 3 READ_DATA         format u32 in, data buffer out, size u32 out:
 *                          the host's clipboard (VINF_BUFFER_OVERFLOW and
 *                          the size needed if the buffer is too small)
 *   fn 4 WRITE_DATA        format u32 in, data buffer in: the guest's
 *                          answer to a read message
 *
 * Messages (fn 1): 1 quit, 2 read (the host wants the guest's data in
 * the given format), 3 formats (the host's clipboard has new content).
 * Format bit 0x1 is Unicode text: UTF-16LE, NUL-terminated.
 *
 * The host side (clip-* control commands): clip-set puts text on the
 * host's clipboard and announces it to every client; a guest that
 * reports text is asked for it at once (message 2), and what it writes is
 * what clip-get shows.
 *
 * Every entry point is serialised by the HGCM core (svc.h): no lock here.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hgcm.h"
#include "le.h"
#include "svc.h"

#define CLIP_FN_GET_HOST_MSG_OLD	1
#define CLIP_FN_REPORT_FORMATS		2
#define CLIP_FN_READ_DATA		3
#define CLIP_FN_WRITE_DATA		4
#define CLIP_FN_REPORT_FEATURES		6

#define CLIP_MSG_QUIT			1
#define CLIP_MSG_READ_DATA		2
#define CLIP_MSG_FORMATS		3

#define CLIP_FMT_TEXT			0x1

#define CLIP_MAX_CLIENTS		16
#define CLIP_MAX_MSGS			8	/* queued per client */
#define CLIP_MAX_DATA			(1u << 20)	/* bytes either way */
#define CLIP_LOG_BYTES			64	/* of a buffer, in the log */
#define VINF_BUFFER_OVERFLOW		41

struct clip_msg {
	uint32_t msg;
	uint32_t formats;
};

struct clip_client {
	bool used;
	uint32_t id;
	uint64_t features;		/* the guest's, REPORT_FEATURES */
	struct hgcm_svc_call *wait;	/* a pending GET_HOST_MSG_OLD */
	struct clip_msg q[CLIP_MAX_MSGS];
	uint32_t nq;
};

static struct clip_client clients[CLIP_MAX_CLIENTS];

/* clip-trace 1: log every call whole, as unknown ones are. */
static bool trace;

/* The host's clipboard: UTF-16LE text with its NUL, or nothing. */
static uint8_t *host_data;
static uint32_t host_size;

/* What the guest reported and wrote last. */
static uint32_t guest_formats;
static uint8_t *guest_data;
static uint32_t guest_size, guest_format;

static struct {
	uint64_t calls[32], unknown, reads, writes, reports, msgs, dropped;
} cnt;

/* ---- the call log -------------------------------------------------------- */

static const char *const kinds[] = { "?", "u32", "u64", "buf" };

/* Logs @call whole (function, parameters, values, buffer bytes). */
static void clip_log_call(const struct clip_client *c,
			  const struct hgcm_svc_call *call, const char *why)
{
	char hex[CLIP_LOG_BYTES * 2 + 4];
	uint32_t i, j, n;

	vmmdev_log("clip: client %u: function %u, %u parameters: %s", c->id,
		   call->fn, call->nparms, why);
	for (i = 0; i < call->nparms; i++) {
		const struct hgcm_parm *p = &call->parms[i];

		if (p->kind != HGCM_PARM_BUF) {
			vmmdev_log("clip:   parameter %u: %s 0x%" PRIx64, i,
				   kinds[p->kind & 3],
				   p->kind == HGCM_PARM_U64 ? p->u64 : p->u32);
			continue;
		}
		n = p->size < CLIP_LOG_BYTES ? p->size : CLIP_LOG_BYTES;
		for (j = 0; j < n; j++)
			snprintf(hex + 2 * j, 3, "%02x", p->buf[j]);
		hex[2 * n] = '\0';
		vmmdev_log("clip:   parameter %u: buf dir %u size %u bytes %s%s",
			   i, p->dir, p->size, hex, p->size > n ? "..." : "");
	}
}

/* Whether @call's parameters have the kinds in @k ('u' u32, 'U' u64, 'b'). */
static bool clip_parms_ok(const struct hgcm_svc_call *call, const char *k)
{
	static const char map[] = { [HGCM_PARM_U32] = 'u', [HGCM_PARM_U64] = 'U',
				    [HGCM_PARM_BUF] = 'b' };
	uint32_t i;

	if (call->nparms != strlen(k))
		return false;
	for (i = 0; i < call->nparms; i++)
		if ((unsigned int)call->parms[i].kind > HGCM_PARM_BUF ||
		    map[call->parms[i].kind] != k[i])
			return false;
	return true;
}

/* ---- messages ------------------------------------------------------------ */

/* Hands the oldest queued message to @c's pending wait, if both exist. */
static void clip_deliver(struct clip_client *c)
{
	struct hgcm_svc_call *w = c->wait;

	if (!w || !c->nq)
		return;
	w->parms[0].u32 = c->q[0].msg;
	w->parms[1].u32 = c->q[0].formats;
	memmove(c->q, c->q + 1, --c->nq * sizeof(c->q[0]));
	c->wait = NULL;
	w->svc_priv = NULL;
	cnt.msgs++;
	hgcm_svc_complete(w, VINF_SUCCESS);
}

/*
 * Queues message @msg for @c; a formats message replaces one not yet
 * fetched (only the newest content counts).  A full queue drops the
 * oldest message (counted).
 */
static void clip_post(struct clip_client *c, uint32_t msg, uint32_t formats)
{
	uint32_t i;

	for (i = 0; i < c->nq; i++)
		if (c->q[i].msg == msg && msg == CLIP_MSG_FORMATS) {
			c->q[i].formats = formats;
			return;
		}
	if (c->nq == CLIP_MAX_MSGS) {
		memmove(c->q, c->q + 1, --c->nq * sizeof(c->q[0]));
		cnt.dropped++;
	}
	c->q[c->nq].msg = msg;
	c->q[c->nq].formats = formats;
	c->nq++;
	clip_deliver(c);
}

/* ---- guest functions ----------------------------------------------------- */

static int32_t clip_get_host_msg(struct clip_client *c,
				 struct hgcm_svc_call *call)
{
	if (!clip_parms_ok(call, "uu"))
		return VERR_INVALID_PARAMETER;
	/* One wait per client, as a real host: a second one is refused. */
	if (c->wait)
		return VERR_OUT_OF_RESOURCES;
	c->wait = call;
	call->svc_priv = c;
	if (c->nq) {
		clip_deliver(c);
		return VINF_SUCCESS;
	}
	return HGCM_SVC_PENDING;
}

static int32_t clip_report_formats(struct clip_client *c,
				   struct hgcm_svc_call *call)
{
	if (!clip_parms_ok(call, "u"))
		return VERR_INVALID_PARAMETER;
	guest_formats = call->parms[0].u32;
	cnt.reports++;
	/* The host wants the text at once: clip-get shows it. */
	if (guest_formats & CLIP_FMT_TEXT)
		clip_post(c, CLIP_MSG_READ_DATA, CLIP_FMT_TEXT);
	return VINF_SUCCESS;
}

static int32_t clip_read_data(struct clip_client *c, struct hgcm_svc_call *call)
{
	struct hgcm_parm *p;

	(void)c;
	if (!clip_parms_ok(call, "ubu"))
		return VERR_INVALID_PARAMETER;
	p = &call->parms[1];
	cnt.reads++;
	if (!(call->parms[0].u32 & CLIP_FMT_TEXT) || !host_data) {
		call->parms[2].u32 = 0;
		p->out_size = 0;
		return VINF_SUCCESS;
	}
	call->parms[2].u32 = host_size;
	if (p->size < host_size) {
		p->out_size = 0;
		return VINF_BUFFER_OVERFLOW;
	}
	memcpy(p->buf, host_data, host_size);
	p->out_size = host_size;
	return VINF_SUCCESS;
}

static int32_t clip_report_features(struct clip_client *c,
				    struct hgcm_svc_call *call)
{
	if (!clip_parms_ok(call, "UU"))
		return VERR_INVALID_PARAMETER;
	c->features = call->parms[0].u64;
	/*
	 * No context IDs (bit 0): the guest keeps to functions 1-4.  The
	 * second word comes with bit 63 set; VBoxClient takes it back
	 * unchanged as VERR_NOT_SUPPORTED (a host that did not handle the
	 * call), so it goes back 0.
	 */
	call->parms[0].u64 = 0;
	call->parms[1].u64 = 0;
	return VINF_SUCCESS;
}

static int32_t clip_write_data(struct clip_client *c, struct hgcm_svc_call *call)
{
	const struct hgcm_parm *p;
	uint8_t *d;

	(void)c;
	if (!clip_parms_ok(call, "ub"))
		return VERR_INVALID_PARAMETER;
	p = &call->parms[1];
	if (p->size > CLIP_MAX_DATA)
		return VERR_TOO_MUCH_DATA;
	d = malloc(p->size + 1);
	if (!d)
		return VERR_NO_MEMORY;
	memcpy(d, p->buf, p->size);
	free(guest_data);
	guest_data = d;
	guest_size = p->size;
	guest_format = call->parms[0].u32;
	cnt.writes++;
	return VINF_SUCCESS;
}

typedef int32_t clip_fn_t(struct clip_client *c, struct hgcm_svc_call *call);

static clip_fn_t *const clip_fns[] = {
	[CLIP_FN_GET_HOST_MSG_OLD] = clip_get_host_msg,
	[CLIP_FN_REPORT_FORMATS] = clip_report_formats,
	[CLIP_FN_READ_DATA] = clip_read_data,
	[CLIP_FN_WRITE_DATA] = clip_write_data,
	[CLIP_FN_REPORT_FEATURES] = clip_report_features,
};

static int32_t clip_call(void *client, struct hgcm_svc_call *call)
{
	struct clip_client *c = client;
	int32_t rc;

	cnt.calls[call->fn < 32 ? call->fn : 0]++;
	if (call->fn >= sizeof(clip_fns) / sizeof(clip_fns[0]) || !clip_fns[call->fn]) {
		/* An older host's answer; what it carried, for whoever adds it. */
		clip_log_call(c, call, "not implemented");
		cnt.unknown++;
		return VERR_NOT_IMPLEMENTED;
	}
	if (trace)
		clip_log_call(c, call, "in");
	rc = clip_fns[call->fn](c, call);
	if (rc == VERR_INVALID_PARAMETER)
		clip_log_call(c, call, "layout not known");
	else if (trace && rc != HGCM_SVC_PENDING)
		clip_log_call(c, call, rc == VINF_BUFFER_OVERFLOW ? "out, overflow" : "out");
	return rc;
}

static int32_t clip_connect(uint32_t client_id, uint32_t requestor, void **client)
{
	struct clip_client *c;
	uint32_t i;

	(void)requestor;
	for (i = 0; i < CLIP_MAX_CLIENTS && clients[i].used; i++)
		;
	if (i == CLIP_MAX_CLIENTS)
		return VERR_HGCM_TOO_MANY_CLIENTS;
	c = &clients[i];
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->id = client_id;
	/* A new client hears what the host's clipboard holds. */
	if (host_data)
		clip_post(c, CLIP_MSG_FORMATS, CLIP_FMT_TEXT);
	*client = c;
	return VINF_SUCCESS;
}

static void clip_disconnect(void *client)
{
	struct clip_client *c = client;

	/* A message wait is forgotten; the core keeps it pending (svc.h). */
	c->wait = NULL;
	c->used = false;
}

static void clip_cancel(void *client, struct hgcm_svc_call *call)
{
	struct clip_client *c = client;

	if (c->wait == call)
		c->wait = NULL;
	call->svc_priv = NULL;
}

static void clip_reset(void)
{
	/* The core disconnects every client; the host's clipboard stays. */
	memset(clients, 0, sizeof(clients));
}

const struct hgcm_service hgcm_svc_clip = {
	.name = "VBoxSharedClipboard",
	.connect = clip_connect,
	.disconnect = clip_disconnect,
	.call = clip_call,
	.cancel = clip_cancel,
	.reset = clip_reset,
};

/* ---- host side ----------------------------------------------------------- */

/* Appends code point @cp to @out (UTF-16LE) at *@n; false if no room. */
static bool put_utf16(uint8_t *out, uint32_t cap, uint32_t *n, uint32_t cp)
{
	if (cp >= 0x10000) {
		if (*n + 4 > cap)
			return false;
		cp -= 0x10000;
		put16(out + *n, (uint16_t)(0xd800 | cp >> 10));
		put16(out + *n + 2, (uint16_t)(0xdc00 | (cp & 0x3ff)));
		*n += 4;
		return true;
	}
	if (*n + 2 > cap)
		return false;
	put16(out + *n, (uint16_t)cp);
	*n += 2;
	return true;
}

/**
 * clip_host_set() - the host copies text: its clipboard holds @text.
 * @text: UTF-8 (invalid bytes become U+FFFD); NULL empties the clipboard.
 *
 * Every client is told (a formats message: text, or 0 for nothing).
 * Return: VINF_SUCCESS, VERR_TOO_MUCH_DATA or VERR_NO_MEMORY.
 */
int32_t clip_host_set(const char *text)
{
	const uint8_t *s = (const uint8_t *)text;
	uint32_t i, n = 0, cap, cp;
	uint8_t *d = NULL;

	if (text) {
		cap = (uint32_t)strlen(text) * 2 + 2;
		if (cap > CLIP_MAX_DATA)
			return VERR_TOO_MUCH_DATA;
		d = malloc(cap);
		if (!d)
			return VERR_NO_MEMORY;
		while (*s) {
			int len = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 :
				  (*s & 0xf0) == 0xe0 ? 3 : (*s & 0xf8) == 0xf0 ? 4 : 0;

			cp = len == 1 ? *s : len ? *s & (0x7f >> len) : 0xfffd;
			for (i = 1; i < (uint32_t)len; i++) {
				if ((s[i] & 0xc0) != 0x80) {
					len = 0;
					cp = 0xfffd;
					break;
				}
				cp = cp << 6 | (s[i] & 0x3f);
			}
			s += len ? len : 1;
			/* Within cap: each byte yields at most 2 bytes of UTF-16. */
			put_utf16(d, cap, &n, cp);
		}
		put_utf16(d, cap, &n, 0);
	}
	free(host_data);
	host_data = d;
	host_size = n;
	for (i = 0; i < CLIP_MAX_CLIENTS; i++)
		if (clients[i].used)
			clip_post(&clients[i], CLIP_MSG_FORMATS,
				  d ? CLIP_FMT_TEXT : 0);
	return VINF_SUCCESS;
}

/* Prints UTF-16LE @d (@size bytes, up to a NUL) as UTF-8, escaped. */
static void print_utf16(FILE *out, const uint8_t *d, uint32_t size)
{
	uint32_t i, cp;

	for (i = 0; i + 1 < size; i += 2) {
		cp = get16(d + i);
		if (!cp)
			break;
		if (cp >= 0xd800 && cp < 0xdc00 && i + 3 < size &&
		    (get16(d + i + 2) & 0xfc00) == 0xdc00) {
			cp = 0x10000 + ((cp & 0x3ff) << 10 | (get16(d + i + 2) & 0x3ff));
			i += 2;
		}
		if (cp == '\\')
			fputs("\\\\", out);
		else if (cp < 0x20 || cp == 0x7f)
			fprintf(out, "\\x%02x", cp);
		else if (cp < 0x80)
			fputc((int)cp, out);
		else if (cp < 0x800)
			fprintf(out, "%c%c", 0xc0 | cp >> 6, 0x80 | (cp & 0x3f));
		else if (cp < 0x10000)
			fprintf(out, "%c%c%c", 0xe0 | cp >> 12,
				0x80 | (cp >> 6 & 0x3f), 0x80 | (cp & 0x3f));
		else
			fprintf(out, "%c%c%c%c", 0xf0 | cp >> 18, 0x80 | (cp >> 12 & 0x3f),
				0x80 | (cp >> 6 & 0x3f), 0x80 | (cp & 0x3f));
	}
}

/* A copy of @s with "\\" and "\xNN" decoded (as clip-get prints); NULL if bad. */
static char *unescape(const char *s)
{
	char *d = malloc(strlen(s) + 1), *o = d;
	unsigned int v;

	while (d && *s) {
		if (*s != '\\') {
			*o++ = *s++;
		} else if (s[1] == '\\') {
			*o++ = '\\';
			s += 2;
		} else if (s[1] == 'x' && sscanf(s + 2, "%2x", &v) == 1 && v &&
			   isxdigit((unsigned char)s[3])) {
			*o++ = (char)v;
			s += 4;
		} else {
			free(d);
			return NULL;
		}
	}
	if (d)
		*o = '\0';
	return d;
}

/**
 * clip_control() - the host's clipboard commands.
 * @cmd: one control-channel line.
 * @out: where the reply goes.
 *
 *	clip-set TEXT     the host copies TEXT (the rest of the line)
 *	clip-clear        the host's clipboard is emptied
 *	clip-get          what the guest reported and wrote last
 *
 * Return: true if @cmd was one of these.
 */
bool clip_control(const char *cmd, FILE *out)
{
	uint32_t i, waits = 0, n = 0;
	int32_t rc;

	while (*cmd == ' ')
		cmd++;
	if (!strncmp(cmd, "clip-set ", 9) || !strcmp(cmd, "clip-clear")) {
		char *text = cmd[5] == 's' ? unescape(cmd + 9) : NULL;

		if (cmd[5] == 's' && !text) {
			fprintf(out, "err bad escape\n");
			return true;
		}
		rc = clip_host_set(text);
		free(text);
		if (rc)
			fprintf(out, "err status %d\n", rc);
		else
			fprintf(out, "ok\n");
		return true;
	}
	if (sscanf(cmd, "clip-set-pattern %u", &n) == 1) {
		char *text = n <= CLIP_MAX_DATA / 2 - 1 ? malloc(n + 1) : NULL;

		for (i = 0; text && i < n; i++)
			text[i] = (char)('a' + i % 26);
		if (text)
			text[n] = '\0';
		rc = text ? clip_host_set(text) : VERR_TOO_MUCH_DATA;
		free(text);
		fprintf(out, rc ? "err status %d\n" : "ok\n", rc);
		return true;
	}
	if (sscanf(cmd, "clip-trace %d", &rc) == 1) {
		trace = rc;
		fprintf(out, "ok\n");
		return true;
	}
	if (strcmp(cmd, "clip-get"))
		return false;
	for (i = 0; i < CLIP_MAX_CLIENTS; i++) {
		n += clients[i].used;
		waits += clients[i].used && clients[i].wait;
	}
	fprintf(out, "clients %u\nwaits %u\nformats 0x%x\nreports %" PRIu64
		"\nreads %" PRIu64 "\nwrites %" PRIu64 "\nmessages %" PRIu64
		"\nunknown %" PRIu64 "\nformat 0x%x\nsize %u\n", n, waits,
		guest_formats, cnt.reports, cnt.reads, cnt.writes, cnt.msgs,
		cnt.unknown, guest_format, guest_size);
	for (i = 1; i < 32; i++)
		if (cnt.calls[i])
			fprintf(out, "fn %u %" PRIu64 "\n", i, cnt.calls[i]);
	fputs("text ", out);
	if (guest_data && (guest_format & CLIP_FMT_TEXT))
		print_utf16(out, guest_data, guest_size);
	fprintf(out, "\nok %" PRIu64 "\n", cnt.writes);
	return true;
}
