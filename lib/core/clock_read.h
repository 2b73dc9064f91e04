/* SPDX-License-Identifier: MIT */
/*
 * lib/core/clock_read.h - the general reader: any served clock, any
 * counter, any layout, inside a time namespace too.  The straight lines in
 * clock.c and pvclock/clock.h are its fast special cases; start-up checks
 * the time data through it.
 */
#ifndef PVCLOCK_CORE_CLOCK_READ_H
#define PVCLOCK_CORE_CLOCK_READ_H

#include "pvclock/read.h"
#include "clock_state.h"
#include "view.h"

/* The kvm-clock counter (the straight TSC path below does not use it). */
static inline __attribute__((always_inline)) int pv_counter(const struct clock_state *s, uint64_t *c)
{
	struct pvclock_time t;
	int rc;

	/* Auto: a glance at vCPU 0's flags (a line only the host writes) picks the protocol. */
	if (s->counter == CLOCK_COUNTER_PV_VCPU0 ||
	    (s->counter == CLOCK_COUNTER_PV_AUTO &&
	     (((const volatile struct pvclock_record *)s->src.slots)->flags & PVCLOCK_TSC_STABLE))) {
		for (unsigned round = 0;; round++) {
			rc = pvclock_read_vcpu0_mode(&s->src, &t, (enum pvclock_tsc_mode)s->src.tsc_mode);
			if (rc != PVCLOCK_ESTUCK || round == CLOCK_STUCK_ROUNDS)
				break;
			/* Let a descheduled writer finish (see CLOCK_MAX_RETRIES). */
			pvclock_syscall3(PVCLOCK_SYS_sched_yield, 0, 0, 0);
		}
		if (__builtin_expect(rc == PVCLOCK_OK, 1)) {
			*c = t.ns;
			return 0;
		}
		/* Forced vCPU 0 behaves as the kernel: unstable means the system call. */
		if (rc != PVCLOCK_EUNSTABLE || s->counter == CLOCK_COUNTER_PV_VCPU0)
			return 1;
	}
	/* TSC_STABLE is clear: the per-vCPU records take over. */
	return pvclock_view_read(&s->src, c) != PVCLOCK_OK;
}

/*
 * The HVCLOCK counter: the reference time in 100 ns units, as the kernel's
 * vDSO reads it; a page made invalid (sequence 0) sends the call to the
 * kernel, as it sends the kernel's own readers.
 */
static inline int hv_counter(const struct clock_state *s, uint64_t *c)
{
	struct pvclock_hyperv_time t;

	if (pvclock_hyperv_read(&s->hv, &t) != PVCLOCK_OK)
		return 1;
	*c = t.reference;
	return 0;
}

static inline __attribute__((always_inline)) int read_counter(const struct clock_state *s, uint64_t *c)
{
	if (__builtin_expect(s->counter == CLOCK_COUNTER_RDTSCP, 1)) {
		*c = pvclock_rdtscp(0);
		return 0;
	}
	if (s->counter == CLOCK_COUNTER_LFENCE) {
		*c = pvclock_rdtsc_lfence();
		return 0;
	}
	if (s->counter == CLOCK_COUNTER_HV)
		return hv_counter(s, c);
	return pv_counter(s, c);
}

/*
 * clock_timens_left - whether a process that started inside a time
 * namespace has left it (setns): the real data is no longer where it was,
 * and touching that page raises SIGBUS.  The offsets page, always mapped,
 * says so first.  Only a single-threaded process may change its time
 * namespace, so the answer holds for this call.
 */
static inline int clock_timens_left(const struct clock_state *s, unsigned blk)
{
	return __builtin_expect(s->ns != 0, 0) &&
	       !kdata_mode_is_timens(kdata_block(s->ns, &s->lay, blk)->clock_mode);
}

/*
 * clock_seq_even - wait for block @vc's sequence count to be even and put
 * it in *@seq; 1 when the call must be delegated instead: the budget is
 * spent (an update that does not end), or the block is the offsets page of
 * a namespace entered since start-up, whose count stays odd for good.
 */
static inline int clock_seq_even(const volatile struct kdata_clock *vc, uint32_t *budget, uint32_t *seq)
{
	for (;;) {
		if (__builtin_expect((*budget)-- == 0, 0))
			return 1;
		*seq = kdata_read_begin(vc);
		if (__builtin_expect(!(*seq & 1), 1))
			return 0;
		if (kdata_mode_is_timens(vc->clock_mode))
			return 1;
		__asm__ __volatile__("pause");
	}
}

/*
 * clock_coarse - CLOCK_REALTIME_COARSE or CLOCK_MONOTONIC_COARSE (@clk):
 * the last tick's time, as the kernel's vDSO reads it; 0, or 1 when the
 * call must be delegated.
 */
static inline int clock_coarse(const struct clock_state *s, unsigned clk, struct pvclock_timespec *ts)
{
	const volatile struct kdata_clock *vc, *f;
	uint64_t sec, nsec;
	uint32_t seq, budget = 1u << 20;

	if (__builtin_expect(!s->kd, 0) || clock_timens_left(s, KDATA_HRES))
		return 1;
	vc = kdata_block(s->kd, &s->lay, KDATA_HRES);
	f = kdata_fields(vc, &s->lay);
	for (;;) {
		if (clock_seq_even(vc, &budget, &seq))
			return 1;
		/* Coarse bases are plain ns. */
		sec = f->base[clk].sec;
		nsec = f->base[clk].nsec;
		if (!kdata_read_retry(vc, seq))
			break;
	}
	if (s->ns) {
		const volatile struct kdata_clock *o = kdata_fields(kdata_block(s->ns, &s->lay, KDATA_HRES), &s->lay);

		sec += o->base[clk].sec;
		nsec += o->base[clk].nsec;
	}
	kdata_split(sec, nsec, &ts->tv_sec, &ts->tv_nsec);
	return 0;
}

/*
 * clock_time_sec - time()'s answer: REALTIME's seconds at the last tick,
 * read once, as the kernel's vDSO does; 0, or 1 when it must be delegated.
 */
static inline int clock_time_sec(const struct clock_state *s, int64_t *sec)
{
	const volatile struct kdata_clock *vc;

	if (__builtin_expect(!s->kd, 0) || clock_timens_left(s, KDATA_HRES))
		return 1;
	vc = kdata_block(s->kd, &s->lay, KDATA_HRES);
	/* A namespace entered since start-up put its offsets page here. */
	if (__builtin_expect(kdata_mode_is_timens(vc->clock_mode), 0))
		return 1;
	*sec = (int64_t)kdata_fields(vc, &s->lay)->base[PVCLOCK_CLOCK_REALTIME].sec;
	return 0;
}

/*
 * clock_served - CLOCK_@clk (one of the served ids) from the time data; 0,
 * or 1 when this call must be delegated (no data, clock mode changed,
 * counter unavailable, an update that does not end).
 */
static inline __attribute__((always_inline)) int clock_served(const struct clock_state *s, unsigned clk,
							      struct pvclock_timespec *ts)
{
	unsigned blk = clk == PVCLOCK_CLOCK_MONOTONIC_RAW ? KDATA_RAW : KDATA_HRES;
	const volatile struct kdata_clock *vc;
	struct kdata_params p;
	uint64_t cycles, ns;
	uint32_t seq, budget = 1u << 20;

	if (__builtin_expect(!s->kd, 0) || clock_timens_left(s, blk))
		return 1;
	vc = kdata_block(s->kd, &s->lay, blk);
	for (;;) {
		if (clock_seq_even(vc, &budget, &seq))
			return 1;
		if (__builtin_expect(vc->clock_mode != s->kmode, 0))
			return 1;
		/* The ordered counter read cannot pass the sequence load. */
		if (__builtin_expect(read_counter(s, &cycles), 0))
			return 1;
		kdata_load(vc, &s->lay, clk, &p);
		if (!kdata_read_retry(vc, seq))
			break;
	}

	ns = kdata_params_ns(&p, cycles);
	if (s->ns) {
		const volatile struct kdata_clock *o = kdata_fields(kdata_block(s->ns, &s->lay, blk), &s->lay);

		/* Namespace offsets: signed seconds, ns below one second. */
		p.sec += o->base[clk].sec;
		ns += o->base[clk].nsec;
	}
	kdata_split(p.sec, ns, &ts->tv_sec, &ts->tv_nsec);
	return 0;
}

#endif /* PVCLOCK_CORE_CLOCK_READ_H */
