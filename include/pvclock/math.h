/* SPDX-License-Identifier: MIT */
/*
 * pvclock/math.h - TSC ticks to nanoseconds, exactly as the pvclock ABI defines it.
 */
#ifndef PVCLOCK_MATH_H
#define PVCLOCK_MATH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * pvclock_shift_left, pvclock_shift_right - how a record's @shift moves a
 * TSC delta: left by @shift bits when positive, right by -@shift bits when
 * negative, counts taken modulo 64 as the x86 shift instructions take them.
 * Hosts publish -31..31; the ABI allows any s8, and every s8 has this one
 * meaning here.
 */
static inline unsigned pvclock_shift_left(int8_t shift)
{
	return shift > 0 ? (unsigned)shift & 63u : 0;
}

static inline unsigned pvclock_shift_right(int8_t shift)
{
	return shift < 0 ? (unsigned)(-(int)shift) & 63u : 0;
}

/*
 * pvclock_scale_delta - scale a TSC delta to nanoseconds: the delta shifted
 * as above, times @mul as a 64x32 -> 96-bit product of which bits 32..95
 * are returned.
 */
static inline uint64_t pvclock_scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
	delta = delta << pvclock_shift_left(shift) >> pvclock_shift_right(shift);
	return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

/*
 * pvclock_time_at - the record's clock at TSC value @tsc.  The delta is
 * taken modulo 2^64, as the host does.
 */
static inline uint64_t pvclock_time_at(uint64_t system_time, uint64_t tsc_timestamp,
				       uint32_t mul, int8_t shift, uint64_t tsc)
{
	return system_time + pvclock_scale_delta(tsc - tsc_timestamp, mul, shift);
}

/*
 * pvclock_tsc_khz - the TSC frequency in kHz that (@mul, @shift) implies
 * under pvclock_scale_delta(): 10^6 * 2^32 / (@mul shifted as a delta is),
 * rounded to nearest, halves up.  Defined for every @mul and every @shift:
 * 0 when @mul is 0 or the rate is below 0.5 kHz (no usable rate);
 * PVCLOCK_TSC_KHZ_SATURATED when the rate is that value or more (right
 * shifts of 13 bits and more with the smallest multipliers).
 */
#define PVCLOCK_TSC_KHZ_SATURATED UINT64_MAX
uint64_t pvclock_tsc_khz(uint32_t mul, int8_t shift);

#ifdef __cplusplus
}
#endif

#endif /* PVCLOCK_MATH_H */
