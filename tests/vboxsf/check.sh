#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make vboxsf-check: the in-tree vboxsf of Debian's linux-source-6.1, built
# unmodified against our headers and our Module.symvers, then loaded on our
# driver in the VM.
#
#   1. make modules (our vboxguest.ko and Module.symvers);
#   2. extract only fs/vboxsf from /usr/src/linux-source-6.1.tar.xz into
#      build/vboxsf/src; the only file added there is a Kbuild wrapper that
#      puts our include/ and include/uapi/ in front of the kernel's headers
#      and then includes the unmodified fs/vboxsf/Makefile;
#   3. build it with KBUILD_EXTRA_SYMBOLS=our Module.symvers and check that
#      the sources are byte-identical to the tarball's, that our headers
#      were the ones compiled in, and that modpost resolved every symbol;
#   4. build tests/vboxsf/kapi/vbg_kapi_test.ko (the exported HGCM API
#      with kmalloc, vmalloc and empty kernel buffers against "vbgtest");
#   5. boot the VM with our driver, vboxsf.ko and vbg_kapi_test.ko
#      (VBG_EXTRA_MODULES) and the emulator's two shares (sf read-write,
#      sfro read-only, under build/vboxsf/share) and run
#      tests/vboxsf/t_vboxsf (the kernel API cases passed with the buffer
#      types the emulator saw; vboxsf loaded, linked to vboxguest, a mount
#      reaching the emulator) and t_sf (the file-system tests, unmount,
#      rmmod of both modules); then check on the host what the guest
#      wrote (the 64 MiB out.bin's SHA-256 against the guest's);
#   6. the same t_sf and host checks on the reference stack: Debian's
#      prebuilt vboxguest.ko and vboxsf.ko; case results that differ
#      between the stacks are listed;
#   7. t_sf and the host checks on the debug kernel (make debug-kernel:
#      KASAN, UBSAN, lockdep, kmemleak), where our driver and the tree's
#      own vboxsf (unmodified, CONFIG_VBOXSF_FS=y in
#      tests/kunit/debug.config) are built in: /init scans kmemleak (a
#      leak traced to the driver or vboxsf fails) and checks the kernel
#      log against tests/alarms.txt (dmesg_clean).  rmmod_both skips
#      there (built in); t_vboxsf stays with step 5: that kernel loads no
#      modules, so there is no vbg_kapi_test.ko for it.
#
# --build-only: steps 1-3 (make bench builds its vboxsf.ko so).
# KTAP on stdout; the exit status is non-zero on any failure.
set -uo pipefail
BUILD_ONLY=0
[ "${1:-}" = --build-only ] && BUILD_ONLY=1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VBG_CACHE=${VBG_CACHE:-/var/cache/vboxguest-rig}
KVER=${KVER:-$(readlink "$VBG_CACHE/kernel/current" 2>/dev/null)}
KDIR=${KDIR:-/usr/src/linux-headers-$KVER}
SRC_TAR=${SRC_TAR:-/usr/src/linux-source-6.1.tar.xz}
TAR_DIR=linux-source-6.1/fs/vboxsf
B=$ROOT/build/vboxsf
SRC=$B/src
LOG=$B/build.log
. "$ROOT/tests/ktap.sh"

echo "KTAP version 1"
mkdir -p "$B" || exit 1
[ -n "$KVER" ] && [ -d "$KDIR" ] || { echo "# no kernel headers ($KDIR): make deps"; result 1 headers; finish; }
[ -f "$SRC_TAR" ] || { echo "# $SRC_TAR missing: apt-get install linux-source-6.1"; result 1 source; finish; }

# 1. Our module and its exports.
if make -C "$ROOT" modules KVER="$KVER" > "$LOG" 2>&1 &&
   [ -f "$ROOT/Module.symvers" ]; then
	result 0 "our module builds (Module.symvers)"
else
	tail -20 "$LOG" | sed 's/^/# /'
	result 1 "our module builds"
	finish
fi
grep -E '\svbg_(get|put)_gdev|\svbg_hgcm_|\svbg_status_code_to_errno' \
	"$ROOT/Module.symvers" | awk '{ print "# export: " $2 " " $1 }'

# 2. Only fs/vboxsf of the source tarball.
rm -rf "$SRC" "$B/orig"
mkdir -p "$SRC" "$B/orig"
if tar -C "$B/orig" -xJf "$SRC_TAR" "$TAR_DIR" 2>> "$LOG"; then
	cp -a "$B/orig/$TAR_DIR/." "$SRC/"
	result 0 "extract $TAR_DIR"
else
	result 1 "extract $TAR_DIR"
	finish
fi
cat > "$SRC/Kbuild" <<EOF
# Added by tests/vboxsf/check.sh: our headers first, then the unmodified
# fs/vboxsf/Makefile.
LINUXINCLUDE := -I$ROOT/include -I$ROOT/include/uapi \$(LINUXINCLUDE)
include \$(src)/Makefile
EOF

# 3. Build it against our headers and exports.
if make -C "$KDIR" M="$SRC" CONFIG_VBOXSF_FS=m \
	KBUILD_EXTRA_SYMBOLS="$ROOT/Module.symvers" modules >> "$LOG" 2>&1 &&
   [ -f "$SRC/vboxsf.ko" ]; then
	result 0 "vboxsf builds against our headers and Module.symvers"
else
	grep -E 'error|warning' "$LOG" | head -20 | sed 's/^/# /'
	result 1 "vboxsf builds against our headers and Module.symvers"
	finish
fi
grep -E 'WARNING: modpost' "$LOG" | sed 's/^/# /'
! grep -q 'WARNING: modpost' "$LOG"
result $? "modpost resolved every symbol"

# Unmodified: every source file equals the tarball's.
diff -r -x Kbuild -x '*.o' -x '*.ko' -x '*.mod*' -x '.*' -x modules.order \
	-x Module.symvers "$B/orig/$TAR_DIR" "$SRC" > "$B/diff" 2>&1
result $? "sources identical to $TAR_DIR" "$(head -3 "$B/diff" | tr '\n' ' ')"

# Our headers are the ones compiled in (kbuild's dependency records).
ok=0
for h in include/linux/vbox_utils.h include/uapi/linux/vbox_vmmdev_types.h \
	 include/uapi/linux/vbox_err.h; do
	if grep -q "$ROOT/$h" "$SRC/.vboxsf_wrappers.o.cmd"; then
		echo "# vboxsf_wrappers.o used $h"
	else
		echo "# vboxsf_wrappers.o did not use our $h"
		ok=1
	fi
done
! grep -q "$KDIR.*/include/linux/vbox_utils.h\|linux-headers-.*/include/linux/vbox_utils.h" \
	"$SRC/.vboxsf_wrappers.o.cmd" || ok=1
result $ok "vboxsf compiled with our include/ (vbox_utils.h, uapi)"
[ "$BUILD_ONLY" = 0 ] || finish

deps=$(modinfo -F depends "$SRC/vboxsf.ko")
echo "# vboxsf.ko depends: $deps; vermagic: $(modinfo -F vermagic "$SRC/vboxsf.ko")"
[ "$deps" = vboxguest ]
result $? "vboxsf.ko depends on vboxguest only"

# The exported API with kernel buffers: vbg_kapi_test.ko, built the same
# way (its own copy under build/, so the tree stays clean).
rm -rf "$B/kapi"
cp -a "$ROOT/tests/vboxsf/kapi" "$B/kapi"
if make -C "$KDIR" M="$B/kapi" VBG_ROOT="$ROOT" \
	KBUILD_EXTRA_SYMBOLS="$ROOT/Module.symvers" modules >> "$LOG" 2>&1 &&
   [ -f "$B/kapi/vbg_kapi_test.ko" ] && ! grep -q 'WARNING: modpost' "$LOG"; then
	result 0 "vbg_kapi_test.ko builds"
else
	grep -E 'error|warning|WARNING' "$LOG" | head -20 | sed 's/^/# /'
	result 1 "vbg_kapi_test.ko builds"
	finish
fi

# 5. In the VM: our driver with this vboxsf.ko and vbg_kapi_test.ko
# (t_vboxsf, then t_sf), then the reference stack, Debian's prebuilt
# vboxguest.ko and vboxsf.ko (t_sf only: vbg_kapi_test.ko is built against
# our exports).  Each boot gets fresh shares (share_setup); after it the
# runner checks on the host what the guest wrote (share_check).
REF_SF=$VBG_CACHE/kernel/$KVER/root/lib/modules/$KVER/kernel/fs/vboxsf/vboxsf.ko
SHARE=$B/share

# share_setup: sf (read-write: in.bin, 64 MiB of random bytes, and its
# SHA-256 in in.sha256) and sfro (read-only: hello.txt, dir/).
share_setup() {
	rm -rf "$SHARE"
	mkdir -p "$SHARE/sf" "$SHARE/sfro/dir" || return 1
	head -c $((64 << 20)) /dev/urandom > "$SHARE/sf/in.bin" || return 1
	sha256sum "$SHARE/sf/in.bin" | cut -c1-64 | tr -d '\n' > "$SHARE/sf/in.sha256"
	printf 'hello from the host\n' > "$SHARE/sfro/hello.txt"
	chmod -R a-w "$SHARE/sfro"
}

# share_check LABEL LOG: out.bin on the host has the checksum the guest
# printed, in.bin is unchanged, nothing the tests removed is left, and the
# read-only share is as it was.
share_check() {
	local label=$1 log=$2 guest host left ok=0
	guest=$(grep -o 'vboxsf-sha256 out.bin [0-9a-f]*' "$log" | tail -1 | awk '{ print $3 }')
	host=$(sha256sum "$SHARE/sf/out.bin" 2>/dev/null | cut -c1-64)
	echo "# $label: out.bin guest $guest, host ${host:-missing}"
	[ -n "$guest" ] && [ "$guest" = "$host" ]
	result $? "$label: 64 MiB out.bin on the host has the guest's SHA-256"
	[ "$(sha256sum < "$SHARE/sf/in.bin" | cut -c1-64)" = "$(cat "$SHARE/sf/in.sha256")" ]
	result $? "$label: in.bin unchanged on the host"
	left=$(find "$SHARE/sf" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort |
	       grep -vxE 'in.bin|in.sha256|out.bin|a.txt|b.bin|app.txt|t.bin' | tr '\n' ' ')
	[ -z "$left" ] || ok=1
	[ "$(cat "$SHARE/sf/app.txt" 2>/dev/null)" = "one,two" ] || ok=1
	[ "$(cat "$SHARE/sf/a.txt" 2>/dev/null)" = "hello VBOXsf" ] || ok=1
	echo "# $label: left in sf: ${left:-nothing unexpected}"
	result $ok "$label: the host directory holds what the guest left"
	[ "$(find "$SHARE/sfro" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ')" = "dir hello.txt " ] &&
	[ "$(cat "$SHARE/sfro/hello.txt")" = "hello from the host" ]
	result $? "$label: the read-only share is untouched"
}

# vm_run LABEL LOG run.sh-arguments...: one VM run; its cases as ours.
vm_run() {
	local label=$1 log=$2 st
	shift 2
	if ! share_setup; then
		result 1 "$label: shares set up"
		return
	fi
	VBG_EMU_ARGS="--share sf=$SHARE/sf --share sfro=$SHARE/sfro,ro" \
		VBG_GUEST_DIR="$ROOT/tests/vboxsf" \
		bash "$ROOT/tests/vm/run.sh" --timeout 600 "$@" > "$log" 2>&1
	st=$?
	grep -E '^ok|^not ok|^    (ok|not ok|#)|insmod|summary|passed' "$log" | sed "s/^/# $label: /"
	result $st "$label: the guest suite passed (tests/vboxsf/t_*.c)"
	share_check "$label" "$log"
}

echo "# booting the VM: our vboxguest.ko, then vboxsf.ko and vbg_kapi_test.ko"
VBG_EXTRA_MODULES="$SRC/vboxsf.ko $B/kapi/vbg_kapi_test.ko" \
	vm_run ours "$B/vm.log" --driver ours

if [ -f "$REF_SF" ]; then
	echo "# booting the VM: Debian's vboxguest.ko and $REF_SF"
	VBG_EXTRA_MODULES="$REF_SF" vm_run reference "$B/vm-ref.log" \
		--driver reference --suite t_sf
else
	result 1 "reference: $REF_SF exists (make deps)"
fi

# Differences between the stacks, case by case.  KNOWN_DIFF holds the
# ones explained (case -> reason); none are known today: both stacks pass
# every t_sf case.  Any other difference fails.
declare -A KNOWN_DIFF=()
cases() {	# cases LOG: "name ok|not-ok" lines of t_sf
	sed -n '/# Subtest: t_sf/,/^ok\|^not ok/p' "$1" 2>/dev/null |
		awk '/^    (ok|not ok) [0-9]+ / { print ($1 == "not" ? $4 " not-ok" : $3 " ok") }'
}
if [ -f "$B/vm-ref.log" ]; then
	unexplained=0
	while read -r name o r; do
		[ "$o" = "$r" ] && continue
		if [ -n "${KNOWN_DIFF[$name]:-}" ]; then
			echo "# ours<>reference: $name: ours $o, reference $r: ${KNOWN_DIFF[$name]}"
		else
			echo "# ours<>reference: $name: ours $o, reference $r: not explained"
			unexplained=1
		fi
	done < <(join -a1 -a2 -e missing -o 0,1.2,2.2 <(cases "$B/vm.log" | sort) \
		 <(cases "$B/vm-ref.log" | sort))
	echo "# ours: $(cases "$B/vm.log" | grep -c ' ok$') of $(cases "$B/vm.log" | wc -l) t_sf cases passed;" \
	     "reference: $(cases "$B/vm-ref.log" | grep -c ' ok$') of $(cases "$B/vm-ref.log" | wc -l)"
	result $unexplained "ours and the reference stack agree on every t_sf case (or the difference is explained)"
fi

# 7. The debug kernel (built by run.sh if our files changed).
echo "# booting the debug kernel: our driver and the tree's vboxsf built in"
vm_run debug "$B/vm-debug.log" --driver ours --kernel debug --suite t_sf
grep -E '^# (vbg-init: kmemleak|kmemleak):' "$B/vm-debug.log" | sed 's/^/# debug: /'
grep -q '^# vbg-init: kmemleak: [0-9]* suspected' "$B/vm-debug.log"
result $? "debug: kmemleak scanned after t_sf"
finish
