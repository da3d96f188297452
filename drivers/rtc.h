/*
 * rtc.h: the CMOS real-time clock: its periodic interrupt, and the date
 * (rtc.c).
 */
#ifndef RTC_H
#define RTC_H

int rtc_periodic_start(unsigned hz, int ipl, void (*fn)(void *), void *arg);
void rtc_periodic_stop(void);

#include <stdint.h>

/* Seconds since 1970-01-01 00:00 UTC, read from the clock (the machine's
 * clock keeps UTC: QEMU's default). */
uint32_t rtc_unix_time(void);

#endif
