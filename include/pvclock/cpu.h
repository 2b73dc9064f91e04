/* SPDX-License-Identifier: MIT */
/*
 * pvclock/cpu.h - what the processor offers (CPUID), for choosing read paths.
 */
#ifndef PVCLOCK_CPU_H
#define PVCLOCK_CPU_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pvclock_cpu_features {
	char vendor[13];          /* "GenuineIntel", "AuthenticAMD", ... */
	char model[49];           /* brand string, trimmed; "" when absent */
	bool rdtscp;              /* CPUID 0x80000001 EDX[27] */
	bool rdpid;               /* CPUID 7.0 ECX[22] */
	bool invariant_tsc;       /* CPUID 0x80000007 EDX[8] */
	bool cx16;                /* CPUID 1 ECX[13]: CMPXCHG16B */
	bool hypervisor;          /* CPUID 1 ECX[31] */
	char hypervisor_id[13];   /* CPUID 0x40000000 signature, e.g. "KVMKVMKVM" */
	bool kvm_clocksource2;    /* KVM: MSR_KVM_SYSTEM_TIME_NEW offered */
	bool kvm_stable_bit;      /* KVM: the host may set PVCLOCK_TSC_STABLE */
	uint32_t hypervisor_max_leaf;  /* CPUID 0x40000000 EAX; 0 without a hypervisor */
	uint32_t hypervisor_tsc_khz;   /* CPUID 0x40000010 EAX (KVM, VMware timing leaf); 0: not offered */
};

/*
 * pvclock_cpu_features - fill @f from CPUID (nothing when @f is NULL).  Never fails; features the
 * processor does not report read false.  CPUID is executed once per
 * process (each CPUID is a VM exit in a guest); later calls copy the result.
 */
void pvclock_cpu_features(struct pvclock_cpu_features *f);

/*
 * pvclock_cpu_rdtscp, pvclock_cpu_cx16 - one feature each, for one CPUID
 * each (a scan runs a dozen, at several microseconds each in some guests).
 */
bool pvclock_cpu_rdtscp(void);
bool pvclock_cpu_cx16(void);

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_CPU_H */
