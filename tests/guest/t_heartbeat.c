// SPDX-License-Identifier: GPL-2.0
/*
 * t_heartbeat: the driver's heartbeat as the host sees it (emulator
 * "heartbeat-stats": count, first/last timestamps, interval, enabled).
 * A driver beats once per host interval.
 */
#include "vbgt.h"

#include <stdio.h>
#include <string.h>

struct hb {
	unsigned long long count, first, last, interval, enabled;
};

static void stats(struct hb *h)
{
	char reply[512], *ok;

	ASSERT_EQ(vbgt_ctl(reply, sizeof(reply), "heartbeat-stats"), 0);
	ok = strstr(reply, "ok ");
	ASSERT(ok, "reply '%s'", reply);
	ASSERT_EQ(sscanf(ok, "ok %llu %llu %llu %llu %llu", &h->count,
			 &h->first, &h->last, &h->interval, &h->enabled), 5);
}

static void heartbeat_configured(void)
{
	struct hb h;

	stats(&h);
	EXPECT_EQ(h.enabled, 1);
	/* The runner starts the emulator with a 1000 ms interval. */
	EXPECT_EQ(h.interval, 1000000000ull);
	EXPECT(h.count > 0, "no heartbeat yet");
}

static void heartbeat_one_per_interval(void)
{
	struct hb a, b;
	unsigned long long beats, span;
	double per_interval;

	vbgt_ref_defect("about 250 heartbeats a second instead of one per "
			"host interval (timer re-armed with a relative time)");
	stats(&a);
	ASSERT(a.interval > 0, "no interval");
	vbgt_sleep_ms(3500);
	stats(&b);
	beats = b.count - a.count;
	span = b.last - a.last;
	per_interval = span ? (double)beats * a.interval / span : 0;
	vbgt_diag("%llu heartbeats in %.2f s (%.2f per host interval)", beats,
		  span / 1e9, per_interval);
	/* 3.5 intervals: three or four beats. */
	EXPECT(beats >= 3 && beats <= 4, "%llu heartbeats in 3.5 intervals",
	       beats);
	EXPECT(per_interval >= 0.8 && per_interval <= 1.25,
	       "%.2f heartbeats per interval", per_interval);
}

static const struct vbgt_case cases[] = {
	VBGT_CASE(heartbeat_configured),
	VBGT_CASE(heartbeat_one_per_interval),
};

VBGT_SUITE("t_heartbeat", cases)
