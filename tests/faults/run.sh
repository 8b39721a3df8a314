#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make faults: issue 9 part 2, a catalogue of host faults (the cases and
# their expected outcomes are in tests/guest/t_faults.c).
#
#   run.sh [--short] [--kernel distro|debug]
#
# 1. the distro kernel with our module: t_faults_full (every case; a
#    reload by rmmod/insmod at the end);
# 2. two boots with a device layout the driver must refuse, t_faults_bar:
#    BAR0 missing (emulator --no-ioport, no BAR3) and BAR0 of 8 bytes
#    (--bar0-size 8); the probe at boot fails with one line naming the
#    BARs (suites.txt probe-fails);
# 3. t_faults_oom, a boot of its own: the host asks for a balloon larger
#    than the guest's RAM (it panicked the kernel before the balloon's
#    reserve, see t_faults.c);
# 4. the debug kernel (KASAN, UBSAN, lockdep, kmemleak, hung tasks; the
#    driver built in, rebound through sysfs): t_faults_full again.
# --short (make check): t_faults, the short form, on the distro kernel and
# the BAR0-missing boot.  --kernel runs steps 1-3 (distro) or 4 (debug).
# Each step is tests/vm/run.sh; its summary lines are added up.  The last
# line is "N passed, N failed[, N skipped]".
set -uo pipefail
{
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$ROOT/build/faults
SUITE=t_faults_full
KERNELS="distro debug"
BARS=("--no-ioport" "--bar0-size 8")
OOM=1
while [ $# -gt 0 ]; do
	case $1 in
	--short) SUITE=t_faults; KERNELS=distro; BARS=("--no-ioport"); OOM=0; shift ;;
	--kernel) KERNELS=${2:-}; shift 2 ;;
	*) echo "usage: run.sh [--short] [--kernel distro|debug]" >&2; exit 2 ;;
	esac
done
P=0 F=0 S=0

# step NAME ARGS...: one tests/vm/run.sh run; its cases into the totals.
step() {
	local name=$1 line
	shift
	echo "# faults: $name"
	bash "$ROOT/tests/vm/run.sh" --driver ours "$@" > "$B/$name.log" 2>&1
	grep -E '^    (ok|not ok|#)|^(ok|not ok)' "$B/$name.log" | sed "s/^/# $name: /"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$B/$name.log" | tail -1)
	if [ -z "$line" ]; then
		echo "# faults: $name: no summary line (see ${B#"$ROOT"/}/$name.log)"
		F=$((F + 1))
		return
	fi
	read -r P F S <<< "$(awk -v p="$P" -v f="$F" -v s="$S" \
		'{ print p + $1, f + $3, s + ($5 == "" ? 0 : $5) }' <<< "$line")"
}

mkdir -p "$B"
echo "# faults: $SUITE; logs in ${B#"$ROOT"/}/"
case " $KERNELS " in *" distro "*)
	step distro --suite "$SUITE" --timeout 1500
	for i in "${!BARS[@]}"; do
		VBG_EMU_ARGS="${BARS[$i]}" step "bar$i" --suite t_faults_bar
	done
	[ "$OOM" = 0 ] || step oom --suite t_faults_oom
;; esac
case " $KERNELS " in *" debug "*)
	step debug --kernel debug --suite "$SUITE" --timeout 1500
;; esac

if [ "$S" -gt 0 ]; then
	echo "$P passed, $F failed, $S skipped"
else
	echo "$P passed, $F failed"
fi
[ "$F" = 0 ] && [ "$P" -gt 0 ]
exit
}
