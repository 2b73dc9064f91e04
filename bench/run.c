/* SPDX-License-Identifier: MIT */
/*
 * The order of a run: availability, the timer's own cost, a first clock
 * comparison, throughput and latency in repetitions that rotate the order
 * of the paths (slow drift of the machine then hits every path alike),
 * thread scaling, warp checks, the update storm, a last clock comparison.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
};

static const struct preset presets[] = {
	{ "smoke", 2, 0.2, 256, 0.005 },
	{ "quick", 5, 2, 4000, 0.05 },
	{ "default", 9, 8, 30000, 0.3 },
	{ "long", 31, 40, 200000, 3 },
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

/* One path reading against a kernel clock, from the tightest of several windows. */
struct cmp {
	double offset;    /* path - kernel clock, at the window's middle */
	double window;    /* width of the window, ns */
	double at;        /* kernel clock at the middle */
};

static struct cmp compare(uint64_t (*read)(void *), clockid_t id)
{
	struct cmp best = { 0, INFINITY, 0 };

	for (int i = 0; i < 32; i++) {
		uint64_t k0 = clock_ns(id), v = read(NULL), k1 = clock_ns(id);
		double w = (double)(k1 - k0), mid = (double)k0 + w / 2;

		if (w < best.window) {
			best.window = w;
			best.offset = (double)v - mid;
			best.at = mid;
		}
	}
	return best;
}

/* The TSC against CLOCK_MONOTONIC_RAW: the kernel's own calibration of the TSC. */
static uint64_t tsc_read(void *unused)
{
	(void)unused;
	return pvclock_rdtsc_lfence();
}

struct clock_marks {
	struct cmp raw, mono;
};

static void mark(struct cb_report *r, struct clock_marks *m, struct cmp *tsc)
{
	for (size_t i = 0; i < r->nrows; i++) {
		const struct cb_path *p = &cb_paths[i];

		if (!r->rows[i].available || p->unit != CB_UNIT_NS || !r->rows[i].have_drift)
			continue;
		m[i].raw = compare(p->read, CLOCK_MONOTONIC_RAW);
		m[i].mono = compare(p->read, CLOCK_MONOTONIC);
	}
	*tsc = compare(tsc_read, CLOCK_MONOTONIC_RAW);
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
		if (row->unit == CB_UNIT_CPU || (row->flags & CB_SIMULATED))
			goto scaling;
		if (!strncmp(row->id, "pv_", 3) && (row->flags & CB_GETCPU_FREE) &&
		    row->vs_lfence > r->free_worst_ratio) {
			r->free_worst_ratio = row->vs_lfence;
			r->free_worst_id = row->id;
		}
		if (!strncmp(row->id, "pv_percpu_", 10) && row->vs_lfence > 0 &&
		    (!r->getcpu_best_id || row->vs_lfence < r->getcpu_best_ratio)) {
			r->getcpu_best_ratio = row->vs_lfence;
			r->getcpu_best_id = row->id;
		}
scaling:
		if (row->nthreads > 1 && row->scaling > r->scaling_worst) {
			r->scaling_worst = row->scaling;
			r->scaling_worst_id = row->id;
		}
	}
}

int cb_run(const struct cb_options *o, struct cb_report *r)
{
	int cpus[CB_MAX_THREADS];
	unsigned nthreads;
	struct cb_pool *pool;
	struct clock_marks *m0, *m1;
	struct cmp tsc0, tsc1;
	uint64_t *iters;
	double **tp, **ch, **lat, *tmp;
	size_t lat_per_rep, cap;
	double ns_per_tick, t_start = (double)clock_ns(CLOCK_MONOTONIC);

	memset(r, 0, sizeof(*r));
	cb_paths_init(o->argv0 ? o->argv0 : "clockbench", o->dropin);
	cb_env_collect(&r->env);
	ns_per_tick = 1e6 / r->env.tsc_khz;

	nthreads = (unsigned)cb_online_cpus(cpus, CB_MAX_THREADS);
	if (o->max_threads && o->max_threads < nthreads)
		nthreads = o->max_threads;
	r->mode = o->mode;
	r->reps = o->reps ? o->reps : 1;
	r->sample_ms = o->sample_ms;
	r->lat_batch = o->lat_batch ? o->lat_batch : 8;
	r->warp_seconds = o->warp_seconds;
	r->threads = nthreads;
	r->nrows = cb_nr_paths;

	lat_per_rep = o->lat_samples / r->reps + 1;
	cap = lat_per_rep * r->reps;
	r->lat_samples = cap;
	r->rows = calloc(r->nrows, sizeof(*r->rows));
	m0 = calloc(r->nrows, sizeof(*m0));
	m1 = calloc(r->nrows, sizeof(*m1));
	iters = calloc(r->nrows, sizeof(*iters));
	tp = calloc(r->nrows, sizeof(*tp));
	ch = calloc(r->nrows, sizeof(*ch));
	lat = calloc(r->nrows, sizeof(*lat));
	tmp = calloc(cap > 4096 ? cap : 4096, sizeof(*tmp));
	pool = cb_pool_create(cpus, nthreads);
	if (!r->rows || !m0 || !m1 || !iters || !tp || !ch || !lat || !tmp || !pool)
		goto fail;

	for (size_t i = 0; i < r->nrows; i++) {
		const struct cb_path *p = &cb_paths[i];
		struct cb_row *row = &r->rows[i];
		static const char *const groups[] = { "floor", "getcpu", "pvclock", "incumbent" };
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
		tp[i] = calloc(r->reps, sizeof(double));
		ch[i] = calloc(r->reps, sizeof(double));
		lat[i] = calloc(cap, sizeof(double));
		if (!tp[i] || !ch[i] || !lat[i])
			goto fail;
	}
	progress(o, "%zu paths, %u threads, mode %s", r->nrows, nthreads, r->mode);

	cb_pin_self(cpus[0]);
	cb_timer_batches(tmp, 4096);
	r->timer_ticks = median_of(tmp, 4096);
	r->timer_ns = r->timer_ticks * ns_per_tick;
	mark(r, m0, &tsc0);

	for (size_t i = 0; i < r->nrows; i++)
		if (r->rows[i].available)
			iters[i] = calibrate(pool, &cb_paths[i], o->sample_ms * r->env.tsc_khz);

	/* Throughput, dependent chain and latency batches, in rotated order. */
	for (unsigned rep = 0; rep < r->reps; rep++) {
		progress(o, "single thread: repetition %u/%u", rep + 1, r->reps);
		for (size_t j = 0; j < r->nrows; j++) {
			size_t i = (j + rep) % r->nrows;
			const struct cb_path *p = &cb_paths[i];
			struct cb_row *row = &r->rows[i];
			uint64_t errors_before = row->errors;
			double t = 0;

			if (!row->available)
				continue;
			cb_pool_run(pool, p, CB_JOB_LOOP, iters[i], 1, &t, &row->errors, NULL, 0);
			tp[i][rep] = t / (double)iters[i];
			cb_pool_run(pool, p, CB_JOB_CHAIN, iters[i], 1, &t, &row->errors, NULL, 0);
			ch[i][rep] = t / (double)iters[i];
			cb_pool_run(pool, p, CB_JOB_BATCHES, lat_per_rep, 1, NULL, NULL,
				    lat[i] + (size_t)rep * lat_per_rep, r->lat_batch);
			if (row->errors != errors_before)
				row->status = cb_last_status;
		}
	}
	for (size_t i = 0; i < r->nrows; i++) {
		struct cb_row *row = &r->rows[i];
		struct cb_summary s;

		if (!row->available)
			continue;
		s = cb_summarize(tp[i], r->reps);
		row->ticks = s.median;
		row->ns = (struct cb_summary){ s.min * ns_per_tick, s.median * ns_per_tick,
					       s.max * ns_per_tick };
		s = cb_summarize(ch[i], r->reps);
		row->chain_ns = (struct cb_summary){ s.min * ns_per_tick, s.median * ns_per_tick,
						     s.max * ns_per_tick };
		for (size_t k = 0; k < cap; k++) {
			double v = (lat[i][k] - r->timer_ticks) / r->lat_batch;

			lat[i][k] = (v > 0 ? v : 0) * ns_per_tick;
		}
		cb_sort(lat[i], cap);
		row->lat_ns[CB_P50] = cb_percentile(lat[i], cap, 50);
		row->lat_ns[CB_P90] = cb_percentile(lat[i], cap, 90);
		row->lat_ns[CB_P99] = cb_percentile(lat[i], cap, 99);
		row->lat_ns[CB_P999] = cb_percentile(lat[i], cap, 99.9);
		row->lat_ns[CB_PMAX] = cb_percentile(lat[i], cap, 100);
		for (int k = 0; k < CB_CDF_POINTS; k++)
			row->cdf_ns[k] = cb_percentile(lat[i], cap, 100.0 * (k + 0.5) / CB_CDF_POINTS);
	}

	/* Thread scaling: one thread, then all, back to back for each path. */
	if (nthreads > 1) {
		double *single = tmp, *per = tmp + r->reps;
		double t[CB_MAX_THREADS];
		unsigned reps_t = r->reps;

		for (size_t i = 0; i < r->nrows; i++) {
			struct cb_row *row = &r->rows[i];
			double worst = 0;

			if (!row->available)
				continue;
			if (i % 8 == 0)
				progress(o, "%u threads: paths %zu-%zu of %zu", nthreads, i + 1,
					 i + 8 < r->nrows ? i + 8 : r->nrows, r->nrows);
			for (unsigned rep = 0; rep < reps_t; rep++) {
				cb_pool_run(pool, &cb_paths[i], CB_JOB_LOOP, iters[i], 1, t,
					    &row->errors, NULL, 0);
				single[rep] = t[0] / (double)iters[i];
				cb_pool_run(pool, &cb_paths[i], CB_JOB_LOOP, iters[i], nthreads, t,
					    &row->errors, NULL, 0);
				for (unsigned k = 0; k < nthreads; k++)
					per[k * reps_t + rep] = t[k] / (double)iters[i];
			}
			/*
			 * The fastest repetition on each side: time taken from the
			 * measuring threads by other work only ever adds, and on a
			 * shared machine it would otherwise pass for a scaling cost.
			 */
			row->nthreads = nthreads;
			for (unsigned k = 0; k < nthreads; k++) {
				row->thread_ns[k] = cb_summarize(per + k * reps_t, reps_t).min * ns_per_tick;
				if (row->thread_ns[k] > worst)
					worst = row->thread_ns[k];
			}
			row->scaling = cb_ratio(worst, cb_summarize(single, reps_t).min * ns_per_tick);
		}
	}

	/* Warp check: every thread reads and publishes under one lock. */
	for (size_t i = 0, done = 0; i < r->nrows; i++) {
		struct cb_row *row = &r->rows[i];

		if (!row->available || row->unit == CB_UNIT_CPU)
			continue;
		if (done++ % 8 == 0)
			progress(o, "warp check: %s and on (%.2f s each)", row->id, o->warp_seconds);
		if (cb_warp_run(cb_paths[i].read, NULL, nthreads, cpus, 0, o->warp_seconds,
				&row->warp) != 0)
			continue;
		row->have_warp = 1;
		row->warp_worst_ns = row->unit == CB_UNIT_TICKS ? (double)row->warp.worst * ns_per_tick
							      : (double)row->warp.worst;
	}

	/* Update storm: the same reads against the simulated host, quiet then rewritten. */
	r->storm_why = "skipped (--no-storm)";
	if (o->storm) {
		const char *why = NULL;
		const struct pvclock_source *storm = cb_storm_open(o->storm_update_ns, &why);

		r->storm_update_ns = o->storm_update_ns;
		r->storm_why = why;
		if (storm) {
			struct pvclock_source saved = cb_pv;
			uint64_t u0 = 0, u1;
			double s0 = 0, s1;

			progress(o, "update storm (pause %u ns between rewrites)", o->storm_update_ns);
			cb_pv = *storm;
			for (int phase = 0; phase < 2; phase++) {
				if (phase == 1) {
					if (cb_storm_start() != 0) {
						r->storm_why = "simulated host writer did not start";
						break;
					}
					u0 = cb_storm_updates();
					s0 = (double)clock_ns(CLOCK_MONOTONIC);
				}
				r->nstorm = 0;
				for (size_t i = 0; i < r->nrows && r->nstorm < 8; i++) {
					struct cb_storm_row *sr = &r->storm[r->nstorm];
					double t = 0;

					if (!r->rows[i].available || !(cb_paths[i].flags & CB_STORM))
						continue;
					sr->id = cb_paths[i].id;
					for (unsigned rep = 0; rep < r->reps; rep++) {
						cb_pool_run(pool, &cb_paths[i], CB_JOB_LOOP, iters[i], 1,
							    &t, &sr->errors, NULL, 0);
						tmp[rep] = t / (double)iters[i];
					}
					if (sr->errors)
						sr->status = cb_last_status;
					*(phase ? &sr->storm_ns : &sr->quiet_ns) =
						median_of(tmp, r->reps) * ns_per_tick;
					r->nstorm++;
				}
				if (phase == 1) {
					u1 = cb_storm_updates();
					s1 = (double)clock_ns(CLOCK_MONOTONIC);
					r->storm_ran = 1;
					r->storm_why = NULL;
					r->storm_updates_per_s = s1 > s0 ? (double)(u1 - u0) * 1e9 / (s1 - s0) : 0;
				}
			}
			cb_storm_close();
			cb_pv = saved;
		}
	}

	/* Clock quality over the whole run. */
	mark(r, m1, &tsc1);
	for (size_t i = 0; i < r->nrows; i++) {
		struct cb_row *row = &r->rows[i];
		double span = m1[i].raw.at - m0[i].raw.at, mspan = m1[i].mono.at - m0[i].mono.at;
		struct timespec res = { 0, 0 };

		if (!row->have_drift)
			continue;
		clock_getres(cb_paths[i].clock_id, &res);
		row->raw_offset_ns = m0[i].raw.offset;
		row->raw_drift_ns = m1[i].raw.offset - m0[i].raw.offset;
		row->raw_drift_ppm = span > 0 ? row->raw_drift_ns / span * 1e6 : 0;
		row->mono_drift_ns = m1[i].mono.offset - m0[i].mono.offset;
		row->mono_drift_ppm = mspan > 0 ? row->mono_drift_ns / mspan * 1e6 : 0;
		row->drift_uncertainty_ns = m0[i].raw.window + m1[i].raw.window +
					    2.0 * (double)res.tv_nsec;
	}
	if (r->env.page_rc == PVCLOCK_OK) {
		struct pvclock_record rec;

		if (pvclock_source_snapshot(&cb_state.kernel_src, 0, &rec, NULL) == PVCLOCK_OK &&
		    rec.tsc_to_system_mul && tsc1.at > tsc0.at) {
			/* ns per tick = mul * 2^shift / 2^32: the record's rate, exactly. */
			r->record_ns_per_tick = ldexp((double)rec.tsc_to_system_mul, rec.tsc_shift - 32);
			/* tsc*.offset is ticks minus ns; the raw clock's rate over the run follows. */
			r->kernel_ns_per_tick = (tsc1.at - tsc0.at) /
				((tsc1.at + tsc1.offset) - (tsc0.at + tsc0.offset));
			r->rate_mismatch_ppm = (r->record_ns_per_tick / r->kernel_ns_per_tick - 1) * 1e6;
			r->have_rate = 1;
		}
	}

	finish_ratios(r);
	r->duration_s = ((double)clock_ns(CLOCK_MONOTONIC) - t_start) / 1e9;
	progress(o, "done in %.1f s", r->duration_s);

	cb_pool_destroy(pool);
	cb_sim_fini();
	for (size_t i = 0; i < r->nrows; i++) {
		free(tp[i]);
		free(ch[i]);
		free(lat[i]);
	}
	free(tp), free(ch), free(lat), free(tmp), free(iters), free(m0), free(m1);
	return 0;

fail:
	if (pool)
		cb_pool_destroy(pool);
	cb_sim_fini();
	for (size_t i = 0; r->rows && tp && ch && lat && i < r->nrows; i++) {
		free(tp[i]);
		free(ch[i]);
		free(lat[i]);
	}
	free(tp), free(ch), free(lat), free(tmp), free(iters), free(m0), free(m1);
	free(r->rows);
	r->rows = NULL;
	r->nrows = 0;
	return -1;
}

void cb_report_free(struct cb_report *r)
{
	free(r->rows);
	r->rows = NULL;
	r->nrows = 0;
}

const struct cb_row *cb_report_row(const struct cb_report *r, const char *id)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (!strcmp(r->rows[i].id, id))
			return &r->rows[i];
	return NULL;
}
