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

/* The same over a stream that comes in pieces (the hexdump program) */
struct hexdump_state {
	uint64_t offset; /* of the next byte */
	uint64_t lines;	 /* whole lines so far */
	int n, starred;
	uint8_t line[16], prev[16];
};
void hexdump_begin(struct hexdump_state *st, uint64_t offset);
void hexdump_feed(struct hexdump_state *st, putc_fn put, void *arg,
		  const void *data, size_t len);
void hexdump_end(struct hexdump_state *st, putc_fn put, void *arg);

#endif
