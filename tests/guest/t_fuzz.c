// SPDX-License-Identifier: GPL-2.0
/*
 * t_fuzz: a structure-aware, seeded ioctl fuzzer (issue 9, part 1).
 *
 * Every ioctl of the uapi and every raw VMMDev request type is built
 * valid, then mutated: header sizes against the ioctl code and the buffer,
 * version, type and reserved fields, HGCM parameter counts, types, sizes
 * and pointers, 32- and 64-bit parameter layouts through both entry points
 * (HGCM_CALL_32 from a 64-bit process too), arguments and buffers that are
 * unmapped, inaccessible, read-only, PFN-mapped or cut by a guard page.
 * Sessions are closed and reopened under the fuzzer (another thread), and
 * signals interrupt waits and calls.
 *
 * Invariants, checked after every ioctl: it returns within its own timeout
 * plus VBGT_FUZZ_SLACK_S; a failure's errno is in the set the uapi allows
 * for that code.  After each case: the emulator saw no request built by
 * the driver that a real host refuses (req.malformed.driver, spec 4.2 and
 * 7.4; raw requests from userspace are counted apart, req.malformed.raw),
 * no request with reserved1 set, no HGCM client or call left behind, and a
 * valid call of every kind still works.  The runner's dmesg scan (oops,
 * KASAN, UBSAN, lockdep, kmemleak) runs after the program.
 *
 * Environment:
 *   FUZZ_SEED    the seed (decimal or 0x hex); default 1.  Printed at the
 *                start and with every failure.
 *   FUZZ_IOCTLS  fuzzed ioctls in all (default 4000), split over the cases.
 * A failure prints the line that reproduces the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "vbgt.h"

#define PAGE			4096u
#define ARENA_SIZE		(2u << 20)
#define VBGT_FUZZ_SLACK_S	20	/* TCG, debug kernel, a loaded host */
#define MAX_FDS			4
#define MAX_CLIENTS		8
#define BIOS_PAGE		0xf0000
#define CHECK_EVERY		250	/* ioctls between host counter checks */

/* SET_MOUSE_STATUS: in our uapi header, not the installed one. */
struct set_mouse_status {
	struct vbg_ioctl_hdr hdr;
	uint32_t mouse_status;
};

#define SET_MOUSE_STATUS	_IOWR('V', 15, struct set_mouse_status)

#ifndef MAP_32BIT
#define MAP_32BIT 0
#endif

/* Errnos a failed ioctl may give, as bits. */
enum {
	A_INVAL = 1 << 0, A_2BIG = 1 << 1, A_NOTTY = 1 << 2, A_FAULT = 1 << 3,
	A_NOMEM = 1 << 4, A_PERM = 1 << 5, A_TIMEDOUT = 1 << 6, A_INTR = 1 << 7,
	A_BUSY = 1 << 8, A_MFILE = 1 << 9, A_BADF = 1 << 10,
};

static const struct { int err; unsigned int bit; } errbits[] = {
	{ EINVAL, A_INVAL }, { E2BIG, A_2BIG }, { ENOTTY, A_NOTTY },
	{ EFAULT, A_FAULT }, { ENOMEM, A_NOMEM }, { EPERM, A_PERM },
	{ ETIMEDOUT, A_TIMEDOUT }, { EINTR, A_INTR }, { EBUSY, A_BUSY },
	{ EMFILE, A_MFILE }, { EBADF, A_BADF },
};

/* Shared by all cases (mapped before vbgt_main forks them). */
struct totals {
	uint64_t ioctls, errs, max_us, malformed_raw;
	uint64_t by_nr[32], ok_nr[32];
	uint64_t echoes;
	uint64_t us;
};

static struct totals *tot;
static unsigned int case_limit_s;
static uint64_t seed = 1, n_total = 4000;

/* ------------------------------------------------------------------ PRNG */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd(r) % n) : 0;
}

static int pct(struct rng *r, unsigned int p)
{
	return below(r, 100) < p;
}

/* A size a driver's bounds checks care about, around @exact. */
static uint32_t odd_size(struct rng *r, uint32_t exact)
{
	static const uint32_t fixed[] = {
		0, 1, 23, 24, 25, 39, 40, 1024, 1025, 4096, 65536, 1u << 20,
		(1u << 20) + 1, 0x7fffffff, 0x80000000u, 0xffffffffu,
	};

	switch (below(r, 5)) {
	case 0:
		return exact - 1;
	case 1:
		return exact + 1 + below(r, 8);
	case 2:
		return exact + (uint32_t)(int32_t)(below(r, 64) - 32);
	case 3:
		return (uint32_t)rnd(r);
	default:
		return fixed[below(r, sizeof(fixed) / sizeof(fixed[0]))];
	}
}

/* ---------------------------------------------------------------- memory */

/*
 * The places arguments and buffers live: RW memory below 4 GiB (so that
 * 32-bit parameter layouts can point at it from a 64-bit process too), a
 * page ending at an inaccessible guard page, a read-only page, an
 * inaccessible page, a PFN mapping of the BIOS area (/dev/mem), NULL, an
 * address below mmap_min_addr and a kernel address.
 */
struct mem {
	uint8_t *arena;		/* ARENA_SIZE, RW */
	uint8_t *edge;		/* a RW page; the page after it is PROT_NONE */
	uint8_t *ro;		/* PROT_READ page */
	uint8_t *none;		/* PROT_NONE page */
	uint8_t *pfn;		/* PFN-mapped BIOS page, or NULL */
};

static struct mem M;

static void *map_low(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		       -1, 0);

	ASSERT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

static void mem_setup(void)
{
	int fd;

	M.arena = map_low(ARENA_SIZE, PROT_READ | PROT_WRITE);
	M.edge = map_low(2 * PAGE, PROT_READ | PROT_WRITE);
	ASSERT(mprotect(M.edge + PAGE, PAGE, PROT_NONE) == 0, "mprotect");
	M.none = M.edge + PAGE;
	M.ro = map_low(PAGE, PROT_READ | PROT_WRITE);
	memset(M.ro, 0x5a, PAGE);
	ASSERT(mprotect(M.ro, PAGE, PROT_READ) == 0, "mprotect");
	/* Root only; the uid-1000 helpers inherit the mapping. */
	fd = open("/dev/mem", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		M.pfn = mmap(NULL, PAGE, PROT_READ, MAP_SHARED | MAP_32BIT, fd,
			     BIOS_PAGE);
		if (M.pfn == MAP_FAILED)
			M.pfn = NULL;
		close(fd);
	}
}

/* A buffer pointer for a parameter of @size bytes: mostly good memory. */
static uint8_t *pick_buf(struct rng *r, uint32_t size, const char **what)
{
	uint32_t room = size < ARENA_SIZE / 2 ? size : ARENA_SIZE / 2;

	switch (below(r, 40)) {
	case 0:
		*what = "NULL";
		return NULL;
	case 1:
		*what = "PROT_NONE";
		return M.none + below(r, PAGE);
	case 2:
		*what = "read-only";
		return M.ro + below(r, PAGE);
	case 3:
		*what = "guard-crossing";
		return M.edge + PAGE - 1 - below(r, 64);
	case 4:
		*what = "PFN-mapped";
		return M.pfn ? M.pfn + below(r, 256) : M.ro;
	case 5:
		*what = "low";
		return (uint8_t *)(uintptr_t)(0x1000 + below(r, 0x1000));
	case 6:
		*what = "kernel";
		return (uint8_t *)(uintptr_t)(sizeof(long) == 8 ?
					      0xffff888000001000ull : 0xc0001000u);
	default:
		*what = "rw";
		return M.arena + below(r, ARENA_SIZE - room + 1);
	}
}

/* ------------------------------------------------------------- one ioctl */

struct fuzzer {
	struct rng r;
	const char *name;	/* the case */
	int fds[MAX_FDS];
	const char *node[MAX_FDS];
	int nfds;
	uint32_t client[MAX_FDS][MAX_CLIENTS];	/* 0: free */
	int racing;		/* another thread closes our sessions */
	int post_events;	/* ask the host for events now and then */
	long long malformed;	/* req.malformed.driver at the last check */
	uint64_t iter, n, ioctls;
	uint8_t *req;		/* where the argument is built */
	char what[160];		/* the op, for the report */
};

/* Errnos the code @cmd may give (bits), whatever its argument. */
static unsigned int allowed_errs(const struct fuzzer *f, unsigned long cmd)
{
	unsigned int a = A_INVAL | A_2BIG | A_NOTTY | A_FAULT | A_NOMEM;

	if (f->racing)
		a |= A_BADF;
	if (_IOC_TYPE(cmd) != 'V')
		return a;
	switch (_IOC_NR(cmd)) {
	case 2:
	case 3:		/* raw requests: the allow-list */
		return a | A_PERM;
	case 4:		/* connect: the session's client slots */
		return a | A_MFILE | A_INTR;
	case 5:
		return a | A_INTR;
	case 6:
	case 7:
	case 10:
		return a | A_TIMEDOUT | A_INTR;
	case 13:
	case 14:
		return a | A_BUSY;
	default:
		return a;
	}
}

static const struct fuzzer *cur;
static void report_repro(const struct fuzzer *f);

/* A crash of the fuzzer itself: where, and in which operation. */
static void on_segv(int sig, siginfo_t *si, void *uc)
{
	ucontext_t *u = uc;
	char line[256];
	FILE *maps;

#ifdef __x86_64__
	vbgt_diag("signal %d code %d at address %p, ip %#llx", sig, si->si_code,
		  si->si_addr, (unsigned long long)u->uc_mcontext.gregs[REG_RIP]);
#elif defined(__i386__)
	vbgt_diag("signal %d code %d at address %p, ip %#x", sig, si->si_code,
		  si->si_addr, (unsigned int)u->uc_mcontext.gregs[REG_EIP]);
#else
	(void)u;
	vbgt_diag("signal %d code %d at address %p", sig, si->si_code, si->si_addr);
#endif
#ifdef __x86_64__
	{
		unsigned long *sp = (unsigned long *)u->uc_mcontext.gregs[REG_RSP];
		int i;

		for (i = 0; i < 128; i++)
			if (sp[i] > 0x400000 && sp[i] < 0x500000)
				vbgt_diag("stack[%d] %#lx", i, sp[i]);
	}
#endif
	vbgt_diag("arena %p edge %p ro %p pfn %p req %p", (void *)M.arena,
		  (void *)M.edge, (void *)M.ro, (void *)M.pfn,
		  cur ? (void *)cur->req : NULL);
	maps = fopen("/proc/self/maps", "r");
	while (maps && fgets(line, sizeof(line), maps)) {
		line[strcspn(line, "\n")] = 0;
		vbgt_diag("maps: %s", line);
	}
	if (cur)
		report_repro(cur);
	fflush(stdout);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void report_repro(const struct fuzzer *f)
{
	vbgt_diag("reproduce: FUZZ_SEED=%#" PRIx64 " FUZZ_IOCTLS=%" PRIu64
		  " (case %s, %d-bit, iteration %" PRIu64 ": %s)", seed,
		  n_total, f->name, vbgt_is_32bit() ? 32 : 64, f->iter, f->what);
}

/*
 * Runs one ioctl and checks the per-call invariants.  @timeout_ms: the
 * longest the call may legitimately block (its own timeout).
 */
static int fz_ioctl(struct fuzzer *f, int fd, unsigned long cmd, void *arg,
		    uint32_t timeout_ms)
{
	uint64_t t0 = vbgt_now_us(), dt;
	int ret = ioctl(fd, cmd, arg), err = errno;
	unsigned int i, bit = 0;

	dt = vbgt_now_us() - t0;
	f->ioctls++;
	__atomic_fetch_add(&tot->ioctls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&tot->by_nr[_IOC_NR(cmd) & 31], 1, __ATOMIC_RELAXED);
	if (dt > __atomic_load_n(&tot->max_us, __ATOMIC_RELAXED))
		__atomic_store_n(&tot->max_us, dt, __ATOMIC_RELAXED);
	if (dt > (uint64_t)timeout_ms * 1000 + VBGT_FUZZ_SLACK_S * 1000000ull) {
		vbgt_fail_at(__FILE__, __LINE__,
			     "ioctl %#lx took %" PRIu64 " ms (its timeout %u ms)",
			     cmd, dt / 1000, timeout_ms);
		report_repro(f);
	}
	if (ret == 0) {
		__atomic_fetch_add(&tot->ok_nr[_IOC_NR(cmd) & 31], 1, __ATOMIC_RELAXED);
		return 0;
	}
	__atomic_fetch_add(&tot->errs, 1, __ATOMIC_RELAXED);
	if (ret != -1) {
		vbgt_fail_at(__FILE__, __LINE__, "ioctl %#lx returned %d", cmd, ret);
		report_repro(f);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(errbits) / sizeof(errbits[0]); i++)
		if (errbits[i].err == err)
			bit = errbits[i].bit;
	if (!(bit & allowed_errs(f, cmd))) {
		vbgt_fail_at(__FILE__, __LINE__, "ioctl %#lx: errno %d (%s) not expected",
			     cmd, err, strerror(err));
		report_repro(f);
	}
	return -err;
}

/*
 * Keeps the u32 at @off of the argument @arg (wherever mutate() put it)
 * within [@lo, @hi], or, with @keep, a valid mask (no bit above @hi)
 * within @keep: a wait or call timeout that mutations made endless would
 * hang the fuzzer, not find a defect.
 */
static void bound_u32(struct fuzzer *f, void *arg, size_t off, uint32_t lo,
		      uint32_t hi, uint32_t keep)
{
	uint8_t *p = (uint8_t *)arg + off;
	int ro = arg == M.ro;
	uint32_t v;

	if (!((p >= M.arena && p + 4 <= M.arena + ARENA_SIZE) ||
	      (p >= M.edge && p + 4 <= M.edge + PAGE) || ro))
		return;
	if (ro && mprotect(M.ro, PAGE, PROT_READ | PROT_WRITE))
		return;
	memcpy(&v, p, 4);
	if (keep && !(v & ~hi)) {
		v &= keep;	/* a mask: only the bits allowed to stick */
		memcpy(p, &v, 4);
	} else if (!keep && (v < lo || v > hi)) {
		v = lo + below(&f->r, hi - lo + 1);
		memcpy(p, &v, 4);
	}
	if (ro)
		mprotect(M.ro, PAGE, PROT_READ);
}

/* Longest legitimate block of the final code (its timeout, bounded below). */
static uint32_t code_timeout(unsigned long cmd)
{
	if (_IOC_TYPE(cmd) != 'V')
		return 0;
	switch (_IOC_NR(cmd)) {
	case 6:
	case 7:
		return 200;
	case 10:
		return 30;
	default:
		return 0;
	}
}

/*
 * The argument as it will be passed (@arg, @len bytes, for code @cmd):
 * what mutations may not do, because it would hang the fuzzer or change
 * state that outlives the boot's other programs, is undone here.
 *   - wait and call timeouts stay bounded (code_timeout());
 *   - acquire mode is sticky for the driver's lifetime (t_caps): only
 *     host window mapping (0x2), which t_caps uses in acquire mode, may
 *     be acquired or configured;
 *   - a raw SetPowerStatus (30) never asks for pause or power off.
 */
static void *finish(struct fuzzer *f, unsigned long cmd, void *arg, uint32_t len)
{
	uint32_t type;

	if (_IOC_TYPE(cmd) != 'V')
		return arg;
	switch (_IOC_NR(cmd)) {
	case 10:
		bound_u32(f, arg, 24, 0, 30, 0);
		break;
	case 6:
	case 7:
		bound_u32(f, arg, offsetof(struct vbg_ioctl_hgcm_call, timeout_ms),
			  1, 200, 0);
		break;
	case 13:
		bound_u32(f, arg, 28, 0, 0x7, 0x2);
		break;
	case 2:
	case 3:
		if (len >= 28 && (arg == f->req || arg == M.ro ||
				  ((uint8_t *)arg >= M.edge &&
				   (uint8_t *)arg + 28 <= M.edge + PAGE))) {
			if (arg == M.ro && mprotect(M.ro, PAGE, PROT_READ | PROT_WRITE))
				break;
			memcpy(&type, (uint8_t *)arg + 8, 4);
			if (type == 30)
				memset((uint8_t *)arg + 24, 0xff, 4);
			if (arg == M.ro)
				mprotect(M.ro, PAGE, PROT_READ);
		}
		break;
	default:
		break;
	}
	return arg;
}

/* --------------------------------------------------------------- mutate */

/*
 * Mutates the common header and the ioctl code of an argument of @len
 * bytes at f->req; returns the argument pointer to pass (maybe another
 * place) and may change @cmd.
 */
static void *mutate(struct fuzzer *f, unsigned long *cmd, uint32_t len)
{
	struct vbg_ioctl_hdr *h = (struct vbg_ioctl_hdr *)f->req;
	struct rng *r = &f->r;
	uint8_t *at;
	int n = pct(r, 55) ? 0 : 1 + (int)below(r, 3);

	while (n--) {
		switch (below(r, 12)) {
		case 0:
			h->size_in = odd_size(r, h->size_in);
			break;
		case 1:
			h->size_out = odd_size(r, h->size_out ? h->size_out : len);
			break;
		case 2:
			h->version ^= 1u << below(r, 32);
			break;
		case 3:
			h->type = pct(r, 50) ? below(r, 256) : (uint32_t)rnd(r);
			break;
		case 4:
			h->reserved = (uint32_t)rnd(r);
			break;
		case 5:
			h->rc = (int32_t)rnd(r);
			break;
		case 6:		/* the size in the code */
			*cmd = _IOC(_IOC_DIR(*cmd), _IOC_TYPE(*cmd), _IOC_NR(*cmd),
				    odd_size(r, _IOC_SIZE(*cmd)) & _IOC_SIZEMASK);
			break;
		case 7:		/* the direction */
			*cmd = _IOC(below(r, 4), _IOC_TYPE(*cmd), _IOC_NR(*cmd),
				    _IOC_SIZE(*cmd));
			break;
		case 8:		/* another number, the same shape */
			*cmd = _IOC(_IOC_DIR(*cmd), _IOC_TYPE(*cmd), below(r, 32),
				    _IOC_SIZE(*cmd));
			break;
		case 9:		/* one random byte */
			if (len)
				f->req[below(r, len)] = (uint8_t)rnd(r);
			break;
		case 10:	/* a consistent other size */
			h->size_in = odd_size(r, len);
			h->size_out = 0;
			break;
		default:	/* where the argument lives */
			switch (below(r, 7)) {
			case 0:
				return finish(f, *cmd, NULL, len);
			case 1:
				return finish(f, *cmd, M.none, len);
			case 2:	/* cut by the guard page */
				at = M.edge + PAGE - below(r, (len < PAGE ? len : PAGE) + 1);
				memcpy(at, f->req, M.edge + PAGE - at);
				return finish(f, *cmd, at, len);
			case 3:	/* read-only: copy-out fails */
				if (len > PAGE || mprotect(M.ro, PAGE, PROT_READ | PROT_WRITE))
					break;
				memcpy(M.ro, f->req, len);
				mprotect(M.ro, PAGE, PROT_READ);
				return finish(f, *cmd, M.ro, len);
			case 4:
				return finish(f, *cmd, M.pfn ? M.pfn : M.ro, len);
			case 5:	/* misaligned */
				if (len + 3 > PAGE)
					break;
				memmove(f->req + 1 + below(r, 3), f->req, len);
				return finish(f, *cmd, f->req + 1 + below(r, 3), len);
			default:
				return finish(f, *cmd, (void *)(uintptr_t)0x1000, len);
			}
		}
	}
	return finish(f, *cmd, f->req, len);
}

/* ------------------------------------------------------------ builders */

static void hdr_init(void *p, uint32_t len, uint32_t size_out)
{
	memset(p, 0, len);
	vbgt_hdr(p, VBG_IOCTL_HDR_TYPE_DEFAULT, len, size_out);
}

/* Raw VMMDev request types with the size the host demands (spec 5.1). */
static const struct { uint16_t type, size; } raw_types[] = {
	{ 0, 24 }, { 1, 36 }, { 2, 36 }, { 3, 48 }, { 4, 40 }, { 5, 24 },
	{ 10, 32 }, { 20, 32 }, { 21, 32 }, { 22, 36 }, { 23, 36 },
	{ 30, 32 }, { 41, 28 }, { 42, 32 }, { 50, 32 }, { 51, 40 },
	{ 52, 40 }, { 53, 28 }, { 54, 44 }, { 55, 28 }, { 56, 32 },
	{ 57, 44 }, { 58, 168 }, { 59, 36 }, { 60, 168 }, { 61, 36 },
	{ 62, 44 }, { 63, 44 }, { 64, 32 }, { 65, 32 }, { 70, 36 },
	{ 71, 24 }, { 72, 28 }, { 73, 32 }, { 74, 44 }, { 80, 56 },
	{ 81, 32 }, { 100, 412 }, { 101, 412 }, { 110, 100 }, { 111, 36 },
	{ 112, 32 }, { 113, 2080 }, { 150, 32 }, { 200, 28 }, { 210, 36 },
	{ 211, 28 }, { 212, 208 }, { 213, 184 }, { 214, 24 }, { 215, 28 },
	{ 216, 44 }, { 217, 32 }, { 218, 28 }, { 219, 24 }, { 220, 36 },
	{ 221, 24 }, { 222, 28 }, { 223, 48 },
};

static void op_raw(struct fuzzer *f, int fd)
{
	struct rng *r = &f->r;
	unsigned int i = below(r, sizeof(raw_types) / sizeof(raw_types[0]));
	uint32_t type = raw_types[i].type, len = raw_types[i].size, k;
	unsigned long cmd;
	void *arg;

	if (pct(r, 10))
		type = below(r, 300);
	if (pct(r, 10))
		len = 24 + below(r, 2200);
	if (pct(r, 2))
		len = (1u << 20) + below(r, 2) * 8;
	if (len > ARENA_SIZE)
		len = ARENA_SIZE;
	memset(f->req, 0, len);
	vbgt_hdr((void *)f->req, type, len, 0);
	/* Payload: zeros, small values or noise. */
	for (k = 24; k + 4 <= len && k < 512; k += 4) {
		uint32_t v = pct(r, 70) ? 0 : pct(r, 50) ? below(r, 4) : (uint32_t)rnd(r);

		memcpy(f->req + k, &v, 4);
	}
	cmd = len <= 1024 && pct(r, 70) ? VBG_IOCTL_VMMDEV_REQUEST(len) :
	      VBG_IOCTL_VMMDEV_REQUEST_BIG;
	if (pct(r, 5))
		cmd = _IOC(_IOC_READ | _IOC_WRITE, 'V', 3, 0);
	arg = mutate(f, &cmd, len);
	snprintf(f->what, sizeof(f->what), "raw request type %u len %u", type, len);
	fz_ioctl(f, fd, cmd, arg, code_timeout(cmd));
}

static void op_simple(struct fuzzer *f, int fd)
{
	static const struct { unsigned long cmd; uint32_t in, out; const char *name; } ops[] = {
		{ VBG_IOCTL_DRIVER_VERSION_INFO, 24 + 16, 24 + 20, "driver version" },
		{ VBG_IOCTL_INTERRUPT_ALL_WAIT_FOR_EVENTS, 24, 24, "interrupt all" },
		{ VBG_IOCTL_CHANGE_FILTER_MASK, 24 + 8, 24, "filter" },
		{ VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES, 24 + 12, 24, "acquire caps" },
		{ VBG_IOCTL_CHANGE_GUEST_CAPABILITIES, 24 + 8, 24 + 8, "set caps" },
		{ SET_MOUSE_STATUS, 24 + 4, 24, "mouse status" },
		{ VBG_IOCTL_CHECK_BALLOON, 24, 24 + 8, "check balloon" },
		{ VBG_IOCTL_WRITE_CORE_DUMP, 24 + 4, 24, "core dump" },
		{ VBG_IOCTL_WAIT_FOR_EVENTS, 24 + 8, 24 + 4, "wait" },
	};
	struct rng *r = &f->r;
	unsigned int i = below(r, sizeof(ops) / sizeof(ops[0]));
	uint32_t len = ops[i].in > ops[i].out ? ops[i].in : ops[i].out;
	uint32_t *in = (uint32_t *)(f->req + 24), k;
	unsigned long cmd = ops[i].cmd;
	void *arg;

	/* Interrupt-all ends this session's waits for good: rarely. */
	if (cmd == VBG_IOCTL_INTERRUPT_ALL_WAIT_FOR_EVENTS && !pct(r, 10))
		i = 0, cmd = ops[0].cmd, len = ops[0].out;
	hdr_init(f->req, len, ops[i].out);
	((struct vbg_ioctl_hdr *)f->req)->size_in = ops[i].in;
	switch (i) {
	case 0:
		in[0] = pct(r, 80) ? 0x00010000 : (uint32_t)rnd(r);
		in[1] = pct(r, 80) ? 0x00010000 : (uint32_t)rnd(r);
		break;
	case 8:
		in[0] = pct(r, 70) ? 0 : below(r, 30);
		in[1] = pct(r, 50) ? (uint32_t)rnd(r) : 1u << below(r, 11);
		break;
	default:	/* masks and flags: mostly small, valid ones */
		for (k = 0; k < 3; k++)
			in[k] = pct(r, 30) ? 0 : pct(r, 60) ? below(r, 1u << below(r, 12)) :
				pct(r, 50) ? 1u << below(r, 32) : (uint32_t)rnd(r);
		break;
	}
	arg = mutate(f, &cmd, len);
	snprintf(f->what, sizeof(f->what), "%s", ops[i].name);
	fz_ioctl(f, fd, cmd, arg, code_timeout(cmd));
}

static void op_log(struct fuzzer *f, int fd)
{
	struct rng *r = &f->r;
	uint32_t n = pct(r, 90) ? below(r, 80) : below(r, 5000), k;
	unsigned long cmd = pct(r, 50) ? VBG_IOCTL_LOG(0) :
			    _IOC(_IOC_READ | _IOC_WRITE, 'V', 9, 24 + n);
	void *arg;

	hdr_init(f->req, 24 + n, 0);
	/* Plain words: nothing the dmesg scan would take for an alarm. */
	for (k = 0; k < n; k++)
		f->req[24 + k] = pct(r, 2) ? 0 : (uint8_t)('a' + below(r, 26));
	arg = mutate(f, &cmd, 24 + n);
	snprintf(f->what, sizeof(f->what), "log of %u bytes", n);
	fz_ioctl(f, fd, cmd, arg, code_timeout(cmd));
}

static void op_unknown(struct fuzzer *f, int fd)
{
	struct rng *r = &f->r;
	unsigned long cmd = _IOC(below(r, 4), pct(r, 80) ? 'V' : below(r, 256),
				 pct(r, 50) ? 16 + below(r, 240) : below(r, 32),
				 below(r, 2) ? 24 + below(r, 64) : below(r, 1 << 14));
	void *arg;

	hdr_init(f->req, 64, 0);
	arg = mutate(f, &cmd, 64);
	/* Only 'V' codes: another type on these nodes is the same ENOTTY. */
	if (_IOC_TYPE(cmd) != 'V')
		cmd = _IOC(_IOC_DIR(cmd), 'V', 16 + below(r, 240), _IOC_SIZE(cmd));
	/* Known numbers belong to the other builders. */
	if (_IOC_NR(cmd) < 20)
		cmd = _IOC(_IOC_DIR(cmd), 'V', 20 + _IOC_NR(cmd), _IOC_SIZE(cmd));
	snprintf(f->what, sizeof(f->what), "unknown ioctl %#lx", cmd);
	fz_ioctl(f, fd, cmd, arg, code_timeout(cmd));
}

/* A free or used client slot of session @s. */
static int client_slot(struct fuzzer *f, int s, int used)
{
	int i;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (!!f->client[s][i] == used)
			return i;
	return -1;
}

static void op_connect(struct fuzzer *f, int s)
{
	static const char *const names[] = {
		VBGTEST_SVC, VBGTEST_SVC, VBGTEST_SVC, "VBoxGuestPropSvc", "nosuchservice",
		"", "VBoxGuestPropSvc\n",
	};
	struct vbg_ioctl_hgcm_connect *c = (void *)f->req;
	struct rng *r = &f->r;
	unsigned long cmd = VBG_IOCTL_HGCM_CONNECT;
	const char *name = names[below(r, sizeof(names) / sizeof(names[0]))];
	int slot = client_slot(f, s, 0), ret;
	void *arg;

	hdr_init(c, sizeof(*c), 24 + 4);
	c->u.in.loc.type = pct(r, 90) ? VMMDEV_HGCM_LOC_LOCALHOST_EXISTING :
			   below(r, 4);
	snprintf(c->u.in.loc.u.localhost.service_name,
		 sizeof(c->u.in.loc.u.localhost.service_name), "%s", name);
	if (pct(r, 5))		/* not terminated */
		memset(c->u.in.loc.u.localhost.service_name, 'x',
		       sizeof(c->u.in.loc.u.localhost.service_name));
	arg = mutate(f, &cmd, sizeof(*c));
	snprintf(f->what, sizeof(f->what), "connect '%s'", name);
	ret = fz_ioctl(f, f->fds[s], cmd, arg, code_timeout(cmd));
	/* Keep the client if there is room; the session drops the rest. */
	if (!ret && arg == c && cmd == VBG_IOCTL_HGCM_CONNECT && c->hdr.rc >= 0 &&
	    c->u.out.client_id && slot >= 0) {
		f->client[s][slot] = c->u.out.client_id;
	}
}

static void op_disconnect(struct fuzzer *f, int s)
{
	struct vbg_ioctl_hgcm_disconnect *d = (void *)f->req;
	struct rng *r = &f->r;
	unsigned long cmd = VBG_IOCTL_HGCM_DISCONNECT;
	int slot = client_slot(f, s, 1);
	void *arg;

	hdr_init(d, sizeof(*d), 24);
	d->u.in.client_id = slot >= 0 && pct(r, 80) ? f->client[s][slot] :
			    pct(r, 50) ? 0 : (uint32_t)rnd(r);
	arg = mutate(f, &cmd, sizeof(*d));
	snprintf(f->what, sizeof(f->what), "disconnect %u", d->u.in.client_id);
	/* Whatever the answer, this id is no longer used. */
	if (slot >= 0 && d->u.in.client_id == f->client[s][slot])
		f->client[s][slot] = 0;
	fz_ioctl(f, f->fds[s], cmd, arg, code_timeout(cmd));
}

/*
 * An HGCM call in the 32-bit (12-byte parameters) or 64-bit (16-byte)
 * layout, through HGCM_CALL_32 or HGCM_CALL_64, to one of our clients (or
 * not): vbgtest's functions with their parameter shapes most of the time,
 * anything otherwise.
 */
static void op_call(struct fuzzer *f, int s)
{
	struct vbg_ioctl_hgcm_call *c = (void *)f->req;
	struct rng *r = &f->r;
	int wide = vbgt_is_32bit() ? pct(r, 30) : pct(r, 70);
	uint32_t esz = wide ? 16 : 12, n, i, len, timeout, fn;
	int slot = client_slot(f, s, 1);
	unsigned long cmd;
	const char *what = "";
	uint8_t *e;
	void *arg;

	fn = 1 + below(r, 8);
	if (pct(r, 5))
		fn = (uint32_t)rnd(r);
	n = pct(r, 90) ? below(r, 5) : pct(r, 50) ? 32 + below(r, 3) : below(r, 0x10000);
	if (n > 40)
		n = pct(r, 50) ? n : 40;
	len = sizeof(*c) + (n > 40 ? 40 : n) * esz;
	memset(c, 0, len);
	vbgt_hdr(&c->hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, sizeof(*c) + n * esz,
		 pct(r, 80) ? sizeof(*c) + n * esz : 0);
	c->client_id = slot >= 0 && pct(r, 90) ? f->client[s][slot] :
		       pct(r, 50) ? 0 : (uint32_t)rnd(r);
	c->function = fn;
	/* Never unbounded: a call may legitimately wait for ever. */
	timeout = 1 + below(r, pct(r, 80) ? 20 : 200);
	c->timeout_ms = timeout;
	c->interruptible = pct(r, 80) ? 1 : below(r, 256);
	c->reserved = pct(r, 95) ? 0 : below(r, 256);
	c->parm_count = (uint16_t)n;
	e = (uint8_t *)(c + 1);
	for (i = 0; i < n && i < 40; i++, e += esz) {
		uint32_t type, size;
		uint8_t *buf;

		switch (below(r, 10)) {
		case 0:
		case 1:
			type = VMMDEV_HGCM_PARM_TYPE_32BIT;
			break;
		case 2:
			type = VMMDEV_HGCM_PARM_TYPE_64BIT;
			break;
		case 3:
			type = pct(r, 50) ? below(r, 16) : (uint32_t)rnd(r);
			break;
		default:
			type = VMMDEV_HGCM_PARM_TYPE_LINADDR + below(r, 3);
			break;
		}
		memcpy(e, &type, 4);
		if (type == VMMDEV_HGCM_PARM_TYPE_32BIT) {
			/* DELAY and the like take a small number. */
			uint32_t v = pct(r, 80) ? below(r, 20) : (uint32_t)rnd(r);

			memcpy(e + 4, &v, 4);
			continue;
		}
		if (type == VMMDEV_HGCM_PARM_TYPE_64BIT) {
			uint64_t v = rnd(r);

			memcpy(e + 4, &v, 8);
			continue;
		}
		size = pct(r, 50) ? below(r, 64) : pct(r, 70) ? below(r, 3 * PAGE) :
		       pct(r, 80) ? below(r, 256 << 10) : odd_size(r, 24u << 20);
		buf = pick_buf(r, size, &what);
		memcpy(e + 4, &size, 4);
		if (wide) {
			uint64_t a = (uintptr_t)buf;

			if (pct(r, 2))
				a |= 0xdead000000000000ull;
			memcpy(e + 8, &a, 8);
		} else {
			uint32_t a = (uint32_t)(uintptr_t)buf;

			memcpy(e + 8, &a, 4);
		}
	}
	cmd = wide ? VBG_IOCTL_HGCM_CALL_64(len) : VBG_IOCTL_HGCM_CALL_32(len);
	if (pct(r, 5))
		cmd = wide ? VBG_IOCTL_HGCM_CALL_32(len) : VBG_IOCTL_HGCM_CALL_64(len);
	arg = mutate(f, &cmd, len);
	snprintf(f->what, sizeof(f->what),
		 "HGCM call%s code %#lx fn %u, %u parms, client %u, last buffer %s",
		 wide ? "64" : "32", cmd, fn, n, c->client_id, what);
	fz_ioctl(f, f->fds[s], cmd, arg, code_timeout(cmd));
}

/*
 * A well-formed vbgtest ECHO call (in buffer, out buffer, u32) in either
 * layout through either code, buffers of any size and alignment: the page
 * lists the driver builds for them must pass the host's checks, and the
 * data must arrive byte for byte.
 */
static void op_echo(struct fuzzer *f, int s)
{
	struct vbg_ioctl_hgcm_call *c = (void *)f->req;
	struct rng *r = &f->r;
	int wide = pct(r, 50), slot = client_slot(f, s, 1), ret;
	uint32_t esz = wide ? 16 : 12, len = sizeof(*c) + 3 * esz, i;
	uint32_t size[2], type[2] = { 4 + below(r, 2), 4 + 2 * below(r, 2) };
	uint32_t seed32 = (uint32_t)rnd(r), n, v;
	uint8_t *buf[2], *e;
	unsigned long cmd;

	if (slot < 0) {
		op_connect(f, s);
		return;
	}
	for (i = 0; i < 2; i++) {
		size[i] = pct(r, 70) ? below(r, 2 * PAGE) : below(r, 256 << 10);
		/* In: the arena's upper quarter; out: the one below. */
		buf[i] = M.arena + ARENA_SIZE / 2 + (1 - i) * (ARENA_SIZE / 4) +
			 below(r, ARENA_SIZE / 4 - (256 << 10));
	}
	vbgtest_fill_pattern(buf[0], size[0], seed32);
	memset(buf[1], 0xee, size[1]);
	memset(c, 0, len);
	vbgt_hdr(&c->hdr, VBG_IOCTL_HDR_TYPE_DEFAULT, len, len);
	c->client_id = f->client[s][slot];
	c->function = 1;
	c->timeout_ms = 5000;
	c->interruptible = 1;
	c->parm_count = 3;
	e = (uint8_t *)(c + 1);
	for (i = 0; i < 3; i++, e += esz) {
		v = i < 2 ? type[i] : VMMDEV_HGCM_PARM_TYPE_32BIT;
		memcpy(e, &v, 4);
		if (i == 2)
			break;
		memcpy(e + 4, &size[i], 4);
		if (wide) {
			uint64_t a = (uintptr_t)buf[i];

			memcpy(e + 8, &a, 8);
		} else {
			v = (uint32_t)(uintptr_t)buf[i];
			memcpy(e + 8, &v, 4);
		}
	}
	cmd = pct(r, 50) ? VBG_IOCTL_HGCM_CALL_64(len) : VBG_IOCTL_HGCM_CALL_32(len);
	if (wide != (_IOC_NR(cmd) == 7))	/* the layout must match the code */
		cmd = wide ? VBG_IOCTL_HGCM_CALL_64(len) : VBG_IOCTL_HGCM_CALL_32(len);
	snprintf(f->what, sizeof(f->what), "echo%s %u -> %u bytes, %p -> %p",
		 wide ? "64" : "32", size[0], size[1], (void *)buf[0], (void *)buf[1]);
	ret = fz_ioctl(f, f->fds[s], cmd, c, 5000);
	/* Sessions replaced under us, or a client of another service. */
	if (ret || c->hdr.rc)
		return;
	__atomic_fetch_add(&tot->echoes, 1, __ATOMIC_RELAXED);
	n = size[0] < size[1] ? size[0] : size[1];
	memcpy(&v, (uint8_t *)(c + 1) + 2 * esz + 4, 4);
	if (v != n || vbgtest_check_pattern(buf[1], n, seed32) >= 0) {
		vbgt_fail_at(__FILE__, __LINE__, "echo: %u bytes reported, %u expected;"
			     " first bad byte %ld", v, n,
			     vbgtest_check_pattern(buf[1], n, seed32));
		report_repro(f);
	}
}

/* Closes session @s and opens it again (its clients go with it). */
static void reopen(struct fuzzer *f, int s)
{
	close(f->fds[s]);
	f->fds[s] = vbgt_open(f->node[s]);
	memset(f->client[s], 0, sizeof(f->client[s]));
}

/*
 * The control channel's client does not restart an interrupted write:
 * SIGUSR1 (fuzz_signals) waits while it talks.
 */
static void ctl_signals(int block)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static long long host_counter(const char *name)
{
	long long v;

	ctl_signals(1);
	v = vbgt_counter(name);
	ctl_signals(0);
	return v;
}

static void fuzz_one(struct fuzzer *f)
{
	struct rng *r = &f->r;
	int s = (int)below(r, (uint32_t)f->nfds), k = (int)below(r, 100);

	/* Now and then the host posts events, so that waits end with one. */
	if (f->post_events && pct(r, 1) && pct(r, 50)) {
		ctl_signals(1);
		vbgt_ctl(NULL, 0, "events %#x", 1u << below(r, 10));
		ctl_signals(0);
	}

	if (k < 20)
		op_raw(f, f->fds[s]);
	else if (k < 40)
		op_simple(f, f->fds[s]);
	else if (k < 43)
		op_log(f, f->fds[s]);
	else if (k < 47)
		op_unknown(f, f->fds[s]);
	else if (k < 53)
		op_connect(f, s);
	else if (k < 56)
		op_disconnect(f, s);
	else if (k < 85)
		op_call(f, s);
	else if (k < 99)
		op_echo(f, s);
	else if (!f->racing)
		reopen(f, s);
}

static void fuzz_init(struct fuzzer *f, const char *name, unsigned int salt,
		      uint64_t n, const char *const *nodes, int nfds)
{
	int i;

	memset(f, 0, sizeof(*f));
	f->name = name;
	f->r.s = seed * 0x100000001b3ull + salt;
	f->n = n;
	f->nfds = nfds;
	f->post_events = 1;
	f->req = M.arena + ARENA_SIZE / 2 - 3 * PAGE;
	for (i = 0; i < nfds; i++) {
		f->node[i] = nodes[i];
		f->fds[i] = vbgt_open(nodes[i]);
	}
}

/*
 * Every CHECK_EVERY ioctls: did the host refuse a request the driver built
 * (a real host would have)?  Narrows a failure down to those iterations.
 */
static void check_host(struct fuzzer *f)
{
	long long m = host_counter("req.malformed.driver");

	if (m == f->malformed)
		return;
	vbgt_fail_at(__FILE__, __LINE__,
		     "the host refused %lld request(s) the driver built (last type %lld)"
		     " within iterations %" PRIu64 "-%" PRIu64, m - f->malformed,
		     host_counter("req.malformed.driver_last_type"),
		     f->iter / CHECK_EVERY * CHECK_EVERY, f->iter);
	report_repro(f);
	f->malformed = m;
}

static void fuzz_run(struct fuzzer *f)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	cur = f;
	f->malformed = host_counter("req.malformed.driver");
	/* FUZZ_IOCTLS counts ioctls, not iterations (a reopen makes none). */
	for (f->iter = 0; f->ioctls < f->n && !vbgt_failed(); f->iter++) {
		/* The request area sits in the arena's lower half. */
		f->req = M.arena + ARENA_SIZE / 2 - 3 * PAGE;
		fuzz_one(f);
		if (f->iter % CHECK_EVERY == CHECK_EVERY - 1 || f->ioctls >= f->n)
			check_host(f);
	}
}

static void fuzz_close(struct fuzzer *f)
{
	int i;

	for (i = 0; i < f->nfds; i++)
		close(f->fds[i]);
}

/* ------------------------------------------------- valid calls, counters */

/* One valid call of every kind on @fd; every one must succeed. */
static void valid_calls(int fd, int user)
{
	struct vbg_ioctl_driver_version_info v;
	struct vbg_ioctl_check_balloon b;
	struct vbg_ioctl_set_guest_caps caps;
	struct vbg_ioctl_acquire_guest_caps acq;
	struct set_mouse_status ms;
	struct {
		struct vbg_ioctl_hdr hdr;
		char msg[16];
	} log;
	struct {
		struct vbg_ioctl_hdr hdr;
		uint16_t major, minor;
		uint32_t build, rev, features;
	} hv;
	uint8_t in[300], out[300];
	vbgt_parm p[3];
	uint32_t client, ev;
	int32_t rc;
	int ret;

	hdr_init(&v, 24 + 16, 24 + 20);
	v.u.in.req_version = VBG_IOC_VERSION;
	v.u.in.min_version = VBG_IOC_VERSION;
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_DRIVER_VERSION_INFO, &v), 0);
	EXPECT_EQ(v.hdr.rc, 0);

	ret = vbgt_wait_events(fd, 0x4, 0, &ev);
	EXPECT(ret == 0 || ret == -ETIMEDOUT, "wait: %d", ret);
	EXPECT_EQ(vbgt_change_filter(fd, 0x4, 0), 0);
	EXPECT_EQ(vbgt_change_filter(fd, 0, 0x4), 0);

	hdr_init(&caps, sizeof(caps), 0);
	caps.u.in.or_mask = 0x4;
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_CHANGE_GUEST_CAPABILITIES, &caps), 0);
	hdr_init(&acq, sizeof(acq), 24);
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES, &acq), 0);
	hdr_init(&ms, sizeof(ms), 24);
	EXPECT_EQ(vbgt_ioctl(fd, SET_MOUSE_STATUS, &ms), 0);
	hdr_init(&b, 24, sizeof(b));
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_CHECK_BALLOON, &b), 0);

	hdr_init(&log, sizeof(log), 24);
	snprintf(log.msg, sizeof(log.msg), "t_fuzz valid");
	EXPECT_EQ(vbgt_ioctl(fd, VBG_IOCTL_LOG(sizeof(log)), &log), 0);

	vbgt_vmmreq_init(&hv, sizeof(hv), 4);
	EXPECT_EQ(vbgt_vmmreq(fd, &hv, sizeof(hv)), 0);
	EXPECT_EQ(hv.hdr.rc, 0);

	ASSERT_EQ(vbgt_hgcm_connect(fd, VBGTEST_SVC, &client, &rc), 0);
	ASSERT_EQ(rc, 0);
	vbgtest_fill_pattern(in, sizeof(in), 7);
	memset(out, 0, sizeof(out));
	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, in, sizeof(in));
	vbgt_parm_buf(&p[1], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, out, sizeof(out));
	vbgt_parm_u32(&p[2], 0);
	EXPECT_EQ(vbgt_hgcm_call(fd, client, 1, 5000, p, 3, &rc), 0);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(p[2].u.value32, sizeof(in));
	EXPECT(!memcmp(in, out, sizeof(in)), "echo data differs");
	EXPECT_EQ(vbgt_hgcm_disconnect(fd, client, &rc), 0);
	EXPECT_EQ(rc, 0);
	(void)user;
}

/*
 * Events the fuzzer had the host post stay latched until some session
 * waits for them (as on VirtualBox): take them all, so that the programs
 * after this one see none of them.  A filter of every event makes the
 * host raise what it still holds back.
 */
static void drain_events(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT), i, ret = 0;
	uint32_t ev;

	EXPECT_EQ(vbgt_change_filter(fd, 0x7ff, 0), 0);
	vbgt_sleep_ms(50);
	for (i = 0; i < 64; i++) {
		ret = vbgt_wait_events(fd, 0x7ff, 0, &ev);
		if (ret)
			break;
	}
	EXPECT_EQ(ret, -ETIMEDOUT);
	if (i)
		vbgt_diag("%d latched event set(s) taken", i);
	close(fd);
}

struct counts {
	long long malformed, reserved1, clients, pending, raw;
};

/* One field of the emulator's "hgcm-state" reply. */
static long long hgcm_state(const char *name)
{
	return vbgt_ctl_field("hgcm-state", name);
}

static void counts_read(struct counts *c)
{
	c->malformed = vbgt_counter("req.malformed.driver");
	c->reserved1 = vbgt_counter("req.reserved1_set");
	c->raw = vbgt_counter("req.malformed.raw");
	c->clients = hgcm_state("clients");
	c->pending = hgcm_state("pending");
}

/*
 * After the fuzzing: what the host saw of the driver's own requests, and
 * nothing left behind on the host (every session closed by now).
 */
static void counts_check(const struct counts *before)
{
	struct counts now;
	uint64_t end = vbgt_now_ms() + 10000;

	drain_events();
	/* Calls cancelled by close settle within a moment. */
	do {
		counts_read(&now);
		if (now.pending <= before->pending && now.clients <= before->clients)
			break;
		vbgt_sleep_ms(100);
	} while (vbgt_now_ms() < end);
	EXPECT_EQ(now.malformed - before->malformed, 0);
	if (now.malformed != before->malformed)
		vbgt_diag("last refused type of the driver: %lld",
			  vbgt_counter("req.malformed.driver_last_type"));
	EXPECT_EQ(now.reserved1 - before->reserved1, 0);
	EXPECT_EQ(now.clients, before->clients);
	EXPECT_EQ(now.pending, before->pending);
	__atomic_fetch_add(&tot->malformed_raw, (uint64_t)(now.raw - before->raw),
			   __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------- cases */

/*
 * Measured on the reference (Debian 12's 6.1 vboxguest.ko, FUZZ_SEED=1):
 * its HGCM_CALL_32 path corrupts memory from 64-bit processes too (usercopy
 * BUG, a SIGSEGV in the uid-1000 helper), raw requests reach the host with
 * userspace's requestor and reserved1 (counted as the driver's malformed
 * requests), and it has no SET_MOUSE_STATUS (ENOTTY).
 */
#define REF_REASON "HGCM_CALL_32 corrupts memory (also from 64-bit processes); " \
	"raw requests carry userspace's requestor and reserved1; no SET_MOUSE_STATUS"

static uint64_t share(unsigned int percent)
{
	uint64_t n = n_total * percent / 100;

	return n ? n : 1;
}

static const char *const both_nodes[] = { VBGT_NODE_ROOT, VBGT_NODE_USER,
					  VBGT_NODE_ROOT };
static const char *const user_nodes[] = { VBGT_NODE_USER, VBGT_NODE_USER };

static void report_case(const struct fuzzer *f, uint64_t t0)
{
	uint64_t ms = vbgt_now_ms() - t0;

	vbgt_diag("%s: %" PRIu64 " ioctls in %" PRIu64 " ms", f->name, f->ioctls, ms);
	if (vbgt_failed())
		report_repro(f);
}

static void valid_calls_before(void)
{
	int g = vbgt_open(VBGT_NODE_ROOT), u = vbgt_open(VBGT_NODE_USER);

	vbgt_ref_defect(REF_REASON);

	vbgt_diag("FUZZ_SEED=%#" PRIx64 " FUZZ_IOCTLS=%" PRIu64 " (%d-bit)", seed,
		  n_total, vbgt_is_32bit() ? 32 : 64);
	valid_calls(g, 0);
	valid_calls(u, 0);
	close(g);
	close(u);
}

/* Root, both nodes, one thread. */
static void fuzz_root(void)
{
	struct fuzzer f;
	struct counts c;
	uint64_t t0 = vbgt_now_ms();

	vbgt_ref_defect(REF_REASON);

	mem_setup();
	counts_read(&c);
	fuzz_init(&f, "fuzz_root", 1, share(35), both_nodes, 3);
	fuzz_run(&f);
	fuzz_close(&f);
	report_case(&f, t0);
	counts_check(&c);
}

static void user_body(void *arg)
{
	struct fuzzer *f = arg;
	uint64_t t0 = vbgt_now_ms();
	int fd;

	/* The trusted node stays closed to a user. */
	fd = open(VBGT_NODE_ROOT, O_RDWR | O_CLOEXEC);
	EXPECT(fd < 0 && errno == EACCES, "uid 1000 opened %s (fd %d, %s)",
	       VBGT_NODE_ROOT, fd, strerror(errno));
	if (fd >= 0)
		close(fd);
	fuzz_init(f, "fuzz_user", 2, share(25), user_nodes, 2);
	fuzz_run(f);
	fuzz_close(f);
	report_case(f, t0);
}

/* uid 1000 on /dev/vboxuser. */
static void fuzz_user(void)
{
	struct fuzzer *f = vbgt_shared(sizeof(*f));
	struct counts c;
	int st;

	vbgt_ref_defect(REF_REASON);

	mem_setup();
	counts_read(&c);
	st = vbgt_wait_child(vbgt_fork_user(user_body, f), case_limit_s * 1000);
	EXPECT(st == 0 || st == 1, "user helper ended with status %d", st);
	counts_check(&c);
}

/* Sessions closed and reopened (dup2 over them) by another thread. */
struct race {
	struct fuzzer f;
	volatile int stop;
	uint64_t swaps;
};

static void *closer(void *arg)
{
	struct race *rc = arg;
	struct rng r = { seed ^ 0x5eedull };

	while (!rc->stop) {
		int s = (int)below(&r, (uint32_t)rc->f.nfds);
		int fd = open(rc->f.node[s], O_RDWR | O_CLOEXEC);

		if (fd >= 0) {
			/* Atomic: the number never points at anything else. */
			dup2(fd, rc->f.fds[s]);
			close(fd);
			rc->swaps++;
		}
		usleep(below(&r, 2000));
	}
	return NULL;
}

static void fuzz_race_close(void)
{
	struct race *rc = calloc(1, sizeof(*rc));
	struct counts c;
	pthread_t t;
	uint64_t t0 = vbgt_now_ms();

	vbgt_ref_defect(REF_REASON);

	ASSERT(rc, "calloc");
	mem_setup();
	counts_read(&c);
	fuzz_init(&rc->f, "fuzz_race_close", 3, share(20), both_nodes, 3);
	rc->f.racing = 1;
	ASSERT(pthread_create(&t, NULL, closer, rc) == 0, "pthread_create");
	fuzz_run(&rc->f);
	rc->stop = 1;
	pthread_join(t, NULL);
	vbgt_diag("%" PRIu64 " sessions replaced under the fuzzer", rc->swaps);
	fuzz_close(&rc->f);
	report_case(&rc->f, t0);
	counts_check(&c);
}

/* SIGUSR1 at random moments into the fuzzing thread (no SA_RESTART). */
struct sig {
	pthread_t target;
	volatile int stop;
	uint64_t sent;
};

static void on_usr1(int s)
{
	(void)s;
}

static void *signaller(void *arg)
{
	struct sig *sg = arg;
	struct rng r = { seed ^ 0x51611ull };

	while (!sg->stop) {
		usleep(below(&r, 3000));
		pthread_kill(sg->target, SIGUSR1);
		sg->sent++;
	}
	return NULL;
}

static void fuzz_signals(void)
{
	struct sigaction sa;
	struct fuzzer f;
	struct sig sg = { 0 };
	struct counts c;
	pthread_t t;
	uint64_t t0 = vbgt_now_ms();

	vbgt_ref_defect(REF_REASON);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	mem_setup();
	counts_read(&c);
	fuzz_init(&f, "fuzz_signals", 4, share(20), both_nodes, 3);
	sg.target = pthread_self();
	ASSERT(pthread_create(&t, NULL, signaller, &sg) == 0, "pthread_create");
	fuzz_run(&f);
	sg.stop = 1;
	pthread_join(t, NULL);
	vbgt_diag("%" PRIu64 " signals sent", sg.sent);
	fuzz_close(&f);
	report_case(&f, t0);
	counts_check(&c);
}

static void valid_calls_after(void)
{
	int g = vbgt_open(VBGT_NODE_ROOT), u = vbgt_open(VBGT_NODE_USER);
	uint64_t us = __atomic_load_n(&tot->us, __ATOMIC_RELAXED);
	unsigned int i;
	char line[512];
	size_t o = 0;

	vbgt_ref_defect(REF_REASON);

	valid_calls(g, 0);
	valid_calls(u, 0);
	close(g);
	close(u);
	for (i = 0; i < 32; i++)
		if (tot->by_nr[i])
			o += (size_t)snprintf(line + o, sizeof(line) - o,
					      " %u:%" PRIu64 "/%" PRIu64, i,
					      tot->ok_nr[i], tot->by_nr[i]);
	vbgt_diag("fuzz-total: %" PRIu64 " ioctls (%" PRIu64 " failed as expected),"
		  " longest %" PRIu64 " ms, %" PRIu64 " raw requests the host refused,"
		  " seed %#" PRIx64, tot->ioctls, tot->errs, tot->max_us / 1000,
		  tot->malformed_raw, seed);
	vbgt_diag("ioctls by number (succeeded/all):%s", line);
	vbgt_diag("%" PRIu64 " well-formed echo calls, data checked", tot->echoes);
	(void)us;
}

int main(void)
{
	const char *s = getenv("FUZZ_SEED"), *n = getenv("FUZZ_IOCTLS");
	/* A generous bound: 100 ioctls/s at the worst (debug kernel, TCG). */
	struct vbgt_case cases[] = {
		VBGT_CASE(valid_calls_before),
		VBGT_CASE(fuzz_root),
		VBGT_CASE(fuzz_user),
		VBGT_CASE(fuzz_race_close),
		VBGT_CASE(fuzz_signals),
		VBGT_CASE(valid_calls_after),
	};
	size_t i;

	if (s && *s)
		seed = strtoull(s, NULL, 0);
	if (n && *n)
		n_total = strtoull(n, NULL, 0);
	case_limit_s = (unsigned int)(60 + n_total * 35 / 100 / 100);
	for (i = 1; i < 5; i++)
		cases[i].timeout_s = case_limit_s;
	tot = mmap(NULL, sizeof(*tot), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tot == MAP_FAILED)
		return 1;
	memset(tot, 0, sizeof(*tot));
	return vbgt_main("t_fuzz", cases, (int)(sizeof(cases) / sizeof(cases[0])));
}
