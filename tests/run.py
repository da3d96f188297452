#!/usr/bin/env python3
"""tests/run.py: iodine's test harness.

Boots the kernel in QEMU (TCG) once per scenario, each with its own machine
type, disks and kernel command line, and collects one result per test:

  * kernel scenarios boot with `test=PATTERN panic=exit` and read the KTAP
    lines the in-kernel tests print (kernel/ktest.c);
  * shell scenarios type commands on the serial console and check answers;
  * the host scenario runs lib/'s unit tests built with sanitizers;
  * the gdb scenario drives gdb in batch mode against QEMU's gdb stub.

Every serial log is kept in build/logs/SCENARIO.log.  A scenario that hangs
or panics is reported with the test that was running.  The last line is
"N passed, N failed"; the exit status is non-zero on any failure.

Usage: tests/run.py [-k SCENARIO_GLOB] [-j JOBS] [--list] [--bench [GLOB]]
"""

import argparse
import concurrent.futures
import fnmatch
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
BASE_ISO = os.path.join(BUILD, "iodine.iso")
KERNEL_ELF = os.path.join(BUILD, "iodine.elf")
LOGS = os.path.join(BUILD, "logs")
PROMPT = "iodine> "
QEMU = os.environ.get("QEMU", "qemu-system-i386")

# isa-debug-exit makes QEMU exit with 2*status+1 (arch/i386/power.h).
EXIT_OK, EXIT_FAIL, EXIT_PANIC = 1, 3, 5


class Result:
    def __init__(self, name, ok, reason=""):
        self.name, self.ok, self.reason = name, ok, reason


class Timeout(Exception):
    pass


class Abandon(Exception):
    """A scenario's machine stopped answering; carries what was recorded."""

    def __init__(self, results):
        super().__init__("abandoned")
        self.results = results


class Machine:
    """One QEMU run with its serial console on a pipe."""

    def __init__(self, name, args="", machine="pc", mem="256M", extra=(),
                 reboot=False, gdb_port=None, iso_files=(), cd="cdrom",
                 accel="tcg"):
        self.name = name
        self.dir = os.path.join(BUILD, "scenarios", name)
        os.makedirs(self.dir, exist_ok=True)
        os.makedirs(LOGS, exist_ok=True)
        self.iso = os.path.join(self.dir, "iodine.iso")
        subprocess.run([os.path.join(ROOT, "scripts", "mkiso-args"),
                        BASE_ISO, self.iso, args] +
                       ["%s=%s" % f for f in iso_files], check=True)
        cmd = [QEMU, "-M", machine, "-m", mem, "-accel", accel,
               "-display", "none", "-monitor", "none", "-serial", "stdio",
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        cdrive = ["-drive", "file=%s,media=cdrom,if=none,id=cd0" % self.iso]
        if cd == "ahci":
            # the boot CD on an added AHCI port: every IDE place for disks
            cmd += ["-device", "ahci,id=ahci0"] + cdrive + \
                ["-device", "ide-cd,drive=cd0,bus=ahci0.0,bootindex=0"]
        elif cd == "scsi":
            # the boot CD on virtio-scsi: every AHCI port for disks
            cmd += ["-device", "virtio-scsi-pci,id=scsi0"] + cdrive + \
                ["-device", "scsi-cd,drive=cd0,bus=scsi0.0,bootindex=0"]
        else:
            cmd += ["-cdrom", self.iso, "-boot", "d"]
        if not reboot:
            cmd.append("-no-reboot")
        if gdb_port:
            cmd += ["-S", "-gdb", "tcp:127.0.0.1:%d" % gdb_port]
        cmd += list(extra)
        self.log = open(os.path.join(LOGS, name + ".log"), "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.buf = ""   # everything read, \r removed
        self.pos = 0    # how far expect() has consumed

    def _read(self, deadline):
        """Read what is available (waiting until deadline); False at EOF."""
        left = deadline - time.monotonic()
        if left <= 0:
            return True
        r, _, _ = select.select([self.proc.stdout], [], [], left)
        if not r:
            return True
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            return False
        text = data.decode("latin-1").replace("\r", "")
        self.buf += text
        self.log.write(text)
        self.log.flush()
        return True

    def expect(self, pattern, timeout=30):
        """Wait for regex `pattern` past the last match; return the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf, self.pos)
            if m:
                self.pos = m.end()
                return m
            if time.monotonic() >= deadline:
                raise Timeout("waited %ds for %r" % (timeout, pattern))
            if not self._read(deadline):
                m = rx.search(self.buf, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                raise Timeout("QEMU exited while waiting for %r" % pattern)

    def send(self, text):
        self.proc.stdin.write(text.encode("latin-1"))
        self.proc.stdin.flush()

    def cmd(self, line, timeout=20):
        """Type a command; return its output (without echo and prompt)."""
        self.send(line + "\r")
        start = self.pos
        self.expect(r"\n" + re.escape(PROMPT), timeout)
        out = self.buf[start:self.pos - len(PROMPT) - 1]
        first_nl = out.find("\n")
        return out[first_nl + 1:] if first_nl >= 0 else ""

    def wait_exit(self, timeout=60):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() >= deadline:
                raise Timeout("QEMU still running after %ds" % timeout)
            self._read(min(deadline, time.monotonic() + 0.5))
        # QEMU has exited: take the rest of its output, up to EOF.
        while self._read(time.monotonic() + 1):
            pass
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()


SCENARIOS = []


def scenario(name):
    def register(fn):
        SCENARIOS.append((name, fn))
        return fn
    return register


class Checks:
    """Collects named results for a scenario: `with c.test("name"):`."""

    def __init__(self, prefix):
        self.prefix, self.results = prefix, []

    def add(self, name, ok, reason=""):
        self.results.append(Result(self.prefix + "/" + name, ok, reason))

    def test(self, name):
        checks = self

        class Ctx:
            def __enter__(self):
                return self

            def __exit__(self, typ, val, tb):
                if typ is None:
                    checks.add(name, True)
                elif issubclass(typ, AssertionError):
                    checks.add(name, False, str(val))
                elif issubclass(typ, Timeout):
                    # The machine stopped answering: the rest cannot run.
                    checks.add(name, False, str(val))
                    raise Abandon(checks.results)
                else:
                    return False
                return True
        return Ctx()


KTAP_RESULT = re.compile(r"^(ok|not ok) (\d+) (\S+)(?: # (.*))?$", re.M)
KTAP_RUNNING = re.compile(r"^# test: (\S+)$", re.M)
KTAP_SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$", re.M)


def parse_ktap(prefix, text, complete, why_incomplete=""):
    """Results from KTAP lines; if the run did not finish, a failure naming
    the test that was running."""
    c = Checks(prefix)
    seen = set()
    for m in KTAP_RESULT.finditer(text):
        seen.add(m.group(3))
        c.add(m.group(3), m.group(1) == "ok", m.group(4) or "")
    summary = KTAP_SUMMARY.search(text)
    if complete and summary:
        npass, nfail = int(summary.group(1)), int(summary.group(2))
        counted = sum(1 for r in c.results if r.ok), \
            sum(1 for r in c.results if not r.ok)
        if counted != (npass, nfail):
            c.add("summary", False, "kernel said %d passed, %d failed; "
                  "harness read %d, %d" % ((npass, nfail) + counted))
        if not c.results:
            c.add("selection", False, "no test matched")
        return c.results
    running = [m.group(1) for m in KTAP_RUNNING.finditer(text)
               if m.group(1) not in seen]
    panic = re.search(r"^panic: .*$", text, re.M)
    what = running[-1] if running else "(before the first test)"
    reason = why_incomplete or "did not finish"
    if panic:
        reason += "; " + panic.group(0)
    c.add(what, False, reason + " (log: build/logs/%s.log)" % prefix)
    return c.results


def boot_to_results(name, timeout, **machine):
    """Boot, let the kernel run its tests or benchmarks to the power off,
    and read the KTAP it printed.  Returns (results, serial output)."""
    m = Machine(name, **machine)
    try:
        code = m.wait_exit(timeout)
        complete = code in (EXIT_OK, EXIT_FAIL)
        why = "" if complete else "QEMU exit status %d" % code
    except Timeout as e:
        complete, why = False, "hung: " + str(e)
    finally:
        m.close()
    return parse_ktap(name, m.buf, complete, why), m.buf, complete


def run_kernel_tests(name, pattern, timeout=240, args="", **machine):
    return boot_to_results(name, timeout, args="test=%s panic=exit %s" % (
        pattern, args), **machine)[0]


@scenario("host")
def host_unit_tests():
    exe = os.path.join(BUILD, "host", "test_lib")
    p = subprocess.run([exe], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60)
    text = p.stdout.decode(errors="replace")
    with open(os.path.join(LOGS, "host.log"), "w") as f:
        f.write(text)
    return parse_ktap("host", text, p.returncode in (0, 1),
                      "exit status %d" % p.returncode)


@scenario("kernel")
def kernel_tests():
    return run_kernel_tests("kernel", "-disk_*,-bigdisk_*")  # the disk scenarios


@scenario("kernel_slowdisk")
def kernel_tests_slow_async_disk():
    """The block-layer battery again with rd1 five ticks slow, so more
    requests overlap in its queue."""
    return run_kernel_tests("kernel_slowdisk", "*b_iodone*,*biodone*,"
                            "a_chain*,a_request*,a_split*,a_stacked*,"
                            "physio*,a_delayed*,threads_hammering*",
                            args="rdlatency=5")


@scenario("bench")
def bench_smoke():
    """The benchmarks run and their sanity checks hold (no timing verdict:
    figures are for make bench)."""
    return boot_to_results("bench", 300, args="bench panic=exit")[0]


def boot_to_shell(name, **kw):
    m = Machine(name, **kw)
    m.expect(re.escape(PROMPT), 60)
    return m


@scenario("shell")
def shell_tests():
    c = Checks("shell")
    m = boot_to_shell("shell", args="foo=bar verbose")
    try:
        with c.test("help_lists_every_command"):
            out = m.cmd("help")
            for name in ("help", "mem", "intr", "uptime", "cmdline", "halt",
                         "reboot", "crash"):
                assert re.search(r"^  %s " % name, out, re.M), \
                    "help does not list %s:\n%s" % (name, out)
        with c.test("help_describes_one_command"):
            out = m.cmd("help uptime")
            assert "time since boot" in out, out
        with c.test("unknown_command_is_a_one_line_error"):
            out = m.cmd("frobnicate 1 2")
            assert out == "frobnicate: unknown command (try 'help')", \
                repr(out)
        with c.test("bad_arguments_print_usage"):
            out = m.cmd("uptime now")
            assert out.startswith("usage: uptime"), repr(out)
            out = m.cmd("halt soon")
            assert "halt: status must be a number" in out, repr(out)
            out = m.cmd("crash sideways")
            assert "crash: sideways: no such fault" in out, repr(out)
        with c.test("too_many_arguments_are_refused"):
            out = m.cmd("help " + " ".join(["x"] * 20))
            assert "too many arguments" in out, repr(out)
        with c.test("uptime_follows_the_wall_clock"):
            rx = r"up (\d+)\.(\d+) s \((\d+) clock ticks at 1000 Hz\)"
            m1 = re.search(rx, m.cmd("uptime"))
            t0 = time.monotonic()
            time.sleep(2)
            m2 = re.search(rx, m.cmd("uptime"))
            host = time.monotonic() - t0
            assert m1 and m2, "uptime output not understood"
            guest = (int(m2.group(1)) + int(m2.group(2)) / 1000) - \
                (int(m1.group(1)) + int(m1.group(2)) / 1000)
            assert abs(guest - host) < 0.5, \
                "guest says %.3f s passed, host %.3f s" % (guest, host)
        with c.test("mem_reports_sizes_with_units"):
            out = m.cmd("mem")
            assert re.search(r"RAM\s+\d+(\.\d)? MiB usable, \d+(\.\d)? MiB "
                             r"free", out), out
            assert re.search(r"kmalloc\s+\d+(\.\d)? [KM]?i?B in use", out), out
        with c.test("intr_counts_interrupts_and_their_latency"):
            out = m.cmd("intr")
            row = r"^\s+%d\s+(\d+)\s+\d+\s+\d+\s+(\d+) cyc\s+[\d.]+ us\s+%s$"
            clock = re.search(row % (0, r"clock(,\w+)*"), out, re.M)
            com1 = re.search(row % (4, "com1"), out, re.M)
            assert clock and int(clock.group(1)) > 100, out
            assert int(clock.group(2)) > 0, "no clock latency:\n" + out
            assert com1 and int(com1.group(1)) > 0, out
            for soft in ("iodone", "softclock"):
                assert re.search(r"^%s\s+\d\s+\d+\s+\d+ cyc" % soft, out,
                                 re.M), "no %s row:\n%s" % (soft, out)
            assert re.search(r"spurious: IRQ 7 \d+, IRQ 15 \d+", out), out
        with c.test("ps_lists_threads_and_what_they_wait_for"):
            out = m.cmd("ps")
            assert re.search(r"^\s+0\s+main\s+run\s+-", out, re.M), out
            assert re.search(r"^\s+\d+\s+idle\s+(ready|run)\s", out,
                             re.M), out
        with c.test("cmdline_shows_the_options"):
            out = m.cmd("cmdline")
            assert "cmdline: foo=bar verbose" in out, out
            assert 'foo = "bar"' in out and 'verbose = ""' in out, out
        with c.test("backspace_erases_a_character"):
            out = m.cmd("uptimxx\x7f\x7fe")
            assert "up " in out, repr(out)
        with c.test("ctrl_u_erases_the_line"):
            out = m.cmd("garbage\x15uptime")
            assert "up " in out and "unknown" not in out, repr(out)
        with c.test("ctrl_c_cancels_the_line"):
            m.send("halt\x03")
            m.expect(r"\^C\n" + re.escape(PROMPT), 10)
            out = m.cmd("uptime")
            assert "up " in out, "shell not alive after ^C: " + repr(out)
        with c.test("up_arrow_recalls_history"):
            m.cmd("help mem")
            m.cmd("uptime")
            out = m.cmd("\x1b[A\x1b[A")
            assert "usage" in out or "memory" in out, repr(out)
        with c.test("halt_powers_off_with_status"):
            m.send("halt 7\r")
            code = m.wait_exit(30)
            assert code == 15, "QEMU exit status %d, expected 15" % code
    except Timeout as e:
        c.add("shell_alive", False, str(e))
    finally:
        m.close()
    return c.results


def pattern_sector(disk, lba):
    """The test pattern of lib/pattern.h, as the kernel writes it."""
    head = b"IODINEPT" + disk.to_bytes(4, "little") + lba.to_bytes(8, "little")
    return head + bytes((lba * 7 + disk * 13 + i) & 0xFF
                        for i in range(20, 512))


def hexdump_c(data, offset):
    """What `hexdump -C` prints, from the real tool on the host."""
    path = os.path.join(BUILD, "hexdump.bin")
    with open(path, "wb") as f:
        f.seek(offset)      # a hole before: offsets of terabytes cost nothing
        f.write(data)
    out = subprocess.run(["hexdump", "-C", "-s", str(offset), path],
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    return out


@scenario("blockshell")
def block_shell_tests():
    c = Checks("blockshell")
    m = boot_to_shell("blockshell")
    try:
        with c.test("lsblk_lists_the_ram_disks_with_sizes"):
            out = m.cmd("lsblk")
            assert re.search(r"^rd0\s+1,0\s+4 MiB\s+8192\s+128 KiB\s+-\s+"
                             r"RAM disk \(sync\)$", out, re.M), out
            assert re.search(r"^rd1\s+1,1\s+4 MiB\s+8192\s+128 KiB\s+-\s+"
                             r"RAM disk \(async", out, re.M), out
        with c.test("write_then_read_shows_a_hexdump_c_layout"):
            out = m.cmd("write rd0 5 lba 2")
            assert out.strip() == "wrote 2 blocks (1 KiB) to rd0 at block 5", \
                repr(out)
            out = m.cmd("read rd0 6")
            want = hexdump_c(pattern_sector(0, 6), 6 * 512)
            assert out == want.rstrip("\n"), \
                "kernel:\n%s\nhexdump -C:\n%s" % (out, want)
        with c.test("read_of_repeated_lines_prints_a_star_like_hexdump"):
            m.cmd("write rd1 9 0x41")
            out = m.cmd("read rd1 9")
            want = hexdump_c(b"A" * 512, 9 * 512)
            assert out == want.rstrip("\n"), \
                "kernel:\n%s\nhexdump -C:\n%s" % (out, want)
        with c.test("text_patterns_repeat_to_fill_the_block"):
            m.cmd("write rd0 12 hello")
            out = m.cmd("read rd0 12")
            want = hexdump_c((b"hello" * 103)[:512], 12 * 512)
            assert out == want.rstrip("\n"), out
        with c.test("verify_checks_the_pattern_on_the_device"):
            m.cmd("write rd1 100 lba 50")
            out = m.cmd("verify rd1 100 50")
            assert out.strip() == "verify: rd1: 50 blocks (25 KiB) ok from " \
                "block 100", repr(out)
            out = m.cmd("verify rd1 99 3")
            assert "verify: rd1: EIO: block 99 differs from the pattern at " \
                "byte 0" in out, repr(out)
        with c.test("errors_name_the_errno_and_say_what_went_wrong"):
            out = m.cmd("read rd0 99999")
            assert out.strip() == "read: rd0: ENXIO: block 99999 past end", \
                repr(out)
            out = m.cmd("read rd0 8192")
            assert out.strip() == "read: rd0: ENXIO: block 8192 past end", \
                repr(out)
            out = m.cmd("write rd1 8192 0")
            assert out.strip() == "write: rd1: ENXIO: block 8192 past end", \
                repr(out)
            out = m.cmd("read wd7 0")
            assert out.strip() == "read: wd7: ENODEV: no such device (see " \
                "lsblk)", repr(out)
            out = m.cmd("read rd0 abc")
            assert "read: abc: EINVAL: bad block number" in out, repr(out)
            out = m.cmd("write rd0 1 300")
            assert "EINVAL: a byte pattern is 0 to 255" in out, repr(out)
            out = m.cmd("read rd0 0 0")
            assert "EINVAL: count must be" in out, repr(out)
            out = m.cmd("read")
            assert out.startswith("usage: read DEV BLK [COUNT]"), repr(out)
        with c.test("cache_counts_hits_and_misses"):
            m.cmd("read rd0 300")
            m.cmd("read rd0 300")
            out = m.cmd("cache")
            hits = int(re.search(r"^hits\s+(\d+)", out, re.M).group(1))
            misses = int(re.search(r"^misses\s+(\d+)", out, re.M).group(1))
            assert hits >= 1 and misses >= 1, out
            for key in ("buffers", "read-ahead", "delayed", "evictions",
                        "flushes"):
                assert re.search(r"^%s\s" % key, out, re.M), out
        with c.test("sync_reports_and_flushes"):
            out = m.cmd("sync")
            assert re.match(r"sync: \d+ buffers written, device caches "
                            r"flushed", out), repr(out)
    finally:
        m.close()
    return c.results


@scenario("rdmodule")
def ram_disk_from_module():
    """rd0 takes a GRUB module's contents: a host-written image."""
    c = Checks("rdmodule")
    img = os.path.join(BUILD, "scenarios", "rd0-module.img")
    os.makedirs(os.path.dirname(img), exist_ok=True)
    nblk = 3000  # an odd size, not the default
    with open(img, "wb") as f:
        for lba in range(nblk):
            f.write(pattern_sector(0, lba))
    m = boot_to_shell("rdmodule", iso_files=[("/boot/rd0.img", img)])
    try:
        with c.test("rd0_has_the_module_size"):
            out = m.cmd("lsblk")
            assert re.search(r"^rd0\s+1,0\s+1.5 MiB\s+%d\s" % nblk, out,
                             re.M), out
        with c.test("rd0_holds_the_host_written_pattern"):
            out = m.cmd("verify rd0")
            assert out.strip() == "verify: rd0: %d blocks (1.5 MiB) ok " \
                "from block 0" % nblk, repr(out)
    finally:
        m.close()
    return c.results


# --- Real disks, IDE (wdN) and AHCI (sdN): images written here, checked
# --- here after the kernel halts (tests/kernel/test_disk.c writes them)

WD_CACHE_REGION, WD_RAW_REGION, WD_THREAD_REGION, WD_THREADS = \
    2048, 4096, 8192, 4
WD_STRESS_REGION, STRESS_THREADS = 16384, 4   # as in test_disk.c


def make_image(path, disk, nblocks):
    with open(path, "wb") as f:
        for lba in range(nblocks):
            f.write(pattern_sector(disk, lba))


def disk_image_expect(disk, lba, wrote, stressed, fault=None):
    """The pattern id a sector of disk `disk` must hold after the tests."""
    if wrote:
        if WD_CACHE_REGION <= lba < WD_CACHE_REGION + 256:
            return disk + 100
        if WD_RAW_REGION <= lba < WD_RAW_REGION + 512:
            return disk + 200
        t = (lba - WD_THREAD_REGION) // 256
        if WD_THREAD_REGION <= lba and t < WD_THREADS:
            return disk + 50 + t
    if stressed:
        t = (lba - WD_STRESS_REGION) // 2048
        if WD_STRESS_REGION <= lba and t < STRESS_THREADS:
            return disk + 60 + t
    if fault and fault[0] == disk and fault[2] - 10 <= lba <= fault[2] + 10 \
            and lba != fault[2]:
        return disk + 100
    return disk


def check_images(c, images, wrote, stressed, fault=None):
    for disk, path, nblk, name in images:
        with c.test("%s_image_holds_what_the_kernel_wrote" % name):
            with open(path, "rb") as f:
                data = f.read()
            assert len(data) == nblk * 512, "image size changed"
            for lba in range(nblk):
                want_id = disk_image_expect(disk, lba, wrote, stressed, fault)
                got = data[lba * 512:(lba + 1) * 512]
                assert got == pattern_sector(want_id, lba), \
                    "sector %d: expected the pattern of disk %d, found " \
                    "%r..." % (lba, want_id, got[:16])


def selects(patterns, name):
    """The kernel's test selection (kernel/ktest.c): globs, -GLOB excludes."""
    include, any_include = False, False
    for pat in patterns.split(","):
        if pat.startswith("-"):
            if fnmatch.fnmatchcase(name, pat[1:]):
                return False
        elif pat:
            any_include = True
            include |= fnmatch.fnmatchcase(name, pat)
    return include or not any_include


def ncq_trace_max(path):
    """Most NCQ commands QEMU had outstanding at once, from its trace."""
    depth = best = 0
    with open(path, errors="replace") as f:
        for line in f:
            if "execute_ncq_command_read" in line or \
                    "execute_ncq_command_write" in line:
                depth += 1
                best = max(best, depth)
            elif "ncq_finish" in line:
                depth = max(0, depth - 1)
    return best


MAJOR_WD, MAJOR_SD = 2, 3      # kernel/bdev.h


def dev(major, minor):
    """A dev_t, as makedev() in kernel/buf.h: a disk's pattern id."""
    return major << 24 | minor


def chipset_disk(kind, place):
    """(name, pattern id = dev_t, QEMU bus) of a disk on the machine's own
    controller: kind "wd", place (channel, unit) on -M pc's IDE (or
    isapc's); kind "sd", an AHCI port on -M q35."""
    if kind == "wd":
        n = 2 * place[0] + place[1]
        return "wd%d" % n, dev(MAJOR_WD, n), "ide.%d,unit=%d" % place
    return "sd%d" % place, dev(MAJOR_SD, place), "ide.%d" % place


def added_disk(prefix, ctrl, slot, n, bus):
    """A disk on a controller the harness added at PCI 00:slot.0: its
    name carries the address, its minor is BDEV_MINOR_PCI | (address << 5)
    | n (bdev.h)."""
    major = MAJOR_WD if prefix == "wd" else MAJOR_SD
    return "%s00:%02x.0-%d" % (prefix, slot, n), \
        dev(major, 1 << 21 | (slot << 3) << 5 | n), "%s.%s" % (ctrl, bus)


def disk_scenario(name, kind, places, sizes, pattern, args="", cd="cdrom",
                  fault=None, trace=False, accel="tcg", machine=None,
                  disks=None, devices=(), cpu=None):
    """kind "wd": places are (channel, unit) on -M pc's IDE; kind "sd":
    AHCI port numbers on -M q35.  cd: where the boot CD goes ("cdrom":
    QEMU's default place, "ahci" or "scsi": out of the disks' way).
    disks: (name, id, bus) of each disk instead, for arrangements of
    several controllers (devices: the -device options adding them);
    kind then says which drivers' disks are tested ("wd+sd")."""
    d = os.path.join(BUILD, "scenarios", name)
    os.makedirs(d, exist_ok=True)
    extra, images = list(devices), []
    if disks is None:
        disks = [chipset_disk(kind, p) for p in places]
    if cpu:
        extra += ["-cpu", cpu]
    for (dname, disk, bus), nblk in zip(disks, sizes):
        img = os.path.join(d, "%x.img" % disk)
        make_image(img, disk, nblk)
        images.append((disk, img, nblk, dname))
        spec = "file=%s,format=raw,if=none,id=d%x" % (img, disk)
        if fault and fault[0] == disk:
            cfg = os.path.join(d, "blkdebug.cfg")
            with open(cfg, "w") as f:
                f.write('[inject-error]\nevent = "read_aio"\nerrno = "5"\n'
                        'sector = "%d"\n\n[inject-error]\nevent = '
                        '"write_aio"\nerrno = "5"\nsector = "%d"\n'
                        % (fault[1], fault[2]))
            spec = "file=blkdebug:%s:%s,format=raw,if=none,id=d%x" % (
                cfg, img, disk)
        extra += ["-drive", spec, "-device",
                  "ide-hd,drive=d%x,bus=%s" % (disk, bus)]
    tracefile = os.path.join(d, "qemu-trace.log")
    if trace:
        if os.path.exists(tracefile):
            os.remove(tracefile)
        extra += ["-trace", "execute_ncq_command_read", "-trace",
                  "execute_ncq_command_write", "-trace", "ncq_finish",
                  "-D", tracefile]
    results, out, complete = boot_to_results(
        name, 400, machine=machine or ("pc" if kind == "wd" else "q35"),
        args="test=%s panic=exit disks=%s diskcount=%d %s" % (
            pattern, kind, len(disks), args), extra=extra, cd=cd,
        accel=accel)
    c = Checks(name)
    if complete:
        with c.test("each_disk_is_found_once_under_its_documented_name"):
            for dname, _, _ in disks:
                n = len(re.findall(r"^%s: QEMU HARDDISK" % re.escape(dname),
                                   out, re.M))
                assert n == 1, "%s attached %d times:\n%s" % (dname, n, out)
        wrote = selects(pattern, "disk_writes_reach_the_disk")
        stressed = selects(pattern,
                           "disk_stress_threads_random_sizes_every_byte_verified")
        check_images(c, images, wrote, stressed, fault)
        if trace:
            with c.test("qemu_trace_agrees_32_ncq_commands_in_flight"):
                n = ncq_trace_max(tracefile)
                assert n == 32, "QEMU's trace shows at most %d NCQ " \
                    "commands outstanding" % n
    return results + c.results


# --- Disks of real sizes on sparse images (tests/kernel/test_bigdisk.c)

GiB_BLOCKS = (1 << 30) // 512
BIG_SIZES = [4 * GiB_BLOCKS, 4 * GiB_BLOCKS + 5, 200 * GiB_BLOCKS,
             2560 * GiB_BLOCKS]                  # 4G, 4G+5s, 200G, 2.5T
BIG_STEP, BIG_WIN, BIG_RAW, BIG_CACHED, BIG_ADD = 1 << 23, 8, 4, 6, 100


def bigdisk_edges(n):
    """As bigdisk_edges() in test_bigdisk.c."""
    edges = {0, n - 1}
    k = 1
    while k * BIG_STEP <= n:
        edges.add(n - k * BIG_STEP)
        k += 1
    edges |= {b for b in ((1 << 31) - 1, 1 << 31, (1 << 32) - 1, 1 << 32)
              if b < n}
    return sorted(edges)


def bigdisk_windows(n):
    """{block: pattern id after the tests} over every edge's window."""
    edges = bigdisk_edges(n)
    written = set()
    for e in edges:
        written |= set(range(max(0, e - BIG_RAW), min(n, e + BIG_RAW)))
        if e + BIG_CACHED < n:
            written.add(e + BIG_CACHED)
    window = set()
    for e in edges:
        window |= set(range(max(0, e - BIG_WIN), min(n, e + BIG_WIN)))
    return window, written


def make_sparse_image(path, disk, nblocks):
    """A hole of nblocks sectors with the pattern in each edge's window."""
    window, _ = bigdisk_windows(nblocks)
    with open(path, "wb") as f:
        f.truncate(nblocks * 512)
        for b in sorted(window):
            f.seek(b * 512)
            f.write(pattern_sector(disk, b))


def check_sparse_image(c, disk, path, nblocks, name, wrote):
    """Every window as the tests left it, and nothing else written: each
    allocated extent outside the windows reads zero."""
    with c.test("%s_image_holds_what_the_kernel_wrote" % name):
        assert os.path.getsize(path) == nblocks * 512, "image size changed"
        window, written = bigdisk_windows(nblocks)
        with open(path, "rb") as f:
            for b in sorted(window):
                f.seek(b * 512)
                got = f.read(512)
                want = disk + BIG_ADD if wrote and b in written else disk
                assert got == pattern_sector(want, b), \
                    "sector %d: expected the pattern of disk %d, found " \
                    "%r..." % (b, want, got[:20])
            fd, off, end = f.fileno(), 0, nblocks * 512
            while off < end:
                try:
                    start = os.lseek(fd, off, os.SEEK_DATA)
                except OSError:
                    break           # no data past off
                stop = os.lseek(fd, start, os.SEEK_HOLE)
                for b in range(start // 512, (stop + 511) // 512):
                    if b in window:
                        continue
                    f.seek(b * 512)
                    got = f.read(512)
                    assert got.count(0) == len(got), \
                        "sector %d, outside every window, was written: " \
                        "%r..." % (b, got[:20])
                off = stop


def bigdisk_scenario(name, kind, args=""):
    """The four sizes at once: IDE's four places on -M pc (the CD on
    AHCI), or AHCI ports 0-3 on -M q35 (the CD on virtio-scsi)."""
    d = os.path.join(BUILD, "scenarios", name)
    os.makedirs(d, exist_ok=True)
    extra, images = [], []
    places = [(0, 0), (0, 1), (1, 0), (1, 1)] if kind == "wd" else \
        [0, 1, 2, 3]
    for place, nblk in zip(places, BIG_SIZES):
        dname, disk, bus = chipset_disk(kind, place)
        img = os.path.join(d, "%s.img" % dname)
        make_sparse_image(img, disk, nblk)
        images.append((disk, img, nblk, dname))
        extra += ["-drive", "file=%s,format=raw,if=none,id=d%s" % (img, dname),
                  "-device", "ide-hd,drive=d%s,bus=%s" % (dname, bus)]
    pattern = "disk_all_disks_are_found,bigdisk_*"
    results, _, complete = boot_to_results(
        name, 400, machine="pc" if kind == "wd" else "q35",
        args="test=%s panic=exit disks=%s diskcount=4 %s" % (
            pattern, kind, args), extra=extra,
        cd="ahci" if kind == "wd" else "scsi")
    c = Checks(name)
    if complete:
        for disk, img, nblk, dname in images:
            check_sparse_image(c, disk, img, nblk, dname, True)
    return results + c.results


@scenario("big_ahci")
def big_ahci():
    return bigdisk_scenario("big_ahci", "sd")


@scenario("big_ahci_noncq")
def big_ahci_noncq():
    return bigdisk_scenario("big_ahci_noncq", "sd", "ahci=noncq")


@scenario("big_ide")
def big_ide():
    return bigdisk_scenario("big_ide", "wd")


@scenario("big_ide_pio")
def big_ide_pio():
    return bigdisk_scenario("big_ide_pio", "wd", "ide=pio")


WD_TESTS = "disk_*,-disk_fault*,-disk_ncq*,-disk_without*,-disk_stress*"


@scenario("ide1")
def ide_one_disk():
    """One odd-sized disk, the boot CD on the same controller (skipped as
    ATAPI)."""
    return disk_scenario("ide1", "wd", [(0, 0)], [20000 + 3], WD_TESTS)


@scenario("ide4")
def ide_four_disks_dma():
    return disk_scenario("ide4", "wd", [(0, 0), (0, 1), (1, 0), (1, 1)],
                         [16384, 12000 + 1, 20480, 16384 + 77], WD_TESTS,
                         cd="ahci")


@scenario("ide4_pio")
def ide_four_disks_pio():
    return disk_scenario("ide4_pio", "wd", [(0, 0), (0, 1), (1, 0), (1, 1)],
                         [16384, 12000 + 1, 10000, 16384 + 77], WD_TESTS,
                         args="ide=pio", cd="ahci")


@scenario("ide_faults")
def ide_faults():
    """blkdebug fails reads of sector 1000 and writes of 1500 on wd1."""
    return disk_scenario("ide_faults", "wd", [(0, 0), (0, 1)], [16384, 16384],
                         "disk_all*,disk_fault*", args="diskbad=wd1:1000:1500",
                         fault=(dev(MAJOR_WD, 1), 1000, 1500))


SD_TESTS = "disk_*,-disk_fault*,-disk_without*"


@scenario("ahci1")
def ahci_one_disk():
    """One odd-sized disk on port 0, the boot CD on port 2 (skipped as
    ATAPI); NCQ, cross-checked against QEMU's trace of its NCQ engine.
    Single-threaded TCG: QEMU then completes I/O only when the guest
    yields, so a burst the driver issues at splbio reaches QEMU whole, and
    QEMU's own count of commands outstanding is the driver's."""
    return disk_scenario("ahci1", "sd", [0], [24576 + 5], SD_TESTS,
                         trace=True, accel="tcg,thread=single")


@scenario("ahci6")
def ahci_six_disks():
    """All six ports: the boot CD on virtio-scsi."""
    return disk_scenario("ahci6", "sd", [0, 1, 2, 3, 4, 5],
                         [24576, 24576 + 1, 30000, 24576 + 77, 26000, 24576],
                         SD_TESTS, cd="scsi")


@scenario("ahci6_noncq")
def ahci_six_disks_no_ncq():
    return disk_scenario("ahci6_noncq", "sd", [0, 1, 2, 3, 4, 5],
                         [24576, 24576 + 1, 30000, 24576 + 77, 26000, 24576],
                         "disk_*,-disk_fault*,-disk_ncq*,-disk_stress*",
                         args="ahci=noncq", cd="scsi")


@scenario("ahci_faults")
def ahci_faults():
    """blkdebug fails reads of sector 1000 and writes of 1500 on sd1, in
    the middle of a full NCQ queue."""
    return disk_scenario("ahci_faults", "sd", [0, 1], [16384, 16384],
                         "disk_all*,disk_fault*", args="diskbad=sd1:1000:1500",
                         fault=(dev(MAJOR_SD, 1), 1000, 1500))


@scenario("bigshell")
def big_disk_shell():
    """The shell on a 2.5 TiB disk: sizes, offsets past 4 GiB in the
    hexdump -C layout, block numbers past 32 bits, errors."""
    c = Checks("bigshell")
    d = os.path.join(BUILD, "scenarios", "bigshell")
    os.makedirs(d, exist_ok=True)
    n = BIG_SIZES[3]
    img = os.path.join(d, "sd0.img")
    make_sparse_image(img, dev(MAJOR_SD, 0), n)
    m = boot_to_shell("bigshell", machine="q35", cd="scsi", extra=[
        "-drive", "file=%s,format=raw,if=none,id=d0" % img,
        "-device", "ide-hd,drive=d0,bus=ide.0"])
    try:
        with c.test("lsblk_shows_the_whole_disk_and_where_it_is"):
            out = m.cmd("lsblk")
            assert re.search(r"^sd0\s+3,0\s+2.5 TiB\s+%d\s+4 MiB\s+pci "
                             r"00:1f.2 port 0\s+QEMU HARDDISK$" % n, out,
                             re.M), out
        with c.test("read_past_4_gib_prints_offsets_as_hexdump_c"):
            out = m.cmd("read sd0 %d" % (n - 1))
            want = hexdump_c(pattern_sector(dev(MAJOR_SD, 0), n - 1),
                             (n - 1) * 512)
            assert out == want.rstrip("\n"), \
                "kernel:\n%s\nhexdump -C:\n%s" % (out, want)
        with c.test("write_at_block_2_32_lands_there"):
            out = m.cmd("write sd0 %d lba 2" % (1 << 32))
            assert out.strip() == "wrote 2 blocks (1 KiB) to sd0 at block " \
                "%d" % (1 << 32), repr(out)
            out = m.cmd("read sd0 %d" % ((1 << 32) + 1))
            want = hexdump_c(pattern_sector(0, (1 << 32) + 1),
                             ((1 << 32) + 1) * 512)
            assert out == want.rstrip("\n"), out
            out = m.cmd("verify sd0 %d 2" % (1 << 32))
            assert out.strip() == "verify: sd0: 2 blocks (1 KiB) ok from " \
                "block %d" % (1 << 32), repr(out)
        with c.test("blocks_past_the_end_are_enxio_with_their_number"):
            out = m.cmd("read sd0 %d" % n)
            assert out.strip() == "read: sd0: ENXIO: block %d past end" % n, \
                repr(out)
            out = m.cmd("write sd0 %d 0" % (n + (1 << 32)))
            assert out.strip() == "write: sd0: ENXIO: block %d past end" % (
                n + (1 << 32)), repr(out)
        with c.test("sync_then_halt_leaves_the_writes_in_the_image"):
            m.cmd("sync")
            m.send("halt\r")
            assert m.wait_exit(30) == EXIT_OK
            with open(img, "rb") as f:
                for b in ((1 << 32), (1 << 32) + 1):
                    f.seek(b * 512)
                    assert f.read(512) == pattern_sector(0, b), \
                        "block %d not written" % b
                f.seek(((1 << 32) + 2) * 512)   # the host's, as it was
                assert f.read(512) == pattern_sector(
                    dev(MAJOR_SD, 0), (1 << 32) + 2), "block 2^32+2 changed"
    finally:
        m.close()
    return c.results


# --- Several controllers, and a machine without PCI: every disk found
# --- once, under the name bdev.h promises, holding its own data

ARRANGE_TESTS = "disk_all*,disk_reads*,disk_bounds*,disk_writes*,disk_a_chain*,"\
    "disk_threads*"


@scenario("two_ahci")
def two_ahci():
    """q35's built-in AHCI (00:1f.2) and a second ICH9 AHCI at 00:04.0:
    sd0 and sd1 stay the built-in's; the second's are sd00:04.0-N."""
    return disk_scenario(
        "two_ahci", "sd", None, [12000, 12000 + 3, 13000, 12000 + 9],
        ARRANGE_TESTS, cd="scsi",
        disks=[chipset_disk("sd", 0), chipset_disk("sd", 1),
               added_disk("sd", "ahci2", 4, 0, 0),
               added_disk("sd", "ahci2", 4, 1, 1)],
        devices=["-device", "ich9-ahci,id=ahci2,addr=0x4"])


@scenario("pc_ide_ahci")
def pc_ide_ahci():
    """-M pc: PIIX IDE (wd0, wd1) and an AHCI controller at 00:05.0."""
    return disk_scenario(
        "pc_ide_ahci", "wd+sd", None, [12000, 12000 + 1, 13000, 12000 + 7],
        ARRANGE_TESTS, machine="pc",
        disks=[chipset_disk("wd", (0, 0)), chipset_disk("wd", (0, 1)),
               added_disk("sd", "ahci1", 5, 0, 0),
               added_disk("sd", "ahci1", 5, 2, 2)],
        devices=["-device", "ahci,id=ahci1,addr=0x5"])


@scenario("q35_piix_ide")
def q35_piix_ide():
    """-M q35: its AHCI (sd0) and a PIIX IDE controller at 00:06.0 in
    compatibility mode: its drives are at the legacy ports, wd0 and wd3."""
    return disk_scenario(
        "q35_piix_ide", "wd+sd", None, [12000 + 1, 12000 + 5, 13000],
        ARRANGE_TESTS, machine="q35", cd="scsi",
        disks=[chipset_disk("sd", 0),
               ("wd0", dev(MAJOR_WD, 0), "pide.0,unit=0"),
               ("wd3", dev(MAJOR_WD, 3), "pide.1,unit=1")],
        devices=["-device", "piix3-ide,id=pide,addr=0x6"])


@scenario("isapc")
def isapc_ide():
    """-M isapc (no PCI) with a Pentium: ISA IDE at the legacy ports, by
    PIO; the CD is on the secondary master (wd2, skipped)."""
    return disk_scenario("isapc", "wd", [(0, 0), (0, 1)], [12000 + 1, 12000],
                         ARRANGE_TESTS + ",disk_a_lost*", machine="isapc",
                         cpu="pentium")


@scenario("isapc_486")
def isapc_486():
    """-M isapc's own CPU, a 486 without a TSC: refused, clearly."""
    c = Checks("isapc_486")
    m = Machine("isapc_486", machine="isapc", mem="128M")
    try:
        with c.test("a_cpu_without_tsc_is_refused_with_a_message"):
            code = m.wait_exit(60)
            assert re.search(r"^iodine: this CPU lacks a time-stamp counter "
                             r".*: it runs on a Pentium or later", m.buf,
                             re.M), m.buf[-500:]
            assert code == 9, "QEMU exit status %d, expected 9 (halt 4)" % \
                code
    finally:
        m.close()
    return c.results


@scenario("reboot")
def reboot_test():
    c = Checks("reboot")
    m = boot_to_shell("reboot", reboot=True)
    try:
        with c.test("reboot_restarts_the_kernel"):
            m.send("reboot\r")
            m.expect("rebooting", 10)
            m.expect(r"iodine [\d.]+: booting", 60)
            m.expect(re.escape(PROMPT), 60)
            m.send("halt\r")
            assert m.wait_exit(30) == EXIT_OK
    finally:
        m.close()
    return c.results


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


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@scenario("gdb")
def gdb_test():
    """gdb on QEMU's stub: a breakpoint on a kernel function is hit and the
    backtrace names its callers, with the repo's gdb script loaded."""
    c = Checks("gdb")
    port = free_port()
    m = Machine("gdb", gdb_port=port)
    try:
        with c.test("breakpoint_hits_and_bt_names_callers"):
            p = subprocess.run(
                ["gdb", "-q", "-nx", "-batch",
                 "-ex", "file " + KERNEL_ELF,
                 "-ex", "target remote 127.0.0.1:%d" % port,
                 "-x", os.path.join(ROOT, "scripts", "iodine.gdb"),
                 "-ex", "break pic_init",
                 "-ex", "continue",
                 "-ex", "bt",
                 "-ex", "kill"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
            out = p.stdout.decode(errors="replace")
            with open(os.path.join(LOGS, "gdb-session.log"), "w") as f:
                f.write(out)
            assert re.search(r"Breakpoint 1, .*pic_init", out), out
            assert re.search(r"^#0 .*pic_init", out, re.M), out
            assert re.search(r"^#1 .* in kmain", out, re.M), out
    finally:
        m.close()
    return c.results


def bench_disk_image():
    img = os.path.join(BUILD, "scenarios", "bench-disk.img")
    os.makedirs(os.path.dirname(img), exist_ok=True)
    if not os.path.exists(img) or os.path.getsize(img) != 256 << 20:
        # real data, not a sparse file: holes would read for free
        block = os.urandom(1 << 20)
        with open(img, "wb") as f:
            for _ in range(256):
                f.write(block)
    return img


def run_benchmarks(pattern, timeout=900):
    """make bench: boot -M pc with an IDE disk for every benchmark, then
    -M q35 with an AHCI disk for the disk benchmark, and show the figures.
    Each benchmark also reports ok/not ok (its sanity checks)."""
    img = bench_disk_image()
    drive = "file=%s,format=raw,if=none,id=d0,cache=none" % img
    runs = [("bench_pc", "pc", ["-drive", drive, "-device",
                                "ide-hd,drive=d0,bus=ide.0,unit=0"], pattern),
            ("bench_q35", "q35", ["-drive", drive, "-device",
                                  "ide-hd,drive=d0,bus=ide.0"], "disk_*")]
    results = []
    for name, machine, extra, pat in runs:
        if pat != pattern and not selects(pattern, "disk_iops_and_throughput"):
            continue
        res, out, _ = boot_to_results(
            name, timeout, args="bench=%s rdsize=64M panic=exit" % pat,
            machine=machine, mem="512M", extra=extra)
        print("# -M %s" % machine)
        for line in out.splitlines():
            if line.startswith("bench "):
                print(line[len("bench "):])
        results += res
    for r in results:
        if not r.ok:
            print("FAIL %s: %s" % (r.name, r.reason))
    npass = sum(r.ok for r in results)
    print("%d passed, %d failed" % (npass, len(results) - npass))
    return 0 if npass == len(results) and npass else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", default="*", help="run scenarios matching this glob")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 2,
                    help="scenarios run at once")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--bench", metavar="GLOB", nargs="?", const="*",
                    help="run the benchmarks (make bench) instead")
    opt = ap.parse_args()
    if opt.bench:
        return run_benchmarks(opt.bench)
    chosen = [(n, f) for n, f in SCENARIOS if fnmatch.fnmatch(n, opt.k)]
    if opt.list:
        print("\n".join(n for n, _ in chosen))
        return 0
    if not os.path.exists(BASE_ISO):
        print("run.py: %s missing: run make first" % BASE_ISO)
        return 2
    os.makedirs(LOGS, exist_ok=True)
    lock = threading.Lock()
    results = []

    def run(item):
        name, fn = item
        start = time.monotonic()
        try:
            res = fn()
        except Abandon as a:
            res = a.results
        except Exception as e:  # a harness bug must not hide other results
            res = [Result(name + "/harness", False, "%s: %s" % (
                type(e).__name__, e))]
        with lock:
            for r in res:
                line = "ok   " + r.name if r.ok else \
                    "FAIL %s: %s" % (r.name, r.reason)
                print(line, flush=True)
            print("# %s: %.1f s" % (name, time.monotonic() - start),
                  flush=True)
            results.extend(res)

    with concurrent.futures.ThreadPoolExecutor(max_workers=opt.j) as ex:
        list(ex.map(run, chosen))
    npass = sum(r.ok for r in results)
    nfail = len(results) - npass
    print("%d passed, %d failed" % (npass, nfail))
    return 0 if nfail == 0 and npass > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
