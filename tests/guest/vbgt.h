/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vbgt: the guest test suite's shared library.
 *
 * Each program is one KTAP subtest.  A case runs in its own forked process
 * (its own process group), so a crash, a hang or a failed assertion ends
 * that case only; the result travels back through a shared page.  Inside a
 * case:
 *
 *	EXPECT(cond, fmt, ...)	 record a failure, go on
 *	EXPECT_EQ(a, b)		 the same for two integers (prints both)
 *	ASSERT(cond, fmt, ...)	 record a failure and end the case
 *	ASSERT_EQ(a, b)
 *	vbgt_skip(reason)	 end the case as SKIP
 *	vbgt_ref_defect(reason)	 a failure of this case on the reference
 *				 driver is the known defect @reason (TODO)
 *
 * The control channel of the emulator (tests/vmmdev/README) is reached
 * through $VBG_CTL (default /dev/ttyS1); vbgt_ctl() sends one command and
 * collects the reply up to the final "ok"/"err" line.
 */
#ifndef VBGT_H
#define VBGT_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vboxguest.h>

#include "../vbgtest.h"

/* Status codes the installed vbox_err.h lacks (vmmdev-spec.md section 9). */
#define VBGT_VERR_HGCM_SERVICE_NOT_FOUND	(-2900)
#define VBGT_VERR_HGCM_INVALID_CLIENT_ID	(-2905)
#define VBGT_VWRN_NOT_FOUND			78

/* The unprivileged user of the suite. */
#define VBGT_UID	1000
#define VBGT_GID	1000

#define VBGT_NODE_ROOT	"/dev/vboxguest"
#define VBGT_NODE_USER	"/dev/vboxuser"

/* Events (vmmdev-spec.md section 6). */
#define VBGT_EV_MOUSE_CAPS	0x001
#define VBGT_EV_HGCM		0x002
#define VBGT_EV_DISPLAY		0x004
#define VBGT_EV_JUDGE_CREDS	0x008
#define VBGT_EV_RESTORED	0x010
#define VBGT_EV_SEAMLESS	0x020
#define VBGT_EV_BALLOON		0x040
#define VBGT_EV_STATS		0x080
#define VBGT_EV_VRDP		0x100
#define VBGT_EV_MOUSE_POS	0x200

struct vbgt_case {
	const char *name;
	void (*fn)(void);
	unsigned int timeout_s;	/* 0: the default (20 s); times VBG_SLOW */
};

#define VBGT_CASE(f)		{ #f, f, 0 }
#define VBGT_CASE_T(f, s)	{ #f, f, (s) }

int vbgt_main(const char *suite, const struct vbgt_case *cases, int n);

#define VBGT_SUITE(name, cases)						\
	int main(void)							\
	{								\
		return vbgt_main(name, cases,				\
				 (int)(sizeof(cases) / sizeof(cases[0])));\
	}

/* Results. */
void vbgt_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vbgt_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vbgt_end_case(void) __attribute__((noreturn));
void vbgt_skip(const char *reason) __attribute__((noreturn));
void vbgt_ref_defect(const char *reason);
int vbgt_failed(void);
int vbgt_is_reference(void);
int vbgt_is_32bit(void);

#define EXPECT(cond, ...) do {						\
	if (!(cond))							\
		vbgt_fail_at(__FILE__, __LINE__, "(" #cond ") " __VA_ARGS__); \
} while (0)

#define ASSERT(cond, ...) do {						\
	if (!(cond)) {							\
		vbgt_fail_at(__FILE__, __LINE__, "(" #cond ") " __VA_ARGS__); \
		vbgt_end_case();					\
	}								\
} while (0)

#define VBGT_CMP_(a, b, fatal) do {					\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		vbgt_fail_at(__FILE__, __LINE__,			\
			     "%s == %s: %lld (0x%llx) != %lld (0x%llx)",\
			     #a, #b, _a, (unsigned long long)_a, _b,	\
			     (unsigned long long)_b);			\
		if (fatal)						\
			vbgt_end_case();				\
	}								\
} while (0)

#define EXPECT_EQ(a, b)	VBGT_CMP_(a, b, 0)
#define ASSERT_EQ(a, b)	VBGT_CMP_(a, b, 1)

/* Zeroed memory shared with helper processes (the case ends on failure). */
void *vbgt_shared(size_t size);

/* A /proc/meminfo field in KiB (the case ends if absent). */
long long vbgt_meminfo_kb(const char *field);
int vbgt_kernel_defers_frees(void);

/* The rig's kernel log alarm pattern (tests/alarms.txt) in the guest. */
#define VBGT_ALARMS	"/etc/vbg-alarms.re"
/* Records of /dev/kmsg (@fd, from its position) matching it. */
int vbgt_kernel_alarms(int fd, char *first, size_t len);

/* A xorshift step of *@s (never 0): the programs' seeded random numbers. */
uint32_t vbgt_rand32(uint64_t *s);

/*
 * Random SIGUSR1 to a set of threads (no SA_RESTART: their ioctls see
 * EINTR).  Each thread calls vbgt_sigs_enter() when it starts and
 * vbgt_sigs_leave() before it exits: it is signalled only in between.
 */
#define VBGT_SIGS_MAX	64
struct vbgt_sigs {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_t target[VBGT_SIGS_MAX];
	int alive[VBGT_SIGS_MAX];
	unsigned int n, max_gap_ms;
	uint64_t rng;
	int stop;
	unsigned long sent;
};
/* Starts the signal thread: one of @n targets every 1..@max_gap_ms ms. */
int vbgt_sigs_start(struct vbgt_sigs *s, unsigned int n, uint64_t seed,
		    unsigned int max_gap_ms);
void vbgt_sigs_enter(struct vbgt_sigs *s, unsigned int i);
void vbgt_sigs_leave(struct vbgt_sigs *s, unsigned int i);
/* Targets between enter and leave. */
unsigned int vbgt_sigs_alive(struct vbgt_sigs *s);
/* Stops and joins the signal thread; the signals sent. */
unsigned long vbgt_sigs_stop(struct vbgt_sigs *s);

/* Time. */
uint64_t vbgt_now_ms(void);
uint64_t vbgt_now_us(void);
void vbgt_sleep_ms(unsigned int ms);

/* Device nodes and ioctls. */
int vbgt_open(const char *node);
int vbgt_ioctl(int fd, unsigned long req, void *arg);
void vbgt_hdr(struct vbg_ioctl_hdr *h, uint32_t type, uint32_t size_in,
	      uint32_t size_out);
int vbgt_vmmreq(int fd, void *req, uint32_t size);
void vbgt_vmmreq_init(void *req, uint32_t size, uint32_t type);
int vbgt_wait_events(int fd, uint32_t mask, uint32_t timeout_ms,
		     uint32_t *out);
int vbgt_change_filter(int fd, uint32_t or_mask, uint32_t not_mask);
int vbgt_acquire_caps(int fd, uint32_t flags, uint32_t or_mask,
		      uint32_t not_mask);
int vbgt_set_caps(int fd, uint32_t or_mask, uint32_t not_mask);
int vbgt_check_balloon(int fd, uint32_t *chunks, uint8_t *in_r3);

/* A thread blocked in WAIT_FOR_EVENTS (join it with pthread_join()). */
struct vbgt_waiter {
	pthread_t thread;
	int fd;
	uint32_t mask, timeout_ms;
	int ret;
	uint32_t events;
	uint64_t elapsed_ms;
	int finished;		/* read with vbgt_waiter_finished() */
};

void vbgt_waiter_start(struct vbgt_waiter *w, int fd, uint32_t mask,
		       uint32_t timeout_ms);
int vbgt_waiter_finished(struct vbgt_waiter *w);

/* HGCM. */
typedef struct vmmdev_hgcm_function_parameter vbgt_parm;

int vbgt_hgcm_connect(int fd, const char *service, uint32_t *client,
		      int32_t *rc);
uint32_t vbgt_hgcm_connect_ok(int fd, const char *service);
int vbgt_hgcm_disconnect(int fd, uint32_t client, int32_t *rc);
int vbgt_hgcm_call(int fd, uint32_t client, uint32_t function,
		   uint32_t timeout_ms, vbgt_parm *parms, unsigned int n,
		   int32_t *rc);
void vbgt_parm_u32(vbgt_parm *p, uint32_t v);
void vbgt_parm_u64(vbgt_parm *p, uint64_t v);
void vbgt_parm_buf(vbgt_parm *p, uint32_t type, void *buf, uint32_t size);

/*
 * One random call of vbgtest's data functions (ECHO, FILL, CHECK, XOR)
 * with user buffers at random offsets: vbgt_tcall_random() builds it
 * (pattern data, guard bytes after every output), the caller makes it
 * with c->fn, c->p and c->np, vbgt_tcall_check() checks what came back.
 */
#define VBGT_GUARD	64
#define VBGT_GUARD_BYTE	0xa5
struct vbgt_tcall {
	uint32_t fn;
	uint32_t n;	/* the (input) buffer's size */
	uint32_t m;	/* ECHO: output size; CHECK: the byte spoilt, or -1 */
	uint32_t seed;
	uint8_t *in, *out;
	vbgt_parm p[3];
	unsigned int np;
};
/* @a and @b: each room for the largest size + 4 KiB + VBGT_GUARD. */
void vbgt_tcall_random(struct vbgt_tcall *c, uint64_t *rng,
		       uint32_t (*size)(uint64_t *rng), uint8_t *a, uint8_t *b);
/* 0 if the completed call's data is right, else -1 and why in @why. */
int vbgt_tcall_check(const struct vbgt_tcall *c, char *why, size_t len);
int vbgt_guard_ok(const uint8_t *p);

/* Unprivileged helpers. */
int vbgt_drop_privileges(void);
pid_t vbgt_fork_user(void (*fn)(void *), void *arg);
int vbgt_wait_child(pid_t pid, unsigned int timeout_ms);
int vbgt_run_as_user(void (*fn)(void *), void *arg);

/* Control channel. */
int vbgt_ctl(char *reply, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vbgt_ctl_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
long long vbgt_ctl_num(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
long long vbgt_counter(const char *name);
long long vbgt_counter_wait_change(const char *name, long long from,
				    unsigned int timeout_ms);
long long vbgt_state(const char *name);
long long vbgt_ctl_field(const char *cmd, const char *name);
void vbgt_ctl_at_end(const char *cmd);

#endif /* VBGT_H */
