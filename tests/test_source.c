/* SPDX-License-Identifier: MIT */
/*
 * Caller-supplied memory as a source, the source helpers, and the simulated
 * host itself (the other tests rely on its exactness).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "helpers.h"
#include "pvclock.h"
#include "simhost.h"

static _Alignas(64) unsigned char mem[8 * 128];

Test(memory, argument_errors)
{
	struct pvclock_source src;

	cr_expect_eq(pvclock_source_open_memory(NULL, mem, 64, 1, 0), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_open_memory(&src, NULL, 64, 1, 0), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_open_memory(&src, mem, 64, 0, 0), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_open_memory(&src, mem, 31, 1, 0), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_open_memory(&src, mem, 0, 1, 0), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_open_memory(&src, mem, 34, 1, 0), PVCLOCK_EARG, "stride not 4-aligned");
	cr_expect_eq(pvclock_source_open_memory(&src, mem + 2, 64, 1, 0), PVCLOCK_EARG, "misaligned");
	cr_expect_eq(pvclock_source_open_memory(&src, mem, 32, 1, PVCLOCK_MEM_MIGRATE_COUNT),
		     PVCLOCK_EARG, "no room for the counter");
	cr_expect_eq(pvclock_source_open_memory(&src, mem, 64, 1, 0x80), PVCLOCK_EARG, "unknown flag");
	/* The smallest strides that hold what is asked for. */
	cr_expect_eq(pvclock_source_open_memory(&src, mem, 32, 1, 0), PVCLOCK_OK);
	cr_expect_eq(pvclock_source_open_memory(&src, mem, 36, 1, PVCLOCK_MEM_MIGRATE_COUNT),
		     PVCLOCK_OK);
}

Test(memory, opened_fields)
{
	struct pvclock_source src;

	memset(mem, 0, sizeof(mem));
	test_fill_record(mem, 128, 0, 2, 10, 20, 0x80000000u, 0, 0);
	test_fill_record(mem, 128, 2, 4, 10, 20, 0x80000000u, 0, 0);
	test_fill_record(mem, 128, 3, 5, 10, 20, 0x80000000u, 0, 0);   /* odd: mid-update */
	test_fill_record(mem, 128, 4, 2, 10, 20, 0, 0, 0);              /* mul 0 */
	test_fill_record(mem, 128, 5, 0, 10, 20, 0x80000000u, 0, 0);   /* version 0 */
	cr_assert_eq(pvclock_source_open_memory(&src, mem, 128, 8, 0), PVCLOCK_OK);
	cr_expect_eq((const void *)src.slots, (const void *)mem);
	cr_expect_eq(src.stride, 128);
	cr_expect_eq(src.nr_slots, 8);
	pvclock_source_set_max_retries(&src, 8);
	cr_expect_eq(pvclock_source_count_valid(&src), 2);
	cr_expect_eq(src.origin, PVCLOCK_ORIGIN_MEMORY);
	cr_expect_eq(src.has_migrate_count, 0);
	cr_expect_eq(src.max_retries, 8);
	cr_expect_neq(src.tsc_mode, PVCLOCK_TSC_AUTO, "TSC mode resolved");
	cr_expect_neq(src.getcpu, PVCLOCK_GETCPU_AUTO, "getcpu method resolved");
	pvclock_source_set_max_retries(&src, 0);
	cr_expect_eq(src.max_retries, PVCLOCK_DEFAULT_MAX_RETRIES);
}

Test(memory, record_and_snapshot)
{
	struct pvclock_source src;
	struct pvclock_record rec;
	uint32_t count = 99;

	memset(mem, 0, sizeof(mem));
	test_fill_record(mem, 64, 1, 6, 111, 222, 333, -3, PVCLOCK_GUEST_STOPPED);
	memcpy(mem + 64 + PVCLOCK_MIGRATE_COUNT_OFFSET, &(uint32_t){ 77 }, 4);
	cr_assert_eq(pvclock_source_open_memory(&src, mem, 64, 4, PVCLOCK_MEM_MIGRATE_COUNT),
		     PVCLOCK_OK);
	cr_expect_eq(src.has_migrate_count, 1);
	cr_expect_eq((const void *)pvclock_source_record(&src, 1), (const void *)(mem + 64));
	cr_expect_null((const void *)pvclock_source_record(&src, 4));
	cr_assert_eq(pvclock_source_snapshot(&src, 1, &rec, &count), PVCLOCK_OK);
	cr_expect_eq(rec.version, 6);
	cr_expect_eq(rec.tsc_timestamp, 111);
	cr_expect_eq(rec.system_time, 222);
	cr_expect_eq(rec.tsc_to_system_mul, 333);
	cr_expect_eq(rec.tsc_shift, -3);
	cr_expect_eq(rec.flags, PVCLOCK_GUEST_STOPPED);
	cr_expect_eq(count, 77);
	cr_expect_eq(pvclock_source_snapshot(&src, 1, &rec, NULL), PVCLOCK_OK);
	cr_expect_eq(pvclock_source_snapshot(&src, 4, &rec, &count), PVCLOCK_ECPU);

	/* Without the counter flag the counter reads 0. */
	cr_assert_eq(pvclock_source_open_memory(&src, mem, 64, 4, 0), PVCLOCK_OK);
	cr_assert_eq(pvclock_source_snapshot(&src, 1, &rec, &count), PVCLOCK_OK);
	cr_expect_eq(count, 0);

	/* A record left odd is reported stuck once the retry bound is spent. */
	test_fill_record(mem, 64, 2, 7, 1, 2, 3, 0, 0);
	pvclock_source_set_max_retries(&src, 100);
	cr_expect_eq(pvclock_source_snapshot(&src, 2, &rec, &count), PVCLOCK_ESTUCK);
}

Test(memory, record_valid)
{
	struct pvclock_record r = { .version = 2, .tsc_to_system_mul = 1 };

	cr_expect(pvclock_record_valid(&r));
	r.version = 3;
	cr_expect_not(pvclock_record_valid(&r));
	r.version = 0;
	cr_expect_not(pvclock_record_valid(&r));
	r.version = 2;
	r.tsc_to_system_mul = 0;
	cr_expect_not(pvclock_record_valid(&r));
}

Test(memory, set_modes)
{
	struct pvclock_source src;
	struct pvclock_cpu_features f;

	pvclock_cpu_features(&f);
	cr_assert_eq(pvclock_source_open_memory(&src, mem, 64, 1, 0), PVCLOCK_OK);
	cr_expect_eq(pvclock_source_set_tsc_mode(NULL, PVCLOCK_TSC_LFENCE), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_set_tsc_mode(&src, (enum pvclock_tsc_mode)99), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_set_tsc_mode(&src, PVCLOCK_TSC_AUTO), PVCLOCK_OK);
	cr_expect_eq(src.tsc_mode, f.rdtscp ? PVCLOCK_TSC_RDTSCP : PVCLOCK_TSC_LFENCE);
	cr_expect_eq(pvclock_source_set_tsc_mode(&src, PVCLOCK_TSC_RDTSCP),
		     f.rdtscp ? PVCLOCK_OK : PVCLOCK_ENOTSC);
	cr_expect_eq(pvclock_source_set_tsc_mode(&src, PVCLOCK_TSC_MFENCE), PVCLOCK_OK);
	cr_expect_eq(src.tsc_mode, PVCLOCK_TSC_MFENCE);
	cr_expect_eq(pvclock_source_set_tsc_mode(&src, PVCLOCK_TSC_UNORDERED), PVCLOCK_OK);
	cr_expect_eq(src.tsc_mode, PVCLOCK_TSC_UNORDERED);

	cr_expect_eq(pvclock_source_set_getcpu(NULL, PVCLOCK_GETCPU_SYSCALL), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_set_getcpu(&src, PVCLOCK_GETCPU_NR_METHODS), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_set_getcpu(&src, PVCLOCK_GETCPU_SYSCALL), PVCLOCK_OK);
	cr_expect_eq(src.getcpu, PVCLOCK_GETCPU_SYSCALL);
	cr_expect_eq(pvclock_source_set_getcpu(&src, PVCLOCK_GETCPU_AUTO), PVCLOCK_OK);
	cr_expect_eq(src.getcpu, pvclock_getcpu_best());
}

Test(memory, info)
{
	struct pvclock_source src;
	struct pvclock_source_info info;

	memset(mem, 0, sizeof(mem));
	test_fill_record(mem, 64, 0, 2, 10, 20, 0xd5555560u, -1, PVCLOCK_TSC_STABLE);
	test_fill_record(mem, 64, 1, 2, 10, 20, 0xd5555560u, -1, PVCLOCK_TSC_STABLE);
	cr_assert_eq(pvclock_source_open_memory(&src, mem, 64, 4, PVCLOCK_MEM_MIGRATE_COUNT),
		     PVCLOCK_OK);
	cr_assert_eq(pvclock_source_info(&src, &info), PVCLOCK_OK);
	cr_expect_eq(info.origin, PVCLOCK_ORIGIN_MEMORY);
	cr_expect_eq(info.nr_slots, 4);
	cr_expect_eq(info.nr_valid, 2);
	cr_expect_eq(info.stride, 64);
	cr_expect_eq(info.has_migrate_count, 1);
	cr_expect_eq(info.flags, PVCLOCK_TSC_STABLE);
	cr_expect_eq(info.tsc_khz, 2400000);

	cr_expect_eq(pvclock_source_info(NULL, &info), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_info(&src, NULL), PVCLOCK_EARG);

	/* vCPU 0 never initialised: reported, and the rest still filled in. */
	test_fill_record(mem, 64, 0, 0, 0, 0, 0, 0, 0);
	memset(&info, 0xff, sizeof(info));
	cr_expect_eq(pvclock_source_info(&src, &info), PVCLOCK_EINVALID);
	cr_expect_eq(info.nr_valid, 1);
	cr_expect_eq(info.tsc_khz, 0);

	/* vCPU 0 stuck mid-update. */
	test_fill_record(mem, 64, 0, 9, 0, 0, 1, 0, 0);
	pvclock_source_set_max_retries(&src, 50);
	cr_expect_eq(pvclock_source_info(&src, &info), PVCLOCK_ESTUCK);
}

/* The simulated host. */

Test(simhost, bad_configs)
{
	cr_expect_null(simhost_create(&(struct simhost_config){ .nr_vcpus = 65 }));
	cr_expect_null(simhost_create(&(struct simhost_config){ .stride = 96 }));
	cr_expect_null(simhost_create(&(struct simhost_config){ .change_rate = 1, .rate_ppm = 200000 }));
	simhost_destroy(NULL);
}

Test(simhost, defaults)
{
	struct simhost *h = simhost_create(NULL);
	struct pvclock_source src;

	cr_assert_not_null(h);
	cr_expect_geq(simhost_nr_vcpus(h), 1);
	cr_expect_leq(simhost_nr_vcpus(h), 64);
	cr_expect_eq(simhost_stride(h), 64);
	cr_expect_eq(simhost_mem_size(h) % 4096, 0);
	cr_expect_eq((uintptr_t)simhost_slots(h) % 4096, 0);
	cr_expect_eq(simhost_updates(h), simhost_nr_vcpus(h), "one record per vCPU published");
	cr_assert_eq(pvclock_source_open_memory(&src, simhost_slots(h), simhost_stride(h),
						simhost_nr_vcpus(h), 0), PVCLOCK_OK);
	cr_expect_eq(src.nr_valid, simhost_nr_vcpus(h));
	cr_expect_eq(simhost_tolerance_ns(h, 1000000), 0);
	simhost_destroy(h);
}

/* Every record, in every representation, gives exactly H at many TSC values. */
Test(simhost, records_are_exact)
{
	struct simhost *h = simhost_create(&(struct simhost_config){
		.nr_vcpus = 4, .stride = 128, .change_representation = 1,
		.vcpu_offset_ns = 1000000007 });
	struct pvclock_source src;

	cr_assert_not_null(h);
	cr_assert_eq(pvclock_source_open_memory(&src, simhost_slots(h), 128, 4, 0), PVCLOCK_OK);
	for (int round = 0; round < 8; round++) {
		simhost_update(h);
		for (unsigned cpu = 0; cpu < 4; cpu++) {
			struct pvclock_record r;

			cr_assert_eq(pvclock_source_snapshot(&src, cpu, &r, NULL), PVCLOCK_OK);
			cr_expect_eq(r.flags & PVCLOCK_TSC_STABLE, 0, "no masterclock: not stable");
			for (uint64_t d = 0; d < 100000; d += 997) {
				uint64_t tsc = r.tsc_timestamp + d;
				uint64_t ns = pvclock_time_at(r.system_time, r.tsc_timestamp,
							      r.tsc_to_system_mul, r.tsc_shift, tsc);

				cr_assert_eq(ns, simhost_clock(h, cpu, tsc),
					     "cpu %u round %d shift %d delta %llu", cpu, round,
					     r.tsc_shift, (unsigned long long)d);
			}
		}
	}
	simhost_destroy(h);
}

Test(simhost, masterclock_lockstep_and_stable)
{
	struct simhost *h = simhost_create(&(struct simhost_config){
		.nr_vcpus = 3, .masterclock = 1, .flip_stable = 1 });
	struct pvclock_source src;
	int unstable = 0;

	cr_assert_not_null(h);
	cr_assert_eq(pvclock_source_open_memory(&src, simhost_slots(h), 64, 3, 0), PVCLOCK_OK);
	for (int round = 0; round < 8; round++) {
		struct pvclock_record r0, r;

		simhost_update(h);
		cr_assert_eq(pvclock_source_snapshot(&src, 0, &r0, NULL), PVCLOCK_OK);
		unstable += !(r0.flags & PVCLOCK_TSC_STABLE);
		for (unsigned cpu = 1; cpu < 3; cpu++) {
			cr_assert_eq(pvclock_source_snapshot(&src, cpu, &r, NULL), PVCLOCK_OK);
			cr_expect_eq(r.tsc_timestamp, r0.tsc_timestamp);
			cr_expect_eq(r.system_time, r0.system_time);
			cr_expect_eq(r.flags, r0.flags);
		}
	}
	cr_expect_eq(unstable, 2, "flip_stable clears TSC_STABLE every fourth round");
	simhost_set_stable(h, 0);
	cr_expect_eq(((volatile struct pvclock_record *)simhost_slots(h))->flags & PVCLOCK_TSC_STABLE, 0);
	simhost_destroy(h);
}

Test(simhost, faults)
{
	struct simhost *h = simhost_create(&(struct simhost_config){ .nr_vcpus = 2 });
	volatile struct pvclock_record *r;
	struct pvclock_source src;

	cr_assert_not_null(h);
	r = simhost_slots(h);
	cr_assert_eq(pvclock_source_open_memory(&src, simhost_slots(h), 64, 2, 0), PVCLOCK_OK);
	simhost_set_stable(h, 1);
	cr_expect_eq(r->flags & PVCLOCK_TSC_STABLE, PVCLOCK_TSC_STABLE);
	simhost_set_stable(h, -1);
	cr_expect_eq(r->flags & PVCLOCK_TSC_STABLE, 0);

	simhost_stick_odd(h, 0, 1);
	cr_expect_eq(r->version & 1, 1);
	simhost_update(h);
	cr_expect_eq(r->version & 1, 1, "a stuck record stays odd across rounds");
	simhost_stick_odd(h, 0, 0);
	cr_expect_eq(r->version & 1, 0);
	cr_expect_eq(pvclock_source_count_valid(&src), 2);

	simhost_uninit(h, 1);
	simhost_update(h);
	cr_expect_eq(pvclock_source_count_valid(&src), 1);
	cr_expect_eq(((volatile struct pvclock_record *)((unsigned char *)simhost_slots(h) + 64))->version, 0);
	/* Out-of-range vCPUs are ignored. */
	simhost_stick_odd(h, 9, 1);
	simhost_uninit(h, 9);
	simhost_destroy(h);
}

Test(simhost, writer_thread, .timeout = 60)
{
	struct simhost *h = simhost_create(&(struct simhost_config){ .nr_vcpus = 2, .update_ns = 1000 });
	uint64_t before;

	cr_assert_not_null(h);
	cr_assert_eq(simhost_start(h), 0);
	cr_expect_eq(simhost_start(h), EBUSY);
	before = simhost_updates(h);
	/* However long the writer waits for a CPU (the test's timeout bounds it). */
	while (simhost_updates(h) < before + 10)
		sched_yield();
	cr_expect_geq(simhost_updates(h), before + 10);
	simhost_stop(h);
	simhost_stop(h);
	before = simhost_updates(h);
	cr_expect_eq(simhost_updates(h), before, "no rewrite after stop");
	/* A long pause sleeps instead of spinning; it still stops promptly. */
	simhost_destroy(h);
	h = simhost_create(&(struct simhost_config){ .nr_vcpus = 1, .update_ns = 200000 });
	cr_assert_not_null(h);
	cr_assert_eq(simhost_start(h), 0);
	while (simhost_updates(h) < 3)
		sched_yield();
	cr_expect_geq(simhost_updates(h), 3);
	simhost_destroy(h);
}

Test(simhost, change_rate_history)
{
	struct simhost *h = simhost_create(&(struct simhost_config){
		.nr_vcpus = 2, .change_rate = 1, .rate_ppm = 1000, .change_representation = 1 });
	struct pvclock_source src;
	uint64_t prev = 0;

	cr_assert_not_null(h);
	cr_expect_gt(simhost_tolerance_ns(h, 1000000), 1);
	cr_assert_eq(pvclock_source_open_memory(&src, simhost_slots(h), 64, 2, 0), PVCLOCK_OK);
	for (uint64_t end = test_now_ns() + 20000000; test_now_ns() < end;) {
		struct pvclock_record r;
		uint64_t tsc, h_now;

		simhost_update(h);
		cr_assert_eq(pvclock_source_snapshot(&src, 1, &r, NULL), PVCLOCK_OK);
		tsc = pvclock_rdtsc_lfence();
		h_now = simhost_clock(h, 0, tsc);
		cr_assert_geq(h_now, prev, "H runs forwards across rate changes");
		prev = h_now;
		/* Read right after the rewrite: within 1 ns of rounding. */
		uint64_t ns = pvclock_time_at(r.system_time, r.tsc_timestamp, r.tsc_to_system_mul,
					      r.tsc_shift, tsc);
		cr_assert_leq(ns, h_now + simhost_tolerance_ns(h, tsc - r.tsc_timestamp));
		cr_assert_geq(ns + simhost_tolerance_ns(h, tsc - r.tsc_timestamp), h_now);
	}
	simhost_destroy(h);
}

Test(simhost, migrate)
{
	struct simhost *h = simhost_create(&(struct simhost_config){ .nr_vcpus = 2, .migrate_count = 1 });
	int c0 = test_nth_cpu(0), c1 = test_nth_cpu(1);

	cr_assert_not_null(h);
	cr_expect_eq(simhost_migrate(h, pthread_self(), 0, 5), EINVAL);
	cr_expect_eq(simhost_migrate(h, pthread_self(), 7, 0), EINVAL);
	cr_expect_eq(simhost_migrate_count(h, 9), 0);
	if (c1 < 0 || c0 != 0 || c1 != 1) {
		simhost_destroy(h);
		cr_skip_test("needs CPUs 0 and 1 usable (have %u CPUs)", test_usable_cpus());
	}
	cr_assert_eq(simhost_migrate(h, pthread_self(), 1, 0), 0);
	cr_expect_eq(pvclock_sys_getcpu(), 0);
	cr_assert_eq(simhost_migrate(h, pthread_self(), 0, 1), 0);
	cr_expect_eq(pvclock_sys_getcpu(), 1);
	cr_expect_eq(simhost_migrate_count(h, 0), 2);
	cr_expect_eq(simhost_migrate_count(h, 1), 2);
	cr_expect_eq(simhost_migrations(h), 2);
	test_unpin_self();
	simhost_destroy(h);
}

/* Confidential guests: what CPUID says, decided without a confidential machine. */
Test(confidential, tdx_and_sev_snp_are_recognised_from_cpuid)
{
	struct pvclock_cpu_cc_leaves l = { 0 };

	cr_expect_eq(pvclock_cpu_cc_from(NULL), PVCLOCK_CC_NONE);
	/* Not a guest: no hypervisor, whatever the leaves say. */
	l.max_leaf = 0x21;
	l.tdx_sig[0] = 0x65746e49;
	l.tdx_sig[1] = 0x5844546c;
	l.tdx_sig[2] = 0x20202020;
	cr_expect_eq(pvclock_cpu_cc_from(&l), PVCLOCK_CC_NONE);
	l.hypervisor = true;
	cr_expect_eq(pvclock_cpu_cc_from(&l), PVCLOCK_CC_TDX);
	/* The leaf beyond the processor's maximum is not asked. */
	l.max_leaf = 0x20;
	cr_expect_eq(pvclock_cpu_cc_from(&l), PVCLOCK_CC_NONE);
	l.tdx_sig[2] = 0;
	l.max_leaf = 0x21;
	cr_expect_eq(pvclock_cpu_cc_from(&l), PVCLOCK_CC_NONE, "a wrong signature");
	l.max_ext_leaf = 0x8000001f;
	l.sev_eax = 1u << 1;   /* SEV alone: the guest's memory encrypted, no SNP */
	cr_expect_eq(pvclock_cpu_cc_from(&l), PVCLOCK_CC_NONE);
	l.sev_eax |= 1u << 4;
	cr_expect_eq(pvclock_cpu_cc_from(&l), PVCLOCK_CC_SEV_SNP);
	l.max_ext_leaf = 0x8000001e;
	cr_expect_eq(pvclock_cpu_cc_from(&l), PVCLOCK_CC_NONE);
}

Test(confidential, this_machine_and_the_kernel_source)
{
	struct pvclock_source src;
	struct pvclock_cpu_features f;
	enum pvclock_cc cc = pvclock_cpu_confidential();
	int rc = pvclock_source_open_kernel(&src);

	pvclock_cpu_features(&f);
	cr_expect_eq(f.confidential, cc);
	if (cc == PVCLOCK_CC_NONE) {
		cr_expect_neq(rc, PVCLOCK_EUNTRUSTED, "not a confidential guest, yet the source was refused");
		cr_skip_test("not a confidential guest here: the refusal itself cannot be seen");
	}
	cr_expect_eq(rc, PVCLOCK_EUNTRUSTED);
	cr_expect_eq(pvclock_source_is_open(&src), 0);
}
