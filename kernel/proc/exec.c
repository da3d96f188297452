/*
 * exec.c: an ELF executable (the System V ABI's ELF format, i386
 * supplement) into an address space.  Only what a static program needs:
 * ET_EXEC for EM_386, PT_LOAD segments copied into fresh zeroed frames
 * (writable only if PF_W), everything else ignored.  Every field that
 * could point outside the file or the user range is checked: a bad file
 * is ENOEXEC, never a fault.
 */
#include "exec.h"

#include "errno.h"
#include "pmem.h"
#include "proc.h"
#include "string.h"
#include "syscall.h"
#include "vm.h"

struct elf_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version, entry, phoff, shoff, flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

#define ET_EXEC	  2
#define EM_386	  3
#define PT_LOAD	  1
#define PF_W	  2
#define USTACK_LO (USER_TOP - USTACK_PAGES * PAGE_SIZE)

/* A zeroed frame at va (or the one there, made writable if asked). */
static int
page_in(struct vmspace *vs, uint32_t va, int writable)
{
	uint32_t pte = vm_space_pte(vs, va);

	if (pte & PTE_P)
		return writable && !(pte & PTE_W)
			       ? vm_space_map(vs, va, pte & ~0xFFFu, 1)
			       : 0;
	uint32_t f = vm_space_frame(vs);
	if (!f)
		return ENOMEM;
	int err = vm_space_map(vs, va, f, writable);
	if (err)
		pmem_free(f);
	return err;
}

/* Copy len bytes to va in vs (mapped), through the frames' identity
 * addresses: vs need not be the space loaded. */
static void
space_write(struct vmspace *vs, uint32_t va, const void *src, uint32_t len)
{
	const uint8_t *s = src;

	while (len) {
		uint32_t off = va & 0xFFF, n = PAGE_SIZE - off;
		if (n > len)
			n = len;
		memcpy((void *)((vm_space_pte(vs, va) & ~0xFFFu) + off), s, n);
		va += n;
		s += n;
		len -= n;
	}
}

static int
load_segment(struct vmspace *vs, const uint8_t *img, uint32_t size,
	     const struct elf_phdr *ph, uint32_t *brk)
{
	uint32_t end = ph->vaddr + ph->memsz;

	if (ph->filesz > ph->memsz || ph->offset > size ||
	    ph->filesz > size - ph->offset || ph->vaddr < USER_BASE ||
	    end < ph->vaddr || end > USTACK_LO - USTACK_GAP)
		return ENOEXEC;
	for (uint32_t va = ph->vaddr & ~0xFFFu; va < end; va += PAGE_SIZE) {
		int err = page_in(vs, va, ph->flags & PF_W);
		if (err)
			return err;
	}
	space_write(vs, ph->vaddr, img + ph->offset, ph->filesz);
	if (end > *brk)
		*brk = end;
	return 0;
}

/* argc, argv[], NULL, an empty envp, and the strings above them */
static int
build_stack(struct vmspace *vs, int argc, char *const argv[], uint32_t *sp)
{
	uint32_t strings = 0, ptrs[32];

	if (argc < 0 || argc > 31)
		return E2BIG;
	for (int i = 0; i < argc; i++)
		strings += strlen(argv[i]) + 1;
	if (strings > ARG_MAX)
		return E2BIG;
	for (uint32_t va = USTACK_LO; va < USER_TOP; va += PAGE_SIZE) {
		int err = page_in(vs, va, 1);
		if (err)
			return err;
	}
	uint32_t at = USER_TOP;
	for (int i = argc - 1; i >= 0; i--) {
		uint32_t n = strlen(argv[i]) + 1;
		at -= n;
		space_write(vs, at, argv[i], n);
		ptrs[i] = at;
	}
	ptrs[argc] = 0;
	at &= ~15u;
	uint32_t words = 1 + (uint32_t)argc + 1 + 1; /* argc argv NULL envp */
	at -= words * 4;
	space_write(vs, at, &argc, 4);
	space_write(vs, at + 4, ptrs, ((uint32_t)argc + 1) * 4);
	uint32_t zero = 0;
	space_write(vs, at + 8 + (uint32_t)argc * 4, &zero, 4);
	*sp = at;
	return 0;
}

int
exec_load(struct vmspace *vs, const uint8_t *img, uint32_t size, int argc,
	  char *const argv[], struct exec_image *out)
{
	const struct elf_ehdr *eh = (const void *)img;
	int loaded = 0;

	if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4) ||
	    eh->ident[4] != 1 /* 32-bit */ || eh->ident[5] != 1 /* LE */ ||
	    eh->type != ET_EXEC || eh->machine != EM_386 ||
	    eh->phentsize != sizeof(struct elf_phdr) || eh->phoff > size ||
	    eh->phnum > (size - eh->phoff) / sizeof(struct elf_phdr))
		return ENOEXEC;
	out->brk = USER_BASE;
	for (int i = 0; i < eh->phnum; i++) {
		struct elf_phdr ph;
		memcpy(&ph, img + eh->phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		int err = load_segment(vs, img, size, &ph, &out->brk);
		if (err)
			return err;
		/* the entry must be in a segment of the file */
		loaded |= eh->entry >= ph.vaddr &&
			  eh->entry - ph.vaddr < ph.memsz;
	}
	if (!loaded)
		return ENOEXEC;
	out->entry = eh->entry;
	out->brk = (out->brk + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	return build_stack(vs, argc, argv, &out->sp);
}
