#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of the driver (make lint):
#   checkpatch   scripts/checkpatch.pl --strict on every driver source/header
#   kernel-doc   scripts/kernel-doc -none on every driver source/header,
#                scripts/get_abi.pl validate on Documentation/ABI
#   w1           out-of-tree build with W=1
#   sparse       out-of-tree build with C=2 (sparse on every file)
#   clang        out-of-tree build with LLVM=1, W=1 and the tracepoints
#                (CONFIG_VBOXGUEST_TRACING=y; the others build the default)
# checkpatch and kernel-doc come from Debian's linux-source-6.1 (only its
# scripts/ is unpacked, into $VBG_CACHE/lint); the W=1 and sparse builds
# run against $KDIR (Debian 12's headers) in copies of the sources under
# build/lint/, so they never touch the objects of the work tree.  Debian's
# headers are configured for gcc (clang refuses their flags), so the clang
# build runs against the same 6.1 source with Debian's .config, configured
# and prepared once with LLVM=1 in $VBG_CACHE/lint/clang (without its own
# vboxguest driver and headers).  Every finding is printed; each tool is
# one KTAP line; the last line is "N passed, N failed".
set -uo pipefail
# One brace group: bash reads all of it before running any, so editing this
# file cannot break a run in progress.
{
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ROOT=$PWD

VBG_CACHE=${VBG_CACHE:-/var/cache/vboxguest-rig}
KDIR=${KDIR:-/usr/src/linux-headers-$(readlink "$VBG_CACHE/kernel/current" 2>/dev/null)}
SRC_TAR=${VBG_LINT_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
SCRIPTS=$VBG_CACHE/lint/linux-source-6.1/scripts
OUT=$ROOT/build/lint
CLANG_TREE=$VBG_CACHE/lint/clang/linux-source-6.1
JOBS=${VBG_LINT_JOBS:-2}

# The driver's files: top-level *.c/*.h (not kbuild's generated *.mod.c)
# and everything under include/.
FILES=()
for f in *.c *.h include/linux/*.h include/uapi/linux/*.h; do
	[ -f "$f" ] || continue
	case $f in *.mod.c) continue ;; esac
	FILES+=("$f")
done

N=0
PASS=0
FAIL=0
# result NAME STATUS [DIAG]: one KTAP line.
result() {
	N=$((N + 1))
	if [ "$2" = 0 ]; then
		PASS=$((PASS + 1))
		echo "ok $N - $1"
	else
		FAIL=$((FAIL + 1))
		echo "not ok $N - $1${3:+ # $3}"
	fi
}

# The checkpatch/kernel-doc scripts: only scripts/ of the 6.1 source.
lint_scripts() {
	[ -x "$SCRIPTS/checkpatch.pl" ] && [ -f "$SCRIPTS/kernel-doc" ] && return 0
	[ -f "$SRC_TAR" ] || { echo "# $SRC_TAR missing (make deps)"; return 1; }
	mkdir -p "$VBG_CACHE/lint" || return 1
	tar -C "$VBG_CACHE/lint" -xJf "$SRC_TAR" --wildcards \
		'linux-source-6.1/scripts/*' || return 1
}

# findings TOOL FILE: print a tool's findings as KTAP diagnostics and
# return non-zero if there were any.
findings() {
	local n
	n=$(grep -c . "$2")
	[ "$n" = 0 ] && return 0
	sed "s/^/# $1: /" "$2"
	return 1
}

# The 6.1 tree prepared for external modules with clang (once).
clang_tree() {
	[ -f "$CLANG_TREE/.vbg-prepared" ] && return 0
	[ -f "$SRC_TAR" ] && [ -d "$KDIR" ] || return 1
	echo "# lint: preparing $CLANG_TREE for clang (once)"
	rm -rf "$VBG_CACHE/lint/clang" && mkdir -p "$VBG_CACHE/lint/clang" &&
	tar -C "$VBG_CACHE/lint/clang" -xJf "$SRC_TAR" \
		--exclude='linux-source-6.1/drivers/virt/vboxguest' \
		--exclude='linux-source-6.1/include/uapi/linux/vbox*.h' \
		--exclude='linux-source-6.1/include/linux/vbox_utils.h' &&
	mkdir -p "$CLANG_TREE/drivers/virt/vboxguest" &&
	cp "$ROOT/Kconfig" "$ROOT/Makefile" "$CLANG_TREE/drivers/virt/vboxguest/" &&
	cp "$KDIR/.config" "$KDIR/Module.symvers" "$CLANG_TREE/" &&
	nice -n 19 make -s -C "$CLANG_TREE" LLVM=1 olddefconfig > "$OUT/clang-prepare.log" 2>&1 &&
	nice -n 19 make -s -C "$CLANG_TREE" LLVM=1 -j"$JOBS" modules_prepare \
		>> "$OUT/clang-prepare.log" 2>&1 &&
	touch "$CLANG_TREE/.vbg-prepared"
}

# A copy of the sources for one build, updated by checksum so that an
# unchanged file keeps its timestamp (and its object).
copy_tree() {
	local d=$OUT/$1
	mkdir -p "$d" &&
	rsync -a --checksum --delete --exclude='*.mod.c' \
		--include='*.c' --include='*.h' --include='Makefile' \
		--include='Kconfig' --include='include/' --include='include/**/' \
		--exclude='*' "$ROOT/" "$d/" &&
	printf '%s' "$d"
}

# build NAME KDIR MAKE-ARGS...: clean out-of-tree build of a copy; the
# findings are every warning/error line of the compiler, sparse or modpost.
build_check() {
	local name=$1 kdir=$2 d log
	shift 2
	d=$(copy_tree "$name") || return 1
	log=$OUT/$name.log
	# Always rebuild everything: a warning must not hide in a cached .o.
	make -s -C "$kdir" M="$d" clean > /dev/null 2>&1
	nice -n 19 make -j"$JOBS" -C "$kdir" M="$d" CONFIG_VBOXGUEST=m "$@" \
		modules > "$log" 2>&1
	local rc=$?
	grep -E 'warning:|error:|WARNING:|ERROR:' "$log" |
		sed "s|$d/||g" > "$log.findings"
	if [ "$rc" != 0 ] && ! [ -s "$log.findings" ]; then
		tail -20 "$log" | sed "s|$d/||g" > "$log.findings"
	fi
	findings "$name" "$log.findings"
}

mkdir -p "$OUT" || exit 1
echo "KTAP version 1"
echo "1..5"
echo "# lint: ${#FILES[@]} files against $KDIR"

if lint_scripts; then
	: > "$OUT/checkpatch.findings"
	for f in "${FILES[@]}"; do
		perl "$SCRIPTS/checkpatch.pl" --strict --no-tree --terse \
			--show-types -f "$f" 2>&1 |
			grep -v '^total: ' >> "$OUT/checkpatch.findings"
	done
	findings checkpatch "$OUT/checkpatch.findings"
	result "checkpatch --strict" $?

	: > "$OUT/kernel-doc.findings"
	for f in "${FILES[@]}"; do
		perl "$SCRIPTS/kernel-doc" -none "$f" >> "$OUT/kernel-doc.findings" 2>&1
	done
	# The Documentation/ABI entries (it reports on stderr, exits 0).
	perl "$SCRIPTS/get_abi.pl" --dir "$ROOT/Documentation/ABI" validate \
		>> "$OUT/kernel-doc.findings" 2>&1
	findings kernel-doc "$OUT/kernel-doc.findings"
	result "kernel-doc -none, Documentation/ABI" $?
else
	result "checkpatch --strict" 1 "no scripts from $SRC_TAR"
	result "kernel-doc -none, Documentation/ABI" 1 "no scripts from $SRC_TAR"
fi

if [ -d "$KDIR" ]; then
	build_check w1 "$KDIR" W=1
	result "W=1 build" $?
	build_check sparse "$KDIR" C=2
	result "sparse C=2 build" $?
	if clang_tree; then
		# With the tracepoints (the other builds are the default).
		build_check clang "$CLANG_TREE" LLVM=1 W=1 CONFIG_VBOXGUEST_TRACING=y
		result "clang LLVM=1 W=1 build, CONFIG_VBOXGUEST_TRACING=y" $?
	else
		result "clang LLVM=1 W=1 build" 1 "cannot prepare $CLANG_TREE"
	fi
else
	for t in "W=1 build" "sparse C=2 build" "clang LLVM=1 build"; do
		result "$t" 1 "$KDIR missing"
	done
fi

echo "# lint: $PASS passed, $FAIL failed"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
exit
}
