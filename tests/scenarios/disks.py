"""tests/scenarios/disks.py: the real disks, IDE (wdN) and AHCI (sdN), one
controller or several, and ISA IDE: images written here, checked here
after the kernel halts (tests/kernel/test_disk.c)."""

import os
import re

from harness import (BUILD, Checks, Machine, boot_to_results, boot_to_shell,
                     pattern_sector, scenario, selects)


# --- Real disks, IDE (wdN) and AHCI (sdN): images written here, checked
# --- here after the kernel halts (tests/kernel/test_disk.c writes them)

WD_CACHE_REGION, WD_RAW_REGION, WD_THREAD_REGION, WD_THREADS = \
    2048, 4096, 8192, 4
WD_STRESS_REGION, STRESS_THREADS = 16384, 4   # as in test_disk.c
WD_CLUSTER_REGION, WD_CLUSTER_BLOCKS = 9216, 768


def make_image(path, disk, nblocks):
    with open(path, "wb") as f:
        for lba in range(nblocks):
            f.write(pattern_sector(disk, lba))


def disk_image_expect(disk, lba, wrote, stressed, fault=None,
                      clustered=False):
    """The pattern id a sector of disk `disk` must hold after the tests."""
    if clustered and \
            WD_CLUSTER_REGION <= lba < WD_CLUSTER_REGION + WD_CLUSTER_BLOCKS:
        return disk + 70
    if wrote:
        if WD_CACHE_REGION <= lba < WD_CACHE_REGION + 256:
            return disk + 100
        if WD_RAW_REGION <= lba < WD_RAW_REGION + 512:
            return disk + 200
        t = (lba - WD_THREAD_REGION) // 256
        if WD_THREAD_REGION <= lba and t < WD_THREADS:
            return disk + 50 + t
    if stressed:
        t = (lba - WD_STRESS_REGION) // 2048
        if WD_STRESS_REGION <= lba and t < STRESS_THREADS:
            return disk + 60 + t
    if fault and fault[0] == disk and fault[2] - 10 <= lba <= fault[2] + 10 \
            and lba != fault[2]:
        return disk + 100
    return disk


def check_images(c, images, wrote, stressed, fault=None, clustered=False):
    for disk, path, nblk, name in images:
        with c.test("%s_image_holds_what_the_kernel_wrote" % name):
            with open(path, "rb") as f:
                data = f.read()
            assert len(data) == nblk * 512, "image size changed"
            for lba in range(nblk):
                want_id = disk_image_expect(disk, lba, wrote, stressed, fault,
                                            clustered)
                got = data[lba * 512:(lba + 1) * 512]
                assert got == pattern_sector(want_id, lba), \
                    "sector %d: expected the pattern of disk %d, found " \
                    "%r..." % (lba, want_id, got[:16])


def ncq_trace_max(path):
    """Most NCQ commands QEMU had outstanding at once, from its trace."""
    depth = best = 0
    with open(path, errors="replace") as f:
        for line in f:
            if "execute_ncq_command_read" in line or \
                    "execute_ncq_command_write" in line:
                depth += 1
                best = max(best, depth)
            elif "ncq_finish" in line:
                depth = max(0, depth - 1)
    return best


MAJOR_WD, MAJOR_SD, MAJOR_NVME = 2, 3, 6      # kernel/blk/bdev.h


def dev(major, minor):
    """A dev_t, as makedev() in kernel/blk/buf.h: a disk's pattern id."""
    return major << 24 | minor


def chipset_disk(kind, place):
    """(name, pattern id = dev_t, QEMU bus) of a disk on the machine's own
    controller: kind "wd", place (channel, unit) on -M pc's IDE (or
    isapc's); kind "sd", an AHCI port on -M q35."""
    if kind == "wd":
        n = 2 * place[0] + place[1]
        return "wd%d" % n, dev(MAJOR_WD, n), "ide.%d,unit=%d" % place
    return "sd%d" % place, dev(MAJOR_SD, place), "ide.%d" % place


def added_disk(prefix, ctrl, slot, n, bus):
    """A disk on a controller the harness added at PCI 00:slot.0: its
    name carries the address, its minor is BDEV_MINOR_PCI | (address << 5)
    | n (bdev.h)."""
    major = MAJOR_WD if prefix == "wd" else MAJOR_SD
    return "%s00:%02x.0-%d" % (prefix, slot, n), \
        dev(major, 1 << 21 | (slot << 3) << 5 | n), "%s.%s" % (ctrl, bus)


def disk_device(bus, drive):
    """The -device of drive `drive`: an ATA disk at an IDE or AHCI place
    (bus), or an NVMe namespace ("nvme-ns,bus=...,nsid=N")."""
    if bus.startswith("nvme-ns,"):
        return "%s,drive=%s" % (bus, drive)
    return "ide-hd,drive=%s,bus=%s" % (drive, bus)


def disk_scenario(name, kind, places, sizes, pattern, args="", cd="cdrom",
                  fault=None, trace=False, accel="tcg", machine=None,
                  disks=None, devices=(), cpu=None):
    """kind "wd": places are (channel, unit) on -M pc's IDE; kind "sd":
    AHCI port numbers on -M q35.  cd: where the boot CD goes ("cdrom":
    QEMU's default place, "ahci" or "scsi": out of the disks' way).
    disks: (name, id, bus) of each disk instead, for arrangements of
    several controllers (devices: the -device options adding them);
    kind then says which drivers' disks are tested ("wd,sd")."""
    d = os.path.join(BUILD, "scenarios", name)
    os.makedirs(d, exist_ok=True)
    extra, images = list(devices), []
    if disks is None:
        disks = [chipset_disk(kind, p) for p in places]
    if cpu:
        extra += ["-cpu", cpu]
    for (dname, disk, bus), nblk in zip(disks, sizes):
        img = os.path.join(d, "%x.img" % disk)
        make_image(img, disk, nblk)
        images.append((disk, img, nblk, dname))
        spec = "file=%s,format=raw,if=none,id=d%x" % (img, disk)
        if fault and fault[0] == disk:
            cfg = os.path.join(d, "blkdebug.cfg")
            with open(cfg, "w") as f:
                f.write('[inject-error]\nevent = "read_aio"\nerrno = "5"\n'
                        'sector = "%d"\n\n[inject-error]\nevent = '
                        '"write_aio"\nerrno = "5"\nsector = "%d"\n'
                        % (fault[1], fault[2]))
            spec = "file=blkdebug:%s:%s,format=raw,if=none,id=d%x" % (
                cfg, img, disk)
        extra += ["-drive", spec, "-device", disk_device(bus, "d%x" % disk)]
    tracefile = os.path.join(d, "qemu-trace.log")
    if trace:
        if os.path.exists(tracefile):
            os.remove(tracefile)
        extra += ["-trace", "execute_ncq_command_read", "-trace",
                  "execute_ncq_command_write", "-trace", "ncq_finish",
                  "-D", tracefile]
    mach = machine or ("pc" if kind == "wd" else "q35")
    results, out, complete = boot_to_results(
        name, 400, machine=mach,
        args="test=%s panic=exit disks=%s diskcount=%d %s" % (
            pattern, kind, len(disks), args), extra=extra, cd=cd,
        accel=accel)
    c = Checks(name)
    if complete:
        with c.test("each_disk_is_found_once_under_its_documented_name"):
            for dname, _, _ in disks:
                n = len(re.findall(r"^%s: QEMU (HARDDISK|NVMe Ctrl)" %
                                   re.escape(dname), out, re.M))
                assert n == 1, "%s attached %d times:\n%s" % (dname, n, out)
        with c.test("every_disk_attaches_with_one_line_of_one_format"):
            # ata_disk_attach's line, the same for IDE and AHCI; NVMe's
            for dname, _, _ in disks:
                if dname.startswith("nvme"):
                    line = r"^%s: QEMU NVMe Ctrl, [\d.]+ [KMGT]iB, " \
                        r"512-byte sectors, queue depth 127, 512 KiB " \
                        r"transfers, write cache on, at pci " \
                        r"00:%s.0 namespace %s$" % (
                            re.escape(dname), dname[7:9], dname[12:])
                    assert re.search(line, out, re.M), "no %r in:\n%s" % (
                        line, out)
                    continue
                if dname.startswith("wd"):
                    how = "PIO" if "ide=pio" in args or "isapc" in mach \
                        else "DMA"
                else:
                    how = "DMA" if "ahci=noncq" in args else "NCQ depth 32"
                line = r"^%s: QEMU HARDDISK, [\d.]+ [KMGT]iB, LBA48, %s, " \
                    r"write cache on, at (pci|isa) .*$" % (
                        re.escape(dname), how)
                assert re.search(line, out, re.M), "no %r in:\n%s" % (
                    line, out)
        if cd == "cdrom":
            with c.test("the_boot_cd_is_named_and_refused_as_not_a_disk"):
                cdname = "sd2" if mach == "q35" else "wd2"
                assert re.search(r"^%s: an ATAPI device \(CD/DVD\), not a "
                                 r"disk: not attached$" % cdname, out,
                                 re.M), out
        wrote = selects(pattern, "disk_writes_reach_the_disk")
        stressed = selects(pattern,
                           "disk_stress_threads_random_sizes_every_byte_verified")
        clustered = selects(pattern,
                            "disk_cached_reads_and_writes_move_in_clusters")
        check_images(c, images, wrote, stressed, fault, clustered)
        if trace:
            with c.test("qemu_trace_agrees_32_ncq_commands_in_flight"):
                n = ncq_trace_max(tracefile)
                assert n == 32, "QEMU's trace shows at most %d NCQ " \
                    "commands outstanding" % n
    return results + c.results


WD_TESTS = "disk_*,-disk_fault*,-disk_ncq*,-disk_without*,-disk_stress*"


@scenario("ide1")
def ide_one_disk():
    """One odd-sized disk, the boot CD on the same controller (skipped as
    ATAPI)."""
    return disk_scenario("ide1", "wd", [(0, 0)], [20000 + 3], WD_TESTS)


@scenario("ide4")
def ide_four_disks_dma():
    return disk_scenario("ide4", "wd", [(0, 0), (0, 1), (1, 0), (1, 1)],
                         [16384, 12000 + 1, 20480, 16384 + 77], WD_TESTS,
                         cd="ahci")


@scenario("ide4_pio")
def ide_four_disks_pio():
    return disk_scenario("ide4_pio", "wd", [(0, 0), (0, 1), (1, 0), (1, 1)],
                         [16384, 12000 + 1, 10000, 16384 + 77], WD_TESTS,
                         args="ide=pio", cd="ahci")


@scenario("ide_faults")
def ide_faults():
    """blkdebug fails reads of sector 1000 and writes of 1500 on wd1."""
    return disk_scenario("ide_faults", "wd", [(0, 0), (0, 1)], [16384, 16384],
                         "disk_all*,disk_fault*", args="diskbad=wd1:1000:1500",
                         fault=(dev(MAJOR_WD, 1), 1000, 1500))


SD_TESTS = "disk_*,-disk_fault*,-disk_without*"


@scenario("ahci1")
def ahci_one_disk():
    """One odd-sized disk on port 0, the boot CD on port 2 (skipped as
    ATAPI); NCQ, cross-checked against QEMU's trace of its NCQ engine.
    Single-threaded TCG: QEMU then completes I/O only when the guest
    yields, so a burst the driver issues at splbio reaches QEMU whole, and
    QEMU's own count of commands outstanding is the driver's."""
    return disk_scenario("ahci1", "sd", [0], [24576 + 5], SD_TESTS,
                         trace=True, accel="tcg,thread=single")


@scenario("ahci6")
def ahci_six_disks():
    """All six ports: the boot CD on virtio-scsi."""
    return disk_scenario("ahci6", "sd", [0, 1, 2, 3, 4, 5],
                         [24576, 24576 + 1, 30000, 24576 + 77, 26000, 24576],
                         SD_TESTS, cd="scsi")


@scenario("ahci6_noncq")
def ahci_six_disks_no_ncq():
    return disk_scenario("ahci6_noncq", "sd", [0, 1, 2, 3, 4, 5],
                         [24576, 24576 + 1, 30000, 24576 + 77, 26000, 24576],
                         "disk_*,-disk_fault*,-disk_ncq*,-disk_stress*",
                         args="ahci=noncq", cd="scsi")


@scenario("ahci_faults")
def ahci_faults():
    """blkdebug fails reads of sector 1000 and writes of 1500 on sd1, in
    the middle of a full NCQ queue."""
    return disk_scenario("ahci_faults", "sd", [0, 1], [16384, 16384],
                         "disk_all*,disk_fault*", args="diskbad=sd1:1000:1500",
                         fault=(dev(MAJOR_SD, 1), 1000, 1500))


# --- Attach paths that fail: each undoes what it did (drivers/attach.h)

ATTACH_FAULTS = [  # (machine, attachfail=, the units whose attach fails)
    ("q35", "ahci.alloc", ["sd0", "sd1"]),
    ("q35", "ahci.identify", ["sd0", "sd1"]),
    ("q35", "ahci.disk", ["sd0", "sd1"]),
    ("q35", "ahci.reset", ["ahci0"]),
    ("pc", "ide.identify", ["ide0"]),
    ("nvme", "nvme.alloc", ["nvme00:05.0"]),
    ("nvme", "nvme.reset", ["nvme00:05.0"]),
    ("nvme", "nvme.identify", ["nvme00:05.0"]),
    ("nvme", "nvme.queues", ["nvme00:05.0"]),
]


@scenario("attach_faults")
def attach_faults():
    """Each failure attachfail= can inject into the AHCI, IDE and NVMe
    attach paths (a port's memory running out half way, IDENTIFY failing,
    the disk refused, the HBA stuck in reset; an IDE drive not answering;
    an NVMe controller's memory running out, its reset, Identify or
    queues failing):
    the unit is not attached, its unwinding keeps no byte of the heap
    and no frame (the allocators' counts say so), a stuck HBA is left
    with bus mastering and memory decoding off (lspci's Control line),
    and the kernel goes on with the RAM disks."""
    c = Checks("attach_faults")
    d = os.path.join(BUILD, "scenarios", "attach_faults")
    os.makedirs(d, exist_ok=True)
    imgs = []
    for i in range(2):
        imgs.append(os.path.join(d, "d%d.img" % i))
        make_image(imgs[-1], i, 2048)
    for machine, fault, units in ATTACH_FAULTS:
        step = fault.split(".")[1]
        if machine == "q35":
            extra = sum((["-drive", "file=%s,format=raw,if=none,id=d%d"
                          % (img, i), "-device", "ide-hd,drive=d%d,bus=ide.%d"
                          % (i, i)] for i, img in enumerate(imgs)), [])
        elif machine == "nvme":  # q35, two namespaces of one controller
            extra = ["-device", "nvme,id=nv5,serial=F5,addr=0x5"] + sum(
                (["-drive", "file=%s,format=raw,if=none,id=d%d" % (img, i),
                  "-device", "nvme-ns,drive=d%d,bus=nv5,nsid=%d" % (i, i + 1)]
                 for i, img in enumerate(imgs)), [])
        else:
            extra = ["-drive", "file=%s,format=raw,if=ide,index=0" % imgs[0]]
        name = "attach_faults_" + fault.replace(".", "_")
        m = boot_to_shell(name, machine="q35" if machine == "nvme"
                          else machine,
                          cd="cdrom" if machine == "pc" else "scsi",
                          args="attachfail=" + fault, extra=extra)
        try:
            boot = m.buf
            with c.test("%s_unwinds_to_nothing" % fault.replace(".", "_")):
                for u in units:
                    want = "%s: attach failed at %s (attachfail): " \
                        "unwound, 0 bytes and 0 frames kept" % (u, step)
                    assert want in boot, "no %r in the boot:\n%s" % (
                        want, boot[-3000:])
            with c.test("%s_attaches_no_disk_and_goes_on" %
                        fault.replace(".", "_")):
                out = m.cmd("lsblk")
                names = re.findall(r"^(\S+)\s+\d+,\d+", out, re.M)
                assert names == ["rd0", "rd1"], out
                out = m.cmd("write rd0 9 lba 2")
                assert "wrote 2 blocks" in out, out
                out = m.cmd("read rd0 10")
                assert "IODINEPT" in out, out
            if machine == "q35":
                ahci = re.search(r"^00:1f\.2 .*\n    Control: (.*)$",
                                 m.cmd("lspci"), re.M)
                with c.test("%s_leaves_the_hba_%s" % (
                        fault.replace(".", "_"),
                        "without_dma" if step == "reset" else "running")):
                    assert ahci, "no 00:1f.2 in lspci"
                    if step == "reset":
                        assert "Mem- BusMaster-" in ahci.group(1), \
                            ahci.group(0)
                        assert "ahci0: not attached: bus mastering and " \
                            "memory decoding off" in boot, boot[-3000:]
                    else:
                        assert "Mem+ BusMaster+" in ahci.group(1), \
                            ahci.group(0)
            if machine == "nvme":
                ctl = re.search(r"^00:05\.0 .*\n    Control: (.*)$",
                                m.cmd("lspci"), re.M)
                with c.test("%s_leaves_the_controller_without_dma" %
                            fault.replace(".", "_")):
                    assert ctl, "no 00:05.0 in lspci"
                    assert "Mem- BusMaster-" in ctl.group(1), ctl.group(0)
                    assert "nvme00:05.0: not attached: bus mastering and " \
                        "memory decoding off" in boot, boot[-3000:]
        finally:
            m.close()
    return c.results


# --- Several controllers, and a machine without PCI: every disk found
# --- once, under the name bdev.h promises, holding its own data

ARRANGE_TESTS = "disk_all*,disk_reads*,disk_bounds*,disk_writes*,disk_a_chain*,"\
    "disk_threads*"


@scenario("two_ahci")
def two_ahci():
    """q35's built-in AHCI (00:1f.2) and a second ICH9 AHCI at 00:04.0:
    sd0 and sd1 stay the built-in's; the second's are sd00:04.0-N."""
    return disk_scenario(
        "two_ahci", "sd", None, [12000, 12000 + 3, 13000, 12000 + 9],
        ARRANGE_TESTS, cd="scsi",
        disks=[chipset_disk("sd", 0), chipset_disk("sd", 1),
               added_disk("sd", "ahci2", 4, 0, 0),
               added_disk("sd", "ahci2", 4, 1, 1)],
        devices=["-device", "ich9-ahci,id=ahci2,addr=0x4"])


@scenario("pc_ide_ahci")
def pc_ide_ahci():
    """-M pc: PIIX IDE (wd0, wd1) and an AHCI controller at 00:05.0."""
    return disk_scenario(
        "pc_ide_ahci", "wd,sd", None, [12000, 12000 + 1, 13000, 12000 + 7],
        ARRANGE_TESTS, machine="pc",
        disks=[chipset_disk("wd", (0, 0)), chipset_disk("wd", (0, 1)),
               added_disk("sd", "ahci1", 5, 0, 0),
               added_disk("sd", "ahci1", 5, 2, 2)],
        devices=["-device", "ahci,id=ahci1,addr=0x5"])


@scenario("q35_piix_ide")
def q35_piix_ide():
    """-M q35: its AHCI (sd0) and a PIIX IDE controller at 00:06.0 in
    compatibility mode: its drives are at the legacy ports, wd0 and wd3."""
    return disk_scenario(
        "q35_piix_ide", "wd,sd", None, [12000 + 1, 12000 + 5, 13000],
        ARRANGE_TESTS, machine="q35", cd="scsi",
        disks=[chipset_disk("sd", 0),
               ("wd0", dev(MAJOR_WD, 0), "pide.0,unit=0"),
               ("wd3", dev(MAJOR_WD, 3), "pide.1,unit=1")],
        devices=["-device", "piix3-ide,id=pide,addr=0x6"])


@scenario("isapc")
def isapc_ide():
    """-M isapc (no PCI) with a Pentium: ISA IDE at the legacy ports, by
    PIO; the CD is on the secondary master (wd2, skipped)."""
    return disk_scenario("isapc", "wd", [(0, 0), (0, 1)], [12000 + 1, 12000],
                         ARRANGE_TESTS + ",disk_a_lost*", machine="isapc",
                         cpu="pentium")


@scenario("isapc_486")
def isapc_486():
    """-M isapc's own CPU, a 486 without a TSC: refused, clearly."""
    c = Checks("isapc_486")
    m = Machine("isapc_486", machine="isapc", mem="128M")
    try:
        with c.test("a_cpu_without_tsc_is_refused_with_a_message"):
            code = m.wait_exit(60)
            assert re.search(r"^iodine: this CPU lacks a time-stamp counter "
                             r".*: it runs on a Pentium or later", m.buf,
                             re.M), m.buf[-500:]
            assert code == 9, "QEMU exit status %d, expected 9 (halt 4)" % \
                code
    finally:
        m.close()
    return c.results
