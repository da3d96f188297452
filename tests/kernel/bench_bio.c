/*
 * bench_bio.c: what the block layer costs over the memory copy it wraps,
 * and what a buffer cache hit costs as the cache grows.
 *
 *  - RAM disk rd0 (synchronous), 4 KiB and 64 KiB reads and writes at
 *    random aligned offsets through bdev_strategy + biowait, against a
 *    plain memcpy of the same size in the same run: IOPS, MB/s, cycles per
 *    I/O and the ratio to memcpy.
 *  - bread hits (bread + brelse of a cached block) with 1e2 .. 1e5
 *    buffers in the pool: cycles per hit (make bench boots with
 *    rdsize=64M so rd0 has the 1e5 distinct blocks).
 */
#include <stddef.h>
#include <stdint.h>

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "clock.h"
#include "console.h"
#include "cpu.h"
#include "kmalloc.h"
#include "ktest.h"
#include "blk/lv.h"
#include "rand.h"
#include "sort.h"
#include "string.h"
#include "blk/trace.h"

#define BENCH_BYTES (64u << 20) /* moved per size and direction */

static uint64_t
mb_per_s(uint64_t bytes, uint64_t cycles)
{
	uint64_t ns = clock_cycles_to_ns(cycles);

	return ns ? bytes * 1000 / ns : 0; /* bytes/ns * 1000 = MB/s */
}

static void
bench_rd_size(struct bdev *bd, uint32_t size, int write)
{
	uint8_t *mem = kmalloc(size), *src = kmalloc(size);
	static struct buf b;
	uint32_t seed = 99, nblk = bd->nblocks - size / DEV_BSIZE;
	uint32_t n = BENCH_BYTES / size;

	if (!mem || !src) {
		kfree(mem);
		kfree(src);
		kprintf("bench rd0: no memory for %u bytes\n", size);
		return;
	}
	memset(mem, 0xA5, size);
	uint64_t t0 = rdtsc();
	for (uint32_t i = 0; i < n; i++) {
		memset(&b, 0, sizeof(b));
		b.b_flags = write ? B_WRITE : B_READ;
		b.b_dev = bd->dev;
		b.b_blkno = (rand32(&seed) % nblk) & ~(size / DEV_BSIZE - 1);
		b.b_bcount = size;
		b.b_un.b_addr = mem;
		bdev_strategy(&b);
		biowait(&b);
	}
	uint64_t io = rdtsc() - t0;
	t0 = rdtsc();
	for (uint32_t i = 0; i < n; i++) {
		memcpy(write ? src : mem, write ? mem : src, size);
		__asm__ volatile("" ::: "memory");
	}
	uint64_t cp = rdtsc() - t0;
	uint64_t ns = clock_cycles_to_ns(io);
	kprintf("bench rd0 %s %2u KiB: %llu IOPS, %llu MB/s, %llu cyc/io; "
		"memcpy %llu cyc, %llu MB/s; ratio %llu.%02llu\n",
		write ? "write" : "read ", size / 1024,
		(unsigned long long)(ns ? (uint64_t)n * 1000000000ull / ns : 0),
		(unsigned long long)mb_per_s((uint64_t)n * size, io),
		(unsigned long long)(io / n), (unsigned long long)(cp / n),
		(unsigned long long)mb_per_s((uint64_t)n * size, cp),
		(unsigned long long)(io / cp),
		(unsigned long long)(io * 100 / cp % 100));
	kfree(mem);
	kfree(src);
}

BENCH(ramdisk_throughput_against_memcpy)
{
	struct bdev *bd = bdev_by_name("rd0");

	CHECK(bd != NULL, "no rd0");
	CHECK(bd->nblocks >= 2 * 128, "rd0 too small");
	bench_rd_size(bd, 4096, 0);
	bench_rd_size(bd, 4096, 1);
	bench_rd_size(bd, 65536, 0);
	bench_rd_size(bd, 65536, 1);
}

/* Cycles per 512-byte read of dev (blocks 0..999 in turn), one at a
 * time, waited for in biowait. */
static uint64_t
small_read_cycles(dev_t dev, uint32_t n)
{
	static uint8_t mem[DEV_BSIZE];
	static struct buf b;
	uint64_t t0 = rdtsc();

	for (uint32_t i = 0; i < n; i++) {
		memset(&b, 0, sizeof(b));
		b.b_flags = B_READ;
		b.b_dev = dev;
		b.b_blkno = i % 1000;
		b.b_bcount = DEV_BSIZE;
		b.b_un.b_addr = mem;
		bdev_strategy(&b);
		biowait(&b);
	}
	return (rdtsc() - t0) / n;
}

/* What tracing adds to a request, in cycles: 512-byte reads of rd0
 * (its strategy completes them: no device time to hide the cost), trace
 * off and on in TRACE_PAIRS short pairs whose order alternates; the
 * median of the pairs' differences and ratios (a pair runs back to
 * back, so a busy host moves both alike), and the best of each. */
#define TRACE_PAIRS 101
#define TRACE_READS 1000
BENCH(trace_cycles_per_request)
{
	struct bdev *bd = bdev_by_name("rd0");
	uint64_t best[2] = {~0ull, ~0ull};
	static uint32_t diff[TRACE_PAIRS], ratio[TRACE_PAIRS];

	CHECK(bd != NULL, "no rd0");
	for (int r = 0; r < TRACE_PAIRS; r++) {
		uint64_t cyc[2];
		for (int k = 0; k < 2; k++) {
			int on = k ^ (r & 1);
			trace_clear(); /* both: it sweeps the host's caches */
			if (on)
				trace_start(bd->dev);
			cyc[on] = small_read_cycles(bd->dev, TRACE_READS);
			trace_stop();
			if (cyc[on] < best[on])
				best[on] = cyc[on];
		}
		diff[r] = cyc[1] > cyc[0] ? (uint32_t)(cyc[1] - cyc[0]) : 0;
		ratio[r] = (uint32_t)(cyc[1] * 1000 / cyc[0]);
	}
	sort_u32(diff, TRACE_PAIRS);
	sort_u32(ratio, TRACE_PAIRS);
	kprintf("bench trace: rd0 512 B read %llu cyc/io off, %llu on (best "
		"of %d); its 7 records %u cycles, on/off %u.%03u (medians of "
		"%d pairs)\n",
		(unsigned long long)best[0], (unsigned long long)best[1],
		TRACE_PAIRS, diff[TRACE_PAIRS / 2],
		ratio[TRACE_PAIRS / 2] / 1000, ratio[TRACE_PAIRS / 2] % 1000,
		TRACE_PAIRS);
	trace_clear();
}

/* What a volume layer adds to a request, in cycles: 512-byte reads of
 * rd0 directly and through a concatenation of rd0 alone (its pieces,
 * pool, remap and second completion), alternated five times, the best
 * of each. */
BENCH(lv_layer_cycles_per_request)
{
	char *legs[] = {"rd0"};
	uint64_t best[2] = {~0ull, ~0ull};

	CHECK_EQ(lv_create("blin", LV_CONCAT, legs, 1, 0, 0), 0);
	struct bdev *bd[2] = {bdev_by_name("rd0"), bdev_by_name("blin")};
	for (int r = 0; r < 5; r++)
		for (int k = 0; k < 2; k++) {
			uint64_t cyc = small_read_cycles(bd[k]->dev, 20000);
			if (cyc < best[k])
				best[k] = cyc;
		}
	CHECK_EQ(lv_remove("blin"), 0);
	kprintf("bench lv: rd0 512 B read %llu cyc/io direct, %llu through a "
		"volume: %lld cycles for the layer\n",
		(unsigned long long)best[0], (unsigned long long)best[1],
		(long long)(best[1] - best[0]));
}

#define HIT_LOOKUPS 100000

BENCH(bread_hit_cycles_by_cache_size)
{
	static const int sizes[] = {100, 1000, 10000, 100000};
	struct bdev *bd = bdev_by_name("rd0");
	int saved = bcache_stats.nbuf;

	CHECK(bd != NULL, "no rd0");
	for (int k = 0; k < 4; k++) {
		int n = sizes[k];
		if ((uint64_t)n > bd->nblocks) {
			kprintf("bench bread hit, %6d buffers: skipped: rd0 "
				"has %llu blocks (make bench uses "
				"rdsize=64M)\n",
				n, (unsigned long long)bd->nblocks);
			continue;
		}
		int err = bcache_resize(n);
		CHECK(err == 0, "bcache_resize(%d): %d", n, err);
		struct buf *bp;
		for (int i = 0; i < n; i++) {
			CHECK(bread(bd->dev, i, DEV_BSIZE, &bp) == 0,
			      "filling: bread %d failed", i);
			brelse(bp);
		}
		uint64_t hits = bcache_stats.hits;
		uint32_t seed = 5;
		uint64_t t0 = rdtsc();
		for (int i = 0; i < HIT_LOOKUPS; i++) {
			bread(bd->dev, rand32(&seed) % n, DEV_BSIZE, &bp);
			brelse(bp);
		}
		uint64_t cyc = rdtsc() - t0;
		CHECK(bcache_stats.hits - hits == HIT_LOOKUPS,
		      "%llu of %d lookups hit",
		      (unsigned long long)(bcache_stats.hits - hits),
		      HIT_LOOKUPS);
		kprintf("bench bread hit, %6d buffers: %llu cyc (%llu ns) per "
			"bread+brelse\n",
			n, (unsigned long long)(cyc / HIT_LOOKUPS),
			(unsigned long long)clock_cycles_to_ns(cyc /
							       HIT_LOOKUPS));
	}
	CHECK_EQ(bcache_resize(saved), 0);
}
