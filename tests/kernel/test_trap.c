/*
 * test_trap.c: the user/kernel boundary as the kernel sets it up: which
 * gates ring 3 may `int` to, what a frame returned to ring 3 may hold,
 * what counts as a program's frame.  (tests/scenarios/hostile.py tries
 * the same from a program.)
 */
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "ktest.h"
#include "proc/proc.h"
#include "thread.h"
#include "trap.h"

#define CR0_AM (1u << 18)

TEST(trap_only_the_system_call_int3_and_into_gates_are_ring_3s)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	const uint8_t *idt = (const uint8_t *)idtr.base;

	CHECK_EQ(idtr.limit, 256 * 8 - 1);
	for (int v = 0; v < 256; v++) {
		int dpl = (idt[v * 8 + 5] >> 5) & 3;
		int want =
			v == T_SYSCALL || v == T_BRKPT || v == T_OFLOW ? 3 : 0;
		CHECK(dpl == want, "vector 0x%x: a gate of ring %d, not %d", v,
		      dpl, want);
	}
}

TEST(trap_a_frame_returned_to_ring_3_is_a_ring_3_one_whatever_it_held)
{
	/* what a bug (or a program through one) could leave in a frame:
	 * every flag but VM, the kernel's selectors */
	struct trapframe tf = {
		.eflags = ~EFLAGS_VM,
		.cs = SEG_KCODE,
		.uss = SEG_KDATA,
	};

	CHECK(curthread->proc == NULL, "a test runs in a kernel thread");
	proc_userret(&tf);
	CHECK_EQ(tf.eflags, EFLAGS_USER | EFLAGS_IF | EFLAGS_1);
	CHECK(!(tf.eflags & (EFLAGS_IOPL | EFLAGS_VM)), "eflags %08x",
	      tf.eflags);
	CHECK_EQ(tf.cs, SEG_UCODE);
	CHECK_EQ(tf.uss, SEG_UDATA);
	tf.eflags = 0; /* IF and the reserved bit always come back on */
	proc_userret(&tf);
	CHECK_EQ(tf.eflags, EFLAGS_IF | EFLAGS_1);
}

TEST(trap_a_vm86_frame_is_a_programs_whatever_cs_says)
{
	struct trapframe vm86 = {.cs = 0x1000, .eflags = EFLAGS_VM | 2};
	struct trapframe ring3 = {.cs = SEG_UCODE, .eflags = 2};
	struct trapframe ring0 = {.cs = SEG_KCODE, .eflags = 2};

	CHECK(TF_USER(&vm86), "a vm86 frame taken for the kernel's");
	CHECK(TF_USER(&ring3), "a ring 3 frame taken for the kernel's");
	CHECK(!TF_USER(&ring0), "a ring 0 frame taken for a program's");
}

TEST(trap_alignment_checks_are_on_for_ring_3)
{
	CHECK(cr0_read() & CR0_AM, "CR0.AM clear: a program's AC does nothing");
}

/* What a program's TF carried into ring 0 by a mov ss shadow looks like
 * to the kernel: a single-step #DB in ring 0.  It must be absorbed (the
 * trap clears it and TF), never a panic. */
TEST(trap_a_single_step_in_ring_0_is_absorbed_not_a_panic)
{
	uint32_t after;

	__asm__ volatile("pushfl\n\t"
			 "orl %1, (%%esp)\n\t"
			 "popfl\n\t"
			 "nop\n\t" /* the step lands after this */
			 "pushfl\n\t"
			 "popl %0"
			 : "=r"(after)
			 : "i"(EFLAGS_TF)
			 : "cc", "memory");
	CHECK(!(after & EFLAGS_TF), "TF still set in ring 0: eflags %08x",
	      after);
}
