/*
 * desc.c: the descriptor tables, GDT and IDT.  GRUB leaves a GDT of its
 * own whose memory we may reuse, so the kernel loads one it owns: a flat
 * ring-0 code and data segment, base 0, limit 4 GiB.
 */
#include <stdint.h>

#include "trap.h"

#define SEG_KCODE 0x08 /* selector of gdt[1] */
#define SEG_KDATA 0x10 /* selector of gdt[2] */

/*
 * Descriptor bits (Intel SDM 3.4.5), for the 4 GiB flat segments:
 * limit 0xFFFFF in 4 KiB units (G=1), 32-bit (D=1), present, ring 0,
 * code = execute/read, data = read/write.
 */
static const uint64_t gdt[] = {
	0,		       /* the null descriptor */
	0x00CF9A000000FFFFull, /* kernel code */
	0x00CF92000000FFFFull, /* kernel data */
};

void
gdt_init(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) gdtr = {sizeof(gdt) - 1, (uint32_t)gdt};

	/* Reload every segment register: a far jump for CS, moves for the
	 * rest, so no register keeps a descriptor cached from GRUB's table. */
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp %1, $1f\n"
			 "1:\n\t"
			 "mov %2, %%ax\n\t"
			 "mov %%ax, %%ds\n\t"
			 "mov %%ax, %%es\n\t"
			 "mov %%ax, %%fs\n\t"
			 "mov %%ax, %%gs\n\t"
			 "mov %%ax, %%ss\n\t"
			 :
			 : "m"(gdtr), "i"(SEG_KCODE), "i"(SEG_KDATA)
			 : "eax", "memory");
}

/*
 * The IDT: 256 interrupt gates, all into vectors.asm's stubs.  Interrupt
 * gates (not trap gates) so IF is clear on entry; trap() decides when to
 * allow nesting.
 */
struct gate {
	uint16_t off_lo, sel;
	uint8_t zero, type; /* type 0x8E: present, ring 0, 32-bit intr gate */
	uint16_t off_hi;
} __attribute__((packed));

#define GATE_INTR32 0x8E

static struct gate idt[256];
extern const uint32_t trap_vectors[256];

void
idt_init(void)
{
	for (int i = 0; i < 256; i++) {
		idt[i].off_lo = trap_vectors[i] & 0xFFFF;
		idt[i].off_hi = trap_vectors[i] >> 16;
		idt[i].sel = SEG_KCODE;
		idt[i].zero = 0;
		idt[i].type = GATE_INTR32;
	}
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint32_t)idt};
	__asm__ volatile("lidt %0" : : "m"(idtr));
}
