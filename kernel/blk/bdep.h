/*
 * bdep.h: write-order dependencies between cached buffers (bdep.c).
 *
 *	bdep(bp, dev, blkno)  bp (held) reaches the disk only after what
 *	                      block blkno of dev holds now
 */
#ifndef BDEP_H
#define BDEP_H

#include "buf.h"

struct bdep;

#define BDEP_ROUNDS 32 /* bflush's rounds before it breaks a loop */

int bdep(struct buf *bp, dev_t dev, daddr_t blkno);

/* for the cache (bcache.c, cluster.c), at splbio */
int bdep_ready(struct buf *bp); /* 1: nothing bp waits for is unwritten */
/* bp waits for another block's write (the cheap test first) */
static inline int
bdep_waits(struct buf *bp)
{
	return bp->b_dep && !bdep_ready(bp);
}
void bdep_start(struct buf *bp);  /* start writing what bp waits for */
void bdep_forget(struct buf *bp); /* bp's contents are gone or written */
/* in a thread, bp held: what bp waits for written (may sleep) */
void bdep_wait(struct buf *bp);

extern struct bdep_stats {
	uint64_t added;	  /* dependencies recorded */
	uint64_t waited;  /* ... a write had to wait for (bdep_wait) */
	uint64_t started; /* ... started by the cache to free a write */
	uint64_t sync;	  /* written at once: no record free */
	uint64_t broken;  /* given up (a loop: a damaged file system) */
} bdep_stats;

#endif
