/*
 * ide.c: the PIIX IDE disk driver (QEMU -M pc), the asynchronous design
 * of ../shared/seeds/004_*.txt: the strategy routine queues bufs to the
 * channel and starts the device if it is idle; the channel's interrupt
 * completes the active buf with biodone (deferred to INTIODONE) and starts
 * the next.
 *
 * QEMU: -drive file=IMG,format=raw,if=none,id=d0 \
 *       -device ide-hd,drive=d0,bus=ide.0,unit=0     (wd0; ide.1 unit=1 is wd3)
 * -M isapc has no PCI: its two ISA IDE channels sit at the same legacy
 * ports and IRQs as a PIIX's in compatibility mode, and this driver takes
 * them the same way, by PIO.
 *
 * Names (bdev.h): the four drives at the legacy ports (0x1F0 primary,
 * 0x170 secondary; master, slave) are wd0..wd3, N = 2 * channel + drive,
 * whichever controller answers there; a PCI controller in native mode
 * names its drives by its PCI address, wdBB:DD.F-N.  A second controller
 * in compatibility mode would answer at the same ports: it is refused.
 *
 * Disks attach, and commands are built, as AHCI's are (ata.c); this file
 * moves them through the task file.  Transfers are bus-master DMA with a
 * PRD table, or PIO (`ide=pio` on the command line, or a controller
 * without a bus master BAR).  LBA48 commands are used only past LBA28's
 * reach.  Scheduling: C-LOOK on each channel's queue (ascending block
 * order from the last position, then wrap to the lowest): on a real disk
 * it bounds seeks and starves no one; a flush is a barrier nothing is
 * sorted across.  Every command has a watchdog: when it fires, a command
 * that is in fact complete (a lost interrupt) is finished; otherwise the
 * channel is reset and the command retried, IDE_RETRIES times, then EIO.
 */
#include "ide.h"

#include <stddef.h>

#include "ata.h"
#include "attach.h"
#include "dma.h"
#include "blk/bdev.h"
#include "blk/bufq.h"
#include "clock.h"
#include "cmdline_opt.h"
#include "console.h"
#include "debug.h"
#include "cpu.h"
#include "errno.h"
#include "ide_reg.h"
#include "intr.h"
#include "kmalloc.h"
#include "panic.h"
#include "pci.h"
#include "pci_reg.h"
#include "pmem.h"
#include "printf.h"
#include "string.h"
#include "blk/trace.h"

#define IDE_TIMEOUT_TICKS (3 * HZ) /* a command's watchdog */
#define IDE_RETRIES	  3	   /* resets before EIO */
#define IDE_WAIT_MS	  100	   /* bound on polling the status register */
#define IDE_MAXXFER	  (1024u * 1024) /* bytes per command, LBA48 */
#define IDE_NPRD	  (PAGE_SIZE / sizeof(struct ide_prd))
#define IDE_MAX_CHANNELS  8 /* the legacy pair and three native controllers */

struct ide_channel;

struct ide_drive {
	struct bdev bd;
	struct ide_channel *ch;
	int unit; /* 0 master, 1 slave */
	struct ata_ident id;
	int present;
};

struct ide_channel {
	char name[BDEV_NAMELEN];   /* "ide0", or "ide00:05.0-1" when native */
	int chan;		   /* 0 primary, 1 secondary */
	const struct pci_dev *pci; /* its controller; NULL: ISA */
	int pciloc; /* native mode: the PCI address (pci_loc); else -1 */
	uint16_t cmd, ctl, bm; /* I/O bases; bm 0: no bus master */
	int irq;
	struct ide_drive drive[2];
	struct bufq queue;  /* waiting, in C-LOOK order from head */
	struct buf *active; /* the command in the drive */
	struct ide_drive *adrive;
	int dma;	     /* the active command uses DMA */
	uint8_t *pio_ptr;    /* PIO: where the next sector goes or comes */
	uint32_t pio_left;   /* PIO: sectors still to move */
	daddr_t head;	     /* C-LOOK: where the last command ended */
	struct ide_prd *prd; /* the channel's PRD table (one page) */
	struct timeout watchdog;
	int retries;
	struct intrhand *ih;
	struct ide_stats stats;
};

static struct ide_channel *channels[IDE_MAX_CHANNELS];
static int nchannels;
static int ide_use_pio;
static int ide_debug; /* debug=ide: a line per command issued and done */
static volatile int ide_drop_irqs; /* tests: interrupts to ignore */

/* --- registers --- */

static uint8_t
status_alt(struct ide_channel *ch)
{
	return inb(ch->ctl + IDE_ALTSTATUS);
}

/* Poll until BSY clears (and `want` bits are set); 0 on success,
 * ETIMEDOUT after IDE_WAIT_MS (the watchdog or the probe then acts). */
static int
wait_ready(struct ide_channel *ch, uint8_t want)
{
	for (uint64_t end = clock_deadline_ms(IDE_WAIT_MS); !clock_past(end);) {
		uint8_t s = status_alt(ch);
		if (s == 0xFF)
			return ENXIO;
		if (!(s & ATA_S_BSY) && (s & want) == want)
			return 0;
		if (!(s & ATA_S_BSY) && (s & (ATA_S_ERR | ATA_S_DF)))
			return EIO;
	}
	return ETIMEDOUT;
}

/* The 400 ns the drive needs after select before its status is true. */
static void
settle(struct ide_channel *ch)
{
	for (int i = 0; i < 4; i++)
		status_alt(ch);
}

static void
select_drive(struct ide_channel *ch, int unit, uint8_t lba_high)
{
	outb(ch->cmd + IDE_DEVICE,
	     ATA_DEV_OBS | ATA_DEV_LBA | (unit ? ATA_DEV_SLAVE : 0) | lba_high);
	settle(ch);
}

/* Load tf into the task file of drive `unit`: the 48-bit form writes
 * each register twice, high-order byte first (the registers are FIFOs). */
static void
taskfile(struct ide_channel *ch, int unit, const struct ata_tf *tf)
{
	select_drive(ch, unit, tf->device & ATA_DEV_LBA_HI);
	if (tf->lba48) {
		if (tf->features)
			outb(ch->cmd + IDE_FEATURES, tf->features >> 8);
		outb(ch->cmd + IDE_COUNT, tf->count >> 8);
		outb(ch->cmd + IDE_LBA_LO, (tf->lba >> 24) & 0xFF);
		outb(ch->cmd + IDE_LBA_MID, (tf->lba >> 32) & 0xFF);
		outb(ch->cmd + IDE_LBA_HI, (tf->lba >> 40) & 0xFF);
	}
	if (tf->features) /* else unused: spare the port writes */
		outb(ch->cmd + IDE_FEATURES, tf->features & 0xFF);
	outb(ch->cmd + IDE_COUNT, tf->count & 0xFF);
	outb(ch->cmd + IDE_LBA_LO, tf->lba & 0xFF);
	outb(ch->cmd + IDE_LBA_MID, (tf->lba >> 8) & 0xFF);
	outb(ch->cmd + IDE_LBA_HI, (tf->lba >> 16) & 0xFF);
	outb(ch->cmd + IDE_COMMAND, tf->command);
}

static void
bm_stop(struct ide_channel *ch)
{
	if (!ch->bm)
		return;
	outb(ch->bm + BM_COMMAND, 0);
	outb(ch->bm + BM_STATUS, BM_ST_INTR | BM_ST_ERROR); /* write 1 clears */
}

/* Describe [addr, addr+len) in the PRD table, a run of physical memory
 * an entry (dma.c); 0 if it does not fit, or a run is not word-aligned
 * as bus mastering needs (then the channel uses PIO). */
static int
prd_build(struct ide_channel *ch, const void *addr, uint32_t len)
{
	struct dma_runs runs;
	uint32_t pa, piece;
	unsigned n = 0;

	dma_runs_init(&runs, addr, len, PRD_MAX_BYTES, PRD_MAX_BYTES);
	while (dma_run_next(&runs, &pa, &piece)) {
		if (n == IDE_NPRD || (pa | piece) & 1)
			return 0;
		ch->prd[n].addr = pa;
		ch->prd[n].flags_count = piece & 0xFFFF; /* 64 KiB is 0 */
		n++;
	}
	ch->prd[n - 1].flags_count |= PRD_EOT;
	return 1;
}

/* One sector by PIO, 256 words. */
static void
pio_in(struct ide_channel *ch)
{
	uint32_t words = 256;

	__asm__ volatile("rep insw"
			 : "+D"(ch->pio_ptr), "+c"(words)
			 : "d"(ch->cmd + IDE_DATA)
			 : "memory");
}

static void
pio_out(struct ide_channel *ch)
{
	uint32_t words = 256;

	__asm__ volatile("rep outsw"
			 : "+S"(ch->pio_ptr), "+c"(words)
			 : "d"(ch->cmd + IDE_DATA));
}

static void ide_start(struct ide_channel *ch);

static void ide_enqueue(struct bdev *bd, struct buf *bp);

/* Finish the active command.  `refused`: the drive failed it (not a
 * timeout), and the block layer narrows it to the failed block.  At
 * splbio. */
static void
ide_done(struct ide_channel *ch, int error, int refused)
{
	SPL_ASSERT_ATLEAST(IPL_BIO);
	struct buf *bp = ch->active;
	struct ide_drive *d = ch->adrive;

	DPRINTF(ide_debug, "%s: done block %lld%s\n", d->bd.name, bp->b_blkno,
		error ? " (failed)" : "");
	timeout_del(&ch->watchdog);
	ch->active = NULL;
	ch->retries = 0;
	bm_stop(ch);
	ch->stats.commands++;
	if (error)
		ch->stats.errors++;
	TRACE(TR_INTR, bp, (uint32_t)ch->irq);
	if (refused)
		bdev_io_failed(&d->bd, bp, error, ide_enqueue);
	else if (error)
		biofail(bp, error);
	else
		biodone(bp);
	ide_start(ch);
}

/* The drive refused the active command: say what it said, and let the
 * block layer name the failed block (narrowing a longer transfer). */
static void
ide_fail_active(struct ide_channel *ch, uint8_t status)
{
	char why[80];
	uint8_t err = inb(ch->cmd + IDE_ERROR);
	struct buf *bp = ch->active;

	kprintf("%s: %s of %u block(s) at %lld failed: %s\n",
		ch->adrive->bd.name,
		bp->b_flags & B_FLUSH  ? "flush"
		: bp->b_flags & B_READ ? "read"
				       : "write",
		bdev_xfer_bytes(bp) / DEV_BSIZE, bp->b_blkno,
		ata_error_str(why, sizeof(why), status, err));
	ide_done(ch, EIO, 1);
}

/* Issue the command for the active buf.  At splbio. */
static void
ide_issue(struct ide_channel *ch)
{
	SPL_ASSERT_ATLEAST(IPL_BIO);
	struct buf *bp = ch->active;
	struct ide_drive *d = ch->adrive;
	uint32_t len = bdev_xfer_bytes(bp);
	uint32_t count = len / DEV_BSIZE;
	int rd = bp->b_flags & B_READ;
	struct ata_tf tf;

	if (!count && !(bp->b_flags & B_FLUSH))
		panic("ide_issue: %s: zero-length transfer at block %lld "
		      "(bdev_validate lets none through)",
		      d->bd.name, bp->b_blkno);

	timeout_add(&ch->watchdog, IDE_TIMEOUT_TICKS);
	if (wait_ready(ch, 0) == ETIMEDOUT) {
		/* the watchdog resets the channel */
		return;
	}
	ch->dma = 0;
	ch->pio_left = 0;
	if (bp->b_flags & B_FLUSH) {
		ata_tf_flush(&tf, &d->id); /* ide_flush queues none if not */
		TRACE(TR_ISSUE, bp, (uint32_t)(2 * ch->chan + d->unit));
		taskfile(ch, d->unit, &tf);
		ch->stats.flushes++;
		DPRINTF(ide_debug, "%s: %s\n", d->bd.name, ata_tf_name(&tf));
		return;
	}
	ch->head = bp->b_blkno + count;
	ch->dma = ch->bm && !ide_use_pio && prd_build(ch, bp->b_un.b_addr, len);
	ata_tf_rw(&tf, ch->dma ? ATA_XFER_DMA : ATA_XFER_PIO, !rd,
		  (uint64_t)bp->b_blkno, count, 0);
	TRACE(TR_ISSUE, bp, (uint32_t)(2 * ch->chan + d->unit));
	DPRINTF(ide_debug, "%s: %s block %lld count %u\n", d->bd.name,
		ata_tf_name(&tf), bp->b_blkno, count);
	if (ch->dma) {
		bm_stop(ch);
		outl(ch->bm + BM_PRD_ADDR, (uint32_t)ch->prd);
		outb(ch->bm + BM_COMMAND, rd ? BM_CMD_READ : 0);
		taskfile(ch, d->unit, &tf);
		outb(ch->bm + BM_COMMAND,
		     (rd ? BM_CMD_READ : 0) | BM_CMD_START);
		ch->stats.dma++;
		return;
	}
	ch->pio_ptr = bp->b_un.b_addr;
	ch->pio_left = count;
	taskfile(ch, d->unit, &tf);
	ch->stats.pio++;
	if (!rd) {
		/* The first sector goes now; each interrupt asks for the next. */
		if (wait_ready(ch, ATA_S_DRQ))
			return; /* the interrupt or the watchdog reports it */
		pio_out(ch);
		ch->pio_left--;
	}
}

static void
ide_start(struct ide_channel *ch)
{
	SPL_ASSERT_ATLEAST(IPL_BIO);
	if (ch->active || bufq_empty(&ch->queue))
		return;
	struct buf *bp = bufq_get(&ch->queue);
	ch->active = bp;
	ch->adrive = bdev_lookup(bp->b_dev)->softc;
	ide_issue(ch);
}

/*
 * The drive has interrupted (or the watchdog found it finished): move the
 * next PIO sector, or finish the command.  At splbio.
 */
static void
ide_service(struct ide_channel *ch)
{
	SPL_ASSERT_ATLEAST(IPL_BIO);
	uint8_t bmst = ch->bm ? inb(ch->bm + BM_STATUS) : 0;
	uint8_t st = inb(ch->cmd + IDE_STATUS); /* acknowledges INTRQ */

	if (st & ATA_S_BSY)
		return; /* not yet */
	if (ch->dma) {
		bm_stop(ch);
		if (st & (ATA_S_ERR | ATA_S_DF) || bmst & BM_ST_ERROR) {
			ide_fail_active(ch, st);
			return;
		}
		ide_done(ch, 0, 0);
		return;
	}
	if (st & (ATA_S_ERR | ATA_S_DF)) {
		ide_fail_active(ch, st);
		return;
	}
	int rd = ch->active->b_flags & B_READ;
	if (rd && ch->pio_left) {
		if (!(st & ATA_S_DRQ)) {
			ide_fail_active(ch, st);
			return;
		}
		pio_in(ch);
		if (--ch->pio_left)
			return; /* the next sector's interrupt follows */
	} else if (!rd && ch->pio_left) {
		pio_out(ch);
		ch->pio_left--;
		return;
	}
	ide_done(ch, 0, 0);
}

/* Software reset of both drives on the channel, interrupts left on;
 * 0, or wait_ready's error if the drives stay busy after it. */
static int
ide_reset(struct ide_channel *ch)
{
	bm_stop(ch);
	outb(ch->ctl + IDE_DEVCTL, DEVCTL_SRST);
	for (int i = 0; i < 10; i++)
		status_alt(ch); /* > 5 us */
	outb(ch->ctl + IDE_DEVCTL, 0);
	ch->stats.resets++;
	return wait_ready(ch, 0);
}

/* A command's watchdog, from the soft clock. */
static void
ide_watchdog(void *arg)
{
	struct ide_channel *ch = arg;
	int s = splbio();

	if (!ch->active) {
		splx(s);
		return;
	}
	uint8_t st = status_alt(ch);
	uint8_t bmst = ch->bm ? inb(ch->bm + BM_STATUS) : 0;
	int finished = !(st & ATA_S_BSY) &&
		       (ch->dma ? (bmst & BM_ST_INTR) != 0
				: (st & (ATA_S_DRQ | ATA_S_ERR)) ||
					  (ch->active->b_flags & B_FLUSH) ||
					  !ch->pio_left);
	if (finished) {
		ch->stats.lost_irqs++;
		kprintf("%s: lost interrupt: the command had finished; "
			"recovered\n",
			ch->adrive->bd.name);
		struct buf *bp = ch->active;
		TRACE_EVENT(TR_DRV_ERROR, bp->b_dev, bp->b_blkno, 0, 0,
			    TRACE_LOST_IRQ);
		ide_service(ch);
		/* PIO: the rest of this command without interrupts; not the
		 * next one, which ide_done may have started already */
		while (ch->active == bp && !ch->dma && ch->pio_left &&
		       !(status_alt(ch) & ATA_S_BSY))
			ide_service(ch);
		splx(s);
		return;
	}
	ch->stats.timeouts++;
	kprintf("%s: command timed out (status 0x%02x); resetting channel %d\n",
		ch->adrive->bd.name, st, ch->chan);
	TRACE_EVENT(TR_DRV_RESET, ch->active->b_dev, ch->active->b_blkno, 0,
		    ETIMEDOUT, 1);
	int err = ide_reset(ch);
	if (err) {
		/* nothing to re-issue to: the command fails now */
		kprintf("%s: channel %d did not come out of reset: %s\n",
			ch->adrive->bd.name, ch->chan, errno_name(err));
		ide_done(ch, EIO, 0);
	} else if (++ch->retries > IDE_RETRIES) {
		kprintf("%s: giving up after %d resets\n", ch->adrive->bd.name,
			IDE_RETRIES);
		ide_done(ch, EIO, 0);
	} else {
		TRACE(TR_DRV_REISSUE, ch->active, (uint32_t)ch->active);
		ide_issue(ch);
	}
	splx(s);
}

/* --- probing --- */

static int
ide_identify(struct ide_channel *ch, struct ide_drive *d,
	     struct ata_identify *id)
{

	select_drive(ch, d->unit, 0);
	uint8_t s = status_alt(ch);
	if (s == 0xFF || s == 0)
		return ENODEV;
	outb(ch->cmd + IDE_COMMAND, ATA_IDENTIFY);
	settle(ch);
	if (!status_alt(ch))
		return ENODEV;
	int err = wait_ready(ch, ATA_S_DRQ);
	if (err) {
		uint8_t mid = inb(ch->cmd + IDE_LBA_MID);
		uint8_t hi = inb(ch->cmd + IDE_LBA_HI);
		if (mid == ATAPI_SIG_MID && hi == ATAPI_SIG_HIGH) {
			ata_attach_refused(&d->bd, ATA_ATAPI_REFUSED);
			return ENODEV;
		}
		return err;
	}
	__asm__ volatile("rep insw"
			 :
			 : "D"(id), "c"(sizeof(*id) / 2),
			   "d"(ch->cmd + IDE_DATA)
			 : "memory");
	inb(ch->cmd + IDE_STATUS);
	return 0;
}

static const struct bdev_ops ide_ops;

/* attachfail=ide.identify: the drive does not answer IDENTIFY. */
static void
ide_drive_attach(struct ide_channel *ch, int unit, struct attach_audit *au)
{
	static struct ata_identify id;
	struct ide_drive *d = &ch->drive[unit];
	const struct ata_host host = {
		.xfer = ch->bm && !ide_use_pio ? ATA_XFER_DMA : ATA_XFER_PIO,
		.maxxfer = IDE_MAXXFER,
		.maxseg = IDE_NPRD,
	};

	d->ch = ch;
	d->unit = unit;
	bdev_set_name(&d->bd, "wd", MAJOR_WD, ch->pciloc, 2 * ch->chan + unit);
	if (attach_fail(au, "ide", "identify") || ide_identify(ch, d, &id))
		return;
	d->bd.ops = &ide_ops;
	d->bd.softc = d;
	if (ch->pci)
		snprintf(d->bd.where, sizeof(d->bd.where),
			 "pci %02x:%02x.%x %s %s", ch->pci->bus, ch->pci->dev,
			 ch->pci->fn, ch->chan ? "secondary" : "primary",
			 unit ? "slave" : "master");
	else
		snprintf(d->bd.where, sizeof(d->bd.where), "isa 0x%x %s",
			 ch->cmd, unit ? "slave" : "master");
	d->present = !ata_disk_attach(&d->bd, &id, &d->id, &host);
}

static int ide_intr(void *arg);

/* Probe a channel's two drives and, if either is there, take its
 * interrupt.  p: its PCI controller, or NULL (ISA); pciloc: p's address
 * if the channel is in native mode (its disks' names carry it), else -1;
 * bm: its bus master registers, or 0 (PIO only). */
static void
ide_channel_attach(const struct pci_dev *p, int pciloc, int chan, uint16_t cmd,
		   uint16_t ctl, uint16_t bm, int irq)
{
	if (nchannels == IDE_MAX_CHANNELS) {
		kprintf("ide: more than %d channels: 0x%x not attached\n",
			IDE_MAX_CHANNELS, cmd);
		return;
	}
	struct attach_audit au;
	struct ide_channel *ch;

	attach_audit_start(&au);
	if (!(ch = kzalloc(sizeof(*ch))))
		return;
	char name[sizeof(ch->name)]; /* for the audit, once ch is freed */
	ch->pci = p;
	ch->pciloc = pciloc;
	ch->chan = chan;
	ch->cmd = cmd;
	ch->ctl = ctl;
	ch->bm = bm;
	ch->irq = irq;
	if (pciloc < 0)
		snprintf(ch->name, sizeof(ch->name), "ide%d", chan);
	else
		snprintf(ch->name, sizeof(ch->name), "ide%02x:%02x.%x-%d",
			 PCI_LOC_BUS(pciloc), PCI_LOC_DEV(pciloc),
			 PCI_LOC_FN(pciloc), chan);
	strlcpy(name, ch->name, sizeof(name));
	bufq_init(&ch->queue, IPL_BIO, ch->name);
	timeout_set(&ch->watchdog, ide_watchdog, ch);
	if (inb(cmd + IDE_STATUS) == 0xFF)
		goto none;			 /* floating bus: no drives */
	outb(ch->ctl + IDE_DEVCTL, DEVCTL_NIEN); /* probe by polling */
	for (int unit = 0; unit < 2; unit++)
		ide_drive_attach(ch, unit, &au);
	if (!ch->drive[0].present && !ch->drive[1].present)
		goto none;
	if (bm) {
		ch->prd = (struct ide_prd *)pmem_alloc();
		if (!ch->prd)
			ch->bm = 0; /* PIO it is */
	}
	channels[nchannels++] = ch;
	ch->ih = intr_establish(irq, IPL_BIO, ide_intr, ch, ch->name);
	inb(ch->cmd + IDE_STATUS);
	outb(ch->ctl + IDE_DEVCTL, 0); /* interrupts on: the handler is in */
	return;
none:
	kfree(ch);
	attach_audit_end(&au, name);
}

/* A PCI IDE controller: each channel in native mode at its BARs, in
 * compatibility mode at the legacy ports, which only one may have. */
static void
ide_pci_attach(struct pci_dev *p, int *legacy_taken)
{
	uint16_t bm = p->bar[4].io ? (uint16_t)p->bar[4].base : 0;

	pci_enable(p, PCI_CMD_IO | (bm ? PCI_CMD_MASTER : 0));
	for (int chan = 0; chan < 2; chan++) {
		int native = p->progif & (chan ? IDE_PROGIF_SEC_NATIVE
					       : IDE_PROGIF_PRI_NATIVE);
		uint16_t chbm = bm ? bm + chan * BM_CHANNEL_OFF : 0;
		if (native) {
			ide_channel_attach(
				p, pci_loc(p), chan, p->bar[2 * chan].base,
				p->bar[2 * chan + 1].base + IDE_NATIVE_CTL_OFF,
				chbm, p->irq);
		} else if (legacy_taken[chan]) {
			kprintf("ide: %02x:%02x.%x: its %s channel is in "
				"compatibility mode, at the legacy ports "
				"another controller has: not attached\n",
				p->bus, p->dev, p->fn,
				chan ? "secondary" : "primary");
		} else {
			legacy_taken[chan] = 1;
			ide_channel_attach(
				p, -1, chan, chan ? IDE_SEC_CMD : IDE_PRI_CMD,
				chan ? IDE_SEC_CTL : IDE_PRI_CTL, chbm,
				chan ? IDE_SEC_IRQ : IDE_PRI_IRQ);
		}
	}
}

void
ide_init(void)
{
	int legacy_taken[2] = {0, 0}, found = 0;

	ide_use_pio = cmdline_opt_is("ide", "pio");
	ide_debug = cmdline_opt_has("debug", "ide");
	for (int i = 0; i < pci_count(); i++) {
		struct pci_dev *p = pci_at(i);
		if (p->class != PCI_CLASS_STORAGE || p->subclass != PCI_SUB_IDE)
			continue;
		ide_pci_attach(p, legacy_taken);
		found = 1;
	}
	/* No PCI IDE controller (or no PCI: -M isapc): ISA IDE may be at
	 * the legacy ports.  A floating bus reads 0xFF and is passed by. */
	if (!found)
		for (int chan = 0; chan < 2; chan++)
			ide_channel_attach(NULL, -1, chan,
					   chan ? IDE_SEC_CMD : IDE_PRI_CMD,
					   chan ? IDE_SEC_CTL : IDE_PRI_CTL, 0,
					   chan ? IDE_SEC_IRQ : IDE_PRI_IRQ);
}

/* --- entry points --- */

static void
ide_enqueue(struct bdev *bd, struct buf *bp)
{
	struct ide_drive *d = bd->softc;
	int s = splbio();

	bufq_put_clook(&d->ch->queue, bp, d->ch->head);
	ide_start(d->ch);
	splx(s);
}

static void
ide_strategy(struct bdev *bd, struct buf *chain)
{
	bdev_strategy_chain(bd, chain, ide_enqueue);
}

/* FLUSH CACHE (EXT), queued behind every write before it. */
static int
ide_flush(struct bdev *bd)
{
	struct ide_drive *d = bd->softc;

	struct ata_tf tf;

	if (!ata_tf_flush(&tf, &d->id))
		return 0; /* no cache on: nothing to flush */
	return bdev_flush_request(bd, ide_enqueue);
}

static const struct bdev_ops ide_ops = {
	.strategy = ide_strategy,
	.flush = ide_flush,
};

/* --- interrupt handler --- */

static int
ide_intr(void *arg)
{
	struct ide_channel *ch = arg;

	if (!ch->active) {
		inb(ch->cmd + IDE_STATUS); /* unexpected: acknowledge */
		return 0;
	}
	if (ch->dma && !(inb(ch->bm + BM_STATUS) & BM_ST_INTR))
		return 0; /* not this channel's drive */
	if (ide_drop_irqs > 0) {
		/* Tests: behave as if this interrupt never came. */
		ide_drop_irqs--;
		return 1;
	}
	ch->stats.interrupts++;
	ide_service(ch);
	return 1;
}

/* --- for tests and the shell --- */

void
ide_test_drop_interrupts(int n)
{
	ide_drop_irqs = n;
}

/* Benchmarks compare DMA and PIO in one run: commands issued from now
 * on use PIO if `on`. */
void
ide_force_pio(int on)
{
	ide_use_pio = on;
}

/* The counters of channel i (0, 1, ...), and its name; NULL past the
 * last. */
const struct ide_stats *
ide_channel_stats(int i, const char **name)
{
	if (i < 0 || i >= nchannels)
		return NULL;
	*name = channels[i]->name;
	return &channels[i]->stats;
}

/* The counters of the channel bd is on. */
const struct ide_stats *
ide_stats(const struct bdev *bd)
{
	if (bd->ops != &ide_ops)
		return NULL;
	return &((const struct ide_drive *)bd->softc)->ch->stats;
}
