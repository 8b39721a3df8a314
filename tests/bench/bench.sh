#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: Debian's prebuilt vboxguest.ko (the reference) against ours,
# in one boot of the rig, alternated load by load (reference, ours,
# reference, ours, ...) so that machine noise hits both alike.
#
#   bench.sh [--smoke] [--rounds N] [--ms N] [--sf-mib N] [--sf-prof DEPTH]
#
# --smoke     make check's short form (make bench-smoke): one round, 100 ms
#             per figure, a 16 MiB file; writes build/bench/smoke.{json,svg}
# --rounds N  rounds (default 9); --ms N: measuring window per figure
#             (default 500); --sf-mib N: figure h's file (default 256 MiB)
# --sf-prof DEPTH  instead of the figures: profile figure h's read on
#             -icount shift=0 and -smp 1 (guest ns count instructions), a
#             function_graph DEPTH levels below vbg_hgcm_call; prints the
#             "# prof" lines (vbg_bench.c, sf_profile()); with
#             VBG_QEMU_EXTRA= set empty, without -icount (host CPU)
#
# The guest side is tests/bench/vbg_bench.c (run through tests/vm/run.sh);
# report.py turns its lines into the table (printed), build/bench/latest.json
# and build/bench/latest.svg (gnuplot: ours/reference per figure).  The last
# line is "N passed, N failed": a figure measured for both drivers in every
# round passed, one that could not be measured failed.  No timing is
# asserted.
set -uo pipefail
{
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tests/vm/lib.sh"

SMOKE=0
ROUNDS=
MS=
SF_MIB=
PROF=
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1; shift ;;
	--rounds) ROUNDS=${2:-}; shift 2 ;;
	--ms) MS=${2:-}; shift 2 ;;
	--sf-mib) SF_MIB=${2:-}; shift 2 ;;
	--sf-prof) PROF=${2:-}; shift 2 ;;
	*) sed -n '7,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
for v in "$ROUNDS" "$MS" "$SF_MIB" "$PROF"; do
	case $v in *[!0-9]*) echo "bench.sh: not a number: $v" >&2; exit 2 ;; esac
done

OUT=$ROOT/build/bench
mkdir -p "$OUT" "$ROOT/build/vm"
if [ "$SMOKE" = 1 ]; then
	PROG=vbg_bench_smoke NAME=smoke TIMEOUT=660 CMD="make bench-smoke"
else
	# Figure h moves 2 x 256 MiB through vboxsf a load, at a few MB/s.
	PROG=vbg_bench NAME=latest TIMEOUT=7260 CMD="make bench"
fi
CMD+="${ROUNDS:+ BENCH_ROUNDS=$ROUNDS}${MS:+ BENCH_MS=$MS}${SF_MIB:+ BENCH_SF_MIB=$SF_MIB}"
fail() {
	echo "[bench] error: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

# Our module and the in-tree vboxsf built against it first (make
# vboxsf-check's build): the guest program links the module files in.
KVER=$(vbg_kver)
flock "$ROOT/build/vm/.build.lock" make -s -C "$ROOT" modules KVER="$KVER" \
	> "$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log" >&2; fail "make modules failed"; }
KVER=$KVER bash "$ROOT/tests/vboxsf/check.sh" --build-only >> "$OUT/build.log" 2>&1 ||
	{ tail -30 "$OUT/build.log" >&2; fail "vboxsf does not build against our module"; }
# Figure f's second size: ours with the tracepoints (the default build
# has none), built in a copy of the sources, stripped the same way.
T=$OUT/tracing
mkdir -p "$T" && rsync -a --checksum --delete --exclude='*.mod.c' \
	--include='*.c' --include='*.h' --include=Makefile --include=Kconfig \
	--include='include/' --include='include/**/' --exclude='*' "$ROOT/" "$T/" &&
	make -s -C "$T" modules KVER="$KVER" VBOXGUEST_TRACING=y >> "$OUT/build.log" 2>&1 ||
	{ tail -30 "$OUT/build.log" >&2; fail "the module with VBOXGUEST_TRACING=y does not build"; }
make -s -C "$HERE" "build/64/$PROG" "$HERE/build/ko/ours_tracing.ko" >> "$OUT/build.log" 2>&1 ||
	{ tail -30 "$OUT/build.log" >&2; fail "tests/bench does not build"; }

# Figure f, module size: the same stripped files the guest loads.
sizes() {
	local drv=$1 ko=$HERE/build/ko/$1.ko
	size -A "$ko" | awk -v d="$drv" -v b="$(stat -c %s "$ko")" '
		$1 == ".text" { t = $2 } $1 == ".data" { a = $2 }
		END { printf "%s %s %s %s\n", d, b, t, a }'
}
{ sizes reference; sizes ours; sizes ours_tracing; } > "$OUT/$NAME.sizes" ||
	fail "module sizes"

# Figure h's share "sf": empty but for dir5000, a directory of 5,000
# files made here on the host (the guest only reads it).
SHARE=$OUT/share
rm -rf "$SHARE"
mkdir -p "$SHARE/sf/dir5000" &&
	(cd "$SHARE/sf/dir5000" && seq -f 'entry-%04g' 1 5000 | xargs touch) ||
	fail "the share's dir5000"

echo "[bench] $CMD: reference and ours alternated in one boot; the guest's" \
	"console goes to build/bench/$NAME.run.log"
APPEND="${ROUNDS:+vbg_bench.rounds=$ROUNDS} ${MS:+vbg_bench.ms=$MS}"
APPEND+="${SF_MIB:+ vbg_bench.sf_mib=$SF_MIB}"
if [ -n "$PROF" ]; then
	APPEND+=" vbg_bench.sf_prof=$PROF"
	NAME=prof
	# VBG_QEMU_EXTRA= (empty): the same without -icount (host CPU).
	export VBG_QEMU_EXTRA="${VBG_QEMU_EXTRA--icount shift=0}" VBG_SMP=1
fi
# Progress: the runner's own lines and one line per load.
VBG_EMU_ARGS="--share sf=$SHARE/sf" VBG_GUEST_DIR=$HERE VBG_APPEND_EXTRA=${APPEND# } \
	bash "$ROOT/tests/vm/run.sh" --driver ours --suite "$PROG" --timeout "$TIMEOUT" \
	2>&1 | tee "$OUT/$NAME.run.log" |
	grep --line-buffered -E '^\[vm\]|^    (not )?ok [0-9]+ |bench-fail'
LOGS=$(sed -n 's/^logs: //p' "$OUT/$NAME.run.log" | tail -1)
[ -n "$LOGS" ] && [ -d "$ROOT/$LOGS" ] || fail "the VM run left no logs (see build/bench/$NAME.run.log)"

if [ -n "$PROF" ]; then
	grep -E '# (prof|bench [0-9]+ [a-z]+ p_)' "$ROOT/$LOGS/boot1.console.log"
	exit 0
fi
python3 "$HERE/report.py" --console "$ROOT/$LOGS/boot1.console.log" \
	--records "$ROOT/$LOGS/records" --sizes "$OUT/$NAME.sizes" \
	--json "$OUT/$NAME.json" --plot "$OUT/$NAME.svg" --command "$CMD" \
	--kernel "$KVER"
}
