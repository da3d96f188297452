/*
 * test_cluster.c: read-ahead and write-behind in clusters
 * (kernel/blk/cluster.c) and the pool's byte budget, on rd0 (completes
 * at once) and rd1 (completes on the clock, so read-ahead is in flight
 * while the reader reads).  What reached the device is read from the
 * trace (one TR_QUEUE per transfer), what it holds from its memory.
 */
#include <stddef.h>
#include <stdint.h>

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "errno.h"
#include "ktest.h"
#include "pattern.h"
#include "ramdisk.h"
#include "rand.h"
#include "tracetest.h"

#define BS	     4096
#define BLKS	     (BS / DEV_BSIZE)
#define MAXQ	     512
#define CLUSTER_ID   900 /* the pattern's id: CLUSTER_ID + the unit */
#define SEQ_BYTES    (2 * 1024 * 1024)
#define CLUSTER_BLKS (CLUSTER_MAX / DEV_BSIZE)
#define BUDGET	     (2 * CLUSTER_MAX)

static struct trace_rec q[MAXQ];

#define FOR_EACH_RD(bd)                                                        \
	for (struct bdev *bd = bdev_by_name("rd0"); bd;                        \
	     bd = bd == bdev_by_name("rd0") ? bdev_by_name("rd1") : NULL)

/* The disk's blocks [blk, blk + n) hold the pattern of id, as the host
 * would see them (the RAM disk's memory). */
static void
disk_fill(const struct bdev *bd, daddr_t blk, uint32_t n, uint32_t id)
{
	uint8_t *d = ramdisk_data(minor(bd->dev));

	for (uint32_t i = 0; i < n; i++)
		pattern_fill(d + (blk + i) * DEV_BSIZE, id, (uint64_t)blk + i);
}

/* -1 if they do, or the first block that does not */
static daddr_t
disk_check(const struct bdev *bd, daddr_t blk, uint32_t n, uint32_t id)
{
	int bad = pattern_check_range(ramdisk_data(minor(bd->dev)) +
					      blk * DEV_BSIZE,
				      n, id, (uint64_t)blk);

	return bad < 0 ? -1 : blk + bad;
}

/* bp holds blocks from blk with the pattern of id */
static int
buf_holds(const struct buf *bp, daddr_t blk, uint32_t id)
{
	return pattern_check_range(bp->b_un.b_addr, bp->b_bcount / DEV_BSIZE,
				   id, (uint64_t)blk) < 0;
}

/* Wait (bounded) until no write of the cache's is in flight. */
static void
settle(const struct bdev *bd)
{
	CHECK_EQ(bflush(bd->dev), 0);
}

TEST(cluster_sequential_reads_grow_to_one_256k_transfer_per_window)
{
	FOR_EACH_RD(bd)
	{
		uint32_t id = CLUSTER_ID + (uint32_t)minor(bd->dev);
		struct readahead ra = {.next = -1};
		uint64_t issued = bcache_stats.ra_issued,
			 used = bcache_stats.ra_used;
		settle(bd);
		disk_fill(bd, 0, SEQ_BYTES / DEV_BSIZE, id);
		binval(bd->dev);
		uint64_t from = trace_fresh(bd->dev);
		for (daddr_t b = 0; b < SEQ_BYTES / DEV_BSIZE; b += BLKS) {
			struct buf *bp;
			CHECK_EQ(bread_seq(bd->dev, b, BS, &ra, &bp), 0);
			int ok = buf_holds(bp, b, id);
			brelse(bp);
			CHECK(ok, "%s: block %lld read wrong", bd->name, b);
		}
		trace_stop();
		int n = trace_queued(bd->dev, from, q, MAXQ), within = 0;
		uint32_t most = 0;
		uint64_t bytes = 0;
		for (int i = 0; i < n; i++) {
			CHECK(q[i].flags & TRF_READ, "%s: a write", bd->name);
			most = q[i].bytes > most ? q[i].bytes : most;
			bytes += q[i].bytes;
			within += q[i].blkno < SEQ_BYTES / DEV_BSIZE;
		}
		/* windows of 16, 32, 64, 128 KiB, then of 256 KiB transfers:
		 * about a dozen for what was read, where 4 KiB blocks read
		 * alone were 512 */
		CHECK_EQ(most, CLUSTER_MAX);
		CHECK(within <= SEQ_BYTES / CLUSTER_MAX + 8,
		      "%s: %d transfers for %d KiB read in order", bd->name,
		      within, SEQ_BYTES / 1024);
		/* nothing read twice; at most the last window and a half
		 * unused */
		CHECK(bytes <= SEQ_BYTES + RA_MAX + RA_MAX / 2,
		      "%s: %llu bytes read for %d", bd->name,
		      (unsigned long long)bytes, SEQ_BYTES);
		uint64_t started = bcache_stats.ra_issued - issued;
		CHECK(bcache_stats.ra_used - used + (RA_MAX * 3 / 2) / BS >=
			      started,
		      "%s: %llu read ahead, %llu used", bd->name,
		      (unsigned long long)started,
		      (unsigned long long)(bcache_stats.ra_used - used));
	}
}

/* A reader in pieces smaller than a block (dd bs=1000) asks for each
 * block several times in a row: still in order, read ahead as well. */
TEST(cluster_reads_smaller_than_a_block_are_read_ahead_too)
{
	FOR_EACH_RD(bd)
	{
		struct readahead ra = {.next = -1};
		binval(bd->dev);
		uint64_t from = trace_fresh(bd->dev);
		for (uint32_t off = 0; off < SEQ_BYTES; off += 1000) {
			struct buf *bp;
			daddr_t b = off / BS * BLKS;
			CHECK_EQ(bread_seq(bd->dev, b, BS, &ra, &bp), 0);
			brelse(bp);
		}
		trace_stop();
		int n = trace_queued(bd->dev, from, q, MAXQ), within = 0;
		for (int i = 0; i < n; i++)
			within += q[i].blkno < SEQ_BYTES / DEV_BSIZE;
		CHECK(within <= SEQ_BYTES / CLUSTER_MAX + 8,
		      "%s: %d transfers for %d KiB read in 1000-byte pieces",
		      bd->name, within, SEQ_BYTES / 1024);
	}
}

/* Read-ahead is started by a miss or by a block read ahead, not by
 * blocks the cache held already (read or written by other means): a
 * warm re-read starts nothing, and spends nothing looking for blocks
 * to read, even where the blocks after it are not cached. */
TEST(cluster_a_warm_reread_reads_nothing_ahead)
{
	FOR_EACH_RD(bd)
	{
		struct readahead ra = {.next = -1};
		struct buf *bp;
		binval(bd->dev);
		for (daddr_t b = 0; b < SEQ_BYTES / DEV_BSIZE; b += BLKS) {
			CHECK_EQ(bread(bd->dev, b, BS, &bp), 0);
			brelse(bp);
		}
		uint64_t issued = bcache_stats.ra_issued;
		uint64_t from = trace_fresh(bd->dev);
		for (daddr_t b = 0; b < SEQ_BYTES / DEV_BSIZE; b += BLKS) {
			CHECK_EQ(bread_seq(bd->dev, b, BS, &ra, &bp), 0);
			brelse(bp);
		}
		trace_stop();
		CHECK_EQ(bcache_stats.ra_issued - issued, 0);
		CHECK_EQ(trace_queued(bd->dev, from, q, MAXQ), 0);
	}
}

TEST(cluster_random_reads_read_nothing_ahead)
{
	FOR_EACH_RD(bd)
	{
		struct readahead ra = {.next = -1};
		uint32_t rng = 7;
		binval(bd->dev);
		uint64_t issued = bcache_stats.ra_issued;
		uint64_t from = trace_fresh(bd->dev);
		daddr_t last = -1;
		for (int i = 0; i < 64; i++) {
			daddr_t b =
				(daddr_t)(rand32(&rng) % (bd->nblocks / BLKS)) *
				BLKS;
			if (b == last + BLKS)
				continue; /* (that one would be in order) */
			struct buf *bp;
			CHECK_EQ(bread_seq(bd->dev, b, BS, &ra, &bp), 0);
			brelse(bp);
			last = b;
		}
		trace_stop();
		CHECK_EQ(bcache_stats.ra_issued - issued, 0);
		int n = trace_queued(bd->dev, from, q, MAXQ);
		for (int i = 0; i < n; i++)
			CHECK_EQ(q[i].bytes, BS);
	}
}

TEST(cluster_read_ahead_stops_at_the_end_of_the_device)
{
	FOR_EACH_RD(bd)
	{
		struct readahead ra = {.next = -1};
		daddr_t start = (daddr_t)bd->nblocks - 2 * CLUSTER_BLKS;
		binval(bd->dev);
		uint64_t from = trace_fresh(bd->dev);
		for (daddr_t b = start; b + BLKS <= (daddr_t)bd->nblocks;
		     b += BLKS) {
			struct buf *bp;
			CHECK_EQ(bread_seq(bd->dev, b, BS, &ra, &bp), 0);
			brelse(bp);
		}
		trace_stop();
		int n = trace_queued(bd->dev, from, q, MAXQ);
		CHECK(n > 1, "%s: %d transfers", bd->name, n);
		for (int i = 0; i < n; i++)
			CHECK((daddr_t)q[i].blkno + q[i].bytes / DEV_BSIZE <=
				      (daddr_t)bd->nblocks,
			      "%s: read of %u bytes at %llu, past the end %llu",
			      bd->name, q[i].bytes,
			      (unsigned long long)q[i].blkno,
			      (unsigned long long)bd->nblocks);
	}
}

/* Dirty the 4 KiB blocks at first, first + BLKS, ... (count of them)
 * with the pattern of id, the last first: the opposite of block order. */
static void
dirty_run(const struct bdev *bd, daddr_t first, int count, uint32_t id)
{
	for (int i = count - 1; i >= 0; i--) {
		daddr_t b = first + (daddr_t)i * BLKS;
		struct buf *bp = getblk(bd->dev, b, BS);
		CHECK(bp != NULL, "getblk");
		for (int s = 0; s < BLKS; s++)
			pattern_fill((uint8_t *)bp->b_un.b_addr + s * DEV_BSIZE,
				     id, (uint64_t)b + s);
		bdwrite(bp);
	}
}

TEST(cluster_delayed_writes_go_out_in_block_order_and_in_clusters)
{
	FOR_EACH_RD(bd)
	{
		uint32_t id = CLUSTER_ID + 10 + (uint32_t)minor(bd->dev);
		settle(bd);
		binval(bd->dev);
		/* dirtied high first: 40 blocks at 4000 (160 KiB), then 72
		 * at 1000 (288 KiB: a whole cluster and 32 KiB more) */
		dirty_run(bd, 4000, 40, id);
		dirty_run(bd, 1000, 72, id);
		uint64_t from = trace_fresh(bd->dev);
		CHECK_EQ(bflush(bd->dev), 0);
		trace_stop();
		int n = trace_queued(bd->dev, from, q, MAXQ);
		CHECK_EQ(n, 3);
		for (int i = 1; i < n; i++)
			CHECK(q[i].blkno > q[i - 1].blkno,
			      "%s: write %d at %llu after one at %llu",
			      bd->name, i, (unsigned long long)q[i].blkno,
			      (unsigned long long)q[i - 1].blkno);
		CHECK_EQ(q[0].blkno, 1000);
		CHECK_EQ(q[0].bytes, CLUSTER_MAX);
		CHECK_EQ(q[1].bytes, 8 * BS);
		CHECK_EQ(q[2].bytes, 40 * BS);
		CHECK_EQ(disk_check(bd, 1000, 72 * BLKS, id), -1);
		CHECK_EQ(disk_check(bd, 4000, 40 * BLKS, id), -1);
	}
}

TEST(cluster_a_bad_block_in_a_read_cluster_fails_alone)
{
	FOR_EACH_RD(bd)
	{
		uint32_t id = CLUSTER_ID + 20 + (uint32_t)minor(bd->dev);
		struct readahead ra = {.next = -1};
		daddr_t bad = 3000 + 5 * BLKS + 3, first = 3000;
		settle(bd);
		disk_fill(bd, first, 64 * BLKS, id);
		binval(bd->dev);
		ramdisk_inject_error(minor(bd->dev), bad, EIO);
		int fails = 0;
		for (daddr_t b = first; b < first + 64 * BLKS; b += BLKS) {
			struct buf *bp;
			int err = bread_seq(bd->dev, b, BS, &ra, &bp);
			int in = bad >= b && bad < b + BLKS;
			CHECK_EQ(err, in ? EIO : 0);
			if (err) {
				fails++;
				continue;
			}
			int ok = buf_holds(bp, b, id);
			brelse(bp);
			CHECK(ok, "%s: block %lld read wrong", bd->name, b);
		}
		ramdisk_inject_error(minor(bd->dev), 0, 0);
		CHECK_EQ(fails, 1);
	}
}

TEST(cluster_a_bad_block_in_a_write_cluster_fails_alone)
{
	FOR_EACH_RD(bd)
	{
		uint32_t id = CLUSTER_ID + 30 + (uint32_t)minor(bd->dev);
		daddr_t bad = 5000 + 9 * BLKS + 1;
		settle(bd);
		binval(bd->dev);
		disk_fill(bd, 5000, 32 * BLKS, id - 1);
		dirty_run(bd, 5000, 32, id);
		uint64_t failed = bcache_stats.write_errors;
		ramdisk_inject_error(minor(bd->dev), bad, EIO);
		CHECK_EQ(bflush(bd->dev), EIO);
		ramdisk_inject_error(minor(bd->dev), 0, 0);
		CHECK_EQ(bcache_stats.write_errors - failed, 1);
		/* every other block written; the bad one's old data stays */
		CHECK_EQ(disk_check(bd, 5000, 9 * BLKS, id), -1);
		CHECK_EQ(disk_check(bd, bad - 1 + BLKS, 22 * BLKS, id), -1);
		CHECK_EQ(disk_check(bd, bad - 1, BLKS, id - 1), -1);
	}
}

TEST(cluster_the_pool_keeps_its_data_within_its_budget)
{
	struct bdev *bd = bdev_by_name("rd0");
	uint64_t saved = bcache_stats.budget, most = 0;
	struct readahead ra = {.next = -1};

	/* a cluster being read is held, so the budget is two */
	CHECK_EQ(bsync(), 0);
	bcache_set_budget(BUDGET);
	CHECK(bcache_stats.data_bytes <= BUDGET, "%llu bytes kept",
	      (unsigned long long)bcache_stats.data_bytes);
	for (daddr_t b = 0; b < 4096; b += BLKS) { /* 2 MiB in order */
		struct buf *bp;
		CHECK_EQ(bread_seq(bd->dev, b, BS, &ra, &bp), 0);
		brelse(bp);
		if (bcache_stats.data_bytes > most)
			most = bcache_stats.data_bytes;
	}
	/* what it read last is what it kept */
	CHECK(bcache_peek(bd->dev, 4096 - BLKS) != NULL,
	      "the last block read was not kept");
	bcache_set_budget(saved);
	CHECK(most <= BUDGET, "%llu bytes held with a budget of %d",
	      (unsigned long long)most, BUDGET);
}

/* A pool at its budget makes room for each new block from the least
 * recently used buffers that hold memory, never walking over the
 * thousands of headers that hold none: a few buffers looked at per
 * block read, whatever the pool's size. */
TEST(cluster_a_full_pool_makes_room_without_walking_empty_headers)
{
	struct bdev *bd = bdev_by_name("rd0");
	uint64_t saved = bcache_stats.budget;
	struct readahead ra = {.next = -1};

	CHECK_EQ(bsync(), 0);
	bcache_set_budget(BUDGET);
	binval(bd->dev);
	uint64_t visits = bcache_stats.room_visits,
		 blocks = bcache_stats.misses + bcache_stats.ra_issued;
	for (daddr_t b = 0; b < 8192; b += BLKS) { /* 4 MiB, 8 budgets */
		struct buf *bp;
		CHECK_EQ(bread_seq(bd->dev, b, BS, &ra, &bp), 0);
		brelse(bp);
	}
	bcache_set_budget(saved);
	visits = bcache_stats.room_visits - visits;
	blocks = bcache_stats.misses + bcache_stats.ra_issued - blocks;
	CHECK(bcache_stats.nbuf > 1000 && visits <= 4 * blocks,
	      "%llu buffers looked at for %llu blocks read (%d headers)",
	      (unsigned long long)visits, (unsigned long long)blocks,
	      bcache_stats.nbuf);
}
