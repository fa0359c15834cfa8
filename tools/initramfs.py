#!/usr/bin/python3
"""
Pack a directory into a gzip-compressed initramfs (cpio "newc").

    tools/initramfs.py DIR OUT.cpio.gz [--node PATH:c|b:MAJOR:MINOR]...

Every entry is owned by root and dated 0, so the archive depends only on the
directory's contents and modes: it is the same on every machine and needs no
root to build. Device nodes the kernel needs before /init runs (the initial
console, /dev/console) are added with --node, since an unprivileged build
cannot create them in DIR.
"""
import argparse
import gzip
import os
import stat
import sys
from pathlib import Path

NEWC_MAGIC = b"070701"


def header(ino, mode, size, name, rdev=(0, 0), nlink=1):
    """One newc header plus the name, padded to 4 bytes."""
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    head = NEWC_MAGIC + b"".join(b"%08X" % f for f in fields) + name + b"\0"
    return head + b"\0" * (-len(head) % 4)


def entries(root, nodes):
    """(archive name, mode, data, rdev) for DIR's tree and the extra nodes, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix().encode()
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                out.append((rel, st.st_mode, os.readlink(path).encode(), (0, 0)))
            elif stat.S_ISDIR(st.st_mode):
                out.append((rel, st.st_mode, b"", (0, 0)))
            elif stat.S_ISREG(st.st_mode):
                out.append((rel, st.st_mode, path.read_bytes(), (0, 0)))
            else:
                sys.exit(f"initramfs: {path}: not a file, directory or symlink")
    for spec in nodes:
        path, kind, major, minor = spec.split(":")
        mode = (stat.S_IFCHR if kind == "c" else stat.S_IFBLK) | 0o600
        out.append((path.strip("/").encode(), mode, b"", (int(major), int(minor))))
    # Parents before children: sorting the paths does it.
    return sorted(out)


def pack(root, nodes):
    """The uncompressed archive (bytes)."""
    parts = []
    for ino, (name, mode, data, rdev) in enumerate(entries(root, nodes), start=1):
        nlink = 2 if stat.S_ISDIR(mode) else 1
        parts.append(header(ino, mode, len(data), name, rdev, nlink))
        parts.append(data + b"\0" * (-len(data) % 4))
    parts.append(header(0, 0, 0, b"TRAILER!!!"))
    return b"".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--node", action="append", default=[], metavar="PATH:c|b:MAJOR:MINOR")
    a = ap.parse_args()
    archive = pack(a.dir, a.node)
    tmp = a.out.with_name(a.out.name + ".tmp")
    with open(tmp, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as gz:
        gz.write(archive)
    tmp.replace(a.out)
    print(f"initramfs: {a.out} ({len(archive) >> 10} KiB, {a.out.stat().st_size >> 10} KiB compressed)")


if __name__ == "__main__":
    main()
