/* SPDX-License-Identifier: MIT */
/*
 * The read protocols of pvclock/read.h over records the input chooses: a
 * source from pvclock_source_open_memory() on a buffer of 1-4 slots, the
 * thread pinned to a CPU the input chooses, so which slot a per-vCPU read
 * must use is known.
 *
 * Input: protocol, TSC mode, getcpu method, slot count, stride, retry
 * budget and CPU (one byte each), then each slot's 32-byte record and
 * migration counter, then a (mul, shift) pair for pvclock_tsc_khz().
 *
 * Properties:
 *  - a successful read equals an independent 128-bit reference computed
 *    from the record of the vCPU it names and the TSC value it returns;
 *    that vCPU is 0 for vcpu0 and the pinned CPU otherwise, the flags are
 *    the record's, and the TSC value lies between two reads taken around
 *    the call;
 *  - a failed read returns a status error.h documents for what the records
 *    hold (EUNSTABLE: vcpu0 without TSC_STABLE; ESTUCK: an odd version;
 *    EINVALID: mul 0; ECPU: the CPU has no slot; ENORSEQ) and leaves the
 *    reading untouched; a read succeeds when none of them applies;
 *  - the source counts the valid slots it was opened on, and snapshots
 *    return the records themselves.
 */
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvclock/cpu.h"
#include "pvclock/getcpu.h"
#include "pvclock/math.h"
#include "pvclock/read.h"
#include "pvclock/source.h"
#include "fuzz.h"

#define MAX_SLOTS 4u

static int cpus[CPU_SETSIZE], nr_cpus, pinned = -1;
static enum pvclock_tsc_mode tsc_modes[4];
static unsigned nr_tsc_modes;
static enum pvclock_getcpu_method methods[PVCLOCK_GETCPU_NR_METHODS];
static unsigned nr_methods;
static int have_rseq;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct pvclock_cpu_features f;
	cpu_set_t set;

	(void)argc;
	(void)argv;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		abort();
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			cpus[nr_cpus++] = c;
	pvclock_cpu_features(&f);
	/* The per-vCPU reads take the CPU from RDTSCP's TSC_AUX: only where the kernel programs it. */
	if (f.rdtscp && pvclock_getcpu_probe(PVCLOCK_GETCPU_RDTSCP, NULL) == PVCLOCK_OK)
		tsc_modes[nr_tsc_modes++] = PVCLOCK_TSC_RDTSCP;
	tsc_modes[nr_tsc_modes++] = PVCLOCK_TSC_LFENCE;
	tsc_modes[nr_tsc_modes++] = PVCLOCK_TSC_MFENCE;
	tsc_modes[nr_tsc_modes++] = PVCLOCK_TSC_UNORDERED;
	for (int m = PVCLOCK_GETCPU_RDPID; m < PVCLOCK_GETCPU_NR_METHODS; m++)
		if (pvclock_getcpu_probe((enum pvclock_getcpu_method)m, NULL) == PVCLOCK_OK)
			methods[nr_methods++] = (enum pvclock_getcpu_method)m;
	have_rseq = pvclock_rseq_available();
	return 0;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu == pinned)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		abort();
	pinned = cpu;
}

/* system_time + bits 32..95 of the shifted delta times mul, in 32-bit halves. */
static uint64_t reference_ns(const struct pvclock_record *r, uint64_t tsc)
{
	uint64_t d = tsc - r->tsc_timestamp, lo, hi;
	int s = r->tsc_shift;

	if (s < 0)
		d >>= (unsigned)(-s) % 64u;
	else
		d <<= (unsigned)s % 64u;
	lo = (d & 0xffffffffu) * r->tsc_to_system_mul;
	hi = (d >> 32) * r->tsc_to_system_mul;
	return r->system_time + hi + (lo >> 32);
}

static unsigned errors_expected(enum pvclock_protocol p, const struct pvclock_record *r, int cpu, unsigned nr)
{
	unsigned e = 0;

	if (p == PVCLOCK_PROTO_RSEQ && !have_rseq)
		return 1u << -PVCLOCK_ENORSEQ;
	if (p != PVCLOCK_PROTO_VCPU0 && (unsigned)cpu >= nr)
		return 1u << -PVCLOCK_ECPU;
	if (r->version & 1)
		e |= 1u << -PVCLOCK_ESTUCK;
	if (p == PVCLOCK_PROTO_VCPU0 && !(r->flags & PVCLOCK_TSC_STABLE))
		e |= 1u << -PVCLOCK_EUNSTABLE;
	if (r->tsc_to_system_mul == 0)
		e |= 1u << -PVCLOCK_EINVALID;
	return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t strides[] = { 32, 36, 40, 64, 128 };
	struct fuzz_input in = { data, size };
	enum pvclock_protocol p = (enum pvclock_protocol)(fuzz_u8(&in) % PVCLOCK_PROTO_NR);
	enum pvclock_tsc_mode mode = tsc_modes[fuzz_u8(&in) % nr_tsc_modes];
	enum pvclock_getcpu_method gm = methods[nr_methods ? fuzz_u8(&in) % nr_methods : 0];
	unsigned nr = fuzz_u8(&in) % MAX_SLOTS + 1;
	size_t stride = strides[fuzz_u8(&in) % (sizeof(strides) / sizeof(strides[0]))];
	uint32_t retries = fuzz_u8(&in) % 8 + 1;
	int cpu = cpus[fuzz_u8(&in) % nr_cpus];
	unsigned flags = p == PVCLOCK_PROTO_MIGRATE ? PVCLOCK_MEM_MIGRATE_COUNT : 0;
	struct pvclock_record rec[MAX_SLOTS];
	uint32_t count[MAX_SLOTS];
	struct pvclock_source src;
	struct pvclock_time t, untouched;
	const struct pvclock_record *r;
	unsigned valid = 0, errors;
	unsigned char *buf;
	uint64_t before, after;
	int rc, want_cpu;

	if ((p == PVCLOCK_PROTO_PERCPU || p == PVCLOCK_PROTO_MIGRATE) && nr_methods == 0)
		return 0;
	for (unsigned k = 0; k < nr; k++) {
		fuzz_take(&in, &rec[k], sizeof(rec[k]));
		count[k] = fuzz_u32(&in);
	}
	(void)pvclock_tsc_khz(fuzz_u32(&in), (int8_t)fuzz_u8(&in));

	buf = calloc(nr, stride);
	if (!buf)
		abort();
	/* Opened on even versions: counting the valid slots of an odd one spins the default budget. */
	for (unsigned k = 0; k < nr; k++) {
		struct pvclock_record even = rec[k];

		even.version &= ~1u;
		memcpy(buf + k * stride, &even, sizeof(even));
		if (flags && stride >= 36)
			memcpy(buf + k * stride + PVCLOCK_MIGRATE_COUNT_OFFSET, &count[k], 4);
		valid += pvclock_record_valid(&even);
	}
	rc = pvclock_source_open_memory(&src, buf, stride, nr, flags);
	if (flags && stride < 36) {
		FUZZ_CHECK(rc == PVCLOCK_EARG, "open_memory with stride %zu and a counter: %d", stride, rc);
		free(buf);
		return 0;
	}
	FUZZ_CHECK(rc == PVCLOCK_OK, "open_memory(%u slots, stride %zu): %d", nr, stride, rc);
	FUZZ_CHECK(src.nr_valid == valid, "nr_valid %u, valid slots %u", src.nr_valid, valid);
	pvclock_source_set_max_retries(&src, retries);
	for (unsigned k = 0; k < nr; k++)
		memcpy(buf + k * stride, &rec[k], sizeof(rec[k]));

	for (unsigned k = 0; k < nr; k++) {
		struct pvclock_record snap;
		uint32_t m;

		rc = pvclock_source_snapshot(&src, k, &snap, &m);
		if (rec[k].version & 1) {
			FUZZ_CHECK(rc == PVCLOCK_ESTUCK, "snapshot of odd slot %u: %d", k, rc);
			continue;
		}
		FUZZ_CHECK(rc == PVCLOCK_OK && memcmp(&snap, &rec[k], sizeof(snap)) == 0 &&
				   m == (flags ? count[k] : 0),
			   "snapshot of slot %u: %d", k, rc);
	}
	FUZZ_CHECK(pvclock_source_snapshot(&src, nr, &(struct pvclock_record){ 0 }, NULL) == PVCLOCK_ECPU,
		   "snapshot past the last slot");

	pin(cpu);
	want_cpu = p == PVCLOCK_PROTO_VCPU0 ? 0 : cpu;
	r = (unsigned)want_cpu < nr ? &rec[want_cpu] : NULL;
	errors = r ? errors_expected(p, r, cpu, nr) : errors_expected(p, rec, cpu, nr);
	memset(&t, 0x5a, sizeof(t));
	untouched = t;
	before = pvclock_rdtsc_lfence();
	__asm__ __volatile__("lfence" ::: "memory");
	rc = pvclock_read_with(&src, p, gm, mode, &t);
	after = pvclock_rdtsc_lfence();

	if (rc != PVCLOCK_OK) {
		FUZZ_CHECK(rc < 0 && rc > -32 && (errors >> -rc & 1),
			   "%s on cpu %d of %u slots: status %d, expected one of %#x", pvclock_protocol_name(p), cpu,
			   nr, rc, errors);
		FUZZ_CHECK(memcmp(&t, &untouched, sizeof(t)) == 0, "%s: status %d wrote the reading",
			   pvclock_protocol_name(p), rc);
	} else {
		FUZZ_CHECK(errors == 0, "%s on cpu %d of %u slots: OK, expected one of %#x",
			   pvclock_protocol_name(p), cpu, nr, errors);
		FUZZ_CHECK(t.cpu == (uint32_t)want_cpu, "%s: cpu %u, expected %d", pvclock_protocol_name(p), t.cpu,
			   want_cpu);
		FUZZ_CHECK(t.flags == r->flags, "%s: flags %#x, record %#x", pvclock_protocol_name(p), t.flags,
			   r->flags);
		FUZZ_CHECK(t.tsc >= before && t.tsc <= after, "%s: tsc %llu outside [%llu, %llu]",
			   pvclock_protocol_name(p), (unsigned long long)t.tsc, (unsigned long long)before,
			   (unsigned long long)after);
		FUZZ_CHECK(t.ns == reference_ns(r, t.tsc), "%s: ns %llu, reference %llu", pvclock_protocol_name(p),
			   (unsigned long long)t.ns, (unsigned long long)reference_ns(r, t.tsc));
	}
	free(buf);
	return 0;
}
