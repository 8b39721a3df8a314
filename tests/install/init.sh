#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of make install-check's VM (busybox ash): what udev does with a
# new PCI device, by hand: modprobe its modalias against the depmod'ed
# tree in /lib/modules/$(uname -r); then the driver must be the installed
# one (srcversion from /etc/vbg-install.conf), its nodes must be there and
# t_info must pass.  KTAP on the console.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs /tmp
. /etc/vbg-install.conf
[ -c /dev/ttyS1 ] && stty -F /dev/ttyS1 raw -echo -echoe -echok -echoctl -echoke 2>/dev/null

echo
echo "KTAP version 1"
echo "1..4"
dev=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x80ee ] && [ "$(cat "$d/device")" = 0xcafe ] && dev=$d
done
alias=$(cat "$dev/modalias" 2>/dev/null)
echo "# device ${dev##*/}, modalias $alias"
out=$(modprobe "$alias" 2>&1)
st=$?
[ -n "$out" ] && echo "$out" | sed 's/^/# modprobe: /'
if [ -n "$alias" ] && [ "$st" = 0 ] && [ -d /sys/module/vboxguest ]; then
	echo "ok 1 modprobe of the PCI modalias loads vboxguest"
else
	echo "not ok 1 modprobe of the PCI modalias loads vboxguest"
fi
src=$(cat /sys/module/vboxguest/srcversion 2>/dev/null)
echo "# srcversion $src, installed $VBG_SRCVERSION"
[ -n "$src" ] && [ "$src" = "$VBG_SRCVERSION" ] &&
	echo "ok 2 the loaded module is the installed one" ||
	echo "not ok 2 the loaded module is the installed one"
if [ -c /dev/vboxguest ] && [ -c /dev/vboxuser ] &&
   [ -e /sys/bus/pci/drivers/vboxguest/"${dev##*/}" ]; then
	echo "ok 3 bound to the device, /dev/vboxguest and /dev/vboxuser"
else
	dmesg | tail -20 | sed 's/^/# dmesg: /'
	echo "not ok 3 bound to the device, /dev/vboxguest and /dev/vboxuser"
fi
(cd /tmp && VBG_DRIVER=ours VBG_CTL=/dev/ttyS1 timeout -s KILL 120 /tests/t_info)
[ $? = 0 ] && echo "ok 4 t_info" || echo "not ok 4 t_info"
dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace:' | sed 's/^/# dmesg: /'
sync
poweroff -f
sleep 10
