/* SPDX-License-Identifier: MIT */
/*
 * pvclock-now - print the pvclock time once, next to CLOCK_MONOTONIC_RAW.
 * The smallest complete user of libpvclock; built static under musl.
 * Exit status: 0 printed, 77 no pvclock here (a skip for test runners), 1 error.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pvclock.h"

int main(int argc, char **argv)
{
	struct pvclock_source src;
	struct pvclock_time t;
	struct timespec raw;
	int rc;

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("pvclock-now (pvclock) %s\n", PVCLOCK_VERSION_STRING);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: %s [--version]\n(one reading of vCPU 0's record next to "
			"CLOCK_MONOTONIC_RAW)\n", argv[0]);
		return 2;
	}
	rc = pvclock_source_open_kernel(&src);

	if (rc != PVCLOCK_OK) {
		printf("SKIP: no pvclock: %s\n", pvclock_strerror(rc));
		return 77;
	}
	rc = pvclock_read_vcpu0(&src, &t);
	if (rc == PVCLOCK_EUNSTABLE)
		rc = pvclock_read_percpu(&src, &t);
	clock_gettime(CLOCK_MONOTONIC_RAW, &raw);
	if (rc != PVCLOCK_OK) {
		fprintf(stderr, "pvclock-now: %s\n", pvclock_strerror(rc));
		return 1;
	}
	printf("pvclock %llu.%09llu s (vCPU %u's record, %s)  MONOTONIC_RAW %lld.%09ld s\n",
	       (unsigned long long)(t.ns / 1000000000u), (unsigned long long)(t.ns % 1000000000u), t.cpu,
	       pvclock_origin_name((enum pvclock_origin)src.origin), (long long)raw.tv_sec, raw.tv_nsec);
	return 0;
}
