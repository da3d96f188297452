"""newc.py: the cpio "new ASCII" archive format (cpio -H newc), written
for make compare's Linux initramfs (debfetch.py) and for iodine's /bin
(mkbin), which the kernel reads (kernel/proc/binfs.c)."""

import stat
import sys


def cpio_newc(entries, out):
    """Write a newc cpio archive: entries are (name, mode, data-or-None
    for a folder, symlink target for a link)."""
    with open(out, "wb") as f:
        ino = 1
        for name, mode, data in entries + [("TRAILER!!!", 0, b"")]:
            data = data or b""
            name_b = name.encode() + b"\0"
            hdr = b"070701" + b"".join(b"%08X" % v for v in (
                ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0,
                len(name_b), 0))
            f.write(hdr + name_b)
            f.write(b"\0" * (-(110 + len(name_b)) % 4))
            f.write(data)
            f.write(b"\0" * (-len(data) % 4))
            ino += 1


def main():
    """mkbin OUT FILE...: the files, by their base names, as /bin."""
    import os
    out, files = sys.argv[1], sys.argv[2:]
    ents = []
    for path in files:
        with open(path, "rb") as f:
            ents.append((os.path.basename(path), stat.S_IFREG | 0o755,
                         f.read()))
    cpio_newc(ents, out + ".tmp")
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
