/* SPDX-License-Identifier: MIT */
/*
 * Run by tests/vdso_sandbox.sh in the sandbox that argv[1] names, with the
 * drop-in either preloaded (it starts up while it loads, before the sandbox
 * is entered) or, when argv[2] names it, loaded by hand after the sandbox is
 * entered, so that it starts up on the first call, inside.  Whatever
 * start-up could or could not do, each clock call must answer as libc and
 * the kernel would: the same values (within a bracket of system calls) and
 * the same errno.  Exit 0 when every check holds, else the number of the
 * first failing check.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "elfmap.h"
#include "pvclock/vdso_sym.h"

#define NR_THREADS 8

/* libc's functions (the preloaded drop-in's, when preloaded), or the hand-loaded object's. */
static int (*clock_gettime_fn)(clockid_t, struct timespec *) = clock_gettime;
static int (*clock_getres_fn)(clockid_t, struct timespec *) = clock_getres;
static int (*gettimeofday_fn)(struct timeval *, void *) = (int (*)(struct timeval *, void *))gettimeofday;

static const clockid_t clocks[] = {
	CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME, CLOCK_TAI,
};

static long long ns_of(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000ll + ts->tv_nsec;
}

/* open, openat and pipe2 fail with EPERM, as under a container's profile. */
static int refuse_files(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_open, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pipe2, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* Each of @nrs kills the process from now on. */
static int kill_on(const long *nrs, unsigned n)
{
	struct sock_filter f[16];
	unsigned k = 0;

	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (unsigned i = 0; i < n; i++)
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nrs[i], n - i, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);

	struct sock_fprog prog = { (unsigned short)k, f };

	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* open, openat, pipe2 and read kill the process, as under an allow-list that lacks them. */
static const long file_calls[] = { SYS_open, SYS_openat, SYS_pipe2, SYS_read };

/*
 * Then the clock system calls: the kernel's vDSO needs none for the served
 * clocks under clocksource tsc or kvm-clock, so neither may the drop-in (it
 * needs them for bad clock ids, as the kernel's vDSO does).
 */
static const long clock_calls[] = { SYS_clock_gettime, SYS_gettimeofday };

/* The clocksource's name, read before any sandbox. */
static int clocksource_in_vdso(void)
{
	char name[32] = "";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

	if (f) {
		if (!fgets(name, sizeof(name), f))
			name[0] = 0;
		fclose(f);
	}
	return !strcmp(name, "tsc\n") || !strcmp(name, "kvm-clock\n");
}

/* The bracket's clock: the kernel's vDSO where the sandbox kills the system call. */
static int (*bracket_fn)(clockid_t, struct timespec *);

static int bracket_syscall(clockid_t clk, struct timespec *ts)
{
	return (int)syscall(SYS_clock_gettime, clk, ts);
}

static int errno_of_bad_clock(void)
{
	struct timespec ts;

	errno = 0;
	return clock_gettime_fn(12345, &ts) == -1 ? errno : -1;
}

static pthread_barrier_t start;
static int wrong_errno;

/* Every thread's first clock call fails: errno must be EINVAL also while another starts up. */
static void *first_call(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	if (errno_of_bad_clock() != EINVAL)
		__atomic_fetch_add(&wrong_errno, 1, __ATOMIC_RELAXED);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "plain";
	struct timespec ts;
	struct timeval tv;

	/*
	 * Where the kernel's vDSO serves the clocks without a system call, so
	 * must the drop-in, in every sandbox: the clock system calls kill the
	 * process once the errno checks (which need them) are done, and the
	 * bracket comes from the kernel's vDSO.
	 */
	int served = clocksource_in_vdso();

	bracket_fn = bracket_syscall;
	if (served)
		bracket_fn = (int (*)(clockid_t, struct timespec *))pvclock_elf_lookup(
			(const void *)getauxval(AT_SYSINFO_EHDR), "__vdso_clock_gettime", "LINUX_2.6");
	if (!bracket_fn)
		return 105;
	if (argc > 2) {
		const char *why;
		int relocs;
		void *base = elfmap_load(argv[2], &relocs, &why);

		if (!base) {
			fprintf(stderr, "%s: %s\n", argv[2], why);
			return 103;
		}
		clock_gettime_fn = (int (*)(clockid_t, struct timespec *))pvclock_elf_lookup(base, "clock_gettime", 0);
		clock_getres_fn = (int (*)(clockid_t, struct timespec *))pvclock_elf_lookup(base, "clock_getres", 0);
		gettimeofday_fn = (int (*)(struct timeval *, void *))pvclock_elf_lookup(base, "gettimeofday", 0);
		if (!clock_gettime_fn || !clock_getres_fn || !gettimeofday_fn)
			return 104;
	}
	if (!strcmp(mode, "nofile")) {
		struct rlimit none = { 0, 0 };

		if (setrlimit(RLIMIT_NOFILE, &none))
			return 100;
	} else if (!strcmp(mode, "seccomp")) {
		if (refuse_files())
			return 101;
	} else if (!strcmp(mode, "seccomp-kill")) {
		uint64_t aux[64];

		/* Without PR_GET_AUXV (Linux 6.4) start-up by hand reads /proc/self/auxv. */
		if (argc > 2 && prctl(0x41555856 /* PR_GET_AUXV */, aux, sizeof(aux), 0, 0) <= 0)
			return 77;
		if (!served)
			return 78;
		if (kill_on(file_calls, 4))
			return 101;
	} else if (!strcmp(mode, "threads")) {
		pthread_t t[NR_THREADS];

		pthread_barrier_init(&start, NULL, NR_THREADS);
		for (int i = 0; i < NR_THREADS; i++)
			if (pthread_create(&t[i], NULL, first_call, NULL))
				return 102;
		for (int i = 0; i < NR_THREADS; i++)
			pthread_join(t[i], NULL);
		if (wrong_errno)
			return 1;
	}
	if (errno_of_bad_clock() != EINVAL)
		return 2;
	errno = 0;
	if (clock_getres_fn(12345, &ts) != -1 || errno != EINVAL)
		return 3;
	if (served && kill_on(clock_calls, 2))
		return 106;
	if (gettimeofday_fn(&tv, NULL) != 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return 4;
	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		for (int k = 0; k < 1000; k++) {
			struct timespec a, c;

			bracket_fn(clocks[i], &a);
			if (clock_gettime_fn(clocks[i], &ts) != 0)
				return 5;
			bracket_fn(clocks[i], &c);
			if (ns_of(&ts) < ns_of(&a) || ns_of(&ts) > ns_of(&c) || ts.tv_nsec < 0 ||
			    ts.tv_nsec >= 1000000000l)
				return 6;
		}
	}
	if (write(1, mode, strlen(mode)) < 0)
		return 7;
	return 0;
}
