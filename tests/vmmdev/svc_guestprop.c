// SPDX-License-Identifier: GPL-2.0
/*
 * VMMDev emulator: the guest property service "VBoxGuestPropSvc"
 * (../../../shared/vmmdev-spec.md section 8.1).
 *
 * State is global, as the host has one property store per VM: at most
 * GP_MAX_PROPS properties, a history of the last GP_HISTORY changes for
 * GET_NOTIFICATION, and the waiting GET_NOTIFICATION calls in arrival
 * order.  Every entry point is serialised by the HGCM core (svc.h), and the
 * host-side functions at the end must be called under the same
 * serialisation, so nothing here takes a lock.
 *
 * Output buffers keep out_size == size: the needed size travels in each
 * function's own size parameter, so the size field of an embedded or
 * contiguous buffer comes back unchanged.
 *
 * Guest errors get a status and a log line; nothing a guest sends can make
 * the service abort.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hgcm.h"
#include "svc.h"

/* Not in hgcm.h: only the string checks here produce it (spec section 9). */
#ifndef VERR_INVALID_UTF8_ENCODING
#define VERR_INVALID_UTF8_ENCODING	(-61)
#endif

#define GP_NAME_MAX		64	/* name buffer bytes, NUL included */
#define GP_VALUE_MAX		1024	/* value buffer bytes, NUL included */
#define GP_PATTERNS_MAX		1024	/* pattern buffer bytes */
#define GP_FLAGS_STR_MAX	64	/* longest canonical flags string + NUL */
#define GP_MAX_PROPS		256
#define GP_HISTORY		256
#define GP_WAITS_PER_CLIENT	16
#define GP_REFUSALS		64

#define GP_F_TRANSIENT		0x02
#define GP_F_RDONLYGUEST	0x04
#define GP_F_RDONLYHOST		0x08
#define GP_F_READONLY		(GP_F_RDONLYGUEST | GP_F_RDONLYHOST)
#define GP_F_TRANSRESET		0x10

enum gp_fn {
	GP_FN_GET_PROP = 1,
	GP_FN_SET_PROP = 2,
	GP_FN_SET_PROP_VALUE = 3,
	GP_FN_DEL_PROP = 4,
	GP_FN_ENUM_PROPS = 5,
	GP_FN_GET_NOTIFICATION = 6,
};

/**
 * struct gp_prop - one property.
 * @name:  NUL-terminated name.
 * @value: NUL-terminated value.
 * @ts:    timestamp of its last set (ns since 1970, UTC).
 * @flags: GP_F_* bits.
 */
struct gp_prop {
	char name[GP_NAME_MAX];
	char value[GP_VALUE_MAX];
	uint64_t ts;
	uint32_t flags;
};

/**
 * struct gp_change - one entry of the change history.
 * @name:    the property's name.
 * @value:   its new value (empty for a delete).
 * @flags:   its new flags (0 for a delete).
 * @ts:      the change's timestamp; unique and increasing.
 * @deleted: the change was a delete.
 */
struct gp_change {
	char name[GP_NAME_MAX];
	char value[GP_VALUE_MAX];
	uint32_t flags;
	uint64_t ts;
	bool deleted;
};

/**
 * struct gp_patterns - a parsed pattern list.
 * @buf: the list; alternatives separated by '|' or NUL.
 * @len: bytes of @buf in use (no terminator counted).
 */
struct gp_patterns {
	char buf[GP_PATTERNS_MAX];
	uint32_t len;
};

/**
 * struct gp_refusal - a call the service refused.
 * @fn:   its function.
 * @rc:   the status it got.
 * @what: its first parameter when a string (non-printable bytes as '_').
 */
struct gp_refusal {
	uint32_t fn;
	int32_t rc;
	char what[GP_NAME_MAX];
};

struct gp_client;

/**
 * struct gp_wait - a GET_NOTIFICATION call waiting for a change.
 * @prev:     previous wait in arrival order.
 * @next:     next wait in arrival order.
 * @client:   the caller.
 * @call:     the pending call.
 * @pat:      its patterns.
 * @status:   the success status to complete with (0 or VWRN_NOT_FOUND).
 */
struct gp_wait {
	struct gp_wait *prev, *next;
	struct gp_client *client;
	struct hgcm_svc_call *call;
	struct gp_patterns pat;
	int32_t status;
};

/**
 * struct gp_client - a connected client.
 * @id:     its client id.
 * @nwaits: its waits on the global list (at most GP_WAITS_PER_CLIENT).
 */
struct gp_client {
	uint32_t id;
	uint32_t nwaits;
};

static struct {
	bool inited;
	struct gp_prop *props[GP_MAX_PROPS];
	uint32_t nprops;
	struct gp_change hist[GP_HISTORY];
	uint32_t hist_first;		/* index of the oldest entry */
	uint32_t hist_count;
	uint64_t last_ts;
	bool guest_readonly;		/* host's "read-only for guest" switch */
	struct gp_wait *waits_head, *waits_tail;
	struct gp_refusal refusals[GP_REFUSALS];	/* the latest ones */
	uint32_t nrefusals;			/* since the last clear */
} gp;

static const char * const gp_reserved_prefixes[] = {
	"/VirtualBox/GuestAdd/VBoxService/",
	"/VirtualBox/GuestAdd/PAM/",
	"/VirtualBox/GuestAdd/Greeter/",
	"/VirtualBox/GuestAdd/SharedFolders/",
	"/VirtualBox/HostInfo/",
	"/VirtualBox/VMInfo/",
};

/* Flag words in the order of the canonical string (spec 8.1). */
static const struct {
	const char *word;
	uint32_t bits;
} gp_flag_words[] = {
	{ "TRANSIENT", GP_F_TRANSIENT },
	{ "READONLY", GP_F_READONLY },
	{ "RDONLYGUEST", GP_F_RDONLYGUEST },
	{ "RDONLYHOST", GP_F_RDONLYHOST },
	{ "TRANSRESET", GP_F_TRANSRESET },
};

#define GP_HOST_VERSION		"7.0.14"
#define GP_HOST_REVISION	"161095"

static void gp_init(void);

/* ---- strings ------------------------------------------------------------ */

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool gp_utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		uint32_t cp, min;
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/*
 * A string parameter: a buffer of non-zero size with a NUL inside, the text
 * before it valid UTF-8.  Returns a status; *@len is the text's length.
 */
static int32_t gp_string_parm(const struct hgcm_parm *p, const char *what,
			      uint32_t *len)
{
	const uint8_t *nul;

	if (p->kind != HGCM_PARM_BUF || p->size == 0) {
		vmmdev_log("guest-error: guestprop: %s is not a non-empty buffer",
			   what);
		return VERR_INVALID_PARAMETER;
	}
	nul = memchr(p->buf, 0, p->size);
	if (!nul) {
		vmmdev_log("guest-error: guestprop: %s is not NUL-terminated", what);
		return VERR_INVALID_PARAMETER;
	}
	*len = (uint32_t)(nul - p->buf);
	if (!gp_utf8_valid(p->buf, *len)) {
		vmmdev_log("guest-error: guestprop: %s is not valid UTF-8", what);
		return VERR_INVALID_UTF8_ENCODING;
	}
	return VINF_SUCCESS;
}

/* A property name: buffer 2..GP_NAME_MAX bytes, non-empty, no wildcards. */
static int32_t gp_name_parm(const struct hgcm_parm *p, const char **name)
{
	uint32_t len;
	int32_t rc;

	if (p->kind == HGCM_PARM_BUF && (p->size < 2 || p->size > GP_NAME_MAX)) {
		vmmdev_log("guest-error: guestprop: name buffer of %u bytes",
			   p->size);
		return VERR_INVALID_PARAMETER;
	}
	rc = gp_string_parm(p, "name", &len);
	if (rc)
		return rc;
	if (len == 0 || strpbrk((const char *)p->buf, "*?|")) {
		vmmdev_log("guest-error: guestprop: bad name \"%s\"",
			   (const char *)p->buf);
		return VERR_INVALID_PARAMETER;
	}
	*name = (const char *)p->buf;
	return VINF_SUCCESS;
}

/* A property value: buffer 1..GP_VALUE_MAX bytes. */
static int32_t gp_value_parm(const struct hgcm_parm *p, const char **value)
{
	uint32_t len;
	int32_t rc;

	if (p->kind == HGCM_PARM_BUF && p->size > GP_VALUE_MAX) {
		vmmdev_log("guest-error: guestprop: value buffer of %u bytes",
			   p->size);
		return VERR_TOO_MUCH_DATA;
	}
	rc = gp_string_parm(p, "value", &len);
	if (rc)
		return rc;
	*value = (const char *)p->buf;
	return VINF_SUCCESS;
}

/* ---- flags -------------------------------------------------------------- */

static bool gp_is_space(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Parses a flags string: case-insensitive words separated by commas, with
 * spaces around them; a blank string is no flags.  An unknown or empty
 * word is VERR_PARSE_ERROR.
 */
static int32_t gp_flags_parse(const char *s, uint32_t *flags)
{
	uint32_t f = 0;
	const char *p = s;

	while (gp_is_space(*p))
		p++;
	if (!*p) {
		*flags = 0;
		return VINF_SUCCESS;
	}
	for (;;) {
		const char *w;
		size_t wlen, i;
		bool known = false;

		while (gp_is_space(*p))
			p++;
		w = p;
		while (*p && *p != ',' && !gp_is_space(*p))
			p++;
		wlen = (size_t)(p - w);
		for (i = 0; i < sizeof(gp_flag_words) / sizeof(gp_flag_words[0]); i++) {
			if (wlen == strlen(gp_flag_words[i].word) &&
			    !strncasecmp(w, gp_flag_words[i].word, wlen)) {
				f |= gp_flag_words[i].bits;
				known = true;
				break;
			}
		}
		if (!known)
			return VERR_PARSE_ERROR;
		while (gp_is_space(*p))
			p++;
		if (!*p)
			break;
		if (*p != ',')
			return VERR_PARSE_ERROR;
		p++;
	}
	if (f & GP_F_TRANSRESET)
		f |= GP_F_TRANSIENT;
	*flags = f;
	return VINF_SUCCESS;
}

/* The canonical flags string (spec 8.1); @out holds GP_FLAGS_STR_MAX. */
static void gp_flags_str(uint32_t flags, char *out)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < sizeof(gp_flag_words) / sizeof(gp_flag_words[0]); i++) {
		uint32_t b = gp_flag_words[i].bits;

		if ((flags & b) != b)
			continue;
		/* READONLY stands for both read-only bits. */
		if (b != GP_F_READONLY && (b & GP_F_READONLY) &&
		    (flags & GP_F_READONLY) == GP_F_READONLY)
			continue;
		if (out[0])
			strcat(out, ", ");
		strcat(out, gp_flag_words[i].word);
	}
}

/* ---- patterns ----------------------------------------------------------- */

/*
 * A pattern list parameter: a buffer of 1..GP_PATTERNS_MAX bytes.  The list
 * ends at the first double NUL, else at the last NUL; inside it '|' and NUL
 * separate alternatives.
 */
static int32_t gp_patterns_parm(const struct hgcm_parm *p,
				struct gp_patterns *pat)
{
	const uint8_t *b = p->buf;
	uint32_t i, end = UINT32_MAX, start;

	if (p->kind != HGCM_PARM_BUF || p->size == 0) {
		vmmdev_log("guest-error: guestprop: patterns not a non-empty buffer");
		return VERR_INVALID_PARAMETER;
	}
	if (p->size > GP_PATTERNS_MAX) {
		vmmdev_log("guest-error: guestprop: patterns of %u bytes", p->size);
		return VERR_TOO_MUCH_DATA;
	}
	for (i = 0; i < p->size; i++) {
		if (b[i])
			continue;
		end = i;
		if (i + 1 < p->size && !b[i + 1])
			break;
	}
	if (end == UINT32_MAX) {
		vmmdev_log("guest-error: guestprop: patterns not NUL-terminated");
		return VERR_INVALID_PARAMETER;
	}
	for (start = 0, i = 0; i <= end; i++) {
		if (i < end && b[i])
			continue;
		if (!gp_utf8_valid(b + start, i - start)) {
			vmmdev_log("guest-error: guestprop: patterns not valid UTF-8");
			return VERR_INVALID_UTF8_ENCODING;
		}
		start = i + 1;
	}
	memcpy(pat->buf, b, end);
	pat->len = end;
	return VINF_SUCCESS;
}

/* Length of the UTF-8 sequence starting with @c (input is validated). */
static size_t gp_u8len(uint8_t c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	return 4;
}

/* Shell-style match of @s (NUL-terminated) against @pat[0..plen): * and ?. */
static bool gp_glob(const char *pat, size_t plen, const char *s)
{
	size_t pi = 0, star_pi = SIZE_MAX;
	const char *star_s = NULL;

	while (*s) {
		if (pi < plen && pat[pi] == '*') {
			star_pi = ++pi;
			star_s = s;
		} else if (pi < plen && pat[pi] == '?') {
			pi++;
			s += gp_u8len((uint8_t)*s);
		} else if (pi < plen && pat[pi] == *s) {
			pi++;
			s++;
		} else if (star_s) {
			/* Let the last '*' swallow one more character. */
			star_s += gp_u8len((uint8_t)*star_s);
			s = star_s;
			pi = star_pi;
		} else {
			return false;
		}
	}
	while (pi < plen && pat[pi] == '*')
		pi++;
	return pi == plen;
}

/* Does @name match @pat?  No non-empty alternative matches everything. */
static bool gp_match(const struct gp_patterns *pat, const char *name)
{
	uint32_t i, start = 0;
	bool any = false;

	for (i = 0; i <= pat->len; i++) {
		if (i < pat->len && pat->buf[i] && pat->buf[i] != '|')
			continue;
		if (i > start) {
			any = true;
			if (gp_glob(pat->buf + start, i - start, name))
				return true;
		}
		start = i + 1;
	}
	return !any;
}

/* ---- store and history -------------------------------------------------- */

/* Strictly increasing nanoseconds since 1970 (UTC). */
static uint64_t gp_timestamp(void)
{
	struct timespec ts;
	uint64_t ns;

	clock_gettime(CLOCK_REALTIME, &ts);
	ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (ns <= gp.last_ts)
		ns = gp.last_ts + 1;
	gp.last_ts = ns;
	return ns;
}

static int gp_find(const char *name)
{
	uint32_t i;

	for (i = 0; i < gp.nprops; i++)
		if (!strcmp(gp.props[i]->name, name))
			return (int)i;
	return -1;
}

static struct gp_change *gp_hist_at(uint32_t i)
{
	return &gp.hist[(gp.hist_first + i) % GP_HISTORY];
}

/* Needed output size of a notification for @ch. */
static uint32_t gp_change_size(const struct gp_change *ch)
{
	char fl[GP_FLAGS_STR_MAX];

	gp_flags_str(ch->flags, fl);
	return (uint32_t)(strlen(ch->name) + 1 + strlen(ch->value) + 1 +
			  strlen(fl) + 1 + 2);
}

/*
 * Fills the outputs of GET_NOTIFICATION @call with @ch: buffer
 * "name\0value\0flags\0deleted\0", timestamp, size.  Returns @ok, or
 * VERR_BUFFER_OVERFLOW (size set, nothing else) if the buffer is too small.
 */
static int32_t gp_notification_out(struct hgcm_svc_call *call,
				   const struct gp_change *ch, int32_t ok)
{
	struct hgcm_parm *p = call->parms;
	uint32_t need = gp_change_size(ch);
	char fl[GP_FLAGS_STR_MAX];
	char *o = (char *)p[2].buf;
	size_t n;

	p[3].u32 = need;
	if (p[2].size < need)
		return VERR_BUFFER_OVERFLOW;
	gp_flags_str(ch->flags, fl);
	n = strlen(ch->name) + 1;
	memcpy(o, ch->name, n);
	o += n;
	n = strlen(ch->value) + 1;
	memcpy(o, ch->value, n);
	o += n;
	n = strlen(fl) + 1;
	memcpy(o, fl, n);
	o += n;
	o[0] = ch->deleted ? '1' : '0';
	o[1] = '\0';
	p[1].u64 = ch->ts;
	return ok;
}

static void gp_wait_unlink(struct gp_wait *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		gp.waits_head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		gp.waits_tail = w->prev;
	w->client->nwaits--;
	w->call->svc_priv = NULL;
}

/* Completes wait @w with @status and forgets it. */
static void gp_wait_complete(struct gp_wait *w, int32_t status)
{
	struct hgcm_svc_call *call = w->call;

	gp_wait_unlink(w);
	free(w);
	hgcm_svc_complete(call, status);
}

/* Records a change, then wakes every wait whose patterns match. */
static void gp_changed(const char *name, const char *value, uint32_t flags,
		       uint64_t ts, bool deleted)
{
	struct gp_change *ch;
	struct gp_wait *w, *next;

	if (gp.hist_count < GP_HISTORY) {
		ch = gp_hist_at(gp.hist_count++);
	} else {
		ch = &gp.hist[gp.hist_first];
		gp.hist_first = (gp.hist_first + 1) % GP_HISTORY;
	}
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	snprintf(ch->value, sizeof(ch->value), "%s", deleted ? "" : value);
	ch->flags = deleted ? 0 : flags;
	ch->ts = ts;
	ch->deleted = deleted;

	for (w = gp.waits_head; w; w = next) {
		int32_t st;

		next = w->next;
		if (!gp_match(&w->pat, name))
			continue;
		st = gp_notification_out(w->call, ch, w->status);
		gp_wait_complete(w, st);
	}
}

/*
 * Sets @name to @value with @flags, no permission checks.  Returns
 * VERR_TOO_MUCH_DATA for a new property beyond the limit.
 */
static int32_t gp_store(const char *name, const char *value, uint32_t flags)
{
	int i = gp_find(name);
	struct gp_prop *pr;

	if (i < 0) {
		if (gp.nprops >= GP_MAX_PROPS) {
			vmmdev_log("guestprop: %u properties, \"%s\" refused",
				   gp.nprops, name);
			return VERR_TOO_MUCH_DATA;
		}
		pr = calloc(1, sizeof(*pr));
		if (!pr)
			return VERR_NO_MEMORY;
		snprintf(pr->name, sizeof(pr->name), "%s", name);
		gp.props[gp.nprops++] = pr;
	} else {
		pr = gp.props[i];
	}
	snprintf(pr->value, sizeof(pr->value), "%s", value);
	pr->flags = flags;
	pr->ts = gp_timestamp();
	gp_changed(pr->name, pr->value, pr->flags, pr->ts, false);
	return VINF_SUCCESS;
}

/* Deletes property number @i (no permission checks). */
static void gp_remove(uint32_t i)
{
	char name[GP_NAME_MAX];

	snprintf(name, sizeof(name), "%s", gp.props[i]->name);
	free(gp.props[i]);
	memmove(&gp.props[i], &gp.props[i + 1],
		(gp.nprops - i - 1) * sizeof(gp.props[0]));
	gp.nprops--;
	gp_changed(name, "", 0, gp_timestamp(), true);
}

static bool gp_reserved(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(gp_reserved_prefixes) / sizeof(gp_reserved_prefixes[0]); i++)
		if (!strncmp(name, gp_reserved_prefixes[i],
			     strlen(gp_reserved_prefixes[i])))
			return true;
	return false;
}

/* ---- guest functions ---------------------------------------------------- */

static bool gp_parms_ok(const struct hgcm_svc_call *call, const char *kinds)
{
	uint32_t i, n = (uint32_t)strlen(kinds);

	if (call->nparms != n) {
		vmmdev_log("guest-error: guestprop fn %u: %u parameters, want %u",
			   call->fn, call->nparms, n);
		return false;
	}
	for (i = 0; i < n; i++) {
		const struct hgcm_parm *p = &call->parms[i];
		bool ok;

		if (kinds[i] == 'u')
			ok = p->kind == HGCM_PARM_U32;
		else if (kinds[i] == 'U')
			ok = p->kind == HGCM_PARM_U64;
		else
			ok = p->kind == HGCM_PARM_BUF && p->size;
		if (!ok) {
			vmmdev_log("guest-error: guestprop fn %u: bad parameter %u",
				   call->fn, i);
			return false;
		}
	}
	return true;
}

static int32_t gp_get_prop(struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	char fl[GP_FLAGS_STR_MAX];
	const char *name;
	struct gp_prop *pr;
	uint32_t vlen, flen;
	int32_t rc;
	int i;

	if (!gp_parms_ok(call, "bbUu"))
		return VERR_INVALID_PARAMETER;
	rc = gp_name_parm(&p[0], &name);
	if (rc)
		return rc;
	i = gp_find(name);
	if (i < 0)
		return VERR_NOT_FOUND;
	pr = gp.props[i];
	gp_flags_str(pr->flags, fl);
	vlen = (uint32_t)strlen(pr->value) + 1;
	flen = (uint32_t)strlen(fl) + 1;
	p[3].u32 = vlen + flen;
	if (p[1].size < vlen + flen)
		return VERR_BUFFER_OVERFLOW;
	memcpy(p[1].buf, pr->value, vlen);
	memcpy(p[1].buf + vlen, fl, flen);
	p[2].u64 = pr->ts;
	return VINF_SUCCESS;
}

/*
 * SET_PROP and SET_PROP_VALUE: one operation, SET_PROP_VALUE being "like
 * SET_PROP with no flags" (spec 8.1).  The flags parameter is optional for
 * both: name and value, or name, value and flags.  VBoxService 7.2 (the
 * vminfo properties) and VBoxControl (set --flags) send SET_PROP_VALUE with
 * the flags, and a real host applies them.
 */
static int32_t gp_set_prop(struct hgcm_svc_call *call)
{
	bool with_flags = call->nparms == 3;
	struct hgcm_parm *p = call->parms;
	const char *name, *value;
	uint32_t flags = 0, len;
	int32_t rc;
	int i;

	if (!gp_parms_ok(call, with_flags ? "bbb" : "bb"))
		return VERR_INVALID_PARAMETER;
	rc = gp_name_parm(&p[0], &name);
	if (rc)
		return rc;
	rc = gp_value_parm(&p[1], &value);
	if (rc)
		return rc;
	if (with_flags) {
		rc = gp_string_parm(&p[2], "flags", &len);
		if (rc)
			return rc;
		rc = gp_flags_parse((const char *)p[2].buf, &flags);
		if (rc) {
			vmmdev_log("guest-error: guestprop: bad flags \"%s\"",
				   (const char *)p[2].buf);
			return rc;
		}
	}
	if (gp_reserved(name)) {
		vmmdev_log("guest-error: guestprop: set of host-reserved \"%s\"",
			   name);
		return VERR_PERMISSION_DENIED;
	}
	i = gp_find(name);
	if (i >= 0 && (gp.props[i]->flags & GP_F_RDONLYGUEST)) {
		vmmdev_log("guest-error: guestprop: \"%s\" is read-only for the guest",
			   name);
		return VERR_PERMISSION_DENIED;
	}
	if (gp.guest_readonly)
		return VINF_PERMISSION_DENIED;
	return gp_store(name, value, flags);
}

static int32_t gp_del_prop(struct hgcm_svc_call *call)
{
	const char *name;
	int32_t rc;
	int i;

	if (!gp_parms_ok(call, "b"))
		return VERR_INVALID_PARAMETER;
	rc = gp_name_parm(&call->parms[0], &name);
	if (rc)
		return rc;
	i = gp_find(name);
	if (i >= 0 && (gp.props[i]->flags & GP_F_RDONLYGUEST)) {
		vmmdev_log("guest-error: guestprop: delete of read-only \"%s\"",
			   name);
		return VERR_PERMISSION_DENIED;
	}
	if (gp.guest_readonly)
		return VINF_PERMISSION_DENIED;
	if (i >= 0)
		gp_remove((uint32_t)i);
	return VINF_SUCCESS;
}

static int32_t gp_enum_props(struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	struct gp_patterns pat;
	char fl[GP_FLAGS_STR_MAX], tss[24];
	uint32_t i, need = 4;
	char *o;
	int32_t rc;

	if (!gp_parms_ok(call, "bbu"))
		return VERR_INVALID_PARAMETER;
	rc = gp_patterns_parm(&p[0], &pat);
	if (rc)
		return rc;
	for (i = 0; i < gp.nprops; i++) {
		const struct gp_prop *pr = gp.props[i];

		if (!gp_match(&pat, pr->name))
			continue;
		gp_flags_str(pr->flags, fl);
		need += (uint32_t)(strlen(pr->name) + strlen(pr->value) +
				   (size_t)snprintf(tss, sizeof(tss), "%llu",
						    (unsigned long long)pr->ts) +
				   strlen(fl) + 4);
	}
	p[2].u32 = need;
	if (p[1].size < need)
		return VERR_BUFFER_OVERFLOW;
	o = (char *)p[1].buf;
	for (i = 0; i < gp.nprops; i++) {
		const struct gp_prop *pr = gp.props[i];

		if (!gp_match(&pat, pr->name))
			continue;
		gp_flags_str(pr->flags, fl);
		o += sprintf(o, "%s", pr->name) + 1;
		o += sprintf(o, "%s", pr->value) + 1;
		o += sprintf(o, "%llu", (unsigned long long)pr->ts) + 1;
		o += sprintf(o, "%s", fl) + 1;
	}
	memset(o, 0, 4);
	return VINF_SUCCESS;
}

static int32_t gp_get_notification(struct gp_client *c,
				   struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	int32_t status = VINF_SUCCESS;
	struct gp_wait *w, *next;
	struct gp_patterns pat;
	uint32_t i;
	int32_t rc;

	if (!gp_parms_ok(call, "bUbu"))
		return VERR_INVALID_PARAMETER;
	rc = gp_patterns_parm(&p[0], &pat);
	if (rc)
		return rc;

	if (p[1].u64) {
		bool found = false;

		for (i = 0; i < gp.hist_count; i++) {
			const struct gp_change *ch = gp_hist_at(i);

			if (found && gp_match(&pat, ch->name))
				return gp_notification_out(call, ch, VINF_SUCCESS);
			if (ch->ts == p[1].u64)
				found = true;
		}
		if (!found) {
			status = VWRN_NOT_FOUND;
			for (i = 0; i < gp.hist_count; i++) {
				const struct gp_change *ch = gp_hist_at(i);

				if (gp_match(&pat, ch->name))
					return gp_notification_out(call, ch,
								   VWRN_NOT_FOUND);
			}
		}
	}

	/* Wait.  An identical wait of this client is superseded. */
	for (w = gp.waits_head; w; w = next) {
		next = w->next;
		if (w->client == c && w->pat.len == pat.len &&
		    !memcmp(w->pat.buf, pat.buf, pat.len))
			gp_wait_complete(w, VERR_INTERRUPTED);
	}
	if (c->nwaits >= GP_WAITS_PER_CLIENT) {
		vmmdev_log("guest-error: guestprop: client %u has %u waits",
			   c->id, c->nwaits);
		return VERR_OUT_OF_RESOURCES;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return VERR_NO_MEMORY;
	w->client = c;
	w->call = call;
	w->pat = pat;
	w->status = status;
	w->prev = gp.waits_tail;
	if (gp.waits_tail)
		gp.waits_tail->next = w;
	else
		gp.waits_head = w;
	gp.waits_tail = w;
	c->nwaits++;
	call->svc_priv = w;
	return HGCM_SVC_PENDING;
}

/* ---- service entry points ----------------------------------------------- */

static int32_t gp_connect(uint32_t client_id, uint32_t requestor, void **client)
{
	struct gp_client *c;

	(void)requestor;
	gp_init();
	c = calloc(1, sizeof(*c));
	if (!c)
		return VERR_NO_MEMORY;
	c->id = client_id;
	*client = c;
	return VINF_SUCCESS;
}

static void gp_disconnect(void *client)
{
	struct gp_client *c = client;
	struct gp_wait *w, *next;

	if (!c)
		return;
	for (w = gp.waits_head; w; w = next) {
		next = w->next;
		if (w->client == c)
			gp_wait_complete(w, VERR_INTERRUPTED);
	}
	free(c);
}

static int32_t gp_dispatch(void *client, struct hgcm_svc_call *call)
{
	switch (call->fn) {
	case GP_FN_GET_PROP:
		return gp_get_prop(call);
	case GP_FN_SET_PROP:
	case GP_FN_SET_PROP_VALUE:
		return gp_set_prop(call);
	case GP_FN_DEL_PROP:
		return gp_del_prop(call);
	case GP_FN_ENUM_PROPS:
		return gp_enum_props(call);
	case GP_FN_GET_NOTIFICATION:
		return gp_get_notification(client, call);
	default:
		vmmdev_log("guest-error: guestprop: unknown function %u", call->fn);
		return VERR_NOT_IMPLEMENTED;
	}
}

/*
 * Remembers a call the service refused (a negative status) with its first
 * parameter when that is a string: the guest-property-refusals command
 * lists them, so that a test can check each against what a real host does.
 */
static void gp_refused(const struct hgcm_svc_call *call, int32_t rc)
{
	struct gp_refusal *r = &gp.refusals[gp.nrefusals % GP_REFUSALS];
	const struct hgcm_parm *p = call->parms;
	size_t i;

	gp.nrefusals++;
	r->fn = call->fn;
	r->rc = rc;
	r->what[0] = '\0';
	if (call->nparms && p[0].kind == HGCM_PARM_BUF && p[0].size) {
		size_t n = strnlen((const char *)p[0].buf, p[0].size);

		if (n >= sizeof(r->what))
			n = sizeof(r->what) - 1;
		for (i = 0; i < n; i++)
			r->what[i] = (p[0].buf[i] > ' ' && p[0].buf[i] < 0x7f) ?
				     (char)p[0].buf[i] : '_';
		r->what[n] = '\0';
	}
	vmmdev_log("guestprop: fn %u \"%s\" refused with %d", r->fn, r->what, rc);
}

static int32_t gp_call(void *client, struct hgcm_svc_call *call)
{
	int32_t rc;

	gp_init();
	rc = gp_dispatch(client, call);
	if (rc < 0)
		gp_refused(call, rc);
	return rc;
}

static void gp_cancel(void *client, struct hgcm_svc_call *call)
{
	struct gp_wait *w = call->svc_priv;

	(void)client;
	if (!w || w->call != call)
		return;
	gp_wait_unlink(w);
	free(w);
}

/*
 * Device reset: properties marked TRANSRESET go away, as deletes, so that
 * they are in the history a new client can catch up with.  The core has
 * cancelled every call and disconnected every client before this, so no
 * wait is left to wake.  The rest of the store, timestamps and history
 * stay (the VM is not stopped).  QEMU resets the device at start as well,
 * so nothing here counts resets.
 */
static void gp_reset(void)
{
	uint32_t i = 0;

	gp_init();
	while (i < gp.nprops) {
		if (gp.props[i]->flags & GP_F_TRANSRESET)
			gp_remove(i);
		else
			i++;
	}
}

/* The properties the host sets before the guest runs (spec 8.1). */
static void gp_init(void)
{
	static const struct {
		const char *name, *value;
	} init[] = {
		{ "/VirtualBox/HostInfo/VBoxVer", GP_HOST_VERSION },
		{ "/VirtualBox/HostInfo/VBoxVerExt", GP_HOST_VERSION },
		{ "/VirtualBox/HostInfo/VBoxRev", GP_HOST_REVISION },
		{ "/VirtualBox/VMInfo/ResetCounter", "0" },
		{ "/VirtualBox/VMInfo/ResumeCounter", "0" },
		{ "/VirtualBox/HostGuest/SysprepExec", "" },
		{ "/VirtualBox/HostGuest/SysprepArgs", "" },
	};
	size_t i;

	if (gp.inited)
		return;
	gp.inited = true;
	for (i = 0; i < sizeof(init) / sizeof(init[0]); i++)
		gp_store(init[i].name, init[i].value,
			 GP_F_TRANSIENT | GP_F_RDONLYGUEST);
}

const struct hgcm_service hgcm_svc_guestprop = {
	.name = "VBoxGuestPropSvc",
	.connect = gp_connect,
	.disconnect = gp_disconnect,
	.call = gp_call,
	.cancel = gp_cancel,
	.reset = gp_reset,
};

/* ---- host side ---------------------------------------------------------- */

/**
 * guestprop_host_set() - set a property as the host does.
 * @name:  property name (1..63 characters, no wildcards).
 * @value: value (at most 1023 bytes).
 * @flags: flags string as a guest would pass it (NULL for none).
 *
 * No guest permission rules apply; an existing RDONLYHOST property is
 * refused.  Waiting notifications are completed as for a guest set.  Call
 * it under the serialisation of the service entry points.
 *
 * Return: VINF_SUCCESS or a VERR_* status.
 */
int32_t guestprop_host_set(const char *name, const char *value,
			   const char *flags)
{
	uint32_t f = 0;
	int32_t rc;
	int i;

	gp_init();
	if (!name || !value || !*name || strlen(name) >= GP_NAME_MAX ||
	    strpbrk(name, "*?|") || strlen(value) >= GP_VALUE_MAX)
		return VERR_INVALID_PARAMETER;
	if (flags) {
		rc = gp_flags_parse(flags, &f);
		if (rc)
			return rc;
	}
	i = gp_find(name);
	if (i >= 0 && (gp.props[i]->flags & GP_F_RDONLYHOST))
		return VERR_PERMISSION_DENIED;
	return gp_store(name, value, f);
}

/**
 * guestprop_host_delete() - delete a property as the host does.
 * @name: property name.
 *
 * An existing RDONLYHOST property is refused; deleting a property that
 * does not exist succeeds.  Waiting notifications are completed as for a
 * guest delete.  Call it under the serialisation of the service entry
 * points.
 *
 * Return: VINF_SUCCESS or a VERR_* status.
 */
int32_t guestprop_host_delete(const char *name)
{
	int i;

	gp_init();
	if (!name)
		return VERR_INVALID_PARAMETER;
	i = gp_find(name);
	if (i < 0)
		return VINF_SUCCESS;
	if (gp.props[i]->flags & GP_F_RDONLYHOST)
		return VERR_PERMISSION_DENIED;
	gp_remove((uint32_t)i);
	return VINF_SUCCESS;
}

/**
 * guestprop_host_set_guest_readonly() - the host's "read-only for guest"
 * switch.
 * @on: true: every guest set and delete gets VINF_PERMISSION_DENIED and
 *      changes nothing.
 */
void guestprop_host_set_guest_readonly(bool on)
{
	gp_init();
	gp.guest_readonly = on;
}

/* Prints a VirtualBox status as a control-channel error. */
static void gp_control_status(FILE *out, int32_t rc)
{
	if (rc == VINF_SUCCESS)
		fprintf(out, "ok\n");
	else
		fprintf(out, "err status %d\n", rc);
}

/**
 * guestprop_control() - the host's guest property commands.
 * @cmd: one control-channel line.
 * @out: where the reply goes.
 *
 *	guestprop-set NAME VALUE [FLAGS]  set as the host (VALUE without
 *	                                  blanks; "" for empty; FLAGS = rest)
 *	guestprop-del NAME                delete as the host
 *	guestprop-get NAME                "value V", "flags F", "timestamp T"
 *	                                  lines, then ok (err status -78 if
 *	                                  absent)
 *	guestprop-readonly 0|1            the "read-only for guest" switch
 *	guestprop-refusals                "refusal FN STATUS NAME" lines of
 *	                                  the latest GP_REFUSALS calls the
 *	                                  service refused, then "ok COUNT"
 *	                                  (all refusals since the last clear)
 *	guestprop-refusals-clear          forget them
 *
 * Call it under the serialisation of the service entry points; a set or
 * delete may complete waiting calls (hgcm_svc_complete()), which the core
 * then has to write back.
 *
 * Return: true if @cmd was one of these (a reply was written).
 */
bool guestprop_control(const char *cmd, FILE *out)
{
	char verb[32], name[GP_NAME_MAX + 1], value[GP_VALUE_MAX + 1];
	const char *rest;
	int n, used = 0;

	if (sscanf(cmd, " %31s%n", verb, &used) != 1 ||
	    strncmp(verb, "guestprop-", 10))
		return false;
	rest = cmd + used;
	gp_init();
	if (!strcmp(verb, "guestprop-refusals")) {
		uint32_t i = gp.nrefusals > GP_REFUSALS ?
			     gp.nrefusals - GP_REFUSALS : 0;

		for (; i < gp.nrefusals; i++) {
			const struct gp_refusal *r = &gp.refusals[i % GP_REFUSALS];

			fprintf(out, "refusal %u %d %s\n", r->fn, r->rc,
				r->what[0] ? r->what : "-");
		}
		fprintf(out, "ok %u\n", gp.nrefusals);
		return true;
	}
	if (!strcmp(verb, "guestprop-refusals-clear")) {
		gp.nrefusals = 0;
		fprintf(out, "ok\n");
		return true;
	}
	if (!strcmp(verb, "guestprop-readonly")) {
		unsigned int on;
		char extra;

		if (sscanf(rest, " %u %c", &on, &extra) != 1 || on > 1) {
			fprintf(out, "err usage: guestprop-readonly 0|1\n");
			return true;
		}
		guestprop_host_set_guest_readonly(on);
		fprintf(out, "ok\n");
		return true;
	}
	n = sscanf(rest, " %64s%n", name, &used);
	if (n != 1 || strlen(name) >= GP_NAME_MAX) {
		fprintf(out, "err usage: %s NAME ...\n", verb);
		return true;
	}
	rest += used;
	if (!strcmp(verb, "guestprop-set")) {
		if (sscanf(rest, " %1024s%n", value, &used) != 1 ||
		    strlen(value) >= GP_VALUE_MAX) {
			fprintf(out, "err usage: guestprop-set NAME VALUE [FLAGS]\n");
			return true;
		}
		rest += used;
		if (!strcmp(value, "\"\""))
			value[0] = '\0';
		gp_control_status(out, guestprop_host_set(name, value, rest));
	} else if (!strcmp(verb, "guestprop-del")) {
		gp_control_status(out, guestprop_host_delete(name));
	} else if (!strcmp(verb, "guestprop-get")) {
		char fl[GP_FLAGS_STR_MAX];
		int i = gp_find(name);

		if (i < 0) {
			gp_control_status(out, VERR_NOT_FOUND);
			return true;
		}
		gp_flags_str(gp.props[i]->flags, fl);
		fprintf(out, "value %s\nflags %s\ntimestamp %llu\nok\n",
			gp.props[i]->value, fl,
			(unsigned long long)gp.props[i]->ts);
	} else {
		fprintf(out, "err unknown command '%s'\n", verb);
	}
	return true;
}
