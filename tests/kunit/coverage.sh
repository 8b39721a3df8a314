#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make coverage: line coverage of the driver on the debug kernel (gcov),
# over the KUnit suites and the VM suite.
#
#   1. make debug-kernel (the driver's objects are built with gcov).
#   2. KUnit: the debug kernel boots under the host's QEMU with
#      kunit.enable=1 and a small initramfs that prints the driver's .gcda
#      counters (base64) on the console after the suites ran.
#   3. The VM suite: make check-vm DRIVER=ours KERNEL=debug; its /init
#      prints the counters the same way at the end of every boot.  With
#      VBG_COVERAGE_VM_LOGS=DIR (make check: the vm-debug component's run)
#      the counters are taken from DIR/boot*.console.log instead of a
#      second boot of the suite.
#   4. All counters are merged (gcov-tool) and gcov reports each file.
# The last line is "N passed, N failed": one case for each run (the KUnit
# boot: every suite ran and passed, no alarm of tests/alarms.txt in its
# log; the VM suite: no failure), then one case per driver file, passed
# when its line coverage is at least the file's floor in tests/floors.txt
# ("coverage FILE PERCENT"; VBG_COVERAGE_MIN overrides every floor).  A
# file without a floor fails.  The goal is 90% for every file.
set -uo pipefail
# One brace group: bash reads all of it before running any, so editing this
# file cannot break a run in progress.
{
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
ROOT=$PWD
VBG_CACHE=${VBG_CACHE:-/var/cache/vboxguest-rig}
DEBUG=$VBG_CACHE/debug
B=$DEBUG/build
OUT=$ROOT/build/coverage
MIN=${VBG_COVERAGE_MIN:-}
FLOORS=$ROOT/tests/floors.txt
. tests/vm/lib.sh
. tests/ktap.sh
SKIP_VM=${VBG_COVERAGE_SKIP_VM:-0}

fail() {
	echo "[coverage] error: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}
say() { printf '[coverage] %s\n' "$*"; }

bash tests/vm/debug-kernel.sh || fail "the debug kernel does not build"
SRC=$(ls -1d "$DEBUG"/linux-source-*/ 2>/dev/null | sort -V | tail -1)
SRC=${SRC%/}
OBJ=$B/drivers/virt/vboxguest
ls "$OBJ"/vboxguest_core.gcno > /dev/null 2>&1 ||
	fail "no .gcno in $OBJ: the driver was not built with gcov"
rm -rf "$OUT" && mkdir -p "$OUT/runs" "$OUT/snap" || exit 1
# The kernel and its notes files, copied together under the build lock:
# the shared tree may be rebuilt by someone else meanwhile.
flock "$DEBUG/.lock" cp "$B/arch/x86/boot/bzImage" "$OBJ"/vboxguest_*.gcno \
	"$OUT/snap/" || fail "cannot copy the kernel and its .gcno files"

# extract LOG DIR: the "# vbg-gcov" blocks of a console log into DIR.
extract() {
	local log=$1 dir=$2
	mkdir -p "$dir"
	tr -d '\r' < "$log" | awk -v dir="$dir" '
		/# vbg-gcov-file: / { f = dir "/" $NF ".b64"; printf "" > f; next }
		/# vbg-gcov: / && f != "" { sub(/.*# vbg-gcov: /, ""); print >> f; next }
		/# vbg-gcov-end/ { f = "" }'
	for f in "$dir"/*.b64; do
		[ -e "$f" ] || continue
		base64 -d < "$f" > "${f%.b64}" && rm -f "$f"
	done
}

# 2. KUnit.
say "KUnit boot with gcov"
ird=$OUT/initramfs
mkdir -p "$ird"/{bin,proc,sys,dev}
cp "$(command -v busybox)" "$ird/bin/busybox"
for a in sh mount find base64 sed poweroff sleep cat; do
	ln -sf busybox "$ird/bin/$a"
done
cat > "$ird/init" <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
for f in $(find /sys/kernel/debug/gcov -name 'vboxguest_*.gcda'); do
	echo "# vbg-gcov-file: ${f##*/}"
	base64 < "$f" | sed 's/^/# vbg-gcov: /'
done
echo "# vbg-gcov-end"
poweroff -f
EOF
chmod +x "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/kunit.cpio.gz" ||
	fail "initramfs"
timeout 900 qemu-system-x86_64 -accel tcg -m 1024 -smp 2 -nodefaults -nographic \
	-no-reboot -serial stdio -kernel "$OUT/snap/bzImage" \
	-initrd "$OUT/kunit.cpio.gz" \
	-append "console=ttyS0 panic=-1 kunit.enable=1 kunit.filter_glob=vboxguest*" \
	< /dev/null > "$OUT/kunit.console.log" 2>&1
grep -E '^ *(ok|not ok) [0-9]+ vboxguest_' "$OUT/kunit.console.log" | sed 's/^/# /'
extract "$OUT/kunit.console.log" "$OUT/runs/kunit"
# The runs are cases too: counters of a run that failed do not count as
# coverage of working code.  RUNS: "name<TAB>result" ("ok" or the reason).
RUNS=()
# Console lines may carry a printk time stamp.
kl=$(tr -d '\r' < "$OUT/kunit.console.log" | sed 's/^\[ *[0-9.]*\] //')
kalarm=$(grep -v '# vbg-gcov' <<< "$kl" | grep -E "$(vbg_alarm_re)" | head -5)
if ! grep -qE '^ *ok [0-9]+ vboxguest_' <<< "$kl"; then
	RUNS+=("kunit_run	no suite passed (see build/coverage/kunit.console.log)")
elif grep -qE '^ *not ok [0-9]+ ' <<< "$kl"; then
	RUNS+=("kunit_run	$(grep -cE '^ *not ok [0-9]+ ' <<< "$kl") KUnit result(s) not ok")
elif [ -n "$kalarm" ]; then
	printf '%s\n' "$kalarm" | sed 's/^/# kunit alarm: /'
	RUNS+=("kunit_run	alarm in the kernel log")
else
	RUNS+=("kunit_run	ok")
fi

# 3. The VM suite: its boots' console logs, from make check's vm-debug run
# (VBG_COVERAGE_VM_LOGS: the counters carry the build's stamp, checked
# below) or from a boot of the suite here.
logs=${VBG_COVERAGE_VM_LOGS:-}
if [ -n "$logs" ]; then
	# make check's vm-debug run: its summary line is the run's result.
	vmline=${VBG_COVERAGE_VM_LINE:-}
	echo "# vm suite (make check's vm-debug): ${vmline:-no summary line}"
	if grep -qE '^[0-9]+ passed, 0 failed.* 0$' <<< "$vmline"; then
		RUNS+=("vm_suite	ok")
	else
		RUNS+=("vm_suite	failed (vm-debug: ${vmline:-no summary line})")
	fi
elif [ "$SKIP_VM" != 1 ]; then
	say "VM suite on the debug kernel"
	VBG_DEBUG_VMLINUZ=$OUT/snap/bzImage \
		bash tests/vm/run.sh --driver ours --kernel debug > "$OUT/vm.log" 2>&1
	vmrc=$?
	vmline=$(tail -1 "$OUT/vm.log")
	echo "# vm suite: $vmline"
	if [ "$vmrc" = 0 ] && grep -qE '^[0-9]+ passed, 0 failed' <<< "$vmline"; then
		RUNS+=("vm_suite	ok")
	else
		RUNS+=("vm_suite	failed (exit $vmrc: $vmline; see build/coverage/vm.log)")
	fi
	# This run's log directory (build/vm/*-latest may be another run's).
	logs=$(sed -n 's/^logs: \(.*\)\/$/\1/p' "$OUT/vm.log" | tail -1)
	[ -n "$logs" ] || fail "the VM suite named no log directory"
	logs=$ROOT/$logs
fi
if [ -n "$logs" ]; then
	say "VM suite counters from ${logs#"$ROOT"/}"
	n=0
	for log in "$logs"/boot*.console.log; do
		[ -e "$log" ] || continue
		n=$((n + 1))
		extract "$log" "$OUT/runs/vm$n"
	done
	[ "$n" -gt 0 ] || fail "no console logs in $logs"
else
	RUNS+=("vm_suite	SKIP VBG_COVERAGE_SKIP_VM=1")
fi

# 4. Merge and report; counters of another build (stamp) are left out.
stamp() { od -A n -t x4 -j 8 -N 4 "$1" | tr -d ' '; }
want=$(stamp "$OUT/snap/vboxguest_core.gcno")
merged=
for d in "$OUT"/runs/*/; do
	d=${d%/}
	ls "$d"/*.gcda > /dev/null 2>&1 || continue
	if [ "$(stamp "$d/vboxguest_core.gcda")" != "$want" ]; then
		echo "# ${d##*/}: counters of another build, left out"
		continue
	fi
	if [ -z "$merged" ]; then
		merged=$OUT/merged.0
		cp -r "$d" "$merged"
	else
		gcov-tool merge -o "$merged.n" "$merged" "$d" > /dev/null 2>&1 ||
			fail "gcov-tool merge $d"
		rm -rf "$merged" && mv "$merged.n" "$merged"
	fi
done
[ -n "$merged" ] || fail "no coverage counters were collected"
cp "$OUT"/snap/vboxguest_*.gcno "$merged/"
P=0
F=0
S=0
FILES=(vboxguest_core vboxguest_utils vboxguest_linux)
echo "KTAP version 1"
echo "1..$((${#RUNS[@]} + ${#FILES[@]}))"
i=0
for r in "${RUNS[@]}"; do
	i=$((i + 1))
	case ${r#*	} in
	ok) echo "ok $i ${r%%	*}"; P=$((P + 1)) ;;
	SKIP*) echo "ok $i ${r%%	*} # ${r#*	}"; S=$((S + 1)) ;;
	*) echo "not ok $i ${r%%	*} # ${r#*	}"; F=$((F + 1)) ;;
	esac
done
for f in "${FILES[@]}"; do
	i=$((i + 1))
	pct=$(cd "$merged" && gcov -n -o . "$SRC/drivers/virt/vboxguest/$f.c" 2>/dev/null |
	      awk -v f="$f.c" '$0 ~ "File .*" f "\x27" { getline; sub(/.*:/, ""); print; exit }')
	[ -n "$pct" ] || pct="no data"
	floor=${MIN:-$(awk -v f="$f.c" '$1 == "coverage" && $2 == f { print $3 }' "$FLOORS" 2>/dev/null)}
	echo "# $f.c: lines executed $pct (floor ${floor:-none}%, goal 90%)"
	p=${pct%%%*}
	if [ -z "$floor" ]; then
		echo "not ok $i $f.c # no floor in tests/floors.txt"
		F=$((F + 1))
	elif [ "$pct" != "no data" ] &&
	     awk -v p="$p" -v m="$floor" 'BEGIN { exit !(p >= m) }'; then
		echo "ok $i $f.c"
		P=$((P + 1))
	else
		echo "not ok $i $f.c # below its floor of $floor%"
		F=$((F + 1))
	fi
done
ktap_summary "$P" "$F" "$S"
exit
}
