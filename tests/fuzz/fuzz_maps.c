/* SPDX-License-Identifier: MIT */
/*
 * The two maps parsers: the library's pvclock_maps_find() and the
 * drop-in's pvclock_proc_maps_feed(), on the same text.
 *
 * Input: one byte choosing the size of the pieces the drop-in is fed (as
 * read() might return them), then the maps text.
 *
 * Properties:
 *  - each parser's answer is well formed (a non-empty range; the page is
 *    the first page of [vvar_vclock], the second of a [vvar] of two pages
 *    or more);
 *  - the drop-in gives the same answer whatever the pieces;
 *  - on text shaped as the kernel writes /proc/self/maps both pick the
 *    same pvclock page from the same mapping, or both find none.  The
 *    drop-in's pick is init.c's open_pvclock(): the first [vvar_vclock],
 *    else the first [vvar] when it spans two pages.  Kernel-shaped means:
 *    every line "<hex>-<hex> ..." in lower-case hex of at most 16 digits
 *    with a space after the range, printable ASCII without tabs, at most
 *    160 bytes, ended by a newline; and not several [vvar] lines of which
 *    the first valid one is shorter than two pages (the library then takes
 *    a later one, the drop-in none: the kernel maps one [vvar]).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvclock/error.h"
#include "pvclock/maps.h"
#include "procfs.h"
#include "fuzz.h"

#define PAGE 4096u

struct pick {
	int origin;            /* enum pvclock_origin */
	uintptr_t start, end, page;
};

/* pvclock_proc_maps_feed() over @text in pieces of @piece bytes. */
static int dropin_mapping(const char *text, size_t n, size_t piece, const char *name,
			  uintptr_t *start, uintptr_t *end)
{
	struct proc_maps st;

	pvclock_proc_maps_init(&st, name);
	for (size_t off = 0; off < n; off += piece) {
		size_t k = n - off < piece ? n - off : piece;

		if (pvclock_proc_maps_feed(&st, text + off, k, start, end))
			return 1;
	}
	return 0;
}

/* The drop-in's answer for @name, checked to be the same in pieces of @piece as whole. */
static int dropin_mapping_checked(const char *text, size_t n, size_t piece, const char *name,
				  uintptr_t *a, uintptr_t *b)
{
	uintptr_t a2, b2;
	int found = dropin_mapping(text, n, piece, name, a, b);
	int found2 = dropin_mapping(text, n, n ? n : 1, name, &a2, &b2);

	FUZZ_CHECK(found == found2 && (!found || (*a == a2 && *b == b2)),
		   "%s in pieces of %zu: %d %#lx-%#lx, whole: %d %#lx-%#lx", name, piece, found,
		   (unsigned long)*a, (unsigned long)*b, found2, (unsigned long)a2, (unsigned long)b2);
	FUZZ_CHECK(!found || *a < *b, "%s %#lx-%#lx", name, (unsigned long)*a, (unsigned long)*b);
	return found;
}

/* The drop-in's pvclock page, as open_pvclock() chooses it. */
static struct pick dropin_pick(const char *text, size_t n, size_t piece)
{
	struct pick p = { PVCLOCK_ORIGIN_NONE, 0, 0, 0 };
	uintptr_t a, b;

	if (dropin_mapping_checked(text, n, piece, "[vvar_vclock]", &a, &b))
		return (struct pick){ PVCLOCK_ORIGIN_VVAR_VCLOCK, a, b, a };
	if (dropin_mapping_checked(text, n, piece, "[vvar]", &a, &b) && b - a >= 2 * PAGE)
		return (struct pick){ PVCLOCK_ORIGIN_VVAR, a, b, a + PAGE };
	return p;
}

static struct pick library_pick(const char *text, size_t n)
{
	struct pvclock_maps_hit hit;
	char *s = malloc(n + 1);
	int rc;

	if (!s)
		abort();
	memcpy(s, text, n);
	s[n] = '\0';
	rc = pvclock_maps_find(s, &hit);
	free(s);
	FUZZ_CHECK(rc == PVCLOCK_OK || rc == PVCLOCK_ENOPAGE, "pvclock_maps_find: %d", rc);
	if (rc != PVCLOCK_OK)
		return (struct pick){ PVCLOCK_ORIGIN_NONE, 0, 0, 0 };
	FUZZ_CHECK(hit.start < hit.end, "%#lx-%#lx", (unsigned long)hit.start, (unsigned long)hit.end);
	if (hit.origin == PVCLOCK_ORIGIN_VVAR_VCLOCK)
		FUZZ_CHECK(hit.page == hit.start, "vvar_vclock page %#lx", (unsigned long)hit.page);
	else
		FUZZ_CHECK(hit.origin == PVCLOCK_ORIGIN_VVAR && hit.end - hit.start >= 2 * PAGE &&
				   hit.page == hit.start + PAGE,
			   "origin %d %#lx-%#lx page %#lx", hit.origin, (unsigned long)hit.start,
			   (unsigned long)hit.end, (unsigned long)hit.page);
	return (struct pick){ (int)hit.origin, hit.start, hit.end, hit.page };
}

static int hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static uintptr_t hex_value(const char *s, size_t n)
{
	uintptr_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 4 | (uintptr_t)(s[i] <= '9' ? s[i] - '0' : s[i] - 'a' + 10);
	return v;
}

/* A kernel-shaped line's range; 0 when the line is not kernel-shaped. */
static int shaped_line(const char *s, size_t n, uintptr_t *start, uintptr_t *end)
{
	size_t i = 0, a, b;

	if (n > 160)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (s[k] < 0x20 || s[k] > 0x7e)
			return 0;
	while (i < n && hex_digit(s[i]))
		i++;
	a = i;
	if (a == 0 || a > 16 || i >= n || s[i++] != '-')
		return 0;
	while (i < n && hex_digit(s[i]))
		i++;
	b = i - a - 1;
	if (b == 0 || b > 16 || i >= n || s[i] != ' ')
		return 0;
	*start = hex_value(s, a);
	*end = hex_value(s + a + 1, b);
	return 1;
}

/* Whether the line, its trailing spaces dropped, ends in " @name". */
static int names(const char *s, size_t n, const char *name)
{
	size_t k = strlen(name);

	while (n && s[n - 1] == ' ')
		n--;
	return n >= k + 1 && s[n - k - 1] == ' ' && memcmp(s + n - k, name, k) == 0;
}

static int kernel_shaped(const char *text, size_t n)
{
	int vvar_seen = 0, vvar_short = 0;

	if (n && text[n - 1] != '\n')
		return 0;
	for (size_t i = 0; i < n;) {
		const char *eol = memchr(text + i, '\n', n - i);
		size_t len = (size_t)(eol - (text + i));
		uintptr_t start, end;

		if (!shaped_line(text + i, len, &start, &end))
			return 0;
		if (names(text + i, len, "[vvar]") && start < end) {
			if (!vvar_seen)
				vvar_short = end - start < 2 * PAGE;
			else if (vvar_short)
				return 0;
			vvar_seen = 1;
		}
		i += len + 1;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text;
	struct pick lib, dropin;
	size_t n, piece;

	if (size < 1)
		return 0;
	piece = (size_t)data[0] + 1;
	text = (const char *)data + 1;
	n = size - 1;

	lib = library_pick(text, n);
	dropin = dropin_pick(text, n, piece);
	if (!kernel_shaped(text, n))
		return 0;
	FUZZ_CHECK(lib.origin == dropin.origin && lib.start == dropin.start && lib.end == dropin.end &&
			   lib.page == dropin.page,
		   "library: origin %d %#lx-%#lx page %#lx; drop-in: origin %d %#lx-%#lx page %#lx",
		   lib.origin, (unsigned long)lib.start, (unsigned long)lib.end,
		   (unsigned long)lib.page, dropin.origin, (unsigned long)dropin.start,
		   (unsigned long)dropin.end, (unsigned long)dropin.page);
	return 0;
}
