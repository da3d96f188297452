/*
 * rtc.c: the MC146818 RTC's periodic interrupt on IRQ 8, an interrupt
 * source independent of the PIT at 2 to 8192 Hz and at any device level.
 * Tests and benchmarks use it as "a device interrupt" whose level and rate
 * they choose.  One user at a time.
 */
#include "rtc.h"

#include <stddef.h>

#include "cpu.h"
#include "errno.h"
#include "intr.h"
#include "pit_reg.h"
#include "string.h"

#define RTC_BASE_HZ 32768u

static struct {
	struct intrhand *ih; /* NULL when stopped */
	void (*fn)(void *);
	void *arg;
} rtc;

static uint8_t
cmos_read(uint8_t reg)
{
	outb(CMOS_ADDR, reg);
	return inb(CMOS_DATA);
}

static void
cmos_write(uint8_t reg, uint8_t v)
{
	outb(CMOS_ADDR, reg);
	outb(CMOS_DATA, v);
}

static uint32_t
cmos_digits(uint8_t v, int binary)
{
	return binary ? v : (v >> 4) * 10u + (v & 0x0F);
}

/* The date, read twice until both reads agree (an update may run
 * between the registers); days from the civil date by Howard Hinnant's
 * days_from_civil. */
uint32_t
rtc_unix_time(void)
{
	uint8_t r[6], again[6];
	static const uint8_t reg[6] = {RTC_SECONDS, RTC_MINUTES, RTC_HOURS,
				       RTC_DAY,	    RTC_MONTH,	 RTC_YEAR};

	for (int tries = 0; tries < 100; tries++) {
		/* an update takes under 2 ms: a bounded wait for its end */
		for (int n = 0; n < 100000 && cmos_read(RTC_STATUS_A) & RTC_UIP;
		     n++)
			;
		for (int i = 0; i < 6; i++)
			r[i] = cmos_read(reg[i]);
		for (int i = 0; i < 6; i++)
			again[i] = cmos_read(reg[i]);
		if (!memcmp(r, again, sizeof(r)))
			break;
	}
	uint8_t b = cmos_read(RTC_STATUS_B);
	int bin = b & RTC_BINARY;
	uint32_t hour = cmos_digits(r[2] & 0x7F, bin);
	if (!(b & RTC_24H) && (r[2] & 0x80))
		hour = hour % 12 + 12;
	else if (!(b & RTC_24H) && hour == 12)
		hour = 0;
	int y = 2000 + (int)cmos_digits(r[5], bin);
	uint32_t m = cmos_digits(r[4], bin), d = cmos_digits(r[3], bin);
	y -= m <= 2;
	uint32_t era = (uint32_t)y / 400, yoe = (uint32_t)y - era * 400;
	uint32_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	uint32_t days = era * 146097 + doe - 719468;
	return days * 86400 + hour * 3600 + cmos_digits(r[1], bin) * 60 +
	       cmos_digits(r[0], bin);
}

static int
rtc_intr(void *arg)
{
	(void)arg;
	/* Reading C acknowledges; until then the RTC raises no more. */
	if (!(cmos_read(RTC_STATUS_C) & RTC_PF))
		return 0;
	rtc.fn(rtc.arg);
	return 1;
}

/* Call fn(arg) at level ipl, hz times a second (a power of two). */
int
rtc_periodic_start(unsigned hz, int ipl, void (*fn)(void *), void *arg)
{
	unsigned rate = 1;

	while (rate < 16 && (RTC_BASE_HZ >> (rate - 1)) > hz)
		rate++;
	if (rtc.ih || rate < 3 || (RTC_BASE_HZ >> (rate - 1)) != hz)
		return rtc.ih ? EBUSY : EINVAL; /* 8192 Hz is the fastest */
	rtc.fn = fn;
	rtc.arg = arg;
	uint32_t fl = irq_save();
	cmos_write(RTC_STATUS_A,
		   (cmos_read(RTC_STATUS_A) & ~RTC_RATE_MASK) | rate);
	cmos_write(RTC_STATUS_B, cmos_read(RTC_STATUS_B) | RTC_PIE);
	cmos_read(RTC_STATUS_C); /* drop a stale flag */
	irq_restore(fl);
	rtc.ih = intr_establish(RTC_IRQ, ipl, rtc_intr, NULL, "rtc");
	return 0;
}

void
rtc_periodic_stop(void)
{
	if (!rtc.ih)
		return;
	uint32_t fl = irq_save();
	cmos_write(RTC_STATUS_B, cmos_read(RTC_STATUS_B) & ~RTC_PIE);
	cmos_read(RTC_STATUS_C);
	irq_restore(fl);
	intr_disestablish(rtc.ih);
	rtc.ih = NULL;
}
