"""tests/scenarios/bench.py: make bench: the benchmarks on -M pc and -M q35,
their figures printed."""

import os
import re
import subprocess
import sys

from harness import (BUILD, KERNEL_ELF, ROOT, boot_to_results, selects)

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import debfetch  # noqa: E402
import workloads  # noqa: E402


def bench_disk_image(name="bench-disk.img", mib=256):
    img = os.path.join(BUILD, "scenarios", name)
    os.makedirs(os.path.dirname(img), exist_ok=True)
    if not os.path.exists(img) or os.path.getsize(img) != mib << 20:
        # real data, not a sparse file: holes would read for free
        block = os.urandom(1 << 20)
        with open(img, "wb") as f:
            for _ in range(mib):
                f.write(block)
    return img


def host_figures(img):
    """What the host itself does on the image: make compare's workloads
    by fio (Debian's, once make compare has fetched it) with O_DIRECT, so
    that each guest figure reads as a fraction of this machine's limit.
    {label: IOPS}, printed; {} (and why) if fio cannot be had."""
    if not debfetch.have_fio():
        print("# host: no figures: fio not fetched yet (make compare "
              "fetches it)")
        return {}
    try:
        fio = debfetch.host_fio_cmd()
    except debfetch.FetchError as e:
        print("# host: no figures: %s" % e)
        return {}
    out = {}
    print("# host: %s, libaio, O_DIRECT, on %s" % (subprocess.run(
        fio + ["--version"], capture_output=True, text=True).stdout.strip(),
        os.path.relpath(img, ROOT)))
    for key in workloads.KEYS:
        try:
            iops, kib = workloads.run_fio(fio, img, key)
        except ValueError as e:
            print("host %s: failed: %s" % (key, e))
            continue
        label = workloads.LABELS[key]
        out[label] = iops
        print("host %-24s: %.0f IOPS, %.0f MB/s" % (label, iops,
                                                   kib * 1024 / 1e6))
    return out


def over_kernel(line, lines):
    """A process's bench line, with what it costs over the kernel's own
    line for the same I/O (proc_disk: "DEV kernel  X" beside "DEV process
    X")."""
    m = re.match(r"(\S+) process (.*?): .*?(\d+) cyc/io", line)
    if not m:
        return line
    for other in lines:
        k = re.match(r"(\S+) kernel +(.*?): .*?(\d+) cyc/io", other)
        if k and k.group(1) == m.group(1) and k.group(2) == m.group(2):
            return line + " (%+d cyc/io over the kernel's biowait)" % (
                int(m.group(3)) - int(k.group(3)))
    return line


def over_raw(line, lines):
    """A buffered bench line (buffered_disk: "DEV buffered X QD1 cold"),
    with the raw device's figure for the same I/O beside it ("DEV
    process X QD1") as a ratio."""
    m = re.match(r"(\S+) buffered (.*? QD\d+)( \w+)?: (\d+) IOPS", line)
    if not m:
        return line
    for other in lines:
        r = re.match(r"(\S+) process (.*?): (\d+) IOPS", other)
        if r and r.group(1) == m.group(1) and r.group(2) == m.group(2) \
                and int(r.group(3)):
            return line + " (%.2fx the raw device's)" % (
                int(m.group(4)) / int(r.group(3)))
    return line


def of_host(line, host):
    """A bench line, with its share of the host's IOPS where the host
    ran the same workload."""
    m = re.match(r"(.*?): (\d+) IOPS", line)
    if m:
        what = " ".join(m.group(1).split())
        for label, iops in host.items():
            if what.endswith(" " + label) and iops:
                return line + " (%.0f%% of the host's)" % (
                    100 * int(m.group(2)) / iops)
    return line


# The benchmarks that need -M q35's AHCI disks (the first also runs on
# -M pc, on its IDE disk), and those that run on both
Q35_BENCHES = ("disk_iops_and_throughput", "disk_trace_cost", "proc_disk",
               "buffered_disk")
BOTH = ("disk_iops_and_throughput", "proc_disk", "buffered_disk")


def bench_names():
    """The kernel's benchmarks: its ktest entries in the .kbench table."""
    syms = {}
    for ln in subprocess.run(["nm", KERNEL_ELF], capture_output=True,
                             text=True, check=True).stdout.splitlines():
        parts = ln.split()
        if len(parts) != 3:
            continue
        addr, name = parts[0], parts[2]
        syms[name] = int(addr, 16)
    lo, hi = syms["__kbench_start"], syms["__kbench_end"]
    return sorted(n[len("ktest_entry_"):] for n, a in syms.items()
                  if n.startswith("ktest_entry_") and lo <= a < hi)


def run_benchmarks(pattern, timeout=900):
    """make bench: boot -M pc with an IDE disk for every benchmark, then
    -M q35 with an AHCI disk for the disk benchmark, and show the figures.
    Each benchmark also reports ok/not ok (its sanity checks)."""
    img = bench_disk_image()
    drive = "file=%s,format=raw,if=none,id=d0,cache=none" % img
    # q35: four more disks for the volumes (sd1, sd3, sd4, sd5: -cdrom
    # takes port 2)
    legs = []
    for i, port in enumerate((1, 3, 4, 5)):
        legs += ["-drive", "file=%s,format=raw,if=none,id=v%d,cache=none"
                 % (bench_disk_image("bench-leg%d.img" % i, 128), i),
                 "-device", "ide-hd,drive=v%d,bus=ide.%d" % (i, port)]
    # -M q35 for what needs its AHCI disks, -M pc (its IDE disk) for the
    # rest; compare_disk is make compare's (scripts/compare)
    names = [n for n in bench_names() if selects(pattern, n)
             and not n.startswith("compare_")]
    q35 = [n for n in names if n in Q35_BENCHES]
    pc = [n for n in names if n not in Q35_BENCHES or n in BOTH]
    # -M pc: wd1 for fs_files (tests/kernel/bench_fs.c), a fresh ext2
    # over its first 256 MiB, the rest for the raw device's figures
    fsimg = bench_disk_image("bench-ext2.img", 320)
    subprocess.run(["/sbin/mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096",
                    fsimg, str(256 * 256)], check=True)
    fsdrive = ["-drive", "file=%s,format=raw,if=none,id=e0,cache=none"
               % fsimg, "-device", "ide-hd,drive=e0,bus=ide.0,unit=1"]
    # q35: an NVMe namespace too, on an image of its own (nvme00:06.0n1)
    nvme = ["-device", "nvme,id=nvb,serial=BENCH,addr=0x6", "-drive",
            "file=%s,format=raw,if=none,id=n0,cache=none"
            % bench_disk_image("bench-nvme.img"),
            "-device", "nvme-ns,drive=n0,bus=nvb,nsid=1"]
    runs = [("bench_pc", "pc", ["-drive", drive, "-device",
                                "ide-hd,drive=d0,bus=ide.0,unit=0"]
             + fsdrive, pc),
            ("bench_q35", "q35", ["-drive", drive, "-device",
                                  "ide-hd,drive=d0,bus=ide.0"] + legs + nvme,
             q35)]
    results, outs = [], []
    for name, machine, extra, sel in runs:
        if not sel:
            continue
        pat = ",".join(sel)
        res, out, _ = boot_to_results(
            name, timeout, args="bench=%s rdsize=64M panic=exit" % pat,
            machine=machine, mem="512M", extra=extra)
        outs.append((machine, out))
        results += res
    # the host after the guests: its writes, still settling in the disk
    # below, would slow whichever guest came next
    host = host_figures(img) if selects(pattern, Q35_BENCHES[0]) else {}
    for machine, out in outs:
        print("# -M %s" % machine)
        lines = [ln[len("bench "):] for ln in out.splitlines()
                 if ln.startswith("bench ")]
        for line in lines:
            print(over_raw(over_kernel(of_host(line, host), lines), lines))
    for r in results:
        if not r.ok:
            print("FAIL %s: %s" % (r.name, r.reason))
    npass = sum(r.ok for r in results)
    print("%d passed, %d failed" % (npass, len(results) - npass))
    return 0 if npass == len(results) and npass else 1
