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
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vbox_err.h>
#include "vboxguest_core.h"

/*
 * Requests up to 2 KiB come from DMA32 slab caches of these sizes, so a
 * small request does not cost a page; larger ones get whole pages below
 * 4 GiB.  The port takes a 32-bit physical address, hence DMA32.
 */
static const unsigned int vbg_req_cache_sizes[] = { 64, 128, 256, 512,
						    1024, 2048 };
static struct kmem_cache *vbg_req_caches[ARRAY_SIZE(vbg_req_cache_sizes)];

/**
 * vbg_req_cache_init() - create the request slab caches.
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int vbg_req_cache_init(void)
{
	char name[32];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vbg_req_cache_sizes); i++) {
		snprintf(name, sizeof(name), "vboxguest-req-%u",
			 vbg_req_cache_sizes[i]);
		vbg_req_caches[i] = kmem_cache_create(name,
						      vbg_req_cache_sizes[i],
						      8, SLAB_CACHE_DMA32,
						      NULL);
		if (!vbg_req_caches[i]) {
			vbg_req_cache_exit();
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * vbg_req_cache_exit() - destroy the request slab caches.
 *
 * Context: module exit, after every request was freed.
 */
void vbg_req_cache_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vbg_req_caches); i++) {
		kmem_cache_destroy(vbg_req_caches[i]);
		vbg_req_caches[i] = NULL;
	}
}

/* The cache for @len bytes, or NULL if @len needs whole pages. */
static struct kmem_cache *vbg_req_cache(size_t len)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vbg_req_cache_sizes); i++)
		if (len <= vbg_req_cache_sizes[i])
			return vbg_req_caches[i];
	return NULL;
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
	struct kmem_cache *cache;
	struct page *page;

	if (len < sizeof(*req) || len > VMMDEV_MAX_REQUEST_SIZE)
		return NULL;

	cache = vbg_req_cache(len);
	if (cache) {
		req = kmem_cache_zalloc(cache, GFP_KERNEL);
	} else {
		page = alloc_pages(GFP_KERNEL | __GFP_DMA32 | __GFP_ZERO,
				   get_order(len));
		req = page ? page_address(page) : NULL;
	}
	if (!req)
		return NULL;

	req->size = len;
	req->version = VMMDEV_REQUEST_HEADER_VERSION;
	req->request_type = type;
	req->rc = VERR_GENERAL_FAILURE;
	req->reserved1 = 0;
	req->requestor = requestor;
	return req;
}

/**
 * vbg_req_free() - free a request from vbg_req_alloc().
 * @req: the request, or NULL.
 * @len: the length it was allocated with.
 *
 * Context: any context that may free memory.
 */
void vbg_req_free(void *req, size_t len)
{
	struct kmem_cache *cache;

	if (!req)
		return;
	cache = vbg_req_cache(len);
	if (cache)
		kmem_cache_free(cache, req);
	else
		free_pages((unsigned long)req, get_order(len));
}

/* Real hardware: the request's physical address goes to the port. */
static int vbg_hw_submit(struct vbg_dev *gdev,
			 struct vmmdev_request_header *req)
{
	phys_addr_t phys = virt_to_phys(req);

	if (phys > U32_MAX - req->size) {
		dev_err_ratelimited(gdev->dev, "request above 4 GiB\n");
		return -EINVAL;
	}
	iowrite32((u32)phys, gdev->io_port + VMMDEV_PORT_OFF_REQUEST);
	return 0;
}

static u32 vbg_hw_fast_ack(struct vbg_dev *gdev)
{
	return ioread32(gdev->io_port + VMMDEV_PORT_OFF_REQUEST_FAST);
}

/* The real device: I/O port and BAR1. */
const struct vbg_host_ops vbg_hw_ops = {
	.submit = vbg_hw_submit,
	.fast_ack = vbg_hw_fast_ack,
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

	if (hdr->size < sizeof(*hdr) || hdr->size > VMMDEV_MAX_REQUEST_SIZE ||
	    hdr->version != VMMDEV_REQUEST_HEADER_VERSION) {
		dev_err_ratelimited(gdev->dev, "malformed request type %u size %u\n",
				    hdr->request_type, hdr->size);
		return -EINVAL;
	}

	atomic64_inc(&gdev->stats[VBG_STAT_REQUESTS]);
	ret = gdev->ops->submit(gdev, hdr);
	if (ret)
		return ret;

	rc = READ_ONCE(hdr->rc);
	ret = vbg_status_code_to_errno(rc);
	if (ret) {
		atomic64_inc(&gdev->stats[VBG_STAT_REQUEST_ERRORS]);
		dev_dbg(gdev->dev, "request %u failed: rc %d\n",
			hdr->request_type, rc);
	}
	return ret;
}

/**
 * vbg_req_host_has_events() - does the host have events for us?
 * @gdev: the device.
 *
 * Reads have_events in the VMMDev memory: the ISR's "is it ours" test.
 *
 * Context: any.
 * Return: true if the host raised the interrupt.
 */
bool vbg_req_host_has_events(struct vbg_dev *gdev)
{
	return ioread8(&gdev->mmio->v.v1_04.have_events) != 0;
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
	if (rc >= 0)
		return 0;

	switch (rc) {
	case VERR_ACCESS_DENIED:                    return -EPERM;
	case VERR_FILE_NOT_FOUND:                   return -ENOENT;
	case VERR_PROCESS_NOT_FOUND:                return -ESRCH;
	case VERR_INTERRUPTED:                      return -EINTR;
	case VERR_DEV_IO_ERROR:                     return -EIO;
	case VERR_TOO_MUCH_DATA:                    return -E2BIG;
	case VERR_BAD_EXE_FORMAT:                   return -ENOEXEC;
	case VERR_INVALID_HANDLE:                   return -EBADF;
	case VERR_TRY_AGAIN:                        return -EAGAIN;
	case VERR_NO_MEMORY:                        return -ENOMEM;
	case VERR_INVALID_POINTER:                  return -EFAULT;
	case VERR_RESOURCE_BUSY:                    return -EBUSY;
	case VERR_ALREADY_EXISTS:                   return -EEXIST;
	case VERR_NOT_SAME_DEVICE:                  return -EXDEV;
	case VERR_NOT_A_DIRECTORY:
	case VERR_PATH_NOT_FOUND:                   return -ENOTDIR;
	case VERR_IS_A_DIRECTORY:                   return -EISDIR;
	case VERR_INVALID_PARAMETER:                return -EINVAL;
	case VERR_TOO_MANY_OPEN_FILES:              return -ENFILE;
	case VERR_INVALID_FUNCTION:                 return -ENOTTY;
	case VERR_SHARING_VIOLATION:                return -ETXTBSY;
	case VERR_FILE_TOO_BIG:                     return -EFBIG;
	case VERR_DISK_FULL:                        return -ENOSPC;
	case VERR_SEEK_ON_DEVICE:                   return -ESPIPE;
	case VERR_WRITE_PROTECT:                    return -EROFS;
	case VERR_BROKEN_PIPE:                      return -EPIPE;
	case VERR_DEADLOCK:                         return -EDEADLK;
	case VERR_FILENAME_TOO_LONG:                return -ENAMETOOLONG;
	case VERR_FILE_LOCK_FAILED:                 return -ENOLCK;
	case VERR_NOT_IMPLEMENTED:
	case VERR_NOT_SUPPORTED:                    return -EOPNOTSUPP;
	case VERR_DIR_NOT_EMPTY:                    return -ENOTEMPTY;
	case VERR_TOO_MANY_SYMLINKS:                return -ELOOP;
	case VERR_NO_DATA:                          return -ENODATA;
	case VERR_NET_NO_NETWORK:                   return -ENONET;
	case VERR_NET_NOT_UNIQUE_NAME:              return -ENOTUNIQ;
	case VERR_NO_TRANSLATION:                   return -EILSEQ;
	case VERR_NET_NOT_SOCKET:                   return -ENOTSOCK;
	case VERR_NET_DEST_ADDRESS_REQUIRED:        return -EDESTADDRREQ;
	case VERR_NET_MSG_SIZE:                     return -EMSGSIZE;
	case VERR_NET_PROTOCOL_TYPE:                return -EPROTOTYPE;
	case VERR_NET_PROTOCOL_NOT_AVAILABLE:       return -ENOPROTOOPT;
	case VERR_NET_PROTOCOL_NOT_SUPPORTED:       return -EPROTONOSUPPORT;
	case VERR_NET_SOCKET_TYPE_NOT_SUPPORTED:    return -ESOCKTNOSUPPORT;
	case VERR_NET_OPERATION_NOT_SUPPORTED:      return -EOPNOTSUPP;
	case VERR_NET_PROTOCOL_FAMILY_NOT_SUPPORTED: return -EPFNOSUPPORT;
	case VERR_NET_ADDRESS_FAMILY_NOT_SUPPORTED: return -EAFNOSUPPORT;
	case VERR_NET_ADDRESS_IN_USE:               return -EADDRINUSE;
	case VERR_NET_ADDRESS_NOT_AVAILABLE:        return -EADDRNOTAVAIL;
	case VERR_NET_DOWN:                         return -ENETDOWN;
	case VERR_NET_UNREACHABLE:                  return -ENETUNREACH;
	case VERR_NET_CONNECTION_RESET:             return -ENETRESET;
	case VERR_NET_CONNECTION_ABORTED:           return -ECONNABORTED;
	case VERR_NET_CONNECTION_RESET_BY_PEER:     return -ECONNRESET;
	case VERR_NET_NO_BUFFER_SPACE:              return -ENOBUFS;
	case VERR_NET_ALREADY_CONNECTED:            return -EISCONN;
	case VERR_NET_NOT_CONNECTED:                return -ENOTCONN;
	case VERR_NET_SHUTDOWN:                     return -ESHUTDOWN;
	case VERR_NET_TOO_MANY_REFERENCES:          return -ETOOMANYREFS;
	case VERR_TIMEOUT:                          return -ETIMEDOUT;
	case VERR_NET_CONNECTION_REFUSED:           return -ECONNREFUSED;
	case VERR_NET_HOST_DOWN:                    return -EHOSTDOWN;
	case VERR_NET_HOST_UNREACHABLE:             return -EHOSTUNREACH;
	case VERR_NET_ALREADY_IN_PROGRESS:          return -EALREADY;
	case VERR_NET_IN_PROGRESS:                  return -EINPROGRESS;
	case VERR_MEDIA_NOT_PRESENT:                return -ENOMEDIUM;
	case VERR_MEDIA_NOT_RECOGNIZED:             return -EMEDIUMTYPE;
	default:
		return -EPROTO;
	}
}
EXPORT_SYMBOL_GPL(vbg_status_code_to_errno);
