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
}

/* Identity-map [pa, pa+len) uncached and return it as a pointer. */
void *
vm_map_mmio(uint32_t pa, uint32_t len)
{
	uint32_t end = pa + len;

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
