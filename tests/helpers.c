/* SPDX-License-Identifier: MIT */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "helpers.h"

#ifndef PVCLOCK_TORTURE_SECONDS
#define PVCLOCK_TORTURE_SECONDS 3
#endif

static cpu_set_t process_cpus;
static pthread_once_t process_once = PTHREAD_ONCE_INIT;

static void read_process_cpus(void)
{
	if (sched_getaffinity(0, sizeof(process_cpus), &process_cpus) != 0) {
		CPU_ZERO(&process_cpus);
		CPU_SET(0, &process_cpus);
	}
}

unsigned test_usable_cpus(void)
{
	pthread_once(&process_once, read_process_cpus);
	return (unsigned)CPU_COUNT(&process_cpus);
}

int test_nth_cpu(unsigned n)
{
	pthread_once(&process_once, read_process_cpus);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &process_cpus) && n-- == 0)
			return cpu;
	return -1;
}

int test_pin_self(int cpu)
{
	cpu_set_t set;
	int rc;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return 22; /* EINVAL */
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	/* The kernel moves the calling thread before the call returns. */
	return rc;
}

void test_unpin_self(void)
{
	pthread_once(&process_once, read_process_cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(process_cpus), &process_cpus);
}

unsigned test_torture_seconds(void)
{
	const char *s = getenv("PVCLOCK_TORTURE_SECONDS");
	long v = s ? strtol(s, NULL, 10) : 0;

	return v > 0 ? (unsigned)v : PVCLOCK_TORTURE_SECONDS;
}

uint64_t test_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

void test_fill_record(void *base, size_t stride, unsigned cpu, uint32_t version,
		      uint64_t tsc_timestamp, uint64_t system_time, uint32_t mul, int8_t shift,
		      uint8_t flags)
{
	struct pvclock_record r;

	memset(&r, 0, sizeof(r));
	r.version = version;
	r.tsc_timestamp = tsc_timestamp;
	r.system_time = system_time;
	r.tsc_to_system_mul = mul;
	r.tsc_shift = shift;
	r.flags = flags;
	memcpy((unsigned char *)base + (size_t)cpu * stride, &r, sizeof(r));
}

struct filtered {
	long nr;
	int err;
	void *(*fn)(void *);
	void *arg;
	int installed;
};

static void *filtered_main(void *p)
{
	struct filtered *f = p;
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)f->nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)f->err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return NULL;
	f->installed = 1;
	return f->fn(f->arg);
}

int test_with_failing_syscall(long nr, int err, void *(*fn)(void *), void *arg)
{
	struct filtered f = { nr, err, fn, arg, 0 };
	pthread_t t;

	if (pthread_create(&t, NULL, filtered_main, &f) != 0)
		return -1;
	pthread_join(t, NULL);
	return f.installed ? 0 : -1;
}
