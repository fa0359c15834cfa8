/*
 * Command-line parser: options of each type, bad values, unknown options.
 * SOURCES: hypervisor/common/cmdline.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/lib.h>
#include <sable/cmdline.h>
#include <sable/errno.h>
#include <stdio.h>
#include <string.h>

static bool flag;
static uint64_t number, size;
static char text[8];
static char custom_seen[32];
static char reports[8][256];
static int nreports;

static int custom_fn(const char *v)
{
    if (!strcmp(v, "bad"))
        return -EINVAL;
    snprintf(custom_seen, sizeof(custom_seen), "%s", v);
    return 0;
}

static const struct param params[] = {
    { .name = "flag", .type = PARAM_BOOL, .var = &flag },
    { .name = "num", .type = PARAM_UINT, .var = &number, .min = 1, .max = 100 },
    { .name = "mem", .type = PARAM_SIZE, .var = &size, .min = 0, .max = UINT64_MAX },
    { .name = "text", .type = PARAM_STRING, .var = text, .len = sizeof(text) },
    { .name = "custom", .type = PARAM_CUSTOM, .custom = custom_fn },
};

static void report(const char *msg)
{
    if (nreports < 8)
        snprintf(reports[nreports], sizeof(reports[0]), "%s", msg);
    nreports++;
}

static int parse(const char *s)
{
    return cmdline_parse(s, params, sizeof(params) / sizeof(params[0]), report);
}

static int setup(void **state)
{
    flag = false;
    number = size = 0;
    memset(text, 0, sizeof(text));
    memset(custom_seen, 0, sizeof(custom_seen));
    nreports = 0;
    return 0;
}

static void test_all_types(void **state)
{
    assert_int_equal(parse("flag num=42 mem=512M text=abc custom=xyz"), 0);
    assert_true(flag);
    assert_int_equal(number, 42);
    assert_int_equal(size, 512ULL << 20);
    assert_string_equal(text, "abc");
    assert_string_equal(custom_seen, "xyz");
}

static void test_bool_forms(void **state)
{
    assert_int_equal(parse("flag=off"), 0);
    assert_false(flag);
    assert_int_equal(parse("flag=yes"), 0);
    assert_true(flag);
    assert_int_equal(parse("no-flag"), 0);
    assert_false(flag);
    assert_int_equal(parse("flag=maybe"), 1);
    assert_false(flag);
}

static void test_unknown_is_reported_and_rest_applies(void **state)
{
    assert_int_equal(parse("bogus num=7 other=1"), 2);
    assert_int_equal(number, 7);
    assert_string_equal(reports[0], "unknown option 'bogus' ignored");
    assert_string_equal(reports[1], "unknown option 'other' ignored");
}

static void test_bad_values_change_nothing(void **state)
{
    number = 5;
    assert_int_equal(parse("num=0 num=101 num=abc num= num=0x"), 5);
    assert_int_equal(number, 5);
    assert_string_equal(reports[0], "invalid value '0' for option 'num' ignored");
    assert_int_equal(parse("num=0x10"), 0);
    assert_int_equal(number, 16);
    assert_int_equal(parse("num=99999999999999999999999"), 1);
    assert_int_equal(number, 16);
}

static void test_sizes(void **state)
{
    assert_int_equal(parse("mem=4G"), 0);
    assert_int_equal(size, 4ULL << 30);
    assert_int_equal(parse("mem=64k"), 0);
    assert_int_equal(size, 64ULL << 10);
    assert_int_equal(parse("mem=1MB"), 0);
    assert_int_equal(size, 1ULL << 20);
    assert_int_equal(parse("mem=3X"), 1);
    assert_int_equal(parse("mem=99999999999T"), 1);
    assert_int_equal(size, 1ULL << 20);
}

static void test_string_too_long_and_custom_error(void **state)
{
    assert_int_equal(parse("text=12345678 custom=bad"), 2);
    assert_string_equal(text, "");
    assert_string_equal(custom_seen, "");
}

static void test_whitespace_and_long_words(void **state)
{
    char longline[3000];
    memset(longline, 'a', sizeof(longline) - 1);
    longline[sizeof(longline) - 1] = '\0';
    assert_int_equal(parse("   \t flag   \t "), 0);
    assert_true(flag);
    assert_int_equal(parse(""), 0);
    assert_int_equal(parse(longline), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_all_types, setup),
        cmocka_unit_test_setup(test_bool_forms, setup),
        cmocka_unit_test_setup(test_unknown_is_reported_and_rest_applies, setup),
        cmocka_unit_test_setup(test_bad_values_change_nothing, setup),
        cmocka_unit_test_setup(test_sizes, setup),
        cmocka_unit_test_setup(test_string_too_long_and_custom_error, setup),
        cmocka_unit_test_setup(test_whitespace_and_long_words, setup),
    };
    return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
