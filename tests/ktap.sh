# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# KTAP for the host-side check scripts (source it from bash):
#   result STATUS NAME [NOTE]   one case ("ok N - NAME" / "not ok N - ...")
#   finish                      the plan and "N passed, N failed"; exits,
#                               non-zero on any failure
#   ktap_summary P F [S]        the last line of a script that counts by
#                               itself: "P passed, F failed[, S skipped]";
#                               status 0 only if nothing failed and
#                               something passed
#   ktap_line FILE              FILE's last such line (a run of another
#                               script; also after "# " or "NAME: ")
#   ktap_totals FILE            its counts, "P F S"; status 1 if it has none
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

ktap_summary() {	# ktap_summary PASSED FAILED [SKIPPED]
	if [ "${3:-0}" -gt 0 ]; then
		echo "$1 passed, $2 failed, $3 skipped"
	else
		echo "$1 passed, $2 failed"
	fi
	[ "$2" = 0 ] && [ "$1" -gt 0 ]
}

ktap_line() {		# ktap_line FILE
	local re='[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$'
	tr -d '\r' < "$1" | grep -E "(^|[#:] )$re" | tail -1 | grep -oE "$re"
}

ktap_totals() {		# ktap_totals FILE
	local line
	line=$(ktap_line "$1")
	[ -n "$line" ] || return 1
	awk '{ print $1, $3, ($5 == "" ? 0 : $5) }' <<< "$line"
}
