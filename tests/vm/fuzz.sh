#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz: issue 9's ioctl fuzzer (tests/guest/t_fuzz.c), 64-bit then
# 32-bit, then the guest suite, all in one boot of our driver
# (tests/guest/suites-fuzz.txt), on the debug kernel by default (KASAN,
# UBSAN, lockdep, kmemleak; the runner's dmesg scan fails the boot on any
# report).
#
# Environment:
#   FUZZ_SEED     the seed (default: a random one, printed)
#   FUZZ_IOCTLS   fuzzed ioctls per program (default 500000: 1,000,000 in
#                 all over the 64- and 32-bit binaries)
#   FUZZ_RATE     the slowest rate planned for, ioctls/s (default 250): sets
#                 the programs' time limits and the boot's timeout
#   KERNEL        debug (default) or distro
# The last line is "N passed, N failed"; before it, the ioctl count, the
# wall time and the seed.
set -uo pipefail
{
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SEED=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
N=${FUZZ_IOCTLS:-500000}
RATE=${FUZZ_RATE:-250}
KERNEL=${KERNEL:-debug}
case $SEED$N$RATE in *[!0-9xXa-fA-F]*) vbg_die "FUZZ_SEED, FUZZ_IOCTLS, FUZZ_RATE: numbers" ;; esac
case $KERNEL in debug) slow=4 ;; distro) slow=1 ;; *) vbg_die "KERNEL=debug|distro" ;; esac

# The program's limit (seconds, stretched by the runner for the debug
# kernel); the test library accepts up to 3599 s.
limit=$(( (N / RATE + 120 + slow - 1) / slow ))
[ $((limit * slow)) -lt 3600 ] ||
	vbg_die "FUZZ_IOCTLS=$N at $RATE/s does not fit a program's 3599 s: lower FUZZ_IOCTLS"
mkdir -p "$VBG_ROOT/build/vm"
suites=$VBG_ROOT/build/vm/suites-fuzz.$$.txt
sed -E "s/^(t_fuzz (64|32)) limit=[0-9]+/\\1 limit=$limit/" \
	"$VBG_ROOT/tests/guest/suites-fuzz.txt" > "$suites"
# Both fuzzers, then the suite (about 10 min on the debug kernel); the
# runner multiplies the boot timeout by the kernel's slowness.
timeout=$(( 2 * limit + 600 / slow + 200 ))
log=$VBG_ROOT/build/vm/fuzz.$$.log

vbg_say "fuzz: FUZZ_SEED=$SEED FUZZ_IOCTLS=$N per program, kernel $KERNEL," \
	"program limit $((limit * slow)) s"
t0=$(vbg_now)
FUZZ_SEED=$SEED FUZZ_IOCTLS=$N VBG_SUITES=$suites \
	bash "$VBG_ROOT/tests/vm/run.sh" --driver ours --kernel "$KERNEL" \
	--timeout "$timeout" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
rm -f "$suites"
wall=$(vbg_elapsed "$t0")
total=$(awk '/# fuzz-total: / { for (i = 1; i <= NF; i++) if ($i == "fuzz-total:") n += $(i + 1) }
	     END { print n + 0 }' "$log")
echo "fuzz: $total ioctls fuzzed (64- and 32-bit), seed $SEED, wall $wall s" \
     "(boot, fuzzing and the suite after it); log build/vm/${log##*/}"
tail -1 "$log"
exit "$rc"
}
