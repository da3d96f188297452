/*
 * test_bigdisk.c: disks of real sizes (4 GiB, 4 GiB + 5 sectors, 200 GiB,
 * 2.5 TiB) on sparse images.  Block numbers past 32 bits, and the blocks
 * where 32-bit arithmetic goes wrong, must read and write like any other.
 *
 * tests/scenarios/bigdisks.py writes the test pattern (lib/pattern.h,
 * id = the disk's minor) into a window of 16 blocks around each edge
 * block (bigdisk_edges below, mirrored there); the rest of each image is
 * a hole.  The tests
 * read every window, write the pattern of id + 100 raw across each edge
 * and through the cache beside it, and read it all back; after the halt
 * the harness checks the windows byte for byte and that nothing else in
 * the images was written.
 */
#include <stddef.h>
#include <stdint.h>

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "console.h"
#include "disktest.h"
#include "errno.h"
#include "kmalloc.h"
#include "ktest.h"
#include "pattern.h"

#define STEP	    (1LL << 23) /* 4 GiB in blocks: 32-bit bytes wrap here */
#define WIN	    8		/* the window: edge - WIN .. edge + WIN - 1 */
#define RAW	    4		/* raw write: edge - RAW .. edge + RAW - 1 */
#define CACHED	    6		/* the block written through the cache */
#define EDGES_MAX   1024
#define BIGDISK_ADD 100 /* the written pattern is id + 100 */

static daddr_t edges[EDGES_MAX];

static void
edge_add(int *n, daddr_t b, uint64_t nblocks)
{
	if (b < 0 || (uint64_t)b >= nblocks || *n == EDGES_MAX)
		return;
	for (int i = 0; i < *n; i++)
		if (edges[i] == b)
			return;
	edges[(*n)++] = b;
}

/* The edge blocks of a disk of n blocks: the first and last, each block
 * a multiple of 2^23 blocks from the end (the bytes left to the end are
 * then a multiple of 2^32), and the blocks around 2^31 and 2^32. */
static int
bigdisk_edges(uint64_t nblocks)
{
	int n = 0;

	edge_add(&n, 0, nblocks);
	edge_add(&n, (daddr_t)nblocks - 1, nblocks);
	for (daddr_t k = 1; k * STEP <= (daddr_t)nblocks; k++)
		edge_add(&n, (daddr_t)nblocks - k * STEP, nblocks);
	edge_add(&n, (1LL << 31) - 1, nblocks);
	edge_add(&n, 1LL << 31, nblocks);
	edge_add(&n, (1LL << 32) - 1, nblocks);
	edge_add(&n, 1LL << 32, nblocks);
	return n;
}

static daddr_t
clamp(daddr_t b, uint64_t nblocks)
{
	return b < 0 ? 0 : (uint64_t)b > nblocks ? (daddr_t)nblocks : b;
}

/* What block b must hold after the writes: id + 100 where written. */
static uint32_t
expected_id(const struct bdev *bd, int nedges, daddr_t b)
{
	for (int i = 0; i < nedges; i++) {
		daddr_t e = edges[i];
		if ((b >= e - RAW && b < e + RAW) || b == e + CACHED)
			return disk_id(bd) + BIGDISK_ADD;
	}
	return disk_id(bd);
}

TEST(bigdisk_every_edge_block_reads_and_writes_right)
{
	uint8_t *buf = kmalloc(2 * WIN * DEV_BSIZE);

	CHECK(buf != NULL, "no memory");
	CHECK(disk_count() > 0, "no disks");
	FOR_EACH_DISK(bd)
	{
		uint64_t nb = bd->nblocks;
		int n = bigdisk_edges(nb);
		uint32_t id = disk_id(bd);
		/* what the host wrote, read across each edge in one transfer */
		for (int i = 0; i < n; i++) {
			daddr_t lo = clamp(edges[i] - WIN, nb),
				hi = clamp(edges[i] + WIN, nb);
			int bad = check_range(bd, buf, lo, hi - lo, id);
			CHECK(bad == -1, "%s: blocks %lld..%lld: %s at %lld",
			      bd->name, lo, hi - 1,
			      bad == -2 ? "read failed" : "wrong data",
			      lo + (bad < 0 ? 0 : bad));
		}
		/* raw writes across each edge; one block through the cache */
		for (int i = 0; i < n; i++) {
			daddr_t lo = clamp(edges[i] - RAW, nb),
				hi = clamp(edges[i] + RAW, nb);
			int err = fill_range(bd, buf, lo, hi - lo,
					     id + BIGDISK_ADD);
			CHECK(err == 0, "%s: write of %lld..%lld: %s", bd->name,
			      lo, hi - 1, errno_name(err));
			daddr_t c = edges[i] + CACHED;
			if ((uint64_t)c >= nb)
				continue;
			struct buf *bp = getblk(bd->dev, c, DEV_BSIZE);
			CHECK(bp != NULL, "getblk failed");
			pattern_fill(bp->b_un.b_addr, id + BIGDISK_ADD, c);
			err = bwrite(bp);
			CHECK(err == 0, "%s: bwrite of block %lld: %s",
			      bd->name, c, errno_name(err));
		}
		CHECK_EQ(bsync(), 0);
		binval(bd->dev);
		/* and all of it back, from the disk */
		for (int i = 0; i < n; i++) {
			daddr_t lo = clamp(edges[i] - WIN, nb),
				hi = clamp(edges[i] + WIN, nb);
			for (daddr_t b = lo; b < hi; b++) {
				uint32_t want = expected_id(bd, n, b);
				int bad = check_range(bd, buf, b, 1, want);
				CHECK(bad == -1,
				      "%s: block %lld: %s (expected the "
				      "pattern of %u)",
				      bd->name, b,
				      bad == -2 ? "read failed" : "wrong data",
				      want);
			}
		}
		kprintf("# %s: %llu blocks, %d edges read, written, checked\n",
			bd->name, (unsigned long long)nb, n);
	}
	kfree(buf);
}

TEST(bigdisk_blocks_2_32_away_are_not_aliases)
{
	static uint8_t buf[DEV_BSIZE];
	uint32_t resid;

	FOR_EACH_DISK(bd)
	{
		uint64_t nb = bd->nblocks;
		/* past the end by 2^32 blocks (2^32 + the end in 32 bits is
		 * the end again) and by 2^32 + 1: never block 0 or 1 */
		CHECK_EQ(testio(bd, B_READ, (daddr_t)nb + (1LL << 32),
				DEV_BSIZE, buf, NULL),
			 ENXIO);
		CHECK_EQ(testio(bd, B_WRITE, (daddr_t)nb + (1LL << 32) + 1,
				DEV_BSIZE, buf, NULL),
			 ENXIO);
		CHECK_EQ(testio(bd, B_READ, -(1LL << 32), DEV_BSIZE, buf, NULL),
			 ENXIO);
		if (nb < (1ULL << 32))
			CHECK_EQ(testio(bd, B_READ, 1LL << 32, DEV_BSIZE, buf,
					NULL),
				 ENXIO);
		/* a byte count near 4 GiB at the last block: truncated to
		 * one block, its b_resid in range, never wrapped */
		CHECK_EQ(testio(bd, B_READ, (daddr_t)nb - 1, 0xFFFFFE00u, buf,
				&resid),
			 0);
		CHECK_EQ(resid, 0xFFFFFE00u - DEV_BSIZE);
		CHECK(pattern_check(buf, disk_id(bd), nb - 1) < 0 ||
			      pattern_check(buf, disk_id(bd) + BIGDISK_ADD,
					    nb - 1) < 0,
		      "%s: the last block is wrong", bd->name);
	}
}
