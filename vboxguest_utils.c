// SPDX-License-Identifier: (GPL-2.0 OR CDDL-1.0)
/*
 * vboxguest host boundary: allocation of requests the host can reach, the
 * one function that submits them, the fast acknowledge, and the single
 * conversion of VirtualBox status codes to errno values.
 *
 * Nothing outside this file touches the I/O port or the VMMDev memory.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/completion.h>
#include <linux/io.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/vbox_err.h>
#include "vboxguest_core.h"
#include "vboxguest_trace.h"

/*
 * Requests are whole pages below 4 GiB: the port takes a 32-bit physical
 * address, hence DMA32.  The last freed one-page request (HGCM calls:
 * vboxsf makes one a page of file data) is kept for the next: no page
 * allocator round trip.
 */
static void *vbg_req_spare;

/**
 * vbg_req_cache_exit() - free the kept one-page request.
 *
 * Context: module exit, after every request was freed.
 */
void vbg_req_cache_exit(void)
{
	free_page((unsigned long)xchg(&vbg_req_spare, NULL));
}

/**
 * vbg_req_alloc() - allocate a zeroed request the host can reach.
 * @len: size of the request, header included (24 .. 1 MiB).
 * @type: request type for the header.
 * @requestor: VMMDEV_REQUESTOR_* bits for the header.
 *
 * The header is filled in: size, version, type, requestor, and rc preset
 * to VERR_GENERAL_FAILURE so a request the host ignored reads as failed.
 *
 * Context: process context, may sleep.
 * Return: the request (below 4 GiB, physically contiguous) or NULL.
 */
void *vbg_req_alloc(size_t len, enum vmmdev_request_type type,
		    u32 requestor)
{
	struct vmmdev_request_header *req;
	struct page *page;

	if (len < sizeof(*req) || len > VMMDEV_MAX_REQUEST_SIZE)
		return NULL;
	req = len <= PAGE_SIZE ? xchg(&vbg_req_spare, NULL) : NULL;
	if (!req) {
		page = alloc_pages(GFP_KERNEL | __GFP_DMA32, get_order(len));
		if (!page)
			return NULL;
		req = page_address(page);
	}
	memset(req, 0, len);	/* not the rest of the page */
	*req = (struct vmmdev_request_header){
		.size = len,
		.version = VMMDEV_REQUEST_HEADER_VERSION,
		.request_type = type,
		.rc = VERR_GENERAL_FAILURE,	/* until the host says otherwise */
		.requestor = requestor,
	};
	return req;
}

/**
 * vbg_req_free() - free a request from vbg_req_alloc(), or keep it as the
 *	spare.
 * @req: the request, or NULL.
 * @len: the length it was allocated with.
 *
 * Context: any context that may free memory.
 */
void vbg_req_free(void *req, size_t len)
{
	if (req && (len > PAGE_SIZE || cmpxchg(&vbg_req_spare, NULL, req)))
		free_pages((unsigned long)req, get_order(len));
}

/*
 * The real device.  The MMIO request window (BAR3) takes the whole
 * physical address in one 64-bit write.  A 32-bit write submits at once
 * too, so a 32-bit kernel, whose requests lie below 4 GiB (DMA32), writes
 * 32 bits: never two halves.  Without the window the request's physical
 * address goes to BAR0's port, which takes 32 bits.
 */
static int vbg_pci_submit(struct vbg_dev *gdev,
			  struct vmmdev_request_header *req)
{
	phys_addr_t phys = virt_to_phys(req);

	if (gdev->req_window) {
#ifdef CONFIG_64BIT
		writeq(phys, gdev->req_window + VMMDEV_MMIO_OFF_REQUEST);
#else
		writel(phys, gdev->req_window + VMMDEV_MMIO_OFF_REQUEST);
#endif
		return 0;
	}
	if (phys > U32_MAX - req->size) {
		vbg_dev_err_ratelimited(gdev, "request above 4 GiB\n");
		return -EINVAL;
	}
	iowrite32((u32)phys, gdev->io_port + VMMDEV_PORT_OFF_REQUEST);
	return 0;
}

static u32 vbg_pci_fast_ack(struct vbg_dev *gdev)
{
	if (gdev->req_window)
		return readl(gdev->req_window + VMMDEV_MMIO_OFF_REQUEST_FAST);
	return ioread32(gdev->io_port + VMMDEV_PORT_OFF_REQUEST_FAST);
}

/* The real device through BAR3, the MMIO request window, or BAR0's ports. */
const struct vbg_host_ops vbg_pci_ops = {
	.submit = vbg_pci_submit,
	.fast_ack = vbg_pci_fast_ack,
};

/**
 * vbg_req_submit() - hand one request to the host and wait for it.
 * @gdev: the device.
 * @req: a request from vbg_req_alloc() with its header filled in.
 *
 * The only way to the host.  The host processes the request before the
 * port write returns, so on return the request holds the reply.  HGCM
 * requests the host accepted come back with rc = VINF_HGCM_ASYNC_EXECUTE,
 * which is a success; the caller then waits for completion.
 *
 * Context: any; does not sleep (called from the ISR and the heartbeat).
 * Return: 0 on success, the request's rc converted to -errno on a host
 * error, -EINVAL for a malformed header.
 */
int vbg_req_submit(struct vbg_dev *gdev, void *req)
{
	struct vmmdev_request_header *hdr = req;
	int rc, ret;
	u64 t0;

	if (hdr->size < sizeof(*hdr) || hdr->size > VMMDEV_MAX_REQUEST_SIZE ||
	    hdr->version != VMMDEV_REQUEST_HEADER_VERSION) {
		vbg_dev_err_ratelimited(gdev, "malformed request type %u size %u\n",
					hdr->request_type, hdr->size);
		return -EINVAL;
	}

	atomic64_inc(&gdev->stats[VBG_STAT_REQUESTS]);
	t0 = trace_vbg_req_enabled() ? ktime_get_ns() : 0;
	ret = gdev->ops->submit(gdev, hdr);
	if (ret)
		return ret;

	rc = READ_ONCE(hdr->rc);
	trace_vbg_req(hdr, rc, t0);
	if (rc == VERR_NOT_SUPPORTED)
		vbg_core_host_refused(gdev, hdr);
	ret = vbg_status_code_to_errno(rc);
	if (ret) {
		atomic64_inc(&gdev->stats[VBG_STAT_REQUEST_ERRORS]);
		dev_dbg(gdev->dev, "request %u failed: rc %d\n",
			hdr->request_type, rc);
	}
	return ret;
}

/**
 * vbg_req_ack_events() - take the pending events from the host.
 * @gdev: the device.
 *
 * Uses the fast port read when the host advertised it, else
 * AcknowledgeEvents with the request allocated at init (if the fast read
 * is refused, falls back to the request).
 *
 * Context: the ISR (the only user of gdev->ack_events_req).
 * Return: the acknowledged VMMDEV_EVENT_* bits, 0 on failure.
 */
u32 vbg_req_ack_events(struct vbg_dev *gdev)
{
	struct vmmdev_events *req = gdev->ack_events_req;
	u32 events;

	if (gdev->fast_ack) {
		events = gdev->ops->fast_ack(gdev);
		if (events != VMMDEV_FAST_ACK_REFUSED) {
			atomic64_inc(&gdev->stats[VBG_STAT_FAST_ACKS]);
			return events;
		}
	}

	req->header.rc = VERR_GENERAL_FAILURE;
	req->events = 0;
	if (vbg_req_submit(gdev, req))
		return 0;
	atomic64_inc(&gdev->stats[VBG_STAT_SLOW_ACKS]);
	return READ_ONCE(req->events);
}

/**
 * vbg_log() - print a message for the device.
 * @gdev: the device.
 * @limited: unless the device's limit (@gdev->log_rs) says too many.
 * @fmt: KERN_<LEVEL> and the format.
 *
 * Context: any.
 */
void vbg_log(struct vbg_dev *gdev, bool limited, const char *fmt, ...)
{
	char level[] = KERN_SOH "0";
	struct va_format vaf;
	va_list args;

	if (limited && !__ratelimit(&gdev->log_rs))
		return;
	level[1] = printk_get_level(fmt);
	va_start(args, fmt);
	vaf.fmt = printk_skip_level(fmt);
	vaf.va = &args;
	dev_printk(level, gdev->dev, "%pV", &vaf);
	va_end(args);
}

/* VirtualBox status -> errno; anything else negative is -EPROTO. */
static const struct {
	s16 rc;
	s16 err;
} vbg_status_errno[] = {
	{ VERR_ACCESS_DENIED, -EPERM },
	{ VERR_FILE_NOT_FOUND, -ENOENT },
	{ VERR_PROCESS_NOT_FOUND, -ESRCH },
	{ VERR_INTERRUPTED, -EINTR },
	{ VERR_DEV_IO_ERROR, -EIO },
	{ VERR_TOO_MUCH_DATA, -E2BIG },
	{ VERR_BAD_EXE_FORMAT, -ENOEXEC },
	{ VERR_INVALID_HANDLE, -EBADF },
	{ VERR_TRY_AGAIN, -EAGAIN },
	{ VERR_NO_MEMORY, -ENOMEM },
	{ VERR_INVALID_POINTER, -EFAULT },
	{ VERR_RESOURCE_BUSY, -EBUSY },
	{ VERR_ALREADY_EXISTS, -EEXIST },
	{ VERR_NOT_SAME_DEVICE, -EXDEV },
	{ VERR_NOT_A_DIRECTORY, -ENOTDIR },
	{ VERR_PATH_NOT_FOUND, -ENOTDIR },
	{ VERR_IS_A_DIRECTORY, -EISDIR },
	{ VERR_INVALID_PARAMETER, -EINVAL },
	{ VERR_TOO_MANY_OPEN_FILES, -ENFILE },
	{ VERR_INVALID_FUNCTION, -ENOTTY },
	{ VERR_SHARING_VIOLATION, -ETXTBSY },
	{ VERR_FILE_TOO_BIG, -EFBIG },
	{ VERR_DISK_FULL, -ENOSPC },
	{ VERR_SEEK_ON_DEVICE, -ESPIPE },
	{ VERR_WRITE_PROTECT, -EROFS },
	{ VERR_BROKEN_PIPE, -EPIPE },
	{ VERR_DEADLOCK, -EDEADLK },
	{ VERR_FILENAME_TOO_LONG, -ENAMETOOLONG },
	{ VERR_FILE_LOCK_FAILED, -ENOLCK },
	{ VERR_NOT_IMPLEMENTED, -EOPNOTSUPP },
	{ VERR_NOT_SUPPORTED, -EOPNOTSUPP },
	{ VERR_DIR_NOT_EMPTY, -ENOTEMPTY },
	{ VERR_TOO_MANY_SYMLINKS, -ELOOP },
	{ VERR_NO_DATA, -ENODATA },
	{ VERR_NO_MORE_FILES, -ENODATA },
	{ VERR_NET_NO_NETWORK, -ENONET },
	{ VERR_NET_NOT_UNIQUE_NAME, -ENOTUNIQ },
	{ VERR_NO_TRANSLATION, -EILSEQ },
	{ VERR_NET_NOT_SOCKET, -ENOTSOCK },
	{ VERR_NET_DEST_ADDRESS_REQUIRED, -EDESTADDRREQ },
	{ VERR_NET_MSG_SIZE, -EMSGSIZE },
	{ VERR_NET_PROTOCOL_TYPE, -EPROTOTYPE },
	{ VERR_NET_PROTOCOL_NOT_AVAILABLE, -ENOPROTOOPT },
	{ VERR_NET_PROTOCOL_NOT_SUPPORTED, -EPROTONOSUPPORT },
	{ VERR_NET_SOCKET_TYPE_NOT_SUPPORTED, -ESOCKTNOSUPPORT },
	{ VERR_NET_OPERATION_NOT_SUPPORTED, -EOPNOTSUPP },
	{ VERR_NET_PROTOCOL_FAMILY_NOT_SUPPORTED, -EPFNOSUPPORT },
	{ VERR_NET_ADDRESS_FAMILY_NOT_SUPPORTED, -EAFNOSUPPORT },
	{ VERR_NET_ADDRESS_IN_USE, -EADDRINUSE },
	{ VERR_NET_ADDRESS_NOT_AVAILABLE, -EADDRNOTAVAIL },
	{ VERR_NET_DOWN, -ENETDOWN },
	{ VERR_NET_UNREACHABLE, -ENETUNREACH },
	{ VERR_NET_CONNECTION_RESET, -ENETRESET },
	{ VERR_NET_CONNECTION_ABORTED, -ECONNABORTED },
	{ VERR_NET_CONNECTION_RESET_BY_PEER, -ECONNRESET },
	{ VERR_NET_NO_BUFFER_SPACE, -ENOBUFS },
	{ VERR_NET_ALREADY_CONNECTED, -EISCONN },
	{ VERR_NET_NOT_CONNECTED, -ENOTCONN },
	{ VERR_NET_SHUTDOWN, -ESHUTDOWN },
	{ VERR_NET_TOO_MANY_REFERENCES, -ETOOMANYREFS },
	{ VERR_TIMEOUT, -ETIMEDOUT },
	{ VERR_NET_CONNECTION_REFUSED, -ECONNREFUSED },
	{ VERR_NET_HOST_DOWN, -EHOSTDOWN },
	{ VERR_NET_HOST_UNREACHABLE, -EHOSTUNREACH },
	{ VERR_NET_ALREADY_IN_PROGRESS, -EALREADY },
	{ VERR_NET_IN_PROGRESS, -EINPROGRESS },
	{ VERR_MEDIA_NOT_PRESENT, -ENOMEDIUM },
	{ VERR_MEDIA_NOT_RECOGNIZED, -EMEDIUMTYPE },
};

/**
 * vbg_status_code_to_errno() - convert a VirtualBox status to an errno.
 * @rc: VINF_*, VWRN_* or VERR_* value.
 *
 * Every success and informational status (rc >= 0) is 0.
 *
 * Context: any.
 * Return: 0 or a negative errno.
 */
int vbg_status_code_to_errno(int rc)
{
	unsigned int i;

	if (rc >= 0)
		return 0;
	for (i = 0; i < ARRAY_SIZE(vbg_status_errno); i++)
		if (vbg_status_errno[i].rc == rc)
			return vbg_status_errno[i].err;
	return -EPROTO;
}
EXPORT_SYMBOL_GPL(vbg_status_code_to_errno);

/*
 * HGCM: host-guest calls.
 *
 * A call travels as one request (struct vmmdev_hgcm_call): the parameter
 * array in the 64-bit layout, then the "extra" area holding the page-list
 * descriptors and embedded data the parameters point to.  The host answers
 * VINF_HGCM_ASYNC_EXECUTE at submission and later writes the outputs, sets
 * VBOX_HGCM_REQ_DONE and posts the HGCM event; the ISR completes the
 * waiter of each request that is DONE, and only that one.
 *
 * Buffers: user buffers are pinned (FOLL_LONGTERM, charged to the caller's
 * RLIMIT_MEMLOCK) and described page by page (no-bounce page list when the
 * host has it); one that cannot be pinned is copied
 * (VBG_STAT_HGCM_BOUNCE_COPIES counts those).  Kernel buffers travel
 * inside the request when small; vmalloc buffers and order-0 pages of the
 * linear map (vboxsf's page-cache pages) are described page by page, the
 * driver holding a reference on each page; every other kernel buffer
 * (slab, compound pages, stack: a reference would keep the page but not
 * the object in it) is copied into driver memory.  So the host is only
 * ever given memory that stays valid if the driver has to abandon the
 * request.  Whether a buffer is a user one is the call's @user flag kept
 * in struct vbg_hgcm_buf, never guessed from its address.  Page lists
 * count VMMDev's 4 KiB pages whatever PAGE_SIZE (vbg_vmmdev_page_list()).
 *
 * The give-up contract.  Every wait the host controls is bounded: by the
 * caller's timeout, a signal (user calls: any; user connect/disconnect and
 * kernel callers: a fatal one), device removal, and for session close and
 * kernel connect/disconnect a fixed limit.  A waiter that gives up cancels
 * the request on the host.  If the host drops it, everything is freed and
 * the caller gets -EINTR, -ETIMEDOUT or -ENODEV.  If the host refuses the
 * cancel or answers "not found" (completion in flight), the waiter waits
 * VBG_HGCM_CANCEL_GRACE more for DONE; if DONE comes, the call finished
 * normally.  Otherwise the request is abandoned: it, its bounce copies,
 * its pinned user pages (still charged to RLIMIT_MEMLOCK) and its
 * page references are never released, so the host may still
 * write into all of them (VBG_STAT_HGCM_LEAKED counts those), and the
 * caller gets -EIO.  A request the host dropped in a device reset (it
 * writes nothing to those, vmmdev-spec.md appendix) ends with -ECONNRESET
 * once the driver notices the reset (vbg_core_host_restore()).  A leaked
 * request is whole pages (vbg_req_alloc()), which keep nothing from being
 * torn down at unload.
 */

/* Largest buffer per parameter: user (pinned) and kernel buffers. */
#define VBG_HGCM_MAX_USER_BUF		(24 * SZ_1M)
#define VBG_HGCM_MAX_KERNEL_BUF		(16 * SZ_1M)
/* Largest sum of the buffers of one call, checked before pinning. */
#define VBG_HGCM_MAX_CALL_BUF		(64 * SZ_1M)
/* Kernel buffers up to this size travel inside the request. */
#define VBG_HGCM_MAX_EMBEDDED		512
/* How long a refused or "not found" cancel waits for DONE. */
#define VBG_HGCM_CANCEL_GRACE		(2 * HZ)
/* Limit of a connect or disconnect (they do not wait for anything). */
#define VBG_HGCM_CONNECT_TIMEOUT_MS	30000

/**
 * struct vbg_hgcm_waiter - one HGCM request in flight.
 * @node: entry in vbg_dev.hgcm_waiters.
 * @req: the request.
 * @done: completed when @req is DONE (by the ISR) or the device goes.
 * @dropped: the host forgot @req in a device reset and will never write
 *	to it (set under vbg_dev.hgcm_lock by vbg_hgcm_drop_all()).
 */
struct vbg_hgcm_waiter {
	struct list_head node;
	struct vmmdev_hgcmreq_header *req;
	struct completion done;
	bool dropped;
};

static bool vbg_hgcm_is_done(struct vmmdev_hgcmreq_header *req)
{
	if (!(READ_ONCE(req->flags) & VBOX_HGCM_REQ_DONE))
		return false;
	/* The host wrote the outputs before DONE: read them after it. */
	dma_rmb();
	return true;
}

/**
 * vbg_hgcm_end_waits() - wake HGCM waiters.
 * @gdev: the device.
 * @which: VBG_HGCM_END_DONE: the waiters whose request is DONE (the ISR);
 *	VBG_HGCM_END_ALL: every waiter (the device is going away);
 *	VBG_HGCM_END_DROPPED: every waiter, the host having forgotten every
 *	request that is not DONE in a device reset and never writing to it
 *	again (vmmdev-spec.md appendix): its waiter frees it and returns
 *	-ECONNRESET (vbg_hgcm_drop_all()).
 *
 * Waiters whose request is DONE leave the list.
 *
 * Context: any (the ISR on an HGCM event, remove after setting removed,
 * the host-reset restore with hgcm_submit_rwsem held for writing).
 */
void vbg_hgcm_end_waits(struct vbg_dev *gdev, enum vbg_hgcm_end which)
{
	struct vbg_hgcm_waiter *w, *tmp;
	unsigned long flags;

	spin_lock_irqsave(&gdev->hgcm_lock, flags);
	list_for_each_entry_safe(w, tmp, &gdev->hgcm_waiters, node) {
		if (READ_ONCE(w->req->flags) & VBOX_HGCM_REQ_DONE)
			list_del_init(&w->node);
		else if (which == VBG_HGCM_END_DONE)
			continue;
		else if (which == VBG_HGCM_END_DROPPED)
			WRITE_ONCE(w->dropped, true);
		complete(&w->done);
	}
	spin_unlock_irqrestore(&gdev->hgcm_lock, flags);
}

/*
 * Ask the host to drop @req.  Cancel2 first; the legacy cancel (the call's
 * own header turned into type 64, same address) only if the host does not
 * know Cancel2.
 * Return: 0 if the host dropped it (it will not write to it again),
 * -ENOENT if it was not pending (its completion may be in flight), another
 * -errno if the cancel itself failed.
 */
static int vbg_hgcm_cancel(struct vbg_dev *gdev,
			   struct vmmdev_hgcmreq_header *req)
{
	struct vmmdev_hgcm_cancel2 *cancel = gdev->hgcm_cancel_req;
	int rc;

	mutex_lock(&gdev->hgcm_cancel_mutex);
	/* The 64-bit form for 7.1+, the only hosts with the MMIO window. */
	cancel->header.size = gdev->req_window ? sizeof(*cancel) :
			      VMMDEV_HGCM_CANCEL2_SIZE32;
	cancel->header.request_type = VMMDEVREQ_HGCM_CANCEL2;
	cancel->header.requestor = req->header.requestor;
	cancel->header.rc = VERR_GENERAL_FAILURE;
	cancel->phys_req_to_cancel = virt_to_phys(req);
	vbg_req_submit(gdev, cancel);
	rc = READ_ONCE(cancel->header.rc);
	mutex_unlock(&gdev->hgcm_cancel_mutex);

	if (rc == VERR_NOT_IMPLEMENTED) {
		WRITE_ONCE(req->header.request_type, VMMDEVREQ_HGCM_CANCEL);
		vbg_req_submit(gdev, req);
		rc = READ_ONCE(req->header.rc);
		/* The legacy cancel reports "not pending" like this. */
		if (rc == VERR_INVALID_PARAMETER)
			rc = VERR_NOT_FOUND;
	}
	if (rc >= 0) {
		WRITE_ONCE(req->flags, READ_ONCE(req->flags) |
				       VBOX_HGCM_REQ_CANCELLED);
		return 0;
	}
	if (rc == VERR_NOT_FOUND)
		return -ENOENT;
	vbg_dev_err_ratelimited(gdev, "HGCM cancel failed: rc %d\n", rc);
	return vbg_status_code_to_errno(rc);
}

/* How an HGCM waiter sleeps (every mode also ends on removal). */
enum vbg_hgcm_wait_mode {
	VBG_HGCM_WAIT_UNINTERRUPTIBLE,	/* session close (bounded) */
	VBG_HGCM_WAIT_KILLABLE,		/* kernel callers, user connect/disc. */
	VBG_HGCM_WAIT_INTERRUPTIBLE,	/* user calls */
};

/* Sleep on @w for at most @timeout jiffies.  Return: as wait_for_*(). */
static long vbg_hgcm_sleep(struct vbg_hgcm_waiter *w,
			   enum vbg_hgcm_wait_mode mode, long timeout)
{
	if (mode == VBG_HGCM_WAIT_INTERRUPTIBLE)
		return wait_for_completion_interruptible_timeout(&w->done,
								 timeout);
	if (mode == VBG_HGCM_WAIT_KILLABLE)
		return wait_for_completion_killable_timeout(&w->done, timeout);
	return wait_for_completion_timeout(&w->done, timeout);
}

/*
 * Wait for the request of @w; on a signal, timeout or removal give up as
 * the contract above says.
 * Return: 0 when the request finished (header.result holds the answer),
 * -ECONNRESET when the host dropped it in a device reset,
 * -EINTR / -ETIMEDOUT / -ENODEV when it was cancelled (the host is done
 * with it), -EIO when it was abandoned: the caller must then neither free
 * the request nor release its buffers.
 */
static int vbg_hgcm_wait(struct vbg_dev *gdev, struct vbg_hgcm_waiter *w,
			 enum vbg_hgcm_wait_mode mode, u32 timeout_ms)
{
	long timeout = timeout_ms == U32_MAX ? MAX_SCHEDULE_TIMEOUT :
			msecs_to_jiffies(timeout_ms) + 1;
	long left;
	int ret;

	for (;;) {
		if (vbg_hgcm_is_done(w->req))
			return 0;
		if (READ_ONCE(w->dropped))
			return -ECONNRESET;
		if (READ_ONCE(gdev->removed)) {
			ret = -ENODEV;
			break;
		}
		left = vbg_hgcm_sleep(w, mode, timeout);
		if (left <= 0) {
			ret = left ? -EINTR : -ETIMEDOUT;
			break;
		}
		if (timeout != MAX_SCHEDULE_TIMEOUT)
			timeout = left;
	}

	if (vbg_hgcm_is_done(w->req))
		return 0;
	if (!vbg_hgcm_cancel(gdev, w->req))
		return ret;

	/* Not found (completion in flight?) or refused: a bounded grace. */
	timeout = VBG_HGCM_CANCEL_GRACE;
	while (!vbg_hgcm_is_done(w->req) && !READ_ONCE(w->dropped) && timeout)
		timeout = wait_for_completion_timeout(&w->done, timeout);
	if (vbg_hgcm_is_done(w->req))
		return 0;
	if (READ_ONCE(w->dropped))
		return -ECONNRESET;
	atomic64_inc(&gdev->stats[VBG_STAT_HGCM_LEAKED]);
	vbg_dev_err_ratelimited(gdev, "HGCM request %u neither completed nor cancelled by the host; abandoned\n",
				w->req->header.request_type);
	return -EIO;
}

/*
 * Submit an HGCM request and wait for its end.  A synchronous failure
 * (rc < 0 at submission) is a finished request whose result is that rc.
 * Return: as vbg_hgcm_wait(); -errno if the request could not be
 * submitted at all (the host never saw it).
 */
static int vbg_hgcm_submit_wait(struct vbg_dev *gdev,
				struct vmmdev_hgcmreq_header *req,
				enum vbg_hgcm_wait_mode mode, u32 timeout_ms)
{
	struct vbg_hgcm_waiter w = { .req = req };
	int ret, rc;

	init_completion(&w.done);
	req->flags = 0;
	req->result = VERR_GENERAL_FAILURE;
	/*
	 * Listed first: the ISR may see it DONE before the submit returns.
	 * hgcm_submit_rwsem: see vbg_hgcm_drop_all().
	 */
	down_read(&gdev->hgcm_submit_rwsem);
	spin_lock_irq(&gdev->hgcm_lock);
	list_add_tail(&w.node, &gdev->hgcm_waiters);
	spin_unlock_irq(&gdev->hgcm_lock);

	ret = vbg_req_submit(gdev, req);
	up_read(&gdev->hgcm_submit_rwsem);
	rc = READ_ONCE(req->header.rc);
	if (rc == VINF_HGCM_ASYNC_EXECUTE) {
		ret = vbg_hgcm_wait(gdev, &w, mode, timeout_ms);
	} else if (!ret || rc != VERR_GENERAL_FAILURE) {
		/* Answered at submission (else refused before the host). */
		if (rc < 0)
			req->result = rc;
		ret = 0;
	}

	spin_lock_irq(&gdev->hgcm_lock);
	list_del(&w.node);
	spin_unlock_irq(&gdev->hgcm_lock);
	return ret;
}

/*
 * The wait mode and limit of a connect or disconnect: killable, and
 * bounded because the host has nothing to wait for; a closing session
 * (@deadline set) cannot be killed, its disconnects share one deadline.
 * Return: the limit in ms, 0 if @deadline has passed.
 */
static u32 vbg_hgcm_conn_limit(const unsigned long *deadline,
			       enum vbg_hgcm_wait_mode *mode)
{
	if (!deadline) {
		*mode = VBG_HGCM_WAIT_KILLABLE;
		return VBG_HGCM_CONNECT_TIMEOUT_MS;
	}
	*mode = VBG_HGCM_WAIT_UNINTERRUPTIBLE;
	if (time_after_eq(jiffies, *deadline))
		return 0;
	return jiffies_to_msecs(*deadline - jiffies);
}

/*
 * HGCMConnect (@loc set) or HGCMDisconnect of *@client_id: one request,
 * the wait of vbg_hgcm_conn_limit(), the host's answer in @vbox_status
 * and, for a connect, the new client id in *@client_id.  The caller holds
 * the removal lock: the exported functions below, or the ioctls through
 * vbg_hgcm_do_connect() and vbg_hgcm_do_disconnect() in vboxguest_core.h.
 */
int vbg_hgcm_conn(struct vbg_dev *gdev, u32 requestor,
		  const struct vmmdev_hgcm_service_location *loc,
		  u32 *client_id, int *vbox_status,
		  const unsigned long *deadline)
{
	union {
		struct vmmdev_hgcm_connect c;
		struct vmmdev_hgcm_disconnect d;
	} *req;
	size_t len = loc ? sizeof(req->c) : sizeof(req->d);
	enum vbg_hgcm_wait_mode mode;
	u32 limit = vbg_hgcm_conn_limit(deadline, &mode);
	int ret;

	if (!limit)
		return -ETIMEDOUT;
	req = vbg_req_alloc(len, loc ? VMMDEVREQ_HGCM_CONNECT :
			    VMMDEVREQ_HGCM_DISCONNECT, requestor);
	if (!req)
		return -ENOMEM;
	if (loc) {
		req->c.loc = *loc;
		req->c.loc.u.localhost.service_name[sizeof(loc->u.localhost.service_name) - 1] = 0;
	} else {
		req->d.client_id = *client_id;
	}
	ret = vbg_hgcm_submit_wait(gdev, &req->c.header, mode, limit);
	if (ret == -EIO)
		return ret;	/* the host may still write: leaked */
	if (!ret) {
		*vbox_status = READ_ONCE(req->c.header.result);
		if (loc)
			*client_id = READ_ONCE(req->c.client_id);
	}
	vbg_req_free(req, len);
	return ret;
}

/*
 * VMMDev counts guest pages in 4 KiB units whatever the kernel's
 * PAGE_SIZE (16 KiB and 64 KiB arm64 kernels): HGCM page lists (first-page
 * offset, count, addresses) and the balloon's chunk.  The conversion is
 * here and nowhere else.
 */
#define VBG_VMMDEV_PAGE_SIZE	SZ_4K

/**
 * vbg_vmmdev_page_count() - VMMDev pages a buffer covers.
 * @offset: the buffer's address, or its offset in any page (only the
 *	offset in its 4 KiB page counts).
 * @size: the buffer's size.
 *
 * Return: the number of 4 KiB pages from the one holding the first byte
 * to the one holding the last (0 for an empty buffer).
 */
VISIBLE_IF_KUNIT u32 vbg_vmmdev_page_count(unsigned long offset, u32 size)
{
	return DIV_ROUND_UP((offset & (VBG_VMMDEV_PAGE_SIZE - 1)) + size,
			    VBG_VMMDEV_PAGE_SIZE);
}

/**
 * vbg_vmmdev_page_list() - a buffer's 4 KiB page addresses for VMMDev.
 * @dst: out: @n guest-physical addresses of 4 KiB pages, in order.
 * @n: entries to write, at most vbg_vmmdev_page_count() of the buffer.
 * @offset: the buffer's offset in its first kernel page.
 * @page_shift: the kernel's page size: PAGE_SHIFT (the KUnit cases feed
 *	12, 14 and 16 on any kernel).
 * @kpage: guest-physical address of kernel page @i of the buffer.
 * @ctx: passed to @kpage.
 *
 * Entry 0 is the 4 KiB page holding the first byte; VMMDev's first-page
 * offset is then @offset modulo 4 KiB.
 */
VISIBLE_IF_KUNIT
void vbg_vmmdev_page_list(u64 *dst, u32 n, unsigned long offset,
			  unsigned int page_shift,
			  u64 (*kpage)(const void *ctx, u32 i), const void *ctx)
{
	unsigned long mask = (1UL << page_shift) - 1;
	unsigned long pos = offset & mask &
			    ~(unsigned long)(VBG_VMMDEV_PAGE_SIZE - 1);
	u32 i;

	for (i = 0; i < n; i++, pos += VBG_VMMDEV_PAGE_SIZE)
		dst[i] = kpage(ctx, pos >> page_shift) + (pos & mask);
}

static u64 vbg_page_array_phys(const void *ctx, u32 i)
{
	struct page *const *pages = ctx;

	return page_to_phys(pages[i]);
}

/**
 * vbg_balloon_chunk_list() - the ChangeMemBalloon page list of a chunk.
 * @phys_page: out: VMMDEV_MEMORY_BALLOON_CHUNK_PAGES (256) addresses of
 *	4 KiB pages.
 * @pages: the chunk's VBG_BALLOON_CHUNK_KPAGES kernel pages (1 MiB).
 */
void vbg_balloon_chunk_list(u64 *phys_page, struct page *const *pages)
{
	vbg_vmmdev_page_list(phys_page, VMMDEV_MEMORY_BALLOON_CHUNK_PAGES, 0,
			     PAGE_SHIFT, vbg_page_array_phys, pages);
}

/**
 * struct vbg_hgcm_buf - how one buffer parameter reaches the host.
 * @kaddr: what the host is given for a kernel buffer or a copy: the
 *	caller's buffer, or the bounce copy; NULL for a pinned user buffer.
 * @kbuf: the kernel caller's buffer (where a bounce copy goes back).
 * @uaddr: the user buffer (pinned or bounced) when @user.
 * @pages: the pinned user pages (@pinned) or the referenced pages of a
 *	kernel buffer (vmalloc or linear map); NULL otherwise.  &@page1
 *	for a buffer in one page, else an allocated array.
 * @page1: the page of a one-page buffer.
 * @nr_pages: kernel pages the buffer touches.
 * @size: buffer size.
 * @dir: VMMDEV_HGCM_F_PARM_DIRECTION_* bits.
 * @type: parameter type sent to the host.
 * @extra: offset of its descriptor or embedded data in the request.
 * @user: the buffer is a user address (@uaddr, whatever its value), else
 *	a kernel one (@kbuf): decides prepare, bounce, copy-back and the
 *	RLIMIT_MEMLOCK charge.
 * @bounced: @kaddr is a kvmalloc()ed copy.
 * @pinned: @pages are pinned user pages (else page references).
 */
struct vbg_hgcm_buf {
	void *kaddr;
	void *kbuf;
	void __user *uaddr;
	struct page **pages;
	struct page *page1;
	u32 nr_pages;
	u32 size;
	u32 dir;
	u32 type;
	u32 extra;
	bool user;
	bool bounced;
	bool pinned;
};

/* Emit vbg_hgcm_call_start; @io is for vbg_hgcm_call_complete too. */
static void vbg_hgcm_trace_start(const struct vmmdev_hgcm_call *req,
				 const struct vbg_hgcm_buf *bufs, u32 parm_count,
				 struct vbg_hgcm_io *io)
{
	u32 i;

	if (!trace_vbg_hgcm_call_start_enabled() &&
	    !trace_vbg_hgcm_call_complete_enabled())
		return;
	for (i = 0; i < parm_count; i++) {
		io->bytes += bufs[i].size;
		if (bufs[i].pages)
			io->pages += bufs[i].nr_pages;
		else if (bufs[i].bounced ||
			 bufs[i].type == VMMDEV_HGCM_PARM_TYPE_EMBEDDED_PAGELIST)
			io->copied += bufs[i].size;
	}
	trace_vbg_hgcm_call_start(req, io, 0);
}

/*
 * Direction of a linear-address type; 0 for anything else.  Types 4-6
 * (user or kernel) and 7-9 (kernel only) go both ways, to the host and
 * from the host, in that order.
 */
static u32 vbg_hgcm_linaddr_dir(u32 type, bool user)
{
	static const u8 dir[] = {
		VMMDEV_HGCM_F_PARM_DIRECTION_BOTH,
		VMMDEV_HGCM_F_PARM_DIRECTION_TO_HOST,
		VMMDEV_HGCM_F_PARM_DIRECTION_FROM_HOST,
	};
	u32 n = type - VMMDEV_HGCM_PARM_TYPE_LINADDR;

	if (n >= (user ? 3 : 6))
		return 0;
	return dir[n % 3];
}

/* The linear type (4-6) with the same direction, for empty buffers. */
static u32 vbg_hgcm_dir_to_linaddr(u32 dir)
{
	if (dir == VMMDEV_HGCM_F_PARM_DIRECTION_BOTH)
		return VMMDEV_HGCM_PARM_TYPE_LINADDR;
	/* TO_HOST (1) is LINADDR_IN (5), FROM_HOST (2) LINADDR_OUT (6). */
	return VMMDEV_HGCM_PARM_TYPE_LINADDR + dir;
}

/* Bytes of a page-list descriptor with @count (4 KiB) entries. */
static size_t vbg_hgcm_pagelist_bytes(u32 count)
{
	return offsetof(struct vmmdev_hgcm_pagelist, pages) +
	       count * sizeof(u64);
}

/* Bytes of the page list of the buffer at @addr. */
static size_t vbg_hgcm_pagelist_size(unsigned long addr, u32 size)
{
	return vbg_hgcm_pagelist_bytes(vbg_vmmdev_page_count(addr, size));
}

/* The page-list type for pages the host may write directly. */
static u32 vbg_hgcm_pagelist_type(struct vbg_dev *gdev)
{
	return gdev->host_features & VMMDEV_HVF_HGCM_NO_BOUNCE_PAGE_LIST ?
	       VMMDEV_HGCM_PARM_TYPE_NO_BOUNCE_PAGELIST :
	       VMMDEV_HGCM_PARM_TYPE_PAGELIST;
}

/*
 * Copy @buf into driver memory (the whole buffer whatever the direction,
 * which keeps the bytes the host does not write).  From @buf->uaddr for
 * a user buffer, else from @buf->kbuf.  Return: 0 or -errno.
 */
static int vbg_hgcm_bounce(struct vbg_hgcm_buf *buf)
{
	buf->kaddr = kvmalloc(buf->size, GFP_KERNEL);
	if (!buf->kaddr)
		return -ENOMEM;
	buf->bounced = true;
	if (!buf->user) {
		memcpy(buf->kaddr, buf->kbuf, buf->size);
		return 0;
	}
	return copy_from_user(buf->kaddr, buf->uaddr, buf->size) ? -EFAULT : 0;
}

/* Room for @buf's page pointers: @buf->page1 or an array.  0 or -ENOMEM. */
static int vbg_hgcm_pages_alloc(struct vbg_hgcm_buf *buf)
{
	buf->pages = buf->nr_pages == 1 ? &buf->page1 :
		     kvmalloc_array(buf->nr_pages, sizeof(*buf->pages),
				    GFP_KERNEL);
	return buf->pages ? 0 : -ENOMEM;
}

/* Free what vbg_hgcm_pages_alloc() allocated; @buf->pages is NULL after. */
static void vbg_hgcm_pages_free(struct vbg_hgcm_buf *buf)
{
	if (buf->pages != &buf->page1)
		kvfree(buf->pages);
	buf->pages = NULL;
}

/*
 * The page of the kernel buffer @va (vmalloc or linear map) that can be
 * referenced, or NULL: a reference keeps a slab page but not the object
 * in it, and a tail page has no count of its own.
 */
static struct page *vbg_hgcm_ref_page(void *va)
{
	struct page *page = is_vmalloc_addr(va) ? vmalloc_to_page(va) :
						  virt_to_page(va);

	if (!page || PageSlab(page) || PageCompound(page) ||
	    !get_page_unless_zero(page))
		return NULL;
	return page;
}

/*
 * Take a reference on every page of the kernel buffer @buf->kaddr
 * (vmalloc or linear map), so that an abandoned request keeps them from
 * being freed and reused.  Return: true, or false (nothing held) if a
 * page cannot be referenced (slab, compound, stack: the caller copies).
 */
static bool vbg_hgcm_ref_pages(struct vbg_hgcm_buf *buf)
{
	unsigned long va = (unsigned long)buf->kaddr & PAGE_MASK;
	u32 i;

	/* A stack may be vmalloc but is reused when its task ends. */
	if (object_is_on_stack(buf->kaddr))
		return false;
	if (vbg_hgcm_pages_alloc(buf))
		return false;
	for (i = 0; i < buf->nr_pages; i++) {
		buf->pages[i] = vbg_hgcm_ref_page((void *)(va + i * PAGE_SIZE));
		if (!buf->pages[i])
			break;
	}
	if (i == buf->nr_pages)
		return true;
	release_pages(buf->pages, i);
	vbg_hgcm_pages_free(buf);
	return false;
}

/*
 * Choose how the kernel buffer @buf->kbuf, or a user buffer that could
 * not be pinned, reaches the host: inside the request, by its pages, or
 * by a bounce copy in @buf->kaddr; return the bytes it needs in the
 * extra area.  Return: bytes, or -errno.
 */
static long vbg_hgcm_prepare_kernel(struct vbg_dev *gdev,
				    struct vbg_hgcm_buf *buf)
{
	u32 features = gdev->host_features;
	int ret;

	if (!buf->user) {
		buf->kaddr = buf->kbuf;
		if ((features & VMMDEV_HVF_HGCM_EMBEDDED_BUFFERS) &&
		    buf->size <= VBG_HGCM_MAX_EMBEDDED) {
			buf->type = VMMDEV_HGCM_PARM_TYPE_EMBEDDED_PAGELIST;
			return ALIGN(buf->size, 8);
		}
		if (!is_vmalloc_addr(buf->kbuf) &&
		    (!virt_addr_valid(buf->kbuf) ||
		     !virt_addr_valid(buf->kbuf + buf->size - 1))) {
			vbg_dev_err_ratelimited(gdev, "HGCM: kernel buffer %p is neither linear-mapped nor vmalloc\n",
						buf->kbuf);
			return -EINVAL;
		}
	}
	if (buf->user || !vbg_hgcm_ref_pages(buf)) {
		ret = vbg_hgcm_bounce(buf);
		if (ret)
			return ret;
		if (buf->user)
			atomic64_inc(&gdev->stats[VBG_STAT_HGCM_BOUNCE_COPIES]);
	}
	buf->nr_pages = DIV_ROUND_UP(offset_in_page(buf->kaddr) + buf->size,
				     PAGE_SIZE);
	if (is_vmalloc_addr(buf->kaddr)) {
		buf->type = vbg_hgcm_pagelist_type(gdev);
		return vbg_hgcm_pagelist_size((unsigned long)buf->kaddr,
					      buf->size);
	}
	/* The linear map is physically contiguous. */
	if (features & VMMDEV_HVF_HGCM_CONTIGUOUS_PAGE_LIST) {
		buf->type = VMMDEV_HGCM_PARM_TYPE_CONTIGUOUS_PAGELIST;
		return vbg_hgcm_pagelist_bytes(1);
	}
	buf->type = VMMDEV_HGCM_PARM_TYPE_PAGELIST;
	return vbg_hgcm_pagelist_size((unsigned long)buf->kaddr, buf->size);
}

/*
 * Pin the user buffer @buf->uaddr for the long term (its pages are
 * already charged to RLIMIT_MEMLOCK).
 * Return: bytes needed in the extra area when pinned, 0 when it cannot be
 * pinned (I/O or PFN mappings, for instance: vbg_hgcm_prepare_kernel()
 * copies it then), or -errno.
 */
static long vbg_hgcm_prepare_user(struct vbg_dev *gdev,
				  struct vbg_hgcm_buf *buf)
{
	unsigned long addr = (unsigned long)buf->uaddr;
	unsigned int flags = FOLL_LONGTERM;
	int pinned;

	if (vbg_hgcm_pages_alloc(buf))
		return -ENOMEM;
	if (buf->dir & VMMDEV_HGCM_F_PARM_DIRECTION_FROM_HOST)
		flags |= FOLL_WRITE;
	pinned = pin_user_pages_fast(addr & PAGE_MASK, buf->nr_pages, flags,
				     buf->pages);
	if (pinned == buf->nr_pages) {
		buf->pinned = true;
		buf->type = vbg_hgcm_pagelist_type(gdev);
		return vbg_hgcm_pagelist_size(addr, buf->size);
	}
	if (pinned > 0)
		unpin_user_pages_dirty_lock(buf->pages, pinned, false);
	vbg_hgcm_pages_free(buf);
	return 0;
}

/*
 * Parameter @i of @parms in either layout.  The two layouts agree on
 * type (offset 0), value64 and the buffer size (offset 4); only the
 * linear address differs in width (offset 8: 32 or 64 bits).  So both
 * are read in place through the 12-byte 32-bit struct, which ends
 * within either, and only a 64-bit linear address through the 64-bit one.
 */
static struct vmmdev_hgcm_function_parameter32 *
vbg_hgcm_parm(void *parms, u32 i, bool parms32)
{
	return parms + i * (parms32 ?
			    sizeof(struct vmmdev_hgcm_function_parameter32) :
			    sizeof(struct vmmdev_hgcm_function_parameter64));
}

/*
 * Check parameter @parm and note its buffer in @buf (nothing pinned or
 * copied yet).  Return: an upper bound of the bytes it needs in the extra
 * area, or -errno.
 */
static long vbg_hgcm_check_parm(struct vbg_dev *gdev, bool user,
				const struct vmmdev_hgcm_function_parameter32 *parm,
				bool parms32, struct vbg_hgcm_buf *buf)
{
	const struct vmmdev_hgcm_function_parameter64 *parm64 = (void *)parm;
	u64 addr = parms32 ? parm->u.pointer.u.linear_addr :
			     parm64->u.pointer.u.linear_addr;
	u32 max = user ? VBG_HGCM_MAX_USER_BUF : VBG_HGCM_MAX_KERNEL_BUF;

	if (parm->type == VMMDEV_HGCM_PARM_TYPE_32BIT ||
	    parm->type == VMMDEV_HGCM_PARM_TYPE_64BIT)
		return 0;
	buf->dir = vbg_hgcm_linaddr_dir(parm->type, user);
	if (!buf->dir) {
		dev_dbg_ratelimited(gdev->dev, "HGCM: parameter type %u refused\n",
				    parm->type);
		return -EINVAL;
	}
	buf->size = parm->u.pointer.size;
	if (!buf->size) {
		/* Empty: no pages; a linear type the host accepts. */
		buf->type = user ? parm->type : vbg_hgcm_dir_to_linaddr(buf->dir);
		return 0;
	}
	if (buf->size > max)
		return -E2BIG;
	if (addr != (unsigned long)addr)
		return -EFAULT;
	buf->user = user;
	if (user) {
		/* Unmapped (address 0 too): pinning and copying fail. */
		buf->uaddr = u64_to_user_ptr(addr);
		if (!access_ok(buf->uaddr, buf->size))
			return -EFAULT;
	} else {
		buf->kbuf = (void *)(unsigned long)addr;
	}
	buf->nr_pages = DIV_ROUND_UP(offset_in_page(addr) + buf->size,
				     PAGE_SIZE);
	return max_t(size_t, vbg_hgcm_pagelist_size(addr, buf->size),
		     ALIGN(VBG_HGCM_MAX_EMBEDDED, 8));
}

/* Guest-physical address of kernel page @i of buffer @ctx. */
static u64 vbg_hgcm_buf_page(const void *ctx, u32 i)
{
	const struct vbg_hgcm_buf *buf = ctx;
	void *va;

	if (buf->pages)
		return page_to_phys(buf->pages[i]);
	va = (void *)(((unsigned long)buf->kaddr & PAGE_MASK) + i * PAGE_SIZE);
	if (is_vmalloc_addr(va))
		return page_to_phys(vmalloc_to_page(va));
	return page_to_phys(virt_to_page(va));
}

/* Write parameter @dst and its extra-area part for buffer @buf. */
static void vbg_hgcm_fill_buf(struct vmmdev_hgcm_call *req,
			      struct vmmdev_hgcm_function_parameter64 *dst,
			      const struct vbg_hgcm_buf *buf)
{
	unsigned long addr = buf->pinned ? (unsigned long)buf->uaddr :
					   (unsigned long)buf->kaddr;
	struct vmmdev_hgcm_pagelist *pl;
	u64 *pages;
	u32 n;

	dst->type = buf->type;
	if (!buf->size) {
		dst->u.pointer.size = 0;
		dst->u.pointer.u.linear_addr = 0;
		return;
	}
	if (buf->type == VMMDEV_HGCM_PARM_TYPE_EMBEDDED_PAGELIST) {
		/* Flags in bits 0-7, the data offset in bits 8-31. */
		dst->u.value32 = buf->dir | (buf->extra << 8);
		dst->u.page_list.offset = buf->size;
		if (buf->dir & VMMDEV_HGCM_F_PARM_DIRECTION_TO_HOST)
			memcpy((u8 *)req + buf->extra, buf->kaddr, buf->size);
		return;
	}
	dst->u.page_list.size = buf->size;
	dst->u.page_list.offset = buf->extra;
	pl = (void *)req + buf->extra;
	pl->flags = buf->dir;
	pl->offset_first_page = addr & (VBG_VMMDEV_PAGE_SIZE - 1);
	n = buf->type == VMMDEV_HGCM_PARM_TYPE_CONTIGUOUS_PAGELIST ?
	    1 : vbg_vmmdev_page_count(addr, buf->size);
	pl->page_count = n;
	/* The uapi declares pages[1] but the list has n entries. */
	pages = (u64 *)((u8 *)pl + offsetof(struct vmmdev_hgcm_pagelist, pages));
	vbg_vmmdev_page_list(pages, n, offset_in_page(addr), PAGE_SHIFT,
			     vbg_hgcm_buf_page, buf);
}

/*
 * Hand the outputs of a finished call back: values, buffer sizes the host
 * updated, embedded data and bounce copies.
 * Return: 0 or -EFAULT if a bounce copy could not be written back.
 */
static int vbg_hgcm_copy_back(const struct vmmdev_hgcm_call *req,
			      void *parms, bool parms32,
			      struct vbg_hgcm_buf *bufs, u32 parm_count)
{
	const struct vmmdev_hgcm_function_parameter64 *src = (void *)(req + 1);
	u32 i, size;
	int ret = 0;

	for (i = 0; i < parm_count; i++) {
		struct vbg_hgcm_buf *buf = &bufs[i];
		struct vmmdev_hgcm_function_parameter32 *parm =
			vbg_hgcm_parm(parms, i, parms32);

		if (parm->type == VMMDEV_HGCM_PARM_TYPE_32BIT ||
		    parm->type == VMMDEV_HGCM_PARM_TYPE_64BIT) {
			parm->u.value64 = src[i].u.value64;
			continue;
		}
		if (!buf->size)
			continue;
		size = buf->size;
		if (buf->type == VMMDEV_HGCM_PARM_TYPE_EMBEDDED_PAGELIST)
			size = min(src[i].u.page_list.offset, buf->size);
		else if (buf->type != VMMDEV_HGCM_PARM_TYPE_PAGELIST)
			size = min(src[i].u.page_list.size, buf->size);
		parm->u.pointer.size = size;
		if (!(buf->dir & VMMDEV_HGCM_F_PARM_DIRECTION_FROM_HOST))
			continue;
		if (buf->type == VMMDEV_HGCM_PARM_TYPE_EMBEDDED_PAGELIST)
			memcpy(buf->kaddr, (u8 *)req + buf->extra, size);
		else if (buf->bounced && buf->user)
			ret |= copy_to_user(buf->uaddr, buf->kaddr, buf->size) ?
			       -EFAULT : 0;
		else if (buf->bounced)
			memcpy(buf->kbuf, buf->kaddr, buf->size);
	}
	return ret;
}

/*
 * Release what the buffers hold: unpin (and uncharge @locked pages from
 * RLIMIT_MEMLOCK), drop page references, free copies.  With @abandon the
 * host may still write into them: keep all of it for ever instead, and
 * tell kmemleak that the arrays and copies are kept on purpose.
 */
static void vbg_hgcm_release_bufs(struct vbg_hgcm_buf *bufs, u32 parm_count,
				  unsigned long locked, bool abandon)
{
	u32 i;

	for (i = 0; i < parm_count; i++) {
		struct vbg_hgcm_buf *buf = &bufs[i];
		bool dirty = buf->dir & VMMDEV_HGCM_F_PARM_DIRECTION_FROM_HOST;

		if (abandon) {
			/* &page1: the pages stay held, only bufs goes. */
			if (buf->pages != &buf->page1)
				kmemleak_not_leak(buf->pages);
			if (buf->bounced)
				kmemleak_not_leak(buf->kaddr);
			continue;
		}
		if (buf->pinned)
			unpin_user_pages_dirty_lock(buf->pages, buf->nr_pages,
						    dirty);
		else if (buf->pages)
			release_pages(buf->pages, buf->nr_pages);
		vbg_hgcm_pages_free(buf);
		if (buf->bounced)
			kvfree(buf->kaddr);
	}
	if (locked && !abandon)
		account_locked_vm(current->mm, locked, false);
}

/*
 * Check every parameter and the whole call's size, then charge the user
 * pages to RLIMIT_MEMLOCK, then pin, reference or copy the buffers.
 * Return: the request's length, or -errno; either way the caller releases
 * @bufs with @locked (nothing is held when a check failed).
 */
static long vbg_hgcm_prepare_bufs(struct vbg_dev *gdev, bool user,
				  void *parms, bool parms32,
				  struct vbg_hgcm_buf *bufs, u32 parm_count,
				  unsigned long *locked)
{
	size_t len = ALIGN(sizeof(struct vmmdev_hgcm_call) + parm_count *
			   sizeof(struct vmmdev_hgcm_function_parameter64), 8);
	size_t bound = len, total = 0;
	unsigned long pages = 0;
	long extra;
	u32 i;
	int ret;

	for (i = 0; i < parm_count; i++) {
		extra = vbg_hgcm_check_parm(gdev, user,
					    vbg_hgcm_parm(parms, i, parms32), parms32,
					    &bufs[i]);
		if (extra < 0)
			return extra;
		bound += extra;
		total += bufs[i].size;
		pages += bufs[i].user ? bufs[i].nr_pages : 0;
	}
	if (total > VBG_HGCM_MAX_CALL_BUF || bound > VMMDEV_MAX_REQUEST_SIZE)
		return -E2BIG;
	*locked = 0;
	if (pages) {
		ret = account_locked_vm(current->mm, pages, true);
		if (ret)
			return ret;
	}
	for (i = 0; i < parm_count; i++) {
		struct vbg_hgcm_buf *buf = &bufs[i];

		extra = buf->user ? vbg_hgcm_prepare_user(gdev, buf) : 0;
		if (buf->pinned)
			*locked += buf->nr_pages;
		else if (!extra && buf->size)
			extra = vbg_hgcm_prepare_kernel(gdev, buf);
		if (extra < 0) {
			ret = extra;
			goto err;
		}
		buf->extra = len;
		len += extra;
	}
	/* Copies are not locked memory of the caller's. */
	if (pages > *locked)
		account_locked_vm(current->mm, pages - *locked, false);
	return len;

err:
	if (pages > *locked)
		account_locked_vm(current->mm, pages - *locked, false);
	return ret;
}

/*
 * Calls with up to this many parameters keep their buffers on the stack:
 * vboxsf's read and write (5), which it also makes from writeback.
 */
#define VBG_HGCM_STACK_PARMS		5

/**
 * vbg_hgcm_do_call() - HGCMCall, without the removal lock.
 * @gdev: the device.
 * @requestor: VMMDEV_REQUESTOR_* bits for the request.
 * @client_id: the client.
 * @function: service function number.
 * @timeout_ms: cancel the call after this long; U32_MAX: no limit.
 * @user: @parms come from userspace: linear addresses are user addresses
 *	(types 4-6 only), and a signal cancels the call.  Otherwise they
 *	are kernel addresses (types 4-9) and only a fatal signal does.
 * @parms: the parameters, updated with the outputs when the call finished.
 * @parms32: @parms are struct vmmdev_hgcm_function_parameter32, else
 *	struct vmmdev_hgcm_function_parameter64.
 * @parm_count: number of parameters (at most VMMDEV_HGCM_MAX_PARMS).
 * @vbox_status: out: the call's result.
 *
 * The give-up contract at the top of the HGCM code applies.
 *
 * Context: process context; the caller holds gdev->remove_rwsem for
 * reading.
 * Return: 0 if the call finished (see @vbox_status); -E2BIG for too many
 * parameters, a buffer over the limit (24 MiB user, 16 MiB kernel), all
 * buffers together over 64 MiB or a request over 1 MiB (checked before
 * anything is pinned), -EINVAL for a parameter type the caller may not
 * use, -EFAULT for a bad user buffer, -ENOMEM (also: the user pages
 * would exceed RLIMIT_MEMLOCK), -EINTR / -ETIMEDOUT when cancelled,
 * -ENODEV when the device went away, -ECONNRESET when the host dropped
 * the call in a device reset, -EIO when the request was abandoned.
 */
int vbg_hgcm_do_call(struct vbg_dev *gdev, u32 requestor, u32 client_id,
		     u32 function, u32 timeout_ms, bool user, void *parms,
		     bool parms32, u32 parm_count, int *vbox_status)
{
	struct vbg_hgcm_buf stack_bufs[VBG_HGCM_STACK_PARMS] = {};
	struct vbg_hgcm_buf *bufs = stack_bufs;
	struct vmmdev_hgcm_function_parameter64 *dst;
	struct vbg_hgcm_io io = {};
	struct vmmdev_hgcm_call *req;
	unsigned long locked = 0;
	bool abandon = false;
	long len;
	u32 i;
	int ret;

	if (parm_count > VMMDEV_HGCM_MAX_PARMS)
		return -E2BIG;
	if (parm_count > ARRAY_SIZE(stack_bufs)) {
		bufs = kcalloc(parm_count, sizeof(*bufs), GFP_KERNEL);
		if (!bufs)
			return -ENOMEM;
	}
	len = vbg_hgcm_prepare_bufs(gdev, user, parms, parms32, bufs, parm_count,
				    &locked);
	ret = len;
	if (len < 0)
		goto out_release;
	req = vbg_req_alloc(len, VMMDEVREQ_HGCM_CALL64, requestor);
	if (!req) {
		ret = -ENOMEM;
		goto out_release;
	}
	req->client_id = client_id;
	req->function = function;
	req->parm_count = parm_count;
	dst = (void *)(req + 1);
	for (i = 0; i < parm_count; i++) {
		const struct vmmdev_hgcm_function_parameter32 *parm =
			vbg_hgcm_parm(parms, i, parms32);

		if (bufs[i].dir) {
			vbg_hgcm_fill_buf(req, &dst[i], &bufs[i]);
		} else {
			/* A value (the request is zeroed past it). */
			dst[i].type = parm->type;
			dst[i].u.value64 = parm->u.value64;
		}
	}

	vbg_hgcm_trace_start(req, bufs, parm_count, &io);
	ret = vbg_hgcm_submit_wait(gdev, &req->header,
				   user ? VBG_HGCM_WAIT_INTERRUPTIBLE :
					  VBG_HGCM_WAIT_KILLABLE,
				   timeout_ms);
	trace_vbg_hgcm_call_complete(req, &io, ret);
	/* Abandoned: the host may still write to the request and buffers. */
	abandon = ret == -EIO;
	if (!ret) {
		*vbox_status = READ_ONCE(req->header.result);
		ret = vbg_hgcm_copy_back(req, parms, parms32, bufs, parm_count);
	}
	if (!abandon)
		vbg_req_free(req, len);
out_release:
	vbg_hgcm_release_bufs(bufs, parm_count, locked, abandon);
	if (bufs != stack_bufs)
		kfree(bufs);
	return ret;
}

/*
 * The give-up contract of the exported functions, in their kernel-doc:
 * every wait the host controls ends; when the host neither completes nor
 * cancels a request the driver abandons it rather than wait for ever.
 */

/**
 * vbg_hgcm_connect() - connect to an HGCM service.
 * @gdev: the device, from vbg_get_gdev().
 * @requestor: VMMDEV_REQUESTOR_* bits describing the caller.
 * @loc: the service; its name must be NUL-terminated.
 * @client_id: out: the new client id.
 * @vbox_status: out: the host's answer; the client exists only if it is
 *	a success (>= 0).
 *
 * Waits for the host at most 30 s; a fatal signal or the device's removal
 * ends the wait earlier.  The request is then cancelled on the host; if
 * the host neither cancels nor completes it within 2 s more, it is
 * abandoned (never freed, so the host may still write it) and -EIO is
 * returned: the client may exist on the host, unknown to the caller.
 *
 * Context: process context, may sleep.
 * Return: 0 if the host answered (see @vbox_status), -ENODEV if the device
 * is gone, -EINTR (fatal signal), -ETIMEDOUT, -EIO (abandoned), -ENOMEM.
 */
int vbg_hgcm_connect(struct vbg_dev *gdev, u32 requestor,
		     struct vmmdev_hgcm_service_location *loc,
		     u32 *client_id, int *vbox_status)
{
	int ret = -ENODEV;

	down_read(&gdev->remove_rwsem);
	if (!READ_ONCE(gdev->removed))
		ret = vbg_hgcm_conn(gdev, requestor, loc, client_id,
				    vbox_status, NULL);
	up_read(&gdev->remove_rwsem);
	return ret;
}
EXPORT_SYMBOL_GPL(vbg_hgcm_connect);

/**
 * vbg_hgcm_disconnect() - disconnect an HGCM client.
 * @gdev: the device, from vbg_get_gdev().
 * @requestor: VMMDEV_REQUESTOR_* bits describing the caller.
 * @client_id: a client id from vbg_hgcm_connect().
 * @vbox_status: out: the host's answer.
 *
 * Waits like vbg_hgcm_connect(): at most 30 s, a fatal signal or removal
 * end it earlier, the request is cancelled, and abandoned with -EIO if
 * the host neither cancels nor completes it; the client may then stay
 * connected on the host.
 *
 * Context: process context, may sleep.
 * Return: 0 if the host answered (see @vbox_status), -ENODEV if the device
 * is gone, -EINTR (fatal signal), -ETIMEDOUT, -EIO (abandoned), -ENOMEM.
 */
int vbg_hgcm_disconnect(struct vbg_dev *gdev, u32 requestor,
			u32 client_id, int *vbox_status)
{
	int ret = -ENODEV;

	down_read(&gdev->remove_rwsem);
	if (!READ_ONCE(gdev->removed))
		ret = vbg_hgcm_conn(gdev, requestor, NULL, &client_id,
				    vbox_status, NULL);
	up_read(&gdev->remove_rwsem);
	return ret;
}
EXPORT_SYMBOL_GPL(vbg_hgcm_disconnect);

/**
 * vbg_hgcm_call() - call a function of an HGCM service.
 * @gdev: the device, from vbg_get_gdev().
 * @requestor: VMMDEV_REQUESTOR_* bits describing the caller.
 * @client_id: a client id from vbg_hgcm_connect().
 * @function: service function number.
 * @timeout_ms: cancel the call after this long; U32_MAX: no limit (a
 *	caller that must not wait as long as the host likes passes one).
 * @parms: the parameters; values and buffer sizes are updated with the
 *	host's outputs.  Buffers are kernel addresses (kmalloc, vmalloc
 *	or the linear map), types VMMDEV_HGCM_PARM_TYPE_LINADDR*
 *	(4-9), at most 16 MiB each; empty buffers may have any address.
 * @parm_count: number of parameters, at most 32.
 * @vbox_status: out: the call's result.
 *
 * Buffers: up to 512 bytes travel inside the request; a vmalloc buffer
 * or one in order-0 pages of the linear map (page-cache pages, for
 * instance) is given to the host page by page, the driver holding a
 * reference on each page during the call; any other buffer (kmalloc
 * and other slab memory, compound pages, the stack) is copied into
 * driver memory and back.
 *
 * The wait ends when the call completes, after @timeout_ms, on a fatal
 * signal or on the device's removal.  The call is then cancelled on the
 * host and -ETIMEDOUT, -EINTR or -ENODEV returned.  If the host neither
 * cancels nor completes it within 2 s more, the call is abandoned and
 * -EIO returned: the request, the copies and the page references are
 * never released, so what the host may still write stays valid memory.
 * The caller's buffers are not touched after the return, except a
 * page-referenced buffer of an abandoned call: the host may still write
 * into its pages, which stay allocated even after vfree() or
 * __free_page().  Outputs are valid only
 * on a 0 return.
 *
 * Context: process context, may sleep.
 * Return: 0 if the call finished (see @vbox_status), -ETIMEDOUT, -EINTR
 * (fatal signal), -ENODEV if the device is gone, -EIO (abandoned), -E2BIG
 * or -EINVAL for parameters over the limits or of a refused type,
 * -ENOMEM.
 */
int vbg_hgcm_call(struct vbg_dev *gdev, u32 requestor, u32 client_id,
		  u32 function, u32 timeout_ms,
		  struct vmmdev_hgcm_function_parameter *parms, u32 parm_count,
		  int *vbox_status)
{
	int ret = -ENODEV;

	down_read(&gdev->remove_rwsem);
	if (!READ_ONCE(gdev->removed))
		ret = vbg_hgcm_do_call(gdev, requestor, client_id, function,
				       timeout_ms, false, parms,
				       sizeof(*parms) ==
				       sizeof(struct vmmdev_hgcm_function_parameter32),
				       parm_count, vbox_status);
	up_read(&gdev->remove_rwsem);
	return ret;
}
EXPORT_SYMBOL_GPL(vbg_hgcm_call);
