#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make lifecycle: issue 9 part 3, the driver's whole life cycle with users
# inside (tests/guest/t_lifecycle.c says what is checked).
#
#   run.sh [--short] [--kernel distro|debug]
#
# 1. our module and the kernel user module tests/lifecycle/kuser
#    (vbg_kuser.ko, built against our headers and Module.symvers);
# 2. the distro kernel, our module: rmmod/insmod and PCI remove/rescan
#    cycles with the kernel user (t_lifecycle_full: 50 and 20);
# 3. the debug kernel (KASAN, UBSAN, lockdep, kmemleak; the driver is built
#    in, so no rmmod and no module for the kernel user): the PCI
#    remove/rescan cycles, kmemleak scanned by /init's dmesg_clean;
# 4. after each boot, the host's state at power-off (the emulator's
#    --counters-out): the shutdown handler returned the balloon, stopped
#    the heartbeat and reported the driver inactive.
# --short runs t_lifecycle (5 and 3 cycles): the form make check runs;
# --kernel runs only one of the two kernels.
# The last line is "N passed, N failed[, N skipped]".
set -uo pipefail
{
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VBG_CACHE=${VBG_CACHE:-/var/cache/vboxguest-rig}
KVER=${KVER:-$(readlink "$VBG_CACHE/kernel/current" 2>/dev/null)}
KDIR=${KDIR:-/usr/src/linux-headers-$KVER}
B=$ROOT/build/lifecycle
SUITE=t_lifecycle_full
TIMEOUT=2400
KERNELS="distro debug"
while [ $# -gt 0 ]; do
	case $1 in
	--short) SUITE=t_lifecycle; TIMEOUT=900; shift ;;
	--kernel) KERNELS=${2:-}; shift 2 ;;
	*) echo "usage: run.sh [--short] [--kernel distro|debug]" >&2; exit 2 ;;
	esac
done
P=0 F=0 S=0
. "$ROOT/tests/ktap.sh"

fail() {
	echo "# lifecycle: $*"
	F=$((F + 1))
}

# add LOG: the summary line of a run.sh log into the totals.
add() {
	local p f s
	if ! read -r p f s < <(ktap_totals "$1"); then
		fail "no summary in $1"
		return
	fi
	P=$((P + p)) F=$((F + f)) S=$((S + s))
}

# run NAME ARGS...: one run.sh boot of the suite (log build/lifecycle/
# NAME.log), its case lines shown, its summary added, the host's state
# at power-off checked.
run() {
	local name=$1
	shift
	bash "$ROOT/tests/vm/run.sh" --driver ours --suite "$SUITE" \
		--timeout "$TIMEOUT" "$@" > "$B/$name.log" 2>&1
	grep -E '^    (ok|not ok|#)|^(ok|not ok)' "$B/$name.log" | sed "s/^/# $name: /"
	add "$B/$name.log"
	shutdown_check "$name"
}

# shutdown_check NAME: the host's state when the guest of run NAME powered
# off with the balloon inflated (t_lifecycle left_for_shutdown): the
# shutdown handler handed the balloon back, stopped the heartbeat and
# reported the driver inactive.
shutdown_check() {
	local logs st want v ok=0
	logs=$(sed -n 's/^logs: //p' "$B/$1.log" | tail -1)
	st=$ROOT/${logs%/}/boot1.counters
	if [ -z "$logs" ] || [ ! -s "$st" ]; then
		fail "$1: no emulator state at exit ($st)"
		return
	fi
	for want in balloon_pages:0 heartbeat_enabled:0 facility_20:0; do
		v=$(awk -v k="${want%:*}" '$1 == k { print $2 }' "$st")
		if [ "$v" != "${want#*:}" ]; then
			echo "# lifecycle: $1: at power-off the host had ${want%:*} ${v:-(none)}, expected ${want#*:}"
			ok=1
		fi
	done
	if [ "$ok" = 0 ]; then
		echo "ok - $1: shutdown handed the balloon back, heartbeat off, driver inactive"
		P=$((P + 1))
	else
		echo "not ok - $1: shutdown left host state behind"
		F=$((F + 1))
	fi
}

mkdir -p "$B"
echo "# lifecycle: $SUITE; logs in ${B#$ROOT/}/"
if make -C "$ROOT" modules KVER="$KVER" > "$B/build.log" 2>&1 &&
   rm -rf "$B/kuser" && cp -a "$ROOT/tests/lifecycle/kuser" "$B/kuser" &&
   make -C "$KDIR" M="$B/kuser" VBG_ROOT="$ROOT" \
	KBUILD_EXTRA_SYMBOLS="$ROOT/Module.symvers" modules >> "$B/build.log" 2>&1 &&
   [ -f "$B/kuser/vbg_kuser.ko" ] && ! grep -q 'WARNING: modpost' "$B/build.log"; then
	echo "# lifecycle: vbg_kuser.ko built"
else
	tail -20 "$B/build.log" | sed 's/^/# /'
	fail "vbg_kuser.ko does not build"
	ktap_summary "$P" "$F"
	exit 1
fi

case " $KERNELS " in *" distro "*)
echo "# lifecycle: distro kernel, our module, with the kernel user"
VBG_EXTRA_MODULES="$B/kuser/vbg_kuser.ko" run distro
;; esac

case " $KERNELS " in *" debug "*)
echo "# lifecycle: debug kernel, PCI remove/rescan"
run debug --kernel debug
;; esac

ktap_summary "$P" "$F" "$S"
exit
}
