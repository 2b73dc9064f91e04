/* SPDX-License-Identifier: MIT */
/* Reading a VMClock page (pvclock/vmclock.h): validation, the seqcount read, the arithmetic. */
#include "pvclock/abi.h"
#include "pvclock/error.h"
#include "pvclock/tsc.h"
#include "pvclock/vmclock.h"

#define VMCLOCK_RETRIES 4096u

int pvclock_vmclock_open_memory(struct pvclock_vmclock *vc, const void *page, size_t len)
{
	const volatile struct pvclock_vmclock_abi *p = page;
	struct pvclock_vmclock_time t;
	int rc;

	if (!vc)
		return PVCLOCK_EARG;
	vc->page = 0;
	vc->fd = -1;
	if (!page || len < PVCLOCK_VMCLOCK_MIN_SIZE || ((uintptr_t)page & 7))
		return PVCLOCK_EARG;
	if (p->magic != PVCLOCK_VMCLOCK_MAGIC || p->version != PVCLOCK_VMCLOCK_VERSION ||
	    p->size < PVCLOCK_VMCLOCK_MIN_SIZE || p->size > len)
		return PVCLOCK_EFORMAT;
	vc->page = p;
	vc->len = len;
	vc->max_retries = VMCLOCK_RETRIES;
	/* Disruptions count from now. */
	rc = pvclock_vmclock_read(vc, &t);
	if (rc == PVCLOCK_ESTUCK) {
		vc->page = 0;
		return rc;
	}
	vc->seen_marker = t.disruption_marker;
	vc->seen_generation = t.vm_generation;
	return PVCLOCK_OK;
}

/* ns of @ticks at @rate (2^-(64 + @shift) s per tick), saturating. */
static uint64_t error_growth_ns(uint64_t ticks, uint64_t rate, unsigned shift)
{
	unsigned __int128 x = (unsigned __int128)ticks * rate >> shift;   /* 2^-64 s */
	uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
	uint64_t ns_lo = (uint64_t)((unsigned __int128)lo * 1000000000u >> 64);

	if (hi > UINT64_MAX / 1000000000u - 1)
		return UINT64_MAX;
	return hi * 1000000000u + ns_lo;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

int pvclock_vmclock_read(const struct pvclock_vmclock *vc, struct pvclock_vmclock_time *t)
{
	const volatile struct pvclock_vmclock_abi *p;
	struct pvclock_vmclock_abi c;
	unsigned __int128 when, step;
	uint64_t delta, counter;
	int past;

	if (!vc || !t)
		return PVCLOCK_EARG;
	p = vc->page;
	if (!p)
		return PVCLOCK_ENOSOURCE;
	for (unsigned tries = 0;; tries++) {
		uint32_t seq;

		if (tries == vc->max_retries)
			return PVCLOCK_ESTUCK;
		seq = p->seq_count;
		if (seq & 1) {
			__asm__ __volatile__("pause");
			continue;
		}
		pvclock_barrier();
		c.counter_id = p->counter_id;
		c.time_type = p->time_type;
		c.disruption_marker = p->disruption_marker;
		c.flags = p->flags;
		c.clock_status = p->clock_status;
		c.tai_offset_sec = p->tai_offset_sec;
		c.leap_indicator = p->leap_indicator;
		c.counter_period_shift = p->counter_period_shift;
		c.counter_value = p->counter_value;
		c.counter_period_frac_sec = p->counter_period_frac_sec;
		c.counter_period_esterror_rate_frac_sec = p->counter_period_esterror_rate_frac_sec;
		c.counter_period_maxerror_rate_frac_sec = p->counter_period_maxerror_rate_frac_sec;
		c.time_sec = p->time_sec;
		c.time_frac_sec = p->time_frac_sec;
		c.time_esterror_nanosec = p->time_esterror_nanosec;
		c.time_maxerror_nanosec = p->time_maxerror_nanosec;
		c.vm_generation_counter = (c.flags & PVCLOCK_VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT) &&
					  p->size >= sizeof(struct pvclock_vmclock_abi) ?
					  p->vm_generation_counter : 0;
		/*
		 * After the sequence count's load and before its re-check: a
		 * reading the host's MONOTONIC promise covers (vmclock.h).
		 */
		counter = pvclock_rdtsc_fenced();
		pvclock_barrier();
		if (p->seq_count == seq)
			break;
	}
	t->time_type = c.time_type;
	t->clock_status = c.clock_status;
	t->leap_indicator = c.leap_indicator;
	t->counter_id = c.counter_id;
	t->tai_offset_sec = c.tai_offset_sec;
	t->flags = c.flags;
	t->disruption_marker = c.disruption_marker;
	t->vm_generation = c.vm_generation_counter;
	t->counter = counter;
	t->esterror_ns = t->maxerror_ns = UINT64_MAX;
	if (c.counter_id != PVCLOCK_VMCLOCK_COUNTER_X86_TSC)
		return PVCLOCK_ECOUNTER;
	if (c.clock_status != PVCLOCK_VMCLOCK_STATUS_SYNCHRONIZED &&
	    c.clock_status != PVCLOCK_VMCLOCK_STATUS_FREERUNNING)
		return PVCLOCK_EUNRELIABLE;
	if (c.counter_period_shift > 63)
		return PVCLOCK_EFORMAT;
	/* A counter behind the page's (another CPU's TSC a little behind): back along the same line. */
	past = (int64_t)(counter - c.counter_value) < 0;
	delta = past ? c.counter_value - counter : counter - c.counter_value;
	when = (unsigned __int128)c.time_sec << 64 | c.time_frac_sec;
	step = (unsigned __int128)delta * c.counter_period_frac_sec >> c.counter_period_shift;
	when = past ? when - step : when + step;
	t->sec = (int64_t)(uint64_t)(when >> 64);
	t->nsec = (uint32_t)((unsigned __int128)(uint64_t)when * 1000000000u >> 64);
	if ((c.flags & PVCLOCK_VMCLOCK_FLAG_TIME_ESTERROR_VALID) &&
	    (c.flags & PVCLOCK_VMCLOCK_FLAG_PERIOD_ESTERROR_VALID))
		t->esterror_ns = add_sat(c.time_esterror_nanosec,
					 error_growth_ns(delta, c.counter_period_esterror_rate_frac_sec,
							 c.counter_period_shift));
	if ((c.flags & PVCLOCK_VMCLOCK_FLAG_TIME_MAXERROR_VALID) &&
	    (c.flags & PVCLOCK_VMCLOCK_FLAG_PERIOD_MAXERROR_VALID))
		t->maxerror_ns = add_sat(c.time_maxerror_nanosec,
					 error_growth_ns(delta, c.counter_period_maxerror_rate_frac_sec,
							 c.counter_period_shift));
	return PVCLOCK_OK;
}

int pvclock_vmclock_disrupted(struct pvclock_vmclock *vc)
{
	struct pvclock_vmclock_time t;
	int rc = pvclock_vmclock_read(vc, &t), changed;

	if (rc != PVCLOCK_OK && rc != PVCLOCK_ECOUNTER && rc != PVCLOCK_EUNRELIABLE)
		return rc;
	changed = t.disruption_marker != vc->seen_marker || t.vm_generation != vc->seen_generation;
	vc->seen_marker = t.disruption_marker;
	vc->seen_generation = t.vm_generation;
	return changed;
}
