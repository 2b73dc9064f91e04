/* SPDX-License-Identifier: MIT */
/*
 * simkernel_era.c - time data in each kernel era's layout (see
 * simkernel_era.h).
 */
#include <stddef.h>
#include <string.h>

#include "simkernel_era.h"

/* Block @c written at @at in @era's layout. */
static void put_block(unsigned char *at, enum kdata_era era, const struct kdata_clock *c)
{
	const struct kdata_layout *l = &kdata_layouts[era];
	unsigned char *f = at + l->foff;

	memcpy(at + offsetof(struct kdata_clock, seq), &c->seq, 4);
	memcpy(at + offsetof(struct kdata_clock, clock_mode), &c->clock_mode, 4);
	memcpy(at + offsetof(struct kdata_clock, cycle_last), &c->cycle_last, 8);
	if (!l->max_or)
		memcpy(f + offsetof(struct kdata_clock, max_cycles), &c->max_cycles, 8);
	memcpy(f + offsetof(struct kdata_clock, mask), &c->mask, 8);
	memcpy(f + offsetof(struct kdata_clock, mult), &c->mult, 4);
	memcpy(f + offsetof(struct kdata_clock, shift), &c->shift, 4);
	memcpy(f + offsetof(struct kdata_clock, base), c->base, sizeof(c->base));
}

unsigned char *simkernel_era_put(unsigned char *image, unsigned page, enum kdata_era era,
				 const struct kdata_clock kd[2])
{
	const struct kdata_layout *l = &kdata_layouts[era];
	unsigned char *at = image + page * 4096 + l->offset;

	put_block(at, era, &kd[KDATA_HRES]);
	put_block(at + l->stride, era, &kd[KDATA_RAW]);
	return at;
}
