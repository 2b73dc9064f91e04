/* SPDX-License-Identifier: MIT */
/*
 * The stamp map (pvclock/stamp.h): built from the time data under
 * clocksource tsc, from the shared kvm-clock map under kvm-clock, and
 * published as the shared maps are (pvmap_shared.c): a rebuilder claims
 * the map by making its sequence count odd, and a caller that loses the
 * race, or finds it odd, reads the clock itself.
 */
#include "pvclock/stamp.h"
#include "clock_read.h"
#include "pvmap_shared.h"

PVCLOCK_HIDDEN struct pvclock_stamp_map pvclock_stamp_map;

/* The clock ids of the map's bases, in order. */
static const unsigned char stamp_clock[PVCLOCK_STAMP_CLOCKS] = {
	PVCLOCK_CLOCK_REALTIME, PVCLOCK_CLOCK_MONOTONIC, PVCLOCK_CLOCK_BOOTTIME, PVCLOCK_CLOCK_TAI,
};

/*
 * The kernel's arithmetic for one high-resolution block, (N + d * m) >> k
 * plus the seconds, as one 64.64 map: exact for every d >= 0 (the products
 * are the kernel's, scaled by 2^(64 - k)).  0, or -1 where the rate does not
 * fit 0.64 (a counter slower than one tick per ns) or the block is odd.
 */
static int build_tsc(struct pvclock_stamp_map *m, const struct kdata_clock *kc)
{
	unsigned k = kc->shift;

	if (kc->mult == 0 || k == 0 || k > 64 || kc->mask != ~0ull || kc->max_cycles == 0 ||
	    (k < 64 && kc->mult >> k))
		return -1;
	m->factor = k == 64 ? kc->mult : (uint64_t)kc->mult << (64 - k);
	for (unsigned i = 0; i < PVCLOCK_STAMP_CLOCKS; i++) {
		const struct kdata_stamp *b = &kc->base[stamp_clock[i]];
		unsigned __int128 sec_ns = (unsigned __int128)(b->sec * 1000000000ull) << 64;

		m->base[i] = sec_ns + ((unsigned __int128)b->nsec << (64 - k));
	}
	m->anchor = kc->cycle_last;
	/* Past max_cycles the kernel's product needs 128 bits; the map's is the same, but a
	 * map that old has missed updates: rebuild it. */
	m->span = kc->max_cycles;
	return 0;
}

/* The time data's high-resolution block in the 6.15 layout, consistent; -1 if it keeps moving. */
static int copy_hres(const struct clock_state *s, struct kdata_clock *kc, uint32_t *kseq)
{
	const volatile struct kdata_clock *vc = kdata_block(s->kd, &s->lay, KDATA_HRES);

	for (unsigned tries = 0; tries < 16; tries++) {
		struct kdata_params p;
		uint32_t seq = kdata_read_begin(vc);

		if (seq & 1) {
			__asm__ __volatile__("pause");
			continue;
		}
		kc->clock_mode = vc->clock_mode;
		kc->mask = kdata_fields(vc, &s->lay)->mask;
		for (unsigned i = 0; i < PVCLOCK_STAMP_CLOCKS; i++) {
			kdata_load(vc, &s->lay, stamp_clock[i], &p);
			kc->base[stamp_clock[i]].sec = p.sec;
			kc->base[stamp_clock[i]].nsec = p.nsec;
		}
		kc->cycle_last = p.last;
		kc->max_cycles = p.max_cycles;
		kc->mult = p.mult;
		kc->shift = p.shift;
		if (!kdata_read_retry(vc, seq)) {
			*kseq = seq;
			return 0;
		}
	}
	return -1;
}

/* The kvm-clock map (pvmap.h) as a stamp map: its bases plus the seconds. */
static int build_pv(struct pvclock_stamp_map *m, const struct pvmap *pm)
{
	if (pm->span == 0)
		return -1;
	m->factor = pm->factor;
	for (unsigned i = 0; i < PVCLOCK_STAMP_CLOCKS; i++) {
		const struct pvmap_base *b = &pm->clk[stamp_clock[i]];

		m->base[i] = ((unsigned __int128)(b->sec * 1000000000ull) << 64) + b->base;
	}
	m->anchor = pm->anchor;
	m->span = pm->span;
	return 0;
}

/* A current copy of the shared kvm-clock map; -1 when it cannot be had now. */
static int copy_pvmap(const struct clock_state *s, struct pvmap *out)
{
	const volatile struct pvmap *m = &pvclock_clock_pvmap;
	const volatile struct kdata_clock *vc = s->kd;
	const volatile struct pvclock_record *r = (const volatile struct pvclock_record *)s->src.slots;

	for (unsigned tries = 0; tries < 4; tries++) {
		uint32_t seq = m->seq;

		pvclock_barrier();
		if (!(seq & 1) && m->kseq == vc->seq && m->version == r->version &&
		    m->cycle_last == vc->cycle_last) {
			*out = *(const struct pvmap *)m;
			pvclock_barrier();
			if (m->seq == seq)
				return 0;
			continue;
		}
		pvclock_clock_pvmap_refresh(s, KDATA_HRES);
	}
	return -1;
}

/* Build the map from the current data and publish it; nothing when another caller is at it. */
static void refresh(const struct clock_state *s)
{
	struct pvclock_stamp_map *shared = &pvclock_stamp_map;
	uint32_t seq = __atomic_load_n(&shared->seq, __ATOMIC_ACQUIRE);
	struct pvclock_stamp_map m = { 0 };
	struct kdata_clock kc;
	struct pvmap pm;
	int ok = -1;

	if ((seq & 1) || !s || !s->kd)
		return;
	if (pvclock_clock_reader == CLOCK_READER_TSC || pvclock_clock_reader == CLOCK_READER_TSC_LAYOUT) {
		if (copy_hres(s, &kc, &m.kseq) != 0)
			return;
		m.kseq_at = &kdata_block(s->kd, &s->lay, KDATA_HRES)->seq;
		m.version_at = m.kseq_at;
		m.version = m.kseq;
		ok = kc.clock_mode == KDATA_MODE_TSC ? build_tsc(&m, &kc) : -1;
	} else if (pvclock_clock_reader == CLOCK_READER_PV_MAP) {
		if (copy_pvmap(s, &pm) != 0)
			return;
		m.kseq_at = &s->kd->seq;
		/* The version is the record's first word: aligned, whatever the packed struct says. */
		m.version_at = (const volatile uint32_t *)(const volatile void *)s->src.slots;
		m.kseq = pm.kseq;
		m.version = pm.version;
		ok = build_pv(&m, &pm);
	} else {
		return;
	}
	/* Keyed but empty: every call goes to the clock until the data changes. */
	if (ok != 0)
		m.span = 0;
	if (!__atomic_compare_exchange_n(&shared->seq, &seq, seq + 1, 0, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return;
	/* x86 keeps stores in order: readers that see seq + 2 see all of these. */
	pvclock_barrier();
	for (unsigned i = 0; i < PVCLOCK_STAMP_CLOCKS; i++)
		((volatile struct pvclock_stamp_map *)shared)->base[i] = m.base[i];
	((volatile struct pvclock_stamp_map *)shared)->kseq = m.kseq;
	((volatile struct pvclock_stamp_map *)shared)->version = m.version;
	((volatile struct pvclock_stamp_map *)shared)->anchor = m.anchor;
	((volatile struct pvclock_stamp_map *)shared)->span = m.span;
	((volatile struct pvclock_stamp_map *)shared)->factor = m.factor;
	((volatile struct pvclock_stamp_map *)shared)->version_at = m.version_at;
	__atomic_store_n(&shared->kseq_at, m.kseq_at, __ATOMIC_RELAXED);
	__atomic_store_n(&shared->seq, seq + 2, __ATOMIC_RELEASE);
}

static int64_t clock_ns(int clk)
{
	struct pvclock_timespec ts;

	if (pvclock_clock_read(clk, &ts) != 0)
		return PVCLOCK_STAMP_INVALID;
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Whether the map, current or not, was built from the data as it is now. */
static int map_current(void)
{
	const volatile struct pvclock_stamp_map *m = &pvclock_stamp_map;
	const volatile uint32_t *ka = m->kseq_at;

	return ka && !(m->seq & 1) && *ka == m->kseq && *m->version_at == m->version;
}

int64_t pvclock_stamp_slow(int clk)
{
	const struct clock_state *s = clock_state();
	int i = pvclock_stamp_index(clk);
	int64_t ns;

	if (i < 0)
		return clk == PVCLOCK_CLOCK_MONOTONIC_RAW ? clock_ns(clk) : PVCLOCK_STAMP_INVALID;
	if (!map_current())
		refresh(s);
	/*
	 * The map just built, read ordered: no older than any read the caller
	 * made before.  A map exists only where the clocks read with RDTSCP.
	 */
	if (pvclock_stamp_apply(i, 1, &ns) == 0)
		return ns;
	return clock_ns(clk);
}

int64_t pvclock_stamp_ticks_ns(int clk, uint64_t ticks)
{
	const volatile struct pvclock_stamp_map *m = &pvclock_stamp_map;
	int i = pvclock_stamp_index(clk);

	if (i < 0)
		return PVCLOCK_STAMP_INVALID;
	for (unsigned tries = 0; tries < 4; tries++) {
		uint32_t seq = m->seq;
		int64_t d, ns;

		if (!map_current()) {
			refresh(clock_state());
			continue;
		}
		pvclock_barrier();
		if (m->span == 0)
			return PVCLOCK_STAMP_INVALID;
		d = (int64_t)(ticks - m->anchor);
		if (d >= 0)
			ns = (int64_t)((m->base[i] + (unsigned __int128)(uint64_t)d * m->factor) >> 64);
		else
			ns = (int64_t)((m->base[i] - (unsigned __int128)(uint64_t)-d * m->factor) >> 64);
		pvclock_barrier();
		if (m->seq == seq)
			return ns;
	}
	return PVCLOCK_STAMP_INVALID;
}
