/*
 * pattern.h: the test pattern every disk test writes and checks, so a
 * misplaced or stale sector is told apart from a right one.  A 512-byte
 * sector for disk D at block L:
 *	bytes 0-7   "IODINEPT"
 *	bytes 8-11  D, little endian
 *	bytes 12-19 L, little endian, all 64 bits: a sector read from 2^32
 *	            blocks away (a block number cut to 32 bits) is told apart
 *	byte i>=20  (L * 7 + D * 13 + i) & 0xFF
 * tests/harness.py's pattern_sector writes the same into disk images from
 * the host.
 */
#ifndef LIB_PATTERN_H
#define LIB_PATTERN_H

#include <stdint.h>

void pattern_fill(void *sector, uint32_t disk, uint64_t lba);
int pattern_check(const void *sector, uint32_t disk, uint64_t lba);
int pattern_check_range(const void *data, uint32_t n, uint32_t disk,
			uint64_t lba);

#endif
