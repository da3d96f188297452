/*
 * bio.c: block I/O completion, to the letter of the reference pages
 * (../shared/seeds/: SVR5 biodone(D3), illumos biodone(9F), AIX iodone).
 *
 * biodone(bp):
 *  - If b_iodone is set, call it with bp and do nothing else: no B_DONE,
 *    no wakeup, no release (SVR5, illumos: "calls it and returns without
 *    performing any other actions").
 *  - Otherwise set B_DONE; then if B_ASYNC release the buffer (brelse),
 *    else wake the threads in biowait().
 *
 * Where the pages differ, the choice made here:
 *  - Where it runs.  AIX defers completion to the INTIODONE level when
 *    called at interrupt level; SVR5 and illumos run it in the caller's
 *    context.  iodine follows AIX: called above IPL_IODONE (a hardware
 *    interrupt handler, or a thread at splbio) all of the above is queued,
 *    FIFO, for the IPL_IODONE soft interrupt (iodone.c); called at or below
 *    IPL_IODONE it runs at once.  iodone() is the same function.
 *  - Raw bufs.  SVR5 requires a b_iodone on a buf from getrbuf; iodine
 *    enforces it when the buf is issued (bio_issue).
 *  - May a strategy routine sleep?  AIX ddstrategy: never, it may be
 *    called at interrupt level.  IRIX: a caller doing synchronous I/O
 *    sleeps in biowait after strategy returns, and some strategy routines
 *    sleep for resources.  iodine follows AIX: strategy queues and
 *    returns; biowait, called by the issuer after strategy, is the only
 *    place a request is waited for.  tsleep panics if a strategy routine
 *    tries (bdev_strategy marks the thread).
 *
 * Kernel bug checks, always on: bio_issue() counts a buf in flight and,
 * for a new request, remembers b_dev, b_blkno, b_un and (for bufs that
 * are not the cache's) b_forw/b_back; biodone() panics, naming the bug,
 * if the buf is not in flight (a second biodone, or one never issued), if
 * it was freed, or if, when the request as a whole completes, one of
 * those fields differs.  A driver that touches a buf after biodone is
 * caught two ways, whatever the driver: a biodone that defers the
 * completion (every interrupt handler's) seals the fields a driver
 * writes (biodone_seal), and the INTIODONE level checks the seal before
 * it completes the buf, naming the field; a buf completed at once is
 * its owner's when biodone returns, and a raw one freed by its
 * b_iodone is poisoned and quarantined (freerbuf), so a later store is
 * found when it leaves quarantine.
 */
#include "buf.h"

#include <stddef.h>

#include "bcache.h"
#include "bdev.h"
#include "cpu.h"
#include "errno.h"
#include "intr.h"
#include "kmalloc.h"
#include "panic.h"
#include "string.h"
#include "trace.h"

void brelse(struct buf *bp);

#define RBUF_QUARANTINE 16 /* freed raw headers held back (freerbuf) */
#define RBUF_POISON	0xDB
#define RBUF_POISON32	0xDBDBDBDBu

/* Called for every buf handed to a strategy routine (bdev.c). */
void
bio_issue(struct buf *bp)
{
	if ((bp->b_flags & B_RAW) && !bp->b_iodone)
		panic("bio_issue: raw buf %p has no b_iodone (getrbuf bufs "
		      "must carry one)",
		      (void *)bp);
	uint32_t fl = irq_save();
	if (bp->b_iodepth++ == 0) {
		/* a new request: what the driver must leave alone */
		bp->b_flags &= ~(B_DONE | B_ERROR);
		bp->b_error = 0;
		bp->b_resid = 0;
		bp->b_saved_dev = bp->b_dev;
		bp->b_saved_blkno = bp->b_blkno;
		bp->b_saved_addr = bp->b_un.b_addr;
		bp->b_saved_forw = bp->b_forw;
		bp->b_saved_back = bp->b_back;
	}
	irq_restore(fl);
}

static void
biodone_check(struct buf *bp)
{
	if ((uint32_t)bp->b_iodepth == RBUF_POISON32)
		panic("biodone: raw buf %p was freed (freerbuf) before this "
		      "biodone",
		      (void *)bp);
	if (bp->b_iodepth <= 0)
		panic("biodone: buf %p (dev %d,%d blk %lld) is not in flight: "
		      "biodone called twice, or on a buf never issued",
		      (void *)bp, major(bp->b_dev), minor(bp->b_dev),
		      bp->b_blkno);
	if (bp->b_iodepth > 1)
		return; /* a stacked layer's completion: it may still translate */
	if (bp->b_dev != bp->b_saved_dev)
		panic("biodone: the driver changed b_dev of buf %p "
		      "(%d,%d, was %d,%d)",
		      (void *)bp, major(bp->b_dev), minor(bp->b_dev),
		      major(bp->b_saved_dev), minor(bp->b_saved_dev));
	if (bp->b_blkno != bp->b_saved_blkno)
		panic("biodone: the driver changed b_blkno of buf %p "
		      "(%lld, was %lld)",
		      (void *)bp, bp->b_blkno, bp->b_saved_blkno);
	if (bp->b_un.b_addr != bp->b_saved_addr)
		panic("biodone: the driver changed b_un of buf %p (%p, was %p)",
		      (void *)bp, bp->b_un.b_addr, bp->b_saved_addr);
	/* A cache buffer's hash links move when its neighbours come and go;
	 * any other buf's are nobody's to change while it is in flight. */
	if (!bcache_owns(bp) &&
	    (bp->b_forw != bp->b_saved_forw || bp->b_back != bp->b_saved_back))
		panic("biodone: the driver changed b_forw/b_back of buf %p "
		      "(%p/%p, was %p/%p)",
		      (void *)bp, (void *)bp->b_forw, (void *)bp->b_back,
		      (void *)bp->b_saved_forw, (void *)bp->b_saved_back);
}

/*
 * The seal of a deferred completion: what a driver writes while it holds
 * a buf, one byte of hash per field, so that a change names its field.
 * Only the flags a driver's transfer sets are sealed: a thread may mark
 * a cache buffer B_WANTED while its completion waits in the queue.
 */
#define SEAL_FLAGS (B_READ | B_DONE | B_ERROR | B_ASYNC | B_FLUSH | B_RAW)
static const char *const seal_field[] = {
	"b_flags",  "b_bcount",	 "b_resid", "b_error",
	"b_iodone", "b_private", "av_back", "b_retries or b_deadline",
};

static uint64_t
biodone_seal(const struct buf *bp)
{
	const uint32_t f[8] = {
		bp->b_flags & SEAL_FLAGS,
		bp->b_bcount,
		bp->b_resid,
		(uint32_t)bp->b_error,
		(uint32_t)(uintptr_t)bp->b_iodone,
		(uint32_t)(uintptr_t)bp->b_private,
		(uint32_t)(uintptr_t)bp->av_back,
		(uint32_t)bp->b_retries ^ (uint32_t)bp->b_deadline ^
			(uint32_t)(bp->b_deadline >> 32) * 0x85EBCA6Bu,
	};
	uint64_t seal = 0;

	for (int i = 0; i < 8; i++) /* (a multiplicative hash's top byte) */
		seal |= (uint64_t)((f[i] + (uint32_t)i) * 0x9E3779B1u >> 24)
			<< (8 * i);
	return seal;
}

/* At the INTIODONE level, before the completion runs: a field that
 * differs from the seal was written after biodone handed the buf back. */
static void
biodone_check_seal(struct buf *bp)
{
	uint64_t diff = biodone_seal(bp) ^ bp->b_seal;

	iodone_stats.sealed++;
	if (!diff)
		return;
	int i = __builtin_ctzll(diff) / 8;
	const struct bdev *bd = bdev_lookup(bp->b_dev);
	panic("biodone: buf %p (dev %d,%d blk %lld) was written after its "
	      "biodone: %s changed before the completion ran (%s's driver "
	      "touched it after completing it)",
	      (void *)bp, major(bp->b_dev), minor(bp->b_dev), bp->b_blkno,
	      seal_field[i], bd ? bd->name : "its");
}

void
biodone(struct buf *bp)
{
	uint32_t fl = irq_save(); /* the test and the count are one step */
	biodone_check(bp);
	TRACE(TR_BIODONE, bp, 0);
	bp->b_iodepth--;
	irq_restore(fl);
	if (cpl > IPL_IODONE) {
		bp->b_seal = biodone_seal(bp);
		iodone_defer(bp);
		return;
	}
	iodone_stats.immediate++;
	biodone_finish(bp);
}

void
iodone(struct buf *bp)
{
	biodone(bp);
}

/* A completion biodone deferred, at IPL_IODONE (iodone.c). */
void
biodone_deferred(struct buf *bp)
{
	biodone_check_seal(bp);
	biodone_finish(bp);
}

/* The completion itself, at or below IPL_IODONE. */
void
biodone_finish(struct buf *bp)
{
	if (bp->b_iodone) {
		TRACE(TR_COMPLETE, bp, 1);
		bp->b_iodone(bp);
		return;
	}
	/* traced before splhigh: at the level the completion runs at */
	TRACE(TR_COMPLETE, bp, 0);
	TRACE(bp->b_flags & B_ASYNC ? TR_RELEASE : TR_WAKEUP, bp, 0);
	int s = splhigh();
	bp->b_flags |= B_DONE;
	if (bp->b_flags & B_ASYNC) {
		splx(s);
		brelse(bp);
		return;
	}
	wakeup(bp);
	splx(s);
}

/* Sleep until bp is done; its error, or 0. */
int
biowait(struct buf *bp)
{
	int s = splhigh(); /* no completion between the test and the sleep */
	int slept = 0;

	while (!(bp->b_flags & B_DONE)) {
		tsleep(bp, "biowait", 0);
		slept = 1;
	}
	splx(s);
	TRACE(TR_BIOWAIT, bp, slept);
	return geterror(bp);
}

/* Set the error (B_ERROR and b_error together), or clear it with 0. */
void
bioerror(struct buf *bp, int error)
{
	if (error) {
		bp->b_flags |= B_ERROR;
		bp->b_error = error;
	} else {
		bp->b_flags &= ~B_ERROR;
		bp->b_error = 0;
	}
}

/* Complete bp as failed with `error`, nothing transferred: the one way
 * every driver and layer fails a buf. */
void
biofail(struct buf *bp, int error)
{
	bioerror(bp, error);
	bp->b_resid = bp->b_bcount;
	biodone(bp);
}

int
geterror(const struct buf *bp)
{
	if (!(bp->b_flags & B_ERROR))
		return 0;
	return bp->b_error ? bp->b_error : EIO;
}

/* A buf header of one's own, for raw I/O; it must be given a b_iodone.
 * Never sleeps: NULL when memory is short. */
struct buf *
getrbuf(void)
{
	struct buf *bp = kzalloc(sizeof(*bp));

	if (bp) {
		bp->b_flags = B_RAW | B_BUSY;
		bp->b_dev = NODEV;
	}
	return bp;
}

/*
 * A freed raw header is poisoned and held back for RBUF_QUARANTINE more
 * frees before its memory is reused; when it leaves, every byte must
 * still be poison.  A driver that touched a buf after biodone (and after
 * its owner freed it) is caught here, naming the header; a biodone or
 * freerbuf on a header already freed is caught by the poison in
 * b_iodepth.
 */

static struct {
	struct buf *held[RBUF_QUARANTINE];
	int next;
} rq;

static void
rbuf_check_poison(struct buf *bp)
{
	const uint8_t *p = (const uint8_t *)bp;

	for (size_t i = 0; i < sizeof(*bp); i++)
		if (p[i] != RBUF_POISON)
			panic("freerbuf: raw buf %p was written after it was "
			      "freed (byte %u is 0x%02x): a driver or layer "
			      "touched it after biodone",
			      (void *)bp, (unsigned)i, p[i]);
}

void
freerbuf(struct buf *bp)
{
	if ((uint32_t)bp->b_iodepth == RBUF_POISON32)
		panic("freerbuf: raw buf %p freed twice", (void *)bp);
	if (!(bp->b_flags & B_RAW))
		panic("freerbuf: buf %p is not from getrbuf", (void *)bp);
	if (bp->b_iodepth)
		panic("freerbuf: buf %p is still in flight", (void *)bp);
	memset(bp, RBUF_POISON, sizeof(*bp));
	uint32_t fl = irq_save();
	struct buf *old = rq.held[rq.next];
	rq.held[rq.next] = bp;
	rq.next = (rq.next + 1) % RBUF_QUARANTINE;
	irq_restore(fl);
	if (old) {
		rbuf_check_poison(old);
		kfree(old);
	}
}
