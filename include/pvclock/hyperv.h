/* SPDX-License-Identifier: MIT */
/*
 * pvclock/hyperv.h - Hyper-V's reference TSC page: the partition's reference
 * time, in 100 ns units, from one TSC read.
 *
 *     reference(tsc) = ((tsc * tsc_scale) >> 64) + tsc_offset
 *
 * the product taken at 128 bits and rounded down; nanoseconds are that
 * times 100, exactly (so a reading moves in steps of 100 ns).  The host
 * changes tsc_sequence with every change of the page; a sequence of 0 means
 * the page is not valid now (the guest must ask the hypervisor some other
 * way) and is a status here, never a time.  A reader loads the sequence,
 * the scale and offset, reads the TSC (ordered), and starts again when the
 * sequence has changed, a bounded number of times.
 *
 * Linux maps the page for userspace only where the hyperv clocksource was
 * used (touching it otherwise raises SIGBUS): from 6.13 as the second page
 * of [vvar_vclock], before as the third page of [vvar].
 */
#ifndef PVCLOCK_HYPERV_H
#define PVCLOCK_HYPERV_H

#include <stddef.h>
#include <stdint.h>

#include "pvclock/abi.h"
#include "pvclock/error.h"
#include "pvclock/source.h"
#include "pvclock/tsc.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pvclock_hyperv_tsc_page {
	uint32_t tsc_sequence;     /* changes with every update; 0: the page is not valid */
	uint32_t reserved1;
	uint64_t tsc_scale;        /* reference units per tick, 0.64 fixed point */
	int64_t tsc_offset;        /* reference units */
};

PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_hyperv_tsc_page, tsc_scale) == 8, "tsc_scale @8");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_hyperv_tsc_page, tsc_offset) == 16, "tsc_offset @16");

/* struct pvclock_hyperv - an open reference TSC page. */
struct pvclock_hyperv {
	const volatile struct pvclock_hyperv_tsc_page *page;   /* NULL: not open */
	unsigned max_retries;      /* tries while the sequence keeps changing */
	uint8_t origin;            /* enum pvclock_origin */
};

/* One reading. */
struct pvclock_hyperv_time {
	uint64_t reference;        /* 100 ns units since the partition's reference epoch */
	uint64_t ns;               /* reference * 100 */
	uint64_t tsc;              /* the TSC value it was computed from */
	uint32_t sequence;         /* the page's sequence for this reading */
};

/* pvclock_hyperv_open_memory - a page at @page (tests, unikernels, /dev/hv_tsc mapped by hand). */
int pvclock_hyperv_open_memory(struct pvclock_hyperv *hv, const void *page);

/*
 * pvclock_hyperv_open_kernel - the page Linux maps for its vDSO, found
 * through /proc/self/maps and probed without a fault.  PVCLOCK_ENOPAGE
 * where there is none (not Hyper-V, or the hyperv clocksource never used),
 * PVCLOCK_EMAPS, PVCLOCK_EPROBE.
 */
int pvclock_hyperv_open_kernel(struct pvclock_hyperv *hv);

/*
 * pvclock_hyperv_read - the reference time now.  PVCLOCK_OK and *@t;
 * PVCLOCK_ESEQZERO while the page is not valid; PVCLOCK_ESTUCK when the
 * sequence keeps changing past max_retries; PVCLOCK_EARG, PVCLOCK_ENOSOURCE.
 * *@t is left alone unless PVCLOCK_OK.
 */
static inline int pvclock_hyperv_read(const struct pvclock_hyperv *hv, struct pvclock_hyperv_time *t)
{
	const volatile struct pvclock_hyperv_tsc_page *p;
	uint64_t scale, tsc;
	int64_t offset;
	uint32_t seq;

	if (__builtin_expect(!hv || !t, 0))
		return PVCLOCK_EARG;
	p = hv->page;
	if (__builtin_expect(!p, 0))
		return PVCLOCK_ENOSOURCE;
	for (unsigned tries = 0;; tries++) {
		if (__builtin_expect(tries == hv->max_retries, 0))
			return PVCLOCK_ESTUCK;
		seq = p->tsc_sequence;
		if (__builtin_expect(seq == 0, 0))
			return PVCLOCK_ESEQZERO;
		pvclock_barrier();
		scale = p->tsc_scale;
		offset = p->tsc_offset;
		/* Ordered after the loads above; the re-check below after the TSC read. */
		tsc = pvclock_rdtsc_fenced();
		if (__builtin_expect(p->tsc_sequence == seq, 1))
			break;
	}
	t->reference = (uint64_t)((unsigned __int128)tsc * scale >> 64) + (uint64_t)offset;
	t->ns = t->reference * 100u;
	t->tsc = tsc;
	t->sequence = seq;
	return PVCLOCK_OK;
}

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_HYPERV_H */
