/*
 * ahci.h: the AHCI SATA driver (ahci.c).
 */
#ifndef AHCI_H
#define AHCI_H

#include <stdint.h>

struct ahci_stats {
	uint64_t commands, ncq, flushes, interrupts;
	uint32_t max_inflight; /* most commands in flight at once */
	uint32_t errors, timeouts, resets, lost_irqs;
};

void ahci_init(void);
struct bdev;
const struct ahci_stats *ahci_stats(const struct bdev *bd);
uint64_t ahci_mmio_count(void);
void ahci_stats_reset_max(const struct bdev *bd);
int ahci_set_ncq(const struct bdev *bd, int on);
void ahci_test_drop_interrupts(int n);

#endif
