/*
 * bdev.h: the block device switch.
 *
 * Names say where a disk is, so that adding a controller never renames a
 * disk that was there before (`write sd0` must hit the same disk whatever
 * else is plugged in):
 *  - rdN: RAM disks;
 *  - wd0..wd3: the ATA drives at the legacy IDE ports, N = 2 * channel +
 *    drive (wd0 primary master at 0x1F0, wd1 primary slave, wd2 secondary
 *    master at 0x170, wd3 secondary slave), whether a PCI IDE controller in
 *    compatibility mode or ISA IDE (-M isapc) answers there;
 *  - sdN: port N of the AHCI controller at PCI 00:1f.2, the ICH9's own
 *    (q35's built-in);
 *  - every other controller's disks carry its PCI address, as lspci
 *    prints it, then the port (AHCI) or 2 * channel + drive (IDE in
 *    native mode): sd00:04.0-1 is port 1 of the AHCI at 00:04.0;
 *  - nvmeBB:DD.FnN: namespace N (its ID, 1 to 31) of the NVMe controller
 *    at that PCI address: nvme00:04.0n1 (an NVMe controller has no place
 *    of its own on any chipset, so every name carries the address).
 * lsblk shows each disk's place.  A dev_t is makedev(major, minor) (buf.h);
 * the minor is N for the short names, BDEV_MINOR_PCI | (PCI address << 5)
 * | N for the long, which can then never equal a short name's.
 */
#ifndef BDEV_H
#define BDEV_H

#include "buf.h"

#define BDEV_MAX       64	 /* RAM disks, 8 IDE channels, several AHCIs */
#define BDEV_MINOR_PCI (1 << 21) /* a minor that carries a PCI address */
#define BDEV_NAMELEN   20	 /* "nvme00:04.0n31p15" and its NUL fit */

#define MAJOR_RD   1
#define MAJOR_WD   2
#define MAJOR_SD   3
#define MAJOR_NVME 6 /* (4: partitions, part.h; 5: volumes, lv.h) */

struct bdev;

/*
 * A driver's entry points, one table per driver (as 9front's SDifc), and
 * every device it attaches points at it.  Partitions and volumes are
 * drivers too: part.c and lv.c have theirs.
 */
struct bdev_ops {
	/* Start a null-terminated av_forw chain of bufs for bd: validate,
	 * queue, start the device if idle (bdev_strategy_chain does the
	 * first two), return.  May run at interrupt level: never sleeps. */
	void (*strategy)(struct bdev *bd, struct buf *chain);
	/* Write the device's volatile cache to its media and wait; may
	 * sleep.  NULL: the device has no cache of its own. */
	int (*flush)(struct bdev *bd);
};

struct bdev {
	char name[BDEV_NAMELEN];
	dev_t dev;
	uint64_t nblocks;  /* size in DEV_BSIZE blocks */
	uint32_t maxxfer;  /* largest transfer the device takes, bytes */
	uint32_t maxseg;   /* physical runs one transfer may have (its
			      controller's scatter/gather entries); 0: any */
	uint32_t secsize;  /* bytes a sector: every request is whole
			      sectors, at a sector's start (0: DEV_BSIZE) */
	uint32_t align;	   /* a buffer's address is a multiple of it, as the
			      DMA engine needs (0: 2, ATA's; NVMe's PRPs: 4) */
	const char *model; /* for lsblk */
	char where
		[32]; /* for lsblk: "pci 00:1f.2 port 0", "isa 0x1f0 master" */
	const struct bdev_ops *ops; /* its driver's entry points */
	void *softc;		    /* the driver's per-disk state */
	struct bdev *parent;	    /* a partition's disk; NULL for a disk */
	uint64_t offset;	    /* a partition's first block on its disk */
	struct bdev *holder;	    /* the volume built on it (lv.c), or NULL */
	uint32_t ncached;	    /* cache buffers kept under it (bcache.c) */
	/* the grid its buffers lie on: grid_blocks, a power of two, at
	 * blocks grid_phase modulo it; offgrid: those that do not */
	uint32_t grid_blocks, grid_phase, offgrid;
	int opens; /* files of processes open on it (file.c) */
	/* Cached writes that failed after their writer went on (bawrite,
	 * bdwrite): how many, the last one's errno, and whether an fsync
	 * has reported it yet.  fsync reports to each file what came since
	 * it was opened, and one no file has heard of yet also to a file
	 * opened after it (file.c), as Linux's errseq does: a failure the
	 * syncer met is not lost. */
	uint32_t wb_errors;
	int wb_error;
	int wb_reported;
};

int bdev_register(struct bdev *bd);
void bdev_unregister(struct bdev *bd);
void bdev_set_name(struct bdev *bd, const char *prefix, int major, int pciloc,
		   int unit);
struct bdev *bdev_lookup(dev_t dev);
struct bdev *bdev_by_name(const char *name);
struct bdev *bdev_at(int i);
void bdev_strategy(struct buf *chain);
int bdev_flush(dev_t dev);
struct bdev *bdev_bottom(struct bdev *bd, uint64_t *start);
int bdev_meets(struct bdev *x, const struct bdev *bottom, uint64_t lo,
	       uint64_t n);
struct bdev *bdev_claimant(struct bdev *bd, uint64_t blk, uint64_t n);
/* Held (a sleep lock) from looking a device up to counting it open, and
 * across making, changing or removing a volume: a volume is never freed
 * under an open, nor two volumes made of one leg. */
void bdev_claims_enter(void);
void bdev_claims_exit(void);
void bdev_hold(struct bdev *bd, struct bdev *volume);
void bdev_unhold(struct bdev *bd);
extern int bdev_nheld;

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
struct buf *bdev_child(const struct buf *parent, uint32_t off, uint32_t len,
		       dev_t dev, daddr_t blkno, void (*done)(struct buf *),
		       void *priv);
/* The same in a header of the caller's own (a layer's pool): zeroed. */
void bdev_child_init(struct buf *c, const struct buf *parent, uint32_t off,
		     uint32_t len, dev_t dev, daddr_t blkno,
		     void (*done)(struct buf *), void *priv);
/* For drivers: the device failed bp (a device error, not a timeout):
 * report it naming the block, narrowing a multi-block transfer through
 * `enqueue` to find it, and complete bp.  Any level up to splbio. */
void bdev_io_failed(struct bdev *bd, struct buf *bp, int error,
		    void (*enqueue)(struct bdev *bd, struct buf *bp));
int bdev_flush_request(struct bdev *bd,
		       void (*enqueue)(struct bdev *bd, struct buf *bp));

/* bd's sector and buffer alignment rules, their defaults filled in */
static inline uint32_t
bdev_secsize(const struct bdev *bd)
{
	return bd->secsize ? bd->secsize : DEV_BSIZE;
}

static inline uint32_t
bdev_align(const struct bdev *bd)
{
	return bd->align ? bd->align : 2;
}

/* The bytes a driver transfers for bp: b_bcount less what validation cut
 * off the end of the device (kept in b_resid). */
static inline uint32_t
bdev_xfer_bytes(const struct buf *bp)
{
	return bp->b_bcount - bp->b_resid;
}

extern struct bdev_stats {
	uint64_t splits;   /* requests larger than maxxfer */
	uint64_t pieces;   /* bufs they became */
	uint64_t narrowed; /* failed transfers narrowed to their bad block */
} bdev_stats;

#endif
