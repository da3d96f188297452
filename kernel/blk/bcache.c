/*
 * bcache.c: the buffer cache over the block devices.
 *
 * A pool of buffer headers sized at boot from memory (an eighth of free
 * RAM at 4 KiB a buffer; `nbuf=N` on the command line overrides), each
 * with data memory allocated to the size its block needs (up to
 * MAXBSIZE).  Buffers are found by a hash on (dev, blkno), chained through
 * b_forw/b_back, so a lookup costs the same with 100 or 100,000 buffers.
 * Buffers not held sit on an LRU free list (b_lrunext/b_lruprev); the
 * least recently released is reused first, except that a delayed write is
 * never dropped: it is written (asynchronously) and skipped.
 *
 * Ownership: B_BUSY.  A thread that wants a held buffer sets B_WANTED and
 * sleeps; brelse wakes it.  All list and flag changes happen at splbio,
 * which holds off the IODONE level where asynchronous completions release
 * their buffers (bio.c).
 *
 * Failed reads never leave valid-looking data behind: brelse turns a buf
 * with B_ERROR into B_INVAL, off the hash.  A failed write is logged and
 * counted, in the cache's stats and on its device (wb_errors, for the
 * next fsync of a file open on it); its data is lost, as a later read
 * would show.
 */
#include "bcache.h"

#include <stddef.h>

#include "bdev.h"
#include "clock.h"
#include "cmdline_opt.h"
#include "console.h"
#include "errno.h"
#include "intr.h"
#include "kmalloc.h"
#include "panic.h"
#include "pmem.h"
#include "string.h"
#include "thread.h"
#include "trace.h"

#define NBUF_MIN 16

static struct {
	struct buf *hdr; /* the pool */
	int nbuf;
	struct buf **hash; /* bucket heads */
	uint32_t hmask;
	struct buf lru;	  /* free list sentinel: next = oldest */
	int want_any;	  /* threads waiting for any free buffer */
	int async_writes; /* bawrite()s not yet released */
	struct thread *syncer;
} bc;

struct bcache_stats bcache_stats;

static uint32_t
hash_of(dev_t dev, daddr_t blkno)
{
	/* every bit of the 64-bit block number counts: blocks 2^32 apart
	 * must not share a chain */
	uint32_t h = ((uint32_t)blkno ^
		      (uint32_t)((uint64_t)blkno >> 32) * 0x27D4EB2Fu) *
			     0x9E3779B1u ^
		     (dev ^ dev >> 16) * 0x85EBCA6Bu; /* the major too */

	return (h ^ h >> 15) & bc.hmask;
}

static void
hash_insert(struct buf *bp)
{
	struct buf **head = &bc.hash[hash_of(bp->b_dev, bp->b_blkno)];

	bp->b_back = NULL;
	bp->b_forw = *head;
	if (*head)
		(*head)->b_back = bp;
	*head = bp;
}

static void
hash_remove(struct buf *bp)
{
	if (bp->b_dev == NODEV)
		return; /* not hashed */
	if (bp->b_back)
		bp->b_back->b_forw = bp->b_forw;
	else
		bc.hash[hash_of(bp->b_dev, bp->b_blkno)] = bp->b_forw;
	if (bp->b_forw)
		bp->b_forw->b_back = bp->b_back;
	bp->b_forw = bp->b_back = NULL;
}

static struct buf *
hash_find(dev_t dev, daddr_t blkno)
{
	for (struct buf *bp = bc.hash[hash_of(dev, blkno)]; bp; bp = bp->b_forw)
		if (bp->b_blkno == blkno && bp->b_dev == dev)
			return bp;
	return NULL;
}

static void
lru_remove(struct buf *bp)
{
	bp->b_lruprev->b_lrunext = bp->b_lrunext;
	bp->b_lrunext->b_lruprev = bp->b_lruprev;
	bp->b_lrunext = bp->b_lruprev = NULL;
}

static void
lru_insert_tail(struct buf *bp)
{
	bp->b_lrunext = &bc.lru;
	bp->b_lruprev = bc.lru.b_lruprev;
	bc.lru.b_lruprev->b_lrunext = bp;
	bc.lru.b_lruprev = bp;
}

static void
lru_insert_head(struct buf *bp)
{
	bp->b_lruprev = &bc.lru;
	bp->b_lrunext = bc.lru.b_lrunext;
	bc.lru.b_lrunext->b_lruprev = bp;
	bc.lru.b_lrunext = bp;
}

static void
syncer_loop(void *arg)
{
	(void)arg;
	for (;;) {
		tsleep(&bc.syncer, "syncer", BCACHE_SYNC_TICKS);
		uint64_t now = clock_ticks();
		for (int i = 0; i < bc.nbuf; i++) {
			struct buf *bp = &bc.hdr[i];
			int s = splbio();
			if ((bp->b_flags & (B_DELWRI | B_BUSY)) != B_DELWRI ||
			    bp->b_dirtied + BCACHE_AGE_TICKS > now) {
				splx(s);
				continue;
			}
			lru_remove(bp);
			bp->b_flags |= B_BUSY;
			splx(s);
			bcache_stats.syncer_writes++;
			bawrite(bp);
		}
	}
}

static int
pool_create(int nbuf)
{
	uint32_t nhash = 1;

	while (nhash < (uint32_t)nbuf)
		nhash <<= 1;
	struct buf *hdr = kzalloc((size_t)nbuf * sizeof(*hdr));
	struct buf **hash = kzalloc(nhash * sizeof(*hash));
	if (!hdr || !hash) {
		kfree(hdr);
		kfree(hash);
		return ENOMEM;
	}
	bc.hdr = hdr;
	bc.hash = hash;
	bc.hmask = nhash - 1;
	bc.nbuf = nbuf;
	bc.lru.b_lrunext = bc.lru.b_lruprev = &bc.lru;
	for (int i = 0; i < nbuf; i++) {
		hdr[i].b_dev = NODEV;
		hdr[i].b_flags = B_INVAL;
		lru_insert_tail(&hdr[i]);
	}
	bcache_stats.nbuf = nbuf;
	return 0;
}

void
bcache_init(void)
{
	uint64_t n = (uint64_t)pmem_stats.free_pages / 8;
	const char *opt = cmdline_opt("nbuf");

	if (opt && (parse_u64(opt, &n) || n < NBUF_MIN || n > 1000000)) {
		kprintf("bcache: nbuf=%s: EINVAL: not %d to 1000000\n", opt,
			NBUF_MIN);
		n = (uint64_t)pmem_stats.free_pages / 8;
	}
	if (n < NBUF_MIN)
		n = NBUF_MIN;
	if (pool_create((int)n))
		panic("bcache_init: no memory for %llu buffers",
		      (unsigned long long)n);
	bc.syncer = thread_create(syncer_loop, NULL, "syncer");
	if (!bc.syncer)
		panic("bcache_init: cannot start the syncer");
}

/*
 * Replace the pool by one of nbuf buffers (benchmarks measure lookups at
 * several sizes).  Everything is written and dropped first; fails with
 * EBUSY if a buffer is held.
 */
int
bcache_resize(int nbuf)
{
	int err = bsync();

	if (err)
		return err;
	int s = splbio();
	for (int i = 0; i < bc.nbuf; i++)
		if (bc.hdr[i].b_flags & (B_BUSY | B_DELWRI)) {
			splx(s);
			return EBUSY;
		}
	struct buf *old = bc.hdr;
	int oldn = bc.nbuf;
	struct buf **oldhash = bc.hash;
	err = pool_create(nbuf);
	splx(s);
	if (err)
		return err;
	for (int i = 0; i < oldn; i++) {
		bcache_stats.data_bytes -= old[i].b_bufsize;
		kfree(old[i].b_mem);
	}
	kfree(old);
	kfree(oldhash);
	return 0;
}

/* Give bp memory for `size` bytes; its old contents are gone. */
static int
buf_size(struct buf *bp, uint32_t size)
{
	if (bp->b_bufsize >= size) {
		bp->b_bcount = size;
		return 0;
	}
	void *data = kmalloc(size);
	if (!data)
		return ENOMEM;
	kfree(bp->b_mem);
	bcache_stats.data_bytes += size - bp->b_bufsize;
	bp->b_un.b_addr = bp->b_mem = data;
	bp->b_bufsize = size;
	bp->b_bcount = size;
	return 0;
}

/* Take the least recently used free buffer; at splbio.  NULL: none free
 * now (the caller sleeps and tries again). */
static struct buf *
buf_steal(void)
{
	struct buf *bp = bc.lru.b_lrunext;

	while (bp != &bc.lru) {
		struct buf *next = bp->b_lrunext;
		if (bp->b_flags & B_DELWRI) {
			/* Never drop a delayed write: write it, look on. */
			lru_remove(bp);
			bp->b_flags |= B_BUSY;
			bawrite(bp);
		} else {
			lru_remove(bp);
			if (bp->b_flags & B_READAHEAD)
				bcache_stats.ra_wasted++;
			if (bp->b_flags & B_DONE)
				bcache_stats.evictions++;
			hash_remove(bp);
			bp->b_flags = B_BUSY;
			return bp;
		}
		bp = next;
	}
	return NULL;
}

static int
size_ok(uint32_t size)
{
	return size && size % DEV_BSIZE == 0 && size <= MAXBSIZE;
}

/* A cached write failed after its writer went on: its device keeps
 * the failure for the next fsync of a file open on it (file.c). */
static void
wb_error_note(dev_t dev, int error)
{
	struct bdev *bd = bdev_lookup(dev);

	if (bd) {
		bd->wb_errors++;
		bd->wb_error = error;
		bd->wb_reported = 0;
	}
}

/* The buffer for (dev, blkno), held.  NULL only for a bad size or when
 * memory for its data cannot be had. */
struct buf *
getblk(dev_t dev, daddr_t blkno, uint32_t size)
{
	if (!size_ok(size))
		return NULL;
	for (;;) {
		int s = splbio();
		struct buf *bp = hash_find(dev, blkno);
		if (bp) {
			if (bp->b_flags & B_BUSY) {
				bp->b_flags |= B_WANTED;
				bcache_stats.waits++;
				tsleep(bp, "getblk", 0);
				splx(s);
				continue;
			}
			lru_remove(bp);
			bp->b_flags |= B_BUSY;
			splx(s);
			if (bp->b_bcount != size) {
				/* Another size: write what is dirty, then
				 * start over with this size. */
				if (bp->b_flags & B_DELWRI) {
					int err = bwrite(bp);
					if (err) /* a delayed write's writer is gone */
						wb_error_note(dev, err);
					continue;
				}
				bp->b_flags &= ~B_DONE;
				if (buf_size(bp, size)) {
					bp->b_flags |= B_INVAL;
					brelse(bp);
					return NULL;
				}
			}
			return bp;
		}
		bp = buf_steal();
		if (!bp) {
			bc.want_any++;
			bcache_stats.waits++;
			tsleep(&bc.want_any, "getnewbuf", 0);
			bc.want_any--;
			splx(s);
			continue;
		}
		bp->b_dev = dev;
		bp->b_blkno = blkno;
		hash_insert(bp);
		splx(s);
		if (buf_size(bp, size)) {
			bp->b_flags |= B_INVAL;
			brelse(bp);
			return NULL;
		}
		return bp;
	}
}

/* An empty buffer of no device, held. */
struct buf *
geteblk(uint32_t size)
{
	if (!size_ok(size))
		return NULL;
	for (;;) {
		int s = splbio();
		struct buf *bp = buf_steal();
		if (!bp) {
			bc.want_any++;
			tsleep(&bc.want_any, "geteblk", 0);
			bc.want_any--;
			splx(s);
			continue;
		}
		bp->b_dev = NODEV;
		bp->b_flags |= B_INVAL;
		splx(s);
		if (buf_size(bp, size)) {
			brelse(bp);
			return NULL;
		}
		return bp;
	}
}

/* Is (dev, blkno) in the cache?  A peek that takes nothing; for
 * read-ahead and tests. */
struct buf *
bcache_peek(dev_t dev, daddr_t blkno)
{
	int s = splbio();
	struct buf *bp = hash_find(dev, blkno);

	splx(s);
	return bp;
}

static void
read_start(struct buf *bp, int async)
{
	bp->b_flags |= B_READ;
	bp->b_flags &= ~(B_DONE | B_ERROR | B_INVAL);
	if (async)
		bp->b_flags |= B_ASYNC;
	bdev_strategy(bp);
}

int
bread(dev_t dev, daddr_t blkno, uint32_t size, struct buf **bpp)
{
	*bpp = NULL;
	if (!size_ok(size))
		return EINVAL;
	struct buf *bp = getblk(dev, blkno, size);
	if (!bp)
		return ENOMEM;
	if (bp->b_flags & B_DONE) {
		bcache_stats.hits++;
		TRACE(TR_CACHE_HIT, bp, 0);
		if (bp->b_flags & B_READAHEAD) {
			bcache_stats.ra_used++;
			TRACE(TR_RA_USED, bp, 0);
			bp->b_flags &= ~B_READAHEAD;
		}
		*bpp = bp;
		return 0;
	}
	bcache_stats.misses++;
	TRACE(TR_CACHE_MISS, bp, 0);
	read_start(bp, 0);
	int err = biowait(bp);
	if (!err && bp->b_resid)
		err = ENXIO; /* not all of the block is on the device */
	if (err) {
		bp->b_flags |= B_INVAL;
		brelse(bp);
		return err;
	}
	*bpp = bp;
	return 0;
}

int
breada(dev_t dev, daddr_t blkno, uint32_t size, daddr_t rablkno,
       uint32_t rasize, struct buf **bpp)
{
	struct bdev *bd = bdev_lookup(dev);

	if (bd && size_ok(rasize) && rablkno >= 0 &&
	    (uint64_t)rablkno + rasize / DEV_BSIZE <= bd->nblocks &&
	    !bcache_peek(dev, rablkno)) {
		struct buf *ra = getblk(dev, rablkno, rasize);
		if (ra && !(ra->b_flags & B_DONE)) {
			ra->b_flags |= B_READAHEAD;
			bcache_stats.ra_issued++;
			TRACE(TR_RA_START, ra, 0);
			read_start(ra, 1);
		} else if (ra) {
			brelse(ra);
		}
	}
	return bread(dev, blkno, size, bpp);
}

static void
write_start(struct buf *bp, int async)
{
	if (!(bp->b_flags & B_BUSY))
		panic("bwrite: buf %p (dev %d,%d blk %lld) is not held",
		      (void *)bp, major(bp->b_dev), minor(bp->b_dev),
		      bp->b_blkno);
	int s = splbio();
	bp->b_flags &= ~(B_READ | B_DELWRI | B_DONE | B_ERROR);
	if (async) {
		bp->b_flags |= B_ASYNC;
		bc.async_writes++;
	}
	splx(s);
	bcache_stats.writes++;
	bdev_strategy(bp);
}

int
bwrite(struct buf *bp)
{
	write_start(bp, 0);
	int err = biowait(bp);
	if (!err && bp->b_resid)
		err = ENXIO;
	brelse(bp);
	return err;
}

void
bawrite(struct buf *bp)
{
	write_start(bp, 1);
}

void
bdwrite(struct buf *bp)
{
	if (!(bp->b_flags & B_BUSY))
		panic("bdwrite: buf %p (dev %d,%d blk %lld) is not held",
		      (void *)bp, major(bp->b_dev), minor(bp->b_dev),
		      bp->b_blkno);
	int s = splbio();
	if (!(bp->b_flags & B_DELWRI)) {
		bp->b_flags |= B_DELWRI;
		bp->b_dirtied = clock_ticks();
		bcache_stats.delwri++;
		TRACE(TR_DELWRI, bp, 0);
	}
	bp->b_flags |= B_DONE; /* the contents are the truth now */
	splx(s);
	brelse(bp);
}

/* Is bp one of the cache's buffer headers? */
int
bcache_owns(const struct buf *bp)
{
	return bc.hdr && bp >= bc.hdr && bp < bc.hdr + bc.nbuf;
}

void
brelse(struct buf *bp)
{
	if (bp < bc.hdr || bp >= bc.hdr + bc.nbuf)
		panic("brelse: buf %p is not a cache buffer", (void *)bp);
	int s = splbio();
	if (!(bp->b_flags & B_BUSY))
		panic("brelse: buf %p (dev %d,%d blk %lld) is not held",
		      (void *)bp, major(bp->b_dev), minor(bp->b_dev),
		      bp->b_blkno);
	if (bp->b_iodepth)
		panic("brelse: buf %p (dev %d,%d blk %lld) is still in flight",
		      (void *)bp, major(bp->b_dev), minor(bp->b_dev),
		      bp->b_blkno);
	/* The fields the cache fixed (getblk, geteblk) are its own: a
	 * holder that moved them would corrupt the cache. */
	if (bp->b_un.b_addr != bp->b_mem || bp->b_bcount > bp->b_bufsize)
		panic("brelse: the holder of buf %p changed b_un or b_bcount "
		      "(%p, %u bytes; the cache's: %p, %u bytes)",
		      (void *)bp, bp->b_un.b_addr, bp->b_bcount, bp->b_mem,
		      bp->b_bufsize);
	if (bp->b_dev != NODEV && hash_find(bp->b_dev, bp->b_blkno) != bp)
		panic("brelse: the holder of buf %p changed b_dev or b_blkno "
		      "(now dev %d,%d blk %lld): not where the cache keeps it",
		      (void *)bp, major(bp->b_dev), minor(bp->b_dev),
		      bp->b_blkno);
	if (bp->b_flags & B_ASYNC && !(bp->b_flags & B_READ)) {
		if (--bc.async_writes == 0)
			wakeup(&bc.async_writes);
	}
	if (bp->b_flags & B_ERROR) {
		if (!(bp->b_flags & B_READ)) {
			bcache_stats.write_errors++;
			if (bp->b_flags & B_ASYNC) /* bwrite's caller knows */
				wb_error_note(bp->b_dev, geterror(bp));
			kprintf("bcache: write of dev %d,%d block %lld failed: "
				"%s; "
				"its data is lost\n",
				major(bp->b_dev), minor(bp->b_dev), bp->b_blkno,
				errno_name(geterror(bp)));
		}
		bp->b_flags |= B_INVAL;
	}
	if (bp->b_flags & B_INVAL) {
		if (bp->b_flags & B_READAHEAD)
			bcache_stats.ra_wasted++;
		hash_remove(bp);
		bp->b_dev = NODEV;
		bp->b_flags &= ~(B_DONE | B_DELWRI | B_READAHEAD);
		lru_insert_head(bp);
	} else if (bp->b_flags & B_AGE) {
		lru_insert_head(bp);
	} else {
		lru_insert_tail(bp);
	}
	if (bp->b_flags & B_WANTED)
		wakeup(bp);
	if (bc.want_any)
		wakeup(&bc.want_any);
	bp->b_flags &= ~(B_BUSY | B_WANTED | B_ASYNC | B_AGE | B_ERROR |
			 B_READ | B_CACHE);
	bp->b_error = 0;
	splx(s);
}

/* Failed writes so far: dev's async ones, or every write's (NODEV). */
static uint64_t
write_errors_of(dev_t dev)
{
	if (dev == NODEV)
		return bcache_stats.write_errors;
	struct bdev *bd = bdev_lookup(dev);
	return bd ? bd->wb_errors : 0;
}

/* Write dev's delayed writes (NODEV: every device's) and wait for them:
 * EIO if one of dev's writes failed meanwhile (another device's failing
 * then is no concern of dev's). */
int
bflush(dev_t dev)
{
	uint64_t errors = write_errors_of(dev);

	TRACE_EVENT(TR_CACHE_FLUSH, dev, 0, 0, 0, 0);
	for (int i = 0; i < bc.nbuf; i++) {
		struct buf *bp = &bc.hdr[i];
		int s = splbio();
		if ((bp->b_flags & (B_DELWRI | B_BUSY)) != B_DELWRI ||
		    (dev != NODEV && bp->b_dev != dev)) {
			splx(s);
			continue;
		}
		lru_remove(bp);
		bp->b_flags |= B_BUSY;
		splx(s);
		bawrite(bp);
	}
	int s = splbio();
	while (bc.async_writes)
		tsleep(&bc.async_writes, "bflush", 0);
	splx(s);
	return write_errors_of(dev) != errors ? EIO : 0;
}

/* Forget every buffer of dev (write them first with bflush if they
 * matter): the next bread reads the device. */
void
binval(dev_t dev)
{
	for (int i = 0; i < bc.nbuf; i++) {
		struct buf *bp = &bc.hdr[i];
		int s = splbio();
		while (bp->b_dev == dev && (bp->b_flags & B_BUSY)) {
			bp->b_flags |= B_WANTED;
			tsleep(bp, "binval", 0);
		}
		if (bp->b_dev == dev) {
			lru_remove(bp);
			bp->b_flags |= B_BUSY | B_INVAL;
			splx(s);
			brelse(bp);
			continue;
		}
		splx(s);
	}
}

/*
 * Free every buffer's data (the shell's `cache drop`, as Linux's
 * drop_caches): delayed writes are written first, and a buffer held or
 * dirtied meanwhile keeps its data.  The headers stay where they are,
 * so a thread asleep on one (getblk, binval) is never left holding
 * freed memory.  The bflush error, or 0.
 */
int
bcache_drop(void)
{
	int err = bflush(NODEV);
	int s = splbio();

	for (int i = 0; i < bc.nbuf; i++) {
		struct buf *bp = &bc.hdr[i];
		if (bp->b_flags & (B_BUSY | B_DELWRI))
			continue;
		if (bp->b_flags & B_READAHEAD)
			bcache_stats.ra_wasted++;
		hash_remove(bp);
		bp->b_dev = NODEV;
		bp->b_flags &= ~(B_DONE | B_READAHEAD);
		bcache_stats.data_bytes -= bp->b_bufsize;
		kfree(bp->b_mem);
		bp->b_un.b_addr = bp->b_mem = NULL;
		bp->b_bufsize = bp->b_bcount = 0;
	}
	splx(s);
	return err;
}

/* sync: every delayed write to its device, then every device's write
 * cache to its media.  The first error, or 0. */
int
bsync(void)
{
	int err = bflush(NODEV);

	for (int i = 0; bdev_at(i); i++) {
		int e = bdev_flush(bdev_at(i)->dev);
		bcache_stats.dev_flushes++;
		if (e && !err)
			err = e;
	}
	return err;
}
