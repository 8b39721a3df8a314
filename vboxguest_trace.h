/* SPDX-License-Identifier: (GPL-2.0 OR CDDL-1.0) */
/*
 * vboxguest tracepoints (tracefs events/vboxguest/): requests to the host,
 * HGCM calls, host events and their delivery to sessions, balloon changes
 * and heartbeats.  Events that share a layout share a class: each class
 * adds code to the module, each event only a little data.
 *
 * vboxguest_linux.c defines CREATE_TRACE_POINTS; the kbuild Makefile puts
 * this directory on its include path for define_trace.h.  Without
 * CONFIG_VBOXGUEST_TRACING (and for sparse) every trace_*() call is an
 * empty inline function and the module has no tracepoints.
 */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM vboxguest

#if !defined(VBOXGUEST_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define VBOXGUEST_TRACE_H

#include <linux/ktime.h>
#include <linux/tracepoint.h>
#include "vboxguest_core.h"

#ifndef VBOXGUEST_TRACE_TYPES
#define VBOXGUEST_TRACE_TYPES

/* Why the balloon changed (vbg_balloon_change). */
#define VBG_BALLOON_HOST	0	/* the host's target */
#define VBG_BALLOON_PRESSURE	1	/* reclaim asked (shrinker) */
#define VBG_BALLOON_OOM		2	/* the OOM killer was about to run */

/**
 * struct vbg_hgcm_io - how an HGCM call's buffers reach the host.
 * @bytes: the buffers' sizes added up.
 * @pages: kernel pages the host gets by reference (pinned user pages,
 *	referenced kernel pages): it reads and writes them in place.
 * @copied: bytes that go through the driver's copies instead (bounce
 *	buffers, and small kernel buffers embedded in the request).
 */
struct vbg_hgcm_io {
	u32 bytes;
	u32 pages;
	u32 copied;
};

#endif /* VBOXGUEST_TRACE_TYPES */

#if !defined(CONFIG_VBOXGUEST_TRACING) || defined(__CHECKER__)
#undef TRACE_EVENT
#define TRACE_EVENT(name, proto, ...)					\
static inline void trace_##name(proto) {}				\
static inline bool trace_##name##_enabled(void) { return false; }
#undef DECLARE_EVENT_CLASS
#define DECLARE_EVENT_CLASS(...)
#undef DEFINE_EVENT
#define DEFINE_EVENT(evt_class, name, proto, ...)			\
static inline void trace_##name(proto) {}				\
static inline bool trace_##name##_enabled(void) { return false; }
#endif /* !CONFIG_VBOXGUEST_TRACING || __CHECKER__ */

/*
 * A request the host answered: its type, the requestor it carried, the
 * host's status and how long the submission took (0 if the event was
 * turned on while it ran).  The port write (or MMIO write) returns when
 * the host is done, so the record's time minus @ns is the submission.
 * Heartbeats are type 219, balloon changes 113, HGCM cancels 65.
 */
TRACE_EVENT(vbg_req,
	    TP_PROTO(const struct vmmdev_request_header *req, int rc, u64 t0),
	    TP_ARGS(req, rc, t0),
	    TP_STRUCT__entry(__field(u32, type)
			     __field(u32, requestor)
			     __field(s32, rc)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->type = req->request_type;
			   __entry->requestor = req->requestor;
			   __entry->rc = rc;
			   __entry->ns = t0 ? ktime_get_ns() - t0 : 0;),
	    TP_printk("type=%u requestor=0x%x rc=%d ns=%llu", __entry->type,
		      __entry->requestor, __entry->rc, __entry->ns)
);

/*
 * An HGCM call handed to the host (err, result and cancelled 0), and its
 * end: @err is what the caller gets (0, or -ETIMEDOUT, -EINTR, -ENODEV
 * when it was cancelled, -EIO when abandoned), result the host's answer,
 * cancelled whether the host dropped it at the driver's request (the
 * cancel itself is a vbg_req record of type 65).
 */
DECLARE_EVENT_CLASS(vbg_hgcm_call,
		    TP_PROTO(const struct vmmdev_hgcm_call *call,
			     const struct vbg_hgcm_io *io, int err),
		    TP_ARGS(call, io, err),
		    TP_STRUCT__entry(__field(u32, client)
				     __field(u32, function)
				     __field(u32, bytes)
				     __field(u32, pages)
				     __field(u32, copied)
				     __field(s32, err)
				     __field(s32, result)
				     __field(bool, cancelled)),
		    TP_fast_assign(__entry->client = call->client_id;
				   __entry->function = call->function;
				   __entry->bytes = io->bytes;
				   __entry->pages = io->pages;
				   __entry->copied = io->copied;
				   __entry->err = err;
				   __entry->result = READ_ONCE(call->header.result);
				   __entry->cancelled = READ_ONCE(call->header.flags) &
							VBOX_HGCM_REQ_CANCELLED;),
		    TP_printk("client=%u function=%u bytes=%u pages=%u copied=%u err=%d result=%d cancelled=%d",
			      __entry->client, __entry->function,
			      __entry->bytes, __entry->pages, __entry->copied,
			      __entry->err, __entry->result,
			      __entry->cancelled)
);

DEFINE_EVENT(vbg_hgcm_call, vbg_hgcm_call_start,
	     TP_PROTO(const struct vmmdev_hgcm_call *call,
		      const struct vbg_hgcm_io *io, int err),
	     TP_ARGS(call, io, err)
);

DEFINE_EVENT(vbg_hgcm_call, vbg_hgcm_call_complete,
	     TP_PROTO(const struct vmmdev_hgcm_call *call,
		      const struct vbg_hgcm_io *io, int err),
	     TP_ARGS(call, io, err)
);

/*
 * Events acknowledged from the host, and those of them handed to at
 * least one session (the union of what the sessions got).
 */
TRACE_EVENT(vbg_events,
	    TP_PROTO(u32 events, u32 delivered),
	    TP_ARGS(events, delivered),
	    TP_STRUCT__entry(__field(u32, events)
			     __field(u32, delivered)),
	    TP_fast_assign(__entry->events = events;
			   __entry->delivered = delivered;),
	    TP_printk("events=0x%x delivered=0x%x", __entry->events,
		      __entry->delivered)
);

/* The balloon went from @old chunks to its size now, for @reason. */
TRACE_EVENT(vbg_balloon,
	    TP_PROTO(const struct vbg_balloon *b, u32 old, int reason),
	    TP_ARGS(b, old, reason),
	    TP_STRUCT__entry(__field(u32, old)
			     __field(u32, chunks)
			     __field(u32, target)
			     __field(int, reason)),
	    TP_fast_assign(__entry->old = old;
			   __entry->chunks = b->nr_chunks;
			   __entry->target = b->host_target;
			   __entry->reason = reason;),
	    TP_printk("%s=%u chunks=%u target=%u reason=%s",
		      __entry->chunks > __entry->old ? "inflate" : "deflate",
		      __entry->chunks > __entry->old ?
		      __entry->chunks - __entry->old :
		      __entry->old - __entry->chunks,
		      __entry->chunks, __entry->target,
		      __print_symbolic(__entry->reason,
				       { VBG_BALLOON_HOST, "host" },
				       { VBG_BALLOON_PRESSURE, "pressure" },
				       { VBG_BALLOON_OOM, "oom" }))
);

#endif /* VBOXGUEST_TRACE_H */

#if defined(CONFIG_VBOXGUEST_TRACING) && !defined(__CHECKER__)
/* This part must be outside the header guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vboxguest_trace
#include <trace/define_trace.h>
#endif
