/*
 * disktest.h: what the real-disk tests share (test_disk.c, test_bigdisk.c):
 * which disks are under test, and raw reads checked against the test
 * pattern (lib/pattern.h) that the harness writes into the images
 * (tests/scenarios/disks.py's make_image, harness.py's pattern_sector).
 *
 * Command line: disks=wd, sd, nvme or a list of them (which drivers'
 * disks; default wd);
 * diskcount=N (how many the harness attached).  A disk's pattern id is
 * its dev_t, which tests/scenarios/disks.py computes from the disk's
 * place (chipset_disk, added_disk).
 */
#ifndef DISKTEST_H
#define DISKTEST_H

#include <stdint.h>

#include "blk/bdev.h"
#include "testio.h"

int disk_under_test(const struct bdev *bd);
int disk_count(void);

#define FOR_EACH_DISK(bd)                                                      \
	for (int disk_i_ = 0; disk_i_ < BDEV_MAX; disk_i_++)                   \
		for (struct bdev *bd = bdev_at(disk_i_);                       \
		     bd && disk_under_test(bd); bd = NULL)

static inline uint32_t
disk_id(const struct bdev *bd)
{
	return bd->dev;
}

/* Read [blk, blk+n) raw and check the pattern of `id` in every block:
 * -1 if all are right, -2 if the read failed, else the first bad one's
 * index. */
int check_range(const struct bdev *bd, uint8_t *buf, daddr_t blk, uint32_t n,
		uint32_t id);
/* Write the pattern of `id` over [blk, blk+n) raw; 0 or an errno. */
int fill_range(const struct bdev *bd, uint8_t *buf, daddr_t blk, uint32_t n,
	       uint32_t id);

/* count reads of size bytes into mem, block i * size / 512 modulo half
 * the disk, handed to bdev_strategy as one chain at splbio (the driver
 * sees the whole burst before any completion), waited for (20 s at
 * most): 1 if all completed without an error. */
#define DISK_BURST_MAX 64
int disk_burst_read(struct bdev *bd, uint8_t *mem, uint32_t size, int count);
daddr_t disk_burst_block(const struct bdev *bd, uint32_t size, int i);

#endif
