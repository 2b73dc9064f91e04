/* SPDX-License-Identifier: MIT */
/*
 * goals.h - the project's own speed goals, judged on one run: what a path
 * costs in TSC ticks above the lfence;rdtsc floor, or as a ratio to another
 * path, on the clocksource the goal is for.  Shown only when asked
 * (clockbench --targets): they say how close this code is to what it aims
 * at, not whether the machine is good.
 *
 * Why ticks above the floor.  An ordered read of the time is at least an
 * ordered TSC read (the floor, lfence;rdtsc); what any clock adds after it
 * is arithmetic and loads that the CPU cannot start before the counter is
 * read: at the very least one 64x64 multiply and an add, about 5 ticks.
 * Ticks above the floor measure that overhead directly, and ratios to the
 * kernel's vDSO say what a user gains by switching.
 */
#ifndef CLOCKBENCH_GOALS_H
#define CLOCKBENCH_GOALS_H

#include "report.h"

enum cb_goal_kind {
	CB_GOAL_TICKS_ABOVE_FLOOR = 0,  /* row's ticks/call minus lfence_rdtsc's, at most limit */
	CB_GOAL_RATIO,                  /* row's ns/call over base's, at most limit */
};

struct cb_goal {
	const char *id;           /* the row judged */
	const char *what;         /* in words */
	enum cb_goal_kind kind;
	const char *base;         /* CB_GOAL_RATIO: the row divided by */
	const char *clocksource;  /* the clocksource the goal is for; NULL: any */
	double limit;
};

extern const struct cb_goal cb_goals[];
extern const size_t cb_nr_goals;

/* One goal judged on a run. */
struct cb_goal_result {
	int applies;              /* the clocksource matches and both rows ran */
	double value;             /* ticks above the floor, or the ratio (medians) */
	double value_fastest;     /* the same from the fastest repetitions */
	int met;
};

/* cb_goal_judge - goal @g on run @r. */
void cb_goal_judge(const struct cb_report *r, const struct cb_goal *g, struct cb_goal_result *out);

#endif /* CLOCKBENCH_GOALS_H */
