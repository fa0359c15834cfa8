#!/usr/bin/python3
"""
Extract the vmlinux ELF from an x86 Linux bzImage, and check that it can be
booted through PVH (it carries the Xen PHYS32_ENTRY note).

    tools/bzimage.py extract BZIMAGE VMLINUX   write the ELF, print the entry
    tools/bzimage.py check VMLINUX             print the PVH entry, or fail

A bzImage is real-mode setup code, then the protected-mode decompressor with
the compressed kernel inside it. The setup header (Documentation/x86/boot.rst)
says where: setup_sects (u8 at 0x1f1; 0 means 4) gives the size of the setup
code in 512-byte sectors after the boot sector, so protected-mode code starts
at (setup_sects + 1) * 512; payload_offset (u32 at 0x248) and payload_length
(u32 at 0x24c) locate the payload inside it (boot protocol 2.08 and later).
Debian's kernel compresses with LZ4 in the legacy frame format, which the
kernel build follows with the uncompressed size (u32). The blocks are handed
to the lz4 command-line tool; the size and the ELF are checked afterwards.
"""
import struct
import subprocess
import sys
from pathlib import Path

BOOT_FLAG = 0xAA55              # u16 at 0x1fe
HDRS_MAGIC = b"HdrS"            # at 0x202
LZ4_LEGACY_MAGIC = 0x184C2102
LZ4_LEGACY_BLOCK = 8 << 20      # uncompressed size of every block but the last
XEN_ELFNOTE_PHYS32_ENTRY = 18
PT_NOTE = 4
EM_X86_64 = 62


class BadImage(Exception):
    pass


def u8(buf, off):
    return buf[off]


def u16(buf, off):
    return struct.unpack_from("<H", buf, off)[0]


def u32(buf, off):
    return struct.unpack_from("<I", buf, off)[0]


def payload(image):
    """The compressed kernel inside a bzImage (bytes), from its setup header."""
    if len(image) < 0x250 or u16(image, 0x1FE) != BOOT_FLAG or image[0x202:0x206] != HDRS_MAGIC:
        raise BadImage("not a bzImage (no boot flag or HdrS setup header)")
    version = u16(image, 0x206)
    if version < 0x208:
        raise BadImage(f"boot protocol {version >> 8}.{version & 0xff} has no payload fields")
    setup_sects = u8(image, 0x1F1) or 4
    start = (setup_sects + 1) * 512 + u32(image, 0x248)
    length = u32(image, 0x24C)
    if length < 8 or start + length > len(image):
        raise BadImage(f"payload [{start:#x}, +{length:#x}) lies outside the {len(image)}-byte file")
    return image[start:start + length]


def lz4_legacy_blocks(data):
    """
    Split a legacy LZ4 frame: (the frame itself, the size the kernel build
    appended after it). Each block is a u32 compressed size and the data.
    """
    if u32(data, 0) != LZ4_LEGACY_MAGIC:
        raise BadImage(f"payload is not LZ4 legacy (magic {u32(data, 0):#x}); "
                       "this kernel uses another compressor")
    off = 4
    while off + 4 <= len(data) - 4:
        size = u32(data, off)
        if size == 0 or off + 4 + size > len(data) - 4:
            break
        off += 4 + size
    if off != len(data) - 4:
        raise BadImage(f"LZ4 blocks end at {off:#x}, payload at {len(data):#x} (expected size trailer)")
    return data[:off], u32(data, off)


def decompress(image):
    """The uncompressed kernel (bytes) in a bzImage."""
    frame, size = lz4_legacy_blocks(payload(image))
    try:
        out = subprocess.run(["lz4", "-d", "-c", "-q"], input=frame, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, check=True).stdout
    except FileNotFoundError:
        raise BadImage("the lz4 tool is missing (Debian package lz4)") from None
    except subprocess.CalledProcessError as e:
        raise BadImage(f"lz4 failed: {e.stderr.decode(errors='replace').strip()}") from None
    if len(out) != size:
        raise BadImage(f"decompressed {len(out)} bytes, the image says {size}")
    return out


def notes(elf, off, length):
    """(name, type, desc) of every ELF note in elf[off:off+length]."""
    end = off + length
    while off + 12 <= end:
        namesz, descsz, ntype = struct.unpack_from("<III", elf, off)
        off += 12
        name = elf[off:off + namesz].rstrip(b"\0")
        off += (namesz + 3) & ~3
        desc = elf[off:off + descsz]
        off += (descsz + 3) & ~3
        if off > end:
            break
        yield name, ntype, desc


def pvh_entry(elf):
    """The 32-bit PVH entry (guest-physical) of an x86-64 vmlinux ELF."""
    if elf[:4] != b"\x7fELF" or len(elf) < 64:
        raise BadImage("not an ELF file")
    if elf[4] != 2 or elf[5] != 1 or u16(elf, 0x12) != EM_X86_64:
        raise BadImage("not a little-endian ELF64 for x86-64")
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = u16(elf, 0x36), u16(elf, 0x38)
    if phentsize < 56 or phoff + phnum * phentsize > len(elf):
        raise BadImage("program headers lie outside the file")
    for i in range(phnum):
        ph = phoff + i * phentsize
        p_type, = struct.unpack_from("<I", elf, ph)
        p_offset, = struct.unpack_from("<Q", elf, ph + 8)
        p_filesz, = struct.unpack_from("<Q", elf, ph + 32)
        if p_type != PT_NOTE or p_offset + p_filesz > len(elf):
            continue
        for name, ntype, desc in notes(elf, p_offset, p_filesz):
            # Linux emits the entry as a quad, Xen's docs as a long: take
            # the low 32 bits of either.
            if name == b"Xen" and ntype == XEN_ELFNOTE_PHYS32_ENTRY and len(desc) in (4, 8):
                return u32(desc, 0)
    raise BadImage("no Xen PHYS32_ENTRY (18) note: this kernel cannot boot through PVH")


def main(argv):
    try:
        if len(argv) == 3 and argv[0] == "extract":
            elf = decompress(Path(argv[1]).read_bytes())
            entry = pvh_entry(elf)
            tmp = Path(argv[2] + ".tmp")
            tmp.write_bytes(elf)
            tmp.replace(argv[2])
            print(f"vmlinux: {len(elf) >> 20} MiB ELF64, PVH entry {entry:#x}")
        elif len(argv) == 2 and argv[0] == "check":
            print(f"{pvh_entry(Path(argv[1]).read_bytes()):#x}")
        else:
            sys.exit(__doc__.strip().split("\n\n")[1])
    except (BadImage, OSError) as e:
        sys.exit(f"bzimage: {e}")


if __name__ == "__main__":
    main(sys.argv[1:])
