/*
 * pmem.h: the physical page frame allocator.
 */
#ifndef PMEM_H
#define PMEM_H

#include <stdint.h>

#define PAGE_SIZE  4096
#define PAGE_SHIFT 12

struct multiboot_info;

void pmem_init(const struct multiboot_info *mbi);
uint32_t pmem_alloc(void);
uint32_t pmem_alloc_contig(uint32_t n);
/* A frame for a process's own pages: 0 once only the kernel's reserve
 * (pmem_reserve_pages) is left free, so the kernel, the shell and the
 * block layer always have memory whatever processes take. */
uint32_t pmem_alloc_user(void);
uint32_t pmem_reserve_pages(void);
void pmem_free(uint32_t pa);
void pmem_free_contig(uint32_t pa, uint32_t n);
int pmem_is_free(uint32_t pa);
int pmem_hold(uint32_t pa);
void pmem_unhold(uint32_t pa);
int pmem_held(uint32_t pa);

extern struct pmem_stats {
	uint32_t ram_top;     /* end of the highest usable RAM we map */
	uint32_t total_pages; /* usable RAM frames the BIOS reported */
	uint32_t free_pages;
	uint32_t kernel_pages; /* the image, boot tables and modules */
} pmem_stats;

#endif
