/* SPDX-License-Identifier: MIT */
/* A Hyper-V reference TSC page given as memory (pvclock/hyperv.h). */
#include "pvclock/hyperv.h"

#define HYPERV_RETRIES 4096u

int pvclock_hyperv_open_memory(struct pvclock_hyperv *hv, const void *page)
{
	if (!hv)
		return PVCLOCK_EARG;
	hv->page = 0;
	if (!page || ((uintptr_t)page & 7))
		return PVCLOCK_EARG;
	hv->page = page;
	hv->max_retries = HYPERV_RETRIES;
	hv->origin = PVCLOCK_ORIGIN_MEMORY;
	return PVCLOCK_OK;
}
