/* SPDX-License-Identifier: MIT */
/*
 * Lazy start-up: find the kernel's vDSO, its time data and the pvclock page,
 * and trust the time data only after it agrees with the kernel.
 *
 * Everything here runs on the first clock call of the process, which may be
 * before main, in any thread, or in a signal handler: raw system calls,
 * small stack buffers, no allocation, no locks.
 */
#include "pvclock/cpu.h"
#include "pvclock/vdso_sym.h"
#include "kfind.h"
#include "percpu.h"
#include "procfs.h"
#include "pvclock/syscall.h"
#include "vdso.h"

#define PAGE             4096u

static void *kernel_sym(const void *ehdr, const char *name)
{
	return pvclock_elf_lookup(ehdr, name, "LINUX_2.6");
}

#ifndef PVCLOCK_VDSO_LIBC
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

extern const char __ehdr_start[] VDSO_HIDDEN;

/* The dynamic linker's ELF header; started as "ld.so ./prog", it is the program the kernel ran. */
static uintptr_t loader_base(const struct vproc_aux *aux)
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
	if (!base || !vproc_mapped((const void *)base, 64))
		return;
	for (unsigned i = 0; i < n; i++)
		left -= !!(found[i] = pvclock_elf_lookup((const void *)base, names[i], 0));
	dbg = left ? pvclock_elf_lookup((const void *)base, "_r_debug", 0) : 0;
	for (const struct loaded_object *m = dbg ? dbg->r_map : 0; m && left; m = m->l_next) {
		if (!m->l_addr || m->l_addr == (uintptr_t)__ehdr_start ||
		    !vproc_mapped((const void *)m->l_addr, 64))
			continue;
		for (unsigned i = 0; i < n; i++)
			if (!found[i])
				left -= !!(found[i] = pvclock_elf_lookup((const void *)m->l_addr, names[i], 0));
	}
}
#endif

#ifdef PVCLOCK_VDSO_LIBC
extern char **environ;
#endif

char *const *pvclock_vdso_fill_kernel(struct vdso_state *s)
{
	struct vproc_aux aux;
	const void *eh;

	vproc_aux(&aux);
	eh = (const void *)aux.sysinfo_ehdr;
	/* One mincore: a process may have unmapped or moved its vDSO (checkpoint/restore). */
	if (eh && vproc_mapped(eh, 64)) {
		s->kernel_vdso = eh;
		s->k_gettime = (int (*)(long, struct vdso_kts *))kernel_sym(eh, "__vdso_clock_gettime");
		s->k_gettimeofday = (int (*)(struct vdso_ktv *, void *))kernel_sym(eh, "__vdso_gettimeofday");
		s->k_time = (long (*)(long *))kernel_sym(eh, "__vdso_time");
		s->k_getres = (int (*)(long, struct vdso_kts *))kernel_sym(eh, "__vdso_clock_getres");
		s->k_getcpu = (long (*)(unsigned *, unsigned *, void *))kernel_sym(eh, "__vdso_getcpu");
	}
#ifndef PVCLOCK_VDSO_LIBC
	{
		static const char *const names[] = { "__errno_location", "__environ" };
		void *found[2];

		loader_symbols(loader_base(&aux), names, found, 2);
		s->errno_location = (int *(*)(void))found[0];
		/* NULL before libc set it up: the caller reads /proc/self/environ instead. */
		return found[1] ? *(char *const **)found[1] : 0;
	}
#else
	return environ;
#endif
}

int *(*pvclock_vdso_errno_location(void))(void)
{
#ifndef PVCLOCK_VDSO_LIBC
	static const char *const name = "__errno_location";
	struct vproc_aux aux;
	void *found;

	vproc_aux(&aux);
	loader_symbols(loader_base(&aux), &name, &found, 1);
	return (int *(*)(void))found;
#else
	return 0;
#endif
}

/*
 * Where the kernel maps [vvar] and the pvclock page, in pages below its
 * vDSO: from Linux 6.13 a 4-page [vvar], then [vvar_vclock] (2 pages, the
 * pvclock page first); from 5.6 to 6.12 one 4-page [vvar] (time data,
 * pvclock, Hyper-V, namespace).  A guess is probed and validated like any
 * page, never trusted: a wrong one falls through to the next, and then to
 * /proc/self/maps.
 */
static const struct {
	uint8_t vvar, pvclock;
} below_vdso[] = {
	{ 6, 2 },
	{ 4, 3 },
};

#define VVAR_PAGES 4u

/* The time data, found below the vDSO or else through /proc/self/maps; the pvclock page's guess. */
static int find_time_data(const struct vdso_state *s, struct kfind_result *found, uintptr_t *pvclock)
{
	uintptr_t vdso = (uintptr_t)s->kernel_vdso, a, b;

	for (unsigned i = 0; vdso && i < sizeof(below_vdso) / sizeof(below_vdso[0]); i++) {
		if (vdso < below_vdso[i].vvar * PAGE)
			break;
		a = vdso - below_vdso[i].vvar * PAGE;
		if (kfind_time_data(a, a + VVAR_PAGES * PAGE, vproc_readable, found)) {
			*pvclock = vdso - below_vdso[i].pvclock * PAGE;
			return 1;
		}
	}
	*pvclock = 0;
	return vproc_mapping("[vvar]", &a, &b) && kfind_time_data(a, b, vproc_readable, found);
}

/*
 * The records at @page, when it can be read and holds vCPU 0's record: the
 * source reads the slots up to the last valid one (a slot still mid-update
 * after a few tries is not valid).
 */
static int use_pvclock_page(struct vdso_state *s, const volatile unsigned char *page)
{
	unsigned last = 0;

	/* A page the kernel never enabled raises SIGBUS when touched. */
	if (!page || !vproc_readable((const void *)page, PAGE))
		return 0;
	vdso_source_set(&s->src, page, PVCLOCK_PAGE_SLOTS, 0, PVCLOCK_ORIGIN_VVAR_VCLOCK);
	for (unsigned k = 0; k < PVCLOCK_PAGE_SLOTS; k++) {
		struct pvclock_record rec;

		if (pvclock_record_snapshot(pvclock_source_record(&s->src, k), VIEW_RECORD_TRIES, &rec,
					    0, 0) == PVCLOCK_OK &&
		    pvclock_record_valid(&rec))
			last = k + 1;
		else if (k == 0)
			return 0;
	}
	s->src.nr_valid = last;
	return 1;
}

/*
 * The pvclock page: at @guess (0: none), else [vvar_vclock] (6.13+), else
 * the second page of [vvar] (4.5 - 6.12).
 */
static int open_pvclock(struct vdso_state *s, uintptr_t guess)
{
	uintptr_t a, b;

	if (use_pvclock_page(s, (const volatile unsigned char *)guess))
		return 1;
	if (vproc_mapping("[vvar_vclock]", &a, &b))
		return use_pvclock_page(s, (const volatile unsigned char *)a);
	return vproc_mapping("[vvar]", &a, &b) && b - a >= 2 * PAGE &&
	       use_pvclock_page(s, (const volatile unsigned char *)(a + PAGE));
}

static long kernel_ns(long clk, int64_t *ns)
{
	struct vdso_kts ts;
	long r = pvclock_syscall3(PVCLOCK_SYS_clock_gettime, clk, (long)&ts, 0);

	*ns = ts.tv_sec * 1000000000ll + ts.tv_nsec;
	return r;
}

/*
 * Every served clock must lie between two system calls, several times over.
 * A misread layout misses by seconds or more; a correct one never misses.
 */
static int agrees_with_kernel(const struct vdso_state *s)
{
	static const unsigned char clocks[] = { 0, 1, 4, 7, 11 };

	for (unsigned i = 0; i < sizeof(clocks); i++) {
		for (int round = 0; round < 4; round++) {
			struct vdso_kts ts;
			int64_t before, after, ours;

			if (kernel_ns(clocks[i], &before) != 0 ||
			    pvclock_vdso_served(s, clocks[i], &ts) != 0 ||
			    kernel_ns(clocks[i], &after) != 0)
				return 0;
			ours = ts.tv_sec * 1000000000ll + ts.tv_nsec;
			if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000l || ours < before || ours > after)
				return 0;
		}
	}
	return 1;
}

/* The kernel's time data (kdata.h, kfind.h) and the counter it is expressed in. */
static void open_time_data(struct vdso_state *s)
{
	struct kfind_result found;
	bool rdtscp;
	uintptr_t pvclock;

	if (!find_time_data(s, &found, &pvclock))
		return;
	rdtscp = pvclock_cpu_rdtscp();
	if (found.mode == KDATA_MODE_TSC) {
		s->counter = rdtscp ? VDSO_COUNTER_RDTSCP : VDSO_COUNTER_LFENCE;
	} else if (found.mode == KDATA_MODE_PVCLOCK) {
		if (!open_pvclock(s, pvclock))
			return;
		s->src.tsc_mode = rdtscp ? PVCLOCK_TSC_RDTSCP : PVCLOCK_TSC_LFENCE;
		if (s->request == VDSO_REQ_VCPU0)
			s->counter = VDSO_COUNTER_PV_VCPU0;
		else if (!rdtscp || !pvclock_cpu_cx16())
			/* Per-vCPU reads need RDTSCP for the vCPU, CMPXCHG16B for the views. */
			s->counter = VDSO_COUNTER_PV_VCPU0;
		else if (s->request == VDSO_REQ_PERCPU)
			s->counter = VDSO_COUNTER_PV_PERCPU;
		else
			s->counter = VDSO_COUNTER_PV_AUTO;
	} else {
		/* Hyper-V's reference page: delegated. */
		return;
	}
	s->kd = found.kd;
	s->ns = found.ns;
	s->lay = kdata_layouts[found.era];
	s->kmode = found.mode;
	if (found.mode == KDATA_MODE_PVCLOCK)
		pvclock_vdso_percpu_reset(&s->src);
	if (!agrees_with_kernel(s)) {
		s->kd = 0;
		s->ns = 0;
		s->counter = VDSO_COUNTER_NONE;
	}
}

void pvclock_vdso_fill(struct vdso_state *s)
{
	s->request = vproc_request(pvclock_vdso_fill_kernel(s));
	if (s->request != VDSO_REQ_OFF)
		open_time_data(s);
}

void pvclock_vdso_pv_fast_set(const struct vdso_state *s)
{
	if (s && s->kd && !s->ns && s->kmode == KDATA_MODE_PVCLOCK &&
	    (s->counter == VDSO_COUNTER_PV_AUTO || s->counter == VDSO_COUNTER_PV_VCPU0) &&
	    s->src.tsc_mode == PVCLOCK_TSC_RDTSCP) {
		pvclock_vdso_pv_fast.rec = (const volatile struct pvclock_record *)s->src.slots;
		__atomic_store_n(&pvclock_vdso_pv_fast.kd, kdata_block(s->kd, &s->lay, KDATA_HRES),
				 __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(&pvclock_vdso_pv_fast.kd, 0, __ATOMIC_SEQ_CST);
	}
}

void pvclock_vdso_tsc_fast_set(const struct vdso_state *s)
{
	const struct kdata_clock *kd = s && s->kd && !s->ns && s->counter == VDSO_COUNTER_RDTSCP ?
				       (const struct kdata_clock *)s->kd : 0;
	int newest = kd && s->lay.stride == kdata_layouts[KDATA_ERA_6_15].stride &&
		     s->lay.foff == 0 && s->lay.max_or == 0;

	__atomic_store_n(&pvclock_vdso_tsc_fast, newest ? kd : 0, __ATOMIC_RELEASE);
	__atomic_store_n(&pvclock_vdso_tsc_lfast, newest ? 0 : kd, __ATOMIC_RELEASE);
}

#ifndef PVCLOCK_VDSO_LIBC
/*
 * The shared object starts up while it is loaded, before the program runs:
 * before a sandbox the program installs, with descriptors to spare, and
 * without charging the first clock call.  Where no constructor runs (the
 * object mapped by hand), the first call starts up as before.
 */
__attribute__((constructor)) static void start_on_load(void)
{
	pvclock_vdso_start();
}
#endif

const struct vdso_state *pvclock_vdso_start(void)
{
	int phase = VDSO_UNSET, mine = vdso_phase_starting();

	if (__atomic_compare_exchange_n(&pvclock_vdso_phase, &phase, mine, 0,
					__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
		const struct vdso_state *s = &pvclock_vdso_state;

		/* A start-up taken over from a parent may have left part of a state. */
		pvclock_vdso_state = (struct vdso_state){ 0 };
		pvclock_vdso_fill(&pvclock_vdso_state);
		/* Readers that see READY, or the fast pointer, see the whole state. */
		__atomic_store_n(&pvclock_vdso_phase, VDSO_READY, __ATOMIC_RELEASE);
		pvclock_vdso_tsc_fast_set(s);
		pvclock_vdso_pv_fast_set(s);
		return &pvclock_vdso_state;
	}
	/* Claimed in the process this one was forked from: that filler is not here. */
	if ((phase & VDSO_PHASE_MASK) == VDSO_STARTING && phase != mine &&
	    __atomic_compare_exchange_n(&pvclock_vdso_phase, &phase, VDSO_UNSET, 0,
					__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
		return pvclock_vdso_start();
	return phase == VDSO_READY ? &pvclock_vdso_state : 0;
}
