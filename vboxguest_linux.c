// SPDX-License-Identifier: GPL-2.0
/*
 * vboxguest Linux glue: PCI probe and remove, the interrupt, the two misc
 * nodes and their ioctl copy-in/out, the absolute input device, sysfs,
 * debugfs and the reference-counted handle for in-kernel users (vboxsf).
 *
 * Probe is devm-managed from start to end, in this order (remove runs it
 * backwards): device structure reference, PCI enable + bus master, BARs,
 * core init, input device, event work cancellation, IRQ, debugfs, "live"
 * state for the exported API and sessions, /dev/vboxguest, /dev/vboxuser.
 * So the nodes go first at remove, then every session and kernel user is
 * shut out, then the IRQ, then the work items it queues, then the input
 * device they report to, and the core (heartbeat, balloon) goes last.
 * Nothing runs after what it touches is gone.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/input.h>
#include <linux/major.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/user_namespace.h>
#include <linux/uaccess.h>
#include <linux/vbox_utils.h>
#include "vboxguest_core.h"
#include "vboxguest_version.h"

#define CREATE_TRACE_POINTS
#include "vboxguest_trace.h"

#define DEVICE_NAME		"vboxguest"
#define DEVICE_NAME_USER	"vboxuser"
#define VBOX_VENDORID		0x80ee
#define VMMDEV_DEVICEID		0xcafe

/*
 * A gid of the initial user namespace: its members get the VirtualBox users
 * group bit in the requestor.  Root may change it at run time (read once
 * per open).
 */
static int vboxusers_gid = -1;
module_param(vboxusers_gid, int, 0644);
MODULE_PARM_DESC(vboxusers_gid,
		 "gid (initial namespace) whose members count as the VirtualBox users group in the requestor (-1: none)");

/* The one device, for vbg_get_gdev().  Protected by vbg_gdev_mutex. */
static struct vbg_dev *vbg_gdev;
static DEFINE_MUTEX(vbg_gdev_mutex);

/* Fixed-size names: no pointer (and relocation) per name. */
static const char vbg_stat_names[VBG_STAT_NR][26] = {
	[VBG_STAT_REQUESTS]		= "requests",
	[VBG_STAT_REQUEST_ERRORS]	= "request_errors",
	[VBG_STAT_IRQS]			= "irqs",
	[VBG_STAT_IRQS_NOT_OURS]	= "irqs_not_ours",
	[VBG_STAT_FAST_ACKS]		= "fast_acks",
	[VBG_STAT_SLOW_ACKS]		= "slow_acks",
	[VBG_STAT_EVENTS]		= "events",
	[VBG_STAT_EVENTS_DROPPED]	= "events_dropped",
	[VBG_STAT_HEARTBEATS]		= "heartbeats",
	[VBG_STAT_BALLOON_INFLATES]	= "balloon_inflates",
	[VBG_STAT_BALLOON_DEFLATES]	= "balloon_deflates",
	[VBG_STAT_BALLOON_PRESSURE]	= "balloon_pressure_deflates",
	[VBG_STAT_MOUSE_EVENTS]		= "mouse_events",
	[VBG_STAT_HGCM_BOUNCE_COPIES]	= "hgcm_bounce_copies",
	[VBG_STAT_HGCM_LEAKED]		= "hgcm_leaked",
};

/*
 * The requestor bits of the calling process: root or user, which node,
 * the VirtualBox group (module parameter) and whether its controlling
 * terminal is a virtual console.  Identities are those of the initial
 * user namespace: being root, or having the group's gid, inside a
 * namespace of one's own proves nothing to the host.
 */
static u32 vbg_linux_requestor(bool user_node)
{
	bool root = uid_eq(current_uid(), GLOBAL_ROOT_UID);
	int vbox_gid = READ_ONCE(vboxusers_gid);
	bool group = false;
	struct tty_struct *tty;
	int console = 0;

	if (vbox_gid >= 0) {
		kgid_t gid = make_kgid(&init_user_ns, vbox_gid);

		group = gid_valid(gid) && in_group_p(gid);
	}
	/*
	 * A virtual console (tty1..tty63) is the console driver's tty on the
	 * tty major.  The serial ttyS lines share the major (a serial driver)
	 * and other console drivers (ttynull, ttyprintk) use other majors.
	 */
	tty = get_current_tty();
	if (tty) {
		console = tty->driver->type == TTY_DRIVER_TYPE_CONSOLE &&
			  tty->driver->major == TTY_MAJOR;
		tty_kref_put(tty);
	}
	return vbg_session_requestor(user_node, root, group, console);
}

/*
 * Open either node.  misc_open() holds misc_mtx around ->open and has put
 * our struct miscdevice in private_data, so gdev (the parent's drvdata)
 * is alive here; the node says whether the opener is on the user node.
 */
static int vbg_misc_open(struct inode *inode, struct file *filp)
{
	struct miscdevice *misc = filp->private_data;
	struct vbg_dev *gdev = dev_get_drvdata(misc->parent);
	bool user_node = misc == &gdev->misc[1];
	u32 requestor = vbg_linux_requestor(user_node);
	struct vbg_session *session;
	int ret = 0;

	down_read(&gdev->remove_rwsem);
	if (READ_ONCE(gdev->removed)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	session = vbg_core_open_session(gdev, requestor, user_node);
	if (IS_ERR(session))
		ret = PTR_ERR(session);
	else
		filp->private_data = session;
out_unlock:
	up_read(&gdev->remove_rwsem);
	return ret;
}

static int vbg_misc_release(struct inode *inode, struct file *filp)
{
	struct vbg_session *session = filp->private_data;
	struct vbg_dev *gdev = session->gdev;

	down_read(&gdev->remove_rwsem);
	vbg_core_close_session(session);
	up_read(&gdev->remove_rwsem);
	vbg_put_gdev(gdev);	/* the session's reference */
	return 0;
}

/*
 * Run the ioctl on @buf (@hdr.size_in bytes from the caller, the rest
 * zero) and copy the answer out.  The header checked is the one used: it
 * overwrites the second, full copy.
 */
static long vbg_misc_ioctl_in(struct vbg_session *session, unsigned int cmd,
			      void __user *argp, const struct vbg_ioctl_hdr *hdr,
			      void *buf)
{
	struct vbg_dev *gdev = session->gdev;
	size_t size_out = hdr->size_out ?: hdr->size_in;
	long ret;

	if (copy_from_user(buf, argp, hdr->size_in))
		return -EFAULT;
	memcpy(buf, hdr, sizeof(*hdr));

	down_read(&gdev->remove_rwsem);
	ret = READ_ONCE(gdev->removed) ? -ENODEV :
					 vbg_core_ioctl(session, cmd, buf);
	up_read(&gdev->remove_rwsem);
	if (ret)
		return ret;
	return copy_to_user(argp, buf, size_out) ? -EFAULT : 0;
}

/* Copy the header in and check it once, then the whole argument. */
static long vbg_misc_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct vbg_ioctl_hdr hdr;
	size_t size;
	void *buf;
	long ret;

	if (_IOC_TYPE(cmd) != 'V')
		return -ENOTTY;
	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	ret = vbg_ioctl_check_header(cmd, &hdr, &size);
	if (ret)
		return ret;
	buf = kvzalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = vbg_misc_ioctl_in(filp->private_data, cmd, argp, &hdr, buf);
	kvfree(buf);
	return ret;
}

/**
 * vbg_get_gdev() - take a reference on the VMMDev device.
 *
 * The reference keeps the device structure alive, not the device: after
 * the device is removed, calls with it fail with -ENODEV.  It is not a
 * lock; drop it with vbg_put_gdev().
 *
 * Context: process context.
 * Return: the device, or ERR_PTR(-ENODEV) if there is none.
 */
struct vbg_dev *vbg_get_gdev(void)
{
	struct vbg_dev *gdev;

	mutex_lock(&vbg_gdev_mutex);
	gdev = vbg_gdev;
	if (gdev)
		kref_get(&gdev->refcount);
	mutex_unlock(&vbg_gdev_mutex);
	return gdev ? gdev : ERR_PTR(-ENODEV);
}
EXPORT_SYMBOL_GPL(vbg_get_gdev);

/* The full-state protocol's buttons (spec 5.4) as input keys. */
static const struct {
	u32 host;
	unsigned int key;
} vbg_input_buttons[] = {
	{ VMMDEV_MOUSE_BUTTON_LEFT, BTN_LEFT },
	{ VMMDEV_MOUSE_BUTTON_RIGHT, BTN_RIGHT },
	{ VMMDEV_MOUSE_BUTTON_MIDDLE, BTN_MIDDLE },
	{ VMMDEV_MOUSE_BUTTON_X1, BTN_SIDE },
	{ VMMDEV_MOUSE_BUTTON_X2, BTN_EXTRA },
};

/*
 * Pass the host's absolute pointer position, wheels and buttons to the
 * input device (a zero delta and an unchanged button send nothing).  The
 * spec gives no wheel direction: a positive dz is taken as a turn towards
 * the user (the PS/2 wheel's sign), REL_WHEEL's negative; a positive dw
 * as a turn to the right, REL_HWHEEL's positive.
 */
void vbg_input_report(struct vbg_dev *gdev, s32 x, s32 y, s32 dz, s32 dw,
		      u32 buttons)
{
	struct input_dev *input = gdev->input;
	unsigned int i;

	input_report_abs(input, ABS_X, clamp(x, 0, VMMDEV_MOUSE_RANGE_MAX));
	input_report_abs(input, ABS_Y, clamp(y, 0, VMMDEV_MOUSE_RANGE_MAX));
	input_report_rel(input, REL_WHEEL, -max(dz, -S32_MAX));
	input_report_rel(input, REL_HWHEEL, dw);
	for (i = 0; i < ARRAY_SIZE(vbg_input_buttons); i++)
		input_report_key(input, vbg_input_buttons[i].key,
				 buttons & vbg_input_buttons[i].host);
	input_sync(input);
}

static int vbg_input_open(struct input_dev *input)
{
	return vbg_core_set_input_mouse_status(input_get_drvdata(input), true);
}

static void vbg_input_close(struct input_dev *input)
{
	vbg_core_set_input_mouse_status(input_get_drvdata(input), false);
}

/*
 * An absolute pointer the host's mouse position goes to, with the wheels
 * and buttons of the full-state protocol (used when the host offers it).
 */
static int vbg_create_input_device(struct vbg_dev *gdev)
{
	struct input_dev *input;
	unsigned int i;

	input = devm_input_allocate_device(gdev->dev);
	if (!input)
		return -ENOMEM;
	input->name = "VirtualBox mouse integration";
	input->phys = "vboxguest/input0";
	input->id.bustype = BUS_PCI;
	input->id.vendor = VBOX_VENDORID;
	input->id.product = VMMDEV_DEVICEID;
	input->open = vbg_input_open;
	input->close = vbg_input_close;
	/* What input_set_capability() would set, without a call per bit. */
	input->evbit[0] = BIT_MASK(EV_KEY) | BIT_MASK(EV_REL);
	input->relbit[0] = BIT_MASK(REL_WHEEL) | BIT_MASK(REL_HWHEEL);
	for (i = 0; i < ARRAY_SIZE(vbg_input_buttons); i++)
		__set_bit(vbg_input_buttons[i].key, input->keybit);
	input_set_abs_params(input, ABS_X, 0, VMMDEV_MOUSE_RANGE_MAX, 0, 0);
	input_set_abs_params(input, ABS_Y, 0, VMMDEV_MOUSE_RANGE_MAX, 0, 0);
	__set_bit(INPUT_PROP_DIRECT, input->propbit);
	input_set_drvdata(input, gdev);
	gdev->input = input;
	return input_register_device(input);
}

/* debugfs stats: m->private is the PCI device (debugfs_create_devm_seqfile()). */
static int vbg_stats_show(struct seq_file *m, void *unused)
{
	struct vbg_dev *gdev = dev_get_drvdata(m->private);
	int i;

	for (i = 0; i < VBG_STAT_NR; i++)
		seq_printf(m, "%s %lld\n", vbg_stat_names[i],
			   (long long)atomic64_read(&gdev->stats[i]));
	seq_printf(m, "balloon_chunks %u\nheartbeat_interval_ms %u\nfast_ack %d\n",
		   READ_ONCE(gdev->balloon.nr_chunks),
		   jiffies_to_msecs(gdev->heartbeat.interval), gdev->fast_ack);
	return 0;
}

/* sysfs host_version and host_features: what GetHostVersion said. */
static ssize_t vbg_host_show(struct device *dev, struct device_attribute *attr,
			     char *buf);
static struct device_attribute vbg_host_attrs[] = {
	__ATTR(host_version, 0444, vbg_host_show, NULL),
	__ATTR(host_features, 0444, vbg_host_show, NULL),
};

static ssize_t vbg_host_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct vbg_dev *gdev = dev_get_drvdata(dev);

	if (attr == &vbg_host_attrs[0])
		return sysfs_emit(buf, "%s\n", gdev->host_version);
	return sysfs_emit(buf, "%#x\n", gdev->host_features);
}

static struct attribute *vbg_pci_attrs[] = {
	&vbg_host_attrs[0].attr,
	&vbg_host_attrs[1].attr,
	NULL
};
ATTRIBUTE_GROUPS(vbg_pci);

/* devm actions: each undoes one step of probe. */
static void vbg_put_gdev_action(void *gdev)
{
	vbg_put_gdev(gdev);
}

static void vbg_core_exit_action(void *gdev)
{
	vbg_core_exit(gdev);
}

static void vbg_cancel_event_work_action(void *gdev)
{
	vbg_core_cancel_event_work(gdev);
}

static void vbg_debugfs_remove_action(void *dir)
{
	debugfs_remove(dir);
}

static void vbg_misc_deregister_action(void *misc)
{
	misc_deregister(misc);
}

/*
 * Take the device off line (the nodes are gone already): shut out new
 * kernel users, wake every sleeper, and wait for all sessions and kernel
 * users inside the driver to leave (an HGCM waiter gives up within a
 * bounded time, see vbg_hgcm_wait()).  After this nothing from outside
 * touches the host, and the host is asked for no more interrupts (the IRQ
 * is freed soon after).  The host cannot be kept from completing an HGCM
 * request the driver abandoned (it cannot mask the HGCM event either), so
 * INTx is disabled in the command register as well: a late completion
 * must not leave a shared, level-triggered line asserted with no handler.
 * It is written directly, not with pci_intx(), whose managed form would
 * restore the bit when the device is released; pci_enable_device() clears
 * it at the next probe.
 */
static void vbg_unpublish_action(void *data)
{
	struct vbg_dev *gdev = data;
	struct pci_dev *pci = to_pci_dev(gdev->dev);
	u16 cmd;

	mutex_lock(&vbg_gdev_mutex);
	vbg_gdev = NULL;
	mutex_unlock(&vbg_gdev_mutex);

	spin_lock_irq(&gdev->event_spinlock);
	WRITE_ONCE(gdev->removed, true);
	spin_unlock_irq(&gdev->event_spinlock);
	wake_up_all(&gdev->event_wq);
	vbg_hgcm_end_waits(gdev, VBG_HGCM_END_ALL);

	down_write(&gdev->remove_rwsem);
	up_write(&gdev->remove_rwsem);

	vbg_core_quiesce(gdev);
	pci_read_config_word(pci, PCI_COMMAND, &cmd);
	pci_write_config_word(pci, PCI_COMMAND, cmd | PCI_COMMAND_INTX_DISABLE);
}

/* Both nodes; vbg_misc_open() tells them apart by the node opened. */
static const struct file_operations vbg_misc_fops = {
	.owner = THIS_MODULE,
	.llseek = noop_llseek,
	.open = vbg_misc_open,
	.release = vbg_misc_release,
	.unlocked_ioctl = vbg_misc_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/*
 * The last steps of probe, each undone by its own devm action, so remove
 * undoes them first and backwards: debugfs, the device published for
 * vbg_get_gdev() (there is only one VMMDev), /dev/vboxguest, then
 * /dev/vboxuser.
 */
static int vbg_publish(struct vbg_dev *gdev)
{
	static const char * const names[] = { DEVICE_NAME, DEVICE_NAME_USER };
	struct device *dev = gdev->dev;
	struct dentry *dir;
	int i, ret;

	dir = debugfs_create_dir(DEVICE_NAME, NULL);
	debugfs_create_devm_seqfile(dev, "stats", dir, vbg_stats_show);
	ret = devm_add_action_or_reset(dev, vbg_debugfs_remove_action, dir);
	if (ret)
		return ret;

	mutex_lock(&vbg_gdev_mutex);
	if (vbg_gdev) {
		mutex_unlock(&vbg_gdev_mutex);
		vbg_dev_err(gdev, "a VMMDev is already bound\n");
		return -EBUSY;
	}
	vbg_gdev = gdev;
	mutex_unlock(&vbg_gdev_mutex);
	ret = devm_add_action_or_reset(dev, vbg_unpublish_action, gdev);
	if (ret)
		return ret;

	for (i = 0; i < ARRAY_SIZE(gdev->misc); i++) {
		struct miscdevice *misc = &gdev->misc[i];

		misc->minor = MISC_DYNAMIC_MINOR;
		misc->name = names[i];
		misc->fops = &vbg_misc_fops;
		misc->mode = i ? 0666 : 0600;
		misc->parent = dev;
		ret = misc_register(misc);
		if (ret)
			return ret;
		ret = devm_add_action_or_reset(dev, vbg_misc_deregister_action,
					       misc);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Map the request registers and BAR1 (VMMDev memory), and check the memory.
 * Requests go through BAR3, the MMIO request window, when the device has
 * it (VirtualBox 7.1+; ARM guests have no BAR0), else through BAR0's ports.
 */
static int vbg_map_bars(struct vbg_dev *gdev, struct pci_dev *pci)
{
	struct device *dev = &pci->dev;
	resource_size_t io = pci_resource_start(pci, 0);
	resource_size_t io_len = pci_resource_len(pci, 0);
	resource_size_t mmio_len = pci_resource_len(pci, 1);
	resource_size_t win_len = pci_resource_len(pci, 3);
	bool has_window = (pci_resource_flags(pci, 3) & IORESOURCE_MEM) &&
			  win_len >= VMMDEV_MMIO_WINDOW_MIN;
	bool has_port = (pci_resource_flags(pci, 0) & IORESOURCE_IO) &&
			io_len >= 16;
	u32 size, version;

	if (!(has_port || has_window) ||
	    !(pci_resource_flags(pci, 1) & IORESOURCE_MEM) ||
	    mmio_len < sizeof(struct vmmdev_memory)) {
		vbg_dev_err(gdev, "unexpected BARs: BAR0 %pR, BAR1 %pR, BAR3 %pR\n",
			    &pci->resource[0], &pci->resource[1],
			    &pci->resource[3]);
		return -ENODEV;
	}
	if (!has_window &&
	    !devm_request_region(dev, io, io_len, DEVICE_NAME)) {
		vbg_dev_err(gdev, "BAR0 is busy\n");
		return -EBUSY;
	}
	gdev->mmio = devm_ioremap_resource(dev, &pci->resource[1]);
	if (IS_ERR(gdev->mmio))
		return PTR_ERR(gdev->mmio);
	if (has_window) {
		gdev->req_window = devm_ioremap_resource(dev, &pci->resource[3]);
		if (IS_ERR(gdev->req_window))
			return PTR_ERR(gdev->req_window);
	} else {
		gdev->io_port = devm_ioport_map(dev, io, io_len);
		if (!gdev->io_port)
			return -ENOMEM;
	}
	gdev->ops = &vbg_pci_ops;

	size = ioread32(&gdev->mmio->size);
	version = ioread32(&gdev->mmio->version);
	if (version != VMMDEV_MEMORY_VERSION || size < 32 || size > mmio_len) {
		vbg_dev_err(gdev, "bad VMMDev memory: version %u size %u (BAR1 %llu bytes)\n",
			    version, size, (unsigned long long)mmio_len);
		return -ENODEV;
	}
	return 0;
}

static int vbg_pci_probe(struct pci_dev *pci, const struct pci_device_id *id)
{
	struct device *dev = &pci->dev;
	struct vbg_dev *gdev;
	int ret;

	gdev = kzalloc(sizeof(*gdev), GFP_KERNEL);
	if (!gdev)
		return -ENOMEM;
	kref_init(&gdev->refcount);
	gdev->dev = dev;
	ret = devm_add_action_or_reset(dev, vbg_put_gdev_action, gdev);
	if (ret)
		return ret;
	pci_set_drvdata(pci, gdev);

	ret = pcim_enable_device(pci);
	if (ret)
		return ret;
	pci_set_master(pci);
	ret = vbg_map_bars(gdev, pci);
	if (ret)
		return ret;

	ret = vbg_core_init(gdev);
	if (ret)
		return ret;
	ret = devm_add_action_or_reset(dev, vbg_core_exit_action, gdev);
	if (ret)
		return ret;

	ret = vbg_create_input_device(gdev);
	if (ret)
		return ret;
	/*
	 * The interrupt handler is the only thing that queues the mouse and
	 * balloon work (besides init's first balloon look, which core exit
	 * cancels).  Registered after the input device and before the IRQ:
	 * at remove the IRQ is freed first, then the work items are
	 * cancelled, and only then does the input device the mouse work
	 * reports to go away.
	 */
	ret = devm_add_action_or_reset(dev, vbg_cancel_event_work_action, gdev);
	if (ret)
		return ret;
	ret = devm_request_irq(dev, pci->irq, vbg_core_isr, IRQF_SHARED,
			       DEVICE_NAME, gdev);
	if (ret) {
		vbg_dev_err(gdev, "cannot get IRQ %d: %d\n", pci->irq, ret);
		return ret;
	}
	disable_irq(pci->irq);
	vbg_core_drain_events(gdev);
	enable_irq(pci->irq);

	ret = vbg_publish(gdev);
	if (ret)
		return ret;

	vbg_dev_info(gdev, "VMMDev ready: host %s, features %#x, IRQ %d, /dev/vboxguest and /dev/vboxuser\n",
		     gdev->host_version, gdev->host_features, pci->irq);
	return 0;
}

/*
 * Reboot, power-off and kexec: the host keeps no balloon or heartbeat
 * (vbg_core_shutdown()).  System sleep: the host may forget the guest
 * meanwhile (QEMU resets the device when the VM wakes from S3; a
 * hibernation image wakes up on a device the boot kernel reset), so every
 * way back tells it everything again; the same callbacks serve suspend,
 * freeze and poweroff, and resume, thaw and restore.
 */
static DEFINE_SIMPLE_DEV_PM_OPS(vbg_pm_ops, vbg_core_suspend,
				vbg_core_host_restore);

static const struct pci_device_id vbg_pci_ids[] = {
	{ PCI_DEVICE(VBOX_VENDORID, VMMDEV_DEVICEID) },
	{}
};
MODULE_DEVICE_TABLE(pci, vbg_pci_ids);

static struct pci_driver vbg_pci_driver = {
	.name = DEVICE_NAME,
	.id_table = vbg_pci_ids,
	.probe = vbg_pci_probe,
	.shutdown = vbg_core_shutdown,
	.dev_groups = vbg_pci_groups,
	.driver.pm = pm_sleep_ptr(&vbg_pm_ops),
};

static int __init vbg_init(void)
{
	return pci_register_driver(&vbg_pci_driver);
}

static void __exit vbg_exit(void)
{
	pci_unregister_driver(&vbg_pci_driver);
	vbg_req_cache_exit();
}

module_init(vbg_init);
module_exit(vbg_exit);

MODULE_AUTHOR("vboxguest clean-room project");
MODULE_DESCRIPTION("VirtualBox guest device (VMMDev) driver");
MODULE_LICENSE("GPL");
MODULE_VERSION(VBG_VERSION_STRING);
