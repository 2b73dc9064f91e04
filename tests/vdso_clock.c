/* SPDX-License-Identifier: MIT */
/*
 * The drop-in clock functions against the kernel: bracketing, monotonicity
 * across threads, delegation and errors, signal handlers, fork, start-up
 * before main, a time namespace, and kvm-clock mode on a simulated
 * time-data page with stable and skewed per-vCPU records.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pvclock/stamp.h"
#include "pvclock/vdso_sym.h"
#include "clock_state.h"
#include "procfs.h"
#include "pvmap_shared.h"
#include "testhook.h"
#include "vdso_util.h"

int __vdso_clock_gettime(long clk, struct timespec *ts);
int __vdso_gettimeofday(struct timeval *tv, void *tz);
long __vdso_time(long *t);
int __vdso_clock_getres(long clk, struct timespec *ts);
long __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache);

typedef int (*gettime_fn)(long, struct timespec *);

static long sys_gettime(long clk, struct timespec *ts)
{
	long r = syscall(SYS_clock_gettime, clk, ts);

	return r < 0 ? -errno : r;
}

static int64_t sys_ns(long clk)
{
	struct timespec ts;

	sys_gettime(clk, &ts);
	return ns_of(ts);
}

static gettime_fn kernel_vdso_gettime(void)
{
	return (gettime_fn)pvclock_kernel_vdso_sym("__vdso_clock_gettime");
}

static void need_served(void)
{
	if (!pvclock_clock_test_served())
		cr_skip_test("the kernel's time data is not served here (layout other than Linux "
			     "6.15+, a clocksource without vDSO support, or PVCLOCK_VDSO=off): "
			     "every clock is delegated");
}

/* --- against the running kernel ------------------------------------------------ */

Test(vdso_kernel, bracket_1e6_per_served_clock, .timeout = 300)
{
	gettime_fn kernel = kernel_vdso_gettime();

	need_served();
	if (!kernel)
		cr_skip_test("the process has no kernel vDSO to compare with");
	for (unsigned i = 0; i < NR_SERVED; i++) {
		long clk = served_clocks[i], violations, bad_nsec;

		kernel_bracket(__vdso_clock_gettime, kernel, clk, 1000000, &violations, &bad_nsec);
		cr_expect_eq(violations, 0, "clock %ld: %ld of 10^6 values outside [kernel before, kernel after]",
			     clk, violations);
		cr_expect_eq(bad_nsec, 0, "clock %ld: %ld values with tv_nsec out of range", clk, bad_nsec);
	}
}

/* The kernel's current multiplier for the high-resolution clocks, from the data the drop-in reads. */
static uint32_t kernel_mult(void)
{
	const struct clock_state *s = &pvclock_clock_state;

	return kdata_fields(kdata_block(s->kd, &s->lay, KDATA_HRES), &s->lay)->mult;
}

/*
 * Reads of MONOTONIC and REALTIME (the drop-in's, and stamps) outside
 * [kernel before, kernel after] for @seconds; mult changes seen.
 */
static long bracket_for(gettime_fn kernel, double seconds, long *mult_changes)
{
	static const long clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME };
	struct timespec start, now;
	uint32_t mult = kernel_mult();
	long violations = 0;

	clock_gettime(CLOCK_MONOTONIC_RAW, &start);
	do {
		for (int n = 0; n < 10000; n++) {
			long clk = clocks[n & 1];
			struct timespec a, b, c;

			int64_t st, so;

			kernel(clk, &a);
			__vdso_clock_gettime(clk, &b);
			so = pvclock_stamp_ns_ordered((int)clk);
			st = pvclock_stamp_ns((int)clk);
			kernel(clk, &c);
			violations += ns_of(b) < ns_of(a) || ns_of(b) > ns_of(c);
			/* The stamps too: ordered exactly, unordered within the bound stamp.h states. */
			violations += so < ns_of(a) || so > ns_of(c);
			violations += st < ns_of(a) - 50 || st > ns_of(c) + 50;
		}
		if (kernel_mult() != mult) {
			mult = kernel_mult();
			(*mult_changes)++;
		}
		clock_gettime(CLOCK_MONOTONIC_RAW, &now);
	} while (ns_of(now) - ns_of(start) < (int64_t)(seconds * 1e9));
	return violations;
}

static long pending_adjust = 0;
static int adjusted = 0;

/* Hand back whatever is still pending of the test's slew, plus what was pending before it. */
static void restore_adjust(void)
{
	struct timex tx = { .modes = ADJ_OFFSET_SINGLESHOT, .offset = pending_adjust };

	if (adjusted)
		adjtimex(&tx);
	adjusted = 0;
}

/*
 * A real slew: adjtime-style, 200 us at the kernel's 500 ppm, then 200 us
 * back, so the machine's clock ends where it would have been.  The kernel
 * moves its multiplier meanwhile; every value stays within [kernel before,
 * kernel after].  It changes the machine's clock, so it runs only when
 * asked (meson -Dclock_tests=enabled sets PVCLOCK_CLOCK_TESTS=1), and
 * needs CAP_SYS_TIME.
 */
Test(vdso_kernel, follows_a_real_slew_of_the_kernel_clock, .timeout = 60, .fini = restore_adjust)
{
	gettime_fn kernel = kernel_vdso_gettime();
	struct timex tx = { .modes = ADJ_OFFSET_SINGLESHOT, .offset = 200 };
	long violations, changes = 0;

	need_served();
	if (!kernel)
		cr_skip_test("the process has no kernel vDSO to compare with");
	if (!getenv("PVCLOCK_CLOCK_TESTS") || strcmp(getenv("PVCLOCK_CLOCK_TESTS"), "1") != 0)
		cr_skip_test("slews the machine's clock: runs only with meson -Dclock_tests=enabled");
	if (adjtimex(&tx) < 0)
		cr_skip_test("adjtimex(ADJ_OFFSET_SINGLESHOT) refused: %s (needs CAP_SYS_TIME)",
			     strerror(errno));
	adjusted = 1;
	pending_adjust = tx.offset;
	/* The kernel applies at most 500 us per second, one second at a time. */
	violations = bracket_for(kernel, 2.2, &changes);
	tx = (struct timex){ .modes = ADJ_OFFSET_SINGLESHOT, .offset = -200 };
	cr_assert_geq(adjtimex(&tx), 0);
	violations += bracket_for(kernel, 2.2, &changes);
	restore_adjust();
	cr_expect_eq(violations, 0, "%ld values outside [kernel before, kernel after] during the slew",
		     violations);
	cr_expect_gt(changes, 0, "the kernel's multiplier never moved: no slew was observed");
}

/* Under kvm-clock with a stable vCPU 0 record the served clocks come from the one-multiply map. */
Test(vdso_kernel, kvmclock_reads_use_the_fused_map)
{
	const volatile struct pvclock_record *r;
	struct timespec ts;

	need_served();
	if (pvclock_clock_state.kmode != KDATA_MODE_PVCLOCK)
		cr_skip_test("the kernel's clocksource is not kvm-clock here (clock mode %d)",
			     pvclock_clock_state.kmode);
	if (pvclock_clock_reader != CLOCK_READER_PV_MAP)
		cr_skip_test("the map does not apply (per-vCPU forced, no RDTSCP, or a time namespace)");
	r = (const volatile struct pvclock_record *)pvclock_clock_state.src.slots;
	if (!(r->flags & PVCLOCK_TSC_STABLE))
		cr_skip_test("vCPU 0's record is not TSC_STABLE: the per-vCPU path serves");
	for (int i = 0; i < 3; i++)
		cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	cr_expect_neq(pvclock_clock_pvmap.span, 0, "no map for the running kernel's kvm-clock parameters");
}

Test(vdso_kernel, delegated_clocks_match_kernel)
{
	static const long ids[] = {
		CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_PROCESS_CPUTIME_ID,
		CLOCK_THREAD_CPUTIME_ID, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM,
	};

	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct timespec a, b, c;
		long ra = sys_gettime(ids[i], &a);
		long rb = __vdso_clock_gettime(ids[i], &b);
		long rc = sys_gettime(ids[i], &c);

		cr_assert_eq(rb, ra, "clock %ld: %ld, kernel %ld", ids[i], rb, ra);
		if (rb == 0 && ids[i] != CLOCK_THREAD_CPUTIME_ID && ids[i] != CLOCK_PROCESS_CPUTIME_ID)
			cr_expect(ns_of(a) <= ns_of(b) && ns_of(b) <= ns_of(c), "clock %ld outside bracket", ids[i]);
		(void)rc;
	}
}

Test(vdso_kernel, invalid_ids_and_null_like_the_system_call)
{
	static const long ids[] = { 12, 13, 16, 23, 24, 100, 0x7fffffff, -1, -6, -100 };
	gettime_fn kernel_getres = (gettime_fn)pvclock_kernel_vdso_sym("__vdso_clock_getres");
	struct timespec ts;

	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		long k = sys_gettime(ids[i], &ts), kr;

		cr_expect_eq(__vdso_clock_gettime(ids[i], &ts), k, "clock id %ld: kernel says %ld", ids[i], k);
		/* The kernel's own vDSO and system call may differ here (auxiliary clock ids); follow the vDSO. */
		if (kernel_getres)
			kr = kernel_getres(ids[i], &ts);
		else
			kr = syscall(SYS_clock_getres, ids[i], &ts) < 0 ? -errno : 0;
		cr_expect_eq(__vdso_clock_getres(ids[i], &ts), kr, "clock_getres id %ld: kernel says %ld", ids[i], kr);
	}
	cr_expect_eq(sys_gettime(CLOCK_MONOTONIC, NULL), -EFAULT, "the system call's answer for NULL");
	for (unsigned i = 0; i < NR_SERVED; i++)
		cr_expect_eq(__vdso_clock_gettime(served_clocks[i], NULL), -EFAULT,
			     "clock %ld with NULL: -EFAULT as the system call", served_clocks[i]);
	cr_expect_eq(__vdso_clock_gettime(CLOCK_MONOTONIC_COARSE, NULL), -EFAULT);
}

Test(vdso_kernel, gettimeofday_time_getres_getcpu)
{
	struct timeval tv;
	struct timezone tz;
	struct timespec a, c, r, kr;
	unsigned cpu = ~0u, node = ~0u;
	long t;

	sys_gettime(CLOCK_REALTIME, &a);
	cr_assert_eq(__vdso_gettimeofday(&tv, NULL), 0);
	sys_gettime(CLOCK_REALTIME, &c);
	cr_expect(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	cr_expect((int64_t)tv.tv_sec * 1000000 + tv.tv_usec >= ns_of(a) / 1000 &&
		  (int64_t)tv.tv_sec * 1000000 + tv.tv_usec <= ns_of(c) / 1000, "gettimeofday outside bracket");
	cr_expect_eq(__vdso_gettimeofday(&tv, &tz), 0, "with a timezone");
	cr_expect_eq(__vdso_gettimeofday(NULL, NULL), 0);

	a.tv_sec = syscall(SYS_time, NULL);
	t = __vdso_time(NULL);
	c.tv_sec = syscall(SYS_time, NULL);
	cr_expect(t >= a.tv_sec && t <= c.tv_sec, "time() %ld outside [%ld, %ld]", t, (long)a.tv_sec, (long)c.tv_sec);

	for (unsigned i = 0; i < NR_SERVED; i++) {
		cr_expect_eq(__vdso_clock_getres(served_clocks[i], &r), 0);
		syscall(SYS_clock_getres, served_clocks[i], &kr);
		cr_expect(r.tv_sec == kr.tv_sec && r.tv_nsec == kr.tv_nsec, "resolution of clock %ld", served_clocks[i]);
	}
	cr_expect_eq(__vdso_getcpu(&cpu, &node, NULL), 0);
	cr_expect(cpu < (unsigned)sysconf(_SC_NPROCESSORS_CONF), "cpu %u", cpu);
}

/* --- monotonic across threads ---------------------------------------------------- */

Test(vdso_kernel, warp_across_threads, .timeout = 120)
{
	need_served();
	for (unsigned i = 0; i < NR_SERVED; i++) {
		long warps = run_warp(__vdso_clock_gettime, served_clocks[i], 4, 100000, 1);

		cr_assert_neq(warps, -1, "the reader threads did not all run");
		cr_expect_eq(warps, 0, "clock %ld went back %ld times across threads", served_clocks[i], warps);
	}
}

/* --- signals, fork, start-up ------------------------------------------------------ */

static atomic_long handler_calls, handler_errors;
static int64_t handler_last;

static void on_alarm(int sig)
{
	struct timespec ts;
	int saved = errno;

	(void)sig;
	if (__vdso_clock_gettime(CLOCK_MONOTONIC, &ts) != 0 || ns_of(ts) < handler_last)
		atomic_fetch_add(&handler_errors, 1);
	handler_last = ns_of(ts);
	atomic_fetch_add(&handler_calls, 1);
	errno = saved;
}

Test(vdso_signal, calls_from_a_signal_handler_in_a_loop, .timeout = 60)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, 50 }, { 0, 50 } };
	int64_t last = 0, start = sys_ns(CLOCK_MONOTONIC);
	long errors = 0;

	sigemptyset(&sa.sa_mask);
	cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
	cr_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	/* 0.5 s, and on until the timer has fired (the thread may have run little of it). */
	while (sys_ns(CLOCK_MONOTONIC) - start < 500000000ll || atomic_load(&handler_calls) <= 10) {
		for (int i = 0; i < 1000; i++) {
			struct timespec ts;

			if (__vdso_clock_gettime(CLOCK_MONOTONIC, &ts) != 0 || ns_of(ts) < last)
				errors++;
			last = ns_of(ts);
		}
	}
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	cr_expect_gt(atomic_load(&handler_calls), 10, "the timer fired %ld times", atomic_load(&handler_calls));
	cr_expect_eq(atomic_load(&handler_errors), 0);
	cr_expect_eq(errors, 0);
}

static struct timespec first_in_handler;
static int first_rc = -1;

static void on_usr1(int sig)
{
	(void)sig;
	first_rc = __vdso_clock_gettime(CLOCK_MONOTONIC, &first_in_handler);
}

Test(vdso_signal, start_up_inside_a_signal_handler)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	int64_t before, after;

	pvclock_clock_test_reset();
	sigemptyset(&sa.sa_mask);
	cr_assert_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	before = sys_ns(CLOCK_MONOTONIC);
	raise(SIGUSR1);
	after = sys_ns(CLOCK_MONOTONIC);
	cr_assert_eq(first_rc, 0);
	cr_expect(ns_of(first_in_handler) >= before && ns_of(first_in_handler) <= after);
}

static atomic_int go;
static void *racer(void *arg)
{
	struct timespec *ts = arg;

	while (!atomic_load(&go))
		;
	return (void *)(long)__vdso_clock_gettime(CLOCK_REALTIME, ts);
}

Test(vdso_start, concurrent_first_calls)
{
	pthread_t t[4];
	struct timespec ts[4];
	int64_t before, after;

	pvclock_clock_test_reset();
	before = sys_ns(CLOCK_REALTIME);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, racer, &ts[i]), 0);
	atomic_store(&go, 1);
	for (int i = 0; i < 4; i++) {
		void *rc;

		pthread_join(t[i], &rc);
		cr_expect_eq((long)rc, 0);
	}
	after = sys_ns(CLOCK_REALTIME);
	for (int i = 0; i < 4; i++)
		cr_expect(ns_of(ts[i]) >= before && ns_of(ts[i]) <= after, "racer %d outside bracket", i);
}

static int ctor_rc = -1;
static int64_t ctor_ns, ctor_after;

__attribute__((constructor)) static void before_main(void)
{
	struct timespec ts;

	ctor_rc = __vdso_clock_gettime(CLOCK_MONOTONIC, &ts);
	ctor_ns = ns_of(ts);
	ctor_after = sys_ns(CLOCK_MONOTONIC);
}

Test(vdso_start, works_before_main)
{
	cr_expect_eq(ctor_rc, 0);
	cr_expect(ctor_ns > 0 && ctor_ns <= ctor_after);
}

Test(vdso_start, works_after_fork)
{
	struct timespec ts;
	pid_t pid;
	int status;

	__vdso_clock_gettime(CLOCK_MONOTONIC, &ts);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int bad = 0;

		for (int i = 0; i < 100000; i++) {
			int64_t a = sys_ns(CLOCK_MONOTONIC), b, c;

			__vdso_clock_gettime(CLOCK_MONOTONIC, &ts);
			b = ns_of(ts);
			c = sys_ns(CLOCK_MONOTONIC);
			bad += b < a || b > c;
			if (i > 2000)
				break;
		}
		_exit(bad ? 1 : 0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child saw values outside the bracket");
}

/* --- no pvclock, forced off --------------------------------------------------------- */

Test(vdso_fallback, no_page_delegates_everything)
{
	struct timespec ts;

	pvclock_clock_test_use(NULL, NULL, NULL, 0, "auto");
	cr_expect_eq(pvclock_clock_test_served(), 0);
	for (unsigned i = 0; i < NR_SERVED; i++) {
		int64_t a = sys_ns(served_clocks[i]), c;

		cr_assert_eq(__vdso_clock_gettime(served_clocks[i], &ts), 0);
		c = sys_ns(served_clocks[i]);
		cr_expect(ns_of(ts) >= a && ns_of(ts) <= c, "clock %ld outside bracket", served_clocks[i]);
	}
	cr_expect_eq(__vdso_clock_gettime(12, &ts), -EINVAL);
	cr_expect_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, NULL), -EFAULT);
}

Test(vdso_fallback, env_off_child)
{
	const char *v = getenv("PVCLOCK_VDSO");

	if (!v || strcmp(v, "off") != 0)
		cr_skip_test("runs only inside env_off (PVCLOCK_VDSO=off)");
	cr_expect_eq(pvclock_clock_test_served(), 0, "PVCLOCK_VDSO=off must delegate every clock");
}

Test(vdso_fallback, env_off)
{
	pid_t pid = fork();
	int status;

	cr_assert_neq(pid, -1);
	if (pid == 0) {
		char *argv[] = { "vdso_clock", "--filter", "vdso_fallback/env_off_child", "-j1", NULL };
		char *envp[] = { "PVCLOCK_VDSO=off", NULL };
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child run failed (status %d)", status);
}

static int sys_reader(long clk, struct timespec *ts)
{
	return (int)sys_gettime(clk, ts);
}

/*
 * Every served clock and both COARSE clocks @n times within [system call
 * before, after], and time() as often between two time system calls; the
 * number outside.
 */
static long syscall_bracket(int n)
{
	static const long coarse[] = { CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE };
	long bad = 0;

	for (unsigned i = 0; i < NR_SERVED + 2; i++) {
		long clk = i < NR_SERVED ? served_clocks[i] : coarse[i - NR_SERVED], outside, bad_nsec;

		kernel_bracket(__vdso_clock_gettime, sys_reader, clk, n, &outside, &bad_nsec);
		bad += outside + bad_nsec;
	}
	for (int k = 0; k < n; k++) {
		long a = syscall(SYS_time, NULL), t, b = a, c;

		t = __vdso_time(&b);
		c = syscall(SYS_time, NULL);
		bad += t < a || t > c || b != t;
	}
	return bad;
}

/* --- start-up --------------------------------------------------------------------- */

/*
 * A child forked while a thread of its parent was starting up: that thread
 * does not exist in the child, so the child takes the start-up over instead
 * of making system calls for life.  The parent, whose own filler is still
 * at work, leaves it alone.
 */
Test(vdso_startup, a_child_forked_during_start_up_takes_it_over, .timeout = 60)
{
	struct timespec ts;
	pid_t pid;
	int status;

	need_served();
	pvclock_clock_test_reset();
	/* This process is in the middle of a start-up, its filler somewhere else. */
	__atomic_store_n(&pvclock_clock_phase, clock_phase_starting(), __ATOMIC_SEQ_CST);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		/* The first call takes the start-up over. */
		if (syscall_bracket(1) != 0)
			_exit(2);
		if (__atomic_load_n(&pvclock_clock_phase, __ATOMIC_ACQUIRE) != CLOCK_READY)
			_exit(3);
		_exit(syscall_bracket(1000) != 0 ? 4 : 0);
	}
	cr_assert_eq(__vdso_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	cr_expect_eq(__atomic_load_n(&pvclock_clock_phase, __ATOMIC_ACQUIRE), clock_phase_starting(),
		     "the parent's own start-up was taken from it");
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	pvclock_clock_test_reset();
	cr_assert(WIFEXITED(status));
	cr_expect_neq(WEXITSTATUS(status), 3, "the child did not take the start-up over");
	cr_expect_eq(WEXITSTATUS(status), 0, "child status %d", WEXITSTATUS(status));
}

/*
 * With /proc hidden (a tmpfs over it, in a mount namespace of its own), a
 * fresh start-up still finds the time data, below the kernel's vDSO, and
 * serves it: no /proc/self/maps needed.
 */
Test(vdso_startup, the_time_data_is_found_without_proc, .timeout = 60)
{
	pid_t pid;
	int status;

	need_served();
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("none", "/proc", "tmpfs", 0, NULL) != 0)
			_exit(77);
		if (access("/proc/self/maps", F_OK) == 0)
			_exit(78);
		pvclock_clock_test_reset();
		if (!pvclock_clock_test_served())
			_exit(3);
		_exit(syscall_bracket(1000) != 0 ? 4 : 0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		cr_skip_test("cannot hide /proc (needs CAP_SYS_ADMIN for a mount namespace)");
	cr_assert_neq(WEXITSTATUS(status), 78, "/proc still visible under the tmpfs");
	cr_expect_neq(WEXITSTATUS(status), 3, "without /proc the time data was not found");
	cr_expect_eq(WEXITSTATUS(status), 0, "child status %d", WEXITSTATUS(status));
}

/* --- a private time namespace ---------------------------------------------------- */

/* unshare(CLONE_NEWTIME) and offsets for the children to come; exits 77/78 when refused. */
static void new_time_namespace_for_children(void)
{
	FILE *f;

	if (unshare(CLONE_NEWTIME) != 0)
		_exit(77);
	f = fopen("/proc/self/timens_offsets", "w");
	if (!f || fprintf(f, "monotonic 1000 0\nboottime 2000 0\n") < 0 || fclose(f) != 0)
		_exit(78);
}

/* Runs @child in a grandchild inside a new time namespace; its exit status, or 77/78 (refused). */
static int in_new_time_namespace(int (*child)(void *), void *arg)
{
	pid_t pid = fork(), inner;
	int status;

	cr_assert_neq(pid, -1);
	if (pid == 0) {
		new_time_namespace_for_children();
		inner = fork();
		if (inner == 0)
			_exit(child(arg));
		if (inner < 0 || waitpid(inner, &status, 0) != inner)
			_exit(5);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		cr_skip_test("unshare(CLONE_NEWTIME) refused (needs CAP_SYS_ADMIN and a kernel with time namespaces)");
	if (WEXITSTATUS(status) == 78)
		cr_skip_test("could not set the namespace offsets");
	return WEXITSTATUS(status);
}

/* A process started inside a namespace serves the namespace's clocks from its own [vvar]. */
static int started_inside_child(void *arg)
{
	(void)arg;
	pvclock_clock_test_reset();
	if (!pvclock_clock_test_served())
		return 3;
	return syscall_bracket(20000) != 0 ? 4 : 0;
}

Test(vdso_timens, monotonic_and_boottime_offsets, .timeout = 60)
{
	int rc;

	need_served();
	rc = in_new_time_namespace(started_inside_child, NULL);
	cr_expect_neq(rc, 3, "inside the namespace the time data was not recognised");
	cr_expect_eq(rc, 0, "inside the namespace values left the kernel's bracket (status %d)", rc);
}

/*
 * The state came from outside the namespace: the page it reads is now the
 * namespace's offsets page, whose sequence count stays odd.  Every call
 * gives the kernel's (namespace) time, and none spins on that count: the
 * fastest of many calls is far below the ~2^20 pauses a spin would take
 * (the fastest, because preemption only ever lengthens a call).
 */
static int inherited_state_child(void *arg)
{
	uint64_t fastest = UINT64_MAX;

	(void)arg;
	/* The state is the parent's: data found outside any namespace. */
	if (!pvclock_clock_state.kd || pvclock_clock_state.ns)
		return 3;
	if (syscall_bracket(200) != 0)
		return 4;
	for (int k = 0; k < 200; k++) {
		struct timespec ts;
		uint64_t t0 = pvclock_rdtsc_lfence(), t1;

		__vdso_clock_gettime(CLOCK_MONOTONIC, &ts);
		t1 = pvclock_rdtsc_lfence();
		if (t1 - t0 < fastest)
			fastest = t1 - t0;
	}
	return fastest < 1000000 ? 0 : 6;
}

Test(vdso_timens, a_child_in_a_new_namespace_keeps_the_kernels_time, .timeout = 60)
{
	int rc;

	need_served();
	rc = in_new_time_namespace(inherited_state_child, NULL);
	cr_expect_neq(rc, 3, "the parent's state was not one found outside a namespace");
	cr_expect_neq(rc, 4, "values outside the kernel's bracket in the namespace");
	cr_expect_neq(rc, 6, "calls spun on the offsets page's odd sequence count");
	cr_expect_eq(rc, 0, "status %d", rc);
}

/*
 * Started inside a namespace, then setns() back to the first one: the real
 * data is no longer where the state says (touching it raised SIGBUS).
 * Every call still gives the kernel's time.
 */
static int setns_home_child(void *arg)
{
	int home = *(int *)arg;

	pvclock_clock_test_reset();
	if (!pvclock_clock_test_served() || !pvclock_clock_state.ns)
		return 3;
	if (syscall_bracket(200) != 0)
		return 4;
	if (setns(home, CLONE_NEWTIME) != 0)
		return 79;
	return syscall_bracket(2000) != 0 ? 5 : 0;
}

Test(vdso_timens, setns_back_to_the_first_namespace_keeps_the_kernels_time, .timeout = 60)
{
	int home = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC), rc;

	need_served();
	if (home < 0)
		cr_skip_test("no /proc/self/ns/time: %s", strerror(errno));
	rc = in_new_time_namespace(setns_home_child, &home);
	close(home);
	if (rc == 79)
		cr_skip_test("setns(CLONE_NEWTIME) refused");
	cr_expect_neq(rc, 3, "inside the namespace the time data was not served from its pages");
	cr_expect_neq(rc, 4, "values outside the kernel's bracket inside the namespace");
	cr_expect_neq(rc, 5, "values outside the kernel's bracket after setns() home");
	cr_expect_neq(rc, 128 + SIGBUS, "SIGBUS after setns() home");
	cr_expect_eq(rc, 0, "status %d", rc);
}

/* In a confidential guest only PVCLOCK_TRUST_HOST=1, exactly, lets start-up use kvm-clock. */
Test(vdso_start, trust_host_needs_the_exact_setting)
{
	char *none[] = { "PATH=/bin", NULL };
	char *yes[] = { "PATH=/bin", "PVCLOCK_TRUST_HOST=1", NULL };
	char *other[] = { "PVCLOCK_TRUST_HOST=yes", "PVCLOCK_TRUST_HOST=10", "XPVCLOCK_TRUST_HOST=1", NULL };

	cr_expect_eq(pvclock_proc_trust_host(NULL), 0);
	cr_expect_eq(pvclock_proc_trust_host(none), 0);
	cr_expect_eq(pvclock_proc_trust_host(yes), 1);
	cr_expect_eq(pvclock_proc_trust_host(other), 0);
}
