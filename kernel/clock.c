/*
 * clock.c: the PIT programmed as a rate generator at HZ; each IRQ 0 adds
 * a tick and fires the timeouts that are due.  At boot the TSC is
 * calibrated against the PIT so cycle counts can be given in time.
 *
 * Timeouts are kept sorted by expiry, so a tick looks only at the list's
 * head; adding one walks the list (there are few: one per device watchdog).
 * Due timeouts run from the soft clock interrupt (IPL_SOFTCLK) with
 * interrupts enabled; a timeout function must not sleep, and raises the
 * level itself (splbio) if it touches what a device interrupt touches.
 */
#include "clock.h"

#include <stddef.h>

#include "cpu.h"
#include "intr.h"
#include "panic.h"
#include "pit_reg.h"
#include "thread.h"

#define TSC_CALIBRATE_TICKS 50 /* 50 ms of PIT time */

static volatile uint64_t ticks;
static struct timeout *timeouts; /* sorted by `when` */
static uint64_t tsc_hz;
static struct softint *softclock;

static int
clock_intr(void *arg)
{
	(void)arg;
	ticks++;
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

	/* Calibrate the TSC over whole ticks (needs interrupts on). */
	uint32_t fl = eflags_read();
	sti();
	uint64_t t0 = ticks;
	while (ticks == t0)
		__asm__ volatile("hlt");
	uint64_t c0 = rdtsc();
	t0 = ticks;
	while (ticks < t0 + TSC_CALIBRATE_TICKS)
		__asm__ volatile("hlt");
	tsc_hz = (rdtsc() - c0) * HZ / TSC_CALIBRATE_TICKS;
	irq_restore(fl);
}

uint64_t
clock_ticks(void)
{
	uint32_t fl = irq_save(); /* a 64-bit read is two loads */
	uint64_t t = ticks;
	irq_restore(fl);
	return t;
}

uint64_t
clock_uptime_ms(void)
{
	return clock_ticks() * 1000 / HZ;
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
