/*
 * testio.h: the tests' one way to move data through a device as a
 * caller of the block layer does: a buf set up, handed to bdev_strategy,
 * waited for in biowait (buf(9S), biowait(9F)).
 */
#ifndef TESTIO_H
#define TESTIO_H

#include <stdint.h>

#include "blk/bdev.h"

/* bp zeroed, then the fields a caller sets (no b_iodone: biowait). */
void testio_setup(struct buf *bp, const struct bdev *bd, uint32_t flags,
		  daddr_t blkno, uint32_t bcount, void *addr);
/* Hand bp to its device and wait: biowait's error. */
int testio_run(struct buf *bp);
/* Both, on a buf of the tests' own: the error, and *resid its b_resid if
 * resid is set.  One caller at a time (the buf is static). */
int testio(const struct bdev *bd, uint32_t flags, daddr_t blkno,
	   uint32_t bcount, void *addr, uint32_t *resid);

#endif
