/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMMDev emulator: the control channel, a listening unix socket with any
 * number of line-protocol clients (the runner, vmmdevctl, QEMU's second
 * serial port).  The protocol itself is in README ("Control protocol").
 */
#ifndef VMMDEV_CONTROL_H
#define VMMDEV_CONTROL_H

#include <poll.h>
#include <stdio.h>

/* Executes one command line (no line terminator) and writes the reply. */
typedef void (*ctl_exec_fn)(void *arg, const char *line, FILE *out);

#define CTL_MAX_CLIENTS		64
#define CTL_MAX_LINE		4096
/* A client that lets this much reply pile up unread is dropped. */
#define CTL_MAX_PENDING_OUT	(1024 * 1024)

struct ctl_server;

/**
 * ctl_new() - listen on @path (a stale socket file there is replaced).
 * @path: unix socket path.
 * @exec: called for every complete, non-blank line.
 * @arg:  passed to @exec.
 *
 * Return: the server, or NULL (logged).
 */
struct ctl_server *ctl_new(const char *path, ctl_exec_fn exec, void *arg);
/* Closes the clients and the socket, removes the socket file. */
void ctl_free(struct ctl_server *s);

/**
 * ctl_pollfds() - the fds the run loop polls for this server.
 * @s:   the server.
 * @pfd: filled with up to @max entries (fd and events).
 * @max: room in @pfd; at least CTL_MAX_CLIENTS + 1 is enough.
 *
 * Return: the number of entries filled.
 */
int ctl_pollfds(struct ctl_server *s, struct pollfd *pfd, int max);

/**
 * ctl_handle() - act on the poll results of ctl_pollfds()'s entries.
 * @s:   the server.
 * @pfd: the entries, revents filled in by poll().
 * @n:   how many.
 */
void ctl_handle(struct ctl_server *s, const struct pollfd *pfd, int n);

#endif /* VMMDEV_CONTROL_H */
