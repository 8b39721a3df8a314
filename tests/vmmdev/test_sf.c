// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the shared-folder service "VBoxSharedFolders" (svc_sf.c),
 * driven through its struct hgcm_service as the HGCM core drives it, on
 * temporary host directories:
 *
 *   <tmp>/share     the read-write share "data" (auto-mount)
 *   <tmp>/ro        the read-only share "ro"
 *   <tmp>/outside   next to them: what no path may reach (secret.txt)
 *
 * Every function has a case, and every way out of a share that a guest
 * could try has one (the "escape_" cases): ".." lexically, absolute paths,
 * symlinks to absolute and relative targets outside, in the middle and at
 * the end of a path, for lookup, open, create, mkdir, remove, rename,
 * readlink and symlink.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu.h"
#include "hgcm.h"
#include "ktap.h"
#include "le.h"
#include "svc.h"
#include "svc_sf.h"
#include "test_parms.h"

#define NP	8

static char base[64], share_dir[128], ro_dir[128], out_dir[128];

/* ---- a client and its calls ---------------------------------------------- */

/**
 * struct sfc - one client and the parameters of its next call.
 * @priv: the service's client state.
 * @p:    parameters; buffers are malloc'ed by the helpers and freed by
 *        sfc_reset().
 * @n:    parameters in use.
 */
struct sfc {
	void *priv;
	struct hgcm_parm p[NP];
	uint32_t n;
};

static uint32_t next_id = 100;

static void sfc_reset(struct sfc *c)
{
	fx_parm_free(c->p, c->n);
	c->n = 0;
}

static struct hgcm_parm *add(struct sfc *c, enum hgcm_parm_kind kind)
{
	return fx_parm_add(c->p, &c->n, NP, kind);
}

static void u32p(struct sfc *c, uint32_t v)
{
	add(c, HGCM_PARM_U32)->u32 = v;
}

static void u64p(struct sfc *c, uint64_t v)
{
	add(c, HGCM_PARM_U64)->u64 = v;
}

/* A buffer parameter of @size bytes (zeroed), returned for filling in. */
static uint8_t *bufp(struct sfc *c, uint32_t size)
{
	return fx_parm_buf(add(c, HGCM_PARM_BUF), NULL, size,
			   HGCM_DIR_TO_HOST | HGCM_DIR_FROM_HOST);
}

/* A UTF-8 SHFLSTRING parameter holding @s (@len bytes, NUL added). */
static void strp_n(struct sfc *c, const char *s, uint32_t len)
{
	uint8_t *b = bufp(c, 4 + len + 1);

	put16(b, (uint16_t)(len + 1));
	put16(b + 2, (uint16_t)len);
	memcpy(b + 4, s, len);
}

static void strp(struct sfc *c, const char *s)
{
	strp_n(c, s, (uint32_t)strlen(s));
}

/* A UTF-16 SHFLSTRING parameter holding ASCII @s. */
static void strp16(struct sfc *c, const char *s)
{
	uint32_t i, n = (uint32_t)strlen(s);
	uint8_t *b = bufp(c, 4 + 2 * n + 2);

	put16(b, (uint16_t)(2 * n + 2));
	put16(b + 2, (uint16_t)(2 * n));
	for (i = 0; i < n; i++)
		put16(b + 4 + 2 * i, (uint8_t)s[i]);
}

/* Calls @fn with the parameters added since the last call. */
static int32_t call(struct sfc *c, uint32_t fn)
{
	struct hgcm_svc_call k = {
		.fn = fn, .nparms = c->n, .parms = c->p, .client_id = 1,
		.requestor = 0xffffffff,
	};

	return hgcm_svc_sf.call(c->priv, &k);
}

static bool sfc_connect(struct sfc *c, bool utf8, bool symlinks)
{
	memset(c, 0, sizeof(*c));
	if (hgcm_svc_sf.connect(next_id++, 0xffffffff, &c->priv) || !c->priv)
		return false;
	if (utf8 && call(c, SF_FN_SET_UTF8))
		return false;
	return !symlinks || !call(c, SF_FN_SET_SYMLINKS);
}

static void sfc_disconnect(struct sfc *c)
{
	sfc_reset(c);
	hgcm_svc_sf.disconnect(c->priv);
	c->priv = NULL;
}

/* MAP_FOLDER of @name; the status, the root in *@root. */
static int32_t map(struct sfc *c, const char *name, uint32_t *root)
{
	int32_t rc;

	sfc_reset(c);
	strp(c, name);
	u32p(c, 0);
	u32p(c, '/');
	u32p(c, 1);
	rc = call(c, SF_FN_MAP_FOLDER);
	*root = c->p[1].u32;
	return rc;
}

/**
 * struct cres - what CREATE answered.
 * @rc:     the status.
 * @handle: the handle (SF_HANDLE_NIL for none).
 * @result: SF_* create result.
 * @size:   object size from the returned info.
 * @mode:   its mode.
 */
struct cres {
	int32_t rc;
	uint64_t handle;
	uint32_t result;
	int64_t size;
	uint32_t mode;
};

static struct cres create(struct sfc *c, uint32_t root, const char *path,
			  uint32_t flags, uint32_t mode)
{
	struct cres r;
	uint8_t *cp;

	sfc_reset(c);
	u32p(c, root);
	strp(c, path);
	cp = bufp(c, SF_CREATEPARMS_SIZE);
	put64(cp, SF_HANDLE_NIL);
	put32(cp + 12, flags);
	put32(cp + 16 + 48, mode);
	r.rc = call(c, SF_FN_CREATE);
	r.handle = get64(cp);
	r.result = get32(cp + 8);
	r.size = (int64_t)get64(cp + 16);
	r.mode = get32(cp + 16 + 48);
	return r;
}

static int32_t sf_close_h(struct sfc *c, uint32_t root, uint64_t h)
{
	sfc_reset(c);
	u32p(c, root);
	u64p(c, h);
	return call(c, SF_FN_CLOSE);
}

/*
 * READ or WRITE (@fn) of @n bytes at @off: WRITE sends @data, READ
 * copies what came into @out (both may be NULL); *@done gets the count.
 */
static int32_t rw(struct sfc *c, uint32_t fn, uint32_t root, uint64_t h,
		  uint64_t off, const void *data, void *out, uint32_t n,
		  uint32_t *done)
{
	uint8_t *buf;
	int32_t rc;

	sfc_reset(c);
	u32p(c, root);
	u64p(c, h);
	u64p(c, off);
	u32p(c, n);
	buf = bufp(c, n);
	if (data)
		memcpy(buf, data, n);
	rc = call(c, fn);
	if (done)
		*done = c->p[3].u32;
	if (out)
		memcpy(out, buf, n);
	return rc;
}

/* WRITE of @n bytes of @data at @off; *@done gets the count. */
static int32_t wr(struct sfc *c, uint32_t root, uint64_t h, uint64_t off,
		  const void *data, uint32_t n, uint32_t *done)
{
	return rw(c, SF_FN_WRITE, root, h, off, data, NULL, n, done);
}

/* READ of up to @n bytes at @off into @out; *@done gets the count. */
static int32_t rd(struct sfc *c, uint32_t root, uint64_t h, uint64_t off,
		  void *out, uint32_t n, uint32_t *done)
{
	return rw(c, SF_FN_READ, root, h, off, NULL, out, n, done);
}

static int32_t sf_remove_p(struct sfc *c, uint32_t root, const char *path,
			   uint32_t flags)
{
	sfc_reset(c);
	u32p(c, root);
	strp(c, path);
	u32p(c, flags);
	return call(c, SF_FN_REMOVE);
}

static int32_t sf_rename_p(struct sfc *c, uint32_t root, const char *from,
			   const char *to, uint32_t flags)
{
	sfc_reset(c);
	u32p(c, root);
	strp(c, from);
	strp(c, to);
	u32p(c, flags);
	return call(c, SF_FN_RENAME);
}

static int32_t sf_symlink_p(struct sfc *c, uint32_t root, const char *path,
			    const char *target)
{
	sfc_reset(c);
	u32p(c, root);
	strp(c, path);
	strp(c, target);
	bufp(c, SF_OBJINFO_BYTES);
	return call(c, SF_FN_SYMLINK);
}

/* INFORMATION; the info buffer is c->p[4].buf afterwards. */
static int32_t info(struct sfc *c, uint32_t root, uint64_t h, uint32_t flags,
		    const uint8_t *in, uint32_t size)
{
	uint8_t *b;

	sfc_reset(c);
	u32p(c, root);
	u64p(c, h);
	u32p(c, flags);
	u32p(c, size);
	b = bufp(c, size);
	if (in)
		memcpy(b, in, size);
	return call(c, SF_FN_INFORMATION);
}

/* ---- host files ---------------------------------------------------------- */

/**
 * struct name_op - one name operation of a table and the status it must
 * answer (the remove, rename and escape cases).
 * @fn:    SF_FN_CREATE, SF_FN_REMOVE, SF_FN_RENAME or SF_FN_SYMLINK.
 * @a:     the path.
 * @b:     rename: the new path; symlink: the target.
 * @flags: create, remove or rename flags.
 * @want:  the status.
 */
struct name_op {
	uint32_t fn;
	const char *a, *b;
	uint32_t flags;
	int32_t want;
};

static int32_t name_op_run(struct sfc *c, uint32_t root, const struct name_op *op)
{
	switch (op->fn) {
	case SF_FN_CREATE:
		return create(c, root, op->a, op->flags, 0).rc;
	case SF_FN_REMOVE:
		return sf_remove_p(c, root, op->a, op->flags);
	case SF_FN_RENAME:
		return sf_rename_p(c, root, op->a, op->b, op->flags);
	default:
		return sf_symlink_p(c, root, op->a, op->b);
	}
}

/* Runs the @n operations of @ops in order; each must answer its status. */
static void name_ops(struct ktap_case_ctx *t, struct sfc *c, uint32_t root,
		     const struct name_op *ops, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int32_t rc = name_op_run(c, root, &ops[i]);

		if (rc != ops[i].want) {
			printf("    # fn %u \"%s\"%s%s%s flags %#x: status %d, want %d\n",
			       ops[i].fn, ops[i].a, ops[i].b ? " \"" : "",
			       ops[i].b ? ops[i].b : "", ops[i].b ? "\"" : "",
			       ops[i].flags, rc, ops[i].want);
			t->failed = 1;
		}
	}
}

#define NAME_OPS(t, c, root, ops) name_ops(t, c, root, ops, ARRAY_SIZE(ops))

static void host_write(const char *dir, const char *name, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f)
		exit(2);
	fputs(text, f);
	fclose(f);
}

/* The content of @dir/@name ("" if absent) in a static buffer. */
static const char *host_read(const char *dir, const char *name)
{
	static char buf[256];
	char p[512];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	buf[0] = 0;
	f = fopen(p, "r");
	if (!f)
		return "";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static bool host_exists(const char *dir, const char *name)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return !lstat(p, &st);
}

static void setup(void)
{
	char cmd[256];

	snprintf(base, sizeof(base), "/tmp/test_sf.XXXXXX");
	if (!mkdtemp(base))
		exit(2);
	snprintf(share_dir, sizeof(share_dir), "%s/share", base);
	snprintf(ro_dir, sizeof(ro_dir), "%s/ro", base);
	snprintf(out_dir, sizeof(out_dir), "%s/outside", base);
	mkdir(share_dir, 0755);
	mkdir(ro_dir, 0755);
	mkdir(out_dir, 0755);
	host_write(out_dir, "secret.txt", "secret");
	host_write(ro_dir, "r.txt", "read me");
	snprintf(cmd, sizeof(cmd), "%s/sub", ro_dir);
	mkdir(cmd, 0755);
	/* Escape hatches inside the share. */
	snprintf(cmd, sizeof(cmd), "%s/abs", share_dir);
	if (symlink(out_dir, cmd))
		exit(2);
	snprintf(cmd, sizeof(cmd), "%s/rel", share_dir);
	if (symlink("../outside", cmd))
		exit(2);
	snprintf(cmd, sizeof(cmd), "%s/relfile", share_dir);
	if (symlink("../outside/secret.txt", cmd))
		exit(2);
	snprintf(cmd, sizeof(cmd), "%s/root", share_dir);
	if (symlink("/", cmd))
		exit(2);
	if (sf_host_add("data", share_dir, true, false) ||
	    sf_host_add("ro", ro_dir, false, true))
		exit(2);
}

__attribute__((destructor)) static void cleanup(void)
{
	char cmd[256];

	if (!base[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", base);
}

/* A UTF-8 client with symlinks and "data" mapped (root in *@root). */
#define CLIENT(t, c, root) do {						\
	KTAP_ASSERT(t, sfc_connect(&(c), true, true));			\
	KTAP_ASSERT(t, map(&(c), "data", &(root)) == VINF_SUCCESS);	\
} while (0)

/* ---- cases: mappings ------------------------------------------------------- */

static void sf_connect_switches(struct ktap_case_ctx *t)
{
	struct sfc c;

	KTAP_ASSERT(t, sfc_connect(&c, false, false));
	u32p(&c, 1);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_SET_UTF8), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_SET_SYMLINKS), VERR_INVALID_PARAMETER);
	sfc_reset(&c);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_SET_UTF8), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_SET_SYMLINKS), VINF_SUCCESS);
	sfc_disconnect(&c);
}

/* QUERY_MAPPINGS with @flags, room for @count in a @size-byte buffer. */
static int32_t query_mappings(struct sfc *c, uint32_t flags, uint32_t count,
			      uint32_t size)
{
	sfc_reset(c);
	u32p(c, flags);
	u32p(c, count);
	bufp(c, size);
	return call(c, SF_FN_QUERY_MAPPINGS);
}

/* QUERY_MAP_NAME of @root into a @size-byte SHFLSTRING buffer. */
static int32_t query_map_name(struct sfc *c, uint32_t root, uint32_t size)
{
	sfc_reset(c);
	u32p(c, root);
	bufp(c, size);
	return call(c, SF_FN_QUERY_MAP_NAME);
}

static void sf_query_mappings(struct ktap_case_ctx *t)
{
	struct sfc c;

	KTAP_ASSERT(t, sfc_connect(&c, true, false));
	KTAP_EXPECT_EQ(t, query_mappings(&c, 0, 8, 64), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, c.p[1].u32, 2);
	KTAP_EXPECT_EQ(t, get32(c.p[2].buf), 1);
	KTAP_EXPECT_EQ(t, get32(c.p[2].buf + 4), 0);
	KTAP_EXPECT_EQ(t, get32(c.p[2].buf + 12), 1);
	/* Only auto-mount ones. */
	KTAP_EXPECT_EQ(t, query_mappings(&c, SF_MQF_AUTOMOUNT, 8, 64), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, c.p[1].u32, 1);
	/* Room for one: the count says two. */
	KTAP_EXPECT_EQ(t, query_mappings(&c, 0, 1, 8), VINF_BUFFER_OVERFLOW);
	KTAP_EXPECT_EQ(t, c.p[1].u32, 2);
	sfc_reset(&c);
	u32p(&c, 0);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_QUERY_MAPPINGS), VERR_INVALID_PARAMETER);
	sfc_disconnect(&c);
}

static void sf_query_map_name(struct ktap_case_ctx *t)
{
	struct sfc c;

	KTAP_ASSERT(t, sfc_connect(&c, true, false));
	KTAP_EXPECT_EQ(t, query_map_name(&c, 1, 40), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, get16(c.p[1].buf + 2), 2);
	KTAP_EXPECT(t, !memcmp(c.p[1].buf + 4, "ro", 3));
	KTAP_EXPECT_EQ(t, query_map_name(&c, 0, 6), VERR_BUFFER_OVERFLOW);
	KTAP_EXPECT_EQ(t, query_map_name(&c, 33, 40), VERR_INVALID_PARAMETER);
	sfc_disconnect(&c);
	/* UTF-16 before SET_UTF8. */
	KTAP_ASSERT(t, sfc_connect(&c, false, false));
	KTAP_EXPECT_EQ(t, query_map_name(&c, 0, 40), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, get16(c.p[1].buf + 2), 8);
	KTAP_EXPECT_EQ(t, get16(c.p[1].buf + 4), 'd');
	KTAP_EXPECT_EQ(t, get16(c.p[1].buf + 10), 'a');
	sfc_disconnect(&c);
}

static void sf_map_unmap(struct ktap_case_ctx *t)
{
	struct sfc c;
	uint32_t root = 99;

	KTAP_ASSERT(t, sfc_connect(&c, true, false));
	KTAP_EXPECT_EQ(t, map(&c, "DATA", &root), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, root, 0);
	KTAP_EXPECT_EQ(t, map(&c, "nosuch", &root), VERR_FILE_NOT_FOUND);
	/* Twice mapped, twice unmapped, then not mapped. */
	KTAP_EXPECT_EQ(t, map(&c, "data", &root), VINF_SUCCESS);
	sfc_reset(&c);
	u32p(&c, 0);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_UNMAP_FOLDER), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_UNMAP_FOLDER), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_UNMAP_FOLDER), VERR_INVALID_PARAMETER);
	/* An unmapped root is refused by every function. */
	KTAP_EXPECT_EQ(t, create(&c, 0, "x", SF_CF_LOOKUP, 0).rc,
		       VERR_INVALID_PARAMETER);
	/* Bad delimiter; wrong parameter count. */
	sfc_reset(&c);
	strp(&c, "data");
	u32p(&c, 0);
	u32p(&c, ':');
	u32p(&c, 1);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_MAP_FOLDER), VERR_INVALID_PARAMETER);
	sfc_reset(&c);
	strp(&c, "data");
	u32p(&c, 0);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_MAP_FOLDER), VERR_INVALID_PARAMETER);
	/* The legacy form: UTF-16 name, 3 parameters. */
	sfc_reset(&c);
	strp16(&c, "ro");
	u32p(&c, 0);
	u32p(&c, '\\');
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_MAP_FOLDER_OLD), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, c.p[1].u32, 1);
	/* Backslash paths for that client now. */
	KTAP_EXPECT_EQ(t, create(&c, 1, "\\sub\\", SF_CF_LOOKUP, 0).result,
		       SF_FILE_EXISTS);
	sfc_disconnect(&c);
}

/* ---- cases: create/open -------------------------------------------------- */

static void sf_create_lookup(struct ktap_case_ctx *t)
{
	struct sfc c;
	struct cres r;
	uint32_t root;

	CLIENT(t, c, root);
	host_write(share_dir, "look.txt", "12345");
	r = create(&c, root, "/look.txt", SF_CF_LOOKUP, 0);
	KTAP_EXPECT_EQ(t, r.rc, VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, r.result, SF_FILE_EXISTS);
	KTAP_EXPECT(t, r.handle == SF_HANDLE_NIL);
	KTAP_EXPECT_EQ(t, r.size, 5);
	KTAP_EXPECT(t, S_ISREG(r.mode));
	r = create(&c, root, "/nope", SF_CF_LOOKUP, 0);
	KTAP_EXPECT_EQ(t, r.rc, VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, r.result, SF_FILE_NOT_FOUND);
	r = create(&c, root, "/nodir/nope", SF_CF_LOOKUP, 0);
	KTAP_EXPECT_EQ(t, r.result, SF_PATH_NOT_FOUND);
	r = create(&c, root, "/look.txt/x", SF_CF_LOOKUP, 0);
	KTAP_EXPECT_EQ(t, r.result, SF_PATH_NOT_FOUND);
	r = create(&c, root, "/", SF_CF_LOOKUP, 0);
	KTAP_EXPECT_EQ(t, r.result, SF_FILE_EXISTS);
	KTAP_EXPECT(t, S_ISDIR(r.mode));
	/* Symlinks shown as such (SET_SYMLINKS). */
	r = create(&c, root, "/rel", SF_CF_LOOKUP, 0);
	KTAP_EXPECT_EQ(t, r.result, SF_FILE_EXISTS);
	KTAP_EXPECT(t, S_ISLNK(r.mode));
	/* Short create parameters, wrong kinds. */
	sfc_reset(&c);
	u32p(&c, root);
	strp(&c, "look.txt");
	bufp(&c, SF_CREATEPARMS_SIZE - 1);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_CREATE), VERR_INVALID_PARAMETER);
	sfc_reset(&c);
	u32p(&c, root);
	u32p(&c, 0);
	bufp(&c, SF_CREATEPARMS_SIZE);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_CREATE), VERR_INVALID_PARAMETER);
	/* A string whose length exceeds its buffer; a NUL inside a name. */
	sfc_reset(&c);
	u32p(&c, root);
	put16(bufp(&c, 8), 100);
	bufp(&c, SF_CREATEPARMS_SIZE);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_CREATE), VERR_INVALID_PARAMETER);
	sfc_reset(&c);
	u32p(&c, root);
	strp_n(&c, "look.txt\0x", 10);
	bufp(&c, SF_CREATEPARMS_SIZE);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_CREATE), VERR_INVALID_NAME);
	sfc_disconnect(&c);
}

/*
 * CREATE of @path with @flags and @mode into @r: status @rc_, result
 * @res_, and a handle (@h_ 1), none (0) or either (-1).
 */
#define CREATE_EXPECT(t, r, c, root, path, flags, mode, rc_, res_, h_) do {	\
	(r) = create(c, root, path, flags, mode);			\
	KTAP_EXPECT_EQ(t, (r).rc, rc_);					\
	KTAP_EXPECT_EQ(t, (r).result, res_);				\
	if ((h_) >= 0)							\
		KTAP_EXPECT_EQ(t, (r).handle != SF_HANDLE_NIL, h_);	\
} while (0)

static void sf_create_actions(struct ktap_case_ctx *t)
{
	struct sfc c;
	struct cres r;
	struct stat st;
	uint32_t root;
	char p[256];

	CLIENT(t, c, root);
	/* Create with a mode (umask does not apply). */
	CREATE_EXPECT(t, r, &c, root, "new.txt",
		      SF_CF_ACCESS_READ | SF_CF_ACCESS_WRITE, 0100602,
		      VINF_SUCCESS, SF_FILE_CREATED, 1);
	KTAP_EXPECT_EQ(t, r.mode & 07777, 0602);
	KTAP_EXPECT_EQ(t, sf_close_h(&c, root, r.handle), VINF_SUCCESS);
	snprintf(p, sizeof(p), "%s/new.txt", share_dir);
	KTAP_EXPECT(t, !stat(p, &st) && (st.st_mode & 07777) == 0602);
	/* Fail if exists: no handle, the info of what is there. */
	CREATE_EXPECT(t, r, &c, root, "new.txt",
		      SF_CF_FAIL_IF_EXISTS | SF_CF_ACCESS_READ, 0,
		      VINF_SUCCESS, SF_FILE_EXISTS, 0);
	/* Fail if new. */
	CREATE_EXPECT(t, r, &c, root, "none.txt",
		      SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_READ, 0,
		      VINF_SUCCESS, SF_FILE_NOT_FOUND, 0);
	KTAP_EXPECT(t, !host_exists(share_dir, "none.txt"));
	/* Create in a missing directory. */
	CREATE_EXPECT(t, r, &c, root, "nodir/x", SF_CF_ACCESS_WRITE, 0,
		      VINF_SUCCESS, SF_PATH_NOT_FOUND, 0);
	/* Overwrite and replace truncate. */
	host_write(share_dir, "new.txt", "content");
	CREATE_EXPECT(t, r, &c, root, "new.txt",
		      SF_CF_OVERWRITE_IF_EXISTS | SF_CF_ACCESS_WRITE, 0,
		      VINF_SUCCESS, SF_FILE_REPLACED, -1);
	KTAP_EXPECT_EQ(t, r.size, 0);
	sf_close_h(&c, root, r.handle);
	host_write(share_dir, "new.txt", "content");
	CREATE_EXPECT(t, r, &c, root, "new.txt",
		      SF_CF_REPLACE_IF_EXISTS | SF_CF_ACCESS_READ, 0,
		      VINF_SUCCESS, SF_FILE_REPLACED, -1);
	KTAP_EXPECT_EQ(t, r.size, 0);
	sf_close_h(&c, root, r.handle);
	/* Open existing. */
	CREATE_EXPECT(t, r, &c, root, "new.txt",
		      SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_READ, 0,
		      VINF_SUCCESS, SF_FILE_EXISTS, 1);
	sf_close_h(&c, root, r.handle);
	/* Directories: create, open, replace refused, DIRECTORY on a file. */
	CREATE_EXPECT(t, r, &c, root, "dir", SF_CF_DIRECTORY | SF_CF_ACCESS_READ, 0750,
		      VINF_SUCCESS, SF_FILE_CREATED, -1);
	KTAP_EXPECT(t, S_ISDIR(r.mode) && (r.mode & 0777) == 0750);
	sf_close_h(&c, root, r.handle);
	CREATE_EXPECT(t, r, &c, root, "dir", SF_CF_DIRECTORY | SF_CF_FAIL_IF_NEW, 0,
		      VINF_SUCCESS, SF_FILE_EXISTS, 1);
	sf_close_h(&c, root, r.handle);
	CREATE_EXPECT(t, r, &c, root, "dir",
		      SF_CF_OVERWRITE_IF_EXISTS | SF_CF_ACCESS_WRITE, 0,
		      VINF_SUCCESS, SF_FILE_EXISTS, 0);
	r = create(&c, root, "new.txt", SF_CF_DIRECTORY | SF_CF_ACCESS_READ, 0);
	KTAP_EXPECT_EQ(t, r.rc, VERR_NOT_A_DIRECTORY);
	/* Open the target's directory. */
	CREATE_EXPECT(t, r, &c, root, "dir/whatever",
		      SF_CF_OPEN_TARGET_DIR | SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_READ, 0,
		      VINF_SUCCESS, SF_FILE_EXISTS, -1);
	KTAP_EXPECT(t, S_ISDIR(r.mode));
	sf_close_h(&c, root, r.handle);
	sfc_disconnect(&c);
}

static void sf_access_modes(struct ktap_case_ctx *t)
{
	struct sfc c;
	struct cres r, r2;
	uint32_t root, n;
	char buf[16] = "";

	CLIENT(t, c, root);
	host_write(share_dir, "acc.txt", "abc");
	r = create(&c, root, "acc.txt", SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_READ, 0);
	KTAP_EXPECT_EQ(t, wr(&c, root, r.handle, 0, "x", 1, &n), VERR_ACCESS_DENIED);
	KTAP_EXPECT_EQ(t, rd(&c, root, r.handle, 0, buf, 3, &n), VINF_SUCCESS);
	sf_close_h(&c, root, r.handle);
	r = create(&c, root, "acc.txt", SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_WRITE, 0);
	KTAP_EXPECT_EQ(t, rd(&c, root, r.handle, 0, buf, 3, &n), VERR_ACCESS_DENIED);
	KTAP_EXPECT_EQ(t, wr(&c, root, r.handle, 0, "X", 1, &n), VINF_SUCCESS);
	sf_close_h(&c, root, r.handle);
	KTAP_EXPECT(t, !strcmp(host_read(share_dir, "acc.txt"), "Xbc"));
	/* Append: every write at the end, the new end returned. */
	r = create(&c, root, "acc.txt", SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_WRITE |
		   SF_CF_ACCESS_APPEND, 0);
	KTAP_EXPECT_EQ(t, wr(&c, root, r.handle, 0, "de", 2, &n), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, c.p[2].u64, 5);
	sf_close_h(&c, root, r.handle);
	KTAP_EXPECT(t, !strcmp(host_read(share_dir, "acc.txt"), "Xbcde"));
	/* Deny modes are ignored (a POSIX host): a second open works. */
	r = create(&c, root, "acc.txt", SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_READ |
		   SF_CF_ACCESS_DENY_MASK, 0);
	r2 = create(&c, root, "acc.txt", SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_READ, 0);
	KTAP_EXPECT(t, r.handle != SF_HANDLE_NIL && r2.handle != SF_HANDLE_NIL);
	sf_close_h(&c, root, r2.handle);
	sf_close_h(&c, root, r.handle);
	/* No access at all: attributes only. */
	r = create(&c, root, "acc.txt", SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_ATTR_READ, 0);
	KTAP_EXPECT(t, r.handle != SF_HANDLE_NIL);
	KTAP_EXPECT_EQ(t, wr(&c, root, r.handle, 0, "x", 1, &n), VERR_ACCESS_DENIED);
	sf_close_h(&c, root, r.handle);
	sfc_disconnect(&c);
}

static void sf_close_handles(struct ktap_case_ctx *t)
{
	struct sfc c;
	struct cres r;
	uint32_t root, ro;

	CLIENT(t, c, root);
	r = create(&c, root, "/", SF_CF_DIRECTORY | SF_CF_ACCESS_READ, 0);
	KTAP_EXPECT_EQ(t, sf_close_h(&c, root, r.handle), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, sf_close_h(&c, root, r.handle), VERR_INVALID_HANDLE);
	KTAP_EXPECT_EQ(t, sf_close_h(&c, root, SF_HANDLE_NIL), VERR_INVALID_HANDLE);
	KTAP_EXPECT_EQ(t, sf_close_h(&c, root, 12345), VERR_INVALID_HANDLE);
	sfc_reset(&c);
	u32p(&c, root);
	u32p(&c, 0);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_CLOSE), VERR_INVALID_PARAMETER);
	/* A handle belongs to its root. */
	r = create(&c, root, "/", SF_CF_DIRECTORY | SF_CF_ACCESS_READ, 0);
	KTAP_EXPECT_EQ(t, map(&c, "ro", &ro), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, sf_close_h(&c, ro, r.handle), VERR_INVALID_HANDLE);
	KTAP_EXPECT_EQ(t, sf_close_h(&c, root, r.handle), VINF_SUCCESS);
	sfc_disconnect(&c);
}

/* ---- cases: read, write, flush -------------------------------------------- */

static void sf_read_write(struct ktap_case_ctx *t)
{
	static uint8_t big[1 << 20], back[1 << 20];
	struct sfc c;
	struct cres r;
	uint32_t root, n, i;

	CLIENT(t, c, root);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + (i >> 9));
	r = create(&c, root, "rw.bin", SF_CF_ACCESS_READ | SF_CF_ACCESS_WRITE, 0644);
	KTAP_ASSERT(t, r.handle != SF_HANDLE_NIL);
	KTAP_EXPECT_EQ(t, wr(&c, root, r.handle, 0, big, sizeof(big), &n), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, n, sizeof(big));
	KTAP_EXPECT_EQ(t, c.p[2].u64, sizeof(big));	/* the offset after it */
	KTAP_EXPECT_EQ(t, rd(&c, root, r.handle, 0, back, sizeof(back), &n), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, n, sizeof(back));
	KTAP_EXPECT(t, !memcmp(big, back, sizeof(big)));
	KTAP_EXPECT_EQ(t, c.p[4].out_size, sizeof(back));
	/* Partial and past the end. */
	KTAP_EXPECT_EQ(t, rd(&c, root, r.handle, sizeof(big) - 10, back, 100, &n),
		       VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, n, 10);
	KTAP_EXPECT_EQ(t, rd(&c, root, r.handle, sizeof(big) + 10, back, 100, &n),
		       VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, n, 0);
	/* A write past the end leaves a hole. */
	KTAP_EXPECT_EQ(t, wr(&c, root, r.handle, 2 << 20, "z", 1, &n), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, info(&c, root, r.handle, SF_INFO_FILE, NULL,
			       SF_OBJINFO_BYTES), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, get64(c.p[4].buf), (2 << 20) + 1);
	/* Count larger than the buffer; wrong kinds; unknown handle. */
	sfc_reset(&c);
	u32p(&c, root);
	u64p(&c, r.handle);
	u64p(&c, 0);
	u32p(&c, 100);
	bufp(&c, 10);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_READ), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, c.p[3].u32, 0);
	c.p[3].u32 = 100;
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_WRITE), VERR_INVALID_PARAMETER);
	c.p[2].kind = HGCM_PARM_U32;
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_READ), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, rd(&c, root, 777, 0, back, 1, &n), VERR_INVALID_HANDLE);
	/* Flush. */
	sfc_reset(&c);
	u32p(&c, root);
	u64p(&c, r.handle);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_FLUSH), VINF_SUCCESS);
	sfc_reset(&c);
	u32p(&c, root);
	u64p(&c, 777);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_FLUSH), VERR_INVALID_HANDLE);
	sf_close_h(&c, root, r.handle);
	/* A directory handle reads nothing. */
	r = create(&c, root, "/", SF_CF_DIRECTORY | SF_CF_ACCESS_READ, 0);
	KTAP_EXPECT_EQ(t, rd(&c, root, r.handle, 0, back, 1, &n), VERR_IS_A_DIRECTORY);
	sf_close_h(&c, root, r.handle);
	sfc_disconnect(&c);
}

/* ---- cases: list ------------------------------------------------------------ */

/* One LIST call into a @cap-byte buffer. */
static int32_t list(struct sfc *c, uint32_t root, uint64_t h, uint32_t flags,
		    uint32_t cap, const char *filter)
{
	sfc_reset(c);
	u32p(c, root);
	u64p(c, h);
	u32p(c, flags);
	u32p(c, cap);
	if (filter)
		strp(c, filter);
	else
		bufp(c, 0);
	bufp(c, cap);
	u32p(c, 0);
	u32p(c, 0);
	return call(c, SF_FN_LIST);
}

/* Walks the entries of the last LIST; marks names "fNNN" in @seen. */
static int walk(struct sfc *c, unsigned char *seen, int *dots, bool *bad)
{
	uint32_t off = 0, k, used = c->p[3].u32, cnt = c->p[7].u32;
	int n = 0, i;

	for (k = 0; k < cnt; k++) {
		uint8_t *e = c->p[5].buf + off;
		uint16_t size = get16(e + SF_DIRINFO_NAME);
		uint16_t len = get16(e + SF_DIRINFO_NAME + 2);
		char name[300];

		if (off + SF_DIRINFO_NAME + 4 + size > used || len + 1 != size) {
			*bad = true;
			return n;
		}
		memcpy(name, e + SF_DIRINFO_NAME + 4, len);
		name[len] = 0;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			(*dots)++;
		else if (sscanf(name, "f%d", &i) == 1 && i >= 0 && i < 300 &&
			 S_ISREG(get32(e + 48)) && get64(e) == 3)
			seen[i]++;
		else
			*bad = true;
		off += SF_DIRINFO_NAME + 4 + size;
		n++;
	}
	if (off != used)
		*bad = true;
	return n;
}

static void sf_list_dir(struct ktap_case_ctx *t)
{
	unsigned char seen[300] = { 0 };
	struct sfc c;
	struct cres r;
	uint32_t root;
	int i, calls = 0, dots = 0, total = 0, once = 0;
	bool bad = false;
	int32_t rc;
	char name[32];

	CLIENT(t, c, root);
	r = create(&c, root, "L", SF_CF_DIRECTORY, 0755);
	KTAP_ASSERT(t, r.result == SF_FILE_CREATED);
	sf_close_h(&c, root, r.handle);
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "L/f%d", i);
		r = create(&c, root, name, SF_CF_ACCESS_WRITE, 0644);
		wr(&c, root, r.handle, 0, "abc", 3, NULL);
		sf_close_h(&c, root, r.handle);
	}
	r = create(&c, root, "L", SF_CF_DIRECTORY | SF_CF_FAIL_IF_NEW |
		   SF_CF_ACCESS_READ, 0);
	KTAP_ASSERT(t, r.handle != SF_HANDLE_NIL);
	/* 4 KiB at a time: the handle keeps the place. */
	while ((rc = list(&c, root, r.handle, 0, 4096, NULL)) == VINF_SUCCESS &&
	       calls < 1000) {
		total += walk(&c, seen, &dots, &bad);
		calls++;
	}
	KTAP_EXPECT_EQ(t, rc, VERR_NO_MORE_FILES);
	KTAP_EXPECT_EQ(t, c.p[7].u32, 0);
	KTAP_EXPECT_EQ(t, c.p[3].u32, 0);
	KTAP_EXPECT(t, calls > 5);
	KTAP_EXPECT(t, !bad);
	KTAP_EXPECT_EQ(t, dots, 2);
	KTAP_EXPECT_EQ(t, total, 302);
	for (i = 0; i < 300; i++)
		once += seen[i] == 1;
	KTAP_EXPECT_EQ(t, once, 300);
	/* Again: still the end; RESTART starts over. */
	KTAP_EXPECT_EQ(t, list(&c, root, r.handle, 0, 4096, NULL), VERR_NO_MORE_FILES);
	KTAP_EXPECT_EQ(t, list(&c, root, r.handle, SF_LIST_RESTART | SF_LIST_RETURN_ONE,
			       4096, NULL), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, c.p[7].u32, 1);
	/* A buffer too small for one entry. */
	KTAP_EXPECT_EQ(t, list(&c, root, r.handle, 0, 100, NULL), VERR_BUFFER_OVERFLOW);
	/* A filter. */
	memset(seen, 0, sizeof(seen));
	KTAP_EXPECT_EQ(t, list(&c, root, r.handle, SF_LIST_RESTART, 65536, "f1?"),
		       VINF_SUCCESS);
	dots = 0;
	KTAP_EXPECT_EQ(t, walk(&c, seen, &dots, &bad), 10);
	KTAP_EXPECT(t, seen[10] && seen[19] && !seen[1] && !seen[100]);
	/* LIST on a file handle; bad kinds. */
	sf_close_h(&c, root, r.handle);
	r = create(&c, root, "L/f1", SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_READ, 0);
	KTAP_EXPECT_EQ(t, list(&c, root, r.handle, 0, 4096, NULL), VERR_NOT_A_DIRECTORY);
	c.p[6].kind = HGCM_PARM_U64;
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_LIST), VERR_INVALID_PARAMETER);
	sf_close_h(&c, root, r.handle);
	sfc_disconnect(&c);
}

/* ".." of the share root describes the root, not the host directory above. */
static void escape_list_dotdot(struct ktap_case_ctx *t)
{
	struct sfc c;
	struct cres r;
	struct stat st;
	uint32_t root;
	int found = 0, n = 0;

	CLIENT(t, c, root);
	KTAP_ASSERT(t, !stat(share_dir, &st));
	r = create(&c, root, "/", SF_CF_DIRECTORY | SF_CF_FAIL_IF_NEW |
		   SF_CF_ACCESS_READ, 0);
	while (list(&c, root, r.handle, SF_LIST_RETURN_ONE, 4096, NULL) ==
	       VINF_SUCCESS && n++ < 1000) {
		uint8_t *e = c.p[5].buf;

		KTAP_EXPECT_EQ(t, c.p[7].u32, 1);
		if (get16(e + SF_DIRINFO_NAME + 2) == 2 &&
		    !memcmp(e + SF_DIRINFO_NAME + 4, "..", 2)) {
			found++;
			KTAP_EXPECT_EQ(t, get64(e + 72), st.st_ino);
		}
	}
	KTAP_EXPECT_EQ(t, found, 1);
	sf_close_h(&c, root, r.handle);
	sfc_disconnect(&c);
}

/* ---- cases: information ------------------------------------------------------ */

static void sf_information(struct ktap_case_ctx *t)
{
	uint8_t in[SF_OBJINFO_BYTES] = { 0 };
	struct sfc c;
	struct cres r;
	struct stat st;
	uint32_t root;
	char p[256];

	CLIENT(t, c, root);
	host_write(share_dir, "inf.txt", "0123456789");
	r = create(&c, root, "inf.txt", SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_WRITE |
		   SF_CF_ACCESS_ATTR_WRITE, 0);
	KTAP_ASSERT(t, r.handle != SF_HANDLE_NIL);
	KTAP_EXPECT_EQ(t, info(&c, root, r.handle, SF_INFO_FILE, NULL,
			       SF_OBJINFO_BYTES), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, c.p[3].u32, SF_OBJINFO_BYTES);
	KTAP_EXPECT_EQ(t, get64(c.p[4].buf), 10);
	KTAP_EXPECT_EQ(t, get32(c.p[4].buf + 52), 2);	/* unix attributes */
	KTAP_EXPECT_EQ(t, get32(c.p[4].buf + 64), 1);	/* hard links */
	/* Set times and mode (zero fields: unchanged). */
	put64(in + 16, 1000000000ull * 1000000000ull + 5);
	put64(in + 24, 1100000000ull * 1000000000ull + 7);
	put32(in + 48, 0100640);
	KTAP_EXPECT_EQ(t, info(&c, root, r.handle, SF_INFO_SET | SF_INFO_FILE, in,
			       SF_OBJINFO_BYTES), VINF_SUCCESS);
	snprintf(p, sizeof(p), "%s/inf.txt", share_dir);
	KTAP_ASSERT(t, !stat(p, &st));
	KTAP_EXPECT_EQ(t, st.st_mode & 07777, 0640);
	KTAP_EXPECT_EQ(t, st.st_atim.tv_sec, 1000000000);
	KTAP_EXPECT_EQ(t, st.st_atim.tv_nsec, 5);
	KTAP_EXPECT_EQ(t, st.st_mtim.tv_sec, 1100000000);
	KTAP_EXPECT_EQ(t, st.st_mtim.tv_nsec, 7);
	KTAP_EXPECT_EQ(t, get64(c.p[4].buf + 24), 1100000000ull * 1000000000ull + 7);
	/* Only the mtime. */
	memset(in, 0, sizeof(in));
	put64(in + 24, 1200000000ull * 1000000000ull);
	KTAP_EXPECT_EQ(t, info(&c, root, r.handle, SF_INFO_SET | SF_INFO_FILE, in,
			       SF_OBJINFO_BYTES), VINF_SUCCESS);
	KTAP_ASSERT(t, !stat(p, &st));
	KTAP_EXPECT_EQ(t, st.st_atim.tv_sec, 1000000000);
	KTAP_EXPECT_EQ(t, st.st_mtim.tv_sec, 1200000000);
	KTAP_EXPECT_EQ(t, st.st_mode & 07777, 0640);
	/* Size: shrink and grow. */
	memset(in, 0, sizeof(in));
	put64(in, 4);
	KTAP_EXPECT_EQ(t, info(&c, root, r.handle, SF_INFO_SET | SF_INFO_SIZE, in,
			       SF_OBJINFO_BYTES), VINF_SUCCESS);
	KTAP_EXPECT(t, !strcmp(host_read(share_dir, "inf.txt"), "0123"));
	put64(in, 100000);
	KTAP_EXPECT_EQ(t, info(&c, root, r.handle, SF_INFO_SET | SF_INFO_SIZE, in,
			       SF_OBJINFO_BYTES), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, get64(c.p[4].buf), 100000);
	/* Volume information needs no handle. */
	KTAP_EXPECT_EQ(t, info(&c, root, 0, SF_INFO_VOLUME, NULL, SF_VOLINFO_SIZE),
		       VINF_SUCCESS);
	KTAP_EXPECT(t, get64(c.p[4].buf) > 0);
	KTAP_EXPECT(t, get32(c.p[4].buf + 16) > 0);
	KTAP_EXPECT_EQ(t, c.p[4].buf[34], 0);	/* not read-only */
	/* Bad flags, short buffers, unknown handle. */
	KTAP_EXPECT_EQ(t, info(&c, root, r.handle, SF_INFO_NAME | 0x100, NULL,
			       SF_OBJINFO_BYTES), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, info(&c, root, r.handle, SF_INFO_FILE, NULL, 50),
		       VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, info(&c, root, 999, SF_INFO_FILE, NULL, SF_OBJINFO_BYTES),
		       VERR_INVALID_HANDLE);
	sf_close_h(&c, root, r.handle);
	/* Size needs write access. */
	r = create(&c, root, "inf.txt", SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_READ, 0);
	put64(in, 1);
	KTAP_EXPECT_EQ(t, info(&c, root, r.handle, SF_INFO_SET | SF_INFO_SIZE, in,
			       SF_OBJINFO_BYTES), VERR_ACCESS_DENIED);
	sf_close_h(&c, root, r.handle);
	sfc_disconnect(&c);
}

/* ---- cases: remove, rename, symlinks --------------------------------------- */

static void sf_remove_objects(struct ktap_case_ctx *t)
{
	static const struct name_op removes[] = {
		{ SF_FN_REMOVE, "rm.txt", NULL, SF_REMOVE_DIR, VERR_NOT_A_DIRECTORY },
		{ SF_FN_REMOVE, "rm.txt", NULL, SF_REMOVE_FILE, VINF_SUCCESS },
		{ SF_FN_REMOVE, "rm.txt", NULL, SF_REMOVE_FILE, VERR_FILE_NOT_FOUND },
		{ SF_FN_REMOVE, "nodir/rm.txt", NULL, SF_REMOVE_FILE, VERR_PATH_NOT_FOUND },
		{ SF_FN_REMOVE, "rmdir", NULL, SF_REMOVE_FILE, VERR_IS_A_DIRECTORY },
		{ SF_FN_REMOVE, "rmdir", NULL, SF_REMOVE_DIR, VERR_DIR_NOT_EMPTY },
		{ SF_FN_REMOVE, "rmdir/inner", NULL, SF_REMOVE_FILE, VINF_SUCCESS },
		{ SF_FN_REMOVE, "rmdir", NULL, SF_REMOVE_DIR, VINF_SUCCESS },
		/* The root itself. */
		{ SF_FN_REMOVE, "/", NULL, SF_REMOVE_DIR, VERR_ACCESS_DENIED },
	};
	struct sfc c;
	uint32_t root;
	char p[256];

	CLIENT(t, c, root);
	host_write(share_dir, "rm.txt", "x");
	snprintf(p, sizeof(p), "%s/rmdir", share_dir);
	mkdir(p, 0755);
	host_write(p, "inner", "x");
	NAME_OPS(t, &c, root, removes);
	KTAP_EXPECT(t, !host_exists(share_dir, "rm.txt"));
	KTAP_EXPECT(t, !host_exists(share_dir, "rmdir"));
	/* A symlink goes, not its target. */
	snprintf(p, sizeof(p), "%s/lnk", share_dir);
	KTAP_ASSERT(t, !symlink("../outside/secret.txt", p));
	KTAP_EXPECT_EQ(t, sf_remove_p(&c, root, "lnk", SF_REMOVE_FILE |
				      SF_REMOVE_SYMLINK), VINF_SUCCESS);
	KTAP_EXPECT(t, !host_exists(share_dir, "lnk"));
	KTAP_EXPECT(t, host_exists(out_dir, "secret.txt"));
	sfc_disconnect(&c);
}

static void sf_rename_objects(struct ktap_case_ctx *t)
{
	static const struct name_op renames[] = {
		{ SF_FN_RENAME, "mv1", "mv2", SF_RENAME_FILE, VERR_ALREADY_EXISTS },
		{ SF_FN_RENAME, "mv1", "mv2", SF_RENAME_FILE | SF_RENAME_REPLACE,
		  VINF_SUCCESS },
		{ SF_FN_RENAME, "mv1", "mv3", SF_RENAME_FILE, VERR_FILE_NOT_FOUND },
		{ SF_FN_RENAME, "mvd", "mvd2", SF_RENAME_FILE, VERR_IS_A_DIRECTORY },
		{ SF_FN_RENAME, "mv2", "x", SF_RENAME_DIR, VERR_NOT_A_DIRECTORY },
		/* Flags 0 (what vboxsf sends for a directory). */
		{ SF_FN_RENAME, "mvd", "mvd2", 0, VINF_SUCCESS },
		{ SF_FN_RENAME, "mv2", "mvd2/mv", SF_RENAME_FILE, VINF_SUCCESS },
		{ SF_FN_RENAME, "mvd2/mv", "nodir/mv", SF_RENAME_FILE, VERR_PATH_NOT_FOUND },
	};
	struct sfc c;
	uint32_t root;
	char p[256];

	CLIENT(t, c, root);
	host_write(share_dir, "mv1", "one");
	host_write(share_dir, "mv2", "two");
	snprintf(p, sizeof(p), "%s/mvd", share_dir);
	mkdir(p, 0755);
	NAME_OPS(t, &c, root, renames);
	KTAP_EXPECT(t, !strcmp(host_read(share_dir, "mvd2/mv"), "one"));
	KTAP_EXPECT(t, !host_exists(share_dir, "mv1"));
	KTAP_EXPECT(t, !host_exists(share_dir, "mv2"));
	sfc_disconnect(&c);
}

static void sf_symlinks(struct ktap_case_ctx *t)
{
	struct sfc c, plain;
	struct cres r;
	uint32_t root, n;
	char buf[8];

	CLIENT(t, c, root);
	host_write(share_dir, "tgt", "target!");
	KTAP_EXPECT_EQ(t, sf_symlink_p(&c, root, "sl", "tgt"), VINF_SUCCESS);
	KTAP_EXPECT(t, S_ISLNK(get32(c.p[3].buf + 48)));
	KTAP_EXPECT_EQ(t, get64(c.p[3].buf), 3);
	KTAP_EXPECT_EQ(t, sf_symlink_p(&c, root, "sl", "tgt"), VERR_ALREADY_EXISTS);
	sfc_reset(&c);
	u32p(&c, root);
	strp(&c, "sl");
	bufp(&c, 64);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_READLINK), VINF_SUCCESS);
	KTAP_EXPECT(t, !strcmp((char *)c.p[2].buf, "tgt"));
	sfc_reset(&c);
	u32p(&c, root);
	strp(&c, "sl");
	bufp(&c, 3);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_READLINK), VERR_BUFFER_OVERFLOW);
	sfc_reset(&c);
	u32p(&c, root);
	strp(&c, "tgt");
	bufp(&c, 64);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_READLINK), VERR_NOT_SYMLINK);
	/* Without SET_SYMLINKS: links are followed and cannot be made. */
	KTAP_ASSERT(t, sfc_connect(&plain, true, false));
	KTAP_ASSERT(t, map(&plain, "data", &root) == VINF_SUCCESS);
	r = create(&plain, root, "sl", SF_CF_LOOKUP, 0);
	KTAP_EXPECT(t, S_ISREG(r.mode));
	r = create(&plain, root, "sl", SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_READ, 0);
	KTAP_EXPECT_EQ(t, rd(&plain, root, r.handle, 0, buf, 7, &n), VINF_SUCCESS);
	KTAP_EXPECT(t, n == 7 && !memcmp(buf, "target!", 7));
	sf_close_h(&plain, root, r.handle);
	KTAP_EXPECT_EQ(t, sf_symlink_p(&plain, root, "sl2", "tgt"), VERR_WRITE_PROTECT);
	sfc_disconnect(&plain);
	sfc_disconnect(&c);
}

static void sf_utf16_paths(struct ktap_case_ctx *t)
{
	struct sfc c;
	uint8_t *cp;
	uint32_t root = 0;

	KTAP_ASSERT(t, sfc_connect(&c, false, false));
	strp16(&c, "data");
	u32p(&c, 0);
	u32p(&c, '/');
	u32p(&c, 1);
	KTAP_ASSERT(t, call(&c, SF_FN_MAP_FOLDER) == VINF_SUCCESS);
	root = c.p[1].u32;
	host_write(share_dir, "w16.txt", "wide");
	sfc_reset(&c);
	u32p(&c, root);
	strp16(&c, "/w16.txt");
	cp = bufp(&c, SF_CREATEPARMS_SIZE);
	put32(cp + 12, SF_CF_LOOKUP);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_CREATE), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, get32(cp + 8), SF_FILE_EXISTS);
	KTAP_EXPECT_EQ(t, get64(cp + 16), 4);
	/* An odd UTF-16 length. */
	put16(c.p[1].buf + 2, 3);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_CREATE), VERR_INVALID_PARAMETER);
	sfc_disconnect(&c);
}

/* ---- cases: read-only share ------------------------------------------------- */

static void sf_readonly(struct ktap_case_ctx *t)
{
	uint8_t in[SF_OBJINFO_BYTES] = { 0 };
	struct sfc c;
	struct cres r;
	uint32_t ro, n;
	char buf[8];

	KTAP_ASSERT(t, sfc_connect(&c, true, true));
	KTAP_ASSERT(t, map(&c, "ro", &ro) == VINF_SUCCESS);
	r = create(&c, ro, "r.txt", SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_READ, 0);
	KTAP_ASSERT(t, r.handle != SF_HANDLE_NIL);
	KTAP_EXPECT_EQ(t, rd(&c, ro, r.handle, 0, buf, 7, &n), VINF_SUCCESS);
	KTAP_EXPECT(t, n == 7 && !memcmp(buf, "read me", 7));
	KTAP_EXPECT_EQ(t, wr(&c, ro, r.handle, 0, "x", 1, &n), VERR_WRITE_PROTECT);
	put32(in + 48, 0100600);
	KTAP_EXPECT_EQ(t, info(&c, ro, r.handle, SF_INFO_SET | SF_INFO_FILE, in,
			       SF_OBJINFO_BYTES), VERR_WRITE_PROTECT);
	KTAP_EXPECT_EQ(t, info(&c, ro, r.handle, SF_INFO_SET | SF_INFO_SIZE, in,
			       SF_OBJINFO_BYTES), VERR_WRITE_PROTECT);
	sfc_reset(&c);
	u32p(&c, ro);
	u64p(&c, r.handle);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_FLUSH), VERR_WRITE_PROTECT);
	sf_close_h(&c, ro, r.handle);
	KTAP_EXPECT_EQ(t, info(&c, ro, 0, SF_INFO_VOLUME, NULL, SF_VOLINFO_SIZE),
		       VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, c.p[4].buf[34], 1);
	KTAP_EXPECT_EQ(t, create(&c, ro, "r.txt", SF_CF_FAIL_IF_NEW |
				 SF_CF_ACCESS_WRITE, 0).rc, VERR_WRITE_PROTECT);
	KTAP_EXPECT_EQ(t, create(&c, ro, "r.txt", SF_CF_FAIL_IF_NEW |
				 SF_CF_ACCESS_ATTR_WRITE, 0).rc, VERR_WRITE_PROTECT);
	KTAP_EXPECT_EQ(t, create(&c, ro, "r.txt", SF_CF_OVERWRITE_IF_EXISTS |
				 SF_CF_ACCESS_READ, 0).rc, VERR_WRITE_PROTECT);
	KTAP_EXPECT_EQ(t, create(&c, ro, "new", SF_CF_ACCESS_READ, 0).rc,
		       VERR_WRITE_PROTECT);
	KTAP_EXPECT_EQ(t, create(&c, ro, "newdir", SF_CF_DIRECTORY, 0).rc,
		       VERR_WRITE_PROTECT);
	KTAP_EXPECT_EQ(t, sf_remove_p(&c, ro, "r.txt", SF_REMOVE_FILE),
		       VERR_WRITE_PROTECT);
	KTAP_EXPECT_EQ(t, sf_remove_p(&c, ro, "sub", SF_REMOVE_DIR),
		       VERR_WRITE_PROTECT);
	KTAP_EXPECT_EQ(t, sf_rename_p(&c, ro, "r.txt", "s.txt", SF_RENAME_FILE),
		       VERR_WRITE_PROTECT);
	KTAP_EXPECT_EQ(t, sf_symlink_p(&c, ro, "l", "r.txt"), VERR_WRITE_PROTECT);
	/* Lookups and directory opens still work. */
	KTAP_EXPECT_EQ(t, create(&c, ro, "sub", SF_CF_LOOKUP, 0).result, SF_FILE_EXISTS);
	r = create(&c, ro, "sub", SF_CF_DIRECTORY | SF_CF_FAIL_IF_NEW |
		   SF_CF_ACCESS_READ, 0);
	KTAP_EXPECT_EQ(t, r.rc, VINF_SUCCESS);
	sf_close_h(&c, ro, r.handle);
	KTAP_EXPECT(t, !strcmp(host_read(ro_dir, "r.txt"), "read me"));
	KTAP_EXPECT(t, !host_exists(ro_dir, "new") && !host_exists(ro_dir, "l"));
	sfc_disconnect(&c);
}

/* ---- cases: escapes ---------------------------------------------------------- */

/* No lookup of @path may succeed or reach outside. */
static void no_lookup(struct ktap_case_ctx *t, struct sfc *c, uint32_t root,
		      const char *path, int32_t want_rc, uint32_t want_result)
{
	struct cres r = create(c, root, path, SF_CF_LOOKUP, 0);

	if (r.rc != want_rc || (!r.rc && r.result != want_result)) {
		printf("    # lookup \"%s\": status %d result %u, want %d/%u\n",
		       path, r.rc, r.result, want_rc, want_result);
		t->failed = 1;
	}
	r = create(c, root, path, SF_CF_FAIL_IF_NEW | SF_CF_ACCESS_READ, 0);
	if (r.handle != SF_HANDLE_NIL) {
		printf("    # open \"%s\" gave a handle\n", path);
		t->failed = 1;
		sf_close_h(c, root, r.handle);
	}
}

static void escape_dotdot(struct ktap_case_ctx *t)
{
	static const struct name_op dotdot_ops[] = {
		{ SF_FN_CREATE, "../outside/new", NULL, SF_CF_ACCESS_WRITE,
		  VERR_INVALID_NAME },
		{ SF_FN_CREATE, "../evil", NULL, SF_CF_DIRECTORY, VERR_INVALID_NAME },
		{ SF_FN_REMOVE, "../outside/secret.txt", NULL, SF_REMOVE_FILE,
		  VERR_INVALID_NAME },
		{ SF_FN_RENAME, "in.txt", "../outside/in.txt", SF_RENAME_FILE,
		  VERR_INVALID_NAME },
		{ SF_FN_RENAME, "../outside/secret.txt", "stolen", SF_RENAME_FILE,
		  VERR_INVALID_NAME },
		{ SF_FN_SYMLINK, "../outside/l", "x", 0, VERR_INVALID_NAME },
	};
	struct sfc c;
	uint32_t root;

	CLIENT(t, c, root);
	no_lookup(t, &c, root, "..", VERR_INVALID_NAME, 0);
	no_lookup(t, &c, root, "../outside/secret.txt", VERR_INVALID_NAME, 0);
	no_lookup(t, &c, root, "/../outside/secret.txt", VERR_INVALID_NAME, 0);
	no_lookup(t, &c, root, "a/../../outside/secret.txt", VERR_INVALID_NAME, 0);
	no_lookup(t, &c, root, "./../outside", VERR_INVALID_NAME, 0);
	/* ".." that stays inside is fine. */
	host_write(share_dir, "in.txt", "in");
	KTAP_EXPECT_EQ(t, create(&c, root, "nodir/../in.txt", SF_CF_LOOKUP, 0).result,
		       SF_FILE_EXISTS);
	/* Creating, removing, renaming outside through "..". */
	NAME_OPS(t, &c, root, dotdot_ops);
	sfc_disconnect(&c);
	/* Backslash delimiter. */
	KTAP_ASSERT(t, sfc_connect(&c, true, true));
	sfc_reset(&c);
	strp(&c, "data");
	u32p(&c, 0);
	u32p(&c, '\\');
	u32p(&c, 1);
	KTAP_ASSERT(t, call(&c, SF_FN_MAP_FOLDER) == VINF_SUCCESS);
	no_lookup(t, &c, root, "..\\outside\\secret.txt", VERR_INVALID_NAME, 0);
	sfc_disconnect(&c);
	KTAP_EXPECT(t, !strcmp(host_read(out_dir, "secret.txt"), "secret"));
	KTAP_EXPECT(t, !host_exists(out_dir, "new") && !host_exists(out_dir, "in.txt"));
	KTAP_EXPECT(t, !host_exists(base, "evil"));
}

static void escape_absolute(struct ktap_case_ctx *t)
{
	struct sfc c;
	uint32_t root;
	char p[256];

	CLIENT(t, c, root);
	/* An absolute guest path is relative to the share root. */
	snprintf(p, sizeof(p), "%s/secret.txt", out_dir);
	no_lookup(t, &c, root, p, VINF_SUCCESS, SF_PATH_NOT_FOUND);
	no_lookup(t, &c, root, "/etc/passwd", VINF_SUCCESS, SF_PATH_NOT_FOUND);
	no_lookup(t, &c, root, "//etc//passwd", VINF_SUCCESS, SF_PATH_NOT_FOUND);
	sfc_disconnect(&c);
}

static void escape_symlinks(struct ktap_case_ctx *t)
{
	static const struct name_op through_links[] = {
		{ SF_FN_CREATE, "abs/new", NULL, SF_CF_ACCESS_WRITE, VERR_ACCESS_DENIED },
		{ SF_FN_CREATE, "rel/newdir", NULL, SF_CF_DIRECTORY, VERR_ACCESS_DENIED },
		{ SF_FN_REMOVE, "rel/secret.txt", NULL, SF_REMOVE_FILE,
		  VERR_ACCESS_DENIED },
		{ SF_FN_RENAME, "rel/secret.txt", "stolen", SF_RENAME_FILE,
		  VERR_ACCESS_DENIED },
		{ SF_FN_RENAME, "mine", "abs/mine", SF_RENAME_FILE, VERR_ACCESS_DENIED },
		{ SF_FN_SYMLINK, "abs/l", "x", 0, VERR_ACCESS_DENIED },
	};
	struct sfc c, plain;
	uint32_t root, proot;
	char p[256];

	CLIENT(t, c, root);
	/* Links in the middle of a path (always followed by the host). */
	no_lookup(t, &c, root, "abs/secret.txt", VERR_ACCESS_DENIED, 0);
	no_lookup(t, &c, root, "rel/secret.txt", VERR_ACCESS_DENIED, 0);
	no_lookup(t, &c, root, "root/etc/passwd", VERR_ACCESS_DENIED, 0);
	host_write(share_dir, "mine", "mine");
	NAME_OPS(t, &c, root, through_links);
	sfc_reset(&c);
	u32p(&c, root);
	strp(&c, "rel/secret.txt");
	bufp(&c, 64);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_READLINK), VERR_ACCESS_DENIED);
	/* At the end: shown as links, never opened through. */
	KTAP_EXPECT(t, S_ISLNK(create(&c, root, "relfile", SF_CF_LOOKUP, 0).mode));
	/* A client that has the host follow links. */
	KTAP_ASSERT(t, sfc_connect(&plain, true, false));
	KTAP_ASSERT(t, map(&plain, "data", &proot) == VINF_SUCCESS);
	no_lookup(t, &plain, proot, "relfile", VERR_ACCESS_DENIED, 0);
	no_lookup(t, &plain, proot, "abs", VERR_ACCESS_DENIED, 0);
	no_lookup(t, &plain, proot, "root", VERR_ACCESS_DENIED, 0);
	KTAP_EXPECT_EQ(t, create(&plain, proot, "relfile", SF_CF_OVERWRITE_IF_EXISTS |
				 SF_CF_ACCESS_WRITE, 0).rc, VERR_ACCESS_DENIED);
	/* A link made by the guest pointing out is refused when used. */
	KTAP_EXPECT_EQ(t, sf_symlink_p(&c, root, "made", "../outside/secret.txt"),
		       VINF_SUCCESS);
	no_lookup(t, &plain, proot, "made", VERR_ACCESS_DENIED, 0);
	KTAP_EXPECT_EQ(t, sf_remove_p(&c, root, "made", SF_REMOVE_FILE |
				      SF_REMOVE_SYMLINK), VINF_SUCCESS);
	/* Listing "..": the share root's own entry, nothing from above. */
	sfc_disconnect(&plain);
	sfc_disconnect(&c);
	KTAP_EXPECT(t, !strcmp(host_read(out_dir, "secret.txt"), "secret"));
	KTAP_EXPECT(t, !host_exists(out_dir, "new") && !host_exists(out_dir, "mine"));
	snprintf(p, sizeof(p), "%s/newdir", out_dir);
	KTAP_EXPECT(t, access(p, F_OK) != 0);
	KTAP_EXPECT(t, host_exists(share_dir, "mine"));
}

/* ---- cases: clients and the host side -------------------------------------- */

/* sf-list line of @name: maps and handles. */
static void share_counts(const char *name, unsigned int *maps,
			 unsigned int *handles)
{
	char *out = NULL, *line, *save;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	char n[64];

	*maps = *handles = 9999;
	sf_control("sf-list", f);
	fclose(f);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "share %*d %63s %*s %*d %*d %u %u", n, maps, handles) == 3 &&
		    !strcmp(n, name))
			break;
	free(out);
}

static void sf_disconnect_cleans_up(struct ktap_case_ctx *t)
{
	struct sfc c;
	struct cres r;
	unsigned int maps, handles;
	uint32_t root;
	int i;

	CLIENT(t, c, root);
	for (i = 0; i < 5; i++) {
		r = create(&c, root, "/", SF_CF_DIRECTORY | SF_CF_ACCESS_READ, 0);
		KTAP_EXPECT(t, r.handle != SF_HANDLE_NIL);
	}
	share_counts("data", &maps, &handles);
	KTAP_EXPECT_EQ(t, maps, 1);
	KTAP_EXPECT_EQ(t, handles, 5);
	sfc_disconnect(&c);
	share_counts("data", &maps, &handles);
	KTAP_EXPECT_EQ(t, maps, 0);
	KTAP_EXPECT_EQ(t, handles, 0);
	/* Unmapping the last mapping closes that root's handles. */
	CLIENT(t, c, root);
	create(&c, root, "/", SF_CF_DIRECTORY | SF_CF_ACCESS_READ, 0);
	sfc_reset(&c);
	u32p(&c, root);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_UNMAP_FOLDER), VINF_SUCCESS);
	share_counts("data", &maps, &handles);
	KTAP_EXPECT_EQ(t, handles, 0);
	sfc_disconnect(&c);
}

static void sf_handle_limit(struct ktap_case_ctx *t)
{
	struct sfc c;
	struct cres r;
	uint32_t root;
	int i, got = 0;

	CLIENT(t, c, root);
	for (i = 0; i < 4100; i++) {
		r = create(&c, root, "/", SF_CF_DIRECTORY | SF_CF_ACCESS_READ, 0);
		if (r.rc)
			break;
		got++;
	}
	KTAP_EXPECT_EQ(t, got, 4096);
	KTAP_EXPECT_EQ(t, r.rc, VERR_TOO_MANY_OPEN_FILES);
	sfc_disconnect(&c);
}

static void sf_features_unknown(struct ktap_case_ctx *t)
{
	struct sfc c;
	uint32_t root;

	CLIENT(t, c, root);
	sfc_reset(&c);
	u64p(&c, 0);
	u32p(&c, 0);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_QUERY_FEATURES), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, c.p[0].u64, SF_FEATURE_WRITE_UPDATES_OFFSET);
	KTAP_EXPECT_EQ(t, c.p[1].u32, SF_FN_QUERY_FEATURES);
	sfc_reset(&c);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_QUERY_FEATURES), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_LOCK), VERR_NOT_IMPLEMENTED);
	KTAP_EXPECT_EQ(t, call(&c, 10), VERR_NOT_IMPLEMENTED);
	KTAP_EXPECT_EQ(t, call(&c, 26), VERR_NOT_IMPLEMENTED);
	KTAP_EXPECT_EQ(t, call(&c, 29), VERR_NOT_IMPLEMENTED);
	KTAP_EXPECT_EQ(t, call(&c, 1000), VERR_NOT_IMPLEMENTED);
	sfc_disconnect(&c);
}

/* One control line; true if its last reply line is "ok". */
static bool ctl(const char *cmd)
{
	char *out = NULL, *last;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	bool ok;

	if (!sf_control(cmd, f))
		fprintf(f, "unhandled\n");
	fclose(f);
	out[len ? len - 1 : 0] = 0;
	last = strrchr(out, '\n');
	ok = !strncmp(last ? last + 1 : out, "ok", 2);
	free(out);
	return ok;
}

/* The reply to control line @cmd ("" if none) in a static buffer. */
static const char *ctl_reply(const char *cmd)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	buf[0] = 0;
	if (!f)
		return buf;
	sf_control(cmd, f);
	fclose(f);
	return buf;
}

/* Pending mapping waits (sf-list's "waits N"); -1 if not listed. */
static int waits_pending(void)
{
	const char *w = strstr(ctl_reply("sf-list"), "\nwaits ");

	return w ? atoi(w + 7) : -1;
}

/* QUERY_MAP_INFO of @root into @c's parameters; the status. */
static int32_t map_info(struct sfc *c, uint32_t root)
{
	uint8_t *b;

	sfc_reset(c);
	u32p(c, root);
	b = bufp(c, 4 + 514);
	put16(b, 514);
	b = bufp(c, 4 + 522);
	put16(b, 522);
	u64p(c, 0);
	u32p(c, 0);
	return call(c, SF_FN_QUERY_MAP_INFO);
}

/* The SHFLSTRING (UTF-8) of parameter @i of @c's last call is @want. */
static bool str_is(const struct sfc *c, uint32_t i, const char *want)
{
	const uint8_t *b = c->p[i].buf;

	return get16(b + 2) == strlen(want) && !memcmp(b + 4, want, strlen(want) + 1);
}

/*
 * QUERY_MAP_INFO (21), the layout VBoxControl and VBoxService 7.2.22 send:
 * name, auto-mount point, flags, root version, in the client's encoding,
 * for any root the host has (mapped or not).
 */
static void sf_query_map_info(struct ktap_case_ctx *t)
{
	char cmd[300];
	struct sfc c;
	uint32_t v;

	KTAP_ASSERT(t, sfc_connect(&c, true, false));
	KTAP_EXPECT_EQ(t, map_info(&c, 0), VINF_SUCCESS);
	KTAP_EXPECT(t, str_is(&c, 1, "data"));
	KTAP_EXPECT(t, str_is(&c, 2, ""));
	KTAP_EXPECT_EQ(t, c.p[3].u64, SF_MIF_WRITABLE | SF_MIF_AUTO_MOUNT |
				      SF_MIF_SYMLINK_CREATION);
	v = c.p[4].u32;
	KTAP_EXPECT(t, v != 0);
	KTAP_EXPECT_EQ(t, map_info(&c, 1), VINF_SUCCESS);
	KTAP_EXPECT(t, str_is(&c, 1, "ro"));
	KTAP_EXPECT_EQ(t, c.p[3].u64, 0);
	/* A host mount point; a new share has a newer version. */
	snprintf(cmd, sizeof(cmd), "sf-add mp %s auto mp=/media/here", out_dir);
	KTAP_ASSERT(t, ctl(cmd));
	KTAP_EXPECT_EQ(t, map_info(&c, 2), VINF_SUCCESS);
	KTAP_EXPECT(t, str_is(&c, 1, "mp"));
	KTAP_EXPECT(t, str_is(&c, 2, "/media/here"));
	KTAP_EXPECT(t, c.p[4].u32 > v);
	KTAP_EXPECT(t, ctl("sf-remove mp"));
	/* Unknown root, wrong layout, a buffer too small. */
	KTAP_EXPECT_EQ(t, map_info(&c, 2), VERR_INVALID_PARAMETER);
	KTAP_EXPECT_EQ(t, map_info(&c, SF_ROOT_NIL), VERR_INVALID_PARAMETER);
	map_info(&c, 0);
	c.n = 4;
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_QUERY_MAP_INFO), VERR_INVALID_PARAMETER);
	c.n = 5;
	c.p[1].size = 6;
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_QUERY_MAP_INFO), VERR_BUFFER_OVERFLOW);
	sfc_disconnect(&c);
	/* UTF-16 for a client without SET_UTF8. */
	KTAP_ASSERT(t, sfc_connect(&c, false, false));
	KTAP_EXPECT_EQ(t, map_info(&c, 1), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, get16(c.p[1].buf + 2), 4);
	KTAP_EXPECT(t, !memcmp(c.p[1].buf + 4, "r\0o\0\0\0", 6));
	sfc_disconnect(&c);
}

/* A WAIT_FOR_MAPPINGS_CHANGES call with version @v (kept alive). */
static struct hgcm_svc_call *wait_call(uint32_t v)
{
	static struct hgcm_parm p[4][1];
	static struct hgcm_svc_call k[4];
	static int next;
	struct hgcm_svc_call *w = &k[next];

	p[next][0] = (struct hgcm_parm){ .kind = HGCM_PARM_U32, .u32 = v };
	*w = (struct hgcm_svc_call){ .fn = SF_FN_WAIT_FOR_MAPPINGS_CHANGES,
				     .nparms = 1, .parms = p[next],
				     .client_id = 1, .requestor = 0xffffffff };
	next = (next + 1) % 4;
	return w;
}

/*
 * WAIT_FOR_MAPPINGS_CHANGES (22) and CANCEL_MAPPINGS_CHANGES_WAITS (23):
 * an old version returns the current one at once; the current one pends
 * until a share is added or removed (the new version written back) or
 * the client cancels its waits (another client's wait stays); a guest
 * cancel or a disconnect drops a wait.  The statuses the guest sees go
 * through the HGCM core: test_svc.c's rig_sf_mapping_waits.
 */
static void sf_mapping_waits(struct ktap_case_ctx *t)
{
	struct hgcm_svc_call *w1, *w2;
	struct sfc c, d;
	char cmd[300];
	uint32_t v;

	KTAP_ASSERT(t, sfc_connect(&c, true, false));
	KTAP_ASSERT(t, sfc_connect(&d, true, false));
	w1 = wait_call(0);
	KTAP_EXPECT_EQ(t, hgcm_svc_sf.call(c.priv, w1), VINF_SUCCESS);
	v = w1->parms[0].u32;
	KTAP_EXPECT(t, v != 0);
	KTAP_EXPECT_EQ(t, waits_pending(), 0);
	/* The current version waits; a new share ends it. */
	w1 = wait_call(v);
	KTAP_EXPECT_EQ(t, hgcm_svc_sf.call(c.priv, w1), HGCM_SVC_PENDING);
	KTAP_EXPECT_EQ(t, waits_pending(), 1);
	snprintf(cmd, sizeof(cmd), "sf-add w %s", out_dir);
	KTAP_ASSERT(t, ctl(cmd));
	KTAP_EXPECT_EQ(t, waits_pending(), 0);
	KTAP_EXPECT(t, w1->parms[0].u32 != v);
	v = w1->parms[0].u32;
	/* So does a removed one. */
	w1 = wait_call(v);
	KTAP_EXPECT_EQ(t, hgcm_svc_sf.call(c.priv, w1), HGCM_SVC_PENDING);
	KTAP_ASSERT(t, ctl("sf-remove w"));
	KTAP_EXPECT_EQ(t, waits_pending(), 0);
	KTAP_EXPECT(t, w1->parms[0].u32 != v);
	v = w1->parms[0].u32;
	/* Cancel: only the calling client's waits end. */
	w1 = wait_call(v);
	w2 = wait_call(v);
	KTAP_EXPECT_EQ(t, hgcm_svc_sf.call(c.priv, w1), HGCM_SVC_PENDING);
	KTAP_EXPECT_EQ(t, hgcm_svc_sf.call(d.priv, w2), HGCM_SVC_PENDING);
	KTAP_EXPECT_EQ(t, waits_pending(), 2);
	sfc_reset(&c);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_CANCEL_MAPPINGS_CHANGES_WAITS), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, waits_pending(), 1);
	u32p(&c, 0);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_CANCEL_MAPPINGS_CHANGES_WAITS),
		       VERR_INVALID_PARAMETER);
	/* The guest cancels the other one. */
	hgcm_svc_sf.cancel(d.priv, w2);
	KTAP_EXPECT_EQ(t, waits_pending(), 0);
	/* Wrong layout. */
	sfc_reset(&c);
	u64p(&c, v);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_WAIT_FOR_MAPPINGS_CHANGES),
		       VERR_INVALID_PARAMETER);
	sfc_disconnect(&c);
	sfc_disconnect(&d);
}

/* SET_FILE_SIZE of handle @h to @size; the parameters stay for changes. */
static int32_t set_size(struct sfc *c, uint32_t root, uint64_t h, uint64_t size)
{
	sfc_reset(c);
	u32p(c, root);
	u64p(c, h);
	u64p(c, size);
	return call(c, SF_FN_SET_FILE_SIZE);
}

/* SET_FILE_SIZE (24): root, handle, size; INFORMATION's set-size rules. */
static void sf_set_file_size(struct ktap_case_ctx *t)
{
	struct sfc c, r;
	struct cres w, ro, d;
	uint32_t root, rroot;

	CLIENT(t, c, root);
	w = create(&c, root, "size.bin", SF_CF_ACCESS_READ | SF_CF_ACCESS_WRITE, 0644);
	KTAP_ASSERT(t, w.rc == VINF_SUCCESS && w.handle != SF_HANDLE_NIL);
	KTAP_EXPECT_EQ(t, set_size(&c, root, w.handle, 12345), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, create(&c, root, "size.bin", SF_CF_LOOKUP, 0).size, 12345);
	KTAP_EXPECT_EQ(t, set_size(&c, root, w.handle, 7), VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, create(&c, root, "size.bin", SF_CF_LOOKUP, 0).size, 7);
	/* Read-only handle, directory, unknown handle, wrong kinds. */
	ro = create(&c, root, "size.bin", SF_CF_ACCESS_READ, 0);
	d = create(&c, root, "/", SF_CF_DIRECTORY | SF_CF_ACCESS_READ, 0);
	KTAP_EXPECT_EQ(t, set_size(&c, root, ro.handle, 1), VERR_ACCESS_DENIED);
	c.p[1].u64 = d.handle;
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_SET_FILE_SIZE), VERR_IS_A_DIRECTORY);
	c.p[1].u64 = 999;
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_SET_FILE_SIZE), VERR_INVALID_HANDLE);
	c.p[1].u64 = w.handle;
	c.p[2].kind = HGCM_PARM_U32;
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_SET_FILE_SIZE), VERR_INVALID_PARAMETER);
	c.p[2].kind = HGCM_PARM_U64;
	c.p[0].u32 = 1;		/* not mapped by this client */
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_SET_FILE_SIZE), VERR_INVALID_PARAMETER);
	/* A read-only share. */
	KTAP_ASSERT(t, sfc_connect(&r, true, false));
	KTAP_ASSERT(t, map(&r, "ro", &rroot) == VINF_SUCCESS);
	ro = create(&r, rroot, "r.txt", SF_CF_ACCESS_READ, 0);
	KTAP_EXPECT_EQ(t, set_size(&r, rroot, ro.handle, 0), VERR_WRITE_PROTECT);
	KTAP_EXPECT_EQ(t, host_read(ro_dir, "r.txt")[0], 'r');
	sfc_disconnect(&r);
	sf_remove_p(&c, root, "size.bin", SF_REMOVE_FILE);
	sfc_disconnect(&c);
}

/* sf-refusals lists the refused calls (fn and status), then the count. */
static void sf_refusals(struct ktap_case_ctx *t)
{
	struct sfc c;
	uint32_t root;

	KTAP_EXPECT(t, ctl("sf-refusals-clear"));
	KTAP_EXPECT(t, !strcmp(ctl_reply("sf-refusals"), "ok 0\n"));
	CLIENT(t, c, root);
	sfc_reset(&c);
	KTAP_EXPECT_EQ(t, call(&c, SF_FN_LOCK), VERR_NOT_IMPLEMENTED);
	KTAP_EXPECT_EQ(t, sf_close_h(&c, root, 12345), VERR_INVALID_HANDLE);
	KTAP_EXPECT_EQ(t, create(&c, root, "nope.txt", SF_CF_LOOKUP, 0).rc,
		       VINF_SUCCESS);
	KTAP_EXPECT(t, !strcmp(ctl_reply("sf-refusals"),
			       "refusal 7 -12\nrefusal 4 -4\nok 2\n"));
	KTAP_EXPECT(t, ctl("sf-refusals-clear"));
	KTAP_EXPECT(t, !strcmp(ctl_reply("sf-refusals"), "ok 0\n"));
	sfc_disconnect(&c);
}

static void sf_control_commands(struct ktap_case_ctx *t)
{
	char cmd[300];
	struct sfc c;
	unsigned int maps, handles;
	uint32_t root;

	snprintf(cmd, sizeof(cmd), "sf-add extra %s auto ro", out_dir);
	KTAP_EXPECT(t, ctl(cmd));
	KTAP_EXPECT(t, !ctl(cmd));				/* name taken */
	KTAP_EXPECT(t, !ctl("sf-add other /nonexistent/dir"));
	KTAP_EXPECT(t, !ctl("sf-add other"));
	KTAP_EXPECT(t, !ctl("sf-add other /tmp bogus"));
	KTAP_EXPECT(t, !ctl("sf-add other /tmp mp="
			    "/0123456789abcdef0123456789abcdef0123456789abcdef"
			    "0123456789abcdef0123456789abcdef0123456789abcdef"
			    "0123456789abcdef0123456789abcdef0123456789abcdef"
			    "0123456789abcdef0123456789abcdef0123456789abcdef"
			    "0123456789abcdef0123456789abcdef0123456789abcdef"
			    "0123456789abcdef0123456789abcdef0123456789abcdef"));
	KTAP_EXPECT(t, !ctl("sf-frobnicate"));
	share_counts("extra", &maps, &handles);
	KTAP_EXPECT_EQ(t, maps, 0);
	/* The new share is read-only and visible to a client. */
	KTAP_ASSERT(t, sfc_connect(&c, true, false));
	KTAP_ASSERT(t, map(&c, "extra", &root) == VINF_SUCCESS);
	KTAP_EXPECT_EQ(t, create(&c, root, "secret.txt", SF_CF_LOOKUP, 0).result,
		       SF_FILE_EXISTS);
	KTAP_EXPECT_EQ(t, sf_remove_p(&c, root, "secret.txt", SF_REMOVE_FILE),
		       VERR_WRITE_PROTECT);
	KTAP_EXPECT(t, !ctl("sf-remove extra"));		/* mapped */
	sfc_disconnect(&c);
	KTAP_EXPECT(t, ctl("sf-remove extra"));
	KTAP_EXPECT(t, !ctl("sf-remove extra"));
	KTAP_EXPECT(t, ctl("sf-list"));
	KTAP_EXPECT(t, !sf_control("hgcm-state", stdout));
}

static const struct ktap_case cases[] = {
	KTAP_CASE(sf_connect_switches),
	KTAP_CASE(sf_query_mappings),
	KTAP_CASE(sf_query_map_name),
	KTAP_CASE(sf_map_unmap),
	KTAP_CASE(sf_create_lookup),
	KTAP_CASE(sf_create_actions),
	KTAP_CASE(sf_access_modes),
	KTAP_CASE(sf_close_handles),
	KTAP_CASE(sf_read_write),
	KTAP_CASE(sf_list_dir),
	KTAP_CASE(sf_information),
	KTAP_CASE(sf_remove_objects),
	KTAP_CASE(sf_rename_objects),
	KTAP_CASE(sf_symlinks),
	KTAP_CASE(sf_utf16_paths),
	KTAP_CASE(sf_readonly),
	KTAP_CASE(escape_dotdot),
	KTAP_CASE(escape_absolute),
	KTAP_CASE(escape_symlinks),
	KTAP_CASE(escape_list_dotdot),
	KTAP_CASE(sf_disconnect_cleans_up),
	KTAP_CASE(sf_handle_limit),
	KTAP_CASE(sf_features_unknown),
	KTAP_CASE(sf_query_map_info),
	KTAP_CASE(sf_mapping_waits),
	KTAP_CASE(sf_set_file_size),
	KTAP_CASE(sf_refusals),
	KTAP_CASE(sf_control_commands),
};

int main(void)
{
	FILE *log = tmpfile();

	if (log)
		vmmdev_set_log(log);
	setup();
	return ktap_run("vmmdev_sf", cases, (int)(sizeof(cases) / sizeof(cases[0])));
}
