/*
 * pattern.c: the disk test pattern (pattern.h).
 */
#include "pattern.h"

#include "string.h"

#define SECTOR 512

void
pattern_fill(void *sector, uint32_t disk, uint64_t lba)
{
	uint8_t *p = sector;

	memcpy(p, "IODINEPT", 8);
	for (int i = 0; i < 4; i++)
		p[8 + i] = (uint8_t)(disk >> (8 * i));
	for (int i = 0; i < 8; i++)
		p[12 + i] = (uint8_t)(lba >> (8 * i));
	for (int i = 20; i < SECTOR; i++)
		p[i] = (uint8_t)(lba * 7 + disk * 13 + i);
}

/* -1 if the sector is right, else the offset of its first wrong byte. */
int
pattern_check(const void *sector, uint32_t disk, uint64_t lba)
{
	uint8_t want[SECTOR];
	const uint8_t *p = sector;

	pattern_fill(want, disk, lba);
	for (int i = 0; i < SECTOR; i++)
		if (p[i] != want[i])
			return i;
	return -1;
}

/* n sectors from lba: -1 if all are right, else the index of the first
 * wrong one. */
int
pattern_check_range(const void *data, uint32_t n, uint32_t disk, uint64_t lba)
{
	for (uint32_t i = 0; i < n; i++)
		if (pattern_check((const uint8_t *)data + i * SECTOR, disk,
				  lba + i) >= 0)
			return (int)i;
	return -1;
}
