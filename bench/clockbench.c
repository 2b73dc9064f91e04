/* SPDX-License-Identifier: MIT */
/*
 * clockbench - how fast each way of reading the time is on this VM, and
 * how good each resulting clock is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "run.h"

static void usage(FILE *f)
{
	fputs("usage: clockbench [--quick | --long | --smoke] [--json | --csv] [--svg FILE]\n"
	      "                  [--threads N] [--vdso PATH] [--storm-ns N] [--no-storm] [--quiet]\n"
	      "                  [--targets] [--version]\n"
	      "  --quick       a few seconds: the numbers to quote first\n"
	      "  (default)     under a minute\n"
	      "  --long        several minutes: for publication\n"
	      "  --smoke       under a second: checks that everything runs, numbers mean little\n"
	      "  --json        JSON on stdout (schema clockbench/1) instead of the table\n"
	      "  --csv         CSV on stdout, one line per path\n"
	      "  --svg FILE    also draw ns/call, thread scaling and latency CDF into FILE\n"
	      "  --threads N   threads for scaling and warp checks (default: one per CPU)\n"
	      "  --vdso PATH   the project's drop-in clock_gettime library\n"
	      "                (default: $PVCLOCK_VDSO_LIB, else ../vdso/libpvclock-vdso.so.0)\n"
	      "  --storm-ns N  simulated host pauses N ns between record rewrites (default 0)\n"
	      "  --no-storm    skip the update-storm phase\n"
	      "  --quiet       no progress on stderr\n"
	      "  --targets     also judge the project's own speed goals (ticks above the\n"
	      "                lfence;rdtsc floor, ratios to the kernel's vDSO)\n", f);
}

static int parse_uint(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 1000000000ul)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	struct cb_options o;
	struct cb_report r;
	const char *svg = NULL, *mode = "default";
	int json = 0, csv = 0, storm = 1, quiet = 0, targets = 0;
	unsigned threads = 0, storm_ns = 0;
	const char *dropin = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--quick") || !strcmp(a, "--long") || !strcmp(a, "--smoke")) {
			mode = a + 2;
		} else if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--csv")) {
			csv = 1;
		} else if (!strcmp(a, "--svg") && next) {
			svg = next;
			i++;
		} else if (!strcmp(a, "--vdso") && next) {
			dropin = next;
			i++;
		} else if (!strcmp(a, "--threads") && parse_uint(next, &threads) == 0 && threads) {
			i++;
		} else if (!strcmp(a, "--storm-ns") && parse_uint(next, &storm_ns) == 0) {
			i++;
		} else if (!strcmp(a, "--no-storm")) {
			storm = 0;
		} else if (!strcmp(a, "--quiet")) {
			quiet = 1;
		} else if (!strcmp(a, "--targets")) {
			targets = 1;
		} else if (!strcmp(a, "--version")) {
			printf("clockbench (pvclock) %s\n", PVCLOCK_VERSION_STRING);
			return 0;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "clockbench: bad argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (json && csv) {
		fputs("clockbench: --json and --csv exclude each other\n", stderr);
		return 2;
	}

	memset(&o, 0, sizeof(o));
	cb_options_preset(&o, mode);
	o.max_threads = threads;
	o.storm = storm;
	o.storm_update_ns = storm_ns;
	o.progress = !quiet;
	o.targets = targets;
	o.argv0 = argv[0];
	o.dropin = dropin;
	if (cb_run(&o, &r) != 0) {
		fputs("clockbench: out of memory or threads\n", stderr);
		return 1;
	}
	if (json)
		cb_write_json(stdout, &r);
	else if (csv)
		cb_write_csv(stdout, &r);
	else
		cb_write_table(stdout, &r);
	if (svg && cb_write_svg(svg, &r) != 0) {
		fprintf(stderr, "clockbench: cannot write %s\n", svg);
		cb_report_free(&r);
		return 1;
	}
	cb_report_free(&r);
	return fflush(stdout) == 0 ? 0 : 1;
}
