/* SPDX-License-Identifier: MIT */
/*
 * Scaling, the implied TSC frequency, the record's layout, and the names of
 * statuses, protocols, origins and getcpu methods.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "pvclock.h"

struct scale_vector {
	uint64_t delta;
	uint32_t mul;
	int8_t shift;
	uint64_t ns;
};

/* Each expected value worked out by hand (and by exact big-integer arithmetic). */
static const struct scale_vector vectors[] = {
	{ 0, 0x80000000u, 0, 0 },
	{ 1000, 0, 0, 0 },                                             /* mul 0 */
	{ UINT64_MAX, 0, 5, 0 },
	{ 1000, 0xffffffffu, 0, 999 },                                 /* 1000 * (1 - 2^-32) */
	{ UINT64_MAX, 0xffffffffu, 0, 0xfffffffeffffffffull },         /* (2^64-1)(2^32-1) >> 32 */
	{ UINT64_MAX, 0x80000000u, 0, 0x7fffffffffffffffull },         /* floor((2^64-1) / 2) */
	{ UINT64_MAX - 1, 0x80000000u, 0, 0x7fffffffffffffffull },
	{ UINT64_MAX, 0x80000000u, -31, 0xffffffffull },               /* (2^33-1) * 2^31 >> 32 */
	{ UINT64_MAX, 0xffffffffu, -31, 0x1fffffffdull },             /* (2^33-1)(2^32-1) >> 32 */
	{ 3, 0x80000000u, 31, 0xc0000000ull },                         /* 3 * 2^31 * 2^31 >> 32 */
	{ 0x8000000000000000ull, 0xffffffffu, 1, 0 },                  /* shifted out: 2^64 mod 2^64 */
	{ 0x4000000000000000ull, 0x80000000u, 1, 0x4000000000000000ull },
	{ 2500000000ull, 0x66666666u, 0, 999999999 },                  /* 2.5 GHz, 0.4 ns a tick */
	{ 123456789ull, 0xdeadbeefu, 3, 859099894 },
	{ 0xfedcba9876543210ull, 0x12345678u, -7, 10202643615637831ull },
	{ 15, 0x80000000u, -4, 0 },                                    /* 15 >> 4 = 0 */
	{ 16, 0x80000000u, -4, 0 },                                    /* 1 * 0.5 rounds down */
	{ 32, 0x80000000u, -4, 1 },
};

Test(math, vectors)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct scale_vector *v = &vectors[i];
		uint64_t ns = pvclock_scale_delta(v->delta, v->mul, v->shift);

		cr_expect_eq(ns, v->ns, "vector %zu: delta %#llx mul %#x shift %d: got %#llx want %#llx",
			     i, (unsigned long long)v->delta, v->mul, v->shift,
			     (unsigned long long)ns, (unsigned long long)v->ns);
	}
}

/*
 * Every shift from -31 to 31 on delta 2^32 and mul 2^31 (half a ns):
 * 2^32 shifted by s is 2^(32+s), which wraps to 0 from s = 32 on (not
 * reached); times 2^31 >> 32 gives 2^(31+s).
 */
Test(math, every_shift)
{
	for (int s = -31; s <= 31; s++) {
		uint64_t ns = pvclock_scale_delta(1ull << 32, 0x80000000u, (int8_t)s);

		cr_expect_eq(ns, 1ull << (31 + s), "shift %d: got %#llx", s, (unsigned long long)ns);
	}
	/* A delta of all ones keeps 64 - s bits when shifted right. */
	for (int s = 1; s <= 31; s++) {
		uint64_t ns = pvclock_scale_delta(UINT64_MAX, 0x80000000u, (int8_t)-s);

		cr_expect_eq(ns, (UINT64_MAX >> s) >> 1, "shift -%d", s);
	}
	/* Shifted left, a delta of 1 is 2^s ticks; times 2^32-1 loses the last ns. */
	for (int s = 0; s <= 31; s++) {
		uint64_t ns = pvclock_scale_delta(1, 0xffffffffu, (int8_t)s);

		cr_expect_eq(ns, s == 0 ? 0 : (1ull << s) - 1, "shift %d", s);
	}
}

Test(math, time_at_wraps_like_the_host)
{
	/* tsc one tick before tsc_timestamp: the delta is 2^64 - 1, as the host computes it. */
	cr_expect_eq(pvclock_time_at(1000, 100, 0x80000000u, 0, 99), 1000 + 0x7fffffffffffffffull);
	cr_expect_eq(pvclock_time_at(1000, 100, 0x80000000u, 0, 100), 1000);
	cr_expect_eq(pvclock_time_at(1000, 100, 0x80000000u, 0, 102), 1001);
	/* TSC counter wrap: tsc_timestamp just below 2^64, tsc just past it. */
	cr_expect_eq(pvclock_time_at(5, UINT64_MAX - 1, 0x80000000u, 1, 2), 5 + 4);
	/* system_time + a huge scaled delta wraps modulo 2^64 too. */
	cr_expect_eq(pvclock_time_at(UINT64_MAX, 0, 0x80000000u, 1, 1), 0);
}

Test(math, tsc_khz)
{
	cr_expect_eq(pvclock_tsc_khz(0, 0), 0);
	cr_expect_eq(pvclock_tsc_khz(0, -5), 0);
	cr_expect_eq(pvclock_tsc_khz(0x66666666u, 0), 2500000);
	cr_expect_eq(pvclock_tsc_khz(0x80000000u, 0), 2000000);
	cr_expect_eq(pvclock_tsc_khz(0x80000000u, 1), 1000000);
	cr_expect_eq(pvclock_tsc_khz(0x80000000u, -1), 4000000);
	cr_expect_eq(pvclock_tsc_khz(1, 31), 2000000);
	cr_expect_eq(pvclock_tsc_khz(0xffffffffu, -31), 2147483648500000ull);
	cr_expect_eq(pvclock_tsc_khz(0xffffffffu, 31), 0);
	cr_expect_eq(pvclock_tsc_khz(0xd5555560u, -1), 2400000);
	/* Shifts beyond -31..31 mean what pvclock_scale_delta() makes of them. */
	cr_expect_eq(pvclock_tsc_khz(0x80000000u, 97), pvclock_tsc_khz(0x80000000u, 33));
	cr_expect_eq(pvclock_tsc_khz(2, 127), pvclock_tsc_khz(2, 63));
	cr_expect_eq(pvclock_tsc_khz(0x80000000u, -128), 2000000);
	cr_expect_eq(pvclock_tsc_khz(0x80000000u, -64), 2000000);
	cr_expect_eq(pvclock_tsc_khz(1, -63), PVCLOCK_TSC_KHZ_SATURATED);
}

/* 256-bit products, independent of the library's division. */
struct u256 {
	unsigned __int128 hi, lo;
};

static struct u256 mul_128_64(unsigned __int128 a, uint64_t b)
{
	unsigned __int128 lo = (unsigned __int128)(uint64_t)a * b;
	unsigned __int128 mid = (unsigned __int128)(uint64_t)(a >> 64) * b + (lo >> 64);

	return (struct u256){ mid >> 64, (mid << 64) | (uint64_t)lo };
}

static int u256_le(struct u256 a, struct u256 b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo <= b.lo);
}

/*
 * Checks k = round(num / den), halves up, by multiplication only:
 * k * 2den <= 2num + den < (k + 1) * 2den, with k saturated at 2^64 - 1.
 */
static int rounds_to(uint64_t k, unsigned __int128 num, unsigned __int128 den)
{
	struct u256 twice = { 0, 2 * num + den };
	int below_next = k == UINT64_MAX || !u256_le(mul_128_64(2 * den, k + 1), twice);

	return u256_le(mul_128_64(2 * den, k), twice) && below_next;
}

/*
 * Every one of the 256 shifts with a spread of multipliers: no signal, and
 * the result is the rate that pvclock_scale_delta()'s scaling implies, one
 * tick being mul * 2^left / 2^(32 + right) ns, with the shift counts
 * derived here from the ABI's rule (modulo 64), not from the library.
 */
Test(math, tsc_khz_every_shift_and_multiplier)
{
	static const uint32_t fixed[] = { 1, 2, 3, 5, 0x7fffffffu, 0x80000000u, 0x80000001u,
					  0xd5555560u, 0x66666666u, 0xfffffffeu, 0xffffffffu };
	uint32_t muls[64];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	long checked = 0, saturated = 0, zero = 0;

	for (size_t i = 0; i < 64; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		muls[i] = i < sizeof(fixed) / sizeof(fixed[0]) ? fixed[i]
							       : (uint32_t)(x >> (i % 32)) | 1u;
	}
	for (int s = -128; s <= 127; s++) {
		unsigned left = s > 0 ? (unsigned)s % 64 : 0, right = s < 0 ? (unsigned)-s % 64 : 0;

		for (size_t i = 0; i < 64; i++) {
			unsigned __int128 num = (unsigned __int128)1000000 << (32 + right);
			unsigned __int128 den = (unsigned __int128)muls[i] << left;
			uint64_t k = pvclock_tsc_khz(muls[i], (int8_t)s);

			cr_assert(rounds_to(k, num, den), "mul %#x shift %d: got %llu", muls[i], s,
				  (unsigned long long)k);
			/* One second's worth of ticks scales to about a second. */
			if (k >= 1000 && k <= UINT64_MAX / 1000) {
				uint64_t ns = pvclock_scale_delta(k * 1000, muls[i], (int8_t)s);

				cr_assert(ns > 999000000ull && ns < 1001000000ull,
					  "mul %#x shift %d: %llu kHz scale to %llu ns in a second", muls[i],
					  s, (unsigned long long)k, (unsigned long long)ns);
			}
			saturated += k == PVCLOCK_TSC_KHZ_SATURATED;
			zero += k == 0;
			checked++;
		}
	}
	cr_assert_eq(checked, 256 * 64);
	cr_expect_gt(saturated, 0, "the spread should reach saturation");
	cr_expect_gt(zero, 0, "the spread should reach rates below 0.5 kHz");
	cr_assert_eq(pvclock_tsc_khz(0, -128), 0);
}

Test(abi, layout)
{
	struct pvclock_record r;
	struct pvclock_migrate_slot s;

	cr_expect_eq(sizeof(r), 32);
	cr_expect_eq(offsetof(struct pvclock_record, version), 0);
	cr_expect_eq(offsetof(struct pvclock_record, pad0), 4);
	cr_expect_eq(offsetof(struct pvclock_record, tsc_timestamp), 8);
	cr_expect_eq(offsetof(struct pvclock_record, system_time), 16);
	cr_expect_eq(offsetof(struct pvclock_record, tsc_to_system_mul), 24);
	cr_expect_eq(offsetof(struct pvclock_record, tsc_shift), 28);
	cr_expect_eq(offsetof(struct pvclock_record, flags), 29);
	cr_expect_eq(offsetof(struct pvclock_record, pad), 30);
	cr_expect_eq(sizeof(s), 64);
	cr_expect_eq(offsetof(struct pvclock_migrate_slot, rec), 0);
	cr_expect_eq(offsetof(struct pvclock_migrate_slot, migrate_count), PVCLOCK_MIGRATE_COUNT_OFFSET);
	cr_expect_eq(PVCLOCK_MIGRATE_COUNT_OFFSET, 32);
	cr_expect_eq(PVCLOCK_TSC_STABLE, 1);
	cr_expect_eq(PVCLOCK_GUEST_STOPPED, 2);
	cr_expect_eq(PVCLOCK_SLOT_STRIDE, 64);
	cr_expect_eq(PVCLOCK_PAGE_SLOTS, 64);
	cr_expect_eq(sizeof(struct pvclock_rseq_area), 32);
	cr_expect_eq(offsetof(struct pvclock_rseq_area, cpu_id), 4);
	cr_expect_eq(offsetof(struct pvclock_rseq_area, rseq_cs), 8);
	cr_expect_eq(offsetof(struct pvclock_rseq_area, mm_cid), 24);
}

Test(abi, byte_image)
{
	/* A record as the host lays it out in memory, little-endian. */
	static const unsigned char raw[32] = {
		0x02, 0, 0, 0, 0, 0, 0, 0,                          /* version 2 */
		0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,     /* tsc_timestamp */
		0x00, 0xca, 0x9a, 0x3b, 0, 0, 0, 0,                 /* system_time 10^9 */
		0x66, 0x66, 0x66, 0x66,                             /* mul */
		0xff,                                               /* shift -1 */
		0x03,                                               /* flags */
		0, 0,
	};
	struct pvclock_record r;

	memcpy(&r, raw, sizeof(r));
	cr_expect_eq(r.version, 2);
	cr_expect_eq(r.tsc_timestamp, 0xfedcba9876543210ull);
	cr_expect_eq(r.system_time, 1000000000ull);
	cr_expect_eq(r.tsc_to_system_mul, 0x66666666u);
	cr_expect_eq(r.tsc_shift, -1);
	cr_expect_eq(r.flags, PVCLOCK_TSC_STABLE | PVCLOCK_GUEST_STOPPED);
}

Test(names, strerror)
{
	static const int codes[] = {
		PVCLOCK_OK, PVCLOCK_EUNSTABLE, PVCLOCK_ESTUCK, PVCLOCK_ECPU, PVCLOCK_EINVALID,
		PVCLOCK_ENOMIGRATE, PVCLOCK_ENORSEQ, PVCLOCK_ENOGETCPU, PVCLOCK_ENOPAGE,
		PVCLOCK_EMAPS, PVCLOCK_EARG, PVCLOCK_ENOTSC,
	};
	const char *unknown = pvclock_strerror(12345);

	cr_assert_not_null(unknown);
	cr_expect_not_null(pvclock_strerror(-12345));
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = pvclock_strerror(codes[i]);

		cr_assert_not_null(s);
		cr_expect_str_neq(s, unknown, "status %d has no text", codes[i]);
		for (size_t j = 0; j < i; j++)
			cr_expect_str_neq(s, pvclock_strerror(codes[j]), "%d and %d read alike",
					  codes[i], codes[j]);
	}
}

Test(names, protocols_origins_methods)
{
	cr_expect_str_eq(pvclock_protocol_name(PVCLOCK_PROTO_VCPU0), "vcpu0");
	cr_expect_str_eq(pvclock_protocol_name(PVCLOCK_PROTO_PERCPU), "percpu");
	cr_expect_str_eq(pvclock_protocol_name(PVCLOCK_PROTO_MIGRATE), "migrate");
	cr_expect_str_eq(pvclock_protocol_name(PVCLOCK_PROTO_RSEQ), "rseq");
	cr_expect_str_eq(pvclock_protocol_name(PVCLOCK_PROTO_NR), "?");
	cr_expect_str_eq(pvclock_origin_name(PVCLOCK_ORIGIN_VVAR_VCLOCK), "vvar_vclock");
	cr_expect_str_eq(pvclock_origin_name(PVCLOCK_ORIGIN_VVAR), "vvar");
	cr_expect_str_eq(pvclock_origin_name(PVCLOCK_ORIGIN_MEMORY), "memory");
	cr_expect_str_eq(pvclock_origin_name(PVCLOCK_ORIGIN_NONE), "none");
	cr_expect_str_eq(pvclock_origin_name((enum pvclock_origin)99), "none");
	cr_expect_str_eq(pvclock_getcpu_name(PVCLOCK_GETCPU_AUTO), "auto");
	cr_expect_str_eq(pvclock_getcpu_name(PVCLOCK_GETCPU_RDPID), "rdpid");
	cr_expect_str_eq(pvclock_getcpu_name(PVCLOCK_GETCPU_RDTSCP), "rdtscp");
	cr_expect_str_eq(pvclock_getcpu_name(PVCLOCK_GETCPU_VDSO), "vdso");
	cr_expect_str_eq(pvclock_getcpu_name(PVCLOCK_GETCPU_RSEQ), "rseq");
	cr_expect_str_eq(pvclock_getcpu_name(PVCLOCK_GETCPU_SYSCALL), "syscall");
	cr_expect_str_eq(pvclock_getcpu_name(PVCLOCK_GETCPU_NR_METHODS), "?");
}
