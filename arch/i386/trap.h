/*
 * trap.h: the frame every interrupt and exception saves (vectors.asm).
 */
#ifndef TRAP_H
#define TRAP_H

#include <stdint.h>

struct trapframe {
	/* pushad, in memory order */
	uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
	uint32_t vector;
	uint32_t err; /* CPU error code, or 0 */
	/* pushed by the CPU; no privilege change, so no ss:esp */
	uint32_t eip, cs, eflags;
};

/* The stack pointer the interrupted code had: just above the CPU's part. */
#define TF_ESP(tf) ((uint32_t)(uintptr_t) & (tf)->eflags + 4)

#define T_DIVIDE  0    /* divide error */
#define T_INVALOP 6    /* invalid opcode */
#define T_DOUBLE  8    /* double fault */
#define T_GPFLT	  13   /* general protection */
#define T_PGFLT	  14   /* page fault */
#define T_IRQ0	  0x20 /* the PIC's IRQ 0 lands here (pic.c) */
#define T_NIRQ	  16

void gdt_init(void);
void idt_init(void);
void trap(struct trapframe *tf);
const char *trap_name(uint32_t vector);

#endif
