/*
 * trace.h: a record of every stage of every request's life, cheap
 * enough to leave on (trace.c).
 *
 * Each stage calls TRACE(act, bp, aux).  Off, that is one load and one
 * predicted branch; on, one record in a ring (a number taken with one
 * xadd, ten stores; trace.c): the TSC, the interrupt
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

/* trace_rec.flags: the buf's b_flags as they were; these are the ones
 * the readers use (an event's flags are TRF_ERROR or 0) */
#define TRF_READ      B_READ
#define TRF_ERROR     B_ERROR /* error is b_error; without it, stale */
#define TRF_ASYNC     B_ASYNC
#define TRF_RAW	      B_RAW /* a raw buf (getrbuf), not the cache's */
#define TRF_READAHEAD B_READAHEAD
#define TRF_FLUSH     B_FLUSH

/* trace_rec.ctx: a thread's id, or intr_ctx: INTR_CTX_IRQ | the
 * IRQ, INTR_CTX_SOFT | the soft interrupt's index (intr.h) */

/* One stage of one request: 48 bytes.  The host reads these from a dump
 * of guest memory (scripts/iodine-trace), so the layout is fixed.  The
 * writer copies what the buf holds and leaves the decoding to readers
 * (trace_get clears a stale error): under emulation every instruction
 * of the record counts. */
struct trace_rec {
	uint64_t tsc;
	uint64_t blkno;
	uint32_t seq; /* the record's number, low 32 bits; written last */
	uint32_t buf; /* the buf's address: the request's identity */
	uint32_t dev;
	uint32_t bytes; /* at biodone and completion: those transferred */
	uint32_t aux;	/* per stage: see above */
	union {
		struct {
			uint16_t ctx;
			uint8_t act;
			uint8_t ipl;
		};
		uint32_t ctx_act_ipl; /* the three in one store */
	};
	uint32_t flags;
	union {
		struct {
			uint8_t error;
			uint8_t pad;
			/* the thread running (or interrupted) */
			uint16_t thread;
		};
		uint32_t error_thread;
	};
};
_Static_assert(sizeof(struct trace_rec) == 48, "the host reads 48 bytes");
_Static_assert(__builtin_offsetof(struct trace_rec, ctx) == 36 &&
		       __builtin_offsetof(struct trace_rec, flags) == 40,
	       "the host reads this layout (scripts/iodine-trace)");

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
/* Take the next record's number and leave the record unwritten, as a
 * writer interrupted before its last store does (the tests). */
uint64_t trace_reserve(void);
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
