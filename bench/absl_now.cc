// SPDX-License-Identifier: MIT
// Abseil's cheap wall clock, callable from C (absl.h).
#include <absl/time/clock.h>

#include "absl.h"

int64_t cb_absl_now_ns(void)
{
	return absl::GetCurrentTimeNanos();
}
