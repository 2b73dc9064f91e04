/* SPDX-License-Identifier: MIT */
/*
 * lib/core/procfs.h - what start-up needs from /proc/self, read with raw
 * system calls into small stack buffers (start-up may run in a signal
 * handler on a small alternate stack).
 */
#ifndef PVCLOCK_CORE_PROCFS_H
#define PVCLOCK_CORE_PROCFS_H

#include <stddef.h>
#include <stdint.h>

#include "clock_state.h"

/* What start-up takes from the auxiliary vector; 0 for what is absent. */
struct vproc_aux {
	uint64_t sysinfo_ehdr;   /* AT_SYSINFO_EHDR: the kernel's vDSO */
	uint64_t base;           /* AT_BASE: the dynamic linker; 0 when the kernel ran it as the program */
	uint64_t phdr;           /* AT_PHDR: the program's headers */
};

/* vproc_aux - fill @aux from the auxiliary vector, read once. */
void vproc_aux(struct vproc_aux *aux) PVCLOCK_HIDDEN;

/*
 * vproc_request - PVCLOCK_VDSO from the environment @env (libc's, at
 * start-up); NULL: from the process's initial environment in /proc.
 */
enum clock_request vproc_request(char *const *env) PVCLOCK_HIDDEN;

/* vproc_mapping - start and end of the mapping named @name ("[vvar]"); 0 when absent. */
int vproc_mapping(const char *name, uintptr_t *start, uintptr_t *end) PVCLOCK_HIDDEN;

/*
 * The parsers behind vproc_request() and vproc_mapping(), pure: they are
 * fed the file in the pieces read() returns, so any split gives one answer.
 */
struct vproc_env {
	size_t matched;      /* key bytes matched in this entry; (size_t)-1: not this entry */
	size_t vlen;         /* value bytes kept; sizeof(value): too long */
	int in_value;
	int found;           /* the value's NUL was seen */
	char value[16];
};

void vproc_env_init(struct vproc_env *st) PVCLOCK_HIDDEN;

/* vproc_env_feed - scan @n more bytes of an environ block; 1 once the value is complete. */
int vproc_env_feed(struct vproc_env *st, const char *buf, size_t n) PVCLOCK_HIDDEN;

/* vproc_env_request - what the bytes fed so far ask for (a value cut short by the end counts). */
enum clock_request vproc_env_request(struct vproc_env *st) PVCLOCK_HIDDEN;

struct vproc_maps {
	const char *name;    /* the mapping looked for */
	size_t len;          /* bytes of the current line kept */
	int overlong;        /* the current line did not fit line[] */
	char line[160];
};

void vproc_maps_init(struct vproc_maps *st, const char *name) PVCLOCK_HIDDEN;

/*
 * vproc_maps_feed - scan @n more bytes of a maps file; 1 and the range in
 * *@start, *@end at the first complete line that names the mapping.
 */
int vproc_maps_feed(struct vproc_maps *st, const char *buf, size_t n, uintptr_t *start,
		    uintptr_t *end) PVCLOCK_HIDDEN;

/* vproc_readable - whether @len bytes at @addr can be read without a fault. */
int vproc_readable(const void *addr, size_t len) PVCLOCK_HIDDEN;

/*
 * vproc_mapped - whether the memory is mapped at all, with one system call
 * and no descriptor: only for the ELF headers of objects the loader lists,
 * which are mapped readable, never for pages that may raise SIGBUS.
 */
int vproc_mapped(const void *addr, size_t len) PVCLOCK_HIDDEN;

#endif /* PVCLOCK_CORE_PROCFS_H */
