// SPDX-License-Identifier: (GPL-2.0 OR CDDL-1.0)
/*
 * vboxguest core: what the driver does with the host, independent of how
 * Linux reaches the device.  Device init and exit, sessions, the event
 * filter, capability and mouse trackers, event delivery from the ISR, the
 * balloon, the heartbeat, and one vbg_ioctl_<name>() per ioctl.
 *
 * All host traffic goes through vbg_req_submit() (vboxguest_utils.c).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/export.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/oom.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swap.h>
#include <linux/vbox_err.h>
#include "vboxguest_core.h"
#include "vboxguest_trace.h"
#include "vboxguest_version.h"

/* Requestor of the driver's own requests: kernel, the VBoxGuest driver. */
#define VBG_KERNEL_REQUESTOR	(VMMDEV_REQUESTOR_KERNEL | VMMDEV_REQUESTOR_USR_DRV)

/*
 * Events a session gets without asking through its filter: the ones the
 * driver always has in the host filter, except HGCM, which is internal.
 */
#define VBG_SESSION_DEFAULT_EVENTS \
	(VMMDEV_EVENT_MOUSE_POSITION_CHANGED | VMMDEV_EVENT_BALLOON_CHANGE_REQUEST)

/* Largest VBG_IOCTL_LOG message printed, and the whole-ioctl size cap. */
#define VBG_LOG_MAX		512
#define VBG_IOCTL_MAX_SIZE	SZ_16M

static void vbg_host_reset_work(struct work_struct *work);
static void vbg_host_watch_stop(struct vbg_dev *gdev);

/* The events that belong to a guest capability in acquire mode. */
static u32 vbg_caps_to_events(u32 caps)
{
	u32 events = 0;

	if (caps & VMMDEV_GUEST_SUPPORTS_SEAMLESS)
		events |= VMMDEV_EVENT_SEAMLESS_MODE_CHANGE_REQUEST;
	if (caps & VMMDEV_GUEST_SUPPORTS_GRAPHICS)
		events |= VMMDEV_EVENT_DISPLAY_CHANGE_REQUEST;
	return events;
}

/**
 * vbg_dev_free() - kref release: free the device structure.
 * @kref: vbg_dev.refcount.
 */
static void vbg_dev_free(struct kref *kref)
{
	kfree(container_of(kref, struct vbg_dev, refcount));
}

/**
 * vbg_put_gdev() - drop a reference taken with vbg_get_gdev() (or the
 *	probe's, or a session's).
 * @gdev: the device.
 *
 * Context: process context.
 */
void vbg_put_gdev(struct vbg_dev *gdev)
{
	kref_put(&gdev->refcount, vbg_dev_free);
}
EXPORT_SYMBOL_GPL(vbg_put_gdev);

/**
 * vbg_req_send_as() - send a fixed-size request described on the stack.
 * @gdev: the device.
 * @requestor: VMMDEV_REQUESTOR_* bits for the header.
 * @type: the request type.
 * @req: the request, header first; its body is sent, and the host's
 *	answer, header included, is copied back over it.
 * @len: its size.
 *
 * The host gets a copy in memory it can reach; the caller reads the
 * answer from @req, where the host cannot change it any more.
 *
 * Context: process context, may sleep.
 * Return: 0, -ENOMEM, or the errno of the host's status.
 */
static int vbg_req_send_as(struct vbg_dev *gdev, u32 requestor, u32 type,
			   struct vmmdev_request_header *req, size_t len)
{
	struct vmmdev_request_header *copy;
	int ret;

	copy = vbg_req_alloc(len, type, requestor);
	if (!copy)
		return -ENOMEM;
	memcpy(copy + 1, req + 1, len - sizeof(*req));
	ret = vbg_req_submit(gdev, copy);
	memcpy(req, copy, len);
	vbg_req_free(copy, len);
	return ret;
}

/* vbg_req_send_as() for the driver's own requests. */
static int vbg_req_send(struct vbg_dev *gdev, u32 type,
			struct vmmdev_request_header *req, size_t len)
{
	return vbg_req_send_as(gdev, VBG_KERNEL_REQUESTOR, type, req, len);
}

/*
 * Set the host's value of @m to @value: one request 42, 56 or 2; @m->host
 * is @value once the host took it.
 */
static int vbg_host_mask_send(struct vbg_dev *gdev, struct vbg_host_mask *m,
			      u32 value)
{
	struct vmmdev_mouse_status mouse = { .mouse_features = value };
	struct vmmdev_mask mask = { .or_mask = value, .not_mask = ~value };
	int ret;

	if (m->type == VMMDEVREQ_SET_MOUSE_STATUS)
		ret = vbg_req_send(gdev, m->type, &mouse.header, sizeof(mouse));
	else
		ret = vbg_req_send(gdev, m->type, &mask.header, sizeof(mask));
	if (!ret)
		m->host = value;
	return ret;
}

/*
 * Count a holder's change of bits from @old to @new in @m->holders and
 * @m->sessions.  Context: session_mutex held.
 */
static void vbg_host_mask_count_locked(struct vbg_host_mask *m, u32 old,
				       u32 new)
{
	u32 changed = old ^ new;

	while (changed) {
		unsigned int bit = __ffs(changed);

		changed &= changed - 1;
		if (new & BIT(bit))
			m->holders[bit]++;
		else
			m->holders[bit]--;
		if (m->holders[bit])
			m->sessions |= BIT(bit);
		else
			m->sessions &= ~BIT(bit);
	}
}

/*
 * Bring the host's value of @m in line with its holders and extra bits.
 * Context: session_mutex held.
 */
static int vbg_host_mask_sync_locked(struct vbg_dev *gdev,
				     struct vbg_host_mask *m)
{
	u32 want = m->sessions | m->extra;

	lockdep_assert_held(&gdev->session_mutex);
	return want == m->host ? 0 : vbg_host_mask_send(gdev, m, want);
}

/* Send @m's value even if the host should have it already. */
static int vbg_host_mask_resend_locked(struct vbg_dev *gdev,
				       struct vbg_host_mask *m)
{
	return vbg_host_mask_send(gdev, m, m->sessions | m->extra);
}

/*
 * The one way a session changes its bits of @m: from *@bits to @new,
 * counted, stored (under event_spinlock, where the ISR reads the
 * session's filter) and sent to the host; if the host refuses, all of it
 * is undone.  Context: session_mutex held.
 */
static int vbg_host_mask_change_locked(struct vbg_dev *gdev,
				       struct vbg_host_mask *m, u32 *bits,
				       u32 new)
{
	u32 old = *bits;
	int ret;

	vbg_host_mask_count_locked(m, old, new);
	spin_lock_irq(&gdev->event_spinlock);
	*bits = new;
	spin_unlock_irq(&gdev->event_spinlock);
	ret = vbg_host_mask_sync_locked(gdev, m);
	if (ret) {
		vbg_host_mask_count_locked(m, new, old);
		spin_lock_irq(&gdev->event_spinlock);
		*bits = old;
		spin_unlock_irq(&gdev->event_spinlock);
	}
	return ret;
}

/*
 * The input device's mouse bits: VBG_INPUT_MOUSE_STATUS, and the
 * full-state protocol if the host offers it now (spec 5.4).
 */
static u32 vbg_input_mouse_status(struct vbg_dev *gdev)
{
	struct vmmdev_mouse_status req = {};

	if (vbg_req_send(gdev, VMMDEVREQ_GET_MOUSE_STATUS, &req.header,
			 sizeof(req)) ||
	    !(req.mouse_features & VMMDEV_MOUSE_HOST_USES_FULL_STATE_PROTOCOL))
		return VBG_INPUT_MOUSE_STATUS;
	return VBG_INPUT_MOUSE_STATUS |
	       VMMDEV_MOUSE_GUEST_USES_FULL_STATE_PROTOCOL;
}

/**
 * vbg_core_set_input_mouse_status() - the input device was opened/closed.
 * @gdev: the device.
 * @open: true when the first user opened it, false after the last close.
 *
 * Tells the host whether the guest can take absolute positions and, if
 * the host offers it, that the guest uses the full-state protocol (then
 * the mouse work reads wheels and buttons too).
 *
 * Context: process context; takes session_mutex.
 * Return: 0 or -errno from the host.
 */
int vbg_core_set_input_mouse_status(struct vbg_dev *gdev, bool open)
{
	struct vbg_host_mask *m = &gdev->mouse_status;
	u32 old, bits = open ? vbg_input_mouse_status(gdev) : 0;
	int ret;

	mutex_lock(&gdev->session_mutex);
	old = m->extra;
	m->extra = bits;
	ret = vbg_host_mask_sync_locked(gdev, m);
	if (ret && open)
		m->extra = old;
	WRITE_ONCE(gdev->mouse_full_state,
		   !!(m->extra & VMMDEV_MOUSE_GUEST_USES_FULL_STATE_PROTOCOL));
	mutex_unlock(&gdev->session_mutex);
	return ret;
}

/* ReportGuestStatus for the driver facility. */
static int vbg_report_driver_status(struct vbg_dev *gdev, bool active)
{
	struct vmmdev_guest_status req = {
		.facility = VBOXGUEST_FACILITY_TYPE_VBOXGUEST_DRIVER,
		.status = active ? VBOXGUEST_FACILITY_STATUS_ACTIVE :
				   VBOXGUEST_FACILITY_STATUS_INACTIVE,
	};
	int ret;

	ret = vbg_req_send(gdev, VMMDEVREQ_REPORT_GUEST_STATUS, &req.header,
			   sizeof(req));
	if (ret)
		vbg_dev_err(gdev, "reporting driver status %s failed: %d\n",
			    active ? "active" : "inactive", ret);
	return ret;
}

/*
 * GetHostVersion: read version and features once; refuse a host without
 * physical page lists (every HGCM buffer is passed as one).
 */
static int vbg_query_host_version(struct vbg_dev *gdev)
{
	struct vmmdev_host_version req = {};
	int ret;

	ret = vbg_req_send(gdev, VMMDEVREQ_GET_HOST_VERSION, &req.header,
			   sizeof(req));
	if (ret) {
		vbg_dev_err(gdev, "GetHostVersion failed: %d\n", ret);
		return ret;
	}
	snprintf(gdev->host_version, sizeof(gdev->host_version),
		 "%u.%u.%ur%u", req.version.major, req.version.minor,
		 req.version.build, req.version.revision);
	gdev->host_features = req.features;
	gdev->fast_ack = req.features & VMMDEV_HVF_FAST_IRQ_ACK;
	vbg_dev_info(gdev, "host version %s, features %#x\n",
		     gdev->host_version, gdev->host_features);
	if (!(req.features & VMMDEV_HVF_HGCM_PHYS_PAGE_LIST)) {
		vbg_dev_err(gdev, "host lacks physical page lists (feature bit 0); VirtualBox 3.1 or newer is needed\n");
		return -ENODEV;
	}
	return 0;
}

/* ReportGuestInfo2 then ReportGuestInfo, in the order the host expects. */
static int vbg_report_guest_info(struct vbg_dev *gdev)
{
	struct vmmdev_guest_info2 info2 = {
		.version = { VBG_VERSION_MAJOR, VBG_VERSION_MINOR,
			     VBG_VERSION_BUILD, VBG_SVN_REV },
		.features = VBOXGSTINFO2_F_REQUESTOR_INFO,
		.name = VBG_VERSION_STRING,
	};
	struct vmmdev_guest_info info = {
		.interface_version = VMMDEV_VERSION,
		.os_type = VBOXOSTYPE_LINUX26 |
			   (IS_ENABLED(CONFIG_64BIT) ? VBOXOSTYPE_X64 : 0),
	};
	int ret;

	ret = vbg_req_send(gdev, VMMDEVREQ_REPORT_GUEST_INFO2, &info2.header,
			   sizeof(info2));
	if (!ret)
		ret = vbg_req_send(gdev, VMMDEVREQ_REPORT_GUEST_INFO,
				   &info.header, sizeof(info));
	if (ret)
		vbg_dev_err(gdev, "reporting guest info failed: %d\n", ret);
	return ret;
}

/*
 * GetHypervisorInfo.  Hosts since 6.1 have no raw mode and answer size 0;
 * an older host asking for a window is told nothing (no raw mode support
 * here), which only costs it the raw-mode optimisation.
 */
static void vbg_query_hypervisor_info(struct vbg_dev *gdev)
{
	struct vmmdev_hypervisorinfo req = {};

	if (!vbg_req_send(gdev, VMMDEVREQ_GET_HYPERVISOR_INFO, &req.header,
			  sizeof(req)) && req.hypervisor_size)
		vbg_dev_info(gdev, "host offers a %u byte hypervisor window; not used\n",
			     req.hypervisor_size);
}

/* Reset filter, capabilities and mouse bits to the driver's own. */
static int vbg_reset_host_state(struct vbg_dev *gdev)
{
	int ret;

	mutex_lock(&gdev->session_mutex);
	/* Unknown until the host takes them (a failure stops the sends). */
	gdev->event_filter.host = ~0U;
	gdev->guest_caps.host = ~0U;
	gdev->mouse_status.host = ~0U;
	ret = vbg_host_mask_resend_locked(gdev, &gdev->event_filter);
	if (!ret)
		ret = vbg_host_mask_resend_locked(gdev, &gdev->guest_caps);
	if (!ret)
		ret = vbg_host_mask_resend_locked(gdev, &gdev->mouse_status);
	mutex_unlock(&gdev->session_mutex);
	if (ret)
		vbg_dev_err(gdev, "resetting filter/capabilities/mouse failed: %d\n", ret);
	return ret;
}

/* HeartbeatConfigure; returns the host interval in ns (0 on failure). */
static u64 vbg_heartbeat_configure(struct vbg_dev *gdev, bool enable)
{
	struct vmmdev_heartbeat req = { .enabled = enable };

	if (vbg_req_send(gdev, VMMDEVREQ_HEARTBEAT_CONFIGURE, &req.header,
			 sizeof(req)))
		return 0;
	return req.interval_ns;
}

/*
 * Send one heartbeat and re-arm at an absolute time: next = previous
 * deadline + interval, so beats neither drift nor bunch up.  If the work
 * ran more than one interval late, skip the missed beats instead of
 * sending a burst.
 */
static void vbg_heartbeat_work(struct work_struct *work)
{
	struct vbg_heartbeat *hb = container_of(to_delayed_work(work),
						struct vbg_heartbeat, work);
	struct vbg_dev *gdev = container_of(hb, struct vbg_dev, heartbeat);
	unsigned long now;

	hb->req->rc = VERR_GENERAL_FAILURE;
	if (!vbg_req_submit(gdev, hb->req))
		atomic64_inc(&gdev->stats[VBG_STAT_HEARTBEATS]);

	hb->next += hb->interval;
	now = jiffies;
	if (time_before_eq(hb->next, now))
		hb->next = now + hb->interval;
	schedule_delayed_work(&hb->work, hb->next - now);
}

/*
 * The host's interval is configurable down to 50 ms (vmmdev-spec.md 5.5);
 * anything shorter is a broken host and would make the work item run
 * every jiffy.  Beating more often than the host asks is harmless, so an
 * absurdly long interval is cut to an hour, which every kernel (32-bit
 * jiffies included) can schedule.
 */
#define VBG_HEARTBEAT_MIN_MS	50
#define VBG_HEARTBEAT_MAX_MS	(3600U * MSEC_PER_SEC)

/**
 * vbg_heartbeat_interval() - the heartbeat period for the host's interval.
 * @host_ns: the interval HeartbeatConfigure returned, in ns (not 0).
 *
 * Context: any.
 * Return: the period in jiffies, clamped to 50 ms .. 1 hour.
 */
VISIBLE_IF_KUNIT unsigned long vbg_heartbeat_interval(u64 host_ns)
{
	u64 ms = div_u64(host_ns, NSEC_PER_MSEC);

	ms = clamp_t(u64, ms, VBG_HEARTBEAT_MIN_MS, VBG_HEARTBEAT_MAX_MS);
	return msecs_to_jiffies((unsigned int)ms);
}

/*
 * Start the heartbeat at the host's interval @interval_ns, which
 * HeartbeatConfigure returned (no-op if the host has none).
 */
static void vbg_heartbeat_init(struct vbg_dev *gdev, u64 interval_ns)
{
	struct vbg_heartbeat *hb = &gdev->heartbeat;

	if (!interval_ns) {
		vbg_dev_info(gdev, "host heartbeat not available\n");
		return;
	}
	hb->interval = vbg_heartbeat_interval(interval_ns);
	hb->next = jiffies;
	if (interval_ns < VBG_HEARTBEAT_MIN_MS * NSEC_PER_MSEC ||
	    interval_ns > (u64)VBG_HEARTBEAT_MAX_MS * NSEC_PER_MSEC)
		vbg_dev_warn(gdev, "host heartbeat interval %llu ns out of range\n",
			     interval_ns);
	vbg_dev_info(gdev, "heartbeat every %u ms\n",
		     jiffies_to_msecs(hb->interval));
	schedule_delayed_work(&hb->work, 0);
}

/* Stop the heartbeat and tell the host to stop monitoring. */
static void vbg_heartbeat_exit(struct vbg_dev *gdev)
{
	if (!gdev->heartbeat.interval)
		return;
	cancel_delayed_work_sync(&gdev->heartbeat.work);
	vbg_heartbeat_configure(gdev, false);
	gdev->heartbeat.interval = 0;
}

/*
 * Tell the host the driver's own state: filter, capabilities and mouse
 * bits, the heartbeat (re-enabled, or started at probe and after sleep)
 * and the driver facility active.  At probe and at every restore.
 */
static int vbg_host_apply_state(struct vbg_dev *gdev)
{
	int ret = vbg_reset_host_state(gdev);
	u64 interval_ns;

	if (ret)
		return ret;
	interval_ns = vbg_heartbeat_configure(gdev, true);
	if (!gdev->heartbeat.interval)
		vbg_heartbeat_init(gdev, interval_ns);
	return vbg_report_driver_status(gdev, true);
}

/*
 * ChangeMemBalloon: give @chunk's pages to the host (@inflate) or take
 * them back.  Context: balloon.mutex held.
 */
static int vbg_balloon_change(struct vbg_dev *gdev,
			      struct vbg_balloon_chunk *chunk, bool inflate)
{
	struct vmmdev_memballoon_change *req = gdev->balloon.req;

	lockdep_assert_held(&gdev->balloon.mutex);
	vbg_balloon_chunk_list(req->phys_page, chunk->pages);
	req->header.rc = VERR_GENERAL_FAILURE;
	req->pages = VMMDEV_MEMORY_BALLOON_CHUNK_PAGES;
	req->inflate = inflate;
	return vbg_req_submit(gdev, req);
}

/* Give one 1 MiB chunk to the host.  Context: balloon.mutex held. */
static int vbg_balloon_inflate_chunk_locked(struct vbg_dev *gdev)
{
	struct vbg_balloon *b = &gdev->balloon;
	struct vbg_balloon_chunk *chunk;
	int i, ret = -ENOMEM;

	lockdep_assert_held(&b->mutex);
	/*
	 * Nothing allocated under the mutex may enter the OOM killer
	 * (__GFP_RETRY_MAYFAIL, __GFP_NORETRY): its notifier takes the mutex.
	 */
	chunk = kzalloc(sizeof(*chunk), GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (!chunk)
		return -ENOMEM;
	for (i = 0; i < VBG_BALLOON_CHUNK_KPAGES; i++) {
		chunk->pages[i] = alloc_page(GFP_HIGHUSER | __GFP_NOWARN |
					     __GFP_NORETRY);
		if (!chunk->pages[i])
			goto out_free_pages;
	}
	ret = vbg_balloon_change(gdev, chunk, true);
	if (ret)
		goto out_free_pages;

	list_add(&chunk->node, &b->chunks);
	WRITE_ONCE(b->nr_chunks, b->nr_chunks + 1);
	atomic64_inc(&gdev->stats[VBG_STAT_BALLOON_INFLATES]);
	return 0;

out_free_pages:
	release_pages(chunk->pages, i);
	kfree(chunk);
	return ret;
}

/*
 * Memory the balloon always leaves the guest: a host target beyond the
 * guest's RAM stops here instead of starving the guest (MemAvailable).
 */
#define VBG_BALLOON_RESERVE_PAGES	(32 * (SZ_1M / PAGE_SIZE))

/* Would one more chunk eat into the reserve? */
static bool vbg_balloon_reserve_left(void)
{
	return si_mem_available() <
	       VBG_BALLOON_RESERVE_PAGES + VBG_BALLOON_CHUNK_KPAGES;
}

/*
 * Take chunks back from the host down to @target, while the guest is
 * below the reserve if @below_reserve.  Context: balloon.mutex held.
 */
static int vbg_balloon_deflate_locked(struct vbg_dev *gdev, u32 target,
				      bool below_reserve)
{
	struct vbg_balloon *b = &gdev->balloon;
	struct vbg_balloon_chunk *chunk, *tmp;
	int ret = 0;

	lockdep_assert_held(&b->mutex);
	list_for_each_entry_safe(chunk, tmp, &b->chunks, node) {
		if (b->nr_chunks <= target ||
		    (below_reserve && !vbg_balloon_reserve_left()))
			break;
		ret = vbg_balloon_change(gdev, chunk, false);
		if (ret)
			break;	/* the host still has the pages: keep them */
		list_del(&chunk->node);
		WRITE_ONCE(b->nr_chunks, b->nr_chunks - 1);
		release_pages(chunk->pages, VBG_BALLOON_CHUNK_KPAGES);
		kfree(chunk);
		atomic64_inc(&gdev->stats[VBG_STAT_BALLOON_DEFLATES]);
		cond_resched();
	}
	return ret;
}

/* Move the balloon to @target chunks.  Context: balloon.mutex held. */
static int vbg_balloon_resize_locked(struct vbg_dev *gdev, u32 target)
{
	struct vbg_balloon *b = &gdev->balloon;
	int ret = 0;

	lockdep_assert_held(&b->mutex);
	while (b->nr_chunks < target) {
		ret = vbg_balloon_reserve_left() ? -ENOMEM :
			vbg_balloon_inflate_chunk_locked(gdev);
		if (ret)
			break;
		cond_resched();
	}
	if (!ret)
		ret = vbg_balloon_deflate_locked(gdev, target, false);
	if (ret)
		vbg_dev_warn_ratelimited(gdev, "balloon stopped at %u of %u MiB: %d\n",
					 b->nr_chunks, target, ret);
	return ret;
}

/*
 * Ask the host for the balloon target (acknowledging the event) and move
 * the balloon there.  Returns the balloon size in chunks, or -errno.
 */
static int vbg_balloon_update(struct vbg_dev *gdev)
{
	struct vbg_balloon *b = &gdev->balloon;
	struct vmmdev_memballoon_info req = {
		.event_ack = VMMDEV_EVENT_ACK_BALLOON,
	};
	u32 target, old;
	int ret;

	ret = vbg_req_send(gdev, VMMDEVREQ_GET_MEMBALLOON_CHANGE_REQ,
			   &req.header, sizeof(req));
	if (ret)
		return ret;
	target = req.balloon_chunks;

	mutex_lock(&b->mutex);
	if (target != b->host_target) {
		b->host_target = target;
		b->held = false;
		if (target > b->max_chunks)
			vbg_dev_warn(gdev, "balloon target %u MiB capped to %u MiB\n",
				     target, b->max_chunks);
	}
	/* Memory pressure took chunks back: wait for a new host target. */
	if (b->held)
		target = min(target, b->nr_chunks);
	old = b->nr_chunks;
	vbg_balloon_resize_locked(gdev, min(target, b->max_chunks));
	ret = b->nr_chunks;
	if (ret != old)
		trace_vbg_balloon(b, old, VBG_BALLOON_HOST);
	mutex_unlock(&b->mutex);
	return ret;
}

static void vbg_balloon_work(struct work_struct *work)
{
	struct vbg_dev *gdev = container_of(work, struct vbg_dev, balloon.work);

	vbg_balloon_update(gdev);
}

/**
 * vbg_balloon_max_chunks() - the balloon cap for the guest's RAM.
 * @ram_pages: the guest's RAM in pages (totalram_pages()).
 *
 * Context: any.
 * Return: the RAM in whole 1 MiB chunks.
 */
VISIBLE_IF_KUNIT u32 vbg_balloon_max_chunks(unsigned long ram_pages)
{
	/* Never the byte count: 4 GiB overflows a 32-bit unsigned long. */
	unsigned long chunks = ram_pages / (SZ_1M / PAGE_SIZE);

	return min_t(unsigned long, chunks, U32_MAX);
}

static bool balloon_deflate_on_pressure = true;
module_param(balloon_deflate_on_pressure, bool, 0444);
MODULE_PARM_DESC(balloon_deflate_on_pressure,
		 "Give balloon chunks back when the guest runs short of memory (default: on)");

static struct vbg_dev *vbg_shrinker_gdev(struct shrinker *s)
{
#ifdef VBG_SHRINKER_ALLOC
	return s->private_data;
#else
	return container_of(s, struct vbg_dev, balloon.shrinker_storage);
#endif
}

/* Reclaim asks how much the balloon could give: the pages it holds. */
static unsigned long vbg_balloon_shrink_count(struct shrinker *s,
					      struct shrink_control *sc)
{
	struct vbg_dev *gdev = vbg_shrinker_gdev(s);
	unsigned long pages = READ_ONCE(gdev->balloon.nr_chunks);

	pages *= VBG_BALLOON_CHUNK_KPAGES;
	return pages ? pages : SHRINK_EMPTY;
}

/*
 * Give chunks back for the guest's sake, up to @want kernel pages (whole
 * chunks, so possibly more), while the guest is below the reserve unless
 * it is out of memory (@oom), and hold the balloon at its new size until
 * the host's target changes.  Returns the pages freed.
 *
 * Reclaim never waits for the balloon mutex: the inflate path allocates
 * with it held, and that allocation may reclaim and land here.  The OOM
 * notifier may wait: no allocation under it can enter the OOM killer.
 */
static unsigned long vbg_balloon_give_back(struct vbg_dev *gdev,
					   unsigned long want, bool oom)
{
	struct vbg_balloon *b = &gdev->balloon;
	unsigned long chunks = DIV_ROUND_UP(want, VBG_BALLOON_CHUNK_KPAGES);
	unsigned long freed;
	u32 old;

	if (oom)
		mutex_lock(&b->mutex);
	else if (!mutex_trylock(&b->mutex))
		return 0;
	old = b->nr_chunks;
	vbg_balloon_deflate_locked(gdev, old - min_t(unsigned long, chunks, old),
				   !oom);
	freed = (unsigned long)(old - b->nr_chunks) * VBG_BALLOON_CHUNK_KPAGES;
	if (freed) {
		trace_vbg_balloon(b, old, oom ? VBG_BALLOON_OOM : VBG_BALLOON_PRESSURE);
		b->held = true;
		atomic64_inc(&gdev->stats[VBG_STAT_BALLOON_PRESSURE]);
		vbg_dev_info_ratelimited(gdev, "%s: balloon down to %u MiB\n",
					 oom ? "out of memory" : "memory pressure",
					 b->nr_chunks);
	}
	mutex_unlock(&b->mutex);
	return freed;
}

/*
 * Reclaim wants pages: deflate whole chunks (the host is told through the
 * usual ChangeMemBalloon request, which does not sleep) while the guest
 * is below the reserve.
 */
static unsigned long vbg_balloon_shrink_scan(struct shrinker *s,
					     struct shrink_control *sc)
{
	struct vbg_dev *gdev = vbg_shrinker_gdev(s);
	unsigned long freed = vbg_balloon_give_back(gdev, sc->nr_to_scan, false);

	if (!freed)
		return SHRINK_STOP;
	/* Reclaim counts these, or kswapd gives up on the node. */
#ifdef VBG_SHRINKER_ALLOC
	mm_account_reclaimed_pages(freed);
#else
	if (current->reclaim_state)
		current->reclaim_state->reclaimed_slab += freed;
#endif
	sc->nr_scanned = freed;	/* whole chunks: more than asked for */
	return freed;
}

/*
 * The OOM killer is about to run: one chunk back instead (out_of_memory()
 * retries the allocation when a notifier freed pages).  The shrinker may
 * have missed the pressure (its trylock failed, or reclaim gave up before
 * the reserve was reached).
 */
static int vbg_balloon_oom_notify(struct notifier_block *nb,
				  unsigned long unused, void *freed)
{
	struct vbg_dev *gdev = container_of(nb, struct vbg_dev, balloon.oom_nb);

	*(unsigned long *)freed += vbg_balloon_give_back(gdev, 1, true);
	return NOTIFY_OK;
}

/* Start giving chunks back under memory pressure (unless turned off). */
static void vbg_balloon_pressure_init(struct vbg_dev *gdev)
{
	struct vbg_balloon *b = &gdev->balloon;
	struct shrinker *s;

	if (!balloon_deflate_on_pressure)
		return;
#ifdef VBG_SHRINKER_ALLOC
	s = shrinker_alloc(0, "vboxguest-balloon");
	if (!s) {
		vbg_dev_warn(gdev, "no balloon shrinker: no deflate on memory pressure\n");
		return;
	}
	s->private_data = gdev;
#else
	s = &b->shrinker_storage;
#endif
	s->count_objects = vbg_balloon_shrink_count;
	s->scan_objects = vbg_balloon_shrink_scan;
	s->seeks = DEFAULT_SEEKS;
#ifdef VBG_SHRINKER_ALLOC
	shrinker_register(s);
#else
	if (register_shrinker(s, "vboxguest-balloon")) {
		vbg_dev_warn(gdev, "no balloon shrinker: no deflate on memory pressure\n");
		return;
	}
#endif
	b->shrinker = s;
	b->oom_nb.notifier_call = vbg_balloon_oom_notify;
	register_oom_notifier(&b->oom_nb);
}

/* Stop both; after this nothing deflates behind the caller. */
static void vbg_balloon_pressure_exit(struct vbg_dev *gdev)
{
	struct shrinker *s = gdev->balloon.shrinker;

	if (!s)
		return;
	unregister_oom_notifier(&gdev->balloon.oom_nb);
	gdev->balloon.shrinker = NULL;
#ifdef VBG_SHRINKER_ALLOC
	shrinker_free(s);
#else
	unregister_shrinker(s);
#endif
}

/* Give every chunk back to the guest (teardown). */
static void vbg_balloon_exit(struct vbg_dev *gdev)
{
	struct vbg_balloon *b = &gdev->balloon;
	struct vbg_balloon_chunk *chunk, *tmp;
	int ret;

	vbg_balloon_pressure_exit(gdev);
	mutex_lock(&b->mutex);
	ret = vbg_balloon_deflate_locked(gdev, 0, false);
	if (ret) {
		/*
		 * The host refused to return some chunks.  Its view and ours
		 * differ now; leaking the pages is safer than freeing memory
		 * the host may still consider its own.
		 */
		list_for_each_entry_safe(chunk, tmp, &b->chunks, node)
			kfree(chunk);
		INIT_LIST_HEAD(&b->chunks);
		vbg_dev_err(gdev, "leaked %u balloon chunks: %d\n", b->nr_chunks, ret);
		b->nr_chunks = 0;
	}
	mutex_unlock(&b->mutex);
}

/*
 * Read the absolute position, with the full-state protocol also wheels
 * and buttons (GetMouseStatusEx), and pass them to the input device.
 */
static void vbg_mouse_work(struct work_struct *work)
{
	struct vbg_dev *gdev = container_of(work, struct vbg_dev, mouse_work);
	struct vmmdev_mouse_status_ex *req = gdev->mouse_status_req;
	bool full = READ_ONCE(gdev->mouse_full_state);
	s32 dz = 0, dw = 0;
	u32 buttons = 0;

	req->status.header.size = full ? sizeof(*req) : sizeof(req->status);
	req->status.header.request_type = full ? VMMDEVREQ_GET_MOUSE_STATUS_EX :
						 VMMDEVREQ_GET_MOUSE_STATUS;
	req->status.header.rc = VERR_GENERAL_FAILURE;
	req->status.mouse_features = 0;
	if (vbg_req_submit(gdev, req))
		return;
	if (full) {
		dz = READ_ONCE(req->dz);
		dw = READ_ONCE(req->dw);
		buttons = READ_ONCE(req->buttons);
	}
	atomic64_inc(&gdev->stats[VBG_STAT_MOUSE_EVENTS]);
	vbg_input_report(gdev, READ_ONCE(req->status.pointer_pos_x),
			 READ_ONCE(req->status.pointer_pos_y), dz, dw, buttons);
}

/*
 * Requests used where allocation is not possible, allocated once: where
 * in struct vbg_dev each one's pointer is, its size and type.
 */
static const struct {
	u16 offset;
	u16 size;
	u16 type;
} vbg_fixed_reqs[] = {
	{ offsetof(struct vbg_dev, ack_events_req),
	  sizeof(struct vmmdev_events), VMMDEVREQ_ACKNOWLEDGE_EVENTS },
	{ offsetof(struct vbg_dev, mouse_status_req),
	  sizeof(struct vmmdev_mouse_status_ex), VMMDEVREQ_GET_MOUSE_STATUS },
	{ offsetof(struct vbg_dev, heartbeat.req),
	  sizeof(struct vmmdev_request_header), VMMDEVREQ_GUEST_HEARTBEAT },
	{ offsetof(struct vbg_dev, balloon.req),
	  sizeof(struct vmmdev_memballoon_change), VMMDEVREQ_CHANGE_MEMBALLOON },
	{ offsetof(struct vbg_dev, hgcm_cancel_req),
	  sizeof(struct vmmdev_hgcm_cancel2), VMMDEVREQ_HGCM_CANCEL2 },
};

/* The pointer to the fixed request @i in @gdev. */
static void **vbg_fixed_req(struct vbg_dev *gdev, unsigned int i)
{
	return (void **)((char *)gdev + vbg_fixed_reqs[i].offset);
}

static int vbg_alloc_fixed_requests(struct vbg_dev *gdev)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vbg_fixed_reqs); i++) {
		*vbg_fixed_req(gdev, i) = vbg_req_alloc(vbg_fixed_reqs[i].size,
							vbg_fixed_reqs[i].type,
							VBG_KERNEL_REQUESTOR);
		if (!*vbg_fixed_req(gdev, i))
			return -ENOMEM;
	}
	return 0;
}

static void vbg_free_fixed_requests(struct vbg_dev *gdev)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vbg_fixed_reqs); i++) {
		vbg_req_free(*vbg_fixed_req(gdev, i), vbg_fixed_reqs[i].size);
		*vbg_fixed_req(gdev, i) = NULL;
	}
}

/**
 * vbg_core_init_state() - the device's locks, lists, work items and masks.
 * @gdev: the device.
 *
 * Everything vbg_core_init() sets up without talking to the host (the
 * KUnit fake host starts from here too).
 *
 * Context: process context.
 */
VISIBLE_IF_KUNIT void vbg_core_init_state(struct vbg_dev *gdev)
{
	ratelimit_state_init(&gdev->log_rs, DEFAULT_RATELIMIT_INTERVAL,
			     DEFAULT_RATELIMIT_BURST);
	init_rwsem(&gdev->remove_rwsem);
	mutex_init(&gdev->session_mutex);
	INIT_LIST_HEAD(&gdev->session_list);
	spin_lock_init(&gdev->event_spinlock);
	init_waitqueue_head(&gdev->event_wq);
	vbg_hgcm_init(gdev);
	INIT_WORK(&gdev->mouse_work, vbg_mouse_work);
	mutex_init(&gdev->balloon.mutex);
	INIT_LIST_HEAD(&gdev->balloon.chunks);
	INIT_WORK(&gdev->balloon.work, vbg_balloon_work);
	INIT_DELAYED_WORK(&gdev->heartbeat.work, vbg_heartbeat_work);
	INIT_WORK(&gdev->host_reset_work, vbg_host_reset_work);
	gdev->balloon.max_chunks = vbg_balloon_max_chunks(totalram_pages());
	gdev->event_filter.type = VMMDEVREQ_CTL_GUEST_FILTER_MASK;
	gdev->event_filter.extra = VBG_FIXED_EVENTS;
	gdev->guest_caps.type = VMMDEVREQ_SET_GUEST_CAPABILITIES;
	gdev->mouse_status.type = VMMDEVREQ_SET_MOUSE_STATUS;
}

/**
 * vbg_core_init() - bring the device up and introduce the guest to the host.
 * @gdev: the device, with @dev, @ops, @mmio and its request
 *	registers set.
 *
 * Initialises the state (vbg_core_init_state()), allocates the fixed
 * requests, reads the host version (refusing a host without page lists),
 * reports guest info 2 and guest info, queries the hypervisor info, then
 * tells the host the driver's state as every restore does
 * (vbg_host_apply_state()) and looks at the balloon once.  Undone by
 * vbg_core_exit().
 *
 * Context: process context (probe).
 * Return: 0 or -errno; on failure nothing is left to undo.
 */
int vbg_core_init(struct vbg_dev *gdev)
{
	int ret;

	vbg_core_init_state(gdev);
	ret = vbg_alloc_fixed_requests(gdev);
	if (ret)
		goto err_free_requests;
	ret = vbg_query_host_version(gdev);
	if (ret)
		goto err_free_requests;
	ret = vbg_report_guest_info(gdev);
	if (ret)
		goto err_free_requests;
	vbg_query_hypervisor_info(gdev);
	ret = vbg_host_apply_state(gdev);
	if (ret)
		goto err_stop_heartbeat;
	vbg_balloon_pressure_init(gdev);
	schedule_work(&gdev->balloon.work);
	set_bit(0, &gdev->host_watch);
	return 0;

err_stop_heartbeat:
	vbg_heartbeat_exit(gdev);
err_free_requests:
	vbg_free_fixed_requests(gdev);
	return ret;
}

/**
 * vbg_core_quiesce() - ask the host for no more interrupts.
 * @gdev: the device, no longer reachable from sessions or kernel users.
 *
 * Clears the host's event filter before the interrupt handler goes away,
 * so the host does not hold a shared line high with nobody to acknowledge.
 * Whatever it latches meanwhile is drained by the next probe.
 *
 * Context: process context (remove).
 */
void vbg_core_quiesce(struct vbg_dev *gdev)
{
	vbg_host_watch_stop(gdev);
	mutex_lock(&gdev->session_mutex);
	vbg_host_mask_send(gdev, &gdev->event_filter, 0);
	mutex_unlock(&gdev->session_mutex);
}

/*
 * What exit, shutdown and suspend stop: noticing host resets, the host's
 * interrupts (filter cleared), the mouse work and init's first balloon
 * look (or a later one), the heartbeat and the host's monitoring, and the
 * balloon (handed back).
 */
static void vbg_core_stop(struct vbg_dev *gdev)
{
	vbg_core_quiesce(gdev);
	cancel_work_sync(&gdev->mouse_work);
	cancel_work_sync(&gdev->balloon.work);
	vbg_heartbeat_exit(gdev);
	vbg_balloon_exit(gdev);
}

/**
 * vbg_core_cancel_event_work() - wait for the work the interrupt queued.
 * @gdev: the device; its interrupt handler is gone (or was never there).
 *
 * Cancels the mouse and balloon work items and waits for a running one to
 * finish; nothing queues them again.  The Linux glue calls this between
 * freeing the IRQ and removing the input device the mouse work reports to.
 *
 * Context: process context (remove, probe failure).
 */
void vbg_core_cancel_event_work(struct vbg_dev *gdev)
{
	cancel_work_sync(&gdev->mouse_work);
	cancel_work_sync(&gdev->balloon.work);
}

/**
 * vbg_core_exit() - undo vbg_core_init().
 * @gdev: the device; its interrupt must already be freed and its event
 *	work cancelled (vbg_core_cancel_event_work()).
 *
 * Stops what suspend stops (the host's filter cleared, the first balloon
 * look init queued cancelled, the heartbeat stopped, the balloon returned
 * to the guest), reports the driver inactive, resets capabilities and
 * mouse and frees the fixed requests: after the work items that use them
 * are gone.
 *
 * Context: process context (remove), no session can reach the host any
 * more (vbg_dev.removed is set).
 */
void vbg_core_exit(struct vbg_dev *gdev)
{
	vbg_core_stop(gdev);
	vbg_report_driver_status(gdev, false);

	mutex_lock(&gdev->session_mutex);
	vbg_host_mask_send(gdev, &gdev->guest_caps, 0);
	vbg_host_mask_send(gdev, &gdev->mouse_status, 0);
	mutex_unlock(&gdev->session_mutex);

	vbg_free_fixed_requests(gdev);
}

/**
 * vbg_session_requestor() - the requestor bits for a new user session.
 * @user_node: opened through /dev/vboxuser.
 * @root: the opener is root.
 * @vbox_group: the opener is in the VirtualBox users group.
 * @console: 1 on the physical console, 0 not, negative unknown.
 *
 * Context: any.
 * Return: VMMDEV_REQUESTOR_* bits.
 */
u32 vbg_session_requestor(bool user_node, bool root, bool vbox_group,
			  int console)
{
	u32 requestor = VMMDEV_REQUESTOR_USERMODE |
			VMMDEV_REQUESTOR_TRUST_NOT_GIVEN;

	requestor |= root ? VMMDEV_REQUESTOR_USR_ROOT : VMMDEV_REQUESTOR_USR_USER;
	if (user_node)
		requestor |= VMMDEV_REQUESTOR_USER_DEVICE;
	if (vbox_group)
		requestor |= VMMDEV_REQUESTOR_GRP_VBOX;
	if (console >= 0)
		requestor |= console ? VMMDEV_REQUESTOR_CON_YES :
				       VMMDEV_REQUESTOR_CON_NO;
	return requestor;
}

/**
 * vbg_core_open_session() - create a session for an opened node.
 * @gdev: the device.
 * @requestor: from vbg_session_requestor().
 * @user_session: opened through /dev/vboxuser.
 *
 * The session holds a reference on @gdev until vbg_core_close_session().
 *
 * Context: process context; takes session_mutex and event_spinlock.
 * Return: the session or ERR_PTR(-ENOMEM).
 */
struct vbg_session *vbg_core_open_session(struct vbg_dev *gdev,
					  u32 requestor, bool user_session)
{
	struct vbg_session *session;

	session = kzalloc(sizeof(*session), GFP_KERNEL);
	if (!session)
		return ERR_PTR(-ENOMEM);
	kref_get(&gdev->refcount);	/* dropped by the glue after close */
	*session = (struct vbg_session){
		.gdev = gdev,
		.user_session = user_session,
		.requestor = requestor,
	};

	guard(mutex)(&gdev->session_mutex);
	spin_lock_irq(&gdev->event_spinlock);
	list_add_tail(&session->node, &gdev->session_list);
	spin_unlock_irq(&gdev->event_spinlock);
	return session;
}

/*
 * Drop everything the session contributed to the trackers and update the
 * host (unless the device is gone).  A host failure does not stop the
 * cleanup: the session is going away whatever the host says.
 * Context: session_mutex held.
 */
static void vbg_session_release_state_locked(struct vbg_session *session)
{
	struct vbg_dev *gdev = session->gdev;
	u32 acquired = session->acquired_guest_caps;

	lockdep_assert_held(&gdev->session_mutex);
	vbg_host_mask_count_locked(&gdev->event_filter, session->event_filter, 0);
	vbg_host_mask_count_locked(&gdev->guest_caps, session->set_guest_caps, 0);
	vbg_host_mask_count_locked(&gdev->mouse_status, session->mouse_status, 0);

	spin_lock_irq(&gdev->event_spinlock);
	list_del(&session->node);
	gdev->guest_caps.extra &= ~acquired;
	spin_unlock_irq(&gdev->event_spinlock);

	if (READ_ONCE(gdev->removed))
		return;
	vbg_host_mask_sync_locked(gdev, &gdev->event_filter);
	vbg_host_mask_sync_locked(gdev, &gdev->guest_caps);
	vbg_host_mask_sync_locked(gdev, &gdev->mouse_status);
}

/*
 * HGCM client ids of a session.  A slot is 0 (free), a client id, or
 * VBG_HGCM_SLOT_BUSY while a connect or disconnect for it runs, so that
 * nobody else uses or frees the slot meanwhile.  Protected by
 * session_mutex.
 */
#define VBG_HGCM_SLOT_BUSY	U32_MAX

/* The slot holding @client_id, or -1.  Context: session_mutex held. */
static int vbg_session_client_slot_locked(struct vbg_session *session, u32 value)
{
	int i;

	lockdep_assert_held(&session->gdev->session_mutex);
	for (i = 0; i < ARRAY_SIZE(session->hgcm_client_ids); i++)
		if (session->hgcm_client_ids[i] == value)
			return i;
	return -1;
}

/*
 * Under session_mutex: put @to into slot @slot, or if @slot is negative
 * into the slot holding @from.  Returns the slot, or -1 if none holds
 * @from.  With @to == @from only a lookup.
 */
static int vbg_session_slot_set(struct vbg_session *session,
				int slot, u32 from, u32 to)
{
	struct vbg_dev *gdev = session->gdev;

	mutex_lock(&gdev->session_mutex);
	if (slot < 0)
		slot = vbg_session_client_slot_locked(session, from);
	if (slot >= 0)
		session->hgcm_client_ids[slot] = to;
	mutex_unlock(&gdev->session_mutex);
	return slot;
}

/* Does @session own @client_id (and is it not being disconnected)? */
static bool vbg_session_has_client(struct vbg_session *session,
				   u32 client_id)
{
	return client_id && client_id != VBG_HGCM_SLOT_BUSY &&
	       vbg_session_slot_set(session, -1, client_id, client_id) >= 0;
}

/*
 * Disconnect every client of a closing session.  Nobody else uses the
 * session any more; a session's calls have ended with their ioctls.
 * Uninterruptible (a killed process closes its files with a signal
 * pending) but bounded: all the disconnects share one deadline; those
 * past it are not sent (the host keeps such clients).  Each slot is
 * emptied under session_mutex just before its disconnect, as a host
 * reset (vbg_sessions_drop_clients()) empties them.
 */
static void vbg_session_disconnect_all(struct vbg_session *session)
{
	unsigned long deadline = vbg_hgcm_close_deadline();
	struct vbg_dev *gdev = session->gdev;
	int i, vbox_status;
	u32 id;

	for (i = 0; i < ARRAY_SIZE(session->hgcm_client_ids); i++) {
		mutex_lock(&gdev->session_mutex);
		id = session->hgcm_client_ids[i];
		session->hgcm_client_ids[i] = 0;
		mutex_unlock(&gdev->session_mutex);
		if (!id || id == VBG_HGCM_SLOT_BUSY || READ_ONCE(gdev->removed))
			continue;
		vbg_hgcm_do_disconnect(gdev, session->requestor, id,
				       &vbox_status, &deadline);
	}
}

/**
 * vbg_core_close_session() - tear down a session and free it.
 * @session: the session.
 *
 * The caller drops the session's device reference (vbg_put_gdev()) after
 * it has released remove_rwsem, which lives in the device.
 *
 * Context: process context; the caller holds remove_rwsem for reading.
 */
void vbg_core_close_session(struct vbg_session *session)
{
	struct vbg_dev *gdev = session->gdev;

	vbg_session_disconnect_all(session);
	mutex_lock(&gdev->session_mutex);
	vbg_session_release_state_locked(session);
	mutex_unlock(&gdev->session_mutex);
	kfree(session);
}

/*
 * Host resets and system sleep.
 *
 * A host that resets the device forgets the guest: its report, filter,
 * capabilities, mouse bits, facility status, heartbeat, balloon and HGCM
 * clients, and refuses every request but 4/50/58/218 with
 * VERR_NOT_SUPPORTED until ReportGuestInfo is accepted again
 * (vmmdev-spec.md section 10 and the appendix).  VirtualBox does that at
 * a VM reset; under QEMU the device is reset when the VM wakes from S3;
 * and a hibernation image is restored onto a device the boot kernel
 * reset.  The driver notices at run time through that refusal (the
 * heartbeat asks every interval), and after every system sleep by asking
 * (vbg_host_forgot_guest()); either way vbg_core_host_restore() tells
 * the host everything again from the driver's own state.
 */

/* Requests a host that knows the guest never refuses as "not supported". */
static bool vbg_req_needs_report(u32 type)
{
	switch (type) {
	case VMMDEVREQ_GET_MOUSE_STATUS:
	case VMMDEVREQ_SET_MOUSE_STATUS:
	case VMMDEVREQ_ACKNOWLEDGE_EVENTS:
	case VMMDEVREQ_CTL_GUEST_FILTER_MASK:
	case VMMDEVREQ_SET_GUEST_CAPABILITIES:
	case VMMDEVREQ_REPORT_GUEST_STATUS:
	case VMMDEVREQ_GET_MEMBALLOON_CHANGE_REQ:
	case VMMDEVREQ_CHANGE_MEMBALLOON:
	case VMMDEVREQ_GUEST_HEARTBEAT:
	case VMMDEVREQ_HEARTBEAT_CONFIGURE:
		return true;
	default:
		return false;
	}
}

/**
 * vbg_core_host_refused() - the host answered a request VERR_NOT_SUPPORTED.
 * @gdev: the device.
 * @req: the request.
 *
 * For a request only a host that forgot the guest refuses that way, queue
 * vbg_core_host_restore() once (until it has run).
 *
 * Context: any (vbg_req_submit(), also from the ISR).
 */
void vbg_core_host_refused(struct vbg_dev *gdev,
			   const struct vmmdev_request_header *req)
{
	if (vbg_req_needs_report(req->request_type) &&
	    test_and_clear_bit(0, &gdev->host_watch))
		schedule_work(&gdev->host_reset_work);
}

static void vbg_host_reset_work(struct work_struct *work)
{
	struct vbg_dev *gdev = container_of(work, struct vbg_dev,
					    host_reset_work);

	vbg_dev_warn(gdev, "the host forgot the guest (device reset); reporting again\n");
	vbg_core_host_restore(gdev->dev);
}

/* Stop noticing host resets and wait for a restore that runs. */
static void vbg_host_watch_stop(struct vbg_dev *gdev)
{
	clear_bit(0, &gdev->host_watch);
	cancel_work_sync(&gdev->host_reset_work);
}

/*
 * Does the host refuse what it only refuses before ReportGuestInfo?  Not
 * when the question cannot be asked (no memory): calling a host that
 * still knows the guest forgetful would free HGCM requests it may write.
 */
static bool vbg_host_forgot_guest(struct vbg_dev *gdev)
{
	struct vmmdev_mouse_status req = { .header.rc = VINF_SUCCESS };

	vbg_req_send(gdev, VMMDEVREQ_GET_MOUSE_STATUS, &req.header,
		     sizeof(req));
	return req.header.rc == VERR_NOT_SUPPORTED;
}

/*
 * The host dropped every HGCM client: forget them in the sessions too, so
 * that a stale id can never reach a client another session gets from the
 * host later.  Slots of a connect or disconnect in flight are left to it.
 */
static void vbg_sessions_drop_clients(struct vbg_dev *gdev)
{
	struct vbg_session *session;
	int i;

	mutex_lock(&gdev->session_mutex);
	list_for_each_entry(session, &gdev->session_list, node)
		for (i = 0; i < ARRAY_SIZE(session->hgcm_client_ids); i++)
			if (session->hgcm_client_ids[i] != VBG_HGCM_SLOT_BUSY)
				session->hgcm_client_ids[i] = 0;
	mutex_unlock(&gdev->session_mutex);
}

/*
 * Give the host the balloon's chunks again after it forgot them.  A host
 * that still had a chunk refuses it (already ballooned), which leaves it
 * where it is: with the host.
 */
static void vbg_balloon_regive(struct vbg_dev *gdev)
{
	struct vbg_balloon *b = &gdev->balloon;
	struct vbg_balloon_chunk *chunk;
	u32 refused = 0;

	mutex_lock(&b->mutex);
	list_for_each_entry(chunk, &b->chunks, node)
		if (vbg_balloon_change(gdev, chunk, true))
			refused++;
	mutex_unlock(&b->mutex);
	if (refused)
		vbg_dev_info(gdev, "the host kept %u balloon chunks\n", refused);
}

/**
 * vbg_core_host_restore() - tell the host everything it may have forgotten.
 * @dev: the device's struct device (its drvdata the struct vbg_dev).
 *
 * If the host forgot the guest, ends the HGCM requests it dropped (their
 * waiters return -ECONNRESET) and the sessions' clients and reports guest
 * info 2 and guest info again.  Then the sessions' filter, capabilities
 * and mouse bits, the heartbeat and the driver facility, gives the
 * balloon's chunks back to a host that forgot them and looks at the
 * balloon target.  Harmless on a host that remembers.  Runs after a host
 * reset is noticed and at every resume, thaw and restore.
 *
 * The PM callback of resume, thaw and restore: if the host did not take
 * the report again, that is logged and the next refusal tries again; the
 * sessions stay usable meanwhile.
 *
 * Context: process context; not with remove_rwsem or session_mutex held.
 * Return: 0.
 */
int vbg_core_host_restore(struct device *dev)
{
	struct vbg_dev *gdev = dev_get_drvdata(dev);
	unsigned int noio;
	bool forgot;
	int ret = 0;

	/*
	 * No HGCM request reaches the host between the check and the report.
	 * No I/O from reclaim meanwhile: writeback through vboxsf would wait
	 * for the lock held here.
	 */
	down_write(&gdev->hgcm_submit_rwsem);
	noio = memalloc_noio_save();
	forgot = vbg_host_forgot_guest(gdev);
	if (forgot) {
		/*
		 * Clients first: a waiter woken below may call again at once
		 * and must find its client gone (-EINVAL), not a stale id.
		 */
		vbg_sessions_drop_clients(gdev);
		vbg_hgcm_drop_all(gdev);
		/* Only then: ReportGuestInfo lowers an asserted interrupt. */
		ret = vbg_report_guest_info(gdev);
	}
	memalloc_noio_restore(noio);
	up_write(&gdev->hgcm_submit_rwsem);
	if (!ret)
		ret = vbg_host_apply_state(gdev);
	if (forgot)
		vbg_balloon_regive(gdev);
	schedule_work(&gdev->balloon.work);
	set_bit(0, &gdev->host_watch);
	if (ret)
		vbg_dev_err(gdev, "reporting to the host again failed: %d\n", ret);
	else if (forgot)
		vbg_dev_info(gdev, "host state restored\n");
	return 0;
}

/**
 * vbg_core_suspend() - quiesce before system sleep (suspend, hibernation).
 * @dev: the device's struct device (its drvdata the struct vbg_dev).
 *
 * Stops noticing host resets, asks the host for no more interrupts,
 * stops the heartbeat and the host's monitoring, finishes the mouse and
 * balloon work and hands the balloon back (an image may wake up on a host
 * that never had it).  Sessions stay; vbg_core_host_restore() brings the
 * rest back.
 *
 * Context: process context (the PM callbacks).
 * Return: 0.
 */
int vbg_core_suspend(struct device *dev)
{
	vbg_core_stop(dev_get_drvdata(dev));
	return 0;
}

/**
 * vbg_core_shutdown() - leave the host as a removal would (reboot, kexec).
 * @pci: the device, still bound.
 *
 * What suspend does (the host's event filter cleared, so the line stays
 * low for whatever runs next, a kexec'd kernel included; the heartbeat
 * and the host's monitoring stopped, the balloon handed back), and the
 * driver reported inactive.  Sessions are left alone: the system is
 * going down.
 *
 * Context: process context (the PCI .shutdown callback).
 */
void vbg_core_shutdown(struct pci_dev *pci)
{
	vbg_core_suspend(&pci->dev);
	vbg_report_driver_status(pci_get_drvdata(pci), false);
}

/*
 * Hand @events to the sessions.  An event of a capability in acquire mode
 * goes to its owner only (or waits for the next owner); other events go to
 * every session whose filter, or the default set, includes them.
 * Context: event_spinlock held.
 */
static void vbg_dispatch_events_locked(struct vbg_dev *gdev, u32 events)
{
	u32 owned = vbg_caps_to_events(gdev->acquire_mode_guest_caps) & events;
	u32 delivered = 0;
	struct vbg_session *session;

	lockdep_assert_held(&gdev->event_spinlock);
	list_for_each_entry(session, &gdev->session_list, node) {
		u32 want = session->event_filter | VBG_SESSION_DEFAULT_EVENTS;
		u32 mine = vbg_caps_to_events(session->acquired_guest_caps);

		want &= events & (~owned | mine);
		session->pending_events |= want;
		delivered |= want;
	}
	trace_vbg_events(events, delivered);
	owned &= ~vbg_caps_to_events(gdev->guest_caps.extra);
	gdev->unowned_events |= owned;
	delivered |= owned | VMMDEV_EVENT_HGCM;
	if (events & ~delivered)
		atomic64_add(hweight32(events & ~delivered),
			     &gdev->stats[VBG_STAT_EVENTS_DROPPED]);
}

/**
 * vbg_core_drain_events() - acknowledge the host's events, hand them out.
 * @gdev: the device.
 *
 * The interrupt handler's work once the interrupt is ours, and once at
 * probe for the events the host latched before the handler was there:
 * ReportGuestInfo lowers the interrupt even when filtered events are
 * still pending (for instance left over from a previous driver instance),
 * and the host raises it again only after an acknowledge.  Acknowledging
 * once after the handler is installed breaks that deadlock.
 *
 * Context: hard interrupt, or process context with the device's interrupt
 * disabled (disable_irq()), so that this does not race with vbg_core_isr()
 * for the acknowledge request.
 */
void vbg_core_drain_events(struct vbg_dev *gdev)
{
	unsigned long flags;
	u32 events;

	events = vbg_req_ack_events(gdev) & VMMDEV_EVENT_VALID_EVENT_MASK;
	if (!events)
		return;
	atomic64_add(hweight32(events), &gdev->stats[VBG_STAT_EVENTS]);

	if (events & VMMDEV_EVENT_MOUSE_POSITION_CHANGED)
		schedule_work(&gdev->mouse_work);
	if (events & VMMDEV_EVENT_BALLOON_CHANGE_REQUEST)
		schedule_work(&gdev->balloon.work);
	if (events & VMMDEV_EVENT_HGCM)
		vbg_hgcm_end_waits(gdev, VBG_HGCM_END_DONE);

	spin_lock_irqsave(&gdev->event_spinlock, flags);
	vbg_dispatch_events_locked(gdev, events);
	spin_unlock_irqrestore(&gdev->event_spinlock, flags);
	wake_up_all(&gdev->event_wq);
}

/**
 * vbg_core_isr() - the interrupt handler.
 * @irq: the interrupt line (shared).
 * @dev_id: the struct vbg_dev.
 *
 * Checks whether the host raised the interrupt, acknowledges the events,
 * hands them to the sessions and defers the rest: mouse and balloon work
 * items, HGCM waiters.
 *
 * Context: hard interrupt.
 * Return: IRQ_NONE if the interrupt was not ours, else IRQ_HANDLED.
 */
irqreturn_t vbg_core_isr(int irq, void *dev_id)
{
	struct vbg_dev *gdev = dev_id;

	if (!vbg_host_has_events(gdev)) {
		atomic64_inc(&gdev->stats[VBG_STAT_IRQS_NOT_OURS]);
		return IRQ_NONE;
	}
	atomic64_inc(&gdev->stats[VBG_STAT_IRQS]);
	vbg_core_drain_events(gdev);
	return IRQ_HANDLED;
}

/* ioctls whose size is part of the code: match type, nr and direction. */
static bool vbg_ioctl_is(unsigned int cmd, unsigned int nr, bool any_dir)
{
	if (_IOC_TYPE(cmd) != 'V' || _IOC_NR(cmd) != nr)
		return false;
	return any_dir ? (_IOC_DIR(cmd) == _IOC_NONE ||
			  _IOC_DIR(cmd) == (_IOC_READ | _IOC_WRITE)) :
			 _IOC_DIR(cmd) == (_IOC_READ | _IOC_WRITE);
}

/* VBG_IOCTL_VMMDEV_REQUEST(_BIG): the header is a VMMDev request header. */
static bool vbg_ioctl_is_vmmrequest(unsigned int cmd)
{
	return vbg_ioctl_is(cmd, _IOC_NR(VBG_IOCTL_VMMDEV_REQUEST(0)), false) ||
	       vbg_ioctl_is(cmd, _IOC_NR(VBG_IOCTL_VMMDEV_REQUEST_BIG), true);
}

/**
 * vbg_ioctl_check_header() - validate the common header of an ioctl.
 * @cmd: the ioctl code.
 * @hdr: the header as copied from the caller.
 * @size: out: bytes the ioctl reads and writes (max of in and out).
 *
 * The one place that checks version, type, the reserved word, sizes
 * against each other, against _IOC_SIZE(@cmd) and against the size cap.
 * The uapi header asks for type VBG_IOCTL_HDR_TYPE_DEFAULT and a zero
 * reserved word; the raw request is the exception: there the header is
 * the VMMDev request's, type its request type and the reserved word its
 * requestor field, which vbg_ioctl_vmmrequest() overwrites.  The
 * reference driver refuses another type too, but accepts any reserved
 * word; we refuse it, so the word can be given a meaning later without
 * old callers' garbage in it.
 *
 * Context: any.
 * Return: 0, -EINVAL or -E2BIG.
 */
int vbg_ioctl_check_header(unsigned int cmd, const struct vbg_ioctl_hdr *hdr,
			   size_t *size)
{
	u32 size_out = hdr->size_out ? hdr->size_out : hdr->size_in;

	if (hdr->version != VBG_IOCTL_HDR_VERSION)
		return -EINVAL;
	if (!vbg_ioctl_is_vmmrequest(cmd) &&
	    (hdr->type != VBG_IOCTL_HDR_TYPE_DEFAULT || hdr->reserved))
		return -EINVAL;
	if (hdr->size_in < sizeof(*hdr) || size_out < sizeof(*hdr))
		return -EINVAL;
	*size = max(hdr->size_in, size_out);
	if (*size > VBG_IOCTL_MAX_SIZE)
		return -E2BIG;
	if (_IOC_SIZE(cmd) && _IOC_SIZE(cmd) != *size)
		return -EINVAL;
	return 0;
}

/*
 * The shape check every handler starts with: @in bytes after the header
 * in, @out bytes after the header out (size_out 0 = size_in, allowed when
 * that is at least as large).
 */
static int vbg_ioctl_check_sizes(struct vbg_ioctl_hdr *hdr, size_t in, size_t out)
{
	if (hdr->size_in != sizeof(*hdr) + in)
		return -EINVAL;
	if (hdr->size_out ? hdr->size_out != sizeof(*hdr) + out :
			    hdr->size_in < sizeof(*hdr) + out)
		return -EINVAL;
	return 0;
}

/* Bytes after the header in and out of an ioctl structure. */
#define VBG_IN(type)	sizeof_field(struct type, u.in)
#define VBG_OUT(type)	sizeof_field(struct type, u.out)

/*
 * The ioctls whose code is fixed: bytes after the header in and out, for
 * vbg_ioctl_check_sizes() before their handler runs.
 */
static const struct {
	u32 cmd;
	u16 in;
	u16 out;
} vbg_ioctl_shapes[] = {
	{ VBG_IOCTL_DRIVER_VERSION_INFO, VBG_IN(vbg_ioctl_driver_version_info),
	  VBG_OUT(vbg_ioctl_driver_version_info) },
	{ VBG_IOCTL_WAIT_FOR_EVENTS, VBG_IN(vbg_ioctl_wait_for_events),
	  VBG_OUT(vbg_ioctl_wait_for_events) },
	{ VBG_IOCTL_INTERRUPT_ALL_WAIT_FOR_EVENTS, 0, 0 },
	{ VBG_IOCTL_CHANGE_FILTER_MASK, VBG_IN(vbg_ioctl_change_filter), 0 },
	{ VBG_IOCTL_CHANGE_GUEST_CAPABILITIES, VBG_IN(vbg_ioctl_set_guest_caps),
	  VBG_OUT(vbg_ioctl_set_guest_caps) },
	{ VBG_IOCTL_SET_MOUSE_STATUS, VBG_IN(vbg_ioctl_set_mouse_status), 0 },
	{ VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES,
	  VBG_IN(vbg_ioctl_acquire_guest_caps), 0 },
	{ VBG_IOCTL_CHECK_BALLOON, 0, VBG_OUT(vbg_ioctl_check_balloon) },
	{ VBG_IOCTL_WRITE_CORE_DUMP, VBG_IN(vbg_ioctl_write_coredump), 0 },
	{ VBG_IOCTL_HGCM_CONNECT, VBG_IN(vbg_ioctl_hgcm_connect),
	  VBG_OUT(vbg_ioctl_hgcm_connect) },
	{ VBG_IOCTL_HGCM_DISCONNECT, VBG_IN(vbg_ioctl_hgcm_disconnect), 0 },
};

/*
 * The result of a filter, capability, acquire or mouse change.  A host
 * refusal fails the ioctl with the errno of the host's status
 * (vbg_req_submit()), and -EBUSY a conflict with another session: the
 * header is then not copied back, so hdr.rc only ever says success.
 * The uapi header describes hdr.rc as the status of the operation, which
 * would allow returning 0 with the VBox status there instead; the
 * reference driver fails the ioctl (measured with a host refusing 42 and
 * 56), which is what VirtualBox's userspace meets there; we do the same.
 */
static int vbg_ioctl_host_result(struct vbg_ioctl_hdr *hdr, int ret)
{
	if (!ret)
		hdr->rc = VINF_SUCCESS;
	return ret;
}

static int vbg_ioctl_driver_version_info(struct vbg_session *session,
					 struct vbg_ioctl_hdr *hdr)
{
	struct vbg_ioctl_driver_version_info *info =
		container_of(hdr, struct vbg_ioctl_driver_version_info, hdr);
	u32 req_major = info->u.in.req_version >> 16;
	u32 min_version = info->u.in.min_version;

	if (req_major != VBG_IOC_VERSION >> 16 ||
	    min_version >> 16 != VBG_IOC_VERSION >> 16 ||
	    min_version > VBG_IOC_VERSION) {
		info->hdr.rc = VERR_VERSION_MISMATCH;
		return 0;
	}
	memset(&info->u.out, 0, sizeof(info->u.out));
	info->u.out.session_version = VBG_IOC_VERSION;
	info->u.out.driver_version = VBG_IOC_VERSION;
	info->u.out.driver_revision = VBG_SVN_REV;
	info->hdr.rc = VINF_SUCCESS;
	return 0;
}

/*
 * Who may send a raw request (VBG_IOCTL_VMMDEV_REQUEST) of a type.  The
 * driver's own types (guest info, event acknowledge and filter,
 * capabilities, balloon, heartbeat, HGCM, ...) are refused: letting
 * userspace send them would desynchronise the driver.  That includes the
 * legacy ReportGuestCapabilities (55) on both nodes: it replaces the
 * host's whole capability set (value | GRAPHICS) behind the set and
 * acquire trackers, which would then report and restore a set the host no
 * longer has.  No current VirtualBox userspace sends it (they use the
 * capability ioctls); mapping it onto the trackers would give one
 * session's report the power to drop other sessions' capabilities, which
 * is what the trackers exist to stop.
 */
enum vbg_raw_sender {
	VBG_RAW_DRIVER,		/* nobody: the driver's own business */
	VBG_RAW_ANY,		/* either node */
	VBG_RAW_VBOXGUEST,	/* only through the trusted /dev/vboxguest */
	VBG_RAW_STATUS,		/* either node, vbg_guest_status_allowed() */
};

/**
 * struct vbg_raw_rule - what the driver knows of a request type.
 * @type: enum vmmdev_request_type.
 * @sender: enum vbg_raw_sender.
 * @min_size: its smallest valid size (spec 5.1).
 */
struct vbg_raw_rule {
	u8 type;
	u8 sender;
	u16 min_size;
};

/* Every request type the host knows; types not listed are refused. */
static const struct vbg_raw_rule vbg_raw_rules[] = {
	{ 1, VBG_RAW_ANY, 36 }, { 2, VBG_RAW_ANY, 36 }, { 3, VBG_RAW_ANY, 48 },
	{ 4, VBG_RAW_ANY, 40 }, { 5, VBG_RAW_ANY, 24 }, { 10, VBG_RAW_ANY, 32 },
	{ 20, VBG_RAW_DRIVER, 32 }, { 21, VBG_RAW_DRIVER, 32 },
	{ 22, VBG_RAW_DRIVER, 36 }, { 23, VBG_RAW_DRIVER, 36 },
	{ 30, VBG_RAW_ANY, 32 }, { 41, VBG_RAW_DRIVER, 28 },
	{ 42, VBG_RAW_DRIVER, 32 }, { 50, VBG_RAW_DRIVER, 32 },
	{ 51, VBG_RAW_ANY, 40 }, { 52, VBG_RAW_ANY, 40 },
	{ 53, VBG_RAW_ANY, 28 }, { 54, VBG_RAW_ANY, 44 },
	{ 55, VBG_RAW_DRIVER, 28 }, { 56, VBG_RAW_DRIVER, 32 },
	{ 57, VBG_RAW_ANY, 44 }, { 58, VBG_RAW_DRIVER, 168 },
	{ 59, VBG_RAW_STATUS, 36 }, { 60, VBG_RAW_DRIVER, 168 },
	{ 61, VBG_RAW_DRIVER, 36 }, { 62, VBG_RAW_DRIVER, 44 },
	{ 63, VBG_RAW_DRIVER, 44 }, { 64, VBG_RAW_DRIVER, 32 },
	{ 65, VBG_RAW_DRIVER, 28 }, { 70, VBG_RAW_ANY, 36 },
	{ 71, VBG_RAW_ANY, 24 }, { 72, VBG_RAW_ANY, 28 },
	{ 73, VBG_RAW_ANY, 32 }, { 74, VBG_RAW_VBOXGUEST, 44 },
	{ 80, VBG_RAW_ANY, 56 }, { 81, VBG_RAW_ANY, 32 },
	{ 100, VBG_RAW_VBOXGUEST, 412 }, { 101, VBG_RAW_VBOXGUEST, 412 },
	{ 110, VBG_RAW_VBOXGUEST, 100 }, { 111, VBG_RAW_DRIVER, 36 },
	{ 112, VBG_RAW_VBOXGUEST, 32 }, { 113, VBG_RAW_DRIVER, 2080 },
	{ 150, VBG_RAW_ANY, 32 }, { 200, VBG_RAW_ANY, 28 },
	{ 210, VBG_RAW_VBOXGUEST, 36 }, { 211, VBG_RAW_VBOXGUEST, 28 },
	{ 212, VBG_RAW_VBOXGUEST, 208 }, { 213, VBG_RAW_VBOXGUEST, 184 },
	{ 214, VBG_RAW_VBOXGUEST, 24 }, { 215, VBG_RAW_VBOXGUEST, 28 },
	{ 216, VBG_RAW_VBOXGUEST, 44 }, { 217, VBG_RAW_ANY, 32 },
	{ 218, VBG_RAW_VBOXGUEST, 28 }, { 219, VBG_RAW_DRIVER, 24 },
	{ 220, VBG_RAW_DRIVER, 36 }, { 221, VBG_RAW_DRIVER, 24 },
	{ 222, VBG_RAW_ANY, 28 }, { 223, VBG_RAW_DRIVER, 48 },
};

/* The rule for @type, or NULL for a number that is no request type. */
static const struct vbg_raw_rule *vbg_raw_rule(u32 type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vbg_raw_rules); i++)
		if (vbg_raw_rules[i].type == type)
			return &vbg_raw_rules[i];
	return NULL;
}

/*
 * ReportGuestStatus from userspace: any facility but the driver's own
 * (20), which the driver reports active at probe and inactive at remove,
 * and "all facilities" (0x7ffffffe), which would overwrite it too
 * (vmmdev-spec.md 5.3).  @hdr is at least the rule's size long.
 */
static bool vbg_guest_status_allowed(const struct vbg_ioctl_hdr *hdr)
{
	const struct vmmdev_guest_status *req = (const void *)hdr;

	return req->facility != VBOXGUEST_FACILITY_TYPE_VBOXGUEST_DRIVER &&
	       req->facility != VBOXGUEST_FACILITY_TYPE_ALL;
}

/* May @session send the raw request @hdr, whose type has @rule? */
static bool vbg_raw_allowed(const struct vbg_session *session,
			    const struct vbg_raw_rule *rule,
			    const struct vbg_ioctl_hdr *hdr)
{
	switch (rule ? rule->sender : VBG_RAW_DRIVER) {
	case VBG_RAW_ANY:
		return true;
	case VBG_RAW_VBOXGUEST:
		return !session->user_session;
	case VBG_RAW_STATUS:
		return vbg_guest_status_allowed(hdr);
	default:
		return false;
	}
}

/*
 * VBG_IOCTL_VMMDEV_REQUEST(_BIG): pass a raw request to the host.  The
 * ioctl header is the request header; the session's requestor is forced
 * in and the reserved field zeroed, so userspace cannot spoof either.
 */
static int vbg_ioctl_vmmrequest(struct vbg_dev *gdev,
				struct vbg_session *session, void *data)
{
	struct vbg_ioctl_hdr *hdr = data;
	const struct vbg_raw_rule *rule = vbg_raw_rule(hdr->type);
	size_t len = hdr->size_in;
	int ret;

	if (hdr->size_out && hdr->size_out != hdr->size_in)
		return -EINVAL;
	if (len > VMMDEV_MAX_REQUEST_SIZE)
		return -E2BIG;
	if (hdr->type == VMMDEVREQ_INVALID_REQUEST ||
	    (rule && len < rule->min_size))
		return -EINVAL;		/* unknown types: the rules say no */
	if (hdr->type == VMMDEVREQ_SET_MOUSE_STATUS &&
	    len == sizeof(struct vmmdev_mouse_status))
		return -EPERM;	/* must go through VBG_IOCTL_SET_MOUSE_STATUS */
	if (!vbg_raw_allowed(session, rule, hdr)) {
		dev_dbg_ratelimited(gdev->dev, "request type %u refused (%s)\n",
				    hdr->type, session->user_session ? "vboxuser" : "vboxguest");
		return -EPERM;
	}

	/* The answer's header puts the size back: then it reached the host. */
	hdr->size_in = 0;
	ret = vbg_req_send_as(gdev, session->requestor, hdr->type, data, len);
	if (!hdr->size_in)
		return ret;
	/* A host error is reported in hdr->rc; the transport succeeded. */
	hdr->size_out = 0;
	hdr->reserved = 0;
	return 0;
}

/*
 * VBG_IOCTL_LOG: print a line for userspace, rate-limited.  The text is
 * the rest of the buffer after the header (msg[1] is only a placeholder),
 * cut at the first NUL and at VBG_LOG_MAX bytes.
 */
static int vbg_ioctl_log(struct vbg_dev *gdev, struct vbg_session *session,
			 struct vbg_ioctl_hdr *hdr)
{
	/* Users have their own limit: they cannot silence the host's. */
	static DEFINE_RATELIMIT_STATE(rs, DEFAULT_RATELIMIT_INTERVAL,
				      DEFAULT_RATELIMIT_BURST);
	const char *msg = (const char *)hdr + sizeof(*hdr);
	size_t len = hdr->size_in - sizeof(*hdr);

	if (hdr->size_out && hdr->size_out != sizeof(*hdr) &&
	    hdr->size_out != hdr->size_in)
		return -EINVAL;
	len = strnlen(msg, min_t(size_t, len, VBG_LOG_MAX));
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	if (__ratelimit(&rs))
		vbg_dev_info(gdev, "log: %.*s\n", (int)len, msg);
	hdr->rc = VINF_SUCCESS;
	return 0;
}

/* The wait condition: true once there is something to return. */
static bool vbg_wait_done(struct vbg_dev *gdev, struct vbg_session *session,
			  u32 mask, u32 *events, int *ret)
{
	unsigned long flags;
	u32 got = 0;
	int err = 0;

	spin_lock_irqsave(&gdev->event_spinlock, flags);
	if (gdev->removed)
		err = -ENODEV;
	else if (session->cancel_waiters)
		err = -EINTR;
	else
		got = session->pending_events & mask;
	session->pending_events &= ~got;
	spin_unlock_irqrestore(&gdev->event_spinlock, flags);
	*events = got;
	*ret = err;
	return err || got;
}

/*
 * VBG_IOCTL_WAIT_FOR_EVENTS: wait until one of the requested events was
 * delivered to this session.  Each event is taken by exactly one wait of
 * the session: it is cleared from the session's pending set under the
 * lock in the same step that returns it.
 */
static int vbg_ioctl_wait_for_events(struct vbg_session *session,
				     struct vbg_ioctl_hdr *hdr)
{
	struct vbg_ioctl_wait_for_events *wait =
		container_of(hdr, struct vbg_ioctl_wait_for_events, hdr);
	struct vbg_dev *gdev = session->gdev;
	u32 mask = wait->u.in.events & VMMDEV_EVENT_VALID_EVENT_MASK;
	u32 timeout_ms = wait->u.in.timeout_ms;
	long timeout, left;
	u32 events = 0;
	int ret;

	if (wait->u.in.events & ~VMMDEV_EVENT_VALID_EVENT_MASK)
		return -EINVAL;

	timeout = timeout_ms == U32_MAX ? MAX_SCHEDULE_TIMEOUT :
					  msecs_to_jiffies(timeout_ms);
	left = wait_event_interruptible_timeout(gdev->event_wq,
						vbg_wait_done(gdev, session, mask,
							      &events, &ret),
						timeout);
	/*
	 * A signal that runs a handler ends the wait with EINTR; the
	 * freezer's (system sleep) and a stop/continue restart it, so a
	 * waiting session is not lost across a suspend (with its whole
	 * timeout again).  The macro looks at the condition once more when
	 * the time is up, so 0 means there was nothing.
	 */
	if (left < 0)
		return -ERESTARTNOHAND;
	if (left == 0)
		return -ETIMEDOUT;
	if (ret)
		return ret;
	wait->u.out.events = events;
	wait->hdr.rc = VINF_SUCCESS;
	return 0;
}

/* VBG_IOCTL_INTERRUPT_ALL_WAIT_FOR_EVENTS. */
static int vbg_ioctl_interrupt_all_wait_events(struct vbg_session *session,
					       struct vbg_ioctl_hdr *hdr)
{
	struct vbg_dev *gdev = session->gdev;

	spin_lock_irq(&gdev->event_spinlock);
	session->cancel_waiters = true;
	spin_unlock_irq(&gdev->event_spinlock);
	wake_up_all(&gdev->event_wq);
	hdr->rc = VINF_SUCCESS;
	return 0;
}

/*
 * The filter, "set" capability and mouse ioctls: the session's bits of
 * @m become (*@bits | @or_mask) & ~@not_mask, both masks within @valid.
 * A capability in acquire mode cannot be used in "set" mode (-EBUSY).
 */
static int vbg_ioctl_change_mask(struct vbg_dev *gdev, struct vbg_ioctl_hdr *hdr,
				 struct vbg_host_mask *m, u32 *bits,
				 u32 or_mask, u32 not_mask, u32 valid)
{
	if ((or_mask | not_mask) & ~valid)
		return -EINVAL;
	guard(mutex)(&gdev->session_mutex);
	if (m == &gdev->guest_caps && (or_mask & gdev->acquire_mode_guest_caps))
		return -EBUSY;
	return vbg_ioctl_host_result(hdr,
		vbg_host_mask_change_locked(gdev, m, bits,
					    (*bits | or_mask) & ~not_mask));
}

/* Hand the events that waited for an owner of @gained to @session. */
static void vbg_give_unowned_events(struct vbg_dev *gdev,
				    struct vbg_session *session, u32 gained)
{
	u32 events;

	spin_lock_irq(&gdev->event_spinlock);
	events = gdev->unowned_events & vbg_caps_to_events(gained);
	gdev->unowned_events &= ~events;
	session->pending_events |= events;
	spin_unlock_irq(&gdev->event_spinlock);
	if (gained)
		wake_up_all(&gdev->event_wq);
}

/*
 * Acquire-mode capabilities: with VBGL_IOC_AGC_FLAGS_CONFIG_ACQUIRE_MODE
 * only switch @or_mask to acquire mode, else make @session the owner of
 * @or_mask and give up @not_mask.  Capabilities a session uses in "set"
 * mode cannot switch; one another session owns cannot be taken (-EBUSY).
 * Context: session_mutex held.
 */
static int vbg_guest_caps_acquire_locked(struct vbg_dev *gdev,
					 struct vbg_session *session,
					 u32 flags, u32 or_mask, u32 not_mask)
{
	u32 mine = session->acquired_guest_caps;
	u32 others = gdev->guest_caps.extra & ~mine;
	u32 want = (mine | or_mask) & ~not_mask;
	int ret;

	lockdep_assert_held(&gdev->session_mutex);
	if (or_mask & gdev->guest_caps.sessions)
		return -EBUSY;		/* in use in "set" mode */
	if (flags & VBGL_IOC_AGC_FLAGS_CONFIG_ACQUIRE_MODE) {
		spin_lock_irq(&gdev->event_spinlock);
		gdev->acquire_mode_guest_caps |= or_mask;
		spin_unlock_irq(&gdev->event_spinlock);
		return 0;
	}
	if (want & others)
		return -EBUSY;		/* another session owns it */

	spin_lock_irq(&gdev->event_spinlock);
	gdev->acquire_mode_guest_caps |= or_mask;
	gdev->guest_caps.extra = others | want;
	session->acquired_guest_caps = want;
	spin_unlock_irq(&gdev->event_spinlock);

	ret = vbg_host_mask_sync_locked(gdev, &gdev->guest_caps);
	if (!ret) {
		vbg_give_unowned_events(gdev, session, want & ~mine);
		return 0;
	}
	spin_lock_irq(&gdev->event_spinlock);
	gdev->guest_caps.extra = others | mine;
	session->acquired_guest_caps = mine;
	spin_unlock_irq(&gdev->event_spinlock);
	return ret;
}

/* VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES: exclusive capabilities, one owner. */
static int vbg_ioctl_acquire_guest_capabilities(struct vbg_session *session,
						struct vbg_ioctl_hdr *hdr)
{
	struct vbg_ioctl_acquire_guest_caps *caps =
		container_of(hdr, struct vbg_ioctl_acquire_guest_caps, hdr);
	struct vbg_dev *gdev = session->gdev;
	u32 caps_in = caps->u.in.or_mask | caps->u.in.not_mask;

	if ((caps->u.in.flags & ~VBGL_IOC_AGC_FLAGS_VALID_MASK) ||
	    (caps_in & ~VMMDEV_GUEST_CAPABILITIES_MASK))
		return -EINVAL;
	guard(mutex)(&gdev->session_mutex);
	return vbg_ioctl_host_result(&caps->hdr,
		vbg_guest_caps_acquire_locked(gdev, session, caps->u.in.flags,
					      caps->u.in.or_mask,
					      caps->u.in.not_mask));
}

/*
 * VBG_IOCTL_CHANGE_FILTER_MASK, VBG_IOCTL_CHANGE_GUEST_CAPABILITIES
 * (shared, "set" mode capabilities; answers the session's and the host's
 * set) and VBG_IOCTL_SET_MOUSE_STATUS (this session's guest mouse bits).
 */
static int vbg_ioctl_set_mask(struct vbg_session *session, unsigned int cmd,
			      struct vbg_ioctl_hdr *hdr)
{
	struct vbg_ioctl_change_filter *filter =
		container_of(hdr, struct vbg_ioctl_change_filter, hdr);
	struct vbg_ioctl_set_guest_caps *caps =
		container_of(hdr, struct vbg_ioctl_set_guest_caps, hdr);
	struct vbg_ioctl_set_mouse_status *mouse =
		container_of(hdr, struct vbg_ioctl_set_mouse_status, hdr);
	struct vbg_dev *gdev = session->gdev;
	struct vbg_host_mask *m = &gdev->event_filter;
	u32 *bits = &session->event_filter;
	u32 valid = VMMDEV_EVENT_VALID_EVENT_MASK;
	bool out = false;
	u32 or_mask, not_mask;
	int ret;

	if (cmd == VBG_IOCTL_SET_MOUSE_STATUS) {
		m = &gdev->mouse_status;
		bits = &session->mouse_status;
		valid = VMMDEV_MOUSE_GUEST_MASK;
		or_mask = mouse->u.in.mouse_status;
		not_mask = valid & ~or_mask;
	} else {
		if (cmd == VBG_IOCTL_CHANGE_GUEST_CAPABILITIES) {
			m = &gdev->guest_caps;
			bits = &session->set_guest_caps;
			valid = VMMDEV_GUEST_CAPABILITIES_MASK;
			out = true;
		}
		/* The filter's and the capabilities' input are alike. */
		BUILD_BUG_ON(offsetof(struct vbg_ioctl_change_filter, u.in.not_mask) !=
			     offsetof(struct vbg_ioctl_set_guest_caps, u.in.not_mask));
		or_mask = filter->u.in.or_mask;
		not_mask = filter->u.in.not_mask;
	}
	ret = vbg_ioctl_change_mask(gdev, hdr, m, bits, or_mask, not_mask, valid);
	if (ret || !out)
		return ret;
	guard(mutex)(&gdev->session_mutex);
	caps->u.out.session_caps = session->set_guest_caps;
	caps->u.out.global_caps = gdev->guest_caps.host;
	return 0;
}

/* VBG_IOCTL_CHECK_BALLOON: move the balloon to the host's target now. */
static int vbg_ioctl_check_balloon(struct vbg_session *session,
				   struct vbg_ioctl_hdr *hdr)
{
	struct vbg_ioctl_check_balloon *balloon =
		container_of(hdr, struct vbg_ioctl_check_balloon, hdr);
	struct vbg_dev *gdev = session->gdev;
	int ret;

	ret = vbg_balloon_update(gdev);
	if (ret < 0)
		return ret;
	memset(&balloon->u.out, 0, sizeof(balloon->u.out));
	balloon->u.out.balloon_chunks = ret;
	balloon->u.out.handle_in_r3 = false;
	balloon->hdr.rc = VINF_SUCCESS;
	return 0;
}

/* VBG_IOCTL_WRITE_CORE_DUMP: ask the host for a core dump of the VM. */
static int vbg_ioctl_write_core_dump(struct vbg_session *session,
				     struct vbg_ioctl_hdr *hdr)
{
	struct vbg_ioctl_write_coredump *dump =
		container_of(hdr, struct vbg_ioctl_write_coredump, hdr);
	struct vbg_dev *gdev = session->gdev;
	struct vmmdev_write_core_dump req = {};
	int ret;

	if (dump->u.in.flags)
		return -EINVAL;

	ret = vbg_req_send_as(gdev, session->requestor, VMMDEVREQ_WRITE_COREDUMP,
			      &req.header, sizeof(req));
	if (!req.header.size)
		return ret;		/* it never reached the host */
	dump->hdr.rc = req.header.rc;	/* the host's verdict */
	return 0;
}

/*
 * HGCM_CONNECT (@connect) and HGCM_DISCONNECT.  The client's slot in the
 * session is busy while the host works: a connect reserves one first, so
 * that no client is connected that the session cannot track, and a
 * disconnect takes the client out of use.  Afterwards the slot holds the
 * client if it exists.
 */
static int vbg_ioctl_hgcm_conn(struct vbg_session *session,
			       struct vbg_ioctl_hdr *hdr, bool connect)
{
	struct vbg_ioctl_hgcm_connect *conn =
		container_of(hdr, struct vbg_ioctl_hgcm_connect, hdr);
	struct vbg_ioctl_hgcm_disconnect *disc =
		container_of(hdr, struct vbg_ioctl_hgcm_disconnect, hdr);
	struct vbg_dev *gdev = session->gdev;
	u32 client_id = connect ? 0 : disc->u.in.client_id;
	int ret, slot = -1, vbox_status = VERR_GENERAL_FAILURE;
	bool exists;

	if (connect || (client_id && client_id != VBG_HGCM_SLOT_BUSY))
		slot = vbg_session_slot_set(session, -1, client_id,
					    VBG_HGCM_SLOT_BUSY);
	if (slot < 0)
		return connect ? -EMFILE : -EINVAL;

	if (connect) {
		/* Read before anything is written to u.out, which overlaps. */
		ret = vbg_hgcm_do_connect(gdev, session->requestor,
					  &conn->u.in.loc, &client_id,
					  &vbox_status);
		if (!ret && vbox_status >= 0 &&
		    (!client_id || client_id == VBG_HGCM_SLOT_BUSY)) {
			vbg_dev_err_ratelimited(gdev, "host gave HGCM client id %#x\n",
						client_id);
			vbox_status = VERR_GENERAL_FAILURE;
		}
		exists = !ret && vbox_status >= 0;
	} else {
		ret = vbg_hgcm_do_disconnect(gdev, session->requestor,
					     client_id, &vbox_status, NULL);
		/*
		 * Gone unless the host kept it (or never heard of the
		 * disconnect); a host reset (-ECONNRESET) dropped it.
		 */
		exists = (ret || vbox_status < 0) && ret != -ECONNRESET;
	}

	vbg_session_slot_set(session, slot, 0, exists ? client_id : 0);
	if (ret)
		return ret;
	if (connect)
		conn->u.out.client_id = vbox_status >= 0 ? client_id : 0;
	hdr->rc = vbox_status;
	return 0;
}

/*
 * HGCM_CALL_32/_64: the fixed part, then parm_count parameters of 12 or
 * 16 bytes; the size in the header must be exactly that.  The call's
 * result goes to hdr.rc, the outputs into the parameters.
 */
static int vbg_ioctl_hgcm_call(struct vbg_dev *gdev,
			       struct vbg_session *session, bool f32bit,
			       struct vbg_ioctl_hgcm_call *call)
{
	size_t parm_size = f32bit ?
		sizeof(struct vmmdev_hgcm_function_parameter32) :
		sizeof(struct vmmdev_hgcm_function_parameter64);
	int ret, vbox_status = VERR_GENERAL_FAILURE;
	size_t size;

	/* Nothing past the header was checked yet. */
	if (call->hdr.size_in < sizeof(*call))
		return -EINVAL;
	if (call->parm_count > VMMDEV_HGCM_MAX_PARMS)
		return -E2BIG;
	size = sizeof(*call) + call->parm_count * parm_size;
	if (call->hdr.size_in != size ||
	    (call->hdr.size_out && call->hdr.size_out != size))
		return -EINVAL;
	if (call->reserved)
		return -EINVAL;
	if (!vbg_session_has_client(session, call->client_id))
		return -EINVAL;

	ret = vbg_hgcm_do_call(gdev, session->requestor, call->client_id,
			       call->function, call->timeout_ms, true,
			       call + 1, f32bit, call->parm_count,
			       &vbox_status);
	if (ret)
		return ret;
	call->hdr.rc = vbox_status;
	return 0;
}

/**
 * vbg_core_ioctl() - route one ioctl to its handler.
 * @session: the caller's session.
 * @cmd: the ioctl code.
 * @hdr: the argument, copied in, its header checked by
 *	vbg_ioctl_check_header(); the reply is written in place.
 *
 * Context: process context; the caller holds remove_rwsem for reading.
 * Return: 0 or -errno; -ENOTTY for unknown codes.
 */
int vbg_core_ioctl(struct vbg_session *session, unsigned int cmd,
		   struct vbg_ioctl_hdr *hdr)
{
	struct vbg_dev *gdev = session->gdev;
	void *data = hdr;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(vbg_ioctl_shapes); i++) {
		if (cmd != vbg_ioctl_shapes[i].cmd)
			continue;
		ret = vbg_ioctl_check_sizes(hdr, vbg_ioctl_shapes[i].in,
					    vbg_ioctl_shapes[i].out);
		if (ret)
			return ret;
		break;
	}

	/* The ioctls whose code is fixed. */
	switch (cmd) {
	case VBG_IOCTL_DRIVER_VERSION_INFO:
		return vbg_ioctl_driver_version_info(session, hdr);
	case VBG_IOCTL_WAIT_FOR_EVENTS:
		return vbg_ioctl_wait_for_events(session, hdr);
	case VBG_IOCTL_INTERRUPT_ALL_WAIT_FOR_EVENTS:
		return vbg_ioctl_interrupt_all_wait_events(session, hdr);
	case VBG_IOCTL_CHANGE_FILTER_MASK:
	case VBG_IOCTL_CHANGE_GUEST_CAPABILITIES:
	case VBG_IOCTL_SET_MOUSE_STATUS:
		return vbg_ioctl_set_mask(session, cmd, hdr);
	case VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES:
		return vbg_ioctl_acquire_guest_capabilities(session, hdr);
	case VBG_IOCTL_CHECK_BALLOON:
		return vbg_ioctl_check_balloon(session, hdr);
	case VBG_IOCTL_WRITE_CORE_DUMP:
		return vbg_ioctl_write_core_dump(session, hdr);
	case VBG_IOCTL_HGCM_CONNECT:
	case VBG_IOCTL_HGCM_DISCONNECT:
		return vbg_ioctl_hgcm_conn(session, hdr,
					   cmd == VBG_IOCTL_HGCM_CONNECT);
	}

	if (vbg_ioctl_is(cmd, _IOC_NR(VBG_IOCTL_HGCM_CALL_32(0)), false) ||
	    vbg_ioctl_is(cmd, _IOC_NR(VBG_IOCTL_HGCM_CALL_64(0)), false))
		return vbg_ioctl_hgcm_call(gdev, session,
					   _IOC_NR(cmd) == _IOC_NR(VBG_IOCTL_HGCM_CALL_32(0)),
					   data);

	if (vbg_ioctl_is_vmmrequest(cmd))
		return vbg_ioctl_vmmrequest(gdev, session, data);
	if (vbg_ioctl_is(cmd, _IOC_NR(VBG_IOCTL_LOG(0)), true))
		return vbg_ioctl_log(gdev, session, hdr);

	dev_dbg_ratelimited(gdev->dev, "unknown ioctl %#x\n", cmd);
	return -ENOTTY;
}
