/*
 * buf.h: the buffer header, as the reference pages describe it
 * (../shared/seeds/: AIX buf and ddstrategy, SVR5/illumos buf(D4/9S)).
 *
 * The rules a driver keeps:
 *  - The caller of a strategy routine sets b_iodone (or leaves it NULL)
 *    while it sets up the request, and nobody else changes it.  A layer
 *    that substitutes its own completion routine saves the caller's
 *    b_iodone (and anything else it changes) before, and restores it
 *    before it calls biodone() for the original request.
 *  - A strategy routine must not change b_dev, b_blkno or b_un (nor
 *    b_forw/b_back, which belong to the cache); bio.c checks the first
 *    three at completion and panics on a change.
 *  - After biodone(bp) the driver does not touch bp again.
 */
#ifndef BUF_H
#define BUF_H

#include <stdint.h>

#include "thread.h"

typedef uint32_t dev_t;
typedef int32_t daddr_t; /* block number in 512-byte units */

#define DEV_BSIZE  512
#define DEV_BSHIFT 9

/* b_flags */
#define B_WRITE	    0x0000 /* not B_READ */
#define B_READ	    0x0001 /* transfer from the device */
#define B_DONE	    0x0002 /* the transfer has completed */
#define B_ERROR	    0x0004 /* it failed: b_error says why */
#define B_BUSY	    0x0008 /* owned: by a thread or by a driver */
#define B_ASYNC	    0x0010 /* nobody waits: release it when done */
#define B_DELWRI    0x0020 /* dirty: write before reuse */
#define B_INVAL	    0x0040 /* contents not valid */
#define B_WANTED    0x0080 /* a thread sleeps for B_BUSY to clear */
#define B_CACHE	    0x0100 /* found in the cache, not read */
#define B_RAW	    0x0200 /* a raw buf from getrbuf, not the cache's */
#define B_AGE	    0x0400 /* release at the LRU head: reuse it soon */
#define B_READAHEAD 0x0800 /* read ahead, not asked for yet */
#define B_QUEUED    0x1000 /* between strategy and biodone (kernel bug check) */

struct buf {
	uint32_t b_flags;
	struct buf *b_forw, *b_back;   /* cache hash chain */
	struct buf *av_forw, *av_back; /* driver queues; av_forw: chains */
	dev_t b_dev;
	daddr_t b_blkno;   /* first block, DEV_BSIZE units */
	uint32_t b_bcount; /* bytes asked for */
	uint32_t b_resid;  /* bytes not transferred */
	int b_error;	   /* errno when B_ERROR */
	union {
		void *b_addr; /* the data */
	} b_un;
	void (*b_iodone)(struct buf *bp); /* completion routine, or NULL */
	void *b_private;		  /* for whoever set b_iodone */

	/* what the cache and the block layer keep */
	struct buf *b_lrunext, *b_lruprev; /* free list */
	uint32_t b_bufsize;		   /* bytes of memory behind b_addr */
	uint64_t b_dirtied;		   /* tick it became B_DELWRI */
	uint32_t b_seq;	   /* issue sequence, for the kernel bug checks */
	dev_t b_saved_dev; /* as handed to strategy, for the checks */
	daddr_t b_saved_blkno;
	void *b_saved_addr;
};

void biodone(struct buf *bp);
void iodone(struct buf *bp); /* AIX's name: the same function */
int biowait(struct buf *bp);
void bioerror(struct buf *bp, int error);
int geterror(const struct buf *bp);

void iodone_init(void);
void iodone_defer(struct buf *bp);
void biodone_finish(struct buf *bp);

extern struct iodone_stats {
	uint64_t deferred;  /* bufs completed off-level */
	uint64_t immediate; /* completed at once (base level) */
	uint32_t max_depth; /* longest the INTIODONE queue has been */
} iodone_stats;

#endif
