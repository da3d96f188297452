"""tests/scenarios/bigdisks.py: disks of real sizes (4 GiB to 2.5 TiB) on
sparse images (tests/kernel/test_bigdisk.c), and the shell on one."""

import os
import re

from harness import (BUILD, Checks, EXIT_OK, boot_to_results, boot_to_shell,
                     hexdump_c, pattern_sector, scenario)
from scenarios.disks import (MAJOR_SD, chipset_disk, dev, disk_device)


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


def bigdisk_scenario(name, kind, args="", disks=None, devices=()):
    """The four sizes at once: IDE's four places on -M pc (the CD on
    AHCI), or AHCI ports 0-3 on -M q35 (the CD on virtio-scsi); disks:
    (name, pattern id, QEMU device) of each instead (NVMe's namespaces,
    their controller's options in devices)."""
    d = os.path.join(BUILD, "scenarios", name)
    os.makedirs(d, exist_ok=True)
    extra, images = list(devices), []
    if disks is None:
        places = [(0, 0), (0, 1), (1, 0), (1, 1)] if kind == "wd" else \
            [0, 1, 2, 3]
        disks = [chipset_disk(kind, p) for p in places]
    for i, ((dname, disk, bus), nblk) in enumerate(zip(disks, BIG_SIZES)):
        img = os.path.join(d, "%d.img" % i)
        make_sparse_image(img, disk, nblk)
        images.append((disk, img, nblk, dname))
        extra += ["-drive", "file=%s,format=raw,if=none,id=b%d" % (img, i),
                  "-device", disk_device(bus, "b%d" % i)]
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
            assert re.search(r"^sd0\s+3,0\s+2.5 TiB\s+%d\s+512\s+4 MiB\s+pci "
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
            code = m.wait_exit(30)
            assert code == EXIT_OK, "halt: exit %d" % code
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
