"""tests/scenarios/crash.py: each fault and each kernel bug the kernel
catches gives its message, the registers and a named backtrace."""

import re

from harness import (Checks, EXIT_PANIC, boot_to_shell, scenario)


def crash_scenario(kind, banner, frames, extra=()):
    """`crash KIND` must give the banner, registers and a named backtrace."""
    name = "crash_" + kind
    c = Checks("crash")
    m = boot_to_shell(name, args="panic=exit")
    try:
        with c.test(kind + "_is_reported_with_registers_and_backtrace"):
            m.send("crash %s\r" % kind)
            code = m.wait_exit(30)
            out = m.buf[m.pos:]
            assert re.search(banner, out, re.M), \
                "no %r in:\n%s" % (banner, out)
            for rx in extra:
                assert re.search(rx, out, re.M), "no %r in:\n%s" % (rx, out)
            for reg in ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp",
                        "esp", "eip", "eflags"):
                assert re.search(r"\b%s [0-9a-f]{8}\b" % reg, out), \
                    "register %s missing:\n%s" % (reg, out)
            bt = out[out.find("backtrace:"):]
            assert "backtrace:" in out, "no backtrace:\n" + out
            pos = 0
            for f in frames:
                # GCC may name a clone crash_recurse.isra.0
                mm = re.search(r"#\d+ [0-9a-f]{8} %s(\.\w+)*\+0x" % f,
                               bt[pos:])
                assert mm, "backtrace lacks %s (in order %s):\n%s" % (
                    f, frames, bt)
                pos += mm.end()
            assert code == EXIT_PANIC, "QEMU exit status %d, expected %d" % (
                code, EXIT_PANIC)
    finally:
        m.close()
    return c.results


SHELL_FRAMES = ["shell_cmd_crash", "shell_exec", "shell_run", "kmain"]


@scenario("crash_divide")
def crash_divide():
    return crash_scenario("divide", r"^panic: divide error \(#DE\) "
                          r"\(vector 0, error code 0x0\)",
                          ["crash_divide"] + SHELL_FRAMES)


@scenario("crash_null")
def crash_null():
    return crash_scenario("null", r"^panic: page fault \(#PF\) \(vector 14, "
                          r"error code 0x0\)", ["crash_null"] + SHELL_FRAMES,
                          [r"^page fault at address 00000000: page not "
                           r"present, read, data access", r"cr2 00000000"])


@scenario("crash_ud")
def crash_ud():
    return crash_scenario("ud", r"^panic: invalid opcode \(#UD\) \(vector 6,",
                          ["crash_invalid_opcode"] + SHELL_FRAMES)


@scenario("crash_stack")
def crash_stack():
    return crash_scenario("stack", r"^panic: double fault \(#DF\)",
                          ["crash_recurse", "crash_recurse", "crash_recurse"],
                          [r"^kernel stack overflow: thread \d+ \(overflow\) "
                           r"ran into its guard page"])


@scenario("crash_biodone")
def crash_biodone():
    return crash_scenario("biodone", r"^panic: biodone: buf [0-9a-fx]+ \(dev "
                          r"1,0 blk 5\) is not in flight: biodone called "
                          r"twice", ["biodone", "crash_block_bug"] +
                          SHELL_FRAMES)


@scenario("crash_brelse")
def crash_brelse():
    return crash_scenario("brelse", r"^panic: brelse: buf [0-9a-fx]+ \(dev "
                          r"1,0 blk 0\) is not held", ["brelse",
                                                      "crash_block_bug"] +
                          SHELL_FRAMES)


@scenario("crash_blkno")
def crash_blkno():
    return crash_scenario("blkno", r"^panic: biodone: the driver changed "
                          r"b_blkno of buf [0-9a-fx]+ \(6, was 5\)",
                          ["biodone", "crash_block_bug"] + SHELL_FRAMES)


@scenario("crash_dev")
def crash_dev():
    return crash_scenario("dev", r"^panic: biodone: the driver changed "
                          r"b_dev of buf [0-9a-fx]+ \(1,1, was 1,0\)",
                          ["biodone", "crash_block_bug"] + SHELL_FRAMES)


@scenario("crash_addr")
def crash_addr():
    return crash_scenario("addr", r"^panic: biodone: the driver changed "
                          r"b_un of buf [0-9a-fx]+ \([0-9a-fx]+, was ",
                          ["biodone", "crash_block_bug"] + SHELL_FRAMES)


@scenario("crash_forw")
def crash_forw():
    return crash_scenario("forw", r"^panic: biodone: the driver changed "
                          r"b_forw/b_back of buf [0-9a-fx]+",
                          ["biodone", "crash_block_bug"] + SHELL_FRAMES)


@scenario("crash_sleep")
def crash_sleep():
    return crash_scenario("sleep", r"^panic: tsleep: the strategy routine "
                          r"of sleepy0 tried to sleep \(sleepy\)",
                          ["tsleep", "crash_sleepy_strategy",
                           "bdev_strategy", "crash_block_bug"] +
                          SHELL_FRAMES)


@scenario("crash_uaf")
def crash_uaf():
    return crash_scenario("uaf", r"^panic: freerbuf: raw buf [0-9a-fx]+ was "
                          r"written after it was freed \(byte \d+ is 0x",
                          ["freerbuf",
                           "crash_block_bug"] + SHELL_FRAMES)


@scenario("crash_rawbuf")
def crash_rawbuf():
    return crash_scenario("rawbuf", r"^panic: bio_issue: raw buf [0-9a-fx]+ "
                          r"has no b_iodone", ["bio_issue", "bdev_strategy",
                                               "crash_block_bug"] +
                          SHELL_FRAMES)


@scenario("crash_panic")
def crash_panic():
    return crash_scenario("panic", r"^panic: crash: panic requested from the "
                          r"shell$", SHELL_FRAMES)
