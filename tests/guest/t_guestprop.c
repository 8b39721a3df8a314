// SPDX-License-Identifier: GPL-2.0
/*
 * t_guestprop: the guest property service "VBoxGuestPropSvc" over HGCM
 * from userspace (vmmdev-spec.md section 8.1): set/get/delete/enumerate
 * round trips, flags, permissions, limits and a notification wait.
 */
#include "vbgt.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SVC		"VBoxGuestPropSvc"
#define GP_GET		1
#define GP_SET		2
#define GP_SET_VALUE	3
#define GP_DEL		4
#define GP_ENUM		5
#define GP_WAIT		6
#define NO_TIMEOUT	0xffffffffu

struct gp {
	int fd;
	uint32_t client;
	char prefix[48];
};

static void gp_open(struct gp *g, const char *node)
{
	int32_t rc;

	g->fd = vbgt_open(node);
	ASSERT_EQ(vbgt_hgcm_connect(g->fd, SVC, &g->client, &rc), 0);
	ASSERT_EQ(rc, VINF_SUCCESS);
	snprintf(g->prefix, sizeof(g->prefix), "/VBGT/%d", (int)getpid());
}

static void gp_close(struct gp *g)
{
	int32_t rc;

	EXPECT_EQ(vbgt_hgcm_disconnect(g->fd, g->client, &rc), 0);
	close(g->fd);
}

static int32_t gp_call(struct gp *g, uint32_t fn, vbgt_parm *p, unsigned int n)
{
	int32_t rc;

	ASSERT_EQ(vbgt_hgcm_call(g->fd, g->client, fn, 10000, p, n, &rc), 0);
	return rc;
}

static void str_in(vbgt_parm *p, const char *s)
{
	vbgt_parm_buf(p, VMMDEV_HGCM_PARM_TYPE_LINADDR_IN, (void *)s,
		      (uint32_t)strlen(s) + 1);
}

static int32_t gp_set(struct gp *g, const char *name, const char *value,
		      const char *flags)
{
	vbgt_parm p[3];

	str_in(&p[0], name);
	str_in(&p[1], value);
	if (!flags)
		return gp_call(g, GP_SET_VALUE, p, 2);
	str_in(&p[2], flags);
	return gp_call(g, GP_SET, p, 3);
}

static int32_t gp_del(struct gp *g, const char *name)
{
	vbgt_parm p;

	str_in(&p, name);
	return gp_call(g, GP_DEL, &p, 1);
}

/* GET_PROP into buf; *size is the size the service says it needs. */
static int32_t gp_get(struct gp *g, const char *name, char *buf, uint32_t len,
		      uint64_t *ts, uint32_t *size)
{
	vbgt_parm p[4];
	int32_t rc;

	str_in(&p[0], name);
	vbgt_parm_buf(&p[1], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, buf, len);
	vbgt_parm_u64(&p[2], 0);
	vbgt_parm_u32(&p[3], 0);
	rc = gp_call(g, GP_GET, p, 4);
	*ts = p[2].u.value64;
	*size = p[3].u.value32;
	return rc;
}

static uint64_t now_ns_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void expect_value(struct gp *g, const char *name, const char *value,
			 const char *flags)
{
	size_t vl = strlen(value) + 1, fl = strlen(flags) + 1;
	char buf[2200];
	uint32_t size;
	uint64_t ts;
	int32_t rc;

	memset(buf, 0x5a, sizeof(buf));
	rc = gp_get(g, name, buf, sizeof(buf), &ts, &size);
	EXPECT_EQ(rc, VINF_SUCCESS);
	EXPECT_EQ(size, vl + fl);
	EXPECT(!memcmp(buf, value, vl), "value '%.40s', not '%.40s'", buf,
	       value);
	EXPECT(!memcmp(buf + vl, flags, fl), "flags '%s', not '%s'", buf + vl,
	       flags);
	EXPECT(ts > 0 && (long long)(now_ns_realtime() - ts) < 120000000000LL &&
	       (long long)(ts - now_ns_realtime()) < 120000000000LL,
	       "timestamp %llu", (unsigned long long)ts);
}

static void set_get_roundtrip(void)
{
	struct gp g;
	char name[96];

	gp_open(&g, VBGT_NODE_USER);
	snprintf(name, sizeof(name), "%s/a", g.prefix);
	EXPECT_EQ(gp_set(&g, name, "hello world", ""), VINF_SUCCESS);
	expect_value(&g, name, "hello world", "");
	/* Replaced by SET_PROP_VALUE. */
	EXPECT_EQ(gp_set(&g, name, "second", NULL), VINF_SUCCESS);
	expect_value(&g, name, "second", "");
	gp_close(&g);
}

static void flags_normalised(void)
{
	struct gp g;
	char name[96];

	gp_open(&g, VBGT_NODE_USER);
	snprintf(name, sizeof(name), "%s/f", g.prefix);
	EXPECT_EQ(gp_set(&g, name, "x", "rdonlyhost , transient"),
		  VINF_SUCCESS);
	expect_value(&g, name, "x", "TRANSIENT, RDONLYHOST");
	EXPECT_EQ(gp_set(&g, name, "y", "NOSUCHFLAG"), VERR_PARSE_ERROR);
	expect_value(&g, name, "x", "TRANSIENT, RDONLYHOST");
	EXPECT_EQ(gp_del(&g, name), VINF_SUCCESS);
	gp_close(&g);
}

static void get_missing_not_found(void)
{
	struct gp g;
	char name[96], buf[64];
	uint32_t size;
	uint64_t ts;

	gp_open(&g, VBGT_NODE_ROOT);
	snprintf(name, sizeof(name), "%s/missing", g.prefix);
	EXPECT_EQ(gp_get(&g, name, buf, sizeof(buf), &ts, &size),
		  VERR_NOT_FOUND);
	gp_close(&g);
}

static void get_buffer_overflow(void)
{
	struct gp g;
	char name[96], buf[4];
	uint32_t size;
	uint64_t ts;

	gp_open(&g, VBGT_NODE_USER);
	snprintf(name, sizeof(name), "%s/long", g.prefix);
	EXPECT_EQ(gp_set(&g, name, "0123456789", "TRANSIENT"), VINF_SUCCESS);
	EXPECT_EQ(gp_get(&g, name, buf, sizeof(buf), &ts, &size),
		  VERR_BUFFER_OVERFLOW);
	EXPECT_EQ(size, 11 + 10);	/* "0123456789\0TRANSIENT\0" */
	gp_close(&g);
}

static void delete_property(void)
{
	struct gp g;
	char name[96], buf[64];
	uint32_t size;
	uint64_t ts;

	gp_open(&g, VBGT_NODE_USER);
	snprintf(name, sizeof(name), "%s/d", g.prefix);
	EXPECT_EQ(gp_set(&g, name, "gone soon", ""), VINF_SUCCESS);
	EXPECT_EQ(gp_del(&g, name), VINF_SUCCESS);
	EXPECT_EQ(gp_get(&g, name, buf, sizeof(buf), &ts, &size),
		  VERR_NOT_FOUND);
	EXPECT_EQ(gp_del(&g, name), VINF_SUCCESS);
	gp_close(&g);
}

static void enumerate(void)
{
	static const char *const vals[3] = { "one", "", "three3" };
	struct gp g;
	char names[3][96], pat[96], *buf = calloc(1, 8192), *p;
	int seen[3] = { 0 }, i, n = 0;
	vbgt_parm parm[3];
	int32_t rc;

	ASSERT(buf);
	gp_open(&g, VBGT_NODE_USER);
	for (i = 0; i < 3; i++) {
		snprintf(names[i], sizeof(names[i]), "%s/e/k%d", g.prefix, i);
		EXPECT_EQ(gp_set(&g, names[i], vals[i], i == 2 ? "READONLY" :
				 ""), VINF_SUCCESS);
	}
	snprintf(pat, sizeof(pat), "%s/e/*", g.prefix);
	str_in(&parm[0], pat);
	vbgt_parm_buf(&parm[1], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, buf, 8192);
	vbgt_parm_u32(&parm[2], 0);
	rc = gp_call(&g, GP_ENUM, parm, 3);
	ASSERT_EQ(rc, VINF_SUCCESS);
	/* name\0value\0timestamp\0flags\0 ... then an empty entry. */
	for (p = buf; *p && p < buf + 8000; n++) {
		char *name = p, *val = name + strlen(name) + 1;
		char *ts = val + strlen(val) + 1, *fl = ts + strlen(ts) + 1;
		char *end;

		EXPECT(strtoull(ts, &end, 10) > 0 && *end == 0,
		       "timestamp '%s'", ts);
		for (i = 0; i < 3; i++) {
			if (strcmp(name, names[i]))
				continue;
			seen[i]++;
			EXPECT(!strcmp(val, vals[i]), "%s = '%s'", name, val);
			EXPECT(!strcmp(fl, i == 2 ? "READONLY" : ""),
			       "%s flags '%s'", name, fl);
		}
		p = fl + strlen(fl) + 1;
	}
	EXPECT_EQ(n, 3);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(seen[i], 1);
	EXPECT(!memcmp(p, "\0\0\0\0", 4), "no terminating empty entry");
	EXPECT_EQ(parm[2].u.value32, (uint32_t)(p + 4 - buf));
	gp_close(&g);
}

static void reserved_names_denied(void)
{
	struct gp g;

	gp_open(&g, VBGT_NODE_ROOT);
	EXPECT_EQ(gp_set(&g, "/VirtualBox/HostInfo/VBGT", "x", ""),
		  VERR_PERMISSION_DENIED);
	EXPECT_EQ(gp_set(&g, "/VirtualBox/VMInfo/VBGT", "x", NULL),
		  VERR_PERMISSION_DENIED);
	EXPECT_EQ(gp_set(&g, "bad*name", "x", ""), VERR_INVALID_PARAMETER);
	gp_close(&g);
}

static void rdonlyguest_denied(void)
{
	struct gp g;
	char name[96];

	gp_open(&g, VBGT_NODE_USER);
	snprintf(name, sizeof(name), "%s/ro", g.prefix);
	EXPECT_EQ(gp_set(&g, name, "fixed", "RDONLYGUEST"), VINF_SUCCESS);
	EXPECT_EQ(gp_set(&g, name, "changed", ""), VERR_PERMISSION_DENIED);
	EXPECT_EQ(gp_del(&g, name), VERR_PERMISSION_DENIED);
	expect_value(&g, name, "fixed", "RDONLYGUEST");
	gp_close(&g);
}

static void host_property_readable(void)
{
	struct gp g;
	char buf[256];
	uint32_t size;
	uint64_t ts;

	gp_open(&g, VBGT_NODE_USER);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(gp_get(&g, "/VirtualBox/HostInfo/VBoxVer", buf, sizeof(buf),
			 &ts, &size), VINF_SUCCESS);
	EXPECT(buf[0] >= '0' && buf[0] <= '9', "VBoxVer '%s'", buf);
	EXPECT(!strcmp(buf + strlen(buf) + 1, "TRANSIENT, RDONLYGUEST"),
	       "flags '%s'", buf + strlen(buf) + 1);
	gp_close(&g);
}

static void value_limits(void)
{
	struct gp g;
	char name[96], *big = malloc(1100);

	ASSERT(big);
	gp_open(&g, VBGT_NODE_USER);
	snprintf(name, sizeof(name), "%s/big", g.prefix);
	memset(big, 'v', 1023);
	big[1023] = 0;		/* 1024 bytes with the NUL: the limit */
	EXPECT_EQ(gp_set(&g, name, big, ""), VINF_SUCCESS);
	expect_value(&g, name, big, "");
	memset(big, 'w', 1024);
	big[1024] = 0;
	EXPECT_EQ(gp_set(&g, name, big, ""), VERR_TOO_MUCH_DATA);
	EXPECT_EQ(gp_del(&g, name), VINF_SUCCESS);
	gp_close(&g);
}

struct waiter {
	struct gp *g;
	const char *pattern;
	char buf[512];
	uint64_t ts;
	uint32_t size;
	int32_t rc;
	int ret;
};

static void *wait_fn(void *arg)
{
	struct waiter *w = arg;
	vbgt_parm p[4];

	str_in(&p[0], w->pattern);
	vbgt_parm_u64(&p[1], 0);
	vbgt_parm_buf(&p[2], VMMDEV_HGCM_PARM_TYPE_LINADDR_OUT, w->buf,
		      sizeof(w->buf));
	vbgt_parm_u32(&p[3], 0);
	w->ret = vbgt_hgcm_call(w->g->fd, w->g->client, GP_WAIT, 10000, p, 4,
				&w->rc);
	w->ts = p[1].u.value64;
	w->size = p[3].u.value32;
	return NULL;
}

static void wait_notification(void)
{
	struct gp g, setter;
	struct waiter w;
	char pattern[96], name[96];
	pthread_t t;

	gp_open(&g, VBGT_NODE_USER);
	gp_open(&setter, VBGT_NODE_USER);
	memset(&w, 0, sizeof(w));
	w.g = &g;
	snprintf(pattern, sizeof(pattern), "%s/n*", g.prefix);
	snprintf(name, sizeof(name), "%s/n1", g.prefix);
	w.pattern = pattern;
	ASSERT(pthread_create(&t, NULL, wait_fn, &w) == 0);
	vbgt_sleep_ms(300);
	/* Not matching: the wait goes on. */
	EXPECT_EQ(gp_set(&setter, "/VBGT/other", "z", ""), VINF_SUCCESS);
	EXPECT_EQ(gp_set(&setter, name, "v1", "TRANSIENT"), VINF_SUCCESS);
	pthread_join(t, NULL);
	ASSERT_EQ(w.ret, 0);
	EXPECT_EQ(w.rc, VINF_SUCCESS);
	EXPECT(!strcmp(w.buf, name), "notified name '%s'", w.buf);
	EXPECT(!strcmp(w.buf + strlen(name) + 1, "v1"), "value '%s'",
	       w.buf + strlen(name) + 1);
	EXPECT(!strcmp(w.buf + strlen(name) + 4, "TRANSIENT"), "flags '%s'",
	       w.buf + strlen(name) + 4);
	EXPECT(w.ts > 0, "no timestamp");
	EXPECT(w.size >= strlen(name) + 1 + 3 + 10, "size %u", w.size);
	gp_del(&setter, "/VBGT/other");
	gp_close(&setter);
	gp_close(&g);
}

/*
 * Spec 8.1: a disconnect completes the client's waits with
 * VERR_INTERRUPTED: another thread's disconnect ends a wait that no
 * property change would end.
 */
static void wait_interrupted_by_disconnect(void)
{
	long long calls = vbgt_counter("hgcm.calls");
	struct waiter w;
	pthread_t t;
	struct gp g;
	int32_t rc;

	gp_open(&g, VBGT_NODE_USER);
	memset(&w, 0, sizeof(w));
	w.g = &g;
	w.pattern = "/VBGT/never-set/*";
	ASSERT(pthread_create(&t, NULL, wait_fn, &w) == 0);
	ASSERT_EQ(vbgt_counter_wait_change("hgcm.calls", calls, 5000), calls + 1);
	EXPECT_EQ(vbgt_hgcm_disconnect(g.fd, g.client, &rc), 0);
	EXPECT_EQ(rc, VINF_SUCCESS);
	/* Without the host's completion the wait ends by its 10 s timeout. */
	pthread_join(t, NULL);
	EXPECT_EQ(w.ret, 0);
	EXPECT_EQ(w.rc, VERR_INTERRUPTED);
	close(g.fd);
}

static void user_props(void *arg)
{
	struct gp g;
	char name[96];

	gp_open(&g, VBGT_NODE_USER);
	snprintf(name, sizeof(name), "%s/user", g.prefix);
	EXPECT_EQ(gp_set(&g, name, "from uid 1000", ""), VINF_SUCCESS);
	expect_value(&g, name, "from uid 1000", "");
	EXPECT_EQ(gp_del(&g, name), VINF_SUCCESS);
	gp_close(&g);
}

static void unprivileged_user(void)
{
	vbgt_run_as_user(user_props, NULL);
}

static const struct vbgt_case cases[] = {
	VBGT_CASE(set_get_roundtrip),
	VBGT_CASE(flags_normalised),
	VBGT_CASE(get_missing_not_found),
	VBGT_CASE(get_buffer_overflow),
	VBGT_CASE(delete_property),
	VBGT_CASE(enumerate),
	VBGT_CASE(reserved_names_denied),
	VBGT_CASE(rdonlyguest_denied),
	VBGT_CASE(host_property_readable),
	VBGT_CASE(value_limits),
	VBGT_CASE(wait_notification),
	VBGT_CASE(wait_interrupted_by_disconnect),
	VBGT_CASE(unprivileged_user),
};

VBGT_SUITE("t_guestprop", cases)
