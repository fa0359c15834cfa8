/*
 * The HVM p2m (nested page tables) over host memory: 4 KiB and 2 MiB
 * mappings, lookups inside large entries, splitting on unmap, a large entry
 * replacing small ones, unscrubbed entries (not present to the CPU until
 * claimed and done; split ones stay unscrubbed), bad arguments, and no
 * table page lost at the end.
 * SOURCES: hypervisor/common/p2m.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/errno.h>
#include <sable/p2m.h>

/* Table pages are host pages; their "machine address" is the pointer. */
static int live_tables;

static paddr_t fake_alloc(void **va)
{
    void *p = aligned_alloc(4096, 4096);

    if (!p)
        return 0;
    memset(p, 0, 4096);
    live_tables++;
    *va = p;
    return (paddr_t)(uintptr_t)p;
}

static void fake_free(paddr_t ma)
{
    live_tables--;
    free((void *)(uintptr_t)ma);
}

static void *fake_va(paddr_t ma) { return (void *)(uintptr_t)ma; }

static const struct p2m_ops ops = { fake_alloc, fake_free, fake_va };

static bool fail_alloc;
static paddr_t failing_alloc(void **va)
{
    return fail_alloc ? 0 : fake_alloc(va);
}
static const struct p2m_ops failing_ops = { failing_alloc, fake_free, fake_va };

static void test_map_lookup_4k(void **state)
{
    struct p2m p;
    uint64_t mfn;
    unsigned int order, access;

    assert_int_equal(p2m_init(&p, &ops), 0);
    assert_false(p2m_lookup(&p, 5, &mfn, NULL, NULL));
    assert_int_equal(p2m_map(&p, 5, 0x1234, P2M_ORDER_4K, P2M_RW), 0);
    assert_int_equal(p2m_map(&p, 6, 0x99, P2M_ORDER_4K, P2M_READ), 0);
    assert_true(p2m_lookup(&p, 5, &mfn, &order, &access));
    assert_int_equal(mfn, 0x1234);
    assert_int_equal(order, 0);
    assert_int_equal(access, P2M_RW);
    assert_true(p2m_lookup(&p, 6, &mfn, NULL, &access));
    assert_int_equal(mfn, 0x99);
    assert_int_equal(access, P2M_READ);
    assert_false(p2m_lookup(&p, 7, NULL, NULL, NULL));
    /* A high frame: every level distinct. */
    assert_int_equal(p2m_map(&p, 0xfedcba987ULL, 42, P2M_ORDER_4K, P2M_RW), 0);
    assert_true(p2m_lookup(&p, 0xfedcba987ULL, &mfn, NULL, NULL));
    assert_int_equal(mfn, 42);
    assert_int_equal(p.nr_tables, live_tables);
    p2m_destroy(&p);
    assert_int_equal(live_tables, 0);
}

static void test_map_2m_and_split(void **state)
{
    struct p2m p;
    uint64_t mfn, old;
    unsigned int order;

    assert_int_equal(p2m_init(&p, &ops), 0);
    assert_int_equal(p2m_map(&p, 512, 1024, P2M_ORDER_2M, P2M_RW), 0);
    assert_int_equal(p.nr_tables, 3);               /* L4, L3, L2 */
    assert_true(p2m_lookup(&p, 512 + 77, &mfn, &order, NULL));
    assert_int_equal(mfn, 1024 + 77);
    assert_int_equal(order, 9);
    /* Unmapping one frame splits the entry; its neighbours stay. */
    assert_int_equal(p2m_unmap(&p, 512 + 77, &old), 0);
    assert_int_equal(old, 1024 + 77);
    assert_int_equal(p.nr_tables, 4);
    assert_false(p2m_lookup(&p, 512 + 77, NULL, NULL, NULL));
    assert_true(p2m_lookup(&p, 512 + 78, &mfn, &order, NULL));
    assert_int_equal(mfn, 1024 + 78);
    assert_int_equal(order, 0);
    assert_true(p2m_lookup(&p, 512 + 511, &mfn, NULL, NULL));
    assert_int_equal(mfn, 1024 + 511);
    assert_int_equal(p2m_unmap(&p, 512 + 77, NULL), -ENOENT);
    /* Remapping one frame in the split range. */
    assert_int_equal(p2m_map(&p, 512 + 77, 7, P2M_ORDER_4K, P2M_RW), 0);
    assert_true(p2m_lookup(&p, 512 + 77, &mfn, NULL, NULL));
    assert_int_equal(mfn, 7);
    /* A 2 MiB mapping replaces the L1 table again. */
    assert_int_equal(p2m_map(&p, 512, 2048, P2M_ORDER_2M, P2M_RW), 0);
    assert_int_equal(p.nr_tables, 3);
    assert_true(p2m_lookup(&p, 512 + 77, &mfn, &order, NULL));
    assert_int_equal(mfn, 2048 + 77);
    assert_int_equal(order, 9);
    p2m_destroy(&p);
    assert_int_equal(live_tables, 0);
}

/* The entry the CPU would walk to for gfn (4 levels), or 0. */
static uint64_t hw_entry(const struct p2m *p, uint64_t gfn)
{
    const uint64_t *t = fake_va(p->root);

    for (unsigned int l = 4; l >= 1; l--) {
        uint64_t e = t[(gfn >> (9 * (l - 1))) & 511];
        if (!(e & 1) || l == 1 || (e & 0x80))
            return e;
        t = fake_va(e & 0x000ffffffffff000ULL);
    }
    return 0;
}

static void test_unscrubbed_entries(void **state)
{
    struct p2m p;
    uint64_t mfn, old;
    unsigned int order, access;

    assert_int_equal(p2m_init(&p, &ops), 0);
    assert_int_equal(p2m_map(&p, 1024, 4096, P2M_ORDER_2M, P2M_RW | P2M_UNSCRUBBED), 0);
    assert_int_equal(p2m_map(&p, 7, 99, P2M_ORDER_4K, P2M_RW | P2M_UNSCRUBBED), 0);
    assert_int_equal(p2m_map(&p, 8, 100, P2M_ORDER_4K, P2M_RW), 0);
    /* Backed, as lookups see it, but not present to the CPU. */
    assert_true(p2m_lookup(&p, 1024 + 3, &mfn, &order, &access));
    assert_int_equal(mfn, 4096 + 3);
    assert_int_equal(order, 9);
    assert_int_equal(access, P2M_RW | P2M_UNSCRUBBED);
    assert_int_equal(hw_entry(&p, 1024 + 3) & 1, 0);
    assert_int_equal(hw_entry(&p, 7) & 1, 0);
    assert_int_equal(hw_entry(&p, 8) & 1, 1);

    /* Claimed once: the whole entry; a second claim waits; done makes it present. */
    assert_int_equal(p2m_scrub_claim(&p, 1024 + 300, &mfn, &order), 1);
    assert_int_equal(mfn, 4096);
    assert_int_equal(order, 9);
    assert_int_equal(p2m_scrub_claim(&p, 1024 + 5, &mfn, &order), -EBUSY);
    assert_int_equal(hw_entry(&p, 1024) & 1, 0);
    p2m_scrub_done(&p, 1024 + 300);
    assert_int_equal(hw_entry(&p, 1024 + 5) & 0x81, 0x81);       /* present, still 2 MiB */
    assert_true(p2m_lookup(&p, 1024 + 5, &mfn, &order, &access));
    assert_int_equal(access, P2M_RW);
    assert_int_equal(p2m_scrub_claim(&p, 1024 + 5, &mfn, &order), 0);
    assert_int_equal(p2m_scrub_claim(&p, 8, &mfn, &order), 0);
    assert_int_equal(p2m_scrub_claim(&p, 9, &mfn, &order), -ENOENT);
    p2m_scrub_done(&p, 9);                                       /* nothing to do */

    /* Splitting an unscrubbed 2 MiB entry leaves its other frames unscrubbed. */
    assert_int_equal(p2m_map(&p, 2048, 8192, P2M_ORDER_2M, P2M_RW | P2M_UNSCRUBBED), 0);
    assert_int_equal(p2m_unmap(&p, 2048 + 10, &old), 0);
    assert_int_equal(old, 8192 + 10);
    assert_true(p2m_lookup(&p, 2048 + 11, &mfn, &order, &access));
    assert_int_equal(mfn, 8192 + 11);
    assert_int_equal(order, 0);
    assert_int_equal(access, P2M_RW | P2M_UNSCRUBBED);
    assert_int_equal(hw_entry(&p, 2048 + 11) & 1, 0);
    assert_int_equal(p2m_scrub_claim(&p, 2048 + 11, &mfn, &order), 1);
    assert_int_equal(mfn, 8192 + 11);
    assert_int_equal(order, 0);
    p2m_scrub_done(&p, 2048 + 11);
    assert_int_equal(hw_entry(&p, 2048 + 11) & 1, 1);
    assert_int_equal(hw_entry(&p, 2048 + 12) & 1, 0);
    assert_int_equal(p.nr_tables, live_tables);
    p2m_destroy(&p);
    assert_int_equal(live_tables, 0);
}

static void test_bad_arguments(void **state)
{
    struct p2m p;

    assert_int_equal(p2m_init(&p, &ops), 0);
    assert_int_equal(p2m_map(&p, 1, 512, P2M_ORDER_2M, P2M_RW), -EINVAL);   /* gfn unaligned */
    assert_int_equal(p2m_map(&p, 512, 1, P2M_ORDER_2M, P2M_RW), -EINVAL);   /* mfn unaligned */
    assert_int_equal(p2m_map(&p, 0, 0, 3, P2M_RW), -EINVAL);                /* order */
    assert_int_equal(p2m_map(&p, 1ULL << 36, 0, 0, P2M_RW), -EINVAL);       /* beyond 48 bits */
    assert_int_equal(p2m_map(&p, 0, 1ULL << 40, 0, P2M_RW), -EINVAL);
    assert_int_equal(p2m_unmap(&p, 1ULL << 36, NULL), -EINVAL);
    assert_false(p2m_lookup(&p, ~0ULL, NULL, NULL, NULL));
    assert_int_equal(p.nr_tables, 1);
    p2m_destroy(&p);
    assert_int_equal(live_tables, 0);
}

static void test_out_of_tables(void **state)
{
    struct p2m p;

    fail_alloc = false;
    assert_int_equal(p2m_init(&p, &failing_ops), 0);
    fail_alloc = true;
    assert_int_equal(p2m_map(&p, 100, 100, P2M_ORDER_4K, P2M_RW), -ENOMEM);
    assert_false(p2m_lookup(&p, 100, NULL, NULL, NULL));
    fail_alloc = false;
    assert_int_equal(p2m_map(&p, 512, 512, P2M_ORDER_2M, P2M_RW), 0);
    fail_alloc = true;
    assert_int_equal(p2m_unmap(&p, 513, NULL), -ENOMEM);    /* split needs a table */
    assert_true(p2m_lookup(&p, 513, NULL, NULL, NULL));    /* still mapped */
    fail_alloc = false;
    p2m_destroy(&p);
    assert_int_equal(live_tables, 0);
    fail_alloc = true;
    assert_int_equal(p2m_init(&p, &failing_ops), -ENOMEM);
    fail_alloc = false;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_lookup_4k),
        cmocka_unit_test(test_map_2m_and_split),
        cmocka_unit_test(test_unscrubbed_entries),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_out_of_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
