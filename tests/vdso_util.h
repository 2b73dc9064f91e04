/* SPDX-License-Identifier: MIT */
/*
 * vdso_util.h - small helpers shared by the drop-in's tests.
 */
#ifndef VDSO_UTIL_H
#define VDSO_UTIL_H

#include <sched.h>
#include <stdint.h>
#include <time.h>

#include "pvclock/tsc.h"

int __vdso_clock_gettime(long clk, struct timespec *ts);

/* The clocks the drop-in serves itself. */
static const long served_clocks[] = {
	CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME, CLOCK_TAI,
};
#define NR_SERVED (sizeof(served_clocks) / sizeof(served_clocks[0]))

static inline int64_t ns_of(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000ll + t.tv_nsec;
}

/* Pin the calling thread to @cpu; 0 or -1. */
static inline int pin_to(unsigned cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Whether the calling thread may run on CPUs 0 and 1. */
static inline int two_cpus(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_ISSET(0, &set) && CPU_ISSET(1, &set);
}

/* One read of a warp check, made under the check's lock: a warp when below the last. */
static inline void warp_note(int64_t ns, int64_t *last, long *warps, long *reads)
{
	if (ns < *last)
		(*warps)++;
	else
		*last = ns;
	(*reads)++;
}

/* A model of the clocks: clock @clk's value (ns) at TSC value @tsc. */
typedef int64_t (*vdso_model_fn)(const void *ctx, long clk, uint64_t tsc);

/*
 * Reads of every served clock, @n each, that fail, have tv_nsec out of
 * range, or lie outside [model at the TSC before, model at the TSC after].
 */
static inline long vdso_bracket(vdso_model_fn model, const void *ctx, int n)
{
	long bad = 0;

	for (unsigned i = 0; i < NR_SERVED; i++) {
		long clk = served_clocks[i];

		for (int k = 0; k < n; k++) {
			struct timespec ts;
			uint64_t t0 = pvclock_rdtsc_lfence(), t1;
			int64_t v;

			if (__vdso_clock_gettime(clk, &ts) != 0) {
				bad++;
				continue;
			}
			t1 = pvclock_rdtsc_lfence();
			v = ns_of(ts);
			if (v < model(ctx, clk, t0) || v > model(ctx, clk, t1) ||
			    ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000l)
				bad++;
		}
	}
	return bad;
}

#endif /* VDSO_UTIL_H */
