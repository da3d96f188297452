/*
 * dma.c: a buffer as the physical runs a DMA engine is told, for the
 * scatter/gather tables of the controllers (IDE's PRD table, AHCI's
 * PRDT; NVMe's PRP lists take a page at a time, dma_phys).  Most of the kernel's memory is identity-mapped, one run; a
 * buffer in the frame window (vm.h) is contiguous only to the CPU, and
 * each of its frames may lie anywhere, so the runs follow the page
 * tables, frames that happen to be adjacent joined into one.  A run is
 * also cut at the controller's limits: its length (max) and the
 * addresses it may not cross (boundary: 64 KiB for IDE).
 */
#include "dma.h"

#include "panic.h"
#include "pmem.h"
#include "vm.h"

void
dma_runs_init(struct dma_runs *r, const void *va, uint32_t len, uint32_t max,
	      uint32_t boundary)
{
	r->va = va;
	r->left = len;
	r->max = max;
	r->boundary = boundary;
}

/* The physical address of the byte at va of a DMA buffer (NVMe's PRP
 * entries name one page each). */
uint32_t
dma_phys(const void *va)
{
	if (!vm_in_window(va))
		return (uint32_t)va;
	uint32_t pa = vm_phys(va);
	if (!pa)
		panic("dma: %p is in the frame window but not mapped", va);
	return pa;
}

/* Bytes from va on that are physically contiguous (at most left), and
 * where they start. */
static uint32_t
contiguous(const uint8_t *va, uint32_t left, uint32_t *pa)
{
	if (!vm_in_window(va)) {
		*pa = (uint32_t)va;
		return left;
	}
	*pa = dma_phys(va);
	uint32_t n = PAGE_SIZE - ((uint32_t)va & (PAGE_SIZE - 1));
	while (n < left && vm_phys(va + n) == *pa + n)
		n += PAGE_SIZE;
	return n < left ? n : left;
}

/* The next run: 1 and its address and length, or 0 when none is left. */
int
dma_run_next(struct dma_runs *r, uint32_t *pa, uint32_t *len)
{
	if (!r->left)
		return 0;
	uint32_t n = contiguous(r->va, r->left, pa);
	if (n > r->max)
		n = r->max;
	if (r->boundary) {
		uint32_t room = r->boundary - (*pa & (r->boundary - 1));
		if (n > room)
			n = room;
	}
	r->va += n;
	r->left -= n;
	*len = n;
	return 1;
}
