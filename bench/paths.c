/* SPDX-License-Identifier: MIT */
/*
 * The measured paths.  Each read is a static inline function of one opaque
 * argument (the source, or where clock_gettime writes); CB_PATH() expands
 * it into the measuring loops so that no call through a pointer is timed
 * that the path itself does not make.
 */
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "absl.h"
#include "avail.h"
#include "paths.h"
#include "sim.h"

struct pvclock_source cb_pv;
volatile int cb_last_status;

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
/*
 * The whole version protocol on vCPU 0's slot without the scaling that
 * turns its fields into time: what the protocol costs beyond the floor.
 */
static inline uint64_t rd_vcpu0_unscaled(const void *a, unsigned *err)
{
	const struct pvclock_source *src = a;
	const volatile struct pvclock_record *r = (const volatile struct pvclock_record *)src->slots;
	uint32_t budget = src->max_retries, v;
	struct pvclock_fields f;
	uint64_t tsc;

	do {
		if (__builtin_expect(budget-- == 0, 0)) {
			(*err)++;
			return 0;
		}
		v = pvclock_read_begin(r);
		tsc = pvclock_rdtsc_lfence();
		pvclock_load_fields(r, &f);
	} while (pvclock_read_retry(r, v));
	return tsc + f.system_time;
}
CB_PATH(rdtsc, NO_ARG)
CB_PATH(lfence_rdtsc, NO_ARG)
CB_PATH(rdtscp, NO_ARG)
CB_PATH(load_lfence_rdtsc, PV_SRC)
CB_PATH(vcpu0_unscaled, PV_SRC)

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
/*
 * A vCPU-0 read clamped to a process-wide last value, as clocks that cannot
 * trust TSC_STABLE do: one written cache line shared by every thread, to
 * show what such a line costs when threads read at once.
 */
static uint64_t clamp_last __attribute__((aligned(64)));

static inline uint64_t rd_pv_vcpu0_clamped(const void *a, unsigned *err)
{
	uint64_t ns = rd_pv_vcpu0_lfence(a, err);
	uint64_t last = __atomic_load_n(&clamp_last, __ATOMIC_RELAXED);

	do {
		if (ns <= last)
			return last;
	} while (!__atomic_compare_exchange_n(&clamp_last, &last, ns, 1, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return ns;
}
CB_PATH(pv_vcpu0_lfence, PV_SRC)
CB_PATH(pv_vcpu0_clamped, PV_SRC)
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
RD_CGT(vdso_monotonic, cb_kernel_cgt, CLOCK_MONOTONIC)
RD_CGT(vdso_realtime, cb_kernel_cgt, CLOCK_REALTIME)
RD_CGT(vdso_monotonic_raw, cb_kernel_cgt, CLOCK_MONOTONIC_RAW)
RD_CGT(vdso_boottime, cb_kernel_cgt, CLOCK_BOOTTIME)
RD_CGT(vdso_monotonic_coarse, cb_kernel_cgt, CLOCK_MONOTONIC_COARSE)
RD_CGT(vdso_realtime_coarse, cb_kernel_cgt, CLOCK_REALTIME_COARSE)
RD_CGT(libc_monotonic, clock_gettime, CLOCK_MONOTONIC)
RD_CGT(dropin_monotonic, cb_dropin_cgt, CLOCK_MONOTONIC)
/* The library's clocks (pvclock/clock.h): inline, as a program linked with libpvclock.a calls them. */
RD_CGT(lib_monotonic, pvclock_clock_gettime, CLOCK_MONOTONIC)
RD_CGT(lib_realtime, pvclock_clock_gettime, CLOCK_REALTIME)
RD_CGT(lib_monotonic_raw, pvclock_clock_gettime, CLOCK_MONOTONIC_RAW)
RD_CGT(lib_boottime, pvclock_clock_gettime, CLOCK_BOOTTIME)
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
/* Timestamps (pvclock/stamp.h), and Abseil's where it is built in. */
#define RD_STAMP(name, expr)                                                                \
	static inline uint64_t rd_##name(const void *a, unsigned *err)                      \
	{                                                                                   \
		int64_t v = (expr);                                                         \
		(void)a;                                                                    \
		if (__builtin_expect(v == PVCLOCK_STAMP_INVALID, 0))                        \
			(*err)++;                                                           \
		return (uint64_t)v;                                                         \
	}
RD_STAMP(stamp_monotonic, pvclock_stamp_ns(CLOCK_MONOTONIC))
RD_STAMP(stamp_realtime, pvclock_stamp_ns(CLOCK_REALTIME))
RD_STAMP(stamp_monotonic_ordered, pvclock_stamp_ns_ordered(CLOCK_MONOTONIC))
RD_STAMP(absl_realtime, cb_absl_now_ns())
static inline uint64_t rd_stamp_ticks(const void *a, unsigned *err)
{
	(void)a, (void)err;
	return pvclock_stamp_ticks();
}
CB_PATH(stamp_monotonic, NO_ARG)
CB_PATH(stamp_realtime, NO_ARG)
CB_PATH(stamp_monotonic_ordered, NO_ARG)
CB_PATH(stamp_ticks, NO_ARG)
CB_PATH(absl_realtime, NO_ARG)
/* The VMClock page's time (pvclock/vmclock.h), in ns of its time type. */
static inline uint64_t rd_vmclock(const void *a, unsigned *err)
{
	struct pvclock_vmclock_time t;
	int rc = pvclock_vmclock_read(&cb_state.vmclock, &t);

	(void)a;
	if (__builtin_expect(rc != PVCLOCK_OK, 0)) {
		cb_last_status = rc;
		(*err)++;
		return 0;
	}
	return (uint64_t)t.sec * 1000000000u + t.nsec;
}
CB_PATH(vmclock, NO_ARG)
CB_PATH(lib_monotonic, TS)
CB_PATH(lib_realtime, TS)
CB_PATH(lib_monotonic_raw, TS)
CB_PATH(lib_boottime, TS)

void cb_timer_batches(double *out, size_t nb)
{
	for (size_t b = 0; b < nb; b++) {
		uint64_t t0 = cb_timer_start();

		out[b] = (double)(cb_timer_end() - t0);
	}
}

#define LOOPS(name) name##_loop, name##_chain, name##_batches, name##_read
#define GETCPU_FREE_PV (CB_GETCPU_FREE | CB_CHAIN_BOUND)

const struct cb_path cb_paths[] = {
	{ "rdtsc", "rdtsc", CB_GROUP_FLOOR, CB_UNIT_TICKS, CB_GETCPU_FREE, -1,
	  cb_avail_always, LOOPS(rdtsc) },
	{ "lfence_rdtsc", "lfence; rdtsc", CB_GROUP_FLOOR, CB_UNIT_TICKS, CB_GETCPU_FREE, -1,
	  cb_avail_always, LOOPS(lfence_rdtsc) },
	{ "rdtscp", "rdtscp", CB_GROUP_FLOOR, CB_UNIT_TICKS, CB_GETCPU_FREE, -1,
	  cb_avail_rdtscp, LOOPS(rdtscp) },

	{ "load_lfence_rdtsc", "mov slot0.version; lfence; rdtsc", CB_GROUP_FLOOR, CB_UNIT_TICKS,
	  CB_GETCPU_FREE | CB_CHAIN_BOUND, -1, cb_avail_pv_floor, LOOPS(load_lfence_rdtsc) },
	{ "vcpu0_unscaled", "vcpu0 slot: version; lfence; rdtsc; fields; version (no scaling)",
	  CB_GROUP_FLOOR, CB_UNIT_NONE, CB_GETCPU_FREE | CB_CHAIN_BOUND, -1, cb_avail_pv_floor,
	  LOOPS(vcpu0_unscaled) },

	{ "getcpu_rdpid", "rdpid", CB_GROUP_GETCPU, CB_UNIT_CPU, 0, -1,
	  cb_avail_getcpu_rdpid, LOOPS(getcpu_rdpid) },
	{ "getcpu_rdtscp", "rdtscp (TSC_AUX)", CB_GROUP_GETCPU, CB_UNIT_CPU, 0, -1,
	  cb_avail_getcpu_rdtscp, LOOPS(getcpu_rdtscp) },
	{ "getcpu_vdso", "call __vdso_getcpu (kernel vDSO)", CB_GROUP_GETCPU, CB_UNIT_CPU, 0, -1,
	  cb_avail_getcpu_vdso, LOOPS(getcpu_vdso) },
	{ "getcpu_libc", "call sched_getcpu (libc)", CB_GROUP_GETCPU, CB_UNIT_CPU, 0, -1,
	  cb_avail_getcpu_libc, LOOPS(getcpu_libc) },
	{ "getcpu_rseq", "mov rseq.cpu_id (thread's rseq area)", CB_GROUP_GETCPU, CB_UNIT_CPU, 0,
	  -1, cb_avail_getcpu_rseq, LOOPS(getcpu_rseq) },
	{ "getcpu_syscall", "syscall getcpu", CB_GROUP_GETCPU, CB_UNIT_CPU, 0, -1,
	  cb_avail_getcpu_syscall, LOOPS(getcpu_syscall) },

	{ "pv_vcpu0_lfence", "vcpu0 slot: version; lfence; rdtsc; fields; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, GETCPU_FREE_PV | CB_STORM, CLOCK_MONOTONIC_RAW,
	  cb_avail_pv, LOOPS(pv_vcpu0_lfence) },
	{ "pv_vcpu0_rdtscp", "vcpu0 slot: version; rdtscp; fields; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, GETCPU_FREE_PV, CLOCK_MONOTONIC_RAW,
	  cb_avail_pv_rdtscp, LOOPS(pv_vcpu0_rdtscp) },
	{ "pv_vcpu0_clamped", "pv_vcpu0_lfence; lock cmpxchg to a shared last value",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND | CB_SHARED_WRITE, CLOCK_MONOTONIC_RAW,
	  cb_avail_pv, LOOPS(pv_vcpu0_clamped) },
	{ "pv_rseq_lfence", "rseq cs: cpu_id_start; slot version; lfence; rdtsc; fields; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, GETCPU_FREE_PV | CB_STORM, CLOCK_MONOTONIC_RAW,
	  cb_avail_pv_rseq, LOOPS(pv_rseq_lfence) },
	{ "pv_rseq_rdtscp", "rseq cs: cpu_id_start; slot version; rdtscp; fields; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, GETCPU_FREE_PV, CLOCK_MONOTONIC_RAW,
	  cb_avail_pv_rseq, LOOPS(pv_rseq_rdtscp) },
	{ "pv_percpu_rdpid", "rdpid; version; lfence; rdtsc; fields; rdpid; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND | CB_STORM, CLOCK_MONOTONIC_RAW,
	  cb_avail_pv_percpu_rdpid, LOOPS(pv_percpu_rdpid) },
	{ "pv_percpu_rdtscp", "rdtscp (aux); version; rdtscp (tsc, aux); fields; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_MONOTONIC_RAW,
	  cb_avail_pv_percpu_rdtscp, LOOPS(pv_percpu_rdtscp) },
	{ "pv_percpu_vdso", "__vdso_getcpu; version; lfence; rdtsc; fields; __vdso_getcpu; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_MONOTONIC_RAW,
	  cb_avail_pv_percpu_vdso, LOOPS(pv_percpu_vdso) },
	{ "pv_percpu_rseq", "rseq.cpu_id; version; lfence; rdtsc; fields; rseq.cpu_id; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_MONOTONIC_RAW,
	  cb_avail_pv_rseq, LOOPS(pv_percpu_rseq) },
	{ "pv_percpu_syscall", "getcpu syscall; version; lfence; rdtsc; fields; getcpu syscall; version",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_MONOTONIC_RAW,
	  cb_avail_pv_percpu_syscall, LOOPS(pv_percpu_syscall) },
	{ "lib_monotonic", "pvclock_clock_gettime(CLOCK_MONOTONIC) (library, inline)",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND | CB_KERNEL_CLOCK, CLOCK_MONOTONIC, cb_avail_lib_clock,
	  LOOPS(lib_monotonic) },
	{ "lib_realtime", "pvclock_clock_gettime(CLOCK_REALTIME) (library, inline)",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND | CB_KERNEL_CLOCK, CLOCK_REALTIME, cb_avail_lib_clock,
	  LOOPS(lib_realtime) },
	{ "lib_monotonic_raw", "pvclock_clock_gettime(CLOCK_MONOTONIC_RAW) (library, inline)",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND | CB_KERNEL_CLOCK, CLOCK_MONOTONIC_RAW, cb_avail_lib_clock,
	  LOOPS(lib_monotonic_raw) },
	{ "lib_boottime", "pvclock_clock_gettime(CLOCK_BOOTTIME) (library, inline)",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND | CB_KERNEL_CLOCK, CLOCK_BOOTTIME, cb_avail_lib_clock,
	  LOOPS(lib_boottime) },
	{ "pv_migrate", "getcpu; count; getcpu; version; lfence; rdtsc; fields; version; count",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_CHAIN_BOUND | CB_SIMULATED, -1,
	  cb_avail_pv_migrate, LOOPS(pv_migrate) },

	{ "vdso_monotonic", "call __vdso_clock_gettime(CLOCK_MONOTONIC)", CB_GROUP_INCUMBENT,
	  CB_UNIT_NS, CB_CHAIN_BOUND | CB_KERNEL_VDSO | CB_KERNEL_CLOCK, CLOCK_MONOTONIC, cb_avail_kernel_cgt,
	  LOOPS(vdso_monotonic) },
	{ "vdso_realtime", "call __vdso_clock_gettime(CLOCK_REALTIME)", CB_GROUP_INCUMBENT,
	  CB_UNIT_NS, CB_CHAIN_BOUND | CB_KERNEL_CLOCK, CLOCK_REALTIME, cb_avail_kernel_cgt, LOOPS(vdso_realtime) },
	{ "vdso_monotonic_raw", "call __vdso_clock_gettime(CLOCK_MONOTONIC_RAW)",
	  CB_GROUP_INCUMBENT, CB_UNIT_NS, CB_CHAIN_BOUND | CB_KERNEL_CLOCK, CLOCK_MONOTONIC_RAW, cb_avail_kernel_cgt,
	  LOOPS(vdso_monotonic_raw) },
	{ "vdso_boottime", "call __vdso_clock_gettime(CLOCK_BOOTTIME)", CB_GROUP_INCUMBENT,
	  CB_UNIT_NS, CB_CHAIN_BOUND | CB_KERNEL_CLOCK, CLOCK_BOOTTIME, cb_avail_kernel_cgt, LOOPS(vdso_boottime) },
	{ "vdso_monotonic_coarse", "call __vdso_clock_gettime(CLOCK_MONOTONIC_COARSE)",
	  CB_GROUP_INCUMBENT, CB_UNIT_NS, CB_CHAIN_BOUND | CB_COARSE, CLOCK_MONOTONIC_COARSE,
	  cb_avail_kernel_cgt, LOOPS(vdso_monotonic_coarse) },
	{ "vdso_realtime_coarse", "call __vdso_clock_gettime(CLOCK_REALTIME_COARSE)",
	  CB_GROUP_INCUMBENT, CB_UNIT_NS, CB_CHAIN_BOUND | CB_COARSE, CLOCK_REALTIME_COARSE,
	  cb_avail_kernel_cgt, LOOPS(vdso_realtime_coarse) },
	{ "libc_monotonic", "call clock_gettime(CLOCK_MONOTONIC) (libc)", CB_GROUP_INCUMBENT,
	  CB_UNIT_NS, CB_CHAIN_BOUND | CB_KERNEL_CLOCK, CLOCK_MONOTONIC, cb_avail_always, LOOPS(libc_monotonic) },
	{ "syscall_monotonic", "syscall clock_gettime(CLOCK_MONOTONIC)", CB_GROUP_INCUMBENT,
	  CB_UNIT_NS, CB_CHAIN_BOUND, CLOCK_MONOTONIC, cb_avail_always, LOOPS(syscall_monotonic) },
	{ "dropin_monotonic", "call pvclock drop-in __vdso_clock_gettime(CLOCK_MONOTONIC)",
	  CB_GROUP_INCUMBENT, CB_UNIT_NS, CB_CHAIN_BOUND | CB_KERNEL_CLOCK, CLOCK_MONOTONIC,
	  cb_avail_dropin, LOOPS(dropin_monotonic) },

	{ "vmclock", "seq_count; lfence; rdtsc; lfence; fields; seq_count (pvclock_vmclock_read)",
	  CB_GROUP_PVCLOCK, CB_UNIT_NS, CB_GETCPU_FREE, CLOCK_REALTIME, cb_avail_vmclock,
	  LOOPS(vmclock) },

	{ "stamp_ticks", "rdtsc (pvclock_stamp_ticks: raw capture, converted later)", CB_GROUP_STAMP,
	  CB_UNIT_TICKS, CB_GETCPU_FREE, -1, cb_avail_always, LOOPS(stamp_ticks) },
	{ "stamp_monotonic", "keys; rdtsc; one multiply (pvclock_stamp_ns(CLOCK_MONOTONIC))",
	  CB_GROUP_STAMP, CB_UNIT_NS, CB_GETCPU_FREE | CB_KERNEL_CLOCK, CLOCK_MONOTONIC,
	  cb_avail_stamp, LOOPS(stamp_monotonic) },
	{ "stamp_realtime", "keys; rdtsc; one multiply (pvclock_stamp_ns(CLOCK_REALTIME))",
	  CB_GROUP_STAMP, CB_UNIT_NS, CB_GETCPU_FREE | CB_KERNEL_CLOCK, CLOCK_REALTIME,
	  cb_avail_stamp, LOOPS(stamp_realtime) },
	{ "stamp_monotonic_ordered", "keys; rdtscp; one multiply (pvclock_stamp_ns_ordered)",
	  CB_GROUP_STAMP, CB_UNIT_NS, CB_GETCPU_FREE | CB_KERNEL_CLOCK, CLOCK_MONOTONIC,
	  cb_avail_stamp, LOOPS(stamp_monotonic_ordered) },
	{ "absl_realtime", "absl::GetCurrentTimeNanos() (rdtsc, calibrated rate)", CB_GROUP_STAMP,
	  CB_UNIT_NS, CB_GETCPU_FREE | CB_KERNEL_CLOCK, CLOCK_REALTIME, cb_avail_absl,
	  LOOPS(absl_realtime) },
};

const size_t cb_nr_paths = sizeof(cb_paths) / sizeof(cb_paths[0]);
