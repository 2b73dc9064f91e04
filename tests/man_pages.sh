#!/bin/sh
# SPDX-License-Identifier: MIT
# Every man page renders with man(1) and groff's every warning on, and says nothing.
# usage: man_pages.sh PAGE...
set -u
if ! command -v man >/dev/null 2>&1; then
	echo "skip: man(1) is not installed (Debian: man-db)"
	exit 77
fi
fails=0
for page in "$@"; do
	err=$(MANWIDTH=80 man --warnings=all -l "$page" 2>&1 >/dev/null)
	lines=$(MANWIDTH=80 man -l "$page" 2>/dev/null | wc -l)
	if [ -z "$err" ] && [ "$lines" -gt 10 ]; then
		echo "ok: $(basename "$page"): $lines lines"
	else
		echo "FAIL: $(basename "$page"): $lines lines, warnings: $err"
		fails=$((fails + 1))
	fi
done
exit $((fails != 0))
