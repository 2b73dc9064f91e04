/* SPDX-License-Identifier: MIT */
/*
 * pool.h - measuring threads, one pinned to each CPU, that run a path's
 * loop together on command so per-thread costs are taken at the same time.
 */
#ifndef CLOCKBENCH_POOL_H
#define CLOCKBENCH_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "paths.h"

enum cb_job { CB_JOB_LOOP, CB_JOB_CHAIN, CB_JOB_BATCHES };

struct cb_pool;

/* cb_pool_create - one thread per entry of @cpus; NULL when threads cannot start. */
struct cb_pool *cb_pool_create(const int *cpus, unsigned n);
void cb_pool_destroy(struct cb_pool *pool);

/*
 * cb_pool_run - run @job of @path on the first @active threads at once.
 * LOOP and CHAIN: @n reads each, ticks[k] = thread k's elapsed TSC ticks.
 * BATCHES (thread 0 only): @n batches of @per reads into @batch_out.
 * Failed reads are added to *@errors.
 */
void cb_pool_run(struct cb_pool *pool, const struct cb_path *path, enum cb_job job, uint64_t n,
		 unsigned active, double *ticks, uint64_t *errors, double *batch_out, unsigned per);

/*
 * cb_pool_cpu_share - of the time the threads' samples took, the fraction
 * they actually ran; well below 1 when other work shared their CPUs.
 */
double cb_pool_cpu_share(const struct cb_pool *pool);

#endif /* CLOCKBENCH_POOL_H */
