// SPDX-License-Identifier: GPL-2.0
/*
 * t_trace: the driver's tracepoints (tracefs events/vboxguest/, README
 * "Tracepoints").  Each case clears the trace, turns the vboxguest events
 * on, drives a known sequence through the uapi and the emulator's control
 * channel, turns them off and checks the records of the trace file:
 * fields and order.  Debian's vboxguest.ko has no tracepoints: on the
 * reference every case is that known difference (TODO).
 */
#define _GNU_SOURCE
#include "vbgt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define TRACEFS		"/sys/kernel/tracing"
#define EVENTS		TRACEFS "/events/vboxguest"
#define NO_TIMEOUT	UINT32_MAX
#define PAGE		4096
#define CHUNK_PAGES	256	/* 4 KiB pages of a 1 MiB balloon chunk */

#define MAX_RECS	8192

/* One record of the trace file: task pid, event name, "k=v ..." fields. */
struct rec {
	int pid;
	char event[32];
	char fields[160];
};

static struct rec *recs;
static int nrec;

struct req_u64 {		/* host time (10) */
	struct vbg_ioctl_hdr hdr;
	uint64_t value;
} __attribute__((packed));

static int tracefs_write(const char *file, const char *val)
{
	char path[256];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", TRACEFS, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * tracefs mounted (SKIP on a kernel without it), the driver's events
 * present, the trace cleared and the vboxguest events on.  The rig says
 * in VBG_TRACING=n that our module was built without its tracepoints
 * (CONFIG_VBOXGUEST_TRACING off, the default build): then the events must
 * be absent and the case is a SKIP for that reason; make check runs
 * t_trace on the debug kernel and on arm64, whose builds have them.
 */
static void trace_start(void)
{
	const char *built = getenv("VBG_TRACING");

	vbgt_ref_defect("Debian's vboxguest.ko has no tracepoints");
	if (access(TRACEFS "/trace", F_OK) &&
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
		if (errno == ENODEV)
			vbgt_skip("kernel without tracefs (no event tracing)");
		ASSERT(0, "mount tracefs: %s", strerror(errno));
	}
	if (built && !strcmp(built, "n")) {
		ASSERT(access(EVENTS, F_OK) != 0,
		       "%s present in a build without CONFIG_VBOXGUEST_TRACING",
		       EVENTS);
		vbgt_skip("module built without CONFIG_VBOXGUEST_TRACING (the default): t_trace runs on the debug kernel and arm64");
	}
	ASSERT(access(EVENTS "/enable", F_OK) == 0,
	       "no %s: the driver has no tracepoints", EVENTS);
	ASSERT_EQ(tracefs_write("events/vboxguest/enable", "0"), 0);
	ASSERT_EQ(tracefs_write("trace", ""), 0);	/* O_TRUNC: cleared */
	ASSERT_EQ(tracefs_write("tracing_on", "1"), 0);
	ASSERT_EQ(tracefs_write("events/vboxguest/enable", "1"), 0);
}

/* Parse "  task-PID  [cpu] flags  time: event: fields". */
static int parse_line(const char *line, struct rec *r)
{
	const char *br = strstr(line, " [");
	const char *ev = strstr(line, ": vbg_");
	const char *dash, *colon;

	if (line[0] == '#' || !br || !ev || ev < br)
		return 0;
	for (dash = br; dash > line && *dash != '-'; dash--)
		;
	r->pid = atoi(dash + 1);
	ev += 2;
	colon = strchr(ev, ':');
	if (!colon || colon - ev >= (long)sizeof(r->event))
		return 0;
	snprintf(r->event, sizeof(r->event), "%.*s", (int)(colon - ev), ev);
	snprintf(r->fields, sizeof(r->fields), " %s", colon + 2);
	r->fields[strcspn(r->fields, "\n")] = 0;
	return 1;
}

/* Every vboxguest record of the trace so far into recs[]. */
static void trace_read(void)
{
	char line[512];
	FILE *f;

	if (!recs)
		recs = calloc(MAX_RECS, sizeof(*recs));
	ASSERT(recs, "out of memory");
	f = fopen(TRACEFS "/trace", "r");
	ASSERT(f, "open trace: %s", strerror(errno));
	nrec = 0;
	while (fgets(line, sizeof(line), f) && nrec < MAX_RECS)
		nrec += parse_line(line, &recs[nrec]);
	fclose(f);
	ASSERT(nrec < MAX_RECS, "more than %d records", MAX_RECS);
}

/* Events off, then the records. */
static void trace_collect(void)
{
	ASSERT_EQ(tracefs_write("events/vboxguest/enable", "0"), 0);
	trace_read();
}

/* Field @name of record @i (a number, 0x for hex), or LLONG_MIN. */
static long long field(int i, const char *name)
{
	char key[40];
	const char *p;

	snprintf(key, sizeof(key), " %s=", name);
	p = strstr(recs[i].fields, key);
	if (!p)
		return LLONG_MIN;
	return strtoll(p + strlen(key), NULL, 0);
}

/*
 * The first record at or after @from of @event, from task @pid (-1: any)
 * whose field @name is @val (@name NULL: any); -1 if none.
 */
static int find(int from, const char *event, int pid, const char *name,
		long long val)
{
	int i;

	for (i = from < 0 ? 0 : from; i < nrec; i++)
		if (!strcmp(recs[i].event, event) &&
		    (pid < 0 || recs[i].pid == pid) &&
		    (!name || field(i, name) == val))
			return i;
	return -1;
}

/* The first vbg_events record in [@from, @to) with @bit in events; -1. */
static int find_events(int from, int to, uint32_t bit)
{
	int i;

	for (i = from; i < to && i < nrec; i++)
		if (!strcmp(recs[i].event, "vbg_events") &&
		    (field(i, "events") & bit))
			return i;
	return -1;
}

/*
 * Wait (at most 5 s) for the interrupt of an event the host raised: a
 * waiter that finds its request done does not wait for it, so it may
 * come after the caller is back.
 */
static void trace_wait_events(uint32_t bit)
{
	uint64_t end = vbgt_now_ms() + 5000;

	do {
		trace_read();
		if (find_events(0, nrec, bit) >= 0)
			return;
		vbgt_sleep_ms(50);
	} while (vbgt_now_ms() < end);
}

static void dump(void)
{
	int i;

	for (i = 0; i < nrec && i < 60; i++)
		vbgt_diag("%d %s:%s", recs[i].pid, recs[i].event,
			  recs[i].fields);
}

static int host_time(int fd)
{
	struct req_u64 r;

	vbgt_vmmreq_init(&r, sizeof(r), VMMDEVREQ_GET_HOST_TIME);
	if (vbgt_vmmreq(fd, &r, sizeof(r)))
		return -errno;
	return r.hdr.rc;
}

/*
 * A raw request: one vbg_req record with its type, requestor, status and
 * duration; a host error shows as its status; none while the events are
 * off.
 */
static void trace_request(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT);
	int pid = getpid(), a, b;

	trace_start();
	ASSERT_EQ(tracefs_write("events/vboxguest/enable", "0"), 0);
	ASSERT_EQ(host_time(fd), VINF_SUCCESS);		/* not traced */
	ASSERT_EQ(tracefs_write("events/vboxguest/enable", "1"), 0);
	ASSERT_EQ(host_time(fd), VINF_SUCCESS);
	vbgt_ctl_at_end("fault-clear");
	vbgt_ctl_ok("fault %d 1 %d", VMMDEVREQ_GET_HOST_TIME,
		    VERR_INVALID_PARAMETER);
	EXPECT_EQ(host_time(fd), VERR_INVALID_PARAMETER);
	trace_collect();
	close(fd);

	a = find(0, "vbg_req", pid, "type", VMMDEVREQ_GET_HOST_TIME);
	ASSERT(a >= 0, "no vbg_req record of type 10 from pid %d", pid);
	EXPECT_EQ(field(a, "rc"), VINF_SUCCESS);
	EXPECT(field(a, "ns") > 0, "ns=%lld", field(a, "ns"));
	/* root on /dev/vboxguest: the requestor the driver forced. */
	EXPECT(field(a, "requestor") > 0, "requestor %lld",
	       field(a, "requestor"));
	b = find(a + 1, "vbg_req", pid, "type", VMMDEVREQ_GET_HOST_TIME);
	ASSERT(b > a, "no second vbg_req record of type 10");
	EXPECT_EQ(field(b, "rc"), VERR_INVALID_PARAMETER);
	EXPECT_EQ(find(b + 1, "vbg_req", pid, "type", VMMDEVREQ_GET_HOST_TIME),
		  -1);
	if (vbgt_failed())
		dump();
}

/* vbgtest ECHO of one page from @in to @out. */
static void echo_page(int fd, uint32_t client, void *in, void *out)
{
	vbgt_parm p[3];
	int32_t rc;

	vbgt_parm_buf(&p[0], VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, in, PAGE);
	vbgt_parm_buf(&p[1], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, out, PAGE);
	vbgt_parm_u32(&p[2], 0);
	ASSERT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_ECHO, NO_TIMEOUT, p, 3,
				 &rc), 0);
	EXPECT_EQ(rc, VINF_SUCCESS);
	EXPECT_EQ(memcmp(in, out, PAGE), 0);
}

/* Records of an HGCM call: start, the call request, complete, in order. */
static void check_call(int pid, uint32_t client, uint32_t fn, int *start,
		       int *complete)
{
	int s, r, c;

	s = find(0, "vbg_hgcm_call_start", pid, "client", client);
	ASSERT(s >= 0, "no vbg_hgcm_call_start of client %u", client);
	EXPECT_EQ(field(s, "function"), fn);
	r = find(s + 1, "vbg_req", pid, "type", VMMDEVREQ_HGCM_CALL64);
	ASSERT(r > s, "no vbg_req type 63 after the start");
	EXPECT_EQ(field(r, "rc"), VINF_HGCM_ASYNC_EXECUTE);
	c = find(r + 1, "vbg_hgcm_call_complete", pid, "client", client);
	ASSERT(c > r, "no vbg_hgcm_call_complete after the request");
	EXPECT_EQ(field(c, "function"), fn);
	EXPECT_EQ(field(c, "bytes"), field(s, "bytes"));
	EXPECT_EQ(field(c, "pages"), field(s, "pages"));
	EXPECT_EQ(field(c, "copied"), field(s, "copied"));
	*start = s;
	*complete = c;
}

/*
 * Connect, a 4 KiB echo with page-aligned user buffers (both pinned:
 * 2 pages by reference, nothing copied), disconnect.  The HGCM event
 * the host raised is received and delivered to no session.
 */
static void trace_hgcm_call(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT);
	int pid = getpid(), conn, disc, s, c, e;
	uint8_t *in, *out;
	uint32_t client;
	int32_t rc;

	ASSERT_EQ(posix_memalign((void **)&in, PAGE, 2 * PAGE), 0);
	out = in + PAGE;
	vbgtest_fill_pattern(in, PAGE, 7);
	trace_start();
	client = vbgt_hgcm_connect_ok(fd, VBGTEST_SVC);
	echo_page(fd, client, in, out);
	EXPECT_EQ(vbgt_hgcm_disconnect(fd, client, &rc), 0);
	trace_wait_events(VBGT_EV_HGCM);
	trace_collect();
	close(fd);

	conn = find(0, "vbg_req", pid, "type", VMMDEVREQ_HGCM_CONNECT);
	ASSERT(conn >= 0, "no vbg_req type 60 (connect)");
	check_call(pid, client, VBGTEST_FN_ECHO, &s, &c);
	EXPECT(s > conn, "call start before the connect");
	EXPECT_EQ(field(s, "bytes"), 2 * PAGE);
	EXPECT_EQ(field(s, "pages"), 2);
	EXPECT_EQ(field(s, "copied"), 0);
	EXPECT_EQ(field(c, "err"), 0);
	EXPECT_EQ(field(c, "result"), VINF_SUCCESS);
	EXPECT_EQ(field(c, "cancelled"), 0);
	disc = find(c + 1, "vbg_req", pid, "type", VMMDEVREQ_HGCM_DISCONNECT);
	EXPECT(disc > c, "no vbg_req type 61 (disconnect) after the call");
	/* The completions' interrupts: HGCM is for no session. */
	for (e = find_events(0, nrec, VBGT_EV_HGCM); e >= 0;
	     e = find_events(e + 1, nrec, VBGT_EV_HGCM))
		EXPECT_EQ(field(e, "delivered") & VBGT_EV_HGCM, 0);
	EXPECT(find_events(0, nrec, VBGT_EV_HGCM) >= 0,
	       "no vbg_events record with the HGCM event");
	if (vbgt_failed())
		dump();
	free(in);
}

/*
 * A buffer that cannot be pinned (the BIOS page through /dev/mem, a PFN
 * mapping) goes through a bounce copy: copied, not pages.
 */
static void trace_hgcm_bounce(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT);
	int pid = getpid(), memfd, s, c;
	uint8_t *bios, *out;
	uint32_t client;

	memfd = open("/dev/mem", O_RDONLY | O_CLOEXEC);
	if (memfd < 0)
		vbgt_skip("no /dev/mem");
	bios = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, memfd, 0xf0000);
	close(memfd);
	if (bios == MAP_FAILED)
		vbgt_skip("the BIOS page of /dev/mem does not map");
	ASSERT_EQ(posix_memalign((void **)&out, PAGE, PAGE), 0);
	client = vbgt_hgcm_connect_ok(fd, VBGTEST_SVC);
	trace_start();
	echo_page(fd, client, bios, out);
	trace_collect();
	close(fd);

	check_call(pid, client, VBGTEST_FN_ECHO, &s, &c);
	EXPECT_EQ(field(s, "bytes"), 2 * PAGE);
	EXPECT_EQ(field(s, "pages"), 1);	/* the output buffer */
	EXPECT_EQ(field(s, "copied"), PAGE);	/* the BIOS page */
	EXPECT_EQ(field(c, "err"), 0);
	if (vbgt_failed())
		dump();
	free(out);
}

/*
 * A call the host never completes, with a 300 ms timeout: the driver
 * cancels it (a Cancel2 request, 65) and the end says why.
 */
static void trace_hgcm_cancel(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT);
	int pid = getpid(), s, c, q;
	uint32_t client;
	int32_t rc;

	client = vbgt_hgcm_connect_ok(fd, VBGTEST_SVC);
	trace_start();
	EXPECT_EQ(vbgt_hgcm_call(fd, client, VBGTEST_FN_NEVER, 300, NULL, 0,
				 &rc), -ETIMEDOUT);
	trace_collect();
	close(fd);

	check_call(pid, client, VBGTEST_FN_NEVER, &s, &c);
	EXPECT_EQ(field(s, "bytes"), 0);
	q = find(s + 1, "vbg_req", pid, "type", VMMDEVREQ_HGCM_CANCEL2);
	EXPECT(q > s && q < c, "no cancel request (65) between start %d and end %d (at %d)",
	       s, c, q);
	if (q >= 0)
		EXPECT(field(q, "rc") >= 0, "cancel rc %lld", field(q, "rc"));
	EXPECT_EQ(field(c, "err"), -ETIMEDOUT);
	EXPECT_EQ(field(c, "cancelled"), 1);
	if (vbgt_failed())
		dump();
}

/*
 * An event the host posts: received, and delivered to the session whose
 * filter has it (which then gets it from its wait).
 */
static void trace_events(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT);
	uint32_t got = 0;
	int e;

	ASSERT_EQ(vbgt_change_filter(fd, VBGT_EV_VRDP, 0), 0);
	trace_start();
	vbgt_ctl_ok("events %#x", VBGT_EV_VRDP);
	EXPECT_EQ(vbgt_wait_events(fd, VBGT_EV_VRDP, 5000, &got), 0);
	EXPECT_EQ(got, VBGT_EV_VRDP);
	trace_collect();
	close(fd);

	e = find_events(0, nrec, VBGT_EV_VRDP);
	ASSERT(e >= 0, "no vbg_events record with 0x100");
	EXPECT_EQ(field(e, "delivered") & VBGT_EV_VRDP, VBGT_EV_VRDP);
	if (vbgt_failed())
		dump();
}

/* vbg_req records of @type in [@from, @to). */
static int count_req(int from, int to, long long type)
{
	int i, n = 0;

	for (i = from; i < to; i++)
		n += !strcmp(recs[i].event, "vbg_req") &&
		     field(i, "type") == type;
	return n;
}

static int wait_balloon_pages(long long pages)
{
	uint64_t end = vbgt_now_ms() + 15000;

	do {
		if (vbgt_state("balloon_pages") == pages)
			return 1;
		vbgt_sleep_ms(100);
	} while (vbgt_now_ms() < end);
	return 0;
}

/*
 * The host asks for 3 chunks, then 0: the event, three ChangeMemBalloon
 * requests (113), one vbg_balloon record for each change.
 */
static void trace_balloon(void)
{
	int fd = vbgt_open(VBGT_NODE_ROOT);
	int e, inf, def;

	ASSERT_EQ(vbgt_state("balloon_pages"), 0);
	ASSERT_EQ(vbgt_change_filter(fd, VBGT_EV_BALLOON, 0), 0);
	vbgt_ctl_at_end("balloon 0");
	trace_start();
	vbgt_ctl_ok("balloon 3");
	ASSERT(wait_balloon_pages(3 * CHUNK_PAGES), "balloon not inflated");
	vbgt_ctl_ok("balloon 0");
	ASSERT(wait_balloon_pages(0), "balloon not deflated");
	trace_collect();
	close(fd);

	e = find_events(0, nrec, VBGT_EV_BALLOON);
	ASSERT(e >= 0, "no vbg_events record with 0x40");
	EXPECT_EQ(field(e, "delivered") & VBGT_EV_BALLOON, VBGT_EV_BALLOON);
	/* The ISR queues the balloon work before it traces the event. */
	inf = find(0, "vbg_balloon", -1, NULL, 0);
	ASSERT(inf >= 0, "no vbg_balloon record");
	EXPECT_EQ(field(inf, "inflate"), 3);
	EXPECT_EQ(field(inf, "chunks"), 3);
	EXPECT_EQ(field(inf, "target"), 3);
	EXPECT(strstr(recs[inf].fields, " reason=host"), "%s",
	       recs[inf].fields);
	def = find(inf + 1, "vbg_balloon", -1, NULL, 0);
	ASSERT(def > inf, "no second vbg_balloon record");
	EXPECT_EQ(field(def, "deflate"), 3);
	EXPECT_EQ(field(def, "chunks"), 0);
	EXPECT_EQ(field(def, "target"), 0);
	EXPECT(strstr(recs[def].fields, " reason=host"), "%s",
	       recs[def].fields);
	EXPECT_EQ(count_req(0, inf, VMMDEVREQ_CHANGE_MEMBALLOON), 3);
	EXPECT_EQ(count_req(inf, def, VMMDEVREQ_CHANGE_MEMBALLOON), 3);
	EXPECT_EQ(find(def + 1, "vbg_balloon", -1, NULL, 0), -1);
	if (vbgt_failed())
		dump();
}

/* Heartbeats: request 219 about once per host interval (1 s). */
static void trace_heartbeat(void)
{
	int i, n = 0, timed = 0;

	trace_start();
	vbgt_sleep_ms(3500);
	trace_collect();
	for (i = 0; i < nrec; i++) {
		if (strcmp(recs[i].event, "vbg_req") ||
		    field(i, "type") != VMMDEVREQ_GUEST_HEARTBEAT)
			continue;
		n++;
		EXPECT_EQ(field(i, "rc"), VINF_SUCCESS);
		/* 0 only if the events came on during its submission. */
		timed += field(i, "ns") > 0;
	}
	EXPECT(timed >= n - 1, "%d of %d heartbeats without ns", n - timed, n);
	/* 3.5 intervals; a busy host makes the sleep longer, not shorter. */
	EXPECT(n >= 2 && n <= 8, "%d heartbeats in 3.5 s", n);
	if (vbgt_failed())
		dump();
}

static const struct vbgt_case cases[] = {
	VBGT_CASE(trace_request),
	VBGT_CASE(trace_hgcm_call),
	VBGT_CASE(trace_hgcm_bounce),
	VBGT_CASE(trace_hgcm_cancel),
	VBGT_CASE(trace_events),
	VBGT_CASE(trace_balloon),
	VBGT_CASE(trace_heartbeat),
};

VBGT_SUITE("t_trace", cases)
