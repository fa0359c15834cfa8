/*
 * Memory-map sanitizing: unsorted, overlapping, mixed-type loader maps, and
 * the range arithmetic used to place the frame table.
 * SOURCES: hypervisor/common/memmap.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/memmap.h>

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

static struct ram_range out[MEMMAP_MAX];

#define E(a, l, t) { .addr = (a), .len = (l), .type = (t) }

static void expect(int n, const struct ram_range *want, int nwant)
{
    assert_int_equal(n, nwant);
    for (int i = 0; i < nwant; i++) {
        assert_int_equal(out[i].start, want[i].start);
        assert_int_equal(out[i].end, want[i].end);
    }
}

/* QEMU's -m 256 map as printed at boot. */
static void test_qemu_map(void **state)
{
    static const struct mem_range map[] = {
        E(0, 0x9fc00, MEM_RAM), E(0x9fc00, 0x400, MEM_RESERVED),
        E(0xf0000, 0x10000, MEM_RESERVED), E(0x100000, 0xfee0000, MEM_RAM),
        E(0xffe0000, 0x20000, MEM_RESERVED), E(0xfffc0000, 0x40000, MEM_RESERVED),
        E(0xfd00000000, 0x300000000, MEM_RESERVED),
    };
    static const struct ram_range want[] = { { 0, 0x9f000 }, { 0x100000, 0xffe0000 } };

    expect(memmap_sanitize(map, ARRAY_SIZE(map), out, MEMMAP_MAX), want, 2);
    assert_int_equal(memmap_total(out, 2), 0x9f000 + 0xfee0000);
}

static void test_unsorted_and_adjacent_merge(void **state)
{
    static const struct mem_range map[] = {
        E(GiB(4), GiB(1), MEM_RAM), E(MiB(1), MiB(15), MEM_RAM),
        E(MiB(16), MiB(16), MEM_RAM), E(0, KiB(640), MEM_RAM),
        E(GiB(5), GiB(1), MEM_RAM),
    };
    static const struct ram_range want[] = {
        { 0, KiB(640) }, { MiB(1), MiB(32) }, { GiB(4), GiB(6) },
    };

    expect(memmap_sanitize(map, ARRAY_SIZE(map), out, MEMMAP_MAX), want, 3);
}

/* Reserved (or ACPI, NVS, bad, unknown) wins wherever it overlaps RAM. */
static void test_reserved_wins(void **state)
{
    static const struct mem_range map[] = {
        E(0, MiB(64), MEM_RAM),
        E(MiB(8), MiB(1), MEM_RESERVED),
        E(MiB(20) + 0x10, 0x20, MEM_ACPI),        /* inside one page: that page goes */
        E(MiB(63), MiB(2), MEM_NVS),              /* straddles the end */
        E(MiB(30), MiB(1), 77),                   /* unknown type */
        E(MiB(4), MiB(2), MEM_RAM),               /* RAM inside RAM: no effect */
        E(MiB(40), 0, MEM_RESERVED),              /* empty: ignored */
    };
    static const struct ram_range want[] = {
        { 0, MiB(8) }, { MiB(9), MiB(20) }, { MiB(20) + PAGE_SIZE, MiB(30) },
        { MiB(31), MiB(63) },
    };

    expect(memmap_sanitize(map, ARRAY_SIZE(map), out, MEMMAP_MAX), want, 4);
}

/* Pages are only usable when whole; entries meeting mid-page still make one. */
static void test_alignment_inward(void **state)
{
    static const struct mem_range map[] = {
        E(0x1234, 0x3000, MEM_RAM),               /* 0x1234..0x4234 -> 0x2000..0x4000 */
        E(0x10800, 0x800, MEM_RAM),               /* two halves of page 0x10000 ... */
        E(0x10000, 0x800, MEM_RAM),               /* ... in the wrong order */
        E(0x20000, 0xfff, MEM_RAM),               /* less than a page: nothing */
    };
    static const struct ram_range want[] = { { 0x2000, 0x4000 }, { 0x10000, 0x11000 } };

    expect(memmap_sanitize(map, ARRAY_SIZE(map), out, MEMMAP_MAX), want, 2);
}

static void test_overflow_and_limits(void **state)
{
    static const struct mem_range map[] = {
        E(GiB(8), UINT64_MAX, MEM_RAM),           /* wraps: clipped at 2^52 */
        E(MEMMAP_PADDR_LIMIT + GiB(1), GiB(1), MEM_RAM),
    };
    static const struct ram_range want[] = { { GiB(8), MEMMAP_PADDR_LIMIT } };
    struct mem_range many[BOOT_MMAP_MAX + 1] = { 0 };

    expect(memmap_sanitize(map, ARRAY_SIZE(map), out, MEMMAP_MAX), want, 1);
    assert_int_equal(memmap_sanitize(many, BOOT_MMAP_MAX + 1, out, MEMMAP_MAX), -E2BIG);
    assert_int_equal(memmap_sanitize(many, 0, out, MEMMAP_MAX), 0);
}

/* A reserved entry inside each RAM entry: twice as many ranges out as RAM in. */
static void test_output_full(void **state)
{
    struct mem_range map[8];

    for (int i = 0; i < 4; i++) {
        map[2 * i] = (struct mem_range)E(GiB(i), GiB(1) - MiB(1), MEM_RAM);
        map[2 * i + 1] = (struct mem_range)E(GiB(i) + MiB(100), MiB(1), MEM_RESERVED);
    }
    assert_int_equal(memmap_sanitize(map, 8, out, MEMMAP_MAX), 8);
    assert_int_equal(memmap_sanitize(map, 8, out, 7), -ENOSPC);
}

static void test_subtract(void **state)
{
    struct ram_range r[4] = { { 0, MiB(8) }, { MiB(16), MiB(32) } };
    unsigned int n = 2;

    assert_int_equal(memmap_subtract(r, &n, 4, 0, MiB(1)), 0);           /* head */
    assert_int_equal(memmap_subtract(r, &n, 4, MiB(2) + 1, MiB(3) - 1), 0); /* widened hole */
    assert_int_equal(n, 3);
    assert_int_equal(r[0].start, MiB(1));
    assert_int_equal(r[0].end, MiB(2));
    assert_int_equal(r[1].start, MiB(3));
    assert_int_equal(r[1].end, MiB(8));
    assert_int_equal(memmap_subtract(r, &n, 4, MiB(7), MiB(17)), 0);     /* spans two */
    assert_int_equal(n, 3);
    assert_int_equal(r[1].end, MiB(7));
    assert_int_equal(r[2].start, MiB(17));
    assert_int_equal(memmap_subtract(r, &n, 4, MiB(20), MiB(21)), 0);    /* fills the list */
    assert_int_equal(n, 4);
    assert_int_equal(memmap_subtract(r, &n, 4, MiB(4), MiB(5)), -ENOSPC);
    assert_int_equal(n, 4);
    assert_int_equal(r[1].start, MiB(3));                                 /* unchanged */
    assert_int_equal(memmap_subtract(r, &n, 4, MiB(1), MiB(64)), 0);     /* everything */
    assert_int_equal(n, 0);
    assert_int_equal(memmap_subtract(r, &n, 4, 2, 1), -EINVAL);
}

static void test_find_top(void **state)
{
    static const struct ram_range r[] = {
        { MiB(1), MiB(2) }, { MiB(16), MiB(64) }, { GiB(4), GiB(8) },
    };
    paddr_t pa = 0;

    assert_int_equal(memmap_find_top(r, 3, MiB(10), GiB(4), &pa), 0);
    assert_int_equal(pa, MiB(54));
    assert_int_equal(memmap_find_top(r, 3, MiB(10), MiB(20), &pa), -ENOMEM);
    assert_int_equal(memmap_find_top(r, 3, 100, MiB(20), &pa), 0);       /* rounded to a page */
    assert_int_equal(pa, MiB(20) - PAGE_SIZE);
    assert_int_equal(memmap_find_top(r, 3, GiB(1), UINT64_MAX, &pa), 0);
    assert_int_equal(pa, GiB(7));
    assert_int_equal(memmap_find_top(r, 3, MiB(100), GiB(4), &pa), -ENOMEM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu_map),
        cmocka_unit_test(test_unsorted_and_adjacent_merge),
        cmocka_unit_test(test_reserved_wins),
        cmocka_unit_test(test_alignment_inward),
        cmocka_unit_test(test_overflow_and_limits),
        cmocka_unit_test(test_output_full),
        cmocka_unit_test(test_subtract),
        cmocka_unit_test(test_find_top),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
