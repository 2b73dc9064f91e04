/* SPDX-License-Identifier: MIT */
/*
 * clockbench - how fast each way of reading the time is on this VM, and
 * how good each resulting clock is.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pin.h"
#include "report.h"
#include "run.h"

static void usage(FILE *f)
{
	fputs("usage: clockbench [--quick | --long | --smoke] [--json | --csv] [--svg=FILE]\n"
	      "                  [--threads=N] [--vdso=PATH] [--storm-ns=N] [--no-storm] [--quiet]\n"
	      "                  [--targets] [--version]\n"
	      "  --quick         a few seconds: the numbers to quote first\n"
	      "  (default)       under a minute\n"
	      "  --long          several minutes: for publication\n"
	      "  --smoke         under a second: checks that everything runs, numbers mean little\n"
	      "  --json          JSON on stdout (schema clockbench/1) instead of the table\n"
	      "  --csv           CSV on stdout, one line per path\n"
	      "  --svg=FILE      also draw ns/call, thread scaling and latency CDF into FILE\n"
	      "                  (- : to stdout, instead of the table)\n"
	      "  --threads=N     threads for scaling and warp checks (default and most: one per CPU)\n"
	      "  --vdso=PATH     the project's drop-in clock_gettime library\n"
	      "                  (default: $PVCLOCK_VDSO_LIB, else ../vdso/libpvclock-vdso.so.0,\n"
	      "                  else the installed libpvclock-vdso.so.0)\n"
	      "  --storm-ns=N    simulated host pauses N ns between record rewrites (default 0)\n"
	      "  --no-storm      skip the update-storm phase\n"
	      "  --quiet         no progress on stderr\n"
	      "  --targets       also judge the project's own speed goals (ticks above the\n"
	      "                  lfence;rdtsc floor, ratios to the kernel's vDSO)\n"
	      "Options take their value after '=' or as the next argument.\n", f);
}

static int parse_uint(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 1000000000ul)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int bad(const char *what)
{
	fprintf(stderr, "clockbench: %s\n", what);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, 0, 'q' },          { "long", no_argument, 0, 'l' },
		{ "smoke", no_argument, 0, 's' },          { "json", no_argument, 0, 'j' },
		{ "csv", no_argument, 0, 'c' },            { "svg", required_argument, 0, 'g' },
		{ "threads", required_argument, 0, 't' },  { "vdso", required_argument, 0, 'v' },
		{ "storm-ns", required_argument, 0, 'n' }, { "no-storm", no_argument, 0, 'N' },
		{ "quiet", no_argument, 0, 'Q' },          { "targets", no_argument, 0, 'T' },
		{ "version", no_argument, 0, 'V' },        { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct cb_options o;
	struct cb_report r;
	const char *svg = NULL, *mode = NULL, *dropin = NULL;
	int json = 0, csv = 0, storm = 1, quiet = 0, targets = 0, c, cpus[CB_MAX_THREADS], ncpu;
	unsigned threads = 0, storm_ns = 0;
	FILE *svg_out = NULL;
	char msg[160];

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'q': case 'l': case 's': {
			const char *m = c == 'q' ? "quick" : c == 'l' ? "long" : "smoke";

			if (mode && strcmp(mode, m)) {
				snprintf(msg, sizeof(msg), "--%s and --%s exclude each other", mode, m);
				return bad(msg);
			}
			mode = m;
			break;
		}
		case 'j': json = 1; break;
		case 'c': csv = 1; break;
		case 'g': svg = optarg; break;
		case 'v': dropin = optarg; break;
		case 't':
			if (parse_uint(optarg, &threads) != 0 || threads == 0) {
				snprintf(msg, sizeof(msg), "--threads '%s': give a whole number from 1", optarg);
				return bad(msg);
			}
			break;
		case 'n':
			if (parse_uint(optarg, &storm_ns) != 0) {
				snprintf(msg, sizeof(msg), "--storm-ns '%s': give a whole number of ns", optarg);
				return bad(msg);
			}
			break;
		case 'N': storm = 0; break;
		case 'Q': quiet = 1; break;
		case 'T': targets = 1; break;
		case 'V':
			printf("clockbench (pvclock) %s\n", PVCLOCK_VERSION_STRING);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			snprintf(msg, sizeof(msg), "bad argument '%s'", argv[optind - 1]);
			return bad(msg);
		}
	}
	if (optind < argc) {
		snprintf(msg, sizeof(msg), "unexpected argument '%s'", argv[optind]);
		return bad(msg);
	}
	if (json && csv)
		return bad("--json and --csv exclude each other");
	if (svg && !strcmp(svg, "-") && (json || csv))
		return bad("--svg=- writes the pictures to stdout: it excludes --json and --csv");
	ncpu = cb_online_cpus(cpus, CB_MAX_THREADS);
	if (threads && ncpu > 0 && threads > (unsigned)ncpu) {
		fprintf(stderr, "clockbench: --threads %u: this process may run on %d CPUs; using %d\n",
			threads, ncpu, ncpu);
		threads = (unsigned)ncpu;
	}
	/* Opened before the run: a path that cannot be written fails now, not after a minute. */
	if (svg) {
		svg_out = strcmp(svg, "-") ? fopen(svg, "w") : stdout;
		if (!svg_out) {
			fprintf(stderr, "clockbench: cannot write %s: %s\n", svg, strerror(errno));
			return 2;
		}
	}

	memset(&o, 0, sizeof(o));
	cb_options_preset(&o, mode ? mode : "default");
	o.max_threads = threads;
	o.storm = storm;
	o.storm_update_ns = storm_ns;
	o.progress = !quiet;
	o.targets = targets;
	o.argv0 = argv[0];
	o.dropin = dropin;
	o.argc = argc;
	o.argv = (const char *const *)argv;
	if (cb_run(&o, &r) != 0) {
		fputs("clockbench: out of memory or threads\n", stderr);
		return 1;
	}
	if (json)
		cb_write_json(stdout, &r);
	else if (csv)
		cb_write_csv(stdout, &r);
	else if (svg_out != stdout)
		cb_write_table(stdout, &r);
	if (svg_out) {
		int rc = cb_write_svg(svg_out, &r);

		if ((svg_out != stdout && fclose(svg_out) != 0) || rc != 0) {
			fprintf(stderr, "clockbench: cannot write %s\n", svg);
			cb_report_free(&r);
			return 1;
		}
	}
	cb_report_free(&r);
	return fflush(stdout) == 0 ? 0 : 1;
}
