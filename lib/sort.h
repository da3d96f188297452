/*
 * sort.h: in-place sorting (heapsort) for benchmark samples and the
 * cache's dirty buffers.
 */
#ifndef LIB_SORT_H
#define LIB_SORT_H

#include <stddef.h>
#include <stdint.h>

/* a[0..n) of size bytes each, in the order less() says */
void sort(void *base, size_t n, size_t size,
	  int (*less)(const void *, const void *));
void sort_u32(uint32_t *a, size_t n);

#endif
