# iodine.gdb: gdb settings and helpers for debugging iodine under QEMU.
# Loaded by `make debug` (and by the harness's gdb test) after
# `target remote`; the kernel's symbols come from build/iodine.elf.
set confirm off
set pagination off
set disassembly-flavor intel
set print pretty on

# iodine-bufs, iodine-threads, iodine-spl, iodine-cache and the struct buf
# printer (gdb runs from the repository's top: make debug, the tests)
source scripts/iodine_gdb.py

# trapframe ADDR: the registers an interrupt or exception saved.
define trapframe
	set $tf = (struct trapframe *)$arg0
	printf "vector %u err %#x  eip %08x cs %04x eflags %08x\n", $tf->vector, $tf->err, $tf->eip, $tf->cs, $tf->eflags
	printf "eax %08x ebx %08x ecx %08x edx %08x\n", $tf->eax, $tf->ebx, $tf->ecx, $tf->edx
	printf "esi %08x edi %08x ebp %08x\n", $tf->esi, $tf->edi, $tf->ebp
	info symbol $tf->eip
end
document trapframe
Print a struct trapframe (arch/i386/trap.h): trapframe ADDR.
end

# Stop where a kernel bug is reported, before the report scrolls by.
define break-on-panic
	break panic
	break panic_trap
end
document break-on-panic
Set breakpoints on panic() and panic_trap().
end
