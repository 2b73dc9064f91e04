/* SPDX-License-Identifier: MIT */
/*
 * pvclock/syscall.h - raw Linux x86-64 system calls, for the parts that use
 * no libc (the drop-in, the core both are built from).  They return the
 * kernel's answer: a value, or -errno; errno is never touched.
 */
#ifndef PVCLOCK_SYSCALL_H
#define PVCLOCK_SYSCALL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PVCLOCK_SYS_read           0
#define PVCLOCK_SYS_write          1
#define PVCLOCK_SYS_open           2
#define PVCLOCK_SYS_close          3
#define PVCLOCK_SYS_sched_yield    24
#define PVCLOCK_SYS_mincore        27
#define PVCLOCK_SYS_getpid         39
#define PVCLOCK_SYS_gettimeofday   96
#define PVCLOCK_SYS_prctl          157
#define PVCLOCK_SYS_time           201
#define PVCLOCK_SYS_futex          202
#define PVCLOCK_SYS_clock_gettime  228
#define PVCLOCK_SYS_clock_getres   229
#define PVCLOCK_SYS_getcpu         309

#define PVCLOCK_SYS_O_RDONLY   0
#define PVCLOCK_SYS_O_CLOEXEC  02000000
#define PVCLOCK_SYS_EINTR      4
#define PVCLOCK_SYS_EAGAIN     11
#define PVCLOCK_SYS_EFAULT     14
#define PVCLOCK_SYS_EINVAL     22

#define PVCLOCK_SYS_FUTEX_CMP_REQUEUE_PRIVATE (4 | 128)

static inline long pvclock_syscall3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "0"(nr), "D"(a), "S"(b), "d"(c)
			     : "rcx", "r11", "memory");
	return ret;
}

static inline long pvclock_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
	/* Register variables hold their register only as operands of the asm right after. */
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			     : "rcx", "r11", "memory");
	return ret;
}

static inline long pvclock_syscall3_retry(long nr, long a, long b, long c)
{
	long ret;

	do
		ret = pvclock_syscall3(nr, a, b, c);
	while (ret == -PVCLOCK_SYS_EINTR);
	return ret;
}

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_SYSCALL_H */
