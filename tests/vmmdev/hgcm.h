/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMMDev emulator: the HGCM part and its contract with the device model.
 * Spec: ../../../shared/vmmdev-spec.md section 7 and 8.
 */
#ifndef VMMDEV_HGCM_H
#define VMMDEV_HGCM_H

#include "emu.h"

struct hgcm;

/* VirtualBox status codes the emulator writes (spec section 9). */
#define VINF_SUCCESS				0
#define VINF_PERMISSION_DENIED			10
#define VWRN_NOT_FOUND				78
#define VINF_HGCM_ASYNC_EXECUTE			2903
#define VERR_GENERAL_FAILURE			(-1)
#define VERR_INVALID_PARAMETER			(-2)
#define VERR_INVALID_POINTER			(-6)
#define VERR_NO_MEMORY				(-8)
#define VERR_PERMISSION_DENIED			(-10)
#define VERR_VERSION_MISMATCH			(-11)
#define VERR_NOT_IMPLEMENTED			(-12)
#define VERR_INVALID_FLAGS			(-13)
#define VERR_NOT_SUPPORTED			(-37)
#define VERR_ACCESS_DENIED			(-38)
#define VERR_INTERRUPTED			(-39)
#define VERR_BUFFER_OVERFLOW			(-41)
#define VERR_TOO_MUCH_DATA			(-42)
#define VERR_TRY_AGAIN				(-52)
#define VERR_PARSE_ERROR			(-53)
#define VERR_OUT_OF_RANGE			(-54)
#define VERR_CANCELLED				(-70)
#define VERR_NOT_FOUND				(-78)
#define VERR_OUT_OF_RESOURCES			(-80)
#define VERR_HGCM_SERVICE_NOT_FOUND		(-2900)
#define VERR_HGCM_INVALID_CLIENT_ID		(-2905)
#define VERR_HGCM_TOO_MANY_CLIENTS		(-2908)
#define VERR_HGCM_TOO_MANY_CLIENT_CALLS		(-2909)

/*
 * Functions the model (model.c) provides to the HGCM part.  The *_locked
 * ones expect dev->lock held.
 */
void vmmdev_lock(struct vmmdev *dev);
void vmmdev_unlock(struct vmmdev *dev);
int vmmdev_mem_read(struct vmmdev *dev, uint64_t gpa, void *buf, size_t len);
int vmmdev_mem_write(struct vmmdev *dev, uint64_t gpa, const void *buf,
		     size_t len);
/* Post events; runs the raise check (spec section 6). */
void vmmdev_post_events_locked(struct vmmdev *dev, uint32_t events);
/* The requestor the host honours for HGCM: the request's field when the
 * guest enabled requestor info in ReportGuestInfo2, else 0xffffffff. */
uint32_t vmmdev_hgcm_requestor_locked(struct vmmdev *dev, uint32_t field);
/* ORs the HGCM event into the filter once after a reset (auto-enable). */
void vmmdev_hgcm_auto_enable_locked(struct vmmdev *dev);

/*
 * Functions the HGCM part provides to the model.  All are called with
 * dev->lock held.
 */
struct hgcm *hgcm_new(struct vmmdev *dev);	/* starts the worker thread */
void hgcm_free(struct hgcm *h);			/* stops and joins it */

/**
 * hgcm_submit() - a connect, disconnect, call32 or call64 request.
 * @h:    the HGCM state.
 * @gpa:  guest-physical address the request was submitted at.
 * @req:  the host's copy of the whole request (@size bytes, already read).
 * @size: the request's size field (checked <= 1 MiB and >= 24 by the model).
 *
 * Validates as VirtualBox does (spec 7.4).  Return: VINF_HGCM_ASYNC_EXECUTE
 * when accepted: the model then writes only rc at offset 12 (spec 7.5);
 * any other value is a synchronous status: the model stores it in rc and
 * writes the whole request back.  Inputs are copied from guest memory
 * here; outputs are written by the worker at completion, then DONE, then
 * the HGCM event.  A completion may happen before this returns to the
 * guest ("inline" mode).
 */
int32_t hgcm_submit(struct hgcm *h, uint64_t gpa, uint8_t *req, uint32_t size);

/* Cancel2 (@legacy false) or legacy Cancel (true) of the request at @gpa. */
int32_t hgcm_cancel(struct hgcm *h, uint64_t gpa, bool legacy);

/* Device reset: drop clients and pending calls without touching guest memory. */
void hgcm_reset(struct hgcm *h);

/* hgcm-* control commands (see README); returns true if it handled @cmd. */
bool hgcm_control(struct hgcm *h, const char *cmd, FILE *out);

/* Appends "name value" lines of the HGCM counters to @out. */
void hgcm_counters(struct hgcm *h, FILE *out);
void hgcm_reset_counters(struct hgcm *h);

#endif /* VMMDEV_HGCM_H */
