/*
 * clock.c: the PIT programmed as a rate generator at HZ; each IRQ 0 adds
 * a tick and fires the timeouts that are due.  At boot the TSC is
 * calibrated against the PIT so cycle counts can be given in time.
 *
 * Ticks lost are recovered from the TSC.  While interrupts are held off
 * longer than a tick (a long console line is written with them off), or
 * the host stalls the machine, the PIC latches one clock interrupt of
 * several; each interrupt therefore sets the tick count to the ticks the
 * TSC says have passed when that is more than one ahead, so watchdogs,
 * the syncer and tsleep timeouts keep real time.  A gap longer than
 * CLOCK_STALL_TICKS is no console line: the host stopped the whole
 * machine, its disks with it, so the pending timeouts move by the gap
 * too, and no watchdog blames a device for the host's stall.
 *
 * Timeouts are kept sorted by expiry, so a tick looks only at the list's
 * head; adding one walks the list (there are few: one per device watchdog).
 * Due timeouts run from the soft clock interrupt (IPL_SOFTCLK) with
 * interrupts enabled; a timeout function must not sleep, and raises the
 * level itself (splbio) if it touches what a device interrupt touches.
 */
#include "clock.h"

#include "rtc.h"

#include <stddef.h>

#include "cpu.h"
#include "intr.h"
#include "panic.h"
#include "pit_reg.h"
#include "thread.h"

#define TSC_CALIBRATE_HZ    50	      /* a window is 1/50 s of PIT time */
#define TSC_CALIBRATE_GOOD  3	      /* windows to take the median of */
#define TSC_CALIBRATE_TRIES 20	      /* windows to try for them */
#define CLOCK_STALL_TICKS   50	      /* a gap this long: the host stalled */
#define TSC_CALIBRATE_SPINS 100000000 /* bound: no PIT channel 2 */

static volatile uint64_t ticks;
static uint64_t tsc_per_tick;		  /* 0 until calibrated */
static volatile uint64_t ticks_recovered; /* lost, then caught up */
static struct timeout *timeouts;	  /* sorted by `when` */
static uint64_t tsc_hz;
static uint64_t tsc_boot;  /* the TSC when the clock started */
static uint32_t unix_boot; /* the date then (the RTC's), in seconds */
static struct softint *softclock;

static int
clock_intr(void *arg)
{
	(void)arg;
	ticks++;
	if (tsc_per_tick) {
		uint64_t due = clock_ticks_due();
		if (due > ticks) {
			uint64_t gap = due - ticks;
			ticks_recovered += gap;
			ticks = due;
			if (gap > CLOCK_STALL_TICKS)
				for (struct timeout *t = timeouts; t;
				     t = t->next)
					t->when += gap;
		} else if (ticks > due + 1) {
			/* An interrupt the TSC has no tick for (a PIT that
			 * delivers the ones it missed late, or a calibration
			 * a little high): absorbed, so ticks stay within one
			 * of the TSC's count and a lead never builds up to
			 * hide ticks lost later. */
			ticks--;
		}
	}
	sched_clock();
	if (timeouts && timeouts->when <= ticks)
		softint_schedule(softclock);
	return 1;
}

static void
softclock_run(void *arg)
{
	(void)arg;
	for (;;) {
		uint32_t fl = irq_save();
		struct timeout *t = timeouts;
		if (!t || t->when > ticks) {
			irq_restore(fl);
			return;
		}
		timeouts = t->next;
		t->pending = 0;
		irq_restore(fl);
		t->fn(t->arg);
	}
}

/*
 * One window: TSC cycles while PIT channel 2 counts `latch` in one-shot
 * mode (counting starts at the write of the count's high byte; OUT2
 * rises at terminal count), polled, with no interrupts involved.  The
 * start lies between two TSC reads around the write, the end between
 * the reads around the last two polls; *slack is the sum of those
 * widths, small unless the host paused the machine just there.
 */
static uint64_t
pit2_window(uint32_t latch, uint64_t *slack)
{
	int spins = 0;

	outb(PIT_MODE, PIT_SEL_CH2 | PIT_LOHI | PIT_MODE_ONESHOT);
	outb(PIT_CH2, latch & 0xFF);
	uint64_t s0 = rdtsc();
	outb(PIT_CH2, latch >> 8);
	uint64_t s1 = rdtsc(), before = s1, after;
	for (;;) {
		uint64_t t = rdtsc();
		int out = inb(PIT_PORT_B) & PORTB_OUT2;
		after = rdtsc();
		if (out)
			break;
		before = t;
		if (++spins >= TSC_CALIBRATE_SPINS)
			panic("clock: PIT channel 2 never reached terminal "
			      "count");
	}
	*slack = (s1 - s0) + (after - before);
	return (before + after) / 2 - (s0 + s1) / 2;
}

/*
 * TSC cycles per second.  A host that pauses the machine between the
 * PIT's edge and our seeing it would make a window long (one boot on a
 * busy CI machine calibrated 2502 MHz on a 2300 MHz TSC), so a window
 * whose edges are not each known to 0.05% is tried again, and the
 * median of three good ones is taken; if the host lets fewer through,
 * the median of those, or with none the tightest window tried.
 */
static void
tsc_calibrate(void)
{
	uint32_t latch = PIT_INPUT_HZ / TSC_CALIBRATE_HZ;
	uint64_t good[TSC_CALIBRATE_GOOD], best = 0, best_slack = ~0ull;
	int ngood = 0;
	uint8_t b = inb(PIT_PORT_B);

	outb(PIT_PORT_B, (b & ~PORTB_SPEAKER) | PORTB_GATE2);
	for (int i = 0; i < TSC_CALIBRATE_TRIES && ngood < TSC_CALIBRATE_GOOD;
	     i++) {
		uint64_t slack, c = pit2_window(latch, &slack);
		if (slack * 2000 <= c) {
			int j = ngood++;
			for (; j > 0 && good[j - 1] > c; j--)
				good[j] = good[j - 1];
			good[j] = c;
		} else if (slack < best_slack) {
			best = c;
			best_slack = slack;
		}
	}
	outb(PIT_PORT_B, b);
	uint64_t c = ngood ? good[ngood / 2] : best;
	tsc_hz = c * PIT_INPUT_HZ / latch;
}

void
clock_init(void)
{
	uint32_t div = (PIT_INPUT_HZ + HZ / 2) / HZ;

	/* Channel 0, low then high byte of the divisor, rate generator. */
	outb(PIT_MODE, PIT_SEL_CH0 | PIT_LOHI | PIT_MODE_RATE);
	outb(PIT_CH0, div & 0xFF);
	outb(PIT_CH0, div >> 8);
	softclock = softint_establish(IPL_SOFTCLK, softclock_run, NULL,
				      "softclock");
	intr_establish(PIT_IRQ, IPL_CLOCK, clock_intr, NULL, "clock");

	tsc_calibrate();
	tsc_boot = rdtsc();
	unix_boot = rtc_unix_time();
	/* the PIT's true period: div / PIT_INPUT_HZ s (HZ=1000 is really
	 * 1000.15 Hz), so the TSC's count and the PIT's agree; interrupts
	 * are still off, so ticks is 0 */
	tsc_per_tick = tsc_hz * div / PIT_INPUT_HZ;
}

/*
 * Bounded polling of hardware, in milliseconds: the TSC `ms` from now,
 * and whether it has come.  By the TSC, so it works with interrupts off
 * (where ticks stand still) and on a host that delays the clock.
 */
uint64_t
clock_deadline_ms(uint32_t ms)
{
	return rdtsc() + tsc_hz / 1000 * ms;
}

int
clock_past(uint64_t deadline)
{
	return rdtsc() >= deadline;
}

/* Ticks the clock caught up from the TSC since boot. */
uint64_t
clock_ticks_recovered(void)
{
	uint32_t fl = irq_save();
	uint64_t n = ticks_recovered;
	irq_restore(fl);
	return n;
}

/* The ticks the TSC says have passed since the clock started: what
 * clock_intr keeps ticks within one of (0 before calibration). */
uint64_t
clock_ticks_due(void)
{
	return tsc_per_tick ? (rdtsc() - tsc_boot) / tsc_per_tick : 0;
}

uint64_t
clock_ticks(void)
{
	uint32_t fl = irq_save(); /* a 64-bit read is two loads */
	uint64_t t = ticks;
	irq_restore(fl);
	return t;
}

/* Time since boot from the TSC, which keeps counting when the host
 * delays the clock's interrupts (ticks can be lost; cycles cannot). */
uint64_t
clock_uptime_ms(void)
{
	return clock_cycles_to_ns(rdtsc() - tsc_boot) / 1000000;
}

/* The date when the clock was set (clock_init), and the time since */
uint32_t
clock_unix_time(void)
{
	return unix_boot + (uint32_t)(clock_uptime_ms() / 1000);
}

uint64_t
clock_tsc_hz(void)
{
	return tsc_hz;
}

uint64_t
clock_cycles_to_ns(uint64_t cycles)
{
	/* split to keep cycles * 1e9 from overflowing 64 bits */
	return tsc_hz ? cycles / tsc_hz * 1000000000ull +
				(cycles % tsc_hz) * 1000000000ull / tsc_hz
		      : 0;
}

/* Busy-wait (interrupts must be on); for init code and tests. */
void
clock_delay_ms(uint32_t ms)
{
	KASSERT(eflags_read() & EFLAGS_IF); /* else ticks never advance */
	uint64_t end = clock_ticks() + (uint64_t)ms * HZ / 1000 + 1;

	while (clock_ticks() < end)
		cpu_pause();
}

void
timeout_set(struct timeout *t, void (*fn)(void *), void *arg)
{
	t->fn = fn;
	t->arg = arg;
	t->pending = 0;
	t->next = NULL;
}

/* Fire t after `n` ticks (at least one).  Re-adding a pending t moves it. */
void
timeout_add(struct timeout *t, uint32_t n)
{
	uint32_t fl = irq_save();

	if (t->pending)
		timeout_del(t);
	t->when = ticks + (n ? n : 1);
	struct timeout **pp = &timeouts;
	while (*pp && (*pp)->when <= t->when)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->pending = 1;
	irq_restore(fl);
}

/* Returns 1 if t was pending (and now will not fire), 0 if it had not
 * been added or had already fired. */
int
timeout_del(struct timeout *t)
{
	uint32_t fl = irq_save();
	int was = t->pending;

	if (was) {
		struct timeout **pp = &timeouts;
		while (*pp && *pp != t)
			pp = &(*pp)->next;
		KASSERT(*pp == t);
		*pp = t->next;
		t->pending = 0;
	}
	irq_restore(fl);
	return was;
}
