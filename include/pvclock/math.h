/* SPDX-License-Identifier: MIT */
/*
 * pvclock/math.h - TSC ticks to nanoseconds, exactly as the pvclock ABI defines it.
 */
#ifndef PVCLOCK_MATH_H
#define PVCLOCK_MATH_H

#include <stdint.h>

/*
 * pvclock_scale_delta - scale a TSC delta to nanoseconds.
 *
 * The delta is shifted left by @shift (right when negative), then multiplied
 * by @mul as a 64x32 -> 96-bit product of which bits 32..95 are returned.
 * Shift counts are taken modulo 64; hosts only publish -31..31.
 */
static inline uint64_t pvclock_scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
	if (shift < 0)
		delta >>= (unsigned)(-(int)shift) & 63u;
	else
		delta <<= (unsigned)shift & 63u;
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
 * pvclock_tsc_khz - the TSC frequency in kHz that (@mul, @shift) implies,
 * rounded to nearest; 0 when @mul is 0.
 */
uint64_t pvclock_tsc_khz(uint32_t mul, int8_t shift);

#endif /* PVCLOCK_MATH_H */
