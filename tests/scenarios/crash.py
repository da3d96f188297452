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


# The block layer's bug checks: `crash KIND` commits the bug on purpose
# (kernel/shell/cmds_sys.c: crash_block_bug); each panic names it.
BUF_RX = r"buf [0-9a-fx]+"
BLOCK_BUGS = [
    ("biodone", r"^panic: biodone: %s \(dev 1,0 blk 5\) is not in flight: "
     r"biodone called twice" % BUF_RX, ["biodone"]),
    ("brelse", r"^panic: brelse: %s \(dev 1,0 blk 0\) is not held" % BUF_RX,
     ["brelse"]),
    ("blkno", r"^panic: biodone: the driver changed b_blkno of %s \(6, was "
     r"5\)" % BUF_RX, ["biodone"]),
    ("dev", r"^panic: biodone: the driver changed b_dev of %s \(1,1, was "
     r"1,0\)" % BUF_RX, ["biodone"]),
    ("addr", r"^panic: biodone: the driver changed b_un of %s \([0-9a-fx]+, "
     r"was " % BUF_RX, ["biodone"]),
    ("forw", r"^panic: biodone: the driver changed b_forw/b_back of %s" %
     BUF_RX, ["biodone"]),
    ("sleep", r"^panic: tsleep: the strategy routine of sleepy0 tried to "
     r"sleep \(sleepy\)", ["tsleep", "crash_sleepy_strategy",
                            "bdev_strategy"]),
    ("uaf", r"^panic: freerbuf: raw %s was written after it was freed "
     r"\(byte \d+ is 0x" % BUF_RX, ["freerbuf"]),
    ("late", r"^panic: biodone: %s \(dev 1,0 blk 5\) was written after its "
     r"biodone: b_resid changed before the completion ran \(rd0's "
     r"driver touched it" % BUF_RX,
     ["biodone_deferred", "iodone_run"]),
    ("rawbuf", r"^panic: bio_issue: raw %s has no b_iodone" % BUF_RX,
     ["bio_issue", "bdev_strategy"]),
    ("eblk", r"^panic: brelse: the holder of %s changed b_un or b_bcount"
     % BUF_RX, ["brelse"]),
    ("moved", r"^panic: brelse: the holder of %s changed b_dev or b_blkno "
     r"\(now dev 1,0 blk 7\): not where the cache keeps it" % BUF_RX,
     ["brelse"]),
    ("holds", r"^panic: getblk: thread \S+ already holds %s \(dev 1,0 blk "
     r"0, 4096 bytes\): waiting for it would never end" % BUF_RX,
     ["buf_wait", "cache_sync_range", "getblk"]),
]


def block_bug_scenario(kind, banner, frames):
    return lambda: crash_scenario(kind, banner, frames + ["crash_block_bug"] +
                                  SHELL_FRAMES)


for _kind, _banner, _frames in BLOCK_BUGS:
    scenario("crash_" + _kind)(block_bug_scenario(_kind, _banner, _frames))


@scenario("crash_panic")
def crash_panic():
    return crash_scenario("panic", r"^panic: crash: panic requested from the "
                          r"shell$", SHELL_FRAMES)
