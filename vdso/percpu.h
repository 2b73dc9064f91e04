/* SPDX-License-Identifier: MIT */
/*
 * vdso/percpu.h - the kvm-clock counter when TSC_STABLE is clear, with no
 * written shared cache line.
 *
 * Without TSC_STABLE the host updates each vCPU's record on its own, so two
 * vCPUs' records may give slightly different times for one TSC value, and a
 * thread moving from the one ahead to the one behind would see time step
 * back.  Two measures keep the counter monotonic across threads:
 *
 *  1. One RDTSCP gives the TSC and the vCPU it was read on; the value is the
 *     largest that any valid record gives for that TSC value.  The records
 *     are only read: the host writes them at its updates, so their cache
 *     lines stay shared and cost no transfers.  With a TSC that runs in step
 *     on every vCPU (what the guest kernel's tsc clocksource needs too) this
 *     is a non-decreasing function of the TSC alone, whichever vCPU
 *     evaluates it, so values ordered in time are ordered in value.
 *  2. A record update can lower a record's time by the host's correction.
 *     Each vCPU has a line holding the largest value handed out on it,
 *     raised with a cmpxchg without the lock prefix: one instruction is
 *     atomic against preemption on its own CPU, which is all the line needs
 *     while only threads running on that vCPU write it (Linux's
 *     this_cpu_cmpxchg rests on the same).  The line stays in that vCPU's
 *     cache.  A thread moved to another vCPU between its RDTSCP and the
 *     cmpxchg writes the old vCPU's line from afar; racing a thread there,
 *     one of the two raises can be lost, which matters only if that
 *     vCPU's record then also steps back.
 */
#ifndef PVCLOCK_VDSO_PERCPU_H
#define PVCLOCK_VDSO_PERCPU_H

#include "pvclock/read.h"
#include "sys.h"
#include "vdso.h"

/* The largest value handed out on each vCPU; one cache line each. */
struct vdso_vcpu_last {
	uint64_t ns;
} __attribute__((aligned(64)));

extern struct vdso_vcpu_last pvclock_vdso_vcpu_last[PVCLOCK_PAGE_SLOTS] VDSO_HIDDEN;

/*
 * vCPU @k's time at @tsc into *@ns (0 when the slot holds no record);
 * PVCLOCK_ESTUCK when the record stays mid-update.
 */
static inline int record_at(const struct pvclock_source *src, unsigned k, uint64_t tsc, uint64_t *ns)
{
	const volatile struct pvclock_record *r = pvclock_source_record(src, k);
	struct pvclock_fields f;
	uint32_t v, budget = src->max_retries;

	do {
		if (__builtin_expect(budget-- == 0, 0))
			return PVCLOCK_ESTUCK;
		v = pvclock_read_begin(r);
		pvclock_load_fields(r, &f);
	} while (pvclock_read_retry(r, v));
	if (__builtin_expect(!f.mul, 0))
		*ns = 0;
	else if (__builtin_expect((int64_t)(tsc - f.tsc_timestamp) < 0, 0))
		/* The record is newer than @tsc: extrapolate back. */
		*ns = f.system_time - pvclock_scale_delta(f.tsc_timestamp - tsc, f.mul, f.shift);
	else
		*ns = pvclock_time_at(f.system_time, f.tsc_timestamp, f.mul, f.shift, tsc);
	return PVCLOCK_OK;
}

/* The largest record's time at one TSC read, and the vCPU it was read on. */
static inline int read_all(const struct pvclock_source *src, unsigned *cpu, uint64_t *ns)
{
	uint32_t aux;
	uint64_t tsc = pvclock_rdtscp(&aux), v = 0;

	*cpu = aux & PVCLOCK_TSC_AUX_CPU_MASK;
	if (__builtin_expect(*cpu >= src->nr_slots, 0))
		return PVCLOCK_ECPU;
	for (unsigned k = 0; k < src->nr_valid; k++) {
		uint64_t w;
		/* Leaving a record out could step back by its lead: fail instead. */
		int rc = record_at(src, k, tsc, &w);

		if (__builtin_expect(rc != PVCLOCK_OK, 0))
			return rc;
		if (w > v)
			v = w;
	}
	if (__builtin_expect(v == 0, 0))
		return PVCLOCK_EINVALID;
	*ns = v;
	return PVCLOCK_OK;
}

/* max(*@p, @v) into *@p and returned; atomic against preemption on this CPU. */
static inline uint64_t local_max(uint64_t *p, uint64_t v)
{
	uint64_t old = *(volatile uint64_t *)p;

	while (old < v) {
		uint64_t seen;

		__asm__ __volatile__("cmpxchgq %2, %1"
				     : "=a"(seen), "+m"(*p)
				     : "r"(v), "0"(old)
				     : "memory", "cc");
		if (seen == old)
			return v;
		old = seen;
	}
	return old;
}

static inline int pvclock_vdso_percpu(const struct vdso_state *s, uint64_t *ns)
{
	unsigned cpu;
	uint64_t v;
	int rc;

	for (unsigned round = 0;; round++) {
		rc = read_all(&s->src, &cpu, &v);
		if (rc != PVCLOCK_ESTUCK || round == VDSO_STUCK_ROUNDS)
			break;
		/* Let a descheduled writer finish (see VDSO_MAX_RETRIES). */
		vsys3(VSYS_sched_yield, 0, 0, 0);
	}
	if (rc != PVCLOCK_OK)
		return rc;
	*ns = local_max(&pvclock_vdso_vcpu_last[cpu].ns, v);
	return PVCLOCK_OK;
}

#endif /* PVCLOCK_VDSO_PERCPU_H */
