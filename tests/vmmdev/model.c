// SPDX-License-Identifier: GPL-2.0
/*
 * VMMDev host emulator: the device model.
 *
 * Request validation and one handler per request type, event state
 * (pending, filter, deferred filter) and the interrupt line, balloon,
 * heartbeat, mouse, facilities, display hints, fault injection, counters
 * and the control commands.  Behaviour follows
 * ../../../shared/vmmdev-spec.md (sections named "spec N" below).
 *
 * Locking: everything in struct vmmdev is protected by dev->lock.  Every
 * public entry point takes it; the HGCM part (hgcm.c) is called with it
 * held, and its worker thread takes it to complete calls.  The host
 * callbacks (dev->ops) must not call back into the model.  The transport
 * counters are atomics so that vmmdev_count() never needs the lock.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "desktop.h"
#include "emu.h"
#include "le.h"
#include "hgcm.h"
#include "model.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define REQ_HDR_SIZE		24
#define REQ_HDR_VERSION		0x00010001
#define REQ_MAX_SIZE		(1024 * 1024)

#define BAR1_STRUCT_SIZE	0x003FFD28
#define BAR1_VERSION		1
#define BAR1_OFF_SIZE		0
#define BAR1_OFF_VERSION	4
#define BAR1_OFF_HAVE_EVENTS	8

#define EV_MOUSE_CAPS		0x001
#define EV_HGCM			0x002
#define EV_DISPLAY		0x004
#define EV_RESTORED		0x010
#define EV_SEAMLESS		0x020
#define EV_BALLOON		0x040
#define EV_STATS		0x080
#define EV_MOUSE_POS		0x200
#define EV_VALID_MASK		0x7ff

#define MOUSE_GUEST_MASK	0x095
#define MOUSE_HOST_MASK		0x16a
#define MOUSE_ALL_MASK		0x1ff
#define MOUSE_HOST_DEFAULT	0x120
#define MOUSE_BUTTONS_MASK	0x01f	/* left, right, middle, X1, X2 */

#define DEFAULT_FEATURES	0x8000000fu
#define DEFAULT_HB_INTERVAL_NS	2000000000ull
#define MIN_HB_INTERVAL_MS	50

#define NUM_TYPES		256	/* counters and handlers by type */
#define NUM_DISPLAYS		64
#define NUM_FACILITIES		32
#define NUM_FAULTS		32
#define FACILITY_ALL		0x7ffffffe

#define BALLOON_CHUNK_PAGES	256
#define PAGE_SIZE_4K		4096ull

struct display_hint {
	uint32_t w, h, bpp;
	int32_t x, y;
	uint8_t enabled, change_origin;
};

struct facility {
	uint32_t id;
	uint32_t status;
	uint32_t flags;
	bool used;
	bool fixed;
};

struct fault_rule {
	uint32_t type;
	uint32_t count;
	int32_t rc;
};

/* Open-addressing set of ballooned guest-physical page addresses. */
struct page_set {
	uint64_t *slots;	/* 0 = empty (page 0 is stored as bit 0 set) */
	size_t cap;		/* power of two */
	size_t used;
};

struct vmmdev {
	pthread_mutex_t lock;
	const struct vmmdev_host_ops *ops;
	void *opaque;
	uint8_t *bar1;
	struct hgcm *hgcm;

	/* Host configuration (kept across resets). */
	uint16_t host_major, host_minor;
	uint32_t host_build, host_rev, features;
	uint32_t mem_version, mem_size;
	uint64_t hb_interval_ns;

	/* Guest identification. */
	bool accepted;
	uint32_t guest_if_version, guest_os_type;
	uint16_t info2_major, info2_minor;
	uint32_t info2_build, info2_rev, info2_features;
	char info2_name[128];

	/* Events and the interrupt line (spec 1, 6). */
	uint32_t pending, filter, deferred_filter;
	bool deferred_valid;
	bool hgcm_auto_enable_armed;
	int irq_level;
	/* Control "filter-ignore": a broken host delivering every event. */
	bool filter_ignore;

	uint32_t caps;
	uint32_t mouse_guest, mouse_host;
	int32_t mouse_x, mouse_y;
	/* Full-state protocol (223): wheel deltas not yet read, buttons. */
	int64_t mouse_dz, mouse_dw;
	uint32_t mouse_buttons;

	/* Display, seamless, statistics: the host's value and the guest's. */
	struct display_hint hint[NUM_DISPLAYS], hint_read[NUM_DISPLAYS];
	uint32_t seamless, seamless_read;
	struct desktop desk;	/* visible region, pointer shape */
	uint32_t stats_interval, stats_interval_read;

	/* Balloon (spec 5.6). */
	uint32_t balloon_target, balloon_acked;
	struct page_set balloon;

	/* Heartbeat (spec 5.5). */
	bool hb_enabled;
	uint64_t hb_count, hb_first_ns, hb_last_ns;

	struct facility fac[NUM_FACILITIES];
	uint32_t cpu_event, cpu_core, cpu_package;
	bool cpu_monitoring;
	uint64_t session_id;

	struct fault_rule faults[NUM_FAULTS];
	/* Control "delay": ms before a request of the type is answered. */
	uint32_t reply_delay_ms[NUM_TYPES];

	/* Control "pump": a thread that keeps posting host events. */
	struct {
		pthread_t thread;
		bool started, stop;
		pthread_cond_t cond;	/* with dev->lock */
		uint32_t period_us, events, balloon_max;
		uint64_t ticks;
	} pump;

	/* Counters. */
	uint64_t req_total, req_rejected, req_ignored, req_unknown_type;
	uint64_t req_count[NUM_TYPES];
	uint32_t last_requestor[NUM_TYPES];
	uint64_t irq_raises, irq_spurious, acks, fast_acks, heartbeats;
	uint64_t balloon_pages, balloon_inflates, balloon_deflates;
	uint64_t device_resets, restores;
	uint64_t guest_errors;
	uint64_t malformed_driver, malformed_raw, reserved1_set;
	uint32_t malformed_driver_last;
	uint64_t xport[VMMDEV_CNT_XPORT_MAX];	/* atomics */
	int peer_pid;			/* QEMU, for host_cpu_us */
	uint64_t cpu_base_ns;		/* host CPU time at reset-counters */
};

/* ------------------------------------------------------------------ */
/* Log */

static FILE *log_file;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/**
 * vmmdev_set_log() - choose where vmmdev_log() writes.
 * @f: the stream, or NULL for stderr.
 */
void vmmdev_set_log(FILE *f)
{
	pthread_mutex_lock(&log_lock);
	log_file = f;
	pthread_mutex_unlock(&log_lock);
}

/**
 * vmmdev_log() - write one line to the host log.
 * @fmt: printf format without the newline.
 */
void vmmdev_log(const char *fmt, ...)
{
	va_list ap;
	FILE *f;

	pthread_mutex_lock(&log_lock);
	f = log_file ? log_file : stderr;
	fputs("vmmdev: ", f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
	pthread_mutex_unlock(&log_lock);
}

/* ------------------------------------------------------------------ */
/* Small helpers */

/**
 * vmmdev_now_ns() - the monotonic clock.
 *
 * Return: CLOCK_MONOTONIC in nanoseconds.
 */
uint64_t vmmdev_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void bar1_put32(struct vmmdev *dev, uint32_t off, uint32_t v)
{
	__atomic_store_n((uint32_t *)(dev->bar1 + off), v, __ATOMIC_SEQ_CST);
}

/* ------------------------------------------------------------------ */
/* Functions the HGCM part uses (hgcm.h, model.h) */

/**
 * vmmdev_lock() - take the device lock.
 * @dev: the device.
 */
void vmmdev_lock(struct vmmdev *dev)
{
	pthread_mutex_lock(&dev->lock);
}

/**
 * vmmdev_unlock() - drop the device lock.
 * @dev: the device.
 */
void vmmdev_unlock(struct vmmdev *dev)
{
	pthread_mutex_unlock(&dev->lock);
}

/**
 * vmmdev_mutex() - the device lock itself, for condition variables.
 * @dev: the device.
 *
 * Return: &dev->lock.
 */
pthread_mutex_t *vmmdev_mutex(struct vmmdev *dev)
{
	return &dev->lock;
}

/**
 * vmmdev_mem_read() - read guest-physical memory.
 * @dev: the device.
 * @gpa: guest-physical address.
 * @buf: destination.
 * @len: bytes.
 *
 * Return: 0, or -1 if any byte is not guest RAM.
 */
int vmmdev_mem_read(struct vmmdev *dev, uint64_t gpa, void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (gpa + len < gpa)
		return -1;
	return dev->ops->mem_read(dev->opaque, gpa, buf, len);
}

/**
 * vmmdev_mem_write() - write guest-physical memory.
 * @dev: the device.
 * @gpa: guest-physical address.
 * @buf: source.
 * @len: bytes.
 *
 * Return: 0, or -1 if any byte is not guest RAM.
 */
int vmmdev_mem_write(struct vmmdev *dev, uint64_t gpa, const void *buf,
		     size_t len)
{
	if (len == 0)
		return 0;
	if (gpa + len < gpa)
		return -1;
	return dev->ops->mem_write(dev->opaque, gpa, buf, len);
}

/**
 * vmmdev_host_features_locked() - host feature bits (GetHostVersion).
 * @dev: the device, lock held.
 *
 * Return: the feature bits.
 */
uint32_t vmmdev_host_features_locked(struct vmmdev *dev)
{
	return dev->features;
}

/* The filter the host applies (all events with "filter-ignore 1"). */
static uint32_t host_filter(const struct vmmdev *dev)
{
	return dev->filter_ignore ? EV_VALID_MASK : dev->filter;
}

/* The one place that raises the line (spec 1). */
static void raise_check(struct vmmdev *dev)
{
	if (!dev->accepted || !(dev->pending & host_filter(dev)))
		return;
	bar1_put32(dev, BAR1_OFF_HAVE_EVENTS, 1);
	dev->irq_level = 1;
	dev->irq_raises++;
	dev->ops->set_irq(dev->opaque, 1);
}

static void lower_irq(struct vmmdev *dev)
{
	dev->irq_level = 0;
	dev->ops->set_irq(dev->opaque, 0);
}

/**
 * vmmdev_post_events_locked() - post events to the guest.
 * @dev:    the device, lock held.
 * @events: event bits.
 *
 * Latches @events in pending; raises the line if nothing deliverable was
 * pending before (spec 1 and 6).
 */
void vmmdev_post_events_locked(struct vmmdev *dev, uint32_t events)
{
	bool was_pending = dev->pending & host_filter(dev);

	dev->pending |= events;
	if (!was_pending)
		raise_check(dev);
}

/* CtlGuestFilterMask semantics, also used by the HGCM auto-enable (spec 6). */
static void change_filter(struct vmmdev *dev, uint32_t or_mask,
			  uint32_t not_mask)
{
	not_mask &= ~(uint32_t)EV_HGCM;
	if (dev->pending & dev->filter) {
		if (!dev->deferred_valid) {
			dev->deferred_filter = dev->filter;
			dev->deferred_valid = true;
		}
		dev->deferred_filter = (dev->deferred_filter | or_mask) & ~not_mask;
		return;
	}
	dev->filter = (dev->filter | or_mask) & ~not_mask;
	raise_check(dev);
}

/**
 * vmmdev_hgcm_auto_enable_locked() - the first HGCM request since a reset
 * ORs the HGCM event into the filter.
 * @dev: the device, lock held.
 */
void vmmdev_hgcm_auto_enable_locked(struct vmmdev *dev)
{
	if (!dev->hgcm_auto_enable_armed)
		return;
	dev->hgcm_auto_enable_armed = false;
	change_filter(dev, EV_HGCM, 0);
}

/**
 * vmmdev_hgcm_requestor_locked() - the requestor HGCM honours.
 * @dev:   the device, lock held.
 * @field: the request's requestor field.
 *
 * Return: @field if the guest enabled requestor info (ReportGuestInfo2
 * feature bit 0), else 0xffffffff (legacy).
 */
uint32_t vmmdev_hgcm_requestor_locked(struct vmmdev *dev, uint32_t field)
{
	return (dev->info2_features & 1) ? field : 0xffffffffu;
}

/* Acknowledge (request 41 and the fast read): returns the taken events. */
static uint32_t acknowledge(struct vmmdev *dev)
{
	uint32_t ev;

	if (dev->deferred_valid) {
		dev->filter = dev->deferred_filter;
		dev->deferred_valid = false;
	}
	ev = dev->pending & host_filter(dev);
	dev->pending &= ~ev;
	bar1_put32(dev, BAR1_OFF_HAVE_EVENTS, 0);
	lower_irq(dev);
	return ev;
}

/* ------------------------------------------------------------------ */
/* Balloon page set */

static uint64_t page_key(uint64_t gpa)
{
	return gpa | 1;	/* page-aligned, so bit 0 marks "used" */
}

static size_t page_hash(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

static bool page_set_has(const struct page_set *s, uint64_t gpa)
{
	uint64_t key = page_key(gpa);
	size_t i;

	if (!s->cap)
		return false;
	for (i = page_hash(key, s->cap); s->slots[i]; i = (i + 1) & (s->cap - 1))
		if (s->slots[i] == key)
			return true;
	return false;
}

static int page_set_grow(struct page_set *s, size_t want)
{
	struct page_set n;
	size_t i, j;

	if ((s->used + want) * 2 < s->cap)
		return 0;
	n.cap = s->cap ? s->cap : 1024;
	while ((s->used + want) * 2 >= n.cap)
		n.cap *= 2;
	n.slots = calloc(n.cap, sizeof(*n.slots));
	if (!n.slots)
		return -1;
	n.used = s->used;
	for (i = 0; i < s->cap; i++) {
		if (!s->slots[i])
			continue;
		for (j = page_hash(s->slots[i], n.cap); n.slots[j]; j = (j + 1) & (n.cap - 1))
			;
		n.slots[j] = s->slots[i];
	}
	free(s->slots);
	*s = n;
	return 0;
}

/* Caller made room with page_set_grow(). */
static void page_set_add(struct page_set *s, uint64_t gpa)
{
	uint64_t key = page_key(gpa);
	size_t i;

	for (i = page_hash(key, s->cap); s->slots[i]; i = (i + 1) & (s->cap - 1))
		if (s->slots[i] == key)
			return;
	s->slots[i] = key;
	s->used++;
}

static void page_set_del(struct page_set *s, uint64_t gpa)
{
	uint64_t key = page_key(gpa);
	size_t i, j, k;

	if (!s->cap)
		return;
	for (i = page_hash(key, s->cap); s->slots[i]; i = (i + 1) & (s->cap - 1))
		if (s->slots[i] == key)
			break;
	if (!s->slots[i])
		return;
	/* Backward-shift deletion keeps the probe chains intact. */
	s->slots[i] = 0;
	s->used--;
	for (j = (i + 1) & (s->cap - 1); s->slots[j]; j = (j + 1) & (s->cap - 1)) {
		k = page_hash(s->slots[j], s->cap);
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			s->slots[i] = s->slots[j];
			s->slots[j] = 0;
			i = j;
		}
	}
}

static void page_set_clear(struct page_set *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------------ */
/* Power-on and reset state */

static void bar1_init(struct vmmdev *dev)
{
	memset(dev->bar1, 0, VMMDEV_BAR1_SIZE);
	bar1_put32(dev, BAR1_OFF_SIZE, dev->mem_size);
	bar1_put32(dev, BAR1_OFF_VERSION, dev->mem_version);
}

static uint64_t new_session_id(struct vmmdev *dev)
{
	uint64_t id = vmmdev_now_ns() ^ ((uint64_t)rand() << 32);

	return id == dev->session_id ? id + 1 : id;
}

static const uint32_t fixed_facilities[] = { 20, 100, 101, 1000, 1100 };

static void facilities_init(struct vmmdev *dev)
{
	size_t i;

	memset(dev->fac, 0, sizeof(dev->fac));
	for (i = 0; i < ARRAY_SIZE(fixed_facilities); i++) {
		dev->fac[i].id = fixed_facilities[i];
		dev->fac[i].used = true;
		dev->fac[i].fixed = true;
	}
}

static bool any_display_pending(struct vmmdev *dev)
{
	int i;

	for (i = 0; i < NUM_DISPLAYS; i++)
		if (memcmp(&dev->hint[i], &dev->hint_read[i], sizeof(dev->hint[i])))
			return true;
	return false;
}

/* Guest-visible state back to what a freshly reset device has. */
static void reset_guest_state(struct vmmdev *dev, bool power_on)
{
	dev->accepted = false;
	dev->guest_if_version = 0;
	dev->guest_os_type = 0;
	dev->info2_major = dev->info2_minor = 0;
	dev->info2_build = dev->info2_rev = dev->info2_features = 0;
	memset(dev->info2_name, 0, sizeof(dev->info2_name));
	dev->caps = 0;
	dev->pending = power_on ? 0 : dev->pending & EV_DISPLAY;
	dev->filter = 0;
	dev->deferred_filter = 0;
	dev->deferred_valid = false;
	dev->hgcm_auto_enable_armed = true;
	dev->mouse_guest = 0;
	memset(dev->hint_read, 0, sizeof(dev->hint_read));
	dev->seamless_read = 0;
	dev->stats_interval_read = 0;
	dev->balloon_acked = 0;
	/* A rebooted guest cannot return pages it no longer knows about. */
	page_set_clear(&dev->balloon);
	facilities_init(dev);
	dev->cpu_event = 1;
	dev->cpu_core = 0xffffffffu;
	dev->cpu_package = 0xffffffffu;
	dev->cpu_monitoring = false;
	dev->session_id = new_session_id(dev);
	bar1_init(dev);
	/* Host requests the guest has not seen are posted again (latched). */
	if (any_display_pending(dev))
		dev->pending |= EV_DISPLAY;
	if (dev->balloon_target != dev->balloon_acked)
		dev->pending |= EV_BALLOON;
	if (dev->seamless != dev->seamless_read)
		dev->pending |= EV_SEAMLESS;
	if (dev->stats_interval != dev->stats_interval_read)
		dev->pending |= EV_STATS;
	lower_irq(dev);
}

/* ------------------------------------------------------------------ */
/* Event pump (control "pump") */

/* One tick: move the mouse, flip the balloon target, post the events. */
static void pump_tick(struct vmmdev *dev)
{
	uint32_t ev = dev->pump.events;
	uint64_t t = ++dev->pump.ticks;

	if (ev & EV_MOUSE_POS) {
		dev->mouse_x = (int32_t)((t * 997) & 0xffff);
		dev->mouse_y = (int32_t)((t * 433) & 0xffff);
	}
	if (ev & EV_BALLOON) {
		dev->balloon_target = (t & 1) ? dev->pump.balloon_max : 0;
		if (dev->balloon_target == dev->balloon_acked)
			ev &= ~(uint32_t)EV_BALLOON;
	}
	vmmdev_post_events_locked(dev, ev);
}

/* The pump thread: holds dev->lock except while it waits. */
static void *pump_main(void *arg)
{
	struct vmmdev *dev = arg;
	struct timespec ts;

	pthread_mutex_lock(&dev->lock);
	while (!dev->pump.stop) {
		if (!dev->pump.period_us) {
			pthread_cond_wait(&dev->pump.cond, &dev->lock);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long)(dev->pump.period_us % 1000000) * 1000;
		ts.tv_sec += dev->pump.period_us / 1000000 + ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		if (pthread_cond_timedwait(&dev->pump.cond, &dev->lock, &ts) ==
		    ETIMEDOUT && !dev->pump.stop && dev->pump.period_us)
			pump_tick(dev);
	}
	pthread_mutex_unlock(&dev->lock);
	return NULL;
}

/* Stop and join the pump thread; dev->lock NOT held (the thread needs it). */
static void pump_stop(struct vmmdev *dev)
{
	bool started;

	pthread_mutex_lock(&dev->lock);
	dev->pump.stop = true;
	started = dev->pump.started;
	pthread_cond_signal(&dev->pump.cond);
	pthread_mutex_unlock(&dev->lock);
	if (started)
		pthread_join(dev->pump.thread, NULL);
}

/**
 * vmmdev_new() - create the device model in power-on state.
 * @ops:    host callbacks.
 * @opaque: passed to every callback.
 * @bar1:   the 4 MiB VMMDev memory.
 *
 * Return: the device, or NULL on allocation failure.
 */
struct vmmdev *vmmdev_new(const struct vmmdev_host_ops *ops, void *opaque,
			  uint8_t *bar1)
{
	struct vmmdev *dev = calloc(1, sizeof(*dev));
	pthread_condattr_t cattr;

	if (!dev)
		return NULL;
	pthread_mutex_init(&dev->lock, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&dev->pump.cond, &cattr);
	pthread_condattr_destroy(&cattr);
	dev->ops = ops;
	dev->opaque = opaque;
	dev->bar1 = bar1;
	dev->host_major = 7;
	dev->host_minor = 0;
	dev->host_build = 14;
	dev->host_rev = 161095;
	dev->features = DEFAULT_FEATURES;
	dev->mem_version = BAR1_VERSION;
	dev->mem_size = BAR1_STRUCT_SIZE;
	dev->hb_interval_ns = DEFAULT_HB_INTERVAL_NS;
	dev->mouse_host = MOUSE_HOST_DEFAULT;

	pthread_mutex_lock(&dev->lock);
	reset_guest_state(dev, true);
	dev->hgcm = hgcm_new(dev);
	pthread_mutex_unlock(&dev->lock);
	if (!dev->hgcm) {
		pthread_cond_destroy(&dev->pump.cond);
		pthread_mutex_destroy(&dev->lock);
		free(dev);
		return NULL;
	}
	return dev;
}

/**
 * vmmdev_free() - stop the HGCM worker and free the model.
 * @dev: the device (may be NULL).
 */
void vmmdev_free(struct vmmdev *dev)
{
	if (!dev)
		return;
	pump_stop(dev);
	/* hgcm_free() joins the worker, which needs dev->lock: call unlocked. */
	hgcm_free(dev->hgcm);
	page_set_clear(&dev->balloon);
	pthread_cond_destroy(&dev->pump.cond);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

/*
 * What VirtualBox does at a device reset: HGCM clients and pending calls
 * dropped without a write to guest memory, the guest's report, filter,
 * capabilities, mouse bits and facilities forgotten (spec appendix).
 * Context: dev->lock held.
 */
static void device_reset_locked(struct vmmdev *dev)
{
	hgcm_reset(dev->hgcm);
	reset_guest_state(dev, false);
	dev->device_resets++;
	vmmdev_log("device reset");
}

/**
 * vmmdev_reset() - DEVICE_RESET: back to power-on state (spec appendix).
 * @dev: the device.
 */
void vmmdev_reset(struct vmmdev *dev)
{
	pthread_mutex_lock(&dev->lock);
	device_reset_locked(dev);
	pthread_mutex_unlock(&dev->lock);
}

/**
 * vmmdev_count() - count a transport event.
 * @dev: the device.
 * @c:   which counter.
 */
void vmmdev_count(struct vmmdev *dev, enum vmmdev_xport_counter c)
{
	if ((unsigned int)c < VMMDEV_CNT_XPORT_MAX)
		__atomic_fetch_add(&dev->xport[c], 1, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ */
/* Request handlers (spec 5) */

/**
 * struct req - one request being processed.
 * @gpa:   where the guest submitted it.
 * @buf:   the host copy (@size bytes), written back afterwards.
 * @size:  the size field.
 * @type:  the request type.
 * @no_rc: the handler wants rc left as the guest wrote it (Idle).
 */
struct req {
	uint64_t gpa;
	uint8_t *buf;
	uint32_t size;
	uint32_t type;
	bool no_rc;
};

typedef int32_t (*req_fn)(struct vmmdev *dev, struct req *r);

enum size_rule { SZ_NONE, SZ_EXACT, SZ_MIN };

struct req_handler {
	enum size_rule rule;
	uint32_t size;
	req_fn fn;
};

/* 1: GetMouseStatus */
static int32_t req_get_mouse(struct vmmdev *dev, struct req *r)
{
	put32(r->buf + 24, (dev->mouse_guest | dev->mouse_host) & MOUSE_ALL_MASK);
	put32(r->buf + 28, (uint32_t)dev->mouse_x);
	put32(r->buf + 32, (uint32_t)dev->mouse_y);
	return VINF_SUCCESS;
}

/* Hand over as much of the wheel delta *@d as an s32 holds. */
static uint32_t take_delta(int64_t *d)
{
	int64_t v = *d < INT32_MIN ? INT32_MIN : *d > INT32_MAX ? INT32_MAX : *d;

	*d -= v;
	return (uint32_t)(int32_t)v;
}

/*
 * 223: GetMouseStatusEx: as 1 plus the wheel deltas (dz vertical, dw
 * horizontal) posted since the last 223, which this read hands over, and
 * the buttons held now.
 */
static int32_t req_get_mouse_ex(struct vmmdev *dev, struct req *r)
{
	req_get_mouse(dev, r);
	put32(r->buf + 36, take_delta(&dev->mouse_dz));
	put32(r->buf + 40, take_delta(&dev->mouse_dw));
	put32(r->buf + 44, dev->mouse_buttons);
	return VINF_SUCCESS;
}

/* 2: SetMouseStatus: only the guest-owned bits change. */
static int32_t req_set_mouse(struct vmmdev *dev, struct req *r)
{
	uint32_t bits = get32(r->buf + 24) & MOUSE_GUEST_MASK;

	if ((bits ^ dev->mouse_guest) & 0x5)
		vmmdev_log("mouse: guest capabilities now %#x", bits);
	dev->mouse_guest = bits;
	return VINF_SUCCESS;
}

/* 3: SetPointerShape */
static int32_t req_pointer_shape(struct vmmdev *dev, struct req *r)
{
	uint32_t flags = get32(r->buf + 24);
	uint64_t w = get32(r->buf + 36), h = get32(r->buf + 40);
	uint64_t mask, need;

	if (r->size == 48 || !(flags & 0x4)) {
		desktop_set_pointer(&dev->desk, r->buf, r->size);
		return VINF_SUCCESS;
	}
	if (w > 8192 || h > 8192) {
		vmmdev_log("guest-error: pointer shape %" PRIu64 "x%" PRIu64 " too big", w, h);
		return VERR_INVALID_PARAMETER;
	}
	mask = ((w + 7) / 8 * h + 3) & ~3ull;
	need = 44 + mask + w * h * 4;
	if (need > r->size) {
		vmmdev_log("guest-error: pointer shape needs %" PRIu64 " bytes, request has %u",
			   need, r->size);
		return VERR_INVALID_PARAMETER;
	}
	desktop_set_pointer(&dev->desk, r->buf, r->size);
	return VINF_SUCCESS;
}

/* 4: GetHostVersion */
static int32_t req_host_version(struct vmmdev *dev, struct req *r)
{
	put16(r->buf + 24, dev->host_major);
	put16(r->buf + 26, dev->host_minor);
	put32(r->buf + 28, dev->host_build);
	put32(r->buf + 32, dev->host_rev);
	put32(r->buf + 36, dev->features);
	return VINF_SUCCESS;
}

/* 5: Idle: the vCPU would halt; rc stays untouched. */
static int32_t req_idle(struct vmmdev *dev, struct req *r)
{
	(void)dev;
	r->no_rc = true;
	return VINF_SUCCESS;
}

/* 10: GetHostTime: UTC milliseconds since 1970. */
static int32_t req_host_time(struct vmmdev *dev, struct req *r)
{
	struct timespec ts;

	(void)dev;
	clock_gettime(CLOCK_REALTIME, &ts);
	put64(r->buf + 24, (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
	return VINF_SUCCESS;
}

/* 20: GetHypervisorInfo: no raw mode, so no window. */
static int32_t req_get_hv_info(struct vmmdev *dev, struct req *r)
{
	(void)dev;
	put32(r->buf + 24, 0);
	put32(r->buf + 28, 0);
	return VINF_SUCCESS;
}

/* 21: SetHypervisorInfo */
static int32_t req_set_hv_info(struct vmmdev *dev, struct req *r)
{
	(void)dev;
	if (get32(r->buf + 24) == 0 || get32(r->buf + 28) == 0)
		return VINF_SUCCESS;
	return VERR_TRY_AGAIN;
}

/* 22, 23: (De)RegisterPatchMemory: no VMM to patch without raw mode. */
static int32_t req_patch_memory(struct vmmdev *dev, struct req *r)
{
	(void)dev;
	vmmdev_log("patch memory request %u (%#" PRIx64 ", %u) not supported",
		   r->type, get64(r->buf + 24), get32(r->buf + 32));
	return VERR_NOT_SUPPORTED;
}

/* 30: SetPowerStatus */
static int32_t req_power(struct vmmdev *dev, struct req *r)
{
	uint32_t state = get32(r->buf + 24);

	(void)dev;
	switch (state) {
	case 1:
	case 2:
		vmmdev_log("guest asks for power state %u (ignored)", state);
		return VINF_SUCCESS;
	case 3:
		return VERR_ACCESS_DENIED;
	default:
		vmmdev_log("guest-error: power state %u", state);
		return VERR_INVALID_PARAMETER;
	}
}

/* 41: AcknowledgeEvents */
static int32_t req_ack(struct vmmdev *dev, struct req *r)
{
	put32(r->buf + 24, acknowledge(dev));
	dev->acks++;
	return VINF_SUCCESS;
}

/* 42: CtlGuestFilterMask */
static int32_t req_filter(struct vmmdev *dev, struct req *r)
{
	change_filter(dev, get32(r->buf + 24), get32(r->buf + 28));
	return VINF_SUCCESS;
}

/* 50: ReportGuestInfo */
static int32_t req_guest_info(struct vmmdev *dev, struct req *r)
{
	uint32_t ver = get32(r->buf + 24);

	dev->guest_if_version = ver;
	dev->guest_os_type = get32(r->buf + 28);
	dev->accepted = (ver >> 16) == 1 && (ver & 0xffff) <= 4;
	if (!dev->accepted) {
		vmmdev_log("guest-error: interface version %#x refused", ver);
		return VERR_VERSION_MISMATCH;
	}
	vmmdev_log("guest reported interface %#x os type %#x", ver, dev->guest_os_type);
	lower_irq(dev);
	return VINF_SUCCESS;
}

/* 51, 54, 80: the lowest-numbered display whose hint the guest has not read. */
static int first_pending_display(struct vmmdev *dev)
{
	int i;

	for (i = 0; i < NUM_DISPLAYS; i++)
		if (memcmp(&dev->hint[i], &dev->hint_read[i], sizeof(dev->hint[i])))
			return i;
	return -1;
}

/* Common part of 51, 54 and 80: returns the display whose hint is reported. */
static int display_request(struct vmmdev *dev, uint32_t ack, uint32_t want,
			   bool pick_pending)
{
	int d = (int)want;

	if (ack & EV_DISPLAY) {
		if (pick_pending) {
			int p = first_pending_display(dev);

			if (p >= 0)
				d = p;
		}
		dev->hint_read[d] = dev->hint[d];
		if (first_pending_display(dev) >= 0)
			vmmdev_post_events_locked(dev, EV_DISPLAY);
	}
	return d;
}

static int32_t req_display_change(struct vmmdev *dev, struct req *r)
{
	const struct display_hint *h;
	uint32_t want = r->type == 51 ? 0 : get32(r->buf + 40);
	int d;

	if (want >= NUM_DISPLAYS) {
		vmmdev_log("guest-error: display %u out of range", want);
		return VERR_INVALID_PARAMETER;
	}
	d = display_request(dev, get32(r->buf + 36), want, r->type != 51);
	h = &dev->hint_read[d];
	put32(r->buf + 24, h->w);
	put32(r->buf + 28, h->h);
	put32(r->buf + 32, h->bpp);
	if (r->type == 51)
		return VINF_SUCCESS;
	put32(r->buf + 40, (uint32_t)d);
	if (r->type == 80) {
		put32(r->buf + 44, (uint32_t)h->x);
		put32(r->buf + 48, (uint32_t)h->y);
		r->buf[52] = h->change_origin;
		r->buf[53] = h->enabled;
	}
	return VINF_SUCCESS;
}

/* 81: GetDisplayChangeRequestMulti */
static int32_t req_display_multi(struct vmmdev *dev, struct req *r)
{
	uint32_t ack = get32(r->buf + 24), cap = get32(r->buf + 28), n = 0;
	int i;

	if (cap < 1 || cap > NUM_DISPLAYS || r->size < 32 + 28 * cap) {
		vmmdev_log("guest-error: display multi capacity %u, size %u", cap, r->size);
		return VERR_INVALID_PARAMETER;
	}
	for (i = 0; i < NUM_DISPLAYS && n < cap; i++) {
		const struct display_hint *h = &dev->hint[i];
		uint8_t *e = r->buf + 32 + 28 * n;
		uint32_t flags = 0x8 | 0x10 | 0x20 | 0x4;

		if (!memcmp(h, &dev->hint_read[i], sizeof(*h)))
			continue;
		if (i == 0)
			flags |= 0x1;
		if (!h->enabled)
			flags |= 0x2;
		put32(e, flags);
		put32(e + 4, (uint32_t)i);
		put32(e + 8, (uint32_t)h->x);
		put32(e + 12, (uint32_t)h->y);
		put32(e + 16, h->w);
		put32(e + 20, h->h);
		put32(e + 24, h->bpp);
		if (ack & EV_DISPLAY)
			dev->hint_read[i] = *h;
		n++;
	}
	put32(r->buf + 28, n);
	if ((ack & EV_DISPLAY) && first_pending_display(dev) >= 0)
		vmmdev_post_events_locked(dev, EV_DISPLAY);
	return VINF_SUCCESS;
}

/* 52: VideoModeSupported, 57: VideoModeSupported2: no frontend limits. */
static int32_t req_video_mode(struct vmmdev *dev, struct req *r)
{
	(void)dev;
	if (r->type == 52)
		r->buf[36] = 1;
	else
		r->buf[40] = get32(r->buf + 24) < NUM_DISPLAYS;
	return VINF_SUCCESS;
}

/* 53: GetHeightReduction */
static int32_t req_height_reduction(struct vmmdev *dev, struct req *r)
{
	(void)dev;
	put32(r->buf + 24, 0);
	return VINF_SUCCESS;
}

/* 55: ReportGuestCapabilities (legacy) */
static int32_t req_report_caps(struct vmmdev *dev, struct req *r)
{
	dev->caps = get32(r->buf + 24) | 0x4;
	return VINF_SUCCESS;
}

/* 56: SetGuestCapabilities */
static int32_t req_set_caps(struct vmmdev *dev, struct req *r)
{
	dev->caps = (dev->caps | get32(r->buf + 24)) & ~get32(r->buf + 28);
	return VINF_SUCCESS;
}

static bool publisher_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || strchr("()[]{}+-.,", c);
}

/* The part of a GuestInfo2 name after "major.minor.build" (spec 5.3). */
static bool info2_suffix_ok(const char *s)
{
	static const char *const tags[] = { "RC", "BETA", "ALPHA" };
	size_t i, len;
	unsigned int n = 0, digits = 0;

	if (!*s)
		return true;
	if (*s++ != '_')
		return false;
	for (i = 0; i < 3; i++) {
		len = strlen(tags[i]);
		if (!strncmp(s, tags[i], len))
			break;
	}
	if (i == 3)
		return false;
	s += len;
	while (*s >= '0' && *s <= '9') {
		n = n * 10 + (unsigned int)(*s++ - '0');
		if (++digits > 3 || n > 255)
			return false;
	}
	if (!*s)
		return true;
	if (*s++ != '_' || !*s)
		return false;
	for (; *s; s++)
		if (!publisher_char(*s))
			return false;
	return true;
}

/* 58: ReportGuestInfo2 */
static int32_t req_guest_info2(struct vmmdev *dev, struct req *r)
{
	uint16_t major = get16(r->buf + 24), minor = get16(r->buf + 26);
	uint32_t build = get32(r->buf + 28);
	char name[128], prefix[40];
	const char *nul;
	size_t plen;

	if (major < 3) {
		vmmdev_log("guest-error: additions major %u < 3", major);
		return VERR_INVALID_PARAMETER;
	}
	if (major > 255 || minor > 255 || build > 65535) {
		vmmdev_log("guest-error: additions version %u.%u.%u out of range",
			   major, minor, build);
		return VERR_OUT_OF_RANGE;
	}
	nul = memchr(r->buf + 40, 0, 128);
	if (!nul) {
		vmmdev_log("guest-error: additions name not terminated");
		return VERR_INVALID_PARAMETER;
	}
	memcpy(name, r->buf + 40, 128);
	plen = (size_t)snprintf(prefix, sizeof(prefix), "%u.%u.%u", major, minor, build);
	if (strncmp(name, prefix, plen)) {
		vmmdev_log("guest-error: additions name '%s' does not start with %s",
			   name, prefix);
		return VERR_INVALID_PARAMETER;
	}
	if (!info2_suffix_ok(name + plen)) {
		bool strict = major > 4 || (major == 4 && (minor > 1 ||
					    (minor == 1 && build >= 50)));

		if (strict) {
			vmmdev_log("guest-error: additions name '%s' has a bad suffix", name);
			return VERR_INVALID_PARAMETER;
		}
		name[plen] = 0;
	}
	dev->info2_major = major;
	dev->info2_minor = minor;
	dev->info2_build = build;
	dev->info2_rev = get32(r->buf + 32);
	dev->info2_features = get32(r->buf + 36);
	memcpy(dev->info2_name, name, sizeof(name));
	vmmdev_log("guest additions %s r%u features %#x", name, dev->info2_rev,
		   dev->info2_features);
	lower_irq(dev);
	return VINF_SUCCESS;
}

static struct facility *facility_find(struct vmmdev *dev, uint32_t id)
{
	int i;

	for (i = 0; i < NUM_FACILITIES; i++)
		if (dev->fac[i].used && dev->fac[i].id == id)
			return &dev->fac[i];
	return NULL;
}

/* 59: ReportGuestStatus */
static int32_t req_guest_status(struct vmmdev *dev, struct req *r)
{
	uint32_t id = get32(r->buf + 24), status = get32(r->buf + 28);
	uint32_t flags = get32(r->buf + 32);
	struct facility *f;
	int i;

	if (id < 1 || id > FACILITY_ALL) {
		vmmdev_log("guest-error: facility %#x invalid", id);
		return VERR_INVALID_PARAMETER;
	}
	if (status > 0xffff) {
		vmmdev_log("guest-error: facility status %#x out of range", status);
		return VERR_OUT_OF_RANGE;
	}
	if (id == FACILITY_ALL) {
		for (i = 0; i < NUM_FACILITIES; i++) {
			if (!dev->fac[i].used)
				continue;
			dev->fac[i].status = status;
			dev->fac[i].flags = flags;
		}
		return VINF_SUCCESS;
	}
	f = facility_find(dev, id);
	for (i = 0; !f && i < NUM_FACILITIES; i++)
		if (!dev->fac[i].used)
			f = &dev->fac[i];
	for (i = 0; !f && i < NUM_FACILITIES; i++)
		if (!dev->fac[i].fixed && dev->fac[i].status == 0)
			f = &dev->fac[i];
	if (!f) {
		vmmdev_log("guest-error: facility table full for %u", id);
		return VERR_OUT_OF_RESOURCES;
	}
	f->used = true;
	f->id = id;
	f->status = status;
	f->flags = flags;
	return VINF_SUCCESS;
}

/* 60-63: HGCM connect, disconnect, call32, call64 */
static int32_t req_hgcm(struct vmmdev *dev, struct req *r)
{
	return hgcm_submit(dev->hgcm, r->gpa, r->buf, r->size);
}

/* 64: legacy HGCMCancel of the request at the same address */
static int32_t req_hgcm_cancel(struct vmmdev *dev, struct req *r)
{
	return hgcm_cancel(dev->hgcm, r->gpa, true);
}

/* 65: HGCMCancel2 */
static int32_t req_hgcm_cancel2(struct vmmdev *dev, struct req *r)
{
	uint64_t addr = r->size >= 32 ? get64(r->buf + 24) : get32(r->buf + 24);

	if (r->size < 32 && addr == 0xffffffffu)
		addr = ~0ull;
	return hgcm_cancel(dev->hgcm, addr, false);
}

/* 70: VideoAccelEnable */
static int32_t req_vbva_enable(struct vmmdev *dev, struct req *r)
{
	uint32_t enable = get32(r->buf + 24);

	(void)dev;
	if (get32(r->buf + 28) != 0x3ffc00) {
		vmmdev_log("guest-error: VBVA ring size %#x", get32(r->buf + 28));
		return VERR_INVALID_PARAMETER;
	}
	put32(r->buf + 32, 0x1 | (enable ? 0x2 : 0));
	return VINF_SUCCESS;
}

/* 71: VideoAccelFlush */
static int32_t req_vbva_flush(struct vmmdev *dev, struct req *r)
{
	(void)dev;
	(void)r;
	return VINF_SUCCESS;
}

/* 72: VideoSetVisibleRegion, 222: VideoUpdateMonitorPositions */
static int32_t req_counted_array(struct vmmdev *dev, struct req *r)
{
	uint64_t n = get32(r->buf + 24);
	uint64_t entry = r->type == 72 ? 16 : 8;

	(void)dev;
	if (n > 1024 * 1024 || r->size != 28 + entry * n) {
		vmmdev_log("guest-error: request %u: %" PRIu64 " entries in %u bytes",
			   r->type, n, r->size);
		return VERR_INVALID_PARAMETER;
	}
	if (r->type == 72)
		desktop_set_region(&dev->desk, r->buf, (uint32_t)n);
	return VINF_SUCCESS;
}

/* 73: GetSeamlessChangeRequest */
static int32_t req_seamless(struct vmmdev *dev, struct req *r)
{
	if (get32(r->buf + 28) & EV_SEAMLESS)
		dev->seamless_read = dev->seamless;
	put32(r->buf + 24, dev->seamless_read);
	return VINF_SUCCESS;
}

static bool utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0, k, more;

	while (i < n) {
		uint8_t c = s[i];

		if (c < 0x80)
			more = 0;
		else if (c >= 0xc2 && c <= 0xdf)
			more = 1;
		else if ((c & 0xf0) == 0xe0)
			more = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			more = 3;
		else
			return false;
		if (i + more >= n && more)
			return false;
		for (k = 1; k <= more; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += more + 1;
	}
	return true;
}

/* One string of ReportGuestUserState: @len bytes, NUL-terminated UTF-8. */
static bool user_string_ok(const uint8_t *p, uint32_t len)
{
	if (len == 0)
		return true;
	if (p[len - 1] != 0 || memchr(p, 0, len) != p + len - 1)
		return false;
	return utf8_ok(p, len - 1);
}

/* 74: ReportGuestUserState */
static int32_t req_user_state(struct vmmdev *dev, struct req *r)
{
	uint64_t cu = get32(r->buf + 28), cd = get32(r->buf + 32);
	uint64_t cx = get32(r->buf + 36);

	(void)dev;
	if (r->size > 2048 || cu < 1 || cu > 256 || cd > 256 || cx > 1024) {
		vmmdev_log("guest-error: user state sizes %" PRIu64 "/%" PRIu64 "/%" PRIu64,
			   cu, cd, cx);
		return VERR_TOO_MUCH_DATA;
	}
	if (40 + cu + cd + cx > r->size || !user_string_ok(r->buf + 40, (uint32_t)cu) ||
	    !user_string_ok(r->buf + 40 + cu, (uint32_t)cd) ||
	    !user_string_ok(r->buf + 40 + cu + cd, (uint32_t)cx)) {
		vmmdev_log("guest-error: bad user state strings");
		return VERR_INVALID_PARAMETER;
	}
	vmmdev_log("guest user state %u for '%s'", get32(r->buf + 24),
		   (const char *)r->buf + 40);
	return VINF_SUCCESS;
}

/* 100: QueryCredentials: the emulator has no credentials to hand out. */
static int32_t req_query_creds(struct vmmdev *dev, struct req *r)
{
	uint32_t flags = get32(r->buf + 24);

	(void)dev;
	memset(r->buf + 28, 0, 3 * 128);
	flags &= ~(0x10000u | 0x20000u);
	put32(r->buf + 24, flags);
	return VINF_SUCCESS;
}

/* 101: ReportCredentialsJudgement */
static int32_t req_creds_judgement(struct vmmdev *dev, struct req *r)
{
	uint32_t flags = get32(r->buf + 24);

	(void)dev;
	vmmdev_log("credentials judgement: %s", flags & 0x800 ? "deny" :
		   flags & 0x1000 ? "no judgement" : flags & 0x400 ? "ok" : "none");
	return VINF_SUCCESS;
}

/* 110: ReportGuestStats */
static int32_t req_guest_stats(struct vmmdev *dev, struct req *r)
{
	(void)dev;
	(void)r;
	return VINF_SUCCESS;
}

/* Guest RAM in MiB: 1 MiB chunks whose first page is mapped (up to 64 GiB). */
static uint32_t guest_ram_mb(struct vmmdev *dev)
{
	uint32_t mb, n = 0;
	uint8_t b;

	for (mb = 0; mb < 64 * 1024; mb++)
		if (!vmmdev_mem_read(dev, (uint64_t)mb << 20, &b, 1))
			n++;
	return n;
}

/* 111: GetMemBalloonChangeRequest */
static int32_t req_balloon_get(struct vmmdev *dev, struct req *r)
{
	if (get32(r->buf + 32) & EV_BALLOON)
		dev->balloon_acked = dev->balloon_target;
	put32(r->buf + 24, dev->balloon_target);
	put32(r->buf + 28, guest_ram_mb(dev));
	return VINF_SUCCESS;
}

/* 112: GetStatisticsChangeRequest */
static int32_t req_stats_get(struct vmmdev *dev, struct req *r)
{
	if (get32(r->buf + 28) & EV_STATS)
		dev->stats_interval_read = dev->stats_interval;
	put32(r->buf + 24, dev->stats_interval);
	return VINF_SUCCESS;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* 113: ChangeMemBalloon: all 256 pages are checked before any changes. */
static int32_t req_balloon_change(struct vmmdev *dev, struct req *r)
{
	uint64_t pages[BALLOON_CHUNK_PAGES], sorted[BALLOON_CHUNK_PAGES];
	uint32_t count = get32(r->buf + 24);
	bool inflate = get32(r->buf + 28) != 0;
	uint8_t probe;
	int i;

	if (count != BALLOON_CHUNK_PAGES) {
		vmmdev_log("guest-error: balloon page count %u", count);
		return VERR_INVALID_PARAMETER;
	}
	for (i = 0; i < BALLOON_CHUNK_PAGES; i++) {
		pages[i] = get64(r->buf + 32 + 8 * i);
		if (pages[i] & (PAGE_SIZE_4K - 1)) {
			vmmdev_log("guest-error: balloon page %#" PRIx64 " unaligned", pages[i]);
			return VERR_INVALID_PARAMETER;
		}
		if (vmmdev_mem_read(dev, pages[i], &probe, 1) ||
		    vmmdev_mem_read(dev, pages[i] + PAGE_SIZE_4K - 1, &probe, 1)) {
			vmmdev_log("guest-error: balloon page %#" PRIx64 " is not RAM", pages[i]);
			return VERR_INVALID_PARAMETER;
		}
		if (page_set_has(&dev->balloon, pages[i]) == inflate) {
			vmmdev_log("guest-error: balloon page %#" PRIx64 " %s", pages[i],
				   inflate ? "already ballooned" : "not ballooned");
			return VERR_INVALID_PARAMETER;
		}
	}
	memcpy(sorted, pages, sizeof(pages));
	qsort(sorted, BALLOON_CHUNK_PAGES, sizeof(sorted[0]), cmp_u64);
	for (i = 1; i < BALLOON_CHUNK_PAGES; i++) {
		if (sorted[i] == sorted[i - 1]) {
			vmmdev_log("guest-error: balloon page %#" PRIx64 " listed twice", sorted[i]);
			return VERR_INVALID_PARAMETER;
		}
	}
	if (inflate && page_set_grow(&dev->balloon, BALLOON_CHUNK_PAGES))
		return VERR_NO_MEMORY;
	for (i = 0; i < BALLOON_CHUNK_PAGES; i++) {
		if (inflate)
			page_set_add(&dev->balloon, pages[i]);
		else
			page_set_del(&dev->balloon, pages[i]);
	}
	if (inflate)
		dev->balloon_inflates++;
	else
		dev->balloon_deflates++;
	dev->balloon_pages += BALLOON_CHUNK_PAGES;
	return VINF_SUCCESS;
}

/* 150: GetVRDPChangeRequest: VRDP is off in the emulator. */
static int32_t req_vrdp(struct vmmdev *dev, struct req *r)
{
	(void)dev;
	r->buf[24] = 0;
	put32(r->buf + 28, 0);
	return VINF_SUCCESS;
}

/* 210: GetCpuHotPlugRequest: report, then back to "none". */
static int32_t req_cpu_hotplug_get(struct vmmdev *dev, struct req *r)
{
	put32(r->buf + 24, dev->cpu_event);
	put32(r->buf + 28, dev->cpu_core);
	put32(r->buf + 32, dev->cpu_package);
	dev->cpu_event = 1;
	dev->cpu_core = 0xffffffffu;
	dev->cpu_package = 0xffffffffu;
	return VINF_SUCCESS;
}

/* 211: SetCpuHotPlugStatus */
static int32_t req_cpu_hotplug_set(struct vmmdev *dev, struct req *r)
{
	uint32_t status = get32(r->buf + 24);

	if (status != 1 && status != 2) {
		vmmdev_log("guest-error: CPU hot-plug status %u", status);
		return VERR_INVALID_PARAMETER;
	}
	dev->cpu_monitoring = status == 2;
	return VINF_SUCCESS;
}

/* 217: GetSessionId */
static int32_t req_session_id(struct vmmdev *dev, struct req *r)
{
	put64(r->buf + 24, dev->session_id);
	return VINF_SUCCESS;
}

/* 218: WriteCoreDump: core dumps are not enabled. */
static int32_t req_core_dump(struct vmmdev *dev, struct req *r)
{
	(void)dev;
	(void)r;
	return VERR_ACCESS_DENIED;
}

/* 219: GuestHeartbeat */
static int32_t req_heartbeat(struct vmmdev *dev, struct req *r)
{
	uint64_t now = vmmdev_now_ns();

	(void)r;
	if (!dev->hb_count)
		dev->hb_first_ns = now;
	dev->hb_last_ns = now;
	dev->hb_count++;
	dev->heartbeats++;
	return VINF_SUCCESS;
}

/* 220: HeartbeatConfigure */
static int32_t req_heartbeat_config(struct vmmdev *dev, struct req *r)
{
	bool enable = r->buf[32] != 0;

	if (enable != dev->hb_enabled)
		vmmdev_log("heartbeat monitoring %s", enable ? "on" : "off");
	dev->hb_enabled = enable;
	put64(r->buf + 24, dev->hb_interval_ns);
	return VINF_SUCCESS;
}

/* 221: NtBugCheck */
static int32_t req_bugcheck(struct vmmdev *dev, struct req *r)
{
	(void)dev;
	if (r->size != 24 && r->size != 64) {
		vmmdev_log("guest-error: bug check request size %u", r->size);
		return VERR_INVALID_PARAMETER;
	}
	vmmdev_log("guest reports a bug check");
	return VINF_SUCCESS;
}

#define H_EXACT(n, f) { SZ_EXACT, (n), (f) }
#define H_MIN(n, f) { SZ_MIN, (n), (f) }
#define H_ANY(f) { SZ_NONE, 0, (f) }

/* Spec 5.1; types absent here (0, 200, 212-216, unknown) are not implemented. */
static const struct req_handler handlers[NUM_TYPES] = {
	[1] = H_EXACT(36, req_get_mouse),
	[2] = H_EXACT(36, req_set_mouse),
	[3] = H_MIN(48, req_pointer_shape),
	[4] = H_EXACT(40, req_host_version),
	[5] = H_ANY(req_idle),
	[10] = H_EXACT(32, req_host_time),
	[20] = H_EXACT(32, req_get_hv_info),
	[21] = H_EXACT(32, req_set_hv_info),
	[22] = H_EXACT(36, req_patch_memory),
	[23] = H_EXACT(36, req_patch_memory),
	[30] = H_EXACT(32, req_power),
	[41] = H_EXACT(28, req_ack),
	[42] = H_EXACT(32, req_filter),
	[50] = H_EXACT(32, req_guest_info),
	[51] = H_EXACT(40, req_display_change),
	[52] = H_EXACT(40, req_video_mode),
	[53] = H_EXACT(28, req_height_reduction),
	[54] = H_EXACT(44, req_display_change),
	[55] = H_EXACT(28, req_report_caps),
	[56] = H_EXACT(32, req_set_caps),
	[57] = H_EXACT(44, req_video_mode),
	[58] = H_EXACT(168, req_guest_info2),
	[59] = H_EXACT(36, req_guest_status),
	[60] = H_MIN(168, req_hgcm),
	[61] = H_MIN(36, req_hgcm),
	[62] = H_MIN(44, req_hgcm),
	[63] = H_MIN(44, req_hgcm),
	[64] = H_MIN(32, req_hgcm_cancel),
	[65] = H_MIN(28, req_hgcm_cancel2),
	[70] = H_MIN(36, req_vbva_enable),
	[71] = H_MIN(24, req_vbva_flush),
	[72] = H_MIN(28, req_counted_array),
	[73] = H_EXACT(32, req_seamless),
	[74] = H_MIN(44, req_user_state),
	[80] = H_EXACT(56, req_display_change),
	[81] = H_MIN(32, req_display_multi),
	[100] = H_EXACT(412, req_query_creds),
	[101] = H_EXACT(412, req_creds_judgement),
	[110] = H_EXACT(100, req_guest_stats),
	[111] = H_EXACT(36, req_balloon_get),
	[112] = H_EXACT(32, req_stats_get),
	[113] = H_EXACT(2080, req_balloon_change),
	[150] = H_EXACT(32, req_vrdp),
	[210] = H_EXACT(36, req_cpu_hotplug_get),
	[211] = H_EXACT(28, req_cpu_hotplug_set),
	[217] = H_EXACT(32, req_session_id),
	[218] = H_EXACT(28, req_core_dump),
	[219] = H_ANY(req_heartbeat),
	[220] = H_EXACT(36, req_heartbeat_config),
	[221] = H_ANY(req_bugcheck),
	[222] = H_MIN(28, req_counted_array),
	[223] = H_EXACT(48, req_get_mouse_ex),
};

static bool allowed_before_report(uint32_t type)
{
	return type == 50 || type == 58 || type == 4 || type == 218;
}

static bool take_fault(struct vmmdev *dev, uint32_t type, int32_t *rc)
{
	int i;

	for (i = 0; i < NUM_FAULTS; i++) {
		struct fault_rule *f = &dev->faults[i];

		if (f->count && f->type == type) {
			f->count--;
			*rc = f->rc;
			return true;
		}
	}
	return false;
}

static void write_header_rc(struct vmmdev *dev, uint64_t gpa, uint8_t *hdr,
			    int32_t rc)
{
	put32(hdr + 12, (uint32_t)rc);
	if (vmmdev_mem_write(dev, gpa, hdr, REQ_HDR_SIZE))
		vmmdev_log("guest-error: request at %#" PRIx64 " not writable", gpa);
}

#define REQUESTOR_USER_MODE	0x8u

/*
 * Who built a request: a raw request from userspace carries the user-mode
 * requestor bit (the driver forces the session's requestor in, spec 4.4);
 * the driver's own requests carry a kernel requestor, and HGCM requests
 * (60-65) are never passed through raw.  Userspace may send what a host
 * rejects; the driver itself must not.
 */
static bool driver_built(uint32_t type, uint32_t requestor)
{
	return !(requestor & REQUESTOR_USER_MODE) || (type >= 60 && type <= 65);
}

/* Statuses by which a host refuses a malformed request (spec 4.2, 7.4). */
static bool malformed_rc(int32_t rc)
{
	switch (rc) {
	case VERR_INVALID_PARAMETER:
	case VERR_INVALID_POINTER:
	case VERR_INVALID_FLAGS:
	case VERR_NOT_IMPLEMENTED:
	case VERR_NOT_SUPPORTED:
	case VERR_OUT_OF_RANGE:
	case VERR_HGCM_INVALID_CLIENT_ID:
		return true;
	default:
		return false;
	}
}

/* A request a real host would refuse or drop: counted by its builder. */
static void count_malformed(struct vmmdev *dev, const uint8_t *hdr, int32_t rc)
{
	uint32_t type = get32(hdr + 8);

	if (!driver_built(type, get32(hdr + 20))) {
		dev->malformed_raw++;
		return;
	}
	dev->malformed_driver++;
	dev->malformed_driver_last = type;
	vmmdev_log("guest-error: the driver's own request type %u refused (rc %d)",
		   type, rc);
}

/*
 * Spec 4.2: everything for one submitted request address.  *@type is set
 * to the request type once the header was read.
 */
static void process_request(struct vmmdev *dev, uint64_t gpa, uint32_t *type)
{
	const struct req_handler *h;
	uint8_t hdr[REQ_HDR_SIZE];
	struct req r = { .gpa = gpa };
	bool injected = false;
	int32_t rc;

	if (vmmdev_mem_read(dev, gpa, hdr, sizeof(hdr))) {
		vmmdev_log("guest-error: request at %#" PRIx64 " is not guest RAM", gpa);
		dev->guest_errors++;
		dev->malformed_driver++;
		return;
	}
	r.size = get32(hdr);
	r.type = get32(hdr + 8);
	*type = r.type;
	if (r.size < REQ_HDR_SIZE || get32(hdr + 4) != REQ_HDR_VERSION) {
		vmmdev_log("guest-error: request at %#" PRIx64 ": size %u version %#x, ignored",
			   gpa, r.size, get32(hdr + 4));
		dev->req_ignored++;
		count_malformed(dev, hdr, 0);
		return;
	}
	dev->req_total++;
	if (get32(hdr + 16))
		dev->reserved1_set++;
	if (r.type < NUM_TYPES) {
		dev->req_count[r.type]++;
		dev->last_requestor[r.type] = get32(hdr + 20);
	} else {
		dev->req_unknown_type++;
	}
	if (r.size > REQ_MAX_SIZE) {
		vmmdev_log("guest-error: request type %u size %u too big", r.type, r.size);
		dev->req_rejected++;
		count_malformed(dev, hdr, VERR_NOT_SUPPORTED);
		write_header_rc(dev, gpa, hdr, VERR_NOT_SUPPORTED);
		return;
	}
	if (!dev->accepted && !allowed_before_report(r.type)) {
		vmmdev_log("guest-error: request type %u before ReportGuestInfo", r.type);
		dev->req_rejected++;
		count_malformed(dev, hdr, VERR_NOT_SUPPORTED);
		write_header_rc(dev, gpa, hdr, VERR_NOT_SUPPORTED);
		return;
	}
	r.buf = malloc(r.size);
	if (!r.buf) {
		write_header_rc(dev, gpa, hdr, VERR_NO_MEMORY);
		return;
	}
	if (vmmdev_mem_read(dev, gpa, r.buf, r.size)) {
		vmmdev_log("guest-error: request at %#" PRIx64 " (%u bytes) is not guest RAM",
			   gpa, r.size);
		dev->guest_errors++;
		count_malformed(dev, hdr, 0);
		free(r.buf);
		return;
	}
	/* The guest may have changed the header since: use the first read. */
	memcpy(r.buf, hdr, sizeof(hdr));

	h = r.type < NUM_TYPES ? &handlers[r.type] : NULL;
	if (take_fault(dev, r.type, &rc)) {
		vmmdev_log("fault injected: type %u rc %d", r.type, rc);
		injected = true;
	} else if (!h || !h->fn) {
		vmmdev_log("request type %u not implemented", r.type);
		dev->req_rejected++;
		rc = VERR_NOT_IMPLEMENTED;
	} else if ((h->rule == SZ_EXACT && r.size != h->size) ||
		   (h->rule == SZ_MIN && r.size < h->size)) {
		vmmdev_log("guest-error: request type %u size %u, want %s%u", r.type,
			   r.size, h->rule == SZ_EXACT ? "" : ">=", h->size);
		dev->req_rejected++;
		rc = VERR_INVALID_PARAMETER;
	} else {
		rc = h->fn(dev, &r);
		if (rc == VINF_HGCM_ASYNC_EXECUTE && r.type >= 60 && r.type <= 63) {
			/* Accepted HGCM request: rc is the only write (spec 7.5). */
			uint8_t v[4];

			put32(v, (uint32_t)rc);
			if (vmmdev_mem_write(dev, gpa + 12, v, sizeof(v)))
				vmmdev_log("guest-error: request at %#" PRIx64 " not writable", gpa);
			free(r.buf);
			return;
		}
	}
	if (!injected && malformed_rc(rc))
		count_malformed(dev, hdr, rc);
	if (!r.no_rc)
		put32(r.buf + 12, (uint32_t)rc);
	if (vmmdev_mem_write(dev, gpa, r.buf, r.size))
		vmmdev_log("guest-error: request at %#" PRIx64 " not writable", gpa);
	free(r.buf);
}

/* ------------------------------------------------------------------ */
/* BAR0 and BAR3: the two ways to submit a request and to acknowledge */

static void submit_locked(struct vmmdev *dev, uint64_t gpa)
{
	uint32_t type = UINT32_MAX, delay_ms = 0;

	pthread_mutex_lock(&dev->lock);
	process_request(dev, gpa, &type);
	if (type < NUM_TYPES)
		delay_ms = dev->reply_delay_ms[type];
	pthread_mutex_unlock(&dev->lock);
	/* A slow host (control "delay"): the guest's write returns only now. */
	if (delay_ms) {
		struct timespec ts = { .tv_sec = delay_ms / 1000,
				       .tv_nsec = (long)(delay_ms % 1000) * 1000000 };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
}

/* The fast acknowledge (spec section 2): all-ones until the guest reported. */
static uint32_t fast_ack_locked(struct vmmdev *dev)
{
	uint32_t v = 0xffffffffu;

	pthread_mutex_lock(&dev->lock);
	if (dev->accepted && dev->guest_if_version != 0x00010003) {
		v = acknowledge(dev);
		dev->fast_acks++;
	}
	pthread_mutex_unlock(&dev->lock);
	return v;
}

/*
 * A write to BAR0 or BAR3 (@bar names it in the log): a write to the
 * request register @req_off or the fast one @fast_off, of a width in
 * @widths (a mask of byte counts), submits the request at guest-physical
 * @val; other writes are ignored.
 */
static void request_write(struct vmmdev *dev, const char *bar, uint32_t off,
			  uint32_t req_off, uint32_t fast_off, uint64_t val,
			  unsigned int size, unsigned int widths)
{
	if (off != req_off && off != fast_off)
		return;
	if (!(size & widths)) {
		vmmdev_log("guest-error: %u-byte write to %s +%u ignored", size,
			   bar, off);
		return;
	}
	submit_locked(dev, val);
}

/*
 * A read from BAR0 or BAR3: the events acknowledged by a 32-bit read of
 * the fast register @fast_off, all-ones for everything else.
 */
static uint32_t fast_read(struct vmmdev *dev, uint32_t off, uint32_t fast_off,
			  unsigned int size)
{
	if (off != fast_off || size != 4)
		return 0xffffffffu;
	return fast_ack_locked(dev);
}

/**
 * vmmdev_port_write() - a write to BAR0 (32-bit writes to the request
 * ports submit).
 * @dev:  the device.
 * @off:  offset in BAR0.
 * @val:  the value written.
 * @size: access width in bytes.
 */
void vmmdev_port_write(struct vmmdev *dev, uint32_t off, uint32_t val,
		       unsigned int size)
{
	request_write(dev, "port", off, VMMDEV_PORT_REQUEST, VMMDEV_PORT_FAST,
		      val, size, 4);
}

/**
 * vmmdev_port_read() - a read from BAR0.
 * @dev:  the device.
 * @off:  offset in BAR0.
 * @size: access width in bytes.
 *
 * Return: see fast_read().
 */
uint32_t vmmdev_port_read(struct vmmdev *dev, uint32_t off, unsigned int size)
{
	return fast_read(dev, off, VMMDEV_PORT_FAST, size);
}

/**
 * vmmdev_mmio_write() - a write to BAR3, the MMIO request window.
 * @dev:  the device.
 * @off:  offset in BAR3.
 * @val:  the value written (zero-extended).
 * @size: access width in bytes.
 *
 * A 32- or 64-bit write to the request or the fast register submits the
 * request at that guest-physical address: through BAR3 a request may lie
 * above 4 GiB.  Other writes are ignored.
 */
void vmmdev_mmio_write(struct vmmdev *dev, uint32_t off, uint64_t val,
		       unsigned int size)
{
	request_write(dev, "MMIO", off, VMMDEV_MMIO_REQUEST, VMMDEV_MMIO_FAST,
		      val, size, 4 | 8);
}

/**
 * vmmdev_mmio_read() - a read from BAR3.
 * @dev:  the device.
 * @off:  offset in BAR3.
 * @size: access width in bytes.
 *
 * Return: see fast_read().
 */
uint32_t vmmdev_mmio_read(struct vmmdev *dev, uint32_t off, unsigned int size)
{
	return fast_read(dev, off, VMMDEV_MMIO_FAST, size);
}

/* ------------------------------------------------------------------ */
/* Control channel */

/* One C literal (decimal, 0x hex, 0 octal, negative allowed). */
static bool parse_num(const char *s, long long *out)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*out = strtoll(s, &end, 0);
	if (errno == ERANGE) {
		unsigned long long u;

		errno = 0;
		u = strtoull(s, &end, 0);
		if (errno || *s == '-' || u > UINT64_MAX)
			return false;
		*out = (long long)u;
	}
	return !*end;
}

/* Splits @line into at most @max words (modifies @line). */
static int split_words(char *line, char **w, int max)
{
	int n = 0;
	char *save, *t;

	for (t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return max + 1;
		w[n++] = t;
	}
	return n;
}

static bool parse_u32(const char *s, uint32_t *v)
{
	long long n;

	if (!parse_num(s, &n) || n < INT32_MIN || n > UINT32_MAX)
		return false;
	*v = (uint32_t)n;
	return true;
}

/**
 * vmmdev_set_peer_pid() - the QEMU process whose CPU time host_cpu_us adds.
 * @dev: the device.
 * @pid: its process id.
 */
void vmmdev_set_peer_pid(struct vmmdev *dev, int pid)
{
	pthread_mutex_lock(&dev->lock);
	dev->peer_pid = pid;
	pthread_mutex_unlock(&dev->lock);
}

/* CPU time of this process (exact) and of the peer (/proc, in ticks). */
static uint64_t host_cpu_ns(const struct vmmdev *dev)
{
	unsigned long long ut, st;
	struct timespec ts;
	char path[48], buf[1024], *p;
	uint64_t ns;
	size_t n = 0;
	FILE *f;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	snprintf(path, sizeof(path), "/proc/%d/stat", dev->peer_pid);
	f = dev->peer_pid > 0 ? fopen(path, "r") : NULL;
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	/* Fields 14 and 15 (utime, stime) follow the ")" of the name. */
	p = strrchr(buf, ')');
	if (p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			&ut, &st) == 2)
		ns += (ut + st) * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
	return ns;
}

static void print_counters(struct vmmdev *dev, FILE *out)
{
	static const char *const xname[VMMDEV_CNT_XPORT_MAX] = {
		"port_exits", "bar1_traps", "irqs", "dma_maps", "dma_unmaps",
		"port_writes", "port_reads", "bar1_reads",
		"mmio_exits",
	};
	int i;

	fprintf(out, "req.total %" PRIu64 "\n", dev->req_total);
	for (i = 0; i < NUM_TYPES; i++)
		if (dev->req_count[i])
			fprintf(out, "req.%d %" PRIu64 "\n", i, dev->req_count[i]);
	fprintf(out, "req.rejected %" PRIu64 "\n", dev->req_rejected);
	fprintf(out, "req.ignored %" PRIu64 "\n", dev->req_ignored);
	fprintf(out, "req.unknown_type %" PRIu64 "\n", dev->req_unknown_type);
	fprintf(out, "guest_errors %" PRIu64 "\n", dev->guest_errors);
	fprintf(out, "req.malformed.driver %" PRIu64 "\n", dev->malformed_driver);
	fprintf(out, "req.malformed.driver_last_type %" PRIu32 "\n",
		dev->malformed_driver_last);
	fprintf(out, "req.malformed.raw %" PRIu64 "\n", dev->malformed_raw);
	fprintf(out, "req.reserved1_set %" PRIu64 "\n", dev->reserved1_set);
	for (i = 0; i < VMMDEV_CNT_XPORT_MAX; i++)
		fprintf(out, "%s %" PRIu64 "\n", xname[i],
			__atomic_load_n(&dev->xport[i], __ATOMIC_RELAXED));
	fprintf(out, "irq_raises %" PRIu64 "\n", dev->irq_raises);
	fprintf(out, "irq_spurious %" PRIu64 "\n", dev->irq_spurious);
	fprintf(out, "acks %" PRIu64 "\n", dev->acks);
	fprintf(out, "fast_acks %" PRIu64 "\n", dev->fast_acks);
	fprintf(out, "heartbeats %" PRIu64 "\n", dev->heartbeats);
	fprintf(out, "host_cpu_us %" PRIu64 "\n",
		(host_cpu_ns(dev) - dev->cpu_base_ns) / 1000);
	fprintf(out, "balloon.pages %" PRIu64 "\n", dev->balloon_pages);
	fprintf(out, "balloon.inflates %" PRIu64 "\n", dev->balloon_inflates);
	fprintf(out, "balloon.deflates %" PRIu64 "\n", dev->balloon_deflates);
	fprintf(out, "pump.ticks %" PRIu64 "\n", dev->pump.ticks);
	fprintf(out, "device_resets %" PRIu64 "\n", dev->device_resets);
	fprintf(out, "restores %" PRIu64 "\n", dev->restores);
	hgcm_counters(dev->hgcm, out);
}

static void reset_counters(struct vmmdev *dev)
{
	int i;

	dev->req_total = dev->req_rejected = dev->req_ignored = 0;
	dev->req_unknown_type = dev->guest_errors = 0;
	dev->malformed_driver = dev->malformed_raw = dev->reserved1_set = 0;
	dev->malformed_driver_last = 0;
	memset(dev->req_count, 0, sizeof(dev->req_count));
	for (i = 0; i < VMMDEV_CNT_XPORT_MAX; i++)
		__atomic_store_n(&dev->xport[i], 0, __ATOMIC_RELAXED);
	dev->irq_raises = dev->irq_spurious = dev->acks = dev->fast_acks = dev->heartbeats = 0;
	dev->balloon_pages = dev->balloon_inflates = dev->balloon_deflates = 0;
	dev->pump.ticks = 0;
	dev->device_resets = dev->restores = 0;
	dev->hb_count = dev->hb_first_ns = dev->hb_last_ns = 0;
	dev->cpu_base_ns = host_cpu_ns(dev);
	hgcm_reset_counters(dev->hgcm);
}

/* "counter NAME": look the name up in the full list. */
static void print_one_counter(struct vmmdev *dev, const char *name, FILE *out)
{
	char *text = NULL, *line, *save;
	size_t len = 0, nlen = strlen(name);
	FILE *mem = open_memstream(&text, &len);
	const char *val = "0";

	if (!mem) {
		fprintf(out, "err no memory\n");
		return;
	}
	print_counters(dev, mem);
	fclose(mem);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, name, nlen) && line[nlen] == ' ') {
			val = line + nlen + 1;
			break;
		}
	}
	fprintf(out, "ok %s\n", val);
	free(text);
}

static void print_state(struct vmmdev *dev, FILE *out)
{
	struct facility *f = facility_find(dev, 20);

	fprintf(out, "accepted %d\n", dev->accepted);
	fprintf(out, "filter 0x%x\n", dev->filter);
	fprintf(out, "pending 0x%x\n", dev->pending);
	fprintf(out, "deferred_filter %s0x%x\n", dev->deferred_valid ? "" : "-",
		dev->deferred_filter);
	fprintf(out, "irq_level %d\n", dev->irq_level);
	fprintf(out, "filter_ignore %d\n", dev->filter_ignore);
	fprintf(out, "caps 0x%x\n", dev->caps);
	fprintf(out, "mouse_guest 0x%x\n", dev->mouse_guest);
	fprintf(out, "mouse_host 0x%x\n", dev->mouse_host);
	fprintf(out, "mouse_x %d\nmouse_y %d\n", dev->mouse_x, dev->mouse_y);
	fprintf(out, "mouse_dz %lld\nmouse_dw %lld\nmouse_buttons 0x%x\n",
		(long long)dev->mouse_dz, (long long)dev->mouse_dw,
		dev->mouse_buttons);
	fprintf(out, "balloon_target %u\n", dev->balloon_target);
	fprintf(out, "balloon_acked %u\n", dev->balloon_acked);
	fprintf(out, "balloon_pages %zu\n", dev->balloon.used);
	fprintf(out, "facility_20 %u\n", f ? f->status : 0);
	fprintf(out, "features 0x%x\n", dev->features);
	fprintf(out, "guest_version 0x%x\n", dev->guest_if_version);
	fprintf(out, "guest_os_type 0x%x\n", dev->guest_os_type);
	fprintf(out, "guest_info2_version %u.%u.%u\n", dev->info2_major,
		dev->info2_minor, dev->info2_build);
	fprintf(out, "guest_info2_revision %u\n", dev->info2_rev);
	fprintf(out, "guest_info2_features 0x%x\n", dev->info2_features);
	fprintf(out, "seamless %u\n", dev->seamless);
	fprintf(out, "heartbeat_enabled %d\n", dev->hb_enabled);
	fprintf(out, "cpu_hotplug_monitoring %d\n", dev->cpu_monitoring);
	fprintf(out, "session_id 0x%" PRIx64 "\n", dev->session_id);
	fprintf(out, "ok\n");
}

/*
 * Control commands.  Each handler gets the words (a->w[0] is the name), their
 * count a->n and, for numeric commands, the arguments parsed into a->v.
 * dev->lock is held.
 */
struct ctl_args {
	char **w;
	int n;
	uint32_t v[8];
};

typedef void (*ctl_fn)(struct vmmdev *dev, const struct ctl_args *a, FILE *out);

static void ctl_ping(struct vmmdev *dev, const struct ctl_args *a, FILE *out)
{
	(void)dev;
	(void)a;
	fprintf(out, "ok pong\n");
}

static void ctl_events(struct vmmdev *dev, const struct ctl_args *a, FILE *out)
{
	if (a->v[0] & ~(uint32_t)EV_VALID_MASK) {
		fprintf(out, "err events outside 0x7ff\n");
		return;
	}
	vmmdev_post_events_locked(dev, a->v[0]);
	fprintf(out, "ok\n");
}

/*
 * "irq-raise N": a broken host raising the line N times with nothing
 * pending (have-events set, so an acknowledge lowers it again).
 */
static void ctl_irq_raise(struct vmmdev *dev, const struct ctl_args *a,
			  FILE *out)
{
	uint32_t i;

	for (i = 0; i < a->v[0]; i++) {
		bar1_put32(dev, BAR1_OFF_HAVE_EVENTS, 1);
		dev->irq_level = 1;
		dev->irq_spurious++;
		dev->ops->set_irq(dev->opaque, 1);
	}
	fprintf(out, "ok\n");
}

static void ctl_filter_ignore(struct vmmdev *dev, const struct ctl_args *a,
			      FILE *out)
{
	dev->filter_ignore = a->v[0] != 0;
	raise_check(dev);
	fprintf(out, "ok\n");
}

/* mouse X Y [DZ DW [BUTTONS]]: wheel deltas add up until 223 reads them. */
static void ctl_mouse(struct vmmdev *dev, const struct ctl_args *a, FILE *out)
{
	if (a->v[0] > 0xffff || a->v[1] > 0xffff) {
		fprintf(out, "err position outside 0..0xffff\n");
		return;
	}
	if (a->n == 4) {
		fprintf(out, "err wheel needs both DZ and DW\n");
		return;
	}
	if (a->n == 6 && a->v[4] & ~(uint32_t)MOUSE_BUTTONS_MASK) {
		fprintf(out, "err buttons outside 0x1f\n");
		return;
	}
	dev->mouse_x = (int32_t)a->v[0];
	dev->mouse_y = (int32_t)a->v[1];
	if (a->n >= 5) {
		dev->mouse_dz += (int32_t)a->v[2];
		dev->mouse_dw += (int32_t)a->v[3];
	}
	if (a->n == 6)
		dev->mouse_buttons = a->v[4];
	vmmdev_post_events_locked(dev, EV_MOUSE_POS);
	fprintf(out, "ok\n");
}

static void ctl_mouse_host_caps(struct vmmdev *dev, const struct ctl_args *a,
				FILE *out)
{
	if (a->v[0] & ~(uint32_t)MOUSE_HOST_MASK) {
		fprintf(out, "err bits outside the host-owned 0x16a\n");
		return;
	}
	if (a->v[0] != dev->mouse_host) {
		dev->mouse_host = a->v[0];
		vmmdev_post_events_locked(dev, EV_MOUSE_CAPS);
	}
	fprintf(out, "ok\n");
}

static void ctl_balloon(struct vmmdev *dev, const struct ctl_args *a, FILE *out)
{
	dev->balloon_target = a->v[0];
	if (a->v[0] != dev->balloon_acked)
		vmmdev_post_events_locked(dev, EV_BALLOON);
	fprintf(out, "ok\n");
}

static void ctl_display(struct vmmdev *dev, const struct ctl_args *a, FILE *out)
{
	struct display_hint hint = { .w = a->v[0], .h = a->v[1], .bpp = a->v[2], .enabled = 1 };
	uint32_t d = a->n == 5 ? a->v[3] : 0;

	if (d >= NUM_DISPLAYS) {
		fprintf(out, "err display out of range\n");
		return;
	}
	hint.x = dev->hint[d].x;
	hint.y = dev->hint[d].y;
	dev->hint[d] = hint;
	if (memcmp(&dev->hint[d], &dev->hint_read[d], sizeof(hint)))
		vmmdev_post_events_locked(dev, EV_DISPLAY);
	fprintf(out, "ok\n");
}

/* display-layout DISPLAY X Y ENABLED: a monitor's origin and on/off. */
static void ctl_display_layout(struct vmmdev *dev, const struct ctl_args *a,
			       FILE *out)
{
	uint32_t d = a->v[0];
	struct display_hint hint;

	if (d >= NUM_DISPLAYS || a->v[3] > 1) {
		fprintf(out, "err display 0..63, enabled 0 or 1\n");
		return;
	}
	hint = dev->hint[d];
	hint.x = (int32_t)a->v[1];
	hint.y = (int32_t)a->v[2];
	hint.enabled = (uint8_t)a->v[3];
	hint.change_origin = 1;
	dev->hint[d] = hint;
	if (memcmp(&dev->hint[d], &dev->hint_read[d], sizeof(hint)))
		vmmdev_post_events_locked(dev, EV_DISPLAY);
	fprintf(out, "ok\n");
}

static void ctl_seamless(struct vmmdev *dev, const struct ctl_args *a,
			 FILE *out)
{
	if (a->v[0] > 2) {
		fprintf(out, "err mode must be 0, 1 or 2\n");
		return;
	}
	if (a->v[0] != dev->seamless) {
		dev->seamless = a->v[0];
		if (a->v[0] != dev->seamless_read)
			vmmdev_post_events_locked(dev, EV_SEAMLESS);
	}
	fprintf(out, "ok\n");
}

/* "features HEX": hexadecimal, with or without the 0x prefix. */
static void ctl_features(struct vmmdev *dev, const struct ctl_args *a,
			 FILE *out)
{
	const char *s = a->w[1];
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 16);
	if (*s == '-' || !*s || *end || errno || v > UINT32_MAX) {
		fprintf(out, "err bad hex number '%s'\n", s);
		return;
	}
	dev->features = (uint32_t)v;
	fprintf(out, "ok\n");
}

static void ctl_host_version(struct vmmdev *dev, const struct ctl_args *a,
			     FILE *out)
{
	if (a->v[0] > 0xffff || a->v[1] > 0xffff) {
		fprintf(out, "err major/minor are 16-bit\n");
		return;
	}
	dev->host_major = (uint16_t)a->v[0];
	dev->host_minor = (uint16_t)a->v[1];
	dev->host_build = a->v[2];
	dev->host_rev = a->v[3];
	fprintf(out, "ok\n");
}

static void ctl_fault(struct vmmdev *dev, const struct ctl_args *a, FILE *out)
{
	int i;

	for (i = 0; i < NUM_FAULTS; i++) {
		if (!dev->faults[i].count) {
			dev->faults[i].type = a->v[0];
			dev->faults[i].count = a->v[1];
			dev->faults[i].rc = (int32_t)a->v[2];
			fprintf(out, "ok\n");
			return;
		}
	}
	fprintf(out, "err too many fault rules\n");
}

static void ctl_fault_clear(struct vmmdev *dev, const struct ctl_args *a,
			    FILE *out)
{
	(void)a;

	memset(dev->faults, 0, sizeof(dev->faults));
	fprintf(out, "ok\n");
}

static void ctl_mem_version(struct vmmdev *dev, const struct ctl_args *a,
			    FILE *out)
{
	dev->mem_version = a->v[0];
	bar1_put32(dev, BAR1_OFF_VERSION, a->v[0]);
	fprintf(out, "ok\n");
}

static void ctl_mem_size(struct vmmdev *dev, const struct ctl_args *a,
			 FILE *out)
{
	dev->mem_size = a->v[0];
	bar1_put32(dev, BAR1_OFF_SIZE, a->v[0]);
	fprintf(out, "ok\n");
}

static void ctl_mem_default(struct vmmdev *dev, const struct ctl_args *a,
			    FILE *out)
{
	(void)a;

	dev->mem_version = BAR1_VERSION;
	dev->mem_size = BAR1_STRUCT_SIZE;
	bar1_put32(dev, BAR1_OFF_SIZE, dev->mem_size);
	bar1_put32(dev, BAR1_OFF_VERSION, dev->mem_version);
	fprintf(out, "ok\n");
}

static void ctl_counters(struct vmmdev *dev, const struct ctl_args *a,
			 FILE *out)
{
	(void)a;

	print_counters(dev, out);
	fprintf(out, "ok\n");
}

static void ctl_counter(struct vmmdev *dev, const struct ctl_args *a, FILE *out)
{
	print_one_counter(dev, a->w[1], out);
}

static void ctl_reset_counters(struct vmmdev *dev, const struct ctl_args *a,
			       FILE *out)
{
	(void)a;

	reset_counters(dev);
	fprintf(out, "ok\n");
}

static void ctl_last_requestor(struct vmmdev *dev, const struct ctl_args *a,
			       FILE *out)
{
	if (a->v[0] >= NUM_TYPES) {
		fprintf(out, "err type out of range\n");
		return;
	}
	fprintf(out, "ok 0x%x\n", dev->last_requestor[a->v[0]]);
}

static void ctl_heartbeat_stats(struct vmmdev *dev, const struct ctl_args *a,
				FILE *out)
{
	(void)a;

	fprintf(out, "ok %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %d\n",
		dev->hb_count, dev->hb_first_ns, dev->hb_last_ns,
		dev->hb_interval_ns, dev->hb_enabled);
}

static void ctl_heartbeat_interval(struct vmmdev *dev, const struct ctl_args *a,
				   FILE *out)
{
	if (a->v[0] < MIN_HB_INTERVAL_MS || a->v[0] > 3600 * 1000) {
		fprintf(out, "err interval must be %d..3600000 ms\n", MIN_HB_INTERVAL_MS);
		return;
	}
	dev->hb_interval_ns = (uint64_t)a->v[0] * 1000000ull;
	fprintf(out, "ok\n");
}

static void ctl_state(struct vmmdev *dev, const struct ctl_args *a, FILE *out)
{
	(void)a;
	print_state(dev, out);
}

static void ctl_facility(struct vmmdev *dev, const struct ctl_args *a,
			 FILE *out)
{
	struct facility *f = facility_find(dev, a->v[0]);

	fprintf(out, "ok %u\n", f ? f->status : 0);
}

static void ctl_pump(struct vmmdev *dev, const struct ctl_args *a, FILE *out)
{
	if (a->v[0] && a->v[0] < 100) {
		fprintf(out, "err period must be 0 or >= 100 us\n");
		return;
	}
	if (a->v[1] & ~(uint32_t)EV_VALID_MASK) {
		fprintf(out, "err events outside 0x7ff\n");
		return;
	}
	dev->pump.period_us = a->v[0];
	dev->pump.events = a->v[1];
	dev->pump.balloon_max = a->n == 4 ? a->v[2] : 1;
	if (a->v[0] && !dev->pump.started) {
		if (pthread_create(&dev->pump.thread, NULL, pump_main, dev)) {
			dev->pump.period_us = 0;
			fprintf(out, "err cannot start the pump thread\n");
			return;
		}
		dev->pump.started = true;
	}
	pthread_cond_signal(&dev->pump.cond);
	fprintf(out, "ok\n");
}

static void ctl_delay(struct vmmdev *dev, const struct ctl_args *a, FILE *out)
{
	if (a->v[0] >= NUM_TYPES || a->v[1] > 10000) {
		fprintf(out, "err type 0..255, delay 0..10000 ms\n");
		return;
	}
	dev->reply_delay_ms[a->v[0]] = a->v[1];
	fprintf(out, "ok\n");
}

/* "device-reset": the host resets the device under a running guest. */
static void ctl_device_reset(struct vmmdev *dev, const struct ctl_args *a,
			     FILE *out)
{
	(void)a;

	device_reset_locked(dev);
	fprintf(out, "ok\n");
}

/*
 * "restore": what a guest sees after its VM was restored from a saved
 * state (spec appendix): everything kept, a new session id, RESTORED
 * posted.  Pending HGCM calls are re-submitted by the host, which for
 * this model means they simply stay pending.
 */
static void ctl_restore(struct vmmdev *dev, const struct ctl_args *a,
			FILE *out)
{
	(void)a;

	dev->session_id = new_session_id(dev);
	dev->restores++;
	vmmdev_post_events_locked(dev, EV_RESTORED);
	vmmdev_log("restored from a saved state");
	fprintf(out, "ok\n");
}

/**
 * struct ctl_cmd - one control command.
 * @name:    the command word.
 * @min:     fewest arguments.
 * @max:     most arguments.
 * @numeric: the arguments are numbers (C literals, parsed into v[]).
 * @fn:      the handler.
 */
struct ctl_cmd {
	const char *name;
	int min, max;
	bool numeric;
	ctl_fn fn;
};

static const struct ctl_cmd ctl_cmds[] = {
	{ "ping", 0, 0, true, ctl_ping },
	{ "events", 1, 1, true, ctl_events },
	{ "irq-raise", 1, 1, true, ctl_irq_raise },
	{ "filter-ignore", 1, 1, true, ctl_filter_ignore },
	{ "mouse", 2, 5, true, ctl_mouse },
	{ "mouse-host-caps", 1, 1, true, ctl_mouse_host_caps },
	{ "balloon", 1, 1, true, ctl_balloon },
	{ "display", 3, 4, true, ctl_display },
	{ "display-layout", 4, 4, true, ctl_display_layout },
	{ "seamless", 1, 1, true, ctl_seamless },
	{ "features", 1, 1, false, ctl_features },
	{ "host-version", 4, 4, true, ctl_host_version },
	{ "fault", 3, 3, true, ctl_fault },
	{ "fault-clear", 0, 0, true, ctl_fault_clear },
	{ "pump", 2, 3, true, ctl_pump },
	{ "delay", 2, 2, true, ctl_delay },
	{ "mem-version", 1, 1, true, ctl_mem_version },
	{ "mem-size", 1, 1, true, ctl_mem_size },
	{ "mem-default", 0, 0, true, ctl_mem_default },
	{ "counters", 0, 0, true, ctl_counters },
	{ "counter", 1, 1, false, ctl_counter },
	{ "reset-counters", 0, 0, true, ctl_reset_counters },
	{ "last-requestor", 1, 1, true, ctl_last_requestor },
	{ "heartbeat-stats", 0, 0, true, ctl_heartbeat_stats },
	{ "heartbeat-interval-ms", 1, 1, true, ctl_heartbeat_interval },
	{ "state", 0, 0, true, ctl_state },
	{ "facility", 1, 1, true, ctl_facility },
	{ "device-reset", 0, 0, true, ctl_device_reset },
	{ "restore", 0, 0, true, ctl_restore },
};

/* One command line split into @n words; dev->lock held. */
static void control_locked(struct vmmdev *dev, char **w, int n, const char *line,
			   FILE *out)
{
	const struct ctl_cmd *c = NULL;
	struct ctl_args a = { .w = w, .n = n };
	size_t k;
	int i;

	if (!strncmp(w[0], "hgcm-", 5) || !strncmp(w[0], "guestprop-", 10) ||
	    !strncmp(w[0], "sf-", 3) || !strncmp(w[0], "clip-", 5)) {
		if (!hgcm_control(dev->hgcm, line, out))
			fprintf(out, "err unknown command\n");
		return;
	}
	if (desktop_control(&dev->desk, w, n, out))
		return;
	for (k = 0; k < ARRAY_SIZE(ctl_cmds) && !c; k++)
		if (!strcmp(w[0], ctl_cmds[k].name))
			c = &ctl_cmds[k];
	if (!c) {
		fprintf(out, "err unknown command\n");
		return;
	}
	if (n - 1 < c->min || n - 1 > c->max) {
		fprintf(out, "err usage: %s takes %d", c->name, c->min);
		if (c->max != c->min)
			fprintf(out, "..%d", c->max);
		fprintf(out, " argument%s\n", c->max == 1 ? "" : "s");
		return;
	}
	for (i = 1; c->numeric && i < n; i++) {
		if (!parse_u32(w[i], &a.v[i - 1])) {
			fprintf(out, "err bad number '%s'\n", w[i]);
			return;
		}
	}
	c->fn(dev, &a, out);
}

/**
 * vmmdev_control() - execute one control-channel command line.
 * @dev:  the device.
 * @line: the command, without the newline.
 * @out:  where the reply goes.
 */
void vmmdev_control(struct vmmdev *dev, const char *line, FILE *out)
{
	char *copy = strdup(line);
	char *w[8];
	int n;

	if (!copy) {
		fprintf(out, "err no memory\n");
		return;
	}
	n = split_words(copy, w, 8);
	if (n == 0) {
		fprintf(out, "err empty command\n");
	} else if (n > 8 && strcmp(w[0], "clip-set")) {
		fprintf(out, "err too many arguments\n");
	} else {
		/* clip-set takes the rest of the line, however many words. */
		pthread_mutex_lock(&dev->lock);
		control_locked(dev, w, n > 8 ? 8 : n, line, out);
		pthread_mutex_unlock(&dev->lock);
	}
	fflush(out);
	free(copy);
}
