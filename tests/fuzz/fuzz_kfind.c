/* SPDX-License-Identifier: MIT */
/*
 * The kernel time-data recogniser, pvclock_kfind_time_data(), over an arbitrary
 * image of up to four pages.
 *
 * Input: the mapping's length in pages (0-4), a mask of the pages
 * readable() allows, then for each page the bytes at its start (WINDOW of
 * them; the rest of each page is zero: no layout has a block beyond byte
 * 608).
 *
 * Properties:
 *  - it touches no byte outside the readable pages of the mapping (every
 *    other byte of the image is poisoned for AddressSanitizer) and asks
 *    readable() only about memory inside the mapping;
 *  - it returns 1 exactly when one of the layouts fits as its header
 *    comment states, and then names the newest that fits, with the blocks,
 *    namespace page and clock mode of that fit.  The layouts are written
 *    out here again from the kernel's structures (kdata.h's table), and
 *    the image is read as bytes, not through struct kdata_clock.
 */
#include <sanitizer/asan_interface.h>
#include <stdint.h>
#include <string.h>

#include "kfind.h"
#include "fuzz.h"

#define PAGE 4096u
#define PAGES 4u
#define WINDOW 1024u

/* The mapping's pages and one more, always poisoned. */
static _Alignas(4096) unsigned char image[(PAGES + 1) * PAGE];
static uintptr_t map_start, map_end;
static unsigned readable_mask;

static int page_readable(uintptr_t addr, size_t len)
{
	if (addr < map_start || addr > map_end || len > map_end - addr)
		return 0;
	for (uintptr_t a = addr & ~(uintptr_t)(PAGE - 1); a < addr + len; a += PAGE)
		if (!(readable_mask >> ((a - map_start) / PAGE) & 1))
			return 0;
	return 1;
}

static int readable(const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr;

	FUZZ_CHECK(a >= map_start && a <= map_end && len <= map_end - a,
		   "readable(+%#lx, %zu) outside the mapping of %#lx bytes",
		   (unsigned long)(a - map_start), len, (unsigned long)(map_end - map_start));
	return page_readable(a, len);
}

/* The four layouts, from the kernel's structures of each era. */
struct era {
	unsigned offset;          /* first block in its page */
	unsigned stride;          /* to the MONOTONIC_RAW block */
	int has_max_cycles;
	unsigned ns_page;         /* real data inside a time namespace */
};

static const struct era eras[KDATA_ERAS] = {
	{ 0, 232, 1, 1 },
	{ 0, 248, 1, 1 },
	{ 128, 248, 1, 3 },
	{ 128, 240, 0, 3 },
};

static uint64_t at64(uintptr_t a)
{
	uint64_t v;

	memcpy(&v, (const void *)a, 8);
	return v;
}

static uint32_t at32(uintptr_t a)
{
	uint32_t v;

	memcpy(&v, (const void *)a, 4);
	return v;
}

static int32_t mode_at(uintptr_t block)
{
	return (int32_t)at32(block + 4);
}

static int is_timens(int32_t mode)
{
	return mode == 0x7fffffff || mode == -1;
}

/* Both blocks at @first: same mode TSC/PVCLOCK/HVCLOCK, mask ~0, mult, shift < 64, max_cycles. */
static int blocks_fit(const struct era *e, uintptr_t first)
{
	int32_t mode = mode_at(first);

	if (mode != 1 && mode != 2 && mode != 3)
		return 0;
	for (unsigned blk = 0; blk < 2; blk++) {
		uintptr_t b = first + blk * e->stride;
		/* With max_cycles: mask at 24, mult 32, shift 36; without: 16, 24, 28. */
		uintptr_t mask = b + (e->has_max_cycles ? 24 : 16);

		if (mode_at(b) != mode || at64(mask) != ~0ull || at32(mask + 8) == 0 ||
		    at32(mask + 12) >= 64 || (e->has_max_cycles && at64(b + 16) == 0))
			return 0;
	}
	return 1;
}

static int head_zero(const struct era *e, uintptr_t page)
{
	for (unsigned i = 0; i < e->offset; i++)
		if (((const unsigned char *)page)[i])
			return 0;
	return 1;
}

struct fit {
	uintptr_t kd, ns;
	int32_t mode;
};

static int era_fits(const struct era *e, struct fit *f)
{
	uintptr_t data = map_start;

	if (map_end - map_start < PAGE || !page_readable(map_start, PAGE) || !head_zero(e, map_start))
		return 0;
	f->ns = 0;
	if (is_timens(mode_at(map_start + e->offset))) {
		if (!is_timens(mode_at(map_start + e->offset + e->stride)))
			return 0;
		data = map_start + e->ns_page * PAGE;
		if (map_end - map_start < (e->ns_page + 1) * PAGE || !page_readable(data, PAGE) ||
		    !head_zero(e, data))
			return 0;
		f->ns = map_start + e->offset;
	}
	if (!blocks_fit(e, data + e->offset))
		return 0;
	f->kd = data + e->offset;
	f->mode = mode_at(f->kd);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	unsigned pages = fuzz_u8(&in) % (PAGES + 1);
	struct kfind_result got;
	struct fit fit = { 0, 0, 0 };
	int want = -1, rc;

	readable_mask = fuzz_u8(&in) & ((1u << pages) - 1);
	ASAN_UNPOISON_MEMORY_REGION(image, sizeof(image));
	memset(image, 0, sizeof(image));
	for (unsigned p = 0; p < pages; p++)
		fuzz_take(&in, image + p * PAGE, WINDOW);
	map_start = (uintptr_t)image;
	map_end = map_start + pages * PAGE;
	for (unsigned p = 0; p <= PAGES; p++)
		if (!(readable_mask >> p & 1))
			ASAN_POISON_MEMORY_REGION(image + p * PAGE, PAGE);

	for (unsigned e = 0; e < KDATA_ERAS && want < 0; e++)
		if (era_fits(&eras[e], &fit))
			want = (int)e;

	memset(&got, 0xa5, sizeof(got));
	rc = pvclock_kfind_time_data(map_start, map_end, readable, &got);
	FUZZ_CHECK(rc == (want >= 0), "pvclock_kfind_time_data %d, a layout fits: era %d", rc, want);
	if (rc != 1)
		return 0;
	FUZZ_CHECK(got.era == (enum kdata_era)want, "era %d, the newest that fits: %d", got.era, want);
	FUZZ_CHECK((uintptr_t)got.kd == fit.kd && (uintptr_t)got.ns == fit.ns && got.mode == fit.mode,
		   "kd +%#lx ns %#lx mode %d; expected kd +%#lx ns %#lx mode %d",
		   (unsigned long)((uintptr_t)got.kd - map_start), (unsigned long)(uintptr_t)got.ns,
		   got.mode, (unsigned long)(fit.kd - map_start), (unsigned long)fit.ns, fit.mode);
	/* kdata.h's table agrees with the one above. */
	FUZZ_CHECK(kdata_layouts[want].offset == eras[want].offset &&
			   kdata_layouts[want].stride == eras[want].stride &&
			   (kdata_layouts[want].foff == 0) == eras[want].has_max_cycles &&
			   kdata_layouts[want].ns_page == eras[want].ns_page,
		   "kdata_layouts[%d]", want);
	return 0;
}
