/* SPDX-License-Identifier: MIT */
#include "pvclock/error.h"

const char *pvclock_strerror(int status)
{
	switch (status) {
	case PVCLOCK_OK: return "success";
	case PVCLOCK_EUNSTABLE: return "TSC_STABLE is clear: vCPU 0's record does not hold for other vCPUs";
	case PVCLOCK_ESTUCK: return "record stayed mid-update past the retry bound";
	case PVCLOCK_ECPU: return "vCPU has no slot in the record array";
	case PVCLOCK_EINVALID: return "record is not initialised (multiplier 0)";
	case PVCLOCK_ENOMIGRATE: return "no migration counter in this kernel's records";
	case PVCLOCK_ENORSEQ: return "rseq is not available to this thread";
	case PVCLOCK_ENOGETCPU: return "getcpu method does not work here";
	case PVCLOCK_ENOPAGE: return "no pvclock page mapped (kvm-clock never enabled, or not a KVM/Xen guest)";
	case PVCLOCK_EMAPS: return "cannot read /proc/self/maps";
	case PVCLOCK_EARG: return "invalid argument";
	case PVCLOCK_ENOTSC: return "TSC read mode not supported by this CPU";
	case PVCLOCK_ENOSOURCE: return "source not opened";
	case PVCLOCK_EPROBE: return "cannot probe memory: the probe's system call was refused";
	case PVCLOCK_ECOUNTER: return "the page's counter is not this CPU's TSC: no time from it";
	case PVCLOCK_EUNRELIABLE: return "the host says its clock is unknown, initialising or unreliable";
	case PVCLOCK_EACCES: return "the device may not be opened (root-only by default)";
	case PVCLOCK_EFORMAT: return "not a page of the expected kind (magic, version or size)";
	case PVCLOCK_ENOTIFY: return "the page offers no change notifications";
	case PVCLOCK_ESEQZERO: return "Hyper-V TSC page invalid (sequence 0)";
	case PVCLOCK_EUNTRUSTED: return "confidential guest: the host's kvmclock records are not trusted (PVCLOCK_TRUST_HOST=1 overrides)";
	default: return "unknown pvclock status";
	}
}
