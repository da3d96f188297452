/*
 * testio.c: a buf, its strategy routine, biowait: the tests' requests
 * (testio.h).
 */
#include "testio.h"

#include "string.h"

void
testio_setup(struct buf *bp, const struct bdev *bd, uint32_t flags,
	     daddr_t blkno, uint32_t bcount, void *addr)
{
	memset(bp, 0, sizeof(*bp));
	bp->b_flags = flags;
	bp->b_dev = bd->dev;
	bp->b_blkno = blkno;
	bp->b_bcount = bcount;
	bp->b_un.b_addr = addr;
}

int
testio_run(struct buf *bp)
{
	bdev_strategy(bp);
	return biowait(bp);
}

int
testio(const struct bdev *bd, uint32_t flags, daddr_t blkno, uint32_t bcount,
       void *addr, uint32_t *resid)
{
	static struct buf b;

	testio_setup(&b, bd, flags, blkno, bcount, addr);
	int err = testio_run(&b);
	if (resid)
		*resid = b.b_resid;
	return err;
}
