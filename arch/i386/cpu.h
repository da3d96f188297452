/*
 * cpu.h: the x86 instructions C cannot say: port I/O, interrupt flag,
 * control registers, the time-stamp counter.  All static inline.
 */
#ifndef CPU_H
#define CPU_H

#include <stdint.h>

/* EFLAGS (Intel SDM 3.4.3) */
#define EFLAGS_STATUS 0x08D5u	 /* CF PF AF ZF SF OF: arithmetic's results */
#define EFLAGS_1      (1u << 1)	 /* reserved, always 1 */
#define EFLAGS_TF     (1u << 8)	 /* trap after each instruction */
#define EFLAGS_IF     (1u << 9)	 /* interrupts enabled */
#define EFLAGS_DF     (1u << 10) /* string instructions go down */
#define EFLAGS_IOPL   (3u << 12) /* the ring that may do port I/O, cli */
#define EFLAGS_NT     (1u << 14) /* iret returns to the TSS's link */
#define EFLAGS_RF     (1u << 16) /* no instruction breakpoint once */
#define EFLAGS_VM     (1u << 17) /* virtual-8086 mode */
#define EFLAGS_AC     (1u << 18) /* alignment checks in ring 3 */
#define EFLAGS_ID     (1u << 21) /* writable only if CPUID exists */

static inline uint8_t
inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t
inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t
inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void
outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void
outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void
outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline void
cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void
sti(void)
{
	__asm__ volatile("sti" ::: "memory");
}

/* Enable interrupts and halt as one step: STI's one-instruction shadow
 * means an interrupt pending at the STI is taken after HLT starts, so a
 * wakeup between a caller's check and the halt is never slept through. */
static inline void
sti_hlt(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

static inline uint32_t
eflags_read(void)
{
	uint32_t f;
	__asm__ volatile("pushfl; popl %0" : "=r"(f));
	return f;
}

/* Interrupts off, returning what to give irq_restore. */
static inline uint32_t
irq_save(void)
{
	uint32_t f = eflags_read();
	cli();
	return f;
}

static inline void
irq_restore(uint32_t f)
{
	if (f & EFLAGS_IF)
		sti();
}

static inline uint32_t
cr0_read(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

#define DR6_BS (1u << 14) /* the #DB was a single step (TF) */

static inline uint32_t
dr6_read(void)
{
	uint32_t v;
	__asm__ volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static inline void
dr6_write(uint32_t v)
{
	__asm__ volatile("mov %0, %%dr6" : : "r"(v));
}

static inline uint32_t
cr2_read(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint32_t
cr3_read(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void
invlpg(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t
rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* fs and gs, which only processes use (the kernel never does): both
 * selectors, fs in the low half. */
static inline uint32_t
fsgs_read(void)
{
	uint32_t fs, gs;
	__asm__ volatile("mov %%fs, %0\n\tmov %%gs, %1" : "=r"(fs), "=r"(gs));
	return (fs & 0xFFFF) | gs << 16;
}

static inline void
fsgs_load(uint32_t v)
{
	__asm__ volatile("mov %0, %%fs\n\tmov %1, %%gs"
			 :
			 : "r"(v & 0xFFFF), "r"(v >> 16));
}

static inline void
cpu_pause(void)
{
	__asm__ volatile("pause");
}

#endif
