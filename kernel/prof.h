/*
 * prof.h: a sampling profiler on the clock's tick: where the CPU was at
 * each tick while it runs (the shell's `prof`).
 */
#ifndef PROF_H
#define PROF_H

#include <stdint.h>

struct trapframe;

void prof_start(void);
void prof_stop(void);
void prof_tick(const struct trapframe *tf); /* trap(), at the clock IRQ */
void prof_report(int top);		    /* the `top` busiest places */

#endif
