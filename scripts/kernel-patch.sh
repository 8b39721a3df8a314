#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make kernel-patch: a git format-patch series that replaces a kernel
# tree's vboxguest driver (drivers/virt/vboxguest) and the vbox headers
# (include/uapi/linux/vbox*.h, include/linux/vbox_utils.h) with this tree's,
# and adds the driver's Documentation/ABI entries.
#
#   kernel-patch.sh [--base TREE|linux-source-N.M.tar.xz] [--out DIR]
#
# The default base is the newest Debian linux-source-N.M.tar.xz under
# /usr/src or in the rig's chroot.  Only the replaced paths are taken from
# the base, by tar, into a scratch git repository under /var/tmp; git
# writes the hunks that delete the tree's own files (this script never
# opens them: clean room).  The series goes to build/kernel-patch/ (DIR),
# with BASE naming what it applies to.  Apply it with git am or patch -p1.
set -euo pipefail
# One brace group: bash reads all of it before running any, so editing this
# file cannot break a run in progress.
{
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VBG_CACHE=${VBG_CACHE:-/var/cache/vboxguest-rig}
OUT=$ROOT/build/kernel-patch
BASE=
while [ $# -gt 0 ]; do
	case $1 in
	--base) BASE=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	*) echo "usage: $0 [--base TREE|TARBALL] [--out DIR]" >&2; exit 2 ;;
	esac
done
die() { echo "kernel-patch: $*" >&2; exit 1; }

if [ -z "$BASE" ]; then
	BASE=$(for f in /usr/src/linux-source-*.tar.xz \
			"$VBG_CACHE"/chroot/usr/src/linux-source-*.tar.xz; do
		       [ -f "$f" ] && printf '%s %s\n' "${f##*/}" "$f"
	       done | sort -V -k1,1 | tail -1 | cut -d' ' -f2)
	[ -n "$BASE" ] || die "no linux-source-*.tar.xz: give --base"
fi
# What the patch replaces, relative to the kernel tree.
PATHS=(drivers/virt/vboxguest include/uapi/linux/vbox_err.h
       include/uapi/linux/vbox_vmmdev_types.h include/uapi/linux/vboxguest.h
       include/linux/vbox_utils.h
       Documentation/ABI/testing/sysfs-driver-vboxguest
       Documentation/ABI/testing/debugfs-vboxguest)

W=$(mktemp -d /var/tmp/vbg-kernel-patch.XXXXXX)
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM HUP
T=$W/tree
mkdir -p "$T"
if [ -d "$BASE" ]; then
	have=()
	for p in "${PATHS[@]}" Makefile; do
		[ -e "$BASE/$p" ] && have+=("$p")
	done
	tar -C "$BASE" -cf - "${have[@]}" | tar -C "$T" -xf -
	name=$(basename "$(cd "$BASE" && pwd)")
else
	top=$(basename "$BASE" .tar.xz)	# Debian's tarballs: linux-source-N.M/
	# Members that are missing (an older tree) are not an error.
	if ! tar -C "$W" -xJf "$BASE" "${PATHS[@]/#/$top/}" "$top/Makefile" \
		2> "$W/tar.err" &&
	   grep -v 'Not found in archive\|Exiting with failure' "$W/tar.err" | grep -q .; then
		cat "$W/tar.err" >&2
		die "cannot unpack $BASE"
	fi
	cp -a "$W/$top/." "$T/"
	name=${BASE##*/}
fi
kv=$(awk '$1 ~ /^(VERSION|PATCHLEVEL|SUBLEVEL)$/ { v = v (v ? "." : "") $3 }
	  $1 == "SUBLEVEL" { print v; exit }' "$T/Makefile" 2>/dev/null || true)
rm -f "$T/Makefile"

cd "$T"
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
GIT_AUTHOR_NAME=$(git -C "$ROOT" config user.name || echo vboxguest)
GIT_AUTHOR_EMAIL=$(git -C "$ROOT" config user.email || echo vboxguest@localhost)
GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME
GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
git init -q
git add -A
git commit -q --allow-empty -m "base: $name"
git rm -r -q --ignore-unmatch -- "${PATHS[@]}"

D=drivers/virt/vboxguest
mkdir -p "$D" include/uapi/linux include/linux
# The sources, not what an out-of-tree build left next to them.
for f in "$ROOT"/*.c "$ROOT"/*.h "$ROOT"/Kconfig "$ROOT"/.kunitconfig; do
	case $f in *.mod.c) continue ;; esac
	cp "$f" "$D/"
done
# In the tree the Makefile is the kbuild part of ours, without the
# out-of-tree include path.
awk 'NR == 1 && /SPDX/ { print; next }
     /^ifneq \(\$\(KERNELRELEASE\),\)$/ { on = 1; next }
     on && /^else$/ { exit }
     on && /^# Out of tree/ { skip = 1 }
     on && !skip { print }
     skip && /^endif$/ { skip = 0 }' "$ROOT/Makefile" | cat -s > "$D/Makefile"
grep -q '^obj-$(CONFIG_VBOXGUEST)' "$D/Makefile" || die "no kbuild part in $ROOT/Makefile"
cp "$ROOT"/include/uapi/linux/vbox*.h include/uapi/linux/
cp "$ROOT"/include/linux/vbox_utils.h include/linux/
mkdir -p Documentation/ABI/testing
cp "$ROOT"/Documentation/ABI/testing/* Documentation/ABI/testing/
git add -A
cat > "$W/msg" <<EOF
virt: vboxguest: replace the driver and its headers

Replace the VirtualBox guest device (VMMDev, PCI 80ee:cafe) driver and
the vbox uapi headers with a clean-room implementation that keeps the
userspace ABI (/dev/vboxguest, /dev/vboxuser and their ioctls) and the
exported in-kernel HGCM API used by vboxsf.

It adds KUnit suites (CONFIG_VBOXGUEST_KUNIT_TEST) and a .kunitconfig.

Made by make kernel-patch against ${name}${kv:+ (Linux $kv)}.
EOF
git commit -q -s -F "$W/msg"
rm -rf "$OUT"
mkdir -p "$OUT"
git format-patch -q --no-renames -B -o "$OUT" HEAD~1..HEAD
printf '%s\n' "$name${kv:+ $kv}" > "$OUT/BASE"
cd "$OUT"
ls -1 "$OUT"/*.patch
}
