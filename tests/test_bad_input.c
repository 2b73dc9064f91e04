/* SPDX-License-Identifier: MIT */
/*
 * Every public function's answer to bad input, as lib/README.md's table states
 * it: NULL pointers, zero and huge counts and strides, extents past the end
 * of the address space, a source never opened or whose open failed, values
 * out of range, records with unknown flags or GUEST_STOPPED.  A status,
 * never a signal, never a hang.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "helpers.h"
#include "pvclock.h"

static _Alignas(64) unsigned char mem[4 * 64];

static const enum pvclock_protocol protocols[] = {
	PVCLOCK_PROTO_VCPU0, PVCLOCK_PROTO_PERCPU, PVCLOCK_PROTO_MIGRATE, PVCLOCK_PROTO_RSEQ,
};

/* A source over @mem with one stable record per slot; the migrate protocol needs the counter. */
static void open_stable(struct pvclock_source *src, uint8_t flags)
{
	memset(mem, 0, sizeof(mem));
	for (unsigned k = 0; k < 4; k++)
		test_fill_record(mem, 64, k, 2, 1000, 5000, 0x80000000u, 0, flags);
	cr_assert_eq(pvclock_source_open_memory(src, mem, 64, 4, PVCLOCK_MEM_MIGRATE_COUNT),
		     PVCLOCK_OK);
	cr_assert_eq(pvclock_source_set_getcpu(src, PVCLOCK_GETCPU_SYSCALL), PVCLOCK_OK);
}

Test(bad_input, reads_with_null_arguments)
{
	struct pvclock_source src;
	struct pvclock_time t;

	open_stable(&src, PVCLOCK_TSC_STABLE);
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++) {
		cr_expect_eq(pvclock_read(NULL, protocols[i], &t), PVCLOCK_EARG, "%s",
			     pvclock_protocol_name(protocols[i]));
		cr_expect_eq(pvclock_read(&src, protocols[i], NULL), PVCLOCK_EARG, "%s",
			     pvclock_protocol_name(protocols[i]));
	}
	cr_expect_eq(pvclock_read(&src, PVCLOCK_PROTO_NR, &t), PVCLOCK_EARG);
	cr_expect_eq(pvclock_read(&src, (enum pvclock_protocol)-1, &t), PVCLOCK_EARG);
	cr_expect_str_eq(pvclock_protocol_name(PVCLOCK_PROTO_NR), "?");
}

/* A zeroed source reads as not open, not as stuck; *t is left alone. */
Test(bad_input, a_source_never_opened)
{
	struct pvclock_source src;
	struct pvclock_source_info info;
	struct pvclock_record rec;
	struct pvclock_time t = { .ns = 42 };

	memset(&src, 0, sizeof(src));
	cr_expect_eq(pvclock_source_is_open(&src), 0);
	cr_expect_eq(pvclock_source_is_open(NULL), 0);
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++) {
		int rc = pvclock_read(&src, protocols[i], &t);

		/* The rseq read says first that the thread has no rseq, where it has none. */
		if (protocols[i] == PVCLOCK_PROTO_RSEQ && !pvclock_rseq_available())
			cr_expect_eq(rc, PVCLOCK_ENORSEQ, "rseq: %s", pvclock_strerror(rc));
		else
			cr_expect_eq(rc, PVCLOCK_ENOSOURCE, "%s: %s", pvclock_protocol_name(protocols[i]),
				     pvclock_strerror(rc));
	}
	cr_expect_eq(t.ns, 42);
	cr_expect_eq(pvclock_source_snapshot(&src, 0, &rec, NULL), PVCLOCK_ENOSOURCE);
	cr_expect_eq(pvclock_source_info(&src, &info), PVCLOCK_ENOSOURCE);
	cr_expect_eq(pvclock_source_count_valid(&src), 0);
	cr_expect_null((const void *)pvclock_source_record(&src, 0));
	cr_expect_eq(pvclock_source_set_tsc_mode(&src, PVCLOCK_TSC_AUTO), PVCLOCK_ENOSOURCE);
	cr_expect_eq(pvclock_source_set_getcpu(&src, PVCLOCK_GETCPU_AUTO), PVCLOCK_ENOSOURCE);
	cr_expect_eq(pvclock_source_set_max_retries(&src, 5), PVCLOCK_ENOSOURCE);
	cr_expect_eq(src.max_retries, 0, "a source that is not open stays not open");
	cr_expect_str_eq(pvclock_strerror(PVCLOCK_ENOSOURCE), "source not opened");
}

/* An open that fails leaves the source not open, even one that was open before. */
Test(bad_input, a_failed_open_leaves_the_source_not_open)
{
	struct pvclock_source src;
	struct pvclock_time t;

	open_stable(&src, PVCLOCK_TSC_STABLE);
	cr_assert_eq(pvclock_read(&src, PVCLOCK_PROTO_VCPU0, &t), PVCLOCK_OK);
	cr_expect_eq(pvclock_source_open_memory(&src, mem, 64, 0, 0), PVCLOCK_EARG);
	cr_expect_eq(pvclock_read(&src, PVCLOCK_PROTO_VCPU0, &t), PVCLOCK_ENOSOURCE);

	open_stable(&src, PVCLOCK_TSC_STABLE);
	cr_expect_eq(pvclock_source_open_kernel_maps(&src, ""), PVCLOCK_ENOPAGE);
	cr_expect_eq(pvclock_read(&src, PVCLOCK_PROTO_PERCPU, &t), PVCLOCK_ENOSOURCE);

	open_stable(&src, PVCLOCK_TSC_STABLE);
	cr_expect_eq(pvclock_source_open_kernel_maps(&src, NULL), PVCLOCK_EARG);
	cr_expect_eq(pvclock_read(&src, PVCLOCK_PROTO_MIGRATE, &t), PVCLOCK_ENOSOURCE);
}

Test(bad_input, memory_extents)
{
	struct pvclock_source src;
	const void *top = (const void *)(UINTPTR_MAX & ~(uintptr_t)3);

	cr_expect_eq(pvclock_source_open_memory(&src, mem, 64, PVCLOCK_MAX_SLOTS + 1, 0), PVCLOCK_EARG,
		     "more slots than any vCPU number reaches");
	cr_expect_eq(pvclock_source_open_memory(&src, mem, 64, UINT32_MAX, 0), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_open_memory(&src, mem, SIZE_MAX & ~(size_t)3, 2, 0), PVCLOCK_EARG,
		     "stride times count overflows");
	cr_expect_eq(pvclock_source_open_memory(&src, mem, (SIZE_MAX >> 1) & ~(size_t)3, 3, 0),
		     PVCLOCK_EARG, "extent overflows");
	cr_expect_eq(pvclock_source_open_memory(&src, top, 64, 1, 0), PVCLOCK_EARG,
		     "the record would wrap past the top of the address space");
}

/* Unmapped memory is never touched before the probe says it may be. */
Test(bad_input, memory_that_is_not_mapped_is_refused_by_the_probe)
{
	cr_expect_eq(pvclock_probe_readable((const void *)4096, 32), PVCLOCK_ENOPAGE);
	cr_expect_eq(pvclock_probe_readable((const void *)(UINTPTR_MAX - 15), 32), PVCLOCK_ENOPAGE,
		     "a range that wraps");
	cr_expect_eq(pvclock_probe_readable(mem, 0), PVCLOCK_EARG);
	cr_expect_eq(pvclock_probe_readable(mem, 4097), PVCLOCK_EARG);
	cr_expect_eq(pvclock_probe_readable(NULL, 1), PVCLOCK_EARG);
}

Test(bad_input, source_helpers_with_null_arguments)
{
	struct pvclock_source src;
	struct pvclock_source_info info;
	struct pvclock_record rec;

	open_stable(&src, PVCLOCK_TSC_STABLE);
	cr_expect_eq(pvclock_source_set_tsc_mode(NULL, PVCLOCK_TSC_AUTO), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_set_tsc_mode(&src, (enum pvclock_tsc_mode)99), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_set_getcpu(NULL, PVCLOCK_GETCPU_AUTO), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_set_getcpu(&src, PVCLOCK_GETCPU_NR_METHODS), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_set_max_retries(NULL, 5), PVCLOCK_EARG);
	cr_expect_null((const void *)pvclock_source_record(NULL, 0));
	cr_expect_null((const void *)pvclock_source_record(&src, 4));
	cr_expect_null((const void *)pvclock_source_record(&src, UINT32_MAX));
	cr_expect_eq(pvclock_source_snapshot(NULL, 0, &rec, NULL), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_snapshot(&src, 0, NULL, NULL), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_snapshot(&src, UINT32_MAX, &rec, NULL), PVCLOCK_ECPU);
	cr_expect_eq(pvclock_record_snapshot(NULL, 5, &rec, NULL, NULL), PVCLOCK_EARG);
	cr_expect_eq(pvclock_record_snapshot(pvclock_source_record(&src, 0), 5, NULL, NULL, NULL),
		     PVCLOCK_EARG);
	cr_expect_eq(pvclock_record_snapshot(pvclock_source_record(&src, 0), 0, &rec, NULL, NULL),
		     PVCLOCK_ESTUCK, "no attempt allowed");
	cr_expect_eq(pvclock_source_info(NULL, &info), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_info(&src, NULL), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_count_valid(NULL), 0);
	cr_expect_eq(pvclock_record_valid(NULL), 0);
	cr_expect_str_eq(pvclock_origin_name((enum pvclock_origin)77), "none");
	cr_expect_eq(pvclock_source_open_memory(NULL, mem, 64, 1, 0), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_open_kernel(NULL), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_open_kernel_maps(NULL, ""), PVCLOCK_EARG);
}

Test(bad_input, maps_cpu_getcpu_and_elf_with_bad_arguments)
{
	struct pvclock_maps_hit hit;
	const char *why = NULL;

	cr_expect_eq(pvclock_maps_find(NULL, &hit), PVCLOCK_EARG);
	cr_expect_eq(pvclock_maps_find("", NULL), PVCLOCK_EARG);
	cr_expect_eq(pvclock_maps_find_self(NULL), PVCLOCK_EARG);
	pvclock_cpu_features(NULL);
	cr_expect_eq(pvclock_getcpu(PVCLOCK_GETCPU_AUTO), PVCLOCK_ENOGETCPU, "AUTO is not a method");
	cr_expect_eq(pvclock_getcpu((enum pvclock_getcpu_method)99), PVCLOCK_ENOGETCPU);
	cr_expect_eq(pvclock_getcpu_probe((enum pvclock_getcpu_method)99, &why), PVCLOCK_EARG);
	cr_expect_not_null(why, "a reason for the refusal");
	cr_expect_str_eq(pvclock_getcpu_name((enum pvclock_getcpu_method)99), "?");
	cr_expect_null(pvclock_elf_lookup(NULL, "__vdso_clock_gettime", NULL));
	cr_expect_null(pvclock_elf_lookup(mem, "__vdso_clock_gettime", NULL), "not an ELF image");
	cr_expect_null(pvclock_elf_lookup(pvclock_kernel_vdso(), NULL, NULL));
	cr_expect_null(pvclock_kernel_vdso_sym(NULL));
	cr_expect_null(pvclock_kernel_vdso_sym("no_such_symbol"));
	for (int s = -1000; s <= 1000; s++)
		cr_expect_not_null(pvclock_strerror(s));
	cr_expect_str_eq(pvclock_strerror(12345), "unknown pvclock status");
}

/*
 * Flags other than TSC_STABLE do not change the time: GUEST_STOPPED and
 * bits the library does not know are served and handed back in t->flags.
 */
Test(bad_input, records_with_guest_stopped_and_unknown_flags)
{
	static const uint8_t flag_sets[] = {
		PVCLOCK_TSC_STABLE | PVCLOCK_GUEST_STOPPED,
		PVCLOCK_TSC_STABLE | 0xf8,
		0xff,
	};
	struct pvclock_source src;
	struct pvclock_time t;

	for (size_t f = 0; f < sizeof(flag_sets); f++) {
		open_stable(&src, flag_sets[f]);
		for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++) {
			uint64_t want;
			int rc = pvclock_read(&src, protocols[i], &t);

			if (rc == PVCLOCK_ENORSEQ)
				continue;
			cr_assert_eq(rc, PVCLOCK_OK, "flags %#x %s: %s", flag_sets[f],
				     pvclock_protocol_name(protocols[i]), pvclock_strerror(rc));
			want = pvclock_time_at(5000, 1000, 0x80000000u, 0, t.tsc);
			cr_expect_eq(t.ns, want, "flags %#x %s", flag_sets[f],
				     pvclock_protocol_name(protocols[i]));
			cr_expect_eq(t.flags, flag_sets[f]);
		}
		cr_expect_eq(pvclock_source_count_valid(&src), 4, "flags play no part in validity");
	}
}

/* A record whose version never settles ends in ESTUCK after the bound, for every protocol. */
Test(bad_input, a_record_that_stays_odd_ends_in_estuck, .timeout = 30)
{
	struct pvclock_source src;
	struct pvclock_record rec;
	struct pvclock_time t;

	open_stable(&src, PVCLOCK_TSC_STABLE);
	for (unsigned k = 0; k < 4; k++)
		((struct pvclock_record *)(mem + 64 * k))->version = 3;
	cr_assert_eq(pvclock_source_set_max_retries(&src, 1000), PVCLOCK_OK);
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++) {
		int rc = pvclock_read(&src, protocols[i], &t);

		if (rc == PVCLOCK_ENORSEQ)
			continue;
		cr_expect_eq(rc, PVCLOCK_ESTUCK, "%s: %s", pvclock_protocol_name(protocols[i]),
			     pvclock_strerror(rc));
	}
	cr_expect_eq(pvclock_source_snapshot(&src, 1, &rec, NULL), PVCLOCK_ESTUCK);
	cr_expect_eq(pvclock_source_count_valid(&src), 0);
}

/* pvclock_source_info() takes the rate from vCPU 0's record for every shift, without a signal. */
Test(bad_input, source_info_for_every_shift)
{
	struct pvclock_source src;
	struct pvclock_source_info info;

	for (int s = -128; s <= 127; s++) {
		memset(mem, 0, sizeof(mem));
		test_fill_record(mem, 64, 0, 2, 1000, 5000, 3, (int8_t)s, PVCLOCK_TSC_STABLE);
		cr_assert_eq(pvclock_source_open_memory(&src, mem, 64, 1, 0), PVCLOCK_OK);
		cr_assert_eq(pvclock_source_info(&src, &info), PVCLOCK_OK);
		cr_expect_eq(info.tsc_khz, pvclock_tsc_khz(3, (int8_t)s), "shift %d", s);
	}
}

/* A page of slots that all stay mid-update: open and count end, with nothing counted. */
Test(bad_input, a_full_page_of_records_that_stay_odd, .timeout = 30)
{
	static _Alignas(64) unsigned char page[PVCLOCK_MAX_SLOTS * 32];
	struct pvclock_source src;

	for (unsigned k = 0; k < PVCLOCK_MAX_SLOTS; k++)
		test_fill_record(page, 32, k, 3, 1000, 5000, 0x80000000u, 0, PVCLOCK_TSC_STABLE);
	cr_assert_eq(pvclock_source_open_memory(&src, page, 32, PVCLOCK_MAX_SLOTS, 0), PVCLOCK_OK);
	cr_expect_eq(src.nr_valid, 0);
	cr_expect_eq(pvclock_source_count_valid(&src), 0);
}
