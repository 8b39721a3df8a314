# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# KTAP for the host-side check scripts (source it from bash): result adds
# one case, finish prints the plan and "N passed, N failed" and exits,
# non-zero on any failure.
N=0
FAIL=0

result() {	# result STATUS NAME [NOTE]
	N=$((N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $N - $2"
	else
		FAIL=$((FAIL + 1))
		echo "not ok $N - $2${3:+ # $3}"
	fi
}

finish() {
	echo "1..$N"
	echo "$((N - FAIL)) passed, $FAIL failed"
	[ "$FAIL" = 0 ]
	exit
}
