/*
 * Reading ELF64 kernel images (the PV and PVH domain builders): the header
 * and program header checks every image must pass, and the walk over the
 * Xen notes of a PT_NOTE segment. Every offset and size comes from a
 * hostile file and is checked against its size first.
 */
#ifndef SABLE_ELF_H
#define SABLE_ELF_H

#include <sable/types.h>

struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
#define PT_LOAD 1
#define PT_NOTE 4
#define ELF_MAX_PHDRS 64

/* Is [off, off + len) inside a file of size bytes? */
static inline bool elf_in_file(uint64_t size, uint64_t off, uint64_t len)
{
    return off <= size && len <= size - off;
}

/*
 * The program header table of a little-endian x86-64 ELF64 image of size
 * bytes (1..ELF_MAX_PHDRS entries, inside the file), or NULL with *why
 * saying what is wrong. The segments themselves are not checked.
 */
const struct elf64_phdr *elf_phdrs(const void *data, uint64_t size, unsigned int *phnum,
                                   const char **why);

/*
 * Call fn(ctx, type, desc, descsz) for every note owned by "Xen" in PT_NOTE
 * segment ph (which must lie inside the file); stops at the first malformed
 * note. Returns how many Xen notes there were.
 */
typedef void (*elf_note_fn)(void *ctx, uint32_t type, const uint8_t *desc, uint32_t descsz);
unsigned int elf_xen_notes(const void *data, const struct elf64_phdr *ph, elf_note_fn fn,
                           void *ctx);

/*
 * Copy the PT_LOAD segments of the image at data (program headers ph,
 * inside the file) out: write(ctx, address, bytes, filesz) for each, the
 * address its p_paddr if physical, else its p_vaddr (the rest of memsz is
 * zero and not written). Stops at the first nonzero return and returns it.
 */
typedef int (*elf_write_fn)(void *ctx, uint64_t addr, const void *src, uint64_t len);
int elf_load_segments(const void *data, const struct elf64_phdr *ph, unsigned int phnum,
                      bool physical, elf_write_fn write, void *ctx);

/* A note's number (4 or 8 bytes, little-endian) into *out; other sizes leave it. */
void elf_note_number(const uint8_t *desc, uint32_t descsz, uint64_t *out);

#endif
