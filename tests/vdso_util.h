/* SPDX-License-Identifier: MIT */
/*
 * vdso_util.h - helpers shared by the tests of the clocks, through the
 * drop-in (__vdso_clock_gettime) or the library (pvclock_clock_gettime).
 */
#ifndef VDSO_UTIL_H
#define VDSO_UTIL_H

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>

#include "pvclock/tsc.h"

int __vdso_clock_gettime(long clk, struct timespec *ts);

/* A clock_gettime under test, with the kernel vDSO's convention (0 or -errno). */
typedef int (*clock_reader_fn)(long clk, struct timespec *ts);

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
static inline long bracket_with(clock_reader_fn read, vdso_model_fn model, const void *ctx, int n)
{
	long bad = 0;

	for (unsigned i = 0; i < NR_SERVED; i++) {
		long clk = served_clocks[i];

		for (int k = 0; k < n; k++) {
			struct timespec ts;
			uint64_t t0 = pvclock_rdtsc_lfence(), t1;
			int64_t v;

			if (read(clk, &ts) != 0) {
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

static inline long vdso_bracket(vdso_model_fn model, const void *ctx, int n)
{
	return bracket_with(__vdso_clock_gettime, model, ctx, n);
}

/*
 * Of @n reads of clock @clk through @read, how many fail or lie outside
 * [@kernel before, @kernel after] (in *@outside) or have tv_nsec out of
 * range (in *@bad_nsec).
 */
static inline void kernel_bracket(clock_reader_fn read, clock_reader_fn kernel, long clk, int n,
				  long *outside, long *bad_nsec)
{
	*outside = *bad_nsec = 0;
	for (int k = 0; k < n; k++) {
		struct timespec a, b, c;

		kernel(clk, &a);
		int r = read(clk, &b);
		kernel(clk, &c);
		if (r != 0 || ns_of(b) < ns_of(a) || ns_of(b) > ns_of(c))
			(*outside)++;
		if (b.tv_nsec < 0 || b.tv_nsec >= 1000000000l)
			(*bad_nsec)++;
	}
}

/* Whether the calling thread may run on CPUs 0 and 1: 2, else 1. */
static inline int cpus_usable(void)
{
	return two_cpus() ? 2 : 1;
}

struct clock_warp {
	pthread_mutex_t lock;
	clock_reader_fn read;
	long clk;
	int64_t last;
	long warps, reads;
	int iterations;
	int migrate;
};

static inline void *clock_warp_thread(void *arg)
{
	struct clock_warp *w = arg;
	int ncpu = cpus_usable();

	for (int i = 0; i < w->iterations; i++) {
		struct timespec ts;

		if (w->migrate && ncpu > 1 && i % 1000 == 0)
			pin_to((unsigned)(i / 1000) % 2);
		/* Reading inside the lock orders every read after the previous one. */
		pthread_mutex_lock(&w->lock);
		w->read(w->clk, &ts);
		warp_note(ns_of(ts), &w->last, &w->warps, &w->reads);
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

/*
 * @threads threads (at most 8) read clock @clk @iterations times each
 * through @read, moving between CPUs 0 and 1 when @migrate; the number of
 * reads below an earlier one, or -1 when the threads could not run.
 */
static inline long run_warp(clock_reader_fn read, long clk, int threads, int iterations, int migrate)
{
	struct clock_warp w = { PTHREAD_MUTEX_INITIALIZER, read, clk, 0, 0, 0, iterations, migrate };
	pthread_t t[8];
	int started = 0;

	for (int i = 0; i < threads && i < 8; i++)
		started += pthread_create(&t[started], NULL, clock_warp_thread, &w) == 0;
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	return started == threads && w.reads == (long)threads * iterations ? w.warps : -1;
}

#endif /* VDSO_UTIL_H */
