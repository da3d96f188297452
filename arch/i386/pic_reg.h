/*
 * pic_reg.h: the two cascaded Intel 8259A programmable interrupt
 * controllers of the PC (8259A data sheet; PC/AT wiring: slave on IRQ 2).
 * Command words are indented under the ports they go to.
 */
#ifndef PIC_REG_H
#define PIC_REG_H

/* clang-format off */
#define PIC1_CMD	0x20	/* master: command; reads IRR or ISR */
#define PIC1_DATA	0x21	/* master: interrupt mask register (IMR) */
#define PIC2_CMD	0xA0	/* slave: command; reads IRR or ISR */
#define PIC2_DATA	0xA1	/* slave: IMR */

#define PIC_CASCADE_IRQ	2	/* the master input the slave is wired to */
#define ELCR1		0x4D0	/* edge/level control, IRQ 0-7 (PIIX/ICH) */
#define ELCR2		0x4D1	/* IRQ 8-15; bit set: level triggered */

/* Initialization command words, written in order ICW1..ICW4. */
#define  ICW1_ICW4	0x01	/*   an ICW4 follows */
#define  ICW1_INIT	0x10	/*   start initialization */
#define  ICW4_8086	0x01	/*   8086 mode: the PIC supplies a vector */

/* Operation command words. */
#define  OCW2_EOI	0x20	/*   non-specific end of interrupt */
#define  OCW3_READ_IRR	0x0A	/*   next command-port read returns IRR */
#define  OCW3_READ_ISR	0x0B	/*   next command-port read returns ISR */
/* clang-format on */

#endif
