/*
 * attach.c: failures injected into drivers' attach paths, and the audit
 * of what a failed attach kept (attach.h).
 *
 * The audit reads the allocators' own counts, so it needs no help from
 * the driver it checks: an attach that fails at a step must leave
 * kmalloc's bytes in use and pmem's free frames as it found them (frames
 * kmalloc took for its size classes are its own, kept by design).
 * Attach runs at boot, one driver at a time, with nothing else
 * allocating, so the difference is the driver's.
 */
#include "attach.h"

#include <stddef.h>

#include "cmdline_opt.h"
#include "console.h"
#include "kmalloc.h"
#include "pmem.h"
#include "printf.h"

void
attach_audit_start(struct attach_audit *a)
{
	a->bytes = kmalloc_stats.bytes_in_use;
	a->free_frames = pmem_stats.free_pages;
	a->class_frames = kmalloc_stats.class_pages;
	a->failed = NULL;
}

/* Whether step `step` of driver `drv` is to fail (attachfail=drv.step);
 * if so the audit remembers it. */
int
attach_fail(struct attach_audit *a, const char *drv, const char *step)
{
	char word[32];

	snprintf(word, sizeof(word), "%s.%s", drv, step);
	if (!cmdline_opt_has("attachfail", word))
		return 0;
	a->failed = step;
	return 1;
}

/* After a unit's attach: if a step was made to fail, what its unwinding
 * kept. */
void
attach_audit_end(const struct attach_audit *a, const char *who)
{
	if (!a->failed)
		return;
	int32_t bytes = (int32_t)(kmalloc_stats.bytes_in_use - a->bytes);
	int32_t frames = (int32_t)(a->free_frames - pmem_stats.free_pages) -
			 (int32_t)(kmalloc_stats.class_pages - a->class_frames);
	kprintf("%s: attach failed at %s (attachfail): unwound, %d bytes and "
		"%d frames kept\n",
		who, a->failed, (int)bytes, (int)frames);
}
