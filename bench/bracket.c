/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <time.h>

#include "bracket.h"

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void cb_bracket(struct cb_report *r, unsigned reads)
{
	double *err = reads ? malloc(reads * sizeof(*err)) : NULL;

	for (size_t i = 0; err && cb_kernel_cgt && i < r->nrows; i++) {
		const struct cb_path *p = &cb_paths[i];
		struct cb_row *row = &r->rows[i];
		unsigned outside = 0;

		if (!row->available || !(p->flags & CB_KERNEL_CLOCK))
			continue;
		for (unsigned k = 0; k < reads; k++) {
			struct timespec a, c;
			uint64_t v;

			cb_kernel_cgt(p->clock_id, &a);
			v = p->read(NULL);
			cb_kernel_cgt(p->clock_id, &c);
			/* How far outside [before, after]; 0 inside. */
			err[k] = v < ts_ns(&a) ? (double)(ts_ns(&a) - v) :
				 v > ts_ns(&c) ? (double)(v - ts_ns(&c)) : 0;
			outside += err[k] > 0;
		}
		qsort(err, reads, sizeof(*err), by_value);
		row->have_bracket = 1;
		row->bracket_reads = reads;
		row->bracket_outside = outside;
		row->bracket_p99_ns = err[(size_t)((reads - 1) * 0.99)];
		row->bracket_max_ns = err[reads - 1];
	}
	free(err);
}
