/* SPDX-License-Identifier: MIT */
/*
 * The threads wait for work on a condition variable, never spinning: the
 * commanding thread shares a CPU with one of them, and a spinning waiter
 * there would steal the time of the thread being measured.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "pin.h"
#include "pool.h"

struct worker {
	pthread_t tid;
	struct cb_pool *pool;
	unsigned index;
	int cpu;
	double ticks;
	uint64_t errors;
	double cpu_ns, wall_ns;   /* summed over timed jobs: how much of its time it ran */
};

struct cb_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake, idle;
	unsigned n;
	uint64_t generation;   /* bumped for each job */
	unsigned running;      /* workers still on the current job */
	int quit;
	/* The job; written under lock before the generation changes. */
	const struct cb_path *path;
	enum cb_job job;
	uint64_t iterations;
	unsigned active, per;
	double *batch_out;
	struct worker w[];
};

static double ns_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void do_job(struct cb_pool *p, struct worker *w)
{
	double c0, m0;
	uint64_t t0, t1;

	w->errors = 0;
	if (p->job == CB_JOB_BATCHES) {
		p->path->batches(p->batch_out, p->iterations, p->per);
		return;
	}
	c0 = ns_of(CLOCK_THREAD_CPUTIME_ID);
	m0 = ns_of(CLOCK_MONOTONIC);
	t0 = pvclock_rdtsc_lfence();
	if (p->job == CB_JOB_LOOP)
		p->path->loop(p->iterations, &w->errors);
	else
		p->path->chain(p->iterations, &w->errors);
	t1 = pvclock_rdtsc_lfence();
	w->ticks = (double)(t1 - t0);
	w->wall_ns += ns_of(CLOCK_MONOTONIC) - m0;
	w->cpu_ns += ns_of(CLOCK_THREAD_CPUTIME_ID) - c0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct cb_pool *p = w->pool;
	uint64_t seen = 0;

	cb_pin_self(w->cpu);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->quit && p->generation == seen)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->quit)
			break;
		seen = p->generation;
		if (w->index >= p->active)
			continue;
		pthread_mutex_unlock(&p->lock);
		do_job(p, w);
		pthread_mutex_lock(&p->lock);
		if (--p->running == 0)
			pthread_cond_signal(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct cb_pool *cb_pool_create(const int *cpus, unsigned n)
{
	struct cb_pool *p = calloc(1, sizeof(*p) + n * sizeof(p->w[0]));

	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->idle, NULL);
	for (unsigned k = 0; k < n; k++) {
		p->w[k].pool = p;
		p->w[k].index = k;
		p->w[k].cpu = cpus[k];
		if (pthread_create(&p->w[k].tid, NULL, worker_main, &p->w[k]) != 0)
			break;
		p->n++;
	}
	if (p->n != n) {
		cb_pool_destroy(p);
		return NULL;
	}
	return p;
}

void cb_pool_destroy(struct cb_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->quit = 1;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (unsigned k = 0; k < p->n; k++)
		pthread_join(p->w[k].tid, NULL);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

double cb_pool_cpu_share(const struct cb_pool *p)
{
	double cpu = 0, wall = 0;

	for (unsigned k = 0; k < p->n; k++) {
		cpu += p->w[k].cpu_ns;
		wall += p->w[k].wall_ns;
	}
	return wall > 0 ? cpu / wall : 0;
}

void cb_pool_run(struct cb_pool *p, const struct cb_path *path, enum cb_job job, uint64_t n,
		 unsigned active, double *ticks, uint64_t *errors, double *batch_out, unsigned per)
{
	pthread_mutex_lock(&p->lock);
	p->path = path;
	p->job = job;
	p->iterations = n;
	p->active = job == CB_JOB_BATCHES ? 1 : (active > p->n ? p->n : active);
	p->batch_out = batch_out;
	p->per = per;
	p->running = p->active;
	p->generation++;
	pthread_cond_broadcast(&p->wake);
	while (p->running)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
	for (unsigned k = 0; k < p->active; k++) {
		if (ticks)
			ticks[k] = p->w[k].ticks;
		if (errors)
			*errors += p->w[k].errors;
	}
}
