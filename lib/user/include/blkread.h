/*
 * blkread.h: read a file on from any byte offset in whole blocks of its
 * st_blksize, from block boundaries, as BSD's stdio does after fseeko:
 * a raw device takes whole sectors only, and this way hexdump and cmp
 * read one at any offset and length, as the real ones do.
 */
#ifndef BLKREAD_H
#define BLKREAD_H

#include <stdint.h>

struct blkread {
	int fd;
	char *buf; /* size bytes, a multiple of the block size */
	uint32_t size;
	uint32_t len; /* bytes in buf */
	uint64_t at;  /* the next byte's place in buf (may lie past len
			   until the reads reach the starting offset) */
};

/* 0, or -1 and errno (ENOMEM, or lseek's: ESPIPE where off is not 0). */
int blkread_open(struct blkread *r, int fd, uint64_t off);
/* Up to n bytes: how many, 0 at the end, or -1 and errno. */
int blkread(struct blkread *r, void *dst, uint32_t n);

#endif
