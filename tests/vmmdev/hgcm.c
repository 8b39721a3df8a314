// SPDX-License-Identifier: GPL-2.0
/*
 * VMMDev host emulator: the HGCM core (spec sections 7 and 8).
 *
 * Clients, validation of connect/disconnect/call requests, the host copy
 * of every input at submission, a list of commands in flight with their
 * states, a worker thread that runs services and completes commands when
 * they are due, and cancel.
 *
 * Locking: every field of struct hgcm and of the commands and clients is
 * protected by the device lock (dev->lock).  The model calls in with it
 * held; the worker thread holds it whenever it is not waiting on its
 * condition variable (which uses dev->lock as its mutex), so guest memory
 * writes and event posting happen under it as hgcm.h requires.  Services
 * are called only with dev->lock and svc_lock held (order: dev->lock, then
 * svc_lock), which serialises them as svc.h promises.  Nothing here blocks
 * while holding the lock: set_irq is non-blocking (an eventfd write).
 *
 * Command states:
 *   QUEUED       accepted, waiting for its due time (or forever, in
 *                "never" mode) before the service sees it
 *   RUNNING      inside the service's ->call()
 *   SVC_PENDING  the service keeps it (HGCM_SVC_PENDING) until it calls
 *                hgcm_svc_complete() or the guest cancels
 *   READY        the service answered; completion is due at due_ns
 * A command leaves the list when it completes or is cancelled; after a
 * cancel nothing is ever written to its request.
 *
 * A disconnect (spec 7.2, 7.6, 8.1) runs the service's ->disconnect()
 * first, with the client's calls still pending: the service completes
 * those it ends (the guest property waits: VERR_INTERRUPTED) and forgets
 * the rest.  The core then writes the completed ones (before the
 * disconnect's own completion) and keeps every other call of the client
 * pending without a client ("orphaned", client NULL): the service is never
 * called about it again (its client data is freed), a cancel finds it, a
 * late host completion (hgcm-finish) writes it and a device reset drops
 * it, as any pending call.  A queued call that comes due without its
 * client completes with VERR_HGCM_INVALID_CLIENT_ID.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu.h"
#include "le.h"
#include "hgcm.h"
#include "model.h"
#include "svc.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define HGCM_MAX_PARMS		32
#define HGCM_MAX_BYTES		(128u << 20)	/* per parameter and per call */
#define HGCM_PAGE		4096u
#define HGCM_DONE		0x1
#define EV_HGCM			0x002
#define NEVER_DUE		UINT64_MAX

enum { CAT_KERNEL, CAT_ROOT, CAT_USER, CAT_MAX };

static const uint32_t max_clients[CAT_MAX] = { 2048, 1024, 1024 };
static const uint32_t max_calls[CAT_MAX] = { 8192, 4096, 2048 };

enum cmd_state { CMD_QUEUED, CMD_RUNNING, CMD_SVC_PENDING, CMD_READY };
enum hgcm_mode { MODE_ASYNC, MODE_INLINE, MODE_NEVER, MODE_STALL };
/* How the host answers a cancel of a command it holds (test knobs). */
enum cancel_mode { CANCEL_OK, CANCEL_REFUSE, CANCEL_NOT_FOUND, CANCEL_LIE };
static const char *const cancel_modes[] = { "ok", "refuse", "not-found", "lie" };
/* How completions are written (hgcm-corrupt, test knobs): a broken host. */
enum corrupt_mode { CORRUPT_NONE, CORRUPT_SIZE, CORRUPT_TYPE, CORRUPT_CLIENT0 };
static const char *const corrupt_modes[] = { "none", "size", "type", "client0" };

struct client {
	uint32_t id;
	const struct hgcm_service *svc;
	void *priv;
	uint32_t requestor;
	int cat;
	uint32_t pending;
	struct client *next;
};

/**
 * struct hparm - how one guest parameter maps onto its host copy.
 * @type:      guest parameter type (1-13).
 * @entry:     offset of the parameter entry in the request.
 * @first_off: offset in the first page (page lists).
 * @npages:    page count (page lists).
 * @pages:     page addresses (page lists; low bits cleared).
 * @data_off:  offset of embedded data in the request.
 */
struct hparm {
	uint32_t type;
	uint32_t entry;
	uint32_t first_off;
	uint32_t npages;
	uint64_t *pages;
	uint32_t data_off;
};

#define CMD_MAGIC		0x434d4748u

struct cmd {
	uint32_t magic;			/* CMD_MAGIC while owned by the core */
	struct cmd *prev, *next;
	uint64_t gpa;
	uint32_t type;
	uint32_t size;
	enum cmd_state state;
	uint64_t due_ns;
	int32_t status;
	bool svc_done;
	uint32_t requestor;
	uint32_t client_id;		/* disconnect target; connect result */
	struct client *client;		/* call target; NULL once disconnected */
	char name[128];			/* connect */
	uint64_t bytes;			/* host buffer bytes held */
	int cat;			/* budget category charged */
	struct hgcm_svc_call call;
	struct hgcm_parm parms[HGCM_MAX_PARMS];
	struct hparm hp[HGCM_MAX_PARMS];
};

struct hgcm_counters {
	uint64_t connects, disconnects, calls, cancels, cancel_not_found;
	uint64_t cancel_refused, cancel_lied, finished, orphaned;
	uint64_t completions, cancelled, bytes_in, bytes_out, linear_rejected;
	uint64_t param[14];
	uint64_t pages;
	uint64_t user_pages, user_bytes;	/* pages on the watch list */
};

struct hgcm {
	struct vmmdev *dev;
	pthread_t worker;
	pthread_cond_t cond;
	bool stop;
	pthread_mutex_t svc_lock;
	struct cmd *head, *tail;
	struct client *clients;
	uint32_t next_id;
	uint32_t nclients;
	uint32_t npending;
	enum hgcm_mode mode;
	enum cancel_mode cancel_mode;
	enum corrupt_mode corrupt;
	uint64_t delay_us;
	/* Guest pages to tell apart (hgcm-watch): sorted page addresses. */
	uint64_t *watch;
	uint32_t nwatch;
	uint64_t budget_used[CAT_MAX];
	uint64_t budget_max;
	struct hgcm_counters cnt;
};

static const struct hgcm_service *const services[] = {
	&hgcm_svc_test,
	&hgcm_svc_guestprop,
	&hgcm_svc_sf,
	&hgcm_svc_clip,
};

/* Requestor category (spec 4.4): kernel = class 0-2, root = 3-4, user = rest. */
static int category(uint32_t requestor)
{
	uint32_t cls = requestor & 7;

	if (requestor == 0xffffffffu || cls <= 2)
		return CAT_KERNEL;
	return cls <= 4 ? CAT_ROOT : CAT_USER;
}

/* ------------------------------------------------------------------ */
/* Lists */

static void cmd_append(struct hgcm *h, struct cmd *c)
{
	c->next = NULL;
	c->prev = h->tail;
	if (h->tail)
		h->tail->next = c;
	else
		h->head = c;
	h->tail = c;
	h->npending++;
	if (c->client)
		c->client->pending++;
}

static void cmd_unlink(struct hgcm *h, struct cmd *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		h->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		h->tail = c->prev;
	c->prev = c->next = NULL;
	h->npending--;
	if (c->client)
		c->client->pending--;
}

static void cmd_free(struct hgcm *h, struct cmd *c)
{
	uint32_t i;

	h->budget_used[c->cat] -= c->bytes;
	c->magic = 0;
	for (i = 0; i < c->call.nparms; i++) {
		free(c->parms[i].buf);
		free(c->hp[i].pages);
	}
	free(c);
}

static struct client *client_find(struct hgcm *h, uint32_t id)
{
	struct client *c;

	for (c = h->clients; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Service entry points (dev->lock held) */

static int32_t svc_call(struct hgcm *h, struct cmd *c)
{
	int32_t ret;

	pthread_mutex_lock(&h->svc_lock);
	ret = c->client->svc->call(c->client->priv, &c->call);
	pthread_mutex_unlock(&h->svc_lock);
	return ret;
}

static void svc_cancel(struct hgcm *h, struct cmd *c)
{
	pthread_mutex_lock(&h->svc_lock);
	if (c->client->svc->cancel)
		c->client->svc->cancel(c->client->priv, &c->call);
	pthread_mutex_unlock(&h->svc_lock);
}

/**
 * hgcm_svc_complete() - a service completes a call it kept pending.
 * @call:   the call.
 * @status: its status.
 *
 * Called from within a service entry point (dev->lock and svc_lock held).
 * The core writes the results back after that entry point returns.
 */
void hgcm_svc_complete(struct hgcm_svc_call *call, int32_t status)
{
	struct cmd *c = call->core_priv;

	if (!c || c->magic != CMD_MAGIC) {
		vmmdev_log("HGCM: completion of a call the core does not own ignored");
		return;
	}
	c->status = status;
	if (c->state == CMD_RUNNING) {
		c->svc_done = true;
	} else if (c->state == CMD_SVC_PENDING) {
		c->state = CMD_READY;
		c->due_ns = vmmdev_now_ns();
	}
}

/* ------------------------------------------------------------------ */
/* Completion (spec 7.5) */

static void write_guest(struct hgcm *h, uint64_t gpa, const void *buf, size_t len)
{
	if (vmmdev_mem_write(h->dev, gpa, buf, len))
		vmmdev_log("guest-error: HGCM write of %zu bytes at %#" PRIx64 " failed",
			   len, gpa);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Is the guest page at @addr on the watch list (hgcm-watch)? */
static bool watched(const struct hgcm *h, uint64_t addr)
{
	return h->nwatch &&
	       bsearch(&addr, h->watch, h->nwatch, sizeof(addr), cmp_u64);
}

/* Page by page from the first-page offset; all-ones pages are skipped. */
static int copy_pages(struct hgcm *h, const struct hparm *hp, uint8_t *buf,
		      uint32_t len, bool to_guest)
{
	uint32_t pos = 0, i, off = hp->first_off;

	for (i = 0; i < hp->npages && pos < len; i++) {
		uint32_t chunk = HGCM_PAGE - off;

		if (chunk > len - pos)
			chunk = len - pos;
		if (watched(h, hp->pages[i]))
			h->cnt.user_bytes += chunk;
		if (hp->pages[i] != ~0ull) {
			if (to_guest) {
				write_guest(h, hp->pages[i] + off, buf + pos, chunk);
			} else if (vmmdev_mem_read(h->dev, hp->pages[i] + off,
						   buf + pos, chunk)) {
				vmmdev_log("guest-error: HGCM page %#" PRIx64 " is not RAM",
					   hp->pages[i]);
				return -1;
			}
		}
		pos += chunk;
		off = 0;
	}
	return 0;
}

/* Values always; "from host" buffer data; updated sizes (spec 7.5 step 4). */
static void write_outputs(struct hgcm *h, struct cmd *c, uint8_t *req)
{
	uint32_t i;

	for (i = 0; i < c->call.nparms; i++) {
		const struct hgcm_parm *p = &c->parms[i];
		const struct hparm *hp = &c->hp[i];
		uint8_t *e = req + hp->entry;
		uint32_t n = p->out_size < p->size ? p->out_size : p->size;
		/* A broken host: sizes beyond the buffer, or a type changed. */
		uint32_t claim = h->corrupt == CORRUPT_SIZE ? p->size + 4096 : n;

		if (h->corrupt == CORRUPT_TYPE)
			put32(e, hp->type == 1 ? 2 : 1);
		switch (hp->type) {
		case 1:
			put32(e + 4, p->u32);
			continue;
		case 2:
			put64(e + 4, p->u64);
			continue;
		case 11:
			put32(e + 8, claim);
			break;
		case 12:
		case 13:
			put32(e + 4, claim);
			break;
		case 4:
		case 5:
		case 6:
		case 10:
			if (h->corrupt == CORRUPT_SIZE)
				put32(e + 4, claim);
			break;
		default:
			break;
		}
		if (!(p->dir & HGCM_DIR_FROM_HOST) || p->size == 0)
			continue;
		switch (hp->type) {
		case 10:
		case 13:
			copy_pages(h, hp, p->buf, n, true);
			break;
		case 12:
			write_guest(h, hp->pages[0] + hp->first_off, p->buf, n);
			if (watched(h, hp->pages[0]))
				h->cnt.user_bytes += n;
			break;
		case 11:
			memcpy(req + hp->data_off, p->buf, n);
			break;
		default:	/* empty linear buffers */
			n = 0;
			break;
		}
		h->cnt.bytes_out += n;
	}
}

/* Removes @c from the list and writes its results; frees it. */
static void complete_cmd(struct hgcm *h, struct cmd *c)
{
	uint8_t *req = malloc(c->size);
	uint32_t type;
	int32_t result = c->status;
	uint8_t flags[4];

	cmd_unlink(h, c);
	if (!req) {
		vmmdev_log("HGCM: no memory to complete the request at %#" PRIx64, c->gpa);
		cmd_free(h, c);
		return;
	}
	if (vmmdev_mem_read(h->dev, c->gpa, req, c->size)) {
		vmmdev_log("guest-error: HGCM request at %#" PRIx64 " vanished", c->gpa);
		goto out;
	}
	type = get32(req + 8);
	if (type != c->type && type != 64) {
		vmmdev_log("guest-error: HGCM request at %#" PRIx64 " changed type %u -> %u",
			   c->gpa, c->type, type);
		result = VERR_INVALID_PARAMETER;
	} else if (c->type == 60) {
		if (result >= 0)
			put32(req + 164, h->corrupt == CORRUPT_CLIENT0 ?
					 0 : c->client_id);
	} else if (c->type == 62 || c->type == 63) {
		write_outputs(h, c, req);
	}
	put32(req + 12, VINF_HGCM_ASYNC_EXECUTE);
	put32(req + 28, (uint32_t)result);
	write_guest(h, c->gpa, req, c->size);
	put32(flags, get32(req + 24) | HGCM_DONE);
	write_guest(h, c->gpa + 24, flags, sizeof(flags));
	vmmdev_post_events_locked(h->dev, EV_HGCM);
	h->cnt.completions++;
out:
	free(req);
	cmd_free(h, c);
}

/*
 * Tells the service that the guest cancelled a call it holds (not an
 * orphaned one: its service forgot it at the disconnect).
 */
static void cancel_held(struct hgcm *h, struct cmd *c)
{
	if (c->state == CMD_SVC_PENDING && c->client)
		svc_cancel(h, c);
}

/* Cancel without writing guest memory; tells the service if it holds it. */
static void drop_cmd(struct hgcm *h, struct cmd *c)
{
	cmd_unlink(h, c);
	cancel_held(h, c);
	h->cnt.cancelled++;
	cmd_free(h, c);
}

/*
 * The client goes: the service's ->disconnect() first, with its calls still
 * pending (see the top of this file); then the calls it completed are
 * written, the rest stay pending without a client.
 */
static void drop_client(struct hgcm *h, struct client *cl)
{
	struct client **pp;
	struct cmd *c, *next;
	uint64_t now;

	pthread_mutex_lock(&h->svc_lock);
	if (cl->svc->disconnect)
		cl->svc->disconnect(cl->priv);
	pthread_mutex_unlock(&h->svc_lock);
	now = vmmdev_now_ns();	/* what it completed is due */
	for (c = h->head; c; c = next) {
		next = c->next;
		if (c->client != cl)
			continue;
		cl->pending--;
		c->client = NULL;
		if (c->state != CMD_READY)
			h->cnt.orphaned++;
		else if (c->due_ns <= now)
			complete_cmd(h, c);
	}
	for (pp = &h->clients; *pp; pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	}
	h->nclients--;
	free(cl);
}

static const struct hgcm_service *service_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(services); i++)
		if (!strcmp(services[i]->name, name))
			return services[i];
	return NULL;
}

static int32_t run_connect(struct hgcm *h, struct cmd *c)
{
	const struct hgcm_service *svc = service_find(c->name);
	struct client *cl, *it;
	uint32_t n = 0;
	int32_t rc;
	int cat = category(c->requestor);

	if (!svc) {
		vmmdev_log("HGCM: connect to unknown service '%s'", c->name);
		return VERR_HGCM_SERVICE_NOT_FOUND;
	}
	for (it = h->clients; it; it = it->next)
		if (it->svc == svc && it->cat == cat)
			n++;
	if (n >= max_clients[cat])
		return VERR_HGCM_TOO_MANY_CLIENTS;
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return VERR_NO_MEMORY;
	cl->id = h->next_id++;
	if (!h->next_id)
		h->next_id = 1;
	cl->svc = svc;
	cl->requestor = c->requestor;
	cl->cat = cat;
	pthread_mutex_lock(&h->svc_lock);
	rc = svc->connect(cl->id, c->requestor, &cl->priv);
	pthread_mutex_unlock(&h->svc_lock);
	if (rc < 0) {
		free(cl);
		return rc;
	}
	cl->next = h->clients;
	h->clients = cl;
	h->nclients++;
	c->client_id = cl->id;
	return rc;
}

static int32_t run_disconnect(struct hgcm *h, struct cmd *c)
{
	struct client *cl = client_find(h, c->client_id);

	if (!cl)
		return VERR_HGCM_INVALID_CLIENT_ID;
	drop_client(h, cl);
	return VINF_SUCCESS;
}

/* The command is due: hand it to the service, complete it if answered. */
static void run_cmd(struct hgcm *h, struct cmd *c)
{
	int32_t ret;

	if (c->type == 60 || c->type == 61) {
		c->status = c->type == 60 ? run_connect(h, c) : run_disconnect(h, c);
		complete_cmd(h, c);
		return;
	}
	if (!c->client) {	/* its client was disconnected meanwhile */
		c->status = VERR_HGCM_INVALID_CLIENT_ID;
		complete_cmd(h, c);
		return;
	}
	c->state = CMD_RUNNING;
	c->svc_done = false;
	c->call.delay_ms = 0;
	ret = svc_call(h, c);
	if (!c->svc_done && ret == HGCM_SVC_PENDING) {
		c->state = CMD_SVC_PENDING;
		return;
	}
	/* Completed from within ->call() (hgcm_svc_complete) or answered. */
	if (!c->svc_done)
		c->status = ret;
	c->state = CMD_READY;
	c->due_ns = vmmdev_now_ns() + (uint64_t)c->call.delay_ms * 1000000ull;
	if (!c->call.delay_ms)
		complete_cmd(h, c);
}

/* Processes one due command; returns false if none is due. */
static bool process_one(struct hgcm *h, uint64_t now, uint64_t *next_due)
{
	struct cmd *c;

	*next_due = NEVER_DUE;
	for (c = h->head; c; c = c->next) {
		if (c->state != CMD_QUEUED && c->state != CMD_READY)
			continue;
		if (c->due_ns <= now) {
			if (c->state == CMD_QUEUED)
				run_cmd(h, c);
			else
				complete_cmd(h, c);
			return true;
		}
		if (c->due_ns < *next_due)
			*next_due = c->due_ns;
	}
	return false;
}

static void *worker_main(void *arg)
{
	struct hgcm *h = arg;
	pthread_mutex_t *lock = vmmdev_mutex(h->dev);
	uint64_t next;

	pthread_mutex_lock(lock);
	while (!h->stop) {
		struct timespec ts;

		if (process_one(h, vmmdev_now_ns(), &next))
			continue;
		if (next == NEVER_DUE) {
			pthread_cond_wait(&h->cond, lock);
			continue;
		}
		ts.tv_sec = (time_t)(next / 1000000000ull);
		ts.tv_nsec = (long)(next % 1000000000ull);
		pthread_cond_timedwait(&h->cond, lock, &ts);
	}
	pthread_mutex_unlock(lock);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Submission (spec 7.2-7.4) */

static int32_t bad(struct cmd *c, uint32_t i, const char *why, int32_t rc)
{
	vmmdev_log("guest-error: HGCM call at %#" PRIx64 " parameter %u: %s",
		   c->gpa, i, why);
	return rc;
}

/* Validates and maps one page-list parameter (types 10, 12, 13). */
static int32_t parse_page_list(struct hgcm *h, struct cmd *c, const uint8_t *req,
			       uint32_t i, uint32_t params_end)
{
	struct hparm *hp = &c->hp[i];
	const uint8_t *e = req + hp->entry;
	uint32_t size = get32(e + 4), off = get32(e + 8), flags, k;
	uint64_t need;

	if (size > HGCM_MAX_BYTES)
		return bad(c, i, "buffer too big", VERR_INVALID_PARAMETER);
	if (off < params_end || off > c->size - 16)
		return bad(c, i, "descriptor offset outside the request",
			   VERR_INVALID_PARAMETER);
	flags = get32(req + off);
	if (flags < 1 || flags > 3)
		return bad(c, i, "bad direction flags", VERR_INVALID_FLAGS);
	hp->first_off = get16(req + off + 4);
	hp->npages = get16(req + off + 6);
	if (hp->first_off >= HGCM_PAGE)
		return bad(c, i, "first-page offset >= 4096", VERR_INVALID_PARAMETER);
	if (hp->npages < 1 || (uint64_t)off + 8 + 8ull * hp->npages > c->size)
		return bad(c, i, "page count", VERR_INVALID_PARAMETER);
	need = ((uint64_t)hp->first_off + size + HGCM_PAGE - 1) / HGCM_PAGE;
	if (hp->type == 12 && hp->npages != 1)
		return bad(c, i, "contiguous list with more than one page",
			   VERR_INVALID_PARAMETER);
	if (hp->type == 13 && hp->npages != (need ? need : 1))
		return bad(c, i, "no-bounce page count does not match the size",
			   VERR_INVALID_PARAMETER);
	if (hp->type == 10 && hp->npages < need)
		return bad(c, i, "fewer pages than the size needs", VERR_INVALID_PARAMETER);
	hp->pages = malloc(8ull * hp->npages);
	if (!hp->pages)
		return VERR_NO_MEMORY;
	for (k = 0; k < hp->npages; k++) {
		uint64_t a = get64(req + off + 8 + 8 * k);
		uint64_t low = a & (HGCM_PAGE - 1);

		if (hp->type == 10 && a == ~0ull) {
			hp->pages[k] = a;
			continue;
		}
		if (low && !(k == 0 && hp->type != 10 && low == hp->first_off))
			return bad(c, i, "page address not page-aligned", VERR_INVALID_POINTER);
		hp->pages[k] = a - low;
		h->cnt.user_pages += watched(h, hp->pages[k]);
	}
	c->parms[i].size = size;
	c->parms[i].dir = (flags & 1 ? HGCM_DIR_TO_HOST : 0) |
			  (flags & 2 ? HGCM_DIR_FROM_HOST : 0);
	h->cnt.pages += hp->npages;
	return VINF_SUCCESS;
}

static bool feature_ok(struct hgcm *h, uint32_t type)
{
	uint32_t f = vmmdev_host_features_locked(h->dev);

	switch (type) {
	case 10:
		return f & 0x1;
	case 11:
		return f & 0x2;
	case 12:
		return f & 0x4;
	case 13:
		return f & 0x8;
	default:
		return true;
	}
}

/* Validates one parameter and fills in its host view (no copy yet). */
static int32_t parse_parm(struct hgcm *h, struct cmd *c, const uint8_t *req,
			  uint32_t i, uint32_t params_end, bool wide)
{
	struct hparm *hp = &c->hp[i];
	struct hgcm_parm *p = &c->parms[i];
	const uint8_t *e = req + hp->entry;
	uint32_t type = get32(e), size, flags;

	hp->type = type;
	if (type >= 1 && type <= 13)
		h->cnt.param[type]++;
	if (!feature_ok(h, type))
		return bad(c, i, "type not offered by the host features",
			   VERR_INVALID_PARAMETER);
	switch (type) {
	case 1:
		p->kind = HGCM_PARM_U32;
		p->u32 = get32(e + 4);
		return VINF_SUCCESS;
	case 2:
		p->kind = HGCM_PARM_U64;
		p->u64 = get64(e + 4);
		return VINF_SUCCESS;
	case 4:
	case 5:
	case 6:
		size = get32(e + 4);
		(void)wide;
		if (size > HGCM_MAX_BYTES)
			return bad(c, i, "buffer too big", VERR_INVALID_PARAMETER);
		if (size) {
			h->cnt.linear_rejected++;
			return bad(c, i, "non-empty linear-address buffer cannot be emulated",
				   VERR_INVALID_PARAMETER);
		}
		p->kind = HGCM_PARM_BUF;
		p->size = 0;
		p->dir = type == 4 ? HGCM_DIR_TO_HOST | HGCM_DIR_FROM_HOST :
			 type == 5 ? HGCM_DIR_TO_HOST : HGCM_DIR_FROM_HOST;
		return VINF_SUCCESS;
	case 10:
	case 12:
	case 13:
		p->kind = HGCM_PARM_BUF;
		return parse_page_list(h, c, req, i, params_end);
	case 11:
		flags = get32(e + 4) & 0xff;
		hp->data_off = get32(e + 4) >> 8;
		size = get32(e + 8);
		if (flags < 1 || flags > 3)
			return bad(c, i, "bad embedded direction flags", VERR_INVALID_FLAGS);
		if (size > HGCM_MAX_BYTES)
			return bad(c, i, "buffer too big", VERR_INVALID_PARAMETER);
		if (hp->data_off < params_end || (uint64_t)hp->data_off + size > c->size)
			return bad(c, i, "embedded data outside the request",
				   VERR_INVALID_PARAMETER);
		p->kind = HGCM_PARM_BUF;
		p->size = size;
		p->dir = (flags & 1 ? HGCM_DIR_TO_HOST : 0) |
			 (flags & 2 ? HGCM_DIR_FROM_HOST : 0);
		return VINF_SUCCESS;
	default:
		return bad(c, i, "parameter type not accepted", VERR_INVALID_PARAMETER);
	}
}

/* Allocates the host buffers and copies every "to host" input. */
static int32_t copy_inputs(struct hgcm *h, struct cmd *c, const uint8_t *req)
{
	uint32_t i;

	for (i = 0; i < c->call.nparms; i++) {
		struct hgcm_parm *p = &c->parms[i];
		const struct hparm *hp = &c->hp[i];

		if (p->kind != HGCM_PARM_BUF)
			continue;
		p->out_size = p->size;
		p->buf = calloc(1, p->size ? p->size : 1);
		if (!p->buf)
			return VERR_NO_MEMORY;
		if (!(p->dir & HGCM_DIR_TO_HOST) || !p->size)
			continue;
		switch (hp->type) {
		case 10:
		case 13:
			if (copy_pages(h, hp, p->buf, p->size, false))
				return bad(c, i, "page list not in guest RAM",
					   VERR_INVALID_PARAMETER);
			break;
		case 12:
			if (vmmdev_mem_read(h->dev, hp->pages[0] + hp->first_off,
					    p->buf, p->size))
				return bad(c, i, "contiguous buffer not in guest RAM",
					   VERR_INVALID_PARAMETER);
			if (watched(h, hp->pages[0]))
				h->cnt.user_bytes += p->size;
			break;
		case 11:
			memcpy(p->buf, req + hp->data_off, p->size);
			break;
		default:
			break;
		}
		h->cnt.bytes_in += p->size;
	}
	return VINF_SUCCESS;
}

static uint64_t budget_default(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t ram = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 0;
	uint64_t b = ram / 8 / 3;

	if (b > (1ull << 30))
		b = 1ull << 30;
	if (b < (32ull << 20))
		b = 32ull << 20;
	return b;
}

/* Spec 7.3/7.4; on success @c holds the host copies of the inputs. */
static int32_t prepare_call(struct hgcm *h, struct cmd *c, const uint8_t *req)
{
	bool wide = c->type == 63;
	uint32_t entry = wide ? 16 : 12;
	uint32_t n = get32(req + 40), id = get32(req + 32), i, params_end;
	uint64_t total = 0;
	int32_t rc;

	if (n > HGCM_MAX_PARMS || n > (c->size - 44) / entry) {
		vmmdev_log("guest-error: HGCM call at %#" PRIx64 ": %u parameters in %u bytes",
			   c->gpa, n, c->size);
		return VERR_INVALID_PARAMETER;
	}
	if (!id) {
		vmmdev_log("guest-error: HGCM call at %#" PRIx64 " with client id 0", c->gpa);
		return VERR_INVALID_PARAMETER;
	}
	c->client = client_find(h, id);
	if (!c->client) {
		vmmdev_log("guest-error: HGCM call at %#" PRIx64 ": no client %u", c->gpa, id);
		return VERR_HGCM_INVALID_CLIENT_ID;
	}
	if (c->client->pending >= max_calls[c->client->cat]) {
		vmmdev_log("guest-error: HGCM client %u has too many calls pending", id);
		c->client = NULL;
		return VERR_HGCM_TOO_MANY_CLIENT_CALLS;
	}
	c->call.nparms = n;
	params_end = 44 + n * entry;
	for (i = 0; i < n; i++) {
		c->hp[i].entry = 44 + i * entry;
		rc = parse_parm(h, c, req, i, params_end, wide);
		if (rc)
			goto fail;
		if (c->parms[i].kind == HGCM_PARM_BUF)
			total += c->parms[i].size;
	}
	c->cat = c->client->cat;
	if (total > HGCM_MAX_BYTES ||
	    h->budget_used[c->cat] + total > h->budget_max) {
		vmmdev_log("guest-error: HGCM call at %#" PRIx64 ": %" PRIu64
			   " buffer bytes exceed the budget", c->gpa, total);
		rc = VERR_NO_MEMORY;
		goto fail;
	}
	c->bytes = total;
	h->budget_used[c->cat] += total;
	rc = copy_inputs(h, c, req);
	if (rc)
		goto fail;
	c->call.fn = get32(req + 36);
	c->call.parms = c->parms;
	c->call.client_id = id;
	c->call.requestor = c->requestor;
	c->call.core_priv = c;
	return VINF_SUCCESS;
fail:
	c->client = NULL;
	return rc;
}

/**
 * hgcm_submit() - a connect, disconnect, call32 or call64 request.
 * @h:    the HGCM state.
 * @gpa:  where the guest submitted it.
 * @req:  the host copy of the whole request.
 * @size: its size.
 *
 * Context: dev->lock held.
 * Return: VINF_HGCM_ASYNC_EXECUTE if accepted, else the synchronous error.
 */
int32_t hgcm_submit(struct hgcm *h, uint64_t gpa, uint8_t *req, uint32_t size)
{
	struct cmd *c = calloc(1, sizeof(*c));
	uint32_t type = get32(req + 8);
	int32_t rc = VINF_SUCCESS;
	uint64_t now = vmmdev_now_ns();

	if (!c)
		return VERR_NO_MEMORY;
	c->magic = CMD_MAGIC;
	vmmdev_hgcm_auto_enable_locked(h->dev);
	c->gpa = gpa;
	c->type = type;
	c->size = size;
	c->requestor = vmmdev_hgcm_requestor_locked(h->dev, get32(req + 20));
	c->state = CMD_QUEUED;
	switch (type) {
	case 60:
		h->cnt.connects++;
		if (size < 168 || !memchr(req + 36, 0, 128)) {
			vmmdev_log("guest-error: HGCM connect at %#" PRIx64
				   ": service name not terminated", gpa);
			rc = VERR_INVALID_PARAMETER;
			break;
		}
		memcpy(c->name, req + 36, 128);
		break;
	case 61:
		h->cnt.disconnects++;
		c->client_id = size >= 36 ? get32(req + 32) : 0;
		if (!c->client_id) {
			vmmdev_log("guest-error: HGCM disconnect at %#" PRIx64
				   " of client 0", gpa);
			rc = VERR_INVALID_PARAMETER;
		}
		break;
	case 62:
	case 63:
		h->cnt.calls++;
		rc = size < 44 ? VERR_INVALID_PARAMETER : prepare_call(h, c, req);
		break;
	default:
		rc = VERR_INVALID_PARAMETER;
		break;
	}
	if (rc) {
		cmd_free(h, c);
		return rc;
	}
	if ((h->mode == MODE_NEVER && (type == 62 || type == 63)) ||
	    h->mode == MODE_STALL)
		c->due_ns = NEVER_DUE;
	else if (h->mode == MODE_ASYNC)
		c->due_ns = now + h->delay_us * 1000ull;
	else
		c->due_ns = now;
	cmd_append(h, c);
	if (h->mode == MODE_INLINE) {
		uint64_t next;

		/* Completes this one and whatever its service woke up. */
		while (process_one(h, vmmdev_now_ns(), &next))
			;
	}
	pthread_cond_signal(&h->cond);
	return VINF_HGCM_ASYNC_EXECUTE;
}

/**
 * hgcm_cancel() - Cancel2 or legacy Cancel (spec 7.6).
 * @h:      the HGCM state.
 * @gpa:    address of the request to cancel.
 * @legacy: true for request 64 (not found is VERR_INVALID_PARAMETER).
 *
 * The "hgcm-cancel" knob makes a broken host: "refuse" answers
 * VERR_NOT_SUPPORTED and "not-found" answers as if the command were not
 * pending; either way the command stays (until "hgcm-finish").
 *
 * Context: dev->lock held.
 * Return: VINF_SUCCESS, VERR_NOT_FOUND, VERR_INVALID_PARAMETER or
 * VERR_NOT_SUPPORTED.
 */
int32_t hgcm_cancel(struct hgcm *h, uint64_t gpa, bool legacy)
{
	struct cmd *c;

	h->cnt.cancels++;
	if (!legacy && (gpa == 0 || gpa == 0xffffffffull || gpa == ~0ull)) {
		vmmdev_log("guest-error: cancel of address %#" PRIx64, gpa);
		return VERR_INVALID_PARAMETER;
	}
	for (c = h->head; c; c = c->next) {
		if (c->gpa != gpa)
			continue;
		/* A broken host: the command stays and may complete later. */
		if (h->cancel_mode == CANCEL_REFUSE) {
			h->cnt.cancel_refused++;
			return VERR_NOT_SUPPORTED;
		}
		if (h->cancel_mode == CANCEL_NOT_FOUND)
			break;
		/* A lying host: "cancelled", yet the command stays. */
		if (h->cancel_mode == CANCEL_LIE) {
			h->cnt.cancel_lied++;
			return VINF_SUCCESS;
		}
		drop_cmd(h, c);
		pthread_cond_signal(&h->cond);
		return VINF_SUCCESS;
	}
	h->cnt.cancel_not_found++;
	return legacy ? VERR_INVALID_PARAMETER : VERR_NOT_FOUND;
}

/*
 * Complete every command in flight now with VERR_INTERRUPTED, as a host
 * that answers late (after the guest gave up): the request is written,
 * DONE set and the HGCM event posted.  Return: how many.
 */
static unsigned int finish_all(struct hgcm *h)
{
	unsigned int n = 0;
	struct cmd *c;

	while ((c = h->head)) {
		cancel_held(h, c);
		if (c->state != CMD_READY)
			c->status = VERR_INTERRUPTED;
		complete_cmd(h, c);
		n++;
	}
	h->cnt.finished += n;
	return n;
}

/**
 * hgcm_reset() - device reset: drop clients and calls, write nothing.
 * @h: the HGCM state.
 *
 * Context: dev->lock held.
 */
void hgcm_reset(struct hgcm *h)
{
	size_t i;

	while (h->head)
		drop_cmd(h, h->head);
	while (h->clients)
		drop_client(h, h->clients);
	pthread_mutex_lock(&h->svc_lock);
	for (i = 0; i < ARRAY_SIZE(services); i++)
		if (services[i]->reset)
			services[i]->reset();
	pthread_mutex_unlock(&h->svc_lock);
}

/**
 * hgcm_new() - create the HGCM state and start its worker.
 * @dev: the device.
 *
 * Return: the state, or NULL on failure.
 */
struct hgcm *hgcm_new(struct vmmdev *dev)
{
	struct hgcm *h = calloc(1, sizeof(*h));
	pthread_condattr_t attr;

	if (!h)
		return NULL;
	h->dev = dev;
	h->next_id = 1;
	h->budget_max = budget_default();
	pthread_mutex_init(&h->svc_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&h->worker, NULL, worker_main, h)) {
		pthread_cond_destroy(&h->cond);
		pthread_mutex_destroy(&h->svc_lock);
		free(h);
		return NULL;
	}
	return h;
}

/**
 * hgcm_free() - stop the worker and free everything.
 * @h: the HGCM state (may be NULL).
 *
 * Context: dev->lock NOT held (the worker needs it to finish).
 */
void hgcm_free(struct hgcm *h)
{
	if (!h)
		return;
	vmmdev_lock(h->dev);
	h->stop = true;
	pthread_cond_signal(&h->cond);
	vmmdev_unlock(h->dev);
	pthread_join(h->worker, NULL);
	vmmdev_lock(h->dev);
	while (h->head)
		drop_cmd(h, h->head);
	while (h->clients)
		drop_client(h, h->clients);
	vmmdev_unlock(h->dev);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->svc_lock);
	free(h->watch);
	free(h);
}

/*
 * "hgcm-watch GPA N": add the N page addresses (u64, little endian) stored
 * in guest memory at GPA to the watch list; "hgcm-watch-clear" empties it.
 * Page-list pages on the list count as hgcm.user_pages, the buffer bytes
 * the host moves through them as hgcm.user_bytes (a benchmark registers
 * its buffers' pages to see whether the host got them or a driver's copy).
 */
static bool watch_control(struct hgcm *h, const char *cmd, FILE *out)
{
	char name[32], a1[32], a2[32], extra[2];
	int n = sscanf(cmd, " %31s %31s %31s %1s", name, a1, a2, extra);
	unsigned long long gpa, cnt;
	uint64_t *w;
	uint32_t i;
	char *e1, *e2;

	if (!strcmp(name, "hgcm-watch-clear") && n == 1) {
		free(h->watch);
		h->watch = NULL;
		h->nwatch = 0;
		fprintf(out, "ok\n");
		return true;
	}
	if (strcmp(name, "hgcm-watch"))
		return false;
	if (n != 3) {
		fprintf(out, "err usage: hgcm-watch GPA N\n");
		return true;
	}
	gpa = strtoull(a1, &e1, 0);
	cnt = strtoull(a2, &e2, 0);
	if (*e1 || *e2 || cnt < 1 || cnt > 512 || h->nwatch + cnt > (1u << 20)) {
		fprintf(out, "err bad address or count\n");
		return true;
	}
	w = realloc(h->watch, (h->nwatch + cnt) * sizeof(*w));
	if (!w) {
		fprintf(out, "err no memory\n");
		return true;
	}
	h->watch = w;
	if (vmmdev_mem_read(h->dev, gpa, w + h->nwatch, cnt * sizeof(*w))) {
		fprintf(out, "err list not in guest RAM\n");
		return true;
	}
	for (i = 0; i < cnt; i++)
		w[h->nwatch + i] = get64((uint8_t *)&w[h->nwatch + i]) & ~(uint64_t)(HGCM_PAGE - 1);
	h->nwatch += (uint32_t)cnt;
	qsort(w, h->nwatch, sizeof(*w), cmp_u64);
	fprintf(out, "ok %u\n", h->nwatch);
	return true;
}

/*
 * "CMD MODE" with MODE one of @names: its index and "ok", or -1 and the
 * usage.
 */
static int pick_mode(const char *arg, const char *const *names, size_t count,
		     const char *cmd, FILE *out)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (!strcmp(arg, names[i])) {
			fprintf(out, "ok\n");
			return (int)i;
		}
	}
	fprintf(out, "err usage: %s", cmd);
	for (i = 0; i < count; i++)
		fprintf(out, "%c%s", i ? '|' : ' ', names[i]);
	fprintf(out, "\n");
	return -1;
}

/**
 * hgcm_control() - hgcm-* (and the services' guestprop-*, sf-*, clip-*) commands.
 * @h:   the HGCM state.
 * @cmd: the command line.
 * @out: where the reply goes.
 *
 * Context: dev->lock held.
 * Return: true if the command was an HGCM one.
 */
bool hgcm_control(struct hgcm *h, const char *cmd, FILE *out)
{
	char name[32], arg[32], extra[2];
	int n = sscanf(cmd, " %31s %31s %1s", name, arg, extra);
	char *end;
	long long v;

	if (n < 1)
		return false;
	if (!strcmp(name, "hgcm-mode")) {
		if (n != 2) {
			fprintf(out, "err usage: hgcm-mode async|inline|never|stall\n");
		} else if (!strcmp(arg, "async")) {
			h->mode = MODE_ASYNC;
		} else if (!strcmp(arg, "inline")) {
			h->mode = MODE_INLINE;
		} else if (!strcmp(arg, "never")) {
			h->mode = MODE_NEVER;
		} else if (!strcmp(arg, "stall")) {
			h->mode = MODE_STALL;
		} else {
			fprintf(out, "err unknown mode '%s'\n", arg);
			return true;
		}
		if (n == 2)
			fprintf(out, "ok\n");
		pthread_cond_signal(&h->cond);
		return true;
	}
	if (!strcmp(name, "hgcm-cancel")) {
		int i = pick_mode(n == 2 ? arg : "", cancel_modes,
				  ARRAY_SIZE(cancel_modes), name, out);

		if (i >= 0)
			h->cancel_mode = (enum cancel_mode)i;
		return true;
	}
	if (!strcmp(name, "hgcm-corrupt")) {
		int i = pick_mode(n == 2 ? arg : "", corrupt_modes,
				  ARRAY_SIZE(corrupt_modes), name, out);

		if (i >= 0)
			h->corrupt = (enum corrupt_mode)i;
		return true;
	}
	if (!strcmp(name, "hgcm-finish")) {
		if (n != 1)
			fprintf(out, "err usage: hgcm-finish\n");
		else
			fprintf(out, "ok %u\n", finish_all(h));
		return true;
	}
	if (!strcmp(name, "hgcm-delay") || !strcmp(name, "hgcm-delay-us")) {
		bool us = name[10] == '-';

		if (n != 2) {
			fprintf(out, "err usage: %s\n", us ? "hgcm-delay-us US" : "hgcm-delay MS");
			return true;
		}
		v = strtoll(arg, &end, 0);
		if (*end || v < 0 || v > 3600ll * 1000 * (us ? 1000 : 1)) {
			fprintf(out, "err bad delay '%s'\n", arg);
			return true;
		}
		h->delay_us = (uint64_t)v * (us ? 1 : 1000);
		fprintf(out, "ok\n");
		return true;
	}
	if (!strncmp(name, "hgcm-watch", 10))
		return watch_control(h, cmd, out);
	if (!strncmp(name, "guestprop-", 10) || !strncmp(name, "sf-", 3) ||
	    !strncmp(name, "clip-", 5)) {
		bool handled;
		uint64_t next;

		/* A service entry point: serialised, and it may wake calls. */
		pthread_mutex_lock(&h->svc_lock);
		handled = !strncmp(name, "sf-", 3) ? sf_control(cmd, out) :
			  !strncmp(name, "clip-", 5) ? clip_control(cmd, out) :
			  guestprop_control(cmd, out);
		pthread_mutex_unlock(&h->svc_lock);
		if (h->mode == MODE_INLINE)
			while (process_one(h, vmmdev_now_ns(), &next))
				;
		pthread_cond_signal(&h->cond);
		return handled;
	}
	if (!strcmp(name, "hgcm-state")) {
		static const char *const modes[] = { "async", "inline", "never",
						     "stall" };

		fprintf(out, "mode %s\ndelay_ms %" PRIu64 "\ndelay_us %" PRIu64
			"\nclients %u\npending %u\nnext_client_id %u\nwatched_pages %u\ncancel %s\ncorrupt %s\nok\n",
			modes[h->mode], h->delay_us / 1000, h->delay_us, h->nclients,
			h->npending, h->next_id, h->nwatch,
			cancel_modes[h->cancel_mode], corrupt_modes[h->corrupt]);
		return true;
	}
	return false;
}

/**
 * hgcm_counters() - append the HGCM counters as "name value" lines.
 * @h:   the HGCM state.
 * @out: the stream.
 *
 * Context: dev->lock held.
 */
void hgcm_counters(struct hgcm *h, FILE *out)
{
	const struct hgcm_counters *k = &h->cnt;
	int i;

	fprintf(out, "hgcm.connects %" PRIu64 "\n", k->connects);
	fprintf(out, "hgcm.disconnects %" PRIu64 "\n", k->disconnects);
	fprintf(out, "hgcm.calls %" PRIu64 "\n", k->calls);
	fprintf(out, "hgcm.cancels %" PRIu64 "\n", k->cancels);
	fprintf(out, "hgcm.cancel_not_found %" PRIu64 "\n", k->cancel_not_found);
	fprintf(out, "hgcm.cancel_refused %" PRIu64 "\n", k->cancel_refused);
	fprintf(out, "hgcm.cancel_lied %" PRIu64 "\n", k->cancel_lied);
	fprintf(out, "hgcm.finished %" PRIu64 "\n", k->finished);
	fprintf(out, "hgcm.orphaned %" PRIu64 "\n", k->orphaned);
	fprintf(out, "hgcm.completions %" PRIu64 "\n", k->completions);
	fprintf(out, "hgcm.cancelled %" PRIu64 "\n", k->cancelled);
	fprintf(out, "hgcm.bytes_in %" PRIu64 "\n", k->bytes_in);
	fprintf(out, "hgcm.bytes_out %" PRIu64 "\n", k->bytes_out);
	fprintf(out, "hgcm.linear_rejected %" PRIu64 "\n", k->linear_rejected);
	for (i = 1; i <= 13; i++)
		fprintf(out, "hgcm.param.%d %" PRIu64 "\n", i, k->param[i]);
	fprintf(out, "hgcm.pages %" PRIu64 "\n", k->pages);
	fprintf(out, "hgcm.user_pages %" PRIu64 "\n", k->user_pages);
	fprintf(out, "hgcm.user_bytes %" PRIu64 "\n", k->user_bytes);
}

/**
 * hgcm_reset_counters() - zero the HGCM counters.
 * @h: the HGCM state.
 *
 * Context: dev->lock held.
 */
void hgcm_reset_counters(struct hgcm *h)
{
	memset(&h->cnt, 0, sizeof(h->cnt));
}
