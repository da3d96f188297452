/*
 * userdma.h: a process's buffer made ready for a transfer by DMA, and
 * released after it (IRIX userdma/undma, ../shared/seeds/).
 */
#ifndef USERDMA_H
#define USERDMA_H

#include <stddef.h>
#include <stdint.h>

#define UDMA_MAX (1024 * 1024) /* bytes one userdma may lock */

struct proc;

struct udma {
	char *kva;	  /* the buffer, as the kernel and drivers see it */
	uint32_t *frames; /* its frames, held */
	int npages;
	struct proc *owner; /* whose share of holds it counts in */
	int owner_pid;	    /* (the slot may be another's by undma) */
};

/* Lock the running process's [uaddr, uaddr+len) (len <= UDMA_MAX) for a
 * transfer: EFAULT unless it is all the process's (and writable, for a
 * read from the device: to_memory).  Its frames are held (they cannot be
 * freed or reused, even if the process exits, until undma) and mapped
 * side by side in the frame window, where drivers find them frame by
 * frame (dma.h): contiguous to the CPU, scattered to the disk.  EAGAIN
 * if the process would hold more than its share (PROC_HOLDS frames) or
 * the table of holds is full. */
int userdma(void *uaddr, size_t len, int to_memory, struct udma *u);
void undma(struct udma *u);

#endif
