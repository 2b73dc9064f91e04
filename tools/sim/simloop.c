/* SPDX-License-Identifier: MIT */
#include <unistd.h>

#include "simloop.h"

static void *loop(void *arg)
{
	struct simloop *l = arg;

	for (long n = 0; !__atomic_load_n(&l->stop, __ATOMIC_SEQ_CST); n++) {
		l->step(l->ctx, n);
		__atomic_store_n(&l->done, n + 1, __ATOMIC_SEQ_CST);
		if (l->pause_us)
			usleep(l->pause_us);
	}
	return NULL;
}

int simloop_start(struct simloop *l)
{
	l->stop = 0;
	l->done = 0;
	return pthread_create(&l->thread, NULL, loop, l);
}

void simloop_stop(struct simloop *l)
{
	__atomic_store_n(&l->stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(l->thread, NULL);
}

long simloop_done(const struct simloop *l)
{
	return __atomic_load_n(&l->done, __ATOMIC_SEQ_CST);
}
