/*
 * Buddy allocator and frame table over a fake frame table in host memory:
 * splitting, merging back to the exact initial free lists, exhaustion,
 * reserved frames, bad frees, reference counts, random stress.
 * SOURCES: hypervisor/common/buddy.c hypervisor/common/frame_table.c hypervisor/common/memmap.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/buddy.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/memmap.h>
#include <sable/mm.h>
#include <sable/page.h>

#define STACK_ORDER_FOR_TEST 3      /* asm/memlayout.h STACK_ORDER: AP stacks */

static struct page_info *table;
static char *arena;

/* A frame table of nr frames (with host memory behind it if asked), no RAM. */
static void table_new(mfn_t nr, bool memory)
{
    free(table);
    free(arena);
    table = malloc(nr * sizeof(*table));
    arena = memory ? aligned_alloc(1 << 20, nr * PAGE_SIZE) : NULL;
    assert_non_null(table);
    frame_table_setup(table, nr, arena);
    buddy_reset();
}

/* Frames [s, e) are RAM and given to the allocator. */
static void add_ram(mfn_t s, mfn_t e)
{
    frame_table_mark_ram(s, e);
    assert_int_equal(buddy_add_range(s, e), 0);
}

static void snapshot(unsigned long *blocks)
{
    for (unsigned int o = 0; o <= BUDDY_MAX_ORDER; o++)
        blocks[o] = buddy_free_blocks(o);
}

static void assert_snapshot(const unsigned long *blocks)
{
    for (unsigned int o = 0; o <= BUDDY_MAX_ORDER; o++)
        assert_int_equal(buddy_free_blocks(o), blocks[o]);
    assert_int_equal(buddy_verify(), 0);
}

static int teardown(void **state)
{
    free(table);
    free(arena);
    table = NULL;
    arena = NULL;
    return 0;
}

/* [1, 1024) is one block of each order 0..9; adding frame 0 makes one order-10 block. */
static void test_add_range_canonical(void **state)
{
    table_new(1024, false);
    add_ram(1, 1024);
    for (unsigned int o = 0; o <= 9; o++)
        assert_int_equal(buddy_free_blocks(o), 1);
    assert_int_equal(buddy_free_blocks(10), 0);
    assert_int_equal(buddy_free_frames(), 1023);
    add_ram(0, 1);
    for (unsigned int o = 0; o <= 9; o++)
        assert_int_equal(buddy_free_blocks(o), 0);
    assert_int_equal(buddy_free_blocks(10), 1);
    assert_int_equal(buddy_verify(), 0);
    /* Adding again, or adding non-RAM, is refused and changes nothing. */
    assert_int_equal(buddy_add_range(0, 4), -EINVAL);
    assert_int_equal(buddy_add_range(1000, 1025), -EINVAL);
    assert_int_equal(buddy_free_frames(), 1024);
}

static void test_split_and_merge(void **state)
{
    unsigned long before[BUDDY_ORDERS];
    struct page_info *a, *b, *c;

    table_new(1024, false);
    add_ram(0, 1024);
    snapshot(before);
    a = alloc_pages(0);
    assert_non_null(a);
    assert_int_equal(page_to_mfn(a), 0);
    for (unsigned int o = 0; o <= 9; o++)             /* split 10 -> 9 + 8 + ... + 0 + a */
        assert_int_equal(buddy_free_blocks(o), 1);
    assert_int_equal(buddy_free_blocks(10), 0);
    assert_int_equal(a->owner, DOMID_XEN);
    assert_int_equal(a->flags, 0);
    b = alloc_pages(0);                                /* the order-0 buddy of a */
    assert_int_equal(page_to_mfn(b), 1);
    assert_int_equal(buddy_free_blocks(0), 0);
    c = alloc_pages(3);                                /* takes the order-3 block at 8 */
    assert_int_equal(page_to_mfn(c), 8);
    assert_int_equal(buddy_free_frames(), 1024 - 10);
    assert_int_equal(buddy_verify(), 0);
    free_pages(a, 0);
    free_pages(c, 3);
    assert_int_equal(buddy_verify(), 0);
    free_pages(b, 0);                                  /* everything merges again */
    assert_snapshot(before);
    assert_int_equal(buddy_free_frames(), 1024);
}

/* Many blocks of mixed orders over a map with holes, freed in another order. */
static void test_patterns_restore_counts(void **state)
{
    static const unsigned int orders[] = { 0, 3, 1, 0, 5, 2, 0, 7, 4, 1, 0, 6, 2, 9, 0, 3 };
    struct page_info *pg[ARRAY_SIZE(orders)];
    unsigned long before[BUDDY_ORDERS], frames;

    table_new(4096, false);
    add_ram(0, 159);
    add_ram(256, 3000);
    add_ram(3333, 4090);
    snapshot(before);
    frames = buddy_free_frames();
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < ARRAY_SIZE(orders); i++) {
            pg[i] = alloc_pages(orders[i]);
            assert_non_null(pg[i]);
            assert_true(IS_ALIGNED(page_to_mfn(pg[i]), 1UL << orders[i]));
        }
        assert_int_equal(buddy_verify(), 0);
        for (size_t k = 0; k < ARRAY_SIZE(orders); k++) {
            /* pass 0 frees in order, 1 in reverse, 2 odd ones first */
            size_t i = pass == 0 ? k : pass == 1 ? ARRAY_SIZE(orders) - 1 - k
                     : (k < ARRAY_SIZE(orders) / 2 ? 2 * k + 1 : 2 * (k - ARRAY_SIZE(orders) / 2));
            free_pages(pg[i], orders[i]);
        }
        assert_snapshot(before);
        assert_int_equal(buddy_free_frames(), frames);
    }
}

static void test_exhaustion(void **state)
{
    unsigned long before[BUDDY_ORDERS], n = 0;
    static struct page_info *got[600];

    table_new(1024, false);
    add_ram(3, 515);
    snapshot(before);
    assert_null(alloc_pages(10));                       /* no block that big */
    assert_null(alloc_pages(BUDDY_MAX_ORDER + 1));
    assert_non_null(got[n++] = alloc_pages(8));         /* [256, 512) */
    while ((got[n] = alloc_pages(0)))
        n++;
    assert_int_equal(n, 1 + 512 - 256);
    assert_int_equal(buddy_free_frames(), 0);
    for (unsigned int o = 0; o <= BUDDY_MAX_ORDER; o++)
        assert_null(alloc_pages(o));
    for (unsigned long i = n; i-- > 0;)
        free_pages(got[i], i == 0 ? 8 : 0);
    assert_snapshot(before);
    assert_int_equal(buddy_free_frames(), 512);
}

/*
 * The layout mm_init() builds: RAM minus the low 1 MiB, the image, modules
 * and the frame table. Nothing reserved may ever come out of the allocator.
 */
static void test_reserved_never_returned(void **state)
{
    static const struct mem_range map[] = {
        { 0, 0x9fc00, MEM_RAM }, { 0x100000, 0x1f00000, MEM_RAM },
        { 0xa00000, 0x1000, MEM_RESERVED }, { 0x3000000, 0x1000000, MEM_RAM },
    };
    static const struct ram_range reserved[] = {
        { 0, 0x100000 },                    /* BIOS, trampoline */
        { 0x200000, 0x235000 },             /* image */
        { 0x800000, 0x812345 },             /* module, not page-aligned */
        { 0x3f00000, 0x3f40000 },           /* frame table */
    };
    struct ram_range ram[MEMMAP_MAX], avail[MEMMAP_MAX];
    unsigned int nram, navail;
    unsigned long total = 0, got = 0;
    struct page_info *pg;

    nram = memmap_sanitize(map, ARRAY_SIZE(map), ram, MEMMAP_MAX);
    assert_int_equal(nram, 4);
    memcpy(avail, ram, sizeof(ram));
    navail = nram;
    for (size_t i = 0; i < ARRAY_SIZE(reserved); i++)
        assert_int_equal(memmap_subtract(avail, &navail, MEMMAP_MAX, reserved[i].start,
                                         reserved[i].end), 0);
    table_new(ram[nram - 1].end >> PAGE_SHIFT, false);
    for (unsigned int i = 0; i < nram; i++)
        frame_table_mark_ram(ram[i].start >> PAGE_SHIFT, ram[i].end >> PAGE_SHIFT);
    for (unsigned int i = 0; i < navail; i++) {
        assert_int_equal(buddy_add_range(avail[i].start >> PAGE_SHIFT,
                                         avail[i].end >> PAGE_SHIFT), 0);
        total += (avail[i].end - avail[i].start) >> PAGE_SHIFT;
    }
    assert_int_equal(buddy_free_frames(), total);
    while ((pg = alloc_pages(0))) {
        paddr_t pa = page_to_maddr(pg);
        bool inside = false;
        for (size_t i = 0; i < ARRAY_SIZE(reserved); i++)
            assert_false(pa + PAGE_SIZE > ALIGN_DOWN(reserved[i].start, PAGE_SIZE) &&
                         pa < reserved[i].end);
        for (unsigned int i = 0; i < navail; i++)
            inside |= pa >= avail[i].start && pa < avail[i].end;
        assert_true(inside);
        got++;
    }
    assert_int_equal(got, total);
    /* The frames around the module and the 0xa00000 hole stayed out. */
    assert_int_equal(mfn_to_page(0x812)->owner, DOMID_XEN);
    assert_true(mfn_to_page(0x812)->flags & PGF_RESERVED);
    assert_int_equal(mfn_to_page(0xa00)->owner, DOMID_IO);
}

static void test_bad_frees_detected(void **state)
{
    struct page_info *a, *b;
    unsigned long frames;

    table_new(1024, false);
    add_ram(16, 1024);
    a = alloc_pages(1);
    b = alloc_pages(0);
    frames = buddy_free_frames();
    assert_int_equal(buddy_free(b, 0), 0);
    assert_int_equal(buddy_free(b, 0), -EINVAL);           /* double free */
    assert_int_equal(buddy_free(mfn_to_page(600), 0), -EINVAL);  /* inside a free block */
    assert_int_equal(buddy_free(mfn_to_page(3), 0), -EINVAL);    /* never RAM */
    frame_table_mark_ram(0, 16);
    assert_int_equal(buddy_free(mfn_to_page(3), 0), -EINVAL);    /* reserved RAM */
    assert_int_equal(buddy_free(a + 1, 1), -EINVAL);       /* misaligned */
    assert_int_equal(buddy_free(a, 2), -EINVAL);           /* half of it is free */
    assert_int_equal(buddy_free(mfn_to_page(1024), 0), -EINVAL);  /* past the table */
    assert_int_equal(buddy_free(a, BUDDY_MAX_ORDER + 1), -EINVAL);
    assert_int_equal(buddy_free(NULL, 0), -EINVAL);
    assert_int_equal(page_get_ref(a), 0);                  /* still referenced */
    assert_int_equal(buddy_free(a, 1), -EBUSY);
    assert_int_equal(page_put_ref(a), 0);
    a[1].type_info = (PGT_l1_page_table << PGT_TYPE_SHIFT) | PGT_VALIDATED | 1;
    assert_int_equal(buddy_free(a, 1), -EBUSY);            /* still typed */
    a[1].type_info = PGT_l1_page_table << PGT_TYPE_SHIFT;  /* count 0: type may stay */
    assert_int_equal(buddy_free_frames(), frames + 1);     /* only b's free counted */
    assert_int_equal(buddy_verify(), 0);
    assert_int_equal(buddy_free(a, 1), 0);
    assert_int_equal(buddy_free(a, 1), -EINVAL);
    assert_int_equal(buddy_verify(), 0);
}

/* General references: counted, bounded; type counts are test_page_type.c's. */
static void test_ref_counts(void **state)
{
    struct page_info *pg;

    table_new(64, false);
    add_ram(0, 64);
    pg = alloc_pages(0);
    assert_int_equal(page_type(pg), PGT_none);
    pg->count_info = PGC_COUNT_MAX;
    assert_int_equal(page_get_ref(pg), -EOVERFLOW);
    pg->count_info = 1;
    assert_int_equal(page_get_ref(pg), 0);
    assert_int_equal(page_put_ref(pg), 1);
    assert_int_equal(page_put_ref(pg), 0);
    free_pages(pg, 0);
    assert_int_equal(buddy_free_frames(), 64);
}

/* Blocks never grow past BUDDY_MAX_ORDER, even when the buddy is free. */
static void test_max_order(void **state)
{
    mfn_t nr = (2UL << BUDDY_MAX_ORDER) + 5;
    struct page_info *pg;

    table_new(nr, false);
    add_ram(0, nr);
    assert_int_equal(buddy_free_blocks(BUDDY_MAX_ORDER), 2);
    assert_int_equal(buddy_free_blocks(2), 1);
    assert_int_equal(buddy_free_blocks(0), 1);
    pg = alloc_pages(BUDDY_MAX_ORDER);
    assert_non_null(pg);
    assert_true(IS_ALIGNED(page_to_mfn(pg), 1UL << BUDDY_MAX_ORDER));
    free_pages(pg, BUDDY_MAX_ORDER);
    assert_int_equal(buddy_free_blocks(BUDDY_MAX_ORDER), 2);
    assert_int_equal(buddy_verify(), 0);
}

static void test_xenheap_pages(void **state)
{
    char *va;

    table_new(256, true);
    add_ram(8, 256);
    va = alloc_xenheap_pages(STACK_ORDER_FOR_TEST);
    assert_non_null(va);
    assert_true(IS_ALIGNED((uintptr_t)(va - arena), PAGE_SIZE << STACK_ORDER_FOR_TEST));
    memset(va, 0xab, PAGE_SIZE << STACK_ORDER_FOR_TEST);   /* ASan: really ours */
    assert_ptr_equal(virt_to_page(va), mfn_to_page((va - arena) >> PAGE_SHIFT));
    free_xenheap_pages(va, STACK_ORDER_FOR_TEST);
    free_xenheap_pages(NULL, 0);
    assert_int_equal(buddy_free_frames(), 248);
}

/* Random orders, random frees, checked against a shadow map of every frame. */
static void test_random_stress(void **state)
{
    enum { NR = 8192, SLOTS = 300, ROUNDS = 60000 };
    static struct { struct page_info *pg; unsigned int order; } slot[SLOTS];
    static uint8_t used[NR];
    unsigned long before[BUDDY_ORDERS], frames;
    unsigned int seed = 12345;

    table_new(NR, false);
    add_ram(7, 1000);
    add_ram(1200, 5003);
    add_ram(5120, 8192);
    snapshot(before);
    frames = buddy_free_frames();
    memset(slot, 0, sizeof(slot));
    memset(used, 0, sizeof(used));
    for (int r = 0; r < ROUNDS; r++) {
        unsigned int i = rand_r(&seed) % SLOTS;
        if (slot[i].pg) {
            mfn_t m = page_to_mfn(slot[i].pg);
            for (unsigned long k = 0; k < (1UL << slot[i].order); k++)
                used[m + k] = 0;
            assert_int_equal(buddy_free(slot[i].pg, slot[i].order), 0);
            slot[i].pg = NULL;
            continue;
        }
        slot[i].order = __builtin_ctz(rand_r(&seed) | (1U << 9));
        slot[i].pg = alloc_pages(slot[i].order);
        if (!slot[i].pg)
            continue;
        mfn_t m = page_to_mfn(slot[i].pg);
        assert_true(IS_ALIGNED(m, 1UL << slot[i].order));
        for (unsigned long k = 0; k < (1UL << slot[i].order); k++) {
            assert_int_equal(used[m + k], 0);
            assert_int_equal(mfn_to_page(m + k)->owner, DOMID_XEN);
            used[m + k] = 1;
        }
        if (r % 5000 == 0)
            assert_int_equal(buddy_verify(), 0);
    }
    for (unsigned int i = 0; i < SLOTS; i++)
        if (slot[i].pg)
            free_pages(slot[i].pg, slot[i].order);
    assert_snapshot(before);
    assert_int_equal(buddy_free_frames(), frames);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_add_range_canonical, teardown),
        cmocka_unit_test_teardown(test_split_and_merge, teardown),
        cmocka_unit_test_teardown(test_patterns_restore_counts, teardown),
        cmocka_unit_test_teardown(test_exhaustion, teardown),
        cmocka_unit_test_teardown(test_reserved_never_returned, teardown),
        cmocka_unit_test_teardown(test_bad_frees_detected, teardown),
        cmocka_unit_test_teardown(test_ref_counts, teardown),
        cmocka_unit_test_teardown(test_max_order, teardown),
        cmocka_unit_test_teardown(test_xenheap_pages, teardown),
        cmocka_unit_test_teardown(test_random_stress, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
