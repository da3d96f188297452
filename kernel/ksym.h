/*
 * ksym.h: kernel function names for backtraces, from the ELF symbol
 * table GRUB loaded (multiboot_info.elf_*).
 */
#ifndef KSYM_H
#define KSYM_H

#include <stdint.h>

struct multiboot_info;

void ksym_init(const struct multiboot_info *mbi);
const char *ksym_lookup(uint32_t addr, uint32_t *offset);
uint32_t ksym_addr(const char *name);
int ksym_range(int i, uint32_t *start, uint32_t *end);

#endif
