/* SPDX-License-Identifier: MIT */
/*
 * kvm-clock mode on a simulated kernel time-data page with stable records
 * (TSC_STABLE): the drop-in serves every clock from vCPU 0's record through
 * the one-multiply map, adds a time namespace's offsets, and stays inside
 * the model's bracket when the per-vCPU protocol is forced.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <time.h>

#include "pvmap_shared.h"
#include "simkernel.h"
#include "testhook.h"
#include "clock_state.h"
#include "vdso_util.h"

static struct simkernel sim;

/* Bracket @n reads of every served clock by the model (@nr records) at the TSC before and after. */
static long bracket(unsigned nr, int n)
{
	struct simkernel_model m = { &sim, nr };

	return vdso_bracket(simkernel_model_ns, &m, n);
}

Test(vdso_kvmclock, stable_bracket_1e6_per_clock, .timeout = 300)
{
	simkernel_init(&sim, SIMKERNEL_NSLOTS, PVCLOCK_TSC_STABLE, 0);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "auto");
	cr_assert_eq(pvclock_clock_test_served(), 1);
	cr_expect_eq(bracket(1, 1000000), 0, "values outside the model's bracket");
	/* Stable records: the reads above came from the one-multiply map. */
	cr_expect_neq(pvclock_clock_pvmap.span, 0, "the kvm-clock map was not built");
	cr_expect_eq(pvclock_clock_pvmap.kseq, sim.kd[0].seq);
	/* MONOTONIC_RAW through a map of its own block. */
	cr_expect_neq(pvclock_clock_rawmap.span, 0, "the MONOTONIC_RAW map was not built");
	cr_expect_eq(pvclock_clock_rawmap.kseq, sim.kd[1].seq);
}

/* Clock @clk of the time data over vCPU 0's record at TSC value @tsc, without the namespace. */
static int64_t vcpu0_clock(long clk, uint64_t tsc)
{
	return simkernel_clock(&sim, clk, simkernel_pv0(&sim, tsc));
}

Test(vdso_kvmclock, namespace_offsets)
{
	simkernel_init(&sim, SIMKERNEL_NSLOTS, PVCLOCK_TSC_STABLE, 0);
	simkernel_timens(&sim, KDATA_MODE_TIMENS);
	simkernel_timens_offset(&sim, CLOCK_MONOTONIC, 1000, 500000000);
	simkernel_timens_offset(&sim, CLOCK_BOOTTIME, -5, 0);
	pvclock_clock_test_use(sim.kd, sim.ns, sim.slots, SIMKERNEL_NSLOTS, "auto");
	for (int k = 0; k < 10000; k++) {
		struct timespec m, b;
		uint64_t t0 = pvclock_rdtsc_lfence(), t1;

		__vdso_clock_gettime(CLOCK_MONOTONIC, &m);
		__vdso_clock_gettime(CLOCK_BOOTTIME, &b);
		t1 = pvclock_rdtsc_lfence();
		cr_assert(ns_of(m) >= vcpu0_clock(CLOCK_MONOTONIC, t0) + 1000500000000ll &&
			  ns_of(m) <= vcpu0_clock(CLOCK_MONOTONIC, t1) + 1000500000000ll);
		cr_assert(ns_of(b) >= vcpu0_clock(CLOCK_BOOTTIME, t0) - 5000000000ll &&
			  ns_of(b) <= vcpu0_clock(CLOCK_BOOTTIME, t1) - 5000000000ll);
		cr_assert(m.tv_nsec >= 0 && m.tv_nsec < 1000000000l);
	}
}

Test(vdso_kvmclock, forced_percpu_with_stable_records)
{
	simkernel_init(&sim, SIMKERNEL_NSLOTS, PVCLOCK_TSC_STABLE, 0);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "percpu");
	cr_expect_eq(bracket(SIMKERNEL_NSLOTS, 100000), 0);
}
