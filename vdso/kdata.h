/* SPDX-License-Identifier: MIT */
/*
 * vdso/kdata.h - the kernel's vDSO time data as Linux 6.15 and later lay it
 * out (the generic data store): the first page of [vvar] starts with two
 * clock blocks, the high-resolution/coarse one and the MONOTONIC_RAW one.
 *
 * Inside a time namespace that page holds the namespace's per-clock offsets
 * (clock mode TIMENS) and the real data sits in the next page.
 *
 * The layout is not an ABI: it is recognised by its values and then checked
 * against the kernel's own clock_gettime before it is trusted.
 */
#ifndef PVCLOCK_VDSO_KDATA_H
#define PVCLOCK_VDSO_KDATA_H

#include <stdint.h>

#define KDATA_BASES      12           /* clock ids 0 .. CLOCK_TAI */
#define KDATA_HRES       0            /* block for REALTIME, MONOTONIC, BOOTTIME, TAI, COARSE */
#define KDATA_RAW        1            /* block for MONOTONIC_RAW */

#define KDATA_MODE_NONE    0          /* clocksource without vDSO support: high-res fields stale */
#define KDATA_MODE_TSC     1          /* counter is the TSC */
#define KDATA_MODE_PVCLOCK 2          /* counter is vCPU 0's pvclock ns */
#define KDATA_MODE_HVCLOCK 3          /* Hyper-V reference page */
#define KDATA_MODE_TIMENS  0x7fffffff /* namespace page: offsets here, data one page on */

struct kdata_stamp {
	uint64_t sec;
	uint64_t nsec;     /* high-res clocks: ns << shift at cycle_last; coarse: plain ns */
};

struct kdata_clock {
	uint32_t seq;      /* odd while the kernel rewrites the block */
	int32_t clock_mode;
	uint64_t cycle_last;
	uint64_t max_cycles;   /* deltas beyond this need the 128-bit product */
	uint64_t mask;
	uint32_t mult;
	uint32_t shift;
	struct kdata_stamp base[KDATA_BASES];  /* in a TIMENS page: signed offsets */
};

_Static_assert(sizeof(struct kdata_clock) == 232, "vdso_clock block is 232 bytes");

/*
 * kdata_ns - the block's shifted ns at @cycles turned into ns, the way the
 * kernel's vDSO does it.  A counter behind cycle_last (a TSC read racing an
 * update on another CPU) counts as no time elapsed rather than wrapping.
 */
static inline uint64_t kdata_ns(uint64_t cycles, uint64_t last, uint64_t mask,
				uint64_t max_cycles, uint32_t mult, uint32_t shift,
				uint64_t base_nsec)
{
	uint64_t delta = (cycles - last) & mask;

	if (__builtin_expect(delta > (mask >> 1), 0))
		delta = 0;
	if (__builtin_expect(delta < max_cycles, 1))
		return (delta * mult + base_nsec) >> shift;
	return (uint64_t)(((unsigned __int128)delta * mult + base_nsec) >> shift);
}

/* kdata_split - sec + ns into a normalised pair; ns is rarely a second or more. */
static inline void kdata_split(uint64_t sec, uint64_t ns, int64_t *tv_sec, long *tv_nsec)
{
	if (__builtin_expect(ns >= 1000000000ull, 0)) {
		sec += ns / 1000000000ull;
		ns %= 1000000000ull;
	}
	*tv_sec = (int64_t)sec;
	*tv_nsec = (long)ns;
}

#endif /* PVCLOCK_VDSO_KDATA_H */
