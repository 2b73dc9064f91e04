/* SPDX-License-Identifier: MIT */
/*
 * pvclock-sim - run the read protocols against the simulated host for as
 * long as asked and report every torn, out-of-bracket or backwards reading.
 * The long-running form of the torture tests.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pvclock.h"
#include "simhost.h"

struct reader {
	pthread_t thread;
	unsigned cpu;                 /* where the simulated scheduler put it */
	enum pvclock_protocol proto;
	uint64_t reads, errors[16], bracket, backwards;
	uint64_t worst_ns;            /* furthest outside the bracket */
};

static struct simhost *host;
static struct pvclock_source src;
static atomic_int stop;
static uint64_t vcpu_offset_ns;

static void pin_self(unsigned cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint64_t last = 0;
	int have_last = 0;

	pin_self(r->cpu);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		struct pvclock_time t;
		uint64_t before = pvclock_rdtsc_lfence();
		int rc = pvclock_read(&src, r->proto, &t);
		uint64_t after = pvclock_rdtsc_lfence();
		uint64_t lo, hi, tol;

		r->reads++;
		if (rc != PVCLOCK_OK) {
			r->errors[-rc & 15]++;
			continue;
		}
		tol = simhost_tolerance_ns(host, after - before);
		lo = simhost_clock(host, t.cpu, before);
		lo = lo > tol ? lo - tol : 0;
		hi = simhost_clock(host, t.cpu, after) + tol;
		if (t.ns < lo || t.ns > hi) {
			uint64_t off = t.ns < lo ? lo - t.ns : t.ns - hi;

			r->bracket++;
			if (off > r->worst_ns)
				r->worst_ns = off;
		}
		/* Per-vCPU offsets make steps across vCPUs legitimate. */
		if (have_last && t.ns + tol < last && vcpu_offset_ns == 0)
			r->backwards++;
		last = t.ns;
		have_last = 1;
	}
	return NULL;
}

static int parse_proto(const char *s, enum pvclock_protocol *p)
{
	for (int i = 0; i < PVCLOCK_PROTO_NR; i++)
		if (strcmp(s, pvclock_protocol_name((enum pvclock_protocol)i)) == 0) {
			*p = (enum pvclock_protocol)i;
			return 0;
		}
	return -1;
}

/*
 * A whole decimal or 0x number in [@min, @max]: no sign, no trailing text,
 * no overflow.  Otherwise a message naming the option and exit status 2.
 */
static uint64_t parse_number(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9') {
		fprintf(stderr, "pvclock-sim: %s '%s': not a number (no sign allowed)\n", opt, s);
		exit(2);
	}
	v = strtoull(s, &end, 0);
	if (errno == ERANGE || *end || v < min || v > max) {
		fprintf(stderr, "pvclock-sim: %s '%s': %s; give %llu to %llu\n", opt, s,
			*end ? "not a whole number" : "out of range", (unsigned long long)min,
			(unsigned long long)max);
		exit(2);
	}
	return v;
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [options]\n"
		"  -p, --protocol P     vcpu0 | percpu | migrate | rseq (default rseq)\n"
		"  -s, --seconds N      run time (default 5)\n"
		"  -u, --update-ns N    pause between host rewrite rounds (default 0: back to back)\n"
		"  -m, --masterclock    one (tsc, time) pair for all vCPUs, TSC_STABLE set\n"
		"  -f, --flip-stable    clear TSC_STABLE on some rounds\n"
		"  -r, --rate-ppm N     alternate the host's rate by N ppm\n"
		"  -g, --garbage        scribble the fields while the version is odd\n"
		"  -o, --offset-ns N    vCPU k's clock runs k*N ns ahead\n"
		"  -M, --migrate-ms N   simulated scheduler moves readers every N ms (0: never)\n"
		"  -R, --representation alternate equivalent (mul, shift) pairs\n"
		"  -V, --version        print the version\n",
		argv0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "protocol", required_argument, 0, 'p' }, { "seconds", required_argument, 0, 's' },
		{ "update-ns", required_argument, 0, 'u' }, { "masterclock", no_argument, 0, 'm' },
		{ "flip-stable", no_argument, 0, 'f' },     { "rate-ppm", required_argument, 0, 'r' },
		{ "garbage", no_argument, 0, 'g' },         { "offset-ns", required_argument, 0, 'o' },
		{ "migrate-ms", required_argument, 0, 'M' }, { "representation", no_argument, 0, 'R' },
		{ "help", no_argument, 0, 'h' },            { "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	struct simhost_config cfg = { 0 };
	enum pvclock_protocol proto = PVCLOCK_PROTO_RSEQ;
	unsigned seconds = 5, migrate_ms = 0, ncpu;
	struct reader *readers;
	uint64_t total = 0, bad = 0, failed = 0, refused = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, "p:s:u:mfr:go:M:RhV", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_proto(optarg, &proto)) {
				fprintf(stderr, "pvclock-sim: unknown protocol '%s'\n", optarg);
				return 2;
			}
			break;
		case 's': seconds = (unsigned)parse_number("--seconds", optarg, 1, 365 * 86400); break;
		case 'u':
			cfg.update_ns = (unsigned)parse_number("--update-ns", optarg, 0, 1000000000);
			break;
		case 'm': cfg.masterclock = 1; break;
		case 'f': cfg.flip_stable = 1; break;
		case 'r':
			cfg.change_rate = 1;
			cfg.rate_ppm = (unsigned)parse_number("--rate-ppm", optarg, 1, 100000);
			break;
		case 'g': cfg.garbage_while_odd = 1; break;
		case 'o':
			cfg.vcpu_offset_ns = parse_number("--offset-ns", optarg, 0, 1000000000000ull);
			break;
		case 'M': migrate_ms = (unsigned)parse_number("--migrate-ms", optarg, 0, 3600000); break;
		case 'R': cfg.change_representation = 1; break;
		case 'h': usage(stdout, argv[0]); return 0;
		case 'V': printf("pvclock-sim (pvclock) %s\n", PVCLOCK_VERSION_STRING); return 0;
		default: usage(stderr, argv[0]); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "pvclock-sim: unexpected argument '%s'\n", argv[optind]);
		usage(stderr, argv[0]);
		return 2;
	}
	if (proto == PVCLOCK_PROTO_VCPU0 && !cfg.masterclock) {
		fprintf(stderr, "pvclock-sim: -p vcpu0 needs TSC_STABLE, which the simulated host "
				"sets only with -m (--masterclock)\n");
		return 2;
	}
	cfg.migrate_count = proto == PVCLOCK_PROTO_MIGRATE;
	vcpu_offset_ns = cfg.vcpu_offset_ns;
	host = simhost_create(&cfg);
	if (!host) {
		fprintf(stderr, "pvclock-sim: cannot create the simulated host (bad options?)\n");
		return 1;
	}
	rc = pvclock_source_open_memory(&src, simhost_slots(host), simhost_stride(host),
					simhost_nr_vcpus(host),
					cfg.migrate_count ? PVCLOCK_MEM_MIGRATE_COUNT : 0);
	/*
	 * The simulated host is a thread the machine may preempt mid-update; a
	 * real host rewrites records while the vCPU is out of guest mode.
	 */
	if (rc == PVCLOCK_OK)
		rc = pvclock_source_set_max_retries(&src, 1u << 30);
	if (rc != PVCLOCK_OK || (rc = simhost_start(host)) != 0) {
		fprintf(stderr, "pvclock-sim: %s\n", rc < 0 ? pvclock_strerror(rc) : strerror(rc));
		return 1;
	}
	ncpu = simhost_nr_vcpus(host);
	readers = calloc(ncpu, sizeof(*readers));
	if (!readers)
		return 1;
	for (unsigned i = 0; i < ncpu; i++) {
		readers[i].cpu = i;
		readers[i].proto = proto;
		rc = pthread_create(&readers[i].thread, NULL, reader_main, &readers[i]);
		if (rc != 0) {
			fprintf(stderr, "pvclock-sim: cannot start reader %u: %s\n", i, strerror(rc));
			return 1;
		}
	}
	for (uint64_t ms = 0; ms < seconds * 1000ull; ms += migrate_ms ? migrate_ms : 100) {
		struct timespec ts = { 0, (long)(migrate_ms ? migrate_ms : 100) * 1000000L };

		nanosleep(&ts, NULL);
		if (migrate_ms && ncpu > 1) {
			struct reader *r = &readers[(ms / migrate_ms) % ncpu];
			unsigned to = (r->cpu + 1) % ncpu;

			if (simhost_migrate(host, r->thread, r->cpu, to) == 0)
				r->cpu = to;
		}
	}
	atomic_store(&stop, 1);
	for (unsigned i = 0; i < ncpu; i++)
		pthread_join(readers[i].thread, NULL);
	simhost_stop(host);

	printf("protocol %s, %u s, %u readers, %llu host updates, %llu migrations\n",
	       pvclock_protocol_name(proto), seconds, ncpu,
	       (unsigned long long)simhost_updates(host), (unsigned long long)simhost_migrations(host));
	for (unsigned i = 0; i < ncpu; i++) {
		struct reader *r = &readers[i];

		printf("reader %u: %llu reads, %llu outside the bracket (worst %llu ns), %llu backwards",
		       i, (unsigned long long)r->reads, (unsigned long long)r->bracket,
		       (unsigned long long)r->worst_ns, (unsigned long long)r->backwards);
		for (int e = 1; e < 16; e++) {
			if (!r->errors[e])
				continue;
			printf(", %llu x %s", (unsigned long long)r->errors[e], pvclock_strerror(-e));
			/* The one refusal the host is asked to cause: vcpu0 while TSC_STABLE is clear. */
			if (-e == PVCLOCK_EUNSTABLE && cfg.flip_stable)
				refused += r->errors[e];
			else
				failed += r->errors[e];
		}
		printf("\n");
		total += r->reads;
		bad += r->bracket + r->backwards;
	}
	if (refused)
		printf("%llu reads refused as asked: --flip-stable clears TSC_STABLE, and vcpu0 "
		       "then answers '%s'\n",
		       (unsigned long long)refused, pvclock_strerror(PVCLOCK_EUNSTABLE));
	if (total == refused)
		failed++;   /* nothing was read: nothing was shown */
	printf("%s: %llu reads, %llu violations, %llu failed reads\n", bad || failed ? "FAIL" : "PASS",
	       (unsigned long long)total, (unsigned long long)bad, (unsigned long long)failed);
	simhost_destroy(host);
	free(readers);
	return bad || failed ? 1 : 0;
}
