/*
 * A small PV kernel image for host tests: ELF64 x86-64 with one PT_LOAD of
 * 0x2000 bytes (0x100 of them in the file, 0x90 bytes) at VIRT_BASE and
 * the Xen notes VIRT_BASE, ENTRY (VIRT_BASE + 0x10), HYPERCALL_PAGE
 * (VIRT_BASE + 0x1000) and GUEST_OS "Sable", in a PT_NOTE. Tests break
 * it field by field.
 */
#ifndef FAKE_ELF_H
#define FAKE_ELF_H

#include <sable/pv_image.h>
#include "public/elfnote.h"

#define VIRT_BASE 0xffffffff80000000ULL

struct image {
    uint8_t b[4096];
    uint64_t size;
};

static inline void put_note(uint8_t *at, uint32_t type, const void *desc, uint32_t len)
{
    uint32_t hdr[3] = { 4, len, type };

    memcpy(at, hdr, 12);
    memcpy(at + 12, "Xen", 4);
    memcpy(at + 16, desc, len);
}

/* A PV kernel: one PT_LOAD of 0x2000 bytes at VIRT_BASE, notes in a PT_NOTE. */
static inline void image_make(struct image *im)
{
    uint64_t entry = VIRT_BASE + 0x10, hc = VIRT_BASE + 0x1000, base = VIRT_BASE;
    struct elf64_phdr ph[2] = {
        { .type = PT_LOAD, .offset = 0x400, .vaddr = VIRT_BASE, .paddr = 0,
          .filesz = 0x100, .memsz = 0x2000 },
        { .type = PT_NOTE, .offset = 0x200, .filesz = 3 * 24 + 24 },
    };
    uint8_t *e = im->b;

    memset(im, 0, sizeof(*im));
    memcpy(e, "\177ELF\2\1\1", 7);
    e[18] = 62;                                         /* e_machine */
    memcpy(e + 24, &entry, 8);                          /* e_entry */
    *(uint64_t *)(e + 32) = 64;                         /* e_phoff */
    *(uint16_t *)(e + 54) = sizeof(struct elf64_phdr);  /* e_phentsize */
    *(uint16_t *)(e + 56) = 2;                          /* e_phnum */
    memcpy(e + 64, ph, sizeof(ph));
    put_note(e + 0x200, XEN_ELFNOTE_VIRT_BASE, &base, 8);
    put_note(e + 0x218, XEN_ELFNOTE_ENTRY, &entry, 8);
    put_note(e + 0x230, XEN_ELFNOTE_HYPERCALL_PAGE, &hc, 8);
    put_note(e + 0x248, XEN_ELFNOTE_GUEST_OS, "Sable\0\0", 8);
    memset(e + 0x400, 0x90, 0x100);
    im->size = 0x500;
}

/*
 * A PVH kernel, as Linux's vmlinux is laid out: a PT_LOAD of 2 MiB (0x100
 * bytes of 0xab in the file) at PVH_KERNEL_AT, and a PHYS32_ENTRY note
 * (8 bytes, as Linux emits it) saying entry.
 */
#define PVH_KERNEL_AT 0x1000000ULL

static inline void pvh_image_make(struct image *im, uint64_t entry)
{
    struct elf64_ehdr *eh = (void *)im->b;
    struct elf64_phdr *ph = (void *)(im->b + sizeof(*eh));
    uint32_t note[3] = { 4, 8, XEN_ELFNOTE_PHYS32_ENTRY };

    memset(im->b, 0, sizeof(im->b));
    memcpy(eh->ident, "\177ELF", 4);
    eh->ident[4] = 2;
    eh->ident[5] = 1;
    eh->machine = 62;
    eh->phoff = sizeof(*eh);
    eh->phentsize = sizeof(*ph);
    eh->phnum = 2;
    ph[0] = (struct elf64_phdr){ .type = PT_LOAD, .offset = 0x800, .paddr = PVH_KERNEL_AT,
                                 .filesz = 0x100, .memsz = 2 << 20 };
    ph[1] = (struct elf64_phdr){ .type = PT_NOTE, .offset = 0x400, .filesz = 12 + 4 + 8 };
    memcpy(im->b + 0x400, note, 12);
    memcpy(im->b + 0x40c, "Xen", 4);
    memcpy(im->b + 0x410, &entry, 8);
    memset(im->b + 0x800, 0xab, 0x100);
    im->size = 0x900;
}

#endif /* FAKE_ELF_H */
