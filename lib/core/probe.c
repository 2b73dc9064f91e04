/* SPDX-License-Identifier: MIT */
/* Whether memory can be read without a fault, asked of the kernel. */
#include "pvclock/error.h"
#include "pvclock/maps.h"
#include "pvclock/syscall.h"

int pvclock_probe_readable(const void *addr, size_t len)
{
	int p[2];
	long n;

	if (!addr || len == 0 || len > PVCLOCK_PAGE_SIZE)
		return PVCLOCK_EARG;
	if (pvclock_syscall3(PVCLOCK_SYS_pipe2, (long)p,
			     PVCLOCK_SYS_O_CLOEXEC | PVCLOCK_SYS_O_NONBLOCK, 0) != 0)
		return PVCLOCK_EPROBE;
	/*
	 * The kernel copies through its own fault handling: EFAULT where a
	 * load would raise SIGBUS or SIGSEGV.  A pipe holds at least one page,
	 * so one write of at most a page never blocks.
	 */
	n = pvclock_syscall3_retry(PVCLOCK_SYS_write, p[1], (long)addr, (long)len);
	pvclock_syscall3(PVCLOCK_SYS_close, p[0], 0, 0);
	pvclock_syscall3(PVCLOCK_SYS_close, p[1], 0, 0);
	return n == (long)len ? PVCLOCK_OK : PVCLOCK_ENOPAGE;
}
