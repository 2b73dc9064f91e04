/* SPDX-License-Identifier: MIT */
/*
 * Start-up: find the kernel's vDSO, its time data and the pvclock page, and
 * trust the time data only after it agrees with the kernel.
 *
 * This runs once per process, from a constructor, pvclock_clock_init(), or
 * the first clock call, which may be before main, in any thread, in a
 * signal handler or inside a sandbox: raw system calls, small stack
 * buffers, no allocation, no locks, no descriptor, no page touched before
 * the kernel said it can be read.
 */
#include "pvclock/cpu.h"
#include "pvclock/vdso_sym.h"
#include "clock_read.h"
#include "kfind.h"
#include "procfs.h"
#include "view.h"

#define PAGE             4096u

static void *kernel_sym(const void *ehdr, const char *name)
{
	return pvclock_elf_lookup(ehdr, name, "LINUX_2.6");
}

void pvclock_clock_fill_kernel(struct clock_state *s)
{
	struct pvclock_proc_aux aux;
	const void *eh;

	pvclock_proc_aux(&aux);
	eh = (const void *)aux.sysinfo_ehdr;
	/* One mincore: a process may have unmapped or moved its vDSO (checkpoint/restore). */
	if (eh && pvclock_proc_mapped(eh, 64)) {
		s->kernel_vdso = eh;
		s->k_gettime = (int (*)(long, struct pvclock_timespec *))kernel_sym(eh, "__vdso_clock_gettime");
		s->k_gettimeofday = (int (*)(struct pvclock_timeval *, void *))kernel_sym(eh, "__vdso_gettimeofday");
		s->k_time = (long (*)(long *))kernel_sym(eh, "__vdso_time");
		s->k_getres = (int (*)(long, struct pvclock_timespec *))kernel_sym(eh, "__vdso_clock_getres");
		s->k_getcpu = (long (*)(unsigned *, unsigned *, void *))kernel_sym(eh, "__vdso_getcpu");
	}
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
	uint8_t vvar, pvclock, hyperv;
} below_vdso[] = {
	{ 6, 2, 1 },   /* 6.13+: [vvar] 4 pages, [vvar_vclock]: pvclock, Hyper-V */
	{ 4, 3, 2 },   /* 5.6 - 6.12: [vvar]: time data, pvclock, Hyper-V, namespace */
};

#define VVAR_PAGES 4u

/*
 * The time data, found below the vDSO or else through /proc/self/maps; the
 * guesses for the pvclock and Hyper-V pages.
 */
static int find_time_data(const struct clock_state *s, struct kfind_result *found, uintptr_t *pvclock,
			  uintptr_t *hyperv)
{
	uintptr_t vdso = (uintptr_t)s->kernel_vdso, a, b;

	for (unsigned i = 0; vdso && i < sizeof(below_vdso) / sizeof(below_vdso[0]); i++) {
		if (vdso < below_vdso[i].vvar * PAGE)
			break;
		a = vdso - below_vdso[i].vvar * PAGE;
		if (pvclock_kfind_time_data(a, a + VVAR_PAGES * PAGE, pvclock_proc_readable, found)) {
			*pvclock = vdso - below_vdso[i].pvclock * PAGE;
			*hyperv = vdso - below_vdso[i].hyperv * PAGE;
			return 1;
		}
	}
	*pvclock = 0;
	*hyperv = 0;
	return pvclock_proc_mapping("[vvar]", &a, &b) && pvclock_kfind_time_data(a, b, pvclock_proc_readable, found);
}

/*
 * The records at @page, when it can be read and holds vCPU 0's record: the
 * source reads the slots up to the last valid one (a slot still mid-update
 * after a few tries is not valid).
 */
static int use_pvclock_page(struct clock_state *s, const volatile unsigned char *page)
{
	unsigned last = 0;

	/* A page the kernel never enabled raises SIGBUS when touched. */
	if (!page || !pvclock_proc_readable((const void *)page, PAGE))
		return 0;
	clock_source_set(&s->src, page, PVCLOCK_PAGE_SLOTS, 0, PVCLOCK_ORIGIN_VVAR_VCLOCK);
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
static int open_pvclock(struct clock_state *s, uintptr_t guess)
{
	uintptr_t a, b;

	if (use_pvclock_page(s, (const volatile unsigned char *)guess))
		return 1;
	if (pvclock_proc_mapping("[vvar_vclock]", &a, &b))
		return use_pvclock_page(s, (const volatile unsigned char *)a);
	return pvclock_proc_mapping("[vvar]", &a, &b) && b - a >= 2 * PAGE &&
	       use_pvclock_page(s, (const volatile unsigned char *)(a + PAGE));
}

/*
 * Hyper-V's reference page: at @guess (0: none), else the second page of
 * [vvar_vclock] (6.13+), else the third page of [vvar]; probed first.
 */
static int open_hyperv(struct clock_state *s, uintptr_t guess)
{
	uintptr_t a, b, page = guess;

	if (!page || !pvclock_proc_readable((const void *)page, PAGE)) {
		if (pvclock_proc_mapping("[vvar_vclock]", &a, &b) && b - a >= 2 * PAGE)
			page = a + PAGE;
		else if (pvclock_proc_mapping("[vvar]", &a, &b) && b - a >= 3 * PAGE)
			page = a + 2 * PAGE;
		else
			return 0;
		if (!pvclock_proc_readable((const void *)page, PAGE))
			return 0;
	}
	return pvclock_hyperv_open_memory(&s->hv, (const void *)page) == PVCLOCK_OK;
}

static long kernel_ns(long clk, int64_t *ns)
{
	struct pvclock_timespec ts;
	long r = pvclock_syscall3(PVCLOCK_SYS_clock_gettime, clk, (long)&ts, 0);

	*ns = ts.tv_sec * 1000000000ll + ts.tv_nsec;
	return r;
}

/*
 * Every served clock must lie between two system calls, twice.  A misread
 * layout misses by seconds or more; a correct one never misses.
 */
static int agrees_with_kernel(const struct clock_state *s)
{
	static const unsigned char clocks[] = {
		PVCLOCK_CLOCK_REALTIME, PVCLOCK_CLOCK_MONOTONIC, PVCLOCK_CLOCK_MONOTONIC_RAW,
		PVCLOCK_CLOCK_BOOTTIME, PVCLOCK_CLOCK_TAI,
	};

	for (unsigned i = 0; i < sizeof(clocks); i++) {
		for (int round = 0; round < 2; round++) {
			struct pvclock_timespec ts;
			int64_t before, after, ours;

			if (kernel_ns(clocks[i], &before) != 0 ||
			    clock_served(s, clocks[i], &ts) != 0 ||
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
static void open_time_data(struct clock_state *s)
{
	struct kfind_result found;
	bool rdtscp;
	uintptr_t pvclock, hyperv;

	if (!find_time_data(s, &found, &pvclock, &hyperv))
		return;
	rdtscp = pvclock_cpu_rdtscp();
	if (found.mode == KDATA_MODE_TSC) {
		s->counter = rdtscp ? CLOCK_COUNTER_RDTSCP : CLOCK_COUNTER_LFENCE;
	} else if (found.mode == KDATA_MODE_PVCLOCK) {
		/* A confidential guest's host may lie in the records: the kernel's time, then. */
		if (!s->trust_host && pvclock_cpu_confidential() != PVCLOCK_CC_NONE)
			return;
		if (!open_pvclock(s, pvclock))
			return;
		s->src.tsc_mode = rdtscp ? PVCLOCK_TSC_RDTSCP : PVCLOCK_TSC_LFENCE;
		if (s->request == CLOCK_REQ_VCPU0)
			s->counter = CLOCK_COUNTER_PV_VCPU0;
		else if (!rdtscp || !pvclock_cpu_cx16())
			/* Per-vCPU reads need RDTSCP for the vCPU, CMPXCHG16B for the views. */
			s->counter = CLOCK_COUNTER_PV_VCPU0;
		else if (s->request == CLOCK_REQ_PERCPU)
			s->counter = CLOCK_COUNTER_PV_PERCPU;
		else
			s->counter = CLOCK_COUNTER_PV_AUTO;
	} else if (found.mode == KDATA_MODE_HVCLOCK) {
		if (!open_hyperv(s, hyperv))
			return;
		s->counter = CLOCK_COUNTER_HV;
	} else {
		return;
	}
	s->kd = found.kd;
	s->ns = found.ns;
	s->lay = kdata_layouts[found.era];
	s->kmode = found.mode;
	if (found.mode == KDATA_MODE_PVCLOCK)
		pvclock_view_reset(&s->src);
	if (!agrees_with_kernel(s)) {
		s->kd = 0;
		s->ns = 0;
		s->counter = CLOCK_COUNTER_NONE;
	}
}

void pvclock_clock_fill(struct clock_state *s)
{
	char *const *env;

	pvclock_clock_fill_kernel(s);
	env = pvclock_clock_environ();
	s->request = pvclock_proc_request(env);
	s->trust_host = (uint32_t)pvclock_proc_trust_host(env);
	if (s->request != CLOCK_REQ_OFF)
		open_time_data(s);
}

static enum clock_reader reader_for(const struct clock_state *s)
{
	if (!s || !s->kd)
		return CLOCK_READER_GENERAL;
	/* Inside a time namespace only the general reader adds the offsets. */
	if (s->ns)
		return CLOCK_READER_GENERAL;
	if (s->counter == CLOCK_COUNTER_RDTSCP)
		return s->lay.stride == kdata_layouts[KDATA_ERA_6_15].stride && s->lay.foff == 0 &&
		       s->lay.max_or == 0 ? CLOCK_READER_TSC : CLOCK_READER_TSC_LAYOUT;
	/* The kvm-clock map needs RDTSCP, and vCPU 0's record allowed. */
	if (s->kmode == KDATA_MODE_PVCLOCK && s->src.tsc_mode == PVCLOCK_TSC_RDTSCP &&
	    (s->counter == CLOCK_COUNTER_PV_AUTO || s->counter == CLOCK_COUNTER_PV_VCPU0))
		return CLOCK_READER_PV_MAP;
	return CLOCK_READER_GENERAL;
}

void pvclock_clock_publish(const struct clock_state *s)
{
	enum clock_reader r = reader_for(s);

	__atomic_store_n(&pvclock_clock_tsc_fast,
			 r == CLOCK_READER_TSC ? (const struct kdata_clock *)s->kd : 0, __ATOMIC_RELEASE);
	__atomic_store_n(&pvclock_clock_coarse_fast,
			 s && s->kd && !s->ns && s->lay.foff == 0 ?
			 (const struct kdata_clock *)kdata_block(s->kd, &s->lay, KDATA_HRES) :
			 &pvclock_clock_no_block,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&pvclock_clock_reader, s ? r : CLOCK_READER_START, __ATOMIC_SEQ_CST);
}

const struct clock_state *pvclock_clock_startup(void)
{
	int phase = CLOCK_UNSET, mine = clock_phase_starting();

	if (__atomic_compare_exchange_n(&pvclock_clock_phase, &phase, mine, 0,
					__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
		const struct clock_state *s = &pvclock_clock_state;

		/* A start-up taken over from a parent may have left part of a state. */
		pvclock_clock_state = (struct clock_state){ 0 };
		pvclock_clock_fill(&pvclock_clock_state);
		/* Readers that see READY, or the published reader, see the whole state. */
		__atomic_store_n(&pvclock_clock_phase, CLOCK_READY, __ATOMIC_RELEASE);
		pvclock_clock_publish(s);
		return s;
	}
	/* Claimed in the process this one was forked from: that filler is not here. */
	if ((phase & CLOCK_PHASE_MASK) == CLOCK_STARTING && phase != mine &&
	    __atomic_compare_exchange_n(&pvclock_clock_phase, &phase, CLOCK_UNSET, 0,
					__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
		return pvclock_clock_startup();
	return phase == CLOCK_READY ? &pvclock_clock_state : 0;
}

unsigned pvclock_clock_init(void)
{
	const struct clock_state *s = clock_state();
	struct pvclock_timespec ts;
	unsigned served = 0;

	for (unsigned c = 0; s && c < KDATA_BASES; c++)
		if ((PVCLOCK_CLOCK_SERVED >> c & 1) && clock_served(s, c, &ts) == 0)
			served |= 1u << c;
	return served;
}
