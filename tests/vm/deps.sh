#!/usr/bin/env bash
# Idempotent set-up of everything the test rig needs on a Debian 12 machine.
#
# Installs Debian packages (gnuplot-nox draws make bench's plot), unpacks
# the distro kernel under test and builds a trixie chroot holding a QEMU
# with the vfio-user client.  Everything that is not a Debian package
# lands in one cache folder outside the work tree: $VBG_CACHE (default
# /var/cache/vboxguest-rig).  A second run only checks.
set -euo pipefail

CACHE=${VBG_CACHE:-/var/cache/vboxguest-rig}
CHROOT=$CACHE/chroot
step() { printf '[deps] %s\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "deps: must run as root" >&2; exit 1; }
mkdir -p "$CACHE"
export DEBIAN_FRONTEND=noninteractive

# The machine's own mirror, never a host name written here.
mirror() {
	local f=/etc/apt/sources.list.d/debian.sources
	if [ -f "$f" ]; then
		awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' "$f"
	else
		awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
			/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
	fi
}

PKGS="build-essential gcc-multilib busybox-static cpio debootstrap kmod xz-utils
      linux-headers-amd64 sparse clang llvm lld bc flex bison libelf-dev libssl-dev
      dwarves python3 rsync linux-source-6.1 qemu-system-x86 gnuplot-nox"
missing=$(dpkg-query -W -f '${Package} ${db:Status-Abbrev}\n' $PKGS 2>/dev/null |
	  awk '$2 != "ii" { print $1 }' || true)
for p in $PKGS; do dpkg-query -W "$p" >/dev/null 2>&1 || missing="$missing $p"; done
missing=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ')
if [ -n "${missing// /}" ]; then
	step "installing Debian packages: $missing"
	apt-get update -q
	apt-get install -y -q --no-install-recommends $missing
else
	step "Debian packages present"
fi

# The distro kernel under test: the image matching the installed headers.
KVER=$(dpkg-query -W -f '${Depends}' linux-headers-amd64 |
       sed -n 's/.*linux-headers-\([0-9][^ ,]*-amd64\).*/\1/p')
[ -n "$KVER" ] || { echo "deps: cannot tell the kernel version" >&2; exit 1; }
KDIR=$CACHE/kernel/$KVER
if [ ! -f "$KDIR/.done" ]; then
	step "unpacking linux-image-$KVER into $KDIR"
	rm -rf "$KDIR" && mkdir -p "$KDIR/deb"
	(cd "$KDIR/deb" && apt-get download -q "linux-image-$KVER")
	dpkg-deb -x "$KDIR"/deb/*.deb "$KDIR/root"
	rm -rf "$KDIR/deb"
	touch "$KDIR/.done"
else
	step "kernel $KVER present"
fi
ln -sfn "$KVER" "$CACHE/kernel/current"

# A trixie chroot with QEMU >= 10.1 from trixie-backports.
if [ ! -f "$CHROOT/.done" ]; then
	M=$(mirror)
	[ -n "$M" ] || { echo "deps: no Debian mirror in the apt configuration" >&2; exit 1; }
	step "debootstrap trixie into $CHROOT (takes about 20 s)"
	rm -rf "$CHROOT"
	debootstrap --variant=minbase trixie "$CHROOT" "$M" > "$CACHE/debootstrap.log" 2>&1 ||
		{ tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
	printf 'deb %s trixie main\ndeb %s trixie-backports main\n' "$M" "$M" \
		> "$CHROOT/etc/apt/sources.list"
	step "installing qemu-system-x86 from trixie-backports in the chroot"
	chroot "$CHROOT" apt-get update -q
	chroot "$CHROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends -t trixie-backports qemu-system-x86
	chroot "$CHROOT" apt-get clean
	touch "$CHROOT/.done"
else
	step "trixie chroot present"
fi
step "QEMU: $(chroot "$CHROOT" qemu-system-x86_64 --version | head -1)"

# guest_tree DEST PREFIX PROG... [-- LIB...]: the chroot's programs
# $PREFIX/PROG into DEST/PROG and the libraries ldd names for them (with
# the loader, and the extra LIBs: ones only dlopen()ed), laid out as in the
# chroot, for run.sh to copy into the initramfs.
guest_tree() {
	local dest=$1 prefix=$2 b l bins=() extra=() libs
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do bins+=("$1"); shift; done
	[ $# -gt 0 ] && shift && extra=("$@")
	for b in "${bins[@]}"; do
		chroot "$CHROOT" ldd "$prefix$b" | grep 'not found' &&
			{ echo "deps: $b: missing libraries" >&2; exit 1; }
		install -D -m 0755 "$CHROOT$prefix$b" "$dest$b"
	done
	libs=$(for l in "${bins[@]/#/$prefix}" "${extra[@]}"; do chroot "$CHROOT" ldd "$l"; done |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
	for l in $(printf '%s\n' $libs "${extra[@]}" | sort -u); do
		install -D -m 0755 "$(readlink -f "$CHROOT$l")" "$dest$l"
	done
}

# VirtualBox's guest userspace (virtualbox-guest-utils: VBoxControl,
# VBoxService, mount.vboxsf; virtualbox-guest-x11: VBoxClient) from sid
# contrib on the same mirror.  The chroot's apt fetches it with a sources
# list and state of its own (the chroot's trixie configuration stays as it
# is); sid's Release file may be past its validity date.  The binaries need trixie's glibc: the guest tree
# $VBU/guest holds them and the chroot's libraries ldd names, laid out as
# in the chroot, for run.sh to copy into the initramfs.  Black boxes: run,
# never read.
VBU=$CACHE/vbox-userspace
VBU_PKGS="virtualbox-guest-utils virtualbox-guest-x11"
# .done holds the package list it was made for: a longer list refetches.
if [ "$(cat "$VBU/.done" 2>/dev/null)" != "$VBU_PKGS" ]; then
	M=$(mirror)
	[ -n "$M" ] || { echo "deps: no Debian mirror in the apt configuration" >&2; exit 1; }
	A=/var/lib/vbg-sid	# apt's state for sid, inside the chroot
	step "fetching $VBU_PKGS from sid contrib into $VBU"
	rm -rf "$VBU" "$CHROOT$A"
	mkdir -p "$CHROOT$A/sources.d" "$CHROOT$A/lists/partial" \
		 "$CHROOT$A/cache/archives/partial" "$CHROOT$A/deb"
	printf 'Types: deb\nURIs: %s\nSuites: sid\nComponents: contrib\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$M" > "$CHROOT$A/sources.d/sid-contrib.sources"
	SIDAPT=(-q -o Dir::Etc::SourceList=/dev/null
		-o Dir::Etc::SourceParts="$A/sources.d"
		-o Dir::State::Lists="$A/lists" -o Dir::Cache="$A/cache"
		-o Acquire::Check-Valid-Until=false)
	chroot "$CHROOT" chown _apt "$A/deb"
	chroot "$CHROOT" apt-get "${SIDAPT[@]}" update
	# shellcheck disable=SC2086
	chroot "$CHROOT" sh -c 'cd "$1" && shift && apt-get "$@"' sh "$A/deb" \
		"${SIDAPT[@]}" download $VBU_PKGS
	mkdir -p "$VBU/guest"
	for d in "$CHROOT$A"/deb/*.deb; do
		step "unpacking ${d##*/}"
		dpkg-deb -x "$d" "$CHROOT$A/root"
	done
	BINS=$(cd "$CHROOT$A/root" && find . -type f -perm -u+x \
		-path '*bin/*' | sed 's|^\.||')
	[ -n "$BINS" ] || { echo "deps: no programs in $VBU_PKGS" >&2; exit 1; }
	# libgcc_s is only dlopen()ed (by pthread_exit), so ldd does not name it.
	guest_tree "$VBU/guest" "$A/root" $BINS \
		-- /usr/lib/x86_64-linux-gnu/libgcc_s.so.1
	cp "$CHROOT$A"/deb/*.deb "$VBU/"
	rm -rf "$CHROOT$A"
	echo "$VBU_PKGS" > "$VBU/.done"
fi
step "VirtualBox guest userspace: $(cd "$VBU" && ls ./*.deb | sed 's|^\./||' | tr '\n' ' ')"
# An X server for VBoxClient (issue 14): trixie's Xvfb, xkbcomp and the
# keyboard data it compiles its keymap from, xrandr and xwininfo to read
# the screen back, xclip to set and read the X selections (the shared
# clipboard), and the X client libraries VBoxClient dlopen()s, installed
# into the chroot and copied into the guest tree $X11/guest.
X11=$CACHE/x11
X11_PKGS="xvfb x11-xkb-utils x11-xserver-utils x11-utils xkb-data libxrandr2 libxmu6 libxt6t64 libxfixes3 libxinerama1 libxi6 libxcomposite1 xclip"
X11_BINS="/usr/bin/Xvfb /usr/bin/xkbcomp /usr/bin/xrandr /usr/bin/xwininfo /usr/bin/xdpyinfo /usr/bin/xclip"
X11_LIBS="libX11.so.6 libXext.so.6 libXrandr.so.2 libXfixes.so.3 libXmu.so.6 libXt.so.6
	  libXrender.so.1 libXinerama.so.1 libXi.so.6 libXcomposite.so.1 libxcb.so.1
	  libX11-xcb.so.1 libXau.so.6 libXdmcp.so.6"
# Built again only if .done lacks a word of the lists (a tree made with
# more stays); built beside the old tree and swapped in, so a run packing
# the old one never sees half a tree.
x11_missing() {
	local w have
	have=" $(cat "$X11/.done" 2>/dev/null) "
	for w in $X11_PKGS $X11_BINS; do
		[[ $have == *" $w "* ]] || return 0
	done
	return 1
}
if x11_missing; then
	step "installing $X11_PKGS in the chroot"
	# shellcheck disable=SC2086
	chroot "$CHROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $X11_PKGS
	chroot "$CHROOT" apt-get clean
	rm -rf "$X11.new"
	# shellcheck disable=SC2046,SC2086
	guest_tree "$X11.new/guest" "" $X11_BINS -- \
		$(for l in $X11_LIBS; do printf '/lib/x86_64-linux-gnu/%s ' "$l"; done)
	mkdir -p "$X11.new/guest/usr/share/X11" "$X11.new/guest/var/lib/xkb"
	cp -a "$CHROOT/usr/share/X11/xkb" "$X11.new/guest/usr/share/X11/"
	echo "$X11_PKGS $X11_BINS" > "$X11.new/.done"
	rm -rf "$X11.old"
	[ ! -e "$X11" ] || mv "$X11" "$X11.old"
	mv "$X11.new" "$X11"
	rm -rf "$X11.old"
fi
step "X server for VBoxClient: $(du -sh "$X11/guest" | cut -f1) in $X11"
step "done; cache in $CACHE"
