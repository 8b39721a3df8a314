// SPDX-License-Identifier: GPL-2.0
/*
 * VMMDev emulator: vfio-user server transport.
 *
 * Speaks the vfio-user protocol to QEMU's vfio-user-pci client over a unix
 * socket (wire facts: ../../../shared/testrig-notes.md).  The payloads are
 * the kernel's VFIO ioctl structures from <linux/vfio.h>.
 *
 * Guest memory: QEMU maps guest RAM with DMA_MAP messages that carry the
 * RAM's memfd; we mmap it and keep a sorted table.  The model reads and
 * writes guest memory through xport_host_ops from the run loop and from
 * the HGCM worker, so the table is behind a rwlock.
 *
 * Interrupts: INTx is level-triggered but vfio-user only carries edges (an
 * eventfd write).  The line is automasked after each trigger; QEMU sends
 * SET_IRQS(UNMASK) once it saw the guest's end of interrupt, and if the
 * level is still high we trigger again.
 *
 * Nothing from the client is trusted: malformed messages get an error
 * reply with an errno and a log line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "transport.h"

/* The JSON capabilities we answer VERSION with. */
#define VFU_CAPS_JSON \
	"{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576," \
	"\"pgsizes\":4096,\"max_dma_maps\":65535}}"

/* REGION_READ / REGION_WRITE payload head. */
struct vfu_region_rw {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
};

/* DMA_MAP payload. */
struct vfu_dma_map {
	uint32_t argsz;
	uint32_t flags;
	uint64_t offset;
	uint64_t iova;
	uint64_t size;
};

/* DMA_UNMAP payload. */
struct vfu_dma_unmap {
	uint32_t argsz;
	uint32_t flags;
	uint64_t iova;
	uint64_t size;
};

/* One entry of REGION_WRITE_MULTI (QEMU's posted-write batching). */
#define VFU_MULTI_DATA	8
#define VFU_MULTI_MAX	200
struct vfu_wr_one {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	uint8_t data[VFU_MULTI_DATA];
};

/**
 * struct xport - the vfio-user server.
 * @listen_fd:  listening socket.
 * @conn_fd:    the accepted QEMU connection, or -1.
 * @sock_path:  path of @listen_fd (unlinked on free).
 * @dev:        the device model (NULL in some unit tests).
 * @dma:        guest memory map table.
 * @intx:       the INTx line.
 * @bar1:       BAR1 memory (memfd mapping).
 * @bar1_fd:    its memfd.
 * @mmap_bar1:  offer @bar1_fd with the region info.
 * @ioport:     offer BAR0 (the I/O ports); off as VirtualBox's ARM guests
 *              see the device.
 * @mmio_req:   offer BAR3, the MMIO request window of VirtualBox 7.1+.
 * @bar0_size:  BAR0's size in bytes (VMMDEV_BAR0_SIZE; smaller: a broken
 *              host, --bar0-size).
 * @bar2:       BAR2 memory ("VMMDev heap": plain RAM, trapped).
 * @config:     PCI config space.
 * @config_wmask: writable bits of @config.
 * @version_seen: VERSION negotiated.
 * @rx:         receive buffer (VFU_MAX_MSG_SIZE).
 * @tx:         reply buffer (VFU_MAX_MSG_SIZE).
 */
struct xport {
	int listen_fd;
	int conn_fd;
	char *sock_path;
	struct vmmdev *dev;
	struct dma_table dma;
	struct intx intx;
	uint8_t *bar1;
	int bar1_fd;
	bool mmap_bar1;
	bool ioport;
	bool mmio_req;
	uint32_t bar0_size;
	uint8_t bar2[XPORT_BAR2_SIZE];
	uint8_t config[XPORT_CONFIG_SIZE];
	uint8_t config_wmask[XPORT_CONFIG_SIZE];
	bool version_seen;
	uint8_t *rx;
	uint8_t *tx;
};

/* ---- Header ------------------------------------------------------------ */

/**
 * vfu_check_hdr() - validate a received message header.
 * @h: the header as received.
 *
 * Return: 0, -EPROTO (size below the header size: the byte stream cannot be
 * resynchronised) or -E2BIG (payload larger than we accept).
 */
int vfu_check_hdr(const struct vfu_hdr *h)
{
	if (h->size < VFU_HDR_SIZE)
		return -EPROTO;
	if (h->size > VFU_MAX_MSG_SIZE)
		return -E2BIG;
	return 0;
}

/* ---- DMA map table ----------------------------------------------------- */

/**
 * dma_table_init() - empty table.
 * @t: the table.
 */
void dma_table_init(struct dma_table *t)
{
	pthread_rwlock_init(&t->lock, NULL);
	t->maps = NULL;
	t->n = 0;
	t->cap = 0;
}

static void dma_map_release(struct dma_map *m)
{
	if (m->mmap_base)
		munmap(m->mmap_base, m->mmap_len);
	m->mmap_base = NULL;
	m->host = NULL;
}

/**
 * dma_table_destroy() - unmap and free every entry.
 * @t: the table.
 */
void dma_table_destroy(struct dma_table *t)
{
	dma_table_remove_all(t);
	free(t->maps);
	t->maps = NULL;
	t->cap = 0;
	pthread_rwlock_destroy(&t->lock);
}

/* Index of the first entry whose iova is > @gpa.  Caller holds the lock. */
static size_t dma_upper_bound(const struct dma_table *t, uint64_t gpa)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->maps[mid].iova <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The entry containing @gpa or NULL.  Caller holds the lock. */
static struct dma_map *dma_find(const struct dma_table *t, uint64_t gpa)
{
	size_t i = dma_upper_bound(t, gpa);
	struct dma_map *m;

	if (i == 0)
		return NULL;
	m = &t->maps[i - 1];
	if (gpa - m->iova >= m->size)
		return NULL;
	return m;
}

/**
 * dma_table_add() - insert a mapping (the table then owns its mmap).
 * @t: the table.
 * @m: the mapping.
 *
 * Return: 0, -EINVAL (zero size or end wraps), -EEXIST (overlap), -ENOMEM.
 */
int dma_table_add(struct dma_table *t, const struct dma_map *m)
{
	uint64_t last;
	size_t pos;
	int ret = 0;

	if (m->size == 0 || m->iova + (m->size - 1) < m->iova)
		return -EINVAL;
	last = m->iova + (m->size - 1);

	pthread_rwlock_wrlock(&t->lock);
	pos = dma_upper_bound(t, m->iova);
	if (pos > 0) {
		const struct dma_map *prev = &t->maps[pos - 1];

		if (prev->iova + (prev->size - 1) >= m->iova) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (pos < t->n && t->maps[pos].iova <= last) {
		ret = -EEXIST;
		goto out;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct dma_map *maps = realloc(t->maps, cap * sizeof(*maps));

		if (!maps) {
			ret = -ENOMEM;
			goto out;
		}
		t->maps = maps;
		t->cap = cap;
	}
	memmove(&t->maps[pos + 1], &t->maps[pos],
		(t->n - pos) * sizeof(*t->maps));
	t->maps[pos] = *m;
	t->n++;
out:
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

/**
 * dma_table_remove() - remove the mappings inside [@iova, @iova + @size).
 * @t:    the table.
 * @iova: start.
 * @size: length.
 *
 * Return: number removed, or -EINVAL (bad range, or a mapping straddles a
 * boundary of the range; nothing is removed then).
 */
int dma_table_remove(struct dma_table *t, uint64_t iova, uint64_t size)
{
	uint64_t last;
	size_t i, j;
	int removed = 0;

	if (size == 0 || iova + (size - 1) < iova)
		return -EINVAL;
	last = iova + (size - 1);

	pthread_rwlock_wrlock(&t->lock);
	for (i = 0; i < t->n; i++) {
		const struct dma_map *m = &t->maps[i];
		uint64_t mlast = m->iova + (m->size - 1);

		if (mlast < iova || m->iova > last)
			continue;
		if (m->iova < iova || mlast > last) {
			pthread_rwlock_unlock(&t->lock);
			return -EINVAL;
		}
	}
	for (i = 0, j = 0; i < t->n; i++) {
		struct dma_map *m = &t->maps[i];

		if (m->iova >= iova && m->iova + (m->size - 1) <= last) {
			dma_map_release(m);
			removed++;
			continue;
		}
		t->maps[j++] = *m;
	}
	t->n = j;
	pthread_rwlock_unlock(&t->lock);
	return removed;
}

/**
 * dma_table_remove_all() - drop every mapping (DMA_UNMAP with FLAG_ALL).
 * @t: the table.
 */
void dma_table_remove_all(struct dma_table *t)
{
	size_t i;

	pthread_rwlock_wrlock(&t->lock);
	for (i = 0; i < t->n; i++)
		dma_map_release(&t->maps[i]);
	t->n = 0;
	pthread_rwlock_unlock(&t->lock);
}

/* Copy between guest memory and @buf; @to_guest selects the direction. */
static int dma_table_copy(struct dma_table *t, uint64_t gpa, void *buf,
			  size_t len, bool to_guest)
{
	uint8_t *p = buf;
	int ret = 0;

	if (len && gpa + (len - 1) < gpa)
		return -1;
	pthread_rwlock_rdlock(&t->lock);
	while (len) {
		const struct dma_map *m = dma_find(t, gpa);
		uint64_t avail;
		size_t n;

		if (!m || !m->host || (to_guest && !m->writable)) {
			ret = -1;
			break;
		}
		avail = m->size - (gpa - m->iova);
		n = len < avail ? len : (size_t)avail;
		if (to_guest)
			memcpy(m->host + (gpa - m->iova), p, n);
		else
			memcpy(p, m->host + (gpa - m->iova), n);
		p += n;
		gpa += n;
		len -= n;
	}
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

/**
 * dma_table_read() - copy guest memory into @buf.
 * @t:   the table.
 * @gpa: guest-physical address.
 * @buf: destination.
 * @len: bytes; may span adjacent mappings.
 *
 * Return: 0, or -1 if any byte is not accessible (@buf then undefined).
 */
int dma_table_read(struct dma_table *t, uint64_t gpa, void *buf, size_t len)
{
	return dma_table_copy(t, gpa, buf, len, false);
}

/**
 * dma_table_write() - copy @buf into guest memory.
 * @t:   the table.
 * @gpa: guest-physical address.
 * @buf: source.
 * @len: bytes; may span adjacent mappings.
 *
 * Return: 0, or -1 if any byte is not writable (a prefix may be written).
 */
int dma_table_write(struct dma_table *t, uint64_t gpa, const void *buf,
		    size_t len)
{
	return dma_table_copy(t, gpa, (void *)buf, len, true);
}

/**
 * dma_table_ptr() - host pointer to guest memory inside one mapping.
 * @t:   the table.
 * @gpa: guest-physical address.
 * @len: bytes that must be contiguous.
 *
 * Return: the pointer, or NULL if the range is unmapped or split.
 */
void *dma_table_ptr(struct dma_table *t, uint64_t gpa, size_t len)
{
	const struct dma_map *m;
	void *p = NULL;

	pthread_rwlock_rdlock(&t->lock);
	m = dma_find(t, gpa);
	if (m && m->host && m->writable && len <= m->size - (gpa - m->iova))
		p = m->host + (gpa - m->iova);
	pthread_rwlock_unlock(&t->lock);
	return p;
}

/* ---- INTx -------------------------------------------------------------- */

/**
 * intx_init() - line low, unmasked, no eventfds.
 * @x: the line.
 */
void intx_init(struct intx *x)
{
	pthread_mutex_init(&x->lock, NULL);
	x->trigger_fd = -1;
	x->resample_fd = -1;
	x->level = false;
	x->masked = false;
	x->disabled = false;
	atomic_init(&x->fired, 0);
}

/**
 * intx_destroy() - close the eventfds.
 * @x: the line.
 */
void intx_destroy(struct intx *x)
{
	intx_set_trigger(x, -1);
	intx_set_resample(x, -1);
	pthread_mutex_destroy(&x->lock);
}

/* Signal QEMU if the line is high and deliverable.  Lock held. */
static void intx_fire_locked(struct intx *x)
{
	uint64_t one = 1;

	if (!x->level || x->masked || x->disabled || x->trigger_fd < 0)
		return;
	if (write(x->trigger_fd, &one, sizeof(one)) != sizeof(one)) {
		vmmdev_log("xport: INTx eventfd write failed: %s",
			   strerror(errno));
		return;
	}
	x->masked = true;
	atomic_fetch_add(&x->fired, 1);
}

/**
 * intx_set_level() - the model drives the line.
 * @x:     the line.
 * @level: true = asserted.
 *
 * Raising writes the trigger eventfd unless the line is masked; lowering
 * does nothing on the wire (QEMU lowers its line at the guest's EOI).
 */
void intx_set_level(struct intx *x, bool level)
{
	pthread_mutex_lock(&x->lock);
	x->level = level;
	intx_fire_locked(x);
	pthread_mutex_unlock(&x->lock);
}

/**
 * intx_unmask() - QEMU unmasked the line; re-trigger if still high.
 * @x: the line.
 */
void intx_unmask(struct intx *x)
{
	pthread_mutex_lock(&x->lock);
	x->masked = false;
	intx_fire_locked(x);
	pthread_mutex_unlock(&x->lock);
}

/**
 * intx_mask() - QEMU masked the line.
 * @x: the line.
 */
void intx_mask(struct intx *x)
{
	pthread_mutex_lock(&x->lock);
	x->masked = true;
	pthread_mutex_unlock(&x->lock);
}

/**
 * intx_set_trigger() - install or tear down the trigger eventfd.
 * @x:  the line.
 * @fd: the eventfd (the line owns it from now on) or -1.
 *
 * A new eventfd starts unmasked; a line already high fires at once.
 */
void intx_set_trigger(struct intx *x, int fd)
{
	pthread_mutex_lock(&x->lock);
	if (x->trigger_fd >= 0)
		close(x->trigger_fd);
	x->trigger_fd = fd;
	x->masked = false;
	intx_fire_locked(x);
	pthread_mutex_unlock(&x->lock);
}

/**
 * intx_set_resample() - install or tear down the resample (unmask) eventfd.
 * @x:  the line.
 * @fd: the eventfd (the line owns it from now on) or -1.
 */
void intx_set_resample(struct intx *x, int fd)
{
	pthread_mutex_lock(&x->lock);
	if (x->resample_fd >= 0)
		close(x->resample_fd);
	x->resample_fd = fd;
	pthread_mutex_unlock(&x->lock);
}

/**
 * intx_set_disabled() - the command register's INTx-disable bit.
 * @x:        the line.
 * @disabled: the bit.
 */
void intx_set_disabled(struct intx *x, bool disabled)
{
	pthread_mutex_lock(&x->lock);
	x->disabled = disabled;
	intx_fire_locked(x);
	pthread_mutex_unlock(&x->lock);
}

/**
 * intx_take_fired() - trigger writes since the last call.
 * @x: the line.
 *
 * Return: the count, which is reset to 0.
 */
unsigned int intx_take_fired(struct intx *x)
{
	return atomic_exchange(&x->fired, 0);
}

static bool intx_level(struct intx *x)
{
	bool level;

	pthread_mutex_lock(&x->lock);
	level = x->level;
	pthread_mutex_unlock(&x->lock);
	return level;
}

/* ---- Host ops for the model -------------------------------------------- */

static int xport_mem_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	struct xport *x = opaque;

	return dma_table_read(&x->dma, gpa, buf, len);
}

static int xport_mem_write(void *opaque, uint64_t gpa, const void *buf,
			   size_t len)
{
	struct xport *x = opaque;

	return dma_table_write(&x->dma, gpa, buf, len);
}

static void *xport_mem_ptr(void *opaque, uint64_t gpa, size_t len)
{
	struct xport *x = opaque;

	return dma_table_ptr(&x->dma, gpa, len);
}

static void xport_set_irq(void *opaque, int level)
{
	struct xport *x = opaque;

	intx_set_level(&x->intx, level != 0);
}

const struct vmmdev_host_ops xport_host_ops = {
	.mem_read = xport_mem_read,
	.mem_write = xport_mem_write,
	.mem_ptr = xport_mem_ptr,
	.set_irq = xport_set_irq,
};

/* ---- PCI config space -------------------------------------------------- */

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, v & 0xffff);
	put_le16(p + 2, v >> 16);
}

static void xport_config_init(struct xport *x)
{
	uint8_t *c = x->config, *w = x->config_wmask;

	memset(c, 0, XPORT_CONFIG_SIZE);
	memset(w, 0, XPORT_CONFIG_SIZE);
	put_le16(c + 0x00, VMMDEV_VENDOR_ID);
	put_le16(c + 0x02, VMMDEV_DEVICE_ID);
	c[0x09] = 0x00;			/* prog-if */
	c[0x0a] = 0x80;			/* subclass: other */
	c[0x0b] = 0x08;			/* class: base system peripheral */
	c[0x0e] = 0x00;			/* header type 0 */
	put_le32(c + 0x10, x->ioport ? 0x1 : 0);	/* BAR0: I/O */
	put_le32(c + 0x14, 0x0);	/* BAR1: 32-bit memory */
	put_le32(c + 0x18, 0x8);	/* BAR2: 32-bit memory, prefetchable */
	put_le32(c + 0x1c, 0x0);	/* BAR3: 32-bit memory (if offered) */
	c[0x3d] = 1;			/* interrupt pin INTA# */

	/* Command: I/O, memory, bus master, parity, SERR, INTx disable. */
	put_le16(w + 0x04, 0x0547);
	w[0x0c] = 0xff;			/* cache line size */
	w[0x0d] = 0xff;			/* latency timer */
	if (x->ioport)
		put_le32(w + 0x10, ~(x->bar0_size - 1));
	put_le32(w + 0x14, ~(uint32_t)(VMMDEV_BAR1_SIZE - 1));
	put_le32(w + 0x18, ~(uint32_t)(XPORT_BAR2_SIZE - 1));
	if (x->mmio_req)
		put_le32(w + 0x1c, ~(uint32_t)(VMMDEV_BAR3_SIZE - 1));
	w[0x3c] = 0xff;			/* interrupt line */
}

static void xport_config_read(struct xport *x, uint32_t off, uint8_t *buf,
			      uint32_t count)
{
	memcpy(buf, x->config + off, count);
	/* Status bit 3: interrupt status, the line's level. */
	if (off <= 0x06 && off + count > 0x06 && intx_level(&x->intx))
		buf[0x06 - off] |= 0x08;
}

static void xport_config_write(struct xport *x, uint32_t off,
			       const uint8_t *buf, uint32_t count)
{
	uint8_t old_cmd_hi = x->config[0x05];
	uint32_t i;

	for (i = 0; i < count; i++) {
		uint8_t w = x->config_wmask[off + i];

		x->config[off + i] = (x->config[off + i] & ~w) | (buf[i] & w);
	}
	if ((old_cmd_hi ^ x->config[0x05]) & 0x04)
		intx_set_disabled(&x->intx, x->config[0x05] & 0x04);
}

/**
 * xport_config() - the config space as the guest sees it (tests).
 * @x: the transport.
 *
 * Return: 256 bytes.
 */
const uint8_t *xport_config(const struct xport *x)
{
	return x->config;
}

/* ---- Message handlers -------------------------------------------------- */

/*
 * Each handler gets the payload (@p, @len bytes after the header) and
 * writes its reply payload to @out, returning its length, or a negative
 * errno for an error reply.
 */

static long xport_version(struct xport *x, const uint8_t *p, size_t len,
			  uint8_t *out)
{
	uint16_t major, minor;

	if (len < 4)
		return -EINVAL;
	memcpy(&major, p, 2);
	memcpy(&minor, p + 2, 2);
	if (major != 0) {
		vmmdev_log("xport: client protocol %u.%u not supported",
			   major, minor);
		return -ENOTSUP;
	}
	x->version_seen = true;
	memset(out, 0, 4);	/* we speak 0.0 */
	memcpy(out + 4, VFU_CAPS_JSON, sizeof(VFU_CAPS_JSON));
	return 4 + sizeof(VFU_CAPS_JSON);
}

static long xport_dma_map(struct xport *x, const uint8_t *p, size_t len,
			  int *fds, int nfds)
{
	struct vfu_dma_map req;
	struct dma_map m = { 0 };
	long pg = sysconf(_SC_PAGESIZE);
	int ret;

	if (len < sizeof(req) || nfds > 1)
		return -EINVAL;
	memcpy(&req, p, sizeof(req));
	if (req.argsz < sizeof(req))
		return -EINVAL;
	m.iova = req.iova;
	m.size = req.size;
	m.writable = req.flags & VFIO_DMA_MAP_FLAG_WRITE;
	if (nfds == 1) {
		uint64_t base_off = req.offset & ~(uint64_t)(pg - 1);
		uint64_t delta = req.offset - base_off;
		int prot = PROT_READ | (m.writable ? PROT_WRITE : 0);
		void *base;

		struct stat st;

		if (req.size == 0 || req.size > SIZE_MAX - delta)
			return -EINVAL;
		/* Touching a page beyond the file's end would be SIGBUS. */
		if (fstat(fds[0], &st) == 0 && S_ISREG(st.st_mode) &&
		    (req.offset > (uint64_t)st.st_size ||
		     req.size > (uint64_t)st.st_size - req.offset)) {
			vmmdev_log("xport: DMA_MAP iova 0x%" PRIx64 " size 0x%"
				   PRIx64 " beyond the end of its fd", req.iova,
				   req.size);
			return -EINVAL;
		}
		base = mmap(NULL, req.size + delta, prot, MAP_SHARED, fds[0],
			    (off_t)base_off);
		if (base == MAP_FAILED) {
			ret = -errno;
			vmmdev_log("xport: DMA_MAP mmap iova 0x%" PRIx64
				   " size 0x%" PRIx64 " failed: %s",
				   req.iova, req.size, strerror(errno));
			return ret;
		}
		m.mmap_base = base;
		m.mmap_len = req.size + delta;
		m.host = (uint8_t *)base + delta;
	}
	ret = dma_table_add(&x->dma, &m);
	if (ret) {
		vmmdev_log("xport: DMA_MAP iova 0x%" PRIx64 " size 0x%" PRIx64
			   " rejected: %s", req.iova, req.size, strerror(-ret));
		if (m.mmap_base)
			munmap(m.mmap_base, m.mmap_len);
		return ret;
	}
	if (x->dev)
		vmmdev_count(x->dev, VMMDEV_CNT_DMA_MAPS);
	return 0;
}

static long xport_dma_unmap(struct xport *x, const uint8_t *p, size_t len,
			    uint8_t *out)
{
	struct vfu_dma_unmap req;
	int ret;

	if (len < sizeof(req))
		return -EINVAL;
	memcpy(&req, p, sizeof(req));
	if (req.argsz < sizeof(req))
		return -EINVAL;
	if (req.flags & ~(uint32_t)VFIO_DMA_UNMAP_FLAG_ALL) {
		vmmdev_log("xport: DMA_UNMAP flags 0x%x not supported",
			   req.flags);
		return -ENOTSUP;
	}
	if (req.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		dma_table_remove_all(&x->dma);
	} else {
		ret = dma_table_remove(&x->dma, req.iova, req.size);
		if (ret < 0) {
			vmmdev_log("xport: DMA_UNMAP iova 0x%" PRIx64
				   " size 0x%" PRIx64 " splits a mapping",
				   req.iova, req.size);
			return ret;
		}
		if (ret == 0)
			vmmdev_log("xport: DMA_UNMAP iova 0x%" PRIx64
				   " size 0x%" PRIx64 " matched nothing",
				   req.iova, req.size);
	}
	if (x->dev)
		vmmdev_count(x->dev, VMMDEV_CNT_DMA_UNMAPS);
	memcpy(out, &req, sizeof(req));
	return sizeof(req);
}

static long xport_device_info(const uint8_t *p, size_t len, uint8_t *out)
{
	struct vfio_device_info info = { 0 };
	uint32_t argsz;

	if (len < 4)
		return -EINVAL;
	memcpy(&argsz, p, 4);
	if (argsz < 16)
		return -EINVAL;
	info.argsz = 16;
	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	memcpy(out, &info, 16);
	return 16;
}

/* Size of region @index as we offer it (0: absent). */
static uint64_t xport_region_size(const struct xport *x, uint32_t index)
{
	switch (index) {
	case VFIO_PCI_BAR0_REGION_INDEX:
		return x->ioport ? x->bar0_size : 0;
	case VFIO_PCI_BAR1_REGION_INDEX:
		return VMMDEV_BAR1_SIZE;
	case VFIO_PCI_BAR2_REGION_INDEX:
		return XPORT_BAR2_SIZE;
	case VFIO_PCI_BAR3_REGION_INDEX:
		return x->mmio_req ? VMMDEV_BAR3_SIZE : 0;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return XPORT_CONFIG_SIZE;
	default:
		return 0;
	}
}

static long xport_region_info(struct xport *x, const uint8_t *p, size_t len,
			      uint8_t *out, int *reply_fd)
{
	struct vfio_region_info info;

	if (len < sizeof(info))
		return -EINVAL;
	memcpy(&info, p, sizeof(info));
	if (info.argsz < sizeof(info) || info.index >= XPORT_NUM_REGIONS)
		return -EINVAL;
	info.argsz = sizeof(info);
	info.cap_offset = 0;
	info.offset = 0;
	info.size = xport_region_size(x, info.index);
	info.flags = info.size ? VFIO_REGION_INFO_FLAG_READ |
				 VFIO_REGION_INFO_FLAG_WRITE : 0;
	if (info.index == VFIO_PCI_BAR1_REGION_INDEX && x->mmap_bar1) {
		info.flags |= VFIO_REGION_INFO_FLAG_MMAP;
		*reply_fd = x->bar1_fd;
	}
	memcpy(out, &info, sizeof(info));
	return sizeof(info);
}

static long xport_irq_info(const uint8_t *p, size_t len, uint8_t *out)
{
	struct vfio_irq_info info;

	if (len < sizeof(info))
		return -EINVAL;
	memcpy(&info, p, sizeof(info));
	if (info.argsz < sizeof(info) || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	info.argsz = sizeof(info);
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX) {
		info.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			     VFIO_IRQ_INFO_AUTOMASKED;
		info.count = 1;
	} else {
		info.flags = 0;
		info.count = 0;
	}
	memcpy(out, &info, sizeof(info));
	return sizeof(info);
}

static long xport_set_irqs(struct xport *x, const uint8_t *p, size_t len,
			   int *fds, int nfds)
{
	struct vfio_irq_set set;
	uint32_t data, action;

	if (len < sizeof(set))
		return -EINVAL;
	memcpy(&set, p, sizeof(set));
	data = set.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	action = set.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	if (set.argsz < sizeof(set) || set.index >= VFIO_PCI_NUM_IRQS ||
	    __builtin_popcount(data) != 1 || __builtin_popcount(action) != 1)
		return -EINVAL;

	if (set.index != VFIO_PCI_INTX_IRQ_INDEX) {
		/* Nothing but INTx exists: only "disable" is meaningful. */
		if (set.count == 0 && nfds == 0)
			return 0;
		return -EINVAL;
	}
	if (set.start != 0 || set.count > 1)
		return -EINVAL;
	/* An eventfd action without an fd attached means "tear down". */
	if (data == VFIO_IRQ_SET_DATA_EVENTFD && nfds > (int)set.count)
		return -EINVAL;
	if (data != VFIO_IRQ_SET_DATA_EVENTFD && nfds)
		return -EINVAL;
	if (data == VFIO_IRQ_SET_DATA_BOOL &&
	    len < sizeof(set) + set.count)
		return -EINVAL;

	switch (action) {
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		if (data == VFIO_IRQ_SET_DATA_EVENTFD) {
			intx_set_trigger(&x->intx, nfds ? fds[0] : -1);
			if (nfds)
				fds[0] = -1;
		} else if (set.count == 0) {
			intx_set_trigger(&x->intx, -1);
		}
		/* DATA_NONE/BOOL with count 1 (a loopback test): ignored. */
		return 0;
	case VFIO_IRQ_SET_ACTION_UNMASK:
		if (data == VFIO_IRQ_SET_DATA_EVENTFD) {
			intx_set_resample(&x->intx, nfds ? fds[0] : -1);
			if (nfds)
				fds[0] = -1;
		} else if (set.count && (data == VFIO_IRQ_SET_DATA_NONE ||
					 p[sizeof(set)])) {
			intx_unmask(&x->intx);
		}
		return 0;
	case VFIO_IRQ_SET_ACTION_MASK:
		if (data == VFIO_IRQ_SET_DATA_EVENTFD)
			return -ENOTSUP;
		if (set.count && (data == VFIO_IRQ_SET_DATA_NONE ||
				  p[sizeof(set)]))
			intx_mask(&x->intx);
		return 0;
	}
	return -EINVAL;
}

/* One access to a region; @buf holds the data (written or to be read). */
static int xport_region_access(struct xport *x, uint32_t region,
			       uint64_t off, uint8_t *buf, uint32_t count,
			       bool write)
{
	uint64_t size = xport_region_size(x, region);
	uint64_t val64 = 0;
	uint32_t val = 0;

	if (size == 0 || count == 0 || off >= size || count > size - off)
		return -EINVAL;

	switch (region) {
	case VFIO_PCI_BAR0_REGION_INDEX:
		if (count != 1 && count != 2 && count != 4)
			return -EINVAL;
		if (x->dev) {
			vmmdev_count(x->dev, VMMDEV_CNT_PORT_EXITS);
			vmmdev_count(x->dev, write ? VMMDEV_CNT_PORT_WRITES :
						     VMMDEV_CNT_PORT_READS);
		}
		if (write) {
			memcpy(&val, buf, count);
			if (x->dev)
				vmmdev_port_write(x->dev, (uint32_t)off, val,
						  count);
		} else {
			val = x->dev ? vmmdev_port_read(x->dev, (uint32_t)off,
							count) : 0xffffffff;
			memcpy(buf, &val, count);
		}
		return 0;
	case VFIO_PCI_BAR1_REGION_INDEX:
		if (x->dev) {
			vmmdev_count(x->dev, VMMDEV_CNT_BAR1_TRAPS);
			if (!write)
				vmmdev_count(x->dev, VMMDEV_CNT_BAR1_READS);
		}
		if (write)
			memcpy(x->bar1 + off, buf, count);
		else
			memcpy(buf, x->bar1 + off, count);
		return 0;
	case VFIO_PCI_BAR2_REGION_INDEX:
		if (write)
			memcpy(x->bar2 + off, buf, count);
		else
			memcpy(buf, x->bar2 + off, count);
		return 0;
	case VFIO_PCI_BAR3_REGION_INDEX:
		if (count != 1 && count != 2 && count != 4 && count != 8)
			return -EINVAL;
		if (x->dev)
			vmmdev_count(x->dev, VMMDEV_CNT_MMIO_EXITS);
		if (write) {
			memcpy(&val64, buf, count);
			if (x->dev)
				vmmdev_mmio_write(x->dev, (uint32_t)off,
						  val64, count);
		} else {
			val = x->dev ? vmmdev_mmio_read(x->dev, (uint32_t)off,
							count) : 0xffffffff;
			val64 = count == 4 ? val : UINT64_MAX;
			memcpy(buf, &val64, count);
		}
		return 0;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		if (write)
			xport_config_write(x, (uint32_t)off, buf, count);
		else
			xport_config_read(x, (uint32_t)off, buf, count);
		return 0;
	}
	return -EINVAL;
}

static long xport_region_rw(struct xport *x, const uint8_t *p, size_t len,
			    uint8_t *out, bool write)
{
	struct vfu_region_rw rw;
	int ret;

	if (len < sizeof(rw))
		return -EINVAL;
	memcpy(&rw, p, sizeof(rw));
	if (rw.count > VFU_MAX_DATA_XFER)
		return -E2BIG;
	if (write && len - sizeof(rw) != rw.count)
		return -EINVAL;
	if (!write && len != sizeof(rw))
		return -EINVAL;
	memcpy(out, &rw, sizeof(rw));
	if (write) {
		ret = xport_region_access(x, rw.region, rw.offset,
					  (uint8_t *)p + sizeof(rw), rw.count,
					  true);
	} else {
		ret = xport_region_access(x, rw.region, rw.offset,
					  out + sizeof(rw), rw.count, false);
	}
	if (ret) {
		vmmdev_log("xport: bad REGION_%s region %u offset 0x%" PRIx64
			   " count %u", write ? "WRITE" : "READ", rw.region,
			   rw.offset, rw.count);
		return ret;
	}
	return sizeof(rw) + (write ? 0 : rw.count);
}

static long xport_region_write_multi(struct xport *x, const uint8_t *p,
				     size_t len, uint8_t *out)
{
	uint64_t n, i;
	int ret;

	if (len < 8)
		return -EINVAL;
	memcpy(&n, p, 8);
	if (n > VFU_MULTI_MAX || len < 8 + n * sizeof(struct vfu_wr_one))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		struct vfu_wr_one one;

		memcpy(&one, p + 8 + i * sizeof(one), sizeof(one));
		if (one.count > VFU_MULTI_DATA)
			return -EINVAL;
		ret = xport_region_access(x, one.region, one.offset, one.data,
					  one.count, true);
		if (ret) {
			vmmdev_log("xport: bad REGION_WRITE_MULTI entry %" PRIu64
				   " region %u offset 0x%" PRIx64 " count %u",
				   i, one.region, one.offset, one.count);
			return ret;
		}
	}
	memcpy(out, &n, 8);
	return 8;
}

static const char *const vfu_cmd_names[VFU_CMD_MAX] = {
	[VFU_CMD_VERSION] = "VERSION",
	[VFU_CMD_DMA_MAP] = "DMA_MAP",
	[VFU_CMD_DMA_UNMAP] = "DMA_UNMAP",
	[VFU_CMD_DEVICE_GET_INFO] = "DEVICE_GET_INFO",
	[VFU_CMD_DEVICE_GET_REGION_INFO] = "DEVICE_GET_REGION_INFO",
	[VFU_CMD_DEVICE_GET_REGION_IO_FDS] = "DEVICE_GET_REGION_IO_FDS",
	[VFU_CMD_DEVICE_GET_IRQ_INFO] = "DEVICE_GET_IRQ_INFO",
	[VFU_CMD_DEVICE_SET_IRQS] = "DEVICE_SET_IRQS",
	[VFU_CMD_REGION_READ] = "REGION_READ",
	[VFU_CMD_REGION_WRITE] = "REGION_WRITE",
	[VFU_CMD_DMA_READ] = "DMA_READ",
	[VFU_CMD_DMA_WRITE] = "DMA_WRITE",
	[VFU_CMD_DEVICE_RESET] = "DEVICE_RESET",
	[VFU_CMD_DIRTY_PAGES] = "DIRTY_PAGES",
	[VFU_CMD_REGION_WRITE_MULTI] = "REGION_WRITE_MULTI",
};

static const char *vfu_cmd_name(uint16_t cmd)
{
	if (cmd < VFU_CMD_MAX && vfu_cmd_names[cmd])
		return vfu_cmd_names[cmd];
	return "unknown";
}

/**
 * xport_handle_msg() - handle one complete message and build the reply.
 * @x:        the transport.
 * @msg:      header followed by payload, @msg->size bytes in total.
 * @fds:      attached fds; handlers keeping one set its slot to -1.
 * @nfds:     number of @fds.
 * @reply:    reply buffer (VFU_MAX_MSG_SIZE bytes).
 * @reply_fd: set to an fd to send with the reply; -1 otherwise.
 *
 * Return: bytes of @reply to send, 0 if no reply is wanted.
 */
size_t xport_handle_msg(struct xport *x, const struct vfu_hdr *msg,
			int *fds, int nfds, uint8_t *reply, int *reply_fd)
{
	const uint8_t *p = (const uint8_t *)msg + VFU_HDR_SIZE;
	size_t len = msg->size - VFU_HDR_SIZE;
	uint8_t *out = reply + VFU_HDR_SIZE;
	struct vfu_hdr *rh = (struct vfu_hdr *)reply;
	long ret;

	*reply_fd = -1;
	if ((msg->flags & VFU_FLAG_TYPE_MASK) != VFU_FLAG_COMMAND) {
		vmmdev_log("xport: unexpected message type 0x%x (command %u)",
			   msg->flags, msg->command);
		return 0;
	}
	if (!x->version_seen && msg->command != VFU_CMD_VERSION) {
		ret = -EINVAL;
		goto done;
	}

	switch (msg->command) {
	case VFU_CMD_VERSION:
		ret = xport_version(x, p, len, out);
		break;
	case VFU_CMD_DMA_MAP:
		ret = xport_dma_map(x, p, len, fds, nfds);
		break;
	case VFU_CMD_DMA_UNMAP:
		ret = xport_dma_unmap(x, p, len, out);
		break;
	case VFU_CMD_DEVICE_GET_INFO:
		ret = xport_device_info(p, len, out);
		break;
	case VFU_CMD_DEVICE_GET_REGION_INFO:
		ret = xport_region_info(x, p, len, out, reply_fd);
		break;
	case VFU_CMD_DEVICE_GET_IRQ_INFO:
		ret = xport_irq_info(p, len, out);
		break;
	case VFU_CMD_DEVICE_SET_IRQS:
		ret = xport_set_irqs(x, p, len, fds, nfds);
		break;
	case VFU_CMD_REGION_READ:
		ret = xport_region_rw(x, p, len, out, false);
		break;
	case VFU_CMD_REGION_WRITE:
		ret = xport_region_rw(x, p, len, out, true);
		break;
	case VFU_CMD_REGION_WRITE_MULTI:
		ret = xport_region_write_multi(x, p, len, out);
		break;
	case VFU_CMD_DEVICE_RESET:
		if (x->dev)
			vmmdev_reset(x->dev);
		ret = 0;
		break;
	default:
		ret = -ENOTSUP;
		break;
	}
done:
	if (ret < 0)
		vmmdev_log("xport: %s (command %u, id %u, %u bytes) failed: %s",
			   vfu_cmd_name(msg->command), msg->command,
			   msg->msg_id, msg->size, strerror((int)-ret));
	if (msg->flags & VFU_FLAG_NO_REPLY) {
		*reply_fd = -1;
		return 0;
	}
	rh->msg_id = msg->msg_id;
	rh->command = msg->command;
	rh->error_no = 0;
	rh->flags = VFU_FLAG_REPLY;
	if (ret < 0) {
		rh->flags |= VFU_FLAG_ERROR;
		rh->error_no = (uint32_t)-ret;
		*reply_fd = -1;
		ret = 0;
	}
	rh->size = VFU_HDR_SIZE + (uint32_t)ret;
	return rh->size;
}

/* ---- Socket I/O -------------------------------------------------------- */

/* Read exactly @len bytes; 0, or -1 on EOF/error. */
static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int send_reply(int fd, const uint8_t *buf, size_t len, int send_fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	bool first = true;

	while (iov.iov_len) {
		ssize_t n;

		if (first && send_fd >= 0) {
			struct cmsghdr *cm;

			memset(&cbuf, 0, sizeof(cbuf));
			mh.msg_control = cbuf.buf;
			mh.msg_controllen = sizeof(cbuf.buf);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &send_fd, sizeof(int));
		} else {
			mh.msg_control = NULL;
			mh.msg_controllen = 0;
		}
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		first = false;
		iov.iov_base = (uint8_t *)iov.iov_base + n;
		iov.iov_len -= n;
	}
	return 0;
}

static void close_fds(int *fds, int nfds)
{
	int i;

	for (i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Receive and handle one message.  0, or -1 when the connection is gone. */
static int xport_recv_one(struct xport *x)
{
	union {
		char buf[CMSG_SPACE(VFU_MAX_MSG_FDS * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct vfu_hdr *h = (struct vfu_hdr *)x->rx;
	struct iovec iov = { .iov_base = x->rx, .iov_len = VFU_HDR_SIZE };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	int fds[VFU_MAX_MSG_FDS];
	int nfds = 0, reply_fd, ret;
	struct cmsghdr *cm;
	size_t rlen;
	ssize_t n;

	do {
		n = recvmsg(x->conn_fd, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;

	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		int k, cnt;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < cnt; k++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
			if (nfds < VFU_MAX_MSG_FDS)
				fds[nfds++] = fd;
			else
				close(fd);
		}
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		vmmdev_log("xport: too many fds with a message; dropping client");
		close_fds(fds, nfds);
		return -1;
	}
	if (n < VFU_HDR_SIZE &&
	    read_full(x->conn_fd, x->rx + n, VFU_HDR_SIZE - n)) {
		close_fds(fds, nfds);
		return -1;
	}

	ret = vfu_check_hdr(h);
	if (ret == -EPROTO) {
		vmmdev_log("xport: message size %u below header; dropping client",
			   h->size);
		close_fds(fds, nfds);
		return -1;
	}
	if (ret == -E2BIG) {
		struct vfu_hdr rh = *h;
		uint32_t left = h->size - VFU_HDR_SIZE;

		vmmdev_log("xport: %s of %u bytes too large",
			   vfu_cmd_name(h->command), h->size);
		close_fds(fds, nfds);
		while (left) {
			uint32_t chunk = left < VFU_MAX_MSG_SIZE ? left :
					 VFU_MAX_MSG_SIZE;

			if (read_full(x->conn_fd, x->rx, chunk))
				return -1;
			left -= chunk;
		}
		if (rh.flags & VFU_FLAG_NO_REPLY)
			return 0;
		rh.size = VFU_HDR_SIZE;
		rh.flags = VFU_FLAG_REPLY | VFU_FLAG_ERROR;
		rh.error_no = E2BIG;
		return send_reply(x->conn_fd, (uint8_t *)&rh, sizeof(rh), -1);
	}
	if (h->size > VFU_HDR_SIZE &&
	    read_full(x->conn_fd, x->rx + VFU_HDR_SIZE,
		      h->size - VFU_HDR_SIZE)) {
		close_fds(fds, nfds);
		return -1;
	}

	rlen = xport_handle_msg(x, h, fds, nfds, x->tx, &reply_fd);
	close_fds(fds, nfds);
	if (rlen && send_reply(x->conn_fd, x->tx, rlen, reply_fd)) {
		vmmdev_log("xport: reply failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- Life cycle and run-loop hooks ------------------------------------- */

/**
 * xport_new() - create the server: BAR memory and the listening socket.
 * @sock_path: unix socket path; a stale socket file there is replaced.
 * @mmap_bar1: offer BAR1 as mmap-able.
 *
 * Return: the transport or NULL (logged).
 */
struct xport *xport_new(const char *sock_path, bool mmap_bar1)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	struct xport *x;

	if (strlen(sock_path) >= sizeof(sa.sun_path)) {
		vmmdev_log("xport: socket path too long: %s", sock_path);
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->listen_fd = -1;
	x->conn_fd = -1;
	x->bar1_fd = -1;
	x->mmap_bar1 = mmap_bar1;
	x->ioport = true;
	x->bar0_size = VMMDEV_BAR0_SIZE;
	dma_table_init(&x->dma);
	intx_init(&x->intx);
	xport_config_init(x);
	x->rx = malloc(VFU_MAX_MSG_SIZE);
	x->tx = malloc(VFU_MAX_MSG_SIZE);
	x->sock_path = strdup(sock_path);
	if (!x->rx || !x->tx || !x->sock_path)
		goto fail;

	x->bar1_fd = memfd_create("vmmdev-bar1", MFD_CLOEXEC);
	if (x->bar1_fd < 0 || ftruncate(x->bar1_fd, VMMDEV_BAR1_SIZE)) {
		vmmdev_log("xport: BAR1 memfd: %s", strerror(errno));
		goto fail;
	}
	x->bar1 = mmap(NULL, VMMDEV_BAR1_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED, x->bar1_fd, 0);
	if (x->bar1 == MAP_FAILED) {
		x->bar1 = NULL;
		vmmdev_log("xport: BAR1 mmap: %s", strerror(errno));
		goto fail;
	}

	if (stat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(sock_path);
	strcpy(sa.sun_path, sock_path);
	x->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (x->listen_fd < 0 ||
	    bind(x->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(x->listen_fd, 1)) {
		vmmdev_log("xport: listen on %s: %s", sock_path,
			   strerror(errno));
		goto fail;
	}
	return x;
fail:
	xport_free(x);
	return NULL;
}

/**
 * xport_free() - close everything and remove the socket file.
 * @x: the transport (NULL is fine).
 */
void xport_free(struct xport *x)
{
	if (!x)
		return;
	if (x->conn_fd >= 0)
		close(x->conn_fd);
	if (x->listen_fd >= 0) {
		close(x->listen_fd);
		unlink(x->sock_path);
	}
	dma_table_destroy(&x->dma);
	intx_destroy(&x->intx);
	if (x->bar1)
		munmap(x->bar1, VMMDEV_BAR1_SIZE);
	if (x->bar1_fd >= 0)
		close(x->bar1_fd);
	free(x->rx);
	free(x->tx);
	free(x->sock_path);
	free(x);
}

/**
 * xport_set_layout() - choose the BARs the device offers.
 * @x:        the server, before QEMU has connected.
 * @ioport:   offer BAR0, the I/O ports (VirtualBox on x86).
 * @mmio_req: offer BAR3, the MMIO request window (VirtualBox 7.1+, on by
 *            default for ARM guests).
 */
void xport_set_layout(struct xport *x, bool ioport, bool mmio_req)
{
	x->ioport = ioport;
	x->mmio_req = mmio_req;
	xport_config_init(x);
}

/**
 * xport_set_bar0_size() - offer a BAR0 of @size bytes (a broken host).
 * @x:    the server, before QEMU has connected.
 * @size: a power of two, 4 to VMMDEV_BAR0_SIZE.
 *
 * Return: 0, or -1 if @size is not one of those.
 */
int xport_set_bar0_size(struct xport *x, uint32_t size)
{
	if (size < 4 || size > VMMDEV_BAR0_SIZE || (size & (size - 1)))
		return -1;
	x->bar0_size = size;
	xport_config_init(x);
	return 0;
}

/**
 * xport_bar1() - the BAR1 memory the model works on.
 * @x: the transport.
 *
 * Return: VMMDEV_BAR1_SIZE bytes shared with the guest.
 */
uint8_t *xport_bar1(struct xport *x)
{
	return x->bar1;
}

/**
 * xport_set_dev() - connect the device model.
 * @x:   the transport.
 * @dev: the model.
 */
void xport_set_dev(struct xport *x, struct vmmdev *dev)
{
	x->dev = dev;
}

/**
 * xport_poll_fd() - the fd the run loop polls for input.
 * @x: the transport.
 *
 * Return: the listening socket until QEMU connected, then the connection.
 */
int xport_poll_fd(const struct xport *x)
{
	return x->conn_fd >= 0 ? x->conn_fd : x->listen_fd;
}

/**
 * xport_resample_fd() - the resample eventfd QEMU installed, or -1.
 * @x: the transport.
 *
 * Return: the fd (owned by the transport).
 */
int xport_resample_fd(struct xport *x)
{
	int fd;

	pthread_mutex_lock(&x->intx.lock);
	fd = x->intx.resample_fd;
	pthread_mutex_unlock(&x->intx.lock);
	return fd;
}

/**
 * xport_handle() - input on xport_poll_fd().
 * @x: the transport.
 *
 * Accepts QEMU, or receives and answers one message.
 *
 * Return: 0 to keep running, -1 when the client disconnected.
 */
int xport_handle(struct xport *x)
{
	static const struct timeval io_timeout = { .tv_sec = 10 };

	if (x->conn_fd < 0) {
		x->conn_fd = accept4(x->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (x->conn_fd < 0) {
			vmmdev_log("xport: accept: %s", strerror(errno));
			return 0;
		}
		/*
		 * QEMU writes whole messages and reads replies promptly; a
		 * message cut short or a reply not taken for this long means
		 * the client is stuck, and the run loop must not hang on it.
		 */
		setsockopt(x->conn_fd, SOL_SOCKET, SO_RCVTIMEO, &io_timeout,
			   sizeof(io_timeout));
		setsockopt(x->conn_fd, SOL_SOCKET, SO_SNDTIMEO, &io_timeout,
			   sizeof(io_timeout));
		vmmdev_log("xport: client connected");
		if (x->dev) {
			struct ucred cred;
			socklen_t len = sizeof(cred);

			if (!getsockopt(x->conn_fd, SOL_SOCKET, SO_PEERCRED,
					&cred, &len))
				vmmdev_set_peer_pid(x->dev, cred.pid);
		}
		return 0;
	}
	if (xport_recv_one(x)) {
		vmmdev_log("xport: client disconnected");
		return -1;
	}
	return 0;
}

/**
 * xport_handle_resample() - the resample eventfd fired: unmask INTx.
 * @x: the transport.
 */
void xport_handle_resample(struct xport *x)
{
	int fd = xport_resample_fd(x);
	uint64_t v;

	if (fd >= 0 && read(fd, &v, sizeof(v)) == sizeof(v))
		intx_unmask(&x->intx);
}

/**
 * xport_flush_counts() - hand the deferred IRQ count to the model.
 * @x: the transport.
 *
 * Run-loop thread only, with no model lock held.
 */
void xport_flush_counts(struct xport *x)
{
	unsigned int n = intx_take_fired(&x->intx);

	while (x->dev && n--)
		vmmdev_count(x->dev, VMMDEV_CNT_IRQS);
}
