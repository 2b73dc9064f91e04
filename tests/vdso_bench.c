/* SPDX-License-Identifier: MIT */
/*
 * vdso_bench - ns per call of the drop-in's clock_gettime(CLOCK_MONOTONIC):
 *   1. libpvclock-vdso.so against the kernel's vDSO, on this machine's
 *      clocksource, interleaved rounds, best round of each;
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
#include <time.h>
#include <unistd.h>

#include "pvclock/vdso_sym.h"
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

static double per_call(gettime_fn f, long calls)
{
	struct timespec ts;
	double t0 = now_ns();

	for (long i = 0; i < calls; i++)
		f(CLOCK_MONOTONIC, &ts);
	return (now_ns() - t0) / calls;
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
	j->ns = per_call(j->f, j->calls);
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
	gettime_fn ours, kernel;
	double best_ours = 1e9, best_kernel = 1e9;
	void *h;

	if (argc < 2) {
		fprintf(stderr, "usage: vdso_bench libpvclock-vdso.so [rounds]\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	ours = h ? (gettime_fn)dlsym(h, "__vdso_clock_gettime") : NULL;
	kernel = (gettime_fn)pvclock_kernel_vdso_sym("__vdso_clock_gettime");
	if (!ours || !kernel) {
		fprintf(stderr, "cannot load %s or find the kernel's vDSO\n", argv[1]);
		return 1;
	}
	for (int r = 0; r < rounds; r++) {
		double a = per_call(ours, CALLS), b = per_call(kernel, CALLS);

		if (a < best_ours)
			best_ours = a;
		if (b < best_kernel)
			best_kernel = b;
	}
	printf("clock_gettime(CLOCK_MONOTONIC), this machine's clocksource, best of %d x %ld calls:\n",
	       rounds, CALLS);
	printf("  libpvclock-vdso.so  %6.2f ns\n  kernel vDSO         %6.2f ns\n  ratio               %6.3f\n",
	       best_ours, best_kernel, best_ours / best_kernel);

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
	return 0;
}
