/* SPDX-License-Identifier: MIT */
/*
 * This machine's own pvclock page: every protocol that works here must give
 * a clock that never goes backwards across threads (while TSC_STABLE is set)
 * and runs at CLOCK_MONOTONIC_RAW's rate within 100 ppm.  Skips, with the
 * reason, where the kernel maps no pvclock page.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "helpers.h"
#include "pvclock.h"

static struct pvclock_source src;

static void open_or_skip(void)
{
	int rc = pvclock_source_open_kernel(&src);

	if (rc != PVCLOCK_OK)
		cr_skip_test("no pvclock page: %s", pvclock_strerror(rc));
}

/* Skip @proto when it cannot work here, naming the reason. */
static void usable_or_skip(enum pvclock_protocol proto)
{
	struct pvclock_time t;
	int rc;

	open_or_skip();
	rc = pvclock_read(&src, proto, &t);
	if (rc != PVCLOCK_OK)
		cr_skip_test("%s protocol on this machine: %s", pvclock_protocol_name(proto),
			     pvclock_strerror(rc));
}

Test(realpage, source)
{
	struct pvclock_source_info info;
	struct pvclock_record rec;

	open_or_skip();
	cr_expect(src.origin == PVCLOCK_ORIGIN_VVAR_VCLOCK || src.origin == PVCLOCK_ORIGIN_VVAR);
	cr_expect_geq(src.nr_valid, 1);
	cr_expect_leq(src.nr_valid, src.nr_slots);
	cr_expect_eq(src.has_migrate_count, 0, "no kernel the page is found in has the counter");
	for (unsigned cpu = 0; cpu < src.nr_valid; cpu++) {
		cr_assert_eq(pvclock_source_snapshot(&src, cpu, &rec, NULL), PVCLOCK_OK);
		cr_expect(pvclock_record_valid(&rec), "vCPU %u", cpu);
		printf("vCPU %u: version %u flags %#x mul %#x shift %d (%llu kHz) system_time %llu\n",
		       cpu, rec.version, rec.flags, rec.tsc_to_system_mul, rec.tsc_shift,
		       (unsigned long long)pvclock_tsc_khz(rec.tsc_to_system_mul, rec.tsc_shift),
		       (unsigned long long)rec.system_time);
	}
	cr_assert_eq(pvclock_source_info(&src, &info), PVCLOCK_OK);
	cr_expect_eq(info.nr_valid, src.nr_valid);
	cr_expect_eq(info.origin, src.origin);
	cr_expect_gt(info.tsc_khz, 0);
	printf("page: %s at %#lx, %u of %u slots valid, getcpu %s, tsc mode %d\n",
	       pvclock_origin_name(src.origin), (unsigned long)src.slots, src.nr_valid, src.nr_slots,
	       pvclock_getcpu_name(src.getcpu), src.tsc_mode);
	fflush(stdout);
}

Test(realpage, migrate_protocol_says_no_counter)
{
	struct pvclock_time t;

	open_or_skip();
	cr_expect_eq(pvclock_read_migrate(&src, &t), PVCLOCK_ENOMIGRATE);
}

/* Warp: each read first notes the highest value any thread has published. */
struct warp {
	enum pvclock_protocol proto;
	uint64_t *max;
	uint64_t end;
	uint64_t reads, below, failed, unstable;
	uint64_t worst;
};

static void *warp_reader(void *arg)
{
	struct warp *w = arg;

	/* One batch at least: a reader that starts after the end still reads. */
	do {
		for (int k = 0; k < 1000; k++) {
			uint64_t seen = __atomic_load_n(w->max, __ATOMIC_ACQUIRE), cur;
			struct pvclock_time t;
			int rc = pvclock_read(&src, w->proto, &t);

			w->reads++;
			if (rc != PVCLOCK_OK) {
				w->failed++;
				continue;
			}
			w->unstable += !(t.flags & PVCLOCK_TSC_STABLE);
			/* The value behind seen was read before this read began. */
			if (t.ns < seen) {
				w->below++;
				if (seen - t.ns > w->worst)
					w->worst = seen - t.ns;
			}
			cur = seen;
			while (t.ns > cur && !__atomic_compare_exchange_n(w->max, &cur, t.ns, 1,
									   __ATOMIC_RELEASE,
									   __ATOMIC_ACQUIRE))
				;
		}
	} while (test_now_ns() < w->end);
	return NULL;
}

static void check_warp(enum pvclock_protocol proto)
{
	unsigned n = test_usable_cpus() < 2 ? 2 : test_usable_cpus();
	struct warp w[64];
	pthread_t th[64];
	uint64_t max = 0, reads = 0, below = 0, failed = 0, unstable = 0, worst = 0;
	uint64_t end;

	usable_or_skip(proto);
	if (n > 64)
		n = 64;
	end = test_now_ns() + 500000000ull;
	for (unsigned i = 0; i < n; i++) {
		w[i] = (struct warp){ .proto = proto, .max = &max, .end = end };
		cr_assert_eq(pthread_create(&th[i], NULL, warp_reader, &w[i]), 0);
	}
	for (unsigned i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		reads += w[i].reads;
		below += w[i].below;
		failed += w[i].failed;
		unstable += w[i].unstable;
		worst = w[i].worst > worst ? w[i].worst : worst;
	}
	printf("warp %-7s %u threads 0.5 s: reads %llu failed %llu unstable %llu below-max %llu "
	       "(worst %llu ns)\n", pvclock_protocol_name(proto), n, (unsigned long long)reads,
	       (unsigned long long)failed, (unsigned long long)unstable, (unsigned long long)below,
	       (unsigned long long)worst);
	fflush(stdout);
	cr_expect_eq(failed, 0, "%s: reads failed", pvclock_protocol_name(proto));
	cr_expect_gt(reads, 0);
	if (unstable)
		cr_log_warn("%s: TSC_STABLE was clear on %llu reads: warps are allowed\n",
			    pvclock_protocol_name(proto), (unsigned long long)unstable);
	else
		cr_expect_eq(below, 0, "%s: %llu reads went back (worst %llu ns) with TSC_STABLE set",
			     pvclock_protocol_name(proto), (unsigned long long)below,
			     (unsigned long long)worst);
}

Test(realpage, warp_vcpu0, .timeout = 30) { check_warp(PVCLOCK_PROTO_VCPU0); }
Test(realpage, warp_percpu, .timeout = 30) { check_warp(PVCLOCK_PROTO_PERCPU); }
Test(realpage, warp_rseq, .timeout = 30) { check_warp(PVCLOCK_PROTO_RSEQ); }

static uint64_t raw_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_RAW, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* A pvclock reading and the CLOCK_MONOTONIC_RAW time around it (midpoint, and the spread). */
static void sample(enum pvclock_protocol proto, uint64_t *pv, uint64_t *raw, uint64_t *spread)
{
	uint64_t best = UINT64_MAX;

	/* The tightest of a few tries: a preemption inside one would blur it. */
	for (int i = 0; i < 20; i++) {
		struct pvclock_time t;
		uint64_t a = raw_ns(), b;
		int rc = pvclock_read(&src, proto, &t);

		b = raw_ns();
		cr_assert_eq(rc, PVCLOCK_OK, "%s", pvclock_strerror(rc));
		if (b - a < best) {
			best = b - a;
			*pv = t.ns;
			*raw = a + (b - a) / 2;
		}
	}
	*spread = best;
}

static void check_rate(enum pvclock_protocol proto)
{
	uint64_t pv0, raw0, s0, pv1, raw1, s1;
	struct timespec one_second = { 1, 0 };
	double ppm;

	usable_or_skip(proto);
	sample(proto, &pv0, &raw0, &s0);
	nanosleep(&one_second, NULL);
	sample(proto, &pv1, &raw1, &s1);
	ppm = ((double)(pv1 - pv0) - (double)(raw1 - raw0)) / (double)(raw1 - raw0) * 1e6;
	printf("rate %-7s pvclock %llu ns vs CLOCK_MONOTONIC_RAW %llu ns: %+.3f ppm "
	       "(sampling spread %llu + %llu ns)\n", pvclock_protocol_name(proto),
	       (unsigned long long)(pv1 - pv0), (unsigned long long)(raw1 - raw0), ppm,
	       (unsigned long long)s0, (unsigned long long)s1);
	fflush(stdout);
	cr_expect(ppm > -100 && ppm < 100, "%s: rates differ by %.3f ppm", pvclock_protocol_name(proto),
		  ppm);
}

Test(realpage, rate_vcpu0, .timeout = 30) { check_rate(PVCLOCK_PROTO_VCPU0); }
Test(realpage, rate_percpu, .timeout = 30) { check_rate(PVCLOCK_PROTO_PERCPU); }
Test(realpage, rate_rseq, .timeout = 30) { check_rate(PVCLOCK_PROTO_RSEQ); }

/* Every getcpu method that works here picks a record that agrees with vCPU 0's (stable page). */
Test(realpage, every_getcpu_method)
{
	open_or_skip();
	for (int gm = PVCLOCK_GETCPU_RDPID; gm < PVCLOCK_GETCPU_NR_METHODS; gm++) {
		const char *why = NULL;
		struct pvclock_time a, b = { 0 }, c;

		if (pvclock_getcpu_probe(gm, &why) != PVCLOCK_OK) {
			printf("getcpu %s: not available here: %s\n", pvclock_getcpu_name(gm), why);
			continue;
		}
		cr_assert_eq(pvclock_read_vcpu0(&src, &a), PVCLOCK_OK);
		cr_assert_eq(pvclock_read_percpu_with(&src, &b, gm, PVCLOCK_TSC_LFENCE), PVCLOCK_OK);
		cr_assert_eq(pvclock_read_vcpu0(&src, &c), PVCLOCK_OK);
		if (!(b.flags & PVCLOCK_TSC_STABLE))
			continue;
		cr_expect(a.ns <= b.ns && b.ns <= c.ns, "%s: %llu not within [%llu, %llu]",
			  pvclock_getcpu_name(gm), (unsigned long long)b.ns, (unsigned long long)a.ns,
			  (unsigned long long)c.ns);
		printf("getcpu %s: percpu read on vCPU %u agrees with vCPU 0's record\n",
		       pvclock_getcpu_name(gm), b.cpu);
	}
	fflush(stdout);
}
