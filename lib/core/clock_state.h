/* SPDX-License-Identifier: MIT */
/*
 * lib/core/clock_state.h - what start-up (clock_start.c) finds and the clock
 * readers (clock.c, pvclock/clock.h) read.
 *
 * The state is filled once, by the first caller (a constructor, an explicit
 * pvclock_clock_init(), or the first clock call), and then only read.  A
 * phase word publishes it: UNSET -> STARTING (one caller won the right to
 * fill it) -> READY.  A caller that finds STARTING (another thread, or a
 * signal handler that interrupted the filler) does not wait: it asks the
 * kernel, so nothing can deadlock and no lock is needed.  While STARTING,
 * the word also holds the process ID of the filler: a child forked in the
 * middle of a start-up has no filler, and takes over.
 */
#ifndef PVCLOCK_CORE_CLOCK_STATE_H
#define PVCLOCK_CORE_CLOCK_STATE_H

#include <stdint.h>

#include "pvclock/abi.h"
#include "pvclock/clock.h"
#include "pvclock/hyperv.h"
#include "pvclock/kdata.h"
#include "pvclock/source.h"
#include "pvclock/syscall.h"

enum clock_phase {
	CLOCK_UNSET = 0,
	CLOCK_STARTING,
	CLOCK_READY,
};

#define CLOCK_PHASE_MASK 3

/* clock_phase_starting - the phase word of a start-up by the calling process. */
static inline int clock_phase_starting(void)
{
	return (int)(pvclock_syscall3(PVCLOCK_SYS_getpid, 0, 0, 0) << 2) | CLOCK_STARTING;
}

/*
 * The reader start-up chose, from the time data's clock mode, the CPU and
 * PVCLOCK_VDSO; the readers switch on it once (clock.c).
 */
enum clock_counter {
	CLOCK_COUNTER_NONE = 0,    /* no usable time data: every clock is delegated */
	CLOCK_COUNTER_RDTSCP,      /* clocksource tsc, RDTSCP */
	CLOCK_COUNTER_LFENCE,      /* clocksource tsc, LFENCE;RDTSC */
	CLOCK_COUNTER_PV_AUTO,     /* kvm-clock: vCPU 0 while TSC_STABLE, per-vCPU otherwise */
	CLOCK_COUNTER_PV_VCPU0,    /* kvm-clock, forced vCPU 0 (unstable: system call, as the kernel) */
	CLOCK_COUNTER_PV_PERCPU,   /* kvm-clock, forced per-vCPU */
	CLOCK_COUNTER_HV,          /* Hyper-V's reference page (clock mode HVCLOCK) */
};

/*
 * A record that stays mid-update: spin CLOCK_MAX_RETRIES times, then give
 * the CPU away (a writer descheduled between its two version stores, as a
 * simulated host in the guest can be, then gets to finish), at most
 * CLOCK_STUCK_ROUNDS times; after that the call goes to the kernel.
 */
#define CLOCK_MAX_RETRIES  (1u << 12)
#define CLOCK_STUCK_ROUNDS 256u

/*
 * Point @src at @nr_slots 64-byte slots; the clocks read the first
 * @nr_valid (up to the last valid record; the library's own count of valid
 * slots means something else).
 */
static inline void clock_source_set(struct pvclock_source *src, const volatile unsigned char *slots,
				    unsigned nr_slots, unsigned nr_valid, enum pvclock_origin origin)
{
	src->slots = slots;
	src->stride = PVCLOCK_SLOT_STRIDE;
	src->nr_slots = nr_slots;
	src->nr_valid = nr_valid;
	src->max_retries = CLOCK_MAX_RETRIES;
	src->origin = (uint8_t)origin;
}

/* What PVCLOCK_VDSO asks for. */
enum clock_request {
	CLOCK_REQ_AUTO = 0,
	CLOCK_REQ_OFF,
	CLOCK_REQ_VCPU0,
	CLOCK_REQ_PERCPU,
};

struct clock_state {
	const volatile struct kdata_clock *kd;   /* the kernel's two clock blocks */
	const volatile struct kdata_clock *ns;   /* time-namespace offsets, or NULL */
	struct kdata_layout lay;                 /* how kd and ns are laid out */
	int32_t kmode;                           /* clock mode the blocks had when validated */
	uint32_t counter;                        /* enum clock_counter */
	uint32_t request;                        /* enum clock_request */
	uint32_t trust_host;                     /* PVCLOCK_TRUST_HOST=1: kvm-clock even in a confidential guest */
	struct pvclock_source src;               /* the pvclock page (kvm-clock counters) */
	struct pvclock_hyperv hv;                /* Hyper-V's reference page (HVCLOCK) */
	const void *kernel_vdso;                 /* the kernel's vDSO (AT_SYSINFO_EHDR), or NULL */
	int (*k_gettime)(long clk, struct pvclock_timespec *ts);   /* int, as the kernel's vDSO declares */
	int (*k_gettimeofday)(struct pvclock_timeval *tv, void *tz);
	long (*k_time)(long *t);
	int (*k_getres)(long clk, struct pvclock_timespec *ts);
	long (*k_getcpu)(unsigned *cpu, unsigned *node, void *cache);
};

extern struct clock_state pvclock_clock_state PVCLOCK_HIDDEN;
extern int pvclock_clock_phase PVCLOCK_HIDDEN;

/*
 * The reader the clocks use, published by start-up after the state
 * (release): pvclock_clock_read_other() switches on it once per call.
 */
enum clock_reader {
	CLOCK_READER_START = 0,    /* not started (or being switched): the general reader */
	CLOCK_READER_GENERAL,      /* the general reader (clock_read.h), or the kernel */
	CLOCK_READER_TSC,          /* the straight TSC line, 6.15 layout (pvclock_clock_tsc_fast) */
	CLOCK_READER_TSC_LAYOUT,   /* the straight TSC line, another layout */
	CLOCK_READER_PV_MAP,       /* kvm-clock through the shared maps (pvmap_shared.h) */
};

extern uint32_t pvclock_clock_reader PVCLOCK_HIDDEN;

/*
 * The high-resolution block, for the COARSE clocks and time(), when it is
 * the real data (no time namespace at start-up) in a layout with the
 * fields at their 6.15 offsets (6.10 and later), whatever the clock mode;
 * else pvclock_clock_no_block, whose sequence count is odd for good, as a
 * namespace's offsets page's is: never NULL, so readers test one thing.
 * Published with the reader.
 */
extern const struct kdata_clock *pvclock_clock_coarse_fast PVCLOCK_HIDDEN;
extern const struct kdata_clock pvclock_clock_no_block PVCLOCK_HIDDEN;

/*
 * pvclock_clock_startup - fill the state if nobody has; the state when
 * READY, NULL while another caller is still filling it.
 */
const struct clock_state *pvclock_clock_startup(void) PVCLOCK_HIDDEN;

/* clock_state - the state, started up if need be; NULL while another caller fills it. */
static inline const struct clock_state *clock_state(void)
{
	/* Acquire pairs with the release that publishes the filled state. */
	if (__builtin_expect(__atomic_load_n(&pvclock_clock_phase, __ATOMIC_ACQUIRE) == CLOCK_READY, 1))
		return &pvclock_clock_state;
	return pvclock_clock_startup();
}

/*
 * pvclock_clock_fill - fill @s from the running process: the kernel's vDSO
 * and time data, the pvclock page, PVCLOCK_VDSO.  Never fails: what is
 * missing leaves that part delegated.
 */
void pvclock_clock_fill(struct clock_state *s) PVCLOCK_HIDDEN;

/* pvclock_clock_fill_kernel - only the kernel vDSO's entry points. */
void pvclock_clock_fill_kernel(struct clock_state *s) PVCLOCK_HIDDEN;

/*
 * pvclock_clock_publish - choose the reader for @s (NULL: the general one)
 * and publish it, with pvclock_clock_tsc_fast.
 */
void pvclock_clock_publish(const struct clock_state *s) PVCLOCK_HIDDEN;

/*
 * pvclock_clock_environ - the environment start-up reads PVCLOCK_VDSO from
 * (NULL: /proc/self/environ).  The front end defines it: libc's environ in
 * the library and the static drop-in, the dynamic linker's in the shared
 * drop-in, which has no libc of its own.  Called once, during start-up.
 */
char *const *pvclock_clock_environ(void);

#endif /* PVCLOCK_CORE_CLOCK_STATE_H */
