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

#include "bdev.h"
#include "buf.h"
#include "cpu.h"
#include "intr.h"

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
#define TRF_META      B_META

/* trace_rec.ctx: a thread's id, or INTR_CTX_IRQ | the IRQ,
 * INTR_CTX_SOFT | the soft interrupt's index (intr_who, intr.h) */

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

/* --- the ring, which the host reads from a dump of guest memory --- */

#define TRACE_NREC     32768 /* a power of two */
#define TRACE_NTHREADS 64
#define TRACE_NAMELEN  16

/* The layout the host reads (scripts/iodine-trace): change both. */
struct trace_hdr {
	char magic[8]; /* "IODTRACE" */
	uint32_t version, rec_size, nrec, hdr_size;
	/* records written since the last clear: a 64-bit count in two
	 * halves, so that a writer takes its number with one xadd */
	volatile uint32_t head, head_hi;
	uint64_t tsc_hz;
	uint64_t start_tsc; /* the last trace_start */
	uint32_t enabled;
	uint32_t filter; /* NODEV: every device */
	struct {
		uint32_t id; /* the thread's id + 1; 0: empty */
		char name[TRACE_NAMELEN];
	} threads[TRACE_NTHREADS]; /* slot id % TRACE_NTHREADS */
	struct {
		uint32_t dev;
		char name[BDEV_NAMELEN];
	} devs[BDEV_MAX];
	char softints[NSOFTINT][TRACE_NAMELEN];
};

struct trace_ring {
	struct trace_hdr h;
	struct trace_rec rec[TRACE_NREC];
};

extern struct trace_ring trace_ring;
extern volatile int trace_on;

void trace_init(void);
void trace_record(int act, struct buf *bp, uint32_t aux);
void trace_thread_named(void);
void trace_event(int act, dev_t dev, daddr_t blkno, uint32_t bytes, int error,
		 uint32_t aux);
void trace_remap(struct buf *bp, dev_t from, daddr_t from_blkno);

/* --- writing a record: inlined into every stage, because under
 * emulation a call with its arguments costs as much as the record --- */

/* A record's number by one xadd, which no interrupt can split. */
static inline __attribute__((always_inline)) struct trace_rec *
trace_take(uint32_t *lo)
{
	uint32_t n = 1;

	/* no "memory" clobber: the record's stores need n, so none can
	 * move above; and without it nothing else must be reloaded */
	__asm__ volatile("xaddl %0, %1" : "+r"(n), "+m"(trace_ring.h.head));
	if (__builtin_expect(n == 0xFFFFFFFFu, 0))
		trace_ring.h.head_hi++;
	*lo = n;
	struct trace_rec *r = &trace_ring.rec[n & (TRACE_NREC - 1)];
	/* one register for the record, not an index and bases kept apart */
	__asm__("" : "+r"(r));
	return r;
}

/* The fields every record has.  The seq, written last by trace_done(),
 * is all that says a record is whole: until then it holds the number of
 * the record this one overwrites, which a reader asking for that one
 * refuses by the head (already past it), and one asking for this one by
 * the seq (trace_clear wipes them all). */
static inline __attribute__((always_inline)) void
trace_begin(struct trace_rec *r, int act, uint32_t flags, int error)
{
	uint32_t who = intr_who;

	r->tsc = rdtsc();
	r->ctx_act_ipl =
		(who & 0xFFFF) | (uint32_t)act << 16 | (uint32_t)cpl << 24;
	r->flags = flags;
	r->error_thread = (uint8_t)error | (who & 0xFFFF0000u);
}

static inline __attribute__((always_inline)) void
trace_done(struct trace_rec *r, uint32_t lo, int act)
{
	if (act == TR_QUEUE) /* most threads that trace queue something */
		trace_thread_named();
	__asm__ volatile("" ::: "memory");
	r->seq = lo;
}

/* Nothing read from memory before it may be kept in a register after:
 * each field is loaded just before it is stored, so that the record
 * needs no registers but bp, r and the seq, and its callers spill
 * nothing (under emulation a spill costs as much as a field). */
#define TRACE_STEP() __asm__ volatile("" ::: "memory")

/* A stage of bp: the buf's own fields copied as they are (readers
 * decode them), ten stores. */
static inline __attribute__((always_inline)) void
trace_stage(int act, struct buf *bp, uint32_t aux)
{
	uint32_t lo;

	if (trace_ring.h.filter != NODEV && trace_ring.h.filter != bp->b_dev)
		return;
	struct trace_rec *r = trace_take(&lo);
	r->tsc = rdtsc();
	TRACE_STEP();
	r->blkno = (uint64_t)bp->b_blkno;
	TRACE_STEP();
	r->buf = (uint32_t)bp;
	r->dev = bp->b_dev;
	TRACE_STEP();
	r->flags = (uint32_t)bp->b_flags;
	TRACE_STEP();
	r->bytes =
		(uint32_t)bp->b_bcount -
		(act == TR_BIODONE || act == TR_COMPLETE ? (uint32_t)bp->b_resid
							 : 0);
	r->aux = aux;
	TRACE_STEP();
	{
		/* one word for both (intr.h) */
		uint32_t who = intr_who;
		r->error_thread = (uint8_t)bp->b_error | (who & 0xFFFF0000u);
		TRACE_STEP();
		r->ctx_act_ipl = (who & 0xFFFF) | (uint32_t)act << 16 |
				 (uint32_t)cpl << 24;
	}
	trace_done(r, lo, act);
}

#define TRACE(act, bp, aux)                                                    \
	do {                                                                   \
		if (__builtin_expect(trace_on, 0))                             \
			trace_stage((act), (bp), (aux));                       \
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
