/* SPDX-License-Identifier: MIT */
/*
 * pvclock/kdata.h - the kernel's vDSO time data on x86-64: two clock blocks,
 * the high-resolution/coarse one and the MONOTONIC_RAW one, laid out one of
 * four ways depending on the kernel (struct kdata_layout):
 *
 *   Linux        where in [vvar]   block   max_cycles   namespace: real data
 *   6.15 -       page 0, +0        232     yes          page 1
 *   6.13 - 6.14  page 0, +0        248     yes          page 1
 *   6.10 - 6.12  page 0, +128      248     yes          page 3
 *   5.6 - 6.9    page 0, +128      240     no           page 3
 *
 * Every layout starts with seq, clock_mode and cycle_last; without
 * max_cycles, mask, mult, shift and the base times sit 8 bytes earlier.
 * Inside a time namespace page 0 holds the namespace's per-clock offsets
 * (clock mode TIMENS), in the same layout, and the real data is elsewhere.
 *
 * The layout is not an ABI: it is recognised by its values and then checked
 * against the kernel's own clock_gettime before it is trusted.
 */
#ifndef PVCLOCK_KDATA_H
#define PVCLOCK_KDATA_H

#include <stdint.h>

#include "pvclock/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KDATA_BASES      12           /* clock ids 0 .. CLOCK_TAI */
#define KDATA_HRES       0            /* block for REALTIME, MONOTONIC, BOOTTIME, TAI, COARSE */
#define KDATA_RAW        1            /* block for MONOTONIC_RAW */

#define KDATA_MODE_NONE    0          /* clocksource without vDSO support: high-res fields stale */
#define KDATA_MODE_TSC     1          /* counter is the TSC */
#define KDATA_MODE_PVCLOCK 2          /* counter is vCPU 0's pvclock ns */
#define KDATA_MODE_HVCLOCK 3          /* Hyper-V reference page */
#define KDATA_MODE_TIMENS  0x7fffffff /* namespace page: offsets here, data elsewhere */
#define KDATA_MODE_TIMENS_56 (-1)     /* the same marker in Linux 5.6 */

/* kdata_mode_is_timens - whether a block's clock mode marks a time namespace's offsets page. */
static inline int kdata_mode_is_timens(int32_t mode)
{
	return mode == KDATA_MODE_TIMENS || mode == KDATA_MODE_TIMENS_56;
}

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

PVCLOCK_STATIC_ASSERT(sizeof(struct kdata_clock) == 232, "vdso_clock block is 232 bytes");

/*
 * One of the layouts above.  A block's fields from mask on are read through
 * kdata_fields(): at their 6.15 offsets plus @foff.  A layout without
 * max_cycles ORs all ones into it (@max_or), which makes the kernel's
 * formula of those kernels (no overflow branch) out of the same code.
 */
struct kdata_layout {
	uint32_t offset;      /* of the first block in its page */
	uint32_t stride;      /* from the high-resolution block to the MONOTONIC_RAW one */
	int32_t foff;         /* 0, or -8 without max_cycles */
	uint32_t ns_page;     /* page of the real data inside a time namespace */
	uint64_t max_or;      /* 0, or all ones without max_cycles */
};

enum kdata_era {
	KDATA_ERA_6_15 = 0,   /* 6.15 and later */
	KDATA_ERA_6_13,       /* 6.13, 6.14 */
	KDATA_ERA_6_10,       /* 6.10 - 6.12 */
	KDATA_ERA_5_6,        /* 5.6 - 6.9 */
	KDATA_ERAS,
};

static const struct kdata_layout kdata_layouts[KDATA_ERAS] = {
	/* In enum kdata_era's order (no array designators: C++ includes this too). */
	{ 0, 232, 0, 1, 0 },         /* 6.15 - */
	{ 0, 248, 0, 1, 0 },         /* 6.13, 6.14 */
	{ 128, 248, 0, 3, 0 },       /* 6.10 - 6.12 */
	{ 128, 240, -8, 3, ~0ull },   /* 5.6 - 6.9 */
};

/* Block @blk (KDATA_HRES, KDATA_RAW) of the blocks at @kd. */
static inline const volatile struct kdata_clock *kdata_block(const volatile struct kdata_clock *kd,
							     const struct kdata_layout *l, unsigned blk)
{
	return (const volatile struct kdata_clock *)((uintptr_t)kd + blk * l->stride);
}

/*
 * Block @c seen at its fields' offsets: mask, mult, shift and base through
 * the result, max_cycles through kdata_max_cycles(); seq, clock_mode and
 * cycle_last through @c itself.
 */
static inline const volatile struct kdata_clock *kdata_fields(const volatile struct kdata_clock *c,
							      const struct kdata_layout *l)
{
	return (const volatile struct kdata_clock *)((uintptr_t)c + (intptr_t)l->foff);
}

static inline uint64_t kdata_max_cycles(const volatile struct kdata_clock *f, const struct kdata_layout *l)
{
	return f->max_cycles | l->max_or;
}

/*
 * kdata_read_begin - the block's sequence count, odd while the kernel
 * rewrites the block; kdata_read_retry - whether it changed since.  Every
 * reader of the time data reads its fields between the two.
 */
static inline uint32_t kdata_read_begin(const volatile struct kdata_clock *c)
{
	uint32_t seq = c->seq;

	/* x86 keeps loads in order; only the compiler must not hoist the field loads. */
	pvclock_barrier();
	return seq;
}

static inline int kdata_read_retry(const volatile struct kdata_clock *c, uint32_t seq)
{
	/* The field loads must be done before the count is loaded again. */
	pvclock_barrier();
	return __builtin_expect(c->seq != seq, 0);
}

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

/* What a reader copies out of a block for one clock, between kdata_read_begin() and _retry(). */
struct kdata_params {
	uint64_t sec;
	uint64_t nsec;
	uint64_t last;
	uint64_t mask;
	uint64_t max_cycles;
	uint32_t mult;
	uint32_t shift;
};

/* kdata_load - block @vc's parameters for clock @clk, in layout @l. */
static inline void kdata_load(const volatile struct kdata_clock *vc, const struct kdata_layout *l,
			      unsigned clk, struct kdata_params *p)
{
	const volatile struct kdata_clock *f = kdata_fields(vc, l);

	p->sec = f->base[clk].sec;
	p->nsec = f->base[clk].nsec;
	p->last = vc->cycle_last;
	p->mask = f->mask;
	p->max_cycles = kdata_max_cycles(f, l);
	p->mult = f->mult;
	p->shift = f->shift;
}

/* kdata_params_ns - kdata_ns() with the loaded parameters. */
static inline uint64_t kdata_params_ns(const struct kdata_params *p, uint64_t cycles)
{
	return kdata_ns(cycles, p->last, p->mask, p->max_cycles, p->mult, p->shift, p->nsec);
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

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_KDATA_H */
