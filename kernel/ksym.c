/*
 * ksym.c: address-to-name lookup over the kernel's own ELF symbol table.
 * GRUB's Multiboot loader hands over the section header table and loads
 * the sections the kernel image does not (.symtab, .strtab) somewhere in
 * RAM; pmem.c keeps those frames out of the allocator (ksym_range).
 */
#include "ksym.h"

#include <stddef.h>

#include "multiboot.h"
#include "string.h"

#define SHT_SYMTAB 2
#define STT_NOTYPE 0 /* NASM labels */
#define STT_FUNC   2

struct elf_shdr {
	uint32_t name, type, flags, addr, offset, size, link, info, align,
		entsize;
};

struct elf_sym {
	uint32_t name, value, size;
	uint8_t info, other;
	uint16_t shndx;
};

extern char _kernel_start[], _etext[];

static struct {
	const struct elf_shdr *shdr; /* section header table */
	uint32_t shnum;
	const struct elf_sym *sym; /* .symtab */
	uint32_t nsym;
	const char *str; /* .strtab */
	uint32_t strsize;
} ks;

void
ksym_init(const struct multiboot_info *mbi)
{
	if (!(mbi->flags & MB_INFO_ELF_SHDR) ||
	    mbi->elf_size != sizeof(struct elf_shdr))
		return;
	ks.shdr = (const struct elf_shdr *)mbi->elf_addr;
	ks.shnum = mbi->elf_num;
	for (uint32_t i = 0; i < ks.shnum; i++) {
		const struct elf_shdr *sh = &ks.shdr[i];
		if (sh->type != SHT_SYMTAB || !sh->addr || sh->link >= ks.shnum)
			continue;
		const struct elf_shdr *strsh = &ks.shdr[sh->link];
		if (!strsh->addr)
			continue;
		ks.sym = (const struct elf_sym *)sh->addr;
		ks.nsym = sh->size / sizeof(struct elf_sym);
		ks.str = (const char *)strsh->addr;
		ks.strsize = strsh->size;
		return;
	}
}

/* The memory GRUB put the tables in: i = 0 headers, 1 symtab, 2 strtab. */
int
ksym_range(int i, uint32_t *start, uint32_t *end)
{
	if (!ks.sym)
		return 0;
	switch (i) {
	case 0:
		*start = (uint32_t)ks.shdr;
		*end = *start + ks.shnum * sizeof(struct elf_shdr);
		return 1;
	case 1:
		*start = (uint32_t)ks.sym;
		*end = *start + ks.nsym * sizeof(struct elf_sym);
		return 1;
	case 2:
		*start = (uint32_t)ks.str;
		*end = *start + ks.strsize;
		return 1;
	}
	return 0;
}

static int
is_code_symbol(const struct elf_sym *s)
{
	int type = s->info & 0xF;

	return (type == STT_FUNC || type == STT_NOTYPE) && s->shndx != 0 &&
	       s->name && s->name < ks.strsize &&
	       s->value >= (uint32_t)_kernel_start &&
	       s->value < (uint32_t)_etext;
}

/* The function containing addr, or NULL; *offset is addr's distance in. */
const char *
ksym_lookup(uint32_t addr, uint32_t *offset)
{
	const struct elf_sym *best = NULL;

	if (addr < (uint32_t)_kernel_start || addr >= (uint32_t)_etext)
		return NULL;
	for (uint32_t i = 0; i < ks.nsym; i++) {
		const struct elf_sym *s = &ks.sym[i];
		if (!is_code_symbol(s) || s->value > addr)
			continue;
		if (!best || s->value > best->value ||
		    (s->value == best->value && (s->info & 0xF) == STT_FUNC))
			best = s;
	}
	if (!best)
		return NULL;
	/* Past the end of a sized function is not inside it. */
	if ((best->info & 0xF) == STT_FUNC && best->size &&
	    addr >= best->value + best->size)
		return NULL;
	*offset = addr - best->value;
	return ks.str + best->name;
}

uint32_t
ksym_addr(const char *name)
{
	for (uint32_t i = 0; i < ks.nsym; i++)
		if (is_code_symbol(&ks.sym[i]) &&
		    !strcmp(ks.str + ks.sym[i].name, name))
			return ks.sym[i].value;
	return 0;
}
