/* SPDX-License-Identifier: MIT */
/*
 * The kvm-clock counter when TSC_STABLE is clear, without a written shared
 * cache line.
 *
 * Without TSC_STABLE the host updates each vCPU's record on its own, so two
 * vCPUs' records may give slightly different times for one TSC value, and a
 * thread moving from the one ahead to the one behind would see time step
 * back.  Two measures keep the counter monotonic across threads:
 *
 *  1. The TSC and the record come from one vCPU (RDTSCP's TSC_AUX confirms
 *     it), and the value is the largest that any valid record gives for that
 *     TSC value.  The other records are only read: the host writes them at
 *     its updates, so their cache lines stay shared and cost no transfers.
 *     For a TSC that runs in step on every vCPU this is a non-decreasing
 *     function of the TSC alone, whichever vCPU evaluates it.
 *  2. A record update can lower a record's time by the host's correction.
 *     Each vCPU has a line holding the largest value handed out on it; only
 *     threads running on that vCPU write it (a thread preempted between its
 *     read and its write may, rarely, write it from elsewhere, which the
 *     atomic maximum tolerates), so the line stays in that vCPU's cache.
 */
#include "pvclock/read.h"
#include "vdso.h"

struct vcpu_last {
	uint64_t ns;
} __attribute__((aligned(64)));

static struct vcpu_last vcpu_last[PVCLOCK_PAGE_SLOTS];

VDSO_HIDDEN void pvclock_vdso_percpu_reset(void)
{
	for (unsigned k = 0; k < PVCLOCK_PAGE_SLOTS; k++)
		__atomic_store_n(&vcpu_last[k].ns, 0, __ATOMIC_RELAXED);
}

/* vCPU @k's time at @tsc; 0 when its record is not valid or stays mid-update. */
static uint64_t record_at(const struct pvclock_source *src, unsigned k, uint64_t tsc)
{
	const volatile struct pvclock_record *r = pvclock_source_record(src, k);
	struct pvclock_fields f;
	uint32_t v;

	for (int tries = 0; tries < 64; tries++) {
		v = pvclock_read_begin(r);
		pvclock_load_fields(r, &f);
		if (!pvclock_read_retry(r, v))
			return f.mul ? pvclock_time_at(f.system_time, f.tsc_timestamp, f.mul, f.shift, tsc)
				     : 0;
	}
	return 0;
}

VDSO_HIDDEN int pvclock_vdso_percpu(const struct vdso_state *s, uint64_t *ns)
{
	struct pvclock_time t;
	uint64_t v, old;
	int rc;

	if (s->getcpu_rdpid)
		rc = pvclock_read_percpu_with(&s->src, &t, PVCLOCK_GETCPU_RDPID, PVCLOCK_TSC_RDTSCP);
	else
		rc = pvclock_read_percpu_with(&s->src, &t, PVCLOCK_GETCPU_RDTSCP, PVCLOCK_TSC_RDTSCP);
	if (rc != PVCLOCK_OK)
		return rc;
	v = t.ns;
	for (unsigned k = 0; k < s->src.nr_valid; k++) {
		uint64_t w;

		if (k == t.cpu)
			continue;
		w = record_at(&s->src, k, t.tsc);
		if (w > v)
			v = w;
	}
	old = __atomic_load_n(&vcpu_last[t.cpu].ns, __ATOMIC_RELAXED);
	do {
		if (old >= v) {
			v = old;
			break;
		}
	} while (!__atomic_compare_exchange_n(&vcpu_last[t.cpu].ns, &old, v, 1,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	*ns = v;
	return PVCLOCK_OK;
}
