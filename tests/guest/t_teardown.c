// SPDX-License-Identifier: GPL-2.0
/*
 * t_teardown: the device removed through sysfs while the host keeps
 * posting mouse events and balloon requests (the emulator's "pump"), then
 * brought back with a PCI rescan, many rounds.  Nothing of the driver may
 * run after what it touches is gone: the kernel log must stay free of
 * sanitizer reports (on the debug kernel KASAN sees a use after free), and
 * the driver must work after every rescan.
 *
 * Meanwhile a process reads the driver's debugfs stats file in a loop, and
 * the heartbeat (after the first rescan) runs every 50 ms.
 *
 * The use after free this guards against (the mouse work reporting into
 * an input device already freed) needs that work to be queued by one of
 * the last interrupts and to start only after the input device is gone.
 * To open that window each round routes the device's interrupt to the
 * second CPU and keeps a SCHED_FIFO task spinning there (real-time
 * throttling off) until the input device has left sysfs, while the first
 * CPU removes the device and the host answers HeartbeatConfigure, the
 * first request of the core's teardown, 1.5 s late.  With the old order
 * (input device freed before the work was cancelled) the work then ran on
 * freed memory: on the distro kernel with slub_debug=FZP it spun on the
 * poisoned input_dev lock (0x6b6b6b6b) in about one run of 12 rounds in
 * two.  A correct teardown does not depend on any of this.
 */
#define _GNU_SOURCE
#include "vbgt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t_pci.h"

#ifndef TEARDOWN_ROUNDS
#define TEARDOWN_ROUNDS	20
#endif
/*
 * No new round starts after this much time, and at least
 * TEARDOWN_MIN_ROUNDS run: an own boot gets at most 170 s on the distro
 * kernel (about 8 rounds of 12 s), 680 s on the debug kernel (KASAN,
 * lockdep: a round about 4 times as long).
 */
#define TEARDOWN_BUDGET_MS	100000
#define TEARDOWN_MIN_ROUNDS	3

#define FACILITY_DRIVER	20
#define STATUS_ACTIVE	50
#define PAGES_PER_CHUNK	256

/* The input device's sysfs directory under the PCI device into @buf. */
static int input_dir(const char *dev, char *buf, size_t len)
{
	char p[TPCI_PATH_MAX + 16];
	struct dirent *e;
	DIR *d;
	int found = 0;

	snprintf(p, sizeof(p), "%s/input", dev);
	d = opendir(p);
	while (d && !found && (e = readdir(d)))
		if (!strncmp(e->d_name, "input", 5)) {
			snprintf(buf, len, "%s/%s", p, e->d_name);
			found = 1;
		}
	if (d)
		closedir(d);
	return found;
}

/*
 * Hold the event work back: a SCHED_FIFO task spins on @cpu, which takes
 * the device's interrupt, so the work the last interrupts queue waits
 * there (the real-time throttle is off).  It spins until the input device
 * has left sysfs, then 100 ms more, by when a teardown in the wrong order
 * has freed it and waits for the host's (delayed) HeartbeatConfigure; at
 * most 10 s (a removal that needs this CPU before that waits for it).
 * Then the work runs: in a correct teardown it was cancelled before the
 * input device went.
 */
static pid_t start_hog(int cpu, const char *input)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct sched_param sp = { .sched_priority = 1 };
		uint64_t end = vbgt_now_ms() + 10000, gone = 0, now;
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) ||
		    sched_setscheduler(0, SCHED_FIFO, &sp))
			_exit(1);
		do {
			now = vbgt_now_ms();
			if (!gone && access(input, F_OK))
				gone = now;
		} while (now < end && (!gone || now - gone < 100));
		_exit(0);
	}
	return pid > 0 ? pid : 0;
}

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void stop_child(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * A reader of the driver's debugfs file in a loop (a child process), so
 * that a read can be running while the device goes away.
 */
static pid_t start_stats_reader(void)
{
	pid_t pid;

	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	pid = fork();
	if (pid == 0) {
		char buf[4096];

		for (;;) {
			int fd = open("/sys/kernel/debug/vboxguest/stats",
				      O_RDONLY | O_CLOEXEC);

			if (fd < 0) {
				usleep(1000);
				continue;
			}
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
	}
	return pid > 0 ? pid : 0;
}

static void remove_rescan_under_event_storm(void)
{
	char dev[TPCI_PATH_MAX];
	int round, ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t t_start;
	struct tpci_kmsg km;

	vbgt_ref_defect("the balloon is not deflated when the driver is "
			"removed (the host keeps the pages)");
	ASSERT(tpci_find(dev, sizeof(dev)), "no 80ee:cafe device in sysfs");
	ASSERT(tpci_driver_works(), "the driver does not work before the test");
	vbgt_ctl_at_end("pump 0 0");
	vbgt_ctl_at_end("balloon 0");
	vbgt_ctl_at_end("delay 220 0");
	tpci_write("/proc/sys/kernel/sched_rt_runtime_us", "-1");
	/* From the first rescan on, a heartbeat every 50 ms (the minimum). */
	vbgt_ctl_ok("heartbeat-interval-ms 50");
	vbgt_ctl_at_end("heartbeat-interval-ms 1000");
	tpci_kmsg_open(&km);
	t_start = vbgt_now_ms();
	for (round = 0; round < TEARDOWN_ROUNDS; round++) {
		long long ticks;
		pid_t reader, hog = 0;
		char input[TPCI_PATH_MAX + 16 + 256 + 2];
		int fd;

		/* A session that filters the balloon event, as VBoxService. */
		fd = vbgt_open(VBGT_NODE_ROOT);
		ASSERT_EQ(vbgt_change_filter(fd, VBGT_EV_BALLOON, 0), 0);
		vbgt_ctl_ok("pump 2000 %#x 2", VBGT_EV_MOUSE_POS | VBGT_EV_BALLOON);
		ticks = vbgt_counter("pump.ticks");
		reader = start_stats_reader();
		if (ncpu > 1 && input_dir(dev, input, sizeof(input))) {
			vbgt_ctl_ok("delay 220 1500");
			pin_self(0);
			tpci_irq_to_cpu(dev, 1);
			hog = start_hog(1, input);
		}
		/* Events flowing: the pump ticked and the guest took them. */
		while (vbgt_counter("pump.ticks") < ticks + 20)
			vbgt_sleep_ms(10);
		close(fd);
		EXPECT(tpci_remove(dev), "round %d: remove failed", round);
		stop_child(reader);
		stop_child(hog);
		vbgt_ctl_ok("delay 220 0");
		vbgt_ctl_ok("pump 0 0");
		EXPECT(tpci_wait_nodes(0), "round %d: nodes still there", round);
		EXPECT_EQ(vbgt_state("balloon_pages"), 0);
		vbgt_ctl_ok("balloon 0");
		ASSERT(tpci_rescan(dev), "round %d: no device after rescan", round);
		ASSERT(tpci_kmsg_clean(&km), "round %d: kernel log above", round);
		ASSERT(tpci_driver_works(), "round %d: driver broken", round);
		if (round + 1 >= TEARDOWN_MIN_ROUNDS &&
		    vbgt_now_ms() - t_start > TEARDOWN_BUDGET_MS) {
			round++;
			break;
		}
	}
	vbgt_diag("%d rounds of remove and rescan in %llu ms", round,
		  (unsigned long long)(vbgt_now_ms() - t_start));
	tpci_kmsg_close(&km);
	tpci_write("/proc/sys/kernel/sched_rt_runtime_us", "950000");
}

static const struct vbgt_case cases[] = {
	VBGT_CASE_T(remove_rescan_under_event_storm, 1500),
};

VBGT_SUITE("t_teardown", cases)
