/*
 * dom0's domain configuration parser (xl.cfg subset, docs/config.md):
 * accepted files with their defaults and xl's syntax (quotes, escapes,
 * numbers, comments, ';', CRLF), and a table of refused files, each with
 * the line and the reason expected, and the output left untouched.
 * SOURCES: dom0/toolstack/config.c dom0/lib/strparse.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dom0/config.h>
#include <dom0/libc.h>

static int parse(const char *text, struct domain_config *c, struct config_error *e)
{
    return config_parse(text, strlen(text), c, e);
}

static void test_minimal_defaults(void **state)
{
    struct domain_config c;
    struct config_error e;

    assert_int_equal(parse("name = \"guest1\"\nkernel = \"/boot/linux\"\n", &c, &e), 0);
    assert_string_equal(c.name, "guest1");
    assert_string_equal(c.kernel, "/boot/linux");
    assert_string_equal(c.ramdisk, "");
    assert_string_equal(c.cmdline, "");
    assert_int_equal(c.type, DOMAIN_TYPE_PV);
    assert_int_equal(c.memory_mib, 32);
    assert_int_equal(c.maxmem_mib, 32);
    assert_int_equal(c.vcpus, 1);
    assert_int_equal(c.on_poweroff, ACTION_DESTROY);
    assert_int_equal(c.on_reboot, ACTION_RESTART);
    assert_int_equal(c.on_crash, ACTION_DESTROY);
    assert_string_equal(config_type_name(c.type), "pv");
    assert_string_equal(config_action_name(c.on_reboot), "restart");
}

static void test_full(void **state)
{
    static const char text[] =
        "# A PVH Linux guest\n"
        "\n"
        "name    = 'linux-1'    # trailing comment\n"
        "type    = \"pvh\"\n"
        "kernel  = \"build/images/vmlinux\"; ramdisk = 'build/images/initrd.cpio'\n"
        "cmdline = \"console=hvc0 quiet msg=\\\"hi\\\" tab=\\t x=\\x41\"\n"
        "memory  = 0x100\n"
        "maxmem  = \"512\"\n"
        "vcpus   = 010\n"
        "on_poweroff = \"preserve\"\n"
        "on_reboot   = 'destroy'\n"
        "on_crash    = \"restart\"";              /* no newline at the end */
    struct domain_config c;
    struct config_error e;

    assert_int_equal(parse(text, &c, &e), 0);
    assert_string_equal(c.name, "linux-1");
    assert_int_equal(c.type, DOMAIN_TYPE_PVH);
    assert_string_equal(c.kernel, "build/images/vmlinux");
    assert_string_equal(c.ramdisk, "build/images/initrd.cpio");
    assert_string_equal(c.cmdline, "console=hvc0 quiet msg=\"hi\" tab=\t x=A");
    assert_int_equal(c.memory_mib, 256);
    assert_int_equal(c.maxmem_mib, 512);
    assert_int_equal(c.vcpus, 8);                   /* 010 is octal, as in xl */
    assert_int_equal(c.on_poweroff, ACTION_PRESERVE);
    assert_int_equal(c.on_reboot, ACTION_DESTROY);
    assert_int_equal(c.on_crash, ACTION_RESTART);
}

static void test_syntax_variants(void **state)
{
    struct domain_config c;
    struct config_error e;

    /* CRLF, semicolons, extra= as the command line, tabs, empty statements. */
    assert_int_equal(parse("name='a';;kernel='k'\r\n\r\n\textra = 'root=/dev/xvda'\r\n;\n",
                           &c, &e), 0);
    assert_string_equal(c.cmdline, "root=/dev/xvda");
    /* Not NUL-terminated: only len bytes count. */
    assert_int_equal(config_parse("name='b'\nkernel='k'\nGARBAGE", 20, &c, &e), 0);
    assert_string_equal(c.name, "b");
    /* Empty strings where allowed. */
    assert_int_equal(parse("name='a'\nkernel='k'\ncmdline=''\n", &c, &e), 0);
    assert_string_equal(c.cmdline, "");
    /* Longest values. */
    {
        char text[2200], cmd[CONFIG_CMDLINE_MAX + 1];

        memset(cmd, 'c', CONFIG_CMDLINE_MAX);
        cmd[CONFIG_CMDLINE_MAX] = '\0';
        snprintf(text, sizeof(text), "name='%.63s'\nkernel='k'\ncmdline='%s'\n",
                 "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn", cmd);
        assert_int_equal(parse(text, &c, &e), 0);
        assert_int_equal(strlen(c.name), CONFIG_NAME_MAX);
        assert_int_equal(strlen(c.cmdline), CONFIG_CMDLINE_MAX);
    }
    assert_int_equal(parse("name='a'\nkernel='k'\nmemory=1048576\nvcpus=128\n", &c, &e), 0);
    assert_int_equal(c.memory_mib, 1048576);
    assert_int_equal(c.vcpus, 128);
}

struct refusal {
    const char *text;
    unsigned int line;
    const char *msg;            /* a substring of the message */
};

#define OK "name = 'a'\nkernel = 'k'\n"

static const struct refusal refusals[] = {
    { OK "disk = ['phy:/dev/sda,xvda,w']\n", 3, "unknown key 'disk'" },
    { OK "vif = []\n", 3, "unknown key 'vif'" },
    { OK "memory = 64\nmemory = 128\n", 4, "'memory' is already set on line 3" },
    { OK "cmdline = 'a'\ncmdline = 'a'\n", 4, "'cmdline' is already set on line 3" },
    { OK "name = 'b'\n", 3, "'name' is already set on line 1" },
    { "name = 'a'\n", 0, "kernel is required" },
    { "kernel = 'k'\n", 0, "name is required" },
    { "", 0, "name is required" },
    { "# nothing but comments\n\n", 0, "name is required" },
    { OK "memory = 'lots'\n", 3, "memory: 'lots' is not a size in MiB" },
    { OK "memory = 0\n", 3, "memory: '0' is not a size in MiB" },
    { OK "memory = 1048577\n", 3, "memory: '1048577'" },
    { OK "memory = 99999999999999999999999\n", 3, "memory:" },
    { OK "memory = 09\n", 3, "memory: '09'" },              /* octal */
    { OK "memory = 0x\n", 3, "memory: '0x'" },
    { OK "memory = '-5'\n", 3, "memory: '-5'" },
    { OK "memory = ' 64'\n", 3, "memory: ' 64'" },
    { OK "maxmem = 0\n", 3, "maxmem:" },
    { OK "vcpus = 0\n", 3, "vcpus: '0'" },
    { OK "vcpus = 129\n", 3, "vcpus: '129'" },
    { OK "type = 'hvm'\n", 3, "type: 'hvm' is not supported (pv or pvh)" },
    { OK "type = 'p'\n", 3, "type: 'p'" },                  /* xl takes prefixes; we do not */
    { OK "type = 'PV'\n", 3, "type: 'PV'" },
    { OK "on_crash = 'coredump-destroy'\n", 3, "on_crash: 'coredump-destroy' is not supported" },
    { OK "on_reboot = 'rename-restart'\n", 3, "on_reboot:" },
    { OK "on_poweroff = ''\n", 3, "on_poweroff:" },
    { "name = 'has space'\nkernel = 'k'\n", 1, "name: 'has space' is not a domain name" },
    { "name = '123'\nkernel = 'k'\n", 1, "name: '123'" },
    { "name = ''\nkernel = 'k'\n", 1, "name: ''" },
    { "name = 'a/b'\nkernel = 'k'\n", 1, "name: 'a/b'" },
    { "name = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'\n", 1, "name:" },
    { "name = 'a'\nkernel = ''\n", 2, "kernel: must not be empty" },
    { OK "ramdisk = ''\n", 3, "ramdisk: must not be empty" },
    { OK "kernel += 'k'\n", 3, "'kernel' is already set on line 2" },
    { "name = 'a'\nkernel += 'k'\n", 2, "'+=' is not supported for 'kernel'" },
    { "name = 'a'\nkernel = ['k']\n", 2, "'kernel' takes a single value, not a list" },
    { "name = 'a'\nkernel = [\n 'k',\n 'l',\n]\nmemory=1\n", 2, "not a list" },
    { "name = 'a'\nkernel = [[[[[[[[[[]]]]]]]]]]\n", 2, "lists nested too deeply" },
    { "name = 'a'\nkernel = ['k'\n", 3, "expected ',' or ']' in a list" },
    { "name = 'a'\nkernel = ['k' 'l']\n", 2, "expected ',' or ']' in a list" },
    { "name = 'a'\nkernel = [=]\n", 2, "expected a list item or ']'" },
    { "name = 'unterminated\nkernel = 'k'\n", 1, "unterminated string" },
    { "name = 'a'\n\n\nkernel = \"k\n", 4, "unterminated string" },
    { OK "cmdline = 'a\\qb'\n", 3, "unknown escape '\\q'" },
    { OK "cmdline = 'a\\x0'\n", 3, "'\\x' in a string needs two hex digits" },
    { OK "cmdline = 'a\\x00b'\n", 3, "'\\x' in a string needs two hex digits" },
    { OK "cmdline = 'a\\101'\n", 3, "unknown escape '\\1'" },
    { OK "Memory = 64\n", 3, "unexpected 'M'" },
    { OK "memory = (64)\n", 3, "unexpected '('" },
    { OK "memory\n", 3, "expected '=' after 'memory'" },
    { OK "memory 64\n", 3, "expected '=' after 'memory'" },
    { OK "memory =\n", 3, "expected a value for 'memory'" },
    { OK "memory = 64 64\n", 3, "expected the end of the line after the value of 'memory'" },
    { OK "memory = 64 # ok\nvcpus = 1 = 2\n", 4, "expected the end of the line" },
    { OK "= 64\n", 3, "expected a key" },
    { OK "'memory' = 64\n", 3, "expected a key" },
    { OK "cmdline = 'x'\nextra = 'y'\n", 4, "cmdline and extra are both set" },
    { OK "extra = 'y'\n\ncmdline = 'x'\n", 5, "cmdline and extra are both set" },
    { OK "memory = 128\nmaxmem = 64\n", 4, "maxmem (64 MiB) is less than memory (128 MiB)" },
    { OK "maxmem = 16\n", 3, "maxmem (16 MiB) is less than memory (32 MiB)" },
};

static void test_refused(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(refusals); i++) {
        struct domain_config c;
        struct config_error e = { 999, "" };

        memset(&c, 0x5a, sizeof(c));
        if (parse(refusals[i].text, &c, &e) != -1)
            fail_msg("accepted: %s", refusals[i].text);
        if (e.line != refusals[i].line || !strstr(e.msg, refusals[i].msg))
            fail_msg("for %s\n got line %u: %s\n want line %u: %s", refusals[i].text, e.line,
                     e.msg, refusals[i].line, refusals[i].msg);
        for (size_t b = 0; b < sizeof(c); b++)
            assert_int_equal(((unsigned char *)&c)[b], 0x5a);   /* nothing written */
    }
}

static void test_refused_binary(void **state)
{
    static const char text[] = "name = 'a'\nkernel = 'k'\n\0memory = 1\n";
    struct domain_config c;
    struct config_error e;
    char *longstr = calloc(1, 3000);

    assert_int_equal(config_parse(text, sizeof(text) - 1, &c, &e), -1);
    assert_int_equal(e.line, 3);
    assert_string_equal(e.msg, "unexpected byte 0x00");
    strcpy(longstr, OK "cmdline = '");
    memset(longstr + strlen(longstr), 'c', CONFIG_CMDLINE_MAX + 1);
    strcat(longstr, "'\n");
    assert_int_equal(parse(longstr, &c, &e), -1);
    assert_int_equal(e.line, 3);
    assert_non_null(strstr(e.msg, "string longer than 1023 characters"));
    memset(longstr, 0, 3000);
    strcpy(longstr, "name = 'a'\nkernel = '");
    memset(longstr + strlen(longstr), 'k', CONFIG_PATH_MAX + 1);
    strcat(longstr, "'\n");
    assert_int_equal(parse(longstr, &c, &e), -1);
    assert_int_equal(e.line, 2);
    assert_string_equal(e.msg, "kernel: longer than 255 characters");
    free(longstr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_defaults),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_syntax_variants),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_refused_binary),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
