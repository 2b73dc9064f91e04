/* SPDX-License-Identifier: MIT */
/*
 * simkernel.c - the simulated kernel's time data, records and namespace,
 * and the model of the clocks served from them (see simkernel.h).
 */
#include <string.h>
#include <time.h>

#include "pvclock/math.h"
#include "pvclock/tsc.h"
#include "simhyperv.h"
#include "simkernel.h"

/* Two TSC reads closer than this have no preemption between them. */
#define TIGHT_TICKS 16384u

/*
 * A CLOCK_MONOTONIC_RAW reading (ns) and the TSC value *@tsc at the same
 * moment: the midpoint of two TSC reads around it, taken again until they
 * lie within TIGHT_TICKS (the thread may be preempted anywhere).
 */
static int64_t raw_at(uint64_t *tsc)
{
	for (;;) {
		struct timespec ts;
		uint64_t t0 = pvclock_rdtsc_lfence(), t1;

		clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
		t1 = pvclock_rdtsc_lfence();
		if (t1 - t0 < TIGHT_TICKS) {
			*tsc = t0 + (t1 - t0) / 2;
			return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
		}
	}
}

/*
 * The ticks between two tightly bracketed readings over the ns between
 * them, at least 20 ms apart: a preemption anywhere lengthens both alike.
 * The records run at this rate, so that the drop-in's ns-sized pads stay a
 * few ns of real time, as on a real host.
 */
uint64_t simkernel_tsc_per_ms(void)
{
	uint64_t t0, t1;
	int64_t a = raw_at(&t0), b;

	do
		b = raw_at(&t1);
	while (b - a < 20000000);
	return (uint64_t)((unsigned __int128)(t1 - t0) * 1000000u / (uint64_t)(b - a));
}

/* The block that serves clock @clk. */
static unsigned block_of(long clk)
{
	return clk == CLOCK_MONOTONIC_RAW ? KDATA_RAW : KDATA_HRES;
}

static const struct pvclock_record *record_of(const struct simkernel *k, unsigned cpu)
{
	return (const struct pvclock_record *)(k->slots + cpu * PVCLOCK_SLOT_STRIDE);
}

struct pvclock_record *simkernel_record(struct simkernel *k, unsigned cpu)
{
	return (struct pvclock_record *)record_of(k, cpu);
}

/* simkernel_init() with the TSC rate @per_ms already measured. */
static void init_at_rate(struct simkernel *k, unsigned nr, uint8_t flags, uint64_t skew_ns,
			 uint64_t per_ms)
{
	uint64_t t0 = pvclock_rdtsc_lfence(), last = 10000000000ull;
	uint32_t mul = (uint32_t)((1000000ull << 32) / per_ms);

	memset(k, 0, sizeof(*k));
	k->skew_ns = skew_ns;
	for (unsigned cpu = 0; cpu < nr; cpu++) {
		struct pvclock_record *r = simkernel_record(k, cpu);

		r->tsc_timestamp = t0;
		r->system_time = last + cpu * skew_ns;
		r->tsc_to_system_mul = mul;
		r->tsc_shift = 0;
		r->flags = flags;
		r->version = 2;
	}
	for (int b = 0; b < 2; b++) {
		struct kdata_clock *c = &k->kd[b];

		c->seq = 2;
		c->clock_mode = KDATA_MODE_PVCLOCK;
		c->cycle_last = last;
		c->max_cycles = 1ull << 38;
		c->mask = ~0ull;
		c->mult = 1u << SIMKERNEL_SHIFT;
		c->shift = SIMKERNEL_SHIFT;
	}
	k->kd[KDATA_HRES].base[CLOCK_MONOTONIC] = (struct kdata_stamp){ 1000, 0 };
	k->kd[KDATA_HRES].base[CLOCK_REALTIME] = (struct kdata_stamp){ 1700001000, 0 };
	k->kd[KDATA_HRES].base[CLOCK_BOOTTIME] = (struct kdata_stamp){ 1005, 0 };
	k->kd[KDATA_HRES].base[CLOCK_TAI] = (struct kdata_stamp){ 1700001037, 0 };
	k->kd[KDATA_RAW].base[CLOCK_MONOTONIC_RAW] = (struct kdata_stamp){ 997, 0 };
}

void simkernel_init(struct simkernel *k, unsigned nr, uint8_t flags, uint64_t skew_ns)
{
	init_at_rate(k, nr, flags, skew_ns, simkernel_tsc_per_ms());
}

void simkernel_init_tsc(struct simkernel *k)
{
	uint64_t per_ms = simkernel_tsc_per_ms();

	init_at_rate(k, 1, PVCLOCK_TSC_STABLE, 0, per_ms);
	for (int b = 0; b < 2; b++) {
		struct kdata_clock *c = &k->kd[b];

		c->clock_mode = KDATA_MODE_TSC;
		c->cycle_last = pvclock_rdtsc_lfence();
		c->mult = (uint32_t)((1000000ull << SIMKERNEL_SHIFT) / per_ms);
		c->max_cycles = per_ms * 1000 * 1000;
	}
}

void simkernel_init_hv(struct simkernel *k, const struct simhyperv *h)
{
	init_at_rate(k, 1, PVCLOCK_TSC_STABLE, 0, simkernel_tsc_per_ms());
	k->hv = h;
	for (int b = 0; b < 2; b++) {
		struct kdata_clock *c = &k->kd[b];

		c->clock_mode = KDATA_MODE_HVCLOCK;
		c->cycle_last = simhyperv_reference(h, pvclock_rdtsc_lfence());
		c->mult = 100u << SIMKERNEL_SHIFT;
	}
}

uint64_t simkernel_pv(const struct simkernel *k, unsigned nr, uint64_t tsc)
{
	uint64_t best = 0;

	for (unsigned cpu = 0; cpu < nr; cpu++) {
		const struct pvclock_record *r = record_of(k, cpu);
		uint64_t v = pvclock_time_at(r->system_time, r->tsc_timestamp, r->tsc_to_system_mul,
					     r->tsc_shift, tsc);

		if (v > best)
			best = v;
	}
	return best;
}

uint64_t simkernel_pv0(const struct simkernel *k, uint64_t tsc)
{
	return simkernel_pv(k, 1, tsc);
}

int64_t simkernel_clock(const struct simkernel *k, long clk, uint64_t cycles)
{
	const struct kdata_clock *c = &k->kd[block_of(clk)];
	uint64_t ns = ((cycles - c->cycle_last) * c->mult + c->base[clk].nsec) >> c->shift;

	return (int64_t)c->base[clk].sec * 1000000000ll + (int64_t)ns;
}

/* Record @r's version advanced by one; the slot keeps the packed field 4-byte aligned. */
static void version_next(struct pvclock_record *r)
{
	__atomic_store_n((uint32_t *)(void *)&r->version, r->version + 1, __ATOMIC_RELEASE);
}

void simkernel_rewrite_records(struct simkernel *k, unsigned nr, int64_t delta_ns, uint8_t flags)
{
	for (unsigned cpu = 0; cpu < nr; cpu++) {
		struct pvclock_record *r = simkernel_record(k, cpu);

		version_next(r);
		/* The fields are written only after the odd version is visible. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		r->system_time += (uint64_t)delta_ns;
		r->flags = flags;
		version_next(r);
	}
}

void simkernel_timens(struct simkernel *k, int32_t marker)
{
	memset(k->ns, 0, sizeof(k->ns));
	for (int b = 0; b < 2; b++) {
		k->ns[b].seq = 1;
		k->ns[b].clock_mode = marker;
	}
}

void simkernel_timens_offset(struct simkernel *k, long clk, int64_t sec, uint64_t nsec)
{
	struct kdata_clock *o = &k->ns[block_of(clk)];

	o->base[clk] = (struct kdata_stamp){ (uint64_t)sec, nsec };
}

int64_t simkernel_served(const struct simkernel *k, unsigned nr, long clk, uint64_t tsc)
{
	unsigned blk = block_of(clk);
	const struct kdata_clock *o = &k->ns[blk];
	int32_t mode = k->kd[blk].clock_mode;
	uint64_t cycles = mode == KDATA_MODE_TSC ? tsc :
			  mode == KDATA_MODE_HVCLOCK ? simhyperv_reference(k->hv, tsc) : simkernel_pv(k, nr, tsc);
	int64_t ns = simkernel_clock(k, clk, cycles);

	if (kdata_mode_is_timens(o->clock_mode))
		ns += (int64_t)o->base[clk].sec * 1000000000ll + (int64_t)o->base[clk].nsec;
	return ns;
}

int64_t simkernel_model_ns(const void *ctx, long clk, uint64_t tsc)
{
	const struct simkernel_model *m = ctx;

	return simkernel_served(m->k, m->nr, clk, tsc);
}
