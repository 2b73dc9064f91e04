/* SPDX-License-Identifier: MIT */
/*
 * Timestamps (pvclock/stamp.h): exact against a simulated kernel's time
 * data in tsc and kvm-clock mode, through its updates (a slew, a step);
 * within the stated bound of the running kernel's clock, from the first call
 * on; never backwards within a thread; ordered stamps never backwards
 * across threads; ticks converted later as stamped.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "pvclock/stamp.h"
#include "pvclock/vdso_sym.h"
#include "simkernel.h"
#include "simkernel_update.h"
#include "clock_state.h"
#include "testhook.h"
#include "vdso_util.h"

/* The bound the header states for unordered stamps, against ordered reads around them. */
#define STAMP_BOUND_NS 50

static const int stamp_clocks[] = {
	CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_TAI,
};
#define NR_STAMP (sizeof(stamp_clocks) / sizeof(stamp_clocks[0]))

static clock_reader_fn kernel_clock(void)
{
	clock_reader_fn k = (clock_reader_fn)pvclock_kernel_vdso_sym("__vdso_clock_gettime");

	if (!k)
		cr_skip_test("the process has no kernel vDSO to compare with");
	return k;
}

/*
 * @n stamps of every clock between two kernel reads; the number beyond
 * [before - @slack, after + @slack].
 */
static long kernel_bracket_stamps(clock_reader_fn kernel, int ordered, int64_t slack, int n)
{
	long bad = 0;

	for (unsigned i = 0; i < NR_STAMP; i++) {
		for (int k = 0; k < n; k++) {
			struct timespec a, c;
			int64_t b;

			kernel(stamp_clocks[i], &a);
			b = ordered ? pvclock_stamp_ns_ordered(stamp_clocks[i]) : pvclock_stamp_ns(stamp_clocks[i]);
			kernel(stamp_clocks[i], &c);
			if (b < ns_of(a) - slack || b > ns_of(c) + slack) {
				if (!bad)
					cr_log_error("clock %d: stamp %lld, kernel [%lld, %lld]", stamp_clocks[i],
						     (long long)b, (long long)ns_of(a), (long long)ns_of(c));
				bad++;
			}
		}
	}
	return bad;
}

/* --- against the running kernel ------------------------------------------------ */

Test(stamp_kernel, first_call_needs_no_warm_up)
{
	clock_reader_fn kernel = kernel_clock();
	struct timespec a, c;
	int64_t b;

	/* A fresh process: nothing has started up, no map exists. */
	kernel(CLOCK_MONOTONIC, &a);
	b = pvclock_stamp_ns(CLOCK_MONOTONIC);
	kernel(CLOCK_MONOTONIC, &c);
	cr_expect(b >= ns_of(a) - STAMP_BOUND_NS && b <= ns_of(c) + STAMP_BOUND_NS,
		  "first stamp %lld outside [%lld, %lld]", (long long)b, (long long)ns_of(a),
		  (long long)ns_of(c));
}

Test(stamp_kernel, within_the_bound_1e6_per_clock, .timeout = 300)
{
	clock_reader_fn kernel = kernel_clock();

	if (pvclock_clock_init() == PVCLOCK_CLOCK_SERVED && pvclock_stamp_ns(CLOCK_MONOTONIC) &&
	    pvclock_clock_reader != CLOCK_READER_GENERAL)
		cr_expect_neq(pvclock_stamp_map.span, 0, "the time data is served, but no stamp map was built");
	cr_expect_eq(kernel_bracket_stamps(kernel, 0, STAMP_BOUND_NS, 1000000), 0,
		     "unordered stamps more than %d ns outside the kernel's bracket", STAMP_BOUND_NS);
	/* Ordered stamps are the kernel's clock at a TSC value read inside the bracket. */
	cr_expect_eq(kernel_bracket_stamps(kernel, 1, 0, 1000000), 0,
		     "ordered stamps outside the kernel's bracket");
}

Test(stamp_kernel, never_back_within_a_thread, .timeout = 120)
{
	long back = 0;

	for (unsigned i = 0; i < NR_STAMP; i++) {
		int64_t last = pvclock_stamp_ns(stamp_clocks[i]);

		for (long k = 0; k < 2500000; k++) {
			int64_t v = pvclock_stamp_ns(stamp_clocks[i]);

			back += v < last;
			last = v;
		}
	}
	cr_expect_eq(back, 0, "%ld stamps below the one before them in the same thread", back);
}

static int ordered_reader(long clk, struct timespec *ts)
{
	int64_t ns = pvclock_stamp_ns_ordered((int)clk);

	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
	return 0;
}

Test(stamp_kernel, ordered_never_back_across_threads, .timeout = 120)
{
	for (unsigned i = 0; i < NR_STAMP; i++) {
		long warps = run_warp(ordered_reader, stamp_clocks[i], 4, 100000, 1);

		cr_assert_neq(warps, -1, "the reader threads did not all run");
		cr_expect_eq(warps, 0, "clock %d: ordered stamps went back %ld times across threads",
			     stamp_clocks[i], warps);
	}
}

Test(stamp_kernel, ticks_convert_as_stamped)
{
	clock_reader_fn kernel = kernel_clock();

	for (int k = 0; k < 100000; k++) {
		struct timespec a, c;
		uint64_t t;
		int64_t b;

		kernel(CLOCK_MONOTONIC, &a);
		t = pvclock_stamp_ticks();
		kernel(CLOCK_MONOTONIC, &c);
		b = pvclock_stamp_ticks_ns(CLOCK_MONOTONIC, t);
		if (b == PVCLOCK_STAMP_INVALID)
			cr_skip_test("no stamp map here (time data not served in tsc or stable kvm-clock mode)");
		cr_assert(b >= ns_of(a) - STAMP_BOUND_NS && b <= ns_of(c) + STAMP_BOUND_NS,
			  "ticks converted to %lld, kernel [%lld, %lld]", (long long)b, (long long)ns_of(a),
			  (long long)ns_of(c));
	}
}

Test(stamp_kernel, other_clock_ids)
{
	static const int bad[] = { CLOCK_REALTIME_COARSE, CLOCK_PROCESS_CPUTIME_ID, 12, 100, -1 };
	struct timespec a, c;
	int64_t b;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(pvclock_stamp_ns(bad[i]), PVCLOCK_STAMP_INVALID, "clock %d", bad[i]);
		cr_expect_eq(pvclock_stamp_ns_ordered(bad[i]), PVCLOCK_STAMP_INVALID, "clock %d", bad[i]);
		cr_expect_eq(pvclock_stamp_ticks_ns(bad[i], pvclock_stamp_ticks()), PVCLOCK_STAMP_INVALID,
			     "clock %d", bad[i]);
	}
	/* MONOTONIC_RAW: no map, the clock itself. */
	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	b = pvclock_stamp_ns(CLOCK_MONOTONIC_RAW);
	clock_gettime(CLOCK_MONOTONIC_RAW, &c);
	cr_expect(b >= ns_of(a) && b <= ns_of(c), "MONOTONIC_RAW %lld outside [%lld, %lld]", (long long)b,
		  (long long)ns_of(a), (long long)ns_of(c));
}

/* --- against simulated time data ---------------------------------------------- */

static struct simkernel sim;

/*
 * @n stamps of every clock against the model at TSC values read (ordered)
 * before and after, ordered or not; the number beyond [before - @slack,
 * after + @slack + @above].
 */
static long model_bracket(unsigned nr, int ordered, int64_t slack, int64_t above, int n)
{
	struct simkernel_model m = { &sim, nr };
	long bad = 0;

	for (unsigned i = 0; i < NR_STAMP; i++) {
		for (int k = 0; k < n; k++) {
			uint64_t t0 = pvclock_rdtsc_lfence(), t1;
			int64_t v = ordered ? pvclock_stamp_ns_ordered(stamp_clocks[i]) :
					      pvclock_stamp_ns(stamp_clocks[i]);

			t1 = pvclock_rdtsc_lfence();
			if (v < simkernel_model_ns(&m, stamp_clocks[i], t0) - slack ||
			    v > simkernel_model_ns(&m, stamp_clocks[i], t1) + above + slack)
				bad++;
		}
	}
	return bad;
}

Test(stamp_sim, tsc_mode_exact_through_a_slew_and_a_step, .timeout = 120)
{
	simkernel_init_tsc(&sim);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, 1, "auto");
	cr_expect_eq(model_bracket(1, 1, 0, 0, 200000), 0, "ordered stamps off the model");
	cr_expect_eq(model_bracket(1, 0, STAMP_BOUND_NS, 0, 200000), 0, "stamps off the model");
	cr_expect_neq(pvclock_stamp_map.span, 0, "no map was built for tsc-mode data");
	/* A slew (the multiplier 500 ppm up) and a +1 s step: the next stamps follow them. */
	simkernel_update(&sim, sim.kd[0].mult + sim.kd[0].mult / 2000, 1);
	cr_expect_eq(model_bracket(1, 1, 0, 0, 200000), 0, "ordered stamps off the model after the update");
	cr_expect_eq(model_bracket(1, 0, STAMP_BOUND_NS, 0, 200000), 0, "stamps off the model after the update");
	cr_expect_eq(pvclock_stamp_map.kseq, sim.kd[0].seq, "the map was not rebuilt for the new data");
}

/*
 * Ticks from now to 10 s ahead converted through the map against the
 * model at the same ticks: equal (@above 0), or at most @above ns above.
 */
static long ticks_off_model(unsigned nr, int64_t above)
{
	struct simkernel_model m = { &sim, nr };
	uint64_t t = pvclock_rdtsc_lfence(), per_ms = simkernel_tsc_per_ms();
	long bad = 0;

	for (uint64_t k = 0; k < 100000; k++) {
		uint64_t at = t + k * (per_ms / 10) + k % 7;

		for (unsigned i = 0; i < NR_STAMP; i++) {
			int64_t v = pvclock_stamp_ticks_ns(stamp_clocks[i], at);
			int64_t want = simkernel_model_ns(&m, stamp_clocks[i], at);

			if (v < want || v > want + above) {
				if (!bad)
					cr_log_error("clock %d at %llu: %lld, model %lld", stamp_clocks[i],
						     (unsigned long long)at, (long long)v, (long long)want);
				bad++;
			}
		}
	}
	return bad;
}

Test(stamp_sim, tsc_mode_map_is_the_kernels_arithmetic, .timeout = 120)
{
	simkernel_init_tsc(&sim);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, 1, "auto");
	cr_assert_neq(pvclock_stamp_ns(CLOCK_MONOTONIC), PVCLOCK_STAMP_INVALID);
	cr_expect_eq(ticks_off_model(1, 0), 0, "the map differs from the kernel's arithmetic");
	simkernel_update(&sim, sim.kd[0].mult - sim.kd[0].mult / 2000, -1);
	cr_expect_eq(ticks_off_model(1, 0), 0, "after an update: the map differs from the kernel's arithmetic");
}

Test(stamp_sim, kvmclock_stable_within_the_map_bound, .timeout = 120)
{
	simkernel_init(&sim, SIMKERNEL_NSLOTS, PVCLOCK_TSC_STABLE, 0);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "auto");
	/* The fused map: never below the kernel's value, at most 2 ns above. */
	cr_expect_eq(model_bracket(1, 1, 0, 2, 200000), 0, "ordered stamps off the model");
	cr_expect_eq(model_bracket(1, 0, STAMP_BOUND_NS, 2, 200000), 0, "stamps off the model");
	cr_expect_neq(pvclock_stamp_map.span, 0, "no map was built for stable kvm-clock records");
	cr_expect_eq(ticks_off_model(1, 2), 0, "the map is below the kernel's value or over 2 ns above it");
	simkernel_update(&sim, (1u << SIMKERNEL_SHIFT) + 1000, 0);
	cr_expect_eq(model_bracket(1, 1, 0, 2, 200000), 0, "ordered stamps off the model after the update");
	cr_expect_eq(ticks_off_model(1, 2), 0, "after an update: below the kernel's value or over 2 ns above");
	cr_expect_eq(pvclock_stamp_map.kseq, sim.kd[0].seq, "the map was not rebuilt for the new data");
}

Test(stamp_sim, kvmclock_unstable_falls_back_to_the_clock, .timeout = 120)
{
	/* No TSC_STABLE: no map; the per-vCPU clock, exactly as pvclock_clock_read serves it. */
	simkernel_init(&sim, SIMKERNEL_NSLOTS, 0, 50000);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "auto");
	cr_expect_eq(model_bracket(SIMKERNEL_NSLOTS, 0, 0, 0, 100000), 0, "stamps off the model");
	cr_expect_eq(pvclock_stamp_map.span, 0, "a map was built for unstable records");
	cr_expect_eq(pvclock_stamp_ticks_ns(CLOCK_MONOTONIC, pvclock_stamp_ticks()), PVCLOCK_STAMP_INVALID);
}
