// SPDX-License-Identifier: GPL-2.0
/*
 * t_vboxsf: the in-tree vboxsf, built unmodified against our headers and
 * Module.symvers, on our driver (make vboxsf-check; /init loaded it right
 * after vboxguest.ko).
 *
 * kernel_api_buffers: vbg_kapi_test.ko (tests/vboxsf/kapi, loaded after
 * vboxsf) drove vbg_hgcm_connect/_call/_disconnect with kmalloc, vmalloc
 * and empty kernel buffers against "vbgtest"; its cases passed and the
 * emulator saw embedded, contiguous and no-bounce page lists as expected.
 * vboxsf_linked_to_our_driver: vboxsf is live, uses vboxguest (our
 * module's exports resolved it) and registered its file system.
 * mount_reaches_host: a mount makes vboxsf connect to "VBoxSharedFolders"
 * through vbg_get_gdev()/vbg_hgcm_connect(); the share name is unknown to
 * the host (VERR_FILE_NOT_FOUND), which vboxsf turns into ENOENT.  The
 * host counted exactly one connect with vboxsf's requestor (kernel,
 * "other driver") and no disconnect.
 * t_sf (next) mounts real shares, tests the file system and unloads both
 * modules.
 */
#include "vbgt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define VMMDEVREQ_HGCM_CONNECT_TYPE	60
/* vboxsf's requestor: kernel mode, another driver, console unknown. */
#define VBOXSF_REQUESTOR	(VMMDEV_REQUESTOR_KERNEL | \
				 VMMDEV_REQUESTOR_USR_DRV_OTHER)

/* The /proc/modules line of @name, or "" if it is not loaded. */
static void module_line(const char *name, char *line, size_t len)
{
	size_t n = strlen(name);
	FILE *f = fopen("/proc/modules", "r");

	line[0] = 0;
	ASSERT(f, "/proc/modules: %s", strerror(errno));
	while (fgets(line, (int)len, f))
		if (!strncmp(line, name, n) && line[n] == ' ')
			break;
	if (strncmp(line, name, n) || line[n] != ' ')
		line[0] = 0;
	fclose(f);
	line[strcspn(line, "\n")] = 0;
}

/* Is @user in the "used by" field (the 4th) of /proc/modules @line? */
static int used_by(const char *line, const char *user)
{
	char users[200], *tok, *save;

	if (sscanf(line, "%*s %*s %*s %199s", users) != 1)
		return 0;
	for (tok = strtok_r(users, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, user))
			return 1;
	return 0;
}

static int has_filesystem(const char *fs)
{
	char line[128], name[64];
	FILE *f = fopen("/proc/filesystems", "r");
	int found = 0;

	ASSERT(f, "/proc/filesystems: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "nodev %63s", name) == 1 && !strcmp(name, fs))
			found = 1;
	fclose(f);
	return found;
}

/* A vbg_kapi_test module parameter, or -1. */
static long long kapi_param(const char *name)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/vbg_kapi_test/parameters/%s",
		 name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * vbg_kapi_test ran its cases when /init loaded it (before any program):
 * all passed, and the emulator saw each kernel buffer as the type the
 * driver should choose for it.  Nothing else in this boot sends buffers.
 */
static void kernel_api_buffers(void)
{
	long long linear = vbgt_counter("hgcm.param.4") +
			   vbgt_counter("hgcm.param.5") +
			   vbgt_counter("hgcm.param.6");

	ASSERT(kapi_param("passed") >= 0, "vbg_kapi_test is not loaded");
	vbgt_diag("vbg_kapi_test: %lld passed, %lld failed; sent 11/12/13/empty %lld/%lld/%lld/%lld; host 11/12/13/linear %lld/%lld/%lld/%lld, calls %lld, cancelled %lld",
		  kapi_param("passed"), kapi_param("failed"),
		  kapi_param("sent_embedded"), kapi_param("sent_contiguous"),
		  kapi_param("sent_nobounce"), kapi_param("sent_empty"),
		  vbgt_counter("hgcm.param.11"), vbgt_counter("hgcm.param.12"),
		  vbgt_counter("hgcm.param.13"), linear,
		  vbgt_counter("hgcm.calls"), vbgt_counter("hgcm.cancelled"));
	EXPECT_EQ(kapi_param("failed"), 0);
	EXPECT_EQ(kapi_param("passed"), 13);
	EXPECT_EQ(vbgt_counter("hgcm.param.11"), kapi_param("sent_embedded"));
	EXPECT_EQ(vbgt_counter("hgcm.param.12"), kapi_param("sent_contiguous"));
	EXPECT_EQ(vbgt_counter("hgcm.param.13"), kapi_param("sent_nobounce"));
	EXPECT_EQ(vbgt_counter("hgcm.param.10"), 0);
	EXPECT_EQ(linear, kapi_param("sent_empty"));
	/* 7 buffer calls, STATUS and the timed-out NEVER, which was dropped. */
	EXPECT_EQ(vbgt_counter("hgcm.calls"), 9);
	EXPECT_EQ(vbgt_counter("hgcm.cancelled"), 1);
}

static void vboxsf_linked_to_our_driver(void)
{
	char sf[256], vg[256];

	module_line("vboxsf", sf, sizeof(sf));
	module_line("vboxguest", vg, sizeof(vg));
	vbgt_diag("%s", sf[0] ? sf : "vboxsf not loaded");
	vbgt_diag("%s", vg[0] ? vg : "vboxguest not loaded");
	ASSERT(sf[0], "vboxsf is not loaded");
	ASSERT(vg[0], "vboxguest is not loaded");
	EXPECT(strstr(sf, " Live ") != NULL, "vboxsf not live: %s", sf);
	/* "vboxguest <size> <refs> <users>, Live ...": vboxsf uses it. */
	EXPECT(used_by(vg, "vboxsf"), "vboxguest not used by vboxsf: %s", vg);
	EXPECT(has_filesystem("vboxsf"), "no vboxsf in /proc/filesystems");
}

static void mount_reaches_host(void)
{
	long long connects = vbgt_counter("hgcm.connects");
	long long disconnects = vbgt_counter("hgcm.disconnects");
	long long completions = vbgt_counter("hgcm.completions");
	int ret;

	mkdir("/tmp/sf", 0755);
	ret = mount("nosuchshare", "/tmp/sf", "vboxsf", 0, "");
	EXPECT_EQ(ret, -1);
	EXPECT_EQ(errno, ENOENT);
	if (!ret)
		umount("/tmp/sf");
	EXPECT_EQ(vbgt_counter("hgcm.connects"), connects + 1);
	/* The connect, SET_UTF8, SET_SYMLINKS and the refused MAP_FOLDER. */
	EXPECT_EQ(vbgt_counter("hgcm.completions"), completions + 4);
	EXPECT_EQ(vbgt_counter("hgcm.disconnects"), disconnects);
	EXPECT_EQ(vbgt_ctl_num("last-requestor %d", VMMDEVREQ_HGCM_CONNECT_TYPE),
		  VBOXSF_REQUESTOR);
}

static const struct vbgt_case cases[] = {
	VBGT_CASE(kernel_api_buffers),
	VBGT_CASE(vboxsf_linked_to_our_driver),
	VBGT_CASE(mount_reaches_host),
};

VBGT_SUITE("t_vboxsf", cases)
