/*
 * ide.h: the IDE driver (ide.c): PCI IDE (PIIX) and ISA IDE.
 */
#ifndef IDE_H
#define IDE_H

#include <stdint.h>

struct ide_stats {
	uint64_t commands, dma, pio, flushes, interrupts;
	uint32_t errors, timeouts, resets, lost_irqs;
};

void ide_init(void);
struct bdev;
const struct ide_stats *ide_channel_stats(int i, const char **name);
const struct ide_stats *ide_stats(const struct bdev *bd);
void ide_test_drop_interrupts(int n);
void ide_force_pio(int on);

#endif
