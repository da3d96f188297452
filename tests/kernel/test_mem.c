/*
 * test_mem.c: physical frames, kmalloc and the page tables.
 */
#include <stdint.h>

#include "blk/bdev.h"
#include "clock.h"
#include "intr.h"
#include "kmalloc.h"
#include "ktest.h"
#include "pmem.h"
#include "rand.h"
#include "string.h"
#include "thread.h"
#include "vm.h"

extern char _kernel_start[], _kernel_end[];

TEST(mem_pmem_never_hands_out_the_kernel_or_low_memory)
{
	for (uint32_t a = (uint32_t)_kernel_start; a < (uint32_t)_kernel_end;
	     a += PAGE_SIZE)
		CHECK(!pmem_is_free(a), "kernel page %08x is free", a);
	for (uint32_t a = 0; a < 0x100000; a += PAGE_SIZE)
		CHECK(!pmem_is_free(a), "low-memory page %08x is free", a);
	uint32_t pa = pmem_alloc();
	CHECK(pa >= 0x100000, "pmem_alloc returned %08x", pa);
	CHECK(pa < (uint32_t)_kernel_start || pa >= (uint32_t)_kernel_end,
	      "pmem_alloc returned kernel page %08x", pa);
	pmem_free(pa);
}

TEST(mem_pmem_alloc_and_free_balance)
{
	uint32_t before = pmem_stats.free_pages;
	uint32_t a = pmem_alloc(), b = pmem_alloc_contig(8);

	CHECK(a && b, "allocation failed");
	CHECK_EQ(pmem_stats.free_pages, before - 9);
	CHECK(!pmem_is_free(a) && !pmem_is_free(b + 7 * PAGE_SIZE),
	      "allocated frames still marked free");
	pmem_free(a);
	pmem_free_contig(b, 8);
	CHECK_EQ(pmem_stats.free_pages, before);
	CHECK(pmem_is_free(b + 7 * PAGE_SIZE), "freed frame still in use");
}

TEST(mem_kmalloc_aligns_to_the_size_class)
{
	static const size_t sizes[] = {1,    16,   17,	 100,  512,
				       1024, 2048, 4096, 10000};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = kmalloc(sizes[i]);
		CHECK(p != NULL, "kmalloc(%zu) failed", sizes[i]);
		size_t align = sizes[i] >= 4096 ? 4096 : 16;
		while (align < sizes[i] && align < 4096)
			align <<= 1;
		CHECK(((uint32_t)p & (align - 1)) == 0,
		      "kmalloc(%zu) = %p, not %zu-aligned", sizes[i], p, align);
		memset(p, 0xA5, sizes[i]);
		kfree(p);
	}
}

TEST(mem_kmalloc_objects_do_not_overlap_and_are_reused)
{
	enum { N = 300 };
	static uint8_t *p[N];

	uint32_t in_use = kmalloc_stats.bytes_in_use;
	for (int i = 0; i < N; i++) {
		size_t n = 8 + (i * 37) % 3000;
		p[i] = kmalloc(n);
		CHECK(p[i] != NULL, "kmalloc(%zu) failed", n);
		memset(p[i], i & 0xFF, n);
	}
	for (int i = 0; i < N; i++) {
		size_t n = 8 + (i * 37) % 3000;
		for (size_t k = 0; k < n; k++)
			CHECK(p[i][k] == (i & 0xFF),
			      "object %d byte %zu overwritten", i, k);
	}
	for (int i = 0; i < N; i++)
		kfree(p[i]);
	CHECK_EQ(kmalloc_stats.bytes_in_use, in_use);
	void *a = kmalloc(64);
	kfree(a);
	void *b = kmalloc(64);
	kfree(b);
	CHECK(a == b, "a freed 64-byte object was not reused (%p, %p)", a, b);
}

TEST(mem_page_zero_is_unmapped)
{
	CHECK(!vm_is_mapped(0), "page 0 is mapped: NULL would not fault");
	CHECK(vm_is_mapped(0x1000), "page 1 is not mapped");
	CHECK(vm_is_mapped((uint32_t)_kernel_start),
	      "the kernel is not mapped");
}

TEST(mem_mmio_mappings_are_uncached)
{
	/* QEMU's pc has nothing at the top of the PCI hole's first page;
	 * the mapping's attributes are what is checked, not the device. */
	uint32_t pa = 0xFEBFF000;
	vm_map_mmio(pa, 16);
	uint32_t pte = vm_pte(pa);
	CHECK(pte & PTE_P, "MMIO page not present");
	CHECK((pte & (PTE_PCD | PTE_PWT)) == (PTE_PCD | PTE_PWT),
	      "MMIO page cached (pte %08x)", pte);
	CHECK(!(vm_pte(0x200000) & PTE_PCD), "RAM mapped uncached");
	vm_unmap_page(pa);
	CHECK(!vm_is_mapped(pa), "unmap left the page present");
}

/*
 * userdma's rule at the frame level: frames held for a transfer, freed
 * by their owner while the device still writes them (a process exiting
 * mid-transfer), are not handed out again until the transfer is done and
 * the holds released.  rd1 completes from the clock interrupt, so the
 * read is in flight while the frames are freed and memory is taken.
 */
#define HELD_PAGES 4
static volatile int held_read_done;

static void
held_read_iodone(struct buf *bp)
{
	(void)bp;
	held_read_done = 1;
}

TEST(mem_pmem_held_frames_freed_mid_transfer_are_not_reused_until_released)
{
	struct bdev *rd1 = bdev_by_name("rd1");
	uint32_t frames[HELD_PAGES], taken[256];
	static struct buf b;

	CHECK(rd1 != NULL, "no rd1");
	for (int i = 0; i < HELD_PAGES; i++) {
		frames[i] = pmem_alloc();
		CHECK(frames[i] != 0, "no frame");
		CHECK_EQ(pmem_hold(frames[i]), 0);
	}
	CHECK_EQ(pmem_hold(frames[0]), 0); /* held twice: released twice */
	uint8_t *va = vm_window_map(frames, HELD_PAGES);
	CHECK(va != NULL, "no room in the window");
	memset(&b, 0, sizeof(b));
	b.b_flags = B_READ;
	b.b_dev = rd1->dev;
	b.b_blkno = 8;
	b.b_bcount = HELD_PAGES * PAGE_SIZE;
	b.b_un.b_addr = va;
	b.b_iodone = held_read_iodone;
	held_read_done = 0;
	/* rd1 completes at its next clock tick, which may come at once: held
	 * off until the frames are freed and memory taken, so that the
	 * transfer is surely in flight meanwhile */
	int s = splhigh();
	bdev_strategy(&b);
	/* the owner goes away mid-transfer */
	for (int i = 0; i < HELD_PAGES; i++)
		pmem_free(frames[i]);
	int early = held_read_done, reused = 0, n = 0;
	for (; n < 256 && (taken[n] = pmem_alloc()); n++)
		for (int i = 0; i < HELD_PAGES; i++)
			reused |= taken[n] == frames[i];
	for (int i = 0; i < n; i++)
		pmem_free(taken[i]);
	splx(s);
	for (int i = 0; i < HELD_PAGES; i++)
		CHECK(!pmem_is_free(frames[i]), "held frame %08x freed",
		      frames[i]);
	uint64_t end = clock_ticks() + 5 * HZ;
	while (!held_read_done && clock_ticks() < end)
		thread_yield();
	CHECK(!early, "rd1 completed in its strategy routine: no test");
	CHECK(!reused, "a held frame was handed out during the transfer");
	CHECK(held_read_done, "the read never completed");
	CHECK(!(b.b_flags & B_ERROR), "the read failed: %d", b.b_error);
	vm_window_unmap(va, HELD_PAGES);
	for (int i = 0; i < HELD_PAGES; i++)
		pmem_unhold(frames[i]);
	CHECK(!pmem_is_free(frames[0]) && pmem_held(frames[0]),
	      "a frame held twice went at the first release");
	pmem_unhold(frames[0]);
	for (int i = 0; i < HELD_PAGES; i++)
		CHECK(pmem_is_free(frames[i]) && !pmem_held(frames[i]),
		      "frame %08x not freed at its last release", frames[i]);
}

/* --- one owner a frame, under preemption --- */

#define HAMMER_THREADS 4
#define HAMMER_ROUNDS  100000
#define HAMMER_KEEP    8

static volatile int hammer_bad[HAMMER_THREADS];

/* Take and give back frames as fast as it can, each marked with its
 * owner and round while held: a frame handed to two threads at once
 * shows the other's mark. */
static void
frame_hammer(void *arg)
{
	int me = (int)(uintptr_t)arg;
	uint32_t held[HAMMER_KEEP] = {0}, mark[HAMMER_KEEP] = {0};

	for (int r = 0; r < HAMMER_ROUNDS; r++) {
		int i = r % HAMMER_KEEP;
		if (held[i]) {
			if (*(volatile uint32_t *)held[i] != mark[i])
				hammer_bad[me]++;
			pmem_free(held[i]);
		}
		held[i] = pmem_alloc();
		mark[i] = (uint32_t)me << 24 | (uint32_t)r;
		if (held[i])
			*(volatile uint32_t *)held[i] = mark[i];
	}
	for (int i = 0; i < HAMMER_KEEP; i++)
		if (held[i]) {
			if (*(volatile uint32_t *)held[i] != mark[i])
				hammer_bad[me]++;
			pmem_free(held[i]);
		}
}

/* Threads preempting each other (the clock shares the CPU) while they
 * take and free frames: every frame has one owner at a time, and the
 * count of free frames comes back. */
/* HAMMER_THREADS threads of fn, joined (60 s at most each): the number
 * that found something of theirs changed by another, or -1 if one could
 * not be started or did not end */
static int
hammers(void (*fn)(void *))
{
	struct thread *t[HAMMER_THREADS];
	int bad = 0;

	for (int i = 0; i < HAMMER_THREADS; i++) {
		hammer_bad[i] = 0;
		t[i] = thread_create(fn, (void *)(uintptr_t)i, "hammer");
	}
	for (int i = 0; i < HAMMER_THREADS; i++) {
		if (!t[i] || thread_join_timeout(t[i], 60 * HZ))
			return -1;
		bad += hammer_bad[i] != 0;
	}
	return bad;
}

TEST(mem_pmem_frames_have_one_owner_under_preemption)
{
	uint32_t free_before = pmem_stats.free_pages;
	int bad = hammers(frame_hammer);

	CHECK(bad >= 0, "a thread did not start, or still ran after 60 s");
	CHECK(bad == 0, "%d threads found frames of theirs marked by another",
	      bad);
	CHECK_EQ(pmem_stats.free_pages, free_before);
}

/* --- one owner a heap object, under preemption --- */

#define HEAP_ROUNDS 20000
#define HEAP_KEEP   16

/* Take and free heap objects of random sizes (16 bytes to 8 KiB), each
 * filled with its owner's mark while held: an object handed to two
 * threads, or overlapping another, shows a foreign word. */
static void
heap_hammer(void *arg)
{
	int me = (int)(uintptr_t)arg;
	uint32_t *held[HEAP_KEEP] = {0}, words[HEAP_KEEP] = {0};
	uint32_t seed = 77 + me;

	for (int r = 0; r < HEAP_ROUNDS; r++) {
		int i = r % HEAP_KEEP;
		if (held[i]) {
			for (uint32_t w = 0; w < words[i]; w++)
				if (held[i][w] != ((uint32_t)me << 24 | w))
					hammer_bad[me]++;
			kfree(held[i]);
		}
		words[i] = 4u << rand32(&seed) % 10; /* 16 B .. 8 KiB */
		held[i] = kmalloc(words[i] * 4);
		for (uint32_t w = 0; held[i] && w < words[i]; w++)
			held[i][w] = (uint32_t)me << 24 | w;
	}
	for (int i = 0; i < HEAP_KEEP; i++)
		if (held[i]) {
			for (uint32_t w = 0; w < words[i]; w++)
				if (held[i][w] != ((uint32_t)me << 24 | w))
					hammer_bad[me]++;
			kfree(held[i]);
		}
}

TEST(mem_kmalloc_objects_have_one_owner_under_preemption)
{
	uint32_t bytes_before = kmalloc_stats.bytes_in_use;
	int bad = hammers(heap_hammer);

	CHECK(bad >= 0, "a thread did not start, or still ran after 60 s");
	CHECK(bad == 0, "%d threads found objects of theirs changed by another",
	      bad);
	CHECK_EQ(kmalloc_stats.bytes_in_use, bytes_before);
}
