/*
 * bufq.c: queues of bufs (bufq.h).
 */
#include "bufq.h"

#include "cpu.h"
#include "intr.h"
#include "panic.h"

void
bufq_init(struct bufq *q, int ipl, const char *name)
{
	q->head = q->tail = NULL;
	q->len = 0;
	q->ipl = ipl;
	q->name = name;
}

/* A change below the guarding level, with interrupts on, is a race with
 * the handler that shares the queue: found at once, not when a buf is
 * lost one time in thousands. */
static inline void
guarded(const struct bufq *q, const char *fn)
{
	if (cpl < q->ipl && (eflags_read() & EFLAGS_IF))
		panic("%s: the queue of %s changed at %s with interrupts "
		      "on; %s guards it",
		      fn, q->name, ipl_name(cpl), ipl_name(q->ipl));
}

void
bufq_put(struct bufq *q, struct buf *bp)
{
	guarded(q, "bufq_put");
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
	guarded(q, "bufq_put_head");
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

	guarded(q, "bufq_put_clook");

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
	guarded(q, "bufq_get");
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
