/*
 * hexdump.h: bytes in the layout of `hexdump -C`.
 */
#ifndef LIB_HEXDUMP_H
#define LIB_HEXDUMP_H

#include <stddef.h>
#include <stdint.h>

#include "printf.h"

void hexdump(putc_fn put, void *arg, const void *data, size_t len,
	     uint64_t offset);

#endif
