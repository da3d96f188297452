/*
 * bdev.c: the block device switch, and what every strategy routine
 * shares: the bounds rules and the splitting of large requests.
 *
 * Bounds (../shared/seeds/001_*.txt and 003_*.txt, the RAM disk example),
 * the same for every driver:
 *  - b_bcount zero or not a multiple of DEV_BSIZE, or no data address:
 *    EINVAL;
 *  - a read starting exactly at the end of the device: end of media, no
 *    error, b_resid = b_bcount;
 *  - anything else starting outside the device (a negative block, a write
 *    at the end, any request past it): ENXIO;
 *  - a request that starts inside and runs past the end: truncated at the
 *    end, b_resid says by how much, the rest is transferred.
 * Each of the first three completes the buf with biodone at once.
 *
 * Splitting: a request larger than the device's maxxfer becomes raw child
 * bufs of at most maxxfer bytes, issued to the driver together.  The
 * children carry bdev's b_iodone; the parent's own b_iodone is not
 * touched, and the parent is completed (biodone) once, when the last
 * child is done, with the first failing child's error and a b_resid
 * counting every byte from that child on.
 *
 * Protection: the table of devices is searched and changed with
 * interrupts off (lookups run at interrupt levels, and a removal shifts
 * it under a preempted search); a device's holder and bdev_nheld at
 * splhigh; a split's count of children at splhigh.  Opening a device and
 * making or removing a volume sleep (bflush, reads of labels) between
 * their checks and their claims: the claims lock, a sleep lock, makes
 * each one step.
 */
#include "bdev.h"

#include <stddef.h>

#include "console.h"
#include "errno.h"
#include "intr.h"
#include "kmalloc.h"
#include "panic.h"
#include "pci.h"
#include "printf.h"
#include "string.h"
#include "pmem.h"
#include "thread.h"
#include "trace.h"
#include "vm.h"

static struct bdev *bdevs[BDEV_MAX];
static struct mutex claims = MUTEX_INITIALIZER("bdevclaims");

void
bdev_claims_enter(void)
{
	mutex_enter(&claims);
}

void
bdev_claims_exit(void)
{
	mutex_exit(&claims);
}
static int nbdev;
struct bdev_stats bdev_stats;

int
bdev_register(struct bdev *bd)
{
	if (!bd->maxxfer || bd->maxxfer % DEV_BSIZE || !bd->ops ||
	    !bd->ops->strategy)
		panic("bdev_register: %s: bad maxxfer %u or no strategy",
		      bd->name, bd->maxxfer);
	/* the tests and the insertion are one step: two registrants of
	 * one name, or of the last slot, would both pass them */
	uint32_t fl = irq_save();
	int err = nbdev == BDEV_MAX				   ? ENOSPC
		  : bdev_lookup(bd->dev) || bdev_by_name(bd->name) ? EEXIST
								   : 0;
	if (!err)
		bdevs[nbdev++] = bd;
	irq_restore(fl);
	return err;
}

/* A volume going away (lv.c): nothing may be in flight to it. */
void
bdev_unregister(struct bdev *bd)
{
	uint32_t fl = irq_save(); /* bdev_lookup runs at interrupt levels */

	for (int i = 0; i < nbdev; i++) {
		if (bdevs[i] != bd)
			continue;
		memmove(&bdevs[i], &bdevs[i + 1],
			(size_t)(nbdev - i - 1) * sizeof(bdevs[0]));
		nbdev--;
		break;
	}
	irq_restore(fl);
}

/* Name a disk by where it is (bdev.h): pciloc < 0 for the short names,
 * else its controller's PCI address (pci_loc). */
void
bdev_set_name(struct bdev *bd, const char *prefix, int major, int pciloc,
	      int unit)
{
	if (pciloc < 0) {
		snprintf(bd->name, sizeof(bd->name), "%s%d", prefix, unit);
		bd->dev = makedev(major, unit);
	} else {
		snprintf(bd->name, sizeof(bd->name), "%s%02x:%02x.%x-%d",
			 prefix, PCI_LOC_BUS(pciloc), PCI_LOC_DEV(pciloc),
			 PCI_LOC_FN(pciloc), unit);
		bd->dev = makedev(major, BDEV_MINOR_PCI | pciloc << 5 | unit);
	}
}

struct bdev *
bdev_lookup(dev_t dev)
{
	uint32_t fl = irq_save();
	struct bdev *bd = NULL;

	for (int i = 0; i < nbdev && !bd; i++)
		if (bdevs[i]->dev == dev)
			bd = bdevs[i];
	irq_restore(fl);
	return bd;
}

struct bdev *
bdev_by_name(const char *name)
{
	uint32_t fl = irq_save();
	struct bdev *bd = NULL;

	for (int i = 0; i < nbdev && !bd; i++)
		if (!strcmp(bdevs[i]->name, name))
			bd = bdevs[i];
	irq_restore(fl);
	return bd;
}

struct bdev *
bdev_at(int i)
{
	uint32_t fl = irq_save();
	struct bdev *bd = i >= 0 && i < nbdev ? bdevs[i] : NULL;

	irq_restore(fl);
	return bd;
}

/*
 * Where bd's blocks lie: the device at the bottom of its partitions (a
 * disk, a RAM disk or a volume: bd itself if it is one), and *start, the
 * block there of bd's block 0.  The buffer cache keeps every block under
 * its bottom device (bcache.c), so that a sector has one copy whatever
 * name it was reached by.
 */
struct bdev *
bdev_bottom(struct bdev *bd, uint64_t *start)
{
	*start = 0;
	while (bd->parent) {
		*start += bd->offset;
		bd = bd->parent;
	}
	return bd;
}

/* Whether x's blocks lie on bottom device `bottom` and meet its blocks
 * [lo, lo + n): the names that share a stretch of a disk. */
int
bdev_meets(struct bdev *x, const struct bdev *bottom, uint64_t lo, uint64_t n)
{
	uint64_t start;

	return bdev_bottom(x, &start) == bottom && start < lo + n &&
	       lo < start + x->nblocks;
}

/* Devices held by a volume now (a quick "none" for the cache). */
int bdev_nheld;

/* bd becomes a leg of `volume`, or stops being one. */
void
bdev_hold(struct bdev *bd, struct bdev *volume)
{
	int s = splhigh();
	if (!bd->holder)
		bdev_nheld++;
	bd->holder = volume;
	splx(s);
}

void
bdev_unhold(struct bdev *bd)
{
	int s = splhigh();
	if (bd->holder)
		bdev_nheld--;
	bd->holder = NULL;
	splx(s);
}

/*
 * The volume whose leg holds some of bd's blocks [blk, blk + n) (bd
 * itself is a leg, or the disk under it, or a partition of it), or NULL.
 * A volume's legs are its own, as Linux's md claims its members: their
 * blocks are written only through it (bdev_claimant says EBUSY to anyone
 * else) and never cached under a leg's name.
 */
struct bdev *
bdev_claimant(struct bdev *bd, uint64_t blk, uint64_t n)
{
	uint64_t start;

	if (!bdev_nheld)
		return NULL;
	struct bdev *bottom = bdev_bottom(bd, &start);
	for (int i = 0; i < nbdev; i++)
		if (bdevs[i]->holder &&
		    bdev_meets(bdevs[i], bottom, start + blk, n))
			return bdevs[i]->holder;
	return NULL;
}

/*
 * Hand a chain of bufs to their devices.  Every buf is marked in flight
 * (bio_issue) before any driver sees it.  Never sleeps.
 */
void
bdev_strategy(struct buf *chain)
{
	struct buf *bp, *next;

	for (bp = chain; bp; bp = bp->av_forw) {
		bio_issue(bp);
		TRACE(TR_QUEUE, bp, 0);
	}
	/* Consecutive bufs for the same device go down as one chain. */
	for (bp = chain; bp; bp = next) {
		struct buf *last = bp;
		while (last->av_forw && last->av_forw->b_dev == bp->b_dev)
			last = last->av_forw;
		next = last->av_forw;
		last->av_forw = NULL;
		struct bdev *bd = bdev_lookup(bp->b_dev);
		if (!bd) {
			for (struct buf *b = bp, *n; b; b = n) {
				n = b->av_forw;
				b->av_forw = NULL;
				biofail(b, ENXIO);
			}
			continue;
		}
		/* AIX's rule, which iodine keeps: the strategy routine may
		 * run at interrupt level, so it never sleeps; tsleep panics
		 * if it tries (the per-thread mark survives preemption) */
		const char *outer = curthread->in_strategy;
		curthread->in_strategy = bd->name;
		bd->ops->strategy(bd, bp);
		curthread->in_strategy = outer;
	}
}

/*
 * The bounds rules.  Returns 1 if bp should be transferred (b_resid then
 * holds the bytes cut off at the end of the device), 0 if it has been
 * completed here.
 */
int
bdev_validate(const struct bdev *bd, struct buf *bp)
{
	uint32_t sec = bdev_secsize(bd);
	if (!bp->b_bcount || bp->b_bcount % sec || !bp->b_un.b_addr ||
	    (uintptr_t)bp->b_un.b_addr % bdev_align(bd) ||
	    (uint64_t)bp->b_blkno % (sec / DEV_BSIZE)) {
		/* (a device of larger sectors takes whole ones only) */
		biofail(bp, EINVAL);
		return 0;
	}
	/* All in 64 bits: the blocks left to the end of a disk of 2^32
	 * sectors or more do not fit in 32, and must not wrap to 0. */
	if (bp->b_blkno == (daddr_t)bd->nblocks && (bp->b_flags & B_READ)) {
		bp->b_resid = bp->b_bcount; /* end of media: nothing read */
		biodone(bp);
		return 0;
	}
	if (bp->b_blkno < 0 || (uint64_t)bp->b_blkno >= bd->nblocks) {
		biofail(bp, ENXIO);
		return 0;
	}
	uint64_t left = bd->nblocks - (uint64_t)bp->b_blkno; /* >= 1 */
	uint64_t want = bp->b_bcount / DEV_BSIZE;
	bp->b_resid = want > left ? (uint32_t)(want - left) * DEV_BSIZE : 0;
	return 1;
}

/*
 * A request of the block layer's own for `len` bytes of parent's data
 * from byte `off`, on (dev, blkno), completed through done() with priv
 * in b_private; NULL when memory is short.  Never sleeps.  Splitting,
 * narrowing and the stacked layers (part.c) all make their requests
 * with it: the caller's buf is never changed.
 */
struct buf *
bdev_child(const struct buf *parent, uint32_t off, uint32_t len, dev_t dev,
	   daddr_t blkno, void (*done)(struct buf *), void *priv)
{
	struct buf *c = getrbuf();

	if (c)
		bdev_child_init(c, parent, off, len, dev, blkno, done, priv);
	return c;
}

void
bdev_child_init(struct buf *c, const struct buf *parent, uint32_t off,
		uint32_t len, dev_t dev, daddr_t blkno,
		void (*done)(struct buf *), void *priv)
{
	uint32_t raw = c->b_flags & (B_RAW | B_BUSY); /* getrbuf's */

	memset(c, 0, sizeof(*c));
	c->b_flags = raw | (parent->b_flags & (B_READ | B_FLUSH));
	c->b_dev = dev;
	c->b_blkno = blkno;
	c->b_bcount = len;
	c->b_un.b_addr = (char *)parent->b_un.b_addr + off;
	c->b_iodone = done;
	c->b_private = priv;
}

struct split {
	struct buf *parent;
	int pending;	    /* children not yet done */
	uint32_t failed_at; /* byte offset of the first failure, or ~0 */
	int error;
};

static void
split_child_done(struct buf *child)
{
	struct split *sp = child->b_private;
	struct buf *parent = sp->parent;
	uint32_t off = (uint32_t)((char *)child->b_un.b_addr -
				  (char *)parent->b_un.b_addr);

	int s = splhigh(); /* children may finish at any level, any order */
	if (child->b_flags & B_ERROR || child->b_resid) {
		uint32_t at = off + child->b_bcount - child->b_resid;
		if (at < sp->failed_at) {
			sp->failed_at = at;
			sp->error = geterror(child);
		}
	}
	int last = --sp->pending == 0;
	splx(s);
	freerbuf(child);
	if (!last)
		return;
	uint32_t xfer = bdev_xfer_bytes(parent);
	if (sp->failed_at < xfer) {
		parent->b_resid = parent->b_bcount - sp->failed_at;
		if (sp->error)
			bioerror(parent, sp->error);
	}
	kfree(sp);
	biodone(parent);
}

/* The most one piece of bp may move on bd: maxxfer, and for a buffer
 * in the frame window (vm.h), whose every page may be a run of its own
 * (dma.c), as many pages as the controller takes runs, less one for a
 * buffer that does not start on a page. */
static uint32_t
piece_max(const struct bdev *bd, const struct buf *bp)
{
	uint32_t max = bd->maxxfer;

	if (bd->maxseg > 1 && vm_in_window(bp->b_un.b_addr)) {
		uint32_t seg = (bd->maxseg - 1) * PAGE_SIZE;
		if (seg < max)
			max = seg;
	}
	return max;
}

/* Split bp into pieces of at most piece_max; 0 if it cannot (no memory):
 * then it has been completed with ENOMEM. */
static int
split(struct bdev *bd, struct buf *bp,
      void (*start)(struct bdev *bd, struct buf *bp))
{
	uint32_t xfer = bdev_xfer_bytes(bp), max = piece_max(bd, bp);
	/* not (xfer + max - 1) / max: that wraps near 4 GiB */
	int n = xfer / max + (xfer % max != 0);
	struct split *sp = kzalloc(sizeof(*sp));
	struct buf *kids = NULL;

	if (!sp)
		goto nomem;
	sp->parent = bp;
	sp->pending = n;
	sp->failed_at = ~0u;
	for (int i = n - 1; i >= 0; i--) {
		uint32_t off = (uint32_t)i * max;
		struct buf *c = bdev_child(
			bp, off, xfer - off < max ? xfer - off : max, bp->b_dev,
			bp->b_blkno + (daddr_t)(off / DEV_BSIZE),
			split_child_done, sp);
		if (!c)
			goto nomem;
		c->av_forw = kids;
		kids = c;
	}
	uint32_t fl = irq_save(); /* (counted from threads and INTIODONE) */
	bdev_stats.splits++;
	bdev_stats.pieces += n;
	irq_restore(fl);
	for (struct buf *c = kids, *next; c; c = next) {
		next = c->av_forw;
		c->av_forw = NULL;
		bio_issue(c);
		TRACE(TR_SPLIT, c, (uint32_t)bp);
		TRACE(TR_INSERT, c, 0);
		start(bd, c);
	}
	return 1;

nomem:
	while (kids) {
		struct buf *next = kids->av_forw;
		freerbuf(kids);
		kids = next;
	}
	kfree(sp);
	biofail(bp, ENOMEM);
	return 0;
}

void
bdev_strategy_chain(struct bdev *bd, struct buf *chain,
		    void (*start)(struct bdev *bd, struct buf *bp))
{
	for (struct buf *bp = chain, *next; bp; bp = next) {
		next = bp->av_forw;
		bp->av_forw = NULL;
		if (!bdev_validate(bd, bp))
			continue;
		if (bdev_xfer_bytes(bp) > piece_max(bd, bp)) {
			split(bd, bp, start);
		} else {
			TRACE(TR_INSERT, bp, 0);
			start(bd, bp);
		}
	}
}

/*
 * Naming the block that failed.  A disk that fails a transfer of many
 * blocks seldom says which one was bad (QEMU's never does for DMA), so
 * the transfer is narrowed: tried again one sector at a time (a block,
 * or the device's larger sector), in order, until a sector fails.  That
 * block is named, as Linux names it ("I/O
 * error, dev sda, sector N"), and the request completes with the error
 * and a b_resid counting from that block: the blocks before it were
 * transferred.  If every block works on its own, the error was
 * transient, and the request completes without one.
 */
struct narrow {
	struct bdev *bd;
	struct buf *parent;
	void (*enqueue)(struct bdev *bd, struct buf *bp);
	uint32_t at;   /* byte offset in parent of the block being tried */
	uint32_t xfer; /* bytes the parent transfers */
};

static void narrow_done(struct buf *c);

static void
io_error_report(const struct bdev *bd, const struct buf *bp, daddr_t blk,
		int error)
{
	kprintf("%s: I/O error, dev %s, sector %lld (%s), %s\n", bd->name,
		bd->name, blk, bp->b_flags & B_READ ? "read" : "write",
		errno_name(error));
}

static void
narrow_issue(struct narrow *nw, struct buf *c)
{
	c->b_blkno = nw->parent->b_blkno + (daddr_t)(nw->at / DEV_BSIZE);
	c->b_un.b_addr = (char *)nw->parent->b_un.b_addr + nw->at;
	bio_issue(c);
	TRACE(TR_DRV_REISSUE, c, (uint32_t)nw->parent);
	TRACE(TR_INSERT, c, 0);
	nw->enqueue(nw->bd, c);
}

static void
narrow_done(struct buf *c)
{
	struct narrow *nw = c->b_private;
	struct buf *parent = nw->parent;

	if ((c->b_flags & B_ERROR) || c->b_resid) {
		int err = geterror(c) ? geterror(c) : EIO;
		io_error_report(nw->bd, parent, c->b_blkno, err);
		bioerror(parent, err);
		parent->b_resid = parent->b_bcount - nw->at;
	} else if ((nw->at += bdev_secsize(nw->bd)) < nw->xfer) {
		narrow_issue(nw, c);
		return;
	} else {
		kprintf("%s: %s of %u blocks at %lld failed, then worked "
			"block by block: recovered\n",
			nw->bd->name,
			parent->b_flags & B_READ ? "read" : "write",
			nw->xfer / DEV_BSIZE, parent->b_blkno);
	}
	uint32_t fl = irq_save();
	bdev_stats.narrowed++;
	irq_restore(fl);
	freerbuf(c);
	kfree(nw);
	biodone(parent);
}

void
bdev_io_failed(struct bdev *bd, struct buf *bp, int error,
	       void (*enqueue)(struct bdev *bd, struct buf *bp))
{
	uint32_t xfer = bdev_xfer_bytes(bp);
	struct narrow *nw = NULL;
	struct buf *c = NULL;

	TRACE_EVENT(TR_DRV_ERROR, bd->dev, bp->b_blkno, xfer, error, 0);

	if (bp->b_iodone == narrow_done || (bp->b_flags & B_FLUSH) ||
	    xfer <= bdev_secsize(bd) || !(nw = kzalloc(sizeof(*nw))) ||
	    !(c = bdev_child(bp, 0, bdev_secsize(bd), bp->b_dev, bp->b_blkno,
			     narrow_done, nw))) {
		kfree(nw);
		/* one block (or narrowing's own, which reports it) */
		if (bp->b_iodone != narrow_done && !(bp->b_flags & B_FLUSH))
			io_error_report(bd, bp, bp->b_blkno, error);
		biofail(bp, error);
		return;
	}
	nw->bd = bd;
	nw->parent = bp;
	nw->enqueue = enqueue;
	nw->xfer = xfer;
	narrow_issue(nw, c);
}

static void
flush_done(struct buf *bp)
{
	int s = splhigh();
	bp->b_flags |= B_DONE;
	wakeup(bp);
	splx(s);
}

/*
 * For drivers' flush operations: a data-less B_FLUSH buf handed to the
 * driver's queue through `enqueue` (which orders it behind the writes
 * before it), and waited for.  Sleeps.
 */
int
bdev_flush_request(struct bdev *bd,
		   void (*enqueue)(struct bdev *bd, struct buf *bp))
{
	struct buf *bp = getrbuf();

	if (!bp)
		return ENOMEM;
	bp->b_flags |= B_FLUSH;
	bp->b_dev = bd->dev;
	bp->b_iodone = flush_done;
	bio_issue(bp);
	TRACE(TR_DEV_FLUSH, bp, 0);
	TRACE(TR_QUEUE, bp, 0);
	TRACE(TR_INSERT, bp, 0);
	enqueue(bd, bp);
	int err = biowait(bp);
	freerbuf(bp);
	return err;
}

/* Write the device's cache to its media. */
int
bdev_flush(dev_t dev)
{
	struct bdev *bd = bdev_lookup(dev);

	if (!bd)
		return ENXIO;
	return bd->ops->flush ? bd->ops->flush(bd) : 0;
}
