/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - what the libFuzzer harnesses share: taking typed values off the
 * front of an input, and a check that aborts (libFuzzer then keeps the
 * input as a crash) with the property that failed.
 */
#ifndef PVCLOCK_FUZZ_H
#define PVCLOCK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: property failed: %s: ", __FILE__, \
				__LINE__, #cond);                              \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

/* An input being taken apart: past its end every value reads as zero bytes. */
struct fuzz_input {
	const uint8_t *p;
	size_t left;
};

static inline void fuzz_take(struct fuzz_input *in, void *out, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memset(out, 0, n);
	memcpy(out, in->p, k);
	in->p += k;
	in->left -= k;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
	uint8_t v;

	fuzz_take(in, &v, sizeof(v));
	return v;
}

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
	uint32_t v;

	fuzz_take(in, &v, sizeof(v));
	return v;
}

static inline uint64_t fuzz_u64(struct fuzz_input *in)
{
	uint64_t v;

	fuzz_take(in, &v, sizeof(v));
	return v;
}

#endif /* PVCLOCK_FUZZ_H */
