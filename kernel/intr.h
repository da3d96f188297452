/*
 * intr.h: hardware interrupt handlers and their bookkeeping.
 */
#ifndef INTR_H
#define INTR_H

#include <stdint.h>

/* Interrupt priority levels, low to high. */
#define IPL_NONE    0 /* base level: threads */
#define IPL_IODONE  1 /* soft: deferred biodone (AIX INTIODONE) */
#define IPL_SOFTCLK 2 /* soft: timeouts */
#define IPL_BIO	    3 /* disk controllers */
#define IPL_TTY	    4 /* serial */
#define IPL_CLOCK   5 /* the PIT */
#define IPL_HIGH    6 /* everything off */
#define NIPL	    7

#define NIRQ 16

/* A handler returns 1 if the interrupt was its device's, else 0. */
typedef int (*intr_fn)(void *arg);

struct intrhand;

struct intrhand *intr_establish(int irq, int ipl, intr_fn fn, void *arg,
				const char *name);
void intr_disestablish(struct intrhand *ih);
void intr_dispatch(int irq);

extern struct intr_stats {
	uint64_t count[NIRQ];	  /* interrupts taken, spurious excluded */
	uint32_t unclaimed[NIRQ]; /* no handler said "mine" */
} intr_stats;

const char *intr_name(int irq);

#endif
