/* SPDX-License-Identifier: MIT */
/*
 * pvclock/tsc.h - reading the time-stamp counter, ordered and unordered.
 */
#ifndef PVCLOCK_TSC_H
#define PVCLOCK_TSC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * How a read protocol reads the TSC.  The ordered modes keep RDTSC from
 * executing before the version load that precedes it.
 */
enum pvclock_tsc_mode {
	PVCLOCK_TSC_AUTO = 0,     /* RDTSCP when the CPU has it, else LFENCE;RDTSC */
	PVCLOCK_TSC_RDTSCP,       /* RDTSCP: waits for earlier loads; TSC_AUX names the CPU */
	PVCLOCK_TSC_LFENCE,       /* LFENCE;RDTSC */
	PVCLOCK_TSC_MFENCE,       /* MFENCE;RDTSC (ordered on AMD without a serializing LFENCE) */
	PVCLOCK_TSC_UNORDERED,    /* bare RDTSC: for measuring what the fence costs, never for time */
};

/* TSC_AUX as Linux programs it: (node << 12) | cpu. */
#define PVCLOCK_TSC_AUX_CPU_MASK 0xfffu

static inline uint64_t pvclock_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t pvclock_rdtsc_lfence(void)
{
	uint32_t lo, hi;

	/* The clobber keeps the compiler from moving loads across the fence. */
	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * pvclock_rdtsc_fenced - LFENCE;RDTSC;LFENCE: after every earlier
 * instruction and before every later one, loads included (for readers whose
 * sequence re-check must come after the counter is read).
 */
static inline uint64_t pvclock_rdtsc_fenced(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t pvclock_rdtsc_mfence(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("mfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t pvclock_rdtscp(uint32_t *aux)
{
	uint32_t lo, hi, c;

	__asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c) : : "memory");
	if (aux)
		*aux = c;
	return ((uint64_t)hi << 32) | lo;
}

/* RDPID: TSC_AUX without reading the TSC.  Encoded by hand for old assemblers. */
static inline uint32_t pvclock_rdpid(void)
{
	uint64_t aux;

	__asm__ __volatile__(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(aux));
	return (uint32_t)aux;
}

/*
 * pvclock_tsc_read - read the TSC the way @mode says.  @mode must be resolved
 * (not PVCLOCK_TSC_AUTO).  With PVCLOCK_TSC_RDTSCP, *@aux receives TSC_AUX;
 * in the other modes it is left alone.
 */
static inline uint64_t pvclock_tsc_read(enum pvclock_tsc_mode mode, uint32_t *aux)
{
	switch (mode) {
	case PVCLOCK_TSC_RDTSCP:
		return pvclock_rdtscp(aux);
	case PVCLOCK_TSC_MFENCE:
		return pvclock_rdtsc_mfence();
	case PVCLOCK_TSC_UNORDERED:
		return pvclock_rdtsc();
	default:
		return pvclock_rdtsc_lfence();
	}
}

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_TSC_H */
