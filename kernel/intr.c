/*
 * intr.c: interrupt priority levels, done lazily.
 *
 * splraise/splx only change `cpl`, a variable: no PIC access, which under
 * emulation costs far more than the memory write.  The PIC is consulted
 * only when an interrupt actually arrives at or below cpl: then its IRQ is
 * masked, acknowledged and marked pending; when the level drops (splx, or
 * the return from a higher interrupt) the pending work runs, highest level
 * first, with interrupts enabled, so a higher level can still preempt it.
 *
 * While a handler runs, cpl is the handler's level, so the same level never
 * nests and a higher one does.  A level-triggered IRQ (the ELCR says which:
 * PCI INTx) stays masked until its handlers have run, so the line that is
 * still asserted does not interrupt again at once.
 *
 * A level-triggered line that nobody claims INTR_STORM times in a row is
 * held by a device without a driver that answers for it (or a driver
 * that no longer recognizes its own interrupt): it would interrupt
 * forever, and the kernel would do nothing else.  It is left masked,
 * with a console line, as Linux's "nobody cared" does; a handler
 * established on it later unmasks it again.
 *
 * Soft interrupts are pending bits too (bit NIRQ + n), scheduled by
 * softint_schedule and run the same way: after the hardware handler that
 * scheduled them has returned, before the interrupted thread resumes.
 */
#include "intr.h"

#include <stddef.h>

#include "console.h"
#include "cpu.h"
#include "kmalloc.h"
#include "panic.h"
#include "pic.h"

struct intrhand {
	struct intrhand *next;
	intr_fn fn;
	void *arg;
	int irq, ipl;
	const char *name;
};

struct softint {
	void (*fn)(void *arg);
	void *arg;
	int ipl, bit;
	const char *name;
	uint64_t scheduled_tsc; /* when it was made pending */
	struct intr_counter count;
};

volatile int cpl = IPL_NONE;
static volatile uint32_t ipending;   /* bit n < NIRQ: IRQ n; above: softints */
static uint32_t level_sources[NIPL]; /* the pending bits of each level */
static uint32_t above[NIPL];	     /* bits of sources above each level */
static int irq_ipl[NIRQ];	     /* highest level of an IRQ's handlers */
static uint64_t irq_pending_tsc[NIRQ];
static struct intrhand *handlers[NIRQ];
static struct softint softints[NSOFTINT];
static int nsoftint;
static int nesting; /* interrupt handlers (hard or soft) running now */
uint32_t intr_who;  /* intr.h */
uint64_t intr_entry_tsc;
struct intr_stats intr_stats;

#define INTR_STORM 100000 /* unclaimed interrupts in a row: a stuck line */
static uint32_t unclaimed_run[NIRQ];
static uint32_t stormed; /* bit n: IRQ n left masked */

static void
source_set_level(int bit, int old, int ipl)
{
	if (old)
		level_sources[old] &= ~(1u << bit);
	if (ipl)
		level_sources[ipl] |= 1u << bit;
	for (int l = 0; l < NIPL; l++) {
		above[l] = 0;
		for (int k = l + 1; k < NIPL; k++)
			above[l] |= level_sources[k];
	}
}

int
splraise(int ipl)
{
	int s = cpl;

	if (ipl > s)
		cpl = ipl;
	__asm__ volatile("" ::: "memory");
	return s;
}

void
splx(int s)
{
	__asm__ volatile("" ::: "memory");
	cpl = s;
	if (ipending & above[s])
		intr_process_pending();
}

void
spl_assert_atleast(int ipl, const char *fn)
{
	if (cpl < ipl)
		panic("%s: called at interrupt level %d, needs %d or above", fn,
		      cpl, ipl);
}

const char *
ipl_name(int ipl)
{
	static const char *const names[NIPL] = {
		"IPL_NONE", "IPL_SOFTCLK", "IPL_IODONE", "IPL_BIO",
		"IPL_TTY",  "IPL_CLOCK",   "IPL_HIGH",
	};

	return ipl >= 0 && ipl < NIPL ? names[ipl] : "IPL_?";
}

int
intr_nesting(void)
{
	return nesting;
}

static void
counter_note(struct intr_counter *c, uint64_t since)
{
	uint64_t lat = rdtsc() - since;

	c->runs++;
	if (lat > c->max_latency)
		c->max_latency = lat;
}

/* Run an IRQ's handlers at its level; interrupts on while they run.
 * `since` is when the IRQ arrived (earlier than now if it was held). */
static void
irq_run(int irq, uint64_t since)
{
	int s = cpl;
	uint64_t outer_tsc = intr_entry_tsc;

	uint32_t outer_who = intr_who;

	intr_entry_tsc = since;
	cpl = irq_ipl[irq];
	counter_note(&intr_stats.irq[irq], since);
	nesting++;
	intr_who = (outer_who & 0xFFFF0000u) | INTR_CTX_IRQ | (uint32_t)irq;
	sti();
	int claimed = 0;
	for (struct intrhand *ih = handlers[irq]; ih; ih = ih->next)
		claimed |= ih->fn(ih->arg);
	cli();
	intr_who = outer_who;
	nesting--;
	if (claimed) {
		unclaimed_run[irq] = 0;
	} else {
		intr_stats.unclaimed[irq]++;
		if (++unclaimed_run[irq] == INTR_STORM &&
		    pic_level_triggered(irq)) {
			stormed |= 1u << irq;
			kprintf("irq %d: %d interrupts in a row that no "
				"handler "
				"claimed: the line is left masked\n",
				irq, INTR_STORM);
		}
	}
	intr_entry_tsc = outer_tsc;
	cpl = s;
}

/*
 * Run everything pending above cpl, highest level first.  Called with
 * interrupts in any state; returns with them as they were.
 */
void
intr_process_pending(void)
{
	uint32_t fl = irq_save();

	for (;;) {
		uint32_t ready = ipending & above[cpl];
		if (!ready)
			break;
		int l = NIPL - 1;
		while (!(ready & level_sources[l]))
			l--;
		int bit = __builtin_ctz(ready & level_sources[l]);
		ipending &= ~(1u << bit);
		if (bit < NIRQ) {
			irq_run(bit, irq_pending_tsc[bit]);
			if (handlers[bit] && !(stormed & (1u << bit)))
				pic_unmask(bit);
		} else {
			struct softint *si = &softints[bit - NIRQ];
			int s = cpl;
			uint32_t outer_who = intr_who;
			cpl = si->ipl;
			counter_note(&si->count, si->scheduled_tsc);
			nesting++;
			intr_who = (outer_who & 0xFFFF0000u) | INTR_CTX_SOFT |
				   (uint32_t)(bit - NIRQ);
			sti();
			si->fn(si->arg);
			cli();
			intr_who = outer_who;
			nesting--;
			cpl = s;
		}
	}
	irq_restore(fl);
}

/* From trap(), interrupts off. */
void
intr_dispatch(int irq)
{
	uint64_t now = rdtsc();

	if (pic_spurious(irq))
		return;
	if (irq_ipl[irq] <= cpl) {
		/* Held off: remember it; it runs when the level drops. */
		pic_mask(irq);
		pic_eoi(irq);
		if (!(ipending & (1u << irq)))
			irq_pending_tsc[irq] = now;
		ipending |= 1u << irq;
		intr_stats.deferred[irq]++;
		return;
	}
	int level = pic_level_triggered(irq);
	if (level)
		pic_mask(irq);
	pic_eoi(irq);
	irq_run(irq, now);
	if (level && !(ipending & (1u << irq)) && !(stormed & (1u << irq)))
		pic_unmask(irq);
	if (ipending & above[cpl])
		intr_process_pending();
}

struct intrhand *
intr_establish(int irq, int ipl, intr_fn fn, void *arg, const char *name)
{
	if (irq < 0 || irq >= NIRQ || ipl <= IPL_IODONE || ipl >= IPL_HIGH)
		panic("intr_establish: bad irq %d or level %d", irq, ipl);
	struct intrhand *ih = kzalloc(sizeof(*ih));
	if (!ih)
		panic("intr_establish: out of memory");
	ih->fn = fn;
	ih->arg = arg;
	ih->irq = irq;
	ih->ipl = ipl;
	ih->name = name;

	uint32_t fl = irq_save();
	struct intrhand **pp = &handlers[irq];
	while (*pp)
		pp = &(*pp)->next;
	*pp = ih;
	if (ipl > irq_ipl[irq]) {
		source_set_level(irq, irq_ipl[irq], ipl);
		irq_ipl[irq] = ipl;
	}
	stormed &= ~(1u << irq);
	unclaimed_run[irq] = 0;
	pic_unmask(irq);
	irq_restore(fl);
	return ih;
}

void
intr_disestablish(struct intrhand *ih)
{
	uint32_t fl = irq_save();
	int irq = ih->irq;
	struct intrhand **pp = &handlers[irq];

	while (*pp && *pp != ih)
		pp = &(*pp)->next;
	if (!*pp)
		panic("intr_disestablish: handler %s not on IRQ %d", ih->name,
		      irq);
	*pp = ih->next;
	int ipl = 0;
	for (struct intrhand *h = handlers[irq]; h; h = h->next)
		if (h->ipl > ipl)
			ipl = h->ipl;
	source_set_level(irq, irq_ipl[irq], ipl);
	irq_ipl[irq] = ipl;
	if (!handlers[irq]) {
		ipending &= ~(1u << irq);
		pic_mask(irq);
	}
	irq_restore(fl);
	kfree(ih);
}

struct softint *
softint_establish(int ipl, void (*fn)(void *), void *arg, const char *name)
{
	if (ipl != IPL_SOFTCLK && ipl != IPL_IODONE)
		panic("softint_establish: %d is not a soft level", ipl);
	uint32_t fl = irq_save();
	if (nsoftint == NSOFTINT)
		panic("softint_establish: more than %d soft interrupts",
		      NSOFTINT);
	struct softint *si = &softints[nsoftint];
	si->fn = fn;
	si->arg = arg;
	si->ipl = ipl;
	si->bit = NIRQ + nsoftint++;
	si->name = name;
	source_set_level(si->bit, 0, ipl);
	irq_restore(fl);
	return si;
}

/* Make si pending; it runs as soon as the level is below its own. */
void
softint_schedule(struct softint *si)
{
	uint32_t fl = irq_save();

	if (!(ipending & (1u << si->bit))) {
		si->scheduled_tsc = rdtsc();
		ipending |= 1u << si->bit;
	}
	if (si->ipl > cpl)
		intr_process_pending();
	irq_restore(fl);
}

/* The handlers' names, for `intr`: "com1" or "ide0,ahci0". */
const char *
intr_name(int irq)
{
	static char buf[64];
	int n = 0;

	buf[0] = '\0';
	for (struct intrhand *ih = handlers[irq]; ih; ih = ih->next) {
		for (const char *s = ih->name; *s && n < (int)sizeof(buf) - 2;
		     s++)
			buf[n++] = *s;
		if (ih->next && n < (int)sizeof(buf) - 2)
			buf[n++] = ',';
		buf[n] = '\0';
	}
	return buf;
}

int
softint_info(int i, const char **name, int *ipl, const struct intr_counter **c)
{
	if (i < 0 || i >= nsoftint)
		return 0;
	*name = softints[i].name;
	*ipl = softints[i].ipl;
	*c = &softints[i].count;
	return 1;
}
