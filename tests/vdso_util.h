/* SPDX-License-Identifier: MIT */
/*
 * vdso_util.h - small helpers shared by the drop-in's tests.
 */
#ifndef VDSO_UTIL_H
#define VDSO_UTIL_H

#include <sched.h>
#include <stdint.h>
#include <time.h>

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

#endif /* VDSO_UTIL_H */
