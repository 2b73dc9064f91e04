/* SPDX-License-Identifier: MIT */
/*
 * The measured paths.  Each read is a static inline function of one opaque
 * argument (the source, or where clock_gettime writes); CB_PATH() expands
 * it into the measuring loops so that no call through a pointer is timed
 * that the path itself does not make.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#ifdef CB_HAVE_DLOPEN
#include <dlfcn.h>
#endif

#include "paths.h"
#include "sim.h"

struct cb_paths_state cb_state;
struct pvclock_source cb_pv;
volatile int cb_last_status;

typedef int (*cb_cgt_fn)(clockid_t, struct timespec *);

static cb_cgt_fn kernel_cgt;
static cb_cgt_fn dropin_cgt;

/* Zero, but the compiler cannot know: it links each read of a chain to the last result. */
static volatile uint64_t chain_mask;
/* Where the clock_gettime rows write; one per thread would not change their cost. */
static __thread struct timespec ts_buf;

static inline uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

/* Results of failed reads are 0 and counted. */
static inline uint64_t pv_result(int rc, const struct pvclock_time *t, unsigned *err)
{
	if (__builtin_expect(rc != PVCLOCK_OK, 0)) {
		cb_last_status = rc;
		(*err)++;
		return 0;
	}
	return t->ns;
}

#define CB_PATH(name, base_expr)                                                            \
	static uint64_t name##_loop(uint64_t n, uint64_t *errors)                           \
	{                                                                                   \
		uint64_t acc = 0;                                                           \
		unsigned err = 0;                                                           \
		for (uint64_t i = 0; i < n; i++) {                                          \
			const void *a = (base_expr);                                        \
			/* Every call loads its argument afresh, as a caller would. */       \
			__asm__ __volatile__("" : "+r"(a));                                  \
			acc += rd_##name(a, &err);                                          \
		}                                                                           \
		*errors += err;                                                             \
		return acc;                                                                 \
	}                                                                                   \
	static uint64_t name##_chain(uint64_t n, uint64_t *errors)                          \
	{                                                                                   \
		uint64_t v = 0, mask = chain_mask;                                          \
		unsigned err = 0;                                                           \
		for (uint64_t i = 0; i < n; i++) {                                          \
			const void *a = (const char *)(base_expr) + (v & mask);             \
			v = rd_##name(a, &err);                                             \
		}                                                                           \
		*errors += err;                                                             \
		return v;                                                                   \
	}                                                                                   \
	static void name##_batches(double *out, size_t nb, unsigned per)                    \
	{                                                                                   \
		uint64_t acc = 0;                                                           \
		unsigned err = 0;                                                           \
		for (size_t b = 0; b < nb; b++) {                                           \
			uint64_t t0 = cb_timer_start();                                     \
			for (unsigned j = 0; j < per; j++) {                                \
				const void *a = (base_expr);                                \
				__asm__ __volatile__("" : "+r"(a));                          \
				acc += rd_##name(a, &err);                                  \
			}                                                                   \
			out[b] = (double)(cb_timer_end() - t0);                             \
		}                                                                           \
		__asm__ __volatile__("" : : "r"(acc + err));                                \
	}                                                                                   \
	static uint64_t name##_read(void *unused)                                           \
	{                                                                                   \
		unsigned err = 0;                                                           \
		(void)unused;                                                               \
		return rd_##name((base_expr), &err);                                        \
	}

#define NO_ARG ((const void *)&chain_mask)
#define PV_SRC ((const void *)&cb_pv)

/* ---- floors ---- */
static inline uint64_t rd_rdtsc(const void *a, unsigned *err)
{
	(void)a, (void)err;
	return pvclock_rdtsc();
}
static inline uint64_t rd_lfence_rdtsc(const void *a, unsigned *err)
{
	(void)a, (void)err;
	return pvclock_rdtsc_lfence();
}
static inline uint64_t rd_rdtscp(const void *a, unsigned *err)
{
	(void)a, (void)err;
	return pvclock_rdtscp(NULL);
}
/*
 * The least an ordered pvclock read can do: load the version, then a TSC
 * read ordered after that load.  What a read costs beyond this is the
 * arithmetic and field loads after RDTSC.
 */
static inline uint64_t rd_load_lfence_rdtsc(const void *a, unsigned *err)
{
	const struct pvclock_source *src = a;
	uint32_t v = *(const volatile uint32_t *)src->slots;

	(void)err;
	return pvclock_rdtsc_lfence() + (v & 1);
}
CB_PATH(rdtsc, NO_ARG)
CB_PATH(lfence_rdtsc, NO_ARG)
CB_PATH(rdtscp, NO_ARG)
CB_PATH(load_lfence_rdtsc, PV_SRC)

/* ---- getcpu alone ---- */
#define RD_GETCPU(name, method)                                                             \
	static inline uint64_t rd_##name(const void *a, unsigned *err)                      \
	{                                                                                   \
		int cpu = pvclock_getcpu(method);                                           \
		(void)a;                                                                    \
		if (cpu < 0)                                                                \
			(*err)++;                                                           \
		return (uint64_t)cpu;                                                       \
	}
RD_GETCPU(getcpu_rdpid, PVCLOCK_GETCPU_RDPID)
RD_GETCPU(getcpu_rdtscp, PVCLOCK_GETCPU_RDTSCP)
RD_GETCPU(getcpu_vdso, PVCLOCK_GETCPU_VDSO)
RD_GETCPU(getcpu_rseq, PVCLOCK_GETCPU_RSEQ)
RD_GETCPU(getcpu_syscall, PVCLOCK_GETCPU_SYSCALL)
static inline uint64_t rd_getcpu_libc(const void *a, unsigned *err)
{
	int cpu = sched_getcpu();

	(void)a;
	if (cpu < 0)
		(*err)++;
	return (uint64_t)cpu;
}
CB_PATH(getcpu_rdpid, NO_ARG)
CB_PATH(getcpu_rdtscp, NO_ARG)
CB_PATH(getcpu_vdso, NO_ARG)
CB_PATH(getcpu_libc, NO_ARG)
CB_PATH(getcpu_rseq, NO_ARG)
CB_PATH(getcpu_syscall, NO_ARG)

/* ---- pvclock reads ---- */

#define RD_PV(name, call)                                                                   \
	static inline uint64_t rd_##name(const void *a, unsigned *err)                      \
	{                                                                                   \
		const struct pvclock_source *src = a;                                       \
		struct pvclock_time t;                                                      \
		int rc = call;                                                              \
		return pv_result(rc, &t, err);                                              \
	}
RD_PV(pv_vcpu0_lfence, pvclock_read_vcpu0_mode(src, &t, PVCLOCK_TSC_LFENCE))
RD_PV(pv_vcpu0_rdtscp, pvclock_read_vcpu0_mode(src, &t, PVCLOCK_TSC_RDTSCP))
RD_PV(pv_rseq_lfence, pvclock_read_rseq_mode(src, &t, PVCLOCK_TSC_LFENCE))
RD_PV(pv_rseq_rdtscp, pvclock_read_rseq_mode(src, &t, PVCLOCK_TSC_RDTSCP))
RD_PV(pv_percpu_rdpid,
      pvclock_read_percpu_with(src, &t, PVCLOCK_GETCPU_RDPID, PVCLOCK_TSC_LFENCE))
RD_PV(pv_percpu_rdtscp,
      pvclock_read_percpu_with(src, &t, PVCLOCK_GETCPU_RDTSCP, PVCLOCK_TSC_RDTSCP))
RD_PV(pv_percpu_vdso,
      pvclock_read_percpu_with(src, &t, PVCLOCK_GETCPU_VDSO, PVCLOCK_TSC_LFENCE))
RD_PV(pv_percpu_rseq,
      pvclock_read_percpu_with(src, &t, PVCLOCK_GETCPU_RSEQ, PVCLOCK_TSC_LFENCE))
RD_PV(pv_percpu_syscall,
      pvclock_read_percpu_with(src, &t, PVCLOCK_GETCPU_SYSCALL, PVCLOCK_TSC_LFENCE))
RD_PV(pv_migrate,
      pvclock_read_migrate_with(src, &t, cb_state.best_getcpu, PVCLOCK_TSC_LFENCE))
CB_PATH(pv_vcpu0_lfence, PV_SRC)
CB_PATH(pv_vcpu0_rdtscp, PV_SRC)
CB_PATH(pv_rseq_lfence, PV_SRC)
CB_PATH(pv_rseq_rdtscp, PV_SRC)
CB_PATH(pv_percpu_rdpid, PV_SRC)
CB_PATH(pv_percpu_rdtscp, PV_SRC)
CB_PATH(pv_percpu_vdso, PV_SRC)
CB_PATH(pv_percpu_rseq, PV_SRC)
CB_PATH(pv_percpu_syscall, PV_SRC)
CB_PATH(pv_migrate, (const void *)&cb_sim_migrate_src)

/* ---- incumbents ---- */
#define TS ((const void *)&ts_buf)
#define RD_CGT(name, fn, clk)                                                               \
	static inline uint64_t rd_##name(const void *a, unsigned *err)                      \
	{                                                                                   \
		struct timespec *ts = (struct timespec *)a;                                 \
		if (__builtin_expect(fn(clk, ts) != 0, 0))                                  \
			(*err)++;                                                           \
		return ts_ns(ts);                                                           \
	}
RD_CGT(vdso_monotonic, kernel_cgt, CLOCK_MONOTONIC)
RD_CGT(vdso_realtime, kernel_cgt, CLOCK_REALTIME)
RD_CGT(vdso_monotonic_raw, kernel_cgt, CLOCK_MONOTONIC_RAW)
RD_CGT(vdso_boottime, kernel_cgt, CLOCK_BOOTTIME)
RD_CGT(vdso_monotonic_coarse, kernel_cgt, CLOCK_MONOTONIC_COARSE)
RD_CGT(vdso_realtime_coarse, kernel_cgt, CLOCK_REALTIME_COARSE)
RD_CGT(libc_monotonic, clock_gettime, CLOCK_MONOTONIC)
RD_CGT(dropin_monotonic, dropin_cgt, CLOCK_MONOTONIC)
static inline uint64_t rd_syscall_monotonic(const void *a, unsigned *err)
{
	struct timespec *ts = (struct timespec *)a;

	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, ts) != 0)
		(*err)++;
	return ts_ns(ts);
}
CB_PATH(vdso_monotonic, TS)
CB_PATH(vdso_realtime, TS)
CB_PATH(vdso_monotonic_raw, TS)
CB_PATH(vdso_boottime, TS)
CB_PATH(vdso_monotonic_coarse, TS)
CB_PATH(vdso_realtime_coarse, TS)
CB_PATH(libc_monotonic, TS)
CB_PATH(syscall_monotonic, TS)
CB_PATH(dropin_monotonic, TS)

static void timer_nop_batches(double *out, size_t nb)
{
	for (size_t b = 0; b < nb; b++) {
		uint64_t t0 = cb_timer_start();

		out[b] = (double)(cb_timer_end() - t0);
	}
}

void cb_timer_batches(double *out, size_t nb)
{
	timer_nop_batches(out, nb);
}

/* ---- availability ---- */
static int need_rdtscp(const struct cb_path *p, const char **why)
{
	struct pvclock_cpu_features f;

	(void)p;
	pvclock_cpu_features(&f);
	if (!f.rdtscp) {
		*why = "CPU has no RDTSCP (CPUID.80000001:EDX[27])";
		return -1;
	}
	return 0;
}

static int need_getcpu(enum pvclock_getcpu_method m, const char **why)
{
	return pvclock_getcpu_probe(m, why) == PVCLOCK_OK ? 0 : -1;
}

static int setup_getcpu_rdpid(const struct cb_path *p, const char **why)
{
	(void)p;
	return need_getcpu(PVCLOCK_GETCPU_RDPID, why);
}
static int setup_getcpu_rdtscp(const struct cb_path *p, const char **why)
{
	(void)p;
	return need_getcpu(PVCLOCK_GETCPU_RDTSCP, why);
}
static int setup_getcpu_vdso(const struct cb_path *p, const char **why)
{
	(void)p;
	return need_getcpu(PVCLOCK_GETCPU_VDSO, why);
}
static int setup_getcpu_rseq(const struct cb_path *p, const char **why)
{
	(void)p;
	return need_getcpu(PVCLOCK_GETCPU_RSEQ, why);
}
static int setup_getcpu_syscall(const struct cb_path *p, const char **why)
{
	(void)p;
	return need_getcpu(PVCLOCK_GETCPU_SYSCALL, why);
}
static int setup_getcpu_libc(const struct cb_path *p, const char **why)
{
	(void)p;
	if (sched_getcpu() < 0) {
		*why = "sched_getcpu() failed";
		return -1;
	}
	return 0;
}

static int need_kernel_src(const char **why)
{
	if (cb_state.kernel_src_rc != PVCLOCK_OK) {
		*why = cb_state.kernel_src_rc == PVCLOCK_ENOPAGE
			       ? "no pvclock page: not a KVM/Xen guest, or kvm-clock never enabled"
			       : pvclock_strerror(cb_state.kernel_src_rc);
		return -1;
	}
	return 0;
}

/* A read that fails here (unstable TSC, no rseq) is unavailable, with the library's reason. */
static int try_read(const struct cb_path *p, const char **why)
{
	uint64_t errors = 0;

	p->loop(16, &errors);
	if (errors) {
		static char buf[16][96];
		static unsigned next;
		char *b = buf[next++ % (sizeof(buf) / sizeof(buf[0]))];
		struct pvclock_time t;
		int rc;

		/* Ask the protocol again for its status, to name it. */
		if (strstr(p->id, "vcpu0"))
			rc = pvclock_read_vcpu0(&cb_pv, &t);
		else if (strstr(p->id, "rseq"))
			rc = pvclock_read_rseq(&cb_pv, &t);
		else
			rc = PVCLOCK_EARG;
		snprintf(b, 96, "read fails: %s", rc == PVCLOCK_OK ? "intermittently" : pvclock_strerror(rc));
		*why = b;
		return -1;
	}
	return 0;
}

static int setup_pv_floor(const struct cb_path *p, const char **why)
{
	(void)p;
	return need_kernel_src(why);
}

static int setup_pv(const struct cb_path *p, const char **why)
{
	if (need_kernel_src(why))
		return -1;
	return try_read(p, why);
}
static int setup_pv_rdtscp(const struct cb_path *p, const char **why)
{
	if (need_rdtscp(p, why) || need_kernel_src(why))
		return -1;
	return try_read(p, why);
}
static int setup_pv_rseq(const struct cb_path *p, const char **why)
{
	if (need_kernel_src(why) || need_getcpu(PVCLOCK_GETCPU_RSEQ, why))
		return -1;
	if (strstr(p->id, "rdtscp") && need_rdtscp(p, why))
		return -1;
	return try_read(p, why);
}
static int setup_pv_percpu_rdpid(const struct cb_path *p, const char **why)
{
	return need_kernel_src(why) || setup_getcpu_rdpid(p, why) ? -1 : try_read(p, why);
}
static int setup_pv_percpu_rdtscp(const struct cb_path *p, const char **why)
{
	return need_kernel_src(why) || setup_getcpu_rdtscp(p, why) ? -1 : try_read(p, why);
}
static int setup_pv_percpu_vdso(const struct cb_path *p, const char **why)
{
	return need_kernel_src(why) || setup_getcpu_vdso(p, why) ? -1 : try_read(p, why);
}
static int setup_pv_percpu_syscall(const struct cb_path *p, const char **why)
{
	return need_kernel_src(why) || setup_getcpu_syscall(p, why) ? -1 : try_read(p, why);
}
static int setup_pv_migrate(const struct cb_path *p, const char **why)
{
	if (!cb_sim_migrate_ok) {
		*why = cb_state.sim_why;
		return -1;
	}
	return try_read(p, why);
}

static int setup_kernel_cgt(const struct cb_path *p, const char **why)
{
	struct timespec ts;

	(void)p;
	if (!kernel_cgt) {
		*why = "kernel vDSO has no __vdso_clock_gettime";
		return -1;
	}
	if (kernel_cgt(p->clock_id, &ts) != 0) {
		*why = "the kernel vDSO refuses this clock";
		return -1;
	}
	return 0;
}
static int setup_always(const struct cb_path *p, const char **why)
{
	(void)p, (void)why;
	return 0;
}
static int setup_dropin(const struct cb_path *p, const char **why)
{
	struct timespec ts;

	if (!dropin_cgt) {
		*why = cb_state.dropin_why;
		return -1;
	}
	if (dropin_cgt(p->clock_id, &ts) != 0) {
		*why = "the drop-in refuses CLOCK_MONOTONIC";
		return -1;
	}
	return 0;
}

#define LOOPS(name) name##_loop, name##_chain, name##_batches, name##_read
#define GETCPU_FREE_PV (CB_GETCPU_FREE | CB_CHAIN_BOUND)

const struct cb_path cb_paths[] = {
	{ "rdtsc", "rdtsc", CB_GROUP_FLOOR, CB_UNIT_TICKS, CB_GETCPU_FREE, -1,
	  setup_always, LOOPS(rdtsc) },
	{ "lfence_rdtsc", "lfence; rdtsc", CB_GROUP_FLOOR, CB_UNIT_TICKS, CB_GETCPU_FREE, -1,
	  setup_always, LOOPS(lfence_rdtsc) },
	{ "rdtscp", "rdtscp", CB_GROUP_FLOOR, CB_UNIT_TICKS, CB_GETCPU_FREE, -1,
	  need_rdtscp, LOOPS(rdtscp) },

	{ "load_lfence_rdtsc", "mov slot0.version; lfence; rdtsc", CB_GROUP_FLOOR, CB_UNIT_TICKS,
	  CB_GETCPU_FREE | CB_CHAIN_BOUND, -1, setup_pv_floor, LOOPS(load_lfence_rdtsc) },

	{ "getcpu_rdpid", "rdpid", CB_GROUP_GETCPU, CB_UNIT_CPU, 0, -1,
	  setup_getcpu_rdpid, LOOPS(getcpu_rdpid) },
	{ "getcpu_rdtscp", "rdtscp (TSC_AUX)", CB_GROUP_GETCPU, CB_UNIT_CPU, 0, -1,
	  setup_getcpu_rdtscp, LOOPS(getcpu_rdtscp) },
	{ "getcpu_vdso", "call __vdso_getcpu (kernel vDSO)", CB_GROUP_GETCPU, CB_UNIT_CPU, 0, -1,
	  setup_getcpu_vdso, LOOPS(getcpu_vdso) },
	{ "getcpu_libc", "call sched_getcpu (libc)", CB_GROUP_GETCPU, CB_UNIT_CPU, 0, -1,
	  setup_getcpu_libc, LOOPS(getcpu_libc) },
	{ "getcpu_rseq", "mov rseq.cpu_id (thread's rseq area)", CB_GROUP_GETCPU, CB_UNIT_CPU, 0,
	  -1, setup_getcpu_rseq, LOOPS(getcpu_rseq) },
	{ "getcpu_syscall", "syscall getcpu", CB_GROUP_GETCPU, CB_UNIT_CPU, 0, -1,
	  setup_getcpu_syscall, LOOPS(getcpu_syscall) },

	{ "pv_vcpu0_lfence", "vcpu0 slot: version; lfence; rdtsc; fields; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, GETCPU_FREE_PV | CB_STORM, CLOCK_MONOTONIC_RAW,
	  setup_pv, LOOPS(pv_vcpu0_lfence) },
	{ "pv_vcpu0_rdtscp", "vcpu0 slot: version; rdtscp; fields; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, GETCPU_FREE_PV, CLOCK_MONOTONIC_RAW,
	  setup_pv_rdtscp, LOOPS(pv_vcpu0_rdtscp) },
	{ "pv_rseq_lfence", "rseq cs: cpu_id_start; slot version; lfence; rdtsc; fields; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, GETCPU_FREE_PV | CB_STORM, CLOCK_MONOTONIC_RAW,
	  setup_pv_rseq, LOOPS(pv_rseq_lfence) },
	{ "pv_rseq_rdtscp", "rseq cs: cpu_id_start; slot version; rdtscp; fields; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, GETCPU_FREE_PV, CLOCK_MONOTONIC_RAW,
	  setup_pv_rseq, LOOPS(pv_rseq_rdtscp) },
	{ "pv_percpu_rdpid", "rdpid; version; lfence; rdtsc; fields; rdpid; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND | CB_STORM, CLOCK_MONOTONIC_RAW,
	  setup_pv_percpu_rdpid, LOOPS(pv_percpu_rdpid) },
	{ "pv_percpu_rdtscp", "rdtscp (aux); version; rdtscp (tsc, aux); fields; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_MONOTONIC_RAW,
	  setup_pv_percpu_rdtscp, LOOPS(pv_percpu_rdtscp) },
	{ "pv_percpu_vdso", "__vdso_getcpu; version; lfence; rdtsc; fields; __vdso_getcpu; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_MONOTONIC_RAW,
	  setup_pv_percpu_vdso, LOOPS(pv_percpu_vdso) },
	{ "pv_percpu_rseq", "rseq.cpu_id; version; lfence; rdtsc; fields; rseq.cpu_id; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_MONOTONIC_RAW,
	  setup_pv_rseq, LOOPS(pv_percpu_rseq) },
	{ "pv_percpu_syscall", "getcpu syscall; version; lfence; rdtsc; fields; getcpu syscall; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_MONOTONIC_RAW,
	  setup_pv_percpu_syscall, LOOPS(pv_percpu_syscall) },
	{ "pv_migrate", "getcpu; count; getcpu; version; lfence; rdtsc; fields; version; count",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND | CB_SIMULATED, -1,
	  setup_pv_migrate, LOOPS(pv_migrate) },

	{ "vdso_monotonic", "call __vdso_clock_gettime(CLOCK_MONOTONIC)", CB_GROUP_INCUMBENT,
	  CB_UNIT_NS, CB_CHAIN_BOUND | CB_KERNEL_VDSO, CLOCK_MONOTONIC, setup_kernel_cgt,
	  LOOPS(vdso_monotonic) },
	{ "vdso_realtime", "call __vdso_clock_gettime(CLOCK_REALTIME)", CB_GROUP_INCUMBENT,
	  CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_REALTIME, setup_kernel_cgt, LOOPS(vdso_realtime) },
	{ "vdso_monotonic_raw", "call __vdso_clock_gettime(CLOCK_MONOTONIC_RAW)",
	  CB_GROUP_INCUMBENT, CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_MONOTONIC_RAW, setup_kernel_cgt,
	  LOOPS(vdso_monotonic_raw) },
	{ "vdso_boottime", "call __vdso_clock_gettime(CLOCK_BOOTTIME)", CB_GROUP_INCUMBENT,
	  CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_BOOTTIME, setup_kernel_cgt, LOOPS(vdso_boottime) },
	{ "vdso_monotonic_coarse", "call __vdso_clock_gettime(CLOCK_MONOTONIC_COARSE)",
	  CB_GROUP_INCUMBENT, CB_UNIT_NS, CB_CHAIN_BOUND | CB_COARSE, CLOCK_MONOTONIC_COARSE,
	  setup_kernel_cgt, LOOPS(vdso_monotonic_coarse) },
	{ "vdso_realtime_coarse", "call __vdso_clock_gettime(CLOCK_REALTIME_COARSE)",
	  CB_GROUP_INCUMBENT, CB_UNIT_NS, CB_CHAIN_BOUND | CB_COARSE, CLOCK_REALTIME_COARSE,
	  setup_kernel_cgt, LOOPS(vdso_realtime_coarse) },
	{ "libc_monotonic", "call clock_gettime(CLOCK_MONOTONIC) (libc)", CB_GROUP_INCUMBENT,
	  CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_MONOTONIC, setup_always, LOOPS(libc_monotonic) },
	{ "syscall_monotonic", "syscall clock_gettime(CLOCK_MONOTONIC)", CB_GROUP_INCUMBENT,
	  CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_MONOTONIC, setup_always, LOOPS(syscall_monotonic) },
	{ "dropin_monotonic", "call pvclock drop-in __vdso_clock_gettime(CLOCK_MONOTONIC)",
	  CB_GROUP_INCUMBENT, CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_MONOTONIC, setup_dropin,
	  LOOPS(dropin_monotonic) },
};

const size_t cb_nr_paths = sizeof(cb_paths) / sizeof(cb_paths[0]);

static void load_dropin(const char *argv0, const char *path)
{
#ifdef CB_HAVE_DLOPEN
	static char guess[PATH_MAX];
	void *h;

	if (!path || !*path)
		path = getenv("PVCLOCK_VDSO_LIB");
	if (!path || !*path) {
		const char *slash = strrchr(argv0, '/');
		int dir = slash ? (int)(slash - argv0) : 1;

		snprintf(guess, sizeof(guess), "%.*s/../vdso/libpvclock-vdso.so", dir,
			 slash ? argv0 : ".");
		path = guess;
	}
	cb_state.dropin_path = path;
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		static char why[256];

		snprintf(why, sizeof(why), "not loaded (%s); give --vdso PATH or PVCLOCK_VDSO_LIB",
			 dlerror());
		cb_state.dropin_why = why;
		return;
	}
	dropin_cgt = (cb_cgt_fn)dlsym(h, "__vdso_clock_gettime");
	if (!dropin_cgt)
		cb_state.dropin_why = "library has no __vdso_clock_gettime";
#else
	(void)argv0, (void)path;
	cb_state.dropin_why = "static build: no dlopen; use the dynamic clockbench";
#endif
}

void cb_paths_init(const char *argv0, const char *dropin_path)
{
	memset(&cb_state, 0, sizeof(cb_state));
	cb_state.kernel_src_rc = pvclock_source_open_kernel(&cb_state.kernel_src);
	cb_pv = cb_state.kernel_src;
	cb_state.best_getcpu = pvclock_getcpu_best();
	/* Resolves the vDSO getcpu the rows above call. */
	pvclock_getcpu_probe(PVCLOCK_GETCPU_VDSO, NULL);
	kernel_cgt = (cb_cgt_fn)pvclock_kernel_vdso_sym("__vdso_clock_gettime");
	load_dropin(argv0, dropin_path);
	cb_sim_init(&cb_state.sim_why);
}
