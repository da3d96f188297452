/*
 * cmds_dev.c: the shell's device commands: lspci, ide (each IDE channel's
 * counters) and ahci (each AHCI disk's).
 */
#include "ahci.h"
#include "nvme.h"
#include "blk/bdev.h"
#include "console.h"
#include "ide.h"
#include "pci.h"
#include "pci_reg.h"
#include "shell.h"

SHELL_CMD(lspci, "", "PCI devices: bus:dev.fn, ids, class, IRQ, control, BARs")
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
		/* as lspci -vv says it: what the device may do */
		uint32_t cmd = pci_read(d, PCI_COMMAND);
		kprintf("    Control: I/O%c Mem%c BusMaster%c DisINTx%c\n",
			cmd & PCI_CMD_IO ? '+' : '-',
			cmd & PCI_CMD_MEM ? '+' : '-',
			cmd & PCI_CMD_MASTER ? '+' : '-',
			cmd & PCI_CMD_INTX_OFF ? '+' : '-');
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
	const struct ide_stats *s;
	const char *name;
	int c;

	if (argc != 1)
		return shell_usage(argv[0]);
	for (c = 0; (s = ide_channel_stats(c, &name)); c++)
		kprintf("%s: %llu commands (%llu DMA, %llu PIO, %llu flush), "
			"%llu interrupts, %u errors, %u timeouts, %u resets, "
			"%u lost interrupts\n",
			name, (unsigned long long)s->commands,
			(unsigned long long)s->dma, (unsigned long long)s->pio,
			(unsigned long long)s->flushes,
			(unsigned long long)s->interrupts, s->errors,
			s->timeouts, s->resets, s->lost_irqs);
	if (!c)
		kprintf("ide: no IDE disks\n");
	return 0;
}

SHELL_CMD(ahci, "", "AHCI port counters: commands, NCQ depth reached, errors")
{
	int any = 0;

	if (argc != 1)
		return shell_usage(argv[0]);
	for (int i = 0; bdev_at(i); i++) {
		const struct bdev *bd = bdev_at(i);
		const struct ahci_stats *s = ahci_stats(bd);
		if (!s)
			continue;
		any = 1;
		kprintf("%s: %llu commands (%llu NCQ, %llu flush), %u most "
			"in flight, %llu interrupts, %u errors, %u timeouts, "
			"%u resets, %u lost interrupts\n",
			bd->name, (unsigned long long)s->commands,
			(unsigned long long)s->ncq,
			(unsigned long long)s->flushes, s->max_inflight,
			(unsigned long long)s->interrupts, s->errors,
			s->timeouts, s->resets, s->lost_irqs);
	}
	if (!any)
		kprintf("ahci: no AHCI disks\n");
	return 0;
}

SHELL_CMD(nvme, "",
	  "NVMe controller counters: commands, doorbells, interrupts, errors")
{
	const struct nvme_stats *seen[BDEV_MAX];
	int n = 0;

	if (argc != 1)
		return shell_usage(argv[0]);
	for (int i = 0; bdev_at(i); i++) {
		const struct bdev *bd = bdev_at(i);
		const struct nvme_stats *s = nvme_stats(bd);
		int k = 0;
		while (k < n && seen[k] != s)
			k++;
		if (!s || k < n)
			continue; /* a controller's namespaces share them */
		seen[n++] = s;
		kprintf("%s: %llu commands (%llu flush), %u most in flight, "
			"%llu submission and %llu completion doorbells, %llu "
			"interrupts, %u errors, %u timeouts, %u resets, %u "
			"lost "
			"interrupts\n",
			nvme_controller_name(bd),
			(unsigned long long)s->commands,
			(unsigned long long)s->flushes, s->max_inflight,
			(unsigned long long)s->sq_doorbells,
			(unsigned long long)s->cq_doorbells,
			(unsigned long long)s->interrupts, s->errors,
			s->timeouts, s->resets, s->lost_irqs);
	}
	if (!n)
		kprintf("nvme: no NVMe disks\n");
	return 0;
}
