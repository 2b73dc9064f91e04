/* SPDX-License-Identifier: MIT */
/*
 * simhost.h - a simulated hypervisor that publishes pvclock records in
 * ordinary memory and rewrites them concurrently, as KVM does, and a
 * simulated guest scheduler that migrates threads and bumps migration
 * counters.  Used by the tests, clockbench and pvclock-sim.
 *
 * The host clock H is a function of the real TSC.  By default the records
 * are written so that every reader that follows the protocol computes H
 * exactly (tsc_timestamp aligned so the 32.32 product has no fraction), so a
 * correct read of TSC value x returns exactly H(x) and a test may assert
 * H(tsc_before) <= ns <= H(tsc_after) with no tolerance.
 */
#ifndef PVCLOCK_SIMHOST_H
#define PVCLOCK_SIMHOST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct simhost_config {
	unsigned nr_vcpus;            /* slots published (1..64); default: CPUs online */
	size_t stride;                /* 64 (default) or 128 */
	int migrate_count;            /* slots carry the Linux 4.0-4.2 counter at offset 32 */
	unsigned update_ns;           /* pause between rewrites; 0 = back to back */
	int masterclock;              /* one (tsc, time) pair for all, all odd together */
	int change_representation;    /* alternate between equivalent (mul, shift) pairs */
	int change_rate;              /* alternate the true rate by rate_ppm (not exact) */
	unsigned rate_ppm;            /* for change_rate; default 100 */
	int flip_stable;              /* clear TSC_STABLE on some updates */
	int garbage_while_odd;        /* scribble every field while the version is odd */
	uint64_t vcpu_offset_ns;      /* vCPU k's clock is H + k * vcpu_offset_ns */
};

struct simhost;

/* simhost_create - publish initial records; NULL on bad config or no memory. */
struct simhost *simhost_create(const struct simhost_config *cfg);
/* simhost_start - start the writer thread; 0 or an errno value. */
int simhost_start(struct simhost *h);
/* simhost_stop - stop and join the writer thread (idempotent). */
void simhost_stop(struct simhost *h);
void simhost_destroy(struct simhost *h);

/* The slot array, for pvclock_source_open_memory(), and its geometry. */
void *simhost_slots(struct simhost *h);
size_t simhost_stride(const struct simhost *h);
unsigned simhost_nr_vcpus(const struct simhost *h);

/* simhost_clock - H(tsc) for vCPU @cpu (includes its offset). */
uint64_t simhost_clock(struct simhost *h, unsigned cpu, uint64_t tsc);
/* simhost_rate_error_ns - the most a correct read may differ from H over @ticks (0 when exact). */
uint64_t simhost_tolerance_ns(const struct simhost *h, uint64_t ticks);

/* simhost_updates - rewrites done so far (all vCPUs). */
uint64_t simhost_updates(const struct simhost *h);

/* Fault injection. */
void simhost_stick_odd(struct simhost *h, unsigned cpu, int stuck);   /* leave version odd */
void simhost_uninit(struct simhost *h, unsigned cpu);                 /* zero the slot */
void simhost_set_stable(struct simhost *h, int stable);               /* force flag on/off */

/*
 * simhost_migrate - the simulated guest scheduler: move @thread (pinned to
 * one CPU) from @from to @to, bumping slot @from's migration counter before
 * and after, as the guest kernel's notifier would.  0 or an errno value.
 */
int simhost_migrate(struct simhost *h, pthread_t thread, unsigned from, unsigned to);

#endif /* PVCLOCK_SIMHOST_H */
