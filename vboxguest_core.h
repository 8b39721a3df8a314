/* SPDX-License-Identifier: (GPL-2.0 OR CDDL-1.0) */
/*
 * vboxguest private contract between the Linux glue (vboxguest_linux.c),
 * the OS-independent core (vboxguest_core.c) and the host transport
 * (vboxguest_utils.c).
 *
 * Lock ordering (outermost first):
 *   vbg_dev.remove_rwsem -> vbg_dev.session_mutex -> vbg_dev.event_spinlock
 *   vbg_dev.remove_rwsem -> vbg_balloon.mutex
 * session_mutex and balloon.mutex are never held together.  event_spinlock
 * is taken from the ISR, so everyone else takes it with interrupts off.
 */

#ifndef __VBOXGUEST_CORE_H__
#define __VBOXGUEST_CORE_H__

#include <linux/input.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/rwsem.h>
#include <linux/shrinker.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vbox_utils.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/vboxguest.h>
#include <kunit/visibility.h>
#include "vmmdev.h"

/* Most HGCM clients one session may hold (part 2). */
#define VBG_MAX_HGCM_CLIENTS		64

/* Events the driver itself always wants from the host. */
#define VBG_FIXED_EVENTS	(VMMDEV_EVENT_MOUSE_POSITION_CHANGED | \
				 VMMDEV_EVENT_HGCM | \
				 VMMDEV_EVENT_BALLOON_CHANGE_REQUEST)

/* Mouse bits the driver sets while its input device is open. */
#define VBG_INPUT_MOUSE_STATUS	(VMMDEV_MOUSE_GUEST_CAN_ABSOLUTE | \
				 VMMDEV_MOUSE_NEW_PROTOCOL)

struct vbg_dev;
struct vbg_session;

/**
 * struct vbg_host_ops - how requests reach the host: the submission seam.
 * @submit: hand the request at @req to the host and return once the host
 *	has processed it (for the real device: write its physical address to
 *	the request port).  Returns 0, or -errno if it could not be submitted.
 *	Must not sleep: it is called from the ISR.
 * @fast_ack: the fast acknowledge read; returns the acknowledged events,
 *	or VMMDEV_FAST_ACK_REFUSED.  Must not sleep.
 *
 * Only vboxguest_utils.c calls these.  KUnit replaces them with a scripted
 * fake host; the real one is vbg_pci_ops in vboxguest_utils.c.
 */
struct vbg_host_ops {
	int (*submit)(struct vbg_dev *gdev, struct vmmdev_request_header *req);
	u32 (*fast_ack)(struct vbg_dev *gdev);
};

/**
 * struct vbg_host_mask - a host setting that is the union of what its
 *	holders want: the event filter, the guest capabilities or the
 *	guest's mouse bits.
 * @holders: per bit, how many sessions hold it.
 * @sessions: the bits with a non-zero count, the union over sessions.
 * @extra: bits wanted on top of the sessions', not counted per session:
 *	the driver's fixed events (filter), the acquired capabilities
 *	(capabilities; the ISR reads them under vbg_dev.event_spinlock, so
 *	writers hold that too), the input device's bits (mouse).
 * @host: the value the host last accepted; ~0U forces the next send.
 * @type: the request that sets it (42, 56 or 2).
 *
 * Protected by vbg_dev.session_mutex.  vbg_host_mask_change_locked() is
 * the one way a session changes its bits.
 */
struct vbg_host_mask {
	u32 holders[32];
	u32 sessions;
	u32 extra;
	u32 host;
	u32 type;
};

/**
 * enum vbg_stat - counters shown in debugfs (vboxguest/<dev>/stats).
 * @VBG_STAT_REQUESTS: requests submitted.
 * @VBG_STAT_REQUEST_ERRORS: requests whose rc was an error.
 * @VBG_STAT_IRQS: interrupts that were ours.
 * @VBG_STAT_IRQS_NOT_OURS: shared interrupts that were not ours.
 * @VBG_STAT_FAST_ACKS: events acknowledged with the fast port read.
 * @VBG_STAT_SLOW_ACKS: events acknowledged with request 41.
 * @VBG_STAT_EVENTS: event bits received.
 * @VBG_STAT_EVENTS_DROPPED: event bits no session wanted.
 * @VBG_STAT_HEARTBEATS: heartbeats sent.
 * @VBG_STAT_BALLOON_INFLATES: chunks given to the host.
 * @VBG_STAT_BALLOON_DEFLATES: chunks taken back.
 * @VBG_STAT_BALLOON_PRESSURE: shrinker and OOM calls that took chunks back.
 * @VBG_STAT_MOUSE_EVENTS: positions reported to the input device.
 * @VBG_STAT_HGCM_BOUNCE_COPIES: HGCM user buffers copied because they
 *	could not be pinned.
 * @VBG_STAT_HGCM_LEAKED: HGCM requests abandoned to a host that neither
 *	completed nor cancelled them (never freed).
 * @VBG_STAT_NR: number of counters.
 */
enum vbg_stat {
	VBG_STAT_REQUESTS,
	VBG_STAT_REQUEST_ERRORS,
	VBG_STAT_IRQS,
	VBG_STAT_IRQS_NOT_OURS,
	VBG_STAT_FAST_ACKS,
	VBG_STAT_SLOW_ACKS,
	VBG_STAT_EVENTS,
	VBG_STAT_EVENTS_DROPPED,
	VBG_STAT_HEARTBEATS,
	VBG_STAT_BALLOON_INFLATES,
	VBG_STAT_BALLOON_DEFLATES,
	VBG_STAT_BALLOON_PRESSURE,
	VBG_STAT_MOUSE_EVENTS,
	VBG_STAT_HGCM_BOUNCE_COPIES,
	VBG_STAT_HGCM_LEAKED,
	VBG_STAT_NR
};

/* Kernel pages in a 1 MiB balloon chunk (the host counts 4 KiB pages). */
#define VBG_BALLOON_CHUNK_KPAGES	(SZ_1M >> PAGE_SHIFT)

/**
 * struct vbg_balloon_chunk - one 1 MiB chunk given to the host.
 * @node: entry in vbg_balloon.chunks.
 * @pages: the chunk's pages (not physically contiguous).
 */
struct vbg_balloon_chunk {
	struct list_head node;
	struct page *pages[VBG_BALLOON_CHUNK_KPAGES];
};

/*
 * Kernels since 6.7 allocate shrinkers (shrinker_alloc(), which came with
 * SHRINKER_ALLOCATED, after mm_account_reclaimed_pages()); older ones
 * take an embedded one.
 */
#ifdef SHRINKER_ALLOCATED
#define VBG_SHRINKER_ALLOC
#endif

/**
 * struct vbg_balloon - the memory balloon.
 * @mutex: serialises inflating and deflating (work item, CHECK_BALLOON
 *	ioctl and teardown) and protects the fields below.
 * @work: runs on BALLOON_CHANGE_REQUEST.
 * @req: ChangeMemBalloon request, allocated at init.  Protected by @mutex.
 * @chunks: list of struct vbg_balloon_chunk.  Protected by @mutex.
 * @nr_chunks: length of @chunks.  Protected by @mutex; read without it
 *	(READ_ONCE) for reporting.
 * @max_chunks: cap on the balloon: the guest RAM in MiB the host reported.
 *	Protected by @mutex.
 * @host_target: the host's last target in chunks.  Protected by @mutex.
 * @held: the guest's memory pressure took chunks back; the balloon does
 *	not grow again until the host's target changes.  Protected by @mutex.
 * @shrinker: gives chunks back under memory pressure (NULL when off or
 *	not registered); it only trylocks @mutex.
 * @oom_nb: the last resort before the OOM killer: a chunk back per call
 *	(registered with @shrinker).
 * @shrinker_storage: @shrinker's memory on kernels without shrinker_alloc().
 */
struct vbg_balloon {
	struct mutex mutex;	/* see @mutex above */
	struct work_struct work;
	struct vmmdev_memballoon_change *req;
	struct list_head chunks;
	u32 nr_chunks;
	u32 max_chunks;
	u32 host_target;
	bool held;
	struct shrinker *shrinker;
	struct notifier_block oom_nb;
#ifndef VBG_SHRINKER_ALLOC
	struct shrinker shrinker_storage;
#endif
};

/**
 * struct vbg_heartbeat - the guest heartbeat.
 * @work: sends one heartbeat and re-arms itself.
 * @req: GuestHeartbeat request, allocated at init; only @work uses it.
 * @interval: host interval in jiffies; 0 = heartbeat off.
 * @next: absolute time (jiffies) of the next beat.  Only @work touches it
 *	after init; re-arming from it (not from "now") gives exactly one beat
 *	per interval.
 */
struct vbg_heartbeat {
	struct delayed_work work;
	struct vmmdev_request_header *req;
	unsigned long interval;
	unsigned long next;
};

/**
 * struct vbg_dev - one VMMDev device (there is at most one).
 * @dev: the PCI device, for dev_*() logging and devm.
 * @refcount: the structure lives until the last reference is dropped:
 *	one from probe (dropped at remove), one per open session and one
 *	per vbg_get_gdev() caller.
 * @ops: request submission seam (&vbg_pci_ops: @req_window when the
 *	device has it, else @io_port).
 * @io_port: BAR0 (I/O ports), mapped with ioport_map(); NULL on a device
 *	without it (ARM guests).
 * @req_window: BAR3, the MMIO request window (VirtualBox 7.1+), or NULL.
 * @mmio: BAR1, the VMMDev memory shared with the host.
 * @host_version: host version as "major.minor.build r revision".
 * @host_features: VMMDEV_HVF_* bits, read once at init.
 * @fast_ack: use the fast acknowledge read (host feature bit 31).
 * @log_rs: the one limit of the rate-limited messages (vbg_log()).
 * @remove_rwsem: held for reading by every entry point from outside the
 *	driver (ioctl, session open/close, the exported kernel API) while it
 *	may touch the host; taken for writing once by remove, after setting
 *	@removed, so that no such path runs on a device that is going away.
 * @removed: set once when the device is being removed, never cleared.
 *	Written with WRITE_ONCE() under @event_spinlock (so a waiter that
 *	checks it under that lock cannot miss the wake-up that follows),
 *	before remove takes @remove_rwsem for writing: a holder of
 *	@remove_rwsem that gets it after that sees it set.  Read with
 *	READ_ONCE() wherever @event_spinlock is not held.
 * @session_mutex: serialises the host masks below and the requests that
 *	change them.
 * @session_list: all open sessions.  Protected by @event_spinlock
 *	(changes also hold @session_mutex).
 * @event_filter: the host's event filter; @extra is VBG_FIXED_EVENTS.
 * @guest_caps: the host's guest capabilities: "set" mode ones counted per
 *	session, acquired ones in @extra.
 * @acquire_mode_guest_caps: capabilities switched to "acquire" mode (one
 *	owner at a time).  Protected by @session_mutex; read by the ISR
 *	under @event_spinlock (writers hold both).
 * @mouse_status: the guest's mouse bits; @extra is VBG_INPUT_MOUSE_STATUS
 *	while the input device is open (with GUEST_USES_FULL_STATE_PROTOCOL
 *	if the host offered it at the open), else 0.
 * @mouse_full_state: the host accepted GUEST_USES_FULL_STATE_PROTOCOL
 *	from the input device: @mouse_work reads GetMouseStatusEx.  Written
 *	under @session_mutex, read by @mouse_work.
 * @event_spinlock: protects @session_list, each session's pending events,
 *	filter copy and cancel flag, and @unowned_events.
 * @unowned_events: events of an acquire-mode capability that arrived while
 *	no session owned it; given to the next owner.  Protected by
 *	@event_spinlock.
 * @event_wq: WAIT_FOR_EVENTS sleepers.
 * @hgcm_lock: protects @hgcm_waiters (ISR-safe).
 * @hgcm_waiters: struct vbg_hgcm_waiter of every HGCM request in flight;
 *	the ISR completes the one whose request is DONE, removal all.
 * @hgcm_cancel_mutex: serialises the use of @hgcm_cancel_req.
 * @hgcm_cancel_req: the Cancel2 request, allocated at init so that a
 *	cancel never fails for lack of memory.
 * @ack_events_req: AcknowledgeEvents request for the ISR, allocated at
 *	init.  Only the ISR uses it (one ISR runs at a time per line).
 * @mouse_status_req: GetMouseStatus(Ex) request for @mouse_work, allocated
 *	at init with room for the Ex form.  Only @mouse_work uses it.
 * @mouse_work: reads the position (and with @mouse_full_state wheels and
 *	buttons) on MOUSE_POSITION_CHANGED.
 * @input: the absolute pointing device the host's position goes to.
 * @balloon: the memory balloon.
 * @heartbeat: the heartbeat.
 * @misc: /dev/vboxguest (0600, trusted), /dev/vboxuser (0666, less
 *	trusted).
 * @stats: enum vbg_stat counters.
 * @host_watch: set while the driver believes the host knows it (from the
 *	end of init until suspend, quiesce or exit): then a request only a
 *	forgetful host refuses (see vbg_core_host_refused()) queues
 *	@host_reset_work.  Atomic bit operations on bit 0.
 * @host_reset_work: tells the host everything again after it forgot the
 *	guest (vbg_core_host_restore()).
 * @hgcm_submit_rwsem: held for reading from the moment an HGCM waiter is
 *	listed until its request was submitted; vbg_core_host_restore()
 *	holds it for writing while it marks the waiters the host dropped and
 *	reports the guest again, so no request it marks can have reached the
 *	host after the reset.  Initialised by vbg_hgcm_init().
 */
struct vbg_dev {
	struct device *dev;
	struct kref refcount;
	const struct vbg_host_ops *ops;
	void __iomem *io_port;
	void __iomem *req_window;
	struct vmmdev_memory __iomem *mmio;
	char host_version[64];
	u32 host_features;
	bool fast_ack;
	struct ratelimit_state log_rs;	/* vbg_dev_*_ratelimited() */

	struct rw_semaphore remove_rwsem;
	bool removed;

	struct mutex session_mutex;	/* trackers and host state */
	struct list_head session_list;
	struct vbg_host_mask event_filter;
	struct vbg_host_mask guest_caps;
	u32 acquire_mode_guest_caps;
	struct vbg_host_mask mouse_status;
	bool mouse_full_state;

	spinlock_t event_spinlock;	/* event delivery, taken in the ISR */
	u32 unowned_events;
	wait_queue_head_t event_wq;
	spinlock_t hgcm_lock;		/* hgcm_waiters, taken in the ISR */
	struct list_head hgcm_waiters;
	struct mutex hgcm_cancel_mutex;	/* hgcm_cancel_req */
	struct vmmdev_hgcm_cancel2 *hgcm_cancel_req;

	struct vmmdev_events *ack_events_req;
	struct vmmdev_mouse_status_ex *mouse_status_req;
	struct work_struct mouse_work;
	struct input_dev *input;

	struct vbg_balloon balloon;
	struct vbg_heartbeat heartbeat;

	struct miscdevice misc[2];

	atomic64_t stats[VBG_STAT_NR];

	unsigned long host_watch;
	struct work_struct host_reset_work;
	struct rw_semaphore hgcm_submit_rwsem;
};

/**
 * struct vbg_session - one open file of /dev/vboxguest or /dev/vboxuser.
 * @node: entry in vbg_dev.session_list.  Protected by
 *	vbg_dev.event_spinlock.
 * @gdev: the device; the session holds a reference on it.
 * @requestor: VMMDEV_REQUESTOR_* bits computed at open from the opener
 *	(root or user, device node, group, console).  Forced into every
 *	request the session sends.  Constant after open.
 * @user_session: opened through /dev/vboxuser.  Constant after open.
 * @event_filter: events this session wants.  Protected by
 *	vbg_dev.session_mutex for writes and vbg_dev.event_spinlock (writers
 *	hold both; the ISR reads under the spinlock).
 * @pending_events: events delivered to this session and not yet taken by
 *	a wait.  Protected by vbg_dev.event_spinlock.
 * @cancel_waiters: INTERRUPT_ALL_WAIT_FOR_EVENTS was called: every wait
 *	of this session fails with -EINTR from now on.  Protected by
 *	vbg_dev.event_spinlock.
 * @set_guest_caps: capabilities this session set in "set" mode.
 *	Protected by vbg_dev.session_mutex.
 * @acquired_guest_caps: acquire-mode capabilities this session owns.
 *	Protected by vbg_dev.session_mutex (and event_spinlock for writes).
 * @mouse_status: mouse bits this session asked for.  Protected by
 *	vbg_dev.session_mutex.
 * @hgcm_client_ids: HGCM clients this session connected, 0 = free slot;
 *	disconnected at close (part 2).  Protected by vbg_dev.session_mutex.
 */
struct vbg_session {
	struct list_head node;
	struct vbg_dev *gdev;
	u32 requestor;
	bool user_session;
	u32 event_filter;
	u32 pending_events;
	bool cancel_waiters;
	u32 set_guest_caps;
	u32 acquired_guest_caps;
	u32 mouse_status;
	u32 hgcm_client_ids[VBG_MAX_HGCM_CLIENTS];
};

/* vboxguest_core.c: life cycle. */
int vbg_core_init(struct vbg_dev *gdev);
void vbg_core_exit(struct vbg_dev *gdev);
void vbg_core_quiesce(struct vbg_dev *gdev);
void vbg_core_cancel_event_work(struct vbg_dev *gdev);
struct pci_dev;
void vbg_core_shutdown(struct pci_dev *pci);
int vbg_core_suspend(struct device *dev);
int vbg_core_host_restore(struct device *dev);
void vbg_core_host_refused(struct vbg_dev *gdev,
			   const struct vmmdev_request_header *req);
void vbg_put_gdev(struct vbg_dev *gdev);

/*
 * Helpers the KUnit suites call directly: static unless the kernel has
 * KUnit (VISIBLE_IF_KUNIT), so that a build without it has no
 * out-of-line copy of those the compiler inlines.
 */
#if IS_ENABLED(CONFIG_KUNIT)
void vbg_core_init_state(struct vbg_dev *gdev);
unsigned long vbg_heartbeat_interval(u64 host_ns);
u32 vbg_balloon_max_chunks(unsigned long ram_pages);
u32 vbg_vmmdev_page_count(unsigned long offset, u32 size);
void vbg_vmmdev_page_list(u64 *dst, u32 n, unsigned long offset,
			  unsigned int page_shift,
			  u64 (*kpage)(const void *ctx, u32 i), const void *ctx);
#endif

/* vboxguest_core.c: sessions and ioctls. */
u32 vbg_session_requestor(bool user_node, bool root, bool vbox_group,
			  int console);
struct vbg_session *vbg_core_open_session(struct vbg_dev *gdev,
					  u32 requestor, bool user_session);
void vbg_core_close_session(struct vbg_session *session);
int vbg_core_ioctl(struct vbg_session *session, unsigned int cmd,
		   struct vbg_ioctl_hdr *hdr);
int vbg_ioctl_check_header(unsigned int cmd, const struct vbg_ioctl_hdr *hdr,
			   size_t *size);
int vbg_core_set_input_mouse_status(struct vbg_dev *gdev, bool open);

/*
 * vboxguest_linux.c: pass the host's absolute pointer position (0 ..
 * VMMDEV_MOUSE_RANGE_MAX), wheel deltas and VMMDEV_MOUSE_BUTTON_* bits
 * (0 without the full-state protocol) to the input device.  Process
 * context (the mouse work item).
 */
void vbg_input_report(struct vbg_dev *gdev, s32 x, s32 y, s32 dz, s32 dw,
		      u32 buttons);

/* vboxguest_core.c: interrupt handling. */
irqreturn_t vbg_core_isr(int irq, void *dev_id);
void vbg_core_drain_events(struct vbg_dev *gdev);

/*
 * Messages: one out-of-line print for all of them (the device's name and
 * the level in front), no inline dev_<level>() at each place.  The
 * rate-limited ones, which a misbehaving host or kernel caller can repeat
 * at will, share the device's one limit (@log_rs): a host that trips
 * several checks in turn gets no more lines into the log than one that
 * trips a single check.
 */
__printf(3, 4)
void vbg_log(struct vbg_dev *gdev, bool limited, const char *fmt, ...);
#define vbg_dev_err(gdev, fmt, ...) \
	vbg_log(gdev, false, KERN_ERR fmt, ##__VA_ARGS__)
#define vbg_dev_warn(gdev, fmt, ...) \
	vbg_log(gdev, false, KERN_WARNING fmt, ##__VA_ARGS__)
#define vbg_dev_info(gdev, fmt, ...) \
	vbg_log(gdev, false, KERN_INFO fmt, ##__VA_ARGS__)
#define vbg_dev_err_ratelimited(gdev, fmt, ...) \
	vbg_log(gdev, true, KERN_ERR fmt, ##__VA_ARGS__)
#define vbg_dev_warn_ratelimited(gdev, fmt, ...) \
	vbg_log(gdev, true, KERN_WARNING fmt, ##__VA_ARGS__)
#define vbg_dev_info_ratelimited(gdev, fmt, ...) \
	vbg_log(gdev, true, KERN_INFO fmt, ##__VA_ARGS__)

/*
 * vboxguest_utils.c: the host boundary.  Every request goes through
 * vbg_req_submit(); nothing else touches the port or BAR1 except the
 * ISR's have_events test (vbg_host_has_events()) and the fast ack.
 */
extern const struct vbg_host_ops vbg_pci_ops;
void vbg_req_cache_exit(void);
void *vbg_req_alloc(size_t len, enum vmmdev_request_type type,
		    u32 requestor);
void vbg_req_free(void *req, size_t len);
int vbg_req_submit(struct vbg_dev *gdev, void *req);
u32 vbg_req_ack_events(struct vbg_dev *gdev);
struct page;
void vbg_balloon_chunk_list(u64 *phys_page, struct page *const *pages);

/* have_events in the VMMDev memory: the ISR's "is it ours" test. */
static inline bool vbg_host_has_events(struct vbg_dev *gdev)
{
	return readb(&gdev->mmio->have_events) != 0;
}

/*
 * vboxguest_utils.c: HGCM.  The ioctl handlers (vboxguest_core.c) and the
 * exported vbg_hgcm_*() (linux/vbox_utils.h, which take remove_rwsem
 * themselves) use these; the caller holds remove_rwsem for reading.
 */
int vbg_hgcm_conn(struct vbg_dev *gdev, u32 requestor,
		  const struct vmmdev_hgcm_service_location *loc,
		  u32 *client_id, int *vbox_status,
		  const unsigned long *deadline);

/**
 * vbg_hgcm_do_connect() - HGCMConnect, without the removal lock.
 * @gdev: the device.
 * @requestor: VMMDEV_REQUESTOR_* bits for the request.
 * @loc: the service.
 * @client_id: out: the new client id (valid when @vbox_status >= 0).
 * @vbox_status: out: the host's answer.
 *
 * Killable, at most VBG_HGCM_CONNECT_TIMEOUT_MS; the give-up contract at
 * the top of the HGCM code applies.
 *
 * Context: process context; the caller holds gdev->remove_rwsem for
 * reading.
 * Return: 0 if the host answered (see @vbox_status), -EINTR (fatal
 * signal), -ETIMEDOUT, -ENODEV (removal), -EIO (abandoned), -ENOMEM.
 */
static inline int
vbg_hgcm_do_connect(struct vbg_dev *gdev, u32 requestor,
		    const struct vmmdev_hgcm_service_location *loc,
		    u32 *client_id, int *vbox_status)
{
	return vbg_hgcm_conn(gdev, requestor, loc, client_id, vbox_status,
			     NULL);
}

/**
 * vbg_hgcm_do_disconnect() - HGCMDisconnect, without the removal lock.
 * @gdev: the device.
 * @requestor: VMMDEV_REQUESTOR_* bits for the request.
 * @client_id: the client.
 * @vbox_status: out: the host's answer.
 * @deadline: NULL: killable, at most VBG_HGCM_CONNECT_TIMEOUT_MS;
 *	else (a closing session) uninterruptible until this jiffies value.
 *
 * The give-up contract at the top of the HGCM code applies.
 *
 * Context: process context; the caller holds gdev->remove_rwsem for
 * reading.
 * Return: 0 if the host answered (see @vbox_status), -EINTR (fatal
 * signal), -ETIMEDOUT (also: @deadline already passed, nothing sent),
 * -ENODEV (removal), -EIO (abandoned), -ENOMEM.
 */
static inline int
vbg_hgcm_do_disconnect(struct vbg_dev *gdev, u32 requestor, u32 client_id,
		       int *vbox_status, const unsigned long *deadline)
{
	return vbg_hgcm_conn(gdev, requestor, NULL, &client_id, vbox_status,
			     deadline);
}

/* Limit of all the disconnects of a closing session together. */
#define VBG_HGCM_CLOSE_TIMEOUT_MS	5000

/**
 * vbg_hgcm_close_deadline() - when a closing session's disconnects end.
 *
 * For vbg_hgcm_do_disconnect(): all the disconnects of one session share
 * this deadline.
 *
 * Return: a jiffies value VBG_HGCM_CLOSE_TIMEOUT_MS from now.
 */
static inline unsigned long vbg_hgcm_close_deadline(void)
{
	return jiffies + msecs_to_jiffies(VBG_HGCM_CLOSE_TIMEOUT_MS);
}

/*
 * Set up the HGCM state of @gdev (its hgcm_cancel_req is allocated with
 * the other fixed requests).  Context: process context (init).
 */
static inline void vbg_hgcm_init(struct vbg_dev *gdev)
{
	spin_lock_init(&gdev->hgcm_lock);
	INIT_LIST_HEAD(&gdev->hgcm_waiters);
	mutex_init(&gdev->hgcm_cancel_mutex);
	init_rwsem(&gdev->hgcm_submit_rwsem);
}

int vbg_hgcm_do_call(struct vbg_dev *gdev, u32 requestor, u32 client_id,
		     u32 function, u32 timeout_ms, bool user, void *parms,
		     bool parms32, u32 parm_count, int *vbox_status);

/* Which HGCM waits vbg_hgcm_end_waits() ends. */
enum vbg_hgcm_end {
	VBG_HGCM_END_DONE,	/* those whose request is DONE */
	VBG_HGCM_END_ALL,	/* all: the device is going away */
	VBG_HGCM_END_DROPPED,	/* all: the host forgot those not DONE */
};

void vbg_hgcm_end_waits(struct vbg_dev *gdev, enum vbg_hgcm_end which);

/*
 * The host forgot every HGCM request in a device reset: end every wait,
 * those not DONE with -ECONNRESET.  Context: process context,
 * hgcm_submit_rwsem held for writing (so every listed request was
 * submitted before the reset was noticed) and the guest not yet
 * reported again.
 */
static inline void vbg_hgcm_drop_all(struct vbg_dev *gdev)
{
	lockdep_assert_held_write(&gdev->hgcm_submit_rwsem);
	vbg_hgcm_end_waits(gdev, VBG_HGCM_END_DROPPED);
}

#endif /* __VBOXGUEST_CORE_H__ */
