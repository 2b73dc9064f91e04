/* SPDX-License-Identifier: MIT */
/*
 * core/str.h - the few string helpers the freestanding core needs (it
 * cannot call libc, and -fno-builtin keeps the compiler from calling it).
 */
#ifndef PVCLOCK_CORE_STR_H
#define PVCLOCK_CORE_STR_H

#include <stddef.h>

static inline size_t core_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static inline int core_str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* core_str_starts - whether @s begins with @prefix. */
static inline int core_str_starts(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

static inline int core_mem_eq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

#endif /* PVCLOCK_CORE_STR_H */
