/* SPDX-License-Identifier: MIT */
#include "pvclock/math.h"

uint64_t pvclock_tsc_khz(uint32_t mul, int8_t shift)
{
	/* ns per tick = mul * 2^shift / 2^32, so kHz = 10^6 * 2^32 / mul / 2^shift. */
	unsigned __int128 khz = (unsigned __int128)1000000u << 32;
	unsigned __int128 den = mul;

	if (mul == 0)
		return 0;
	if (shift > 0)
		den <<= shift;
	else if (shift < 0)
		khz <<= -shift;
	return (uint64_t)((khz + den / 2) / den);
}
