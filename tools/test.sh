#!/bin/sh
# Set everything up and run the whole test suite: the glibc build with the
# Criterion tests, the musl build (static library, static programs), the
# glibc build again under AddressSanitizer and UBSan, then the libFuzzer
# harnesses (clang) for a few seconds each.
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
if [ -d build ]; then meson setup --reconfigure build -Dtests=enabled; else meson setup build -Dtests=enabled; fi
ninja -C build
# No test may change the machine's clock unless -Dclock_tests=enabled asks.
sh tools/no-clock-changes.sh meson test -C build --print-errorlogs -v
if [ -d build-musl ]; then
	CC=musl-gcc meson setup --reconfigure build-musl -Dtests=disabled
else
	CC=musl-gcc meson setup build-musl -Dtests=disabled
fi
ninja -C build-musl
meson test -C build-musl --print-errorlogs -v

# UB stops the test that meets it.  The freestanding drop-in and the tests
# that load it are left out of this tree (vdso/meson.build says why).
# Criterion runs one test at a time here: its runner leaks an allocation
# when tests with different timeouts overlap, which fails the program.
asan_opts="-Dtests=enabled -Db_sanitize=address,undefined -Db_lundef=false -Dtorture_seconds=1"
# shellcheck disable=SC2086
if [ -d build-asan ]; then meson setup --reconfigure build-asan $asan_opts; else meson setup build-asan $asan_opts; fi
ninja -C build-asan
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 CRITERION_JOBS=1 \
	meson test -C build-asan --print-errorlogs -v

# Only the harnesses are built in this tree; their output is in
# build-fuzz/meson-logs/testlog.txt.
if [ -d build-fuzz ]; then
	CC=clang meson setup --reconfigure build-fuzz -Dfuzz=enabled -Dtests=disabled
else
	CC=clang meson setup build-fuzz -Dfuzz=enabled -Dtests=disabled
fi
ninja -C build-fuzz fuzz
meson test -C build-fuzz --no-rebuild --suite fuzz --print-errorlogs
