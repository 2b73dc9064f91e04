/* SPDX-License-Identifier: MIT */
/*
 * lib/core/view.h - the kvm-clock counter when TSC_STABLE is clear: O(1) in
 * the number of vCPUs, and no shared cache line written on the common path.
 *
 * Without TSC_STABLE the host writes each vCPU's record on its own.  Two
 * records may then give different times for one TSC value (skew), and an
 * update may lower a record's time (KVM without a master clock re-reads a
 * host clock that may be behind the old record's extrapolation).  Reading
 * the own vCPU's record would let a thread that moves, or that hears from a
 * thread on another vCPU, see time go back.
 *
 * The view.  A snapshot of every record, taken at a host update and then
 * only read, defines one clock for all vCPUs:
 *
 *	g(t) = max over the snapshot's records j of f_j(t)
 *
 * (f_j: record j's time at TSC value t).  With one rate for every record
 * (KVM's case: one TSC frequency) the maximum is always the same record,
 * the lead, and g costs one evaluation; otherwise every snapshot is
 * evaluated.  A view also has a floor F, and hands out max(g(t), F).
 *
 * A read: seq and the view, then RDTSCP for t and the vCPU k, then record
 * k's version, which must equal the one in the snapshot, else the host has
 * updated record k since and the reader rebuilds the view (after handing
 * out its value from the current one); then seq again.  Only host-written
 * and rebuild-written lines are read; nothing is written.
 *
 * Two copies of the view and a pair {seq, tmax} (16 bytes, written with
 * CMPXCHG16B).  seq even: copy (seq / 2) % 2 is open, and tmax is 0, or 1
 * while a rebuild holds it.  seq odd: that copy is closing and the other is
 * about to open.  A rebuild:
 *
 *  1. claims: {S, 0} -> {S, 1}; one caller wins, the others keep reading;
 *  2. snapshots every record into the other copy, which nobody reads;
 *  3. closes: {S, 1} -> {S + 1, 0}, then tmax = a TSC value read after that
 *     store is visible, so later than every TSC value a reader of the open
 *     view used (each read its TSC before it loaded seq the second time,
 *     and found S then);
 *  4. opens the new copy with F_new = max(F_old, g_old(tmax) + pad):
 *     {S + 1, tmax} -> {S + 2, 0}, again with the new tmax if a reader
 *     raised it meanwhile.
 *
 * A reader that finds seq odd uses the closing copy, with its TSC value
 * capped at tmax: max(F_old, g_old(min(t, tmax)) + pad) (VIEW_PAD_NS).  If
 * tmax is not set yet it sets it itself, to a TSC value read after it saw
 * seq odd (later than every open-view read, too).  Time stands still for
 * such reads: for the few instructions of step 3 and 4, or VIEW_STALE_NS at
 * most (below).
 *
 * Why time never goes back across threads.  Say read A returned before read
 * B started (B ran after hearing from A, on any vCPU).  RDTSCP waits for
 * earlier loads, and the TSCs run in step on every vCPU, so t_A <= t_B.
 * Every value a view hands out lies in [F, g(t)] with g non-decreasing
 * (closing: g(t) + pad), and F_new is at least every value of the view
 * before it: the open-view values are g_old(t) with t < tmax, the
 * closing-view values are capped at tmax.
 * So values never decrease along one view, nor from one view to the next,
 * nor from an open view to its closing phase; B >= A whichever views A and
 * B used.  A rebuild may lower g (a lowered record): time then stands at
 * F_new until g reaches it, as with the kernel's last-value clamp, but
 * without a shared write per read.
 *
 * Assumed: the TSC is synchronised across vCPUs, as the guest kernel's tsc
 * clocksource also requires.  If it is not, a thread moving to a vCPU
 * whose TSC is behind sees time go back by that difference, as it would
 * with any reader of per-vCPU records.
 *
 * A rebuild never waits for anyone, and readers never wait for a rebuild.
 * A rebuild that is held up between 3 and 4 (preempted) would stop time for
 * the readers of the closing view, so they raise tmax to their own TSC
 * value whenever g_old(t) is VIEW_STALE_NS past g_old(tmax).  A rebuild that
 * never finishes (its thread gone, or the process forked meanwhile) leaves
 * the view claimed (still open: time correct, host updates no longer
 * followed) or closing (time moves on in steps of VIEW_STALE_NS).
 */
#ifndef PVCLOCK_CORE_VIEW_H
#define PVCLOCK_CORE_VIEW_H

#include "pvclock/read.h"
#include "pvclock/syscall.h"
#include "pvclock/clock.h"

/* Readers of a closing view move tmax on once it lies this far behind them (above). */
#define VIEW_STALE_NS 2000u
/*
 * Closing-view values and the next floor are g_old(min(t, tmax)) plus this
 * pad.  The clock functions may serve an open view through a one-multiply
 * map (pvmap.h) that is up to 2 ns of the clock above the exact value at the
 * same TSC; 4 ns of kvmclock are at least 3 ns of the clock at any rate the
 * map accepts, so every later value is at least every map value handed out
 * before the view closed, however close t and tmax are.
 */
#define VIEW_PAD_NS 4u
/* Reads restarted because views changed under them, before giving up. */
#define VIEW_ROUNDS 64u
/* Tries per record when a rebuild snapshots it. */
#define VIEW_RECORD_TRIES 64u

/* One record as a snapshot saw it; mul 0: no record. */
struct view_snap {
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t mul;
	int32_t shift;
};

struct view {
	/* What every read needs, in one line. */
	uint64_t floor;
	struct view_snap lead;         /* g, when uniform */
	uint32_t uniform;              /* one (mul, shift) for every record */
	uint32_t nr;                   /* slots snapshotted; 0: no view */
	/* Record versions the snapshot was taken at. */
	uint32_t version[PVCLOCK_PAGE_SLOTS] __attribute__((aligned(64)));
	struct view_snap snap[PVCLOCK_PAGE_SLOTS];
} __attribute__((aligned(64)));

struct views {
	uint64_t seq __attribute__((aligned(64)));
	uint64_t tmax;
	struct view view[2];
};

extern struct views pvclock_views PVCLOCK_HIDDEN;

/* pvclock_view_rebuild - replace view @seq by a fresh snapshot, unless another call does. */
void pvclock_view_rebuild(const struct pvclock_source *src, uint64_t seq) PVCLOCK_HIDDEN;

/*
 * pvclock_view_follow - rebuild the view if a record changed since its
 * snapshot.  Called while vCPU 0's record serves (at each refresh of its
 * map), so that when the host clears TSC_STABLE the per-vCPU path takes
 * over from a current view, whose clock is at least vCPU 0's record's.
 */
void pvclock_view_follow(const struct pvclock_source *src) PVCLOCK_HIDDEN;

/* pvclock_view_closing - a read while view @seq is closing (see above). */
int pvclock_view_closing(uint64_t seq, uint64_t *ns) PVCLOCK_HIDDEN;

/*
 * pvclock_view_reset - forget every view and build the first from @src
 * (NULL: none; the first per-vCPU read then builds it).
 */
void pvclock_view_reset(const struct pvclock_source *src) PVCLOCK_HIDDEN;

static inline uint64_t snap_at(const struct view_snap *p, uint64_t tsc)
{
	/* A record newer than @tsc: extrapolate back, so that g stays non-decreasing. */
	if (__builtin_expect((int64_t)(tsc - p->tsc_timestamp) < 0, 0))
		return p->system_time - pvclock_scale_delta(p->tsc_timestamp - tsc, p->mul,
							    (int8_t)p->shift);
	return p->system_time + pvclock_scale_delta(tsc - p->tsc_timestamp, p->mul, (int8_t)p->shift);
}

/* A snapshot from a view that a rebuild may be rewriting (the caller checks seq). */
static inline struct view_snap snap_load(const volatile struct view_snap *p)
{
	return (struct view_snap){ p->tsc_timestamp, p->system_time, p->mul, p->shift };
}

/* g(@tsc) of view @v; garbage when @v is being rewritten (the caller checks seq). */
static inline uint64_t view_at(const volatile struct view *v, uint64_t tsc)
{
	uint32_t nr = v->nr;
	uint64_t best = 0;
	struct view_snap p;

	if (__builtin_expect(v->uniform, 1)) {
		p = snap_load(&v->lead);
		return snap_at(&p, tsc);
	}
	if (nr > PVCLOCK_PAGE_SLOTS)
		nr = PVCLOCK_PAGE_SLOTS;
	for (uint32_t j = 0; j < nr; j++) {
		uint64_t w;

		p = snap_load(&v->snap[j]);
		if (!p.mul)
			continue;
		w = snap_at(&p, tsc);
		if (w > best)
			best = w;
	}
	return best;
}

/*
 * view_record_moved - whether the host has updated record @k since view @v's
 * snapshot (its version now even and different).  The snapshot's version is
 * loaded whatever @k: readers pass the vCPU from RDTSCP, and that load,
 * whose address depends on it, orders their TSC read before their second
 * load of the views' sequence number (see view_try).  A record mid-update
 * (odd) is looked at again by the next read.
 */
static inline int view_record_moved(const struct pvclock_source *src, const volatile struct view *v,
				    uint32_t k)
{
	uint32_t seen = v->version[k & (PVCLOCK_PAGE_SLOTS - 1)], now;

	if (__builtin_expect(k >= src->nr_valid, 0))
		return 0;
	now = pvclock_source_record(src, k)->version;
	return now != seen && !(now & 1);
}

/* What one look at the open view gave (view_try). */
enum view_try {
	VIEW_DONE = 0,     /* *ns holds the value */
	VIEW_DONE_STALE,   /* *ns holds the value; the host has updated a record: rebuild */
	VIEW_CHANGED,      /* a rebuild moved the view meanwhile: look again */
	VIEW_CLOSING,      /* the view is closing: pvclock_view_closing() */
	VIEW_EMPTY,        /* no record could be snapshotted yet: rebuild */
};

/*
 * view_try - one read of the open view into *@ns; *@seqp gets the view's
 * sequence number (what a rebuild or a closing read needs).
 */
static inline __attribute__((always_inline)) int view_try(const struct pvclock_source *src,
							  uint64_t *seqp, uint64_t *ns)
{
	const volatile struct views *vs = &pvclock_views;
	const volatile struct view *v;
	struct view_snap lead;
	uint64_t tsc, seq, floor, g;
	uint32_t aux, nr, uniform;
	int stale;

	*seqp = seq = vs->seq;
	pvclock_barrier();
	if (__builtin_expect(seq & 1, 0))
		return VIEW_CLOSING;
	v = &vs->view[seq >> 1 & 1];
	nr = v->nr;
	floor = v->floor;
	uniform = v->uniform;
	lead = snap_load(&v->lead);
	/* RDTSCP waits for the loads above. */
	tsc = pvclock_rdtscp(&aux);
	/*
	 * The snapshot's version of the vCPU's record is loaded at an address
	 * that comes from RDTSCP's result, so after the TSC was read, and the
	 * second load of seq after it (x86 keeps loads in order): the TSC
	 * value is older than that load, as the argument above needs.  No fence.
	 */
	stale = view_record_moved(src, v, aux & PVCLOCK_TSC_AUX_CPU_MASK);
	g = __builtin_expect(uniform, 1) ? snap_at(&lead, tsc) : view_at(v, tsc);
	pvclock_barrier();
	if (__builtin_expect(vs->seq != seq, 0))
		return VIEW_CHANGED;
	/* No record could be read yet: nothing was handed out either. */
	if (__builtin_expect(!nr, 0))
		return VIEW_EMPTY;
	*ns = g > floor ? g : floor;
	return __builtin_expect(stale, 0) ? VIEW_DONE_STALE : VIEW_DONE;
}

/* pvclock_view_read - the view's clock now, into *@ns: PVCLOCK_OK or a status. */
static inline int pvclock_view_read(const struct pvclock_source *src, uint64_t *ns)
{
	int rebuilt = 0;

	for (unsigned round = 0; round < VIEW_ROUNDS; round++) {
		uint64_t seq;
		int rc;

		switch (view_try(src, &seq, ns)) {
		case VIEW_DONE:
			return PVCLOCK_OK;
		case VIEW_DONE_STALE:
			pvclock_view_rebuild(src, seq);
			return PVCLOCK_OK;
		case VIEW_CLOSING:
			rc = pvclock_view_closing(seq, ns);
			if (rc != PVCLOCK_ESTUCK)
				return rc;
			break;
		case VIEW_EMPTY:
			if (rebuilt++)
				return PVCLOCK_EINVALID;
			pvclock_view_rebuild(src, seq);
			break;
		default:
			break;
		}
	}
	return PVCLOCK_ESTUCK;
}

#endif /* PVCLOCK_CORE_VIEW_H */
