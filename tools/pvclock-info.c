/* SPDX-License-Identifier: MIT */
/*
 * pvclock-info - what this machine offers for reading the pvclock: where the
 * page is, every vCPU's record, the kernel's clocksource, which getcpu
 * methods work, and the pvclock time next to the kernel's clocks; the
 * hypervisor's TSC rate; the VMClock page, or why there is none.
 * pvclock-info --watch: report VMClock disruptions as they happen.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pvclock.h"

#define CS_DIR "/sys/devices/system/clocksource/clocksource0/"

static void print_file_line(const char *label, const char *path)
{
	char buf[256] = "";
	FILE *f = fopen(path, "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	printf("%-22s %s\n", label, f ? buf : "(unreadable)");
}

static const char *flag_names(uint8_t flags, char *buf, size_t size)
{
	static const char *const names[] = { "TSC_STABLE", "GUEST_STOPPED", "COUNTS_FROM_ZERO" };
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned bit = 0; bit < 8; bit++) {
		if (!(flags & (1u << bit)))
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "|" : "",
					bit < 3 ? names[bit] : "?");
		if (bit >= 3)
			len += (size_t)snprintf(buf + len, size - len, "bit%u", bit);
		if (len >= size)
			break;
	}
	return len ? buf : "-";
}

static uint64_t timespec_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Hyper-V's reference TSC page: read when Linux maps it, else why not. */
static void print_hyperv(const struct pvclock_cpu_features *f)
{
	struct pvclock_hyperv hv;
	struct pvclock_hyperv_time t;
	int rc = pvclock_hyperv_open_kernel(&hv);

	if (rc != PVCLOCK_OK) {
		if (f->hypervisor && !strcmp(f->hypervisor_id, "Microsoft Hv"))
			printf("%-22s not mapped (%s): the hyperv clocksource was never used\n",
			       "hyper-v tsc page", pvclock_strerror(rc));
		else
			printf("%-22s none (the hypervisor is %s, not Hyper-V)\n", "hyper-v tsc page",
			       f->hypervisor ? f->hypervisor_id : "absent");
		return;
	}
	rc = pvclock_hyperv_read(&hv, &t);
	if (rc == PVCLOCK_OK)
		printf("%-22s sequence %u, reference %llu x 100 ns\n", "hyper-v tsc page", t.sequence,
		       (unsigned long long)t.reference);
	else
		printf("%-22s %s\n", "hyper-v tsc page", pvclock_strerror(rc));
}

static void print_machine(void)
{
	struct pvclock_cpu_features f;

	pvclock_cpu_features(&f);
	printf("%-22s %s (%s)\n", "cpu", f.model[0] ? f.model : "?", f.vendor);
	printf("%-22s %s%s\n", "hypervisor", f.hypervisor ? f.hypervisor_id : "none",
	       f.kvm_clocksource2 ? (f.kvm_stable_bit ? " (kvmclock, stable bit offered)" : " (kvmclock)")
				  : "");
	printf("%-22s rdtscp=%s rdpid=%s invariant_tsc=%s\n", "tsc features",
	       f.rdtscp ? "yes" : "no", f.rdpid ? "yes" : "no", f.invariant_tsc ? "yes" : "no");
	if (f.hypervisor_tsc_khz)
		printf("%-22s %u kHz (hypervisor timing leaf, CPUID 0x40000010)\n", "tsc rate",
		       f.hypervisor_tsc_khz);
	else
		printf("%-22s not offered by the hypervisor (CPUID 0x40000010: max leaf %#x)\n",
		       "tsc rate", f.hypervisor_max_leaf);
	printf("%-22s %s\n", "confidential guest",
	       f.confidential == PVCLOCK_CC_TDX ? "Intel TDX: the host's kvm-clock records are not trusted" :
	       f.confidential == PVCLOCK_CC_SEV_SNP ? "AMD SEV-SNP: the host's kvm-clock records are not trusted" :
	       "no");
	print_file_line("clocksource", CS_DIR "current_clocksource");
	print_file_line("clocksources available", CS_DIR "available_clocksource");
	print_hyperv(&f);
}

static const char *const vmclock_status_names[] = {
	"unknown", "initializing", "synchronized", "freerunning", "unreliable",
};

static const char *const vmclock_time_names[] = { "UTC", "TAI", "monotonic" };

static void print_vmclock_error(const char *label, uint64_t ns)
{
	if (ns == UINT64_MAX)
		printf("  %-20s not given\n", label);
	else
		printf("  %-20s %llu ns\n", label, (unsigned long long)ns);
}

/* The VMClock page (pvclock/vmclock.h), or why there is none; 0 when one was read. */
static int print_vmclock(struct pvclock_vmclock *vc)
{
	struct pvclock_vmclock_time t;
	int rc = pvclock_vmclock_open_device(vc, NULL);

	if (rc == PVCLOCK_ENOPAGE) {
		printf("%-22s none: no /dev/vmclock0 (the hypervisor offers no VMClock device, or the "
		       "kernel predates 6.13)\n", "vmclock");
		return -1;
	}
	if (rc != PVCLOCK_OK) {
		printf("%-22s /dev/vmclock0: %s\n", "vmclock", pvclock_strerror(rc));
		return -1;
	}
	rc = pvclock_vmclock_read(vc, &t);
	printf("%-22s /dev/vmclock0: %s\n", "vmclock", rc == PVCLOCK_OK ? "time and disruptions" :
	       rc == PVCLOCK_ECOUNTER ? "disruptions only (no counter relation published)" :
	       pvclock_strerror(rc));
	if (rc != PVCLOCK_OK && rc != PVCLOCK_ECOUNTER && rc != PVCLOCK_EUNRELIABLE)
		return -1;
	printf("  %-20s %s\n", "status",
	       t.clock_status < 5 ? vmclock_status_names[t.clock_status] : "?");
	printf("  %-20s %#llx\n", "disruption marker", (unsigned long long)t.disruption_marker);
	printf("  %-20s %llu\n", "vm generation", (unsigned long long)t.vm_generation);
	printf("  %-20s %#llx\n", "flags", (unsigned long long)t.flags);
	if (rc == PVCLOCK_OK) {
		printf("  %-20s %lld.%09u s (%s)\n", "time", (long long)t.sec, t.nsec,
		       t.time_type < 3 ? vmclock_time_names[t.time_type] : "?");
		print_vmclock_error("estimated error", t.esterror_ns);
		print_vmclock_error("maximum error", t.maxerror_ns);
		if (t.flags & PVCLOCK_VMCLOCK_FLAG_TAI_OFFSET_VALID)
			printf("  %-20s %d s\n", "tai - utc", t.tai_offset_sec);
		printf("  %-20s %u\n", "leap indicator", t.leap_indicator);
	}
	return 0;
}

static volatile sig_atomic_t stop_watch;

static void on_stop(int sig)
{
	(void)sig;
	stop_watch = 1;
}

/* --watch: a line per disruption, until interrupted. */
static int watch_vmclock(void)
{
	struct pvclock_vmclock vc;
	int rc = pvclock_vmclock_open_device(&vc, NULL);

	if (rc != PVCLOCK_OK) {
		fprintf(stderr, "pvclock-info: /dev/vmclock0: %s\n",
			rc == PVCLOCK_ENOPAGE ? "no such device (no VMClock here)" : pvclock_strerror(rc));
		return 1;
	}
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	printf("watching /dev/vmclock0 for disruptions (%s); Ctrl-C stops\n",
	       vc.page->flags & PVCLOCK_VMCLOCK_FLAG_NOTIFICATION_PRESENT ? "notified" :
	       "checked every second");
	fflush(stdout);
	while (!stop_watch) {
		int w = pvclock_vmclock_wait(&vc, 1000);
		struct pvclock_vmclock_time t;

		if (w == PVCLOCK_ENOTIFY)
			sleep(1);
		if (pvclock_vmclock_disrupted(&vc) == 1) {
			pvclock_vmclock_read(&vc, &t);
			printf("%lld disruption: marker %#llx, vm generation %llu\n", (long long)time(NULL),
			       (unsigned long long)t.disruption_marker, (unsigned long long)t.vm_generation);
			fflush(stdout);
		}
	}
	pvclock_vmclock_close(&vc);
	return 0;
}

static void print_getcpu(void)
{
	static const char *const owners[] = { "none", "libc", "pvclock" };

	printf("\ngetcpu methods\n");
	for (int m = PVCLOCK_GETCPU_RDPID; m < PVCLOCK_GETCPU_NR_METHODS; m++) {
		const char *why = NULL;
		int rc = pvclock_getcpu_probe((enum pvclock_getcpu_method)m, &why);

		printf("  %-8s %s%s%s\n", pvclock_getcpu_name((enum pvclock_getcpu_method)m),
		       rc == PVCLOCK_OK ? "works" : "unavailable", why ? ": " : "", why ? why : "");
	}
	printf("  rseq area registered by %s\n", owners[pvclock_rseq_owner()]);
}

/* The implied rate, or why there is none. */
static const char *khz_text(const struct pvclock_record *r, char *buf, size_t len)
{
	uint64_t khz = pvclock_tsc_khz(r->tsc_to_system_mul, r->tsc_shift);

	if (khz == PVCLOCK_TSC_KHZ_SATURATED)
		return "too-high";
	if (khz == 0)
		return "none";
	snprintf(buf, len, "%llu", (unsigned long long)khz);
	return buf;
}

static void print_records(const struct pvclock_source *src)
{
	char fl[64], khz[24];

	printf("\n%-4s %10s %-18s %10s %5s %10s %20s %20s\n", "vcpu", "version", "flags", "mul",
	       "shift", "tsc_khz", "tsc_timestamp", "system_time");
	for (unsigned cpu = 0; cpu < src->nr_slots; cpu++) {
		struct pvclock_record r;
		uint32_t mc = 0;
		int rc = pvclock_source_snapshot(src, cpu, &r, &mc);

		if (rc != PVCLOCK_OK) {
			printf("%-4u %s\n", cpu, pvclock_strerror(rc));
			continue;
		}
		if (!pvclock_record_valid(&r))
			continue;
		printf("%-4u %10u %-18s %10u %5d %10s %20llu %20llu", cpu, r.version,
		       flag_names(r.flags, fl, sizeof(fl)), r.tsc_to_system_mul, r.tsc_shift,
		       khz_text(&r, khz, sizeof(khz)),
		       (unsigned long long)r.tsc_timestamp, (unsigned long long)r.system_time);
		if (src->has_migrate_count)
			printf(" migrate_count=%u", mc);
		printf("\n");
	}
}

static void print_times(const struct pvclock_source *src)
{
	printf("\n%-8s %-24s %20s %20s %16s\n", "protocol", "result", "pvclock ns", "MONOTONIC_RAW ns",
	       "pvclock - RAW");
	for (int p = 0; p < PVCLOCK_PROTO_NR; p++) {
		struct pvclock_time t;
		char res[32];
		uint64_t raw = timespec_ns(CLOCK_MONOTONIC_RAW);
		int rc = pvclock_read(src, (enum pvclock_protocol)p, &t);

		if (rc != PVCLOCK_OK) {
			printf("%-8s %s\n", pvclock_protocol_name((enum pvclock_protocol)p),
			       pvclock_strerror(rc));
			continue;
		}
		snprintf(res, sizeof(res), "ok, vCPU %u's record", t.cpu);
		printf("%-8s %-24s %20llu %20llu %16lld\n",
		       pvclock_protocol_name((enum pvclock_protocol)p), res, (unsigned long long)t.ns,
		       (unsigned long long)raw, (long long)(t.ns - raw));
	}
}

int main(int argc, char **argv)
{
	struct pvclock_source src;
	struct pvclock_vmclock vc;
	int rc;

	if (argc == 2 && !strcmp(argv[1], "--watch"))
		return watch_vmclock();
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("pvclock-info (pvclock) %s\n", PVCLOCK_VERSION_STRING);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: %s [--watch | --version]\n(prints this machine's pvclock records and read "
			"paths; --watch reports VMClock disruptions as they happen)\n", argv[0]);
		return strcmp(argv[1], "-h") && strcmp(argv[1], "--help") ? 2 : 0;
	}
	print_machine();
	if (print_vmclock(&vc) == 0)
		pvclock_vmclock_close(&vc);
	rc = pvclock_source_open_kernel(&src);
	if (rc != PVCLOCK_OK) {
		print_getcpu();
		fprintf(stderr, "pvclock-info: no pvclock: %s\n", pvclock_strerror(rc));
		return 1;
	}
	printf("%-22s [%s] %#lx-%#lx, page %p, %u-byte slots, %u of %u valid\n", "pvclock page",
	       pvclock_origin_name((enum pvclock_origin)src.origin), (unsigned long)src.map_start,
	       (unsigned long)src.map_end, (const void *)src.slots, (unsigned)src.stride, src.nr_valid,
	       src.nr_slots);
	printf("%-22s tsc=%s getcpu=%s\n", "read paths chosen",
	       src.tsc_mode == PVCLOCK_TSC_RDTSCP ? "rdtscp" : "lfence;rdtsc",
	       pvclock_getcpu_name((enum pvclock_getcpu_method)src.getcpu));
	print_getcpu();
	print_records(&src);
	print_times(&src);
	return 0;
}
