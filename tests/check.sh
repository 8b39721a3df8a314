#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Everything this project checks, in order, for `make check` and CI:
#   emu      make emu-check              the emulator's unit tests
#   abi      make abi-check              if the Makefile has that target
#   lint     make lint                   checkpatch, kernel-doc, W=1, sparse, clang
#   kunit    make kunit                  KUnit on the debug kernel (builds it)
#   vm-ref   make check-vm DRIVER=reference
#   vm-ours  make check-vm DRIVER=ours   if vboxguest_core.c is in the tree
#   vboxsf   make vboxsf-check           the in-tree vboxsf on our driver
#   bench    make bench-smoke            make bench's short form, no timings
#   vm-arm64 make check-vm ARCH=arm64 DRIVER=ours   Debian's arm64 kernel
#   vm-debug make check-vm DRIVER=ours KERNEL=debug   the same, debug kernel
#   coverage make coverage               gcov line coverage >= 85% (core, utils)
#   faults   make faults-short           host faults, short form (distro kernel)
#   lifecycle make lifecycle-short       5 rmmod/insmod + 3 PCI remove/rescan
#                                        cycles, distro and debug kernels
#   install  make install-check          dkms and make install into a module
#                                        tree, modprobe by PCI alias in the VM
# Each component's last "N passed, N failed[, N skipped]" line is collected;
# a component that fails, exits non-zero or prints no such line fails the
# whole.  So does one that passed fewer cases than its floor in
# tests/floors.txt ("passed COMPONENT N": a suite that shrank or silently
# skipped), one without a floor, and a floor whose component did not run.
# Prints a table and ends with the summed line.  No terminal needed.
# VBG_CHECK_BUDGET (seconds, default 4800: CI stops a run at 90 minutes) bounds the
# whole: a component still running when it is used up is stopped and
# fails, and the table is still printed.
set -uo pipefail

# One brace group: bash reads all of it before running any, so editing this
# file cannot break a check in progress.
{
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

export TERM=${TERM:-dumb}
# ktap_line: the summary line, also as the tail of a diagnostic
# ("# abi-check: ..."); ktap_summary: the last line.
. tests/ktap.sh
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vbg-check.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'echo "[check] interrupted" >&2; exit 130' INT TERM HUP

MK=(make --no-print-directory)
NAMES=()
declare -A CMD RESULT SECS

add() { NAMES+=("$1"); CMD[$1]=$2; }

add emu "emu-check"
# A target without a rule prints "Nothing to be done" under -n.
if out=$("${MK[@]}" -n abi-check 2>&1) && [ -n "$out" ] &&
   ! grep -q "Nothing to be done\|No rule to make" <<< "$out"; then
	add abi "abi-check"
fi
add lint "lint"
[ -f vboxguest_core.c ] && add kunit "kunit"
add vm-ref "check-vm DRIVER=reference"
[ -f vboxguest_core.c ] && add vm-ours "check-vm DRIVER=ours"
[ -f tests/vboxsf/check.sh ] && add vboxsf "vboxsf-check"
# make bench's short form: every figure once, no timing asserted.
[ -f tests/bench/bench.sh ] && add bench "bench-smoke"
# The guest suite on Debian's arm64 kernel, BAR3 only (make deps-arm64).
[ -f tests/vm/deps-arm64.sh ] && add vm-arm64 "check-vm ARCH=arm64 DRIVER=ours"
[ -f vboxguest_core.c ] && add vm-debug "check-vm DRIVER=ours KERNEL=debug"
[ -f tests/kunit/coverage.sh ] && add coverage "coverage"
[ -f tests/faults/run.sh ] && add faults "faults-short"
[ -f tests/lifecycle/run.sh ] && add lifecycle "lifecycle-short"
[ -f tests/install/check.sh ] && add install "install-check"

TP=0 TF=0 TS=0 BAD=0
declare -A FLOOR
while read -r kind comp n _; do
	[ "$kind" = passed ] && FLOOR[$comp]=$n
done < tests/floors.txt
BUDGET=${VBG_CHECK_BUDGET:-4800}
case $BUDGET in ''|*[!0-9]*) BUDGET=4800 ;; esac
END=$((${EPOCHREALTIME%.*} + BUDGET))
for n in "${NAMES[@]}"; do
	echo "=== [check] $n: make ${CMD[$n]} ==="
	t0=$EPOCHREALTIME
	left=$((END - ${t0%.*}))
	if [ "$left" -le 0 ]; then
		RESULT[$n]="not run: VBG_CHECK_BUDGET=$BUDGET s used up"
		SECS[$n]=0
		BAD=1
		continue
	fi
	# timeout sends TERM to the make (the VM runner tears its VM down on
	# TERM), KILL 30 s later.
	# shellcheck disable=SC2086
	timeout -k 30 "$left" "${MK[@]}" ${CMD[$n]} < /dev/null 2>&1 |
		tee "$TMP/$n.log"
	rc=${PIPESTATUS[0]}
	SECS[$n]=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		RESULT[$n]="stopped after ${SECS[$n]} s (VBG_CHECK_BUDGET=$BUDGET s)"
		BAD=1
		continue
	fi
	# make coverage takes its VM half from this run's gcov dumps instead
	# of booting the debug suite a second time.
	if [ "$n" = vm-debug ]; then
		logs=$(tr -d '\r' < "$TMP/$n.log" | sed -n 's/^logs: \(.*\)\/$/\1/p' | tail -1)
		[ -z "$logs" ] || export VBG_COVERAGE_VM_LOGS=$PWD/$logs
	fi
	line=$(ktap_line "$TMP/$n.log")
	[ "$n" != vm-debug ] || export VBG_COVERAGE_VM_LINE="$line $rc"
	if ! read -r p f s < <(ktap_totals "$TMP/$n.log"); then
		RESULT[$n]="no summary line (exit $rc)"
		BAD=1
		continue
	fi
	TP=$((TP + p)) TF=$((TF + f)) TS=$((TS + s))
	RESULT[$n]=$line
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		RESULT[$n]="$line (but exit $rc)"
		BAD=1
	fi
	[ "$f" = 0 ] || BAD=1
	if [ -z "${FLOOR[$n]:-}" ]; then
		RESULT[$n]="$line (no floor in tests/floors.txt)"
		BAD=1
	elif [ "$p" -lt "${FLOOR[$n]}" ]; then
		RESULT[$n]="$line (below its floor of ${FLOOR[$n]} passed)"
		BAD=1
	fi
done
# A component with a floor that was not run at all.
for n in "${!FLOOR[@]}"; do
	[ -n "${CMD[$n]:-}" ] && continue
	NAMES+=("$n")
	CMD[$n]="(not in this check)"
	SECS[$n]=0
	RESULT[$n]="not run, but tests/floors.txt expects ${FLOOR[$n]} passed"
	BAD=1
done

echo
echo "=== [check] summary ==="
printf '%-9s %-30s %6s  %s\n' component command secs result
for n in "${NAMES[@]}"; do
	printf '%-9s %-30s %6s  %s\n' "$n" "make ${CMD[$n]}" "${SECS[$n]}" "${RESULT[$n]}"
done
[ -f vboxguest_core.c ] ||
	echo "(vm-ours not run: our driver, vboxguest_core.c, is not in the tree yet)"
# A component that failed without a failing count still fails the sum.
[ "$BAD" = 1 ] && [ "$TF" = 0 ] && TF=1
ktap_summary "$TP" "$TF" "$TS"
[ "$BAD" = 0 ]
exit
}
