/*
 * clock.h: system time in ticks of the PIT, and timeouts.
 *
 * HZ is 1000: a tick is a millisecond, fine enough for device watchdogs
 * and the RAM disk's simulated latency, and cheap enough under emulation.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

#define HZ 1000

struct timeout {
	struct timeout *next;
	uint64_t when; /* tick at which it fires */
	void (*fn)(void *arg);
	void *arg;
	int pending;
};

void clock_init(void);
uint64_t clock_ticks(void);
uint64_t clock_deadline_ms(uint32_t ms);
int clock_past(uint64_t deadline);
uint64_t clock_ticks_recovered(void);
uint64_t clock_ticks_due(void);
uint64_t clock_uptime_ms(void);
uint64_t clock_tsc_hz(void);
uint32_t clock_unix_time(void); /* seconds since 1970 (UTC) */
uint64_t clock_cycles_to_ns(uint64_t cycles);
void clock_delay_ms(uint32_t ms);

void timeout_set(struct timeout *t, void (*fn)(void *), void *arg);
void timeout_add(struct timeout *t, uint32_t ticks);
int timeout_del(struct timeout *t);

#endif
