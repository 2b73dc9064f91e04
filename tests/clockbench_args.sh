#!/bin/sh
# SPDX-License-Identifier: MIT
# clockbench's command line: --opt=value and --opt value, conflicting modes
# refused, bad numbers refused, too many threads clamped with a message, an
# SVG path that cannot be written refused before the run, SVG to stdout and
# through a pipe.
# usage: clockbench_args.sh CLOCKBENCH
set -u
cb=$1
fails=0
expect() {
	what=$1 want=$2
	shift 2
	"$@" >/dev/null 2>&1
	rc=$?
	if [ "$rc" = "$want" ]; then echo "ok: $what (exit $rc)"; else echo "FAIL: $what: exit $rc, want $want"; fails=$((fails + 1)); fi
}
fast="--smoke --no-storm --quiet"
expect "--quick --long" 2 "$cb" --quick --long
expect "--json --csv" 2 "$cb" --json --csv
expect "--threads=abc" 2 "$cb" --threads=abc
expect "--threads 0" 2 "$cb" --threads 0
expect "--storm-ns=-5" 2 "$cb" --storm-ns=-5
expect "an unknown option" 2 "$cb" --frobnicate
expect "a stray argument" 2 "$cb" extra
expect "--svg=- with --json" 2 "$cb" --svg=- --json
expect "--svg into a missing directory, refused before the run" 2 "$cb" $fast --svg=/nonexistent/dir/x.svg
expect "--smoke --smoke" 0 "$cb" $fast --smoke
msg=$("$cb" $fast --threads=999 2>&1 >/dev/null)
case "$msg" in
*"--threads 999"*"using"*) echo "ok: --threads=999 clamped: $msg" ;;
*) echo "FAIL: --threads=999: '$msg'"; fails=$((fails + 1)) ;;
esac
svg=$("$cb" $fast --svg=-)
case "$svg" in
"<?xml"*"</svg>") echo "ok: --svg=- writes the pictures to stdout" ;;
*) echo "FAIL: --svg=-"; fails=$((fails + 1)) ;;
esac
piped=$("$cb" $fast --svg /dev/stdout --csv | grep -c "</svg>")
[ "$piped" = 1 ] && echo "ok: --svg into a pipe" || { echo "FAIL: --svg into a pipe"; fails=$((fails + 1)); }
exit $((fails != 0))
