/*
 * test_disk.c: the real disks, IDE (wdN), AHCI (sdN) or NVMe, on images
 * tests/scenarios/disks.py made: every sector of disk N holds the test pattern for
 * disk N (lib/pattern.h).  The tests read it back, write patterns the
 * harness checks in the image files after the kernel halts, and run the
 * bounds, fault, queueing and concurrency rules.
 *
 * Command line: disks= and diskcount= (disktest.h); diskbad=NAME:R:W (the
 * sectors QEMU's blkdebug fails on reads and on writes).
 *
 * The regions written, which tests/scenarios/disks.py's disk_image_expect mirrors:
 *   WD_CACHE_REGION  .. +256: pattern for disk N+100, through the cache
 *   WD_RAW_REGION    .. +512: pattern for disk N+200, raw (physio)
 *   WD_THREAD_REGION .. +WD_THREADS*256: pattern for N+50+t, thread t
 *   WD_CLUSTER_REGION .. +WD_CLUSTER_BLOCKS: N+70, through the cache in
 *                    clusters
 *   WD_STRESS_REGION .. +STRESS_THREADS*2048: N+60+t (stress, thread t)
 */
#include <stddef.h>
#include <stdint.h>

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "clock.h"
#include "console.h"
#include "cmdline_opt.h"
#include "disktest.h"
#include "errno.h"
#include "proc/file.h"
#include "ahci.h"
#include "ide.h"
#include "nvme.h"
#include "intr.h"
#include "kmalloc.h"
#include "ktest.h"
#include "pattern.h"
#include "pmem.h"
#include "printf.h"
#include "rand.h"
#include "sort.h"
#include "string.h"
#include "thread.h"
#include "tracetest.h"
#include "blk/uio.h"
#include "vm.h"

#define WD_CACHE_REGION	 2048
#define WD_RAW_REGION	 4096
#define WD_THREAD_REGION 8192
#define WD_THREADS	 4

#define WD_CLUSTER_REGION 9216
#define WD_CLUSTER_BLOCKS 768 /* 384 KiB: a cluster and a half */
#define WD_STRESS_REGION  16384
#define STRESS_THREADS	  4

static void
drop_interrupts(const struct bdev *bd, int n)
{
	if (major(bd->dev) == MAJOR_SD)
		ahci_test_drop_interrupts(n);
	else if (major(bd->dev) == MAJOR_NVME)
		nvme_test_drop_interrupts(n);
	else
		ide_test_drop_interrupts(n);
}

static uint32_t
lost_interrupts(const struct bdev *bd)
{
	if (major(bd->dev) == MAJOR_SD)
		return ahci_stats(bd)->lost_irqs;
	if (major(bd->dev) == MAJOR_NVME)
		return nvme_stats(bd)->lost_irqs;
	return ide_stats(bd)->lost_irqs;
}

TEST(disk_all_disks_are_found)
{
	uint64_t want = 0;
	const char *opt = cmdline_opt("diskcount");

	CHECK(opt && !parse_u64(opt, &want), "boot with diskcount=N");
	CHECK(disk_count() == (int)want, "found %d disks, expected %llu",
	      disk_count(), (unsigned long long)want);
}

TEST(disk_reads_the_host_pattern_everywhere_in_random_order)
{
	uint8_t *buf = kmalloc(64 * DEV_BSIZE);
	uint32_t seed = 11;

	CHECK(buf != NULL, "no memory");
	CHECK(disk_count() > 0, "no disks");
	FOR_EACH_DISK(bd)
	{
		/* the disk in chunks of 1 to 64 blocks, visited shuffled */
		uint32_t nchunks = (bd->nblocks + 63) / 64;
		uint32_t *order = kmalloc(nchunks * sizeof(*order));
		CHECK(order != NULL, "no memory");
		for (uint32_t i = 0; i < nchunks; i++)
			order[i] = i;
		rand_shuffle(order, nchunks, &seed);
		for (uint32_t k = 0; k < nchunks; k++) {
			daddr_t blk = (daddr_t)order[k] * 64;
			uint32_t n = 1 + rand32(&seed) % 64;
			if ((uint64_t)blk + n > bd->nblocks)
				n = bd->nblocks - blk;
			int bad = check_range(bd, buf, blk, n, disk_id(bd));
			CHECK(bad == -1, "%s: blocks %lld+%u: %s at block %lld",
			      bd->name, blk, n,
			      bad == -2 ? "read failed" : "wrong data",
			      blk + (bad < 0 ? 0 : bad));
		}
		kfree(order);
	}
	kfree(buf);
}

#define CHAIN 64
static struct buf chain[CHAIN];
static uint8_t chain_mem[CHAIN][DEV_BSIZE];
static volatile int chain_done;

static void
chain_iodone(struct buf *bp)
{
	(void)bp;
	chain_done++;
}

/* Issue n one-sector reads as one chain through bdev_strategy, chain[i]
 * of dev[i] at blk[i], and wait for them, at most max_ms.  How many
 * completed. */
static int
chain_read(int n, const dev_t *dev, const daddr_t *blk, uint32_t max_ms)
{
	static int nobody;
	struct buf *head = NULL;

	chain_done = 0;
	for (int i = n - 1; i >= 0; i--) {
		memset(&chain[i], 0, sizeof(chain[i]));
		chain[i].b_flags = B_READ;
		chain[i].b_dev = dev[i];
		chain[i].b_blkno = blk[i];
		chain[i].b_bcount = DEV_BSIZE;
		chain[i].b_un.b_addr = chain_mem[i];
		chain[i].b_iodone = chain_iodone;
		chain[i].av_forw = head;
		head = &chain[i];
	}
	bdev_strategy(head);
	for (uint64_t end = clock_deadline_ms(max_ms);
	     chain_done < n && !clock_past(end);)
		tsleep(&nobody, "chain", 2);
	return chain_done;
}

TEST(disk_a_chain_across_all_disks_completes_each_once)
{
	struct bdev *disks[BDEV_MAX];
	int nd = 0;
	uint32_t seed = 3;

	FOR_EACH_DISK(bd)
	disks[nd++] = bd;
	CHECK(nd > 0, "no disks");
	dev_t dev[CHAIN];
	daddr_t blk[CHAIN];
	for (int i = 0; i < CHAIN; i++) {
		dev[i] = disks[i % nd]->dev;
		blk[i] = rand32(&seed) % 2000; /* below the regions */
	}
	chain_read(CHAIN, dev, blk, 10000);
	CHECK(chain_done == CHAIN, "%d of %d completed", chain_done, CHAIN);
	for (int i = 0; i < CHAIN; i++) {
		CHECK(!(chain[i].b_flags & B_ERROR), "buf %d failed", i);
		CHECK(pattern_check(chain_mem[i], chain[i].b_dev,
				    chain[i].b_blkno) < 0,
		      "buf %d (%s blk %lld): wrong data", i,
		      bdev_lookup(chain[i].b_dev)->name, chain[i].b_blkno);
		CHECK_EQ(chain[i].b_iodepth, 0);
	}
}

TEST(disk_bounds_eof_enxio_truncation_einval_on_every_disk)
{
	static uint8_t buf[4 * DEV_BSIZE];
	uint32_t resid;

	CHECK(disk_count() > 0, "no disks");
	FOR_EACH_DISK(bd)
	{
		CHECK_EQ(testio(bd, B_READ, bd->nblocks, sizeof(buf), buf,
				&resid),
			 0);
		CHECK_EQ(resid, sizeof(buf));
		CHECK_EQ(testio(bd, B_WRITE, bd->nblocks, DEV_BSIZE, buf, NULL),
			 ENXIO);
		CHECK_EQ(testio(bd, B_READ, bd->nblocks + 1, DEV_BSIZE, buf,
				NULL),
			 ENXIO);
		CHECK_EQ(testio(bd, B_READ, -1, DEV_BSIZE, buf, NULL), ENXIO);
		CHECK_EQ(testio(bd, B_READ, bd->nblocks - 1, sizeof(buf), buf,
				&resid),
			 0);
		CHECK_EQ(resid, 3 * DEV_BSIZE);
		CHECK(pattern_check(buf, disk_id(bd), bd->nblocks - 1) < 0,
		      "%s: the last block is wrong", bd->name);
		CHECK_EQ(testio(bd, B_READ, 0, 100, buf, NULL), EINVAL);
		CHECK_EQ(testio(bd, B_READ, 0, 0, buf, NULL), EINVAL);
		CHECK_EQ(testio(bd, B_READ, 0, DEV_BSIZE, NULL, NULL), EINVAL);
	}
}

TEST(disk_large_transfers_are_split_and_correct)
{
	FOR_EACH_DISK(bd)
	{
		uint32_t len = 2 * bd->maxxfer + 8 * DEV_BSIZE;
		if (len / DEV_BSIZE > 2000)
			len = 2000 * DEV_BSIZE; /* stay below the regions */
		uint8_t *buf = kmalloc(len);
		CHECK(buf != NULL, "no memory");
		int bad = check_range(bd, buf, 0, len / DEV_BSIZE, disk_id(bd));
		kfree(buf);
		CHECK(bad == -1, "%s: %d-byte read: bad at block %d", bd->name,
		      len, bad);
	}
}

TEST(disk_writes_reach_the_disk)
{
	CHECK(disk_count() > 0, "no disks");
	FOR_EACH_DISK(bd)
	{
		uint32_t id = disk_id(bd);
		/* through the cache: bwrite, bawrite, bdwrite, then sync */
		for (int i = 0; i < 256; i++) {
			struct buf *bp =
				getblk(bd->dev, WD_CACHE_REGION + i, DEV_BSIZE);
			CHECK(bp != NULL, "getblk failed");
			pattern_fill(bp->b_un.b_addr, id + 100,
				     WD_CACHE_REGION + i);
			if (i % 3 == 0)
				CHECK_EQ(bwrite(bp), 0);
			else if (i % 3 == 1)
				bawrite(bp);
			else
				bdwrite(bp);
		}
		/* raw, in one large transfer */
		uint32_t n = 512;
		uint8_t *buf = kmalloc(n * DEV_BSIZE);
		CHECK(buf != NULL, "no memory");
		for (uint32_t i = 0; i < n; i++)
			pattern_fill(buf + i * DEV_BSIZE, id + 200,
				     WD_RAW_REGION + i);
		size_t moved;
		CHECK_EQ(physio(bd->dev, buf, n * DEV_BSIZE,
				(uint64_t)WD_RAW_REGION * DEV_BSIZE, UIO_WRITE,
				&moved),
			 0);
		CHECK_EQ(moved, n * DEV_BSIZE);
		CHECK_EQ(bsync(), 0);
		binval(bd->dev);
		CHECK(check_range(bd, buf, WD_CACHE_REGION, 256, id + 100) ==
			      -1,
		      "%s: cached writes not on the disk", bd->name);
		CHECK(check_range(bd, buf, WD_RAW_REGION, n, id + 200) == -1,
		      "%s: raw writes not on the disk", bd->name);
		kfree(buf);
	}
}

/* Requests queued to a disk, as the trace saw them (trace_queued). */
static struct trace_rec queued[64];

/*
 * Through the cache in 4 KiB blocks: reads in order are read in
 * clusters of up to 256 KiB, each one transfer of the buffers' frames
 * (the window: scattered to the controller), and delayed writes go out
 * in the same way, in block order; the data is the host's on the way
 * in and in the image (checked by the host) on the way out.
 */
TEST(disk_cached_reads_and_writes_move_in_clusters)
{
	FOR_EACH_DISK(bd)
	{
		uint32_t id = disk_id(bd);
		struct readahead ra = {.next = -1};
		struct buf *bp;
		CHECK_EQ(bsync(), 0);
		binval(bd->dev);
		uint64_t from = trace_fresh(bd->dev);
		for (daddr_t b = WD_CLUSTER_REGION;
		     b < WD_CLUSTER_REGION + WD_CLUSTER_BLOCKS; b += 8) {
			CHECK_EQ(bread_seq(bd->dev, b, 4096, &ra, &bp), 0);
			int bad = pattern_check_range(bp->b_un.b_addr, 8, id,
						      (uint64_t)b);
			brelse(bp);
			CHECK(bad < 0, "%s: block %lld read wrong", bd->name,
			      b + bad);
		}
		trace_stop();
		int n = trace_queued(bd->dev, from, queued, 64);
		uint32_t most = 0;
		for (int i = 0; i < n; i++)
			if (queued[i].bytes > most)
				most = queued[i].bytes;
		CHECK(n <= 8 && most >= 128 * 1024,
		      "%s: 384 KiB read in order in %d transfers of at most "
		      "%u bytes",
		      bd->name, n, most);
		for (daddr_t b = WD_CLUSTER_REGION + WD_CLUSTER_BLOCKS - 8;
		     b >= WD_CLUSTER_REGION; b -= 8) { /* dirtied backwards */
			CHECK((bp = getblk(bd->dev, b, 4096)) != NULL,
			      "getblk");
			for (int i = 0; i < 8; i++)
				pattern_fill((uint8_t *)bp->b_un.b_addr +
						     i * DEV_BSIZE,
					     id + 70, (uint64_t)b + i);
			bdwrite(bp);
		}
		from = trace_fresh(bd->dev);
		CHECK_EQ(bsync(), 0);
		trace_stop();
		n = trace_queued(bd->dev, from, queued, 64);
		int writes = 0;
		daddr_t last = -1;
		for (int i = 0; i < n; i++) {
			if (queued[i].flags & (TRF_READ | TRF_FLUSH))
				continue;
			CHECK((daddr_t)queued[i].blkno > last,
			      "%s: a write at %llu after one at %lld", bd->name,
			      (unsigned long long)queued[i].blkno, last);
			last = (daddr_t)queued[i].blkno;
			writes++;
		}
		CHECK_EQ(writes, 2); /* 256 KiB and 128 KiB */
		binval(bd->dev);
		static uint8_t check[WD_CLUSTER_BLOCKS * DEV_BSIZE];
		CHECK(check_range(bd, check, WD_CLUSTER_REGION,
				  WD_CLUSTER_BLOCKS, id + 70) == -1,
		      "%s: the cached writes are not on the disk", bd->name);
	}
}

/*
 * A buffer whose pages are frames from anywhere, as a process's are:
 * mapped side by side in the frame window (vm.h), so the CPU sees one
 * buffer and a DMA engine must be told each frame (dma.c).  The frames
 * are taken in falling order, no two adjacent but for one pair on
 * purpose (one run of two pages), and the buffer starts 256 bytes into
 * its first page, so that every eighth sector straddles two frames.
 */
#define SCATTER_PAGES 130 /* 512 sectors and the offset */
#define SCATTER_OFF   256

static uint32_t scatter_frames[2 * SCATTER_PAGES];

static uint8_t *
scatter_map(int *joined)
{
	uint32_t *f = scatter_frames, pages[SCATTER_PAGES];

	for (int i = 0; i < 2 * SCATTER_PAGES; i++)
		if (!(f[i] = pmem_alloc()))
			return NULL;
	sort_u32(f, 2 * SCATTER_PAGES);
	for (int i = 0; i < SCATTER_PAGES; i++)
		pages[i] = f[2 * (SCATTER_PAGES - 1 - i)];
	*joined = 0;
	for (int i = 0; i + 1 < 2 * SCATTER_PAGES; i++)
		if (f[i + 1] == f[i] + PAGE_SIZE) {
			pages[5] = f[i]; /* pages 5 and 6: one run */
			pages[6] = f[i + 1];
			*joined = 1;
			break;
		}
	uint8_t *va = vm_window_map(pages, SCATTER_PAGES);
	return va ? va + SCATTER_OFF : NULL;
}

static void
scatter_unmap(uint8_t *buf)
{
	if (buf)
		vm_window_unmap(buf - SCATTER_OFF, SCATTER_PAGES);
	for (int i = 0; i < 2 * SCATTER_PAGES; i++)
		if (scatter_frames[i])
			pmem_free(scatter_frames[i]);
	memset(scatter_frames, 0, sizeof(scatter_frames));
}

/* Write the pattern of id over the raw region from buf: -1, or -4 if
 * the write failed. */
static int
scatter_write(const struct bdev *bd, uint8_t *buf, uint32_t n, uint32_t id)
{
	for (uint32_t i = 0; i < n; i++)
		pattern_fill(buf + i * DEV_BSIZE, id, WD_RAW_REGION + i);
	return testio(bd, B_WRITE, WD_RAW_REGION, n * DEV_BSIZE, buf, NULL)
		       ? -4
		       : -1;
}

/* (after disk_writes_reach_the_disk: it leaves the raw region's pattern
 * as that test wrote it, which the harness checks in the image) */
TEST(disk_scattered_frames_are_read_and_written_where_they_belong)
{
	const uint32_t n = 512; /* 256 KiB: two pieces on AHCI (maxseg) */
	int joined = 0;

	FOR_EACH_DISK(bd)
	{
		uint32_t id = disk_id(bd);
		uint8_t *buf = scatter_map(&joined);
		uint8_t *flat = kmalloc(n * DEV_BSIZE);
		int bad = -3;
		if (buf && flat) {
			CHECK(vm_phys(buf + PAGE_SIZE) !=
				      vm_phys(buf) + PAGE_SIZE,
			      "the frames are contiguous after all");
			/* reads: the host's pattern, from block 0 */
			memset(buf, 0xA5, n * DEV_BSIZE);
			bad = testio(bd, B_READ, 0, n * DEV_BSIZE, buf, NULL)
				      ? -2
				      : -1;
			for (uint32_t i = 0; bad == -1 && i < n; i++)
				if (!pattern_check(buf + i * DEV_BSIZE, id, i))
					bad = (int)i;
		}
		/* writes: another pattern, read back flat; then the
		 * region's own pattern back, for the host */
		if (bad == -1)
			bad = scatter_write(bd, buf, n, id + 300);
		if (bad == -1)
			bad = check_range(bd, flat, WD_RAW_REGION, n, id + 300);
		if (bad == -1)
			bad = scatter_write(bd, buf, n, id + 200);
		kfree(flat);
		scatter_unmap(buf);
		CHECK(bad != -3, "%s: no frames or window", bd->name);
		CHECK(bad != -2 && bad != -4, "%s: scattered I/O failed",
		      bd->name);
		CHECK(bad == -1, "%s: block %d wrong through scattered frames",
		      bd->name, bad);
	}
	CHECK(joined, "no two adjacent frames to join");
}

/*
 * The same through a process's own path: a space whose pages are frames
 * in falling order, a buffer 0x300 bytes and the device's DMA alignment
 * (2, NVMe's 4) into its first page (so sectors straddle frames at odd
 * places), the raw device opened and
 * read and written as a system call does (file_rw: userdma, physio,
 * undma), the bytes checked in the frames themselves.
 */
#define PROC_PAGES   17 /* 64 KiB and the offset */
#define PROC_OFF(bd) (0x300 + bdev_align(bd))

static int
proc_raw_io(struct bdev *bd, struct vmspace *vs, const uint32_t *pages,
	    uint8_t *flat)
{
	char path[BDEV_NAMELEN + 8];
	char *ubuf = (char *)(USER_BASE + PROC_OFF(bd));
	struct file *f;
	uint32_t id = disk_id(bd), n = 128, moved;
	int bad = -1;

	snprintf(path, sizeof(path), "/dev/r%s", bd->name);
	if (file_open(path, O_RDWR, &f))
		return -2;
	curthread->space = vs;
	vm_space_activate(vs);
	/* reads: the host's pattern from block 0, into the frames */
	if (file_rw(f, ubuf, n * DEV_BSIZE, 0, 0, &moved) ||
	    moved != n * DEV_BSIZE)
		bad = -4;
	for (uint32_t i = 0; bad == -1 && i < n * DEV_BSIZE; i++) {
		uint32_t at = PROC_OFF(bd) + i;
		flat[i] = ((uint8_t *)pages[at / PAGE_SIZE])[at % PAGE_SIZE];
	}
	for (uint32_t i = 0; bad == -1 && i < n; i++)
		if (!pattern_check(flat + i * DEV_BSIZE, id, i))
			bad = (int)i;
	/* writes: another pattern, from the process's buffer */
	for (uint32_t i = 0; bad == -1 && i < n; i++)
		pattern_fill(ubuf + i * DEV_BSIZE, id + 400, WD_RAW_REGION + i);
	if (bad == -1 &&
	    (file_rw(f, ubuf, n * DEV_BSIZE,
		     (uint64_t)WD_RAW_REGION * DEV_BSIZE, 1, &moved) ||
	     moved != n * DEV_BSIZE))
		bad = -4;
	curthread->space = NULL;
	vm_space_activate(NULL);
	file_close(f);
	if (bad == -1)
		bad = check_range(bd, flat, WD_RAW_REGION, n, id + 400);
	/* the region's own pattern back, for the host */
	for (uint32_t i = 0; bad == -1 && i < n; i++)
		pattern_fill(flat + i * DEV_BSIZE, id + 200, WD_RAW_REGION + i);
	if (bad == -1 &&
	    testio(bd, B_WRITE, WD_RAW_REGION, n * DEV_BSIZE, flat, NULL))
		bad = -4;
	return bad;
}

TEST(disk_raw_io_of_a_process_lands_in_its_scattered_frames)
{
	FOR_EACH_DISK(bd)
	{
		uint32_t f[2 * PROC_PAGES], pages[PROC_PAGES];
		struct vmspace *vs = vm_space_create();
		uint8_t *flat = kmalloc(128 * DEV_BSIZE);
		int bad = -3, got = 0;

		for (; vs && got < 2 * PROC_PAGES && (f[got] = pmem_alloc());
		     got++)
			;
		if (vs && flat && got == 2 * PROC_PAGES) {
			sort_u32(f, 2 * PROC_PAGES);
			for (int i = 0; i < PROC_PAGES; i++) {
				pages[i] = f[2 * (PROC_PAGES - 1 - i)];
				f[2 * (PROC_PAGES - 1 - i)] = 0; /* vs's */
				vm_space_map(vs, USER_BASE + i * PAGE_SIZE,
					     pages[i], 1);
			}
			CHECK(pages[1] != pages[0] + PAGE_SIZE,
			      "the frames are contiguous after all");
			bad = proc_raw_io(bd, vs, pages, flat);
		}
		for (int i = 0; i < got; i++)
			if (f[i])
				pmem_free(f[i]);
		if (vs)
			vm_space_destroy(vs); /* frees the mapped frames */
		kfree(flat);
		CHECK(bad != -3, "%s: no memory", bd->name);
		CHECK(bad != -2, "%s: /dev/r%s did not open", bd->name,
		      bd->name);
		CHECK(bad != -4, "%s: the process's raw I/O failed", bd->name);
		CHECK(bad == -1, "%s: block %d wrong in the process's frames",
		      bd->name, bad);
	}
}

static volatile int thread_failures;

/* What each test thread is given: its disk and its number on that disk. */
struct disk_thread {
	struct bdev *bd;
	int t;
};

#define THREADS_MAX (BDEV_MAX * 4)

/* Run `per_disk` threads of fn on every disk under test and join them.
 * Returns how many ran; -1 if one could not be created (the others are
 * joined all the same). */
static int
run_disk_threads(void (*fn)(void *), int per_disk, const char *name)
{
	static struct disk_thread args[THREADS_MAX];
	static struct thread *t[THREADS_MAX];
	int n = 0, failed = 0;

	FOR_EACH_DISK(bd)
	{
		for (int k = 0; k < per_disk && n < THREADS_MAX && !failed;
		     k++) {
			args[n] = (struct disk_thread){bd, k};
			t[n] = thread_create(fn, &args[n], name);
			if (t[n])
				n++;
			else
				failed = 1;
		}
	}
	for (int i = 0; i < n; i++)
		if (thread_join_timeout(t[i], 120 * HZ)) {
			kprintf("# %s thread %d still running after 120 s, "
				"asleep on %s\n",
				name, i, t[i]->wmesg ? t[i]->wmesg : "-");
			failed = 1;
		}
	return failed ? -1 : n;
}

static void
mixed_io(void *arg)
{
	const struct disk_thread *a = arg;
	struct bdev *bd = a->bd;
	int t = a->t;
	uint8_t *buf = kmalloc(16 * DEV_BSIZE);
	uint32_t seed = 77 + t, id = disk_id(bd) + 50 + t;

	if (!buf) {
		thread_failures++;
		return;
	}
	daddr_t base = WD_THREAD_REGION + t * 256;
	for (int r = 0; r < 16; r++) {
		/* write 16 blocks of our region, read random others back */
		for (int i = 0; i < 16; i++)
			pattern_fill(buf + i * DEV_BSIZE, id,
				     base + r * 16 + i);
		size_t moved;
		if (physio(bd->dev, buf, 16 * DEV_BSIZE,
			   (uint64_t)(base + r * 16) * DEV_BSIZE, UIO_WRITE,
			   &moved) ||
		    moved != 16 * DEV_BSIZE)
			thread_failures++;
		daddr_t other = rand32(&seed) % 2000;
		if (check_range(bd, buf, other, 8, disk_id(bd)) != -1)
			thread_failures++;
		if (check_range(bd, buf, base + r * 16, 16, id) != -1)
			thread_failures++;
	}
	kfree(buf);
}

TEST(disk_threads_mixing_reads_and_writes_on_all_channels_are_all_verified)
{
	thread_failures = 0;
	int n = run_disk_threads(mixed_io, WD_THREADS, "wdio");
	CHECK(n != -1, "thread_create failed, or a thread never finished");
	CHECK(n > 0, "no disks");
	CHECK_EQ(thread_failures, 0);
	CHECK_EQ(bsync(), 0);
}

/* Every stage of a read, in order, at its level: the controller's IRQ
 * finds it done, biodone defers it to INTIODONE, the thread wakes. */
TEST(disk_trace_shows_each_stage_in_order_at_its_level)
{
	static struct buf b;
	static struct trace_rec r[TRACETEST_MAX];
	static uint8_t buf[8 * DEV_BSIZE];

	CHECK(disk_count() > 0, "no disks");
	FOR_EACH_DISK(bd)
	{
		trace_clear();
		trace_start(bd->dev);
		uint64_t from = trace_written();
		testio_setup(&b, bd, B_READ, 100, sizeof(buf), buf);
		int err = testio_run(&b);
		trace_stop();
		CHECK_EQ(err, 0);
		int n = trace_collect(&b, from, r, TRACETEST_MAX);
		const char *seen = trace_stages(r, n);
		CHECK(!strcmp(seen, "queued,inserted,issued,interrupt,biodone,"
				    "deferred,completion,woken,biowait"),
		      "%s: %s", bd->name, seen);
		const struct trace_rec *irq = trace_find(r, n, TR_INTR);
		CHECK((irq->ctx & INTR_CTX_SOFT) == INTR_CTX_IRQ &&
			      (irq->ctx & 0xFF) == irq->aux,
		      "%s: completion found in context 0x%x, IRQ %u", bd->name,
		      irq->ctx, irq->aux);
		CHECK_EQ(irq->ipl, IPL_BIO);
		CHECK_EQ(trace_find(r, n, TR_DEFER)->ipl, IPL_BIO);
		CHECK_EQ(trace_find(r, n, TR_COMPLETE)->ipl, IPL_IODONE);
		CHECK_EQ(trace_find(r, n, TR_BIOWAIT)->ipl, IPL_NONE);
		CHECK_EQ(trace_find(r, n, TR_BIODONE)->bytes, sizeof(buf));
		CHECK_EQ(trace_find(r, n, TR_ISSUE)->blkno, 100);
	}
}

TEST(disk_a_lost_interrupt_is_recovered_by_the_watchdog)
{
	static uint8_t buf[8 * DEV_BSIZE];
	struct bdev *bd = NULL;

	FOR_EACH_DISK(b)
	if (!bd)
		bd = b;
	CHECK(bd != NULL, "no disks");
	uint32_t lost = lost_interrupts(bd);
	trace_clear();
	trace_start(bd->dev);
	uint64_t from = trace_written();
	drop_interrupts(bd, 1);
	uint64_t t0 = clock_ticks();
	int bad = check_range(bd, buf, 100, 8, disk_id(bd));
	drop_interrupts(bd, 0);
	trace_stop();
	/* traced: the watchdog found the command done, from the soft clock */
	CHECK(trace_events(from, TR_DRV_ERROR, -1) == 1,
	      "%s: the lost interrupt is not traced once", bd->name);
	struct trace_rec r;
	int soft_done = 0;
	for (uint64_t i = from; i < trace_written(); i++)
		soft_done += trace_get(i, &r) && r.act == TR_INTR &&
			     (r.ctx & INTR_CTX_SOFT) == INTR_CTX_SOFT;
	/* AHCI, NVMe: the one command's completion was found by the
	 * watchdog; IDE PIO may take a lost mid-transfer interrupt, and the
	 * command then ends by a later, real one */
	CHECK(major(bd->dev) != MAJOR_WD ? soft_done == 1 : soft_done <= 1,
	      "%s: %d completions found by the watchdog", bd->name, soft_done);
	CHECK(bad == -1, "%s: the read failed or was wrong (%d)", bd->name,
	      bad);
	CHECK_EQ(lost_interrupts(bd) - lost, 1);
	CHECK(clock_ticks() - t0 < 10 * HZ, "recovery took %llu ticks",
	      (unsigned long long)(clock_ticks() - t0));
	CHECK(check_range(bd, buf, 200, 8, disk_id(bd)) == -1,
	      "%s: not working after the recovery", bd->name);
}

/* diskbad=NAME:R:W -- QEMU's blkdebug fails reads of sector R and writes
 * of sector W on that disk; nothing else may fail.  The reads go down as
 * one chain of 32 bufs, so on AHCI they fill the NCQ queue around the bad
 * sector: that buf alone must fail. */
/*
 * Through the cache, in clusters: reads in order across the bad read
 * sector rs fail only the 4 KiB block holding it; delayed writes across
 * the bad write sector ws, written as clusters, fail only the block
 * holding it, and the rest reach the disk.  The buffers hold what the
 * host expects there (disk_image_expect: ws's neighbours within 10
 * sectors written before, the disk's own pattern further out).
 */
static void
cached_faults(struct bdev *bd, daddr_t rs, daddr_t ws)
{
	struct readahead ra = {.next = -1};
	struct buf *bp;
	uint32_t id = disk_id(bd);
	uint64_t failed = bcache_stats.write_errors;

	binval(bd->dev);
	for (daddr_t b = (rs & ~7) - 256; b < (rs & ~7) + 256; b += 8) {
		int err = bread_seq(bd->dev, b, 4096, &ra, &bp);
		CHECK_EQ(err, rs >= b && rs < b + 8 ? EIO : 0);
		if (err)
			continue;
		int ok = pattern_check_range(bp->b_un.b_addr, 8, id,
					     (uint64_t)b) < 0;
		brelse(bp);
		CHECK(ok, "%s: block %lld read wrong", bd->name, b);
	}
	for (daddr_t b = (ws & ~7) - 64; b < (ws & ~7) + 72; b += 8) {
		CHECK((bp = getblk(bd->dev, b, 4096)) != NULL, "getblk");
		for (int i = 0; i < 8; i++) {
			daddr_t s = b + i;
			pattern_fill((uint8_t *)bp->b_un.b_addr + i * DEV_BSIZE,
				     s >= ws - 10 && s <= ws + 10 ? id + 100
								  : id,
				     (uint64_t)s);
		}
		bdwrite(bp);
	}
	CHECK_EQ(bflush(bd->dev), EIO);
	CHECK_EQ(bcache_stats.write_errors - failed, 1);
}

TEST(disk_fault_injected_sectors_fail_alone_and_the_driver_goes_on)
{
	const char *opt = cmdline_opt("diskbad");
	char name[BDEV_NAMELEN];
	uint64_t rs, ws;

	CHECK(opt != NULL, "boot with diskbad=NAME:READSECTOR:WRITESECTOR");
	/* the numbers from the end: a name may hold colons (nvme00:05.0n1) */
	const char *c2 = strrchr(opt, ':'), *c1 = c2;
	while (c1 && c1 > opt && c1[-1] != ':')
		c1--;
	c1 = c1 && c1 > opt ? c1 - 1 : NULL;
	CHECK(c1 && c1 - opt < (int)sizeof(name), "diskbad=%s: bad form", opt);
	memcpy(name, opt, c1 - opt);
	name[c1 - opt] = '\0';
	char num[24];
	CHECK(c2 - c1 - 1 < (int)sizeof(num), "diskbad=%s: bad form", opt);
	memcpy(num, c1 + 1, c2 - c1 - 1);
	num[c2 - c1 - 1] = '\0';
	CHECK(!parse_u64(num, &rs) && !parse_u64(c2 + 1, &ws),
	      "diskbad=%s: bad numbers", opt);
	struct bdev *bd = bdev_by_name(name);
	CHECK(bd != NULL, "no disk %s", name);

	static uint8_t buf[DEV_BSIZE];
	/* 32 single-sector reads, rs in the middle, issued as one chain */
	dev_t dev[32];
	daddr_t blk[32];
	for (int i = 0; i < 32; i++) {
		dev[i] = bd->dev;
		blk[i] = rs - 16 + i;
	}
	trace_clear();
	trace_start(bd->dev);
	uint64_t from = trace_written();
	chain_read(32, dev, blk, 20000);
	trace_stop();
	CHECK(chain_done == 32, "%d of 32 reads completed", chain_done);
	for (int i = 0; i < 32; i++) {
		daddr_t b = chain[i].b_blkno;
		int err = geterror(&chain[i]);
		if (b == (daddr_t)rs) {
			CHECK(err == EIO, "read of bad sector %lld gave %d", b,
			      err);
			/* the trace shows the failure: biodone with EIO, and
			 * the driver's error */
			static struct trace_rec r[TRACETEST_MAX];
			int n = trace_collect(&chain[i], from, r,
					      TRACETEST_MAX);
			const struct trace_rec *c =
				trace_find(r, n, TR_BIODONE);
			CHECK(c && c->error == EIO,
			      "%s: no biodone with EIO traced: %s", bd->name,
			      trace_stages(r, n));
			CHECK(trace_events(from, TR_DRV_ERROR, rs) > 0,
			      "%s: the driver's error is not traced", bd->name);
		} else {
			CHECK(err == 0, "read of good sector %lld gave %d", b,
			      err);
			CHECK(pattern_check(chain_mem[i], disk_id(bd), b) < 0,
			      "sector %lld: wrong data", b);
		}
	}
	for (daddr_t b = ws - 10; b <= (daddr_t)ws + 10; b++) {
		pattern_fill(buf, disk_id(bd) + 100, b);
		int err = testio(bd, B_WRITE, b, DEV_BSIZE, buf, NULL);
		if (b == (daddr_t)ws)
			CHECK(err == EIO, "write of bad sector %lld gave %d", b,
			      err);
		else
			CHECK(err == 0, "write of good sector %lld gave %d", b,
			      err);
	}
	/* a multi-sector read spanning the bad one fails, naming it: the
	 * blocks before it were read, b_resid counts from it */
	static uint8_t big[16 * DEV_BSIZE];
	uint32_t resid;
	CHECK_EQ(testio(bd, B_READ, rs - 4, sizeof(big), big, &resid), EIO);
	CHECK(resid == sizeof(big) - 4 * DEV_BSIZE,
	      "b_resid %u, expected %u: the failed block is the 5th", resid,
	      (uint32_t)sizeof(big) - 4 * DEV_BSIZE);
	for (int i = 0; i < 4; i++)
		CHECK(pattern_check(big + i * DEV_BSIZE, disk_id(bd),
				    rs - 4 + i) < 0,
		      "block %llu, before the bad one: wrong data",
		      (unsigned long long)rs - 4 + i);
	/* raw I/O: a short count up to the bad block, as read(2) gives */
	size_t moved;
	CHECK_EQ(physio(bd->dev, big, sizeof(big), (rs - 4) * DEV_BSIZE,
			UIO_READ, &moved),
		 0);
	CHECK_EQ(moved, 4 * DEV_BSIZE);
	cached_faults(bd, (daddr_t)rs, (daddr_t)ws);
	/* and the driver keeps working */
	CHECK(check_range(bd, big, 0, 16, disk_id(bd)) == -1,
	      "%s: reads fail after the errors", bd->name);
	CHECK_EQ(bsync(), 0);
}

/* --- biodone(9F): the driver leaves a completed buf alone ---
 *
 * Each disk's completions come from its interrupt handler, so biodone
 * defers them to INTIODONE, sealing the fields a driver writes; the
 * completion checks the seal first (bio.c), and a driver that stored
 * into a buf after its biodone panics naming the field.  Here: every
 * completion of a burst on every disk went through that check. */
TEST(disk_every_completion_is_checked_for_a_store_after_biodone)
{
	uint32_t size = 4096;
	int count = 24;
	uint8_t *mem = kmalloc((size_t)count * size);

	CHECK(mem != NULL, "no memory");
	FOR_EACH_DISK(bd)
	{
		uint64_t sealed = iodone_stats.sealed;
		uint64_t deferred = iodone_stats.deferred;
		int ok = disk_burst_read(bd, mem, size, count);
		CHECK(ok, "%s: the burst did not complete cleanly", bd->name);
		CHECK(iodone_stats.deferred - deferred >= (uint64_t)count,
		      "%s: %llu of %d completions were deferred to INTIODONE",
		      bd->name, iodone_stats.deferred - deferred, count);
		CHECK(iodone_stats.sealed - sealed >= (uint64_t)count,
		      "%s: %llu of %d completions were checked for a store "
		      "after biodone",
		      bd->name, iodone_stats.sealed - sealed, count);
	}
	kfree(mem);
}

/* --- AHCI queueing --- */

#define BURST DISK_BURST_MAX

/* 40 reads of 1 MiB: large enough that QEMU is still busy with the first
 * when the 32nd arrives, so its own trace sees the 32 too. */
TEST(disk_ncq_keeps_32_commands_in_flight)
{
	struct bdev *bd = bdev_by_name("sd0");
	uint32_t size = 1024 * 1024;

	CHECK(bd != NULL, "no sd0");
	uint8_t *mem = kmalloc(40 * size);
	CHECK(mem != NULL, "no memory");
	ahci_stats_reset_max(bd);
	int ok = disk_burst_read(bd, mem, size, 40);
	kfree(mem);
	CHECK(ok, "the burst did not complete cleanly");
	CHECK(ahci_stats(bd)->max_inflight == 32,
	      "at most %u commands were in flight, expected 32",
	      ahci_stats(bd)->max_inflight);
	kprintf("# sd0: %u commands in flight at most\n",
		ahci_stats(bd)->max_inflight);
}

TEST(disk_without_ncq_one_command_at_a_time)
{
	struct bdev *bd = bdev_by_name("sd0");
	uint32_t size = 16 * 1024;

	CHECK(bd != NULL, "no sd0");
	uint8_t *mem = kmalloc(BURST * size);
	CHECK(mem != NULL, "no memory");
	ahci_stats_reset_max(bd);
	int ok = disk_burst_read(bd, mem, size, BURST);
	kfree(mem);
	CHECK(ok, "the burst did not complete cleanly");
	CHECK_EQ(ahci_stats(bd)->max_inflight, 1);
}

/* --- stress: threads, random sizes, every byte verified --- */

static volatile int stress_failures;
static volatile uint64_t stress_bytes;

static void
stress(void *arg)
{
	const struct disk_thread *a = arg;
	struct bdev *bd = a->bd;
	uint32_t id = disk_id(bd) + 60 + a->t, seed = 1000 + a->t + 17 * id;
	daddr_t base = WD_STRESS_REGION + a->t * 2048;
	uint8_t *buf = kmalloc(1024 * 1024);
	size_t moved;

	if (!buf) {
		stress_failures++;
		return;
	}
	/* the whole region once, so its final contents are known */
	for (int blk = 0; blk < 2048; blk += 2048 / 2) {
		for (int i = 0; i < 1024; i++)
			pattern_fill(buf + i * DEV_BSIZE, id, base + blk + i);
		if (physio(bd->dev, buf, 1024 * DEV_BSIZE,
			   (uint64_t)(base + blk) * DEV_BSIZE, UIO_WRITE,
			   &moved))
			stress_failures++;
	}
	uint64_t end = clock_ticks() + 4 * HZ;
	while (clock_ticks() < end) {
		uint32_t n = 1 + rand32(&seed) % 2048; /* 512 B to 1 MiB */
		daddr_t at = base + rand32(&seed) % (2048 - n + 1);
		int wr = rand32(&seed) & 1;
		if (wr) {
			for (uint32_t i = 0; i < n; i++)
				pattern_fill(buf + i * DEV_BSIZE, id, at + i);
			if (physio(bd->dev, buf, n * DEV_BSIZE,
				   (uint64_t)at * DEV_BSIZE, UIO_WRITE,
				   &moved) ||
			    moved != n * DEV_BSIZE)
				stress_failures++;
		} else if (check_range(bd, buf, at, n, id) != -1) {
			stress_failures++;
		}
		stress_bytes += (uint64_t)n * DEV_BSIZE;
	}
	kfree(buf);
}

TEST(disk_stress_threads_random_sizes_every_byte_verified)
{
	stress_failures = 0;
	stress_bytes = 0;
	FOR_EACH_DISK(bd)
	CHECK(bd->nblocks >= WD_STRESS_REGION + STRESS_THREADS * 2048,
	      "%s: too small for the stress regions", bd->name);
	int n = run_disk_threads(stress, STRESS_THREADS, "stress");
	CHECK(n != -1, "thread_create failed, or a thread never finished");
	CHECK(n > 0, "no disks");
	CHECK_EQ(stress_failures, 0);
	CHECK_EQ(bsync(), 0);
	kprintf("# stress: %llu MiB moved by %d threads\n",
		(unsigned long long)(stress_bytes >> 20), n);
}
