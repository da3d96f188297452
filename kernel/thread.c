/*
 * thread.c: kernel threads and their round-robin scheduler.
 *
 * Each thread has a 16 KiB stack with an unmapped guard page below it, so
 * an overflow faults (the double-fault task in desc.c reports it).  The
 * clock takes the CPU from a thread whose quantum is used up, but only
 * when it runs at base level: a thread at splbio is never preempted (the
 * interrupt returns to it).  With nothing runnable, the idle thread halts
 * the CPU until an interrupt.  `quantum=N` on the command line sets the
 * quantum in ticks (1 to 1000; default THREAD_QUANTUM): quantum=1 makes
 * threads preempt each other every millisecond, for the tests that look
 * for races.  A switch loads a process's address space
 * and its fs and gs (saved when it was switched out): the trap path
 * leaves those two alone, since the kernel never uses them.
 *
 * Protection: the run queue, the sleepers, the list of all threads, the
 * zombies and the ids are changed with interrupts off; whoever walks the
 * list of all threads from outside holds splhigh (the idle thread frees
 * the exited ones).  Mutexes are sleep locks (splhigh around the test
 * and the claim of the owner).
 */
#include "thread.h"

#include <stddef.h>

#include "clock.h"
#include "cmdline_opt.h"
#include "console.h"
#include "cpu.h"
#include "errno.h"
#include "intr.h"
#include "kmalloc.h"
#include "panic.h"
#include "pmem.h"
#include "string.h"
#include "trap.h"
#include "vm.h"

void swtch(uint32_t *save_esp, uint32_t load_esp);
extern char boot_stack_guard[];

struct thread *curthread;
static struct thread main_thread, *idle_thread;
static struct thread *runq_head, *runq_tail;
static struct thread *all_threads;
static struct thread *zombies; /* exited and detached: stacks to free */
static int next_id;
static int quantum = THREAD_QUANTUM;
static int quantum_left = THREAD_QUANTUM;
static volatile int need_resched;

static void
runq_put(struct thread *t)
{
	t->state = T_RUNNABLE;
	t->next = NULL;
	if (runq_tail)
		runq_tail->next = t;
	else
		runq_head = t;
	runq_tail = t;
}

static struct thread *
runq_take(void)
{
	struct thread *t = runq_head;

	if (t) {
		runq_head = t->next;
		if (!runq_head)
			runq_tail = NULL;
		t->next = NULL;
	}
	return t;
}

/* Free what detached threads left behind; never our own stack. */
static void
reap_zombies(void)
{
	uint32_t fl = irq_save();
	struct thread *z = zombies;
	zombies = NULL;
	irq_restore(fl);
	while (z) {
		struct thread *next = z->next;
		thread_join(z);
		z = next;
	}
}

/*
 * Give the CPU to the next runnable thread (or idle).  Interrupts must be
 * off; the caller has already put curthread where it belongs (run queue,
 * sleep queue, zombie).  Returns when curthread runs again.
 */
static void
sched_switch(void)
{
	struct thread *prev = curthread, *next = runq_take();

	if (!next)
		next = prev->state == T_RUNNING ? prev : idle_thread;
	quantum_left = quantum;
	need_resched = 0;
	if (next == prev) {
		prev->state = T_RUNNING;
		return;
	}
	prev->cpl = cpl;
	if (prev->space) /* a program's own: the kernel never loads them */
		prev->fsgs = fsgs_read();
	if (prev == idle_thread)
		prev->state = T_RUNNABLE;
	next->state = T_RUNNING;
	curthread = next;
	intr_who = INTR_WHO_THREAD(next->id);
	if (next->space) {
		vm_space_activate(next->space);
		if (fsgs_read() != next->fsgs) /* a load is dear under TCG */
			fsgs_load(next->fsgs);
	}
	tss_set_esp0(THREAD_STACK_TOP(next));
	swtch(&prev->esp, next->esp);
	/*
	 * Running again as prev: take back our own level with splx, which
	 * runs what was held off above it.  An interrupt that arrived while
	 * the last thread sat at a high level is masked and pending; if it
	 * is the clock and nothing else runs it, no interrupt would ever
	 * come again and the idle thread would halt for good.
	 */
	splx(curthread->cpl);
}

void
thread_yield(void)
{
	uint32_t fl = irq_save();

	if (curthread != idle_thread)
		runq_put(curthread);
	sched_switch();
	irq_restore(fl);
}

/* From the clock interrupt: charge the tick, end the quantum. */
void
sched_clock(void)
{
	curthread->ticks++;
	if (--quantum_left <= 0 && runq_head)
		need_resched = 1;
}

/*
 * On the way out of a hardware interrupt (trap.c), interrupts off: if the
 * thread interrupted at base level should give way, switch now.  The trap
 * frame stays on its stack and is returned through when it runs again.
 */
void
sched_preempt_check(void)
{
	if (need_resched && cpl == IPL_NONE && intr_nesting() == 0 &&
	    curthread) {
		if (curthread != idle_thread)
			runq_put(curthread);
		sched_switch();
	}
}

static void
thread_start(void)
{
	/* swtch "returned" here with interrupts off and cpl still the
	 * previous thread's: sched_switch's epilogue did not run for us. */
	splx(curthread->cpl);
	sti();
	curthread->fn(curthread->arg);
	thread_exit();
}

static void
idle_loop(void *arg)
{
	(void)arg;
	for (;;) {
		reap_zombies();
		cli();
		if (runq_head) {
			sti();
			thread_yield();
		} else {
			sti_hlt(); /* an interrupt that wakes someone preempts us */
		}
	}
}

struct thread *
thread_create(void (*fn)(void *), void *arg, const char *name)
{
	struct thread *t = kzalloc(sizeof(*t));
	uint32_t pages = 1 + THREAD_STACK / PAGE_SIZE;

	if (!t)
		return NULL;
	t->stack = pmem_alloc_contig(pages);
	if (!t->stack) {
		kfree(t);
		return NULL;
	}
	vm_unmap_page(t->stack); /* the guard */
	strlcpy(t->name, name, sizeof(t->name));
	t->fn = fn;
	t->arg = arg;
	t->cpl = IPL_NONE;
	timeout_set(&t->sleep_timeout, NULL, t);

	/* What swtch pops: edi, esi, ebx, ebp (0 ends backtraces), return. */
	uint32_t *sp = (uint32_t *)(t->stack + pages * PAGE_SIZE);
	*--sp = 0;			/* thread_start's return address */
	*--sp = (uint32_t)thread_start; /* swtch's return address */
	*--sp = 0;			/* ebp */
	*--sp = 0;			/* ebx */
	*--sp = 0;			/* esi */
	*--sp = 0;			/* edi */
	t->esp = (uint32_t)sp;

	uint32_t fl = irq_save();
	t->id = ++next_id;
	t->all_next = all_threads;
	all_threads = t;
	runq_put(t);
	irq_restore(fl);
	return t;
}

/* Turn the boot context into thread 0 ("main") and start idle. */
void
thread_init(void)
{
	const char *opt = cmdline_opt("quantum");
	uint64_t q;
	if (opt && (parse_u64(opt, &q) || !q || q > 1000))
		kprintf("thread: quantum=%s: EINVAL: not 1 to 1000 ticks\n",
			opt);
	else if (opt)
		quantum = quantum_left = (int)q;
	curthread = &main_thread;
	intr_who = INTR_WHO_THREAD(main_thread.id);
	main_thread.stack = (uint32_t)boot_stack_guard; /* boot.asm */
	strlcpy(main_thread.name, "main", sizeof(main_thread.name));
	main_thread.state = T_RUNNING;
	timeout_set(&main_thread.sleep_timeout, NULL, &main_thread);
	all_threads = &main_thread;
	idle_thread = thread_create(idle_loop, NULL, "idle");
	if (!idle_thread)
		panic("thread_init: cannot create the idle thread");
	/* idle runs only when nothing else can: keep it off the run queue */
	uint32_t fl = irq_save();
	runq_take();
	idle_thread->state = T_RUNNABLE;
	irq_restore(fl);
}

void
thread_exit(void)
{
	cli();
	if (curthread == &main_thread || curthread == idle_thread)
		panic("thread_exit: %s must not exit", curthread->name);
	curthread->state = T_ZOMBIE;
	if (curthread->detached) {
		curthread->next = zombies;
		zombies = curthread;
	}
	wakeup(curthread);
	sched_switch();
	panic("thread_exit: a zombie ran again");
}

/* Wait for t to exit, then free it.  Each thread is joined at most once. */
/* Wait for t to exit, then free it.  With ticks > 0, wait at most that
 * long: ETIMEDOUT, and t is left as it is (for tests, so that a thread
 * stuck for ever fails by name instead of hanging the run). */
int
thread_join_timeout(struct thread *t, uint32_t ticks)
{
	int s = splhigh();
	uint64_t end = clock_ticks() + ticks;

	while (t->state != T_ZOMBIE) {
		if (ticks && clock_ticks() >= end) {
			splx(s);
			return ETIMEDOUT;
		}
		tsleep(t, "join", ticks ? 10 : 0);
	}
	struct thread **pp = &all_threads;
	while (*pp != t)
		pp = &(*pp)->all_next;
	*pp = t->all_next;
	splx(s);
	vm_map_page(t->stack);
	pmem_free_contig(t->stack, 1 + THREAD_STACK / PAGE_SIZE);
	kfree(t);
	return 0;
}

void
thread_join(struct thread *t)
{
	thread_join_timeout(t, 0);
}

/* Nobody will join t: it is freed after it exits. */
void
thread_detach(struct thread *t)
{
	uint32_t fl = irq_save();

	t->detached = 1;
	if (t->state == T_ZOMBIE) {
		t->next = zombies;
		zombies = t;
	}
	irq_restore(fl);
}

/* The thread whose guard page holds addr, for the stack overflow report. */
struct thread *
thread_guard_owner(uint32_t addr)
{
	for (struct thread *t = all_threads; t; t = t->all_next)
		if (t->stack && addr >= t->stack && addr < t->stack + PAGE_SIZE)
			return t;
	return NULL;
}

struct thread *
thread_first(void)
{
	return all_threads;
}

/* Where t is: its own stack's calls.  A thread switched out stopped in
 * swtch, whose pushes (swtch.asm) leave its ebp and return address at
 * saved esp + 12 and + 16. */
void
thread_backtrace(const struct thread *t)
{
	uint32_t ebp;

	if (t == curthread) {
		__asm__ volatile("mov %%ebp, %0" : "=r"(ebp));
		backtrace_print((uint32_t)__builtin_return_address(0) - 1,
				((const uint32_t *)ebp)[0]);
		return;
	}
	const uint32_t *sp = (const uint32_t *)t->esp;
	backtrace_print(sp[4] - 1, sp[3]);
}

/*
 * Sleep queues: a small hash of channels.  Everything here runs with
 * interrupts off; it is short.
 */
#define SLEEPQ_HASH 64
static struct thread *sleepq[SLEEPQ_HASH];

static struct thread **
sleepq_head(const void *chan)
{
	return &sleepq[((uint32_t)chan >> 3) % SLEEPQ_HASH];
}

static void
sleepq_remove(struct thread *t)
{
	struct thread **pp = sleepq_head(t->wchan);

	while (*pp && *pp != t)
		pp = &(*pp)->next;
	KASSERT(*pp == t);
	*pp = t->next;
	t->next = NULL;
	t->wchan = NULL;
}

static void
thread_wake(struct thread *t)
{
	sleepq_remove(t);
	timeout_del(&t->sleep_timeout);
	runq_put(t);
	if (curthread == idle_thread)
		need_resched = 1; /* run it as the interrupt returns */
}

static void
sleep_timed_out(void *arg)
{
	struct thread *t = arg;
	uint32_t fl = irq_save();

	if (t->state == T_SLEEPING) {
		t->timedout = 1;
		thread_wake(t);
	}
	irq_restore(fl);
}

/*
 * Sleep on chan until a wakeup, or for at most timo ticks (0: forever).
 * Returns 0 when woken, ETIMEDOUT when the time ran out.  Must not be
 * called from an interrupt handler.
 */
/* For the profiler, while the CPU idles: why a process's thread sleeps
 * (the first found; ps lists them all), or NULL if none does. */
const char *
thread_idle_because(void)
{
	if (curthread != idle_thread)
		return NULL;
	for (const struct thread *t = all_threads; t; t = t->all_next)
		if (t->proc && t->state == T_SLEEPING && t->wmesg)
			return t->wmesg;
	return NULL;
}

int
tsleep(const void *chan, const char *wmesg, uint32_t timo)
{
	if (intr_nesting())
		panic("tsleep: called from an interrupt handler (%s)", wmesg);
	if (curthread == idle_thread)
		panic("tsleep: the idle thread must not sleep");
	if (curthread->in_strategy)
		panic("tsleep: the strategy routine of %s tried to sleep (%s): "
		      "a strategy routine queues and returns, it never sleeps",
		      curthread->in_strategy, wmesg);
	uint32_t fl = irq_save();
	struct thread *t = curthread;
	t->wchan = chan;
	t->wmesg = wmesg;
	t->timedout = 0;
	t->state = T_SLEEPING;
	struct thread **head = sleepq_head(chan);
	t->next = *head;
	*head = t;
	if (timo) {
		t->sleep_timeout.fn = sleep_timed_out;
		timeout_add(&t->sleep_timeout, timo);
	}
	sched_switch();
	t->wmesg = NULL;
	irq_restore(fl);
	return t->timedout ? ETIMEDOUT : 0;
}

static void
wakeup_n(const void *chan, int all)
{
	uint32_t fl = irq_save();
	struct thread *t = *sleepq_head(chan), *next;

	/* Oldest sleeper first: the list is newest first, so find the last. */
	for (; t; t = next) {
		next = t->next;
		if (t->wchan != chan)
			continue;
		if (all) {
			thread_wake(t);
			continue;
		}
		struct thread *oldest = t;
		for (struct thread *u = next; u; u = u->next)
			if (u->wchan == chan)
				oldest = u;
		thread_wake(oldest);
		break;
	}
	irq_restore(fl);
}

/* Make every thread sleeping on chan runnable.  Any context, any level. */
void
wakeup(const void *chan)
{
	wakeup_n(chan, 1);
}

/* Make the longest sleeper on chan runnable. */
void
wakeup_one(const void *chan)
{
	wakeup_n(chan, 0);
}

void
mutex_init(struct mutex *m, const char *name)
{
	m->owner = NULL;
	m->name = name;
}

/* Take m, sleeping while another holds it; with stop, give up (EINTR)
 * once *stop is set, looking at it every 100 ms (its process killed). */
static int
mutex_take(struct mutex *m, const volatile int *stop)
{
	int s = splhigh();

	if (m->owner == curthread)
		panic("mutex_enter: %s already held by %s", m->name,
		      curthread->name);
	while (m->owner) {
		if (stop && *stop) {
			splx(s);
			return EINTR;
		}
		tsleep(m, m->name, stop ? HZ / 10 : 0);
	}
	m->owner = curthread;
	splx(s);
	return 0;
}

void
mutex_enter(struct mutex *m)
{
	mutex_take(m, NULL);
}

int
mutex_enter_unless(struct mutex *m, const volatile int *stop)
{
	return mutex_take(m, stop);
}

void
mutex_exit(struct mutex *m)
{
	int s = splhigh();

	if (m->owner != curthread)
		panic("mutex_exit: %s not held by %s", m->name,
		      curthread->name);
	m->owner = NULL;
	wakeup_one(m);
	splx(s);
}

int
mutex_owned(const struct mutex *m)
{
	return m->owner == curthread;
}

void
cv_init(struct condvar *cv, const char *name)
{
	cv->name = name;
}

/* Release m, sleep on cv, retake m.  Returns 0 or ETIMEDOUT. */
int
cv_timedwait(struct condvar *cv, struct mutex *m, uint32_t timo)
{
	int s = splhigh(); /* no signal can pass between release and sleep */

	mutex_exit(m);
	int err = tsleep(cv, cv->name, timo);
	splx(s);
	mutex_enter(m);
	return err;
}

void
cv_wait(struct condvar *cv, struct mutex *m)
{
	cv_timedwait(cv, m, 0);
}

void
cv_signal(struct condvar *cv)
{
	wakeup_one(cv);
}

void
cv_broadcast(struct condvar *cv)
{
	wakeup(cv);
}
