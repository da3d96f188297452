/*
 * cmds_dev.c: the shell's device commands: lspci, and ide (the IDE
 * channels' counters).
 */
#include "ahci.h"
#include "console.h"
#include "ide.h"
#include "pci.h"
#include "shell.h"

SHELL_CMD(lspci, "", "PCI devices: bus:dev.fn, ids, class, IRQ, BARs")
{
	if (argc != 1)
		return shell_usage(argv[0]);
	for (int i = 0; i < pci_count(); i++) {
		const struct pci_dev *d = pci_at(i);
		kprintf("%02x:%02x.%x %04x:%04x %s (class %02x%02x%02x)",
			d->bus, d->dev, d->fn, d->vendor, d->device,
			pci_class_name(d), d->class, d->subclass, d->progif);
		if (d->irq && d->irq != 0xFF)
			kprintf(" irq %d", d->irq);
		kprintf("\n");
		for (int b = 0; b < 6; b++)
			if (d->bar[b].size)
				kprintf("    bar%d %s %08llx size %llu\n", b,
					d->bar[b].io ? "io " : "mem",
					(unsigned long long)d->bar[b].base,
					(unsigned long long)d->bar[b].size);
	}
	return 0;
}

SHELL_CMD(ide, "", "IDE channel counters: commands, errors, resets")
{
	if (argc != 1)
		return shell_usage(argv[0]);
	int any = 0;
	for (int c = 0; c < 2; c++) {
		const struct ide_stats *s = ide_stats(c);
		if (!s)
			continue;
		any = 1;
		kprintf("ide%d: %llu commands (%llu DMA, %llu PIO, %llu "
			"flush), "
			"%llu interrupts, %u errors, %u timeouts, %u resets, "
			"%u "
			"lost interrupts\n",
			c, (unsigned long long)s->commands,
			(unsigned long long)s->dma, (unsigned long long)s->pio,
			(unsigned long long)s->flushes,
			(unsigned long long)s->interrupts, s->errors,
			s->timeouts, s->resets, s->lost_irqs);
	}
	if (!any)
		kprintf("ide: no IDE disks\n");
	return 0;
}

SHELL_CMD(ahci, "", "AHCI port counters: commands, NCQ depth reached, errors")
{
	if (argc != 1)
		return shell_usage(argv[0]);
	int any = 0;
	for (int n = 0; n < 32; n++) {
		const struct ahci_stats *s = ahci_stats(n);
		if (!s)
			continue;
		any = 1;
		kprintf("sd%d: %llu commands (%llu NCQ, %llu flush), %u most "
			"in "
			"flight, %llu interrupts, %u errors, %u timeouts, %u "
			"resets, %u lost interrupts\n",
			n, (unsigned long long)s->commands,
			(unsigned long long)s->ncq,
			(unsigned long long)s->flushes, s->max_inflight,
			(unsigned long long)s->interrupts, s->errors,
			s->timeouts, s->resets, s->lost_irqs);
	}
	if (!any)
		kprintf("ahci: no AHCI disks\n");
	return 0;
}
