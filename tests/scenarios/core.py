"""tests/scenarios/core.py: the host unit tests, the in-kernel tests, the
shell, reboot and gdb."""

import ast
import glob
import os
import re
import subprocess
import time

from harness import (BUILD, Checks, EXIT_FAIL, EXIT_OK, KERNEL_ELF, LOGS, Machine, PROMPT,
                     ROOT, Timeout, boot_to_results, boot_to_shell, free_port,
                     parse_ktap, run_kernel_tests, scenario)


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


# GNU dd's suffixes (its manual: c, w, b, kB, K, MB, M, ..., KiB, xM, and
# "if N ends in 'B', it counts bytes not blocks"), alone, in products and
# in the forms it refuses; the host's dd decides
DD_NUMBERS = [
    "0", "1", "007", "1c", "1w", "1b", "1k", "1K", "64k", "1kB", "1KB",
    "1KiB", "1kiB", "1M", "3MB", "1MiB", "1G", "2GB", "1GiB", "1T", "1TB",
    "1TiB", "1P", "1PB", "1PiB", "1E", "1EB", "1EiB", "7E", "8E", "1B",
    "100B", "1cB", "1wB", "1bB", "2x3", "3kx2", "1xM", "1kBx2", "0x10",
    "9223372036854775807", "9223372036854775808", "18446744073709551616",
    "1m", "1g", "1t", "1e", "1KIB", "1Kib", "1biB", "1ciB", "1Ki", "1iB",
    "2x3x4", "x1", "1x", "-1", "", "k", "b", "kB", "B", "x2", "xM", "Mx2",
    "1kB2", "1Z", "1Y"]


def gnu_dd_number(s, scratch):
    """What the host's GNU dd makes of seek=s: "invalid", "valid" (past
    what a sparse file can show), or its value: "N", or "N bytes" when
    it counts bytes, not blocks (seek=s of 7-byte blocks then goes to
    byte N, not 7 N)."""
    def seek_to(*how):
        p = subprocess.run(["dd", "status=none", "if=/dev/null",
                            "of=" + scratch, "seek=" + s] + list(how),
                           capture_output=True, text=True, timeout=30)
        if "invalid number" in p.stderr:
            return "invalid"
        return os.path.getsize(scratch) if not p.returncode else None
    value = seek_to("bs=1", "oflag=seek_bytes")
    if value in ("invalid", None):
        return value or "valid"
    blocks = seek_to("bs=7")
    return str(value) if blocks == 7 * value else "%d bytes" % value


@scenario("host_dd")
def host_dd_numbers():
    c = Checks("host_dd")
    with c.test("dd_reads_every_number_as_gnu_dd_does"):
        exe = os.path.join(BUILD, "host", "ddnum")
        ours = subprocess.run([exe] + DD_NUMBERS, capture_output=True,
                              text=True, timeout=30).stdout.splitlines()
        assert len(ours) == len(DD_NUMBERS), ours
        scratch = os.path.join(BUILD, "host", "ddnum.seek")
        wrong = []
        for s, mine in zip(DD_NUMBERS, ours):
            gnu = gnu_dd_number(s, scratch)
            if os.path.exists(scratch):
                os.remove(scratch)
            # (0 cannot show bytes from blocks; "valid": any value)
            if gnu == "0" and mine.split()[0] == "0" or \
                    gnu == "valid" and mine != "invalid":
                continue
            if mine != gnu:
                wrong.append("%r: GNU dd %s, ours %s" % (s, gnu, mine))
        assert not wrong, "\n".join(wrong)
    return c.results


@scenario("conventions")
def conventions():
    """The tests' own conventions, which make them usable: a kernel test's
    name starts with its file's subject (test=bio* picks test_bio.c's),
    and every Python assert says what it found."""
    c = Checks("conventions")
    with c.test("kernel_test_names_start_with_their_files_subject"):
        wrong = []
        for path in sorted(glob.glob(os.path.join(ROOT, "tests", "kernel",
                                                  "test_*.c"))):
            subject = os.path.basename(path)[len("test_"):-len(".c")]
            with open(path) as f:
                for name in re.findall(r"^TEST(?:_BY_NAME)?\((\w+)\)",
                                       f.read(), re.M):
                    if not name.startswith(subject):
                        wrong.append("%s: %s" % (os.path.basename(path),
                                                 name))
        assert not wrong, "names without their file's subject:\n" + \
            "\n".join(wrong)
    with c.test("every_python_assert_has_a_message"):
        bare = []
        for path in sorted(glob.glob(os.path.join(ROOT, "tests", "*.py")) +
                           glob.glob(os.path.join(ROOT, "tests", "scenarios",
                                                  "*.py"))):
            with open(path) as f:
                tree = ast.parse(f.read(), path)
            bare += ["%s:%d" % (os.path.relpath(path, ROOT), a.lineno)
                     for a in ast.walk(tree)
                     if isinstance(a, ast.Assert) and a.msg is None]
        assert not bare, "asserts without a message: " + ", ".join(bare)
    return c.results


@scenario("kernel")
def kernel_tests():
    # the disk, big disk, NVMe, partition and volume tests run in their
    # own scenarios
    return run_kernel_tests("kernel", "-disk_*,-bigdisk_*,-nvme_*,-part_*,"
                            "-lv_layout_*,-lv_mirror_*,-lv_fault_*,-lv_big_*")


@scenario("kernel_preempt")
def kernel_tests_preempted_every_tick():
    """The tests of threads sharing allocators and queues again with a
    quantum of one tick: threads switch every millisecond, wherever they
    are (a test-then-set left unguarded is found)."""
    return run_kernel_tests("kernel_preempt", "mem_*,thread_*,"
                            "bio_reused*,bio_rd1s*,bcache_threads*,"
                            "bcache_reused*,bdep_*", args="quantum=1")


@scenario("kernel_slowdisk")
def kernel_tests_slow_async_disk():
    """The block-layer battery again with rd1 five ticks slow, so more
    requests overlap in its queue."""
    return run_kernel_tests("kernel_slowdisk", "*b_iodone*,*biodone*,"
                            "bio_a_chain*,bio_a_request*,bio_a_split*,"
                            "bio_a_stacked*,lv_a_stacked*,physio*,"
                            "bcache_a_delayed*,bcache_threads_hammering*",
                            args="rdlatency=5")


@scenario("ktest_watchdog")
def ktest_watchdog():
    """A test that never returns (stuck in biowait) fails by name within
    testlimit=2, with its thread's calls, and the run ends failed: the
    mechanism that bounds every other test's waits."""
    name = "ktest_watchdog_fails_a_test_stuck_in_biowait"
    m = Machine("ktest_watchdog", args="test=%s testlimit=2 panic=exit" % name)
    c = Checks("ktest_watchdog")
    try:
        code = m.wait_exit(60)
    except Timeout as e:
        code = None
        c.add("a_stuck_test_ends_the_run", False, str(e))
    finally:
        m.close()
    out = m.buf
    if code is not None:
        with c.test("a_stuck_test_fails_by_name_after_its_limit"):
            assert code == EXIT_FAIL, "exit status %d" % code
            assert re.search(r"^not ok 1 %s # timed out: still running after "
                             r"2 s \(testlimit=2\)\r?$" % name, out, re.M), out
            assert re.search(r"^Bail out! %s did not return\r?$" % name, out,
                             re.M), out
            assert re.search(r"^0 passed, 1 failed\r?$", out, re.M), out
        with c.test("the_report_says_where_its_thread_waits"):
            assert re.search(r"^# its thread \d+ \(\S+\) is asleep in "
                             r"biowait; its calls:", out, re.M), out
            calls = out[out.index("its calls:"):]
            for fn in ("tsleep", "biowait", name):
                assert re.search(r"\b%s\+0x" % fn, calls), \
                    "%s not in the backtrace:\n%s" % (fn, out)
        with c.test("the_harness_counts_it_failed"):
            r = parse_ktap("ktest_watchdog", out, True)
            assert [x.name for x in r if not x.ok] == [
                "ktest_watchdog/" + name], \
                [(x.name, x.ok) for x in r]
        with c.test("a_by_name_test_stays_out_of_globs"):
            m2 = Machine("ktest_watchdog_glob",
                         args="test=ktest_watchdog* panic=exit")
            try:
                code2 = m2.wait_exit(60)
            finally:
                m2.close()
            assert "1..0" in m2.buf and code2 == EXIT_FAIL, m2.buf
    return c.results


@scenario("bench")
def bench_smoke():
    """The benchmarks run and their sanity checks hold (no timing verdict:
    figures are for make bench)."""
    return boot_to_results("bench", 300, args="bench panic=exit")[0]


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
        # Each reading is bracketed by the host's clock (before the
        # command is sent, after its answer): the guest's interval must
        # lie between the inner and the outer bracket, however long a
        # busy host takes to pass the commands on.
        with c.test("uptime_follows_the_wall_clock"):
            rx = r"up (\d+)\.(\d+) s \((\d+) clock ticks at 1000 Hz\)"
            h0 = time.monotonic()
            m1 = re.search(rx, m.cmd("uptime"))
            h1 = time.monotonic()
            time.sleep(2)
            h2 = time.monotonic()
            m2 = re.search(rx, m.cmd("uptime"))
            h3 = time.monotonic()
            assert m1 and m2, "uptime output not understood"
            guest = (int(m2.group(1)) + int(m2.group(2)) / 1000) - \
                (int(m1.group(1)) + int(m1.group(2)) / 1000)
            # (a millisecond each way for the printed resolution)
            assert h2 - h1 - 0.002 <= guest <= h3 - h0 + 0.002, \
                "guest says %.3f s passed, the host between %.3f and " \
                "%.3f s" % (guest, h2 - h1, h3 - h0)
        with c.test("prof_samples_where_the_cpu_is"):
            assert m.cmd("prof on") == "", "prof on said something"
            time.sleep(1)  # the shell waits: the CPU idles
            assert m.cmd("prof off") == "", "prof off said something"
            out = m.cmd("prof 3")
            head = re.match(r"(\d+) samples at 1000 Hz\n", out)
            assert head and int(head.group(1)) >= 50, out
            rows = re.findall(r"^\s+(\d+)\s+(\d+)\.(\d)%  (\S+)$", out, re.M)
            assert 1 <= len(rows) <= 3, out
            assert rows[0][3] == "idle_loop", "busiest is not idle:\n" + out
            assert int(rows[0][0]) <= int(head.group(1)), out
            out = m.cmd("prof 0")
            assert out == "prof: 0: EINVAL: expected on, off or a count of " \
                "1 to 512", repr(out)
            assert m.cmd("prof on now").startswith("usage: prof"), "usage"
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
            code = m.wait_exit(30)
            assert code == EXIT_OK, "halt after the reboot: exit %d" % code
    finally:
        m.close()
    return c.results


def gdb_helpers(port, log, commands):
    """gdb in batch mode on the stub at port, the kernel's symbols and
    iodine's helpers loaded, running commands, then killing the machine:
    what it printed (also in build/logs/LOG)."""
    args = ["gdb", "-q", "-nx", "-batch", "-ex", "file " + KERNEL_ELF,
            "-ex", "target remote 127.0.0.1:%d" % port,
            "-x", os.path.join(ROOT, "scripts", "iodine.gdb")]
    for cmd in commands + ["kill"]:
        args += ["-ex", cmd]
    p = subprocess.run(args, cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=180)
    out = p.stdout.decode(errors="replace")
    with open(os.path.join(LOGS, log), "w") as f:
        f.write(out)
    return out


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
    # the helpers, stopped in the AHCI interrupt handler while the
    # partition scan's read of block 0 is in a slot
    port = free_port()
    img = os.path.join(BUILD, "scenarios", "gdb_disk.img")
    with open(img, "wb") as f:
        f.truncate(16 << 20)
    m = Machine("gdb_helpers", gdb_port=port, machine="q35", cd="scsi",
                extra=["-drive", "file=%s,format=raw,if=none,id=d0" % img,
                       "-device", "ide-hd,drive=d0,bus=ide.0"])
    try:
        out = gdb_helpers(port, "gdb-helpers.log", [
            "break ahci_intr if ((struct ahci_hba *)arg)->port[0]"
            "->active != 0", "continue",
            "iodine-bufs", "print *$iodine_buf", "iodine-threads",
            "iodine-spl", "iodine-cache 4"])
        with c.test("iodine_bufs_shows_the_buf_in_its_slot_flags_decoded"):
            assert re.search(r"^sd0 \(3,0\): 1 in flight\n  slot +\d+: buf "
                             r"0x[0-9a-f]{8} dev 3,0 blk 0 B_READ\|B_BUSY\|"
                             r"B_RAW 512 bytes resid 0 iodepth 1 iodone "
                             r"physio_done", out, re.M), out
            assert re.search(r"^rd0 \(1,0\): idle$", out, re.M), out
            assert re.search(r"^INTIODONE queue: empty$", out, re.M), out
        with c.test("print_shows_a_struct_buf_decoded"):
            assert re.search(r"= \{b_flags = B_READ\|B_BUSY\|B_RAW, b_dev = "
                             r"3,0, b_blkno = 0, b_bcount = 512, .*b_iodone "
                             r"= physio_done", out), out
        with c.test("iodine_threads_shows_who_sleeps_on_what"):
            assert re.search(r"^0\s+main\s+(running|runnable|sleeping)", out,
                             re.M), out
            assert re.search(r"^\d+\s+syncer\s+sleeping\s+syncer \(bc "
                             r"\+ \d+\)$", out, re.M), out
        with c.test("iodine_spl_shows_the_level_and_pending_work"):
            assert re.search(r"^cpl \d \(IPL_[A-Z]+\), running: irq \d+$",
                             out, re.M), out
            assert re.search(r"^pending soft interrupts: ", out, re.M), out
        with c.test("iodine_cache_shows_chains_and_the_lru"):
            assert re.search(r"^\d+ buffers, \d+ hash chains$", out, re.M), out
            assert re.search(r"^LRU, oldest first:$", out, re.M), out
    finally:
        m.close()
    # the same on NVMe: the partition scan's read in flight by command ID
    port = free_port()
    m = Machine("gdb_nvme", gdb_port=port, machine="q35", cd="scsi",
                extra=["-device", "nvme,id=nv5,serial=G5,addr=0x5",
                       "-drive", "file=%s,format=raw,if=none,id=d0" % img,
                       "-device", "nvme-ns,drive=d0,bus=nv5,nsid=1"])
    try:
        out = gdb_helpers(port, "gdb-nvme.log", [
            "break nvme_intr if ((struct nvme_ctrl *)arg)->active",
            "continue", "iodine-bufs"])
        with c.test("iodine_bufs_shows_an_nvme_buf_by_its_command_id"):
            assert re.search(r"^nvme00:05.0n1 \(6,\d+\): 1 in flight\n"
                             r"  cid +\d+: buf 0x[0-9a-f]{8} dev 6,\d+ blk 0 "
                             r"B_READ\|B_BUSY\|B_RAW 512 bytes", out,
                             re.M), out
    finally:
        m.close()
    return c.results
