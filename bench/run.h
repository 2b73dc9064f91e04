/* SPDX-License-Identifier: MIT */
/* run.h - one clockbench run: what to measure and how long. */
#ifndef CLOCKBENCH_RUN_H
#define CLOCKBENCH_RUN_H

#include "report.h"

struct cb_options {
	const char *mode;         /* "quick", "default", "long", "smoke" (tests) */
	unsigned reps;            /* repetitions, each over every path in rotated order */
	double sample_ms;         /* length of one throughput sample */
	size_t lat_samples;       /* latency batches per path, all repetitions */
	unsigned lat_batch;       /* reads per latency batch */
	double warp_seconds;      /* warp check per path */
	unsigned bracket_reads;   /* kernel-bracket reads per path claiming a kernel clock */
	unsigned max_threads;     /* 0: one per CPU this process may use */
	int storm;                /* run the update-storm phase */
	unsigned storm_update_ns; /* simulated host's pause between rewrites */
	int progress;             /* progress lines on stderr */
	int targets;              /* report the project's goals (goals.h) */
	const char *argv0;        /* to find the drop-in next to the executable */
	const char *dropin;       /* --vdso PATH; NULL: environment or default */
	int argc;                 /* the command line, for the JSON report */
	const char *const *argv;
};

/* cb_options_preset - the settings of @mode; -1 when @mode is unknown. */
int cb_options_preset(struct cb_options *o, const char *mode);

/* cb_run - measure everything; 0, or -1 when memory or threads ran out. */
int cb_run(const struct cb_options *o, struct cb_report *r);

/* cb_report_free - release what cb_run() allocated. */
void cb_report_free(struct cb_report *r);

#endif /* CLOCKBENCH_RUN_H */
