/*
 * iodone.c: the INTIODONE level (AIX iodone, ../shared/seeds/000_*.txt).
 *
 * biodone() called above IPL_IODONE (from a hardware interrupt handler,
 * or a thread at splbio) does not complete the buf there: it appends the
 * buf to this FIFO queue and schedules the IPL_IODONE soft interrupt,
 * which completes the queued bufs in order once the level drops, with
 * hardware interrupts enabled (a disk IRQ can nest above it).  The queue is touched from any level, so
 * it is guarded with interrupts off, briefly.
 */
#include "buf.h"

#include <stddef.h>

#include "bufq.h"
#include "cpu.h"
#include "intr.h"
#include "trace.h"

static struct {
	struct bufq q;
	struct softint *si;
} iodq;

struct iodone_stats iodone_stats;

static void
iodone_run(void *arg)
{
	(void)arg;
	for (;;) {
		uint32_t fl = irq_save();
		struct buf *bp = bufq_get(&iodq.q);
		irq_restore(fl);
		if (!bp)
			return;
		biodone_deferred(bp);
	}
}

void
iodone_init(void)
{
	/* (changed with interrupts off: biodone runs at any level) */
	bufq_init(&iodq.q, IPL_HIGH, "INTIODONE");
	iodq.si = softint_establish(IPL_IODONE, iodone_run, NULL, "iodone");
}

void
iodone_defer(struct buf *bp)
{
	uint32_t fl = irq_save();

	bufq_put(&iodq.q, bp);
	TRACE(TR_DEFER, bp, iodq.q.len);
	if (iodq.q.len > iodone_stats.max_depth)
		iodone_stats.max_depth = iodq.q.len;
	iodone_stats.deferred++;
	irq_restore(fl);
	softint_schedule(iodq.si);
}
