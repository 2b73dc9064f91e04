/* SPDX-License-Identifier: MIT */
/*
 * VMClock (pvclock/vmclock.h) against a simulated device (tools/sim): the
 * time exactly as the page defines it, error bounds growing at the stated
 * rate, no torn or backwards read while the host rewrites the page every
 * few microseconds, disruptions seen once, marker-only and malformed pages
 * answered with their statuses, and the real device's absence said plainly.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pvclock/error.h"
#include "pvclock/tsc.h"
#include "pvclock/vmclock.h"
#include "simloop.h"
#include "simvmclock.h"

static struct simvmclock sim;

static struct pvclock_vmclock open_sim(void)
{
	struct pvclock_vmclock vc;

	cr_assert_eq(pvclock_vmclock_open_memory(&vc, &sim.page, sizeof(sim.page)), PVCLOCK_OK);
	return vc;
}

static long double ns_of(const struct pvclock_vmclock_time *t)
{
	return (long double)t->sec * 1e9L + t->nsec;
}

Test(vmclock, reads_the_time_the_page_defines)
{
	struct pvclock_vmclock vc;
	struct pvclock_vmclock_time t;
	struct timespec rt;

	simvmclock_init(&sim, 0);
	vc = open_sim();
	for (int k = 0; k < 100000; k++) {
		cr_assert_eq(pvclock_vmclock_read(&vc, &t), PVCLOCK_OK);
		/* The model in long double, at the very counter value the read used. */
		cr_assert(fabsl(ns_of(&t) - simvmclock_ns(&sim, t.counter)) <= 1.0L,
			  "read %lld.%09u, model %.1Lf ns", (long long)t.sec, t.nsec,
			  simvmclock_ns(&sim, t.counter));
	}
	cr_expect_eq(t.time_type, PVCLOCK_VMCLOCK_TIME_UTC);
	cr_expect_eq(t.clock_status, PVCLOCK_VMCLOCK_STATUS_SYNCHRONIZED);
	cr_expect_eq(t.tai_offset_sec, 37);
	cr_expect_eq(t.counter_id, PVCLOCK_VMCLOCK_COUNTER_X86_TSC);
	/* The simulated host started from this machine's UTC. */
	clock_gettime(CLOCK_REALTIME, &rt);
	cr_expect(fabsl(ns_of(&t) - ((long double)rt.tv_sec * 1e9L + rt.tv_nsec)) < 1e8L,
		  "the page's UTC is far from the machine's");
}

Test(vmclock, error_bounds_grow_at_the_stated_rate)
{
	struct pvclock_vmclock vc;
	struct pvclock_vmclock_time t;
	const struct pvclock_vmclock_abi *p = &sim.page.abi;

	simvmclock_init(&sim, 0);
	vc = open_sim();
	usleep(20000);
	cr_assert_eq(pvclock_vmclock_read(&vc, &t), PVCLOCK_OK);
	{
		long double ticks = (long double)(t.counter - p->counter_value);
		long double scale = 1e9L / (18446744073709551616.0L * 16.0L);
		long double est = 100.0L + ticks * (long double)p->counter_period_esterror_rate_frac_sec * scale;
		long double max = 1000.0L + ticks * (long double)p->counter_period_maxerror_rate_frac_sec * scale;

		/* 20 ms at 1 and 10 ppm: about 20 and 200 ns on top of the published bounds. */
		cr_expect(fabsl((long double)t.esterror_ns - est) <= 1.0L, "esterror %llu, expected %.1Lf",
			  (unsigned long long)t.esterror_ns, est);
		cr_expect(fabsl((long double)t.maxerror_ns - max) <= 1.0L, "maxerror %llu, expected %.1Lf",
			  (unsigned long long)t.maxerror_ns, max);
		cr_expect_gt(t.maxerror_ns, 1000u + 150u, "the bound did not grow over 20 ms");
	}
	/* Without the validity flags there is no bound to state. */
	sim.page.abi.flags &= ~(uint64_t)PVCLOCK_VMCLOCK_FLAG_TIME_MAXERROR_VALID;
	cr_assert_eq(pvclock_vmclock_read(&vc, &t), PVCLOCK_OK);
	cr_expect_eq(t.maxerror_ns, UINT64_MAX);
	cr_expect_neq(t.esterror_ns, UINT64_MAX);
}

/* Readers racing a host that rewrites the page every few microseconds. */
struct race {
	struct pvclock_vmclock *vc;
	const long *updates;         /* the host's count: read until it has rewritten the page often */
	long reads, back, failed, far, torn;
};

static void *reader(void *arg)
{
	struct race *r = arg;
	long double last = 0;

	for (long k = 0; k < 300000 || __atomic_load_n(r->updates, __ATOMIC_RELAXED) < 1000; k++) {
		struct pvclock_vmclock_time t;
		struct timespec rt;
		long double v;

		if (pvclock_vmclock_read(r->vc, &t) != PVCLOCK_OK) {
			r->failed++;
			continue;
		}
		v = ns_of(&t);
		/* The host tags each update at its start and at its end (simvmclock.h). */
		r->torn += t.esterror_ns != t.maxerror_ns;
		r->back += v < last;
		last = v;
		/* A torn read (fields of two updates) lands microseconds off; this catches far worse. */
		if (k % 1024 == 0) {
			clock_gettime(CLOCK_REALTIME, &rt);
			r->far += fabsl(v - ((long double)rt.tv_sec * 1e9L + rt.tv_nsec)) > 1e8L;
		}
		r->reads++;
	}
	return NULL;
}

Test(vmclock, no_torn_or_backwards_read_while_the_host_rewrites, .timeout = 120)
{
	struct simvmclock_host host = { &sim, 200 };
	struct simloop h = { .step = simvmclock_host_step, .ctx = &host, .pause_us = 2 };
	struct pvclock_vmclock vc;
	struct race r[2] = { { 0 } };
	pthread_t t[2];

	simvmclock_init(&sim, 0);
	/* Tagged from the first reading on. */
	sim.tagged = 1;
	simvmclock_update(&sim, 0, 0);
	vc = open_sim();
	cr_assert_eq(simloop_start(&h), 0);
	for (int i = 0; i < 2; i++) {
		r[i].vc = &vc;
		r[i].updates = &h.done;
		cr_assert_eq(pthread_create(&t[i], NULL, reader, &r[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	simloop_stop(&h);
	for (int i = 0; i < 2; i++) {
		cr_expect_eq(r[i].torn, 0, "reader %d: %ld of %ld reads mixed two updates", i, r[i].torn,
			     r[i].reads);
		cr_expect_eq(r[i].back, 0, "reader %d: %ld of %ld reads went back", i, r[i].back, r[i].reads);
		cr_expect_eq(r[i].failed, 0, "reader %d: %ld reads failed", i, r[i].failed);
		cr_expect_eq(r[i].far, 0, "reader %d: %ld reads far from real time", i, r[i].far);
	}
	cr_expect_geq(simloop_done(&h), 1000, "the host rewrote the page only %ld times", simloop_done(&h));
}

Test(vmclock, a_disruption_is_seen_once)
{
	struct pvclock_vmclock vc;
	struct pvclock_vmclock_time before, after;

	simvmclock_init(&sim, 0);
	vc = open_sim();
	cr_expect_eq(pvclock_vmclock_disrupted(&vc), 0, "disrupted without a disruption");
	cr_assert_eq(pvclock_vmclock_read(&vc, &before), PVCLOCK_OK);
	simvmclock_disrupt(&sim, 5000000000ll);
	cr_expect_eq(pvclock_vmclock_disrupted(&vc), 1, "the disruption was not seen");
	cr_expect_eq(pvclock_vmclock_disrupted(&vc), 0, "the same disruption was seen twice");
	cr_assert_eq(pvclock_vmclock_read(&vc, &after), PVCLOCK_OK);
	cr_expect_neq(after.disruption_marker, before.disruption_marker);
	cr_expect_eq(after.vm_generation, before.vm_generation + 1);
	/* The page's time jumped 5 s with the restarted counter; the read follows the page. */
	cr_expect_gt(ns_of(&after) - ns_of(&before), 4.9e9L);
}

Test(vmclock, marker_only_pages_give_no_time_but_disruptions)
{
	struct pvclock_vmclock vc;
	struct pvclock_vmclock_time t;

	simvmclock_init(&sim, 1);
	vc = open_sim();
	cr_expect_eq(pvclock_vmclock_read(&vc, &t), PVCLOCK_ECOUNTER);
	cr_expect_eq(t.counter_id, PVCLOCK_VMCLOCK_COUNTER_INVALID);
	cr_expect_eq(t.maxerror_ns, UINT64_MAX);
	simvmclock_disrupt(&sim, 0);
	cr_expect_eq(pvclock_vmclock_disrupted(&vc), 1, "a marker-only page's disruption was not seen");
}

Test(vmclock, malformed_pages_and_statuses)
{
	struct pvclock_vmclock vc;
	struct pvclock_vmclock_time t;
	struct pvclock_vmclock_abi *p = &sim.page.abi;

	simvmclock_init(&sim, 0);
	cr_expect_eq(pvclock_vmclock_open_memory(NULL, &sim.page, 4096), PVCLOCK_EARG);
	cr_expect_eq(pvclock_vmclock_open_memory(&vc, NULL, 4096), PVCLOCK_EARG);
	cr_expect_eq(pvclock_vmclock_open_memory(&vc, &sim.page, 0x60), PVCLOCK_EARG);
	p->magic ^= 1;
	cr_expect_eq(pvclock_vmclock_open_memory(&vc, &sim.page, 4096), PVCLOCK_EFORMAT);
	p->magic ^= 1;
	p->version = 2;
	cr_expect_eq(pvclock_vmclock_open_memory(&vc, &sim.page, 4096), PVCLOCK_EFORMAT);
	p->version = 1;
	p->size = 0x40;
	cr_expect_eq(pvclock_vmclock_open_memory(&vc, &sim.page, 4096), PVCLOCK_EFORMAT);
	p->size = 8192;
	cr_expect_eq(pvclock_vmclock_open_memory(&vc, &sim.page, 4096), PVCLOCK_EFORMAT);
	p->size = sizeof(*p);
	cr_expect_eq(pvclock_vmclock_read(&vc, &t), PVCLOCK_ENOSOURCE, "a failed open left a source");
	cr_expect_eq(pvclock_vmclock_read(NULL, &t), PVCLOCK_EARG);

	vc = open_sim();
	p->clock_status = PVCLOCK_VMCLOCK_STATUS_UNRELIABLE;
	cr_expect_eq(pvclock_vmclock_read(&vc, &t), PVCLOCK_EUNRELIABLE);
	cr_expect_eq(t.clock_status, PVCLOCK_VMCLOCK_STATUS_UNRELIABLE);
	p->clock_status = PVCLOCK_VMCLOCK_STATUS_INITIALIZING;
	cr_expect_eq(pvclock_vmclock_read(&vc, &t), PVCLOCK_EUNRELIABLE);
	p->clock_status = PVCLOCK_VMCLOCK_STATUS_FREERUNNING;
	cr_expect_eq(pvclock_vmclock_read(&vc, &t), PVCLOCK_OK);
	p->counter_id = PVCLOCK_VMCLOCK_COUNTER_ARM_VCNT;
	cr_expect_eq(pvclock_vmclock_read(&vc, &t), PVCLOCK_ECOUNTER);
	p->counter_id = PVCLOCK_VMCLOCK_COUNTER_X86_TSC;
	p->leap_indicator = PVCLOCK_VMCLOCK_LEAP_PRE_POS;
	cr_expect_eq(pvclock_vmclock_read(&vc, &t), PVCLOCK_OK);
	cr_expect_eq(t.leap_indicator, PVCLOCK_VMCLOCK_LEAP_PRE_POS);
	/* A host stuck mid-update: a status in bounded time, never a spin for ever. */
	p->seq_count |= 1;
	vc.max_retries = 1000;
	cr_expect_eq(pvclock_vmclock_read(&vc, &t), PVCLOCK_ESTUCK);
	p->seq_count++;
	/* Memory has no device to wait on. */
	cr_expect_eq(pvclock_vmclock_wait(&vc, 0), PVCLOCK_ENOTIFY);
}

Test(vmclock, an_absent_device_or_a_wrong_file_says_so)
{
	struct pvclock_vmclock vc;
	char path[] = "/tmp/pvclock-vmclock-XXXXXX";
	int fd;

	cr_expect_eq(pvclock_vmclock_open_device(&vc, "/nonexistent/vmclock0"), PVCLOCK_ENOPAGE);
	cr_expect_eq(vc.page, NULL);
	/* A file that is not a VMClock page. */
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 4096), 0);
	cr_expect_eq(pvclock_vmclock_open_device(&vc, path), PVCLOCK_EFORMAT);
	close(fd);
	unlink(path);
}

/* This machine's device: present or not, the answer is a status, and a present page reads. */
Test(vmclock, this_machines_device)
{
	struct pvclock_vmclock vc;
	int rc = pvclock_vmclock_open_device(&vc, NULL);

	if (rc == PVCLOCK_ENOPAGE)
		cr_skip_test("no /dev/vmclock0 here (no VMClock device: the hypervisor offers none, "
			     "or the kernel predates 6.13)");
	if (rc == PVCLOCK_EACCES)
		cr_skip_test("/dev/vmclock0 is not readable by this user (root-only by default)");
	cr_assert_eq(rc, PVCLOCK_OK, "%s", pvclock_strerror(rc));
	{
		struct pvclock_vmclock_time t;
		int r = pvclock_vmclock_read(&vc, &t);

		cr_expect(r == PVCLOCK_OK || r == PVCLOCK_ECOUNTER || r == PVCLOCK_EUNRELIABLE, "%s",
			  pvclock_strerror(r));
	}
	pvclock_vmclock_close(&vc);
}
