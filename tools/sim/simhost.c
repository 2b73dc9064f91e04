/* SPDX-License-Identifier: MIT */
/*
 * simhost.c - the simulated hypervisor and guest scheduler (see simhost.h).
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pvclock/abi.h"
#include "pvclock/math.h"
#include "pvclock/tsc.h"
#include "simhost.h"

/* 7/16 ns per tick: exact in 32.32 fixed point for deltas that are multiples of 16. */
#define BASE_MUL   (7u << 28)
#define TS_ALIGN   16u
/* Representations (BASE_MUL >> s, s) for s = 0..3 scale every delta alike. */
#define NR_REPR    4u
/* change_rate: a new rate at most every 2^18 ticks, 2^16 of them remembered. */
#define RATE_MIN_TICKS (1ull << 18)
#define HISTORY    (1u << 16)
/* Start H far from 0 so that offsets and rounding never go below zero. */
#define H_ORIGIN_NS 1000000000000ull

struct segment {
	uint64_t tsc;    /* where it starts */
	uint64_t ns;     /* H there */
	uint32_t mul;    /* divisible by 8, so every representation is exact */
};

struct simhost {
	struct simhost_config cfg;
	unsigned char *mem;
	size_t mem_size;
	uint32_t slow_mul, fast_mul;
	uint64_t origin_tsc;         /* tsc_timestamps are multiples of 16 ticks from here */

	pthread_mutex_t lock;        /* writer rounds vs fault injection */
	pthread_t thread;
	int running;
	int stop;                    /* atomic */

	uint64_t updates;            /* atomic */
	uint64_t migrations;         /* atomic */
	uint64_t round;              /* under lock */
	int stable_force;            /* -1: config decides */
	unsigned char stuck[SIMHOST_MAX_VCPUS];
	unsigned char uninit[SIMHOST_MAX_VCPUS];
	uint64_t rng;

	/* H's segments; seg_count is published with release after the entry. */
	uint64_t seg_count;
	struct segment seg[HISTORY];
};

static inline uint64_t tsc_after_full_barrier(void)
{
	/* A full barrier, then LFENCE;RDTSC: earlier stores are visible before RDTSC executes. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return pvclock_rdtsc_lfence();
}

static uint64_t next_random(struct simhost *h)
{
	/* xorshift64: garbage only has to differ from the real fields. */
	h->rng ^= h->rng << 13;
	h->rng ^= h->rng >> 7;
	h->rng ^= h->rng << 17;
	return h->rng;
}

static volatile struct pvclock_record *slot(struct simhost *h, unsigned cpu)
{
	return (volatile struct pvclock_record *)(h->mem + (size_t)cpu * h->cfg.stride);
}

static uint32_t *migrate_counter(struct simhost *h, unsigned cpu)
{
	return (uint32_t *)(h->mem + (size_t)cpu * h->cfg.stride + PVCLOCK_MIGRATE_COUNT_OFFSET);
}

static const struct segment *segment_at(const struct simhost *h, uint64_t n)
{
	return &h->seg[n % HISTORY];
}

/* The newest segment starting at or before @tsc (the oldest kept when none does). */
static struct segment find_segment(struct simhost *h, uint64_t tsc)
{
	uint64_t n = __atomic_load_n(&h->seg_count, __ATOMIC_ACQUIRE);
	uint64_t oldest = n > HISTORY ? n - HISTORY : 0;
	struct segment s;

	for (uint64_t i = n; i-- > oldest;) {
		s = *segment_at(h, i);
		if ((int64_t)(tsc - s.tsc) >= 0)
			return s;
	}
	return *segment_at(h, oldest);
}

static uint64_t host_clock(struct simhost *h, uint64_t tsc)
{
	struct segment s = find_segment(h, tsc);

	return pvclock_time_at(s.ns, s.tsc, s.mul, 0, tsc);
}

/* tsc_timestamp for a TSC read at @tsc: at or before it, a multiple of 16 from H's origin. */
static uint64_t aligned_ts(struct simhost *h, uint64_t tsc)
{
	return tsc - (tsc - h->origin_tsc) % TS_ALIGN;
}

static int rate_change_due(struct simhost *h, uint64_t tsc)
{
	return h->cfg.change_rate && tsc - segment_at(h, h->seg_count - 1)->tsc >= RATE_MIN_TICKS;
}

/*
 * A new rate starts at @tsc.  Called with the lock held (the only writer of
 * the history) and only in lockstep rounds: were the vCPUs rewritten one by
 * one, a vCPU still holding the old rate would drift from H until its turn.
 */
static void maybe_change_rate(struct simhost *h, uint64_t tsc)
{
	uint64_t n = h->seg_count;
	const struct segment *cur = segment_at(h, n - 1);
	struct segment next;

	if (!rate_change_due(h, tsc))
		return;
	/* Aligned like the tsc_timestamps about to be written, which must not precede it. */
	next.tsc = aligned_ts(h, tsc);
	next.ns = pvclock_time_at(cur->ns, cur->tsc, cur->mul, 0, next.tsc);
	next.mul = cur->mul == h->slow_mul ? h->fast_mul : h->slow_mul;
	h->seg[n % HISTORY] = next;
	__atomic_store_n(&h->seg_count, n + 1, __ATOMIC_RELEASE);
}

static int stable_flag(const struct simhost *h)
{
	int stable = h->stable_force >= 0 ? h->stable_force : h->cfg.masterclock;

	if (h->cfg.flip_stable && h->round % 4 == 3)
		stable = 0;
	return stable;
}

static void scribble(struct simhost *h, volatile struct pvclock_record *r)
{
	uint64_t g = next_random(h);

	r->tsc_timestamp = g;
	r->system_time = ~g;
	r->tsc_to_system_mul = (uint32_t)(g >> 17) | 1u;
	r->tsc_shift = (int8_t)(g >> 50);
	r->flags = (uint8_t)(g >> 3);
	/* Hold the garbage long enough for a reader on another CPU to load it. */
	for (int i = 0; i < 32; i++)
		__asm__ __volatile__("pause" ::: "memory");
}

/* The record's fields for (@ts, @seg), in the representation of this round. */
static void write_fields(struct simhost *h, unsigned cpu, volatile struct pvclock_record *r,
			 uint64_t ts, const struct segment *seg, int stable)
{
	unsigned s = h->cfg.change_representation ? (unsigned)((h->round + cpu) % NR_REPR) : 0;

	if (h->cfg.garbage_while_odd)
		scribble(h, r);
	r->tsc_timestamp = ts;
	r->system_time = pvclock_time_at(seg->ns, seg->tsc, seg->mul, 0, ts) +
			 (uint64_t)cpu * h->cfg.vcpu_offset_ns -
			 (h->round % 2 ? h->cfg.step_back_ns : 0);
	r->tsc_to_system_mul = seg->mul >> s;
	r->tsc_shift = (int8_t)s;
	r->flags = stable ? PVCLOCK_TSC_STABLE : 0;
}

/*
 * The records sit at 4-byte aligned slots: through void *, the compiler may
 * assume the packed field's natural alignment (a plain store, not a call).
 */
static void version_odd(volatile struct pvclock_record *r)
{
	uint32_t v = r->version;

	__atomic_store_n((uint32_t *)(void *)&r->version, v | 1u, __ATOMIC_RELAXED);
}

static void version_even(volatile struct pvclock_record *r)
{
	uint32_t v = r->version;

	/* Release: the fields are visible before the even version. */
	__atomic_store_n((uint32_t *)(void *)&r->version, v + 1, __ATOMIC_RELEASE);
}

static int writable(const struct simhost *h, unsigned cpu)
{
	return !h->stuck[cpu] && !h->uninit[cpu];
}

static void round_masterclock(struct simhost *h)
{
	unsigned n = h->cfg.nr_vcpus, written = 0;
	int stable = stable_flag(h);
	struct segment seg;
	uint64_t tsc, ts;

	for (unsigned cpu = 0; cpu < n; cpu++)
		if (writable(h, cpu))
			version_odd(slot(h, cpu));
	tsc = tsc_after_full_barrier();
	maybe_change_rate(h, tsc);
	seg = *segment_at(h, h->seg_count - 1);
	ts = aligned_ts(h, tsc);
	for (unsigned cpu = 0; cpu < n; cpu++) {
		if (!writable(h, cpu))
			continue;
		write_fields(h, cpu, slot(h, cpu), ts, &seg, stable);
		written++;
	}
	for (unsigned cpu = 0; cpu < n; cpu++)
		if (writable(h, cpu))
			version_even(slot(h, cpu));
	__atomic_fetch_add(&h->updates, written, __ATOMIC_RELAXED);
}

static void write_one(struct simhost *h, unsigned cpu, int stable)
{
	volatile struct pvclock_record *r = slot(h, cpu);
	struct segment seg;
	uint64_t tsc;

	version_odd(r);
	tsc = tsc_after_full_barrier();
	seg = *segment_at(h, h->seg_count - 1);
	write_fields(h, cpu, r, aligned_ts(h, tsc), &seg, stable);
	version_even(r);
	__atomic_fetch_add(&h->updates, 1, __ATOMIC_RELAXED);
}

static void round_locked(struct simhost *h)
{
	if (h->cfg.masterclock || rate_change_due(h, pvclock_rdtsc_lfence())) {
		round_masterclock(h);
	} else {
		int stable = stable_flag(h);

		for (unsigned cpu = 0; cpu < h->cfg.nr_vcpus; cpu++)
			if (writable(h, cpu))
				write_one(h, cpu, stable);
	}
	h->round++;
}

void simhost_update(struct simhost *h)
{
	pthread_mutex_lock(&h->lock);
	round_locked(h);
	pthread_mutex_unlock(&h->lock);
}

static void pause_ns(unsigned ns)
{
	struct timespec t0, t;

	if (ns >= 100000) {
		struct timespec d = { ns / 1000000000u, ns % 1000000000u };

		while (nanosleep(&d, &d) != 0 && errno == EINTR)
			;
		return;
	}
	/* Short pauses spin: a sleep would last tens of microseconds at least. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((uint64_t)(t.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t.tv_nsec -
		       (uint64_t)t0.tv_nsec < ns);
}

static void *writer(void *arg)
{
	struct simhost *h = arg;

	while (!__atomic_load_n(&h->stop, __ATOMIC_RELAXED)) {
		simhost_update(h);
		if (h->cfg.update_ns)
			pause_ns(h->cfg.update_ns);
	}
	return NULL;
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > (long)SIMHOST_MAX_VCPUS ? SIMHOST_MAX_VCPUS : (unsigned)n;
}

struct simhost *simhost_create(const struct simhost_config *cfg)
{
	struct simhost_config c = cfg ? *cfg : (struct simhost_config){ 0 };
	struct simhost *h;
	uint64_t tsc;

	if (c.nr_vcpus == 0)
		c.nr_vcpus = online_cpus();
	if (c.stride == 0)
		c.stride = PVCLOCK_SLOT_STRIDE;
	if (c.rate_ppm == 0)
		c.rate_ppm = 100;
	if (c.nr_vcpus > SIMHOST_MAX_VCPUS || c.rate_ppm > 100000 || c.step_back_ns > 1000000000u ||
	    (c.stride != PVCLOCK_SLOT_STRIDE && c.stride != PVCLOCK_SLOT_STRIDE_P4))
		return NULL;

	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->cfg = c;
	h->mem_size = (c.nr_vcpus * c.stride + PVCLOCK_PAGE_SIZE - 1) & ~(size_t)(PVCLOCK_PAGE_SIZE - 1);
	h->mem = mmap(NULL, h->mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h->mem == MAP_FAILED || pthread_mutex_init(&h->lock, NULL) != 0) {
		if (h->mem != MAP_FAILED)
			munmap(h->mem, h->mem_size);
		free(h);
		return NULL;
	}
	h->slow_mul = BASE_MUL;
	/* Rounded down to a multiple of 8 so that every representation stays exact. */
	h->fast_mul = (uint32_t)(BASE_MUL + (uint64_t)BASE_MUL * c.rate_ppm / 1000000u) & ~7u;
	h->stable_force = -1;
	tsc = pvclock_rdtsc_lfence();
	h->rng = tsc | 1;
	h->origin_tsc = tsc;
	h->seg[0] = (struct segment){ tsc, H_ORIGIN_NS, BASE_MUL };
	h->seg_count = 1;
	simhost_update(h);
	return h;
}

int simhost_start(struct simhost *h)
{
	int rc;

	if (h->running)
		return EBUSY;
	__atomic_store_n(&h->stop, 0, __ATOMIC_RELAXED);
	rc = pthread_create(&h->thread, NULL, writer, h);
	if (rc == 0)
		h->running = 1;
	return rc;
}

void simhost_stop(struct simhost *h)
{
	if (!h->running)
		return;
	__atomic_store_n(&h->stop, 1, __ATOMIC_RELAXED);
	pthread_join(h->thread, NULL);
	h->running = 0;
}

void simhost_destroy(struct simhost *h)
{
	if (!h)
		return;
	simhost_stop(h);
	pthread_mutex_destroy(&h->lock);
	munmap(h->mem, h->mem_size);
	free(h);
}

void *simhost_slots(struct simhost *h)
{
	return h->mem;
}

size_t simhost_stride(const struct simhost *h)
{
	return h->cfg.stride;
}

unsigned simhost_nr_vcpus(const struct simhost *h)
{
	return h->cfg.nr_vcpus;
}

size_t simhost_mem_size(const struct simhost *h)
{
	return h->mem_size;
}

uint64_t simhost_clock(struct simhost *h, unsigned cpu, uint64_t tsc)
{
	return host_clock(h, tsc) + (uint64_t)cpu * h->cfg.vcpu_offset_ns;
}

uint64_t simhost_tolerance_ns(const struct simhost *h, uint64_t ticks)
{
	if (!h->cfg.change_rate)
		return 0;
	/* 1 ns of rounding, plus the rate difference over the read (rounded up). */
	return 1 + pvclock_scale_delta(ticks, h->fast_mul - h->slow_mul, 0) + 1;
}

uint64_t simhost_updates(const struct simhost *h)
{
	return __atomic_load_n(&h->updates, __ATOMIC_RELAXED);
}

uint64_t simhost_migrations(const struct simhost *h)
{
	return __atomic_load_n(&h->migrations, __ATOMIC_RELAXED);
}

uint32_t simhost_migrate_count(struct simhost *h, unsigned cpu)
{
	if (!h->cfg.migrate_count || cpu >= h->cfg.nr_vcpus)
		return 0;
	return __atomic_load_n(migrate_counter(h, cpu), __ATOMIC_RELAXED);
}

void simhost_stick_odd(struct simhost *h, unsigned cpu, int stuck)
{
	if (cpu >= h->cfg.nr_vcpus)
		return;
	pthread_mutex_lock(&h->lock);
	if (stuck && !h->stuck[cpu]) {
		version_odd(slot(h, cpu));
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		h->stuck[cpu] = 1;
	} else if (!stuck && h->stuck[cpu]) {
		h->stuck[cpu] = 0;
		if (!h->uninit[cpu])
			write_one(h, cpu, stable_flag(h));
	}
	pthread_mutex_unlock(&h->lock);
}

void simhost_uninit(struct simhost *h, unsigned cpu)
{
	volatile unsigned char *p;

	if (cpu >= h->cfg.nr_vcpus)
		return;
	pthread_mutex_lock(&h->lock);
	h->uninit[cpu] = 1;
	p = h->mem + (size_t)cpu * h->cfg.stride;
	for (size_t i = 0; i < h->cfg.stride; i++)
		p[i] = 0;
	pthread_mutex_unlock(&h->lock);
}

void simhost_set_stable(struct simhost *h, int stable)
{
	pthread_mutex_lock(&h->lock);
	h->stable_force = stable < 0 ? -1 : !!stable;
	round_locked(h);
	pthread_mutex_unlock(&h->lock);
}

int simhost_migrate(struct simhost *h, pthread_t thread, unsigned from, unsigned to)
{
	cpu_set_t set;
	int rc;

	if (from >= h->cfg.nr_vcpus || to >= h->cfg.nr_vcpus || to >= CPU_SETSIZE)
		return EINVAL;
	if (h->cfg.migrate_count)
		__atomic_fetch_add(migrate_counter(h, from), 1, __ATOMIC_SEQ_CST);
	CPU_ZERO(&set);
	CPU_SET(to, &set);
	rc = pthread_setaffinity_np(thread, sizeof(set), &set);
	if (h->cfg.migrate_count)
		__atomic_fetch_add(migrate_counter(h, from), 1, __ATOMIC_SEQ_CST);
	if (rc == 0)
		__atomic_fetch_add(&h->migrations, 1, __ATOMIC_RELAXED);
	return rc;
}
