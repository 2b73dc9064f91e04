/* SPDX-License-Identifier: MIT */
/*
 * The shared kvm-clock maps (pvmap.h), one from vCPU 0's record and one from
 * the per-vCPU view's lead (view.h): rebuilt by whichever call first finds
 * one stale, i.e. once per kernel tick, record update or view rebuild,
 * never on a read that finds it current.
 *
 * Publishing needs no lock: a rebuilder claims the map by moving its
 * sequence count from the even value it saw to odd (compare-and-swap),
 * writes it, and makes it even again.  A caller that loses the race, or
 * that finds the map odd (another thread, or the rebuild this signal
 * handler interrupted), does not wait: it reads through the general path.
 */
#include "pvclock/read.h"
#include "pvmap_shared.h"
#include "view.h"

PVCLOCK_HIDDEN struct pvmap pvclock_clock_pvmap __attribute__((aligned(64)));
PVCLOCK_HIDDEN struct pvmap pvclock_clock_rawmap __attribute__((aligned(64)));
PVCLOCK_HIDDEN struct pvmap pvclock_clock_viewmap __attribute__((aligned(64)));

/* A block in the 6.15 layout; the caller checks its sequence count. */
static void copy_block(const volatile struct kdata_clock *vc, const struct kdata_layout *l,
		       struct kdata_clock *kc)
{
	const volatile struct kdata_clock *f = kdata_fields(vc, l);

	kc->clock_mode = vc->clock_mode;
	kc->cycle_last = vc->cycle_last;
	kc->max_cycles = kdata_max_cycles(f, l);
	kc->mask = f->mask;
	kc->mult = f->mult;
	kc->shift = f->shift;
	for (unsigned c = 0; c < KDATA_BASES; c++) {
		kc->base[c].sec = f->base[c].sec;
		kc->base[c].nsec = f->base[c].nsec;
	}
}

/* A consistent copy of block @blk and vCPU 0's record; -1 if none. */
static int snapshot(const struct clock_state *s, unsigned blk, struct kdata_clock *kc,
		    struct pvmap_record *r, uint32_t *kseq, uint32_t *version, uint8_t *flags)
{
	const volatile struct kdata_clock *vc = kdata_block(s->kd, &s->lay, blk);
	const volatile struct pvclock_record *pr = (const volatile struct pvclock_record *)s->src.slots;

	for (unsigned tries = 0; tries < 16; tries++) {
		uint32_t ks = vc->seq, v = pr->version;

		if ((ks & 1) || (v & 1)) {
			__asm__ __volatile__("pause");
			continue;
		}
		pvclock_barrier();
		copy_block(vc, &s->lay, kc);
		r->tsc_timestamp = pr->tsc_timestamp;
		r->system_time = pr->system_time;
		r->mul = pr->tsc_to_system_mul;
		r->shift = pr->tsc_shift;
		*flags = pr->flags;
		pvclock_barrier();
		if (vc->seq == ks && pr->version == v) {
			*kseq = ks;
			*version = v;
			return 0;
		}
	}
	return -1;
}

/*
 * Publish @map into @shared, whose sequence count was @seq (even) when the
 * caller began; nothing when another caller claimed it meanwhile.
 */
static void publish(struct pvmap *shared_map, uint32_t seq, const struct pvmap *map)
{
	volatile struct pvmap *shared = shared_map;

	if (!__atomic_compare_exchange_n(&shared_map->seq, &seq, seq + 1, 0,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	/* x86 keeps stores in order: readers that see seq + 2 see all of these. */
	pvclock_barrier();
	shared->kseq = map->kseq;
	shared->version = map->version;
	shared->vseq = map->vseq;
	shared->cycle_last = map->cycle_last;
	shared->anchor = map->anchor;
	shared->span = map->span;
	shared->factor = map->factor;
	for (unsigned c = 0; c < KDATA_BASES; c++) {
		if (!(PVMAP_CLOCKS >> c & 1))
			continue;
		shared->clk[c].base = map->clk[c].base;
		shared->clk[c].sec = map->clk[c].sec;
	}
	__atomic_store_n(&shared_map->seq, seq + 2, __ATOMIC_RELEASE);
}

PVCLOCK_HIDDEN void pvclock_clock_pvmap_refresh(const struct clock_state *s, unsigned blk)
{
	struct pvmap *shared = blk == KDATA_RAW ? &pvclock_clock_rawmap : &pvclock_clock_pvmap;
	uint32_t seq = __atomic_load_n(&shared->seq, __ATOMIC_ACQUIRE);
	struct kdata_clock kc;
	struct pvmap_record r;
	struct pvmap map = { 0 };
	uint8_t flags;

	if (seq & 1)
		return;
	if (snapshot(s, blk, &kc, &r, &map.kseq, &map.version, &flags))
		return;
	map.vseq = 0;
	/* Unstable records, another clock mode, an unusual mask: keyed, but empty. */
	if (!(flags & PVCLOCK_TSC_STABLE) || kc.clock_mode != s->kmode || kc.mask != ~0ull) {
		map.cycle_last = kc.cycle_last;
		map.span = 0;
	} else {
		pvmap_build(&map, &r, &kc, 0);
	}
	publish(shared, seq, &map);
	/* Keep the per-vCPU view current while vCPU 0's record serves (view.h). */
	if (blk == KDATA_HRES && (flags & PVCLOCK_TSC_STABLE) && s->counter == CLOCK_COUNTER_PV_AUTO)
		pvclock_view_follow(&s->src);
}

/*
 * A consistent copy of the high-resolution block and of the open view's
 * floor and lead; -1 if none (a view closing, updates racing).
 */
static int view_snapshot(const struct clock_state *s, struct kdata_clock *kc, struct pvmap_record *r,
			 uint64_t *floor, int *usable, uint32_t *kseq, uint64_t *vseq)
{
	const volatile struct kdata_clock *vc = kdata_block(s->kd, &s->lay, KDATA_HRES);
	const volatile struct views *vs = &pvclock_views;

	for (unsigned tries = 0; tries < 16; tries++) {
		uint32_t ks = vc->seq;
		uint64_t q = vs->seq;
		const volatile struct view *v = &vs->view[q >> 1 & 1];

		if ((ks & 1) || (q & 1)) {
			__asm__ __volatile__("pause");
			continue;
		}
		pvclock_barrier();
		copy_block(vc, &s->lay, kc);
		r->tsc_timestamp = v->lead.tsc_timestamp;
		r->system_time = v->lead.system_time;
		r->mul = v->lead.mul;
		r->shift = (int8_t)v->lead.shift;
		*floor = v->floor;
		*usable = v->uniform && v->nr && v->lead.mul;
		pvclock_barrier();
		if (vc->seq == ks && vs->seq == q) {
			*kseq = ks;
			*vseq = q;
			return 0;
		}
	}
	return -1;
}

PVCLOCK_HIDDEN void pvclock_clock_viewmap_refresh(const struct clock_state *s)
{
	uint32_t seq = __atomic_load_n(&pvclock_clock_viewmap.seq, __ATOMIC_ACQUIRE);
	struct kdata_clock kc;
	struct pvmap_record r;
	struct pvmap map = { 0 };
	uint64_t floor;
	int usable;

	if (seq & 1)
		return;
	if (view_snapshot(s, &kc, &r, &floor, &usable, &map.kseq, &map.vseq))
		return;
	map.version = 0;
	/* Start where the lead reaches the floor: before that the view reads the floor. */
	pvmap_build(&map, &r, &kc, floor);
	/*
	 * Mixed rates (g is a maximum, not one record), no record yet, another
	 * clock mode, an unusual mask, or a rate at which VIEW_PAD_NS of
	 * kvmclock is not 3 ns of the clock: keyed, but empty.
	 */
	if (!usable || kc.clock_mode != s->kmode || kc.mask != ~0ull ||
	    (uint64_t)kc.mult * VIEW_PAD_NS < (3ull << kc.shift))
		map.span = 0;
	publish(&pvclock_clock_viewmap, seq, &map);
}

static void reset(struct pvmap *m)
{
	/* Keys no record, view or time data can have (odd): the first read rebuilds. */
	uint32_t seq = __atomic_load_n(&m->seq, __ATOMIC_RELAXED);

	m->kseq = 1;
	m->version = 1;
	m->vseq = 1;
	m->span = 0;
	__atomic_store_n(&m->seq, (seq + 2) & ~1u, __ATOMIC_RELEASE);
}

PVCLOCK_HIDDEN void pvclock_clock_pvmap_reset(void)
{
	reset(&pvclock_clock_pvmap);
	reset(&pvclock_clock_rawmap);
	reset(&pvclock_clock_viewmap);
}
