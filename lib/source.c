/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "pvclock/cpu.h"
#include "pvclock/error.h"
#include "pvclock/maps.h"
#include "pvclock/read.h"
#include "pvclock/source.h"

const char *pvclock_origin_name(enum pvclock_origin origin)
{
	switch (origin) {
	case PVCLOCK_ORIGIN_VVAR_VCLOCK: return "vvar_vclock";
	case PVCLOCK_ORIGIN_VVAR: return "vvar";
	case PVCLOCK_ORIGIN_MEMORY: return "memory";
	default: return "none";
	}
}

int pvclock_source_info(const struct pvclock_source *src, struct pvclock_source_info *info)
{
	struct pvclock_record rec0;
	int rc;

	if (!src || !info)
		return PVCLOCK_EARG;
	rc = pvclock_source_snapshot(src, 0, &rec0, NULL);
	if (rc != PVCLOCK_OK)
		return rc;
	info->origin = (enum pvclock_origin)src->origin;
	info->nr_slots = src->nr_slots;
	info->nr_valid = pvclock_source_count_valid(src);
	info->stride = src->stride;
	info->has_migrate_count = src->has_migrate_count;
	info->flags = rec0.flags;
	info->tsc_khz = pvclock_tsc_khz(rec0.tsc_to_system_mul, rec0.tsc_shift);
	return pvclock_record_valid(&rec0) ? PVCLOCK_OK : PVCLOCK_EINVALID;
}

int pvclock_source_set_tsc_mode(struct pvclock_source *src, enum pvclock_tsc_mode mode)
{
	struct pvclock_cpu_features f;

	if (!src || (unsigned)mode > PVCLOCK_TSC_UNORDERED)
		return PVCLOCK_EARG;
	if (!pvclock_source_is_open(src))
		return PVCLOCK_ENOSOURCE;
	pvclock_cpu_features(&f);
	if (mode == PVCLOCK_TSC_AUTO)
		mode = f.rdtscp ? PVCLOCK_TSC_RDTSCP : PVCLOCK_TSC_LFENCE;
	else if (mode == PVCLOCK_TSC_RDTSCP && !f.rdtscp)
		return PVCLOCK_ENOTSC;
	src->tsc_mode = (uint8_t)mode;
	return PVCLOCK_OK;
}

int pvclock_source_set_getcpu(struct pvclock_source *src, enum pvclock_getcpu_method method)
{
	int rc;

	if (!src || (unsigned)method >= PVCLOCK_GETCPU_NR_METHODS)
		return PVCLOCK_EARG;
	if (!pvclock_source_is_open(src))
		return PVCLOCK_ENOSOURCE;
	if (method == PVCLOCK_GETCPU_AUTO)
		method = pvclock_getcpu_best();
	rc = pvclock_getcpu_probe(method, NULL);
	if (rc == PVCLOCK_OK)
		src->getcpu = (uint8_t)method;
	return rc;
}

int pvclock_source_set_max_retries(struct pvclock_source *src, uint32_t max_retries)
{
	if (!src)
		return PVCLOCK_EARG;
	if (!pvclock_source_is_open(src))
		return PVCLOCK_ENOSOURCE;
	src->max_retries = max_retries ? max_retries : PVCLOCK_DEFAULT_MAX_RETRIES;
	return PVCLOCK_OK;
}

static void source_init(struct pvclock_source *src, const void *slots, size_t stride,
			unsigned nr_slots, enum pvclock_origin origin)
{
	memset(src, 0, sizeof(*src));
	src->slots = slots;
	src->stride = stride;
	src->nr_slots = nr_slots;
	src->origin = (uint8_t)origin;
	src->max_retries = PVCLOCK_DEFAULT_MAX_RETRIES;
	pvclock_source_set_tsc_mode(src, PVCLOCK_TSC_AUTO);
	src->getcpu = PVCLOCK_GETCPU_SYSCALL;
}

int pvclock_source_open_memory(struct pvclock_source *src, const void *slots, size_t stride,
			       unsigned nr_slots, unsigned flags)
{
	size_t need = sizeof(struct pvclock_record), extent;

	if (!src)
		return PVCLOCK_EARG;
	memset(src, 0, sizeof(*src));
	if (flags & PVCLOCK_MEM_MIGRATE_COUNT)
		need = PVCLOCK_MIGRATE_COUNT_OFFSET + sizeof(uint32_t);
	if (!slots || nr_slots == 0 || nr_slots > PVCLOCK_MAX_SLOTS || stride < need ||
	    (flags & ~PVCLOCK_MEM_MIGRATE_COUNT) || ((uintptr_t)slots & 3) || (stride & 3))
		return PVCLOCK_EARG;
	/* The last slot must end inside the address space. */
	if (__builtin_mul_overflow((size_t)(nr_slots - 1), stride, &extent) ||
	    __builtin_add_overflow(extent, need, &extent) || extent - 1 > UINTPTR_MAX - (uintptr_t)slots)
		return PVCLOCK_EARG;
	source_init(src, slots, stride, nr_slots, PVCLOCK_ORIGIN_MEMORY);
	src->has_migrate_count = !!(flags & PVCLOCK_MEM_MIGRATE_COUNT);
	src->nr_valid = pvclock_source_count_valid(src);
	pvclock_source_set_getcpu(src, PVCLOCK_GETCPU_AUTO);
	return PVCLOCK_OK;
}

static int slot_looks_valid(const unsigned char *page, size_t off)
{
	struct pvclock_record rec;

	memcpy(&rec, page + off, sizeof(rec));
	return pvclock_record_valid(&rec);
}

static int slot_is_zero(const unsigned char *page, size_t off)
{
	for (size_t i = 0; i < sizeof(struct pvclock_record); i++)
		if (page[off + i])
			return 0;
	return 1;
}

static int open_hit(struct pvclock_source *src, const struct pvclock_maps_hit *hit)
{
	const unsigned char *page = (const unsigned char *)hit->page;
	size_t stride = PVCLOCK_SLOT_STRIDE;
	struct pvclock_record rec0;
	int rc;

	if (hit->page < hit->start || hit->page > hit->end || hit->end - hit->page < PVCLOCK_PAGE_SIZE)
		return PVCLOCK_ENOPAGE;
	/* Probing first: touching a page the kernel never enabled raises SIGBUS. */
	rc = pvclock_probe_readable(page, PVCLOCK_PAGE_SIZE);
	if (rc != PVCLOCK_OK)
		return rc;
	/* Kernels built for the Pentium 4 space the slots 128 bytes apart. */
	if (!slot_looks_valid(page, PVCLOCK_SLOT_STRIDE) && slot_is_zero(page, PVCLOCK_SLOT_STRIDE) &&
	    slot_looks_valid(page, PVCLOCK_SLOT_STRIDE_P4))
		stride = PVCLOCK_SLOT_STRIDE_P4;
	source_init(src, page, stride, PVCLOCK_PAGE_SIZE / stride, hit->origin);
	src->map_start = hit->start;
	src->map_end = hit->end;
	rc = pvclock_source_snapshot(src, 0, &rec0, NULL);
	if (rc == PVCLOCK_OK && !pvclock_record_valid(&rec0))
		rc = PVCLOCK_EINVALID;
	if (rc != PVCLOCK_OK) {
		memset(src, 0, sizeof(*src));
		return rc;
	}
	src->nr_valid = pvclock_source_count_valid(src);
	pvclock_source_set_getcpu(src, PVCLOCK_GETCPU_AUTO);
	return PVCLOCK_OK;
}

int pvclock_source_open_kernel_maps(struct pvclock_source *src, const char *maps_text)
{
	struct pvclock_maps_hit hit;
	int rc;

	if (!src)
		return PVCLOCK_EARG;
	memset(src, 0, sizeof(*src));
	if (!maps_text)
		return PVCLOCK_EARG;
	rc = pvclock_maps_find(maps_text, &hit);
	return rc == PVCLOCK_OK ? open_hit(src, &hit) : rc;
}

int pvclock_source_open_kernel(struct pvclock_source *src)
{
	struct pvclock_maps_hit hit;
	int rc;

	if (!src)
		return PVCLOCK_EARG;
	memset(src, 0, sizeof(*src));
	rc = pvclock_maps_find_self(&hit);
	if (rc == PVCLOCK_OK)
		rc = open_hit(src, &hit);
	/* A confidential guest's host may lie in the records it writes. */
	if (rc == PVCLOCK_OK && pvclock_cpu_confidential() != PVCLOCK_CC_NONE) {
		const char *trust = getenv("PVCLOCK_TRUST_HOST");

		if (!trust || strcmp(trust, "1") != 0) {
			memset(src, 0, sizeof(*src));
			return PVCLOCK_EUNTRUSTED;
		}
	}
	return rc;
}
