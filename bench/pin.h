/* SPDX-License-Identifier: MIT */
/* pin.h - CPU affinity for measuring threads. */
#ifndef CLOCKBENCH_PIN_H
#define CLOCKBENCH_PIN_H

/* cb_pin_self - run the calling thread on @cpu only; 0 or an errno value. */
int cb_pin_self(int cpu);

/*
 * cb_online_cpus - the CPUs this process may run on, ascending, at most
 * @max of them; returns how many were stored (at least 1: CPU 0 when the
 * affinity mask cannot be read).
 */
int cb_online_cpus(int *cpus, int max);

#endif /* CLOCKBENCH_PIN_H */
