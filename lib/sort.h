/*
 * sort.h: in-place sorting for benchmark samples.
 */
#ifndef LIB_SORT_H
#define LIB_SORT_H

#include <stddef.h>
#include <stdint.h>

void sort_u32(uint32_t *a, size_t n);

#endif
