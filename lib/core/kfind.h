/* SPDX-License-Identifier: MIT */
/*
 * lib/core/kfind.h - recognising the kernel's time data in a [vvar] mapping
 * (layouts in kdata.h).  Pure: it reads the memory it is given and nothing
 * else, so the tests hand it images of every layout.
 */
#ifndef PVCLOCK_CORE_KFIND_H
#define PVCLOCK_CORE_KFIND_H

#include <stddef.h>
#include <stdint.h>

#include "pvclock/kdata.h"

#define KFIND_PAGE 4096u

struct kfind_result {
	enum kdata_era era;
	const volatile struct kdata_clock *kd;   /* the two blocks */
	const volatile struct kdata_clock *ns;   /* namespace offsets, or NULL */
	int32_t mode;                            /* the blocks' clock mode */
};

/*
 * pvclock_kfind_time_data - the time data in the mapping [@start, @end), which must
 * begin at page 0 of [vvar].  @readable(addr, len) says whether memory may
 * be touched (pages the kernel never enabled raise SIGBUS).  Layouts are
 * tried newest first; one fits when both blocks have the same clock mode
 * (TSC, PVCLOCK or HVCLOCK), an all-ones mask, a multiplier, a shift below
 * 64 and, where the layout has one, a nonzero max_cycles; the layouts that
 * start at byte 128 also need the first 128 bytes to be zero.  Inside a
 * time namespace the same holds for the real data, and the offsets page
 * must carry the TIMENS mode in both blocks.  Returns 1 and fills @out, or
 * 0 when no layout fits.
 */
int pvclock_kfind_time_data(uintptr_t start, uintptr_t end, int (*readable)(const void *addr, size_t len),
		    struct kfind_result *out);

#endif /* PVCLOCK_CORE_KFIND_H */
