/* SPDX-License-Identifier: (GPL-2.0 OR CDDL-1.0) */
/*
 * vboxguest KUnit support: a scripted fake host behind vbg_dev.ops and a
 * device set up the way vbg_core_init() leaves it, without the PCI device.
 * Used by the vboxguest_*_test.c suites.
 */

#ifndef __VBOXGUEST_TEST_H__
#define __VBOXGUEST_TEST_H__

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/spinlock.h>
#include "vboxguest_core.h"

#define VBG_TEST_SCRIPT_MAX	16
#define VBG_TEST_LOG_MAX	64

/**
 * struct vbg_test_reply - one scripted answer of the fake host.
 * @type: the request type it answers; 0 answers any type.
 * @submit_ret: what vbg_host_ops.submit returns; non-zero means the
 *	request never reached the host (rc untouched).
 * @rc: the status the host writes into the request.
 * @value: payload for the type: events for AcknowledgeEvents (41), the
 *	mouse bits for GetMouseStatus (1).
 */
struct vbg_test_reply {
	u32 type;
	int submit_ret;
	s32 rc;
	u32 value;
};

/**
 * struct vbg_test_record - what the fake host saw of one request.
 * @type: request_type.
 * @size: size in the header.
 * @requestor: requestor in the header.
 * @reserved1: reserved1 in the header.
 * @word: the first four 32-bit words after the header (or 0).
 */
struct vbg_test_record {
	u32 type;
	u32 size;
	u32 requestor;
	u32 reserved1;
	u32 word[4];
};

/**
 * struct vbg_test_host - the fake host and its device.
 * @test: the running test.
 * @gdev: the device, set up like vbg_core_init() but without host traffic.
 * @mmio: the fake VMMDev memory (have_events).
 * @lock: protects the fields below; the fake host runs in any context.
 * @script: scripted replies, used in order; none left = VINF_SUCCESS.
 * @script_len: entries in @script.
 * @script_pos: next entry of @script.
 * @log: the requests seen, in order (the first VBG_TEST_LOG_MAX).
 * @nr_submits: requests seen.
 * @pending_events: events the next acknowledge returns.
 * @fast_ack_refused: the fast acknowledge read answers REFUSED.
 * @nr_fast_acks: fast acknowledge reads.
 * @mouse_work: times the mouse work item ran.
 * @balloon_work: times the balloon work item ran.
 * @hgcm_async: answer HGCM requests with VINF_HGCM_ASYNC_EXECUTE and
 *	complete them later (vbg_test_hgcm_complete()).
 * @hgcm_result: the service's answer written into completed requests.
 * @hgcm_echo_late: the echo service runs at completion, not at submission
 *	(so a late completion writes into the buffers late).
 * @hgcm_pending: the HGCM request accepted and not yet completed.
 * @hgcm_last: the last HGCM request submitted.
 * @hgcm_client_id: client id the next successful connect gets.
 * @hgcm_types: parameter types of the last call, as sent.
 * @hgcm_addr0: guest-physical address of the first byte of each page-list
 *	parameter of the last call (0 for other types).
 * @hgcm_parms: parameters of the last call.
 * @hgcm_sum: sum of the buffer bytes the host read in the last call.
 */
struct vbg_test_host {
	struct kunit *test;
	struct vbg_dev *gdev;
	struct vmmdev_memory *mmio;
	spinlock_t lock;	/* the fake host's state */
	struct vbg_test_reply script[VBG_TEST_SCRIPT_MAX];
	unsigned int script_len;
	unsigned int script_pos;
	struct vbg_test_record log[VBG_TEST_LOG_MAX];
	unsigned int nr_submits;
	u32 pending_events;
	bool fast_ack_refused;
	unsigned int nr_fast_acks;
	atomic_t mouse_work;
	atomic_t balloon_work;
	bool hgcm_async;
	s32 hgcm_result;
	bool hgcm_echo_late;
	struct vmmdev_hgcmreq_header *hgcm_pending;
	struct vmmdev_hgcmreq_header *hgcm_last;
	u32 hgcm_client_id;
	u32 hgcm_types[8];
	u64 hgcm_addr0[8];
	u32 hgcm_parms;
	u64 hgcm_sum;
};

int vbg_test_host_init(struct kunit *test);
void vbg_test_host_exit(struct kunit *test);
struct vbg_test_host *vbg_test_host(struct kunit *test);
void vbg_test_script(struct vbg_test_host *host, u32 type, int submit_ret,
		     s32 rc, u32 value);
unsigned int vbg_test_count(struct vbg_test_host *host, u32 type);
const struct vbg_test_record *vbg_test_last(struct vbg_test_host *host,
					    u32 type);
struct vbg_session *vbg_test_open(struct kunit *test, bool user_session);
void vbg_test_close(struct vbg_session *session);
void vbg_test_hdr(struct vbg_ioctl_hdr *hdr, size_t size_in, size_t size_out);
int vbg_test_ioctl(struct vbg_session *session, unsigned int cmd, void *arg);
irqreturn_t vbg_test_raise(struct vbg_test_host *host, u32 events);
int vbg_test_filter(struct vbg_session *session, u32 or_mask, u32 not_mask);
int vbg_test_set_caps(struct vbg_session *session, u32 or_mask, u32 not_mask);
int vbg_test_acquire(struct vbg_session *session, u32 flags, u32 or_mask,
		     u32 not_mask);
int vbg_test_wait(struct vbg_session *session, u32 events, u32 timeout_ms,
		  u32 *got);
bool vbg_test_hgcm_complete(struct vbg_test_host *host);

#endif /* __VBOXGUEST_TEST_H__ */
