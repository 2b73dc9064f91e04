/* SPDX-License-Identifier: MIT */
/*
 * kvm-clock mode with the simulated host rewriting per-vCPU records that
 * disagree (vcpu_offset_ns) and carry no TSC_STABLE: the drop-in stays on
 * the pvclock records (no system call), lies within the bracket of the
 * fastest record, and stays monotonic across threads that migrate.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "simhost.h"
#include "../vdso/testhook.h"
#include "vdso_sim.h"

int __vdso_clock_gettime(long clk, struct timespec *ts);

#define OFFSET_NS 30000u
#ifndef ITERATIONS
#define ITERATIONS 100000
#endif

static struct sim sim;
static struct simhost *host;

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

static void setup_host(unsigned nr)
{
	struct simhost_config cfg = { .nr_vcpus = nr, .update_ns = 5000, .vcpu_offset_ns = OFFSET_NS };
	uint64_t now;

	host = simhost_create(&cfg);
	cr_assert_not_null(host, "simhost_create");
	cr_assert_eq(simhost_start(host), 0);
	/* Time data in kvm-clock mode whose counter starts at the host's clock now. */
	sim_init(&sim, 1, 0, 0);
	now = simhost_clock(host, 0, pvclock_rdtsc_lfence());
	sim.kd[0].cycle_last = now;
	sim.kd[1].cycle_last = now;
	/* Far from the real clocks, so a read that went to the kernel shows. */
	sim.kd[0].base[CLOCK_MONOTONIC].sec = 1000000;
	pvclock_vdso_test_use(sim.kd, NULL, simhost_slots(host), nr, "auto");
}

static void teardown_host(void)
{
	simhost_stop(host);
	simhost_destroy(host);
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
	for (int i = 0; i < ITERATIONS; i++) {
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
		lo = sim_clock(&sim, CLOCK_MONOTONIC, simhost_clock(host, w->nr - 1, t0));
		hi = sim_clock(&sim, CLOCK_MONOTONIC, simhost_clock(host, w->nr - 1, t1));
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
		if (ns_of(ts) < w->last)
			w->warps++;
		else
			w->last = ns_of(ts);
		w->reads++;
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
	cr_expect_gt(simhost_updates(host), 10, "the host rewrote the records %llu times",
		     (unsigned long long)simhost_updates(host));
	cr_expect_eq(w.delegated, 0, "%ld of %ld reads went to the system call", w.delegated, w.reads);
	cr_expect_eq(w.warps, 0, "%ld of %ld reads went back across threads", w.warps, w.reads);
	cr_expect_eq(w.off_model, 0, "%ld of %ld reads outside the fastest record's bracket "
		     "(a system call or the wrong record)", w.off_model, w.reads);
}
