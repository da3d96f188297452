"""tests/scenarios/proc.py: processes.  Programs from /bin run from the
shell (run), fault without hurting the kernel, get EFAULT for bad
pointers and ENOSYS for wild calls, and read and write disks as POSIX
says, through block devices (the cache) and raw devices (userdma into
their own pages), on AHCI and IDE disks of real size: an 8 GiB sparse
image, data past 4 GiB.  The host writes the images and checks every
byte the programs wrote, and that nothing else changed."""

import os
import re
import subprocess

from harness import (BUILD, Checks, Machine, PROMPT, Timeout, digest,
                     hexdump_c, scenario)

GiB, MiB = 1 << 30, 1 << 20
SIZE = 8 * GiB
A = 0                   # random data at [A, A + 2 MiB)
B = 5 * GiB             # and at [B, B + 2 MiB)
RAW_TO = B + 4 * MiB    # dd copies A's first MiB here, raw
BLOCK_FROM, BLOCK_TO = 3000, 4295000000  # 5000 bytes, bs=1000, past 4 GiB
HIGH_TO = 3 * MiB       # and B's first 512 KiB here, raw
BAD = 1000              # the sector blkdebug fails reads of
BADW = 2000             # the sector blkdebug fails writes of
IOTEST_MB = 6 * 1024    # iotest's processes work from 6 GiB on, 4 MiB
IOTEST_PROCS = 3        # each


def make_images(d, kind):
    """The big disk with its two random regions, and a small one whose
    sector BAD fails every read and BADW every write (blkdebug)."""
    big = os.path.join(d, "big.img")
    with open(big, "wb") as f:
        f.truncate(SIZE)
        f.seek(A)
        f.write(os.urandom(2 * MiB))
        f.seek(B)
        f.write(os.urandom(2 * MiB))
    small = os.path.join(d, "small.img")
    with open(small, "wb") as f:
        f.write(os.urandom(64 * MiB))
    cfg = os.path.join(d, "blkdebug.cfg")
    with open(cfg, "w") as f:
        f.write('[inject-error]\nevent = "read_aio"\nerrno = "5"\n'
                'sector = "%d"\n' % BAD)
        f.write('[inject-error]\nevent = "write_aio"\nerrno = "5"\n'
                'sector = "%d"\n' % BADW)
    drives = ["-drive", "file=%s,format=raw,if=none,id=big" % big,
              "-drive", "file=blkdebug:%s:%s,format=raw,if=none,id=small"
              % (cfg, small)]
    if kind == "sd":
        drives += ["-device", "ide-hd,drive=big,bus=ide.0",
                   "-device", "ide-hd,drive=small,bus=ide.1"]
    elif kind == "nvme":  # two namespaces of a controller at 00:05.0
        drives += ["-device", "nvme,id=nv5,serial=P5,addr=0x5",
                   "-device", "nvme-ns,drive=big,bus=nv5,nsid=1",
                   "-device", "nvme-ns,drive=small,bus=nv5,nsid=2"]
    else:
        drives += ["-device", "ide-hd,drive=big,bus=ide.0,unit=0",
                   "-device", "ide-hd,drive=small,bus=ide.0,unit=1"]
    return big, small, drives


def read_at(path, off, n):
    with open(path, "rb") as f:
        f.seek(off)
        return f.read(n)


def expected_image(orig_a, orig_b):
    """The big image as it must be after the programs ran: (offset, bytes)
    for every place that holds data, zeros elsewhere."""
    return [(A, orig_a), (HIGH_TO, orig_b[:512 * 1024]), (B, orig_b),
            (RAW_TO, orig_a[:MiB]),
            (BLOCK_TO, orig_a[BLOCK_FROM:BLOCK_FROM + 5000]),
            (IOTEST_MB * MiB, IOTEST_PROCS * 4 * MiB)]  # any bytes


def image_matches(path, regions):
    """Every data extent of the sparse file holds what regions say (zeros
    outside them): nothing else changed.  None, or what differs."""
    fd = os.open(path, os.O_RDONLY)
    try:
        off = 0
        while True:
            try:
                start = os.lseek(fd, off, os.SEEK_DATA)
            except OSError:
                break
            end = os.lseek(fd, start, os.SEEK_HOLE)
            pos = start
            while pos < end:
                n = min(end - pos, 4 * MiB)
                got = os.pread(fd, n, pos)
                want = bytearray(n)
                for at, data in regions:
                    size = data if isinstance(data, int) else len(data)
                    lo, hi = max(at, pos), min(at + size, pos + n)
                    if lo >= hi:
                        continue
                    want[lo - pos:hi - pos] = got[lo - pos:hi - pos] \
                        if isinstance(data, int) else data[lo - at:hi - at]
                if got != bytes(want):
                    i = next(k for k in range(n) if got[k] != want[k])
                    return "byte %d is %02x, not %02x" % (pos + i, got[i],
                                                          want[i])
                pos += n
            off = end
        for at, data in regions:
            if isinstance(data, bytes) and data and \
                    os.pread(fd, len(data), at) != data:
                return "the region at %d does not hold its data" % at
        return None
    finally:
        os.close(fd)


# GNU dd's report: sizes with one decimal below 10, seconds as %g
DD_REPORT = (r"(\d+)\+(\d+) records in\n(\d+)\+(\d+) records out\n"
             r"(\d+) bytes (?:\(\d+(?:\.\d)? [kMG]B, \d+(?:\.\d)? [KMG]iB\) )?"
             r"copied, \d+(?:\.\d+)? s, \d+(?:\.\d)? [kMG]?B/s")


def run(m, line, quiet=None, timeout=60):
    """A shell command's output, each line ending in a newline; lines
    the kernel logged meanwhile about device `quiet` left out, and those
    QEMU's own NVMe model prints on stderr for an error blkdebug made."""
    out = m.cmd(line, timeout=timeout)
    lines = [ln for ln in out.split("\n")
             if not (quiet and (ln.startswith(quiet + ": ") or
                                ln.startswith("qemu-system-i386: aio failed")))]
    return "".join(ln + "\n" for ln in lines) if out else ""


EIP = r"8[0-9a-f]{7}"  # an address in the program's text


def ended_by(out, message, sig):
    """out is utest's fault message, then run's note of the signal."""
    assert re.fullmatch(r"utest\[(\d+)\]: %s\nrun: utest\[\1\]: killed by "
                        r"%s\n" % (message, sig), out), out


def interrupt(m, line, started, wait=0):
    """Type line, wait for `started` (and `wait` seconds more, in which it
    must not end by itself), ^C: the program ends by SIGINT."""
    m.send(line + "\r")
    m.expect(started, 10)
    if wait:
        try:
            m.expect(re.escape(PROMPT), wait)
            raise AssertionError("%s ended by itself" % line)
        except Timeout:
            pass
    m.send("\x03")
    m.expect(r"run: utest\[\d+\]: killed by SIGINT\n" + re.escape(PROMPT),
             30)


def proc_scenario(name, kind, machine):
    c = Checks(name)
    d = os.path.join(BUILD, "scenarios", name)
    os.makedirs(d, exist_ok=True)
    big, small, drives = make_images(d, kind)
    small_digest = digest(small)
    orig_a, orig_b = read_at(big, A, 2 * MiB), read_at(big, B, 2 * MiB)
    disk, bad = ("nvme00:05.0n1", "nvme00:05.0n2") if kind == "nvme" \
        else (kind + "0", kind + "1")
    m = Machine(name, machine=machine, extra=drives, args="rdlatency=3000")
    try:
        m.expect(re.escape(PROMPT), 60)
        with c.test("run_starts_a_program_with_its_arguments"):
            out = run(m, "run utest hello a b")
            assert re.fullmatch(r"hello from pid \d+, argc 4: \[utest\] "
                                r"\[hello\] \[a\] \[b\]\n", out), out
        with c.test("an_exit_status_is_reported"):
            out = run(m, "run utest exit 3")
            assert re.fullmatch(r"run: utest\[\d+\]: exit status 3\n",
                                out), out
            assert run(m, "run utest exit 0") == "", "exit 0 says nothing"
        with c.test("an_unknown_program_is_named_with_the_list"):
            out = run(m, "run nosuch")
            assert out.startswith("run: nosuch: ENOENT: no such entry\n"
                                  "programs in /bin: dd cmp hexdump"), out
        with c.test("faults_end_the_process_with_a_message_not_the_kernel"):
            ended_by(run(m, "run utest null"), r"segmentation fault at "
                     r"00000000 \(eip %s, read not mapped\)" % EIP, "SIGSEGV")
            ended_by(run(m, "run utest kernel"), r"segmentation fault at "
                     r"00100000 \(eip %s, read not allowed\)" % EIP,
                     "SIGSEGV")
            assert "argc 2" in run(m, "run utest hello"), "the shell went on"
        with c.test("x87_use_ends_the_program_not_the_kernel"):
            ended_by(run(m, "run utest fpu"), r"x87 instruction: no floating "
                     r"point here \(eip %s\)" % EIP, "SIGILL")
        with c.test("a_heap_given_back_is_freed"):
            before = int(re.search(r"\((\d+) of", run(m, "mem")).group(1))
            out = run(m, "run utest sbrkloop", timeout=120)
            assert out == "sbrk: 100 MiB taken and given back\n", out
            after = int(re.search(r"\((\d+) of", run(m, "mem")).group(1))
            assert after >= before - 64, "%d pages free before, %d " \
                "after" % (before, after)
        with c.test("ctrl_c_ends_a_program_and_the_child_it_waits_for"):
            interrupt(m, "run utest waitspin", r"spawn: 0\n")
            for _ in range(100):
                if run(m, "jobs") == "  PID  STATE   NAME\n":
                    break
            else:
                raise AssertionError("the child lives on:\n" +
                                     run(m, "jobs"))
        with c.test("fs_and_gs_are_each_processs_own"):
            out = run(m, "run utest fsgs")
            assert sorted(out.splitlines()) == sorted([
                "spawn: 0", "child: fs 0 gs 0",
                "child kept them while both ran: 1",
                "parent kept them while both ran: 1", "waitpid: 0",
                "parent: fs 33 gs 0"]), out
        with c.test("the_console_opened_one_way_is_not_the_other"):
            out = run(m, "run utest consmode")
            assert out == (
                "write to the console opened O_RDONLY: -1 EBADF\n"
                "read from the console opened O_WRONLY: -1 EBADF\n"
                "ok\nwritten to the console opened O_WRONLY: 3\n"
                "close: 0\n"), out
        with c.test("wild_system_call_numbers_get_enosys"):
            out = run(m, "run utest wildsys")
            assert out == "syscall 999: -38 ENOSYS\nsyscall -1: -38 " \
                "ENOSYS\n", out
        with c.test("bad_pointers_get_efault_never_a_kernel_fault"):
            out = run(m, "run utest efault /dev/%s" % disk)
            assert out == (
                "open: 3\nread NULL: -1 EFAULT\nread kernel: -1 EFAULT\n"
                "write kernel: -1 EFAULT\nopen bad path: -1 EFAULT\n"
                "read huge: -1 EFAULT\nread into the break: -1 EFAULT\n"
                "read past the top: -1 EFAULT\n"), out
        with c.test("ctrl_c_ends_a_spinning_program"):
            interrupt(m, "run utest spin", r"run utest spin\n", wait=2)
        with c.test("a_program_reads_a_line_from_the_console"):
            m.send("run utest readline\r")
            m.expect(r"run utest readline\n", 10)
            m.send("hello\r")
            m.expect(r"hello\ngot 6 bytes: hello\n" + re.escape(PROMPT), 30)
        with c.test("ctrl_c_ends_a_program_waiting_for_the_console"):
            interrupt(m, "run utest readline", r"run utest readline\n")
        with c.test("a_background_read_of_the_console_is_eio"):
            # (its line may come before the prompt or after it)
            out = run(m, "run utest readline &")
            assert re.match(r"\[\d+\] utest\n", out), out
            if "read: -1 EIO\n" not in out:
                m.expect(r"read: -1 EIO\n", 30)
            out = run(m, "uptime")
            assert re.fullmatch(r"up \d+\.\d{3} s \(\d+ clock ticks at "
                                r"1000 Hz\)\n", out), out
        with c.test("kill_ends_a_program_run_in_the_background"):
            out = run(m, "run utest spin &")
            pid = re.fullmatch(r"\[(\d+)\] utest\n", out).group(1)
            assert re.search(r"^ +%s  run +utest$" % pid, run(m, "jobs"),
                             re.M), "not in jobs"
            out = run(m, "kill %s" % pid)
            assert out == "", "kill said: " + out
            for _ in range(100):
                if not re.search(r"^ +%s " % pid, run(m, "jobs"), re.M):
                    break
            else:
                raise AssertionError("still in jobs after kill")
            out = run(m, "kill %s" % pid)
            assert out == "kill: %s: ESRCH: no such process\n" % pid, out
        with c.test("hexdump_of_data_past_4_gib_is_hexdump_c"):
            out = run(m, "run hexdump -C -s %d -n 8192 /dev/%s" % (B, disk),
                        timeout=60)
            want = hexdump_c(orig_b[:8192], B)
            assert out == want, "kernel:\n%s\nhost:\n%s" % (out, want)
        # at and past the end: the end's offset alone, as the host's
        with c.test("hexdump_at_and_past_the_end_is_the_hosts"):
            size = os.path.getsize(small)
            for dev in (bad, "r" + bad):
                for at in (size - 10, size, size + 5000, size + (1 << 32)):
                    out = run(m, "run hexdump -C -s %d /dev/%s" % (at, dev),
                              quiet=bad, timeout=60)
                    want = subprocess.run(
                        ["hexdump", "-C", "-s", str(at), small],
                        stdout=subprocess.PIPE, check=True).stdout.decode()
                    assert out == want, "-s %d /dev/%s:\nkernel:\n%s\n" \
                        "host:\n%s" % (at, dev, out, want)
            assert run(m, "run hexdump -C -n 0 /dev/%s" % bad) == "", "-n 0"
        with c.test("dd_raw_copies_1_mib_past_5_gib_and_reports_it"):
            out = run(m, "run dd if=/dev/r%s of=/dev/r%s bs=64K count=16 "
                        "seek=%d" % (disk, disk, RAW_TO // 65536),
                        timeout=120)
            r = re.fullmatch(DD_REPORT + r"\n", out)
            assert r and r.groups()[:5] == ("16", "0", "16", "0",
                                            str(MiB)), out
            assert "(1.0 MB, 1.0 MiB)" in out, out
        with c.test("dd_raw_reads_past_4_gib"):
            out = run(m, "run dd if=/dev/r%s of=/dev/r%s bs=128K count=4 "
                        "skip=%d seek=%d" % (disk, disk, B // 131072,
                                             HIGH_TO // 131072), timeout=120)
            assert re.fullmatch(DD_REPORT + r"\n", out), out
            assert "(524 kB, 512 KiB)" in out, out
        with c.test("dd_through_the_cache_any_offset_and_size"):
            out = run(m, "run dd if=/dev/%s of=/dev/%s bs=1000 count=5 "
                        "skip=3 seek=%d conv=fsync" % (disk, disk,
                                                       BLOCK_TO // 1000),
                        timeout=120)
            r = re.fullmatch(DD_REPORT + r"\n", out)
            assert r and r.group(5) == "5000", out
            assert "(5.0 kB, 4.9 KiB)" in out, out
        # GNU's suffixes (bs=64k), and N ending in B counting bytes, not
        # blocks: 3000 bytes from byte 5 GiB
        with c.test("dd_takes_gnus_suffixes_and_counts_bytes_for_a_b"):
            out = run(m, "run dd if=/dev/%s of=/dev/rd0 bs=64k count=3kB "
                        "skip=5GiB" % disk, timeout=60)
            r = re.fullmatch(DD_REPORT + r"\n", out)
            assert r and r.groups()[:5] == ("0", "1", "0", "1", "3000"), out
            assert "(3.0 kB, 2.9 KiB)" in out, out
            out = run(m, "run cmp -n 3000 /dev/rd0 /dev/%s 0 %d" % (disk, B),
                      timeout=60)
            assert out == "", out
        with c.test("dev_null_takes_everything_and_dev_zero_gives_zeros"):
            out = run(m, "run dd if=/dev/zero of=/dev/null bs=64K count=16",
                      timeout=60)
            r = re.fullmatch(DD_REPORT + r"\n", out)
            assert r and r.groups()[:5] == ("16", "0", "16", "0",
                                            "1048576"), out
            out = run(m, "run dd if=/dev/null of=/dev/rd0 bs=512 count=4",
                      timeout=60)
            r = re.fullmatch(DD_REPORT + r"\n", out)
            assert r and r.group(5) == "0", out  # the end at once
            out = run(m, "run dd if=/dev/zero of=/dev/rd0 bs=1000 count=3 "
                      "seek=7", timeout=60)
            r = re.fullmatch(DD_REPORT + r"\n", out)
            assert r and r.group(5) == "3000", out
            # rd0's bytes 7000-9999 are zeros now, as the host's hexdump
            # of them says
            out = run(m, "run hexdump -C -s 7000 -n 3000 /dev/rd0")
            assert out == hexdump_c(bytes(3000), 7000), out
        with c.test("sequential_reads_read_ahead_and_a_lone_read_does_not"):
            def ra(text):
                r = re.search(r"^read-ahead\s+(\d+) started, (\d+) used, "
                              r"(\d+) wasted", text, re.M)
                return tuple(int(x) for x in r.groups())
            def misses(text):
                return int(re.search(r"^misses\s+(\d+)", text,
                                     re.M).group(1))

            def clusters(text):
                r = re.search(r"^clusters\s+(\d+) reads of ([\d.]+) KiB",
                              text, re.M)
                return int(r.group(1)), float(r.group(2))
            run(m, "cache drop %s" % disk)
            text = run(m, "cache")
            before, m0, c0 = ra(text), misses(text), clusters(text)
            out = run(m, "run dd if=/dev/%s of=/dev/null bs=64K count=4"
                      % disk, timeout=60)
            text = run(m, "cache")
            after, c1 = ra(text), clusters(text)
            started, used = after[0] - before[0], after[1] - before[1]
            # 64 blocks of 4 KiB read in order: the first read alone, the
            # second with a first window (16 KiB) after it, and the other
            # 62 read ahead in windows growing (to 2 MiB, in transfers
            # of up to 256 KiB); what the reader stopped short of is at
            # most the window and a half ahead of it
            assert misses(text) - m0 == 2 and used >= 62 and \
                started - used <= 96, \
                "%d misses, %d read-aheads started, %d used:\n%s" % (
                    misses(text) - m0, started, used, out)
            n = c1[0] - c0[0]
            kib = c1[0] * c1[1] - c0[0] * c0[1]  # (averages to 0.1 KiB)
            assert 3 <= n <= 8 and kib / n >= 64, \
                "%d clusters read, %.0f KiB: %s" % (n, kib, text)
            run(m, "run dd if=/dev/%s of=/dev/null bs=512 count=1 skip=%d"
                % (disk, 3 * MiB // 512))
            lone = ra(run(m, "cache"))
            assert lone[0] == after[0], \
                "a lone read started %d read-aheads" % (lone[0] - after[0])
        with c.test("cmp_is_silent_on_equal_and_names_the_first_difference"):
            out = run(m, "run cmp -n %d /dev/r%s /dev/%s 0 %d" % (
                MiB, disk, disk, RAW_TO), timeout=120)
            assert out == "", out
            i = next(k for k in range(MiB, 2 * MiB) if orig_a[k] != 0)
            out = run(m, "run cmp /dev/%s /dev/r%s 0 %d" % (disk, disk,
                                                           RAW_TO),
                        timeout=120)
            assert out == "/dev/%s /dev/r%s differ: byte %d, line %d\n" \
                "run: cmp[%s]: exit status 1\n" % (
                    disk, disk, i + 1, orig_a[:i].count(b"\n") + 1,
                    re.search(r"cmp\[(\d+)\]", out).group(1)), out
        # whole blocks from block boundaries, as BSD stdio reads after
        # fseeko: a raw device, whole sectors only, reads at any offset
        with c.test("hexdump_and_cmp_read_a_raw_device_at_any_offset"):
            out = run(m, "run hexdump -C -s %d -n 1000 /dev/r%s" % (
                B + 6, disk), timeout=60)
            want = hexdump_c(orig_b[6:1006], B + 6)
            assert out == want, "kernel:\n%s\nhost:\n%s" % (out, want)
            out = run(m, "run cmp -n 5000 /dev/r%s /dev/%s %d %d" % (
                disk, disk, B + 7, B + 7), timeout=60)
            assert out == "", out
            i = next(k for k in range(5000) if orig_b[1 + k] != orig_b[2 + k])
            out = run(m, "run cmp -n 5000 /dev/r%s /dev/r%s %d %d" % (
                disk, disk, B + 1, B + 2), timeout=60)
            assert out.startswith(
                "/dev/r%s /dev/r%s differ: byte %d, line %d\n" % (
                    disk, disk, i + 1, orig_b[1:1 + i].count(b"\n") + 1)), out
        for dev in ("r" + disk, disk):
            with c.test("posix_end_of_device_on_%s" % dev):
                out = run(m, "run utest eof /dev/%s" % dev)
                assert out == (
                    "open: 3\nfstat: 0\nsize: %d\n"
                    "ioctl DIOCGMEDIASIZE: 0\nioctl DIOCGSECTORSIZE: 512\n"
                    "ioctl on the console: -1 ENOTTY\n"
                    "ioctl unknown: -1 ENOTTY\npread at the end: 0\n"
                    "pread across the end: 1024\npread past the end: 0\n"
                    "lseek to the last sector: 0\nread to the end: 512\n"
                    "read at the end: 0\nwrite at the end: -1 ENOSPC\n"
                    % SIZE), out
        with c.test("raw_io_takes_whole_sectors_or_gets_einval"):
            out = run(m, "run utest align /dev/r%s" % disk)
            assert out == (
                "open: 3\npread 100 bytes: -1 EINVAL\n"
                "pread at byte 100: -1 EINVAL\n"
                "pread to an odd address: -1 EINVAL\n"
                "pwrite 513 bytes: -1 EINVAL\npread 512 bytes: 512\n"), out
        # (the drivers retry a failed transfer a sector at a time: what
        # came before the bad sector arrives, as a short count)
        for dev in ("r" + bad, bad):
            with c.test("eio_reaches_the_program_and_the_next_read_works_"
                        "on_%s" % dev):
                out = run(m, "run utest eio /dev/%s %d" % (dev, BAD),
                          quiet=bad, timeout=120)
                assert out == (
                    "open: 3\npread before the bad sector: 4096\n"
                    "pread across the bad sector: 4096\n"
                    "pread at the bad sector: -1 EIO\n"
                    "pread after it: 512\n"), out
        # the syncer, or another file's fsync, may meet a cached write's
        # failure: every file open on the device hears of it at fsync
        with c.test("fsync_reports_a_cached_write_that_failed_before_it"):
            out = run(m, "run utest wberr /dev/%s %d" % (bad, BADW),
                      quiet=bad, timeout=120)
            logged = "bcache: write of dev %s block %d failed: EIO; its " \
                "data is lost\n"
            lines = out.splitlines(True)
            assert sum(ln.startswith("bcache: ") for ln in lines) == 1 and \
                re.fullmatch(logged % (r"\d+,\d+", BADW), [
                    ln for ln in lines if ln.startswith("bcache: ")][0]), out
            out = "".join(ln for ln in lines if not ln.startswith("bcache: "))
            assert out == (
                "open a: 3\nopen b: 4\npwrite a: 100\nfsync b: -1 EIO\n"
                "fsync a: -1 EIO\nfsync a again: 0\nfsync b again: 0\n"
                "fsync of a file opened after: 0\n"), out
        # a failure met by `sync` after its writer exited, which no fsync
        # has reported yet, reaches the next file opened, once
        with c.test("fsync_reports_an_unheard_failure_to_a_new_file"):
            out = run(m, "run utest wbleave /dev/%s %d" % (bad, BADW))
            assert out == "pwrite: 100\n", out
            out = run(m, "sync", quiet=bad, timeout=60)
            assert re.search(r"^sync: EIO: ", out, re.M), out
            out = run(m, "run utest fsyncnew /dev/%s" % bad, timeout=60)
            assert out == "fsync: -1 EIO\nfsync again: 0\n" \
                "fsync of a file opened after: 0\n", out
        with c.test("iotest_verifies_random_io_of_several_processes_aio"):
            out = run(m, "run iotest -p %d -q 8 -n 400 -r 4 -o %d /dev/r%s"
                      % (IOTEST_PROCS, IOTEST_MB, disk), timeout=300)
            assert re.fullmatch(
                r"iotest: /dev/r%s: %d processes x QD8, %d I/Os of 4096 "
                r"bytes \(50%% writes\), \d+ IOPS: every read verified\n"
                % (disk, IOTEST_PROCS, 400 * IOTEST_PROCS), out), out
        # rd1 completes 3 s after a request comes (rdlatency=3000; HZ is
        # 1000); the test says if it could not fill in time
        with c.test("a_process_gone_mid_transfer_frees_its_frames_after_it"):
            out = run(m, "run utest aioexit /dev/rrd1 exit", timeout=120)
            assert sorted(out.splitlines()) == sorted([
                "spawn: 0", "aio_read: 0", "aio_error: 115", "waitpid: 0",
                "memory intact"]), out
        with c.test("a_process_killed_mid_transfer_frees_its_frames_after_it"):
            out = run(m, "run utest aioexit /dev/rrd1 kill", timeout=120)
            assert sorted(out.splitlines()) == sorted([
                "spawn: 0", "aio_read: 0", "aio_error: 115", "kill: 0",
                "waitpid: 9", "memory intact"]), out
        with c.test("a_kill_ends_a_wait_in_aio_suspend_not_the_transfer"):
            out = run(m, "run utest aiokill /dev/rrd1", timeout=120)
            r = re.fullmatch(r"spawn: 0\nkill: 0\naio_suspend ended (\d+) ms "
                             r"after the kill \(status 9\)\n", out)
            assert r, out
            # the read takes 3 s of the guest's clock, the kill 0.1 s
            assert int(r.group(1)) < 1500, out
        m.send("halt\r")
        m.wait_exit(60)
    except Timeout as e:
        c.add("the_shell_answered", False, str(e))
    finally:
        m.close()
    with c.test("the_image_holds_what_the_programs_wrote_and_nothing_else"):
        why = image_matches(big, expected_image(orig_a, orig_b))
        assert why is None, why
    with c.test("the_small_image_is_unchanged_its_one_write_failed"):
        assert digest(small) == small_digest, "the small disk changed"
    return c.results


@scenario("proc_ahci")
def proc_ahci():
    return proc_scenario("proc_ahci", "sd", "q35")


@scenario("proc_nvme", long=True)
def proc_nvme():
    """The same programs on two NVMe namespaces: make test-long."""
    return proc_scenario("proc_nvme", "nvme", "q35")


@scenario("proc_ide", long=True)
def proc_ide():
    """The same programs on IDE: make test-long (the battery is the
    driver's own in ide1, and this one costs two minutes)."""
    return proc_scenario("proc_ide", "wd", "pc")
