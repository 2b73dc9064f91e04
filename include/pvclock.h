/* SPDX-License-Identifier: MIT */
/*
 * pvclock.h - the whole public interface of libpvclock.
 */
#ifndef PVCLOCK_H
#define PVCLOCK_H

#include "pvclock/abi.h"
#include "pvclock/clock.h"
#include "pvclock/cpu.h"
#include "pvclock/error.h"
#include "pvclock/getcpu.h"
#include "pvclock/hyperv.h"
#include "pvclock/kdata.h"
#include "pvclock/maps.h"
#include "pvclock/math.h"
#include "pvclock/read.h"
#include "pvclock/rseq.h"
#include "pvclock/source.h"
#include "pvclock/stamp.h"
#include "pvclock/syscall.h"
#include "pvclock/tsc.h"
#include "pvclock/vdso_sym.h"
#include "pvclock/version.h"
#include "pvclock/vmclock.h"

#endif /* PVCLOCK_H */
