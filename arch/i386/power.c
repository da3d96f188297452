/*
 * power.c: power off and reboot.
 *
 * Power off tries, in order: QEMU's isa-debug-exit device (the test
 * harness attaches it with -device isa-debug-exit,iobase=0xf4,iosize=4; it
 * makes QEMU exit with status 2*s+1, so a test run reports its result),
 * then ACPI soft-off (S5) as the FADT and the DSDT's \_S5 package describe
 * it, which works on any ACPI machine, QEMU's pc and q35 included.
 * Reboot: the 8042 keyboard controller's reset line, then a triple fault.
 */
#include "power.h"

#include <stddef.h>
#include <stdint.h>

#include "console.h"
#include "cpu.h"
#include "string.h"
#include "vm.h"

#define DEBUG_EXIT_PORT 0xF4

#define KBC_STATUS 0x64 /* 8042 status (read) / command (write) */
#define KBC_IBF	   0x02 /*   input buffer full: not ready for a command */
#define KBC_RESET  0xFE /*   command: pulse the CPU reset line */

#define BIOS_ROM_START 0xE0000 /* the RSDP is on a 16-byte boundary here */
#define BIOS_ROM_END   0x100000

#define ACPI_SLP_EN	   (1u << 13) /* PM1 control: enter the sleep state */
#define ACPI_SLP_TYP_SHIFT 10
#define AML_PACKAGE_OP	   0x12
#define AML_BYTE_PREFIX	   0x0A
#define AML_ONE_OP	   0x01

struct acpi_header {
	char sig[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_rev, creator, creator_rev;
} __attribute__((packed));

/* Map a table's header, then all of it; NULL if the checksum is wrong. */
static const struct acpi_header *
acpi_table(uint32_t pa)
{
	const struct acpi_header *h = vm_map_mmio(pa, sizeof(*h));
	uint8_t sum = 0;

	vm_map_mmio(pa, h->length);
	for (uint32_t i = 0; i < h->length; i++)
		sum += ((const uint8_t *)h)[i];
	return sum ? NULL : h;
}

static const struct acpi_header *
acpi_find(const char *sig)
{
	const char *p;

	for (p = (const char *)BIOS_ROM_START; p < (const char *)BIOS_ROM_END;
	     p += 16)
		if (!memcmp(p, "RSD PTR ", 8))
			break;
	if (p >= (const char *)BIOS_ROM_END)
		return NULL;
	uint32_t rsdt_pa = *(const uint32_t *)(p + 16);
	const struct acpi_header *rsdt = acpi_table(rsdt_pa);
	if (!rsdt)
		return NULL;
	const uint32_t *ent = (const uint32_t *)(rsdt + 1);
	for (uint32_t i = 0; i < (rsdt->length - sizeof(*rsdt)) / 4; i++) {
		const struct acpi_header *h = acpi_table(ent[i]);
		if (h && !memcmp(h->sig, sig, 4))
			return h;
	}
	return NULL;
}

/* The SLP_TYPa value of \_S5 in the DSDT: Name(_S5_, Package(){a, b, ..}) */
static int
acpi_s5_type(const struct acpi_header *dsdt, uint32_t *typ)
{
	const uint8_t *p = (const uint8_t *)(dsdt + 1);
	const uint8_t *end = (const uint8_t *)dsdt + dsdt->length;

	for (; p + 8 < end; p++) {
		if (memcmp(p, "_S5_", 4) || p[4] != AML_PACKAGE_OP)
			continue;
		p += 5;
		p += (*p >> 6) + 1; /* PkgLength: 1 to 4 bytes */
		p++;		    /* NumElements */
		if (*p == AML_BYTE_PREFIX)
			*typ = p[1];
		else if (*p <= AML_ONE_OP) /* ZeroOp, OneOp */
			*typ = *p;
		else
			return 0;
		return 1;
	}
	return 0;
}

static void
acpi_power_off(void)
{
	const struct acpi_header *fadt = acpi_find("FACP");
	uint32_t typ;

	if (!fadt)
		return;
	uint32_t dsdt_pa = *(const uint32_t *)((const uint8_t *)fadt + 40);
	uint32_t pm1a_cnt = *(const uint32_t *)((const uint8_t *)fadt + 64);
	const struct acpi_header *dsdt = acpi_table(dsdt_pa);
	if (!dsdt || !pm1a_cnt || !acpi_s5_type(dsdt, &typ))
		return;
	outw(pm1a_cnt, (typ << ACPI_SLP_TYP_SHIFT) | ACPI_SLP_EN);
}

void
power_off(int status)
{
	cli();
	outb(DEBUG_EXIT_PORT, (uint8_t)status);
	acpi_power_off();
	kprintf("power_off: no way to power off found; halted\n");
	for (;;)
		__asm__ volatile("hlt");
}

void
power_reboot(void)
{
	cli();
	for (int i = 0; i < 100000 && (inb(KBC_STATUS) & KBC_IBF); i++)
		cpu_pause();
	outb(KBC_STATUS, KBC_RESET);
	for (int i = 0; i < 1000000; i++) /* give the reset time to land */
		cpu_pause();
	/* Triple fault: an empty IDT, then an exception. */
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) none = {0, 0};
	__asm__ volatile("lidt %0; int3" : : "m"(none));
	for (;;)
		__asm__ volatile("hlt");
}
