/*
 * physio.c: raw I/O, straight between a device and kernel memory, past
 * the buffer cache (IRIX physiock/uiophysio, ../shared/seeds/004_*.txt).
 *
 * uiophysio validates the request (the device offset and every iovec's
 * length must be whole sectors: blocks, or a device's larger sectors; a
 * base must be aligned as the device's DMA engine needs: 2 bytes, 4 on
 * NVMe), cuts it into pieces the device accepts (at
 * most maxxfer bytes, within one iovec), keeps up to PHYSIO_INFLIGHT raw
 * bufs in flight, and returns what read(2)/write(2) would: the bytes
 * moved, a short count at the end of the device, and an error only when
 * nothing moved.  The bytes moved are those before the first piece that
 * failed or came back short; nothing after it counts, even if it worked.
 */
#include "uio.h"

#include "bcache.h"
#include "bdev.h"
#include "errno.h"
#include "intr.h"
#include "panic.h"

struct physio_state {
	int inflight;	    /* raw bufs issued and not done */
	uint64_t stop_at;   /* device offset where the first short piece
			       stopped, or ~0 */
	int error;	    /* that piece's error */
	uint32_t done_chan; /* what physio sleeps on */
};

struct piece {
	uint64_t offset; /* on the device */
	struct physio_state *st;
};

static void
physio_done(struct buf *bp)
{
	struct physio_state *st = bp->b_private;
	uint64_t off = (uint64_t)bp->b_blkno * DEV_BSIZE;

	int s = splhigh();
	if ((bp->b_flags & B_ERROR) || bp->b_resid) {
		uint64_t at = off + bp->b_bcount - bp->b_resid;
		if (at < st->stop_at) {
			st->stop_at = at;
			st->error = geterror(bp);
		}
	}
	st->inflight--;
	wakeup(&st->done_chan);
	splx(s);
	freerbuf(bp);
}

static int
physio_validate(const struct bdev *bd, const struct uio *uio)
{
	uint32_t sec = bdev_secsize(bd);

	if (uio->uio_offset % sec)
		return EINVAL;
	for (int i = 0; i < uio->uio_iovcnt; i++) {
		const struct iovec *iov = &uio->uio_iov[i];
		if (iov->iov_len % sec || (iov->iov_len && !iov->iov_base) ||
		    (uintptr_t)iov->iov_base % bdev_align(bd))
			return EINVAL;
	}
	if (uio->uio_offset > (uint64_t)bd->nblocks * DEV_BSIZE)
		return ENXIO;
	return 0;
}

/* Wait until fewer than `max` bufs are in flight. */
static void
physio_wait(struct physio_state *st, int max)
{
	int s = splhigh();

	while (st->inflight > max - 1)
		tsleep(&st->done_chan, "physio", 0);
	splx(s);
}

int
uiophysio(dev_t dev, struct uio *uio, size_t *moved)
{
	struct bdev *bd = bdev_lookup(dev);
	struct physio_state st = {0, ~0ull, 0, 0};
	uint64_t start = uio->uio_offset;
	int err;

	*moved = 0;
	if (!bd)
		return ENXIO;
	if ((err = physio_validate(bd, uio)))
		return err;
	/* the cache and this transfer agree on what the blocks hold */
	int raw = bcache_raw_begin(dev, start, uio->uio_resid,
				   uio->uio_rw == UIO_WRITE);
	uint64_t end = (uint64_t)bd->nblocks * DEV_BSIZE;
	uint64_t off = start;
	for (int i = 0; i < uio->uio_iovcnt && st.stop_at == ~0ull; i++) {
		char *base = uio->uio_iov[i].iov_base;
		size_t len = uio->uio_iov[i].iov_len;
		while (len && st.stop_at == ~0ull) {
			if (off >= end) {
				/* The end of the device: reads stop short;
				 * the bounds rules decide (EOF or ENXIO). */
				if (off > end || *moved + (off - start))
					goto out;
			}
			uint32_t n = len < bd->maxxfer ? len : bd->maxxfer;
			physio_wait(&st, PHYSIO_INFLIGHT);
			struct buf *bp = getrbuf();
			if (!bp) {
				if (off == start)
					st.error = ENOMEM;
				st.stop_at = off;
				break;
			}
			bp->b_flags |= uio->uio_rw == UIO_READ ? B_READ : 0;
			bp->b_dev = dev;
			bp->b_blkno = (daddr_t)(off / DEV_BSIZE);
			bp->b_bcount = n;
			bp->b_un.b_addr = base;
			bp->b_iodone = physio_done;
			bp->b_private = &st;
			int s = splhigh();
			st.inflight++;
			splx(s);
			bdev_strategy(bp);
			base += n;
			len -= n;
			off += n;
		}
	}
out:
	physio_wait(&st, 1);
	bcache_raw_end(raw);
	uint64_t stop = st.stop_at < off ? st.stop_at : off;
	*moved = (size_t)(stop - start);
	uio->uio_offset = stop;
	uio->uio_resid -= *moved;
	if (*moved)
		return 0; /* a short count, not an error */
	return st.error;
}

int
physio(dev_t dev, void *addr, size_t len, uint64_t offset, enum uio_rw rw,
       size_t *moved)
{
	struct iovec iov = {addr, len};
	struct uio uio = {&iov, 1, offset, len, rw};

	return uiophysio(dev, &uio, moved);
}
