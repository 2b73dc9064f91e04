/* SPDX-License-Identifier: MIT */
/*
 * simkernel.h - a simulated guest kernel's vDSO time data (two clock
 * blocks, vdso/kdata.h, in the 6.15+ layout), pvclock records of its own
 * for it to count, a time namespace's offsets, and the model of every
 * clock the drop-in serves from them.  Used by the drop-in's tests and
 * vdso_bench; simkernel_update.h updates the time data as the kernel's
 * timekeeping does, simkernel_era.h writes it in older kernels' layouts.
 *
 * In kvm-clock mode the blocks' counter is vCPU 0's pvclock ns, at 1:1
 * (mult 1 << SIMKERNEL_SHIFT) until an update slews it; in tsc mode it is
 * the TSC.  The arithmetic is exact: the model's value for a TSC value is
 * what a correct reader must return.
 *
 * The records here are written only by simkernel_init() and
 * simkernel_rewrite_records(); the time data may as well count the records
 * of the simulated host (simhost.h), whose clock then stands in for
 * simkernel_pv().
 */
#ifndef PVCLOCK_SIMKERNEL_H
#define PVCLOCK_SIMKERNEL_H

#include <stdint.h>

#include "pvclock/abi.h"
#include "pvclock/kdata.h"

#define SIMKERNEL_SHIFT 24u       /* the blocks' shift */
#define SIMKERNEL_NSLOTS 2u       /* records most tests publish */

struct simkernel {
	_Alignas(4096) struct kdata_clock kd[2];   /* the time data: KDATA_HRES, KDATA_RAW */
	_Alignas(4096) struct kdata_clock ns[2];   /* a time namespace's page (simkernel_timens) */
	_Alignas(4096) unsigned char slots[4096];  /* the records, PVCLOCK_SLOT_STRIDE apart */
	uint64_t skew_ns;                          /* vCPU k's record runs k * skew_ns ahead */
	const struct simhyperv *hv;                /* the Hyper-V page of HVCLOCK mode (simkernel_init_hv) */
};

struct simhyperv;

/* simkernel_tsc_per_ms - TSC ticks per ms, measured over 20 ms of CLOCK_MONOTONIC_RAW. */
uint64_t simkernel_tsc_per_ms(void);

/*
 * simkernel_init - records for @nr vCPUs from now (system time 10 s, vCPU
 * k @skew_ns * k ahead) with flags @flags, and time data in kvm-clock mode
 * with MONOTONIC = 1000 s at pvclock 10 s, REALTIME = MONOTONIC + 1.7e9 s,
 * BOOTTIME = MONOTONIC + 5 s, TAI = REALTIME + 37 s, MONOTONIC_RAW =
 * MONOTONIC - 3 s; no namespace.
 */
void simkernel_init(struct simkernel *k, unsigned nr, uint8_t flags, uint64_t skew_ns);

/*
 * simkernel_init_tsc - the same clocks in clocksource tsc mode: the
 * counter is the TSC from now, at this machine's rate (max_cycles 1000 s);
 * one stable record.
 */
void simkernel_init_tsc(struct simkernel *k);

/*
 * simkernel_init_hv - time data in HVCLOCK mode over Hyper-V page @h: the
 * counter is the page's reference time (100 ns units), which the blocks
 * turn into ns with mult = 100 << SIMKERNEL_SHIFT, as Linux's hyperv
 * clocksource does.
 */
void simkernel_init_hv(struct simkernel *k, const struct simhyperv *h);

/* simkernel_record - vCPU @cpu's record. */
struct pvclock_record *simkernel_record(struct simkernel *k, unsigned cpu);

/*
 * simkernel_pv - the pvclock value that a read of records 0 .. @nr - 1 at
 * TSC value @tsc must give: the largest record's.
 */
uint64_t simkernel_pv(const struct simkernel *k, unsigned nr, uint64_t tsc);

/* simkernel_pv0 - vCPU 0's value only (what the kernel's vDSO computes). */
uint64_t simkernel_pv0(const struct simkernel *k, uint64_t tsc);

/* simkernel_clock - the time data's clock @clk (ns) at counter value @cycles; no namespace offset. */
int64_t simkernel_clock(const struct simkernel *k, long clk, uint64_t cycles);

/*
 * simkernel_rewrite_records - one host update of records 0 .. @nr - 1:
 * each moved by @delta_ns and given flags @flags between an odd and an
 * even version.
 */
void simkernel_rewrite_records(struct simkernel *k, unsigned nr, int64_t delta_ns, uint8_t flags);

/*
 * simkernel_timens - a time namespace's page: both blocks marked @marker
 * (KDATA_MODE_TIMENS, or KDATA_MODE_TIMENS_56 as Linux 5.6 marks them),
 * every offset zero.
 */
void simkernel_timens(struct simkernel *k, int32_t marker);

/* simkernel_timens_offset - the namespace's offset of clock @clk: @sec s (signed) plus @nsec ns. */
void simkernel_timens_offset(struct simkernel *k, long clk, int64_t sec, uint64_t nsec);

/*
 * simkernel_served - what a correct read of clock @clk (ns) at TSC value
 * @tsc gives: the time data's clock at the counter then (the TSC, or the
 * largest of records 0 .. @nr - 1; 1: vCPU 0's, as while TSC_STABLE), plus
 * the namespace's offset once simkernel_timens() has marked its page.
 */
int64_t simkernel_served(const struct simkernel *k, unsigned nr, long clk, uint64_t tsc);

/* simkernel_served() of @k over @nr records, as a model of every clock (vdso_bracket() in the tests). */
struct simkernel_model {
	const struct simkernel *k;
	unsigned nr;
};

/* simkernel_model_ns - simkernel_served() for model @ctx (struct simkernel_model). */
int64_t simkernel_model_ns(const void *ctx, long clk, uint64_t tsc);

#endif /* PVCLOCK_SIMKERNEL_H */
