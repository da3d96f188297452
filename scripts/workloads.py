"""scripts/workloads.py: the workloads iodine and Linux both run in make
compare (and the host in make bench), as fio says them; and reading
fio's JSON.

The keys are those tests/kernel/bench_disk.c prints; the counts are its
own: 4000 random 4 KiB I/Os (block-aligned, anywhere on the disk,
drawn with repeats: --norandommap), 64 MiB sequential from block 0.
fio runs each with libaio and O_DIRECT, as one thread (no SysV shared
memory in the guest), but the buffered ones (keys buf*), which go
through each kernel's cache, by psync (read(2)/write(2), as dd) without
O_DIRECT.  A cold one (--drop-caches, which the Linux guest's /init
takes as `echo 3 > /proc/sys/vm/drop_caches` first) starts with nothing
cached, as iodine's after `cache drop DEV`; the warm one re-reads what
the cold one left (the guest holds /dev/sda open throughout: Linux
drops a block device's cache at its last close).  Before them, each
guest reads WARMUP_MIB through its cache untimed and drops it: a guest's
first touch of a page costs the host a fault (seen: half the speed of
a cold read, a third of a write's), a cost of the virtual machine, not
of either cache, so both caches then work in memory they have used
before.  The host runs them buffered too, each from a cold cache (fio's
--invalidate=1).
"""

import json
import re
import subprocess

RAND_IOS = 4000
SEQ_SIZE = "64M"
SMALL_SIZE = 16000000  # bs=1000: 16,000 reads
# (fio's default --invalidate=1 would drop the device's cache at each
# job's start, and a warm row would read cold)
BUFFERED = ["--ioengine=psync", "--direct=0", "--invalidate=0"]
DROP = "--drop-caches"  # not fio's: the guest's /init drops the caches
WARMUP_MIB = 128  # read through each guest's cache before the buffered rows

# (key, label, fio arguments)
WORKLOADS = [
    ("randread-4k-qd1", "4 KiB random read QD1",
     ["--rw=randread", "--bs=4k", "--iodepth=1",
      "--number_ios=%d" % RAND_IOS]),
    ("randread-4k-qd32", "4 KiB random read QD32",
     ["--rw=randread", "--bs=4k", "--iodepth=32",
      "--number_ios=%d" % RAND_IOS]),
    ("randwrite-4k-qd1", "4 KiB random write QD1",
     ["--rw=randwrite", "--bs=4k", "--iodepth=1",
      "--number_ios=%d" % RAND_IOS]),
    ("seqread-128k-qd4", "128 KiB seq read QD4",
     ["--rw=read", "--bs=128k", "--iodepth=4", "--size=" + SEQ_SIZE]),
    ("seqwrite-128k-qd4", "128 KiB seq write QD4",
     ["--rw=write", "--bs=128k", "--iodepth=4", "--size=" + SEQ_SIZE]),
    ("bufwrite-64k-fsync", "64 KiB seq write QD1, cache+fsync",
     BUFFERED + ["--rw=write", "--bs=64k", "--size=" + SEQ_SIZE,
                 "--end_fsync=1"]),
    ("bufread-64k-cold", "64 KiB seq read QD1, cold cache",
     BUFFERED + ["--drop-caches", "--rw=read", "--bs=64k",
                 "--size=" + SEQ_SIZE]),
    ("bufread-64k-warm", "64 KiB seq read QD1, warm cache",
     BUFFERED + ["--rw=read", "--bs=64k", "--size=" + SEQ_SIZE]),
    ("bufread-1000-cold", "1000 B seq read QD1, cold cache",
     BUFFERED + ["--drop-caches", "--rw=read", "--bs=1000",
                 "--size=%d" % SMALL_SIZE]),
    ("bufrandread-4k-qd1", "4 KiB rand read QD1, cold cache",
     BUFFERED + ["--drop-caches", "--rw=randread", "--bs=4k",
                 "--number_ios=%d" % RAND_IOS]),
]
KEYS = [w[0] for w in WORKLOADS]
LABELS = {w[0]: w[1] for w in WORKLOADS}

# iodine's rows without a fio workload of their own: (key, label, the
# workload Linux's figure comes from).  QD1 from a thread sleeping in
# biowait, as fio sleeps in io_getevents: the other rows' iodine issues
# each request from the last one's b_iodone, with no thread at all.
# The process rows: the same reads by a user program, iotest on the raw
# device (POSIX aio at QD > 1, pread at QD1), beside fio's on Linux: user
# program against user program, where the other rows are iodine's kernel
# against Linux's user program.
EXTRA = [("randread-4k-qd1-biowait", "4 KiB rand read QD1, biowait",
          "randread-4k-qd1"),
         ("randread-4k-qd1-process", "4 KiB rand read QD1, process",
          "randread-4k-qd1"),
         ("randread-4k-qd32-process", "4 KiB rand read QD32, process",
          "randread-4k-qd32"),
         ("seqread-128k-qd4-process", "128 KiB seq read QD4, process",
          "seqread-128k-qd4")]
IODINE_KEYS = KEYS + [e[0] for e in EXTRA]
LABELS.update({e[0]: e[1] for e in EXTRA})
LINUX_KEY = dict({k: k for k in KEYS}, **{e[0]: e[2] for e in EXTRA})

COMMON = ["--thread", "--norandommap", "--randrepeat=1"]
DIRECT = ["--ioengine=libaio", "--direct=1"]


def buffered(key):
    """Whether workload key goes through the kernel's cache."""
    return key.startswith("buf")


def sequential(key):
    """Whether workload key moves MB/s rather than IOPS."""
    return "seq" in key or (buffered(key) and "rand" not in key)


def fio_args(key):
    """fio's arguments for one workload (the file not included), as the
    Linux guest's /init gets them (DROP among them for a cold one)."""
    args = dict((w[0], w[2]) for w in WORKLOADS)[key]
    return ["--name=" + key] + COMMON + ([] if buffered(key) else DIRECT) \
        + args


def host_args(key):
    """The same for fio on the host, without DROP: buffered rows cold
    (--invalidate=1: the host's own page cache is not the guest's)."""
    args = [a for a in fio_args(key) if a != DROP]
    if buffered(key):
        args = [a for a in args if a != "--invalidate=0"] + \
            ["--invalidate=1"]
    return args


def fio_result(text):
    """(IOPS, KiB/s) of the one job in fio's JSON output; ValueError if
    it is not there or fio reported an error."""
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON in fio's output")
    doc = json.JSONDecoder().raw_decode(text[start:])[0]
    job = doc["jobs"][0]
    if job.get("error"):
        raise ValueError("fio: job %s: error %d" % (job["jobname"],
                                                   job["error"]))
    side = job["write"] if job["write"]["io_bytes"] else job["read"]
    return float(side["iops"]), float(side["bw"])


def linux_results(text):
    """{key: (IOPS, KiB/s)} from the Linux guest's console: the JSON of
    each workload between the markers its /init prints
    (scripts/debfetch.py), in the order of KEYS; ValueError naming the
    first workload that has none."""
    blocks = text.split("compare-result-begin")[1:]
    res = {}
    for i, key in enumerate(KEYS):
        if i >= len(blocks):
            raise ValueError("%s: not run (%d of %d workloads ran)"
                             % (key, len(blocks), len(KEYS)))
        try:
            res[key] = fio_result(blocks[i].split("compare-result-end")[0])
        except (ValueError, KeyError, IndexError) as e:
            raise ValueError("%s: %s" % (key, e))
    return res


def fio_params(key):
    """What fio is asked to do for key, as iodine says it: (rw, block
    size, queue depth, I/Os)."""
    a = dict(x[2:].split("=", 1) for x in fio_args(key) if "=" in x)
    bs = size_bytes(a["bs"])
    n = int(a["number_ios"]) if "number_ios" in a else \
        size_bytes(a["size"]) // bs
    return (a["rw"], bs, int(a.get("iodepth", 1)), n)


def size_bytes(text):
    """fio's size: bytes, or with k or M (powers of 2)."""
    mult = {"k": 1 << 10, "M": 1 << 20}.get(text[-1:], 1)
    return int(text.rstrip("kM")) * mult


IODINE_PARAMS = re.compile(  # (a device name may hold ':' and '.')
    r"^compare [\w:.]+ ([\w-]+): (\w+) bs=(\d+) qd=(\d+) n=(\d+)$", re.M)


def iodine_params(text):
    """{key: (rw, block size, queue depth, I/Os)} as iodine ran them."""
    return {m.group(1): (m.group(2), int(m.group(3)), int(m.group(4)),
                         int(m.group(5)))
            for m in IODINE_PARAMS.finditer(text)}


def run_fio(fio, filename, key):
    """(IOPS, KiB/s) of fio (the command list) running workload key on
    filename; ValueError with fio's words if it gave none."""
    r = subprocess.run(fio + ["--filename=" + filename,
                              "--output-format=json"] + host_args(key),
                       capture_output=True, text=True)
    try:
        return fio_result(r.stdout)
    except (ValueError, KeyError) as e:
        raise ValueError("%s %s" % (e, r.stderr.strip()))


IODINE_LINE = re.compile(
    r"^compare ([\w:.]+) ([\w-]+): (\d+) IOPS, (\d+) KiB/s, (\d+) cyc/io",
    re.M)


def iodine_results(text):
    """{key: (IOPS, KiB/s)} from the compare_disk bench's lines."""
    return {m.group(2): (float(m.group(3)), float(m.group(4)))
            for m in IODINE_LINE.finditer(text)}
