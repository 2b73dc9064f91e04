/* SPDX-License-Identifier: MIT */
/*
 * kvm-clock mode on per-vCPU records without TSC_STABLE, read through the
 * drop-in's per-vCPU view (percpu.h) and its one-multiply view map
 * (pvmap.h): monotonic across threads on skewed records, inside the
 * model's bracket with mixed rates, at the view's floor after a host
 * update lowers the records, and time keeps going when a rebuild is
 * abandoned.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "view.h"
#include "pvmap_shared.h"
#include "simkernel.h"
#include "testhook.h"
#include "vdso_util.h"

static struct simkernel sim;

/* Bracket @n reads of every served clock by the model (@nr records) at the TSC before and after. */
static long bracket(unsigned nr, int n)
{
	struct simkernel_model m = { &sim, nr };

	return vdso_bracket(simkernel_model_ns, &m, n);
}

struct warp {
	pthread_mutex_t lock;
	int64_t last;
	long warps, reads, delegated;
	int iterations;
	unsigned cpu;
	int migrate;
};

static void *warp_thread(void *arg)
{
	struct warp *w = arg;
	unsigned cpu = __atomic_fetch_add(&w->cpu, 1, __ATOMIC_RELAXED) % 2;

	pin_to(cpu);
	for (int i = 0; i < w->iterations; i++) {
		struct timespec ts;

		if (w->migrate && i % 500 == 0)
			pin_to(cpu ^= 1);
		pthread_mutex_lock(&w->lock);
		__vdso_clock_gettime(CLOCK_MONOTONIC, &ts);
		/* Real kernel time is nowhere near the simulated 1000 s: that would be a system call. */
		if (ts.tv_sec > 100000)
			w->delegated++;
		warp_note(ns_of(ts), &w->last, &w->warps, &w->reads);
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

Test(vdso_kvmclock, unstable_skewed_records_monotonic_across_threads, .timeout = 120)
{
	struct warp w = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 200000, 0, 1 };
	pthread_t t[4];

	if (!two_cpus())
		cr_skip_test("needs CPUs 0 and 1 to put threads on two vCPUs");
	/* vCPU 1's record runs 50 us ahead of vCPU 0's. */
	simkernel_init(&sim, SIMKERNEL_NSLOTS, 0, 50000);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "auto");
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, warp_thread, &w), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	cr_expect_eq(w.delegated, 0, "%ld reads went to the system call", w.delegated);
	cr_expect_eq(w.warps, 0, "%ld of %ld reads went back across threads", w.warps, w.reads);
	cr_expect_eq(bracket(SIMKERNEL_NSLOTS, 100000), 0, "per-vCPU values outside the model's bracket");
}

/* The open view's floor, as the drop-in's state holds it. */
static uint64_t open_view_floor(void)
{
	uint64_t seq = __atomic_load_n(&pvclock_views.seq, __ATOMIC_ACQUIRE);

	return pvclock_views.view[seq >> 1 & 1].floor;
}

Test(vdso_kvmclock, unstable_bracket_1e6_per_clock_through_the_view_map, .timeout = 300)
{
	struct timespec ts;

	/* vCPU 1's record runs 50 us ahead of vCPU 0's: the view's lead is record 1. */
	simkernel_init(&sim, SIMKERNEL_NSLOTS, 0, 50000);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "auto");
	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	cr_assert_neq(pvclock_clock_viewmap.span, 0, "the view map was not built for uniform records");
	cr_assert_eq(pvclock_clock_viewmap.vseq, __atomic_load_n(&pvclock_views.seq, __ATOMIC_ACQUIRE));
	cr_expect_eq(bracket(SIMKERNEL_NSLOTS, 1000000), 0, "view-map values outside the model's bracket");
}

/*
 * A host update that lowers every record by 2 ms: time stands at the new
 * view's floor (exactly the kernel's arithmetic on the floor) until the
 * records reach it, and the view map then serves only TSC values where the
 * lead is at or above the floor.
 *
 * Every read is bracketed by the TSC before and after it and judged by
 * where the records were at those two moments, never by a check made
 * earlier: lo = max(model(before), floor's time), hi = max(model(after),
 * floor's time).  A read that ended while the records were still below the
 * floor has lo = hi = the floor's time: it must be that time exactly.  One
 * attempt shows nothing when the thread was kept off the CPU for the whole
 * 2 ms below the floor; such an attempt is run again, and the test needs
 * one in which reads landed there.
 */
struct floor_attempt {
	long reads, below, back, outside;
	uint64_t floor, anchor, span;
};

static void floor_attempt(struct floor_attempt *a)
{
	struct timespec ts;
	uint64_t per_ms, t, t0, t1, crossed = 0;
	int64_t stand, v, prev, lo, hi;

	memset(a, 0, sizeof(*a));
	simkernel_init(&sim, SIMKERNEL_NSLOTS, 0, 0);
	per_ms = simkernel_tsc_per_ms();
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "auto");
	/* 10 ms in, so that the lowered records stay past cycle_last. */
	for (t = pvclock_rdtsc_lfence(); pvclock_rdtsc_lfence() - t < 10 * per_ms;)
		cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	prev = ns_of(ts);
	/* One host update lowers every record (flags as before: none). */
	simkernel_rewrite_records(&sim, SIMKERNEL_NSLOTS, -2000000, 0);
	/* This read sees its record's new version, hands out its value, and rebuilds. */
	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	cr_assert_geq(ns_of(ts), prev);
	a->floor = open_view_floor();
	stand = simkernel_clock(&sim, CLOCK_MONOTONIC, a->floor);
	cr_assert_geq(stand, ns_of(ts));
	prev = ns_of(ts);
	/* Until the records reach the floor and 2 ms past it. */
	do {
		t0 = pvclock_rdtsc_lfence();
		cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
		t1 = pvclock_rdtsc_lfence();
		v = ns_of(ts);
		a->back += v < prev;
		prev = v;
		lo = simkernel_served(&sim, SIMKERNEL_NSLOTS, CLOCK_MONOTONIC, t0);
		hi = simkernel_served(&sim, SIMKERNEL_NSLOTS, CLOCK_MONOTONIC, t1);
		lo = lo < stand ? stand : lo;
		hi = hi < stand ? stand : hi;
		a->outside += v < lo || v > hi;
		a->below += simkernel_pv(&sim, SIMKERNEL_NSLOTS, t1) < a->floor;
		a->reads++;
		if (!crossed && simkernel_pv(&sim, SIMKERNEL_NSLOTS, t0) >= a->floor)
			crossed = t0;
	} while (!crossed || t0 - crossed < 2 * per_ms);
	a->span = pvclock_clock_viewmap.span;
	a->anchor = pvclock_clock_viewmap.anchor;
}

Test(vdso_kvmclock, view_map_starts_where_the_lead_reaches_the_floor, .timeout = 120)
{
	struct floor_attempt a;
	int attempts = 0;

	if (pin_to(0) != 0)
		cr_skip_test("cannot pin the thread to CPU 0");
	do {
		floor_attempt(&a);
		cr_expect_eq(a.back, 0, "%ld of %ld reads went back", a.back, a.reads);
		cr_expect_eq(a.outside, 0,
			     "%ld of %ld reads outside [max(model, floor) before, after]; "
			     "%ld ended below the floor, where only the floor's time is right",
			     a.outside, a.reads, a.below);
	} while (a.below == 0 && ++attempts < 20);
	cr_log_info("%d attempts without a read below the floor; %ld of %ld reads below it",
		    attempts, a.below, a.reads);
	cr_assert_gt(a.below, 0, "no read ran while the records were below the floor in 20 attempts");
	cr_assert_neq(a.span, 0, "no view map past the floor");
	cr_expect_geq(simkernel_pv(&sim, SIMKERNEL_NSLOTS, a.anchor), a.floor,
		      "the map starts below the floor");
	cr_expect_lt(simkernel_pv(&sim, SIMKERNEL_NSLOTS, a.anchor - 1), a.floor,
		     "the map starts later than needed");
}

/*
 * A rebuild that closed the view and never finished (its thread gone, or the
 * process forked meanwhile): reads stay on the records, monotonic, and time
 * keeps going, at most VIEW_STALE_NS behind the records.
 */
Test(vdso_kvmclock, abandoned_rebuild_keeps_time_going, .timeout = 60)
{
	int64_t first, last, lo, hi;
	long back = 0, delegated = 0, outside = 0;
	struct timespec ts;

	simkernel_init(&sim, SIMKERNEL_NSLOTS, 0, 50000);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "percpu");
	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	pvclock_clock_test_abandon_view();
	first = last = ns_of(ts);
	/* About 2 ms of reads. */
	while (last - first < 2000000) {
		uint64_t t0 = pvclock_rdtsc_lfence(), t1;
		int64_t v;

		cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
		t1 = pvclock_rdtsc_lfence();
		v = ns_of(ts);
		if (ts.tv_sec > 100000) {
			delegated++;
			break;
		}
		lo = simkernel_served(&sim, SIMKERNEL_NSLOTS, CLOCK_MONOTONIC, t0) - VIEW_STALE_NS;
		hi = simkernel_served(&sim, SIMKERNEL_NSLOTS, CLOCK_MONOTONIC, t1);
		if (v < lo || v > hi)
			outside++;
		if (v < last)
			back++;
		else
			last = v;
	}
	cr_expect_eq(delegated, 0, "a read went to the system call");
	cr_expect_eq(back, 0, "%ld reads went back", back);
	cr_expect_eq(outside, 0, "%ld reads more than %u ns behind the records or ahead of them",
		     outside, VIEW_STALE_NS);
}

/*
 * Records with different (mul, shift): the view evaluates every record.
 * vCPU 1 starts 1 us behind and runs about 490 ppm fast, so the record
 * ahead changes about 2 ms in.
 */
Test(vdso_kvmclock, unstable_mixed_rates_bracket)
{
	struct pvclock_record *r;

	simkernel_init(&sim, SIMKERNEL_NSLOTS, 0, 0);
	r = simkernel_record(&sim, 1);
	r->system_time -= 1000;
	r->tsc_to_system_mul = r->tsc_to_system_mul / 2 + (1u << 20);
	r->tsc_shift = 1;
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "auto");
	cr_expect_eq(bracket(SIMKERNEL_NSLOTS, 100000), 0, "per-vCPU values outside the model's bracket");
}
