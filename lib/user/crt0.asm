; crt0.asm: a program's first instruction.  The kernel (kernel/proc/exec.c)
; leaves argc at [esp], then argv[0..argc), NULL, and an empty envp.
section .text.start
extern main
extern exit
global _start
_start:
	xor ebp, ebp		; the end of every backtrace
	mov eax, [esp]		; argc
	lea edx, [esp + 4]	; argv
	and esp, ~15		; the ABI's aligned stack
	sub esp, 8
	push edx
	push eax
	call main
	push eax
	call exit		; flushes stdout, then the exit system call
