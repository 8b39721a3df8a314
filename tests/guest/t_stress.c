// SPDX-License-Identifier: GPL-2.0
/*
 * t_stress: HGCM under load.  8 threads, each with its own session and
 * client, make calls to "vbgtest" with random buffer sizes (0 B to 1 MiB)
 * and random directions (echo, fill, check, xor) while another thread
 * sends SIGUSR1 to random workers.  Every byte of every completed call is
 * checked; afterwards the emulator's call, completion and cancel counts
 * must agree with what the guest saw.
 *
 * Calls per thread: $VBG_STRESS_CALLS (default 1000; issue 4's full run is
 * 10000, which needs a longer per-program timeout than the runner's).
 */
#include "vbgt.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS		8
#define MAX_BUF		(1u << 20)
#define NO_TIMEOUT	0xffffffffu

struct worker {
	pthread_t thread;
	unsigned int id, calls;
	uint64_t rng;
	/* Results. */
	unsigned long ok, intr, other, bad_bytes;
	unsigned long long bytes;
	int done;
};

static int stop_signals;	/* atomic */

static void on_usr1(int sig)
{
	(void)sig;
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

/* Mostly small and medium buffers, some up to 1 MiB. */
static uint32_t rnd_size(uint64_t *s)
{
	uint32_t r = rnd(s) % 100;

	if (r < 10)
		return rnd(s) % 2;
	if (r < 55)
		return rnd(s) % 4097;
	if (r < 92)
		return rnd(s) % 65537;
	return rnd(s) % (MAX_BUF + 1);
}

static int one_call(struct worker *w, int fd, uint32_t client, uint8_t *a,
		    uint8_t *b)
{
	uint32_t size = rnd_size(&w->rng), fn = 1 + rnd(&w->rng) % 4;
	uint32_t seed = rnd(&w->rng);
	vbgt_parm p[3];
	int32_t rc;
	long bad = -1;
	int ret;
	size_t i;

	switch (fn) {
	case VBGTEST_FN_ECHO:
		vbgtest_fill_pattern(a, size, seed);
		memset(b, 0, size);
		vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, a, size);
		vbgt_parm_buf(&p[1], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, b, size);
		vbgt_parm_u32(&p[2], 0);
		ret = vbgt_hgcm_call(fd, client, fn, NO_TIMEOUT, p, 3, &rc);
		if (!ret && rc == VINF_SUCCESS) {
			bad = vbgtest_check_pattern(b, size, seed);
			if (p[2].u.value32 != size)
				bad = size;
		}
		break;
	case VBGTEST_FN_FILL:
		memset(b, 0, size);
		vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, b, size);
		vbgt_parm_u32(&p[1], seed);
		ret = vbgt_hgcm_call(fd, client, fn, NO_TIMEOUT, p, 2, &rc);
		if (!ret && rc == VINF_SUCCESS)
			bad = vbgtest_check_pattern(b, size, seed);
		break;
	case VBGTEST_FN_CHECK:
		vbgtest_fill_pattern(a, size, seed);
		vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, a, size);
		vbgt_parm_u32(&p[1], seed);
		vbgt_parm_u32(&p[2], 0);
		ret = vbgt_hgcm_call(fd, client, fn, NO_TIMEOUT, p, 3, &rc);
		if (!ret && rc == VINF_SUCCESS && p[2].u.value32 != 0xffffffffu)
			bad = p[2].u.value32;
		break;
	default:
		vbgtest_fill_pattern(a, size, seed);
		vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR, a, size);
		vbgt_parm_u32(&p[1], seed);
		ret = vbgt_hgcm_call(fd, client, fn, NO_TIMEOUT, p, 2, &rc);
		if (!ret && rc == VINF_SUCCESS)
			for (i = 0; i < size; i++)
				if (a[i] != (uint8_t)(vbgtest_pattern(seed, i) ^
						      (seed & 0xff))) {
					bad = (long)i;
					break;
				}
		break;
	}
	if (ret == -EINTR) {
		w->intr++;
		return 0;
	}
	if (ret || rc != VINF_SUCCESS) {
		vbgt_diag("thread %u: fn %u size %u: ret %d rc %d", w->id, fn,
			  size, ret, rc);
		w->other++;
		return -1;
	}
	w->ok++;
	w->bytes += size;
	if (bad >= 0) {
		vbgt_diag("thread %u: fn %u size %u: byte %ld wrong", w->id, fn,
			  size, bad);
		w->bad_bytes++;
	}
	return 0;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	uint8_t *a = malloc(MAX_BUF), *b = malloc(MAX_BUF);
	int fd = vbgt_open(VBGT_NODE_USER);
	uint32_t client;
	unsigned int i;
	int32_t rc;

	ASSERT(a && b, "out of memory");
	ASSERT_EQ(vbgt_hgcm_connect(fd, VBGTEST_SVC, &client, &rc), 0);
	ASSERT_EQ(rc, VINF_SUCCESS);
	for (i = 0; i < w->calls; i++)
		if (one_call(w, fd, client, a, b) && w->other > 5)
			break;
	EXPECT_EQ(vbgt_hgcm_disconnect(fd, client, &rc), 0);
	close(fd);
	free(a);
	free(b);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

struct signaller {
	struct worker *w;
	unsigned long sent;
	uint64_t rng;
};

static void *signal_fn(void *arg)
{
	struct signaller *s = arg;

	while (!__atomic_load_n(&stop_signals, __ATOMIC_RELAXED)) {
		usleep(500 + rnd(&s->rng) % 4000);
		if (__atomic_load_n(&stop_signals, __ATOMIC_RELAXED))
			break;
		if (!pthread_kill(s->w[rnd(&s->rng) % THREADS].thread,
				  SIGUSR1))
			s->sent++;
	}
	return NULL;
}

static void hgcm_stress(void)
{
	struct worker *w = calloc(THREADS, sizeof(*w));
	struct signaller sig = { .w = w, .rng = 0x9e3779b97f4a7c15ull };
	const char *env = getenv("VBG_STRESS_CALLS");
	unsigned int calls = env ? (unsigned int)atoi(env) : 1000;
	unsigned long ok = 0, intr = 0, other = 0, bad = 0;
	unsigned long long bytes = 0;
	long long c0, d0, k0, n0, x0, c1, d1, k1, n1;
	long long slab0, avail0, slab1, avail1;
	struct sigaction sa;
	pthread_t st;
	uint64_t t0;
	int i;

	ASSERT(w, "out of memory");
	slab0 = vbgt_meminfo_kb("SUnreclaim");
	avail0 = vbgt_meminfo_kb("MemAvailable");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	c0 = vbgt_counter("hgcm.calls");
	d0 = vbgt_counter("hgcm.completions");
	k0 = vbgt_counter("hgcm.cancelled");
	n0 = vbgt_counter("hgcm.connects");
	x0 = vbgt_counter("hgcm.disconnects");
	t0 = vbgt_now_ms();
	for (i = 0; i < THREADS; i++) {
		w[i].id = i;
		w[i].calls = calls;
		w[i].rng = 0x1234567ull * (i + 1) + 1;
		ASSERT(pthread_create(&w[i].thread, NULL, worker_fn, &w[i]) == 0);
	}
	ASSERT(pthread_create(&st, NULL, signal_fn, &sig) == 0);
	/*
	 * Stop the signaller before joining: a joined thread's id must not
	 * be signalled any more (an exited, unjoined one may).
	 */
	for (i = 0; i < THREADS; i++)
		while (!__atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE))
			vbgt_sleep_ms(10);
	__atomic_store_n(&stop_signals, 1, __ATOMIC_RELAXED);
	pthread_join(st, NULL);
	for (i = 0; i < THREADS; i++) {
		pthread_join(w[i].thread, NULL);
		ok += w[i].ok;
		intr += w[i].intr;
		other += w[i].other;
		bad += w[i].bad_bytes;
		bytes += w[i].bytes;
	}
	/* Cancelled calls are settled by the time the ioctl returned. */
	c1 = vbgt_counter("hgcm.calls") - c0;
	d1 = vbgt_counter("hgcm.completions") - d0;
	k1 = vbgt_counter("hgcm.cancelled") - k0;
	/* Connects and disconnects complete too. */
	n1 = vbgt_counter("hgcm.connects") - n0 +
	     vbgt_counter("hgcm.disconnects") - x0;
	EXPECT_EQ(n1, 2 * THREADS);
	d1 -= n1;
	vbgt_diag("%u threads x %u calls in %.1f s: %lu completed (%llu "
		  "buffer bytes), %lu interrupted, %lu failed; %lu signals",
		  THREADS, calls, (vbgt_now_ms() - t0) / 1000.0, ok, bytes, intr,
		  other, sig.sent);
	vbgt_diag("host: %lld calls, %lld completions, %lld cancelled", c1, d1,
		  k1);
	EXPECT_EQ(other, 0);
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(ok + intr, (unsigned long)THREADS * calls);
	/* Every call the host took was either completed or cancelled. */
	EXPECT_EQ(c1, d1 + k1);
	/* The guest saw every completion it waited for ... */
	EXPECT((long long)ok <= d1, "%lu successes, %lld completions", ok, d1);
	/* ... and each host-side cancel ended one interrupted call. */
	EXPECT(k1 <= (long long)intr, "%lld cancels, %lu interrupted", k1,
	       intr);
	EXPECT(c1 <= (long long)THREADS * calls, "%lld calls reached the host",
	       c1);
	free(w);
	/* Nothing the driver allocated for the calls stays behind. */
	slab1 = vbgt_meminfo_kb("SUnreclaim");
	avail1 = vbgt_meminfo_kb("MemAvailable");
	vbgt_diag("unreclaimable slab %lld -> %lld KiB, available %lld -> "
		  "%lld KiB", slab0, slab1, avail0, avail1);
	if (vbgt_kernel_defers_frees())
		vbgt_diag("KASAN quarantine: slab growth is no leak here;"
			  " kmemleak (dmesg_clean) checks instead");
	else
		EXPECT(slab1 - slab0 < 1024,
		       "unreclaimable slab grew by %lld KiB", slab1 - slab0);
	EXPECT(avail0 - avail1 < 8192, "available memory fell by %lld KiB",
	       avail0 - avail1);
}

static const struct vbgt_case cases[] = {
	VBGT_CASE_T(hgcm_stress, 100),
};

VBGT_SUITE("t_stress", cases)
