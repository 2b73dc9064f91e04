/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <sys/auxv.h>

#include "pvclock/vdso_sym.h"

const void *pvclock_kernel_vdso(void)
{
	return (const void *)getauxval(AT_SYSINFO_EHDR);
}

void *pvclock_kernel_vdso_sym(const char *name)
{
	return pvclock_elf_lookup(pvclock_kernel_vdso(), name, "LINUX_2.6");
}
