/*
 * pic.h: the 8259 pair (pic.c).
 */
#ifndef PIC_H
#define PIC_H

#include <stdint.h>

void pic_init(uint8_t vector_base);
void pic_mask(int irq);
void pic_unmask(int irq);
int pic_is_masked(int irq);
int pic_level_triggered(int irq);
void pic_eoi(int irq);
int pic_spurious(int irq);
uint16_t pic_isr(void);
uint16_t pic_irr(void);

extern uint32_t pic_spurious_count[2]; /* [0] IRQ 7, [1] IRQ 15 */
extern uint32_t pic_eoi_count[2];      /* EOIs sent: [0] master, [1] slave */

#endif
