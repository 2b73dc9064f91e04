/* SPDX-License-Identifier: MIT */
/*
 * pvclock/stamp.h - timestamps for hot loops: one TSC read and one
 * multiply, in the kernel's own clocks, with no calibration.
 *
 * A stamp map turns TSC values into a clock's nanoseconds: an affine map
 * (ns = (base + (tsc - anchor) * factor) >> 64, in 64.64 fixed point)
 * derived from the kernel's time data, and under kvm-clock from vCPU 0's
 * pvclock record as well.  It is keyed by the time data's sequence count
 * (and the record's version), so it is rebuilt, by whichever call first
 * finds it stale, each time the kernel publishes an update: about once per
 * kernel tick, and at every NTP slew or clock step.  Nothing is measured,
 * nothing is calibrated: the first call is as exact as the millionth.
 *
 * What a stamp guarantees, for the clocks it serves (REALTIME, MONOTONIC,
 * BOOTTIME, TAI):
 *  - its value is the kernel's clock at the TSC value it read: under
 *    clocksource tsc exactly the kernel vDSO's arithmetic (the map is that
 *    arithmetic, exact in 128 bits); under kvm-clock with a stable record,
 *    never below the kernel's value and at most 2 ns above it
 *    (lib/core/pvmap.h);
 *  - pvclock_stamp_ns() reads the TSC unordered (bare RDTSC): the CPU may
 *    take the reading a little before or after the instructions around
 *    the call, so a stamp lies within a few tens of ns of a bracket of
 *    ordered reads around it (the tests check 50 ns; lib/README.md);
 *    within one thread stamps never go back; across threads a stamp taken
 *    after hearing from another thread can be below that thread's stamp by
 *    that much.  pvclock_stamp_ns_ordered() waits for earlier loads before
 *    it reads the TSC (RDTSCP), as clock_gettime does, and is monotonic
 *    across threads;
 *  - NTP slews and steps are the kernel's: the map follows every update.
 * Where no map applies (another clocksource, kvm-clock without TSC_STABLE,
 * MONOTONIC_RAW, time data not served), a stamp is pvclock_clock_read()'s
 * value: correct, at clock_gettime's cost.
 */
#ifndef PVCLOCK_STAMP_H
#define PVCLOCK_STAMP_H

#include <stdint.h>

#include "pvclock/abi.h"
#include "pvclock/clock.h"
#include "pvclock/tsc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a stamp of a clock id outside PVCLOCK_CLOCK_SERVED returns. */
#define PVCLOCK_STAMP_INVALID INT64_MIN

/* The clocks of the high-resolution block, in the order of the map's bases. */
#define PVCLOCK_STAMP_CLOCKS 4

struct pvclock_stamp_map {
	unsigned __int128 base[PVCLOCK_STAMP_CLOCKS];  /* 2^64 x the clock's ns at anchor */
	uint32_t seq;                      /* odd while rewritten */
	uint32_t kseq;                     /* *kseq_at when built */
	uint32_t version;                  /* *version_at when built */
	uint32_t pad;
	const volatile uint32_t *kseq_at;  /* the time data's sequence count; NULL: never built */
	const volatile uint32_t *version_at;  /* vCPU 0's record version (kvm-clock), else kseq_at */
	uint64_t anchor;                   /* first TSC value served */
	uint64_t span;                     /* TSC values served from anchor on; 0: no map */
	uint64_t factor;                   /* ns per TSC tick, 0.64 fixed point */
} __attribute__((aligned(64)));

extern struct pvclock_stamp_map pvclock_stamp_map PVCLOCK_HIDDEN;

/*
 * pvclock_stamp_slow - the stamp after refreshing the map (or without one),
 * ordered; out of line.
 */
int64_t pvclock_stamp_slow(int clk);

/* The map's base for CLOCK_@clk; -1 for the clocks it does not serve. */
static inline __attribute__((always_inline)) int pvclock_stamp_index(int clk)
{
	return clk == PVCLOCK_CLOCK_REALTIME ? 0 :
	       clk == PVCLOCK_CLOCK_MONOTONIC ? 1 :
	       clk == PVCLOCK_CLOCK_BOOTTIME ? 2 :
	       clk == PVCLOCK_CLOCK_TAI ? 3 : -1;
}

/*
 * The map's value at @tsc read between the key loads and their re-check;
 * 0 and *@ns, or 1 when the map is stale, busy or does not cover @tsc.
 */
static inline __attribute__((always_inline)) int pvclock_stamp_apply(int i, int ordered, int64_t *ns)
{
	const volatile struct pvclock_stamp_map *m = &pvclock_stamp_map;
	const volatile uint32_t *ka = m->kseq_at, *va = m->version_at;
	uint32_t seq = m->seq, k, v;
	uint64_t d, stale;

	if (__builtin_expect(!ka, 0))
		return 1;
	k = *ka;
	v = *va;
	pvclock_barrier();
	/* Unordered: the CPU may read the TSC before the loads above are done (see above). */
	d = (ordered ? pvclock_rdtscp(0) : pvclock_rdtsc()) - m->anchor;
	/* One branch for every key; a TSC value behind the anchor wraps past the span. */
	stale = (seq & 1) | (k ^ m->kseq) | (v ^ m->version) | (d >= m->span);
	if (__builtin_expect(stale != 0, 0))
		return 1;
	*ns = (int64_t)((m->base[i] + (unsigned __int128)d * m->factor) >> 64);
	pvclock_barrier();
	return __builtin_expect(m->seq != seq, 0);
}

/*
 * pvclock_stamp_ns - CLOCK_@clk (REALTIME, MONOTONIC, BOOTTIME, TAI; also
 * MONOTONIC_RAW, at clock_gettime's cost) in ns since its epoch, from an
 * unordered TSC read: the cheapest timestamp with the guarantees above.
 * PVCLOCK_STAMP_INVALID for any other clock id.
 */
static inline __attribute__((always_inline)) int64_t pvclock_stamp_ns(int clk)
{
	int i = pvclock_stamp_index(clk);
	int64_t ns;

	if (__builtin_expect(i >= 0, 1) && __builtin_expect(pvclock_stamp_apply(i, 0, &ns) == 0, 1))
		return ns;
	return pvclock_stamp_slow(clk);
}

/* pvclock_stamp_ns_ordered - the same from an ordered TSC read: monotonic across threads. */
static inline __attribute__((always_inline)) int64_t pvclock_stamp_ns_ordered(int clk)
{
	int i = pvclock_stamp_index(clk);
	int64_t ns;

	if (__builtin_expect(i >= 0, 1) && __builtin_expect(pvclock_stamp_apply(i, 1, &ns) == 0, 1))
		return ns;
	return pvclock_stamp_slow(clk);
}

/*
 * pvclock_stamp_ticks - the raw TSC, unordered: the cheapest capture, for
 * tracers that store ticks and convert them later.
 */
static inline uint64_t pvclock_stamp_ticks(void)
{
	return pvclock_rdtsc();
}

/*
 * pvclock_stamp_ticks_ns - CLOCK_@clk's ns at TSC value @ticks, through the
 * current map: exactly the stamp that read @ticks would have returned while
 * the kernel's rate has not changed since (an NTP slew changes it; ticks
 * captured before are then converted at the new rate: an error of the
 * rate change times their age, at most 500 ppm of it).  Ticks from before
 * the anchor are converted on the same line.  PVCLOCK_STAMP_INVALID where
 * no map applies (see above; pvclock_stamp_ns() still works there: ticks
 * alone do not say the time) and for clock ids a map never serves.
 */
int64_t pvclock_stamp_ticks_ns(int clk, uint64_t ticks);

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_STAMP_H */
