/* SPDX-License-Identifier: MIT */
/* clockbench's statistics on data whose answers are known. */
#include <criterion/criterion.h>
#include <math.h>

#include "stats.h"

#define EPS 1e-9

Test(stats, percentile_interpolates_between_ranks)
{
	const double v[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

	cr_assert_float_eq(cb_percentile(v, 10, 0), 1, EPS);
	cr_assert_float_eq(cb_percentile(v, 10, 100), 10, EPS);
	cr_assert_float_eq(cb_percentile(v, 10, 50), 5.5, EPS);
	/* rank 0.9 * 9 = 8.1: between 9 and 10 */
	cr_assert_float_eq(cb_percentile(v, 10, 90), 9.1, EPS);
	cr_assert_float_eq(cb_percentile(v, 10, 99), 9.91, EPS);
	cr_assert_float_eq(cb_percentile(v, 10, 99.9), 9.991, EPS);
}

Test(stats, percentile_edges)
{
	const double one[] = { 42 };

	cr_assert_float_eq(cb_percentile(one, 1, 0), 42, EPS);
	cr_assert_float_eq(cb_percentile(one, 1, 50), 42, EPS);
	cr_assert_float_eq(cb_percentile(one, 1, 99.9), 42, EPS);
	cr_assert_float_eq(cb_percentile(NULL, 0, 50), 0, EPS);
	/* out-of-range percentiles clamp to the extremes */
	cr_assert_float_eq(cb_percentile(one, 1, -5), 42, EPS);
	cr_assert_float_eq(cb_percentile(one, 1, 150), 42, EPS);
}

Test(stats, percentile_of_a_large_uniform_sample)
{
	static double v[1001];

	for (int i = 0; i <= 1000; i++)
		v[i] = i;
	cr_assert_float_eq(cb_percentile(v, 1001, 50), 500, EPS);
	cr_assert_float_eq(cb_percentile(v, 1001, 90), 900, EPS);
	cr_assert_float_eq(cb_percentile(v, 1001, 99), 990, EPS);
	cr_assert_float_eq(cb_percentile(v, 1001, 99.9), 999, EPS);
}

Test(stats, summary_of_odd_and_even_counts)
{
	double odd[] = { 5, 1, 4, 2, 3 };
	double even[] = { 4, 1, 3, 2 };
	double dup[] = { 7, 7, 7 };
	struct cb_summary s;

	s = cb_summarize(odd, 5);
	cr_assert_float_eq(s.min, 1, EPS);
	cr_assert_float_eq(s.median, 3, EPS);
	cr_assert_float_eq(s.max, 5, EPS);
	/* sorted in place */
	for (int i = 0; i < 5; i++)
		cr_assert_float_eq(odd[i], i + 1, EPS);

	s = cb_summarize(even, 4);
	cr_assert_float_eq(s.min, 1, EPS);
	cr_assert_float_eq(s.median, 2.5, EPS);
	cr_assert_float_eq(s.max, 4, EPS);

	s = cb_summarize(dup, 3);
	cr_assert_float_eq(s.min, 7, EPS);
	cr_assert_float_eq(s.median, 7, EPS);
	cr_assert_float_eq(s.max, 7, EPS);

	s = cb_summarize(NULL, 0);
	cr_assert_float_eq(s.min + s.median + s.max, 0, EPS);
}

Test(stats, ratio)
{
	cr_assert_float_eq(cb_ratio(21.0, 17.5), 1.2, EPS);
	cr_assert_float_eq(cb_ratio(1, 4), 0.25, EPS);
	/* a side that did not run gives no ratio */
	cr_assert_float_eq(cb_ratio(1, 0), 0, EPS);
	cr_assert_float_eq(cb_ratio(0, 1), 0, EPS);
	cr_assert_float_eq(cb_ratio(-1, 2), 0, EPS);
	cr_assert_float_eq(cb_ratio(NAN, 2), 0, EPS);
	cr_assert_float_eq(cb_ratio(2, INFINITY), 0, EPS);
}
