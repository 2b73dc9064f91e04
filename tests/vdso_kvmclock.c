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

int __vdso_clock_gettime(long clk, struct timespec *ts);

static const long served_clocks[] = {
	CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME, CLOCK_TAI,
};
#define NR_SERVED (sizeof(served_clocks) / sizeof(served_clocks[0]))

static struct sim sim;

static int64_t ns_of(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000ll + t.tv_nsec;
}

static int pin_to(unsigned cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static int two_cpus(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_ISSET(0, &set) && CPU_ISSET(1, &set);
}

/* Bracket @n reads of every served clock by the model at the TSC before and after. */
static long bracket(unsigned nr, int n)
{
	long violations = 0;

	for (unsigned i = 0; i < NR_SERVED; i++) {
		long clk = served_clocks[i];

		for (int k = 0; k < n; k++) {
			struct timespec ts;
			uint64_t t0 = pvclock_rdtsc_lfence(), t1;
			int64_t v;

			if (__vdso_clock_gettime(clk, &ts) != 0) {
				violations++;
				continue;
			}
			t1 = pvclock_rdtsc_lfence();
			v = ns_of(ts);
			if (v < sim_clock(&sim, clk, sim_pv(&sim, nr, t0)) ||
			    v > sim_clock(&sim, clk, sim_pv(&sim, nr, t1)))
				violations++;
		}
	}
	return violations;
}

Test(vdso_kvmclock, stable_bracket_1e6_per_clock, .timeout = 300)
{
	sim_init(&sim, SIM_NSLOTS, PVCLOCK_TSC_STABLE, 0);
	pvclock_vdso_test_use(sim.kd, NULL, sim.slots, SIM_NSLOTS, "auto");
	cr_assert_eq(pvclock_vdso_test_served(), 1);
	cr_expect_eq(bracket(1, 1000000), 0, "values outside the model's bracket");
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
		if (ns_of(ts) < w->last)
			w->warps++;
		else
			w->last = ns_of(ts);
		w->reads++;
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
