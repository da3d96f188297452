/*
 * bufq.h: a queue of bufs, linked through av_forw, as every driver and
 * the INTIODONE level keep them.  First in, first out (bufq_put), a buf
 * put back at the head (bufq_put_head, for a retry), or the C-LOOK order
 * a disk's seek arm likes (bufq_put_clook).  The queue does no locking:
 * its owner holds the level that guards it (splbio for a driver's).
 */
#ifndef BUFQ_H
#define BUFQ_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct bufq {
	struct buf *head, *tail;
	uint32_t len;
};

static inline int
bufq_empty(const struct bufq *q)
{
	return q->head == NULL;
}

static inline struct buf *
bufq_peek(const struct bufq *q)
{
	return q->head;
}

void bufq_put(struct bufq *q, struct buf *bp);
void bufq_put_head(struct bufq *q, struct buf *bp);
void bufq_put_clook(struct bufq *q, struct buf *bp, daddr_t pos);
struct buf *bufq_get(struct bufq *q);

#endif
