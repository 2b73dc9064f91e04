/* SPDX-License-Identifier: MIT */
/*
 * pvclock/vdso_sym.h - looking up symbols in the kernel's vDSO (or any
 * loaded ELF image) without dlopen.
 */
#ifndef PVCLOCK_VDSO_SYM_H
#define PVCLOCK_VDSO_SYM_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * pvclock_elf_lookup - the address of @name, of version @version when not
 * NULL, in the mapped ELF image whose header is at @ehdr (as the kernel maps
 * its vDSO: one PT_LOAD, a PT_DYNAMIC with DT_HASH or DT_GNU_HASH).  NULL
 * when absent or when the image is not a 64-bit x86 ELF.  Uses no libc, so
 * it also serves freestanding code.
 */
void *pvclock_elf_lookup(const void *ehdr, const char *name, const char *version);

/*
 * pvclock_kernel_vdso - the kernel vDSO's ELF header (AT_SYSINFO_EHDR), or
 * NULL when the process has none.
 */
const void *pvclock_kernel_vdso(void);

/*
 * pvclock_kernel_vdso_sym - @name (version LINUX_2.6) in the kernel's vDSO;
 * NULL when there is no vDSO or no such symbol.
 */
void *pvclock_kernel_vdso_sym(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_VDSO_SYM_H */
