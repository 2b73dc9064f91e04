/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pin.h"
#include "warp.h"

struct warp_shared {
	cb_clock_fn fn;
	void *arg;
	uint64_t iterations;
	uint64_t deadline_ns;
	atomic_flag lock;
	uint64_t last;        /* protected by lock */
	int have_last;        /* protected by lock */
	atomic_int go;        /* 1: run, -1: give up before starting */
};

struct warp_thread {
	pthread_t tid;
	struct warp_shared *sh;
	int cpu;
	struct cb_warp_result res;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *warp_worker(void *p)
{
	struct warp_thread *w = p;
	struct warp_shared *sh = w->sh;
	struct cb_warp_result r = { 0, 0, 0, 0 };

	if (w->cpu >= 0)
		cb_pin_self(w->cpu);
	while (atomic_load_explicit(&sh->go, memory_order_acquire) == 0)
		sched_yield();
	if (atomic_load(&sh->go) < 0)
		return NULL;
	for (uint64_t i = 0;; i++) {
		uint64_t t, prev;
		int have;

		/* A thread that starts late still makes one batch: a loaded machine gives no zero rows. */
		if (sh->iterations ? i >= sh->iterations
				   : (i != 0 && i % 256 == 0 && mono_ns() >= sh->deadline_ns))
			break;
		while (atomic_flag_test_and_set_explicit(&sh->lock, memory_order_acquire))
			__builtin_ia32_pause();
		t = sh->fn(sh->arg);
		prev = sh->last;
		have = sh->have_last;
		sh->last = t;
		sh->have_last = 1;
		atomic_flag_clear_explicit(&sh->lock, memory_order_release);

		r.reads++;
		if (!have)
			continue;
		if (t < prev) {
			r.warps++;
			if (prev - t > r.worst)
				r.worst = prev - t;
		} else if (t == prev) {
			r.stalls++;
		}
	}
	w->res = r;
	return NULL;
}

int cb_warp_run(cb_clock_fn fn, void *arg, unsigned nthreads, const int *cpus,
		uint64_t iterations, double seconds, struct cb_warp_result *out)
{
	struct warp_shared sh;
	struct warp_thread *th;
	unsigned started = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!fn || nthreads == 0)
		return EINVAL;
	th = calloc(nthreads, sizeof(*th));
	if (!th)
		return ENOMEM;
	memset(&sh, 0, sizeof(sh));
	sh.fn = fn;
	sh.arg = arg;
	sh.iterations = iterations;
	sh.deadline_ns = mono_ns() + (uint64_t)(seconds * 1e9);
	atomic_flag_clear(&sh.lock);
	atomic_init(&sh.go, 0);

	for (; started < nthreads; started++) {
		th[started].sh = &sh;
		th[started].cpu = cpus ? cpus[started] : -1;
		err = pthread_create(&th[started].tid, NULL, warp_worker, &th[started]);
		if (err)
			break;
	}
	/* The deadline counts from the moment all threads may start. */
	sh.deadline_ns = mono_ns() + (uint64_t)(seconds * 1e9);
	atomic_store_explicit(&sh.go, err ? -1 : 1, memory_order_release);
	for (unsigned k = 0; k < started; k++) {
		pthread_join(th[k].tid, NULL);
		out->reads += th[k].res.reads;
		out->warps += th[k].res.warps;
		out->stalls += th[k].res.stalls;
		if (th[k].res.worst > out->worst)
			out->worst = th[k].res.worst;
	}
	free(th);
	return err;
}
