// SPDX-License-Identifier: GPL-2.0
/*
 * vbg_kuser: a kernel user of vboxguest's exported API (linux/vbox_utils.h)
 * for the life-cycle test (tests/guest/t_lifecycle).
 *
 * At load it takes a device reference (vbg_get_gdev()), connects to the
 * emulator's "vbgtest" service and starts a thread that keeps an HGCM call
 * pending (vbgtest's NEVER, 500 ms timeout, again and again), as vboxsf
 * keeps requests in the driver.  When the device goes away the call must
 * end with -ENODEV; the thread then stops calling.  At unload it stops the
 * thread, disconnects (the host answers or the device is gone) and drops
 * the reference.  Module parameters tell the test what happened.
 */

#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/vbox_err.h>
#include <linux/vbox_utils.h>

#include "vbgtest.h"

#define REQUESTOR	(VMMDEV_REQUESTOR_KERNEL | VMMDEV_REQUESTOR_USR_DRV_OTHER)

static int connected;
module_param(connected, int, 0444);
MODULE_PARM_DESC(connected, "1 once connected to vbgtest");
static int calls;
module_param(calls, int, 0444);
MODULE_PARM_DESC(calls, "pending calls made (each ends by its timeout)");
static int last_ret;
module_param(last_ret, int, 0444);
MODULE_PARM_DESC(last_ret, "what the last call returned (-ENODEV after removal)");

static struct vbg_dev *gdev;
static u32 client;
static struct task_struct *caller;

static int vbg_kuser_thread(void *unused)
{
	int ret, st;

	while (!kthread_should_stop()) {
		ret = vbg_hgcm_call(gdev, REQUESTOR, client, VBGTEST_FN_NEVER, 500,
				    NULL, 0, &st);
		WRITE_ONCE(calls, calls + 1);
		WRITE_ONCE(last_ret, ret);
		if (ret != -ETIMEDOUT)
			break;
	}
	/* Gone or failed: wait for the unload. */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static int __init vbg_kuser_init(void)
{
	struct vmmdev_hgcm_service_location loc = {
		.type = VMMDEV_HGCM_LOC_LOCALHOST_EXISTING,
	};
	int ret, st = VERR_GENERAL_FAILURE;

	gdev = vbg_get_gdev();
	if (IS_ERR(gdev))
		return PTR_ERR(gdev);
	strscpy(loc.u.localhost.service_name, VBGTEST_SVC,
		sizeof(loc.u.localhost.service_name));
	ret = vbg_hgcm_connect(gdev, REQUESTOR, &loc, &client, &st);
	if (!ret && st < 0)
		ret = -EIO;
	if (ret)
		goto err_put;
	connected = 1;
	caller = kthread_run(vbg_kuser_thread, NULL, "vbg_kuser");
	if (IS_ERR(caller)) {
		ret = PTR_ERR(caller);
		goto err_disconnect;
	}
	return 0;

err_disconnect:
	vbg_hgcm_disconnect(gdev, REQUESTOR, client, &st);
err_put:
	vbg_put_gdev(gdev);
	return ret;
}

static void __exit vbg_kuser_exit(void)
{
	int st;

	kthread_stop(caller);
	vbg_hgcm_disconnect(gdev, REQUESTOR, client, &st);
	vbg_put_gdev(gdev);
}

module_init(vbg_kuser_init);
module_exit(vbg_kuser_exit);
MODULE_DESCRIPTION("vboxguest kernel user for the life-cycle test");
MODULE_LICENSE("GPL");
