/*
 * pmem.c: physical page frames, from the Multiboot memory map.
 *
 * One bit per 4 KiB frame (set = in use) over the first PMEM_LIMIT bytes,
 * which the kernel identity-maps.  Taken out before anything is handed
 * out: everything below 1 MiB (BIOS data, EBDA, ROMs), the kernel image,
 * the Multiboot structures, GRUB modules and the symbol table ksym.c uses.
 *
 * Protection: the bitmap, the search hint, the counts and the hold table
 * are changed only with interrupts off (irq_save): a thread preempted
 * between finding a free frame and marking it would let another take
 * the same frame, and holds are released at interrupt level.
 *
 * Frames for processes' pages (pmem_alloc_user) stop short of a reserve
 * kept for the kernel: 4 MiB, or 1/32 of RAM if more.
 */
#include "pmem.h"

#include "cpu.h"
#include "errno.h"
#include "ksym.h"
#include "multiboot.h"
#include "panic.h"
#include "string.h"
#include "vm.h"

/* RAM is identity-mapped up to here; the frame window and then the
 * processes' range come after it (vm.h): 2 GiB less 20 MiB */
#define PMEM_LIMIT (USER_BASE - VM_WINDOW_PAGES * PAGE_SIZE - (4u << 20))
#define NFRAMES	   (PMEM_LIMIT >> PAGE_SHIFT)
#define LOW_MEMORY 0x100000u /* below 1 MiB: firmware's, not ours */

static uint32_t bitmap[NFRAMES / 32];
static uint32_t search_hint; /* frames below it are known to be in use */
struct pmem_stats pmem_stats;

extern char _kernel_start[], _kernel_end[];

static int
frame_used(uint32_t f)
{
	return bitmap[f / 32] >> (f % 32) & 1;
}

static void
frame_set(uint32_t f, int used)
{
	if (used)
		bitmap[f / 32] |= 1u << (f % 32);
	else
		bitmap[f / 32] &= ~(1u << (f % 32));
}

/* Mark [start, end) in use; partial frames at either end count whole. */
static void
reserve(uint32_t start, uint32_t end)
{
	if (end > PMEM_LIMIT)
		end = PMEM_LIMIT;
	for (uint32_t f = start >> PAGE_SHIFT;
	     f < (end + PAGE_SIZE - 1) >> PAGE_SHIFT; f++) {
		if (!frame_used(f)) {
			frame_set(f, 1);
			pmem_stats.free_pages--;
			pmem_stats.kernel_pages++;
		}
	}
}

static void
release_ram(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;

	if (end > PMEM_LIMIT)
		end = PMEM_LIMIT;
	/* Whole frames only: a partial frame may hold firmware data. */
	for (uint64_t f = (addr + PAGE_SIZE - 1) >> PAGE_SHIFT;
	     f < end >> PAGE_SHIFT; f++) {
		if (frame_used(f)) {
			frame_set(f, 0);
			pmem_stats.free_pages++;
			pmem_stats.total_pages++;
		}
	}
	if (end > pmem_stats.ram_top && addr < end)
		pmem_stats.ram_top = (uint32_t)end & ~(PAGE_SIZE - 1);
}

void
pmem_init(const struct multiboot_info *mbi)
{
	memset(bitmap, 0xFF, sizeof(bitmap));
	if (mbi->flags & MB_INFO_MEM_MAP) {
		uint32_t p = mbi->mmap_addr;
		while (p < mbi->mmap_addr + mbi->mmap_length) {
			const struct multiboot_mmap *m = (const void *)p;
			if (m->type == MB_MMAP_AVAILABLE &&
			    m->addr < PMEM_LIMIT)
				release_ram(m->addr, m->len);
			p += m->size + sizeof(m->size);
		}
	} else if (mbi->flags & MB_INFO_MEMORY) {
		release_ram(LOW_MEMORY, (uint64_t)mbi->mem_upper * 1024);
	} else {
		panic("pmem_init: the boot loader gave no memory map");
	}

	pmem_stats.kernel_pages = 0;
	reserve(0, LOW_MEMORY);
	pmem_stats.kernel_pages = 0; /* firmware's memory is not the kernel's */
	reserve((uint32_t)_kernel_start, (uint32_t)_kernel_end);
	reserve((uint32_t)mbi, (uint32_t)mbi + sizeof(*mbi));
	if (mbi->flags & MB_INFO_MEM_MAP)
		reserve(mbi->mmap_addr, mbi->mmap_addr + mbi->mmap_length);
	if (mbi->flags & MB_INFO_CMDLINE)
		reserve(mbi->cmdline, mbi->cmdline + 1);
	if (mbi->flags & MB_INFO_MODS) {
		const struct multiboot_mod *mod = (const void *)mbi->mods_addr;
		reserve(mbi->mods_addr,
			mbi->mods_addr + mbi->mods_count * sizeof(*mod));
		for (uint32_t i = 0; i < mbi->mods_count; i++)
			reserve(mod[i].start, mod[i].end);
	}
	uint32_t s, e;
	for (int i = 0; ksym_range(i, &s, &e); i++)
		reserve(s, e);
}

/* n physically contiguous frames; returns the address of the first, or 0.
 * The bitmap is searched and changed with interrupts off: a thread
 * preempted between reading a bitmap word and writing it back (or
 * between two threads' searches finding the same free frame) would hand
 * one frame to two owners; the release of a hold (pmem_unhold) frees at
 * interrupt level. */
static uint32_t
alloc_keeping(uint32_t n, uint32_t keep)
{
	uint32_t limit = pmem_stats.ram_top >> PAGE_SHIFT;
	uint32_t run = 0;

	if (!n)
		return 0;
	uint32_t flags = irq_save();
	if (pmem_stats.free_pages < n + keep) { /* (the test and the take
						   are one step) */
		irq_restore(flags);
		return 0;
	}
	/* Frames below the hint are in use: move it past those in use at
	 * it too, so that a search never walks again over frames it found
	 * taken (with the hint left at a used frame, each allocation walked
	 * every frame allocated since: 16,384 cache pages took seconds). */
	while (search_hint < limit && frame_used(search_hint))
		search_hint = !(search_hint % 32) && bitmap[search_hint / 32] ==
							     0xFFFFFFFF
				      ? search_hint + 32
				      : search_hint + 1;
	for (uint32_t f = search_hint; f < limit; f++) {
		if (!(f % 32) && bitmap[f / 32] == 0xFFFFFFFF &&
		    f + 32 <= limit) {
			run = 0;
			f += 31; /* a full word: skip it */
			continue;
		}
		run = frame_used(f) ? 0 : run + 1;
		if (run == n) {
			uint32_t first = f + 1 - n;
			for (uint32_t i = first; i <= f; i++)
				frame_set(i, 1);
			pmem_stats.free_pages -= n;
			if (first == search_hint)
				search_hint = f + 1;
			irq_restore(flags);
			return first << PAGE_SHIFT;
		}
	}
	irq_restore(flags);
	return 0;
}

uint32_t
pmem_alloc_contig(uint32_t n)
{
	return alloc_keeping(n, 0);
}

uint32_t
pmem_alloc(void)
{
	return alloc_keeping(1, 0);
}

uint32_t
pmem_reserve_pages(void)
{
	uint32_t r = pmem_stats.total_pages / 32;

	return r > 1024 ? r : 1024;
}

uint32_t
pmem_alloc_user(void)
{
	return alloc_keeping(1, pmem_reserve_pages());
}

/*
 * Holds: frames a transfer is using (userdma, IRIX's name: a process's
 * pages locked while a device reads or writes them).  A held frame that
 * its owner frees (a process that exits mid-transfer) stays allocated
 * until its last hold is released, so nothing can be given the frame
 * while the device still writes it.  A small open-addressed table,
 * keyed by frame number + 1 (0: empty; TOMB: deleted).
 */
#define PMEM_HOLDS 4096 /* frames held at once, at most */
#define TOMB	   0xFFFFFFFFu
static struct {
	uint32_t key;
	uint16_t holds;
	uint8_t freed; /* its owner freed it: free it at the last release */
} hold[PMEM_HOLDS];

/* The slot of frame f, or if absent (and insert) a free one; -1 if none. */
static int
hold_slot(uint32_t f, int insert)
{
	int spare = -1;

	for (uint32_t i = 0; i < PMEM_HOLDS; i++) {
		uint32_t k = ((f * 2654435761u) + i) % PMEM_HOLDS;
		if (hold[k].key == f + 1)
			return (int)k;
		if (hold[k].key == TOMB && spare < 0)
			spare = (int)k;
		if (!hold[k].key) {
			if (spare < 0)
				spare = (int)k;
			break;
		}
	}
	return insert ? spare : -1;
}

/* Hold the frame at pa for a transfer; 0, or ENOMEM if the table is full.
 * At any level. */
int
pmem_hold(uint32_t pa)
{
	uint32_t f = pa >> PAGE_SHIFT, flags = irq_save();

	if (f >= NFRAMES || !frame_used(f))
		panic("pmem_hold: frame %08x is not allocated", pa & ~0xFFFu);
	int k = hold_slot(f, 1);
	if (k >= 0) {
		if (hold[k].key != f + 1)
			hold[k].key = f + 1, hold[k].holds = 0,
			hold[k].freed = 0;
		if (hold[k].holds == 0xFFFF)
			panic("pmem_hold: frame %08x held 65535 times",
			      pa & ~0xFFFu);
		hold[k].holds++;
	}
	irq_restore(flags);
	return k >= 0 ? 0 : ENOMEM;
}

static void frame_free(uint32_t f);

/* Release a hold; the last one frees a frame its owner freed meanwhile. */
void
pmem_unhold(uint32_t pa)
{
	uint32_t f = pa >> PAGE_SHIFT, flags = irq_save();
	int k = hold_slot(f, 0);

	if (k < 0)
		panic("pmem_unhold: frame %08x is not held", pa & ~0xFFFu);
	if (--hold[k].holds == 0) {
		if (hold[k].freed)
			frame_free(f);
		hold[k].key = TOMB;
		/* tombstones before an empty slot end no probe: empty them,
		 * so that the table never fills with them */
		uint32_t i = (uint32_t)k;
		while (hold[(i + 1) % PMEM_HOLDS].key == 0 &&
		       hold[i].key == TOMB) {
			hold[i].key = 0;
			i = (i + PMEM_HOLDS - 1) % PMEM_HOLDS;
		}
	}
	irq_restore(flags);
}

int
pmem_held(uint32_t pa)
{
	uint32_t flags = irq_save();
	int k = hold_slot(pa >> PAGE_SHIFT, 0);
	irq_restore(flags);
	return k >= 0;
}

static void
frame_free(uint32_t f)
{
	frame_set(f, 0);
	pmem_stats.free_pages++;
	if (f < search_hint)
		search_hint = f;
}

void
pmem_free_contig(uint32_t pa, uint32_t n)
{
	if (pa & (PAGE_SIZE - 1))
		panic("pmem_free: %08x is not a frame address", pa);
	for (uint32_t f = pa >> PAGE_SHIFT; f < (pa >> PAGE_SHIFT) + n; f++) {
		uint32_t flags = irq_save(); /* (pmem_alloc_contig says why) */
		if (f >= NFRAMES || !frame_used(f))
			panic("pmem_free: frame %08x is not allocated",
			      f << PAGE_SHIFT);
		int k = hold_slot(f, 0);
		if (k >= 0) {
			if (hold[k].freed)
				panic("pmem_free: frame %08x freed twice "
				      "while held",
				      f << PAGE_SHIFT);
			hold[k].freed = 1; /* pmem_unhold frees it */
		} else {
			frame_free(f);
		}
		irq_restore(flags);
	}
}

void
pmem_free(uint32_t pa)
{
	pmem_free_contig(pa, 1);
}

int
pmem_is_free(uint32_t pa)
{
	return pa < PMEM_LIMIT && !frame_used(pa >> PAGE_SHIFT);
}
