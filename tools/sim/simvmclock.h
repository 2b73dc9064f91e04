/* SPDX-License-Identifier: MIT */
/*
 * simvmclock.h - a simulated VMClock device: a page in memory that the
 * simulator rewrites under its sequence count as a host would (rate
 * changes, error growth, leap seconds, disruptions with time jumps, the
 * marker-only mode QEMU and Firecracker publish), over this machine's TSC.
 */
#ifndef PVCLOCK_SIMVMCLOCK_H
#define PVCLOCK_SIMVMCLOCK_H

#include <stdint.h>

#include "pvclock/vmclock.h"

struct simvmclock {
	_Alignas(4096) union {
		struct pvclock_vmclock_abi abi;
		unsigned char bytes[4096];
	} page;
	uint64_t period;          /* the current period, 2^-(64 + shift) s per tick */
	uint64_t base_period;     /* the period measured at init */
	/*
	 * Tagged updates: update n writes n as the estimated error first and
	 * as the maximum error last, both with no growth, so a reading that
	 * mixes two updates shows two different numbers.
	 */
	int tagged;
	uint64_t tag;
};

/*
 * simvmclock_init - a page for this machine's TSC: UTC from CLOCK_REALTIME
 * now, the period measured against CLOCK_MONOTONIC_RAW (any period will
 * do: the page defines the time), SYNCHRONIZED, error bounds valid,
 * notifications and VM generation present.  @marker_only: counter INVALID
 * and status UNKNOWN instead, as QEMU and Firecracker publish.
 */
void simvmclock_init(struct simvmclock *v, int marker_only);

/*
 * simvmclock_update - one host update under the sequence count: the time
 * carried exactly to the TSC read after the count went odd, the period set
 * to the measured one times (1 + @ppm / 10^6), the leap indicator @leap.
 * Time stays continuous and, read as vmclock.h reads it, monotonic.
 */
void simvmclock_update(struct simvmclock *v, int64_t ppm, uint8_t leap);

/*
 * simvmclock_disrupt - a disruption: the time jumps by @jump_ns (a counter
 * that restarted elsewhere), the marker takes a new value, the VM
 * generation goes up.
 */
void simvmclock_disrupt(struct simvmclock *v, int64_t jump_ns);

/*
 * simvmclock_ns - the page's time at TSC value @tsc in ns since its epoch,
 * computed in long double from the fields as they are now (for checks
 * only; the caller makes sure no update runs meanwhile).
 */
long double simvmclock_ns(const struct simvmclock *v, uint64_t tsc);

/* A host that keeps updating @v, tagged, the period going +@ppm, -@ppm, 0, ... */
struct simvmclock_host {
	struct simvmclock *v;
	int64_t ppm;
};

/* simvmclock_host_step - update number @n of host @ctx (a simloop step, simloop.h). */
void simvmclock_host_step(void *ctx, long n);

#endif /* PVCLOCK_SIMVMCLOCK_H */
