/* SPDX-License-Identifier: MIT */
/*
 * stats.h - the few statistics clockbench reports: order statistics of a
 * sample and ratios between medians.
 */
#ifndef CLOCKBENCH_STATS_H
#define CLOCKBENCH_STATS_H

#include <stddef.h>

struct cb_summary {
	double min, median, max;
};

/* Sort @n doubles ascending in place. */
void cb_sort(double *v, size_t n);

/*
 * cb_percentile - the @p-th percentile (0..100) of the sorted sample @v,
 * interpolated linearly between the two nearest ranks (p 0 is the
 * minimum, p 100 the maximum).  0 when @n is 0.
 */
double cb_percentile(const double *sorted, size_t n, double p);

/*
 * cb_summarize - min, median and max of @v; sorts @v.  All zero when @n
 * is 0.
 */
struct cb_summary cb_summarize(double *v, size_t n);

/*
 * cb_ratio - @a / @b, or 0 when either is not a positive finite number
 * (a ratio against a path that did not run means nothing).
 */
double cb_ratio(double a, double b);

#endif /* CLOCKBENCH_STATS_H */
