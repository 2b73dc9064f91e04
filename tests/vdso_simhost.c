/* SPDX-License-Identifier: MIT */
/*
 * kvm-clock mode with the simulated host rewriting per-vCPU records that
 * disagree (vcpu_offset_ns) and carry no TSC_STABLE: the drop-in stays on
 * the pvclock records (no system call), lies within the bracket of the
 * fastest record, and stays monotonic across threads that migrate, also
 * when host updates lower the records (step_back_ns).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "view.h"
#include "simhost.h"
#include "simkernel.h"
#include "testhook.h"
#include "vdso_util.h"


#define OFFSET_NS 30000u
#define SKEWED_UPDATES 10
#ifndef ITERATIONS
#define ITERATIONS 100000
#endif

static struct simkernel sim;
static struct simhost *host;

static void setup_with(const struct simhost_config *cfg, int writer)
{
	uint64_t now;

	host = simhost_create(cfg);
	cr_assert_not_null(host, "simhost_create");
	/*
	 * Time data in kvm-clock mode whose counter starts 1 s before the host's
	 * clock now, so that records lowered by a step back stay past it.
	 */
	simkernel_init(&sim, 1, 0, 0);
	now = simhost_clock(host, 0, pvclock_rdtsc_lfence()) - 1000000000ull;
	sim.kd[0].cycle_last = now;
	sim.kd[1].cycle_last = now;
	/* Far from the real clocks, so a read that went to the kernel shows. */
	sim.kd[0].base[CLOCK_MONOTONIC].sec = 1000000;
	pvclock_clock_test_use(sim.kd, NULL, simhost_slots(host), cfg->nr_vcpus, "auto");
	/*
	 * The writer starts after the first view is built: a record caught
	 * mid-update then (the writer preempted) would be missing from that
	 * view until the next rebuild, and reads would follow a slower record.
	 */
	if (writer)
		cr_assert_eq(simhost_start(host), 0);
}

static void setup_host(unsigned nr)
{
	struct simhost_config cfg = { .nr_vcpus = nr, .update_ns = 5000, .vcpu_offset_ns = OFFSET_NS };

	setup_with(&cfg, 1);
}

static void teardown_host(void)
{
	/* simhost_destroy() stops the writer; NULL when the test was skipped. */
	simhost_destroy(host);
	host = NULL;
}

struct warp {
	pthread_mutex_t lock;
	int64_t last;
	long warps, reads, off_model, delegated;
	unsigned next_cpu, nr;
};

static void *warp_thread(void *arg)
{
	struct warp *w = arg;
	unsigned cpu = __atomic_fetch_add(&w->next_cpu, 1, __ATOMIC_RELAXED) % w->nr;

	pin_to(cpu);
	/* Past ITERATIONS, on until the writer has had its turns (it may not have run yet). */
	for (int i = 0; i < ITERATIONS || simhost_updates(host) <= SKEWED_UPDATES; i++) {
		struct timespec ts;
		uint64_t t0, t1;
		int64_t lo, hi;

		if (i % 400 == 0)
			pin_to(cpu = (cpu + 1) % w->nr);
		pthread_mutex_lock(&w->lock);
		t0 = pvclock_rdtsc_lfence();
		__vdso_clock_gettime(CLOCK_MONOTONIC, &ts);
		t1 = pvclock_rdtsc_lfence();
		/* The fastest vCPU's clock, through the time data's 1:1 mapping. */
		lo = simkernel_clock(&sim, CLOCK_MONOTONIC, simhost_clock(host, w->nr - 1, t0));
		hi = simkernel_clock(&sim, CLOCK_MONOTONIC, simhost_clock(host, w->nr - 1, t1));
		if (ts.tv_sec < 900000) {
			if (!w->delegated)
				cr_log_error("a read gave %lld ns", (long long)ns_of(ts));
			w->delegated++;
		}
		else if (ns_of(ts) < lo || ns_of(ts) > hi) {
			if (!w->off_model)
				cr_log_error("read %lld ns, expected [%lld, %lld]", (long long)ns_of(ts),
					     (long long)lo, (long long)hi);
			w->off_model++;
		}
		warp_note(ns_of(ts), &w->last, &w->warps, &w->reads);
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

Test(vdso_simhost, skewed_unstable_records_monotonic_across_threads, .fini = teardown_host,
     .timeout = 120)
{
	cpu_set_t set;
	struct warp w = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0, 0, 2 };
	pthread_t t[4];

	if (sched_getaffinity(0, sizeof(set), &set) != 0 || !CPU_ISSET(0, &set) || !CPU_ISSET(1, &set))
		cr_skip_test("needs CPUs 0 and 1 to put threads on two vCPUs");
	setup_host(2);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, warp_thread, &w), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	cr_expect_gt(simhost_updates(host), SKEWED_UPDATES, "the host rewrote the records %llu times",
		     (unsigned long long)simhost_updates(host));
	cr_expect_eq(w.delegated, 0, "%ld of %ld reads went to the system call", w.delegated, w.reads);
	cr_expect_eq(w.warps, 0, "%ld of %ld reads went back across threads", w.warps, w.reads);
	cr_expect_eq(w.off_model, 0, "%ld of %ld reads outside the fastest record's bracket "
		     "(a system call or the wrong record)", w.off_model, w.reads);
}

/* --- host updates that lower the records ------------------------------------------- */

#define STEP_BACK_NS 5000000u

static int64_t read_mono(void)
{
	struct timespec ts;

	__vdso_clock_gettime(CLOCK_MONOTONIC, &ts);
	return ns_of(ts);
}

/*
 * Read on one vCPU, let the host lower every record, read on the other:
 * the second value comes later and must not be smaller.  No writer thread,
 * so every step is in this order.
 */
static void lowered_then_moved(uint64_t offset_ns)
{
	struct simhost_config cfg = { .nr_vcpus = 2, .vcpu_offset_ns = offset_ns,
				      .step_back_ns = STEP_BACK_NS };
	long back = 0, delegated = 0;
	int64_t worst = 0;

	if (!two_cpus())
		cr_skip_test("needs CPUs 0 and 1 to put the reads on two vCPUs");
	setup_with(&cfg, 0);
	for (int i = 0; i < 200; i++) {
		int64_t a, b;

		pin_to(i & 1);
		a = read_mono();
		/* Odd rounds lower every record, even rounds restore them. */
		simhost_update(host);
		pin_to(!(i & 1));
		b = read_mono();
		if (a < 900000000000000ll || b < 900000000000000ll)
			delegated++;
		if (b < a) {
			back++;
			if (a - b > worst)
				worst = a - b;
		}
	}
	cr_expect_eq(delegated, 0, "%ld reads went to the system call", delegated);
	cr_expect_eq(back, 0, "%ld of 200 reads after a lowering update on the other vCPU went "
		     "back, by up to %lld ns", back, (long long)worst);
}

Test(vdso_simhost, lowered_records_read_on_another_vcpu, .fini = teardown_host)
{
	lowered_then_moved(0);
}

Test(vdso_simhost, lowered_skewed_records_read_on_another_vcpu, .fini = teardown_host)
{
	lowered_then_moved(OFFSET_NS);
}

/*
 * Two threads on two vCPUs publish every value they read (a shared
 * maximum) and check each read against what was published before it
 * started: a value read after seeing another thread's value must not be
 * smaller.  Neither thread waits for the other, so the test makes progress
 * on a busy machine.  The host lowers and restores the records every other
 * round meanwhile.
 */
struct relay {
	int64_t published;      /* the largest value read so far, by either thread */
	long back, delegated, outside, crossed;
	int64_t worst;
	long next;              /* hands out the two CPUs */
};

#define RELAY_READS 200000
#define RELAY_SECONDS 2
#define RELAY_UPDATES 20

static void *relay_thread(void *arg)
{
	struct relay *r = arg;
	unsigned me = (unsigned)__atomic_fetch_add(&r->next, 1, __ATOMIC_RELAXED) & 1;
	struct timespec start, now;
	int64_t mine = 0;

	pin_to(me);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0;; i++) {
		int64_t seen = __atomic_load_n(&r->published, __ATOMIC_ACQUIRE), v, p;
		uint64_t t0, t1;

		t0 = pvclock_rdtsc_lfence();
		v = read_mono();
		t1 = pvclock_rdtsc_lfence();
		if (v < 900000000000000ll)
			__atomic_fetch_add(&r->delegated, 1, __ATOMIC_RELAXED);
		if (seen != mine)
			__atomic_fetch_add(&r->crossed, 1, __ATOMIC_RELAXED);
		if (v < seen) {
			__atomic_fetch_add(&r->back, 1, __ATOMIC_RELAXED);
			if (seen - v > __atomic_load_n(&r->worst, __ATOMIC_RELAXED))
				__atomic_store_n(&r->worst, seen - v, __ATOMIC_RELAXED);
		}
		/*
		 * Never ahead of the highest record, never behind the lowered
		 * lowest one by more than a read overlapping a rebuild may lag.
		 */
		if (v > simkernel_clock(&sim, CLOCK_MONOTONIC, simhost_clock(host, 1, t1)) ||
		    v < simkernel_clock(&sim, CLOCK_MONOTONIC,
					simhost_clock(host, 0, t0) - STEP_BACK_NS - VIEW_STALE_NS))
			__atomic_fetch_add(&r->outside, 1, __ATOMIC_RELAXED);
		p = seen;
		while (p < v && !__atomic_compare_exchange_n(&r->published, &p, v, 0, __ATOMIC_RELEASE,
							     __ATOMIC_ACQUIRE))
			;
		mine = v > p ? v : p;
		/*
		 * Past RELAY_READS or RELAY_SECONDS, stop once the scenario has
		 * happened: a read after the other thread's value, and host
		 * rewrites meanwhile.  Until then the other thread (or the
		 * writer) may not have run at all; neither thread waits for
		 * the other, both just keep reading.
		 */
		if (i % 1024 == 0 || i >= RELAY_READS - 1) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if ((i >= RELAY_READS - 1 || now.tv_sec - start.tv_sec > RELAY_SECONDS) &&
			    __atomic_load_n(&r->crossed, __ATOMIC_RELAXED) > 0 &&
			    simhost_updates(host) > RELAY_UPDATES)
				break;
		}
	}
	return NULL;
}

static void relay_with_lowering(uint64_t offset_ns)
{
	/* Sleeping between rounds: the two readers keep the two CPUs. */
	struct simhost_config cfg = { .nr_vcpus = 2, .update_ns = 100000, .vcpu_offset_ns = offset_ns,
				      .step_back_ns = STEP_BACK_NS };
	struct relay r = { 0 };
	pthread_t t[2];

	if (!two_cpus())
		cr_skip_test("needs CPUs 0 and 1 to put the threads on two vCPUs");
	setup_with(&cfg, 1);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, relay_thread, &r), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	cr_expect_gt(simhost_updates(host), RELAY_UPDATES, "the host rewrote the records %llu times",
		     (unsigned long long)simhost_updates(host));
	cr_expect_eq(r.delegated, 0, "%ld reads went to the system call", r.delegated);
	cr_log_info("%ld reads followed the other thread's value; %llu record updates",
		    r.crossed, (unsigned long long)simhost_updates(host));
	cr_expect_gt(r.crossed, 0, "no read followed a value the other thread published");
	cr_expect_eq(r.back, 0, "%ld reads (%ld after the other thread's value) went below an "
		     "earlier value, by up to %lld ns", r.back, r.crossed, (long long)r.worst);
	cr_expect_eq(r.outside, 0, "%ld reads outside [lowered record, highest record]", r.outside);
}

Test(vdso_simhost, lowering_updates_causal_across_threads, .fini = teardown_host, .timeout = 120)
{
	relay_with_lowering(0);
}

Test(vdso_simhost, lowering_updates_skewed_causal_across_threads, .fini = teardown_host,
     .timeout = 120)
{
	relay_with_lowering(OFFSET_NS);
}

/*
 * A vCPU whose record stays mid-update (odd version): reads on every vCPU
 * stay on the records, with that record's last snapshot, and a host update
 * of the other record is still followed.
 */
Test(vdso_simhost, record_stuck_mid_update_stays_served, .fini = teardown_host)
{
	struct simhost_config cfg = { .nr_vcpus = 2, .vcpu_offset_ns = OFFSET_NS };
	long delegated = 0, outside = 0, back = 0;
	int64_t last = 0;

	if (!two_cpus())
		cr_skip_test("needs CPUs 0 and 1 to put the reads on two vCPUs");
	setup_with(&cfg, 0);
	simhost_stick_odd(host, 1, 1);
	for (int i = 0; i < 4000; i++) {
		uint64_t t0, t1;
		int64_t v;

		if (i % 1000 == 0) {
			pin_to(i / 1000 & 1);
			/* vCPU 0's record changes: a rebuild, which must get past vCPU 1's. */
			simhost_update(host);
		}
		t0 = pvclock_rdtsc_lfence();
		v = read_mono();
		t1 = pvclock_rdtsc_lfence();
		if (v < 900000000000000ll)
			delegated++;
		else if (v < simkernel_clock(&sim, CLOCK_MONOTONIC, simhost_clock(host, 1, t0)) ||
			 v > simkernel_clock(&sim, CLOCK_MONOTONIC, simhost_clock(host, 1, t1)))
			outside++;
		if (v < last)
			back++;
		last = v;
	}
	simhost_stick_odd(host, 1, 0);
	cr_expect_eq(delegated, 0, "%ld reads went to the system call", delegated);
	cr_expect_eq(outside, 0, "%ld reads outside the fastest record's bracket", outside);
	cr_expect_eq(back, 0, "%ld reads went back", back);
}
