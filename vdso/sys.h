/* SPDX-License-Identifier: MIT */
/*
 * vdso/sys.h - raw Linux x86-64 system calls, so the object needs no libc.
 */
#ifndef PVCLOCK_VDSO_SYS_H
#define PVCLOCK_VDSO_SYS_H

#include <stdint.h>

#define VSYS_read           0
#define VSYS_write          1
#define VSYS_open           2
#define VSYS_close          3
#define VSYS_sched_yield    24
#define VSYS_gettimeofday   96
#define VSYS_time           201
#define VSYS_clock_gettime  228
#define VSYS_clock_getres   229
#define VSYS_getcpu         309
#define VSYS_pipe2          293

#define VSYS_O_RDONLY   0
#define VSYS_O_NONBLOCK 04000
#define VSYS_O_CLOEXEC  02000000
#define VSYS_EINTR      4
#define VSYS_EFAULT     14
#define VSYS_EINVAL     22

static inline long vsys3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "0"(nr), "D"(a), "S"(b), "d"(c)
			     : "rcx", "r11", "memory");
	return ret;
}

static inline long vsys_retry3(long nr, long a, long b, long c)
{
	long ret;

	do
		ret = vsys3(nr, a, b, c);
	while (ret == -VSYS_EINTR);
	return ret;
}

#endif /* PVCLOCK_VDSO_SYS_H */
