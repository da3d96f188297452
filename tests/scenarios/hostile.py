"""tests/scenarios/hostile.py: a program against the user/kernel boundary.

/bin/hostile (tests/user/hostile.c) sets DF across system calls and in
the middle of another process's transfers, irets into virtual-8086 mode,
asks for IOPL, sets NT, TF and AC, `int`s to every vector, loads odd and
the kernel's selectors, makes system calls with esp anywhere, and fills
every table a program can fill; /bin/sysfuzz makes 100,000 random
system calls with hostile arguments.  Each case is checked from inside
(what the program saw) and from outside: the kernel answers after it,
`mem` comes back to where it was (the kernel heap to the byte, frames to
the page, once the buffer cache is dropped), the scratch disk holds what
was written with DF set, and the disk nobody opened is byte for byte
unchanged."""

import os
import re
import time

from harness import (BUILD, Checks, Machine, PROMPT, Timeout, digest,
                     scenario)

MiB = 1 << 20
UNTOUCHED = 2 << 30      # sd0: never opened by any program
SCRATCH = 64 * MiB       # sd1: the DF tests' and the fuzzer's
EIP = r"8[0-9a-f]{7}"


def make_images(d):
    untouched = os.path.join(d, "untouched.img")
    with open(untouched, "wb") as f:
        f.truncate(UNTOUCHED)
        for at in (0, UNTOUCHED // 2, UNTOUCHED - MiB):
            f.seek(at)
            f.write(os.urandom(MiB))
    scratch = os.path.join(d, "scratch.img")
    with open(scratch, "wb") as f:
        f.write(os.urandom(SCRATCH))
    drives = ["-drive", "file=%s,format=raw,if=none,id=u" % untouched,
              "-drive", "file=%s,format=raw,if=none,id=s" % scratch,
              "-device", "ide-hd,drive=u,bus=ide.0",
              "-device", "ide-hd,drive=s,bus=ide.1"]
    return untouched, scratch, drives


def run(m, line, timeout=60):
    out = m.cmd(line, timeout=timeout)
    return "".join(ln + "\n" for ln in out.split("\n")) if out else ""


def ended(out, lines, message, sig):
    """out is the program's lines, its end as the kernel tells it, and
    run's note of the signal."""
    want = "".join(ln + "\n" for ln in lines)
    assert out.startswith(want), out
    rest = out[len(want):]
    assert re.fullmatch(r"hostile\[(\d+)\]: %s\nrun: hostile\[\1\]: killed "
                        r"by %s\n" % (message, sig), rest), out


def memory(m):
    """(frames: free and kept by kmalloc's size classes, kmalloc's bytes
    in use) with the buffer cache dropped: what must come back."""
    out = run(m, "cache drop")
    assert out == "", "cache drop said: " + out
    out = run(m, "mem")
    free = int(re.search(r"\((\d+) of \d+ pages\)", out).group(1))
    r = re.search(r"\((\d+) bytes\), \d+ allocations, \d+ frees; (\d+) "
                  r"pages kept", out)
    return free + int(r.group(2)), int(r.group(1))


def settled_memory(m):
    """memory(), once two readings 0.3 s apart agree: the threads of
    the processes that just ended are freed by the idle thread, which
    runs only while the shell waits for a line (bounded: 20 tries)."""
    now = memory(m)
    for _ in range(20):
        time.sleep(0.3)
        then, now = now, memory(m)
        if now == then:
            return now
    raise AssertionError("memory never settled: %d frames and %d heap "
                         "bytes, then %d and %d" % (then + now))


def memory_back(m, base, what):
    """Wait (boundedly) for threads and transfers of the dead to be
    reaped; then the memory must be what it was."""
    for _ in range(100):
        now = memory(m)
        if now == base:
            return
        time.sleep(0.2)
    raise AssertionError("after %s: %d frames and %d heap bytes, not %d "
                         "and %d" % (what, now[0], now[1], base[0], base[1]))


def kill_all(m):
    """Every process the shell lists, killed; bounded wait for none."""
    for _ in range(100):
        pids = re.findall(r"^ +(\d+) ", run(m, "jobs"), re.M)
        if not pids:
            return
        for pid in pids:
            run(m, "kill " + pid)
        time.sleep(0.1)
    raise AssertionError("processes live on:\n" + run(m, "jobs"))


def exhaust(m):
    """Start `hostile exhaust` in the background on rd1 and check what it
    was refused: every process slot but the shell's PROC_RESERVE, 16
    descriptors, its 32 aio requests, its share of held frames
    (PROC_HOLDS: 4 MiB), its share of memory.  It then waits to be
    killed."""
    out = run(m, "run hostile exhaust /dev/rrd1 &")
    assert re.fullmatch(r"\[\d+\] hostile\n", out), out
    m.expect(r"ready to be killed\n", 120)
    said = m.buf[:m.pos]
    said = said[said.rfind("run hostile exhaust"):]
    for rx in (r"spawned 59 sleepers, then EAGAIN",
               r"opened 13 more, then EMFILE",
               r"aio reads of 512 bytes in flight: 32, then EAGAIN",
               r"aio reads of 1 MiB in flight: (\d+), then EAGAIN",
               r"took \d+ MiB more, then ENOMEM"):
        # (the first may follow the shell's prompt)
        r = re.search("(?:^|> )" + rx + "$", said, re.M)
        assert r, said
        # 4 MiB of held frames: 4, or a few more if the first ended
        # while the rest were started (the whole table: 16)
        assert not r.groups() or 4 <= int(r.group(1)) <= 8, said


def hostile_scenario(name, fuzz):
    c = Checks(name)
    d = os.path.join(BUILD, "scenarios", name)
    os.makedirs(d, exist_ok=True)
    untouched, scratch, drives = make_images(d)
    untouched_digest = digest(untouched)
    with open(scratch, "rb") as f:
        orig = f.read()
    # rd1 completes 1 s after a request: its transfers stay in flight
    m = Machine(name, machine="q35", extra=drives, args="rdlatency=1000")
    try:
        m.expect(re.escape(PROMPT), 60)
        # raw transfers fill the freed-header quarantine (bio.c) once
        run(m, "run utest aioexit /dev/rrd1 exit", timeout=60)
        base = settled_memory(m)
        if fuzz:
            fuzz_tests(c, m, fuzz, base)
        else:
            boundary_tests(c, m, base, scratch, orig)
        with c.test("the_kernel_still_answers"):
            out = run(m, "run hostile echo still here")
            assert out == "still here\n", out
        m.send("halt\r")
        m.wait_exit(60)
    except Timeout as e:
        c.add("the_shell_answered", False, str(e))
    finally:
        m.close()
    with c.test("the_disk_no_program_opened_is_unchanged"):
        assert digest(untouched) == untouched_digest, "sd0 changed"
    return c.results


def boundary_tests(c, m, base, scratch, orig):
    with c.test("df_set_by_a_program_never_reverses_the_kernels_copies"):
        out = run(m, "run hostile df /dev/sd1 /dev/rsd1")
        want = []
        for n in (512, 100, 4096, 8192):
            for dev in ("sd1", "rsd1"):
                if dev == "sd1" or n % 512 == 0:
                    want.append("pread /dev/%s %d bytes with DF: %d, guards "
                                "intact, data equal" % (dev, n, n))
        want += ["pwrite /dev/sd1 4096 bytes with DF: 4096",
                 "read back after fsync: equal",
                 "pwrite /dev/rsd1 4096 bytes with DF: 4096",
                 "read back: equal",
                 "clock_gettime with DF: 0, guards intact",
                 "fstat with DF: 0, guards intact, equal",
                 "lseek with DF: 0, guards intact, offset 1536",
                 "open with DF: a descriptor", "spawn with DF: 0",
                 "one two", "waitpid: 0"]
        assert sorted(out.splitlines()) == sorted(want), out
    with c.test("what_df_set_writes_wrote_is_on_the_disk_and_nothing_else"):
        assert run(m, "sync").startswith("sync: "), "sync"
        with open(scratch, "rb") as f:
            now = f.read()
        want = bytearray(orig)
        want[8192:12288] = bytes((i * 7 + 3) & 0xFF for i in range(4096))
        want[12288:16384] = bytes((i * 5 + 1) & 0xFF for i in range(4096))
        if now != bytes(want):
            i = next(k for k in range(len(now)) if now[k] != want[k])
            raise AssertionError("scratch byte %d is %02x, not %02x" % (
                i, now[i], want[i]))
    with c.test("df_set_while_the_clock_completes_anothers_transfer"):
        out = run(m, "run hostile dfrace /dev/rrd1 4", timeout=120)
        assert sorted(out.splitlines()) == sorted([
            "spawn: 0", "4 reads with a DF-set neighbour, each exact",
            "the reader's status: 0"]), out
    # (QEMU's TCG takes the iret into vm86; a CPU that keeps to the SDM
    # refuses it with #GP: either way the program ends, not the kernel)
    with c.test("vm86_mode_ends_the_program_not_the_kernel"):
        ended(run(m, "run hostile vm86"), ["iret to vm86"],
              r"(virtual-8086 mode \(cs:ip 1000:0000\)|general protection "
              r"fault \(eip %s\))" % EIP, "SIGSEGV")
    with c.test("iopl_and_if_stay_the_kernels"):
        ended(run(m, "run hostile iopl"), [
            "IOPL after popf: 0", "IF after popf clearing it: 1",
            "IOPL after iret: 0", "getpid with IOPL asked: ok",
            "IOPL after a system call: 0"],
            r"general protection fault \(eip %s\)" % EIP, "SIGSEGV")
    with c.test("nt_comes_back_as_set_and_its_iret_ends_the_program"):
        ended(run(m, "run hostile nt"), ["getpid with NT: ok, NT kept: 1"],
              r"invalid TSS \(#TS\) \(eip %s\)" % EIP, "SIGSEGV")
    with c.test("tf_across_a_system_call_is_a_trace_trap_in_the_program"):
        ended(run(m, "run hostile tf"), ["TF then getpid"],
              r"trace trap \(eip %s\)" % EIP, "SIGTRAP")
    with c.test("tf_over_a_mov_ss_shadow_steps_the_program_not_the_kernel"):
        ended(run(m, "run hostile movss"), ["TF, mov ss, int $0x80"],
              r"trace trap \(eip %s\)" % EIP, "SIGTRAP")
    # (QEMU's TCG does not check alignment: the load then just works)
    with c.test("ac_set_the_kernel_copies_unaligned_and_keeps_it"):
        out = run(m, "run hostile ac /dev/sd1")
        first = "pread to an odd address with AC: 511, AC kept: 1\n"
        assert out.startswith(first), out
        rest = out[len(first):]
        assert re.fullmatch(r"unaligned load with AC: [0-9a-f]+\n", rest) \
            or re.fullmatch(r"hostile\[(\d+)\]: alignment check \(eip %s\)\n"
                            r"run: hostile\[\1\]: killed by SIGBUS\n" % EIP,
                            rest), out
    with c.test("int_reaches_only_0x80_int3_and_into"):
        out = run(m, "run hostile ints", timeout=300)
        lines = out.splitlines()
        said = [ln for ln in lines if not ln.startswith("hostile[")]
        assert sorted(said) == sorted([
            "int $0x3: SIGTRAP", "int $0x4: SIGSEGV", "int $0x80: getpid ok",
            "int $0x80: returned",
            "other vectors: 253 ended by signal 11 (first $0x0)"]), out
        told = [ln for ln in lines if ln.startswith("hostile[")]
        assert len(told) == 255, out
        assert re.fullmatch(r"hostile\[\d+\]: breakpoint \(eip %s\)" % EIP,
                            told[3]), told[3]
        assert re.fullmatch(r"hostile\[\d+\]: overflow \(eip %s\)" % EIP,
                            told[4]), told[4]
        assert re.fullmatch(r"hostile\[\d+\]: int \$0x21: not a vector a "
                            r"program may use \(eip %s\)" % EIP,
                            told[0x21]), told[0x21]
    with c.test("into_and_icebp_end_the_program"):
        ended(run(m, "run hostile into"), [],
              r"overflow \(eip %s\)" % EIP, "SIGSEGV")
        # icebp: #DB by the SDM; QEMU's TCG gives #UD
        out = run(m, "run hostile icebp")
        assert re.fullmatch(r"hostile\[(\d+)\]: (trace trap|illegal "
                            r"instruction) \(eip %s\)\nrun: hostile\[\1\]: "
                            r"killed by SIG(TRAP|ILL)\n" % EIP, out), out
    with c.test("privileged_instructions_end_the_program"):
        out = run(m, "run hostile privs")
        said = [ln for ln in out.splitlines() if ": signal " in ln or
                ": exit " in ln]
        want = ["%s: signal 11" % i for i in (
            "hlt", "in $0x60", "out $0x80", "lidt (eax)", "lgdt (eax)",
            "mov cr3, eax", "mov eax, cr0", "wrmsr", "rdmsr",
            "invlpg (eax)", "ltr ax", "clts", "sysenter")]
        # syscall: #UD where the CPU has none (QEMU's), else #GP: never
        # set up here (EFER.SCE clear)
        assert said[:-2] == want and said[-2] in (
            "syscall: signal 4", "syscall: signal 11") and \
            said[-1] == "iret to ring 0: signal 11", out
        assert len(re.findall(r"^hostile\[\d+\]: (general protection "
                              r"fault|illegal instruction) \(eip %s\)$" %
                              EIP, out, re.M)) == 15, out
    with c.test("odd_selectors_survive_system_calls_kernel_ones_fault"):
        out = run(m, "run hostile segs")
        want = ["selector %02x: getpid ok, ds after %02x" % (s, s & ~3
                                                             if s < 4 else s)
                for s in (0, 1, 2, 3, 0x28, 0x2B, 0x30, 0x33)]
        assert out.splitlines() == want + ["spun with a null ds"], out
        for sel in ("0x08", "0x10", "0x13", "0x18", "0x20", "0x38"):
            ended(run(m, "run hostile ksel " + sel),
                  ["loading %02x" % int(sel, 16)],
                  r"general protection fault \(eip %s\)" % EIP, "SIGSEGV")
    with c.test("system_calls_with_esp_anywhere"):
        out = run(m, "run hostile esp")
        assert out.splitlines() == [
            "esp %s: getpid ok" % e for e in (
                "00000000", "00100000", "b0000000", "fffffff0",
                "12345679")], out
    with c.test("after_the_faults_memory_is_back"):
        memory_back(m, base, "the faults")
    with c.test("every_table_a_program_fills_is_refused_then_emptied"):
        try:
            exhaust(m)
            # with all it may take taken, the shell works, and runs more
            out = run(m, "mem")
            assert re.search(r"^RAM .*free \(\d+ of \d+ pages\)$", out,
                             re.M), out
            out = run(m, "run hostile echo hi")
            assert out == "hi\n", out
        finally:
            kill_all(m)
        memory_back(m, base, "the exhaustion")


def fuzz_tests(c, m, fuzz, base):
    for seed, calls in fuzz:
        with c.test("sysfuzz_seed_%d_%d_calls" % (seed, calls)):
            out = run(m, "run sysfuzz %d %d 50" % (seed, calls),
                      timeout=60 + calls // 500)
            assert re.fullmatch(r"sysfuzz: seed %d, %d calls in 50 children,"
                                r" 0 ended badly \(\d+ ms\)\n" % (
                                    seed, calls), out), out
            assert run(m, "jobs") == "  PID  STATE   NAME\n", "left over"
            memory_back(m, base, "sysfuzz %d" % seed)


@scenario("hostile")
def hostile():
    return hostile_scenario("hostile", None)


# 100,000 calls, fixed seed; make test-long runs more seeds, longer
@scenario("hostile_fuzz")
def hostile_fuzz():
    return hostile_scenario("hostile_fuzz", [(1, 100000)])


@scenario("hostile_fuzz_long", long=True)
def hostile_fuzz_long():
    return hostile_scenario("hostile_fuzz_long",
                            [(s, 1000000) for s in range(2, 7)])
