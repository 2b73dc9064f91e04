/* SPDX-License-Identifier: MIT */
/*
 * vdso/vdso.h - state shared by the drop-in clock functions.
 *
 * The state is filled once, lazily, by whichever call comes first, and then
 * only read.  A phase word publishes it: UNSET -> STARTING (one caller won
 * the right to fill it) -> READY.  A caller that finds STARTING (another
 * thread, or a signal handler that interrupted the filler) does not wait: it
 * makes the system call, so nothing can deadlock and no lock is needed.
 * While STARTING, the word also holds the process ID of the filler: a
 * child forked in the middle of a start-up has no filler, and takes over.
 */
#ifndef PVCLOCK_VDSO_VDSO_H
#define PVCLOCK_VDSO_VDSO_H

#include <stdint.h>

#include "pvclock/abi.h"
#include "pvclock/source.h"
#include "pvclock/syscall.h"
#include "kdata.h"
#include "pvmap.h"

#define VDSO_HIDDEN __attribute__((visibility("hidden")))

enum vdso_phase {
	VDSO_UNSET = 0,
	VDSO_STARTING,
	VDSO_READY,
};

#define VDSO_PHASE_MASK 3

/* vdso_phase_starting - the phase word of a start-up by the calling process. */
static inline int vdso_phase_starting(void)
{
	return (int)(pvclock_syscall3(PVCLOCK_SYS_getpid, 0, 0, 0) << 2) | VDSO_STARTING;
}

/* Where the counter of the kernel's time data comes from. */
enum vdso_counter {
	VDSO_COUNTER_NONE = 0,    /* no usable time data: every clock is delegated */
	VDSO_COUNTER_RDTSCP,      /* clocksource tsc, RDTSCP */
	VDSO_COUNTER_LFENCE,      /* clocksource tsc, LFENCE;RDTSC */
	VDSO_COUNTER_PV_AUTO,     /* kvm-clock: vCPU 0 while TSC_STABLE, per-vCPU otherwise */
	VDSO_COUNTER_PV_VCPU0,    /* kvm-clock, forced vCPU 0 (unstable: system call, as the kernel) */
	VDSO_COUNTER_PV_PERCPU,   /* kvm-clock, forced per-vCPU */
};

/*
 * A record that stays mid-update: spin VDSO_MAX_RETRIES times, then give
 * the CPU away (a writer descheduled between its two version stores, as a
 * simulated host in the guest can be, then gets to finish), at most
 * VDSO_STUCK_ROUNDS times; after that the call goes to the kernel.
 */
#define VDSO_MAX_RETRIES  (1u << 12)
#define VDSO_STUCK_ROUNDS 256u

/*
 * Point @src at @nr_slots 64-byte slots; the drop-in reads the first
 * @nr_valid (up to the last valid record; the library's own count of valid
 * slots means something else).
 */
static inline void vdso_source_set(struct pvclock_source *src, const volatile unsigned char *slots,
				   unsigned nr_slots, unsigned nr_valid, enum pvclock_origin origin)
{
	src->slots = slots;
	src->stride = PVCLOCK_SLOT_STRIDE;
	src->nr_slots = nr_slots;
	src->nr_valid = nr_valid;
	src->max_retries = VDSO_MAX_RETRIES;
	src->origin = (uint8_t)origin;
}

/* What PVCLOCK_VDSO asks for. */
enum vdso_request {
	VDSO_REQ_AUTO = 0,
	VDSO_REQ_OFF,
	VDSO_REQ_VCPU0,
	VDSO_REQ_PERCPU,
};

struct vdso_kts {
	int64_t tv_sec;
	long tv_nsec;
};

struct vdso_ktv {
	int64_t tv_sec;
	long tv_usec;
};

struct vdso_state {
	const volatile struct kdata_clock *kd;   /* the kernel's two clock blocks */
	const volatile struct kdata_clock *ns;   /* time-namespace offsets, or NULL */
	struct kdata_layout lay;                 /* how kd and ns are laid out */
	int32_t kmode;                           /* clock mode the blocks had when validated */
	uint32_t counter;                        /* enum vdso_counter */
	uint32_t request;                        /* enum vdso_request */
	struct pvclock_source src;               /* the pvclock page (kvm-clock counters) */
	const void *kernel_vdso;                 /* the kernel's vDSO (AT_SYSINFO_EHDR), or NULL */
	int *(*errno_location)(void);            /* libc's errno, when one is loaded */
	int (*k_gettime)(long clk, struct vdso_kts *ts);   /* int, as the kernel's vDSO declares */
	int (*k_gettimeofday)(struct vdso_ktv *tv, void *tz);
	long (*k_time)(long *t);
	int (*k_getres)(long clk, struct vdso_kts *ts);
	long (*k_getcpu)(unsigned *cpu, unsigned *node, void *cache);
};

extern struct vdso_state pvclock_vdso_state VDSO_HIDDEN;
extern int pvclock_vdso_phase VDSO_HIDDEN;

/*
 * The kernel's clock blocks when the straight TSC path applies, else NULL;
 * set with READY.  _fast: the 6.15 layout; _lfast: another layout (the
 * state's lay).
 */
extern const struct kdata_clock *pvclock_vdso_tsc_fast VDSO_HIDDEN;
extern const struct kdata_clock *pvclock_vdso_tsc_lfast VDSO_HIDDEN;

/*
 * Where the kvm-clock map's keys live, when the map applies (kvm-clock,
 * vCPU 0 allowed, RDTSCP, no time namespace); kd is NULL otherwise.  Set
 * with READY: rec first, then kd with release.
 */
struct vdso_pv_fast {
	const volatile struct kdata_clock *kd;          /* high-resolution block */
	const volatile struct pvclock_record *rec;      /* vCPU 0's record */
};

extern struct vdso_pv_fast pvclock_vdso_pv_fast VDSO_HIDDEN;

/* pvclock_vdso_tsc_fast_set - point the straight TSC paths at @s's data, or at nothing. */
void pvclock_vdso_tsc_fast_set(const struct vdso_state *s) VDSO_HIDDEN;

/* pvclock_vdso_pv_fast_set - point the map's readers at @s's data, or at nothing. */
void pvclock_vdso_pv_fast_set(const struct vdso_state *s) VDSO_HIDDEN;

/* The shared kvm-clock map (pvmap.h, pvmap.c). */
extern struct pvmap pvclock_vdso_pvmap VDSO_HIDDEN;

/* pvclock_vdso_pvmap_refresh - rebuild the map from @s's current record and time data. */
void pvclock_vdso_pvmap_refresh(const struct vdso_state *s) VDSO_HIDDEN;

/*
 * The same map built from the per-vCPU view's lead and floor (percpu.h),
 * keyed by the view's sequence number instead of a record's version.
 */
extern struct pvmap pvclock_vdso_viewmap VDSO_HIDDEN;

/* pvclock_vdso_viewmap_refresh - rebuild the view map from the open view and time data. */
void pvclock_vdso_viewmap_refresh(const struct vdso_state *s) VDSO_HIDDEN;

/* pvclock_vdso_pvmap_reset - make both maps stale (tests switching data). */
void pvclock_vdso_pvmap_reset(void) VDSO_HIDDEN;

/*
 * pvclock_vdso_start - fill the state if nobody has; the state when READY,
 * NULL while another caller is still filling it.
 */
const struct vdso_state *pvclock_vdso_start(void) VDSO_HIDDEN;

/*
 * pvclock_vdso_fill - fill @s from the running process: the kernel's vDSO
 * and time data, the pvclock page, PVCLOCK_VDSO.  Never fails: what is
 * missing leaves that part delegated.
 */
void pvclock_vdso_fill(struct vdso_state *s) VDSO_HIDDEN;

/*
 * pvclock_vdso_errno_location - libc's __errno_location, looked up now (no
 * state needed: for failing calls made while another thread starts up);
 * NULL where it cannot be found, or where the archive is linked with libc.
 */
int *(*pvclock_vdso_errno_location(void))(void) VDSO_HIDDEN;

/*
 * pvclock_vdso_fill_kernel - only the kernel vDSO entry points and libc's
 * errno; returns libc's environment, NULL where it is not set up.
 */
char *const *pvclock_vdso_fill_kernel(struct vdso_state *s) VDSO_HIDDEN;

/*
 * pvclock_vdso_served - CLOCK_@clk (one of the served ids) from the time data;
 * 0, or 1 when this call must be delegated (no data, clock mode changed,
 * counter unavailable).
 */
int pvclock_vdso_served(const struct vdso_state *s, unsigned clk, struct vdso_kts *ts) VDSO_HIDDEN;

/*
 * pvclock_vdso_percpu_reset - forget every view and build the first from
 * @src (NULL: none; the first per-vCPU read then builds it).
 */
void pvclock_vdso_percpu_reset(const struct pvclock_source *src) VDSO_HIDDEN;

/* REALTIME, MONOTONIC, MONOTONIC_RAW, BOOTTIME, TAI. */
#define VDSO_SERVED_CLOCKS ((1u << 0) | (1u << 1) | (1u << 4) | (1u << 7) | (1u << 11))

#endif /* PVCLOCK_VDSO_VDSO_H */
