/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pvclock/rseq.h"

#ifndef __NR_rseq
#define __NR_rseq 334
#endif

/* glibc 2.35+: the registered area is at the thread pointer plus __rseq_offset. */
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

__thread volatile struct pvclock_rseq_area *pvclock_rseq_tls;

static __thread struct pvclock_rseq_area own_area = {
	.cpu_id = PVCLOCK_RSEQ_CPU_UNREGISTERED,
};
static __thread struct pvclock_rseq_area failed_area = {
	.cpu_id_start = 0,
	.cpu_id = PVCLOCK_RSEQ_CPU_FAILED,
};
static __thread unsigned char owner;


static int register_own(void)
{
	long ret;

	/*
	 * The signature goes into r10 inside the asm: a register variable set
	 * outside it does not survive the TLS address lookup (a call) that
	 * the compiler may place between the two.
	 */
	__asm__ __volatile__("movl %[sig], %%r10d\n\t"
			     "syscall"
			     : "=a"(ret)
			     : "0"((long)__NR_rseq), "D"(&own_area), "S"((long)sizeof(own_area)),
			       "d"(0L), [sig] "i"(PVCLOCK_RSEQ_SIG)
			     : "rcx", "r10", "r11", "memory");
	/* -EBUSY: this area was registered already (a signal handler raced us). */
	return ret == 0 || (ret == -EBUSY && (int32_t)own_area.cpu_id >= 0);
}

volatile struct pvclock_rseq_area *pvclock_rseq_thread_init(void)
{
	volatile struct pvclock_rseq_area *rs;

	if (&__rseq_size && &__rseq_offset && __rseq_size >= 20) {
		rs = (volatile struct pvclock_rseq_area *)((char *)__builtin_thread_pointer() +
							    __rseq_offset);
		if ((int32_t)rs->cpu_id >= 0) {
			owner = PVCLOCK_RSEQ_LIBC;
			pvclock_rseq_tls = rs;
			return rs;
		}
	}
	if (register_own()) {
		owner = PVCLOCK_RSEQ_OWN;
		pvclock_rseq_tls = &own_area;
		return &own_area;
	}
	owner = PVCLOCK_RSEQ_NONE;
	pvclock_rseq_tls = &failed_area;
	return &failed_area;
}

enum pvclock_rseq_owner pvclock_rseq_owner(void)
{
	pvclock_rseq_current();
	return (enum pvclock_rseq_owner)owner;
}
