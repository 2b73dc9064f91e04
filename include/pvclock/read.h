/* SPDX-License-Identifier: MIT */
/*
 * pvclock/read.h - the read protocols.
 *
 * Each turns one TSC read into the host's clock in nanoseconds, using a
 * record read consistently under the version protocol: the host makes the
 * version odd, rewrites the record, makes it even; a reader retries when the
 * version was odd or changed across its read.  Every loop is bounded by
 * src->max_retries and ends in PVCLOCK_ESTUCK rather than spinning forever.
 *
 * Every read returns PVCLOCK_OK and fills *@t, or returns a status and
 * leaves *@t alone: PVCLOCK_EARG when @src or @t is NULL, PVCLOCK_ENOSOURCE
 * when @src is not open (the rseq read answers PVCLOCK_ENORSEQ first where
 * the thread has no rseq), PVCLOCK_EINVALID when the record's multiplier is
 * 0, and the protocol's own statuses below.  Flags other than TSC_STABLE
 * do not change the time: PVCLOCK_GUEST_STOPPED (the host paused the
 * guest; the kernel clears it from its own mapping) and bits this library
 * does not know are handed back in t->flags for the caller to act on.
 */
#ifndef PVCLOCK_READ_H
#define PVCLOCK_READ_H

#include <stdint.h>

#include "pvclock/abi.h"
#include "pvclock/error.h"
#include "pvclock/getcpu.h"
#include "pvclock/math.h"
#include "pvclock/rseq.h"
#include "pvclock/source.h"
#include "pvclock/tsc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* struct pvclock_time - one reading. */
struct pvclock_time {
	uint64_t ns;      /* the host's clock, ns (KVM: since the guest booted) */
	uint64_t tsc;     /* the TSC value it was computed from */
	uint32_t cpu;     /* the vCPU whose record was used */
	uint32_t flags;   /* that record's flags */
};

enum pvclock_protocol {
	PVCLOCK_PROTO_VCPU0 = 0,  /* vCPU 0's record, no getcpu; needs TSC_STABLE */
	PVCLOCK_PROTO_PERCPU,     /* own vCPU's record, getcpu before and after */
	PVCLOCK_PROTO_MIGRATE,    /* own vCPU's record, guarded by its migration counter */
	PVCLOCK_PROTO_RSEQ,       /* own vCPU's record inside an rseq critical section */
	PVCLOCK_PROTO_NR
};

/*
 * pvclock_read_begin - the version to compare against, with bit 0 cleared
 * so that a record caught mid-update can never compare equal.
 */
static inline uint32_t pvclock_read_begin(const volatile struct pvclock_record *r)
{
	uint32_t v = r->version & ~1u;

	/* x86 keeps loads in order; only the compiler must not hoist the field loads. */
	pvclock_barrier();
	return v;
}

/* pvclock_read_retry - true when the record changed since pvclock_read_begin(). */
static inline int pvclock_read_retry(const volatile struct pvclock_record *r, uint32_t v)
{
	/* The field loads must be done before the version is loaded again. */
	pvclock_barrier();
	return __builtin_expect(r->version != v, 0);
}

struct pvclock_fields {
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t mul;
	int8_t shift;
	uint8_t flags;
};

static inline void pvclock_load_fields(const volatile struct pvclock_record *r,
				       struct pvclock_fields *f)
{
	f->tsc_timestamp = r->tsc_timestamp;
	f->system_time = r->system_time;
	f->mul = r->tsc_to_system_mul;
	f->shift = r->tsc_shift;
	f->flags = r->flags;
}

static inline int pvclock_finish(const struct pvclock_fields *f, uint64_t tsc, uint32_t cpu,
				 struct pvclock_time *t)
{
	if (__builtin_expect(f->mul == 0, 0))
		return PVCLOCK_EINVALID;
	t->ns = pvclock_time_at(f->system_time, f->tsc_timestamp, f->mul, f->shift, tsc);
	t->tsc = tsc;
	t->cpu = cpu;
	t->flags = f->flags;
	return PVCLOCK_OK;
}

/*
 * pvclock_read_vcpu0_mode - vCPU 0's record, whichever vCPU this runs on.
 * Valid only while TSC_STABLE is set (the host then publishes one
 * (tsc_timestamp, system_time) pair to all vCPUs and updates them in
 * lockstep); otherwise PVCLOCK_EUNSTABLE and *@t is left alone.
 */
static inline int pvclock_read_vcpu0_mode(const struct pvclock_source *src,
					  struct pvclock_time *t, enum pvclock_tsc_mode mode)
{
	const volatile struct pvclock_record *r;
	uint32_t budget, v, aux;
	struct pvclock_fields f;
	uint64_t tsc;

	if (__builtin_expect(!src || !t, 0))
		return PVCLOCK_EARG;
	r = (const volatile struct pvclock_record *)src->slots;
	budget = src->max_retries;
	do {
		if (__builtin_expect(budget-- == 0, 0))
			return pvclock_source_status_stuck(src);
		v = pvclock_read_begin(r);
		tsc = pvclock_tsc_read(mode, &aux);
		pvclock_load_fields(r, &f);
	} while (pvclock_read_retry(r, v));

	if (__builtin_expect(!(f.flags & PVCLOCK_TSC_STABLE), 0))
		return PVCLOCK_EUNSTABLE;
	return pvclock_finish(&f, tsc, 0, t);
}

static inline int pvclock_read_vcpu0(const struct pvclock_source *src, struct pvclock_time *t)
{
	if (__builtin_expect(!src, 0))
		return PVCLOCK_EARG;
	return pvclock_read_vcpu0_mode(src, t, (enum pvclock_tsc_mode)src->tsc_mode);
}

/*
 * pvclock_own_record - the calling thread's CPU by @gm, and that CPU's
 * record in *@r; or the getcpu method's error, or PVCLOCK_ECPU when the CPU
 * has no slot.
 */
static inline int pvclock_own_record(const struct pvclock_source *src,
				     enum pvclock_getcpu_method gm,
				     const volatile struct pvclock_record **r)
{
	int cpu = pvclock_getcpu(gm);

	if (__builtin_expect(cpu < 0, 0))
		return cpu;
	if (__builtin_expect((uint32_t)cpu >= src->nr_slots, 0))
		return PVCLOCK_ECPU;
	*r = (const volatile struct pvclock_record *)(src->slots + (uint64_t)cpu * src->stride);
	return cpu;
}

/*
 * pvclock_read_percpu_with - the record of the vCPU this thread runs on.
 * getcpu before choosing the record and again after the TSC read; with
 * RDTSCP the second check is the TSC_AUX of the very instruction that read
 * the TSC, so the TSC is known to come from that vCPU.  With other methods
 * a thread that left and came back between the two checks is not seen;
 * that is harmless while TSCs are synchronised (TSC_STABLE).
 */
static inline int pvclock_read_percpu_with(const struct pvclock_source *src,
					   struct pvclock_time *t,
					   enum pvclock_getcpu_method gm,
					   enum pvclock_tsc_mode mode)
{
	const volatile struct pvclock_record *r;
	uint32_t budget, v, aux = 0;
	struct pvclock_fields f;
	uint64_t tsc;
	int cpu, cpu2;

	if (__builtin_expect(!src || !t, 0))
		return PVCLOCK_EARG;
	budget = src->max_retries;
	do {
		if (__builtin_expect(budget-- == 0, 0))
			return pvclock_source_status_stuck(src);
		cpu = pvclock_own_record(src, gm, &r);
		if (__builtin_expect(cpu < 0, 0))
			return cpu;
		v = pvclock_read_begin(r);
		tsc = pvclock_tsc_read(mode, &aux);
		pvclock_load_fields(r, &f);
		cpu2 = mode == PVCLOCK_TSC_RDTSCP ? (int)(aux & PVCLOCK_TSC_AUX_CPU_MASK)
						  : pvclock_getcpu(gm);
	} while (__builtin_expect(cpu2 != cpu, 0) || pvclock_read_retry(r, v));

	return pvclock_finish(&f, tsc, (uint32_t)cpu, t);
}

static inline int pvclock_read_percpu(const struct pvclock_source *src, struct pvclock_time *t)
{
	if (__builtin_expect(!src, 0))
		return PVCLOCK_EARG;
	return pvclock_read_percpu_with(src, t, (enum pvclock_getcpu_method)src->getcpu,
					(enum pvclock_tsc_mode)src->tsc_mode);
}

/*
 * pvclock_read_migrate_with - per-vCPU read guarded by the slot's migration
 * counter (bumped by the guest kernel whenever a task leaves that vCPU).
 * The thread's CPU is confirmed after the counter is loaded and before the
 * TSC is read: from then on, leaving the vCPU changes the counter, so an
 * unchanged counter at the end proves the whole read ran on that vCPU.
 * PVCLOCK_ENOMIGRATE when the source has no counter.
 */
static inline int pvclock_read_migrate_with(const struct pvclock_source *src,
					    struct pvclock_time *t,
					    enum pvclock_getcpu_method gm,
					    enum pvclock_tsc_mode mode)
{
	const volatile struct pvclock_record *r;
	const volatile uint32_t *count;
	uint32_t budget, v, m, aux = 0;
	struct pvclock_fields f;
	uint64_t tsc;
	int cpu;

	if (__builtin_expect(!src || !t, 0))
		return PVCLOCK_EARG;
	if (__builtin_expect(!src->has_migrate_count, 0))
		return pvclock_source_is_open(src) ? PVCLOCK_ENOMIGRATE : PVCLOCK_ENOSOURCE;
	budget = src->max_retries;
	do {
		if (__builtin_expect(budget-- == 0, 0))
			return pvclock_source_status_stuck(src);
		cpu = pvclock_own_record(src, gm, &r);
		if (__builtin_expect(cpu < 0, 0))
			return cpu;
		count = (const volatile uint32_t *)((const volatile unsigned char *)r +
						    PVCLOCK_MIGRATE_COUNT_OFFSET);
		m = *count;
		/* The confirming getcpu must come after the counter load. */
		pvclock_barrier();
		if (__builtin_expect(pvclock_getcpu(gm) != cpu, 0))
			continue;
		v = pvclock_read_begin(r);
		tsc = pvclock_tsc_read(mode, &aux);
		pvclock_load_fields(r, &f);
		if (mode == PVCLOCK_TSC_RDTSCP &&
		    __builtin_expect((int)(aux & PVCLOCK_TSC_AUX_CPU_MASK) != cpu, 0))
			continue;
		if (pvclock_read_retry(r, v))
			continue;
		/* The counter is loaded again only after the record. */
		pvclock_barrier();
		if (__builtin_expect(*count == m, 1))
			break;
	} while (1);

	return pvclock_finish(&f, tsc, (uint32_t)cpu, t);
}

static inline int pvclock_read_migrate(const struct pvclock_source *src, struct pvclock_time *t)
{
	if (__builtin_expect(!src, 0))
		return PVCLOCK_EARG;
	return pvclock_read_migrate_with(src, t, (enum pvclock_getcpu_method)src->getcpu,
					 (enum pvclock_tsc_mode)src->tsc_mode);
}

/*
 * One attempt of the rseq-protected read.  From label 1 to label 2 the
 * kernel restarts the sequence at label 6 on preemption, migration or signal
 * delivery, so cpu_id_start names the vCPU for the whole attempt, the TSC
 * read included.  The version check stays: the host may rewrite the record
 * while this vCPU is out of guest mode, which is invisible to rseq.
 */
#define PVCLOCK_RSEQ_ATTEMPT(tsc_insn)                                                    \
	__asm__ __volatile__(                                                                 \
		".pushsection __rseq_cs, \"aw\"\n\t"                                          \
		".balign 32\n\t"                                                              \
		"3:\n\t"                                                                      \
		".long 0, 0\n\t"                                                              \
		".quad 1f, 2f - 1f, 4f\n\t"                                                   \
		".popsection\n\t"                                                             \
		".pushsection __rseq_failure, \"ax\"\n\t"                                     \
		".long 0x53053053\n\t"                                                        \
		"4:\n\t"                                                                      \
		"jmp 6f\n\t"                                                                  \
		".popsection\n\t"                                                             \
		"6:\n\t"                                                                      \
		"leaq 3b(%%rip), %[rec]\n\t"                                                  \
		"movq %[rec], 8(%[rs])\n\t"                                                   \
		"1:\n\t"                                                                      \
		"movl (%[rs]), %k[cpu]\n\t"                                                   \
		"cmpl %[nr], %k[cpu]\n\t"                                                     \
		"jae 2f\n\t"                                                                  \
		"movq %[cpu], %[rec]\n\t"                                                     \
		"imulq %[stride], %[rec]\n\t"                                                 \
		"addq %[base], %[rec]\n\t"                                                    \
		"movl (%[rec]), %k[v1]\n\t"                                                   \
		tsc_insn "\n\t"                                                               \
		"movq 8(%[rec]), %[ts]\n\t"                                                   \
		"movq 16(%[rec]), %[st]\n\t"                                                  \
		"movq 24(%[rec]), %[ms]\n\t"                                                  \
		"movl (%[rec]), %k[v2]\n\t"                                                   \
		"2:\n\t"                                                                      \
		: [cpu] "=&r"(cpu), [rec] "=&r"(rec), [v1] "=&r"(v1), [ts] "=&r"(f.tsc_timestamp), \
		  [st] "=&r"(f.system_time), [ms] "=&r"(ms), [v2] "=&r"(v2), "=&a"(lo),          \
		  "=&d"(hi), "=&c"(aux)                                                       \
		: [rs] "r"(rs), [nr] "m"(src->nr_slots), [stride] "m"(src->stride),            \
		  [base] "m"(src->slots)                                                      \
		: "memory", "cc")

/*
 * pvclock_read_rseq_mode - the record of the vCPU this thread runs on, with
 * no getcpu at all: the read runs as an rseq critical section starting from
 * the area's cpu_id_start.  PVCLOCK_ENORSEQ when rseq cannot be had.
 */
static inline int pvclock_read_rseq_mode(const struct pvclock_source *src,
					 struct pvclock_time *t, enum pvclock_tsc_mode mode)
{
	volatile struct pvclock_rseq_area *rs = pvclock_rseq_current();
	uint32_t budget, lo, hi, aux;
	uint64_t cpu, rec, v1, v2, ms;
	struct pvclock_fields f;

	if (__builtin_expect(!src || !t || (int32_t)rs->cpu_id < 0, 0))
		return !src || !t ? PVCLOCK_EARG : PVCLOCK_ENORSEQ;
	budget = src->max_retries;
	do {
		if (__builtin_expect(budget-- == 0, 0))
			return pvclock_source_status_stuck(src);
		if (mode == PVCLOCK_TSC_RDTSCP)
			PVCLOCK_RSEQ_ATTEMPT("rdtscp");
		else if (mode == PVCLOCK_TSC_UNORDERED)
			PVCLOCK_RSEQ_ATTEMPT("rdtsc");
		else if (mode == PVCLOCK_TSC_MFENCE)
			PVCLOCK_RSEQ_ATTEMPT("mfence; rdtsc");
		else
			PVCLOCK_RSEQ_ATTEMPT("lfence; rdtsc");
		if (__builtin_expect(cpu >= src->nr_slots, 0))
			return PVCLOCK_ECPU;
		(void)rec;
		(void)aux;
	} while (__builtin_expect((v1 & 1) || v1 != v2, 0));

	f.mul = (uint32_t)ms;
	f.shift = (int8_t)(ms >> 32);
	f.flags = (uint8_t)(ms >> 40);
	return pvclock_finish(&f, ((uint64_t)hi << 32) | lo, (uint32_t)cpu, t);
}

static inline int pvclock_read_rseq(const struct pvclock_source *src, struct pvclock_time *t)
{
	if (__builtin_expect(!src, 0))
		return PVCLOCK_EARG;
	return pvclock_read_rseq_mode(src, t, (enum pvclock_tsc_mode)src->tsc_mode);
}

/*
 * pvclock_read_with - read by @proto, the TSC taken as @mode says and, for
 * the per-vCPU protocols, the CPU found by @gm (both resolved, not AUTO);
 * see the protocol's own function.  PVCLOCK_EARG for an unknown protocol.
 */
static inline int pvclock_read_with(const struct pvclock_source *src, enum pvclock_protocol proto,
				    enum pvclock_getcpu_method gm, enum pvclock_tsc_mode mode,
				    struct pvclock_time *t)
{
	switch (proto) {
	case PVCLOCK_PROTO_VCPU0:
		return pvclock_read_vcpu0_mode(src, t, mode);
	case PVCLOCK_PROTO_PERCPU:
		return pvclock_read_percpu_with(src, t, gm, mode);
	case PVCLOCK_PROTO_MIGRATE:
		return pvclock_read_migrate_with(src, t, gm, mode);
	case PVCLOCK_PROTO_RSEQ:
		return pvclock_read_rseq_mode(src, t, mode);
	default:
		return PVCLOCK_EARG;
	}
}

/* pvclock_read - read by @proto with the source's own getcpu method and TSC mode. */
static inline int pvclock_read(const struct pvclock_source *src, enum pvclock_protocol proto,
			       struct pvclock_time *t)
{
	if (__builtin_expect(!src, 0))
		return PVCLOCK_EARG;
	return pvclock_read_with(src, proto, (enum pvclock_getcpu_method)src->getcpu,
				 (enum pvclock_tsc_mode)src->tsc_mode, t);
}

/* pvclock_protocol_name - "vcpu0", "percpu", "migrate", "rseq"; "?" otherwise. */
const char *pvclock_protocol_name(enum pvclock_protocol proto);

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_READ_H */
