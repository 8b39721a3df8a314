/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call parameters as the HGCM core hands them to a service, for the unit
 * tests that call a service directly (test_svc.c, test_sf.c).
 */
#ifndef VMMDEV_TEST_PARMS_H
#define VMMDEV_TEST_PARMS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc.h"

/*
 * Appends a parameter of @kind to @p (*@n in use, at most @max); a test
 * asking for more is a bug and ends the binary.
 */
static inline struct hgcm_parm *fx_parm_add(struct hgcm_parm *p, uint32_t *n,
					    uint32_t max, enum hgcm_parm_kind kind)
{
	if (*n >= max) {
		fprintf(stderr, "test bug: too many parameters\n");
		exit(2);
	}
	p += (*n)++;
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	return p;
}

/*
 * Makes @p a buffer of @size bytes in direction @dir, from @data or
 * zeroed; the allocation has a spare byte (a NUL after strings) and is
 * never NULL.  Returns the buffer.
 */
static inline uint8_t *fx_parm_buf(struct hgcm_parm *p, const void *data,
				   uint32_t size, uint32_t dir)
{
	p->buf = calloc(1, (size_t)size + 1);
	if (!p->buf) {
		perror("calloc");
		exit(2);
	}
	if (data)
		memcpy(p->buf, data, size);
	p->size = p->out_size = size;
	p->dir = dir;
	return p->buf;
}

/* Frees the buffers of @p[0..@n) and clears them. */
static inline void fx_parm_free(struct hgcm_parm *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		free(p[i].buf);
	memset(p, 0, n * sizeof(*p));
}

#endif /* VMMDEV_TEST_PARMS_H */
