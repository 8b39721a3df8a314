/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMMDev emulator: the vfio-user transport (server side).
 *
 * One QEMU client at a time on a unix socket.  The transport owns the guest
 * memory map table (DMA_MAP/DMA_UNMAP), the INTx line (trigger eventfd,
 * mask state), PCI config space and the BARs' backing store, and forwards
 * BAR0 accesses and DEVICE_RESET to the device model (emu.h).
 *
 * Wire facts: ../../../shared/testrig-notes.md, "vfio-user wire facts".
 *
 * The DMA table and the INTx state are separate objects with their own
 * locks so that the unit tests can drive them without a socket and so that
 * the HGCM worker can use them while the run loop handles messages.
 */
#ifndef VMMDEV_TRANSPORT_H
#define VMMDEV_TRANSPORT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu.h"

/* vfio-user message header (16 bytes, little endian). */
struct vfu_hdr {
	uint16_t msg_id;
	uint16_t command;
	uint32_t size;		/* header included */
	uint32_t flags;
	uint32_t error_no;
};

#define VFU_HDR_SIZE		16

#define VFU_FLAG_TYPE_MASK	0xf
#define VFU_FLAG_COMMAND	0x0
#define VFU_FLAG_REPLY		0x1
#define VFU_FLAG_NO_REPLY	0x10
#define VFU_FLAG_ERROR		0x20

enum vfu_command {
	VFU_CMD_VERSION = 1,
	VFU_CMD_DMA_MAP = 2,
	VFU_CMD_DMA_UNMAP = 3,
	VFU_CMD_DEVICE_GET_INFO = 4,
	VFU_CMD_DEVICE_GET_REGION_INFO = 5,
	VFU_CMD_DEVICE_GET_REGION_IO_FDS = 6,
	VFU_CMD_DEVICE_GET_IRQ_INFO = 7,
	VFU_CMD_DEVICE_SET_IRQS = 8,
	VFU_CMD_REGION_READ = 9,
	VFU_CMD_REGION_WRITE = 10,
	VFU_CMD_DMA_READ = 11,
	VFU_CMD_DMA_WRITE = 12,
	VFU_CMD_DEVICE_RESET = 13,
	VFU_CMD_DIRTY_PAGES = 14,
	VFU_CMD_REGION_WRITE_MULTI = 15,
	VFU_CMD_MAX
};

/* Largest message (header included) the server accepts. */
#define VFU_MAX_DATA_XFER	(1024 * 1024)
#define VFU_MAX_MSG_SIZE	(VFU_MAX_DATA_XFER + 4096)
#define VFU_MAX_MSG_FDS		8

/**
 * vfu_check_hdr() - validate a received message header.
 * @h: the header as received.
 *
 * Return: 0 if the message can be handled; -EPROTO if the stream cannot
 * be trusted any more (size below the header: the connection must be
 * dropped); -E2BIG if the payload is too large (drain it, reply an error).
 */
int vfu_check_hdr(const struct vfu_hdr *h);

/* ---- DMA map table ---------------------------------------------------- */

/**
 * struct dma_map - one guest-physical range QEMU mapped for us.
 * @iova:     guest-physical start.
 * @size:     length in bytes.
 * @host:     host address of @iova, NULL if QEMU sent no fd (ROM areas):
 *            such ranges exist in the table but cannot be accessed.
 * @writable: QEMU mapped it with VFIO_DMA_MAP_FLAG_WRITE.
 * @mmap_base: what to munmap (page aligned), NULL if nothing.
 * @mmap_len: its length.
 */
struct dma_map {
	uint64_t iova;
	uint64_t size;
	uint8_t *host;
	bool writable;
	void *mmap_base;
	size_t mmap_len;
};

/**
 * struct dma_table - sorted, non-overlapping set of DMA mappings.
 * @lock: readers are guest-memory accesses (run loop and HGCM worker),
 *        writers are DMA_MAP/DMA_UNMAP.
 * @maps: sorted by @iova.
 * @n:    number of entries.
 * @cap:  allocated entries.
 */
struct dma_table {
	pthread_rwlock_t lock;
	struct dma_map *maps;
	size_t n;
	size_t cap;
};

void dma_table_init(struct dma_table *t);
/* Unmaps and frees every entry. */
void dma_table_destroy(struct dma_table *t);
/**
 * dma_table_add() - insert a mapping; the table takes ownership of the
 * mmap (munmap on removal).  Return: 0, -EINVAL (zero size or wraps),
 * -EEXIST (overlaps an existing mapping), -ENOMEM.
 */
int dma_table_add(struct dma_table *t, const struct dma_map *m);
/**
 * dma_table_remove() - remove every mapping inside [@iova, @iova+@size).
 * A mapping that straddles either boundary makes the call fail with
 * -EINVAL and remove nothing.  Return: number of mappings removed.
 */
int dma_table_remove(struct dma_table *t, uint64_t iova, uint64_t size);
void dma_table_remove_all(struct dma_table *t);
/* Copy guest memory; 0 on success, -1 if any byte is unmapped. */
int dma_table_read(struct dma_table *t, uint64_t gpa, void *buf, size_t len);
int dma_table_write(struct dma_table *t, uint64_t gpa, const void *buf,
		    size_t len);
/* Host pointer to [@gpa, @gpa+@len) if inside one accessible mapping. */
void *dma_table_ptr(struct dma_table *t, uint64_t gpa, size_t len);

/* ---- INTx line -------------------------------------------------------- */

/**
 * struct intx - the level-triggered INTx line as vfio-user carries it.
 * @lock:        protects everything below; taken from the run loop and the
 *               HGCM worker (via set_irq), never held across a call into
 *               the model.
 * @trigger_fd:  eventfd QEMU gave with SET_IRQS(TRIGGER), or -1.
 * @resample_fd: eventfd QEMU gave with SET_IRQS(UNMASK, EVENTFD), or -1.
 * @level:       the level the model drives.
 * @masked:      automasked after each trigger, until QEMU unmasks.
 * @disabled:    the guest set INTx-disable in the command register.
 * @fired:       trigger eventfd writes not yet handed to the model's
 *               counter (the model's counter takes dev->lock, which
 *               set_irq's caller may hold).
 */
struct intx {
	pthread_mutex_t lock;
	int trigger_fd;
	int resample_fd;
	bool level;
	bool masked;
	bool disabled;
	atomic_uint fired;
};

void intx_init(struct intx *x);
/* Closes the eventfds. */
void intx_destroy(struct intx *x);
/* Model drives the line (thread-safe). */
void intx_set_level(struct intx *x, bool level);
/* SET_IRQS UNMASK (or the resample eventfd fired): re-trigger if high. */
void intx_unmask(struct intx *x);
void intx_mask(struct intx *x);
/* Install (fd >= 0) or tear down (fd < 0) the trigger eventfd; takes it. */
void intx_set_trigger(struct intx *x, int fd);
/* Install (fd >= 0) or tear down (fd < 0) the resample eventfd; takes it. */
void intx_set_resample(struct intx *x, int fd);
/* Command register INTx-disable bit changed. */
void intx_set_disabled(struct intx *x, bool disabled);
/* Number of trigger writes since the last call (and resets it). */
unsigned int intx_take_fired(struct intx *x);

/* ---- The server ------------------------------------------------------- */

#define XPORT_NUM_REGIONS	9	/* VFIO_PCI_NUM_REGIONS */
#define XPORT_CONFIG_SIZE	256
#define XPORT_BAR2_SIZE		0x4000

struct xport;

/**
 * xport_new() - create the server: BAR memory and the listening socket.
 * @sock_path:  unix socket path (an existing socket file is replaced).
 * @mmap_bar1:  offer BAR1 to QEMU as mmap-able.
 *
 * Return: the transport, or NULL (reason logged).
 */
struct xport *xport_new(const char *sock_path, bool mmap_bar1);
void xport_set_layout(struct xport *x, bool ioport, bool mmio_req);
int xport_set_bar0_size(struct xport *x, uint32_t size);
void xport_free(struct xport *x);

/* Callbacks for vmmdev_new(); opaque is the struct xport. */
extern const struct vmmdev_host_ops xport_host_ops;

uint8_t *xport_bar1(struct xport *x);
void xport_set_dev(struct xport *x, struct vmmdev *dev);

/*
 * Run-loop hooks.  xport_poll_fd() is the fd to poll for input: the
 * listening socket before QEMU connected, then the connection.
 * xport_resample_fd() is -1 unless QEMU installed one.
 */
int xport_poll_fd(const struct xport *x);
int xport_resample_fd(struct xport *x);
/**
 * xport_handle() - input on xport_poll_fd(): accept or one message.
 * Return: 0 to keep running, -1 when the client went away.
 */
int xport_handle(struct xport *x);
void xport_handle_resample(struct xport *x);
/* Hand deferred counts (IRQ triggers) to the model; run loop only. */
void xport_flush_counts(struct xport *x);

/**
 * xport_handle_msg() - handle one complete message.
 * @x:     the transport.
 * @msg:   header and payload (@msg->size bytes, checked by vfu_check_hdr).
 * @fds:   file descriptors that came with it; the handler takes the ones
 *         it keeps and sets them to -1 in the array.
 * @nfds:  number of @fds.
 * @reply: buffer for the reply (header and payload), VFU_MAX_MSG_SIZE.
 * @reply_fd: set to an fd to attach to the reply, or left -1.
 *
 * Return: size of the reply in @reply (0 when no reply is to be sent).
 * Exposed for the unit tests.
 */
size_t xport_handle_msg(struct xport *x, const struct vfu_hdr *msg,
			int *fds, int nfds, uint8_t *reply, int *reply_fd);

/* PCI config space bytes as the guest sees them (tests). */
const uint8_t *xport_config(const struct xport *x);

#endif /* VMMDEV_TRANSPORT_H */
