#!/bin/sh
# SPDX-License-Identifier: MIT
# The drop-in in a program that runs where start-up cannot do everything:
# no free descriptor, open/openat/pipe2 refused by seccomp, or open/openat/
# pipe2/read and the clock system calls killed by it, /proc hidden (a
# mount namespace), started as "ld.so ./prog", eight threads whose first
# calls race each other (and, loaded by hand, the start-up).  Each must
# answer as libc and the kernel do, and, where the kernel's vDSO serves the
# clocks from memory (clocksource tsc or kvm-clock), serve them without a
# system call (tests/vdso_sandbox_child.c).
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
	if [ "$rc" = 77 ]; then
		echo "skip: $what: no PR_GET_AUXV (Linux < 6.4): start-up by hand reads /proc/self/auxv"
	elif [ "$rc" = 78 ]; then
		echo "skip: $what: the clocksource is neither tsc nor kvm-clock: the kernel's vDSO makes system calls"
	elif [ "$rc" = 0 ]; then
		echo "ok: $what"
	else
		echo "FAIL: $what: exit $rc ($out)"
		fails=$((fails + 1))
	fi
}
# Preloaded: start-up ran while the object loaded, before the sandbox.
# By hand: the object starts up on its first call, inside the sandbox.
for how in preloaded by-hand; do
	if [ $how = preloaded ]; then pre="env LD_PRELOAD=$so"; arg=""; else pre="env"; arg="$so"; fi
	run "$how: no sandbox" $pre "$child" plain $arg
	run "$how: RLIMIT_NOFILE 0 before the first call" $pre "$child" nofile $arg
	run "$how: open, openat, pipe2 refused (EPERM) before the first call" $pre "$child" seccomp $arg
	run "$how: open, openat, pipe2, read and the clock system calls kill (seccomp)" \
		$pre "$child" seccomp-kill $arg
	i=0
	while [ $i -lt 20 ]; do
		run "$how: 8 threads' first calls fail (run $i)" $pre "$child" threads $arg
		i=$((i + 1))
	done
	ldso=$(readelf -l "$child" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	if [ -n "$ldso" ] && [ -x "$ldso" ]; then
		run "$how: started as $ldso ./prog" $pre "$ldso" "$child" plain $arg
	else
		echo "skip: no program interpreter found for ld.so ./prog"
	fi
	if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
		unshare -m true 2>/dev/null; then
		run "$how: /proc hidden by a tmpfs (mount namespace)" unshare -m sh -c \
			"mount -t tmpfs none /proc && exec $pre '$child' plain $arg"
	else
		echo "skip: /proc hidden: needs root and unshare -m"
	fi
done
exit $((fails != 0))
