/*
 * The two formats dom0 reads that the hypervisor also handles: newc cpio
 * archives (boot files handed to dom0) written and read back, and hostile
 * archives refused; guest kernel images with Xen notes parsed as Xen's
 * libelf does, and every malformed header, segment and note refused.
 * SOURCES: hypervisor/lib/cpio.c hypervisor/common/pv_image.c hypervisor/common/elf.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <sable/cpio.h>
#include <sable/errno.h>
#include <sable/pv_image.h>
#include "public/elfnote.h"

#include "fake_elf.h"

/* ---- cpio ---- */

static uint8_t arc[8192];

/* An archive of the files (name, text) pairs; its length. */
static uint64_t archive(const char *const *files, int n)
{
    uint64_t at = 0;

    memset(arc, 0xee, sizeof(arc));
    for (int i = 0; i <= n; i++) {
        const char *name = i < n ? files[2 * i] : CPIO_TRAILER;
        const char *text = i < n ? files[2 * i + 1] : "";
        uint64_t len = strlen(text), h = cpio_write_header((char *)arc + at, name, len, i + 1);

        assert_int_not_equal(h, 0);
        memcpy(arc + at + h, text, len);
        memset(arc + at + h + len, 0, cpio_entry_size(name, len) - h - len);
        at += cpio_entry_size(name, len);
    }
    return at;
}

static void test_cpio_round_trip(void **state)
{
    const char *files[] = { "a.cfg", "name = \"a\"\n", "build/guests/x.elf", "ELF!!",
                            "empty", "" };
    uint64_t len = archive(files, 3), pos = 0;
    struct cpio_file f;

    assert_int_equal(len % 4, 0);
    assert_int_equal(cpio_next(arc, len, &pos, &f), 1);
    assert_string_equal(f.name, "a.cfg");
    assert_int_equal(f.size, 11);
    assert_memory_equal(f.data, "name = \"a\"\n", 11);
    assert_true(cpio_find(arc, len, "build/guests/x.elf", &f));
    assert_memory_equal(f.data, "ELF!!", 5);
    assert_true(cpio_find(arc, len, "empty", &f));
    assert_int_equal(f.size, 0);
    assert_false(cpio_find(arc, len, "missing", &f));
    assert_false(cpio_find(arc, len, CPIO_TRAILER, &f));
    /* Also without the trailer, and cut anywhere: never a read past the end. */
    for (uint64_t cut = 0; cut < len; cut++) {
        pos = 0;
        while (cpio_next(arc, cut, &pos, &f) == 1)
            assert_true(f.data + f.size <= arc + cut);
    }
    assert_int_equal(cpio_entry_size("", 1), 0);
    assert_int_equal(cpio_write_header((char *)arc, "", 1, 1), 0);
}

static void test_cpio_hostile(void **state)
{
    const char *files[] = { "f", "data" };
    uint64_t len = archive(files, 1), pos;
    struct cpio_file f;

    memcpy(arc, "070702", 6);                           /* not newc */
    pos = 0;
    assert_int_equal(cpio_next(arc, len, &pos, &f), -1);
    archive(files, 1);
    memcpy(arc + 6 + 8 * 6, "0000zzzz", 8);             /* size not hex */
    pos = 0;
    assert_int_equal(cpio_next(arc, len, &pos, &f), -1);
    archive(files, 1);
    memcpy(arc + 6 + 8 * 6, "7fffffff", 8);             /* data beyond the end */
    pos = 0;
    assert_int_equal(cpio_next(arc, len, &pos, &f), -1);
    archive(files, 1);
    memcpy(arc + 6 + 8 * 11, "00000001", 8);            /* name of just its NUL */
    pos = 0;
    assert_int_equal(cpio_next(arc, len, &pos, &f), -1);
    archive(files, 1);
    arc[CPIO_HEADER_SIZE + 1] = 'x';                    /* name without its NUL */
    pos = 0;
    assert_int_equal(cpio_next(arc, len, &pos, &f), -1);
    archive(files, 1);
    memcpy(arc + 6 + 8 * 11, "ffffffff", 8);            /* name longer than the archive */
    pos = 0;
    assert_int_equal(cpio_next(arc, len, &pos, &f), -1);
    pos = len + 100;                                    /* a position past the end */
    assert_int_equal(cpio_next(arc, len, &pos, &f), -1);
}

/* ---- ELF ---- */

static struct elf64_phdr *phdr(struct image *im, int i)
{
    return (struct elf64_phdr *)(im->b + 64) + i;
}

static const char *parse(struct image *im, struct pv_image *elf)
{
    const char *why = NULL;
    int rc = pv_image_parse(im->b, im->size, elf, &why);

    assert_true((rc == 0) == (why == NULL));
    return why;
}

static int loads;

static int count_load(void *ctx, uint64_t va, const void *src, uint64_t len)
{
    assert_int_equal(va, VIRT_BASE);
    assert_int_equal(len, 0x100);
    assert_int_equal(((const uint8_t *)src)[0], 0x90);
    loads++;
    return 0;
}

static void test_elf_good(void **state)
{
    struct image im;
    struct pv_image elf;

    image_make(&im);
    assert_null(parse(&im, &elf));
    assert_int_equal(elf.virt_base, VIRT_BASE);
    assert_int_equal(elf.entry, VIRT_BASE + 0x10);
    assert_int_equal(elf.hypercall_page, VIRT_BASE + 0x1000);
    assert_int_equal(elf.v_start, VIRT_BASE);
    assert_int_equal(elf.v_kend, VIRT_BASE + 0x2000);
    assert_string_equal(elf.guest_os, "Sable");
    loads = 0;
    assert_int_equal(pv_image_load(&elf, count_load, NULL), 0);
    assert_int_equal(loads, 1);
}

static void test_elf_hostile(void **state)
{
    struct image im;
    struct pv_image elf;

    image_make(&im);
    im.size = 40;
    assert_string_equal(parse(&im, &elf), "not an ELF file");
    image_make(&im);
    im.b[4] = 1;                                        /* ELF32 */
    assert_string_equal(parse(&im, &elf), "not a little-endian x86-64 ELF64 image");
    image_make(&im);
    *(uint16_t *)(im.b + 56) = 1000;                    /* phnum */
    assert_string_equal(parse(&im, &elf), "bad program header table");
    image_make(&im);
    *(uint64_t *)(im.b + 32) = UINT64_MAX - 8;          /* phoff */
    assert_string_equal(parse(&im, &elf), "bad program header table");
    image_make(&im);
    phdr(&im, 0)->filesz = 0x10000;                     /* beyond the file */
    assert_string_equal(parse(&im, &elf), "segment outside the file");
    image_make(&im);
    phdr(&im, 0)->offset = UINT64_MAX - 4;
    assert_string_equal(parse(&im, &elf), "segment outside the file");
    image_make(&im);
    phdr(&im, 0)->memsz = 0x10;                         /* filesz > memsz */
    assert_string_equal(parse(&im, &elf), "bad PT_LOAD sizes");
    image_make(&im);
    phdr(&im, 0)->vaddr = UINT64_MAX - 0x1000;          /* wraps */
    assert_string_equal(parse(&im, &elf), "bad PT_LOAD sizes");
    image_make(&im);
    phdr(&im, 1)->type = 0;                             /* no notes */
    assert_string_equal(parse(&im, &elf), "no Xen ELF notes: not a PV kernel");
    image_make(&im);
    phdr(&im, 0)->type = 0;                             /* nothing to load */
    assert_string_equal(parse(&im, &elf), "no loadable segment");
    image_make(&im);
    phdr(&im, 0)->vaddr = 0xffff800000000000ULL;        /* the hypervisor's range */
    *(uint64_t *)(im.b + 0x200 + 16) = 0xffff800000000000ULL;
    assert_string_equal(parse(&im, &elf), "image outside the guest's virtual address space");
    image_make(&im);
    *(uint64_t *)(im.b + 0x200 + 16) = VIRT_BASE + 0x1000;  /* VIRT_BASE above the image */
    assert_string_equal(parse(&im, &elf), "image outside the guest's virtual address space");
    image_make(&im);
    *(uint64_t *)(im.b + 0x218 + 16) = VIRT_BASE + 0x5000;  /* ENTRY outside */
    assert_string_equal(parse(&im, &elf), "entry point outside the image");
    image_make(&im);
    *(uint64_t *)(im.b + 0x230 + 16) = VIRT_BASE + 0x1008;  /* not page aligned */
    assert_string_equal(parse(&im, &elf), "hypercall page not a page inside the image");
    /* A note whose sizes run past its segment: the rest of the notes are ignored. */
    image_make(&im);
    *(uint32_t *)(im.b + 0x200 + 4) = 0xffffffff;
    assert_string_equal(parse(&im, &elf), "no Xen ELF notes: not a PV kernel");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpio_round_trip),
        cmocka_unit_test(test_cpio_hostile),
        cmocka_unit_test(test_elf_good),
        cmocka_unit_test(test_elf_hostile),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
