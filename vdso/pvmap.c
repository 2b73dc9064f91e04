/* SPDX-License-Identifier: MIT */
/*
 * The shared kvm-clock map (pvmap.h): rebuilt by whichever call first finds
 * it stale, i.e. once per kernel tick or record update, never on a read
 * that finds it current.
 *
 * Publishing needs no lock: a rebuilder claims the map by moving its
 * sequence count from the even value it saw to odd (compare-and-swap),
 * writes it, and makes it even again.  A caller that loses the race, or
 * that finds the map odd (another thread, or the rebuild this signal
 * handler interrupted), does not wait: it reads through the general path.
 */
#include "pvclock/read.h"
#include "pvmap.h"
#include "vdso.h"

VDSO_HIDDEN struct pvmap pvclock_vdso_pvmap __attribute__((aligned(64)));

/* A consistent copy of the high-resolution block and vCPU 0's record; -1 if none. */
static int snapshot(const struct vdso_state *s, struct kdata_clock *kc, struct pvmap_record *r,
		    uint32_t *kseq, uint32_t *version, uint8_t *flags)
{
	const volatile struct kdata_clock *vc = s->kd + KDATA_HRES;
	const volatile struct pvclock_record *pr = (const volatile struct pvclock_record *)s->src.slots;

	for (unsigned tries = 0; tries < 16; tries++) {
		uint32_t ks = vc->seq, v = pr->version;

		if ((ks & 1) || (v & 1)) {
			__asm__ __volatile__("pause");
			continue;
		}
		pvclock_barrier();
		kc->clock_mode = vc->clock_mode;
		kc->cycle_last = vc->cycle_last;
		kc->max_cycles = vc->max_cycles;
		kc->mask = vc->mask;
		kc->mult = vc->mult;
		kc->shift = vc->shift;
		for (unsigned c = 0; c < KDATA_BASES; c++) {
			kc->base[c].sec = vc->base[c].sec;
			kc->base[c].nsec = vc->base[c].nsec;
		}
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

VDSO_HIDDEN void pvclock_vdso_pvmap_refresh(const struct vdso_state *s)
{
	volatile struct pvmap *shared = &pvclock_vdso_pvmap;
	uint32_t seq = __atomic_load_n(&pvclock_vdso_pvmap.seq, __ATOMIC_ACQUIRE);
	struct kdata_clock kc;
	struct pvmap_record r;
	struct pvmap map;
	uint8_t flags;

	if (seq & 1)
		return;
	if (snapshot(s, &kc, &r, &map.kseq, &map.version, &flags))
		return;
	pvmap_build(&map, &r, &kc);
	/* Unstable records, another clock mode, an unusual mask: keyed, but empty. */
	if (!(flags & PVCLOCK_TSC_STABLE) || kc.clock_mode != s->kmode || kc.mask != ~0ull)
		map.span = 0;
	if (!__atomic_compare_exchange_n(&pvclock_vdso_pvmap.seq, &seq, seq + 1, 0,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	/* x86 keeps stores in order: readers that see seq + 2 see all of these. */
	pvclock_barrier();
	shared->kseq = map.kseq;
	shared->version = map.version;
	shared->cycle_last = map.cycle_last;
	shared->anchor = map.anchor;
	shared->span = map.span;
	shared->factor = map.factor;
	for (unsigned c = 0; c < KDATA_BASES; c++) {
		if (!(PVMAP_CLOCKS >> c & 1))
			continue;
		shared->clk[c].base = map.clk[c].base;
		shared->clk[c].sec = map.clk[c].sec;
	}
	__atomic_store_n(&pvclock_vdso_pvmap.seq, seq + 2, __ATOMIC_RELEASE);
}

VDSO_HIDDEN void pvclock_vdso_pvmap_reset(void)
{
	/* Keys no record and no time data can have (odd): the first read rebuilds. */
	uint32_t seq = __atomic_load_n(&pvclock_vdso_pvmap.seq, __ATOMIC_RELAXED);

	pvclock_vdso_pvmap.kseq = 1;
	pvclock_vdso_pvmap.version = 1;
	pvclock_vdso_pvmap.span = 0;
	__atomic_store_n(&pvclock_vdso_pvmap.seq, (seq + 2) & ~1u, __ATOMIC_RELEASE);
}
