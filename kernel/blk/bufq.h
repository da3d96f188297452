/*
 * bufq.h: a queue of bufs, linked through av_forw, as every driver and
 * the INTIODONE level keep them.  First in, first out (bufq_put), a buf
 * put back at the head (bufq_put_head, for a retry), or the C-LOOK order
 * a disk's seek arm likes (bufq_put_clook).  The queue does no locking:
 * its owner holds the level that guards it (splbio for a driver's), and
 * a queue given that level by bufq_init panics, naming itself, when it is
 * changed below it with interrupts on (IRIX strategy: a queue shared
 * with an interrupt handler is changed only at the handler's level).
 */
#ifndef BUFQ_H
#define BUFQ_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct bufq {
	struct buf *head, *tail;
	uint32_t len;
	int ipl;	  /* the level that guards it; 0: not checked */
	const char *name; /* for the panic */
};

void bufq_init(struct bufq *q, int ipl, const char *name);

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
