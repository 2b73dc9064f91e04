/* SPDX-License-Identifier: MIT */
/*
 * The kernel's time data in each kernel era's layout (vdso/kdata.h): the
 * recogniser finds exactly the era an image was written in, inside and
 * outside a time namespace, and rejects what no kernel writes; the clock
 * functions then serve every era exactly as the kernel computes it, with
 * clocksource tsc (the straight TSC paths) and kvm-clock.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "clock_state.h"
#include "kfind.h"
#include "simkernel.h"
#include "simkernel_era.h"
#include "testhook.h"
#include "vdso_util.h"

static const char *const era_name[KDATA_ERAS] = { "6.15+", "6.13-6.14", "6.10-6.12", "5.6-6.9" };

/* A [vvar] mapping's worth of pages. */
static _Alignas(4096) unsigned char vvar[4 * 4096];

static int all_readable(const void *addr, size_t len)
{
	return (uintptr_t)addr >= (uintptr_t)vvar && (uintptr_t)addr + len <= (uintptr_t)vvar + sizeof(vvar);
}

/* Only page 0 is readable: a namespace page whose real data cannot be touched. */
static int page0_readable(const void *addr, size_t len)
{
	return (uintptr_t)addr >= (uintptr_t)vvar && (uintptr_t)addr + len <= (uintptr_t)vvar + 4096;
}

/*
 * The simulated kernel: its time data (in tsc mode from simkernel_init_tsc(),
 * kvm-clock mode from simkernel_init()) is written into vvar in each era's
 * layout, and its model says what every read must give.
 */
static struct simkernel sim;

/* Both of @kd's blocks into page @page of vvar, in @era's layout; the first block's address. */
static unsigned char *put_data(unsigned page, enum kdata_era era, const struct kdata_clock kd[2])
{
	return simkernel_era_put(vvar, page, era, kd);
}

/* Namespace offsets: +500 s MONOTONIC-like clocks, +600 s BOOTTIME, in @era's layout. */
static unsigned char *put_namespace(enum kdata_era era, int32_t marker)
{
	simkernel_timens(&sim, marker);
	simkernel_timens_offset(&sim, CLOCK_MONOTONIC, 500, 0);
	simkernel_timens_offset(&sim, CLOCK_BOOTTIME, 600, 0);
	simkernel_timens_offset(&sim, CLOCK_MONOTONIC_RAW, 500, 0);
	return put_data(0, era, sim.ns);
}

/* Bracket @n reads of every served clock by the model (@nr records; the namespace once put). */
static long bracket(unsigned nr, int n)
{
	struct simkernel_model m = { &sim, nr };

	return vdso_bracket(simkernel_model_ns, &m, n);
}

/*
 * The kernel's structs, byte by byte, as include/vdso/datapage.h and the
 * x86 vvar layout define them in each era: where the first block starts in
 * its page, sizeof(the block), and the offsets of its fields (0: absent).
 */
struct era_struct {
	unsigned page_offset, size, max_cycles, mask, mult, shift, base;
};

static const struct era_struct kernel_structs[KDATA_ERAS] = {
	/* struct vdso_clock, at the start of the time data page */
	[KDATA_ERA_6_15] = { 0, 232, 16, 24, 32, 36, 40 },
	/* struct vdso_data with max_cycles, tz and hrtimer_res, at the start of the page */
	[KDATA_ERA_6_13] = { 0, 248, 16, 24, 32, 36, 40 },
	/* the same, at DECLARE_VVAR(128, ...) */
	[KDATA_ERA_6_10] = { 128, 248, 16, 24, 32, 36, 40 },
	/* struct vdso_data without max_cycles */
	[KDATA_ERA_5_6] = { 128, 240, 0, 16, 24, 28, 32 },
};

Test(vdso_layouts, layout_table_matches_the_kernel_structs)
{
	for (int e = 0; e < KDATA_ERAS; e++) {
		const struct kdata_layout *l = &kdata_layouts[e];
		const struct era_struct *k = &kernel_structs[e];
		const volatile struct kdata_clock *kd = (const volatile struct kdata_clock *)vvar;

		for (unsigned blk = 0; blk < 2; blk++) {
			const volatile struct kdata_clock *c = kdata_block(kd, l, blk);
			const volatile struct kdata_clock *f = kdata_fields(c, l);
			uintptr_t start = (uintptr_t)vvar + blk * k->size;

			cr_expect_eq(l->offset, k->page_offset, "%s", era_name[e]);
			cr_expect_eq((uintptr_t)&c->seq, start);
			cr_expect_eq((uintptr_t)&c->clock_mode, start + 4);
			cr_expect_eq((uintptr_t)&c->cycle_last, start + 8);
			cr_expect_eq((uintptr_t)&f->mask, start + k->mask, "%s mask", era_name[e]);
			cr_expect_eq((uintptr_t)&f->mult, start + k->mult, "%s mult", era_name[e]);
			cr_expect_eq((uintptr_t)&f->shift, start + k->shift, "%s shift", era_name[e]);
			cr_expect_eq((uintptr_t)&f->base[CLOCK_TAI].nsec, start + k->base + 16 * CLOCK_TAI + 8,
				     "%s base", era_name[e]);
			if (k->max_cycles)
				cr_expect(l->max_or == 0 &&
					  (uintptr_t)&f->max_cycles == start + k->max_cycles);
			else
				cr_expect_eq(l->max_or, ~0ull, "%s has no max_cycles", era_name[e]);
		}
	}
}

/* --- recognition ------------------------------------------------------------------ */

Test(vdso_layouts, each_era_is_recognised_as_itself)
{
	struct kdata_clock *kd = sim.kd;

	simkernel_init_tsc(&sim);
	for (int mode = KDATA_MODE_TSC; mode <= KDATA_MODE_PVCLOCK; mode++) {
		kd[0].clock_mode = kd[1].clock_mode = mode;
		for (int e = 0; e < KDATA_ERAS; e++) {
			struct kfind_result r;
			unsigned char *at;

			memset(vvar, 0, sizeof(vvar));
			at = put_data(0, (enum kdata_era)e, kd);
			cr_assert_eq(pvclock_kfind_time_data((uintptr_t)vvar, (uintptr_t)vvar + sizeof(vvar),
						     all_readable, &r), 1, "%s not recognised", era_name[e]);
			cr_expect_eq(r.era, e, "%s image taken for %s", era_name[e], era_name[r.era]);
			cr_expect_eq((const void *)r.kd, (const void *)at);
			cr_expect_null((const void *)r.ns);
			cr_expect_eq(r.mode, mode);
		}
	}
}

Test(vdso_layouts, namespace_pages_lead_to_the_real_data)
{
	static const int32_t markers[] = { KDATA_MODE_TIMENS, KDATA_MODE_TIMENS_56 };
	const struct kdata_clock *kd = sim.kd;

	simkernel_init_tsc(&sim);
	for (int e = 0; e < KDATA_ERAS; e++) {
		for (unsigned m = 0; m < 2; m++) {
			const struct kdata_layout *l = &kdata_layouts[e];
			struct kfind_result r;
			unsigned char *ns, *at;

			memset(vvar, 0, sizeof(vvar));
			ns = put_namespace((enum kdata_era)e, markers[m]);
			at = put_data(l->ns_page, (enum kdata_era)e, kd);
			cr_assert_eq(pvclock_kfind_time_data((uintptr_t)vvar, (uintptr_t)vvar + sizeof(vvar),
						     all_readable, &r), 1, "%s namespace not recognised",
				     era_name[e]);
			cr_expect_eq(r.era, e);
			cr_expect_eq((const void *)r.kd, (const void *)at);
			cr_expect_eq((const void *)r.ns, (const void *)ns);
			/* The real data's page cannot be read: nothing is served. */
			cr_expect_eq(pvclock_kfind_time_data((uintptr_t)vvar, (uintptr_t)vvar + sizeof(vvar),
						     page0_readable, &r), 0);
			/* A mapping too short to hold that page: nothing either. */
			cr_expect_eq(pvclock_kfind_time_data((uintptr_t)vvar,
						     (uintptr_t)vvar + (uintptr_t)l->ns_page * 4096,
						     all_readable, &r), 0);
		}
	}
}

Test(vdso_layouts, rejects_what_no_kernel_writes)
{
	const struct kdata_clock *kd = sim.kd;
	struct kdata_clock bad[2];
	struct kfind_result r;
	uintptr_t a = (uintptr_t)vvar, b = a + sizeof(vvar);

	simkernel_init_tsc(&sim);
	memset(vvar, 0, sizeof(vvar));
	cr_expect_eq(pvclock_kfind_time_data(a, b, all_readable, &r), 0, "an empty page");
	cr_expect_eq(pvclock_kfind_time_data(a, a + 100, all_readable, &r), 0, "a mapping under a page");
	cr_expect_eq(pvclock_kfind_time_data(a, b, page0_readable, &r), 0);
	for (int e = 0; e < KDATA_ERAS; e++) {
		for (int what = 0; what < 6; what++) {
			memcpy(bad, kd, sizeof(bad));
			switch (what) {
			case 0: bad[0].mask = 0xffffffffull; break;
			case 1: bad[1].mult = 0; break;
			case 2: bad[0].shift = 64; break;
			case 3: bad[1].clock_mode = KDATA_MODE_PVCLOCK; break;
			case 4: bad[0].clock_mode = bad[1].clock_mode = 7; break;
			case 5: bad[0].max_cycles = 0; break;
			}
			memset(vvar, 0, sizeof(vvar));
			put_data(0, (enum kdata_era)e, bad);
			if (what == 5 && kdata_layouts[e].max_or) {
				/* That era has no max_cycles: the image is as good as any. */
				cr_expect_eq(pvclock_kfind_time_data(a, b, all_readable, &r), 1);
				continue;
			}
			/* Another era may read the bytes as its own only if they pass as that era. */
			if (pvclock_kfind_time_data(a, b, all_readable, &r))
				cr_expect_neq(r.era, e, "%s image with fault %d accepted", era_name[e], what);
		}
		/* The layouts at byte 128 need the bytes before it zero. */
		if (kdata_layouts[e].offset) {
			memset(vvar, 0, sizeof(vvar));
			put_data(0, (enum kdata_era)e, kd);
			vvar[8] = 1;
			if (pvclock_kfind_time_data(a, b, all_readable, &r))
				cr_expect_neq(r.era, e);
		}
	}
	/* A namespace page whose MONOTONIC_RAW block is not marked: not a namespace page. */
	for (int e = 0; e < KDATA_ERAS; e++) {
		memset(vvar, 0, sizeof(vvar));
		put_data(kdata_layouts[e].ns_page, (enum kdata_era)e, kd);
		put_namespace((enum kdata_era)e, KDATA_MODE_TIMENS);
		vvar[kdata_layouts[e].offset + kdata_layouts[e].stride + 4] = 0;
		if (pvclock_kfind_time_data(a, b, all_readable, &r))
			cr_expect((int)r.era != e || r.ns == NULL);
	}
}

/* --- serving each era ------------------------------------------------------------- */

Test(vdso_layouts, tsc_mode_served_in_every_era, .timeout = 120)
{
	simkernel_init_tsc(&sim);
	for (int e = 0; e < KDATA_ERAS; e++) {
		unsigned char *at;

		memset(vvar, 0, sizeof(vvar));
		at = put_data(0, (enum kdata_era)e, sim.kd);
		pvclock_clock_test_use_era(e, at, NULL, NULL, 0, "auto");
		cr_expect_eq(bracket(1, 200000), 0, "%s: values outside the model's bracket",
			     era_name[e]);
		/* The newest layout takes the inline path, the others the layout-driven one. */
		if (e == KDATA_ERA_6_15) {
			cr_expect_eq((const void *)pvclock_clock_tsc_fast, (const void *)at);
		} else {
			cr_expect_eq(pvclock_clock_reader, CLOCK_READER_TSC_LAYOUT, "%s", era_name[e]);
			cr_expect_null((const void *)pvclock_clock_tsc_fast, "%s", era_name[e]);
		}
	}
}

/* The model adds put_namespace()'s offsets: +500 s MONOTONIC and MONOTONIC_RAW, +600 s BOOTTIME. */
Test(vdso_layouts, tsc_mode_namespace_offsets_in_every_era, .timeout = 120)
{
	simkernel_init_tsc(&sim);
	for (int e = 0; e < KDATA_ERAS; e++) {
		unsigned char *ns, *at;

		memset(vvar, 0, sizeof(vvar));
		ns = put_namespace((enum kdata_era)e, KDATA_MODE_TIMENS);
		at = put_data(kdata_layouts[e].ns_page, (enum kdata_era)e, sim.kd);
		pvclock_clock_test_use_era(e, at, ns, NULL, 0, "auto");
		cr_expect_eq(bracket(1, 20000), 0, "%s: values outside the model's bracket",
			     era_name[e]);
	}
}

Test(vdso_layouts, kvmclock_served_in_every_era, .timeout = 120)
{
	for (int e = 0; e < KDATA_ERAS; e++) {
		for (int stable = 0; stable < 2; stable++) {
			unsigned char *at;
			long bad;

			simkernel_init(&sim, SIMKERNEL_NSLOTS, stable ? PVCLOCK_TSC_STABLE : 0,
				       stable ? 0 : 20000);
			memset(vvar, 0, sizeof(vvar));
			at = put_data(0, (enum kdata_era)e, sim.kd);
			pvclock_clock_test_use_era(e, at, NULL, sim.slots, SIMKERNEL_NSLOTS, "auto");
			/* Stable: vCPU 0's record; unstable: the largest record. */
			bad = bracket(stable ? 1 : SIMKERNEL_NSLOTS, 50000);
			cr_expect_eq(bad, 0, "%s, %s records: values outside the model's bracket",
				     era_name[e], stable ? "stable" : "unstable");
		}
	}
}
