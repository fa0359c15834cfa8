/*
 * Boot-domain options on Multiboot module lines: every key, the guest's
 * command line with the `sable.` words taken out, defaults, and refusals
 * (unknown keys, bad numbers, overflow, out-of-range values, CPUs that are
 * not online, a cap above 100% x vCPUs) naming the key.
 * SOURCES: hypervisor/common/domain_options.c hypervisor/common/cmdline.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sable/domain_options.h>
#include <sable/errno.h>
#include <sable/lib.h>

#define CPUS_4 0xfULL
#define MAX_VCPUS 32

static struct domain_options o;
static char err[160];

static int parse(const char *line)
{
    err[0] = '\0';
    return domain_options_parse(line, CPUS_4, MAX_VCPUS, &o, err, sizeof(err));
}

/* The line is refused, and the message contains what. */
static void refused(const char *line, const char *what)
{
    int rc = parse(line);

    if (rc != -EINVAL || !strstr(err, what))
        fail_msg("'%s': rc %d, message '%s' (want -EINVAL and '%s')", line, rc, err, what);
}

static void test_plain_line_keeps_old_meaning(void **state)
{
    assert_int_equal(parse("/boot/guests/selftest.elf name=a  x=1"), 0);
    assert_string_equal(o.path, "/boot/guests/selftest.elf");
    assert_string_equal(o.name, "selftest.elf");
    assert_string_equal(o.cmdline, "name=a x=1");
    assert_int_equal(o.given, 0);
    assert_int_equal(o.vcpus, 1);
    assert_int_equal(o.mem, 0);
    assert_int_equal(o.sched.weight, SCHED_WEIGHT_DEFAULT);
    assert_int_equal(o.sched.cap, 0);
    assert_int_equal(o.sched.warp, 0);
    assert_int_equal(o.affinity, CPUS_4);
    assert_int_equal(o.soft_affinity, CPUS_4);

    assert_int_equal(parse("kernel.elf"), 0);
    assert_string_equal(o.cmdline, "");
    assert_int_equal(parse(""), 0);
    assert_string_equal(o.name, "domain");
}

static void test_every_key(void **state)
{
    assert_int_equal(parse("k.elf a sable.vcpus=4 sable.mem=32M b sable.name=web-1 "
                           "sable.weight=768 sable.cap=250 sable.warp=5ms sable.warpl=20ms "
                           "sable.warpu=100ms sable.affinity=1-3 sable.soft_affinity=2 c"), 0);
    assert_string_equal(o.cmdline, "a b c");
    assert_string_equal(o.name, "web-1");
    assert_int_equal(o.vcpus, 4);
    assert_int_equal(o.mem, 32ULL << 20);
    assert_int_equal(o.sched.weight, 768);
    assert_int_equal(o.sched.cap, 250);
    assert_int_equal(o.sched.warp, 5 * NSEC_PER_MSEC);
    assert_int_equal(o.sched.warpl, 20 * NSEC_PER_MSEC);
    assert_int_equal(o.sched.warpu, 100 * NSEC_PER_MSEC);
    assert_int_equal(o.affinity, 0xe);
    assert_int_equal(o.soft_affinity, 0x4);
    assert_int_equal(o.given, DOMOPT_GIVEN_VCPUS | DOMOPT_GIVEN_MEM | DOMOPT_GIVEN_NAME |
                              DOMOPT_GIVEN_WEIGHT | DOMOPT_GIVEN_CAP | DOMOPT_GIVEN_WARP |
                              DOMOPT_GIVEN_WARPL | DOMOPT_GIVEN_WARPU |
                              DOMOPT_GIVEN_AFFINITY | DOMOPT_GIVEN_SOFT_AFFINITY);
}

static void test_later_word_wins(void **state)
{
    assert_int_equal(parse("k sable.weight=2 sable.weight=3"), 0);
    assert_int_equal(o.sched.weight, 3);
}

static void test_bad_numbers(void **state)
{
    refused("k sable.weight=0", "sable.weight=0: out of range (1..65535)");
    refused("k sable.weight=-1", "sable.weight=-1: not a number");
    refused("k sable.weight=65536", "sable.weight");
    refused("k sable.weight=99999999999999999999999", "sable.weight");
    refused("k sable.weight=12abc", "sable.weight=12abc: not a number");
    refused("k sable.weight=", "sable.weight=: not a number");
    refused("k sable.weight", "sable.weight: needs a value");
    refused("k sable.vcpus=0", "sable.vcpus=0");
    refused("k sable.vcpus=33", "sable.vcpus=33: at most 32 vCPUs");
    refused("k sable.vcpus=100", "sable.vcpus=100: out of range");
    refused("k sable.mem=1M", "sable.mem=1M: out of range");
    refused("k sable.mem=5G", "sable.mem=5G");
    refused("k sable.mem=64Q", "sable.mem=64Q: not a size");
    refused("k sable.grant_frames=0", "sable.grant_frames=0: out of range (1..4096)");
    refused("k sable.maptrack_frames=4097", "sable.maptrack_frames=4097: out of range");
}

static void test_grant_limits(void **state)
{
    assert_int_equal(parse("k sable.grant_frames=2 sable.maptrack_frames=1 x"), 0);
    assert_int_equal(o.grant_frames, 2);
    assert_int_equal(o.maptrack_frames, 1);
    assert_true(o.given & DOMOPT_GIVEN_GRANT_FRAMES);
    assert_string_equal(o.cmdline, "x");
    assert_int_equal(parse("k"), 0);
    assert_int_equal(o.grant_frames, 0);        /* the hypervisor's default */
}

static void test_caps(void **state)
{
    assert_int_equal(parse("k sable.cap=100"), 0);
    assert_int_equal(o.sched.cap, 100);
    refused("k sable.cap=101", "sable.cap=101: above 100% x 1 vCPU");
    assert_int_equal(parse("k sable.vcpus=2 sable.cap=200"), 0);
    refused("k sable.cap=201 sable.vcpus=2", "above 100% x 2 vCPUs");
    refused("k sable.cap=-5", "sable.cap=-5");
}

static void test_durations(void **state)
{
    uint64_t ns;

    assert_int_equal(duration_parse("7", &ns), 0);
    assert_int_equal(ns, 7 * NSEC_PER_MSEC);
    assert_int_equal(duration_parse("250us", &ns), 0);
    assert_int_equal(ns, 250 * NSEC_PER_USEC);
    assert_int_equal(duration_parse("3s", &ns), 0);
    assert_int_equal(ns, 3 * NSEC_PER_SEC);
    assert_int_equal(duration_parse("10ns", &ns), 0);
    assert_int_equal(ns, 10);
    assert_int_equal(duration_parse("", &ns), -EINVAL);
    assert_int_equal(duration_parse("ms", &ns), -EINVAL);
    assert_int_equal(duration_parse("5h", &ns), -EINVAL);
    assert_int_equal(duration_parse("-5ms", &ns), -EINVAL);
    assert_int_equal(duration_parse("18446744073709551615s", &ns), -ERANGE);
    assert_int_equal(duration_parse("123456789012345678901234567890", &ns), -ERANGE);
    refused("k sable.warp=2s", "sable.warp=2s: out of range (0..1000ms)");
    refused("k sable.warpl=11s", "sable.warpl");
    refused("k sable.warpu=soon", "sable.warpu=soon: not a duration");
}

static void test_cpu_lists(void **state)
{
    uint64_t m;

    assert_int_equal(cpu_list_parse("0", 0xff, &m), 0);
    assert_int_equal(m, 1);
    assert_int_equal(cpu_list_parse("0-2,5,7-7", 0xff, &m), 0);
    assert_int_equal(m, 0xa7);
    assert_int_equal(cpu_list_parse("all", 0x3, &m), 0);
    assert_int_equal(m, 0x3);
    assert_int_equal(cpu_list_parse("63", ~0ULL, &m), 0);
    assert_int_equal(m, 1ULL << 63);
    assert_int_equal(cpu_list_parse("64", ~0ULL, &m), -ERANGE);
    assert_int_equal(cpu_list_parse("3-1", 0xff, &m), -EINVAL);
    assert_int_equal(cpu_list_parse("", 0xff, &m), -EINVAL);
    assert_int_equal(cpu_list_parse("1,", 0xff, &m), -EINVAL);
    assert_int_equal(cpu_list_parse("1;2", 0xff, &m), -EINVAL);
    assert_int_equal(cpu_list_parse("4", 0xf, &m), -ERANGE);
    refused("k sable.affinity=4", "sable.affinity=4: names a CPU that is not online");
    refused("k sable.soft_affinity=0-9", "sable.soft_affinity=0-9: names a CPU");
    refused("k sable.affinity=x", "sable.affinity=x: not a CPU list");
}

static void test_names(void **state)
{
    refused("k sable.name=", "sable.name=: must not be empty");
    refused("k sable.name=a/b", "sable.name=a/b: may hold only");
    refused("k sable.name=0123456789012345678901234567890123456789", "sable.name=0123");
    assert_int_equal(parse("k sable.name=0123456789012345678901234567890"), 0);
    assert_string_equal(o.name, "0123456789012345678901234567890");
    /* A long path gives a truncated default name. */
    assert_int_equal(parse("/x/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.elf"), 0);
    assert_int_equal(strlen(o.name), DOMOPT_NAME_LEN - 1);
}

/* sable.type picks PV or PVH; sable.initrd is a word without a value. */
static void test_type_and_initrd(void **state)
{
    assert_int_equal(parse("vmlinux console=hvc0"), 0);
    assert_int_equal(o.type, DOMOPT_TYPE_PV);
    assert_int_equal(o.initrd, 0);
    assert_int_equal(parse("vmlinux sable.type=pvh sable.vcpus=2 console=hvc0"), 0);
    assert_int_equal(o.type, DOMOPT_TYPE_PVH);
    assert_true(o.given & DOMOPT_GIVEN_TYPE);
    assert_string_equal(o.cmdline, "console=hvc0");
    assert_int_equal(parse("k sable.type=pv"), 0);
    assert_int_equal(o.type, DOMOPT_TYPE_PV);
    refused("k sable.type=hvm", "sable.type=hvm: not one of the accepted words");
    refused("k sable.type", "sable.type: needs a value");
    assert_int_equal(parse("initrd.cpio.gz sable.initrd"), 0);
    assert_int_equal(o.initrd, 1);
    assert_true(o.given & DOMOPT_GIVEN_INITRD);
    assert_string_equal(o.cmdline, "");
    refused("initrd.cpio.gz sable.initrd=1", "sable.initrd=1: takes no value");
    assert_int_equal(parse("configs/a.cfg sable.file"), 0);
    assert_int_equal(o.file, 1);
    assert_string_equal(o.path, "configs/a.cfg");
    refused("a.cfg sable.file=yes", "sable.file=yes: takes no value");
}

static void test_unknown_and_long(void **state)
{
    char line[600];

    refused("k sable.vpcus=2", "sable.vpcus: unknown option");
    refused("k sable.=1", "sable.: unknown option");
    refused("k sable.weight=2 sable.bogus", "sable.bogus: unknown option");
    /* Case matters: SABLE.x is the guest's. */
    assert_int_equal(parse("k SABLE.vcpus=2"), 0);
    assert_string_equal(o.cmdline, "SABLE.vcpus=2");
    memset(line, 'a', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    line[1] = ' ';
    refused(line, "longer than");
    memset(line, 'a', sizeof(line) - 1);
    for (size_t i = 1; i < sizeof(line) - 1; i += 10)
        line[i] = ' ';
    refused(line, "guest command line longer than 255 bytes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_line_keeps_old_meaning),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_later_word_wins),
        cmocka_unit_test(test_bad_numbers),
        cmocka_unit_test(test_grant_limits),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_cpu_lists),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_type_and_initrd),
        cmocka_unit_test(test_unknown_and_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
