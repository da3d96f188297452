/*
 * vm.h: paging.  The kernel runs identity-mapped: virtual = physical,
 * but for the frame window, where frames from anywhere (a process's
 * pages, say) are mapped side by side: contiguous to the CPU, scattered
 * to a DMA engine, which must be told each frame (vm_phys).
 */
#ifndef VM_H
#define VM_H

#include <stdint.h>

#define PTE_P	0x001 /* present */
#define PTE_W	0x002 /* writable */
#define PTE_PWT 0x008 /* write-through */
#define PTE_PCD 0x010 /* cache disabled */

void vm_init(void);
void *vm_map_mmio(uint32_t pa, uint32_t len);
int vm_is_mapped(uint32_t va);
uint32_t vm_pte(uint32_t va);
void vm_unmap_page(uint32_t va);
void vm_map_page(uint32_t va);

#define VM_WINDOW_PAGES 4096 /* 16 MiB of addresses for mapped frames */
void *vm_window_map(const uint32_t *frames, int n);
void vm_window_unmap(void *va, int n);
int vm_in_window(const void *va);
uint32_t vm_phys(const void *va);

#endif
