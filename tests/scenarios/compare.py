"""tests/scenarios/compare.py: make compare's parts that need no
download: iodine's side (the compare_disk bench prints a figure for
every workload the host side knows, and nothing it does not), and the
host side's readers of fio's JSON and of the Linux guest's console, and
its module ordering.  The whole comparison, with Debian's Linux, is
`make test-long`."""

import importlib.machinery
import importlib.util
import json
import os
import tempfile

from harness import BUILD, ROOT, Checks, boot_to_results, scenario

import sys
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import debfetch  # noqa: E402
import workloads  # noqa: E402


def fio_json(key, iops, kib, write=False, error=0):
    """fio's JSON for one job, in the shape fio 3.33 prints it."""
    side = {"io_bytes": 4096 * 4000, "iops": iops, "bw": kib}
    none = {"io_bytes": 0, "iops": 0.0, "bw": 0}
    return json.dumps({"fio version": "fio-3.33", "jobs": [{
        "jobname": key, "error": error,
        "read": none if write else side, "write": side if write else none}]},
        indent=2)


@scenario("compare")
def compare_scenario():
    c = Checks("compare")
    img = os.path.join(BUILD, "scenarios", "compare-disk.img")
    os.makedirs(os.path.dirname(img), exist_ok=True)
    with open(img, "wb") as f:
        f.truncate(64 << 20)
    res, out, _ = boot_to_results(
        "compare_iodine", 300, args="bench=compare_disk panic=exit",
        machine="q35", mem="512M",
        extra=["-drive", "file=%s,format=raw,if=none,id=d0" % img,
               "-device", "ide-hd,drive=d0,bus=ide.0"])
    c.results += res
    with c.test("iodine_prints_every_workload_make_compare_runs"):
        got = workloads.iodine_results(out)
        assert sorted(got) == sorted(workloads.IODINE_KEYS), \
            (sorted(got), out)
        assert all(iops > 0 and kib > 0 for iops, kib in got.values()), got
        lines = [ln for ln in out.splitlines() if ln.startswith("compare ")]
        assert len(lines) == 2 * len(workloads.IODINE_KEYS), lines

    with c.test("iodine_runs_what_fio_is_asked_to_run"):
        ran = workloads.iodine_params(out)
        for k in workloads.IODINE_KEYS:
            want = workloads.fio_params(workloads.LINUX_KEY[k])
            assert ran.get(k) == want, (k, ran.get(k), want)

    with c.test("fio_json_gives_the_side_that_moved"):
        got = workloads.fio_result("fio noise\n" + fio_json(
            "a", 1234.5, 4938))
        assert got == (1234.5, 4938.0), "a read: %r" % (got,)
        got = workloads.fio_result(fio_json("w", 99.0, 396, write=True))
        assert got == (99.0, 396.0), "a write: %r" % (got,)
        for bad in ("", "fio: no such file", fio_json("e", 1, 1, error=5)):
            try:
                workloads.fio_result(bad)
            except ValueError:
                continue
            raise AssertionError("no error for %r" % bad)

    with c.test("the_linux_console_gives_each_workload_in_order"):
        keys = workloads.KEYS
        text = "[ 1.0] booting\n" + "".join(
            "compare: fio %s\ncompare-result-begin\n%s\n"
            "compare-result-end 0\n" % (k, fio_json(k, 100.0 + i, 400 + i))
            for i, k in enumerate(keys))
        got = workloads.linux_results(text)
        assert got == {k: (100.0 + i, 400.0 + i)
                       for i, k in enumerate(keys)}, got
        short = text[:text.rindex("compare-result-begin")]
        try:
            workloads.linux_results(short)
            raise AssertionError("a missing workload went unnoticed")
        except ValueError as e:
            assert str(e).startswith(keys[-1] + ": not run"), e

    with c.test("chart_labels_fit_under_their_bars"):
        # compare.png gives each workload 175 pixels; a character of its
        # 11-point font is 7 to 8 wide: 21 characters a line at most
        loader = importlib.machinery.SourceFileLoader(
            "compare_script", os.path.join(ROOT, "scripts", "compare"))
        spec = importlib.util.spec_from_loader("compare_script", loader)
        script = importlib.util.module_from_spec(spec)
        loader.exec_module(script)
        for k in workloads.IODINE_KEYS:
            lines = script.chart_label(k).split("\\n") + [
                "iodine/Linux 10.00x"]
            assert len(lines) == 3 and all(len(x) <= 21 for x in lines), \
                "%s: %r" % (k, lines)
        labels = [script.chart_label(k) for k in workloads.IODINE_KEYS]
        assert len(set(labels)) == len(labels), labels

    with c.test("the_fio_jobs_fit_the_kernel_command_line"):
        jobs = ";".join(",".join(workloads.fio_args(k)) for k in keys)
        assert " " not in jobs and len(jobs) < 1500, jobs

    with c.test("modules_load_after_what_they_depend_on"):
        with tempfile.TemporaryDirectory() as d:
            kd = os.path.join(d, "kernel", "drivers")
            os.makedirs(kd)
            deps = {"ahci": "libahci,libata", "libahci": "libata",
                    "libata": "scsi_mod", "scsi_mod": "scsi_common",
                    "scsi_common": "", "ata_piix": "libata",
                    "sd_mod": "scsi_mod,t10-pi", "t10-pi": "",
                    "ext4": "mbcache,jbd2,crc16", "mbcache": "",
                    "jbd2": "", "crc16": "", "nvme": "nvme-core",
                    "nvme-core": "t10-pi"}
            for mod, dep in deps.items():
                with open(os.path.join(kd, mod + ".ko"), "wb") as f:
                    f.write(b"\x7fELF junk\0license=GPL\0depends=%s\0"
                            b"vermagic=6.1\0" % dep.encode())
            order = [os.path.basename(p)[:-3]
                     for p in debfetch.module_order(d)]
            assert sorted(order) == sorted(deps), order
            for mod, dep in deps.items():
                for x in filter(None, dep.split(",")):
                    assert order.index(x) < order.index(mod), order
            try:
                debfetch.module_order(d, ("virtio_blk",))
                raise AssertionError("a missing module went unnoticed")
            except debfetch.FetchError as e:
                assert "no module virtio_blk" in str(e), e
    return c.results
