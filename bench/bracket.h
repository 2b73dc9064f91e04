/* SPDX-License-Identifier: MIT */
/*
 * bracket.h - how far each path that claims to read a kernel clock lands
 * outside a bracket of the kernel's own clock_gettime before and after it.
 */
#ifndef CLOCKBENCH_BRACKET_H
#define CLOCKBENCH_BRACKET_H

#include "report.h"

/*
 * cb_bracket - @reads bracketed reads of every available row flagged
 * CB_KERNEL_CLOCK, on the calling thread; fills the rows' bracket fields.
 * Nothing when the kernel's vDSO clock_gettime is missing or memory is short.
 */
void cb_bracket(struct cb_report *r, unsigned reads);

#endif /* CLOCKBENCH_BRACKET_H */
