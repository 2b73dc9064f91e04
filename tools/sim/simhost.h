/* SPDX-License-Identifier: MIT */
/*
 * simhost.h - a simulated hypervisor that publishes pvclock records in
 * ordinary memory and rewrites them concurrently, as KVM does, and a
 * simulated guest scheduler that migrates threads and bumps migration
 * counters.  Used by the tests and by clockbench's simulated runs.
 *
 * The host clock H is a function of the real TSC.  Its rate is exactly
 * representable: 7/16 ns per tick, written as (mul 7 << 28, shift 0) or an
 * equivalent pair (7 << (28 - s), s) for s = 1..3.  Every tsc_timestamp is a
 * multiple of 16 ticks after the clock's origin, so system_time = H(ts) is an
 * integer and a reader that follows the protocol and reads TSC value x gets
 * exactly H(x), whichever record it used.  A test may therefore assert
 * H(tsc_before) <= ns <= H(tsc_after) and ns == H(t.tsc) with no tolerance.
 *
 * With change_rate the rate itself alternates between 7/16 ns and that plus
 * rate_ppm; H is then the piecewise-linear clock those records describe, and
 * a correct read lies within simhost_tolerance_ns() of it (1 ns of rounding,
 * plus the rate difference over a record that was replaced while the read
 * was in flight).
 *
 * vCPU k's clock is H + k * vcpu_offset_ns, so a read that used one vCPU's
 * record but reports another vCPU is off by a multiple of the offset.
 *
 * With step_back_ns every odd-numbered rewrite round (the first
 * simhost_update() after simhost_create(), the third, ...) writes each
 * record step_back_ns below that clock, and the even rounds write it at the
 * clock again: an update that lowers a record's time, as KVM without a
 * master clock does when it re-reads a host clock that is behind the old
 * record's extrapolation.  simhost_clock() stays the unlowered clock.
 *
 * Writer ordering, per record: version made odd, full barrier, then the TSC
 * read that decides the new record, the fields, a release barrier, version
 * made even.  The full barrier keeps the TSC read from happening before the
 * odd version is visible to readers, so no reader can combine a TSC value
 * older than tsc_timestamp with the new fields.
 *
 * All functions may be called from any thread; the writer thread and the
 * fault-injection calls are serialised by one lock.  Nothing here is async-
 * signal-safe.
 */
#ifndef PVCLOCK_SIMHOST_H
#define PVCLOCK_SIMHOST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define SIMHOST_MAX_VCPUS 64u

struct simhost_config {
	unsigned nr_vcpus;            /* slots published (1..64); 0: CPUs online (at most 64) */
	size_t stride;                /* 64 or 128; 0: 64 */
	int migrate_count;            /* slots carry the Linux 4.0-4.2 counter at offset 32 */
	unsigned update_ns;           /* pause between rewrite rounds; 0 = back to back */
	int masterclock;              /* one (tsc, time) pair for all, all odd together; sets TSC_STABLE */
	int change_representation;    /* alternate between equivalent (mul, shift) pairs */
	int change_rate;              /* alternate the true rate by rate_ppm (not exact) */
	unsigned rate_ppm;            /* for change_rate, 1..100000; 0: 100 */
	int flip_stable;              /* clear TSC_STABLE on every fourth round */
	int garbage_while_odd;        /* scribble every field while the version is odd */
	uint64_t vcpu_offset_ns;      /* vCPU k's clock is H + k * vcpu_offset_ns */
	uint64_t step_back_ns;        /* odd rounds write records this far below (at most 1 s) */
};

struct simhost;

/*
 * simhost_create - allocate page-aligned slots (whole pages, zero beyond the
 * last vCPU) and publish the first record of every vCPU.  NULL on a bad
 * config or when memory or the lock cannot be had.
 */
struct simhost *simhost_create(const struct simhost_config *cfg);

/* simhost_start - start the writer thread; 0, EBUSY when running, or an errno value. */
int simhost_start(struct simhost *h);

/* simhost_stop - stop and join the writer thread (idempotent). */
void simhost_stop(struct simhost *h);

/* simhost_destroy - stop the writer and free everything; NULL is ignored. */
void simhost_destroy(struct simhost *h);

/* simhost_update - one rewrite round from the calling thread (what the writer loops on). */
void simhost_update(struct simhost *h);

/* simhost_slots - the slot array (page-aligned), for pvclock_source_open_memory(). */
void *simhost_slots(struct simhost *h);
/* simhost_stride - bytes from one slot to the next. */
size_t simhost_stride(const struct simhost *h);
/* simhost_nr_vcpus - number of slots published. */
unsigned simhost_nr_vcpus(const struct simhost *h);
/* simhost_mem_size - bytes mapped at simhost_slots() (a multiple of 4096). */
size_t simhost_mem_size(const struct simhost *h);

/*
 * simhost_clock - H(@tsc) + @cpu * vcpu_offset_ns.  @tsc must not be older
 * than the simhost (and, with change_rate, not older than the rate history
 * kept: about 2^16 rate changes of at least 2^18 ticks each).
 */
uint64_t simhost_clock(struct simhost *h, unsigned cpu, uint64_t tsc);

/*
 * simhost_tolerance_ns - how far a correct read may lie outside
 * [H(before), H(after)] when after - before = @ticks: 0 in the exact modes.
 */
uint64_t simhost_tolerance_ns(const struct simhost *h, uint64_t ticks);

/* simhost_updates - records rewritten so far (all vCPUs together). */
uint64_t simhost_updates(const struct simhost *h);

/* simhost_migrations - simhost_migrate() calls that succeeded. */
uint64_t simhost_migrations(const struct simhost *h);

/* simhost_migrate_count - slot @cpu's migration counter (0 without migrate_count). */
uint32_t simhost_migrate_count(struct simhost *h, unsigned cpu);

/*
 * Fault injection; each takes effect before the call returns.
 * simhost_stick_odd - leave vCPU @cpu's version odd (@stuck) or publish a
 *                     fresh record again (!@stuck).
 * simhost_uninit    - zero vCPU @cpu's slot (version 0, mul 0) and stop
 *                     writing it, as for a vCPU the guest never brought up.
 * simhost_set_stable - force TSC_STABLE on (1) or off (0), or back to the
 *                     config's choice (-1); all records are rewritten.
 */
void simhost_stick_odd(struct simhost *h, unsigned cpu, int stuck);
void simhost_uninit(struct simhost *h, unsigned cpu);
void simhost_set_stable(struct simhost *h, int stable);

/*
 * simhost_migrate - the simulated guest scheduler: move @thread to CPU @to
 * (pinning it there), bumping slot @from's migration counter before and
 * after, as the guest kernel's notifier would.  Unlike the kernel's notifier
 * the bumps are not tied to the moment the thread leaves: a read that loads
 * the counter between the two bumps and is moved before the second is not
 * caught.  With one real TSC shared by every simulated vCPU that is
 * harmless, so the torture tests stay exact.  0 or an errno value (EINVAL
 * for a CPU without a slot).
 */
int simhost_migrate(struct simhost *h, pthread_t thread, unsigned from, unsigned to);

#endif /* PVCLOCK_SIMHOST_H */
