/* SPDX-License-Identifier: MIT */
/*
 * absl.h - Abseil's GetCurrentTimeNanos(), the incumbent for cheap
 * timestamps, through a one-function C++ shim (absl_now.cc) built when
 * meson finds Abseil (option absl).
 */
#ifndef CLOCKBENCH_ABSL_H
#define CLOCKBENCH_ABSL_H

#include <stdint.h>

#ifdef CB_HAVE_ABSL
#ifdef __cplusplus
extern "C"
#endif
int64_t cb_absl_now_ns(void);
#else
/* Never called: the row is unavailable. */
static inline int64_t cb_absl_now_ns(void)
{
	return INT64_MIN;
}
#endif

#endif /* CLOCKBENCH_ABSL_H */
