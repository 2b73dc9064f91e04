/* SPDX-License-Identifier: MIT */
#include "pvclock/math.h"

uint64_t pvclock_tsc_khz(uint32_t mul, int8_t shift)
{
	/*
	 * One tick is mul * 2^left / 2^(32 + right) ns (left and right the
	 * shift counts), so the rate in kHz is
	 * 10^6 * 2^(32 + right) / (mul * 2^left): at most 2^115 over at most
	 * 2^95, both exact in 128 bits.
	 */
	unsigned __int128 num, den, khz;

	if (mul == 0)
		return 0;
	num = (unsigned __int128)1000000u << (32 + pvclock_shift_right(shift));
	den = (unsigned __int128)mul << pvclock_shift_left(shift);
	khz = (2 * num + den) / (2 * den);
	return khz >= PVCLOCK_TSC_KHZ_SATURATED ? PVCLOCK_TSC_KHZ_SATURATED : (uint64_t)khz;
}
