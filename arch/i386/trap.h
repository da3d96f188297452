/*
 * trap.h: the frame every interrupt and exception saves (vectors.asm).
 */
#ifndef TRAP_H
#define TRAP_H

#include <stdint.h>

#include "cpu.h"

struct trapframe {
	/* pushad, in memory order */
	uint32_t edi, esi, ebp;
	uint32_t kesp; /* pushad's copy, not restored; the double-fault task
			  puts the faulting esp here (TF_ESP is its own) */
	uint32_t ebx, edx, ecx, eax;
	/* a process's data segments, saved and restored only when the trap
	 * came from ring 3 (the kernel's own never change) */
	uint32_t es, ds;
	uint32_t vector;
	uint32_t err; /* CPU error code, or 0 */
	/* pushed by the CPU */
	uint32_t eip, cs, eflags;
	uint32_t uesp, uss; /* only from ring 3 (a privilege change) */
};

_Static_assert(__builtin_offsetof(struct trapframe, cs) == 52,
	       "vectors.asm's TF_CS");
_Static_assert(__builtin_offsetof(struct trapframe, eflags) == 56,
	       "vectors.asm's TF_EFLAGS");

#define SEG_KCODE 0x08 /* the GDT's selectors (desc.c) */
#define SEG_KDATA 0x10
#define SEG_UCODE 0x2B /* gdt[5], ring 3 */
#define SEG_UDATA 0x33 /* gdt[6], ring 3 */

/* The trap came from a process: from ring 3, or from virtual-8086 mode,
 * which runs in ring 3 whatever cs holds (a real-mode segment there:
 * QEMU's TCG lets a program's iret into it, though the SDM allows that
 * iret to ring 0 only).  Linux's user_mode() asks the same two things. */
static inline int
TF_USER(const struct trapframe *tf)
{
	return (tf->cs & 3) == 3 || (tf->eflags & EFLAGS_VM);
}

/* What a program may leave in EFLAGS on its way back to ring 3:
 * arithmetic's flags and those it sets itself (popf): TF (it steps
 * itself), DF, NT (its own iret then faults), RF, AC, ID.  Never IOPL
 * or VM; IF always on. */
#define EFLAGS_USER                                                            \
	(EFLAGS_STATUS | EFLAGS_TF | EFLAGS_DF | EFLAGS_NT | EFLAGS_RF |       \
	 EFLAGS_AC | EFLAGS_ID)

#define T_DIVIDE  0    /* divide error */
#define T_DEBUG	  1    /* debug: a single step (TF), or icebp */
#define T_NMI	  2    /* non-maskable interrupt: the machine's, not ours */
#define T_BRKPT	  3    /* int3: a program may raise it (desc.c) */
#define T_OFLOW	  4    /* into: and this one */
#define T_INVALOP 6    /* invalid opcode */
#define T_NOFPU	  7    /* device not available: x87 with CR0.EM */
#define T_DOUBLE  8    /* double fault */
#define T_GPFLT	  13   /* general protection */
#define T_PGFLT	  14   /* page fault */
#define T_ALIGN	  17   /* alignment check (AC and CR0.AM) */
#define T_MCHECK  18   /* machine check: the hardware's */
#define T_IRQ0	  0x20 /* the PIC's IRQ 0 lands here (pic.c) */
#define T_NIRQ	  16

#define T_SYSCALL 0x80 /* int $0x80: a process's system call */

/* The stack pointer the interrupted code had: a process's, saved by the
 * CPU; the kernel's, just above what the CPU pushed (no privilege
 * change, so no ss:esp), or for a double fault the one the task switch
 * saved. */
static inline uint32_t
TF_ESP(const struct trapframe *tf)
{
	if (tf->vector == T_DOUBLE)
		return tf->kesp;
	return TF_USER(tf) ? tf->uesp : (uint32_t)(uintptr_t)&tf->eflags + 4;
}

/* A 32-bit task state segment (Intel SDM 7.2.1). */
struct tss {
	uint16_t link, r0;
	uint32_t esp0;
	uint16_t ss0, r1;
	uint32_t esp1;
	uint16_t ss1, r2;
	uint32_t esp2;
	uint16_t ss2, r3;
	uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10;
	uint16_t trap, iomap;
} __attribute__((packed));

extern struct tss tss_main;

void gdt_init(void);
void tss_set_cr3(uint32_t cr3);
/* the stack a trap from ring 3 starts on: the running thread's */
static inline void
tss_set_esp0(uint32_t esp0)
{
	tss_main.esp0 = esp0;
}
void trap_return(void); /* vectors.asm: pops a trapframe and irets */
void double_fault_task(void) __attribute__((noreturn));
void idt_init(void);
void trap(struct trapframe *tf);
const char *trap_name(uint32_t vector);

#endif
