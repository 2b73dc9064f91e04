/* SPDX-License-Identifier: MIT */
/* /dev/vmclockN: the VMClock page mapped read-only, and poll() for its changes. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pvclock/error.h"
#include "pvclock/vmclock.h"

#define VMCLOCK_MAP 4096u

int pvclock_vmclock_open_device(struct pvclock_vmclock *vc, const char *path)
{
	void *page;
	int fd, rc;

	if (!vc)
		return PVCLOCK_EARG;
	vc->page = 0;
	vc->fd = -1;
	fd = open(path ? path : "/dev/vmclock0", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == EACCES || errno == EPERM ? PVCLOCK_EACCES : PVCLOCK_ENOPAGE;
	page = mmap(0, VMCLOCK_MAP, PROT_READ, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED) {
		rc = errno == EACCES || errno == EPERM ? PVCLOCK_EACCES : PVCLOCK_EFORMAT;
		close(fd);
		return rc;
	}
	rc = pvclock_vmclock_open_memory(vc, page, VMCLOCK_MAP);
	if (rc != PVCLOCK_OK) {
		munmap(page, VMCLOCK_MAP);
		close(fd);
		return rc;
	}
	vc->fd = fd;
	return PVCLOCK_OK;
}

void pvclock_vmclock_close(struct pvclock_vmclock *vc)
{
	if (!vc || !vc->page)
		return;
	if (vc->fd >= 0) {
		munmap((void *)(uintptr_t)vc->page, VMCLOCK_MAP);
		close(vc->fd);
	}
	vc->page = 0;
	vc->fd = -1;
}

int pvclock_vmclock_wait(struct pvclock_vmclock *vc, int timeout_ms)
{
	struct pollfd pfd;
	char copy[VMCLOCK_MAP];
	int n;

	if (!vc)
		return PVCLOCK_EARG;
	if (!vc->page)
		return PVCLOCK_ENOSOURCE;
	if (vc->fd < 0 || !(vc->page->flags & PVCLOCK_VMCLOCK_FLAG_NOTIFICATION_PRESENT))
		return PVCLOCK_ENOTIFY;
	pfd = (struct pollfd){ .fd = vc->fd, .events = POLLIN };
	do
		n = poll(&pfd, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : PVCLOCK_ENOTIFY;
	/* The driver reports a change until this file has read the page once since. */
	if (pread(vc->fd, copy, sizeof(copy), 0) < 0)
		return PVCLOCK_ENOTIFY;
	return 1;
}
