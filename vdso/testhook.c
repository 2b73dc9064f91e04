/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "percpu.h"
#include "testhook.h"
#include "vdso.h"

void pvclock_vdso_test_reset(void)
{
	pvclock_vdso_tsc_fast_set(0);
	pvclock_vdso_pv_fast_set(0);
	pvclock_vdso_pvmap_reset();
	__atomic_store_n(&pvclock_vdso_phase, vdso_phase_starting(), __ATOMIC_SEQ_CST);
	memset(&pvclock_vdso_state, 0, sizeof(pvclock_vdso_state));
	pvclock_vdso_percpu_reset(0);
	__atomic_store_n(&pvclock_vdso_phase, VDSO_UNSET, __ATOMIC_RELEASE);
}

void pvclock_vdso_test_use(const void *time_data, const void *ns_page, const void *slots,
			   unsigned nr_slots, const char *protocol)
{
	pvclock_vdso_test_use_era(KDATA_ERA_6_15, time_data, ns_page, slots, nr_slots, protocol);
}

void pvclock_vdso_test_use_era(int era, const void *time_data, const void *ns_page,
			       const void *slots, unsigned nr_slots, const char *protocol)
{
	struct vdso_state *s = &pvclock_vdso_state;

	pvclock_vdso_tsc_fast_set(0);
	pvclock_vdso_pv_fast_set(0);
	pvclock_vdso_pvmap_reset();
	__atomic_store_n(&pvclock_vdso_phase, vdso_phase_starting(), __ATOMIC_SEQ_CST);
	memset(s, 0, sizeof(*s));
	pvclock_vdso_percpu_reset(0);
	pvclock_vdso_fill_kernel(s);
	if (time_data) {
		s->kd = time_data;
		s->ns = ns_page;
		s->lay = kdata_layouts[era];
		s->kmode = s->kd[KDATA_HRES].clock_mode;
		vdso_source_set(&s->src, slots, nr_slots, nr_slots, PVCLOCK_ORIGIN_MEMORY);
		s->src.tsc_mode = PVCLOCK_TSC_RDTSCP;
		if (s->kmode == KDATA_MODE_TSC)
			s->counter = VDSO_COUNTER_RDTSCP;
		else if (protocol && !strcmp(protocol, "vcpu0"))
			s->counter = VDSO_COUNTER_PV_VCPU0;
		else if (protocol && !strcmp(protocol, "percpu"))
			s->counter = VDSO_COUNTER_PV_PERCPU;
		else
			s->counter = VDSO_COUNTER_PV_AUTO;
		pvclock_vdso_percpu_reset(&s->src);
	}
	__atomic_store_n(&pvclock_vdso_phase, VDSO_READY, __ATOMIC_RELEASE);
	pvclock_vdso_tsc_fast_set(s);
	pvclock_vdso_pv_fast_set(s);
}

int pvclock_vdso_test_served(void)
{
	struct vdso_kts ts;

	if (__atomic_load_n(&pvclock_vdso_phase, __ATOMIC_ACQUIRE) != VDSO_READY)
		pvclock_vdso_start();
	return pvclock_vdso_state.kd != 0 && pvclock_vdso_served(&pvclock_vdso_state, 1, &ts) == 0;
}

void pvclock_vdso_test_abandon_view(void)
{
	uint64_t seq = __atomic_load_n(&pvclock_vdso_views.seq, __ATOMIC_ACQUIRE);

	if (!(seq & 1))
		__atomic_compare_exchange_n(&pvclock_vdso_views.seq, &seq, seq + 1, 0,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
