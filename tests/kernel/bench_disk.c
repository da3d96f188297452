/*
 * bench_disk.c: the real disks (make bench attaches a 256 MiB raw image
 * of real data, cache=none: wd0 on -M pc, sd0 on -M q35): 4 KiB random
 * reads at queue depth 1 and 32, and 128 KiB sequential reads and writes;
 * IDE by DMA and by PIO, AHCI with NCQ and without, NVMe (make bench's
 * q35 has a namespace of its own image), in one run; for AHCI and NVMe
 * also the register accesses per I/O.  Depth 32 means 32 bufs kept in
 * flight by their own b_iodone, which issues the next: no sleeping
 * threads.
 */
#include <stddef.h>
#include <stdint.h>

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "clock.h"
#include "console.h"
#include "cpu.h"
#include "ahci.h"
#include "nvme.h"
#include "errno.h"
#include "ide.h"
#include "intr.h"
#include "kmalloc.h"
#include "ktest.h"
#include "blk/lv.h"
#include "proc/proc.h"
#include "rand.h"
#include "printf.h"
#include "sort.h"
#include "string.h"
#include "blk/trace.h"

#define QD_MAX	 32
#define RAND_IOS 4000
#define SEQ_MB	 64

static struct {
	struct bdev *bd;
	struct buf b[QD_MAX];
	uint8_t *mem;
	uint32_t size, seed;
	int sequential, write;
	volatile int issued, done, target;
	daddr_t next; /* sequential: the next block */
} q;

static void q_done(struct buf *bp);

/* Register accesses of the controllers that count them */
static uint64_t
mmio_count(void)
{
	return ahci_mmio_count() + nvme_mmio_count();
}

/* The first NVMe namespace, or NULL */
static struct bdev *
first_nvme(void)
{
	for (int i = 0; bdev_at(i); i++)
		if (major(bdev_at(i)->dev) == MAJOR_NVME)
			return bdev_at(i);
	return NULL;
}

/* A random block for a q.size request, aligned to its size. */
static daddr_t
q_random_block(void)
{
	uint32_t blocks = q.size / DEV_BSIZE;

	return (daddr_t)(rand32(&q.seed) % (q.bd->nblocks / blocks)) * blocks;
}

/* Set up and issue the next I/O in bp; its b_iodone is set before the
 * strategy routine sees it, as the pages require. */
static void
q_issue(struct buf *bp)
{
	memset(bp, 0, sizeof(*bp));
	bp->b_flags = q.write ? B_WRITE : B_READ;
	bp->b_dev = q.bd->dev;
	uint32_t blocks = q.size / DEV_BSIZE;
	if (q.sequential) {
		bp->b_blkno = q.next;
		q.next += blocks;
		if ((uint64_t)q.next + blocks > q.bd->nblocks)
			q.next = 0;
	} else {
		bp->b_blkno = q_random_block();
	}
	bp->b_bcount = q.size;
	bp->b_un.b_addr = q.mem + (bp - q.b) * q.size;
	bp->b_iodone = q_done;
	q.issued++;
	bdev_strategy(bp);
}

/* b_iodone: count it, and keep the depth by issuing the next. */
static void
q_done(struct buf *bp)
{
	q.done++;
	if (q.issued < q.target)
		q_issue(bp);
}

/* Run `n` I/Os at depth `qd`; cycles taken, or 0 on an error. */
static uint64_t
q_run(int qd, int n)
{
	static int nobody;

	q.issued = q.done = 0;
	q.target = n;
	q.seed = 1234;
	q.next = 0;
	uint64_t t0 = rdtsc();
	int s = splbio(); /* start them all before any completes */
	for (int i = 0; i < qd && i < n; i++)
		q_issue(&q.b[i]);
	splx(s);
	uint64_t end = clock_ticks() + 120 * HZ;
	while (q.done < n && clock_ticks() < end)
		tsleep(&nobody, "bench", 1);
	uint64_t cyc = rdtsc() - t0;
	for (int i = 0; i < qd; i++)
		if (q.b[i].b_flags & B_ERROR)
			return 0;
	return q.done == n ? cyc : 0;
}

/* A measurement's line: for make bench, or (key set) for make compare,
 * whose host side reads "compare DEV KEY: N IOPS, N KiB/s, N cyc/io". */
static void
report_line(const char *what, const char *key, int n, uint64_t cyc,
	    uint64_t mmio)
{
	uint64_t ns = clock_cycles_to_ns(cyc);

	if (!cyc || !ns) {
		kprintf("%s %s %s: failed\n", key ? "compare" : "bench",
			q.bd->name, key ? key : what);
		return;
	}
	uint64_t iops = (uint64_t)n * 1000000000ull / ns,
		 bps = (uint64_t)n * q.size * 1000000000ull / ns;
	if (key)
		kprintf("compare %s %s: %llu IOPS, %llu KiB/s", q.bd->name, key,
			(unsigned long long)iops,
			(unsigned long long)(bps / 1024));
	else
		kprintf("bench %s %s: %llu IOPS, %llu MB/s", q.bd->name, what,
			(unsigned long long)iops,
			(unsigned long long)(bps / 1000000));
	kprintf(", %llu cyc/io", (unsigned long long)(cyc / n));
	if (!key &&
	    (major(q.bd->dev) == MAJOR_SD || major(q.bd->dev) == MAJOR_NVME))
		kprintf(", %llu.%llu MMIO accesses/io",
			(unsigned long long)(mmio / n),
			(unsigned long long)(mmio * 10 / n % 10));
	kprintf("\n");
}

static void
report(const char *what, int n, uint64_t cyc, uint64_t mmio)
{
	report_line(what, NULL, n, cyc, mmio);
}

/* One measurement: n I/Os at depth qd, reported as `what`. */
static uint64_t
measure(const char *mode, const char *what, int qd, int n)
{
	char label[64];
	uint64_t mmio = mmio_count();
	uint64_t cyc = q_run(qd, n);

	snprintf(label, sizeof(label), "%s %s", mode, what);
	report(label, n, cyc, mmio_count() - mmio);
	return cyc;
}

/* One workload: how big, which way, how deep, how many. */
struct workload {
	const char *what; /* as the bench prints it */
	const char *key;  /* as make compare knows it (scripts/workloads.py) */
	uint32_t size;
	int write, sequential, qd, n;
};

#define SEQ_IOS (SEQ_MB * 1024 * 1024 / (128 * 1024))
static const struct workload modes[] = {
	{"4 KiB random read QD1  ", "randread-4k-qd1", 4096, 0, 0, 1, RAND_IOS},
	{"4 KiB random read QD32 ", "randread-4k-qd32", 4096, 0, 0, 32,
	 RAND_IOS},
	{"4 KiB random write QD1 ", "randwrite-4k-qd1", 4096, 1, 0, 1,
	 RAND_IOS},
	{"128 KiB seq read  QD1  ", NULL, 128 * 1024, 0, 1, 1, SEQ_IOS},
	{"128 KiB seq read  QD4  ", "seqread-128k-qd4", 128 * 1024, 0, 1, 4,
	 SEQ_IOS},
	{"128 KiB seq read  QD8  ", NULL, 128 * 1024, 0, 1, 8, SEQ_IOS},
	{"128 KiB seq write QD1  ", NULL, 128 * 1024, 1, 1, 1, SEQ_IOS},
	{"128 KiB seq write QD4  ", "seqwrite-128k-qd4", 128 * 1024, 1, 1, 4,
	 SEQ_IOS},
	{"128 KiB seq write QD8  ", NULL, 128 * 1024, 1, 1, 8, SEQ_IOS},
};
#define NMODES ((int)(sizeof(modes) / sizeof(modes[0])))

static uint64_t
run_workload(const char *mode, const struct workload *w, int compare)
{
	q.size = w->size;
	q.write = w->write;
	q.sequential = w->sequential;
	if (!compare)
		return measure(mode, w->what, w->qd, w->n);
	uint64_t cyc = q_run(w->qd, w->n);
	report_line(w->what, w->key, w->n, cyc, 0);
	if (cyc) /* what was run, in fio's words: the host side checks it */
		kprintf("compare %s %s: %s%s bs=%u qd=%d n=%d\n", q.bd->name,
			w->key, w->sequential ? "" : "rand",
			w->write ? "write" : "read", w->size, w->qd, w->n);
	return cyc;
}

/* QD1 as a process sees it: the thread issues each request and sleeps
 * in biowait until INTIODONE wakes it (make compare's row beside fio's
 * QD1, which waits in io_getevents). */
static uint64_t
biowait_run(int n)
{
	static struct buf b;
	uint64_t t0 = rdtsc();

	q.seed = 1234;
	for (int i = 0; i < n; i++) {
		memset(&b, 0, sizeof(b));
		b.b_flags = B_READ;
		b.b_dev = q.bd->dev;
		b.b_blkno = q.sequential ? (daddr_t)((uint64_t)i *
						     (q.size / DEV_BSIZE) %
						     q.bd->nblocks)
					 : q_random_block();
		b.b_bcount = q.size;
		b.b_un.b_addr = q.mem;
		bdev_strategy(&b);
		if (biowait(&b))
			return 0;
	}
	return rdtsc() - t0;
}

static int
bench_mode(const char *mode)
{
	for (int i = 0; i < NMODES; i++)
		if (!run_workload(mode, &modes[i], 0))
			return 0;
	return 1;
}

/* What the request trace costs (kernel/blk/trace.h): 4 KiB random
 * reads at QD32, tracing off and on, in TRACE_ROUNDS pairs (each pair's
 * order alternating); the figures
 * are the best of each, the ratio the median of the pairs' ratios (a
 * pair runs back to back, so a busy host moves both alike).  With 81
 * pairs the median moved 3% from run to run, with 801 (27 s) 0.3%. */
#define TRACE_ROUNDS 801 /* short pairs, many: a busy host moves both */
#define TRACE_IOS    1000
static int
bench_trace_cost(void)
{
	uint64_t best[2] = {~0ull, ~0ull}, mmio[2] = {0, 0};
	static uint32_t ratio[TRACE_ROUNDS];

	q.size = 4096;
	q.write = q.sequential = 0;
	for (int r = 0; r < TRACE_ROUNDS; r++) {
		uint64_t cyc[2];
		for (int k = 0; k < 2; k++) {
			int on = k ^ (r & 1); /* which goes first alternates */
			/* both after a clear, which sweeps the ring through
			 * the host's caches */
			trace_clear();
			if (on)
				trace_start(q.bd->dev);
			uint64_t m = mmio_count();
			cyc[on] = q_run(32, TRACE_IOS);
			trace_stop();
			if (!cyc[on])
				return 0;
			if (cyc[on] < best[on]) {
				best[on] = cyc[on];
				mmio[on] = mmio_count() - m;
			}
		}
		ratio[r] = (uint32_t)(cyc[0] * 1000 / cyc[1]);
	}
	sort_u32(ratio, TRACE_ROUNDS);
	/* The trace's own work, timed alone: the records of one request
	 * of the run above (completed by its b_iodone: no wakeup, no
	 * biowait), each written as its stage writes it (inlined, the stage
	 * a constant), on a buf of no one, so that no device's time hides
	 * or inflates it. */
	const int nst = 7, reps = 5000;
	static struct buf fake;
	uint64_t self = ~0ull;
	for (int r = 0; r < 3; r++) {
		memset(&fake, 0, sizeof(fake));
		fake.b_dev = q.bd->dev;
		fake.b_bcount = 4096;
		fake.b_flags = B_READ;
		fake.b_iodepth = 1;
		trace_clear();
		trace_start(q.bd->dev);
		uint64_t t0 = rdtsc();
		for (int i = 0; i < reps; i++) {
			trace_stage(TR_QUEUE, &fake, 0);
			trace_stage(TR_INSERT, &fake, 0);
			trace_stage(TR_ISSUE, &fake, 0);
			trace_stage(TR_INTR, &fake, 11);
			trace_stage(TR_BIODONE, &fake, 0);
			trace_stage(TR_DEFER, &fake, 1);
			trace_stage(TR_COMPLETE, &fake, 1);
		}
		uint64_t c = (rdtsc() - t0) / reps;
		trace_stop();
		if (c < self)
			self = c;
	}
	report("NCQ    4 KiB random read QD32, trace off", TRACE_IOS, best[0],
	       mmio[0]);
	report("NCQ    4 KiB random read QD32, trace on ", TRACE_IOS, best[1],
	       mmio[1]);
	kprintf("bench %s trace on/off: %u.%03u of the IOPS (median of %d "
		"pairs; range %u.%03u to %u.%03u)\n",
		q.bd->name, ratio[TRACE_ROUNDS / 2] / 1000,
		ratio[TRACE_ROUNDS / 2] % 1000, TRACE_ROUNDS, ratio[0] / 1000,
		ratio[0] % 1000, ratio[TRACE_ROUNDS - 1] / 1000,
		ratio[TRACE_ROUNDS - 1] % 1000);
	kprintf("bench %s trace: %d records a request, %llu cyc to write "
		"them: %llu.%llu%% of an untraced request's %llu cyc\n",
		q.bd->name, nst, (unsigned long long)self,
		(unsigned long long)(self * 100 / (best[0] / TRACE_IOS)),
		(unsigned long long)(self * 1000 / (best[0] / TRACE_IOS) % 10),
		(unsigned long long)(best[0] / TRACE_IOS));
	trace_clear();
	trace_hist_clear();
	return 1;
}

/*
 * Volumes (kernel/blk/lv.c) against one of their disks: make bench
 * attaches four more images on -M q35 (sd1, sd3, sd4, sd5: the CD is on
 * port 2).  4 KiB random reads and writes at QD32 (the stripe spreads
 * them over four disks' queues), 128 KiB sequential at QD8 (two chunks
 * of each request on two disks at once).
 */
static int
bench_volume(const char *name)
{
	int n = SEQ_MB * 1024 * 1024 / (128 * 1024), ok = 1;

	if (!(q.bd = bdev_by_name(name)))
		return 0;
	q.size = 4096;
	q.sequential = 0;
	q.write = 0;
	ok &= measure("vol", "4 KiB random read  QD32", 32, RAND_IOS) != 0;
	q.write = 1;
	ok &= measure("vol", "4 KiB random write QD32", 32, RAND_IOS) != 0;
	q.size = 128 * 1024;
	q.sequential = 1;
	q.write = 0;
	ok &= measure("vol", "128 KiB seq read  QD8  ", 8, n) != 0;
	q.write = 1;
	ok &= measure("vol", "128 KiB seq write QD8  ", 8, n) != 0;
	return ok;
}

static int
bench_volumes(void)
{
	char *four[] = {"sd1", "sd3", "sd4", "sd5"}, *two[] = {"sd1", "sd3"};
	int ok = bench_volume("sd1");

	if (lv_create("bstripe", LV_STRIPE, four, 4, 64 * 1024, 0))
		return 0;
	ok &= bench_volume("bstripe");
	lv_remove("bstripe");
	/* (clean: the legs differ, but a benchmark reads them as noise) */
	if (lv_create("bmirror", LV_MIRROR, two, 2, 0, LV_CLEAN))
		return 0;
	ok &= bench_volume("bmirror");
	lv_remove("bmirror");
	return ok;
}

BENCH(disk_iops_and_throughput)
{
	int ok = 1, any = 0;

	q.mem = kmalloc(QD_MAX * 128 * 1024);
	CHECK(q.mem != NULL, "no memory for the buffers");
	if ((q.bd = bdev_by_name("wd0"))) {
		any = 1;
		ok &= bench_mode("DMA");
		ide_force_pio(1);
		ok &= bench_mode("PIO");
		ide_force_pio(0);
	}
	if ((q.bd = bdev_by_name("sd0"))) {
		any = 1;
		ok &= bench_mode("NCQ   ");
		CHECK_EQ(ahci_set_ncq(q.bd, 0), 0);
		ok &= bench_mode("no NCQ");
		CHECK_EQ(ahci_set_ncq(q.bd, 1), 0);
		if (bdev_by_name("sd5"))
			ok &= bench_volumes();
	}
	if ((q.bd = first_nvme())) {
		any = 1;
		ok &= bench_mode("NVMe  ");
	}
	kfree(q.mem);
	if (!any)
		kprintf("bench disk: skipped: no wd0 or sd0 (make bench "
			"attaches "
			"them)\n");
	CHECK(ok, "an I/O failed or did not finish");
}

/* A disk bench's start: the first of the disks named that exists, and
 * the buffers; 0 (having said why) if it cannot run. */
static int
q_open(const char *name, const char *other, const char *bench)
{
	q.bd = bdev_by_name(name);
	if (!q.bd && other)
		q.bd = bdev_by_name(other);
	if (!q.bd && other) /* make compare's NVMe machine */
		q.bd = first_nvme();
	if (!q.bd) {
		kprintf("bench %s: skipped: no %s%s%s (make bench and make "
			"compare attach one)\n",
			bench, name, other ? " or " : "", other ? other : "");
		return 0;
	}
	q.mem = kmalloc(QD_MAX * 128 * 1024);
	if (!q.mem)
		ktest_fail(__FILE__, __LINE__, "no memory for the buffers");
	return q.mem != NULL;
}

/* The trace's cost on AHCI, a benchmark of its own so that it can be
 * run alone (make bench BENCH=disk_trace_cost): tracing is measured
 * against its own noise. */
BENCH(disk_trace_cost)
{
	if (!q_open("sd0", NULL, "disk_trace_cost"))
		return;
	int ok = bench_trace_cost();
	kfree(q.mem);
	CHECK(ok, "an I/O failed or did not finish");
}

/*
 * What a process pays for the same I/O (make bench): 4 KiB random reads
 * and 128 KiB sequential ones at QD1, by a thread sleeping in biowait
 * (the kernel's best way to do what a process does) and by iotest doing
 * pread on the raw device (as dd does): the difference is the system
 * call, userdma's holds and window mapping, and the copy of nothing
 * (the disk writes into the process's own frames).  iotest prints its
 * own line ("bench DEV process ..."), cycles from the TSC.
 */
static int
iotest(const char *path, const char *mode, uint32_t size, int qd, int n,
       const char *key, const char *label)
{
	char dev[BDEV_NAMELEN + 8], bs[16], ios[16], depth[16];
	char *argv[16] = {"iotest", (char *)mode, "-q", depth,
			  "-b",	    bs,		  "-n", ios};
	int argc = 8, status;

	snprintf(dev, sizeof(dev), path, q.bd->name);
	snprintf(bs, sizeof(bs), "%u", size);
	snprintf(ios, sizeof(ios), "%d", n);
	snprintf(depth, sizeof(depth), "%d", qd);
	if (key) {
		argv[argc++] = "-K";
		argv[argc++] = (char *)key;
	}
	if (label) {
		argv[argc++] = "-L";
		argv[argc++] = (char *)label;
	}
	argv[argc++] = dev;
	argv[argc] = NULL;
	int pid = proc_spawn("iotest", argc, argv, NULL, 0);
	if (pid < 0) {
		kprintf("%s %s process: iotest: %s\n",
			key ? "compare" : "bench", q.bd->name,
			errno_name(-pid));
		return 0;
	}
	return proc_wait(NULL, pid, &status, 0) == pid && status == 0;
}

/* The raw device, as a process reads it */
static int
proc_run(const char *mode, uint32_t size, int qd, int n, const char *key)
{
	return iotest("/dev/r%s", mode, size, qd, n, key, NULL);
}

/*
 * Through the buffer cache: iotest on the block device (/dev/sd0), QD1;
 * cold: the device's blocks written and dropped first, as `cache drop
 * DEV` (Linux's side: drop_caches); warm: what the run before left.
 */
#define BUF_SEQ_IOS   (SEQ_MB * 1024 * 1024 / (64 * 1024))
#define BUF_SMALL_IOS 16000	 /* of 1000 bytes */
#define WARMUP_IOS    (128 * 16) /* scripts/workloads.py's WARMUP_MIB */

static int
buffered_run(const char *mode, uint32_t size, int n, int cold, const char *key)
{
	if (cold) {
		bflush(q.bd->dev);
		binval(q.bd->dev);
	}
	return iotest("/dev/%s", mode, size, 1, n, key,
		      key		? NULL
		      : n == WARMUP_IOS ? "warm-up"
		      : cold		? "cold"
					: "warm");
}

/* The five buffered rows, with make compare's keys or without. */
static int
buffered_rows(int keyed)
{
	int ok = 1;

	/* untimed: the cache's memory touched once, as the Linux guest's
	 * is (scripts/workloads.py's WARMUP_MIB says why) */
	ok &= buffered_run("-S", 65536, WARMUP_IOS, 1, NULL);
	ok &= buffered_run("-W", 65536, BUF_SEQ_IOS, 1,
			   keyed ? "bufwrite-64k-fsync" : NULL);
	ok &= buffered_run("-S", 65536, BUF_SEQ_IOS, 1,
			   keyed ? "bufread-64k-cold" : NULL);
	ok &= buffered_run("-S", 65536, BUF_SEQ_IOS, 0,
			   keyed ? "bufread-64k-warm" : NULL);
	ok &= buffered_run("-S", 1000, BUF_SMALL_IOS, 1,
			   keyed ? "bufread-1000-cold" : NULL);
	ok &= buffered_run("-R", 4096, RAND_IOS, 1,
			   keyed ? "bufrandread-4k-qd1" : NULL);
	return ok;
}

/*
 * make compare's side of iodine (scripts/compare): the workloads that
 * Linux runs with fio on the same machine and image, on wd0 by DMA or
 * sd0 with NCQ (the drivers' defaults), each printed as
 * "compare DEV KEY: N IOPS, N KiB/s, N cyc/io".
 */
BENCH(compare_disk)
{
	int ok = 1;

	if (!q_open("sd0", "wd0", "compare_disk"))
		return;
	for (int i = 0; i < NMODES; i++)
		if (modes[i].key)
			ok &= run_workload("", &modes[i], 1) != 0;
	q.size = 4096;
	uint64_t cyc = biowait_run(RAND_IOS);
	report_line("", "randread-4k-qd1-biowait", RAND_IOS, cyc, 0);
	if (cyc)
		kprintf("compare %s randread-4k-qd1-biowait: randread bs=4096 "
			"qd=1 n=%d\n",
			q.bd->name, RAND_IOS);
	ok &= cyc != 0;
	/* the same reads by a process (iotest on the raw device, as fio
	 * on Linux's): user program against user program */
	ok &= proc_run("-R", 4096, 1, RAND_IOS, "randread-4k-qd1-process");
	ok &= proc_run("-R", 4096, 32, RAND_IOS, "randread-4k-qd32-process");
	ok &= proc_run("-S", 128 * 1024, 4, SEQ_IOS,
		       "seqread-128k-qd4-process");
	ok &= buffered_rows(1);
	kfree(q.mem);
	CHECK(ok, "an I/O failed or did not finish");
}

/* One device's pair of pairs: kernel, then process, for each size. */
static int
proc_bench(void)
{
	int ok = 1;

	q.write = 0;
	q.size = 4096;
	q.sequential = 0;
	uint64_t m = mmio_count(), cyc = biowait_run(RAND_IOS);
	report("kernel  4 KiB random read QD1", RAND_IOS, cyc,
	       mmio_count() - m);
	ok &= cyc != 0 && proc_run("-R", 4096, 1, RAND_IOS, NULL);
	q.size = 128 * 1024;
	q.sequential = 1;
	m = mmio_count();
	cyc = biowait_run(SEQ_IOS);
	report("kernel  128 KiB seq read QD1", SEQ_IOS, cyc, mmio_count() - m);
	ok &= cyc != 0 && proc_run("-S", 128 * 1024, 1, SEQ_IOS, NULL);
	return ok;
}

/* rd0 first: no device time, so the difference is the process's cost
 * alone, where the disks' figures move with the host's own disk. */
BENCH(proc_disk)
{
	int ok = 1;

	CHECK((q.mem = kmalloc(QD_MAX * 128 * 1024)) != NULL, "no memory");
	if ((q.bd = bdev_by_name("rd0")))
		ok &= proc_bench();
	if ((q.bd = bdev_by_name("sd0")) || (q.bd = bdev_by_name("wd0")))
		ok &= proc_bench();
	kfree(q.mem);
	CHECK(ok, "an I/O failed or did not finish");
}

/*
 * make bench's buffered rows: through the cache (iotest on /dev/sd0 or
 * /dev/wd0) beside the same reads of the raw device (/dev/rsd0), which
 * tests/scenarios/bench.py sets against each other: sequential reads
 * read ahead in clusters should come near the raw device's speed, and
 * random ones should lose nothing to read-ahead.
 */
BENCH(buffered_disk)
{
	int ok = 1;

	if (!(q.bd = bdev_by_name("sd0")) && !(q.bd = bdev_by_name("wd0"))) {
		kprintf("bench buffered_disk: no sd0 or wd0\n");
		return;
	}
	ok &= buffered_rows(0);
	ok &= proc_run("-S", 65536, 1, BUF_SEQ_IOS, NULL);
	ok &= proc_run("-R", 4096, 1, RAND_IOS, NULL);
	CHECK(ok, "an I/O failed or did not finish");
}
