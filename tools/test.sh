#!/bin/sh
# Set everything up and run the whole test suite: the glibc build with the
# Criterion tests, then the musl build (static library, static programs).
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
if [ -d build ]; then meson setup --reconfigure build -Dtests=enabled; else meson setup build -Dtests=enabled; fi
ninja -C build
meson test -C build --print-errorlogs -v
if [ -d build-musl ]; then
	CC=musl-gcc meson setup --reconfigure build-musl -Dtests=disabled
else
	CC=musl-gcc meson setup build-musl -Dtests=disabled
fi
ninja -C build-musl
meson test -C build-musl --print-errorlogs -v
