/* SPDX-License-Identifier: MIT */
#include "kfind.h"

static int block_plausible(const volatile struct kdata_clock *c, const struct kdata_layout *l,
			   int32_t mode)
{
	const volatile struct kdata_clock *f = kdata_fields(c, l);

	return c->clock_mode == mode && f->mask == ~0ull && f->mult != 0 && f->shift < 64 &&
	       (l->max_or || f->max_cycles != 0);
}

static int data_plausible(const volatile struct kdata_clock *kd, const struct kdata_layout *l)
{
	int32_t mode = kd->clock_mode;

	if (mode != KDATA_MODE_TSC && mode != KDATA_MODE_PVCLOCK && mode != KDATA_MODE_HVCLOCK)
		return 0;
	return block_plausible(kdata_block(kd, l, KDATA_HRES), l, mode) &&
	       block_plausible(kdata_block(kd, l, KDATA_RAW), l, mode);
}

/* The bytes before a block at byte 128 are padding the kernel leaves zero. */
static int head_zero(uintptr_t page, const struct kdata_layout *l)
{
	const volatile uint64_t *w = (const volatile uint64_t *)page;

	for (unsigned i = 0; i < l->offset / 8; i++)
		if (w[i])
			return 0;
	return 1;
}

int pvclock_kfind_time_data(uintptr_t start, uintptr_t end, int (*readable)(const void *addr, size_t len),
		    struct kfind_result *out)
{
	if (end <= start || end - start < KFIND_PAGE || !readable((const void *)start, KFIND_PAGE))
		return 0;
	for (unsigned e = 0; e < KDATA_ERAS; e++) {
		const struct kdata_layout *l = &kdata_layouts[e];
		const volatile struct kdata_clock *kd, *ns = 0;
		uintptr_t page = start;

		if (!head_zero(page, l))
			continue;
		kd = (const volatile struct kdata_clock *)(page + l->offset);
		if (kdata_mode_is_timens(kd->clock_mode)) {
			/* This process's page holds its namespace's offsets; the data is elsewhere. */
			if (!kdata_mode_is_timens(kdata_block(kd, l, KDATA_RAW)->clock_mode))
				continue;
			page = start + (uintptr_t)l->ns_page * KFIND_PAGE;
			if (end - start < ((uintptr_t)l->ns_page + 1) * KFIND_PAGE ||
			    !readable((const void *)page, KFIND_PAGE) || !head_zero(page, l))
				continue;
			ns = kd;
			kd = (const volatile struct kdata_clock *)(page + l->offset);
		}
		if (!data_plausible(kd, l))
			continue;
		out->era = (enum kdata_era)e;
		out->kd = kd;
		out->ns = ns;
		out->mode = kd->clock_mode;
		return 1;
	}
	return 0;
}
