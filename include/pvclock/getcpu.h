/* SPDX-License-Identifier: MIT */
/*
 * pvclock/getcpu.h - which CPU the calling thread runs on, five ways.
 */
#ifndef PVCLOCK_GETCPU_H
#define PVCLOCK_GETCPU_H

#include <stdint.h>

#include "pvclock/error.h"
#include "pvclock/rseq.h"
#include "pvclock/syscall.h"
#include "pvclock/tsc.h"

#ifdef __cplusplus
extern "C" {
#endif

enum pvclock_getcpu_method {
	PVCLOCK_GETCPU_AUTO = 0,  /* the fastest that works: RDPID, rseq, RDTSCP, vDSO, syscall */
	PVCLOCK_GETCPU_RDPID,     /* RDPID: TSC_AUX & 0xfff */
	PVCLOCK_GETCPU_RDTSCP,    /* RDTSCP: TSC_AUX & 0xfff (also reads the TSC) */
	PVCLOCK_GETCPU_VDSO,      /* the kernel vDSO's __vdso_getcpu */
	PVCLOCK_GETCPU_RSEQ,      /* the rseq area's cpu_id */
	PVCLOCK_GETCPU_SYSCALL,   /* the getcpu system call */
	PVCLOCK_GETCPU_NR_METHODS
};

/* The kernel vDSO's getcpu, resolved by pvclock_getcpu_probe(); NULL before. */
extern long (*pvclock_clock_getcpu_fn)(unsigned *cpu, unsigned *node, void *cache);

/* The getcpu system call, without libc. */
static inline int pvclock_sys_getcpu(void)
{
	unsigned cpu = 0;

	return pvclock_syscall3(PVCLOCK_SYS_getcpu, (long)&cpu, 0, 0) < 0 ? PVCLOCK_ENOGETCPU : (int)cpu;
}

/*
 * pvclock_getcpu - the calling thread's CPU by @method (resolved, not AUTO),
 * or PVCLOCK_ENOGETCPU / PVCLOCK_ENORSEQ when the method cannot answer.  The
 * answer may be stale by the time it is used: callers check it again.
 */
static inline int pvclock_getcpu(enum pvclock_getcpu_method method)
{
	uint32_t aux;

	switch (method) {
	case PVCLOCK_GETCPU_RSEQ: {
		int32_t cpu = (int32_t)pvclock_rseq_current()->cpu_id;

		return cpu >= 0 ? cpu : PVCLOCK_ENORSEQ;
	}
	case PVCLOCK_GETCPU_RDPID:
		return (int)(pvclock_rdpid() & PVCLOCK_TSC_AUX_CPU_MASK);
	case PVCLOCK_GETCPU_RDTSCP:
		pvclock_rdtscp(&aux);
		return (int)(aux & PVCLOCK_TSC_AUX_CPU_MASK);
	case PVCLOCK_GETCPU_VDSO: {
		unsigned cpu;

		if (!pvclock_clock_getcpu_fn || pvclock_clock_getcpu_fn(&cpu, 0, 0) != 0)
			return PVCLOCK_ENOGETCPU;
		return (int)cpu;
	}
	case PVCLOCK_GETCPU_SYSCALL:
		return pvclock_sys_getcpu();
	default:
		return PVCLOCK_ENOGETCPU;
	}
}

/*
 * pvclock_getcpu_probe - check whether @method works on this machine: the
 * instruction exists, the kernel programs TSC_AUX, the vDSO has getcpu, rseq
 * can be registered; and that it agrees with the getcpu system call.
 * Returns PVCLOCK_OK, PVCLOCK_ENOGETCPU or PVCLOCK_ENORSEQ.  Resolves
 * pvclock_clock_getcpu_fn for PVCLOCK_GETCPU_VDSO.  @why, when not NULL,
 * receives a one-line reason on failure (static storage).
 */
int pvclock_getcpu_probe(enum pvclock_getcpu_method method, const char **why);

/* pvclock_getcpu_best - the fastest working method on this machine; SYSCALL at worst. */
enum pvclock_getcpu_method pvclock_getcpu_best(void);

/* pvclock_getcpu_name - "rdpid", "rdtscp", "vdso", "rseq", "syscall", "auto"; "?" otherwise. */
const char *pvclock_getcpu_name(enum pvclock_getcpu_method method);

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_GETCPU_H */
