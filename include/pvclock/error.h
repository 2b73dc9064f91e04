/* SPDX-License-Identifier: MIT */
/*
 * pvclock/error.h - status codes.  Every call returns PVCLOCK_OK (0) or one
 * of these negative values; none of them sets errno.
 */
#ifndef PVCLOCK_ERROR_H
#define PVCLOCK_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum pvclock_status {
	PVCLOCK_OK = 0,
	PVCLOCK_EUNSTABLE = -1,    /* TSC_STABLE is clear: vCPU 0's record is not valid for other vCPUs */
	PVCLOCK_ESTUCK = -2,       /* retry budget spent: the record stayed mid-update (odd or changing version) */
	PVCLOCK_ECPU = -3,         /* the vCPU number has no slot (beyond the page or the memory given) */
	PVCLOCK_EINVALID = -4,     /* the record is not initialised (multiplier 0) */
	PVCLOCK_ENOMIGRATE = -5,   /* the source has no migration counter (kernels other than Linux 4.0-4.2) */
	PVCLOCK_ENORSEQ = -6,      /* rseq is not registered for this thread and cannot be */
	PVCLOCK_ENOGETCPU = -7,    /* the getcpu method asked for does not work here */
	PVCLOCK_ENOPAGE = -8,      /* no pvclock page: not mapped, or the kernel never enabled it */
	PVCLOCK_EMAPS = -9,        /* /proc/self/maps could not be read or parsed */
	PVCLOCK_EARG = -10,        /* bad argument */
	PVCLOCK_ENOTSC = -11,      /* the TSC read mode asked for does not work here */
	PVCLOCK_ENOSOURCE = -12,   /* the source was never opened, or its open failed */
	PVCLOCK_EPROBE = -13,      /* memory could not be probed: the probe's system call was refused */
	PVCLOCK_ECOUNTER = -14,    /* the page's counter is not this CPU's TSC (or is INVALID): no time */
	PVCLOCK_EUNRELIABLE = -15, /* the host says its clock is unknown, initialising or unreliable */
	PVCLOCK_EACCES = -16,      /* the device exists but may not be opened (root-only by default) */
	PVCLOCK_EFORMAT = -17,     /* not a page of the expected kind: magic, version or size */
	PVCLOCK_ENOTIFY = -18,     /* the page offers no change notifications */
	PVCLOCK_ESEQZERO = -19,    /* a Hyper-V TSC page with sequence 0: the host has made it invalid */
	PVCLOCK_EUNTRUSTED = -20,  /* a confidential guest: the host's kvmclock records are not trusted */
};

/*
 * pvclock_strerror - a short English description of @status; never NULL,
 * also for values that are not status codes.
 */
const char *pvclock_strerror(int status);

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_ERROR_H */
