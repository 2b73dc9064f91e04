#!/bin/sh
# Real programs under LD_PRELOAD=libpvclock-vdso.so: date and a Python loop.
# usage: vdso_preload.sh libpvclock-vdso.so PYTHON_SCRIPT
set -u
so=$1
py=$2
fail=0

# date: the preloaded value lies between two plain runs.
before=$(date +%s%N)
during=$(LD_PRELOAD="$so" date +%s%N) || { echo "FAIL: date under LD_PRELOAD"; exit 1; }
after=$(date +%s%N)
if [ "$before" -le "$during" ] && [ "$during" -le "$after" ]; then
	echo "ok: date $before <= $during <= $after"
else
	echo "FAIL: date $during outside [$before, $after]"
	fail=1
fi
# The same formatted output as without the object (to the minute), from a
# try with no minute boundary between the two plain runs.
while :; do
	a=$(date -u '+%Y-%m-%d %H:%M')
	b=$(LD_PRELOAD="$so" date -u '+%Y-%m-%d %H:%M')
	c=$(date -u '+%Y-%m-%d %H:%M')
	[ "$a" = "$c" ] && break
done
if [ "$b" = "$a" ]; then echo "ok: date -u formats as without it ($b)"; else echo "FAIL: date -u '$b' vs '$a'"; fail=1; fi

if command -v python3 >/dev/null 2>&1; then
	for mode in auto off; do
		if PVCLOCK_VDSO=$mode LD_PRELOAD="$so" python3 "$py" "$so"; then
			echo "ok: python3 loop (PVCLOCK_VDSO=$mode)"
		else
			echo "FAIL: python3 loop (PVCLOCK_VDSO=$mode)"
			fail=1
		fi
	done
else
	echo "SKIP: python3 not found"
fi
exit $fail
