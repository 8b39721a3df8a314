#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the emulated VM with our vboxguest module and show, in
# plain words, the driver at work: probe and host version/features, the two
# device nodes, a raw request, heartbeats counted, events waited for, an
# injected mouse move arriving as an input event, a balloon inflate and
# deflate.  The guest side is tests/vm/demo/vbg_demo.c; the VM, the
# emulator and the chroot come from the regular runner (run.sh), pointed at
# the demo's program list instead of the guest test suite.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

cat <<'TXT'
== vboxguest demo ==
A VM (QEMU, no KVM) boots Debian 12's kernel with our vboxguest.ko; the
VirtualBox host side is our VMMDev emulator attached over vfio-user.  The
lines starting with "#" inside the guest explain each step.
TXT
VBG_GUEST_DIR=$HERE/demo exec bash "$HERE/run.sh" --driver ours --timeout 120 "$@"
