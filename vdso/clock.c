/* SPDX-License-Identifier: MIT */
/*
 * The drop-in clock functions.
 *
 * The served clocks are computed from the kernel's own time data, so
 * values, steps and slews are the kernel's.  Under clocksource tsc the
 * arithmetic is the kernel vDSO's.  Under kvm-clock with vCPU 0's record
 * stable, the record's and the time data's conversions run as one
 * precomputed multiply (pvmap.h): never below the kernel's value for the
 * same TSC and at most 2 ns above it.  When TSC_STABLE is clear the kernel's
 * vDSO makes a system call; here the per-vCPU records take over instead
 * (percpu.h), through the same kind of map built from the view's lead.
 *
 * The plain names follow libc: -1 and errno on failure.  The __vdso_ names
 * follow the kernel's vDSO: 0 or a negative errno value.
 */
#include "pvclock/read.h"
#include "percpu.h"
#include "pvclock/syscall.h"
#include "vdso.h"

VDSO_HIDDEN struct vdso_state pvclock_vdso_state;
VDSO_HIDDEN int pvclock_vdso_phase;
VDSO_HIDDEN const struct kdata_clock *pvclock_vdso_tsc_fast;
VDSO_HIDDEN const struct kdata_clock *pvclock_vdso_tsc_lfast;
VDSO_HIDDEN struct vdso_pv_fast pvclock_vdso_pv_fast;

static inline const struct vdso_state *state(void)
{
	/* Acquire pairs with the release that publishes the filled state. */
	if (__builtin_expect(__atomic_load_n(&pvclock_vdso_phase, __ATOMIC_ACQUIRE) == VDSO_READY, 1))
		return &pvclock_vdso_state;
	return pvclock_vdso_start();
}

/* The kvm-clock counter (the straight TSC path below does not use it). */
static inline __attribute__((always_inline)) int pv_counter(const struct vdso_state *s, uint64_t *c)
{
	struct pvclock_time t;
	int rc;

	/* Auto: a glance at vCPU 0's flags (a line only the host writes) picks the protocol. */
	if (s->counter == VDSO_COUNTER_PV_VCPU0 ||
	    (s->counter == VDSO_COUNTER_PV_AUTO &&
	     (((const volatile struct pvclock_record *)s->src.slots)->flags & PVCLOCK_TSC_STABLE))) {
		for (unsigned round = 0;; round++) {
			rc = pvclock_read_vcpu0_mode(&s->src, &t, (enum pvclock_tsc_mode)s->src.tsc_mode);
			if (rc != PVCLOCK_ESTUCK || round == VDSO_STUCK_ROUNDS)
				break;
			/* Let a descheduled writer finish (see VDSO_MAX_RETRIES). */
			pvclock_syscall3(PVCLOCK_SYS_sched_yield, 0, 0, 0);
		}
		if (__builtin_expect(rc == PVCLOCK_OK, 1)) {
			*c = t.ns;
			return 0;
		}
		/* Forced vCPU 0 behaves as the kernel: unstable means the system call. */
		if (rc != PVCLOCK_EUNSTABLE || s->counter == VDSO_COUNTER_PV_VCPU0)
			return 1;
	}
	/* TSC_STABLE is clear: the per-vCPU records take over. */
	return pvclock_vdso_percpu(s, c) != PVCLOCK_OK;
}

static inline __attribute__((always_inline)) int read_counter(const struct vdso_state *s, uint64_t *c)
{
	if (__builtin_expect(s->counter == VDSO_COUNTER_RDTSCP, 1)) {
		*c = pvclock_rdtscp(0);
		return 0;
	}
	if (s->counter == VDSO_COUNTER_LFENCE) {
		*c = pvclock_rdtsc_lfence();
		return 0;
	}
	return pv_counter(s, c);
}

static inline __attribute__((always_inline)) int served(const struct vdso_state *s, unsigned clk,
							struct vdso_kts *ts)
{
	unsigned blk = clk == 4 /* CLOCK_MONOTONIC_RAW */ ? KDATA_RAW : KDATA_HRES;
	const volatile struct kdata_clock *vc, *f;
	uint64_t cycles, last, mask, max_cycles, sec, nsec, ns;
	uint32_t seq, mult, shift, budget = 1u << 20;

	if (__builtin_expect(!s->kd, 0))
		return 1;
	/*
	 * A process that left its time namespace (setns) no longer has the real
	 * data where it was, and touching that page raises SIGBUS: the offsets
	 * page, always mapped, says so first.  Only a single-threaded process
	 * may change its time namespace, so the answer holds for this call.
	 */
	if (__builtin_expect(s->ns != 0, 0) &&
	    !kdata_mode_is_timens(kdata_block(s->ns, &s->lay, blk)->clock_mode))
		return 1;
	vc = kdata_block(s->kd, &s->lay, blk);
	f = kdata_fields(vc, &s->lay);
	for (;;) {
		if (__builtin_expect(budget-- == 0, 0))
			return 1;
		seq = vc->seq;
		if (__builtin_expect(seq & 1, 0)) {
			/* The offsets page of a namespace entered since start-up: odd for good. */
			if (kdata_mode_is_timens(vc->clock_mode))
				return 1;
			__asm__ __volatile__("pause");
			continue;
		}
		/* x86 keeps loads in order; the compiler must not hoist the field loads. */
		pvclock_barrier();
		if (__builtin_expect(vc->clock_mode != s->kmode, 0))
			return 1;
		/* The ordered counter read cannot pass the sequence load. */
		if (__builtin_expect(read_counter(s, &cycles), 0))
			return 1;
		sec = f->base[clk].sec;
		nsec = f->base[clk].nsec;
		last = vc->cycle_last;
		mask = f->mask;
		max_cycles = kdata_max_cycles(f, &s->lay);
		mult = f->mult;
		shift = f->shift;
		pvclock_barrier();
		if (__builtin_expect(vc->seq == seq, 1))
			break;
	}

	ns = kdata_ns(cycles, last, mask, max_cycles, mult, shift, nsec);
	if (s->ns) {
		const volatile struct kdata_clock *o = kdata_fields(kdata_block(s->ns, &s->lay, blk), &s->lay);

		/* Namespace offsets: signed seconds, ns below one second. */
		sec += o->base[clk].sec;
		ns += o->base[clk].nsec;
	}
	kdata_split(sec, ns, &ts->tv_sec, &ts->tv_nsec);
	return 0;
}

VDSO_HIDDEN int pvclock_vdso_served(const struct vdso_state *s, unsigned clk, struct vdso_kts *ts)
{
	return served(s, clk, ts);
}

static __attribute__((noinline)) int gettime_slow(long clk, struct vdso_kts *ts)
{
	const struct vdso_state *s = state();

	if (s && ts && (unsigned long)clk < KDATA_BASES && (VDSO_SERVED_CLOCKS >> clk & 1) &&
	    served(s, (unsigned)clk, ts) == 0)
		return 0;
	/* The kernel's vDSO would fault on NULL; the system call says EFAULT. */
	if (s && ts && s->k_gettime)
		return s->k_gettime(clk, ts);
	return (int)pvclock_syscall3(PVCLOCK_SYS_clock_gettime, clk, (long)ts, 0);
}

/* A stale kvm-clock map: rebuild it for the next calls; this one takes the general path. */
static __attribute__((noinline)) int gettime_pv_stale(long clk, struct vdso_kts *ts)
{
	pvclock_vdso_pvmap_refresh(&pvclock_vdso_state);
	return gettime_slow(clk, ts);
}

/*
 * kvm-clock with vCPU 0's record unstable, in auto mode, without the view
 * map: the per-vCPU view (percpu.h) and the kernel's arithmetic in one
 * straight line.  The view is read between the two loads of the time
 * data's sequence count, as the general path's counter is; anything
 * unusual takes the general path.
 */
static __attribute__((noinline)) int gettime_view(const volatile struct kdata_clock *vc,
						   long clk, struct vdso_kts *ts)
{
	const struct vdso_state *s = &pvclock_vdso_state;
	const volatile struct kdata_clock *f = kdata_fields(vc, &s->lay);
	uint64_t vseq, pv, sec, nsec, last, mask, max_cycles, ns;
	uint32_t kseq, mult, shift;
	int rc;

	kseq = vc->seq;
	pvclock_barrier();
	if (__builtin_expect((kseq & 1) || vc->clock_mode != KDATA_MODE_PVCLOCK, 0))
		return gettime_slow(clk, ts);
	rc = view_try(&s->src, &vseq, &pv);
	if (__builtin_expect(rc != VIEW_DONE && rc != VIEW_DONE_STALE, 0))
		return gettime_slow(clk, ts);
	sec = f->base[clk].sec;
	nsec = f->base[clk].nsec;
	last = vc->cycle_last;
	mask = f->mask;
	max_cycles = kdata_max_cycles(f, &s->lay);
	mult = f->mult;
	shift = f->shift;
	pvclock_barrier();
	if (__builtin_expect(vc->seq != kseq, 0))
		return gettime_slow(clk, ts);
	if (__builtin_expect(rc == VIEW_DONE_STALE, 0))
		pvclock_vdso_view_rebuild(&s->src, vseq);
	ns = kdata_ns(pv, last, mask, max_cycles, mult, shift, nsec);
	kdata_split(sec, ns, &ts->tv_sec, &ts->tv_nsec);
	return 0;
}

/* A stale view map: rebuild it for the next calls; this one reads the view itself. */
static __attribute__((noinline)) int gettime_view_stale(const volatile struct kdata_clock *vc,
							 long clk, struct vdso_kts *ts)
{
	pvclock_vdso_viewmap_refresh(&pvclock_vdso_state);
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
						     long clk, struct vdso_kts *ts)
{
	const struct vdso_state *s = &pvclock_vdso_state;
	const volatile struct pvmap *m = &pvclock_vdso_viewmap;
	const volatile struct vdso_views *vs = &pvclock_vdso_views;
	uint64_t vseq, tsc, sec, ns, stale;
	uint32_t mseq, kseq, aux;
	int rebuild;

	if (__builtin_expect(s->counter != VDSO_COUNTER_PV_AUTO, 0))
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
		pvclock_vdso_view_rebuild(&s->src, vseq);
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
static inline __attribute__((always_inline)) int gettime_pv(const volatile struct kdata_clock *vc,
							     long clk, struct vdso_kts *ts)
{
	const volatile struct pvmap *m = &pvclock_vdso_pvmap;
	const volatile struct pvclock_record *r = pvclock_vdso_pv_fast.rec;
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
		if (!(r->flags & PVCLOCK_TSC_STABLE))
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

/* Kept out of line so that the TSC path below needs no saved registers. */
static __attribute__((noinline)) int gettime_other(long clk, struct vdso_kts *ts)
{
	const volatile struct kdata_clock *vc = __atomic_load_n(&pvclock_vdso_pv_fast.kd, __ATOMIC_ACQUIRE);

	if (__builtin_expect(vc && ts && (unsigned long)clk < KDATA_BASES, 1) &&
	    __builtin_expect(PVMAP_CLOCKS >> clk & 1, 1))
		return gettime_pv(vc, clk, ts);
	return gettime_slow(clk, ts);
}

/*
 * Clocksource tsc with RDTSCP outside a time namespace, in one straight
 * line, for blocks laid out as @stride, @foff and @max_or say (kdata.h).
 */
static inline __attribute__((always_inline)) int gettime_tsc(const struct kdata_clock *kd,
							      uint32_t stride, intptr_t foff,
							      uint64_t max_or, long clk,
							      struct vdso_kts *ts)
{
	const volatile struct kdata_clock *vc, *f;
	uint64_t cycles, delta, sec, ns, max_cycles;
	uint32_t seq;

	if (__builtin_expect(!ts || (unsigned long)clk >= KDATA_BASES, 0) ||
	    __builtin_expect(!(VDSO_SERVED_CLOCKS >> clk & 1), 0))
		return gettime_slow(clk, ts);
	vc = (const volatile struct kdata_clock *)((uintptr_t)kd + (clk == 4 ? stride : 0));
	f = (const volatile struct kdata_clock *)((uintptr_t)vc + foff);
	/* Plain loads between two compiler barriers, as a seqcount reader. */
	seq = __atomic_load_n(&vc->seq, __ATOMIC_RELAXED);
	pvclock_barrier();
	if (__builtin_expect((seq & 1) || vc->clock_mode != KDATA_MODE_TSC, 0))
		return gettime_slow(clk, ts);
	/* RDTSCP waits for the loads before it. */
	cycles = pvclock_rdtscp(0);
	sec = f->base[clk].sec;
	ns = f->base[clk].nsec;
	max_cycles = f->max_cycles | max_or;
	/* The mask is all ones (checked at start-up); behind cycle_last counts as 0. */
	delta = cycles - vc->cycle_last;
	if (__builtin_expect((int64_t)delta < 0, 0))
		delta = 0;
	if (__builtin_expect(delta < max_cycles, 1))
		ns = (delta * f->mult + ns) >> f->shift;
	else
		ns = (uint64_t)(((unsigned __int128)delta * f->mult + ns) >> f->shift);
	pvclock_barrier();
	if (__builtin_expect(__atomic_load_n(&vc->seq, __ATOMIC_RELAXED) != seq, 0))
		return gettime_slow(clk, ts);
	kdata_split(sec, ns, &ts->tv_sec, &ts->tv_nsec);
	return 0;
}

/* The same for the layouts before 6.15: the layout from the state. */
static __attribute__((noinline)) int gettime_tsc_layout(const struct kdata_clock *kd, long clk,
							  struct vdso_kts *ts)
{
	const struct kdata_layout *l = &pvclock_vdso_state.lay;

	return gettime_tsc(kd, l->stride, l->foff, l->max_or, clk, ts);
}

/*
 * The common case, clocksource tsc in the 6.15 layout, inline; the other
 * layouts one call away; kvm-clock to its own straight lines above, and
 * anything else (start-up, an update in progress, other clocks) to the
 * general path.
 */
static inline __attribute__((always_inline)) int gettime(long clk, struct vdso_kts *ts)
{
	const struct kdata_clock *kd = __atomic_load_n(&pvclock_vdso_tsc_fast, __ATOMIC_ACQUIRE);

	if (__builtin_expect(kd != 0, 1))
		return gettime_tsc(kd, sizeof(struct kdata_clock), 0, 0, clk, ts);
	kd = __atomic_load_n(&pvclock_vdso_tsc_lfast, __ATOMIC_ACQUIRE);
	if (kd)
		return gettime_tsc_layout(kd, clk, ts);
	return gettime_other(clk, ts);
}

static long gettimeofday_raw(struct vdso_ktv *tv, void *tz)
{
	const struct vdso_state *s = state();
	struct vdso_kts ts;

	if (s && !tz) {
		if (!tv)
			return 0;
		if (served(s, 0, &ts) == 0) {
			tv->tv_sec = ts.tv_sec;
			tv->tv_usec = ts.tv_nsec / 1000;
			return 0;
		}
	}
	if (s && s->k_gettimeofday)
		return s->k_gettimeofday(tv, tz);
	return pvclock_syscall3(PVCLOCK_SYS_gettimeofday, (long)tv, (long)tz, 0);
}

static long time_raw(long *t)
{
	const struct vdso_state *s = state();

	if (s && s->k_time)
		return s->k_time(t);
	return pvclock_syscall3(PVCLOCK_SYS_time, (long)t, 0, 0);
}

static long getres_raw(long clk, struct vdso_kts *ts)
{
	const struct vdso_state *s = state();

	if (s && s->k_getres)
		return s->k_getres(clk, ts);
	return pvclock_syscall3(PVCLOCK_SYS_clock_getres, clk, (long)ts, 0);
}

static long getcpu_raw(unsigned *cpu, unsigned *node, void *cache)
{
	const struct vdso_state *s = state();

	if (s && s->k_getcpu)
		return s->k_getcpu(cpu, node, cache);
	return pvclock_syscall3(PVCLOCK_SYS_getcpu, (long)cpu, (long)node, (long)cache);
}

#ifdef PVCLOCK_VDSO_LIBC
#include <errno.h>

static __attribute__((unused)) long libc_result(long r)
{
	if (__builtin_expect(r < 0 && r > -4096, 0)) {
		errno = (int)-r;
		return -1;
	}
	return r;
}
#else
static __attribute__((unused)) long libc_result(long r)
{
	if (__builtin_expect(r < 0 && r > -4096, 0)) {
		const struct vdso_state *s = state();
		/* While another thread starts up, the state cannot say: look it up now. */
		int *(*loc)(void) = s ? s->errno_location : pvclock_vdso_errno_location();

		if (loc)
			*loc() = (int)-r;
		return -1;
	}
	return r;
}
#endif

#define VDSO_EXPORT __attribute__((visibility("default")))

VDSO_EXPORT int __vdso_clock_gettime(long clk, struct vdso_kts *ts)
{
	return (int)gettime(clk, ts);
}

VDSO_EXPORT int __vdso_gettimeofday(struct vdso_ktv *tv, void *tz)
{
	return (int)gettimeofday_raw(tv, tz);
}

VDSO_EXPORT long __vdso_time(long *t)
{
	return time_raw(t);
}

VDSO_EXPORT int __vdso_clock_getres(long clk, struct vdso_kts *ts)
{
	return (int)getres_raw(clk, ts);
}

VDSO_EXPORT long __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache)
{
	return getcpu_raw(cpu, node, cache);
}

/* The test build keeps the process's own libc functions. */
#ifndef PVCLOCK_VDSO_NAMES_ONLY
VDSO_EXPORT int clock_gettime(long clk, struct vdso_kts *ts)
{
	return (int)libc_result(gettime(clk, ts));
}

VDSO_EXPORT int gettimeofday(struct vdso_ktv *tv, void *tz)
{
	return (int)libc_result(gettimeofday_raw(tv, tz));
}

VDSO_EXPORT long time(long *t)
{
	return libc_result(time_raw(t));
}

VDSO_EXPORT int clock_getres(long clk, struct vdso_kts *ts)
{
	return (int)libc_result(getres_raw(clk, ts));
}

VDSO_EXPORT int getcpu(unsigned *cpu, unsigned *node, void *cache)
{
	return (int)libc_result(getcpu_raw(cpu, node, cache));
}
#endif
