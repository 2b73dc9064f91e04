#!/bin/sh
# SPDX-License-Identifier: MIT
# pvclock-run: the drop-in added to LD_PRELOAD (after what is there), the
# command's exit status passed on, 127 for a command that does not exist,
# --check answering in one line.
# usage: pvclock_run.sh PVCLOCK_RUN LIBPVCLOCK_VDSO_SO
set -u
run=$1
so=$2
fails=0
check() {
	if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: got '$2', want '$3'"; fails=$((fails + 1)); fi
}
export PVCLOCK_VDSO_LIB="$so"
check "LD_PRELOAD set" "$(env -u LD_PRELOAD "$run" sh -c 'echo "$LD_PRELOAD"')" "$so"
check "appended to an existing LD_PRELOAD" \
	"$(LD_PRELOAD="$so.keep" "$run" sh -c 'echo "$LD_PRELOAD"' 2>/dev/null)" "$so.keep $so"
check "not added twice" "$(LD_PRELOAD="$so" "$run" sh -c 'echo "$LD_PRELOAD"')" "$so"
"$run" sh -c 'exit 3'
check "exit status passed on" "$?" 3
"$run" /nonexistent/command 2>/dev/null
check "a missing command" "$?" 127
out=$("$run" date +%Y)
check "a real program runs preloaded" "$out" "$(date +%Y)"
out=$("$run" --check)
rc=$?
case "$out" in
"pvclock-run: "*) echo "ok: --check says: $out (exit $rc)" ;;
*) echo "FAIL: --check: '$out'"; fails=$((fails + 1)) ;;
esac
[ "$(echo "$out" | wc -l)" = 1 ] || { echo "FAIL: --check printed more than one line"; fails=$((fails + 1)); }
"$run" >/dev/null 2>&1
check "no command: usage" "$?" 2
exit $((fails != 0))
