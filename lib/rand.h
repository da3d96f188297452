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

#endif
