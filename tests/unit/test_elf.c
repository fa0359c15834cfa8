/*
 * ELF64 image reading for the domain builders: header and program header
 * checks (each refusal says why), the Xen note walk (other owners skipped,
 * a malformed note ends it), note numbers of 4 and 8 bytes.
 * SOURCES: hypervisor/common/elf.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/elf.h>

/* An image: header, two program headers (PT_NOTE then PT_LOAD), the notes. */
static uint8_t img[1024];
#define NOTES_OFF 256

static size_t put_note(size_t off, const char *owner, uint32_t type, const void *desc,
                       uint32_t descsz)
{
    uint32_t namesz = (uint32_t)strlen(owner) + 1;
    uint32_t hdr[3] = { namesz, descsz, type };

    memcpy(img + off, hdr, 12);
    memcpy(img + off + 12, owner, namesz);
    off += 12 + ((namesz + 3) & ~3u);
    memcpy(img + off, desc, descsz);
    return off + ((descsz + 3) & ~3u);
}

static size_t build(void)
{
    struct elf64_ehdr *eh = (void *)img;
    struct elf64_phdr *ph = (void *)(img + sizeof(*eh));
    uint32_t entry32 = 0x1000850;
    uint64_t entry64 = 0xffffffff81000000ULL;
    size_t end;

    memset(img, 0, sizeof(img));
    memcpy(eh->ident, "\177ELF\2\1\1", 7);
    eh->machine = 62;
    eh->phoff = sizeof(*eh);
    eh->phentsize = sizeof(*ph);
    eh->phnum = 2;
    end = put_note(NOTES_OFF, "Xen", 18, &entry32, 4);
    end = put_note(end, "GNU", 3, "abcd", 4);
    end = put_note(end, "Xen", 1, &entry64, 8);
    ph[0] = (struct elf64_phdr){ .type = PT_NOTE, .offset = NOTES_OFF, .filesz = end - NOTES_OFF };
    ph[1] = (struct elf64_phdr){ .type = PT_LOAD, .offset = 0, .filesz = 64, .memsz = 64 };
    return end;
}

static void test_headers(void **state)
{
    const char *why = NULL;
    unsigned int n = 0;
    size_t size = build();

    assert_ptr_equal(elf_phdrs(img, size, &n, &why), img + sizeof(struct elf64_ehdr));
    assert_int_equal(n, 2);
    assert_null(elf_phdrs(img, 10, &n, &why));
    assert_string_equal(why, "not an ELF file");
    img[5] = 2;                                         /* big-endian */
    assert_null(elf_phdrs(img, size, &n, &why));
    assert_string_equal(why, "not a little-endian x86-64 ELF64 image");
    build();
    ((struct elf64_ehdr *)img)->phoff = sizeof(img) - 8;    /* table outside the file */
    assert_null(elf_phdrs(img, sizeof(img), &n, &why));
    assert_string_equal(why, "bad program header table");
    build();
    ((struct elf64_ehdr *)img)->phnum = ELF_MAX_PHDRS + 1;
    assert_null(elf_phdrs(img, sizeof(img), &n, &why));
    assert_true(elf_in_file(100, 0, 100) && !elf_in_file(100, 1, 100) &&
                !elf_in_file(100, 101, 0) && !elf_in_file(100, 50, UINT64_MAX));
}

struct seen { unsigned int n; uint32_t types[4]; uint64_t values[4]; };

static void note(void *ctx, uint32_t type, const uint8_t *desc, uint32_t descsz)
{
    struct seen *s = ctx;

    s->types[s->n] = type;
    elf_note_number(desc, descsz, &s->values[s->n]);
    s->n++;
}

static void test_xen_notes(void **state)
{
    struct seen s = { 0 };
    const struct elf64_phdr *ph;
    unsigned int n;
    const char *why;

    build();
    ph = elf_phdrs(img, sizeof(img), &n, &why);
    assert_int_equal(elf_xen_notes(img, &ph[0], note, &s), 2);     /* GNU skipped */
    assert_int_equal(s.types[0], 18);
    assert_int_equal(s.values[0], 0x1000850);
    assert_int_equal(s.types[1], 1);
    assert_int_equal(s.values[1], 0xffffffff81000000ULL);
    /* A note claiming more than its segment holds ends the walk. */
    ((uint32_t *)(img + NOTES_OFF))[1] = 4000;
    memset(&s, 0, sizeof(s));
    assert_int_equal(elf_xen_notes(img, &ph[0], note, &s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_xen_notes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
