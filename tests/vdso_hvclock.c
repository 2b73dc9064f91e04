/* SPDX-License-Identifier: MIT */
/*
 * Clock mode HVCLOCK (Hyper-V's reference TSC page as the clocksource) on a
 * simulated time-data page over a simulated Hyper-V page: every served
 * clock in the model's bracket, a sequence-0 page handed to the kernel as
 * the kernel's own vDSO would, and back once the host validates it again.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock_state.h"
#include "simhyperv.h"
#include "simkernel.h"
#include "testhook.h"
#include "vdso_util.h"

static struct simhyperv hv;
static struct simkernel sim;

static long bracket(int n)
{
	struct simkernel_model m = { &sim, 1 };

	return vdso_bracket(simkernel_model_ns, &m, n);
}

Test(vdso_hvclock, bracket_1e6_per_clock, .timeout = 300)
{
	simhyperv_init(&hv);
	simkernel_init_hv(&sim, &hv);
	pvclock_clock_test_use(sim.kd, NULL, &hv.page, 1, "auto");
	cr_assert_eq(pvclock_clock_test_served(), 1, "HVCLOCK time data not served");
	cr_expect_eq(bracket(1000000), 0, "values outside the model's bracket");
}

Test(vdso_hvclock, an_invalid_page_goes_to_the_kernel)
{
	struct timespec a, b, c;

	simhyperv_init(&hv);
	simkernel_init_hv(&sim, &hv);
	pvclock_clock_test_use(sim.kd, NULL, &hv.page, 1, "auto");
	cr_assert_eq(bracket(1000), 0);
	simhyperv_invalidate(&hv);
	/* The running kernel's clock, not the simulated one: between two system calls. */
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a);
	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &b), 0);
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &c);
	cr_expect(ns_of(a) <= ns_of(b) && ns_of(b) <= ns_of(c),
		  "an invalid page was read: %lld not in [%lld, %lld]", (long long)ns_of(b),
		  (long long)ns_of(a), (long long)ns_of(c));
	simhyperv_update(&hv, 0);
	cr_expect_eq(bracket(1000), 0, "the page valid again was not read again");
}
