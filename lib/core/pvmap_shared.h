/* SPDX-License-Identifier: MIT */
/*
 * lib/core/pvmap_shared.h - the two kvm-clock maps the clocks share
 * (pvmap.h): one from vCPU 0's record, one from the per-vCPU view's lead
 * and floor (view.h), keyed by the view's sequence number instead of a
 * record's version.
 */
#ifndef PVCLOCK_CORE_PVMAP_SHARED_H
#define PVCLOCK_CORE_PVMAP_SHARED_H

#include "clock_state.h"
#include "pvmap.h"

extern struct pvmap pvclock_clock_pvmap PVCLOCK_HIDDEN;
/* The same for MONOTONIC_RAW, from the raw block. */
extern struct pvmap pvclock_clock_rawmap PVCLOCK_HIDDEN;
extern struct pvmap pvclock_clock_viewmap PVCLOCK_HIDDEN;

/*
 * pvclock_clock_pvmap_refresh - rebuild the vCPU 0 map of block @blk
 * (KDATA_HRES: pvclock_clock_pvmap, KDATA_RAW: pvclock_clock_rawmap) from
 * @s's current record and time data.
 */
void pvclock_clock_pvmap_refresh(const struct clock_state *s, unsigned blk) PVCLOCK_HIDDEN;

/* pvclock_clock_viewmap_refresh - rebuild the view map from the open view and time data. */
void pvclock_clock_viewmap_refresh(const struct clock_state *s) PVCLOCK_HIDDEN;

/* pvclock_clock_pvmap_reset - make both maps stale (tests switching data). */
void pvclock_clock_pvmap_reset(void) PVCLOCK_HIDDEN;

#endif /* PVCLOCK_CORE_PVMAP_SHARED_H */
