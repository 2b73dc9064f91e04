/* SPDX-License-Identifier: MIT */
/*
 * Where the clocks' start-up reads PVCLOCK_VDSO (lib/core/clock_state.h):
 * libc's environment, for the library and the static drop-in.
 */
#include "clock_state.h"

extern char **environ;

char *const *pvclock_clock_environ(void)
{
	return environ;
}
