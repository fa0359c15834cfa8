/*
 * The boot-time memory self-test (debug_mm_selftest), run over the real
 * buddy allocator and heap on a fake 16 MiB machine with holes.
 * SOURCES: hypervisor/common/mm_selftest.c hypervisor/common/buddy.c hypervisor/common/heap.c hypervisor/common/frame_table.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/buddy.h>
#include <sable/heap.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>

#define NR_FRAMES 4096

static void test_selftest_passes_and_restores(void **state)
{
    static struct page_info table[NR_FRAMES];
    char *arena = aligned_alloc(1 << 20, NR_FRAMES * PAGE_SIZE);
    unsigned long frames, blocks[BUDDY_ORDERS];
    void *kept;

    frame_table_setup(table, NR_FRAMES, arena);
    buddy_reset();
    frame_table_mark_ram(0, NR_FRAMES);
    assert_int_equal(buddy_add_range(256, 1500), 0);
    assert_int_equal(buddy_add_range(1600, 4000), 0);
    kept = xmalloc_bytes(100);                  /* a heap already in use */
    frames = buddy_free_frames();
    for (unsigned int o = 0; o <= BUDDY_MAX_ORDER; o++)
        blocks[o] = buddy_free_blocks(o);

    assert_int_equal(mm_selftest(), 0);
    assert_int_equal(mm_selftest(), 0);         /* and again, from the state it left */

    assert_int_equal(buddy_free_frames(), frames);
    for (unsigned int o = 0; o <= BUDDY_MAX_ORDER; o++)
        assert_int_equal(buddy_free_blocks(o), blocks[o]);
    assert_int_equal(heap_pages(), 1);
    xfree(kept);
    assert_int_equal(buddy_free_frames(), frames + 1);
    assert_int_equal(buddy_verify(), 0);
    free(arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selftest_passes_and_restores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
