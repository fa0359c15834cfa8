#!/usr/bin/python3
"""
Which kernel modules to load, and in what order, without depmod or modprobe.

    tools/kmod.py MODDIR NAME...

MODDIR is an unpacked /lib/modules/<release> (it has modules.order and
modules.builtin, but Debian ships no modules.dep: depmod makes it when the
package is installed). Prints, one a line, the paths (relative to MODDIR) of
the named modules and of everything they depend on, dependencies first. A
module's dependencies are the `depends=` entry of its .modinfo section. Names
that are built into the kernel are left out; an unknown name is an error.
"""
import struct
import sys
from pathlib import Path


def canonical(name):
    """Module names treat - and _ alike; the kernel uses _."""
    return name.replace("-", "_")


def modinfo(ko):
    """The key=value strings of a module's .modinfo ELF section."""
    elf = ko.read_bytes()
    if elf[:5] != b"\x7fELF\x02":
        raise ValueError(f"{ko}: not an ELF64 module")
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)

    def section(i):
        name, _, _, _, off, size = struct.unpack_from("<IIQQQQ", elf, shoff + i * shentsize)
        return name, elf[off:off + size]

    strtab = section(shstrndx)[1]
    for i in range(shnum):
        name, data = section(i)
        if strtab[name:strtab.index(b"\0", name)] == b".modinfo":
            return [s.decode() for s in data.split(b"\0") if s]
    return []


def depends(ko):
    for entry in modinfo(ko):
        if entry.startswith("depends="):
            return [d for d in entry[len("depends="):].split(",") if d]
    return []


def load_order(moddir, names):
    """Module paths (relative to moddir) to insmod in order, dependencies first."""
    index = {}
    for line in (moddir / "modules.order").read_text().split():
        index[canonical(Path(line).name.removesuffix(".ko"))] = line
    builtin = {canonical(Path(line).name.removesuffix(".ko"))
               for line in (moddir / "modules.builtin").read_text().split()}
    order, seen = [], set()

    def visit(name, chain):
        name = canonical(name)
        if name in seen or name in builtin:
            return
        if name not in index:
            raise ValueError(f"no module {name} in {moddir}" +
                             (f" (needed by {chain[-1]})" if chain else ""))
        if name in chain:
            raise ValueError("dependency loop: " + " -> ".join(chain + [name]))
        for dep in depends(moddir / index[name]):
            visit(dep, chain + [name])
        seen.add(name)
        order.append(index[name])

    for n in names:
        visit(n, [])
    return order


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__.strip().split("\n\n")[1])
    try:
        print("\n".join(load_order(Path(argv[0]), argv[1:])))
    except (ValueError, OSError) as e:
        sys.exit(f"kmod: {e}")


if __name__ == "__main__":
    main(sys.argv[1:])
