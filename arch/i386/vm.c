/*
 * vm.c: two-level i386 paging with 4 KiB pages everywhere, so single pages
 * can be unmapped: page 0 (a NULL dereference faults) and, later, thread
 * stack guard pages.  RAM up to pmem's ram_top is identity-mapped and
 * cached; device memory is mapped on request, uncached (PCD|PWT), since a
 * cached device register would return stale values and merge writes.
 */
#include "vm.h"

#include "cpu.h"
#include "panic.h"
#include "pmem.h"
#include "string.h"
#include "trap.h"

#define CR0_WP 0x00010000 /* honour read-only pages in ring 0 too */
#define CR0_PG 0x80000000 /* paging on */

#define PDX(va) ((va) >> 22)
#define PTX(va) (((va) >> 12) & 0x3FF)

extern char boot_stack_guard[];

static uint32_t *pgdir; /* the one page directory, all threads share it */

/* The frame window: addresses above RAM (where nothing is identity
 * mapped: vm_map_mmio refuses them), its page tables made at boot so
 * that mapping a frame never allocates; one byte a page, 1 if used. */
#define WINDOW_ALIGN (4u << 20) /* one page table's reach */
static uint32_t window_base;
static uint8_t window_used[VM_WINDOW_PAGES];

/* The page table entry for va, allocating its page table if asked. */
static uint32_t *
pte_find(uint32_t va, int alloc)
{
	uint32_t *pde = &pgdir[PDX(va)];

	if (!(*pde & PTE_P)) {
		if (!alloc)
			return NULL;
		uint32_t pt = pmem_alloc();
		if (!pt)
			panic("vm: out of memory for a page table (va %08x)",
			      va);
		memset((void *)pt, 0, PAGE_SIZE);
		*pde = pt | PTE_P | PTE_W;
	}
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
			 : "r"(pgdir), "i"(CR0_PG | CR0_WP)
			 : "eax", "memory");
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

	for (int i = 0; i < VM_WINDOW_PAGES && n > 0; i++) {
		run = window_used[i] ? 0 : run + 1;
		if (run == n) {
			at = i - n + 1;
			break;
		}
	}
	if (at >= 0)
		memset(&window_used[at], 1, (size_t)n);
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
