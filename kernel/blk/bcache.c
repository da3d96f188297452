/*
 * bcache.c: the buffer cache over the block devices.
 *
 * The pool is sized by bytes of data: a quarter of the memory free at
 * boot (`bcache=SIZE` on the command line, 256K to three quarters of
 * it, says otherwise), with a header for every 2 KiB of it (`nbuf=N`
 * sets the count).  Each buffer's memory is exactly the size of its
 * block (512 bytes to MAXBSIZE), so a pool of 4 KiB blocks holds its
 * whole size in data and one of 512-byte blocks runs out of headers
 * first, never of memory.  When a new block would take the data past
 * the budget, the least recently used clean buffers give up their
 * memory (budget_room); only buffers held or dirty can keep it over.
 * Free headers without memory wait on a list of their own, so neither
 * reuse nor the budget ever walks over them.
 * Buffers are found by a hash on (dev, blkno), chained through
 * b_forw/b_back, so a lookup costs the same with 100 or 100,000 buffers.
 * Buffers not held sit on an LRU free list (b_lrunext/b_lruprev); the
 * least recently released is reused first, except that a delayed write is
 * never dropped: it is written (asynchronously, with its dirty
 * neighbours: cluster.c) and skipped.  Delayed writes go out in block
 * order (bflush and the syncer sort them) and in clusters.
 *
 * Ownership: B_BUSY, and b_owner, the thread holding it (none while an
 * asynchronous transfer has it).  A thread that wants a held buffer
 * sets B_WANTED and sleeps; brelse wakes it.  One that holds it already
 * (a second getblk of its block, or of a block under it in another
 * size; a binval of its device) would sleep for ever: that kernel bug
 * panics by name (buf_wait).  All list and flag changes happen at splbio,
 * which holds off the IODONE level where asynchronous completions release
 * their buffers (bio.c).
 *
 * Failed reads never leave valid-looking data behind: brelse turns a buf
 * with B_ERROR into B_INVAL, off the hash.  A failed write is logged and
 * counted, in the cache's stats and on every name of its blocks
 * (wb_errors, for the next fsync of a file open on one); its data is
 * lost, as a later read would show.
 *
 * Coherence: one copy of a sector, whatever its name.  The cache keys a
 * buffer by where its blocks lie at the bottom of the partitions:
 * getblk on a partition translates (dev, blkno) to the disk's
 * (cache_where), once, at lookup, and the buffer's b_dev and b_blkno are
 * the disk's, so its I/O goes straight to the disk.  The other design,
 * a cache per name with translation kept in step by invalidating the
 * other names' copies on each write, costs a search of every name on
 * every write and still lets two dirty copies race to the disk; keyed
 * by the bottom device there is nothing to keep in step.  Linux keeps a
 * page cache per block device inode, the whole disk's and each
 * partition's apart, and they are not coherent (a write through sda1 is
 * not seen through sda's cache until it is dropped); FreeBSD has no
 * block device cache at all (its disk devices are raw; only file
 * systems cache), so it has nothing to keep coherent.  iodine keeps
 * BSD's classic cache over the devices and makes it one copy.
 *
 * Volumes are devices of their own (a stripe's block is no linear
 * stretch of one disk), so their blocks are cached under the volume, and
 * a volume's legs are claimed by it (bdev_claimant): written only
 * through it (others get EBUSY), and never kept under a leg's name (a
 * read of a leg is read fresh, B_NOCACHE, and sees what the volume
 * wrote).  What a leg held in the cache is written and dropped when the
 * volume takes it.
 *
 * Raw transfers (physio, aio) pass the cache by, so they meet it at
 * their start (bcache_raw_begin): the dirty buffers they overlap are
 * written first (a raw read sees them; no older delayed write can land
 * later over a raw write), and a raw write drops the buffers it
 * overlaps and keeps its blocks out of the cache until it is done (a
 * cached read meanwhile reads fresh and keeps nothing), so no later read
 * sees the old data.  No two buffers overlap: a buffer of another size
 * over some of the same blocks is written if dirty and dropped before a
 * new one is made (BSD's rule for getblk with a new size).  The overlap
 * searches look only at devices that have buffers (bdev.ncached), so a
 * raw device no one caches pays nothing.
 */
#include "bcache.h"

#include "bdep.h"

#include <stddef.h>

#include "bdev.h"
#include "clock.h"
#include "cmdline_opt.h"
#include "console.h"
#include "errno.h"
#include "intr.h"
#include "kmalloc.h"
#include "panic.h"
#include "part.h"
#include "pmem.h"
#include "sort.h"
#include "string.h"
#include "thread.h"
#include "trace.h"

#define BCACHE_MIN_BYTES (256 * 1024) /* the smallest bcache= */
#define BYTES_PER_HDR	 2048	      /* a header for every 2 KiB of budget */

static struct {
	struct buf *hdr; /* the pool */
	int nbuf;
	uint64_t budget;   /* bytes of data the pool may hold */
	struct buf **hash; /* bucket heads */
	uint32_t hmask;
	struct buf lru;	    /* free list sentinel: next = oldest */
	struct buf empty;   /* free headers without memory (no block) */
	struct buf dirty;   /* the delayed writes (B_DELWRI): what a flush
			       and the syncer look through */
	int want_any;	    /* threads waiting for any free buffer */
	int async_writes;   /* bawrite()s not yet released */
	uint32_t maxblocks; /* the largest buffer made, in blocks: how far
			       back a buffer overlapping a block may start */
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

/* The buffers kept under a device: raw transfers and new buffers look
 * for cached ones in their way only when there are some. */
static void
ncached_add(dev_t dev, int n)
{
	struct bdev *bd = bdev_lookup(dev);

	if (bd)
		bd->ncached += (uint32_t)n;
}

/*
 * The grid.  A miss must find any buffer of another size or place that
 * overlaps its blocks (getblk's rule), which is a lookup for every
 * block a buffer of the largest size could start at.  Most devices hold
 * buffers of one size at one alignment (a file system's blocks): the
 * first buffer a device gets sets its grid, and while every buffer is on
 * it, a buffer on it can only overlap one that starts where it does.
 */
static int
on_grid(const struct bdev *bd, daddr_t blkno, uint32_t blocks)
{
	return bd->grid_blocks == blocks &&
	       ((uint32_t)blkno & (blocks - 1)) == bd->grid_phase;
}

/* bp (hashed under its device, sized) counted on or off the grid */
static void
grid_enter(struct buf *bp)
{
	struct bdev *bd = bdev_lookup(bp->b_dev);
	uint32_t blocks = bp->b_bufsize / DEV_BSIZE;

	if (!bd)
		return;
	if (bd->ncached == 1 && blocks && !(blocks & (blocks - 1))) {
		bd->grid_blocks = blocks; /* the first sets it */
		bd->grid_phase = (uint32_t)bp->b_blkno & (blocks - 1);
		bd->offgrid = 0;
	}
	bp->b_offgrid = !on_grid(bd, bp->b_blkno, blocks);
	bd->offgrid += (uint32_t)bp->b_offgrid;
}

static void
grid_leave(struct buf *bp)
{
	struct bdev *bd = bdev_lookup(bp->b_dev);

	if (bd && bp->b_offgrid)
		bd->offgrid--;
	bp->b_offgrid = 0;
}

/* Can a buffer overlapping [blkno, blkno + blocks) of bottom device dev
 * only be one that starts at blkno? */
static int
grid_alone(dev_t dev, daddr_t blkno, uint32_t blocks)
{
	const struct bdev *bd = bdev_lookup(dev);

	return bd && !bd->offgrid && on_grid(bd, blkno, blocks);
}

static void
hash_insert(struct buf *bp)
{
	struct buf **head = &bc.hash[hash_of(bp->b_dev, bp->b_blkno)];

	ncached_add(bp->b_dev, 1);
	grid_enter(bp);
	bp->b_hdev = bp->b_dev;
	bp->b_hblkno = bp->b_blkno;

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
	grid_leave(bp);
	ncached_add(bp->b_dev, -1);
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

/* bp joins or leaves the delayed writes' list (as B_DELWRI comes and
 * goes).  At splbio. */
static void
dirty_add(struct buf *bp)
{
	if (bp->b_dprev)
		return;
	bp->b_dprev = bc.dirty.b_dprev;
	bp->b_dnext = &bc.dirty;
	bc.dirty.b_dprev->b_dnext = bp;
	bc.dirty.b_dprev = bp;
}

static void
dirty_del(struct buf *bp)
{
	if (!bp->b_dprev)
		return;
	bp->b_dprev->b_dnext = bp->b_dnext;
	bp->b_dnext->b_dprev = bp->b_dprev;
	bp->b_dnext = bp->b_dprev = NULL;
}

static void
lru_remove(struct buf *bp)
{
	bp->b_lruprev->b_lrunext = bp->b_lrunext;
	bp->b_lrunext->b_lruprev = bp->b_lruprev;
	bp->b_lrunext = bp->b_lruprev = NULL;
}

/* A free header's list: the LRU if it holds memory, else the empty
 * ones (so that neither reuse nor the budget walks over headers that
 * have nothing to give). */
static struct buf *
free_list(const struct buf *bp)
{
	return bp->b_bufsize ? &bc.lru : &bc.empty;
}

static void
lru_insert_after(struct buf *prev, struct buf *bp)
{
	bp->b_lruprev = prev;
	bp->b_lrunext = prev->b_lrunext;
	prev->b_lrunext->b_lruprev = bp;
	prev->b_lrunext = bp;
}

static void
lru_insert_tail(struct buf *bp)
{
	lru_insert_after(free_list(bp)->b_lruprev, bp);
}

static void
lru_insert_head(struct buf *bp)
{
	lru_insert_after(free_list(bp), bp);
}

/* A thread takes bp (free, not held): off the free list, held, and
 * its.  At splbio. */
static void
buf_take(struct buf *bp)
{
	lru_remove(bp);
	bp->b_flags |= B_BUSY;
	bp->b_owner = curthread;
}

/* Sleep until held bp is released (the caller looks again).  A thread
 * that holds it already would sleep for ever: the kernel bug is named.
 * At splbio. */
static void
buf_wait(struct buf *bp, const char *wmesg)
{
	if (bp->b_owner == curthread)
		panic("%s: thread %s already holds buf %p (dev %d,%d blk %lld, "
		      "%u bytes): waiting for it would never end",
		      wmesg, curthread->name, (void *)bp, major(bp->b_dev),
		      minor(bp->b_dev), bp->b_blkno, bp->b_bcount);
	bp->b_flags |= B_WANTED;
	tsleep(bp, wmesg, 0);
}

/* buf_wait for bdep.c: bp is held by another thread, or written */
void
bcache_wait_for(struct buf *bp)
{
	buf_wait(bp, "bdep");
}

static int flush_dirty(dev_t bottom, daddr_t lo, daddr_t hi, uint64_t born);

static void
syncer_loop(void *arg)
{
	(void)arg;
	for (;;) {
		tsleep(&bc.syncer, "syncer", BCACHE_SYNC_TICKS);
		uint64_t now = clock_ticks();
		if (now > BCACHE_AGE_TICKS)
			flush_dirty(NODEV, 0, INT64_MAX,
				    now - BCACHE_AGE_TICKS);
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
	bc.empty.b_lrunext = bc.empty.b_lruprev = &bc.empty;
	bc.dirty.b_dnext = bc.dirty.b_dprev = &bc.dirty;
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
	uint64_t avail = (uint64_t)pmem_stats.free_pages * PAGE_SIZE;
	uint64_t budget = avail / 4, n;
	const char *opt = cmdline_opt("bcache");

	if (opt && (parse_size(opt, &budget) || budget < BCACHE_MIN_BYTES ||
		    budget > avail / 4 * 3)) {
		kprintf("bcache: bcache=%s: EINVAL: not 256K to %lluK (three "
			"quarters of free memory)\n",
			opt, (unsigned long long)(avail / 4 * 3 / 1024));
		budget = avail / 4;
	}
	bc.budget = bcache_stats.budget = budget;
	n = budget / BYTES_PER_HDR;
	opt = cmdline_opt("nbuf");
	if (opt && (parse_u64(opt, &n) || n < BCACHE_NBUF_MIN || n > 1000000)) {
		kprintf("bcache: nbuf=%s: EINVAL: not %d to 1000000\n", opt,
			BCACHE_NBUF_MIN);
		n = budget / BYTES_PER_HDR;
	}
	if (n < BCACHE_NBUF_MIN)
		n = BCACHE_NBUF_MIN;
	if (pool_create((int)n))
		panic("bcache_init: no memory for %llu buffers",
		      (unsigned long long)n);
	bc.syncer = thread_create(syncer_loop, NULL, "syncer");
	if (!bc.syncer)
		panic("bcache_init: cannot start the syncer");
}

static void
buf_free_mem(struct buf *bp)
{
	bcache_stats.data_bytes -= bp->b_bufsize;
	kfree(bp->b_mem);
	bp->b_un.b_addr = bp->b_mem = NULL;
	bp->b_bufsize = bp->b_bcount = 0;
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
	for (int i = 0; i < oldn; i++)
		buf_free_mem(&old[i]);
	kfree(old);
	kfree(oldhash);
	return 0;
}

/* bp, clean, leaves the hash: its block is forgotten.  At splbio. */
static void
buf_forget(struct buf *bp)
{
	if (bp->b_flags & B_READAHEAD)
		bcache_stats.ra_wasted++;
	hash_remove(bp);
	bdep_forget(bp);
	dirty_del(bp);
	bp->b_dev = NODEV;
	bp->b_flags = (bp->b_flags & B_BUSY) | B_INVAL;
}

/* bp, held and forgotten, gives up its memory and joins the free
 * headers that have none.  At splbio. */
static void
buf_empty(struct buf *bp)
{
	buf_free_mem(bp);
	bp->b_flags = B_INVAL;
	bp->b_owner = NULL;
	lru_insert_head(bp); /* (the empty ones: no memory) */
}

/* The least recently used clean buffer with memory, taken, its block
 * forgotten (B_BUSY alone), or NULL; a delayed write met on the way is
 * never dropped: it is started (with its dirty neighbours: cluster.c),
 * and looked at again once written.  At splbio. */
static struct buf *
lru_take_clean(void)
{
	struct buf *bp = bc.lru.b_lrunext;

	while (bp != &bc.lru) {
		bcache_stats.room_visits++;
		if (bdep_waits(bp)) {
			/* waits for others' writes: start them, pass by */
			bdep_start(bp);
			bp = bp->b_lrunext;
			continue;
		}
		buf_take(bp);
		if (!(bp->b_flags & B_DELWRI)) {
			if (bp->b_flags & B_DONE)
				bcache_stats.evictions++;
			buf_forget(bp);
			bp->b_flags = B_BUSY;
			return bp;
		}
		cluster_write(bp);
		bp = bc.lru.b_lrunext; /* (its neighbours left the list too) */
	}
	return NULL;
}

/* Make room for `need` more bytes of data within the budget: the least
 * recently used clean buffers give up their memory (their headers join
 * the empty ones); a delayed write met on the way is started (with its
 * dirty neighbours), and gives up its memory once written, when it is
 * met again. */
static void
budget_room(uint32_t need)
{
	int s = splbio();
	struct buf *bp;

	while (bcache_stats.data_bytes + need > bc.budget &&
	       (bp = lru_take_clean()))
		buf_empty(bp);
	splx(s);
}

/* Change the pool's budget (tests, benchmarks): data past it is freed
 * now, the least recently used first. */
void
bcache_set_budget(uint64_t bytes)
{
	bc.budget = bcache_stats.budget = bytes;
	budget_room(0);
}

/* Give bp memory for exactly `size` bytes (whole pages from 4 KiB on:
 * kmalloc's); its old contents are gone. */
static int
buf_size(struct buf *bp, uint32_t size)
{
	if (size / DEV_BSIZE > bc.maxblocks)
		bc.maxblocks = size / DEV_BSIZE;
	if (bp->b_bufsize != size) {
		buf_free_mem(bp);
		budget_room(size);
		void *data = kmalloc(size);
		if (!data)
			return ENOMEM;
		bcache_stats.data_bytes += size;
		bp->b_un.b_addr = bp->b_mem = data;
		bp->b_bufsize = size;
	}
	bp->b_bcount = size;
	return 0;
}

/* A free header for a new block of `size` bytes, taken; at splbio.  An
 * empty one while the budget has room for the block, else the least
 * recently used clean buffer (its memory reused); an empty one over the
 * budget if every buffer with memory is dirty.  NULL: none free now
 * (the caller sleeps and tries again). */
static struct buf *
buf_steal(uint32_t size)
{
	struct buf *bp = bc.empty.b_lrunext;

	if (bp == &bc.empty || bcache_stats.data_bytes + size > bc.budget) {
		struct buf *clean = lru_take_clean();
		if (clean)
			return clean;
		if ((bp = bc.empty.b_lrunext) == &bc.empty)
			return NULL;
	}
	buf_take(bp);
	bp->b_flags = B_BUSY;
	return bp;
}

static int
size_ok(uint32_t size)
{
	return size && size % DEV_BSIZE == 0 && size <= MAXBSIZE;
}

/* A cached write of blocks [blkno, blkno + n) of bottom device dev
 * failed after its writer went on: every name those blocks have (the
 * disk, the partition they lie in) keeps the failure for the next fsync
 * of a file open on it (file.c). */
static void
wb_error_note(dev_t dev, daddr_t blkno, uint32_t n, int error)
{
	const struct bdev *bottom = bdev_lookup(dev);

	for (int i = 0; bottom && bdev_at(i); i++) {
		struct bdev *bd = bdev_at(i);
		if (!bdev_meets(bd, bottom, (uint64_t)blkno, n))
			continue;
		bd->wb_errors++;
		bd->wb_error = error;
		bd->wb_reported = 0;
	}
}

/* --- one copy of a sector ---
 *
 * Where the cache keeps (dev, blkno): under the device at the bottom of
 * dev's partitions, at the block there (bdev_bottom).  A partition's
 * block must lie wholly in it (ENXIO), as its strategy routine would
 * insist: once translated, nothing else would stop a read running into
 * the next partition.  A bottom device's bounds are its driver's to
 * check, on the transfer.
 */
static int
cache_where(dev_t *dev, daddr_t *blkno, uint32_t size)
{
	if (major(*dev) != MAJOR_PART)
		return 0;
	struct bdev *bd = bdev_lookup(*dev);
	uint64_t start;
	if (!bd || *blkno < 0 ||
	    (uint64_t)*blkno + size / DEV_BSIZE > bd->nblocks)
		return ENXIO;
	*dev = bdev_bottom(bd, &start)->dev;
	*blkno += (daddr_t)start;
	return 0;
}

/* Raw writes under way: blocks [lo, hi) of a bottom device, which the
 * cache must not keep a copy of until the write is done (a read through
 * the cache meanwhile might keep the old data). */
#define RAW_MAX 32
static struct {
	dev_t dev;
	daddr_t lo, hi;
} raw[RAW_MAX];
static int nraw; /* slots in use */

/* Whether blocks [blkno, blkno + n) of bottom device dev may be kept:
 * not if a volume holds them (they are written only through it, so a
 * copy under a leg's name would go stale), nor while a raw write is on
 * its way to them.  At splbio. */
static int
cache_may_keep(dev_t dev, daddr_t blkno, uint32_t n)
{
	if (bdev_nheld) {
		struct bdev *bd = bdev_lookup(dev);
		if (bd && bdev_claimant(bd, (uint64_t)blkno, n))
			return 0;
	}
	for (int i = 0; nraw && i < RAW_MAX; i++)
		if (raw[i].dev == dev && blkno < raw[i].hi &&
		    raw[i].lo < blkno + (daddr_t)n)
			return 0;
	return 1;
}

/* Before a read of blocks [blkno, blkno + n) of bottom device dev past
 * the cache (a raw read, or a claimed leg's, which is never cached):
 * the volumes holding them write their delayed writes first, so the
 * read sees what was written through them.  Sleeps. */
static void
claimants_flush(dev_t dev, daddr_t blkno, uint32_t n)
{
	struct bdev *bd = bdev_nheld ? bdev_lookup(dev) : NULL;

	for (struct bdev *v = bd ? bdev_claimant(bd, (uint64_t)blkno, n) : NULL;
	     v; v = v->holder)
		bflush(v->dev);
}

/* The first block a buffer overlapping block lo can start at: the
 * largest buffer made reaches maxblocks - 1 back. */
static daddr_t
overlap_from(daddr_t lo)
{
	daddr_t b = lo - (daddr_t)(bc.maxblocks ? bc.maxblocks - 1 : 0);

	return b < 0 ? 0 : b;
}

/*
 * Make the cache agree with a transfer that goes past it, over blocks
 * [lo, hi) of bottom device dev: every buffer overlapping them that is
 * dirty is written, and if `forget`, every one is dropped; the buffer
 * starting at `skip` (getblk's own) is left alone.  Sleeps.  The number
 * of buffers it wrote or dropped.
 */
static int
cache_sync_range(dev_t dev, daddr_t lo, daddr_t hi, int forget, daddr_t skip)
{
	struct bdev *bd = bdev_lookup(dev);
	int done = 0;

	if (!bd || !bd->ncached)
		return 0;
	/* on the grid, only a buffer at lo itself can overlap */
	int alone = grid_alone(dev, lo, (uint32_t)(hi - lo));
	daddr_t from = alone ? lo : overlap_from(lo), to = alone ? lo + 1 : hi;
	for (daddr_t b = from; b < to; b++) {
		int s = splbio();
		struct buf *bp = hash_find(dev, b);
		if (!bp || b == skip ||
		    b + (daddr_t)(bp->b_bcount / DEV_BSIZE) <= lo ||
		    (!forget && !(bp->b_flags & B_DELWRI))) {
			splx(s);
			continue;
		}
		if (bp->b_flags & B_BUSY) {
			buf_wait(bp, "getblk");
			splx(s);
			b--; /* look at this block again */
			continue;
		}
		buf_take(bp);
		splx(s);
		done++;
		if (bp->b_flags & B_DELWRI) {
			int err = bwrite(bp);
			if (err) /* a delayed write's writer is gone */
				wb_error_note(dev, b, bp->b_bcount / DEV_BSIZE,
					      err);
			if (forget)
				b--; /* now clean: drop it next time round */
			continue;
		}
		bp->b_flags |= B_INVAL;
		brelse(bp);
	}
	return done;
}

/* Bytes [off, off + len) of dev as blocks of its bottom device. */
static struct bdev *
raw_where(dev_t dev, uint64_t off, uint64_t len, daddr_t *lo, daddr_t *hi)
{
	struct bdev *bd = bdev_lookup(dev);
	uint64_t start;

	if (!bd)
		return NULL;
	uint64_t end = (off + len + DEV_BSIZE - 1) / DEV_BSIZE;
	if (end > bd->nblocks)
		end = bd->nblocks;
	struct bdev *bottom = bdev_bottom(bd, &start);
	*lo = (daddr_t)(start + off / DEV_BSIZE);
	*hi = (daddr_t)(start + end);
	return bottom;
}

/*
 * Before a raw transfer of bytes [off, off + len) of dev (physio, aio):
 * the cached blocks it overlaps are written if dirty, so a raw read sees
 * them and no older delayed write lands later over a raw write; for a
 * write they are then dropped, and no copy is kept until
 * bcache_raw_end(), so no later read sees the old data.  Sleeps.  What
 * to hand bcache_raw_end: a write's slot, or -1.
 */
int
bcache_raw_begin(dev_t dev, uint64_t off, uint64_t len, int write)
{
	daddr_t lo, hi;
	struct bdev *bottom = raw_where(dev, off, len, &lo, &hi);
	int slot = -1;

	if (!bottom || lo >= hi)
		return -1;
	if (write) {
		int s = splbio();
		while (nraw == RAW_MAX)
			tsleep(raw, "rawslot", 0);
		for (slot = 0; raw[slot].hi; slot++)
			;
		raw[slot].dev = bottom->dev;
		raw[slot].lo = lo;
		raw[slot].hi = hi;
		nraw++;
		splx(s);
	}
	if (bottom->ncached) {
		bcache_stats.raw_syncs++;
		cache_sync_range(bottom->dev, lo, hi, write, -1);
	}
	claimants_flush(bottom->dev, lo, (uint32_t)(hi - lo));
	return slot;
}

/* The raw write of slot is done (any level). */
void
bcache_raw_end(int slot)
{
	if (slot < 0)
		return;
	int s = splbio();
	raw[slot].hi = raw[slot].lo = 0;
	raw[slot].dev = NODEV;
	if (nraw-- == RAW_MAX)
		wakeup(raw);
	splx(s);
}

/*
 * The buffer for (dev, blkno), held, in *bpp; EINVAL for a bad size,
 * ENXIO for a block outside its partition, ENOMEM when memory for its
 * data cannot be had.  One copy of a sector: the buffer is kept under
 * the bottom device (cache_where), and no two buffers overlap: a buffer
 * of another size over some of the same blocks is written if dirty and
 * dropped first (BSD's rule for getblk with a new size).  A buffer whose
 * blocks may not be kept (cache_may_keep) comes without B_DONE, marked
 * B_NOCACHE: read fresh, dropped at brelse.
 */
static int
getblk_at(dev_t dev, daddr_t blkno, uint32_t size, struct buf **bpp)
{
	uint32_t n = size / DEV_BSIZE;
	int err;

	*bpp = NULL;
	if (!size_ok(size))
		return EINVAL;
	if ((err = cache_where(&dev, &blkno, size)))
		return err;
	struct buf *bp;
	for (;;) {
		int s = splbio();
		bp = hash_find(dev, blkno);
		if (bp) {
			if (bp->b_flags & B_BUSY) {
				bcache_stats.waits++;
				buf_wait(bp, "getblk");
				splx(s);
				continue;
			}
			buf_take(bp);
			splx(s);
			if (bp->b_bcount != size) {
				/* Another size: write what is dirty, then
				 * start over with this size, over blocks no
				 * other buffer has. */
				if (bp->b_flags & B_DELWRI) {
					uint32_t had = bp->b_bcount / DEV_BSIZE;
					err = bwrite(bp);
					if (err) /* a delayed write's writer is gone */
						wb_error_note(dev, blkno, had,
							      err);
					continue;
				}
				bp->b_flags &= ~B_DONE;
				cache_sync_range(dev, blkno, blkno + (daddr_t)n,
						 1, blkno);
				if (buf_size(bp, size)) {
					bp->b_flags |= B_INVAL;
					brelse(bp);
					return ENOMEM;
				}
				grid_leave(bp); /* (its size changed) */
				grid_enter(bp);
			}
			break;
		}
		splx(s);
		/* a miss: buffers of other sizes in the way go first */
		if (cache_sync_range(dev, blkno, blkno + (daddr_t)n, 1, -1))
			continue;
		s = splbio();
		if (hash_find(dev, blkno)) { /* made while we looked */
			splx(s);
			continue;
		}
		bp = buf_steal(size);
		if (!bp) {
			bc.want_any++;
			bcache_stats.waits++;
			tsleep(&bc.want_any, "getnewbuf", 0);
			bc.want_any--;
			splx(s);
			continue;
		}
		/* sized before it is found (at splbio, where no other
		 * thread runs): an overlap search must see its size */
		if (buf_size(bp, size)) {
			/* (buf_steal took it off the hash) */
			bp->b_dev = NODEV;
			splx(s);
			bp->b_flags |= B_INVAL;
			brelse(bp);
			return ENOMEM;
		}
		bp->b_dev = dev;
		bp->b_blkno = blkno;
		hash_insert(bp);
		splx(s);
		break;
	}
	/* (a hit pays one test when no volume and no raw write exists) */
	if (bdev_nheld || nraw) {
		int s = splbio();
		if (!cache_may_keep(dev, blkno, n)) {
			if (bp->b_flags & B_DELWRI) {
				/* (a claim and a raw write wrote them first,
				 * so only a bug leaves one: write it anyway) */
				splx(s);
				err = bwrite(bp);
				if (err)
					wb_error_note(dev, blkno, n, err);
				return getblk_at(dev, blkno, size, bpp);
			}
			bp->b_flags &= ~B_DONE;
			bp->b_flags |= B_NOCACHE;
			splx(s);
			claimants_flush(dev, blkno, n);
			s = splbio();
		}
		splx(s);
	}
	*bpp = bp;
	return 0;
}

/* Does a buffer of bottom device dev overlap blocks [blkno, blkno + n)?
 * At splbio. */
static int
overlapped(dev_t dev, daddr_t blkno, uint32_t n)
{
	if (grid_alone(dev, blkno, n))
		return hash_find(dev, blkno) != NULL;
	for (daddr_t b = overlap_from(blkno); b < blkno + (daddr_t)n; b++) {
		struct buf *bp = hash_find(dev, b);
		if (bp && b + (daddr_t)(bp->b_bcount / DEV_BSIZE) > blkno)
			return 1;
	}
	return 0;
}

/*
 * A new buffer for blocks [blkno, blkno + size) of bottom device dev,
 * held, without sleeping (read-ahead, cluster.c): EEXIST if a buffer
 * holds any of them already, EAGAIN if they may not be kept or no
 * buffer or memory is free now.
 */
int
getblk_nowait(dev_t dev, daddr_t blkno, uint32_t size, struct buf **bpp)
{
	uint32_t n = size / DEV_BSIZE;
	int s = splbio();
	int err = 0;
	struct buf *bp = NULL;

	*bpp = NULL;
	if (hash_find(dev, blkno) || overlapped(dev, blkno, n))
		err = EEXIST; /* (the first test: the common case, cheaply) */
	else if (!cache_may_keep(dev, blkno, n) || !(bp = buf_steal(size)))
		err = EAGAIN;
	else if (buf_size(bp, size)) {
		bp->b_flags |= B_INVAL;
		brelse(bp);
		err = EAGAIN;
	} else {
		bp->b_dev = dev;
		bp->b_blkno = blkno;
		hash_insert(bp);
		*bpp = bp;
	}
	splx(s);
	return err;
}

/* The delayed write at (bottom dev, blkno) of `size` bytes, taken (held,
 * off the free list) for writing; NULL if there is none or it is held. */
struct buf *
bcache_take_delwri(dev_t dev, daddr_t blkno, uint32_t size)
{
	int s = splbio();
	struct buf *bp = blkno < 0 ? NULL : hash_find(dev, blkno);

	if (bp && ((bp->b_flags & (B_DELWRI | B_BUSY)) != B_DELWRI ||
		   bp->b_bcount != size))
		bp = NULL;
	if (bp)
		buf_take(bp);
	splx(s);
	return bp;
}

struct buf *
getblk(dev_t dev, daddr_t blkno, uint32_t size)
{
	struct buf *bp;

	getblk_at(dev, blkno, size, &bp);
	return bp;
}

/* An empty buffer of no device, held. */
struct buf *
geteblk(uint32_t size)
{
	if (!size_ok(size))
		return NULL;
	for (;;) {
		int s = splbio();
		struct buf *bp = buf_steal(size);
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
	if (cache_where(&dev, &blkno, DEV_BSIZE))
		return NULL;
	int s = splbio();
	struct buf *bp = hash_find(dev, blkno);

	splx(s);
	return bp;
}

void
bcache_read_prep(struct buf *bp, int async)
{
	bp->b_flags |= B_READ;
	bp->b_flags &= ~(B_DONE | B_ERROR | B_INVAL);
	if (async) {
		bp->b_flags |= B_ASYNC;
		bp->b_owner = NULL; /* its I/O's now */
	}
}

static void
read_start(struct buf *bp, int async)
{
	bcache_read_prep(bp, async);
	bdev_strategy(bp);
}

/* Where a buffer of dev's blocks [lo, hi) would lie on the bottom
 * device, as getblk put bp (dev's block blkno): the same distance on. */
static void
ra_bounds(dev_t dev, const struct buf *bp, daddr_t blkno, daddr_t *lo,
	  daddr_t *hi)
{
	const struct bdev *bd = bdev_lookup(dev);
	daddr_t end = bd ? (daddr_t)bd->nblocks : 0;

	if (*hi > end)
		*hi = end;
	if (*lo < 0)
		*lo = 0;
	*lo += bp->b_blkno - blkno;
	*hi += bp->b_blkno - blkno;
}

/*
 * bread, and read blocks [ralo, rahi) of dev ahead, in clusters
 * (cluster.c), those not cached: a miss that the read-ahead continues
 * (ralo just after the block) is read in the same transfer.  ralo ==
 * rahi: none; the read-ahead stops at the device's end.
 */
static int
bread_mark(dev_t dev, daddr_t blkno, uint32_t size, daddr_t ralo, daddr_t rahi,
	   uint32_t mark, struct buf **bpp)
{
	struct buf *bp;
	int err = getblk_at(dev, blkno, size, &bp);

	*bpp = NULL;
	if (err)
		return err;
	bp->b_flags = (bp->b_flags & ~B_META) | mark;
	int ahead = ralo < rahi;
	int joined = ralo == blkno + (daddr_t)(size / DEV_BSIZE);
	if (ahead)
		ra_bounds(dev, bp, blkno, &ralo, &rahi);
	if (bp->b_flags & B_DONE) {
		bcache_stats.hits++;
		TRACE(TR_CACHE_HIT, bp, 0);
		if (bp->b_flags & B_READAHEAD) {
			bcache_stats.ra_used++;
			TRACE(TR_RA_USED, bp, 0);
			bp->b_flags &= ~B_READAHEAD;
		}
		if (ahead)
			cluster_read(NULL, bp->b_dev, ralo, rahi, size);
		*bpp = bp;
		return 0;
	}
	bcache_stats.misses++;
	TRACE(TR_CACHE_MISS, bp, 0);
	if (ahead && joined && !(bp->b_flags & B_NOCACHE)) {
		bcache_read_prep(bp, 0);
		cluster_read(bp, bp->b_dev, bp->b_blkno, rahi, size);
	} else {
		read_start(bp, 0);
		if (ahead)
			cluster_read(NULL, bp->b_dev, ralo, rahi, size);
	}
	err = biowait(bp);
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
bread_ahead(dev_t dev, daddr_t blkno, uint32_t size, daddr_t ralo, daddr_t rahi,
	    struct buf **bpp)
{
	return bread_mark(dev, blkno, size, ralo, rahi, 0, bpp);
}

/* bread_ahead of a file system's own block (its map, its inodes, its
 * directories): the buffer says so (B_META), and the trace (M). */
int
bread_meta(dev_t dev, daddr_t blkno, uint32_t size, daddr_t ralo, daddr_t rahi,
	   struct buf **bpp)
{
	return bread_mark(dev, blkno, size, ralo, rahi, B_META, bpp);
}

int
bread(dev_t dev, daddr_t blkno, uint32_t size, struct buf **bpp)
{
	return bread_ahead(dev, blkno, size, 0, 0, bpp);
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

void
bcache_write_prep(struct buf *bp, int async)
{
	if (!(bp->b_flags & B_BUSY))
		panic("bwrite: buf %p (dev %d,%d blk %lld) is not held",
		      (void *)bp, major(bp->b_dev), minor(bp->b_dev),
		      bp->b_blkno);
	int s = splbio();
	if (bdep_waits(bp))
		panic("bwrite: buf %p (dev %d,%d blk %lld) written before a "
		      "block it waits for (bdep)",
		      (void *)bp, major(bp->b_dev), minor(bp->b_dev),
		      bp->b_blkno);
	bp->b_flags &= ~(B_READ | B_DELWRI | B_DONE | B_ERROR);
	bp->b_flags |= B_WRITING;
	dirty_del(bp);
	if (async) {
		bp->b_flags |= B_ASYNC;
		bp->b_owner = NULL; /* its I/O's now */
		bc.async_writes++;
	}
	splx(s);
	bcache_stats.writes++;
}

static void
write_start(struct buf *bp, int async)
{
	if (bp->b_dep)
		bdep_wait(bp);
	bcache_write_prep(bp, async);
	bdev_strategy(bp);
}

int
bwrite(struct buf *bp)
{
	return bwrite_all(&bp, 1);
}

/* bwrite of n held buffers at once: all started, then all waited for
 * (a disk that queues them writes them together).  The first error. */
int
bwrite_all(struct buf **bps, int n)
{
	int err = 0;

	for (int i = 0; i < n; i++)
		write_start(bps[i], 0);
	for (int i = 0; i < n; i++) {
		int e = biowait(bps[i]);
		if (!e && bps[i]->b_resid)
			e = ENXIO;
		brelse(bps[i]);
		if (e && !err)
			err = e;
	}
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
	if (bp->b_flags & B_NOCACHE) { /* not to be kept: written now */
		bawrite(bp);
		return;
	}
	int s = splbio();
	if (!(bp->b_flags & B_DELWRI)) {
		bp->b_flags |= B_DELWRI;
		dirty_add(bp);
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
	if (bp->b_dev != NODEV &&
	    (bp->b_dev != bp->b_hdev || bp->b_blkno != bp->b_hblkno))
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
				wb_error_note(bp->b_dev, bp->b_blkno,
					      bp->b_bcount / DEV_BSIZE,
					      geterror(bp));
			kprintf("bcache: write of dev %d,%d block %lld failed: "
				"%s; "
				"its data is lost\n",
				major(bp->b_dev), minor(bp->b_dev), bp->b_blkno,
				errno_name(geterror(bp)));
		}
		bp->b_flags |= B_INVAL;
	}
	if ((bp->b_flags & (B_NOCACHE | B_DELWRI)) == B_NOCACHE)
		bp->b_flags |= B_INVAL;
	if (bp->b_flags & B_INVAL) {
		if (bp->b_flags & B_READAHEAD)
			bcache_stats.ra_wasted++;
		hash_remove(bp);
		bdep_forget(bp);
		dirty_del(bp);
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
			 B_READ | B_CACHE | B_NOCACHE | B_WRITING);
	bp->b_owner = NULL;
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

/* The blocks of dev, as the cache keeps them: [*lo, *hi) of bottom
 * device *bottom.  NODEV (every device): *bottom NODEV.  0 if dev is no
 * device. */
static int
dev_range(dev_t dev, dev_t *bottom, daddr_t *lo, daddr_t *hi)
{
	uint64_t start;

	*bottom = NODEV;
	*lo = 0;
	*hi = INT64_MAX;
	if (dev == NODEV)
		return 1;
	struct bdev *bd = bdev_lookup(dev);
	if (!bd) { /* gone: whatever is left under its number */
		*bottom = dev;
		return 1;
	}
	*bottom = bdev_bottom(bd, &start)->dev;
	*lo = (daddr_t)start;
	*hi = (daddr_t)(start + bd->nblocks);
	return 1;
}

/* Is bp one of dev's (dev_range's), and not held? */
static int
in_range(const struct buf *bp, dev_t bottom, daddr_t lo, daddr_t hi)
{
	if (bp->b_dev == NODEV || (bottom != NODEV && bp->b_dev != bottom))
		return 0;
	return bp->b_blkno < hi &&
	       bp->b_blkno + (daddr_t)(bp->b_bcount / DEV_BSIZE) > lo;
}

static int
block_order(const void *x, const void *y)
{
	const struct buf *a = *(struct buf *const *)x;
	const struct buf *b = *(struct buf *const *)y;

	return a->b_dev != b->b_dev ? a->b_dev < b->b_dev
				    : a->b_blkno < b->b_blkno;
}

/* Is bp a delayed write of [lo, hi) of bottom (dev_range's), made dirty
 * at tick `born` or before, and free to take?  At splbio. */
static int
dirty_in(const struct buf *bp, dev_t bottom, daddr_t lo, daddr_t hi,
	 uint64_t born)
{
	return (bp->b_flags & (B_DELWRI | B_BUSY)) == B_DELWRI &&
	       bp->b_dirtied <= born && in_range(bp, bottom, lo, hi);
}

/* Write bp with its dirty neighbours if it is still flush_dirty's to
 * write: taken at splbio, issued below it (a device that completes at
 * once then completes at base level, not deferred). */
static int
flush_one(struct buf *bp, dev_t bottom, daddr_t lo, daddr_t hi, uint64_t born)
{
	int s = splbio();

	if (!dirty_in(bp, bottom, lo, hi, born)) {
		splx(s);
		return 0;
	}
	if (bdep_waits(bp)) {
		/* its dependencies go now, it in a later round */
		bdep_start(bp);
		splx(s);
		return 1;
	}
	buf_take(bp);
	splx(s);
	if (born != UINT64_MAX)
		bcache_stats.syncer_writes++;
	cluster_write(bp);
	return 0;
}

/*
 * Start writing the delayed writes of [lo, hi) of bottom device bottom
 * (NODEV: every device's) dirtied at tick `born` or before: in block
 * order, each with the dirty neighbours it continues (cluster_write),
 * so a disk sees long sequential writes, not the free list's order.
 */
static int
flush_dirty(dev_t bottom, daddr_t lo, daddr_t hi, uint64_t born)
{
	int want = 0, n = 0, waiting = 0;
	struct buf *bp;

	/* counted first: the syncer looks every second, mostly to find
	 * nothing, and then allocates nothing */
	int s = splbio();
	for (bp = bc.dirty.b_dnext; bp != &bc.dirty; bp = bp->b_dnext)
		want += dirty_in(bp, bottom, lo, hi, born);
	splx(s);
	if (!want)
		return 0;
	struct buf **list = kmalloc((size_t)want * sizeof(*list));
	if (!list) {
		/* no memory to sort in: in the pool's order (a walk of
		 * every header: the list changes under each write) */
		for (int i = 0; i < bc.nbuf; i++)
			waiting += flush_one(&bc.hdr[i], bottom, lo, hi, born);
		return waiting;
	}
	s = splbio();
	for (bp = bc.dirty.b_dnext; bp != &bc.dirty && n < want;
	     bp = bp->b_dnext)
		if (dirty_in(bp, bottom, lo, hi, born))
			list[n++] = bp;
	splx(s);
	sort(list, (size_t)n, sizeof(*list), block_order);
	for (int i = 0; i < n; i++)
		waiting += flush_one(list[i], bottom, lo, hi, born);
	kfree(list);
	return waiting;
}

/* Chains of dependencies end within BDEP_ROUNDS of bflush's rounds;
 * buffers still waiting then wait in a loop (bdep.c): they are written
 * without their order, and said so. */
static void
break_waits(dev_t bottom, daddr_t lo, daddr_t hi)
{
	for (int i = 0; i < bc.nbuf; i++) {
		struct buf *bp = &bc.hdr[i];
		int s = splbio();
		if ((bp->b_flags & B_DELWRI) && in_range(bp, bottom, lo, hi) &&
		    bdep_waits(bp)) {
			kprintf("bcache: dev %d,%d block %lld waits in a loop "
				"of write order: written without it\n",
				major(bp->b_dev), minor(bp->b_dev),
				bp->b_blkno);
			bdep_stats.broken++;
			bdep_forget(bp);
		}
		splx(s);
	}
}

/* Write dev's delayed writes (NODEV: every device's; a partition's, the
 * ones on its disk within it) and wait for them: EIO if one of dev's
 * writes failed meanwhile (another device's failing then is no concern
 * of dev's). */
int
bflush(dev_t dev)
{
	uint64_t errors = write_errors_of(dev);
	dev_t bottom;
	daddr_t lo, hi;

	dev_range(dev, &bottom, &lo, &hi);
	TRACE_EVENT(TR_CACHE_FLUSH, dev, 0, 0, 0, 0);
	/* rounds: a buffer that waits for others' writes (bdep.c) goes
	 * once they are done; each round writes at least the ones that
	 * wait for nothing, so chains end */
	for (int waiting = 1, round = 0; waiting; round++) {
		if (round == BDEP_ROUNDS)
			break_waits(bottom, lo, hi); /* a loop: see bdep.c */
		waiting = flush_dirty(bottom, lo, hi, UINT64_MAX);
		int s = splbio();
		while (bc.async_writes)
			tsleep(&bc.async_writes, "bflush", 0);
		splx(s);
	}
	return write_errors_of(dev) != errors ? EIO : 0;
}

/* Forget every buffer of dev (write them first with bflush if they
 * matter): the next bread reads the device. */
void
binval(dev_t dev)
{
	dev_t bottom;
	daddr_t lo, hi;

	dev_range(dev, &bottom, &lo, &hi);
	if (bottom == NODEV)
		return; /* (not every device's: bcache_drop does that) */
	for (int i = 0; i < bc.nbuf; i++) {
		struct buf *bp = &bc.hdr[i];
		int s = splbio();
		while (in_range(bp, bottom, lo, hi) && (bp->b_flags & B_BUSY))
			buf_wait(bp, "binval");
		if (in_range(bp, bottom, lo, hi)) {
			buf_take(bp);
			bp->b_flags |= B_INVAL;
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
		if (bp->b_flags & (B_BUSY | B_DELWRI) || !bp->b_bufsize)
			continue;
		buf_take(bp);
		buf_forget(bp);
		buf_empty(bp);
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
