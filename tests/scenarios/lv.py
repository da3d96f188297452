"""tests/scenarios/lv.py: logical volumes (kernel/blk/lv.c) on six AHCI
disks, the kernel's tests (tests/kernel/test_lv.c) run on them, then
every byte of every image checked from the host: stripes and concats put
each block where their rule says and nothing else changes; a mirror's
legs end identical, after a rebuild under writes too; blkdebug errors on
one leg never reach the caller.  And the shell's lv command."""

import os
import re
import shutil
import subprocess

from harness import (BUILD, Checks, boot_to_results, boot_to_shell,
                     pattern_sector, scenario)
from scenarios.disks import MAJOR_SD, dev, make_image

NBLOCKS = 32768  # 16 MiB a disk: DISK_BLOCKS in test_lv.c
MAJOR_LV, LV_WRITE_ID = 5, 400
MIRROR_ID = 0x4D49
ST_CHUNK, ST_LEGS = 16, 4
ST_WRITES = [(0, 64), (1000, 7), (1007, 100), (1107, 226),
             (131072 - 40, 40)]
CC_WRITES = [(8192 - 4, 8), (16384 - 4, 8), (49152 - 4, 4)]
CC_LEGS = [(4, 2048, 8192), (4, 10240, 8192), (5, 0, NBLOCKS)]
FAULT_READ, FAULT_WRITE, FAULT_BOTH, FAULT_BOTH_W = 5000, 6000, 7000, 7500


def lv_dev(slot):
    return dev(MAJOR_LV, slot)


def blkdebug(d, name, rules):
    """A blkdebug config failing (event, sector) pairs with EIO."""
    cfg = os.path.join(d, name + ".blkdebug")
    with open(cfg, "w") as f:
        for event, sector in rules:
            f.write('[inject-error]\nevent = "%s"\nerrno = "5"\n'
                    'sector = "%d"\n\n' % (event, sector))
    return cfg


def drives(imgs, faults=None):
    extra = []
    for i, img in enumerate(imgs):
        spec = "file=%s,format=raw,if=none,id=d%d" % (img, i)
        if faults and i in faults:
            spec = "file=blkdebug:%s:%s,format=raw,if=none,id=d%d" % (
                faults[i], img, i)
        extra += ["-drive", spec, "-device",
                  "ide-hd,drive=d%d,bus=ide.%d" % (i, i)]
    return extra


def images(d, ids, nblocks=NBLOCKS):
    paths = []
    for i, pid in enumerate(ids):
        img = os.path.join(d, "sd%d.img" % i)
        make_image(img, pid, nblocks)
        paths.append(img)
    return paths


def read_blocks(img):
    with open(img, "rb") as f:
        data = f.read()
    return [data[i:i + 512] for i in range(0, len(data), 512)]


def check_image(name, img, orig, written):
    """Every block of img is what `written` says (lba -> bytes), or else
    what it was."""
    got, was = read_blocks(img), read_blocks(orig)
    assert len(got) == len(was), "%s changed size" % name
    for lba, (g, w) in enumerate(zip(got, was)):
        want = written.get(lba, w)
        assert g == want, "%s: block %d is %s" % (
            name, lba, "not what was written" if lba in written else
            "changed, outside what was written")


def workdir(name):
    """The scenario's checks and its directory under build/."""
    d = os.path.join(BUILD, "scenarios", name)
    os.makedirs(d, exist_ok=True)
    return Checks(name), d


def run(name, extra, args, c):
    results, out, complete = boot_to_results(
        name, 300, machine="q35", cd="scsi", extra=extra,
        args="panic=exit disks=sd diskcount=6 " + args)
    c.results += results
    return out if complete else None


@scenario("lv_layout")
def lv_layout():
    c, d = workdir("lv_layout")
    imgs = images(d, [dev(MAJOR_SD, i) for i in range(6)])
    subprocess.run(["sfdisk", "-q", imgs[4]], check=True, text=True,
                   input="label: dos\nstart=2048, size=8192, type=83\n"
                         "start=10240, size=8192, type=83\n")
    for img in imgs:
        shutil.copyfile(img, img + ".orig")
    out = run("lv_layout", drives(imgs),
              "test=lv_layout_* rdsize=64M "
              "lv=st0:stripe:sd0,sd1,sd2,sd3:chunk=8K "
              "lv=cc0:concat:sd4p1,sd4p2,sd5", c)
    if out is None:
        return c.results
    with c.test("volumes_are_announced_at_boot"):
        for pat in (r"^lv: st0: stripe of sd0,sd1,sd2,sd3, 64 MiB$",
                    r"^lv: cc0: concat of sd4p1,sd4p2,sd5, 24 MiB$"):
            assert re.search(pat, out, re.M), "no %r in:\n%s" % (pat, out)
    with c.test("stripe_chunks_land_where_the_striping_rule_puts_them"):
        written = [dict() for _ in range(6)]
        for blk, n in ST_WRITES:
            for b in range(blk, blk + n):
                ch = b // ST_CHUNK
                leg, lblk = ch % ST_LEGS, ch // ST_LEGS * ST_CHUNK + \
                    b % ST_CHUNK
                written[leg][lblk] = pattern_sector(
                    lv_dev(0) + LV_WRITE_ID, b)
        for leg in range(4):
            check_image("sd%d" % leg, imgs[leg], imgs[leg] + ".orig",
                        written[leg])
    with c.test("concat_writes_split_at_the_legs_boundaries"):
        written = {4: {}, 5: {}}
        for blk, n in CC_WRITES:
            for b in range(blk, blk + n):
                base = 0
                for disk, start, size in CC_LEGS:
                    if b < base + size:
                        written[disk][start + b - base] = pattern_sector(
                            lv_dev(1) + LV_WRITE_ID, b)
                        break
                    base += size
        for disk in (4, 5):
            check_image("sd%d" % disk, imgs[disk], imgs[disk] + ".orig",
                        written[disk])
    with c.test("bad_configurations_say_why"):
        for pat in (r"^lv: x0: ENXIO: nosuch: no such device \(see lsblk\)$",
                    r"^lv: x0: EINVAL: rd0 is named twice$",
                    r"^lv: x0: EBUSY: sd0 is in use by st0$",
                    r"^lv: x0: EBUSY: sd4 holds sd4p1, which is in use$",
                    r"^lv: x0: EINVAL: a volume cannot be built on itself$",
                    r"^lv: x0: EINVAL: a mirror has 2 or 3 legs$",
                    r"^lv: x0: EINVAL: chunk .*: not a power-of-two "
                    r"multiple of 512 bytes$",
                    r"^lv: st0: EEXIST: a device of that name exists$",
                    r"^lv: x0: EINVAL: a chunk size is for stripes$",
                    r"^lv: x0: the legs differ in size: rd0 uses 24 MiB of "
                    r"its 64 MiB$",
                    r"^lv: cc0: EBUSY: in use by x0$",
                    r"^lv: nosuch: ENXIO: no such volume \(see lv list\)$"):
            assert re.search(pat, out, re.M), "no %r in:\n%s" % (pat, out)

    # the shell: two disks, a stripe made, used through the cache, shown,
    # removed; bad commands say why
    m = boot_to_shell("lv_shell", machine="q35", cd="scsi",
                      extra=drives(imgs[:3]))
    try:
        with c.test("lv_create_list_status_and_remove_from_the_shell"):
            out = m.cmd("lv create s0 stripe sd0,sd1 chunk=4K")
            assert out.strip() == "lv: s0: stripe of sd0,sd1, 32 MiB", out
            out = m.cmd("lv list")
            assert re.search(r"^s0\s+stripe\s+32 MiB\s+4 KiB\s+sd0,sd1$",
                             out, re.M), out
            out = m.cmd("lsblk")
            assert re.search(r"^s0\s+5,0\s+32 MiB\s+65536\s+512\s+\S+ \S+\s+"
                             r"sd0,sd1\s+stripe, 4 KiB chunks$", out,
                             re.M), out
            out = m.cmd("write s0 9 lba")
            out = m.cmd("sync")
            # a program on the volume, raw and through the cache: a copy
            # across chunks (4 KiB) reads back equal
            out = m.cmd("run dd if=/dev/rs0 of=/dev/rs0 bs=6K count=3 "
                        "seek=100")
            assert out.startswith("3+0 records in\n3+0 records out\n"
                                  "18432 bytes (18 kB, 18 KiB) copied"), out
            out = m.cmd("run cmp -n 18432 /dev/s0 /dev/rs0 0 614400")
            assert out == "", out
            out = m.cmd("run utest eof /dev/s0")
            assert "size: %d\n" % (32 << 20) in out and \
                "pread across the end: 1024\n" in out, out
            # open in a process: not removed under it
            start = len(m.buf)
            pid = re.search(r"\[(\d+)\]",
                            m.cmd("run utest holdopen /dev/rs0 600 &"))
            for _ in range(100):
                if "open: 3\n" in m.buf[start:]:
                    break
                m.cmd("jobs")
            # (the program's "open: 3" may come after the prompt, and so
            # before this command's echo: look for the line itself)
            out = m.cmd("lv remove s0")
            assert re.search(r"^lv: s0: EBUSY: open in a process$", out,
                             re.M), out
            m.cmd("kill %s" % pid.group(1))
            for _ in range(100):
                if "utest" not in m.cmd("jobs"):
                    break
            else:
                raise AssertionError("the program holding s0 lives on")
            out = m.cmd("lv status s0")
            assert re.search(r"^s0: stripe, 32 MiB, \d+ requests in \d+ "
                             r"pieces, \d+ waited for the pool$", out,
                             re.M), out
            assert re.search(r"^  sd1\s+ok\s+0 errors$", out, re.M), out
            out = m.cmd("lv remove s0")
            assert out.strip() == "lv: s0: removed", out
            out = m.cmd("lsblk")
            assert "s0" not in out, "s0 still listed:\n" + out
        with c.test("bad_lv_commands_say_why"):
            for cmd, want in (
                    ("lv create s1 raid5 sd0,sd1",
                     "lv: s1: EINVAL: raid5: the type is concat, stripe "
                     "or mirror"),
                    ("lv create s1 stripe sd0,sd1 chunk=5K",
                     "lv: s1: EINVAL: chunk 5 KiB: not a power-of-two "
                     "multiple of 512 bytes"),
                    ("lv create s1 concat sd0,sd9",
                     "lv: s1: ENXIO: sd9: no such device (see lsblk)"),
                    ("lv remove s9",
                     "lv: s9: ENXIO: no such volume (see lv list)"),
                    ("lv resync s9",
                     "lv: s9: ENXIO: no such volume (see lv list)")):
                out = m.cmd(cmd)
                assert out.strip() == want, "%s: %r" % (cmd, out)
            out = m.cmd("lv frobnicate")
            assert out.startswith("usage: lv "), out
        with c.test("a_mirror_leg_replaced_from_the_shell_is_rebuilt"):
            out = m.cmd("lv create m mirror sd0,sd1 clean")
            assert out.strip() == "lv: m: mirror of sd0,sd1, 16 MiB", out
            out = m.cmd("lv fail m sd1")
            assert out.strip() == "lv: m: sd1 marked failed by hand", out
            out = m.cmd("lv resync m sd0 sd2")
            assert out.strip() == "lv: m: EBUSY: sd0 is the only healthy " \
                "leg", out
            out = m.cmd("lv resync m sd1 sd2 wait")
            lines = out.strip().splitlines()
            assert lines[:2] == ["lv: m: sd2 replaces sd1",
                                 "lv: m: rebuilding from sd0"], out
            assert re.match(r"lv: m: rebuild done: 1 leg in sync, 16 MiB "
                            r"in \d+ ms$", lines[2]), out
            out = m.cmd("lv status m")
            assert re.search(r"^  sd0\s+ok\s+0 errors\n  sd2\s+ok\s+0 "
                             r"errors$", out, re.M), out
            out = m.cmd("lv remove m")
            assert out.strip() == "lv: m: removed", out
    finally:
        m.close()
    with c.test("the_replacing_leg_holds_the_mirror_byte_for_byte"):
        with open(imgs[0], "rb") as f, open(imgs[2], "rb") as g:
            assert f.read() == g.read(), "sd2 is not sd0"
    # the stripe's block 9 (chunk 1, on sd1 at its block 1)
    with c.test("the_shells_write_went_where_the_rule_puts_it"):
        blocks = read_blocks(imgs[1])
        # (the shell's pattern id is the device's minor)
        assert blocks[1] == pattern_sector(0, 9), \
            "sd1 block 1 is not s0 block 9"
    return c.results


def stripe_blocks(imgs, chunk):
    """The blocks of a stripe of these images, in the volume's order."""
    legs = [read_blocks(i) for i in imgs]
    out, n = [], len(legs[0]) // chunk * chunk
    for ch in range(n * len(legs) // chunk):
        leg, at = ch % len(legs), ch // len(legs) * chunk
        out += legs[leg][at:at + chunk]
    return out


@scenario("lv_mirror")
def lv_mirror():
    c, d = workdir("lv_mirror")
    # st0 (sd0, sd1) and st1 (sd2, sd3) start the same: m0 is clean
    ids = [dev(MAJOR_SD, i) for i in (0, 1, 0, 1, 4, 5)]
    imgs = images(d, ids)
    shutil.copyfile(imgs[4], imgs[4] + ".orig")
    out = run("lv_mirror", drives(imgs),
              "test=lv_mirror_* lv=st0:stripe:sd0,sd1:chunk=16K "
              "lv=st1:stripe:sd2,sd3:chunk=16K lv=m0:mirror:st0,st1:clean "
              "lv=m1:mirror:sd4,sd5", c)
    if out is None:
        return c.results
    with c.test("a_mirror_of_stripes_leaves_the_stripes_identical"):
        a, b = stripe_blocks(imgs[0:2], 32), stripe_blocks(imgs[2:4], 32)
        assert len(a) == len(b) == 2 * NBLOCKS, \
            "stripes of %d and %d blocks, not %d" % (len(a), len(b),
                                                      2 * NBLOCKS)
        for lba in range(len(a)):
            assert a[lba] == b[lba], "st0 and st1 differ at block %d" % lba
        for blk in range(0, 2 * NBLOCKS, 4096):
            for x in range(blk + 100, blk + 164):
                assert a[x] == pattern_sector(lv_dev(2) + LV_WRITE_ID, x), \
                    "m0 block %d is not what was written" % x
    with c.test("a_rebuild_under_writes_leaves_the_legs_identical"):
        m1 = lv_dev(3) + LV_WRITE_ID
        written = {}
        for i in range(NBLOCKS):
            if i * 509 + 8 > NBLOCKS:
                break
            for b in range(i * 509, i * 509 + 8):
                written[b] = pattern_sector(m1, b)
        for b in range(3000, 3100):
            written[b] = pattern_sector(m1, b)
        for s in (10, 50, 90, 130, 170, 210, 250):  # WD_STRETCHES
            for b in range(s * 128 + 40, s * 128 + 48):
                written[b] = pattern_sector(m1, b)
        check_image("sd4", imgs[4], imgs[4] + ".orig", written)
        with open(imgs[4], "rb") as f, open(imgs[5], "rb") as g:
            assert f.read() == g.read(), "sd4 and sd5 differ"
    with c.test("rebuilds_are_reported"):
        assert re.search(r"^lv: m1: rebuilding the legs after sd4 from it$",
                         out, re.M), out
        assert len(re.findall(r"^lv: m1: rebuild done: 1 leg in sync, "
                              r"16 MiB in \d+ ms$", out, re.M)) == 3, out
        assert re.search(r"^lv: m1: sd5 marked failed by hand$", out,
                         re.M), out
    return c.results


@scenario("lv_fault")
def lv_fault():
    c, d = workdir("lv_fault")
    imgs = images(d, [MIRROR_ID] * 6)
    faults = {
        1: blkdebug(d, "sd1", [("read_aio", FAULT_READ)]),
        2: blkdebug(d, "sd2", [("read_aio", FAULT_BOTH),
                               ("write_aio", FAULT_BOTH_W)]),
        3: blkdebug(d, "sd3", [("read_aio", FAULT_BOTH),
                               ("write_aio", FAULT_BOTH_W)]),
        5: blkdebug(d, "sd5", [("write_aio", FAULT_WRITE)]),
    }
    out = run("lv_fault", drives(imgs, faults),
              "test=lv_fault_* lv=fr0:mirror:sd0,sd1:clean "
              "lv=fb0:mirror:sd2,sd3:clean lv=fw0:mirror:sd4,sd5:clean", c)
    if out is None:
        return c.results
    with c.test("a_failing_leg_is_marked_failed_once"):
        for vol, leg in (("fr0", "sd1"), ("fw0", "sd5")):
            n = len(re.findall(r"^lv: %s: %s failed \(EIO at block \d+\): "
                               r"leg marked failed, the volume goes on "
                               r"without it$" % (vol, leg), out, re.M))
            assert n == 1, "%s: %s marked failed %d times:\n%s" % (
                vol, leg, n, out)
        assert re.search(r"^lv: fb0: sd\d: EIO at block %d on the last "
                         r"healthy leg: the request fails$" % FAULT_BOTH,
                         out, re.M), out
    with c.test("the_healthy_legs_hold_every_write"):
        blocks = read_blocks(imgs[4])
        for b in range(FAULT_WRITE - 4, FAULT_WRITE + 4):
            assert blocks[b] == pattern_sector(MIRROR_ID + 2, b), \
                "sd4 block %d" % b
    return c.results


# --- real sizes: sparse images of terabytes (test_lv.c: lv_big_*)

TiB_BLOCKS = 1 << 31
BIG_N = 16


def big_at(nblocks):
    return [0, (1 << 31) - 8, (1 << 32) - 8, (1 << 32) + (1 << 30) + 3,
            nblocks - BIG_N]


def data_blocks(path):
    """{lba: bytes} of every block in the file's allocated extents that
    is not all zero (SEEK_DATA/SEEK_HOLE: a terabyte of hole is free)."""
    out = {}
    with open(path, "rb") as f:
        fd, end, pos = f.fileno(), os.path.getsize(path), 0
        while pos < end:
            try:
                pos = os.lseek(fd, pos, os.SEEK_DATA)
            except OSError:
                break
            hole = os.lseek(fd, pos, os.SEEK_HOLE)
            f.seek(pos)
            data = f.read(hole - pos)
            for i in range(0, len(data), 512):
                blk = data[i:i + 512]
                if blk.strip(b"\0"):
                    out[(pos + i) // 512] = blk
            pos = hole
    return out


@scenario("lv_big")
def lv_big():
    c, d = workdir("lv_big")
    sizes = [TiB_BLOCKS] * 4 + [2 * TiB_BLOCKS, TiB_BLOCKS]
    imgs = []
    for i, n in enumerate(sizes):
        img = os.path.join(d, "sd%d.img" % i)
        with open(img, "wb") as f:
            f.truncate(n * 512)
        imgs.append(img)
    out = run("lv_big", drives(imgs),
              "test=lv_big_* lv=bs0:stripe:sd0,sd1,sd2,sd3:chunk=64K "
              "lv=bc0:concat:sd4,sd5", c)
    if out is None:
        return c.results
    with c.test("every_block_written_is_where_the_rule_puts_it_and_"
                "nothing_else_is_written"):
        want = [dict() for _ in range(6)]
        for b0 in big_at(4 * TiB_BLOCKS):        # bs0: 128-block chunks
            for b in range(b0, b0 + BIG_N):
                ch = b // 128
                want[ch % 4][ch // 4 * 128 + b % 128] = pattern_sector(
                    lv_dev(0) + LV_WRITE_ID, b)
        for b0 in big_at(3 * TiB_BLOCKS):        # bc0: sd4, then sd5
            for b in range(b0, b0 + BIG_N):
                disk, lba = (4, b) if b < 2 * TiB_BLOCKS else \
                    (5, b - 2 * TiB_BLOCKS)
                want[disk][lba] = pattern_sector(lv_dev(1) + LV_WRITE_ID, b)
        for i, img in enumerate(imgs):
            got = data_blocks(img)
            assert set(got) == set(want[i]), \
                "sd%d: blocks written %s, expected %s" % (
                    i, sorted(set(got) ^ set(want[i]))[:8], "by the rule")
            for lba, blk in want[i].items():
                assert got[lba] == blk, "sd%d block %d" % (i, lba)
    return c.results
