// SPDX-License-Identifier: MIT
// Every public header included from C++, the library linked and called:
// the declarations carry C linkage and the inline parts compile as C++.
#include <cstdio>
#include <ctime>

#include "pvclock.h"

int main()
{
	struct pvclock_source src;
	struct timespec ts;
	int64_t ns = 0;
	int rc = pvclock_source_open_kernel(&src);

	std::printf("source: %s\n", pvclock_strerror(rc));
	if (pvclock_clock_gettime(CLOCK_MONOTONIC, &ts) != 0 || pvclock_clock_gettime_ns(CLOCK_REALTIME, &ns) != 0)
		return 1;
	if (pvclock_stamp_ns(PVCLOCK_CLOCK_MONOTONIC) == PVCLOCK_STAMP_INVALID)
		return 2;
	std::printf("monotonic %lld.%09ld, realtime %lld ns\n", (long long)ts.tv_sec, ts.tv_nsec,
		    (long long)ns);
	return 0;
}
