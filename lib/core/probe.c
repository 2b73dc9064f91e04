/* SPDX-License-Identifier: MIT */
/* Whether memory can be read without a fault, asked of the kernel. */
#include <stdint.h>

#include "pvclock/error.h"
#include "pvclock/maps.h"
#include "pvclock/syscall.h"

/*
 * FUTEX_CMP_REQUEUE reads the word at its first address through the
 * kernel's fault handling (EFAULT where a load would raise SIGBUS or
 * SIGSEGV), compares it with the last argument and, moving no waiter,
 * returns 0 or EAGAIN at once: no descriptor, no wait, nothing changed, and
 * a call no sandbox that lets threads run can forbid.  Faults come a page
 * at a time, so one word per page answers for the whole page.
 */
static long probe_page(uintptr_t page)
{
	uint32_t other = 0;

	return pvclock_syscall6(PVCLOCK_SYS_futex, (long)page, PVCLOCK_SYS_FUTEX_CMP_REQUEUE_PRIVATE,
				0, 0, (long)&other, 0);
}

int pvclock_probe_readable(const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr, last;

	if (!addr || len == 0 || len > PVCLOCK_PAGE_SIZE)
		return PVCLOCK_EARG;
	if (a + len - 1 < a)
		return PVCLOCK_ENOPAGE;
	last = (a + len - 1) & ~(uintptr_t)(PVCLOCK_PAGE_SIZE - 1);
	for (uintptr_t p = a & ~(uintptr_t)(PVCLOCK_PAGE_SIZE - 1);; p += PVCLOCK_PAGE_SIZE) {
		long r = probe_page(p);

		if (r == -PVCLOCK_SYS_EFAULT)
			return PVCLOCK_ENOPAGE;
		if (r != 0 && r != -PVCLOCK_SYS_EAGAIN)
			return PVCLOCK_EPROBE;
		if (p == last)
			return PVCLOCK_OK;
	}
}
