/*
 * test_bdep.c: write-order dependencies (bdep.c): a buffer that waits
 * for another block reaches the disk only after that block's write has
 * completed, whichever path writes it (bflush and its clusters, bwrite,
 * the free list), and a loop is broken, not slept on.  On rd1, whose
 * writes complete a clock tick after they start, so a write issued
 * too early is seen in the trace before the other's completion.
 */
#include <stddef.h>
#include <stdint.h>

#include "blk/bcache.h"
#include "blk/bdep.h"
#include "blk/bdev.h"
#include "ktest.h"
#include "pattern.h"
#include "ramdisk.h"
#include "tracetest.h"

#define BS  4096 /* page-sized, so the flush clusters neighbours */
#define SPB (BS / DEV_BSIZE)

/* Block blk of bd, BS bytes of the pattern, left a delayed write
 * (held instead if keep) */
static struct buf *
dirty(const struct bdev *bd, daddr_t blk, int keep)
{
	struct buf *bp = getblk(bd->dev, blk, BS);

	if (!bp)
		return NULL;
	for (int i = 0; i < SPB; i++)
		pattern_fill((char *)bp->b_un.b_addr + i * DEV_BSIZE,
			     minor(bd->dev), (uint64_t)blk + i);
	if (!keep) {
		bdwrite(bp);
		return NULL;
	}
	return bp;
}

/* Block dblk of bd dirty and held, waiting for block tblk, dirty too */
static struct buf *
waits_for(const struct bdev *bd, daddr_t dblk, daddr_t tblk)
{
	dirty(bd, tblk, 0);
	struct buf *d = dirty(bd, dblk, 1);
	if (d && bdep(d, bd->dev, tblk)) {
		brelse(d);
		return NULL;
	}
	return d;
}

/* The record number of the first `act` (TR_QUEUE, TR_COMPLETE) of a
 * write covering block blk of dev from record `from` on; UINT64_MAX for
 * none. */
static uint64_t
when(dev_t dev, uint64_t from, daddr_t blk, int act)
{
	struct trace_rec r;

	for (uint64_t i = from; i < trace_written(); i++)
		if (trace_get(i, &r) && r.act == act && r.dev == dev &&
		    !(r.flags & TRF_READ) && (daddr_t)r.blkno <= blk &&
		    blk < (daddr_t)(r.blkno +
				    (r.bytes ? r.bytes : BS) / DEV_BSIZE))
			return i;
	return UINT64_MAX;
}

static int
on_disk(const struct bdev *bd, daddr_t blk)
{
	const uint8_t *d = ramdisk_data(minor(bd->dev));

	return pattern_check_range(d + blk * DEV_BSIZE, SPB, minor(bd->dev),
				   (uint64_t)blk) < 0;
}

/* first's write completed before then's was queued (both written) */
#define CHECK_ORDER(bd, from, first, then)                                     \
	do {                                                                   \
		uint64_t c = when((bd)->dev, from, first, TR_COMPLETE);        \
		uint64_t q = when((bd)->dev, from, then, TR_QUEUE);            \
		CHECK(c != UINT64_MAX && q != UINT64_MAX,                      \
		      "block %d or %d never written (records %llu, %llu)",     \
		      (int)(first), (int)(then), (unsigned long long)c,        \
		      (unsigned long long)q);                                  \
		CHECK(c < q,                                                   \
		      "block %d queued (record %llu) before block %d, which "  \
		      "it waits for, completed (record %llu)",                 \
		      (int)(then), (unsigned long long)q, (int)(first),        \
		      (unsigned long long)c);                                  \
	} while (0)

TEST(bdep_bflush_writes_the_block_depended_on_first_and_clusters_around)
{
	struct bdev *bd = bdev_by_name("rd1");

	CHECK_EQ(bflush(bd->dev), 0);
	/* a dirty run 1000-1031 whose middle block waits for 1200: block
	 * order would write the run, 1008 in it, first */
	struct buf *d = NULL;
	for (int i = 0; i < 4; i++) {
		struct buf *bp = dirty(bd, 1000 + i * SPB, i == 1);
		if (i == 1)
			d = bp;
	}
	CHECK(d != NULL, "getblk failed");
	dirty(bd, 1200, 0);
	uint64_t added = bdep_stats.added;
	CHECK_EQ(bdep(d, bd->dev, 1200), 0);
	CHECK(bdep_stats.added == added + 1, "no dependency recorded");
	bdwrite(d);
	uint64_t from = trace_fresh(bd->dev);
	CHECK_EQ(bflush(bd->dev), 0);
	trace_stop();
	CHECK_ORDER(bd, from, 1200, 1000 + SPB);
	for (int i = 0; i < 4; i++)
		CHECK(on_disk(bd, 1000 + i * SPB), "block %d not written",
		      1000 + i * SPB);
	CHECK(on_disk(bd, 1200), "block 1200 not written");
}

TEST(bdep_bwrite_waits_for_the_block_depended_on)
{
	struct bdev *bd = bdev_by_name("rd1");

	CHECK_EQ(bflush(bd->dev), 0);
	struct buf *d = waits_for(bd, 1300, 1400);
	CHECK(d != NULL, "getblk or bdep failed");
	uint64_t from = trace_fresh(bd->dev);
	CHECK_EQ(bwrite(d), 0);
	trace_stop();
	CHECK_ORDER(bd, from, 1400, 1300);
	CHECK(on_disk(bd, 1300) && on_disk(bd, 1400), "not both written");
}

TEST(bdep_the_free_list_passes_a_waiting_buffer_by)
{
	struct bdev *bd = bdev_by_name("rd1");
	int saved = bcache_stats.nbuf;

	CHECK_EQ(bflush(bd->dev), 0);
	CHECK_EQ(bcache_resize(64), 0); /* eviction comes fast */
	/* the waiting one is the least recently used: the first met */
	struct buf *d = dirty(bd, 1500, 1);
	CHECK(d != NULL, "getblk failed");
	dirty(bd, 1600, 0);
	CHECK_EQ(bdep(d, bd->dev, 1600), 0);
	bdwrite(d);
	uint64_t from = trace_fresh(bd->dev);
	for (int i = 0; i < 2 * bcache_stats.nbuf; i++) {
		struct buf *bp;
		CHECK_EQ(bread(bd->dev, 2000 + i * SPB, BS, &bp), 0);
		brelse(bp);
	}
	CHECK_EQ(bflush(bd->dev), 0);
	trace_stop();
	CHECK_ORDER(bd, from, 1600, 1500);
	CHECK(on_disk(bd, 1500) && on_disk(bd, 1600), "not both written");
	CHECK_EQ(bcache_resize(saved), 0);
}

TEST(bdep_on_a_clean_block_records_nothing)
{
	struct bdev *bd = bdev_by_name("rd1");
	struct buf *t, *d;

	CHECK_EQ(bflush(bd->dev), 0);
	CHECK_EQ(bread(bd->dev, 1700, BS, &t), 0);
	brelse(t); /* cached, clean */
	d = dirty(bd, 1710, 1);
	CHECK(d != NULL, "getblk failed");
	uint64_t added = bdep_stats.added;
	CHECK_EQ(bdep(d, bd->dev, 1700), 0); /* on the disk already */
	CHECK_EQ(bdep(d, bd->dev, 1800), 0); /* not even cached */
	CHECK(bdep_stats.added == added, "recorded a needless dependency");
	CHECK(d->b_dep == NULL, "the buffer waits for something");
	bdwrite(d);
	CHECK_EQ(bflush(bd->dev), 0);
}

TEST(bdep_a_loop_is_broken_with_a_message_not_slept_on)
{
	struct bdev *bd = bdev_by_name("rd1");

	CHECK_EQ(bflush(bd->dev), 0);
	struct buf *d = waits_for(bd, 1910, 1900);
	CHECK(d != NULL, "getblk or bdep failed");
	bdwrite(d);
	/* this thread holds the block 1910 waits for, and writes 1910 */
	struct buf *t = getblk(bd->dev, 1900, BS);
	d = getblk(bd->dev, 1910, BS);
	uint64_t broken = bdep_stats.broken;
	CHECK_EQ(bwrite(d), 0);
	CHECK(bdep_stats.broken == broken + 1, "the loop was not counted");
	bdwrite(t);
	CHECK_EQ(bflush(bd->dev), 0);
	CHECK(on_disk(bd, 1900) && on_disk(bd, 1910), "not both written");
}

TEST(bdep_bwrite_all_starts_every_write_before_it_waits)
{
	struct bdev *bd = bdev_by_name("rd1");
	struct buf *w[3];

	CHECK_EQ(bflush(bd->dev), 0);
	for (int i = 0; i < 3; i++) {
		w[i] = dirty(bd, 2100 + i * 100, 1);
		CHECK(w[i] != NULL, "getblk failed");
	}
	uint64_t from = trace_fresh(bd->dev);
	CHECK_EQ(bwrite_all(w, 3), 0);
	trace_stop();
	uint64_t first_done = when(bd->dev, from, 2100, TR_COMPLETE);
	uint64_t last_queued = when(bd->dev, from, 2300, TR_QUEUE);
	CHECK(last_queued != UINT64_MAX && first_done != UINT64_MAX,
	      "a write is missing from the trace");
	CHECK(last_queued < first_done,
	      "the third write was queued (record %llu) after the first "
	      "completed (record %llu): one at a time",
	      (unsigned long long)last_queued, (unsigned long long)first_done);
	for (int i = 0; i < 3; i++)
		CHECK(on_disk(bd, 2100 + i * 100), "block %d not written",
		      2100 + i * 100);
}
