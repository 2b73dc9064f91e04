/* SPDX-License-Identifier: MIT */
/*
 * kvm-clock mode on a simulated kernel time-data page: the drop-in reads
 * the pvclock records itself (vCPU 0 while TSC_STABLE, per-vCPU otherwise),
 * follows the kernel's updates, steps and slews, and keeps per-vCPU records
 * that disagree monotonic across threads without a system call.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../vdso/percpu.h"
#include "../vdso/testhook.h"
#include "vdso_sim.h"
#include "vdso_util.h"

static struct sim sim;

/* Bracket @n reads of every served clock by the model (@nr records) at the TSC before and after. */
static long bracket(unsigned nr, int n)
{
	struct sim_model m = { &sim, nr };

	return vdso_bracket(sim_model_ns, &m, n);
}

Test(vdso_kvmclock, stable_bracket_1e6_per_clock, .timeout = 300)
{
	sim_init(&sim, SIM_NSLOTS, PVCLOCK_TSC_STABLE, 0);
	pvclock_vdso_test_use(sim.kd, NULL, sim.slots, SIM_NSLOTS, "auto");
	cr_assert_eq(pvclock_vdso_test_served(), 1);
	cr_expect_eq(bracket(1, 1000000), 0, "values outside the model's bracket");
	/* Stable records: the reads above came from the one-multiply map. */
	cr_expect_neq(pvclock_vdso_pvmap.span, 0, "the kvm-clock map was not built");
	cr_expect_eq(pvclock_vdso_pvmap.kseq, sim.kd[0].seq);
}

Test(vdso_kvmclock, namespace_offsets)
{
	static struct sim ns;

	sim_init(&sim, SIM_NSLOTS, PVCLOCK_TSC_STABLE, 0);
	memset(&ns, 0, sizeof(ns));
	ns.kd[0].seq = 1;
	ns.kd[0].clock_mode = KDATA_MODE_TIMENS;
	ns.kd[0].base[CLOCK_MONOTONIC] = (struct kdata_stamp){ 1000, 500000000 };
	ns.kd[0].base[CLOCK_BOOTTIME] = (struct kdata_stamp){ (uint64_t)-5, 0 };
	pvclock_vdso_test_use(sim.kd, ns.kd, sim.slots, SIM_NSLOTS, "auto");
	for (int k = 0; k < 10000; k++) {
		struct timespec m, b;
		uint64_t t0 = pvclock_rdtsc_lfence(), t1;

		__vdso_clock_gettime(CLOCK_MONOTONIC, &m);
		__vdso_clock_gettime(CLOCK_BOOTTIME, &b);
		t1 = pvclock_rdtsc_lfence();
		cr_assert(ns_of(m) >= sim_clock(&sim, CLOCK_MONOTONIC, sim_pv0(&sim, t0)) + 1000500000000ll &&
			  ns_of(m) <= sim_clock(&sim, CLOCK_MONOTONIC, sim_pv0(&sim, t1)) + 1000500000000ll);
		cr_assert(ns_of(b) >= sim_clock(&sim, CLOCK_BOOTTIME, sim_pv0(&sim, t0)) - 5000000000ll &&
			  ns_of(b) <= sim_clock(&sim, CLOCK_BOOTTIME, sim_pv0(&sim, t1)) - 5000000000ll);
		cr_assert(m.tv_nsec >= 0 && m.tv_nsec < 1000000000l);
	}
}

Test(vdso_kvmclock, forced_vcpu0_unstable_delegates_like_the_kernel)
{
	struct timespec ts;
	int64_t a, c;

	sim_init(&sim, SIM_NSLOTS, 0, 0);
	pvclock_vdso_test_use(sim.kd, NULL, sim.slots, SIM_NSLOTS, "vcpu0");
	/* The simulated MONOTONIC is about 1000 s; the real one is what the system call says. */
	a = (int64_t)syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) == 0 ? ns_of(ts) : 0;
	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	c = ns_of(ts);
	cr_expect(c >= a, "unstable record with vcpu0 forced must fall back to the kernel");
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	cr_expect(c <= ns_of(ts));
}

/* --- kernel updates: steps and slews ---------------------------------------------- */

static atomic_int writer_stop, step_done;
static atomic_long updates;

/*
 * The kernel's timekeeping update: under the sequence count, move cycle_last
 * to now and carry the base times across exactly, optionally with a new
 * multiplier (a slew) or a REALTIME step of +1 s.
 */
static void sim_update(uint32_t new_mult, int step)
{
	uint64_t now = sim_pv0(&sim, pvclock_rdtsc_lfence());

	for (int b = 0; b < 2; b++) {
		struct kdata_clock *c = &sim.kd[b];
		uint64_t carried = (now - c->cycle_last) * c->mult;

		__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		for (int clk = 0; clk < KDATA_BASES; clk++) {
			uint64_t n = c->base[clk].nsec + carried;
			uint64_t one = 1000000000ull << c->shift;

			if (!c->base[clk].sec && !c->base[clk].nsec)
				continue;
			while (n >= one) {
				n -= one;
				c->base[clk].sec++;
			}
			c->base[clk].nsec = n;
		}
		if (step && b == 0) {
			c->base[CLOCK_REALTIME].sec += 1;
			c->base[CLOCK_TAI].sec += 1;
		}
		c->cycle_last = now;
		c->mult = new_mult;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELAXED);
	}
}

static void *writer(void *arg)
{
	(void)arg;
	for (long n = 0; !atomic_load(&writer_stop); n++) {
		/* Slew by +-100 ppm around 1:1 and back. */
		uint32_t mult = (1u << SIM_SHIFT) + (n % 3 == 1 ? 1678 : n % 3 == 2 ? -1678 : 0);
		int step = n == 2000;

		sim_update(mult, step);
		if (step)
			atomic_store(&step_done, 1);
		atomic_fetch_add(&updates, 1);
		usleep(20);
	}
	return NULL;
}

/*
 * REALTIME - MONOTONIC: unchanged by slews (one multiplier), +1 s by the
 * step.  Bracketed by MONOTONIC before and after REALTIME: *@lo <= offset <= *@hi.
 */
static void real_minus_mono(int64_t *lo, int64_t *hi)
{
	struct timespec m1, r, m2;

	do {
		__vdso_clock_gettime(CLOCK_MONOTONIC, &m1);
		__vdso_clock_gettime(CLOCK_REALTIME, &r);
		__vdso_clock_gettime(CLOCK_MONOTONIC, &m2);
		/* A preempted sample brackets loosely; take another. */
	} while (ns_of(m2) - ns_of(m1) > 100000);
	*lo = ns_of(r) - ns_of(m2);
	*hi = ns_of(r) - ns_of(m1);
}

Test(vdso_kvmclock, follows_updates_steps_and_slews, .timeout = 120)
{
	pthread_t w;
	int64_t last[NR_SERVED] = { 0 }, lo0, hi0;
	long back = 0, step_missed = 0, offset_wrong = 0;

	sim_init(&sim, SIM_NSLOTS, PVCLOCK_TSC_STABLE, 0);
	pvclock_vdso_test_use(sim.kd, NULL, sim.slots, SIM_NSLOTS, "auto");
	real_minus_mono(&lo0, &hi0);
	cr_assert_eq(pthread_create(&w, NULL, writer, NULL), 0);
	while (atomic_load(&updates) < 6000) {
		int stepped = atomic_load(&step_done);
		int64_t lo, hi;

		for (unsigned i = 0; i < NR_SERVED; i++) {
			struct timespec ts;

			cr_assert_eq(__vdso_clock_gettime(served_clocks[i], &ts), 0);
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
	atomic_store(&writer_stop, 1);
	pthread_join(w, NULL);
	cr_expect_eq(back, 0, "a clock went back across %ld kernel updates", atomic_load(&updates));
	cr_expect_eq(step_missed, 0, "reads after the +1 s REALTIME step did not include it");
	cr_expect_eq(offset_wrong, 0, "REALTIME - MONOTONIC moved by something other than the step");
	cr_expect(atomic_load(&step_done));
}

/* --- skewed per-vCPU records without TSC_STABLE ------------------------------------ */

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
	sim_init(&sim, SIM_NSLOTS, 0, 50000);
	pvclock_vdso_test_use(sim.kd, NULL, sim.slots, SIM_NSLOTS, "auto");
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, warp_thread, &w), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	cr_expect_eq(w.delegated, 0, "%ld reads went to the system call", w.delegated);
	cr_expect_eq(w.warps, 0, "%ld of %ld reads went back across threads", w.warps, w.reads);
	cr_expect_eq(bracket(SIM_NSLOTS, 100000), 0, "per-vCPU values outside the model's bracket");
}

/* --- the view map: the per-vCPU view in one multiply (pvmap.h, percpu.h) --------------- */

/* The open view's floor, as the drop-in's state holds it. */
static uint64_t open_view_floor(void)
{
	uint64_t seq = __atomic_load_n(&pvclock_vdso_views.seq, __ATOMIC_ACQUIRE);

	return pvclock_vdso_views.view[seq >> 1 & 1].floor;
}

Test(vdso_kvmclock, unstable_bracket_1e6_per_clock_through_the_view_map, .timeout = 300)
{
	struct timespec ts;

	/* vCPU 1's record runs 50 us ahead of vCPU 0's: the view's lead is record 1. */
	sim_init(&sim, SIM_NSLOTS, 0, 50000);
	pvclock_vdso_test_use(sim.kd, NULL, sim.slots, SIM_NSLOTS, "auto");
	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	cr_assert_neq(pvclock_vdso_viewmap.span, 0, "the view map was not built for uniform records");
	cr_assert_eq(pvclock_vdso_viewmap.vseq, __atomic_load_n(&pvclock_vdso_views.seq, __ATOMIC_ACQUIRE));
	cr_expect_eq(bracket(SIM_NSLOTS, 1000000), 0, "view-map values outside the model's bracket");
}

/* Every record lowered by @ns in one host update (versions odd, then even). */
static void lower_records(unsigned nr, uint64_t ns)
{
	for (unsigned k = 0; k < nr; k++) {
		struct pvclock_record *r = sim_record(&sim, k);

		__atomic_store_n(&r->version, r->version + 1, __ATOMIC_RELEASE);
		r->system_time -= ns;
		__atomic_store_n(&r->version, r->version + 1, __ATOMIC_RELEASE);
	}
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
	sim_init(&sim, SIM_NSLOTS, 0, 0);
	per_ms = sim_tsc_per_ms();
	pvclock_vdso_test_use(sim.kd, NULL, sim.slots, SIM_NSLOTS, "auto");
	/* 10 ms in, so that the lowered records stay past cycle_last. */
	for (t = pvclock_rdtsc_lfence(); pvclock_rdtsc_lfence() - t < 10 * per_ms;)
		cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	prev = ns_of(ts);
	lower_records(SIM_NSLOTS, 2000000);
	/* This read sees its record's new version, hands out its value, and rebuilds. */
	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	cr_assert_geq(ns_of(ts), prev);
	a->floor = open_view_floor();
	stand = sim_clock(&sim, CLOCK_MONOTONIC, a->floor);
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
		lo = sim_clock(&sim, CLOCK_MONOTONIC, sim_pv(&sim, SIM_NSLOTS, t0));
		hi = sim_clock(&sim, CLOCK_MONOTONIC, sim_pv(&sim, SIM_NSLOTS, t1));
		lo = lo < stand ? stand : lo;
		hi = hi < stand ? stand : hi;
		a->outside += v < lo || v > hi;
		a->below += sim_pv(&sim, SIM_NSLOTS, t1) < a->floor;
		a->reads++;
		if (!crossed && sim_pv(&sim, SIM_NSLOTS, t0) >= a->floor)
			crossed = t0;
	} while (!crossed || t0 - crossed < 2 * per_ms);
	a->span = pvclock_vdso_viewmap.span;
	a->anchor = pvclock_vdso_viewmap.anchor;
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
	cr_expect_geq(sim_pv(&sim, SIM_NSLOTS, a.anchor), a.floor, "the map starts below the floor");
	cr_expect_lt(sim_pv(&sim, SIM_NSLOTS, a.anchor - 1), a.floor, "the map starts later than needed");
}

/* Every record rewritten in one host update: moved by @delta ns, with @flags. */
static void rewrite_records(unsigned nr, int64_t delta, uint8_t flags)
{
	for (unsigned k = 0; k < nr; k++) {
		struct pvclock_record *r = sim_record(&sim, k);

		__atomic_store_n(&r->version, r->version + 1, __ATOMIC_RELEASE);
		r->system_time += (uint64_t)delta;
		r->flags = flags;
		__atomic_store_n(&r->version, r->version + 1, __ATOMIC_RELEASE);
	}
}

/*
 * While vCPU 0's record serves, the host corrects every record by +1 ms;
 * later it clears TSC_STABLE.  The per-vCPU path then takes over from a
 * view that followed the correction, not from the one built at start-up
 * (1 ms behind): no read goes back, on either vCPU.
 */
Test(vdso_kvmclock, view_follows_stable_records_until_the_flag_clears)
{
	struct timespec ts;
	int64_t prev, v;
	long back = 0, outside = 0;

	if (!two_cpus())
		cr_skip_test("needs CPUs 0 and 1 to read on two vCPUs");
	pin_to(0);
	sim_init(&sim, SIM_NSLOTS, PVCLOCK_TSC_STABLE, 0);
	pvclock_vdso_test_use(sim.kd, NULL, sim.slots, SIM_NSLOTS, "auto");
	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	rewrite_records(SIM_NSLOTS, 1000000, PVCLOCK_TSC_STABLE);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	prev = ns_of(ts);
	rewrite_records(SIM_NSLOTS, 0, 0);
	for (int i = 0; i < 2000; i++) {
		uint64_t t0, t1;

		if (i % 100 == 0)
			pin_to((unsigned)(i / 100) & 1);
		t0 = pvclock_rdtsc_lfence();
		cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
		t1 = pvclock_rdtsc_lfence();
		v = ns_of(ts);
		back += v < prev;
		prev = v > prev ? v : prev;
		/* The view's floor may lead the records by its pad (4 ns) after a rebuild. */
		outside += v < sim_clock(&sim, CLOCK_MONOTONIC, sim_pv(&sim, SIM_NSLOTS, t0)) ||
			   v > sim_clock(&sim, CLOCK_MONOTONIC, sim_pv(&sim, SIM_NSLOTS, t1)) + 4;
	}
	cr_expect_eq(back, 0, "%ld reads went back after TSC_STABLE cleared", back);
	cr_expect_eq(outside, 0, "%ld reads outside the model's bracket", outside);
}

Test(vdso_kvmclock, forced_percpu_with_stable_records)
{
	sim_init(&sim, SIM_NSLOTS, PVCLOCK_TSC_STABLE, 0);
	pvclock_vdso_test_use(sim.kd, NULL, sim.slots, SIM_NSLOTS, "percpu");
	cr_expect_eq(bracket(SIM_NSLOTS, 100000), 0);
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

	sim_init(&sim, SIM_NSLOTS, 0, 50000);
	pvclock_vdso_test_use(sim.kd, NULL, sim.slots, SIM_NSLOTS, "percpu");
	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	pvclock_vdso_test_abandon_view();
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
		lo = sim_clock(&sim, CLOCK_MONOTONIC, sim_pv(&sim, SIM_NSLOTS, t0)) - VIEW_STALE_NS;
		hi = sim_clock(&sim, CLOCK_MONOTONIC, sim_pv(&sim, SIM_NSLOTS, t1));
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

	sim_init(&sim, SIM_NSLOTS, 0, 0);
	r = sim_record(&sim, 1);
	r->system_time -= 1000;
	r->tsc_to_system_mul = r->tsc_to_system_mul / 2 + (1u << 20);
	r->tsc_shift = 1;
	pvclock_vdso_test_use(sim.kd, NULL, sim.slots, SIM_NSLOTS, "auto");
	cr_expect_eq(bracket(SIM_NSLOTS, 100000), 0, "per-vCPU values outside the model's bracket");
}

/* --- the one-multiply map (pvmap.h) against the kernel's two steps -------------------- */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* 500 ppm of 2^24: the largest NTP frequency correction. */
#define SLEW_500PPM 8389

/* A record of a TSC between 1 and 4 GHz, as hosts publish them (shift -2 .. 1). */
static void random_record(struct pvmap_record *r)
{
	r->tsc_timestamp = rnd();
	r->system_time = rnd() >> 14;
	r->shift = (int8_t)((int)(rnd() % 4) - 2);
	/* Below 1 ns per tick: mul * 2^shift < 2^32. */
	r->mul = r->shift > 0 ? (1u << 29) + (uint32_t)(rnd() % (1u << 30))
			      : (1u << 30) + (uint32_t)(rnd() % (3u << 30));
}

/* kvm-clock's time data: a 1 GHz counter, slewed by up to 500 ppm. */
static void random_block(struct kdata_clock *kc, uint64_t system_time)
{
	memset(kc, 0, sizeof(*kc));
	kc->clock_mode = KDATA_MODE_PVCLOCK;
	kc->cycle_last = system_time + (rnd() % (1ull << 40)) - (1ull << 39);
	kc->max_cycles = 1ull << 39;
	kc->mask = ~0ull;
	kc->shift = 24;
	kc->mult = (1u << 24) + (uint32_t)(rnd() % (2 * SLEW_500PPM + 1)) - SLEW_500PPM;
	for (int c = 0; c < KDATA_BASES; c++) {
		kc->base[c].sec = rnd() % (1ull << 33);
		kc->base[c].nsec = rnd() % (1000000000ull << 24);
	}
}

/* The kernel's value (ns past the base second) for @tsc, or -1 where it clamps. */
static int64_t two_step(const struct pvmap_record *r, const struct kdata_clock *kc, unsigned clk,
			uint64_t tsc)
{
	uint64_t pv = pvclock_time_at(r->system_time, r->tsc_timestamp, r->mul, r->shift, tsc);
	uint64_t delta = pv - kc->cycle_last;

	if ((int64_t)delta < 0 || delta >= kc->max_cycles)
		return -1;
	return (int64_t)kdata_ns(pv, kc->cycle_last, kc->mask, kc->max_cycles, kc->mult, kc->shift,
				 kc->base[clk].nsec);
}

static int64_t fused(const struct pvmap *m, unsigned clk, uint64_t tsc)
{
	uint64_t ns;

	return pvmap_ns(m, clk, tsc, &ns) == 0 ? (int64_t)ns : -1;
}

Test(vdso_kvmclock, fused_map_within_2ns_of_the_two_steps)
{
	static const unsigned clocks[] = { 0, 1, 7, 11 };
	long seen[3] = { 0 }, outside = 0, edges_wrong = 0;

	for (int i = 0; i < 20000; i++) {
		struct pvmap_record r;
		struct kdata_clock kc;
		struct pvmap m;
		uint64_t last;

		random_record(&r);
		random_block(&kc, r.system_time);
		pvmap_build(&m, &r, &kc, 0);
		cr_assert_neq(m.span, 0, "parameters within the bound's condition were refused");
		last = m.anchor + m.span - 1;
		/* The map serves exactly the TSC values where the kernel does not clamp. */
		if (two_step(&r, &kc, 1, m.anchor) < 0 || two_step(&r, &kc, 1, last) < 0 ||
		    (m.anchor != r.tsc_timestamp && two_step(&r, &kc, 1, m.anchor - 1) >= 0) ||
		    two_step(&r, &kc, 1, last + 1) >= 0 || fused(&m, 1, m.anchor - 1) >= 0 ||
		    fused(&m, 1, last + 1) >= 0)
			edges_wrong++;
		for (int j = 0; j < 64; j++) {
			unsigned clk = clocks[j % 4];
			uint64_t tsc = j < 8 ? m.anchor + (uint64_t)j : j < 16 ? last - (uint64_t)(j - 8)
				       : m.anchor + rnd() % m.span;
			int64_t e = two_step(&r, &kc, clk, tsc), f = fused(&m, clk, tsc);

			if (e < 0 || f < e || f > e + 2) {
				outside++;
				continue;
			}
			seen[f - e]++;
			cr_assert_eq(m.clk[clk].sec, kc.base[clk].sec);
		}
	}
	cr_expect_eq(outside, 0, "%ld fused values outside [kernel, kernel + 2 ns]", outside);
	cr_expect_eq(edges_wrong, 0, "%ld maps with a wrong domain", edges_wrong);
	cr_log_info("fused - kernel: 0 ns %ld, 1 ns %ld, 2 ns %ld", seen[0], seen[1], seen[2]);
}

Test(vdso_kvmclock, fused_map_refuses_what_it_cannot_bound)
{
	struct pvmap_record r = { 1000, 5000000000ull, 3u << 30, 1, };  /* 1.5 ns per tick */
	struct kdata_clock kc;
	struct pvmap m;

	random_block(&kc, r.system_time);
	pvmap_build(&m, &r, &kc, 0);
	cr_expect_eq(m.span, 0, "a TSC slower than 1 GHz must take the general path");
	r.mul = 3u << 29;
	r.shift = 0;
	kc.mult = (1u << 25) + (1u << 20);   /* 2.06 ns per kvmclock ns: the gap could reach 3 ns */
	pvmap_build(&m, &r, &kc, 0);
	cr_expect_eq(m.span, 0, "parameters outside the 2 ns bound must take the general path");
	kc.mult = 1u << 24;
	pvmap_build(&m, &r, &kc, 0);
	cr_expect_neq(m.span, 0);
}

/*
 * A model of the kernel's timekeeping on the pvclock counter: every tick it
 * reads the counter, carries the base across exactly in shifted ns and may
 * change the multiplier (a slew); now and then the host rewrites the
 * record, continuing the clock from its current value.  Each parameter set
 * is published a little after its update instant, so reads in between
 * still use the previous map, as real readers do.
 */
struct model {
	struct pvmap_record r;
	struct kdata_clock kc;
	struct pvmap map;
};

static void model_tick(struct model *md, uint64_t tsc, uint32_t mult)
{
	struct kdata_clock *kc = &md->kc;
	uint64_t pv = pvclock_time_at(md->r.system_time, md->r.tsc_timestamp, md->r.mul, md->r.shift, tsc);
	uint64_t one = 1000000000ull << kc->shift;

	for (int c = 0; c < KDATA_BASES; c++) {
		uint64_t n = kc->base[c].nsec + (pv - kc->cycle_last) * kc->mult;

		kc->base[c].sec += n / one;
		kc->base[c].nsec = n % one;
	}
	kc->cycle_last = pv;
	kc->mult = mult;
	pvmap_build(&md->map, &md->r, kc, 0);
}

static void model_record(struct model *md, uint64_t tsc)
{
	md->r.system_time = pvclock_time_at(md->r.system_time, md->r.tsc_timestamp, md->r.mul,
					    md->r.shift, tsc);
	md->r.tsc_timestamp = tsc;
	pvmap_build(&md->map, &md->r, &md->kc, 0);
}

static int64_t model_read(const struct pvmap *m, uint64_t tsc)
{
	uint64_t ns = 0;

	cr_assert_eq(pvmap_ns(m, 1, tsc, &ns), 0, "a read outside the map's span");
	return (int64_t)(m->clk[1].sec * 1000000000ull + ns);
}

Test(vdso_kvmclock, fused_map_monotonic_across_updates_and_slews)
{
	static const int32_t slews[] = { 0, SLEW_500PPM, 0, -SLEW_500PPM, 1678, -1678 };
	uint64_t tick = 2500000;              /* 1 ms of a 2.5 GHz TSC */
	uint64_t t = 1ull << 40, min_gap;
	long back = 0, not_identical = 0, compared = 0;
	int64_t prev_v = -1;
	uint64_t prev_t = 0;
	struct model md, old;

	memset(&md, 0, sizeof(md));
	md.r = (struct pvmap_record){ t, 3000000000000ull, 3435973837u, -1 };  /* 0.4 ns per tick */
	md.kc.clock_mode = KDATA_MODE_PVCLOCK;
	md.kc.cycle_last = md.r.system_time;
	md.kc.max_cycles = 1ull << 39;
	md.kc.mask = ~0ull;
	md.kc.shift = 24;
	md.kc.mult = 1u << 24;
	md.kc.base[1] = (struct kdata_stamp){ 1000, 0 };
	pvmap_build(&md.map, &md.r, &md.kc, 0);
	/* 20 ns of TSC ticks: two calls are never closer than this (a call takes longer). */
	min_gap = 20 * 5 / 2;
	for (int u = 0; u < 4000; u++) {
		uint64_t t_u = t + tick, publish = t_u + rnd() % 25000;  /* up to 10 us later */
		int32_t slew = slews[(u / 3) % 6];

		old = md;
		if (u % 200 == 199)
			model_record(&md, t_u - rnd() % tick);
		model_tick(&md, t_u, (uint32_t)((int32_t)(1u << 24) + slew));
		cr_assert_neq(md.map.span, 0);
		/* Without a slew the new map is the old one as a function of the TSC. */
		if (old.kc.mult == md.kc.mult && old.r.tsc_timestamp == md.r.tsc_timestamp)
			for (int j = 0; j < 16; j++) {
				uint64_t x = t_u + rnd() % tick;

				compared++;
				if (model_read(&old.map, x) != model_read(&md.map, x))
					not_identical++;
			}
		/* Reads from t to past the publication, each map where it is current. */
		while (t < publish + tick / 2) {
			const struct pvmap *m = t < publish ? &old.map : &md.map;
			int64_t v = model_read(m, t);

			if (prev_v >= 0 && t - prev_t >= min_gap && v < prev_v)
				back++;
			prev_v = v;
			prev_t = t;
			t += min_gap + rnd() % 500;
		}
	}
	cr_expect(compared > 0);
	cr_expect_eq(back, 0, "%ld reads at least 20 ns after another went back", back);
	cr_expect_eq(not_identical, 0, "%ld of %ld reads differ between maps with the same multiplier",
		     not_identical, compared);
}
