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
[ -f /usr/include/criterion/criterion.h ] || need="$need libcriterion-dev"
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
echo "deps: installing$need" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
