/* SPDX-License-Identifier: MIT */
/*
 * The shared drop-in: no libc of its own, so errno and the environment are
 * the process's libc's, found through the dynamic linker; and start-up at
 * load time, from a constructor.
 */
#include "pvclock/vdso_sym.h"
#include "clock_state.h"
#include "front.h"
#include "procfs.h"

#define PAGE 4096u

/* The dynamic linker's list of loaded objects (the head of glibc's struct link_map). */
struct loaded_object {
	uintptr_t l_addr;
	const char *l_name;
	const void *l_ld;
	const struct loaded_object *l_next, *l_prev;
};

struct loader_debug {
	int r_version;
	const struct loaded_object *r_map;
};

extern const char __ehdr_start[] PVCLOCK_HIDDEN;

/* The dynamic linker's ELF header; started as "ld.so ./prog", it is the program the kernel ran. */
static uintptr_t loader_base(const struct pvclock_proc_aux *aux)
{
	return aux->base ? aux->base : aux->phdr & ~(uintptr_t)(PAGE - 1);
}

/*
 * Each of @names as the dynamic linker binds it, in @found (NULL where
 * none), for what libc keeps (errno, the environment) while the object
 * needs no libc: in the linker itself (musl, where it is libc) or in the
 * first object on its list that defines it (glibc).  One walk for all.
 */
static void loader_symbols(uintptr_t base, const char *const *names, void **found, unsigned n)
{
	const struct loader_debug *dbg;
	unsigned left = n;

	for (unsigned i = 0; i < n; i++)
		found[i] = 0;
	if (!base || !pvclock_proc_mapped((const void *)base, 64))
		return;
	for (unsigned i = 0; i < n; i++)
		left -= !!(found[i] = pvclock_elf_lookup((const void *)base, names[i], 0));
	dbg = left ? pvclock_elf_lookup((const void *)base, "_r_debug", 0) : 0;
	for (const struct loaded_object *m = dbg ? dbg->r_map : 0; m && left; m = m->l_next) {
		if (!m->l_addr || m->l_addr == (uintptr_t)__ehdr_start ||
		    !pvclock_proc_mapped((const void *)m->l_addr, 64))
			continue;
		for (unsigned i = 0; i < n; i++)
			if (!found[i])
				left -= !!(found[i] = pvclock_elf_lookup((const void *)m->l_addr, names[i], 0));
	}
}
static int *(*errno_location)(void);

/*
 * The environment, for start-up (clock_state.h); libc's errno is looked up
 * in the same walk and kept for the entry points.
 */
char *const *pvclock_clock_environ(void)
{
	static const char *const names[] = { "__errno_location", "__environ" };
	struct pvclock_proc_aux aux;
	void *found[2];

	pvclock_proc_aux(&aux);
	loader_symbols(loader_base(&aux), names, found, 2);
	__atomic_store_n(&errno_location, (int *(*)(void))found[0], __ATOMIC_RELEASE);
	/* NULL before libc set it up: start-up reads /proc/self/environ instead. */
	return found[1] ? *(char *const **)found[1] : 0;
}

int *pvclock_vdso_errno(void)
{
	int *(*loc)(void) = __atomic_load_n(&errno_location, __ATOMIC_ACQUIRE);

	/* While another thread starts up, the walk may not have run: look it up now. */
	if (!loc && __atomic_load_n(&pvclock_clock_phase, __ATOMIC_ACQUIRE) != CLOCK_READY) {
		static const char *const name = "__errno_location";
		struct pvclock_proc_aux aux;
		void *found;

		pvclock_proc_aux(&aux);
		loader_symbols(loader_base(&aux), &name, &found, 1);
		loc = (int *(*)(void))found;
	}
	return loc ? loc() : 0;
}

/*
 * The shared object starts up while it is loaded, before the program runs:
 * before a sandbox the program installs, before it enters a time namespace,
 * and without charging the first clock call.  Where no constructor runs
 * (the object mapped by hand), the first call starts up.
 */
__attribute__((constructor)) static void start_on_load(void)
{
	pvclock_clock_startup();
}
