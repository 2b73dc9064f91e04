/* SPDX-License-Identifier: MIT */
/*
 * The order of a run: availability, the timer's own cost, a first clock
 * comparison, throughput and latency in repetitions that rotate the order
 * of the paths (slow drift of the machine then hits every path alike),
 * thread scaling, warp checks, the update storm, a last clock comparison.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bracket.h"
#include "drift.h"
#include "env.h"
#include "pin.h"
#include "pool.h"
#include "run.h"
#include "sim.h"

struct preset {
	const char *mode;
	unsigned reps;
	double sample_ms;
	size_t lat_samples;
	double warp_seconds;
	unsigned bracket_reads;
};

static const struct preset presets[] = {
	{ "smoke", 2, 0.2, 256, 0.005, 1000 },
	{ "quick", 5, 2, 4000, 0.05, 100000 },
	{ "default", 9, 8, 30000, 0.3, 1000000 },
	{ "long", 31, 40, 200000, 3, 10000000 },
};

int cb_options_preset(struct cb_options *o, const char *mode)
{
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		if (strcmp(presets[i].mode, mode) != 0)
			continue;
		o->mode = presets[i].mode;
		o->reps = presets[i].reps;
		o->sample_ms = presets[i].sample_ms;
		o->lat_samples = presets[i].lat_samples;
		o->lat_batch = 8;
		o->warp_seconds = presets[i].warp_seconds;
		o->bracket_reads = presets[i].bracket_reads;
		o->storm = 1;
		o->storm_update_ns = 0;
		return 0;
	}
	return -1;
}

static void progress(const struct cb_options *o, const char *fmt, ...)
{
	va_list ap;

	if (!o->progress)
		return;
	va_start(ap, fmt);
	fputs("clockbench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double median_of(double *v, size_t n)
{
	return cb_summarize(v, n).median;
}

/* Reads per sample so that one sample lasts about @ticks. */
static uint64_t calibrate(struct cb_pool *pool, const struct cb_path *p, double ticks)
{
	uint64_t n = 16, errors = 0;
	double t = 0;

	while (n < (1ull << 40)) {
		cb_pool_run(pool, p, CB_JOB_LOOP, n, 1, &t, &errors, NULL, 0);
		if (t >= ticks / 8)
			break;
		n *= 4;
	}
	if (t <= 0)
		return n;
	n = (uint64_t)((double)n * ticks / t);
	return n ? n : 1;
}

static void finish_ratios(struct cb_report *r)
{
	const struct cb_row *lf = cb_report_row(r, "lfence_rdtsc");
	const struct cb_row *vd = cb_report_row(r, "vdso_monotonic");
	double lf_ns = lf && lf->available ? lf->ns.median : 0;
	double vd_ns = vd && vd->available ? vd->ns.median : 0;

	for (size_t i = 0; i < r->nrows; i++) {
		struct cb_row *row = &r->rows[i];

		if (!row->available)
			continue;
		row->vs_lfence = cb_ratio(row->ns.median, lf_ns);
		row->vs_vdso = cb_ratio(row->ns.median, vd_ns);
	}
}

/* What the phases of one run share. */
struct run {
	double phase_start;               /* CLOCK_MONOTONIC ns when the current phase began */
	const struct cb_options *o;
	struct cb_report *r;
	struct cb_pool *pool;
	int cpus[CB_MAX_THREADS];
	unsigned ncpus, nthreads;
	double ns_per_tick;
	uint64_t *iters;          /* reads per sample, per path */
	double **tp, **ch, **lat; /* per path: throughput and chain ticks/read, latency batches */
	size_t lat_per_rep;
	double *tmp;              /* scratch, at least TMP_MIN entries */
	struct cb_marks *m0, *m1;     /* clocks compared at the start and the end */
};

#define TMP_MIN 4096

static int setup_rows(struct run *x)
{
	static const char *const groups[] = { "floor", "getcpu", "pvclock", "incumbent", "stamp" };
	struct cb_report *r = x->r;
	size_t cap = x->lat_per_rep * r->reps;

	for (size_t i = 0; i < r->nrows; i++) {
		const struct cb_path *p = &cb_paths[i];
		struct cb_row *row = &r->rows[i];
		const char *why = NULL;

		row->id = p->id;
		row->sequence = p->sequence;
		row->group = groups[p->group];
		row->flags = p->flags;
		row->unit = p->unit;
		row->available = p->setup(p, &why) == 0;
		row->why = row->available ? NULL : (why ? why : "unavailable");
		/* A tick-resolution clock cannot show ppm over seconds: no drift for it. */
		row->have_drift = row->available && p->unit == CB_UNIT_NS && p->clock_id != -1 &&
				  !(p->flags & CB_COARSE);
		x->tp[i] = calloc(r->reps, sizeof(double));
		x->ch[i] = calloc(r->reps, sizeof(double));
		x->lat[i] = calloc(cap, sizeof(double));
		if (!x->tp[i] || !x->ch[i] || !x->lat[i])
			return -1;
	}
	return 0;
}

/*
 * "@what k/n (p %, about s left)": the time left estimated from the time
 * the @done of @n steps took.
 */
static void progress_eta(struct run *x, const char *what, unsigned done, unsigned n)
{
	double elapsed = ((double)clock_ns(CLOCK_MONOTONIC) - x->phase_start) / 1e9;

	if (done == 0) {
		x->phase_start = (double)clock_ns(CLOCK_MONOTONIC);
		progress(x->o, "%s 1/%u", what, n);
		return;
	}
	progress(x->o, "%s %u/%u (%.0f%%, about %.0f s left)", what, done + 1, n, 100.0 * done / n,
		 elapsed / done * (n - done));
}

/* Throughput, dependent chain and latency batches, in rotated order. */
static void single_thread(struct run *x)
{
	struct cb_report *r = x->r;

	for (unsigned rep = 0; rep < r->reps; rep++) {
		progress_eta(x, "single thread: repetition", rep, r->reps);
		for (size_t j = 0; j < r->nrows; j++) {
			size_t i = (j + rep) % r->nrows;
			const struct cb_path *p = &cb_paths[i];
			struct cb_row *row = &r->rows[i];
			uint64_t errors_before = row->errors;
			double t = 0;

			if (!row->available)
				continue;
			cb_pool_run(x->pool, p, CB_JOB_LOOP, x->iters[i], 1, &t, &row->errors, NULL, 0);
			x->tp[i][rep] = t / (double)x->iters[i];
			cb_pool_run(x->pool, p, CB_JOB_CHAIN, x->iters[i], 1, &t, &row->errors, NULL, 0);
			x->ch[i][rep] = t / (double)x->iters[i];
			cb_pool_run(x->pool, p, CB_JOB_BATCHES, x->lat_per_rep, 1, NULL, NULL,
				    x->lat[i] + (size_t)rep * x->lat_per_rep, r->lat_batch);
			if (row->errors != errors_before)
				row->status = cb_last_status;
		}
	}
}

static struct cb_summary to_ns(struct cb_summary s, double ns_per_tick)
{
	return (struct cb_summary){ s.min * ns_per_tick, s.median * ns_per_tick,
				    s.max * ns_per_tick };
}

static void summarize_single(struct run *x)
{
	struct cb_report *r = x->r;
	size_t cap = x->lat_per_rep * r->reps;

	for (size_t i = 0; i < r->nrows; i++) {
		struct cb_row *row = &r->rows[i];
		double *lat = x->lat[i];
		struct cb_summary s;

		if (!row->available)
			continue;
		s = cb_summarize(x->tp[i], r->reps);
		row->ticks = s.median;
		row->ns = to_ns(s, x->ns_per_tick);
		row->chain_ns = to_ns(cb_summarize(x->ch[i], r->reps), x->ns_per_tick);
		for (size_t k = 0; k < cap; k++) {
			double v = (lat[k] - r->timer_ticks) / r->lat_batch;

			lat[k] = (v > 0 ? v : 0) * x->ns_per_tick;
		}
		cb_sort(lat, cap);
		row->lat_ns[CB_P50] = cb_percentile(lat, cap, 50);
		row->lat_ns[CB_P90] = cb_percentile(lat, cap, 90);
		row->lat_ns[CB_P99] = cb_percentile(lat, cap, 99);
		row->lat_ns[CB_P999] = cb_percentile(lat, cap, 99.9);
		row->lat_ns[CB_PMAX] = cb_percentile(lat, cap, 100);
		for (int k = 0; k < CB_CDF_POINTS; k++)
			row->cdf_ns[k] = cb_percentile(lat, cap, 100.0 * (k + 0.5) / CB_CDF_POINTS);
	}
}

/* Thread scaling: one thread, then all, back to back for each path. */
static void thread_scaling(struct run *x)
{
	struct cb_report *r = x->r;
	unsigned n = x->nthreads, reps = r->reps;
	double *single = x->tmp, *per = x->tmp + reps;
	double t[CB_MAX_THREADS];

	if (n < 2)
		return;
	for (size_t i = 0; i < r->nrows; i++) {
		struct cb_row *row = &r->rows[i];
		double worst = 0;

		if (i % 8 == 0)
			progress(x->o, "%u threads: paths %zu-%zu of %zu", n, i + 1,
				 i + 8 < r->nrows ? i + 8 : r->nrows, r->nrows);
		if (!row->available)
			continue;
		for (unsigned rep = 0; rep < reps; rep++) {
			cb_pool_run(x->pool, &cb_paths[i], CB_JOB_LOOP, x->iters[i], 1, t,
				    &row->errors, NULL, 0);
			single[rep] = t[0] / (double)x->iters[i];
			cb_pool_run(x->pool, &cb_paths[i], CB_JOB_LOOP, x->iters[i], n, t,
				    &row->errors, NULL, 0);
			for (unsigned k = 0; k < n; k++)
				per[k * reps + rep] = t[k] / (double)x->iters[i];
		}
		/*
		 * The fastest repetition on each side: time taken from the
		 * measuring threads by other work only ever adds, and on a
		 * shared machine it would otherwise pass for a scaling cost.
		 */
		row->nthreads = n;
		for (unsigned k = 0; k < n; k++) {
			row->thread_ns[k] = cb_summarize(per + k * reps, reps).min * x->ns_per_tick;
			if (row->thread_ns[k] > worst)
				worst = row->thread_ns[k];
		}
		row->scaling = cb_ratio(worst, cb_summarize(single, reps).min * x->ns_per_tick);
	}
}

/* Warp check: every thread reads and publishes under one lock. */
static void warp_checks(struct run *x)
{
	struct cb_report *r = x->r;

	for (size_t i = 0, done = 0; i < r->nrows; i++) {
		struct cb_row *row = &r->rows[i];

		if (!row->available || (row->unit != CB_UNIT_TICKS && row->unit != CB_UNIT_NS))
			continue;
		if (done++ % 8 == 0)
			progress(x->o, "warp check: %s and on (%.2f s each)", row->id,
				 x->o->warp_seconds);
		if (cb_warp_run(cb_paths[i].read, NULL, x->nthreads, x->cpus, 0, x->o->warp_seconds,
				&row->warp) != 0)
			continue;
		row->have_warp = 1;
		row->warp_worst_ns = row->unit == CB_UNIT_TICKS
					     ? (double)row->warp.worst * x->ns_per_tick
					     : (double)row->warp.worst;
	}
}

/* The storm rows' median ns/call against the current source. */
static void storm_pass(struct run *x, int storm)
{
	struct cb_report *r = x->r;
	size_t n = 0;

	for (size_t i = 0; i < r->nrows && n < sizeof(r->storm) / sizeof(r->storm[0]); i++) {
		struct cb_storm_row *sr = &r->storm[n];
		double t = 0;

		if (!r->rows[i].available || !(cb_paths[i].flags & CB_STORM))
			continue;
		sr->id = cb_paths[i].id;
		/* Only failures under the storm count: the quiet host never changes. */
		sr->errors = 0;
		for (unsigned rep = 0; rep < r->reps; rep++) {
			cb_pool_run(x->pool, &cb_paths[i], CB_JOB_LOOP, x->iters[i], 1, &t,
				    &sr->errors, NULL, 0);
			x->tmp[rep] = t / (double)x->iters[i];
		}
		if (sr->errors)
			sr->status = cb_last_status;
		*(storm ? &sr->storm_ns : &sr->quiet_ns) = median_of(x->tmp, r->reps) * x->ns_per_tick;
		n++;
	}
	r->nstorm = n;
}

/* Update storm: the same reads against the simulated host, quiet then rewritten. */
static void update_storm(struct run *x)
{
	struct cb_report *r = x->r;
	const struct pvclock_source *storm;
	struct pvclock_source saved = cb_pv;
	const char *why = NULL;
	uint64_t u0;
	double s0, s1;
	int err;

	r->storm_why = "skipped (--no-storm)";
	if (!x->o->storm)
		return;
	r->storm_update_ns = x->o->storm_update_ns;
	storm = cb_storm_open(x->o->storm_update_ns, &why);
	r->storm_why = why;
	if (!storm)
		return;
	progress(x->o, "update storm (pause %u ns between rewrites)", x->o->storm_update_ns);
	cb_pv = *storm;
	storm_pass(x, 0);
	/*
	 * The writer inherits the starting thread's affinity: started from the
	 * last CPU it runs beside the reader on the first, not in turns with it.
	 */
	r->storm_writer_cpu = x->ncpus > 1 ? x->cpus[x->ncpus - 1] : -1;
	if (r->storm_writer_cpu >= 0)
		cb_pin_self(r->storm_writer_cpu);
	err = cb_storm_start();
	cb_pin_self(x->cpus[0]);
	if (err) {
		r->storm_why = "simulated host writer did not start";
	} else {
		u0 = cb_storm_updates();
		s0 = (double)clock_ns(CLOCK_MONOTONIC);
		storm_pass(x, 1);
		s1 = (double)clock_ns(CLOCK_MONOTONIC);
		r->storm_updates_per_s = s1 > s0 ? (double)(cb_storm_updates() - u0) * 1e9 / (s1 - s0)
						 : 0;
		r->storm_ran = 1;
		r->storm_why = NULL;
	}
	cb_storm_close();
	cb_pv = saved;
}

static void release(struct run *x)
{
	if (x->pool)
		cb_pool_destroy(x->pool);
	cb_sim_fini();
	for (size_t i = 0; i < x->r->nrows && x->tp && x->ch && x->lat; i++) {
		free(x->tp[i]);
		free(x->ch[i]);
		free(x->lat[i]);
	}
	free(x->tp), free(x->ch), free(x->lat), free(x->tmp), free(x->iters);
	cb_marks_free(x->m0);
	cb_marks_free(x->m1);
}

int cb_run(const struct cb_options *o, struct cb_report *r)
{
	struct run x = { .o = o, .r = r };
	double t_start = (double)clock_ns(CLOCK_MONOTONIC);
	size_t cap;

	memset(r, 0, sizeof(*r));
	r->show_targets = o->targets;
	r->started = time(NULL);
	r->argc = o->argv ? o->argc : 0;
	r->argv = o->argv;
	cb_paths_init(o->argv0 ? o->argv0 : "clockbench", o->dropin);
	cb_env_collect(&r->env);
	x.ns_per_tick = 1e6 / r->env.tsc_khz;
	x.ncpus = x.nthreads = (unsigned)cb_online_cpus(x.cpus, CB_MAX_THREADS);
	if (o->max_threads && o->max_threads < x.nthreads)
		x.nthreads = o->max_threads;

	r->mode = o->mode;
	r->reps = o->reps ? o->reps : 1;
	r->sample_ms = o->sample_ms;
	r->lat_batch = o->lat_batch ? o->lat_batch : 8;
	r->warp_seconds = o->warp_seconds;
	r->threads = x.nthreads;
	r->nrows = cb_nr_paths;
	x.lat_per_rep = o->lat_samples / r->reps + 1;
	cap = x.lat_per_rep * r->reps;
	r->lat_samples = cap;

	r->rows = calloc(r->nrows, sizeof(*r->rows));
	x.m0 = cb_marks_alloc(r->nrows);
	x.m1 = cb_marks_alloc(r->nrows);
	x.iters = calloc(r->nrows, sizeof(*x.iters));
	x.tp = calloc(r->nrows, sizeof(*x.tp));
	x.ch = calloc(r->nrows, sizeof(*x.ch));
	x.lat = calloc(r->nrows, sizeof(*x.lat));
	/* Scratch: the timer batches, and one thread-scaling path's samples. */
	x.tmp = calloc(TMP_MIN + (size_t)r->reps * (CB_MAX_THREADS + 1), sizeof(*x.tmp));
	x.pool = cb_pool_create(x.cpus, x.nthreads);
	if (!r->rows || !x.m0 || !x.m1 || !x.iters || !x.tp || !x.ch || !x.lat || !x.tmp ||
	    !x.pool || setup_rows(&x) != 0) {
		release(&x);
		free(r->rows);
		r->rows = NULL;
		r->nrows = 0;
		return -1;
	}
	progress(o, "%zu paths, %u threads, mode %s", r->nrows, x.nthreads, r->mode);

	/* The commanding thread waits on the first CPU; the timer is measured there. */
	cb_pin_self(x.cpus[0]);
	cb_timer_batches(x.tmp, TMP_MIN);
	r->timer_ticks = median_of(x.tmp, TMP_MIN);
	r->timer_ns = r->timer_ticks * x.ns_per_tick;
	cb_marks_take(r, x.m0);
	for (size_t i = 0; i < r->nrows; i++)
		if (r->rows[i].available)
			x.iters[i] = calibrate(x.pool, &cb_paths[i], o->sample_ms * r->env.tsc_khz);

	single_thread(&x);
	summarize_single(&x);
	thread_scaling(&x);
	warp_checks(&x);
	progress(o, "kernel bracket: %u reads per path", o->bracket_reads);
	cb_bracket(r, o->bracket_reads);
	update_storm(&x);
	cb_marks_take(r, x.m1);
	cb_drift(r, x.m0, x.m1);
	finish_ratios(r);

	r->cpu_share = cb_pool_cpu_share(x.pool);
	r->duration_s = ((double)clock_ns(CLOCK_MONOTONIC) - t_start) / 1e9;
	progress(o, "done in %.1f s", r->duration_s);
	release(&x);
	return 0;
}

void cb_report_free(struct cb_report *r)
{
	free(r->rows);
	r->rows = NULL;
	r->nrows = 0;
}

double cb_report_min_ratio(const struct cb_report *r, const char *id, const char *base)
{
	const struct cb_row *a = id ? cb_report_row(r, id) : NULL;
	const struct cb_row *b = cb_report_row(r, base);

	if (!a || !b || !a->available || !b->available)
		return 0;
	return cb_ratio(a->ns.min, b->ns.min);
}

const struct cb_row *cb_report_row(const struct cb_report *r, const char *id)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (!strcmp(r->rows[i].id, id))
			return &r->rows[i];
	return NULL;
}
