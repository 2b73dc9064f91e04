/* SPDX-License-Identifier: MIT */
/*
 * The library's clocks (pvclock/clock.h), called as a program linked with
 * libpvclock.a calls them, without LD_PRELOAD: the same bracket (10^6 reads
 * per clock) and warp tests as the drop-in, against the running kernel and
 * against simulated kvm-clock pages, and libc's return values and errno.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pvclock/clock.h"
#include "pvclock/vdso_sym.h"
#include "pvmap_shared.h"
#include "simkernel.h"
#include "testhook.h"
#include "view.h"
#include "vdso_util.h"

/* pvclock_clock_gettime with the kernel vDSO's convention, for the shared helpers. */
static int lib_read(long clk, struct timespec *ts)
{
	return pvclock_clock_gettime((clockid_t)clk, ts) == 0 ? 0 : -errno;
}

static int sys_read(long clk, struct timespec *ts)
{
	return syscall(SYS_clock_gettime, clk, ts) == 0 ? 0 : -errno;
}

static void need_served(void)
{
	unsigned served = pvclock_clock_init();

	cr_assert_eq(served & ~PVCLOCK_CLOCK_SERVED, 0, "clocks beyond the served set: %#x", served);
	if (served != PVCLOCK_CLOCK_SERVED)
		cr_skip_test("the kernel's time data is not served here (served set %#x: another "
			     "clocksource, an unknown layout, or PVCLOCK_VDSO=off)", served);
}

/* --- against the running kernel ------------------------------------------------ */

Test(clock_kernel, bracket_1e6_per_served_clock, .timeout = 300)
{
	clock_reader_fn kernel = (clock_reader_fn)pvclock_kernel_vdso_sym("__vdso_clock_gettime");

	need_served();
	if (!kernel)
		cr_skip_test("the process has no kernel vDSO to compare with");
	for (unsigned i = 0; i < NR_SERVED; i++) {
		long outside, bad_nsec;

		kernel_bracket(lib_read, kernel, served_clocks[i], 1000000, &outside, &bad_nsec);
		cr_expect_eq(outside, 0, "clock %ld: %ld of 10^6 values outside [kernel before, kernel after]",
			     served_clocks[i], outside);
		cr_expect_eq(bad_nsec, 0, "clock %ld: %ld values with tv_nsec out of range",
			     served_clocks[i], bad_nsec);
	}
}

Test(clock_kernel, warp_across_threads, .timeout = 120)
{
	need_served();
	for (unsigned i = 0; i < NR_SERVED; i++) {
		long warps = run_warp(lib_read, served_clocks[i], 4, 100000, 1);

		cr_assert_neq(warps, -1, "the reader threads did not all run");
		cr_expect_eq(warps, 0, "clock %ld went back %ld times across threads", served_clocks[i], warps);
	}
}

/* Clocks the time data does not serve are the kernel's; so is their every error. */
Test(clock_kernel, other_clocks_and_errors_as_libc)
{
	static const clockid_t coarse[] = { CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE };
	static const clockid_t ids[] = {
		CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM, CLOCK_PROCESS_CPUTIME_ID,
		CLOCK_THREAD_CPUTIME_ID, 12, 13, 16, 100, 0x7fffffff, -1, -6, -100,
	};
	struct timespec ts;
	int64_t ns;

	for (unsigned i = 0; i < sizeof(coarse) / sizeof(coarse[0]); i++) {
		long outside, bad_nsec;

		kernel_bracket(lib_read, sys_read, coarse[i], 1000, &outside, &bad_nsec);
		cr_expect_eq(outside + bad_nsec, 0, "clock %d: %ld reads failed or fell outside the kernel's",
			     coarse[i], outside + bad_nsec);
	}
	/* Whatever the kernel answers (a value, EINVAL, EPERM without an RTC...), the same. */
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		int want = sys_read(ids[i], &ts), got;

		errno = 0;
		got = pvclock_clock_gettime(ids[i], &ts);
		cr_expect_eq(got, want ? -1 : 0, "clock %d: %d, the kernel says %d", ids[i], got, want);
		cr_expect_eq(want ? errno : 0, -want, "clock %d: errno %d, the kernel says %d", ids[i], errno, -want);
		errno = 0;
		got = pvclock_clock_gettime_ns(ids[i], &ns);
		cr_expect_eq(got, want ? -1 : 0, "clock %d (ns): %d, the kernel says %d", ids[i], got, want);
		cr_expect_eq(want ? errno : 0, -want, "clock %d (ns): errno %d", ids[i], errno);
	}
	for (unsigned i = 0; i < NR_SERVED; i++) {
		errno = 0;
		cr_expect_eq(pvclock_clock_gettime((clockid_t)served_clocks[i], NULL), -1);
		cr_expect_eq(errno, EFAULT, "clock %ld, NULL timespec: errno %d", served_clocks[i], errno);
		errno = 0;
		cr_expect_eq(pvclock_clock_gettime_ns((clockid_t)served_clocks[i], NULL), -1);
		cr_expect_eq(errno, EFAULT, "clock %ld, NULL ns: errno %d", served_clocks[i], errno);
	}
}

/* The ns variant is the same clock: between two timespec reads of it. */
Test(clock_kernel, ns_variant_between_two_reads)
{
	for (unsigned i = 0; i < NR_SERVED; i++) {
		clockid_t clk = (clockid_t)served_clocks[i];

		for (int k = 0; k < 10000; k++) {
			struct timespec a, c;
			int64_t b;

			cr_assert_eq(pvclock_clock_gettime(clk, &a), 0);
			cr_assert_eq(pvclock_clock_gettime_ns(clk, &b), 0);
			cr_assert_eq(pvclock_clock_gettime(clk, &c), 0);
			cr_assert(ns_of(a) <= b && b <= ns_of(c), "clock %d: %lld not in [%lld, %lld]", clk,
				  (long long)b, (long long)ns_of(a), (long long)ns_of(c));
		}
	}
}

/* --- on simulated kvm-clock pages ------------------------------------------------ */

static struct simkernel sim;

static long sim_bracket(unsigned nr, int n)
{
	struct simkernel_model m = { &sim, nr };

	return bracket_with(lib_read, simkernel_model_ns, &m, n);
}

Test(clock_kvmclock, stable_bracket_1e6_per_clock, .timeout = 300)
{
	simkernel_init(&sim, SIMKERNEL_NSLOTS, PVCLOCK_TSC_STABLE, 0);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "auto");
	cr_assert_eq(pvclock_clock_init(), PVCLOCK_CLOCK_SERVED);
	cr_expect_eq(sim_bracket(1, 1000000), 0, "values outside the model's bracket");
	cr_expect_neq(pvclock_clock_pvmap.span, 0, "the kvm-clock map was not built");
}

Test(clock_kvmclock, unstable_bracket_1e6_per_clock, .timeout = 300)
{
	/* vCPU 1's record runs 50 us ahead of vCPU 0's: the view's lead is record 1. */
	simkernel_init(&sim, SIMKERNEL_NSLOTS, 0, 50000);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "auto");
	cr_expect_eq(sim_bracket(SIMKERNEL_NSLOTS, 1000000), 0, "per-vCPU values outside the model's bracket");
	cr_expect_neq(pvclock_clock_viewmap.span, 0, "the view map was not built for uniform records");
}

Test(clock_kvmclock, unstable_skewed_records_warp_across_threads, .timeout = 120)
{
	if (!two_cpus())
		cr_skip_test("needs CPUs 0 and 1 to put threads on two vCPUs");
	simkernel_init(&sim, SIMKERNEL_NSLOTS, 0, 50000);
	pvclock_clock_test_use(sim.kd, NULL, sim.slots, SIMKERNEL_NSLOTS, "auto");
	for (unsigned i = 0; i < NR_SERVED; i++) {
		long warps = run_warp(lib_read, served_clocks[i], 4, 100000, 1);

		cr_assert_neq(warps, -1, "the reader threads did not all run");
		cr_expect_eq(warps, 0, "clock %ld went back %ld times across threads", served_clocks[i], warps);
	}
}
