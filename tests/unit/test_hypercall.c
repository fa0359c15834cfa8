/*
 * Hypercall dispatch (the table generated from SABLE_HYPERCALLS), and the
 * common handlers console_io, xen_version and multicall, with hostile
 * numbers, commands and pointers. Output is checked line by line.
 * SOURCES: hypervisor/common/hypercall.c hypervisor/common/console_io.c hypervisor/common/console_ring.c hypervisor/common/console_input.c hypervisor/common/version.c hypervisor/common/multicall.c hypervisor/common/sched_op.c hypervisor/common/vcpu_op.c hypervisor/common/vcpu_time.c hypervisor/common/timer.c hypervisor/common/domain.c hypervisor/common/grant_table.c hypervisor/common/event_channel.c hypervisor/common/frame_table.c hypervisor/common/page_type.c
 */
#include "fake_pv.h"

#include <stdio.h>
#include <public/event_channel.h>
#include <public/sched.h>
#include <public/version.h>
#include <public/xen.h>

static struct domain *d1, *dom0;

static struct domain *create(bool want_dom0)
{
    return fake_domain_new(1, 0, want_dom0);
}


static int setup(void **state)
{
    fake_reset_with_table();
    dom0 = create(true);
    d1 = create(false);
    fake_current = d1->vcpu[0];
    return 0;
}

static int teardown(void **state)
{
    capture_begin();
    fake_domain_destroy(d1);
    fake_domain_destroy(dom0);
    capture_end();
    fake_check_all_returned();
    return 0;
}

#define HC(nr, a1, a2, a3) hypercall_dispatch((nr), (a1), (a2), (a3), 0, 0)

/* Write s through console_io from guest memory; the return value. */
static long guest_write(const char *s, size_t len)
{
    memcpy(gptr(0x1000), s, len);
    return HC(__HYPERVISOR_console_io, CONSOLEIO_write, len, gva(0x1000));
}

static void test_dispatch(void **state)
{
    const uint64_t bad[] = { 11, 43, 47, 48, 55, 63, SABLE_NR_HYPERCALLS, 1000,
                             1ULL << 32, UINT64_MAX };

    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
        assert_int_equal(HC(bad[i], 0, 0, 0), -ENOSYS);
    /* Handlers that exist in this binary are reached; the rest are -ENOSYS. */
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0), 4096);
    assert_int_equal(HC(__HYPERVISOR_event_channel_op, 99, 0, 0), -ENOSYS);
    assert_int_equal(HC(__HYPERVISOR_multicall, 0, 0, 0), 0);
    assert_int_equal(HC(__HYPERVISOR_console_io, 7, 0, 0), -ENOSYS);
    assert_int_equal(HC(__HYPERVISOR_mmu_update, 0, 0, 0), -ENOSYS);     /* not in this test */
    assert_int_equal(HC(__HYPERVISOR_kexec_op, 0, 0, 0), -ENOSYS);
    assert_string_equal(hypercall_name(__HYPERVISOR_xen_version), "xen_version");
    assert_string_equal(hypercall_name(0), "set_trap_table");
    assert_string_equal(hypercall_name(42), "hypfs_op");
    assert_null(hypercall_name(11));
    assert_null(hypercall_name(SABLE_NR_HYPERCALLS));
    assert_null(hypercall_name(UINT64_MAX));
}

static void test_console_lines_tagged(void **state)
{
    capture_begin();
    assert_int_equal(guest_write("hello\n", 6), 0);
    assert_int_equal(guest_write("ab", 2), 0);              /* one line in pieces */
    assert_int_equal(guest_write("c\nsecond\nthi", 12), 0);
    assert_int_equal(guest_write("", 0), 0);
    assert_int_equal(guest_write("rd\n", 3), 0);
    assert_int_equal(guest_write("\n", 1), 0);              /* empty line */
    fake_current = dom0->vcpu[0];
    assert_int_equal(guest_write("from dom0\n", 10), 0);
    fake_current = d1->vcpu[0];
    assert_string_equal(capture_end(),
                        "(d1) hello\n(d1) abc\n(d1) second\n(d1) third\n(d1) \n(d0) from dom0\n");
}

/*
 * An unfocused domain: escape sequences go whole, other control and
 * non-ASCII bytes go, a carriage return ends a line, the tag cannot be
 * forged at the start of a line.
 */
static void test_console_sanitized(void **state)
{
    const char evil[] = "a\rb\x1b[2Jc\0d\x7f\xff\te\n(d0) fake\n";

    capture_begin();
    assert_int_equal(guest_write(evil, sizeof(evil) - 1), 0);
    assert_string_equal(capture_end(), "(d1) a\n(d1) bcd\te\n(d1) (d0) fake\n");
}

static void test_console_long_line_split(void **state)
{
    char line[GUEST_CONSOLE_LINE + 11];
    const char *out;

    memset(line, 'x', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\n';
    capture_begin();
    assert_int_equal(guest_write(line, sizeof(line)), 0);
    out = capture_end();
    assert_int_equal(strlen(out), (5 + GUEST_CONSOLE_LINE + 1) + (5 + 10 + 1));
    assert_memory_equal(out + 5 + GUEST_CONSOLE_LINE, "\n(d1) xxxxxxxxxx\n", 17);
}

static void test_console_bad_arguments(void **state)
{
    capture_begin();
    memcpy(gptr(0x1000), "should not appear\n", 18);
    assert_int_equal(HC(__HYPERVISOR_console_io, CONSOLEIO_write, 18, 0), -EFAULT);
    assert_int_equal(HC(__HYPERVISOR_console_io, CONSOLEIO_write, 18, GUEST_BASE - 9), -EFAULT);
    /* Checked whole before printing: no partial output. */
    assert_int_equal(HC(__HYPERVISOR_console_io, CONSOLEIO_write, 0x2000,
                        gva(GUEST_SIZE - 0x1000)), -EFAULT);
    assert_int_equal(HC(__HYPERVISOR_console_io, CONSOLEIO_write, UINT64_MAX, gva(0x1000)),
                     -EINVAL);
    assert_int_equal(HC(__HYPERVISOR_console_io, CONSOLEIO_write, 64 * 1024 + 1, gva(0)),
                     -EINVAL);
    assert_int_equal(HC(__HYPERVISOR_console_io, CONSOLEIO_write, 18, 0xffff830000000000ULL),
                     -EFAULT);
    assert_int_equal(HC(__HYPERVISOR_console_io, 2, 18, gva(0x1000)), -ENOSYS);
    assert_int_equal(HC(__HYPERVISOR_console_io, UINT64_MAX, 18, gva(0x1000)), -ENOSYS);
    assert_int_equal(HC(__HYPERVISOR_console_io, CONSOLEIO_read, 18, gva(0x1000)), -EPERM);
    fake_current = dom0->vcpu[0];
    assert_int_equal(HC(__HYPERVISOR_console_io, CONSOLEIO_read, 18, gva(0x1000)), 0);
    fake_current = d1->vcpu[0];
    assert_string_equal(capture_end(), "");
    /* The largest allowed write goes through. */
    memset(gptr(0), 'y', 64 * 1024);
    capture_begin();
    assert_int_equal(HC(__HYPERVISOR_console_io, CONSOLEIO_write, 64 * 1024, gva(0)), 0);
    capture_end();
}

static void test_console_rate_limit(void **state)
{
    char *out;
    unsigned int printed = 0;

    fake_now = 5 * NSEC_PER_SEC;
    capture_begin();
    for (unsigned int i = 0; i < 1100; i++)         /* burst is 1000 lines */
        assert_int_equal(guest_write("flood\n", 6), 0);
    out = strdup(capture_end());
    for (char *p = out; (p = strstr(p, "(d1) flood\n")); p++)
        printed++;
    assert_int_equal(printed, 1000);
    free(out);
    /* Half a second later (200 lines/s): 100 more, and the drop is reported. */
    fake_now += NSEC_PER_SEC / 2;
    capture_begin();
    assert_int_equal(guest_write("back\n", 5), 0);
    assert_string_equal(capture_end(),
                        "(d1) [100 lines dropped by the console rate limit]\n(d1) back\n");
    /* Another domain is not affected by d1's flood. */
    fake_current = dom0->vcpu[0];
    capture_begin();
    assert_int_equal(guest_write("ok\n", 3), 0);
    assert_string_equal(capture_end(), "(d0) ok\n");
}

static void test_console_flushed_at_shutdown(void **state)
{
    capture_begin();
    assert_int_equal(guest_write("no newline", 10), 0);
    domain_crash(d1, "test");
    assert_string_equal(capture_end(),
                        "dom1: crashed: test\n(d1) no newline\ndom1: shut down (crash)\n");
}

static void test_xen_version(void **state)
{
    struct xen_compile_info *ci = gptr(0x2000);
    struct xen_platform_parameters *pp = gptr(0x2000);
    struct xen_feature_info *fi = gptr(0x2000);
    char *s = gptr(0x2000);

    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_version, 0, 0), (4 << 16) | 19);
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0), 4096);

    memset(s, 0x7a, 2048);
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_extraversion, gva(0x2000), 0), 0);
    assert_string_equal(s, ".0-sable");
    for (size_t i = strlen(s); i < sizeof(xen_extraversion_t); i++)
        assert_int_equal(s[i], 0);
    assert_int_equal(s[sizeof(xen_extraversion_t)], 0x7a);          /* nothing beyond */
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_capabilities, gva(0x2000), 0), 0);
    assert_string_equal(s, "xen-3.0-x86_64");
    assert_int_equal(s[1023], 0);
    assert_int_equal(s[1024], 0x7a);
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_changeset, gva(0x2000), 0), 0);
    assert_string_equal(s, "unavailable");
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_compile_info, gva(0x2000), 0), 0);
    assert_memory_equal(ci->compiler, "gcc ", 4);
    assert_string_equal(ci->compile_by, "sable");
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_platform_parameters, gva(0x2000), 0), 0);
    assert_int_equal(pp->virt_start, 0xffff800000000000ULL);
    memset(s, 0x7a, 32);
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_guest_handle, gva(0x2000), 0), 0);
    for (int i = 0; i < 16; i++)
        assert_int_equal(s[i], 0);

    fi->submap_idx = 0;
    fi->submap = 0xdeadbeef;
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_get_features, gva(0x2000), 0), 0);
    assert_int_equal(fi->submap, 0);                            /* a domU: nothing */
    fake_current = dom0->vcpu[0];
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_get_features, gva(0x2000), 0), 0);
    assert_int_equal(fi->submap, 1U << XENFEAT_dom0);
    fi->submap_idx = 1;
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_get_features, gva(0x2000), 0), -EINVAL);
    fi->submap_idx = UINT32_MAX;
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_get_features, gva(0x2000), 0), -EINVAL);

    for (uint64_t cmd = XENVER_extraversion; cmd <= XENVER_guest_handle; cmd++) {
        if (cmd == XENVER_pagesize)
            continue;
        assert_int_equal(HC(__HYPERVISOR_xen_version, cmd, 0, 0), -EFAULT);
        assert_int_equal(HC(__HYPERVISOR_xen_version, cmd, gva(GUEST_SIZE - 4), 0), -EFAULT);
        assert_int_equal(HC(__HYPERVISOR_xen_version, cmd, 0xffff82d080000000ULL, 0), -EFAULT);
    }
    /* The command line is dom0's business; others get Xen's "<denied>". */
    fake_current = d1->vcpu[0];
    memset(s, 0x7a, 2048);
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_commandline, gva(0x2000), 0), 0);
    assert_string_equal(s, "<denied>");
    assert_int_equal(s[1023], 0);
    assert_int_equal(s[1024], 0x7a);
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_commandline, 0, 0), -EFAULT);
    fake_current = dom0->vcpu[0];
    assert_int_equal(HC(__HYPERVISOR_xen_version, XENVER_commandline, gva(0x2000), 0), 0);
    assert_string_equal(s, "");                     /* the host build has no command line */
    for (uint64_t cmd = XENVER_build_id; cmd <= 20; cmd++)
        assert_int_equal(HC(__HYPERVISOR_xen_version, cmd, gva(0x2000), 0), -ENOSYS);
    assert_int_equal(HC(__HYPERVISOR_xen_version, UINT64_MAX, gva(0x2000), 0), -ENOSYS);
}

static void mc_set(struct multicall_entry *e, uint64_t op, uint64_t a0, uint64_t a1,
                   uint64_t a2)
{
    memset(e, 0, sizeof(*e));
    e->op = op;
    e->result = 0x5555;
    e->args[0] = a0;
    e->args[1] = a1;
    e->args[2] = a2;
}

static void test_multicall(void **state)
{
    struct multicall_entry *mc = gptr(0x3000);

    memcpy(gptr(0x100), "batch\n", 6);
    mc_set(&mc[0], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
    mc_set(&mc[1], 99, 0, 0, 0);
    mc_set(&mc[2], __HYPERVISOR_console_io, CONSOLEIO_write, 6, gva(0x100));
    mc_set(&mc[3], __HYPERVISOR_multicall, gva(0x3000), 1, 0);   /* nested */
    mc_set(&mc[4], __HYPERVISOR_iret, 0, 0, 0);
    mc_set(&mc[5], __HYPERVISOR_xen_version, XENVER_extraversion, 0, 0);
    capture_begin();
    assert_int_equal(HC(__HYPERVISOR_multicall, gva(0x3000), 6, 0), 0);
    assert_string_equal(capture_end(), "(d1) batch\n");
    assert_int_equal(mc[0].result, (4 << 16) | 19);
    assert_int_equal((long)mc[1].result, -ENOSYS);
    assert_int_equal(mc[2].result, 0);
    assert_int_equal((long)mc[3].result, -EINVAL);
    assert_int_equal((long)mc[4].result, -EINVAL);
    assert_int_equal((long)mc[5].result, -EFAULT);
    assert_int_equal(mc[0].op, __HYPERVISOR_xen_version);      /* only result written */
    assert_int_equal(mc[2].args[1], 6);

    assert_int_equal(HC(__HYPERVISOR_multicall, gva(0x3000), 0, 0), 0);
    assert_int_equal(HC(__HYPERVISOR_multicall, 0, 1, 0), -EFAULT);
    assert_int_equal(HC(__HYPERVISOR_multicall, gva(0x3000), 1025, 0), -EINVAL);
    assert_int_equal(HC(__HYPERVISOR_multicall, gva(0x3000), UINT64_MAX, 0), -EINVAL);
    /* The second entry is past guest memory: the first runs, then -EFAULT. */
    struct multicall_entry *last = gptr(GUEST_SIZE - sizeof(*last));
    mc_set(last, __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
    assert_int_equal(HC(__HYPERVISOR_multicall, gva(GUEST_SIZE - sizeof(*last)), 2, 0), -EFAULT);
    assert_int_equal(last->result, 4096);
    /* Entries wrapping around the address space fault, nothing runs. */
    assert_int_equal(HC(__HYPERVISOR_multicall, UINT64_MAX - 63, 2, 0), -EFAULT);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_dispatch),
        T(test_console_lines_tagged),
        T(test_console_sanitized),
        T(test_console_long_line_split),
        T(test_console_bad_arguments),
        T(test_console_rate_limit),
        T(test_console_flushed_at_shutdown),
        T(test_xen_version),
        T(test_multicall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
