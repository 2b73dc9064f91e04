/* SPDX-License-Identifier: MIT */
/*
 * pvclock/abi.h - the per-vCPU time record published by KVM (kvmclock) and Xen.
 *
 * The record is written by the host and read by the guest.  Its layout is
 * fixed by the hypervisor ABI; nothing here may change size or offset.
 */
#ifndef PVCLOCK_ABI_H
#define PVCLOCK_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A compile-time check that C and C++ both accept. */
#ifdef __cplusplus
#define PVCLOCK_STATIC_ASSERT(e, msg) static_assert(e, msg)
#else
#define PVCLOCK_STATIC_ASSERT(e, msg) _Static_assert(e, msg)
#endif

/*
 * struct pvclock_record - one vCPU's time information (32 bytes, packed).
 *
 * version            odd while the host rewrites the record, even when stable
 * tsc_timestamp      TSC value at which system_time was sampled
 * system_time        host clock in ns at tsc_timestamp
 * tsc_to_system_mul  32.32 fixed-point ns-per-tick multiplier (after shift)
 * tsc_shift          shift applied to the TSC delta before multiplying:
 *                    left when positive, right when negative
 * flags              PVCLOCK_TSC_STABLE, PVCLOCK_GUEST_STOPPED, ...
 */
struct pvclock_record {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
} __attribute__((packed));

PVCLOCK_STATIC_ASSERT(sizeof(struct pvclock_record) == 32, "pvclock record is 32 bytes");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_record, version) == 0, "version @0");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_record, pad0) == 4, "pad0 @4");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_record, tsc_timestamp) == 8, "tsc_timestamp @8");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_record, system_time) == 16, "system_time @16");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_record, tsc_to_system_mul) == 24, "mul @24");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_record, tsc_shift) == 28, "tsc_shift @28");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_record, flags) == 29, "flags @29");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_record, pad) == 30, "pad @30");

/* flags: bit 0 is Xen's XEN_PVCLOCK_TSC_STABLE_BIT, bit 1 XEN_PVCLOCK_GUEST_STOPPED. */
#define PVCLOCK_TSC_STABLE       (1u << 0)
#define PVCLOCK_GUEST_STOPPED    (1u << 1)
#define PVCLOCK_COUNTS_FROM_ZERO (1u << 2)

/*
 * The Linux guest's boot array: one slot per vCPU, the record at the start of
 * each slot, 64 slots in the 4 KiB page that the vDSO maps to userspace.
 * Kernels built for the Pentium 4 use 128-byte slots.
 */
#define PVCLOCK_SLOT_STRIDE    64u
#define PVCLOCK_SLOT_STRIDE_P4 128u
#define PVCLOCK_PAGE_SIZE      4096u
#define PVCLOCK_PAGE_SLOTS     (PVCLOCK_PAGE_SIZE / PVCLOCK_SLOT_STRIDE)

/*
 * struct pvclock_migrate_slot - the slot of Linux 4.0 to 4.2: the record,
 * then a counter the guest kernel bumped whenever a task left that vCPU.
 */
struct pvclock_migrate_slot {
	struct pvclock_record rec;
	uint32_t migrate_count;
	uint8_t pad[PVCLOCK_SLOT_STRIDE - sizeof(struct pvclock_record) - sizeof(uint32_t)];
};

PVCLOCK_STATIC_ASSERT(sizeof(struct pvclock_migrate_slot) == PVCLOCK_SLOT_STRIDE, "slot is 64 bytes");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_migrate_slot, migrate_count) == 32, "migrate_count @32");

#define PVCLOCK_MIGRATE_COUNT_OFFSET 32u

/* pvclock_barrier - a compiler barrier: loads and stores stay on their side of it. */
#define pvclock_barrier() __asm__ __volatile__("" : : : "memory")

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_ABI_H */
