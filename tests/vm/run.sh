#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the test VM with a vboxguest driver and run the guest suite.
#
#   run.sh --driver reference|ours [--kernel distro|debug] [--suite PROG]
#          [--timeout SECONDS] [--smp N] [--arch x86_64|arm64] [--keep]
#
# reference: Debian's prebuilt vboxguest.ko of the distro kernel (black box);
# ours: the module built from this tree (make modules).  The VM is QEMU (TCG)
# in the trixie chroot of make deps, with our VMMDev emulator attached over
# vfio-user; the guest's /init (init.sh) runs the programs listed in
# tests/guest/suites.txt and prints KTAP.  Programs marked own-boot get a
# boot each, after the others.  The last line is "N passed, N failed[, N
# skipped]"; the exit status is non-zero on any failure.  Logs of every
# boot (console, whole kernel log, emulator log and counters, parsed
# records) stay in build/vm/<driver>-<time>-<pid>/.
#
# Environment: VBG_CACHE (make deps' cache), VBG_GUEST_DIR (another
# program directory with the same layout, e.g. the demo's), VBG_SMP (vCPUs,
# default 2), VBG_PROG_TIMEOUT (seconds before /init kills a program; by
# default the largest limit= of suites.txt in that boot + 10),
# VBG_NO_PVH=1 (boot the bzImage instead of the extracted vmlinux),
# VBG_EXTRA_MODULES (module files to insmod after the driver),
# VBG_EMU_ARGS (more emulator options, e.g. --mmio-req, --share NAME=DIR),
# VBG_SUITES (another suites file, e.g. make fuzz's), FUZZ_SEED and
# FUZZ_IOCTLS (passed to the guest programs: t_fuzz), LOAD_SEED and
# LOAD_OPS (t_load).
# VBG_APPEND_EXTRA (more kernel command line, every boot; e.g.
# slub_debug=FZP to catch a use after free on the distro kernel).
#
# --arch arm64 (make check-vm ARCH=arm64, after make deps-arm64): Debian's
# arm64 kernel on QEMU's virt machine; the device as VirtualBox 7.1+ shows
# it to ARM guests (BAR3 MMIO request window, no BAR0: emulator options
# --mmio-req --no-ioport); our module built in the chroot against the
# prepared arm64 tree; the 64-bit programs cross-built.  The 32-bit
# programs test x86's compat layouts and are not run there.
set -uo pipefail

# The whole script is one brace group, so bash has read all of it before
# running any: editing this file cannot break a run in progress.
{
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '5,6p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
	exit 2
}

DRIVER=
KERNEL=distro
SUITE=
BOOT_TIMEOUT=170
TIMEOUT_GIVEN=0
KEEP=0
VBG_SMP=${VBG_SMP:-2}
GUEST_DIR=${VBG_GUEST_DIR:-$VBG_ROOT/tests/guest}
SUITES=${VBG_SUITES:-$GUEST_DIR/suites.txt}

while [ $# -gt 0 ]; do
	case $1 in
	--driver) DRIVER=${2:-}; shift 2 ;;
	--driver=*) DRIVER=${1#*=}; shift ;;
	--kernel) KERNEL=${2:-}; shift 2 ;;
	--kernel=*) KERNEL=${1#*=}; shift ;;
	--suite) SUITE=${2:-}; shift 2 ;;
	--suite=*) SUITE=${1#*=}; shift ;;
	--timeout) BOOT_TIMEOUT=${2:-}; TIMEOUT_GIVEN=1; shift 2 ;;
	--timeout=*) BOOT_TIMEOUT=${1#*=}; TIMEOUT_GIVEN=1; shift ;;
	--smp) VBG_SMP=${2:-}; shift 2 ;;
	--arch) VBG_ARCH=${2:-}; shift 2 ;;
	--arch=*) VBG_ARCH=${1#*=}; shift ;;
	--keep) KEEP=1; shift ;;
	-h|--help) usage ;;
	*) echo "run.sh: unknown argument: $1" >&2; usage ;;
	esac
done
case $DRIVER in reference|ours) ;; *) usage ;; esac
case $VBG_ARCH in x86_64|arm64) ;; *) usage ;; esac
# lib.sh chose the kernel cache by VBG_ARCH when it was sourced.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../ktap.sh"
case $BOOT_TIMEOUT in ''|*[!0-9]*) usage ;; esac
case $KERNEL in
distro) ;;
debug)	# make debug-kernel: our driver is built into it.  KASAN, lockdep and
	# kmemleak under TCG make everything about 4x slower: so are the
	# boot timeouts.
	[ "$VBG_ARCH" = x86_64 ] || { echo "run.sh: --kernel debug is x86_64 only" >&2
				      echo "0 passed, 1 failed"; exit 1; }
	[ "$DRIVER" = ours ] || { echo "run.sh: --kernel debug needs --driver ours" >&2
				  echo "0 passed, 1 failed"; exit 1; }
	SLOW=4
	BOOT_TIMEOUT=$((BOOT_TIMEOUT * SLOW)) ;;
*) usage ;;
esac
[ "$(id -u)" = 0 ] || vbg_die "must run as root (chroot, mounts)"

T_START=$(vbg_now)

# A failure before any boot: say why, still end with the summary line.
fatal() {
	printf '[vm] error: %s\n' "$*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

# ---------------------------------------------------------------------------
# State and teardown
# ---------------------------------------------------------------------------
RUN_ID=vbg-$$
RUNDIR=$VBG_CHROOT/run/$RUN_ID	# host view
RUNDIR_IN=/run/$RUN_ID		# QEMU's view
QEMU_PID=
READER_PID=
WAKER_PID=
VBG_EMU_PID=

cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then
		kill -TERM "$QEMU_PID" 2>/dev/null	# timeout passes it on
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$QEMU_PID" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$QEMU_PID" 2>/dev/null
		pkill -KILL -P "$QEMU_PID" 2>/dev/null
	fi
	[ -n "$READER_PID" ] && kill "$READER_PID" 2>/dev/null
	[ -n "$WAKER_PID" ] && kill "$WAKER_PID" 2>/dev/null
	vbg_emu_stop
	if [ "$KEEP" = 1 ]; then
		[ -d "$RUNDIR" ] && vbg_say "kept $RUNDIR"
	else
		rm -rf "$RUNDIR"
	fi
	vbg_chroot_leave
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "[vm] interrupted" >&2; exit 130' INT TERM HUP

# ---------------------------------------------------------------------------
# The suite
# ---------------------------------------------------------------------------
[ -f "$GUEST_DIR/Makefile" ] ||
	fatal "no guest tests in $GUEST_DIR (tests/guest not written yet?)"
[ -f "$SUITES" ] || fatal "$SUITES missing"

MAIN=()		# "prog:bits" of the shared boot, in order
VBU=		# 1: a program needs VirtualBox's guest userspace (make deps)
declare -A X11=()	# "prog:bits" -> 1: needs the X server for VBoxClient (make deps)
NOT_RUN=()	# "prog<TAB>reason": programs this architecture cannot run
OWN=()		# "prog:bits", each in a boot of its own
declare -A REF_HGCM32	# "prog:bits" -> 1: marked ref-hgcm32
declare -A PROBE_FAILS	# "prog:bits" -> 1: marked probe-fails
declare -A LIMIT	# "prog:bits" -> its time limit in seconds
declare -A S3		# "prog:bits" -> 1: its boot has S3 (suites.txt s3)
DEFAULT_LIMIT=60
while read -r prog bits flags; do
	case $prog in ''|'#'*) continue ;; esac
	case $bits in 64|32) ;; *) fatal "suites.txt: bad bits '$bits' for $prog" ;; esac
	[ "$VBG_ARCH" = x86_64 ] || [ "$bits" = 64 ] || continue
	[ -z "$SUITE" ] || [ "$SUITE" = "$prog" ] || continue
	own=0
	LIMIT[$prog:$bits]=$DEFAULT_LIMIT
	for f in $flags; do
		case $f in
		'#'*) break ;;
		own-boot) own=1 ;;
		# Only when named with --suite.
		on-demand) [ -n "$SUITE" ] || continue 2 ;;
		# Only on these kernels (a comma-separated list), or when
		# named with --suite.
		kernels=?*)
			[ -n "$SUITE" ] || case ,${f#kernels=}, in
				*,"$KERNEL",*) ;;
				*) continue 2 ;;
			esac ;;
		ref-hgcm32) REF_HGCM32[$prog:$bits]=1 ;;
		# QEMU's virt machine (arm64) has no S3: the program runs
		# without it and its S3 cases say so.
		s3) [ "$VBG_ARCH" != x86_64 ] || S3[$prog:$bits]=1 ;;
		# The emulator is broken on purpose (VBG_EMU_ARGS): the
		# probe must fail (tests/faults/run.sh).
		probe-fails) PROBE_FAILS[$prog:$bits]=1 ;;
		vbox-userspace)
			# Debian builds it for x86 only: reported skipped.
			if [ "$VBG_ARCH" != x86_64 ]; then
				NOT_RUN+=("$prog	no $VBG_ARCH build of virtualbox-guest-utils in Debian")
				continue 2
			fi
			VBU=1 ;;
		# With vbox-userspace, which reports it not run off x86.
		x11) X11[$prog:$bits]=1 ;;
		limit=[1-9]*)
			case ${f#limit=} in *[!0-9]*)
				fatal "suites.txt: bad $f for $prog" ;; esac
			LIMIT[$prog:$bits]=${f#limit=} ;;
		*) fatal "suites.txt: unknown flag '$f' for $prog $bits" ;;
		esac
	done
	if [ "$own" = 1 ]; then
		OWN+=("$prog:$bits")
	else
		[ -z "${REF_HGCM32[$prog:$bits]:-}" ] ||
			fatal "suites.txt: ref-hgcm32 without own-boot for $prog $bits"
		case " $flags " in *" s3 "*)
			fatal "suites.txt: s3 without own-boot for $prog $bits" ;;
		esac
		MAIN+=("$prog:$bits")
	fi
done < "$SUITES"
[ $((${#MAIN[@]} + ${#OWN[@]})) -gt 0 ] ||
	fatal "no program${SUITE:+ named $SUITE} in $SUITES"

# ---------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------
KVER=$(vbg_kver)
KROOT=$(vbg_kernel_root)
[ -f "$KROOT/boot/vmlinuz-$KVER" ] || fatal "$KROOT/boot/vmlinuz-$KVER missing: run make deps"
VMLINUZ=$(vbg_kernel_image)
[ "$KERNEL" = debug ] && VMLINUZ=$VBG_CACHE/debug/build/arch/x86/boot/bzImage

mkdir -p "$VBG_ROOT/build/vm" || fatal "cannot create build/vm"
BUILD_LOG=$VBG_ROOT/build/vm/build.$$.log

# build WHAT COMMAND...: run a build step quietly; on failure show its tail.
# Runs overlapping in the same tree take turns (flock), so two makes never
# write the same objects at once.
build() {
	local what=$1
	shift
	vbg_say "building $what"
	if ! flock "$VBG_ROOT/build/vm/.build.lock" "$@" > "$BUILD_LOG" 2>&1; then
		tail -40 "$BUILD_LOG" >&2
		rm -f "$BUILD_LOG"
		fatal "$what does not build ($*); output above"
	fi
	rm -f "$BUILD_LOG"
}

build "the emulator" make -C "$VBG_ROOT/tests/vmmdev" build/vmmdev-emu build/vmmdevctl
[ -x "$VBG_EMU" ] || fatal "$VBG_EMU missing after make -C tests/vmmdev"
# Only the programs this run needs: work in progress on another program
# does not stop it.
TARGETS=()
# bin_dir BITS: where make -C tests/guest puts the programs.
bin_dir() { [ "$VBG_ARCH" = arm64 ] && echo arm64 || echo "$1"; }
for p in "${MAIN[@]}" "${OWN[@]}"; do
	TARGETS+=("build/$(bin_dir "${p##*:}")/${p%:*}")
done
if [ "$VBG_ARCH" = arm64 ]; then
	build "the guest tests for arm64 (in the chroot)" \
		bash "$VBG_ROOT/tests/vm/build-arm64.sh" progs "$GUEST_DIR" "${TARGETS[@]}"
else
	build "the guest tests" make -C "$GUEST_DIR" "${TARGETS[@]}"
fi

case $DRIVER-$KERNEL in
ours-debug)
	# VBG_DEBUG_VMLINUZ: boot this copy of it as is (make coverage).
	if [ -n "${VBG_DEBUG_VMLINUZ:-}" ]; then
		VMLINUZ=$VBG_DEBUG_VMLINUZ
	else
		build "the debug kernel (make debug-kernel)" \
			bash "$VBG_ROOT/tests/vm/debug-kernel.sh"
	fi
	[ -f "$VMLINUZ" ] || fatal "$VMLINUZ missing after make debug-kernel"
	KVER=$(cat "$VBG_CACHE/debug/build/include/config/kernel.release")
	KO=
	;;
reference-*)
	KO=$(vbg_kernel_modules)/kernel/drivers/virt/vboxguest/vboxguest.ko
	[ -f "$KO" ] || fatal "$KO missing: Debian's $VBG_ARCH kernel $KVER ships no vboxguest.ko"
	;;
ours-*)
	# The arm64 suite tests the build with the tracepoints (t_trace runs
	# there on a distro kernel), x86's distro suite the default build.
	[ "$VBG_ARCH" = arm64 ] && export VBOXGUEST_TRACING=${VBOXGUEST_TRACING:-y}
	[ -f "$VBG_ROOT/vboxguest_core.c" ] ||
		fatal "DRIVER=ours: our driver is not in the tree yet (no vboxguest_core.c)"
	if [ "$VBG_ARCH" = arm64 ]; then
		build "our module for arm64 (in the chroot)" \
			bash "$VBG_ROOT/tests/vm/build-arm64.sh" module
		KO=$VBG_ROOT/build/arm64/mod/vboxguest.ko
	else
		build "our module (make modules, KVER=$KVER${VBOXGUEST_TRACING:+, VBOXGUEST_TRACING=$VBOXGUEST_TRACING})" \
			make -C "$VBG_ROOT" modules KVER="$KVER" \
			VBOXGUEST_TRACING="${VBOXGUEST_TRACING:-}"
		KO=$VBG_ROOT/vboxguest.ko
	fi
	[ -f "$KO" ] || fatal "the module build made no $KO"
	v=$(modinfo -F vermagic "$KO" | awk '{ print $1 }')
	[ "$v" = "$KVER" ] || fatal "vboxguest.ko is built for '$v', not $KVER"
	;;
esac
# Whether the driver under test was built with its tracepoints (Kconfig's
# VBOXGUEST_TRACING): the debug kernel as debug.config says, our module
# as asked (make check-vm VBOXGUEST_TRACING=y; x86 default without, arm64
# with), so that t_trace knows whether events/vboxguest must be there
# (VBG_TRACING).
case $DRIVER-$KERNEL in
ours-debug) grep -q '^CONFIG_VBOXGUEST_TRACING=y' "$VBG_CACHE/debug/build/.config" &&
		TRACING=y || TRACING=n ;;
ours-*) [ "${VBOXGUEST_TRACING:-}" = y ] && TRACING=y || TRACING=n ;;
*) TRACING=n ;;
esac
MODFILES=
[ -z "$KO" ] || MODFILES=$(vbg_module_files "$KO") || fatal "module dependencies of $KO"
# VBG_EXTRA_MODULES: more module files loaded right after the driver, in
# that order, as they are (no dependency lookup: vboxsf needs our driver).
for f in ${VBG_EXTRA_MODULES:-}; do
	[ -f "$f" ] || fatal "VBG_EXTRA_MODULES: $f missing"
	MODFILES="$MODFILES $f"
done
# What udev would have loaded on a real system: evdev, so that input
# devices (mouse integration) get an event handler.
ENV_KOS=
[ "$KERNEL" = debug ] ||	# built in there
for m in drivers/input/evdev.ko; do
	f=$(vbg_kernel_modules)/kernel/$m
	[ -f "$f" ] || f=$f.xz		# arm64's are compressed
	[ -f "$f" ] && ENV_KOS="$ENV_KOS $f"
done

# Logs of this run.
LOGDIR=$VBG_ROOT/build/vm/$DRIVER-$(date -u +%Y%m%d-%H%M%S)-$$
mkdir -p "$LOGDIR" || fatal "cannot create $LOGDIR"
for r in "${NOT_RUN[@]}"; do
	printf 'S\t%s\t(program)\t%s\n' "${r%%	*}" "${r#*	}"
done > "$LOGDIR/boot-not-run.records"
ln -sfn "${LOGDIR##*/}" "$VBG_ROOT/build/vm/$DRIVER-latest"
# Keep the newest 20 runs.
ls -1dt "$VBG_ROOT"/build/vm/*-[0-9]*-[0-9]*/ 2>/dev/null | tail -n +21 |
	while read -r old; do rm -rf "$old"; done

vbg_chroot_enter
vbg_prune_rundirs
mkdir -p "$RUNDIR" || fatal "cannot create $RUNDIR"
[ "$KEEP" = 0 ] || : > "$RUNDIR/.keep"

# The part of the initramfs every boot shares: busybox, /init, module(s),
# the selected programs.
STAGE=$RUNDIR/stage
vbg_initramfs_tree "$STAGE"
GUEST_MODULES=
mkdir -p "$STAGE/lib/modules/test"
for f in $MODFILES; do
	cp "$f" "$STAGE/lib/modules/test/"
	GUEST_MODULES="$GUEST_MODULES /lib/modules/test/${f##*/}"
done
GUEST_ENV_MODULES=
mkdir -p "$STAGE/lib/modules/env"
for f in $ENV_KOS; do
	g=${f##*/}
	g=${g%.xz}
	# busybox's insmod takes plain .ko files.
	case $f in
	*.xz) xz -dc "$f" > "$STAGE/lib/modules/env/$g" ;;
	*) cp "$f" "$STAGE/lib/modules/env/$g" ;;
	esac
	GUEST_ENV_MODULES="$GUEST_ENV_MODULES /lib/modules/env/$g"
done
for p in "${MAIN[@]}" "${OWN[@]}"; do
	prog=${p%:*}
	bits=${p##*:}
	bin=$GUEST_DIR/build/$(bin_dir "$bits")/$prog
	[ -x "$bin" ] || fatal "$bin missing after make -C $GUEST_DIR"
	mkdir -p "$STAGE/tests/$bits"
	# Without debug information: less for the guest to unpack.
	"$VBG_STRIP" -g -o "$STAGE/tests/$bits/$prog" "$bin" 2>/dev/null ||
		cp "$bin" "$STAGE/tests/$bits/"
done
# VirtualBox's guest userspace with the trixie libraries it needs (deps.sh),
# and the vboxsf.ko that goes with the driver (as make vboxsf-check pairs
# them): for ours the in-tree vboxsf built against our headers and exports
# (tests/vboxsf/check.sh --build-only), for the reference Debian's
# prebuilt vboxsf.ko; none on the debug kernel (the tree's vboxsf is built
# in there, tests/kunit/debug.config).  The programs load it from
# /lib/modules/vboxsf unless the kernel has it.
if [ -n "$VBU" ]; then
	[ -f "$VBG_CACHE/vbox-userspace/.done" ] ||
		fatal "$VBG_CACHE/vbox-userspace missing: run make deps"
	cp -a "$VBG_CACHE/vbox-userspace/guest/." "$STAGE/"
	SF_KO=
	case $DRIVER-$KERNEL in
	ours-distro)
		# Built again only when our exports or headers are newer.
		SF_KO=$VBG_ROOT/build/vboxsf/src/vboxsf.ko
		if [ ! -f "$SF_KO" ] || [ "$VBG_ROOT/Module.symvers" -nt "$SF_KO" ] ||
		   [ -n "$(find "$VBG_ROOT/include" -newer "$SF_KO" -print -quit)" ]; then
			build "vboxsf for our driver (tests/vboxsf/check.sh --build-only)" \
				bash "$VBG_ROOT/tests/vboxsf/check.sh" --build-only
		fi ;;
	reference-distro)
		SF_KO=$(vbg_kernel_modules)/kernel/fs/vboxsf/vboxsf.ko ;;
	esac
	if [ -n "$SF_KO" ]; then
		[ -f "$SF_KO" ] || fatal "$SF_KO missing"
		mkdir -p "$STAGE/lib/modules/vboxsf"
		cp "$SF_KO" "$STAGE/lib/modules/vboxsf/vboxsf.ko"
	fi
fi
vbg_cpio "$STAGE" "$RUNDIR/base.cpio.gz" || fatal "cpio of the initramfs failed"
# The X server (19 MiB): appended only to the boots of programs that need it.
if [ ${#X11[@]} -gt 0 ]; then
	[ -f "$VBG_CACHE/x11/.done" ] || fatal "$VBG_CACHE/x11 missing: run make deps"
	vbg_cpio "$VBG_CACHE/x11/guest" "$RUNDIR/x11.cpio.gz" ||
		fatal "cpio of the X server failed"
fi
rm -rf "$STAGE"
vbg_say "initramfs: $(du -k "$RUNDIR/base.cpio.gz" | cut -f1) KiB," \
	"module ${KO#"$KROOT"/}, $((${#MAIN[@]} + ${#OWN[@]})) program(s)"

# ---------------------------------------------------------------------------
# One boot
# ---------------------------------------------------------------------------

# Reads QEMU's console from stdin: to the terminal, to LOG, and stamps the
# host time of the first test into MARKS.
console_reader() {
	local log=$1 marks=$2 line
	shopt -s extglob
	exec 5>>"$log"
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%%+($'\r')}
		# The firmware's terminal control sequences.
		line=${line//$'\e'[\[]*([0-9;?])[a-zA-Z]/}
		line=${line//$'\e'c/}
		printf '%s\n' "$line" >&5
		printf '%s\n' "$line"
		case $line in
		'# vbg-init: boot-to-first-test'*)
			echo "first_test $EPOCHREALTIME" >> "$marks" ;;
		esac
	done
	exec 5>&-
}

# run_boot N TIMEOUT KNOWN PROG:BITS...: boot once with those programs,
# QEMU killed after TIMEOUT seconds; the records of the KTAP parse go to
# $LOGDIR/bootN.records.  KNOWN, if not empty, is the known reference
# defect every failure of this boot is (vbg_ktap_records).
run_boot() {
	local n=$1 boot_to=$2 known=$3 bd bdin t0 rc p list="" log marks first
	local endnote f who st emu_gone limits="" maxlim=0 lim s sf_args x11=  s3= probe_fails=0
	shift 3
	bd=$RUNDIR/boot$n
	bdin=$RUNDIR_IN/boot$n
	log=$LOGDIR/boot$n.console.log
	marks=$bd/marks
	mkdir -p "$bd/conf/etc"
	for p in "$@"; do
		list="$list $p"
		# The debug kernel's slowness stretches the limits as well.
		lim=$((LIMIT[$p] * ${SLOW:-1}))
		limits="$limits $p:$lim"
		[ -z "${PROBE_FAILS[$p]:-}" ] || probe_fails=1
		[ "$lim" -le "$maxlim" ] || maxlim=$lim
		[ -z "${X11[$p]:-}" ] || x11=$RUNDIR/x11.cpio.gz
		[ -z "${S3[$p]:-}" ] || s3=1
	done
	# Each program ends itself at its limit (vbgt_main: the running case
	# is killed, the rest reported not run); /init kills it 10 s later.
	cat > "$bd/conf/etc/vbg-run.conf" <<-EOF
	VBG_DRIVER=$DRIVER
	VBG_PROGS="${list# }"
	VBG_MODULES="${GUEST_MODULES# }"
	VBG_BUILTIN=$([ "$KERNEL" = debug ] && echo 1 || echo 0)
	VBG_PROBE_FAILS=$probe_fails
	VBG_ENV_MODULES="${GUEST_ENV_MODULES# }"
	VBG_PROG_TIMEOUT=${VBG_PROG_TIMEOUT:-$((maxlim + 10))}
	export VBG_PROG_LIMITS="${limits# }"
	export VBG_SLOW=${SLOW:-1}
	export VBG_TRACING=$TRACING
	EOF
	[ -z "$s3" ] || echo "export VBG_S3=1" >> "$bd/conf/etc/vbg-run.conf"
	for v in FUZZ_SEED FUZZ_IOCTLS LOAD_SEED LOAD_OPS; do
		[ -z "${!v:-}" ] || printf 'export %s=%q\n' "$v" "${!v}"
	done >> "$bd/conf/etc/vbg-run.conf"
	vbg_cpio "$bd/conf" "$bd/conf.cpio.gz"
	cat "$RUNDIR/base.cpio.gz" ${x11:+"$x11"} "$bd/conf.cpio.gz" > "$bd/initramfs.cpio.gz"
	ln -f "$VMLINUZ" "$bd/vmlinuz" 2>/dev/null || cp "$VMLINUZ" "$bd/vmlinuz"

	vbg_say "boot $n: ${list# } (driver $DRIVER, -smp $VBG_SMP," \
		"timeout ${boot_to}s${VBG_APPEND_EXTRA:+, $VBG_APPEND_EXTRA})"
	# VirtualBox's userspace mounts shared folders (t_vboxtools): vbgt
	# (read-write) and vbgtauto (offered for auto-mounting), each with a
	# hello.txt of "hello from NAME".
	sf_args=()
	if [ -n "$VBU" ]; then
		for s in vbgt vbgtauto; do
			mkdir -p "$bd/share/$s"
			printf 'hello from %s\n' "$s" > "$bd/share/$s/hello.txt"
		done
		sf_args=(--share "vbgt=$bd/share/vbgt"
			 --share "vbgtauto=$bd/share/vbgtauto,auto")
	fi
	# shellcheck disable=SC2086
	vbg_emu_start "$bd" --heartbeat-interval-ms 1000 ${VBG_EMU_ARGS:-} \
		"${sf_args[@]}" \
		$([ "$VBG_ARCH" = arm64 ] && echo --mmio-req --no-ioport)
	vbg_qemu_args "$bdin"
	# S3: the i440FX's ACPI offers it, and s3-waker.py answers each
	# suspend with QMP's system_wakeup.
	# The firmware's log (it takes part in the resume): bootN.bios.log.
	[ -z "$s3" ] || VBG_QEMU_ARGS+=(-global PIIX4_PM.disable_s3=0
		-qmp "unix:$bdin/qmp.sock,server=on,wait=off"
		-chardev "file,id=bios,path=$bdin/bios.log"
		-device isa-debugcon,iobase=0x402,chardev=bios)
	mkfifo "$bd/console"
	console_reader "$log" "$marks" < "$bd/console" &
	READER_PID=$!
	t0=$(vbg_now)
	timeout -k 5 "$boot_to" chroot "$VBG_CHROOT" \
		"$VBG_QEMU" "${VBG_QEMU_ARGS[@]}" \
		< /dev/null > "$bd/console" 2>&1 &
	QEMU_PID=$!
	if [ -n "$s3" ]; then
		python3 "$VBG_ROOT/tests/vm/s3-waker.py" "$bd/qmp.sock" \
			"$bd/s3-waker.log" &
		WAKER_PID=$!
	fi
	# The emulator ends after QEMU; if it ends first, QEMU gets 3 s to
	# follow (its shutdown may disconnect first), else it is stopped.
	emu_gone=
	wait -n -p who "$QEMU_PID" "$VBG_EMU_PID"
	st=$?
	if [ "${who:-}" = "$VBG_EMU_PID" ]; then
		VBG_EMU_PID=
		VBG_EMU_STATUS=$st
		for _ in $(seq 30); do
			kill -0 "$QEMU_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$QEMU_PID" 2>/dev/null; then
			emu_gone=1
			kill -TERM "$QEMU_PID" 2>/dev/null
		fi
	fi
	wait "$QEMU_PID"
	rc=$?
	QEMU_PID=
	wait "$READER_PID"
	READER_PID=
	if [ -n "$WAKER_PID" ]; then
		kill "$WAKER_PID" 2>/dev/null
		wait "$WAKER_PID" 2>/dev/null
		WAKER_PID=
	fi
	vbg_emu_stop
	BOOT_WALL[$n]=$(vbg_elapsed "$t0")
	endnote=
	if [ -n "$emu_gone" ]; then
		endnote="the emulator exited (status $VBG_EMU_STATUS) while the VM ran"
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		endnote="timed out after ${boot_to} s, QEMU killed"
	elif [ "$rc" != 0 ]; then
		endnote="QEMU exited with status $rc"
	fi
	# A crash of the emulator is a failure even if the guest finished.
	case ${VBG_EMU_STATUS:-0} in
	0|143) ;;
	*) echo "[vm] boot $n: the emulator exited with status $VBG_EMU_STATUS" \
		"(see boot$n.emu.log)" | tee -a "$log"
	   printf 'X\tboot%s\temulator exited with status %s\n' "$n" \
		"$VBG_EMU_STATUS" > "$LOGDIR/boot$n.emu-status" ;;
	esac
	[ -z "$endnote" ] || echo "[vm] boot $n: $endnote" | tee -a "$log"
	first=$(awk '$1 == "first_test" { print $2; exit }' "$marks" 2>/dev/null)
	BOOT_FIRST[$n]=${first:+$(vbg_elapsed "$t0" "$first")}
	for f in emu.log counters emu.out kmsg.log s3-waker.log bios.log; do
		[ -s "$bd/$f" ] && cp "$bd/$f" "$LOGDIR/boot$n.$f"
	done
	vbg_ktap_records "boot$n" "$endnote" "$DRIVER" "$bd/kmsg.log" "$known" \
		< "$log" > "$LOGDIR/boot$n.records"
	cat "$LOGDIR/boot$n.emu-status" >> "$LOGDIR/boot$n.records" 2>/dev/null
	[ "$KEEP" = 1 ] || rm -f "$bd/vmlinuz" "$bd/initramfs.cpio.gz"
}

declare -a BOOT_WALL BOOT_FIRST
NBOOT=0
if [ ${#MAIN[@]} -gt 0 ]; then
	NBOOT=$((NBOOT + 1))
	run_boot "$NBOOT" "$BOOT_TIMEOUT" "" "${MAIN[@]}"
fi
# Own boots hold the programs that may crash a kernel (the reference's
# 32-bit HGCM path): an oops, a soft lockup (10 s with watchdog_thresh=5)
# or a task blocked for 20 s there ends the boot at once instead of leaving
# a corrupted kernel to hang until the timeout.
VBG_APPEND_EXTRA="${VBG_APPEND_EXTRA:+$VBG_APPEND_EXTRA }oops=panic softlockup_panic=1 watchdog_thresh=5"
VBG_APPEND_EXTRA+=" hung_task_panic=1 sysctl.kernel.hung_task_timeout_secs=20"
# An own boot needs its program's limit and about 20 s (boot, module
# load, power-off; 2-4x that under load): it gets the limit + 60 s, at
# most what --timeout gives when it is given.
# On the reference, a program marked ref-hgcm32 corrupts the kernel at
# random (a failed case, a SIGSEGV, a panic in or outside the driver, a
# control channel I/O error): every failure of its boot is that defect.
for p in "${OWN[@]}"; do
	NBOOT=$((NBOOT + 1))
	to=$(((LIMIT[$p] + 60) * ${SLOW:-1}))
	[ "$TIMEOUT_GIVEN" = 0 ] || [ "$to" -le "$BOOT_TIMEOUT" ] || to=$BOOT_TIMEOUT
	known=
	[ "$DRIVER" = reference ] && [ -n "${REF_HGCM32[$p]:-}" ] &&
		known=$VBG_REF32_REASON
	run_boot "$NBOOT" "$to" "$known" "$p"
done

# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------
cat "$LOGDIR"/boot*.records > "$LOGDIR/records"
count() { awk -F'\t' -v t="$1" '$1 == t' "$LOGDIR/records" | wc -l; }
NP=$(count P)
NF=$(count F)
NS=$(count S)
NT=$(count T)
NX=$(count X)

echo
echo "== vboxguest VM suite: driver $DRIVER, kernel $KVER =="
for ((i = 1; i <= NBOOT; i++)); do
	echo "boot $i: wall ${BOOT_WALL[$i]} s, boot-to-first-test" \
	     "${BOOT_FIRST[$i]:-n/a} s (host, QEMU start to first program)," \
	     "guest uptime $(awk -F'\t' '$1 == "I" && $2 == "boot_to_first_test" { print $3 " s" }' \
	     "$LOGDIR/boot$i.records")"
done
if [ "$NT" -gt 0 ]; then
	echo "known reference defects ($NT, counted as skipped):"
	# One line per program and reason: the cases it covers, then why.
	awk -F'\t' '$1 == "T" {
		k = $2 SUBSEP $4
		if (!(k in prog)) {
			order[++n] = k; prog[k] = $2; why[k] = $4; cases[k] = $3
		} else {
			cases[k] = cases[k] ", " $3
		}
	}
	END {
		for (i = 1; i <= n; i++)
			printf "  %s: %s\n      -- %s\n", prog[order[i]],
				cases[order[i]], why[order[i]]
	}' "$LOGDIR/records"
fi
if [ "$NS" -gt 0 ]; then
	echo "skipped ($NS):"
	awk -F'\t' '$1 == "S" { printf "  %s: %s -- %s\n", $2, $3, $4 }' "$LOGDIR/records"
fi
if [ $((NF + NX)) -gt 0 ]; then
	echo "FAILED ($((NF + NX))):"
	awk -F'\t' '$1 == "F" { printf "  %s: %s%s\n", $2, $3, ($4 != "" ? " # " $4 : "") }
		    $1 == "X" { printf "  %s: %s%s\n", $2, $3, ($4 != "" ? " (" $4 ")" : "") }' "$LOGDIR/records"
fi
echo "logs: ${LOGDIR#$VBG_ROOT/}/"
echo "total wall time $(vbg_elapsed "$T_START") s"

FAILED=$((NF + NX))
SKIPPED=$((NS + NT))
ktap_summary "$NP" "$FAILED" "$SKIPPED"
exit
}
