/*
 * dom0's lifecycle commands (dom0/toolstack/lifecycle.c) against a
 * host-built xenstored and a fake hypervisor (fake_xc.h): what `list`
 * prints, domains named by name or id, pause/unpause/destroy/shutdown/
 * reboot and their errors, and the clean-up destroy does; create's
 * refusals (a malformed file with its line and reason, a kernel that is not
 * a boot file, more memory than is free, a bad image) leave nothing behind.
 * SOURCES: dom0/shell.c dom0/toolstack/lifecycle.c dom0/toolstack/domains.c dom0/toolstack/consoled.c dom0/toolstack/config.c dom0/toolstack/pv_build.c dom0/toolstack/pvh_build.c hypervisor/common/pvh_layout.c hypervisor/arch/x86/hvm/acpi_build.c hypervisor/common/pv_image.c hypervisor/common/elf.c hypervisor/lib/cpio.c dom0/toolstack/domain_paths.c dom0/xenstored/node.c dom0/xenstored/path.c dom0/xenstored/store.c dom0/xenstored/transaction.c dom0/xenstored/watch.c dom0/xenstored/conn.c dom0/xenstored/proto.c dom0/xenstored/server.c dom0/lib/xs_ring.c dom0/lib/xs_client.c dom0/lib/strparse.c
 */
#include "xs_harness.h"
#include "fake_xc.h"
#include "fake_elf.h"

#include <sable/cpio.h>

#include <dom0/domain_paths.h>
#include <dom0/shell.h>
#include <dom0/toolstack.h>

static struct shell sh;
static char output[16384];

static void capture(void *priv, const char *text)
{
    assert_true(strlen(output) + strlen(text) < sizeof(output));
    strcat(output, text);
}

/* Boot files: (name, contents, size) triples into a cpio archive. */
static uint8_t boot[16384];
static uint64_t boot_len;

static void boot_add(const char *name, const void *data, uint64_t size)
{
    uint64_t h = cpio_write_header((char *)boot + boot_len, name, size, 1);

    memcpy(boot + boot_len + h, data, size);
    boot_len += cpio_entry_size(name, size);
}

static void boot_files(void)
{
    static struct image im;
    static const char good[] = "name = \"g\"\nkernel = \"k.elf\"\nmemory = 16\n";
    static const char bad_key[] = "name = \"b\"\nkernel = \"k.elf\"\ndisk = [ ]\n";
    static const char no_kernel[] = "name = \"n\"\nkernel = \"missing.elf\"\n";
    static const char big[] = "name = \"big\"\n\nkernel = \"k.elf\"\nmemory = 4096\n";
    static const char not_elf[] = "name = \"x\"\nkernel = \"a.cfg\"\nmemory = 16\n";
    static const char pvh[] = "name = \"h\"\ntype = \"pvh\"\nkernel = \"k.elf\"\n";

    memset(boot, 0, sizeof(boot));
    boot_len = 0;
    image_make(&im);
    boot_add("k.elf", im.b, im.size);
    boot_add("a.cfg", good, strlen(good));
    boot_add("bad.cfg", bad_key, strlen(bad_key));
    boot_add("nokernel.cfg", no_kernel, strlen(no_kernel));
    boot_add("big.cfg", big, strlen(big));
    boot_add("notelf.cfg", not_elf, strlen(not_elf));
    boot_add("pvh.cfg", pvh, strlen(pvh));
    boot_add(CPIO_TRAILER, "", 0);
    toolstack_init(boot, boot_len);
}

static int setup(void **state)
{
    h_setup(state);
    fx_reset();
    boot_files();
    shell_init(&sh, h_dom0(), capture, NULL, toolstack_commands, toolstack_ncommands);
    output[0] = '\0';
    assert_int_equal(domain_paths_create(h_dom0(), 0, "Domain-0", 65536, 0), 0);
    fx_add(3, 2, 4096);
    assert_int_equal(domain_paths_create(h_dom0(), 3, "guest-a", 16384, 2), 0);
    fx_add(5, 1, 256);                  /* no XenStore home (a boot domain) */
    return 0;
}

static void run_is(const char *line, int rc, const char *want)
{
    output[0] = '\0';
    assert_int_equal(shell_exec(&sh, line), rc);
    assert_string_equal(output, want);
}

static void test_list(void **state)
{
    fx_dom[3].info.cpu_time = 12345678901ULL;           /* 12.3 s */
    fx_dom[3].info.flags = XEN_DOMINF_paused;
    fx_dom[5].info.flags = XEN_DOMINF_shutdown | (SHUTDOWN_crash << XEN_DOMINF_shutdownshift);
    run_is("list", 0,
           "Name                                ID    Mem VCPUs  State    Time(s)\n"
           "Domain-0                             0     64     1 r-----        0.0\n"
           "guest-a                              3     16     2 --p---       12.3\n"
           "-                                    5      1     1 ----c-        0.0\n");
    run_is("list extra", 1, "usage: list \n");
}

static void test_state_letters(void **state)
{
    struct xen_domctl_getdomaininfo info = { 0 };
    char s[7];

    info.flags = XEN_DOMINF_running | XEN_DOMINF_blocked | XEN_DOMINF_paused |
                 XEN_DOMINF_dying | XEN_DOMINF_shutdown;
    toolstack_state_letters(&info, s);
    assert_string_equal(s, "rbps-d");
    info.flags = XEN_DOMINF_shutdown | (SHUTDOWN_reboot << XEN_DOMINF_shutdownshift);
    toolstack_state_letters(&info, s);
    assert_string_equal(s, "---s--");
}

static void test_pause_unpause_by_name_and_id(void **state)
{
    run_is("pause guest-a", 0, "");
    assert_true(fx_dom[3].info.flags & XEN_DOMINF_paused);
    run_is("unpause 3", 0, "");
    run_is("unpause guest-a", 1, "unpause guest-a: invalid in its state (-22)\n");
    run_is("pause 5", 0, "");
    run_is("pause nosuch", 1, "nosuch: no such domain\n");
    run_is("pause 9", 1, "9: no such domain\n");
    run_is("pause 99999", 1, "99999: no such domain\n");
    run_is("pause -1", 1, "-1: no such domain\n");
    run_is("pause", 1, "usage: pause NAME\n");
    run_is("pause 0", 1, "pause 0: invalid in its state (-22)\n");
    assert_string_equal(fx_log, "pause 3;unpause 3;pause 5;");
}

/* A domU's home has one cpu/<n>/availability per vCPU, which it may read
 * but not write (Linux's CPU hotplug reads them at boot). */
static void test_home_has_cpu_availability(void **state)
{
    struct xs_client *g = h_domu(3);

    h_dir_is(h_dom0(), 0, "/local/domain/3/cpu", "0 1");
    h_read_is(g, "/local/domain/3/cpu/0/availability", "online");
    h_read_is(g, "/local/domain/3/cpu/1/availability", "online");
    assert_int_equal(xs_write_str(g, 0, "/local/domain/3/cpu/1/availability", "offline"),
                     XEN_EACCES);
    run_is("xenstore-ls /local/domain/0/cpu", 1, "xenstore-ls /local/domain/0/cpu: ENOENT\n");
}

static void test_destroy_cleans_up(void **state)
{
    uint32_t nodes = h_count_nodes("/local/domain");

    run_is("destroy guest-a", 0, "");
    assert_false(fx_dom[3].exists);
    assert_true(h_count_nodes("/local/domain") < nodes);
    h_read_is(h_dom0(), "/local/domain/0/name", "Domain-0");
    run_is("xenstore-read /local/domain/3/name", 1,
           "xenstore-read /local/domain/3/name: ENOENT\n");
    run_is("destroy guest-a", 1, "guest-a: no such domain\n");
    run_is("destroy 5", 0, "");
    run_is("destroy 0", 1, "destroy: dom0 cannot be destroyed (use poweroff)\n");
    run_is("destroy Domain-0", 1, "destroy: dom0 cannot be destroyed (use poweroff)\n");
    assert_string_equal(fx_log, "destroy 3;destroy 5;");
}

static void test_shutdown_and_reboot(void **state)
{
    /* No PV control feature: the hypervisor stops it (xl shutdown -F). */
    run_is("shutdown guest-a", 0, "");
    assert_int_equal(fx_dom[3].shutdown_reason, SHUTDOWN_poweroff);
    /* With it: asked through control/shutdown, as libxl does. */
    fx_add(3, 2, 4096);
    assert_int_equal(xs_write_str(h_dom0(), 0, "/local/domain/3/control/feature-reboot", "1"), 0);
    run_is("reboot guest-a", 0, "");
    assert_int_equal(fx_dom[3].shutdown_reason, ~0U);
    h_read_is(h_dom0(), "/local/domain/3/control/shutdown", "reboot");
    run_is("reboot 5", 0, "");
    assert_int_equal(fx_dom[5].shutdown_reason, SHUTDOWN_reboot);
    run_is("shutdown 0", 1, "shutdown: use poweroff for dom0\n");
    run_is("shutdown ghost", 1, "ghost: no such domain\n");
}

static void test_create_refusals(void **state)
{
    uint64_t free_before = fx_free_pages;
    uint32_t nodes = h_count_nodes("/");

    run_is("create nosuch.cfg", 1, "nosuch.cfg: no such boot file (see 'files')\n");
    run_is("create bad.cfg", 1, "bad.cfg: line 3: unknown key 'disk'\n");
    run_is("create nokernel.cfg", 1,
           "nokernel.cfg: line 2: kernel: 'missing.elf' is not one of the boot files\n");
    run_is("create big.cfg", 1,
           "big.cfg: line 4: memory: 4096 MiB is more than is free (390 MiB)\n");
    run_is("create pvh.cfg", 1,
           "pvh.cfg: line 2: type: pvh needs a CPU with SVM and nested paging\n");
    run_is("create notelf.cfg", 1, "notelf.cfg: cannot build x: not an ELF file\n");
    /* Nothing left behind: no domain, no memory, no nodes, no record. */
    assert_string_equal(fx_log, "create 1;destroy 1;");
    assert_int_equal(fx_free_pages, free_before);
    assert_int_equal(h_count_nodes("/"), nodes);
    assert_int_equal(toolstack_domain_count(), 0);
    run_is("files", 0, "      1280  k.elf\n        40  a.cfg\n        39  bad.cfg\n"
                       "        34  nokernel.cfg\n        45  big.cfg\n        40  notelf.cfg\n"
                       "        41  pvh.cfg\n");
}

static void test_sched_params(void **state)
{
    run_is("sched-params guest-a", 0,
           "guest-a: weight 256 cap 0 warp 0 ns warpl 0 ns warpu 0 ns\n");
    run_is("sched-params 3 weight=512 cap=150 warp=2ms warpl=10ms warpu=1s", 0,
           "3: weight 512 cap 150 warp 2000000 ns warpl 10000000 ns warpu 1000000000 ns\n");
    run_is("sched-params guest-a cap=300", 1,
           "sched-params guest-a: refused: a value out of range (-22)\n");
    run_is("sched-params guest-a weight=0", 1,
           "sched-params guest-a: refused: a value out of range (-22)\n");
    run_is("sched-params guest-a warp=3fortnights", 1,
           "sched-params: 'warp=3fortnights' is not weight=N, cap=N or warp/warpl/warpu=TIME\n");
    run_is("sched-params guest-a bogus", 1,
           "sched-params: 'bogus' is not weight=N, cap=N or warp/warpl/warpu=TIME\n");
    run_is("sched-params guest-a", 0,
           "guest-a: weight 512 cap 150 warp 2000000 ns warpl 10000000 ns warpu 1000000000 ns\n");
    run_is("sched-params nobody", 1, "nobody: no such domain\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, h_teardown)
        T(test_list),
        T(test_state_letters),
        T(test_pause_unpause_by_name_and_id),
        T(test_home_has_cpu_availability),
        T(test_destroy_cleans_up),
        T(test_shutdown_and_reboot),
        T(test_create_refusals),
        T(test_sched_params),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
