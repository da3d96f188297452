/*
 * trace.c: the request trace (trace.h): a ring of records, one per stage
 * of every request, and per-device latency histograms.
 *
 * One ring (iodine runs on one CPU).  A writer takes its record's number
 * with one xadd, which no interrupt can split, then fills the record with
 * interrupts on: no lock, no allocation, no sleep, so any level may
 * trace, and an interrupt that traces meanwhile takes the next number.
 * (Masking interrupts instead costs more than the record under emulation:
 * an IRQ held at splhigh is masked and replayed through the PIC.)  The
 * writer is inline, in trace.h.  When the ring is full the oldest records
 * are overwritten and counted as dropped.  A record's seq, its number, is written last:
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

#define TRACE_VERSION 3 /* 3: device names of 20 bytes */

struct trace_ring trace_ring;
volatile int trace_on;

/* `lat clear`: the histograms count records from this number on */
static uint64_t lat_from;

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

/* --- latency ---
 *
 * Computed from the ring when asked (`lat`), not as records are written:
 * the stages' times are all in the records, and the hot path stays a few
 * stores.  So the histograms cover the requests still in the ring (those
 * whose queueing was overwritten are counted from the stages that
 * remain), since the last `lat clear`.
 */

#define LAT_SLOTS 1024 /* requests in flight at once, tracked */

static struct lat_slot {
	uint32_t buf; /* 0: never used */
	int live;
	uint64_t t[4]; /* queued, issued, found done, completed */
} slots[LAT_SLOTS];
static int slots_used;

static struct {
	int valid;
	dev_t dev;
	uint64_t head, from;
	int any;
	struct trace_hist h[TS_NSTAGE];
} lat_cache;

/* 32-bit arithmetic where it can be: an i586 has no 64-bit clz.  An
 * interval of 2^32 cycles or more (seconds) goes in the last bucket. */
static void
hist_add(struct trace_hist *h, uint64_t cycles)
{
	uint32_t c = cycles >> 32 ? 0xFFFFFFFFu : (uint32_t)cycles;
	int b = c ? 32 - __builtin_clz(c) : 0;

	h->bucket[cycles >> 32 ? TRACE_HIST_BUCKETS - 1 : b]++;
	if (!h->count || cycles < h->min)
		h->min = cycles;
	if (cycles > h->max)
		h->max = cycles;
	h->count++;
	h->sum += cycles;
}

static uint32_t
slot_hash(uint32_t buf)
{
	return ((buf >> 4) * 2654435761u) >> 22; /* 10 bits: LAT_SLOTS */
}

/* The slot of request `buf`, made if `make` (reset to no stamps). */
static struct lat_slot *
slot_of(uint32_t buf, int make)
{
	if (make && slots_used >= LAT_SLOTS * 3 / 4) {
		/* mostly finished requests' slots: start again, keeping the
		 * live ones */
		static struct lat_slot keep[LAT_SLOTS];
		int n = 0;
		for (int i = 0; i < LAT_SLOTS; i++)
			if (slots[i].live)
				keep[n++] = slots[i];
		memset(slots, 0, sizeof(slots));
		slots_used = 0;
		for (int i = 0; i < n; i++) {
			struct lat_slot *s = slot_of(keep[i].buf, 1);
			*s = keep[i];
		}
	}
	for (uint32_t i = slot_hash(buf), k = 0; k < LAT_SLOTS;
	     k++, i = (i + 1) % LAT_SLOTS) {
		struct lat_slot *s = &slots[i];
		if (s->buf == buf && (s->live || make)) {
			if (make)
				memset(s->t, 0, sizeof(s->t));
			s->live = 1;
			return s;
		}
		if (!s->buf) {
			if (!make)
				return NULL;
			s->buf = buf;
			s->live = 1;
			slots_used++;
			return s;
		}
	}
	return NULL;
}

/* One record's part in dev's histograms. */
static void
lat_step(const struct trace_rec *r, struct trace_hist *h)
{
	int make = r->act == TR_QUEUE || r->act == TR_SPLIT;
	struct lat_slot *s = slot_of(r->buf, make);

	if (!s)
		return;
	uint64_t *t = s->t, now = r->tsc;
	switch (r->act) {
	case TR_QUEUE:
	case TR_SPLIT: t[0] = now; break;
	case TR_ISSUE:
		t[1] = now;
		if (t[0])
			hist_add(&h[TS_QUEUE], now - t[0]);
		break;
	case TR_INTR:
	case TR_BIODONE:
		if (t[2])
			break;
		t[2] = now;
		if (t[1])
			hist_add(&h[TS_DEVICE], now - t[1]);
		break;
	case TR_COMPLETE:
		t[3] = now;
		if (t[2])
			hist_add(&h[TS_TO_IODONE], now - t[2]);
		/* a b_iodone's or an async buf's: nobody waits in biowait,
		 * the request ends here */
		if (r->aux || r->flags & TRF_ASYNC) {
			if (t[0])
				hist_add(&h[TS_TOTAL], now - t[0]);
			s->live = 0;
		}
		break;
	case TR_BIOWAIT:
		if (t[3])
			hist_add(&h[TS_TO_THREAD], now - t[3]);
		if (t[0])
			hist_add(&h[TS_TOTAL], now - t[0]);
		s->live = 0;
		break;
	default: break;
	}
}

const struct trace_hist *
trace_hist(dev_t dev, int stage)
{
	uint64_t head = trace_written();

	if (stage < 0 || stage >= TS_NSTAGE)
		return NULL;
	if (!lat_cache.valid || lat_cache.dev != dev ||
	    lat_cache.head != head || lat_cache.from != lat_from) {
		struct trace_rec r;
		uint64_t first = trace_dropped();
		memset(&lat_cache, 0, sizeof(lat_cache));
		memset(slots, 0, sizeof(slots));
		slots_used = 0;
		for (uint64_t n = first > lat_from ? first : lat_from; n < head;
		     n++)
			if (trace_get(n, &r) && r.dev == dev && r.buf) {
				lat_step(&r, lat_cache.h);
				lat_cache.any = 1;
			}
		lat_cache.valid = 1;
		lat_cache.dev = dev;
		lat_cache.head = head;
		lat_cache.from = lat_from;
	}
	return lat_cache.any ? &lat_cache.h[stage] : NULL;
}

void
trace_hist_clear(void)
{
	lat_from = trace_written();
	lat_cache.valid = 0;
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

/* --- recording --- */

static int
passes(dev_t dev)
{
	return trace_ring.h.filter == NODEV || trace_ring.h.filter == dev;
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

/* The running thread's name in the header (trace_stage, at TR_QUEUE). */
void
trace_thread_named(void)
{
	thread_named(curthread);
}

/* A stage of bp, out of line: for trace_remap and the tests. */
void
trace_record(int act, struct buf *bp, uint32_t aux)
{
	trace_stage(act, bp, aux);
}

uint64_t
trace_reserve(void)
{
	uint32_t lo;

	trace_take(&lo);
	return trace_written() - 1;
}

static void
put_event(int act, dev_t dev, daddr_t blkno, uint32_t bytes, int error,
	  uint32_t aux)
{
	uint32_t lo;
	struct trace_rec *r = trace_take(&lo);

	trace_begin(r, act, error ? TRF_ERROR : 0, error > 255 ? 255 : error);
	r->blkno = (uint64_t)blkno;
	r->buf = 0;
	r->dev = dev;
	r->bytes = bytes;
	r->aux = aux;
	trace_done(r, lo, act);
}

void
trace_event(int act, dev_t dev, daddr_t blkno, uint32_t bytes, int error,
	    uint32_t aux)
{
	if (passes(dev))
		put_event(act, dev, blkno, bytes, error, aux);
}

/* A stacked layer sends bp, which was for (from, from_blkno), on to
 * bp->b_dev at bp->b_blkno: blktrace's A.  aux: the old device. */
void
trace_remap(struct buf *bp, dev_t from, daddr_t from_blkno)
{
	if (!trace_on || (!passes(bp->b_dev) && !passes(from)))
		return;
	trace_record(TR_REMAP, bp, from);
	/* the old block, for the host's remap record */
	put_event(TR_REMAP, from, from_blkno, 0, 0, bp->b_dev);
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
	int s = splhigh(); /* (the idle thread frees exited ones) */
	for (struct thread *t = thread_first(); t; t = t->all_next)
		thread_named(t);
	splx(s);
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

	/* Every seq a number not yet taken (record 2^32-1's slot is
	 * rewritten long before that one): a record being filled must not
	 * look whole by a seq left from before. */
	for (int i = 0; i < TRACE_NREC; i++)
		trace_ring.rec[i].seq = 0xFFFFFFFFu;
	trace_ring.h.head = 0;
	trace_ring.h.head_hi = 0;
	trace_ring.h.start_tsc = rdtsc();
	irq_restore(fl);
	lat_from = 0;
	lat_cache.valid = 0;
}

dev_t
trace_filter(void)
{
	return trace_ring.h.filter;
}

uint64_t
trace_written(void)
{
	uint32_t fl = irq_save();
	uint64_t n = (uint64_t)trace_ring.h.head_hi << 32 | trace_ring.h.head;

	irq_restore(fl);
	return n;
}

uint64_t
trace_dropped(void)
{
	uint64_t n = trace_written();

	return n > TRACE_NREC ? n - TRACE_NREC : 0;
}

int
trace_get(uint64_t n, struct trace_rec *out)
{
	uint64_t head = trace_written();
	uint32_t fl = irq_save();
	int ok = n < head && n + TRACE_NREC >= head;

	if (ok) {
		*out = trace_ring.rec[n & (TRACE_NREC - 1)];
		ok = out->seq == (uint32_t)n;
		if (!(out->flags & TRF_ERROR))
			out->error = 0; /* an old b_error, not this one's */
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
	trace_clear(); /* no record looks whole yet */
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
