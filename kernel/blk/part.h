/*
 * part.h: partitions (part.c): every disk's MBR or GPT, read once its
 * driver has attached it, each partition a block device of its own named
 * after its disk: sd0p1, wd0p5, sd00:04.0-1p2.
 */
#ifndef PART_H
#define PART_H

#include "bdev.h"

#define MAJOR_PART 4
#define PART_MAX   64 /* partitions, all disks together */

/* Read the partition tables of every disk registered now (not of
 * partitions, nor of volumes), registering a block device for each
 * good entry and saying why a bad one is skipped.  Sleeps. */
void part_scan_all(void);
/* The same for one disk; how many partitions it registered. */
int part_scan(struct bdev *disk);
/* Where partition bd lies: its disk and first block; 0, or ENXIO if bd
 * is no partition. */
int part_where(const struct bdev *bd, struct bdev **disk, uint64_t *start);

#endif
