#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build our module for Debian's arm64 kernel (make deps-arm64's prepared
# tree), in the trixie chroot with the cross compiler Debian used.  The
# driver's sources are copied to build/arm64/mod so that the x86 objects
# in the work tree stay untouched.  Output: build/arm64/mod/vboxguest.ko.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${VBG_CACHE:-/var/cache/vboxguest-rig}
CHROOT=$CACHE/chroot
SRC=$(readlink -f "$CACHE/arm64/src/current")
B=$ROOT/build/arm64/mod

[ -f "$SRC/.vbg-prepared-$(cat "$SRC/include/config/kernel.release")" ] ||
	{ echo "build-arm64: no prepared arm64 tree: run make deps-arm64" >&2; exit 1; }
mkdir -p "$B"
# By checksum: unchanged files keep their times, make rebuilds what changed.
rsync -rl --checksum --delete --exclude='*.o' --exclude='*.ko' \
	--exclude='*.mod*' --exclude='.*.cmd' --exclude=Module.symvers \
	--exclude=modules.order --exclude='.tmp*' \
	--include='*.c' --include='*.h' --include=Makefile --include=Kconfig \
	--include='include/***' --exclude='*' "$ROOT/" "$B/"
mkdir -p "$CHROOT/vbg-arm64-src" "$CHROOT/vbg-arm64-mod"
exec unshare -m sh -c "mount --bind '$SRC' '$CHROOT/vbg-arm64-src' &&
	mount --bind '$B' '$CHROOT/vbg-arm64-mod' &&
	chroot '$CHROOT' make -C /vbg-arm64-src ARCH=arm64 \
		CROSS_COMPILE=aarch64-linux-gnu- M=/vbg-arm64-mod \
		CONFIG_VBOXGUEST=m W=1 modules"
