# iodine: build, run, test, debug.  `make help` lists the targets.

CROSS    ?= i686-linux-gnu-
CC       := $(CROSS)gcc
OBJCOPY  := $(CROSS)objcopy
NASM     ?= nasm
HOSTCC   ?= cc
QEMU     ?= qemu-system-i386
PYTHON   ?= python3
B        := build

# Where the kernel's sources are.  kernel/ is the core (threads,
# interrupts, clock, memory); its rooms: blk/ the block layer, proc/
# processes, shell/ the shell and its commands.  A file names the room
# of a header it crosses into ("blk/bdev.h"): the rooms are not on the
# include path, so the compiler holds every include to that.
SRC_DIRS := arch/i386 kernel kernel/blk kernel/fs kernel/proc kernel/shell drivers lib \
	tests/kernel
INC_DIRS := arch/i386 kernel drivers lib tests/kernel

# i586: every PC CPU with a TSC (arch/i386/cpucheck.c), no CMOV
CFLAGS := -std=gnu11 -O2 -g -march=i586 -mtune=generic -m32 \
	-ffreestanding -nostdlib -fno-pic -fno-pie -fno-stack-protector \
	-fno-omit-frame-pointer -fno-optimize-sibling-calls -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-Wall -Wextra -Werror -MMD -MP \
	$(addprefix -I,$(INC_DIRS))
LDFLAGS := -nostdlib -no-pie -Wl,--build-id=none -Wl,-z,noexecstack -T linker.ld
NASMFLAGS := -f elf32 -g -F dwarf -Werror

# The kernel, object by object, folder by folder: the path of a request
# reads drivers/ -> kernel/blk/ (the block layer) -> kernel/ (the core);
# a program's, kernel/proc/ -> kernel/fs/ (names, ext2) -> kernel/blk/.
ARCH_OBJS := boot.o vectors.o swtch.o cpucheck.o desc.o trap.o pic.o vm.o power.o
KERN_OBJS := main.o console.o panic.o ksym.o cmdline_opt.o pmem.o kmalloc.o \
	intr.o clock.o thread.o ktest.o prof.o
PROC_OBJS := proc.o syscall.o exec.o copy.o file.o binfs.o aio.o
FS_OBJS   := vfs.o ext2_super.o ext2_inode.o ext2_bmap.o ext2_alloc.o \
	ext2_dir.o ext2_rw.o
SHELL_OBJS := shell.o cmds_sys.o cmds_blk.o cmds_dev.o cmds_trace.o \
	cmds_lv.o cmds_proc.o cmds_fs.o
BLK_OBJS  := bio.o iodone.o bufq.o bdev.o bcache.o bdep.o cluster.o physio.o userdma.o \
	trace.o part.o lv.o
DRV_OBJS  := uart.o rtc.o ramdisk.o pci.o dma.o attach.o ata.o ide.o ahci.o nvme.o
LIB_OBJS  := string.o printf.o errno.o cmdline.o sort.o hexdump.o \
	pattern.o crc32.o ddnum.o
TEST_OBJS := testio.o test_ktest.o test_lib.o test_trap.o test_ata.o test_trace.o tracetest.o test_part.o test_lv.o test_clock.o test_intr.o test_mem.o test_ksym.o \
	test_spl.o test_thread.o test_bio.o test_bcache.o test_bdep.o test_cluster.o test_physio.o test_disk.o test_nvme.o disktest.o test_bigdisk.o bench_intr.o bench_bio.o bench_disk.o bench_fs.o

OBJS := $(addprefix $(B)/obj/,$(ARCH_OBJS) $(KERN_OBJS) $(BLK_OBJS) \
	$(FS_OBJS) $(PROC_OBJS) $(SHELL_OBJS) $(DRV_OBJS) $(LIB_OBJS) $(TEST_OBJS))
vpath %.c $(SRC_DIRS)
vpath %.asm arch/i386

# QEMU: the machine `make run` boots (q35: AHCI disks; pc: IDE), with
# DISKS scratch disks of DISK_SIZE kept in DISK_DIR, or the images in
# DISK (scripts/run).  isa-debug-exit lets `halt` end QEMU.
MACHINE   ?= q35
DISKS     ?= 2
DISK_SIZE ?= 1G
DISK_DIR  ?= $(B)/disks
DISK      ?=
MEM       ?= 256M
QEMU_OPTS ?= -M $(MACHINE) -m $(MEM) -accel tcg -display none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
ARGS      ?=

.PHONY: all run test test-long debug bench compare trace clean lint format deps help
all: $(B)/iodine.iso

help:
	@echo "make            build $(B)/iodine.elf and $(B)/iodine.iso"
	@echo "make run        boot in QEMU, shell on this terminal (Ctrl-A x quits)"
	@echo "                ARGS='...' sets the kernel command line"
	@echo "                MACHINE=q35 (AHCI, default) | pc (IDE) | isapc"
	@echo "                DISKS=2 scratch disks of DISK_SIZE=1G, kept in"
	@echo "                $(DISK_DIR); DISK=img[,img] your own images instead"
	@echo "make test       lint, host unit tests, kernel tests, shell tests, gdb test"
	@echo "make test-long  the long scenarios (a long syscall fuzz), and"
	@echo "                make compare's whole path once (downloads Linux)"
	@echo "make debug      QEMU paused with its gdb stub, gdb attached"
	@echo "make trace      trace a workload: blkparse, btt, a picture in $(B)/trace/"
	@echo "                MACHINE=pc|q35 DISK=IMG WORKLOAD='cmd; cmd' DEV=NAME"
	@echo "make bench      benchmarks, with the host's own O_DIRECT figures"
	@echo "make compare    iodine against Debian's Linux + fio, same QEMU"
	@echo "                disks; ROUNDS=5 MACHINES=q35,pc,nvme; $(B)/compare/"
	@echo "make lint       cppcheck and clang-format check"
	@echo "make format     reformat the sources with clang-format"
	@echo "make clean      remove $(B)/"

deps:
	@scripts/deps

# One rule for every C file, one for the assembly: vpath finds the source.
$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<
$(B)/obj/%.o: %.asm
	@mkdir -p $(@D)
	@echo "  NASM    $<"
	@$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -o $@ $<

# A change of flags rebuilds everything.
$(OBJS): Makefile

$(B)/iodine.elf: $(OBJS) linker.ld
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $(OBJS) -lgcc

# Programs: ring 3, linked at the user range (lib/user/user.ld) with the
# small C library of lib/user/ and lib/'s own strings and formatting,
# built again for them; /bin is a cpio archive of them, a GRUB module on
# the ISO.  Their sources: iso/bin/ (the tools) and tests/user/ (the
# tests' programs).
PROGS     := dd cmp hexdump iotest utest hostile sysfuzz \
	ls cat cp mv rm mkdir rmdir touch ln df stat cksum fsx fstest fswalk
USER_CFLAGS := $(filter-out -I%,$(CFLAGS)) -Ilib/user/include -Ilib
ULIB_OBJS := $(addprefix $(B)/uobj/,crt0.o sys.o libc.o dir.o string.o printf.o \
	blkread.o errno.o hexdump.o pattern.o ddnum.o sort.o)
$(B)/uobj/%.o: lib/user/%.c
	@mkdir -p $(@D)
	@echo "  CC      $< (user)"
	@$(CC) $(USER_CFLAGS) -c -o $@ $<
$(B)/uobj/%.o: lib/%.c
	@mkdir -p $(@D)
	@echo "  CC      $< (user)"
	@$(CC) $(USER_CFLAGS) -c -o $@ $<
$(B)/uobj/bin/%.o: iso/bin/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(USER_CFLAGS) -c -o $@ $<
$(B)/uobj/bin/%.o: tests/user/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(USER_CFLAGS) -c -o $@ $<
$(B)/uobj/crt0.o: lib/user/crt0.asm
	@mkdir -p $(@D)
	@$(NASM) $(NASMFLAGS) -o $@ $<
$(B)/uobj/%.o $(B)/uobj/bin/%.o: Makefile
$(B)/bin/%: $(B)/uobj/bin/%.o $(ULIB_OBJS) lib/user/user.ld
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) -nostdlib -no-pie -static -Wl,--build-id=none -Wl,-z,noexecstack \
		-T lib/user/user.ld -o $@ $(ULIB_OBJS) $< -lgcc
$(B)/bin.cpio: $(addprefix $(B)/bin/,$(PROGS)) scripts/newc.py
	@echo "  CPIO    $@"
	@$(PYTHON) scripts/newc.py $@ $(addprefix $(B)/bin/,$(PROGS))
-include $(wildcard $(B)/uobj/*.d $(B)/uobj/bin/*.d)
# (kept: make would delete them as intermediates, and rebuild them next time)
.SECONDARY: $(ULIB_OBJS) $(patsubst %,$(B)/uobj/bin/%.o,$(PROGS))

# The ISO carries the kernel without DWARF (gdb reads $(B)/iodine.elf);
# .symtab stays, for the backtraces.
$(B)/iodine.iso: $(B)/iodine.elf iso/boot/grub/grub.cfg $(B)/bin.cpio
	@rm -rf $(B)/isoroot && mkdir -p $(B)/isoroot/boot/grub
	@echo "  ISO     $@"
	@cp iso/boot/grub/grub.cfg $(B)/isoroot/boot/grub/
	@cp $(B)/bin.cpio $(B)/isoroot/boot/bin.cpio
	@$(OBJCOPY) --strip-debug $(B)/iodine.elf $(B)/isoroot/boot/iodine.elf
	@grub-mkrescue -o $@ $(B)/isoroot \
		--install-modules="normal multiboot serial terminal test configfile iso9660 biosdisk" \
		--locales= --fonts= --themes= 2>$(B)/grub-mkrescue.log || \
		{ cat $(B)/grub-mkrescue.log; exit 1; }

run: deps all
	@scripts/mkiso-args $(B)/iodine.iso $(B)/run.iso "$(ARGS)"
	@# isa-debug-exit: `halt` (status 0) makes QEMU exit 1, a clean end
	@scripts/run --qemu '$(QEMU)' --opts '$(QEMU_OPTS)' \
		--machine '$(MACHINE)' --iso $(B)/run.iso --disks '$(DISKS)' \
		--size '$(DISK_SIZE)' --disk '$(DISK)' --dir '$(DISK_DIR)'; \
	st=$$?; [ $$st -le 1 ] || { echo "run: exit status $$st"; exit $$st; }

debug: deps all
	@scripts/debug $(B)/iodine.elf $(B)/iodine.iso "$(QEMU) $(QEMU_OPTS)"

# Host-side unit tests of lib/, with the host compiler and sanitizers.
# lib/ is compiled with tests/host/rename.h so its memcpy, snprintf, ...
# become k_memcpy, k_snprintf, ... beside the host C library's.
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -fno-builtin \
	-fsanitize=address,undefined -fno-sanitize-recover=all -iquote lib
HOST_LIB_OBJS := $(addprefix $(B)/host/,$(LIB_OBJS))
$(B)/host/%.o: lib/%.c tests/host/rename.h
	@mkdir -p $(@D)
	@echo "  HOSTCC  $<"
	@$(HOSTCC) $(HOST_CFLAGS) -include tests/host/rename.h -MMD -MP -c -o $@ $<
$(B)/host/test_lib: tests/host/test_lib.c $(HOST_LIB_OBJS)
	@echo "  HOSTCC  $<"
	@$(HOSTCC) $(HOST_CFLAGS) -o $@ $^
# dd's number reader, for the host test that holds it to the host's dd
$(B)/host/ddnum: tests/host/ddnum.c $(HOST_LIB_OBJS)
	@echo "  HOSTCC  $<"
	@$(HOSTCC) $(HOST_CFLAGS) -o $@ $^

test: deps lint all $(B)/host/test_lib $(B)/host/ddnum
	$(PYTHON) tests/run.py

# The request trace of a workload, for blkparse, btt and a picture
# (scripts/trace-run): MACHINE=pc|q35 DISK=IMG WORKLOAD='cmd; cmd'
# SCRIPT=FILE DEV=NAME; everything lands in $(B)/trace/.
trace: deps all
	$(PYTHON) scripts/trace-run --machine '$(MACHINE)' --disk '$(DISK)' \
		--workload '$(WORKLOAD)' --script '$(SCRIPT)' --dev '$(DEV)'

# iodine against Debian's Linux on the same disks (scripts/compare):
# the kernel, fio and busybox are fetched with apt-get download into
# $(B)/debian/ the first time.  ROUNDS=5, MACHINES=q35,pc,nvme.
ROUNDS   ?= 5
MACHINES ?= q35,pc,nvme
compare: deps all
	$(PYTHON) scripts/compare --rounds '$(ROUNDS)' --machines '$(MACHINES)'

# What make test leaves out for time and downloads: the comparison with
# Linux, one round (its script fails if any guest gives no figure).
test-long: deps all
	$(PYTHON) tests/run.py --long
	$(PYTHON) scripts/compare --rounds 1 --machines q35,pc,nvme \
		--out $(B)/compare-test

# Benchmarks: figures, not pass/fail timing.  BENCH='glob' picks some.
BENCH ?= *
bench: deps all
	$(PYTHON) tests/run.py --bench '$(BENCH)'


SRCS := $(wildcard $(addsuffix /*.c,$(SRC_DIRS)) \
	$(addsuffix /*.h,$(SRC_DIRS)) tests/host/*.c)
USER_SRCS := $(wildcard lib/user/*.c iso/bin/*.c tests/user/*.[ch] \
	lib/user/include/*.h lib/user/include/sys/*.h)
lint:
	@command -v cppcheck >/dev/null && command -v clang-format >/dev/null || \
		{ echo "lint: cppcheck or clang-format missing: run scripts/deps"; exit 1; }
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr --std=c11 --platform=unix32 $(addprefix -I,$(INC_DIRS)) \
		--suppress=missingIncludeSystem $(filter %.c,$(SRCS))
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr --std=c11 --platform=unix32 -Ilib/user/include -Ilib \
		--suppress=missingIncludeSystem $(filter %.c,$(USER_SRCS))
	clang-format --dry-run --Werror $(SRCS) $(USER_SRCS)

format:
	clang-format -i $(SRCS) $(USER_SRCS)

clean:
	rm -rf $(B)

-include $(OBJS:.o=.d) $(HOST_LIB_OBJS:.o=.d)
