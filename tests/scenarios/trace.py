"""tests/scenarios/trace.py: the request trace from outside: the shell's
`trace` and `lat`, the trace=option, and the trace taken out of the
machine and read by the real blkparse and btt."""

import os
import re
import subprocess

from harness import (BUILD, ROOT, Checks, boot_to_shell, run_kernel_tests,
                     scenario, trace_dump)
from scenarios.disks import make_image

VERIFY_BLOCKS = 2048  # `verify` reads 64 blocks a request: 32 requests
VERIFY_CHUNK = 64

BLKPARSE_LINE = re.compile(
    r"^\s*(\d+),(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+(\d+)\s+([A-Za-z])\s+"
    r"(\S+)\s+(.*)$")


def blkparse(outdir, name):
    """Run blkparse on outdir/name.blktrace.0: (text lines, binary dump)."""
    binfile = os.path.join(outdir, name + ".bin")
    p = subprocess.run(["blkparse", "-i", name, "-D", outdir, "-d", binfile],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, check=True)
    with open(os.path.join(outdir, name + ".blkparse.txt"), "w") as f:
        f.write(p.stdout)
    return p.stdout.splitlines(), binfile


def btt_d2c(binfile, outdir):
    """btt's average D2C, in seconds, from its summary."""
    p = subprocess.run(["btt", "-i", binfile], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, check=True,
                       cwd=outdir)
    with open(os.path.join(outdir, "btt.txt"), "w") as f:
        f.write(p.stdout)
    m = re.search(r"^D2C\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)", p.stdout,
                  re.M)
    assert m, "no D2C in btt's output:\n" + p.stdout
    return float(m.group(2)), int(m.group(4)), p.stdout


@scenario("trace_shell")
def trace_shell():
    """On the RAM disks: `trace` shows a request's life stage by stage,
    `lat` its histograms, bad input gets a message."""
    c = Checks("trace_shell")
    m = boot_to_shell("trace_shell")
    try:
        with c.test("trace_on_a_read_shows_the_path_in_order"):
            out = m.cmd("trace on rd1")
            assert re.search(r"^trace: on, rd1;", out, re.M), out
            m.cmd("read rd1 5")
            out = m.cmd("trace rd1 1")
            stages = re.findall(r"^\s+[\d.]+ us\s+\d+ cyc  \S? ?([a-z -]+)",
                                out, re.M)
            # read uses the cache: a miss, then the request
            assert re.search(r"^rd1 read of 1 block\(s\) at 5 \(512 B\), "
                             r"buf 0x[0-9a-f]{8}:$", out, re.M), out
            want = ["queued", "inserted", "issued", "interrupt", "biodone",
                    "deferred", "completion", "woken", "biowait"]
            got = [s.strip() for s in stages]
            assert got == want, "stages %s, expected %s:\n%s" % (
                got, want, out)
            assert re.search(r"interrupt: IRQ 0\s+IPL 5, irq 0", out), out
            assert re.search(r"completion: B_DONE set\s+IPL 2, soft iodone",
                             out), out
            assert re.search(r"biowait: back, (after sleeping|done already)"
                             r"\s+IPL 0, "
                             r"thread \d+ \(\S+\)", out), out
        with c.test("a_second_read_shows_a_cache_hit_event"):
            m.cmd("read rd1 5")
            out = m.cmd("trace rd1 1")
            assert re.search(r"^rd1 cache hit at block 5 \(512 B\)", out,
                             re.M), out
        with c.test("lat_shows_each_stage_with_percentiles"):
            for b in range(10, 20):
                m.cmd("read rd1 %d" % b)
            out = m.cmd("lat rd1")
            for stage in ("queue wait", "device", "irq to iodone",
                          "iodone to thread", "whole request"):
                assert re.search(r"^  %s\s+(\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+"
                                 r"\s+[\d.]+\s+[\d.]+$" % stage, out, re.M), \
                    "%s missing:\n%s" % (stage, out)
            n = re.search(r"^  whole request\s+(\d+)", out, re.M).group(1)
            assert int(n) == 11, out
        with c.test("trace_off_and_clear_say_so"):
            out = m.cmd("trace off")
            assert out.startswith("trace: off, rd1;"), out
            out = m.cmd("trace clear")
            assert re.search(r"trace: off, rd1; 0 records, 0 dropped", out), \
                out
            out = m.cmd("trace")
            assert "trace: no requests recorded" in out, out
        with c.test("bad_input_gets_a_clear_message"):
            out = m.cmd("trace on sdx")
            assert out.strip() == "trace: sdx: ENXIO: no such device (see " \
                "lsblk)", repr(out)
            out = m.cmd("trace bogus")
            assert "trace: bogus: ENXIO: no such device or option" in out, \
                out
            out = m.cmd("trace rd0 0")
            assert "trace: 0: EINVAL: N is 1 to 100" in out, out
            out = m.cmd("lat nosuch")
            assert out.strip() == "lat: nosuch: ENXIO: no such device (see " \
                "lsblk)", repr(out)
            out = m.cmd("trace on rd0 rd1 x")
            assert out.startswith("usage: trace"), out
    finally:
        m.close()
    return c.results


@scenario("trace_option")
def trace_option():
    """trace=DEV at boot traces from the start; a bad value is refused
    with a message and tracing stays off."""
    c = Checks("trace_option")
    m = boot_to_shell("trace_option", args="trace=rd0")
    try:
        with c.test("trace_dev_at_boot_is_on_for_that_device"):
            out = m.cmd("trace off")
            assert out.startswith("trace: off, rd0;"), out
    finally:
        m.close()
    m = boot_to_shell("trace_option_bad", args="trace=nosuch")
    try:
        with c.test("a_bad_trace_option_is_refused_by_name"):
            assert re.search(r"^trace=nosuch: ENXIO: no such device .*; "
                             r"tracing stays off$", m.buf, re.M), m.buf
            out = m.cmd("trace")
            assert out.startswith("trace: off"), out
    finally:
        m.close()
    return c.results


def d2c_agrees_with_lat(binfile, outdir, lat, n_d):
    """btt's D2C counts every one of the n_d D records, as the kernel's
    device stage (`lat`) does, and its average is within 10% of the
    kernel's."""
    d2c, n, txt = btt_d2c(binfile, outdir)
    assert n == n_d, "btt's D2C counts %d of %d D:\n%s" % (n, n_d, txt)
    mdev = re.search(r"^  device\s+(\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+"
                     r"[\d.]+\s+([\d.]+)$", lat, re.M)
    assert mdev, "no device line in lat:\n" + lat
    assert int(mdev.group(1)) == n_d, "lat counts %s, %d D:\n%s" % (
        mdev.group(1), n_d, lat)
    kernel_avg = float(mdev.group(2)) / 1e6
    assert abs(d2c - kernel_avg) <= 0.1 * kernel_avg, \
        "btt D2C %.1f us, kernel %.1f us" % (d2c * 1e6, kernel_avg * 1e6)


@scenario("kernel_traced")
def kernel_traced():
    """The block-layer battery and its stress tests with every request
    traced: tracing at every level hangs nothing and breaks no rule."""
    return run_kernel_tests(
        "kernel_traced", "*b_iodone*,*biodone*,bio_a_chain*,bio_a_split*,"
        "bio_reused_bufs*,bcache_threads_hammering*,physio*,bcache_bread*,"
        "bcache_bawrite*,lv_a_stacked_volume*",
        args="trace=all")


@scenario("trace_blkparse")
def trace_blkparse():
    """An AHCI disk read by `verify` with tracing on; the trace, taken out
    of the stopped machine, read by the real blkparse and btt."""
    c = Checks("trace_blkparse")
    d = os.path.join(BUILD, "scenarios", "trace_blkparse")
    os.makedirs(d, exist_ok=True)
    img = os.path.join(d, "sd0.img")
    make_image(img, 0, VERIFY_BLOCKS + 64)  # verify: id = the minor
    m = boot_to_shell("trace_blkparse", machine="q35", cd="scsi",
                      monitor=True, extra=[
                          "-drive", "file=%s,format=raw,if=none,id=d0" % img,
                          "-device", "ide-hd,drive=d0,bus=ide.0"])
    outdir = os.path.join(d, "trace")
    try:
        m.cmd("trace on sd0")
        out = m.cmd("verify sd0 0 %d" % VERIFY_BLOCKS, timeout=60)
        assert " ok from block 0" in out, out
        lat = m.cmd("lat sd0")
        m.cmd("trace off")
        with c.test("the_trace_leaves_the_machine_as_blktrace_files"):
            conv = trace_dump(m, outdir)
            assert os.path.exists(os.path.join(outdir, "sd0.blktrace.0")), \
                conv
        lines, binfile = blkparse(outdir, "sd0")
        n_io = VERIFY_BLOCKS // VERIFY_CHUNK
        with c.test("blkparse_counts_q_d_c_as_the_ios_issued"):
            kernel_n = int(re.search(r"^  whole request\s+(\d+)", lat,
                                     re.M).group(1))
            assert kernel_n == n_io, lat
            events = [BLKPARSE_LINE.match(x) for x in lines]
            events = [e for e in events if e]
            for a in "QDC":
                got = [e for e in events if e.group(7) == a]
                assert len(got) == n_io, "%d %s records, %d I/Os:\n%s" % (
                    len(got), a, n_io, "\n".join(lines[:60]))
        with c.test("sectors_and_sizes_match"):
            for a in "QDC":
                got = sorted(e.group(9) for e in events if e.group(7) == a)
                want = sorted("%d + %d [" % (b, VERIFY_CHUNK)
                              for b in range(0, VERIFY_BLOCKS, VERIFY_CHUNK))
                have = [g[:len(w)] for g, w in zip(got, want)]
                assert have == want, "%s: %s" % (a, got[:5])
                rwbs = {e.group(8) for e in events if e.group(7) == a}
                assert rwbs == {"RS"}, rwbs
            assert all(e.group(1) == "3" and e.group(2) == "0"
                       for e in events), "device numbers not 3,0"
        with c.test("iodine_stages_show_as_messages"):
            text = "\n".join(lines)
            for words in ("iodine interrupt: IRQ", "iodine deferred to "
                          "INTIODONE", "iodine completion at IPL 2: "
                          "b_iodone called"):
                assert words in text, "no %r in blkparse output" % words
        with c.test("btt_d2c_agrees_with_the_kernels_histogram"):
            d2c_agrees_with_lat(binfile, outdir, lat, n_io)
    finally:
        m.close()
    return c.results


def blkparse_totals(lines):
    """blkparse's summary: {"Reads Queued": KiB, ...} of its last CPU or
    device block (iodine's trace has one CPU)."""
    tot = {}
    for x in lines:
        for m in re.finditer(r"(Reads|Writes) (Queued|Completed|Dispatches):"
                             r"\s+([\d,]+),\s+([\d,]+)KiB", x):
            tot["%s %s" % (m.group(1), m.group(2))] = int(
                m.group(4).replace(",", ""))
    return tot


SPLIT_WORKLOAD = [  # process I/O above the AHCI disk's largest transfer
    "run dd if=/dev/rsd0 of=/dev/rd0 bs=1M count=2 skip=1",
    "run dd if=/dev/rd0 of=/dev/rsd0 bs=384K count=3 seek=10",
    "read sd0 7",
    "run dd if=/dev/rsd0 of=/dev/rd0 bs=260K count=1 skip=3",
    # the disk's last MiB through the cache, 4 KiB a read: read ahead in
    # clusters, and not past the end
    "run dd if=/dev/sd0 of=/dev/null bs=4K count=256 skip=1792",
]
CACHED_FROM = 1792 * 8  # its first sector


@scenario("trace_split")
def trace_split():
    """Process reads and writes larger than an AHCI disk's largest
    transfer, traced: each piece of a split request is queued, issued and
    completed as its own I/O, so blkparse counts every byte once (Queued
    equals Completed) and btt's D2C, taken from every piece, agrees with
    the kernel's device average."""
    c = Checks("trace_split")
    d = os.path.join(BUILD, "scenarios", "trace_split")
    os.makedirs(d, exist_ok=True)
    img = os.path.join(d, "sd0.img")
    make_image(img, 0, 16384)
    m = boot_to_shell("trace_split", machine="q35", cd="scsi", monitor=True,
                      extra=["-drive", "file=%s,format=raw,if=none,id=d0"
                             % img, "-device", "ide-hd,drive=d0,bus=ide.0"])
    outdir = os.path.join(d, "trace")
    try:
        m.cmd("trace on sd0")
        for w in SPLIT_WORKLOAD:
            out = m.cmd(w, timeout=60)
            assert "rror" not in out and "EINVAL" not in out, out
        lat = m.cmd("lat sd0")
        bstats = m.cmd("ahci")
        m.cmd("trace off")
        trace_dump(m, outdir)
        lines, binfile = blkparse(outdir, "sd0")
        events = [e for e in map(BLKPARSE_LINE.match, lines) if e]
        with c.test("the_workload_was_split"):
            xs = [e for e in events if e.group(7) == "X"]
            assert len(xs) >= 8, "%d X records:\n%s\n%s" % (
                len(xs), bstats, "\n".join(lines[:80]))
        with c.test("blkparse_queued_equals_completed"):
            tot = blkparse_totals(lines)
            # (blkparse sums each record's KiB rounded down: the
            # one-block read adds 0 or its cache block's KiB)
            for rw, kib in (("Reads", 2048 + 260 + 1024),
                            ("Writes", 3 * 384)):
                q, done = tot.get(rw + " Queued"), tot.get(rw + " Completed")
                assert q == done and done is not None and \
                    kib <= done <= kib + 64, \
                    "%s: Queued %s KiB, Completed %s KiB, dispatched %s " \
                    "KiB (the workload moved %d KiB)" % (
                        rw, q, done, tot.get(rw + " Dispatches"), kib)
        with c.test("every_d_has_one_q_and_one_c_of_its_sectors"):
            for a in "QC":
                got = sorted(e.group(9).split(" [")[0] for e in events
                             if e.group(7) == a)
                ds = sorted(e.group(9).split(" [")[0] for e in events
                            if e.group(7) == "D")
                assert got == ds, "%s: %s\nD: %s" % (a, got, ds)
        with c.test("cached_reads_in_order_are_a_few_large_transfers"):
            ds = [e.group(9).split(" [")[0].split(" + ") for e in events
                  if e.group(7) == "D"]
            ds = [(int(a), int(b)) for a, b in ds if int(a) >= CACHED_FROM]
            # 256 reads of 4 KiB: windows of 16 KiB growing to 256 KiB
            # (the disk splits those at its largest transfer)
            assert 4 <= len(ds) <= 20 and \
                sum(n for _, n in ds) == 2048 and \
                max(a + n for a, n in ds) <= 16384, \
                "%d D records for 1 MiB read in order: %s" % (len(ds), ds)
        with c.test("btt_d2c_counts_every_piece_and_agrees_with_lat"):
            n_d = len([e for e in events if e.group(7) == "D"])
            d2c_agrees_with_lat(binfile, outdir, lat, n_d)
    finally:
        m.close()
    return c.results


@scenario("make_trace")
def make_trace():
    """make trace's script end to end: a workload traced into blktrace
    files, blkparse and btt output, the kernel's views and the picture;
    and a workload that fails stops with its message."""
    c = Checks("make_trace")
    d = os.path.join(BUILD, "scenarios", "make_trace")
    os.makedirs(d, exist_ok=True)
    img = os.path.join(d, "disk.img")
    make_image(img, 0, 2048)
    out = os.path.join(d, "out")
    run = [os.path.join(ROOT, "scripts", "trace-run"), "--machine", "q35",
           "--disk", img, "--out", out]
    p = subprocess.run(run + ["--name", "make_trace_ok", "--workload",
                              "verify sd0 0 1024; write sd0 10 lba 4"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=300)
    with c.test("it_leaves_blktrace_blkparse_btt_and_a_picture"):
        assert p.returncode == 0, p.stdout
        for f in ("sd0.blktrace.0", "sd0.blkparse.txt", "sd0.btt.txt",
                  "lat.txt", "trace.txt", "requests.png"):
            path = os.path.join(out, f)
            assert os.path.exists(path) and os.path.getsize(path), \
                "%s missing or empty:\n%s" % (f, p.stdout)
        with open(os.path.join(out, "requests.png"), "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", "not a PNG"
        with open(os.path.join(out, "sd0.btt.txt")) as f:
            assert re.search(r"^D2C\s", f.read(), re.M), "no D2C from btt"
        with open(os.path.join(out, "sd0.blkparse.txt")) as f:
            text = f.read()
        # 16 reads of 64 blocks, 4 one-block writes
        for rwbs, n in (("RS", 16), ("WS", 4)):
            got = len(re.findall(r"^\s*3,0\s.*\sQ\s+%s " % rwbs, text,
                                 re.M))
            assert got == n, "%d Q %s records, %d I/Os:\n%s" % (
                got, rwbs, n, text[:3000])
    p = subprocess.run(run + ["--name", "make_trace_bad", "--workload",
                              "read sd0 99999999999"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=300)
    with c.test("a_failing_workload_stops_with_its_message"):
        assert p.returncode != 0, p.stdout
        assert "trace: the workload failed at `read sd0 99999999999`: " \
            "read: sd0: ENXIO: block 99999999999 past end" in p.stdout, \
            p.stdout
    return c.results
