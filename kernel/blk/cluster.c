/*
 * cluster.c: reading ahead and writing behind in large transfers, as
 * BSD's cluster_read and cluster_write (vfs_cluster.c) do for the
 * buffer cache (bcache.c).
 *
 * A cluster is a run of held cache buffers over contiguous blocks of
 * one device, each buffer's data whole pages (kmalloc gives a 4 KiB
 * block its own page), issued as one transfer: a raw header whose data
 * is the buffers' frames mapped side by side in the frame window (vm.h),
 * as BSD maps a cluster's pages into a pbuf.  The disk sees one request
 * of up to CLUSTER_MAX (the trace shows one D where there were many);
 * the buffers are never handed to a strategy routine themselves, and
 * when the transfer completes each is finished as biodone would
 * (biodone_finish: B_DONE, then released if asynchronous, else its
 * waiter woken).  If the transfer fails or comes up short, each buffer
 * is issued again alone, so an error lands on the blocks that have it,
 * named by the driver, and the others still read or write.  With no
 * header or window room, the buffers go down one by one at once.
 *
 * Read-ahead (bread_seq): a reader whose reads follow each other is
 * read ahead in a window that starts at RA_FIRST and doubles each time
 * it is used, up to RA_MAX (eight clusters); the next window is started
 * when the reader comes within half a window of what was read ahead
 * (Linux's asynchronous read-ahead mark), so transfers are always in
 * flight ahead of it, several at once for a disk that queues them.  A
 * read of the block read last (a reader in pieces smaller than a block)
 * changes nothing; any other read out of order resets the window, so
 * random reads read nothing ahead and waste nothing.  A block cached
 * before, not by read-ahead, starts no window: a warm re-read looks for
 * nothing to read.  Read-ahead never
 * crosses the end of the device the reader named (a partition's end,
 * not its disk's: bread_ahead clips), and skips blocks already cached.
 *
 * Write-behind (cluster_write): a buffer about to be written takes the
 * delayed writes of the same size that continue it, before and after,
 * along (bcache_take_delwri), so the syncer, bflush and a full free
 * list write long runs; a sequential writer pushes each CLUSTER_MAX it
 * completes (file.c).
 */
#include "bcache.h"

#include <stddef.h>

#include "bdep.h"
#include "bdev.h"
#include "errno.h"
#include "pmem.h"
#include "trace.h"
#include "vm.h"

#define CLUSTER_PAGES (CLUSTER_MAX / PAGE_SIZE)
#define RA_FIRST      (16 * 1024) /* the first read-ahead window */

/* The transfer of a cluster is over: finish its buffers, or issue each
 * again alone if it failed.  At the iodone level. */
static void
cluster_done(struct buf *cbp)
{
	struct buf *bp = cbp->b_private;
	int failed = (cbp->b_flags & B_ERROR) || cbp->b_resid;

	vm_window_unmap(cbp->b_un.b_addr, (int)(cbp->b_bcount / PAGE_SIZE));
	freerbuf(cbp);
	while (bp) {
		struct buf *next = bp->av_forw;
		bp->av_forw = NULL;
		if (failed) {
			bdev_strategy(bp);
		} else {
			bp->b_resid = 0;
			biodone_finish(bp);
		}
		bp = next;
	}
}

/* Issue the prepared buffers chained from first (av_forw) as one
 * transfer of `bytes`; one by one if it cannot be had. */
static void
cluster_issue(struct buf *first, uint32_t bytes)
{
	uint32_t frames[CLUSTER_PAGES];
	int n = 0;

	if (!first->av_forw) { /* a cluster of one is a plain request */
		bdev_strategy(first);
		return;
	}
	for (struct buf *bp = first; bp; bp = bp->av_forw)
		for (uint32_t off = 0; off < bp->b_bcount; off += PAGE_SIZE)
			frames[n++] = vm_phys((char *)bp->b_un.b_addr + off);
	struct buf *cbp = getrbuf();
	char *va = cbp ? vm_window_map(frames, n) : NULL;
	if (!va) {
		if (cbp)
			freerbuf(cbp);
		bdev_strategy(first);
		return;
	}
	int read = first->b_flags & B_READ;
	/* what the trace says of it is what its first member is (b_iodone
	 * ends it, whatever B_ASYNC says) */
	cbp->b_flags |=
		first->b_flags & (B_READ | B_ASYNC | B_META | B_READAHEAD);
	cbp->b_dev = first->b_dev;
	cbp->b_blkno = first->b_blkno;
	cbp->b_bcount = bytes;
	cbp->b_un.b_addr = va;
	cbp->b_iodone = cluster_done;
	cbp->b_private = first;
	if (read) {
		bcache_stats.cl_reads++;
		bcache_stats.cl_read_bytes += bytes;
	} else {
		bcache_stats.cl_writes++;
		bcache_stats.cl_write_bytes += bytes;
	}
	bdev_strategy(cbp);
}

static int
clusterable(uint32_t size)
{
	return size % PAGE_SIZE == 0 && size <= CLUSTER_MAX;
}

/*
 * Read blocks [lo, hi) of bottom device dev that are not cached, in
 * clusters of `size`-byte buffers, asynchronously, marked read-ahead;
 * bp, if not NULL, is the held buffer at lo, prepared for a read its
 * caller waits for, and leads the first cluster.  Stops where no buffer
 * can be had without sleeping.
 */
void
cluster_read(struct buf *bp, dev_t dev, daddr_t lo, daddr_t hi, uint32_t size)
{
	daddr_t n = size / DEV_BSIZE;
	daddr_t b = lo;
	int more = 1;

	while (more && (bp || b + n <= hi)) {
		struct buf *first = bp, *last = bp;
		uint32_t bytes = 0;
		if (bp) {
			bytes = bp->b_bcount;
			b += n;
			bp = NULL;
		}
		while (b + n <= hi &&
		       (!first ||
			(clusterable(size) && bytes + size <= CLUSTER_MAX))) {
			struct buf *ra;
			int err = getblk_nowait(dev, b, size, &ra);
			if (err) {
				more = err ==
				       EEXIST; /* cached: go on after it */
				if (!more || first)
					break;
				b += n;
				continue;
			}
			ra->b_flags |= B_READAHEAD;
			bcache_stats.ra_issued++;
			TRACE(TR_RA_START, ra, 0);
			bcache_read_prep(ra, 1);
			if (last)
				last->av_forw = ra;
			else
				first = ra;
			last = ra;
			bytes += size;
			b += n;
		}
		if (first)
			cluster_issue(first, bytes);
	}
}

int
bread_seq(dev_t dev, daddr_t blkno, uint32_t size, struct readahead *ra,
	  struct buf **bpp)
{
	daddr_t n = size / DEV_BSIZE, lo = 0, hi = 0;
	int seq = blkno == ra->next;

	if (blkno + n == ra->next) /* the same block again: reads smaller */
		return bread(dev, blkno, size, bpp); /* than it, in order */
	ra->next = blkno + n;
	if (!seq || !clusterable(size)) {
		ra->window = 0;
		ra->end = 0;
		return bread(dev, blkno, size, bpp);
	}
	if (ra->end < blkno + n)
		ra->end = blkno + n; /* the reader overtook the read-ahead */
	/* near the end of what was read ahead: read on, unless this block
	 * was cached before and not by read-ahead (a warm re-read, where
	 * looking for blocks to read costs a lookup each and finds none;
	 * Linux's PG_readahead marker works the same way) */
	const struct buf *pk;
	if (ra->end - (blkno + n) <= (daddr_t)ra->window / 2 &&
	    (!(pk = bcache_peek(dev, blkno)) ||
	     (pk->b_flags & (B_DONE | B_READAHEAD)) != B_DONE)) {
		uint32_t w = ra->window ? ra->window * 2 : RA_FIRST / DEV_BSIZE;
		ra->window = w < RA_MAX / DEV_BSIZE ? w : RA_MAX / DEV_BSIZE;
		lo = ra->end;
		hi = lo + (daddr_t)ra->window;
		ra->end = hi;
	}
	return bread_ahead(dev, blkno, size, lo, hi, bpp);
}

/*
 * Write bp (held) now, asynchronously, with the delayed writes of its
 * size that continue it on either side, in one transfer of up to
 * CLUSTER_MAX.  Never sleeps (buf_steal calls it at splbio).
 */
void
cluster_write(struct buf *bp)
{
	uint32_t size = bp->b_bcount;
	daddr_t n = size / DEV_BSIZE;
	struct buf *first = bp, *last = bp, *m;
	uint32_t bytes = size;

	if (bdep_waits(bp)) {
		/* it waits for other blocks' writes (bdep.c): those are
		 * started, it stays a delayed write */
		bdep_start(bp);
		brelse(bp);
		return;
	}
	bcache_write_prep(bp, 1);
	if (!clusterable(size) || !bdev_lookup(bp->b_dev)) {
		bdev_strategy(bp);
		return;
	}
	/* after it first: a sequential writer's run lies ahead of the
	 * buffer the free list or the sort met first */
	while (bytes + size <= CLUSTER_MAX &&
	       (m = bcache_take_delwri(bp->b_dev, last->b_blkno + n, size))) {
		if (bdep_waits(m)) {
			brelse(m); /* waits for another write: not now */
			break;
		}
		bcache_write_prep(m, 1);
		last->av_forw = m;
		last = m;
		bytes += size;
	}
	while (bytes + size <= CLUSTER_MAX &&
	       (m = bcache_take_delwri(bp->b_dev, first->b_blkno - n, size))) {
		if (bdep_waits(m)) {
			brelse(m);
			break;
		}
		bcache_write_prep(m, 1);
		m->av_forw = first;
		first = m;
		bytes += size;
	}
	cluster_issue(first, bytes);
}
