/*
 * blkread.c: sequential reads from a byte offset in whole blocks
 * (blkread.h).
 */
#include "blkread.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLKREAD_CHUNK 65536

int
blkread_open(struct blkread *r, int fd, uint64_t off)
{
	struct stat st;
	uint32_t bs = 1;

	if (fstat(fd, &st) == 0 && st.st_blksize > 0 &&
	    BLKREAD_CHUNK % st.st_blksize == 0)
		bs = (uint32_t)st.st_blksize;
	uint64_t start = off - off % bs;
	if (off && lseek(fd, (off_t)start, SEEK_SET) < 0)
		return -1;
	if (!(r->buf = malloc(BLKREAD_CHUNK))) {
		errno = ENOMEM;
		return -1;
	}
	r->fd = fd;
	r->size = BLKREAD_CHUNK;
	r->len = 0;
	r->at = off - start;
	return 0;
}

int
blkread(struct blkread *r, void *dst, uint32_t n)
{
	while (r->at >= r->len) {
		int got = read(r->fd, r->buf, r->size);
		if (got <= 0)
			return got;
		r->at -= r->len;
		r->len = (uint32_t)got;
	}
	uint32_t have = r->len - (uint32_t)r->at;
	if (n > have)
		n = have;
	memcpy(dst, r->buf + r->at, n);
	r->at += n;
	return (int)n;
}
