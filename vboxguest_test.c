// SPDX-License-Identifier: (GPL-2.0 OR CDDL-1.0)
/*
 * vboxguest KUnit support: the scripted fake host behind vbg_dev.ops.
 *
 * The fake host answers each request with the next scripted reply (or
 * VINF_SUCCESS), records what it saw, and plays the events side: the
 * "have events" byte of the VMMDev memory, the fast acknowledge read and
 * AcknowledgeEvents.  The device around it is set up the way
 * vbg_core_init() leaves it after talking to a real host: host filter =
 * the fixed events, no capabilities, no mouse bits.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <linux/vbox_err.h>
#include "vboxguest_test.h"

/* Tests run one at a time; the ops find their host through this. */
static struct vbg_test_host *vbg_test_current;

static void vbg_test_record(struct vbg_test_host *host,
			    const struct vmmdev_request_header *req)
{
	struct vbg_test_record *rec;
	const u32 *payload = (const u32 *)(req + 1);
	unsigned int i, words;

	if (host->nr_submits >= VBG_TEST_LOG_MAX) {
		host->nr_submits++;
		return;
	}
	rec = &host->log[host->nr_submits++];
	rec->type = req->request_type;
	rec->size = req->size;
	rec->requestor = req->requestor;
	rec->reserved1 = req->reserved1;
	words = (req->size - sizeof(*req)) / sizeof(u32);
	for (i = 0; i < ARRAY_SIZE(rec->word); i++)
		rec->word[i] = i < words ? payload[i] : 0;
}

/* The next scripted reply for @type, or the default one (@scripted false). */
static struct vbg_test_reply vbg_test_next_reply(struct vbg_test_host *host,
						 u32 type, bool *scripted)
{
	struct vbg_test_reply reply = { .rc = VINF_SUCCESS };

	*scripted = false;
	if (host->script_pos < host->script_len &&
	    (!host->script[host->script_pos].type ||
	     host->script[host->script_pos].type == type)) {
		reply = host->script[host->script_pos++];
		*scripted = true;
	}
	return reply;
}

/* Byte @b of a page-list buffer, as the host reaches it. */
static u8 *vbg_test_pl_byte(const struct vmmdev_hgcm_pagelist *pl, u32 type,
			    u32 b)
{
	/* The array runs past the declared pages[1]: index a plain pointer. */
	const u64 *pages = (const void *)pl +
			   offsetof(struct vmmdev_hgcm_pagelist, pages);
	u64 off = pl->offset_first_page + b;
	u64 phys;

	/* VMMDev's pages are 4 KiB whatever the kernel's PAGE_SIZE. */
	if (type == VMMDEV_HGCM_PARM_TYPE_CONTIGUOUS_PAGELIST)
		phys = pages[0] + off;
	else
		phys = pages[off / SZ_4K] + off % SZ_4K;
	return phys_to_virt(phys);
}

/*
 * The echo service: 32/64-bit values come back incremented; every buffer
 * byte the host may write comes back inverted (XOR 0xff); the bytes it
 * may read are summed in @hgcm_sum.
 */
static void vbg_test_hgcm_echo(struct vbg_test_host *host,
			       struct vmmdev_hgcm_call *call)
{
	struct vmmdev_hgcm_function_parameter64 *p = (void *)(call + 1);
	struct vmmdev_hgcm_pagelist *pl;
	u32 i, b, size, flags;
	u8 *data;

	host->hgcm_parms = call->parm_count;
	host->hgcm_sum = 0;
	memset(host->hgcm_addr0, 0, sizeof(host->hgcm_addr0));
	for (i = 0; i < call->parm_count; i++) {
		if (i < ARRAY_SIZE(host->hgcm_types))
			host->hgcm_types[i] = p[i].type;
		/* Types 11-13 are beyond the uapi enum: switch on a u32. */
		switch ((u32)p[i].type) {
		case VMMDEV_HGCM_PARM_TYPE_32BIT:
			p[i].u.value32++;
			continue;
		case VMMDEV_HGCM_PARM_TYPE_64BIT:
			p[i].u.value64++;
			continue;
		case VMMDEV_HGCM_PARM_TYPE_EMBEDDED_PAGELIST:
			flags = p[i].u.value32 & 0xff;
			data = (u8 *)call + (p[i].u.value32 >> 8);
			size = p[i].u.page_list.offset;
			for (b = 0; b < size; b++) {
				if (flags & VMMDEV_HGCM_F_PARM_DIRECTION_TO_HOST)
					host->hgcm_sum += data[b];
				if (flags & VMMDEV_HGCM_F_PARM_DIRECTION_FROM_HOST)
					data[b] ^= 0xff;
			}
			continue;
		case VMMDEV_HGCM_PARM_TYPE_PAGELIST:
		case VMMDEV_HGCM_PARM_TYPE_CONTIGUOUS_PAGELIST:
		case VMMDEV_HGCM_PARM_TYPE_NO_BOUNCE_PAGELIST:
			pl = (void *)call + p[i].u.page_list.offset;
			size = p[i].u.page_list.size;
			if (i < ARRAY_SIZE(host->hgcm_addr0))
				host->hgcm_addr0[i] =
					virt_to_phys(vbg_test_pl_byte(pl, p[i].type, 0));
			for (b = 0; b < size; b++) {
				data = vbg_test_pl_byte(pl, p[i].type, b);
				if (pl->flags & VMMDEV_HGCM_F_PARM_DIRECTION_TO_HOST)
					host->hgcm_sum += *data;
				if (pl->flags & VMMDEV_HGCM_F_PARM_DIRECTION_FROM_HOST)
					*data ^= 0xff;
			}
			continue;
		default:
			continue;
		}
	}
}

/* HGCM requests: serve them now, answer now or later. */
static void vbg_test_hgcm(struct vbg_test_host *host,
			  struct vmmdev_request_header *req,
			  const struct vbg_test_reply *reply)
{
	struct vmmdev_hgcmreq_header *hgcm = (void *)req;

	if (reply->rc < 0) {
		req->rc = reply->rc;	/* refused at submission */
		return;
	}
	host->hgcm_last = hgcm;
	if (req->request_type == VMMDEVREQ_HGCM_CONNECT)
		((struct vmmdev_hgcm_connect *)req)->client_id = host->hgcm_client_id;
	else if (req->request_type == VMMDEVREQ_HGCM_CALL64 &&
		 !host->hgcm_echo_late)
		vbg_test_hgcm_echo(host, (void *)req);
	if (host->hgcm_async) {
		host->hgcm_pending = hgcm;
		req->rc = VINF_HGCM_ASYNC_EXECUTE;
		return;
	}
	hgcm->result = host->hgcm_result;
	hgcm->flags |= VBOX_HGCM_REQ_DONE;
	req->rc = reply->rc;
}

/* Cancel2 (65) and the legacy cancel (64) of the pending request. */
static void vbg_test_hgcm_cancel(struct vbg_test_host *host,
				 struct vmmdev_request_header *req)
{
	struct vmmdev_hgcmreq_header *target = (void *)req;

	if (req->request_type == VMMDEVREQ_HGCM_CANCEL2) {
		struct vmmdev_hgcm_cancel2 *cancel = (void *)req;

		u64 phys = cancel->phys_req_to_cancel;

		/* The 28-byte form carries the low 32 bits only. */
		if (req->size < sizeof(*cancel))
			phys = (u32)phys;
		target = phys_to_virt(phys);
	}
	if (host->hgcm_pending && host->hgcm_pending == target) {
		host->hgcm_pending = NULL;
		req->rc = VINF_SUCCESS;
	} else {
		req->rc = req->request_type == VMMDEVREQ_HGCM_CANCEL2 ?
			  VERR_NOT_FOUND : VERR_INVALID_PARAMETER;
	}
}

static int vbg_test_submit(struct vbg_dev *gdev,
			   struct vmmdev_request_header *req)
{
	struct vbg_test_host *host = vbg_test_current;
	struct vmmdev_events *ack;
	struct vbg_test_reply reply;
	unsigned long flags;
	bool scripted;

	if (WARN_ON(!host || host->gdev != gdev))
		return -ENODEV;

	spin_lock_irqsave(&host->lock, flags);
	vbg_test_record(host, req);
	reply = vbg_test_next_reply(host, req->request_type, &scripted);
	if (reply.submit_ret)
		goto out_unlock;

	switch (req->request_type) {
	case VMMDEVREQ_HGCM_CONNECT:
	case VMMDEVREQ_HGCM_DISCONNECT:
	case VMMDEVREQ_HGCM_CALL32:
	case VMMDEVREQ_HGCM_CALL64:
		vbg_test_hgcm(host, req, &reply);
		break;
	case VMMDEVREQ_HGCM_CANCEL:
	case VMMDEVREQ_HGCM_CANCEL2:
		if (scripted)
			req->rc = reply.rc;
		else
			vbg_test_hgcm_cancel(host, req);
		break;
	case VMMDEVREQ_GET_MOUSE_STATUS:
		req->rc = reply.rc;
		((struct vmmdev_mouse_status *)req)->mouse_features = reply.value;
		break;
	case VMMDEVREQ_ACKNOWLEDGE_EVENTS:
		req->rc = reply.rc;
		ack = (void *)req;
		ack->events = reply.value ?: host->pending_events;
		host->pending_events = 0;
		host->mmio->have_events = 0;
		break;
	default:
		req->rc = reply.rc;
		break;
	}
out_unlock:
	spin_unlock_irqrestore(&host->lock, flags);
	return reply.submit_ret;
}

static u32 vbg_test_fast_ack(struct vbg_dev *gdev)
{
	struct vbg_test_host *host = vbg_test_current;
	unsigned long flags;
	u32 events;

	if (WARN_ON(!host || host->gdev != gdev))
		return VMMDEV_FAST_ACK_REFUSED;

	spin_lock_irqsave(&host->lock, flags);
	host->nr_fast_acks++;
	if (host->fast_ack_refused) {
		events = VMMDEV_FAST_ACK_REFUSED;
	} else {
		events = host->pending_events;
		host->pending_events = 0;
		host->mmio->have_events = 0;
	}
	spin_unlock_irqrestore(&host->lock, flags);
	return events;
}

static const struct vbg_host_ops vbg_test_ops = {
	.submit = vbg_test_submit,
	.fast_ack = vbg_test_fast_ack,
};

static void vbg_test_mouse_work(struct work_struct *work)
{
	struct vbg_dev *gdev = container_of(work, struct vbg_dev, mouse_work);

	if (vbg_test_current && vbg_test_current->gdev == gdev)
		atomic_inc(&vbg_test_current->mouse_work);
}

static void vbg_test_balloon_work(struct work_struct *work)
{
	struct vbg_dev *gdev = container_of(work, struct vbg_dev, balloon.work);

	if (vbg_test_current && vbg_test_current->gdev == gdev)
		atomic_inc(&vbg_test_current->balloon_work);
}

/**
 * vbg_test_host_init() - suite init: a device behind a fake host.
 * @test: the test; test->priv becomes the struct vbg_test_host.
 *
 * Context: KUnit test init.
 * Return: 0 or -errno.
 */
int vbg_test_host_init(struct kunit *test)
{
	struct vbg_test_host *host;
	struct vbg_dev *gdev;

	host = kunit_kzalloc(test, sizeof(*host), GFP_KERNEL);
	if (!host)
		return -ENOMEM;
	host->mmio = kunit_kzalloc(test, sizeof(*host->mmio), GFP_KERNEL);
	/* Freed by the last vbg_put_gdev(), like a probed device. */
	gdev = kzalloc(sizeof(*gdev), GFP_KERNEL);
	if (!host->mmio || !gdev) {
		kfree(gdev);
		return -ENOMEM;
	}
	host->test = test;
	host->gdev = gdev;
	spin_lock_init(&host->lock);

	gdev->dev = kunit_device_register(test, "vboxguest-kunit");
	if (IS_ERR(gdev->dev)) {
		int ret = PTR_ERR(gdev->dev);

		kfree(gdev);
		return ret;
	}
	kref_init(&gdev->refcount);
	gdev->ops = &vbg_test_ops;
	gdev->mmio = (__force struct vmmdev_memory __iomem *)host->mmio;
	gdev->fast_ack = true;
	vbg_core_init_state(gdev);
	INIT_WORK(&gdev->mouse_work, vbg_test_mouse_work);
	INIT_WORK(&gdev->balloon.work, vbg_test_balloon_work);
	/* What vbg_core_init() leaves with the host. */
	gdev->event_filter.host = VBG_FIXED_EVENTS;
	gdev->guest_caps.host = 0;
	gdev->mouse_status.host = 0;
	gdev->ack_events_req = vbg_req_alloc(sizeof(*gdev->ack_events_req),
					     VMMDEVREQ_ACKNOWLEDGE_EVENTS,
					     VMMDEV_REQUESTOR_KERNEL |
					     VMMDEV_REQUESTOR_USR_DRV);
	gdev->hgcm_cancel_req = vbg_req_alloc(sizeof(*gdev->hgcm_cancel_req),
					      VMMDEVREQ_HGCM_CANCEL2,
					      VMMDEV_REQUESTOR_KERNEL |
					      VMMDEV_REQUESTOR_USR_DRV);
	if (!gdev->ack_events_req || !gdev->hgcm_cancel_req) {
		vbg_req_free(gdev->ack_events_req, sizeof(*gdev->ack_events_req));
		kfree(gdev);
		return -ENOMEM;
	}
	vbg_test_current = host;
	test->priv = host;
	return 0;
}

/**
 * vbg_test_host_exit() - suite exit: close what the test left, free all.
 * @test: the test.
 *
 * Context: KUnit test exit.
 */
void vbg_test_host_exit(struct kunit *test)
{
	struct vbg_test_host *host = test->priv;
	struct vbg_dev *gdev;
	struct vbg_session *session;

	if (!host)
		return;		/* init failed */
	gdev = host->gdev;
	for (;;) {
		spin_lock_irq(&gdev->event_spinlock);
		session = list_first_entry_or_null(&gdev->session_list,
						   struct vbg_session, node);
		spin_unlock_irq(&gdev->event_spinlock);
		if (!session)
			break;
		vbg_test_close(session);
	}
	cancel_work_sync(&gdev->mouse_work);
	cancel_work_sync(&gdev->balloon.work);
	KUNIT_EXPECT_TRUE_MSG(test, list_empty(&gdev->hgcm_waiters),
			      "an HGCM waiter is still listed");
	vbg_req_free(gdev->ack_events_req, sizeof(*gdev->ack_events_req));
	vbg_req_free(gdev->hgcm_cancel_req, sizeof(*gdev->hgcm_cancel_req));
	vbg_test_current = NULL;
	KUNIT_EXPECT_EQ_MSG(test, kref_read(&gdev->refcount), 1,
			    "a device reference leaked");
	vbg_put_gdev(gdev);
}

/**
 * vbg_test_host() - the fake host of the running test.
 * @test: the test.
 *
 * Return: test->priv as set by vbg_test_host_init().
 */
struct vbg_test_host *vbg_test_host(struct kunit *test)
{
	return test->priv;
}

/**
 * vbg_test_script() - append one reply to the fake host's script.
 * @host: the fake host.
 * @type: request type it answers (0: any).
 * @submit_ret: non-zero: the submission itself fails with this.
 * @rc: status the host writes.
 * @value: payload (events for AcknowledgeEvents, the mouse bits for
 *	GetMouseStatus).
 */
void vbg_test_script(struct vbg_test_host *host, u32 type, int submit_ret,
		     s32 rc, u32 value)
{
	unsigned long flags;

	spin_lock_irqsave(&host->lock, flags);
	if (!WARN_ON(host->script_len >= VBG_TEST_SCRIPT_MAX))
		host->script[host->script_len++] = (struct vbg_test_reply) {
			.type = type, .submit_ret = submit_ret,
			.rc = rc, .value = value,
		};
	spin_unlock_irqrestore(&host->lock, flags);
}

/**
 * vbg_test_count() - requests of one type the host saw.
 * @host: the fake host.
 * @type: request type, 0 for all.
 *
 * Return: the number of recorded requests of @type.
 */
unsigned int vbg_test_count(struct vbg_test_host *host, u32 type)
{
	unsigned int i, n = 0, end = min_t(unsigned int, host->nr_submits,
					   VBG_TEST_LOG_MAX);

	for (i = 0; i < end; i++)
		if (!type || host->log[i].type == type)
			n++;
	return n;
}

/**
 * vbg_test_last() - the last recorded request of one type.
 * @host: the fake host.
 * @type: request type.
 *
 * Return: the record, or NULL if the host saw none.
 */
const struct vbg_test_record *vbg_test_last(struct vbg_test_host *host,
					    u32 type)
{
	unsigned int i = min_t(unsigned int, host->nr_submits, VBG_TEST_LOG_MAX);

	while (i--)
		if (host->log[i].type == type)
			return &host->log[i];
	return NULL;
}

/**
 * vbg_test_open() - open a session as root on a node.
 * @test: the test (its fake host's device).
 * @user_session: the session is of /dev/vboxuser.
 *
 * Return: the session; the test fails if it cannot be opened.
 */
struct vbg_session *vbg_test_open(struct kunit *test, bool user_session)
{
	struct vbg_test_host *host = vbg_test_host(test);
	struct vbg_session *session;

	session = vbg_core_open_session(host->gdev,
					vbg_session_requestor(user_session, true,
							      false, -1),
					user_session);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, session);
	return session;
}

/**
 * vbg_test_close() - close a session the way release does.
 * @session: the session.
 */
void vbg_test_close(struct vbg_session *session)
{
	struct vbg_dev *gdev = session->gdev;

	down_read(&gdev->remove_rwsem);
	vbg_core_close_session(session);
	up_read(&gdev->remove_rwsem);
	vbg_put_gdev(gdev);
}

/**
 * vbg_test_hdr() - fill an ioctl header.
 * @hdr: the header.
 * @size_in: size_in.
 * @size_out: size_out.
 */
void vbg_test_hdr(struct vbg_ioctl_hdr *hdr, size_t size_in, size_t size_out)
{
	hdr->size_in = size_in;
	hdr->version = VBG_IOCTL_HDR_VERSION;
	hdr->type = VBG_IOCTL_HDR_TYPE_DEFAULT;
	hdr->rc = VERR_INTERNAL_ERROR;
	hdr->size_out = size_out;
	hdr->reserved = 0;
}

/**
 * vbg_test_ioctl() - one ioctl the way vbg_misc_ioctl() makes it.
 * @session: the session.
 * @cmd: the code.
 * @arg: the argument (kernel memory), header first.
 *
 * Return: what vbg_ioctl_check_header() or vbg_core_ioctl() returned.
 */
int vbg_test_ioctl(struct vbg_session *session, unsigned int cmd, void *arg)
{
	struct vbg_dev *gdev = session->gdev;
	size_t size;
	int ret;

	ret = vbg_ioctl_check_header(cmd, arg, &size);
	if (ret)
		return ret;
	down_read(&gdev->remove_rwsem);
	ret = vbg_core_ioctl(session, cmd, arg);
	up_read(&gdev->remove_rwsem);
	return ret;
}

/**
 * vbg_test_raise() - the host raises @events and the interrupt fires.
 * @host: the fake host.
 * @events: VMMDEV_EVENT_* bits (0: an interrupt that is not ours).
 *
 * Runs vbg_core_isr() with interrupts off, as the hardware would.
 *
 * Return: what the ISR returned.
 */
irqreturn_t vbg_test_raise(struct vbg_test_host *host, u32 events)
{
	unsigned long flags;
	irqreturn_t ret;

	spin_lock_irqsave(&host->lock, flags);
	host->pending_events |= events;
	host->mmio->have_events = host->pending_events ? 1 : 0;
	spin_unlock_irqrestore(&host->lock, flags);

	local_irq_save(flags);
	ret = vbg_core_isr(0, host->gdev);
	local_irq_restore(flags);
	return ret;
}

/**
 * vbg_test_filter() - VBG_IOCTL_CHANGE_FILTER_MASK.
 * @session: the session.
 * @or_mask: events to add.
 * @not_mask: events to remove.
 *
 * Return: the ioctl's result.
 */
int vbg_test_filter(struct vbg_session *session, u32 or_mask, u32 not_mask)
{
	struct vbg_ioctl_change_filter f = {};

	vbg_test_hdr(&f.hdr, sizeof(f), 0);
	f.u.in.or_mask = or_mask;
	f.u.in.not_mask = not_mask;
	return vbg_test_ioctl(session, VBG_IOCTL_CHANGE_FILTER_MASK, &f);
}

/**
 * vbg_test_set_caps() - VBG_IOCTL_CHANGE_GUEST_CAPABILITIES.
 * @session: the session.
 * @or_mask: capabilities to add.
 * @not_mask: capabilities to remove.
 *
 * Return: the ioctl's result.
 */
int vbg_test_set_caps(struct vbg_session *session, u32 or_mask, u32 not_mask)
{
	struct vbg_ioctl_set_guest_caps c = {};

	vbg_test_hdr(&c.hdr, sizeof(c), sizeof(c));
	c.u.in.or_mask = or_mask;
	c.u.in.not_mask = not_mask;
	return vbg_test_ioctl(session, VBG_IOCTL_CHANGE_GUEST_CAPABILITIES, &c);
}

/**
 * vbg_test_acquire() - VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES.
 * @session: the session.
 * @flags: VBGL_IOC_AGC_FLAGS_*.
 * @or_mask: capabilities to acquire (or to switch to acquire mode).
 * @not_mask: capabilities to release.
 *
 * Return: the ioctl's result.
 */
int vbg_test_acquire(struct vbg_session *session, u32 flags, u32 or_mask,
		     u32 not_mask)
{
	struct vbg_ioctl_acquire_guest_caps c = {};

	vbg_test_hdr(&c.hdr, sizeof(c), 0);
	c.u.in.flags = flags;
	c.u.in.or_mask = or_mask;
	c.u.in.not_mask = not_mask;
	return vbg_test_ioctl(session, VBG_IOCTL_ACQUIRE_GUEST_CAPABILITIES, &c);
}

/**
 * vbg_test_wait() - VBG_IOCTL_WAIT_FOR_EVENTS.
 * @session: the session.
 * @events: events to wait for.
 * @timeout_ms: timeout (U32_MAX: none).
 * @got: out: the events returned (0 on failure).
 *
 * Return: the ioctl's result.
 */
int vbg_test_wait(struct vbg_session *session, u32 events, u32 timeout_ms,
		  u32 *got)
{
	struct vbg_ioctl_wait_for_events w = {};
	int ret;

	vbg_test_hdr(&w.hdr, sizeof(w.hdr) + sizeof(w.u.in),
		     sizeof(w.hdr) + sizeof(w.u.out));
	w.u.in.events = events;
	w.u.in.timeout_ms = timeout_ms;
	ret = vbg_test_ioctl(session, VBG_IOCTL_WAIT_FOR_EVENTS, &w);
	*got = ret ? 0 : w.u.out.events;
	return ret;
}

/**
 * vbg_test_hgcm_complete() - the host completes the pending HGCM request.
 * @host: the fake host.
 *
 * Runs the echo service now if @hgcm_echo_late, writes @hgcm_result and
 * DONE into the request, then raises the HGCM event (which wakes the
 * waiters through the ISR).
 *
 * Return: true if a request was pending.
 */
bool vbg_test_hgcm_complete(struct vbg_test_host *host)
{
	struct vmmdev_hgcmreq_header *req;
	unsigned long flags;

	spin_lock_irqsave(&host->lock, flags);
	req = host->hgcm_pending;
	host->hgcm_pending = NULL;
	if (req) {
		if (host->hgcm_echo_late &&
		    req->header.request_type == VMMDEVREQ_HGCM_CALL64)
			vbg_test_hgcm_echo(host, (void *)req);
		req->result = host->hgcm_result;
		WRITE_ONCE(req->flags, req->flags | VBOX_HGCM_REQ_DONE);
	}
	spin_unlock_irqrestore(&host->lock, flags);
	if (req)
		vbg_test_raise(host, VMMDEV_EVENT_HGCM);
	return req;
}
