/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "drift.h"

/* One clock read against a kernel clock, from the tightest of several windows. */
struct cmp {
	double offset;    /* clock minus kernel clock, at the window's middle */
	double window;    /* width of the window, ns */
	double at;        /* kernel clock at the middle */
};

struct cb_marks {
	struct cmp tsc;   /* the TSC (ticks) against CLOCK_MONOTONIC_RAW */
	size_t nrows;
	struct {
		struct cmp raw, mono;
	} row[];
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

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

static uint64_t tsc_read(void *unused)
{
	(void)unused;
	return pvclock_rdtsc_lfence();
}

struct cb_marks *cb_marks_alloc(size_t nrows)
{
	struct cb_marks *m = calloc(1, sizeof(*m) + nrows * sizeof(m->row[0]));

	if (m)
		m->nrows = nrows;
	return m;
}

void cb_marks_free(struct cb_marks *m)
{
	free(m);
}

void cb_marks_take(const struct cb_report *r, struct cb_marks *m)
{
	for (size_t i = 0; i < r->nrows && i < m->nrows; i++) {
		if (!r->rows[i].have_drift)
			continue;
		m->row[i].raw = compare(cb_paths[i].read, CLOCK_MONOTONIC_RAW);
		m->row[i].mono = compare(cb_paths[i].read, CLOCK_MONOTONIC);
	}
	m->tsc = compare(tsc_read, CLOCK_MONOTONIC_RAW);
}

void cb_drift(struct cb_report *r, const struct cb_marks *start, const struct cb_marks *end)
{
	const struct cmp *t0 = &start->tsc, *t1 = &end->tsc;
	struct pvclock_record rec;

	for (size_t i = 0; i < r->nrows && i < start->nrows; i++) {
		struct cb_row *row = &r->rows[i];
		const struct cmp *a = &start->row[i].raw, *b = &end->row[i].raw;
		const struct cmp *ma = &start->row[i].mono, *mb = &end->row[i].mono;
		struct timespec res = { 0, 0 };

		if (!row->have_drift)
			continue;
		clock_getres(cb_paths[i].clock_id, &res);
		row->raw_offset_ns = a->offset;
		row->raw_drift_ns = b->offset - a->offset;
		row->raw_drift_ppm = b->at > a->at ? row->raw_drift_ns / (b->at - a->at) * 1e6 : 0;
		row->mono_drift_ns = mb->offset - ma->offset;
		row->mono_drift_ppm = mb->at > ma->at ? row->mono_drift_ns / (mb->at - ma->at) * 1e6 : 0;
		row->drift_uncertainty_ns = a->window + b->window + 2.0 * (double)res.tv_nsec;
	}
	if (r->env.page_rc != PVCLOCK_OK || t1->at <= t0->at ||
	    pvclock_source_snapshot(&cb_state.kernel_src, 0, &rec, NULL) != PVCLOCK_OK ||
	    !rec.tsc_to_system_mul)
		return;
	/* ns per tick = mul * 2^shift / 2^32: the record's rate, exactly. */
	r->record_ns_per_tick = ldexp((double)rec.tsc_to_system_mul, rec.tsc_shift - 32);
	/* A TSC mark's offset is ticks minus ns: at + offset is the TSC at the mark. */
	r->kernel_ns_per_tick = (t1->at - t0->at) / ((t1->at + t1->offset) - (t0->at + t0->offset));
	r->rate_mismatch_ppm = (r->record_ns_per_tick / r->kernel_ns_per_tick - 1) * 1e6;
	r->have_rate = 1;
}
