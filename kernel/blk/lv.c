/*
 * lv.c: logical volumes, the layer AIX's iodone page gives as its example
 * (../shared/seeds/000_*.txt): the logical volume driver takes a request
 * for a volume, makes requests of its own for the physical volumes with
 * buf headers of its own and its own b_iodone, calls their strategy
 * routines, and completes the caller's request when they are done.
 *
 * Kinds:
 *  - concat: the devices one after the other;
 *  - stripe: chunks dealt round the devices: volume chunk c is on device
 *    c % n, at chunk c / n of it;
 *  - mirror (2 or 3 legs): every leg holds every block.  Writes go to
 *    every leg that is not failed and complete when all have; a write
 *    error fails the leg, not the request, while another healthy leg
 *    remains.  Reads go to one healthy leg (the least busy) and, on an
 *    error, are tried again on another: the failing leg is marked failed,
 *    once, on the console and in `lv status`.  The last healthy leg is
 *    never failed: its errors fail only the requests they touch.
 *
 * The path.  A request is validated on the volume's size (the switch's
 * bounds rules, bdev.c), then cut into pieces, one for each stretch of a
 * device it covers (each of a mirror's legs for a write).  Each piece is a
 * buf of the layer's own (bdev_child_init: the caller's buf is never
 * changed but for its completion), and a device's pieces go down together
 * as one av_forw chain.  The caller's buf is completed once, when the
 * last piece is done, with the first error in the order of its bytes and
 * a b_resid counting from there (as bdev's split does).  Nothing here
 * sleeps but the rebuild thread and the management calls.
 *
 * Why the pool cannot deadlock.  Each volume has its own pool of LV_POOL
 * pieces, allocated with it.  A request takes every piece it needs at
 * once, or none: if the pool is short it waits in the volume's queue
 * holding nothing, and is started when pieces come back.  Pieces come
 * back when the devices below complete them, which never needs this
 * pool; the volumes stack without a cycle (a volume is built only on
 * devices that exist before it), so the pool of the lowest always
 * drains, and so, in turn, does every pool above it.  No request needs
 * more pieces than the pool holds: the volume's maxxfer bounds a request
 * to LV_LEGS + 1 pieces (the switch splits larger ones first).
 *
 * Rebuilding a mirror leg (lv_resync) while I/O goes on: a thread copies
 * the volume from a healthy leg, LV_SYNC_BYTES at a time.  The leg being
 * rebuilt takes every write from the start.  For each stretch, the
 * thread holds new writes to it, waits for the writes to it already in
 * flight, copies it, and lets the held writes go: a copy never puts old
 * data over a newer write.  Reads never go to a leg being rebuilt.
 *
 * Protection: the request path (pools, the queue of waiting requests, a
 * leg's state and counts, the rebuild window) at splhigh; the table of
 * volumes and making, changing or removing one under the claims lock
 * (bdev.h), since they sleep between their checks and their changes.
 */
#include "lv.h"

#include <stdarg.h>
#include <stddef.h>

#include "bcache.h"
#include "bufq.h"
#include "clock.h"
#include "cmdline_opt.h"
#include "console.h"
#include "errno.h"
#include "intr.h"
#include "kmalloc.h"
#include "printf.h"
#include "string.h"
#include "thread.h"
#include "trace.h"
#include "uio.h"

#define LV_POOL		 64 /* pieces (and requests) of each volume */
#define LV_MAXXFER	 (256 * 1024)
#define LV_CHUNK_DEFAULT (64 * 1024)
#define LV_SYNC_BYTES	 (64 * 1024)
#define LV_MAX_PIECES	 (LV_LEGS + 1)

enum leg_state { LEG_OK, LEG_FAILED, LEG_SYNCING };
static const char *const leg_states[] = {"ok", "failed", "resync"};
static const char *const type_names[] = {"concat", "stripe", "mirror"};

struct lv;

struct lv_req { /* a caller's request in flight */
	struct buf *bp;
	int pending;	    /* pieces not yet done */
	int write;	    /* (mirror writes succeed if one leg took them) */
	int legs_ok;	    /* mirror writes: legs that took it */
	uint32_t failed_at; /* byte offset of the first failure, ~0 if none */
	int error;
	uint64_t first, end; /* the blocks it covers, for the rebuild */
	struct lv_req *next; /* the free list */
	struct lv_piece *pieces;
	int active;
};

struct lv_piece { /* a request of the layer's own on one device */
	struct buf b;
	struct lv *lv;
	struct lv_req *req;
	int leg;
	uint32_t off;	/* where its bytes are in the caller's */
	uint32_t tried; /* mirror reads: the legs tried, a bit each */
	struct lv_piece *next;
};

struct lv_leg {
	struct bdev *bd;
	uint64_t start; /* concat: the volume's first block on it */
	uint64_t nblocks;
	int state;
	int inflight;
	uint64_t errors;
};

struct lv {
	struct bdev bd;
	int slot, type, nlegs;
	uint32_t chunk; /* stripe: blocks */
	struct lv_leg leg[LV_LEGS];
	char where[BDEV_NAMELEN * 2], model[48];

	struct lv_piece piece[LV_POOL], *free_piece;
	struct lv_req req[LV_POOL], *free_req;
	int npiece_free;
	struct bufq waitq; /* requests not yet started, FIFO */
	int rr;		   /* the next mirror leg to read */
	uint64_t requests, pieces, waits;

	/* rebuilding: writes to [sync_lo, sync_hi) are held while set */
	struct thread *sync_thread;
	int sync_window;
	uint64_t sync_lo, sync_hi, sync_done;
};

static struct lv *lvs[LV_MAX];
uint32_t lv_sync_pause;

const char *
lv_type_name(int type)
{
	return type >= 0 && type <= LV_MIRROR ? type_names[type] : "?";
}

int
lv_type_parse(const char *s)
{
	for (int t = 0; t <= LV_MIRROR; t++)
		if (!strcmp(s, type_names[t]))
			return t;
	return -1;
}

/* --- mapping a request to pieces --- */

struct seg {
	int leg;
	uint64_t blkno; /* on the leg */
	uint32_t off, len;
};

/* A mirror leg to read from: a healthy one not in `tried`, the least
 * busy, round robin among equals; -1 if none. */
static int
pick_leg(struct lv *lv, uint32_t tried)
{
	int best = -1;

	for (int k = 0; k < lv->nlegs; k++) {
		int i = (lv->rr + k) % lv->nlegs;
		if (lv->leg[i].state != LEG_OK || (tried & 1u << i))
			continue;
		if (best < 0 || lv->leg[i].inflight < lv->leg[best].inflight)
			best = i;
	}
	if (best >= 0)
		lv->rr = (best + 1) % lv->nlegs;
	return best;
}

/* The pieces of `len` bytes from volume block blk; how many. */
static int
map(struct lv *lv, uint64_t blk, uint32_t len, int write, struct seg *seg)
{
	int n = 0;

	switch (lv->type) {
	case LV_CONCAT:
		for (uint32_t i = 0, off = 0; i < (uint32_t)lv->nlegs && len;
		     i++) {
			const struct lv_leg *l = &lv->leg[i];
			if (blk >= l->start + l->nblocks)
				continue;
			uint64_t left =
				(l->start + l->nblocks - blk) * DEV_BSIZE;
			uint32_t take = left < len ? (uint32_t)left : len;
			seg[n++] =
				(struct seg){(int)i, blk - l->start, off, take};
			blk += take / DEV_BSIZE;
			off += take;
			len -= take;
		}
		break;
	case LV_STRIPE:
		for (uint32_t off = 0; len;) {
			uint64_t c = blk / lv->chunk, in = blk % lv->chunk;
			uint64_t left = (lv->chunk - in) * DEV_BSIZE;
			uint32_t take = left < len ? (uint32_t)left : len;
			seg[n++] = (struct seg){
				(int)(c % (uint64_t)lv->nlegs),
				c / (uint64_t)lv->nlegs * lv->chunk + in, off,
				take};
			blk += take / DEV_BSIZE;
			off += take;
			len -= take;
		}
		break;
	case LV_MIRROR:
		if (!write) {
			int i = pick_leg(lv, 0);
			if (i >= 0)
				seg[n++] = (struct seg){i, blk, 0, len};
			break;
		}
		for (int i = 0; i < lv->nlegs; i++)
			if (lv->leg[i].state != LEG_FAILED)
				seg[n++] = (struct seg){i, blk, 0, len};
		break;
	}
	return n;
}

/* --- the request path --- */

static void piece_done(struct buf *c);

static int
overlaps_window(const struct lv *lv, uint64_t first, uint64_t end)
{
	return lv->sync_window && first < lv->sync_hi && lv->sync_lo < end;
}

/* At splhigh: bp's request and pieces, taken from the pool; NULL if bp
 * must wait (the pool is short, or a rebuild holds its blocks). */
static struct lv_req *
reserve(struct lv *lv, struct buf *bp)
{
	struct seg seg[LV_MAX_PIECES];
	uint32_t len = bdev_xfer_bytes(bp);
	uint64_t first = (uint64_t)bp->b_blkno;
	uint64_t end = first + len / DEV_BSIZE;
	int write = !(bp->b_flags & B_READ);

	if (write && overlaps_window(lv, first, end))
		return NULL;
	if (!lv->free_req || lv->npiece_free < LV_MAX_PIECES)
		return NULL; /* (every request fits in LV_MAX_PIECES) */
	int n = map(lv, first, len, write, seg);
	struct lv_req *r = lv->free_req;
	lv->free_req = r->next;
	*r = (struct lv_req){.bp = bp,
			     .pending = n,
			     .write = write,
			     .failed_at = ~0u,
			     .first = first,
			     .end = end,
			     .active = 1};
	for (int i = n - 1; i >= 0; i--) {
		struct lv_piece *p = lv->free_piece;
		lv->free_piece = p->next;
		lv->npiece_free--;
		bdev_child_init(&p->b, bp, seg[i].off, seg[i].len,
				lv->leg[seg[i].leg].bd->dev,
				(daddr_t)seg[i].blkno, piece_done, NULL);
		p->b.b_flags |= B_BUSY;
		p->lv = lv;
		p->req = r;
		p->leg = seg[i].leg;
		p->off = seg[i].off;
		p->tried = 1u << seg[i].leg;
		lv->leg[seg[i].leg].inflight++;
		p->next = r->pieces;
		r->pieces = p;
	}
	lv->requests++;
	lv->pieces += (uint64_t)n;
	return r;
}

/* Send r's pieces down: one av_forw chain for each device. */
static void
issue(struct lv *lv, struct lv_req *r)
{
	struct buf *head[LV_LEGS] = {0}, *tail[LV_LEGS] = {0};

	for (struct lv_piece *p = r->pieces, *next; p; p = next) {
		next = p->next;
		trace_remap(&p->b, lv->bd.dev,
			    r->bp->b_blkno + (daddr_t)(p->off / DEV_BSIZE));
		p->b.av_forw = NULL;
		if (tail[p->leg])
			tail[p->leg]->av_forw = &p->b;
		else
			head[p->leg] = &p->b;
		tail[p->leg] = &p->b;
	}
	for (int i = 0; i < lv->nlegs; i++)
		if (head[i])
			bdev_strategy(head[i]);
}

/* Start what waits in lv's queue, in order, while the pool allows.
 * (The test without the mask is safe: a request is queued, at splhigh,
 * only while the pieces it waits for are out, and each of those calls
 * here after it is back.) */
static void
kick(struct lv *lv)
{
	while (!bufq_empty(&lv->waitq)) {
		int s = splhigh();
		struct buf *bp = bufq_peek(&lv->waitq);
		struct lv_req *r = bp ? reserve(lv, bp) : NULL;
		if (!r) {
			splx(s);
			return;
		}
		bufq_get(&lv->waitq);
		splx(s);
		issue(lv, r);
	}
}

static void
lv_start(struct bdev *bd, struct buf *bp)
{
	struct lv *lv = bd->softc;
	int s = splhigh();
	struct lv_req *r = bufq_empty(&lv->waitq) ? reserve(lv, bp) : NULL;

	if (!r) {
		bufq_put(&lv->waitq, bp);
		lv->waits++;
	}
	splx(s);
	if (r)
		issue(lv, r);
}

static void
lv_strategy(struct bdev *bd, struct buf *chain)
{
	bdev_strategy_chain(bd, chain, lv_start);
}

/* Leg i failed a piece with `error` at `blkno`: mark it failed, once,
 * unless it is the mirror's last healthy leg.  Any level. */
static void
leg_error(struct lv *lv, int i, int error, daddr_t blkno)
{
	int s = splhigh();
	int others = 0;

	for (int k = 0; k < lv->nlegs; k++)
		others += k != i && lv->leg[k].state == LEG_OK;
	int fail = lv->leg[i].state != LEG_FAILED &&
		   (others || lv->leg[i].state == LEG_SYNCING);
	if (fail)
		lv->leg[i].state = LEG_FAILED;
	lv->leg[i].errors++;
	splx(s);
	if (fail)
		kprintf("lv: %s: %s failed (%s at block %lld): leg marked "
			"failed, the volume goes on without it\n",
			lv->bd.name, lv->leg[i].bd->name, errno_name(error),
			blkno);
	else if (lv->leg[i].state == LEG_OK)
		kprintf("lv: %s: %s: %s at block %lld on the last healthy "
			"leg: the request fails\n",
			lv->bd.name, lv->leg[i].bd->name, errno_name(error),
			blkno);
}

/* A mirror read that failed on one leg, sent to another; 0 if none is
 * left to try. */
static int
retry_read(struct lv_piece *p)
{
	struct lv *lv = p->lv;
	int s = splhigh();
	int i = pick_leg(lv, p->tried);

	if (i >= 0) {
		lv->leg[p->leg].inflight--;
		lv->leg[i].inflight++;
		p->tried |= 1u << i;
		p->leg = i;
	}
	splx(s);
	if (i < 0)
		return 0;
	p->b.b_flags &= ~(B_ERROR | B_DONE);
	p->b.b_error = 0;
	p->b.b_resid = 0;
	p->b.b_dev = lv->leg[i].bd->dev;
	trace_remap(&p->b, lv->bd.dev,
		    p->req->bp->b_blkno + (daddr_t)(p->off / DEV_BSIZE));
	bdev_strategy(&p->b);
	return 1;
}

/* The caller's request is done: its error and residue, then biodone. */
static void
req_done(struct lv *lv, struct lv_req *r)
{
	struct buf *bp = r->bp;
	int fails = r->failed_at != ~0u &&
		    !(r->write && lv->type == LV_MIRROR && r->legs_ok);

	if (fails && r->failed_at < bdev_xfer_bytes(bp)) {
		bp->b_resid = bp->b_bcount - r->failed_at;
		bioerror(bp, r->error ? r->error : EIO);
	}
	int s = splhigh();
	r->active = 0;
	r->next = lv->free_req;
	lv->free_req = r;
	if (r->write && lv->sync_window)
		wakeup(&lv->sync_window);
	splx(s);
	biodone(bp);
}

/* A piece is done (b_iodone: at INTIODONE or base level). */
static void
piece_done(struct buf *c)
{
	struct lv_piece *p = (struct lv_piece *)c;
	struct lv *lv = p->lv;
	struct lv_req *r = p->req;
	int error = geterror(c);
	int bad = error || c->b_resid;
	if (lv->type == LV_MIRROR && bad) {
		leg_error(lv, p->leg, error ? error : EIO,
			  c->b_blkno + (daddr_t)((c->b_bcount - c->b_resid) /
						 DEV_BSIZE));
		if (!r->write && retry_read(p))
			return;
	}
	int s = splhigh();
	if (bad) {
		uint32_t at = p->off + c->b_bcount - c->b_resid;
		if (at < r->failed_at) {
			r->failed_at = at;
			r->error = error;
		}
	} else if (r->write && lv->leg[p->leg].state == LEG_OK) {
		r->legs_ok++; /* (a leg being rebuilt is not read from yet) */
	}
	lv->leg[p->leg].inflight--;
	int last = --r->pending == 0;
	p->next = lv->free_piece;
	lv->free_piece = p;
	lv->npiece_free++;
	splx(s);
	if (last)
		req_done(lv, r);
	kick(lv);
}

static int
lv_flush(struct bdev *bd)
{
	struct lv *lv = bd->softc;
	int err = 0;

	for (int i = 0; i < lv->nlegs; i++) {
		if (lv->leg[i].state == LEG_FAILED)
			continue;
		int e = bdev_flush(lv->leg[i].bd->dev);
		if (e && !err)
			err = e;
	}
	return err;
}

static const struct bdev_ops lv_ops = {
	.strategy = lv_strategy,
	.flush = lv_flush,
};

/* --- rebuilding a mirror's legs --- */

static int
writes_in_window(const struct lv *lv)
{
	for (int i = 0; i < LV_POOL; i++) {
		const struct lv_req *r = &lv->req[i];
		if (r->active && r->write &&
		    overlaps_window(lv, r->first, r->end))
			return 1;
	}
	return 0;
}

static int
legs_in(const struct lv *lv, int state)
{
	int n = 0;

	for (int i = 0; i < lv->nlegs; i++)
		n += lv->leg[i].state == state;
	return n;
}

/* Copy blocks [pos, pos + n) from a healthy leg to the legs being
 * rebuilt, new writes to them held meanwhile.  0, or the error that
 * leaves nothing to copy from. */
static int
sync_stretch(struct lv *lv, uint64_t pos, uint32_t n, void *mem)
{
	size_t moved;
	int err, src;

	int s = splhigh();
	lv->sync_lo = pos;
	lv->sync_hi = pos + n;
	lv->sync_window = 1;
	while (writes_in_window(lv))
		tsleep(&lv->sync_window, "lvsync", 0);
	splx(s);
	for (;;) {
		s = splhigh();
		src = pick_leg(lv, 0);
		splx(s);
		err = physio(lv->leg[src].bd->dev, mem, n * DEV_BSIZE,
			     pos * DEV_BSIZE, UIO_READ, &moved);
		if (!err && moved == n * DEV_BSIZE)
			break;
		err = err ? err : EIO;
		leg_error(lv, src, err, (daddr_t)(pos + moved / DEV_BSIZE));
		if (lv->leg[src].state == LEG_OK) /* the last: nothing left */
			goto out;
	}
	if (lv_sync_pause)
		tsleep(&lv_sync_pause, "lvpause", lv_sync_pause);
	for (int i = 0; i < lv->nlegs; i++) {
		if (lv->leg[i].state != LEG_SYNCING)
			continue;
		int e = physio(lv->leg[i].bd->dev, mem, n * DEV_BSIZE,
			       pos * DEV_BSIZE, UIO_WRITE, &moved);
		if (e || moved != n * DEV_BSIZE)
			leg_error(lv, i, e ? e : EIO,
				  (daddr_t)(pos + moved / DEV_BSIZE));
	}
out:
	s = splhigh();
	lv->sync_window = 0;
	splx(s);
	kick(lv); /* the writes held */
	return err;
}

static void
sync_thread(void *arg)
{
	struct lv *lv = arg;
	uint64_t total = lv->bd.nblocks, t0 = clock_ticks();
	void *mem = kmalloc(LV_SYNC_BYTES);
	int err = mem ? 0 : ENOMEM;

	for (uint64_t pos = 0; !err && pos < total && legs_in(lv, LEG_SYNCING);
	     pos += LV_SYNC_BYTES / DEV_BSIZE) {
		uint64_t left = total - pos;
		uint32_t n = left < LV_SYNC_BYTES / DEV_BSIZE
				     ? (uint32_t)left
				     : LV_SYNC_BYTES / DEV_BSIZE;
		err = sync_stretch(lv, pos, n, mem);
		lv->sync_done = pos + n;
	}
	kfree(mem);
	int s = splhigh();
	int rebuilt = 0;
	for (int i = 0; i < lv->nlegs; i++) {
		if (lv->leg[i].state != LEG_SYNCING)
			continue;
		lv->leg[i].state = err ? LEG_FAILED : LEG_OK;
		rebuilt++;
	}
	splx(s);
	char size[16];
	if (err)
		kprintf("lv: %s: rebuild stopped: %s: nothing healthy to copy "
			"from\n",
			lv->bd.name, errno_name(err));
	else
		kprintf("lv: %s: rebuild done: %d leg%s in sync, %s in %llu "
			"ms\n",
			lv->bd.name, rebuilt, rebuilt == 1 ? "" : "s",
			fmt_size(size, sizeof(size), total * DEV_BSIZE),
			(unsigned long long)((clock_ticks() - t0) * 1000 / HZ));
	s = splhigh();
	lv->sync_thread = NULL;
	wakeup(&lv->sync_thread);
	splx(s);
	thread_exit();
}

static int
start_sync(struct lv *lv)
{
	/* at splhigh until the pointer is stored: the new thread may
	 * otherwise run to its end (and clear it) before the store */
	int s = splhigh();
	lv->sync_done = 0;
	struct thread *t = thread_create(sync_thread, lv, "lvsync");
	lv->sync_thread = t;
	if (!t) {
		for (int i = 0; i < lv->nlegs; i++)
			if (lv->leg[i].state == LEG_SYNCING)
				lv->leg[i].state = LEG_FAILED;
		splx(s);
		return ENOMEM;
	}
	thread_detach(t);
	splx(s);
	return 0;
}

/* --- making and removing volumes --- */

/* Say why volume `name` cannot be made or changed, and return err. */
static int __attribute__((format(printf, 3, 4)))
refuse(const char *name, int err, const char *fmt, ...)
{
	char why[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	kprintf("lv: %s: %s: %s\n", name, errno_name(err), why);
	return err;
}

static struct lv *
lv_named(const char *name)
{
	for (int i = 0; i < LV_MAX; i++)
		if (lvs[i] && !strcmp(lvs[i]->bd.name, name))
			return lvs[i];
	return NULL;
}

/* Whether bd can become a leg of volume `name`: it exists, nothing is
 * built on it, nor on its disk or its partitions. */
static int
leg_usable(const char *name, const char *devname, struct bdev **out)
{
	struct bdev *bd = bdev_by_name(devname);

	if (!strcmp(devname, name))
		return refuse(name, EINVAL,
			      "a volume cannot be built on "
			      "itself");
	if (!bd)
		return refuse(name, ENXIO, "%s: no such device (see lsblk)",
			      devname);
	if (bd->holder)
		return refuse(name, EBUSY, "%s is in use by %s", devname,
			      bd->holder->name);
	/* a file open on its blocks (by any name) could write them */
	uint64_t s0;
	const struct bdev *bottom = bdev_bottom(bd, &s0);
	for (int i = 0; bdev_at(i); i++)
		if (bdev_at(i)->opens &&
		    bdev_meets(bdev_at(i), bottom, s0, bd->nblocks))
			return refuse(name, EBUSY, "%s is open in a process",
				      bdev_at(i)->name);
	if (bd->parent && bd->parent->holder)
		return refuse(name, EBUSY, "%s lies on %s, which is in use",
			      devname, bd->parent->name);
	for (int i = 0; bdev_at(i); i++)
		if (bdev_at(i)->parent == bd && bdev_at(i)->holder)
			return refuse(name, EBUSY,
				      "%s holds %s, which is in use", devname,
				      bdev_at(i)->name);
	*out = bd;
	return 0;
}

/* The largest sector of the legs: the volume's own */
static uint32_t
lv_secsize(struct bdev *bd[], int n)
{
	uint32_t sec = DEV_BSIZE;

	for (int i = 0; i < n; i++)
		if (bdev_secsize(bd[i]) > sec)
			sec = bdev_secsize(bd[i]);
	return sec;
}

/* lv_create's first step: whether the request makes a volume.  Checks
 * everything a volume can be refused for before anything is changed;
 * fills bd with the legs, *chunk with the stripe chunk in bytes (the
 * default if 0), *slot with a free slot. */
static int
lv_check(const char *name, int type, char *const devs[], int n, uint32_t *chunk,
	 struct bdev *bd[], int *slot)
{
	char size[16];
	int err;

	if (!*name || strlen(name) >= BDEV_NAMELEN)
		return refuse(name, EINVAL, "a name of 1 to %d characters",
			      BDEV_NAMELEN - 1);
	if (bdev_by_name(name))
		return refuse(name, EEXIST, "a device of that name exists");
	if (type < 0 || type > LV_MIRROR)
		return refuse(name, EINVAL,
			      "the type is concat, stripe or mirror");
	/* a concat of one device is a plain remap (Linux's dm-linear) */
	if (type == LV_MIRROR && (n < 2 || n > 3))
		return refuse(name, EINVAL, "a mirror has 2 or 3 legs");
	if (type == LV_STRIPE && (n < 2 || n > LV_LEGS))
		return refuse(name, EINVAL, "a stripe has 2 to %d devices",
			      LV_LEGS);
	if (type == LV_CONCAT && (n < 1 || n > LV_LEGS))
		return refuse(name, EINVAL, "a concat has 1 to %d devices",
			      LV_LEGS);
	if (*chunk && type != LV_STRIPE)
		return refuse(name, EINVAL, "a chunk size is for stripes");
	if (!*chunk)
		*chunk = LV_CHUNK_DEFAULT;
	uint32_t blocks = *chunk / DEV_BSIZE;
	if (*chunk % DEV_BSIZE || (blocks & (blocks - 1)))
		return refuse(name, EINVAL,
			      "chunk %s: not a power-of-two multiple of 512 "
			      "bytes",
			      fmt_size(size, sizeof(size), *chunk));
	for (int i = 0; i < n; i++) {
		if ((err = leg_usable(name, devs[i], &bd[i])))
			return err;
		for (int k = 0; k < i; k++) {
			if (bd[k] == bd[i])
				return refuse(name, EINVAL, "%s is named twice",
					      devs[i]);
			if (bd[k] == bd[i]->parent || bd[k]->parent == bd[i])
				return refuse(name, EINVAL, "%s and %s overlap",
					      devs[k], devs[i]);
		}
	}
	/* a leg of larger sectors: the volume's requests are whole ones
	 * of it, so its legs and chunks must be too */
	uint32_t sec = lv_secsize(bd, n);
	if (type == LV_STRIPE && *chunk % sec)
		return refuse(name, EINVAL,
			      "chunk %s: not whole %u-byte sectors of its legs",
			      fmt_size(size, sizeof(size), *chunk), sec);
	for (int i = 0; i < n; i++)
		if (bd[i]->nblocks % (sec / DEV_BSIZE))
			return refuse(name, EINVAL,
				      "%s: not whole %u-byte sectors of the "
				      "other legs",
				      devs[i], sec);
	*slot = -1;
	for (int i = 0; i < LV_MAX && *slot < 0; i++)
		if (!lvs[i])
			*slot = i;
	if (*slot < 0)
		return refuse(name, ENOSPC, "%d volumes already", LV_MAX);
	return 0;
}

/* The second step: the volume laid out over its checked legs, in memory
 * only (nothing can see it yet).  Every leg of a stripe or mirror uses as
 * much as the smallest; a stripe's legs, whole chunks. */
static int
lv_lay_out(const char *name, int type, struct bdev *bd[], int n, uint32_t chunk,
	   int flags, int slot, struct lv **out)
{
	char used[16], has[16];
	uint64_t least = bd[0]->nblocks, total = 0;

	for (int i = 1; i < n; i++)
		if (bd[i]->nblocks < least)
			least = bd[i]->nblocks;
	if (type == LV_STRIPE)
		least -= least % (chunk / DEV_BSIZE);
	if (!least)
		return refuse(name, EINVAL, "a leg is smaller than a chunk");
	struct lv *lv = kzalloc(sizeof(*lv));
	if (!lv)
		return refuse(name, ENOMEM, "no memory for the volume");
	lv->slot = slot;
	lv->type = type;
	lv->nlegs = n;
	lv->chunk = chunk / DEV_BSIZE;
	for (int i = 0; i < n; i++) {
		struct lv_leg *l = &lv->leg[i];
		l->bd = bd[i];
		l->start = total;
		l->nblocks = type == LV_CONCAT ? bd[i]->nblocks : least;
		l->state = type == LV_MIRROR && i && !(flags & LV_CLEAN)
				   ? LEG_SYNCING
				   : LEG_OK;
		total += l->nblocks;
		if (l->nblocks != bd[i]->nblocks)
			kprintf("lv: %s: the legs differ in size: %s uses %s "
				"of its %s\n",
				name, bd[i]->name,
				fmt_size(used, sizeof(used),
					 l->nblocks * DEV_BSIZE),
				fmt_size(has, sizeof(has),
					 bd[i]->nblocks * DEV_BSIZE));
	}
	for (int i = 0; i < LV_POOL; i++) {
		lv->piece[i].next = lv->free_piece;
		lv->free_piece = &lv->piece[i];
		lv->req[i].next = lv->free_req;
		lv->free_req = &lv->req[i];
	}
	lv->npiece_free = LV_POOL;

	strlcpy(lv->bd.name, name, sizeof(lv->bd.name));
	/* (completions, at any level, start what waits) */
	bufq_init(&lv->waitq, IPL_HIGH, lv->bd.name);
	lv->bd.dev = makedev(MAJOR_LV, slot);
	lv->bd.nblocks = type == LV_MIRROR ? least : total;
	lv->bd.maxxfer = LV_MAXXFER;
	if (type == LV_STRIPE && chunk * (uint32_t)n < LV_MAXXFER)
		lv->bd.maxxfer = chunk * (uint32_t)n;
	lv->bd.secsize = lv_secsize(bd, n);
	for (int i = 0; i < n; i++)
		if (bdev_align(bd[i]) > bdev_align(&lv->bd))
			lv->bd.align = bdev_align(bd[i]);
	lv->bd.ops = &lv_ops;
	lv->bd.softc = lv;
	char *w = lv->where;
	for (int i = 0; i < n; i++)
		w += snprintf(w, sizeof(lv->where) - (size_t)(w - lv->where),
			      "%s%s", i ? "," : "", bd[i]->name);
	if (type == LV_STRIPE)
		snprintf(lv->model, sizeof(lv->model), "stripe, %s chunks",
			 fmt_size(used, sizeof(used), chunk));
	else
		snprintf(lv->model, sizeof(lv->model), "%s", type_names[type]);
	strlcpy(lv->bd.where, lv->where, sizeof(lv->bd.where));
	lv->bd.model = lv->model;
	*out = lv;
	return 0;
}

/* The last step: the volume registered, its legs held, and a mirror's
 * new legs rebuilt from the first. */
static int
lv_publish(struct lv *lv)
{
	const char *name = lv->bd.name;
	char size[16];
	int err;

	if ((err = bdev_register(&lv->bd))) {
		kfree(lv);
		return refuse(name, err, "not registered");
	}
	/* the legs' blocks are the volume's from now on: what the cache
	 * held under their names is written and forgotten */
	for (int i = 0; i < lv->nlegs; i++) {
		bflush(lv->leg[i].bd->dev);
		binval(lv->leg[i].bd->dev);
		bdev_hold(lv->leg[i].bd, &lv->bd);
	}
	lvs[lv->slot] = lv;
	kprintf("lv: %s: %s of %s, %s\n", name, type_names[lv->type], lv->where,
		fmt_size(size, sizeof(size), lv->bd.nblocks * DEV_BSIZE));
	if (legs_in(lv, LEG_SYNCING)) {
		kprintf("lv: %s: rebuilding the legs after %s from it\n", name,
			lv->leg[0].bd->name);
		start_sync(lv);
	}
	return 0;
}

static int
lv_create_claimed(const char *name, int type, char *const devs[], int n,
		  uint32_t chunk, int flags)
{
	struct bdev *bd[LV_LEGS] = {NULL};
	struct lv *lv = NULL;
	int slot, err;

	if ((err = lv_check(name, type, devs, n, &chunk, bd, &slot)) ||
	    (err = lv_lay_out(name, type, bd, n, chunk, flags, slot, &lv)))
		return err;
	return lv_publish(lv);
}

/* (under the claims lock: bdev.h) */
int
lv_create(const char *name, int type, char *const devs[], int n, uint32_t chunk,
	  int flags)
{
	bdev_claims_enter();
	int err = lv_create_claimed(name, type, devs, n, chunk, flags);
	bdev_claims_exit();
	return err;
}

static int
lv_remove_claimed(const char *name)
{
	struct lv *lv = lv_named(name);

	if (!lv)
		return refuse(name, ENXIO, "no such volume (see lv list)");
	if (lv->bd.holder)
		return refuse(name, EBUSY, "in use by %s", lv->bd.holder->name);
	if (lv->sync_thread)
		return refuse(name, EBUSY, "a rebuild is running");
	if (lv->bd.opens)
		return refuse(name, EBUSY, "open in a process");
	int err = bflush(lv->bd.dev);
	binval(lv->bd.dev);
	int s = splhigh();
	int busy = !bufq_empty(&lv->waitq) || lv->npiece_free != LV_POOL;
	splx(s);
	if (busy)
		return refuse(name, EBUSY, "requests are in flight");
	bdev_unregister(&lv->bd);
	for (int i = 0; i < lv->nlegs; i++)
		bdev_unhold(lv->leg[i].bd);
	lvs[lv->slot] = NULL;
	kfree(lv);
	if (err)
		kprintf("lv: %s: removed, but its cache's writes failed: %s\n",
			name, errno_name(err));
	return 0;
}

/* (under the claims lock: bdev.h) */
int
lv_remove(const char *name)
{
	bdev_claims_enter();
	int err = lv_remove_claimed(name);
	bdev_claims_exit();
	return err;
}

static int
lv_resync_claimed(const char *name, const char *old, const char *new)
{
	struct lv *lv = lv_named(name);
	struct bdev *nbd = NULL;
	int err;

	if (!lv)
		return refuse(name, ENXIO, "no such volume (see lv list)");
	if (lv->type != LV_MIRROR)
		return refuse(name, EINVAL, "only a mirror is rebuilt");
	if (lv->sync_thread)
		return refuse(name, EBUSY, "a rebuild is running");
	if (old) {
		int i = 0;
		while (i < lv->nlegs && strcmp(lv->leg[i].bd->name, old))
			i++;
		if (i == lv->nlegs)
			return refuse(name, ENXIO, "%s is not one of its legs",
				      old);
		if ((err = leg_usable(name, new, &nbd)))
			return err;
		if (nbd->nblocks < lv->bd.nblocks)
			return refuse(name, EINVAL,
				      "%s is smaller than the volume", new);
		if (lv->leg[i].state == LEG_OK && legs_in(lv, LEG_OK) == 1)
			return refuse(name, EBUSY, "%s is the only healthy leg",
				      old);
		bflush(nbd->dev);
		binval(nbd->dev);
		int s = splhigh();
		bdev_unhold(lv->leg[i].bd);
		lv->leg[i].bd = nbd;
		lv->leg[i].state = LEG_SYNCING;
		lv->leg[i].errors = 0;
		bdev_hold(nbd, &lv->bd);
		splx(s);
		kprintf("lv: %s: %s replaces %s\n", name, new, old);
	} else {
		int s = splhigh();
		/* a leg rebuilt in place starts a new life, as a
		 * replacement does: its old errors no longer count */
		for (int i = 0; i < lv->nlegs; i++)
			if (lv->leg[i].state == LEG_FAILED) {
				lv->leg[i].state = LEG_SYNCING;
				lv->leg[i].errors = 0;
			}
		splx(s);
		if (!legs_in(lv, LEG_SYNCING))
			return refuse(name, EINVAL,
				      "no failed leg: every leg is in sync");
	}
	kprintf("lv: %s: rebuilding from %s\n", name,
		lv->leg[pick_leg(lv, 0)].bd->name);
	return start_sync(lv);
}

/* (under the claims lock: bdev.h) */
int
lv_resync(const char *name, const char *old, const char *new)
{
	bdev_claims_enter();
	int err = lv_resync_claimed(name, old, new);
	bdev_claims_exit();
	return err;
}

static int
lv_fail_claimed(const char *name, const char *legname)
{
	struct lv *lv = lv_named(name);
	int i = 0;

	if (!lv)
		return refuse(name, ENXIO, "no such volume (see lv list)");
	if (lv->type != LV_MIRROR)
		return refuse(name, EINVAL, "only a mirror's legs fail");
	while (i < lv->nlegs && strcmp(lv->leg[i].bd->name, legname))
		i++;
	if (i == lv->nlegs)
		return refuse(name, ENXIO, "%s is not one of its legs",
			      legname);
	int s = splhigh();
	int last = lv->leg[i].state == LEG_OK && legs_in(lv, LEG_OK) == 1;
	if (!last)
		lv->leg[i].state = LEG_FAILED;
	splx(s);
	if (last)
		return refuse(name, EBUSY, "%s is the last healthy leg",
			      legname);
	kprintf("lv: %s: %s marked failed by hand\n", name, legname);
	return 0;
}

/* (under the claims lock: bdev.h) */
int
lv_fail(const char *name, const char *legname)
{
	bdev_claims_enter();
	int err = lv_fail_claimed(name, legname);
	bdev_claims_exit();
	return err;
}

int
lv_resync_wait(const char *name)
{
	struct lv *lv = lv_named(name);

	if (!lv)
		return ENXIO;
	int s = splhigh();
	while (lv->sync_thread)
		tsleep(&lv->sync_thread, "lvwait", 0);
	splx(s);
	/* (it may have been removed meanwhile: looked up again) */
	bdev_claims_enter();
	lv = lv_named(name);
	int err = !lv ? ENXIO : legs_in(lv, LEG_OK) == lv->nlegs ? 0 : EIO;
	bdev_claims_exit();
	return err;
}

static int
lv_info_claimed(int i, struct lv_info *out)
{
	const struct lv *lv = i >= 0 && i < LV_MAX ? lvs[i] : NULL;

	if (!lv)
		return 0;
	memset(out, 0, sizeof(*out));
	out->name = lv->bd.name;
	out->type = lv->type;
	out->nlegs = lv->nlegs;
	out->chunk = lv->chunk * DEV_BSIZE;
	out->nblocks = lv->bd.nblocks;
	for (int k = 0; k < lv->nlegs; k++) {
		out->leg[k] = lv->leg[k].bd->name;
		out->leg_state[k] = leg_states[lv->leg[k].state];
		out->leg_errors[k] = lv->leg[k].errors;
	}
	out->sync_done = lv->sync_thread ? lv->sync_done : 0;
	out->sync_total = lv->sync_thread ? lv->bd.nblocks : 0;
	out->requests = lv->requests;
	out->pieces = lv->pieces;
	out->waits = lv->waits;
	return 1;
}

/* (under the claims lock: a volume removed meanwhile is not read) */
int
lv_info(int i, struct lv_info *out)
{
	bdev_claims_enter();
	int r = lv_info_claimed(i, out);
	bdev_claims_exit();
	return r;
}

int
lv_option(const char *opt, uint32_t *chunk, int *flags)
{
	uint64_t v;

	if (!strcmp(opt, "clean")) {
		*flags |= LV_CLEAN;
		return 0;
	}
	if (strncmp(opt, "chunk=", 6) || parse_size(opt + 6, &v) || !v ||
	    v >= 1u << 30)
		return EINVAL;
	*chunk = (uint32_t)v;
	return 0;
}

/* lv=NAME:TYPE:DEV,DEV[,...][:chunk=SIZE][:clean], as many as given. */
static void
create_from(const char *opt)
{
	char buf[128], *f[8], *devs[LV_LEGS + 1];
	int flags = 0;
	uint32_t chunk = 0;

	strlcpy(buf, opt, sizeof(buf));
	int nf = strsplit(buf, ':', f, 8);
	if (nf < 3 || nf > 8) {
		kprintf("lv: lv=%s: EINVAL: not NAME:TYPE:DEV,DEV[,...]"
			"[:chunk=SIZE][:clean]\n",
			opt);
		return;
	}
	int nd = strsplit(f[2], ',', devs, LV_LEGS + 1);
	for (int i = 3; i < nf; i++) {
		if (lv_option(f[i], &chunk, &flags)) {
			kprintf("lv: %s: EINVAL: %s: not chunk=SIZE or clean\n",
				f[0], f[i]);
			return;
		}
	}
	int type = lv_type_parse(f[1]);
	if (type < 0) {
		kprintf("lv: %s: EINVAL: %s: the type is concat, stripe or "
			"mirror\n",
			f[0], f[1]);
		return;
	}
	lv_create(f[0], type, devs, nd, chunk, flags);
}

void
lv_init(void)
{
	for (int i = 0; i < cmdline_opt_count(); i++) {
		const struct kv *kv = cmdline_opt_at(i);
		if (!strcmp(kv->key, "lv"))
			create_from(kv->val);
	}
}
