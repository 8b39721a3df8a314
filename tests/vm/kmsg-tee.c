// SPDX-License-Identifier: GPL-2.0
/*
 * vbg-kmsg: the test VM's whole kernel log, as it happens.  Started by
 * /init (init.sh) before anything else runs; reads /dev/kmsg record by
 * record from the first one the ring still holds and writes each record to
 * every file named on the command line (the third serial port, a file on
 * the host that survives a crash, and /tmp/vbg-kmsg.log, which
 * dmesg_clean scans).  busybox cat stops at the first EPIPE (records
 * overwritten before they were read); this goes on and says how many were
 * lost, in a line of its own that dmesg_clean counts as an alarm: a log
 * with a hole cannot be called clean.
 *
 *	vbg-kmsg FILE...
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_OUT	4

static void put(const int *fds, int n, const char *buf, size_t len)
{
	int i;

	for (i = 0; i < n; i++) {
		size_t off = 0;

		while (off < len) {
			ssize_t w = write(fds[i], buf + off, len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
}

int main(int argc, char **argv)
{
	int fds[MAX_OUT], n = 0, in, i;
	unsigned long long expect = 0, seq;
	char rec[8192], note[160];

	for (i = 1; i < argc && n < MAX_OUT; i++) {
		int fd = open(argv[i], O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY, 0644);

		if (fd >= 0)
			fds[n++] = fd;
		else
			fprintf(stderr, "vbg-kmsg: %s: %s\n", argv[i], strerror(errno));
	}
	in = open("/dev/kmsg", O_RDONLY);
	if (in < 0 || !n) {
		fprintf(stderr, "vbg-kmsg: /dev/kmsg: %s\n", strerror(errno));
		return 1;
	}
	for (;;) {
		ssize_t r = read(in, rec, sizeof(rec) - 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EPIPE)
			continue;	/* the next read says how many went */
		if (r <= 0)
			return 1;
		rec[r] = 0;
		/* "prio,seq,usec,flags;text": a gap in seq is lost records. */
		if (sscanf(rec, "%*u,%llu,", &seq) == 1) {
			/* Before the first: lost before /init started us. */
			if (seq > expect) {
				int len = snprintf(note, sizeof(note),
					"4,%llu,0,-;vbg-kmsg: %llu kernel log records lost (overwritten before they were read)\n",
					expect, seq - expect);

				put(fds, n, note, (size_t)len);
			}
			expect = seq + 1;
		}
		put(fds, n, rec, (size_t)r);
	}
}
