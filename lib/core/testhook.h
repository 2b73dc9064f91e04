/* SPDX-License-Identifier: MIT */
/*
 * lib/core/testhook.h - steering the clocks from tests: serve from a
 * simulated kernel time-data page and pvclock records instead of the
 * running kernel's.  Not part of the shared object.
 */
#ifndef PVCLOCK_CORE_TESTHOOK_H
#define PVCLOCK_CORE_TESTHOOK_H

#include <stdint.h>

/*
 * pvclock_clock_test_use - serve from @time_data (two 232-byte clock blocks,
 * 6.15+ layout), with namespace offsets from @ns_page when not NULL, and the
 * kvm-clock counter from @nr_slots records at @slots (64-byte stride).
 * @protocol is "auto", "vcpu0" or "percpu".  NULL @time_data serves nothing
 * (every clock is delegated, as with no pvclock at all).  Time data in
 * clock mode HVCLOCK reads the Hyper-V reference page at @slots instead.
 */
void pvclock_clock_test_use(const void *time_data, const void *ns_page, const void *slots,
			   unsigned nr_slots, const char *protocol);

/*
 * pvclock_clock_test_use_era - the same with @time_data and @ns_page laid out
 * as kernel era @era (enum kdata_era, kdata.h); each points at the first
 * block, not at its page.  Clock mode tsc takes the straight TSC paths.
 */
void pvclock_clock_test_use_era(int era, const void *time_data, const void *ns_page,
			       const void *slots, unsigned nr_slots, const char *protocol);

/* pvclock_clock_test_reset - forget everything; the next call starts up afresh. */
void pvclock_clock_test_reset(void);

/*
 * pvclock_clock_test_abandon_view - close the per-vCPU counter's current view
 * as a rebuild does, and never finish: what a process forked in the middle
 * of a rebuild, or one whose rebuilding thread died, is left with.
 */
void pvclock_clock_test_abandon_view(void);

/* pvclock_clock_test_served - 1 when the running process's time data is served. */
int pvclock_clock_test_served(void);

#endif /* PVCLOCK_CORE_TESTHOOK_H */
