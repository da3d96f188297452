; boot.asm: the Multiboot header and the first instructions GRUB runs.
;
; GRUB (Multiboot 1) enters _start in 32-bit protected mode, paging off,
; interrupts off, EAX = 0x2BADB002 and EBX = the multiboot_info address.
; For an ELF image GRUB also passes the section header table (and loads
; .symtab/.strtab) without being asked; that is where the backtrace's
; function names come from.  We ask for page-aligned modules and the
; memory map.

MB_MAGIC	equ 0x1BADB002
MB_ALIGN	equ 1 << 0	; load modules on page boundaries
MB_MEMINFO	equ 1 << 1	; provide mem_* and the memory map
MB_FLAGS	equ MB_ALIGN | MB_MEMINFO

BOOT_STACK_SIZE	equ 16384

section .multiboot
align 4
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)	; checksum: the three sum to zero

section .bss
align 4096
global boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:		; unmapped by vm_init: an overflow faults
	resb 4096
boot_stack_bottom:
	resb BOOT_STACK_SIZE
boot_stack_top:

section .text
global _start
extern kmain
_start:
	cld
	mov esp, boot_stack_top
	xor ebp, ebp		; a zero frame pointer ends every backtrace
	push ebx		; struct multiboot_info *
	push eax		; boot magic
	call kmain
.hang:	cli			; kmain never returns; if it does, stop here
	hlt
	jmp .hang
