"""tests/harness.py: what every scenario uses: a QEMU machine with its
serial console (Machine), named results (Checks), the scenario registry
(@scenario), KTAP parsing, booting to results or to the shell, and the
test pattern of lib/pattern.h as the host writes it."""

import fnmatch
import hashlib
import os
import re
import select
import signal
import socket
import subprocess
import tempfile
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
                 accel="tcg", monitor=False):
        self.name = name
        self.dir = os.path.join(BUILD, "scenarios", name)
        os.makedirs(self.dir, exist_ok=True)
        os.makedirs(LOGS, exist_ok=True)
        self.iso = os.path.join(self.dir, "iodine.iso")
        subprocess.run([os.path.join(ROOT, "scripts", "mkiso-args"),
                        BASE_ISO, self.iso, args] +
                       ["%s=%s" % f for f in iso_files], check=True)
        # the monitor on a socket of its own (monitor=True), for memory
        # dumps (trace_dump); else none
        self.monitor_path = os.path.join(self.dir, "monitor.sock")
        if os.path.exists(self.monitor_path):
            os.remove(self.monitor_path)
        mon = "unix:%s,server=on,wait=off" % self.monitor_path \
            if monitor else "none"
        cmd = [QEMU, "-M", machine, "-m", mem, "-accel", accel,
               "-display", "none", "-monitor", mon, "-serial", "stdio",
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

    def hmp(self, command, timeout=60):
        """One command to QEMU's human monitor; its output."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sk:
            sk.settimeout(timeout)
            sk.connect(self.monitor_path)
            data = b""
            while not data.endswith(b"(qemu) "):
                data += sk.recv(4096)
            sk.sendall(command.encode() + b"\n")
            data = b""
            while not data.endswith(b"(qemu) "):
                chunk = sk.recv(65536)
                if not chunk:
                    break
                data += chunk
        return data.decode("latin-1")

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


class Console(Machine):
    """A command that ends in a serial console (make run): the same
    expect/cmd as a Machine; closed, its whole process group goes."""

    def __init__(self, name, argv):
        self.name = name
        os.makedirs(LOGS, exist_ok=True)
        self.log = open(os.path.join(LOGS, name + ".log"), "w")
        self.proc = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.buf, self.pos = "", 0

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.log.close()


SCENARIOS = []


def scenario(name, long=False):
    """Register a scenario; a long one runs only with run.py --long
    (make test-long)."""
    def register(fn):
        fn.long = long
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
KTAP_PLAN = re.compile(r"^1\.\.(\d+)$", re.M)
KTAP_BAIL = re.compile(r"^Bail out! (.*)$", re.M)


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
        plan, bail = KTAP_PLAN.search(text), KTAP_BAIL.search(text)
        if plan and int(plan.group(1)) != len(c.results):
            c.add("plan", False, "%s of %s tests reported%s" % (
                len(c.results), plan.group(1),
                "; bailed out: " + bail.group(1) if bail else ""))
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


def symbol(name):
    """(address, size) of a kernel symbol, from the ELF file."""
    out = subprocess.run(["nm", "-S", KERNEL_ELF], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[3] == name:
            return int(f[0], 16), int(f[1], 16)
    raise KeyError(name)


def trace_dump(m, outdir):
    """The request trace out of a running machine (monitor=True): the
    machine is stopped while its ring is copied (pmemsave), so no record
    is half written, then converted by scripts/iodine-trace into blktrace
    files in outdir.  Returns the converter's output."""
    os.makedirs(outdir, exist_ok=True)
    addr, size = symbol("trace_ring")
    dump = os.path.join(outdir, "ring.bin")
    if os.path.exists(dump):
        os.remove(dump)
    m.hmp("stop")
    m.hmp('pmemsave 0x%x 0x%x "%s"' % (addr, size, dump))
    m.hmp("cont")
    for _ in range(100):  # pmemsave has written it when the file is whole
        if os.path.exists(dump) and os.path.getsize(dump) == size:
            break
        time.sleep(0.1)
    p = subprocess.run([os.path.join(ROOT, "scripts", "iodine-trace"), dump,
                        hex(addr), KERNEL_ELF, outdir],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if p.returncode:
        raise AssertionError("iodine-trace failed: " + p.stdout)
    return p.stdout


def boot_to_shell(name, **kw):
    m = Machine(name, **kw)
    m.expect(re.escape(PROMPT), 60)
    return m


def pattern_sector(disk, lba):
    """The test pattern of lib/pattern.h, as the kernel writes it."""
    head = b"IODINEPT" + disk.to_bytes(4, "little") + lba.to_bytes(8, "little")
    return head + bytes((lba * 7 + disk * 13 + i) & 0xFF
                        for i in range(20, 512))


def hexdump_c(data, offset):
    """What `hexdump -C` prints, from the real tool on the host."""
    # a file of its own: scenarios run side by side
    fd, path = tempfile.mkstemp(prefix="hexdump.", dir=BUILD)
    try:
        with os.fdopen(fd, "wb") as f:
            f.seek(offset)  # a hole before: offsets of terabytes cost nothing
            f.write(data)
        out = subprocess.run(["hexdump", "-C", "-s", str(offset), path],
                             stdout=subprocess.PIPE,
                             check=True).stdout.decode()
    finally:
        os.remove(path)
    return out


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


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def digest(path):
    """A file's SHA-256, read 4 MiB at a time (images are GiBs)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(4 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
