/*
 * dma.h: a buffer as the physical runs a DMA engine is told (dma.c).
 */
#ifndef DMA_H
#define DMA_H

#include <stdint.h>

struct dma_runs {
	const uint8_t *va; /* what is left of the buffer */
	uint32_t left;
	uint32_t max;	   /* bytes one run may have */
	uint32_t boundary; /* a power of two no run may cross; 0: none */
};

void dma_runs_init(struct dma_runs *r, const void *va, uint32_t len,
		   uint32_t max, uint32_t boundary);
int dma_run_next(struct dma_runs *r, uint32_t *pa, uint32_t *len);
uint32_t dma_phys(const void *va);

#endif
