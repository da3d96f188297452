/*
 * aio.c: asynchronous raw I/O for processes (aio.h).
 *
 * aio_read and aio_write check the request as a raw read or write is
 * checked (whole sectors, an even address, the process's own pages:
 * EINVAL, EFAULT), hold and map the pages (userdma), and hand one raw
 * buf to the device; they return at once.  The buf's b_iodone, at
 * INTIODONE, records the result and releases the pages (undma): a
 * process that exits or is killed meanwhile loses its pages at exit,
 * but the frames under the transfer stay held until this release, so
 * the disk never writes into memory someone else was given.  A request
 * is known by its owner and the address of its aiocb, as POSIX says.
 *
 * Each process slot has a row of AIO_MAX requests of its own, so no
 * process can take another's (a table shared by all was filled by a few
 * processes' 32 each).  A row keeps the requests of an exited process
 * that are still in flight (orphans) until they complete: the next
 * process in the slot has the rest.  The table is changed at splhigh;
 * completions (INTIODONE) are held off by it.
 */
#include "aio.h"

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "copy.h"
#include "errno.h"
#include "file.h"
#include "intr.h"
#include "proc.h"
#include "string.h"
#include "syscall.h"
#include "thread.h"
#include "blk/userdma.h"

enum { AIO_FREE, AIO_RUNNING, AIO_DONE };

static struct aioreq {
	int state;
	int orphan; /* its owner exited: forgotten at completion */
	struct proc *owner;
	const struct aiocb *ucb;
	struct udma u;
	int error;
	uint32_t result;
	int raw; /* bcache_raw_begin's slot */
} reqs[NPROC][AIO_MAX];

/* p's request for ucb (splhigh), or NULL */
static struct aioreq *
find(struct proc *p, const struct aiocb *ucb)
{
	struct aioreq *row = reqs[proc_index(p)];

	for (int i = 0; i < AIO_MAX; i++)
		if (row[i].state != AIO_FREE && !row[i].orphan &&
		    row[i].owner == p && row[i].ucb == ucb)
			return &row[i];
	return NULL;
}

static void
aio_done(struct buf *bp)
{
	struct aioreq *r = bp->b_private;

	r->error = (bp->b_flags & B_ERROR) ? geterror(bp) : 0;
	r->result = bp->b_bcount - bp->b_resid;
	undma(&r->u); /* the frames may go now */
	bcache_raw_end(r->raw);
	freerbuf(bp);
	r->state = r->orphan ? AIO_FREE : AIO_DONE;
	wakeup(reqs);
}

/* Take a slot for p's ucb: EAGAIN when its row is full (AIO_MAX, with
 * its predecessor's orphans), EINVAL if ucb is in use */
static int
take(struct proc *p, const struct aiocb *ucb, struct aioreq **rp)
{
	int s = splhigh();
	struct aioreq *r = NULL, *row = reqs[proc_index(p)];

	for (int i = 0; i < AIO_MAX && !r; i++)
		if (row[i].state == AIO_FREE)
			r = &row[i];
	int err = find(p, ucb) ? EINVAL : !r ? EAGAIN : 0;
	if (!err) {
		memset(r, 0, sizeof(*r));
		r->state = AIO_RUNNING;
		r->owner = p;
		r->ucb = ucb;
		*rp = r;
	}
	splx(s);
	return err;
}

int
aio_submit(struct proc *p, const struct aiocb *ucb, int write)
{
	struct aiocb cb;
	struct aioreq *r;
	int err = copyin(ucb, &cb, sizeof(cb));

	if (err)
		return err;
	struct file *f = (uint32_t)cb.aio_fildes < NOFILE
				 ? p->files[cb.aio_fildes]
				 : NULL;
	if (!f || (f->flags & O_ACCMODE) == (write ? O_RDONLY : O_WRONLY))
		return EBADF;
	uint64_t size, off = (uint64_t)cb.aio_offset;
	uint32_t n = cb.aio_nbytes;
	if (f->type != FT_RAW || cb.aio_offset < 0 || off % DEV_BSIZE ||
	    n % DEV_BSIZE || (uint32_t)cb.aio_buf & 1 || n > UDMA_MAX)
		return EINVAL;
	file_size(f, &size);
	if ((err = take(p, ucb, &r)))
		return err;
	if (off >= size || !n) { /* the end: done at once, as read(2) */
		r->error = write && n ? ENOSPC : 0;
		r->state = AIO_DONE;
		return 0;
	}
	if (n > size - off)
		n = (uint32_t)(size - off);
	if (write && bdev_claimant(f->bd, off / DEV_BSIZE, n / DEV_BSIZE)) {
		r->state = AIO_FREE;
		return EBUSY; /* a volume's blocks */
	}
	struct buf *bp = getrbuf();
	if (!bp || (err = userdma((void *)cb.aio_buf, n, !write, &r->u))) {
		if (bp)
			freerbuf(bp);
		r->state = AIO_FREE;
		return bp ? err : EAGAIN;
	}
	/* the cache and this transfer agree on what the blocks hold */
	r->raw = bcache_raw_begin(f->bd->dev, off, n, write);
	bp->b_flags |= write ? 0 : B_READ;
	bp->b_dev = f->bd->dev;
	bp->b_blkno = (daddr_t)(off / DEV_BSIZE);
	bp->b_bcount = n;
	bp->b_un.b_addr = r->u.kva;
	bp->b_iodone = aio_done;
	bp->b_private = r;
	bdev_strategy(bp);
	return 0;
}

int
aio_error(struct proc *p, const struct aiocb *ucb)
{
	int s = splhigh();
	struct aioreq *r = find(p, ucb);
	int e = !r ? -EINVAL : r->state == AIO_RUNNING ? EINPROGRESS : r->error;

	splx(s);
	return e;
}

int
aio_return(struct proc *p, const struct aiocb *ucb)
{
	int s = splhigh();
	struct aioreq *r = find(p, ucb);
	int ret = -EINVAL;

	if (r && r->state == AIO_DONE) {
		ret = r->error ? -r->error : (int)r->result;
		r->state = AIO_FREE;
	}
	splx(s);
	return ret;
}

int
aio_suspend(struct proc *p, const struct aiocb *const *ulist, int n)
{
	const struct aiocb *list[AIO_MAX];

	if (n < 0 || n > AIO_MAX)
		return EINVAL;
	int err = copyin(ulist, list, (size_t)n * sizeof(list[0]));
	if (err)
		return err;
	int s = splhigh();
	for (;;) {
		int running = 0;
		for (int i = 0; i < n; i++) {
			struct aioreq *r = list[i] ? find(p, list[i]) : NULL;
			if (r && r->state == AIO_DONE) {
				splx(s);
				return 0;
			}
			running += r != NULL;
		}
		if (!running) {
			splx(s);
			return 0; /* nothing to wait for */
		}
		if (p->killed) { /* (a slow disk's request may take seconds) */
			splx(s);
			return EINTR;
		}
		tsleep(reqs, "aio", HZ / 10); /* and looks at a kill */
	}
}

void
aio_exit(struct proc *p)
{
	int s = splhigh();
	struct aioreq *row = reqs[proc_index(p)];

	for (int i = 0; i < AIO_MAX; i++) {
		struct aioreq *r = &row[i];
		if (r->state == AIO_FREE || r->orphan || r->owner != p)
			continue;
		if (r->state == AIO_DONE)
			r->state = AIO_FREE;
		else
			r->orphan = 1;
	}
	splx(s);
}
