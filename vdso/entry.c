/* SPDX-License-Identifier: MIT */
/*
 * The drop-in's exported functions, over the clocks of the core
 * (pvclock/clock.h).  The plain names follow libc: -1 and errno on failure.
 * The __vdso_ names follow the kernel's vDSO: 0 or a negative errno value.
 */
/* These are libc's names: <time.h> must not declare them here. */
#define PVCLOCK_NO_LIBC
#include "pvclock/clock.h"
#include "clock_read.h"
#include "front.h"

static long gettimeofday_raw(struct pvclock_timeval *tv, void *tz)
{
	const struct clock_state *s;
	struct pvclock_timespec ts;

	/* REALTIME through the clock's straight line, which delegates what it cannot serve. */
	if (__builtin_expect(tv && !tz, 1)) {
		long r = pvclock_clock_read(PVCLOCK_CLOCK_REALTIME, &ts);

		if (__builtin_expect(r == 0, 1)) {
			tv->tv_sec = ts.tv_sec;
			tv->tv_usec = ts.tv_nsec / 1000;
		}
		return r;
	}
	if (!tv && !tz)
		return 0;
	s = clock_state();
	if (s && s->k_gettimeofday)
		return s->k_gettimeofday(tv, tz);
	return pvclock_syscall3(PVCLOCK_SYS_gettimeofday, (long)tv, (long)tz, 0);
}

/* Start-up, another layout, a namespace: the general answer, out of line. */
static __attribute__((noinline)) long time_slow(long *t)
{
	const struct clock_state *s = clock_state();
	int64_t sec;

	if (s && clock_time_sec(s, &sec) == 0) {
		if (t)
			*t = (long)sec;
		return (long)sec;
	}
	if (s && s->k_time)
		return s->k_time(t);
	return pvclock_syscall3(PVCLOCK_SYS_time, (long)t, 0, 0);
}

static inline __attribute__((always_inline)) long time_raw(long *t)
{
	const volatile struct kdata_clock *vc = __atomic_load_n(&pvclock_clock_coarse_fast, __ATOMIC_ACQUIRE);
	int64_t sec;

	/*
	 * REALTIME's seconds at the last tick, read once, as the kernel's vDSO
	 * does; an odd count is an update under way, a namespace's offsets
	 * page or no block at all: the general answer.
	 */
	if (__builtin_expect(!(vc->seq & 1), 1)) {
		sec = (int64_t)vc->base[PVCLOCK_CLOCK_REALTIME].sec;
		if (t)
			*t = (long)sec;
		return (long)sec;
	}
	return time_slow(t);
}

static long getres_raw(long clk, struct pvclock_timespec *ts)
{
	const struct clock_state *s = clock_state();

	if (s && s->k_getres)
		return s->k_getres(clk, ts);
	return pvclock_syscall3(PVCLOCK_SYS_clock_getres, clk, (long)ts, 0);
}

static long getcpu_raw(unsigned *cpu, unsigned *node, void *cache)
{
	const struct clock_state *s = clock_state();

	if (s && s->k_getcpu)
		return s->k_getcpu(cpu, node, cache);
	return pvclock_syscall3(PVCLOCK_SYS_getcpu, (long)cpu, (long)node, (long)cache);
}

/* -errno as libc reports it: -1, errno set. */
static __attribute__((unused)) long libc_result(long r)
{
	if (__builtin_expect(r < 0 && r > -4096, 0)) {
		int *e = pvclock_vdso_errno();

		if (e)
			*e = (int)-r;
		return -1;
	}
	return r;
}

#define VDSO_EXPORT __attribute__((visibility("default")))

VDSO_EXPORT int __vdso_clock_gettime(long clk, struct pvclock_timespec *ts)
{
	return pvclock_clock_read(clk, ts);
}

VDSO_EXPORT int __vdso_gettimeofday(struct pvclock_timeval *tv, void *tz)
{
	return (int)gettimeofday_raw(tv, tz);
}

VDSO_EXPORT long __vdso_time(long *t)
{
	return time_raw(t);
}

VDSO_EXPORT int __vdso_clock_getres(long clk, struct pvclock_timespec *ts)
{
	return (int)getres_raw(clk, ts);
}

VDSO_EXPORT long __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache)
{
	return getcpu_raw(cpu, node, cache);
}

/* The test build keeps the process's own libc functions. */
#ifndef PVCLOCK_VDSO_NAMES_ONLY
VDSO_EXPORT int clock_gettime(long clk, struct pvclock_timespec *ts)
{
	return (int)libc_result(pvclock_clock_read(clk, ts));
}

VDSO_EXPORT int gettimeofday(struct pvclock_timeval *tv, void *tz)
{
	return (int)libc_result(gettimeofday_raw(tv, tz));
}

VDSO_EXPORT long time(long *t)
{
	return libc_result(time_raw(t));
}

VDSO_EXPORT int clock_getres(long clk, struct pvclock_timespec *ts)
{
	return (int)libc_result(getres_raw(clk, ts));
}

VDSO_EXPORT int getcpu(unsigned *cpu, unsigned *node, void *cache)
{
	return (int)libc_result(getcpu_raw(cpu, node, cache));
}
#endif
