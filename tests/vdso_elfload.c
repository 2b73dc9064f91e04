/* SPDX-License-Identifier: MIT */
/*
 * Load libpvclock-vdso.so by hand, as a program loads the kernel's vDSO: map
 * its PT_LOAD segments, apply its relocations (relative ones only; any other
 * kind fails the test), find __vdso_clock_gettime@LINUX_2.6 with the
 * library's ELF lookup, and call it.  No dlopen.  Exit 0 on success.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pvclock/vdso_sym.h"

static int fail(const char *what)
{
	fprintf(stderr, "FAIL: %s\n", what);
	return 1;
}

int main(int argc, char **argv)
{
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	unsigned char *file, *base;
	uint64_t span = 0;
	struct stat st;
	int fd, relocs = 0;
	int (*gettime)(long, struct timespec *);

	if (argc != 2)
		return fail("usage: vdso_elfload libpvclock-vdso.so");
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0)
		return fail("open");
	file = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (file == MAP_FAILED)
		return fail("mmap file");
	eh = (const Elf64_Ehdr *)file;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_type != ET_DYN)
		return fail("not a shared object");
	ph = (const Elf64_Phdr *)(file + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr + ph[i].p_memsz > span)
			span = ph[i].p_vaddr + ph[i].p_memsz;
	/* One anonymous region for the whole image, the segments copied in. */
	base = mmap(NULL, span, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return fail("mmap image");
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD)
			memcpy(base + ph[i].p_vaddr, file + ph[i].p_offset, ph[i].p_filesz);
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Dyn *d;
		const Elf64_Rela *rela = NULL;
		uint64_t relasz = 0;

		if (ph[i].p_type != PT_DYNAMIC)
			continue;
		for (d = (const Elf64_Dyn *)(base + ph[i].p_vaddr); d->d_tag != DT_NULL; d++) {
			if (d->d_tag == DT_RELA)
				rela = (const Elf64_Rela *)(base + d->d_un.d_ptr);
			else if (d->d_tag == DT_RELASZ)
				relasz = d->d_un.d_val;
			else if (d->d_tag == DT_JMPREL || d->d_tag == DT_REL || d->d_tag == DT_NEEDED)
				return fail("PLT relocations, REL relocations or NEEDED entries");
		}
		for (uint64_t k = 0; rela && k < relasz / sizeof(*rela); k++, relocs++) {
			if (ELF64_R_TYPE(rela[k].r_info) != R_X86_64_RELATIVE)
				return fail("a relocation other than R_X86_64_RELATIVE");
			*(uint64_t *)(base + rela[k].r_offset) = (uint64_t)base + (uint64_t)rela[k].r_addend;
		}
	}
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
