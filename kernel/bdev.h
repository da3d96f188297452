/*
 * bdev.h: the block device switch.
 *
 * Names: rdN are RAM disks; wdN are disks on the PIIX IDE controller,
 * N = 2 * channel + drive (wd0 primary master, wd1 primary slave, wd2
 * secondary master, wd3 secondary slave), so a disk keeps its name
 * whatever else is attached; sdN are AHCI disks, N = the port number.
 * A dev_t is (major << 8) | minor: the major names the driver (rd, wd,
 * sd), the minor the unit.
 */
#ifndef BDEV_H
#define BDEV_H

#include "buf.h"

#define BDEV_MAX 16

#define MAJOR_RD 1
#define MAJOR_WD 2
#define MAJOR_SD 3

#define makedev(ma, mi) ((dev_t)(((ma) << 8) | (mi)))
#define major(d)	((int)((d) >> 8))
#define minor(d)	((int)((d)&0xFF))

struct bdev {
	char name[8];
	dev_t dev;
	uint32_t nblocks;  /* size in DEV_BSIZE blocks */
	uint32_t maxxfer;  /* largest transfer the device takes, bytes */
	const char *model; /* for lsblk */
	/* Takes a null-terminated av_forw chain; never sleeps. */
	void (*strategy)(struct buf *chain);
	/* Write the device's volatile cache to media; may sleep. */
	int (*flush)(struct bdev *bd);
	void *softc; /* the driver's per-disk state */
};

int bdev_register(struct bdev *bd);
struct bdev *bdev_lookup(dev_t dev);
struct bdev *bdev_by_name(const char *name);
struct bdev *bdev_at(int i);
void bdev_strategy(struct buf *chain);
int bdev_flush(dev_t dev);

/*
 * For drivers' strategy routines: validate each buf of the chain (the
 * bounds rules in bdev.c), split the ones larger than maxxfer, and hand
 * every piece to start(), which queues it to the device.  A driver's
 * strategy routine is usually just:
 *
 *	bdev_strategy_chain(bd, chain, xx_start);
 */
void bdev_strategy_chain(struct bdev *bd, struct buf *chain,
			 void (*start)(struct bdev *bd, struct buf *bp));
int bdev_validate(const struct bdev *bd, struct buf *bp);
int bdev_flush_request(struct bdev *bd,
		       void (*enqueue)(struct bdev *bd, struct buf *bp));

/* The bytes a driver transfers for bp: b_bcount less what validation cut
 * off the end of the device (kept in b_resid). */
static inline uint32_t
bdev_xfer_bytes(const struct buf *bp)
{
	return bp->b_bcount - bp->b_resid;
}

extern struct bdev_stats {
	uint64_t splits; /* requests larger than maxxfer */
	uint64_t pieces; /* bufs they became */
} bdev_stats;

#endif
