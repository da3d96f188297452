/*
 * test_spl.c: interrupt priority levels, soft interrupts and the
 * INTIODONE queue, with the RTC's periodic interrupt as "a disk IRQ"
 * (IPL_BIO) and the PIT as the clock above it.
 */
#include <stddef.h>
#include <stdint.h>

#include "blk/buf.h"
#include "clock.h"
#include "cpu.h"
#include "intr.h"
#include "ktest.h"
#include "rand.h"
#include "rtc.h"
#include "string.h"

#define SPIN_LIMIT_MS 500 /* bound on any wait below */

/* Spin until *flag is set or ms pass (TSC-timed, works at any level). */
static int
spin_until(volatile int *flag, uint32_t ms)
{
	uint64_t end = rdtsc() + clock_tsc_hz() / 1000 * ms;

	while (!*flag && rdtsc() < end)
		cpu_pause();
	return *flag;
}

static void
spin_ms(uint32_t ms)
{
	static volatile int never;

	spin_until(&never, ms);
}

TEST(spl_raises_returns_the_previous_level_and_never_lowers)
{
	int s = splbio();
	CHECK_EQ(s, IPL_NONE);
	CHECK_EQ(cpl, IPL_BIO);
	int s2 = splclock();
	CHECK_EQ(s2, IPL_BIO);
	int s3 = splbio(); /* raising to a lower level leaves it alone */
	CHECK_EQ(s3, IPL_CLOCK);
	CHECK_EQ(cpl, IPL_CLOCK);
	splx(s3);
	splx(s2);
	CHECK_EQ(cpl, IPL_BIO);
	splx(s);
	CHECK_EQ(cpl, IPL_NONE);
}

/* --- a soft interrupt scheduled from a hardware handler --- */

static struct softint *test_si;
static volatile int si_runs, si_ran_inside_hw, si_level, si_if;
static volatile int hw_active, hw_done, hw_si_before_return;
static volatile uint32_t thread_progress, progress_at_hw, progress_at_si;

static void
test_soft(void *arg)
{
	(void)arg;
	si_runs++;
	si_ran_inside_hw = hw_active;
	si_level = cpl;
	si_if = (eflags_read() & EFLAGS_IF) != 0;
	progress_at_si = thread_progress;
}

static void
schedule_once_from_hw(void *arg)
{
	(void)arg;
	if (hw_done)
		return;
	hw_active = 1;
	progress_at_hw = thread_progress;
	softint_schedule(test_si);
	hw_si_before_return = si_runs;
	hw_active = 0;
	hw_done = 1;
}

static void
test_si_setup(void)
{
	if (!test_si)
		test_si =
			softint_establish(IPL_IODONE, test_soft, NULL, "test");
	si_runs = 0;
}

TEST(spl_softint_runs_after_its_hw_handler_and_before_the_thread_resumes)
{
	test_si_setup();
	hw_done = 0;
	CHECK_EQ(rtc_periodic_start(1024, IPL_BIO, schedule_once_from_hw, NULL),
		 0);
	uint64_t end = rdtsc() + clock_tsc_hz() / 1000 * SPIN_LIMIT_MS;
	while (!si_runs && rdtsc() < end)
		thread_progress++;
	rtc_periodic_stop();
	CHECK(si_runs == 1, "soft interrupt ran %d times", si_runs);
	CHECK(!si_ran_inside_hw, "it ran inside the hardware handler");
	CHECK_EQ(hw_si_before_return, 0);
	CHECK(progress_at_hw == progress_at_si,
	      "the interrupted thread ran in between (%u then %u)",
	      progress_at_hw, progress_at_si);
	CHECK_EQ(si_level, IPL_IODONE);
	CHECK(si_if, "hardware interrupts were off in the soft interrupt");
}

TEST(splx_runs_pending_soft_interrupts_at_once)
{
	test_si_setup();
	int s = splbio();
	softint_schedule(test_si);
	int before = si_runs;
	splx(s);
	int after = si_runs;
	CHECK_EQ(before, 0);
	CHECK_EQ(after, 1);
}

/* --- what waits at IPL_BIO and what does not --- */

static volatile int rtc_count;

static void
count_rtc(void *arg)
{
	(void)arg;
	rtc_count++;
}

TEST(spl_at_splbio_a_disk_irq_waits_and_the_clock_does_not)
{
	rtc_count = 0;
	CHECK_EQ(rtc_periodic_start(1024, IPL_BIO, count_rtc, NULL), 0);
	int s = splbio();
	int before = rtc_count;
	uint64_t t0 = clock_ticks();
	spin_ms(30);
	uint64_t t1 = clock_ticks();
	int during = rtc_count - before;
	splx(s);
	int after_splx = rtc_count - before;
	rtc_periodic_stop();
	CHECK(t1 - t0 >= 20, "only %llu clock ticks in 30 ms at splbio",
	      (unsigned long long)(t1 - t0));
	CHECK(during == 0, "%d disk-level interrupts ran at splbio", during);
	CHECK(after_splx >= 1, "the held interrupt did not run at splx");
}

/* --- nesting: the clock preempts a disk handler; a disk IRQ waits --- */

static volatile int nest_done, nest_ticks_seen, irq5_runs, irq5_saw_rtc_active,
	irq5_before_return, rtc_active;

static int
irq5_handler(void *arg)
{
	(void)arg;
	irq5_runs++;
	irq5_saw_rtc_active = rtc_active;
	return 1;
}

static void
long_disk_handler(void *arg)
{
	(void)arg;
	if (nest_done)
		return;
	rtc_active = 1;
	uint64_t t0 = clock_ticks();
	uint64_t end = rdtsc() + clock_tsc_hz() / 1000 * SPIN_LIMIT_MS;
	while (clock_ticks() < t0 + 3 && rdtsc() < end)
		cpu_pause();
	nest_ticks_seen = (int)(clock_ticks() - t0);
	__asm__ volatile("int $0x25"); /* another BIO-level IRQ */
	irq5_before_return = irq5_runs;
	rtc_active = 0;
	nest_done = 1;
}

TEST(spl_higher_irq_preempts_a_handler_and_the_same_level_waits)
{
	nest_done = irq5_runs = 0;
	struct intrhand *ih =
		intr_establish(5, IPL_BIO, irq5_handler, NULL, "test5");
	CHECK_EQ(rtc_periodic_start(1024, IPL_BIO, long_disk_handler, NULL), 0);
	spin_until(&nest_done, SPIN_LIMIT_MS * 2);
	rtc_periodic_stop();
	spin_ms(5);
	intr_disestablish(ih);
	CHECK(nest_done, "the disk handler never ran");
	CHECK(nest_ticks_seen >= 3,
	      "the clock did not interrupt the disk handler (%d ticks)",
	      nest_ticks_seen);
	CHECK_EQ(irq5_before_return, 0);
	CHECK_EQ(irq5_runs, 1);
	CHECK(!irq5_saw_rtc_active, "IRQ 5 nested inside the same level");
}

/* --- the INTIODONE queue keeps order under nested bursts --- */

#define FIFO_BUFS 400
static struct buf fifo_buf[FIFO_BUFS];
static volatile int fifo_next, fifo_ndone, fifo_done_order[FIFO_BUFS],
	fifo_bad_level, fifo_stop;
static uint32_t fifo_rand = 12345;
static struct intrhand *fifo_clock_ih;

static void
fifo_iodone(struct buf *bp)
{
	if (cpl != IPL_IODONE)
		fifo_bad_level++;
	fifo_done_order[fifo_ndone++] = (int)bp->b_blkno;
}

/* Complete the next buf; its number is its place in the completion
 * order the queue must keep. */
static void
fifo_complete_one(void)
{
	uint32_t fl = irq_save();
	if (fifo_next < FIFO_BUFS) {
		struct buf *bp = &fifo_buf[fifo_next];
		bp->b_blkno = fifo_next++;
		bio_issue(
			bp); /* as a strategy routine would have been handed it */
		biodone(bp);
	}
	irq_restore(fl);
}

static void
fifo_disk_burst(void *arg)
{
	(void)arg;
	if (fifo_stop)
		return;
	int n = 1 + rand32(&fifo_rand) % 8;
	for (int i = 0; i < n; i++) {
		fifo_complete_one();
		spin_ms(0); /* let the clock land between completions */
		for (volatile int k = rand32(&fifo_rand) % 2000; k; k--)
			;
	}
}

static int
fifo_clock_burst(void *arg)
{
	(void)arg;
	if (!fifo_stop)
		fifo_complete_one();
	return 0;
}

TEST(spl_iodone_queue_keeps_fifo_order_under_nested_bursts)
{
	memset(fifo_buf, 0, sizeof(fifo_buf));
	for (int i = 0; i < FIFO_BUFS; i++)
		fifo_buf[i].b_iodone = fifo_iodone;
	fifo_next = fifo_ndone = fifo_bad_level = fifo_stop = 0;
	uint32_t depth0 = iodone_stats.max_depth;
	fifo_clock_ih = intr_establish(0, IPL_CLOCK, fifo_clock_burst, NULL,
				       "testfifo");
	CHECK_EQ(rtc_periodic_start(2048, IPL_BIO, fifo_disk_burst, NULL), 0);
	uint64_t end = rdtsc() + clock_tsc_hz() * 5;
	while (fifo_ndone < FIFO_BUFS && rdtsc() < end)
		cpu_pause();
	fifo_stop = 1;
	rtc_periodic_stop();
	intr_disestablish(fifo_clock_ih);
	CHECK(fifo_ndone == FIFO_BUFS, "%d of %d bufs completed", fifo_ndone,
	      FIFO_BUFS);
	for (int i = 0; i < FIFO_BUFS; i++)
		CHECK(fifo_done_order[i] == i,
		      "completion %d was buf %d: order lost", i,
		      fifo_done_order[i]);
	CHECK_EQ(fifo_bad_level, 0);
	CHECK(iodone_stats.max_depth > 1 || depth0 > 1,
	      "the queue never held more than one buf: no burst was tested");
}
