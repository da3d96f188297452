/*
 * test_intr.c: the 8259's spurious IRQs are counted and not acknowledged
 * with an EOI that would end a real interrupt's service.
 */
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "intr.h"
#include "ktest.h"
#include "pic.h"

static volatile int hook_ran;
static volatile uint16_t isr_before, isr_after;
static volatile uint32_t spurious_seen;

/* Runs inside the clock's IRQ 0, so the master's ISR bit 0 is set.  A
 * software "int 0x27" looks exactly like a spurious IRQ 7 to the handler:
 * the master's ISR bit 7 is clear. */
static int
irq0_hook(void *arg)
{
	(void)arg;
	if (hook_ran)
		return 0;
	isr_before = pic_isr();
	uint32_t before = pic_spurious_count[0];
	__asm__ volatile("int $0x27");
	spurious_seen = pic_spurious_count[0] - before;
	isr_after = pic_isr();
	hook_ran = 1;
	return 0;
}

TEST(spurious_irq7_is_counted_without_eoi)
{
	hook_ran = 0;
	struct intrhand *ih =
		intr_establish(0, IPL_CLOCK, irq0_hook, NULL, "test");
	for (int i = 0; i < 100000000 && !hook_ran; i++)
		cpu_pause();
	intr_disestablish(ih);
	CHECK(hook_ran, "the IRQ 0 hook never ran");
	CHECK(isr_before & 1,
	      "IRQ 0 was not in service in its own handler "
	      "(ISR %04x)",
	      isr_before);
	CHECK_EQ(spurious_seen, 1);
	CHECK(isr_after & 1,
	      "the spurious IRQ 7 ended IRQ 0's service with an EOI "
	      "(ISR %04x before, %04x after)",
	      isr_before, isr_after);
}

TEST(spurious_irq15_is_counted)
{
	uint32_t before15 = pic_spurious_count[1];
	uint64_t taken = intr_stats.count[15];

	__asm__ volatile("int $0x2F");
	CHECK_EQ(pic_spurious_count[1] - before15, 1);
	CHECK_EQ(intr_stats.count[15] - taken, 0);
}

static volatile int handler_runs[2];

static int
count_handler(void *arg)
{
	handler_runs[(uintptr_t)arg]++;
	return arg == 0;
}

TEST(shared_irq_calls_every_handler)
{
	handler_runs[0] = handler_runs[1] = 0;
	/* IRQ 5 is unused on QEMU's pc; a software int stands in for it. */
	struct intrhand *a =
		intr_establish(5, IPL_BIO, count_handler, (void *)0, "a");
	struct intrhand *b =
		intr_establish(5, IPL_BIO, count_handler, (void *)1, "b");
	__asm__ volatile("int $0x25");
	intr_disestablish(a);
	intr_disestablish(b);
	CHECK_EQ(handler_runs[0], 1);
	CHECK_EQ(handler_runs[1], 1);
	CHECK(pic_is_masked(5), "IRQ 5 left unmasked with no handlers");
}
