/*
 * ide.h: the PIIX IDE driver (ide.c).
 */
#ifndef IDE_H
#define IDE_H

#include <stdint.h>

struct ide_stats {
	uint64_t commands, dma, pio, flushes, interrupts;
	uint32_t errors, timeouts, resets, lost_irqs;
};

void ide_init(void);
const struct ide_stats *ide_stats(int chan);
void ide_test_drop_interrupts(int n);
void ide_force_pio(int on);

#endif
