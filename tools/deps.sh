#!/bin/sh
# Install what building and testing pvclock needs (Debian/Ubuntu), only when missing.
set -eu
need=""
command -v meson >/dev/null 2>&1 || need="$need meson"
command -v ninja >/dev/null 2>&1 || need="$need ninja-build"
command -v gcovr >/dev/null 2>&1 || need="$need gcovr"
command -v musl-gcc >/dev/null 2>&1 || need="$need musl-tools"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
command -v cc >/dev/null 2>&1 || need="$need gcc libc6-dev"
command -v readelf >/dev/null 2>&1 || need="$need binutils"
command -v strace >/dev/null 2>&1 || need="$need strace"
command -v man >/dev/null 2>&1 || need="$need man-db"
[ -f /usr/include/criterion/criterion.h ] || need="$need libcriterion-dev"
# clockbench's Abseil row: a C++ compiler and Abseil (optional to the build, installed here).
command -v c++ >/dev/null 2>&1 || need="$need g++"
[ -f /usr/include/absl/time/clock.h ] || need="$need libabsl-dev"
# The fuzz tree: clang and its libFuzzer runtime (Debian 12's clang is clang 14).
command -v clang >/dev/null 2>&1 || need="$need clang"
clang_major=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
[ -f "$(clang -print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-x86_64.a" ] ||
	need="$need libclang-rt-${clang_major:-14}-dev"
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
echo "deps: installing$need" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
