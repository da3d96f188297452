/*
 * prof.c: a sampling profiler.  While it runs, every clock interrupt
 * (HZ a second) records where it found the CPU: a kernel function (the
 * idle loop's `hlt` is idle_loop: the CPU waited for a device), or the
 * process that ran in ring 3; an idle tick while a process sleeps
 * counts under what it sleeps for (biowait, getblk: the disk's time a
 * process waited for).  The report counts samples per place, the
 * busiest first, so a developer sees where a workload spends its time
 * without a debugger stopping the machine (gdb's or the monitor's stops
 * bias the samples toward the places where QEMU lets the vCPU stop: port
 * and MMIO accesses, system call entries).  A second's run is a thousand
 * samples: enough to find what takes a tenth of the time, not what takes
 * a hundredth; run the workload longer for finer figures.  A tick only
 * notes the kernel address it found (the symbol table is searched when
 * the report is made, not at the clock's interrupt level).
 */
#include "prof.h"

#include <stddef.h>

#include "clock.h"
#include "console.h"
#include "ksym.h"
#include "printf.h"
#include "proc/proc.h"
#include "sort.h"
#include "string.h"
#include "thread.h"
#include "trap.h"

#define PROF_PLACES 512	  /* distinct places a report tells apart */
#define PROF_PCS    32768 /* kernel addresses noted between two reports */

/* A place: a kernel function's start, or a process (by its name), or
 * the idle loop with why a process sleeps */
struct place {
	uint32_t addr; /* kernel: function start; 0: a process or idle */
	char proc[PROC_NAME + 8];
	uint32_t samples;
};

static struct place places[PROF_PLACES];
static int nplaces;
static uint32_t pcs[PROF_PCS]; /* kernel samples not yet in places */
static uint32_t npcs;
static uint32_t total, lost; /* samples, and those with no room */
static volatile int running;

void
prof_start(void)
{
	running = 0;
	nplaces = 0;
	npcs = 0;
	total = lost = 0;
	running = 1;
}

void
prof_stop(void)
{
	running = 0;
}

static struct place *
place_of(uint32_t addr, const char *proc)
{
	for (int i = 0; i < nplaces; i++)
		if (places[i].addr == addr &&
		    (addr || !strcmp(places[i].proc, proc)))
			return &places[i];
	if (nplaces == PROF_PLACES)
		return NULL;
	struct place *p = &places[nplaces++];
	p->addr = addr;
	strlcpy(p->proc, proc, sizeof(p->proc));
	p->samples = 0;
	return p;
}

static void
count(struct place *p, uint32_t n)
{
	if (p)
		p->samples += n;
	else
		lost += n;
}

/* At interrupt level (IPL_CLOCK's IRQ, before its handler): a kernel
 * address is noted; a process or a wait is counted in its place (a
 * short search: a workload has a few). */
void
prof_tick(const struct trapframe *tf)
{
	if (!running)
		return;
	const char *why = thread_idle_because();
	char idle[PROC_NAME + 8];

	total++;
	if (TF_USER(tf)) {
		const struct proc *p = curthread ? curthread->proc : NULL;
		count(place_of(0, p ? p->name : "?"), 1);
	} else if (why) {
		snprintf(idle, sizeof(idle), "\1%s", why);
		count(place_of(0, idle), 1);
	} else if (npcs < PROF_PCS) {
		pcs[npcs++] = tf->eip;
	} else {
		lost++;
	}
}

/* The noted kernel addresses into their functions' places: sorted, so
 * each address is looked up once.  Profiling stopped. */
static void
fold(void)
{
	sort_u32(pcs, npcs);
	for (uint32_t i = 0, j; i < npcs; i = j) {
		for (j = i + 1; j < npcs && pcs[j] == pcs[i]; j++)
			;
		uint32_t off, addr = pcs[i];
		if (ksym_lookup(addr, &off))
			addr -= off; /* (no symbol: the address itself) */
		count(place_of(addr, ""), j - i);
	}
	npcs = 0;
}

static int
busier(const void *a, const void *b)
{
	return ((const struct place *)a)->samples >
	       ((const struct place *)b)->samples;
}

void
prof_report(int top)
{
	int was = running;

	running = 0; /* the table is sorted under the tick's feet otherwise */
	fold();
	sort(places, nplaces, sizeof(places[0]), busier);
	kprintf("%u samples at %d Hz%s\n", total, HZ,
		was ? " (profiling goes on)" : "");
	for (int i = 0; i < nplaces && i < top; i++) {
		const struct place *p = &places[i];
		uint32_t off;
		const char *name = p->addr ? ksym_lookup(p->addr, &off) : NULL;
		char what[64];

		if (!p->addr && p->proc[0] == '\1')
			snprintf(what, sizeof(what),
				 "[idle] a process waits: %s", p->proc + 1);
		else if (!p->addr)
			snprintf(what, sizeof(what), "[user] %s", p->proc);
		else if (name)
			snprintf(what, sizeof(what), "%s", name);
		else
			snprintf(what, sizeof(what), "%#x", p->addr);
		kprintf("  %5u %3u.%u%%  %s\n", p->samples,
			p->samples * 100 / (total ? total : 1),
			p->samples * 1000 / (total ? total : 1) % 10, what);
	}
	if (lost)
		kprintf("  %5u with no room (past %d places, or %d kernel "
			"samples between reports)\n",
			lost, PROF_PLACES, PROF_PCS);
	running = was;
}
