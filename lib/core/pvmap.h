/* SPDX-License-Identifier: MIT */
/*
 * lib/core/pvmap.h - kvm-clock's two conversions folded into one.
 *
 * Under kvm-clock a clock read converts twice: vCPU 0's pvclock record turns
 * the TSC into kvmclock ns (q = ((tsc - tsc_timestamp) <<>> s) * M >> 32),
 * and the kernel's time data turns those into the clock's ns
 * (E = (N + (system_time + q - cycle_last) * m) >> k), two dependent
 * multiplies after the TSC read.  For one (record, time data) pair both
 * are affine in the TSC, so their composition is one affine map:
 *
 *     R(tsc) = (N + (system_time - cycle_last + (tsc - tsc_timestamp) * 2^s * M / 2^32) * m) / 2^k
 *
 * evaluated exactly in 64.64 fixed point with a single 64x64->128 multiply:
 *
 *     F(tsc) = floor(R(tsc)) = (base + (tsc - anchor) * factor) >> 64
 *
 * Rounding.  The kernel rounds down twice: once to q, once at the end.
 * With x the exact real pvclock offset, x - q is what the record's right
 * shift drops (u / 2^-s - floor(u / 2^-s) <= 1 - 2^s, times M / 2^32;
 * nothing when s >= 0) plus the dropped fraction of the product (< 1):
 *
 *     0 <= x - q < 1 + (1 - 2^s) * M / 2^32          (s < 0)
 *     0 <= x - q < 1                                  (s >= 0)
 *
 * R exceeds the kernel's unrounded end value Y by g = (x - q) * m / 2^k,
 * so with E = floor(Y) and F = floor(Y + g),  0 <= F - E < g + 1.  A map
 * is only built when the bound on g is at most 2, so for the same TSC value
 *
 *     0 <= F - E <= 2 ns
 *
 * F is never below the kernel's value and never more than 2 ns above it.
 * kvm-clock counts at 1 GHz (m / 2^k is 1 within the kernel's slew, at
 * most 500 ppm from NTP) and hosts keep M / 2^32 below 1 with s between
 * -3 and 0 for 1 - 8 GHz TSCs: g < 1.875 * 1.0005 < 2 there.
 *
 * Switching maps.  R is the composition of the real-valued maps, and the
 * kernel's update carries its base forward exactly in shifted ns
 * (N' = N + (cycle_last' - cycle_last) * m), so across a time data update
 * that keeps m the new map's R is the very same function of the TSC: no
 * step at all, whatever the rounding.  An update that changes m (a slew)
 * keeps R continuous at the kernel's update instant, as the kernel keeps E
 * continuous (up to (x - q) * |dm| / 2^k < 0.001 ns at 500 ppm, since the
 * kernel carries the integer q); reads that still use the old map between
 * that instant and the publication see the old slope, exactly as the
 * kernel's own vDSO readers do.  Across a record update F stays within
 * [E, E + 2] of the kernel's value on either side, so a later read can be
 * below an earlier one only if the kernel's own clock advanced by less
 * than 2 ns between their TSC reads; consecutive calls, in one thread or
 * ordered across threads, are always further apart than that (one call
 * alone takes about 20 ns).
 */
#ifndef PVCLOCK_CORE_PVMAP_H
#define PVCLOCK_CORE_PVMAP_H

#include <stdint.h>

#include "pvclock/math.h"
#include "pvclock/kdata.h"

/*
 * Clocks a map serves: REALTIME, MONOTONIC, BOOTTIME and TAI from a map of
 * the high-resolution block, MONOTONIC_RAW from one of the raw block (each
 * map has its block's rate).
 */
#define PVMAP_CLOCKS ((1u << 0) | (1u << 1) | (1u << 4) | (1u << 7) | (1u << 11))

struct pvmap_base {
	unsigned __int128 base;   /* 2^64 * R(anchor), the clock's ns past sec */
	uint64_t sec;
};

/*
 * One parameter set.  The keys name the (record, time data) pair it was
 * built from; cycle_last, which only grows, keeps a wrapped 32-bit
 * sequence count from matching a stale map.  span 0: the pair is not
 * served by a map (not stable, not representable), use the general path.
 */
struct pvmap {
	uint32_t seq;             /* odd while the shared map is rewritten */
	uint32_t kseq;            /* time data's sequence count */
	uint32_t version;         /* vCPU 0 record's version (vCPU 0 map) */
	uint32_t pad;
	uint64_t vseq;            /* the per-vCPU view's sequence number (view map) */
	uint64_t cycle_last;
	uint64_t anchor;          /* first TSC value served */
	uint64_t span;            /* TSC values served from anchor on */
	uint64_t factor;          /* ns per TSC tick, 0.64 fixed point */
	struct pvmap_base clk[KDATA_BASES];
};

/* The record's fields the map needs (struct pvclock_fields' subset). */
struct pvmap_record {
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t mul;
	int8_t shift;
};

/*
 * Smallest u in [lo, hi) whose kvmclock value is at least @target (a
 * kvmclock ns, compared as the kernel's wrapping delta); hi when none.
 * pvclock_scale_delta is monotonic in u below 2^(64 - s).
 */
static inline uint64_t pvmap_search(const struct pvmap_record *r, uint64_t lo, uint64_t hi,
				    uint64_t cycle_last, uint64_t target)
{
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		uint64_t d = r->system_time + pvclock_scale_delta(mid, r->mul, r->shift) - cycle_last;

		if ((int64_t)d >= 0 && d >= target)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * pvmap_build - the map for record @r and high-resolution block @kc (a
 * consistent copy), serving only TSC values where the record reads at
 * least @min_pv (0: no such limit; the per-vCPU view's floor otherwise).
 * Leaves span 0 when the pair cannot be served exactly as described above:
 * a TSC slower than 1 GHz-ish (factor would not fit 0.64), or parameters
 * outside the bound's condition.  Keys are the caller's.
 */
static inline void pvmap_build(struct pvmap *map, const struct pvmap_record *r,
			       const struct kdata_clock *kc, uint64_t min_pv)
{
	unsigned k = kc->shift, big_k;
	uint64_t f0, u_lo, u_hi, u_top, d0;
	int s = r->shift;

	map->cycle_last = kc->cycle_last;
	map->anchor = 0;
	map->span = 0;
	map->factor = 0;
	if (r->mul == 0 || kc->mult == 0 || k >= 64 || s < -31 || s > 31 || kc->max_cycles == 0)
		return;
	/*
	 * F - E <= 2 (see above): (1 + (1 - 2^s) M / 2^32) m / 2^k <= 2,
	 * multiplied through by 2^(32 + k - min(s, 0)).
	 */
	if (s < 0) {
		unsigned a = (unsigned)-s;
		unsigned __int128 g = ((unsigned __int128)1 << (32 + a)) +
				      ((unsigned __int128)r->mul << a) - r->mul;

		if (g * kc->mult > (unsigned __int128)1 << (33 + k + a))
			return;
	} else if ((unsigned __int128)kc->mult << 32 > (unsigned __int128)1 << (33 + k)) {
		return;
	}
	/* R = (N + d0 * m) / 2^k + u * f0 / 2^K with K = 32 + k - s. */
	big_k = 32 + k - s;
	f0 = (uint64_t)r->mul * kc->mult;
	if (big_k > 64 || (big_k < 64 && f0 >> big_k))
		return;
	map->factor = f0 << (64 - big_k);
	/*
	 * Where the kernel computes without clamping: 0 <= delta < max_cycles.
	 * Below u_top, q < 2^62 (q <= u * 2^s since M < 2^32), and with
	 * |d0| < 2^62 delta = d0 + q cannot wrap, so both searches see a
	 * monotonic predicate.
	 */
	d0 = r->system_time - kc->cycle_last;
	if ((int64_t)d0 >= (int64_t)1 << 62 || (int64_t)d0 <= -((int64_t)1 << 62))
		return;
	u_top = s > 0 ? 1ull << (62 - s) : 1ull << 62;
	u_lo = pvmap_search(r, 0, u_top, kc->cycle_last, 0);
	u_hi = pvmap_search(r, u_lo, u_top, kc->cycle_last, kc->max_cycles);
	if (min_pv) {
		/* The same monotonic search, against the floor instead of cycle_last. */
		uint64_t df = r->system_time - min_pv, u_f;

		if ((int64_t)df >= (int64_t)1 << 62 || (int64_t)df <= -((int64_t)1 << 62))
			return;
		u_f = pvmap_search(r, 0, u_top, min_pv, 0);
		if (u_f > u_lo)
			u_lo = u_f;
	}
	if (u_hi <= u_lo)
		return;
	/*
	 * base = 2^64 * R(u_lo) = (N + d0 * m) * 2^(64 - k) + u_lo * factor.
	 * The terms may wrap; their sum, a small positive number, is exact mod 2^128.
	 */
	for (unsigned c = 0; c < KDATA_BASES; c++) {
		unsigned __int128 n;

		if (!(PVMAP_CLOCKS >> c & 1))
			continue;
		n = (unsigned __int128)kc->base[c].nsec + (unsigned __int128)(__int128)(int64_t)d0 * kc->mult;
		map->clk[c].base = (n << (64 - k)) + (unsigned __int128)u_lo * map->factor;
		map->clk[c].sec = kc->base[c].sec;
	}
	map->anchor = r->tsc_timestamp + u_lo;
	map->span = u_hi - u_lo;
}

/*
 * pvmap_ns - the clock's ns past its base second at TSC value @tsc; -1
 * outside the span.  Readers of the shared maps check their keys around it.
 */
static inline int pvmap_ns(const volatile struct pvmap *map, unsigned clk, uint64_t tsc, uint64_t *ns)
{
	uint64_t d = tsc - map->anchor;

	if (__builtin_expect(d >= map->span, 0))
		return -1;
	*ns = (uint64_t)((map->clk[clk].base + (unsigned __int128)d * map->factor) >> 64);
	return 0;
}

#endif /* PVCLOCK_CORE_PVMAP_H */
