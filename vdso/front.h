/* SPDX-License-Identifier: MIT */
/*
 * vdso/front.h - what the drop-in's entry points take from the libc they
 * run beside: errno.  The shared object has no libc of its own and finds
 * the process's through the dynamic linker (loader.c); the static archive
 * is linked with one (libc.c).
 */
#ifndef PVCLOCK_VDSO_FRONT_H
#define PVCLOCK_VDSO_FRONT_H

#include "pvclock/clock.h"

/* pvclock_vdso_errno - where errno lives for the calling thread; NULL where it cannot be found. */
int *pvclock_vdso_errno(void) PVCLOCK_HIDDEN;

#endif /* PVCLOCK_VDSO_FRONT_H */
