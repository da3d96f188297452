/*
 * intr.c: hardware interrupt handlers by IRQ.  Several handlers may share
 * one IRQ (PCI INTx); each is asked in turn whether the interrupt was its.
 */
#include "intr.h"

#include <stddef.h>

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

static struct intrhand *handlers[NIRQ];
struct intr_stats intr_stats;

struct intrhand *
intr_establish(int irq, int ipl, intr_fn fn, void *arg, const char *name)
{
	if (irq < 0 || irq >= NIRQ || ipl <= IPL_NONE || ipl >= NIPL)
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
	pic_unmask(irq);
	irq_restore(fl);
	return ih;
}

void
intr_disestablish(struct intrhand *ih)
{
	uint32_t fl = irq_save();
	struct intrhand **pp = &handlers[ih->irq];

	while (*pp && *pp != ih)
		pp = &(*pp)->next;
	if (!*pp)
		panic("intr_disestablish: handler %s not on IRQ %d", ih->name,
		      ih->irq);
	*pp = ih->next;
	if (!handlers[ih->irq] && ih->irq != 2)
		pic_mask(ih->irq);
	irq_restore(fl);
	kfree(ih);
}

/* From trap(), interrupts off. */
void
intr_dispatch(int irq)
{
	if (pic_spurious(irq))
		return;
	intr_stats.count[irq]++;
	int claimed = 0;
	for (struct intrhand *ih = handlers[irq]; ih; ih = ih->next)
		claimed |= ih->fn(ih->arg);
	if (!claimed)
		intr_stats.unclaimed[irq]++;
	pic_eoi(irq);
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
