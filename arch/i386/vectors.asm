; vectors.asm: the 256 IDT entry stubs and the one path they share.
;
; Every vector pushes the same frame (struct trapframe in trap.h): the
; general registers, ds and es, the vector number, an error code (the
; CPU's, or a zero we push so the layout never varies), then what the
; CPU pushed (from ring 3, with the process's esp and ss).
; trap() in C decides everything else.
;
; The flags the kernel's C code runs with.  Every gate but the double
; fault's task gate (whose TSS starts with clear flags) is an interrupt
; gate (desc.c), so the CPU itself clears IF, TF (no single-stepping the
; kernel), NT (the kernel's iret is a plain return, never a task
; switch), RF and VM on the way in (Intel SDM 6.12.1).  It leaves DF:
; a program may `std` and trap, and the i386 System V ABI, which the C
; compiler's memcpy, memset (`rep movs`, `rep stos`) and copyin/copyout
; rely on, wants DF clear at every function entry, so `cld` comes first
; of all.  AC is left as the program had it: it checks alignment in
; ring 3 only, and CR4.SMAP, which would give it a meaning in ring 0,
; is never set.  IOPL stays 0: ring 3 cannot change it, and
; proc_userret (kernel/proc/proc.c) makes sure no frame it returns through
; says otherwise.

section .text
extern trap

SEG_KDATA equ 0x10		; trap.h
TF_CS     equ 52		; struct trapframe's cs, from its start
TF_EFLAGS equ 56		; and its eflags
EFLAGS_VM equ 0x20000		; cpu.h's: vm86 mode, a program's whatever cs says

; Vectors for which the CPU itself pushes an error code (Intel SDM 6.13).
%macro VECTOR 1
vector%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
	push dword %1
%else
	push dword 0
	push dword %1
%endif
	jmp trap_common
%endmacro

%assign i 0
%rep 256
	VECTOR i
%assign i i+1
%endrep

global trap_common
trap_common:
	cld			; the ABI's DF, before any string instruction
	push ds			; kept for a trap from ring 3, whose
	push es			; segments the kernel must not use
	pushad			; eax ecx edx ebx esp ebp esi edi
	test byte [esp + TF_CS], 3
	jnz .from_user
	test dword [esp + TF_EFLAGS], EFLAGS_VM
	jz .frame_done		; from the kernel: ds and es are its own
.from_user:			; (from vm86 they are null: the CPU saved
	mov ax, SEG_KDATA	; the program's above the frame)
	mov ds, ax
	mov es, ax
.frame_done:
	mov eax, esp
	push eax		; struct trapframe *
	call trap
	add esp, 4
; Also how a process first enters ring 3: proc.c builds a frame and
; jumps here with esp at it.
global trap_return
trap_return:
	test byte [esp + TF_CS], 3	; (never vm86: proc_userret ended it)
	jz .to_kernel
	popad
	pop es
	pop ds
	add esp, 8		; vector number and error code
	iretd
.to_kernel:
	popad
	add esp, 16		; es, ds (not reloaded: a segment load is dear
	iretd			; under emulation), vector, error code

; The table idt_init() walks, one stub address per vector.
section .rodata
global trap_vectors
align 4
trap_vectors:
%assign i 0
%rep 256
	dd vector%[i]
%assign i i+1
%endrep
