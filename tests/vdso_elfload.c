/* SPDX-License-Identifier: MIT */
/*
 * Load libpvclock-vdso.so by hand, as a program loads the kernel's vDSO: map
 * its PT_LOAD segments, apply its relocations (relative ones only; any other
 * kind fails the test), find __vdso_clock_gettime@LINUX_2.6 with the
 * library's ELF lookup, and call it.  No dlopen.  Exit 0 on success.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "elfmap.h"
#include "pvclock/vdso_sym.h"

static int fail(const char *what)
{
	fprintf(stderr, "FAIL: %s\n", what);
	return 1;
}

int main(int argc, char **argv)
{
	const char *why = "usage: vdso_elfload libpvclock-vdso.so";
	int relocs = 0;
	void *base = argc == 2 ? elfmap_load(argv[1], &relocs, &why) : NULL;
	int (*gettime)(long, struct timespec *);

	if (!base)
		return fail(why);
	gettime = (int (*)(long, struct timespec *))pvclock_elf_lookup(base, "__vdso_clock_gettime", "LINUX_2.6");
	if (!gettime)
		return fail("__vdso_clock_gettime@LINUX_2.6 not found");
	if (pvclock_elf_lookup(base, "__vdso_clock_gettime", "LINUX_2.5"))
		return fail("found under the wrong version");
	if (!pvclock_elf_lookup(base, "clock_gettime", NULL))
		return fail("clock_gettime not found");
	for (int n = 0; n < 100000; n++) {
		struct timespec a, b, c;

		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a);
		if (gettime(CLOCK_MONOTONIC, &b) != 0)
			return fail("call failed");
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &c);
		if (b.tv_sec * 1000000000ll + b.tv_nsec < a.tv_sec * 1000000000ll + a.tv_nsec ||
		    b.tv_sec * 1000000000ll + b.tv_nsec > c.tv_sec * 1000000000ll + c.tv_nsec)
			return fail("value outside the kernel's bracket");
	}
	if (gettime(12, &(struct timespec){ 0 }) != -EINVAL)
		return fail("invalid clock id: expected -EINVAL");
	printf("ok: mapped by hand, %d relative relocations applied, __vdso_clock_gettime brackets\n", relocs);
	return 0;
}
