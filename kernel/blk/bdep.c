/*
 * bdep.c: write order without waiting.  A file system that needs one
 * block on the disk before another (BSD's rule: an inode before the
 * directory entry that names it) can write the first synchronously, as
 * ufs does without soft updates, and wait a disk write each time; or it
 * records the order on the cached buffer with bdep() and goes on.  The
 * cache then never starts the dependent buffer's write until every
 * block it depends on has been written, whichever path writes it: a
 * flush or the syncer skips it and starts its dependencies (bflush goes
 * round again until none is left), the free list passes it by, a
 * cluster leaves it out, and bwrite waits.  This is the ordering half
 * of soft updates (McKusick and Ganger, 1999) without its roll-back: a
 * dependent block waits, it is never written in an older state.
 *
 * A dependency is satisfied when the block it names holds no delayed
 * write and no write under way (B_DELWRI, B_WRITING): the contents it
 * had when the dependency was made are on the disk, or came to it with
 * a later write.  A buffer reused for another block was written first,
 * so a record whose buffer names another block is satisfied too.
 *
 * Chains are allowed (a directory block waits for an inode table block
 * that waits for a new indirect block), loops are not: a dependency
 * that would close one (the block waits, through others, for the
 * buffer that is to wait for it) is not recorded, and the block is
 * written at once instead, as it would be without dependencies.  A
 * chain deeper than BDEP_DEPTH is treated the same way.  Should a loop
 * still form (records are per block, and a damaged file system can give
 * one block two roles), bdep_wait breaks it with a console line rather
 * than sleep on its own buffer, and bflush after BDEP_ROUNDS rounds.
 */
#include "bdep.h"

#include <stddef.h>

#include "bcache.h"
#include "console.h"
#include "intr.h"
#include "thread.h"

#define BDEP_RECORDS 2048 /* more at once: written synchronously */
#define BDEP_DEPTH   8	  /* a longer chain: written synchronously */
#define LOOP	     (-1) /* write_step: the block is this thread's */

struct bdep {
	struct bdep *next; /* the buffer's next, or the free list's */
	struct buf *first; /* the buffer that must be written first */
	dev_t dev;	   /* ... while it holds this block (bottom dev) */
	daddr_t blkno;
};

static struct bdep records[BDEP_RECORDS];
static struct bdep *free_records;
static int ready_once;
struct bdep_stats bdep_stats;

static void
records_init(void)
{
	for (int i = 0; i < BDEP_RECORDS; i++) {
		records[i].next = free_records;
		free_records = &records[i];
	}
	ready_once = 1;
}

/* Does header t still hold block (dev, blkno) unwritten?  At splbio. */
static int
unwritten(const struct buf *t, dev_t dev, daddr_t blkno)
{
	return t->b_dev == dev && t->b_blkno == blkno &&
	       (t->b_flags & (B_DELWRI | B_WRITING));
}

static int
pending(const struct bdep *r)
{
	return unwritten(r->first, r->dev, r->blkno);
}

/* One step toward block (dev, blkno) of header t reaching the disk: its
 * delayed write written now, or a wait for the write or the holder it
 * has: bwrite's error, or LOOP if this thread is the holder (a loop,
 * which only a damaged file system makes: one block in two roles).  At
 * splbio; may sleep. */
static int
write_step(struct buf *t, dev_t dev, daddr_t blkno)
{
	if (t->b_owner == curthread)
		return LOOP;
	struct buf *w = bcache_take_delwri(dev, blkno, t->b_bcount);
	if (!w) {
		bcache_wait_for(t); /* under way, or held a moment */
		return 0;
	}
	int s = spl0();
	int err = bwrite(w);
	splx(s);
	return err;
}

int
bdep_ready(struct buf *bp)
{
	struct bdep **rp = &bp->b_dep;

	while (*rp) {
		struct bdep *r = *rp;
		if (pending(r)) {
			rp = &r->next;
			continue;
		}
		*rp = r->next;
		r->next = free_records;
		free_records = r;
	}
	return bp->b_dep == NULL;
}

void
bdep_forget(struct buf *bp)
{
	while (bp->b_dep) {
		struct bdep *r = bp->b_dep;
		bp->b_dep = r->next;
		r->next = free_records;
		free_records = r;
	}
}

/* (Never sleeps: the free list's walk calls it.  A dependency's own
 * dependencies are cluster_write's to start, one level at a time, so a
 * chain cannot recurse deeper than it is long; `depth` stops a loop a
 * damaged file system might still make.) */
void
bdep_start(struct buf *bp)
{
	static int depth;

	if (depth > 4)
		return;
	depth++;
	for (struct bdep *r = bp->b_dep; r; r = r->next) {
		struct buf *t = pending(r)
					? bcache_take_delwri(r->dev, r->blkno,
							     r->first->b_bcount)
					: NULL;
		if (t) {
			bdep_stats.started++;
			cluster_write(t); /* (leaves it, if it waits itself) */
		}
	}
	depth--;
}

void
bdep_wait(struct buf *bp)
{
	int s = splbio();

	while (!bdep_ready(bp)) {
		struct bdep *r = bp->b_dep;
		while (!pending(r))
			r = r->next;
		bdep_stats.waited++;
		/* (a failed write is its own to report) */
		if (write_step(r->first, r->dev, r->blkno) == LOOP) {
			bdep_stats.broken++;
			kprintf("bcache: dev %d,%d block %lld is written "
				"before block %lld, which it should follow: a "
				"loop\n",
				major(bp->b_dev), minor(bp->b_dev), bp->b_blkno,
				r->blkno);
			r->dev = NODEV; /* satisfied from now on */
		}
	}
	splx(s);
}

/* Does `from` wait, through its dependencies, for `to`?  (Or is the
 * chain too deep to tell.)  At splbio. */
static int
reaches(const struct buf *from, const struct buf *to, int depth)
{
	if (depth > BDEP_DEPTH)
		return 1;
	for (const struct bdep *r = from->b_dep; r; r = r->next)
		if (pending(r) &&
		    (r->first == to || reaches(r->first, to, depth + 1)))
			return 1;
	return 0;
}

int
bdep(struct buf *bp, dev_t dev, daddr_t blkno)
{
	struct buf *t = bcache_peek(dev, blkno);
	int s = splbio();

	if (!ready_once)
		records_init();
	/* (peeked before splbio: the test below is at it) */
	if (!t || t == bp || t->b_dev == NODEV ||
	    !unwritten(t, t->b_dev, t->b_blkno)) {
		splx(s);
		return 0; /* on the disk already */
	}
	for (struct bdep *r = bp->b_dep; r; r = r->next)
		if (r->first == t && r->dev == t->b_dev &&
		    r->blkno == t->b_blkno) {
			splx(s);
			return 0; /* recorded already */
		}
	if (free_records && !reaches(t, bp, 0)) {
		struct bdep *r = free_records;
		free_records = r->next;
		r->first = t;
		r->dev = t->b_dev;
		r->blkno = t->b_blkno;
		r->next = bp->b_dep;
		bp->b_dep = r;
		bdep_stats.added++;
		splx(s);
		return 0;
	}
	/* no record, or a loop would form: the block is written now, as
	 * it would be without dependencies */
	bdep_stats.sync++;
	dev_t bottom = t->b_dev;
	daddr_t at = t->b_blkno;
	int err = 0;
	while (!err && unwritten(t, bottom, at))
		err = write_step(t, bottom, at);
	if (err == LOOP) { /* held here: see bdep_wait */
		bdep_stats.broken++;
		err = 0;
	}
	splx(s);
	return err;
}
