#!/bin/sh
# Checks on libpvclock-vdso.so with readelf: freestanding (no NEEDED), no
# text relocations, at most R_X86_64_RELATIVE relocations, the __vdso_
# names versioned LINUX_2.6 and the plain names exported, nothing else.
# usage: vdso_readelf.sh READELF libpvclock-vdso.so
set -u
readelf=$1
so=$2
fail=0

check() {
	if [ "$1" -eq 0 ]; then echo "ok: $2"; else echo "FAIL: $2"; fail=1; fi
}

dyn=$("$readelf" -dW "$so") || { echo "FAIL: readelf -d"; exit 1; }
echo "$dyn" | grep -q '(NEEDED)'; check $((! $?)) "no NEEDED entries"
echo "$dyn" | grep -qE '\(TEXTREL\)|TEXTREL'; check $((! $?)) "no TEXTREL"
echo "$dyn" | grep -q '(TLSDESC\|(FLAGS).*STATIC_TLS'; check $((! $?)) "no TLS"

relocs=$("$readelf" -rW "$so")
others=$(echo "$relocs" | grep -E '^[0-9a-f]{8,} ' | grep -v 'R_X86_64_RELATIVE' || true)
nrel=$(echo "$relocs" | grep -cE '^[0-9a-f]{8,} ' || true)
echo "relocations: $nrel (all must be R_X86_64_RELATIVE)"
[ -z "$others" ]; check $? "only relative relocations"
[ -z "$others" ] || echo "$others"

"$readelf" -lW "$so" | grep -q 'TLS'; check $((! $?)) "no PT_TLS segment"

syms=$("$readelf" --dyn-syms -W "$so")
for n in clock_gettime gettimeofday time clock_getres getcpu; do
	echo "$syms" | grep -qE " FUNC +GLOBAL +DEFAULT +[0-9]+ __vdso_${n}@@LINUX_2.6\$"
	check $? "__vdso_${n}@@LINUX_2.6 exported"
	echo "$syms" | grep -qE " FUNC +GLOBAL +DEFAULT +[0-9]+ ${n}\$"
	check $? "${n} exported (unversioned, so libc's versioned references bind to it)"
done
extra=$(echo "$syms" | awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" { print $8 }' |
	grep -vxE '(__vdso_)?(clock_gettime|gettimeofday|time|clock_getres|getcpu)(@@LINUX_2\.6)?|LINUX_2\.6' || true)
[ -z "$extra" ]; check $? "exports nothing else${extra:+: $(echo $extra)}"
undef=$(echo "$syms" | awk '$7 == "UND" && $8 != "" { print $8 }')
[ -z "$undef" ]; check $? "no undefined symbols${undef:+: $undef}"

"$readelf" -VW "$so" | grep -q 'Name: LINUX_2.6'; check $? "version definition LINUX_2.6"
"$readelf" -lW "$so" | grep -q 'GNU_STACK.*RWE'; check $((! $?)) "non-executable stack"
exit $fail
