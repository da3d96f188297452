"""scripts/iodine_gdb.py: gdb helpers that know iodine's structures,
sourced by scripts/iodine.gdb (make debug, and the gdb test).

  iodine-bufs      the bufs in flight on each device: the driver's queue,
                   its slots (AHCI) or active command (IDE), a volume's
                   requests; and the INTIODONE queue ($iodine_buf: the
                   first buf shown, for print *$iodine_buf)
  iodine-threads   every thread, its state and what it sleeps on
  iodine-spl       the interrupt level, pending IRQs and soft interrupts
  iodine-cache     the buffer cache: its hash chains in use and its LRU
  print *bp        a struct buf, with b_flags decoded and dev as major,minor
"""

import gdb

B_FLAGS = [(0x0001, "B_READ"), (0x0002, "B_DONE"), (0x0004, "B_ERROR"),
           (0x0008, "B_BUSY"), (0x0010, "B_ASYNC"), (0x0020, "B_DELWRI"),
           (0x0040, "B_INVAL"), (0x0080, "B_WANTED"), (0x0100, "B_CACHE"),
           (0x0200, "B_RAW"), (0x0400, "B_AGE"), (0x0800, "B_READAHEAD"),
           (0x1000, "B_FLUSH")]  # kernel/blk/buf.h
last_buf = None  # the first buf iodine-bufs showed: $iodine_buf
MAJOR_RD, MAJOR_WD, MAJOR_SD, MAJOR_PART, MAJOR_LV, MAJOR_NVME = \
    1, 2, 3, 4, 5, 6
NIRQ = 16


def sym(name, file=None):
    """A kernel variable, static ones by their file ('bcache.c'::bc)."""
    return gdb.parse_and_eval("'%s'::%s" % (file, name) if file else name)


def flags_str(f):
    f = int(f)
    names = [n for bit, n in B_FLAGS if f & bit]
    return "|".join(names) if names else "B_WRITE"


def dev_str(d):
    d = int(d) & 0xFFFFFFFF
    if d == 0xFFFFFFFF:
        return "NODEV"
    return "%d,%d" % (d >> 24, d & 0xFFFFFF)


def symbol_at(addr):
    a = int(addr)
    if not a:
        return "NULL"
    s = gdb.execute("info symbol %#x" % a, to_string=True).strip()
    return s.split(" in section")[0] if "No symbol" not in s else "%#x" % a


def buf_line(bp):
    global last_buf
    if last_buf is None:
        last_buf = bp
    b = bp.dereference()
    return ("buf %#010x dev %s blk %d %s %d bytes resid %d%s iodepth %d "
            "iodone %s" % (
                int(bp), dev_str(b["b_dev"]), int(b["b_blkno"]),
                flags_str(b["b_flags"]), int(b["b_bcount"]),
                int(b["b_resid"]),
                " error %d" % int(b["b_error"])
                if int(b["b_flags"]) & 4 else "",
                int(b["b_iodepth"]), symbol_at(b["b_iodone"])))


def bufq_list(q):
    out, bp, n = [], q["head"], 0
    while int(bp) and n < 4096:
        out.append(bp)
        bp = bp.dereference()["av_forw"]
        n += 1
    return out


class BufPrinter:
    """print *bp: the fields people read, b_flags as names."""

    def __init__(self, val):
        self.val = val

    def to_string(self):
        v = self.val
        return ("{b_flags = %s, b_dev = %s, b_blkno = %d, b_bcount = %d, "
                "b_resid = %d, b_error = %d, b_addr = %#x, b_iodone = %s, "
                "b_iodepth = %d, av_forw = %#x}" % (
                    flags_str(v["b_flags"]), dev_str(v["b_dev"]),
                    int(v["b_blkno"]), int(v["b_bcount"]),
                    int(v["b_resid"]), int(v["b_error"]),
                    int(v["b_un"]["b_addr"]), symbol_at(v["b_iodone"]),
                    int(v["b_iodepth"]), int(v["av_forw"])))


def lookup_printer(val):
    t = val.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_STRUCT and t.tag == "buf":
        return BufPrinter(val)
    return None


class Bufs(gdb.Command):
    """iodine-bufs: the bufs in flight on each device, and INTIODONE's."""

    def __init__(self):
        super().__init__("iodine-bufs", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        n = int(sym("nbdev", "bdev.c"))
        bdevs = sym("bdevs", "bdev.c")
        global last_buf
        last_buf = None
        for i in range(n):
            bd = bdevs[i]
            name = bd["name"].string()
            major = (int(bd["dev"]) & 0xFFFFFFFF) >> 24
            lines = []
            if major == MAJOR_SD:
                p = bd["softc"].cast(gdb.lookup_type("struct ahci_port")
                                     .pointer())
                active = int(p["active"])
                for s in range(32):
                    if active & 1 << s and int(p["slot"][s]):
                        lines.append("slot %2d: %s" % (
                            s, buf_line(p["slot"][s])))
                for bp in bufq_list(p["queue"]):
                    lines.append("queued:  " + buf_line(bp))
            elif major == MAJOR_WD:
                d = bd["softc"].cast(gdb.lookup_type("struct ide_drive")
                                     .pointer())
                ch = d["ch"].dereference()
                if int(ch["active"]) and int(ch["adrive"]) == int(d):
                    lines.append("active:  " + buf_line(ch["active"]))
                for bp in bufq_list(ch["queue"]):
                    if int(bp.dereference()["b_dev"]) == int(bd["dev"]):
                        lines.append("queued:  " + buf_line(bp))
            elif major == MAJOR_NVME:
                ns = bd["softc"].cast(gdb.lookup_type("struct nvme_ns")
                                      .pointer())
                c = ns["c"].dereference()
                for cid in range(128):
                    cmd = c["cmd"][cid]
                    if int(cmd["bp"]) and int(cmd["ns"]) == int(ns):
                        lines.append("cid %3d: %s" % (cid,
                                                      buf_line(cmd["bp"])))
                for bp in bufq_list(c["queue"]):
                    if int(bp.dereference()["b_dev"]) == int(bd["dev"]):
                        lines.append("queued:  " + buf_line(bp))
            elif major == MAJOR_RD:
                sc = bd["softc"].cast(gdb.lookup_type("struct rd_softc")
                                      .pointer())
                for bp in bufq_list(sc["queue"]):
                    lines.append("queued:  " + buf_line(bp))
            elif major == MAJOR_LV:
                lv = bd["softc"].cast(gdb.lookup_type("struct lv").pointer())
                for k in range(64):
                    r = lv["req"][k]
                    if int(r["active"]):
                        lines.append("request: %s, %d pieces out" % (
                            buf_line(r["bp"]), int(r["pending"])))
                for bp in bufq_list(lv["waitq"]):
                    lines.append("waiting: " + buf_line(bp))
            print("%s (%s): %s" % (name, dev_str(bd["dev"]),
                                    "%d in flight" % len(lines)
                                    if lines else "idle"))
            for line in lines:
                print("  " + line)
        if last_buf is not None:
            gdb.set_convenience_variable("iodine_buf", last_buf)
        q = sym("iodq", "iodone.c")["q"]
        lst = bufq_list(q)
        print("INTIODONE queue: %s" % ("%d waiting" % len(lst)
                                       if lst else "empty"))
        for bp in lst:
            print("  " + buf_line(bp))


class Threads(gdb.Command):
    """iodine-threads: every thread, its state and what it sleeps on."""

    def __init__(self):
        super().__init__("iodine-threads", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        cur = int(sym("curthread"))
        t = sym("all_threads", "thread.c")
        print("%-4s %-16s %-10s %s" % ("ID", "NAME", "STATE", "SLEEPS ON"))
        while int(t):
            th = t.dereference()
            state = str(th["state"]).replace("T_", "").lower()
            wait = ""
            if int(th["wchan"]):
                wait = "%s (%s)" % (th["wmesg"].string()
                                    if int(th["wmesg"]) else "?",
                                    symbol_at(th["wchan"]))
            print("%-4d %-16s %-10s %s%s" % (
                int(th["id"]), th["name"].string(), state, wait,
                "  <- running" if int(t) == cur else ""))
            t = th["all_next"]


class Spl(gdb.Command):
    """iodine-spl: the interrupt level, pending IRQs and soft interrupts."""

    def __init__(self):
        super().__init__("iodine-spl", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        cpl = int(sym("cpl"))
        pend = int(sym("ipending", "intr.c"))
        ctx = int(sym("intr_who")) & 0xFFFF  # kernel/intr.h
        names = ["none", "softclock", "iodone", "bio", "tty", "clock",
                 "high"]  # kernel/intr.h
        print("cpl %d (IPL_%s), running: %s" % (
            cpl, names[cpl].upper() if cpl < len(names) else "?",
            "thread %d" % ctx if not ctx & 0x8000 else
            ("irq %d" % (ctx & 0xFF) if (ctx & 0xC000) == 0x8000 else
             "soft interrupt %d" % (ctx & 0xFF))))
        irqs = [str(i) for i in range(NIRQ) if pend & 1 << i]
        print("pending IRQs: %s" % (" ".join(irqs) if irqs else "none"))
        soft = sym("softints", "intr.c")
        ns = int(sym("nsoftint", "intr.c"))
        pending = [soft[i]["name"].string() for i in range(ns)
                   if pend & 1 << (NIRQ + i)]
        print("pending soft interrupts: %s" % (
            " ".join(pending) if pending else "none"))


class Cache(gdb.Command):
    """iodine-cache: the buffer cache's hash chains in use and its LRU."""

    def __init__(self):
        super().__init__("iodine-cache", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        bc = sym("bc", "bcache.c")
        nbuf, hmask = int(bc["nbuf"]), int(bc["hmask"])
        used = 0
        print("%d buffers, %d hash chains" % (nbuf, hmask + 1))
        for h in range(hmask + 1):
            bp = bc["hash"][h]
            chain = []
            while int(bp) and len(chain) < 64:
                chain.append(bp)
                bp = bp.dereference()["b_forw"]
            if chain:
                used += 1
                print("hash %d:" % h)
                for b in chain:
                    print("  " + buf_line(b))
        print("%d chains in use" % used)
        lru = bc["lru"]
        sentinel = int(lru.address)
        bp, n = lru["b_lrunext"], 0
        print("LRU, oldest first:")
        while int(bp) != sentinel and n < int(arg or 16):
            print("  " + buf_line(bp))
            bp = bp.dereference()["b_lrunext"]
            n += 1


gdb.pretty_printers.append(lookup_printer)
Bufs()
Threads()
Spl()
Cache()
