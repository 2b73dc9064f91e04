/* SPDX-License-Identifier: MIT */
/* ELF symbol lookup in a mapped image (the kernel's vDSO, loaded objects). */
#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "pvclock/vdso_sym.h"
#include "str.h"

struct image {
	uintptr_t bias;
	const Elf64_Sym *sym;
	const char *str;
	const Elf32_Word *hash;      /* DT_HASH */
	const uint32_t *gnu_hash;    /* DT_GNU_HASH */
	const Elf64_Half *versym;
	const Elf64_Verdef *verdef;
};

static int image_open(const void *ehdr_ptr, struct image *im)
{
	const Elf64_Ehdr *eh = ehdr_ptr;
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Phdr *dyn_ph = NULL;
	int have_load = 0;

	if (!eh || eh->e_ident[EI_MAG0] != ELFMAG0 || eh->e_ident[EI_MAG1] != ELFMAG1 ||
	    eh->e_ident[EI_MAG2] != ELFMAG2 || eh->e_ident[EI_MAG3] != ELFMAG3 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr))
		return 0;
	ph = (const Elf64_Phdr *)((const char *)eh + eh->e_phoff);
	*im = (struct image){ 0 };
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !have_load) {
			im->bias = (uintptr_t)eh + ph[i].p_offset - ph[i].p_vaddr;
			have_load = 1;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn_ph = &ph[i];
		}
	}
	if (!have_load || !dyn_ph)
		return 0;
	/* By address, not file offset: in loaded libraries the two differ. */
	dyn = (const Elf64_Dyn *)(im->bias + dyn_ph->p_vaddr);
	for (; dyn->d_tag != DT_NULL; dyn++) {
		/* glibc's loader rewrites the addresses in .dynamic to absolute ones. */
		uintptr_t a = dyn->d_un.d_ptr;
		const void *p = (const void *)(a >= im->bias ? a : im->bias + a);

		switch (dyn->d_tag) {
		case DT_SYMTAB: im->sym = p; break;
		case DT_STRTAB: im->str = p; break;
		case DT_HASH: im->hash = p; break;
		case DT_GNU_HASH: im->gnu_hash = p; break;
		case DT_VERSYM: im->versym = p; break;
		case DT_VERDEF: im->verdef = p; break;
		default: break;
		}
	}
	return im->sym && im->str && (im->hash || im->gnu_hash);
}

static int version_matches(const struct image *im, size_t i, const char *version)
{
	const Elf64_Verdef *d = im->verdef;
	Elf64_Half want;

	if (!version || !im->versym || !d)
		return 1;
	want = im->versym[i] & 0x7fff;
	for (;;) {
		if (!(d->vd_flags & VER_FLG_BASE) && (d->vd_ndx & 0x7fff) == want) {
			const Elf64_Verdaux *aux = (const void *)((const char *)d + d->vd_aux);

			return core_str_eq(im->str + aux->vda_name, version);
		}
		if (!d->vd_next)
			return 0;
		d = (const void *)((const char *)d + d->vd_next);
	}
}

/*
 * Whether symbol @i is a definition of @name (of @version) whose address is
 * the object itself: functions, objects, untyped; not GNU_IFUNC (its value
 * is the resolver, not the function).
 */
static int defines(const struct image *im, size_t i, const char *name, const char *version)
{
	const Elf64_Sym *s = &im->sym[i];
	unsigned type = ELF64_ST_TYPE(s->st_info), bind = ELF64_ST_BIND(s->st_info);

	if ((type != STT_FUNC && type != STT_NOTYPE && type != STT_OBJECT) ||
	    (bind != STB_GLOBAL && bind != STB_WEAK) || s->st_shndx == SHN_UNDEF)
		return 0;
	return core_str_eq(im->str + s->st_name, name) && version_matches(im, i, version);
}

/* Through DT_GNU_HASH: the Bloom filter, then one bucket's chain. */
static size_t gnu_hash_find(const struct image *im, const char *name, const char *version)
{
	const uint32_t *gh = im->gnu_hash;
	uint32_t nbuckets = gh[0], symoffset = gh[1], bloom_words = gh[2], bloom_shift = gh[3];
	const uint64_t *bloom = (const uint64_t *)(gh + 4);
	const uint32_t *buckets = (const uint32_t *)(bloom + bloom_words), *chain = buckets + nbuckets;
	uint32_t h = 5381;
	uint64_t word, bits;

	if (!nbuckets || !bloom_words)
		return 0;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = h * 33 + *c;
	word = bloom[(h / 64) % bloom_words];
	bits = (1ull << (h % 64)) | (1ull << ((h >> (bloom_shift & 31)) % 64));
	if ((word & bits) != bits)
		return 0;
	/* A chain without its end bit would run on: bound it by the largest index there is. */
	for (uint32_t i = buckets[h % nbuckets], steps = 0; i && i >= symoffset && steps < (1u << 24);
	     i++, steps++) {
		uint32_t ch = chain[i - symoffset];

		if ((ch | 1) == (h | 1) && defines(im, i, name, version))
			return i;
		if (ch & 1)
			break;
	}
	return 0;
}

/* Through DT_HASH: one bucket's chain. */
static size_t sysv_hash_find(const struct image *im, const char *name, const char *version)
{
	const Elf32_Word *hash = im->hash;
	Elf32_Word nbuckets = hash[0], nchain = hash[1], h = 0;
	const Elf32_Word *buckets = hash + 2, *chain = buckets + nbuckets;
	Elf32_Word steps = 0;

	if (!nbuckets)
		return 0;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		h = (h << 4) + *c;
		h ^= (h >> 24) & 0xf0;
	}
	h &= 0x0fffffff;
	/* A chain longer than the table is a loop: give up rather than spin. */
	for (Elf32_Word i = buckets[h % nbuckets]; i && i < nchain && steps++ < nchain; i = chain[i])
		if (defines(im, i, name, version))
			return i;
	return 0;
}

void *pvclock_elf_lookup(const void *ehdr, const char *name, const char *version)
{
	struct image im;
	size_t i;

	if (!name || !image_open(ehdr, &im))
		return NULL;
	i = im.gnu_hash ? gnu_hash_find(&im, name, version) : sysv_hash_find(&im, name, version);
	return i ? (void *)(im.bias + im.sym[i].st_value) : NULL;
}
