"""tests/scenarios/bench.py: make bench: the benchmarks on -M pc and -M q35,
their figures printed."""

import os

from harness import (BUILD, boot_to_results, selects)


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
    runs = [("bench_pc", "pc", ["-drive", drive, "-device",
                                "ide-hd,drive=d0,bus=ide.0,unit=0"], pattern),
            ("bench_q35", "q35", ["-drive", drive, "-device",
                                  "ide-hd,drive=d0,bus=ide.0"] + legs,
             "disk_*")]
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
