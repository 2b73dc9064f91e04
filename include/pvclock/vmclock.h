/* SPDX-License-Identifier: MIT */
/*
 * pvclock/vmclock.h - VMClock: the page a hypervisor (QEMU, Firecracker,
 * AWS EC2) publishes to say how its counter relates to real time, how
 * wrong that time may be, and when the counter was disrupted (a live
 * migration, a snapshot restored).  Linux 6.13 and later expose it as
 * /dev/vmclockN (one page, read-only; root-only by default).
 *
 * Time at counter value c (the page's counter must be the TSC):
 *
 *     t = time_sec + time_frac_sec / 2^64
 *         + (c - counter_value) * counter_period_frac_sec / 2^(64 + counter_period_shift)
 *
 * seconds in the page's time type (UTC, TAI or a monotonic clock), and its
 * error bound grows from the published one at the period's error rate:
 *
 *     maxerror(c) = time_maxerror_nanosec
 *                   + (c - counter_value) * counter_period_maxerror_rate_frac_sec
 *                     * 10^9 / 2^(64 + counter_period_shift)
 *
 * (the same for the estimated error).  The page is read under its sequence
 * count (odd while the host rewrites it), with a bounded number of tries.
 */
#ifndef PVCLOCK_VMCLOCK_H
#define PVCLOCK_VMCLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "pvclock/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PVCLOCK_VMCLOCK_MAGIC 0x4b4c4356u   /* "VCLK", little-endian */
#define PVCLOCK_VMCLOCK_VERSION 1

enum pvclock_vmclock_counter {
	PVCLOCK_VMCLOCK_COUNTER_ARM_VCNT = 0,
	PVCLOCK_VMCLOCK_COUNTER_X86_TSC = 1,
	PVCLOCK_VMCLOCK_COUNTER_INVALID = 0xff,   /* the page carries the disruption marker only */
};

enum pvclock_vmclock_time_type {
	PVCLOCK_VMCLOCK_TIME_UTC = 0,
	PVCLOCK_VMCLOCK_TIME_TAI = 1,
	PVCLOCK_VMCLOCK_TIME_MONOTONIC = 2,
};

enum pvclock_vmclock_status {
	PVCLOCK_VMCLOCK_STATUS_UNKNOWN = 0,
	PVCLOCK_VMCLOCK_STATUS_INITIALIZING = 1,
	PVCLOCK_VMCLOCK_STATUS_SYNCHRONIZED = 2,
	PVCLOCK_VMCLOCK_STATUS_FREERUNNING = 3,
	PVCLOCK_VMCLOCK_STATUS_UNRELIABLE = 4,
};

enum pvclock_vmclock_leap {
	PVCLOCK_VMCLOCK_LEAP_NONE = 0,
	PVCLOCK_VMCLOCK_LEAP_PRE_POS = 1,    /* a positive leap second at the end of the month */
	PVCLOCK_VMCLOCK_LEAP_PRE_NEG = 2,
	PVCLOCK_VMCLOCK_LEAP_POS = 3,        /* during 23:59:60 */
	PVCLOCK_VMCLOCK_LEAP_POST_POS = 4,
	PVCLOCK_VMCLOCK_LEAP_POST_NEG = 5,
};

#define PVCLOCK_VMCLOCK_FLAG_TAI_OFFSET_VALID      (1u << 0)
#define PVCLOCK_VMCLOCK_FLAG_DISRUPTION_SOON       (1u << 1)   /* about a day */
#define PVCLOCK_VMCLOCK_FLAG_DISRUPTION_IMMINENT   (1u << 2)   /* about an hour */
#define PVCLOCK_VMCLOCK_FLAG_PERIOD_ESTERROR_VALID (1u << 3)
#define PVCLOCK_VMCLOCK_FLAG_PERIOD_MAXERROR_VALID (1u << 4)
#define PVCLOCK_VMCLOCK_FLAG_TIME_ESTERROR_VALID   (1u << 5)
#define PVCLOCK_VMCLOCK_FLAG_TIME_MAXERROR_VALID   (1u << 6)
#define PVCLOCK_VMCLOCK_FLAG_TIME_MONOTONIC        (1u << 7)
#define PVCLOCK_VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT (1u << 8)
#define PVCLOCK_VMCLOCK_FLAG_NOTIFICATION_PRESENT  (1u << 9)

/* The page, as Linux's include/uapi/linux/vmclock-abi.h lays it out (little-endian). */
struct pvclock_vmclock_abi {
	uint32_t magic;
	uint32_t size;                  /* of the region holding the structure */
	uint16_t version;
	uint8_t counter_id;
	uint8_t time_type;
	uint32_t seq_count;             /* odd while the host rewrites the fields below */
	uint64_t disruption_marker;     /* a new, never-repeated value after each disruption */
	uint64_t flags;
	uint8_t pad[2];
	uint8_t clock_status;
	uint8_t leap_second_smearing_hint;
	int16_t tai_offset_sec;
	uint8_t leap_indicator;
	uint8_t counter_period_shift;
	uint64_t counter_value;
	uint64_t counter_period_frac_sec;              /* 2^-(64 + shift) s per tick */
	uint64_t counter_period_esterror_rate_frac_sec;
	uint64_t counter_period_maxerror_rate_frac_sec;
	uint64_t time_sec;
	uint64_t time_frac_sec;                        /* 2^-64 s */
	uint64_t time_esterror_nanosec;
	uint64_t time_maxerror_nanosec;
	uint64_t vm_generation_counter;                /* bumped at each snapshot restore, when present */
};

PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_vmclock_abi, seq_count) == 0x0c, "seq_count @0x0c");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_vmclock_abi, disruption_marker) == 0x10, "marker @0x10");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_vmclock_abi, clock_status) == 0x22, "clock_status @0x22");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_vmclock_abi, tai_offset_sec) == 0x24, "tai_offset_sec @0x24");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_vmclock_abi, counter_period_shift) == 0x27, "shift @0x27");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_vmclock_abi, counter_value) == 0x28, "counter_value @0x28");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_vmclock_abi, time_sec) == 0x48, "time_sec @0x48");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_vmclock_abi, time_maxerror_nanosec) == 0x60, "maxerror @0x60");
PVCLOCK_STATIC_ASSERT(offsetof(struct pvclock_vmclock_abi, vm_generation_counter) == 0x68, "generation @0x68");
PVCLOCK_STATIC_ASSERT(sizeof(struct pvclock_vmclock_abi) == 0x70, "vmclock_abi is 0x70 bytes");

/* The structure without vm_generation_counter: the smallest size a page may give. */
#define PVCLOCK_VMCLOCK_MIN_SIZE 0x68u

/* struct pvclock_vmclock - an open VMClock page. */
struct pvclock_vmclock {
	const volatile struct pvclock_vmclock_abi *page;   /* NULL: not open */
	size_t len;                     /* bytes mapped or given */
	int fd;                         /* the device, for poll(); -1 for memory */
	unsigned max_retries;           /* tries while the page is mid-update */
	uint64_t seen_marker;           /* what pvclock_vmclock_disrupted() saw last */
	uint64_t seen_generation;
};

/* One reading, all fields from one consistent copy of the page. */
struct pvclock_vmclock_time {
	int64_t sec;                    /* in the page's time type; valid when the read returned PVCLOCK_OK */
	uint32_t nsec;
	uint8_t time_type;              /* enum pvclock_vmclock_time_type */
	uint8_t clock_status;           /* enum pvclock_vmclock_status */
	uint8_t leap_indicator;         /* enum pvclock_vmclock_leap */
	uint8_t counter_id;             /* enum pvclock_vmclock_counter */
	int16_t tai_offset_sec;         /* TAI - UTC, when flags say it is valid */
	uint64_t esterror_ns;           /* at this instant; UINT64_MAX when the page gives none */
	uint64_t maxerror_ns;
	uint64_t flags;
	uint64_t disruption_marker;
	uint64_t vm_generation;         /* 0 when the page has no generation counter */
	uint64_t counter;               /* the TSC value the time is for */
};

/*
 * pvclock_vmclock_open_memory - a VMClock page at @page, @len bytes (tests,
 * unikernels, a page mapped by other means).  PVCLOCK_EARG for NULL or a
 * length below the structure; PVCLOCK_EFORMAT when magic, version or size
 * are wrong.
 */
int pvclock_vmclock_open_memory(struct pvclock_vmclock *vc, const void *page, size_t len);

/*
 * pvclock_vmclock_open_device - map @path (NULL: /dev/vmclock0) read-only.
 * PVCLOCK_ENOPAGE when there is no such device (no VMClock here),
 * PVCLOCK_EACCES when it exists but may not be opened (root-only by
 * default), PVCLOCK_EFORMAT as above.
 */
int pvclock_vmclock_open_device(struct pvclock_vmclock *vc, const char *path);

/* pvclock_vmclock_close - unmap and close what open_device mapped; nothing for memory. */
void pvclock_vmclock_close(struct pvclock_vmclock *vc);

/*
 * pvclock_vmclock_read - the page's time now, with its error bounds, status,
 * leap indicator, disruption marker and VM generation, from one consistent
 * copy.  PVCLOCK_OK: every field valid.  Where the page gives no time, the
 * fields other than sec/nsec are still filled and the status says why:
 * PVCLOCK_ECOUNTER (the counter is not the TSC, or INVALID: a marker-only
 * page, as QEMU and Firecracker publish), PVCLOCK_EUNRELIABLE (the host
 * says the clock is unknown, initialising or unreliable).  PVCLOCK_ESTUCK
 * when the page stays mid-update past max_retries; PVCLOCK_ENOSOURCE,
 * PVCLOCK_EARG.
 */
int pvclock_vmclock_read(const struct pvclock_vmclock *vc, struct pvclock_vmclock_time *t);

/*
 * pvclock_vmclock_disrupted - whether the counter was disrupted (the marker
 * or the VM generation changed) since the previous call on @vc, or since it
 * was opened; 1 or 0, or a negative status.
 */
int pvclock_vmclock_disrupted(struct pvclock_vmclock *vc);

/*
 * pvclock_vmclock_wait - wait up to @timeout_ms (-1: for ever) for the page
 * to change, with poll() on the device.  1 when it changed, 0 on timeout;
 * PVCLOCK_ENOTIFY where the page offers no notifications or was not opened
 * from a device.
 */
int pvclock_vmclock_wait(struct pvclock_vmclock *vc, int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_VMCLOCK_H */
