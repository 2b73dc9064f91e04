/* SPDX-License-Identifier: MIT */
/* The Hyper-V reference TSC page Linux maps for its vDSO (pvclock/hyperv.h). */
#include "pvclock/hyperv.h"
#include "pvclock/maps.h"

int pvclock_hyperv_open_kernel(struct pvclock_hyperv *hv)
{
	struct pvclock_maps_hit hit;
	uintptr_t page;
	int rc;

	if (!hv)
		return PVCLOCK_EARG;
	hv->page = 0;
	rc = pvclock_maps_find_self(&hit);
	if (rc != PVCLOCK_OK)
		return rc;
	/* 6.13+: [vvar_vclock] is the pvclock page, then this one; before, [vvar]'s third page. */
	page = hit.start + (hit.origin == PVCLOCK_ORIGIN_VVAR_VCLOCK ? 1 : 2) * (uintptr_t)PVCLOCK_PAGE_SIZE;
	if (page + PVCLOCK_PAGE_SIZE > hit.end)
		return PVCLOCK_ENOPAGE;
	/* A page the kernel never enabled raises SIGBUS when touched. */
	rc = pvclock_probe_readable((const void *)page, PVCLOCK_PAGE_SIZE);
	if (rc != PVCLOCK_OK)
		return rc;
	rc = pvclock_hyperv_open_memory(hv, (const void *)page);
	if (rc == PVCLOCK_OK)
		hv->origin = (uint8_t)hit.origin;
	return rc;
}
