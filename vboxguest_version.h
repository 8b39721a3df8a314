/* SPDX-License-Identifier: (GPL-2.0 OR CDDL-1.0) */
/*
 * The version this driver reports to the host in ReportGuestInfo2 and to
 * userspace in VBG_IOCTL_DRIVER_VERSION_INFO.  The host checks the
 * string: it must start with "major.minor.build" (spec 5.3).
 */

#ifndef __VBOXGUEST_VERSION_H__
#define __VBOXGUEST_VERSION_H__

#define VBG_VERSION_MAJOR	6
#define VBG_VERSION_MINOR	0
#define VBG_VERSION_BUILD	0
#define VBG_SVN_REV		127566
#define VBG_VERSION_STRING	"6.0.0"

#endif /* __VBOXGUEST_VERSION_H__ */
