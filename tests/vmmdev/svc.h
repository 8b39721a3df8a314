/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMMDev emulator: the interface between the HGCM core (hgcm.c) and the
 * services (svc_test.c, svc_guestprop.c, svc_sf.c, svc_clip.c).
 *
 * The core validates a call, copies every "to host" buffer into host memory
 * and hands the service a struct hgcm_svc_call whose buffers are host
 * memory (zero-filled for "from host"-only buffers, spec 7.7).  The
 * service fills in values and buffer contents; the core copies them back
 * to the guest at completion (values always, buffers only in the "from
 * host" direction, at most the guest's size) and sets DONE and the event.
 *
 * Services never touch guest memory and never take dev->lock.  The core
 * serialises every service entry point (one at a time, from the worker
 * thread, or from the submitting thread in "inline" mode), so a service's
 * own state needs no lock.
 */
#ifndef VMMDEV_SVC_H
#define VMMDEV_SVC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Returned by ->call() to keep the call pending (completed later). */
#define HGCM_SVC_PENDING	0x7fffffff

enum hgcm_parm_kind {
	HGCM_PARM_U32 = 1,
	HGCM_PARM_U64 = 2,
	HGCM_PARM_BUF = 3,	/* any accepted buffer type */
};

#define HGCM_DIR_TO_HOST	0x1
#define HGCM_DIR_FROM_HOST	0x2

/**
 * struct hgcm_parm - one parameter as a service sees it.
 * @kind:     HGCM_PARM_*.
 * @u32:      value of a 32-bit parameter (in and out).
 * @u64:      value of a 64-bit parameter (in and out).
 * @buf:      host copy of a buffer parameter (@size bytes; never NULL,
 *            even for size 0).
 * @size:     the guest's buffer size.
 * @dir:      HGCM_DIR_* bits of the buffer.
 * @out_size: bytes the service produced (the core reports it for the
 *            types whose size the host updates, spec 7.5); starts at @size.
 */
struct hgcm_parm {
	enum hgcm_parm_kind kind;
	uint32_t u32;
	uint64_t u64;
	uint8_t *buf;
	uint32_t size;
	uint32_t dir;
	uint32_t out_size;
};

/**
 * struct hgcm_svc_call - one call in flight.
 * @fn:        the function number.
 * @nparms:    number of parameters.
 * @parms:     the parameters.
 * @client_id: the caller's client id.
 * @requestor: the requestor the host honours (0xffffffff for legacy).
 * @delay_ms:  a service may set it before returning a status from ->call()
 *             to have the core complete the call that much later.
 * @svc_priv:  free for the service while the call is pending.
 * @core_priv: the core's; services leave it alone.
 */
struct hgcm_svc_call {
	uint32_t fn;
	uint32_t nparms;
	struct hgcm_parm *parms;
	uint32_t client_id;
	uint32_t requestor;
	uint32_t delay_ms;
	void *svc_priv;
	void *core_priv;
};

/**
 * struct hgcm_service - a host service.
 * @name:       exact, case-sensitive service name for connect.
 * @connect:    new client; returns its state (non-NULL) in *@client and a
 *              status (VINF_SUCCESS to accept).
 * @disconnect: the client is gone: complete (hgcm_svc_complete()) the
 *              calls of the client it holds that the host ends at a
 *              disconnect, drop every reference to the others (the core
 *              keeps them pending and never hands them to the service
 *              again), free the client.  At a device reset the core
 *              cancels (->cancel()) every call before.
 * @call:       one call; returns its status, or HGCM_SVC_PENDING to keep it
 *              pending until the service calls hgcm_svc_complete().
 * @cancel:     the guest cancelled a pending call (or a device reset
 *              drops it): drop every reference to it; the core frees it.
 *              Never called for a call after its client's ->disconnect().
 * @reset:      device reset: forget transient state as VirtualBox does.
 */
struct hgcm_service {
	const char *name;
	int32_t (*connect)(uint32_t client_id, uint32_t requestor, void **client);
	void (*disconnect)(void *client);
	int32_t (*call)(void *client, struct hgcm_svc_call *call);
	void (*cancel)(void *client, struct hgcm_svc_call *call);
	void (*reset)(void);
};

/*
 * Complete a call a service kept pending.  Called only from within a
 * service entry point (the usual case: a property set waking a waiter);
 * the core writes the results back after that entry point returns.
 */
void hgcm_svc_complete(struct hgcm_svc_call *call, int32_t status);

extern const struct hgcm_service hgcm_svc_test;		/* "vbgtest" */
extern const struct hgcm_service hgcm_svc_guestprop;	/* "VBoxGuestPropSvc" */
extern const struct hgcm_service hgcm_svc_sf;		/* "VBoxSharedFolders" */
extern const struct hgcm_service hgcm_svc_clip;		/* "VBoxSharedClipboard" */

/*
 * Host side of the guest property service (what VirtualBox's frontend
 * would do).  Like the entry points, callers serialise them with the core.
 */
int32_t guestprop_host_set(const char *name, const char *value,
			   const char *flags);
int32_t guestprop_host_delete(const char *name);
void guestprop_host_set_guest_readonly(bool on);
/* guestprop-* control commands; returns true if it handled @cmd. */
bool guestprop_control(const char *cmd, FILE *out);

/*
 * Host side of the shared-folder service (VBoxManage sharedfolder
 * add/remove); svc_sf.h has the protocol.  Serialised like the above.
 */
int32_t sf_host_add(const char *name, const char *dir, bool automount,
		    bool readonly);
int32_t sf_host_remove(const char *name);
/* sf-* control commands; returns true if it handled @cmd. */
bool sf_control(const char *cmd, FILE *out);

/*
 * Host side of the shared clipboard (svc_clip.c): the host copies @text
 * (UTF-8; NULL empties its clipboard).  Serialised like the above.
 */
int32_t clip_host_set(const char *text);
/* clip-* control commands; returns true if it handled @cmd. */
bool clip_control(const char *cmd, FILE *out);

#endif /* VMMDEV_SVC_H */
