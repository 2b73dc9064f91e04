/* SPDX-License-Identifier: MIT */
/*
 * simkernel_update.h - the simulated kernel's timekeeping: an update reads
 * the counter, carries every base time across to it exactly (in shifted
 * ns) and may change the multiplier (an NTP slew) or step REALTIME and TAI
 * (settimeofday); a timekeeper thread keeps updating, as the kernel's tick
 * does.
 */
#ifndef PVCLOCK_SIMKERNEL_UPDATE_H
#define PVCLOCK_SIMKERNEL_UPDATE_H

#include <stdint.h>

#include "pvclock/kdata.h"
#include "simkernel.h"
#include "simloop.h"

/*
 * simkernel_tick - block @c's base times carried to counter value @cycles
 * exactly, then multiplier @mult from there.  Clocks without a base (sec
 * and nsec zero: not kept in this block) stay without one.  No sequence
 * count: for blocks no reader sees meanwhile.
 */
void simkernel_tick(struct kdata_clock *c, uint64_t cycles, uint32_t mult);

/*
 * simkernel_update - one update of @k's time data, each block under its
 * sequence count: ticked to the counter's value now (the TSC in tsc mode,
 * the reference time in HVCLOCK mode, vCPU 0's pvclock value in kvm-clock
 * mode) with multiplier @mult, and REALTIME and TAI stepped by @step_sec
 * seconds.
 */
void simkernel_update(struct simkernel *k, uint32_t mult, int64_t step_sec);

/*
 * A thread that updates @k, @pause_us apart: the multiplier goes 1:1,
 * 1:1 + @slew, 1:1 - @slew, 1:1, ... (out and back every three updates),
 * and update number @step_at steps REALTIME and TAI by +1 s.
 */
struct simkernel_timekeeper {
	struct simkernel *k;
	uint32_t slew;            /* in units of 2^-SIMKERNEL_SHIFT */
	long step_at;             /* -1: never */
	unsigned pause_us;

	struct simloop loop;      /* the rest is the thread's */
	int stepped;              /* atomic */
};

/* simkernel_timekeeper_start - start the thread; 0 or an errno value. */
int simkernel_timekeeper_start(struct simkernel_timekeeper *t);

/* simkernel_timekeeper_stop - stop and join the thread. */
void simkernel_timekeeper_stop(struct simkernel_timekeeper *t);

/* simkernel_timekeeper_updates - updates made so far. */
long simkernel_timekeeper_updates(const struct simkernel_timekeeper *t);

/* simkernel_timekeeper_stepped - 1 once the step is in the time data. */
int simkernel_timekeeper_stepped(const struct simkernel_timekeeper *t);

#endif /* PVCLOCK_SIMKERNEL_UPDATE_H */
