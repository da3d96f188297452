"""tests/scenarios/shares.py: processes side by side, preempted every
millisecond (quantum=1), never see each other's memory, and none can
take from the others what they and the kernel need.

Twelve processes grow and shrink their heaps by 64 KiB in a loop (utest
churn: new pages zero, then their own pattern, a descriptor opened and
closed each round) while the shell reads a disk through the cache and
rd1 raw: no foreign bytes, no panic, `mem` back where it was, the disk
image unchanged.  A console write of 16 MiB ends within a second of ^C.
One process holding all it is allowed (every process slot it may take,
its aio requests, its share of held frames, all the memory it may map)
leaves the shell's `run`, a disk `read` and another process's raw reads
working; a second taking all the memory left is stopped at the kernel's
reserve: the shell's disk reads still get buffers, and a third program
is refused with ENOMEM."""

import os
import re
import time

from harness import BUILD, Checks, Machine, PROMPT, digest, scenario
from scenarios.hostile import (exhaust, kill_all, memory_back, run,
                               settled_memory)

MiB = 1 << 20
DISK = 64 * MiB
CHURNERS = 12
ROUNDS = 1500


def wait_jobs_done(m, limit):
    """The shell's jobs list empty, within limit seconds."""
    end = time.time() + limit
    while time.time() < end:
        if not re.search(r"^ +\d+ ", run(m, "jobs"), re.M):
            return
        time.sleep(1)
    raise AssertionError("still running after %d s:\n%s" %
                         (limit, run(m, "jobs")))


def churn_tests(c, m, base, img_digest, img):
    with c.test("twelve_processes_churning_their_heaps_never_see_anothers_"
                "bytes"):
        start = m.pos
        for _ in range(CHURNERS):
            out = run(m, "run utest churn %d &" % ROUNDS)
            assert re.fullmatch(r"\[\d+\] utest\n", out), out
        # the kernel's side meanwhile: the cache's buffers (kernel heap
        # and frames) and raw reads into a process's held frames
        for i in range(20):
            out = run(m, "read sd0 %d 1" % (i * 997))
            assert re.search(r"^[0-9a-f]{8}  [0-9a-f]{2} ", out, re.M), out
        out = run(m, "run dd if=/dev/rrd1 of=/dev/null bs=64k count=32")
        assert "2097152 bytes (2.1 MB, 2.0 MiB) copied" in out, out
        # (m.buf grows only while the harness reads: jobs does)
        done = r"churn: %d rounds, \d+ bad words" % ROUNDS
        end = time.time() + 600
        while (len(re.findall(done, m.buf[start:])) < CHURNERS and
               time.time() < end):
            run(m, "jobs")
            time.sleep(1)
        wait_jobs_done(m, 60)
        said = m.buf[start:]
        assert "panic" not in said, said
        bad = re.findall(r"^churn: page .*$", said, re.M)
        assert not bad, "\n".join(bad[:10])
        done = re.findall(r"churn: %d rounds, 0 bad words" % ROUNDS, said)
        assert len(done) == CHURNERS, said[-3000:]
    with c.test("memory_comes_back_after_the_churn"):
        memory_back(m, base, "the churn")
    with c.test("the_disk_read_beside_them_is_unchanged"):
        assert digest(img) == img_digest, "sd0's image changed"


def console_tests(c, m):
    with c.test("ctrl_c_ends_a_16_mib_console_write_within_a_second"):
        m.send("run dd if=/dev/zero of=/dev/console bs=16M count=1\r")
        m.expect(r"\x00{4096}", 30)  # it is writing
        sent = len(m.buf)
        m.send("\x03")
        m.expect(r"run: dd\[\d+\]: killed by SIGINT\n" +
                 re.escape(PROMPT), 60)
        after = m.buf[sent:].count("\x00")
        # the UART moves about 350 KB a second: a second's worth at most
        # (not the 16 MiB a write that ignores the kill goes on with)
        assert after < 1 * MiB, "%d bytes written after ^C" % after


def shares_tests(c, m, base):
    with c.test("one_process_holding_all_it_may_leaves_the_shell_working"):
        try:
            exhaust(m)
            out = run(m, "mem")
            assert re.search(r"^RAM .*free", out, re.M), out
            out = run(m, "read sd0 0 1")
            assert re.search(r"^00000000  [0-9a-f]{2} ", out, re.M), out
            out = run(m, "run hostile echo still here")
            assert out == "still here\n", out
            # a process's raw reads: its own share of held frames
            out = run(m, "run dd if=/dev/rrd0 of=/dev/null bs=1M count=2")
            assert "2097152 bytes (2.1 MB, 2.0 MiB) copied" in out, out
            # another takes what memory is left: half of RAM at most,
            # and never the kernel's reserve
            total = int(re.search(r"of (\d+) pages", run(m, "mem"))
                        .group(1)) * 4096 // MiB
            assert run(m, "cache drop") == "", "cache drop failed"
            out = run(m, "run utest hog &")
            assert re.fullmatch(r"\[\d+\] utest\n", out), out
            took = int(m.expect(r"hog: took (\d+) MiB, then ENOMEM", 120)
                       .group(1))
            assert 0 < took <= total // 2, "took %d of %d MiB" % (took, total)
            out = run(m, "mem")
            free, pages = map(int, re.search(r"\((\d+) of (\d+) pages\)",
                                             out).groups())
            # (the shell's own allocations since may take a few)
            assert free >= max(1024, pages // 32) - 16, \
                "%d of %d pages free: the kernel's reserve is gone" % (
                    free, pages)
            # the cache still gets memory for the shell's read: the
            # kernel's reserve; a third program is refused by name
            out = run(m, "read sd0 100 1")
            assert re.search(r"^0000c800  [0-9a-f]{2} ", out, re.M), out
            out = run(m, "run hostile echo hi")
            assert out == "run: hostile: ENOMEM: out of memory\n", out
        finally:
            kill_all(m)
        memory_back(m, base, "the exhaustion")


@scenario("proc_shares")
def proc_shares():
    c = Checks("proc_shares")
    d = os.path.join(BUILD, "scenarios", "proc_shares")
    os.makedirs(d, exist_ok=True)
    img = os.path.join(d, "sd0.img")
    with open(img, "wb") as f:
        f.write(os.urandom(DISK))
    img_digest = digest(img)
    drives = ["-drive", "file=%s,format=raw,if=none,id=d0" % img,
              "-device", "ide-hd,drive=d0,bus=ide.0"]
    m = Machine("proc_shares", machine="q35", extra=drives,
                args="quantum=1 rdlatency=20")
    try:
        m.expect(re.escape(PROMPT), 60)
        # raw transfers fill the freed-header quarantine (bio.c) once
        run(m, "run dd if=/dev/rrd1 of=/dev/null bs=512 count=40")
        base = settled_memory(m)
        churn_tests(c, m, base, img_digest, img)
        console_tests(c, m)
        shares_tests(c, m, settled_memory(m))
        with c.test("the_kernel_still_answers"):
            out = run(m, "run hostile echo still here")
            assert out == "still here\n", out
    finally:
        m.close()
    return c.results
