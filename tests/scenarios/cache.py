"""tests/scenarios/cache.py: the buffer cache's memory, from outside: a
pool sized in bytes (bcache=) holds no more than it says while a
process reads four times as much through it, and a thousand
open/read/close cycles leave nothing behind."""

import os
import re

from harness import BUILD, Checks, boot_to_shell, scenario

POOL_MIB = 16


def mem(m):
    """(free bytes, kmalloc bytes in use) as `mem` says them."""
    out = m.cmd("mem")
    free = re.search(r"^RAM .* free \((\d+) of \d+ pages\)", out, re.M)
    heap = re.search(r"^kmalloc .* in use \((\d+) bytes\)", out, re.M)
    assert free and heap, "mem said:\n" + out
    return int(free.group(1)) * 4096, int(heap.group(1))


def held(m):
    """(bytes of data the cache holds, its pool's size line)."""
    out = m.cmd("cache")
    r = re.search(r"^buffers\s+\d+, .* \((\d+) bytes\) in a pool of (.*)$",
                  out, re.M)
    assert r, "cache said:\n" + out
    return int(r.group(1)), r.group(2)


@scenario("cache_memory")
def cache_memory():
    c = Checks("cache_memory")
    d = os.path.join(BUILD, "scenarios", "cache_memory")
    os.makedirs(d, exist_ok=True)
    img = os.path.join(d, "sd0.img")
    with open(img, "wb") as f:
        f.truncate(256 << 20)  # sparse: reads of holes are zeros
    m = boot_to_shell("cache_memory", machine="q35", cd="scsi",
                      args="bcache=%dM" % POOL_MIB,
                      extra=["-drive", "file=%s,format=raw,if=none,id=d0"
                             % img, "-device", "ide-hd,drive=d0,bus=ide.0"])
    try:
        with c.test("the_pool_is_the_size_bcache_says"):
            assert held(m)[1] == "%d MiB" % POOL_MIB, held(m)
        m.cmd("cache drop")
        free0, heap0 = mem(m)
        with c.test("a_64_mib_read_through_the_cache_stays_within_the_pool"):
            out = m.cmd("run dd if=/dev/sd0 of=/dev/null bs=64K count=1024",
                        timeout=300)
            assert "67108864 bytes" in out, out
            data, _ = held(m)
            free1, _ = mem(m)
            assert data <= POOL_MIB << 20, \
                "the cache holds %d bytes, its pool is %d MiB" % (
                    data, POOL_MIB)
            # the pool's data, and a little for headers' pages in
            # kmalloc's classes
            assert free0 - free1 <= (POOL_MIB + 1) << 20, \
                "free memory fell by %d bytes" % (free0 - free1)
        with c.test("a_thousand_open_read_close_cycles_leak_nothing"):
            m.cmd("cache drop")
            free0, heap0 = mem(m)
            out = m.cmd("run utest openloop /dev/sd0 1000", timeout=300)
            assert out.strip() == "openloop: 1000 of 1000 cycles", out
            m.cmd("cache drop")
            free1, heap1 = mem(m)
            assert abs(heap1 - heap0) <= 8192 and \
                abs(free1 - free0) <= 64 << 10, \
                "kmalloc in use %d -> %d bytes, free %d -> %d bytes" % (
                    heap0, heap1, free0, free1)
    finally:
        m.close()
    m = boot_to_shell("cache_memory_bad", args="bcache=1K")
    try:
        with c.test("a_bad_bcache_is_said_and_the_default_kept"):
            assert re.search(r"bcache: bcache=1K: EINVAL: not 256K to \d+K",
                             m.buf), m.buf[-2000:]
            data, pool = held(m)
            assert pool.endswith("MiB") and float(pool.split()[0]) > 32, \
                pool
    finally:
        m.close()
    return c.results
