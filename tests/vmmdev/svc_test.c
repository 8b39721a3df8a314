// SPDX-License-Identifier: GPL-2.0
/*
 * VMMDev emulator: the test service "vbgtest" (tests/vmmdev/README, "Test
 * service vbgtest").  It has no behaviour of its own beyond what the guest
 * suite needs to exercise the HGCM transport: moving bytes both ways,
 * checking them against a pattern, delayed completion, calls that never
 * complete, arbitrary result codes and the identity of the caller.
 *
 * Every entry point is serialised by the HGCM core (svc.h), so the service
 * needs no lock.
 */
#include <stdlib.h>
#include <string.h>

#include "hgcm.h"
#include "svc.h"
#include "../vbgtest.h"

/**
 * struct vbgtest_client - one connected client.
 * @id:        the client id the core gave it.
 * @requestor: the requestor it connected with.
 * @pending:   NEVER calls still pending (they end by cancel only; the
 *             disconnect forgets them and the core keeps them pending).
 */
struct vbgtest_client {
	uint32_t id;
	uint32_t requestor;
	uint32_t pending;
};

/*
 * Checks that @call has exactly the parameter kinds in @kinds (a string of
 * 'u' = 32-bit value, 'U' = 64-bit value, 'b' = buffer).
 */
static bool vbgtest_parms_ok(const struct hgcm_svc_call *call,
			     const char *kinds)
{
	uint32_t i, n = (uint32_t)strlen(kinds);

	if (call->nparms != n) {
		vmmdev_log("guest-error: vbgtest fn %u: %u parameters, want %u",
			   call->fn, call->nparms, n);
		return false;
	}
	for (i = 0; i < n; i++) {
		enum hgcm_parm_kind want;

		switch (kinds[i]) {
		case 'u':
			want = HGCM_PARM_U32;
			break;
		case 'U':
			want = HGCM_PARM_U64;
			break;
		default:
			want = HGCM_PARM_BUF;
			break;
		}
		if (call->parms[i].kind != want) {
			vmmdev_log("guest-error: vbgtest fn %u: parameter %u has kind %d, want %d",
				   call->fn, i, call->parms[i].kind, want);
			return false;
		}
	}
	return true;
}

static int32_t vbgtest_connect(uint32_t client_id, uint32_t requestor,
			       void **client)
{
	struct vbgtest_client *c = calloc(1, sizeof(*c));

	if (!c)
		return VERR_NO_MEMORY;
	c->id = client_id;
	c->requestor = requestor;
	*client = c;
	return VINF_SUCCESS;
}

static void vbgtest_disconnect(void *client)
{
	struct vbgtest_client *c = client;

	if (!c)
		return;
	/*
	 * NEVER calls are forgotten, not completed: the core keeps them
	 * pending until a cancel or a reset (svc.h), never asking us again.
	 */
	if (c->pending)
		vmmdev_log("vbgtest: client %u disconnected with %u NEVER calls pending",
			   c->id, c->pending);
	free(c);
}

static int32_t vbgtest_echo(struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	uint32_t n;

	if (!vbgtest_parms_ok(call, "bbu"))
		return VERR_INVALID_PARAMETER;
	n = p[0].size < p[1].size ? p[0].size : p[1].size;
	memcpy(p[1].buf, p[0].buf, n);
	p[1].out_size = n;
	p[2].u32 = n;
	return VINF_SUCCESS;
}

static int32_t vbgtest_fill(struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;

	if (!vbgtest_parms_ok(call, "bu"))
		return VERR_INVALID_PARAMETER;
	vbgtest_fill_pattern(p[0].buf, p[0].size, p[1].u32);
	p[0].out_size = p[0].size;
	return VINF_SUCCESS;
}

static int32_t vbgtest_check(struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;

	if (!vbgtest_parms_ok(call, "buu"))
		return VERR_INVALID_PARAMETER;
	/* -1 (no difference) is VBGTEST_CHECK_OK. */
	p[2].u32 = (uint32_t)vbgtest_check_pattern(p[0].buf, p[0].size, p[1].u32);
	return VINF_SUCCESS;
}

static int32_t vbgtest_xor(struct hgcm_svc_call *call)
{
	struct hgcm_parm *p = call->parms;
	uint8_t key;
	uint32_t i;

	if (!vbgtest_parms_ok(call, "bu"))
		return VERR_INVALID_PARAMETER;
	key = (uint8_t)(p[1].u32 & 0xff);
	for (i = 0; i < p[0].size; i++)
		p[0].buf[i] ^= key;
	p[0].out_size = p[0].size;
	return VINF_SUCCESS;
}

static int32_t vbgtest_call(void *client, struct hgcm_svc_call *call)
{
	struct vbgtest_client *c = client;

	switch (call->fn) {
	case VBGTEST_FN_ECHO:
		return vbgtest_echo(call);
	case VBGTEST_FN_FILL:
		return vbgtest_fill(call);
	case VBGTEST_FN_CHECK:
		return vbgtest_check(call);
	case VBGTEST_FN_XOR:
		return vbgtest_xor(call);
	case VBGTEST_FN_DELAY:
		if (!vbgtest_parms_ok(call, "u"))
			return VERR_INVALID_PARAMETER;
		call->delay_ms = call->parms[0].u32;
		return VINF_SUCCESS;
	case VBGTEST_FN_NEVER:
		/* No parameters; only a cancel (or a reset) ends it. */
		if (!vbgtest_parms_ok(call, ""))
			return VERR_INVALID_PARAMETER;
		c->pending++;
		call->svc_priv = c;
		return HGCM_SVC_PENDING;
	case VBGTEST_FN_STATUS:
		if (!vbgtest_parms_ok(call, "u"))
			return VERR_INVALID_PARAMETER;
		if (call->parms[0].u32 == (uint32_t)HGCM_SVC_PENDING) {
			/*
			 * The one status ->call() cannot return; completing
			 * from within the call delivers it all the same.
			 */
			hgcm_svc_complete(call, HGCM_SVC_PENDING);
			return HGCM_SVC_PENDING;
		}
		return (int32_t)call->parms[0].u32;
	case VBGTEST_FN_WHOAMI:
		if (!vbgtest_parms_ok(call, "uu"))
			return VERR_INVALID_PARAMETER;
		call->parms[0].u32 = call->requestor;
		call->parms[1].u32 = call->client_id;
		return VINF_SUCCESS;
	default:
		vmmdev_log("guest-error: vbgtest: unknown function %u", call->fn);
		return VERR_NOT_IMPLEMENTED;
	}
}

static void vbgtest_cancel(void *client, struct hgcm_svc_call *call)
{
	struct vbgtest_client *c = client;

	/* Only NEVER calls are ever kept pending here. */
	if (call->svc_priv == c && c->pending) {
		c->pending--;
		call->svc_priv = NULL;
	}
}

static void vbgtest_reset(void)
{
	/* No state beyond the clients, which the core disconnects. */
}

const struct hgcm_service hgcm_svc_test = {
	.name = VBGTEST_SVC,
	.connect = vbgtest_connect,
	.disconnect = vbgtest_disconnect,
	.call = vbgtest_call,
	.cancel = vbgtest_cancel,
	.reset = vbgtest_reset,
};
