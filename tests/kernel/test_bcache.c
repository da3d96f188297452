/*
 * test_bcache.c: the buffer cache: accounting, ownership, delayed writes,
 * read-ahead, errors, and threads sharing blocks; on rd0 and rd1.
 */
#include <stddef.h>
#include <stdint.h>

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "blk/uio.h"
#include "clock.h"
#include "console.h"
#include "errno.h"
#include "ktest.h"
#include "pattern.h"
#include "ramdisk.h"
#include "string.h"
#include "thread.h"

#define FOR_EACH_RD(bd)                                                        \
	for (struct bdev *bd = bdev_by_name("rd0"); bd;                        \
	     bd = bd == bdev_by_name("rd0") ? bdev_by_name("rd1") : NULL)

static const uint8_t *
disk_block(const struct bdev *bd, daddr_t blk)
{
	return ramdisk_data(minor(bd->dev)) + (uint32_t)blk * DEV_BSIZE;
}

TEST(bcache_bread_counts_a_miss_then_a_hit)
{
	FOR_EACH_RD(bd)
	{
		struct buf *bp;
		binval(bd->dev);
		uint64_t h = bcache_stats.hits, m = bcache_stats.misses;
		CHECK_EQ(bread(bd->dev, 40, DEV_BSIZE, &bp), 0);
		brelse(bp);
		CHECK_EQ(bcache_stats.misses - m, 1);
		CHECK_EQ(bcache_stats.hits - h, 0);
		CHECK_EQ(bread(bd->dev, 40, DEV_BSIZE, &bp), 0);
		brelse(bp);
		CHECK_EQ(bcache_stats.misses - m, 1);
		CHECK_EQ(bcache_stats.hits - h, 1);
	}
}

TEST(bcache_bread_returns_what_the_device_holds)
{
	FOR_EACH_RD(bd)
	{
		struct buf *bp = getblk(bd->dev, 50, DEV_BSIZE);
		CHECK(bp != NULL, "getblk failed");
		pattern_fill(bp->b_un.b_addr, minor(bd->dev), 50);
		CHECK_EQ(bwrite(bp), 0);
		CHECK(pattern_check(disk_block(bd, 50), minor(bd->dev), 50) < 0,
		      "%s: bwrite did not reach the disk", bd->name);
		binval(bd->dev);
		CHECK_EQ(bread(bd->dev, 50, DEV_BSIZE, &bp), 0);
		CHECK(pattern_check(bp->b_un.b_addr, minor(bd->dev), 50) < 0,
		      "%s: bread returned other data", bd->name);
		brelse(bp);
	}
}

/* --- B_BUSY: a second taker sleeps until brelse --- */

static volatile uint64_t taken_at, released_at;
static volatile int taker_got;

static void
second_taker(void *arg)
{
	struct bdev *bd = arg;
	struct buf *bp;

	if (bread(bd->dev, 60, DEV_BSIZE, &bp) == 0) {
		taken_at = clock_ticks();
		taker_got = 1;
		brelse(bp);
	}
}

TEST(bcache_a_held_buffer_makes_a_second_taker_wait_for_brelse)
{
	FOR_EACH_RD(bd)
	{
		struct buf *bp;
		taker_got = 0;
		CHECK_EQ(bread(bd->dev, 60, DEV_BSIZE, &bp), 0);
		uint64_t waits = bcache_stats.waits;
		struct thread *t = thread_create(second_taker, bd, "taker");
		static int nobody;
		tsleep(&nobody, "hold", 30); /* hold it for 30 ms */
		CHECK(!taker_got, "%s: the buffer was taken while held",
		      bd->name);
		released_at = clock_ticks();
		brelse(bp);
		/* bounded: a brelse that wakes nobody fails here, by name,
		 * not by the harness's timeout (the taker is then left) */
		for (int i = 0; i < 2000 && !taker_got; i++)
			tsleep(&nobody, "taker", 1);
		CHECK(taker_got, "%s: the second taker never got it", bd->name);
		thread_join(t);
		CHECK(taken_at >= released_at, "%s: taken before the release",
		      bd->name);
		CHECK(bcache_stats.waits > waits, "%s: nobody waited",
		      bd->name);
	}
}

TEST(bcache_brelse_of_a_buffer_not_held_is_caught_by_brelse_itself)
{
	/* The panic itself is checked by the harness (crash brelse); here:
	 * a held buffer, released, is free and findable again. */
	struct bdev *rd0 = bdev_by_name("rd0");
	struct buf *bp = getblk(rd0->dev, 70, DEV_BSIZE);

	CHECK(bp && (bp->b_flags & B_BUSY), "getblk gave no held buffer");
	brelse(bp);
	CHECK(!(bp->b_flags & B_BUSY), "still B_BUSY after brelse");
	CHECK(bcache_peek(rd0->dev, 70) == bp, "released buffer not cached");
}

/* --- delayed writes: survive eviction pressure and reach the disk --- */

TEST(bcache_a_delayed_write_survives_eviction_and_reaches_the_disk)
{
	int saved = bcache_stats.nbuf;

	CHECK_EQ(bcache_resize(64), 0); /* a small pool: eviction comes fast */
	FOR_EACH_RD(bd)
	{
		CHECK_EQ(bsync(), 0);
		struct buf *bp = getblk(bd->dev, 80, DEV_BSIZE);
		CHECK(bp != NULL, "getblk failed");
		pattern_fill(bp->b_un.b_addr, minor(bd->dev), 80);
		bdwrite(bp);
		CHECK(pattern_check(disk_block(bd, 80), minor(bd->dev), 80) >=
			      0,
		      "%s: bdwrite wrote at once", bd->name);
		/* Read more distinct blocks than there are buffers. */
		struct buf *b2;
		int n = bcache_stats.nbuf + 16;
		uint32_t blocks = bd->nblocks - 200;
		for (int i = 0; i < n; i++) {
			CHECK_EQ(bread(bd->dev, 100 + (i % blocks), DEV_BSIZE,
				       &b2),
				 0);
			brelse(b2);
		}
		CHECK_EQ(bflush(bd->dev), 0); /* async writes have landed */
		CHECK(pattern_check(disk_block(bd, 80), minor(bd->dev), 80) < 0,
		      "%s: the delayed write was lost", bd->name);
	}
	CHECK_EQ(bcache_resize(saved), 0);
}

TEST(bcache_the_syncer_writes_old_delayed_writes)
{
	struct bdev *bd = bdev_by_name("rd1");
	struct buf *bp = getblk(bd->dev, 90, DEV_BSIZE);

	CHECK(bp != NULL, "getblk failed");
	pattern_fill(bp->b_un.b_addr, minor(bd->dev), 90);
	uint64_t sw = bcache_stats.syncer_writes;
	bdwrite(bp);
	static int nobody;
	uint64_t end = clock_ticks() + BCACHE_AGE_TICKS + 3 * HZ;
	while (clock_ticks() < end &&
	       pattern_check(disk_block(bd, 90), minor(bd->dev), 90) >= 0)
		tsleep(&nobody, "syncer", 50);
	CHECK(pattern_check(disk_block(bd, 90), minor(bd->dev), 90) < 0,
	      "the syncer did not write a %d-tick-old delayed write",
	      BCACHE_AGE_TICKS);
	CHECK(bcache_stats.syncer_writes > sw, "syncer_writes not counted");
}

TEST(bcache_sync_writes_every_delayed_write)
{
	FOR_EACH_RD(bd)
	{
		for (int i = 0; i < 10; i++) {
			struct buf *bp = getblk(bd->dev, 500 + i, DEV_BSIZE);
			CHECK(bp != NULL, "getblk failed");
			pattern_fill(bp->b_un.b_addr, minor(bd->dev), 500 + i);
			bdwrite(bp);
		}
		uint64_t fl = bcache_stats.dev_flushes;
		CHECK_EQ(bsync(), 0);
		for (int i = 0; i < 10; i++)
			CHECK(pattern_check(disk_block(bd, 500 + i),
					    minor(bd->dev), 500 + i) < 0,
			      "%s: block %d not written by sync", bd->name,
			      500 + i);
		CHECK(bcache_stats.dev_flushes > fl, "no device flush");
	}
}

TEST(bcache_bawrite_releases_the_buffer_with_no_waiter)
{
	FOR_EACH_RD(bd)
	{
		struct buf *bp = getblk(bd->dev, 95, DEV_BSIZE);
		CHECK(bp != NULL, "getblk failed");
		pattern_fill(bp->b_un.b_addr, minor(bd->dev), 95);
		bawrite(bp);
		static int nobody;
		for (int i = 0; i < 100 && (bp->b_flags & B_BUSY); i++)
			tsleep(&nobody, "bawrite", 1);
		CHECK(!(bp->b_flags & B_BUSY),
		      "%s: the async buffer was never released", bd->name);
		CHECK(bp->b_flags & B_DONE, "%s: no B_DONE", bd->name);
		CHECK(pattern_check(disk_block(bd, 95), minor(bd->dev), 95) < 0,
		      "%s: bawrite did not reach the disk", bd->name);
	}
}

/* --- read-ahead --- */

TEST(bcache_read_ahead_is_used_by_the_next_read)
{
	FOR_EACH_RD(bd)
	{
		struct buf *bp;
		binval(bd->dev);
		uint64_t used = bcache_stats.ra_used,
			 issued = bcache_stats.ra_issued,
			 m = bcache_stats.misses;
		CHECK_EQ(breada(bd->dev, 120, 4096, 128, 4096, &bp), 0);
		brelse(bp);
		CHECK_EQ(bcache_stats.ra_issued - issued, 1);
		static int nobody;
		tsleep(&nobody, "ra", 5); /* let rd1's read-ahead land */
		CHECK_EQ(bread(bd->dev, 128, 4096, &bp), 0);
		brelse(bp);
		CHECK_EQ(bcache_stats.ra_used - used, 1);
		CHECK_EQ(bcache_stats.misses - m, 1); /* only block 120 */
	}
}

TEST(bcache_read_ahead_past_the_end_is_not_started)
{
	struct bdev *bd = bdev_by_name("rd0");
	struct buf *bp;
	uint64_t issued = bcache_stats.ra_issued;

	CHECK_EQ(breada(bd->dev, bd->nblocks - 8, 4096, bd->nblocks, 4096, &bp),
		 0);
	brelse(bp);
	CHECK_EQ(bcache_stats.ra_issued - issued, 0);
}

/* --- errors --- */

TEST(bcache_a_failed_read_is_not_cached)
{
	FOR_EACH_RD(bd)
	{
		struct buf *bp;
		binval(bd->dev);
		ramdisk_inject_error(minor(bd->dev), 140, EIO);
		int err = bread(bd->dev, 140, DEV_BSIZE, &bp);
		ramdisk_inject_error(minor(bd->dev), 0, 0);
		CHECK_EQ(err, EIO);
		CHECK(bp == NULL, "a buffer came back with the error");
		CHECK(bcache_peek(bd->dev, 140) == NULL,
		      "%s: the failed block is still in the cache", bd->name);
		uint64_t m = bcache_stats.misses;
		CHECK_EQ(bread(bd->dev, 140, DEV_BSIZE, &bp), 0);
		brelse(bp);
		CHECK_EQ(bcache_stats.misses - m,
			 1); /* read again, not a hit */
	}
}

TEST(bcache_a_failed_read_ahead_is_not_cached)
{
	struct bdev *bd = bdev_by_name("rd1");
	struct buf *bp;

	binval(bd->dev);
	ramdisk_inject_error(1, 160, EIO);
	CHECK_EQ(breada(bd->dev, 150, 4096, 160, 4096, &bp), 0);
	brelse(bp);
	static int nobody;
	tsleep(&nobody, "ra", 10);
	ramdisk_inject_error(1, 0, 0);
	struct buf *peek = bcache_peek(bd->dev, 160);
	CHECK(peek == NULL || !(peek->b_flags & B_DONE),
	      "a failed read-ahead left valid-looking data");
}

/*
 * An async write that fails is counted on its own device (for the next
 * fsync of a file open on it: file.c) and makes that device's bflush
 * EIO, not another's that only waited while it failed.
 */
TEST(bcache_a_failed_async_write_is_its_own_devices_error)
{
	struct bdev *rd0 = bdev_by_name("rd0"), *rd1 = bdev_by_name("rd1");
	uint32_t e0 = rd0->wb_errors, e1 = rd1->wb_errors;

	CHECK_EQ(bsync(), 0);
	ramdisk_inject_error(1, 170, EIO);
	struct buf *bp = getblk(rd1->dev, 170, DEV_BSIZE);
	CHECK(bp != NULL, "getblk failed");
	bawrite(bp); /* rd1 completes a tick later: during rd0's bflush */
	int err0 = bflush(rd0->dev);
	ramdisk_inject_error(1, 0, 0);
	CHECK_EQ(err0, 0);
	CHECK_EQ(rd1->wb_errors - e1, 1);
	CHECK_EQ(rd1->wb_error, EIO);
	CHECK_EQ(rd0->wb_errors - e0, 0);

	ramdisk_inject_error(1, 171, EIO);
	CHECK((bp = getblk(rd1->dev, 171, DEV_BSIZE)) != NULL, "getblk failed");
	bdwrite(bp);
	err0 = bflush(rd1->dev);
	ramdisk_inject_error(1, 0, 0);
	CHECK_EQ(err0, EIO);
	CHECK_EQ(rd1->wb_errors - e1, 2);

	/* bwrite's caller hears of its failure itself: not counted */
	ramdisk_inject_error(1, 172, EIO);
	CHECK((bp = getblk(rd1->dev, 172, DEV_BSIZE)) != NULL, "getblk failed");
	err0 = bwrite(bp);
	ramdisk_inject_error(1, 0, 0);
	CHECK_EQ(err0, EIO);
	CHECK_EQ(rd1->wb_errors - e1, 2);
}

TEST(bcache_bread_past_the_end_fails_with_enxio)
{
	FOR_EACH_RD(bd)
	{
		struct buf *bp;
		CHECK_EQ(bread(bd->dev, bd->nblocks, DEV_BSIZE, &bp), ENXIO);
		CHECK_EQ(bread(bd->dev, bd->nblocks + 5, DEV_BSIZE, &bp),
			 ENXIO);
		CHECK_EQ(bread(bd->dev, 0, 100, &bp), EINVAL);
	}
}

/* --- threads hammering overlapping blocks --- */

#define HAMMER_THREADS 8
#define HAMMER_ROUNDS  150
#define HAMMER_BLOCKS  4

static void
hammer(void *arg)
{
	struct bdev *bd = arg;
	uint32_t seed = (uint32_t)(uintptr_t)curthread;

	for (int r = 0; r < HAMMER_ROUNDS; r++) {
		seed = seed * 1103515245 + 12345;
		daddr_t blk = 600 + (seed >> 16) % HAMMER_BLOCKS;
		struct buf *bp;
		if (bread(bd->dev, blk, DEV_BSIZE, &bp))
			return;
		uint32_t *w = bp->b_un.b_addr;
		uint32_t v = w[0];
		thread_yield(); /* others try for it while we hold it */
		w[0] = v + 1;
		w[1] = ~(v + 1); /* a torn update would show */
		if (r % 3 == 0)
			bwrite(bp);
		else
			bdwrite(bp);
	}
}

TEST(bcache_threads_hammering_overlapping_blocks_see_consistent_data)
{
	FOR_EACH_RD(bd)
	{
		struct thread *t[HAMMER_THREADS];
		for (int b = 0; b < HAMMER_BLOCKS; b++) {
			struct buf *bp = getblk(bd->dev, 600 + b, DEV_BSIZE);
			CHECK(bp != NULL, "getblk failed");
			memset(bp->b_un.b_addr, 0, DEV_BSIZE);
			((uint32_t *)bp->b_un.b_addr)[1] = ~0u;
			CHECK_EQ(bwrite(bp), 0);
		}
		for (int i = 0; i < HAMMER_THREADS; i++)
			t[i] = thread_create(hammer, bd, "hammer");
		for (int i = 0; i < HAMMER_THREADS; i++) {
			CHECK(t[i] != NULL, "thread_create failed");
			CHECK(thread_join_timeout(t[i], 60 * HZ) == 0,
			      "%s: hammer thread %d still running after 60 s, "
			      "asleep on %s",
			      bd->name, i, t[i]->wmesg ? t[i]->wmesg : "-");
		}
		CHECK_EQ(bsync(), 0);
		uint32_t total = 0;
		for (int b = 0; b < HAMMER_BLOCKS; b++) {
			const uint32_t *w =
				(const uint32_t *)disk_block(bd, 600 + b);
			CHECK(w[1] == ~w[0], "%s: block %d torn: %08x %08x",
			      bd->name, 600 + b, w[0], w[1]);
			total += w[0];
		}
		CHECK(total == HAMMER_THREADS * HAMMER_ROUNDS,
		      "%s: %u increments reached the disk, expected %d",
		      bd->name, total, HAMMER_THREADS * HAMMER_ROUNDS);
	}
}

TEST(bcache_geteblk_gives_a_held_buffer_of_no_device)
{
	struct buf *bp = geteblk(4096);

	CHECK(bp != NULL, "geteblk failed");
	CHECK(bp->b_flags & B_BUSY, "not held");
	CHECK(bp->b_dev == NODEV, "belongs to dev %x", bp->b_dev);
	CHECK(bp->b_bcount == 4096 && bp->b_un.b_addr, "no 4 KiB of data");
	brelse(bp);
}

/*
 * --- a reused buffer starts clean ---
 *
 * The pool at its smallest (BCACHE_NBUF_MIN headers), and blocks of two
 * devices in four sizes read through it in turn, some of them failing:
 * every header is taken over for another block many times.  getblk and
 * geteblk must hand each out without the B_DONE or B_ERROR of its last
 * block (bread would return that block's bytes as this one's, or its
 * error), and every bread returns its own block's bytes.
 */
#define REUSE_BASE   3000 /* blocks REUSE_BASE.. +REUSE_SPAN: this test's */
#define REUSE_SPAN   512
#define REUSE_ROUNDS 4

static uint32_t
reuse_size(int i)
{
	return DEV_BSIZE << (i % 4); /* 512 to 4096 */
}

static int
reuse_block_ok(const struct buf *bp, const struct bdev *bd, daddr_t blk)
{
	for (uint32_t k = 0; k < bp->b_bcount / DEV_BSIZE; k++)
		if (pattern_check((const uint8_t *)bp->b_un.b_addr +
					  k * DEV_BSIZE,
				  minor(bd->dev) + 40, blk + k) >= 0)
			return 0;
	return 1;
}

TEST(bcache_reused_buffers_never_keep_b_done_or_b_error)
{
	int saved = bcache_stats.nbuf;
	int stale = 0, wrong = 0, reads = 0, unfailed = 0, failed = 0;

	FOR_EACH_RD(bd)
	{
		/* each block holds its own pattern, as if the host wrote it */
		uint8_t *disk = ramdisk_data(minor(bd->dev));
		for (daddr_t b = REUSE_BASE; b < REUSE_BASE + REUSE_SPAN; b++)
			pattern_fill(disk + b * DEV_BSIZE, minor(bd->dev) + 40,
				     b);
	}
	CHECK_EQ(bcache_resize(BCACHE_NBUF_MIN), 0);
	CHECK_EQ(bcache_stats.nbuf, BCACHE_NBUF_MIN);
	for (int r = 0; r < REUSE_ROUNDS; r++) {
		for (int i = 0; i < 48; i++) {
			struct bdev *bd = bdev_by_name(i % 2 ? "rd1" : "rd0");
			uint32_t size = reuse_size(i / 2);
			daddr_t blk = REUSE_BASE +
				      ((i * 8 + r * 136) % (REUSE_SPAN - 8));
			blk -= blk % (size / DEV_BSIZE);
			struct buf *bp;
			int cached = bcache_peek(bd->dev, blk) != NULL;
			if (!cached) {
				/* a block not cached: its buffer is a reused one */
				bp = getblk(bd->dev, blk, size);
				CHECK(bp != NULL, "getblk failed");
				if ((bp->b_flags & (B_DONE | B_ERROR)) &&
				    !stale++)
					kprintf("# %s block %lld: getblk gave "
						"flags %04x\n",
						bd->name, blk, bp->b_flags);
				brelse(bp);
			}
			if (i % 5 == 1) { /* and an empty buffer now and then */
				bp = geteblk(size);
				CHECK(bp != NULL, "geteblk failed");
				stale +=
					(bp->b_flags & (B_DONE | B_ERROR)) != 0;
				brelse(bp);
			}
			if (i % 7 == 3 && !cached) {
				/* this one fails, leaving B_ERROR */
				ramdisk_inject_error(minor(bd->dev), blk, EIO);
				int err = bread(bd->dev, blk, size, &bp);
				ramdisk_inject_error(minor(bd->dev), 0, 0);
				if (!err)
					brelse(bp);
				unfailed += err != EIO;
				failed++;
				continue;
			}
			int err = bread(bd->dev, blk, size, &bp);
			reads++;
			if (err) {
				wrong++;
				continue;
			}
			if (!reuse_block_ok(bp, bd, blk) && !wrong++)
				kprintf("# %s block %lld (%u bytes): another "
					"block's bytes\n",
					bd->name, blk, size);
			brelse(bp);
		}
	}
	CHECK_EQ(bcache_resize(saved), 0);
	CHECK(stale == 0,
	      "%d buffers came from getblk or geteblk with the B_DONE or "
	      "B_ERROR of their last block",
	      stale);
	CHECK(wrong == 0, "%d of %d breads returned another block's bytes",
	      wrong, reads);
	CHECK(unfailed == 0, "%d of %d reads of a failing block did not fail",
	      unfailed, failed);
	CHECK(failed >= 2 * REUSE_ROUNDS, "only %d reads failed", failed);
}

/* --- raw and cached access agree (bcache_raw_begin) --- */

/* Write (or read) one block of bd raw, with physio, as a process's raw
 * device does. */
static int
raw_block(const struct bdev *bd, daddr_t blk, void *data, int write)
{
	size_t moved;
	int err = physio(bd->dev, data, DEV_BSIZE, (uint64_t)blk * DEV_BSIZE,
			 write ? UIO_WRITE : UIO_READ, &moved);

	return err ? err : moved == DEV_BSIZE ? 0 : EIO;
}

static uint8_t raw_data[DEV_BSIZE] __attribute__((aligned(16)));

/* A delayed write of a block, then a raw write of it, then sync: the
 * raw write stays (the delayed write went to the disk first, under it),
 * and a cached read sees it too. */
TEST(bcache_a_raw_write_is_never_overwritten_by_an_older_delayed_write)
{
	FOR_EACH_RD(bd)
	{
		struct buf *bp;
		uint32_t id = minor(bd->dev);
		CHECK_EQ(bread(bd->dev, 70, DEV_BSIZE, &bp), 0);
		pattern_fill(bp->b_un.b_addr, id + 10, 70);
		bdwrite(bp);
		pattern_fill(raw_data, id + 20, 70);
		CHECK_EQ(raw_block(bd, 70, raw_data, 1), 0);
		CHECK_EQ(bsync(), 0);
		CHECK(pattern_check(disk_block(bd, 70), id + 20, 70) < 0,
		      "%s: the raw write is gone from the disk after sync",
		      bd->name);
		CHECK_EQ(bread(bd->dev, 70, DEV_BSIZE, &bp), 0);
		int ok = pattern_check(bp->b_un.b_addr, id + 20, 70) < 0;
		brelse(bp);
		CHECK(ok, "%s: a cached read shows the old data", bd->name);
	}
}

/* A block cached (read), then written raw: the next cached read shows
 * the raw write, not the copy the cache had. */
TEST(bcache_a_cached_read_after_a_raw_write_sees_it)
{
	FOR_EACH_RD(bd)
	{
		struct buf *bp;
		uint32_t id = minor(bd->dev);
		CHECK_EQ(bread(bd->dev, 71, DEV_BSIZE, &bp), 0);
		brelse(bp); /* cached now */
		pattern_fill(raw_data, id + 30, 71);
		CHECK_EQ(raw_block(bd, 71, raw_data, 1), 0);
		CHECK_EQ(bread(bd->dev, 71, DEV_BSIZE, &bp), 0);
		int ok = pattern_check(bp->b_un.b_addr, id + 30, 71) < 0;
		brelse(bp);
		CHECK(ok, "%s: the cache kept the block's old data", bd->name);
	}
}

/* A delayed write not yet on the disk is what a raw read returns. */
TEST(bcache_a_raw_read_sees_a_delayed_write)
{
	FOR_EACH_RD(bd)
	{
		struct buf *bp;
		uint32_t id = minor(bd->dev);
		CHECK_EQ(bread(bd->dev, 72, DEV_BSIZE, &bp), 0);
		pattern_fill(bp->b_un.b_addr, id + 40, 72);
		bdwrite(bp);
		memset(raw_data, 0, sizeof(raw_data));
		CHECK_EQ(raw_block(bd, 72, raw_data, 0), 0);
		CHECK(pattern_check(raw_data, id + 40, 72) < 0,
		      "%s: the raw read missed the delayed write", bd->name);
	}
}

/* Buffers of other sizes over the same blocks: a dirty 4 KiB buffer is
 * what a later 512-byte read inside it sees, and a dirty 512-byte one
 * what a later 4 KiB read over it sees; only one copy is kept. */
TEST(bcache_buffers_of_different_sizes_never_show_stale_data)
{
	FOR_EACH_RD(bd)
	{
		struct buf *bp;
		uint32_t id = minor(bd->dev);
		CHECK_EQ(bread(bd->dev, 80, 8 * DEV_BSIZE, &bp), 0);
		for (int i = 0; i < 8; i++)
			pattern_fill((char *)bp->b_un.b_addr + i * DEV_BSIZE,
				     id + 50, 80 + (uint64_t)i);
		bdwrite(bp);
		CHECK_EQ(bread(bd->dev, 83, DEV_BSIZE, &bp), 0);
		int ok = pattern_check(bp->b_un.b_addr, id + 50, 83) < 0;
		pattern_fill(bp->b_un.b_addr, id + 60, 83);
		bdwrite(bp);
		CHECK(ok, "%s: the small read missed the big buffer's write",
		      bd->name);
		CHECK(bcache_peek(bd->dev, 80) == NULL,
		      "%s: the 4 KiB buffer is still kept beside the small one",
		      bd->name);
		CHECK_EQ(bread(bd->dev, 80, 8 * DEV_BSIZE, &bp), 0);
		int bad = -1;
		for (int i = 0; i < 8 && bad < 0; i++)
			if (pattern_check((char *)bp->b_un.b_addr +
						  i * DEV_BSIZE,
					  i == 3 ? id + 60 : id + 50,
					  80 + (uint64_t)i) >= 0)
				bad = i;
		brelse(bp);
		CHECK(bad < 0, "%s: block %d of the big read is stale",
		      bd->name, 80 + bad);
		CHECK(bcache_peek(bd->dev, 83) == NULL,
		      "%s: the small buffer is still kept beside the big one",
		      bd->name);
		CHECK_EQ(bsync(), 0);
		CHECK(pattern_check(disk_block(bd, 83), id + 60, 83) < 0,
		      "%s: the last write of block 83 is not on the disk",
		      bd->name);
	}
}

/* The grid (bcache.c): once a buffer lies off its device's grid of
 * 4 KiB buffers, a buffer on the grid looks for it again. */
TEST(bcache_buffers_of_one_size_off_the_grid_never_show_stale_data)
{
	FOR_EACH_RD(bd)
	{
		struct buf *bp;
		uint32_t id = minor(bd->dev), n = 8 * DEV_BSIZE;
		CHECK_EQ(bsync(), 0);
		binval(bd->dev); /* nothing cached: the next buffer sets it */
		CHECK_EQ(bread(bd->dev, 800, n, &bp), 0); /* the grid */
		for (int i = 0; i < 8; i++)
			pattern_fill((char *)bp->b_un.b_addr + i * DEV_BSIZE,
				     id + 70, 800 + (uint64_t)i);
		bdwrite(bp);
		CHECK_EQ(bread(bd->dev, 896, n, &bp), 0); /* keeps the grid */
		brelse(bp);
		CHECK_EQ(bread(bd->dev, 804, n, &bp), 0); /* off it */
		int ok = pattern_check_range(bp->b_un.b_addr, 4, id + 70, 804) <
			 0;
		for (int i = 0; i < 8; i++)
			pattern_fill((char *)bp->b_un.b_addr + i * DEV_BSIZE,
				     id + 80, 804 + (uint64_t)i);
		bdwrite(bp);
		CHECK(ok, "%s: the buffer off the grid missed a write",
		      bd->name);
		/* on the grid, over the second half of the one off it */
		CHECK_EQ(bread(bd->dev, 808, n, &bp), 0);
		ok = pattern_check_range(bp->b_un.b_addr, 4, id + 80, 808) < 0;
		brelse(bp);
		CHECK(ok,
		      "%s: blocks 808-811 are stale: the buffer off the "
		      "grid was not found",
		      bd->name);
		CHECK_EQ(bread(bd->dev, 800, n, &bp), 0);
		ok = pattern_check_range(bp->b_un.b_addr, 4, id + 70, 800) <
			     0 &&
		     pattern_check_range((char *)bp->b_un.b_addr +
						 4 * DEV_BSIZE,
					 4, id + 80, 804) < 0;
		brelse(bp);
		CHECK(ok, "%s: blocks 800-807 are stale", bd->name);
		CHECK_EQ(bsync(), 0);
	}
}
