/* SPDX-License-Identifier: MIT */
/*
 * pvclock/rseq.h - the calling thread's restartable-sequences area.
 *
 * glibc 2.35 and later registers one area per thread and exports its offset
 * from the thread pointer; with other libcs (musl) the library registers its
 * own area, once per thread, on first use.
 */
#ifndef PVCLOCK_RSEQ_H
#define PVCLOCK_RSEQ_H

#include <stdint.h>

#include "pvclock/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel's struct rseq (ABI v0; 32-byte aligned, 32 bytes registered). */
struct pvclock_rseq_area {
	uint32_t cpu_id_start;
	uint32_t cpu_id;
	uint64_t rseq_cs;
	uint32_t flags;
	uint32_t node_id;
	uint32_t mm_cid;
	uint32_t pad;
} __attribute__((aligned(32)));

PVCLOCK_STATIC_ASSERT(sizeof(struct pvclock_rseq_area) == 32, "rseq area is 32 bytes");

/* Values of cpu_id that are not CPU numbers. */
#define PVCLOCK_RSEQ_CPU_UNREGISTERED ((uint32_t)-1)
#define PVCLOCK_RSEQ_CPU_FAILED       ((uint32_t)-2)

/* The signature the kernel expects in the 4 bytes before an abort handler (x86). */
#define PVCLOCK_RSEQ_SIG 0x53053053u

/* Who registered the calling thread's area. */
enum pvclock_rseq_owner {
	PVCLOCK_RSEQ_NONE = 0,    /* not registered and registration failed */
	PVCLOCK_RSEQ_LIBC,        /* libc's area (glibc __rseq_offset) */
	PVCLOCK_RSEQ_OWN,         /* this library registered its own */
};

extern __thread volatile struct pvclock_rseq_area *pvclock_rseq_tls;

/*
 * pvclock_rseq_thread_init - find or register the calling thread's area.
 * Returns the area; when rseq cannot be had, a thread-local stand-in whose
 * cpu_id is PVCLOCK_RSEQ_CPU_FAILED.  Async-signal-safe; no allocation.
 */
volatile struct pvclock_rseq_area *pvclock_rseq_thread_init(void);

/* pvclock_rseq_owner - who registered the calling thread's area. */
enum pvclock_rseq_owner pvclock_rseq_owner(void);

/*
 * pvclock_rseq_current - the calling thread's area.  One thread-local load
 * after the first call in a thread.
 */
static inline volatile struct pvclock_rseq_area *pvclock_rseq_current(void)
{
	volatile struct pvclock_rseq_area *rs = pvclock_rseq_tls;

	if (__builtin_expect(rs == 0, 0))
		rs = pvclock_rseq_thread_init();
	return rs;
}

/* pvclock_rseq_available - true when the calling thread has a usable area. */
static inline int pvclock_rseq_available(void)
{
	return (int32_t)pvclock_rseq_current()->cpu_id >= 0;
}

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_RSEQ_H */
