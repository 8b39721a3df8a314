// SPDX-License-Identifier: GPL-2.0
/*
 * VMMDev emulator: the host's view of a guest desktop (see desktop.h).
 *
 * Control commands (tests/vmmdev/README):
 *   region    "count N", "updates U", then "rect L T R B" for each kept
 *             rectangle (at most DESKTOP_RECTS), then ok N
 *   pointer   ok FLAGS XHOT YHOT WIDTH HEIGHT UPDATES of the last
 *             SetPointerShape (the shape fields only when flag 0x4 came)
 *   desktop-clear   forget both (counts back to 0)
 */
#include "desktop.h"

#include <inttypes.h>
#include <string.h>

#include "le.h"

/* @req: a validated request 72 holding @count rectangles from offset 28. */
void desktop_set_region(struct desktop *d, const uint8_t *req, uint32_t count)
{
	uint32_t i;

	d->region_count = count;
	for (i = 0; i < count && i < DESKTOP_RECTS; i++) {
		const uint8_t *p = req + 28 + 16 * i;

		d->rect[i].left = (int32_t)get32(p);
		d->rect[i].top = (int32_t)get32(p + 4);
		d->rect[i].right = (int32_t)get32(p + 8);
		d->rect[i].bottom = (int32_t)get32(p + 12);
	}
	d->region_updates++;
}

/* @req: a validated request 3 of @size bytes (>= 48). */
void desktop_set_pointer(struct desktop *d, const uint8_t *req, uint32_t size)
{
	d->ptr_flags = get32(req + 24);
	if ((d->ptr_flags & 0x4) && size > 48) {
		d->ptr_xhot = get32(req + 28);
		d->ptr_yhot = get32(req + 32);
		d->ptr_w = get32(req + 36);
		d->ptr_h = get32(req + 40);
	}
	d->ptr_updates++;
}

/* Runs the command in @w (@n words) if it is one of ours. */
bool desktop_control(struct desktop *d, char **w, int n, FILE *out)
{
	uint32_t i;

	if (!strcmp(w[0], "region") && n == 1) {
		fprintf(out, "count %u\nupdates %" PRIu64 "\n", d->region_count,
			d->region_updates);
		for (i = 0; i < d->region_count && i < DESKTOP_RECTS; i++)
			fprintf(out, "rect %d %d %d %d\n", d->rect[i].left,
				d->rect[i].top, d->rect[i].right, d->rect[i].bottom);
		fprintf(out, "ok %u\n", d->region_count);
	} else if (!strcmp(w[0], "pointer") && n == 1) {
		fprintf(out, "ok %#x %u %u %u %u %" PRIu64 "\n", d->ptr_flags,
			d->ptr_xhot, d->ptr_yhot, d->ptr_w, d->ptr_h, d->ptr_updates);
	} else if (!strcmp(w[0], "desktop-clear") && n == 1) {
		memset(d, 0, sizeof(*d));
		fprintf(out, "ok\n");
	} else {
		return false;
	}
	return true;
}
