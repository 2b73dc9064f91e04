#!/bin/sh
# SPDX-License-Identifier: MIT
# pvclock-sim refuses bad arguments with exit status 2 and a reason naming
# the option, before it runs anything.
set -u
sim=$1
fails=0
refuse() {
	want=$1
	shift
	out=$("$sim" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" != 2 ] || ! printf '%s' "$out" | grep -q -- "$want"; then
		echo "FAIL: pvclock-sim $*: exit $rc, said: $out (wanted exit 2 and '$want')"
		fails=$((fails + 1))
	else
		echo "ok: pvclock-sim $*: $(printf '%s' "$out" | head -n 1)"
	fi
}
refuse "--seconds '-1': not a number" -s -1
refuse "--seconds '0': out of range" -s 0
refuse "--seconds '5x': not a whole number" -s 5x
refuse "out of range" -s 99999999999999999999
refuse "--update-ns '-5'" -u -5
refuse "--rate-ppm '0': out of range" -r 0
refuse "--rate-ppm '100001': out of range" -r 100001
refuse "--offset-ns '-3'" -o -3
refuse "--migrate-ms ''" -M ''
refuse "unknown protocol 'foo'" -p foo
refuse "needs TSC_STABLE" -p vcpu0
refuse "unexpected argument 'extra'" -s 1 extra
exit $((fails != 0))
