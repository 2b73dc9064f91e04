/* SPDX-License-Identifier: MIT */
/*
 * simloop.h - the thread that keeps a simulated host (or kernel) updating:
 * it calls @step with 0, 1, 2, ... @pause_us apart (back to back for 0)
 * until stopped.  The hosts supply the step; the loop is this one.
 */
#ifndef PVCLOCK_SIMLOOP_H
#define PVCLOCK_SIMLOOP_H

#include <pthread.h>

struct simloop {
	void (*step)(void *ctx, long n);   /* update number @n */
	void *ctx;
	unsigned pause_us;

	pthread_t thread;         /* the rest is the thread's */
	int stop;                 /* atomic */
	long done;                /* atomic: steps made */
};

/* simloop_start - start the thread; 0 or an errno value. */
int simloop_start(struct simloop *l);

/* simloop_stop - stop and join the thread. */
void simloop_stop(struct simloop *l);

/* simloop_done - steps made so far. */
long simloop_done(const struct simloop *l);

#endif /* PVCLOCK_SIMLOOP_H */
