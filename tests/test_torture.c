/* SPDX-License-Identifier: MIT */
/*
 * Torture: one reader thread per usable CPU (at least two) reads without
 * pause while the simulated host rewrites the records back to back, scribbles
 * garbage into them while their version is odd and switches between
 * equivalent (mul, shift) pairs, and, for the per-vCPU protocols, the
 * simulated scheduler keeps moving the readers between CPUs.  Every accepted
 * value must lie in [H(before), H(after)] of the vCPU it names (exactly H at
 * the TSC value it reports) and no thread may see its clock go backwards.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "pvclock.h"
#include "simhost.h"

#define OFFSET_NS 1000000000ull     /* one second between neighbouring vCPUs' clocks */

struct torture {
	const char *name;
	enum pvclock_protocol proto;
	enum pvclock_getcpu_method getcpu;   /* AUTO: the source's default */
	enum pvclock_tsc_mode tsc;           /* AUTO: the source's default */
	struct simhost_config host;
	int migrations;
};

struct reader {
	pthread_t thread;
	const struct torture *cfg;
	struct simhost *h;
	const struct pvclock_source *src;
	int cpu;                 /* where the scheduler last put it; -1: not pinned */
	int *stop;
	uint64_t reads, ok, unstable, overlapped, bad;
	char first_bad[256];
};

static void fail(struct reader *r, const char *fmt, unsigned long long a, unsigned long long b,
		 unsigned long long c)
{
	if (r->bad++ == 0)
		snprintf(r->first_bad, sizeof(r->first_bad), fmt, a, b, c);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	const struct torture *cfg = r->cfg;
	unsigned nr = simhost_nr_vcpus(r->h);
	uint64_t prev = 0;

	if (r->cpu >= 0)
		test_pin_self(r->cpu);
	while (!__atomic_load_n(r->stop, __ATOMIC_RELAXED)) {
		struct pvclock_time t = { 0 };
		uint64_t u0 = simhost_updates(r->h), before = pvclock_rdtsc_lfence(), after, tol;
		uint64_t lo, hi, off;
		int rc;

		switch (cfg->proto) {
		case PVCLOCK_PROTO_VCPU0:
			rc = pvclock_read_vcpu0_mode(r->src, &t, cfg->tsc);
			break;
		case PVCLOCK_PROTO_PERCPU:
			rc = pvclock_read_percpu_with(r->src, &t, cfg->getcpu, cfg->tsc);
			break;
		case PVCLOCK_PROTO_MIGRATE:
			rc = pvclock_read_migrate_with(r->src, &t, cfg->getcpu, cfg->tsc);
			break;
		default:
			rc = pvclock_read_rseq_mode(r->src, &t, cfg->tsc);
			break;
		}
		after = pvclock_rdtsc_lfence();
		r->reads++;
		r->overlapped += simhost_updates(r->h) != u0;
		if (rc == PVCLOCK_EUNSTABLE && cfg->proto == PVCLOCK_PROTO_VCPU0 && cfg->host.flip_stable) {
			r->unstable++;
			continue;
		}
		if (rc != PVCLOCK_OK) {
			fail(r, "read failed: status %lld%.0llu%.0llu", (unsigned long long)rc, 0, 0);
			continue;
		}
		if (t.cpu >= nr) {
			fail(r, "vCPU %llu reported, only %llu slots%.0llu", t.cpu, nr, 0);
			continue;
		}
		tol = simhost_tolerance_ns(r->h, after - before);
		off = (uint64_t)t.cpu * cfg->host.vcpu_offset_ns;
		lo = simhost_clock(r->h, t.cpu, before) - tol;
		hi = simhost_clock(r->h, t.cpu, after) + tol;
		if (t.ns < lo || t.ns > hi) {
			fail(r, "torn: ns %llu outside [%llu, %llu]", t.ns, lo, hi);
			continue;
		}
		if (!tol && t.ns != simhost_clock(r->h, t.cpu, t.tsc)) {
			fail(r, "ns %llu is not H(%llu) = %llu", t.ns, t.tsc,
			     simhost_clock(r->h, t.cpu, t.tsc));
			continue;
		}
		if (t.tsc < before || t.tsc > after) {
			fail(r, "TSC %llu outside the read [%llu, %llu]", t.tsc, before, after);
			continue;
		}
		/* Less the vCPU's offset, every read is H at a later TSC: it must not go back. */
		if (t.ns - off + tol < prev)
			fail(r, "backwards: %llu after %llu (tolerance %llu)", t.ns - off, prev, tol);
		prev = t.ns - off > prev ? t.ns - off : prev;
		r->ok++;
	}
	return NULL;
}

static const char *tsc_mode_name(enum pvclock_tsc_mode mode)
{
	static const char *const names[] = { "auto", "rdtscp", "lfence", "mfence", "unordered" };

	return (unsigned)mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "?";
}

static void sleep_us(unsigned us)
{
	struct timespec d = { 0, (long)us * 1000 };

	nanosleep(&d, NULL);
}

static void run(const struct torture *cfg)
{
	unsigned ncpu = test_usable_cpus(), nreaders = ncpu < 2 ? 2 : ncpu;
	unsigned seconds = test_torture_seconds();
	struct reader readers[64];
	struct pvclock_source src;
	struct simhost *h;
	uint64_t end, reads = 0, ok = 0, unstable = 0, overlapped = 0, bad = 0, moves = 0;
	int stop = 0;

	if (nreaders > 64)
		nreaders = 64;
	if ((cfg->proto == PVCLOCK_PROTO_RSEQ || cfg->getcpu == PVCLOCK_GETCPU_RSEQ) &&
	    !pvclock_rseq_available())
		cr_skip_test("%s: %s", cfg->name, pvclock_strerror(PVCLOCK_ENORSEQ));
	if (cfg->getcpu != PVCLOCK_GETCPU_AUTO) {
		const char *why = NULL;

		if (pvclock_getcpu_probe(cfg->getcpu, &why) != PVCLOCK_OK)
			cr_skip_test("%s: getcpu %s unavailable: %s", cfg->name,
				     pvclock_getcpu_name(cfg->getcpu), why);
	}
	if (cfg->migrations && ncpu < 2)
		cr_skip_test("%s: migrations need two usable CPUs", cfg->name);

	h = simhost_create(&cfg->host);
	cr_assert_not_null(h);
	cr_assert_eq(pvclock_source_open_memory(&src, simhost_slots(h), simhost_stride(h),
						simhost_nr_vcpus(h),
						cfg->host.migrate_count ? PVCLOCK_MEM_MIGRATE_COUNT : 0),
		     PVCLOCK_OK);
	struct torture resolved = *cfg;
	if (resolved.getcpu == PVCLOCK_GETCPU_AUTO)
		resolved.getcpu = (enum pvclock_getcpu_method)src.getcpu;
	if (resolved.tsc == PVCLOCK_TSC_AUTO)
		resolved.tsc = (enum pvclock_tsc_mode)src.tsc_mode;
	else
		cr_assert_eq(pvclock_source_set_tsc_mode(&src, resolved.tsc), PVCLOCK_OK);
	/*
	 * On a machine with fewer CPUs than threads here the writer is now and
	 * then preempted with a record odd; readers must wait that out, so the
	 * retry bound is raised from about a millisecond to tens of seconds.
	 */
	pvclock_source_set_max_retries(&src, 1u << 30);

	cr_assert_eq(simhost_start(h), 0);
	for (unsigned i = 0; i < nreaders; i++) {
		readers[i] = (struct reader){ .cfg = &resolved, .h = h, .src = &src, .stop = &stop,
					      .cpu = cfg->migrations ? test_nth_cpu(i % ncpu) : -1 };
		cr_assert_eq(pthread_create(&readers[i].thread, NULL, reader_main, &readers[i]), 0);
	}
	end = test_now_ns() + seconds * 1000000000ull;
	/* The simulated scheduler: move one reader to the next CPU every 200 us. */
	for (unsigned k = 0; test_now_ns() < end; k++) {
		if (cfg->migrations) {
			struct reader *r = &readers[k % nreaders];
			int to = test_nth_cpu((unsigned)(k / nreaders + 1 + (k % nreaders)) % ncpu);

			if (to != r->cpu && simhost_migrate(h, r->thread, (unsigned)r->cpu, (unsigned)to) == 0) {
				r->cpu = to;
				moves++;
			}
			sleep_us(200);
		} else {
			sleep_us(10000);
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < nreaders; i++) {
		pthread_join(readers[i].thread, NULL);
		reads += readers[i].reads;
		ok += readers[i].ok;
		unstable += readers[i].unstable;
		overlapped += readers[i].overlapped;
		bad += readers[i].bad;
		cr_expect_eq(readers[i].bad, 0, "%s reader %u: %llu bad reads, first: %s", cfg->name, i,
			     (unsigned long long)readers[i].bad, readers[i].first_bad);
	}
	simhost_stop(h);
	printf("torture %-22s %us %u readers getcpu=%s tsc=%s: reads %llu ok %llu unstable %llu "
	       "overlapping-a-rewrite %llu bad %llu | host rewrites %llu migrations %llu\n",
	       cfg->name, seconds, nreaders, pvclock_getcpu_name(resolved.getcpu),
	       tsc_mode_name(resolved.tsc),
	       (unsigned long long)reads, (unsigned long long)ok, (unsigned long long)unstable,
	       (unsigned long long)overlapped, (unsigned long long)bad,
	       (unsigned long long)simhost_updates(h), (unsigned long long)moves);
	fflush(stdout);
	cr_expect_gt(ok, 0, "%s: no read succeeded", cfg->name);
	cr_expect_gt(overlapped, 0, "%s: no read overlapped a rewrite", cfg->name);
	if (cfg->migrations)
		cr_expect_gt(moves, 0, "%s: the scheduler moved nobody", cfg->name);
	simhost_destroy(h);
}

/* What the host does in every per-vCPU torture. */
#define PERCPU_HOST .change_representation = 1, .garbage_while_odd = 1, .vcpu_offset_ns = OFFSET_NS

#define TORTURE(test_name, ...)                                                           \
	Test(torture, test_name, .timeout = 60)                                           \
	{                                                                                 \
		static const struct torture cfg = { .name = #test_name, __VA_ARGS__ };     \
		run(&cfg);                                                                \
	}

TORTURE(vcpu0, .proto = PVCLOCK_PROTO_VCPU0,
	.host = { .masterclock = 1, .change_representation = 1, .garbage_while_odd = 1,
		  .flip_stable = 1 })
TORTURE(vcpu0_lfence, .proto = PVCLOCK_PROTO_VCPU0, .tsc = PVCLOCK_TSC_LFENCE,
	.host = { .masterclock = 1, .change_representation = 1, .garbage_while_odd = 1 })
TORTURE(percpu, .proto = PVCLOCK_PROTO_PERCPU, .host = { PERCPU_HOST }, .migrations = 1)
TORTURE(percpu_rdpid, .proto = PVCLOCK_PROTO_PERCPU, .getcpu = PVCLOCK_GETCPU_RDPID,
	.tsc = PVCLOCK_TSC_LFENCE, .host = { PERCPU_HOST }, .migrations = 1)
TORTURE(percpu_rdtscp, .proto = PVCLOCK_PROTO_PERCPU, .getcpu = PVCLOCK_GETCPU_RDTSCP,
	.tsc = PVCLOCK_TSC_LFENCE, .host = { PERCPU_HOST }, .migrations = 1)
TORTURE(percpu_vdso, .proto = PVCLOCK_PROTO_PERCPU, .getcpu = PVCLOCK_GETCPU_VDSO,
	.tsc = PVCLOCK_TSC_LFENCE, .host = { PERCPU_HOST }, .migrations = 1)
TORTURE(percpu_rseq, .proto = PVCLOCK_PROTO_PERCPU, .getcpu = PVCLOCK_GETCPU_RSEQ,
	.tsc = PVCLOCK_TSC_LFENCE, .host = { PERCPU_HOST }, .migrations = 1)
TORTURE(percpu_syscall, .proto = PVCLOCK_PROTO_PERCPU, .getcpu = PVCLOCK_GETCPU_SYSCALL,
	.tsc = PVCLOCK_TSC_LFENCE, .host = { PERCPU_HOST }, .migrations = 1)
TORTURE(percpu_masterclock, .proto = PVCLOCK_PROTO_PERCPU,
	.host = { .masterclock = 1, .flip_stable = 1, PERCPU_HOST }, .migrations = 1)
TORTURE(percpu_change_rate, .proto = PVCLOCK_PROTO_PERCPU,
	.host = { .change_rate = 1, .rate_ppm = 1000, PERCPU_HOST }, .migrations = 1)
TORTURE(migrate, .proto = PVCLOCK_PROTO_MIGRATE,
	.host = { .migrate_count = 1, PERCPU_HOST }, .migrations = 1)
TORTURE(migrate_syscall, .proto = PVCLOCK_PROTO_MIGRATE, .getcpu = PVCLOCK_GETCPU_SYSCALL,
	.tsc = PVCLOCK_TSC_LFENCE, .host = { .migrate_count = 1, PERCPU_HOST }, .migrations = 1)
TORTURE(rseq, .proto = PVCLOCK_PROTO_RSEQ, .host = { PERCPU_HOST }, .migrations = 1)
TORTURE(rseq_lfence, .proto = PVCLOCK_PROTO_RSEQ, .tsc = PVCLOCK_TSC_LFENCE,
	.host = { PERCPU_HOST }, .migrations = 1)

/*
 * The harness itself: a reader that ignores the version (loads the fields
 * with no check) must be caught producing wrong values.  Stops at the first
 * catch.
 */
struct broken {
	struct simhost *h;
	int *stop;
	uint64_t reads, caught;
};

static void *broken_reader(void *arg)
{
	struct broken *b = arg;
	const volatile struct pvclock_record *r = simhost_slots(b->h);

	while (!__atomic_load_n(b->stop, __ATOMIC_RELAXED) && !b->caught) {
		uint64_t before = pvclock_rdtsc_lfence(), ts, st, ns, after;
		uint32_t mul;
		int8_t shift;

		ts = r->tsc_timestamp;
		st = r->system_time;
		mul = r->tsc_to_system_mul;
		shift = r->tsc_shift;
		ns = pvclock_time_at(st, ts, mul, shift, pvclock_rdtsc_lfence());
		after = pvclock_rdtsc_lfence();
		b->reads++;
		if (ns < simhost_clock(b->h, 0, before) || ns > simhost_clock(b->h, 0, after))
			b->caught++;
	}
	return NULL;
}

static void catch_broken_reader(int garbage)
{
	struct simhost *h = simhost_create(&(struct simhost_config){
		.nr_vcpus = 1, .change_representation = 1, .garbage_while_odd = garbage });
	struct broken b = { .h = h };
	uint64_t end = test_now_ns() + 2000000000ull;
	int stop = 0;
	pthread_t t;

	cr_assert_not_null(h);
	b.stop = &stop;
	cr_assert_eq(simhost_start(h), 0);
	cr_assert_eq(pthread_create(&t, NULL, broken_reader, &b), 0);
	while (test_now_ns() < end && !__atomic_load_n(&b.caught, __ATOMIC_RELAXED))
		sleep_us(1000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	simhost_stop(h);
	printf("torture broken reader (garbage_while_odd=%d): caught after %llu reads, "
	       "%llu host rewrites\n", garbage, (unsigned long long)b.reads,
	       (unsigned long long)simhost_updates(h));
	fflush(stdout);
	cr_expect_gt(b.caught, 0, "a reader without the version check went unnoticed for 2 s");
	simhost_destroy(h);
}

/* Torn between two honest records: caught by exactness and the changing representation alone. */
Test(torture, harness_catches_a_torn_read, .timeout = 60) { catch_broken_reader(0); }
/* Fields read while odd: caught by the garbage. */
Test(torture, harness_catches_an_odd_read, .timeout = 60) { catch_broken_reader(1); }
