/* SPDX-License-Identifier: MIT */
/*
 * pvclock/source.h - where the records come from: the kernel's vDSO page,
 * or memory the caller hands over (simulation, unikernels, tests).
 */
#ifndef PVCLOCK_SOURCE_H
#define PVCLOCK_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "pvclock/abi.h"
#include "pvclock/error.h"
#include "pvclock/getcpu.h"
#include "pvclock/math.h"
#include "pvclock/tsc.h"

#ifdef __cplusplus
extern "C" {
#endif

enum pvclock_origin {
	PVCLOCK_ORIGIN_NONE = 0,
	PVCLOCK_ORIGIN_VVAR_VCLOCK,   /* first page of [vvar_vclock] (Linux 6.13 and later) */
	PVCLOCK_ORIGIN_VVAR,          /* second page of [vvar] (Linux 4.5 to 6.12) */
	PVCLOCK_ORIGIN_MEMORY,        /* memory handed over by the caller */
};

/*
 * struct pvclock_source - a resolved array of per-vCPU slots and how to read
 * them.  Filled by the pvclock_source_open_* calls; the read protocols only
 * read it, so one source may be shared by every thread.  A source that is
 * all zeroes, or whose open failed, is "not open": every call that reads
 * through it answers PVCLOCK_ENOSOURCE.
 */
struct pvclock_source {
	const volatile unsigned char *slots;  /* slot of vCPU 0 */
	uint64_t stride;                      /* bytes from one slot to the next */
	uint32_t nr_slots;                    /* slots that may be indexed */
	uint32_t nr_valid;                    /* slots holding a record when opened */
	uint32_t max_retries;                 /* bound on every retry loop */
	uint8_t tsc_mode;                     /* enum pvclock_tsc_mode, resolved */
	uint8_t getcpu;                       /* enum pvclock_getcpu_method, resolved */
	uint8_t has_migrate_count;            /* slots carry a u32 counter at offset 32 */
	uint8_t origin;                       /* enum pvclock_origin */
	uintptr_t map_start, map_end;         /* the mapping the page was found in */
};

/*
 * Default retry bound: a record that stays mid-update for this many
 * attempts (milliseconds, at tens of ns an attempt) is reported as stuck.
 */
#define PVCLOCK_DEFAULT_MAX_RETRIES (1u << 16)

/*
 * The most slots a source may have: the CPU number that RDPID and RDTSCP
 * report (TSC_AUX & 0xfff) reaches no further, and no hypervisor offers
 * more vCPUs.
 */
#define PVCLOCK_MAX_SLOTS 4096u

/* pvclock_source_is_open - whether @src was opened successfully (not NULL, not zeroed). */
static inline int pvclock_source_is_open(const struct pvclock_source *src)
{
	return src && src->max_retries != 0;
}

/*
 * pvclock_source_status_stuck - what a retry loop that ran out of budget
 * reports: a zeroed source has no budget at all, so its reads end there.
 */
static inline int pvclock_source_status_stuck(const struct pvclock_source *src)
{
	return src->max_retries ? PVCLOCK_ESTUCK : PVCLOCK_ENOSOURCE;
}

/* pvclock_source_open_memory() flags. */
#define PVCLOCK_MEM_MIGRATE_COUNT 0x1u    /* each slot has a u32 migration counter at offset 32 */

/*
 * pvclock_source_open_kernel - find the kernel's pvclock page in
 * /proc/self/maps ([vvar_vclock], else the second page of [vvar]), probe it
 * without touching it (no SIGBUS when the kernel never enabled it), check
 * that vCPU 0's record is initialised, and count the valid slots.
 * Returns PVCLOCK_OK, PVCLOCK_ENOPAGE, PVCLOCK_EMAPS, PVCLOCK_EPROBE,
 * PVCLOCK_EINVALID, PVCLOCK_ESTUCK or PVCLOCK_EARG (@src NULL).  The getcpu
 * and TSC modes are set to the best this machine offers.  On failure *@src
 * is left not open.
 */
int pvclock_source_open_kernel(struct pvclock_source *src);

/*
 * pvclock_source_open_kernel_maps - as pvclock_source_open_kernel(), with the
 * text of a maps file given instead of /proc/self/maps.  Addresses in it are
 * probed before use, so wrong ones give PVCLOCK_ENOPAGE, never a fault.
 */
int pvclock_source_open_kernel_maps(struct pvclock_source *src, const char *maps_text);

/*
 * pvclock_source_open_memory - use @nr_slots slots at @slots, @stride bytes
 * apart (at least 32; at least 36 with PVCLOCK_MEM_MIGRATE_COUNT).  The
 * memory must stay valid while the source is used; it may be written
 * concurrently by a host that follows the version protocol.
 * Returns PVCLOCK_OK or PVCLOCK_EARG: @src or @slots NULL, @nr_slots 0 or
 * above PVCLOCK_MAX_SLOTS, @stride too small, @slots or @stride not a
 * multiple of 4, unknown @flags, or an extent past the end of the address
 * space.  On failure *@src is left not open.
 */
int pvclock_source_open_memory(struct pvclock_source *src, const void *slots, size_t stride,
			       unsigned nr_slots, unsigned flags);

/*
 * pvclock_source_set_tsc_mode - choose how reads take the TSC.  AUTO picks
 * RDTSCP when the CPU has it, else LFENCE;RDTSC.  Returns PVCLOCK_OK,
 * PVCLOCK_ENOTSC (RDTSCP asked for, absent), PVCLOCK_ENOSOURCE or
 * PVCLOCK_EARG (@src NULL, @mode unknown).
 */
int pvclock_source_set_tsc_mode(struct pvclock_source *src, enum pvclock_tsc_mode mode);

/*
 * pvclock_source_set_getcpu - choose the getcpu method of the per-vCPU and
 * migration-count protocols; AUTO picks pvclock_getcpu_best().  The method is
 * probed first.  Returns PVCLOCK_OK, PVCLOCK_ENOGETCPU, PVCLOCK_ENORSEQ,
 * PVCLOCK_ENOSOURCE or PVCLOCK_EARG (@src NULL, @method unknown).
 */
int pvclock_source_set_getcpu(struct pvclock_source *src, enum pvclock_getcpu_method method);

/*
 * pvclock_source_set_max_retries - bound every retry loop (0 means the
 * default).  Returns PVCLOCK_OK, PVCLOCK_ENOSOURCE or PVCLOCK_EARG (@src NULL).
 */
int pvclock_source_set_max_retries(struct pvclock_source *src, uint32_t max_retries);

/* pvclock_source_record - vCPU @cpu's record; NULL when it has no slot or @src is not open. */
static inline const volatile struct pvclock_record *
pvclock_source_record(const struct pvclock_source *src, unsigned cpu)
{
	if (!src || cpu >= src->nr_slots)
		return 0;
	return (const volatile struct pvclock_record *)(src->slots + (uint64_t)cpu * src->stride);
}

/*
 * pvclock_source_snapshot - a consistent copy of vCPU @cpu's record (and its
 * migration counter when the source has one, else 0), taken under the version
 * protocol.  Returns PVCLOCK_OK, PVCLOCK_ECPU, PVCLOCK_ESTUCK,
 * PVCLOCK_ENOSOURCE or PVCLOCK_EARG (@src or @out NULL).
 */
int pvclock_source_snapshot(const struct pvclock_source *src, unsigned cpu,
			    struct pvclock_record *out, uint32_t *migrate_count);

/*
 * pvclock_record_snapshot - a consistent copy of the record at @r in *@out
 * (and of the u32 at @count, when not NULL, in *@count_out), taken under
 * the version protocol in at most @tries attempts.  Returns PVCLOCK_OK,
 * PVCLOCK_ESTUCK or PVCLOCK_EARG (@r or @out NULL).
 */
int pvclock_record_snapshot(const volatile struct pvclock_record *r, uint32_t tries,
			    struct pvclock_record *out, const volatile uint32_t *count,
			    uint32_t *count_out);

/*
 * pvclock_record_valid - the record is initialised: version even and
 * non-zero, multiplier non-zero.  Flag bits, known or not, play no part.
 * 0 for NULL.
 */
int pvclock_record_valid(const struct pvclock_record *rec);

/*
 * pvclock_source_count_valid - how many slots hold a valid record now (a
 * record still mid-update after 1024 attempts is not counted); 0 when @src
 * is not open.
 */
unsigned pvclock_source_count_valid(const struct pvclock_source *src);

/* struct pvclock_source_info - what a source reports about itself. */
struct pvclock_source_info {
	enum pvclock_origin origin;
	uint32_t nr_slots;        /* slots that may be indexed */
	uint32_t nr_valid;        /* slots holding a valid record now */
	uint64_t stride;
	int has_migrate_count;
	uint8_t flags;            /* vCPU 0's flags */
	uint64_t tsc_khz;         /* implied by vCPU 0's (mul, shift): pvclock_tsc_khz() */
};

/*
 * pvclock_source_info - fill @info from vCPU 0's record (read under the
 * version protocol) and a fresh count of valid slots.  Returns PVCLOCK_OK,
 * PVCLOCK_EARG (@src or @info NULL), PVCLOCK_ENOSOURCE, PVCLOCK_ESTUCK or
 * PVCLOCK_EINVALID (vCPU 0 not initialised; @info is still filled).
 */
int pvclock_source_info(const struct pvclock_source *src, struct pvclock_source_info *info);

/* pvclock_origin_name - "vvar_vclock", "vvar", "memory" or "none". */
const char *pvclock_origin_name(enum pvclock_origin origin);

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_SOURCE_H */
