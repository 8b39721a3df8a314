#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Idempotent set-up of the arm64 rig, on top of make deps' trixie chroot:
#   - the chroot learns the arm64 architecture and gets qemu-system-arm
#     (trixie-backports: the vfio-user client), the aarch64 cross compiler
#     and what a kernel build needs (python3: kunit.py for make kunit-arm64);
#   - Debian's arm64 kernel (linux-image-arm64 of trixie) and busybox-static
#     for arm64 are unpacked into $VBG_CACHE/arm64/kernel/<release>/root,
#     with the release's Module.symvers from its linux-headers package;
#   - linux-source of the same version is unpacked into
#     $VBG_CACHE/arm64/src (without its vboxguest driver and vbox headers:
#     clean room) and prepared for out-of-tree modules with Debian's arm64
#     configuration, so that modules built there load into Debian's image.
# Everything runs in the chroot, with trixie's gcc (the one Debian built
# that kernel with); so are the guest programs built (bookworm's
# gcc-aarch64-linux-gnu conflicts with the gcc-multilib of make deps).
# A second run only checks.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${VBG_CACHE:-/var/cache/vboxguest-rig}
CHROOT=$CACHE/chroot
A=$CACHE/arm64
step() { printf '[deps-arm64] %s\n' "$*"; }
die() { printf '[deps-arm64] error: %s\n' "$*" >&2; exit 1; }
inroot() { chroot "$CHROOT" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }

[ "$(id -u)" = 0 ] || die "must run as root"
[ -f "$CHROOT/.done" ] || die "no chroot in $CHROOT: run make deps first"
mkdir -p "$A"
exec {lock}>"$A/.lock"
flock "$lock"

if ! inroot dpkg --print-foreign-architectures | grep -qx arm64; then
	step "adding the arm64 architecture to the chroot's apt"
	inroot dpkg --add-architecture arm64
	inroot apt-get update -q
fi

PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross make gcc libc6-dev bc flex
      bison libelf-dev libssl-dev xz-utils kmod cpio dwarves
      python3-minimal python3 perl"
missing=
for p in $PKGS; do
	inroot dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null |
		grep -q '^ii' || missing="$missing $p"
done
inroot dpkg-query -W -f '${db:Status-Abbrev}' qemu-system-arm 2>/dev/null |
	grep -q '^ii' || missing="$missing qemu-system-arm"
if [ -n "$missing" ]; then
	step "installing in the chroot:$missing"
	inroot apt-get update -q
	# shellcheck disable=SC2086
	inroot apt-get install -y -q --no-install-recommends -t trixie-backports $missing
	inroot apt-get clean
else
	step "chroot packages present"
fi

# Debian's arm64 kernel: the image linux-image-arm64 (trixie) depends on.
KVER=$(inroot apt-cache depends -t trixie linux-image-arm64:arm64 2>/dev/null |
       sed -n 's/.*Depends: linux-image-\([0-9][^ :]*-arm64\).*/\1/p' | head -1)
[ -n "$KVER" ] || die "cannot tell the arm64 kernel release"
KV=${KVER%%+*}			# 6.12.117
SRCPKG=linux-source-${KV%.*}	# linux-source-6.12
K=$A/kernel/$KVER
if [ ! -f "$K/.done" ]; then
	step "downloading linux-image-$KVER, its headers and busybox-static (arm64)"
	rm -rf "$K" "$CHROOT/tmp/vbg-arm64-dl"
	mkdir -p "$K" "$CHROOT/tmp/vbg-arm64-dl"
	chmod 0777 "$CHROOT/tmp/vbg-arm64-dl"
	inroot sh -c "cd /tmp/vbg-arm64-dl && apt-get download -q -t trixie \
		linux-image-$KVER-unsigned:arm64 linux-headers-$KVER:arm64 \
		busybox-static:arm64"
	for d in "$CHROOT"/tmp/vbg-arm64-dl/linux-image-*.deb \
		 "$CHROOT"/tmp/vbg-arm64-dl/busybox-static*.deb; do
		dpkg-deb -x "$d" "$K/root"
	done
	dpkg-deb --fsys-tarfile "$CHROOT"/tmp/vbg-arm64-dl/linux-headers-*.deb |
		tar -xO --wildcards "*/linux-headers-$KVER/Module.symvers" \
		> "$K/Module.symvers"
	[ -s "$K/Module.symvers" ] || die "no Module.symvers in linux-headers-$KVER"
	rm -rf "$CHROOT/tmp/vbg-arm64-dl"
	touch "$K/.done"
else
	step "arm64 kernel $KVER present"
fi
ln -sfn "$KVER" "$A/kernel/current"

# The prepared tree for out-of-tree modules, built with the chroot's gcc.
S=$A/src/$SRCPKG
if [ ! -f "$S/.vbg-prepared-$KVER" ]; then
	TAR=$CHROOT/usr/src/$SRCPKG.tar.xz
	if [ ! -f "$TAR" ]; then
		step "installing $SRCPKG in the chroot"
		inroot apt-get install -y -q --no-install-recommends -t trixie "$SRCPKG"
		inroot apt-get clean
	fi
	step "unpacking $SRCPKG (without its vboxguest driver and vbox headers)"
	rm -rf "$S"
	mkdir -p "$A/src"
	tar -C "$A/src" -xJf "$TAR" \
		--exclude="$SRCPKG/drivers/virt/vboxguest" \
		--exclude="$SRCPKG/include/uapi/linux/vbox*.h" \
		--exclude="$SRCPKG/include/linux/vbox_utils.h"
	# drivers/virt/Kconfig sources the driver's Kconfig: ours.
	mkdir -p "$S/drivers/virt/vboxguest"
	cp "$ROOT/Kconfig" "$S/drivers/virt/vboxguest/Kconfig"
	cp "$K"/root/boot/config-"$KVER" "$S/.config"
	cp "$K/Module.symvers" "$S/Module.symvers"
	step "preparing $S for arm64 modules (a few minutes)"
	mkdir -p "$CHROOT/vbg-arm64-src"
	if ! unshare -m sh -c "mount --bind '$S' '$CHROOT/vbg-arm64-src' &&
		chroot '$CHROOT' make -C /vbg-arm64-src -j\"$(nproc)\" ARCH=arm64 \
			CROSS_COMPILE=aarch64-linux-gnu- LOCALVERSION=+${KVER#*+} \
			olddefconfig modules_prepare" > "$A/prepare.log" 2>&1; then
		tail -30 "$A/prepare.log" >&2
		die "modules_prepare failed (log $A/prepare.log)"
	fi
	rel=$(cat "$S/include/config/kernel.release")
	[ "$rel" = "$KVER" ] || die "prepared tree is $rel, not $KVER"
	touch "$S/.vbg-prepared-$KVER"
else
	step "prepared tree $S present"
fi
ln -sfn "$SRCPKG" "$A/src/current"
step "QEMU: $(inroot qemu-system-aarch64 --version | head -1)"
step "done: kernel $KVER, tree $S"
