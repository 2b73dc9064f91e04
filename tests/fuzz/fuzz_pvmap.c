/* SPDX-License-Identifier: MIT */
/*
 * The fused kvm-clock map (vdso/pvmap.h): for a record, a high-resolution
 * block and TSC values inside the map's span, the map's value against the
 * exact two-step value the drop-in's general path computes (vdso/clock.c,
 * served()): the record's pvclock ns (pvclock_time_at), then the kernel's
 * arithmetic on them (kdata_ns with the block's cycle_last, mask, max_cycles,
 * mult, shift and base).
 *
 * Input: a mode byte (raw fields, or near-real ones: a clock rate within
 * 0.1 % of 1 ns per ns, cycle_last close to the record's system time),
 * then the record, the block, the floor and the TSC offsets.
 *
 * The block is one the kernel could write (the builder's callers see to
 * the rest: all-ones mask, one clock mode, a stable record): below
 * max_cycles the kernel's 64-bit product plus base stays below 2^63, so it
 * neither wraps nor leaves the map's 2 ns no room (the kernel's max_cycles,
 * the clocksource's overflow bound with 11 % margin, and a base below one
 * second keep it far lower).
 *
 * Properties, for every TSC value in the span and every clock the map serves:
 *  - the kernel's delta (pvclock ns - cycle_last) is in [0, max_cycles), and
 *    the record reads at least the floor when one is given;
 *  - the map's ns is never below the two-step value and at most 2 above it;
 *  - the map's second is the block's, and its ns do not decrease with the TSC;
 *  - just outside the span the map answers -1.
 */
#include <stdint.h>
#include <string.h>

#include "pvclock/math.h"
#include "pvclock/kdata.h"
#include "pvmap.h"
#include "fuzz.h"

static const unsigned served[] = { 0, 1, 7, 11 };   /* PVMAP_CLOCKS */

#define NR_SERVED (sizeof(served) / sizeof(served[0]))
#define NR_OFFSETS 4u

static void two_step(const struct pvmap_record *r, const struct kdata_clock *kc, uint64_t tsc,
		     unsigned clk, uint64_t *pv, uint64_t *ns)
{
	*pv = pvclock_time_at(r->system_time, r->tsc_timestamp, r->mul, r->shift, tsc);
	*ns = kdata_ns(*pv, kc->cycle_last, kc->mask, kc->max_cycles, kc->mult, kc->shift,
		       kc->base[clk].nsec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	int near_real = fuzz_u8(&in) & 1;
	struct pvmap_record r;
	struct kdata_clock kc;
	struct pvmap map;
	uint64_t min_pv, nsec_max = 0, limit, off[NR_OFFSETS + 2];
	int has_floor;

	memset(&kc, 0, sizeof(kc));
	memset(&map, 0, sizeof(map));
	r.tsc_timestamp = fuzz_u64(&in);
	r.system_time = fuzz_u64(&in);
	r.mul = fuzz_u32(&in);
	kc.mask = ~0ull;
	kc.clock_mode = KDATA_MODE_PVCLOCK;
	if (near_real) {
		unsigned k = fuzz_u8(&in) % 32;
		int32_t slew = (int32_t)fuzz_u32(&in);

		r.shift = (int8_t)(fuzz_u8(&in) % 6) - 4;
		kc.shift = k;
		kc.mult = (1u << k) + (uint32_t)(slew % (int32_t)((1u << k) / 1024 + 1));
		kc.cycle_last = r.system_time - (uint64_t)(int64_t)(int32_t)fuzz_u32(&in);
		kc.max_cycles = fuzz_u64(&in) % (1ull << 40) + 1;
		for (unsigned i = 0; i < NR_SERVED; i++) {
			kc.base[served[i]].sec = fuzz_u32(&in);
			kc.base[served[i]].nsec = (fuzz_u64(&in) % 1000000000u) << k;
		}
	} else {
		r.shift = (int8_t)fuzz_u8(&in);
		kc.shift = fuzz_u8(&in);
		kc.mult = fuzz_u32(&in);
		kc.cycle_last = fuzz_u64(&in);
		kc.max_cycles = fuzz_u64(&in);
		for (unsigned i = 0; i < NR_SERVED; i++) {
			kc.base[served[i]].sec = fuzz_u64(&in);
			kc.base[served[i]].nsec = fuzz_u64(&in);
		}
	}
	has_floor = fuzz_u8(&in) & 1;
	min_pv = fuzz_u64(&in);
	if (near_real)
		min_pv = r.system_time + (uint64_t)(int64_t)(int32_t)min_pv;
	if (!has_floor)
		min_pv = 0;
	for (unsigned i = 0; i < NR_OFFSETS; i++)
		off[i] = fuzz_u64(&in);

	/* A block the kernel could write: delta * mult + base < 2^63 below max_cycles. */
	for (unsigned i = 0; i < NR_SERVED; i++) {
		kc.base[served[i]].nsec &= INT64_MAX;
		if (kc.base[served[i]].nsec > nsec_max)
			nsec_max = kc.base[served[i]].nsec;
	}
	if (kc.mult) {
		limit = ((uint64_t)INT64_MAX - nsec_max) / kc.mult + 1;
		if (kc.max_cycles > limit)
			kc.max_cycles = limit;
	}

	pvmap_build(&map, &r, &kc, min_pv);
	FUZZ_CHECK(map.cycle_last == kc.cycle_last, "keyed with cycle_last %llu, block %llu",
		   (unsigned long long)map.cycle_last, (unsigned long long)kc.cycle_last);
	if (map.span == 0)
		return 0;

	off[NR_OFFSETS] = 0;
	off[NR_OFFSETS + 1] = map.span - 1;
	for (unsigned i = 0; i < NR_OFFSETS + 2; i++)
		off[i] %= map.span;
	/* Ascending, for the monotonicity check. */
	for (unsigned i = 1; i < NR_OFFSETS + 2; i++)
		for (unsigned j = i; j > 0 && off[j - 1] > off[j]; j--) {
			uint64_t x = off[j];

			off[j] = off[j - 1];
			off[j - 1] = x;
		}

	for (unsigned c = 0; c < NR_SERVED; c++) {
		unsigned clk = served[c];
		uint64_t prev = 0, f;

		FUZZ_CHECK(map.clk[clk].sec == kc.base[clk].sec, "clock %u: sec %llu, block %llu", clk,
			   (unsigned long long)map.clk[clk].sec, (unsigned long long)kc.base[clk].sec);
		for (unsigned i = 0; i < NR_OFFSETS + 2; i++) {
			uint64_t tsc = map.anchor + off[i], pv, e, delta;

			two_step(&r, &kc, tsc, clk, &pv, &e);
			delta = pv - kc.cycle_last;
			FUZZ_CHECK((int64_t)delta >= 0 && delta < kc.max_cycles,
				   "tsc anchor+%llu: kernel delta %lld, max_cycles %llu",
				   (unsigned long long)off[i], (long long)delta,
				   (unsigned long long)kc.max_cycles);
			FUZZ_CHECK(!min_pv || (int64_t)(pv - min_pv) >= 0,
				   "tsc anchor+%llu: pvclock %llu below the floor %llu",
				   (unsigned long long)off[i], (unsigned long long)pv,
				   (unsigned long long)min_pv);
			FUZZ_CHECK(pvmap_ns(&map, clk, tsc, &f) == 0, "tsc anchor+%llu inside span %llu",
				   (unsigned long long)off[i], (unsigned long long)map.span);
			FUZZ_CHECK(f - e <= 2,
				   "clock %u, tsc anchor+%llu of %llu: map %llu, two-step %llu (mul %u shift %d, "
				   "mult %u shift %u)",
				   clk, (unsigned long long)off[i], (unsigned long long)map.span,
				   (unsigned long long)f, (unsigned long long)e, r.mul, r.shift, kc.mult,
				   kc.shift);
			FUZZ_CHECK(f >= prev, "clock %u: map went back from %llu to %llu", clk,
				   (unsigned long long)prev, (unsigned long long)f);
			prev = f;
		}
		FUZZ_CHECK(pvmap_ns(&map, clk, map.anchor - 1, &f) == -1 &&
				   pvmap_ns(&map, clk, map.anchor + map.span, &f) == -1,
			   "clock %u: a TSC value outside the span was served", clk);
	}
	return 0;
}
