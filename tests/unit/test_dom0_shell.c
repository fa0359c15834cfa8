/*
 * dom0's shell commands against a host-built xenstored (what they print,
 * errors with XenStore's names, usage and tokenising), and the standard
 * XenStore home the toolstack writes for a domain (nodes, values, who may
 * write what).
 * SOURCES: dom0/shell.c dom0/toolstack/domain_paths.c dom0/xenstored/node.c dom0/xenstored/path.c dom0/xenstored/store.c dom0/xenstored/transaction.c dom0/xenstored/watch.c dom0/xenstored/conn.c dom0/xenstored/proto.c dom0/xenstored/server.c dom0/lib/xs_ring.c dom0/lib/xs_client.c dom0/lib/strparse.c
 */
#include "xs_harness.h"

#include <dom0/domain_paths.h>
#include <dom0/shell.h>

static struct shell sh;
static char output[16384];

static void capture(void *priv, const char *text)
{
    assert_true(strlen(output) + strlen(text) < sizeof(output));
    strcat(output, text);
}

static int extra_ran;

static int cmd_extra(struct shell *s, int argc, char **argv, const char *rest)
{
    extra_ran++;
    shell_printf(s, "extra %d [%s]\n", argc, rest);
    return 0;
}

static const struct shell_command extra[] = {
    { "extra", "[ANY...]", "a command from the caller", 0, -1, cmd_extra },
};

static int setup(void **state)
{
    h_setup(state);
    shell_init(&sh, h_dom0(), capture, NULL, extra, ARRAY_SIZE(extra));
    output[0] = '\0';
    extra_ran = 0;
    return 0;
}

/* Run line; its output must be exactly want. */
static void run_is(const char *line, int rc, const char *want)
{
    output[0] = '\0';
    assert_int_equal(shell_exec(&sh, line), rc);
    assert_string_equal(output, want);
}

static void test_read_write(void **state)
{
    run_is("xenstore-write /a/b hello world", 0, "");
    run_is("xenstore-read /a/b", 0, "hello world\n");
    run_is("  xenstore-write   /a/c   \"  quoted  \"  ", 0, "");
    run_is("xenstore-read /a/c", 0, "  quoted  \n");
    run_is("xenstore-write /a/empty", 0, "");
    run_is("xenstore-read /a/empty", 0, "\n");
    run_is("xenstore-list /a", 0, "b\nc\nempty\n");
    run_is("xenstore-mkdir /a/d/e", 0, "");
    run_is("xenstore-rm /a/d", 0, "");
    run_is("xenstore-list /a", 0, "b\nc\nempty\n");
    run_is("xenstore-write rel x", 0, "");          /* dom0's home */
    run_is("xenstore-read /local/domain/0/rel", 0, "x\n");
}

static void test_errors(void **state)
{
    run_is("xenstore-read /bad//path", 1, "xenstore-read /bad//path: EINVAL\n");
    run_is("xenstore-read /nothing", 1, "xenstore-read /nothing: ENOENT\n");
    run_is("xenstore-write /trailing/ x", 1, "xenstore-write /trailing/: EINVAL\n");
    run_is("xenstore-rm /", 1, "xenstore-rm /: EINVAL\n");
    run_is("xenstore-list /nope", 1, "xenstore-list /nope: ENOENT\n");
    run_is("xenstore-ls /nope", 1, "xenstore-ls /nope: ENOENT\n");
    run_is("frobnicate /x", 1, "frobnicate: unknown command (try 'help')\n");
    run_is("xenstore-read", 1, "usage: xenstore-read PATH\n");
    run_is("xenstore-read /a /b", 1, "usage: xenstore-read PATH\n");
    run_is("xenstore-write", 1, "usage: xenstore-write PATH VALUE\n");
    run_is("help me", 1, "usage: help \n");
}

static void test_blank_and_long_lines(void **state)
{
    char *big = malloc(SHELL_LINE_MAX + 2);

    run_is("", 0, "");
    run_is("   \t ", 0, "");
    run_is("# xenstore-rm /", 0, "");
    memset(big, 'x', SHELL_LINE_MAX + 1);
    big[SHELL_LINE_MAX + 1] = '\0';
    run_is(big, 1, "line too long (at most 512 characters)\n");
    free(big);
}

static void test_ls(void **state)
{
    assert_int_equal(xs_write_str(h_dom0(), 0, "/t/a", "1"), 0);
    assert_int_equal(xs_write(h_dom0(), 0, "/t/a/bin", "q\"\\\x01\xff", 5), 0);
    assert_int_equal(xs_write_str(h_dom0(), 0, "/t/z", ""), 0);
    run_is("xenstore-ls /t", 0, "a = \"1\"\n bin = \"q\\\"\\\\\\x01\\xff\"\nz = \"\"\n");
    run_is("xenstore-ls", 0,
           "t = \"\"\n a = \"1\"\n  bin = \"q\\\"\\\\\\x01\\xff\"\n z = \"\"\n");
}

static void test_ls_long_and_deep(void **state)
{
    char value[300], path[200] = "/deep";
    char *p;

    memset(value, 'v', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    assert_int_equal(xs_write_str(h_dom0(), 0, "/long", value), 0);
    output[0] = '\0';
    assert_int_equal(shell_exec(&sh, "xenstore-ls"), 0);
    assert_non_null(strstr(output, "long = \"vvvvv"));
    assert_non_null(strstr(output, "vvv...\"\n"));
    assert_int_equal(xs_rm(h_dom0(), 0, "/long"), 0);
    for (int i = 0; i < 40; i++)
        strcat(path, "/d");
    assert_int_equal(xs_write_str(h_dom0(), 0, path, "bottom"), 0);
    output[0] = '\0';
    assert_int_equal(shell_exec(&sh, "xenstore-ls /deep"), 0);
    assert_non_null(strstr(output, "(deeper nodes not shown)"));
    assert_null(strstr(output, "bottom"));
    p = strstr(output, "(deeper");
    assert_true(p - output > 32);
}

static void test_help_and_extra(void **state)
{
    output[0] = '\0';
    assert_int_equal(shell_exec(&sh, "help"), 0);
    assert_non_null(strstr(output, "xenstore-ls [PATH]"));
    assert_non_null(strstr(output, "xenstore-write PATH VALUE"));
    assert_non_null(strstr(output, "extra [ANY...]"));
    run_is("extra one two  three", 0, "extra 4 [two  three]\n");
    run_is("extra", 0, "extra 1 []\n");
    assert_int_equal(extra_ran, 2);
}

static void test_domain_paths(void **state)
{
    struct xs_client *c5;
    const char *v;
    uint32_t len;

    assert_int_equal(domain_paths_create(h_dom0(), 5, "guest-5", 65536, 1), 0);
    c5 = h_domu(5);
    h_read_is(c5, "name", "guest-5");
    h_read_is(c5, "domid", "5");
    h_read_is(c5, "memory/target", "65536");
    h_read_is(c5, "memory/static-max", "65536");
    h_dir_is(c5, 0, "control", "shutdown feature-poweroff feature-reboot feature-suspend sysrq");
    /* What the guest may write, and what not. */
    assert_int_equal(xs_write_str(c5, 0, "control/shutdown", ""), 0);
    assert_int_equal(xs_write_str(c5, 0, "control/feature-poweroff", "1"), 0);
    assert_int_equal(xs_write_str(c5, 0, "data/mine", "x"), 0);
    assert_int_equal(xs_write_str(c5, 0, "name", "evil"), XEN_EACCES);
    assert_int_equal(xs_write_str(c5, 0, "memory/target", "1"), XEN_EACCES);
    assert_int_equal(xs_write_str(c5, 0, "device/vbd", "x"), XEN_EACCES);
    assert_int_equal(xs_write_str(c5, 0, "control/new", "x"), XEN_EACCES);
    assert_int_equal(xs_get_perms(c5, 0, "", &v, &len), XEN_EINVAL);
    assert_int_equal(xs_get_perms(c5, 0, "/local/domain/5", &v, &len), 0);
    assert_int_equal(len, 6);
    assert_memory_equal(v, "n0\0r5", 6);
    assert_int_equal(xs_get_perms(c5, 0, "control/shutdown", &v, &len), 0);
    assert_memory_equal(v, "n5", 3);
    /* Others see nothing of it. */
    assert_int_equal(domain_paths_create(h_dom0(), 6, "guest-6", 1024, 1), 0);
    assert_int_equal(xs_read(h_domu(6), 0, "/local/domain/5/name", &v, &len), XEN_EACCES);
    /* Gone, whole. */
    assert_int_equal(domain_paths_remove(h_dom0(), 5), 0);
    assert_int_equal(xs_read(h_dom0(), 0, "/local/domain/5", &v, &len), XEN_ENOENT);
    h_dir_is(h_dom0(), 0, "/local/domain", "6");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_write, setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_blank_and_long_lines, setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_ls, setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_ls_long_and_deep, setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_help_and_extra, setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_domain_paths, setup, h_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
