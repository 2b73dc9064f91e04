/* SPDX-License-Identifier: MIT */
/*
 * The two functions a freestanding compiler may still call for structure
 * copies and clears; only the shared object has them, and they stay local.
 */
#include <stddef.h>

#include "pvclock/clock.h"

PVCLOCK_HIDDEN void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

PVCLOCK_HIDDEN void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}
