/* time.h: clock_gettime (CLOCK_MONOTONIC: since boot) */
#ifndef USER_TIME_H
#define USER_TIME_H
#include <stdint.h>

#include "syscall.h"
int clock_gettime(int clock, struct timespec *ts);
/* Sleep for *req at least (whole milliseconds); a kill ends the sleep
 * and the process, so rem, POSIX's time left after a signal handler,
 * is never written */
int nanosleep(const struct timespec *req, struct timespec *rem);

/* The CPU's time-stamp counter, which ring 3 may read (CR4.TSD is
 * clear): cycles, as the kernel's benches count them */
static inline uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}
#endif
