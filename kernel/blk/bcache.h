/*
 * bcache.h: the buffer cache.
 *
 * Interface (every function may sleep; call from threads only):
 *	getblk(dev, blkno, size)   the buffer for a block, held (B_BUSY);
 *	                           contents valid only if B_DONE
 *	bread(dev, blkno, size, &bp)   ... read from the device if need be
 *	breada(dev, blkno, size, rablkno, rasize, &bp)
 *	                           ... and start reading rablkno ahead
 *	bread_ahead(dev, blkno, size, ralo, rahi, &bp)
 *	                           ... and [ralo, rahi) ahead, in clusters
 *	bread_seq(dev, blkno, size, &ra, &bp)
 *	                           ... reading ahead as far as a sequential
 *	                           reader needs (cluster.c)
 *	bwrite(bp)   write now, wait, release; returns the error
 *	bwrite_all(bps, n)   bwrite of n at once: started, then waited for
 *	bawrite(bp)  start the write, release when done
 *	bdwrite(bp)  mark dirty and release: written later (delayed write)
 *	cluster_write(bp)  bawrite, with the delayed writes it continues
 *	brelse(bp)   release a held buffer
 *	geteblk(size)   a held buffer belonging to no device
 *	bflush(dev), binval(dev), bsync()
 * The rule: a buffer obtained from any of them is held until the holder
 * hands it to brelse, bwrite, bawrite or bdwrite, exactly once.
 */
#ifndef BCACHE_H
#define BCACHE_H

#include "buf.h"

#define MAXBSIZE	  (64 * 1024)  /* the largest buffer */
#define CLUSTER_MAX	  (256 * 1024) /* the longest read-ahead or write */
#define RA_MAX		  (8 * CLUSTER_MAX) /* the largest read-ahead window */
#define BCACHE_AGE_TICKS  (5 * HZ) /* delayed writes older: syncer writes */
#define BCACHE_SYNC_TICKS HZ	   /* how often the syncer looks */

#define BCACHE_NBUF_MIN 16 /* the fewest headers nbuf= allows */

void bcache_init(void);
struct buf *getblk(dev_t dev, daddr_t blkno, uint32_t size);
struct buf *geteblk(uint32_t size);
int bread(dev_t dev, daddr_t blkno, uint32_t size, struct buf **bpp);
int breada(dev_t dev, daddr_t blkno, uint32_t size, daddr_t rablkno,
	   uint32_t rasize, struct buf **bpp);
int bwrite(struct buf *bp);
int bwrite_all(struct buf **bps, int n);
void bawrite(struct buf *bp);
void bdwrite(struct buf *bp);
void brelse(struct buf *bp);
int bflush(dev_t dev);
void binval(dev_t dev);
int bsync(void);
struct buf *bcache_peek(dev_t dev, daddr_t blkno);
int bcache_owns(const struct buf *bp);
int bcache_resize(int nbuf);
void bcache_set_budget(uint64_t bytes);
int bcache_drop(void);
int bcache_raw_begin(dev_t dev, uint64_t off, uint64_t len, int write);
void bcache_raw_end(int slot);
int bread_ahead(dev_t dev, daddr_t blkno, uint32_t size, daddr_t ralo,
		daddr_t rahi, struct buf **bpp);
int bread_meta(dev_t dev, daddr_t blkno, uint32_t size, daddr_t ralo,
	       daddr_t rahi, struct buf **bpp);

/* A sequential reader's read-ahead state (one per open file): where it
 * reads next, how far ahead reads were started, the window (blocks). */
struct readahead {
	daddr_t next;
	daddr_t end;
	uint32_t window;
};
int bread_seq(dev_t dev, daddr_t blkno, uint32_t size, struct readahead *ra,
	      struct buf **bpp);
void cluster_write(struct buf *bp);

/* for cluster.c: bottom devices' blocks, no sleeping */
int getblk_nowait(dev_t dev, daddr_t blkno, uint32_t size, struct buf **bpp);
struct buf *bcache_take_delwri(dev_t dev, daddr_t blkno, uint32_t size);
void bcache_wait_for(struct buf *bp);
void bcache_read_prep(struct buf *bp, int async);
void bcache_write_prep(struct buf *bp, int async);
void cluster_read(struct buf *bp, dev_t dev, daddr_t lo, daddr_t hi,
		  uint32_t size);

extern struct bcache_stats {
	int nbuf;	    /* buffer headers in the pool */
	uint64_t budget;    /* bytes of data it may hold (bcache=) */
	uint64_t hits;	    /* bread found valid contents */
	uint64_t misses;    /* bread had to read */
	uint64_t ra_issued; /* read-aheads started */
	uint64_t ra_used;   /* ... later asked for */
	uint64_t ra_wasted; /* ... evicted or invalidated unused */
	uint64_t delwri;    /* clean buffers made dirty by bdwrite */
	uint64_t writes;    /* buffers written (any way) */
	uint64_t evictions; /* valid buffers reused for another block */
	uint64_t write_errors;
	uint64_t dev_flushes; /* device write caches flushed */
	uint64_t waits;	      /* sleeps for a busy buffer */
	uint64_t syncer_writes;
	uint64_t data_bytes; /* kmalloc'd for the buffers' data */
	uint64_t raw_syncs;  /* raw transfers that met cached blocks */
	uint64_t cl_reads, cl_read_bytes;   /* clustered reads: transfers */
	uint64_t cl_writes, cl_write_bytes; /* ... and writes */
	uint64_t room_visits; /* buffers looked at for memory to reuse */
} bcache_stats;

#endif
