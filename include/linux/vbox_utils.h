/* SPDX-License-Identifier: (GPL-2.0 OR CDDL-1.0) */
/*
 * The in-kernel API of the vboxguest driver, used by vboxsf and other
 * guest kernel modules to reach the VirtualBox host through HGCM.
 *
 * A caller takes a reference on the device with vbg_get_gdev(), makes its
 * calls and drops the reference with vbg_put_gdev().  The reference keeps
 * the device structure alive; it is not a lock, so callers may hold it
 * while they sleep.
 *
 * No HGCM function waits for the host without end: a timeout (fixed for
 * connect and disconnect), a fatal signal or the device's removal ends
 * the wait and the request is cancelled on the host.  A request the host
 * neither cancels nor completes is abandoned with -EIO: the driver never
 * frees it nor what the host may still write (its copies of the caller's
 * buffers, references on the pages of vmalloc buffers).  The kernel-doc
 * of each function (vboxguest_utils.c) says what the caller may then
 * assume about its buffers.
 */

#ifndef __VBOX_UTILS_H__
#define __VBOX_UTILS_H__

#include <linux/printk.h>
#include <linux/vbox_vmmdev_types.h>

struct vbg_dev;

/*
 * Logging for the users of this API (vboxsf uses these names).  They are
 * plain printk levels; the driver itself logs with dev_*().
 */
#define vbg_info(fmt, ...)	pr_info(fmt, ##__VA_ARGS__)
#define vbg_warn(fmt, ...)	pr_warn(fmt, ##__VA_ARGS__)
#define vbg_err(fmt, ...)	pr_err(fmt, ##__VA_ARGS__)
#define vbg_err_ratelimited(fmt, ...) \
	pr_err_ratelimited(fmt, ##__VA_ARGS__)
#define vbg_debug(fmt, ...)	pr_debug(fmt, ##__VA_ARGS__)

struct vbg_dev *vbg_get_gdev(void);
void vbg_put_gdev(struct vbg_dev *gdev);

int vbg_hgcm_connect(struct vbg_dev *gdev, u32 requestor,
		     struct vmmdev_hgcm_service_location *loc,
		     u32 *client_id, int *vbox_status);

int vbg_hgcm_disconnect(struct vbg_dev *gdev, u32 requestor,
			u32 client_id, int *vbox_status);

int vbg_hgcm_call(struct vbg_dev *gdev, u32 requestor, u32 client_id,
		  u32 function, u32 timeout_ms,
		  struct vmmdev_hgcm_function_parameter *parms, u32 parm_count,
		  int *vbox_status);

int vbg_status_code_to_errno(int rc);

#endif /* __VBOX_UTILS_H__ */
