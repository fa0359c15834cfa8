#!/usr/bin/python3
"""Check a PV test kernel the way a Xen-style domain builder reads it.

    guest/check_elf.py build/guests/selftest.elf

- the Xen ELF notes sit in a PT_NOTE segment and say what Xen's libelf
  requires (XEN_VERSION "xen-3.0", LOADER "generic"), with GUEST_OS set and
  PADDR_OFFSET 0;
- ENTRY equals e_entry and the symbol _start;
- HYPERCALL_PAGE equals the symbol hypercall_page, is page aligned and lies
  inside the executable PT_LOAD segment;
- every PT_LOAD has p_vaddr == p_paddr + VIRT_BASE - PADDR_OFFSET (libelf's
  rule, elf_xen_addr_calc_check) and starts at or above VIRT_BASE.

Prints one summary line; exits 1 with the first mismatch.
"""
import struct
import sys

PT_LOAD, PT_NOTE, PF_X = 1, 4, 1
SHT_SYMTAB = 2
NOTE_NAMES = {1: "ENTRY", 2: "HYPERCALL_PAGE", 3: "VIRT_BASE", 4: "PADDR_OFFSET",
              5: "XEN_VERSION", 6: "GUEST_OS", 7: "GUEST_VERSION", 8: "LOADER",
              10: "FEATURES"}
STRING_NOTES = {5, 6, 7, 8, 10}


def fail(path, why):
    sys.exit(f"check_elf: {path}: {why}")


def align4(x):
    return (x + 3) & ~3


def read_notes(data, off, size):
    """Xen notes of one PT_NOTE segment: {type: int or str}."""
    notes, end = {}, off + size
    while off + 12 <= end:
        namesz, descsz, ntype = struct.unpack_from("<III", data, off)
        name = data[off + 12:off + 12 + namesz].rstrip(b"\0")
        desc_off = off + 12 + align4(namesz)
        desc = data[desc_off:desc_off + descsz]
        off = desc_off + align4(descsz)
        if name != b"Xen":
            continue
        if ntype in STRING_NOTES:
            notes[ntype] = desc.split(b"\0")[0].decode()
        elif descsz in (4, 8):
            notes[ntype] = int.from_bytes(desc, "little")
    return notes


def read_symbols(data, shoff, shentsize, shnum):
    """{name: value} from the symbol table."""
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                for i in range(shnum)]
    symbols = {}
    for sh in sections:
        if sh[1] != SHT_SYMTAB:
            continue
        strtab = sections[sh[6]]
        for i in range(sh[5] // 24):
            st_name, _, _, _, st_value, _ = struct.unpack_from("<IBBHQQ", data, sh[4] + i * 24)
            name_off = strtab[4] + st_name
            name = data[name_off:data.index(b"\0", name_off)].decode()
            symbols[name] = st_value
    return symbols


def check(path):
    data = open(path, "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        fail(path, "not an ELF64 file")
    (e_entry, e_phoff, e_shoff) = struct.unpack_from("<QQQ", data, 24)
    (e_phentsize, e_phnum, e_shentsize, e_shnum) = struct.unpack_from("<HHHH", data, 54)
    phdrs = [struct.unpack_from("<IIQQQQQQ", data, e_phoff + i * e_phentsize)
             for i in range(e_phnum)]
    notes = {}
    for p_type, _, p_offset, _, _, p_filesz, _, _ in phdrs:
        if p_type == PT_NOTE:
            notes.update(read_notes(data, p_offset, p_filesz))
    if not notes:
        fail(path, "no Xen notes in a PT_NOTE segment")
    for ntype in (1, 2, 3, 4, 5, 6, 8):
        if ntype not in notes:
            fail(path, f"no {NOTE_NAMES[ntype]} note")
    if notes[5] != "xen-3.0":
        fail(path, f"XEN_VERSION {notes[5]!r}, want 'xen-3.0'")
    if notes[8] != "generic":
        fail(path, f"LOADER {notes[8]!r}, want 'generic'")
    if not notes[6]:
        fail(path, "empty GUEST_OS")
    if notes[4] != 0:
        fail(path, f"PADDR_OFFSET {notes[4]:#x}, want 0")

    symbols = read_symbols(data, e_shoff, e_shentsize, e_shnum)
    entry, hcall, base = notes[1], notes[2], notes[3]
    if entry != e_entry or entry != symbols.get("_start"):
        fail(path, f"ENTRY {entry:#x}, e_entry {e_entry:#x}, _start {symbols.get('_start')}")
    if hcall != symbols.get("hypercall_page") or hcall & 0xfff:
        fail(path, f"HYPERCALL_PAGE {hcall:#x} is not the page-aligned hypercall_page")

    in_text = False
    for p_type, p_flags, _, p_vaddr, p_paddr, _, p_memsz, _ in phdrs:
        if p_type != PT_LOAD:
            continue
        if p_vaddr != p_paddr + base - notes[4]:
            fail(path, f"PT_LOAD {p_vaddr:#x}: p_paddr {p_paddr:#x} is not p_vaddr - VIRT_BASE")
        if p_vaddr < base:
            fail(path, f"PT_LOAD {p_vaddr:#x} below VIRT_BASE {base:#x}")
        if p_flags & PF_X and p_vaddr <= hcall and hcall + 4096 <= p_vaddr + p_memsz:
            in_text = True
    if not in_text:
        fail(path, f"HYPERCALL_PAGE {hcall:#x} not inside the executable PT_LOAD")
    print(f"  ELF {path}: ENTRY {entry:#x}, HYPERCALL_PAGE {hcall:#x}, "
          f"VIRT_BASE {base:#x}, PADDR_OFFSET 0, notes ok")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        check(arg)
