/* SPDX-License-Identifier: MIT */
/*
 * kvm-clock mode while the simulated kernel's timekeeping updates its time
 * data (simkernel_update.h): the drop-in follows every update, a slew
 * changes no offset between clocks, a step of REALTIME shows in every
 * read after it, and no clock goes back.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <time.h>

#include "simkernel.h"
#include "simkernel_update.h"
#include "testhook.h"
#include "vdso_util.h"

static struct simkernel sim;

/*
 * The timekeeper thread can be preempted between its two stores of a
 * sequence count; the drop-in then waits 2^20 rounds of a loop with a
 * PAUSE in it (served() in vdso/clock.c) and rightly asks the kernel, whose
 * clock is not the simulated one.  A call that took fewer TSC ticks than
 * that many rounds cannot have been handed over so: only such calls are
 * judged against the simulated clock.
 */
#define HANDOVER_TICKS (1u << 20)

/* CLOCK_@clk in *@ts; 0 when the call was too slow to be judged (above). */
static int timed_gettime(long clk, struct timespec *ts)
{
	uint64_t t0 = pvclock_rdtsc_lfence(), t1;

	cr_assert_eq(__vdso_clock_gettime(clk, ts), 0);
	t1 = pvclock_rdtsc_lfence();
	return t1 - t0 < HANDOVER_TICKS;
}

/*
 * REALTIME - MONOTONIC: unchanged by slews (one multiplier), +1 s by the
 * step.  Bracketed by MONOTONIC before and after REALTIME: *@lo <= offset <= *@hi.
 */
static void real_minus_mono(int64_t *lo, int64_t *hi)
{
	struct timespec m1, r, m2;
	int judged;

	do {
		judged = timed_gettime(CLOCK_MONOTONIC, &m1);
		judged &= timed_gettime(CLOCK_REALTIME, &r);
		judged &= timed_gettime(CLOCK_MONOTONIC, &m2);
		/* A preempted sample brackets loosely; take another. */
	} while (!judged || ns_of(m2) - ns_of(m1) > 100000);
	*lo = ns_of(r) - ns_of(m2);
	*hi = ns_of(r) - ns_of(m1);
}

/*
 * The kernel's timekeeping, updates at least 20 us apart: a slew by +-100
 * ppm around 1:1 and back every three updates; update 2000 steps REALTIME
 * and TAI by +1 s.  Calls too slow to be judged are counted, not judged.
 */
Test(vdso_kvmclock, follows_updates_steps_and_slews, .timeout = 120)
{
	struct simkernel_timekeeper tk = { .k = &sim, .slew = 1678, .step_at = 2000, .pause_us = 20 };
	int64_t last[NR_SERVED] = { 0 }, lo0, hi0;
	long back = 0, step_missed = 0, offset_wrong = 0, unjudged = 0;

	simkernel_init(&sim, SIMKERNEL_NSLOTS, PVCLOCK_TSC_STABLE, 0);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "auto");
	real_minus_mono(&lo0, &hi0);
	cr_assert_eq(simkernel_timekeeper_start(&tk), 0);
	while (simkernel_timekeeper_updates(&tk) < 6000) {
		int stepped = simkernel_timekeeper_stepped(&tk);
		int64_t lo, hi;

		for (unsigned i = 0; i < NR_SERVED; i++) {
			struct timespec ts;

			if (!timed_gettime(served_clocks[i], &ts)) {
				unjudged++;
				continue;
			}
			/* REALTIME and TAI jump forward at the step; nothing may go back. */
			if (ns_of(ts) < last[i])
				back++;
			last[i] = ns_of(ts);
		}
		real_minus_mono(&lo, &hi);
		if (stepped && hi < lo0 + 1000000000ll)
			step_missed++;
		if (lo > hi0 + 1000000000ll || hi < lo0)
			offset_wrong++;
	}
	simkernel_timekeeper_stop(&tk);
	cr_log_info("%ld calls too slow to be judged", unjudged);
	cr_expect_eq(back, 0, "a clock went back across %ld kernel updates",
		     simkernel_timekeeper_updates(&tk));
	cr_expect_eq(step_missed, 0, "reads after the +1 s REALTIME step did not include it");
	cr_expect_eq(offset_wrong, 0, "REALTIME - MONOTONIC moved by something other than the step");
	cr_expect(simkernel_timekeeper_stepped(&tk));
}
