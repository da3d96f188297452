/*
 * bufq.c: queues of bufs (bufq.h).
 */
#include "bufq.h"

void
bufq_put(struct bufq *q, struct buf *bp)
{
	bp->av_forw = NULL;
	if (q->tail)
		q->tail->av_forw = bp;
	else
		q->head = bp;
	q->tail = bp;
	q->len++;
}

void
bufq_put_head(struct bufq *q, struct buf *bp)
{
	bp->av_forw = q->head;
	q->head = bp;
	if (!q->tail)
		q->tail = bp;
	q->len++;
}

/*
 * C-LOOK from `pos` (where the arm is): the blocks at or past pos in
 * ascending order, then the ones before it, again ascending; the arm
 * sweeps up and wraps to the lowest, so no request starves.  A B_FLUSH
 * is a barrier: it goes last, and nothing queued later is sorted before
 * it.
 */
void
bufq_put_clook(struct bufq *q, struct buf *bp, daddr_t pos)
{
	struct buf **pp, **start = &q->head;

	if (bp->b_flags & B_FLUSH) {
		bufq_put(q, bp);
		return;
	}
	for (struct buf *c = q->head; c; c = c->av_forw)
		if (c->b_flags & B_FLUSH)
			start = &c->av_forw; /* sort only after the last */
	int second = bp->b_blkno < pos;
	for (pp = start; *pp; pp = &(*pp)->av_forw) {
		int c_second = (*pp)->b_blkno < pos;
		if (second < c_second)
			break; /* bp is in the first run, *pp not */
		if (second == c_second && bp->b_blkno < (*pp)->b_blkno)
			break;
	}
	bp->av_forw = *pp;
	*pp = bp;
	if (!bp->av_forw)
		q->tail = bp;
	q->len++;
}

struct buf *
bufq_get(struct bufq *q)
{
	struct buf *bp = q->head;

	if (!bp)
		return NULL;
	q->head = bp->av_forw;
	if (!q->head)
		q->tail = NULL;
	bp->av_forw = NULL;
	q->len--;
	return bp;
}
