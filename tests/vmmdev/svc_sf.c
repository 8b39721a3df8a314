// SPDX-License-Identifier: GPL-2.0
/*
 * VMMDev emulator: the shared-folder service "VBoxSharedFolders"
 * (../../../shared/vmmdev-spec.md section 8.2; parameter layouts also from
 * the in-tree vboxsf's fs/vboxsf/shfl_hostintf.h, read as the consumer).
 *
 * Shares are host directories (--share NAME=DIR[,auto][,ro] or the sf-add
 * control command), global like a VM's folder list; a share's root id is
 * its slot.  Each client has its mappings, its UTF-8 / symlink switches and
 * a table of open handles (a handle is a slot number).
 *
 * Confinement: the service holds a directory fd per share and reaches every
 * object through openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) from it;
 * operations on a name (mkdir, unlink, rename, symlink, readlink) first
 * open the parent that way and then use the *at() call with one plain
 * component.  A guest path is normalised first ("." and empty components
 * dropped, ".." applied); a ".." above the root is VERR_INVALID_NAME.  A
 * symlink whose target leaves the share (absolute, or ".." beyond the root)
 * is refused by the kernel (EXDEV), reported as VERR_ACCESS_DENIED.
 *
 * A read-only share refuses every change (write access, create, replace,
 * attribute writes, remove, rename, symlink) with VERR_WRITE_PROTECT.
 *
 * Choices where neither source says (README, "Shared folders"): share names
 * match case-insensitively; an unknown name is VERR_FILE_NOT_FOUND; an
 * unmapped root VERR_INVALID_PARAMETER; an unknown handle
 * VERR_INVALID_HANDLE; a LIST buffer too small for one entry
 * VERR_BUFFER_OVERFLOW.  The deny (share) modes are ignored, as on any
 * POSIX host.  QUERY_MAP_INFO, WAIT_FOR_MAPPINGS_CHANGES and
 * CANCEL_MAPPINGS_CHANGES_WAITS (21-23) have the layouts VirtualBox's own
 * programs sent (observed; see each function); SET_FILE_SIZE (24) the
 * spec's convention.  LOCK and 26-29 answer VERR_NOT_IMPLEMENTED (no
 * layout in either source, never called by VirtualBox's programs here)
 * and log the parameters they got.
 *
 * Every entry point is serialised by the HGCM core (svc.h): no lock here.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hgcm.h"
#include "le.h"
#include "svc.h"
#include "svc_sf.h"

#define SF_MAX_HANDLES		4096	/* per client */
#define SF_PATH_MAX		4096	/* normalised path bytes, NUL included */

/**
 * struct sf_share - one shared folder.
 * @used:      slot in use (the slot number is the root id).
 * @name:      its name (UTF-8).
 * @dir:       the host directory as configured.
 * @fd:        that directory, opened once (O_PATH | O_DIRECTORY).
 * @automount: offered with the auto-mount flag of QUERY_MAPPINGS.
 * @readonly:  every change is refused with VERR_WRITE_PROTECT.
 * @mountpoint: where the host asks the guest to auto-mount it ("" = the
 *             guest's default), QUERY_MAP_INFO.
 * @version:   the mappings version when it was added (QUERY_MAP_INFO).
 * @maps:      mappings by all clients.
 * @handles:   open handles by all clients.
 */
struct sf_share {
	bool used;
	char name[SF_MAX_NAME + 1];
	char dir[PATH_MAX];
	int fd;
	bool automount;
	bool readonly;
	char mountpoint[SF_MAX_NAME + 1];
	uint32_t version;
	uint32_t maps;
	uint32_t handles;
};

/**
 * struct sf_handle - an open object.
 * @used:   slot in use.
 * @root:   its share.
 * @fd:     the host fd (O_PATH for a symlink shown as such).
 * @isdir:  a directory (LIST works, READ/WRITE do not).
 * @read:   opened with read access.
 * @write:  opened with write access.
 * @dp:     directory stream of LIST (a dup of @fd), NULL before the first.
 */
struct sf_handle {
	bool used;
	uint32_t root;
	int fd;
	bool isdir;
	bool read;
	bool write;
	DIR *dp;
};

/**
 * struct sf_client - one connected client.
 * @id:       the client id.
 * @utf8:     SET_UTF8 done: strings are UTF-8, else UTF-16.
 * @symlinks: SET_SYMLINKS done: symlinks are shown, not followed.
 * @delim:    path delimiter of its last MAP_FOLDER ('/' or '\\').
 * @maps:     mapping count of each root.
 * @h:        handle table.
 * @nh:       its size.
 */
struct sf_client {
	uint32_t id;
	bool utf8;
	bool symlinks;
	char delim;
	uint32_t maps[SF_MAX_MAPPINGS];
	struct sf_handle *h;
	uint32_t nh;
};

static struct sf_share shares[SF_MAX_MAPPINGS];

/*
 * The latest calls the service refused (a negative status), for the
 * sf-refusals command: a test checks each against what a real host
 * answers the call it saw.
 */
#define SF_REFUSALS		64
static struct {
	uint32_t fn;
	int32_t rc;
} refusals[SF_REFUSALS];
static uint32_t nrefusals;	/* since the last sf-refusals-clear */

/*
 * The mappings version: every share added or removed bumps it, and
 * WAIT_FOR_MAPPINGS_CHANGES calls pend until it differs from the guest's.
 */
static uint32_t map_version = 1;
#define SF_MAX_WAITS		64	/* pending mapping waits, all clients */
static struct {
	struct sf_client *c;
	struct hgcm_svc_call *call;
} waits[SF_MAX_WAITS];

/* ---- parameters and strings ---------------------------------------------- */

/* Does @call have exactly the kinds in @kinds ('u' u32, 'U' u64, 'b' buffer)? */
static bool sf_parms_ok(const struct hgcm_svc_call *call, const char *kinds)
{
	uint32_t i, n = (uint32_t)strlen(kinds);

	if (call->nparms != n) {
		vmmdev_log("guest-error: sf fn %u: %u parameters, want %u",
			   call->fn, call->nparms, n);
		return false;
	}
	for (i = 0; i < n; i++) {
		enum hgcm_parm_kind want = kinds[i] == 'u' ? HGCM_PARM_U32 :
					   kinds[i] == 'U' ? HGCM_PARM_U64 :
					   HGCM_PARM_BUF;

		if (call->parms[i].kind != want) {
			vmmdev_log("guest-error: sf fn %u: parameter %u has kind %d, want %d",
				   call->fn, i, call->parms[i].kind, want);
			return false;
		}
	}
	return true;
}

/* Appends code point @cp as UTF-8; false if it does not fit. */
static bool sf_put_utf8(char *out, size_t cap, size_t *len, uint32_t cp)
{
	uint8_t b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6);
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12);
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | cp >> 18);
		b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*len + n >= cap)
		return false;
	memcpy(out + *len, b, n);
	*len += n;
	return true;
}

/*
 * The SHFLSTRING in buffer parameter @p as a NUL-terminated UTF-8 string
 * in @out (@cap bytes), converting from UTF-16 for a client without
 * SET_UTF8 (@utf16).
 */
static int32_t sf_get_string(const struct hgcm_parm *p, bool utf16, char *out,
			     size_t cap)
{
	uint32_t size, length, i;
	const uint8_t *s = p->buf + 4;
	size_t len = 0;

	if (p->kind != HGCM_PARM_BUF || p->size < 4)
		return VERR_INVALID_PARAMETER;
	size = get16(p->buf);
	length = get16(p->buf + 2);
	if (length > size || 4 + size > p->size) {
		vmmdev_log("guest-error: sf: string of size %u length %u in a %u-byte buffer",
			   size, length, p->size);
		return VERR_INVALID_PARAMETER;
	}
	if (!utf16) {
		if (length >= cap)
			return VERR_FILENAME_TOO_LONG;
		if (memchr(s, 0, length))
			return VERR_INVALID_NAME;
		memcpy(out, s, length);
		out[length] = '\0';
		return VINF_SUCCESS;
	}
	if (length & 1)
		return VERR_INVALID_PARAMETER;
	for (i = 0; i < length; i += 2) {
		uint32_t cp = get16(s + i);

		if (cp >= 0xd800 && cp < 0xdc00 && i + 2 < length &&
		    get16(s + i + 2) >= 0xdc00 && get16(s + i + 2) < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			     (get16(s + i + 2) - 0xdc00);
			i += 2;
		} else if (cp >= 0xd800 && cp < 0xe000) {
			return VERR_INVALID_NAME;
		}
		if (!cp)
			return VERR_INVALID_NAME;
		if (!sf_put_utf8(out, cap, &len, cp))
			return VERR_FILENAME_TOO_LONG;
	}
	out[len] = '\0';
	return VINF_SUCCESS;
}

/* Decodes one UTF-8 sequence at @s (@n bytes left); 0xfffd if invalid. */
static uint32_t sf_utf8_next(const uint8_t *s, size_t n, size_t *used)
{
	uint32_t cp;
	size_t k, i;

	if (s[0] < 0x80) {
		*used = 1;
		return s[0];
	}
	k = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
	if (!k || k > n) {
		*used = 1;
		return 0xfffd;
	}
	cp = s[0] & (0x7f >> k);
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*used = 1;
			return 0xfffd;
		}
		cp = cp << 6 | (s[i] & 0x3f);
	}
	*used = k;
	return cp;
}

/*
 * Writes @str as a SHFLSTRING at @dst (room for @cap bytes, header
 * included) in the client's encoding.  Returns the bytes used, or 0 if it
 * does not fit.  The size field is the length plus the terminator.
 */
static uint32_t sf_put_string(uint8_t *dst, uint32_t cap, const char *str,
			      bool utf16)
{
	size_t n = strlen(str), i = 0, used;
	uint32_t len = 0;

	if (!utf16) {
		if (cap < 4 || n + 1 > cap - 4 || n > 0xfffe)
			return 0;
		put16(dst, (uint16_t)(n + 1));
		put16(dst + 2, (uint16_t)n);
		memcpy(dst + 4, str, n + 1);
		return (uint32_t)(4 + n + 1);
	}
	while (i < n) {
		uint32_t cp = sf_utf8_next((const uint8_t *)str + i, n - i, &used);

		i += used;
		if (cp >= 0x10000) {
			if (4 + len + 4 + 2 > cap)
				return 0;
			cp -= 0x10000;
			put16(dst + 4 + len, (uint16_t)(0xd800 + (cp >> 10)));
			put16(dst + 4 + len + 2, (uint16_t)(0xdc00 + (cp & 0x3ff)));
			len += 4;
		} else {
			if (4 + len + 2 + 2 > cap)
				return 0;
			put16(dst + 4 + len, (uint16_t)cp);
			len += 2;
		}
	}
	if (len > 0xfffd)
		return 0;
	put16(dst + 4 + len, 0);
	put16(dst, (uint16_t)(len + 2));
	put16(dst + 2, (uint16_t)len);
	return 4 + len + 2;
}

/* ---- paths --------------------------------------------------------------- */

/*
 * Normalises guest path @in (delimiter @delim) into @out, relative to the
 * share root: "." for the root itself, else "a/b/c" with no ".", ".." or
 * empty components.  A ".." above the root: VERR_INVALID_NAME.
 */
static int32_t sf_normalise(const char *in, char delim, char *out)
{
	size_t len = 0;
	const char *p = in;

	while (*p) {
		const char *e = p;
		size_t n;

		while (*e && *e != '/' && *e != delim)
			e++;
		n = (size_t)(e - p);
		if (n == 2 && !memcmp(p, "..", 2)) {
			if (!len) {
				vmmdev_log("guest-error: sf: \"%s\" leaves the share", in);
				return VERR_INVALID_NAME;
			}
			while (len && out[len - 1] != '/')
				len--;
			if (len)
				len--;
		} else if (n && !(n == 1 && *p == '.')) {
			if (len + !!len + n + 1 > SF_PATH_MAX)
				return VERR_FILENAME_TOO_LONG;
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		p = *e ? e + 1 : e;
	}
	if (!len)
		out[len++] = '.';
	out[len] = '\0';
	return VINF_SUCCESS;
}

/* Splits normalised @path in place: returns the last component, or NULL for the root. */
static char *sf_split(char *path, const char **parent)
{
	char *slash = strrchr(path, '/');

	if (!strcmp(path, "."))
		return NULL;
	if (!slash) {
		*parent = ".";
		return path;
	}
	*slash = '\0';
	*parent = path;
	return slash + 1;
}

/* openat2() beneath the share root; -1 with errno on failure. */
static int sf_open(const struct sf_share *s, const char *path, uint64_t flags,
		   uint64_t mode)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, s->fd, path, &how, sizeof(how));
}

/* A host errno as a VirtualBox status. */
static int32_t sf_errno(int e)
{
	switch (e) {
	case 0:
		return VINF_SUCCESS;
	case ENOENT:
		return VERR_FILE_NOT_FOUND;
	case ENOTDIR:
		return VERR_PATH_NOT_FOUND;
	case EEXIST:
		return VERR_ALREADY_EXISTS;
	case EACCES:
	case EPERM:
	case EXDEV:	/* openat2: the path left the share */
		return VERR_ACCESS_DENIED;
	case ELOOP:
		return VERR_TOO_MANY_SYMLINKS;
	case ENAMETOOLONG:
		return VERR_FILENAME_TOO_LONG;
	case EISDIR:
		return VERR_IS_A_DIRECTORY;
	case ENOTEMPTY:
		return VERR_DIR_NOT_EMPTY;
	case ENOSPC:
	case EDQUOT:
		return VERR_DISK_FULL;
	case EFBIG:
		return VERR_FILE_TOO_BIG;
	case EROFS:
		return VERR_WRITE_PROTECT;
	case EBADF:
		return VERR_INVALID_HANDLE;
	case EINVAL:
		return VERR_INVALID_PARAMETER;
	case ENOMEM:
		return VERR_NO_MEMORY;
	case EMFILE:
	case ENFILE:
		return VERR_TOO_MANY_OPEN_FILES;
	default:
		return VERR_GENERAL_FAILURE;
	}
}

/*
 * Looks @path up: VINF_SUCCESS with @st, VERR_FILE_NOT_FOUND (the parent
 * exists), VERR_PATH_NOT_FOUND (it does not), or another status (escape).
 */
static int32_t sf_lookup(const struct sf_share *s, const char *path,
			 bool nofollow, struct stat *st)
{
	char parent[SF_PATH_MAX];
	const char *dir;
	int fd, e;

	fd = sf_open(s, path, O_PATH | (nofollow ? O_NOFOLLOW : 0), 0);
	if (fd >= 0) {
		e = fstat(fd, st) ? errno : 0;
		close(fd);
		return sf_errno(e);
	}
	e = errno;
	if (e != ENOENT)
		return sf_errno(e);
	snprintf(parent, sizeof(parent), "%s", path);
	if (!sf_split(parent, &dir))
		return VERR_PATH_NOT_FOUND;
	fd = sf_open(s, dir, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ?
		       VERR_PATH_NOT_FOUND : sf_errno(errno);
	close(fd);
	return VERR_FILE_NOT_FOUND;
}

/* ---- object information -------------------------------------------------- */

static uint64_t sf_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

/* shfl_fsobjinfo (92 bytes) of @st at @p. */
static void sf_put_info(uint8_t *p, const struct stat *st)
{
	memset(p, 0, SF_OBJINFO_BYTES);
	put64(p, (uint64_t)st->st_size);
	put64(p + 8, (uint64_t)st->st_blocks * 512);
	put64(p + 16, sf_ns(&st->st_atim));
	put64(p + 24, sf_ns(&st->st_mtim));
	put64(p + 32, sf_ns(&st->st_ctim));
	put64(p + 40, sf_ns(&st->st_ctim));
	put32(p + 48, st->st_mode);
	put32(p + 52, 2);	/* SHFLFSOBJATTRADD_UNIX */
	put32(p + 56, st->st_uid);
	put32(p + 60, st->st_gid);
	put32(p + 64, (uint32_t)st->st_nlink);
	put32(p + 68, (uint32_t)st->st_dev);
	put64(p + 72, st->st_ino);
	put32(p + 88, (uint32_t)st->st_rdev);
}

/* ---- clients, shares, handles -------------------------------------------- */

/* The share of mapped @root for @c, or NULL (logged). */
static struct sf_share *sf_root(const struct sf_client *c, uint32_t root)
{
	if (root >= SF_MAX_MAPPINGS || !c->maps[root] || !shares[root].used) {
		vmmdev_log("guest-error: sf: client %u: root %u is not mapped",
			   c->id, root);
		return NULL;
	}
	return &shares[root];
}

static struct sf_handle *sf_get_handle(const struct sf_client *c,
				       uint32_t root, uint64_t handle)
{
	struct sf_handle *h;

	if (handle >= c->nh || !c->h[handle].used) {
		vmmdev_log("guest-error: sf: client %u: no handle %llu",
			   c->id, (unsigned long long)handle);
		return NULL;
	}
	h = &c->h[handle];
	if (h->root != root) {
		vmmdev_log("guest-error: sf: client %u: handle %llu is on root %u, not %u",
			   c->id, (unsigned long long)handle, h->root, root);
		return NULL;
	}
	return h;
}

/* A new handle slot for @fd on @root; SF_HANDLE_NIL if the table is full. */
static uint64_t sf_new_handle(struct sf_client *c, uint32_t root, int fd,
			      bool isdir, bool rd, bool wr)
{
	uint32_t i;

	for (i = 0; i < c->nh && c->h[i].used; i++)
		;
	if (i == c->nh) {
		uint32_t n = c->nh ? c->nh * 2 : 16;
		struct sf_handle *t;

		if (c->nh >= SF_MAX_HANDLES)
			return SF_HANDLE_NIL;
		if (n > SF_MAX_HANDLES)
			n = SF_MAX_HANDLES;
		t = realloc(c->h, n * sizeof(*t));
		if (!t)
			return SF_HANDLE_NIL;
		memset(t + c->nh, 0, (n - c->nh) * sizeof(*t));
		c->h = t;
		c->nh = n;
	}
	c->h[i] = (struct sf_handle){ .used = true, .root = root, .fd = fd,
				      .isdir = isdir, .read = rd, .write = wr };
	shares[root].handles++;
	return i;
}

static void sf_close_handle(struct sf_handle *h)
{
	if (h->dp)
		closedir(h->dp);
	close(h->fd);
	shares[h->root].handles--;
	memset(h, 0, sizeof(*h));
}

static int32_t sf_connect(uint32_t client_id, uint32_t requestor,
			  void **client)
{
	struct sf_client *c = calloc(1, sizeof(*c));

	(void)requestor;
	if (!c)
		return VERR_NO_MEMORY;
	c->id = client_id;
	c->delim = '/';
	*client = c;
	return VINF_SUCCESS;
}

static void sf_disconnect(void *client)
{
	struct sf_client *c = client;
	uint32_t i;

	if (!c)
		return;
	/*
	 * Mapping waits are forgotten, not completed (the spec does not say
	 * what a host does; the core keeps them pending, svc.h).
	 */
	for (i = 0; i < SF_MAX_WAITS; i++)
		if (waits[i].c == c)
			waits[i].call = NULL;
	for (i = 0; i < c->nh; i++)
		if (c->h[i].used)
			sf_close_handle(&c->h[i]);
	for (i = 0; i < SF_MAX_MAPPINGS; i++)
		shares[i].maps -= c->maps[i];
	free(c->h);
	free(c);
}

/* ---- mappings ------------------------------------------------------------ */

static int32_t sf_query_mappings(struct sf_client *c, struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	uint32_t i, n = 0, room;

	(void)c;
	if (!sf_parms_ok(call, "uub"))
		return VERR_INVALID_PARAMETER;
	room = p[1].u32 < p[2].size / 8 ? p[1].u32 : p[2].size / 8;
	for (i = 0; i < SF_MAX_MAPPINGS; i++) {
		if (!shares[i].used ||
		    ((p[0].u32 & SF_MQF_AUTOMOUNT) && !shares[i].automount))
			continue;
		if (n < room) {
			put32(p[2].buf + 8 * n, 1);	/* status: new */
			put32(p[2].buf + 8 * n + 4, i);
		}
		n++;
	}
	p[1].u32 = n;
	return n > room ? VINF_BUFFER_OVERFLOW : VINF_SUCCESS;
}

/*
 * The share whose root is @call's first parameter, mapped by the client or
 * not, if the parameters have @kinds; NULL if not or no such root.
 */
static struct sf_share *sf_any_root(const struct hgcm_svc_call *call,
				    const char *kinds)
{
	uint32_t root;

	if (!sf_parms_ok(call, kinds))
		return NULL;
	root = call->parms[0].u32;
	if (root >= SF_MAX_MAPPINGS || !shares[root].used)
		return NULL;
	return &shares[root];
}

static int32_t sf_query_map_name(struct sf_client *c, struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	struct sf_share *s = sf_any_root(call, "ub");

	if (!s)
		return VERR_INVALID_PARAMETER;
	if (!sf_put_string(p[1].buf, p[1].size, s->name, !c->utf8))
		return VERR_BUFFER_OVERFLOW;
	return VINF_SUCCESS;
}

/* MAP_FOLDER (name, root out, delimiter, case-sensitive) and the 3-parameter legacy form. */
static int32_t sf_map_folder(struct sf_client *c, struct hgcm_svc_call *call,
			     bool legacy)
{
	struct hgcm_parm *p = call->parms;
	char name[4 * SF_MAX_NAME + 1];
	int32_t rc;
	uint32_t i;

	if (!sf_parms_ok(call, legacy ? "buu" : "buuu"))
		return VERR_INVALID_PARAMETER;
	/* The legacy form always carries UTF-16 names. */
	rc = sf_get_string(&p[0], legacy || !c->utf8, name, sizeof(name));
	if (rc)
		return rc;
	if (p[2].u32 != '/' && p[2].u32 != '\\') {
		vmmdev_log("guest-error: sf: delimiter 0x%x", p[2].u32);
		return VERR_INVALID_PARAMETER;
	}
	for (i = 0; i < SF_MAX_MAPPINGS; i++)
		if (shares[i].used && !strcasecmp(shares[i].name, name))
			break;
	if (i == SF_MAX_MAPPINGS) {
		vmmdev_log("sf: client %u: no share \"%s\"", c->id, name);
		return VERR_FILE_NOT_FOUND;
	}
	c->delim = (char)p[2].u32;
	c->maps[i]++;
	shares[i].maps++;
	p[1].u32 = i;
	return VINF_SUCCESS;
}

static int32_t sf_unmap_folder(struct sf_client *c, struct hgcm_svc_call *call)
{
	uint32_t root, i;

	if (!sf_parms_ok(call, "u"))
		return VERR_INVALID_PARAMETER;
	root = call->parms[0].u32;
	if (!sf_root(c, root))
		return VERR_INVALID_PARAMETER;
	/* The last mapping of a root takes the client's handles on it along. */
	if (c->maps[root] == 1)
		for (i = 0; i < c->nh; i++)
			if (c->h[i].used && c->h[i].root == root)
				sf_close_handle(&c->h[i]);
	c->maps[root]--;
	shares[root].maps--;
	return VINF_SUCCESS;
}

/*
 * QUERY_MAP_INFO (21): root u32 in, name SHFLSTRING out, auto-mount point
 * SHFLSTRING out, flags u64 in/out, root version u32 out.  Neither the
 * spec nor shfl_hostintf.h has this layout: it is what VBoxControl and
 * VBoxService 7.2.22 send (kinds and sizes logged by this service; the
 * string buffers come with their size field set, 514 and 522 bytes), and
 * the flag bits are the ones VBoxControl's "sharedfolder list" prints for
 * them: 0x1 writable, 0x2 auto-mount, 0x4 host-icase, 0x8 guest-icase,
 * 0x10 create-symlink.  Strings in the client's encoding (SET_UTF8), as
 * QUERY_MAP_NAME; an unknown root VERR_INVALID_PARAMETER, as there.  Any
 * root the host has is answered, mapped by this client or not.
 */
static int32_t sf_query_map_info(struct sf_client *c, struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	struct sf_share *s = sf_any_root(call, "ubbUu");

	if (!s)
		return VERR_INVALID_PARAMETER;
	if (!sf_put_string(p[1].buf, p[1].size, s->name, !c->utf8) ||
	    !sf_put_string(p[2].buf, p[2].size, s->mountpoint, !c->utf8))
		return VERR_BUFFER_OVERFLOW;
	/* Host names are case-sensitive (Linux); symlinks as SYMLINK allows. */
	p[3].u64 = (s->readonly ? 0 : SF_MIF_WRITABLE | SF_MIF_SYMLINK_CREATION) |
		   (s->automount ? SF_MIF_AUTO_MOUNT : 0);
	p[4].u32 = s->version;
	return VINF_SUCCESS;
}

/* Completes every mapping wait of @c (all clients if NULL) with @rc. */
static void sf_end_waits(const struct sf_client *c, int32_t rc)
{
	uint32_t i;

	for (i = 0; i < SF_MAX_WAITS; i++) {
		if (!waits[i].call || (c && waits[i].c != c))
			continue;
		waits[i].call->parms[0].u32 = map_version;
		hgcm_svc_complete(waits[i].call, rc);
		waits[i].call = NULL;
	}
}

/*
 * WAIT_FOR_MAPPINGS_CHANGES (22): version u32 in/out.  Observed (as fn 21)
 * from VBoxService 7.2.22's automounter: it cancels its client's waits
 * (fn 23, no parameters) when it starts, calls this with 0, then with the
 * version it got back, and with the new one after each change; it cancels
 * again when it ends.  A version other than the
 * current one returns at once with the current one; the current one
 * waits until a share is added or removed (then VINF_SUCCESS and the new
 * version) or the client calls CANCEL_MAPPINGS_CHANGES_WAITS
 * (VERR_CANCELLED, spec 8.2).  At most SF_MAX_WAITS waits in all:
 * VERR_OUT_OF_RESOURCES, as the guest property service's waits.
 */
static int32_t sf_wait_mappings(struct sf_client *c, struct hgcm_svc_call *call)
{
	uint32_t i;

	if (!sf_parms_ok(call, "u"))
		return VERR_INVALID_PARAMETER;
	vmmdev_log("sf: client %u: mapping wait with version %u (the host's: %u)",
		   c->id, call->parms[0].u32, map_version);
	if (call->parms[0].u32 != map_version) {
		call->parms[0].u32 = map_version;
		return VINF_SUCCESS;
	}
	for (i = 0; i < SF_MAX_WAITS && waits[i].call; i++)
		;
	if (i == SF_MAX_WAITS)
		return VERR_OUT_OF_RESOURCES;
	waits[i].c = c;
	waits[i].call = call;
	return HGCM_SVC_PENDING;
}

/* CANCEL_MAPPINGS_CHANGES_WAITS (23): no parameters (observed, as fn 22). */
static int32_t sf_cancel_mappings_waits(struct sf_client *c,
					struct hgcm_svc_call *call)
{
	if (!sf_parms_ok(call, ""))
		return VERR_INVALID_PARAMETER;
	vmmdev_log("sf: client %u cancels its mapping waits", c->id);
	sf_end_waits(c, VERR_CANCELLED);
	return VINF_SUCCESS;
}

/* ---- create / open --------------------------------------------------------- */

/* Root, share and normalised path of a (root u32, path buffer) pair. */
static int32_t sf_path_args(struct sf_client *c, const struct hgcm_parm *p,
			    struct sf_share **s, char *path)
{
	char raw[SF_PATH_MAX];
	int32_t rc;

	*s = sf_root(c, p[0].u32);
	if (!*s)
		return VERR_INVALID_PARAMETER;
	rc = sf_get_string(&p[1], !c->utf8, raw, sizeof(raw));
	if (rc)
		return rc;
	return sf_normalise(raw, c->delim, path);
}

/* Opens the existing object @path as CREATE asks (@cf); the fd or -errno. */
static int sf_open_existing(const struct sf_client *c, const struct sf_share *s,
			    const char *path, const struct stat *st, uint32_t cf,
			    bool trunc)
{
	uint32_t acc = cf & (SF_CF_ACCESS_READ | SF_CF_ACCESS_WRITE);
	int fd, fl;

	if (S_ISDIR(st->st_mode))
		fl = O_RDONLY | O_DIRECTORY;
	else if (S_ISLNK(st->st_mode) && c->symlinks)
		fl = O_PATH | O_NOFOLLOW;
	else
		fl = (acc == (SF_CF_ACCESS_READ | SF_CF_ACCESS_WRITE) ? O_RDWR :
		      acc == SF_CF_ACCESS_WRITE ? O_WRONLY : O_RDONLY) |
		     ((cf & SF_CF_ACCESS_APPEND) && (acc & SF_CF_ACCESS_WRITE) ?
		      O_APPEND : 0) | (trunc ? O_TRUNC : 0) | O_NONBLOCK;
	if (trunc && !(fl & (O_WRONLY | O_RDWR)))
		fl = (fl & ~O_ACCMODE) | O_RDWR;
	fd = sf_open(s, path, (uint64_t)fl | (c->symlinks ? O_NOFOLLOW : 0), 0);
	if (fd < 0)
		return -errno;
	/* Only the open itself may not wait (a FIFO); I/O blocks as usual. */
	if (!(fl & O_PATH) && !S_ISDIR(st->st_mode))
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* Creates @path as CREATE asks; the fd or -errno. */
static int sf_create_new(const struct sf_share *s, char *path, uint32_t cf,
			 uint32_t mode)
{
	uint32_t acc = cf & (SF_CF_ACCESS_READ | SF_CF_ACCESS_WRITE);
	char tmp[SF_PATH_MAX];
	const char *dir;
	char *name;
	int fd, pfd, e;

	if (cf & SF_CF_DIRECTORY) {
		mode = mode ? mode : 0777;
		snprintf(tmp, sizeof(tmp), "%s", path);
		name = sf_split(tmp, &dir);
		if (!name)
			return -EEXIST;
		pfd = sf_open(s, dir, O_PATH | O_DIRECTORY, 0);
		if (pfd < 0)
			return -errno;
		e = mkdirat(pfd, name, mode) ? errno : 0;
		close(pfd);
		if (e)
			return -e;
		fd = sf_open(s, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	} else {
		mode = mode ? mode : 0666;
		fd = sf_open(s, path, O_CREAT | O_EXCL | O_NOFOLLOW |
			     (acc == (SF_CF_ACCESS_READ | SF_CF_ACCESS_WRITE) ?
			      O_RDWR : acc == SF_CF_ACCESS_WRITE ? O_WRONLY :
			      O_RDONLY) |
			     ((cf & SF_CF_ACCESS_APPEND) ? O_APPEND : 0), mode);
	}
	if (fd < 0)
		return -errno;
	/* The mode the guest asked for, not the emulator's umask of it. */
	fchmod(fd, mode);
	return fd;
}

static bool sf_cf_writes(uint32_t cf)
{
	return (cf & (SF_CF_ACCESS_WRITE | SF_CF_ACCESS_ATTR_WRITE |
		      SF_CF_ACCESS_APPEND)) ||
	       (cf & SF_CF_IF_EXISTS_MASK) == SF_CF_REPLACE_IF_EXISTS ||
	       (cf & SF_CF_IF_EXISTS_MASK) == SF_CF_OVERWRITE_IF_EXISTS;
}

static int32_t sf_create(struct sf_client *c, struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	char path[SF_PATH_MAX];
	uint32_t cf, exists_act, result;
	struct sf_share *s;
	struct stat st;
	uint8_t *cp;
	uint64_t handle = SF_HANDLE_NIL;
	int32_t rc;
	int fd;

	if (!sf_parms_ok(call, "ubb") || p[2].size < SF_CREATEPARMS_SIZE)
		return VERR_INVALID_PARAMETER;
	cp = p[2].buf;
	rc = sf_path_args(c, p, &s, path);
	if (rc)
		return rc;
	cf = get32(cp + 12);
	if (cf & SF_CF_OPEN_TARGET_DIR) {
		const char *dir = path;

		/* The parent stays in @path, unless it is the root. */
		if (sf_split(path, &dir) && dir != path)
			snprintf(path, sizeof(path), ".");
	}
	put64(cp, SF_HANDLE_NIL);
	rc = sf_lookup(s, path, c->symlinks, &st);
	if (cf & SF_CF_LOOKUP) {
		result = rc == VINF_SUCCESS ? SF_FILE_EXISTS :
			 rc == VERR_FILE_NOT_FOUND ? SF_FILE_NOT_FOUND :
			 rc == VERR_PATH_NOT_FOUND ? SF_PATH_NOT_FOUND : 0;
		if (!result)
			return rc;
		if (rc == VINF_SUCCESS)
			sf_put_info(cp + 16, &st);
		put32(cp + 8, result);
		return VINF_SUCCESS;
	}
	exists_act = cf & SF_CF_IF_EXISTS_MASK;
	if (rc == VINF_SUCCESS) {
		bool trunc = exists_act == SF_CF_REPLACE_IF_EXISTS ||
			     exists_act == SF_CF_OVERWRITE_IF_EXISTS;

		sf_put_info(cp + 16, &st);
		put32(cp + 8, SF_FILE_EXISTS);
		if (exists_act == SF_CF_FAIL_IF_EXISTS ||
		    (trunc && S_ISDIR(st.st_mode)))
			return VINF_SUCCESS;
		if ((cf & SF_CF_DIRECTORY) && !S_ISDIR(st.st_mode))
			return VERR_NOT_A_DIRECTORY;
		if (s->readonly && sf_cf_writes(cf))
			return VERR_WRITE_PROTECT;
		fd = sf_open_existing(c, s, path, &st, cf, trunc);
		result = trunc ? SF_FILE_REPLACED : SF_FILE_EXISTS;
	} else if (rc == VERR_FILE_NOT_FOUND) {
		put32(cp + 8, SF_FILE_NOT_FOUND);
		if ((cf & SF_CF_IF_NEW_MASK) == SF_CF_FAIL_IF_NEW)
			return VINF_SUCCESS;
		if (s->readonly)
			return VERR_WRITE_PROTECT;
		fd = sf_create_new(s, path, cf, get32(cp + 16 + 48) & 07777);
		result = SF_FILE_CREATED;
	} else if (rc == VERR_PATH_NOT_FOUND) {
		put32(cp + 8, SF_PATH_NOT_FOUND);
		return VINF_SUCCESS;
	} else {
		return rc;
	}
	if (fd < 0)
		return sf_errno(-fd);
	if (fstat(fd, &st)) {
		rc = sf_errno(errno);
		close(fd);
		return rc;
	}
	handle = sf_new_handle(c, (uint32_t)(s - shares), fd, S_ISDIR(st.st_mode),
			       !(cf & SF_CF_ACCESS_WRITE) || (cf & SF_CF_ACCESS_READ),
			       (cf & SF_CF_ACCESS_WRITE) || result == SF_FILE_REPLACED);
	if (handle == SF_HANDLE_NIL) {
		close(fd);
		return VERR_TOO_MANY_OPEN_FILES;
	}
	put64(cp, handle);
	put32(cp + 8, result);
	sf_put_info(cp + 16, &st);
	return VINF_SUCCESS;
}

/* The handle of a (root u32, handle u64) call: CLOSE and FLUSH. */
static int32_t sf_handle_parms(struct sf_client *c, struct hgcm_svc_call *call,
			       struct sf_handle **h)
{
	if (!sf_parms_ok(call, "uU"))
		return VERR_INVALID_PARAMETER;
	*h = sf_get_handle(c, call->parms[0].u32, call->parms[1].u64);
	return *h ? VINF_SUCCESS : VERR_INVALID_HANDLE;
}

static int32_t sf_close(struct sf_client *c, struct hgcm_svc_call *call)
{
	struct sf_handle *h;
	int32_t rc = sf_handle_parms(c, call, &h);

	if (!rc)
		sf_close_handle(h);
	return rc;
}

/* ---- read / write / flush -------------------------------------------------- */

/* READ (root, handle, offset, count in/out, data out) and WRITE (data in). */
static int32_t sf_rw(struct sf_client *c, struct hgcm_svc_call *call, bool wr)
{
	struct hgcm_parm *p = call->parms;
	struct sf_handle *h;
	uint32_t n;
	ssize_t r;

	if (!sf_parms_ok(call, "uUUub"))
		return VERR_INVALID_PARAMETER;
	n = p[3].u32;
	p[3].u32 = 0;
	if (!sf_root(c, p[0].u32))
		return VERR_INVALID_PARAMETER;
	h = sf_get_handle(c, p[0].u32, p[1].u64);
	if (!h)
		return VERR_INVALID_HANDLE;
	if (n > p[4].size || n > SF_MAX_RW || p[2].u64 > INT64_MAX) {
		vmmdev_log("guest-error: sf: %s of %u bytes, buffer %u",
			   wr ? "write" : "read", n, p[4].size);
		return VERR_INVALID_PARAMETER;
	}
	if (h->isdir)
		return VERR_IS_A_DIRECTORY;
	if (wr && shares[h->root].readonly)
		return VERR_WRITE_PROTECT;
	if (wr ? !h->write : !h->read)
		return VERR_ACCESS_DENIED;
	if (wr)
		r = pwrite(h->fd, p[4].buf, n, (off_t)p[2].u64);
	else
		r = pread(h->fd, p[4].buf, n, (off_t)p[2].u64);
	if (r < 0)
		return sf_errno(errno);
	p[3].u32 = (uint32_t)r;
	if (wr) {
		/* Feature bit 0: the offset after the write (appends: the end). */
		if (fcntl(h->fd, F_GETFL) & O_APPEND)
			p[2].u64 = (uint64_t)lseek(h->fd, 0, SEEK_END);
		else
			p[2].u64 += (uint64_t)r;
	} else {
		p[4].out_size = (uint32_t)r;
	}
	return VINF_SUCCESS;
}

static int32_t sf_flush(struct sf_client *c, struct hgcm_svc_call *call)
{
	struct sf_handle *h;
	int32_t rc = sf_handle_parms(c, call, &h);

	if (rc)
		return rc;
	if (shares[h->root].readonly)
		return VERR_WRITE_PROTECT;
	return fsync(h->fd) && errno != EINVAL && errno != EBADF ?
	       sf_errno(errno) : VINF_SUCCESS;
}

/* Is the directory of @h its share's root? */
static bool sf_is_root(const struct sf_handle *h)
{
	struct stat a, b;

	return !fstat(h->fd, &a) && !fstat(shares[h->root].fd, &b) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* ---- list ---------------------------------------------------------------- */

/*
 * LIST (root, handle, flags, bytes in/out, filter in, entries out, resume
 * point in/out, count out).  The position is the handle's: every call
 * continues where the previous one stopped (RESTART rewinds); the guest's
 * resume point is not needed for that and only reported back (the index
 * of the next entry, 0 once the directory is exhausted).  At the end with
 * nothing returned: VERR_NO_MORE_FILES.
 */
static int32_t sf_list(struct sf_client *c, struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	char filter[SF_PATH_MAX] = "";
	uint32_t cap, used = 0, count = 0;
	struct sf_handle *h;
	struct dirent *de;
	int32_t rc;

	if (!sf_parms_ok(call, "uUuubbuu"))
		return VERR_INVALID_PARAMETER;
	cap = p[3].u32 < p[5].size ? p[3].u32 : p[5].size;
	p[3].u32 = 0;
	p[7].u32 = 0;
	if (!sf_root(c, p[0].u32))
		return VERR_INVALID_PARAMETER;
	h = sf_get_handle(c, p[0].u32, p[1].u64);
	if (!h)
		return VERR_INVALID_HANDLE;
	if (!h->isdir)
		return VERR_NOT_A_DIRECTORY;
	if (p[4].size) {
		rc = sf_get_string(&p[4], !c->utf8, filter, sizeof(filter));
		if (rc)
			return rc;
	}
	if (!h->dp) {
		int fd = dup(h->fd);

		h->dp = fd >= 0 ? fdopendir(fd) : NULL;
		if (!h->dp) {
			rc = sf_errno(errno);
			if (fd >= 0)
				close(fd);
			return rc;
		}
	} else if (p[2].u32 & SF_LIST_RESTART) {
		rewinddir(h->dp);
	}
	for (;;) {
		long pos = telldir(h->dp);
		uint8_t *e = p[5].buf + used;
		struct stat st;
		uint32_t n;

		errno = 0;
		de = readdir(h->dp);
		if (!de) {
			if (errno)
				return sf_errno(errno);
			break;
		}
		if (filter[0] && fnmatch(filter, de->d_name, 0))
			continue;
		if (used + SF_DIRINFO_NAME >= cap ||
		    !(n = sf_put_string(e + SF_DIRINFO_NAME,
					cap - used - SF_DIRINFO_NAME,
					de->d_name, !c->utf8))) {
			seekdir(h->dp, pos);
			if (!count)
				return VERR_BUFFER_OVERFLOW;
			break;
		}
		/* ".." of the root is the root: nothing outside is shown. */
		if (fstatat(h->fd, !strcmp(de->d_name, "..") && sf_is_root(h) ?
			    "." : de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			memset(&st, 0, sizeof(st));
		sf_put_info(e, &st);
		memset(e + SF_OBJINFO_BYTES, 0, SF_DIRINFO_NAME - SF_OBJINFO_BYTES);
		used += SF_DIRINFO_NAME + n;
		count++;
		if (p[2].u32 & SF_LIST_RETURN_ONE)
			break;
	}
	p[3].u32 = used;
	p[5].out_size = used;
	p[7].u32 = count;
	if (!count)
		return VERR_NO_MORE_FILES;
	p[6].u32 += count;
	return VINF_SUCCESS;
}

/* ---- information ----------------------------------------------------------- */

static int32_t sf_volume_info(const struct sf_share *s, struct hgcm_parm *p)
{
	struct statvfs v;
	uint8_t *b = p[4].buf;

	if (p[4].size < SF_VOLINFO_SIZE || p[3].u32 < SF_VOLINFO_SIZE)
		return VERR_INVALID_PARAMETER;
	if (fstatvfs(s->fd, &v))
		return sf_errno(errno);
	memset(b, 0, SF_VOLINFO_SIZE);
	put64(b, (uint64_t)v.f_blocks * v.f_frsize);
	put64(b + 8, (uint64_t)v.f_bavail * v.f_frsize);
	put32(b + 16, (uint32_t)v.f_bsize);
	put32(b + 20, 512);
	put32(b + 24, (uint32_t)v.f_fsid);
	put32(b + 28, (uint32_t)v.f_namemax);	/* max component length */
	b[32] = 0;				/* remote */
	b[33] = 1;				/* case sensitive */
	b[34] = s->readonly || (v.f_flag & ST_RDONLY);
	b[35] = 1;				/* unicode */
	p[3].u32 = SF_VOLINFO_SIZE;
	return VINF_SUCCESS;
}

/* Applies the mode and times of shfl_fsobjinfo @b (0 = leave alone). */
static int32_t sf_set_file_info(const struct sf_handle *h, const uint8_t *b)
{
	char proc[64];
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT },
				  { .tv_nsec = UTIME_OMIT } };
	uint64_t at = get64(b + 16), mt = get64(b + 24);
	uint32_t mode = get32(b + 48);

	/* Through /proc: the handle may be an O_PATH one. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", h->fd);
	if (mode & 07777 && chmod(proc, mode & 07777))
		return sf_errno(errno);
	if (at) {
		ts[0].tv_sec = (time_t)(at / 1000000000ull);
		ts[0].tv_nsec = (long)(at % 1000000000ull);
	}
	if (mt) {
		ts[1].tv_sec = (time_t)(mt / 1000000000ull);
		ts[1].tv_nsec = (long)(mt % 1000000000ull);
	}
	if ((at || mt) && utimensat(AT_FDCWD, proc, ts, 0))
		return sf_errno(errno);
	return VINF_SUCCESS;
}

/* Sets the size of the file of @h (opened for writing) to @size. */
static int32_t sf_truncate(const struct sf_share *s, const struct sf_handle *h,
			   uint64_t size)
{
	if (s->readonly)
		return VERR_WRITE_PROTECT;
	if (h->isdir)
		return VERR_IS_A_DIRECTORY;
	if (!h->write)
		return VERR_ACCESS_DENIED;
	if (size > INT64_MAX)
		return VERR_INVALID_PARAMETER;
	return ftruncate(h->fd, (off_t)size) ? sf_errno(errno) : VINF_SUCCESS;
}

/*
 * SET_FILE_SIZE (24): root u32, handle u64, size u64.  No source has its
 * layout and none of VirtualBox's programs here called it: this is the
 * spec's convention for a handle operation (root, handle, then the
 * operand, as CLOSE, READ and WRITE), with INFORMATION's set-size rules.
 */
static int32_t sf_set_file_size(struct sf_client *c, struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	struct sf_handle *h;
	struct sf_share *s;

	if (!sf_parms_ok(call, "uUU"))
		return VERR_INVALID_PARAMETER;
	s = sf_root(c, p[0].u32);
	if (!s)
		return VERR_INVALID_PARAMETER;
	h = sf_get_handle(c, p[0].u32, p[1].u64);
	if (!h)
		return VERR_INVALID_HANDLE;
	return sf_truncate(s, h, p[2].u64);
}

/* INFORMATION (root, handle, flags, bytes in/out, info in/out). */
static int32_t sf_information(struct sf_client *c, struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	uint32_t fl;
	struct sf_share *s;
	struct sf_handle *h;
	struct stat st;
	int32_t rc = VINF_SUCCESS;

	if (!sf_parms_ok(call, "uUuub"))
		return VERR_INVALID_PARAMETER;
	fl = p[2].u32;
	s = sf_root(c, p[0].u32);
	if (!s)
		return VERR_INVALID_PARAMETER;
	if (fl == SF_INFO_VOLUME)	/* no handle needed */
		return sf_volume_info(s, p);
	h = sf_get_handle(c, p[0].u32, p[1].u64);
	if (!h)
		return VERR_INVALID_HANDLE;
	if (p[4].size < SF_OBJINFO_BYTES || p[3].u32 < SF_OBJINFO_BYTES)
		return VERR_INVALID_PARAMETER;
	switch (fl) {
	case SF_INFO_FILE:
		break;
	case SF_INFO_SET | SF_INFO_FILE:
		if (s->readonly)
			return VERR_WRITE_PROTECT;
		rc = sf_set_file_info(h, p[4].buf);
		break;
	case SF_INFO_SET | SF_INFO_SIZE:
		rc = sf_truncate(s, h, get64(p[4].buf));
		break;
	default:
		vmmdev_log("guest-error: sf: information flags 0x%x", fl);
		return VERR_INVALID_PARAMETER;
	}
	if (rc)
		return rc;
	if (fstat(h->fd, &st))
		return sf_errno(errno);
	sf_put_info(p[4].buf, &st);
	p[3].u32 = SF_OBJINFO_BYTES;
	return VINF_SUCCESS;
}

/* ---- names: remove, rename, symlink, readlink ------------------------------ */

/* Opens the parent of normalised @path; @name gets the last component. */
static int32_t sf_parent(const struct sf_share *s, char *path, char **name,
			 int *pfd)
{
	const char *dir;

	*name = sf_split(path, &dir);
	if (!*name)
		return VERR_ACCESS_DENIED;	/* the root itself */
	*pfd = sf_open(s, dir, O_PATH | O_DIRECTORY, 0);
	if (*pfd < 0)
		return errno == ENOENT ? VERR_PATH_NOT_FOUND : sf_errno(errno);
	return VINF_SUCCESS;
}

static int32_t sf_remove(struct sf_client *c, struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	char path[SF_PATH_MAX], *name;
	struct sf_share *s;
	struct stat st;
	uint32_t fl;
	int32_t rc;
	int pfd;

	if (!sf_parms_ok(call, "ubu"))
		return VERR_INVALID_PARAMETER;
	rc = sf_path_args(c, p, &s, path);
	if (rc)
		return rc;
	fl = p[2].u32;
	if (s->readonly)
		return VERR_WRITE_PROTECT;
	rc = sf_parent(s, path, &name, &pfd);
	if (rc)
		return rc;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW))
		rc = sf_errno(errno);
	else if (S_ISDIR(st.st_mode) && !(fl & SF_REMOVE_DIR))
		rc = VERR_IS_A_DIRECTORY;
	else if (!S_ISDIR(st.st_mode) &&
		 !(fl & (S_ISLNK(st.st_mode) ? SF_REMOVE_SYMLINK | SF_REMOVE_FILE :
			 SF_REMOVE_FILE)))
		rc = VERR_NOT_A_DIRECTORY;
	else if (unlinkat(pfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0))
		rc = sf_errno(errno);
	close(pfd);
	return rc;
}

static int32_t sf_rename(struct sf_client *c, struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	char from[SF_PATH_MAX], to[SF_PATH_MAX], raw[SF_PATH_MAX];
	char *fname, *tname;
	struct sf_share *s;
	struct stat st;
	uint32_t fl;
	int32_t rc;
	int fpfd, tpfd;

	if (!sf_parms_ok(call, "ubbu"))
		return VERR_INVALID_PARAMETER;
	rc = sf_path_args(c, p, &s, from);
	if (rc)
		return rc;
	rc = sf_get_string(&p[2], !c->utf8, raw, sizeof(raw));
	if (!rc)
		rc = sf_normalise(raw, c->delim, to);
	if (rc)
		return rc;
	fl = p[3].u32;
	if (s->readonly)
		return VERR_WRITE_PROTECT;
	rc = sf_parent(s, from, &fname, &fpfd);
	if (rc)
		return rc;
	rc = sf_parent(s, to, &tname, &tpfd);
	if (rc) {
		close(fpfd);
		return rc;
	}
	if (fstatat(fpfd, fname, &st, AT_SYMLINK_NOFOLLOW))
		rc = sf_errno(errno);
	else if ((fl & (SF_RENAME_FILE | SF_RENAME_DIR)) == SF_RENAME_FILE &&
		 S_ISDIR(st.st_mode))
		rc = VERR_IS_A_DIRECTORY;
	else if ((fl & (SF_RENAME_FILE | SF_RENAME_DIR)) == SF_RENAME_DIR &&
		 !S_ISDIR(st.st_mode))
		rc = VERR_NOT_A_DIRECTORY;
	else if (renameat2(fpfd, fname, tpfd, tname,
			   (fl & SF_RENAME_REPLACE) ? 0 : RENAME_NOREPLACE))
		rc = sf_errno(errno);
	close(fpfd);
	close(tpfd);
	return rc;
}

static int32_t sf_symlink(struct sf_client *c, struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	char path[SF_PATH_MAX], target[SF_PATH_MAX], *name;
	struct sf_share *s;
	struct stat st;
	int32_t rc;
	int pfd;

	if (!sf_parms_ok(call, "ubbb") || p[3].size < SF_OBJINFO_BYTES)
		return VERR_INVALID_PARAMETER;
	rc = sf_path_args(c, p, &s, path);
	if (rc)
		return rc;
	rc = sf_get_string(&p[2], !c->utf8, target, sizeof(target));
	if (rc)
		return rc;
	if (s->readonly || !c->symlinks)
		return VERR_WRITE_PROTECT;
	rc = sf_parent(s, path, &name, &pfd);
	if (rc)
		return rc;
	/* The target is only data: following it is confined like any path. */
	if (symlinkat(target, pfd, name) ||
	    fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW))
		rc = sf_errno(errno);
	else
		sf_put_info(p[3].buf, &st);
	close(pfd);
	return rc;
}

static int32_t sf_readlink(struct sf_client *c, struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	char path[SF_PATH_MAX], *name;
	struct sf_share *s;
	int32_t rc;
	ssize_t n;
	int pfd;

	if (!sf_parms_ok(call, "ubb"))
		return VERR_INVALID_PARAMETER;
	rc = sf_path_args(c, p, &s, path);
	if (rc)
		return rc;
	rc = sf_parent(s, path, &name, &pfd);
	if (rc)
		return rc;
	n = readlinkat(pfd, name, (char *)p[2].buf, p[2].size);
	if (n < 0)
		rc = errno == EINVAL ? VERR_NOT_SYMLINK : sf_errno(errno);
	else if ((uint32_t)n >= p[2].size)
		rc = VERR_BUFFER_OVERFLOW;
	else
		p[2].buf[n] = '\0';
	close(pfd);
	return rc;
}

/* ---- dispatch -------------------------------------------------------------- */

static int32_t sf_read(struct sf_client *c, struct hgcm_svc_call *call)
{
	return sf_rw(c, call, false);
}

static int32_t sf_write(struct sf_client *c, struct hgcm_svc_call *call)
{
	return sf_rw(c, call, true);
}

static int32_t sf_map_old(struct sf_client *c, struct hgcm_svc_call *call)
{
	return sf_map_folder(c, call, true);
}

static int32_t sf_map(struct sf_client *c, struct hgcm_svc_call *call)
{
	return sf_map_folder(c, call, false);
}

/* SET_UTF8 and SET_SYMLINKS: no parameters, a switch of the client. */
static int32_t sf_set_switch(struct sf_client *c, struct hgcm_svc_call *call)
{
	if (!sf_parms_ok(call, ""))
		return VERR_INVALID_PARAMETER;
	if (call->fn == SF_FN_SET_UTF8)
		c->utf8 = true;
	else
		c->symlinks = true;
	return VINF_SUCCESS;
}

static int32_t sf_query_features(struct sf_client *c,
				 struct hgcm_svc_call *call)
{
	(void)c;
	if (!sf_parms_ok(call, "Uu"))
		return VERR_INVALID_PARAMETER;
	call->parms[0].u64 = SF_FEATURE_WRITE_UPDATES_OFFSET;
	/* 21-25; 26-29 (copy, close-and-remove, error style) are not here. */
	call->parms[1].u32 = SF_FN_QUERY_FEATURES;
	return VINF_SUCCESS;
}

typedef int32_t sf_fn_t(struct sf_client *c, struct hgcm_svc_call *call);

static sf_fn_t *const sf_fns[] = {
	[SF_FN_QUERY_MAPPINGS] = sf_query_mappings,
	[SF_FN_QUERY_MAP_NAME] = sf_query_map_name,
	[SF_FN_CREATE] = sf_create,
	[SF_FN_CLOSE] = sf_close,
	[SF_FN_READ] = sf_read,
	[SF_FN_WRITE] = sf_write,
	[SF_FN_LIST] = sf_list,
	[SF_FN_INFORMATION] = sf_information,
	[SF_FN_REMOVE] = sf_remove,
	[SF_FN_MAP_FOLDER_OLD] = sf_map_old,
	[SF_FN_UNMAP_FOLDER] = sf_unmap_folder,
	[SF_FN_RENAME] = sf_rename,
	[SF_FN_FLUSH] = sf_flush,
	[SF_FN_SET_UTF8] = sf_set_switch,
	[SF_FN_MAP_FOLDER] = sf_map,
	[SF_FN_READLINK] = sf_readlink,
	[SF_FN_SYMLINK] = sf_symlink,
	[SF_FN_SET_SYMLINKS] = sf_set_switch,
	[SF_FN_QUERY_FEATURES] = sf_query_features,
	[SF_FN_QUERY_MAP_INFO] = sf_query_map_info,
	[SF_FN_WAIT_FOR_MAPPINGS_CHANGES] = sf_wait_mappings,
	[SF_FN_CANCEL_MAPPINGS_CHANGES_WAITS] = sf_cancel_mappings_waits,
	[SF_FN_SET_FILE_SIZE] = sf_set_file_size,
};

static int32_t sf_call(void *client, struct hgcm_svc_call *call)
{
	struct sf_client *c = client;
	uint32_t i;
	int32_t rc;

	if (call->fn < sizeof(sf_fns) / sizeof(sf_fns[0]) && sf_fns[call->fn]) {
		rc = sf_fns[call->fn](c, call);
	} else {
		/* What an unknown function carried, for whoever adds it. */
		vmmdev_log("sf: client %u: function %u not implemented (%u parameters)",
			   c->id, call->fn, call->nparms);
		for (i = 0; i < call->nparms; i++)
			vmmdev_log("sf:   parameter %u: kind %d dir %u size %u value 0x%llx",
				   i, call->parms[i].kind, call->parms[i].dir,
				   call->parms[i].size,
				   (unsigned long long)(call->parms[i].kind == HGCM_PARM_U64 ?
							call->parms[i].u64 :
							call->parms[i].u32));
		rc = VERR_NOT_IMPLEMENTED;
	}
	if (rc < 0 && rc != HGCM_SVC_PENDING) {
		refusals[nrefusals % SF_REFUSALS].fn = call->fn;
		refusals[nrefusals % SF_REFUSALS].rc = rc;
		nrefusals++;
	}
	return rc;
}

static void sf_cancel(void *client, struct hgcm_svc_call *call)
{
	uint32_t i;

	/* Only mapping waits are ever kept pending. */
	(void)client;
	for (i = 0; i < SF_MAX_WAITS; i++)
		if (waits[i].call == call)
			waits[i].call = NULL;
}

static void sf_reset(void)
{
	/* The core disconnects every client; the shares stay (host config). */
	memset(waits, 0, sizeof(waits));
}

/* A share was added or removed: a new version, the waits end. */
static void sf_mappings_changed(void)
{
	map_version++;
	sf_end_waits(NULL, VINF_SUCCESS);
}

const struct hgcm_service hgcm_svc_sf = {
	.name = "VBoxSharedFolders",
	.connect = sf_connect,
	.disconnect = sf_disconnect,
	.call = sf_call,
	.cancel = sf_cancel,
	.reset = sf_reset,
};

/* ---- host side ------------------------------------------------------------- */

/* sf_host_add() with the auto-mount point @mp the host gives the guest. */
static int32_t sf_add(const char *name, const char *dir, bool automount,
		      bool readonly, const char *mp)
{
	struct sf_share *s = NULL;
	uint32_t i;
	int fd;

	if (!*name || strlen(name) > SF_MAX_NAME || strlen(dir) >= PATH_MAX ||
	    strlen(mp) > SF_MAX_NAME)
		return VERR_INVALID_NAME;
	for (i = 0; i < SF_MAX_MAPPINGS; i++) {
		if (shares[i].used && !strcasecmp(shares[i].name, name))
			return VERR_ALREADY_EXISTS;
		if (!shares[i].used && !s)
			s = &shares[i];
	}
	if (!s)
		return VERR_TOO_MUCH_DATA;
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sf_errno(errno);
	memset(s, 0, sizeof(*s));
	s->used = true;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	s->fd = fd;
	s->automount = automount;
	s->readonly = readonly;
	snprintf(s->mountpoint, sizeof(s->mountpoint), "%s", mp);
	sf_mappings_changed();
	s->version = map_version;
	vmmdev_log("sf: share %u \"%s\" = %s%s%s%s%s", (unsigned int)(s - shares),
		   name, dir, automount ? ", auto" : "", readonly ? ", ro" : "",
		   *mp ? ", mount point " : "", mp);
	return VINF_SUCCESS;
}

/**
 * sf_host_add() - add a shared folder.
 * @name:      the share name (at most SF_MAX_NAME bytes, no blanks needed).
 * @dir:       the host directory.
 * @automount: offer it for auto-mounting.
 * @readonly:  refuse every change.
 *
 * Return: VINF_SUCCESS, VERR_ALREADY_EXISTS (name taken), VERR_TOO_MUCH_DATA
 * (SF_MAX_MAPPINGS shares), VERR_INVALID_NAME, or the status of opening @dir.
 */
int32_t sf_host_add(const char *name, const char *dir, bool automount,
		    bool readonly)
{
	return sf_add(name, dir, automount, readonly, "");
}

/**
 * sf_host_remove() - remove a shared folder nobody has mapped.
 * @name: its name.
 *
 * Return: VINF_SUCCESS, VERR_FILE_NOT_FOUND, or VERR_ACCESS_DENIED while a
 * client has it mapped or a handle on it.
 */
int32_t sf_host_remove(const char *name)
{
	uint32_t i;

	for (i = 0; i < SF_MAX_MAPPINGS; i++) {
		if (!shares[i].used || strcasecmp(shares[i].name, name))
			continue;
		if (shares[i].maps || shares[i].handles)
			return VERR_ACCESS_DENIED;
		close(shares[i].fd);
		memset(&shares[i], 0, sizeof(shares[i]));
		sf_mappings_changed();
		return VINF_SUCCESS;
	}
	return VERR_FILE_NOT_FOUND;
}

/**
 * sf_control() - the host's shared-folder commands.
 * @cmd: one control-channel line.
 * @out: where the reply goes.
 *
 *	sf-add NAME DIR [auto] [ro] [mp=PATH]   add a share (mp: its
 *	                              auto-mount point)
 *	sf-refusals                   "refusal FN STATUS" lines of the latest
 *	                              refused calls, then ok COUNT
 *	sf-refusals-clear             forget them
 *	sf-remove NAME                remove it (err while mapped)
 *	sf-list                       "share ROOT NAME DIR auto ro maps
 *	                              handles" lines, "waits N" (pending
 *	                              mapping waits), then ok
 *
 * Return: true if @cmd was one of these.
 */
bool sf_control(const char *cmd, FILE *out)
{
	char verb[32], name[SF_MAX_NAME + 1], dir[PATH_MAX], opt[2][8];
	bool automount = false, readonly = false;
	int n, i, k;
	int32_t rc;

	if (sscanf(cmd, " %31s", verb) != 1 || strncmp(verb, "sf-", 3))
		return false;
	if (!strcmp(verb, "sf-list")) {
		for (k = 0; k < SF_MAX_MAPPINGS; k++)
			if (shares[k].used)
				fprintf(out, "share %d %s %s %d %d %u %u\n", k,
					shares[k].name, shares[k].dir,
					shares[k].automount, shares[k].readonly,
					shares[k].maps, shares[k].handles);
		for (i = k = 0; k < SF_MAX_WAITS; k++)
			i += waits[k].call != NULL;
		fprintf(out, "waits %d\nok\n", i);
		return true;
	}
	if (!strcmp(verb, "sf-refusals")) {
		for (i = nrefusals > SF_REFUSALS ? (int)(nrefusals - SF_REFUSALS) : 0;
		     i < (int)nrefusals; i++)
			fprintf(out, "refusal %u %d\n", refusals[i % SF_REFUSALS].fn,
				refusals[i % SF_REFUSALS].rc);
		fprintf(out, "ok %u\n", nrefusals);
		return true;
	}
	if (!strcmp(verb, "sf-refusals-clear")) {
		nrefusals = 0;
		fprintf(out, "ok\n");
		return true;
	}
	if (!strcmp(verb, "sf-remove")) {
		if (sscanf(cmd, " %*s %256s %1s", name, opt[0]) != 1) {
			fprintf(out, "err usage: sf-remove NAME\n");
			return true;
		}
		rc = sf_host_remove(name);
		if (rc)
			fprintf(out, "err status %d\n", rc);
		else
			fprintf(out, "ok\n");
		return true;
	}
	if (!strcmp(verb, "sf-add")) {
		char line[2 * PATH_MAX], mp[SF_MAX_NAME + 2] = "", *tok, *save = NULL;

		snprintf(line, sizeof(line), "%s", cmd);
		strtok_r(line, " \t\n", &save);
		n = 0;
		while ((tok = strtok_r(NULL, " \t\n", &save))) {
			if (n == 0)
				snprintf(name, sizeof(name), "%s", tok);
			else if (n == 1)
				snprintf(dir, sizeof(dir), "%s", tok);
			else if (!strcmp(tok, "auto"))
				automount = true;
			else if (!strcmp(tok, "ro"))
				readonly = true;
			else if (!strncmp(tok, "mp=", 3))
				snprintf(mp, sizeof(mp), "%s", tok + 3);
			else
				n = -100;
			n++;
		}
		if (n < 2) {
			fprintf(out, "err usage: sf-add NAME DIR [auto] [ro] [mp=PATH]\n");
			return true;
		}
		rc = sf_add(name, dir, automount, readonly, mp);
		if (rc)
			fprintf(out, "err status %d\n", rc);
		else
			fprintf(out, "ok\n");
		return true;
	}
	fprintf(out, "err unknown command '%s'\n", verb);
	return true;
}
