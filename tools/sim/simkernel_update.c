/* SPDX-License-Identifier: MIT */
/*
 * simkernel_update.c - the simulated kernel's timekeeping updates and its
 * timekeeper thread (see simkernel_update.h).
 */
#include <time.h>

#include "pvclock/tsc.h"
#include "simhyperv.h"
#include "simkernel_update.h"

void simkernel_tick(struct kdata_clock *c, uint64_t cycles, uint32_t mult)
{
	uint64_t carried = (cycles - c->cycle_last) * c->mult;
	uint64_t one = 1000000000ull << c->shift;

	for (int clk = 0; clk < KDATA_BASES; clk++) {
		uint64_t n = c->base[clk].nsec + carried;

		if (!c->base[clk].sec && !c->base[clk].nsec)
			continue;
		c->base[clk].sec += n / one;
		c->base[clk].nsec = n % one;
	}
	c->cycle_last = cycles;
	c->mult = mult;
}

void simkernel_update(struct simkernel *k, uint32_t mult, int64_t step_sec)
{
	uint64_t tsc = pvclock_rdtsc_lfence();
	/* The counter the blocks are in: the TSC, Hyper-V's reference time, or kvmclock ns. */
	int32_t mode = k->kd[KDATA_HRES].clock_mode;
	uint64_t now = mode == KDATA_MODE_TSC ? tsc :
		       mode == KDATA_MODE_HVCLOCK ? simhyperv_reference(k->hv, tsc) : simkernel_pv0(k, tsc);

	for (int b = 0; b < 2; b++) {
		struct kdata_clock *c = &k->kd[b];

		__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		simkernel_tick(c, now, mult);
		if (b == KDATA_HRES) {
			c->base[CLOCK_REALTIME].sec += (uint64_t)step_sec;
			c->base[CLOCK_TAI].sec += (uint64_t)step_sec;
		}
		__atomic_thread_fence(__ATOMIC_RELEASE);
		__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELAXED);
	}
}

static void timekeeper_step(void *ctx, long n)
{
	struct simkernel_timekeeper *t = ctx;
	uint32_t mult = (1u << SIMKERNEL_SHIFT) + (n % 3 == 1 ? t->slew : n % 3 == 2 ? -t->slew : 0);
	int step = n == t->step_at;

	simkernel_update(t->k, mult, step);
	if (step)
		__atomic_store_n(&t->stepped, 1, __ATOMIC_SEQ_CST);
}

int simkernel_timekeeper_start(struct simkernel_timekeeper *t)
{
	t->stepped = 0;
	t->loop = (struct simloop){ .step = timekeeper_step, .ctx = t, .pause_us = t->pause_us };
	return simloop_start(&t->loop);
}

void simkernel_timekeeper_stop(struct simkernel_timekeeper *t)
{
	simloop_stop(&t->loop);
}

long simkernel_timekeeper_updates(const struct simkernel_timekeeper *t)
{
	return simloop_done(&t->loop);
}

int simkernel_timekeeper_stepped(const struct simkernel_timekeeper *t)
{
	return __atomic_load_n(&t->stepped, __ATOMIC_SEQ_CST);
}
