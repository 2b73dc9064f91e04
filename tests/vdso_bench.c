/* SPDX-License-Identifier: MIT */
/*
 * vdso_bench - ns per call of the drop-in's clock functions:
 *   1. libpvclock-vdso.so against the kernel's vDSO, on this machine's
 *      clocksource, for every served clock, the COARSE clocks,
 *      gettimeofday and time: interleaved rounds, best round of each;
 *   2. kvm-clock mode on a simulated time-data page with per-vCPU records
 *      without TSC_STABLE, against the clock_gettime system call (what the
 *      kernel's vDSO does in that case), on 1 thread and on every CPU, with
 *      as many records as CPUs and with 16 when that is more.
 * usage: vdso_bench libpvclock-vdso.so [rounds]
 * Prints measurements only; nothing is asserted.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "pvclock/vdso_sym.h"
#include "simhyperv.h"
#include "simkernel.h"
#include "testhook.h"

typedef int (*gettime_fn)(long, struct timespec *);

int __vdso_clock_gettime(long clk, struct timespec *ts);

#define CALLS 2000000L

static double now_ns(void)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

typedef int (*gettimeofday_fn)(struct timeval *, void *);
typedef long (*time_fn)(long *);

static double per_call_clk(gettime_fn f, long clk, long calls)
{
	struct timespec ts;
	double t0 = now_ns();

	for (long i = 0; i < calls; i++)
		f(clk, &ts);
	return (now_ns() - t0) / calls;
}

static double per_call_tod(gettimeofday_fn f, long calls)
{
	struct timeval tv;
	double t0 = now_ns();

	for (long i = 0; i < calls; i++)
		f(&tv, NULL);
	return (now_ns() - t0) / calls;
}

static double per_call_time(time_fn f, long calls)
{
	double t0 = now_ns();

	for (long i = 0; i < calls; i++)
		f(NULL);
	return (now_ns() - t0) / calls;
}

/* One entry point of each side, by name, and how to call it. */
struct entry {
	const char *what;
	const char *sym;
	long clk;                 /* clock_gettime's id; -1: not clock_gettime */
};

static const struct entry entries[] = {
	{ "clock_gettime(MONOTONIC)", "__vdso_clock_gettime", CLOCK_MONOTONIC },
	{ "clock_gettime(REALTIME)", "__vdso_clock_gettime", CLOCK_REALTIME },
	{ "clock_gettime(BOOTTIME)", "__vdso_clock_gettime", CLOCK_BOOTTIME },
	{ "clock_gettime(TAI)", "__vdso_clock_gettime", CLOCK_TAI },
	{ "clock_gettime(MONOTONIC_RAW)", "__vdso_clock_gettime", CLOCK_MONOTONIC_RAW },
	{ "clock_gettime(REALTIME_COARSE)", "__vdso_clock_gettime", CLOCK_REALTIME_COARSE },
	{ "clock_gettime(MONOTONIC_COARSE)", "__vdso_clock_gettime", CLOCK_MONOTONIC_COARSE },
	{ "gettimeofday", "__vdso_gettimeofday", -1 },
	{ "time", "__vdso_time", -2 },
};

static double measure(void *f, long clk, long calls)
{
	if (clk >= 0)
		return per_call_clk((gettime_fn)f, clk, calls);
	if (clk == -1)
		return per_call_tod((gettimeofday_fn)f, calls);
	return per_call_time((time_fn)f, calls);
}

static int sys_gettime(long clk, struct timespec *ts)
{
	return (int)syscall(SYS_clock_gettime, clk, ts);
}

struct job {
	gettime_fn f;
	long calls;
	unsigned cpu;
	double ns;
	pthread_barrier_t *start;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(j->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	pthread_barrier_wait(j->start);
	j->ns = per_call_clk(j->f, CLOCK_MONOTONIC, j->calls);
	return NULL;
}

/* Mean ns per call per thread with @threads threads, one per CPU. */
static double parallel(gettime_fn f, unsigned threads, long calls)
{
	pthread_t t[256];
	struct job j[256];
	pthread_barrier_t start;
	double sum = 0;

	pthread_barrier_init(&start, NULL, threads);
	for (unsigned i = 0; i < threads; i++) {
		j[i] = (struct job){ f, calls, i, 0, &start };
		pthread_create(&t[i], NULL, worker, &j[i]);
	}
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		sum += j[i].ns;
	}
	pthread_barrier_destroy(&start);
	return sum / threads;
}

static struct simkernel sim;

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 15;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	void *h;

	if (argc < 2) {
		fprintf(stderr, "usage: vdso_bench libpvclock-vdso.so [rounds]\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h || !pvclock_kernel_vdso()) {
		fprintf(stderr, "cannot load %s or find the kernel's vDSO\n", argv[1]);
		return 1;
	}
	printf("this machine's clocksource, best of %d interleaved rounds of %ld calls:\n", rounds, CALLS);
	printf("  %-32s %10s %10s %7s\n", "call", "drop-in", "kernel", "ratio");
	for (size_t e = 0; e < sizeof(entries) / sizeof(entries[0]); e++) {
		void *o = dlsym(h, entries[e].sym), *k = pvclock_kernel_vdso_sym(entries[e].sym);
		double best_o = 1e9, best_k = 1e9;

		if (!o || !k) {
			printf("  %-32s missing on one side\n", entries[e].what);
			continue;
		}
		for (int r = 0; r < rounds; r++) {
			double a = measure(o, entries[e].clk, CALLS), b = measure(k, entries[e].clk, CALLS);

			if (a < best_o)
				best_o = a;
			if (b < best_k)
				best_k = b;
		}
		printf("  %-32s %7.2f ns %7.2f ns %7.3f\n", entries[e].what, best_o, best_k, best_o / best_k);
	}
	if (ncpu > (long)PVCLOCK_PAGE_SLOTS)
		ncpu = PVCLOCK_PAGE_SLOTS;
	/* As many records as CPUs, then 16 (a 16-vCPU guest's page) when that is more. */
	for (unsigned nr = (unsigned)ncpu;; nr = 16) {
		simkernel_init(&sim, nr, 0, 20000);
		pvclock_clock_test_use(sim.kd, NULL, sim.slots, nr, "auto");
		printf("simulated kvm-clock, %u per-vCPU records without TSC_STABLE (20 us apart):\n", nr);
		for (unsigned threads = 1;; threads = (unsigned)ncpu) {
			double o = 1e9, s = 1e9;

			for (int r = 0; r < 5; r++) {
				double a = parallel(__vdso_clock_gettime, threads, CALLS / 4);
				double b = parallel(sys_gettime, threads, CALLS / 20);

				if (a < o)
					o = a;
				if (b < s)
					s = b;
			}
			printf("  %u thread(s): per-vCPU %6.2f ns, system call %7.2f ns, %.1fx faster\n",
			       threads, o, s, s / o);
			if (threads == (unsigned)ncpu)
				break;
		}
		if (nr >= 16)
			break;
	}
	/* Clock mode HVCLOCK over a simulated Hyper-V page: the general reader's cost. */
	{
		static struct simhyperv hv;
		double best = 1e9;

		simhyperv_init(&hv);
		simkernel_init_hv(&sim, &hv);
		pvclock_clock_test_use(sim.kd, NULL, &hv.page, 1, "auto");
		for (int r = 0; r < rounds; r++) {
			double a = per_call_clk(__vdso_clock_gettime, CLOCK_MONOTONIC, CALLS);

			if (a < best)
				best = a;
		}
		printf("simulated HVCLOCK (Hyper-V reference page): clock_gettime(MONOTONIC) %6.2f ns\n", best);
	}
	return 0;
}
