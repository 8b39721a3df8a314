/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR CDDL-1.0) */
/*
 * The ioctl interface of /dev/vboxguest and /dev/vboxuser.
 *
 * Every ioctl argument starts with struct vbg_ioctl_hdr.  The driver checks
 * the header once (version, sizes, _IOC_SIZE) before it looks at the rest;
 * the VBox status of the operation comes back in hdr.rc, while the ioctl's
 * own return value only reports whether the driver could run it.
 *
 * Numbers, sizes and offsets are ABI and checked at build time against the
 * installed copy (make abi-check).  VBG_IOCTL_SET_MOUSE_STATUS (nr 15) is an
 * addition used by VirtualBox's own userspace.
 */

#ifndef __UAPI_VBOXGUEST_H__
#define __UAPI_VBOXGUEST_H__

#include <asm/bitsperlong.h>
#include <linux/ioctl.h>
#include <linux/vbox_err.h>
#include <linux/vbox_vmmdev_types.h>

/* The only accepted value of vbg_ioctl_hdr.version. */
#define VBG_IOCTL_HDR_VERSION		0x10001
/* vbg_ioctl_hdr.type for ioctls that are not a raw VMMDev request. */
#define VBG_IOCTL_HDR_TYPE_DEFAULT		0

/**
 * struct vbg_ioctl_hdr - header in front of every ioctl argument.
 * @size_in: bytes the caller passes in (header included); also the bytes
 *	passed back when @size_out is 0.
 * @version: VBG_IOCTL_HDR_VERSION.
 * @type: VMMDev request type for raw requests, else
 *	VBG_IOCTL_HDR_TYPE_DEFAULT.
 * @rc: out: VBox status (vbox_err.h) of the operation.
 * @size_out: bytes passed back (header included), 0 = same as @size_in.
 * @reserved: must be zero.
 *
 * The layout deliberately matches the first 24 bytes of a VMMDev request
 * header, so a raw request can be passed through as it is.
 */
struct vbg_ioctl_hdr {
	__u32 size_in;
	__u32 version;
	__u32 type;
	__s32 rc;
	__u32 size_out;
	__u32 reserved;
};

VMMDEV_ASSERT_SIZE(vbg_ioctl_hdr, 24);

/*
 * Interface version: the high 16 bits are the major version (incompatible
 * changes), the low 16 bits the minor version (compatible additions).
 */
#define VBG_IOC_VERSION		0x00010000u

/**
 * struct vbg_ioctl_driver_version_info - VBG_IOCTL_DRIVER_VERSION_INFO.
 * @hdr: common header.
 * @u: in or out data.
 * @u.in.req_version: interface version the caller was built for.
 * @u.in.min_version: oldest interface version the caller accepts.
 * @u.in.reserved1: must be zero.
 * @u.in.reserved2: must be zero.
 * @u.out.session_version: version this session now speaks.
 * @u.out.driver_version: the driver's interface version.
 * @u.out.driver_revision: driver revision, or 0.
 * @u.out.reserved1: zero.
 * @u.out.reserved2: zero.
 */
struct vbg_ioctl_driver_version_info {
	struct vbg_ioctl_hdr hdr;
	union {
		struct {
			__u32 req_version;
			__u32 min_version;
			__u32 reserved1;
			__u32 reserved2;
		} in;
		struct {
			__u32 session_version;
			__u32 driver_version;
			__u32 driver_revision;
			__u32 reserved1;
			__u32 reserved2;
		} out;
	} u;
};

VMMDEV_ASSERT_SIZE(vbg_ioctl_driver_version_info, 24 + 20);

#define VBG_IOCTL_DRIVER_VERSION_INFO \
	_IOWR('V', 0, struct vbg_ioctl_driver_version_info)

/* Raw VMMDev request whose size (below 1 KiB) is encoded in the code. */
#define VBG_IOCTL_VMMDEV_REQUEST(s)	_IOC(_IOC_READ | _IOC_WRITE, 'V', 2, s)

/* Raw VMMDev request of any size; the size comes from the header. */
#define VBG_IOCTL_VMMDEV_REQUEST_BIG	_IO('V', 3)

/**
 * struct vbg_ioctl_hgcm_connect - VBG_IOCTL_HGCM_CONNECT.
 * @hdr: common header.
 * @u: in or out data.
 * @u.in.loc: the service to connect to.
 * @u.out.client_id: the new client id, owned by this session.
 */
struct vbg_ioctl_hgcm_connect {
	struct vbg_ioctl_hdr hdr;
	union {
		struct {
			struct vmmdev_hgcm_service_location loc;
		} in;
		struct {
			__u32 client_id;
		} out;
	} u;
};

VMMDEV_ASSERT_SIZE(vbg_ioctl_hgcm_connect, 24 + 132);

#define VBG_IOCTL_HGCM_CONNECT \
	_IOWR('V', 4, struct vbg_ioctl_hgcm_connect)

/**
 * struct vbg_ioctl_hgcm_disconnect - VBG_IOCTL_HGCM_DISCONNECT.
 * @hdr: common header.
 * @u: in data.
 * @u.in.client_id: a client id this session connected.
 */
struct vbg_ioctl_hgcm_disconnect {
	struct vbg_ioctl_hdr hdr;
	union {
		struct {
			__u32 client_id;
		} in;
	} u;
};

VMMDEV_ASSERT_SIZE(vbg_ioctl_hgcm_disconnect, 24 + 4);

#define VBG_IOCTL_HGCM_DISCONNECT \
	_IOWR('V', 5, struct vbg_ioctl_hgcm_disconnect)

/**
 * struct vbg_ioctl_hgcm_call - VBG_IOCTL_HGCM_CALL_32/_64.
 * @hdr: common header.
 * @client_id: a client id this session connected.
 * @function: service function number.
 * @timeout_ms: give up (and cancel the call on the host) after this many
 *	milliseconds; U32_MAX waits forever.
 * @interruptible: ignored for userspace, whose calls are always
 *	interruptible.
 * @reserved: must be zero.
 * @parm_count: number of parameters that follow the structure, as
 *	struct vmmdev_hgcm_function_parameter32 or ...64 depending on the
 *	ioctl code.
 */
struct vbg_ioctl_hgcm_call {
	struct vbg_ioctl_hdr hdr;
	__u32 client_id;
	__u32 function;
	__u32 timeout_ms;
	__u8 interruptible;
	__u8 reserved;
	__u16 parm_count;
};

VMMDEV_ASSERT_SIZE(vbg_ioctl_hgcm_call, 24 + 16);

#define VBG_IOCTL_HGCM_CALL_32(s)	_IOC(_IOC_READ | _IOC_WRITE, 'V', 6, s)
#define VBG_IOCTL_HGCM_CALL_64(s)	_IOC(_IOC_READ | _IOC_WRITE, 'V', 7, s)
#if __BITS_PER_LONG == 64
#define VBG_IOCTL_HGCM_CALL(s)		VBG_IOCTL_HGCM_CALL_64(s)
#else
#define VBG_IOCTL_HGCM_CALL(s)		VBG_IOCTL_HGCM_CALL_32(s)
#endif

/**
 * struct vbg_ioctl_log - VBG_IOCTL_LOG.
 * @hdr: common header.
 * @u: in data.
 * @u.in.msg: the text; its length is hdr.size_in minus the header, and it
 *	ends early at a NUL.
 */
struct vbg_ioctl_log {
	struct vbg_ioctl_hdr hdr;
	union {
		struct {
			char msg[1];
		} in;
	} u;
};

/* The size argument is ignored: the length comes from the header. */
#define VBG_IOCTL_LOG(s)		_IO('V', 9)

/**
 * struct vbg_ioctl_wait_for_events - VBG_IOCTL_WAIT_FOR_EVENTS.
 * @hdr: common header.
 * @u: in or out data.
 * @u.in.timeout_ms: how long to wait; 0 polls, U32_MAX waits forever.
 * @u.in.events: VMMDEV_EVENT_* bits to wait for.
 * @u.out.events: the bits that arrived (taken from the session).
 */
struct vbg_ioctl_wait_for_events {
	struct vbg_ioctl_hdr hdr;
	union {
		struct {
			__u32 timeout_ms;
			__u32 events;
		} in;
		struct {
			__u32 events;
		} out;
	} u;
};

VMMDEV_ASSERT_SIZE(vbg_ioctl_wait_for_events, 24 + 8);

#define VBG_IOCTL_WAIT_FOR_EVENTS \
	_IOWR('V', 10, struct vbg_ioctl_wait_for_events)

/*
 * Wake every VBG_IOCTL_WAIT_FOR_EVENTS of the session with EINTR; waits
 * started afterwards in the same session also fail with EINTR at once.
 * The host is not involved.
 */
#define VBG_IOCTL_INTERRUPT_ALL_WAIT_FOR_EVENTS \
	_IOWR('V', 11, struct vbg_ioctl_hdr)

/**
 * struct vbg_ioctl_change_filter - VBG_IOCTL_CHANGE_FILTER_MASK.
 * @hdr: common header.
 * @u: in data.
 * @u.in.or_mask: events this session wants to receive.
 * @u.in.not_mask: events this session no longer wants.
 */
struct vbg_ioctl_change_filter {
	struct vbg_ioctl_hdr hdr;
	union {
		struct {
			__u32 or_mask;
			__u32 not_mask;
		} in;
	} u;
};

VMMDEV_ASSERT_SIZE(vbg_ioctl_change_filter, 24 + 8);

#define VBG_IOCTL_CHANGE_FILTER_MASK \
	_IOWR('V', 12, struct vbg_ioctl_change_filter)

/**
 * struct vbg_ioctl_acquire_guest_caps - VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES.
 * @hdr: common header.
 * @u: in data.
 * @u.in.flags: VBGL_IOC_AGC_FLAGS_*.
 * @u.in.or_mask: capabilities to acquire (VMMDEV_GUEST_SUPPORTS_*).
 * @u.in.not_mask: capabilities to release.
 */
struct vbg_ioctl_acquire_guest_caps {
	struct vbg_ioctl_hdr hdr;
	union {
		struct {
			__u32 flags;
			__u32 or_mask;
			__u32 not_mask;
		} in;
	} u;
};

VMMDEV_ASSERT_SIZE(vbg_ioctl_acquire_guest_caps, 24 + 12);

/* Only switch the capabilities in or_mask to acquire mode, acquire nothing. */
#define VBGL_IOC_AGC_FLAGS_CONFIG_ACQUIRE_MODE		0x00000001
#define VBGL_IOC_AGC_FLAGS_VALID_MASK			0x00000001

#define VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES \
	_IOWR('V', 13, struct vbg_ioctl_acquire_guest_caps)

/**
 * struct vbg_ioctl_set_guest_caps - VBG_IOCTL_CHANGE_GUEST_CAPABILITIES.
 * @hdr: common header.
 * @u: in or out data.
 * @u.in.or_mask: capabilities this session now supports.
 * @u.in.not_mask: capabilities this session no longer supports.
 * @u.out.session_caps: what this session reports after the call.
 * @u.out.global_caps: what all sessions together report to the host.
 */
struct vbg_ioctl_set_guest_caps {
	struct vbg_ioctl_hdr hdr;
	union {
		struct {
			__u32 or_mask;
			__u32 not_mask;
		} in;
		struct {
			__u32 session_caps;
			__u32 global_caps;
		} out;
	} u;
};

VMMDEV_ASSERT_SIZE(vbg_ioctl_set_guest_caps, 24 + 8);

#define VBG_IOCTL_CHANGE_GUEST_CAPABILITIES \
	_IOWR('V', 14, struct vbg_ioctl_set_guest_caps)

/**
 * struct vbg_ioctl_set_mouse_status - VBG_IOCTL_SET_MOUSE_STATUS.
 * @hdr: common header.
 * @u: in data.
 * @u.in.mouse_status: VMMDEV_MOUSE_GUEST_* bits this session wants set; the
 *	driver reports the union over all sessions to the host.
 */
struct vbg_ioctl_set_mouse_status {
	struct vbg_ioctl_hdr hdr;
	union {
		struct {
			__u32 mouse_status;
		} in;
	} u;
};

VMMDEV_ASSERT_SIZE(vbg_ioctl_set_mouse_status, 24 + 4);

#define VBG_IOCTL_SET_MOUSE_STATUS \
	_IOWR('V', 15, struct vbg_ioctl_set_mouse_status)

/**
 * struct vbg_ioctl_check_balloon - VBG_IOCTL_CHECK_BALLOON.
 * @hdr: common header.
 * @u: out data.
 * @u.out.balloon_chunks: balloon size in 1 MiB chunks.
 * @u.out.handle_in_r3: always false: the driver inflates the balloon.
 * @u.out.padding: zero.
 */
struct vbg_ioctl_check_balloon {
	struct vbg_ioctl_hdr hdr;
	union {
		struct {
			__u32 balloon_chunks;
			__u8 handle_in_r3;
			__u8 padding[3];
		} out;
	} u;
};

VMMDEV_ASSERT_SIZE(vbg_ioctl_check_balloon, 24 + 8);

/* Ask the host for the balloon target and move the balloon there now. */
#define VBG_IOCTL_CHECK_BALLOON \
	_IOWR('V', 17, struct vbg_ioctl_check_balloon)

/**
 * struct vbg_ioctl_write_coredump - VBG_IOCTL_WRITE_CORE_DUMP.
 * @hdr: common header.
 * @u: in data.
 * @u.in.flags: must be zero.
 */
struct vbg_ioctl_write_coredump {
	struct vbg_ioctl_hdr hdr;
	union {
		struct {
			__u32 flags;
		} in;
	} u;
};

VMMDEV_ASSERT_SIZE(vbg_ioctl_write_coredump, 24 + 4);

#define VBG_IOCTL_WRITE_CORE_DUMP \
	_IOWR('V', 19, struct vbg_ioctl_write_coredump)

#endif /* __UAPI_VBOXGUEST_H__ */
