/* SPDX-License-Identifier: MIT */
/*
 * pvclock/clock.h - the kernel's clocks, computed in user space from the
 * kernel's own time data: the drop-in's clock_gettime (vdso/), callable
 * without LD_PRELOAD.
 *
 * CLOCK_REALTIME, MONOTONIC, MONOTONIC_RAW, BOOTTIME and TAI are computed
 * from the kernel's time data, so values, steps and slews are the kernel's:
 * under clocksource tsc with the kernel vDSO's arithmetic, bit for bit;
 * under kvm-clock never below the kernel's value for the same TSC and at
 * most 2 ns above it, and from the per-vCPU records where the kernel's vDSO
 * would make a system call (vdso/README.md).  Every other clock id,
 * and every served clock the time data cannot serve at the moment (another
 * clocksource, an update that does not end, a time namespace entered
 * later), is the kernel's vDSO's answer, or the system call's.
 *
 * Start-up runs once, on the first call, or when pvclock_clock_init() is
 * called (before a sandbox, say): it needs no /proc, no descriptor and no
 * signal handler (vdso/README.md, "Start-up and safety").
 */
#ifndef PVCLOCK_CLOCK_H
#define PVCLOCK_CLOCK_H

#include <stdint.h>

#include "pvclock/kdata.h"
#include "pvclock/math.h"
#include "pvclock/tsc.h"

#if __STDC_HOSTED__ && !defined(PVCLOCK_NO_LIBC)
#include <errno.h>
#include <time.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The clock ids the time data serves (Linux's numbers). */
#define PVCLOCK_CLOCK_REALTIME      0
#define PVCLOCK_CLOCK_MONOTONIC     1
#define PVCLOCK_CLOCK_MONOTONIC_RAW 4
#define PVCLOCK_CLOCK_BOOTTIME      7
#define PVCLOCK_CLOCK_TAI           11

/* The tick-resolution clocks, served from the same data without a counter read. */
#define PVCLOCK_CLOCK_REALTIME_COARSE  5
#define PVCLOCK_CLOCK_MONOTONIC_COARSE 6
#define PVCLOCK_CLOCK_COARSE (1u << PVCLOCK_CLOCK_REALTIME_COARSE | 1u << PVCLOCK_CLOCK_MONOTONIC_COARSE)

#define PVCLOCK_CLOCK_SERVED                                                        \
	(1u << PVCLOCK_CLOCK_REALTIME | 1u << PVCLOCK_CLOCK_MONOTONIC |             \
	 1u << PVCLOCK_CLOCK_MONOTONIC_RAW | 1u << PVCLOCK_CLOCK_BOOTTIME |         \
	 1u << PVCLOCK_CLOCK_TAI)

/* The kernel's struct __kernel_timespec and timeval on x86-64 (= libc's). */
struct pvclock_timespec {
	int64_t tv_sec;
	long tv_nsec;
};

struct pvclock_timeval {
	int64_t tv_sec;
	long tv_usec;
};

#define PVCLOCK_HIDDEN __attribute__((visibility("hidden")))

/*
 * The time data's blocks when the straight TSC line below applies
 * (clocksource tsc, RDTSCP, the 6.15 layout, no time namespace), else
 * NULL; set by start-up.  Linked into the program: no PLT, no GOT.
 */
extern const struct kdata_clock *pvclock_clock_tsc_fast PVCLOCK_HIDDEN;

/* pvclock_clock_read_other - every case but the straight line: 0 or -errno. */
int pvclock_clock_read_other(long clk, struct pvclock_timespec *ts);

/*
 * pvclock_clock_read_coarse - a COARSE clock (@clk) from the high-resolution
 * block @vc in a layout with the fields at their 6.15 offsets: the last
 * tick's time, no counter read; 0, or 1 when the call needs another path
 * (an update under way, a namespace's offsets page).
 */
static inline __attribute__((always_inline)) int
pvclock_clock_read_coarse(const volatile struct kdata_clock *vc, long clk, struct pvclock_timespec *ts)
{
	uint64_t sec, nsec;
	uint32_t seq = kdata_read_begin(vc);

	/* Odd: mid-update, or the offsets page of a namespace entered since start-up. */
	if (__builtin_expect(seq & 1, 0))
		return 1;
	/* Coarse bases are plain ns. */
	sec = vc->base[clk].sec;
	nsec = vc->base[clk].nsec;
	if (__builtin_expect(kdata_read_retry(vc, seq), 0))
		return 1;
	kdata_split(sec, nsec, &ts->tv_sec, &ts->tv_nsec);
	return 0;
}

/*
 * pvclock_clock_read_tsc - clocksource tsc with RDTSCP, the blocks at @kd
 * laid out as @stride, @foff and @max_or say (kdata.h); 0, or 1 when the
 * call needs another path (clock id not served, NULL @ts, update under way,
 * clock mode changed, a delta beyond max_cycles).
 */
static inline __attribute__((always_inline)) int
pvclock_clock_read_tsc(const struct kdata_clock *kd, uint32_t stride, intptr_t foff,
		       uint64_t max_or, long clk, struct pvclock_timespec *ts)
{
	const volatile struct kdata_clock *vc, *f;
	uint64_t cycles, delta, sec, ns, max_cycles;
	uint32_t seq;

	if (__builtin_expect(!ts || (unsigned long)clk >= KDATA_BASES, 0))
		return 1;
	if (__builtin_expect(!(PVCLOCK_CLOCK_SERVED >> clk & 1), 0))
		return foff == 0 && (PVCLOCK_CLOCK_COARSE >> clk & 1) ?
		       pvclock_clock_read_coarse(kd, clk, ts) : 1;
	vc = (const volatile struct kdata_clock *)((uintptr_t)kd +
						  (clk == PVCLOCK_CLOCK_MONOTONIC_RAW ? stride : 0));
	f = (const volatile struct kdata_clock *)((uintptr_t)vc + foff);
	seq = kdata_read_begin(vc);
	if (__builtin_expect((seq & 1) || vc->clock_mode != KDATA_MODE_TSC, 0))
		return 1;
	/* RDTSCP waits for the loads before it. */
	cycles = pvclock_rdtscp(0);
	sec = f->base[clk].sec;
	ns = f->base[clk].nsec;
	max_cycles = f->max_cycles | max_or;
	/* The mask is all ones (checked at start-up); behind cycle_last counts as 0. */
	delta = cycles - vc->cycle_last;
	if (__builtin_expect((int64_t)delta < 0, 0))
		delta = 0;
	/* Past max_cycles the product needs 128 bits: the general reader has them. */
	if (__builtin_expect(delta >= max_cycles, 0))
		return 1;
	ns = (delta * f->mult + ns) >> f->shift;
	if (__builtin_expect(kdata_read_retry(vc, seq), 0))
		return 1;
	kdata_split(sec, ns, &ts->tv_sec, &ts->tv_nsec);
	return 0;
}

/*
 * pvclock_clock_read - CLOCK_@clk into *@ts: 0, or -errno as the kernel's
 * vDSO returns it (-EINVAL for an unknown clock, -EFAULT for NULL @ts).
 * The common case inline, everything else one call away.
 */
static inline __attribute__((always_inline)) int pvclock_clock_read(long clk,
								    struct pvclock_timespec *ts)
{
	const struct kdata_clock *kd = __atomic_load_n(&pvclock_clock_tsc_fast, __ATOMIC_ACQUIRE);

	if (__builtin_expect(kd != 0, 1) &&
	    __builtin_expect(pvclock_clock_read_tsc(kd, sizeof(struct kdata_clock), 0, 0, clk, ts) == 0, 1))
		return 0;
	return pvclock_clock_read_other(clk, ts);
}

/*
 * pvclock_clock_init - start up now rather than on the first call (before
 * the process enters a sandbox or a time namespace, say).  Returns the set
 * of clock ids (bit n: clock id n) computed in user space: 0 when every
 * clock goes to the kernel (no time data recognised, another clocksource,
 * PVCLOCK_VDSO=off).  Safe to call from any thread, any number of times.
 */
unsigned pvclock_clock_init(void);

/*
 * The same with libc's conventions; left out in freestanding code and
 * where PVCLOCK_NO_LIBC is defined (code that defines libc's names itself).
 */
#if __STDC_HOSTED__ && !defined(PVCLOCK_NO_LIBC)

/*
 * pvclock_clock_gettime - clock_gettime(2): 0, or -1 with errno set as
 * libc's clock_gettime sets it.
 */
static inline int pvclock_clock_gettime(clockid_t clk, struct timespec *ts)
{
	int r = pvclock_clock_read(clk, (struct pvclock_timespec *)ts);

	if (__builtin_expect(r != 0, 0)) {
		errno = -r;
		return -1;
	}
	return 0;
}

/*
 * pvclock_clock_gettime_ns - the same as nanoseconds since the clock's
 * epoch in *@ns (int64_t: until the year 2262); EFAULT for NULL @ns.
 */
static inline int pvclock_clock_gettime_ns(clockid_t clk, int64_t *ns)
{
	struct pvclock_timespec ts;
	int r = ns ? pvclock_clock_read(clk, &ts) : -EFAULT;

	if (__builtin_expect(r != 0, 0)) {
		errno = -r;
		return -1;
	}
	*ns = ts.tv_sec * 1000000000ll + ts.tv_nsec;
	return 0;
}
#endif /* __STDC_HOSTED__ && !PVCLOCK_NO_LIBC */

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_CLOCK_H */
