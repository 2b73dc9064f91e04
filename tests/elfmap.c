/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfmap.h"

void *elfmap_load(const char *path, int *relocs, const char **why)
{
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	unsigned char *file, *base;
	uint64_t span = 0;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*relocs = 0;
	if (fd < 0 || fstat(fd, &st) != 0)
		return *why = "open", NULL;
	file = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (file == MAP_FAILED)
		return *why = "mmap file", NULL;
	eh = (const Elf64_Ehdr *)file;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_type != ET_DYN)
		return *why = "not a shared object", NULL;
	ph = (const Elf64_Phdr *)(file + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr + ph[i].p_memsz > span)
			span = ph[i].p_vaddr + ph[i].p_memsz;
	/* One anonymous region for the whole image, the segments copied in. */
	base = mmap(NULL, span, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return *why = "mmap image", NULL;
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
				return *why = "PLT relocations, REL relocations or NEEDED entries", NULL;
		}
		for (uint64_t k = 0; rela && k < relasz / sizeof(*rela); k++, (*relocs)++) {
			if (ELF64_R_TYPE(rela[k].r_info) != R_X86_64_RELATIVE)
				return *why = "a relocation other than R_X86_64_RELATIVE", NULL;
			*(uint64_t *)(base + rela[k].r_offset) = (uint64_t)base + (uint64_t)rela[k].r_addend;
		}
	}
	munmap(file, (size_t)st.st_size);
	return base;
}
