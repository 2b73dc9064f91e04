#!/bin/sh
# SPDX-License-Identifier: MIT
# The drop-in preloaded into a program that runs where start-up cannot do
# everything: no free descriptor, open/openat/pipe2 refused by seccomp,
# /proc hidden (a mount namespace), started as "ld.so ./prog", eight
# threads whose first calls race the start-up.  Each must answer as libc
# and the kernel do (tests/vdso_sandbox_child.c).
# usage: vdso_sandbox.sh LIBPVCLOCK_VDSO_SO CHILD
set -u
so=$1
child=$2
fails=0
run() {
	what=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = 0 ]; then
		echo "ok: $what"
	else
		echo "FAIL: $what: exit $rc ($out)"
		fails=$((fails + 1))
	fi
}
run "no sandbox" env LD_PRELOAD="$so" "$child" plain
run "RLIMIT_NOFILE 0 before the first call" env LD_PRELOAD="$so" "$child" nofile
run "open, openat, pipe2 refused (EPERM) before the first call" env LD_PRELOAD="$so" "$child" seccomp
i=0
while [ $i -lt 20 ]; do
	run "8 threads' first calls fail (run $i)" env LD_PRELOAD="$so" "$child" threads
	i=$((i + 1))
done
ldso=$(readelf -l "$child" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
if [ -n "$ldso" ] && [ -x "$ldso" ]; then
	run "started as $ldso ./prog" env LD_PRELOAD="$so" "$ldso" "$child" plain
else
	echo "skip: no program interpreter found for ld.so ./prog"
fi
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
	unshare -m true 2>/dev/null; then
	run "/proc hidden by a tmpfs (mount namespace)" unshare -m sh -c \
		"mount -t tmpfs none /proc && exec env LD_PRELOAD='$so' '$child' plain"
else
	echo "skip: /proc hidden: needs root and unshare -m"
fi
exit $((fails != 0))
