/*
 * The lifecycle commands of dom0's shell (dom0/include/dom0/toolstack.h),
 * printing as Xen's xl does (tools/xl/xl_list.c, xl_vmcontrol.c).
 */
#include <dom0/domain_paths.h>
#include <dom0/libc.h>
#include <dom0/strparse.h>
#include <dom0/toolstack.h>
#include "public/errno.h"
#include "public/sched.h"

#define NS_PER_DECISECOND 100000000ULL

/* The toolstack's own messages for the hypervisor's errors. */
static const char *xc_error(int rc)
{
    switch (-rc) {
    case XEN_EPERM: return "not permitted";
    case XEN_ESRCH: return "no such domain";
    case XEN_EINVAL: return "invalid in its state";
    case XEN_ENOMEM: return "out of memory";
    case XEN_EEXIST: return "already exists";
    case XEN_EBUSY: return "busy";
    case XEN_ENOSYS: return "not supported by the hypervisor";
    default: return "error";
    }
}

int toolstack_fail(struct shell *sh, const char *what, const char *name, int rc)
{
    shell_printf(sh, "%s %s: %s (%d)\n", what, name, xc_error(rc), rc);
    return 1;
}

/* dom's name from XenStore into buf ("-" if it has none). */
static void domain_name(struct shell *sh, domid_t dom, char *buf, size_t size)
{
    char path[48];
    const char *v;
    uint32_t len;

    snprintf(path, sizeof(path), "/local/domain/%u/name", dom);
    if (xs_read(sh->xs, 0, path, &v, &len) || len == 0) {
        snprintf(buf, size, "-");
        return;
    }
    snprintf(buf, size, "%.*s", (int)DOM0_MIN((size_t)len, size - 1), v);
}

/* The id of the domain whose XenStore name is name, if any. */
static bool find_by_name(struct shell *sh, const char *name, domid_t *dom)
{
    struct xen_domctl_getdomaininfo *infos = malloc(TOOLSTACK_LIST_MAX * sizeof(*infos));
    char found[64];
    bool ok = false;
    int n;

    if (!infos)
        return false;
    n = xc_domain_getinfolist(0, TOOLSTACK_LIST_MAX, infos);
    for (int i = 0; i < n && !ok; i++) {
        domain_name(sh, infos[i].domain, found, sizeof(found));
        if (!strcmp(found, name)) {
            *dom = infos[i].domain;
            ok = true;
        }
    }
    free(infos);
    return ok;
}

int toolstack_resolve(struct shell *sh, const char *name, domid_t *dom)
{
    struct xen_domctl_getdomaininfo info;
    uint64_t id;

    if (parse_decimal(name, DOMID_FIRST_RESERVED - 1, &id)) {
        if (xc_domain_getinfo((domid_t)id, &info) == 0) {
            *dom = (domid_t)id;
            return 0;
        }
    } else if (find_by_name(sh, name, dom)) {
        return 0;
    }
    shell_printf(sh, "%s: no such domain\n", name);
    return 1;
}

void toolstack_state_letters(const struct xen_domctl_getdomaininfo *info, char out[7])
{
    uint32_t f = info->flags;
    unsigned int code = (f >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    bool down = f & XEN_DOMINF_shutdown;

    out[0] = (f & XEN_DOMINF_running) ? 'r' : '-';
    out[1] = (f & XEN_DOMINF_blocked) ? 'b' : '-';
    out[2] = (f & XEN_DOMINF_paused) ? 'p' : '-';
    out[3] = down && code != SHUTDOWN_crash ? 's' : '-';
    out[4] = down && code == SHUTDOWN_crash ? 'c' : '-';
    out[5] = (f & XEN_DOMINF_dying) ? 'd' : '-';
    out[6] = '\0';
}

static void list_line(struct shell *sh, const struct xen_domctl_getdomaininfo *info)
{
    char name[64], state[7];
    uint64_t tenths = info->cpu_time / NS_PER_DECISECOND;

    domain_name(sh, info->domain, name, sizeof(name));
    toolstack_state_letters(info, state);
    shell_printf(sh, "%-32s %5u %6lu %5u %6s %8lu.%lu\n", name, info->domain,
                 (unsigned long)(info->tot_pages >> 8),
                 info->max_vcpu_id == XEN_INVALID_MAX_VCPU_ID ? 0 : info->max_vcpu_id + 1,
                 state, (unsigned long)(tenths / 10), (unsigned long)(tenths % 10));
}

/* Like `xl list`: Mem in MiB, Time in seconds of CPU. */
static int cmd_list(struct shell *sh, int argc, char **argv, const char *rest)
{
    struct xen_domctl_getdomaininfo *infos = malloc(TOOLSTACK_LIST_MAX * sizeof(*infos));
    int n;

    if (!infos) {
        shell_printf(sh, "list: out of memory\n");
        return 1;
    }
    n = xc_domain_getinfolist(0, TOOLSTACK_LIST_MAX, infos);
    if (n < 0) {
        free(infos);
        return toolstack_fail(sh, "list", "", n);
    }
    shell_printf(sh, "%-32s %5s %6s %5s %6s %10s\n", "Name", "ID", "Mem", "VCPUs", "State",
                 "Time(s)");
    for (int i = 0; i < n; i++)
        list_line(sh, &infos[i]);
    free(infos);
    return 0;
}

static int cmd_pause(struct shell *sh, int argc, char **argv, const char *rest)
{
    domid_t dom;
    int rc;

    if (toolstack_resolve(sh, argv[1], &dom))
        return 1;
    rc = xc_domain_pause(dom);
    return rc ? toolstack_fail(sh, "pause", argv[1], rc) : 0;
}

static int cmd_unpause(struct shell *sh, int argc, char **argv, const char *rest)
{
    domid_t dom;
    int rc;

    if (toolstack_resolve(sh, argv[1], &dom))
        return 1;
    rc = xc_domain_unpause(dom);
    return rc ? toolstack_fail(sh, "unpause", argv[1], rc) : 0;
}

/*
 * Ask dom to stop for reason. A guest with the PV control feature
 * (control/feature-poweroff or -reboot = "1") reads control/shutdown, as
 * libxl asks it; one without is stopped by the hypervisor, as
 * `xl shutdown -F` does.
 */
static int request_shutdown(struct shell *sh, const char *name, domid_t dom,
                            unsigned int reason)
{
    const char *word = reason == SHUTDOWN_reboot ? "reboot" : "poweroff";
    char path[64];
    const char *v;
    uint32_t len;
    int rc;

    snprintf(path, sizeof(path), "/local/domain/%u/control/feature-%s", dom, word);
    if (!xs_read(sh->xs, 0, path, &v, &len) && len == 1 && v[0] == '1') {
        snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", dom);
        rc = xs_write_str(sh->xs, 0, path, word);
        if (rc)
            shell_printf(sh, "%s %s: %s\n", word, name, shell_xs_error(rc));
        return rc ? 1 : 0;
    }
    rc = xc_domain_shutdown(dom, reason);
    return rc ? toolstack_fail(sh, reason == SHUTDOWN_reboot ? "reboot" : "shutdown", name, rc) : 0;
}

static int cmd_shutdown(struct shell *sh, int argc, char **argv, const char *rest)
{
    domid_t dom;

    if (toolstack_resolve(sh, argv[1], &dom))
        return 1;
    if (dom == 0) {
        shell_printf(sh, "shutdown: use poweroff for dom0\n");
        return 1;
    }
    return request_shutdown(sh, argv[1], dom,
                            !strcmp(argv[0], "reboot") ? SHUTDOWN_reboot : SHUTDOWN_poweroff);
}

/*
 * Kill dom and remove what the toolstack made for it (domains.c); the
 * hypervisor frees its memory, event channels and vCPUs.
 */
static int cmd_destroy(struct shell *sh, int argc, char **argv, const char *rest)
{
    domid_t dom;

    if (toolstack_resolve(sh, argv[1], &dom))
        return 1;
    if (dom == 0) {
        shell_printf(sh, "destroy: dom0 cannot be destroyed (use poweroff)\n");
        return 1;
    }
    return toolstack_destroy(sh, argv[1], dom);
}

/* A time: digits and a unit ns, us, ms or s (plain numbers are ns). */
static bool parse_time(const char *s, uint64_t *ns)
{
    static const struct { const char *unit; uint64_t ns; } units[] = {
        { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 }, { "", 1 },
    };
    size_t n = 0;
    uint64_t v;

    while (s[n] >= '0' && s[n] <= '9')
        n++;
    if (!parse_decimal_n(s, n, UINT64_MAX / 1000000000, &v))
        return false;
    for (unsigned int i = 0; i < ARRAY_SIZE(units); i++)
        if (!strcmp(s + n, units[i].unit)) {
            *ns = v * units[i].ns;
            return true;
        }
    return false;
}

/* One KEY=VALUE of sched-params into p: true, or false after saying why. */
static bool sched_setting(struct shell *sh, const char *arg,
                          struct xen_domctl_sched_sable_bvt *p)
{
    const char *v = strchr(arg, '=');
    size_t k = v ? (size_t)(v - arg) : 0;
    uint64_t n;

    if (v && k == 6 && !strncmp(arg, "weight", 6) && parse_decimal(v + 1, UINT32_MAX, &n))
        p->weight = (uint32_t)n;
    else if (v && k == 3 && !strncmp(arg, "cap", 3) && parse_decimal(v + 1, UINT32_MAX, &n))
        p->cap = (uint32_t)n;
    else if (v && k == 4 && !strncmp(arg, "warp", 4) && parse_time(v + 1, &n))
        p->warp = n;
    else if (v && k == 5 && !strncmp(arg, "warpl", 5) && parse_time(v + 1, &n))
        p->warpl = n;
    else if (v && k == 5 && !strncmp(arg, "warpu", 5) && parse_time(v + 1, &n))
        p->warpu = n;
    else {
        shell_printf(sh, "sched-params: '%s' is not weight=N, cap=N or warp/warpl/warpu=TIME\n",
                     arg);
        return false;
    }
    return true;
}

/*
 * sched-params NAME [weight=N] [cap=N] [warp=T] [warpl=T] [warpu=T]: the
 * domain's BVT parameters (docs/scheduler.md), changed if any are given
 * (all checked by the hypervisor before any is applied), then shown.
 */
static int cmd_sched_params(struct shell *sh, int argc, char **argv, const char *rest)
{
    struct xen_domctl_sched_sable_bvt p;
    domid_t dom;
    int rc;

    if (toolstack_resolve(sh, argv[1], &dom))
        return 1;
    rc = xc_sched_bvt_get(dom, &p);
    if (rc)
        return toolstack_fail(sh, "sched-params", argv[1], rc);
    for (int i = 2; i < argc; i++)
        if (!sched_setting(sh, argv[i], &p))
            return 1;
    if (argc > 2 && (rc = xc_sched_bvt_set(dom, &p))) {
        shell_printf(sh, "sched-params %s: refused: a value out of range (%d)\n", argv[1], rc);
        return 1;
    }
    if (argc > 2 && (rc = xc_sched_bvt_get(dom, &p)))
        return toolstack_fail(sh, "sched-params", argv[1], rc);
    shell_printf(sh, "%s: weight %u cap %u warp %lu ns warpl %lu ns warpu %lu ns\n", argv[1],
                 p.weight, p.cap, (unsigned long)p.warp, (unsigned long)p.warpl,
                 (unsigned long)p.warpu);
    return 0;
}

static int cmd_create(struct shell *sh, int argc, char **argv, const char *rest)
{
    return toolstack_create(sh, argv[1]);
}

static int cmd_files(struct shell *sh, int argc, char **argv, const char *rest)
{
    return toolstack_files(sh);
}

const struct shell_command toolstack_commands[] = {
    { "list", "", "domains: id, name, memory, vCPUs, state, CPU time", 0, 0, cmd_list },
    { "pause", "NAME", "stop a domain's vCPUs", 1, 1, cmd_pause },
    { "unpause", "NAME", "let a paused domain run again", 1, 1, cmd_unpause },
    { "shutdown", "NAME", "ask a domain to power off", 1, 1, cmd_shutdown },
    { "reboot", "NAME", "ask a domain to reboot", 1, 1, cmd_shutdown },
    { "destroy", "NAME", "kill a domain and clean up after it", 1, 1, cmd_destroy },
    { "create", "FILE", "create a domain from a configuration file", 1, 1, cmd_create },
    { "files", "", "the boot files (configurations, kernels)", 0, 0, cmd_files },
    { "sched-params", "NAME [KEY=VALUE...]", "show or set weight, cap, warp, warpl, warpu", 1,
      6, cmd_sched_params },
};
const unsigned int toolstack_ncommands = ARRAY_SIZE(toolstack_commands);
