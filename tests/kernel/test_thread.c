/*
 * test_thread.c: threads, the scheduler, sleep and wakeup, mutexes and
 * condition variables, and biowait/biodone across an interrupt.
 */
#include <stddef.h>
#include <stdint.h>

#include "blk/buf.h"
#include "clock.h"
#include "cpu.h"
#include "errno.h"
#include "intr.h"
#include "ktest.h"
#include "pmem.h"
#include "rand.h"
#include "rtc.h"
#include "string.h"
#include "thread.h"
#include "vm.h"

static volatile int flag;

static void
set_flag_later(void *arg)
{
	static int nap;

	tsleep(&nap, "nap", (uint32_t)(uintptr_t)arg); /* times out */
	flag = 1;
	wakeup((const void *)&flag);
}

TEST(thread_tsleep_returns_0_when_woken)
{
	flag = 0;
	struct thread *t = thread_create(set_flag_later, (void *)20, "waker");
	CHECK(t != NULL, "thread_create failed");
	int s = splhigh();
	int err = 0;
	while (!flag && !err)
		err = tsleep((const void *)&flag, "flag", 1000);
	splx(s);
	thread_join(t);
	CHECK_EQ(err, 0);
	CHECK_EQ(flag, 1);
}

TEST(thread_tsleep_times_out_with_etimedout_after_its_ticks)
{
	static int nobody;
	uint64_t t0 = clock_ticks();
	int err = tsleep(&nobody, "alone", 25);
	uint64_t waited = clock_ticks() - t0;

	CHECK_EQ(err, ETIMEDOUT);
	CHECK(waited >= 25 && waited < 200, "slept %llu ticks for 25",
	      (unsigned long long)waited);
}

TEST(thread_join_waits_for_exit_and_frees_the_stack)
{
	uint32_t free0 = pmem_stats.free_pages;

	flag = 0;
	struct thread *t = thread_create(set_flag_later, (void *)10, "joinee");
	CHECK(t != NULL, "thread_create failed");
	CHECK(!vm_is_mapped(t->stack), "the stack's guard page is mapped");
	CHECK(vm_is_mapped(t->stack + PAGE_SIZE), "the stack is not mapped");
	thread_join(t);
	CHECK_EQ(flag, 1);
	CHECK_EQ(pmem_stats.free_pages, free0);
}

/* --- a wakeup from an interrupt is never lost --- */

#define LOST_ROUNDS 3000
static volatile int lw_countdown = -1, lw_flag;

static void
lost_wakeup_waker(void *arg)
{
	(void)arg;
	if (lw_countdown > 0) {
		lw_countdown--;
	} else if (lw_countdown == 0) {
		lw_countdown = -1;
		lw_flag = 1;
		wakeup((const void *)&lw_flag);
	}
}

TEST(thread_wakeup_from_an_interrupt_between_test_and_sleep_is_not_lost)
{
	uint32_t seed = 42;
	int lost = 0, slept = 0;

	CHECK_EQ(rtc_periodic_start(8192, IPL_BIO, lost_wakeup_waker, NULL), 0);
	for (int i = 0; i < LOST_ROUNDS && !lost; i++) {
		lw_flag = 0;
		lw_countdown = rand32(&seed) % 3;
		/* a random delay moves the wakeup around the test */
		for (volatile int k = rand32(&seed) % 20000; k; k--)
			;
		int s = splbio();
		while (!lw_flag) {
			slept++;
			if (tsleep((const void *)&lw_flag, "lost", 100)) {
				lost++;
				break;
			}
		}
		splx(s);
	}
	rtc_periodic_stop();
	CHECK(lost == 0, "a wakeup was lost");
	CHECK(slept > LOST_ROUNDS / 4,
	      "only %d of %d rounds slept: the race was not exercised", slept,
	      LOST_ROUNDS);
}

/* --- many threads under a stream of timer interrupts --- */

#define MANY	    64
#define MANY_ROUNDS 20
static volatile uint32_t many_gen[MANY];
static volatile int many_rounds[MANY], many_timeouts, many_tick;

static void
many_waker(void *arg)
{
	(void)arg;
	int i = many_tick++ % MANY;
	many_gen[i]++;
	wakeup((const void *)&many_gen[i]);
}

static void
many_sleeper(void *arg)
{
	int i = (int)(uintptr_t)arg;

	for (int r = 0; r < MANY_ROUNDS; r++) {
		int s = splbio();
		uint32_t gen = many_gen[i];
		while (many_gen[i] == gen)
			if (tsleep((const void *)&many_gen[i], "many", 1000)) {
				many_timeouts++;
				break;
			}
		splx(s);
		many_rounds[i]++;
	}
}

TEST(thread_many_threads_sleep_and_wake_under_timer_interrupts)
{
	struct thread *t[MANY];

	many_timeouts = many_tick = 0;
	for (int i = 0; i < MANY; i++) {
		many_rounds[i] = 0;
		t[i] = thread_create(many_sleeper, (void *)(uintptr_t)i,
				     "many");
		CHECK(t[i] != NULL, "thread_create %d failed", i);
	}
	CHECK_EQ(rtc_periodic_start(4096, IPL_BIO, many_waker, NULL), 0);
	for (int i = 0; i < MANY; i++)
		thread_join(t[i]);
	rtc_periodic_stop();
	CHECK_EQ(many_timeouts, 0);
	for (int i = 0; i < MANY; i++)
		CHECK(many_rounds[i] == MANY_ROUNDS,
		      "thread %d finished %d of %d rounds", i, many_rounds[i],
		      MANY_ROUNDS);
}

/* --- preemption --- */

static volatile uint32_t spin_count[2];
static volatile int spin_stop;

static void
spinner(void *arg)
{
	int i = (int)(uintptr_t)arg;

	while (!spin_stop)
		spin_count[i]++;
}

/*
 * Two spinners share the clock's interrupts while this thread sleeps.
 * Shares are counted in interrupts, not ticks: a host that stalls the
 * machine makes the clock catch ticks up from the TSC, so a 200-tick
 * sleep may see far fewer interrupts; it sleeps on until 200 came.
 */
TEST(thread_the_clock_shares_the_cpu_round_robin)
{
	static int nobody;
	uint32_t ta, tb;

	spin_stop = 0;
	spin_count[0] = spin_count[1] = 0;
	struct thread *a = thread_create(spinner, (void *)0, "spin0");
	struct thread *b = thread_create(spinner, (void *)1, "spin1");
	for (int round = 0;; round++) {
		tsleep(&nobody, "watch", 50);
		ta = a->ticks;
		tb = b->ticks;
		if (ta + tb >= 200 || round == 40)
			break;
	}
	spin_stop = 1;
	thread_join(a);
	thread_join(b);
	CHECK(spin_count[0] && spin_count[1], "a spinner never ran (%u, %u)",
	      spin_count[0], spin_count[1]);
	CHECK(ta + tb >= 40,
	      "the spinners saw %u clock interrupts in 41 "
	      "sleeps of 50 ticks",
	      ta + tb);
	CHECK(ta * 4 >= ta + tb && tb * 4 >= ta + tb,
	      "CPU-bound threads got %u and %u of %u clock interrupts", ta, tb,
	      ta + tb);
}

static volatile uint32_t other_during;

static void
bio_spinner(void *arg)
{
	(void)arg;
	int s = splbio();
	uint32_t before = spin_count[1];
	uint64_t end = rdtsc() + clock_tsc_hz() / 1000 * 60; /* 60 ms */
	while (rdtsc() < end)
		cpu_pause();
	other_during = spin_count[1] - before;
	splx(s);
}

TEST(thread_a_thread_at_splbio_is_not_preempted)
{
	spin_stop = 0;
	spin_count[1] = 0;
	struct thread *other = thread_create(spinner, (void *)1, "spin1");
	while (spin_count[1] == 0) /* the other thread is running */
		thread_yield();
	struct thread *t = thread_create(bio_spinner, NULL, "biospin");
	thread_join(t);
	spin_stop = 1;
	thread_join(other);
	CHECK(other_during == 0,
	      "another thread ran %u times while one sat at splbio",
	      other_during);
}

/* --- mutex and condition variable --- */

static struct mutex mtx;
static struct condvar cv;
static volatile int inside, overlap, shared_count;

static void
mutex_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		mutex_enter(&mtx);
		if (inside++)
			overlap++;
		int v = shared_count;
		thread_yield(); /* invite others in while we hold it */
		shared_count = v + 1;
		inside--;
		mutex_exit(&mtx);
	}
}

TEST(thread_mutex_lets_one_thread_in_at_a_time)
{
	struct thread *t[8];

	mutex_init(&mtx, "testmtx");
	shared_count = overlap = inside = 0;
	for (int i = 0; i < 8; i++)
		t[i] = thread_create(mutex_worker, NULL, "mtx");
	for (int i = 0; i < 8; i++)
		thread_join(t[i]);
	CHECK_EQ(overlap, 0);
	CHECK_EQ(shared_count, 8 * 200);
}

static volatile int slot_full, slot_value, consumed_sum;

static void
producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= 300; i++) {
		mutex_enter(&mtx);
		while (slot_full)
			cv_wait(&cv, &mtx);
		slot_value = i;
		slot_full = 1;
		cv_broadcast(&cv);
		mutex_exit(&mtx);
	}
}

TEST(thread_condvar_hands_every_item_from_producer_to_consumer)
{
	mutex_init(&mtx, "pcmtx");
	cv_init(&cv, "pccv");
	slot_full = consumed_sum = 0;
	struct thread *p = thread_create(producer, NULL, "producer");
	for (int n = 0; n < 300; n++) {
		mutex_enter(&mtx);
		while (!slot_full)
			CHECK(cv_timedwait(&cv, &mtx, 2000) == 0 || slot_full,
			      "no item for 2 s after %d", n);
		consumed_sum += slot_value;
		slot_full = 0;
		cv_broadcast(&cv);
		mutex_exit(&mtx);
	}
	thread_join(p);
	CHECK_EQ(consumed_sum, 300 * 301 / 2);
}

/* --- biodone from an interrupt, biowait in a thread --- */

static struct buf intr_buf;
static volatile int intr_buf_done;

static void
complete_from_interrupt(void *arg)
{
	(void)arg;
	if (intr_buf_done)
		return;
	intr_buf_done = 1;
	bioerror(&intr_buf, EIO);
	biodone(&intr_buf);
}

TEST(thread_biowait_sleeps_until_biodone_from_an_interrupt_and_returns_the_error)
{
	memset(&intr_buf, 0, sizeof(intr_buf));
	intr_buf_done = 0;
	bio_issue(&intr_buf);
	CHECK_EQ(rtc_periodic_start(64, IPL_BIO, complete_from_interrupt, NULL),
		 0);
	int err = biowait(&intr_buf);
	rtc_periodic_stop();
	CHECK_EQ(err, EIO);
	CHECK(intr_buf.b_flags & B_DONE, "B_DONE not set");
}

/*
 * A clock tick held off (masked and pending) just before a thread sleeps
 * must still arrive once another thread runs at a lower level: the
 * switch takes that thread's level back with splx, which runs it.  Were
 * it left pending, the clock would stay masked, nothing would interrupt
 * the idle thread again, and this sleep would never end.
 */
TEST(thread_a_tick_held_off_before_a_sleep_still_arrives)
{
	static int nobody;
	int s = splhigh();
	uint32_t before = intr_stats.deferred[0];
	/* a tick comes every ms; a busy host may stall this machine for
	 * much longer than that, so wait up to 5 s (by the TSC) for one */
	uint64_t end = rdtsc() + clock_tsc_hz() * 5;

	while (intr_stats.deferred[0] == before && rdtsc() < end)
		cpu_pause();
	int held = intr_stats.deferred[0] != before;
	int err = tsleep(&nobody, "held", 5);
	splx(s);
	CHECK(held, "no clock tick came in 5 s at splhigh");
	CHECK_EQ(err, ETIMEDOUT);
}
