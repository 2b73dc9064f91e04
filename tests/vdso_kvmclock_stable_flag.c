/* SPDX-License-Identifier: MIT */
/*
 * kvm-clock mode when records lack TSC_STABLE or lose it: with vCPU 0
 * forced the drop-in falls back to the system call as the kernel's vDSO
 * does; in auto mode the per-vCPU path takes over from a view that
 * followed the stable records' last host update, and no read goes back.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "simkernel.h"
#include "testhook.h"
#include "vdso_util.h"

static struct simkernel sim;

Test(vdso_kvmclock, forced_vcpu0_unstable_delegates_like_the_kernel)
{
	struct timespec ts;
	int64_t a, c;

	simkernel_init(&sim, SIMKERNEL_NSLOTS, 0, 0);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "vcpu0");
	/* The simulated MONOTONIC is about 1000 s; the real one is what the system call says. */
	a = (int64_t)syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) == 0 ? ns_of(ts) : 0;
	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	c = ns_of(ts);
	cr_expect(c >= a, "unstable record with vcpu0 forced must fall back to the kernel");
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	cr_expect(c <= ns_of(ts));
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
	simkernel_init(&sim, SIMKERNEL_NSLOTS, PVCLOCK_TSC_STABLE, 0);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "auto");
	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	simkernel_rewrite_records(&sim, SIMKERNEL_NSLOTS, 1000000, PVCLOCK_TSC_STABLE);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	prev = ns_of(ts);
	simkernel_rewrite_records(&sim, SIMKERNEL_NSLOTS, 0, 0);
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
		outside += v < simkernel_served(&sim, SIMKERNEL_NSLOTS, CLOCK_MONOTONIC, t0) ||
			   v > simkernel_served(&sim, SIMKERNEL_NSLOTS, CLOCK_MONOTONIC, t1) + 4;
	}
	cr_expect_eq(back, 0, "%ld reads went back after TSC_STABLE cleared", back);
	cr_expect_eq(outside, 0, "%ld reads outside the model's bracket", outside);
}

