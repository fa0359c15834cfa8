/*
 * Sample statistics for the benchmarks: sorting and order statistics.
 * SOURCES: hypervisor/lib/stats.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <sable/stats.h>

static void test_sort_random(void **state)
{
    enum { N = 1000 };
    uint64_t v[N];

    srand(1);
    for (size_t i = 0; i < N; i++)
        v[i] = (uint64_t)rand() % 300;      /* duplicates too */
    sort_u64(v, N);
    for (size_t i = 1; i < N; i++)
        assert_true(v[i - 1] <= v[i]);
}

static void test_sort_edges(void **state)
{
    uint64_t one[1] = { 7 }, two[2] = { UINT64_MAX, 0 };

    sort_u64(NULL, 0);
    sort_u64(one, 1);
    assert_int_equal(one[0], 7);
    sort_u64(two, 2);
    assert_true(two[0] == 0 && two[1] == UINT64_MAX);
}

static void test_stats_values(void **state)
{
    uint64_t v[10] = { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 };
    struct sample_stats s;

    sample_stats(v, 10, &s);
    assert_int_equal(s.n, 10);
    assert_int_equal(s.min, 1);
    assert_int_equal(s.median, 6);          /* the upper of the two middle ones */
    assert_int_equal(s.p90, 10);
    assert_int_equal(s.max, 10);
    assert_int_equal(s.mean, 5);            /* 55 / 10, rounded down */
}

static void test_stats_empty(void **state)
{
    struct sample_stats s = { .min = 99 };

    sample_stats(NULL, 0, &s);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.min, 0);
    assert_int_equal(s.median, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_random),
        cmocka_unit_test(test_sort_edges),
        cmocka_unit_test(test_stats_values),
        cmocka_unit_test(test_stats_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
