/*
 * ramdisk.c: the RAM disk of the reference pages' example
 * (../shared/seeds/001_*.txt, 003_*.txt: ramdstrategy), made real, and the
 * reference driver: any block layer test runs on it first.
 *
 * Two disks, one per completion design of ../shared/seeds/004_*.txt,
 * named for it in lsblk's MODEL column:
 *  rd0  "completed in its strategy routine": the strategy routine copies
 *       and calls biodone itself, before it returns.  The pages allow
 *       it (biodone may be called from any context) and it never sleeps,
 *       as AIX requires of strategy (bio.c); the issuer's biowait then
 *       finds B_DONE already set and returns at once;
 *  rd1  "completed by the clock interrupt": strategy appends to a queue
 *       shared with the clock interrupt, which completes each request
 *       once its latency has passed, from interrupt level, so biodone
 *       takes the deferred INTIODONE path exactly as a disk
 *       controller's would.
 *
 * Kernel command line: rdsize=SIZE (each disk; default 4M), rdlatency=N
 * (rd1's latency in clock ticks; default 1).  A GRUB module named "rd0"
 * (module /boot/rd0.img rd0) becomes rd0's contents and size.
 */
#include "ramdisk.h"

#include <stddef.h>

#include "blk/bdev.h"
#include "blk/bufq.h"
#include "clock.h"
#include "cmdline_opt.h"
#include "console.h"
#include "debug.h"
#include "errno.h"
#include "intr.h"
#include "kmalloc.h"
#include "multiboot.h"
#include "panic.h"
#include "pmem.h"
#include "printf.h"
#include "string.h"
#include "blk/trace.h"

#define RD_DEFAULT_SIZE (4u << 20)
#define RD_MAXXFER	(128u * 1024) /* so the splitting path is used */
#define RD_UNITS	2

struct rd_softc {
	struct bdev bd;
	uint8_t *data;	   /* the disk's contents */
	int async;	   /* rd1: completed from the clock interrupt */
	uint32_t latency;  /* ticks from strategy to completion */
	struct bufq queue; /* pending requests, FIFO */
	struct intrhand *ih;
	uint64_t ios;
	daddr_t bad_blk; /* ramdisk_inject_error: fails any I/O touching it */
	int bad_error;	 /* 0: no fault injected */
};

static struct rd_softc rd[RD_UNITS];
static int rd_debug; /* debug=rd: a line per request queued and done */

/* Move bp's data; 0, or the injected error. */
static int
rd_transfer(struct rd_softc *sc, struct buf *bp)
{
	/* bdev_validate has put b_blkno inside the disk, which is in memory */
	uint8_t *disk = sc->data + (size_t)bp->b_blkno * DEV_BSIZE;
	uint32_t nblk = bdev_xfer_bytes(bp) / DEV_BSIZE;

	if (sc->bad_error && sc->bad_blk >= bp->b_blkno &&
	    sc->bad_blk < bp->b_blkno + (daddr_t)nblk) {
		sc->ios++;
		return sc->bad_error;
	}
	if (bp->b_flags & B_READ)
		memcpy(bp->b_un.b_addr, disk, bdev_xfer_bytes(bp));
	else
		memcpy(disk, bp->b_un.b_addr, bdev_xfer_bytes(bp));
	sc->ios++;
	return 0;
}

static void
rd_complete(struct rd_softc *sc, struct buf *bp)
{
	int err = rd_transfer(sc, bp);

	DPRINTF(rd_debug, "%s: %s block %lld count %u done%s\n", sc->bd.name,
		bp->b_flags & B_READ ? "read" : "write", bp->b_blkno,
		bdev_xfer_bytes(bp) / DEV_BSIZE, err ? " (failed)" : "");
	if (err)
		biofail(bp, err);
	else
		biodone(bp);
}

/* Queue one validated buf; rd0 completes it here and now. */
static void
rd_start(struct bdev *bd, struct buf *bp)
{
	struct rd_softc *sc = bd->softc;

	TRACE(TR_ISSUE, bp, 0);
	if (!sc->async) {
		rd_complete(sc, bp);
		return;
	}
	bp->b_deadline = clock_ticks() + sc->latency; /* when it is due */
	DPRINTF(rd_debug, "%s: %s block %lld queued, due at tick %llu\n",
		sc->bd.name, bp->b_flags & B_READ ? "read" : "write",
		bp->b_blkno, (unsigned long long)bp->b_deadline);
	int s = splclock(); /* the queue is shared with the clock interrupt */
	bufq_put(&sc->queue, bp);
	splx(s);
}

static void
rd_strategy(struct bdev *bd, struct buf *chain)
{
	bdev_strategy_chain(bd, chain, rd_start);
}

/* rd1's "controller interrupt": the clock, at IPL_CLOCK. */
static int
rd_intr(void *arg)
{
	struct rd_softc *sc = arg;
	uint64_t now = clock_ticks();

	while (!bufq_empty(&sc->queue) &&
	       bufq_peek(&sc->queue)->b_deadline <= now) {
		/* from interrupt level: biodone defers to INTIODONE */
		struct buf *bp = bufq_get(&sc->queue);
		TRACE(TR_INTR, bp, 0); /* the clock's IRQ 0 */
		rd_complete(sc, bp);
	}
	return 0; /* the clock's own handler claims the IRQ */
}

/* (no flush: RAM has no volatile cache of its own) */
static const struct bdev_ops rd_ops = {
	.strategy = rd_strategy,
};

/* contents: a GRUB module's memory (pmem keeps it reserved), used in
 * place; NULL for a zeroed disk. */
static int
rd_attach(int unit, uint32_t size, uint8_t *contents)
{
	struct rd_softc *sc = &rd[unit];

	sc->data = contents ? contents : kzalloc(size);
	if (!sc->data) {
		kprintf("rd%d: ENOMEM: no memory for %u bytes\n", unit, size);
		return ENOMEM;
	}
	sc->async = unit == 1;
	snprintf(sc->bd.name, sizeof(sc->bd.name), "rd%d", unit);
	/* rd1's queue is shared with the clock interrupt */
	bufq_init(&sc->queue, IPL_CLOCK, sc->bd.name);
	sc->bd.dev = makedev(MAJOR_RD, unit);
	sc->bd.nblocks = size / DEV_BSIZE;
	sc->bd.maxxfer = RD_MAXXFER;
	sc->bd.model = sc->async
			       ? "RAM disk, completed by the clock interrupt"
			       : "RAM disk, completed in its strategy routine";
	sc->bd.ops = &rd_ops;
	sc->bd.softc = sc;
	if (sc->async) {
		const char *lat = cmdline_opt("rdlatency");
		uint64_t v = 1;
		if (lat && (parse_u64(lat, &v) || v > 10000)) {
			kprintf("rd1: rdlatency=%s: EINVAL: not 0 to 10000 "
				"ticks; using 1\n",
				lat);
			v = 1;
		}
		sc->latency = (uint32_t)v;
		sc->ih = intr_establish(0, IPL_CLOCK, rd_intr, sc, "rd1");
	}
	return bdev_register(&sc->bd);
}

/* Fail every transfer that touches block blk of rd<unit> with `error`
 * (0 stops it): QEMU's blkdebug, for the RAM disk.  For tests. */
int
ramdisk_inject_error(int unit, daddr_t blk, int error)
{
	if (unit < 0 || unit >= RD_UNITS || !rd[unit].data)
		return ENXIO;
	rd[unit].bad_blk = blk;
	rd[unit].bad_error = error;
	return 0;
}

/* The disk's memory, for tests that check what reached the "media". */
uint8_t *
ramdisk_data(int unit)
{
	return unit >= 0 && unit < RD_UNITS ? rd[unit].data : NULL;
}

void
ramdisk_init(const struct multiboot_info *mbi)
{
	uint64_t size = RD_DEFAULT_SIZE;
	const char *opt = cmdline_opt("rdsize");

	rd_debug = cmdline_opt_has("debug", "rd");
	if (opt && (parse_size(opt, &size) || !size || size % DEV_BSIZE ||
		    size > (256u << 20))) {
		kprintf("ramdisk: rdsize=%s: EINVAL: a multiple of 512 up to "
			"256M; using 4M\n",
			opt);
		size = RD_DEFAULT_SIZE;
	}
	const struct multiboot_mod *mod = multiboot_module(mbi, "rd0");
	if (mod) {
		uint32_t len = (mod->end - mod->start) & ~(DEV_BSIZE - 1);
		rd_attach(0, len, (uint8_t *)mod->start);
	} else {
		rd_attach(0, (uint32_t)size, NULL);
	}
	rd_attach(1, (uint32_t)size, NULL);
}
