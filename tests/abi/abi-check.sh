#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make abi-check: prove that every ioctl number, struct size, field offset
# and constant of our include/uapi/linux/vbox*.h equals the installed
# /usr/include/linux/vbox*.h, for x86_64 (-m64) and i386 (-m32).
#
# Per ABI: values.c is compiled to assembly against the installed headers
# and against ours; the installed values become installed.h and check.c
# static_asserts ours against them (a difference fails the build).  The
# two value lists are then compared fact by fact for the KTAP report.
# Exit status: 0 only if everything matched.
set -u -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OURS=$(cd "$HERE/../../include/uapi" && pwd)
CC=${CC:-gcc}
OUT=${ABI_OUT:-$(mktemp -d)}
trap '[ -z "${ABI_OUT:-}" ] && rm -rf "$OUT"' EXIT
CFLAGS="-std=gnu11 -O0 -Wall -Werror"

values() { # $1 = -m64|-m32, $2.. = extra flags; prints "name value" lines
	local m=$1; shift
	$CC $CFLAGS "$m" "$@" -I"$HERE" -S -o - "$HERE/values.c" |
		sed -n 's/^.*\.ascii[[:space:]]*"->\([A-Za-z0-9_]*\) \(-\{0,1\}[0-9]*\)".*$/\1 \2/p'
}

passed=0
failed=0
n=0
echo "KTAP version 1"
echo "1..$(( 2 * $(grep -c '^CHK' "$HERE/checks.def") ))"
for m in -m64 -m32; do
	arch=x86_64
	[ "$m" = -m32 ] && arch=i386
	if ! values "$m" > "$OUT/inst$m.txt" ||
	   ! values "$m" -I"$OURS" > "$OUT/ours$m.txt"; then
		echo "# $arch: cannot compile values.c" >&2
		exit 1
	fi
	awk '{ printf "#define INST_%s ((int)%s)\n", $1, $2 }' "$OUT/inst$m.txt" \
		> "$OUT/installed.h"
	if ! $CC $CFLAGS "$m" -I"$OURS" -I"$OUT" -I"$HERE" -fsyntax-only \
		"$HERE/check.c"; then
		echo "# $arch: static_assert of ours against installed failed" >&2
		failed=$((failed + 1))
	fi
	while read -r name want && read -r oname got <&3; do
		n=$((n + 1))
		if [ "$name" = "$oname" ] && [ "$want" = "$got" ]; then
			passed=$((passed + 1))
			echo "ok $n $arch $name = $got"
		else
			failed=$((failed + 1))
			echo "not ok $n $arch $name: installed $want, ours $oname $got"
		fi
	done < "$OUT/inst$m.txt" 3< "$OUT/ours$m.txt"
done
echo "# abi-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
