/*
 * nvme.c: the NVMe disk driver (NVM Express Base Specification 1.4;
 * QEMU's -device nvme), the asynchronous design of
 * ../shared/seeds/004_*.txt carried over unchanged to a controller of
 * queues in memory: the strategy routine queues bufs and moves as many
 * as there is room for onto the submission queue, with one doorbell
 * write for the whole chain; the interrupt handler takes every new
 * entry off the completion queue (by its phase tag), calls biodone for
 * each, writes the completion doorbell once, and refills.
 *
 * QEMU: -drive file=IMG,format=raw,if=none,id=d0 \
 *       -device nvme,serial=SN,drive=d0               (namespace 1)
 *       -device nvme-ns,drive=d1,nsid=2[,logical_block_size=4096]
 *
 * Every controller found is attached, each namespace of it a disk named
 * by the controller's PCI address and the namespace's ID
 * (nvme00:04.0n1, bdev.h): nothing else plugged in renames it.  One I/O
 * queue pair per controller, shared by its namespaces, NVME_QSIZE
 * entries (or fewer if CAP.MQES says so), so NVME_QSIZE - 1 commands in
 * flight; pin-based interrupts (INTx, shared lines allowed).  The
 * submission doorbell is written once per chain, and on a busy
 * controller once per batch of completions' follow-ups (nvme_fill).  A transfer
 * is described by PRP entries, a page each (dma_phys): the first may
 * start anywhere dword aligned (bdev's align = 4 asks that of every
 * buffer), and past two pages PRP2 points at the command's PRP list.
 * MDTS bounds a transfer (bdev splits larger ones).  Flush runs when
 * the controller says it has a volatile write cache, after the commands
 * before it complete (the specification's flush covers only completed
 * writes).
 *
 * Sector sizes: a namespace formatted with 4096-byte blocks is a disk of
 * 4096-byte sectors (bdev's secsize): requests are whole sectors at a
 * sector's start, anything else EINVAL; no read-modify-write hides the
 * size, as Linux's logical block size does not.
 *
 * Errors: a completion's status (type and code) is named on the console
 * with its errno (a media error, EIO, narrows a transfer of several
 * sectors to the one that failed, bdev_io_failed); a command not done
 * NVME_TIMEOUT after it was issued resets the controller (CC.EN to 0
 * and back, the queues made again) and re-issues what was in flight,
 * NVME_RETRIES times at most; completions that came with no interrupt
 * are taken by the same watchdog and counted as lost interrupts.
 */
#include "nvme.h"

#include <stddef.h>

#include "attach.h"
#include "blk/bdev.h"
#include "blk/bufq.h"
#include "blk/trace.h"
#include "clock.h"
#include "cmdline_opt.h"
#include "console.h"
#include "cpu.h"
#include "debug.h"
#include "dma.h"
#include "errno.h"
#include "intr.h"
#include "kmalloc.h"
#include "nvme_reg.h"
#include "panic.h"
#include "pci.h"
#include "pci_reg.h"
#include "printf.h"
#include "string.h"
#include "vm.h"

#define PCI_SUB_NVM   0x08 /* class 01h, subclass 08h, prog-if 02h */
#define PCI_IF_NVME   0x02
#define NVME_MAX_CTRL 4
#define NVME_MAX_NS   8		 /* namespaces of one controller attached */
#define NVME_NSID_MAX 31	 /* a minor keeps 5 bits of it (bdev.h) */
#define NVME_ADMINQ   32	 /* admin queue entries */
#define NVME_QSIZE    128	 /* I/O queue entries at most */
#define NVME_PRP_LIST 256	 /* entries of a command's PRP list: 2 KiB */
#define NVME_MAXXFER  (1u << 20) /* 256 pages after the first's */
#define NVME_TIMEOUT  (2 * HZ)	 /* a command not done by then: reset */
#define NVME_TICK     (HZ / 2)	 /* the watchdog's look, while busy */
#define NVME_RETRIES  3
#define NVME_ADMIN_MS 5000 /* an admin command, polled, at most */

struct nvme_ctrl;

struct nvme_ns {
	struct bdev bd;
	struct nvme_ctrl *c;
	uint32_t nsid;
	uint32_t shift; /* log2(sector / DEV_BSIZE) */
};

/* A submission queue and its completion queue */
struct nvme_sq {
	struct nvme_sqe *e;
	uint16_t size, tail;
	uint32_t db; /* its tail doorbell's offset */
};

struct nvme_cq {
	volatile struct nvme_cqe *e;
	uint16_t size, head, phase;
	uint32_t db; /* its head doorbell's offset */
};

/* A command in flight, by its ID */
struct nvme_cmd {
	struct buf *bp;
	struct nvme_ns *ns;
	uint64_t *prp;	 /* its PRP list */
	uint64_t issued; /* clock tick */
};

struct nvme_ctrl {
	const struct pci_dev *pci;
	char name[16]; /* "nvme00:04.0" */
	volatile uint32_t *regs;
	uint64_t cap;
	uint32_t stride;    /* doorbell stride, bytes */
	uint32_t ready_ms;  /* CAP.TO: how long CSTS.RDY may take */
	uint32_t maxxfer;   /* MDTS's, or ours */
	int vwc;	    /* a volatile write cache: flush it */
	int depth;	    /* commands in flight at most */
	int active;	    /* and now */
	int dead;	    /* a reset failed: every request fails */
	int masked;	    /* INTx masked (a test's lost interrupt) */
	int kick;	    /* the SQ tail doorbell is owed */
	struct softint *si; /* which pays it */
	uint64_t progress;  /* tick of the last completion */
	char model[41];
	struct nvme_sq asq, iosq;
	struct nvme_cq acq, iocq;
	void *page;			  /* Identify data */
	struct nvme_cmd cmd[NVME_QSIZE];  /* by command ID */
	uint32_t idfree[NVME_QSIZE / 32]; /* free IDs: bit set */
	struct bufq queue;		  /* waiting, FIFO */
	struct nvme_ns *ns[NVME_MAX_NS];
	int nns;
	struct intrhand *ih;
	struct timeout watchdog;
	struct nvme_stats stats;
	uint64_t mmio; /* register accesses, for the benchmarks */
};

static struct nvme_ctrl *ctrls[NVME_MAX_CTRL];
static int nctrls;
static int nvme_debug; /* debug=nvme: a line per command issued and done */
static volatile int nvme_drop_irqs;	   /* tests: interrupts to lose */
static volatile int nvme_lose_completions; /* tests: commands to lose */

/* --- registers: every access counted (they are costly when emulated) --- */

static uint32_t
rd32(struct nvme_ctrl *c, uint32_t reg)
{
	c->mmio++;
	return c->regs[reg / 4];
}

static void
wr32(struct nvme_ctrl *c, uint32_t reg, uint32_t v)
{
	c->mmio++;
	c->regs[reg / 4] = v;
}

/* 64-bit registers as two 32-bit halves, low first (3.1: a host may) */
static uint64_t
rd64(struct nvme_ctrl *c, uint32_t reg)
{
	uint64_t lo = rd32(c, reg);

	return lo | (uint64_t)rd32(c, reg + 4) << 32;
}

static void
wr64(struct nvme_ctrl *c, uint32_t reg, uint64_t v)
{
	wr32(c, reg, (uint32_t)v);
	wr32(c, reg + 4, (uint32_t)(v >> 32));
}

/* Doorbells of queue pair qid (3.1.24, 3.1.25) */
static uint32_t
sq_doorbell(const struct nvme_ctrl *c, int qid)
{
	return NVME_DOORBELLS + (2 * qid) * c->stride;
}

static uint32_t
cq_doorbell(const struct nvme_ctrl *c, int qid)
{
	return NVME_DOORBELLS + (2 * qid + 1) * c->stride;
}

/* --- status --- */

static const struct {
	uint8_t sct, sc;
	int err;
	const char *what;
} statuses[] = {
	{NVME_SCT_GENERIC, 0x01, EINVAL, "invalid command opcode"},
	{NVME_SCT_GENERIC, 0x02, EINVAL, "invalid field in command"},
	{NVME_SCT_GENERIC, 0x03, EIO, "command ID conflict"},
	{NVME_SCT_GENERIC, 0x04, EIO, "data transfer error"},
	{NVME_SCT_GENERIC, 0x05, EIO, "aborted: power loss notification"},
	{NVME_SCT_GENERIC, 0x06, EIO, "internal error"},
	{NVME_SCT_GENERIC, 0x07, EIO, "aborted by request"},
	{NVME_SCT_GENERIC, 0x08, EIO, "aborted: queue deleted"},
	{NVME_SCT_GENERIC, 0x0B, ENXIO, "invalid namespace or format"},
	{NVME_SCT_GENERIC, 0x0C, EIO, "command sequence error"},
	{NVME_SCT_GENERIC, 0x13, EINVAL, "PRP offset invalid"},
	{NVME_SCT_GENERIC, 0x15, EPERM, "operation denied"},
	{NVME_SCT_GENERIC, 0x80, ENXIO, "LBA out of range"},
	{NVME_SCT_GENERIC, 0x81, ENOSPC, "capacity exceeded"},
	{NVME_SCT_GENERIC, 0x82, EIO, "namespace not ready"},
	{NVME_SCT_GENERIC, 0x83, EIO, "reservation conflict"},
	{NVME_SCT_COMMAND, 0x80, EINVAL, "conflicting attributes"},
	{NVME_SCT_COMMAND, 0x82, EROFS, "write to a read-only range"},
	{NVME_SCT_MEDIA, 0x80, EIO, "write fault"},
	{NVME_SCT_MEDIA, 0x81, EIO, "unrecovered read error"},
	{NVME_SCT_MEDIA, 0x82, EIO, "end-to-end guard check error"},
	{NVME_SCT_MEDIA, 0x83, EIO, "application tag check error"},
	{NVME_SCT_MEDIA, 0x84, EIO, "reference tag check error"},
	{NVME_SCT_MEDIA, 0x85, EIO, "compare failure"},
	{NVME_SCT_MEDIA, 0x86, EACCES, "access denied"},
	{NVME_SCT_MEDIA, 0x87, EIO, "deallocated or unwritten block"},
};

static const char *const sct_names[8] = {
	"generic", "command specific", "media error", "path error",
	"type 4",  "type 5",	       "type 6",      "vendor specific",
};

/* A failed completion's errno, and what its status says */
static int
status_errno(uint16_t status, const char **what)
{
	uint8_t sct = NVME_STATUS_SCT(status), sc = NVME_STATUS_SC(status);

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].sct == sct && statuses[i].sc == sc) {
			*what = statuses[i].what;
			return statuses[i].err;
		}
	*what = "status";
	return EIO;
}

/* --- command IDs --- */

static int
cid_alloc(struct nvme_ctrl *c)
{
	for (int w = 0; w < NVME_QSIZE / 32; w++)
		if (c->idfree[w]) {
			int b = __builtin_ctz(c->idfree[w]);
			c->idfree[w] &= ~(1u << b);
			return w * 32 + b;
		}
	panic("nvme: %s: no command ID free with %d of %d in flight", c->name,
	      c->active, c->depth);
}

static void
cid_free(struct nvme_ctrl *c, int cid)
{
	c->idfree[cid / 32] |= 1u << (cid % 32);
}

static void
cid_reset(struct nvme_ctrl *c)
{
	memset(c->idfree, 0, sizeof(c->idfree));
	for (int i = 0; i < c->depth; i++)
		cid_free(c, i);
	c->active = 0;
}

/* --- the admin queue: polled --- */

/* Run an admin command and wait for it: 0, ETIMEDOUT, or the errno of
 * its status (named on the console); its dword 0 in *dw0. */
static int
admin_cmd(struct nvme_ctrl *c, struct nvme_sqe *cmd, uint32_t *dw0)
{
	struct nvme_sq *sq = &c->asq;
	struct nvme_cq *cq = &c->acq;

	cmd->cid = sq->tail;
	memcpy(&sq->e[sq->tail], cmd, sizeof(*cmd));
	sq->tail = (uint16_t)((sq->tail + 1) % sq->size);
	wr32(c, sq->db, sq->tail);
	for (uint64_t end = clock_deadline_ms(NVME_ADMIN_MS);;) {
		uint16_t st = cq->e[cq->head].status;
		if ((st & 1) == cq->phase)
			break;
		if (clock_past(end)) {
			kprintf("%s: admin command %02xh: no completion in %d "
				"ms\n",
				c->name, cmd->opcode, NVME_ADMIN_MS);
			return ETIMEDOUT;
		}
		cpu_pause();
	}
	volatile struct nvme_cqe *e = &cq->e[cq->head];
	uint16_t st = e->status;
	if (dw0)
		*dw0 = e->dw0;
	if (++cq->head == cq->size) {
		cq->head = 0;
		cq->phase ^= 1;
	}
	wr32(c, cq->db, cq->head);
	if (!NVME_STATUS_SC(st) && !NVME_STATUS_SCT(st))
		return 0;
	const char *what;
	int err = status_errno(st, &what);
	kprintf("%s: admin command %02xh failed: %s: %s (type %d code "
		"%02xh)\n",
		c->name, cmd->opcode, errno_name(err), what,
		NVME_STATUS_SCT(st), NVME_STATUS_SC(st));
	return err;
}

static int
identify(struct nvme_ctrl *c, uint32_t cns, uint32_t nsid)
{
	struct nvme_sqe cmd = {.opcode = NVME_ADM_IDENTIFY,
			       .nsid = nsid,
			       .prp1 = (uint32_t)c->page,
			       .cdw10 = cns};

	memset(c->page, 0, PAGE_SIZE);
	return admin_cmd(c, &cmd, NULL);
}

/* --- controller reset and bring-up (7.6.1) --- */

/* Wait for CSTS.RDY to become `want`, CAP.TO at most. */
static int
wait_ready(struct nvme_ctrl *c, uint32_t want)
{
	for (uint64_t end = clock_deadline_ms(c->ready_ms);;) {
		uint32_t csts = rd32(c, NVME_CSTS);
		if (csts == 0xFFFFFFFF)
			return ENXIO; /* nothing answers */
		if ((csts & CSTS_RDY) == want)
			return 0;
		if (want && (csts & CSTS_CFS))
			return EIO; /* a fatal status: no use waiting */
		if (clock_past(end))
			return ETIMEDOUT;
		cpu_pause();
	}
}

/* CC.EN to 0: every queue gone, every command aborted. */
static int
ctrl_disable(struct nvme_ctrl *c)
{
	uint32_t cc = rd32(c, NVME_CC);

	if (cc & CC_EN)
		wr32(c, NVME_CC, cc & ~CC_EN);
	return wait_ready(c, 0);
}

/* The admin queues, empty, then CC.EN to 1.  INTx masked: the admin
 * commands are polled, their completions share vector 0 and would hold
 * a level-triggered line nobody claims (a reset unmasks it: QEMU's
 * clears INTMS, as the specification's reset of the registers does). */
static int
ctrl_enable(struct nvme_ctrl *c)
{
	wr32(c, NVME_INTMS, 1);
	c->asq.tail = 0;
	c->acq.head = 0;
	c->acq.phase = 1;
	memset((void *)c->acq.e, 0, NVME_ADMINQ * sizeof(struct nvme_cqe));
	wr32(c, NVME_AQA, (NVME_ADMINQ - 1) << 16 | (NVME_ADMINQ - 1));
	wr64(c, NVME_ASQ, (uint32_t)c->asq.e);
	wr64(c, NVME_ACQ, (uint32_t)c->acq.e);
	wr32(c, NVME_CC,
	     CC_CSS_NVM | CC_MPS_4K | CC_AMS_RR | CC_IOSQES | CC_IOCQES |
		     CC_EN);
	return wait_ready(c, CSTS_RDY);
}

/* One I/O queue pair, ID 1, interrupts on vector 0 (INTx). */
static int
ioq_create(struct nvme_ctrl *c)
{
	uint32_t got;
	struct nvme_sqe nq = {.opcode = NVME_ADM_SET_FEATURES,
			      .cdw10 = NVME_FEAT_NQUEUES,
			      .cdw11 = 0}; /* one SQ, one CQ (0's based) */
	struct nvme_sqe cq = {.opcode = NVME_ADM_CREATE_CQ,
			      .prp1 = (uint32_t)c->iocq.e,
			      .cdw10 = (uint32_t)(c->iocq.size - 1) << 16 | 1,
			      .cdw11 = NVME_CQ_IEN | NVME_QUEUE_PC};
	struct nvme_sqe sq = {.opcode = NVME_ADM_CREATE_SQ,
			      .prp1 = (uint32_t)c->iosq.e,
			      .cdw10 = (uint32_t)(c->iosq.size - 1) << 16 | 1,
			      .cdw11 = 1u << 16 | NVME_QUEUE_PC};
	int err;

	c->iosq.tail = 0;
	c->kick = 0;
	c->iocq.head = 0;
	c->iocq.phase = 1;
	memset((void *)c->iocq.e, 0, c->iocq.size * sizeof(struct nvme_cqe));
	if ((err = admin_cmd(c, &nq, &got)) ||
	    (err = admin_cmd(c, &cq, NULL)) || (err = admin_cmd(c, &sq, NULL)))
		return err;
	return 0;
}

/* Reset to a working controller with empty queues, when a command is
 * stuck; its interrupt unmasked again. */
static int
ctrl_bringup(struct nvme_ctrl *c)
{
	int err;

	if ((err = ctrl_disable(c)) || (err = ctrl_enable(c)) ||
	    (err = ioq_create(c)))
		return err;
	cid_reset(c);
	wr32(c, NVME_INTMC, 1);
	return 0;
}

/* --- building commands --- */

/* PRP1, PRP2 and the list for len bytes at va (4.3): the first entry
 * may start anywhere in its page, each later one is a whole page. */
static void
prp_build(struct nvme_ctrl *c, int cid, const uint8_t *va, uint32_t len,
	  struct nvme_sqe *sqe)
{
	uint32_t first = PAGE_SIZE - ((uint32_t)va & (PAGE_SIZE - 1));

	sqe->prp1 = dma_phys(va);
	if (len <= first)
		return;
	va += first;
	len -= first;
	if (len <= PAGE_SIZE) {
		sqe->prp2 = dma_phys(va);
		return;
	}
	uint64_t *list = c->cmd[cid].prp;
	int n = 0;
	for (; len; va += PAGE_SIZE, len -= len < PAGE_SIZE ? len : PAGE_SIZE) {
		if (n == NVME_PRP_LIST)
			panic("nvme: %s: a transfer needs more than %d PRP "
			      "entries (maxxfer %u)",
			      c->name, NVME_PRP_LIST, c->maxxfer);
		list[n++] = dma_phys(va);
	}
	sqe->prp2 = (uint32_t)list; /* kernel heap: identity mapped */
}

static struct nvme_ns *
ns_of(struct nvme_ctrl *c, dev_t dev)
{
	for (int i = 0; i < c->nns; i++)
		if (c->ns[i]->bd.dev == dev)
			return c->ns[i];
	panic("nvme: %s: a buf for dev %08x, none of its namespaces", c->name,
	      (unsigned)dev);
}

/* bp's command in the submission queue's next entry, as cid.  At
 * splbio. */
static void
cmd_build(struct nvme_ctrl *c, int cid, struct buf *bp)
{
	struct nvme_sqe *sqe = &c->iosq.e[c->iosq.tail];
	struct nvme_ns *ns = ns_of(c, bp->b_dev);
	uint32_t len = bdev_xfer_bytes(bp);

	memset(sqe, 0, sizeof(*sqe));
	sqe->cid = (uint16_t)cid;
	sqe->nsid = ns->nsid;
	if (bp->b_flags & B_FLUSH) {
		sqe->opcode = NVME_CMD_FLUSH;
	} else {
		if (!len)
			panic("nvme: %s: zero-length transfer at block %lld "
			      "(bdev_validate lets none through)",
			      ns->bd.name, bp->b_blkno);
		sqe->opcode =
			bp->b_flags & B_READ ? NVME_CMD_READ : NVME_CMD_WRITE;
		uint64_t slba = (uint64_t)bp->b_blkno >> ns->shift;
		sqe->cdw10 = (uint32_t)slba;
		sqe->cdw11 = (uint32_t)(slba >> 32);
		sqe->cdw12 = (len >> (9 + ns->shift)) - 1; /* 0's based */
		prp_build(c, cid, (const uint8_t *)bp->b_un.b_addr, len, sqe);
	}
	c->cmd[cid].bp = bp;
	c->cmd[cid].ns = ns;
	c->cmd[cid].issued = clock_ticks();
	c->iosq.tail = (uint16_t)((c->iosq.tail + 1) % c->iosq.size);
	c->active++;
	c->stats.commands++;
	TRACE(TR_ISSUE, bp, (uint32_t)cid);
	DPRINTF(nvme_debug, "%s: cid %d %s block %lld count %u\n", ns->bd.name,
		cid,
		sqe->opcode == NVME_CMD_FLUSH  ? "FLUSH"
		: sqe->opcode == NVME_CMD_READ ? "READ"
					       : "WRITE",
		bp->b_blkno, len / DEV_BSIZE);
}

/* Tell the controller how far the submission queue goes.  At splbio. */
static void
sq_ring(struct nvme_ctrl *c)
{
	c->kick = 0;
	wr32(c, c->iosq.db, c->iosq.tail);
	c->stats.sq_doorbells++;
}

/* The owed doorbell, once every completion's b_iodone has queued what
 * it will (IPL_SOFTCLK: after INTIODONE's whole queue). */
static void
nvme_kick(void *arg)
{
	struct nvme_ctrl *c = arg;
	int s = splbio();

	if (c->kick)
		sq_ring(c);
	splx(s);
}

/*
 * Move waiting bufs onto the submission queue while there is room, then
 * tell the controller with one tail doorbell write however many went.
 * An idle controller hears at once; a busy one (its completions' b_iodone
 * issuing the next requests one by one) once all of them are in, by a
 * soft interrupt below INTIODONE: a doorbell for a batch, not each.  A
 * flush waits for the commands before it to complete: it covers only
 * completed writes (6.8).  At splbio.
 */
static void
nvme_fill(struct nvme_ctrl *c)
{
	int n = 0;

	SPL_ASSERT_ATLEAST(IPL_BIO);
	while (!bufq_empty(&c->queue) && c->active < c->depth) {
		struct buf *bp = bufq_peek(&c->queue);
		if (c->dead) {
			biofail(bufq_get(&c->queue), EIO);
			continue;
		}
		if ((bp->b_flags & B_FLUSH) && c->active)
			break;
		cmd_build(c, cid_alloc(c), bufq_get(&c->queue));
		n++;
	}
	if (!n)
		return;
	if (c->active == n || !c->si) {
		sq_ring(c);
	} else if (!c->kick) {
		c->kick = 1;
		softint_schedule(c->si);
	}
	if ((uint32_t)c->active > c->stats.max_inflight)
		c->stats.max_inflight = (uint32_t)c->active;
	if (!c->watchdog.pending)
		timeout_add(&c->watchdog, NVME_TICK);
}

/* --- completion --- */

static void nvme_enqueue(struct bdev *bd, struct buf *bp);

/* Command cid is done with `status`: biodone, or its error.  0, or -1
 * if no such command is in flight: the controller (or its queue) has
 * gone wrong. */
static int
cmd_done(struct nvme_ctrl *c, uint16_t cid, uint16_t status)
{
	if (cid >= NVME_QSIZE || !c->cmd[cid].bp)
		return -1;
	if (nvme_lose_completions > 0) {
		nvme_lose_completions--; /* tests: as if it never came */
		return 0;
	}
	struct buf *bp = c->cmd[cid].bp;
	struct nvme_ns *ns = c->cmd[cid].ns;
	c->cmd[cid].bp = NULL;
	cid_free(c, cid);
	c->active--;
	c->progress = clock_ticks();
	DPRINTF(nvme_debug, "%s: cid %u done, status %04x\n", ns->bd.name, cid,
		status);
	if (!NVME_STATUS_SC(status) && !NVME_STATUS_SCT(status)) {
		bp->b_retries = 0;
		TRACE(TR_INTR, bp, c->pci->irq);
		biodone(bp);
		return 0;
	}
	const char *what;
	int err = status_errno(status, &what);
	c->stats.errors++;
	char at[48] = "";
	if (!(bp->b_flags & B_FLUSH))
		snprintf(at, sizeof(at), " of %u bytes at block %lld",
			 bdev_xfer_bytes(bp), bp->b_blkno);
	kprintf("%s: %s%s: %s: %s (type %d code %02xh)%s: %s\n", ns->bd.name,
		bp->b_flags & B_FLUSH  ? "flush"
		: bp->b_flags & B_READ ? "read"
				       : "write",
		at, sct_names[NVME_STATUS_SCT(status)], what,
		NVME_STATUS_SCT(status), NVME_STATUS_SC(status),
		status & NVME_STATUS_DNR ? ", do not retry" : "",
		errno_name(err));
	TRACE(TR_INTR, bp, c->pci->irq);
	if (err == EIO)
		bdev_io_failed(&ns->bd, bp, EIO, nvme_enqueue);
	else
		biofail(bp, err);
	return 0;
}

static void nvme_recover(struct nvme_ctrl *c, const char *why);

/* Take every new completion (its phase tag is the queue's phase), then
 * write the head doorbell once.  How many.  A completion of a command
 * not in flight means the queue is not what the driver thinks: the
 * controller is reset.  At splbio. */
static int
nvme_reap(struct nvme_ctrl *c)
{
	struct nvme_cq *cq = &c->iocq;
	int n = 0, bad = -1;

	SPL_ASSERT_ATLEAST(IPL_BIO);
	while (n < cq->size - 1) { /* no more can be new */
		volatile struct nvme_cqe *e = &cq->e[cq->head];
		uint16_t status = e->status;
		if ((status & 1) != cq->phase)
			break;
		uint16_t cid = e->cid;
		if (++cq->head == cq->size) {
			cq->head = 0;
			cq->phase ^= 1;
		}
		n++;
		if (cmd_done(c, cid, status)) {
			bad = cid;
			break;
		}
	}
	if (n) {
		wr32(c, cq->db, cq->head);
		c->stats.cq_doorbells++;
	}
	if (bad >= 0) {
		char why[64];
		snprintf(why, sizeof(why),
			 "a completion of command %d, which is not in flight",
			 bad);
		c->stats.errors++;
		nvme_recover(c, why);
	}
	return n;
}

/*
 * The controller gave up on, or lost, a command: reset it and issue
 * again what was in flight (each buf NVME_RETRIES times at most).
 * At splbio.
 */
static void
nvme_recover(struct nvme_ctrl *c, const char *why)
{
	SPL_ASSERT_ATLEAST(IPL_BIO);
	const struct buf *oldest = NULL;
	uint64_t when = ~0ull;

	for (int i = 0; i < NVME_QSIZE; i++)
		if (c->cmd[i].bp && c->cmd[i].issued < when) {
			when = c->cmd[i].issued;
			oldest = c->cmd[i].bp;
		}
	kprintf("%s: %s: %d command(s) in flight, the oldest at block %lld "
		"for %llu ms: resetting the controller\n",
		c->name, why, c->active, oldest ? oldest->b_blkno : -1LL,
		(unsigned long long)(oldest ? clock_ticks() - when : 0));
	TRACE_EVENT(TR_DRV_RESET, oldest ? oldest->b_dev : 0,
		    oldest ? oldest->b_blkno : 0, 0, ETIMEDOUT,
		    (uint32_t)c->active);
	c->stats.resets++;
	for (int i = NVME_QSIZE - 1; i >= 0; i--) {
		struct buf *bp = c->cmd[i].bp;
		if (!bp)
			continue;
		c->cmd[i].bp = NULL;
		if (++bp->b_retries > NVME_RETRIES) {
			kprintf("%s: block %lld: giving up after %d tries\n",
				c->cmd[i].ns->bd.name, bp->b_blkno,
				NVME_RETRIES);
			c->stats.errors++;
			biofail(bp, EIO);
			continue;
		}
		TRACE(TR_DRV_REISSUE, bp, (uint32_t)bp);
		bufq_put_head(&c->queue, bp);
	}
	int err = ctrl_bringup(c);
	if (err) {
		kprintf("%s: the controller did not come back (%s): its "
			"disks fail every request with EIO\n",
			c->name, errno_name(err));
		c->dead = 1;
		cid_reset(c);
	}
	c->progress = clock_ticks();
	nvme_fill(c);
}

/* --- interrupt handling --- */

static int
nvme_intr(void *arg)
{
	struct nvme_ctrl *c = arg;
	struct nvme_cq *cq = &c->iocq;

	if ((cq->e[cq->head].status & 1) != cq->phase)
		return 0; /* nothing new: not ours (the line is shared) */
	if (nvme_drop_irqs > 0) {
		/* tests: lost, and the line quiet until the watchdog */
		nvme_drop_irqs--;
		wr32(c, NVME_INTMS, 1);
		c->masked = 1;
		return 1;
	}
	c->stats.interrupts++;
	nvme_reap(c);
	nvme_fill(c);
	return 1;
}

/* Every NVME_TICK while commands are in flight. */
static void
nvme_watchdog(void *arg)
{
	struct nvme_ctrl *c = arg;
	int s = splbio();

	if (c->active) {
		/* nothing done for a timeout's time: were some done after
		 * all, and their interrupt lost? */
		uint64_t now = clock_ticks();
		if (now - c->progress >= NVME_TIMEOUT && nvme_reap(c)) {
			c->stats.lost_irqs++;
			TRACE_EVENT(TR_DRV_ERROR, c->ns[0]->bd.dev, 0, 0, 0,
				    TRACE_LOST_IRQ);
			kprintf("%s: lost interrupt: commands had finished; "
				"recovered\n",
				c->name);
			if (c->masked) { /* (a test's loss is over) */
				c->masked = 0;
				wr32(c, NVME_INTMC, 1);
			}
		}
		for (int i = 0; i < NVME_QSIZE; i++)
			if (c->cmd[i].bp &&
			    now - c->cmd[i].issued >= NVME_TIMEOUT) {
				c->stats.timeouts++;
				nvme_recover(c, "command timeout");
				break;
			}
		nvme_fill(c);
	}
	if (c->active)
		timeout_add(&c->watchdog, NVME_TICK);
	splx(s);
}

/* --- probing --- */

static const struct bdev_ops nvme_ops;

/* Namespace nsid, if it is active and iodine can use it. */
static void
ns_attach(struct nvme_ctrl *c, uint32_t nsid)
{
	char name[BDEV_NAMELEN], size[16], xfer[16];
	const struct nvme_id_ns *id = c->page;

	snprintf(name, sizeof(name), "nvme%02x:%02x.%xn%u", c->pci->bus,
		 c->pci->dev, c->pci->fn, nsid);
	if (identify(c, NVME_CNS_NS, nsid))
		return;
	if (!id->nsze)
		return; /* allocated, not attached to this controller */
	const struct nvme_lbaf *f = &id->lbaf[id->flbas & 0xF];
	if (nsid > NVME_NSID_MAX || c->nns == NVME_MAX_NS) {
		kprintf("%s: more namespaces than iodine names (IDs 1 to %d, "
			"%d a controller): not attached\n",
			name, NVME_NSID_MAX, NVME_MAX_NS);
		return;
	}
	if (f->ms || f->lbads < 9 || f->lbads > PAGE_SHIFT) {
		kprintf("%s: %u-byte sectors with %u bytes of metadata: not "
			"attached (512 to 4096, none)\n",
			name, f->lbads < 32 ? 1u << f->lbads : 0, f->ms);
		return;
	}
	struct nvme_ns *ns = kzalloc(sizeof(*ns));
	if (!ns)
		return;
	ns->c = c;
	ns->nsid = nsid;
	ns->shift = f->lbads - 9;
	strlcpy(ns->bd.name, name, sizeof(ns->bd.name));
	/* the long form of bdev.h's minors: address, then the unit */
	ns->bd.dev = makedev(MAJOR_NVME,
			     BDEV_MINOR_PCI | pci_loc(c->pci) << 5 | nsid);
	ns->bd.nblocks = id->nsze << ns->shift;
	ns->bd.secsize = 1u << f->lbads;
	ns->bd.align = 4; /* a PRP entry's offset is dword aligned */
	ns->bd.maxxfer = c->maxxfer;
	ns->bd.model = c->model;
	snprintf(ns->bd.where, sizeof(ns->bd.where),
		 "pci %02x:%02x.%x namespace %u", c->pci->bus, c->pci->dev,
		 c->pci->fn, nsid);
	ns->bd.ops = &nvme_ops;
	ns->bd.softc = ns;
	int err = bdev_register(&ns->bd);
	if (err) {
		kprintf("%s: not attached: %s\n", name, errno_name(err));
		kfree(ns);
		return;
	}
	c->ns[c->nns++] = ns;
	kprintf("%s: %s, %s, %u-byte sectors, queue depth %d, %s transfers, "
		"write cache %s, at %s\n",
		name, c->model,
		fmt_size(size, sizeof(size), ns->bd.nblocks * DEV_BSIZE),
		ns->bd.secsize, c->depth,
		fmt_size(xfer, sizeof(xfer), c->maxxfer), c->vwc ? "on" : "off",
		ns->bd.where);
}

/* The active namespaces' IDs (CNS 02h), or if the controller has no
 * such list, 1 to NN. */
static void
ns_attach_all(struct nvme_ctrl *c, uint32_t nn)
{
	uint32_t ids[NVME_NSID_MAX + 1];
	int n = 0;

	if (!identify(c, NVME_CNS_NSLIST, 0)) {
		const uint32_t *list = c->page;
		for (int i = 0; i < 1024 && list[i] && n <= NVME_NSID_MAX; i++)
			ids[n++] = list[i];
	} else {
		for (uint32_t i = 1; i <= nn && n <= NVME_NSID_MAX; i++)
			ids[n++] = i;
	}
	for (int i = 0; i < n; i++)
		ns_attach(c, ids[i]);
}

/* The controller's queues and pages.  attachfail=nvme.alloc: the
 * allocator fails half way (the unwinding then frees what was made). */
static int
ctrl_alloc(struct nvme_ctrl *c, struct attach_audit *au)
{
	uint16_t qsize = NVME_QSIZE;

	if (CAP_MQES(c->cap) + 1 < qsize)
		qsize = (uint16_t)(CAP_MQES(c->cap) + 1);
	c->depth = qsize - 1; /* a full queue would look empty */
	c->asq.size = c->acq.size = NVME_ADMINQ;
	c->iosq.size = c->iocq.size = qsize;
	c->asq.db = sq_doorbell(c, 0);
	c->acq.db = cq_doorbell(c, 0);
	c->iosq.db = sq_doorbell(c, 1);
	c->iocq.db = cq_doorbell(c, 1);
	/* queues page aligned (CC.MPS), physically contiguous: kmalloc's
	 * whole pages */
	c->asq.e = kzalloc(PAGE_SIZE);
	c->acq.e = kzalloc(PAGE_SIZE);
	c->iosq.e = kzalloc(qsize * sizeof(struct nvme_sqe));
	c->iocq.e = kzalloc(PAGE_SIZE);
	c->page = kzalloc(PAGE_SIZE);
	if (!c->asq.e || !c->acq.e || !c->iosq.e || !c->iocq.e || !c->page)
		return ENOMEM;
	for (int i = 0; i < c->depth; i++) {
		if (i == c->depth / 2 && attach_fail(au, "nvme", "alloc"))
			return ENOMEM;
		/* 2 KiB, 2 KiB aligned: never across a page */
		c->cmd[i].prp = kmalloc(NVME_PRP_LIST * sizeof(uint64_t));
		if (!c->cmd[i].prp)
			return ENOMEM;
	}
	return 0;
}

static void
ctrl_free(struct nvme_ctrl *c)
{
	for (int i = 0; i < NVME_QSIZE; i++)
		kfree(c->cmd[i].prp);
	kfree(c->page);
	kfree((void *)c->iocq.e);
	kfree(c->iosq.e);
	kfree((void *)c->acq.e);
	kfree(c->asq.e);
}

/* The model string, its trailing spaces gone */
static void
model_copy(char *dst, const char *src, size_t n)
{
	size_t len = n;

	while (len && (src[len - 1] == ' ' || !src[len - 1]))
		len--;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/*
 * Attach the controller at d: reset it, make its queues, read what it
 * is, attach its namespaces.  Each step that fails undoes the ones
 * before it: the controller disabled (it forgets the memory), the
 * memory freed, bus mastering off.  attachfail=nvme.reset,
 * nvme.alloc, nvme.identify, nvme.queues make those steps fail
 * (attach.h).
 */
static void
nvme_attach(const struct pci_dev *d)
{
	const struct pci_bar *bar = &d->bar[0];
	char name[16];

	snprintf(name, sizeof(name), "nvme%02x:%02x.%x", d->bus, d->dev, d->fn);
	if (!bar->size || bar->io || bar->base + bar->size > 0x100000000ull ||
	    bar->size < NVME_DOORBELLS + 4 * 4) {
		kprintf("%s: BAR0 %s (%llx, %llu bytes): not attached\n", name,
			bar->io ? "is I/O space" : "unusable",
			(unsigned long long)bar->base,
			(unsigned long long)bar->size);
		return;
	}
	if (nctrls == NVME_MAX_CTRL) {
		kprintf("%s: more than %d NVMe controllers: not attached\n",
			name, NVME_MAX_CTRL);
		return;
	}
	/* identity, uncached, kept whatever happens (as ahci.c's ABAR) */
	volatile uint32_t *regs =
		vm_map_mmio((uint32_t)bar->base, (uint32_t)bar->size);
	struct attach_audit au;
	attach_audit_start(&au);
	struct nvme_ctrl *c = kzalloc(sizeof(*c));
	if (!c)
		return;
	c->pci = d;
	c->regs = regs;
	strlcpy(c->name, name, sizeof(c->name));
	bufq_init(&c->queue, IPL_BIO, c->name);
	timeout_set(&c->watchdog, nvme_watchdog, c);
	pci_enable(d, PCI_CMD_MEM | PCI_CMD_MASTER);
	c->cap = rd64(c, NVME_CAP);
	c->stride = 4u << CAP_DSTRD(c->cap);
	c->ready_ms = (CAP_TO(c->cap) ? CAP_TO(c->cap) : 1) * 500;
	if (!CAP_CSS_NVM(c->cap) || CAP_MPSMIN(c->cap)) {
		kprintf("%s: no NVM command set, or pages larger than 4 KiB "
			"(CAP %016llx): not attached\n",
			name, (unsigned long long)c->cap);
		goto off;
	}
	if (ctrl_alloc(c, &au))
		goto free_mem;
	if (attach_fail(&au, "nvme", "reset") || ctrl_disable(c) ||
	    ctrl_enable(c)) {
		kprintf("%s: the controller did not become ready (CSTS "
			"%08x)\n",
			name, rd32(c, NVME_CSTS));
		goto disable;
	}
	const struct nvme_id_ctrl *id = c->page;
	if (attach_fail(&au, "nvme", "identify") ||
	    identify(c, NVME_CNS_CTRL, 0)) {
		kprintf("%s: Identify Controller failed\n", name);
		goto disable;
	}
	model_copy(c->model, id->mn, sizeof(id->mn));
	c->vwc = id->vwc & 1;
	uint32_t nn = id->nn;
	c->maxxfer = NVME_MAXXFER;
	if (id->mdts && id->mdts < 20 &&
	    ((uint32_t)PAGE_SIZE << id->mdts) < c->maxxfer)
		c->maxxfer = (uint32_t)PAGE_SIZE << id->mdts;
	uint32_t vs = rd32(c, NVME_VS);
	if (attach_fail(&au, "nvme", "queues") || ioq_create(c)) {
		kprintf("%s: the I/O queues could not be made\n", name);
		goto disable;
	}
	cid_reset(c);
	ctrls[nctrls++] = c;
	kprintf("%s: at pci %02x:%02x.%x, NVMe %u.%u, %s, one I/O queue "
		"pair of %u entries (CAP.MQES %u)\n",
		name, d->bus, d->dev, d->fn, vs >> 16, (vs >> 8) & 0xFF,
		c->model, c->iosq.size, CAP_MQES(c->cap) + 1);
	ns_attach_all(c, nn);
	c->si = softint_establish(IPL_SOFTCLK, nvme_kick, c, c->name);
	c->ih = intr_establish(d->irq, IPL_BIO, nvme_intr, c, c->name);
	wr32(c, NVME_INTMC, 1); /* vector 0: the handler is there */
	return;

disable:
	if (ctrl_disable(c)) {
		kprintf("%s: will not stop: its memory is kept\n", name);
		attach_audit_end(&au, name);
		return;
	}
free_mem:
	ctrl_free(c);
off:
	pci_disable(d, PCI_CMD_MEM | PCI_CMD_MASTER);
	kfree(c);
	kprintf("%s: not attached: bus mastering and memory decoding off\n",
		name);
	attach_audit_end(&au, name);
}

void
nvme_init(void)
{
	nvme_debug = cmdline_opt_has("debug", "nvme");
	for (int i = 0; i < pci_count(); i++) {
		const struct pci_dev *d = pci_at(i);
		if (d->class == PCI_CLASS_STORAGE &&
		    d->subclass == PCI_SUB_NVM && d->progif == PCI_IF_NVME)
			nvme_attach(d);
	}
}

/* --- entry points --- */

static void
nvme_queue_only(struct bdev *bd, struct buf *bp)
{
	bp->b_retries = 0;
	bufq_put(&((struct nvme_ns *)bd->softc)->c->queue, bp);
}

static void
nvme_enqueue(struct bdev *bd, struct buf *bp)
{
	int s = splbio();

	nvme_queue_only(bd, bp);
	nvme_fill(((struct nvme_ns *)bd->softc)->c);
	splx(s);
}

/* The whole chain is queued before the submission queue is filled: the
 * controller hears of it with one doorbell write. */
static void
nvme_strategy(struct bdev *bd, struct buf *chain)
{
	int s = splbio();

	bdev_strategy_chain(bd, chain, nvme_queue_only);
	nvme_fill(((struct nvme_ns *)bd->softc)->c);
	splx(s);
}

static int
nvme_flush(struct bdev *bd)
{
	struct nvme_ctrl *c = ((struct nvme_ns *)bd->softc)->c;

	if (!c->vwc)
		return 0; /* no volatile cache: written is on the media */
	c->stats.flushes++;
	return bdev_flush_request(bd, nvme_enqueue);
}

static const struct bdev_ops nvme_ops = {
	.strategy = nvme_strategy,
	.flush = nvme_flush,
};

/* --- for tests, benchmarks and the shell --- */

void
nvme_test_drop_interrupts(int n)
{
	nvme_drop_irqs = n;
}

void
nvme_test_lose_completions(int n)
{
	nvme_lose_completions = n;
}

static struct nvme_ctrl *
ctrl_of(const struct bdev *bd)
{
	return bd && bd->ops == &nvme_ops ? ((struct nvme_ns *)bd->softc)->c
					  : NULL;
}

const struct nvme_stats *
nvme_stats(const struct bdev *bd)
{
	struct nvme_ctrl *c = ctrl_of(bd);

	return c ? &c->stats : NULL;
}

/* "nvme00:05.0", the controller of namespace bd */
const char *
nvme_controller_name(const struct bdev *bd)
{
	struct nvme_ctrl *c = ctrl_of(bd);

	return c ? c->name : NULL;
}

uint64_t
nvme_mmio_count(void)
{
	uint64_t n = 0;

	for (int i = 0; i < nctrls; i++)
		n += ctrls[i]->mmio;
	return n;
}

void
nvme_stats_reset_max(const struct bdev *bd)
{
	struct nvme_ctrl *c = ctrl_of(bd);

	if (c)
		c->stats.max_inflight = 0;
}
