/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <time.h>

#include "pvclock/tsc.h"
#include "simkernel.h"
#include "simvmclock.h"

#define SHIFT 4u

/* The page's time at @tsc in 2^-64 s, as vmclock.h's reader computes it. */
static unsigned __int128 when_at(const struct pvclock_vmclock_abi *p, uint64_t tsc)
{
	unsigned __int128 when = (unsigned __int128)p->time_sec << 64 | p->time_frac_sec;

	if ((int64_t)(tsc - p->counter_value) < 0)
		return when - ((unsigned __int128)(p->counter_value - tsc) * p->counter_period_frac_sec >>
			       p->counter_period_shift);
	return when + ((unsigned __int128)(tsc - p->counter_value) * p->counter_period_frac_sec >>
		       p->counter_period_shift);
}

static void set_time(struct pvclock_vmclock_abi *p, unsigned __int128 when)
{
	p->time_sec = (uint64_t)(when >> 64);
	p->time_frac_sec = (uint64_t)when;
}

/* Errors as a host that synchronises well would state them. */
static void set_errors(struct pvclock_vmclock_abi *p, uint64_t period)
{
	p->time_esterror_nanosec = 100;
	p->time_maxerror_nanosec = 1000;
	/* 1 and 10 ppm of the period. */
	p->counter_period_esterror_rate_frac_sec = period / 1000000u;
	p->counter_period_maxerror_rate_frac_sec = period / 100000u;
}

void simvmclock_init(struct simvmclock *v, int marker_only)
{
	struct pvclock_vmclock_abi *p = &v->page.abi;
	struct timespec rt;
	uint64_t hz = simkernel_tsc_per_ms() * 1000u, tsc;

	memset(v, 0, sizeof(*v));
	v->base_period = v->period = (uint64_t)(((unsigned __int128)1 << (64 + SHIFT)) / hz);
	p->magic = PVCLOCK_VMCLOCK_MAGIC;
	p->size = sizeof(struct pvclock_vmclock_abi);
	p->version = PVCLOCK_VMCLOCK_VERSION;
	p->time_type = PVCLOCK_VMCLOCK_TIME_UTC;
	p->disruption_marker = 0x5eed5eed5eedull;
	p->vm_generation_counter = 1;
	p->flags = PVCLOCK_VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT | PVCLOCK_VMCLOCK_FLAG_NOTIFICATION_PRESENT;
	if (marker_only) {
		p->counter_id = PVCLOCK_VMCLOCK_COUNTER_INVALID;
		p->clock_status = PVCLOCK_VMCLOCK_STATUS_UNKNOWN;
		return;
	}
	p->counter_id = PVCLOCK_VMCLOCK_COUNTER_X86_TSC;
	p->clock_status = PVCLOCK_VMCLOCK_STATUS_SYNCHRONIZED;
	p->flags |= PVCLOCK_VMCLOCK_FLAG_TAI_OFFSET_VALID | PVCLOCK_VMCLOCK_FLAG_PERIOD_ESTERROR_VALID |
		    PVCLOCK_VMCLOCK_FLAG_PERIOD_MAXERROR_VALID | PVCLOCK_VMCLOCK_FLAG_TIME_ESTERROR_VALID |
		    PVCLOCK_VMCLOCK_FLAG_TIME_MAXERROR_VALID | PVCLOCK_VMCLOCK_FLAG_TIME_MONOTONIC;
	p->tai_offset_sec = 37;
	p->counter_period_shift = SHIFT;
	p->counter_period_frac_sec = v->period;
	set_errors(p, v->period);
	clock_gettime(CLOCK_REALTIME, &rt);
	tsc = pvclock_rdtsc_fenced();
	p->counter_value = tsc;
	p->time_sec = (uint64_t)rt.tv_sec;
	p->time_frac_sec = (uint64_t)(((unsigned __int128)rt.tv_nsec << 64) / 1000000000u);
}

/* Open an update: the count odd and visible before the TSC read that anchors it. */
static uint64_t begin(struct pvclock_vmclock_abi *p)
{
	__atomic_store_n(&p->seq_count, p->seq_count + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return pvclock_rdtsc_fenced();
}

static void end(struct pvclock_vmclock_abi *p)
{
	__atomic_store_n(&p->seq_count, p->seq_count + 1, __ATOMIC_RELEASE);
}

void simvmclock_update(struct simvmclock *v, int64_t ppm, uint8_t leap)
{
	struct pvclock_vmclock_abi *p = &v->page.abi;
	uint64_t a = begin(p);

	if (v->tagged)
		p->time_esterror_nanosec = ++v->tag;
	/* Carried exactly: readers of the old fields got at most this, readers of the new at least. */
	set_time(p, when_at(p, a));
	p->counter_value = a;
	v->period = (uint64_t)((__int128)v->base_period + (__int128)v->base_period * ppm / 1000000);
	p->counter_period_frac_sec = v->period;
	if (v->tagged) {
		p->counter_period_esterror_rate_frac_sec = 0;
		p->counter_period_maxerror_rate_frac_sec = 0;
	} else {
		set_errors(p, v->period);
	}
	p->leap_indicator = leap;
	if (v->tagged)
		p->time_maxerror_nanosec = v->tag;
	end(p);
}

void simvmclock_disrupt(struct simvmclock *v, int64_t jump_ns)
{
	struct pvclock_vmclock_abi *p = &v->page.abi;
	uint64_t a = begin(p);
	unsigned __int128 when = p->counter_id == PVCLOCK_VMCLOCK_COUNTER_X86_TSC ? when_at(p, a) : 0;
	unsigned __int128 jump = ((unsigned __int128)(jump_ns < 0 ? -jump_ns : jump_ns) << 64) / 1000000000u;

	if (p->counter_id == PVCLOCK_VMCLOCK_COUNTER_X86_TSC) {
		set_time(p, jump_ns < 0 ? when - jump : when + jump);
		p->counter_value = a;
	}
	/* Never repeated: a step no earlier marker can come back to. */
	p->disruption_marker += 0x9e3779b97f4a7c15ull;
	p->vm_generation_counter++;
	end(p);
}

long double simvmclock_ns(const struct simvmclock *v, uint64_t tsc)
{
	const struct pvclock_vmclock_abi *p = &v->page.abi;
	long double d = (long double)(int64_t)(tsc - p->counter_value);

	return (long double)p->time_sec * 1e9L + (long double)p->time_frac_sec * 1e9L / 18446744073709551616.0L +
	       d * (long double)p->counter_period_frac_sec * 1e9L /
		       (18446744073709551616.0L * (long double)(1u << p->counter_period_shift));
}

void simvmclock_host_step(void *ctx, long n)
{
	struct simvmclock_host *h = ctx;

	h->v->tagged = 1;
	simvmclock_update(h->v, n % 3 == 0 ? h->ppm : n % 3 == 1 ? -h->ppm : 0, 0);
}
