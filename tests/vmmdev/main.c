// SPDX-License-Identifier: GPL-2.0
/*
 * VMMDev emulator: command line, wiring and the run loop.
 *
 *	vmmdev-emu --socket PATH --control PATH [options]   (see README)
 *
 * One thread polls the vfio-user socket, the INTx resample eventfd, the
 * control socket and its clients, and a signalfd for SIGTERM/SIGINT.  The
 * model's HGCM worker is the only other thread.  The process ends when
 * QEMU disconnects (after writing --counters-out) or on a signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "control.h"
#include "emu.h"
#include "transport.h"

/**
 * struct emu - the wiring.
 * @x:   the vfio-user transport.
 * @dev: the device model.
 */
struct emu {
	struct xport *x;
	struct vmmdev *dev;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmmdev-emu --socket PATH --control PATH [options]\n"
		"  --counters-out FILE         write the counters and the state on exit\n"
		"  --log FILE                  log file (default stderr)\n"
		"  --features HEX              host feature bits\n"
		"  --heartbeat-interval-ms N   host heartbeat interval\n"
		"  --mouse-host-caps HEX       host-owned mouse bits (default 0x120)\n"
		"  --no-mmap-bar1              every BAR1 access traps\n"
		"  --mmio-req                  offer BAR3, the MMIO request window\n"
		"  --no-ioport                 no BAR0 (as ARM guests see it)\n"
		"  --bar0-size BYTES           a smaller BAR0 (a broken host)\n"
		"  --share NAME=DIR[,auto][,ro]  a shared folder (repeatable)\n");
}

/* Control lines go to the model, after handing it the deferred counts. */
static void emu_exec(void *arg, const char *line, FILE *out)
{
	struct emu *e = arg;

	xport_flush_counts(e->x);
	vmmdev_control(e->dev, line, out);
}

/* Run one start-up command; false (logged) unless it answered "ok". */
static bool emu_setup_cmd(struct emu *e, const char *line)
{
	char *reply = NULL, *last;
	size_t len = 0;
	FILE *out = open_memstream(&reply, &len);
	bool ok;

	if (!out)
		return false;
	vmmdev_control(e->dev, line, out);
	fclose(out);
	while (len && reply[len - 1] == '\n')
		reply[--len] = '\0';
	last = strrchr(reply, '\n');
	last = last ? last + 1 : reply;
	ok = !strncmp(last, "ok", 2) && (last[2] == '\0' || last[2] == ' ');
	if (!ok)
		vmmdev_log("emu: start-up command \"%s\" failed: %s", line, last);
	free(reply);
	return ok;
}

/*
 * --share NAME=DIR[,auto][,ro] as the control command "sf-add NAME DIR
 * [auto] [ro]" (options after the last comma that is one of them).
 */
static bool emu_add_share(struct emu *e, const char *arg)
{
	char line[CTL_MAX_LINE], spec[CTL_MAX_LINE - 16], *eq, *comma;
	bool automount = false, readonly = false;

	if (snprintf(spec, sizeof(spec), "%s", arg) >= (int)sizeof(spec))
		return false;
	eq = strchr(spec, '=');
	if (!eq || eq == spec) {
		vmmdev_log("emu: --share %s: want NAME=DIR[,auto][,ro]", arg);
		return false;
	}
	*eq = '\0';
	while ((comma = strrchr(eq + 1, ',')) &&
	       (!strcmp(comma, ",auto") || !strcmp(comma, ",ro"))) {
		if (!strcmp(comma, ",ro"))
			readonly = true;
		else
			automount = true;
		*comma = '\0';
	}
	snprintf(line, sizeof(line), "sf-add %s %s%s%s", spec, eq + 1,
		 automount ? " auto" : "", readonly ? " ro" : "");
	return emu_setup_cmd(e, line);
}

static int write_counters(struct emu *e, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		vmmdev_log("emu: cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	xport_flush_counts(e->x);
	vmmdev_control(e->dev, "counters", f);
	/* And what the guest left the host with (shutdown handler). */
	vmmdev_control(e->dev, "state", f);
	if (fclose(f)) {
		vmmdev_log("emu: writing %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

#define MAX_POLL	(CTL_MAX_CLIENTS + 4)

/* The run loop; returns when QEMU went away or a signal came. */
static void emu_run(struct emu *e, struct ctl_server *ctl, int sig_fd)
{
	struct pollfd pfd[MAX_POLL];

	for (;;) {
		int n = 0, xi, ri = -1, si, ci, nc, ret;

		xi = n;
		pfd[n++] = (struct pollfd){ .fd = xport_poll_fd(e->x),
					    .events = POLLIN };
		if (xport_resample_fd(e->x) >= 0) {
			ri = n;
			pfd[n++] = (struct pollfd){
				.fd = xport_resample_fd(e->x),
				.events = POLLIN };
		}
		si = n;
		pfd[n++] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
		ci = n;
		nc = ctl_pollfds(ctl, pfd + ci, MAX_POLL - ci);
		n += nc;

		ret = poll(pfd, n, -1);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			vmmdev_log("emu: poll: %s", strerror(errno));
			return;
		}
		if (pfd[si].revents) {
			struct signalfd_siginfo si_info;

			if (read(sig_fd, &si_info, sizeof(si_info)) > 0)
				vmmdev_log("emu: signal %u, exiting",
					   si_info.ssi_signo);
			return;
		}
		if (ri >= 0 && pfd[ri].revents)
			xport_handle_resample(e->x);
		if (pfd[xi].revents && xport_handle(e->x))
			return;
		ctl_handle(ctl, pfd + ci, nc);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "control", required_argument, NULL, 'c' },
		{ "counters-out", required_argument, NULL, 'o' },
		{ "log", required_argument, NULL, 'l' },
		{ "features", required_argument, NULL, 'f' },
		{ "heartbeat-interval-ms", required_argument, NULL, 'i' },
		{ "mouse-host-caps", required_argument, NULL, 'M' },
		{ "no-mmap-bar1", no_argument, NULL, 'n' },
		{ "mmio-req", no_argument, NULL, 'm' },
		{ "no-ioport", no_argument, NULL, 'p' },
		{ "bar0-size", required_argument, NULL, 'b' },
		{ "share", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *ctl_path = NULL, *counters = NULL;
	/* Options that are control commands run before QEMU connects. */
	static const char *const setup_cmds[] = {
		"features", "heartbeat-interval-ms", "mouse-host-caps",
	};
	const char *setup[sizeof(setup_cmds) / sizeof(setup_cmds[0])] = { 0 };
	const char *log_path = NULL;
	const char *bar0_size = NULL;
	const char *share[64];
	int nshare = 0, k;
	bool mmap_bar1 = true, mmio_req = false, ioport = true;
	struct ctl_server *ctl = NULL;
	struct emu e = { 0 };
	FILE *log_file = NULL;
	char line[128];
	sigset_t sigs;
	int opt, sig_fd, status = 1;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'c':
			ctl_path = optarg;
			break;
		case 'o':
			counters = optarg;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'f':
			setup[0] = optarg;
			break;
		case 'i':
			setup[1] = optarg;
			break;
		case 'M':
			setup[2] = optarg;
			break;
		case 'n':
			mmap_bar1 = false;
			break;
		case 'S':
			if (nshare == 64) {
				fprintf(stderr, "vmmdev-emu: at most 64 --share\n");
				return 2;
			}
			share[nshare++] = optarg;
			break;
		case 'm':
			mmio_req = true;
			break;
		case 'p':
			ioport = false;
			break;
		case 'b':
			bar0_size = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!sock || !ctl_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (log_path) {
		log_file = fopen(log_path, "a");
		if (!log_file) {
			perror(log_path);
			return 1;
		}
		setvbuf(log_file, NULL, _IOLBF, 0);
		vmmdev_set_log(log_file);
	}

	/*
	 * Block the exit signals before any thread exists so that they are
	 * only ever delivered through the signalfd.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sig_fd < 0) {
		vmmdev_log("emu: signalfd: %s", strerror(errno));
		return 1;
	}

	e.x = xport_new(sock, mmap_bar1);
	if (!e.x)
		goto out;
	xport_set_layout(e.x, ioport, mmio_req);
	if (bar0_size &&
	    xport_set_bar0_size(e.x, (uint32_t)strtoul(bar0_size, NULL, 0))) {
		vmmdev_log("emu: --bar0-size: a power of two, 4 to %u", VMMDEV_BAR0_SIZE);
		goto out;
	}
	e.dev = vmmdev_new(&xport_host_ops, e.x, xport_bar1(e.x));
	if (!e.dev) {
		vmmdev_log("emu: cannot create the device model");
		goto out;
	}
	xport_set_dev(e.x, e.dev);
	for (k = 0; k < (int)(sizeof(setup) / sizeof(setup[0])); k++) {
		if (!setup[k])
			continue;
		snprintf(line, sizeof(line), "%s %s", setup_cmds[k], setup[k]);
		if (!emu_setup_cmd(&e, line))
			goto out;
	}
	for (k = 0; k < nshare; k++)
		if (!emu_add_share(&e, share[k]))
			goto out;
	ctl = ctl_new(ctl_path, emu_exec, &e);
	if (!ctl)
		goto out;

	vmmdev_log("emu: listening on %s, control %s, BAR1 %s%s%s", sock,
		   ctl_path, mmap_bar1 ? "mmap" : "trapped",
		   ioport ? "" : ", no BAR0", mmio_req ? ", BAR3" : "");
	emu_run(&e, ctl, sig_fd);
	status = 0;
	if (counters && write_counters(&e, counters))
		status = 1;
out:
	ctl_free(ctl);
	/* The transport outlives the model: the HGCM worker may touch RAM. */
	if (e.dev)
		vmmdev_free(e.dev);
	xport_free(e.x);
	close(sig_fd);
	if (log_file) {
		vmmdev_set_log(NULL);
		fclose(log_file);
	}
	return status;
}
