/* SPDX-License-Identifier: MIT */
/*
 * vdso_sim.h - a simulated kernel time-data page (kvm-clock mode) and
 * pvclock records for the drop-in's tests.  Exact integer arithmetic: the
 * model's value for a TSC value is what a correct reader must return.
 */
#ifndef VDSO_SIM_H
#define VDSO_SIM_H

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "pvclock/abi.h"
#include "pvclock/math.h"
#include "pvclock/tsc.h"
#include "../vdso/kdata.h"

#define SIM_SHIFT 24u
#define SIM_NSLOTS 2u

struct sim {
	_Alignas(4096) struct kdata_clock kd[2];
	_Alignas(4096) unsigned char slots[4096];
	uint64_t skew_ns;            /* vCPU k runs k * skew_ns ahead */
};

/* TSC ticks per ms, roughly (the simulated host's rate is whatever the record says). */
static inline uint64_t sim_tsc_per_ms(void)
{
	struct timespec a, b;
	uint64_t t0, t1;

	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	t0 = pvclock_rdtsc_lfence();
	do
		clock_gettime(CLOCK_MONOTONIC_RAW, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec) < 20000000);
	t1 = pvclock_rdtsc_lfence();
	return (t1 - t0) / 20;
}

static inline struct pvclock_record *sim_record(struct sim *s, unsigned k)
{
	return (struct pvclock_record *)(s->slots + k * PVCLOCK_SLOT_STRIDE);
}

/* The pvclock value that a read of TSC value @tsc must give: the largest record's. */
static inline uint64_t sim_pv(struct sim *s, unsigned nr, uint64_t tsc)
{
	uint64_t best = 0;

	for (unsigned k = 0; k < nr; k++) {
		struct pvclock_record *r = sim_record(s, k);
		uint64_t v = pvclock_time_at(r->system_time, r->tsc_timestamp, r->tsc_to_system_mul,
					     r->tsc_shift, tsc);

		if (v > best)
			best = v;
	}
	return best;
}

/* vCPU 0's value only (what the kernel's vDSO would compute). */
static inline uint64_t sim_pv0(struct sim *s, uint64_t tsc)
{
	return sim_pv(s, 1, tsc);
}

/*
 * sim_init - records for @nr vCPUs from now (system time 10 s, skewed),
 * flags @flags, and time data in kvm-clock mode with MONOTONIC = 1000 s at
 * pvclock 10 s, REALTIME = MONOTONIC + 1.7e9 s, BOOTTIME = MONOTONIC + 5 s,
 * TAI = REALTIME + 37 s, MONOTONIC_RAW = MONOTONIC - 3 s.
 */
static inline void sim_init(struct sim *s, unsigned nr, uint8_t flags, uint64_t skew_ns)
{
	uint64_t per_ms = sim_tsc_per_ms(), t0 = pvclock_rdtsc_lfence();
	uint64_t last = 10000000000ull;
	uint32_t mul = (uint32_t)((1000000ull << 32) / per_ms);

	memset(s, 0, sizeof(*s));
	s->skew_ns = skew_ns;
	for (unsigned k = 0; k < nr; k++) {
		struct pvclock_record *r = sim_record(s, k);

		r->tsc_timestamp = t0;
		r->system_time = last + k * skew_ns;
		r->tsc_to_system_mul = mul;
		r->tsc_shift = 0;
		r->flags = flags;
		r->version = 2;
	}
	for (int b = 0; b < 2; b++) {
		struct kdata_clock *c = &s->kd[b];

		c->seq = 2;
		c->clock_mode = KDATA_MODE_PVCLOCK;
		c->cycle_last = last;
		c->max_cycles = 1ull << 38;
		c->mask = ~0ull;
		c->mult = 1u << SIM_SHIFT;
		c->shift = SIM_SHIFT;
	}
	s->kd[0].base[CLOCK_MONOTONIC] = (struct kdata_stamp){ 1000, 0 };
	s->kd[0].base[CLOCK_REALTIME] = (struct kdata_stamp){ 1700001000, 0 };
	s->kd[0].base[CLOCK_BOOTTIME] = (struct kdata_stamp){ 1005, 0 };
	s->kd[0].base[CLOCK_TAI] = (struct kdata_stamp){ 1700001037, 0 };
	s->kd[1].base[CLOCK_MONOTONIC_RAW] = (struct kdata_stamp){ 997, 0 };
}

/* The model's clock @clk (ns) at pvclock value @pv, for unchanged time data. */
static inline int64_t sim_clock(struct sim *s, long clk, uint64_t pv)
{
	struct kdata_clock *c = &s->kd[clk == CLOCK_MONOTONIC_RAW];
	uint64_t ns = ((pv - c->cycle_last) * c->mult + c->base[clk].nsec) >> c->shift;

	return (int64_t)c->base[clk].sec * 1000000000ll + (int64_t)ns;
}

/* The simulated clocks as vdso_bracket() models them: @nr records of @s. */
struct sim_model {
	struct sim *s;
	unsigned nr;
};

static inline int64_t sim_model_ns(const void *ctx, long clk, uint64_t tsc)
{
	const struct sim_model *m = ctx;

	return sim_clock(m->s, clk, sim_pv(m->s, m->nr, tsc));
}

#endif /* VDSO_SIM_H */
