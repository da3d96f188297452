/*
 * buf.h: the buffer header, as the reference pages describe it
 * (../shared/seeds/: AIX buf and ddstrategy, SVR5/illumos buf(D4/9S)).
 *
 * The rules a driver keeps:
 *  - The caller of a strategy routine sets b_iodone (or leaves it NULL)
 *    while it sets up the request, and nobody else changes it.  A layer
 *    that substitutes its own completion routine saves the caller's
 *    b_iodone and b_private first, and puts them back before it calls
 *    biodone() to complete the original request (none of iodine's
 *    layers does: bdev.c's splitting and narrowing, partitions (part.c)
 *    and volumes (lv.c) issue child bufs of their own, with their own
 *    b_iodone, and leave the parent's fields alone):
 *
 *		saved = bp->b_iodone; bp->b_iodone = my_done; ...
 *		my_done(bp): bp->b_iodone = saved; biodone(bp);
 *
 *  - A strategy routine must not change b_dev, b_blkno or b_un (nor
 *    b_forw/b_back, which belong to the cache): biodone() panics if it
 *    finds them changed (b_forw/b_back on bufs that are not the cache's,
 *    whose links move when their neighbours come and go).
 *  - A strategy routine never sleeps (bio.c says why): tsleep panics.
 *  - After biodone(bp) the driver does not touch bp again; biodone() on a
 *    buf that is not in flight (completed twice, or never issued) panics,
 *    and so does the completion of a buf whose fields changed between a
 *    deferred biodone and the INTIODONE level running it (bio.c).
 *    A layer that passes a buf it was handed down to another device issues
 *    it again: each issue is matched by one biodone (b_iodepth counts).
 */
#ifndef BUF_H
#define BUF_H

#include <stdint.h>

#include "thread.h"

struct bdep;

typedef uint32_t dev_t;
/* A block number in 512-byte units: 64 bits, so a disk of any size ATA
 * can address (2^48 sectors, 128 PiB) has none that wraps, and signed, so
 * a negative one is an error the bounds check catches, not a huge one. */
typedef int64_t daddr_t;

/* A dev_t is (major << 24) | minor: the major names the driver, the minor
 * (24 bits) the unit, room for the PCI address a disk's name carries
 * (bdev.h).  Messages print it as "major,minor", as lsblk does. */
#define makedev(ma, mi) ((dev_t)(((dev_t)(ma) << 24) | (mi)))
#define major(d)	((int)((d) >> 24))
#define minor(d)	((int)((d)&0xFFFFFF))

#define DEV_BSIZE  512
#define DEV_BSHIFT 9
#define NODEV	   ((dev_t)-1)

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
#define B_FLUSH	    0x1000 /* no data: flush the device's write cache */
#define B_NOCACHE   0x2000 /* the cache drops it at brelse (bcache.c) */
#define B_META	    0x4000 /* a file system's own block: the trace's M */
#define B_WRITING   0x8000 /* the cache is writing it (bdep.c) */

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

	/* the driver's while it holds the buf (not av_back: a 64-bit tick
	 * does not fit in a pointer) */
	int b_retries;	     /* tries so far (AHCI) */
	uint64_t b_deadline; /* tick it is due or times out (rd1) */

	/* what the cache and the block layer keep */
	struct buf *b_lrunext, *b_lruprev; /* the cache's free list */
	uint32_t b_bufsize;		   /* bytes of memory at b_addr */
	void *b_mem; /* the cache's memory for it: b_un.b_addr must stay it */
	uint64_t b_dirtied; /* tick it became B_DELWRI */
	struct bdep *b_dep; /* blocks to be written before it (bdep.c) */
	struct buf *b_dnext, *b_dprev; /* the cache's delayed writes */
	int b_offgrid;		       /* not on its device's grid (bcache.c) */
	dev_t b_hdev;		/* where the cache hashed it: brelse's check */
	daddr_t b_hblkno;	/* that nobody moved it */
	struct thread *b_owner; /* the thread holding it; NULL while free
				   or while an asynchronous transfer has it */
	int b_iodepth;	   /* strategy calls not yet matched by biodone: 1 for a
			  plain request, more while layers are stacked */
	dev_t b_saved_dev; /* as handed to strategy, for the checks */
	struct buf *b_saved_forw, *b_saved_back; /* (not the cache's: its
						    chains move underneath) */
	daddr_t b_saved_blkno;
	void *b_saved_addr;
	uint64_t b_seal; /* the driver's fields as a deferred biodone left
			    them, a byte of hash each (bio.c: biodone_seal) */
};

void bio_issue(struct buf *bp);
void biodone(struct buf *bp);
void iodone(struct buf *bp); /* AIX's name: the same function */
int biowait(struct buf *bp);
void bioerror(struct buf *bp, int error);
void biofail(struct buf *bp, int error);
int geterror(const struct buf *bp);
struct buf *getrbuf(void);
void freerbuf(struct buf *bp);

void iodone_init(void);
void iodone_defer(struct buf *bp);
void biodone_finish(struct buf *bp);
void biodone_deferred(struct buf *bp);

extern struct iodone_stats {
	uint64_t deferred;  /* bufs completed off-level */
	uint64_t immediate; /* completed at once (base level) */
	uint32_t max_depth; /* longest the INTIODONE queue has been */
	uint64_t sealed;    /* deferred completions checked for a store
			       after biodone (bio.c) */
} iodone_stats;

#endif
