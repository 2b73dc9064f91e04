/* SPDX-License-Identifier: MIT */
/*
 * simkernel_era.h - time data written as each kernel era lays it out
 * (vdso/kdata.h's table), into an image of a [vvar] mapping: field by
 * field at the era's offsets, for the recogniser and the clock functions
 * to find and serve.
 */
#ifndef PVCLOCK_SIMKERNEL_ERA_H
#define PVCLOCK_SIMKERNEL_ERA_H

#include "pvclock/kdata.h"

/*
 * simkernel_era_put - blocks @kd (KDATA_HRES, KDATA_RAW) written into page
 * @page of @image (4096-byte pages) in @era's layout; the first block's
 * address.  Bytes between the fields are left as they were.
 */
unsigned char *simkernel_era_put(unsigned char *image, unsigned page, enum kdata_era era,
				 const struct kdata_clock kd[2]);

#endif /* PVCLOCK_SIMKERNEL_ERA_H */
