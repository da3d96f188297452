; vectors.asm: the 256 IDT entry stubs and the one path they share.
;
; Every vector pushes the same frame (struct trapframe in trap.h): the
; general registers, the vector number, an error code (the CPU's, or a
; zero we push so the layout never varies), then what the CPU pushed.
; trap() in C decides everything else.

section .text
extern trap

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
	pushad			; eax ecx edx ebx esp ebp esi edi
	mov eax, esp
	push eax		; struct trapframe *
	call trap
	add esp, 4
global trap_return
trap_return:
	popad
	add esp, 8		; vector number and error code
	iretd

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
