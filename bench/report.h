/* SPDX-License-Identifier: MIT */
/*
 * report.h - everything one clockbench run found, and the writers that
 * print it: a table for people, JSON and CSV for programs, SVG pictures.
 */
#ifndef CLOCKBENCH_REPORT_H
#define CLOCKBENCH_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "paths.h"
#include "stats.h"
#include "warp.h"

#define CB_MAX_THREADS 64
#define CB_CDF_POINTS 64

enum { CB_P50, CB_P90, CB_P99, CB_P999, CB_PMAX, CB_NR_PCT };

struct cb_env {
	char vendor[13], model[49], hypervisor[13];
	unsigned vcpus;
	char kernel[160];
	char clocksource[64];
	char libc[16];
	const char *page_origin;      /* "vvar_vclock", "vvar", "none" */
	uintptr_t page_addr;
	int page_rc;                  /* pvclock_source_open_kernel() status */
	unsigned valid_slots;
	int stable;                   /* vCPU 0's record has TSC_STABLE */
	double tsc_khz;
	const char *tsc_khz_source;   /* "pvclock record" or "calibrated against CLOCK_MONOTONIC_RAW" */
	double hv_tsc_khz;            /* the hypervisor's timing leaf (CPUID 0x40000010); 0: not offered */
	const char *rseq;             /* who registered the thread's rseq area, or "unavailable" */
	const char *dropin;           /* the drop-in library looked for; NULL: static build */
	int rdtscp, rdpid, invariant_tsc;
	int getcpu_ok[PVCLOCK_GETCPU_NR_METHODS];
	const char *getcpu_why[PVCLOCK_GETCPU_NR_METHODS];
};

struct cb_row {
	const char *id, *sequence, *group;
	unsigned flags;
	enum cb_unit unit;
	int available;
	const char *why;              /* reason when not available */
	uint64_t errors;              /* failed reads during the run */
	int status;                   /* the status of one of them */

	struct cb_summary ns;         /* throughput: ns/call over repetitions */
	double ticks;                 /* median TSC ticks/call */
	struct cb_summary chain_ns;   /* dependent chain: ns/call */
	double lat_ns[CB_NR_PCT];     /* per-call latency percentiles, timer subtracted */
	double cdf_ns[CB_CDF_POINTS]; /* latency at quantiles (k + 0.5) / CB_CDF_POINTS */
	double vs_lfence, vs_vdso;    /* median ratios; 0 when a side is missing */

	unsigned nthreads;            /* threads in the scaling run; 0 when not run */
	double thread_ns[CB_MAX_THREADS];  /* per-thread ns/call, all threads at once (fastest rep) */
	double scaling;               /* worst per-thread cost / single-thread cost (fastest reps) */

	int have_warp;
	struct cb_warp_result warp;
	double warp_worst_ns;

	int have_drift;
	double raw_offset_ns;         /* path minus CLOCK_MONOTONIC_RAW at the start */
	double raw_drift_ns, raw_drift_ppm;
	double mono_drift_ns, mono_drift_ppm;
	double drift_uncertainty_ns;  /* read windows plus the clock's resolution */
	int have_bracket;             /* against the kernel's clock_gettime (bracket.h) */
	unsigned bracket_reads, bracket_outside;
	double bracket_p99_ns, bracket_max_ns;  /* distance outside the bracket; 0 inside */
};

struct cb_storm_row {
	const char *id;
	double quiet_ns, storm_ns;    /* median ns/call, no writer vs writer running */
	uint64_t errors;
	int status;                   /* the status of one failed read */
};

struct cb_report {
	struct cb_env env;
	const char *mode;             /* "quick", "default", "long" */
	unsigned reps;
	double sample_ms;
	unsigned lat_batch;           /* reads per latency batch */
	size_t lat_samples;           /* batches per path */
	double timer_ticks, timer_ns; /* the timer pair's own cost, subtracted */
	double warp_seconds;
	unsigned threads;
	double duration_s;
	double cpu_share;             /* fraction of the timed samples the threads ran */

	struct cb_row *rows;
	size_t nrows;

	int storm_ran;
	const char *storm_why;
	unsigned storm_update_ns;
	int storm_writer_cpu;         /* where the writer ran; -1: wherever, sharing the reader's CPU */
	double storm_updates_per_s;
	struct cb_storm_row storm[8];
	size_t nstorm;

	int have_rate;
	double record_ns_per_tick, kernel_ns_per_tick, rate_mismatch_ppm;

	int show_targets;             /* print the project's goals (goals.h) */
	time_t started;               /* when the run began */
	int argc;                     /* the command line it was given */
	const char *const *argv;
};

const struct cb_row *cb_report_row(const struct cb_report *r, const char *id);

/*
 * cb_report_min_ratio - fastest repetition of @id over fastest repetition of
 * @base: the ratio least disturbed by other work on a busy machine; 0 when
 * either is missing.
 */
double cb_report_min_ratio(const struct cb_report *r, const char *id, const char *base);

void cb_write_table(FILE *f, const struct cb_report *r);
void cb_write_json(FILE *f, const struct cb_report *r);
void cb_write_csv(FILE *f, const struct cb_report *r);
/* cb_write_svg - the pictures into @f (a file or a pipe); 0, or -1 when writing failed. */
int cb_write_svg(FILE *f, const struct cb_report *r);

#endif /* CLOCKBENCH_REPORT_H */
