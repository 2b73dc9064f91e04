/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <time.h>

#include "pvclock/tsc.h"
#include "simhyperv.h"
#include "simkernel.h"

/* (a * b) >> 64 from four 32x32 products, carries by hand. */
static uint64_t mulhi(uint64_t a, uint64_t b)
{
	uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;

	return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

uint64_t simhyperv_reference(const struct simhyperv *h, uint64_t tsc)
{
	return mulhi(tsc, h->page.tsc.tsc_scale) + (uint64_t)h->page.tsc.tsc_offset;
}

void simhyperv_init(struct simhyperv *h)
{
	uint64_t hz = simkernel_tsc_per_ms() * 1000u, tsc;
	struct timespec raw;

	memset(h, 0, sizeof(*h));
	h->base_scale = (uint64_t)(((unsigned __int128)10000000u << 64) / hz);
	h->page.tsc.tsc_scale = h->base_scale;
	clock_gettime(CLOCK_MONOTONIC_RAW, &raw);
	tsc = pvclock_rdtsc_fenced();
	h->page.tsc.tsc_offset = (int64_t)(((uint64_t)raw.tv_sec * 10000000u + (uint64_t)raw.tv_nsec / 100u) -
					   mulhi(tsc, h->base_scale));
	h->next_sequence = 2;
	h->page.tsc.tsc_sequence = 1;
}

/* Sequence 0, visible before the TSC read that anchors the update. */
static uint64_t begin(struct simhyperv *h)
{
	__atomic_store_n(&h->page.tsc.tsc_sequence, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return pvclock_rdtsc_fenced();
}

void simhyperv_update(struct simhyperv *h, int64_t ppm)
{
	struct pvclock_hyperv_tsc_page *p = &h->page.tsc;
	uint64_t a = begin(h), ref = simhyperv_reference(h, a);
	uint64_t scale = (uint64_t)((__int128)h->base_scale + (__int128)h->base_scale * ppm / 1000000);

	p->tsc_scale = scale;
	/* Readers of the old page read their TSC before a: at most ref; readers of the new, at least. */
	p->tsc_offset = (int64_t)(ref - mulhi(a, scale));
	if (h->next_sequence == 0)
		h->next_sequence = 1;
	__atomic_store_n(&p->tsc_sequence, h->next_sequence++, __ATOMIC_RELEASE);
}

void simhyperv_invalidate(struct simhyperv *h)
{
	__atomic_store_n(&h->page.tsc.tsc_sequence, 0, __ATOMIC_RELEASE);
}

void simhyperv_host_step(void *ctx, long n)
{
	struct simhyperv_host *t = ctx;

	simhyperv_update(t->h, n % 3 == 0 ? t->ppm : n % 3 == 1 ? -t->ppm : 0);
}
