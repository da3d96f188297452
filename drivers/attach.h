/*
 * attach.h: what every driver's attach path shares besides ata.c's disk
 * policy: a way into its error paths, and a check that they undo what
 * they did.
 *
 * attachfail=DRV.STEP[,DRV.STEP...] on the command line makes the named
 * step of a driver's attach fail as if the hardware or the allocator had
 * failed it (the steps each driver offers are in its attach path and in
 * the README).  A driver brackets each unit's attach with an audit; when
 * a step was made to fail, the audit says what the unwinding left
 * behind, in the kernel heap and in page frames: 0 bytes and 0 frames,
 * or the driver leaks.
 */
#ifndef ATTACH_H
#define ATTACH_H

#include <stdint.h>

struct attach_audit {
	uint32_t bytes;	       /* kmalloc's bytes in use at the start */
	uint32_t free_frames;  /* and pmem's free frames */
	uint32_t class_frames; /* and the frames kmalloc keeps for itself */
	const char *failed;    /* the step made to fail, or NULL */
};

void attach_audit_start(struct attach_audit *a);
int attach_fail(struct attach_audit *a, const char *drv, const char *step);
void attach_audit_end(const struct attach_audit *a, const char *who);

#endif
