/* SPDX-License-Identifier: MIT */
/* The static drop-in: errno from the libc the program links (front.h). */
#include <errno.h>

#include "pvclock/clock.h"
#include "front.h"

int *pvclock_vdso_errno(void)
{
	return &errno;
}
