#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the test VM (busybox ash).  Written into the initramfs by run.sh
# together with /etc/vbg-run.conf, which sets:
#   VBG_DRIVER   reference | ours
#   VBG_PROGS    "prog:bits prog:bits ..." in run order
#   VBG_MODULES  the module files to insmod, in order (paths in the guest)
#   VBG_ENV_MODULES  modules udev would load on a real system (evdev),
#                loaded first
#   VBG_PROG_TIMEOUT  seconds before a program is killed (default 120)
#   VBG_MODE     tests (default) | shell | script (runs /vbg-script)
#   VBG_BUILTIN  1: the driver is built into the kernel (the debug kernel):
#                nothing to insmod, module_load checks the device nodes
#   VBG_PROG_LIMITS, VBG_SLOW  for the programs (vbgt.c): their time
#                limits and how much slower this kernel is (a case's
#                own limit times VBG_SLOW)
#   VBG_PROBE_FAILS  1: the host is broken on purpose (make faults'
#                t_faults_bar): module_load passes when the module loads
#                and the probe fails (no device nodes)
# Output is KTAP on the console: the programs print the indented subtests,
# this script the top level (module_load, one line per program,
# dmesg_clean).  Lines "# vbg-init: ..." are for the runner.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null

# The whole kernel log, every level, as it happens, to the third serial
# port (a file on the host: survives a crash that ends the boot) and to
# /tmp/vbg-kmsg.log, which dmesg_clean scans: the ring dmesg reads forgets
# what a flood pushed out, this file does not (vbg-kmsg notes a record it
# could not read in time as lost).
KMSG_LOG=/tmp/vbg-kmsg.log
KMSG_OUT=$KMSG_LOG
if [ -c /dev/ttyS2 ]; then
	stty -F /dev/ttyS2 raw -echo 2>/dev/null
	KMSG_OUT="$KMSG_OUT /dev/ttyS2"
fi
# shellcheck disable=SC2086
vbg-kmsg $KMSG_OUT &

VBG_DRIVER=unknown
VBG_PROGS=
VBG_MODULES=
VBG_ENV_MODULES=
VBG_PROG_TIMEOUT=120
VBG_MODE=tests
VBG_BUILTIN=0
VBG_PROBE_FAILS=0
[ -f /etc/vbg-run.conf ] && . /etc/vbg-run.conf

uptime_s() { cut -d' ' -f1 /proc/uptime; }
# Seconds as a decimal string minus another, one decimal.
sub_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }

finish() {
	sync
	echo "# vbg-init: poweroff at $(uptime_s) s"
	poweroff -f
	sleep 10
}

echo
echo "# vbg-init: kernel $(uname -r), driver $VBG_DRIVER, up $(uptime_s) s"

# The control channel to the emulator is the second serial port; raw, so
# the programs see the emulator's lines byte for byte.
if [ -c /dev/ttyS1 ]; then
	stty -F /dev/ttyS1 raw -echo -echoe -echok -echoctl -echoke 2>/dev/null ||
		echo "# vbg-init: stty on /dev/ttyS1 failed"
fi

ncases=2
for p in $VBG_PROGS; do ncases=$((ncases + 1)); done

echo "KTAP version 1"
echo "1..$ncases"
k=0

for m in $VBG_ENV_MODULES; do
	out=$(insmod "$m" 2>&1) && echo "# vbg-init: loaded ${m##*/}" ||
		echo "# vbg-init: insmod $m failed: $out"
done

# 1: load the module(s) under test.
k=$((k + 1))
load_ok=1
for m in $VBG_MODULES; do
	out=$(insmod "$m" 2>&1) && continue
	load_ok=0
	echo "# insmod $m failed: $out"
	dmesg | grep -iE 'vbox|vmmdev|80ee|cafe' | tail -30 | sed 's/^/# dmesg: /'
	break
done
if [ "$load_ok" = 1 ] && { [ -n "$VBG_MODULES" ] || [ "$VBG_BUILTIN" = 1 ]; }; then
	dmesg | grep -i vbox | sed 's/^/# dmesg: /'
	if [ "$VBG_PROBE_FAILS" = 1 ]; then
		if [ -e /dev/vboxguest ] || [ -e /dev/vboxuser ]; then
			load_ok=0
			echo "# the probe was expected to fail, but the device nodes exist"
		else
			echo "# vbg-init: no device nodes: the probe failed, as expected"
		fi
	elif [ ! -c /dev/vboxguest ] || [ ! -c /dev/vboxuser ]; then
		load_ok=0
		echo "# module loaded but /dev/vboxguest or /dev/vboxuser missing" \
		     "(probe failed?)"
		dmesg | tail -30 | sed 's/^/# dmesg: /'
	fi
fi
[ -n "$VBG_MODULES" ] || [ "$VBG_BUILTIN" = 1 ] ||
	{ load_ok=0; echo "# no module to load"; }
if [ "$load_ok" = 1 ]; then
	echo "ok $k module_load"
	ls -l /dev/vboxguest /dev/vboxuser 2>&1 | sed 's/^/# /'
else
	echo "not ok $k module_load"
fi

# The control channel is part of the rig, not of the driver: the programs
# also use it after dropping to vbguser.
if [ -c /dev/ttyS1 ]; then
	chmod 0666 /dev/ttyS1
	echo "# vbg-init: chmod 0666 /dev/ttyS1 (the emulator's control channel)"
fi

# From here on the console gets only emergencies (an oops makes the console
# verbose by itself); the kernel lines of each program follow its result
# as "# dmesg:" lines, so they cannot cut into the KTAP lines.
echo 2 > /proc/sys/kernel/printk

if [ "$VBG_DRIVER" = reference ] && [ -c /dev/vboxuser ]; then
	chmod 0666 /dev/vboxuser
	echo "# vbg-init: chmod 0666 /dev/vboxuser, as the distro's udev rule" \
	     "would (the reference driver leaves it 0600)"
fi

if [ "$VBG_MODE" = shell ]; then
	echo "# vbg-init: shell; poweroff -f to end"
	setsid cttyhack sh -l
	finish
fi
# Script mode (the demo): /vbg-script instead of the programs.
if [ "$VBG_MODE" = script ]; then
	(cd /tmp && VBG_DRIVER="$VBG_DRIVER" VBG_CTL=/dev/ttyS1 \
		timeout -s KILL "$VBG_PROG_TIMEOUT" sh /vbg-script)
	echo "# vbg-init: script ended with status $?"
	finish
fi

# The programs, one at a time, as root, cwd /tmp.
first=1
for p in $VBG_PROGS; do
	k=$((k + 1))
	name=${p%:*}
	bits=${p##*:}
	bin=/tests/$bits/$name
	if [ "$first" = 1 ]; then
		first=0
		echo "# vbg-init: boot-to-first-test $(uptime_s) s (guest uptime)"
	fi
	echo "# vbg-init: start $name ($bits-bit)"
	if [ ! -x "$bin" ]; then
		echo "not ok $k $name # $bin missing"
		continue
	fi
	if [ "$load_ok" != 1 ]; then
		echo "not ok $k $name # module not loaded"
		continue
	fi
	t0=$(uptime_s)
	kmsg0=$(dmesg | wc -l)
	(cd /tmp && exec env VBG_DRIVER="$VBG_DRIVER" VBG_CTL=/dev/ttyS1 \
		timeout -s KILL "$VBG_PROG_TIMEOUT" "$bin")
	rc=$?
	dt=$(sub_s "$(uptime_s)" "$t0")
	echo "# vbg-init: end $name rc $rc after $dt s"
	kmsg=$(dmesg | tail -n +$((kmsg0 + 1)))
	if [ -n "$kmsg" ]; then
		n=$(echo "$kmsg" | wc -l)
		echo "$kmsg" | head -40 | sed 's/^/# dmesg: /'
		[ "$n" -le 40 ] || echo "# dmesg: ... $((n - 40)) more lines"
	fi
	if [ "$rc" = 0 ]; then
		echo "ok $k $name"
	elif [ "$rc" = 137 ] && [ "${dt%.*}" -ge $((VBG_PROG_TIMEOUT - 1)) ]; then
		echo "not ok $k $name # timeout"
	elif [ "$rc" -gt 128 ]; then
		echo "not ok $k $name # killed by signal $((rc - 128))"
	else
		echo "not ok $k $name # exit status $rc"
	fi
done

# Last: nothing alarming in the whole kernel log (tests/alarms.txt).
k=$((k + 1))
alarm=$(cat /etc/vbg-alarms.re)
# A kernel with kmemleak (the debug kernel): scan now; a leak whose
# allocation trace is in the driver or in vboxsf (its user, built in
# there for make vboxsf-check) is an alarm like the others.
if mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null ||
   [ -e /sys/kernel/debug/kmemleak ]; then
	if [ -e /sys/kernel/debug/kmemleak ]; then
		echo scan > /sys/kernel/debug/kmemleak
		sleep 2
		echo scan > /sys/kernel/debug/kmemleak
		awk '/^unreferenced object/ { if (rec ~ /vbg_|vboxguest|vboxsf/) print rec; rec = "" }
		     { rec = rec $0 "\n" }
		     END { if (rec ~ /vbg_|vboxguest|vboxsf/) print rec }' \
			/sys/kernel/debug/kmemleak > /tmp/vbg-leaks
		n=$(grep -c '^unreferenced object' /sys/kernel/debug/kmemleak)
		echo "# vbg-init: kmemleak: $n suspected leak(s)," \
		     "$(grep -c '^unreferenced object' /tmp/vbg-leaks) in the driver or vboxsf"
		sed 's/^/# kmemleak: /' /tmp/vbg-leaks | head -40
		[ -s /tmp/vbg-leaks ] && echo "kmemleak: suspected memory leak in the driver" > /dev/kmsg
	fi
fi
# Everything logged so far is in $KMSG_LOG once this mark is.
mark="vbg-init: end of the kernel log $$-$(uptime_s)"
echo "$mark" > /dev/kmsg
i=0
while ! grep -qF "$mark" "$KMSG_LOG" 2>/dev/null && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ -z "$alarm" ]; then
	bad="no alarm pattern in /etc/vbg-alarms.re"
elif ! grep -qF "$mark" "$KMSG_LOG" 2>/dev/null; then
	bad="the kernel log reader (vbg-kmsg) stopped: $KMSG_LOG is incomplete"
else
	bad=$(grep -E "$alarm" "$KMSG_LOG" | sed 's/^[0-9]*,[0-9]*,[0-9]*,[^;]*;//')
fi
echo "# vbg-init: kernel log $(grep -c ';' "$KMSG_LOG" 2>/dev/null) records," \
     "ring $(dmesg | wc -l) lines"
# The reference's 32-bit HGCM defect (testrig-notes): its parameter
# copy-back overruns a kmalloc object; hardened usercopy stops it with a
# BUG, or vbg_hgcm_call32 warns.  Only those signatures, on the reference.
known='vbg_hgcm_call32|usercopy|invalid opcode|general protection fault|Call Trace:'
if [ -z "$bad" ]; then
	echo "ok $k dmesg_clean"
else
	echo "$bad" | head -30 | sed 's/^/# dmesg: /'
	if [ "$VBG_DRIVER" = reference ] &&
	   echo "$bad" | grep -qE 'vbg_hgcm_call32|usercopy' &&
	   ! echo "$bad" | grep -qvE "$known"; then
		echo "not ok $k dmesg_clean # TODO reference defect: 32-bit HGCM" \
		     "parameter copy-back overruns its buffer (usercopy BUG /" \
		     "WARNING in vbg_hgcm_call32)"
	# t_pm's boot: the reference warns when a call the host dropped
	# without completing it at a device reset (which it never notices)
	# is killed.  (t_vbclient's boot saw the same while the emulator
	# dropped a client's calls at its disconnect; it keeps them now, as
	# a real host, and Cancel2 finds them: tests/vmmdev/README.)
	elif [ "$VBG_DRIVER" = reference ] &&
	     case " $VBG_PROGS " in *" t_pm:"*) true ;; *) false ;; esac &&
	     ! echo "$bad" | grep -qvE '^WARNING: .* vbg_hgcm_do_call\+|Call Trace:'; then
		echo "not ok $k dmesg_clean # TODO reference defect: WARNING in" \
		     "vbg_hgcm_do_call when a call the host dropped at a" \
		     "device reset is killed"
	else
		echo "not ok $k dmesg_clean"
	fi
fi
echo "# vbg-init: tainted $(cat /proc/sys/kernel/tainted)"
# A kernel with gcov (the debug kernel): the driver's coverage counters,
# base64 on the console, for make coverage.
if [ -d /sys/kernel/debug/gcov ]; then
	for f in $(find /sys/kernel/debug/gcov -name 'vboxguest_*.gcda'); do
		echo "# vbg-gcov-file: ${f##*/}"
		base64 < "$f" | sed 's/^/# vbg-gcov: /'
	done
	echo "# vbg-gcov-end"
fi
finish
