/* SPDX-License-Identifier: MIT */
/*
 * drift.h - each measured clock against the kernel's CLOCK_MONOTONIC_RAW
 * and CLOCK_MONOTONIC at the start and the end of a run, and the TSC rate
 * the pvclock record implies against the kernel's own calibration.
 */
#ifndef CLOCKBENCH_DRIFT_H
#define CLOCKBENCH_DRIFT_H

#include "report.h"

struct cb_marks;

/* cb_marks_alloc - room for the marks of @nrows paths; NULL when out of memory. */
struct cb_marks *cb_marks_alloc(size_t nrows);
void cb_marks_free(struct cb_marks *m);

/* cb_marks_take - compare now every row with have_drift, and the TSC. */
void cb_marks_take(const struct cb_report *r, struct cb_marks *m);

/* cb_drift - offsets, drift and rate mismatch from two sets of marks. */
void cb_drift(struct cb_report *r, const struct cb_marks *start, const struct cb_marks *end);

#endif /* CLOCKBENCH_DRIFT_H */
