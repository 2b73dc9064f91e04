#!/bin/sh
# SPDX-License-Identifier: MIT
# Every tool answers --version with "NAME (pvclock) VERSION", VERSION the project's.
# usage: tools_version.sh VERSION TOOL...
set -u
want=$1
shift
fails=0
for tool in "$@"; do
	name=$(basename "$tool")
	out=$("$tool" --version 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && [ "$out" = "$name (pvclock) $want" ]; then
		echo "ok: $out"
	else
		echo "FAIL: $name --version: exit $rc, '$out' (want '$name (pvclock) $want')"
		fails=$((fails + 1))
	fi
done
exit $((fails != 0))
