/* SPDX-License-Identifier: MIT */
/*
 * Two processes read one simulated kvm-clock page without TSC_STABLE, held
 * in shared memory, each through its own per-vCPU view (percpu.h), while
 * the host corrects every record by DELTA_NS.  Within each process time
 * never goes back.  Across processes it can, and this states by how much:
 * a value read after another process's value is at most the host's
 * correction (plus the view's pad) behind it.  The views' floors are per
 * process; vdso/README.md's "Limits" says so, and what to use where that does
 * not do.
 *
 * The older process built its view before the correction, the younger one
 * after it; they take turns through a mailbox, each read starting after the
 * other's returned.  Any schedule keeps the bound: a later read has a later
 * TSC value, and every view's clock is non-decreasing in it.
 */
#include <criterion/criterion.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "view.h"
#include "simkernel.h"
#include "testhook.h"
#include "vdso_util.h"

#define DELTA_NS 1000000ll
#define ROUNDS 4000
/* The view's pad (VIEW_PAD_NS of kvmclock) and rounding, in ns of the clock. */
#define SLACK_NS 8

struct shared {
	struct simkernel k;
	int64_t value;              /* the last value handed across */
	int turn;                   /* 0: the older process reads next; 1: the younger */
	int64_t worst_step[2];      /* the most negative (read - the other's before it) */
	long back_within[2];        /* reads below the same process's previous one */
	int ready;
};

static struct shared *sh;

static int64_t read_mono(void)
{
	struct timespec ts;

	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return ns_of(ts);
}

/* ROUNDS turns for process @me (0 older, 1 younger), starting after the other's value. */
static void take_turns(int me)
{
	int64_t prev = INT64_MIN;

	for (int r = 0; r < ROUNDS; r++) {
		int64_t v, step;

		while (__atomic_load_n(&sh->turn, __ATOMIC_ACQUIRE) != me)
			sched_yield();
		v = read_mono();
		step = v - __atomic_load_n(&sh->value, __ATOMIC_RELAXED);
		sh->worst_step[me] = step < sh->worst_step[me] ? step : sh->worst_step[me];
		sh->back_within[me] += v < prev;
		prev = v;
		__atomic_store_n(&sh->value, v, __ATOMIC_RELAXED);
		__atomic_store_n(&sh->turn, !me, __ATOMIC_RELEASE);
	}
}

static void correction_between_views(int64_t delta_ns)
{
	pid_t pid;
	int status;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(sh, MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	sh->worst_step[0] = sh->worst_step[1] = INT64_MAX;
	simkernel_init(&sh->k, SIMKERNEL_NSLOTS, 0, 0);
	/* The older process: its view holds the records as they were. */
	pvclock_clock_test_use(sh->k.kd, NULL, sh->k.slots, SIMKERNEL_NSLOTS, "auto");
	for (int i = 0; i < 1000; i++)
		sh->value = read_mono();
	simkernel_rewrite_records(&sh->k, SIMKERNEL_NSLOTS, delta_ns, 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		/* The younger process: a view of its own, built from the corrected records. */
		pvclock_clock_test_reset();
		pvclock_clock_test_use(sh->k.kd, NULL, sh->k.slots, SIMKERNEL_NSLOTS, "auto");
		sh->turn = 1;
		take_turns(1);
		_exit(0);
	}
	take_turns(0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the younger process failed");
	cr_log_info("correction %+lld ns: worst step older->younger %lld ns, younger->older %lld ns",
		    (long long)delta_ns, (long long)sh->worst_step[1], (long long)sh->worst_step[0]);
	cr_expect_eq(sh->back_within[0], 0, "the older process went back within itself");
	cr_expect_eq(sh->back_within[1], 0, "the younger process went back within itself");
	cr_expect_geq(sh->worst_step[0], -(llabs(delta_ns) + SLACK_NS), "younger->older beyond the bound");
	cr_expect_geq(sh->worst_step[1], -(llabs(delta_ns) + SLACK_NS), "older->younger beyond the bound");
	pvclock_clock_test_reset();
	munmap(sh, sizeof(*sh));
}

Test(vdso_kvmclock_processes, a_lowering_between_two_views_is_the_bound, .timeout = 120)
{
	correction_between_views(-DELTA_NS);
}

Test(vdso_kvmclock_processes, a_raise_between_two_views_is_the_bound, .timeout = 120)
{
	correction_between_views(DELTA_NS);
}
