"""scripts/debfetch.py: Debian's own Linux, fio and busybox for make
compare and make bench, fetched only when asked and kept in build/debian/.

Everything comes from this machine's apt sources by `apt-get download`
(packages as Debian ships them, nothing built here) and is unpacked with
`dpkg-deb -x`, one folder a package:

  fio()        fio and the shared libraries its ELF file needs: each
               library missing is looked for in the Depends of the
               packages already unpacked, so only what is loaded is
               fetched (fio's Depends in all pull in perl and python);
  linux()      the kernel of linux-image-amd64 (an amd64 kernel: this
               machine's apt has no i386 packages, so make compare runs
               both guests in qemu-system-x86_64) and its modules;
  initramfs()  a newc cpio of busybox-static, fio with its libraries,
               the modules for AHCI and PIIX disks and for ext2 (ext4's
               driver) in load order, iodine's own fsx built for Linux
               (fsx_linux: the same source, the host's compiler, static),
               and the /init that runs the workloads the command line
               names.

Fetching fails with the apt error and the package it was for.
"""

import glob
import os
import re
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from newc import cpio_newc  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "build", "debian")
DEBS = os.path.join(CACHE, "debs")
TREES = os.path.join(CACHE, "root")

# The disk drivers Linux loads for make compare's machines: libata's AHCI
# (q35) and PIIX (pc), and the SCSI disk above both; NVMe's (q35 with an
# NVMe disk); ext4, which Debian's kernel mounts ext2 with
# (CONFIG_EXT4_USE_FOR_EXT2).
MODULES = ("ahci", "ata_piix", "sd_mod", "nvme", "ext4")


class FetchError(Exception):
    pass


def say(msg):
    print("debfetch: " + msg, file=sys.stderr, flush=True)


def run(argv, **kw):
    """A tool's run, its output kept; FetchError if it is not there."""
    try:
        return subprocess.run(argv, capture_output=True, text=True, **kw)
    except FileNotFoundError:
        raise FetchError("%s not found: make compare needs Debian's apt, "
                         "dpkg and binutils" % argv[0])


def cached_deb(pkg):
    have = glob.glob(os.path.join(DEBS, pkg + "_*.deb"))
    return have[0] if have else None


def apt_download(pkgs):
    """Fetch the .debs of pkgs not yet cached, in one apt-get; FetchError
    with apt's words if any is missing after it."""
    want = [p for p in pkgs if not cached_deb(p)]
    if not want:
        return
    os.makedirs(DEBS, exist_ok=True)
    say("apt-get download " + " ".join(want))
    r = run(["apt-get", "download", "-q"] + want, cwd=DEBS)
    lost = [p for p in want if not cached_deb(p)]
    if r.returncode or lost:
        err = [ln for ln in (r.stderr + r.stdout).splitlines()
               if ln.startswith("E:")] or [r.stderr.strip()]
        raise FetchError("apt-get download %s: %s (is apt's list current? "
                         "as root: apt-get update)"
                         % (" ".join(lost or want), " ".join(err)))


def unpack(pkg):
    """pkg's files, unpacked once into a folder of its own."""
    tree = os.path.join(TREES, pkg)
    if not os.path.isdir(tree):
        apt_download([pkg])
        deb = cached_deb(pkg)
        os.makedirs(tree + ".tmp", exist_ok=True)
        r = run(["dpkg-deb", "-x", deb, tree + ".tmp"])
        if r.returncode:
            os.remove(deb)  # fetched again next time
            raise FetchError("dpkg-deb -x %s: %s (removed: run again to "
                             "fetch it anew)" % (deb, r.stderr.strip()))
        os.rename(tree + ".tmp", tree)
    return tree


_depends = {}


def depends(*pkgs):
    """The Depends of pkgs (every alternative), from one apt-cache call
    for those not asked before."""
    ask = [p for p in pkgs if p not in _depends]
    if ask:
        r = run(["apt-cache", "depends", "--no-recommends", "--no-suggests",
                 "--no-conflicts", "--no-breaks", "--no-replaces",
                 "--no-enhances"] + ask)
        cur = None
        for ln in r.stdout.splitlines():
            if not ln.startswith(" "):
                cur = _depends.setdefault(ln.strip().split(":")[0], [])
                continue
            m = re.match(r"\s+\|?(?:Pre)?Depends: (\S+)", ln)
            if m and cur is not None and not m.group(1).startswith("<"):
                cur.append(m.group(1).split(":")[0])
        for p in ask:
            _depends.setdefault(p, [])
    return [d for p in pkgs for d in _depends[p]]


# folders that a RUNPATH named (librados2 keeps libceph-common in one)
RUNPATHS = set()


def needed(path):
    """The sonames an ELF file names as NEEDED (its RUNPATH noted)."""
    r = run(["readelf", "-d", path])
    for m in re.findall(r"\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: "
                        r"\[([^\]]+)\]", r.stdout):
        RUNPATHS.update(p.lstrip("/") for p in m.split(":"))
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", r.stdout)


def lib_dirs(tree):
    return [d for d in (os.path.join(tree, p) for p in [
        "lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64",
        "usr/lib"] + sorted(RUNPATHS)) if os.path.isdir(d)]


def find_lib(trees, soname):
    for tree in trees:
        for d in lib_dirs(tree):
            p = os.path.join(d, soname)
            if os.path.lexists(p):
                return p
    return None


def fio():
    """(fio's ELF file, the libraries it loads by soname: {soname: path}),
    fetching fio and each package a missing library is in."""
    # what earlier runs unpacked first: a warm cache asks apt nothing
    trees = {p: os.path.join(TREES, p) for p in (
        os.listdir(TREES) if os.path.isdir(TREES) else ())
        if not p.endswith(".tmp")}
    trees["fio"] = unpack("fio")
    binary = os.path.join(trees["fio"], "usr", "bin", "fio")
    libs, todo = {}, needed(binary)
    while todo:
        soname = todo.pop()
        if soname in libs:
            continue
        path = find_lib(trees.values(), soname)
        while path is None:
            # the Depends of what is unpacked, not yet unpacked, that
            # look like libraries; one layer at a time
            more = sorted({d for d in depends(*trees)
                           if d not in trees and d.startswith(("lib", "zlib"))})
            if not more:
                raise FetchError("fio needs %s; no package found for it"
                                 % soname)
            apt_download(more)
            for pkg in more:
                trees[pkg] = unpack(pkg)
            path = find_lib(trees.values(), soname)
        libs[soname] = path
        todo += needed(os.path.realpath(path))
    if "ld-linux-x86-64.so.2" not in libs:
        libs["ld-linux-x86-64.so.2"] = find_lib(trees.values(),
                                                "ld-linux-x86-64.so.2")
    return binary, libs


def have_fio():
    """Whether fio has been fetched (make bench fetches nothing)."""
    return os.path.isdir(os.path.join(TREES, "fio"))


def host_fio_cmd():
    """The command that runs the fetched fio on this machine (its own
    libraries, by its own loader: the host need not have them)."""
    binary, libs = fio()
    libdir = os.path.join(CACHE, "fio-libs")
    os.makedirs(libdir, exist_ok=True)
    for soname, path in libs.items():
        link = os.path.join(libdir, soname)
        if os.path.lexists(link):
            os.remove(link)
        # relative: the cache may move with build/
        os.symlink(os.path.relpath(os.path.realpath(path), libdir), link)
    return [os.path.join(libdir, "ld-linux-x86-64.so.2"), "--library-path",
            libdir, binary]


def linux():
    """(vmlinuz, the modules' folder, version) of linux-image-amd64."""
    pkg = next((d for d in depends("linux-image-amd64")
                if d.startswith("linux-image-")), None)
    if not pkg:
        raise FetchError("apt knows no linux-image-amd64 (apt-get update?)")
    tree = unpack(pkg)
    kernels = glob.glob(os.path.join(tree, "boot", "vmlinuz-*"))
    if not kernels:
        raise FetchError("%s has no /boot/vmlinuz-*" % pkg)
    version = os.path.basename(kernels[0])[len("vmlinuz-"):]
    return kernels[0], os.path.join(tree, "lib", "modules", version), version


def modinfo_depends(ko):
    """The modules ko needs first (its .modinfo depends=)."""
    with open(ko, "rb") as f:
        m = re.search(rb"\0depends=([^\0]*)\0", f.read())
    return [d for d in m.group(1).decode().split(",") if d] if m else []


def module_order(moddir, names=MODULES):
    """The .ko files that names need, each after what it depends on."""
    index = {}
    for ko in glob.glob(os.path.join(moddir, "kernel", "**", "*.ko"),
                        recursive=True):
        index[os.path.basename(ko)[:-3].replace("-", "_")] = ko
    order = []

    def visit(name):
        name = name.replace("-", "_")
        if name not in index:
            raise FetchError("no module %s in %s" % (name, moddir))
        ko = index[name]
        if ko in order:
            return
        for dep in modinfo_depends(ko):
            visit(dep)
        order.append(ko)
    for name in names:
        visit(name)
    return order


# The guest's /init: the disk is the first SCSI disk libata makes, or the
# first NVMe namespace (on each machine the only hard disk); each workload given as
# compare.fio=ARGS;ARGS;... on the command line is run by fio on it and
# its JSON printed between markers the host looks for.  The disk stays
# open (fd 3) from first to last, so its page cache outlives each fio
# (Linux drops a block device's cache at its last close); a job with
# --drop-caches (scripts/workloads.py) starts from an empty one; before
# the first buffered job (--direct=0), WARMUP_MIB are read through the
# cache and dropped, untimed (workloads.py says why).
INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do insmod /$m || echo "compare: insmod $m failed"; done
i=0
disk=
while [ -z "$disk" ] && [ $i -lt 300 ]; do
	for d in sda nvme0n1; do [ -b /dev/$d ] && disk=$d; done
	[ -n "$disk" ] || sleep 0.1; i=$((i + 1))
done
[ -n "$disk" ] || { echo "compare: no /dev/sda nor /dev/nvme0n1"; poweroff -f; }
echo "compare: disk $disk, $(cat /sys/block/$disk/size) sectors, $(cat /sys/block/$disk/queue/scheduler)"
jobs=$(sed -n 's/.*compare\.fio=\([^ ]*\).*/\1/p' /proc/cmdline)
exec 3</dev/$disk
IFS=';'
for job in $jobs; do
	IFS=' '
	echo "compare: fio $job"
	args=$(echo "$job" | tr ',' ' ')
	case " $args " in *" --direct=0 "*)
		[ -n "$warm" ] || {
			warm=1
			dd if=/dev/$disk of=/dev/null bs=1M count=@WARMUP_MIB@ 2>/dev/null
			sync; echo 3 > /proc/sys/vm/drop_caches
		};;
	esac
	case " $args " in *" --drop-caches "*)
		sync; echo 3 > /proc/sys/vm/drop_caches
		args=$(echo "$args" | sed 's/--drop-caches//');;
	esac
	echo "compare-result-begin"
	/bin/fio --filename=/dev/$disk --output-format=json $args
	echo "compare-result-end $?"
	IFS=';'
done
# compare.fs=FILES,DIRS: the disk is an ext2 file system; fsx's
# untar-like phases on it, the caches dropped before the read
fs=$(sed -n 's/.*compare\.fs=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$fs" ]; then
	n=${fs%,*}; d=${fs#*,}
	mkdir -p /mnt
	mount -t ext2 /dev/$disk /mnt || echo "compare: mount failed"
	/bin/fsx -b create -n $n -d $d /mnt/untar
	sync; echo 3 > /proc/sys/vm/drop_caches
	/bin/fsx -b read -n $n -d $d /mnt/untar
	/bin/fsx -b delete -n $n -d $d /mnt/untar
	umount /mnt
fi
echo "compare: done"
poweroff -f
"""


# What fsx.c takes from iodine's C library, from glibc's
FSX_SHIM = b"""#define _GNU_SOURCE
#include <limits.h>
#include <stdint.h>
#include <string.h>
#define errno_name(e) (strerrorname_np(e) ? strerrorname_np(e) : "E?")
#define errno_msg(e) strerror(e)
"""


def fsx_linux(out):
    """iso/bin/fsx.c for the Linux guest: the host's C compiler, static
    (the guest has no C library of its own but fio's)."""
    shim = out + ".shim.h"
    with open(shim, "wb") as f:
        f.write(FSX_SHIM)
    r = run(["cc", "-static", "-O2", "-include", shim, "-o", out,
             os.path.join(ROOT, "iso", "bin", "fsx.c")])
    if r.returncode:
        raise FetchError("fsx for Linux: %s" % r.stderr.strip())
    return out


def initramfs(out):
    """Build the Linux guest's initramfs at out; the kernel's path."""
    vmlinuz, moddir, _ = linux()
    busybox = os.path.join(unpack("busybox-static"), "bin", "busybox")
    binary, libs = fio()
    mods = module_order(moddir)
    ents = [(d, stat.S_IFDIR | 0o755, None) for d in (
        "bin", "lib", "lib64", "lib/x86_64-linux-gnu", "proc", "sys", "dev",
        "tmp", "modules")]

    def file(name, path, mode=0o755):
        with open(path, "rb") as f:
            ents.append((name, stat.S_IFREG | mode, f.read()))
    file("bin/busybox", busybox)
    file("bin/fio", binary)
    file("bin/fsx", fsx_linux(out + ".fsx"))
    for soname, path in sorted(libs.items()):
        file("lib/x86_64-linux-gnu/" + soname, os.path.realpath(path))
    ents.append(("lib64/ld-linux-x86-64.so.2", stat.S_IFLNK | 0o777,
                 b"/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))
    order = []
    for ko in mods:
        name = "modules/" + os.path.basename(ko)
        file(name, ko, 0o644)
        order.append(name)
    ents.append(("modules.order", stat.S_IFREG | 0o644,
                 ("\n".join(order) + "\n").encode()))
    import workloads
    init = INIT.replace("@WARMUP_MIB@", str(workloads.WARMUP_MIB))
    ents.append(("init", stat.S_IFREG | 0o755, init.encode()))
    cpio_newc(ents, out + ".tmp")
    os.rename(out + ".tmp", out)
    return vmlinuz


if __name__ == "__main__":
    # scripts/debfetch.py: fetch fio and print how to run it on the host
    try:
        print(" ".join(host_fio_cmd()))
    except FetchError as e:
        say(str(e))
        sys.exit(1)
