/* SPDX-License-Identifier: MIT */
/*
 * paths.h - every way of reading the time (or the CPU number) that
 * clockbench measures, each with its exact instruction sequence and the
 * loops that measure it with the read inlined.
 */
#ifndef CLOCKBENCH_PATHS_H
#define CLOCKBENCH_PATHS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "pvclock.h"

enum cb_group {
	CB_GROUP_FLOOR = 0,   /* the TSC read alone */
	CB_GROUP_GETCPU,      /* which CPU, alone */
	CB_GROUP_PVCLOCK,     /* this library's read protocols */
	CB_GROUP_INCUMBENT,   /* clock_gettime in its forms */
	CB_GROUP_STAMP,       /* timestamps for hot loops, ordered or not */
	CB_GROUP_NR
};

/* What one read returns: the warp and drift checks need to know. */
enum cb_unit {
	CB_UNIT_TICKS = 0,    /* TSC ticks */
	CB_UNIT_NS,           /* nanoseconds of some clock */
	CB_UNIT_CPU,          /* a CPU number: no clock quality to check */
	CB_UNIT_NONE,         /* a value kept only so the read is not optimised away */
};

/* Path flags. */
#define CB_GETCPU_FREE  0x1u  /* reads no CPU number */
#define CB_CHAIN_BOUND  0x2u  /* the dependent chain reaches the read's inputs */
#define CB_SIMULATED    0x4u  /* reads the simulated host's records */
#define CB_STORM        0x8u  /* measured again under a host update storm */
#define CB_KERNEL_VDSO  0x10u /* the kernel vDSO's CLOCK_MONOTONIC: the incumbent */
#define CB_COARSE       0x20u /* a tick-resolution clock */
#define CB_SHARED_WRITE 0x40u /* writes a cache line all threads share */
#define CB_KERNEL_CLOCK 0x80u /* returns the kernel's clock_id: checked against its bracket */

struct cb_path {
	const char *id;           /* short stable name, used in JSON/CSV */
	const char *sequence;     /* the instructions, in order */
	enum cb_group group;
	enum cb_unit unit;
	unsigned flags;
	int clock_id;             /* the clock compared in the drift check; -1: none */
	/* availability: 0, or -1 with *why set to a one-line reason */
	int (*setup)(const struct cb_path *p, const char **why);
	/* @n independent reads; returns a sum that keeps them alive */
	uint64_t (*loop)(uint64_t n, uint64_t *errors);
	/* @n reads, each fed by the previous result */
	uint64_t (*chain)(uint64_t n, uint64_t *errors);
	/* @nb timed batches of @per reads; out[i] = batch i's ticks, timer included */
	void (*batches)(double *out, size_t nb, unsigned per);
	/* one read, for the warp and drift checks */
	uint64_t (*read)(void *unused);
};

extern const struct cb_path cb_paths[];
extern const size_t cb_nr_paths;

/* State the paths read; filled by cb_paths_init(). */
struct cb_paths_state {
	struct pvclock_source kernel_src;
	int kernel_src_rc;                    /* pvclock_source_open_kernel()'s status */
	enum pvclock_getcpu_method best_getcpu;
	const char *dropin_path;              /* where the drop-in was looked for / found */
	const char *dropin_why;               /* why it is unavailable; NULL when loaded */
	const char *sim_why;                  /* why simulated rows are unavailable */
	struct pvclock_vmclock vmclock;       /* /dev/vmclock0, when it opened */
	int vmclock_rc;                       /* its open's (or first read's) status */
};

extern struct cb_paths_state cb_state;

/* The kernel vDSO's and the drop-in's clock_gettime; NULL when absent. */
typedef int (*cb_cgt_fn)(clockid_t, struct timespec *);
extern cb_cgt_fn cb_kernel_cgt __attribute__((visibility("hidden")));
extern cb_cgt_fn cb_dropin_cgt __attribute__((visibility("hidden")));

/* The status of the latest failed read, any thread; for naming errors in reports. */
extern volatile int cb_last_status;

/*
 * The source the pvclock rows (other than the migration-count one) read: a
 * copy of the kernel's, or of the simulated host's during the update-storm
 * phase.  A copy, not a pointer: a caller's source sits at a fixed address,
 * and a pointer would add a dependent load in front of every read.
 */
extern struct pvclock_source cb_pv __attribute__((visibility("hidden")));

/*
 * cb_paths_init - open the kernel source, probe getcpu methods, look up
 * the kernel vDSO's clock_gettime and the project's drop-in (@dropin_path,
 * else $PVCLOCK_VDSO_LIB, else ../vdso/libpvclock-vdso.so.0 next to @argv0).
 */
void cb_paths_init(const char *argv0, const char *dropin_path);

/* Timer pair for batches: the same sequences every batch uses. */
static inline uint64_t cb_timer_start(void)
{
	uint32_t lo, hi;

	/* The first fence waits for earlier work, the second keeps later work after. */
	__asm__ __volatile__("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t cb_timer_end(void)
{
	/* LFENCE lets RDTSC run only once every read of the batch has completed. */
	return pvclock_rdtsc_lfence();
}

/* cb_timer_batches - @nb empty batches: the timer's own cost. */
void cb_timer_batches(double *out, size_t nb);

#endif /* CLOCKBENCH_PATHS_H */
