/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "env.h"

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static uint64_t raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Without a record, the TSC rate is taken against the kernel's raw clock over 20 ms. */
static double calibrate_khz(void)
{
	uint64_t n0 = raw_ns(), t0 = pvclock_rdtsc_lfence(), n1, t1;

	do
		n1 = raw_ns();
	while (n1 - n0 < 20000000u);
	t1 = pvclock_rdtsc_lfence();
	return (double)(t1 - t0) * 1e6 / (double)(n1 - n0);
}

void cb_env_collect(struct cb_env *e)
{
	const struct pvclock_source *src = &cb_state.kernel_src;
	struct pvclock_cpu_features f;
	struct pvclock_record rec;
	struct utsname u;
	long n;

	memset(e, 0, sizeof(*e));
	pvclock_cpu_features(&f);
	memcpy(e->vendor, f.vendor, sizeof(e->vendor));
	memcpy(e->model, f.model, sizeof(e->model));
	memcpy(e->hypervisor, f.hypervisor_id, sizeof(e->hypervisor));
	e->rdtscp = f.rdtscp;
	e->hv_tsc_khz = f.hypervisor_tsc_khz;
	e->rdpid = f.rdpid;
	e->invariant_tsc = f.invariant_tsc;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	e->vcpus = n > 0 ? (unsigned)n : 1;
	if (uname(&u) == 0)
		snprintf(e->kernel, sizeof(e->kernel), "%.40s %.80s %.30s", u.sysname, u.release, u.machine);
	read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  e->clocksource, sizeof(e->clocksource));
#ifdef __GLIBC__
	snprintf(e->libc, sizeof(e->libc), "glibc %d.%d", __GLIBC__, __GLIBC_MINOR__);
#else
	snprintf(e->libc, sizeof(e->libc), "musl");
#endif

	e->page_rc = cb_state.kernel_src_rc;
	e->page_origin = pvclock_origin_name(e->page_rc == PVCLOCK_OK ? src->origin
								       : PVCLOCK_ORIGIN_NONE);
	if (e->page_rc == PVCLOCK_OK) {
		e->page_addr = (uintptr_t)src->slots;
		e->valid_slots = pvclock_source_count_valid(src);
		if (pvclock_source_snapshot(src, 0, &rec, NULL) == PVCLOCK_OK) {
			uint64_t khz = pvclock_tsc_khz(rec.tsc_to_system_mul, rec.tsc_shift);

			e->stable = !!(rec.flags & PVCLOCK_TSC_STABLE);
			/* 0 and the saturated value say the record implies no usable rate. */
			if (khz != 0 && khz != PVCLOCK_TSC_KHZ_SATURATED) {
				e->tsc_khz = (double)khz;
				e->tsc_khz_source = "pvclock record";
			}
		}
	}
	if (e->tsc_khz <= 0) {
		e->tsc_khz = calibrate_khz();
		e->tsc_khz_source = "calibrated against CLOCK_MONOTONIC_RAW";
	}

	e->dropin = cb_state.dropin_path;
	switch (pvclock_rseq_owner()) {
	case PVCLOCK_RSEQ_LIBC: e->rseq = "registered by libc"; break;
	case PVCLOCK_RSEQ_OWN: e->rseq = "registered by libpvclock"; break;
	default: e->rseq = "unavailable"; break;
	}
	for (int m = PVCLOCK_GETCPU_RDPID; m < PVCLOCK_GETCPU_NR_METHODS; m++) {
		const char *why = NULL;

		e->getcpu_ok[m] = pvclock_getcpu_probe((enum pvclock_getcpu_method)m, &why) ==
				  PVCLOCK_OK;
		e->getcpu_why[m] = why;
	}
}
