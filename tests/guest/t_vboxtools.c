// SPDX-License-Identifier: GPL-2.0
/*
 * t_vboxtools: VirtualBox's own guest userspace (Debian's
 * virtualbox-guest-utils 7.2: VBoxControl, VBoxService) as a client of the
 * driver, black boxes run and never read.  run.sh puts them and the trixie
 * libraries they need into the initramfs (suites.txt flag vbox-userspace).
 * What the host saw is checked through the emulator's control channel:
 * guest properties, host time requests, facility status, balloon size,
 * CPU hot-plug monitoring; every call the guest property service refused
 * must be one a real host refuses the same way (vmmdev-spec.md 8.1).
 */
#include "vbgt.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VBOXCONTROL	"/usr/sbin/VBoxControl"
#define VBOXSERVICE	"/usr/sbin/VBoxService"
#define VBOXCLIENT	"/usr/bin/VBoxClient"
#define MOUNT_VBOXSF	"/usr/sbin/mount.vboxsf"
/* The vboxsf.ko that goes with the driver under test (run.sh). */
#define VBOXSF_KO	"/lib/modules/vboxsf/vboxsf.ko"
#define OUT_MAX		16384

/* VBoxService's facility (vmmdev-spec.md 5.3) and its statuses. */
#define FAC_VBOXSERVICE	100
#define FAC_ACTIVE	50
#define FAC_TERMINATED	101
#define FAC_FAILED	800

/* Guest property functions (vmmdev-spec.md 8.1). */
#define GP_FN_GET	1
#define GP_FN_ENUM	5
#define GP_FN_WAIT	6

/* Prints @out as diagnostics, one line each (at most 60 lines). */
static void diag_output(const char *what, const char *out)
{
	const char *p = out;
	int n = 0;

	vbgt_diag("%s:", what);
	while (*p && n < 60) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		vbgt_diag("  | %.*s", len, p);
		p += len + (nl ? 1 : 0);
		n++;
	}
}

/*
 * Runs @argv (stdout and stderr into @out) and waits up to @timeout_ms.
 * Returns its exit status, 128 + signal, or -1 on timeout (killed).
 */
static int run_as(char *out, size_t len, unsigned int timeout_ms,
		  bool as_user, const char *const argv[])
{
	uint64_t end = vbgt_now_ms() + timeout_ms;
	size_t used = 0;
	int pfd[2], st;
	pid_t pid;

	out[0] = '\0';
	ASSERT(pipe(pfd) == 0, "pipe: %s", strerror(errno));
	pid = fork();
	ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		if (as_user && vbgt_drop_privileges())
			_exit(126);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		uint64_t now = vbgt_now_ms();
		char sink[512];
		ssize_t r;

		if (now >= end) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, (int)(end - now)) <= 0)
			continue;
		if (used < len - 1)
			r = read(pfd[0], out + used, len - 1 - used);
		else
			r = read(pfd[0], sink, sizeof(sink));
		if (r <= 0)
			break;
		if (used < len - 1)
			used += (size_t)r;
		out[used] = '\0';
	}
	close(pfd[0]);
	st = vbgt_wait_child(pid, end > vbgt_now_ms() ?
				  (unsigned int)(end - vbgt_now_ms()) + 100 : 100);
	return vbgt_now_ms() >= end ? -1 : st;
}

static int run(char *out, size_t len, unsigned int timeout_ms,
	       const char *const argv[])
{
	return run_as(out, len, timeout_ms, false, argv);
}

#define RUN(out, ms, ...) ({						\
	const char *const argv_[] = { __VA_ARGS__, NULL };		\
	run(out, sizeof(out), ms, argv_);				\
})

/* VBoxControl with @args must exit 0; its output is in @out. */
#define CONTROL_OK(out, ...) do {					\
	int st_ = RUN(out, 15000, VBOXCONTROL, "--nologo", __VA_ARGS__);\
	if (st_ != 0)							\
		diag_output("VBoxControl output", out);			\
	ASSERT_EQ(st_, 0);						\
} while (0)

/* The host's value of property @name into @value; false if absent. */
static bool host_prop(const char *name, char *value, size_t len, char *flags,
		      size_t flen)
{
	char reply[2048], *line, *save = NULL;
	int r = vbgt_ctl(reply, sizeof(reply), "guestprop-get %s", name);

	ASSERT(r >= 0, "control channel failed");
	if (r)
		return false;
	value[0] = '\0';
	if (flags)
		flags[0] = '\0';
	for (line = strtok_r(reply, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "value ", 6))
			snprintf(value, len, "%s", line + 6);
		else if (!strcmp(line, "value"))
			value[0] = '\0';
		else if (flags && !strncmp(line, "flags ", 6))
			snprintf(flags, flen, "%s", line + 6);
	}
	return true;
}

/* A property name of this case's own. */
static void prop_name(char *buf, size_t len, const char *leaf)
{
	snprintf(buf, len, "/VBGT/tools/%d/%s", (int)getpid(), leaf);
}

/*
 * Every call the guest property service refused since the last clear must
 * be one a real host refuses the same way for what the guest asked:
 * VERR_NOT_FOUND for a get of an absent property, VERR_BUFFER_OVERFLOW for
 * a get, enumerate or wait with a buffer too small (the guest then asks
 * again with the size the host returned), and the statuses in @extra
 * ("FN:STATUS" words, e.g. "2:-10").  Anything else fails the case, with
 * the refused call.
 */
static void check_refusals(const char *extra)
{
	char reply[8192], *line, *save = NULL;
	long long total = -1;
	int listed = 0;

	ASSERT(vbgt_ctl(reply, sizeof(reply), "guestprop-refusals") == 0,
	       "guestprop-refusals failed");
	for (line = strtok_r(reply, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned int fn;
		int rc, n = 0;
		char key[32];
		bool ok;

		if (!strncmp(line, "ok ", 3)) {
			total = strtoll(line + 3, NULL, 0);
			continue;
		}
		if (sscanf(line, "refusal %u %d %n", &fn, &rc, &n) != 2 || !n)
			continue;
		listed++;
		snprintf(key, sizeof(key), "%u:%d", fn, rc);
		ok = (fn == GP_FN_GET && rc == VERR_NOT_FOUND) ||
		     ((fn == GP_FN_GET || fn == GP_FN_ENUM || fn == GP_FN_WAIT) &&
		      rc == VERR_BUFFER_OVERFLOW);
		if (!ok && extra) {
			const char *e = strstr(extra, key);

			ok = e && (e == extra || e[-1] == ' ') &&
			     (e[strlen(key)] == ' ' || !e[strlen(key)]);
		}
		vbgt_diag("guest property service refused fn %u \"%s\" with %d%s",
			  fn, line + n, rc, ok ? " (as a real host does)" : "");
		EXPECT(ok, "fn %u \"%s\" refused with %d: a real host accepts it",
		       fn, line + n, rc);
	}
	EXPECT(total >= 0, "no count in guestprop-refusals");
	EXPECT(total <= 64 || listed == 64,
	       "%lld refusals, %d listed", total, listed);
}

static void clear_refusals(void)
{
	vbgt_ctl_ok("guestprop-refusals-clear");
}

/* Does the guest kernel have IPv4 sockets (the debug kernel has none)? */
static bool guest_has_inet(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * The errors a VirtualBox program logged (lines with "Error" or a VERR_
 * status): each must be one this guest image explains, never a refusal by
 * the host.  Explained: no D-Bus here (vminfo falls back to other ways of
 * finding logged-in users), VBoxService's handling of VBoxDRMClient (VMSVGA
 * resizing; no VMSVGA device here: VERR_FILE_NOT_FOUND), no X or Wayland
 * libraries (VBoxClient probes for them), and on a kernel without IPv4
 * sockets vminfo's network part.
 */
static void check_errors(const char *out)
{
	static const char * const explained[] = {
		"D-Bus", "VMSVGA DRM resizing client", "rtldrNativeLoad: dlopen(",
		"VMInfo/Network: Failed to get a socket",
	};
	size_t n = sizeof(explained) / sizeof(explained[0]) -
		   (guest_has_inet() ? 1 : 0);
	const char *p = out;

	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);
		char line[512];
		bool ok = false;
		size_t i;

		snprintf(line, sizeof(line), "%.*s", len, p);
		p += len + (nl ? 1 : 0);
		if (!strstr(line, "Error") && !strstr(line, "VERR_"))
			continue;
		for (i = 0; i < n; i++)
			ok = ok || strstr(line, explained[i]);
		EXPECT(ok, "unexplained error: %s", line);
	}
}

/*
 * The emulator's counters of requests it refused outright (unknown or
 * unimplemented types, wrong sizes, linear HGCM buffers it cannot map):
 * none of these may grow while VirtualBox's programs run.
 */
struct host_refusals {
	long long rejected, unknown, linear;
};

static void host_refusals_get(struct host_refusals *r)
{
	r->rejected = vbgt_counter("req.rejected");
	r->unknown = vbgt_counter("req.unknown_type");
	r->linear = vbgt_counter("hgcm.linear_rejected");
}

static void check_host_refusals(const struct host_refusals *before)
{
	struct host_refusals now;

	host_refusals_get(&now);
	EXPECT_EQ(now.rejected - before->rejected, 0);
	EXPECT_EQ(now.unknown - before->unknown, 0);
	EXPECT_EQ(now.linear - before->linear, 0);
}

/* ---- VBoxService ------------------------------------------------------ */

struct service {
	pid_t pid;
	char log[64];
};

/* Starts VBoxService in the foreground with only @svc (--only-@svc). */
static void service_start(struct service *s, const char *svc, const char *opt)
{
	char only[48];
	int fd;

	snprintf(only, sizeof(only), "--only-%s", svc);
	snprintf(s->log, sizeof(s->log), "/tmp/vboxservice-%s.%d", svc,
		 (int)getpid());
	s->pid = fork();
	ASSERT(s->pid >= 0, "fork: %s", strerror(errno));
	if (s->pid == 0) {
		fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		setpgid(0, 0);
		execl(VBOXSERVICE, VBOXSERVICE, "-f", "-v", only, opt,
		      (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", VBOXSERVICE, strerror(errno));
		_exit(127);
	}
}

/* Its output so far into @out. */
static void service_output(const struct service *s, char *out, size_t len)
{
	int fd = open(s->log, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, out, len - 1) : -1;

	out[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

static void service_diag(const struct service *s)
{
	char out[OUT_MAX];

	service_output(s, out, sizeof(out));
	diag_output("VBoxService output", out);
}

/* Still running? */
static bool service_alive(const struct service *s)
{
	int st;

	return waitpid(s->pid, &st, WNOHANG) == 0;
}

/*
 * Ends it with SIGTERM (as an init system would); it must exit by itself
 * within 10 s.  Returns its exit status.
 */
static int service_stop(struct service *s)
{
	int st;

	kill(s->pid, SIGTERM);
	st = vbgt_wait_child(s->pid, 10000);
	if (st < 0)
		service_diag(s);
	EXPECT(st >= 0, "VBoxService did not end within 10 s of SIGTERM");
	/* What it started (VBoxDRMClient) ends with it. */
	if (kill(-s->pid, SIGKILL) == 0)
		vbgt_diag("processes VBoxService started were left: killed");
	return st;
}

/* The status the host has for facility @id. */
static long long facility(unsigned int id)
{
	return vbgt_ctl_num("facility %u", id);
}

/*
 * Waits up to @ms for @cond (re-evaluated every 100 ms); the service must
 * stay alive meanwhile.
 */
#define WAIT_FOR(s, ms, cond) ({					\
	uint64_t end_ = vbgt_now_ms() + (ms);				\
	bool ok_;							\
	while (!(ok_ = (cond)) && vbgt_now_ms() < end_ &&		\
	       service_alive(s))					\
		vbgt_sleep_ms(100);					\
	ok_;								\
})

/* ---- cases ------------------------------------------------------------ */

static void tools_run(void)
{
	char out[OUT_MAX];

	ASSERT(access(VBOXCONTROL, X_OK) == 0 && access(VBOXSERVICE, X_OK) == 0,
	       "VirtualBox's guest userspace is not in the guest image");
	CONTROL_OK(out, "--version");
	EXPECT(!strncmp(out, "7.2", 3), "VBoxControl --version: %s", out);
	ASSERT_EQ(RUN(out, 15000, VBOXSERVICE, "--version"), 0);
	EXPECT(!strncmp(out, "7.2", 3), "VBoxService --version: %s", out);
}

static void guestprop_set_get(void)
{
	char name[96], out[OUT_MAX], value[256], flags[64];
	int r;

	clear_refusals();
	prop_name(name, sizeof(name), "a");
	CONTROL_OK(out, "guestproperty", "set", name, "hello-from-guest");
	ASSERT(host_prop(name, value, sizeof(value), flags, sizeof(flags)),
	       "the host has no %s", name);
	EXPECT(!strcmp(value, "hello-from-guest"), "host value '%s'", value);
	EXPECT(!strcmp(flags, ""), "host flags '%s'", flags);
	CONTROL_OK(out, "guestproperty", "get", name);
	EXPECT(strstr(out, "Value: hello-from-guest"), "get printed: %s", out);

	/* A value the host sets, read by the guest. */
	vbgt_ctl_ok("guestprop-set %s from-host", name);
	CONTROL_OK(out, "guestproperty", "get", name, "-verbose");
	EXPECT(strstr(out, "Value: from-host"), "get printed: %s", out);
	diag_output("get -verbose", out);

	/* With flags. */
	prop_name(name, sizeof(name), "flagged");
	CONTROL_OK(out, "guestproperty", "set", name, "v", "--flags",
		   "TRANSIENT,RDONLYHOST");
	ASSERT(host_prop(name, value, sizeof(value), flags, sizeof(flags)),
	       "the host has no %s", name);
	EXPECT(!strcmp(flags, "TRANSIENT, RDONLYHOST"), "host flags '%s'", flags);
	r = vbgt_ctl(NULL, 0, "guestprop-set %s x", name);
	EXPECT(r == 1, "the host changed a RDONLYHOST property");

	/* Absent: VBoxControl fails, the host said VERR_NOT_FOUND. */
	prop_name(name, sizeof(name), "absent");
	EXPECT(RUN(out, 15000, VBOXCONTROL, "--nologo", "guestproperty", "get",
		   name) != 0, "get of an absent property succeeded: %s", out);
	check_refusals(NULL);
}

static void guestprop_enumerate(void)
{
	char name[96], pat[96], out[OUT_MAX];
	int i;

	clear_refusals();
	for (i = 0; i < 3; i++) {
		char leaf[16], val[16];

		snprintf(leaf, sizeof(leaf), "e%d", i);
		snprintf(val, sizeof(val), "val%d", i);
		prop_name(name, sizeof(name), leaf);
		vbgt_ctl_ok("guestprop-set %s %s", name, val);
	}
	prop_name(pat, sizeof(pat), "e*");
	CONTROL_OK(out, "guestproperty", "enumerate", "-patterns", pat);
	diag_output("enumerate", out);
	for (i = 0; i < 3; i++) {
		char leaf[16], val[16];

		snprintf(leaf, sizeof(leaf), "e%d", i);
		snprintf(val, sizeof(val), "val%d", i);
		prop_name(name, sizeof(name), leaf);
		EXPECT(strstr(out, name) && strstr(out, val),
		       "%s = %s not listed", name, val);
	}
	EXPECT(!strstr(out, "/VirtualBox/HostInfo/VBoxVer"),
	       "a property outside the pattern listed");
	/* All of them: the host's own are there too. */
	CONTROL_OK(out, "guestproperty", "enumerate");
	EXPECT(strstr(out, "/VirtualBox/HostInfo/VBoxVer"),
	       "the host's properties not listed");
	check_refusals(NULL);
}

static void guestprop_wait(void)
{
	char name[96], pat[96], out[OUT_MAX];
	const char *argv[] = { VBOXCONTROL, "--nologo", "guestproperty", "wait",
			       pat, "-timeout", "15000", NULL };
	int st, tries = 0;
	bool done = false;
	char *shared;
	pid_t pid;

	clear_refusals();
	prop_name(pat, sizeof(pat), "w*");
	prop_name(name, sizeof(name), "w1");
	shared = vbgt_shared(OUT_MAX + sizeof(int));
	pid = fork();
	ASSERT(pid >= 0, "fork");
	if (pid == 0) {
		int *rc = (int *)(shared + OUT_MAX);

		*rc = run(shared, OUT_MAX, 20000, argv);
		_exit(0);
	}
	/*
	 * The wait may not have reached the host yet: set again (a new value
	 * each time) until VBoxControl ended, never relying on timing.
	 */
	while (!done && tries < 30) {
		uint64_t end = vbgt_now_ms() + 500;

		vbgt_ctl_ok("guestprop-set %s v%d", name, tries++);
		while (!done && vbgt_now_ms() < end) {
			done = waitpid(pid, &st, WNOHANG) == pid;
			vbgt_sleep_ms(20);
		}
	}
	if (!done)
		EXPECT(vbgt_wait_child(pid, 5000) == 0, "wait helper");
	snprintf(out, sizeof(out), "%s", shared);
	diag_output("wait", out);
	EXPECT_EQ(*(int *)(shared + OUT_MAX), 0);
	EXPECT(strstr(out, name), "the change of %s not reported", name);
	check_refusals(NULL);
}

static void guestprop_delete(void)
{
	char name[96], out[OUT_MAX], value[64];

	clear_refusals();
	prop_name(name, sizeof(name), "d");
	vbgt_ctl_ok("guestprop-set %s doomed", name);
	CONTROL_OK(out, "guestproperty", "delete", name);
	EXPECT(!host_prop(name, value, sizeof(value), NULL, 0),
	       "%s still on the host (%s)", name, value);
	/* Deleting what is not there succeeds (spec 8.1). */
	CONTROL_OK(out, "guestproperty", "delete", name);
	check_refusals(NULL);
}

static void guestprop_host_readonly(void)
{
	char out[OUT_MAX], value[64];
	const char *name = "/VirtualBox/HostInfo/VBoxVer";

	clear_refusals();
	ASSERT(host_prop(name, value, sizeof(value), NULL, 0), "no %s", name);
	EXPECT(RUN(out, 15000, VBOXCONTROL, "--nologo", "guestproperty", "set",
		   name, "6.6.6") != 0, "set of %s succeeded: %s", name, out);
	diag_output("set of a host-reserved property", out);
	EXPECT(host_prop(name, out, sizeof(out), NULL, 0) &&
	       !strcmp(out, value), "%s changed to %s", name, out);
	/* SET_PROP_VALUE or SET_PROP, both VERR_PERMISSION_DENIED. */
	check_refusals("2:-10 3:-10");
}

/*
 * VBoxControl opens /dev/vboxguest, which only root may open: as uid 1000
 * it fails without reaching the host.
 */
static void control_user_denied(void)
{
	const char *argv[] = { VBOXCONTROL, "--nologo", "guestproperty", "get",
			       "/VirtualBox/HostInfo/VBoxVer", NULL };
	long long connects = vbgt_counter("hgcm.connects");
	char out[OUT_MAX];
	int st;

	st = run_as(out, sizeof(out), 15000, true, argv);
	diag_output("VBoxControl as uid 1000", out);
	EXPECT(st > 0 && st < 128, "exit status %d", st);
	EXPECT_EQ(vbgt_counter("hgcm.connects") - connects, 0);
}

static void writelog(void)
{
	char out[OUT_MAX], marker[64], *klog;
	int n;

	snprintf(marker, sizeof(marker), "vbgt-writelog-%d-%llu", (int)getpid(),
		 (unsigned long long)vbgt_now_us());
	CONTROL_OK(out, "writelog", marker);
	klog = malloc(1 << 20);
	ASSERT(klog, "malloc");
	n = klogctl(3, klog, 1 << 20);	/* SYSLOG_ACTION_READ_ALL */
	ASSERT(n > 0, "klogctl: %s", strerror(errno));
	klog[n] = '\0';
	EXPECT(strstr(klog, marker), "%s not in the kernel log", marker);
	free(klog);
}

/*
 * The facility status VBoxService reports after SIGTERM.  Measured with
 * 7.2.22 in this guest, on both drivers: 800 (failed); its log says just
 * before "VMSVGA DRM resizing client could not be stopped,
 * rc=VERR_FILE_NOT_FOUND" (there is no VBoxDRMClient here), which may be
 * why.  101 (terminated) would be the clean end.  Either way it must no
 * longer be active.
 */
static void check_facility_ended(void)
{
	long long st = facility(FAC_VBOXSERVICE);

	vbgt_diag("facility %d after SIGTERM: %lld", FAC_VBOXSERVICE, st);
	EXPECT(st == FAC_TERMINATED || st == FAC_FAILED,
	       "facility %d is %lld after VBoxService ended", FAC_VBOXSERVICE, st);
}

/*
 * Runs VBoxService with only @svc (and option @opt if not NULL): it must report itself active to the
 * host (facility 100) and stay up for @run_ms; then SIGTERM ends it (exit
 * status 0) and the host sees the facility end.  @check runs while it is
 * up (after the facility went active); the output is shown on failure.
 */
static void service_cycle(const char *svc, unsigned int run_ms,
			  void (*check)(struct service *s), const char *opt)
{
	struct host_refusals before;
	char out[OUT_MAX];
	struct service s;

	host_refusals_get(&before);
	service_start(&s, svc, opt);
	EXPECT(WAIT_FOR(&s, 15000, facility(FAC_VBOXSERVICE) == FAC_ACTIVE),
	       "facility %d: %lld", FAC_VBOXSERVICE, facility(FAC_VBOXSERVICE));
	if (check)
		check(&s);
	vbgt_sleep_ms(run_ms);
	EXPECT(service_alive(&s), "VBoxService ended by itself");
	EXPECT_EQ(service_stop(&s), 0);
	check_facility_ended();
	service_output(&s, out, sizeof(out));
	check_errors(out);
	check_host_refusals(&before);
	if (vbgt_failed())
		diag_output("VBoxService output", out);
}

/* The host's UTC in ms (request 10, GetHostTime, spec 5.5). */
static long long host_time_ms(void)
{
	struct {
		struct vbg_ioctl_hdr hdr;
		uint64_t time;
	} __attribute__((packed)) req;
	int fd = vbgt_open(VBGT_NODE_ROOT);

	vbgt_vmmreq_init(&req, sizeof(req), VMMDEVREQ_GET_HOST_TIME);
	ASSERT_EQ(vbgt_vmmreq(fd, &req, sizeof(req)), 0);
	ASSERT_EQ(req.hdr.rc, VINF_SUCCESS);
	close(fd);
	return (long long)req.time;
}

static long long guest_time_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long timesync_before;

/* The guest's clock follows the host's again. */
static bool clock_synced(void)
{
	long long d = guest_time_ms() - host_time_ms();

	return d > -5000 && d < 5000;
}

static void timesync_check(struct service *s)
{
	EXPECT(WAIT_FOR(s, 15000, vbgt_counter("req.10") > timesync_before),
	       "no host time request (req.10 stays %lld)", timesync_before);
	EXPECT(WAIT_FOR(s, 15000, clock_synced()),
	       "guest clock %lld ms off the host's",
	       guest_time_ms() - host_time_ms());
}

/*
 * The guest's clock an hour behind; VBoxService's timesync, told to set
 * the time at start, asks the host for the time and puts the clock right.
 */
static void service_timesync(void)
{
	struct timespec ts;

	clear_refusals();
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec -= 3600;
	ASSERT(clock_settime(CLOCK_REALTIME, &ts) == 0, "clock_settime: %s",
	       strerror(errno));
	vbgt_diag("guest clock set %lld ms off the host's",
		  guest_time_ms() - host_time_ms());
	timesync_before = vbgt_counter("req.10");
	service_cycle("timesync", 2000, timesync_check, "--timesync-set-start");
	vbgt_diag("host time requests: %lld, guest clock now %lld ms off",
		  vbgt_counter("req.10") - timesync_before,
		  guest_time_ms() - host_time_ms());
	/* Whatever happened: the clock back where the host has it. */
	if (!clock_synced()) {
		long long t = host_time_ms();

		ts.tv_sec = t / 1000;
		ts.tv_nsec = (t % 1000) * 1000000;
		clock_settime(CLOCK_REALTIME, &ts);
	}
	check_refusals(NULL);
}

/* The property @name as the host has it must be @want. */
static void expect_host_prop(const char *name, const char *want)
{
	char value[1024], flags[64];

	if (!host_prop(name, value, sizeof(value), flags, sizeof(flags))) {
		EXPECT(0, "the host has no %s", name);
		return;
	}
	vbgt_diag("host: %s = \"%s\" (flags \"%s\")", name, value, flags);
	EXPECT(!strcmp(value, want), "%s is \"%s\", want \"%s\"", name, value,
	       want);
}

static bool host_has(const char *name)
{
	char value[1024];

	return host_prop(name, value, sizeof(value), NULL, 0);
}

static void vminfo_check(struct service *s)
{
	const char *users = "/VirtualBox/GuestInfo/OS/LoggedInUsers";
	char value[1024];
	struct utsname u;

	ASSERT(uname(&u) == 0, "uname");
	/* Its first round of writes ends with the logged-in users. */
	EXPECT(WAIT_FOR(s, 30000, (vbgt_sleep_ms(900), host_has(users))),
	       "no %s from vminfo", users);
	expect_host_prop("/VirtualBox/GuestInfo/OS/Product", "Linux");
	expect_host_prop("/VirtualBox/GuestInfo/OS/Release", u.release);
	expect_host_prop(users, "0");
	expect_host_prop("/VirtualBox/GuestInfo/OS/NoLoggedInUsers", "true");
	/* No network device; without IPv4 sockets vminfo cannot look. */
	if (guest_has_inet())
		expect_host_prop("/VirtualBox/GuestInfo/Net/Count", "0");
	else
		vbgt_diag("no IPv4 sockets in this kernel: no network information");
	EXPECT(host_prop("/VirtualBox/GuestAdd/Version", value, sizeof(value),
			 NULL, 0) && !strncmp(value, "7.2.", 4),
	       "/VirtualBox/GuestAdd/Version: %s", value);
}

static void service_vminfo(void)
{
	clear_refusals();
	service_cycle("vminfo", 1000, vminfo_check, NULL);
	check_refusals(NULL);
}

static void memballoon_check(struct service *s)
{
	vbgt_ctl_ok("balloon 2");
	EXPECT(WAIT_FOR(s, 20000, vbgt_state("balloon_pages") == 512),
	       "balloon at %lld pages, want 512", vbgt_state("balloon_pages"));
	vbgt_ctl_ok("balloon 0");
	EXPECT(WAIT_FOR(s, 20000, vbgt_state("balloon_pages") == 0),
	       "balloon at %lld pages, want 0", vbgt_state("balloon_pages"));
}

static void service_memballoon(void)
{
	clear_refusals();
	vbgt_ctl_at_end("balloon 0");
	service_cycle("memballoon", 0, memballoon_check, NULL);
	check_refusals(NULL);
}

static void cpuhotplug_check(struct service *s)
{
	EXPECT(WAIT_FOR(s, 15000, vbgt_state("cpu_hotplug_monitoring") == 1),
	       "the host was not asked to report CPU hot-plug events");
}

static void service_cpuhotplug(void)
{
	long long before;

	clear_refusals();
	before = vbgt_counter("req.211");
	service_cycle("cpuhotplug", 2000, cpuhotplug_check, NULL);
	/* It switches the monitoring off again when it ends. */
	EXPECT_EQ(vbgt_state("cpu_hotplug_monitoring"), 0);
	EXPECT_EQ(vbgt_counter("req.211") - before, 2);
	check_refusals(NULL);
}

/*
 * Issue 14's groundwork: VBoxClient (virtualbox-guest-x11) as the desktop
 * user on /dev/vboxuser, without an X server: --checkhostversion compares
 * the host's version with its own and ends.
 */
static void vboxclient_checkhostversion(void)
{
	const char *argv[] = { VBOXCLIENT, "--checkhostversion", "-f", "-v",
			       "-v", NULL };
	long long connects = vbgt_counter("hgcm.connects");
	struct host_refusals before;
	char out[OUT_MAX], value[256];
	int st;

	clear_refusals();
	host_refusals_get(&before);
	ASSERT(access(VBOXCLIENT, X_OK) == 0, "no %s in the guest image",
	       VBOXCLIENT);
	setenv("HOME", "/tmp", 1);
	st = run_as(out, sizeof(out), 20000, true, argv);
	EXPECT_EQ(st, 0);
	check_errors(out);
	check_host_refusals(&before);
	EXPECT(strstr(out, "Worker loop ended with VINF_SUCCESS"),
	       "its host version check did not end with VINF_SUCCESS");
	if (host_prop("/VirtualBox/GuestAdd/HostVerLastChecked", value,
		      sizeof(value), NULL, 0))
		vbgt_diag("host: HostVerLastChecked = %s", value);
	EXPECT(vbgt_counter("hgcm.connects") > connects,
	       "VBoxClient made no HGCM connection");
	vbgt_diag("HGCM connects: %lld, requestor of the last: %#llx",
		  vbgt_counter("hgcm.connects") - connects,
		  vbgt_ctl_num("last-requestor 60"));
	check_refusals(NULL);
	if (vbgt_failed())
		diag_output("VBoxClient output", out);
}

/* ---- shared folders ---------------------------------------------------- */

/*
 * run.sh's shares (vbox-userspace boots): vbgt read-write, vbgtauto offered
 * for auto-mounting, each with hello.txt = "hello from NAME\n".
 */
#define SHARE		"vbgt"
#define SHARE_AUTO	"vbgtauto"

/**
 * struct host_share - a share as the host lists it (sf-list).
 * @root:      its root id.
 * @name:      its name.
 * @dir:       the host directory.
 * @automount: offered for auto-mounting.
 * @readonly:  read-only.
 * @maps:      mappings by all clients.
 */
struct host_share {
	unsigned int root;
	char name[64];
	char dir[256];
	int automount;
	int readonly;
	long long maps;
};

/* The host's shares into @s (at most @max); returns how many. */
static int host_shares(struct host_share *s, int max)
{
	char reply[8192], *line, *save = NULL;
	int n = 0;

	ASSERT(vbgt_ctl(reply, sizeof(reply), "sf-list") == 0, "sf-list failed");
	for (line = strtok_r(reply, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "share %u %63s %255s %d %d %lld", &s[n].root,
			   s[n].name, s[n].dir, &s[n].automount, &s[n].readonly,
			   &s[n].maps) == 6)
			n++;
	}
	return n;
}

/* The host's pending WAIT_FOR_MAPPINGS_CHANGES calls. */
static long long host_sf_waits(void)
{
	char reply[8192];
	const char *w;

	ASSERT(vbgt_ctl(reply, sizeof(reply), "sf-list") == 0, "sf-list failed");
	w = strstr(reply, "waits ");
	ASSERT(w, "no waits line in sf-list");
	return strtoll(w + 6, NULL, 0);
}

/* The host's share @name into @out; false if it has none. */
static bool host_share(const char *name, struct host_share *out)
{
	struct host_share s[64];
	int i, n = host_shares(s, 64);

	for (i = 0; i < n; i++)
		if (!strcmp(s[i].name, name)) {
			*out = s[i];
			return true;
		}
	return false;
}

/* The host's mapping count of share @name (-1: no such share). */
static long long host_maps(const char *name)
{
	struct host_share s;

	return host_share(name, &s) ? s.maps : -1;
}

/*
 * Every call the shared-folder service refused since the last clear must
 * be one a real host gives for what was asked: VERR_FILE_NOT_FOUND /
 * VERR_PATH_NOT_FOUND for an absent object, VERR_NO_MORE_FILES at the end
 * of a listing (spec 8.2, fs/vboxsf).  Never VERR_NOT_IMPLEMENTED,
 * VERR_INVALID_PARAMETER or anything else.
 */
static void check_sf_refusals(void)
{
	char reply[4096], *line, *save = NULL;
	long long total = -1;

	ASSERT(vbgt_ctl(reply, sizeof(reply), "sf-refusals") == 0,
	       "sf-refusals failed");
	for (line = strtok_r(reply, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned int fn;
		int rc;
		bool ok;

		if (!strncmp(line, "ok ", 3)) {
			total = strtoll(line + 3, NULL, 0);
			continue;
		}
		if (sscanf(line, "refusal %u %d", &fn, &rc) != 2)
			continue;
		ok = rc == -102 || rc == -103 || rc == -201;
		vbgt_diag("shared-folder service refused fn %u with %d%s", fn,
			  rc, ok ? " (as a real host does)" : "");
		EXPECT(ok, "shared-folder fn %u refused with %d: a real host accepts it",
		       fn, rc);
	}
	EXPECT(total >= 0, "no count in sf-refusals");
}

/*
 * vboxsf loaded (from VBOXSF_KO if it is not yet; the debug kernel has it
 * built in, with /sys/module/vboxsf for its parameter); skips without one.
 */
static void vboxsf_load(void)
{
	int fd;

	if (access("/sys/module/vboxsf", F_OK) == 0)
		return;
	if (access(VBOXSF_KO, R_OK))
		vbgt_skip("no vboxsf in this kernel and no vboxsf.ko for it in "
			  "the image");
	fd = open(VBOXSF_KO, O_RDONLY | O_CLOEXEC);
	ASSERT(fd >= 0, "%s: %s", VBOXSF_KO, strerror(errno));
	ASSERT(syscall(SYS_finit_module, fd, "", 0) == 0 || errno == EEXIST,
	       "finit_module(vboxsf.ko): %s", strerror(errno));
	close(fd);
}

/* The vboxsf mount of share @name: its mount point into @mp; false if none. */
static bool vboxsf_mounted(const char *name, char *mp, size_t len)
{
	char src[256], dir[256], type[64];
	bool found = false;
	FILE *f = fopen("/proc/mounts", "r");

	ASSERT(f, "/proc/mounts: %s", strerror(errno));
	while (!found && fscanf(f, "%255s %255s %63s %*[^\n]", src, dir, type) == 3)
		if (!strcmp(type, "vboxsf") && !strcmp(src, name)) {
			snprintf(mp, len, "%s", dir);
			found = true;
		}
	fclose(f);
	return found;
}

/* The first line of @path into @buf ("" if it cannot be read). */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = '\0';
		fclose(f);
	}
}

/*
 * The line of VBoxControl's sharedfolder list @out for share @name
 * ("NN - NAME [idRoot=R FLAGS...]") into @line; false if not listed.
 */
static bool listed_line(const char *out, const char *name, char *line,
			size_t len)
{
	char key[80];
	const char *at, *start, *end;

	snprintf(key, sizeof(key), " - %.63s [", name);
	at = strstr(out, key);
	if (!at)
		return false;
	for (start = at; start > out && start[-1] != '\n'; start--)
		;
	end = at + strcspn(at, "\n");
	snprintf(line, len, "%.*s", (int)(end - start), start);
	return true;
}

/* Does @line have the word @w (between blanks or brackets)? */
static bool has_word(const char *line, const char *w)
{
	size_t n = strlen(w);
	const char *at;

	for (at = strstr(line, w); at; at = strstr(at + 1, w))
		if ((at[-1] == ' ' || at[-1] == '[') &&
		    (at[n] == ' ' || at[n] == ']'))
			return true;
	return false;
}

/*
 * VBoxControl sharedfolder list: every share the host has, with its root
 * id, writable or read-only, auto-mount and the host's mount point as the
 * host has them (QUERY_MAP_INFO); with --automount only the auto-mount
 * ones.  A read-only share with a mount point is added for it.
 */
static void sharedfolder_list(void)
{
	struct host_share s[64], vbgt;
	char out[OUT_MAX], line[256], word[64];
	int i, n;

	vbgt_ctl_ok("sf-refusals-clear");
	ASSERT(host_share(SHARE, &vbgt), "no share %s on the host", SHARE);
	vbgt_ctl_at_end("sf-remove vbgtro");
	vbgt_ctl_ok("sf-add vbgtro %s ro mp=/mnt/ro-here", vbgt.dir);
	n = host_shares(s, 64);
	ASSERT(n >= 3, "the host has %d shares (run.sh gives this boot two)", n);
	CONTROL_OK(out, "sharedfolder", "list");
	diag_output("sharedfolder list", out);
	for (i = 0; i < n; i++) {
		if (!listed_line(out, s[i].name, line, sizeof(line))) {
			EXPECT(0, "share %s not listed", s[i].name);
			continue;
		}
		snprintf(word, sizeof(word), "[idRoot=%u", s[i].root);
		EXPECT(strstr(line, word), "%s: not root %u", line, s[i].root);
		EXPECT(has_word(line, s[i].readonly ? "readonly" : "writable"),
		       "%s: the host has it %s", line,
		       s[i].readonly ? "read-only" : "writable");
		EXPECT(has_word(line, "auto-mount") == !!s[i].automount,
		       "%s: auto-mount %d on the host", line, s[i].automount);
		EXPECT(!strcmp(s[i].name, "vbgtro") ==
		       has_word(line, "mnt-pt=/mnt/ro-here"),
		       "%s: the host's mount point", line);
	}
	CONTROL_OK(out, "sharedfolder", "list", "--automount");
	diag_output("sharedfolder list --automount", out);
	for (i = 0; i < n; i++) {
		bool listed = listed_line(out, s[i].name, line, sizeof(line));

		EXPECT(listed == !!s[i].automount, "share %s (auto %d) %slisted",
		       s[i].name, s[i].automount, listed ? "" : "not ");
	}
	check_sf_refusals();
}

/*
 * mount.vboxsf of the read-write share on vboxsf.ko (ours: the in-tree
 * vboxsf built against our driver; the reference: Debian's): the host sees
 * the mapping, the host's file reads back (owned by the uid and gid of the
 * mount options), a file written through the mount is there after
 * unmounting and mounting again (read-only: EROFS), and the mapping is
 * gone after umount; an absent share is refused.
 */
static void mount_vboxsf(void)
{
	const char *mp = "/mnt/vbgt";
	char out[OUT_MAX], line[128], mounted[256];
	struct stat st = { 0 };
	long long maps;
	FILE *f;

	vbgt_ctl_ok("sf-refusals-clear");
	vboxsf_load();
	maps = host_maps(SHARE);
	ASSERT(maps >= 0, "the host has no share %s", SHARE);
	mkdir("/mnt", 0755);
	mkdir(mp, 0755);
	ASSERT(RUN(out, 20000, MOUNT_VBOXSF, "-n", "-o", "uid=1000,gid=1000",
		   SHARE, mp) == 0, "mount.vboxsf: %s", out);
	EXPECT(vboxsf_mounted(SHARE, mounted, sizeof(mounted)) &&
	       !strcmp(mounted, mp), "no vboxsf mount of %s on %s", SHARE, mp);
	EXPECT(host_maps(SHARE) > maps, "the host saw no mapping of %s", SHARE);
	read_line("/mnt/vbgt/hello.txt", line, sizeof(line));
	EXPECT(!strcmp(line, "hello from " SHARE "\n"), "hello.txt: '%s'", line);
	/* Its options reached vboxsf. */
	EXPECT(stat("/mnt/vbgt/hello.txt", &st) == 0 && st.st_uid == 1000 &&
	       st.st_gid == 1000, "hello.txt owned by %u:%u, want 1000:1000",
	       st.st_uid, st.st_gid);
	f = fopen("/mnt/vbgt/from-guest.txt", "w");
	ASSERT(f, "create through the mount: %s", strerror(errno));
	fprintf(f, "written by the guest %d\n", (int)getpid());
	ASSERT(fclose(f) == 0, "write through the mount: %s", strerror(errno));
	ASSERT(umount(mp) == 0, "umount: %s", strerror(errno));
	EXPECT_EQ(host_maps(SHARE), maps);

	/* Again: what the guest wrote came back from the host. */
	ASSERT(RUN(out, 20000, MOUNT_VBOXSF, "-n", "-o", "ro", SHARE, mp) == 0,
	       "mount.vboxsf -o ro: %s", out);
	read_line("/mnt/vbgt/from-guest.txt", line, sizeof(line));
	snprintf(out, sizeof(out), "written by the guest %d\n", (int)getpid());
	EXPECT(!strcmp(line, out), "from-guest.txt: '%s'", line);
	EXPECT(open("/mnt/vbgt/ro.txt", O_WRONLY | O_CREAT, 0644) < 0 &&
	       errno == EROFS, "create on a read-only mount: %s", strerror(errno));
	ASSERT(umount(mp) == 0, "umount: %s", strerror(errno));
	EXPECT_EQ(host_maps(SHARE), maps);

	/* A share the host does not have: refused, no mapping left. */
	EXPECT(RUN(out, 20000, MOUNT_VBOXSF, "-n", "vbgt-absent", mp) != 0,
	       "mount of an absent share succeeded: %s", out);
	diag_output("mount.vboxsf of an absent share", out);
	EXPECT_EQ(host_maps(SHARE), maps);
	check_sf_refusals();
}

static char automount_point[256];

/* The auto-mount share the host adds while VBoxService runs, and where. */
#define SHARE_LATE	"vbgtlate"
#define LATE_MP		"/mnt/vbgt-late"

static void automount_check(struct service *s)
{
	char line[128], path[300], mp[256];
	struct host_share auto_share;

	EXPECT(WAIT_FOR(s, 30000, vboxsf_mounted(SHARE_AUTO, automount_point,
						 sizeof(automount_point))),
	       "VBoxService mounted no %s", SHARE_AUTO);
	vbgt_diag("%s mounted on %s", SHARE_AUTO, automount_point);
	/* Its default place: /media/sf_NAME. */
	EXPECT(!strcmp(automount_point, "/media/sf_" SHARE_AUTO),
	       "mounted on %s", automount_point);
	EXPECT(!vboxsf_mounted(SHARE, path, sizeof(path)),
	       "%s (not auto-mount) mounted on %s", SHARE, path);
	EXPECT(host_maps(SHARE_AUTO) > 0, "the host saw no mapping");
	snprintf(path, sizeof(path), "%s/hello.txt", automount_point);
	read_line(path, line, sizeof(line));
	EXPECT(!strcmp(line, "hello from " SHARE_AUTO "\n"), "%s: '%s'", path,
	       line);

	/*
	 * A share the host adds now, with its own auto-mount point: the
	 * automounter, waiting for mapping changes, mounts it there.
	 */
	EXPECT(WAIT_FOR(s, 15000, host_sf_waits() == 1),
	       "%lld mapping waits pending, want 1", host_sf_waits());
	ASSERT(host_share(SHARE_AUTO, &auto_share), "no %s on the host", SHARE_AUTO);
	vbgt_ctl_at_end("sf-remove " SHARE_LATE);
	vbgt_ctl_ok("sf-add %s %s auto mp=%s", SHARE_LATE, auto_share.dir, LATE_MP);
	EXPECT(WAIT_FOR(s, 30000, vboxsf_mounted(SHARE_LATE, mp, sizeof(mp))),
	       "VBoxService did not mount %s, added while it ran", SHARE_LATE);
	EXPECT(!strcmp(mp, LATE_MP), "%s mounted on %s, want %s", SHARE_LATE,
	       mp, LATE_MP);
	read_line(LATE_MP "/hello.txt", line, sizeof(line));
	EXPECT(!strcmp(line, "hello from " SHARE_AUTO "\n"), "%s: '%s'",
	       LATE_MP "/hello.txt", line);
}

/*
 * What a system with virtualbox-guest-utils installed has and this
 * initramfs has not: the vboxsf group (the package creates it; the
 * automounter gives it the mount points) and /etc/mtab.
 */
static void guest_system_files(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/etc/group", "a+");

	ASSERT(f, "/etc/group: %s", strerror(errno));
	rewind(f);
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "vboxsf:", 7);
	if (!found)
		fprintf(f, "vboxsf:x:990:\n");
	fclose(f);
	if (access("/etc/mtab", F_OK))
		ASSERT(symlink("/proc/self/mounts", "/etc/mtab") == 0,
		       "/etc/mtab: %s", strerror(errno));
}

/*
 * VBoxService --only-automount: mounts the auto-mount share (and only it)
 * at its default mount point, then a share the host adds while it runs at
 * the mount point the host gives (QUERY_MAP_INFO, WAIT_FOR_MAPPINGS_CHANGES);
 * its pending wait ends when it does.
 */
static void service_automount(void)
{
	char mp[256];

	vbgt_ctl_ok("sf-refusals-clear");
	clear_refusals();
	vboxsf_load();
	guest_system_files();
	automount_point[0] = '\0';
	service_cycle("automount", 1000, automount_check, NULL);
	/* Its wait ended with it (CANCEL_MAPPINGS_CHANGES_WAITS). */
	EXPECT_EQ(host_sf_waits(), 0);
	/*
	 * VBoxService 7.2.22 leaves its mounts when it ends (seen on both
	 * drivers): unmounted here, and the late share goes at the end.
	 */
	while (vboxsf_mounted(SHARE_AUTO, mp, sizeof(mp)) && !umount(mp))
		vbgt_diag("unmounted %s from %s", SHARE_AUTO, mp);
	while (vboxsf_mounted(SHARE_LATE, mp, sizeof(mp)) && !umount(mp))
		vbgt_diag("unmounted %s from %s", SHARE_LATE, mp);
	check_sf_refusals();
	check_refusals(NULL);
}

static const struct vbgt_case cases[] = {
	VBGT_CASE(tools_run),
	VBGT_CASE(guestprop_set_get),
	VBGT_CASE(guestprop_enumerate),
	VBGT_CASE_T(guestprop_wait, 40),
	VBGT_CASE(guestprop_delete),
	VBGT_CASE(guestprop_host_readonly),
	VBGT_CASE(control_user_denied),
	VBGT_CASE(writelog),
	VBGT_CASE_T(service_timesync, 60),
	VBGT_CASE_T(service_vminfo, 90),
	VBGT_CASE_T(service_memballoon, 90),
	VBGT_CASE_T(service_cpuhotplug, 60),
	VBGT_CASE_T(vboxclient_checkhostversion, 45),
	VBGT_CASE_T(sharedfolder_list, 40),
	VBGT_CASE_T(mount_vboxsf, 60),
	VBGT_CASE_T(service_automount, 90),
};

VBGT_SUITE("t_vboxtools", cases)
