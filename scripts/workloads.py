"""scripts/workloads.py: the workloads iodine and Linux both run in make
compare (and the host in make bench), as fio says them; and reading
fio's JSON.

The keys are those tests/kernel/bench_disk.c prints; the counts are its
own: 4000 random 4 KiB I/Os (block-aligned, anywhere on the disk,
drawn with repeats: --norandommap), 64 MiB sequential from block 0.
fio runs each with libaio and O_DIRECT, as one thread (no SysV shared
memory in the guest).
"""

import json
import re
import subprocess

RAND_IOS = 4000
SEQ_SIZE = "64M"

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

COMMON = ["--ioengine=libaio", "--direct=1", "--thread", "--norandommap",
          "--randrepeat=1"]


def fio_args(key):
    """fio's arguments for one workload (the file not included)."""
    args = dict((w[0], w[2]) for w in WORKLOADS)[key]
    return ["--name=" + key] + COMMON + args


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
    bs = int(a["bs"].rstrip("k")) * 1024
    n = int(a["number_ios"]) if "number_ios" in a else \
        int(a["size"].rstrip("M")) * (1 << 20) // bs
    return (a["rw"], bs, int(a["iodepth"]), n)


IODINE_PARAMS = re.compile(
    r"^compare \w+ ([\w-]+): (\w+) bs=(\d+) qd=(\d+) n=(\d+)$", re.M)


def iodine_params(text):
    """{key: (rw, block size, queue depth, I/Os)} as iodine ran them."""
    return {m.group(1): (m.group(2), int(m.group(3)), int(m.group(4)),
                         int(m.group(5)))
            for m in IODINE_PARAMS.finditer(text)}


def run_fio(fio, filename, key):
    """(IOPS, KiB/s) of fio (the command list) running workload key on
    filename; ValueError with fio's words if it gave none."""
    r = subprocess.run(fio + ["--filename=" + filename,
                              "--output-format=json"] + fio_args(key),
                       capture_output=True, text=True)
    try:
        return fio_result(r.stdout)
    except (ValueError, KeyError) as e:
        raise ValueError("%s %s" % (e, r.stderr.strip()))


IODINE_LINE = re.compile(
    r"^compare (\w+) ([\w-]+): (\d+) IOPS, (\d+) KiB/s, (\d+) cyc/io", re.M)


def iodine_results(text):
    """{key: (IOPS, KiB/s)} from the compare_disk bench's lines."""
    return {m.group(2): (float(m.group(3)), float(m.group(4)))
            for m in IODINE_LINE.finditer(text)}
