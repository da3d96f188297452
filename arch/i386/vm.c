/*
 * vm.c: two-level i386 paging with 4 KiB pages everywhere, so single pages
 * can be unmapped: page 0 (a NULL dereference faults) and thread stack
 * guard pages.  A process's space (vm.h) adds its own pages in the user
 * range to a copy of the kernel's page directory.  RAM up to pmem's ram_top is identity-mapped and
 * cached; device memory is mapped on request, uncached (PCD|PWT), since a
 * cached device register would return stale values and merge writes.
 *
 * Protection: the list of spaces, the kernel's page directory entries
 * (pte_find) and the frame window's slots are changed with interrupts
 * off; a process's own space is changed only by its one thread (and at
 * its exit, when that thread is done with it).  A process's frames come
 * from vm_space_frame: at most half of RAM each, and never the kernel's
 * reserve (pmem_alloc_user).
 */
#include "vm.h"

#include "cpu.h"
#include "errno.h"
#include "kmalloc.h"
#include "panic.h"
#include "pmem.h"
#include "string.h"
#include "trap.h"

#define CR0_EM                                                                 \
	0x00000004	  /* no x87: its state is not switched, so a
			    process that uses it faults (#NM) instead of
			    seeing another's registers */
#define CR0_WP 0x00010000 /* honour read-only pages in ring 0 too */
#define CR0_AM                                                                 \
	0x00040000	  /* a program that sets EFLAGS.AC gets #AC for an
			    unaligned access (SIGBUS), as on Linux; ring 0
			    is never checked */
#define CR0_PG 0x80000000 /* paging on */

#define PDX(va) ((va) >> 22)
#define PTX(va) (((va) >> 12) & 0x3FF)

extern char boot_stack_guard[];

static uint32_t *pgdir;	       /* the kernel's page directory */
static const uint32_t *cr3;    /* the one loaded */
static struct vmspace *spaces; /* every process's, to copy kernel PDEs to */

/* The frame window: addresses above RAM (where nothing is identity
 * mapped: vm_map_mmio refuses them), its page tables made at boot so
 * that mapping a frame never allocates; one byte a page, 1 if used. */
#define WINDOW_ALIGN (4u << 20) /* one page table's reach */
static uint32_t window_base;
static uint8_t window_used[VM_WINDOW_PAGES];
static int window_next; /* where the last mapping ended: next fit */

/* The page table entry for va, allocating its page table if asked. */
static uint32_t *
pte_find(uint32_t va, int alloc)
{
	uint32_t *pde = &pgdir[PDX(va)];
	/* the test and the new table's entry are one step: two threads
	 * mapping in one 4 MiB would each put in a table of their own */
	uint32_t f = irq_save();

	if (!(*pde & PTE_P)) {
		if (!alloc) {
			irq_restore(f);
			return NULL;
		}
		if (va - USER_BASE < USER_TOP - USER_BASE)
			panic("vm: the kernel maps %08x, in the user range",
			      va);
		uint32_t pt = pmem_alloc();
		if (!pt)
			panic("vm: out of memory for a page table (va %08x)",
			      va);
		memset((void *)pt, 0, PAGE_SIZE);
		*pde = pt | PTE_P | PTE_W;
		/* every space shares the kernel's page tables */
		for (struct vmspace *vs = spaces; vs; vs = vs->next)
			vs->pgdir[PDX(va)] = *pde;
	}
	irq_restore(f);
	return &((uint32_t *)(*pde & ~0xFFFu))[PTX(va)];
}

void
vm_init(void)
{
	pgdir = (uint32_t *)pmem_alloc();
	if (!pgdir)
		panic("vm_init: no frame for the page directory");
	memset(pgdir, 0, PAGE_SIZE);
	for (uint32_t va = PAGE_SIZE; va < pmem_stats.ram_top; va += PAGE_SIZE)
		*pte_find(va, 1) = va | PTE_P | PTE_W;

	__asm__ volatile("mov %0, %%cr3\n\t"
			 "mov %%cr0, %%eax\n\t"
			 "or %1, %%eax\n\t"
			 "mov %%eax, %%cr0"
			 :
			 : "r"(pgdir), "i"(CR0_PG | CR0_WP | CR0_EM | CR0_AM)
			 : "eax", "memory");
	cr3 = pgdir;
	tss_set_cr3((uint32_t)pgdir);
	vm_unmap_page((uint32_t)boot_stack_guard);
	window_base =
		(pmem_stats.ram_top + WINDOW_ALIGN - 1) & ~(WINDOW_ALIGN - 1);
	for (uint32_t i = 0; i < VM_WINDOW_PAGES; i += 1024)
		pte_find(window_base + i * PAGE_SIZE, 1);
}

int
vm_in_window(const void *va)
{
	return (uint32_t)va - window_base < VM_WINDOW_PAGES * PAGE_SIZE;
}

/* Map frames[0..n) side by side in the window; their address, or NULL
 * if the window has no n pages free together.  At any level. */
void *
vm_window_map(const uint32_t *frames, int n)
{
	uint32_t f = irq_save();
	int run = 0, at = -1;

	/* next fit: from where the last one ended, then from the start
	 * (mappings come and go in order: the first place usually fits) */
	for (int pass = 0; pass < 2 && at < 0 && n > 0; pass++) {
		int from = pass ? 0 : window_next;
		run = 0;
		for (int i = from; i < VM_WINDOW_PAGES; i++) {
			run = window_used[i] ? 0 : run + 1;
			if (run == n) {
				at = i - n + 1;
				break;
			}
		}
	}
	if (at >= 0) {
		memset(&window_used[at], 1, (size_t)n);
		window_next = at + n;
	}
	irq_restore(f);
	if (at < 0)
		return NULL;
	uint32_t va = window_base + (uint32_t)at * PAGE_SIZE;
	for (int i = 0; i < n; i++) {
		uint32_t pa = frames[i] & ~0xFFFu;
		if (!pa || pa >= pmem_stats.ram_top)
			panic("vm_window_map: frame %08x is not RAM",
			      frames[i]);
		*pte_find(va + (uint32_t)i * PAGE_SIZE, 0) = pa | PTE_P | PTE_W;
		invlpg(va + (uint32_t)i * PAGE_SIZE);
	}
	return (void *)va;
}

void
vm_window_unmap(void *va, int n)
{
	uint32_t first = ((uint32_t)va - window_base) / PAGE_SIZE;

	if (!vm_in_window(va) || (uint32_t)va % PAGE_SIZE ||
	    first + (uint32_t)n > VM_WINDOW_PAGES)
		panic("vm_window_unmap: %p (%d pages) is not in the window", va,
		      n);
	for (int i = 0; i < n; i++) {
		uint32_t p = (uint32_t)va + (uint32_t)i * PAGE_SIZE;
		if (!window_used[first + (uint32_t)i])
			panic("vm_window_unmap: %08x is not mapped", p);
		*pte_find(p, 0) = 0;
		invlpg(p);
	}
	uint32_t f = irq_save();
	memset(&window_used[first], 0, (size_t)n);
	irq_restore(f);
}

/* The physical address behind va, by the page tables; 0 if none. */
uint32_t
vm_phys(const void *va)
{
	uint32_t pte = vm_pte((uint32_t)va);

	return pte & PTE_P ? (pte & ~0xFFFu) | ((uint32_t)va & 0xFFFu) : 0;
}

/* Identity-map [pa, pa+len) uncached and return it as a pointer. */
void *
vm_map_mmio(uint32_t pa, uint32_t len)
{
	uint32_t end = pa + len;

	if (pa < window_base + VM_WINDOW_PAGES * PAGE_SIZE &&
	    end > window_base && window_base)
		panic("vm_map_mmio: device memory %08x..%08x falls in the "
		      "frame "
		      "window at %08x",
		      pa, end, window_base);
	if (pa < USER_TOP && end > USER_BASE)
		panic("vm_map_mmio: device memory %08x..%08x falls in the "
		      "processes' range %08x..%08x",
		      pa, end, USER_BASE, USER_TOP);
	for (uint32_t va = pa & ~0xFFFu; va < end && va >= (pa & ~0xFFFu);
	     va += PAGE_SIZE) {
		*pte_find(va, 1) = va | PTE_P | PTE_W | PTE_PCD | PTE_PWT;
		invlpg(va);
	}
	return (void *)pa;
}

uint32_t
vm_pte(uint32_t va)
{
	uint32_t *pte = pte_find(va, 0);

	return pte ? *pte : 0;
}

int
vm_is_mapped(uint32_t va)
{
	return pgdir && (vm_pte(va) & PTE_P);
}

void
vm_unmap_page(uint32_t va)
{
	uint32_t *pte = pte_find(va, 0);

	if (pte) {
		*pte = 0;
		invlpg(va);
	}
}

/* Restore the identity mapping of one RAM page (undoes vm_unmap_page). */
void
vm_map_page(uint32_t va)
{
	va &= ~0xFFFu;
	*pte_find(va, 1) = va | PTE_P | PTE_W;
	invlpg(va);
}

/* --- address spaces --- */

struct vmspace *
vm_space_create(void)
{
	struct vmspace *vs = kzalloc(sizeof(*vs));

	if (!vs)
		return NULL;
	vs->pgdir = (uint32_t *)pmem_alloc();
	if (!vs->pgdir) {
		kfree(vs);
		return NULL;
	}
	uint32_t f = irq_save();
	memcpy(vs->pgdir, pgdir, PAGE_SIZE); /* the user range is empty */
	vs->next = spaces;
	spaces = vs;
	irq_restore(f);
	return vs;
}

/* Free vs's pages (a frame held for a transfer stays until its release:
 * pmem.c), page tables and directory. */
void
vm_space_destroy(struct vmspace *vs)
{
	uint32_t f = irq_save();
	struct vmspace **pp = &spaces;

	while (*pp != vs)
		pp = &(*pp)->next;
	*pp = vs->next;
	if (cr3 == vs->pgdir)
		vm_space_activate(NULL);
	irq_restore(f);
	for (uint32_t d = PDX(USER_BASE); d < PDX(USER_TOP); d++) {
		if (!(vs->pgdir[d] & PTE_P))
			continue;
		uint32_t *pt = (uint32_t *)(vs->pgdir[d] & ~0xFFFu);
		for (int i = 0; i < 1024; i++)
			if (pt[i] & PTE_P)
				pmem_free(pt[i] & ~0xFFFu);
		pmem_free((uint32_t)pt);
	}
	pmem_free((uint32_t)vs->pgdir);
	kfree(vs);
}

uint32_t
vm_space_frame(const struct vmspace *vs)
{
	if (vs->pages >= pmem_stats.total_pages / 2)
		return 0;
	uint32_t f = pmem_alloc_user();
	if (f)
		memset((void *)f, 0, PAGE_SIZE);
	return f;
}

/* Map the frame pa at va (page-aligned, in the user range) for ring 3. */
int
vm_space_map(struct vmspace *vs, uint32_t va, uint32_t pa, int writable)
{
	if (va % PAGE_SIZE || va - USER_BASE >= USER_TOP - USER_BASE)
		return EINVAL;
	uint32_t *pde = &vs->pgdir[PDX(va)];
	if (!(*pde & PTE_P)) {
		uint32_t pt = pmem_alloc_user(); /* (the process's, too) */
		if (!pt)
			return ENOMEM;
		memset((void *)pt, 0, PAGE_SIZE);
		*pde = pt | PTE_P | PTE_W | PTE_U;
	}
	uint32_t *pte = &((uint32_t *)(*pde & ~0xFFFu))[PTX(va)];
	if (!(*pte & PTE_P))
		vs->pages++;
	*pte = pa | PTE_P | PTE_U | (writable ? PTE_W : 0);
	if (cr3 == vs->pgdir)
		invlpg(va);
	return 0;
}

void
vm_space_unmap(struct vmspace *vs, uint32_t va)
{
	uint32_t pde = vs->pgdir[PDX(va)];

	if (!(pde & PTE_P))
		return;
	uint32_t *pte = &((uint32_t *)(pde & ~0xFFFu))[PTX(va)];
	if (!(*pte & PTE_P))
		return;
	uint32_t frame = *pte & ~0xFFFu;
	*pte = 0;
	vs->pages--;
	if (cr3 == vs->pgdir)
		invlpg(va);
	pmem_free(frame); /* held by a transfer: freed at its release */
}

uint32_t
vm_space_pte(const struct vmspace *vs, uint32_t va)
{
	uint32_t pde = vs->pgdir[PDX(va)];

	if (!(pde & PTE_P))
		return 0;
	return ((const uint32_t *)(pde & ~0xFFFu))[PTX(va)];
}

/* Load vs's page directory (NULL: the kernel's), if it is not loaded. */
void
vm_space_activate(const struct vmspace *vs)
{
	const uint32_t *pd = vs ? vs->pgdir : pgdir;

	if (pd != cr3) {
		cr3 = pd;
		__asm__ volatile("mov %0, %%cr3" : : "r"(pd) : "memory");
	}
}

int
vm_user_ok(const struct vmspace *vs, uint32_t va, uint32_t len, int write)
{
	uint32_t need = PTE_P | PTE_U | (write ? PTE_W : 0);

	if (!vs || va < USER_BASE || va > USER_TOP || len > USER_TOP - va)
		return 0;
	if (!len)
		return 1;
	for (uint32_t p = va & ~0xFFFu; p < va + len; p += PAGE_SIZE)
		if ((vm_space_pte(vs, p) & need) != need)
			return 0;
	return 1;
}
