/* SPDX-License-Identifier: MIT */
/*
 * vdso/procfs.h - what the drop-in needs from /proc/self, read with raw
 * system calls into small stack buffers (start-up may run in a signal
 * handler on a small alternate stack).
 */
#ifndef PVCLOCK_VDSO_PROCFS_H
#define PVCLOCK_VDSO_PROCFS_H

#include <stddef.h>
#include <stdint.h>

#include "vdso.h"

/* vproc_auxv - the value of auxiliary vector entry @type, 0 when absent. */
uint64_t vproc_auxv(uint64_t type) VDSO_HIDDEN;

/* vproc_request - PVCLOCK_VDSO from the process's initial environment. */
enum vdso_request vproc_request(void) VDSO_HIDDEN;

/* vproc_mapping - start and end of the mapping named @name ("[vvar]"); 0 when absent. */
int vproc_mapping(const char *name, uintptr_t *start, uintptr_t *end) VDSO_HIDDEN;

/* vproc_readable - whether @len bytes at @addr can be read without a fault. */
int vproc_readable(const void *addr, size_t len) VDSO_HIDDEN;

#endif /* PVCLOCK_VDSO_PROCFS_H */
