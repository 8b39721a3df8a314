#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make debug-kernel: the newest Linux Debian ships (linux-source-N.M from
# the trixie chroot's apt), with this driver in-tree, built for x86_64 with
# KUnit, KASAN, UBSAN, lockdep, kmemleak and gcov.  Everything lives in
# $VBG_CACHE/debug, outside the work tree:
#   linux-source-N.M/   the tree; its drivers/virt/vboxguest and vbox
#                       headers are never unpacked, ours are synced in
#   build/              O= build directory; build/arch/x86/boot/bzImage
#   build.log           the last build's output; times.log: build times
# Our files are synced by checksum, so unchanged files keep their
# timestamps and a rebuild only compiles what changed.  The configuration
# is the driver's .kunitconfig plus tests/kunit/debug.config, made by the
# tree's kunit.py (the same kernel runs make kunit and the VM suite).
#
#   debug-kernel.sh [--sync-only]
set -euo pipefail
# One brace group: bash reads all of it before running any, so editing this
# file cannot break a run in progress.
{
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
VBG_CACHE=${VBG_CACHE:-/var/cache/vboxguest-rig}
CHROOT=$VBG_CACHE/chroot
DEBUG=$VBG_CACHE/debug
B=$DEBUG/build
JOBS=${VBG_DEBUG_JOBS:-2}
. tests/vm/ksrc.sh

say() { printf '[debug-kernel] %s\n' "$*"; }
die() { printf '[debug-kernel] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (apt in the chroot)"
[ -f "$CHROOT/.done" ] || die "no chroot in $CHROOT: run make deps"
mkdir -p "$DEBUG"
# One build at a time in the shared tree (make kunit, check-vm, coverage).
exec {lock}>"$DEBUG/.lock"
flock "$lock"

# The newest linux-source-N.M the chroot's apt knows (trixie-backports).
newest_source() {
	chroot "$CHROOT" apt-cache search --names-only '^linux-source-[0-9]+\.[0-9]+$' |
		awk '{ print $1 }' | sort -V | tail -1
}

PKG=${VBG_DEBUG_SOURCE:-}
if [ -z "$PKG" ]; then
	# The unpacked tree wins while it is there: no apt call per build.
	t=$(ls -1d "$DEBUG"/linux-source-*/ 2>/dev/null | sort -V | tail -1 || true)
	if [ -n "$t" ] && [ -f "$t/.vbg-unpacked" ]; then
		PKG=$(basename "$t")
	else
		PKG=$(newest_source)
	fi
fi
[ -n "$PKG" ] || die "no linux-source package in the chroot's apt"
SRC=$DEBUG/$PKG

if [ ! -f "$SRC/.vbg-unpacked" ]; then
	TAR=$CHROOT/usr/src/$PKG.tar.xz
	if [ ! -f "$TAR" ]; then
		say "installing $PKG in the chroot"
		chroot "$CHROOT" env DEBIAN_FRONTEND=noninteractive apt-get install \
			-y -q --no-install-recommends "$PKG"
	fi
	say "unpacking $TAR (without its vboxguest driver and vbox headers)"
	vbg_ksrc_unpack "$TAR" "$DEBUG" || die "cannot unpack $TAR"
fi

say "syncing the driver into $SRC"
vbg_ksrc_sync "$ROOT" "$SRC" || die "cannot sync the driver into $SRC"
[ "${1:-}" = --sync-only ] && exit 0

# Configure (only when the wanted options changed) and build.
KUNIT=(python3 "$SRC/tools/testing/kunit/kunit.py")
CONFIGS=(--kunitconfig "$SRC/drivers/virt/vboxguest/.kunitconfig"
	 --kunitconfig "$ROOT/tests/kunit/debug.config")
cd "$SRC"
say "configuring $B"
nice -n 19 "${KUNIT[@]}" config --arch x86_64 --build_dir "$B" "${CONFIGS[@]}" \
	> "$DEBUG/config.log" 2>&1 || { cat "$DEBUG/config.log" >&2; die "configuration failed"; }

say "building ($PKG, -j$JOBS, log $DEBUG/build.log)"
t0=$(date +%s)
# gcov only for the driver (make coverage), not for the whole kernel.
GCOV=()
for f in vboxguest_core vboxguest_utils vboxguest_linux; do
	GCOV+=("GCOV_PROFILE_$f.o=y")
done
if ! nice -n 19 make ARCH=x86_64 O="$B" -j"$JOBS" "${GCOV[@]}" all \
	> "$DEBUG/build.log" 2>&1; then
	grep -E 'error|Error' "$DEBUG/build.log" | head -30 >&2
	die "build failed, see $DEBUG/build.log"
fi
secs=$(($(date +%s) - t0))
printf '%s %s %ss\n' "$(date -u +%FT%TZ)" "$PKG" "$secs" >> "$DEBUG/times.log"

# The driver in-tree must build without a warning.
warn=$(vbg_ksrc_driver_diags "$DEBUG/build.log" || true)
if [ -n "$warn" ]; then
	printf '%s\n' "$warn" >&2
	die "in-tree warnings in the driver"
fi
say "built $B/arch/x86/boot/bzImage in ${secs}s"
exit
}
