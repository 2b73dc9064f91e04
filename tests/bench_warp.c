/* SPDX-License-Identifier: MIT */
/* The warp counter against fake clocks whose faults are known exactly. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdatomic.h>

#include "warp.h"

#define THREADS 2
#define ITERS 5000
#define TOTAL ((uint64_t)THREADS * ITERS)

/* Reads are serialised by the checker's lock, so the n-th read overall is well defined. */
static atomic_uint_fast64_t reads;

static uint64_t monotonic_clock(void *arg)
{
	(void)arg;
	return 10 * (atomic_fetch_add(&reads, 1) + 1);
}

/* Every 10th read is 25 earlier than 10 * n: 15 before the read just published. */
static uint64_t warping_clock(void *arg)
{
	uint64_t n = atomic_fetch_add(&reads, 1) + 1;

	(void)arg;
	return n % 10 == 0 ? 10 * n - 25 : 10 * n;
}

/* Each value twice: n / 2. */
static uint64_t stalling_clock(void *arg)
{
	(void)arg;
	return (atomic_fetch_add(&reads, 1) + 1) / 2;
}

Test(warp, monotonic_clock_has_no_warps)
{
	struct cb_warp_result r;

	atomic_store(&reads, 0);
	cr_assert_eq(cb_warp_run(monotonic_clock, NULL, THREADS, NULL, ITERS, 0, &r), 0);
	cr_assert_eq(r.reads, TOTAL);
	cr_assert_eq(r.warps, 0);
	cr_assert_eq(r.stalls, 0);
	cr_assert_eq(r.worst, 0);
}

Test(warp, catches_every_backward_step)
{
	struct cb_warp_result r;

	atomic_store(&reads, 0);
	cr_assert_eq(cb_warp_run(warping_clock, NULL, THREADS, NULL, ITERS, 0, &r), 0);
	cr_assert_eq(r.reads, TOTAL);
	cr_assert_eq(r.warps, TOTAL / 10, "warps %llu", (unsigned long long)r.warps);
	cr_assert_eq(r.worst, 15);
	cr_assert_eq(r.stalls, 0);
}

Test(warp, counts_stalls)
{
	struct cb_warp_result r;

	atomic_store(&reads, 0);
	cr_assert_eq(cb_warp_run(stalling_clock, NULL, THREADS, NULL, ITERS, 0, &r), 0);
	cr_assert_eq(r.reads, TOTAL);
	cr_assert_eq(r.warps, 0);
	/* reads 3, 5, 7, ... repeat the value before them */
	cr_assert_eq(r.stalls, (TOTAL - 1) / 2, "stalls %llu", (unsigned long long)r.stalls);
}

Test(warp, timed_run_stops)
{
	struct cb_warp_result r;

	atomic_store(&reads, 0);
	cr_assert_eq(cb_warp_run(warping_clock, NULL, THREADS, NULL, 0, 0.02, &r), 0);
	cr_assert_gt(r.reads, 0);
	cr_assert_eq(r.reads, atomic_load(&reads));
	cr_assert_eq(r.warps, r.reads / 10);
}

Test(warp, bad_arguments)
{
	struct cb_warp_result r;

	cr_assert_eq(cb_warp_run(NULL, NULL, 2, NULL, 10, 0, &r), EINVAL);
	cr_assert_eq(cb_warp_run(monotonic_clock, NULL, 0, NULL, 10, 0, &r), EINVAL);
}
