/* SPDX-License-Identifier: MIT */
/*
 * The rare parts of the per-vCPU counter (view.h): rebuilding the view
 * after a host update, and reads while a view is closing.
 */
#include "view.h"

PVCLOCK_HIDDEN struct views pvclock_views;

/*
 * {seq, tmax}: {*@seq, *@tmax} -> {@nseq, @ntmax} if unchanged, else the
 * current pair into *@seq, *@tmax.  A locked instruction: a full barrier.
 */
static int cas_pair(uint64_t *seq, uint64_t *tmax, uint64_t nseq, uint64_t ntmax)
{
	unsigned char ok;

	__asm__ __volatile__("lock cmpxchg16b %1\n\tsete %0"
			     : "=q"(ok), "+m"(*(volatile unsigned __int128 *)&pvclock_views.seq),
			       "+a"(*seq), "+d"(*tmax)
			     : "b"(nseq), "c"(ntmax)
			     : "memory", "cc");
	return ok;
}

/* A TSC value read after every earlier load and store is globally visible. */
static uint64_t tsc_after_barrier(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("mfence; lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* Record @k into *@out under the version protocol; 0 when it stays mid-update. */
static int snapshot(const struct pvclock_source *src, unsigned k, struct view_snap *out,
		    uint32_t *version)
{
	struct pvclock_record rec;

	if (pvclock_record_snapshot(pvclock_source_record(src, k), VIEW_RECORD_TRIES, &rec, 0, 0) !=
	    PVCLOCK_OK)
		return 0;
	out->tsc_timestamp = rec.tsc_timestamp;
	out->system_time = rec.system_time;
	out->mul = rec.tsc_to_system_mul;
	out->shift = rec.tsc_shift;
	*version = rec.version;
	return 1;
}

/*
 * Fill @nv from the records; a record that stays mid-update keeps its entry
 * from @old.  The lead is the record ahead at @tsc.
 */
static void fill(const struct pvclock_source *src, struct view *nv,
		 const struct view *old, uint64_t tsc)
{
	unsigned nr = src->nr_valid < PVCLOCK_PAGE_SLOTS ? src->nr_valid : PVCLOCK_PAGE_SLOTS;
	const struct view_snap *lead = 0;
	uint64_t best = 0;
	int uniform = 1;

	for (unsigned k = 0; k < PVCLOCK_PAGE_SLOTS; k++) {
		if (k >= nr || !snapshot(src, k, &nv->snap[k], &nv->version[k])) {
			nv->snap[k] = old->snap[k];
			nv->version[k] = old->version[k];
		}
	}
	for (unsigned k = 0; k < nr; k++) {
		const struct view_snap *p = &nv->snap[k];
		uint64_t w;

		if (!p->mul)
			continue;
		if (lead && (p->mul != lead->mul || p->shift != lead->shift))
			uniform = 0;
		w = snap_at(p, tsc);
		if (!lead || w > best) {
			lead = p;
			best = w;
		}
	}
	if (!lead) {
		nv->nr = 0;
		nv->uniform = 1;
		nv->lead = (struct view_snap){ 0 };
		return;
	}
	nv->nr = nr;
	nv->uniform = uniform;
	nv->lead = *lead;
}

/* The floor of the view that follows @old, closed at @tmax (padded, see percpu.h). */
static uint64_t next_floor(const struct view *old, uint64_t tmax)
{
	uint64_t g;

	if (!old->nr)
		return old->floor;
	g = view_at(old, tmax) + VIEW_PAD_NS;
	return g > old->floor ? g : old->floor;
}

void pvclock_view_rebuild(const struct pvclock_source *src, uint64_t seq)
{
	struct views *vs = &pvclock_views;
	struct view *old = &vs->view[seq >> 1 & 1], *nv = &vs->view[(seq >> 1 & 1) ^ 1];
	uint64_t s = seq, tmax = 0, t;

	/* Another rebuild holds view @seq: no write (and no line taken) to find that out. */
	if (__atomic_load_n(&vs->tmax, __ATOMIC_RELAXED))
		return;
	/* Claim: tmax 1 while the view stays open; the winner alone writes the other copy. */
	if (!cas_pair(&s, &tmax, seq, 1))
		return;
	fill(src, nv, old, pvclock_rdtscp(0));
	/* Close, then a TSC value later than every read of the open view. */
	s = seq;
	tmax = 1;
	if (!cas_pair(&s, &tmax, seq + 1, 0))
		return;                 /* not reached: only the claimant moves a claimed view */
	t = tsc_after_barrier();
	s = seq + 1;
	tmax = 0;
	if (!cas_pair(&s, &tmax, seq + 1, t))
		t = tmax;               /* a reader of the closing view set it first */
	s = seq + 1;
	tmax = t;
	do {
		/* Readers of the closing view may have raised tmax: the floor covers it. */
		nv->floor = next_floor(old, tmax);
	} while (!cas_pair(&s, &tmax, seq + 2, 0));
}

void pvclock_view_follow(const struct pvclock_source *src)
{
	uint64_t seq = __atomic_load_n(&pvclock_views.seq, __ATOMIC_ACQUIRE);
	const struct view *v = &pvclock_views.view[seq >> 1 & 1];
	unsigned nr = src->nr_valid < PVCLOCK_PAGE_SLOTS ? src->nr_valid : PVCLOCK_PAGE_SLOTS;

	if (seq & 1)
		return;
	/* Only the closed copy is ever written: the open one's versions are stable. */
	for (unsigned k = 0; k < nr; k++) {
		if (view_record_moved(src, v, k)) {
			pvclock_view_rebuild(src, seq);
			return;
		}
	}
}

int pvclock_view_closing(uint64_t seq, uint64_t *ns)
{
	const struct view *old = &pvclock_views.view[seq >> 1 & 1];
	uint64_t s = seq, tmax = __atomic_load_n(&pvclock_views.tmax, __ATOMIC_RELAXED);
	/* RDTSCP waits for the load that found seq odd: later than every open-view read. */
	uint64_t tsc = pvclock_rdtscp(0);
	uint64_t floor, g, gmax;
	uint32_t nr;

	if (!tmax) {
		if (!cas_pair(&s, &tmax, seq, tsc)) {
			if (s != seq)
				return PVCLOCK_ESTUCK;
		} else {
			tmax = tsc;
		}
	}
	nr = __atomic_load_n(&old->nr, __ATOMIC_RELAXED);
	floor = __atomic_load_n(&old->floor, __ATOMIC_RELAXED);
	g = view_at(old, tsc);
	gmax = view_at(old, tmax);
	if ((int64_t)(tsc - tmax) > 0) {
		/* A rebuild held up, or gone, between closing and opening: move tmax on. */
		if (g - gmax > VIEW_STALE_NS) {
			s = seq;
			if (cas_pair(&s, &tmax, seq, tsc))
				gmax = g;
			else if (s != seq)
				return PVCLOCK_ESTUCK;
			else
				gmax = view_at(old, tmax);
		}
		g = g < gmax ? g : gmax;
	}
	pvclock_barrier();
	if (__atomic_load_n(&pvclock_views.seq, __ATOMIC_RELAXED) != seq)
		return PVCLOCK_ESTUCK;
	if (!nr)
		return PVCLOCK_EINVALID;
	/* Padded as the next floor is: at least every value the open view's map handed out. */
	g += VIEW_PAD_NS;
	*ns = g > floor ? g : floor;
	return PVCLOCK_OK;
}

PVCLOCK_HIDDEN void pvclock_view_reset(const struct pvclock_source *src)
{
	struct views *vs = &pvclock_views;

	for (unsigned i = 0; i < sizeof(*vs); i++)
		((volatile unsigned char *)vs)[i] = 0;
	if (src && src->slots)
		fill(src, &vs->view[0], &vs->view[1], tsc_after_barrier());
}
