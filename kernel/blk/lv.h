/*
 * lv.h: logical volumes (lv.c): concatenations, stripes and mirrors of
 * disks, partitions or other volumes, each a block device of its own.
 */
#ifndef LV_H
#define LV_H

#include "bdev.h"

#define MAJOR_LV 5
#define LV_MAX	 8 /* volumes */
#define LV_LEGS	 8 /* devices of a volume; a mirror has 2 or 3 */

enum lv_type { LV_CONCAT, LV_STRIPE, LV_MIRROR };

#define LV_CLEAN 0x1 /* a mirror's legs are the same already: no resync */

/* Make volume `name` of `type` over the devices named in devs[0..n-1];
 * chunk (stripes) in bytes, 0 for the default.  0, or an errno with the
 * reason printed ("lv: m0: EBUSY: sd1 is in use by st0"), nothing
 * changed.  A mirror's legs after the first are then rebuilt from it in
 * the background, unless LV_CLEAN.  Sleeps. */
int lv_create(const char *name, int type, char *const devs[], int n,
	      uint32_t chunk, int flags);
/* One creation option, "chunk=SIZE" or "clean", into *chunk or *flags:
 * 0, or EINVAL. */
int lv_option(const char *opt, uint32_t *chunk, int *flags);
/* Remove a volume nobody uses: its cache flushed and forgotten. */
int lv_remove(const char *name);
/* Rebuild a mirror's failed legs from a healthy one while I/O goes on;
 * with `old`, put device `new` in old's place first.  Returns once the
 * rebuild has started (lv_resync_wait waits for it). */
int lv_resync(const char *name, const char *old, const char *new);
int lv_resync_wait(const char *name);
/* Mark a mirror's leg failed by hand (mdadm --fail): writes stop going
 * to it until lv_resync rebuilds it.  Never the last healthy leg. */
int lv_fail(const char *name, const char *leg);
/* Ticks a rebuild waits between reading a stretch and writing it: for
 * the tests, which widen the moment a write could fall into.  0. */
extern uint32_t lv_sync_pause;

/* Every lv= option of the command line: lv=NAME:TYPE:DEV,DEV[:chunk=SIZE]
 * [:clean]. */
void lv_init(void);

/* For the shell and the tests: what a volume is and how it is. */
struct lv_info {
	const char *name;
	int type, nlegs;
	uint32_t chunk; /* bytes */
	uint64_t nblocks;
	const char *leg[LV_LEGS];
	const char *leg_state[LV_LEGS]; /* "ok", "failed", "resync" */
	uint64_t leg_errors[LV_LEGS];
	uint64_t sync_done, sync_total;	  /* blocks rebuilt, of */
	uint64_t requests, pieces, waits; /* since creation */
};
int lv_info(int i, struct lv_info *out); /* 0 when the slot is empty */
const char *lv_type_name(int type);
int lv_type_parse(const char *s);

#endif
