/*
 * trace.h: a record of every stage of every request's life, cheap
 * enough to leave on (trace.c).
 *
 * Each stage calls TRACE(act, bp, aux).  Off, that is one load and one
 * predicted branch; on, one record in a ring (a number taken with one
 * xadd, a dozen stores; trace.c): the TSC, the interrupt
 * level, the context (thread, "irq N" or a soft interrupt), the buf, its
 * device, block, byte count, direction and error.  The stages, in the
 * order a request meets them (the letters are blktrace's, where it has
 * one, and the host's tools show them so):
 *
 *	Q  queued        bdev_strategy took it
 *	X  split         a child made to fit the device (aux: the parent)
 *	A  remapped      a stacked layer sent it on to another device
 *	I  inserted      into the driver's queue
 *	D  issued        to the hardware (aux: the slot, tag or channel)
 *	   interrupt     the controller's IRQ found it finished (aux: IRQ)
 *	C  biodone       called
 *	   deferred      queued for INTIODONE (aux: the queue's length)
 *	   completion    run (aux: 1 b_iodone called, 0 B_DONE set)
 *	   released      brelse of an asynchronous buf
 *	   woken         wakeup of the threads in biowait
 *	   biowait       the thread is back from biowait
 *
 * and the events around them: cache hit, miss, read-ahead started and
 * used, delayed write, cache flush, device cache flush, driver error,
 * reset and re-issue.
 */
#ifndef TRACE_H
#define TRACE_H

#include <stdint.h>

#include "buf.h"

enum trace_act {
	TR_QUEUE = 1,
	TR_SPLIT,
	TR_REMAP,
	TR_INSERT,
	TR_ISSUE,
	TR_INTR,
	TR_BIODONE,
	TR_DEFER,
	TR_COMPLETE,
	TR_RELEASE,
	TR_WAKEUP,
	TR_BIOWAIT,
	TR_CACHE_HIT,
	TR_CACHE_MISS,
	TR_RA_START,
	TR_RA_USED,
	TR_DELWRI,
	TR_CACHE_FLUSH,
	TR_DEV_FLUSH,
	TR_DRV_ERROR,
	TR_DRV_RESET,
	TR_DRV_REISSUE,
	TR_NACT
};

/* TR_DRV_ERROR's aux: the watchdog found the command finished, its
 * interrupt lost */
#define TRACE_LOST_IRQ 1

/* trace_rec.flags */
#define TRF_READ      0x01
#define TRF_FLUSH     0x02
#define TRF_ASYNC     0x04
#define TRF_READAHEAD 0x08
#define TRF_RAW	      0x10 /* a raw buf (getrbuf), not the cache's */

/* trace_rec.ctx: a thread's id, or intr_ctx: INTR_CTX_IRQ | the
 * IRQ, INTR_CTX_SOFT | the soft interrupt's index (intr.h) */

/* One stage of one request: 48 bytes.  The host reads these from a dump
 * of guest memory (scripts/iodine-trace), so the layout is fixed. */
struct trace_rec {
	uint64_t tsc;
	uint64_t blkno;
	uint32_t seq; /* the record's number, low 32 bits; written last */
	uint32_t buf; /* the buf's address: the request's identity */
	uint32_t dev;
	uint32_t bytes;
	uint32_t aux; /* per stage: see above */
	uint16_t ctx;
	uint8_t act;
	uint8_t ipl;
	uint8_t flags;
	uint8_t error;
	uint16_t thread;   /* the thread running (or interrupted) */
	uint32_t reserved; /* 48 bytes whatever the ABI aligns uint64_t to */
};
_Static_assert(sizeof(struct trace_rec) == 48, "the host reads 48 bytes");
_Static_assert(__builtin_offsetof(struct trace_rec, ctx) == 36 &&
		       __builtin_offsetof(struct trace_rec, flags) == 40,
	       "put writes ctx..ipl and flags..thread as two words");

extern volatile int trace_on;

void trace_init(void);
void trace_record(int act, struct buf *bp, uint32_t aux);
void trace_event(int act, dev_t dev, daddr_t blkno, uint32_t bytes, int error,
		 uint32_t aux);
void trace_remap(struct buf *bp, dev_t from, daddr_t from_blkno);

#define TRACE(act, bp, aux)                                                    \
	do {                                                                   \
		if (__builtin_expect(trace_on, 0))                             \
			trace_record((act), (bp), (aux));                      \
	} while (0)

#define TRACE_EVENT(act, dev, blkno, bytes, error, aux)                        \
	do {                                                                   \
		if (__builtin_expect(trace_on, 0))                             \
			trace_event((act), (dev), (blkno), (bytes), (error),   \
				    (aux));                                    \
	} while (0)

/* --- control and reading, for the shell and the tests --- */

int trace_start(dev_t filter); /* NODEV: every device */
void trace_stop(void);
void trace_clear(void);
dev_t trace_filter(void);
uint64_t trace_written(void); /* records since the last clear */
uint64_t trace_dropped(void); /* of those, overwritten (the oldest) */
/* The record numbered n (0 the first since the clear), if it is still in
 * the ring and whole: copied to *out, 1; else 0. */
int trace_get(uint64_t n, struct trace_rec *out);
const char *trace_act_name(int act);
char trace_act_letter(int act);
uint32_t trace_capacity(void);

/* Per-device, per-stage latency of the requests in the ring since the
 * last trace_hist_clear, computed from their records when asked. */
enum trace_stage {
	TS_QUEUE,     /* queued to issued: waiting in the driver's queue */
	TS_DEVICE,    /* issued to the interrupt (or biodone) */
	TS_TO_IODONE, /* interrupt to the completion run at INTIODONE */
	TS_TO_THREAD, /* completion run to the thread back from biowait */
	TS_TOTAL,     /* queued to done */
	TS_NSTAGE
};
#define TRACE_HIST_BUCKETS 48 /* log2 of cycles */
struct trace_hist {
	uint32_t bucket[TRACE_HIST_BUCKETS];
	uint64_t count, sum, min, max; /* cycles */
};
const struct trace_hist *trace_hist(dev_t dev, int stage);
const char *trace_stage_name(int stage);
void trace_hist_clear(void);
/* the value (cycles) below which `pct` percent of the samples fall, as
 * the upper bound of its log2 bucket */
uint64_t trace_hist_pct(const struct trace_hist *h, int pct);

#endif
