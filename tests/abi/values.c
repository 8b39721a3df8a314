// SPDX-License-Identifier: GPL-2.0
/*
 * Emits every ABI fact of checks.def as an assembler marker line
 * "->NAME VALUE" (the kernel's asm-offsets trick), so the values of one set
 * of headers can be read without running code for the target ABI.  Built
 * once against the installed headers and once against ours.
 */
#include <stddef.h>
#include <linux/vboxguest.h>

#define CHK(name, expr) \
	asm volatile("\n.ascii \"->" #name " %c0\"" : : "i" ((int)(expr)));

void vbg_abi_values(void);

void vbg_abi_values(void)
{
#include "checks.def"
}
