/*
 * debug.h: a driver's debug output, turned on per driver from the
 * kernel command line (debug=ide,ahci,rd).  Off, it costs one test of a
 * variable the branch predictor learns is zero; on, each line names the
 * device and what it did with which buf.
 *
 *	static int xx_debug;		   (in the driver's state)
 *	xx_debug = cmdline_opt_has("debug", "xx");   (at attach)
 *	DPRINTF(xx_debug, "%s: ...\n", ...);
 */
#ifndef DEBUG_H
#define DEBUG_H

#include "console.h"

#define DPRINTF(on, ...)                                                       \
	do {                                                                   \
		if (__builtin_expect((on) != 0, 0))                            \
			kprintf(__VA_ARGS__);                                  \
	} while (0)

#endif
