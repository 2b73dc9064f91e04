#!/bin/sh
# SPDX-License-Identifier: MIT
# Run a command (the test suite) and fail when it, or any process it starts,
# made a system call that can change the machine's clock: settimeofday,
# clock_settime, or adjtimex/clock_adjtime with any mode bit set (modes=0
# only reads).  Tests that change the clock run only with -Dclock_tests=enabled.
# Where strace is missing or cannot trace, the command runs unchecked and
# this says so.
set -u
if ! command -v strace >/dev/null 2>&1 || ! strace -f -qq -o /dev/null true 2>/dev/null; then
	echo "no-clock-changes: strace cannot trace here: running unchecked" >&2
	exec "$@"
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
strace -f -qq --seccomp-bpf -e signal=none \
	-e trace=adjtimex,clock_adjtime,settimeofday,clock_settime -o "$log" "$@"
rc=$?
changes=$(grep -E '(settimeofday|clock_settime|adjtimex|clock_adjtime)\(' "$log" | grep -v 'modes=0,' || true)
if [ -n "$changes" ]; then
	echo "no-clock-changes: these calls could change the machine's clock:" >&2
	printf '%s\n' "$changes" | head -n 20 >&2
	exit 1
fi
echo "no-clock-changes: no call that changes the machine's clock ($(grep -c . "$log") clock calls seen, all read-only)"
exit $rc
