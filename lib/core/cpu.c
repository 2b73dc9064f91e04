/* SPDX-License-Identifier: MIT */
#include <cpuid.h>

#include "pvclock/cpu.h"
#include "str.h"

static void regs_to_str(char *dst, const unsigned *regs, int n)
{
	for (int i = 0; i < n * 4; i++)
		dst[i] = (char)(regs[i / 4] >> (8 * (i % 4)));
	dst[n * 4] = '\0';
}

#define LEAF1_ECX_CX16          (1u << 13)
#define LEAF80000001_EDX_RDTSCP (1u << 27)

/* Every x86-64 processor has leaves 1 and 0x80000001 (the latter reports long mode). */
bool pvclock_cpu_rdtscp(void)
{
	unsigned a, b, c, d;

	__cpuid(0x80000001, a, b, c, d);
	return d & LEAF80000001_EDX_RDTSCP;
}

bool pvclock_cpu_cx16(void)
{
	unsigned a, b, c, d;

	__cpuid(1, a, b, c, d);
	return c & LEAF1_ECX_CX16;
}

enum pvclock_cc pvclock_cpu_cc_from(const struct pvclock_cpu_cc_leaves *l)
{
	/* "IntelTDX    ", as EBX, EDX, ECX hold it. */
	static const uint32_t tdx[3] = { 0x65746e49, 0x5844546c, 0x20202020 };

	if (!l || !l->hypervisor)
		return PVCLOCK_CC_NONE;
	if (l->max_leaf >= 0x21 && l->tdx_sig[0] == tdx[0] && l->tdx_sig[1] == tdx[1] &&
	    l->tdx_sig[2] == tdx[2])
		return PVCLOCK_CC_TDX;
	if (l->max_ext_leaf >= 0x8000001f && (l->sev_eax & (1u << 4)))
		return PVCLOCK_CC_SEV_SNP;
	return PVCLOCK_CC_NONE;
}

enum pvclock_cc pvclock_cpu_confidential(void)
{
	struct pvclock_cpu_cc_leaves l = { 0 };
	unsigned a, b, c, d;

	__cpuid(1, a, b, c, d);
	l.hypervisor = (c >> 31) & 1;
	if (!l.hypervisor)
		return PVCLOCK_CC_NONE;
	__cpuid(0, l.max_leaf, b, c, d);
	if (l.max_leaf >= 0x21) {
		__cpuid_count(0x21, 0, a, b, c, d);
		l.tdx_sig[0] = b;
		l.tdx_sig[1] = d;
		l.tdx_sig[2] = c;
	}
	__cpuid(0x80000000, l.max_ext_leaf, b, c, d);
	if (l.max_ext_leaf >= 0x8000001f)
		__cpuid(0x8000001f, l.sev_eax, b, c, d);
	return pvclock_cpu_cc_from(&l);
}

static void scan(struct pvclock_cpu_features *f)
{
	unsigned a, b, c, d, max, maxext, regs[12];

	*f = (struct pvclock_cpu_features){ 0 };
	if (!__get_cpuid(0, &max, &b, &c, &d))
		return;
	regs[0] = b;
	regs[1] = d;
	regs[2] = c;
	regs_to_str(f->vendor, regs, 3);

	__cpuid(1, a, b, c, d);
	f->hypervisor = (c >> 31) & 1;
	f->cx16 = !!(c & LEAF1_ECX_CX16);
	if (max >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		f->rdpid = (c >> 22) & 1;
	}
	__cpuid(0x80000000, maxext, b, c, d);
	if (maxext >= 0x80000001) {
		__cpuid(0x80000001, a, b, c, d);
		f->rdtscp = !!(d & LEAF80000001_EDX_RDTSCP);
	}
	if (maxext >= 0x80000004) {
		for (unsigned i = 0; i < 3; i++)
			__cpuid(0x80000002 + i, regs[4 * i], regs[4 * i + 1], regs[4 * i + 2],
				regs[4 * i + 3]);
		regs_to_str(f->model, regs, 12);
		size_t lead = 0, n = 0;

		while (f->model[lead] == ' ')
			lead++;
		do
			f->model[n] = f->model[n + lead];
		while (f->model[n++]);
		for (n = core_strlen(f->model); n && f->model[n - 1] == ' '; n--)
			f->model[n - 1] = '\0';
	}
	if (maxext >= 0x80000007) {
		__cpuid(0x80000007, a, b, c, d);
		f->invariant_tsc = (d >> 8) & 1;
	}
	if (f->hypervisor) {
		unsigned hmax;

		__cpuid(0x40000000, hmax, b, c, d);
		regs[0] = b;
		regs[1] = c;
		regs[2] = d;
		regs_to_str(f->hypervisor_id, regs, 3);
		f->hypervisor_max_leaf = hmax;
		f->confidential = (uint8_t)pvclock_cpu_confidential();
		/* The timing leaf: the TSC rate the hypervisor runs the guest at. */
		if (hmax >= 0x40000010 && hmax < 0x40010000) {
			__cpuid(0x40000010, a, b, c, d);
			f->hypervisor_tsc_khz = a;
		}
		if (core_str_eq(f->hypervisor_id, "KVMKVMKVM") && hmax >= 0x40000001) {
			__cpuid(0x40000001, a, b, c, d);
			f->kvm_clocksource2 = (a >> 3) & 1;   /* KVM_FEATURE_CLOCKSOURCE2 */
			f->kvm_stable_bit = (a >> 24) & 1;    /* KVM_FEATURE_CLOCKSOURCE_STABLE_BIT */
		}
	}
}

/*
 * Each CPUID is a VM exit in a guest (tens of microseconds for a scan), and
 * the answers do not change while the process runs: scan once.  The first
 * caller to claim the cache fills it; the others scan for themselves until
 * it is published, so nobody waits.
 */
void pvclock_cpu_features(struct pvclock_cpu_features *f)
{
	static struct pvclock_cpu_features cache;
	static int state;   /* 0 empty, 1 being filled, 2 ready */
	int empty = 0;

	if (!f)
		return;
	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) == 2) {
		*f = cache;
		return;
	}
	scan(f);
	if (__atomic_compare_exchange_n(&state, &empty, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		cache = *f;
		__atomic_store_n(&state, 2, __ATOMIC_RELEASE);
	}
}
