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
