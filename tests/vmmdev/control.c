// SPDX-License-Identifier: GPL-2.0
/*
 * VMMDev emulator: the control channel.
 *
 * A listening unix socket; every client sends command lines and reads the
 * replies.  The commands are documented in README ("Control protocol") and
 * executed by vmmdev_control() (through the exec callback main.c gives).
 *
 * Clients are of two kinds: host tools (vmmdevctl, the runner) and QEMU's
 * second serial port, which carries whatever the guest writes to
 * /dev/ttyS1.  So a line may arrive in pieces, may end in \r\n or \r, and
 * blank lines are ignored, and so are lines that look like our own replies
 * (a guest tty that echoes).  Replies are queued per client and written when
 * the socket takes them; the run loop never blocks on a slow reader.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "emu.h"

/**
 * struct ctl_client - one connected client.
 * @fd:      its socket, -1 if the slot is free.
 * @in:      bytes of an incomplete line.
 * @in_len:  how many.
 * @overlong: the current line exceeded CTL_MAX_LINE; drop it up to the
 *           next terminator.
 * @warned_echo: a reply-like line was ignored and logged once.
 * @out:     reply bytes not yet written.
 * @out_len: how many.
 * @out_cap: allocated.
 */
struct ctl_client {
	int fd;
	char in[CTL_MAX_LINE];
	size_t in_len;
	bool overlong;
	bool warned_echo;
	char *out;
	size_t out_len;
	size_t out_cap;
};

/**
 * struct ctl_server - the control socket.
 * @listen_fd: listening socket.
 * @path:      its path.
 * @exec:      line executor.
 * @arg:       its argument.
 * @clients:   client slots.
 */
struct ctl_server {
	int listen_fd;
	char *path;
	ctl_exec_fn exec;
	void *arg;
	struct ctl_client clients[CTL_MAX_CLIENTS];
};

/**
 * ctl_new() - listen on @path.
 * @path: unix socket path (a stale socket file there is replaced).
 * @exec: executes one line.
 * @arg:  for @exec.
 *
 * Return: the server, or NULL (logged).
 */
struct ctl_server *ctl_new(const char *path, ctl_exec_fn exec, void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_server *s;
	struct stat st;
	int i;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		vmmdev_log("control: socket path too long: %s", path);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->path = strdup(path);
	s->exec = exec;
	s->arg = arg;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	if (!s->path)
		goto fail;

	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	strcpy(sa.sun_path, path);
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
			      SOCK_NONBLOCK, 0);
	if (s->listen_fd < 0 ||
	    bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(s->listen_fd, 16)) {
		vmmdev_log("control: listen on %s: %s", path, strerror(errno));
		if (s->listen_fd >= 0)
			close(s->listen_fd);
		goto fail;
	}
	return s;
fail:
	free(s->path);
	free(s);
	return NULL;
}

static void ctl_drop(struct ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->in_len = 0;
	c->overlong = false;
	c->warned_echo = false;
	free(c->out);
	c->out = NULL;
	c->out_len = 0;
	c->out_cap = 0;
}

/**
 * ctl_free() - close the clients and the socket; remove the socket file.
 * @s: the server (NULL is fine).
 */
void ctl_free(struct ctl_server *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		ctl_drop(&s->clients[i]);
	close(s->listen_fd);
	unlink(s->path);
	free(s->path);
	free(s);
}

/**
 * ctl_pollfds() - the fds to poll: the listening socket, then one entry per
 * client slot in use (POLLOUT too while a reply is queued).
 * @s:   the server.
 * @pfd: filled in.
 * @max: room in @pfd.
 *
 * Return: entries filled.
 */
int ctl_pollfds(struct ctl_server *s, struct pollfd *pfd, int max)
{
	int i, n = 0;

	if (max < 1)
		return 0;
	pfd[n].fd = s->listen_fd;
	pfd[n].events = POLLIN;
	pfd[n].revents = 0;
	n++;
	for (i = 0; i < CTL_MAX_CLIENTS && n < max; i++) {
		struct ctl_client *c = &s->clients[i];

		if (c->fd < 0)
			continue;
		pfd[n].fd = c->fd;
		pfd[n].events = POLLIN | (c->out_len ? POLLOUT : 0);
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

static int ctl_append_out(struct ctl_client *c, const char *buf, size_t len)
{
	if (c->out_len + len > CTL_MAX_PENDING_OUT)
		return -1;
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		while (cap < c->out_len + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return -1;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	return 0;
}

/* Write what the socket takes; -1 if the client is gone. */
static int ctl_flush(struct ctl_client *c)
{
	while (c->out_len) {
		ssize_t n = send(c->fd, c->out, c->out_len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		memmove(c->out, c->out + n, c->out_len - n);
		c->out_len -= n;
	}
	return 0;
}

static bool starts_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	return !strncmp(line, word, n) && (line[n] == '\0' || line[n] == ' ');
}

static bool is_reply(const char *line)
{
	return starts_word(line, "ok") || starts_word(line, "err");
}

/* Execute one line (terminator removed); -1 if the client must go. */
static int ctl_exec_line(struct ctl_server *s, struct ctl_client *c,
			 char *line, size_t len)
{
	char *reply = NULL;
	size_t reply_len = 0;
	FILE *out;
	int ret;

	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	line[len] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (!*line)
		return 0;
	/*
	 * A guest tty left in cooked mode echoes our replies back; executing
	 * them would answer "err", which is echoed again, forever.  No
	 * command starts with a reply's first word, so drop such lines.
	 */
	if (is_reply(line)) {
		if (!c->warned_echo)
			vmmdev_log("control: ignoring reply-like line \"%s\" "
				   "(a guest tty echoing?)", line);
		c->warned_echo = true;
		return 0;
	}

	out = open_memstream(&reply, &reply_len);
	if (!out)
		return ctl_append_out(c, "err out of memory\n", 18);
	s->exec(s->arg, line, out);
	fclose(out);
	ret = ctl_append_out(c, reply, reply_len);
	if (ret == 0 && reply_len && reply[reply_len - 1] != '\n')
		ret = ctl_append_out(c, "\n", 1);
	free(reply);
	if (ret)
		vmmdev_log("control: client does not read its replies; dropped");
	return ret;
}

/* Consume received bytes; -1 if the client must go. */
static int ctl_feed(struct ctl_server *s, struct ctl_client *c,
		    const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = buf[i];

		if (ch == '\n' || ch == '\r') {
			if (c->overlong) {
				c->overlong = false;
				c->in_len = 0;
				if (ctl_append_out(c, "err line too long\n", 18))
					return -1;
				continue;
			}
			if (ctl_exec_line(s, c, c->in, c->in_len))
				return -1;
			c->in_len = 0;
			continue;
		}
		if (c->overlong)
			continue;
		/* Keep room for the terminating NUL. */
		if (c->in_len >= CTL_MAX_LINE - 1) {
			c->overlong = true;
			continue;
		}
		c->in[c->in_len++] = ch;
	}
	return 0;
}

static void ctl_accept(struct ctl_server *s)
{
	int fd, i;

	for (;;) {
		fd = accept4(s->listen_fd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				vmmdev_log("control: accept: %s", strerror(errno));
			return;
		}
		for (i = 0; i < CTL_MAX_CLIENTS; i++)
			if (s->clients[i].fd < 0)
				break;
		if (i == CTL_MAX_CLIENTS) {
			vmmdev_log("control: too many clients");
			close(fd);
			continue;
		}
		s->clients[i].fd = fd;
	}
}

static struct ctl_client *ctl_find(struct ctl_server *s, int fd)
{
	int i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (s->clients[i].fd == fd)
			return &s->clients[i];
	return NULL;
}

/* Input (or hang-up) on a client; -1 if it must go. */
static int ctl_read(struct ctl_server *s, struct ctl_client *c)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			break;
		if (ctl_feed(s, c, buf, n))
			return -1;
	}
	/*
	 * End of input: a last line without terminator still counts; try to
	 * deliver the replies (the client may only have shut down its
	 * sending side) before closing.
	 */
	if (c->in_len && !c->overlong)
		ctl_exec_line(s, c, c->in, c->in_len);
	c->in_len = 0;
	if (c->out_len) {
		int fl = fcntl(c->fd, F_GETFL);

		if (fl >= 0 && fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK) == 0) {
			struct timeval tv = { .tv_sec = 1 };

			setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				   sizeof(tv));
			while (c->out_len) {
				ssize_t w = send(c->fd, c->out, c->out_len,
						 MSG_NOSIGNAL);

				if (w <= 0)
					break;
				memmove(c->out, c->out + w, c->out_len - w);
				c->out_len -= w;
			}
		}
	}
	return -1;
}

/**
 * ctl_handle() - accept clients, read lines, execute them, write replies.
 * @s:   the server.
 * @pfd: entries returned by ctl_pollfds(), after poll().
 * @n:   how many.
 */
void ctl_handle(struct ctl_server *s, const struct pollfd *pfd, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct ctl_client *c;

		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == s->listen_fd) {
			ctl_accept(s);
			continue;
		}
		c = ctl_find(s, pfd[i].fd);
		if (!c)
			continue;
		if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    ctl_read(s, c)) {
			ctl_drop(c);
			continue;
		}
		if (ctl_flush(c))
			ctl_drop(c);
	}
}
