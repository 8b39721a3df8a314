/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMMDev emulator: what a desktop client (VirtualBox's VBoxClient) tells
 * the host, kept for the control channel (issue 14): the seamless visible
 * region (request 72) and the pointer shape (request 3), spec 5.4 and 5.7.
 * The model validates the requests and calls in with its lock held.
 */
#ifndef VMMDEV_DESKTOP_H
#define VMMDEV_DESKTOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define DESKTOP_RECTS	64	/* rectangles of the last region kept */

struct desktop_rect {
	int32_t left, top, right, bottom;
};

struct desktop {
	/* VideoSetVisibleRegion (72): the last region and how many came. */
	uint32_t region_count;
	struct desktop_rect rect[DESKTOP_RECTS];
	uint64_t region_updates;
	/* SetPointerShape (3): the last request's fields. */
	uint32_t ptr_flags, ptr_xhot, ptr_yhot, ptr_w, ptr_h;
	uint64_t ptr_updates;
};

void desktop_set_region(struct desktop *d, const uint8_t *req, uint32_t count);
void desktop_set_pointer(struct desktop *d, const uint8_t *req, uint32_t size);
bool desktop_control(struct desktop *d, char **w, int n, FILE *out);

#endif
