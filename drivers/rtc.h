/*
 * rtc.h: the CMOS real-time clock's periodic interrupt (rtc.c).
 */
#ifndef RTC_H
#define RTC_H

int rtc_periodic_start(unsigned hz, int ipl, void (*fn)(void *), void *arg);
void rtc_periodic_stop(void);

#endif
