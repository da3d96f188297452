/* time.h: clock_gettime (CLOCK_MONOTONIC: since boot) */
#ifndef USER_TIME_H
#define USER_TIME_H
#include "syscall.h"
int clock_gettime(int clock, struct timespec *ts);
#endif
