/*
 * test_part.c: partitions (kernel/blk/part.c) on disk images the host
 * made with sfdisk and sgdisk over the test pattern of each disk
 * (tests/scenarios/partitions.py): each partition reads as its disk's
 * blocks from its start; its edges are the switch's rules at its own
 * size; writes land at the partition's offset (the host checks the
 * images after the run: PART_WRITE_BLOCKS at each end of every
 * partition, the pattern of disk id + PART_WRITE_ID); a request through
 * a partition is remapped onto its disk, once.
 */
#include <stdint.h>

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "blk/uio.h"
#include "disktest.h"
#include "errno.h"
#include "ktest.h"
#include "blk/part.h"
#include "pattern.h"
#include "string.h"
#include "tracetest.h"

#define PART_WRITE_BLOCKS 4
#define PART_WRITE_ID	  300

static uint8_t buf[16 * DEV_BSIZE];

#define FOR_EACH_PART(bd)                                                      \
	for (int part_i_ = 0; part_i_ < BDEV_MAX; part_i_++)                   \
		for (struct bdev *bd = bdev_at(part_i_);                       \
		     bd && major(bd->dev) == MAJOR_PART; bd = NULL)

static int
nparts(void)
{
	int n = 0;

	FOR_EACH_PART(bd)
	n++;
	return n;
}

/* Blocks [blk, blk + n) of partition bd hold the disk's pattern for the
 * disk's blocks from start + blk: -1, or the first that does not (-2: the
 * read failed). */
static int
part_check(const struct bdev *bd, daddr_t blk, uint32_t n, uint32_t id_add)
{
	struct bdev *disk;
	uint64_t start;
	uint32_t resid;

	if (part_where(bd, &disk, &start) ||
	    testio(bd, B_READ, blk, n * DEV_BSIZE, buf, &resid) || resid)
		return -2;
	for (uint32_t i = 0; i < n; i++)
		if (pattern_check(buf + i * DEV_BSIZE, disk->dev + id_add,
				  (daddr_t)start + blk + i) >= 0)
			return (int)i;
	return -1;
}

TEST(part_each_partition_reads_as_its_disks_blocks_from_its_start)
{
	CHECK(nparts() > 0, "no partitions found");
	FOR_EACH_PART(bd)
	{
		daddr_t last = (daddr_t)bd->nblocks - 16;
		CHECK(part_check(bd, 0, 16, 0) == -1, "%s: first blocks",
		      bd->name);
		CHECK(part_check(bd, last / 2, 16, 0) == -1,
		      "%s: middle blocks", bd->name);
		CHECK(part_check(bd, last, 16, 0) == -1, "%s: last blocks",
		      bd->name);
	}
}

TEST(part_edges_are_the_partitions_end_of_media_enxio_and_truncation)
{
	FOR_EACH_PART(bd)
	{
		uint32_t resid;
		daddr_t n = (daddr_t)bd->nblocks;
		CHECK_EQ(testio(bd, B_READ, n, 4 * DEV_BSIZE, buf, &resid), 0);
		CHECK(resid == 4 * DEV_BSIZE, "%s: at the end: resid %u",
		      bd->name, resid);
		CHECK_EQ(testio(bd, B_READ, n + 1, DEV_BSIZE, buf, NULL),
			 ENXIO);
		CHECK_EQ(testio(bd, B_READ, -1, DEV_BSIZE, buf, NULL), ENXIO);
		/* across the end: cut there, and only the partition's blocks
		 * come back (the block after it is not touched) */
		memset(buf, 0xEE, sizeof(buf));
		CHECK_EQ(testio(bd, B_READ, n - 2, 4 * DEV_BSIZE, buf, &resid),
			 0);
		CHECK(resid == 2 * DEV_BSIZE, "%s: across the end: resid %u",
		      bd->name, resid);
		CHECK(buf[2 * DEV_BSIZE] == 0xEE &&
			      buf[4 * DEV_BSIZE - 1] == 0xEE,
		      "%s: bytes past the partition's end were filled",
		      bd->name);
	}
}

TEST(part_a_request_is_remapped_onto_the_disk_once)
{
	static struct buf b;
	static struct trace_rec r[TRACETEST_MAX];

	FOR_EACH_PART(bd)
	{
		struct bdev *disk;
		uint64_t start;
		CHECK_EQ(part_where(bd, &disk, &start), 0);
		trace_clear();
		trace_start(NODEV);
		testio_setup(&b, bd, B_READ, 3, DEV_BSIZE, buf);
		int err = testio_run(&b);
		trace_stop();
		CHECK_EQ(err, 0);
		CHECK_EQ(b.b_blkno, 3); /* the caller's buf is its own */
		CHECK_EQ(b.b_dev, bd->dev);
		CHECK_EQ(b.b_iodepth, 0);
		struct trace_rec rec;
		int remaps = 0;
		for (uint64_t i = 0; i < trace_written(); i++)
			if (trace_get(i, &rec) && rec.act == TR_REMAP &&
			    rec.buf) {
				remaps++;
				CHECK_EQ(rec.dev, disk->dev);
				CHECK_EQ(rec.blkno, start + 3);
				CHECK_EQ(rec.aux, bd->dev);
			}
		CHECK_EQ(remaps, 1);
		int n = trace_collect(&b, 0, r, TRACETEST_MAX);
		CHECK(!strcmp(trace_stages(r, n), "queued,inserted,biodone,"
						  "completion,woken,biowait"),
		      "%s: %s", bd->name, trace_stages(r, n));
	}
}

/* Reads in order through a partition's block device are read ahead
 * in clusters on its disk, and never past the partition's end: every
 * transfer the disk was asked for lies inside the partition, and every
 * block read holds the disk's pattern there. */
TEST(part_read_ahead_stops_at_the_partitions_end)
{
	static struct trace_rec q[128];

	FOR_EACH_PART(bd)
	{
		struct bdev *disk;
		uint64_t start;
		struct readahead ra = {.next = -1};
		CHECK_EQ(part_where(bd, &disk, &start), 0);
		daddr_t end = (daddr_t)bd->nblocks;
		daddr_t b = end > 1024 ? (end - 1024) & ~7 : 0;
		binval(bd->dev);
		uint64_t from = trace_fresh(NODEV);
		for (; b + 8 <= end; b += 8) {
			struct buf *bp;
			CHECK_EQ(bread_seq(bd->dev, b, 4096, &ra, &bp), 0);
			int bad = pattern_check_range(bp->b_un.b_addr, 8,
						      disk->dev,
						      start + (uint64_t)b);
			brelse(bp);
			CHECK(bad < 0, "%s: block %lld read wrong", bd->name,
			      b + bad);
		}
		trace_stop();
		int n = trace_queued(disk->dev, from, q, 128);
		CHECK(n > 0, "%s: nothing read from %s", bd->name, disk->name);
		for (int i = 0; i < n; i++)
			CHECK(q[i].blkno >= start &&
				      q[i].blkno + q[i].bytes / DEV_BSIZE <=
					      start + bd->nblocks,
			      "%s: %u bytes read at %s's block %llu, outside "
			      "its blocks %llu-%llu",
			      bd->name, q[i].bytes, disk->name,
			      (unsigned long long)q[i].blkno,
			      (unsigned long long)start,
			      (unsigned long long)(start + bd->nblocks - 1));
	}
}

TEST(part_writes_land_at_the_partitions_offset)
{
	FOR_EACH_PART(bd)
	{
		struct bdev *disk;
		uint64_t start;
		CHECK_EQ(part_where(bd, &disk, &start), 0);
		daddr_t at[2] = {0, (daddr_t)bd->nblocks - PART_WRITE_BLOCKS};
		for (int k = 0; k < 2; k++) {
			for (int i = 0; i < PART_WRITE_BLOCKS; i++)
				pattern_fill(buf + i * DEV_BSIZE,
					     disk->dev + PART_WRITE_ID,
					     (daddr_t)start + at[k] + i);
			CHECK_EQ(testio(bd, B_WRITE, at[k],
					PART_WRITE_BLOCKS * DEV_BSIZE, buf,
					NULL),
				 0);
			CHECK(part_check(bd, at[k], PART_WRITE_BLOCKS,
					 PART_WRITE_ID) == -1,
			      "%s: block %lld does not read back", bd->name,
			      at[k]);
		}
	}
	FOR_EACH_DISK(disk)
	CHECK_EQ(bdev_flush(disk->dev), 0);
}

/* One copy of a sector: a block reached through a partition and
 * through its disk is one buffer, kept under the disk; a delayed write
 * through either name is what a read through the other sees, before
 * any sync; and a partition's cached blocks end at its end (the next
 * partition's are not read through it).  The blocks are put back as the
 * host expects them. */
TEST(part_a_block_is_cached_once_whatever_name_reaches_it)
{
	static uint8_t saved[DEV_BSIZE], saved4[12 * DEV_BSIZE];

	FOR_EACH_PART(bd)
	{
		struct bdev *disk;
		uint64_t start;
		struct buf *bp;
		size_t moved;
		CHECK_EQ(part_where(bd, &disk, &start), 0);
		daddr_t b = (daddr_t)(bd->nblocks / 2), at = (daddr_t)start + b;
		CHECK_EQ(physio(bd->dev, saved, DEV_BSIZE,
				(uint64_t)b * DEV_BSIZE, UIO_READ, &moved),
			 0);
		CHECK_EQ(bread(bd->dev, b, DEV_BSIZE, &bp), 0);
		brelse(bp);
		CHECK(bcache_peek(disk->dev, at) == bp &&
			      bcache_peek(bd->dev, b) == bp,
		      "%s: block %lld is not one buffer under %s", bd->name, b,
		      disk->name);
		/* through the partition, read through the disk */
		CHECK_EQ(bread(bd->dev, b, DEV_BSIZE, &bp), 0);
		pattern_fill(bp->b_un.b_addr, disk->dev + 500, (uint64_t)at);
		bdwrite(bp);
		CHECK_EQ(bread(disk->dev, at, DEV_BSIZE, &bp), 0);
		int ok = pattern_check(bp->b_un.b_addr, disk->dev + 500,
				       (uint64_t)at) < 0;
		/* and back */
		pattern_fill(bp->b_un.b_addr, disk->dev + 501, (uint64_t)at);
		bdwrite(bp);
		CHECK(ok, "%s: the disk's read missed the partition's write",
		      bd->name);
		CHECK_EQ(bread(bd->dev, b, DEV_BSIZE, &bp), 0);
		ok = pattern_check(bp->b_un.b_addr, disk->dev + 501,
				   (uint64_t)at) < 0;
		brelse(bp);
		CHECK(ok, "%s: the partition's read missed the disk's write",
		      bd->name);
		/* 4 KiB blocks, the partition's and the disk's half a block
		 * apart: one never hides the other's write (the cache's grid
		 * is one alignment; the other is off it) */
		daddr_t b4 = b + 4 - (daddr_t)((start + (uint64_t)b) % 8);
		daddr_t d4 = (daddr_t)start + b4 + 4; /* over its second half */
		CHECK_EQ(physio(bd->dev, saved4, sizeof(saved4),
				(uint64_t)b4 * DEV_BSIZE, UIO_READ, &moved),
			 0);
		CHECK_EQ(bread(bd->dev, b4, 8 * DEV_BSIZE, &bp), 0);
		for (int i = 0; i < 8; i++)
			pattern_fill((char *)bp->b_un.b_addr + i * DEV_BSIZE,
				     disk->dev + 502,
				     (uint64_t)start + (uint64_t)b4 + i);
		bdwrite(bp);
		CHECK_EQ(bread(disk->dev, d4, 8 * DEV_BSIZE, &bp), 0);
		ok = pattern_check_range(bp->b_un.b_addr, 4, disk->dev + 502,
					 (uint64_t)d4) < 0;
		brelse(bp);
		CHECK(ok,
		      "%s: the disk's 4 KiB read at %lld missed the "
		      "partition's 4 KiB write half a block before",
		      bd->name, d4);
		CHECK_EQ(physio(bd->dev, saved4, sizeof(saved4),
				(uint64_t)b4 * DEV_BSIZE, UIO_WRITE, &moved),
			 0);
		/* the partition's end is the end */
		CHECK_EQ(bread(bd->dev, (daddr_t)bd->nblocks, DEV_BSIZE, &bp),
			 ENXIO);
		CHECK_EQ(bread(bd->dev, (daddr_t)bd->nblocks - 1, 2 * DEV_BSIZE,
			       &bp),
			 ENXIO);
		/* as the host expects it (a raw write: the cache forgets) */
		CHECK_EQ(physio(bd->dev, saved, DEV_BSIZE,
				(uint64_t)b * DEV_BSIZE, UIO_WRITE, &moved),
			 0);
		CHECK(bcache_peek(disk->dev, at) == NULL,
		      "%s: the raw write left a cached copy", bd->name);
	}
	CHECK_EQ(bsync(), 0);
}
