/* SPDX-License-Identifier: MIT */
/*
 * helpers.h - small things the test programs share: CPU pinning, the
 * torture duration, fake record arrays.
 */
#ifndef PVCLOCK_TEST_HELPERS_H
#define PVCLOCK_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "pvclock.h"

/* CPUs this process may run on (at least 1). */
unsigned test_usable_cpus(void);

/* The n-th CPU this process may run on; -1 when there is none. */
int test_nth_cpu(unsigned n);

/* Pin the calling thread to @cpu; 0 or an errno value. */
int test_pin_self(int cpu);

/* Let the calling thread run on every CPU the process may use again. */
void test_unpin_self(void);

/* Seconds each torture test runs: $PVCLOCK_TORTURE_SECONDS, else the build's default. */
unsigned test_torture_seconds(void);

/* CLOCK_MONOTONIC in ns. */
uint64_t test_now_ns(void);

/*
 * Fill slot @cpu of an array at @base (stride @stride) with an even-version
 * record describing ns = system_time + scale(tsc - tsc_timestamp).
 */
void test_fill_record(void *base, size_t stride, unsigned cpu, uint32_t version,
		      uint64_t tsc_timestamp, uint64_t system_time, uint32_t mul, int8_t shift,
		      uint8_t flags);

/*
 * Run @fn(@arg) on a new thread on which system call @nr fails with @err (a
 * seccomp filter installed on that thread only).  Returns 0 once @fn has
 * returned, or -1 when no filter can be installed here.
 */
int test_with_failing_syscall(long nr, int err, void *(*fn)(void *), void *arg);

#endif /* PVCLOCK_TEST_HELPERS_H */
