/*
 * test_trace.c: the request trace (kernel/blk/trace.h) on the RAM disks:
 * every stage of a request, in order, at the level and in the context it
 * ran; splits, chains, the cache's events, an asynchronous write; the
 * device filter; the latency histograms; a ring that overflows.  The
 * real disks' traces are in test_disk.c.
 */
#include <stdint.h>

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "errno.h"
#include "intr.h"
#include "ktest.h"
#include "string.h"
#include "thread.h"
#include "tracetest.h"
#include "testio.h"

static uint8_t data[256 * 1024] __attribute__((aligned(16)));
static struct trace_rec recs[TRACETEST_MAX];

/* One raw read through the switch, waited for. */
static void
read_raw(struct buf *bp, const struct bdev *bd, daddr_t blkno, uint32_t bcount)
{
	testio_setup(bp, bd, B_READ, blkno, bcount, data);
	testio_run(bp);
}

TEST(trace_rd1_shows_each_stage_in_order_deferred_to_intiodone)
{
	static struct buf b;
	const struct bdev *rd1 = bdev_by_name("rd1");
	uint64_t from = trace_fresh(NODEV);

	read_raw(&b, rd1, 10, 4096);
	trace_stop();
	int n = trace_collect(&b, from, recs, TRACETEST_MAX);
	CHECK_STR(trace_stages(recs, n),
		  "queued,inserted,issued,interrupt,biodone,deferred,"
		  "completion,woken,biowait");
	const struct trace_rec *q = trace_find(recs, n, TR_QUEUE);
	CHECK_EQ(q->ipl, IPL_NONE);
	CHECK_EQ(q->ctx, curthread->id);
	CHECK_EQ(q->blkno, 10);
	CHECK_EQ(q->bytes, 4096);
	CHECK_EQ(q->flags & TRF_READ, TRF_READ);
	const struct trace_rec *irq = trace_find(recs, n, TR_INTR);
	CHECK_EQ(irq->ctx, INTR_CTX_IRQ | 0); /* the clock's IRQ 0 */
	CHECK_EQ(irq->ipl, IPL_CLOCK);
	const struct trace_rec *c = trace_find(recs, n, TR_BIODONE);
	CHECK_EQ(c->ipl, IPL_CLOCK);
	CHECK_EQ(c->bytes, 4096);
	CHECK_EQ(trace_find(recs, n, TR_DEFER)->aux >= 1, 1);
	const struct trace_rec *done = trace_find(recs, n, TR_COMPLETE);
	CHECK_EQ(done->ipl, IPL_IODONE);
	CHECK_EQ(done->ctx & INTR_CTX_SOFT, INTR_CTX_SOFT);
	CHECK_EQ(done->aux, 0); /* B_DONE set, no b_iodone */
	const struct trace_rec *w = trace_find(recs, n, TR_BIOWAIT);
	CHECK_EQ(w->ipl, IPL_NONE);
	CHECK_EQ(w->ctx, curthread->id);
	CHECK(w->aux <= 1, "biowait aux %u", w->aux); /* slept or not */
	for (int i = 1; i < n; i++)
		CHECK(recs[i].tsc >= recs[i - 1].tsc, "stage %d before %d", i,
		      i - 1);
}

TEST(trace_rd0_completes_at_base_level_with_no_deferral)
{
	static struct buf b;
	uint64_t from = trace_fresh(NODEV);

	read_raw(&b, bdev_by_name("rd0"), 10, 4096);
	trace_stop();
	int n = trace_collect(&b, from, recs, TRACETEST_MAX);
	CHECK_STR(trace_stages(recs, n), "queued,inserted,issued,biodone,"
					 "completion,woken,biowait");
	CHECK_EQ(trace_find(recs, n, TR_COMPLETE)->ipl, IPL_NONE);
	CHECK_EQ(trace_find(recs, n, TR_COMPLETE)->ctx, curthread->id);
	CHECK_EQ(trace_find(recs, n, TR_BIOWAIT)->aux, 0); /* done already */
}

TEST(trace_a_split_request_shows_its_pieces_and_one_completion)
{
	static struct buf b;
	const struct bdev *rd1 = bdev_by_name("rd1");
	uint64_t from = trace_fresh(NODEV);

	read_raw(&b, rd1, 0, 2 * rd1->maxxfer);
	trace_stop();
	int n = trace_collect(&b, from, recs, TRACETEST_MAX);
	/* the parent: queued, then done when its last piece is */
	CHECK_STR(trace_stages(recs, n),
		  "queued,biodone,completion,woken,biowait");
	int pieces = 0;
	struct trace_rec r;
	uint64_t last_piece_done = 0;
	for (uint64_t i = from; i < trace_written(); i++) {
		if (!trace_get(i, &r) || r.act != TR_SPLIT)
			continue;
		CHECK_EQ(r.aux, (uint32_t)&b);
		CHECK_EQ(r.bytes, rd1->maxxfer);
		CHECK_EQ(r.blkno, pieces * (rd1->maxxfer / DEV_BSIZE));
		pieces++;
		/* each piece goes its own way through the driver */
		static struct trace_rec kid[TRACETEST_MAX];
		struct buf *kb = (struct buf *)r.buf;
		int k = trace_collect(kb, i, kid, TRACETEST_MAX);
		CHECK(k >= 7, "piece %d: %d records", pieces, k);
		CHECK_STR(trace_stages(kid, 7), "split,inserted,issued,"
						"interrupt,biodone,deferred,"
						"completion");
		CHECK_EQ(kid[6].aux, 1); /* its b_iodone: the split's */
		if (kid[4].tsc > last_piece_done)
			last_piece_done = kid[4].tsc;
	}
	CHECK_EQ(pieces, 2);
	CHECK(trace_find(recs, n, TR_BIODONE)->tsc > last_piece_done,
	      "the parent completed before a piece");
}

TEST(trace_a_chain_is_queued_whole_before_the_driver_sees_it)
{
	static struct buf b[3];
	const struct bdev *rd1 = bdev_by_name("rd1");
	uint64_t from = trace_fresh(NODEV);

	for (int i = 0; i < 3; i++) {
		memset(&b[i], 0, sizeof(b[i]));
		b[i].b_flags = B_READ;
		b[i].b_dev = rd1->dev;
		b[i].b_blkno = 100 + 8 * i;
		b[i].b_bcount = 4096;
		b[i].b_un.b_addr = data + 4096 * i;
		b[i].av_forw = i < 2 ? &b[i + 1] : NULL;
	}
	bdev_strategy(&b[0]);
	for (int i = 0; i < 3; i++)
		biowait(&b[i]);
	trace_stop();
	struct trace_rec r;
	int queued = 0, inserted_before_all_queued = 0;
	for (uint64_t i = from; i < trace_written(); i++) {
		if (!trace_get(i, &r))
			continue;
		if (r.act == TR_QUEUE)
			queued++;
		if (r.act == TR_INSERT && queued < 3)
			inserted_before_all_queued = 1;
	}
	CHECK_EQ(queued, 3);
	CHECK(!inserted_before_all_queued,
	      "the driver saw the chain before it was all queued");
	for (int i = 0; i < 3; i++) {
		int n = trace_collect(&b[i], from, recs, TRACETEST_MAX);
		CHECK_STR(trace_stages(recs, n),
			  "queued,inserted,issued,interrupt,biodone,deferred,"
			  "completion,woken,biowait");
	}
}

TEST(trace_a_cache_hit_is_an_event_with_no_request)
{
	struct buf *bp;
	const struct bdev *rd1 = bdev_by_name("rd1");

	binval(rd1->dev);
	uint64_t from = trace_fresh(NODEV);
	CHECK_EQ(bread(rd1->dev, 300, DEV_BSIZE, &bp), 0);
	struct buf *first = bp;
	brelse(bp);
	uint64_t mid = trace_written();
	CHECK_EQ(bread(rd1->dev, 300, DEV_BSIZE, &bp), 0);
	brelse(bp);
	trace_stop();
	int n = trace_collect(first, from, recs, TRACETEST_MAX);
	CHECK_STR(trace_stages(recs, n),
		  "cache miss,queued,inserted,issued,interrupt,biodone,"
		  "deferred,completion,woken,biowait,cache hit");
	CHECK_EQ(recs[n - 1].blkno, 300);
	n = trace_collect(bp, mid, recs, TRACETEST_MAX);
	CHECK_STR(trace_stages(recs, n), "cache hit");
}

TEST(trace_an_async_write_ends_released_with_no_waiter)
{
	const struct bdev *rd1 = bdev_by_name("rd1");
	struct buf *bp = getblk(rd1->dev, 400, DEV_BSIZE);

	CHECK(bp != NULL, "getblk failed");
	memset(bp->b_un.b_addr, 0x5A, DEV_BSIZE);
	uint64_t from = trace_fresh(NODEV);
	bawrite(bp);
	CHECK_EQ(bflush(rd1->dev), 0); /* waits for the async writes */
	trace_stop();
	int n = trace_collect(bp, from, recs, TRACETEST_MAX);
	CHECK_STR(trace_stages(recs, n),
		  "queued,inserted,issued,interrupt,biodone,deferred,"
		  "completion,released");
	CHECK_EQ(recs[0].flags & (TRF_READ | TRF_ASYNC), TRF_ASYNC);
	CHECK_EQ(trace_find(recs, n, TR_RELEASE)->ipl, IPL_IODONE);
}

TEST(trace_a_delayed_write_and_sync_are_events)
{
	const struct bdev *rd0 = bdev_by_name("rd0");
	struct buf *bp = getblk(rd0->dev, 410, DEV_BSIZE);

	CHECK(bp != NULL, "getblk failed");
	uint64_t from = trace_fresh(NODEV);
	bdwrite(bp);
	CHECK_EQ(bflush(rd0->dev), 0);
	trace_stop();
	int n = trace_collect(bp, from, recs, TRACETEST_MAX);
	CHECK_STR(trace_stages(recs, n),
		  "delayed write,queued,inserted,issued,biodone,completion,"
		  "released");
	struct trace_rec r;
	int flushes = 0;
	for (uint64_t i = from; i < trace_written(); i++)
		flushes += trace_get(i, &r) && r.act == TR_CACHE_FLUSH &&
			   r.dev == rd0->dev;
	CHECK_EQ(flushes, 1);
}

TEST(trace_a_device_filter_keeps_other_devices_out)
{
	static struct buf a, b;
	const struct bdev *rd0 = bdev_by_name("rd0");
	uint64_t from = trace_fresh(rd0->dev);

	read_raw(&a, rd0, 20, 512);
	read_raw(&b, bdev_by_name("rd1"), 20, 512);
	trace_stop();
	CHECK(trace_collect(&a, from, recs, TRACETEST_MAX) > 0,
	      "rd0's request is missing");
	CHECK_EQ(trace_collect(&b, from, recs, TRACETEST_MAX), 0);
	CHECK_EQ(trace_start(makedev(MAJOR_SD, 99)), ENXIO);
	CHECK_EQ(trace_on, 0);
}

TEST(trace_off_records_nothing)
{
	static struct buf b;

	trace_stop();
	uint64_t before = trace_written();
	read_raw(&b, bdev_by_name("rd1"), 30, 512);
	CHECK_EQ(trace_written(), before);
}

TEST(trace_latency_histograms_count_every_request_of_the_device)
{
	static struct buf b;
	const struct bdev *rd1 = bdev_by_name("rd1");

	trace_fresh(rd1->dev);
	for (int i = 0; i < 20; i++)
		read_raw(&b, rd1, i * 8, 4096);
	trace_stop();
	for (int s = 0; s < TS_NSTAGE; s++) {
		const struct trace_hist *h = trace_hist(rd1->dev, s);
		CHECK(h != NULL, "no histogram for %s", trace_stage_name(s));
		CHECK(h->count == 20, "%s: %llu samples, expected 20",
		      trace_stage_name(s), (unsigned long long)h->count);
		CHECK(h->min <= trace_hist_pct(h, 50) &&
			      trace_hist_pct(h, 50) <= trace_hist_pct(h, 99) &&
			      trace_hist_pct(h, 99) <= h->max,
		      "%s: min %llu p50 %llu p99 %llu max %llu out of order",
		      trace_stage_name(s), (unsigned long long)h->min,
		      (unsigned long long)trace_hist_pct(h, 50),
		      (unsigned long long)trace_hist_pct(h, 99),
		      (unsigned long long)h->max);
	}
	/* the whole is at least its parts */
	const struct trace_hist *total = trace_hist(rd1->dev, TS_TOTAL);
	const struct trace_hist *dev = trace_hist(rd1->dev, TS_DEVICE);
	CHECK(total->sum >= dev->sum, "whole %llu < device %llu",
	      (unsigned long long)total->sum, (unsigned long long)dev->sum);
	trace_hist_clear();
	CHECK(trace_hist(rd1->dev, TS_TOTAL) == NULL, "not cleared");
}

TEST(trace_ring_overflow_drops_the_oldest_counts_them_and_keeps_the_rest)
{
	uint32_t cap = trace_capacity();
	struct trace_rec r;

	trace_fresh(NODEV);
	for (uint32_t i = 0; i < cap + 1000; i++)
		trace_event(TR_CACHE_FLUSH, NODEV, i, i, 0, i);
	trace_stop();
	CHECK_EQ(trace_written(), cap + 1000);
	CHECK_EQ(trace_dropped(), 1000);
	CHECK(!trace_get(999, &r), "record 999 should be gone");
	for (uint32_t i = 1000; i < cap + 1000; i++) {
		CHECK(trace_get(i, &r), "record %u unreadable", i);
		CHECK(r.aux == i && r.blkno == i && r.bytes == i &&
			      r.act == TR_CACHE_FLUSH,
		      "record %u holds %u/%llu/%u", i, r.aux,
		      (unsigned long long)r.blkno, r.bytes);
	}
	trace_clear();
	CHECK_EQ(trace_written(), 0);
	CHECK(!trace_get(0, &r), "a cleared ring still has record 0");
}

/* A writer interrupted after taking its number, before its last store:
 * the slot still holds a record from before the clear with that very
 * number, which must not pass for the new one. */
TEST(trace_a_record_taken_but_not_written_is_never_read_as_whole)
{
	struct trace_rec r;

	trace_fresh(NODEV);
	trace_event(TR_CACHE_FLUSH, NODEV, 7, 7, 0, 7);
	CHECK(trace_get(0, &r) && r.aux == 7, "record 0 not written");
	trace_clear();
	CHECK_EQ(trace_reserve(), 0);
	CHECK_EQ(trace_written(), 1);
	CHECK(!trace_get(0, &r), "record 0 read whole before it was written");
	trace_event(TR_CACHE_FLUSH, NODEV, 8, 8, 0, 8);
	CHECK(trace_get(1, &r) && r.aux == 8, "record 1 not written");
	trace_stop();
	trace_clear();
}

/* The record keeps the buf's b_error only while B_ERROR says it is
 * this request's: a reused buf's old error is not shown. */
TEST(trace_error_is_shown_only_with_b_error)
{
	static struct buf b;
	struct trace_rec r;

	trace_fresh(NODEV);
	memset(&b, 0, sizeof(b));
	b.b_dev = bdev_by_name("rd0")->dev;
	b.b_bcount = 512;
	b.b_flags = B_READ;
	b.b_error = EIO; /* left from an earlier request */
	trace_record(TR_BIODONE, &b, 0);
	b.b_flags |= B_ERROR;
	trace_record(TR_BIODONE, &b, 0);
	trace_stop();
	CHECK(trace_get(0, &r), "record 0 unreadable");
	CHECK_EQ(r.error, 0);
	CHECK_EQ(r.flags & TRF_READ, TRF_READ);
	CHECK(trace_get(1, &r), "record 1 unreadable");
	CHECK_EQ(r.error, EIO);
	trace_clear();
}
