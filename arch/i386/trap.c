/*
 * trap.c: where every vector lands (vectors.asm -> trap).  CPU exceptions
 * in the kernel are bugs: report and stop; in a process they end it
 * (proc.c).  IRQs go to intr.c, system calls to syscall.c.  "In a
 * process" is TF_USER's: ring 3 or virtual-8086 mode; an `int $0x80`
 * from vm86 is no system call, only a fault.
 */
#include "trap.h"

#include "cpu.h"
#include "intr.h"
#include "panic.h"
#include "pit_reg.h"
#include "prof.h"
#include "printf.h"
#include "proc/proc.h"
#include "thread.h"

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
		if (tf->vector == T_IRQ0 + PIT_IRQ)
			prof_tick(tf);
		intr_dispatch(tf->vector - T_IRQ0);
		sched_preempt_check();
	} else if (tf->vector == T_DEBUG && !TF_USER(tf) &&
		   (dr6_read() & DR6_BS)) {
		/* A single step in ring 0: nothing here sets TF, so it is a
		 * program's, carried in by a mov ss (or pop ss) shadow over
		 * its `int $0x80` (the SDM delivers the held-back #DB after
		 * the next instruction, the gate's).  The program keeps its
		 * TF and takes its step back in ring 3; the kernel's own
		 * code is never stepped on. */
		dr6_write(0);
		tf->eflags &= ~EFLAGS_TF;
	} else if (!TF_USER(tf) || tf->vector == T_NMI ||
		   tf->vector == T_MCHECK) {
		/* the kernel's own fault, a bug; or the machine's, which
		 * the program that happened to run did not cause */
		panic_trap(tf, trap_name(tf->vector), NULL);
	} else if (tf->vector == T_SYSCALL && !(tf->eflags & EFLAGS_VM)) {
		syscall(tf);
		cli();
		sched_preempt_check();
	} else {
		proc_fault(tf); /* ends the process */
	}
	if (TF_USER(tf))
		proc_userret(tf); /* checks the frame it returns through */
}

/*
 * The double-fault task (desc.c): entered by a hardware task switch, on a
 * stack of its own, because the usual cause is a kernel stack overflow,
 * where the faulting stack cannot take even the exception's frame.  The
 * CPU saved the faulting context in the main TSS.
 */
void
double_fault_task(void)
{
	const struct tss *t = &tss_main;
	struct trapframe tf = {
		.edi = t->edi,
		.esi = t->esi,
		.ebp = t->ebp,
		.kesp = t->esp,
		.ebx = t->ebx,
		.edx = t->edx,
		.ecx = t->ecx,
		.eax = t->eax,
		.vector = T_DOUBLE,
		.eip = t->eip,
		.cs = t->cs,
		.eflags = t->eflags,
	};
	char note[96];
	struct thread *th = thread_guard_owner(t->esp - 4);

	if (th)
		snprintf(note, sizeof(note),
			 "kernel stack overflow: thread %d (%s) ran into its "
			 "guard page (esp %08x)",
			 th->id, th->name, t->esp);
	else
		snprintf(note, sizeof(note), "esp was %08x", t->esp);
	panic_trap(&tf, trap_name(T_DOUBLE), note);
}
