/*
 * ELF64 images as the domain builders read them (sable/elf.h). Portable.
 */
#include <sable/elf.h>
#include <sable/lib.h>

const struct elf64_phdr *elf_phdrs(const void *data, uint64_t size, unsigned int *phnum,
                                   const char **why)
{
    const struct elf64_ehdr *eh = data;

    if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4)) {
        *why = "not an ELF file";
        return NULL;
    }
    if (eh->ident[4] != 2 || eh->ident[5] != 1 || eh->machine != 62) {
        *why = "not a little-endian x86-64 ELF64 image";
        return NULL;
    }
    if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phnum == 0 ||
        eh->phnum > ELF_MAX_PHDRS ||
        !elf_in_file(size, eh->phoff, (uint64_t)eh->phnum * sizeof(struct elf64_phdr))) {
        *why = "bad program header table";
        return NULL;
    }
    *phnum = eh->phnum;
    return (const void *)((const uint8_t *)data + eh->phoff);
}

unsigned int elf_xen_notes(const void *data, const struct elf64_phdr *ph, elf_note_fn fn,
                           void *ctx)
{
    const uint8_t *img = data;
    uint64_t off = ph->offset, end = ph->offset + ph->filesz;
    unsigned int found = 0;

    while (off + 12 <= end) {
        const uint32_t *hdr = (const void *)(img + off);
        uint32_t namesz = hdr[0], descsz = hdr[1], type = hdr[2];
        uint64_t name_off = off + 12, desc_off = name_off + ALIGN_UP((uint64_t)namesz, 4);

        if (namesz > 64 || descsz > 4096 || desc_off + descsz > end)
            break;
        off = desc_off + ALIGN_UP((uint64_t)descsz, 4);
        if (namesz != 4 || memcmp(img + name_off, "Xen", 4))
            continue;
        found++;
        fn(ctx, type, img + desc_off, descsz);
    }
    return found;
}

void elf_note_number(const uint8_t *desc, uint32_t descsz, uint64_t *out)
{
    uint64_t v = 0;

    if (descsz == 4 || descsz == 8) {
        memcpy(&v, desc, descsz);
        *out = v;
    }
}

int elf_load_segments(const void *data, const struct elf64_phdr *ph, unsigned int phnum,
                      bool physical, elf_write_fn write, void *ctx)
{
    for (unsigned int i = 0; i < phnum; i++) {
        int rc;

        if (ph[i].type != PT_LOAD || !ph[i].filesz)
            continue;
        rc = write(ctx, physical ? ph[i].paddr : ph[i].vaddr,
                   (const uint8_t *)data + ph[i].offset, ph[i].filesz);
        if (rc)
            return rc;
    }
    return 0;
}
