/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "clock_read.h"
#include "pvclock/stamp.h"
#include "pvmap_shared.h"
#include "testhook.h"
#include "view.h"

void pvclock_clock_test_reset(void)
{
	pvclock_clock_publish(0);
	pvclock_clock_pvmap_reset();
	__atomic_store_n(&pvclock_stamp_map.kseq_at, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&pvclock_clock_phase, clock_phase_starting(), __ATOMIC_SEQ_CST);
	memset(&pvclock_clock_state, 0, sizeof(pvclock_clock_state));
	pvclock_view_reset(0);
	__atomic_store_n(&pvclock_clock_phase, CLOCK_UNSET, __ATOMIC_RELEASE);
}

void pvclock_clock_test_use(const void *time_data, const void *ns_page, const void *slots,
			   unsigned nr_slots, const char *protocol)
{
	pvclock_clock_test_use_era(KDATA_ERA_6_15, time_data, ns_page, slots, nr_slots, protocol);
}

void pvclock_clock_test_use_era(int era, const void *time_data, const void *ns_page,
			       const void *slots, unsigned nr_slots, const char *protocol)
{
	struct clock_state *s = &pvclock_clock_state;

	pvclock_clock_publish(0);
	pvclock_clock_pvmap_reset();
	__atomic_store_n(&pvclock_stamp_map.kseq_at, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&pvclock_clock_phase, clock_phase_starting(), __ATOMIC_SEQ_CST);
	memset(s, 0, sizeof(*s));
	pvclock_view_reset(0);
	pvclock_clock_fill_kernel(s);
	if (time_data) {
		s->kd = time_data;
		s->ns = ns_page;
		s->lay = kdata_layouts[era];
		s->kmode = s->kd[KDATA_HRES].clock_mode;
		clock_source_set(&s->src, slots, nr_slots, nr_slots, PVCLOCK_ORIGIN_MEMORY);
		s->src.tsc_mode = PVCLOCK_TSC_RDTSCP;
		if (s->kmode == KDATA_MODE_TSC) {
			s->counter = CLOCK_COUNTER_RDTSCP;
		} else if (s->kmode == KDATA_MODE_HVCLOCK) {
			pvclock_hyperv_open_memory(&s->hv, slots);
			s->counter = CLOCK_COUNTER_HV;
		}
		else if (protocol && !strcmp(protocol, "vcpu0"))
			s->counter = CLOCK_COUNTER_PV_VCPU0;
		else if (protocol && !strcmp(protocol, "percpu"))
			s->counter = CLOCK_COUNTER_PV_PERCPU;
		else
			s->counter = CLOCK_COUNTER_PV_AUTO;
		if (s->kmode == KDATA_MODE_PVCLOCK)
			pvclock_view_reset(&s->src);
	}
	__atomic_store_n(&pvclock_clock_phase, CLOCK_READY, __ATOMIC_RELEASE);
	pvclock_clock_publish(s);
}

int pvclock_clock_test_served(void)
{
	struct pvclock_timespec ts;

	if (__atomic_load_n(&pvclock_clock_phase, __ATOMIC_ACQUIRE) != CLOCK_READY)
		pvclock_clock_startup();
	return pvclock_clock_state.kd != 0 && clock_served(&pvclock_clock_state, PVCLOCK_CLOCK_MONOTONIC, &ts) == 0;
}

void pvclock_clock_test_abandon_view(void)
{
	uint64_t seq = __atomic_load_n(&pvclock_views.seq, __ATOMIC_ACQUIRE);

	if (!(seq & 1))
		__atomic_compare_exchange_n(&pvclock_views.seq, &seq, seq + 1, 0,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
