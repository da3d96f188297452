/*
 * pic.c: the 8259A pair, remapped so IRQ 0-15 arrive at vectors
 * 0x20-0x2F, clear of the CPU's exceptions (0-31), which the BIOS's
 * mapping (0x08-0x0F) collides with.
 *
 * Spurious interrupts: when an IRQ line drops before the CPU acknowledges
 * it, the 8259 delivers its lowest-priority vector (IRQ 7, or IRQ 15 on
 * the slave) with the in-service bit clear.  Such an interrupt must not be
 * acknowledged: a non-specific EOI would end whatever other interrupt is
 * really in service.  For IRQ 15 the master did see a genuine IRQ 2 from
 * the slave, so the master (only) gets its EOI.
 */
#include "pic.h"

#include "cpu.h"
#include "pic_reg.h"

static uint16_t irq_mask = 0xFFFF; /* bit n set: IRQ n masked */
static uint16_t irq_level;	   /* bit n set: IRQ n level triggered */
uint32_t pic_spurious_count[2];
uint32_t pic_eoi_count[2];

/* Every EOI the kernel sends goes through here, and is counted. */
static void
pic_eoi_write(int slave)
{
	pic_eoi_count[slave]++;
	outb(slave ? PIC2_CMD : PIC1_CMD, OCW2_EOI);
}

static void
pic_mask_write(void)
{
	outb(PIC1_DATA, irq_mask & 0xFF);
	outb(PIC2_DATA, irq_mask >> 8);
}

void
pic_init(uint8_t vector_base)
{
	/* ICW1: begin initialization; edge triggered, cascaded, ICW4 follows. */
	outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	/* ICW2: the vector of each chip's input 0. */
	outb(PIC1_DATA, vector_base);
	outb(PIC2_DATA, vector_base + 8);
	/* ICW3: master has a slave on input 2 (bit mask); slave's id is 2. */
	outb(PIC1_DATA, 1 << PIC_CASCADE_IRQ);
	outb(PIC2_DATA, PIC_CASCADE_IRQ);
	/* ICW4: 8086 mode, normal (not automatic) EOI. */
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);

	/* The firmware set which lines are level triggered (PCI INTx). */
	irq_level = inb(ELCR1) | (uint16_t)inb(ELCR2) << 8;

	/* Everything masked but the cascade, which slave IRQs pass through. */
	irq_mask = 0xFFFF & ~(1u << PIC_CASCADE_IRQ);
	pic_mask_write();
}

void
pic_mask(int irq)
{
	irq_mask |= 1u << irq;
	pic_mask_write();
}

void
pic_unmask(int irq)
{
	irq_mask &= ~(1u << irq);
	pic_mask_write();
}

int
pic_level_triggered(int irq)
{
	return (irq_level >> irq) & 1;
}

int
pic_is_masked(int irq)
{
	return (irq_mask >> irq) & 1;
}

void
pic_eoi(int irq)
{
	if (irq >= 8)
		pic_eoi_write(1);
	pic_eoi_write(0);
}

static uint16_t
pic_reg_read(uint8_t ocw3)
{
	outb(PIC1_CMD, ocw3);
	outb(PIC2_CMD, ocw3);
	return inb(PIC1_CMD) | (uint16_t)inb(PIC2_CMD) << 8;
}

/* In-service register of both chips: bit n set while IRQ n is served. */
uint16_t
pic_isr(void)
{
	return pic_reg_read(OCW3_READ_ISR);
}

/* Interrupt request register: bit n set while IRQ n is raised. */
uint16_t
pic_irr(void)
{
	return pic_reg_read(OCW3_READ_IRR);
}

/*
 * Called for IRQ 7 and 15 before any handler: is this one spurious?  If
 * so it is counted, and acknowledged only as far as the hardware requires.
 */
int
pic_spurious(int irq)
{
	if (irq != 7 && irq != 15)
		return 0;
	if (pic_isr() & (1u << irq))
		return 0;
	pic_spurious_count[irq == 15]++;
	if (irq == 15)
		pic_eoi_write(0); /* the master's IRQ 2 was real */
	return 1;
}
