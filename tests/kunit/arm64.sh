#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make kunit-arm64: the driver's KUnit suites built for arm64 by the tree's
# kunit.py and run on QEMU's virt machine (TCG), once per kernel page size:
# 4 KiB and 64 KiB (VBG_KUNIT_ARM64_PAGES="4k 16k 64k" adds 16 KiB).  It
# proves the driver builds for arm64 and that its suites, above all the
# conversions to VMMDev's 4 KiB page units, pass with the kernel's pages
# larger than VMMDev's.
#
# Everything runs in the trixie chroot of make deps-arm64, which has
# Debian's gcc-aarch64-linux-gnu (Debian 12's cannot be installed next to
# make deps' gcc-multilib), qemu-system-aarch64 and python3, so kunit.py
# finds "aarch64-linux-gnu-gcc" and "qemu-system-aarch64" on its PATH; no
# wrapper.  $VBG_CACHE/kunit-arm64, outside the work tree and apart from
# the shared debug tree, is seen as /vbg-kunit-arm64 there (a bind mount
# in a private mount namespace).  It holds
#   linux-source-N.M/   its own copy of the debug kernel's source package
#                       (unpacked without its vboxguest driver and vbox
#                       headers; ours synced in)
#   build-4k/ ...       kunit.py's build directories, one per page size
#   times.log           build times
# The configuration is the driver's .kunitconfig, kunit.py's arm64 console
# and the page size: no KASAN or debug options (make kunit has them), so a
# build from scratch takes about 30 min here (2 cores, shared) and a
# rebuild after a driver change about a minute.
#
# KTAP: one subtest per page size holding the kernel's own KTAP (a build
# failure, a warning in the driver's build or an alarm of tests/alarms.txt
# in the kernel log fails it); the last line sums the cases of all of them:
# "N passed, N failed[, N skipped]".  Logs: build/kunit-arm64/<size>/.
set -uo pipefail
# One brace group: bash reads all of it before running any, so editing this
# file cannot break a run in progress.
{
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
ROOT=$PWD
VBG_CACHE=${VBG_CACHE:-/var/cache/vboxguest-rig}
CHROOT=$VBG_CACHE/chroot
K=$VBG_CACHE/kunit-arm64
IN=/vbg-kunit-arm64		# $K in the chroot
PAGES=${VBG_KUNIT_ARM64_PAGES:-4k 64k}
JOBS=${VBG_KUNIT_ARM64_JOBS:-2}
GLOB=${VBG_KUNIT_GLOB:-vboxguest*}
LOG=$ROOT/build/kunit-arm64
. tests/vm/lib.sh
. tests/vm/ksrc.sh
. tests/ktap.sh
. tests/kunit/lib.sh

say() { printf '[kunit-arm64] %s\n' "$*" >&2; }
fail() {
	say "error: $*"
	echo "0 passed, 1 failed"
	exit 1
}

[ "$(id -u)" = 0 ] || fail "must run as root (chroot, mounts)"
for t in aarch64-linux-gnu-gcc qemu-system-aarch64 python3; do
	[ -x "$CHROOT/usr/bin/$t" ] || fail "no $t in $CHROOT: run make deps-arm64"
done
mkdir -p "$K" "$CHROOT$IN" "$LOG" || fail "cannot create $K"
# One build at a time in $K.
exec {lock}>"$K/.lock"
flock "$lock"

# The debug kernel's source package (the newest linux-source the rig has).
TAR=${VBG_KUNIT_ARM64_SOURCE:-}
if [ -z "$TAR" ]; then
	d=$(ls -1d "$VBG_CACHE"/debug/linux-source-*/ 2>/dev/null | sort -V | tail -1)
	if [ -n "$d" ]; then
		TAR=$CHROOT/usr/src/$(basename "$d").tar.xz
	else
		TAR=$(ls -1 "$CHROOT"/usr/src/linux-source-*.tar.xz 2>/dev/null |
		      sort -V | tail -1)
	fi
fi
[ -f "$TAR" ] || fail "no linux-source tarball (${TAR:-none}): run make debug-kernel"
PKG=$(basename "$TAR" .tar.xz)
[ -f "$K/$PKG/.vbg-unpacked" ] || say "unpacking $TAR"
vbg_ksrc_unpack "$TAR" "$K" || fail "cannot unpack $TAR into $K"
vbg_ksrc_sync "$ROOT" "$K/$PKG" || fail "cannot sync the driver into $K/$PKG"

# inchroot CMD...: CMD in the chroot, in the tree, with $K at $IN, below
# nice -n 19.  The mounts live in a private namespace: the shared chroot's
# own mounts (tests/vm/lib.sh) are neither used nor changed.
inchroot() {
	unshare -m sh -c 'K=$1 C=$2 IN=$3 PKG=$4; shift 4
		mount --bind "$K" "$C$IN" || exit 125
		mountpoint -q "$C/proc" || mount -t proc proc "$C/proc" || exit 125
		mountpoint -q "$C/dev" || mount --bind /dev "$C/dev" || exit 125
		exec chroot "$C" env -C "$IN/$PKG" nice -n 19 "$@"' \
		sh "$K" "$CHROOT" "$IN" "$PKG" "$@"
}

echo "KTAP version 1"
echo "1..$(wc -w <<< "$PAGES")"
total_p=0 total_f=0 total_s=0 n=0 summary=
for ps in $PAGES; do
	n=$((n + 1))
	name=arm64_${ps}_pages
	case $ps in
	4k|16k|64k) sym=CONFIG_ARM64_${ps^^}_PAGES ;;
	*) fail "page size $ps: 4k, 16k or 64k" ;;
	esac
	l=$LOG/$ps
	rm -rf "$l" && mkdir -p "$l"
	kunit=(python3 tools/testing/kunit/kunit.py)
	opts=(--arch arm64 --cross_compile aarch64-linux-gnu- --build_dir "$IN/build-$ps")
	say "$name: building $IN/build-$ps (log $l/build.log)"
	t0=$(date +%s)
	inchroot "${kunit[@]}" build "${opts[@]}" --jobs "$JOBS" \
		--kunitconfig drivers/virt/vboxguest/.kunitconfig \
		--kconfig_add "$sym=y" > "$l/build.log" 2>&1
	brc=$?
	bsecs=$(($(date +%s) - t0))
	printf '%s %s %s %ss rc %s\n' "$(date -u +%FT%TZ)" "$PKG" "$ps" "$bsecs" "$brc" \
		>> "$K/times.log"
	p=0 f=0 s=0 why=
	if [ "$brc" != 0 ]; then
		f=1 why="build failed (exit $brc), see $l/build.log"
		tail -30 "$l/build.log" | sed 's/^/# /'
	else
		say "$name: built in ${bsecs}s, running"
		t0=$(date +%s)
		inchroot timeout 1200 "${kunit[@]}" exec "${opts[@]}" --timeout 900 --raw_output=all "$GLOB" \
			> "$l/raw.log" 2>&1
		rc=$?
		esecs=$(($(date +%s) - t0))
		python3 "$K/$PKG/tools/testing/kunit/kunit.py" parse "$l/raw.log" \
			> "$l/parsed.log" 2>&1
		if counts=$(kunit_counts "$l/parsed.log"); then
			read -r p f s <<< "$counts"
		else
			f=1 why="no test results (kunit.py exit $rc), see $l/raw.log"
		fi
		# The kernel's KTAP as this page size's subtest; the lines in
		# between (a failed expectation's values, the driver's
		# messages) as diagnostics.
		python3 "$K/$PKG/tools/testing/kunit/kunit.py" parse --raw_output=kunit \
			"$l/raw.log" 2> /dev/null |
			sed -E '/^ *(K?TAP version|1\.\.|ok |not ok |#|$)/! s/^( *)/\1# /' |
			sed "1a # Subtest: $name" | sed 's/^/    /'
		echo "# $name: built in ${bsecs}s, ran in ${esecs}s"
	fi
	# The driver builds for arm64 without a warning.
	warn=$(vbg_ksrc_driver_diags "$l/build.log" || true)
	if [ -n "$warn" ]; then
		grep -E ': (warning|error): ' "$l/build.log" | head -10 | sed 's/^/# /'
		printf '%s\n' "$warn" | head -20 | sed 's/^/# /'
		f=$((f + 1)) why="${why:+$why; }warnings in the driver's build"
	fi
	alarm=$(grep -E "$(vbg_alarm_re)" "$l/raw.log" 2> /dev/null || true)
	if [ -n "$alarm" ]; then
		printf '%s\n' "$alarm" | head -20 | sed 's/^/# /'
		f=$((f + 1)) why="${why:+$why; }alarms in the kernel log"
	fi
	if [ "$f" = 0 ] && [ "$p" -gt 0 ]; then
		echo "ok $n $name"
	else
		[ "$f" -gt 0 ] || f=1 why="no case passed"
		echo "not ok $n $name${why:+ # $why}"
	fi
	summary="$summary $ps: $p passed, $f failed;"
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
done
echo "# kunit-arm64:${summary%;}"
ktap_summary "$total_p" "$total_f" "$total_s"
exit
}
