/*
 * main.c: kmain, the first C code.  Brings the machine up in dependency
 * order, then runs the tests (`test` on the command line) or the shell.
 */
#include "ahci.h"
#include "nvme.h"
#include "proc/binfs.h"
#include "blk/bcache.h"
#include "blk/buf.h"
#include "clock.h"
#include "cmdline_opt.h"
#include "fs/vfs.h"
#include "console.h"
#include "cpu.h"
#include "cpucheck.h"
#include "kmalloc.h"
#include "ide.h"
#include "ksym.h"
#include "ktest.h"
#include "multiboot.h"
#include "panic.h"
#include "pci.h"
#include "pic.h"
#include "blk/lv.h"
#include "blk/part.h"
#include "pmem.h"
#include "power.h"
#include "ramdisk.h"
#include "shell/shell.h"
#include "string.h"
#include "thread.h"
#include "blk/trace.h"
#include "trap.h"
#include "uart.h"
#include "vm.h"

#define IODINE_VERSION "0.1"
#define EXIT_NO_CPU    4 /* halt status: this CPU will not do */

void kmain(uint32_t magic, const struct multiboot_info *mbi)
	__attribute__((noreturn));

void
kmain(uint32_t magic, const struct multiboot_info *mbi)
{
	uart_init(); /* first: everything after may need to say something */
	kprintf("\niodine %s: booting\n", IODINE_VERSION);
	if (magic != MULTIBOOT_BOOT_MAGIC)
		panic("kmain: not started by a Multiboot loader (magic %08x)",
		      magic);

	gdt_init();
	idt_init(); /* from here on a fault is reported, not a reset */
	pic_init(T_IRQ0);
	ksym_init(mbi);
	cmdline_opt_init(
		mbi->flags & MB_INFO_CMDLINE ? (const char *)mbi->cmdline : "");
	pmem_init(mbi); /* needs ksym's ranges: keeps the symbol table */
	vm_init();
	kmalloc_init();
	/* before the first RDTSC (the clock), after what power_off may need
	 * (ACPI's tables are mapped through vm and pmem) */
	const char *lacks = cpu_missing_feature();
	if (lacks) {
		kprintf("iodine: this CPU lacks %s, which iodine needs: it "
			"runs on a Pentium or later (QEMU: -cpu pentium); "
			"powering off\n",
			lacks);
		power_off(EXIT_NO_CPU);
	}

	thread_init(); /* this context becomes thread "main" */
	iodone_init();
	clock_init();
	uart_intr_enable();
	sti();
	ramdisk_init(mbi);
	binfs_init(mbi); /* /bin: the programs */
	pci_init();
	ide_init();
	ahci_init();
	nvme_init();
	bcache_init();
	part_scan_all();  /* every disk's partitions, once all attached */
	lv_init();	  /* lv= volumes, on disks or partitions */
	trace_init();	  /* after the disks: trace= may name one */
	vfs_mount_root(); /* root=DEV: after partitions and volumes */

	char sz[16];
	kprintf("iodine: %s RAM, %d Hz clock, TSC %llu MHz\n",
		fmt_size(sz, sizeof(sz),
			 (uint64_t)pmem_stats.total_pages * PAGE_SIZE),
		HZ, (unsigned long long)(clock_tsc_hz() / 1000000));

	const char *tests = cmdline_opt("test");
	if (tests)
		ktest_run(tests);
	const char *bench = cmdline_opt("bench");
	if (bench)
		kbench_run(bench);
	shell_run();
}
