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
