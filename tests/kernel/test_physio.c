/*
 * test_physio.c: raw I/O returns what read(2) and write(2) would.
 */
#include <stddef.h>
#include <stdint.h>

#include "blk/bdev.h"
#include "errno.h"
#include "kmalloc.h"
#include "ktest.h"
#include "pattern.h"
#include "ramdisk.h"
#include "string.h"
#include "blk/uio.h"

#define FOR_EACH_RD(bd)                                                        \
	for (struct bdev *bd = bdev_by_name("rd0"); bd;                        \
	     bd = bd == bdev_by_name("rd0") ? bdev_by_name("rd1") : NULL)

TEST(physio_moves_scattered_iovecs_in_order)
{
	FOR_EACH_RD(bd)
	{
		/* three pieces of different sizes, one larger than maxxfer */
		size_t len[3] = {DEV_BSIZE, bd->maxxfer + 2 * DEV_BSIZE,
				 3 * DEV_BSIZE};
		struct iovec iov[3];
		size_t total = 0;
		for (int i = 0; i < 3; i++) {
			iov[i].iov_base = kmalloc(len[i]);
			iov[i].iov_len = len[i];
			CHECK(iov[i].iov_base != NULL, "no memory");
			for (size_t b = 0; b < len[i] / DEV_BSIZE; b++)
				pattern_fill((uint8_t *)iov[i].iov_base +
						     b * DEV_BSIZE,
					     minor(bd->dev),
					     3000 + (total / DEV_BSIZE) + b);
			total += len[i];
		}
		struct uio uio = {iov, 3, 3000ull * DEV_BSIZE, total,
				  UIO_WRITE};
		size_t moved = 0;
		CHECK_EQ(uiophysio(bd->dev, &uio, &moved), 0);
		CHECK_EQ(moved, total);
		CHECK_EQ(uio.uio_resid, 0);
		const uint8_t *disk = ramdisk_data(minor(bd->dev));
		for (size_t b = 0; b < total / DEV_BSIZE; b++)
			CHECK(pattern_check(disk + (3000 + b) * DEV_BSIZE,
					    minor(bd->dev), 3000 + b) < 0,
			      "%s: block %zu wrong", bd->name, 3000 + b);
		for (int i = 0; i < 3; i++)
			memset(iov[i].iov_base, 0, len[i]);
		struct uio rd = {iov, 3, 3000ull * DEV_BSIZE, total, UIO_READ};
		CHECK_EQ(uiophysio(bd->dev, &rd, &moved), 0);
		CHECK_EQ(moved, total);
		CHECK(pattern_check(iov[2].iov_base, minor(bd->dev),
				    3000 + (total / DEV_BSIZE) - 3) < 0,
		      "%s: read back wrong", bd->name);
		for (int i = 0; i < 3; i++)
			kfree(iov[i].iov_base);
	}
}

TEST(physio_at_the_end_gives_a_short_count_then_eof)
{
	static uint8_t buf[8 * DEV_BSIZE];

	FOR_EACH_RD(bd)
	{
		size_t moved = 99;
		uint64_t end = (uint64_t)bd->nblocks * DEV_BSIZE;
		CHECK_EQ(physio(bd->dev, buf, sizeof(buf), end - 3 * DEV_BSIZE,
				UIO_READ, &moved),
			 0);
		CHECK_EQ(moved, 3 * DEV_BSIZE);
		CHECK_EQ(physio(bd->dev, buf, sizeof(buf), end, UIO_READ,
				&moved),
			 0);
		CHECK_EQ(moved, 0); /* EOF: no error, nothing moved */
		CHECK_EQ(physio(bd->dev, buf, sizeof(buf), end, UIO_WRITE,
				&moved),
			 ENXIO);
		CHECK_EQ(physio(bd->dev, buf, DEV_BSIZE, end + DEV_BSIZE,
				UIO_READ, &moved),
			 ENXIO);
	}
}

TEST(physio_reports_an_error_only_when_nothing_moved)
{
	static uint8_t buf[16 * DEV_BSIZE];

	FOR_EACH_RD(bd)
	{
		size_t moved = 0;
		int unit = minor(bd->dev);
		ramdisk_inject_error(unit, 4000, EIO); /* the first block */
		CHECK_EQ(physio(bd->dev, buf, sizeof(buf), 4000ull * DEV_BSIZE,
				UIO_READ, &moved),
			 EIO);
		CHECK_EQ(moved, 0);
		ramdisk_inject_error(unit, 0, 0);
	}
}

TEST(physio_with_a_failure_midway_returns_the_bytes_before_it)
{
	FOR_EACH_RD(bd)
	{
		size_t len = 4 * bd->maxxfer, moved = 0;
		uint8_t *buf = kmalloc(len);
		CHECK(buf != NULL, "no memory");
		daddr_t bad = 5000 + bd->maxxfer / DEV_BSIZE + 1;
		ramdisk_inject_error(minor(bd->dev), bad, EIO);
		int err = physio(bd->dev, buf, len, 5000ull * DEV_BSIZE,
				 UIO_READ, &moved);
		ramdisk_inject_error(minor(bd->dev), 0, 0);
		kfree(buf);
		CHECK_EQ(err, 0); /* a short count, not an error */
		CHECK_EQ(moved, bd->maxxfer);
	}
}

TEST(physio_refuses_misaligned_requests_with_einval)
{
	static uint8_t buf[2 * DEV_BSIZE + 1];

	FOR_EACH_RD(bd)
	{
		size_t moved;
		CHECK_EQ(physio(bd->dev, buf, 100, 0, UIO_READ, &moved),
			 EINVAL);
		CHECK_EQ(physio(bd->dev, buf, DEV_BSIZE, 7, UIO_READ, &moved),
			 EINVAL);
		CHECK_EQ(physio(bd->dev, buf + 1, DEV_BSIZE, 0, UIO_READ,
				&moved),
			 EINVAL);
		CHECK_EQ(physio(makedev(99, 0), buf, DEV_BSIZE, 0, UIO_READ,
				&moved),
			 ENXIO);
	}
}
