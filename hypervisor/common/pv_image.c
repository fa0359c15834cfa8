/*
 * PV kernel images (sable/pv_image.h), on the ELF reader of common/elf.c.
 * The note semantics are Xen's (xen/common/libelf/libelf-dominfo.c): an
 * ENTRY note overrides e_entry.
 */
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/pv_image.h>

#include "public/elfnote.h"
#include "public/xen.h"

#define LOWER_HALF_END  0x0000800000000000ULL

/* One Xen note of the image (elf_xen_notes). */
static void image_note(void *ctx, uint32_t type, const uint8_t *desc, uint32_t descsz)
{
    struct pv_image *img = ctx;

    switch (type) {
    case XEN_ELFNOTE_ENTRY: elf_note_number(desc, descsz, &img->entry); break;
    case XEN_ELFNOTE_VIRT_BASE: elf_note_number(desc, descsz, &img->virt_base); break;
    case XEN_ELFNOTE_HYPERCALL_PAGE: elf_note_number(desc, descsz, &img->hypercall_page); break;
    case XEN_ELFNOTE_GUEST_OS:
        memcpy(img->guest_os, desc, MIN((size_t)descsz, sizeof(img->guest_os) - 1));
        break;
    }
}

/* Is [start, end) guest address space (public/arch-x86_64.h's split)? */
static bool guest_space(uint64_t start, uint64_t end)
{
    return end <= LOWER_HALF_END || start >= HYPERVISOR_VIRT_END;
}

/* The segments: NULL, or what is wrong with one. */
static const char *image_segments(struct pv_image *img)
{
    img->v_start = UINT64_MAX;
    for (unsigned int i = 0; i < img->phnum; i++) {
        const struct elf64_phdr *ph = &img->ph[i];

        if (ph->type != PT_LOAD && ph->type != PT_NOTE)
            continue;
        if (!elf_in_file(img->size, ph->offset, ph->filesz))
            return "segment outside the file";
        if (ph->type == PT_NOTE) {
            if (elf_xen_notes(img->data, ph, image_note, img))
                img->has_xen_notes = true;
            continue;
        }
        if (ph->filesz > ph->memsz || ph->memsz > PV_IMAGE_SEGMENT_MAX ||
            ph->vaddr > UINT64_MAX - PAGE_SIZE - ph->memsz)     /* no wrap, even aligned up */
            return "bad PT_LOAD sizes";
        img->v_start = MIN(img->v_start, ALIGN_DOWN(ph->vaddr, PAGE_SIZE));
        img->v_kend = MAX(img->v_kend, ALIGN_UP(ph->vaddr + ph->memsz, PAGE_SIZE));
    }
    return NULL;
}

int pv_image_parse(const void *data, uint64_t size, struct pv_image *img, const char **why)
{
    memset(img, 0, sizeof(*img));
    img->data = data;
    img->size = size;
    img->ph = elf_phdrs(data, size, &img->phnum, why);
    if (!img->ph)
        return -EINVAL;
    img->entry = ((const struct elf64_ehdr *)data)->entry;
    *why = image_segments(img);
    if (!*why && !img->has_xen_notes)
        *why = "no Xen ELF notes: not a PV kernel";
    else if (!*why && img->v_kend == 0)
        *why = "no loadable segment";
    else if (!*why && (img->v_start < img->virt_base || !guest_space(img->v_start, img->v_kend)))
        *why = "image outside the guest's virtual address space";
    else if (!*why && (img->entry < img->v_start || img->entry >= img->v_kend))
        *why = "entry point outside the image";
    else if (!*why && img->hypercall_page &&
             (img->hypercall_page < img->v_start || img->hypercall_page >= img->v_kend ||
              !IS_ALIGNED(img->hypercall_page, PAGE_SIZE)))
        *why = "hypercall page not a page inside the image";
    return *why ? -EINVAL : 0;
}

int pv_image_load(const struct pv_image *img,
                  int (*write)(void *ctx, uint64_t vaddr, const void *src, uint64_t len),
                  void *ctx)
{
    return elf_load_segments(img->data, img->ph, img->phnum, false, write, ctx);
}
