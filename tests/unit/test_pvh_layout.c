/*
 * The PVH layout both domain builders share (sable/pvh_layout.h): a PVH
 * kernel image parsed and refused field by field, the plan's checks
 * (memory, image in low RAM, initrd placement, command line), the memory
 * map and RAM ranges below and above the 32-bit hole, the extents (2 MiB
 * where aligned), and the boot data written where hvm_start_info says.
 * SOURCES: hypervisor/common/pvh_layout.c hypervisor/common/elf.c hypervisor/arch/x86/hvm/acpi_build.c hypervisor/common/pv_image.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/lib.h>
#include <sable/errno.h>
#include <sable/pvh_layout.h>
#include <public/elfnote.h>
#include "fake_elf.h"

#define KERNEL_AT PVH_KERNEL_AT

static struct image im;
static const uint8_t *img = im.b;
static uint64_t img_size;

static void make_kernel(uint64_t entry)
{
    pvh_image_make(&im, entry);
    img_size = im.size;
}

/* A fake guest: RAM below 4 GiB only as far as the tests write. */
#define GUEST_MAX (KERNEL_AT + (4 << 20))
static uint8_t *guest;
static unsigned int writes;

static int write_guest(void *ctx, uint64_t gpa, const void *src, uint64_t len)
{
    writes++;
    if (gpa > GUEST_MAX || len > GUEST_MAX - gpa)
        return -EFAULT;
    memcpy(guest + gpa, src, len);
    return 0;
}

static int setup(void **state)
{
    guest = calloc(1, GUEST_MAX);
    writes = 0;
    return guest ? 0 : -1;
}

static int teardown(void **state)
{
    free(guest);
    return 0;
}

static void test_kernel_parse(void **state)
{
    struct pvh_kernel k;
    const char *why;

    make_kernel(KERNEL_AT + 0x40);
    assert_int_equal(pvh_kernel_parse(&k, img, img_size, &why), 0);
    assert_int_equal(k.entry, KERNEL_AT + 0x40);
    assert_int_equal(k.lo, KERNEL_AT);
    assert_int_equal(k.hi, KERNEL_AT + (2 << 20));
    make_kernel(0);
    assert_int_equal(pvh_kernel_parse(&k, img, img_size, &why), -EINVAL);
    assert_string_equal(why, "no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel");
    make_kernel(0x1000);
    assert_int_equal(pvh_kernel_parse(&k, img, img_size, &why), -EINVAL);
    assert_string_equal(why, "PVH entry point outside the loaded image");
    make_kernel(KERNEL_AT);
    assert_int_equal(pvh_kernel_parse(&k, img, 0x880, &why), -EINVAL);       /* cut short */
    assert_string_equal(why, "segment outside the file");
    assert_int_equal(pvh_kernel_parse(&k, img, 20, &why), -EINVAL);
    ((struct elf64_phdr *)(im.b + sizeof(struct elf64_ehdr)))->filesz = 3 << 20;
    assert_int_equal(pvh_kernel_parse(&k, img, sizeof(im.b), &why), -EINVAL);
}

static void test_plan_checks(void **state)
{
    struct pvh_kernel k;
    struct pvh_plan p;
    const char *why;
    char long_line[PVH_CMDLINE_MAX + 1];

    make_kernel(KERNEL_AT);
    assert_int_equal(pvh_kernel_parse(&k, img, img_size, &why), 0);
    assert_int_equal(pvh_plan(&p, &k, 255ULL << 20, 1 << 20, "console=hvc0", 2, &why), 0);
    assert_int_equal(p.mem, 256ULL << 20);                  /* rounded up to 2 MiB */
    assert_int_equal(p.initrd_gpa, (256ULL << 20) - (1 << 20));
    assert_int_equal(pvh_plan(&p, &k, 2ULL << 20, 0, "", 1, &why), -EINVAL);
    assert_string_equal(why, "memory size out of range (4 MiB .. 16 GiB)");
    assert_int_equal(pvh_plan(&p, &k, 17ULL << 30, 0, "", 1, &why), -EINVAL);
    assert_int_equal(pvh_plan(&p, &k, 8ULL << 20, 0, "", 1, &why), -EINVAL);
    assert_string_equal(why, "kernel segments outside the guest's low RAM (more memory?)");
    assert_int_equal(pvh_plan(&p, &k, 64ULL << 20, 60ULL << 20, "", 1, &why), -EINVAL);
    assert_string_equal(why, "initrd too large for the domain's memory");
    memset(long_line, 'x', sizeof(long_line) - 1);
    long_line[sizeof(long_line) - 1] = 0;
    assert_int_equal(pvh_plan(&p, &k, 64ULL << 20, 0, long_line, 1, &why), -EINVAL);
    assert_int_equal(pvh_plan(&p, &k, 64ULL << 20, 0, "", 0, &why), -EINVAL);
    assert_int_equal(pvh_plan(&p, &k, 64ULL << 20, 0, "", 129, &why), -EINVAL);
}

static void test_ram_and_map(void **state)
{
    struct hvm_memmap_table_entry m[PVH_MEMMAP_MAX];
    uint64_t start[2], len[2];

    assert_int_equal(pvh_ram_ranges(256ULL << 20, start, len), 1);
    assert_int_equal(len[0], 256ULL << 20);
    assert_int_equal(pvh_ram_ranges(4ULL << 30, start, len), 2);
    assert_int_equal(len[0], 3ULL << 30);
    assert_int_equal(start[1], 4ULL << 30);
    assert_int_equal(len[1], 1ULL << 30);
    assert_int_equal(pvh_memmap(m, 256ULL << 20), 4);
    assert_int_equal(m[2].addr + m[2].size, 256ULL << 20);
    assert_int_equal(m[3].addr, PVH_SPECIAL_GFN_FIRST << 12);
    assert_int_equal(m[3].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
    assert_int_equal(pvh_memmap(m, 4ULL << 30), 5);
    assert_int_equal(m[4].addr, 4ULL << 30);
    assert_int_equal(pvh_extent_order(0, 1024), 9);
    assert_int_equal(pvh_extent_order(1, 1024), 0);
    assert_int_equal(pvh_extent_order(512, 1000), 0);       /* not a whole 2 MiB left */
    assert_true(PVH_STORE_GFN == 0xfeffc && PVH_CONSOLE_GFN == 0xfefff);
}

static void test_load_and_boot_data(void **state)
{
    struct pvh_kernel k;
    struct pvh_plan p;
    struct hvm_start_info si;
    struct hvm_memmap_table_entry m[PVH_MEMMAP_MAX];
    struct hvm_modlist_entry mod;
    const char *why;
    size_t size;
    void *scratch;

    make_kernel(KERNEL_AT);
    assert_int_equal(pvh_kernel_parse(&k, img, img_size, &why), 0);
    assert_int_equal(pvh_kernel_load(&k, write_guest, NULL), 0);
    assert_int_equal(guest[KERNEL_AT + 0xff], 0xab);
    /* initrd placed at the top of the fake's RAM: a plan for 20 MiB. */
    assert_int_equal(pvh_plan(&p, &k, 20ULL << 20, 4096, "console=hvc0", 2, &why), 0);
    size = pvh_acpi_scratch_size(2);
    assert_true(size > 0 && size <= PVH_ACPI_MAX);
    scratch = malloc(size);
    assert_int_equal(pvh_boot_data(&p, scratch, size, write_guest, NULL), 0);
    free(scratch);
    memcpy(&si, guest + PVH_START_INFO_GPA, sizeof(si));
    assert_int_equal(si.magic, XEN_HVM_START_MAGIC_VALUE);
    assert_int_equal(si.version, 1);
    assert_int_equal(si.nr_modules, 1);
    assert_int_equal(si.rsdp_paddr, PVH_ACPI_GPA);
    assert_memory_equal(guest + si.rsdp_paddr, "RSD PTR ", 8);
    assert_string_equal((char *)guest + si.cmdline_paddr, "console=hvc0");
    memcpy(&mod, guest + si.modlist_paddr, sizeof(mod));
    assert_int_equal(mod.paddr, p.initrd_gpa);
    assert_int_equal(mod.size, 4096);
    memcpy(m, guest + si.memmap_paddr, si.memmap_entries * sizeof(m[0]));
    assert_int_equal(si.memmap_entries, 4);
    assert_int_equal(m[2].addr + m[2].size, 20ULL << 20);
    /* A write that fails stops it with that error. */
    assert_int_equal(pvh_boot_data(&p, guest, 16, write_guest, NULL), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_parse),
        cmocka_unit_test(test_plan_checks),
        cmocka_unit_test(test_ram_and_map),
        cmocka_unit_test_setup_teardown(test_load_and_boot_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
