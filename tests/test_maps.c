/* SPDX-License-Identifier: MIT */
/*
 * Finding the pvclock page in a maps text, probing memory without faulting,
 * and opening a kernel source from maps texts that point anywhere.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "helpers.h"
#include "pvclock.h"

static int find(const char *text, struct pvclock_maps_hit *hit)
{
	memset(hit, 0xa5, sizeof(*hit));
	return pvclock_maps_find(text, hit);
}

Test(maps, vvar_vclock)
{
	struct pvclock_maps_hit hit;
	const char *text =
		"55d0c0a00000-55d0c0a02000 r--p 00000000 fd:01 1234   /usr/bin/cat\n"
		"7ffd1a2fe000-7ffd1a302000 r--p 00000000 00:00 0      [vvar]\n"
		"7ffd1a302000-7ffd1a304000 r--p 00000000 00:00 0      [vvar_vclock]\n"
		"7ffd1a304000-7ffd1a306000 r-xp 00000000 00:00 0      [vdso]\n";

	cr_assert_eq(find(text, &hit), PVCLOCK_OK);
	cr_expect_eq(hit.origin, PVCLOCK_ORIGIN_VVAR_VCLOCK);
	cr_expect_eq(hit.start, 0x7ffd1a302000u);
	cr_expect_eq(hit.end, 0x7ffd1a304000u);
	cr_expect_eq(hit.page, 0x7ffd1a302000u);
}

Test(maps, old_kernel_vvar)
{
	struct pvclock_maps_hit hit;
	const char *text =
		"7ffd1a2fe000-7ffd1a301000 r--p 00000000 00:00 0      [vvar]\n"
		"7ffd1a301000-7ffd1a303000 r-xp 00000000 00:00 0      [vdso]";

	cr_assert_eq(find(text, &hit), PVCLOCK_OK);
	cr_expect_eq(hit.origin, PVCLOCK_ORIGIN_VVAR);
	cr_expect_eq(hit.start, 0x7ffd1a2fe000u);
	cr_expect_eq(hit.page, 0x7ffd1a2fe000u + 4096);
}

/* Spaces in paths are not escaped in maps: a file named "x [vvar_vclock]" has a real device and inode. */
Test(maps, a_file_named_like_the_mapping_is_not_it)
{
	struct pvclock_maps_hit hit;
	const char *text =
		"7f0000000000-7f0000002000 r--s 00000000 fd:01 77     /tmp/x [vvar_vclock]\n"
		"7f0000010000-7f0000012000 r--s 00000000 00:00 77     [vvar_vclock]\n"
		"7f0000020000-7f0000022000 r--s 00000000 fd:01 0      [vvar_vclock]\n"
		"7f0000030000-7f0000033000 r--s 00000000 fd:01 78     /tmp/y [vvar]\n"
		"7ffd1a2fe000-7ffd1a301000 r--p 00000000 00:00 0      [vvar]\n";

	cr_assert_eq(find(text, &hit), PVCLOCK_OK);
	cr_expect_eq(hit.origin, PVCLOCK_ORIGIN_VVAR, "only the kernel's [vvar] qualifies");
	cr_expect_eq(hit.start, 0x7ffd1a2fe000u);
	cr_expect_eq(find("7f0000000000-7f0000002000 r--s 00000000 fd:01 77 /tmp/x [vvar_vclock]\n",
			  &hit),
		     PVCLOCK_ENOPAGE);
}

Test(maps, vvar_too_short)
{
	struct pvclock_maps_hit hit;

	cr_expect_eq(find("7ffd1a2fe000-7ffd1a2ff000 r--p 00000000 00:00 0 [vvar]\n", &hit),
		     PVCLOCK_ENOPAGE);
}

Test(maps, vvar_vclock_wins_in_any_order)
{
	struct pvclock_maps_hit hit;
	const char *first =
		"1000-3000 r--p 00000000 00:00 0 [vvar_vclock]\n"
		"4000-8000 r--p 00000000 00:00 0 [vvar]\n";
	const char *last =
		"4000-8000 r--p 00000000 00:00 0 [vvar]\n"
		"1000-3000 r--p 00000000 00:00 0 [vvar_vclock]\n";

	cr_assert_eq(find(first, &hit), PVCLOCK_OK);
	cr_expect_eq(hit.origin, PVCLOCK_ORIGIN_VVAR_VCLOCK);
	cr_expect_eq(hit.page, 0x1000);
	cr_assert_eq(find(last, &hit), PVCLOCK_OK);
	cr_expect_eq(hit.origin, PVCLOCK_ORIGIN_VVAR_VCLOCK);
	cr_expect_eq(hit.page, 0x1000);
}

Test(maps, missing)
{
	struct pvclock_maps_hit hit;

	cr_expect_eq(find("", &hit), PVCLOCK_ENOPAGE);
	cr_expect_eq(find("\n\n\n", &hit), PVCLOCK_ENOPAGE);
	cr_expect_eq(find("7ffd1a304000-7ffd1a306000 r-xp 00000000 00:00 0 [vdso]\n"
			  "7ffd1a306000-7ffd1a308000 rw-p 00000000 00:00 0 [stack]\n", &hit),
		     PVCLOCK_ENOPAGE);
}

Test(maps, malformed_lines_are_skipped)
{
	static const char *const bad[] = {
		"zzzz-3000 r--p 00000000 00:00 0 [vvar_vclock]",        /* not hex */
		"3000-1000 r--p 00000000 00:00 0 [vvar_vclock]",        /* end before start */
		"3000-3000 r--p 00000000 00:00 0 [vvar_vclock]",        /* empty */
		"1000 r--p 00000000 00:00 0 [vvar_vclock]",             /* no '-' */
		"1000-",                                                /* cut short */
		"-3000 r--p 00000000 00:00 0 [vvar_vclock]",            /* no start */
		"1000-3000",                                            /* nothing after the range */
		"1000-3000r--p 00000000 00:00 0 [vvar_vclock]",         /* no space after the range */
		"10000000000000000-10000000000003000 r--p 0 00:00 0 [vvar_vclock]", /* 17 digits */
		"1000-3000 r--p 00000000 00:00 0 [vvar_vclock]x",       /* other name */
		"1000-3000 r--p 00000000 00:00 0 /tmp/[vvar_vclock]",   /* a file named like it */
		"1000-3000 r--p 00000000 00:00 0 vvar_vclock]",
		"[vvar_vclock]",
		"\x01\xff\x7f garbage \t\t [vvar",
	};
	struct pvclock_maps_hit hit;
	char text[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(find(bad[i], &hit), PVCLOCK_ENOPAGE, "line %zu: %s", i, bad[i]);
		/* A good line after the bad one is still found. */
		snprintf(text, sizeof(text), "%s\nabc000-abe000 r--p 00000000 00:00 0 [vvar_vclock]\n",
			 bad[i]);
		cr_expect_eq(find(text, &hit), PVCLOCK_OK, "after line %zu", i);
		cr_expect_eq(hit.page, 0xabc000, "after line %zu", i);
	}
}

Test(maps, tolerant_spelling)
{
	struct pvclock_maps_hit hit;

	/* Upper-case hex, tabs, trailing blanks and CR: still the same mapping. */
	cr_assert_eq(find("ABC000-ABE000 r--p 00000000 00:00 0\t[vvar_vclock] \t\r\n", &hit),
		     PVCLOCK_OK);
	cr_expect_eq(hit.start, 0xabc000);
	cr_expect_eq(hit.end, 0xabe000);
	/* Sixteen digits is the most an address has. */
	cr_assert_eq(find("00007ffd1a302000-00007ffd1a304000 r--p 0 00:00 0 [vvar_vclock]", &hit),
		     PVCLOCK_OK);
	cr_expect_eq(hit.start, 0x7ffd1a302000u);
}

Test(maps, null_arguments)
{
	struct pvclock_maps_hit hit;

	cr_expect_eq(pvclock_maps_find(NULL, &hit), PVCLOCK_EARG);
	cr_expect_eq(pvclock_maps_find("", NULL), PVCLOCK_EARG);
	cr_expect_eq(pvclock_maps_find_self(NULL), PVCLOCK_EARG);
}

Test(maps, self)
{
	struct pvclock_maps_hit hit;
	int rc = pvclock_maps_find_self(&hit);

	if (rc == PVCLOCK_ENOPAGE)
		cr_skip_test("no [vvar_vclock] or [vvar] in /proc/self/maps: %s", pvclock_strerror(rc));
	cr_assert_eq(rc, PVCLOCK_OK, "%s", pvclock_strerror(rc));
	cr_expect(hit.origin == PVCLOCK_ORIGIN_VVAR_VCLOCK || hit.origin == PVCLOCK_ORIGIN_VVAR);
	cr_expect(hit.start <= hit.page && hit.page < hit.end);
	cr_expect_eq(hit.page % 4096, 0);
}

Test(probe, readable_memory)
{
	static char data[8192];
	int on_stack = 1;

	cr_expect_eq(pvclock_probe_readable(data, sizeof(data) / 2), PVCLOCK_OK);
	cr_expect_eq(pvclock_probe_readable(&on_stack, sizeof(on_stack)), PVCLOCK_OK);
	cr_expect_eq(pvclock_probe_readable(data + 4000, 4096), PVCLOCK_OK);
}

Test(probe, bad_arguments)
{
	static char data[8192];

	cr_expect_eq(pvclock_probe_readable(NULL, 8), PVCLOCK_EARG);
	cr_expect_eq(pvclock_probe_readable(data, 0), PVCLOCK_EARG);
	cr_expect_eq(pvclock_probe_readable(data, 4097), PVCLOCK_EARG);
}

Test(probe, unmapped_and_protected)
{
	unsigned char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);

	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(mprotect(p + 4096, 4096, PROT_NONE), 0);
	cr_assert_eq(munmap(p + 2 * 4096, 4096), 0);
	cr_expect_eq(pvclock_probe_readable(p, 4096), PVCLOCK_OK);
	cr_expect_eq(pvclock_probe_readable(p + 4096, 4096), PVCLOCK_ENOPAGE);
	cr_expect_eq(pvclock_probe_readable(p + 2 * 4096, 16), PVCLOCK_ENOPAGE);
	/* Straddling into the protected page. */
	cr_expect_eq(pvclock_probe_readable(p + 4000, 200), PVCLOCK_ENOPAGE);
	munmap(p, 2 * 4096);
}

/* A maps text naming [@start, @end) as [vvar_vclock] (or [vvar] when @vvar). */
static void maps_text(char *buf, size_t len, const void *start, size_t size, int vvar)
{
	snprintf(buf, len,
		 "55d0c0a00000-55d0c0a02000 r--p 00000000 fd:01 1234 /usr/bin/x\n"
		 "%lx-%lx r--p 00000000 00:00 0 %s\n",
		 (unsigned long)start, (unsigned long)start + size, vvar ? "[vvar]" : "[vvar_vclock]");
}

/* Two pages: valid records for @nr vCPUs at @stride in the first, zeros elsewhere. */
static unsigned char *fake_page(unsigned nr, size_t stride)
{
	unsigned char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);

	cr_assert_neq(p, MAP_FAILED);
	for (unsigned cpu = 0; cpu < nr; cpu++)
		test_fill_record(p, stride, cpu, 2, 1000, 5000, 0x80000000u, 0, PVCLOCK_TSC_STABLE);
	return p;
}

Test(kernel_maps, unmapped_address)
{
	struct pvclock_source src;
	unsigned char *p = mmap(NULL, 2 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char text[512];

	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(munmap(p, 2 * 4096), 0);
	maps_text(text, sizeof(text), p, 2 * 4096, 0);
	cr_expect_eq(pvclock_source_open_kernel_maps(&src, text), PVCLOCK_ENOPAGE);
	maps_text(text, sizeof(text), p - 4096, 3 * 4096, 1);
	cr_expect_eq(pvclock_source_open_kernel_maps(&src, text), PVCLOCK_ENOPAGE);
}

Test(kernel_maps, unreadable_page)
{
	struct pvclock_source src;
	unsigned char *p = mmap(NULL, 2 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char text[512];

	cr_assert_neq(p, MAP_FAILED);
	maps_text(text, sizeof(text), p, 2 * 4096, 0);
	cr_expect_eq(pvclock_source_open_kernel_maps(&src, text), PVCLOCK_ENOPAGE);
	munmap(p, 2 * 4096);
}

Test(kernel_maps, mapping_shorter_than_a_page)
{
	struct pvclock_source src;
	unsigned char *p = fake_page(2, 64);
	char text[512];

	maps_text(text, sizeof(text), p, 2048, 0);
	cr_expect_eq(pvclock_source_open_kernel_maps(&src, text), PVCLOCK_ENOPAGE);
	munmap(p, 2 * 4096);
}

Test(kernel_maps, page_without_records)
{
	struct pvclock_source src;
	unsigned char *p = fake_page(0, 64);
	char text[512];

	maps_text(text, sizeof(text), p, 2 * 4096, 0);
	cr_expect_eq(pvclock_source_open_kernel_maps(&src, text), PVCLOCK_EINVALID);
	/* vCPU 0 mid-update and never finished: odd version. */
	test_fill_record(p, 64, 0, 3, 1000, 5000, 0x80000000u, 0, 0);
	cr_expect_eq(pvclock_source_open_kernel_maps(&src, text), PVCLOCK_ESTUCK);
	munmap(p, 2 * 4096);
}

Test(kernel_maps, fake_page_is_opened)
{
	struct pvclock_source src;
	struct pvclock_time t;
	unsigned char *p = fake_page(3, 64);
	char text[512];

	maps_text(text, sizeof(text), p, 2 * 4096, 0);
	cr_assert_eq(pvclock_source_open_kernel_maps(&src, text), PVCLOCK_OK);
	cr_expect_eq(src.origin, PVCLOCK_ORIGIN_VVAR_VCLOCK);
	cr_expect_eq((const void *)src.slots, (const void *)p);
	cr_expect_eq(src.stride, 64);
	cr_expect_eq(src.nr_slots, 64);
	cr_expect_eq(src.nr_valid, 3);
	cr_expect_eq(src.map_start, (uintptr_t)p);
	cr_expect_eq(src.map_end, (uintptr_t)p + 2 * 4096);
	cr_assert_eq(pvclock_read_vcpu0(&src, &t), PVCLOCK_OK);
	cr_expect_eq(t.ns, 5000 + (t.tsc - 1000) / 2);
	munmap(p, 2 * 4096);
}

Test(kernel_maps, old_vvar_second_page)
{
	struct pvclock_source src;
	unsigned char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	char text[512];

	cr_assert_neq(p, MAP_FAILED);
	test_fill_record(p + 4096, 64, 0, 2, 1000, 5000, 0x80000000u, 0, PVCLOCK_TSC_STABLE);
	maps_text(text, sizeof(text), p, 2 * 4096, 1);
	cr_assert_eq(pvclock_source_open_kernel_maps(&src, text), PVCLOCK_OK);
	cr_expect_eq(src.origin, PVCLOCK_ORIGIN_VVAR);
	cr_expect_eq((const void *)src.slots, (const void *)(p + 4096));
	cr_expect_eq(src.nr_valid, 1);
	munmap(p, 2 * 4096);
}

Test(kernel_maps, pentium4_stride)
{
	struct pvclock_source src;
	unsigned char *p = fake_page(2, 128);
	char text[512];

	maps_text(text, sizeof(text), p, 2 * 4096, 0);
	cr_assert_eq(pvclock_source_open_kernel_maps(&src, text), PVCLOCK_OK);
	cr_expect_eq(src.stride, 128);
	cr_expect_eq(src.nr_slots, 32);
	cr_expect_eq(src.nr_valid, 2);
	munmap(p, 2 * 4096);
}

Test(kernel_maps, bad_text)
{
	struct pvclock_source src;

	cr_expect_eq(pvclock_source_open_kernel_maps(NULL, ""), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_open_kernel_maps(&src, NULL), PVCLOCK_EARG);
	cr_expect_eq(pvclock_source_open_kernel_maps(&src, ""), PVCLOCK_ENOPAGE);
	cr_expect_eq(pvclock_source_open_kernel_maps(&src, "\xff\xfe garbage\n-\n[vvar]\n"),
		     PVCLOCK_ENOPAGE);
	cr_expect_eq(pvclock_source_open_kernel(NULL), PVCLOCK_EARG);
}

/* /proc/self/maps unreadable, pipes unavailable: clear statuses, no crash. */
struct self_result {
	int find, open, probe;
};

static void *self_calls(void *arg)
{
	struct self_result *r = arg;
	struct pvclock_maps_hit hit;
	struct pvclock_source src;
	static char data[64];

	r->find = pvclock_maps_find_self(&hit);
	r->open = pvclock_source_open_kernel(&src);
	r->probe = pvclock_probe_readable(data, sizeof(data));
	return NULL;
}

static void check_failing(long nr, int err, int want_find, int want_open, int want_probe,
			  const char *what)
{
	struct self_result r;

	if (test_with_failing_syscall(nr, err, self_calls, &r) != 0)
		cr_skip_test("cannot install a seccomp filter here");
	cr_expect_eq(r.find, want_find, "%s: find_self %s", what, pvclock_strerror(r.find));
	cr_expect_eq(r.open, want_open, "%s: open_kernel %s", what, pvclock_strerror(r.open));
	cr_expect_eq(r.probe, want_probe, "%s: probe %s", what, pvclock_strerror(r.probe));
}

Test(maps_faults, open_fails)
{
	check_failing(SYS_openat, EACCES, PVCLOCK_EMAPS, PVCLOCK_EMAPS, PVCLOCK_OK, "openat");
}
Test(maps_faults, read_fails)
{
	check_failing(SYS_read, EIO, PVCLOCK_EMAPS, PVCLOCK_EMAPS, PVCLOCK_OK, "read");
}

Test(maps_faults, futex_refused)
{
	struct pvclock_maps_hit hit;

	if (pvclock_maps_find_self(&hit) != PVCLOCK_OK)
		cr_skip_test("no pvclock page here: the page probe is not reached");
	/* Without the probe nothing can be proven readable: a status of its own, never a risked fault. */
	check_failing(SYS_futex, EPERM, PVCLOCK_OK, PVCLOCK_EPROBE, PVCLOCK_EPROBE, "futex");
}

Test(probe, needs_no_descriptor)
{
	static char data[64];
	struct rlimit old, none;

	/* With no descriptor to spare, readable memory still proves readable. */
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	none = (struct rlimit){ 0, old.rlim_max };
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &none), 0);
	int r = pvclock_probe_readable(data, sizeof(data));
	int u = pvclock_probe_readable((const void *)4096, 16);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	cr_expect_eq(r, PVCLOCK_OK);
	cr_expect_eq(u, PVCLOCK_ENOPAGE);
}

Test(kernel_maps, odd_second_slot_keeps_64_byte_stride)
{
	struct pvclock_source src;
	unsigned char *p = fake_page(1, 64);
	char text[512];

	/* Slot 1 mid-update (not zero), a valid record at 128: still 64-byte slots. */
	test_fill_record(p, 64, 1, 3, 1000, 5000, 0x80000000u, 0, 0);
	test_fill_record(p, 64, 2, 2, 1000, 5000, 0x80000000u, 0, 0);
	maps_text(text, sizeof(text), p, 2 * 4096, 0);
	cr_assert_eq(pvclock_source_open_kernel_maps(&src, text), PVCLOCK_OK);
	cr_expect_eq(src.stride, 64);
	munmap(p, 2 * 4096);
}
