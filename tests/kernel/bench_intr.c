/*
 * bench_intr.c: the latencies the block layer's completion path pays:
 * from a hardware IRQ's entry to the soft interrupt it scheduled, and
 * from a wakeup in an interrupt to the sleeping thread running.  The RTC
 * at 8192 Hz stands in for a disk controller (IPL_BIO).
 */
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "cpu.h"
#include "intr.h"
#include "kmalloc.h"
#include "ktest.h"
#include "rtc.h"
#include "thread.h"

#define EVENTS	   10000
#define BENCH_HZ   8192
#define BENCH_WAIT 30 /* seconds at most for the samples to arrive */

static uint32_t *samples;
static volatile int nsamples;
static struct softint *bench_si;
static volatile uint64_t hw_entry;

static void
bench_soft(void *arg)
{
	(void)arg;
	if (nsamples < EVENTS)
		samples[nsamples++] = (uint32_t)(rdtsc() - hw_entry);
}

static void
bench_hw_schedules_soft(void *arg)
{
	(void)arg;
	hw_entry = intr_entry_tsc; /* the cycle count at the IRQ's entry */
	softint_schedule(bench_si);
}

static int
wait_for_samples(void)
{
	static int nobody;
	uint64_t end = clock_ticks() + (uint64_t)BENCH_WAIT * HZ;

	while (nsamples < EVENTS && clock_ticks() < end)
		tsleep(&nobody, "bench", 10);
	return nsamples == EVENTS;
}

BENCH(irq_entry_to_soft_interrupt)
{
	samples = kmalloc(EVENTS * sizeof(*samples));
	CHECK(samples != NULL, "no memory for %d samples", EVENTS);
	if (!bench_si)
		bench_si = softint_establish(IPL_IODONE, bench_soft, NULL,
					     "bench");
	nsamples = 0;
	CHECK_EQ(rtc_periodic_start(BENCH_HZ, IPL_BIO, bench_hw_schedules_soft,
				    NULL),
		 0);
	int ok = wait_for_samples();
	rtc_periodic_stop();
	CHECK(ok, "only %d of %d events in %d s", nsamples, EVENTS, BENCH_WAIT);
	bench_report("irq_entry_to_soft_interrupt", samples, EVENTS);
	kfree(samples);
}

static volatile uint64_t wake_tsc;
static volatile int sleeping;
static int wake_chan;

static void
bench_hw_wakes(void *arg)
{
	(void)arg;
	if (!sleeping)
		return; /* the thread is still busy with the last one */
	sleeping = 0;
	wake_tsc = rdtsc();
	wakeup(&wake_chan);
}

static void
bench_sleeper(void *arg)
{
	(void)arg;
	while (nsamples < EVENTS) {
		int s = splbio();
		sleeping = 1;
		while (sleeping)
			tsleep(&wake_chan, "benchwait", 0);
		samples[nsamples++] = (uint32_t)(rdtsc() - wake_tsc);
		splx(s);
	}
}

BENCH(wakeup_in_interrupt_to_thread_running)
{
	samples = kmalloc(EVENTS * sizeof(*samples));
	CHECK(samples != NULL, "no memory for %d samples", EVENTS);
	nsamples = 0;
	sleeping = 0;
	struct thread *t = thread_create(bench_sleeper, NULL, "sleeper");
	CHECK(t != NULL, "thread_create failed");
	CHECK_EQ(rtc_periodic_start(BENCH_HZ, IPL_BIO, bench_hw_wakes, NULL),
		 0);
	int ok = wait_for_samples();
	rtc_periodic_stop();
	if (!ok) { /* let the sleeper finish */
		nsamples = EVENTS;
		sleeping = 0;
		wakeup(&wake_chan);
	}
	thread_join(t);
	CHECK(ok, "only %d of %d events in %d s", nsamples, EVENTS, BENCH_WAIT);
	bench_report("wakeup_in_interrupt_to_thread_running", samples, EVENTS);
	kfree(samples);
}
