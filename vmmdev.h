/* SPDX-License-Identifier: (GPL-2.0 OR CDDL-1.0) */
/*
 * VMMDev host interface: the PCI resources, the shared memory in BAR1, the
 * event and feature bits, and the layout of every request the driver itself
 * sends.  Facts from vmmdev-spec.md; every layout carries static_assert
 * checks of its size and of the offsets the host relies on.
 *
 * All requests start with struct vmmdev_request_header, are little endian
 * and packed to 4 bytes; the host demands the exact size for almost all.
 */

#ifndef __VBOX_VMMDEV_H__
#define __VBOX_VMMDEV_H__

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/sizes.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/vbox_vmmdev_types.h>

/* BAR0 (I/O) register offsets. */
#define VMMDEV_PORT_OFF_REQUEST				0x00
#define VMMDEV_PORT_OFF_REQUEST_FAST			0x08

/*
 * BAR3, the MMIO request window of VirtualBox 7.1+ (the default for ARM
 * guests, which have no BAR0): the same two registers, taking 64-bit
 * request addresses.
 */
#define VMMDEV_MMIO_OFF_REQUEST				0x00
#define VMMDEV_MMIO_OFF_REQUEST_FAST			0x08
#define VMMDEV_MMIO_WINDOW_MIN				0x10

/* Value of the fast acknowledge read when the host refuses it. */
#define VMMDEV_FAST_ACK_REFUSED				0xffffffffU

/* Interface version reported in ReportGuestInfo: 1.04. */
#define VMMDEV_VERSION					0x00010004
/* The only request header version the host accepts: 1.01. */
#define VMMDEV_REQUEST_HEADER_VERSION			0x10001
/* Value of vmmdev_memory.version the driver understands. */
#define VMMDEV_MEMORY_VERSION				1
/* The largest request the host accepts. */
#define VMMDEV_MAX_REQUEST_SIZE				SZ_1M

/* ReportGuestInfo os_type: Linux 2.6 and later, plus the 64-bit flag. */
#define VBOXOSTYPE_LINUX26				0x53000
#define VBOXOSTYPE_X64					0x00100

/**
 * struct vmmdev_memory - the start of BAR1, RAM shared with the host, as
 *	interface 1.04 lays it out (the 1.03 event words are not used).
 * @size: size of the structure as the host sees it (>= 32).
 * @version: VMMDEV_MEMORY_VERSION.
 * @have_events: set by the host when it raises the interrupt, cleared on
 *	acknowledge; tells the ISR whether a shared IRQ is ours.
 * @unused: the rest of the 16 bytes; VBVA follows, not used here.
 */
struct vmmdev_memory {
	u32 size;
	u32 version;
	u8 have_events;
	u8 unused[7];
};

static_assert(offsetof(struct vmmdev_memory, have_events) == 8);
static_assert(sizeof(struct vmmdev_memory) == 16);

/*
 * Events (spec section 6): bits 0-10 of the word AcknowledgeEvents returns.
 * Only the ones the driver names are here.
 */
#define VMMDEV_EVENT_VALID_EVENT_MASK			0x000007ffU
/* Handled by the driver itself (always in its filter). */
#define VMMDEV_EVENT_HGCM				0x002U
#define VMMDEV_EVENT_BALLOON_CHANGE_REQUEST		0x040U
#define VMMDEV_EVENT_MOUSE_POSITION_CHANGED		0x200U
/* Delivered to sessions; two belong to acquire-mode capabilities. */
#define VMMDEV_EVENT_DISPLAY_CHANGE_REQUEST		0x004U
#define VMMDEV_EVENT_SEAMLESS_MODE_CHANGE_REQUEST	0x020U
#define VMMDEV_EVENT_VRDP				0x100U
#define VMMDEV_EVENT_CPU_HOTPLUG			0x400U

/* Host feature bits returned by GetHostVersion (spec 5.2). */
#define VMMDEV_HVF_HGCM_PHYS_PAGE_LIST			BIT(0)
#define VMMDEV_HVF_HGCM_EMBEDDED_BUFFERS		BIT(1)
#define VMMDEV_HVF_HGCM_CONTIGUOUS_PAGE_LIST		BIT(2)
#define VMMDEV_HVF_HGCM_NO_BOUNCE_PAGE_LIST		BIT(3)
#define VMMDEV_HVF_FAST_IRQ_ACK				BIT(31)

/* Guest capabilities (SetGuestCapabilities). */
#define VMMDEV_GUEST_SUPPORTS_SEAMLESS			BIT(0)
#define VMMDEV_GUEST_SUPPORTS_GUEST_HOST_WINDOW_MAPPING	BIT(1)
#define VMMDEV_GUEST_SUPPORTS_GRAPHICS			BIT(2)
#define VMMDEV_GUEST_CAPABILITIES_MASK			0x00000007U

/*
 * The mouse status word (spec 5.4) is shared: SetMouseStatus replaces the
 * guest's bits only (VMMDEV_MOUSE_GUEST_MASK), GetMouseStatus returns all.
 */
/* What the guest tells the host. */
#define VMMDEV_MOUSE_GUEST_CAN_ABSOLUTE			0x001U
#define VMMDEV_MOUSE_GUEST_NEEDS_HOST_CURSOR		0x004U
/* The guest reads positions on MOUSE_POSITION_CHANGED events. */
#define VMMDEV_MOUSE_NEW_PROTOCOL			0x010U
/* The guest reads buttons and wheels with GetMouseStatusEx (7.0+). */
#define VMMDEV_MOUSE_GUEST_USES_FULL_STATE_PROTOCOL	0x080U
#define VMMDEV_MOUSE_GUEST_MASK		(VMMDEV_MOUSE_GUEST_CAN_ABSOLUTE | \
					 VMMDEV_MOUSE_GUEST_NEEDS_HOST_CURSOR | \
					 VMMDEV_MOUSE_NEW_PROTOCOL | \
					 VMMDEV_MOUSE_GUEST_USES_FULL_STATE_PROTOCOL)
static_assert(VMMDEV_MOUSE_GUEST_MASK == 0x095);
/* What the host tells the guest (only the bits the driver looks at). */
#define VMMDEV_MOUSE_HOST_WANTS_ABSOLUTE		0x002U
#define VMMDEV_MOUSE_HOST_USES_FULL_STATE_PROTOCOL	0x100U
/* Absolute coordinates run from 0 to this value on both axes. */
#define VMMDEV_MOUSE_RANGE_MAX				0xffff
/* Buttons of GetMouseStatusEx (full-state protocol). */
#define VMMDEV_MOUSE_BUTTON_LEFT			0x01U
#define VMMDEV_MOUSE_BUTTON_RIGHT			0x02U
#define VMMDEV_MOUSE_BUTTON_MIDDLE			0x04U
#define VMMDEV_MOUSE_BUTTON_X1				0x08U
#define VMMDEV_MOUSE_BUTTON_X2				0x10U

/* GetMouseStatusEx (7.0+), a request number the uapi enum lacks. */
#define VMMDEVREQ_GET_MOUSE_STATUS_EX			223

/* Facilities and their status (ReportGuestStatus). */
#define VBOXGUEST_FACILITY_TYPE_VBOXGUEST_DRIVER	20
/* Updates every facility the host knows, the driver's included. */
#define VBOXGUEST_FACILITY_TYPE_ALL			0x7ffffffe
#define VBOXGUEST_FACILITY_STATUS_INACTIVE		0
#define VBOXGUEST_FACILITY_STATUS_ACTIVE		50

/* ReportGuestInfo2 features: the requestor field is filled in. */
#define VBOXGSTINFO2_F_REQUESTOR_INFO			BIT(0)

/* The memory balloon moves in chunks of 1 MiB. */
#define VMMDEV_MEMORY_BALLOON_CHUNK_SIZE		SZ_1M
#define VMMDEV_MEMORY_BALLOON_CHUNK_PAGES		(SZ_1M / SZ_4K)
/* eventAck value of GetMemBalloonChangeRequest answering the event. */
#define VMMDEV_EVENT_ACK_BALLOON			VMMDEV_EVENT_BALLOON_CHANGE_REQUEST

/**
 * struct vmmdev_request_header - the first 24 bytes of every request.
 * @size: size of the whole request, header included.
 * @version: VMMDEV_REQUEST_HEADER_VERSION.
 * @request_type: enum vmmdev_request_type.
 * @rc: VBox status written by the host.
 * @reserved1: must be zero.
 * @requestor: VMMDEV_REQUESTOR_* bits of whoever asked.
 */
struct vmmdev_request_header {
	u32 size;
	u32 version;
	u32 request_type;
	s32 rc;
	u32 reserved1;
	u32 requestor;
};

static_assert(sizeof(struct vmmdev_request_header) == 24);
static_assert(offsetof(struct vmmdev_request_header, rc) == 12);
static_assert(offsetof(struct vmmdev_request_header, requestor) == 20);

/**
 * struct vmmdev_mouse_status - GetMouseStatus (1) / SetMouseStatus (2).
 * @header: request header.
 * @mouse_features: VMMDEV_MOUSE_* bits.
 * @pointer_pos_x: absolute X, 0..VMMDEV_MOUSE_RANGE_MAX.
 * @pointer_pos_y: absolute Y, 0..VMMDEV_MOUSE_RANGE_MAX.
 */
struct vmmdev_mouse_status {
	struct vmmdev_request_header header;
	u32 mouse_features;
	s32 pointer_pos_x;
	s32 pointer_pos_y;
};

static_assert(sizeof(struct vmmdev_mouse_status) == 36);

/**
 * struct vmmdev_mouse_status_ex - GetMouseStatusEx (223), the full-state
 *	protocol: GetMouseStatus plus wheels and buttons.
 * @status: as GetMouseStatus (1) answers it.
 * @dz: vertical wheel delta.
 * @dw: horizontal wheel delta.
 * @buttons: VMMDEV_MOUSE_BUTTON_* bits.
 */
struct vmmdev_mouse_status_ex {
	struct vmmdev_mouse_status status;
	s32 dz;
	s32 dw;
	u32 buttons;
};

static_assert(sizeof(struct vmmdev_mouse_status_ex) == 48);
static_assert(offsetof(struct vmmdev_mouse_status_ex, dz) == 36);
static_assert(offsetof(struct vmmdev_mouse_status_ex, dw) == 40);
static_assert(offsetof(struct vmmdev_mouse_status_ex, buttons) == 44);

/**
 * struct vmmdev_version - a VirtualBox version as requests carry it.
 * @major: major version.
 * @minor: minor version.
 * @build: build number.
 * @revision: source revision.
 */
struct vmmdev_version {
	u16 major;
	u16 minor;
	u32 build;
	u32 revision;
};

static_assert(sizeof(struct vmmdev_version) == 12);

/**
 * struct vmmdev_host_version - GetHostVersion (4): the host's version.
 * @header: request header.
 * @version: the host's version.
 * @features: VMMDEV_HVF_* bits.
 */
struct vmmdev_host_version {
	struct vmmdev_request_header header;
	struct vmmdev_version version;
	u32 features;
};

static_assert(sizeof(struct vmmdev_host_version) == 40);
static_assert(offsetof(struct vmmdev_host_version, features) == 36);

/**
 * struct vmmdev_hypervisorinfo - Get/SetHypervisorInfo (20/21).
 * @header: request header.
 * @hypervisor_start: guest address of the hypervisor window.
 * @hypervisor_size: its size; 0 on hosts without raw mode.
 */
struct vmmdev_hypervisorinfo {
	struct vmmdev_request_header header;
	u32 hypervisor_start;
	u32 hypervisor_size;
};

static_assert(sizeof(struct vmmdev_hypervisorinfo) == 32);

/**
 * struct vmmdev_events - AcknowledgeEvents (41).
 * @header: request header.
 * @events: out: the events taken from the host.
 */
struct vmmdev_events {
	struct vmmdev_request_header header;
	u32 events;
};

static_assert(sizeof(struct vmmdev_events) == 28);

/**
 * struct vmmdev_mask - CtlGuestFilterMask (42) and SetGuestCapabilities (56).
 * @header: request header.
 * @or_mask: bits to set.
 * @not_mask: bits to clear.
 */
struct vmmdev_mask {
	struct vmmdev_request_header header;
	u32 or_mask;
	u32 not_mask;
};

static_assert(sizeof(struct vmmdev_mask) == 32);

/**
 * struct vmmdev_guest_info - ReportGuestInfo (50).
 * @header: request header.
 * @interface_version: VMMDEV_VERSION.
 * @os_type: VBOXOSTYPE_*.
 */
struct vmmdev_guest_info {
	struct vmmdev_request_header header;
	u32 interface_version;
	u32 os_type;
};

static_assert(sizeof(struct vmmdev_guest_info) == 32);

/**
 * struct vmmdev_guest_info2 - ReportGuestInfo2 (58): who the guest is.
 * @header: request header.
 * @version: the additions' version.
 * @features: VBOXGSTINFO2_F_* bits.
 * @name: "major.minor.build", NUL-terminated.
 */
struct vmmdev_guest_info2 {
	struct vmmdev_request_header header;
	struct vmmdev_version version;
	u32 features;
	char name[128];
};

static_assert(sizeof(struct vmmdev_guest_info2) == 168);
static_assert(offsetof(struct vmmdev_guest_info2, name) == 40);

/**
 * struct vmmdev_guest_status - ReportGuestStatus (59).
 * @header: request header.
 * @facility: VBOXGUEST_FACILITY_TYPE_*.
 * @status: VBOXGUEST_FACILITY_STATUS_*.
 * @flags: must be zero.
 */
struct vmmdev_guest_status {
	struct vmmdev_request_header header;
	u32 facility;
	u32 status;
	u32 flags;
};

static_assert(sizeof(struct vmmdev_guest_status) == 36);

/**
 * struct vmmdev_memballoon_info - GetMemBalloonChangeRequest (111).
 * @header: request header.
 * @balloon_chunks: out: wanted balloon size in 1 MiB chunks.
 * @phys_mem_chunks: out: guest RAM in MiB.
 * @event_ack: VMMDEV_EVENT_ACK_BALLOON when answering the event.
 */
struct vmmdev_memballoon_info {
	struct vmmdev_request_header header;
	u32 balloon_chunks;
	u32 phys_mem_chunks;
	u32 event_ack;
};

static_assert(sizeof(struct vmmdev_memballoon_info) == 36);

/**
 * struct vmmdev_memballoon_change - ChangeMemBalloon (113).
 * @header: request header.
 * @pages: number of entries in @phys_page, always one chunk.
 * @inflate: 1 gives the pages to the host, 0 takes them back.
 * @phys_page: guest-physical addresses of the chunk's pages.
 */
struct vmmdev_memballoon_change {
	struct vmmdev_request_header header;
	u32 pages;
	u32 inflate;
	u64 phys_page[VMMDEV_MEMORY_BALLOON_CHUNK_PAGES];
};

static_assert(sizeof(struct vmmdev_memballoon_change) == 2080);
static_assert(offsetof(struct vmmdev_memballoon_change, phys_page) == 32);

/**
 * struct vmmdev_write_core_dump - WriteCoreDump (218).
 * @header: request header.
 * @flags: must be zero.
 */
struct vmmdev_write_core_dump {
	struct vmmdev_request_header header;
	u32 flags;
};

static_assert(sizeof(struct vmmdev_write_core_dump) == 28);

/**
 * struct vmmdev_heartbeat - HeartbeatConfigure (220).
 * @header: request header.
 * @interval_ns: out: the host's heartbeat interval.
 * @enabled: 1 to start the host's monitor, 0 to stop it.
 * @padding: zero.
 *
 * Packed: the u64 sits at offset 24 and the host wants exactly 36 bytes.
 */
struct vmmdev_heartbeat {
	struct vmmdev_request_header header;
	u64 interval_ns;
	u8 enabled;
	u8 padding[3];
} __packed __aligned(4);

static_assert(sizeof(struct vmmdev_heartbeat) == 36);
static_assert(offsetof(struct vmmdev_heartbeat, enabled) == 32);

/* HGCM (spec section 7). */

/* hgcm_req_header.flags: set by the host when the call completed. */
#define VBOX_HGCM_REQ_DONE		BIT(0)
/* hgcm_req_header.flags: guest bookkeeping, ignored by the host. */
#define VBOX_HGCM_REQ_CANCELLED		BIT(1)

/* More parameter types than the uapi enum, advertised by host features. */
#define VMMDEV_HGCM_PARM_TYPE_EMBEDDED_PAGELIST		11
#define VMMDEV_HGCM_PARM_TYPE_CONTIGUOUS_PAGELIST	12
#define VMMDEV_HGCM_PARM_TYPE_NO_BOUNCE_PAGELIST	13

/* Most parameters one call may carry. */
#define VMMDEV_HGCM_MAX_PARMS		32

/**
 * struct vmmdev_hgcmreq_header - the 32-byte header of HGCM requests.
 * @header: request header; its rc is the submission status.
 * @flags: VBOX_HGCM_REQ_* bits.
 * @result: completion status (the service's answer).
 */
struct vmmdev_hgcmreq_header {
	struct vmmdev_request_header header;
	u32 flags;
	s32 result;
};

static_assert(sizeof(struct vmmdev_hgcmreq_header) == 32);

/**
 * struct vmmdev_hgcm_connect - HGCMConnect (60).
 * @header: HGCM header.
 * @loc: the service.
 * @client_id: out: the new client id.
 */
struct vmmdev_hgcm_connect {
	struct vmmdev_hgcmreq_header header;
	struct vmmdev_hgcm_service_location loc;
	u32 client_id;
};

static_assert(sizeof(struct vmmdev_hgcm_connect) == 168);
static_assert(offsetof(struct vmmdev_hgcm_connect, client_id) == 164);

/**
 * struct vmmdev_hgcm_disconnect - HGCMDisconnect (61).
 * @header: HGCM header.
 * @client_id: client to disconnect.
 */
struct vmmdev_hgcm_disconnect {
	struct vmmdev_hgcmreq_header header;
	u32 client_id;
};

static_assert(sizeof(struct vmmdev_hgcm_disconnect) == 36);

/**
 * struct vmmdev_hgcm_call - HGCMCall32/64 (62/63).
 * @header: HGCM header.
 * @client_id: the client.
 * @function: service function number.
 * @parm_count: number of parameters following this structure.
 *
 * The parameter array follows, then the extra area with page lists and
 * embedded data, addressed by offsets from the start of the request.
 */
struct vmmdev_hgcm_call {
	struct vmmdev_hgcmreq_header header;
	u32 client_id;
	u32 function;
	u32 parm_count;
};

static_assert(sizeof(struct vmmdev_hgcm_call) == 44);

/**
 * struct vmmdev_hgcm_cancel2 - HGCMCancel2 (65).
 * @header: request header.
 * @phys_req_to_cancel: guest-physical address of the request to cancel:
 *	hosts 7.1+ take all 64 bits (size 32), older ones the low 32 bits
 *	of the 28-byte form (VMMDEV_HGCM_CANCEL2_SIZE32).
 */
struct vmmdev_hgcm_cancel2 {
	struct vmmdev_request_header header;
	u64 phys_req_to_cancel;
};

#define VMMDEV_HGCM_CANCEL2_SIZE32	28
static_assert(sizeof(struct vmmdev_hgcm_cancel2) == 32);

#endif /* __VBOX_VMMDEV_H__ */
