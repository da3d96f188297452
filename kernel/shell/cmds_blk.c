/*
 * cmds_blk.c: the shell's block device commands: lsblk, read, write,
 * verify, cache, sync.  Errors read "read: rd0: ENXIO: block 99999 past
 * end": the command, the device, the errno name and what went wrong.
 */
#include <stdint.h>

#include "blk/bcache.h"
#include "blk/bdep.h"
#include "fs/vfs.h"
#include "blk/bdev.h"
#include "console.h"
#include "errno.h"
#include "hexdump.h"
#include "kmalloc.h"
#include "pattern.h"
#include "printf.h"
#include "shell.h"
#include "string.h"
#include "blk/uio.h"

#define CMD_MAX_BLOCKS 4096 /* read/write/verify at most this many at once */

static void
cons_put(int c, void *arg)
{
	(void)arg;
	kprintf("%c", c);
}

/* Why an I/O on bd at blk failed, in words. */
static const char *
why(const struct bdev *bd, uint64_t blk, int err)
{
	if (err == ENXIO && blk >= bd->nblocks)
		return "past end";
	return errno_msg(err);
}

static int
err_print(const char *cmd, const struct bdev *bd, uint64_t blk, int err)
{
	kprintf("%s: %s: %s: block %llu %s\n", cmd, bd->name, errno_name(err),
		(unsigned long long)blk, why(bd, blk, err));
	return 1;
}

/* DEV BLK [COUNT] arguments, checked; 0 when they are good. */
static int
parse_dev_range(int argc, char **argv, int first, struct bdev **bd,
		uint64_t *blk, uint64_t *count)
{
	*bd = bdev_by_name(argv[first]);
	if (!*bd) {
		kprintf("%s: %s: ENODEV: no such device (see lsblk)\n", argv[0],
			argv[first]);
		return 1;
	}
	if (argc > first + 1 && parse_u64(argv[first + 1], blk)) {
		kprintf("%s: %s: EINVAL: bad block number\n", argv[0],
			argv[first + 1]);
		return 1;
	}
	if (argc > first + 2 && (parse_u64(argv[first + 2], count) || !*count ||
				 *count > CMD_MAX_BLOCKS)) {
		kprintf("%s: %s: EINVAL: count must be 1 to %d\n", argv[0],
			argv[first + 2], CMD_MAX_BLOCKS);
		return 1;
	}
	if (*blk >= (*bd)->nblocks) {
		kprintf("%s: %s: ENXIO: block %llu past end\n", argv[0],
			(*bd)->name, (unsigned long long)*blk);
		return 1;
	}
	return 0;
}

static void
lsblk_line(const struct bdev *bd)
{
	char size[16], xfer[16], dev[16], name[BDEV_NAMELEN + 2];

	snprintf(name, sizeof(name), "%s%s", bd->parent ? "`-" : "", bd->name);
	snprintf(dev, sizeof(dev), "%d,%d", major(bd->dev), minor(bd->dev));
	kprintf("%-18s %-9s %-11s %-13llu %-6u %-8s %-24s %s\n", name, dev,
		fmt_size(size, sizeof(size), (uint64_t)bd->nblocks * DEV_BSIZE),
		(unsigned long long)bd->nblocks, bdev_secsize(bd),
		fmt_size(xfer, sizeof(xfer), bd->maxxfer),
		bd->where[0] ? bd->where : "-", bd->model ? bd->model : "-");
}

SHELL_CMD(lsblk, "",
	  "block devices: size, sector, largest transfer, where, model (names: "
	  "README)")
{
	if (argc != 1)
		return shell_usage(argv[0]);
	kprintf("NAME               DEV       SIZE        BLOCKS        SECTOR "
		"MAXXFER  WHERE                    MODEL\n");
	/* a tree, as lsblk -i draws it: each disk, then its partitions */
	for (int i = 0; bdev_at(i); i++) {
		if (bdev_at(i)->parent)
			continue;
		lsblk_line(bdev_at(i));
		for (int j = i + 1; bdev_at(j); j++)
			if (bdev_at(j)->parent == bdev_at(i))
				lsblk_line(bdev_at(j));
	}
	return 0;
}

/* Block blk of bd through the cache: the buffer of the sector holding it
 * (a device of 4096-byte sectors is read a whole sector at a time) and
 * the block's place in it. */
static int
block_bread(const struct bdev *bd, uint64_t blk, struct buf **bpp,
	    uint32_t *off)
{
	uint32_t per = bdev_secsize(bd) / DEV_BSIZE;

	*off = (uint32_t)(blk % per) * DEV_BSIZE;
	return bread(bd->dev, (daddr_t)(blk - blk % per), bdev_secsize(bd),
		     bpp);
}

SHELL_CMD(read, "DEV BLK [COUNT]",
	  "show COUNT blocks from BLK (through the cache), hexdump -C style")
{
	struct bdev *bd;
	uint64_t blk = 0, count = 1;

	if (argc < 3 || argc > 4)
		return shell_usage(argv[0]);
	if (parse_dev_range(argc, argv, 1, &bd, &blk, &count))
		return 1;
	for (uint64_t i = 0; i < count; i++) {
		struct buf *bp;
		uint32_t off;
		int err = block_bread(bd, blk + i, &bp, &off);
		if (err)
			return err_print("read", bd, blk + i, err);
		hexdump(cons_put, NULL, (uint8_t *)bp->b_un.b_addr + off,
			DEV_BSIZE, (blk + i) * DEV_BSIZE);
		brelse(bp);
	}
	return 0;
}

/* PATTERN: a byte (0-255, or 0xNN), "lba" (the test pattern), or text
 * repeated to fill the block. */
static int
fill_block(uint8_t *p, const char *pattern, const struct bdev *bd, uint64_t blk)
{
	uint64_t byte;

	if (!strcmp(pattern, "lba")) {
		pattern_fill(p, minor(bd->dev), blk);
	} else if (!parse_u64(pattern, &byte)) {
		if (byte > 255)
			return EINVAL;
		memset(p, (int)byte, DEV_BSIZE);
	} else {
		size_t n = strlen(pattern);
		for (int i = 0; i < DEV_BSIZE; i++)
			p[i] = (uint8_t)pattern[i % n];
	}
	return 0;
}

SHELL_CMD(write, "DEV BLK PATTERN [COUNT]",
	  "write COUNT blocks at BLK now (PATTERN: a byte, 'lba', or text)")
{
	struct bdev *bd;
	uint64_t blk = 0, count = 1;
	char size[16];

	if (argc < 4 || argc > 5)
		return shell_usage(argv[0]);
	if (parse_dev_range(3, argv, 1, &bd, &blk, &count))
		return 1;
	if (argc == 5 &&
	    (parse_u64(argv[4], &count) || !count || count > CMD_MAX_BLOCKS)) {
		kprintf("write: %s: EINVAL: count must be 1 to %d\n", argv[4],
			CMD_MAX_BLOCKS);
		return 1;
	}
	const struct bdev *vol = bdev_claimant(bd, blk, count);
	if (vol) {
		kprintf("write: %s: EBUSY: its blocks are volume %s's (write "
			"through %s)\n",
			bd->name, vol->name, vol->name);
		return 1;
	}
	for (uint64_t i = 0; i < count; i++) {
		if (blk + i >= bd->nblocks)
			return err_print("write", bd, blk + i, ENXIO);
		/* a block of a larger sector: the sector read, the block
		 * changed in it, the sector written */
		struct buf *bp = NULL;
		uint32_t off = 0;
		int err = bdev_secsize(bd) == DEV_BSIZE
				  ? ((bp = getblk(bd->dev, (daddr_t)(blk + i),
						  DEV_BSIZE))
					     ? 0
					     : ENOMEM)
				  : block_bread(bd, blk + i, &bp, &off);
		if (err)
			return err_print("write", bd, blk + i, err);
		if (fill_block((uint8_t *)bp->b_un.b_addr + off, argv[3], bd,
			       blk + i)) {
			bp->b_flags |= B_INVAL;
			brelse(bp);
			kprintf("write: %s: EINVAL: a byte pattern is 0 to "
				"255\n",
				argv[3]);
			return 1;
		}
		if ((err = bwrite(bp)))
			return err_print("write", bd, blk + i, err);
	}
	kprintf("wrote %llu blocks (%s) to %s at block %llu\n",
		(unsigned long long)count,
		fmt_size(size, sizeof(size), count * DEV_BSIZE), bd->name,
		(unsigned long long)blk);
	return 0;
}

SHELL_CMD(verify, "DEV [BLK [COUNT]]",
	  "check the 'lba' test pattern on the device itself (raw reads)")
{
	struct bdev *bd;
	uint64_t blk = 0, count = 0;
	char size[16];

	if (argc < 2 || argc > 4)
		return shell_usage(argv[0]);
	if (parse_dev_range(argc, argv, 1, &bd, &blk, &count))
		return 1;
	if (argc < 4)
		count = blk < bd->nblocks ? bd->nblocks - blk : 1;
	uint32_t chunk = 64; /* blocks per raw read */
	uint8_t *buf = kmalloc(chunk * DEV_BSIZE);
	if (!buf) {
		kprintf("verify: %s: ENOMEM: no buffer\n", bd->name);
		return 1;
	}
	uint64_t done = 0;
	int rc = 0;
	while (done < count) {
		uint32_t n = count - done < chunk ? count - done : chunk;
		size_t moved;
		int err = physio(bd->dev, buf, n * DEV_BSIZE,
				 (blk + done) * DEV_BSIZE, UIO_READ, &moved);
		if (!err && moved < n * DEV_BSIZE)
			err = ENXIO;
		if (err) {
			rc = err_print("verify", bd,
				       blk + done + moved / DEV_BSIZE, err);
			break;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint64_t b = blk + done + i;
			int at = pattern_check(buf + i * DEV_BSIZE,
					       minor(bd->dev), b);
			if (at >= 0) {
				kprintf("verify: %s: EIO: block %llu differs "
					"from the pattern at byte %d\n",
					bd->name, (unsigned long long)b, at);
				rc = 1;
				goto out;
			}
		}
		done += n;
	}
	if (!rc)
		kprintf("verify: %s: %llu blocks (%s) ok from block %llu\n",
			bd->name, (unsigned long long)count,
			fmt_size(size, sizeof(size), count * DEV_BSIZE),
			(unsigned long long)blk);
out:
	kfree(buf);
	return rc;
}

SHELL_CMD(cache, "[drop [DEV]]",
	  "buffer cache statistics; drop: write delayed writes, free all data "
	  "(DEV: forget that device's blocks)")
{
	const struct bcache_stats *s = &bcache_stats;

	if (argc == 3 && !strcmp(argv[1], "drop")) {
		/* one device cold (as Linux's BLKFLSBUF): its blocks by
		 * every name, its partitions' too */
		const struct bdev *bd = bdev_by_name(argv[2]);
		if (!bd) {
			kprintf("cache: %s: ENXIO: no such device (see "
				"lsblk)\n",
				argv[2]);
			return 1;
		}
		int err = bflush(bd->dev);
		binval(bd->dev);
		if (err)
			kprintf("cache: drop: %s: %s: a delayed write failed\n",
				bd->name, errno_name(err));
		return err ? 1 : 0;
	}
	if (argc == 2 && !strcmp(argv[1], "drop")) {
		int err = bcache_drop();
		if (err)
			kprintf("cache: drop: %s: a delayed write failed\n",
				errno_name(err));
		return err ? 1 : 0;
	}
	if (argc != 1)
		return shell_usage(argv[0]);
	uint64_t lookups = s->hits + s->misses;
	char mem[16], pool[16], rd[16], wr[16];
	kprintf("buffers     %d, %s of data (%llu bytes) in a pool of %s\n",
		s->nbuf, fmt_size(mem, sizeof(mem), s->data_bytes),
		(unsigned long long)s->data_bytes,
		fmt_size(pool, sizeof(pool), s->budget));
	kprintf("hits        %llu (%llu%%)\n", (unsigned long long)s->hits,
		(unsigned long long)(lookups ? s->hits * 100 / lookups : 0));
	kprintf("misses      %llu\n", (unsigned long long)s->misses);
	kprintf("read-ahead  %llu started, %llu used, %llu wasted\n",
		(unsigned long long)s->ra_issued,
		(unsigned long long)s->ra_used,
		(unsigned long long)s->ra_wasted);
	kprintf("clusters    %llu reads of %s on average, %llu writes of %s\n",
		(unsigned long long)s->cl_reads,
		fmt_size(rd, sizeof(rd),
			 s->cl_reads ? s->cl_read_bytes / s->cl_reads : 0),
		(unsigned long long)s->cl_writes,
		fmt_size(wr, sizeof(wr),
			 s->cl_writes ? s->cl_write_bytes / s->cl_writes : 0));
	kprintf("delayed     %llu writes delayed, %llu by the syncer\n",
		(unsigned long long)s->delwri,
		(unsigned long long)s->syncer_writes);
	kprintf("writes      %llu (%llu failed)\n",
		(unsigned long long)s->writes,
		(unsigned long long)s->write_errors);
	kprintf("evictions   %llu\n", (unsigned long long)s->evictions);
	kprintf("waits       %llu\n", (unsigned long long)s->waits);
	kprintf("flushes     %llu device cache flushes\n",
		(unsigned long long)s->dev_flushes);
	kprintf("raw         %llu raw transfers met cached blocks\n",
		(unsigned long long)s->raw_syncs);
	kprintf("order       %llu writes ordered after others (bdep), %llu "
		"waited, %llu started early, %llu written at once, %llu "
		"loops broken\n",
		(unsigned long long)bdep_stats.added,
		(unsigned long long)bdep_stats.waited,
		(unsigned long long)bdep_stats.started,
		(unsigned long long)bdep_stats.sync,
		(unsigned long long)bdep_stats.broken);
	return 0;
}

SHELL_CMD(sync, "", "write every delayed write, then flush device caches")
{
	if (argc != 1)
		return shell_usage(argv[0]);
	uint64_t before = bcache_stats.writes;
	int err = vfs_sync(); /* the file system's counts to its buffers */
	int e = bsync();
	err = err ? err : e;
	if (err) {
		kprintf("sync: %s: %s\n", errno_name(err), errno_msg(err));
		return 1;
	}
	kprintf("sync: %llu buffers written, device caches flushed\n",
		(unsigned long long)(bcache_stats.writes - before));
	return 0;
}
