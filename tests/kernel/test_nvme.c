/*
 * test_nvme.c: what the NVMe driver does beyond the disk battery that
 * every driver passes (test_disk.c): its queues (one submission doorbell
 * for a whole chain, completions taken in batches by phase tag), a
 * command the controller never completes (a reset, and the command
 * issued again), and namespaces of 4096-byte sectors (whole sectors or
 * EINVAL).  The images hold the test pattern (tests/scenarios/nvme.py).
 */
#include <stddef.h>
#include <stdint.h>

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "blk/trace.h"
#include "blk/uio.h"
#include "clock.h"
#include "console.h"
#include "disktest.h"
#include "errno.h"
#include "ktest.h"
#include "nvme.h"
#include "pattern.h"
#include "string.h"
#include "thread.h"
#include "tracetest.h"

#define NVME_BURST DISK_BURST_MAX /* in one chain: fewer than the queue holds */

/* The first NVMe disk under test with sectors of `secsize` bytes */
static struct bdev *
nvme_disk(uint32_t secsize)
{
	FOR_EACH_DISK(bd)
	if (major(bd->dev) == MAJOR_NVME && bdev_secsize(bd) == secsize)
		return bd;
	return NULL;
}

static uint8_t burst_mem[NVME_BURST][4096] __attribute__((aligned(4096)));

TEST(nvme_a_chain_is_one_submission_doorbell_and_all_in_flight)
{
	struct bdev *bd = nvme_disk(DEV_BSIZE);

	CHECK(bd != NULL, "no NVMe disk of 512-byte sectors");
	const struct nvme_stats *st = nvme_stats(bd);
	uint64_t sq = st->sq_doorbells, cq = st->cq_doorbells;
	uint64_t cmds = st->commands, irqs = st->interrupts;
	uint64_t mmio = nvme_mmio_count();
	nvme_stats_reset_max(bd);
	CHECK(disk_burst_read(bd, burst_mem[0], 4096, NVME_BURST),
	      "a read failed or did not finish");
	for (int i = 0; i < NVME_BURST; i++) {
		daddr_t b = disk_burst_block(bd, 4096, i);
		CHECK(pattern_check_range(burst_mem[i], 8, disk_id(bd),
					  (uint64_t)b) < 0,
		      "read %d (block %lld): wrong data", i, b);
	}
	CHECK_EQ(st->commands - cmds, NVME_BURST);
	/* one tail doorbell for the chain; every command was given to the
	 * controller before the first completion came back */
	CHECK_EQ(st->sq_doorbells - sq, 1);
	CHECK_EQ(st->max_inflight, NVME_BURST);
	/* a head doorbell per batch of completions, never per command
	 * unless each came alone, and only for an interrupt that found
	 * some (the watchdog takes none: nothing was lost) */
	uint64_t batches = st->cq_doorbells - cq;
	CHECK(batches >= 1 && batches <= st->interrupts - irqs,
	      "%llu completion doorbells for %llu interrupts",
	      (unsigned long long)batches,
	      (unsigned long long)(st->interrupts - irqs));
	CHECK_EQ(nvme_mmio_count() - mmio, 1 + batches);
	kprintf("# %d reads: 1 submission doorbell, %llu completion "
		"doorbells, %llu interrupts\n",
		NVME_BURST, (unsigned long long)batches,
		(unsigned long long)(st->interrupts - irqs));
}

TEST(nvme_a_lost_command_is_issued_again_after_a_controller_reset)
{
	static uint8_t buf[16 * DEV_BSIZE];
	struct bdev *bd = nvme_disk(DEV_BSIZE);

	CHECK(bd != NULL, "no NVMe disk of 512-byte sectors");
	const struct nvme_stats *st = nvme_stats(bd);
	uint32_t resets = st->resets, timeouts = st->timeouts;
	trace_clear();
	trace_start(bd->dev);
	uint64_t from = trace_written();
	/* the controller completes it; the driver never hears: a command
	 * lost as far as the host can tell */
	nvme_test_lose_completions(1);
	uint64_t t0 = clock_ticks();
	int bad = check_range(bd, buf, 300, 16, disk_id(bd));
	nvme_test_lose_completions(0);
	trace_stop();
	CHECK(bad == -1, "%s: the read failed or was wrong (%d)", bd->name,
	      bad);
	CHECK_EQ(st->timeouts - timeouts, 1);
	CHECK_EQ(st->resets - resets, 1);
	CHECK(trace_events(from, TR_DRV_RESET, -1) == 1,
	      "%s: the reset is not traced once", bd->name);
	CHECK(trace_events(from, TR_DRV_REISSUE, -1) >= 1,
	      "%s: the command issued again is not traced", bd->name);
	/* within the timeout and a watchdog's look, with margins for a
	 * busy host (the guest's clock) */
	uint64_t took = clock_ticks() - t0;
	CHECK(took >= 2 * HZ && took < 15 * HZ,
	      "recovery took %llu ticks, the timeout is %d",
	      (unsigned long long)took, 2 * HZ);
	/* the controller came back whole: both namespaces' queue works */
	CHECK(check_range(bd, buf, 600, 16, disk_id(bd)) == -1,
	      "%s: not working after the reset", bd->name);
	CHECK(disk_burst_read(bd, burst_mem[0], 4096, NVME_BURST),
	      "%s: a burst failed after the reset", bd->name);
}

/* A namespace of 4096-byte sectors: whole sectors at a sector's start,
 * raw or through the cache; anything else EINVAL, nothing moved. */
TEST(nvme_4k_sectors_whole_or_einval)
{
	static uint8_t buf[3 * 4096] __attribute__((aligned(4096)));
	struct bdev *bd = nvme_disk(4096);
	size_t moved;
	struct buf *bp;

	CHECK(bd != NULL, "no NVMe disk of 4096-byte sectors");
	uint32_t id = disk_id(bd);
	CHECK_EQ(bd->nblocks % 8, 0);
	/* raw: sector 2 (blocks 16..23) and the last one */
	CHECK_EQ(physio(bd->dev, buf, 4096, 16 * DEV_BSIZE, UIO_READ, &moved),
		 0);
	CHECK_EQ(moved, 4096);
	CHECK(pattern_check_range(buf, 8, id, 16) < 0, "sector 2: wrong data");
	daddr_t last = (daddr_t)bd->nblocks - 8;
	CHECK_EQ(physio(bd->dev, buf, 4096, (uint64_t)last * DEV_BSIZE,
			UIO_READ, &moved),
		 0);
	CHECK(pattern_check_range(buf, 8, id, (uint64_t)last) < 0,
	      "the last sector: wrong data");
	/* pieces of a sector: refused before anything moves */
	CHECK_EQ(physio(bd->dev, buf, DEV_BSIZE, 16 * DEV_BSIZE, UIO_READ,
			&moved),
		 EINVAL);
	CHECK_EQ(physio(bd->dev, buf, 4096, 17 * DEV_BSIZE, UIO_READ, &moved),
		 EINVAL);
	CHECK_EQ(physio(bd->dev, buf + 2, 4096, 16 * DEV_BSIZE, UIO_READ,
			&moved),
		 EINVAL); /* a PRP entry is dword aligned */
	CHECK_EQ(testio(bd, B_READ, 20, 4096, buf, NULL), EINVAL);
	CHECK_EQ(testio(bd, B_READ, 16, 1024, buf, NULL), EINVAL);
	/* writes of whole sectors land (the host checks blocks 32..55:
	 * id + 100); a piece of one does not */
	for (int i = 0; i < 24; i++)
		pattern_fill(buf + i * DEV_BSIZE, id + 100, 32 + (uint64_t)i);
	CHECK_EQ(physio(bd->dev, buf, 2 * 4096, 32 * DEV_BSIZE, UIO_WRITE,
			&moved),
		 0);
	CHECK_EQ(testio(bd, B_WRITE, 48, 4096, buf + 2 * 4096, NULL), 0);
	CHECK_EQ(testio(bd, B_WRITE, 60, DEV_BSIZE, buf, NULL), EINVAL);
	/* through the cache: 4 KiB blocks work, smaller ones do not */
	binval(bd->dev);
	CHECK_EQ(bread(bd->dev, 40, 4096, &bp), 0);
	CHECK(pattern_check_range(bp->b_un.b_addr, 8, id + 100, 40) < 0,
	      "cached block 40: not what was written");
	brelse(bp);
	CHECK_EQ(bread(bd->dev, 64, 8192, &bp), 0);
	CHECK(pattern_check_range(bp->b_un.b_addr, 16, id, 64) < 0,
	      "cached blocks 64..79: wrong data");
	brelse(bp);
	CHECK_EQ(bread(bd->dev, 80, 1024, &bp), EINVAL); /* (released) */
	CHECK_EQ(bsync(), 0);
}
