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
struct pvclock_proc_aux {
	uint64_t sysinfo_ehdr;   /* AT_SYSINFO_EHDR: the kernel's vDSO */
	uint64_t base;           /* AT_BASE: the dynamic linker; 0 when the kernel ran it as the program */
	uint64_t phdr;           /* AT_PHDR: the program's headers */
};

/* pvclock_proc_aux - fill @aux from the auxiliary vector, read once. */
void pvclock_proc_aux(struct pvclock_proc_aux *aux) PVCLOCK_HIDDEN;

/*
 * pvclock_proc_request - PVCLOCK_VDSO from the environment @env (libc's, at
 * start-up); NULL: from the process's initial environment in /proc.
 */
enum clock_request pvclock_proc_request(char *const *env) PVCLOCK_HIDDEN;

/*
 * pvclock_proc_trust_host - whether @env holds PVCLOCK_TRUST_HOST=1 (a
 * confidential guest's owner vouching for the host); no environment: no.
 */
int pvclock_proc_trust_host(char *const *env) PVCLOCK_HIDDEN;

/* pvclock_proc_mapping - start and end of the mapping named @name ("[vvar]"); 0 when absent. */
int pvclock_proc_mapping(const char *name, uintptr_t *start, uintptr_t *end) PVCLOCK_HIDDEN;

/*
 * The parsers behind pvclock_proc_request() and pvclock_proc_mapping(), pure: they are
 * fed the file in the pieces read() returns, so any split gives one answer.
 */
struct proc_env {
	size_t matched;      /* key bytes matched in this entry; (size_t)-1: not this entry */
	size_t vlen;         /* value bytes kept; sizeof(value): too long */
	int in_value;
	int found;           /* the value's NUL was seen */
	char value[16];
};

void pvclock_proc_env_init(struct proc_env *st) PVCLOCK_HIDDEN;

/* pvclock_proc_env_feed - scan @n more bytes of an environ block; 1 once the value is complete. */
int pvclock_proc_env_feed(struct proc_env *st, const char *buf, size_t n) PVCLOCK_HIDDEN;

/* pvclock_proc_env_request - what the bytes fed so far ask for (a value cut short by the end counts). */
enum clock_request pvclock_proc_env_request(struct proc_env *st) PVCLOCK_HIDDEN;

struct proc_maps {
	const char *name;    /* the mapping looked for */
	size_t len;          /* bytes of the current line kept */
	int overlong;        /* the current line did not fit line[] */
	char line[160];
};

void pvclock_proc_maps_init(struct proc_maps *st, const char *name) PVCLOCK_HIDDEN;

/*
 * pvclock_proc_maps_feed - scan @n more bytes of a maps file; 1 and the range in
 * *@start, *@end at the first complete line that names the mapping.
 */
int pvclock_proc_maps_feed(struct proc_maps *st, const char *buf, size_t n, uintptr_t *start,
		    uintptr_t *end) PVCLOCK_HIDDEN;

/* pvclock_proc_readable - whether @len bytes at @addr can be read without a fault. */
int pvclock_proc_readable(const void *addr, size_t len) PVCLOCK_HIDDEN;

/*
 * pvclock_proc_mapped - whether the memory is mapped at all, with one system call
 * and no descriptor: only for the ELF headers of objects the loader lists,
 * which are mapped readable, never for pages that may raise SIGBUS.
 */
int pvclock_proc_mapped(const void *addr, size_t len) PVCLOCK_HIDDEN;

#endif /* PVCLOCK_CORE_PROCFS_H */
