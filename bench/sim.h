/* SPDX-License-Identifier: MIT */
/*
 * sim.h - clockbench's use of the simulated host: the migration-count row
 * (no current kernel publishes a counter) and the update-storm phase.
 */
#ifndef CLOCKBENCH_SIM_H
#define CLOCKBENCH_SIM_H

#include <stdint.h>

#include "pvclock.h"

/* Slots with migration counters, never rewritten; valid when cb_sim_migrate_ok. */
extern struct pvclock_source cb_sim_migrate_src __attribute__((visibility("hidden")));
extern int cb_sim_migrate_ok;

/* cb_sim_init - publish the migration-count slots; on failure *@why says why. */
void cb_sim_init(const char **why);

/* cb_sim_fini - release the migration-count slots. */
void cb_sim_fini(void);

/*
 * cb_storm_open - a simulated host with a master clock (TSC_STABLE) whose
 * writer, once started, rewrites every record and then pauses @update_ns
 * (0: back to back).  Returns its source, or NULL with *@why set.
 */
const struct pvclock_source *cb_storm_open(unsigned update_ns, const char **why);
int cb_storm_start(void);             /* 0 or an errno value */
void cb_storm_stop(void);
uint64_t cb_storm_updates(void);      /* rewrites so far */
void cb_storm_close(void);

#endif /* CLOCKBENCH_SIM_H */
