/*
 * crc32.c: CRC-32, bit by bit (crc32.h).  GPT needs it twice at attach
 * time, for a few KiB: a table would buy nothing.
 */
#include "crc32.h"

uint32_t
crc32(const void *data, size_t n)
{
	const uint8_t *p = data;
	uint32_t crc = 0xFFFFFFFF;

	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320 & -(crc & 1));
	}
	return ~crc;
}
