# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# A Debian linux-source tree with this driver in it, for the kernels the
# rig builds itself (make debug-kernel, make kunit-arm64).  Source it from
# bash.
#   vbg_ksrc_unpack TAR DIR   TAR (.../linux-source-N.M.tar.xz) unpacked
#                             into DIR/linux-source-N.M once, without the
#                             tree's own vboxguest driver and vbox headers
#                             (clean room: they are never on disk)
#   vbg_ksrc_sync ROOT SRC    our driver and headers from the work tree
#                             ROOT into the tree SRC, by checksum
#   vbg_ksrc_driver_diags LOG the compiler diagnostics of a build log that
#                             name one of our files (none: status 1)

vbg_ksrc_unpack() {	# vbg_ksrc_unpack TAR DIR
	local tar=$1 dir=$2 pkg
	pkg=$(basename "$tar" .tar.xz)
	[ -f "$dir/$pkg/.vbg-unpacked" ] && return 0
	rm -rf "${dir:?}/$pkg" && mkdir -p "$dir" &&
	tar -C "$dir" -xJf "$tar" \
		--exclude="$pkg/drivers/virt/vboxguest" \
		--exclude="$pkg/include/uapi/linux/vbox*.h" \
		--exclude="$pkg/include/linux/vbox_utils.h" &&
	touch "$dir/$pkg/.vbg-unpacked"
}

# Unchanged files keep their timestamps, so a rebuild only compiles what
# changed; a copied file does not keep the source's mtime: a changed file
# must look newer than its object even if it was edited before the last
# build started.
vbg_ksrc_sync() {	# vbg_ksrc_sync ROOT SRC
	local root=$1 src=$2
	mkdir -p "$src/drivers/virt/vboxguest" &&
	rsync -rl --checksum --delete --exclude='*.mod.c' \
		--include='*.c' --include='*.h' --include='Makefile' \
		--include='Kconfig' --include='.kunitconfig' --exclude='*' \
		"$root/" "$src/drivers/virt/vboxguest/" &&
	rsync -rl --checksum "$root"/include/uapi/linux/vbox*.h "$src/include/uapi/linux/" &&
	rsync -rl --checksum "$root"/include/linux/vbox_utils.h "$src/include/linux/"
}

# Any line naming one of our files followed by ": " is a diagnostic, also
# where the warning itself points into a kernel header and our file is
# only in its "In function" or "note:" lines (make's "CC path.o" lines
# have no colon after the path).
vbg_ksrc_driver_diags() {	# vbg_ksrc_driver_diags LOG
	grep -E '(drivers/virt/vboxguest/|include/(uapi/)?linux/vbox)[^: ]*(:[0-9]+)*: ' "$1"
}
