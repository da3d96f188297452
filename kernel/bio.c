/*
 * bio.c: block I/O completion, to the letter of the reference pages
 * (../shared/seeds/: SVR5 biodone(D3), illumos biodone(9F), AIX iodone).
 *
 * biodone(bp):
 *  - If b_iodone is set, call it with bp and do nothing else: no B_DONE,
 *    no wakeup, no release (SVR5, illumos: "calls it and returns without
 *    performing any other actions").
 *  - Otherwise set B_DONE; then if B_ASYNC release the buffer, else wake
 *    the threads in biowait().
 * Where it runs (AIX iodone): called above IPL_IODONE, from a hardware
 * interrupt handler or a thread at splbio, all of the above is deferred to
 * the INTIODONE soft level (iodone.c), in FIFO order; called at or below
 * IPL_IODONE it runs at once.  iodone() is the same function.
 */
#include "buf.h"

#include "errno.h"
#include "intr.h"
#include "panic.h"

void
biodone(struct buf *bp)
{
	if (cpl > IPL_IODONE) {
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

/* The completion itself, at or below IPL_IODONE. */
void
biodone_finish(struct buf *bp)
{
	if (bp->b_iodone) {
		bp->b_iodone(bp);
		return;
	}
	int s = splhigh();
	bp->b_flags |= B_DONE;
	if (bp->b_flags & B_ASYNC)
		panic("biodone: B_ASYNC buf %p but no buffer cache to "
		      "release it to",
		      (void *)bp);
	wakeup(bp);
	splx(s);
}

/* Sleep until bp is done; its error, or 0. */
int
biowait(struct buf *bp)
{
	int s = splhigh(); /* no completion between the test and the sleep */

	while (!(bp->b_flags & B_DONE))
		tsleep(bp, "biowait", 0);
	splx(s);
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

int
geterror(const struct buf *bp)
{
	if (!(bp->b_flags & B_ERROR))
		return 0;
	return bp->b_error ? bp->b_error : EIO;
}
