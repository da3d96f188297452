/*
 * test_bio.c: the rules of the reference pages for biodone, biowait and
 * the strategy entry point, each on the synchronous RAM disk rd0 and the
 * asynchronous rd1 (completed from the clock interrupt): the same battery
 * for both designs.
 */
#include <stddef.h>
#include <stdint.h>

#include "blk/bdev.h"
#include "blk/buf.h"
#include "clock.h"
#include "console.h"
#include "cpu.h"
#include "errno.h"
#include "intr.h"
#include "kmalloc.h"
#include "ktest.h"
#include "pattern.h"
#include "ramdisk.h"
#include "rand.h"
#include "string.h"
#include "thread.h"
#include "tracetest.h"
#include "testio.h"

#define FOR_EACH_RD(bd)                                                        \
	for (struct bdev *bd = bdev_by_name("rd0"); bd;                        \
	     bd = bd == bdev_by_name("rd0") ? bdev_by_name("rd1") : NULL)

static uint8_t data[64 * 1024] __attribute__((aligned(16)));

/* --- biodone: b_iodone exclusively, from the IODONE level --- */

static volatile int iodone_calls, iodone_level, iodone_saw_done, iodone_nesting;

static void
note_iodone(struct buf *bp)
{
	iodone_calls++;
	iodone_level = cpl;
	iodone_saw_done = (bp->b_flags & B_DONE) != 0;
	iodone_nesting = intr_nesting();
}

static struct buf watched;
static volatile int watcher_err;

static void
watcher(void *arg)
{
	(void)arg;
	int s = splhigh();
	watcher_err = tsleep(&watched, "watch", 100); /* a wakeup: 0 */
	splx(s);
}

TEST(biodone_calls_b_iodone_exclusively)
{
	FOR_EACH_RD(bd)
	{
		iodone_calls = 0;
		testio_setup(&watched, bd, B_READ, 10, DEV_BSIZE, data);
		watched.b_iodone = note_iodone;
		struct thread *t = thread_create(watcher, NULL, "watcher");
		thread_yield(); /* the watcher sleeps on the buf now */
		bdev_strategy(&watched);
		thread_join(t);
		CHECK(iodone_calls == 1, "%s: b_iodone called %d times",
		      bd->name, iodone_calls);
		CHECK(!(watched.b_flags & B_DONE),
		      "%s: B_DONE set though b_iodone was called", bd->name);
		CHECK(!iodone_saw_done, "%s: B_DONE set before b_iodone ran",
		      bd->name);
		CHECK(watcher_err == ETIMEDOUT,
		      "%s: a thread sleeping on the buf was woken", bd->name);
	}
}

TEST(bio_b_iodone_runs_at_the_iodone_level_when_completed_by_an_interrupt)
{
	struct bdev *rd1 = bdev_by_name("rd1");
	static struct buf b;

	iodone_calls = 0;
	testio_setup(&b, rd1, B_READ, 3, DEV_BSIZE, data);
	b.b_iodone = note_iodone;
	uint64_t deferred = iodone_stats.deferred;
	bdev_strategy(&b);
	for (int i = 0; i < 100 && !iodone_calls; i++)
		tsleep(&b, "wait", 1);
	CHECK_EQ(iodone_calls, 1);
	CHECK_EQ(iodone_level, IPL_IODONE);
	CHECK(iodone_nesting > 0, "b_iodone ran in thread context");
	CHECK(iodone_stats.deferred > deferred, "completion was not deferred");
}

/*
 * AIX iodone: the INTIODONE level runs with hardware interrupts enabled,
 * so a disk's interrupt, or the clock's, is taken while a completion
 * routine runs.  The b_iodone routine here (rd1's, deferred from the
 * clock interrupt) waits for the clock's next interrupt, up to a second
 * of the TSC (the clock interrupts every millisecond).
 */
static volatile int spin_if, spin_level;
static volatile uint64_t spin_irqs;

static void
wait_for_a_clock_interrupt(struct buf *bp)
{
	(void)bp;
	uint64_t runs = intr_stats.irq[0].runs;
	uint64_t until = rdtsc() + clock_tsc_hz();

	spin_level = cpl;
	spin_if = (eflags_read() & EFLAGS_IF) != 0;
	while (intr_stats.irq[0].runs == runs && rdtsc() < until)
		cpu_pause();
	spin_irqs = intr_stats.irq[0].runs - runs;
	iodone_calls++;
}

TEST(bio_a_hardware_interrupt_is_taken_while_b_iodone_runs_at_intiodone)
{
	struct bdev *rd1 = bdev_by_name("rd1");
	static struct buf b;

	for (int round = 0; round < 3; round++) {
		iodone_calls = 0;
		spin_irqs = 0;
		testio_setup(&b, rd1, B_READ, 3 + round, DEV_BSIZE, data);
		b.b_iodone = wait_for_a_clock_interrupt;
		bdev_strategy(&b);
		for (int i = 0; i < 2000 && !iodone_calls; i++)
			tsleep(&b, "wait", 1);
		CHECK_EQ(iodone_calls, 1);
		CHECK_EQ(spin_level, IPL_IODONE);
		CHECK(spin_if, "b_iodone ran at INTIODONE with interrupts off");
		CHECK(spin_irqs > 0,
		      "no clock interrupt was taken in a second of b_iodone at "
		      "INTIODONE: hardware interrupts were held off");
	}
}

TEST(biodone_at_base_level_completes_at_once)
{
	struct bdev *rd0 = bdev_by_name("rd0");
	static struct buf b;

	iodone_calls = 0;
	testio_setup(&b, rd0, B_READ, 3, DEV_BSIZE, data);
	b.b_iodone = note_iodone;
	bdev_strategy(&b); /* rd0 completes inside its strategy routine */
	CHECK_EQ(iodone_calls, 1);
	CHECK_EQ(iodone_level, IPL_NONE);
}

TEST(biodone_without_b_iodone_sets_b_done_and_wakes_biowait)
{
	FOR_EACH_RD(bd)
	{
		static struct buf b;
		testio_setup(&b, bd, B_READ, 7, DEV_BSIZE, data);
		CHECK_EQ(testio_run(&b), 0);
		CHECK(b.b_flags & B_DONE, "%s: no B_DONE", bd->name);
		CHECK_EQ(b.b_iodepth, 0);
	}
}

TEST(biowait_returns_the_error)
{
	FOR_EACH_RD(bd)
	{
		int unit = minor(bd->dev);
		ramdisk_inject_error(unit, 20, EIO);
		int err = testio(bd, B_READ, 18, 4 * DEV_BSIZE, data, NULL);
		ramdisk_inject_error(unit, 0, 0);
		CHECK(err == EIO, "%s: biowait returned %d, expected EIO",
		      bd->name, err);
		CHECK_EQ(testio(bd, B_READ, 18, 4 * DEV_BSIZE, data, NULL), 0);
	}
}

TEST(bioerror_sets_and_clears_b_error_and_b_error_together)
{
	static struct buf b;

	memset(&b, 0, sizeof(b));
	bioerror(&b, ENXIO);
	CHECK(b.b_flags & B_ERROR, "B_ERROR not set");
	CHECK_EQ(b.b_error, ENXIO);
	CHECK_EQ(geterror(&b), ENXIO);
	bioerror(&b, 0);
	CHECK(!(b.b_flags & B_ERROR), "B_ERROR not cleared");
	CHECK_EQ(b.b_error, 0);
	CHECK_EQ(geterror(&b), 0);
	b.b_flags |= B_ERROR; /* B_ERROR with no number still means EIO */
	CHECK_EQ(geterror(&b), EIO);
}

/* --- the bounds rules, at every boundary, on both disks --- */

TEST(bio_read_at_the_end_of_the_device_is_eof_not_an_error)
{
	FOR_EACH_RD(bd)
	{
		uint32_t resid = 0;
		int err = testio(bd, B_READ, bd->nblocks, 4 * DEV_BSIZE, data,
				 &resid);
		CHECK(err == 0, "%s: EOF read gave error %d", bd->name, err);
		CHECK_EQ(resid, 4 * DEV_BSIZE);
	}
}

TEST(bio_requests_outside_the_device_get_enxio)
{
	FOR_EACH_RD(bd)
	{
		uint32_t resid = 0;
		CHECK_EQ(testio(bd, B_WRITE, bd->nblocks, DEV_BSIZE, data,
				&resid),
			 ENXIO);
		CHECK_EQ(resid, DEV_BSIZE);
		CHECK_EQ(testio(bd, B_READ, bd->nblocks + 1, DEV_BSIZE, data,
				NULL),
			 ENXIO);
		CHECK_EQ(testio(bd, B_READ, -1, DEV_BSIZE, data, NULL), ENXIO);
		CHECK_EQ(testio(bd, B_WRITE, 0x7FFFFFFF, DEV_BSIZE, data, NULL),
			 ENXIO);
	}
}

TEST(bio_a_transfer_running_past_the_end_is_truncated)
{
	FOR_EACH_RD(bd)
	{
		uint32_t resid = 0;
		uint8_t *disk = ramdisk_data(minor(bd->dev));
		memset(data, 0x5A, 4 * DEV_BSIZE);
		int err = testio(bd, B_WRITE, bd->nblocks - 1, 4 * DEV_BSIZE,
				 data, &resid);
		CHECK_EQ(err, 0);
		CHECK_EQ(resid, 3 * DEV_BSIZE);
		CHECK(disk[(bd->nblocks - 1) * DEV_BSIZE] == 0x5A,
		      "%s: the block inside was not written", bd->name);
		err = testio(bd, B_READ, bd->nblocks - 2, 4 * DEV_BSIZE, data,
			     &resid);
		CHECK_EQ(err, 0);
		CHECK_EQ(resid, 2 * DEV_BSIZE);
	}
}

TEST(bio_bad_byte_counts_and_null_buffers_get_einval)
{
	FOR_EACH_RD(bd)
	{
		CHECK_EQ(testio(bd, B_READ, 0, 0, data, NULL), EINVAL);
		CHECK_EQ(testio(bd, B_READ, 0, 100, data, NULL), EINVAL);
		CHECK_EQ(testio(bd, B_WRITE, 0, DEV_BSIZE + 1, data, NULL),
			 EINVAL);
		CHECK_EQ(testio(bd, B_READ, 0, DEV_BSIZE, NULL, NULL), EINVAL);
		/* at the end, a bad count is still EINVAL, not EOF */
		CHECK_EQ(testio(bd, B_READ, bd->nblocks, 100, data, NULL),
			 EINVAL);
	}
}

TEST(bio_an_unknown_device_gets_enxio)
{
	static struct buf b;

	memset(&b, 0, sizeof(b));
	b.b_dev = makedev(99, 0);
	b.b_bcount = DEV_BSIZE;
	b.b_un.b_addr = data;
	b.b_flags = B_READ;
	bdev_strategy(&b);
	CHECK_EQ(biowait(&b), ENXIO);
}

/* --- chains, in any order, each completed once --- */

#define CHAIN 100
static struct buf chain_buf[CHAIN];
static volatile int chain_done[CHAIN];

static void
chain_iodone(struct buf *bp)
{
	chain_done[bp - chain_buf]++;
}

TEST(bio_a_chain_of_100_bufs_in_random_order_completes_each_once)
{
	uint32_t seed = 7;

	FOR_EACH_RD(bd)
	{
		uint32_t order[CHAIN];
		for (int i = 0; i < CHAIN; i++)
			order[i] = i;
		rand_shuffle(order, CHAIN, &seed);
		/* write the pattern to blocks 200.. in random order */
		uint8_t *mem = kmalloc(CHAIN * DEV_BSIZE);
		CHECK(mem != NULL, "no memory");
		struct buf *head = NULL;
		for (int k = CHAIN - 1; k >= 0; k--) {
			int i = order[k];
			pattern_fill(mem + i * DEV_BSIZE, minor(bd->dev),
				     200 + i);
			testio_setup(&chain_buf[i], bd, B_WRITE, 200 + i,
				     DEV_BSIZE, mem + i * DEV_BSIZE);
			chain_buf[i].b_iodone = chain_iodone;
			chain_buf[i].av_forw = head;
			head = &chain_buf[i];
			chain_done[i] = 0;
		}
		bdev_strategy(head);
		for (int w = 0; w < 200; w++) {
			int all = 1;
			for (int i = 0; i < CHAIN; i++)
				all &= chain_done[i] >= 1;
			if (all)
				break;
			static int nobody;
			tsleep(&nobody, "chain", 1);
		}
		for (int i = 0; i < CHAIN; i++)
			CHECK(chain_done[i] == 1,
			      "%s: buf %d completed %d times", bd->name, i,
			      chain_done[i]);
		const uint8_t *disk = ramdisk_data(minor(bd->dev));
		for (int i = 0; i < CHAIN; i++)
			CHECK(pattern_check(disk + (200 + i) * DEV_BSIZE,
					    minor(bd->dev), 200 + i) < 0,
			      "%s: block %d wrong on the disk", bd->name,
			      200 + i);
		kfree(mem);
	}
}

/* --- splitting: larger than maxxfer, completed once --- */

TEST(bio_a_request_larger_than_maxxfer_is_split_and_completed_once)
{
	FOR_EACH_RD(bd)
	{
		uint32_t len = 3 * bd->maxxfer + 4 * DEV_BSIZE;
		uint8_t *mem = kmalloc(len);
		CHECK(mem != NULL, "no memory");
		for (uint32_t b = 0; b < len / DEV_BSIZE; b++)
			pattern_fill(mem + b * DEV_BSIZE, minor(bd->dev),
				     1000 + b);
		uint64_t splits = bdev_stats.splits;
		iodone_calls = 0;
		static struct buf b;
		testio_setup(&b, bd, B_WRITE, 1000, len, mem);
		b.b_iodone = note_iodone;
		bdev_strategy(&b);
		for (int w = 0; w < 200 && !iodone_calls; w++) {
			static int nobody;
			tsleep(&nobody, "split", 1);
		}
		CHECK_EQ(iodone_calls, 1);
		CHECK_EQ(bdev_stats.splits - splits, 1);
		CHECK_EQ(b.b_resid, 0);
		CHECK(b.b_iodone == note_iodone, "%s: b_iodone changed",
		      bd->name);
		memset(mem, 0, len);
		CHECK_EQ(testio(bd, B_READ, 1000, len, mem, NULL), 0);
		for (uint32_t k = 0; k < len / DEV_BSIZE; k++)
			CHECK(pattern_check(mem + k * DEV_BSIZE, minor(bd->dev),
					    1000 + k) < 0,
			      "%s: block %u wrong after a split transfer",
			      bd->name, 1000 + k);
		kfree(mem);
	}
}

TEST(bio_a_split_request_with_a_failing_piece_reports_the_bytes_before_it)
{
	FOR_EACH_RD(bd)
	{
		uint32_t len = 4 * bd->maxxfer;
		uint8_t *mem = kmalloc(len);
		CHECK(mem != NULL, "no memory");
		/* the third piece fails */
		daddr_t bad = 2000 + 2 * bd->maxxfer / DEV_BSIZE + 3;
		ramdisk_inject_error(minor(bd->dev), bad, EIO);
		uint32_t resid = 0;
		int err = testio(bd, B_READ, 2000, len, mem, &resid);
		ramdisk_inject_error(minor(bd->dev), 0, 0);
		kfree(mem);
		CHECK_EQ(err, EIO);
		CHECK_EQ(resid, len - 2 * bd->maxxfer);
	}
}

/* --- stacked completion: a layer substitutes its own b_iodone --- */

struct layer {
	void (*saved_iodone)(struct buf *);
	void *saved_private;
	daddr_t saved_blkno;
	int calls;
};

#define LAYER_OFFSET 300 /* the "logical volume" starts at block 300 */

static void
layer_done(struct buf *bp)
{
	struct layer *l = bp->b_private;

	l->calls++;
	/* Put back everything we changed, then complete the original. */
	bp->b_iodone = l->saved_iodone;
	bp->b_private = l->saved_private;
	bp->b_blkno = l->saved_blkno;
	biodone(bp);
}

/* A logical-volume strategy routine: translate and pass down. */
static void
layer_strategy(struct buf *bp, struct layer *l)
{
	l->saved_iodone = bp->b_iodone;
	l->saved_private = bp->b_private;
	l->saved_blkno = bp->b_blkno;
	bp->b_iodone = layer_done;
	bp->b_private = l;
	bp->b_blkno += LAYER_OFFSET;
	trace_remap(bp, bp->b_dev, l->saved_blkno); /* blktrace's A */
	bdev_strategy(bp); /* issued again, to the physical disk */
}

static volatile int outer_calls;
static void *outer_private_seen;

static void
outer_iodone(struct buf *bp)
{
	outer_calls++;
	outer_private_seen = bp->b_private;
}

TEST(bio_a_stacked_b_iodone_is_saved_restored_and_the_original_completed)
{
	FOR_EACH_RD(bd)
	{
		static struct layer l;
		static struct buf b;
		static int cookie;
		memset(&l, 0, sizeof(l));
		outer_calls = 0;
		pattern_fill(data, minor(bd->dev), LAYER_OFFSET + 9);
		testio_setup(&b, bd, B_WRITE, 9, DEV_BSIZE, data);
		b.b_iodone = outer_iodone;
		b.b_private = &cookie;
		trace_clear();
		trace_start(NODEV);
		bio_issue(&b); /* the caller hands it to the layer */
		layer_strategy(&b, &l);
		for (int w = 0; w < 100 && !outer_calls; w++) {
			static int nobody;
			tsleep(&nobody, "stack", 1);
		}
		trace_stop();
		/* traced: remapped (A) from block 9, then queued at 309 */
		static struct trace_rec r[TRACETEST_MAX];
		int n = trace_collect(&b, 0, r, TRACETEST_MAX);
		CHECK(n >= 2 && r[0].act == TR_REMAP && r[1].act == TR_QUEUE,
		      "%s: %s", bd->name, trace_stages(r, n));
		CHECK_EQ(r[0].blkno, LAYER_OFFSET + 9);
		struct trace_rec from;
		CHECK(trace_get(1, &from) && from.act == TR_REMAP &&
			      from.buf == 0 && from.blkno == 9,
		      "%s: the remap's old block is not recorded", bd->name);
		CHECK_EQ(l.calls, 1);
		CHECK_EQ(outer_calls, 1);
		CHECK(outer_private_seen == &cookie,
		      "%s: b_private not restored", bd->name);
		CHECK_EQ(b.b_blkno, 9);
		CHECK_EQ(b.b_iodepth, 0);
		CHECK(pattern_check(ramdisk_data(minor(bd->dev)) +
					    (LAYER_OFFSET + 9) * DEV_BSIZE,
				    minor(bd->dev), LAYER_OFFSET + 9) < 0,
		      "%s: the write did not land at the translated block",
		      bd->name);
	}
}

TEST(bio_raw_bufs_from_getrbuf_are_marked_and_freed)
{
	struct buf *bp = getrbuf();

	CHECK(bp != NULL, "getrbuf failed");
	CHECK(bp->b_flags & B_RAW, "no B_RAW");
	CHECK(bp->b_flags & B_BUSY, "not held");
	freerbuf(bp);
}

/*
 * --- reuse under pressure: no stale B_DONE/B_ERROR, no lost wakeup ---
 *
 * Threads reuse one buf each, hundreds of times, on rd1 (completed from
 * the clock interrupt, deferred to INTIODONE) and rd0, alternating good
 * reads with requests that fail (past the end): a B_DONE left from the
 * last use would end biowait before the transfer, a B_ERROR would fail a
 * good read, and a wakeup slipped between biowait's test and its sleep
 * would leave a thread asleep for ever.  The main thread waits for them
 * with a bound, so a lost wakeup fails by name instead of hanging.
 */
#define REUSE_THREADS 6
#define REUSE_ROUNDS  300
#define REUSE_BASE    6000 /* blocks REUSE_BASE.. +1000: no other test's */

static struct buf reuse_buf[REUSE_THREADS];
static uint8_t reuse_mem[REUSE_THREADS][DEV_BSIZE];
static volatile int reuse_bad[REUSE_THREADS];
static volatile int reuse_round[REUSE_THREADS];

static void
reuse_worker(void *arg)
{
	int t = (int)(uintptr_t)arg;
	struct bdev *bd = bdev_by_name(t % 3 ? "rd1" : "rd0");
	struct buf *bp = &reuse_buf[t];
	uint32_t seed = 17 + t;

	for (int r = 0; r < REUSE_ROUNDS; r++) {
		reuse_round[t] = r;
		int fail = rand32(&seed) % 4 == 0;
		daddr_t blk =
			fail ? (daddr_t)bd->nblocks + 1 + r
			     : REUSE_BASE + (daddr_t)(rand32(&seed) % 1000);
		/* the buf as its last use left it: only these fields change */
		bp->b_flags = (bp->b_flags & (B_DONE | B_ERROR)) | B_READ;
		bp->b_dev = bd->dev;
		bp->b_blkno = blk;
		bp->b_bcount = DEV_BSIZE;
		bp->b_un.b_addr = reuse_mem[t];
		bp->b_iodone = NULL;
		memset(reuse_mem[t], 0xEE, DEV_BSIZE);
		bdev_strategy(bp);
		/* enter biowait at a random point of rd1's tick, so that its
		 * completion falls now before, now inside, now after the
		 * window between biowait's test and its sleep */
		uint64_t until =
			rdtsc() + rand32(&seed) % (clock_tsc_hz() / 500);
		while (rdtsc() < until)
			cpu_pause();
		int err = biowait(bp);
		if (fail ? err != ENXIO
			 : err || pattern_check(reuse_mem[t], minor(bd->dev),
						blk) >= 0) {
			if (!reuse_bad[t]++)
				kprintf("# reuse %d: round %d %s blk %lld: err "
					"%d, byte0 %02x\n",
					t, r, bd->name, blk, err,
					reuse_mem[t][0]);
		}
	}
}

TEST(bio_reused_bufs_never_see_a_stale_done_nor_miss_a_wakeup)
{
	struct thread *th[REUSE_THREADS];

	/* the pattern on both disks where the workers read */
	FOR_EACH_RD(bd)
	{
		CHECK(bd->nblocks >= REUSE_BASE + 1024, "%s too small",
		      bd->name);
		for (int b = REUSE_BASE; b < REUSE_BASE + 1024; b += 64) {
			for (int i = 0; i < 64; i++)
				pattern_fill(data + i * DEV_BSIZE,
					     minor(bd->dev), b + i);
			CHECK_EQ(testio(bd, B_WRITE, b, 64 * DEV_BSIZE, data,
					NULL),
				 0);
		}
	}
	for (int t = 0; t < REUSE_THREADS; t++) {
		memset(&reuse_buf[t], 0, sizeof(reuse_buf[t]));
		reuse_bad[t] = 0;
		th[t] = thread_create(reuse_worker, (void *)(uintptr_t)t,
				      "reuse");
		CHECK(th[t] != NULL, "thread_create failed");
	}
	for (int t = 0; t < REUSE_THREADS; t++) {
		CHECK(thread_join_timeout(th[t], 60 * HZ) == 0,
		      "thread %d still in biowait at round %d after 60 s: a "
		      "lost wakeup",
		      t, reuse_round[t]);
		CHECK(reuse_bad[t] == 0,
		      "thread %d: %d of %d rounds saw a stale B_DONE or "
		      "B_ERROR, or wrong data",
		      t, reuse_bad[t], REUSE_ROUNDS);
	}
}

/*
 * --- rd1's queue is shared with the clock interrupt (IRIX strategy) ---
 *
 * Threads issue reads to rd1 without waiting, from base level, while the
 * clock interrupt takes the due ones off the same queue.  With a thousand
 * requests in flight the threads are issuing whenever the clock ticks
 * (every millisecond), so a queue changed at the caller's level instead
 * of the clock's is caught mid-change within a second: a buf is lost,
 * or the rest of the queue with it.  Each request must complete exactly
 * once, with its own block's bytes, within a bounded wait.
 */
#define HAMMER_THREADS 4
#define HAMMER_BUFS    256  /* per thread */
#define HAMMER_BASE    7200 /* blocks HAMMER_BASE.. +256: no other test's */
#define HAMMER_BLOCKS  256

struct hammer_slot {
	struct buf b;
	struct hammer_slot *next_free;
	int thread;
	volatile uint32_t issued, done;
	uint8_t mem[DEV_BSIZE];
};

static struct hammer_slot *hammer_slot; /* [HAMMER_THREADS * HAMMER_BUFS] */
static struct hammer_slot *hammer_free[HAMMER_THREADS]; /* at splbio */
static volatile uint32_t hammer_bad;
static volatile int hammer_stop;

static void
hammer_iodone(struct buf *bp)
{
	struct hammer_slot *h = bp->b_private;

	if ((bp->b_flags & B_ERROR) ||
	    pattern_check(h->mem, minor(bp->b_dev), bp->b_blkno) >= 0)
		hammer_bad++;
	h->done++;
	int s = splbio(); /* (INTIODONE is below it) */
	h->next_free = hammer_free[h->thread];
	hammer_free[h->thread] = h;
	splx(s);
}

/* Issue whatever has completed, at once: the thread does little else. */
static void
hammer_worker(void *arg)
{
	int t = (int)(uintptr_t)arg;
	struct bdev *rd1 = bdev_by_name("rd1");
	uint32_t seed = 101 + t;

	while (!hammer_stop) {
		int s = splbio();
		struct hammer_slot *h = hammer_free[t];
		if (h)
			hammer_free[t] = h->next_free;
		splx(s);
		if (!h) {
			cpu_pause();
			continue;
		}
		daddr_t blk = HAMMER_BASE + rand32(&seed) % HAMMER_BLOCKS;
		testio_setup(&h->b, rd1, B_READ, blk, DEV_BSIZE, h->mem);
		h->b.b_iodone = hammer_iodone;
		h->b.b_private = h;
		h->issued++;
		bdev_strategy(&h->b);
	}
}

static uint32_t
hammer_outstanding(void)
{
	uint32_t n = 0;

	for (int k = 0; k < HAMMER_THREADS * HAMMER_BUFS; k++)
		n += hammer_slot[k].issued - hammer_slot[k].done;
	return n;
}

TEST(bio_rd1s_queue_shared_with_the_clock_loses_no_request_under_fire)
{
	struct bdev *rd1 = bdev_by_name("rd1");
	struct thread *th[HAMMER_THREADS];
	static int nobody;

	for (int b = 0; b < HAMMER_BLOCKS; b += 64) {
		for (int i = 0; i < 64; i++)
			pattern_fill(data + i * DEV_BSIZE, minor(rd1->dev),
				     HAMMER_BASE + b + i);
		CHECK_EQ(testio(rd1, B_WRITE, HAMMER_BASE + b, 64 * DEV_BSIZE,
				data, NULL),
			 0);
	}
	hammer_slot =
		kzalloc(HAMMER_THREADS * HAMMER_BUFS * sizeof(*hammer_slot));
	CHECK(hammer_slot != NULL, "no memory");
	hammer_bad = 0;
	hammer_stop = 0;
	for (int k = 0; k < HAMMER_THREADS * HAMMER_BUFS; k++) {
		struct hammer_slot *h = &hammer_slot[k];
		h->thread = k / HAMMER_BUFS;
		h->next_free = hammer_free[h->thread];
		hammer_free[h->thread] = h;
	}
	for (int t = 0; t < HAMMER_THREADS; t++) {
		th[t] = thread_create(hammer_worker, (void *)(uintptr_t)t,
				      "hammer");
		CHECK(th[t] != NULL, "thread_create failed");
	}
	tsleep(&nobody, "hammer", HZ); /* a second of clock ticks */
	hammer_stop = 1;
	for (int t = 0; t < HAMMER_THREADS; t++)
		CHECK(thread_join_timeout(th[t], 10 * HZ) == 0,
		      "hammer thread %d did not stop", t);
	/* rd1 completes a request a tick or five after it is queued */
	for (int w = 0; w < 2 * HZ && hammer_outstanding(); w++)
		tsleep(&nobody, "hammer", 1);
	uint64_t total = 0;
	uint32_t lost = 0, extra = 0;
	for (int k = 0; k < HAMMER_THREADS * HAMMER_BUFS; k++) {
		struct hammer_slot *h = &hammer_slot[k];
		total += h->issued;
		if (h->done < h->issued)
			lost += h->issued - h->done;
		else
			extra += h->done - h->issued;
	}
	kprintf("# %llu requests to rd1 from %d threads in a second\n",
		(unsigned long long)total, HAMMER_THREADS);
	CHECK(total > 10 * HZ, "only %llu requests were issued",
	      (unsigned long long)total);
	CHECK(lost == 0,
	      "%u of %llu requests never completed within 2 s: rd1's queue "
	      "lost them (changed outside the clock's level?)",
	      lost, (unsigned long long)total);
	CHECK(extra == 0, "%u requests completed more than once", extra);
	CHECK(hammer_bad == 0, "%u requests failed or read wrong bytes",
	      hammer_bad);
	if (!lost) /* (a lost one may still be in a queue: leave it) */
		kfree(hammer_slot);
	for (int t = 0; t < HAMMER_THREADS; t++)
		hammer_free[t] = NULL;
}
