/*
 * pci.h: PCI devices found at boot (pci.c).
 */
#ifndef PCI_H
#define PCI_H

#include <stdint.h>

#define PCI_MAX_DEVS 64

struct pci_bar {
	uint64_t base; /* I/O port or physical address; 0: none */
	uint64_t size;
	int io; /* I/O space (else memory) */
};

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class, subclass, progif, irq;
	struct pci_bar bar[6];
};

/* bus:dev.fn in 16 bits, as config addresses put them: names disks */
static inline int
pci_loc(const struct pci_dev *d)
{
	return d->bus << 8 | d->dev << 3 | d->fn;
}

/* and back: a location's bus, device and function */
#define PCI_LOC_BUS(loc) ((loc) >> 8)
#define PCI_LOC_DEV(loc) (((loc) >> 3) & 0x1F)
#define PCI_LOC_FN(loc)	 ((loc)&7)

void pci_init(void);
int pci_count(void);
struct pci_dev *pci_at(int i);
struct pci_dev *pci_find_class(int class, int subclass, int after);
uint32_t pci_read(const struct pci_dev *d, uint8_t reg);
void pci_write(const struct pci_dev *d, uint8_t reg, uint32_t v);
void pci_enable(const struct pci_dev *d, uint16_t bits);
void pci_disable(const struct pci_dev *d, uint16_t bits);
const char *pci_class_name(const struct pci_dev *d);

#endif
