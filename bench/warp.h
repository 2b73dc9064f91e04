/* SPDX-License-Identifier: MIT */
/*
 * warp.h - the clock-quality check of clockbench: threads take turns to
 * read a clock and publish the value; a read earlier than the value another
 * thread published before it is a warp (time went backwards across CPUs),
 * a read equal to it a stall.
 */
#ifndef CLOCKBENCH_WARP_H
#define CLOCKBENCH_WARP_H

#include <stdint.h>

typedef uint64_t (*cb_clock_fn)(void *arg);

struct cb_warp_result {
	uint64_t reads;    /* reads done, all threads */
	uint64_t warps;    /* reads earlier than the last published value */
	uint64_t stalls;   /* reads equal to the last published value */
	uint64_t worst;    /* largest backward step, in the clock's units */
};

/*
 * cb_warp_run - run @nthreads threads that each read @fn(@arg) in turn
 * under one lock and publish the value.  The lock makes every comparison
 * exact: a value is published before the next read starts, so a later read
 * that is smaller is a real warp, never a race of the checker.
 *
 * Thread k is pinned to @cpus[k] when @cpus is not NULL.  Each thread stops
 * after @iterations reads, or when @iterations is 0 after @seconds.
 * Returns 0 or an errno value (threads could not be started).
 */
int cb_warp_run(cb_clock_fn fn, void *arg, unsigned nthreads, const int *cpus,
		uint64_t iterations, double seconds, struct cb_warp_result *out);

#endif /* CLOCKBENCH_WARP_H */
