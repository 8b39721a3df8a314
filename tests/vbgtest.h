/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulator's test HGCM service "vbgtest" (tests/vmmdev/README, "Test
 * service vbgtest"): its name, function numbers and data pattern, one
 * copy for the service (tests/vmmdev/svc_test.c), the emulator's unit
 * tests, the guest programs (tests/guest), make bench (tests/bench) and
 * the kernel test modules (tests/lifecycle/kuser, tests/vboxsf/kapi).
 */
#ifndef VBGTEST_H
#define VBGTEST_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

#define VBGTEST_SVC	"vbgtest"

/* Parameters: tests/vmmdev/README. */
enum vbgtest_fn {
	VBGTEST_FN_ECHO = 1,	/* buf in, buf out, u32 out: bytes copied */
	VBGTEST_FN_FILL = 2,	/* buf out, u32 seed: pattern(seed) */
	VBGTEST_FN_CHECK = 3,	/* buf in, u32 seed, u32 out: first bad index */
	VBGTEST_FN_XOR = 4,	/* buf in/out, u32 key */
	VBGTEST_FN_DELAY = 5,	/* u32 ms */
	VBGTEST_FN_NEVER = 6,	/* only cancel or disconnect ends it */
	VBGTEST_FN_STATUS = 7,	/* u32: the call's result */
	VBGTEST_FN_WHOAMI = 8,	/* u32 out requestor, u32 out client id */
};

/* CHECK's answer when every byte matches. */
#define VBGTEST_CHECK_OK	0xffffffffu

/* Byte @i of pattern(@seed). */
static inline uint8_t vbgtest_pattern(uint32_t seed, size_t i)
{
	return (uint8_t)(seed + i * 31 + (i >> 8));
}

/* Fills @buf (@n bytes) with pattern(@seed). */
static inline void vbgtest_fill_pattern(uint8_t *buf, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = vbgtest_pattern(seed, i);
}

/* Index of the first byte of @buf (@n bytes) not pattern(@seed), or -1. */
static inline long vbgtest_check_pattern(const uint8_t *buf, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (buf[i] != vbgtest_pattern(seed, i))
			return (long)i;
	return -1;
}

#endif /* VBGTEST_H */
