/*
 * rand.h: xorshift32, a small deterministic generator for tests and
 * benchmarks (the same seed gives the same run).
 */
#ifndef LIB_RAND_H
#define LIB_RAND_H

#include <stdint.h>

static inline uint32_t
rand32(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9E3779B9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* Fisher-Yates: a[0..n) in a random order. */
static inline void
rand_shuffle(uint32_t *a, uint32_t n, uint32_t *state)
{
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j = rand32(state) % i, t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

#endif
