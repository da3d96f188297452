; swtch.asm: switch kernel stacks, the heart of a thread switch.
;
; void swtch(uint32_t *save_esp, uint32_t load_esp)
;
; Pushes the registers the C calling convention says a callee must keep
; (ebp, ebx, esi, edi), saves esp in *save_esp, loads load_esp and pops the
; same registers from the other stack; `ret` then returns into whatever
; called swtch on that stack (or, for a new thread, into thread_start,
; which thread_create left there).  Interrupts must be off.

section .text
global swtch
swtch:
	mov eax, [esp + 4]	; save_esp
	mov edx, [esp + 8]	; load_esp
	push ebp
	push ebx
	push esi
	push edi
	mov [eax], esp
	mov esp, edx
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret
