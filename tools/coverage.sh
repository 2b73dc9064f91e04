#!/bin/sh
# SPDX-License-Identifier: MIT
# Line coverage of lib/ (and the simulated host) by the test suite: configures
# build-cov with gcov instrumentation, runs every test, prints gcovr's text
# summary and writes an HTML report to build-cov/coverage/index.html.
# Usage: tools/coverage.sh [extra meson setup options]
set -eu

cd "$(dirname "$0")/.."
root=$(pwd)
build="build-cov"

for tool in meson ninja gcovr; do
	command -v "$tool" >/dev/null 2>&1 || { echo "coverage.sh: $tool not found" >&2; exit 1; }
done

if [ -d "$build" ]; then
	meson configure "$build" -Db_coverage=true -Dtests=enabled "$@" >/dev/null
else
	meson setup "$build" -Db_coverage=true -Dtests=enabled -Dbuildtype=debug "$@"
fi
# Only the test programs: the freestanding vDSO object links without libc,
# so it cannot carry gcov's runtime.
# shellcheck disable=SC2046
ninja -C "$build" tools/pvclock-sim $(for t in math maps source getcpu getcpu_own_rseq protocols \
	torture realpage; do echo "tests/test_$t"; done)
# Counters from an earlier run would be added to this one's.
find "$build" -name '*.gcda' -delete
# The tests' verdict matters less here than what they exercised; report both.
status=0
meson test -C "$build" --no-rebuild --print-errorlogs --suite unit --suite torture \
	--suite realpage || status=$?

mkdir -p "$build/coverage"
# Counters only from the library, the simulated host and the tests (other
# objects may compile the same sources with other options).
data="$build/lib $build/tools $build/tests"
filters="--filter $root/lib/ --filter $root/tools/sim/simhost.c --filter $root/include/"
# shellcheck disable=SC2086
gcovr --root "$root" $filters --exclude-unreachable-branches --print-summary \
	--txt "$build/coverage/summary.txt" \
	--html-details "$build/coverage/index.html" $data
cat "$build/coverage/summary.txt"
echo "lib/ only:"
# gcovr replaces its output file, so never point it at /dev/null.
# shellcheck disable=SC2086
gcovr --root "$root" --filter "$root/lib/" --print-summary \
	--txt "$build/coverage/summary-lib.txt" $data | tail -3
echo "HTML report: $build/coverage/index.html"
exit "$status"
