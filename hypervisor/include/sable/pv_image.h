/*
 * A PV guest kernel image as Xen's libelf reads it: an ELF64 x86-64 file
 * (sable/elf.h) with loadable segments and "Xen" ELF notes
 * (public/elfnote.h). Portable and shared: the hypervisor's boot-time
 * builder, dom0's domain builder (compiled into dom0 as it is) and the host
 * unit tests use this one file. The image is hostile input: everything is
 * checked before anything is read through it.
 */
#ifndef SABLE_PV_IMAGE_H
#define SABLE_PV_IMAGE_H

#include <sable/elf.h>
#include <sable/types.h>

/* What an image says about itself, checked. */
struct pv_image {
    const uint8_t *data;
    uint64_t size;
    const struct elf64_phdr *ph;        /* program headers, inside data */
    unsigned int phnum;
    uint64_t entry;                     /* ENTRY note, else e_entry */
    uint64_t virt_base;                 /* VIRT_BASE note (0 if none) */
    uint64_t hypercall_page;            /* HYPERCALL_PAGE note (0 if none) */
    uint64_t v_start, v_kend;           /* extent of the PT_LOAD segments, page aligned */
    char guest_os[32];                  /* GUEST_OS note ("" if none) */
    bool has_xen_notes;
};

/* The biggest segment an image may ask for (memsz), 4 GiB. */
#define PV_IMAGE_SEGMENT_MAX (4ULL << 30)

/*
 * Read size bytes at data as a PV kernel: the ELF checks of elf_phdrs,
 * segments inside the file and of sane sizes, Xen notes present, at least
 * one PT_LOAD, the image at or above VIRT_BASE in guest address space
 * (the lower half, or the upper half above the hypervisor's range), entry
 * point and hypercall page inside it. 0 and *img filled, or -EINVAL with
 * *why saying what is wrong.
 */
int pv_image_parse(const void *data, uint64_t size, struct pv_image *img, const char **why);

/*
 * Copy the image's PT_LOAD segments out: write(ctx, vaddr, bytes, filesz)
 * for each (the rest of memsz is zero and not written). Stops at the first
 * nonzero return and returns it.
 */
int pv_image_load(const struct pv_image *img,
                  int (*write)(void *ctx, uint64_t vaddr, const void *src, uint64_t len),
                  void *ctx);

#endif /* SABLE_PV_IMAGE_H */
