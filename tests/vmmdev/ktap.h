/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal KTAP (Documentation/dev-tools/ktap.rst) producer for the
 * emulator's unit tests.  One binary is one suite:
 *
 *	KTAP_SUITE("vmmdev_model", cases)  with  cases[] = { KTAP_CASE(fn), ... }
 *
 * A case is void fn(struct ktap_case_ctx *t) and reports with KTAP_EXPECT()
 * (continues) or KTAP_ASSERT() (returns from the case).
 */
#ifndef VMMDEV_KTAP_H
#define VMMDEV_KTAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct ktap_case_ctx {
	int failed;
	int skipped;
	const char *skip_reason;
};

struct ktap_case {
	const char *name;
	void (*fn)(struct ktap_case_ctx *t);
};

#define KTAP_CASE(f) { #f, f }

#define KTAP_EXPECT(t, cond) do {					\
	if (!(cond)) {							\
		printf("    # %s:%d: expectation failed: %s\n",		\
		       __FILE__, __LINE__, #cond);			\
		(t)->failed = 1;					\
	}								\
} while (0)

#define KTAP_EXPECT_EQ(t, a, b) do {					\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		printf("    # %s:%d: %s == %s failed: %lld != %lld\n",	\
		       __FILE__, __LINE__, #a, #b, _a, _b);		\
		(t)->failed = 1;					\
	}								\
} while (0)

#define KTAP_ASSERT(t, cond) do {					\
	if (!(cond)) {							\
		printf("    # %s:%d: assertion failed: %s\n",		\
		       __FILE__, __LINE__, #cond);			\
		(t)->failed = 1;					\
		return;							\
	}								\
} while (0)

#define KTAP_SKIP(t, why) do { (t)->skipped = 1; (t)->skip_reason = (why); return; } while (0)

/* KTAP_ONLY=NAME in the environment: run that case only (make check's
 * ThreadSanitizer run). */
static inline int ktap_run(const char *suite, const struct ktap_case *c, int n)
{
	const char *only = getenv("KTAP_ONLY");
	int i, k = 0, failed = 0;

	for (i = 0; i < n; i++)
		k += !only || !strcmp(only, c[i].name);
	printf("KTAP version 1\n1..1\n    KTAP version 1\n");
	printf("    # Subtest: %s\n    1..%d\n", suite, k);
	for (i = 0, k = 0; i < n; i++) {
		struct ktap_case_ctx t = { 0 };

		if (only && strcmp(only, c[i].name))
			continue;
		k++;
		fflush(stdout);
		c[i].fn(&t);
		if (t.skipped)
			printf("    ok %d %s # SKIP %s\n", k, c[i].name, t.skip_reason);
		else
			printf("    %s %d %s\n", t.failed ? "not ok" : "ok", k, c[i].name);
		failed |= t.failed;
	}
	printf("%s 1 %s\n", failed ? "not ok" : "ok", suite);
	fflush(stdout);
	return failed;
}

#define KTAP_SUITE(name, cases)						\
	int main(void)							\
	{								\
		return ktap_run(name, cases,				\
				(int)(sizeof(cases) / sizeof(cases[0])));	\
	}

#endif /* VMMDEV_KTAP_H */
