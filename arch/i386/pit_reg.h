/*
 * pit_reg.h: the Intel 8253/8254 programmable interval timer and the
 * MC146818 CMOS real-time clock, the PC's two timekeepers.  Each
 * register's bits are indented under it (hence clang-format off).
 */
#ifndef PIT_REG_H
#define PIT_REG_H

/* clang-format off */
#define PIT_CH0		0x40	/* channel 0 data: wired to IRQ 0 */
#define PIT_MODE	0x43	/* mode/command register */
#define  PIT_SEL_CH0	0x00	/*   select channel 0 */
#define  PIT_LOHI	0x30	/*   access: low byte, then high byte */
#define  PIT_MODE_RATE	0x04	/*   mode 2: rate generator */
#define PIT_CH2		0x42	/* channel 2 data: the speaker's, gated */
#define  PIT_SEL_CH2	0x80	/*   select channel 2 */
#define  PIT_MODE_ONESHOT 0x00	/*   mode 0: OUT rises at terminal count */
#define PIT_PORT_B	0x61	/* PC system control port B */
#define  PORTB_GATE2	0x01	/*   channel 2 gate: counting enabled */
#define  PORTB_SPEAKER	0x02	/*   speaker data: keep it off */
#define  PORTB_OUT2	0x20	/*   channel 2's output (read) */
#define PIT_IRQ		0
#define PIT_INPUT_HZ	1193182	/* the 14.31818 MHz crystal / 12 */

#define CMOS_ADDR	0x70	/* register select (bit 7: NMI disable) */
#define CMOS_DATA	0x71	/* the selected register */
#define  RTC_SECONDS	0x00	/*   current second */
#define  RTC_MINUTES	0x02	/*   current minute */
#define  RTC_HOURS	0x04	/*   current hour (bit 7: PM in 12-hour mode) */
#define  RTC_DAY	0x07	/*   day of the month, 1..31 */
#define  RTC_MONTH	0x08	/*   month, 1..12 */
#define  RTC_YEAR	0x09	/*   year of the century, 0..99 */
#define  RTC_STATUS_A	0x0A	/*   status A */
#define   RTC_UIP	0x80	/*     an update is in progress */
#define   RTC_RATE_MASK	0x0F	/*     periodic rate: 32768 >> (rate - 1) Hz */
#define  RTC_STATUS_B	0x0B	/*   status B */
#define   RTC_PIE	0x40	/*     periodic interrupt enable */
#define   RTC_24H	0x02	/*     hours 0..23, not 1..12 and PM */
#define   RTC_BINARY	0x04	/*     binary, not BCD, digits */
#define  RTC_STATUS_C	0x0C	/*   status C: reading it acknowledges */
#define   RTC_PF	0x40	/*     the periodic interrupt fired */
#define RTC_IRQ		8
/* clang-format on */

#endif
