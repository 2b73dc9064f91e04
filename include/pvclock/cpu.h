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
	uint8_t confidential;          /* enum pvclock_cc */
};

/*
 * pvclock_cpu_features - fill @f from CPUID (nothing when @f is NULL).  Never fails; features the
 * processor does not report read false.  CPUID is executed once per
 * process (each CPUID is a VM exit in a guest); later calls copy the result.
 */
void pvclock_cpu_features(struct pvclock_cpu_features *f);

/*
 * Confidential guests, whose memory the hypervisor cannot read, but whose
 * kvmclock records the hypervisor writes: it may lie in them, so a
 * confidential guest must not take its time from them (Linux makes such
 * guests use the TSC).
 */
enum pvclock_cc {
	PVCLOCK_CC_NONE = 0,
	PVCLOCK_CC_TDX,           /* Intel TDX: CPUID 0x21 says "IntelTDX    " */
	PVCLOCK_CC_SEV_SNP,       /* AMD SEV-SNP: a guest whose CPUID 0x8000001F EAX[4] is set */
};

/* What CPUID answered, for pvclock_cpu_cc_from(). */
struct pvclock_cpu_cc_leaves {
	bool hypervisor;          /* CPUID 1 ECX[31] */
	uint32_t max_leaf;        /* CPUID 0 EAX */
	uint32_t tdx_sig[3];      /* CPUID 0x21.0 EBX, EDX, ECX, when max_leaf >= 0x21 */
	uint32_t max_ext_leaf;    /* CPUID 0x80000000 EAX */
	uint32_t sev_eax;         /* CPUID 0x8000001F EAX, when max_ext_leaf >= 0x8000001F */
};

/* pvclock_cpu_cc_from - the kind of confidential guest @l describes. */
enum pvclock_cc pvclock_cpu_cc_from(const struct pvclock_cpu_cc_leaves *l);

/*
 * pvclock_cpu_confidential - the kind of confidential guest this is
 * (PVCLOCK_CC_NONE outside one), from CPUID; a few CPUIDs on every call.
 */
enum pvclock_cc pvclock_cpu_confidential(void);

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
