/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMMDev host emulator: the contract between its parts.
 *
 *   transport.c   vfio-user server: socket, messages, DMA map table, INTx
 *                 eventfds, BAR0/BAR1 regions.  Owns guest memory access and
 *                 the interrupt line.  Knows nothing about VMMDev requests.
 *   model.c       the VMMDev device model: request validation and one
 *                 handler per request type, event state (pending, filter,
 *                 deferred filter), balloon, heartbeat, mouse, fault
 *                 injection, counters, control-command parsing.
 *   hgcm.c        HGCM core: clients, validation of connect/disconnect/call
 *                 requests, parameter and page-list access, the worker
 *                 thread that completes calls asynchronously, cancel.
 *   svc_test.c    the test service "vbgtest".
 *   svc_guestprop.c  the guest property service "VBoxGuestPropSvc".
 *   control.c     the control channel: a unix socket speaking a line
 *                 protocol; every line goes to vmmdev_control().
 *   main.c        command line, wiring, run loop.
 *
 * Threads: the transport's run loop (one thread: vfio-user socket and
 * control sockets, polled) and the HGCM worker.  The model is protected by
 * one mutex, dev->lock (like VirtualBox's device lock): every vmmdev_*
 * entry point below takes it itself; the HGCM worker takes it to complete
 * a call.  Guest memory access and the IRQ line are thread-safe callbacks.
 *
 * Nothing here trusts the guest: a bad request gets an error rc and a log
 * line (vmmdev_log), never an abort.
 */
#ifndef VMMDEV_EMU_H
#define VMMDEV_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* PCI identity and BARs (../../../shared/vmmdev-spec.md section 1). */
#define VMMDEV_VENDOR_ID	0x80ee
#define VMMDEV_DEVICE_ID	0xcafe
#define VMMDEV_BAR0_SIZE	0x20
#define VMMDEV_BAR1_SIZE	0x400000
#define VMMDEV_PORT_REQUEST	0x0
#define VMMDEV_PORT_FAST	0x8
/* BAR3, the MMIO request window (7.1+, spec sections 1 and 2). */
#define VMMDEV_BAR3_SIZE	0x1000
#define VMMDEV_MMIO_REQUEST	0x0
#define VMMDEV_MMIO_FAST	0x8

/* Host callbacks the transport provides to the model (thread-safe). */
struct vmmdev_host_ops {
	/* Guest-physical access; 0 on success, -1 if any byte is unmapped. */
	int (*mem_read)(void *opaque, uint64_t gpa, void *buf, size_t len);
	int (*mem_write)(void *opaque, uint64_t gpa, const void *buf, size_t len);
	/*
	 * Direct pointer to @len bytes of guest RAM at @gpa if they lie in
	 * one mapping, else NULL.  Valid until the next DMA_UNMAP; callers
	 * hold no pointer across a return to the run loop.
	 */
	void *(*mem_ptr)(void *opaque, uint64_t gpa, size_t len);
	/* Drive the INTx line: 1 asserted, 0 deasserted. */
	void (*set_irq)(void *opaque, int level);
};

struct vmmdev;

/**
 * vmmdev_new() - create the device model in power-on state.
 * @ops:    host callbacks.
 * @opaque: passed to every callback.
 * @bar1:   the 4 MiB VMMDev memory (BAR1), shared with the guest.
 *
 * Starts the HGCM worker thread.  Returns NULL on allocation failure.
 */
struct vmmdev *vmmdev_new(const struct vmmdev_host_ops *ops, void *opaque,
			  uint8_t *bar1);
void vmmdev_free(struct vmmdev *dev);

/* DEVICE_RESET: back to power-on state (spec appendix). */
void vmmdev_reset(struct vmmdev *dev);

/* BAR0 accesses; @size is the access width in bytes. */
void vmmdev_port_write(struct vmmdev *dev, uint32_t off, uint32_t val,
		       unsigned int size);
uint32_t vmmdev_port_read(struct vmmdev *dev, uint32_t off, unsigned int size);

/* BAR3 accesses: a 32- or 64-bit write of a request's address submits it. */
void vmmdev_mmio_write(struct vmmdev *dev, uint32_t off, uint64_t val,
		       unsigned int size);
uint32_t vmmdev_mmio_read(struct vmmdev *dev, uint32_t off, unsigned int size);

/* Counters the transport feeds (it sees the traffic, the model keeps them). */
enum vmmdev_xport_counter {
	VMMDEV_CNT_PORT_EXITS,		/* REGION_WRITE/READ of BAR0 */
	VMMDEV_CNT_BAR1_TRAPS,		/* REGION_READ/WRITE of BAR1 */
	VMMDEV_CNT_IRQS,		/* trigger eventfd writes */
	VMMDEV_CNT_DMA_MAPS,
	VMMDEV_CNT_DMA_UNMAPS,
	VMMDEV_CNT_PORT_WRITES,		/* REGION_WRITE of BAR0 */
	VMMDEV_CNT_PORT_READS,		/* REGION_READ of BAR0 */
	VMMDEV_CNT_BAR1_READS,		/* REGION_READ of BAR1 */
	VMMDEV_CNT_MMIO_EXITS,		/* REGION_WRITE/READ of BAR3 */
	VMMDEV_CNT_XPORT_MAX
};
void vmmdev_count(struct vmmdev *dev, enum vmmdev_xport_counter c);
/*
 * The process at the other end of the vfio-user socket (QEMU): its CPU
 * time and ours make the host_cpu_us counter (make bench's cost per
 * operation, which the machine's load does not stretch as it does time).
 */
void vmmdev_set_peer_pid(struct vmmdev *dev, int pid);

/**
 * vmmdev_control() - execute one control-channel command line.
 * @dev:  the device.
 * @line: one command without the newline.
 * @out:  where the reply goes.
 *
 * The reply is one or more lines; the last is "ok[ ...]" or "err <why>".
 * The protocol is documented in control.c and tests/vmmdev/README.
 */
void vmmdev_control(struct vmmdev *dev, const char *line, FILE *out);

/* Host-side log, one line; guest errors are tagged "guest-error:". */
void vmmdev_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Where vmmdev_log() writes (default stderr); NULL restores stderr. */
void vmmdev_set_log(FILE *f);

#endif /* VMMDEV_EMU_H */
