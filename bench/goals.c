/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "goals.h"

const struct cb_goal cb_goals[] = {
	{ "dropin_monotonic", "drop-in clock_gettime vs the kernel's vDSO", CB_GOAL_RATIO,
	  "vdso_monotonic", "tsc", 0.90 },
	{ "dropin_monotonic", "drop-in clock_gettime vs the kernel's vDSO", CB_GOAL_RATIO,
	  "vdso_monotonic", "kvm-clock", 0.80 },
	{ "lib_monotonic", "library pvclock_clock_gettime vs the kernel's vDSO", CB_GOAL_RATIO,
	  "vdso_monotonic", "tsc", 0.90 },
	{ "lib_monotonic", "library pvclock_clock_gettime vs the kernel's vDSO", CB_GOAL_RATIO,
	  "vdso_monotonic", "kvm-clock", 0.80 },
	{ "pv_vcpu0_rdtscp", "library vCPU 0 read", CB_GOAL_TICKS_ABOVE_FLOOR, NULL, NULL, 6 },
	{ "pv_rseq_rdtscp", "library rseq read", CB_GOAL_TICKS_ABOVE_FLOOR, NULL, NULL, 6 },
	{ "pv_percpu_rdpid", "library per-vCPU read, RDPID", CB_GOAL_TICKS_ABOVE_FLOOR, NULL, NULL, 10 },
	{ "stamp_monotonic", "timestamp vs Abseil's GetCurrentTimeNanos", CB_GOAL_RATIO,
	  "absl_realtime", NULL, 1.05 },
	{ "stamp_ticks", "raw tick capture vs a bare rdtsc", CB_GOAL_RATIO, "rdtsc", NULL, 1.02 },
};

const size_t cb_nr_goals = sizeof(cb_goals) / sizeof(cb_goals[0]);

void cb_goal_judge(const struct cb_report *r, const struct cb_goal *g, struct cb_goal_result *out)
{
	const struct cb_row *row = cb_report_row(r, g->id);
	const struct cb_row *base = cb_report_row(r, g->kind == CB_GOAL_RATIO ? g->base : "lfence_rdtsc");

	memset(out, 0, sizeof(*out));
	if (!row || !base || !row->available || !base->available ||
	    (g->clocksource && strcmp(g->clocksource, r->env.clocksource) != 0))
		return;
	out->applies = 1;
	if (g->kind == CB_GOAL_RATIO) {
		out->value = cb_ratio(row->ns.median, base->ns.median);
		out->value_fastest = cb_ratio(row->ns.min, base->ns.min);
	} else {
		out->value = row->ticks - base->ticks;
		out->value_fastest = (row->ns.min - base->ns.min) * r->env.tsc_khz / 1e6;
	}
	out->met = out->value <= g->limit;
}
