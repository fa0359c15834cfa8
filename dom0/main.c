/*
 * dom0, Sable's control domain: a PV kernel on guest/'s runtime that the
 * hypervisor starts first, privileged, when `dom0` is on its command line
 * (docs/dom0.md). Today it runs
 *
 *   - xenstored (dom0/xenstored), with dom0's own client on a loopback
 *     ring page: the same ring code and protocol a domU will use, served
 *     in the same loop;
 *   - the shell (dom0/shell.c) on the console, plus the commands below
 *     that need the hypervisor.
 *
 * Commands may also come from dom0's command line: everything after
 * " -- " is run at boot, commands separated by ';' (like an rc file).
 */
#include <guest/events.h>
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/time.h>
#include <guest/traps.h>

#include <dom0/consoled.h>
#include <dom0/domain_paths.h>
#include <dom0/libc.h>
#include <dom0/strparse.h>
#include <sable/cpio.h>
#include <dom0/shell.h>
#include <dom0/toolstack.h>
#include <dom0/xenstored.h>

#include "dom0.h"

#define LOOPBACK_PORT   0       /* no event channel: served in dom0's own loop */

static struct xs_store *xenstored;
static struct xenstore_domain_interface loopback_ring __aligned(GUEST_PAGE_SIZE);
static struct xs_client xs;
static struct shell sh;
static char line[SHELL_LINE_MAX + 1];

static void __noreturn fatal(const char *what, long rc)
{
    printf("dom0: %s (error %ld); stopping\n", what, rc);
    guest_shutdown(SHUTDOWN_crash);
}

static volatile bool dom_exc;           /* VIRQ_DOM_EXC: some domain shut down */
bool dom0_more_work;

/*
 * Run xenstored until it has nothing left to do, but for a bounded number
 * of rounds: a guest that refills its ring as fast as it is served would
 * otherwise keep dom0 here for good (no shell, no host channel, no other
 * console). What is left is served on the next pass; dom0 does not sleep
 * meanwhile (dom0_more_work).
 */
#define XENSTORED_ROUNDS 16

static void xenstored_run(void)
{
    unsigned int rounds = 0;

    while (xs_poll(xenstored))
        if (++rounds == XENSTORED_ROUNDS) {
            dom0_more_work = true;
            return;
        }
}

/* Whatever dom0 does between commands: serve the store, act on shut-down domains. */
static void dom0_idle(void)
{
    mgmt_poll();
    consoled_poll();
    xenstored_run();
    if (dom_exc) {
        dom_exc = false;
        toolstack_dom_exc(&sh);
        xenstored_run();
    }
    xc_evtchn_backend_eoi();
}

static void on_dom_exc(evtchn_port_t port, void *arg)
{
    dom_exc = true;
}

/* VIRQ_DOM_EXC, and the boot files, for the toolstack. */
static void toolstack_start(void)
{
    evtchn_port_t port;
    long rc = evtchn_bind_virq(VIRQ_DOM_EXC, 0, &port);

    if (rc)
        fatal("cannot bind VIRQ_DOM_EXC", rc);
    evtchn_set_handler(port, on_dom_exc, NULL);
    evtchn_unmask(port);
    toolstack_init(start_info->mod_len ? (const uint8_t *)(uintptr_t)start_info->mod_start : NULL,
                   start_info->mod_len);
    if (start_info->mod_len)
        printf("dom0: boot files at %#lx, %lu bytes\n", (unsigned long)start_info->mod_start,
               (unsigned long)start_info->mod_len);
}

/* The loopback client "waits" by letting the server run: it answers at once. */
static bool loopback_wait(void *priv)
{
    return xs_poll(xenstored);
}

static void loopback_kick(void *priv)
{
}

static void console_print(void *priv, const char *text)
{
    console_write(text, strlen(text));
}

static bool is_privileged(void)
{
    struct xen_feature_info fi = { .submap_idx = 0 };

    return hypercall_xen_version(XENVER_get_features, &fi) == 0 &&
           (fi.submap & (1u << XENFEAT_dom0));
}

/*
 * dom's ports that are not free, by EVTCHNOP_status as xl would ask (ports
 * past the last are -EINVAL).
 */
static unsigned int ports_in_use(domid_t dom)
{
    unsigned int n = 0;

    for (evtchn_port_t p = 1; p < 4096; p++) {
        struct evtchn_status st = { .dom = dom, .port = p };

        if (hypercall_event_channel_op(EVTCHNOP_status, &st))
            break;
        n += st.status != EVTCHNSTAT_closed;
    }
    return n;
}

/* Event channels in use in every domain (each end counts). */
static unsigned int ports_in_use_all(unsigned int *domains)
{
    struct xen_domctl_getdomaininfo *infos = malloc(TOOLSTACK_LIST_MAX * sizeof(*infos));
    unsigned int n = 0;
    int got;

    *domains = 0;
    if (!infos)
        return 0;
    got = xc_domain_getinfolist(0, TOOLSTACK_LIST_MAX, infos);
    for (int i = 0; i < got; i++)
        n += ports_in_use(infos[i].domain);
    *domains = got > 0 ? (unsigned int)got : 0;
    free(infos);
    return n;
}

static int cmd_info(struct shell *s, int argc, char **argv, const char *rest)
{
    struct xen_sysctl_physinfo pi;
    struct xs_stats st;
    size_t free_bytes, largest;
    unsigned int all_ports, domains;

    if (xc_physinfo(&pi) == 0)
        shell_printf(s, "host: %u CPUs, %lu MiB RAM, %lu MiB free (free_pages=%lu), %u MHz\n",
                     pi.nr_cpus, (unsigned long)(pi.total_pages >> 8),
                     (unsigned long)(pi.free_pages >> 8), (unsigned long)pi.free_pages,
                     pi.cpu_khz / 1000);
    all_ports = ports_in_use_all(&domains);
    shell_printf(s, "event channels: %u of dom0's in use, %u in all %u domains\n",
                 ports_in_use(0), all_ports, domains);
    xs_store_stats(xenstored, &st);
    arena_stats(&dom0_heap, &free_bytes, &largest);
    shell_printf(s, "xenstored: %u nodes, %u connections, %u watches, %u transactions, "
                 "%lu requests, %lu watch events dropped\n", st.nodes, st.connections,
                 st.watches, st.transactions, (unsigned long)st.requests,
                 (unsigned long)st.events_dropped);
    shell_printf(s, "heap: %lu KiB in use (peak %lu), %lu KiB free, largest block %lu KiB, "
                 "%lu blocks\n", (unsigned long)dom0_heap.in_use / 1024,
                 (unsigned long)dom0_heap.peak / 1024, (unsigned long)free_bytes / 1024,
                 (unsigned long)largest / 1024, (unsigned long)dom0_heap.allocations);
    return 0;
}

static int cmd_poweroff(struct shell *s, int argc, char **argv, const char *rest)
{
    shell_printf(s, "dom0: powering off\n");
    guest_shutdown(SHUTDOWN_poweroff);
}

/*
 * wait NAME [SECONDS]: serve xenstored and the toolstack until domain NAME
 * is gone (destroyed, by hand or by its on_* action), at most SECONDS
 * (default 60). For scripts: commands after it see the domain's end.
 */
static int cmd_wait(struct shell *s, int argc, char **argv, const char *rest)
{
    uint64_t secs = 60, deadline;
    struct xen_domctl_getdomaininfo info;
    domid_t dom;

    if (argc > 2 && !parse_decimal(argv[2], 3600, &secs)) {
        shell_printf(s, "wait: '%s' is not a number of seconds (0..3600)\n", argv[2]);
        return 1;
    }
    if (toolstack_resolve(s, argv[1], &dom))
        return 1;
    deadline = time_now() + secs * NSEC_PER_SEC;
    while (xc_domain_getinfo(dom, &info) == 0) {
        if (time_now() > deadline) {
            shell_printf(s, "wait %s: still there after %lu s\n", argv[1], (unsigned long)secs);
            return 1;
        }
        dom0_idle();
        sleep_a_little();
    }
    return 0;
}

/* A shell that keeps only the last line said: churn's cycles are quiet. */
static char churn_said[160];

static void churn_print(void *priv, const char *text)
{
    snprintf(churn_said, sizeof(churn_said), "%s", text);
}

/*
 * churn N FILE: N create/destroy cycles of the domain FILE configures, as
 * fast as they go, quietly: progress every 50 and the time. For leak tests
 * through the whole toolstack (`info` before and after).
 */
static int cmd_churn(struct shell *s, int argc, char **argv, const char *rest)
{
    struct shell quiet = *s;
    uint64_t n, start = time_now();

    if (!parse_decimal(argv[1], 100000, &n) || !n) {
        shell_printf(s, "churn: '%s' is not a number of cycles (1..100000)\n", argv[1]);
        return 1;
    }
    quiet.print = churn_print;
    for (uint64_t i = 1; i <= n; i++) {
        domid_t dom;

        if (toolstack_create(&quiet, argv[2])) {
            shell_printf(s, "churn: cycle %lu: %s", (unsigned long)i, churn_said);
            return 1;
        }
        dom = toolstack_last_created();
        if (toolstack_destroy(&quiet, argv[2], dom)) {
            shell_printf(s, "churn: cycle %lu: destroy: %s", (unsigned long)i, churn_said);
            return 1;
        }
        dom0_idle();
        if (i % 50 == 0 || i == n)
            shell_printf(s, "churn: %lu of %lu cycles, %lu ms\n", (unsigned long)i,
                         (unsigned long)n, (unsigned long)((time_now() - start) / NSEC_PER_MSEC));
    }
    shell_printf(s, "churn: %lu create/destroy cycles of %s, %lu us each\n", (unsigned long)n,
                 argv[2], (unsigned long)((time_now() - start) / 1000 / n));
    return 0;
}

static void run(const char *cmd);

/* The text of a boot file, or NULL (toolstack.h: the boot archive). */
static bool boot_file(const char *name, const char **text, uint64_t *len)
{
    struct cpio_file f;

    if (!start_info->mod_len ||
        !cpio_find((const uint8_t *)(uintptr_t)start_info->mod_start, start_info->mod_len,
                   name, &f))
        return false;
    *text = (const char *)f.data;
    *len = f.size;
    return true;
}

/* source FILE: run each line of a boot file as a command, like an rc file. */
static int cmd_source(struct shell *s, int argc, char **argv, const char *rest)
{
    static unsigned int depth;
    char cmd[SHELL_LINE_MAX + 1];
    const char *text;
    uint64_t len, at = 0;

    if (!boot_file(argv[1], &text, &len)) {
        shell_printf(s, "source %s: no such boot file (see 'files')\n", argv[1]);
        return 1;
    }
    if (depth == 4) {
        shell_printf(s, "source %s: nested too deep\n", argv[1]);
        return 1;
    }
    depth++;
    while (at < len) {
        uint64_t n = 0;

        while (at + n < len && text[at + n] != '\n')
            n++;
        snprintf(cmd, sizeof(cmd), "%.*s", (int)DOM0_MIN(n, (uint64_t)SHELL_LINE_MAX), text + at);
        at += n + 1;
        if (cmd[0] && cmd[0] != '#')
            run(cmd);
    }
    depth--;
    return 0;
}

/* ---- console NAME ---- */

#define DETACH_KEY      0x1d            /* Ctrl-], as xl console */

/*
 * A guest's console output while attached, passed through as it comes:
 * the hypervisor shows the output of the domain with the input focus
 * (dom0, while its shell is in use) unbuffered, so a prompt shows at once.
 */
static void guest_print(const char *buf, size_t n)
{
    console_write(buf, n);
}

/*
 * console NAME: attach the serial console to a domain's console ring, as
 * `xl console`: what it printed so far, then its output as it comes; what
 * is typed goes to it, until Ctrl-] (or the domain goes away).
 */
static int cmd_console(struct shell *s, int argc, char **argv, const char *rest)
{
    struct xen_domctl_getdomaininfo info;
    domid_t dom;
    bool attached = true;

    if (mgmt_running) {                 /* e.g. in a file the host sources */
        shell_printf(s, "console: only as a command of its own from the host\n");
        return 1;
    }
    if (toolstack_resolve(s, argv[1], &dom))
        return 1;
    if (!consoled_served(dom)) {
        shell_printf(s, "console %s: dom0 serves no console for it (not made by 'create')\n",
                     argv[1]);
        return 1;
    }
    printf("Connected to %s's console (domain %u); Ctrl-] detaches\n", argv[1], dom);
    consoled_connect(CONSOLED_SERIAL, dom, guest_print);
    while (attached) {
        char in[64], fwd[64];
        size_t n, k = 0;

        dom0_idle();
        if (!consoled_served(dom) || xc_domain_getinfo(dom, &info)) {
            printf("\n%s's console closed\n", argv[1]);
            return 0;
        }
        n = console_read(in, sizeof(in));
        for (size_t i = 0; i < n && attached; i++) {
            if (in[i] == DETACH_KEY)
                attached = false;
            else
                fwd[k++] = in[i];
        }
        if (k)
            consoled_input(dom, fwd, k);
        if (attached && !n)
            sleep_a_little();
    }
    consoled_connect(CONSOLED_SERIAL, DOMID_INVALID, NULL);
    printf("\nDetached from %s's console\n", argv[1]);
    return 0;
}

static const struct shell_command dom0_commands[] = {
    { "console", "NAME", "attach to a domain's console (Ctrl-] detaches)", 1, 1, cmd_console },
    { "churn", "N FILE", "N create/destroy cycles of a configuration (leak tests)", 2, 2,
      cmd_churn },
    { "source", "FILE", "run the commands in a boot file, one a line", 1, 1, cmd_source },
    { "wait", "NAME [SECONDS]", "wait until a domain is gone (default 60 s)", 1, 2, cmd_wait },
    { "info", "", "host, xenstored and heap figures", 0, 0, cmd_info },
    { "poweroff", "", "shut dom0 down", 0, 0, cmd_poweroff },
};

static void xenstored_start(void)
{
    static const struct xs_client_ops loopback = { .kick = loopback_kick,
                                                   .wait = loopback_wait };
    struct xs_stats st;
    int rc;

    xenstored = xs_store_create(&dom0_xs_ops);
    if (!xenstored || !xs_conn_ring(xenstored, 0, &loopback_ring, LOOPBACK_PORT))
        fatal("cannot start xenstored", -XEN_ENOMEM);
    rc = xs_client_init(&xs, &loopback_ring, &loopback);
    if (!rc)
        rc = domain_paths_create(&xs, 0, "Domain-0", start_info->nr_pages * 4, 0);
    if (rc)
        fatal("cannot write dom0's XenStore nodes", rc);
    xs_store_stats(xenstored, &st);
    printf("dom0: xenstored running: %u nodes, dom0 on a loopback ring\n", st.nodes);
}

/* Run one command, shown as if typed. */
static void run(const char *cmd)
{
    printf("dom0> %s\n", cmd);
    shell_exec(&sh, cmd);
}

/* Commands after " -- " on the command line, ';'-separated. */
static void run_boot_commands(void)
{
    const char *p = guest_cmdline;

    while (*p && !(!strncmp(p, "-- ", 3) && (p == guest_cmdline || p[-1] == ' ')))
        p++;
    if (!*p)
        return;
    for (p += 3; *p;) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);

        if (n > SHELL_LINE_MAX)
            n = SHELL_LINE_MAX;
        memcpy(line, p, n);
        line[n] = '\0';
        run(line);
        p += end ? (size_t)(end - p) + 1 : n;
    }
}

void guest_main(void)
{
    long rc;

    printf("Sable dom0: the control domain (cmdline \"%s\")\n", guest_cmdline);
    rc = trap_init();
    if (rc)
        fatal("set_trap_table/callback_op failed", rc);
    rc = guest_map_shared_info();
    if (rc)
        fatal("cannot map shared_info", rc);
    guest_events_start();
    if (!is_privileged())
        fatal("not the privileged domain: boot Sable with 'dom0' and this kernel first",
              -XEN_EPERM);
    xenstored_start();
    shell_init(&sh, &xs, console_print, NULL, dom0_commands, ARRAY_SIZE(dom0_commands));
    shell_add_commands(&sh, toolstack_commands, toolstack_ncommands);
    console_input_init();
    toolstack_start();
    mgmt_init(&sh);
    run_boot_commands();
    printf("dom0: shell ready; type 'help'\n");
    for (;;) {
        console_readline(line, sizeof(line), dom0_idle);
        run(line);
    }
}
