"""tests/scenarios/ext2.py: the ext2 file system, from outside.

Images are made by the host's mke2fs (with -d: a tree of files the host
knows the checksums of), on whole disks, partitions (sfdisk, sgdisk)
and a volume the host splits across two disks; block sizes of 1, 2 and
4 KiB.  The guest reads them (cksum, ls, stat), writes through every
call (tests/user/fstest.c), and unmounts; then the host's e2fsck -fn
must find nothing at all, and its debugfs must read back exactly the
bytes the guest wrote."""

import os
import re
import shutil
import subprocess
import time

from harness import BUILD, Checks, boot_to_shell, scenario

MKE2FS = "/sbin/mke2fs"
E2FSCK = "/sbin/e2fsck"
DEBUGFS = "/sbin/debugfs"


def sh(*cmd):
    """A host tool's standard output (its banner on stderr left out)."""
    p = subprocess.run(list(cmd), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    assert p.returncode == 0, "%s: %s" % (" ".join(cmd), p.stderr.decode())
    return p.stdout.decode()


def mkfs(img, mib, bsize, tree=None, opts=(), size_bytes=None):
    if os.path.exists(img):
        os.remove(img)
    with open(img, "wb") as f:
        f.truncate(size_bytes or mib << 20)
    cmd = [MKE2FS, "-q", "-F", "-t", "ext2", "-b", str(bsize)] + list(opts)
    if tree:
        cmd += ["-d", tree]
    sh(*(cmd + [img]))


def drives(*imgs):
    """QEMU's arguments for imgs as q35's AHCI disks sd0, sd1, ..."""
    extra = []
    for i, img in enumerate(imgs):
        extra += ["-drive", "file=%s,format=raw,if=none,id=d%d" % (img, i),
                  "-device", "ide-hd,drive=d%d,bus=ide.%d" % (i, i)]
    return extra


def fsck(img):
    """e2fsck -fn's verdict: (clean, its output)."""
    p = subprocess.run([E2FSCK, "-fn", img], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    return p.returncode == 0, p.stdout.decode()


def dump(img, path):
    """A file's bytes as the host's debugfs reads them."""
    out = img + ".dump"
    if os.path.exists(out):
        os.remove(out)
    sh(DEBUGFS, "-R", "dump %s %s" % (path, out), img)
    with open(out, "rb") as f:
        data = f.read()
    os.remove(out)
    return data


def names(img, path):
    out = sh(DEBUGFS, "-R", "ls -p %s" % path, img)
    return {line.split("/")[5] for line in out.splitlines()
            if line.startswith("/") and len(line.split("/")) > 6}


def cksums(root, files):
    """POSIX cksum lines of the host's own files, as the guest prints
    them for the same names under /mnt."""
    out = subprocess.run(["cksum"] + files, cwd=root, stdout=subprocess.PIPE,
                         check=True).stdout.decode()
    return out.split("\n")[:-1]


def part_extract(disk, start_sector, sectors, out):
    with open(disk, "rb") as f, open(out, "wb") as o:
        f.seek(start_sector * 512)
        left = sectors * 512
        while left:
            b = f.read(min(left, 1 << 20))
            o.write(b)
            left -= len(b)


def part_insert(disk, start_sector, img):
    with open(disk, "r+b") as f, open(img, "rb") as i:
        f.seek(start_sector * 512)
        shutil.copyfileobj(i, f)


def host_tree(d):
    """Files of every kind the guest must read back: sizes around the
    block boundaries, a sparse one, links short and long, a directory
    of 2,000 names, nested directories."""
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(os.path.join(d, "many"))
    os.makedirs(os.path.join(d, "a", "b", "c"))
    files = []
    for size in (0, 1, 4095, 4096, 4097, 49152, 49153, 1 << 20, 4 << 20):
        name = "s%d" % size
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes((i * 31 + size) & 0xFF for i in range(size))
                    if size < 65536 else os.urandom(size))
        files.append(name)
    os.utime(os.path.join(d, "s1"), (978307200, 978307200))  # 2001
    with open(os.path.join(d, "sparse"), "wb") as f:
        f.seek(30 << 20)
        f.write(b"after a hole of 30 MiB")
    files.append("sparse")
    with open(os.path.join(d, "a", "b", "c", "deep"), "wb") as f:
        f.write(b"deep\n" * 1000)
    files.append("a/b/c/deep")
    for i in range(2000):
        with open(os.path.join(d, "many", "n%04d" % i), "w") as f:
            f.write("%d\n" % i)
    os.symlink("s4097", os.path.join(d, "short"))
    os.symlink("a/b/../b/c/" + "/" * 80 + "deep", os.path.join(d, "long"))
    return files


FAR_KIB = 9 << 19  # 4.5 GiB in KiB

FSTEST_GONE = {"one", "r1", "rd", "empty", "big", "d", "loop3"}
FSTEST_THERE = {"f", "rw", "two", "sl", "slong", "victim", "v2", "full",
                "host", "dd", "dlink", "loop1", "loop2", "tf", "tl"}
FSTEST_SIZES = (0, 1, 1023, 1024, 12288, 12289, 65536, 274432, 275457,
                300000)


def fstest_files_ok(img, top):
    """What fstest left, as the host's debugfs reads it: the names, and
    every byte of the files it wrote for the host."""
    got = names(img, top)
    assert FSTEST_THERE <= got and not (FSTEST_GONE & got), \
        "names in %s: %s" % (top, sorted(got))
    # utimensat's times, on the disk: the link's own (nofollow), and
    # the file's "now" (2026 or later, not the link's 2004)
    times = {}
    for name in ("tl", "tf"):
        st = sh(DEBUGFS, "-R", "stat %s/%s" % (top, name), img)
        times[name] = int(re.search(r"mtime: 0x([0-9a-f]+)", st).group(1),
                          16)
    assert times["tl"] == 1100000000 and times["tf"] > 1700000000, \
        "mtimes on the disk: %s" % times
    for size in FSTEST_SIZES:
        want = bytes((i * 13 + size) & 0xFF for i in range(size))
        data = dump(img, "%s/host/s%d" % (top, size))
        assert data == want, "%s/host/s%d: %d bytes, %s" % (
            top, size, len(data),
            "differs at %d" % next((i for i in range(min(len(data), size))
                                    if data[i] != want[i]), -1))


def fstest_run(m, where):
    out = m.cmd("run fstest %s" % where, timeout=300)
    bad = [line for line in out.splitlines() if line.startswith("not ok")]
    assert not bad and re.search(r"fstest: (\d+) of \1$", out, re.M), \
        "\n".join(bad) or out[-1500:]


@scenario("ext2_host_files")
def ext2_host_files():
    """Files the host made read back in the guest, byte for byte, on a
    GPT partition (4 KiB blocks), a whole disk with a sparse 5 GiB file
    (1 KiB blocks: triple indirect) and an MBR partition mounted
    read-only (2 KiB)."""
    c = Checks("ext2_host_files")
    d = os.path.join(BUILD, "scenarios", "ext2_host_files")
    os.makedirs(d, exist_ok=True)
    tree = os.path.join(d, "tree")
    files = host_tree(tree)
    want = cksums(tree, files)
    # sd0: GPT, partition 1 at 1 MiB, ext2 with 4 KiB blocks
    gpt, part = os.path.join(d, "gpt.img"), os.path.join(d, "p1.img")
    with open(gpt, "wb") as f:
        f.truncate(100 << 20)
    sh("sgdisk", "-n", "1:2048:+96M", "-t", "1:8300", gpt)
    mkfs(part, 96, 4096, tree)
    part_insert(gpt, 2048, part)
    # sd1: a whole disk of 6 GiB, 1 KiB blocks, files far out
    big = os.path.join(d, "big.img")
    bigtree = os.path.join(d, "bigtree")
    if os.path.exists(bigtree):
        shutil.rmtree(bigtree)
    os.makedirs(bigtree)
    with open(os.path.join(bigtree, "far"), "wb") as f:
        f.seek(100 << 20)  # past the double indirect blocks of 1 KiB
        f.write(os.urandom(300000))
    with open(os.path.join(bigtree, "large"), "wb") as f:
        f.seek((4 << 30) + 12345)  # past 4 GiB: large_file
        f.write(b"the end of a 4 GiB file")
    mkfs(big, 0, 1024, bigtree, size_bytes=6 << 30)
    want_big = cksums(bigtree, ["far"])
    # sd2: MBR, partition 1, 2 KiB blocks, mounted read-only
    mbr, p2 = os.path.join(d, "mbr.img"), os.path.join(d, "p2.img")
    with open(mbr, "wb") as f:
        f.truncate(40 << 20)
    subprocess.run(["sfdisk", "-q", mbr], input=b"start=4096, type=83\n",
                   check=True)
    mkfs(p2, 0, 2048, tree, size_bytes=(40 << 20) - 4096 * 512,
         opts=("-N", "2100"))
    part_insert(mbr, 4096, p2)
    with open(mbr, "rb") as f:
        before_ro = f.read()
    extra = drives(gpt, big, mbr)
    m = boot_to_shell("ext2_host_files", machine="q35", cd="scsi",
                      extra=extra)
    try:
        with c.test("a_gpt_partition_mounts_with_4k_blocks"):
            out = m.cmd("mount sd0p1")
            assert "mount: sd0p1 on /mnt: ext2, 96 MiB, 4 KiB blocks, " \
                "read-write" in out, out
        with c.test("every_file_reads_back_as_the_host_wrote_it"):
            out = m.cmd("cd /mnt", timeout=10)
            out = m.cmd("run cksum " + " ".join(files), timeout=300)
            got = [line for line in out.splitlines() if line[:1].isdigit()]
            assert got == want, "guest:\n%s\nhost:\n%s" % (
                "\n".join(got), "\n".join(want))
        with c.test("a_directory_of_2000_names_lists_them_all_once"):
            out = m.cmd("run ls many", timeout=120)
            got = [x for x in out.splitlines() if x.startswith("n")]
            assert got == ["n%04d" % i for i in range(2000)], \
                "%d names" % len(got)
        with c.test("links_short_and_long_are_followed"):
            out = m.cmd("run cksum short long")
            w = cksums(tree, ["short", "long"])
            assert [x for x in out.splitlines() if x[:1].isdigit()] == w, \
                out
            out = m.cmd("run ls -l short")
            assert "short -> s4097" in out, out
        with c.test("touch_sets_a_files_times_to_now_and_c_makes_nothing"):
            out = m.cmd("run touch s1") + m.cmd("run touch -c not-there")
            assert out.strip() == "", out
            out = m.cmd("run ls not-there")
            assert "ENOENT" in out, out
        with c.test("umount_is_refused_while_the_shell_is_in_it"):
            out = m.cmd("umount")
            assert "EBUSY" in out, out
            m.cmd("cd /")
            out = m.cmd("umount")
            assert "umount: sd0p1 unmounted" in out, out
        with c.test("a_whole_disk_with_1k_blocks_reads_past_4_gib"):
            out = m.cmd("mount sd1")
            assert "1 KiB blocks" in out, out
            out = m.cmd("run cksum /mnt/far", timeout=300)
            got = [x.replace("/mnt/", "") for x in out.splitlines()
                   if x[:1].isdigit()]
            assert got == want_big, "guest %s host %s" % (got, want_big)
            # the end of the 4 GiB file: what is past 4 GiB and the hole
            # before it
            at = (4 << 30) + 12345 - 40
            out = m.cmd("run hexdump -C -s %d /mnt/large" % at, timeout=60)
            host = subprocess.run(
                ["hexdump", "-C", "-s", str(at),
                 os.path.join(bigtree, "large")], stdout=subprocess.PIPE,
                check=True).stdout.decode()
            assert out.strip() == host.strip(), \
                "guest:\n%s\nhost:\n%s" % (out, host)
            out = m.cmd("umount")
            assert "unmounted" in out, out
        with c.test("a_read_only_mount_reads_and_refuses_writes"):
            out = m.cmd("mount sd2p1 ro")
            assert "2 KiB blocks, read-only" in out, out
            out = m.cmd("run cksum /mnt/s4097 /mnt/a/b/c/deep")
            got = [x.replace("/mnt/", "") for x in out.splitlines()
                   if x[:1].isdigit()]
            assert got == cksums(tree, ["s4097", "a/b/c/deep"]), out
            out = m.cmd("run touch /mnt/new")
            assert "touch: /mnt/new: EROFS: read-only" in out, out
            out = m.cmd("run rm /mnt/s1")
            assert "rm: /mnt/s1: EROFS: read-only" in out, out
            out = m.cmd("umount")
            assert "unmounted" in out, out
    finally:
        m.close()
    with c.test("e2fsck_finds_every_file_system_clean"):
        part_extract(gpt, 2048, 96 << 11, part)
        for img in (part, big):
            ok, out = fsck(img)
            assert ok, "%s:\n%s" % (img, out)
    with c.test("the_read_only_mount_wrote_nothing"):
        with open(mbr, "rb") as f:
            assert f.read() == before_ro, "the image changed"
    with c.test("touch_is_on_the_disk"):
        # s1 came from the host dated 2001 (host_tree)
        st = sh(DEBUGFS, "-R", "stat /s1", part)
        t = [int(x, 16) for x in re.findall(r"[am]time: 0x([0-9a-f]+)", st)]
        assert len(t) == 2 and min(t) > 1700000000, st
    return c.results


@scenario("ext2_guest_writes")
def ext2_guest_writes():
    """fstest's rules on a whole disk (1 KiB blocks), an MBR partition
    (4 KiB) and a concatenation of two disks (2 KiB, its block groups
    across both); e2fsck clean and debugfs reading back every byte."""
    c = Checks("ext2_guest_writes")
    d = os.path.join(BUILD, "scenarios", "ext2_guest_writes")
    os.makedirs(d, exist_ok=True)
    disk, mbr, p1 = (os.path.join(d, n) for n in
                     ("disk.img", "mbr.img", "p1.img"))
    mkfs(disk, 64, 1024)
    with open(mbr, "wb") as f:
        f.truncate(80 << 20)
    subprocess.run(["sfdisk", "-q", mbr], input=b"start=2048, type=83\n",
                   check=True)
    mkfs(p1, 0, 4096, size_bytes=(80 << 20) - 2048 * 512)
    part_insert(mbr, 2048, p1)
    # the volume: one file system cut in two, each half a disk
    vol = os.path.join(d, "vol.img")
    mkfs(vol, 96, 2048)
    halves = [os.path.join(d, "leg%d.img" % i) for i in (0, 1)]
    with open(vol, "rb") as f:
        for h in halves:
            with open(h, "wb") as o:
                o.write(f.read(48 << 20))
    extra = drives(disk, mbr, *halves)
    m = boot_to_shell("ext2_guest_writes", machine="q35", cd="scsi",
                      args="root=sd0", extra=extra)
    try:
        with c.test("root_mounts_the_disk_at_boot"):
            assert "root: sd0 mounted on /mnt (ext2, 1 KiB blocks, " \
                "read-write)" in m.buf, m.buf[-2000:]
        with c.test("fstest_on_a_whole_disk_with_1k_blocks"):
            fstest_run(m, "/mnt/t")
        with c.test("a_file_written_past_4_gib_with_1k_blocks"):
            # 4.5 GiB in: triple indirect blocks, large_file; a hole
            # before it
            out = m.cmd("run dd if=/bin/ls of=/mnt/far bs=1K count=3 "
                        "seek=%d" % FAR_KIB, timeout=60)
            assert "3072 bytes" in out, out
            out = m.cmd("run stat /mnt/far")
            assert "Size: %d " % ((FAR_KIB + 3) << 10) in out, out
            out = m.cmd("umount")
            assert "unmounted" in out, out
        with c.test("fsx_four_processes_side_by_side"):
            m.cmd("mount sd0")
            out = m.cmd("run fsx -p 4 -n 80 /mnt/fsx", timeout=300)
            assert "fsx: 4 processes: every byte verified, every file " \
                "gone" in out, out
            out = m.cmd("umount")
            assert "unmounted" in out, out
        with c.test("fstest_on_a_partition_with_4k_blocks"):
            out = m.cmd("mount sd1p1")
            assert "4 KiB blocks" in out, out
            fstest_run(m, "/mnt/t")
            out = m.cmd("df")
            assert re.search(r"^sd1p1 .* /mnt$", out, re.M), out
            out = m.cmd("umount")
            assert "unmounted" in out, out
        with c.test("fstest_on_a_volume_across_two_disks"):
            out = m.cmd("lv create c0 concat sd2,sd3")
            assert "c0" in out, out
            out = m.cmd("mount c0")
            assert "2 KiB blocks" in out, out
            fstest_run(m, "/mnt/t")
            m.cmd("cd /mnt/t")
            out = m.cmd("run dd if=/dev/zero of=zeros bs=64K count=700",
                        timeout=300)
            assert "45875200 bytes" in out, out
            m.cmd("cd /")
            out = m.cmd("mount sd0")
            assert "EBUSY" in out, out
            out = m.cmd("umount")
            assert "unmounted" in out, out
    finally:
        m.close()
    with c.test("e2fsck_finds_them_clean"):
        part_extract(mbr, 2048, (80 << 11) - 2048, p1)
        with open(vol, "wb") as o:
            for h in halves:
                with open(h, "rb") as f:
                    shutil.copyfileobj(f, o)
        for img in (disk, p1, vol):
            ok, out = fsck(img)
            assert ok, "%s:\n%s" % (img, out)
    with c.test("debugfs_reads_back_what_the_guest_wrote"):
        for img in (disk, p1, vol):
            fstest_files_ok(img, "/t")
        big = dump(vol, "/t/zeros")
        assert big == bytes(700 * 65536), "%d bytes" % len(big)
        # /far through debugfs's map of it: its size, its hole, and the
        # three blocks where the map says they are (a dump would write
        # 4.5 GiB)
        st = sh(DEBUGFS, "-R", "stat /far", disk)
        assert re.search(r"Size: %d\b" % ((FAR_KIB + 3) << 10), st), st
        with open(os.path.join(BUILD, "bin", "ls"), "rb") as f:
            want = f.read(3072)
        got = b""
        with open(disk, "rb") as f:
            for i in range(3):
                pbn = int(sh(DEBUGFS, "-R", "bmap /far %d" % (FAR_KIB + i),
                             disk).split()[-1])
                f.seek(pbn << 10)
                got += f.read(1024)
        assert got == want, "/far's last 3 KiB differ from /bin/ls's first"
        hole = sh(DEBUGFS, "-R", "bmap /far 1000", disk).split()[-1]
        assert hole == "0", "block 1000 of /far is mapped: %s" % hole
    return c.results


@scenario("ext2_refusals_and_full")
def ext2_refusals_and_full():
    """What cannot be mounted is refused with its reason (ext4's
    features by name, no file system at all), what cannot be written is
    mounted read-only; a full file system and one out of inodes give
    ENOSPC and stay clean for e2fsck."""
    c = Checks("ext2_refusals_and_full")
    d = os.path.join(BUILD, "scenarios", "ext2_refusals_and_full")
    os.makedirs(d, exist_ok=True)
    ext4, huge, small, blank = (os.path.join(d, n) for n in (
        "ext4.img", "huge.img", "small.img", "blank.img"))
    if os.path.exists(ext4):
        os.remove(ext4)
    with open(ext4, "wb") as f:
        f.truncate(32 << 20)
    sh(MKE2FS, "-q", "-F", "-t", "ext4", ext4)
    mkfs(huge, 16, 1024, opts=("-O", "huge_file"))
    mkfs(small, 4, 1024, opts=("-N", "32", "-m", "0"))
    with open(blank, "wb") as f:
        f.truncate(8 << 20)
    extra = drives(ext4, huge, small, blank)
    m = boot_to_shell("ext2_refusals_and_full", machine="q35", cd="scsi",
                      extra=extra)
    try:
        with c.test("ext4_is_refused_naming_its_features"):
            out = m.cmd("mount sd0")
            assert "mount: sd0: EINVAL: ext4 features not supported: " \
                "has_journal, extents, 64bit, flex_bg" in out, out
            out = m.cmd("mount")
            assert "nothing mounted" in out, out
        with c.test("a_disk_without_a_file_system_is_refused"):
            out = m.cmd("mount sd3")
            assert "mount: sd3: EINVAL: no ext2 file system (bad magic " \
                "number)" in out, out
        with c.test("a_feature_it_cannot_write_mounts_read_only"):
            out = m.cmd("mount sd1")
            assert "read-only: cannot write with features huge_file" \
                in out and "1 KiB blocks, read-only" in out, out
            out = m.cmd("run mkdir /mnt/x")
            assert "EROFS" in out, out
            out = m.cmd("umount")
            assert "unmounted" in out, out
        with c.test("running_out_of_inodes_says_enospc"):
            m.cmd("mount sd2")
            out = m.cmd("run mkdir /mnt/d")
            out = "".join(m.cmd("run touch " + " ".join(
                "/mnt/d/f%d" % i for i in range(k, k + 10)))
                for k in (0, 10, 20))
            assert re.search(r"touch: /mnt/d/f\d+: ENOSPC: no space left",
                             out), out
            m.cmd("run rm /mnt/d/f0")  # an inode for the next test
        with c.test("a_full_file_system_says_enospc"):
            out = m.cmd("run dd if=/dev/zero of=/mnt/fill bs=64K", timeout=120)
            assert "dd: error writing '/mnt/fill': ENOSPC" in out, out
            out = m.cmd("run df /mnt")
            assert re.search(r"^sd2 .* 100%", out, re.M), out
        with c.test("what_was_taken_comes_back"):
            m.cmd("run rm -r /mnt/d /mnt/fill")
            out = m.cmd("run df /mnt")
            assert re.search(r"^sd2 .*  [0-9]%", out, re.M), out
            out = m.cmd("umount")
            assert "unmounted" in out, out
    finally:
        m.close()
    with c.test("e2fsck_finds_the_full_one_clean"):
        ok, out = fsck(small)
        assert ok, out
    return c.results


M32 = 0xFFFFFFFF
CHUNK_TABLE = [bytes((b + j * 131) & 0xFF for j in range(4096))
               for b in range(256)]


def mix(x):
    """fsx's mix (iso/bin/fsx.c)"""
    x &= M32
    x ^= x >> 16
    x = (x * 0x7FEB352D) & M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & M32
    return x ^ (x >> 16)


def fsx_bytes(seed, size):
    """The bytes fsx writes in a file of pattern seed"""
    return b"".join(CHUNK_TABLE[mix(seed + k) & 0xFF]
                    for k in range((size + 4095) // 4096))[:size]


def fsx_bench_files(top, files, dirs):
    """{path: bytes} of what fsx -b create leaves under top"""
    return {"%s/d%02d/f%04d" % (top, i % dirs, i):
            fsx_bytes(i, 1024 + mix(i) % (63 * 1024 + 1))
            for i in range(files)}


def rdump_check(img, top, want, where):
    """Every file of want as the host's debugfs reads it from img."""
    out = os.path.join(where, "rdump")
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    sh(DEBUGFS, "-R", "rdump %s %s" % (top, out), img)
    base = os.path.dirname(top.rstrip("/"))
    bad = []
    for path, data in want.items():
        local = os.path.join(out, os.path.relpath(path, base))
        try:
            with open(local, "rb") as f:
                got = f.read()
        except OSError as e:
            bad.append("%s: %s" % (path, e))
            continue
        if got != data:
            bad.append("%s: %d bytes, meant %d" % (path, len(got),
                                                     len(data)))
    assert not bad, "%d of %d files differ: %s" % (len(bad), len(want),
                                                    "; ".join(bad[:5]))


@scenario("ext2_crash")
def ext2_crash():
    """QEMU killed: after sync nothing synced is lost and e2fsck -fn
    finds nothing; in the middle of writes e2fsck -fy repairs what was
    in flight and what was synced before is intact."""
    c = Checks("ext2_crash")
    d = os.path.join(BUILD, "scenarios", "ext2_crash")
    os.makedirs(d, exist_ok=True)
    img = os.path.join(d, "disk.img")
    mkfs(img, 128, 4096)
    want = fsx_bench_files("/synced", 300, 10)
    drive = drives(img)
    m = boot_to_shell("ext2_crash", machine="q35", cd="scsi", extra=drive,
                      args="root=sd0")
    try:
        with c.test("files_written_and_synced"):
            out = m.cmd("run fsx -b create -n 300 -d 10 /mnt/synced",
                        timeout=300)
            assert "fsx: create: 300 files" in out, out
    finally:
        m.close()  # SIGKILL: no unmount, nothing more written
    with c.test("after_sync_and_a_kill_e2fsck_finds_nothing"):
        ok, out = fsck(img)
        assert ok, out
    with c.test("after_sync_and_a_kill_every_file_is_there"):
        rdump_check(img, "/synced", want, d)
    m = boot_to_shell("ext2_crash_busy", machine="q35", cd="scsi",
                      extra=drive, args="root=sd0")
    try:
        with c.test("a_mount_after_a_crash_says_so"):
            assert "not cleanly unmounted" in m.buf, m.buf[-1500:]
        with c.test("writes_under_way_when_killed"):
            # three writers with some 25 s of work; killed two seconds
            # in (what state they are in does not matter: whatever it is,
            # e2fsck must repair it and the synced files must be there)
            out = m.cmd("run fsx -p 3 -n 3000 -s 16384 /mnt/busy &")
            assert "[" in out, out
            time.sleep(2)
    finally:
        m.close()
    with c.test("e2fsck_fy_repairs_what_was_in_flight"):
        p = subprocess.run([E2FSCK, "-fy", img], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        out = p.stdout.decode()
        assert p.returncode in (0, 1), "e2fsck -fy: %d\n%s" % (
            p.returncode, out)
        # BSD's order: never a name of a freed inode, never an inode
        # written after the name that names it
        assert "deleted/unused inode" not in out, out
        ok, out = fsck(img)
        assert ok, "after the repair:\n" + out
    with c.test("what_was_synced_before_is_intact"):
        rdump_check(img, "/synced", want, d)
    return c.results


def ide_disk(img, *more):
    """QEMU's arguments for img as -M pc's wd1 (QEMU's options `more`
    after, a trace)"""
    return ["-drive", "file=%s,format=raw,if=none,id=d0" % img, "-device",
            "ide-hd,drive=d0,bus=ide.0,unit=1"] + list(more)


def ext2_layout(img):
    """(block size, inode size, inodes per group, each group's inode
    table's first block), as dumpe2fs says."""
    info = sh("/sbin/dumpe2fs", img)
    bsize = int(re.search(r"^Block size:\s+(\d+)", info, re.M).group(1))
    isize = int(re.search(r"^Inode size:\s+(\d+)", info, re.M).group(1))
    ipg = int(re.search(r"^Inodes per group:\s+(\d+)", info, re.M).group(1))
    tables = [int(t) for t in re.findall(r"Inode table at (\d+)-", info)]
    return bsize, isize, ipg, tables


def dir_blocks(img, path):
    """{block: [(inode, name)]}: a directory's blocks, each with the
    entries it holds in the image."""
    ino = int(sh(DEBUGFS, "-R", "stat %s" % path, img).split(
        "Inode: ")[1].split()[0])
    blocks = [int(b) for b in sh(DEBUGFS, "-R", "blocks <%d>" % ino,
                                  img).split()]
    bsize = ext2_layout(img)[0]
    out = {}
    with open(img, "rb") as f:
        for b in blocks:
            f.seek(b * bsize)
            data, off, names = f.read(bsize), 0, []
            while off + 8 <= bsize:
                n, rec, nlen = (int.from_bytes(data[off:off + 4], "little"),
                                int.from_bytes(data[off + 4:off + 6],
                                               "little"), data[off + 6])
                if n:
                    names.append((n, data[off + 8:off + 8 + nlen].decode()))
                if rec < 8:
                    break
                off += rec
            out[b] = names
    return out


def ide_writes(log):
    """The writes QEMU's IDE disk executed, in order: [(sector, count)]
    (-trace ide_dma_cb: one line a command, or a piece of one)."""
    w = []
    with open(log) as f:
        for line in f:
            m = re.search(r"sector_num=(\d+) n=(\d+) cmd=DMA WRITE", line)
            if m and int(m.group(2)):
                w.append((int(m.group(1)), int(m.group(2))))
    return w


def writes_of(writes, block, bsize):
    """Indexes of the writes that covered a file system block."""
    lo, hi = block * bsize // 512, (block + 1) * bsize // 512
    return [i for i, (s, n) in enumerate(writes) if s < hi and s + n > lo]


@scenario("ext2_write_order")
def ext2_write_order():
    """BSD's order as the disk saw it (QEMU's own trace of IDE writes):
    every directory block's last write comes after a write of the inode
    table block of each inode it names ("..": the parent's too) and a
    new directory's first block, an
    inode's after its new indirect block, and rename's new name is on the
    disk before the old name's block is written without it.  A 1 KiB
    file system of eight groups, so names cross groups: a flush in block
    order alone would write some directory blocks first."""
    c = Checks("ext2_write_order")
    d = os.path.join(BUILD, "scenarios", "ext2_write_order")
    os.makedirs(d, exist_ok=True)
    img, log = os.path.join(d, "disk.img"), os.path.join(d, "ide.log")
    mkfs(img, 64, 1024)
    if os.path.exists(log):
        os.remove(log)
    m = boot_to_shell("ext2_write_order", machine="pc", extra=ide_disk(
        img, "-trace", "ide_dma_cb", "-D", log))
    try:
        with c.test("create_rename_and_unmount"):
            out = m.cmd("mount wd1")
            assert "read-write" in out, out
            out = m.cmd("run fsx -b create -n 120 -d 8 /mnt/t", timeout=300)
            assert "fsx: create: 120 files" in out, out
            out = m.cmd("run mv /mnt/t/d00/f0000 /mnt/t/d05/moved")
            assert out.strip() == "", out
            out = m.cmd("umount")
            assert "unmounted" in out, out
    finally:
        m.close()
    with c.test("e2fsck_finds_nothing"):
        ok, out = fsck(img)
        assert ok, out
    bsize, isize, ipg, tables = ext2_layout(img)
    writes = ide_writes(log)

    def itable_block(ino):
        g, i = divmod(ino - 1, ipg)
        return tables[g] + i * isize // bsize

    with c.test("every_name_reaches_the_disk_after_its_inode"):
        late, checked = [], 0
        for path in ["/t"] + ["/t/d%02d" % k for k in range(8)]:
            for blk, names in dir_blocks(img, path).items():
                last = max(writes_of(writes, blk, bsize), default=-1)
                assert last >= 0, "%s block %d never written" % (path, blk)
                for ino, name in names:
                    # (".": the directory's own first block; the root's
                    # inode was on the disk before)
                    if name == "." or ino < 11:
                        continue
                    t = writes_of(writes, itable_block(ino), bsize)
                    checked += 1
                    # ".." is there from the block's first write on
                    at = min(writes_of(writes, blk, bsize)) \
                        if name == ".." else last
                    if name.startswith("d") and name != "..":
                        # a directory: its first block before its name
                        first = int(sh(DEBUGFS, "-R", "blocks <%d>" % ino,
                                       img).split()[0])
                        f = writes_of(writes, first, bsize)
                        if not f or f[0] >= at:
                            late.append("%s/%s's first block %d, first "
                                        "written %s, after its name's "
                                        "block %d at %d" % (
                                            path, name, first,
                                            f[0] if f else "never", blk,
                                            at))
                    if not t or t[0] >= at:
                        late.append("%s/%s (inode %d, table block %d, "
                                    "first written %s) in block %d, "
                                    "written %d" % (path, name, ino,
                                                    itable_block(ino),
                                                    t[0] if t else "never",
                                                    blk, at))
        assert checked >= 120, "only %d names checked" % checked
        assert not late, "%d names before their inodes:\n%s" % (
            len(late), "\n".join(late[:10]))
    with c.test("an_inode_reaches_the_disk_after_its_new_indirect_block"):
        cmds = os.path.join(d, "stat.cmds")
        with open(cmds, "w") as f:
            for k in range(8):
                for blk, names in dir_blocks(img, "/t/d%02d" % k).items():
                    for ino, name in names:
                        if name.startswith("f"):
                            f.write("stat <%d>\n" % ino)
        out = sh(DEBUGFS, "-f", cmds, img)
        late, checked = [], 0
        for st in out.split("Inode: ")[1:]:
            ino = int(st.split()[0])
            ind = re.search(r"\(IND\):(\d+)", st)
            if not ind:
                continue
            ind = int(ind.group(1))
            first_ind = min(writes_of(writes, ind, bsize), default=None)
            last_t = max(writes_of(writes, itable_block(ino), bsize))
            checked += 1
            if first_ind is None or first_ind >= last_t:
                late.append("inode %d: table block last written %d, its "
                            "indirect block %d first written %s" % (
                                ino, last_t, ind, first_ind))
        assert checked >= 20, "only %d files with an indirect block" % checked
        assert not late, "%d inodes before their indirect blocks:\n%s" % (
            len(late), "\n".join(late[:10]))
    with c.test("rename_writes_the_new_name_before_removing_the_old"):
        new = [b for b, names in dir_blocks(img, "/t/d05").items()
               if any(n == "moved" for _, n in names)]
        old = list(dir_blocks(img, "/t/d00"))
        assert new and old, (new, old)
        # the old name's block is last written without the name; the
        # new name's block must have been written before that
        last_old = max(writes_of(writes, old[0], bsize))
        new_w = writes_of(writes, new[0], bsize)
        assert new_w and new_w[-1] < last_old, (
            "d05's block %d last written at %s, d00's block %d at %d" % (
                new[0], new_w[-1:] or "never", old[0], last_old))
    return c.results


def ide_commands(m):
    """The IDE channel's commands so far (the shell's `ide`)."""
    out = m.cmd("ide")
    n = re.search(r"^ide0: (\d+) commands", out, re.M)
    assert n, out
    return int(n.group(1))


@scenario("ext2_read_stream")
def ext2_read_stream():
    """Files read back in the order they lie on the disk (an untar's,
    read cold) come in a few long reads, not one or more a file: a file
    that starts where the last one read ended continues a stream, read
    ahead past it (ext2_rw.c); a file read out of that order does not."""
    c = Checks("ext2_read_stream")
    d = os.path.join(BUILD, "scenarios", "ext2_read_stream")
    os.makedirs(d, exist_ok=True)
    img = os.path.join(d, "disk.img")
    mkfs(img, 64, 4096)
    m = boot_to_shell("ext2_read_stream", machine="pc",
                      extra=ide_disk(img))
    try:
        with c.test("files_in_disk_order_come_in_long_reads"):
            assert "read-write" in m.cmd("mount wd1"), "mount"
            out = m.cmd("run fsx -b create -n 200 -d 4 /mnt/t", timeout=300)
            assert "fsx: create: 200 files" in out, out
            m.cmd("cache drop wd1")
            before = ide_commands(m)
            out = m.cmd("run fsx -b read -n 200 -d 4 /mnt/t", timeout=300)
            assert "fsx: read: 200 files" in out, out
            reads = ide_commands(m) - before
            # some 6.5 MiB in 256 KiB reads, and the directories' and
            # inode tables' blocks; one a file would be 200
            assert reads <= 100, "%d reads for 200 files" % reads
        with c.test("a_file_out_of_order_reads_only_itself"):
            m.cmd("cache drop wd1")
            before = ide_commands(m)
            out = m.cmd("run cksum /mnt/t/d01/f0101")
            assert "f0101" in out, out
            reads = ide_commands(m) - before
            # its directory's path, its inode's block, itself: no stream
            assert reads <= 8, "%d reads for one file" % reads
        with c.test("umount"):
            assert "unmounted" in m.cmd("umount"), "umount"
    finally:
        m.close()
    with c.test("e2fsck_finds_nothing"):
        ok, out = fsck(img)
        assert ok, out
    return c.results


def fuzz_base(d):
    """A small file system with every kind of metadata, and where each
    lies: [(what, first byte, bytes)]."""
    tree = os.path.join(d, "fuzztree")
    if os.path.exists(tree):
        shutil.rmtree(tree)
    os.makedirs(os.path.join(tree, "dir", "sub"))
    os.makedirs(os.path.join(tree, "many"))
    for i in range(60):
        with open(os.path.join(tree, "many", "name-%02d" % i), "w") as f:
            f.write("x" * i)
    with open(os.path.join(tree, "big"), "wb") as f:  # double indirect
        f.write(bytes(i & 0xFF for i in range(300 * 1024)))
    with open(os.path.join(tree, "dir", "sub", "small"), "w") as f:
        f.write("small\n")
    os.symlink("dir/sub/small", os.path.join(tree, "link"))
    base = os.path.join(d, "base.img")
    mkfs(base, 1, 1024, tree, opts=("-N", "128"))
    info = sh("/sbin/dumpe2fs", base)
    bb = int(re.search(r"Block bitmap at (\d+)", info).group(1))
    ib = int(re.search(r"Inode bitmap at (\d+)", info).group(1))
    it0, it1 = map(int, re.search(r"Inode table at (\d+)-(\d+)",
                                  info).groups())
    regions = [("superblock", 1024, 264), ("group descriptor", 2048, 32),
               ("block bitmap", bb * 1024, 128),
               ("inode bitmap", ib * 1024, 8),
               ("inode table", it0 * 1024, (it1 - it0 + 1) * 1024)]
    for path in ("/", "/many", "/dir", "/dir/sub"):
        for blk in sh(DEBUGFS, "-R", "blocks %s" % path, base).split():
            regions.append(("directory %s" % path, int(blk) * 1024, 1024))
    ind = re.search(r"\(IND\):(\d+)", sh(DEBUGFS, "-R", "stat /big", base))
    regions.append(("indirect block", int(ind.group(1)) * 1024, 1024))
    return base, regions


def fuzz_directed(base, d):
    """Damage that names one block in two places, which a call would
    take twice (the long fuzz found the first: a panic): a directory
    whose block is the superblock's, a double indirect block that names
    itself (freed by fswalk's truncation).  [(what, bytes)]"""
    out = []
    img = os.path.join(d, "directed.img")
    shutil.copyfile(base, img)
    sh(DEBUGFS, "-w", "-R", "set_inode_field /dir block[0] 1", img)
    with open(img, "rb") as f:
        out.append(("a directory on the superblock's block", f.read()))
    dind = int(re.search(r"\(DIND\):(\d+)",
                         sh(DEBUGFS, "-R", "stat /big", base)).group(1))
    with open(base, "rb") as f:
        data = bytearray(f.read())
    data[dind * 1024:dind * 1024 + 4] = dind.to_bytes(4, "little")
    out.append(("a double indirect block naming itself", bytes(data)))
    return out


def fuzz_image(base, regions, seed):
    """base with 1 to 8 bytes of one region changed, as seed says; the
    region's name."""
    import random
    rng = random.Random(seed)
    what, start, length = rng.choice(regions)
    with open(base, "rb") as f:
        data = bytearray(f.read())
    for _ in range(rng.randint(1, 8)):
        at = start + rng.randrange(length)
        data[at] = rng.choice((0, 0xFF, data[at] ^ (1 << rng.randrange(8)),
                               rng.randrange(256)))
    return bytes(data), what


FUZZ_PARTS = 60  # under the kernel's 64 devices in all (BDEV_MAX)


def fuzz_boot(c, name, d, base, regions, seed0, counts, bad):
    """One boot: a GPT disk of FUZZ_PARTS images, the first sound, the
    others damaged from seeds seed0 + 1 on; each mounted, walked,
    written and unmounted."""
    with open(base, "rb") as f:
        sound = f.read()
    img = os.path.join(d, "fuzz.img")
    with open(img, "wb") as f:
        f.truncate((FUZZ_PARTS + 2) << 20)
    args = []
    for p in range(1, FUZZ_PARTS + 1):
        args += ["-n", "%d:%d:+1M" % (p, 2048 * p)]
    sh("sgdisk", *args, img)
    what = {}
    directed = fuzz_directed(base, d) if seed0 == 1 else []
    with open(img, "r+b") as f:
        for p in range(1, FUZZ_PARTS + 1):
            if p == 1:
                data, what[p] = sound, "nothing"
            elif p - 2 < len(directed):
                what[p], data = directed[p - 2]
            else:
                data, what[p] = fuzz_image(base, regions, seed0 + p)
            f.seek(2048 * p * 512)
            f.write(data)
    m = boot_to_shell(name, machine="q35", cd="scsi", extra=drives(img))
    try:
        for p, w in sorted(what.items()):
            dev = "sd0p%d" % p
            why = "%s (seed %d, %s)" % (dev, seed0 + p, w)
            counts["images"] += 1
            mark = len(m.buf)
            out = m.cmd("mount %s" % dev, timeout=60)
            if "on /mnt" not in out:
                counts["refused"] += 1
                if not re.search(r"mount: %s: E[A-Z]+: \S" % dev, out) or \
                        "no such device" in out:
                    bad.append("%s: %s" % (why, out.strip()))
                continue
            counts["mounted"] += 1
            walk = m.cmd("run fswalk /mnt", timeout=120)
            out = m.cmd("umount", timeout=60)
            if "unmounted" not in out:
                bad.append("%s: umount: %s" % (why, out.strip()))
                break
            log = m.buf[mark:]
            r = re.search(r"errors: EUCLEAN (\d+), EIO (\d+)", walk)
            if not r:
                bad.append("%s: fswalk: %s" % (why, walk[-300:]))
                continue
            named = "ext2: %s: " % dev in log
            counts["named"] += named
            if (int(r.group(1)) or int(r.group(2))) and not named:
                bad.append("%s: errors, none named" % why)
            if named and "remounting read-only" not in log:
                bad.append("%s: an error named, the mount left writable"
                           % why)
            if p == 1 and (named or int(r.group(1)) or int(r.group(2))):
                bad.append("%s: the sound image: %s" % (why, walk))
        if "panic" in m.buf:
            counts["panics"] += 1
            bad.append("panic: " + m.buf[m.buf.find("panic") - 500:][:2000])
    finally:
        m.close()


def fuzz_run(name, boots, first_seed):
    c = Checks(name)
    d = os.path.join(BUILD, "scenarios", name)
    os.makedirs(d, exist_ok=True)
    base, regions = fuzz_base(d)
    counts = dict(images=0, refused=0, mounted=0, named=0, panics=0)
    bad = []
    with c.test("every_image_is_refused_with_a_reason_or_walked_with_"
                "its_errors_named_and_nothing_hangs_or_panics"):
        for b in range(boots):
            fuzz_boot(c, "%s_%d" % (name, b), d, base, regions,
                      first_seed + b * 1000, counts, bad)
        with open(os.path.join(d, "counts"), "w") as f:
            f.write("%s\n" % counts)
        assert not bad, "%s; %s" % (counts, "; ".join(bad[:6]))
    print("# %s: %s" % (name, counts))
    return c.results


@scenario("ext2_fuzz")
def ext2_fuzz():
    """295 damaged file systems (superblock, descriptors, bitmaps, inode
    table, directories, an indirect block): each is refused with its
    reason, or mounted, walked and written with every error named on the
    console and the mount made read-only at the first; no panic, no
    hang."""
    return fuzz_run("ext2_fuzz", 5, 1)


@scenario("ext2_fuzz_long", long=True)
def ext2_fuzz_long():
    """The same over 944 more seeds."""
    return fuzz_run("ext2_fuzz_long", 16, 100000)
