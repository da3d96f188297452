/*
 * intr.h: interrupt priority levels, hardware interrupt handlers and
 * software interrupts.
 *
 * Levels, low to high.  While the CPU runs at level L, every interrupt at
 * or below L is held off and delivered when the level drops:
 *
 *	IPL_NONE     threads (base level)
 *	IPL_SOFTCLK  soft: timeouts (clock.c)
 *	IPL_IODONE   soft: deferred biodone, AIX's INTIODONE (iodone.c)
 *	IPL_BIO      disk controllers
 *	IPL_TTY      the serial console
 *	IPL_CLOCK    the PIT
 *	IPL_HIGH     everything
 *
 * The soft clock sits below INTIODONE: finishing I/O is more urgent than
 * a watchdog, which by its nature fires late.
 *
 * The usual pattern:
 *
 *	int s = splbio();
 *	... touch what the disk interrupt also touches ...
 *	splx(s);
 */
#ifndef INTR_H
#define INTR_H

#include <stdint.h>

#define IPL_NONE    0
#define IPL_SOFTCLK 1
#define IPL_IODONE  2
#define IPL_BIO	    3
#define IPL_TTY	    4
#define IPL_CLOCK   5
#define IPL_HIGH    6
#define NIPL	    7

#define NIRQ	 16
#define NSOFTINT 8

extern volatile int cpl; /* the current interrupt priority level */

int splraise(int ipl);
void splx(int s);

static inline int
spl0(void)
{
	int s = cpl;
	splx(IPL_NONE);
	return s;
}
static inline int
splsoftclock(void)
{
	return splraise(IPL_SOFTCLK);
}
static inline int
splbio(void)
{
	return splraise(IPL_BIO);
}
static inline int
spltty(void)
{
	return splraise(IPL_TTY);
}
static inline int
splclock(void)
{
	return splraise(IPL_CLOCK);
}
static inline int
splhigh(void)
{
	return splraise(IPL_HIGH);
}

/* Panics unless running at `ipl` or above: for functions that need it. */
#define SPL_ASSERT_ATLEAST(ipl) spl_assert_atleast((ipl), __func__)
void spl_assert_atleast(int ipl, const char *fn);
const char *ipl_name(int ipl); /* "IPL_BIO" */

/* A handler returns 1 if the interrupt was its device's, else 0. */
typedef int (*intr_fn)(void *arg);
struct intrhand;

struct intrhand *intr_establish(int irq, int ipl, intr_fn fn, void *arg,
				const char *name);
void intr_disestablish(struct intrhand *ih);
void intr_dispatch(int irq);
void intr_process_pending(void);
int intr_nesting(void);
#define INTR_CTX_IRQ  0x8000
#define INTR_CTX_SOFT 0xC000
/* Who runs now, as the request trace records it, kept up to date where
 * it changes (an interrupt's entry and exit, a thread switch) so that a
 * record reads one word: the low half is the context (the thread's id,
 * or INTR_CTX_IRQ | irq, INTR_CTX_SOFT | soft interrupt index), the high
 * half the thread running or interrupted. */
extern uint32_t intr_who;
#define INTR_WHO_THREAD(id)                                                    \
	((uint32_t)(id) << 16 | ((uint32_t)(id) & (INTR_CTX_IRQ - 1)))

struct softint;
struct softint *softint_establish(int ipl, void (*fn)(void *), void *arg,
				  const char *name);
void softint_schedule(struct softint *si);

/* Counters, shown by the shell's `intr`. */
struct intr_counter {
	uint64_t runs;
	uint64_t max_latency; /* cycles from raise/schedule to handler start */
};

extern struct intr_stats {
	struct intr_counter irq[NIRQ]; /* spurious ones excluded */
	uint32_t unclaimed[NIRQ];      /* no handler said "mine" */
	uint32_t deferred[NIRQ];       /* arrived at or below cpl */
} intr_stats;

const char *intr_name(int irq);
int softint_info(int i, const char **name, int *ipl,
		 const struct intr_counter **c);

/* rdtsc() when the hardware interrupt being handled now arrived */
extern uint64_t intr_entry_tsc;

#endif
