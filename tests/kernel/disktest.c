/*
 * disktest.c: the real-disk tests' shared helpers (disktest.h).
 */
#include "disktest.h"

#include <stddef.h>

#include "blk/bdev.h"
#include "cmdline_opt.h"
#include "errno.h"
#include "pattern.h"
#include "string.h"
#include "blk/uio.h"
#include "clock.h"
#include "intr.h"
#include "thread.h"
#include "testio.h"

int
disk_under_test(const struct bdev *bd)
{
	if (major(bd->dev) == MAJOR_WD)
		return !cmdline_opt("disks") || cmdline_opt_has("disks", "wd");
	if (major(bd->dev) == MAJOR_SD)
		return cmdline_opt_has("disks", "sd");
	if (major(bd->dev) == MAJOR_NVME)
		return cmdline_opt_has("disks", "nvme");
	return 0;
}

int
disk_count(void)
{
	int n = 0;

	FOR_EACH_DISK(bd)
	n++;
	return n;
}

int
check_range(const struct bdev *bd, uint8_t *buf, daddr_t blk, uint32_t n,
	    uint32_t id)
{
	size_t moved;
	int err = physio(bd->dev, buf, n * DEV_BSIZE, (uint64_t)blk * DEV_BSIZE,
			 UIO_READ, &moved);

	if (err || moved != n * DEV_BSIZE)
		return -2;
	for (uint32_t i = 0; i < n; i++)
		if (pattern_check(buf + i * DEV_BSIZE, id, blk + i) >= 0)
			return (int)i;
	return -1;
}

int
fill_range(const struct bdev *bd, uint8_t *buf, daddr_t blk, uint32_t n,
	   uint32_t id)
{
	size_t moved;

	for (uint32_t i = 0; i < n; i++)
		pattern_fill(buf + i * DEV_BSIZE, id, blk + i);
	int err = physio(bd->dev, buf, n * DEV_BSIZE, (uint64_t)blk * DEV_BSIZE,
			 UIO_WRITE, &moved);
	if (!err && moved != n * DEV_BSIZE)
		err = ENXIO;
	return err;
}

static struct buf burst[DISK_BURST_MAX];
static volatile int burst_done;

static void
burst_iodone(struct buf *bp)
{
	(void)bp;
	burst_done++;
}

daddr_t
disk_burst_block(const struct bdev *bd, uint32_t size, int i)
{
	return (daddr_t)((i * (size / DEV_BSIZE)) % (bd->nblocks / 2));
}

int
disk_burst_read(struct bdev *bd, uint8_t *mem, uint32_t size, int count)
{
	struct buf *head = NULL;
	static int nobody;

	burst_done = 0;
	for (int i = count - 1; i >= 0; i--) {
		memset(&burst[i], 0, sizeof(burst[i]));
		burst[i].b_flags = B_READ;
		burst[i].b_dev = bd->dev;
		burst[i].b_blkno = disk_burst_block(bd, size, i);
		burst[i].b_bcount = size;
		burst[i].b_un.b_addr = mem + i * size;
		burst[i].b_iodone = burst_iodone;
		burst[i].av_forw = head;
		head = &burst[i];
	}
	int s = splbio();
	bdev_strategy(head);
	splx(s);
	uint64_t end = clock_deadline_ms(20000);
	while (burst_done < count && !clock_past(end))
		tsleep(&nobody, "burst", 2);
	int bad = 0;
	for (int i = 0; i < count; i++)
		bad += (burst[i].b_flags & B_ERROR) != 0;
	return burst_done == count && !bad;
}
