"""tests/scenarios/makerun.py: `make run` as a newcomer uses it: scratch
disks made on first use and kept (what was written is there at the next
run), on AHCI by default and on IDE with MACHINE=pc; one's own image with
DISK=; bad options said before QEMU starts."""

import os
import re
import shutil
import subprocess

from harness import BUILD, ROOT, Checks, Console, PROMPT, scenario


def make_run(name, d, *opts):
    return Console(name, ["make", "-s", "run", "DISK_DIR=" + d] + list(opts))


@scenario("make_run")
def make_run_scenario():
    c = Checks("make_run")
    d = os.path.join(BUILD, "scenarios", "make_run")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    m = make_run("make_run_q35", d, "DISK_SIZE=64M")
    try:
        with c.test("scratch_disks_are_made_and_attached_on_ahci"):
            m.expect(re.escape(PROMPT), 120)
            for i in range(2):
                assert "run: %s/disk%d.img: a new 64 MiB scratch disk" % (
                    d, i) in m.buf, m.buf
            assert re.search(r"^sd1: QEMU HARDDISK, 64 MiB, LBA48, NCQ",
                             m.buf, re.M), m.buf
            out = m.cmd("lsblk")
            assert re.search(r"^sd0\s+3,0\s+64 MiB\s+131072\s", out, re.M), \
                out
        with c.test("a_write_and_sync_reach_the_image"):
            out = m.cmd("write sd0 5 hello").strip()
            assert out == "wrote 1 blocks (512 B) to sd0 at block 5", out
            m.cmd("sync")
            m.send("halt\r")
            m.wait_exit(60)
            with open(os.path.join(d, "disk0.img"), "rb") as f:
                f.seek(5 * 512)
                got = f.read(512)
                assert got == (b"hello" * 103)[:512], \
                    "block 5 of the image: %r" % got[:40]
    finally:
        m.close()
    m = make_run("make_run_again", d, "DISK_SIZE=1G")
    try:
        with c.test("the_disks_are_kept_between_runs"):
            m.expect(re.escape(PROMPT), 120)
            assert "a new" not in m.buf, m.buf
            assert "run: %s/disk0.img: 64 MiB, kept (DISK_SIZE=1G applies " \
                "to new ones: delete it for one)" % d in m.buf, m.buf
            out = m.cmd("read sd0 5")
            assert out.startswith("00000a00  68 65 6c 6c 6f 68 65 6c  6c 6f "
                                  "68 65 6c 6c 6f 68  |hellohellohelloh|"), \
                out
    finally:
        m.close()
    m = make_run("make_run_pc", d, "MACHINE=pc", "DISKS=1")
    try:
        with c.test("machine_pc_attaches_them_on_ide"):
            m.expect(re.escape(PROMPT), 120)
            assert re.search(r"^wd0: QEMU HARDDISK, 64 MiB, LBA48, .*", m.buf,
                             re.M), m.buf
            assert "wd1: QEMU HARDDISK" not in m.buf, m.buf
    finally:
        m.close()
    img = os.path.join(d, "own.img")
    with open(img, "wb") as f:
        f.truncate(8 << 20)
    m = make_run("make_run_own", d, "DISK=" + img)
    try:
        with c.test("an_image_of_ones_own_with_disk"):
            m.expect(re.escape(PROMPT), 120)
            assert "run: sd0: %s" % img in m.buf, m.buf
            assert re.search(r"^sd0: QEMU HARDDISK, 8 MiB", m.buf, re.M), \
                m.buf
    finally:
        m.close()
    for opts, want in (
            (["DISK=%s/missing.img" % d],
             "run: DISK=%s/missing.img: no such file" % d),
            (["DISKS=7"], "run: DISKS=7: 0 to 6 on q35"),
            (["DISK_SIZE=lots"], "run: DISK_SIZE=lots: not a size "
             "(say 64M, 1G, 2T)"),
            (["MACHINE=vax"], "run: MACHINE=vax: this target knows q35 "
             "(AHCI), pc (IDE) and isapc")):
        with c.test("bad_option_%s_is_said_before_qemu_starts" %
                    opts[0].split("=")[0].lower()):
            p = subprocess.run(["make", "-s", "run", "DISK_DIR=" + d] + opts,
                               cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               timeout=120, stdin=subprocess.DEVNULL)
            assert p.returncode != 0, p.stdout
            assert want in p.stdout, p.stdout
            assert "Booting" not in p.stdout and "qemu" not in \
                p.stdout.lower().replace("make run", ""), p.stdout
    return c.results
