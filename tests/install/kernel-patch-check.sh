#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make kernel-patch-check: make kernel-patch against the newest Debian
# linux-source, applied to a fresh unpacked copy of it under /var/tmp and
# built there: an x86_64 defconfig with CONFIG_VBOXGUEST=m, its KUnit
# suites, its tracepoints (CONFIG_VBOXGUEST_TRACING=y) and the in-tree
# vboxsf (a consumer of the headers), modules_prepare, then make
# M=drivers/virt/vboxguest and M=fs/vboxsf.  The tree's own
# driver is replaced by git apply and never opened (clean room).  KTAP on
# stdout, "N passed, N failed" last; about 5 minutes on 2 cores.
set -uo pipefail
# One brace group: bash reads all of it before running any, so editing this
# file cannot break a run in progress.
{
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VBG_CACHE=${VBG_CACHE:-/var/cache/vboxguest-rig}
JOBS=${VBG_JOBS:-2}
B=$ROOT/build/kernel-patch-check
. "$ROOT/tests/ktap.sh"
# Build output: only lines about our files (the tree's own are not shown).
ours_only() { grep -E 'drivers/virt/vboxguest/|include/(uapi/)?linux/vbox|fs/vboxsf/' | head -30 | sed 's/^/# /'; }

echo "KTAP version 1"
rm -rf "$B"
mkdir -p "$B"
TAR=$(for f in /usr/src/linux-source-*.tar.xz "$VBG_CACHE"/chroot/usr/src/linux-source-*.tar.xz; do
	[ -f "$f" ] && printf '%s %s\n' "${f##*/}" "$f"
      done | sort -V -k1,1 | tail -1 | cut -d' ' -f2)
[ -n "$TAR" ] || { result 1 "a linux-source tarball (make deps)"; finish; }
echo "# base: $TAR"

bash "$ROOT/scripts/kernel-patch.sh" --base "$TAR" --out "$B/series" > "$B/patch.log" 2>&1
st=$?
PATCHES=$(ls "$B"/series/*.patch 2>/dev/null)
[ "$st" = 0 ] && [ -n "$PATCHES" ]
result $? "make kernel-patch writes a series" "$(tail -3 "$B/patch.log" | tr '\n' ' ')"
[ -n "$PATCHES" ] || finish
for p in $PATCHES; do echo "# ${p##*/}: $(grep -m1 '^Subject:' "$p")"; done

W=$(mktemp -d /var/tmp/vbg-kernel-patch-check.XXXXXX)
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM HUP
top=$(basename "$TAR" .tar.xz)
K=$W/$top
tar -C "$W" -xJf "$TAR" 2> "$B/tar.log"
result $? "unpack a fresh $top"

# Apply it (git apply, as git am would; outside any repository).
(cd "$K" && git apply --check $PATCHES && git apply $PATCHES) > "$B/apply.log" 2>&1
st=$?
result $st "the series applies to $top" "$(head -3 "$B/apply.log" | tr '\n' ' ')"
[ "$st" = 0 ] || finish
git -C "$K" apply --stat $PATCHES 2>/dev/null | tail -1 | sed 's/^/# /'

# The tree now holds exactly our files.
bad=0
for f in "$ROOT"/*.c "$ROOT"/*.h "$ROOT"/Kconfig "$ROOT"/.kunitconfig; do
	case $f in *.mod.c) continue ;; esac
	cmp -s "$f" "$K/drivers/virt/vboxguest/${f##*/}" || { echo "# differs: ${f##*/}"; bad=1; }
done
for f in "$ROOT"/include/uapi/linux/vbox*.h "$ROOT"/include/linux/vbox_utils.h; do
	cmp -s "$f" "$K/${f#"$ROOT"/}" || { echo "# differs: ${f#"$ROOT"/}"; bad=1; }
done
want=$( (cd "$ROOT" && ls -1A ./*.c ./*.h Kconfig .kunitconfig; echo Makefile) |
	sed 's|^\./||' | grep -v '\.mod\.c$' | sort)
have=$(ls -1A "$K/drivers/virt/vboxguest" | sort)
[ "$want" = "$have" ] || {
	echo "# drivers/virt/vboxguest: file names differ (< ours, > the tree's):"
	diff <(echo "$want") <(echo "$have") | grep '^[<>]' | sed 's/^/#   /'
	bad=1
}
result $bad "drivers/virt/vboxguest and the vbox headers are ours, nothing else left"

# Configure and prepare.
cd "$K" || finish
{
	make ARCH=x86_64 defconfig &&
	scripts/config --enable VIRT_DRIVERS --module VBOXGUEST --enable KUNIT --module VBOXGUEST_KUNIT_TEST \
		--module VBOXSF_FS --enable VBOXGUEST_TRACING &&
	make ARCH=x86_64 olddefconfig
} > "$B/config.log" 2>&1
st=$?
for o in VBOXGUEST VBOXGUEST_KUNIT_TEST VBOXSF_FS; do
	grep -q "^CONFIG_$o=m" .config || { echo "# CONFIG_$o is not m"; st=1; }
done
grep -q "^CONFIG_VBOXGUEST_TRACING=y" .config || { echo "# CONFIG_VBOXGUEST_TRACING is not y"; st=1; }
result $st "x86_64 defconfig with CONFIG_VBOXGUEST=m, its KUnit tests, tracepoints, vboxsf"
t0=$(date +%s)
nice -n 19 make ARCH=x86_64 -j"$JOBS" modules_prepare > "$B/prepare.log" 2>&1
result $? "modules_prepare ($(($(date +%s) - t0)) s)" "$(tail -3 "$B/prepare.log" | tr '\n' ' ')"

# The driver and vboxsf, warnings counted (W=1, as make lint).  No
# vmlinux was built, so modpost cannot resolve the kernel's symbols: it
# only warns (KBUILD_MODPOST_WARN); the compile is what is checked.
for m in drivers/virt/vboxguest fs/vboxsf; do
	ko=$m/${m##*/}.ko
	nice -n 19 make ARCH=x86_64 -j"$JOBS" W=1 KBUILD_MODPOST_WARN=1 M="$m" modules > "$B/${m##*/}.log" 2>&1
	st=$?
	[ -f "$ko" ] || st=1
	[ "$st" = 0 ] || ours_only < "$B/${m##*/}.log"
	result $st "make M=$m builds ${ko##*/}"
	grep -E '(warning|error):' "$B/${m##*/}.log" | ours_only > "$B/${m##*/}.warn"
	cat "$B/${m##*/}.warn"
	[ ! -s "$B/${m##*/}.warn" ]
	result $? "no compiler warning in $m (W=1)"
done
modinfo -F alias drivers/virt/vboxguest/vboxguest.ko 2>/dev/null | sed 's/^/# alias: /'
modinfo -F alias drivers/virt/vboxguest/vboxguest.ko 2>/dev/null | grep -q '^pci:v000080EEd0000CAFE'
result $? "the in-tree vboxguest.ko carries the PCI alias 80ee:cafe"
# (grep without -q: it reads all of nm's output, no SIGPIPE for pipefail)
nm drivers/virt/vboxguest/vboxguest.ko 2>/dev/null | grep ' __tracepoint_vbg_req$' > /dev/null
result $? "CONFIG_VBOXGUEST_TRACING=y: the in-tree vboxguest.ko has the tracepoints"
finish
}
