// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of desktop.c: the visible region (request 72) and pointer
 * shape (request 3) the host keeps, and their control commands.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "desktop.h"
#include "ktap.h"
#include "le.h"

static char reply[8192];

/* Runs control command @cmd (one word); returns whether it was ours. */
static bool ctl(struct desktop *d, const char *cmd)
{
	FILE *f = fmemopen(reply, sizeof(reply) - 1, "w");
	char word[64], *w[1] = { word };
	bool ours;

	snprintf(word, sizeof(word), "%s", cmd);
	memset(reply, 0, sizeof(reply));
	ours = desktop_control(d, w, 1, f);
	fclose(f);
	return ours;
}

/* A request 72 with @n rectangles, rectangle i = (i, 2i, 10+i, 20+2i). */
static void region_req(uint8_t *buf, uint32_t n)
{
	uint32_t i;

	put32(buf + 24, n);
	for (i = 0; i < n; i++) {
		put32(buf + 28 + 16 * i, i);
		put32(buf + 32 + 16 * i, 2 * i);
		put32(buf + 36 + 16 * i, 10 + i);
		put32(buf + 40 + 16 * i, 20 + 2 * i);
	}
}

static void region_kept(struct ktap_case_ctx *t)
{
	static uint8_t buf[28 + 16 * 100];
	struct desktop d = { 0 };

	KTAP_ASSERT(t, ctl(&d, "region"));
	KTAP_EXPECT(t, !strcmp(reply, "count 0\nupdates 0\nok 0\n"));
	region_req(buf, 2);
	put32(buf + 28, (uint32_t)-5);	/* a negative left edge */
	desktop_set_region(&d, buf, 2);
	ctl(&d, "region");
	KTAP_EXPECT(t, !strcmp(reply, "count 2\nupdates 1\nrect -5 0 10 20\n"
			       "rect 1 2 11 22\nok 2\n"));
	/* An empty region (seamless off) replaces it. */
	desktop_set_region(&d, buf, 0);
	ctl(&d, "region");
	KTAP_EXPECT(t, !strcmp(reply, "count 0\nupdates 2\nok 0\n"));
}

/* More rectangles than kept: the count is exact, the list capped. */
static void region_capped(struct ktap_case_ctx *t)
{
	static uint8_t buf[28 + 16 * 100];
	struct desktop d = { 0 };
	int lines = 0;
	char *p;

	region_req(buf, 100);
	desktop_set_region(&d, buf, 100);
	ctl(&d, "region");
	for (p = reply; (p = strstr(p, "rect ")); p++)
		lines++;
	KTAP_EXPECT_EQ(t, lines, DESKTOP_RECTS);
	KTAP_EXPECT(t, strstr(reply, "count 100\n") == reply);
	KTAP_EXPECT(t, strstr(reply, "\nok 100\n"));
}

static void pointer_kept(struct ktap_case_ctx *t)
{
	static uint8_t buf[44 + 8 + 4 * 16];
	struct desktop d = { 0 };

	ctl(&d, "pointer");
	KTAP_EXPECT(t, !strcmp(reply, "ok 0 0 0 0 0 0\n"));
	put32(buf + 24, 0x7);
	put32(buf + 28, 1);
	put32(buf + 32, 2);
	put32(buf + 36, 4);
	put32(buf + 40, 4);
	desktop_set_pointer(&d, buf, sizeof(buf));
	ctl(&d, "pointer");
	KTAP_EXPECT(t, !strcmp(reply, "ok 0x7 1 2 4 4 1\n"));
	/* Visibility only (no shape): the shape stays. */
	put32(buf + 24, 0x0);
	desktop_set_pointer(&d, buf, 48);
	ctl(&d, "pointer");
	KTAP_EXPECT(t, !strcmp(reply, "ok 0 1 2 4 4 2\n"));
	KTAP_EXPECT(t, ctl(&d, "desktop-clear"));
	ctl(&d, "pointer");
	KTAP_EXPECT(t, !strcmp(reply, "ok 0 0 0 0 0 0\n"));
}

static void other_commands(struct ktap_case_ctx *t)
{
	struct desktop d = { 0 };

	KTAP_EXPECT(t, !ctl(&d, "regions"));
	KTAP_EXPECT(t, !ctl(&d, "ping"));
	KTAP_EXPECT(t, reply[0] == '\0');
}

static const struct ktap_case cases[] = {
	KTAP_CASE(region_kept),
	KTAP_CASE(region_capped),
	KTAP_CASE(pointer_kept),
	KTAP_CASE(other_commands),
};

KTAP_SUITE("vmmdev_desktop", cases)
