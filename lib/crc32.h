/*
 * crc32.h: the CRC-32 of IEEE 802.3 (polynomial 0x04C11DB7, reflected),
 * which GPT headers and partition arrays carry (UEFI 2.x, section 5.3).
 */
#ifndef CRC32_H
#define CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32(const void *data, size_t n);

#endif
