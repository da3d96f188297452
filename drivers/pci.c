/*
 * pci.c: finds every PCI function at boot, walking bridges to the buses
 * behind them, and records its identity, class, interrupt line and the
 * size of each base address register (found by writing all ones and
 * reading back which bits stick).  Drivers pick devices by class.
 */
#include "pci.h"

#include <stddef.h>

#include "cpu.h"
#include "pci_reg.h"

static struct pci_dev devs[PCI_MAX_DEVS];
static int ndevs;

static uint32_t
cfg_addr(int bus, int dev, int fn, uint8_t reg)
{
	return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xFC);
}

static uint32_t
cfg_read(int bus, int dev, int fn, uint8_t reg)
{
	uint32_t fl = irq_save(); /* the address and data ports are a pair */
	outl(PCI_CONFIG_ADDR, cfg_addr(bus, dev, fn, reg));
	uint32_t v = inl(PCI_CONFIG_DATA);
	irq_restore(fl);
	return v;
}

static void
cfg_write(int bus, int dev, int fn, uint8_t reg, uint32_t v)
{
	uint32_t fl = irq_save();
	outl(PCI_CONFIG_ADDR, cfg_addr(bus, dev, fn, reg));
	outl(PCI_CONFIG_DATA, v);
	irq_restore(fl);
}

uint32_t
pci_read(const struct pci_dev *d, uint8_t reg)
{
	return cfg_read(d->bus, d->dev, d->fn, reg);
}

void
pci_write(const struct pci_dev *d, uint8_t reg, uint32_t v)
{
	cfg_write(d->bus, d->dev, d->fn, reg, v);
}

/* Turn on decoding and/or bus mastering (PCI_CMD_* bits). */
void
pci_enable(const struct pci_dev *d, uint16_t bits)
{
	uint32_t cmd = pci_read(d, PCI_COMMAND);

	pci_write(d, PCI_COMMAND, (cmd & 0xFFFF & ~PCI_CMD_INTX_OFF) | bits);
}

/* Turn them off again: what a failed attach undoes. */
void
pci_disable(const struct pci_dev *d, uint16_t bits)
{
	uint32_t cmd = pci_read(d, PCI_COMMAND);

	pci_write(d, PCI_COMMAND, cmd & 0xFFFF & ~(uint32_t)bits);
}

/* Size each BAR: write all ones, read back, restore.  Decoding is off
 * meanwhile, so the probe address never answers a real access. */
static void
bars_probe(struct pci_dev *d)
{
	uint32_t cmd = pci_read(d, PCI_COMMAND);

	pci_write(d, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (int i = 0; i < 6; i++) {
		uint8_t reg = PCI_BAR0 + 4 * i;
		uint32_t orig = pci_read(d, reg);
		pci_write(d, reg, 0xFFFFFFFF);
		uint32_t mask = pci_read(d, reg);
		pci_write(d, reg, orig);
		if (!mask || mask == 0xFFFFFFFF)
			continue;
		struct pci_bar *b = &d->bar[i];
		if (orig & PCI_BAR_IO) {
			b->io = 1;
			b->base = orig & ~3u;
			b->size = (~(mask & ~3u) & 0xFFFF) + 1;
		} else if ((orig & PCI_BAR_TYPE) == PCI_BAR_MEM64 && i < 5) {
			uint32_t orig_hi = pci_read(d, reg + 4);
			pci_write(d, reg + 4, 0xFFFFFFFF);
			uint32_t mask_hi = pci_read(d, reg + 4);
			pci_write(d, reg + 4, orig_hi);
			uint64_t m = (uint64_t)mask_hi << 32 | (mask & ~0xFu);
			b->base = (uint64_t)orig_hi << 32 | (orig & ~0xFu);
			b->size = ~m + 1;
			i++; /* the next BAR is this one's high half */
		} else {
			b->base = orig & ~0xFu;
			b->size = (uint32_t)(~(mask & ~0xFu) + 1);
		}
	}
	pci_write(d, PCI_COMMAND, cmd);
}

static void scan_bus(int bus, int depth);

static void
scan_function(int bus, int dev, int fn, int depth)
{
	uint32_t id = cfg_read(bus, dev, fn, PCI_ID);

	if ((id & 0xFFFF) == 0xFFFF || ndevs == PCI_MAX_DEVS)
		return;
	struct pci_dev *d = &devs[ndevs++];
	uint32_t cls = cfg_read(bus, dev, fn, PCI_CLASS);
	d->bus = bus;
	d->dev = dev;
	d->fn = fn;
	d->vendor = id & 0xFFFF;
	d->device = id >> 16;
	d->class = cls >> 24;
	d->subclass = cls >> 16;
	d->progif = cls >> 8;
	d->irq = cfg_read(bus, dev, fn, PCI_INTR) & 0xFF;
	uint8_t hdr = cfg_read(bus, dev, fn, PCI_HEADER) >> 16;
	if ((hdr & PCI_HDR_TYPE) == 0) {
		bars_probe(d);
		/* No interrupt from a device before its driver's pci_enable:
		 * a BIOS may leave one asserted (SeaBIOS's NVMe driver
		 * does), and a level-triggered line held by a device nobody
		 * drives would never go quiet. */
		uint32_t cmd = cfg_read(bus, dev, fn, PCI_COMMAND) & 0xFFFF;
		cfg_write(bus, dev, fn, PCI_COMMAND, cmd | PCI_CMD_INTX_OFF);
	}
	if (d->class == PCI_CLASS_BRIDGE && d->subclass == PCI_SUB_PCI_BRIDGE &&
	    depth < 8) {
		int secondary = (cfg_read(bus, dev, fn, PCI_BUSES) >> 8) & 0xFF;
		if (secondary > bus)
			scan_bus(secondary, depth + 1);
	}
}

static void
scan_bus(int bus, int depth)
{
	for (int dev = 0; dev < 32; dev++) {
		if ((cfg_read(bus, dev, 0, PCI_ID) & 0xFFFF) == 0xFFFF)
			continue;
		uint8_t hdr = cfg_read(bus, dev, 0, PCI_HEADER) >> 16;
		int nfn = hdr & PCI_HDR_MULTIFN ? 8 : 1;
		for (int fn = 0; fn < nfn; fn++)
			scan_function(bus, dev, fn, depth);
	}
}

void
pci_init(void)
{
	ndevs = 0;
	scan_bus(0, 0);
}

int
pci_count(void)
{
	return ndevs;
}

struct pci_dev *
pci_at(int i)
{
	return i >= 0 && i < ndevs ? &devs[i] : NULL;
}

/* The first device of the class after index `after` (-1: from the start). */
struct pci_dev *
pci_find_class(int class, int subclass, int after)
{
	for (int i = after + 1; i < ndevs; i++)
		if (devs[i].class == class && devs[i].subclass == subclass)
			return &devs[i];
	return NULL;
}

const char *
pci_class_name(const struct pci_dev *d)
{
	static const struct {
		uint8_t class, subclass;
		const char *name;
	} names[] = {
		{0x01, 0x01, "IDE controller"},
		{0x01, 0x06, "SATA controller"},
		{0x01, 0x00, "SCSI controller"},
		{0x01, 0x80, "storage controller"},
		{0x02, 0x00, "Ethernet controller"},
		{0x03, 0x00, "VGA controller"},
		{0x06, 0x00, "host bridge"},
		{0x06, 0x01, "ISA bridge"},
		{0x06, 0x04, "PCI bridge"},
		{0x06, 0x80, "bridge"},
		{0x0C, 0x03, "USB controller"},
		{0x0C, 0x05, "SMBus controller"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].class == d->class &&
		    names[i].subclass == d->subclass)
			return names[i].name;
	return "device";
}
