/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMMDev emulator: the shared-folder service "VBoxSharedFolders"
 * (svc_sf.c): protocol numbers and layouts (spec section 8.2; parameter
 * layouts also from the in-tree vboxsf's fs/vboxsf/shfl_hostintf.h, the
 * consumer of this service).
 */
#ifndef VMMDEV_SVC_SF_H
#define VMMDEV_SVC_SF_H

#include <stdint.h>

/* Status codes of the file paths (vbox_err.h numbering). */
#define VERR_INVALID_HANDLE		(-4)
#define VERR_NOT_SYMLINK		(-19)
#define VERR_FILE_NOT_FOUND		(-102)
#define VERR_PATH_NOT_FOUND		(-103)
#define VERR_INVALID_NAME		(-104)
#define VERR_ALREADY_EXISTS		(-105)
#define VERR_TOO_MANY_OPEN_FILES	(-106)
#define VERR_WRITE_PROTECT		(-113)
#define VERR_FILENAME_TOO_LONG		(-120)
#define VERR_DIR_NOT_EMPTY		(-125)
#define VERR_NOT_A_DIRECTORY		(-126)
#define VERR_IS_A_DIRECTORY		(-127)
#define VERR_FILE_TOO_BIG		(-128)
#define VERR_DISK_FULL			(-152)
#define VERR_TOO_MANY_SYMLINKS		(-156)
#define VERR_NO_MORE_FILES		(-201)
#define VINF_BUFFER_OVERFLOW		41

enum sf_fn {
	SF_FN_QUERY_MAPPINGS = 1,
	SF_FN_QUERY_MAP_NAME = 2,
	SF_FN_CREATE = 3,
	SF_FN_CLOSE = 4,
	SF_FN_READ = 5,
	SF_FN_WRITE = 6,
	SF_FN_LOCK = 7,
	SF_FN_LIST = 8,
	SF_FN_INFORMATION = 9,
	SF_FN_REMOVE = 11,
	SF_FN_MAP_FOLDER_OLD = 12,
	SF_FN_UNMAP_FOLDER = 13,
	SF_FN_RENAME = 14,
	SF_FN_FLUSH = 15,
	SF_FN_SET_UTF8 = 16,
	SF_FN_MAP_FOLDER = 17,
	SF_FN_READLINK = 18,
	SF_FN_SYMLINK = 19,
	SF_FN_SET_SYMLINKS = 20,
	SF_FN_QUERY_MAP_INFO = 21,
	SF_FN_WAIT_FOR_MAPPINGS_CHANGES = 22,
	SF_FN_CANCEL_MAPPINGS_CHANGES_WAITS = 23,
	SF_FN_SET_FILE_SIZE = 24,
	SF_FN_QUERY_FEATURES = 25,
};

/*
 * QUERY_MAP_INFO flags (u64): the bits VBoxControl 7.2.22's "sharedfolder
 * list" names (observed, svc_sf.c).
 */
#define SF_MIF_WRITABLE		0x1
#define SF_MIF_AUTO_MOUNT	0x2
#define SF_MIF_HOST_ICASE	0x4
#define SF_MIF_GUEST_ICASE	0x8
#define SF_MIF_SYMLINK_CREATION	0x10

#define SF_MAX_MAPPINGS		64
#define SF_MAX_NAME		256	/* share name, characters */
#define SF_MAX_RW		(16u << 20)	/* bytes per read/write */
#define SF_ROOT_NIL		0xffffffffu
#define SF_HANDLE_NIL		UINT64_MAX

/* QUERY_MAPPINGS flags. */
#define SF_MQF_UTF8		0x1
#define SF_MQF_AUTOMOUNT	0x10

/* Create parameters (108 bytes): handle @0, result @8, flags @12, info @16. */
#define SF_CREATEPARMS_SIZE	108
#define SF_OBJINFO_BYTES	92	/* shfl_fsobjinfo */
#define SF_VOLINFO_SIZE		40	/* shfl_volinfo */
#define SF_DIRINFO_NAME		122	/* shfl_string of an entry at this offset */

enum sf_create_result {
	SF_NO_RESULT, SF_PATH_NOT_FOUND, SF_FILE_NOT_FOUND, SF_FILE_EXISTS,
	SF_FILE_CREATED, SF_FILE_REPLACED,
};

#define SF_CF_LOOKUP		0x00000001
#define SF_CF_OPEN_TARGET_DIR	0x00000002
#define SF_CF_DIRECTORY		0x00000004
#define SF_CF_IF_EXISTS_MASK	0x000000f0
#define SF_CF_OPEN_IF_EXISTS	0x00000000
#define SF_CF_FAIL_IF_EXISTS	0x00000010
#define SF_CF_REPLACE_IF_EXISTS	0x00000020
#define SF_CF_OVERWRITE_IF_EXISTS 0x00000030
#define SF_CF_IF_NEW_MASK	0x00000f00
#define SF_CF_CREATE_IF_NEW	0x00000000
#define SF_CF_FAIL_IF_NEW	0x00000100
#define SF_CF_ACCESS_READ	0x00001000
#define SF_CF_ACCESS_WRITE	0x00002000
#define SF_CF_ACCESS_DENY_MASK	0x0000c000
#define SF_CF_ACCESS_ATTR_READ	0x00010000
#define SF_CF_ACCESS_ATTR_WRITE	0x00020000
#define SF_CF_ACCESS_APPEND	0x00040000

/* LIST flags. */
#define SF_LIST_RETURN_ONE	0x1
#define SF_LIST_RESTART		0x2

/* INFORMATION flags. */
#define SF_INFO_SET		0x1
#define SF_INFO_NAME		0x2
#define SF_INFO_SIZE		0x4
#define SF_INFO_FILE		0x8
#define SF_INFO_VOLUME		0x10

/* REMOVE and RENAME flags. */
#define SF_REMOVE_FILE		0x1
#define SF_REMOVE_DIR		0x2
#define SF_REMOVE_SYMLINK	0x4
#define SF_RENAME_FILE		0x1
#define SF_RENAME_DIR		0x2
#define SF_RENAME_REPLACE	0x4

/* QUERY_FEATURES: WRITE returns the new offset. */
#define SF_FEATURE_WRITE_UPDATES_OFFSET	0x1

/* The host side (sf_host_add() and co.) is declared in svc.h. */

#endif /* VMMDEV_SVC_SF_H */
