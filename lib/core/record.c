/* SPDX-License-Identifier: MIT */
/* Records read whole under the version rule (pvclock/read.h), and their validity. */
#include "pvclock/error.h"
#include "pvclock/read.h"
#include "pvclock/source.h"

int pvclock_record_valid(const struct pvclock_record *rec)
{
	return rec && rec->version != 0 && !(rec->version & 1) && rec->tsc_to_system_mul != 0;
}

int pvclock_record_snapshot(const volatile struct pvclock_record *r, uint32_t tries,
			    struct pvclock_record *out, const volatile uint32_t *count,
			    uint32_t *count_out)
{
	uint32_t v, m = 0;

	if (!r || !out)
		return PVCLOCK_EARG;
	for (;;) {
		if (tries-- == 0)
			return PVCLOCK_ESTUCK;
		if (r->version & 1) {
			__asm__ __volatile__("pause");
			continue;
		}
		v = pvclock_read_begin(r);
		/* Between the two barriers; a torn copy fails the version check. */
		*out = *(const struct pvclock_record *)(uintptr_t)r;
		if (count)
			m = *count;
		if (!pvclock_read_retry(r, v))
			break;
	}
	if (count_out)
		*count_out = m;
	return PVCLOCK_OK;
}

int pvclock_source_snapshot(const struct pvclock_source *src, unsigned cpu,
			    struct pvclock_record *out, uint32_t *migrate_count)
{
	const volatile struct pvclock_record *r = pvclock_source_record(src, cpu);
	const volatile uint32_t *count = 0;
	uint32_t m = 0;
	int rc;

	if (!src || !out)
		return PVCLOCK_EARG;
	if (!pvclock_source_is_open(src))
		return PVCLOCK_ENOSOURCE;
	if (!r)
		return PVCLOCK_ECPU;
	if (src->has_migrate_count)
		count = (const volatile uint32_t *)((const volatile unsigned char *)r +
						    PVCLOCK_MIGRATE_COUNT_OFFSET);
	rc = pvclock_record_snapshot(r, src->max_retries, out, count, &m);
	if (rc == PVCLOCK_OK && migrate_count)
		*migrate_count = m;
	return rc;
}

/*
 * A record mid-update is not counted after this many attempts: a host
 * rewrites one in microseconds, and a page of slots that all stay odd must
 * not cost the full retry bound each (PVCLOCK_MAX_SLOTS of them).
 */
#define COUNT_TRIES 1024u

unsigned pvclock_source_count_valid(const struct pvclock_source *src)
{
	uint32_t tries;
	unsigned n = 0;

	if (!pvclock_source_is_open(src))
		return 0;
	tries = src->max_retries < COUNT_TRIES ? src->max_retries : COUNT_TRIES;
	for (unsigned cpu = 0; cpu < src->nr_slots; cpu++) {
		struct pvclock_record rec;

		if (pvclock_record_snapshot(pvclock_source_record(src, cpu), tries, &rec, 0, 0) ==
			    PVCLOCK_OK &&
		    pvclock_record_valid(&rec))
			n++;
	}
	return n;
}
