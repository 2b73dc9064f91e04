/* SPDX-License-Identifier: MIT */
/*
 * Hyper-V's reference TSC page (pvclock/hyperv.h) against a simulated host
 * (tools/sim): the reference time exactly as the page defines it, sequence
 * 0 a status and never a time, no torn or backwards read while the host
 * rewrites the page every few microseconds, bad input and an absent kernel
 * page answered with statuses.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "pvclock/hyperv.h"
#include "simhyperv.h"
#include "simloop.h"

static struct simhyperv sim;

static struct pvclock_hyperv open_sim(void)
{
	struct pvclock_hyperv hv;

	cr_assert_eq(pvclock_hyperv_open_memory(&hv, &sim.page), PVCLOCK_OK);
	return hv;
}

Test(hyperv, reads_the_reference_time_the_page_defines)
{
	struct pvclock_hyperv hv;
	struct pvclock_hyperv_time t;
	struct timespec raw;

	simhyperv_init(&sim);
	hv = open_sim();
	for (int k = 0; k < 100000; k++) {
		cr_assert_eq(pvclock_hyperv_read(&hv, &t), PVCLOCK_OK);
		cr_assert_eq(t.reference, simhyperv_reference(&sim, t.tsc), "at TSC %llu",
			     (unsigned long long)t.tsc);
		cr_assert_eq(t.ns, t.reference * 100);
		cr_assert_eq(t.sequence, sim.page.tsc.tsc_sequence);
	}
	/* The simulated partition's reference time follows MONOTONIC_RAW in 100 ns units. */
	clock_gettime(CLOCK_MONOTONIC_RAW, &raw);
	cr_expect_lt(llabs((long long)t.ns - ((long long)raw.tv_sec * 1000000000ll + raw.tv_nsec)),
		     100000000ll);
}

Test(hyperv, sequence_zero_is_a_status_never_a_time)
{
	struct pvclock_hyperv hv;
	struct pvclock_hyperv_time t = { 42, 4200, 7, 9 };

	simhyperv_init(&sim);
	hv = open_sim();
	simhyperv_invalidate(&sim);
	cr_expect_eq(pvclock_hyperv_read(&hv, &t), PVCLOCK_ESEQZERO);
	cr_expect(t.reference == 42 && t.ns == 4200 && t.tsc == 7 && t.sequence == 9,
		  "a failed read wrote its result");
	simhyperv_update(&sim, 0);
	cr_expect_eq(pvclock_hyperv_read(&hv, &t), PVCLOCK_OK, "the page stayed invalid after an update");
}

struct race {
	struct pvclock_hyperv *hv;
	const long *updates;         /* the host's count: read until it has rewritten the page often */
	long reads, back, invalid, failed;
};

static void *reader(void *arg)
{
	struct race *r = arg;
	uint64_t last = 0;

	for (long k = 0; k < 300000 || __atomic_load_n(r->updates, __ATOMIC_RELAXED) < 1000; k++) {
		struct pvclock_hyperv_time t;
		int rc = pvclock_hyperv_read(r->hv, &t);

		if (rc == PVCLOCK_ESEQZERO) {
			r->invalid++;
			continue;
		}
		if (rc != PVCLOCK_OK) {
			r->failed++;
			continue;
		}
		r->back += t.reference < last;
		last = t.reference;
		r->reads++;
	}
	return NULL;
}

Test(hyperv, no_torn_or_backwards_read_while_the_host_rewrites, .timeout = 120)
{
	struct simhyperv_host host = { &sim, 200 };
	struct simloop h = { .step = simhyperv_host_step, .ctx = &host, .pause_us = 2 };
	struct pvclock_hyperv hv;
	struct race r[2] = { { 0 } };
	pthread_t t[2];

	simhyperv_init(&sim);
	hv = open_sim();
	cr_assert_eq(simloop_start(&h), 0);
	for (int i = 0; i < 2; i++) {
		r[i].hv = &hv;
		r[i].updates = &h.done;
		cr_assert_eq(pthread_create(&t[i], NULL, reader, &r[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	simloop_stop(&h);
	for (int i = 0; i < 2; i++) {
		cr_expect_eq(r[i].back, 0, "reader %d: %ld of %ld reads went back", i, r[i].back, r[i].reads);
		cr_expect_eq(r[i].failed, 0, "reader %d: %ld reads failed", i, r[i].failed);
		cr_expect_gt(r[i].reads, 0, "reader %d read nothing but invalid pages", i);
	}
	cr_expect_geq(simloop_done(&h), 1000, "the host rewrote the page only %ld times", simloop_done(&h));
}

Test(hyperv, bad_input_and_a_sequence_that_never_settles)
{
	struct pvclock_hyperv hv = { 0 };
	struct pvclock_hyperv_time t;
	static _Alignas(8) unsigned char page[4096];
	struct pvclock_hyperv_tsc_page *p = (struct pvclock_hyperv_tsc_page *)page;

	cr_expect_eq(pvclock_hyperv_open_memory(NULL, page), PVCLOCK_EARG);
	cr_expect_eq(pvclock_hyperv_open_memory(&hv, NULL), PVCLOCK_EARG);
	cr_expect_eq(pvclock_hyperv_open_memory(&hv, page + 4), PVCLOCK_EARG);
	cr_expect_eq(pvclock_hyperv_read(&hv, &t), PVCLOCK_ENOSOURCE);
	cr_expect_eq(pvclock_hyperv_read(NULL, &t), PVCLOCK_EARG);
	cr_assert_eq(pvclock_hyperv_open_memory(&hv, page), PVCLOCK_OK);
	cr_expect_eq(pvclock_hyperv_read(&hv, NULL), PVCLOCK_EARG);
	/* A zeroed page is an invalid one. */
	cr_expect_eq(pvclock_hyperv_read(&hv, &t), PVCLOCK_ESEQZERO);
	p->tsc_sequence = 5;
	p->tsc_scale = 1ull << 62;
	cr_expect_eq(pvclock_hyperv_read(&hv, &t), PVCLOCK_OK);
	cr_expect_eq(t.reference, t.tsc >> 2);
	/* With no budget at all, the read gives up at once, with a status. */
	hv.max_retries = 0;
	cr_expect_eq(pvclock_hyperv_read(&hv, &t), PVCLOCK_ESTUCK);
}

Test(hyperv, this_machines_kernel_page)
{
	struct pvclock_hyperv hv;
	struct pvclock_hyperv_time t;
	int rc = pvclock_hyperv_open_kernel(&hv);

	if (rc == PVCLOCK_ENOPAGE)
		cr_skip_test("no Hyper-V reference TSC page mapped here (not a Hyper-V guest, or the "
			     "hyperv clocksource never used): the probe said so without a fault");
	cr_assert_eq(rc, PVCLOCK_OK, "%s", pvclock_strerror(rc));
	rc = pvclock_hyperv_read(&hv, &t);
	cr_expect(rc == PVCLOCK_OK || rc == PVCLOCK_ESEQZERO, "%s", pvclock_strerror(rc));
}
