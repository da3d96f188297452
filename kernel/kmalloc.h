/*
 * kmalloc.h: memory for kernel objects.
 */
#ifndef KMALLOC_H
#define KMALLOC_H

#include <stddef.h>
#include <stdint.h>

void kmalloc_init(void);
void *kmalloc(size_t n);
void *kzalloc(size_t n);
void kfree(void *p);

extern struct kmalloc_stats {
	uint32_t bytes_in_use; /* rounded sizes of live allocations */
	uint32_t class_pages;  /* pages carved into size classes: kept */
	uint32_t allocs, frees;
} kmalloc_stats;

#endif
