/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "pvclock/cpu.h"
#include "pvclock/getcpu.h"
#include "pvclock/vdso_sym.h"

long (*pvclock_clock_getcpu_fn)(unsigned *cpu, unsigned *node, void *cache);

static const char *const names[PVCLOCK_GETCPU_NR_METHODS] = {
	[PVCLOCK_GETCPU_AUTO] = "auto",     [PVCLOCK_GETCPU_RDPID] = "rdpid",
	[PVCLOCK_GETCPU_RDTSCP] = "rdtscp", [PVCLOCK_GETCPU_VDSO] = "vdso",
	[PVCLOCK_GETCPU_RSEQ] = "rseq",     [PVCLOCK_GETCPU_SYSCALL] = "syscall",
};

const char *pvclock_getcpu_name(enum pvclock_getcpu_method method)
{
	return (unsigned)method < PVCLOCK_GETCPU_NR_METHODS ? names[method] : "?";
}

/*
 * The method must name the CPU the getcpu system call names.  A migration
 * between the two can make one comparison fail, so several are tried.
 */
static int agrees_with_syscall(enum pvclock_getcpu_method method)
{
	for (int i = 0; i < 16; i++) {
		int before = pvclock_sys_getcpu();
		int cpu = pvclock_getcpu(method);
		int after = pvclock_sys_getcpu();

		if (cpu >= 0 && before == cpu && after == cpu)
			return 1;
	}
	return 0;
}

int pvclock_getcpu_probe(enum pvclock_getcpu_method method, const char **why)
{
	struct pvclock_cpu_features f;
	const char *reason = NULL;
	int rc = PVCLOCK_ENOGETCPU;

	pvclock_cpu_features(&f);
	switch (method) {
	case PVCLOCK_GETCPU_RDPID:
		if (!f.rdpid)
			reason = "CPU has no RDPID (CPUID.7.0:ECX[22])";
		break;
	case PVCLOCK_GETCPU_RDTSCP:
		if (!f.rdtscp)
			reason = "CPU has no RDTSCP (CPUID.80000001:EDX[27])";
		break;
	case PVCLOCK_GETCPU_VDSO:
		if (!pvclock_clock_getcpu_fn)
			pvclock_clock_getcpu_fn = pvclock_kernel_vdso_sym("__vdso_getcpu");
		if (!pvclock_clock_getcpu_fn)
			reason = "kernel vDSO has no __vdso_getcpu";
		break;
	case PVCLOCK_GETCPU_RSEQ:
		if (!pvclock_rseq_available()) {
			reason = "rseq not registered and registration failed";
			rc = PVCLOCK_ENORSEQ;
		}
		break;
	case PVCLOCK_GETCPU_SYSCALL:
		if (pvclock_sys_getcpu() < 0)
			reason = "getcpu system call failed";
		break;
	default:
		reason = "not a getcpu method";
		rc = PVCLOCK_EARG;
		break;
	}
	if (!reason && !agrees_with_syscall(method))
		reason = method == PVCLOCK_GETCPU_RDPID || method == PVCLOCK_GETCPU_RDTSCP
				 ? "TSC_AUX does not hold the CPU number (kernel does not program it)"
				 : "disagrees with the getcpu system call";
	if (why)
		*why = reason;
	return reason ? rc : PVCLOCK_OK;
}

enum pvclock_getcpu_method pvclock_getcpu_best(void)
{
	/*
	 * Fastest first, as measured inside the per-vCPU read: the rseq load is
	 * cheaper alone, but RDPID needs no thread-local lookup before it.
	 */
	static const enum pvclock_getcpu_method order[] = {
		PVCLOCK_GETCPU_RDPID, PVCLOCK_GETCPU_RSEQ, PVCLOCK_GETCPU_RDTSCP, PVCLOCK_GETCPU_VDSO,
	};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (pvclock_getcpu_probe(order[i], NULL) == PVCLOCK_OK)
			return order[i];
	return PVCLOCK_GETCPU_SYSCALL;
}
