#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make install-check: the driver installed the two ways a user installs
# it out of tree, for the distro kernel under test (Debian 12's 6.1):
#
#   DKMS   Debian's dkms package (installed if missing): dkms add, build,
#          install of this tree as /usr/src-style source with dkms.conf,
#          in private dkms, source and install trees under build/ (the
#          machine's /lib/modules and /var/lib/dkms stay untouched); the
#          result must be this tree's module (srcversion) and modprobe
#          must resolve the PCI alias to it after depmod; it has no
#          tracepoints, and a second dkms build with VBOXGUEST_TRACING=y
#          in its environment has them (Kconfig's VBOXGUEST_TRACING).
#   make install INSTALL_MOD_PATH=STAGE, where STAGE/lib/modules/KVER is a
#          copy (hard links) of the rig's unpacked kernel tree; depmod
#          there; then the VM boots the distro kernel with an initramfs
#          holding that depmod'ed tree (index files and the modules
#          modprobe needs) and its /init (tests/install/init.sh) loads the
#          driver with busybox modprobe of the device's modalias, as udev
#          would, checks it is ours, the nodes, and runs t_info.
#
# KTAP on stdout, "N passed, N failed" last.  About a minute.
set -uo pipefail
{
. "$(dirname "${BASH_SOURCE[0]}")/../vm/lib.sh"
ROOT=$VBG_ROOT
B=$ROOT/build/install-check
. "$ROOT/tests/ktap.sh"
tail_log() { tail -"${2:-15}" "$1" | sed 's/^/# /'; }

echo "KTAP version 1"
[ "$(id -u)" = 0 ] || { result 1 "running as root"; finish; }
KVER=$(vbg_kver)
KMODS=$(vbg_kernel_modules)
rm -rf "$B"
mkdir -p "$B"

# Our module as make builds it: its srcversion names these sources.
make -C "$ROOT" modules KVER="$KVER" > "$B/modules.log" 2>&1
result $? "make modules for $KVER"
SRCVER=$(modinfo -F srcversion "$ROOT/vboxguest.ko" 2>/dev/null)
echo "# srcversion $SRCVER"

# ---------------------------------------------------------------- DKMS
VER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$ROOT/dkms.conf")
HVER=$(sed -n 's/^#define VBG_VERSION_STRING[ \t]*"\(.*\)"$/\1/p' "$ROOT/vboxguest_version.h")
[ -n "$VER" ] && [ "$VER" = "$HVER" ]
result $? "dkms.conf PACKAGE_VERSION ($VER) is VBG_VERSION_STRING ($HVER)"
if ! command -v dkms > /dev/null; then
	echo "# installing Debian's dkms"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		dkms > "$B/apt.log" 2>&1 || tail_log "$B/apt.log"
fi
command -v dkms > /dev/null
result $? "dkms present ($(dpkg-query -W -f '${Version}' dkms 2>/dev/null))"

D=$B/dkms
SRC=$D/src/vboxguest-$VER
mkdir -p "$SRC/include" "$D/tree" "$D/lib/modules"
# The source as a distribution package would ship it.
for f in "$ROOT"/*.c "$ROOT"/*.h "$ROOT"/Kconfig "$ROOT"/Makefile "$ROOT"/dkms.conf; do
	case $f in *.mod.c) ;; *) cp "$f" "$SRC/" ;; esac
done
cp -r "$ROOT/include/." "$SRC/include/"
cp -al "$KMODS" "$D/lib/modules/$KVER"
rm -f "$D/lib/modules/$KVER"/modules.*	# depmod writes new ones
DKMS=(dkms --sourcetree "$D/src" --dkmstree "$D/tree" --installtree "$D/lib/modules")
for step in add build install; do
	args=("vboxguest/$VER")
	[ "$step" = add ] || args+=(-k "$KVER")
	"${DKMS[@]}" "$step" "${args[@]}" > "$B/dkms-$step.log" 2>&1
	st=$?
	[ "$st" = 0 ] || tail_log "$B/dkms-$step.log"
	result $st "dkms $step vboxguest/$VER${args[1]:+ -k $KVER}"
done
"${DKMS[@]}" status > "$B/dkms-status.log" 2>&1
sed 's/^/# dkms status: /' "$B/dkms-status.log"
grep -q "vboxguest/$VER, $KVER, .*: installed" "$B/dkms-status.log"
result $? "dkms status: installed for $KVER"
ko=$(find "$D/lib/modules/$KVER/updates" -name 'vboxguest.ko*' 2>/dev/null | head -1)
echo "# dkms installed ${ko#"$D"/}"
[ -n "$ko" ] && [ "$(modinfo -F srcversion "$ko")" = "$SRCVER" ] &&
	[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$KVER" ]
result $? "the dkms module is this tree's (srcversion) for $KVER"
# The tracepoints are a build option (Kconfig's VBOXGUEST_TRACING): none
# by default, built in with VBOXGUEST_TRACING=y in dkms's environment.
syms() {
	local f=$1
	case $f in *.xz) xz -dc "$f" > "$B/syms.ko" && f=$B/syms.ko ;; esac
	nm "$f" 2>/dev/null
}
# (grep without -q: it reads all of nm's output, no SIGPIPE for pipefail)
has_sym() { syms "$1" | grep " $2\$" > /dev/null; }
has_tp() { has_sym "$1" __tracepoint_vbg_req; }
[ -n "$ko" ] && has_sym "$ko" __this_module && ! has_tp "$ko"
result $? "the default dkms module has no tracepoints"
depmod -b "$D" "$KVER" 2> "$B/dkms-depmod.log"
res=$(modprobe -d "$D" -S "$KVER" --show-depends 'pci:v000080EEd0000CAFEsv00000000sd00000000bc08sc80i00' 2>&1)
echo "# modprobe --show-depends: $res"
[ -n "$ko" ] && [[ "$res" == *"insmod $ko"* ]]
result $? "after depmod the PCI alias resolves to the dkms module"
"${DKMS[@]}" remove "vboxguest/$VER" --all > "$B/dkms-remove.log" 2>&1 &&
	[ -z "$(find "$D/lib/modules/$KVER/updates" -name 'vboxguest.ko*' 2>/dev/null)" ]
result $? "dkms remove --all removes it"
"${DKMS[@]}" add "vboxguest/$VER" > "$B/dkms-add-tracing.log" 2>&1 &&
	VBOXGUEST_TRACING=y "${DKMS[@]}" build "vboxguest/$VER" -k "$KVER" \
		> "$B/dkms-build-tracing.log" 2>&1
st=$?
[ "$st" = 0 ] || tail_log "$B/dkms-build-tracing.log"
ko=$(find "$D/tree/vboxguest/$VER/$KVER" -name 'vboxguest.ko*' 2>/dev/null | head -1)
echo "# dkms built with VBOXGUEST_TRACING=y: ${ko#"$D"/}"
[ "$st" = 0 ] && [ -n "$ko" ] && has_tp "$ko"
result $? "VBOXGUEST_TRACING=y dkms build: the module has the tracepoints"
"${DKMS[@]}" remove "vboxguest/$VER" --all > "$B/dkms-remove-tracing.log" 2>&1
rm -rf "${D:?}/lib"

# ----------------------------------------------------- make install
S=$B/stage
mkdir -p "$S/lib/modules"
cp -al "$KMODS" "$S/lib/modules/$KVER"
rm -f "$S/lib/modules/$KVER"/modules.*
make -C "$ROOT" install KVER="$KVER" INSTALL_MOD_PATH="$S" > "$B/install.log" 2>&1
st=$?
[ "$st" = 0 ] || tail_log "$B/install.log"
KO=$S/lib/modules/$KVER/updates/vboxguest.ko
[ -f "$KO" ] && [ "$(modinfo -F srcversion "$KO")" = "$SRCVER" ] || st=1
result $st "make install INSTALL_MOD_PATH=... puts vboxguest.ko in updates/"
grep -q '^updates/vboxguest.ko:' "$S/lib/modules/$KVER/modules.dep" &&
	grep -qi '^alias pci:v000080EEd0000CAFEsv\*sd\*bc\*sc\*i\* vboxguest$' \
		"$S/lib/modules/$KVER/modules.alias"
result $? "depmod ran: modules.dep and the PCI alias in modules.alias"
ALIAS='pci:v000080EEd0000CAFEsv00000000sd00000000bc08sc80i00'
MODS=$(modprobe -d "$S" -S "$KVER" --show-depends "$ALIAS" 2>&1 | awk '$1 == "insmod" { print $2 }')
echo "# modprobe resolves the alias to: $MODS"
[[ "$MODS" == *"$KO"* ]]
result $? "the alias resolves to the installed module, not the kernel's own"

# The boot: the depmod'ed tree's index files and the modules modprobe
# needs (the rest of the distro tree would only make the initramfs big).
make -C "$ROOT/tests/vmmdev" build/vmmdev-emu build/vmmdevctl > "$B/emu.log" 2>&1 &&
	make -C "$ROOT/tests/guest" build/64/t_info > "$B/guest.log" 2>&1
st=$?
result $st "the emulator and t_info build"
[ "$st" = 0 ] || finish
vbg_chroot_enter
vbg_prune_rundirs
RUNDIR=$VBG_CHROOT/run/vbg-install-$$
RUNDIR_IN=/run/vbg-install-$$
QEMU_PID=
cleanup() {
	[ -n "$QEMU_PID" ] && kill -KILL "$QEMU_PID" 2>/dev/null
	vbg_emu_stop
	rm -rf "$RUNDIR"
	vbg_chroot_leave
}
trap cleanup EXIT
mkdir -p "$RUNDIR"
I=$RUNDIR/initramfs
vbg_initramfs_tree "$I"
install -m 0755 "$ROOT/tests/install/init.sh" "$I/init"
G=$I/lib/modules/$KVER
mkdir -p "$G"
cp "$S/lib/modules/$KVER"/modules.* "$G/"
for m in $MODS; do
	mkdir -p "$G/$(dirname "${m#"$S/lib/modules/$KVER/"}")"
	cp "$m" "$G/${m#"$S/lib/modules/$KVER/"}"
done
strip -g -o "$I/tests/t_info" "$ROOT/tests/guest/build/64/t_info"
echo "VBG_SRCVERSION=$SRCVER" > "$I/etc/vbg-install.conf"
vbg_cpio "$I" "$RUNDIR/initramfs.cpio.gz"
cp "$(vbg_kernel_image)" "$RUNDIR/vmlinuz"
vbg_emu_start "$RUNDIR" --heartbeat-interval-ms 1000
vbg_qemu_args "$RUNDIR_IN"
timeout -k 5 "${VBG_INSTALL_TIMEOUT:-240}" chroot "$VBG_CHROOT" "$VBG_QEMU" \
	"${VBG_QEMU_ARGS[@]}" < /dev/null 2>&1 | tr -d '\r' > "$B/console.log"
st=${PIPESTATUS[0]}
vbg_emu_stop
cp "$RUNDIR/emu.log" "$RUNDIR/kmsg.log" "$B/" 2>/dev/null
[ "$st" = 0 ] || echo "# QEMU ended with status $st (timeout: 124)"
# The guest's results as ours, nested.
awk '/^KTAP version 1$/ { on = 1; next } on && /^(not )?ok [0-9]|^#|^    /' \
	"$B/console.log" | sed -E 's/^((not )?ok) [0-9]+ /\1 /' > "$B/guest.ktap"
while IFS= read -r l; do
	case $l in
	'ok '*) result 0 "guest: ${l#ok }" ;;
	'not ok '*) result 1 "guest: ${l#not ok }" ;;
	\#*) echo "$l" ;;
	*) echo "# $l" ;;
	esac
done < "$B/guest.ktap"
[ "$(grep -cE '^(not )?ok ' "$B/guest.ktap")" = 4 ]
result $? "the guest reported its 4 cases" "$(tail -5 "$B/console.log" | tr '\n' ' ')"
finish
}
