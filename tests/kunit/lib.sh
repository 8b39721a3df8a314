# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared by make kunit and make kunit-arm64 (source it from bash).
#   kunit_counts PARSED   the counts of kunit.py parse's output PARSED as
#                         "P F S" (parameterised cases one by one; crashed
#                         cases and errors count as failed); status 1 if
#                         it has no "Testing complete" line

kunit_counts() {	# kunit_counts PARSED
	local line p f s c e
	line=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$1" | tail -1)
	[ -n "$line" ] || return 1
	p=$(sed -n 's/.*passed: \([0-9]*\).*/\1/p' <<< "$line")
	f=$(sed -n 's/.*failed: \([0-9]*\).*/\1/p' <<< "$line")
	s=$(sed -n 's/.*skipped: \([0-9]*\).*/\1/p' <<< "$line")
	c=$(sed -n 's/.*crashed: \([0-9]*\).*/\1/p' <<< "$line")
	e=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' <<< "$line")
	echo "${p:-0} $(( ${f:-0} + ${c:-0} + ${e:-0} )) ${s:-0}"
}
