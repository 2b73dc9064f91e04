#!/bin/sh
# Build tests/vdso_static.c with musl-gcc -static against the drop-in's
# sources (compiled by musl-gcc, as the musl tree's archive is) and run it.
# usage: vdso_static.sh MUSL_GCC SOURCE_ROOT WORKDIR SOURCE...
# (SOURCE: the archive's C files and the core's, as meson lists them)
set -eu
cc=$1
src=$2
work=$3
shift 3
mkdir -p "$work"
objs=
for f in "$@"; do
	o="$work/$(basename "$f" .c).o"
	"$cc" -O2 -std=gnu11 -D_GNU_SOURCE -fno-stack-protector \
		-I"$src/include" -I"$src/lib/core" -c "$f" -o "$o"
	objs="$objs $o"
done
rm -f "$work/libpvclock-vdso.a"
ar rcs "$work/libpvclock-vdso.a" $objs
"$cc" -O2 -static "$src/tests/vdso_static.c" -L"$work" -lpvclock-vdso -o "$work/vdso_static"
# The program's clock_gettime must be the archive's, not musl's.
if ! nm "$work/vdso_static" | grep -q 'pvclock_clock_read_other'; then
	echo "FAIL: the archive was not linked in"
	exit 1
fi
exec "$work/vdso_static"
