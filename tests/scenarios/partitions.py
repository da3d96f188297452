"""tests/scenarios/partitions.py: partition tables made by the real host
tools (sfdisk for MBR, sgdisk for GPT) over the test pattern, read by the
kernel at attach: the partitions it finds are the ones sfdisk reads back,
their contents and edges are right, writes land at their offsets and
nowhere else, a damaged primary GPT falls back to the backup, and a
table that lies is reported and its bad entries skipped."""

import json
import os
import re
import shutil
import subprocess

from harness import (BUILD, Checks, boot_to_results, boot_to_shell,
                     hexdump_c, pattern_sector, scenario)
from scenarios.disks import MAJOR_SD, dev, make_image
from scenarios.lv import data_blocks

NBLOCKS = 32768  # 16 MiB a disk
PART_WRITE_BLOCKS, PART_WRITE_ID = 4, 300  # tests/kernel/test_part.c

MBR_SCRIPT = """label: dos
start=2048, size=4096, type=83
start=6144, size=2048, type=82
start=8192, size=16384, type=5
start=10240, size=4096, type=83
start=16384, size=6144, type=83
start=24576, size=4096, type=c
"""


def sfdisk_json(img):
    p = subprocess.run(["sfdisk", "-J", img], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, check=True)
    table = json.loads(p.stdout)["partitiontable"]
    out = {}
    for part in table["partitions"]:
        num = int(re.search(r"(\d+)$", part["node"]).group(1))
        if table["label"] == "dos" and part["type"] in ("5", "f", "85"):
            continue  # the extended container is no device
        out[num] = (part["start"], part["size"])
    return out


def gpt_image(img, disk):
    make_image(img, disk, NBLOCKS)
    subprocess.run(["sgdisk", "-n", "1:2048:+2M", "-t", "1:8300", "-c",
                    "1:root", "-n", "2:0:+1M", "-t", "2:8200", "-c",
                    "2:swap", "-n", "3:0:0", "-t", "3:ef00", "-c", "3:efi",
                    img], check=True, stdout=subprocess.DEVNULL)


def lying_mbr(img, disk):
    """p1 good; p2 past the end of the disk; p3 over p1; p4 at block 0."""
    make_image(img, disk, NBLOCKS)
    entries = [(0x83, 2048, 4096), (0x83, 30000, 8192), (0x83, 4096, 1024),
               (0x83, 0, 100)]
    with open(img, "r+b") as f:
        sec = bytearray(pattern_sector(disk, 0))
        for i, (t, start, n) in enumerate(entries):
            e = bytes([0, 0, 0, 0, t, 0, 0, 0]) + start.to_bytes(4, "little") \
                + n.to_bytes(4, "little")
            sec[446 + 16 * i:446 + 16 * (i + 1)] = e
        sec[510:512] = b"\x55\xaa"
        f.write(sec)


@scenario("partitions")
def partitions():
    c = Checks("partitions")
    d = os.path.join(BUILD, "scenarios", "partitions")
    os.makedirs(d, exist_ok=True)
    disks = []
    # sd0: MBR with logical partitions
    img = os.path.join(d, "mbr.img")
    make_image(img, dev(MAJOR_SD, 0), NBLOCKS)
    subprocess.run(["sfdisk", "-q", img], input=MBR_SCRIPT, text=True,
                   check=True)
    disks.append(("sd0", img))
    # sd1: GPT; sd2: the same with its primary header damaged
    img = os.path.join(d, "gpt.img")
    gpt_image(img, dev(MAJOR_SD, 1))
    disks.append(("sd1", img))
    img = os.path.join(d, "gpt-damaged.img")
    gpt_image(img, dev(MAJOR_SD, 2))
    with open(img, "r+b") as f:
        f.seek(512 + 40)  # first_usable, inside the header's CRC
        f.write(b"\x01")
    disks.append(("sd2", img))
    # sd3: an MBR that lies
    img = os.path.join(d, "lying.img")
    lying_mbr(img, dev(MAJOR_SD, 3))
    disks.append(("sd3", img))

    expect = {name: sfdisk_json(img) for name, img in disks[:2]}
    expect["sd2"] = expect["sd1"]  # the backup describes the same table
    before = {}
    for name, img in disks:
        shutil.copyfile(img, img + ".orig")
        before[name] = img + ".orig"
    extra = []
    for i, (name, img) in enumerate(disks):
        extra += ["-drive", "file=%s,format=raw,if=none,id=d%d" % (img, i),
                  "-device", "ide-hd,drive=d%d,bus=ide.%d" % (i, i)]
    results, out, complete = boot_to_results(
        "partitions", 300, machine="q35", cd="scsi", extra=extra,
        args="test=part_* panic=exit disks=sd diskcount=4")
    if not complete:
        return results
    found = {}
    for m in re.finditer(r"^(sd\d)p(\d+): [\d.]+ [KMG]iB at block (\d+) of "
                         r"\1, (.*)$", out, re.M):
        found.setdefault(m.group(1), {})[int(m.group(2))] = int(m.group(3))
    with c.test("the_partitions_found_are_the_ones_sfdisk_reads"):
        for name in ("sd0", "sd1", "sd2"):
            want = {n: s for n, (s, _) in expect[name].items()}
            assert found.get(name) == want, "%s: kernel %s, sfdisk %s" % (
                name, found.get(name), want)
    with c.test("gpt_types_and_names_are_shown"):
        assert re.search(r"^sd1p1: 2 MiB at block 2048 of sd1, Linux "
                         r"filesystem \"root\"$", out, re.M), out
        assert re.search(r"^sd1p2: 1 MiB at block \d+ of sd1, Linux swap "
                         r"\"swap\"$", out, re.M), out
        assert re.search(r"^sd1p3: .* of sd1, EFI System \"efi\"$", out,
                         re.M), out
        assert re.search(r"^sd0p5: 2 MiB at block 10240 of sd0, MBR 0x83 "
                         r"Linux$", out, re.M), out
        assert re.search(r"^sd0p4: 2 MiB at block 24576 of sd0, MBR 0x0c "
                         r"W95 FAT32 \(LBA\)$", out, re.M), out
    with c.test("a_damaged_primary_gpt_falls_back_to_the_backup"):
        assert re.search(r"^sd2: GPT: the primary header at block 1 is "
                         r"damaged \(header CRC mismatch\): using the backup "
                         r"at block %d$" % (NBLOCKS - 1), out, re.M), out
    with c.test("a_lying_table_is_reported_and_its_bad_entries_skipped"):
        assert found.get("sd3") == {1: 2048}, found.get("sd3")
        for pat in (r"^sd3p2: blocks 30000 to 38191 run past the end of sd3 "
                    r"\(%d blocks\): skipped$" % NBLOCKS,
                    r"^sd3p3: blocks 4096 to 5119 overlap sd3p1: skipped$",
                    r"^sd3p4: starts at block 0, over the partition table: "
                    r"skipped$"):
            assert re.search(pat, out, re.M), "no %r in:\n%s" % (pat, out)
    with c.test("writes_land_at_the_partitions_offset_and_nowhere_else"):
        parts = {"sd0": expect["sd0"], "sd1": expect["sd1"],
                 "sd2": expect["sd1"], "sd3": {1: (2048, 4096)}}
        for i, (name, img) in enumerate(disks):
            disk = dev(MAJOR_SD, i)
            written = {}
            for start, size in parts[name].values():
                for lba in list(range(start, start + PART_WRITE_BLOCKS)) + \
                        list(range(start + size - PART_WRITE_BLOCKS,
                                   start + size)):
                    written[lba] = pattern_sector(disk + PART_WRITE_ID, lba)
            with open(img, "rb") as f, open(before[name], "rb") as g:
                for lba in range(NBLOCKS):
                    got, was = f.read(512), g.read(512)
                    want = written.get(lba, was)
                    assert got == want, "%s: block %d is %s" % (
                        name, lba, "not what was written" if lba in written
                        else "changed, outside what was written")
    m = boot_to_shell("partitions_shell", machine="q35", cd="scsi",
                      extra=extra[:4])
    try:
        with c.test("lsblk_shows_each_disk_then_its_partitions"):
            out = m.cmd("lsblk")
            rows = [r.split()[0] for r in out.splitlines()[1:]]
            i = rows.index("sd0")
            assert rows[i:i + 6] == ["sd0", "`-sd0p1", "`-sd0p2", "`-sd0p5",
                                     "`-sd0p6", "`-sd0p4"], out
            assert re.search(r"^`-sd0p5\s+4,2\s+2 MiB\s+4096\s+512\s+\S+ \S+\s+sd0 "
                             r"at block 10240\s+MBR 0x83 Linux$", out,
                             re.M), out
        with c.test("the_shell_reads_a_partition_at_its_offset"):
            out = m.cmd("read sd0p5 5")  # past what the tests wrote
            want = hexdump_c(pattern_sector(dev(MAJOR_SD, 0), 10245),
                             5 * 512)
            assert out == want.rstrip("\n"), out
            out = m.cmd("read sd0p5 4096")
            assert out.strip() == "read: sd0p5: ENXIO: block 4096 past " \
                "end", repr(out)
        with c.test("a_program_reads_a_partition_raw_and_block"):
            # block 5 of sd0p5 is the disk's block 10245; its last byte
            # is the partition's end for both devices
            want = hexdump_c(pattern_sector(dev(MAJOR_SD, 0), 10245),
                             5 * 512)
            for d in ("/dev/sd0p5", "/dev/rsd0p5"):
                out = m.cmd("run hexdump -C -s 2560 -n 512 %s" % d)
                assert out == want.rstrip("\n"), out
                out = m.cmd("run utest eof %s" % d)
                assert "size: %d\n" % (4096 * 512) in out and \
                    "pread at the end: 0\npread across the end: 1024" \
                    in out, out
    finally:
        m.close()
    return results + c.results


# --- one copy of a sector, at real size: a 6 GiB disk whose second
# --- partition spans the 4 GiB line, and a volume over its first

BIG = 6 << 30
S1, N1 = 2048, 4194304             # sd0p1: 2 GiB
S2, N2 = S1 + N1, 6291456          # sd0p2: 3 GiB, over byte 2^32
T1 = 1 << 23                       # the sector at byte 2^32, in sd0p2
T2 = T1 + 100


class Model:
    """What each sector written must hold after sync: the last completed
    write of each byte, whichever name it went through."""

    def __init__(self):
        self.sectors = {}  # (image, sector) -> bytearray(512)

    def write(self, img, byte, data):
        for i, b in enumerate(data):
            at = byte + i
            s = self.sectors.setdefault((img, at // 512), bytearray(512))
            s[at % 512] = b


def text_block(text):
    return (text.encode() * (512 // len(text) + 1))[:512]


@scenario("coherence")
def coherence():
    """The cache's coherence rules on a sparse 6 GiB disk (GPT by sgdisk:
    sd0p1 2 GiB, sd0p2 3 GiB across byte 2^32) and a concat volume over
    sd0p1 and a second disk: cached writes through the disk, a partition
    and the volume, partial-block writes left dirty, raw writes over
    them, through the shell and through programs; sync; the images then
    hold exactly the last write of every sector, whatever name it went
    through, and the volume's legs refuse other writers (EBUSY)."""
    c = Checks("coherence")
    d = os.path.join(BUILD, "scenarios", "coherence")
    os.makedirs(d, exist_ok=True)
    imgs = [os.path.join(d, "sd0.img"), os.path.join(d, "sd1.img")]
    for img, size in zip(imgs, (BIG, 64 << 20)):
        with open(img, "wb") as f:
            f.truncate(size)
    subprocess.run(["sgdisk", "-n", "1:%d:+2G" % S1, "-n", "2:0:+3G",
                    imgs[0]], check=True, stdout=subprocess.DEVNULL)
    assert sfdisk_json(imgs[0]) == {1: (S1, N1), 2: (S2, N2)}, \
        "sgdisk made %s" % sfdisk_json(imgs[0])
    model = Model()
    src = {}  # rd0's blocks, as the shell filled them
    m = boot_to_shell(
        "coherence", machine="q35", cd="scsi", mem="256M",
        args="rdsize=1M lv=vc0:concat:sd0p1,sd1",
        extra=sum((["-drive", "file=%s,format=raw,if=none,id=d%d" % (img, i),
                    "-device", "ide-hd,drive=d%d,bus=ide.%d" % (i, i)]
                   for i, img in enumerate(imgs)), []))

    def sh(line, want=None):
        out = m.cmd(line, timeout=120)
        if want is not None:
            assert want in out, "%s: no %r in:\n%s" % (line, want, out)
        return out

    def rd0_bytes(off, n):
        return b"".join(src[b] for b in range(off // 512,
                                              (off + n + 511) // 512))[
            off % 512:off % 512 + n]

    try:
        for blk, text in ((0, "AAAA"), (16, "BBBB"), (32, "CCCC")):
            sh("write rd0 %d %s 16" % (blk, text), "wrote 16 blocks")
            for b in range(blk, blk + 16):
                src[b] = text_block(text)
        with c.test("writes_through_every_name_meet_in_one_copy"):
            # a cached write through the disk at byte 2^32
            sh("write sd0 %d one 2" % T1, "wrote 2 blocks")
            model.write(0, T1 * 512, text_block("one") * 2)
            # partial blocks through the partition's block device, left
            # dirty in the cache over it
            off = (T1 - S2) * 512 + 100
            sh("run dd if=/dev/rd0 of=/dev/sd0p2 bs=1000 count=1 "
               "seek=%dB" % off, "1000 bytes")
            model.write(0, S2 * 512 + off, rd0_bytes(0, 1000))
            # a raw write over the middle of them through the disk
            sh("run dd if=/dev/rd0 of=/dev/rsd0 bs=512 count=1 skip=16 "
               "seek=%d" % (T1 + 1), "512 bytes")
            model.write(0, (T1 + 1) * 512, src[16])
            out = sh("read sd0p2 %d" % (T1 + 1 - S2))
            assert "BBBB" in out and "AAAA" not in out, \
                "a cached read after the raw write:\n" + out
            # a cached write, then a raw one over it through the partition
            sh("write sd0p2 %d two" % (T2 - S2), "wrote 1 blocks")
            sh("run dd if=/dev/rd0 of=/dev/rsd0p2 bs=512 count=1 "
               "skip=32 seek=%d" % (T2 - S2), "512 bytes")
            model.write(0, T2 * 512, src[32])
            # a raw write, then a partial cached write over it
            sh("run dd if=/dev/rd0 of=/dev/rsd0 bs=512 count=1 skip=16 "
               "seek=%d" % (T2 + 5), "512 bytes")
            model.write(0, (T2 + 5) * 512, src[16])
            sh("run dd if=/dev/rd0 of=/dev/sd0 bs=100 count=1 "
               "seek=%dB" % ((T2 + 5) * 512 + 200), "100 bytes")
            model.write(0, (T2 + 5) * 512 + 200, rd0_bytes(0, 100))
            # through the volume, across its two legs (cached, whole
            # blocks), then read back through the volume raw
            vc = (N1 - 8) * 512
            sh("run dd if=/dev/rd0 of=/dev/vc0 bs=4096 count=2 skip=4 "
               "seek=%dB" % vc, "8192 bytes")
            model.write(0, (S1 + N1 - 8) * 512, rd0_bytes(16384, 4096))
            model.write(1, 0, rd0_bytes(16384 + 4096, 4096))
        with c.test("a_volumes_legs_refuse_other_writers"):
            sh("write sd0p1 5 x", "write: sd0p1: EBUSY: its blocks are "
               "volume vc0's")
            sh("write sd0 %d x" % (S1 + 5), "write: sd0: EBUSY")
            sh("write sd1 5 x", "write: sd1: EBUSY")
            out = sh("run dd if=/dev/rd0 of=/dev/sd0p1 count=1")
            assert "EBUSY" in out, out
            out = sh("run dd if=/dev/rd0 of=/dev/rsd1 count=1")
            assert "EBUSY" in out, out
            # the disk opens, but its writes into the leg fail
            out = sh("run dd if=/dev/rd0 of=/dev/rsd0 count=1 seek=%d" % S1)
            assert "EBUSY" in out, out
            # reads stay allowed, and see what the volume wrote
            out = sh("read sd1 0")
            assert "CCCC" in out, "sd1's block 0 read:\n" + out
        sh("sync")
        m.send("halt\r")
        m.wait_exit(60)
    finally:
        m.close()
    with c.test("the_images_hold_the_last_write_of_every_sector"):
        wrong = []
        for (i, sec), want in sorted(model.sectors.items()):
            with open(imgs[i], "rb") as f:
                f.seek(sec * 512)
                got = f.read(512)
            if got != bytes(want):
                wrong.append("sd%d sector %d: %r..., expected %r..." % (
                    i, sec, got[:24], bytes(want)[:24]))
        assert not wrong, "\n".join(wrong)
    with c.test("nothing_else_was_written"):
        # every sector with data is the GPT's or one the model wrote
        written = {k for k in model.sectors}
        strays = ["sd%d sector %d" % (i, sec)
                  for i, img in enumerate(imgs)
                  for sec in sorted(data_blocks(img))
                  if (i, sec) not in written and
                  not (i == 0 and (sec < 34 or sec >= BIG // 512 - 33))]
        assert not strays, "written where nothing was: %s" % strays[:10]
    with c.test("sgdisk_finds_the_table_intact"):
        p = subprocess.run(["sgdisk", "-v", imgs[0]], capture_output=True,
                           text=True)
        assert "No problems found" in p.stdout, p.stdout + p.stderr
    return c.results
