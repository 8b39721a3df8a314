// SPDX-License-Identifier: GPL-2.0
/*
 * t_sf: file-system tests of vboxsf over the emulator's VBoxSharedFolders
 * service (make vboxsf-check), on our driver and on the reference stack
 * (Debian's vboxguest.ko + vboxsf.ko); tests/vboxsf/check.sh starts the
 * emulator with two shares:
 *
 *   sf    read-write, a host directory holding in.bin (64 MiB of random
 *         bytes) and in.sha256 (its SHA-256, written by the runner)
 *   sfro  read-only, holding hello.txt ("hello from the host\n") and dir/
 *
 * Cases, in order: mount, create/read/write, append, truncate, rename,
 * unlink, mkdir/rmdir, readdir of 5,000 entries, stat, chmod, utimes,
 * symlink, mmap read and write, the 64 MiB copy in and out (SHA-256 via
 * busybox; the guest prints the checksum of out.bin as
 * "vboxsf-sha256 out.bin HEX", which the runner compares with the host's
 * file), 8 concurrent readers and writers, the read-only share, statfs,
 * unmount (the host holds no mapping or handle any more), rmmod vboxsf
 * (the host sees the disconnect), rmmod vboxguest (SKIP on the debug
 * kernel, where both are built in).
 */
#include "vbgt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define MNT		"/mnt/sf"
#define MNT_RO		"/mnt/sfro"
#define VBOXSF_MAGIC	0x786f4256
#define BIG		(64u << 20)
#define NDIR		5000
#define NCONC		8
#define HGCM_CONNECT	60
#define SF_REQUESTOR	(VMMDEV_REQUESTOR_KERNEL | VMMDEV_REQUESTOR_USR_DRV_OTHER)

/* The host's "share ..." line of @name from sf-list: maps and handles. */
static void host_share(const char *name, long *maps, long *handles)
{
	char reply[2048], *line, *save;
	char n[64];
	long m, h;

	*maps = *handles = -1;
	ASSERT_EQ(vbgt_ctl(reply, sizeof(reply), "sf-list"), 0);
	for (line = strtok_r(reply, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "share %*d %63s %*s %*d %*d %ld %ld", n, &m,
			   &h) == 3 && !strcmp(n, name)) {
			*maps = m;
			*handles = h;
		}
}

static void write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t r = write(fd, p, n);

		ASSERT(r > 0, "write: %s", strerror(errno));
		p += r;
		n -= (size_t)r;
	}
}

static size_t read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);

		ASSERT(r >= 0, "read: %s", strerror(errno));
		if (!r)
			break;
		got += (size_t)r;
	}
	return got;
}

/* Writes @n bytes of pattern(@seed) to @path (created or truncated). */
static void put_file(const char *path, size_t n, uint32_t seed)
{
	uint8_t *b = malloc(n ? n : 1);
	int fd;

	ASSERT(b, "malloc");
	vbgtest_fill_pattern(b, n, seed);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT(fd >= 0, "%s: %s", path, strerror(errno));
	write_all(fd, b, n);
	ASSERT_EQ(close(fd), 0);
	free(b);
}

/* Is @path exactly @n bytes of pattern(@seed)? */
static int file_is(const char *path, size_t n, uint32_t seed)
{
	uint8_t *b = malloc(n + 1);
	size_t got;
	int fd, ok;

	ASSERT(b, "malloc");
	fd = open(path, O_RDONLY);
	ASSERT(fd >= 0, "%s: %s", path, strerror(errno));
	got = read_all(fd, b, n + 1);
	close(fd);
	ok = got == n && vbgtest_check_pattern(b, n, seed) < 0;
	if (!ok)
		vbgt_diag("%s: %zu bytes (want %zu), first difference at %ld",
			  path, got, n, got >= n ? vbgtest_check_pattern(b, n, seed) : -1L);
	free(b);
	return ok;
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	if (fd >= 0) {
		write_all(fd, "3\n", 2);
		close(fd);
	}
}

/* SHA-256 of @path by busybox, as 64 hex digits in @hex. */
static void sha256(const char *path, char hex[65])
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "sha256sum %s", path);
	p = popen(cmd, "r");
	ASSERT(p, "popen: %s", strerror(errno));
	hex[0] = 0;
	if (fscanf(p, "%64s", hex) != 1)
		hex[0] = 0;
	pclose(p);
	ASSERT_EQ(strlen(hex), 64);
}

static void mount_share(void)
{
	long long connects = vbgt_counter("hgcm.connects");
	struct stat st;
	long maps, handles;

	mkdir("/mnt", 0755);
	mkdir(MNT, 0755);
	mkdir(MNT_RO, 0755);
	ASSERT(mount("sf", MNT, "vboxsf", 0, "") == 0,
	       "mount sf: %s", strerror(errno));
	ASSERT(mount("sfro", MNT_RO, "vboxsf", 0, "") == 0,
	       "mount sfro: %s", strerror(errno));
	/* The first mount of this boot connected (t_vboxsf may have before). */
	EXPECT(vbgt_counter("hgcm.connects") - connects <= 1, "more than one connect");
	EXPECT_EQ(vbgt_ctl_num("last-requestor %d", HGCM_CONNECT), SF_REQUESTOR);
	host_share("sf", &maps, &handles);
	EXPECT_EQ(maps, 1);
	host_share("sfro", &maps, &handles);
	EXPECT_EQ(maps, 1);
	ASSERT_EQ(stat(MNT "/in.bin", &st), 0);
	EXPECT_EQ(st.st_size, BIG);
	/* Unknown share: the host's VERR_FILE_NOT_FOUND. */
	mkdir("/mnt/none", 0755);
	EXPECT_EQ(mount("nosuchshare", "/mnt/none", "vboxsf", 0, ""), -1);
	EXPECT_EQ(errno, ENOENT);
}

static void create_read_write(void)
{
	char buf[64];
	int fd;

	fd = open(MNT "/a.txt", O_RDWR | O_CREAT | O_EXCL, 0644);
	ASSERT(fd >= 0, "create: %s", strerror(errno));
	write_all(fd, "hello vboxsf", 12);
	EXPECT_EQ(pread(fd, buf, sizeof(buf), 0), 12);
	EXPECT(!memcmp(buf, "hello vboxsf", 12), "read back differs");
	EXPECT_EQ(pwrite(fd, "VBOX", 4, 6), 4);
	ASSERT_EQ(close(fd), 0);
	/* O_EXCL on an existing file. */
	EXPECT_EQ(open(MNT "/a.txt", O_RDWR | O_CREAT | O_EXCL, 0644), -1);
	EXPECT_EQ(errno, EEXIST);
	drop_caches();
	fd = open(MNT "/a.txt", O_RDONLY);
	ASSERT(fd >= 0, "open: %s", strerror(errno));
	EXPECT_EQ(read(fd, buf, sizeof(buf)), 12);
	EXPECT(!memcmp(buf, "hello VBOXsf", 12), "after pwrite: %.12s", buf);
	close(fd);
	EXPECT_EQ(open(MNT "/missing", O_RDONLY), -1);
	EXPECT_EQ(errno, ENOENT);
	/* 1 MiB + 1 byte, several host calls. */
	put_file(MNT "/b.bin", (1u << 20) + 1, 7);
	drop_caches();
	EXPECT(file_is(MNT "/b.bin", (1u << 20) + 1, 7), "b.bin differs");
}

static void append(void)
{
	char buf[32] = "";
	int fd;

	put_file(MNT "/app.txt", 0, 0);
	fd = open(MNT "/app.txt", O_WRONLY | O_APPEND);
	ASSERT(fd >= 0, "open: %s", strerror(errno));
	write_all(fd, "one,", 4);
	ASSERT_EQ(close(fd), 0);
	fd = open(MNT "/app.txt", O_WRONLY | O_APPEND);
	ASSERT(fd >= 0, "open: %s", strerror(errno));
	write_all(fd, "two", 3);
	ASSERT_EQ(close(fd), 0);
	drop_caches();
	fd = open(MNT "/app.txt", O_RDONLY);
	ASSERT(fd >= 0, "open: %s", strerror(errno));
	EXPECT_EQ(read(fd, buf, sizeof(buf) - 1), 7);
	EXPECT(!strcmp(buf, "one,two"), "content '%s'", buf);
	close(fd);
}

static void truncate_file(void)
{
	struct stat st;
	int fd;

	put_file(MNT "/t.bin", 10000, 3);
	ASSERT_EQ(truncate(MNT "/t.bin", 4000), 0);
	ASSERT_EQ(stat(MNT "/t.bin", &st), 0);
	EXPECT_EQ(st.st_size, 4000);
	EXPECT(file_is(MNT "/t.bin", 4000, 3), "shrunk content");
	fd = open(MNT "/t.bin", O_RDWR);
	ASSERT(fd >= 0, "open: %s", strerror(errno));
	ASSERT_EQ(ftruncate(fd, 9000), 0);
	ASSERT_EQ(fstat(fd, &st), 0);
	EXPECT_EQ(st.st_size, 9000);
	close(fd);
	/* O_TRUNC. */
	fd = open(MNT "/t.bin", O_WRONLY | O_TRUNC);
	ASSERT(fd >= 0, "open: %s", strerror(errno));
	close(fd);
	ASSERT_EQ(stat(MNT "/t.bin", &st), 0);
	EXPECT_EQ(st.st_size, 0);
}

static void rename_file(void)
{
	struct stat st;

	put_file(MNT "/r1", 100, 1);
	put_file(MNT "/r2", 200, 2);
	ASSERT_EQ(rename(MNT "/r1", MNT "/r3"), 0);
	EXPECT_EQ(stat(MNT "/r1", &st), -1);
	EXPECT(file_is(MNT "/r3", 100, 1), "r3");
	/* Over an existing file. */
	ASSERT_EQ(rename(MNT "/r3", MNT "/r2"), 0);
	EXPECT(file_is(MNT "/r2", 100, 1), "r2 replaced");
	/* A directory, and a file into it. */
	ASSERT_EQ(mkdir(MNT "/rd", 0755), 0);
	ASSERT_EQ(rename(MNT "/rd", MNT "/rd2"), 0);
	ASSERT_EQ(rename(MNT "/r2", MNT "/rd2/r"), 0);
	EXPECT(file_is(MNT "/rd2/r", 100, 1), "moved into the directory");
	EXPECT_EQ(rename(MNT "/nothing", MNT "/x"), -1);
	EXPECT_EQ(errno, ENOENT);
}

static void unlink_file(void)
{
	struct stat st;

	put_file(MNT "/u", 10, 1);
	ASSERT_EQ(unlink(MNT "/u"), 0);
	EXPECT_EQ(stat(MNT "/u", &st), -1);
	EXPECT_EQ(errno, ENOENT);
	EXPECT_EQ(unlink(MNT "/u"), -1);
	EXPECT_EQ(errno, ENOENT);
	ASSERT_EQ(unlink(MNT "/rd2/r"), 0);
}

static void mkdir_rmdir(void)
{
	struct stat st;

	ASSERT_EQ(mkdir(MNT "/d", 0750), 0);
	ASSERT_EQ(stat(MNT "/d", &st), 0);
	EXPECT(S_ISDIR(st.st_mode), "mode 0%o", st.st_mode);
	EXPECT_EQ(mkdir(MNT "/d", 0750), -1);
	EXPECT_EQ(errno, EEXIST);
	ASSERT_EQ(mkdir(MNT "/d/e", 0755), 0);
	put_file(MNT "/d/e/f", 1, 1);
	EXPECT_EQ(rmdir(MNT "/d"), -1);
	EXPECT_EQ(errno, ENOTEMPTY);
	ASSERT_EQ(unlink(MNT "/d/e/f"), 0);
	ASSERT_EQ(rmdir(MNT "/d/e"), 0);
	ASSERT_EQ(rmdir(MNT "/d"), 0);
	EXPECT_EQ(stat(MNT "/d", &st), -1);
	ASSERT_EQ(rmdir(MNT "/rd2"), 0);
}

static void readdir_5000(void)
{
	static unsigned char seen[NDIR];
	char path[128];
	struct dirent *de;
	int i, n = 0, dots = 0, other = 0, missing = 0;
	DIR *d;

	ASSERT_EQ(mkdir(MNT "/many", 0755), 0);
	for (i = 0; i < NDIR; i++) {
		int fd;

		snprintf(path, sizeof(path), MNT "/many/entry-with-a-long-name-%05d", i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		ASSERT(fd >= 0, "%s: %s", path, strerror(errno));
		close(fd);
	}
	d = opendir(MNT "/many");
	ASSERT(d, "opendir: %s", strerror(errno));
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
			dots++;
		} else if (sscanf(de->d_name, "entry-with-a-long-name-%d", &i) == 1 &&
			   i >= 0 && i < NDIR && !seen[i]) {
			seen[i] = 1;
			n++;
			if (de->d_type != DT_REG)
				other++;
		} else {
			other++;
		}
	}
	closedir(d);
	for (i = 0; i < NDIR; i++)
		missing += !seen[i];
	vbgt_diag("readdir: %d entries, %d dots, %d other, %d missing", n, dots,
		  other, missing);
	EXPECT_EQ(n, NDIR);
	EXPECT_EQ(dots, 2);
	EXPECT_EQ(other, 0);
	for (i = 0; i < NDIR; i++) {
		snprintf(path, sizeof(path), MNT "/many/entry-with-a-long-name-%05d", i);
		ASSERT(unlink(path) == 0, "%s: %s", path, strerror(errno));
	}
	ASSERT_EQ(rmdir(MNT "/many"), 0);
}

static void stat_file(void)
{
	struct stat st;
	time_t now = time(NULL);

	put_file(MNT "/s", 12345, 1);
	ASSERT_EQ(stat(MNT "/s", &st), 0);
	EXPECT(S_ISREG(st.st_mode), "mode 0%o", st.st_mode);
	EXPECT_EQ(st.st_size, 12345);
	EXPECT_EQ(st.st_nlink, 1);
	EXPECT(st.st_mtime > now - 3600 && st.st_mtime < now + 3600,
	       "mtime %lld, now %lld", (long long)st.st_mtime, (long long)now);
	ASSERT_EQ(stat(MNT, &st), 0);
	EXPECT(S_ISDIR(st.st_mode), "root mode 0%o", st.st_mode);
}

static void chmod_file(void)
{
	struct stat st;

	ASSERT_EQ(chmod(MNT "/s", 0640), 0);
	ASSERT_EQ(stat(MNT "/s", &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0640);
	ASSERT_EQ(chmod(MNT "/s", 0604), 0);
	ASSERT_EQ(stat(MNT "/s", &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0604);
}

static void utimes_file(void)
{
	struct timespec ts[2] = { { 1000000000, 123456789 },
				  { 1200000000, 987654321 } };
	struct stat st;

	ASSERT_EQ(utimensat(AT_FDCWD, MNT "/s", ts, 0), 0);
	ASSERT_EQ(stat(MNT "/s", &st), 0);
	/*
	 * vboxsf leaves the super block's time granularity at the VFS
	 * default of 1 s: the VFS truncates the nanoseconds before vboxsf
	 * sees them.
	 */
	EXPECT_EQ(st.st_atim.tv_sec, 1000000000);
	EXPECT_EQ(st.st_atim.tv_nsec, 0);
	EXPECT_EQ(st.st_mtim.tv_sec, 1200000000);
	EXPECT_EQ(st.st_mtim.tv_nsec, 0);
	ASSERT_EQ(unlink(MNT "/s"), 0);
}

static void symlink_file(void)
{
	char buf[64] = "";
	struct stat st;

	put_file(MNT "/target", 100, 9);
	ASSERT(symlink("target", MNT "/link") == 0, "symlink: %s", strerror(errno));
	EXPECT_EQ(readlink(MNT "/link", buf, sizeof(buf) - 1), 6);
	EXPECT(!strcmp(buf, "target"), "readlink '%s'", buf);
	ASSERT_EQ(lstat(MNT "/link", &st), 0);
	EXPECT(S_ISLNK(st.st_mode), "lstat mode 0%o", st.st_mode);
	EXPECT(file_is(MNT "/link", 100, 9), "read through the link");
	ASSERT_EQ(unlink(MNT "/link"), 0);
	ASSERT_EQ(lstat(MNT "/target", &st), 0);
	ASSERT_EQ(unlink(MNT "/target"), 0);
}

static void mmap_rw(void)
{
	size_t n = 3 * 4096 + 100;
	uint8_t *m;
	int fd;

	put_file(MNT "/m", n, 5);
	fd = open(MNT "/m", O_RDWR);
	ASSERT(fd >= 0, "open: %s", strerror(errno));
	m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT(m != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT(vbgtest_check_pattern(m, n, 5) < 0, "mapped content");
	vbgtest_fill_pattern(m, n, 6);
	EXPECT_EQ(msync(m, n, MS_SYNC), 0);
	munmap(m, n);
	close(fd);
	drop_caches();
	EXPECT(file_is(MNT "/m", n, 6), "written through the mapping");
	ASSERT_EQ(unlink(MNT "/m"), 0);
}

static void copy(const char *from, const char *to)
{
	static uint8_t buf[1 << 20];
	int in = open(from, O_RDONLY), out;
	ssize_t r;

	ASSERT(in >= 0, "%s: %s", from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT(out >= 0, "%s: %s", to, strerror(errno));
	while ((r = read(in, buf, sizeof(buf))) > 0)
		write_all(out, buf, (size_t)r);
	EXPECT(r == 0, "read %s: %s", from, strerror(errno));
	close(in);
	ASSERT_EQ(close(out), 0);
}

static void big_copy_in_out(void)
{
	char host[80] = "", in[65], local[65], out[65], back[65];
	int fd;

	fd = open(MNT "/in.sha256", O_RDONLY);
	ASSERT(fd >= 0, "in.sha256: %s", strerror(errno));
	EXPECT(read(fd, host, 64) == 64, "in.sha256 short");
	host[64] = 0;
	close(fd);
	/* In: host file -> guest tmpfs. */
	copy(MNT "/in.bin", "/tmp/in.bin");
	sha256("/tmp/in.bin", local);
	sha256(MNT "/in.bin", in);
	EXPECT(!strcmp(local, host), "copied in %s, host %s", local, host);
	EXPECT(!strcmp(in, host), "read in place %s, host %s", in, host);
	/* Out: guest file -> host, checked on the host by the runner. */
	put_file("/tmp/out.bin", BIG, 11);
	sha256("/tmp/out.bin", out);
	copy("/tmp/out.bin", MNT "/out.bin");
	unlink("/tmp/in.bin");
	unlink("/tmp/out.bin");
	drop_caches();
	sha256(MNT "/out.bin", back);
	vbgt_diag("vboxsf-sha256 out.bin %s", out);
	EXPECT(!strcmp(back, out), "read back %s, written %s", back, out);
}

/* Child @i: writes its own file and reads a shared one, 8 rounds. */
static int conc_child(int i)
{
	char path[64];
	int r, bad = 0;

	snprintf(path, sizeof(path), MNT "/c%d", i);
	for (r = 0; r < 8; r++) {
		uint32_t seed = (uint32_t)(i * 100 + r);
		uint8_t *b = malloc(256 << 10);
		int fd;

		if (!b)
			return 1;
		vbgtest_fill_pattern(b, 256 << 10, seed);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, b, 256 << 10) != 256 << 10 || close(fd))
			bad++;
		fd = open(MNT "/shared", O_RDONLY);
		if (fd < 0 || read(fd, b, 256 << 10) != 256 << 10 ||
		    vbgtest_check_pattern(b, 256 << 10, 77) >= 0)
			bad++;
		if (fd >= 0)
			close(fd);
		fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, b, 256 << 10) != 256 << 10 ||
		    vbgtest_check_pattern(b, 256 << 10, seed) >= 0)
			bad++;
		if (fd >= 0)
			close(fd);
		free(b);
	}
	return bad ? 1 : 0;
}

static void concurrent(void)
{
	pid_t pid[NCONC];
	char path[64];
	int i, st, failed = 0;

	put_file(MNT "/shared", 256 << 10, 77);
	for (i = 0; i < NCONC; i++) {
		pid[i] = fork();
		ASSERT(pid[i] >= 0, "fork: %s", strerror(errno));
		if (!pid[i])
			_exit(conc_child(i));
	}
	for (i = 0; i < NCONC; i++) {
		if (waitpid(pid[i], &st, 0) != pid[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			vbgt_diag("child %d: status 0x%x", i, st);
			failed++;
		}
	}
	EXPECT_EQ(failed, 0);
	drop_caches();
	for (i = 0; i < NCONC; i++) {
		snprintf(path, sizeof(path), MNT "/c%d", i);
		EXPECT(file_is(path, 256 << 10, (uint32_t)(i * 100 + 7)), "%s", path);
		unlink(path);
	}
	unlink(MNT "/shared");
}

static void readonly_share(void)
{
	char buf[64] = "";
	struct stat st;
	int fd;

	fd = open(MNT_RO "/hello.txt", O_RDONLY);
	ASSERT(fd >= 0, "open: %s", strerror(errno));
	EXPECT_EQ(read(fd, buf, sizeof(buf) - 1), 20);
	EXPECT(!strcmp(buf, "hello from the host\n"), "content '%s'", buf);
	close(fd);
	ASSERT_EQ(stat(MNT_RO "/dir", &st), 0);
	EXPECT(S_ISDIR(st.st_mode), "dir mode 0%o", st.st_mode);
	EXPECT_EQ(open(MNT_RO "/hello.txt", O_WRONLY), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(open(MNT_RO "/new", O_WRONLY | O_CREAT, 0644), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(mkdir(MNT_RO "/newdir", 0755), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(unlink(MNT_RO "/hello.txt"), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(rmdir(MNT_RO "/dir"), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(rename(MNT_RO "/hello.txt", MNT_RO "/bye.txt"), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(chmod(MNT_RO "/hello.txt", 0600), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(truncate(MNT_RO "/hello.txt", 0), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(symlink("hello.txt", MNT_RO "/l"), -1);
	ASSERT_EQ(stat(MNT_RO "/hello.txt", &st), 0);
	EXPECT_EQ(st.st_size, 20);
}

static void statfs_share(void)
{
	struct statfs s;

	ASSERT_EQ(statfs(MNT, &s), 0);
	EXPECT_EQ(s.f_type, VBOXSF_MAGIC);
	EXPECT(s.f_blocks > 0 && s.f_bsize > 0, "blocks %llu bsize %ld",
	       (unsigned long long)s.f_blocks, (long)s.f_bsize);
}

static void unmount(void)
{
	long maps, handles;

	ASSERT(umount(MNT) == 0, "umount: %s", strerror(errno));
	ASSERT(umount(MNT_RO) == 0, "umount: %s", strerror(errno));
	host_share("sf", &maps, &handles);
	EXPECT_EQ(maps, 0);
	EXPECT_EQ(handles, 0);
	host_share("sfro", &maps, &handles);
	EXPECT_EQ(maps, 0);
	EXPECT_EQ(handles, 0);
}

static void rmmod_both(void)
{
	long long disc = vbgt_counter("hgcm.disconnects");

	/* Loadable modules have an initstate; built-in ones cannot go. */
	if (access("/sys/module/vboxsf/initstate", F_OK) ||
	    access("/sys/module/vboxguest/initstate", F_OK))
		vbgt_skip("vboxsf and vboxguest built into the kernel (the "
			  "debug kernel): no rmmod");
	/* Our run loads vbg_kapi_test.ko, a user of vboxguest, too. */
	if (!vbgt_is_reference())
		ASSERT(syscall(SYS_delete_module, "vbg_kapi_test", O_NONBLOCK) == 0,
		       "rmmod vbg_kapi_test: %s", strerror(errno));

	ASSERT(syscall(SYS_delete_module, "vboxsf", O_NONBLOCK) == 0,
	       "rmmod vboxsf: %s", strerror(errno));
	EXPECT_EQ(vbgt_counter("hgcm.disconnects"), disc + 1);
	ASSERT(syscall(SYS_delete_module, "vboxguest", O_NONBLOCK) == 0,
	       "rmmod vboxguest: %s", strerror(errno));
	EXPECT(access("/dev/vboxguest", F_OK) != 0, "/dev/vboxguest still there");
}

static const struct vbgt_case cases[] = {
	VBGT_CASE(mount_share),
	VBGT_CASE(create_read_write),
	VBGT_CASE(append),
	VBGT_CASE(truncate_file),
	VBGT_CASE(rename_file),
	VBGT_CASE(unlink_file),
	VBGT_CASE(mkdir_rmdir),
	VBGT_CASE_T(readdir_5000, 200),
	VBGT_CASE(stat_file),
	VBGT_CASE(chmod_file),
	VBGT_CASE(utimes_file),
	VBGT_CASE(symlink_file),
	VBGT_CASE(mmap_rw),
	VBGT_CASE_T(big_copy_in_out, 300),
	VBGT_CASE_T(concurrent, 150),
	VBGT_CASE(readonly_share),
	VBGT_CASE(statfs_share),
	VBGT_CASE(unmount),
	VBGT_CASE(rmmod_both),
};

VBGT_SUITE("t_sf", cases)
