/* SPDX-License-Identifier: MIT */
/*
 * simhyperv.h - a simulated Hyper-V host publishing a reference TSC page
 * over this machine's TSC: updates of scale and offset that keep the
 * reference time continuous, each inside a sequence-0 window, and episodes
 * where the page is invalid (sequence 0) for a while.
 */
#ifndef PVCLOCK_SIMHYPERV_H
#define PVCLOCK_SIMHYPERV_H

#include <stdint.h>

#include "pvclock/hyperv.h"

struct simhyperv {
	_Alignas(4096) union {
		struct pvclock_hyperv_tsc_page tsc;
		unsigned char bytes[4096];
	} page;
	uint64_t base_scale;      /* 10 MHz over the TSC rate measured at init, 0.64 */
	uint32_t next_sequence;
};

/* simhyperv_init - a valid page: reference time about CLOCK_MONOTONIC_RAW / 100 ns. */
void simhyperv_init(struct simhyperv *h);

/*
 * simhyperv_update - scale set to the measured one times (1 + @ppm / 10^6),
 * the offset carried so the reference time at the TSC read after the
 * sequence went to 0 is unchanged; then a new, nonzero sequence.
 */
void simhyperv_update(struct simhyperv *h, int64_t ppm);

/* simhyperv_invalidate - sequence 0 until the next update. */
void simhyperv_invalidate(struct simhyperv *h);

/*
 * simhyperv_reference - the reference time at @tsc from the page as it is
 * (no update running), computed from 32-bit partial products: a second
 * derivation of the 128-bit formula, for checks.
 */
uint64_t simhyperv_reference(const struct simhyperv *h, uint64_t tsc);

/* A host that keeps updating @h, the scale going +@ppm, -@ppm, 0, ... */
struct simhyperv_host {
	struct simhyperv *h;
	int64_t ppm;
};

/* simhyperv_host_step - update number @n of host @ctx (a simloop step, simloop.h). */
void simhyperv_host_step(void *ctx, long n);

#endif /* PVCLOCK_SIMHYPERV_H */
