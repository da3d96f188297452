/*
 * thread.h: kernel threads, sleep and wakeup, mutexes, condition variables.
 *
 * Sleeping without losing a wakeup: raise the level to that of whoever
 * does the wakeup, test, sleep, restore.  tsleep gives up the CPU with the
 * level still raised, so the waker cannot run between the test and the
 * sleep; the level is the thread's own and comes back with it.
 *
 *	int s = splbio();
 *	while (!(bp->b_flags & B_DONE))
 *		tsleep(bp, "biowait", 0);
 *	splx(s);
 */
#ifndef THREAD_H
#define THREAD_H

#include <stdint.h>

#include "clock.h"
#include "pmem.h"

#define THREAD_NAME    16
#define THREAD_STACK   (16 * 1024) /* bytes, above one unmapped guard page */
#define THREAD_QUANTUM 10	   /* ticks a thread runs before the next */

enum thread_state { T_RUNNING, T_RUNNABLE, T_SLEEPING, T_ZOMBIE };

struct thread {
	uint32_t esp; /* saved stack pointer while switched out */
	int cpl;      /* its interrupt level while switched out */
	enum thread_state state;
	int id;
	char name[THREAD_NAME];
	const void *wchan; /* what it sleeps on, or NULL */
	const char *wmesg; /* why, for ps */
	int timedout;	   /* its sleep's timeout fired */
	struct timeout sleep_timeout;
	struct thread *next; /* run queue or sleep queue */
	struct thread *all_next;
	uint32_t stack; /* lowest address: the guard page */
	void (*fn)(void *);
	void *arg;
	uint64_t ticks;		 /* clock ticks it was running for */
	int detached;		 /* nobody will join: reap it when it exits */
	const char *in_strategy; /* the device whose strategy routine it is
				    running (bdev_strategy), or NULL */
	struct proc *proc;	 /* the process it runs, or NULL (proc.h) */
	struct vmspace *space;	 /* the process's addresses, loaded when it
				  runs; NULL: any (a kernel thread) */
	uint32_t fsgs;		 /* a process's fs and gs (fsgs_read), kept
				    while another runs */
};

/* where a trap from ring 3 starts the thread's kernel stack */
#define THREAD_STACK_TOP(t) ((t)->stack + PAGE_SIZE + THREAD_STACK)

extern struct thread *curthread;

void thread_init(void);
const char *thread_idle_because(void);
struct thread *thread_create(void (*fn)(void *), void *arg, const char *name);
void thread_exit(void) __attribute__((noreturn));
void thread_join(struct thread *t);
int thread_join_timeout(struct thread *t, uint32_t ticks);
void thread_detach(struct thread *t);
void thread_yield(void);
struct thread *thread_guard_owner(uint32_t addr);
struct thread *thread_first(void);
void thread_backtrace(const struct thread *t);

int tsleep(const void *chan, const char *wmesg, uint32_t timo);
void wakeup(const void *chan);
void wakeup_one(const void *chan);

void sched_clock(void);
void sched_preempt_check(void);

struct mutex {
	struct thread *owner;
	const char *name;
};

struct condvar {
	const char *name;
};

#define MUTEX_INITIALIZER(n)                                                   \
	{                                                                      \
		NULL, (n)                                                      \
	}

void mutex_init(struct mutex *m, const char *name);
void mutex_enter(struct mutex *m);
/* mutex_enter, unless *stop is set while it waits (its process killed):
 * EINTR then, without the mutex */
int mutex_enter_unless(struct mutex *m, const volatile int *stop);
void mutex_exit(struct mutex *m);
int mutex_owned(const struct mutex *m);
void cv_init(struct condvar *cv, const char *name);
void cv_wait(struct condvar *cv, struct mutex *m);
int cv_timedwait(struct condvar *cv, struct mutex *m, uint32_t timo);
void cv_signal(struct condvar *cv);
void cv_broadcast(struct condvar *cv);

#endif
