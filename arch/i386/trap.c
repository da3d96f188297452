/*
 * trap.c: where every vector lands (vectors.asm -> trap).  CPU exceptions
 * in the kernel are bugs: report and stop.  IRQs go to intr.c.
 */
#include "trap.h"

#include "intr.h"
#include "panic.h"

static const char *const exc_name[32] = {
	"divide error (#DE)",
	"debug (#DB)",
	"non-maskable interrupt",
	"breakpoint (#BP)",
	"overflow (#OF)",
	"bound range exceeded (#BR)",
	"invalid opcode (#UD)",
	"device not available (#NM)",
	"double fault (#DF)",
	"coprocessor segment overrun",
	"invalid TSS (#TS)",
	"segment not present (#NP)",
	"stack-segment fault (#SS)",
	"general protection fault (#GP)",
	"page fault (#PF)",
	"reserved vector 15",
	"x87 floating-point error (#MF)",
	"alignment check (#AC)",
	"machine check (#MC)",
	"SIMD floating-point exception (#XM)",
	"virtualization exception (#VE)",
	"control protection exception (#CP)",
};

const char *
trap_name(uint32_t vector)
{
	if (vector < 32)
		return exc_name[vector] ? exc_name[vector]
					: "reserved exception";
	if (vector >= T_IRQ0 && vector < T_IRQ0 + T_NIRQ)
		return "hardware interrupt";
	return "unexpected interrupt vector";
}

void
trap(struct trapframe *tf)
{
	if (tf->vector >= T_IRQ0 && tf->vector < T_IRQ0 + T_NIRQ) {
		intr_dispatch(tf->vector - T_IRQ0);
		return;
	}
	panic_trap(tf, trap_name(tf->vector));
}
