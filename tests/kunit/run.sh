#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make kunit: the driver's KUnit suites (vboxguest_*) on the debug kernel.
#
# Brings the debug kernel up to date (tests/vm/debug-kernel.sh: only what
# changed is rebuilt), then boots it under the host's qemu-system-x86_64
# with the tree's tools/testing/kunit/kunit.py and parses the KTAP.  The
# last line is "N passed, N failed[, N skipped]" (parameterised cases
# counted one by one); the exit status is non-zero on any failure.
set -uo pipefail
# One brace group: bash reads all of it before running any, so editing this
# file cannot break a run in progress.
{
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
ROOT=$PWD
VBG_CACHE=${VBG_CACHE:-/var/cache/vboxguest-rig}
DEBUG=$VBG_CACHE/debug
B=$DEBUG/build
LOG=$ROOT/build/kunit
GLOB=${VBG_KUNIT_GLOB:-vboxguest*}
. tests/vm/lib.sh
. tests/ktap.sh
. tests/kunit/lib.sh

fail() {
	echo "[kunit] error: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

command -v qemu-system-x86_64 > /dev/null ||
	fail "qemu-system-x86_64 missing (make deps installs qemu-system-x86)"
bash tests/vm/debug-kernel.sh || fail "the debug kernel does not build"
SRC=$(ls -1d "$DEBUG"/linux-source-*/ 2>/dev/null | sort -V | tail -1)
SRC=${SRC%/}
[ -f "$SRC/tools/testing/kunit/kunit.py" ] || fail "no kunit.py in $SRC"

mkdir -p "$LOG"
# kunit.py needs its qemu config and a .kunitconfig in the build dir; the
# configuration itself was made by debug-kernel.sh.
cd "$SRC" || exit 1
# kunit.py asks QEMU for KVM first; nested KVM on this kind of machine
# fails with an emulation error instead of falling back, so QEMU gets a
# mount namespace in which /dev/kvm is /dev/null and uses TCG.
timeout 900 unshare -m sh -c '[ -e /dev/kvm ] && mount --bind /dev/null /dev/kvm
	exec "$@"' sh python3 tools/testing/kunit/kunit.py exec --arch x86_64 \
	--build_dir "$B" --timeout 600 --raw_output=all "$GLOB" \
	> "$LOG/raw.log" 2>&1
rc=$?
# The KTAP part, parsed and shown the way kunit.py shows it.
python3 tools/testing/kunit/kunit.py parse "$LOG/raw.log" > "$LOG/parsed.log" 2>&1
cat "$LOG/parsed.log"
# Anything alarming in the kernel log while the tests ran fails the run:
# the pattern every scanner shares (tests/alarms.txt), plus kmemleak's own
# report (here nothing but the driver's tests runs).  Also what the fake
# host says (its WARN on a request that arrives after its test ended).
alarm="$(vbg_alarm_re)|kmemleak: [0-9]+ new suspected memory leak"
san=$(grep -E "$alarm" "$LOG/raw.log" || true)
counts=$(kunit_counts "$LOG/parsed.log") ||
	fail "no test results (kunit.py exit $rc); see build/kunit/raw.log"
read -r passed failed skipped <<< "$counts"
if [ -n "$san" ]; then
	echo "# kunit: sanitizer or warning reports in the kernel log:"
	printf '%s\n' "$san" | head -20 | sed 's/^/# /'
	failed=$((failed + 1))
fi
ktap_summary "${passed:-0}" "$failed" "${skipped:-0}"
exit
}
