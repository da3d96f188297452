/*
 * ahci.c: the AHCI SATA disk driver (QEMU -M q35: the ICH9's AHCI),
 * the asynchronous design of ../shared/seeds/004_*.txt with 32 command
 * slots: the strategy routine queues bufs and fills free slots; the
 * interrupt handler completes every finished slot with biodone and
 * refills them.
 *
 * QEMU: -M q35 -drive file=IMG,format=raw,if=none,id=d0 \
 *       -device ide-hd,drive=d0,bus=ide.0        (port 0: sd0)
 *
 * Every AHCI controller found is attached.  Disks (bdev.h): sdN, N the
 * port, on the ICH9's own controller at PCI 00:1f.2 (q35's built-in);
 * sdBB:DD.F-N on any other, named by its PCI address, so that adding a
 * controller renames no disk.  Disks attach, and commands are built,
 * as IDE's are (ata.c); this file moves them in FISes.  With NCQ (both
 * the HBA and the disk have it; `ahci=noncq` turns it off) up to the
 * disk's queue depth of READ/WRITE FPDMA QUEUED are in flight, tag =
 * slot; otherwise one READ/WRITE DMA (EXT past LBA28's reach) at a time.
 * A FLUSH CACHE (EXT), non-queued, waits for the queued commands to
 * drain and nothing is issued beside it.
 *
 * Errors (AHCI 1.3.1 section 6.2.2): on a task file or interface error,
 * a device ERR seen in PxTFD, or a watchdog expiry with no progress, the
 * commands that completed are finished, the port is stopped, its errors
 * cleared, the device reset (CLO or COMRESET) if still busy, the port
 * restarted.  One non-queued command outstanding: it is the one that
 * failed.  Several NCQ commands: the NCQ error log (READ LOG EXT 10h)
 * would name the failed tag, but QEMU's disk has no such log, so the
 * outstanding commands are re-issued one at a time, non-queued, and only
 * the one that fails again gets EIO.  QEMU 7.2 differs from hardware here:
 * a failed NCQ command raises SDBS, not TFES, and leaves its PxSACT bit
 * set; later completions overwrite the ERR in PxTFD.  Hence the three ways
 * into recovery.  A timed-out command is retried AHCI_RETRIES times.
 */
#include "ahci.h"

#include <stddef.h>

#include "ahci_reg.h"
#include "attach.h"
#include "ata.h"
#include "dma.h"
#include "blk/bdev.h"
#include "blk/bufq.h"
#include "clock.h"
#include "cmdline_opt.h"
#include "console.h"
#include "debug.h"
#include "cpu.h"
#include "errno.h"
#include "intr.h"
#include "kmalloc.h"
#include "panic.h"
#include "pci.h"
#include "pci_reg.h"
#include "printf.h"
#include "string.h"
#include "blk/trace.h"
#include "vm.h"

#define AHCI_MAX_PORTS 32
#define AHCI_MAX_HBAS  4
#define AHCI_ICH9_LOC  (0x1F << 3 | 2) /* PCI 00:1f.2: short names sdN */
#define AHCI_NPRD      56	  /* PRD entries per command: a 1 KiB table */
#define AHCI_MAXXFER   (4u << 20) /* bytes per command */
#define AHCI_TABLE_SIZE                                                        \
	(sizeof(struct ahci_cmd_table) + AHCI_NPRD * sizeof(struct ahci_prd))
#define AHCI_TIMEOUT (2 * HZ) /* no progress for this long: recover */
#define AHCI_RETRIES 3
/* bounds on polling: a register (the longest section 10 allows, the HBA
 * reset, is 1 s), IDENTIFY (a disk may spin up first), the BIOS handoff */
#define AHCI_WAIT_MS	 1000
#define AHCI_IDENTIFY_MS 5000
#define AHCI_BOHC_MS	 2000 /* BIOS busy (10.6.3) */
#define AHCI_PORT_IRQS                                                         \
	(PXIS_DHRS | PXIS_PSS | PXIS_DSS | PXIS_SDBS | PXIS_DPS | PXIS_ERRORS)

struct ahci_hba;

struct ahci_port {
	struct bdev bd;
	struct ahci_hba *hba;
	volatile uint32_t *regs; /* this port's registers */
	int port;
	struct ata_ident id;
	int ncq;			 /* queued commands in use */
	int depth;			 /* slots we may fill */
	struct ahci_cmd_header *clb;	 /* command list */
	uint8_t *rfis;			 /* received FIS area */
	struct ahci_cmd_table *ctbl[32]; /* command table of each slot */
	struct buf *slot[32];		 /* the buf in each slot */
	uint32_t active;		 /* slots given to the HBA */
	uint32_t queued_mask;		 /* of those, NCQ ones */
	int isolate;	   /* re-issuing one at a time: how many */
	struct bufq queue; /* waiting, FIFO */
	struct timeout watchdog;
	struct ahci_stats stats;
};

struct ahci_hba {
	const struct pci_dev *pci;
	char name[16];		 /* "ahci0", or "ahci00:04.0" */
	volatile uint32_t *regs; /* ABAR */
	uint32_t cap;
	int nslots;
	struct ahci_port *port[AHCI_MAX_PORTS];
	struct intrhand *ih;
	uint64_t mmio; /* register accesses, for the benchmarks */
};

static struct ahci_hba *hbas[AHCI_MAX_HBAS];
static int nhbas;
static int ahci_noncq;
static int ahci_debug; /* debug=ahci: a line per command issued and done */
static volatile int ahci_drop_irqs; /* tests: interrupts to ignore */

/* --- registers: every access counted (they are costly when emulated) --- */

static uint32_t
hba_rd(struct ahci_hba *h, uint32_t reg)
{
	h->mmio++;
	return h->regs[reg / 4];
}

static void
hba_wr(struct ahci_hba *h, uint32_t reg, uint32_t v)
{
	h->mmio++;
	h->regs[reg / 4] = v;
}

static uint32_t
port_rd(struct ahci_port *p, uint32_t reg)
{
	p->hba->mmio++;
	return p->regs[reg / 4];
}

static void
port_wr(struct ahci_port *p, uint32_t reg, uint32_t v)
{
	p->hba->mmio++;
	p->regs[reg / 4] = v;
}

/* Poll until (reg & mask) == want; 0, or ETIMEDOUT after the bound. */
static int
port_wait(struct ahci_port *p, uint32_t reg, uint32_t mask, uint32_t want)
{
	for (uint64_t end = clock_deadline_ms(AHCI_WAIT_MS);
	     !clock_past(end);) {
		if ((port_rd(p, reg) & mask) == want)
			return 0;
		cpu_pause();
	}
	return ETIMEDOUT;
}

/* --- port engine --- */

/* Stop command processing; PxCI and PxSACT read zero afterwards. */
static int
port_stop(struct ahci_port *p)
{
	port_wr(p, PX_CMD, port_rd(p, PX_CMD) & ~PXCMD_ST);
	return port_wait(p, PX_CMD, PXCMD_CR, 0);
}

static void
port_start(struct ahci_port *p)
{
	/* ST may be set only with FRE on and BSY/DRQ clear (section 10.3.1) */
	port_wr(p, PX_CMD, port_rd(p, PX_CMD) | PXCMD_FRE | PXCMD_ST);
}

/* COMRESET: DET=1 for at least 1 ms, then 0; wait for the link. */
static int
port_comreset(struct ahci_port *p)
{
	p->stats.resets++;
	port_wr(p, PX_SCTL, (port_rd(p, PX_SCTL) & ~SSTS_DET) | SCTL_DET_INIT);
	uint64_t end = clock_deadline_ms(2); /* DET=1 for at least 1 ms */
	while (!clock_past(end))
		cpu_pause();
	port_wr(p, PX_SCTL, port_rd(p, PX_SCTL) & ~SSTS_DET);
	int err = port_wait(p, PX_SSTS, SSTS_DET, SSTS_DET_UP);
	port_wr(p, PX_SERR, 0xFFFFFFFF);
	if (!err)
		err = port_wait(p, PX_TFD, ATA_S_BSY | ATA_S_DRQ, 0);
	return err;
}

/* --- building commands --- */

/* Describe [addr, addr+len) in the slot's PRDT, a run of physical
 * memory an entry (dma.c); the entries used.  bdev_strategy cut the
 * request to bd.maxseg runs, so more is a kernel bug. */
static int
prdt_build(struct ahci_port *p, int slot, const void *addr, uint32_t len)
{
	struct ahci_prd *prd = p->ctbl[slot]->prdt;
	struct dma_runs runs;
	uint32_t pa, piece;
	int n = 0;

	dma_runs_init(&runs, addr, len, PRD_DBC_MAX, 0);
	while (dma_run_next(&runs, &pa, &piece)) {
		if (n == AHCI_NPRD)
			panic("ahci: %s: %u bytes at %p need more than %d PRD "
			      "entries",
			      p->bd.name, len, addr, AHCI_NPRD);
		prd[n].dba = pa;
		prd[n].dbau = 0;
		prd[n].reserved = 0;
		prd[n].dbc = piece - 1; /* piece is even: bit 0 set */
		n++;
	}
	return n;
}

/* The H2D register FIS.  For NCQ the count goes in the features field
 * and the tag in the count field's bits 7:3 (SATA 3.x 13.6.4). */
/* A command's registers in a register FIS; an LBA28 command's high
 * bytes stay zero. */
static void
fis_build(struct fis_h2d *fis, const struct ata_tf *tf)
{
	memset(fis, 0, sizeof(*fis));
	fis->type = FIS_TYPE_H2D;
	fis->flags = FIS_H2D_CMD;
	fis->command = tf->command;
	fis->features = tf->features & 0xFF;
	fis->lba0 = tf->lba & 0xFF;
	fis->lba1 = (tf->lba >> 8) & 0xFF;
	fis->lba2 = (tf->lba >> 16) & 0xFF;
	fis->device = tf->device;
	fis->count = tf->count & 0xFF;
	if (tf->lba48) {
		fis->lba3 = (tf->lba >> 24) & 0xFF;
		fis->lba4 = (tf->lba >> 32) & 0xFF;
		fis->lba5 = (tf->lba >> 40) & 0xFF;
		fis->features_exp = tf->features >> 8;
		fis->count_exp = tf->count >> 8;
	}
}

static int
free_slot(struct ahci_port *p)
{
	for (int s = 0; s < p->depth; s++)
		if (!(p->active & (1u << s)))
			return s;
	return -1;
}

/* Put bp in a slot, ready for the HBA; ahci_fill then writes PxSACT and
 * PxCI for all the slots it filled at once.  At splbio. */
static void
slot_prepare(struct ahci_port *p, int slot, struct buf *bp, int ncq)
{
	SPL_ASSERT_ATLEAST(IPL_BIO);
	uint32_t len = bp->b_flags & B_FLUSH ? 0 : bdev_xfer_bytes(bp);
	int wr = !(bp->b_flags & (B_READ | B_FLUSH));
	int nprd = len ? prdt_build(p, slot, bp->b_un.b_addr, len) : 0;
	struct ata_tf tf;

	if (bp->b_flags & B_FLUSH)
		ata_tf_flush(&tf, &p->id); /* ahci_flush queues none if not */
	else if (!len)
		panic("slot_prepare: %s: zero-length transfer at block %lld "
		      "(bdev_validate lets none through)",
		      p->bd.name, bp->b_blkno);
	else
		ata_tf_rw(&tf, ncq ? ATA_XFER_NCQ : ATA_XFER_DMA, wr,
			  (uint64_t)bp->b_blkno, len / DEV_BSIZE, slot);
	fis_build(&p->ctbl[slot]->cfis, &tf);
	TRACE(TR_ISSUE, bp, (uint32_t)slot);
	p->clb[slot].flags_prdtl = CMDH_CFL_H2D | (wr ? CMDH_WRITE : 0) |
				   (uint32_t)nprd << CMDH_PRDTL_SHIFT;
	p->clb[slot].prdbc = 0;
	p->slot[slot] = bp;
	p->active |= 1u << slot;
	if (ncq) {
		p->queued_mask |= 1u << slot;
		p->stats.ncq++;
	}
	p->stats.commands++;
	DPRINTF(ahci_debug, "%s: slot %d %s block %lld count %u\n", p->bd.name,
		slot, ata_tf_name(&tf), bp->b_blkno, len / DEV_BSIZE);
}

/*
 * Fill free slots from the queue, then hand them all to the HBA with one
 * PxSACT write (the queued ones, before PxCI: section 5.6.4) and one PxCI
 * write: two register writes however many commands, and the HBA takes
 * them together.  At splbio.
 */
static void
ahci_fill(struct ahci_port *p)
{
	uint32_t issue = 0, queued = 0;

	SPL_ASSERT_ATLEAST(IPL_BIO);
	/* a non-queued command in a slot runs alone */
	while (!bufq_empty(&p->queue) && !(p->active & ~p->queued_mask)) {
		struct buf *bp = bufq_peek(&p->queue);
		int single = (bp->b_flags & B_FLUSH) || !p->ncq || p->isolate;
		if (single && p->active)
			break; /* it runs alone: wait for the drain */
		int slot = free_slot(p);
		if (slot < 0)
			break;
		slot_prepare(p, slot, bufq_get(&p->queue), !single);
		issue |= 1u << slot;
		if (!single)
			queued |= 1u << slot;
	}
	if (!issue)
		return;
	if (queued)
		port_wr(p, PX_SACT, queued);
	port_wr(p, PX_CI, issue);
	int n = __builtin_popcount(p->active);
	if ((uint32_t)n > p->stats.max_inflight)
		p->stats.max_inflight = n;
	if (!p->watchdog.pending)
		timeout_add(&p->watchdog, AHCI_TIMEOUT);
}

/* Take bp out of its slot; the slot is free again. */
static struct buf *
slot_take(struct ahci_port *p, int slot)
{
	struct buf *bp = p->slot[slot];

	p->slot[slot] = NULL;
	p->active &= ~(1u << slot);
	p->queued_mask &= ~(1u << slot);
	return bp;
}

static void ahci_enqueue(struct bdev *bd, struct buf *bp);

/* Take a finished slot's buf, counting it off the isolated ones. */
static struct buf *
slot_finish(struct ahci_port *p, int slot)
{
	struct buf *bp = slot_take(p, slot);

	if (p->isolate && !(bp->b_flags & B_FLUSH))
		p->isolate--;
	bp->b_retries = 0;
	return bp;
}

/* Finish the slots the HBA says are done; returns how many. */
static int
complete_done(struct ahci_port *p)
{
	SPL_ASSERT_ATLEAST(IPL_BIO);
	uint32_t busy = port_rd(p, PX_CI);

	if (p->queued_mask)
		busy |= port_rd(p, PX_SACT);
	uint32_t done = p->active & ~busy;
	int n = 0;
	while (done) {
		int s = __builtin_ctz(done);
		done &= done - 1;
		DPRINTF(ahci_debug, "%s: slot %d done\n", p->bd.name, s);
		struct buf *bp = slot_finish(p, s);
		TRACE(TR_INTR, bp, p->hba->pci->irq);
		biodone(bp);
		n++;
	}
	return n;
}

/*
 * Recovery: `why` is what brought us here.  At splbio.
 */
static void
ahci_recover(struct ahci_port *p, const char *why, int device_error)
{
	SPL_ASSERT_ATLEAST(IPL_BIO);
	uint32_t tfd = port_rd(p, PX_TFD), serr = port_rd(p, PX_SERR);
	char msg[80];

	complete_done(p); /* what finished, finished well */
	uint32_t failed = p->active;
	const struct buf *first =
		failed ? p->slot[__builtin_ctz(failed)] : NULL;
	kprintf("%s: %s: %d %s command(s) outstanding, the first at block "
		"%lld; %s, SError 0x%08x\n",
		p->bd.name, why, __builtin_popcount(failed),
		p->queued_mask ? "queued" : "non-queued",
		first ? first->b_blkno : -1LL,
		ata_error_str(msg, sizeof(msg), tfd & 0xFF, tfd >> 8), serr);
	TRACE_EVENT(TR_DRV_RESET, p->bd.dev, first ? first->b_blkno : 0, 0,
		    device_error ? EIO : ETIMEDOUT, failed);
	port_stop(p);
	port_wr(p, PX_SERR, 0xFFFFFFFF);
	port_wr(p, PX_IS, 0xFFFFFFFF);
	if (port_rd(p, PX_TFD) & (ATA_S_BSY | ATA_S_DRQ)) {
		if (p->hba->cap & CAP_SCLO) {
			port_wr(p, PX_CMD, port_rd(p, PX_CMD) | PXCMD_CLO);
			port_wait(p, PX_CMD, PXCMD_CLO, 0);
		}
		if (port_rd(p, PX_TFD) & (ATA_S_BSY | ATA_S_DRQ))
			port_comreset(p);
	}
	port_start(p);

	int n = __builtin_popcount(failed);
	if (n == 1 && !(p->queued_mask & failed) && device_error) {
		/* One non-queued command and the device said no: that one.
		 * The device's status keeps ERR until a command ends well, and
		 * the acceptance FIS of a queued command would carry it (QEMU
		 * raises TFES for it): the next command runs alone. */
		struct buf *bp = slot_finish(p, __builtin_ctz(failed));
		p->isolate++;
		/* the block layer names the failed block, narrowing a longer
		 * transfer through the queue (a narrowing command that fails
		 * queued is isolated again, as any other) */
		p->stats.errors++;
		bdev_io_failed(&p->bd, bp, EIO, ahci_enqueue);
	} else {
		/* Give every outstanding command back to the queue, in slot
		 * order, to be re-issued one at a time: a device error then
		 * names its own command; a timeout costs a retry. */
		for (int s = 31; s >= 0; s--) {
			if (!(failed & (1u << s)))
				continue;
			struct buf *bp = slot_take(p, s);
			if (!device_error && ++bp->b_retries > AHCI_RETRIES) {
				kprintf("%s: block %lld: giving up after %d "
					"tries\n",
					p->bd.name, bp->b_blkno, AHCI_RETRIES);
				p->stats.errors++;
				biofail(bp, EIO);
				continue;
			}
			TRACE(TR_DRV_REISSUE, bp, (uint32_t)bp);
			bufq_put_head(&p->queue, bp);
			p->isolate++;
		}
	}
	ahci_fill(p);
	/* what is re-issued gets a whole deadline of its own */
	if (p->active)
		timeout_add(&p->watchdog, AHCI_TIMEOUT);
	else
		timeout_del(&p->watchdog);
}

/* --- interrupt handling --- */

static void
port_intr(struct ahci_port *p)
{
	uint32_t is = port_rd(p, PX_IS);

	port_wr(p, PX_IS, is); /* clear before reading PxCI/PxSACT */
	if (ahci_drop_irqs > 0) {
		ahci_drop_irqs--; /* tests: as if it never came */
		return;
	}
	p->stats.interrupts++;
	if (is & PXIS_ERRORS) {
		ahci_recover(p,
			     is & PXIS_TFES ? "task file error"
					    : "interface error",
			     (is & PXIS_TFES) != 0);
		return;
	}
	if ((is & PXIS_SDBS) && (port_rd(p, PX_TFD) & ATA_S_ERR)) {
		ahci_recover(p, "NCQ command error", 1);
		return;
	}
	if (complete_done(p)) {
		if (p->active)
			timeout_add(&p->watchdog, AHCI_TIMEOUT); /* progress */
		else
			timeout_del(&p->watchdog);
	}
	ahci_fill(p);
}

static int
ahci_intr(void *arg)
{
	struct ahci_hba *h = arg;
	uint32_t is = hba_rd(h, AHCI_IS);

	if (!is || is == 0xFFFFFFFF)
		return 0; /* not ours (the line is shared) */
	for (uint32_t pending = is; pending; pending &= pending - 1) {
		int n = __builtin_ctz(pending);
		if (h->port[n])
			port_intr(h->port[n]);
		else
			h->regs[AHCI_PORT_BASE / 4 + n * AHCI_PORT_SIZE / 4 +
				PX_IS / 4] = 0xFFFFFFFF;
	}
	hba_wr(h, AHCI_IS, is); /* after the ports: no completion lost */
	return 1;
}

static void
ahci_watchdog(void *arg)
{
	struct ahci_port *p = arg;
	int s = splbio();

	if (p->active) {
		if (complete_done(p)) {
			TRACE_EVENT(TR_DRV_ERROR, p->bd.dev, 0, 0, 0,
				    TRACE_LOST_IRQ);
			p->stats.lost_irqs++;
			kprintf("%s: lost interrupt: commands had finished; "
				"recovered\n",
				p->bd.name);
			if (p->active)
				timeout_add(&p->watchdog, AHCI_TIMEOUT);
			ahci_fill(p);
		} else {
			p->stats.timeouts++;
			ahci_recover(p, "command timeout", 0);
		}
	}
	splx(s);
}

/* --- probing --- */

/* A polled non-queued command in slot 0, before interrupts are on. */
static int
poll_command(struct ahci_port *p, uint8_t cmd, void *buf, uint32_t len)
{
	int nprd = len ? prdt_build(p, 0, buf, len) : 0;
	const struct ata_tf tf = {.command = cmd};

	fis_build(&p->ctbl[0]->cfis, &tf);
	p->clb[0].flags_prdtl = CMDH_CFL_H2D | (uint32_t)nprd
						       << CMDH_PRDTL_SHIFT;
	p->clb[0].prdbc = 0;
	port_wr(p, PX_IS, 0xFFFFFFFF);
	port_wr(p, PX_CI, 1);
	for (uint64_t end = clock_deadline_ms(AHCI_IDENTIFY_MS);
	     !clock_past(end);) {
		if (port_rd(p, PX_IS) & PXIS_TFES)
			return EIO;
		if (!(port_rd(p, PX_CI) & 1))
			return 0;
	}
	return ETIMEDOUT;
}

static const struct bdev_ops ahci_ops;

/* What the port's HBA offers its disk: NCQ if `ncq` and the HBA has it. */
static struct ata_host
port_host(const struct ahci_port *p, int ncq)
{
	struct ata_host h = {
		.xfer = ncq && (p->hba->cap & CAP_SNCQ) ? ATA_XFER_NCQ
							: ATA_XFER_DMA,
		.maxxfer = AHCI_MAXXFER,
		.maxseg = AHCI_NPRD,
		.slots = p->hba->nslots,
	};
	return h;
}

/* NCQ if `on` and both the HBA and the disk have it, as deep as
 * ata_queue_depth allows; else one command at a time. */
static void
port_set_ncq(struct ahci_port *p, int on)
{
	struct ata_host h = port_host(p, on);
	int depth = ata_queue_depth(&p->id, &h);

	p->ncq = depth > 0;
	p->depth = p->ncq ? depth : 1;
}

/* The port's command list, received-FIS area and command tables.
 * attachfail=ahci.alloc: the allocator fails half way through the
 * tables (the unwinding then frees what was made). */
static int
port_alloc(struct ahci_port *p, struct attach_audit *au)
{
	p->clb = kzalloc(1024); /* 1 KiB aligned: kmalloc's size classes */
	p->rfis = kzalloc(256);
	if (!p->clb || !p->rfis)
		return ENOMEM;
	for (int s = 0; s < p->hba->nslots; s++) {
		if (s == p->hba->nslots / 2 && attach_fail(au, "ahci", "alloc"))
			return ENOMEM;
		p->ctbl[s] = kzalloc(AHCI_TABLE_SIZE); /* 1 KiB aligned */
		if (!p->ctbl[s])
			return ENOMEM;
		p->clb[s].ctba = (uint32_t)p->ctbl[s];
		p->clb[s].ctbau = 0;
	}
	return 0;
}

/* What port_alloc made, as far as it got (kfree(NULL) does nothing). */
static void
port_free(struct ahci_port *p)
{
	for (int s = 0; s < p->hba->nslots; s++)
		kfree(p->ctbl[s]);
	kfree(p->rfis);
	kfree(p->clb);
}

/*
 * Attach the disk on port n, if there is one.  Each step that fails
 * undoes the steps before it, in reverse order, as OpenBSD's ahci
 * attach does: engines stopped, the HBA told to forget the memory, the
 * memory freed.  Only an engine that will not stop keeps the port's
 * memory (the HBA may still write to it).  attachfail=ahci.alloc,
 * ahci.identify, ahci.disk make those steps fail (attach.h).
 */
static void
port_attach(struct ahci_hba *h, int n)
{
	static struct ata_identify id;
	char name[BDEV_NAMELEN];
	struct attach_audit au;
	struct ahci_port *p;

	attach_audit_start(&au);
	if (!(p = kzalloc(sizeof(*p))))
		return;
	p->hba = h;
	p->port = n;
	p->regs = h->regs + (AHCI_PORT_BASE + n * AHCI_PORT_SIZE) / 4;
	bdev_set_name(&p->bd, "sd", MAJOR_SD,
		      pci_loc(h->pci) == AHCI_ICH9_LOC ? -1 : pci_loc(h->pci),
		      n);
	strlcpy(name, p->bd.name, sizeof(name));
	bufq_init(&p->queue, IPL_BIO, p->bd.name);
	/* Engines off before the structures move (section 10.3.2). */
	if (port_stop(p))
		goto free_port;
	port_wr(p, PX_CMD, port_rd(p, PX_CMD) & ~PXCMD_FRE);
	if (port_wait(p, PX_CMD, PXCMD_FR, 0))
		goto free_port;
	if (port_alloc(p, &au))
		goto free_mem;
	port_wr(p, PX_CLB, (uint32_t)p->clb);
	port_wr(p, PX_CLBU, 0);
	port_wr(p, PX_FB, (uint32_t)p->rfis);
	port_wr(p, PX_FBU, 0);
	port_wr(p, PX_SERR, 0xFFFFFFFF);
	port_wr(p, PX_IS, 0xFFFFFFFF);
	port_wr(p, PX_IE, 0); /* until the handler is in place */
	if (h->cap & CAP_SSS)
		port_wr(p, PX_CMD, port_rd(p, PX_CMD) | PXCMD_SUD | PXCMD_POD);
	port_wr(p, PX_CMD, port_rd(p, PX_CMD) | PXCMD_FRE);
	if ((port_rd(p, PX_SSTS) & SSTS_DET) != SSTS_DET_UP)
		goto fis_off; /* nothing attached */
	uint32_t sig = port_rd(p, PX_SIG);
	if (sig == SIG_ATAPI) {
		ata_attach_refused(&p->bd, ATA_ATAPI_REFUSED);
		goto fis_off;
	}
	if (port_wait(p, PX_TFD, ATA_S_BSY | ATA_S_DRQ, 0) && port_comreset(p))
		goto fis_off;
	port_start(p);
	if (attach_fail(&au, "ahci", "identify") ||
	    poll_command(p, ATA_IDENTIFY, &id, sizeof(id))) {
		kprintf("%s: IDENTIFY failed (signature %08x)\n", p->bd.name,
			sig);
		goto stop;
	}
	p->bd.ops = &ahci_ops;
	p->bd.softc = p;
	snprintf(p->bd.where, sizeof(p->bd.where), "pci %02x:%02x.%x port %d",
		 h->pci->bus, h->pci->dev, h->pci->fn, n);
	timeout_set(&p->watchdog, ahci_watchdog, p);
	struct ata_host host = port_host(p, !ahci_noncq);
	if (attach_fail(&au, "ahci", "disk") ||
	    ata_disk_attach(&p->bd, &id, &p->id, &host))
		goto stop;
	port_set_ncq(p, !ahci_noncq);
	h->port[n] = p;
	return;

stop:
	if (port_stop(p))
		goto keep;
fis_off:
	port_wr(p, PX_CMD, port_rd(p, PX_CMD) & ~PXCMD_FRE);
	if (port_wait(p, PX_CMD, PXCMD_FR, 0))
		goto keep;
	port_wr(p, PX_CLB, 0);
	port_wr(p, PX_FB, 0);
free_mem:
	port_free(p);
free_port:
	kfree(p);
	attach_audit_end(&au, name);
	return;
keep:
	kprintf("%s: port %d will not stop: its memory is kept\n", h->name, n);
	attach_audit_end(&au, name);
}

static void
ahci_hba_attach(const struct pci_dev *d)
{
	if (d->progif != PCI_IF_AHCI || !d->bar[5].size || d->bar[5].io) {
		kprintf("ahci: %02x:%02x.%x: a SATA controller not in AHCI "
			"mode (prog-if %02x) or without its ABAR: not "
			"attached\n",
			d->bus, d->dev, d->fn, d->progif);
		return;
	}
	if (nhbas == AHCI_MAX_HBAS) {
		kprintf("ahci: %02x:%02x.%x: more than %d controllers: not "
			"attached\n",
			d->bus, d->dev, d->fn, AHCI_MAX_HBAS);
		return;
	}
	/* Identity, uncached, and kept whatever happens next: the audit
	 * starts after it (a page table it makes is the kernel's). */
	volatile uint32_t *regs =
		vm_map_mmio((uint32_t)d->bar[5].base, (uint32_t)d->bar[5].size);
	struct attach_audit au;
	attach_audit_start(&au);
	struct ahci_hba *h = kzalloc(sizeof(*h));
	if (!h)
		return;
	h->pci = d;
	h->regs = regs;
	if (pci_loc(d) == AHCI_ICH9_LOC)
		snprintf(h->name, sizeof(h->name), "ahci0");
	else
		snprintf(h->name, sizeof(h->name), "ahci%02x:%02x.%x", d->bus,
			 d->dev, d->fn);
	pci_enable(d, PCI_CMD_MEM | PCI_CMD_MASTER);

	/* Take the HBA from the BIOS if it offers a handoff (section 10.6). */
	if (hba_rd(h, AHCI_CAP2) & CAP2_BOH) {
		hba_wr(h, AHCI_BOHC, hba_rd(h, AHCI_BOHC) | BOHC_OOS);
		uint64_t end = clock_deadline_ms(AHCI_BOHC_MS);
		while ((hba_rd(h, AHCI_BOHC) & BOHC_BOS) && !clock_past(end))
			cpu_pause();
	}
	/* Reset, then AHCI mode: the BIOS may have left anything running. */
	hba_wr(h, AHCI_GHC, hba_rd(h, AHCI_GHC) | GHC_AE);
	hba_wr(h, AHCI_GHC, hba_rd(h, AHCI_GHC) | GHC_HR);
	for (uint64_t end = clock_deadline_ms(AHCI_WAIT_MS);
	     (hba_rd(h, AHCI_GHC) & GHC_HR) && !clock_past(end);)
		cpu_pause();
	if ((hba_rd(h, AHCI_GHC) & GHC_HR) ||
	    attach_fail(&au, "ahci", "reset")) {
		kprintf("%s: the HBA did not come out of reset\n", h->name);
		goto off;
	}
	hbas[nhbas++] = h;
	hba_wr(h, AHCI_GHC, GHC_AE);
	h->cap = hba_rd(h, AHCI_CAP);
	h->nslots = ((h->cap & CAP_NCS) >> CAP_NCS_SHIFT) + 1;
	uint32_t pi = hba_rd(h, AHCI_PI);
	kprintf("%s: at pci %02x:%02x.%x, %d ports, %d command slots, %s%s\n",
		h->name, d->bus, d->dev, d->fn, (h->cap & CAP_NP) + 1,
		h->nslots, h->cap & CAP_SNCQ ? "NCQ" : "no NCQ",
		h->cap & CAP_S64A ? ", 64-bit" : "");
	for (int n = 0; n < AHCI_MAX_PORTS; n++)
		if (pi & (1u << n))
			port_attach(h, n);
	/* The handler first, then the ports' interrupts, then the HBA's. */
	h->ih = intr_establish(d->irq, IPL_BIO, ahci_intr, h, h->name);
	for (int n = 0; n < AHCI_MAX_PORTS; n++) {
		if (!h->port[n])
			continue;
		port_wr(h->port[n], PX_IS, 0xFFFFFFFF);
		port_wr(h->port[n], PX_IE, AHCI_PORT_IRQS);
	}
	hba_wr(h, AHCI_IS, 0xFFFFFFFF);
	hba_wr(h, AHCI_GHC, GHC_AE | GHC_IE);
	return;

off:
	/* no DMA, no decoding (the mapping stays, unused) */
	pci_disable(d, PCI_CMD_MEM | PCI_CMD_MASTER);
	kprintf("%s: not attached: bus mastering and memory decoding off\n",
		h->name);
	char name[sizeof(h->name)];
	strlcpy(name, h->name, sizeof(name));
	kfree(h);
	attach_audit_end(&au, name);
}

void
ahci_init(void)
{
	ahci_noncq = cmdline_opt_is("ahci", "noncq");
	ahci_debug = cmdline_opt_has("debug", "ahci");
	for (int i = 0; i < pci_count(); i++) {
		const struct pci_dev *d = pci_at(i);
		if (d->class == PCI_CLASS_STORAGE &&
		    d->subclass == PCI_SUB_SATA)
			ahci_hba_attach(d);
	}
}

/* --- entry points --- */

static void
ahci_queue_only(struct bdev *bd, struct buf *bp)
{
	bp->b_retries = 0;
	bufq_put(&((struct ahci_port *)bd->softc)->queue, bp);
}

static void
ahci_enqueue(struct bdev *bd, struct buf *bp)
{
	int s = splbio();

	ahci_queue_only(bd, bp);
	ahci_fill(bd->softc);
	splx(s);
}

/* The whole chain is queued before the slots are filled: the HBA takes
 * it with one PxSACT and one PxCI write, not one per buf. */
static void
ahci_strategy(struct bdev *bd, struct buf *chain)
{
	int s = splbio();

	bdev_strategy_chain(bd, chain, ahci_queue_only);
	ahci_fill(bd->softc);
	splx(s);
}

/* FLUSH CACHE EXT, alone once the queued commands have drained. */
static int
ahci_flush(struct bdev *bd)
{
	struct ahci_port *p = bd->softc;
	struct ata_tf tf;

	if (!ata_tf_flush(&tf, &p->id))
		return 0; /* no cache on: nothing to flush */
	p->stats.flushes++;
	return bdev_flush_request(bd, ahci_enqueue);
}

static const struct bdev_ops ahci_ops = {
	.strategy = ahci_strategy,
	.flush = ahci_flush,
};

/* --- for tests, benchmarks and the shell --- */

void
ahci_test_drop_interrupts(int n)
{
	ahci_drop_irqs = n;
}

/* The port behind bd, or NULL if bd is not an AHCI disk. */
static struct ahci_port *
port_of(const struct bdev *bd)
{
	return bd && bd->ops == &ahci_ops ? bd->softc : NULL;
}

const struct ahci_stats *
ahci_stats(const struct bdev *bd)
{
	struct ahci_port *p = port_of(bd);

	return p ? &p->stats : NULL;
}

/* Register accesses so far, on every controller. */
uint64_t
ahci_mmio_count(void)
{
	uint64_t n = 0;

	for (int i = 0; i < nhbas; i++)
		n += hbas[i]->mmio;
	return n;
}

/* Benchmarks compare NCQ with one command at a time in one run: from now
 * on, bd uses NCQ if `on` and it can.  Call with the port idle. */
int
ahci_set_ncq(const struct bdev *bd, int on)
{
	struct ahci_port *p = port_of(bd);

	if (!p)
		return ENXIO;
	int s = splbio();
	if (p->active) {
		splx(s);
		return EBUSY;
	}
	port_set_ncq(p, on);
	splx(s);
	return 0;
}

void
ahci_stats_reset_max(const struct bdev *bd)
{
	struct ahci_port *p = port_of(bd);

	if (p)
		p->stats.max_inflight = 0;
}
