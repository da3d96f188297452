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
#define PTE_U	0x004 /* ring 3 may use it */
#define PTE_PWT 0x008 /* write-through */
#define PTE_PCD 0x010 /* cache disabled */

/* A process's addresses: 768 MiB above the kernel's identity map (RAM is
 * used up to PMEM_LIMIT, below them) and below the devices' (PCI's
 * memory hole starts at 0xB0000000 or later on the PCs QEMU makes). */
#define USER_BASE 0x80000000u
#define USER_TOP  0xB0000000u

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

/*
 * Address spaces: each process has a page directory of its own, whose
 * kernel half is the kernel's (the same page tables, kept the same when
 * the kernel adds one) and whose user range holds its pages, mapped
 * PTE_U.  Kernel threads run in whichever space was last loaded (they
 * touch no user addresses), so switching to one costs no CR3 load.
 */
struct vmspace {
	uint32_t *pgdir;
	uint32_t pages; /* user pages mapped */
	struct vmspace *next;
};

struct vmspace *vm_space_create(void);
void vm_space_destroy(struct vmspace *vs);
int vm_space_map(struct vmspace *vs, uint32_t va, uint32_t pa, int writable);
/* A zeroed frame for a page of vs: 0 (ENOMEM) once vs has its share, half
 * of RAM, or only the kernel's reserve is left (pmem_alloc_user). */
uint32_t vm_space_frame(const struct vmspace *vs);
uint32_t vm_space_pte(const struct vmspace *vs, uint32_t va);
void vm_space_unmap(struct vmspace *vs, uint32_t va); /* frees the frame */
void vm_space_activate(const struct vmspace *vs);
/* [va, va+len) lies in the user range and every page of it is mapped
 * for ring 3 in vs (and writable, if asked) */
int vm_user_ok(const struct vmspace *vs, uint32_t va, uint32_t len, int write);

#endif
