/* SPDX-License-Identifier: MIT */
/*
 * pvclock/maps.h - finding the pvclock page in a /proc/<pid>/maps text, and
 * checking that memory can be read without faulting.
 */
#ifndef PVCLOCK_MAPS_H
#define PVCLOCK_MAPS_H

#include <stddef.h>
#include <stdint.h>

#include "pvclock/source.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pvclock_maps_hit {
	uintptr_t start, end;        /* the mapping */
	uintptr_t page;              /* where the pvclock page would be */
	enum pvclock_origin origin;  /* which kind of mapping */
};

/*
 * pvclock_maps_find - look for "[vvar_vclock]" (the page is its first page)
 * and, failing that, "[vvar]" at least two pages long (the page is its
 * second).  Lines that do not parse are skipped; returns PVCLOCK_OK,
 * PVCLOCK_ENOPAGE (no such mapping) or PVCLOCK_EARG (NULL argument).
 */
int pvclock_maps_find(const char *maps_text, struct pvclock_maps_hit *hit);

/*
 * pvclock_maps_find_self - pvclock_maps_find() on /proc/self/maps, read in
 * small pieces (no allocation).  Returns PVCLOCK_OK, PVCLOCK_ENOPAGE,
 * PVCLOCK_EMAPS when the file cannot be read, or PVCLOCK_EARG (@hit NULL).
 */
int pvclock_maps_find_self(struct pvclock_maps_hit *hit);

/*
 * pvclock_probe_readable - whether [@addr, @addr+@len) can be read without a
 * fault, asked of the kernel: it reads a word of each page through its own
 * fault handling (FUTEX_CMP_REQUEUE, which never waits and needs no
 * descriptor), so a page that would raise SIGBUS or SIGSEGV in userspace
 * gives EFAULT instead.  Returns PVCLOCK_OK, PVCLOCK_ENOPAGE, PVCLOCK_EPROBE
 * (the system call was refused) or PVCLOCK_EARG (@addr NULL, @len 0 or
 * above 4096).
 */
int pvclock_probe_readable(const void *addr, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_MAPS_H */
