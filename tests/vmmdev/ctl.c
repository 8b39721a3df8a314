// SPDX-License-Identifier: GPL-2.0
/*
 * vmmdevctl - send one command to the VMMDev emulator's control socket.
 *
 *	vmmdevctl SOCKET CMD [ARG...]
 *
 * The words are joined with single spaces into one command line (README,
 * "Control protocol").  Every reply line is printed; the exit status is 0
 * when the final line is "ok[ ...]", 1 when it is "err ...", 2 when the
 * emulator cannot be reached or the reply is cut short.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define REPLY_TIMEOUT_S	30

static bool starts_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	return !strncmp(line, word, n) && (line[n] == '\0' || line[n] == ' ');
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	char *cmd = NULL, *line = NULL;
	size_t cmd_len = 0, line_cap = 0;
	FILE *in, *cmdf;
	ssize_t n;
	int fd, i, status = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: vmmdevctl SOCKET CMD [ARG...]\n");
		return 2;
	}
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vmmdevctl: socket path too long\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);

	cmdf = open_memstream(&cmd, &cmd_len);
	if (!cmdf)
		return 2;
	for (i = 2; i < argc; i++)
		fprintf(cmdf, "%s%s", i > 2 ? " " : "", argv[i]);
	fputc('\n', cmdf);
	fclose(cmdf);
	if (strchr(cmd, '\n') != cmd + cmd_len - 1) {
		fprintf(stderr, "vmmdevctl: the command must be one line\n");
		free(cmd);
		return 2;
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "vmmdevctl: %s: %s\n", argv[1], strerror(errno));
		free(cmd);
		return 2;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send_all(fd, cmd, cmd_len)) {
		fprintf(stderr, "vmmdevctl: send: %s\n", strerror(errno));
		goto out;
	}
	in = fdopen(fd, "r");
	if (!in)
		goto out;
	fd = -1;
	while ((n = getline(&line, &line_cap, in)) > 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		puts(line);
		if (starts_word(line, "ok")) {
			status = 0;
			break;
		}
		if (starts_word(line, "err")) {
			status = 1;
			break;
		}
	}
	if (status == 2)
		fprintf(stderr, "vmmdevctl: no final ok/err line\n");
	fclose(in);
out:
	if (fd >= 0)
		close(fd);
	free(line);
	free(cmd);
	return status;
}
