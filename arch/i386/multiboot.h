/*
 * multiboot.h: the Multiboot (version 1) structures GRUB hands the kernel.
 * Only the fields iodine reads are named; offsets follow the Multiboot
 * Specification 0.6.96, section 3.3.
 */
#ifndef MULTIBOOT_H
#define MULTIBOOT_H

#include <stdint.h>

#include "string.h"

#define MULTIBOOT_BOOT_MAGIC 0x2BADB002 /* in EAX when GRUB jumps to us */

/* multiboot_info.flags: which fields below are valid */
#define MB_INFO_MEMORY	 (1u << 0) /* mem_lower, mem_upper */
#define MB_INFO_CMDLINE	 (1u << 2) /* cmdline */
#define MB_INFO_MODS	 (1u << 3) /* mods_count, mods_addr */
#define MB_INFO_ELF_SHDR (1u << 5) /* elf_* : ELF section header table */
#define MB_INFO_MEM_MAP	 (1u << 6) /* mmap_length, mmap_addr */

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper; /* KiB below 1 MiB, above 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline; /* physical address of a NUL-terminated string */
	uint32_t mods_count, mods_addr;
	uint32_t elf_num, elf_size, elf_addr, elf_shndx; /* section headers */
	uint32_t mmap_length, mmap_addr;
};

struct multiboot_mod {
	uint32_t start, end; /* [start, end) physical */
	uint32_t string;     /* the module's command line */
	uint32_t reserved;
};

/* One BIOS e820 entry; `size` does not count itself. */
struct multiboot_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

#define MB_MMAP_AVAILABLE 1 /* usable RAM */
#define MB_MMAP_ACPI	  3 /* ACPI tables, reclaimable */

/* The GRUB module called name ("module PATH name", or just "name"), or
 * NULL. */
static inline const struct multiboot_mod *
multiboot_module(const struct multiboot_info *mbi, const char *name)
{
	if (!(mbi->flags & MB_INFO_MODS))
		return NULL;
	const struct multiboot_mod *mod = (const void *)mbi->mods_addr;
	for (uint32_t i = 0; i < mbi->mods_count; i++) {
		const char *s = (const char *)mod[i].string;
		const char *w = strchr(s, ' ');
		if (!strcmp(w ? w + 1 : s, name))
			return &mod[i];
	}
	return NULL;
}

#endif
