/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdlib.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void cb_sort(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_double);
}

double cb_percentile(const double *sorted, size_t n, double p)
{
	double rank, frac;
	size_t lo;

	if (n == 0)
		return 0;
	if (p <= 0)
		return sorted[0];
	if (p >= 100)
		return sorted[n - 1];
	rank = p / 100.0 * (double)(n - 1);
	lo = (size_t)rank;
	frac = rank - (double)lo;
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

struct cb_summary cb_summarize(double *v, size_t n)
{
	struct cb_summary s = { 0, 0, 0 };

	if (n == 0)
		return s;
	cb_sort(v, n);
	s.min = v[0];
	s.max = v[n - 1];
	s.median = cb_percentile(v, n, 50);
	return s;
}

double cb_ratio(double a, double b)
{
	if (!(a > 0) || !(b > 0) || !isfinite(a) || !isfinite(b))
		return 0;
	return a / b;
}
