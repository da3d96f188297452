#!/usr/bin/env python3
"""tests/run.py: iodine's test runner.

Boots the kernel in QEMU (TCG) once per scenario, each with its own machine
type, disks and kernel command line, and collects one result per test:

  * kernel scenarios boot with `test=PATTERN panic=exit` and read the KTAP
    lines the in-kernel tests print (kernel/ktest.c);
  * shell scenarios type commands on the serial console and check answers,
    and programs' (kernel/proc/) on theirs;
  * disk scenarios write the test pattern into images, boot with them and
    check the images from the host afterwards;
  * host scenarios run lib/'s unit tests built with sanitizers, host tools
    (blkparse, btt, sfdisk, GNU dd) against the kernel's output;
  * the gdb scenario drives gdb in batch mode against QEMU's gdb stub.

Every serial log is kept in build/logs/SCENARIO.log.  A scenario that hangs
or panics is reported with the test that was running.  The last line is
"N passed, N failed"; the exit status is non-zero on any failure.

The machinery is in tests/harness.py, the scenarios in tests/scenarios/,
a file per kind (imported below, in the order they start; bench.py is
make bench's); this file picks the scenarios and runs them, one per
core.

Usage: tests/run.py [-k SCENARIO_GLOB] [-j JOBS] [--list] [--long]
       [--bench [GLOB]]
"""

import argparse
import concurrent.futures
import fnmatch
import os
import sys
import threading
import time

from harness import Abandon, BASE_ISO, LOGS, Result, SCENARIOS
# Registered in this order, which is the order they start in.
import scenarios.core  # noqa: F401
import scenarios.blockshell  # noqa: F401
import scenarios.cache  # noqa: F401
import scenarios.disks  # noqa: F401
import scenarios.bigdisks  # noqa: F401
import scenarios.nvme  # noqa: F401
import scenarios.crash  # noqa: F401
import scenarios.trace  # noqa: F401
import scenarios.partitions  # noqa: F401
import scenarios.lv  # noqa: F401
import scenarios.shares  # noqa: F401
import scenarios.makerun  # noqa: F401
import scenarios.compare  # noqa: F401
import scenarios.proc  # noqa: F401
import scenarios.hostile  # noqa: F401
import scenarios.ext2  # noqa: F401
from scenarios.bench import run_benchmarks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", default="*", help="run scenarios matching this glob")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 2,
                    help="scenarios run at once")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--long", action="store_true",
                    help="the long scenarios (make test-long) instead")
    ap.add_argument("--bench", metavar="GLOB", nargs="?", const="*",
                    help="run the benchmarks (make bench) instead")
    opt = ap.parse_args()
    if opt.bench:
        return run_benchmarks(opt.bench)
    chosen = [(n, f) for n, f in SCENARIOS if fnmatch.fnmatch(n, opt.k) and
              f.long == opt.long]
    if opt.list:
        print("\n".join(n for n, _ in chosen))
        return 0
    if not os.path.exists(BASE_ISO):
        print("run.py: %s missing: run make first" % BASE_ISO)
        return 2
    os.makedirs(LOGS, exist_ok=True)
    lock = threading.Lock()
    results = []

    def run(item):
        name, fn = item
        start = time.monotonic()
        try:
            res = fn()
        except Abandon as a:
            res = a.results
        except Exception as e:  # a harness bug must not hide other results
            res = [Result(name + "/harness", False, "%s: %s" % (
                type(e).__name__, e))]
        with lock:
            for r in res:
                line = "ok   " + r.name if r.ok else \
                    "FAIL %s: %s" % (r.name, r.reason)
                print(line, flush=True)
            print("# %s: %.1f s" % (name, time.monotonic() - start),
                  flush=True)
            results.extend(res)

    with concurrent.futures.ThreadPoolExecutor(max_workers=opt.j) as ex:
        list(ex.map(run, chosen))
    npass = sum(r.ok for r in results)
    nfail = len(results) - npass
    print("%d passed, %d failed" % (npass, nfail))
    return 0 if nfail == 0 and npass > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
