/*
 * userdma.c: userdma and undma (userdma.h).  IRIX's userdma locks the
 * pages in memory; here a process's pages are never paged out, so what
 * must be prevented is their being freed (the process exits, a kill)
 * and handed to someone else while the disk still writes into them:
 * pmem holds do that.  The kernel reaches the buffer through the frame
 * window, not the process's own addresses, because a completion may run
 * while another process's space is loaded.
 *
 * A process may hold PROC_HOLDS frames at most (a quarter of the table):
 * one that starts many large aio transfers on a slow disk leaves the
 * rest to the others.  Its count (struct proc's held) is changed with
 * interrupts off: undma runs at INTIODONE, maybe after the process ended,
 * when the count is no longer its (owner_pid tells).
 */
#include "userdma.h"

#include "cpu.h"
#include "proc/copy.h"
#include "proc/proc.h"
#include "errno.h"
#include "kmalloc.h"
#include "pmem.h"
#include "thread.h"
#include "vm.h"

/* u's frames leave its owner's share of holds */
static void
share_put(struct udma *u)
{
	if (!u->owner)
		return;
	uint32_t fl = irq_save();
	if (u->owner->pid == u->owner_pid && u->owner->state != P_FREE)
		u->owner->held -= (uint32_t)u->npages;
	irq_restore(fl);
	u->owner = NULL;
}

int
userdma(void *uaddr, size_t len, int to_memory, struct udma *u)
{
	uint32_t va = (uint32_t)uaddr & ~0xFFFu;

	if (len > UDMA_MAX || !useracc(uaddr, len, to_memory))
		return EFAULT;
	u->npages =
		(int)(((uint32_t)uaddr + len - va + PAGE_SIZE - 1) / PAGE_SIZE);
	if (!len)
		u->npages = 0;
	u->owner = curthread->proc;
	if (u->owner) {
		uint32_t fl = irq_save();
		int over = u->owner->held + (uint32_t)u->npages > PROC_HOLDS;
		if (!over)
			u->owner->held += (uint32_t)u->npages;
		u->owner_pid = u->owner->pid;
		irq_restore(fl);
		if (over) {
			u->owner = NULL; /* (nothing of its share taken) */
			return EAGAIN;
		}
	}
	u->frames = kmalloc((size_t)(u->npages ? u->npages : 1) * 4);
	if (!u->frames) {
		share_put(u);
		return ENOMEM;
	}
	for (int i = 0; i < u->npages; i++) {
		u->frames[i] = vm_space_pte(curthread->space,
					    va + (uint32_t)i * PAGE_SIZE) &
			       ~0xFFFu;
		if (pmem_hold(u->frames[i])) { /* the table is full */
			while (--i >= 0)
				pmem_unhold(u->frames[i]);
			kfree(u->frames);
			share_put(u);
			return EAGAIN;
		}
	}
	char *w = NULL;
	/* the window is shared: wait for room (others' transfers end) */
	while (u->npages && !(w = vm_window_map(u->frames, u->npages)))
		tsleep(&u->frames, "window", 1);
	u->kva = w ? w + ((uint32_t)uaddr & 0xFFF) : NULL;
	return 0;
}

void
undma(struct udma *u)
{
	if (u->npages)
		vm_window_unmap((void *)((uint32_t)u->kva & ~0xFFFu),
				u->npages);
	for (int i = 0; i < u->npages; i++)
		pmem_unhold(u->frames[i]);
	kfree(u->frames);
	u->frames = NULL;
	share_put(u);
}
