"""tests/scenarios/blockshell.py: the block commands of the shell on the RAM
disks, and rd0 from a GRUB module."""

import os
import re

from harness import (BUILD, Checks, boot_to_shell, hexdump_c, pattern_sector,
                     scenario)


@scenario("blockshell")
def block_shell_tests():
    c = Checks("blockshell")
    m = boot_to_shell("blockshell")
    try:
        with c.test("lsblk_lists_the_ram_disks_with_sizes"):
            out = m.cmd("lsblk")
            assert re.search(r"^rd0\s+1,0\s+4 MiB\s+8192\s+512\s+128 KiB\s+-\s+"
                             r"RAM disk, completed in its strategy routine$",
                             out, re.M), out
            assert re.search(r"^rd1\s+1,1\s+4 MiB\s+8192\s+512\s+128 KiB\s+-\s+"
                             r"RAM disk, completed by the clock interrupt$",
                             out, re.M), out
        with c.test("write_then_read_shows_a_hexdump_c_layout"):
            out = m.cmd("write rd0 5 lba 2")
            assert out.strip() == "wrote 2 blocks (1 KiB) to rd0 at block 5", \
                repr(out)
            out = m.cmd("read rd0 6")
            want = hexdump_c(pattern_sector(0, 6), 6 * 512)
            assert out == want.rstrip("\n"), \
                "kernel:\n%s\nhexdump -C:\n%s" % (out, want)
        with c.test("read_of_repeated_lines_prints_a_star_like_hexdump"):
            m.cmd("write rd1 9 0x41")
            out = m.cmd("read rd1 9")
            want = hexdump_c(b"A" * 512, 9 * 512)
            assert out == want.rstrip("\n"), \
                "kernel:\n%s\nhexdump -C:\n%s" % (out, want)
        with c.test("text_patterns_repeat_to_fill_the_block"):
            m.cmd("write rd0 12 hello")
            out = m.cmd("read rd0 12")
            want = hexdump_c((b"hello" * 103)[:512], 12 * 512)
            assert out == want.rstrip("\n"), out
        with c.test("verify_checks_the_pattern_on_the_device"):
            m.cmd("write rd1 100 lba 50")
            out = m.cmd("verify rd1 100 50")
            assert out.strip() == "verify: rd1: 50 blocks (25 KiB) ok from " \
                "block 100", repr(out)
            out = m.cmd("verify rd1 99 3")
            assert "verify: rd1: EIO: block 99 differs from the pattern at " \
                "byte 0" in out, repr(out)
        with c.test("errors_name_the_errno_and_say_what_went_wrong"):
            out = m.cmd("read rd0 99999")
            assert out.strip() == "read: rd0: ENXIO: block 99999 past end", \
                repr(out)
            out = m.cmd("read rd0 8192")
            assert out.strip() == "read: rd0: ENXIO: block 8192 past end", \
                repr(out)
            out = m.cmd("write rd1 8192 0")
            assert out.strip() == "write: rd1: ENXIO: block 8192 past end", \
                repr(out)
            out = m.cmd("read wd7 0")
            assert out.strip() == "read: wd7: ENODEV: no such device (see " \
                "lsblk)", repr(out)
            out = m.cmd("read rd0 abc")
            assert "read: abc: EINVAL: bad block number" in out, repr(out)
            out = m.cmd("write rd0 1 300")
            assert "EINVAL: a byte pattern is 0 to 255" in out, repr(out)
            out = m.cmd("read rd0 0 0")
            assert "EINVAL: count must be" in out, repr(out)
            out = m.cmd("read")
            assert out.startswith("usage: read DEV BLK [COUNT]"), repr(out)
        with c.test("cache_counts_hits_and_misses"):
            m.cmd("read rd0 300")
            m.cmd("read rd0 300")
            out = m.cmd("cache")
            hits = int(re.search(r"^hits\s+(\d+)", out, re.M).group(1))
            misses = int(re.search(r"^misses\s+(\d+)", out, re.M).group(1))
            assert hits >= 1 and misses >= 1, out
            for key in ("buffers", "read-ahead", "delayed", "evictions",
                        "flushes"):
                assert re.search(r"^%s\s" % key, out, re.M), out
        with c.test("cache_drop_writes_delayed_writes_and_frees_every_block"):
            m.cmd("write rd0 301 dropme")  # a delayed write
            m.cmd("read rd0 300")
            assert m.cmd("cache drop") == "", "cache drop said something"
            out = m.cmd("cache")
            assert re.search(r"^buffers\s+\d+, 0 B of data \(0 bytes\) in a pool of ",
                             out, re.M), out
            misses = int(re.search(r"^misses\s+(\d+)", out, re.M).group(1))
            out = m.cmd("read rd0 301")
            assert "|dropmedropmedrop|" in out, out  # written, read again
            out = m.cmd("cache")
            assert int(re.search(r"^misses\s+(\d+)", out, re.M).group(1)) \
                == misses + 1, out
        with c.test("cache_drop_dev_makes_one_device_cold"):
            m.cmd("read rd0 310")
            m.cmd("read rd1 310")
            out = m.cmd("cache drop rd0")
            assert out == "", "cache drop rd0 said: " + out
            before = m.cmd("cache")
            m.cmd("read rd0 310")  # read again: a miss
            m.cmd("read rd1 310")  # still cached: a hit
            after = m.cmd("cache")

            def count(key, text):
                return int(re.search(r"^%s\s+(\d+)" % key, text,
                                     re.M).group(1))
            assert count("misses", after) == count("misses", before) + 1 \
                and count("hits", after) == count("hits", before) + 1, \
                "before:\n%s\nafter:\n%s" % (before, after)
            out = m.cmd("cache drop nosuch")
            assert out.strip() == "cache: nosuch: ENXIO: no such device " \
                "(see lsblk)", repr(out)
        with c.test("sync_reports_and_flushes"):
            out = m.cmd("sync")
            assert re.match(r"sync: \d+ buffers written, device caches "
                            r"flushed", out), repr(out)
    finally:
        m.close()
    return c.results


@scenario("debugflags")
def debug_flags():
    """debug=ahci,rd on -M pc with an IDE disk and an added AHCI: a line
    per command issued and done, naming the device, the slot or queue and
    the block; nothing from the IDE driver, which was not named."""
    c = Checks("debugflags")
    d = os.path.join(BUILD, "scenarios", "debugflags")
    os.makedirs(d, exist_ok=True)
    imgs = [os.path.join(d, n) for n in ("wd0.img", "sd.img")]
    for img in imgs:
        with open(img, "wb") as f:
            f.truncate(8 << 20)
    m = boot_to_shell("debugflags", machine="pc", args="debug=ahci,rd",
                      extra=["-device", "ahci,id=a1,addr=0x5",
                             "-drive", "file=%s,format=raw,if=none,id=d0" %
                             imgs[0], "-device",
                             "ide-hd,drive=d0,bus=ide.0,unit=0",
                             "-drive", "file=%s,format=raw,if=none,id=d1" %
                             imgs[1], "-device", "ide-hd,drive=d1,bus=a1.0"])
    try:
        with c.test("ahci_debug_names_slot_command_block_and_completion"):
            out = m.cmd("read sd00:05.0-0 5")
            assert re.search(r"^sd00:05.0-0: slot \d+ "
                             r"READ (FPDMA QUEUED|DMA) block 5 count 1$",
                             out, re.M), out
            assert re.search(r"^sd00:05.0-0: slot \d+ done$", out, re.M), out
        with c.test("rd_debug_shows_the_queue_and_the_completion"):
            out = m.cmd("read rd1 7")
            assert re.search(r"^rd1: read block 7 queued, due at tick \d+$",
                             out, re.M), out
            assert re.search(r"^rd1: read block 7 count 1 done$", out,
                             re.M), out
        with c.test("a_driver_not_named_stays_quiet"):
            out = m.cmd("read wd0 5")
            want = hexdump_c(bytes(512), 5 * 512)
            assert out == want.rstrip("\n"), out
    finally:
        m.close()
    return c.results


@scenario("rdmodule")
def ram_disk_from_module():
    """rd0 takes a GRUB module's contents: a host-written image."""
    c = Checks("rdmodule")
    img = os.path.join(BUILD, "scenarios", "rd0-module.img")
    os.makedirs(os.path.dirname(img), exist_ok=True)
    nblk = 3000  # an odd size, not the default
    with open(img, "wb") as f:
        for lba in range(nblk):
            f.write(pattern_sector(0, lba))
    m = boot_to_shell("rdmodule", iso_files=[("/boot/rd0.img", img)])
    try:
        with c.test("rd0_has_the_module_size"):
            out = m.cmd("lsblk")
            assert re.search(r"^rd0\s+1,0\s+1.5 MiB\s+%d\s" % nblk, out,
                             re.M), out
        with c.test("rd0_holds_the_host_written_pattern"):
            out = m.cmd("verify rd0")
            assert out.strip() == "verify: rd0: %d blocks (1.5 MiB) ok " \
                "from block 0" % nblk, repr(out)
    finally:
        m.close()
    return c.results
