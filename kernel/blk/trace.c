/*
 * trace.c: the request trace (trace.h): a ring of records, one per stage
 * of every request, and per-device latency histograms.
 *
 * One ring (iodine runs on one CPU), written with interrupts off for the
 * few stores of a record: no lock, no allocation, no sleep, so any level
 * may trace.  When the ring is full the oldest records are overwritten
 * and counted as dropped.  A record's seq, its number, is written last:
 * a reader (trace_get here, or the host reading a dump of memory taken
 * while the machine was stopped) takes a record whose seq is not its
 * number as torn or overwritten, and never misreads one.
 *
 * The host finds the ring by the symbol `trace_ring` in the kernel's ELF
 * file and reads it from a dump of guest memory (scripts/iodine-trace):
 * the guest spends nothing on getting the trace out, so the timing it
 * shows is the timing without it.  The header says what the host needs
 * to read the records and name what they mention.
 */
#include "trace.h"

#include <stddef.h>

#include "bdev.h"
#include "clock.h"
#include "cmdline_opt.h"
#include "console.h"
#include "cpu.h"
#include "errno.h"
#include "intr.h"
#include "string.h"
#include "thread.h"

#define TRACE_NREC     32768 /* a power of two */
#define TRACE_VERSION  1
#define TRACE_NTHREADS 64
#define TRACE_NAMELEN  16

/* The layout the host reads (scripts/iodine-trace): change both. */
struct trace_hdr {
	char magic[8]; /* "IODTRACE" */
	uint32_t version, rec_size, nrec, hdr_size;
	volatile uint64_t head; /* records written since the last clear */
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

struct trace_ring trace_ring;
volatile int trace_on;

/* Latency, per device that has been traced. */
static struct {
	dev_t dev;
	struct trace_hist h[TS_NSTAGE];
} lat[BDEV_MAX];
static int nlat;

static const struct {
	char letter; /* blktrace's, or ' ' */
	const char *name;
} acts[TR_NACT] = {
	[TR_QUEUE] = {'Q', "queued"},
	[TR_SPLIT] = {'X', "split"},
	[TR_REMAP] = {'A', "remapped"},
	[TR_INSERT] = {'I', "inserted"},
	[TR_ISSUE] = {'D', "issued"},
	[TR_INTR] = {' ', "interrupt"},
	[TR_BIODONE] = {'C', "biodone"},
	[TR_DEFER] = {' ', "deferred"},
	[TR_COMPLETE] = {' ', "completion"},
	[TR_RELEASE] = {' ', "released"},
	[TR_WAKEUP] = {' ', "woken"},
	[TR_BIOWAIT] = {' ', "biowait"},
	[TR_CACHE_HIT] = {' ', "cache hit"},
	[TR_CACHE_MISS] = {' ', "cache miss"},
	[TR_RA_START] = {' ', "read-ahead"},
	[TR_RA_USED] = {' ', "read-ahead used"},
	[TR_DELWRI] = {' ', "delayed write"},
	[TR_CACHE_FLUSH] = {' ', "cache flush"},
	[TR_DEV_FLUSH] = {' ', "device flush"},
	[TR_DRV_ERROR] = {' ', "driver error"},
	[TR_DRV_RESET] = {' ', "driver reset"},
	[TR_DRV_REISSUE] = {' ', "re-issued"},
};

static const char *const stage_names[TS_NSTAGE] = {
	"queue wait", "device", "irq to iodone", "iodone to thread",
	"whole request"};

const char *
trace_act_name(int act)
{
	return act > 0 && act < TR_NACT ? acts[act].name : "?";
}

char
trace_act_letter(int act)
{
	return act > 0 && act < TR_NACT ? acts[act].letter : '?';
}

const char *
trace_stage_name(int stage)
{
	return stage >= 0 && stage < TS_NSTAGE ? stage_names[stage] : "?";
}

uint32_t
trace_capacity(void)
{
	return TRACE_NREC;
}

/* --- latency --- */

static struct trace_hist *
hists_of(dev_t dev)
{
	static int last;

	if (last < nlat && lat[last].dev == dev)
		return lat[last].h;
	for (int i = 0; i < nlat; i++)
		if (lat[i].dev == dev) {
			last = i;
			return lat[i].h;
		}
	if (nlat == BDEV_MAX)
		return NULL;
	lat[nlat].dev = dev;
	last = nlat;
	return lat[nlat++].h;
}

static void
hist_add(struct trace_hist *h, uint64_t cycles)
{
	int b = cycles ? 64 - __builtin_clzll(cycles) : 0;

	if (b >= TRACE_HIST_BUCKETS)
		b = TRACE_HIST_BUCKETS - 1;
	h->bucket[b]++;
	if (!h->count || cycles < h->min)
		h->min = cycles;
	if (cycles > h->max)
		h->max = cycles;
	h->count++;
	h->sum += cycles;
}

const struct trace_hist *
trace_hist(dev_t dev, int stage)
{
	for (int i = 0; i < nlat; i++)
		if (lat[i].dev == dev && stage >= 0 && stage < TS_NSTAGE)
			return &lat[i].h[stage];
	return NULL;
}

void
trace_hist_clear(void)
{
	uint32_t fl = irq_save();

	memset(lat, 0, sizeof(lat));
	nlat = 0;
	irq_restore(fl);
}

uint64_t
trace_hist_pct(const struct trace_hist *h, int pct)
{
	uint64_t want = (h->count * (uint64_t)pct + 99) / 100, seen = 0;

	for (int b = 0; b < TRACE_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= want && seen) {
			uint64_t top = b ? (1ull << b) - 1 : 0;
			return top < h->max ? top : h->max;
		}
	}
	return h->max;
}

/* Stamp bp's stage and add the interval it closes to dev's histograms.
 * With interrupts off. */
static void
lat_note(int act, struct buf *bp, uint64_t now)
{
	struct trace_hist *h;

	switch (act) {
	case TR_QUEUE:
		if (bp->b_iodepth == 1) /* a new request, not a layer's */
			memset(bp->b_tstamp, 0, sizeof(bp->b_tstamp));
		bp->b_tstamp[0] = now;
		return;
	case TR_SPLIT:
		memset(bp->b_tstamp, 0, sizeof(bp->b_tstamp));
		bp->b_tstamp[0] = now;
		return;
	default: break;
	}
	if (!(h = hists_of(bp->b_dev)))
		return;
	uint64_t *t = bp->b_tstamp;
	switch (act) {
	case TR_ISSUE:
		t[1] = now;
		if (t[0])
			hist_add(&h[TS_QUEUE], now - t[0]);
		break;
	case TR_INTR:
	case TR_BIODONE:
		if (t[1] && !t[2]) {
			t[2] = now;
			hist_add(&h[TS_DEVICE], now - t[1]);
		} else if (!t[2]) {
			t[2] = now;
		}
		break;
	case TR_COMPLETE:
		t[3] = now;
		if (t[2])
			hist_add(&h[TS_TO_IODONE], now - t[2]);
		/* nobody waits in biowait for these: the request ends here */
		if (t[0] && (bp->b_iodone || bp->b_flags & B_ASYNC))
			hist_add(&h[TS_TOTAL], now - t[0]);
		break;
	case TR_BIOWAIT:
		if (t[3])
			hist_add(&h[TS_TO_THREAD], now - t[3]);
		if (t[0])
			hist_add(&h[TS_TOTAL], now - t[0]);
		t[0] = 0; /* once: a second biowait is not a second request */
		break;
	default: break;
	}
}

/* --- recording --- */

static int
passes(dev_t dev)
{
	return trace_ring.h.filter == NODEV || trace_ring.h.filter == dev;
}

static uint16_t
context(void)
{
	int ctx = intr_context();

	if (ctx >= 0)
		return (uint16_t)ctx;
	return (uint16_t)(curthread ? curthread->id : 0);
}

/* The header's name for t, for the host's process names: a thread's
 * slot is its id modulo the table's size, taken over by the latest. */
static void
thread_named(const struct thread *t)
{
	if (!t)
		return;
	int slot = t->id % TRACE_NTHREADS;
	if (trace_ring.h.threads[slot].id != (uint32_t)t->id + 1) {
		trace_ring.h.threads[slot].id = (uint32_t)t->id + 1;
		strlcpy(trace_ring.h.threads[slot].name, t->name,
			TRACE_NAMELEN);
	}
}

static void
put(int act, struct buf *bp, dev_t dev, daddr_t blkno, uint32_t bytes,
    int flags, int error, uint32_t aux)
{
	uint32_t fl = irq_save();
	uint64_t now = rdtsc();
	uint64_t n = trace_ring.h.head++;
	struct trace_rec *r = &trace_ring.rec[n & (TRACE_NREC - 1)];

	r->seq = (uint32_t)~n; /* torn until the last store */
	__asm__ volatile("" ::: "memory");
	r->tsc = now;
	r->blkno = (uint64_t)blkno;
	r->buf = (uint32_t)bp;
	r->dev = dev;
	r->bytes = bytes;
	r->aux = aux;
	r->ctx = context();
	r->act = (uint8_t)act;
	r->ipl = (uint8_t)cpl;
	r->flags = (uint8_t)flags;
	r->error = (uint8_t)(error > 255 ? 255 : error);
	r->thread = (uint16_t)(curthread ? curthread->id : 0);
	thread_named(curthread);
	if (bp)
		lat_note(act, bp, now);
	__asm__ volatile("" ::: "memory");
	r->seq = (uint32_t)n;
	irq_restore(fl);
}

static int
buf_flags(const struct buf *bp)
{
	return (bp->b_flags & B_READ ? TRF_READ : 0) |
	       (bp->b_flags & B_FLUSH ? TRF_FLUSH : 0) |
	       (bp->b_flags & B_ASYNC ? TRF_ASYNC : 0) |
	       (bp->b_flags & B_READAHEAD ? TRF_READAHEAD : 0) |
	       (bp->b_flags & B_RAW ? TRF_RAW : 0);
}

void
trace_record(int act, struct buf *bp, uint32_t aux)
{
	if (!passes(bp->b_dev))
		return;
	int error = act == TR_BIODONE || act == TR_COMPLETE || act == TR_BIOWAIT
			    ? geterror(bp)
			    : 0;
	put(act, bp, bp->b_dev, bp->b_blkno,
	    act == TR_BIODONE || act == TR_COMPLETE ? bp->b_bcount - bp->b_resid
						    : bp->b_bcount,
	    buf_flags(bp), error, aux);
}

void
trace_event(int act, dev_t dev, daddr_t blkno, uint32_t bytes, int error,
	    uint32_t aux)
{
	if (passes(dev))
		put(act, NULL, dev, blkno, bytes, 0, error, aux);
}

/* A stacked layer sends bp, which was for (from, from_blkno), on to
 * bp->b_dev at bp->b_blkno: blktrace's A.  aux: the old device. */
void
trace_remap(struct buf *bp, dev_t from, daddr_t from_blkno)
{
	if (!trace_on || (!passes(bp->b_dev) && !passes(from)))
		return;
	put(TR_REMAP, bp, bp->b_dev, bp->b_blkno, bp->b_bcount, buf_flags(bp),
	    0, from);
	/* the old block, for the host's remap record */
	put(TR_REMAP, NULL, from, from_blkno, 0, 0, 0, bp->b_dev);
}

/* --- control --- */

static void
names_refresh(void)
{
	memset(trace_ring.h.devs, 0, sizeof(trace_ring.h.devs));
	for (int i = 0; i < BDEV_MAX; i++) {
		const struct bdev *bd = bdev_at(i);
		if (!bd)
			break;
		trace_ring.h.devs[i].dev = bd->dev;
		strlcpy(trace_ring.h.devs[i].name, bd->name, BDEV_NAMELEN);
	}
	for (int i = 0; i < NSOFTINT; i++) {
		const char *name;
		int ipl;
		const struct intr_counter *c;
		if (softint_info(i, &name, &ipl, &c))
			strlcpy(trace_ring.h.softints[i], name, TRACE_NAMELEN);
	}
}

int
trace_start(dev_t filter)
{
	if (filter != NODEV && !bdev_lookup(filter))
		return ENXIO;
	names_refresh();
	trace_ring.h.filter = filter;
	trace_ring.h.start_tsc = rdtsc();
	trace_ring.h.enabled = 1;
	trace_on = 1;
	return 0;
}

void
trace_stop(void)
{
	trace_on = 0;
	trace_ring.h.enabled = 0;
}

void
trace_clear(void)
{
	uint32_t fl = irq_save();

	/* no need to wipe the records: only numbers below head are read */
	trace_ring.h.head = 0;
	trace_ring.h.start_tsc = rdtsc();
	irq_restore(fl);
	trace_hist_clear();
}

dev_t
trace_filter(void)
{
	return trace_ring.h.filter;
}

uint64_t
trace_written(void)
{
	return trace_ring.h.head;
}

uint64_t
trace_dropped(void)
{
	uint64_t n = trace_ring.h.head;

	return n > TRACE_NREC ? n - TRACE_NREC : 0;
}

int
trace_get(uint64_t n, struct trace_rec *out)
{
	uint32_t fl = irq_save();
	int ok = n < trace_ring.h.head && n + TRACE_NREC >= trace_ring.h.head;

	if (ok) {
		*out = trace_ring.rec[n & (TRACE_NREC - 1)];
		ok = out->seq == (uint32_t)n;
	}
	irq_restore(fl);
	return ok;
}

/*
 * trace=DEV|all at boot: trace from the start, every device or one.  A
 * value that names no device is refused with a message, and tracing
 * stays off: never a silent empty trace.
 */
void
trace_init(void)
{
	memcpy(trace_ring.h.magic, "IODTRACE", 8);
	trace_ring.h.version = TRACE_VERSION;
	trace_ring.h.rec_size = sizeof(struct trace_rec);
	trace_ring.h.nrec = TRACE_NREC;
	trace_ring.h.hdr_size = sizeof(struct trace_hdr);
	trace_ring.h.tsc_hz = clock_tsc_hz();
	trace_ring.h.filter = NODEV;
	const char *opt = cmdline_opt("trace");
	if (!opt)
		return;
	dev_t filter = NODEV;
	if (*opt && strcmp(opt, "all") && strcmp(opt, "on")) {
		const struct bdev *bd = bdev_by_name(opt);
		if (!bd) {
			kprintf("trace=%s: ENXIO: no such device (trace=all, "
				"or "
				"a name lsblk shows); tracing stays off\n",
				opt);
			return;
		}
		filter = bd->dev;
	}
	trace_start(filter);
	kprintf("trace: on, %s\n",
		filter == NODEV ? "every device" : bdev_lookup(filter)->name);
}
