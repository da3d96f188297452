/*
 * desc.c: the descriptor tables, GDT and IDT, and two task state segments.
 * GRUB leaves a GDT of its own whose memory we may reuse, so the kernel
 * loads one it owns: flat code and data segments, base 0, limit 4 GiB,
 * for ring 0 and for ring 3 (processes; paging, not segments, keeps
 * them out of the kernel's pages).
 *
 * The TSSs exist for one purpose: a double fault (vector 8) goes through
 * a task gate, so the CPU switches to a fresh stack before it pushes
 * anything.  Its usual cause in a kernel is a stack overflow into a guard
 * page, where an ordinary handler's frame could not be pushed and the CPU
 * would reset.  The CPU saves the faulting context in tss_main.
 */
#include <stdint.h>

#include "trap.h"

#define SEG_TSS	    0x18 /* gdt[3]: the TSS everything runs in */
#define SEG_TSS_DF  0x20 /* gdt[4]: the double-fault task */
#define TSS_AVAIL32 0x89 /* present, ring 0, 32-bit TSS, not busy */
#define DF_STACK    8192

/*
 * Descriptor bits (Intel SDM 3.4.5), for the 4 GiB flat segments:
 * limit 0xFFFFF in 4 KiB units (G=1), 32-bit (D=1), present, ring 0,
 * code = execute/read, data = read/write.
 */
static uint64_t gdt[] = {
	0,		       /* the null descriptor */
	0x00CF9A000000FFFFull, /* kernel code */
	0x00CF92000000FFFFull, /* kernel data */
	0,		       /* tss_main, filled in by gdt_init */
	0,		       /* tss_df */
	0x00CFFA000000FFFFull, /* user code: the same, ring 3 */
	0x00CFF2000000FFFFull, /* user data */
};

struct tss tss_main;
static struct tss tss_df;
static uint8_t df_stack[DF_STACK] __attribute__((aligned(16)));

/* A byte-granular system descriptor for the TSS t. */
static uint64_t
tss_descriptor(const struct tss *t)
{
	uint64_t base = (uint32_t)t, limit = sizeof(*t) - 1;

	return (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 |
	       (uint64_t)TSS_AVAIL32 << 40 | ((limit >> 16) & 0xF) << 48 |
	       (base >> 24) << 56;
}

/* Paging is on: the double-fault task must use the same page tables. */
void
tss_set_cr3(uint32_t cr3)
{
	tss_df.cr3 = cr3;
}

void
gdt_init(void)
{
	tss_df.eip = (uint32_t)double_fault_task;
	tss_df.esp = (uint32_t)(df_stack + DF_STACK);
	tss_df.cs = SEG_KCODE;
	tss_df.ds = tss_df.es = tss_df.ss = tss_df.fs = tss_df.gs = SEG_KDATA;
	tss_df.eflags = 0x2; /* bit 1 always set; IF clear */
	tss_main.iomap = tss_df.iomap = sizeof(struct tss); /* no I/O bitmap */
	tss_main.ss0 = SEG_KDATA; /* esp0: the running thread's stack */
	gdt[SEG_TSS / 8] = tss_descriptor(&tss_main);
	gdt[SEG_TSS_DF / 8] = tss_descriptor(&tss_df);

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
			 "mov %3, %%ax\n\t"
			 "ltr %%ax\n\t"
			 :
			 : "m"(gdtr), "i"(SEG_KCODE), "i"(SEG_KDATA),
			   "i"(SEG_TSS)
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
#define GATE_USER   0x60 /* DPL 3: ring 3 may `int` to it */
#define GATE_TASK   0x85 /* present, ring 0, task gate */

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
	idt[T_DOUBLE] = (struct gate){0, SEG_TSS_DF, 0, GATE_TASK, 0};
	/* The only vectors a program's `int` may reach: the system call,
	 * and int3 and into, which end it with SIGTRAP and SIGSEGV as on
	 * Linux.  Any other `int` is #GP (error code: the vector), so a
	 * program can never fake an IRQ or an exception's frame. */
	idt[T_SYSCALL].type = GATE_INTR32 | GATE_USER;
	idt[T_BRKPT].type = GATE_INTR32 | GATE_USER;
	idt[T_OFLOW].type = GATE_INTR32 | GATE_USER;
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint32_t)idt};
	__asm__ volatile("lidt %0" : : "m"(idtr));
}
