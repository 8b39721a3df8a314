// SPDX-License-Identifier: GPL-2.0
/*
 * t_hgcm_stress: HGCM buffers without bounce copies, and HGCM under load.
 *
 * pinned_user_buffers_not_bounced: echo calls with user buffers of known
 * sizes and alignments (anonymous, read-only and memfd-backed memory); the
 * emulator must see them as no-bounce page lists (type 13) with exactly
 * the pages the user's buffers span, no other buffer type, and our
 * driver's debugfs counter of bounce copies must not move.
 *
 * memlock_limit_enforced: pinned user buffers count against
 * RLIMIT_MEMLOCK; over it the call fails with ENOMEM before the host.
 *
 * stalled_call_dies_on_sigkill, close_returns_on_stalled_host,
 * pci_remove_with_stalled_call: a broken host (calls or every HGCM request
 * never complete, cancels refused) cannot keep a killed process, close()
 * or the device's removal waiting: the driver abandons the request after
 * a bounded time; the host's late completion is harmless and raises no
 * interrupt after the removal.
 *
 * pci_remove_during_call (last; our driver only): PCI removal of the
 * device while a call waits ends the call with ENODEV after cancelling it
 * on the host; a rescan re-probes the device and calls work again.
 *
 * unpinnable_buffer_copied_and_counted: an input buffer in a PFN mapping
 * ([vvar] on 6.1, a /dev/mem page of the BIOS area where [vvar] has real
 * pages, as on 7.3) cannot be pinned: the call still works through a copy,
 * and the debugfs counter counts exactly that one copy.
 *
 * stress_8_threads: 8 threads, each with its own session and client, call
 * "vbgtest" with random buffer sizes (0 B to 1 MiB, log-uniform), random
 * misalignment and random functions (ECHO, FILL, CHECK, XOR) while a
 * ninth thread sends SIGUSR1 (no SA_RESTART) to random workers.  Every
 * byte of every completed call is checked, guard bytes included; a call
 * that fails with EINTR is counted, not retried.  Afterwards the
 * emulator's counters must match what the guest saw exactly: calls =
 * completed + interrupted, cancelled = interrupted, completions =
 * completed + connects + disconnects, parameter types and pages as sent;
 * no new kernel warning; unreclaimable slab back near its baseline, or,
 * on a kernel whose KASAN quarantine holds freed objects back (so that
 * slab grows without a leak), no kmemleak report in the driver after a
 * scan.
 *
 * stress_mostly_small (the former t_stress): the same with 1000 calls a
 * thread ($VBG_STRESS_CALLS) of mostly small buffers, all of them made,
 * and available memory back within 8 MiB afterwards.
 *
 * Calls per thread: $VBG_HGCM_STRESS_CALLS or DEFAULT_CALLS (2800: about
 * 60 s under TCG with 2 vCPUs on the busy 2-core rig, which measured 360
 * to 490 calls a second; issue 4's 8 x 10000 needs 3 to 4 minutes, beyond
 * the suite's budget: build with -DDEFAULT_CALLS=10000 -DDEADLINE_MS=...
 * for that).  The calls stop early at DEADLINE_MS so that the program
 * stays inside its limit (said in a diagnostic line).  It runs in a boot
 * of its own (suites.txt), where an oops or a hung task ends the boot.
 */
#include "vbgt.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/syscall.h>

#define THREADS		8
#define MAX_BUF		(1u << 20)
#define GUARD		VBGT_GUARD
#define GUARD_BYTE	VBGT_GUARD_BYTE
#define NO_TIMEOUT	0xffffffffu
/* Overridable at build time (-D) for longer runs outside the suite. */
#ifndef DEFAULT_CALLS
#define DEFAULT_CALLS	2800
#endif
#ifndef DEADLINE_MS
#define DEADLINE_MS	80000
#endif
/* stress_mostly_small's deadline (8 x 1000 calls: 15-21 s on x86, about 60 s on arm64). */
#define SMALL_DEADLINE_MS	90000
/* The emulator's completion delay during the stress run. */
#define HOST_DELAY_MS	1
#define PAGE		4096u
/* Room for a 1 MiB buffer at any offset in its first page, plus guards. */
#define AREA		(MAX_BUF + 2 * PAGE)
#define STATS_FILE	"/sys/kernel/debug/vboxguest/stats"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* What the guest sent to the host; compared with the emulator's counters. */
struct sent {
	unsigned long long u32_parms;
	unsigned long long empty_bufs;	/* linear types 4-6 of size 0 */
	unsigned long long bufs;	/* non-empty buffers */
	unsigned long long pages;	/* pages those buffers span */
};

struct worker {
	pthread_t thread;
	unsigned int id;
	unsigned int calls;
	uint64_t rng;
	uint64_t deadline_ms;
	uint32_t (*size)(uint64_t *s);	/* the run's size distribution */
	uint8_t *a, *b;
	int fd;
	uint32_t client;
	/* Results, read by the main thread after the join. */
	unsigned long ok, intr, other, bad;
	int first_errno;
	char first_bad[160];
	unsigned long long bytes;
	struct sent sent;
};

/* SIGUSR1 to random workers during the stress. */
static struct vbgt_sigs sigs;

/* Log-uniform sizes from 0 to MAX_BUF (bits 0..20), so all scales occur. */
static uint32_t size_log_uniform(uint64_t *s)
{
	uint32_t bits = vbgt_rand32(s) % 22;

	if (bits == 21)
		return MAX_BUF;
	return vbgt_rand32(s) % ((1u << bits) + 1);
}

/* Mostly small and medium buffers, some up to 1 MiB (as applications). */
static uint32_t size_mostly_small(uint64_t *s)
{
	uint32_t r = vbgt_rand32(s) % 100;

	if (r < 10)
		return vbgt_rand32(s) % 2;
	if (r < 55)
		return vbgt_rand32(s) % 4097;
	if (r < 92)
		return vbgt_rand32(s) % 65537;
	return vbgt_rand32(s) % (MAX_BUF + 1);
}

static unsigned long long span_pages(const void *p, uint32_t size)
{
	uintptr_t off = (uintptr_t)p & (PAGE - 1);

	return size ? (off + size + PAGE - 1) / PAGE : 0;
}

static void count_buf(struct sent *s, const void *p, uint32_t size)
{
	if (size) {
		s->bufs++;
		s->pages += span_pages(p, size);
	} else {
		s->empty_bufs++;
	}
}

static void *map_area(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void record_bad(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void record_bad(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->bad++) {
		va_start(ap, fmt);
		vsnprintf(w->first_bad, sizeof(w->first_bad), fmt, ap);
		va_end(ap);
	}
}

/*
 * One random call; its data is checked if it completed.
 * Return: the ioctl's result (0, -EINTR, other -errno).
 */
static int one_call(struct worker *w)
{
	struct vbgt_tcall c;
	struct sent s = { 0 };
	char why[160];
	unsigned int i;
	int32_t rc;
	int ret;

	vbgt_tcall_random(&c, &w->rng, w->size, w->a + GUARD, w->b + GUARD);
	for (i = 0; i < c.np; i++) {
		if (c.p[i].type == VMMDEV_HGCM_PARM_TYPE_32BIT)
			s.u32_parms++;
		else
			count_buf(&s, (void *)(uintptr_t)c.p[i].u.pointer.u.linear_addr,
				  c.p[i].u.pointer.size);
	}
	ret = vbgt_hgcm_call(w->fd, w->client, c.fn, NO_TIMEOUT, c.p, c.np, &rc);
	if (ret == 0 || ret == -EINTR) {
		/* Both reached the host. */
		w->sent.u32_parms += s.u32_parms;
		w->sent.empty_bufs += s.empty_bufs;
		w->sent.bufs += s.bufs;
		w->sent.pages += s.pages;
	}
	if (ret)
		return ret;
	if (rc != 0) {
		record_bad(w, "fn %u size %u: rc %d", c.fn, c.n, rc);
		return 0;
	}
	w->bytes += c.n;
	if (vbgt_tcall_check(&c, why, sizeof(why)))
		record_bad(w, "%s", why);
	return 0;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	unsigned int i;
	int ret;

	vbgt_sigs_enter(&sigs, w->id);
	for (i = 0; i < w->calls; i++) {
		if (vbgt_now_ms() >= w->deadline_ms)
			break;
		ret = one_call(w);
		if (ret == 0) {
			w->ok++;
		} else if (ret == -EINTR) {
			w->intr++;
		} else {
			if (!w->other++)
				w->first_errno = -ret;
		}
	}
	vbgt_sigs_leave(&sigs, w->id);
	return NULL;
}

/* One of our driver's debugfs counters, or -1 (no debugfs, reference). */
static long long driver_stat(const char *name)
{
	char line[128], fmt[64];
	long long v = -1;
	FILE *f;

	if (access(STATS_FILE, R_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	f = fopen(STATS_FILE, "r");
	if (!f)
		return -1;
	snprintf(fmt, sizeof(fmt), "%s %%lld", name);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, &v) == 1)
			break;
	fclose(f);
	return v;
}

static long long bounce_copies(void)
{
	return driver_stat("hgcm_bounce_copies");
}

/* The emulator's counters this test compares. */
struct host_counts {
	long long calls, cancels, cancel_not_found, cancelled, completions;
	long long connects, disconnects, pages, param[14];
};

static void host_counts(struct host_counts *h)
{
	char name[32];
	int i;

	h->calls = vbgt_counter("hgcm.calls");
	h->cancels = vbgt_counter("hgcm.cancels");
	h->cancel_not_found = vbgt_counter("hgcm.cancel_not_found");
	h->cancelled = vbgt_counter("hgcm.cancelled");
	h->completions = vbgt_counter("hgcm.completions");
	h->connects = vbgt_counter("hgcm.connects");
	h->disconnects = vbgt_counter("hgcm.disconnects");
	h->pages = vbgt_counter("hgcm.pages");
	for (i = 1; i <= 13; i++) {
		snprintf(name, sizeof(name), "hgcm.param.%d", i);
		h->param[i] = vbgt_counter(name);
	}
}

/*
 * Parameter types and pages the host saw for buffers the guest described
 * in @s: no-bounce page lists on our driver, nothing else.
 */
static void expect_no_bounce(const struct host_counts *h0,
			     const struct host_counts *h1,
			     const struct sent *s)
{
	long long linear = 0;
	int t;

	EXPECT_EQ(h1->param[1] - h0->param[1], s->u32_parms);
	for (t = 4; t <= 6; t++)
		linear += h1->param[t] - h0->param[t];
	EXPECT_EQ(linear, s->empty_bufs);
	if (vbgt_is_reference()) {
		vbgt_diag("reference: buffer types 10/11/12/13 seen %lld/%lld/%lld/%lld, pages %lld (guest: %llu buffers, %llu pages)",
			  h1->param[10] - h0->param[10],
			  h1->param[11] - h0->param[11],
			  h1->param[12] - h0->param[12],
			  h1->param[13] - h0->param[13], h1->pages - h0->pages,
			  s->bufs, s->pages);
		return;
	}
	/* The rig's host advertises no-bounce page lists (0x8000000f). */
	EXPECT_EQ(h1->param[13] - h0->param[13], s->bufs);
	EXPECT_EQ(h1->param[10] - h0->param[10], 0);
	EXPECT_EQ(h1->param[11] - h0->param[11], 0);
	EXPECT_EQ(h1->param[12] - h0->param[12], 0);
	/* Exactly the user's page span: a bounce buffer would differ. */
	EXPECT_EQ(h1->pages - h0->pages, s->pages);
}

static int open_client(uint32_t *client)
{
	int fd = vbgt_open(VBGT_NODE_USER);
	int32_t rc;

	ASSERT_EQ(vbgt_hgcm_connect(fd, VBGTEST_SVC, client, &rc), 0);
	ASSERT_EQ(rc, 0);
	return fd;
}

/* One echo of @n bytes from @in to @out (both user memory), checked. */
static void echo_checked(int fd, uint32_t client, uint8_t *in, uint8_t *out,
			 uint32_t n, uint32_t seed, struct sent *s)
{
	vbgt_parm p[3];
	int32_t rc;

	memset(out, GUARD_BYTE, n + GUARD);
	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, in, n);
	vbgt_parm_buf(&p[1], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, out, n);
	vbgt_parm_u32(&p[2], 0);
	ASSERT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_ECHO, NO_TIMEOUT, p, 3, &rc),
		  0);
	count_buf(s, in, n);
	count_buf(s, out, n);
	s->u32_parms++;
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(p[2].u.value32, n);
	EXPECT_EQ(vbgtest_check_pattern(out, n, seed), -1);
	EXPECT(vbgt_guard_ok(out + n), "echo %u: guard overwritten", n);
}

static void pinned_user_buffers_not_bounced(void)
{
	static const uint32_t sizes[] = { 0, 1, 100, 4095, 4096, 4097, 8192,
					  65536 + 123, 300000, MAX_BUF };
	static const uint32_t offsets[] = { 0, 1, 2048, 4095 };
	uint8_t *in = map_area(AREA), *out = map_area(AREA), *ro, *shm;
	struct host_counts h0, h1;
	struct sent s = { 0 };
	long long b0, b1;
	uint32_t client, seed = 77;
	int fd, mfd;
	size_t i, j;

	ASSERT(in && out, "mmap failed");
	fd = open_client(&client);
	b0 = bounce_copies();
	host_counts(&h0);

	/* Anonymous memory, every size at every alignment. */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(offsets); j++) {
			uint8_t *src = in + offsets[j];
			uint8_t *dst = out + offsets[(j + 1) % 4];

			vbgtest_fill_pattern(src, sizes[i], seed + i);
			echo_checked(fd, client, src, dst, sizes[i], seed + i,
				     &s);
		}
	}

	/* A read-only input (pinned without write access). */
	ro = map_area(3 * PAGE);
	ASSERT(ro, "mmap failed");
	vbgtest_fill_pattern(ro + 100, 2 * PAGE, seed);
	ASSERT_EQ(mprotect(ro, 3 * PAGE, PROT_READ), 0);
	echo_checked(fd, client, ro + 100, out, 2 * PAGE, seed, &s);

	/* Shared file memory (memfd) as input and output. */
	mfd = (int)syscall(SYS_memfd_create, "vbgt", 0);
	ASSERT(mfd >= 0, "memfd_create: %s", strerror(errno));
	ASSERT_EQ(ftruncate(mfd, 64 * PAGE), 0);
	shm = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd,
		   0);
	ASSERT(shm != MAP_FAILED, "mmap memfd: %s", strerror(errno));
	vbgtest_fill_pattern(shm + 10, 20 * PAGE, seed);
	echo_checked(fd, client, shm + 10, shm + 30 * PAGE + 7, 20 * PAGE,
		     seed, &s);

	host_counts(&h1);
	b1 = bounce_copies();
	vbgt_diag("%llu buffers, %llu pages; host: type 13 %lld, type 10 %lld, pages %lld; bounce copies %lld -> %lld",
		  s.bufs, s.pages, h1.param[13] - h0.param[13],
		  h1.param[10] - h0.param[10], h1.pages - h0.pages, b0, b1);
	expect_no_bounce(&h0, &h1, &s);
	if (!vbgt_is_reference()) {
		ASSERT(b0 >= 0, "no hgcm_bounce_copies in " STATS_FILE);
		EXPECT_EQ(b1, b0);
	}
	close(fd);
}

/*
 * The VmFlags line of smaps for this process's mapping that holds @addr
 * (as " rd mr pf io ... ", a blank on each side of every flag) into @flags;
 * "" if there is none.
 */
static void vma_flags(const void *addr, char *flags, size_t len)
{
	unsigned long lo, hi, a = (unsigned long)addr;
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0;
	size_t n;

	flags[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = a >= lo && a < hi;
		} else if (in && !strncmp(line, "VmFlags:", 8)) {
			n = strcspn(line, "\n");
			while (n > 8 && line[n - 1] == ' ')
				n--;
			line[n] = '\0';
			snprintf(flags, len, "%s ", line + 8);
			break;
		}
	}
	fclose(f);
}

/* Start of this process's [vvar] mapping, or NULL. */
static uint8_t *vvar_page(void)
{
	char line[256];
	unsigned long lo = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[vvar]") && sscanf(line, "%lx-", &lo) == 1)
			break;
	fclose(f);
	return (uint8_t *)lo;
}

/* The BIOS area in the low megabyte: /dev/mem maps it on every kernel. */
#define BIOS_PAGE	0xf0000

/*
 * A readable buffer that pin_user_pages() refuses: a VM_PFNMAP mapping
 * ("pf" in smaps).  Debian 12's 6.1 maps the vDSO data ([vvar]) that way;
 * 7.3 maps [vvar] with real pages (lib/vdso/datastore.c: VM_MIXEDMAP,
 * vmf_insert_page), which pin, and its [vvar_vclock] (VM_PFNMAP) faults
 * unless a paravirtual clock is in use.  So [vvar] when the kernel says
 * it is a PFN mapping, else a /dev/mem mapping of the BIOS page
 * (remap_pfn_range: VM_IO | VM_PFNMAP; allowed under STRICT_DEVMEM in the
 * low megabyte), whose bytes do not change.  Sets @what and @stable; the
 * page's VmFlags in @flags.
 *
 * Return: the buffer, or NULL (@what says why).
 */
static uint8_t *unpinnable_buffer(const char **what, int *stable, char *flags,
				  size_t len)
{
	uint8_t *buf = vvar_page();
	int fd;

	*stable = 0;
	if (buf) {
		vma_flags(buf, flags, len);
		*what = "[vvar]";
		if (strstr(flags, " pf "))
			return buf;
		vbgt_diag("[vvar] VmFlags:%s: no PFN mapping, it pins", flags);
	}
	*what = "/dev/mem";
	fd = open("/dev/mem", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, BIOS_PAGE);
	close(fd);
	if (buf == MAP_FAILED)
		return NULL;
	vma_flags(buf, flags, len);
	*stable = 1;
	return buf;
}

/*
 * A buffer that cannot be pinned (a PFN mapping, see unpinnable_buffer()):
 * the driver must fall back to a copy, count it, and still deliver the
 * call.
 */
static void unpinnable_buffer_copied_and_counted(void)
{
	uint8_t out[64 + GUARD], *buf;
	struct host_counts h0, h1;
	const char *what;
	char flags[512];
	long long b0, b1;
	uint32_t client;
	vbgt_parm p[3];
	int32_t rc;
	int fd, stable;

	buf = unpinnable_buffer(&what, &stable, flags, sizeof(flags));
	if (!buf) {
		vbgt_diag("no PFN mapping: [vvar] VmFlags:%s; %s: %s", flags,
			  what, strerror(errno));
		vbgt_skip("no unpinnable buffer on this kernel");
	}
	vbgt_diag("%s at %p, VmFlags:%s", what, (void *)buf, flags);
	/* The premise: the kernel says it is a PFN mapping. */
	ASSERT(strstr(flags, " pf "), "%s is no PFN mapping", what);
	fd = open_client(&client);
	b0 = bounce_copies();
	host_counts(&h0);
	memset(out, GUARD_BYTE, sizeof(out));
	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, buf, 64);
	vbgt_parm_buf(&p[1], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, out, 64);
	vbgt_parm_u32(&p[2], 0);
	ASSERT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_ECHO, NO_TIMEOUT, p, 3, &rc),
		  0);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(p[2].u.value32, 64);
	EXPECT(vbgt_guard_ok(out + 64), "guard overwritten");
	/* [vvar]'s clock data moves; the BIOS bytes do not. */
	if (stable)
		EXPECT(!memcmp(out, buf, 64), "echo differs from %s", what);
	host_counts(&h1);
	b1 = bounce_copies();
	vbgt_diag("%s: host types 11/12/13 %lld/%lld/%lld; bounce copies %lld -> %lld",
		  what, h1.param[11] - h0.param[11],
		  h1.param[12] - h0.param[12], h1.param[13] - h0.param[13],
		  b0, b1);
	EXPECT_EQ(h1.calls - h0.calls, 1);
	if (!vbgt_is_reference()) {
		ASSERT(b0 >= 0, "no hgcm_bounce_copies in " STATS_FILE);
		EXPECT_EQ(b1, b0 + 1);
		/* The copy is kernel memory; only @out was pinned. */
		EXPECT_EQ(h1.param[13] - h0.param[13], 1);
		EXPECT_EQ((h1.param[11] - h0.param[11]) +
			  (h1.param[12] - h0.param[12]) +
			  (h1.param[10] - h0.param[10]), 1);
	}
	close(fd);
	if (stable)
		munmap(buf, PAGE);
}

/* The VMMDev's sysfs directory (/sys/bus/pci/devices/<bdf>), or "". */
static void vmmdev_sysfs(char *dir, size_t len)
{
	char path[512], id[32];
	struct dirent *d;
	DIR *dp = opendir("/sys/bus/pci/devices");
	FILE *f;

	dir[0] = 0;
	if (!dp)
		return;
	while ((d = readdir(dp))) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(id, sizeof(id), f) && !strncmp(id, "0xcafe", 6)) {
			snprintf(dir, len, "/sys/bus/pci/devices/%.200s", d->d_name);
			fclose(f);
			break;
		}
		fclose(f);
	}
	closedir(dp);
}

static int write_sysfs(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, val, strlen(val)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

struct never_result {
	int started;	/* atomic */
	int ret;
	int go;		/* atomic: the parent's signal to go on */
	int with_buf;	/* never_call_child: FILL a buffer */
	int fd;		/* never_call_child: this session (else its own) */
	uint32_t client;	/* and this client */
	unsigned int close_ms;
};

/*
 * Child: one call the host holds: NEVER, or, with the host's calls
 * stalled, a FILL of a 256 KiB (pinned) buffer.
 */
static void never_call_child(void *arg)
{
	static uint8_t buf[256 * 1024];
	struct never_result *r = arg;
	uint32_t client = r->client;
	vbgt_parm p[2];
	int32_t rc;
	int fd = r->fd > 0 ? r->fd : open_client(&client);

	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, buf,
		      sizeof(buf));
	vbgt_parm_u32(&p[1], 1);
	__atomic_store_n(&r->started, 1, __ATOMIC_RELEASE);
	if (r->with_buf)
		r->ret = vbgt_hgcm_call(fd, client, VBGTEST_FN_FILL, NO_TIMEOUT, p, 2, &rc);
	else
		r->ret = vbgt_hgcm_call(fd, client, 6, NO_TIMEOUT, NULL, 0, &rc);
	close(fd);
}

/* A child blocked in a call the host holds (hgcm.calls moved). */
static pid_t start_never_call(struct never_result *r)
{
	long long calls = vbgt_counter("hgcm.calls");
	pid_t kid;

	r->ret = 1;
	kid = vbgt_fork_user(never_call_child, r);
	ASSERT_EQ(vbgt_counter_wait_change("hgcm.calls", calls, 5000), calls + 1);
	vbgt_sleep_ms(200);	/* asleep in the driver by now */
	return kid;
}

/*
 * A broken host: HGCM @mode ("never": calls, "stall": everything never
 * completes) and every cancel refused.  The case's end restores a sane
 * host and completes whatever is still held (a driver that waits forever
 * is released that way).
 */
static void broken_host(const char *mode)
{
	vbgt_ctl_at_end("hgcm-cancel ok");
	vbgt_ctl_at_end("hgcm-mode async");
	vbgt_ctl_at_end("hgcm-finish");
	vbgt_ctl_ok("hgcm-mode %s", mode);
	vbgt_ctl_ok("hgcm-cancel refuse");
}

/*
 * The driver gives a refused cancel a grace of 2 s for a completion in
 * flight, then abandons the request; this bound leaves room for a slow
 * debug kernel under TCG (where a PCI removal alone takes about 10 s),
 * and stays below the rig's hung-task timeout (20 s).
 */
#define GIVEUP_LIMIT_MS		18000

/*
 * Wait up to @ms for @kid.  A driver that waits for the host for ever
 * would keep it: then the host turns sane and completes everything it
 * holds (which releases such a driver before the hung-task detector ends
 * the boot), the case fails, and the child is reaped.  Return: its exit
 * status, 128 + signal if killed by one.
 */
static int wait_or_release(pid_t kid, unsigned int ms)
{
	uint64_t end = vbgt_now_ms() + ms;
	pid_t r;
	int st;

	while ((r = waitpid(kid, &st, WNOHANG)) == 0 && vbgt_now_ms() < end)
		vbgt_sleep_ms(10);
	if (r == kid)
		return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
	vbgt_ctl_ok("hgcm-cancel ok");
	vbgt_ctl_ok("hgcm-mode async");
	vbgt_ctl_num("hgcm-finish");
	vbgt_fail_at(__FILE__, __LINE__, "still in the driver after %u ms; released by completing the host's requests",
		     ms);
	return vbgt_wait_child(kid, 5000);
}

/*
 * The host never completes a call and refuses its cancel: SIGKILL still
 * ends the caller within GIVEUP_LIMIT_MS; the driver abandons (leaks) the
 * request and its pinned pages, counted in debugfs, and the host's late
 * completion into them afterwards is harmless.  The session (opened here,
 * inherited by the caller) stays open, so that the host keeps the call
 * until it completes it.
 */
static void stalled_call_dies_on_sigkill(void)
{
	struct never_result *r = vbgt_shared(sizeof(*r));
	long long refused = vbgt_counter("hgcm.cancel_refused");
	long long leaked = driver_stat("hgcm_leaked");
	uint64_t t0;
	pid_t kid;
	int st;

	if (vbgt_is_reference()) {
		/*
		 * Seen: the reference ends the call, but with a kernel
		 * WARNING in vbg_hgcm_do_call (vboxguest_utils.c:535 of
		 * Debian 6.1), which would fail the boot's dmesg_clean.
		 */
		vbgt_ref_defect("the reference WARNs when the host refuses the cancel");
		vbgt_fail_at(__FILE__, __LINE__, "not run on the reference (its kernel WARNING)");
		vbgt_end_case();
	}
	broken_host("never");
	r->with_buf = 1;
	r->fd = open_client(&r->client);
	kid = start_never_call(r);
	t0 = vbgt_now_ms();
	kill(kid, SIGKILL);
	st = wait_or_release(kid, GIVEUP_LIMIT_MS);
	vbgt_diag("SIGKILL to exit with the cancel refused: %llu ms",
		  (unsigned long long)(vbgt_now_ms() - t0));
	ASSERT_EQ(st, 128 + SIGKILL);
	EXPECT_EQ(vbgt_counter("hgcm.cancel_refused"), refused + 1);
	if (!vbgt_is_reference()) {
		ASSERT(leaked >= 0, "no hgcm_leaked in " STATS_FILE);
		EXPECT_EQ(driver_stat("hgcm_leaked"), leaked + 1);
	}
	/* The host answers after all, into what the driver leaked. */
	EXPECT_EQ(vbgt_ctl_num("hgcm-finish"), 1);
	vbgt_sleep_ms(200);
	close(r->fd);
}

/* Child: two clients; close() once the host stalls (parent's go). */
static void close_child(void *arg)
{
	struct never_result *r = arg;
	uint32_t client;
	uint64_t t0;
	int fd = open_client(&client);
	int32_t rc;

	ASSERT_EQ(vbgt_hgcm_connect(fd, VBGTEST_SVC, &client, &rc), 0);
	__atomic_store_n(&r->started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		vbgt_sleep_ms(10);
	t0 = vbgt_now_ms();
	r->ret = close(fd);
	r->close_ms = (unsigned int)(vbgt_now_ms() - t0);
}

/*
 * close() of a session with clients on a host that completes no
 * disconnect and refuses the cancels returns within a bounded time (the
 * driver gives the session's disconnects one deadline, then abandons).
 */
static void close_returns_on_stalled_host(void)
{
	struct never_result *r = vbgt_shared(sizeof(*r));
	long long disconnects = vbgt_counter("hgcm.disconnects");
	long long refused = vbgt_counter("hgcm.cancel_refused");
	uint64_t end = vbgt_now_ms() + 5000;
	pid_t kid;
	int st;

	if (vbgt_is_reference())
		vbgt_ref_defect("the reference waits for a closing session's disconnects without limit");
	kid = vbgt_fork_user(close_child, r);
	while (!__atomic_load_n(&r->started, __ATOMIC_ACQUIRE) &&
	       vbgt_now_ms() < end)
		vbgt_sleep_ms(10);
	ASSERT(r->started, "the child did not connect");
	broken_host("stall");
	__atomic_store_n(&r->go, 1, __ATOMIC_RELEASE);
	st = wait_or_release(kid, GIVEUP_LIMIT_MS);
	vbgt_diag("close() with the disconnects stalled: %u ms", r->close_ms);
	ASSERT_EQ(st, 0);
	EXPECT_EQ(r->ret, 0);
	EXPECT(vbgt_counter("hgcm.disconnects") > disconnects,
	       "no disconnect reached the host");
	EXPECT(vbgt_counter("hgcm.cancel_refused") > refused,
	       "no cancel refused");
}

/* Child (uid 1000): RLIMIT_MEMLOCK 64 KiB; a 2 x 1 MiB call, a 16 KiB one. */
static void memlock_child(void *arg)
{
	struct rlimit rl = { 64 * 1024, 64 * 1024 };
	struct never_result *r = arg;
	uint8_t *in = malloc(MAX_BUF), *out = malloc(MAX_BUF);
	uint32_t client;
	vbgt_parm p[3];
	int32_t rc;
	int fd;

	ASSERT(in && out, "no memory");
	memset(in, 1, MAX_BUF);
	memset(out, 0, MAX_BUF);
	ASSERT_EQ(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
	fd = open_client(&client);
	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, in, MAX_BUF);
	vbgt_parm_buf(&p[1], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, out, MAX_BUF);
	vbgt_parm_u32(&p[2], 0);
	r->ret = vbgt_hgcm_call(fd, client, VBGTEST_FN_ECHO, NO_TIMEOUT, p, 3, &rc);
	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, in, 8192);
	vbgt_parm_buf(&p[1], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, out, 8192);
	vbgt_parm_u32(&p[2], 0);
	EXPECT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_ECHO, NO_TIMEOUT, p, 3, &rc), 0);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(p[2].u.value32, 8192);
	close(fd);
}

/*
 * Pinned user buffers are charged to RLIMIT_MEMLOCK: as uid 1000 with a
 * 64 KiB limit, a call with 2 MiB of buffers is refused with ENOMEM (the
 * host never sees it), one with 16 KiB works.
 */
static void memlock_limit_enforced(void)
{
	struct never_result *r = vbgt_shared(sizeof(*r));
	long long calls = vbgt_counter("hgcm.calls");

	if (vbgt_is_reference())
		vbgt_ref_defect("the reference pins user buffers without charging RLIMIT_MEMLOCK");
	r->ret = 1;
	EXPECT_EQ(vbgt_wait_child(vbgt_fork_user(memlock_child, r), 15000), 0);
	EXPECT_EQ(r->ret, -ENOMEM);
	EXPECT_EQ(vbgt_counter("hgcm.calls"), calls + 1);
}

/* A rescan re-probes the removed device; calls work again. */
static void rescan_and_call(void)
{
	uint64_t end;
	uint32_t client;
	vbgt_parm p[2];
	int32_t rc;
	int fd;

	ASSERT_EQ(write_sysfs("/sys/bus/pci/rescan", "1"), 0);
	end = vbgt_now_ms() + 10000;
	while (access(VBGT_NODE_USER, F_OK) && vbgt_now_ms() < end)
		vbgt_sleep_ms(50);
	ASSERT(!access(VBGT_NODE_USER, F_OK), "no %s after the rescan",
	       VBGT_NODE_USER);
	/* udev is not there to set the mode; the driver's is 0666 anyway. */
	fd = open_client(&client);
	vbgt_parm_u32(&p[0], 0);
	vbgt_parm_u32(&p[1], 0);
	EXPECT_EQ(vbgt_hgcm_call(fd, client, 8, NO_TIMEOUT, p, 2, &rc), 0);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(p[1].u.value32, client);
	close(fd);
}

/*
 * Remove the device through sysfs, from a child so that a removal that
 * would wait for ever can be released (wait_or_release()).
 * Return: how long it took (ms).
 */
static unsigned int pci_remove(void)
{
	char dir[256], path[512];
	uint64_t t0;
	pid_t kid;

	vmmdev_sysfs(dir, sizeof(dir));
	ASSERT(dir[0], "no 80ee:cafe device in sysfs");
	snprintf(path, sizeof(path), "%s/remove", dir);
	t0 = vbgt_now_ms();
	kid = fork();
	ASSERT(kid >= 0, "fork: %s", strerror(errno));
	if (!kid)
		_exit(write_sysfs(path, "1") ? 1 : 0);
	EXPECT_EQ(wait_or_release(kid, GIVEUP_LIMIT_MS), 0);
	return (unsigned int)(vbgt_now_ms() - t0);
}

/*
 * The device is removed while a call waits on a host that refuses the
 * cancel: the waiter gives up after its grace (EIO: the request is
 * abandoned), so the removal completes.  The host's completion after the
 * removal must not raise the line (no interrupt reaches the guest: the
 * driver disabled INTx); a rescan brings the device back.
 */
static void pci_remove_with_stalled_call(void)
{
	struct never_result *r = vbgt_shared(sizeof(*r));
	long long irqs;
	unsigned int ms;
	pid_t kid;

	if (vbgt_is_reference())
		vbgt_skip("PCI removal under a call: our driver only");
	broken_host("never");
	r->with_buf = 1;
	kid = start_never_call(r);
	ms = pci_remove();
	vbgt_diag("PCI remove with a call waiting and the cancel refused took %u ms",
		  ms);
	EXPECT_EQ(wait_or_release(kid, 5000), 0);
	EXPECT_EQ(r->ret, -EIO);
	irqs = vbgt_counter("irqs");
	EXPECT_EQ(vbgt_ctl_num("hgcm-finish"), 1);
	vbgt_sleep_ms(1000);
	EXPECT_EQ(vbgt_counter("irqs"), irqs);
	vbgt_ctl_ok("hgcm-cancel ok");
	vbgt_ctl_ok("hgcm-mode async");
	rescan_and_call();
}

/*
 * The device is removed (PCI remove) while a call waits: the waiter wakes,
 * cancels the call on the host and fails with ENODEV, so the removal
 * finishes; a rescan brings the device back and calls work again.
 */
static void pci_remove_during_call(void)
{
	struct never_result *r = vbgt_shared(sizeof(*r));
	long long cancelled = vbgt_counter("hgcm.cancelled");
	pid_t kid;

	if (vbgt_is_reference())
		vbgt_skip("PCI removal under a call: our driver only");
	kid = start_never_call(r);
	vbgt_diag("PCI remove with a call waiting took %u ms", pci_remove());
	EXPECT_EQ(vbgt_wait_child(kid, 5000), 0);
	EXPECT_EQ(r->ret, -ENODEV);
	EXPECT_EQ(vbgt_counter("hgcm.cancelled"), cancelled + 1);
	rescan_and_call();
}

/*
 * rmmod with abandoned requests the host still holds (a call whose
 * caller was killed, and the disconnect of its session, closed while the
 * host stalls): the unload completes, and neither the request caches
 * (kernel log, checked by the runner) nor the line (no interrupt after
 * the unload) complain when the host completes them afterwards; the
 * module loads again.
 */
static void rmmod_after_abandoned_request(void)
{
	struct never_result *r = vbgt_shared(sizeof(*r));
	long long irqs;
	pid_t kid;
	int fd;

	if (vbgt_is_reference())
		vbgt_skip("abandoned requests: our driver only");
	if (access("/sys/module/vboxguest/initstate", F_OK))
		vbgt_skip("driver built in: no rmmod");
	broken_host("never");
	r->with_buf = 1;
	r->fd = open_client(&r->client);
	kid = start_never_call(r);
	kill(kid, SIGKILL);
	ASSERT_EQ(vbgt_wait_child(kid, GIVEUP_LIMIT_MS), 128 + SIGKILL);
	vbgt_ctl_ok("hgcm-mode stall");
	close(r->fd);
	ASSERT_EQ(syscall(SYS_delete_module, "vboxguest", O_NONBLOCK), 0);
	irqs = vbgt_counter("irqs");
	vbgt_ctl_ok("hgcm-cancel ok");
	vbgt_ctl_ok("hgcm-mode async");
	EXPECT_EQ(vbgt_ctl_num("hgcm-finish"), 2);
	vbgt_sleep_ms(1000);
	EXPECT_EQ(vbgt_counter("irqs"), irqs);
	fd = open("/lib/modules/test/vboxguest.ko", O_RDONLY | O_CLOEXEC);
	ASSERT(fd >= 0, "no module file");
	ASSERT_EQ(syscall(SYS_finit_module, fd, "", 0), 0);
	close(fd);
	vbgt_sleep_ms(500);
	EXPECT_EQ(access(VBGT_NODE_USER, F_OK), 0);
}

#define KMEMLEAK	"/sys/kernel/debug/kmemleak"

/*
 * kmemleak's verdict on the driver: a scan now (the write returns when it
 * is done), then the suspected leaks whose allocation backtrace runs
 * through the driver (vbg_* or vboxguest* frames, as /init's dmesg_clean
 * counts them); the first such frame in @first.  Objects younger than
 * kmemleak's minimum age (5 s) are not reported yet: callers wait first.
 *
 * Return: the number of such leaks, or -1 if the kernel has no kmemleak.
 */
static long long driver_leaks(char *first, size_t len)
{
	long long n = 0;
	int counted = 0;
	char line[256];
	FILE *f;

	first[0] = '\0';
	if (access(KMEMLEAK, W_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	f = fopen(KMEMLEAK, "w");
	if (!f)
		return -1;
	if (fputs("scan", f) < 0 || fclose(f))
		return -1;
	f = fopen(KMEMLEAK, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "unreferenced object", 19)) {
			counted = 0;
			continue;
		}
		if (counted || !strstr(line, "[<") ||
		    (!strstr(line, "vbg_") && !strstr(line, "vboxguest")))
			continue;
		counted = 1;
		if (!n++) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(first, len, "%s", line);
		}
	}
	fclose(f);
	return n;
}

/**
 * struct stress_run - one form of the stress.
 * @calls_env:    environment variable overriding @calls.
 * @calls:        calls per thread.
 * @deadline_ms:  the calls stop after this long.
 * @size:         the size distribution.
 * @mem_available: also check that MemAvailable comes back.
 * @all_calls:    every call must be made before the deadline.
 */
struct stress_run {
	const char *calls_env;
	unsigned int calls;
	unsigned int deadline_ms;
	uint32_t (*size)(uint64_t *s);
	int mem_available;
	int all_calls;
};

static void stress(const struct stress_run *run)
{
	struct worker *w = vbgt_shared(THREADS * sizeof(*w));
	struct host_counts h0, h1;
	struct sent sent = { 0 };
	unsigned long ok = 0, intr = 0, other = 0, bad = 0;
	unsigned long long bytes = 0;
	unsigned int calls = run->calls;
	long long slab0, slab1, b0, b1, leaks, avail0, avail1;
	uint64_t t0, seed, deadline;
	unsigned long signals;
	char alarm[256] = "", leak[256];
	const char *env;
	int kfd, i, stopped_early = 0;

	env = getenv(run->calls_env);
	if (env && atoi(env) > 0)
		calls = (unsigned int)atoi(env);
	seed = vbgt_now_us() | 1;
	vbgt_diag("seed %llu, %d threads x %u calls", (unsigned long long)seed,
		  THREADS, calls);

	/*
	 * Every call stays pending for a moment, so that signals land in
	 * the driver's wait and cancel calls, not only between calls.
	 */
	vbgt_ctl_at_end("hgcm-delay 0");
	vbgt_ctl_ok("hgcm-delay %u", HOST_DELAY_MS);

	kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kfd >= 0)
		lseek(kfd, 0, SEEK_END);
	slab0 = vbgt_meminfo_kb("SUnreclaim");
	avail0 = vbgt_meminfo_kb("MemAvailable");
	b0 = bounce_copies();
	host_counts(&h0);

	t0 = vbgt_now_ms();
	deadline = t0 + run->deadline_ms;
	for (i = 0; i < THREADS; i++) {
		w[i].id = i;
		w[i].calls = calls;
		w[i].rng = seed * (i + 1) + 0x9e3779b97f4a7c15ull;
		w[i].deadline_ms = deadline;
		w[i].size = run->size;
		w[i].a = map_area(AREA + GUARD);
		w[i].b = map_area(AREA + GUARD);
		ASSERT(w[i].a && w[i].b, "mmap failed");
		w[i].fd = open_client(&w[i].client);
	}
	ASSERT(vbgt_sigs_start(&sigs, THREADS, seed ^ 0x5555, 20) == 0);
	for (i = 0; i < THREADS; i++)
		ASSERT(pthread_create(&w[i].thread, NULL, worker_fn, &w[i]) == 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(w[i].thread, NULL);
	signals = vbgt_sigs_stop(&sigs);
	for (i = 0; i < THREADS; i++) {
		close(w[i].fd);		/* disconnects the client */
		munmap(w[i].a, AREA + GUARD);
		munmap(w[i].b, AREA + GUARD);
	}

	host_counts(&h1);
	b1 = bounce_copies();
	for (i = 0; i < THREADS; i++) {
		ok += w[i].ok;
		intr += w[i].intr;
		other += w[i].other;
		bad += w[i].bad;
		bytes += w[i].bytes;
		sent.u32_parms += w[i].sent.u32_parms;
		sent.empty_bufs += w[i].sent.empty_bufs;
		sent.bufs += w[i].sent.bufs;
		sent.pages += w[i].sent.pages;
		if (w[i].ok + w[i].intr + w[i].other < calls)
			stopped_early = 1;
		if (w[i].bad)
			vbgt_diag("thread %d: %lu bad, first: %s", i, w[i].bad,
				  w[i].first_bad);
		if (w[i].other)
			vbgt_diag("thread %d: %lu calls failed, first errno %d",
				  i, w[i].other, w[i].first_errno);
	}
	vbgt_diag("%.1f s: %lu completed, %lu EINTR, %lu other, %llu MiB checked, %lu signals sent%s",
		  (vbgt_now_ms() - t0) / 1000.0, ok, intr, other, bytes >> 20,
		  signals, stopped_early ? " (stopped at the deadline)" : "");
	vbgt_diag("host: calls %lld, completions %lld, cancels %lld (not found %lld), cancelled %lld, pages %lld; bounce copies %lld -> %lld",
		  h1.calls - h0.calls, h1.completions - h0.completions,
		  h1.cancels - h0.cancels,
		  h1.cancel_not_found - h0.cancel_not_found,
		  h1.cancelled - h0.cancelled, h1.pages - h0.pages, b0, b1);

	EXPECT_EQ(bad, 0);
	EXPECT_EQ(other, 0);
	EXPECT(ok > 0, "no call completed");
	if (run->all_calls)
		EXPECT_EQ(ok + intr + other, (unsigned long)THREADS * calls);
	EXPECT(signals > 0, "no signal was sent");
	/* Every call the guest made reached the host once. */
	EXPECT_EQ(h1.calls - h0.calls, ok + intr);
	/* Each EINTR is a call the host dropped, and nothing else was. */
	EXPECT_EQ(h1.cancelled - h0.cancelled, intr);
	EXPECT_EQ(h1.cancels - h0.cancels,
		  (h1.cancelled - h0.cancelled) +
		  (h1.cancel_not_found - h0.cancel_not_found));
	/* Completed calls plus the connects and the disconnects at close. */
	EXPECT_EQ(h1.connects - h0.connects, THREADS);
	EXPECT_EQ(h1.disconnects - h0.disconnects, THREADS);
	EXPECT_EQ(h1.completions - h0.completions, ok + 2 * THREADS);
	expect_no_bounce(&h0, &h1, &sent);
	if (!vbgt_is_reference()) {
		ASSERT(b0 >= 0, "no hgcm_bounce_copies in " STATS_FILE);
		EXPECT_EQ(b1, b0);
	}

	if (kfd >= 0) {
		EXPECT_EQ(vbgt_kernel_alarms(kfd, alarm, sizeof(alarm)), 0);
		if (alarm[0])
			vbgt_diag("kernel: %s", alarm);
		close(kfd);
	}
	/* Freed request and page arrays: slab back near where it was. */
	vbgt_sleep_ms(500);
	slab1 = vbgt_meminfo_kb("SUnreclaim");
	avail1 = vbgt_meminfo_kb("MemAvailable");
	vbgt_diag("unreclaimable slab %lld kB -> %lld kB, available %lld kB -> %lld kB",
		  slab0, slab1, avail0, avail1);
	if (run->mem_available)
		EXPECT(avail0 - avail1 < 8192,
		       "available memory fell by %lld kB", avail0 - avail1);
	if (!vbgt_kernel_defers_frees()) {
		EXPECT(slab1 <= slab0 + 2048,
		       "unreclaimable slab grew by %lld kB", slab1 - slab0);
		return;
	}
	/*
	 * KASAN's quarantine holds freed objects back, so slab growth is no
	 * leak measure here; kmemleak is.  Past its minimum age, every
	 * object the driver allocated for these calls and did not free is
	 * unreferenced: none may be left.
	 */
	vbgt_sleep_ms(5500);
	t0 = vbgt_now_ms();
	leaks = driver_leaks(leak, sizeof(leak));
	vbgt_diag("KASAN quarantine: kmemleak instead of slab; scan %.1f s, %lld suspected leak(s) in the driver%s%s",
		  (vbgt_now_ms() - t0) / 1000.0, leaks, leak[0] ? ", first:" : "",
		  leak);
	ASSERT(leaks >= 0, "KASAN kernel without kmemleak (" KMEMLEAK ")");
	EXPECT_EQ(leaks, 0);
}

static void stress_8_threads(void)
{
	static const struct stress_run run = {
		.calls_env = "VBG_HGCM_STRESS_CALLS",
		.calls = DEFAULT_CALLS,
		.deadline_ms = DEADLINE_MS,
		.size = size_log_uniform,
	};

	stress(&run);
}

/*
 * The former t_stress: 8 threads x 1000 calls ($VBG_STRESS_CALLS) of
 * mostly small buffers, every check of stress_8_threads, and available
 * memory back within 8 MiB.
 */
static void stress_mostly_small(void)
{
	static const struct stress_run run = {
		.calls_env = "VBG_STRESS_CALLS",
		.calls = 1000,
		.deadline_ms = SMALL_DEADLINE_MS,
		.size = size_mostly_small,
		.mem_available = 1,
		.all_calls = 1,
	};

	stress(&run);
}

static const struct vbgt_case cases[] = {
	VBGT_CASE_T(pinned_user_buffers_not_bounced, 30),
	VBGT_CASE(unpinnable_buffer_copied_and_counted),
	VBGT_CASE_T(stress_8_threads, DEADLINE_MS / 1000 + 50),
	VBGT_CASE_T(stress_mostly_small, SMALL_DEADLINE_MS / 1000 + 50),
	VBGT_CASE(memlock_limit_enforced),
	VBGT_CASE_T(stalled_call_dies_on_sigkill, 60),
	VBGT_CASE_T(close_returns_on_stalled_host, 60),
	/* Last: they remove and re-probe the device, unload and reload. */
	VBGT_CASE_T(pci_remove_with_stalled_call, 60),
	VBGT_CASE_T(pci_remove_during_call, 60),
	VBGT_CASE_T(rmmod_after_abandoned_request, 60),
};

/* The full-size build (Makefile: t_hgcm_stress_full) runs under its own name. */
#ifndef SUITE_NAME
#define SUITE_NAME	"t_hgcm_stress"
#endif

VBGT_SUITE(SUITE_NAME, cases)
