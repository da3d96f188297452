/*
 * test_intr.c: the 8259's spurious IRQs are counted and not acknowledged
 * with an EOI that would end a real interrupt's service; shared IRQs.
 */
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "intr.h"
#include "ktest.h"
#include "pic.h"

/*
 * A software "int 0x27" looks exactly like a spurious IRQ 7 to the kernel:
 * the master's in-service bit 7 is clear.  It must be counted and must
 * send no EOI at all (one would end a real interrupt's service).
 */
TEST(intr_spurious_irq7_is_counted_without_eoi)
{
	uint32_t fl = irq_save();
	uint32_t spurious = pic_spurious_count[0];
	uint32_t m = pic_eoi_count[0], sl = pic_eoi_count[1];
	uint64_t runs = intr_stats.irq[7].runs;

	__asm__ volatile("int $0x27");
	uint32_t dm = pic_eoi_count[0] - m, ds = pic_eoi_count[1] - sl;
	irq_restore(fl);
	CHECK_EQ(pic_spurious_count[0] - spurious, 1);
	CHECK(dm == 0 && ds == 0,
	      "spurious IRQ 7 sent %u master and %u slave EOIs, expected none",
	      dm, ds);
	CHECK_EQ(intr_stats.irq[7].runs - runs, 0);
}

/* A spurious IRQ 15 came through the master's IRQ 2, which was real: the
 * master gets its EOI, the slave none. */
TEST(intr_spurious_irq15_is_counted_with_master_eoi_only)
{
	uint32_t fl = irq_save();
	uint32_t spurious = pic_spurious_count[1];
	uint32_t m = pic_eoi_count[0], sl = pic_eoi_count[1];
	uint64_t runs = intr_stats.irq[15].runs;

	__asm__ volatile("int $0x2F");
	uint32_t dm = pic_eoi_count[0] - m, ds = pic_eoi_count[1] - sl;
	irq_restore(fl);
	CHECK_EQ(pic_spurious_count[1] - spurious, 1);
	CHECK(dm == 1 && ds == 0,
	      "spurious IRQ 15 sent %u master and %u slave EOIs, expected 1 "
	      "and 0",
	      dm, ds);
	CHECK_EQ(intr_stats.irq[15].runs - runs, 0);
}

static volatile int handler_runs[2];

static int
count_handler(void *arg)
{
	handler_runs[(uintptr_t)arg]++;
	return arg == 0;
}

TEST(intr_shared_irq_calls_every_handler)
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
