/* SPDX-License-Identifier: MIT */
/*
 * The drop-in's PVCLOCK_VDSO parser (pvclock_proc_env_feed, pvclock_proc_env_request),
 * fed an environment block in pieces as read() may return them.
 *
 * Input: eight bytes of piece sizes (1-256, used in turn), then the bytes
 * of /proc/self/environ.
 *
 * Properties: the request equals a plain reference parse (the first
 * NUL-separated entry that starts with "PVCLOCK_VDSO="; its value, up to
 * the NUL or the end, "off", "vcpu0" or "percpu" asks for that, anything
 * else for auto), and is the same fed whole or in pieces.
 */
#include <stdint.h>
#include <string.h>

#include "procfs.h"
#include "fuzz.h"

#define NR_PIECES 8u

static enum clock_request reference(const char *s, size_t n)
{
	static const char key[] = "PVCLOCK_VDSO=";
	const size_t klen = sizeof(key) - 1;

	for (size_t i = 0; i < n;) {
		const char *nul = memchr(s + i, '\0', n - i);
		size_t len = nul ? (size_t)(nul - (s + i)) : n - i;

		if (len >= klen && memcmp(s + i, key, klen) == 0) {
			const char *v = s + i + klen;
			size_t vlen = len - klen;

			if (vlen == 3 && memcmp(v, "off", 3) == 0)
				return CLOCK_REQ_OFF;
			if (vlen == 5 && memcmp(v, "vcpu0", 5) == 0)
				return CLOCK_REQ_VCPU0;
			if (vlen == 6 && memcmp(v, "percpu", 6) == 0)
				return CLOCK_REQ_PERCPU;
			return CLOCK_REQ_AUTO;
		}
		i += len + 1;
	}
	return CLOCK_REQ_AUTO;
}

static enum clock_request fed(const char *s, size_t n, const uint8_t *pieces)
{
	struct proc_env st;
	unsigned turn = 0;

	pvclock_proc_env_init(&st);
	for (size_t off = 0; off < n && !st.found;) {
		size_t k = (size_t)pieces[turn++ % NR_PIECES] + 1;

		if (k > n - off)
			k = n - off;
		pvclock_proc_env_feed(&st, s + off, k);
		off += k;
	}
	return pvclock_proc_env_request(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t whole[NR_PIECES] = { 255, 255, 255, 255, 255, 255, 255, 255 };
	enum clock_request want, in_pieces, at_once;
	struct proc_env st;
	const char *s;
	size_t n;

	if (size < NR_PIECES)
		return 0;
	s = (const char *)data + NR_PIECES;
	n = size - NR_PIECES;
	want = reference(s, n);
	in_pieces = fed(s, n, data);
	at_once = fed(s, n, whole);
	pvclock_proc_env_init(&st);
	pvclock_proc_env_feed(&st, s, n);
	FUZZ_CHECK(in_pieces == want && at_once == want && pvclock_proc_env_request(&st) == want,
		   "reference %d, in pieces %d, 256 at a time %d", want, in_pieces, at_once);
	return 0;
}
