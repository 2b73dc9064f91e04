/* SPDX-License-Identifier: MIT */
/*
 * A program whose clock_gettime, gettimeofday and time are the drop-in's:
 * linked statically with libpvclock-vdso.a (musl), or dynamically with
 * -lpvclock-vdso.  Exit 0 when every value lies within the kernel's bracket
 * and errors set errno.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long sys_ns(clockid_t clk)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, clk, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int main(void)
{
	static const clockid_t clocks[] = {
		CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME, CLOCK_TAI,
		CLOCK_MONOTONIC_COARSE,
	};
	struct timespec ts;
	struct timeval tv;
	long bad = 0;

	for (unsigned i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		for (int n = 0; n < 100000; n++) {
			long long a = sys_ns(clocks[i]), b, c;

			if (clock_gettime(clocks[i], &ts) != 0)
				bad++;
			b = ts.tv_sec * 1000000000ll + ts.tv_nsec;
			c = sys_ns(clocks[i]);
			bad += b < a || b > c;
		}
	}
	if (bad) {
		fprintf(stderr, "FAIL: %ld values outside the kernel's bracket\n", bad);
		return 1;
	}
	errno = 0;
	if (clock_gettime(12, &ts) != -1 || errno != EINVAL) {
		fprintf(stderr, "FAIL: invalid clock id: expected -1/EINVAL\n");
		return 1;
	}
	/* libc's own clock_gettime would pass NULL to the kernel's vDSO and fault. */
	struct timespec *volatile null_ts = NULL;

	errno = 0;
	if (clock_gettime(CLOCK_MONOTONIC, null_ts) != -1 || errno != EFAULT) {
		fprintf(stderr, "FAIL: NULL timespec: expected -1/EFAULT\n");
		return 1;
	}
	if (gettimeofday(&tv, NULL) != 0 || time(NULL) <= 0) {
		fprintf(stderr, "FAIL: gettimeofday/time\n");
		return 1;
	}
	printf("ok: clock_gettime from the drop-in brackets\n");
	return 0;
}
