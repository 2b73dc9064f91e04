/* SPDX-License-Identifier: MIT */
/*
 * The clock readers behind pvclock_clock_read() (pvclock/clock.h): every
 * case but its inline straight line, chosen by one switch on the reader
 * start-up published.
 *
 * The served clocks are computed from the kernel's own time data, so
 * values, steps and slews are the kernel's.  Under clocksource tsc the
 * arithmetic is the kernel vDSO's.  Under kvm-clock with vCPU 0's record
 * stable, the record's and the time data's conversions run as one
 * precomputed multiply (pvmap.h): never below the kernel's value for the
 * same TSC and at most 2 ns above it.  When TSC_STABLE is clear the kernel's
 * vDSO makes a system call; here the per-vCPU records take over instead
 * (view.h), through the same kind of map built from the view's lead.
 * Anything unusual (start-up, an update in progress, other clocks) takes
 * the general reader (clock_read.h), and what it cannot serve goes to the
 * kernel's vDSO, or to the system call.
 */
#include "clock_read.h"
#include "pvmap_shared.h"
#include "view.h"

PVCLOCK_HIDDEN struct clock_state pvclock_clock_state;
PVCLOCK_HIDDEN int pvclock_clock_phase;
PVCLOCK_HIDDEN const struct kdata_clock *pvclock_clock_tsc_fast;
PVCLOCK_HIDDEN uint32_t pvclock_clock_reader;
PVCLOCK_HIDDEN const struct kdata_clock pvclock_clock_no_block = { .seq = 1, .clock_mode = KDATA_MODE_TIMENS };
PVCLOCK_HIDDEN const struct kdata_clock *pvclock_clock_coarse_fast = &pvclock_clock_no_block;

static __attribute__((noinline)) int gettime_slow(long clk, struct pvclock_timespec *ts)
{
	const struct clock_state *s = clock_state();

	if (s && ts && (unsigned long)clk < KDATA_BASES) {
		if ((PVCLOCK_CLOCK_SERVED >> clk & 1) && clock_served(s, (unsigned)clk, ts) == 0)
			return 0;
		if ((PVCLOCK_CLOCK_COARSE >> clk & 1) && clock_coarse(s, (unsigned)clk, ts) == 0)
			return 0;
	}
	/* The kernel's vDSO would fault on NULL; the system call says EFAULT. */
	if (s && ts && s->k_gettime)
		return s->k_gettime(clk, ts);
	return (int)pvclock_syscall3(PVCLOCK_SYS_clock_gettime, clk, (long)ts, 0);
}

/* A stale kvm-clock map: rebuild it for the next calls; this one takes the general path. */
static __attribute__((noinline)) int gettime_pv_stale(long clk, struct pvclock_timespec *ts)
{
	pvclock_clock_pvmap_refresh(&pvclock_clock_state,
				    clk == PVCLOCK_CLOCK_MONOTONIC_RAW ? KDATA_RAW : KDATA_HRES);
	return gettime_slow(clk, ts);
}

/*
 * kvm-clock with vCPU 0's record unstable, in auto mode, without the view
 * map: the per-vCPU view (view.h) and the kernel's arithmetic in one
 * straight line.  The view is read between the two loads of the time
 * data's sequence count, as the general path's counter is; anything
 * unusual takes the general path.
 */
static __attribute__((noinline)) int gettime_view(const volatile struct kdata_clock *vc,
						   long clk, struct pvclock_timespec *ts)
{
	const struct clock_state *s = &pvclock_clock_state;
	struct kdata_params p;
	uint64_t vseq, pv;
	uint32_t kseq;
	int rc;

	kseq = kdata_read_begin(vc);
	if (__builtin_expect((kseq & 1) || vc->clock_mode != KDATA_MODE_PVCLOCK, 0))
		return gettime_slow(clk, ts);
	rc = view_try(&s->src, &vseq, &pv);
	if (__builtin_expect(rc != VIEW_DONE && rc != VIEW_DONE_STALE, 0))
		return gettime_slow(clk, ts);
	kdata_load(vc, &s->lay, (unsigned)clk, &p);
	if (kdata_read_retry(vc, kseq))
		return gettime_slow(clk, ts);
	if (__builtin_expect(rc == VIEW_DONE_STALE, 0))
		pvclock_view_rebuild(&s->src, vseq);
	kdata_split(p.sec, kdata_params_ns(&p, pv), &ts->tv_sec, &ts->tv_nsec);
	return 0;
}

/* A stale view map: rebuild it for the next calls; this one reads the view itself. */
static __attribute__((noinline)) int gettime_view_stale(const volatile struct kdata_clock *vc,
							 long clk, struct pvclock_timespec *ts)
{
	pvclock_clock_viewmap_refresh(&pvclock_clock_state);
	return gettime_view(vc, clk, ts);
}

/*
 * The same through the view map: the view's lead and the time data folded
 * into one multiply (pvmap.h), for TSC values where the lead is above the
 * view's floor.  Keys: the map's sequence count, the time data's, the
 * view's, and cycle_last, loaded before the TSC read and again after.  The
 * load of the own vCPU's record version only decides whether the view must
 * be rebuilt, as in view_try(), and orders the TSC read before the second
 * load of the view's sequence number.
 */
static __attribute__((noinline)) int gettime_percpu(const volatile struct kdata_clock *vc,
						     long clk, struct pvclock_timespec *ts)
{
	const struct clock_state *s = &pvclock_clock_state;
	const volatile struct pvmap *m = &pvclock_clock_viewmap;
	const volatile struct views *vs = &pvclock_views;
	uint64_t vseq, tsc, sec, ns, stale;
	uint32_t mseq, kseq, aux;
	int rebuild;

	if (__builtin_expect(s->counter != CLOCK_COUNTER_PV_AUTO, 0))
		return gettime_slow(clk, ts);
	mseq = m->seq;
	kseq = vc->seq;
	vseq = vs->seq;
	pvclock_barrier();
	/* One branch for all keys: they match on every call but one per update. */
	stale = (mseq & 1) | (kseq ^ m->kseq);
	stale |= vseq ^ m->vseq;
	stale |= vc->cycle_last ^ m->cycle_last;
	if (__builtin_expect(stale != 0, 0))
		return gettime_view_stale(vc, clk, ts);
	if (__builtin_expect(m->span == 0, 0))
		return gettime_view(vc, clk, ts);
	/* RDTSCP waits for the loads before it. */
	tsc = pvclock_rdtscp(&aux);
	/* Loaded after the TSC read, as in view_try(). */
	rebuild = view_record_moved(&s->src, &vs->view[vseq >> 1 & 1], aux & PVCLOCK_TSC_AUX_CPU_MASK);
	if (__builtin_expect(pvmap_ns(m, (unsigned)clk, tsc, &ns) != 0, 0))
		return gettime_view(vc, clk, ts);
	sec = m->clk[clk].sec;
	pvclock_barrier();
	stale = vc->seq ^ kseq;
	stale |= vs->seq ^ vseq;
	stale |= m->seq ^ mseq;
	if (__builtin_expect(stale != 0, 0))
		return gettime_view(vc, clk, ts);
	if (__builtin_expect(rebuild, 0))
		pvclock_view_rebuild(&s->src, vseq);
	kdata_split(sec, ns, &ts->tv_sec, &ts->tv_nsec);
	return 0;
}

/*
 * kvm-clock with vCPU 0's record stable: one multiply after the TSC read
 * (pvmap.h).  The map is current when its keys equal the record's version
 * and the time data's sequence count (both even, so a block mid-update
 * never matches), loaded before the TSC read and loaded again after.
 * cycle_last only grows, so a map left stale while the 32-bit sequence
 * count wrapped all the way round still cannot match.
 */
static inline __attribute__((always_inline)) int gettime_pv(const volatile struct kdata_clock *kd,
							     long clk, struct pvclock_timespec *ts)
{
	/* MONOTONIC_RAW has a block, and so a map, of its own. */
	int raw = clk == PVCLOCK_CLOCK_MONOTONIC_RAW;
	const volatile struct pvmap *m = raw ? &pvclock_clock_rawmap : &pvclock_clock_pvmap;
	const volatile struct kdata_clock *vc = raw ? kdata_block(kd, &pvclock_clock_state.lay, KDATA_RAW) : kd;
	const volatile struct pvclock_record *r =
		(const volatile struct pvclock_record *)pvclock_clock_state.src.slots;
	uint32_t mseq, kseq, v;
	uint64_t sec, ns, stale;

	mseq = m->seq;
	kseq = vc->seq;
	v = r->version;
	pvclock_barrier();
	/* One branch for all keys: they match on every call but one per update. */
	stale = (mseq & 1) | (kseq ^ m->kseq);
	stale |= v ^ m->version;
	stale |= vc->cycle_last ^ m->cycle_last;
	if (__builtin_expect(stale != 0, 0))
		return gettime_pv_stale(clk, ts);
	/*
	 * No map for these parameters (a record without TSC_STABLE gets an
	 * empty one): the per-vCPU path, or the general one.
	 */
	if (__builtin_expect(m->span == 0, 0)) {
		/* The view map follows the high-resolution block only. */
		if (!raw && !(r->flags & PVCLOCK_TSC_STABLE))
			return gettime_percpu(vc, clk, ts);
		return gettime_slow(clk, ts);
	}
	/* RDTSCP waits for the loads before it. */
	if (__builtin_expect(pvmap_ns(m, (unsigned)clk, pvclock_rdtscp(0), &ns) != 0, 0))
		return gettime_slow(clk, ts);
	sec = m->clk[clk].sec;
	pvclock_barrier();
	/* The keys matched and the map is unchanged: compare against the map's copies. */
	stale = vc->seq ^ m->kseq;
	stale |= r->version ^ m->version;
	stale |= m->seq ^ mseq;
	if (__builtin_expect(stale != 0, 0))
		return gettime_slow(clk, ts);
	kdata_split(sec, ns, &ts->tv_sec, &ts->tv_nsec);
	return 0;
}

/* The straight TSC line for the layouts before 6.15; out of line, so the map's path saves no registers. */
static __attribute__((noinline)) int gettime_tsc_layout(long clk, struct pvclock_timespec *ts)
{
	const struct clock_state *s = &pvclock_clock_state;

	if (pvclock_clock_read_tsc((const struct kdata_clock *)s->kd, s->lay.stride, s->lay.foff,
				   s->lay.max_or, clk, ts) == 0)
		return 0;
	return gettime_slow(clk, ts);
}

/*
 * The one switch: on the reader start-up published (CLOCK_READER_START
 * before it did, and while tests switch data).
 */
int pvclock_clock_read_other(long clk, struct pvclock_timespec *ts)
{
	const struct clock_state *s = &pvclock_clock_state;
	const struct kdata_clock *coarse;

	if (__builtin_expect((unsigned long)clk < KDATA_BASES && (PVCLOCK_CLOCK_COARSE >> clk & 1), 0) &&
	    (coarse = __atomic_load_n(&pvclock_clock_coarse_fast, __ATOMIC_ACQUIRE), ts) &&
	    pvclock_clock_read_coarse(coarse, clk, ts) == 0)
		return 0;
	switch (__atomic_load_n(&pvclock_clock_reader, __ATOMIC_ACQUIRE)) {
	case CLOCK_READER_TSC_LAYOUT:
		return gettime_tsc_layout(clk, ts);
	case CLOCK_READER_PV_MAP:
		if (__builtin_expect(ts && (unsigned long)clk < KDATA_BASES, 1) &&
		    __builtin_expect(PVMAP_CLOCKS >> clk & 1, 1))
			return gettime_pv(s->kd, clk, ts);
		break;
	default:
		/* CLOCK_READER_TSC here: its straight line found an update or a clock it does not serve. */
		break;
	}
	return gettime_slow(clk, ts);
}
