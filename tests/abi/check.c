// SPDX-License-Identifier: GPL-2.0
/*
 * Compile-time proof that our uapi headers match the installed ones: this
 * file includes ours (the build puts ../../include/uapi first on the path)
 * and installed.h, generated from the installed headers for the same ABI
 * (-m64 or -m32), holds INST_<name> for every fact of checks.def.  Any
 * difference stops the build with the name of the fact.
 */
#include <stddef.h>
#include <linux/vboxguest.h>
#include "installed.h"

#define CHK(name, expr) \
	_Static_assert((int)(expr) == INST_ ## name, "ABI mismatch: " #name);
#include "checks.def"
