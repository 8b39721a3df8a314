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

/* The next scripted reply for @type, or the default one. */
static struct vbg_test_reply vbg_test_next_reply(struct vbg_test_host *host,
						 u32 type)
{
	struct vbg_test_reply reply = { .rc = VINF_SUCCESS };

	if (host->script_pos < host->script_len &&
	    (!host->script[host->script_pos].type ||
	     host->script[host->script_pos].type == type))
		reply = host->script[host->script_pos++];
	return reply;
}

static int vbg_test_submit(struct vbg_dev *gdev,
			   struct vmmdev_request_header *req)
{
	struct vbg_test_host *host = vbg_test_current;
	struct vbg_test_reply reply;
	unsigned long flags;

	if (WARN_ON(!host || host->gdev != gdev))
		return -ENODEV;

	spin_lock_irqsave(&host->lock, flags);
	vbg_test_record(host, req);
	reply = vbg_test_next_reply(host, req->request_type);
	if (!reply.submit_ret) {
		req->rc = reply.rc;
		if (req->request_type == VMMDEVREQ_ACKNOWLEDGE_EVENTS) {
			struct vmmdev_events *ack = (void *)req;

			ack->events = reply.value ?: host->pending_events;
			host->pending_events = 0;
			host->mmio->v.v1_04.have_events = 0;
		}
	}
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
		host->mmio->v.v1_04.have_events = 0;
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
	/* Freed by the last vbg_dev_put(), like a probed device. */
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
	init_rwsem(&gdev->remove_rwsem);
	mutex_init(&gdev->session_mutex);
	INIT_LIST_HEAD(&gdev->session_list);
	spin_lock_init(&gdev->event_spinlock);
	init_waitqueue_head(&gdev->event_wq);
	init_waitqueue_head(&gdev->hgcm_wq);
	INIT_WORK(&gdev->mouse_work, vbg_test_mouse_work);
	mutex_init(&gdev->balloon.mutex);
	INIT_LIST_HEAD(&gdev->balloon.chunks);
	INIT_WORK(&gdev->balloon.work, vbg_test_balloon_work);
	/* What vbg_core_init() leaves with the host. */
	gdev->event_filter_host = VBG_FIXED_EVENTS;
	gdev->ack_events_req = vbg_req_alloc(sizeof(*gdev->ack_events_req),
					     VMMDEVREQ_ACKNOWLEDGE_EVENTS,
					     VMMDEV_REQUESTOR_KERNEL |
					     VMMDEV_REQUESTOR_USR_DRV);
	if (!gdev->ack_events_req) {
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
	vbg_req_free(gdev->ack_events_req, sizeof(*gdev->ack_events_req));
	vbg_test_current = NULL;
	KUNIT_EXPECT_EQ_MSG(test, kref_read(&gdev->refcount), 1,
			    "a device reference leaked");
	vbg_dev_put(gdev);
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
 * @value: payload (events for AcknowledgeEvents).
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
	vbg_dev_put(gdev);
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
 * Return: what vbg_ioctl_hdr_check() or vbg_core_ioctl() returned.
 */
int vbg_test_ioctl(struct vbg_session *session, unsigned int cmd, void *arg)
{
	struct vbg_dev *gdev = session->gdev;
	size_t size;
	int ret;

	ret = vbg_ioctl_hdr_check(cmd, arg, &size);
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
	host->mmio->v.v1_04.have_events = host->pending_events ? 1 : 0;
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
