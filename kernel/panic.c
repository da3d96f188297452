/*
 * panic.c: the last words of a kernel that found a bug: the reason, every
 * register, a backtrace with function names, then a halt (or, with
 * panic=exit on the command line, a failing exit from QEMU so a test run
 * ends at once instead of timing out).
 */
#include "panic.h"

#include <stdarg.h>

#include "cmdline_opt.h"
#include "console.h"
#include "cpu.h"
#include "ksym.h"
#include "power.h"
#include "trap.h"
#include "vm.h"

#define BT_MAX_FRAMES 32

static int panicking;

static void panic_stop(void) __attribute__((noreturn));

static void
regs_print(const struct trapframe *tf)
{
	kprintf("  eax %08x  ebx %08x  ecx %08x  edx %08x\n", tf->eax, tf->ebx,
		tf->ecx, tf->edx);
	kprintf("  esi %08x  edi %08x  ebp %08x  esp %08x\n", tf->esi, tf->edi,
		tf->ebp, TF_ESP(tf));
	kprintf("  eip %08x  eflags %08x  cs %04x  cr2 %08x  cr3 %08x\n",
		tf->eip, tf->eflags, tf->cs & 0xFFFF, cr2_read(), cr3_read());
}

static void
frame_print(int n, uint32_t pc)
{
	uint32_t off;
	const char *name = ksym_lookup(pc, &off);

	if (name)
		kprintf("  #%d %08x %s+0x%x\n", n, pc, name, off);
	else
		kprintf("  #%d %08x ?\n", n, pc);
}

/*
 * Walk the frame-pointer chain (-fno-omit-frame-pointer): [ebp] is the
 * caller's ebp, [ebp+4] the return address.  Every frame must be mapped,
 * aligned and above the last one, so a corrupt stack ends the walk rather
 * than faulting inside the report.
 */
static void
backtrace_walk(int n, uint32_t ebp)
{
	while (ebp && n < BT_MAX_FRAMES) {
		if ((ebp & 3) || !vm_is_mapped(ebp) || !vm_is_mapped(ebp + 7))
			break;
		const uint32_t *frame = (const uint32_t *)ebp;
		if (!frame[1])
			break;
		/* the return address points after the call: name the call */
		frame_print(n++, frame[1] - 1);
		if (frame[0] <= ebp)
			break;
		ebp = frame[0];
	}
}

void
backtrace_print(uint32_t eip, uint32_t ebp)
{
	kprintf("backtrace:\n");
	frame_print(0, eip);
	backtrace_walk(1, ebp);
}

#define X86_PUSH_EBP	0x55   /* push %ebp */
#define X86_MOV_ESP_EBP 0xE589 /* mov %esp,%ebp (89 e5) */

/*
 * A trap can land in a function whose frame is not (yet) built: a leaf
 * GCC compiled without one, or the first two instructions of any function.
 * Then ebp is still the caller's, and the return address into the caller
 * is on the stack at esp (or esp+4 after the push): print it from there,
 * so the caller is not missing from the list.
 */
static void
backtrace_trap(const struct trapframe *tf)
{
	uint32_t off, esp = TF_ESP(tf);
	const char *name = ksym_lookup(tf->eip, &off);

	kprintf("backtrace:\n");
	frame_print(0, tf->eip);
	if (name && vm_is_mapped(esp) && vm_is_mapped(esp + 7)) {
		const uint8_t *fn = (const uint8_t *)(tf->eip - off);
		int framed = fn[0] == X86_PUSH_EBP &&
			     (fn[1] | fn[2] << 8) == X86_MOV_ESP_EBP;
		uint32_t ret = 0;
		if (!framed || off == 0)
			ret = ((const uint32_t *)esp)[0];
		else if (off == 1)
			ret = ((const uint32_t *)esp)[1];
		if (ret) {
			frame_print(1, ret - 1);
			backtrace_walk(2, tf->ebp);
			return;
		}
	}
	backtrace_walk(1, tf->ebp);
}

static void
panic_stop(void)
{
	kprintf("System halted.\n");
	if (cmdline_opt_is("panic", "exit"))
		power_off(POWER_EXIT_PANIC);
	for (;;) {
		cli();
		__asm__ volatile("hlt");
	}
}

static void
panic_enter(void)
{
	cli();
	if (panicking++) {
		/* A fault while reporting: say so and stop, no recursion. */
		kputs("\npanic: nested panic\n");
		panic_stop();
	}
}

void
panic(const char *fmt, ...)
{
	struct trapframe tf = {0};
	va_list ap;

	/* Snapshot the registers first, before the report changes them. */
	__asm__ volatile("mov %%eax, %0\n\t"
			 "mov %%ebx, %1\n\t"
			 "mov %%ecx, %2\n\t"
			 "mov %%edx, %3\n\t"
			 "mov %%esi, %4\n\t"
			 "mov %%edi, %5\n\t"
			 : "=m"(tf.eax), "=m"(tf.ebx), "=m"(tf.ecx),
			   "=m"(tf.edx), "=m"(tf.esi), "=m"(tf.edi));
	tf.eflags = eflags_read();
	panic_enter();
	tf.ebp = (uint32_t)__builtin_frame_address(0);
	tf.eip = (uint32_t)__builtin_return_address(0);
	__asm__ volatile("mov %%cs, %0" : "=r"(tf.cs));
	kprintf("\npanic: ");
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	regs_print(&tf);
	/* Start at panic's caller: frame 0 names who called panic. */
	const uint32_t *fp = (const uint32_t *)tf.ebp;
	backtrace_print(tf.eip - 1, fp[0]);
	panic_stop();
}

void
panic_trap(struct trapframe *tf, const char *what, const char *note)
{
	panic_enter();
	kprintf("\npanic: %s (vector %u, error code 0x%x) at eip %08x\n", what,
		tf->vector, tf->err, tf->eip);
	if (note)
		kprintf("%s\n", note);
	if (tf->vector == T_PGFLT)
		kprintf("page fault at address %08x: %s, %s, %s\n", cr2_read(),
			tf->err & 1 ? "protection violation"
				    : "page not present",
			tf->err & 2 ? "write" : "read",
			tf->err & 16 ? "instruction fetch" : "data access");
	regs_print(tf);
	backtrace_trap(tf);
	panic_stop();
}
