"""tests/scenarios/nvme.py: NVMe disks (nvmeBB:DD.FnN), QEMU's -device nvme
with namespaces as -device nvme-ns: the battery every driver passes
(tests/kernel/test_disk.c) and the NVMe driver's own rules
(tests/kernel/test_nvme.c), on images checked here after the kernel
halts; controllers beside AHCI and IDE disks; namespaces of real sizes
and of 4096-byte sectors."""

import os
import re
import struct
import uuid
import zlib

from harness import (BUILD, Checks, boot_to_results, boot_to_shell,
                     pattern_sector, scenario, trace_dump)
from scenarios.disks import (MAJOR_NVME, chipset_disk, dev, disk_device,
                             disk_scenario, make_image)
from scenarios.trace import BLKPARSE_LINE, blkparse, btt_d2c
from scenarios.bigdisks import bigdisk_scenario

NVME_TESTS = "disk_*,-disk_fault*,-disk_ncq*,-disk_without*,nvme_a_*"


def nvme_disk(slot, nsid):
    """(name, pattern id = dev_t, device options) of namespace nsid of the
    controller the harness puts at PCI 00:slot.0 (-device nvme,id=nvSLOT):
    the long form of bdev.h's minors, address then namespace."""
    return "nvme00:%02x.0n%d" % (slot, nsid), \
        dev(MAJOR_NVME, 1 << 21 | (slot << 3) << 5 | nsid), \
        "nvme-ns,bus=nv%d,nsid=%d" % (slot, nsid)


def nvme_controller(slot):
    """The -device options of a controller at PCI 00:slot.0, no
    namespace of its own (each is an nvme-ns on its bus)."""
    return ["-device", "nvme,id=nv%d,serial=IODINE%d,addr=0x%x" % (
        slot, slot, slot)]


@scenario("nvme1")
def nvme_one_controller():
    """Two namespaces of odd sizes on one controller, on -M q35: the disk
    battery on both, then the queue and reset rules."""
    disks = [nvme_disk(5, 1), nvme_disk(5, 2)]
    return disk_scenario("nvme1", "nvme", None, [40000 + 3, 32768 + 1],
                         NVME_TESTS, disks=disks, cd="scsi",
                         machine="q35", devices=nvme_controller(5))


@scenario("nvme_pc")
def nvme_beside_ide():
    """-M pc: an NVMe namespace beside IDE's wd0, both driven at once
    (names: each its own, whatever the other)."""
    disks = [chipset_disk("wd", (0, 0)), nvme_disk(6, 1)]
    return disk_scenario("nvme_pc", "wd,nvme", None, [16384 + 7, 20480 + 1],
                         "disk_all*,disk_reads*,disk_bounds*,disk_writes*,"
                         "disk_a_chain*,disk_threads*,disk_raw*,"
                         "disk_scattered*", disks=disks, cd="ahci",
                         machine="pc", devices=nvme_controller(6))


@scenario("nvme_faults")
def nvme_faults():
    """blkdebug fails one sector's reads and another's writes: that
    request alone fails, named, with EIO; the rest reach the image."""
    disks = [nvme_disk(5, 1)]
    name, disk, _ = disks[0]
    return disk_scenario("nvme_faults", "nvme", None, [4096 + 1],
                         "disk_all*,disk_fault*",
                         args="diskbad=%s:1000:1500" % name,
                         fault=(disk, 1000, 1500), disks=disks, cd="scsi",
                         machine="q35", devices=nvme_controller(5))


@scenario("nvme_arrange")
def nvme_arrangements():
    """Two controllers (one with two namespaces) beside an AHCI disk, the
    battery across all; then the same AHCI disk with one controller
    fewer keeps its name, and so does each namespace left."""
    c = Checks("nvme_arrange")
    disks = [chipset_disk("sd", 0), nvme_disk(5, 1), nvme_disk(5, 2),
             nvme_disk(6, 1)]
    res = disk_scenario("nvme_arrange", "sd,nvme", None,
                        [16384 + 3, 16384 + 5, 12288 + 1, 16384],
                        "disk_all*,disk_reads*,disk_bounds*,disk_writes*,"
                        "disk_a_chain*,disk_threads*", disks=disks,
                        cd="scsi", machine="q35",
                        devices=nvme_controller(5) + nvme_controller(6))
    d = os.path.join(BUILD, "scenarios", "nvme_arrange_less")
    os.makedirs(d, exist_ok=True)
    extra = nvme_controller(6)
    for i, (dname, disk, bus) in enumerate([disks[0], disks[3]]):
        img = os.path.join(d, "%d.img" % i)
        make_image(img, disk, 2048)
        extra += ["-drive", "file=%s,format=raw,if=none,id=x%d" % (img, i),
                  "-device", disk_device(bus, "x%d" % i)]
    m = boot_to_shell("nvme_arrange_less", machine="q35", cd="scsi",
                      extra=extra)
    try:
        with c.test("names_stay_when_a_controller_is_taken_away"):
            out = m.cmd("lsblk")
            names = re.findall(r"^(\S+)\s+\d+,\d+", out, re.M)
            assert names == ["rd0", "rd1", "sd0", "nvme00:06.0n1"], out
            for dname, disk, _ in (disks[0], disks[3]):
                out = m.cmd("read %s 7" % dname)
                want = pattern_sector(disk, 7)[:16]
                assert " ".join("%02x" % b for b in want[:8]) in out, \
                    "%s block 7 is not its own:\n%s" % (dname, out)
    finally:
        m.close()
    return res + c.results


@scenario("nvme_4k")
def nvme_4k():
    """A namespace of 4096-byte sectors beside one of 512: listed with its
    sector size; whole sectors work raw and cached, pieces are EINVAL;
    the host finds the sectors written, and nothing else changed."""
    c = Checks("nvme_4k")
    d = os.path.join(BUILD, "scenarios", "nvme_4k")
    os.makedirs(d, exist_ok=True)
    n4, id4, _ = nvme_disk(5, 1)
    n5, id5, _ = nvme_disk(5, 2)
    nblk4, nblk5 = 8192, 4096 + 1
    img4, img5 = os.path.join(d, "4k.img"), os.path.join(d, "512.img")
    make_image(img4, id4, nblk4)
    make_image(img5, id5, nblk5)
    extra = nvme_controller(5) + [
        "-drive", "file=%s,format=raw,if=none,id=n4" % img4,
        "-device", "nvme-ns,drive=n4,bus=nv5,nsid=1,"
        "logical_block_size=4096,physical_block_size=4096",
        "-drive", "file=%s,format=raw,if=none,id=n5" % img5,
        "-device", "nvme-ns,drive=n5,bus=nv5,nsid=2"]
    results, out, complete = boot_to_results(
        "nvme_4k", 300, machine="q35", cd="scsi", extra=extra,
        args="test=disk_all*,nvme_4k_* panic=exit disks=nvme diskcount=2 "
        "debug=nvme")
    if complete:
        with c.test("debug_nvme_prints_each_command_and_its_completion"):
            assert re.search(r"^%s: cid \d+ READ block 16 count 8$" %
                             re.escape(n4), out, re.M), out[-3000:]
            assert re.search(r"^%s: cid \d+ done, status 0001$" %
                             re.escape(n4), out, re.M), out[-3000:]
        with c.test("the_4k_namespace_attaches_with_its_sector_size"):
            assert re.search(r"^%s: QEMU NVMe Ctrl, 4 MiB, 4096-byte "
                             r"sectors, " % re.escape(n4), out, re.M), out
        with c.test("the_4k_image_holds_what_the_kernel_wrote_and_no_more"):
            with open(img4, "rb") as f:
                data = f.read()
            assert len(data) == nblk4 * 512, "image size changed"
            for lba in range(nblk4):
                want = id4 + 100 if 32 <= lba < 56 else id4
                assert data[lba * 512:(lba + 1) * 512] == \
                    pattern_sector(want, lba), \
                    "sector %d: not the pattern of %d" % (lba, want)
        with c.test("the_512_namespace_beside_it_is_untouched"):
            with open(img5, "rb") as f:
                data = f.read()
            for lba in range(nblk5):
                assert data[lba * 512:(lba + 1) * 512] == \
                    pattern_sector(id5, lba), "sector %d changed" % lba
    return results + c.results


@scenario("big_nvme")
def big_nvme():
    """Namespaces of 4 GiB, 4 GiB + 5 sectors, 200 GiB and 2.5 TiB on one
    controller, sparse images: every edge block read, written, checked."""
    return bigdisk_scenario("big_nvme", "nvme",
                            disks=[nvme_disk(5, n) for n in range(1, 5)],
                            devices=nvme_controller(5))


@scenario("nvme_shell")
def nvme_shell():
    """The shell on NVMe: lsblk's rows; a namespace of 4096-byte sectors
    read and written a block at a time (its sector read, changed, written
    back); a program's raw reads of whole sectors, EINVAL for less; a
    flush that fails (blkdebug, once) named with EIO, and the next sync
    works; the requests' trace read by blkparse and btt."""
    c = Checks("nvme_shell")
    d = os.path.join(BUILD, "scenarios", "nvme_shell")
    os.makedirs(d, exist_ok=True)
    n1, id1, _ = nvme_disk(5, 1)
    n2, id2, _ = nvme_disk(5, 2)
    img1, img2 = os.path.join(d, "n1.img"), os.path.join(d, "n2.img")
    make_image(img1, minor_of(id1), 4096)  # verify: id = the minor
    make_image(img2, id2, 4096)
    n3, id3, _ = nvme_disk(5, 3)  # 8 MiB, a GPT of 4096-byte sectors
    img3 = os.path.join(d, "n3.img")
    make_image(img3, id3, 16384)
    gpt_4k(img3, [(256, 767, "first"), (1024, 1791, "")])
    cfg = os.path.join(d, "flush.cfg")
    with open(cfg, "w") as f:
        f.write('[inject-error]\nevent = "flush_to_disk"\nerrno = "5"\n'
                'once = "on"\n')
    extra = nvme_controller(5) + [
        "-drive", "file=blkdebug:%s:%s,format=raw,if=none,id=n1" % (
            cfg, img1),
        "-device", "nvme-ns,drive=n1,bus=nv5,nsid=1",
        "-drive", "file=%s,format=raw,if=none,id=n2" % img2,
        "-device", "nvme-ns,drive=n2,bus=nv5,nsid=2,"
        "logical_block_size=4096,physical_block_size=4096",
        "-drive", "file=%s,format=raw,if=none,id=n3" % img3,
        "-device", "nvme-ns,drive=n3,bus=nv5,nsid=3,"
        "logical_block_size=4096,physical_block_size=4096"]
    m = boot_to_shell("nvme_shell", machine="q35", cd="scsi", monitor=True,
                      extra=extra)
    try:
        with c.test("lsblk_lists_each_namespace_with_its_sector_size"):
            out = m.cmd("lsblk")
            for name, dev_, size, nblk, sec in (
                    (n1, id1, "2 MiB", 4096, 512),
                    (n2, id2, "2 MiB", 4096, 4096)):
                row = r"^%s\s+6,%d\s+%s\s+%d\s+%d\s+512 KiB\s+pci " \
                    r"00:05.0 namespace %s\s+QEMU NVMe Ctrl$" % (
                        re.escape(name), dev_ & 0xFFFFFF, size, nblk, sec,
                        name[-1])
                assert re.search(row, out, re.M), "no %r in:\n%s" % (row,
                                                                   out)
        with c.test("a_gpt_of_4k_sectors_gives_partitions_in_blocks"):
            out = m.cmd("lsblk")
            for num, blk, nblk, label in ((1, 2048, 4096, ' "first"'),
                                          (2, 8192, 6144, "")):
                row = r"^`-%sp%d\s+4,\d+\s+[\d.]+ MiB\s+%d\s+4096\s+512 " \
                    r"KiB\s+%s at block %d\s+Linux filesystem%s$" % (
                        re.escape(n3), num, nblk, re.escape(n3), blk,
                        re.escape(label))
                assert re.search(row, out, re.M), "no %r in:\n%s" % (row,
                                                                   out)
            out = m.cmd("read %sp2 9" % n3)  # block 8192 + 9 of the disk
            want = pattern_sector(id3, 8192 + 9)
            assert " ".join("%02x" % b for b in want[:8]) in out, out
        with c.test("a_block_of_a_4k_sector_is_read_and_written_alone"):
            out = m.cmd("read %s 9" % n2)
            want = pattern_sector(id2, 9)
            assert " ".join("%02x" % b for b in want[:8]) in out, out
            out = m.cmd("write %s 9 hello" % n2)
            assert out.strip() == "wrote 1 blocks (512 B) to %s at block " \
                "9" % n2, out
            out = m.cmd("read %s 9" % n2)
            assert "|hellohellohello" in out, out
        with c.test("a_program_reads_whole_sectors_raw_and_gets_einval_for_"
                    "less"):
            out = m.cmd("run dd if=/dev/r%s of=/dev/null bs=4K count=8" % n2)
            assert "8+0 records out" in out, out
            out = m.cmd("run dd if=/dev/r%s of=/dev/null bs=512 count=1" % n2)
            assert "EINVAL" in out, out
        with c.test("the_trace_of_nvme_requests_reads_in_blkparse_and_btt"):
            m.cmd("trace on %s" % n1)
            out = m.cmd("verify %s 0 2048" % n1, timeout=60)
            assert " ok from block 0" in out, out
            m.cmd("trace off")
            outdir = os.path.join(d, "trace")
            conv = trace_dump(m, outdir)
            assert os.path.exists(os.path.join(outdir, "%s.blktrace.0" % n1)),\
                conv
            lines, binfile = blkparse(outdir, n1)
            ev = [e for e in (BLKPARSE_LINE.match(x) for x in lines) if e]
            for a in "QDC":
                got = [e for e in ev if e.group(7) == a]
                assert len(got) == 32, "%d %s records:\n%s" % (
                    len(got), a, "\n".join(lines[:40]))
            d2c, n, txt = btt_d2c(binfile, outdir)
            assert n == 32 and d2c > 0, txt
        with c.test("a_failed_flush_is_named_and_the_next_sync_works"):
            out = m.cmd("write %s 5 hello" % n1)
            out = m.cmd("sync")
            assert re.search(r"^%s: flush: media error: write fault \(type "
                             r"2 code 80h\): EIO$" % re.escape(n1), out,
                             re.M), out
            assert re.search(r"^sync: EIO", out, re.M), out
            out = m.cmd("sync")
            assert out.strip() == "sync: 0 buffers written, device caches " \
                "flushed", out
        with c.test("nvme_counts_each_controller_once"):
            out = m.cmd("nvme")
            assert re.fullmatch(
                r"nvme00:05.0: \d+ commands \(\d+ flush\), \d+ most in "
                r"flight, \d+ submission and \d+ completion doorbells, \d+ "
                r"interrupts, 1 errors, 0 timeouts, 0 resets, 0 lost "
                r"interrupts", out.strip()), out
        m.cmd("sync")
        m.send("halt\r")
        m.wait_exit(60)
    finally:
        m.close()
    with c.test("the_4k_image_changed_in_block_9_alone"):
        with open(img2, "rb") as f:
            data = f.read()
        for lba in range(4096):
            want = (b"hello" * 103)[:512] if lba == 9 else \
                pattern_sector(id2, lba)
            assert data[lba * 512:(lba + 1) * 512] == want, \
                "sector %d: %r..." % (lba, data[lba * 512:lba * 512 + 16])
    with c.test("the_512_image_changed_in_block_5_alone"):
        with open(img1, "rb") as f:
            data = f.read()
        for lba in range(4096):
            want = (b"hello" * 103)[:512] if lba == 5 else \
                pattern_sector(minor_of(id1), lba)
            assert data[lba * 512:(lba + 1) * 512] == want, \
                "sector %d: %r..." % (lba, data[lba * 512:lba * 512 + 16])
    return c.results


def gpt_4k(img, parts):
    """A GPT in 4096-byte sectors over img, as sfdisk writes one on a
    4096-byte-sector device (Debian 12's util-linux has no --sector-size
    for an image file; on a loop device with --sector-size 4096 it makes
    this layout): protective MBR, header at sector 1, 128 entries from
    sector 2, the backup at the end.  parts: (first, last, name) in
    sectors, type Linux filesystem."""
    ss = 4096
    nsect = os.path.getsize(img) // ss
    linux = uuid.UUID("0FC63DAF-8483-4772-8E79-3D69D8477DE4").bytes_le
    ents = b"".join(
        linux + uuid.UUID(int=i + 1).bytes_le +
        struct.pack("<QQQ", first, last, 0) +
        name.encode("utf-16-le").ljust(72, b"\0")
        for i, (first, last, name) in enumerate(parts)).ljust(128 * 128,
                                                             b"\0")
    ecrc = zlib.crc32(ents)

    def header(me, alt, at):
        h = struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x10000, 92, 0,
                        0, me, alt, 6, nsect - 6, uuid.UUID(int=7).bytes_le,
                        at, 128, 128, ecrc)
        return h[:16] + struct.pack("<I", zlib.crc32(h)) + h[20:]
    mbr = bytearray(512)
    mbr[446:462] = struct.pack("<B3sB3sII", 0, b"\0\2\0", 0xEE,
                               b"\xff\xff\xff", 1, min(nsect - 1,
                                                     0xFFFFFFFF))
    mbr[510:512] = b"\x55\xaa"
    with open(img, "r+b") as f:
        f.write(mbr)
        f.seek(ss)
        f.write(header(1, nsect - 1, 2))
        f.seek(2 * ss)
        f.write(ents)
        f.seek((nsect - 5) * ss)
        f.write(ents)
        f.seek((nsect - 1) * ss)
        f.write(header(nsect - 1, 1, nsect - 5))


def minor_of(dev_t):
    """The shell's `verify` and `write lba` use a device's minor as the
    pattern id."""
    return dev_t & 0xFFFFFF
