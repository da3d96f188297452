/*
 * cmds_sys.c: the shell's system commands: memory, interrupts, time, the
 * command line, power, and `crash` (to see what a fault report looks like).
 */
#include <stdint.h>

#include "blk/bcache.h"
#include "blk/bdev.h"
#include "clock.h"
#include "cmdline_opt.h"
#include "console.h"
#include "intr.h"
#include "kmalloc.h"
#include "panic.h"
#include "pic.h"
#include "pmem.h"
#include "power.h"
#include "prof.h"
#include "shell.h"
#include "string.h"
#include "thread.h"

SHELL_CMD(mem, "", "physical memory and kernel heap usage")
{
	char a[16], b[16], c[16];

	if (argc != 1)
		return shell_usage(argv[0]);
	kprintf("RAM      %s usable, %s free (%u of %u pages)\n",
		fmt_size(a, sizeof(a),
			 (uint64_t)pmem_stats.total_pages * PAGE_SIZE),
		fmt_size(b, sizeof(b),
			 (uint64_t)pmem_stats.free_pages * PAGE_SIZE),
		pmem_stats.free_pages, pmem_stats.total_pages);
	kprintf("kernel   %s (image, boot tables, modules)\n",
		fmt_size(c, sizeof(c),
			 (uint64_t)pmem_stats.kernel_pages * PAGE_SIZE));
	kprintf("kmalloc  %s in use (%u bytes), %u allocations, %u frees; "
		"%u pages kept in size classes\n",
		fmt_size(a, sizeof(a), kmalloc_stats.bytes_in_use),
		kmalloc_stats.bytes_in_use, kmalloc_stats.allocs,
		kmalloc_stats.frees, kmalloc_stats.class_pages);
	return 0;
}

static void
latency_print(uint64_t cycles)
{
	uint64_t ns = clock_cycles_to_ns(cycles);

	kprintf("%10llu cyc %6llu.%llu us", (unsigned long long)cycles,
		(unsigned long long)(ns / 1000),
		(unsigned long long)(ns % 1000 / 100));
}

SHELL_CMD(intr, "", "interrupts per IRQ and soft level: runs, worst latency")
{
	if (argc != 1)
		return shell_usage(argv[0]);
	kprintf("IRQ  runs        deferred  unclaimed  worst latency"
		"                handlers\n");
	for (int irq = 0; irq < NIRQ; irq++) {
		const char *name = intr_name(irq);
		const struct intr_counter *c = &intr_stats.irq[irq];
		if (!c->runs && !*name)
			continue;
		kprintf("%3d  %-10llu  %-8u  %-9u  ", irq,
			(unsigned long long)c->runs, intr_stats.deferred[irq],
			intr_stats.unclaimed[irq]);
		latency_print(c->max_latency);
		kprintf("  %s\n", *name ? name : "-");
	}
	kprintf("soft  level  runs        worst latency\n");
	const char *name;
	int ipl;
	const struct intr_counter *c;
	for (int i = 0; softint_info(i, &name, &ipl, &c); i++) {
		kprintf("%-9s  %d  %-10llu  ", name, ipl,
			(unsigned long long)c->runs);
		latency_print(c->max_latency);
		kprintf("\n");
	}
	kprintf("spurious: IRQ 7 %u, IRQ 15 %u\n", pic_spurious_count[0],
		pic_spurious_count[1]);
	return 0;
}

SHELL_CMD(ps, "", "threads: state, what they sleep on, CPU time")
{
	static const char *const state[] = {"run", "ready", "sleep", "zombie"};

	if (argc != 1)
		return shell_usage(argv[0]);
	kprintf("  ID  NAME              STATE   WAIT          TICKS\n");
	int s = splhigh();
	for (struct thread *t = thread_first(); t; t = t->all_next)
		kprintf("%4d  %-16s  %-6s  %-12s  %llu\n", t->id, t->name,
			state[t->state], t->wmesg ? t->wmesg : "-",
			(unsigned long long)t->ticks);
	splx(s);
	return 0;
}

SHELL_CMD(uptime, "", "time since boot")
{
	if (argc != 1)
		return shell_usage(argv[0]);
	uint64_t ms = clock_uptime_ms();
	kprintf("up %llu.%03llu s (%llu clock ticks at %d Hz)\n",
		(unsigned long long)(ms / 1000),
		(unsigned long long)(ms % 1000),
		(unsigned long long)clock_ticks(), HZ);
	return 0;
}

SHELL_CMD(prof, "[on|off|TOP]",
	  "sample where the CPU is at each clock tick; TOP: the busiest "
	  "places (default 25)")
{
	if (argc == 2 && !strcmp(argv[1], "on")) {
		prof_start();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "off")) {
		prof_stop();
		return 0;
	}
	int top = 25;
	if (argc == 2) {
		uint64_t n;
		if (parse_u64(argv[1], &n) || n == 0 || n > 512) {
			kprintf("prof: %s: EINVAL: expected on, off or a count "
				"of 1 to 512\n",
				argv[1]);
			return 1;
		}
		top = (int)n;
	} else if (argc > 2) {
		return shell_usage(argv[0]);
	}
	prof_report(top);
	return 0;
}

SHELL_CMD(cmdline, "", "the kernel command line and its options")
{
	if (argc != 1)
		return shell_usage(argv[0]);
	kprintf("cmdline: %s\n", cmdline_raw());
	for (int i = 0; i < cmdline_opt_count(); i++) {
		const struct kv *kv = cmdline_opt_at(i);
		kprintf("  %s = \"%s\"\n", kv->key, kv->val);
	}
	return 0;
}

SHELL_CMD(halt, "[status]", "power off (status: QEMU exit code is 2*status+1)")
{
	uint64_t status = 0;

	if (argc > 2 ||
	    (argc == 2 && (parse_u64(argv[1], &status) || status > 255))) {
		kprintf("halt: status must be a number from 0 to 255\n");
		return shell_usage(argv[0]);
	}
	kprintf("halting\n");
	power_off((int)status);
}

SHELL_CMD(reboot, "", "restart the machine")
{
	if (argc != 1)
		return shell_usage(argv[0]);
	kprintf("rebooting\n");
	power_reboot();
}

/* Each fault is spelled out so the compiler cannot prove it away. */
static void __attribute__((noinline)) crash_divide(void)
{
	__asm__ volatile("xorl %%ecx, %%ecx\n\tdivl %%ecx"
			 :
			 :
			 : "eax", "ecx", "edx");
}

static void __attribute__((noinline)) crash_null(void)
{
	int *volatile p = NULL; /* the pointer's value is unknown to GCC */
	// cppcheck-suppress nullPointer ; the fault is the point
	kprintf("%d\n", *p);
}

static void __attribute__((noinline)) crash_invalid_opcode(void)
{
	__asm__ volatile("ud2");
}

/* Each frame holds a page; the guard page comes in a few calls. */
static volatile int crash_depth_limit = 1 << 30; /* never reached */

static int __attribute__((noinline)) crash_recurse(int depth)
{
	volatile char pad[PAGE_SIZE];

	pad[0] = (char)depth;
	if (depth >= crash_depth_limit)
		return 0;
	return crash_recurse(depth + 1) + pad[0];
}

static void
crash_overflow_thread(void *arg)
{
	(void)arg;
	crash_recurse(0);
}

/* A driver whose strategy routine sleeps, as none may. */
static void __attribute__((noinline))
crash_sleepy_strategy(struct bdev *bd, struct buf *chain)
{
	static int nobody;

	(void)bd;
	(void)chain;
	tsleep(&nobody, "sleepy", 1);
}

static const struct bdev_ops crash_sleepy_ops = {
	.strategy = crash_sleepy_strategy,
};

static struct bdev crash_sleepy = {
	.name = "sleepy0",
	.dev = makedev(15, 0),
	.nblocks = 8,
	.maxxfer = DEV_BSIZE,
	.ops = &crash_sleepy_ops,
};

static void
crash_iodone(struct buf *bp)
{
	(void)bp;
}

static const char *const block_bugs[] = {
	"biodone", "brelse", "blkno", "dev",  "addr",  "forw",	"rawbuf",
	"sleep",   "uaf",    "late",  "eblk", "holds", "moved",
};

static int
is_block_bug(const char *which)
{
	for (size_t i = 0; i < sizeof(block_bugs) / sizeof(block_bugs[0]); i++)
		if (!strcmp(which, block_bugs[i]))
			return 1;
	return 0;
}

/* Kernel bugs in the block layer, each caught by its check. */
static void __attribute__((noinline)) crash_block_bug(const char *which)
{
	static struct buf b;
	static uint8_t data[DEV_BSIZE];
	struct bdev *rd0 = bdev_by_name("rd0");

	memset(&b, 0, sizeof(b));
	b.b_dev = rd0 ? rd0->dev : 0;
	b.b_blkno = 5;
	b.b_bcount = DEV_BSIZE;
	b.b_un.b_addr = data;
	b.b_flags = B_READ;
	if (!strcmp(which, "biodone")) {
		bio_issue(&b);
		biodone(&b);
		biodone(&b); /* the second completion */
	} else if (!strcmp(which, "blkno")) {
		bio_issue(&b);
		b.b_blkno = 6; /* what a driver must not do */
		biodone(&b);
	} else if (!strcmp(which, "dev")) {
		bio_issue(&b);
		b.b_dev = makedev(major(b.b_dev), minor(b.b_dev) + 1);
		biodone(&b);
	} else if (!strcmp(which, "addr")) {
		bio_issue(&b);
		b.b_un.b_addr = data + 16;
		biodone(&b);
	} else if (!strcmp(which, "late")) {
		/* an interrupt handler's completion: deferred, and then
		 * the handler goes on writing into the buf */
		int s = splbio();
		bio_issue(&b);
		biodone(&b);
		b.b_resid = DEV_BSIZE;
		splx(s); /* INTIODONE runs the completion here */
	} else if (!strcmp(which, "eblk")) {
		struct buf *bp = geteblk(DEV_BSIZE);
		if (!bp)
			return;
		bp->b_un.b_addr = data; /* a fixed field of the cache's */
		brelse(bp);
	} else if (!strcmp(which, "uaf")) {
		struct buf *bp = getrbuf();
		if (!bp)
			return;
		freerbuf(bp);
		bp->b_resid = 5; /* a driver still holding it after biodone */
		for (int i = 0; i < 64; i++) /* push it out of quarantine */
			freerbuf(getrbuf());
	} else if (!strcmp(which, "forw")) {
		bio_issue(&b);
		b.b_forw = &b; /* the cache's links, not the driver's */
		biodone(&b);
	} else if (!strcmp(which, "sleep")) {
		if (bdev_register(&crash_sleepy) && !bdev_by_name("sleepy0"))
			return;
		b.b_dev = crash_sleepy.dev;
		b.b_iodone = crash_iodone;
		bdev_strategy(&b);
	} else if (!strcmp(which, "rawbuf")) {
		struct buf *bp = getrbuf(); /* and no b_iodone */
		bp->b_dev = b.b_dev;
		bp->b_bcount = DEV_BSIZE;
		bp->b_un.b_addr = data;
		bdev_strategy(bp);
	} else if (!strcmp(which, "brelse") && rd0) {
		struct buf *bp = getblk(rd0->dev, 0, DEV_BSIZE);
		brelse(bp);
		brelse(bp); /* no longer held */
	} else if (!strcmp(which, "moved") && rd0) {
		struct buf *bp = getblk(rd0->dev, 0, DEV_BSIZE);
		bp->b_blkno = 7; /* the cache's key, moved by its holder */
		brelse(bp);
	} else if (!strcmp(which, "holds") && rd0) {
		/* a block under a buffer this thread holds: the cache
		 * would wait for the buffer's release, for ever */
		if (getblk(rd0->dev, 0, 4096))
			getblk(rd0->dev, 1, DEV_BSIZE);
	}
}

SHELL_CMD(crash,
	  "divide|null|ud|panic|stack|biodone|brelse|blkno|dev|addr|forw|"
	  "rawbuf|sleep|uaf|late|eblk|holds|moved",
	  "fault on purpose, to see the report")
{
	if (argc != 2)
		return shell_usage(argv[0]);
	if (!strcmp(argv[1], "divide"))
		crash_divide();
	else if (!strcmp(argv[1], "null"))
		crash_null();
	else if (!strcmp(argv[1], "ud"))
		crash_invalid_opcode();
	else if (!strcmp(argv[1], "panic"))
		panic("crash: panic requested from the shell");
	else if (is_block_bug(argv[1]))
		crash_block_bug(argv[1]);
	else if (!strcmp(argv[1], "stack")) {
		struct thread *t =
			thread_create(crash_overflow_thread, NULL, "overflow");
		if (!t) {
			kprintf("crash: stack: ENOMEM: no memory for a "
				"thread\n");
			return 1;
		}
		thread_join(t); /* never returns: the overflow panics */
	}
	kprintf("crash: %s: no such fault\n", argv[1]);
	return shell_usage(argv[0]);
}
