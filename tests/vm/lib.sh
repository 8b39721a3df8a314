# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the VM runner (run.sh) and the demo (demo.sh).
# Source it from bash; it sets nothing but variables prefixed VBG_ and
# functions prefixed vbg_.
#
# Layout of one boot:
#   host:   $VBG_CACHE/chroot/run/vbg-<pid>/boot<N>/{vmmdev.sock,control.sock,
#           vmlinuz,initramfs.cpio.gz,counters,emu.log}
#   QEMU:   the same directory seen as /run/vbg-<pid>/boot<N>/ from the chroot
# The emulator runs on the host, QEMU in the trixie chroot; unix sockets
# work across the chroot boundary, and so does passing the RAM memfd.

VBG_ROOT=${VBG_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
VBG_CACHE=${VBG_CACHE:-/var/cache/vboxguest-rig}
VBG_CHROOT=$VBG_CACHE/chroot
VBG_EMU=$VBG_ROOT/tests/vmmdev/build/vmmdev-emu
VBG_CTL=$VBG_ROOT/tests/vmmdev/build/vmmdevctl
# The guest's architecture: x86_64 (make deps) or arm64 (make deps-arm64,
# whose kernels live in $VBG_CACHE/arm64/kernel).
VBG_ARCH=${VBG_ARCH:-x86_64}
case $VBG_ARCH in
arm64)	VBG_KCACHE=$VBG_CACHE/arm64/kernel
	VBG_QEMU=/usr/bin/qemu-system-aarch64
	VBG_STRIP=false ;;	# no aarch64 strip here: the copy is taken as it is
*)	VBG_KCACHE=$VBG_CACHE/kernel
	VBG_QEMU=/usr/bin/qemu-system-x86_64
	VBG_STRIP=strip ;;
esac

vbg_say() { printf '[vm] %s\n' "$*"; }
vbg_warn() { printf '[vm] warning: %s\n' "$*" >&2; }
vbg_die() { printf '[vm] error: %s\n' "$*" >&2; exit 1; }

# Seconds since the epoch with microseconds (bash 5).
vbg_now() { printf '%s' "$EPOCHREALTIME"; }
# vbg_elapsed T0 [T1]: seconds between two vbg_now stamps, one decimal.
vbg_elapsed() {
	awk -v a="$1" -v b="${2:-$EPOCHREALTIME}" 'BEGIN { printf "%.1f", b - a }'
}

# The distro kernel under test (set by deps.sh, or deps-arm64.sh).
vbg_kver() {
	local k
	k=$(readlink "$VBG_KCACHE/current" 2>/dev/null) ||
		vbg_die "no kernel in $VBG_KCACHE/current: run make deps${VBG_ARCH/x86_64/}"
	printf '%s' "$k"
}

vbg_kernel_root() { printf '%s' "$VBG_KCACHE/$(vbg_kver)/root"; }

# vbg_kernel_modules: the kernel's module tree (arm64's is under /usr).
vbg_kernel_modules() {
	local r
	r=$(vbg_kernel_root)
	if [ -d "$r/lib/modules/$(vbg_kver)" ]; then
		printf '%s' "$r/lib/modules/$(vbg_kver)"
	else
		printf '%s' "$r/usr/lib/modules/$(vbg_kver)"
	fi
}

# vbg_kernel_image: the kernel QEMU boots.  The distro's bzImage unpacks
# itself (xz) after the firmware's real-mode loader: about 3 s of CPU under
# TCG.  Its uncompressed vmlinux, booted through the PVH entry point, skips
# both; it is extracted once into the cache.  Falls back to the bzImage if
# that fails (or with VBG_NO_PVH=1).
vbg_kernel_image() {
	local kdir bz fd
	kdir=$VBG_KCACHE/$(vbg_kver)
	bz=$kdir/root/boot/vmlinuz-$(vbg_kver)
	# arm64: Debian's Image boots as it is.
	if [ "$VBG_ARCH" = arm64 ] || [ "${VBG_NO_PVH:-0}" = 1 ] ||
	   [ -e "$kdir/vmlinux.nopvh" ]; then
		printf '%s' "$bz"
		return
	fi
	if [ ! -s "$kdir/vmlinux" ]; then
		exec {fd}>"$kdir/vmlinux.lock"
		flock "$fd"
		if [ ! -s "$kdir/vmlinux" ]; then
			if python3 - "$bz" "$kdir/vmlinux.tmp" <<-'PY' &&
			import lzma, sys, zlib
			d = open(sys.argv[1], "rb").read()
			out = None
			i = d.find(b"\xfd7zXZ\x00")
			if i >= 0:
			    out = lzma.LZMADecompressor().decompress(d[i:])
			else:
			    i = d.find(b"\x1f\x8b\x08")
			    if i >= 0:
			        out = zlib.decompressobj(31).decompress(d[i:])
			if not out or out[:4] != b"\x7fELF":
			    sys.exit(1)
			open(sys.argv[2], "wb").write(out)
			PY
			   readelf -n "$kdir/vmlinux.tmp" 2>/dev/null |
				grep -qE 'PHYS32_ENTRY|note type: \(0x00000012\)'; then
				mv "$kdir/vmlinux.tmp" "$kdir/vmlinux"
			else
				rm -f "$kdir/vmlinux.tmp"
				: > "$kdir/vmlinux.nopvh"
				vbg_warn "no PVH vmlinux from $bz; booting the bzImage"
			fi
		fi
		flock -u "$fd"
		exec {fd}>&-
	fi
	if [ -s "$kdir/vmlinux" ]; then
		printf '%s' "$kdir/vmlinux"
	else
		printf '%s' "$bz"
	fi
}

# ---------------------------------------------------------------------------
# Chroot mounts shared between overlapping runs.
#
# A run registers itself in $VBG_CACHE/chroot.users/<pid> under an flock.
# Mounts missing at that time are made and remembered in chroot.mounted;
# mounts someone else made are used and never touched.  On leaving, the last
# registered run unmounts what the rig itself mounted, and only when no
# process at all (also no QEMU started by hand) has its root in the chroot.
# ---------------------------------------------------------------------------
VBG_MOUNT_LOCK=$VBG_CACHE/chroot.lock
VBG_MOUNT_USERS=$VBG_CACHE/chroot.users
VBG_MOUNT_LIST=$VBG_CACHE/chroot.mounted
VBG_MOUNTED_BY_US=0

# Any process whose root directory is the chroot?
vbg_chroot_busy() {
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[ "$r" = "$VBG_CHROOT" ] && return 0
	done
	return 1
}

vbg_chroot_enter() {
	local fd m
	[ -f "$VBG_CHROOT/.done" ] || vbg_die "no chroot in $VBG_CHROOT: run make deps"
	mkdir -p "$VBG_MOUNT_USERS"
	exec {fd}>"$VBG_MOUNT_LOCK"
	flock "$fd"
	: > "$VBG_MOUNT_USERS/$$"
	for m in proc sys dev; do
		mountpoint -q "$VBG_CHROOT/$m" && continue
		case $m in
		proc) mount -t proc proc "$VBG_CHROOT/proc" ;;
		*) mount --bind "/$m" "$VBG_CHROOT/$m" ;;
		esac || { flock -u "$fd"; exec {fd}>&-; vbg_die "cannot mount $VBG_CHROOT/$m"; }
		echo "$m" >> "$VBG_MOUNT_LIST"
	done
	flock -u "$fd"
	exec {fd}>&-
	VBG_MOUNTED_BY_US=1
}

vbg_chroot_leave() {
	local fd f m left=0
	[ "$VBG_MOUNTED_BY_US" = 1 ] || return 0
	VBG_MOUNTED_BY_US=0
	exec {fd}>"$VBG_MOUNT_LOCK"
	flock "$fd"
	rm -f "$VBG_MOUNT_USERS/$$"
	for f in "$VBG_MOUNT_USERS"/*; do
		[ -e "$f" ] || continue
		if kill -0 "${f##*/}" 2>/dev/null; then
			left=1
		else
			rm -f "$f"	# a run that died without leaving
		fi
	done
	if [ "$left" = 0 ] && [ -s "$VBG_MOUNT_LIST" ] && ! vbg_chroot_busy; then
		# Reverse order of mounting; dev last in, first out.
		for m in $(tac "$VBG_MOUNT_LIST"); do
			mountpoint -q "$VBG_CHROOT/$m" || continue
			umount "$VBG_CHROOT/$m" 2>/dev/null ||
				umount -l "$VBG_CHROOT/$m" 2>/dev/null ||
				vbg_warn "cannot unmount $VBG_CHROOT/$m"
		done
		: > "$VBG_MOUNT_LIST"
	fi
	flock -u "$fd"
	exec {fd}>&-
}

# Run directories (chroot/run/vbg-<pid>[-...]) of runs that died without
# cleaning up (SIGKILL); directories kept on purpose hold a file ".keep".
vbg_prune_rundirs() {
	local d pid
	for d in "$VBG_CHROOT"/run/vbg-*; do
		[ -d "$d" ] && [ ! -e "$d/.keep" ] || continue
		pid=${d##*/vbg-}
		pid=${pid##*-}
		case $pid in ''|*[!0-9]*) continue ;; esac
		kill -0 "$pid" 2>/dev/null || rm -rf "$d"
	done
}

# ---------------------------------------------------------------------------
# Initramfs
# ---------------------------------------------------------------------------

# vbg_module_files KO: KO and the modules it depends on, dependencies first,
# one path a line.  Dependencies are looked up in the distro kernel tree.
vbg_module_files() {
	local ko=$1 dep f mods
	mods=$(vbg_kernel_modules)
	for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do
		f=$(find "$mods" -name "$dep.ko" -o -name "$dep.ko.*" | head -1)
		[ -n "$f" ] || vbg_die "module $dep (needed by $ko) not found under $mods"
		vbg_module_files "$f"
	done
	printf '%s\n' "$ko"
}

# vbg_alarm_re: tests/alarms.txt as one extended regular expression (the
# kernel log lines that fail a run, shared by every scanner).
vbg_alarm_re() {
	grep -vE '^(#|$)' "$VBG_ROOT/tests/alarms.txt" | paste -sd'|'
}

# vbg_initramfs_tree DIR: the common part of every guest: busybox with its
# applet links, /etc/passwd and /etc/group (root, vbguser 1000), the
# mount points, /init from init.sh, the kernel log reader /bin/vbg-kmsg
# (tests/vm/kmsg-tee.c) and the alarm pattern in /etc/vbg-alarms.re.
vbg_initramfs_tree() {
	local d=$1 a bb
	if [ "$VBG_ARCH" = arm64 ]; then
		bb=$(vbg_kernel_root)/usr/bin/busybox
		[ -x "$bb" ] || vbg_die "$bb missing: run make deps-arm64"
	else
		bb=$(command -v busybox) || vbg_die "busybox not found (busybox-static)"
	fi
	file -L "$bb" 2>/dev/null | grep -q 'statically linked' ||
		ldd "$bb" 2>&1 | grep -q 'not a dynamic' ||
		vbg_die "$bb is not static: install busybox-static"
	mkdir -p "$d"/{bin,sbin,etc,proc,sys,dev,tmp,root,lib/modules,tests,usr/bin,usr/sbin}
	cp "$bb" "$d/bin/busybox"
	# The applet list from a busybox this machine can run.
	for a in $("$(command -v busybox || echo "$bb")" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$d/bin/$a"
	done
	cat > "$d/etc/passwd" <<-'EOF'
	root:x:0:0:root:/root:/bin/sh
	vbguser:x:1000:1000:vboxguest test user:/tmp:/bin/sh
	EOF
	cat > "$d/etc/group" <<-'EOF'
	root:x:0:
	vbguser:x:1000:
	EOF
	install -m 0755 "$VBG_ROOT/tests/vm/init.sh" "$d/init"
	if [ "$VBG_ARCH" = arm64 ]; then
		# The chroot's aarch64 gcc (as build-arm64.sh); DIR is in the
		# chroot (run.sh's run directory).
		cp "$VBG_ROOT/tests/vm/kmsg-tee.c" "$d/kmsg-tee.c"
		chroot "$VBG_CHROOT" aarch64-linux-gnu-gcc -static -O2 -Wall \
			-Wextra -Werror -o "${d#"$VBG_CHROOT"}/bin/vbg-kmsg" \
			"${d#"$VBG_CHROOT"}/kmsg-tee.c" ||
			vbg_die "tests/vm/kmsg-tee.c does not build for arm64"
		rm -f "$d/kmsg-tee.c"
	else
		gcc -static -O2 -Wall -Wextra -Werror -o "$d/bin/vbg-kmsg" \
			"$VBG_ROOT/tests/vm/kmsg-tee.c" ||
			vbg_die "tests/vm/kmsg-tee.c does not build"
	fi
	vbg_alarm_re > "$d/etc/vbg-alarms.re" || vbg_die "no tests/alarms.txt"
}

# vbg_cpio DIR OUT: pack DIR as a gzip'ed newc archive.
vbg_cpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -1 > "$2"
}

# ---------------------------------------------------------------------------
# Emulator and QEMU
# ---------------------------------------------------------------------------

# vbg_emu_start DIR [emulator options...]: start the emulator on the host
# with its sockets, log and counters in DIR; sets VBG_EMU_PID.  Waits until
# both sockets exist.
vbg_emu_start() {
	local d=$1 i
	shift
	[ -x "$VBG_EMU" ] || vbg_die "$VBG_EMU missing (make -C tests/vmmdev)"
	rm -f "$d/vmmdev.sock" "$d/control.sock"
	"$VBG_EMU" --socket "$d/vmmdev.sock" --control "$d/control.sock" \
		--counters-out "$d/counters" --log "$d/emu.log" "$@" \
		< /dev/null > "$d/emu.out" 2>&1 &
	VBG_EMU_PID=$!
	VBG_EMU_STATUS=
	for i in $(seq 100); do
		[ -S "$d/vmmdev.sock" ] && [ -S "$d/control.sock" ] && return 0
		kill -0 "$VBG_EMU_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$d/emu.out" "$d/emu.log" 2>/dev/null | tail -20 >&2
	vbg_die "the emulator did not come up (sockets in $d)"
}

# vbg_emu_stop: end the emulator.  It normally exits by itself when QEMU
# disconnects; it gets 2 s for that, then SIGTERM, then SIGKILL.  Its exit
# status lands in VBG_EMU_STATUS (unless it was reaped before).
vbg_emu_stop() {
	local i
	[ -n "${VBG_EMU_PID:-}" ] || return 0
	for i in $(seq 30); do
		kill -0 "$VBG_EMU_PID" 2>/dev/null || break
		[ "$i" = 20 ] && kill -TERM "$VBG_EMU_PID" 2>/dev/null
		sleep 0.1
	done
	kill -KILL "$VBG_EMU_PID" 2>/dev/null
	wait "$VBG_EMU_PID" 2>/dev/null
	VBG_EMU_STATUS=$?
	VBG_EMU_PID=
}

# vbg_qemu_args DIR_IN_CHROOT: the QEMU command line (without the binary)
# for a boot whose files are in DIR (as seen from inside the chroot), into
# the array VBG_QEMU_ARGS.  VBG_SMP and VBG_APPEND_EXTRA may adjust it.
# A 4 MiB kernel log ring: the debug kernel's boot alone can overflow the
# default before /init starts reading it (dmesg_clean fails on a hole).
vbg_qemu_args() {
	local d=$1
	if [ "$VBG_ARCH" = arm64 ]; then
		vbg_qemu_args_arm64 "$d"
		return
	fi
	VBG_QEMU_ARGS=(
		-accel tcg
		-object memory-backend-memfd,id=mem,size=512M,share=on
		-machine pc,memory-backend=mem -m 512M -smp "${VBG_SMP:-2}"
		-nodefaults -nographic -no-reboot -net none
		-serial mon:stdio
		-serial "unix:$d/control.sock"
		-serial "file:$d/kmsg.log"
		-kernel "$d/vmlinuz" -initrd "$d/initramfs.cpio.gz"
		-append "console=ttyS0 panic=-1 loglevel=4 log_buf_len=4M ${VBG_APPEND_EXTRA:-}"
		-device "{\"driver\":\"vfio-user-pci\",\"socket\":{\"path\":\"$d/vmmdev.sock\",\"type\":\"unix\"}}"
	)
	# VBG_QEMU_EXTRA: more options, e.g. "-icount shift=0" (profiles).
	# shellcheck disable=SC2206
	VBG_QEMU_ARGS+=(${VBG_QEMU_EXTRA:-})
}

# arm64: the virt machine (cortex-a57: ARMv8.0, the fastest under TCG).
# Its PL011 (ttyAMA0) is the console; a 4-port PCI serial card gives the
# same ttyS1 (control channel) and ttyS2 (whole kernel log) as on x86.
vbg_qemu_args_arm64() {
	local d=$1
	VBG_QEMU_ARGS=(
		-accel tcg -cpu cortex-a57
		-object memory-backend-memfd,id=mem,size=512M,share=on
		-machine virt,memory-backend=mem -m 512M -smp "${VBG_SMP:-2}"
		-nodefaults -nographic -no-reboot -net none
		-serial mon:stdio
		-chardev null,id=s0
		-chardev "socket,id=s1,path=$d/control.sock"
		-chardev "file,id=s2,path=$d/kmsg.log"
		-device pci-serial-4x,chardev1=s0,chardev2=s1,chardev3=s2
		-kernel "$d/vmlinuz" -initrd "$d/initramfs.cpio.gz"
		-append "console=ttyAMA0 panic=-1 loglevel=4 log_buf_len=4M ${VBG_APPEND_EXTRA:-}"
		-device "{\"driver\":\"vfio-user-pci\",\"socket\":{\"path\":\"$d/vmmdev.sock\",\"type\":\"unix\"}}"
	)
}

# ---------------------------------------------------------------------------
# KTAP
# ---------------------------------------------------------------------------

# vbg_ktap_records BOOT_LABEL [END_NOTE DRIVER KMSG_LOG KNOWN_DEFECT]
#     < console.log: one record a line, fields
# separated by tabs:
#   P  prog  case                 passed
#   F  prog  case  note           failed
#   S  prog  case  reason         skipped
#   T  prog  case  reason         known reference defect (not ok # TODO)
#   X  what  note                 a failure that is no single case: a
#                                 program that died, a plan not kept, a boot
#                                 that did not finish
#   I  key   value                boot_to_first_test, last_start
# Top-level module_load and dmesg_clean count as cases of BOOT_LABEL.
# END_NOTE, if given, says how the boot ended when not by poweroff (for
# example "timed out after 170 s").
# DRIVER is reference|ours; KMSG_LOG, the guest's whole kernel log (third
# serial port), is searched for the usercopy signature of the reference's
# 32-bit HGCM defect.  KNOWN_DEFECT, given by the runner only for a
# reference boot of its own of a program marked ref-hgcm32 in suites.txt,
# is the reason every failure of that boot has: a failed case, a program
# that died, a dmesg_clean without its TODO mark, a panic, a timeout all
# become T records with KNOWN_DEFECT and what was seen (the defect corrupts
# the guest kernel at random: which of them happens varies from boot to
# boot).  Passed cases stay passed; a module_load failure (before any
# HGCM call) stays a failure.
vbg_ktap_records() {
	local sig=0
	[ -n "${4:-}" ] && grep -qE "$VBG_REF32_SIG" "$4" 2>/dev/null && sig=1
	awk -v boot="$1" -v endnote="${2:-}" -v driver="${3:-}" -v ref32_sig="$sig" \
		-v known="${5:-}" "$VBG_KTAP_AWK"
}
VBG_REF32_SIG='usercopy: Kernel memory (overwrite|exposure)|vbg_hgcm_call32'
VBG_REF32_REASON='reference defect: 32-bit HGCM (compat_ioctl) parameter copy-back corrupts memory'


read -r -d '' VBG_KTAP_AWK <<'AWK' || true
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }

# Split "N name # DIRECTIVE" after "ok " / "not ok ": sets R_NAME, R_DIR.
function split_result(s,    i) {
	sub(/^[0-9]+[ \t]*/, "", s)
	i = index(s, " # ")
	if (i) {
		R_NAME = trim(substr(s, 1, i - 1))
		R_DIR = trim(substr(s, i + 3))
	} else if (s ~ /^# /) {
		R_NAME = ""
		R_DIR = trim(substr(s, 3))
	} else {
		R_NAME = trim(s)
		R_DIR = ""
	}
}

# A failure record; in a boot with a KNOWN defect it is that defect (T),
# with what was seen.  Fields after the kind: what, case, note.
function failure(kind, what, cas, note) {
	if (known != "" && !(what == boot && cas == "module_load")) {
		if (note == "" && cas == "dmesg_clean")
			note = "an alarm in the kernel log (not only the usercopy BUG)"
		else if (note == "")
			note = "failed"
		print "T", what, cas, known "; " note
	} else if (kind == "X") {
		print "X", what, note
	} else {
		print kind, what, cas, note
	}
}

function sub_reset() {
	sub_name = ""; sub_plan = -1; sub_seen = 0; sub_failed = 0
	sub_started = 0; last_diag = ""
}

BEGIN {
	OFS = "\t"
	top_plan = -1; top_seen = 0; last_start = ""; last_label = ""
	sub_reset()
}

{ sub(/\r+$/, "") }

# The reference's 32-bit HGCM defect (testrig-notes) leaves these behind.
/usercopy: Kernel memory (overwrite|exposure)|vbg_hgcm_call32/ { ref32_sig = 1 }
/Kernel panic - not syncing/ { panicked = 1 }

/^KTAP version 1$/ { top_plan = -1; top_seen = 0; sub_reset(); next }
/^1\.\.[0-9]+$/ { top_plan = substr($0, 4) + 0; next }
/^# vbg-init: start / {
	last_start = $4
	# 32-bit programs are told apart by a suffix.
	last_label = ($5 == "(32-bit)") ? $4 "[32]" : $4
	sub_reset()
	next
}
/^# vbg-init: boot-to-first-test / { print "I", "boot_to_first_test", $4; next }

/^    KTAP version 1$/ { sub_reset(); sub_started = 1; next }
/^    # Subtest: / { sub_name = trim(substr($0, 15)); sub_started = 1; next }
/^    1\.\.[0-9]+$/ { sub_plan = substr($0, 8) + 0; sub_started = 1; next }
# The last diagnostic of the running case (the reason of a failure).
/^    # / { last_diag = trim(substr($0, 7)); gsub(/\t/, " ", last_diag); next }

/^    (not )?ok [0-9]/ {
	line = substr($0, 5)
	nok = (line ~ /^not ok /)
	sub(/^(not )?ok /, "", line)
	split_result(line)
	prog = last_label != "" ? last_label : (sub_name != "" ? sub_name : "?")
	sub_seen++
	if (R_DIR ~ /^(SKIP|skip)/) {
		r = R_DIR; sub(/^(SKIP|skip)[ \t]*/, "", r)
		print "S", prog, R_NAME, r
	} else if (R_DIR ~ /^(TODO|todo)/ && nok) {
		r = R_DIR; sub(/^(TODO|todo)[ \t]*/, "", r)
		print "T", prog, R_NAME, r
	} else if (nok) {
		sub_failed++
		failure("F", prog, R_NAME, R_DIR != "" ? R_DIR : \
			(last_diag != "" ? "case failed: " last_diag : ""))
	} else {
		print "P", prog, R_NAME
	}
	last_diag = ""
	next
}

/^(not )?ok [0-9]/ {
	line = $0
	nok = (line ~ /^not ok /)
	sub(/^(not )?ok /, "", line)
	split_result(line)
	top_seen++
	name = R_NAME
	if (name == "module_load" || name == "dmesg_clean") {
		r = R_DIR; sub(/^(TODO|todo)[ \t]*/, "", r)
		if (nok && R_DIR ~ /^(TODO|todo)/)
			print "T", boot, name, r
		else if (nok)
			failure("F", boot, name, R_DIR)
		else
			print "P", boot, name
	} else {
		if (name == last_start)
			name = last_label
		if (nok && sub_failed == 0)
			failure("X", name, "(program)", (R_DIR != "" ? R_DIR : "failed") \
				" (no failing case reported)")
		else if (!nok && !sub_started)
			failure("X", name, "(program)", "printed no KTAP subtest")
		else if (!nok && sub_plan >= 0 && sub_seen != sub_plan)
			failure("X", name, "(program)", "planned " sub_plan \
				" cases, reported " sub_seen)
	}
	sub_reset()
	next
}

END {
	how = endnote != "" ? endnote : (panicked ? "kernel panic" : "crash or timeout")
	if (last_start != "")
		how = how "; last program started: " last_label
	if (known != "")
		how = how (ref32_sig ? "; usercopy signature in the kernel log" : \
			"; no usercopy signature (corruption elsewhere)")
	if (top_plan < 0)
		failure("X", boot, "(boot)", "no KTAP plan from /init: " how)
	else if (top_seen < top_plan)
		failure("X", boot, "(boot)", "incomplete: " top_seen " of " \
			top_plan " top-level results: " how)
	print "I", "last_start", last_start
}
AWK
