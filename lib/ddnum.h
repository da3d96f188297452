/*
 * ddnum.h: numbers as GNU dd reads its operands (bs=, count=, skip=,
 * seek=), for iso/bin/dd and its host test.
 */
#ifndef LIB_DDNUM_H
#define LIB_DDNUM_H

#include <stdint.h>

/* s as GNU dd (coreutils 9) reads it: decimal digits, then one suffix
 * of c (1), w (2), b (512), or k, K, M, G, T, P, E (powers of 1024;
 * followed by B, powers of 1000; by iB, of 1024 again), c, w and b
 * also taking a B, and B alone (1); then optionally `x` and a second
 * such number, the product.  0, *out, and *in_bytes: whether s ends in
 * B ("it counts bytes not blocks", for count=, skip=, seek=); or -1:
 * not a number, a suffix GNU's dd does not take, or past 2^63 - 1
 * (dd's operands are intmax_t). */
int ddnum_parse(const char *s, uint64_t *out, int *in_bytes);

#endif
