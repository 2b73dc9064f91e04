/* SPDX-License-Identifier: MIT */
/*
 * The one-multiply map of kvm-clock mode (pvmap.h) against the kernel's two
 * steps (the record's pvclock ns, then the time data's arithmetic): within
 * 2 ns above them on random records and blocks, exactly where the kernel
 * does not clamp; refused where that bound cannot hold; monotonic across
 * the kernel's updates and slews and the host's record rewrites.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "pvclock/kdata.h"
#include "pvclock/math.h"
#include "pvmap.h"
#include "simkernel_update.h"

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* 500 ppm of 2^24: the largest NTP frequency correction. */
#define SLEW_500PPM 8389

/* A record of a TSC between 1 and 4 GHz, as hosts publish them (shift -2 .. 1). */
static void random_record(struct pvmap_record *r)
{
	r->tsc_timestamp = rnd();
	r->system_time = rnd() >> 14;
	r->shift = (int8_t)((int)(rnd() % 4) - 2);
	/* Below 1 ns per tick: mul * 2^shift < 2^32. */
	r->mul = r->shift > 0 ? (1u << 29) + (uint32_t)(rnd() % (1u << 30))
			      : (1u << 30) + (uint32_t)(rnd() % (3u << 30));
}

/* kvm-clock's time data: a 1 GHz counter, slewed by up to 500 ppm. */
static void random_block(struct kdata_clock *kc, uint64_t system_time)
{
	memset(kc, 0, sizeof(*kc));
	kc->clock_mode = KDATA_MODE_PVCLOCK;
	kc->cycle_last = system_time + (rnd() % (1ull << 40)) - (1ull << 39);
	kc->max_cycles = 1ull << 39;
	kc->mask = ~0ull;
	kc->shift = 24;
	kc->mult = (1u << 24) + (uint32_t)(rnd() % (2 * SLEW_500PPM + 1)) - SLEW_500PPM;
	for (int c = 0; c < KDATA_BASES; c++) {
		kc->base[c].sec = rnd() % (1ull << 33);
		kc->base[c].nsec = rnd() % (1000000000ull << 24);
	}
}

/* The kernel's value (ns past the base second) for @tsc, or -1 where it clamps. */
static int64_t two_step(const struct pvmap_record *r, const struct kdata_clock *kc, unsigned clk,
			uint64_t tsc)
{
	uint64_t pv = pvclock_time_at(r->system_time, r->tsc_timestamp, r->mul, r->shift, tsc);
	uint64_t delta = pv - kc->cycle_last;

	if ((int64_t)delta < 0 || delta >= kc->max_cycles)
		return -1;
	return (int64_t)kdata_ns(pv, kc->cycle_last, kc->mask, kc->max_cycles, kc->mult, kc->shift,
				 kc->base[clk].nsec);
}

static int64_t fused(const struct pvmap *m, unsigned clk, uint64_t tsc)
{
	uint64_t ns;

	return pvmap_ns(m, clk, tsc, &ns) == 0 ? (int64_t)ns : -1;
}

Test(vdso_kvmclock, fused_map_within_2ns_of_the_two_steps)
{
	static const unsigned clocks[] = { 0, 1, 7, 11 };
	long seen[3] = { 0 }, outside = 0, edges_wrong = 0;

	for (int i = 0; i < 20000; i++) {
		struct pvmap_record r;
		struct kdata_clock kc;
		struct pvmap m;
		uint64_t last;

		random_record(&r);
		random_block(&kc, r.system_time);
		pvmap_build(&m, &r, &kc, 0);
		cr_assert_neq(m.span, 0, "parameters within the bound's condition were refused");
		last = m.anchor + m.span - 1;
		/* The map serves exactly the TSC values where the kernel does not clamp. */
		if (two_step(&r, &kc, 1, m.anchor) < 0 || two_step(&r, &kc, 1, last) < 0 ||
		    (m.anchor != r.tsc_timestamp && two_step(&r, &kc, 1, m.anchor - 1) >= 0) ||
		    two_step(&r, &kc, 1, last + 1) >= 0 || fused(&m, 1, m.anchor - 1) >= 0 ||
		    fused(&m, 1, last + 1) >= 0)
			edges_wrong++;
		for (int j = 0; j < 64; j++) {
			unsigned clk = clocks[j % 4];
			uint64_t tsc = j < 8 ? m.anchor + (uint64_t)j : j < 16 ? last - (uint64_t)(j - 8)
				       : m.anchor + rnd() % m.span;
			int64_t e = two_step(&r, &kc, clk, tsc), f = fused(&m, clk, tsc);

			if (e < 0 || f < e || f > e + 2) {
				outside++;
				continue;
			}
			seen[f - e]++;
			cr_assert_eq(m.clk[clk].sec, kc.base[clk].sec);
		}
	}
	cr_expect_eq(outside, 0, "%ld fused values outside [kernel, kernel + 2 ns]", outside);
	cr_expect_eq(edges_wrong, 0, "%ld maps with a wrong domain", edges_wrong);
	cr_log_info("fused - kernel: 0 ns %ld, 1 ns %ld, 2 ns %ld", seen[0], seen[1], seen[2]);
}

Test(vdso_kvmclock, fused_map_refuses_what_it_cannot_bound)
{
	struct pvmap_record r = { 1000, 5000000000ull, 3u << 30, 1, };  /* 1.5 ns per tick */
	struct kdata_clock kc;
	struct pvmap m;

	random_block(&kc, r.system_time);
	pvmap_build(&m, &r, &kc, 0);
	cr_expect_eq(m.span, 0, "a TSC slower than 1 GHz must take the general path");
	r.mul = 3u << 29;
	r.shift = 0;
	kc.mult = (1u << 25) + (1u << 20);   /* 2.06 ns per kvmclock ns: the gap could reach 3 ns */
	pvmap_build(&m, &r, &kc, 0);
	cr_expect_eq(m.span, 0, "parameters outside the 2 ns bound must take the general path");
	kc.mult = 1u << 24;
	pvmap_build(&m, &r, &kc, 0);
	cr_expect_neq(m.span, 0);
}

/*
 * A model of the kernel's timekeeping on the pvclock counter: every tick it
 * reads the counter, carries the base across exactly in shifted ns and may
 * change the multiplier (a slew: simkernel_tick()); now and then the host rewrites the
 * record, continuing the clock from its current value.  Each parameter set
 * is published a little after its update instant, so reads in between
 * still use the previous map, as real readers do.
 */
struct model {
	struct pvmap_record r;
	struct kdata_clock kc;
	struct pvmap map;
};

static void model_tick(struct model *md, uint64_t tsc, uint32_t mult)
{
	uint64_t pv = pvclock_time_at(md->r.system_time, md->r.tsc_timestamp, md->r.mul, md->r.shift, tsc);

	simkernel_tick(&md->kc, pv, mult);
	pvmap_build(&md->map, &md->r, &md->kc, 0);
}

static void model_record(struct model *md, uint64_t tsc)
{
	md->r.system_time = pvclock_time_at(md->r.system_time, md->r.tsc_timestamp, md->r.mul,
					    md->r.shift, tsc);
	md->r.tsc_timestamp = tsc;
	pvmap_build(&md->map, &md->r, &md->kc, 0);
}

static int64_t model_read(const struct pvmap *m, uint64_t tsc)
{
	uint64_t ns = 0;

	cr_assert_eq(pvmap_ns(m, 1, tsc, &ns), 0, "a read outside the map's span");
	return (int64_t)(m->clk[1].sec * 1000000000ull + ns);
}

Test(vdso_kvmclock, fused_map_monotonic_across_updates_and_slews)
{
	static const int32_t slews[] = { 0, SLEW_500PPM, 0, -SLEW_500PPM, 1678, -1678 };
	uint64_t tick = 2500000;              /* 1 ms of a 2.5 GHz TSC */
	uint64_t t = 1ull << 40, min_gap;
	long back = 0, not_identical = 0, compared = 0;
	int64_t prev_v = -1;
	uint64_t prev_t = 0;
	struct model md, old;

	memset(&md, 0, sizeof(md));
	md.r = (struct pvmap_record){ t, 3000000000000ull, 3435973837u, -1 };  /* 0.4 ns per tick */
	md.kc.clock_mode = KDATA_MODE_PVCLOCK;
	md.kc.cycle_last = md.r.system_time;
	md.kc.max_cycles = 1ull << 39;
	md.kc.mask = ~0ull;
	md.kc.shift = 24;
	md.kc.mult = 1u << 24;
	md.kc.base[1] = (struct kdata_stamp){ 1000, 0 };
	pvmap_build(&md.map, &md.r, &md.kc, 0);
	/* 20 ns of TSC ticks: two calls are never closer than this (a call takes longer). */
	min_gap = 20 * 5 / 2;
	for (int u = 0; u < 4000; u++) {
		uint64_t t_u = t + tick, publish = t_u + rnd() % 25000;  /* up to 10 us later */
		int32_t slew = slews[(u / 3) % 6];

		old = md;
		if (u % 200 == 199)
			model_record(&md, t_u - rnd() % tick);
		model_tick(&md, t_u, (uint32_t)((int32_t)(1u << 24) + slew));
		cr_assert_neq(md.map.span, 0);
		/* Without a slew the new map is the old one as a function of the TSC. */
		if (old.kc.mult == md.kc.mult && old.r.tsc_timestamp == md.r.tsc_timestamp)
			for (int j = 0; j < 16; j++) {
				uint64_t x = t_u + rnd() % tick;

				compared++;
				if (model_read(&old.map, x) != model_read(&md.map, x))
					not_identical++;
			}
		/* Reads from t to past the publication, each map where it is current. */
		while (t < publish + tick / 2) {
			const struct pvmap *m = t < publish ? &old.map : &md.map;
			int64_t v = model_read(m, t);

			if (prev_v >= 0 && t - prev_t >= min_gap && v < prev_v)
				back++;
			prev_v = v;
			prev_t = t;
			t += min_gap + rnd() % 500;
		}
	}
	cr_expect(compared > 0);
	cr_expect_eq(back, 0, "%ld reads at least 20 ns after another went back", back);
	cr_expect_eq(not_identical, 0, "%ld of %ld reads differ between maps with the same multiplier",
		     not_identical, compared);
}
