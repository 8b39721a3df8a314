#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds for arm64 guests, in the trixie chroot of make deps-arm64 (its
# aarch64 gcc is the one Debian built its kernel with; bookworm's cross gcc
# conflicts with the gcc-multilib the x86 programs need).
#
#   build-arm64.sh module
#       our module for Debian's arm64 kernel against the prepared tree; the
#       driver's sources are copied to build/arm64/mod so that the x86
#       objects in the work tree stay untouched; makes
#       build/arm64/mod/vboxguest.ko
#   build-arm64.sh progs DIR TARGET...
#       make -C DIR TARGET... (build/arm64/<prog> rules of tests/guest;
#       DIR's parent is in the chroot too: tests/vbgtest.h)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${VBG_CACHE:-/var/cache/vboxguest-rig}
CHROOT=$CACHE/chroot

# in_chroot HOSTDIR CMD: run the shell command CMD in the chroot with
# HOSTDIR at /vbg-arm64-work (and the prepared tree at /vbg-arm64-src).
in_chroot() {
	local src
	src=$(readlink -f "$CACHE/arm64/src/current")
	mkdir -p "$CHROOT/vbg-arm64-src" "$CHROOT/vbg-arm64-work"
	unshare -m sh -c "mount --bind '$src' '$CHROOT/vbg-arm64-src' &&
		mount --bind '$1' '$CHROOT/vbg-arm64-work' &&
		chroot '$CHROOT' sh -c '$2'"
}

case ${1:-} in
module)
	SRC=$(readlink -f "$CACHE/arm64/src/current")
	[ -f "$SRC/.vbg-prepared-$(cat "$SRC/include/config/kernel.release")" ] ||
		{ echo "build-arm64: no prepared arm64 tree: run make deps-arm64" >&2; exit 1; }
	B=$ROOT/build/arm64/mod
	mkdir -p "$B"
	# By checksum: unchanged files keep their times, make rebuilds what
	# changed.
	rsync -rl --checksum --delete --exclude='*.o' --exclude='*.ko' \
		--exclude='*.mod*' --exclude='.*.cmd' --exclude=Module.symvers \
		--exclude=modules.order --exclude='.tmp*' \
		--include='*.c' --include='*.h' --include=Makefile \
		--include=Kconfig --include='include/***' --exclude='*' \
		"$ROOT/" "$B/"
	in_chroot "$B" "make -C /vbg-arm64-src ARCH=arm64 \
		CROSS_COMPILE=aarch64-linux-gnu- M=/vbg-arm64-work \
		CONFIG_VBOXGUEST=m CONFIG_VBOXGUEST_TRACING=${VBOXGUEST_TRACING:-} \
		W=1 modules"
	;;
progs)
	[ $# -ge 3 ] || { echo "usage: build-arm64.sh progs DIR TARGET..." >&2; exit 2; }
	dir=$(cd "$2" && pwd)
	shift 2
	# Its parent too: the programs include ../vbgtest.h.
	in_chroot "${dir%/*}" "make -C /vbg-arm64-work/${dir##*/} \
		ARM64_CC=aarch64-linux-gnu-gcc $*"
	;;
*)
	echo "usage: build-arm64.sh module | progs DIR TARGET..." >&2
	exit 2
	;;
esac
