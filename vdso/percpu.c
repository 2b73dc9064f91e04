/* SPDX-License-Identifier: MIT */
#include "percpu.h"

VDSO_HIDDEN struct vdso_vcpu_last pvclock_vdso_vcpu_last[PVCLOCK_PAGE_SLOTS];

VDSO_HIDDEN void pvclock_vdso_percpu_reset(void)
{
	for (unsigned k = 0; k < PVCLOCK_PAGE_SLOTS; k++)
		__atomic_store_n(&pvclock_vdso_vcpu_last[k].ns, 0, __ATOMIC_RELAXED);
}
