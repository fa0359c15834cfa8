/*
 * The domains the toolstack makes (dom0/include/dom0/toolstack.h): create
 * from a configuration file, the clean-up destroy does, and the actions
 * taken when one shuts down, as xl and libxl do them:
 *
 *   create   configuration read and checked whole (docs/config.md), the
 *            kernel and ramdisk found among the boot files, the memory
 *            checked against what is free; createdomain, the PV or PVH
 *            builder (pv_build.c, pvh_build.c),
 *            its console ring served (consoled.c), XS_INTRODUCE to
 *            xenstored, the XenStore home, unpause. Any
 *            failure destroys what was made and says why.
 *   destroy  its console back-end detached, XS_RELEASE, the home removed,
 *            destroydomain (the hypervisor
 *            frees memory, ports and vCPUs), the record forgotten.
 *   shutdown on_poweroff / on_reboot / on_crash: destroy, restart
 *            (destroy, then create from the configuration it had), or
 *            preserve.
 */
#include <dom0/consoled.h>
#include <dom0/domain_paths.h>
#include <dom0/libc.h>
#include <dom0/pvh_build.h>
#include <dom0/toolstack.h>
#include <sable/cpio.h>
#include "public/errno.h"
#include "public/io/xs_wire.h"
#include "public/sched.h"

#define EVTCHN_PORTS    1023    /* a new domain's highest port (libxl's default) */

static struct ts_domain domains[TOOLSTACK_DOMAINS];
static domid_t last_created = DOMID_INVALID;
static const uint8_t *files;
static uint64_t files_len;

void toolstack_init(const uint8_t *boot_files, uint64_t len)
{
    files = boot_files;
    files_len = boot_files ? len : 0;
    memset(domains, 0, sizeof(domains));
}

struct ts_domain *toolstack_domain(domid_t dom)
{
    for (unsigned int i = 0; i < TOOLSTACK_DOMAINS; i++)
        if (domains[i].used && domains[i].domid == dom)
            return &domains[i];
    return NULL;
}

unsigned int toolstack_domain_count(void)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < TOOLSTACK_DOMAINS; i++)
        n += domains[i].used;
    return n;
}

int toolstack_files(struct shell *sh)
{
    struct cpio_file f;
    uint64_t pos = 0;
    int rc;

    while ((rc = cpio_next(files, files_len, &pos, &f)) == 1)
        shell_printf(sh, "%10lu  %s\n", (unsigned long)f.size, f.name);
    if (rc < 0)
        shell_printf(sh, "files: the boot archive is malformed after this point\n");
    return rc < 0;
}

/* ---- XenStore ---- */

/* XS_INTRODUCE / XS_RELEASE to xenstored over the shell's client. */
static int xs_domain_request(struct shell *sh, uint32_t type, domid_t dom,
                             const struct pv_build_result *b)
{
    char msg[64];
    int len = type == XS_INTRODUCE
                  ? snprintf(msg, sizeof(msg), "%u%c%lu%c%u", dom, 0, (unsigned long)b->store_mfn,
                             0, b->store_port)
                  : snprintf(msg, sizeof(msg), "%u", dom);

    return xs_client_request(sh->xs, type, 0, msg, (uint32_t)len + 1, NULL);
}

static int write_node(struct shell *sh, domid_t dom, const char *node, unsigned long value)
{
    char path[64], v[24];

    snprintf(path, sizeof(path), "/local/domain/%u/%s", dom, node);
    snprintf(v, sizeof(v), "%lu", value);
    return xs_write_str(sh->xs, 0, path, v);
}

/* The home libxl writes, plus where the store and console rings are. */
static int write_home(struct shell *sh, const struct ts_domain *t)
{
    int rc = domain_paths_create(sh->xs, t->domid, t->cfg.name, t->cfg.memory_mib * 1024,
                                 t->cfg.vcpus);

    if (!rc)
        rc = write_node(sh, t->domid, "store/ring-ref", t->built.store_mfn);
    if (!rc)
        rc = write_node(sh, t->domid, "store/port", t->built.store_port);
    if (!rc)
        rc = write_node(sh, t->domid, "console/ring-ref", t->built.console_mfn);
    if (!rc)
        rc = write_node(sh, t->domid, "console/port", t->built.console_port);
    return rc;
}

/* ---- destroy ---- */

/* Everything but the domain itself: xenstored's connection, its home, the record. */
static void forget(struct shell *sh, domid_t dom)
{
    struct ts_domain *t = toolstack_domain(dom);

    consoled_detach(dom);
    if (t && t->introduced)
        xs_domain_request(sh, XS_RELEASE, dom, NULL);
    domain_paths_remove(sh->xs, dom);
    if (t)
        memset(t, 0, sizeof(*t));
}

int toolstack_destroy(struct shell *sh, const char *name, domid_t dom)
{
    int rc;

    forget(sh, dom);                    /* unmapped before the domain goes */
    rc = xc_domain_destroy(dom);
    return rc ? toolstack_fail(sh, "destroy", name, rc) : 0;
}

/* ---- create ---- */

struct create {
    struct shell *sh;
    const char *path;
    struct ts_domain *t;
};

/* Refuse the file, naming its line when there is one; 1. */
static int refuse(struct create *c, unsigned int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(struct create *c, unsigned int line, const char *fmt, ...)
{
    char why[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (line)
        shell_printf(c->sh, "%s: line %u: %s\n", c->path, line, why);
    else
        shell_printf(c->sh, "%s: %s\n", c->path, why);
    return 1;
}

static bool name_taken(struct shell *sh, const char *name)
{
    for (unsigned int i = 0; i < TOOLSTACK_DOMAINS; i++)
        if (domains[i].used && !strcmp(domains[i].cfg.name, name))
            return true;
    return !strcmp(name, "Domain-0");
}

/* The configuration and what it names, checked before anything is made. */
static int create_check(struct create *c, struct cpio_file *kernel, struct cpio_file *ramdisk)
{
    const struct domain_config *cfg = &c->t->cfg;
    struct xen_sysctl_physinfo pi;
    uint64_t free_mib;

    if (name_taken(c->sh, cfg->name))
        return refuse(c, cfg->name_line, "name: a domain called '%s' exists already",
                      cfg->name);
    if (!cpio_find(files, files_len, cfg->kernel, kernel))
        return refuse(c, cfg->kernel_line, "kernel: '%s' is not one of the boot files",
                      cfg->kernel);
    if (cfg->ramdisk[0] && !cpio_find(files, files_len, cfg->ramdisk, ramdisk))
        return refuse(c, cfg->ramdisk_line, "ramdisk: '%s' is not one of the boot files",
                      cfg->ramdisk);
    if (xc_physinfo(&pi))
        return refuse(c, 0, "cannot read the host's free memory");
    free_mib = pi.free_pages / 256;
    if (cfg->type == DOMAIN_TYPE_PVH && !(pi.capabilities & XEN_SYSCTL_PHYSCAP_hvm))
        return refuse(c, cfg->type_line, "type: pvh needs a CPU with SVM and nested paging");
    if (cfg->memory_mib > free_mib)
        return refuse(c, cfg->memory_line, "memory: %lu MiB is more than is free (%lu MiB)",
                      (unsigned long)cfg->memory_mib, (unsigned long)free_mib);
    return 0;
}

/* Make, build, introduce and start the domain; on failure undo it all. */
static int create_domain(struct create *c, const struct cpio_file *kernel,
                         const struct cpio_file *ramdisk)
{
    struct ts_domain *t = c->t;
    struct pv_build_request rq = {
        .kernel = kernel->data, .kernel_len = kernel->size,
        .ramdisk = t->cfg.ramdisk[0] ? ramdisk->data : NULL,
        .ramdisk_len = t->cfg.ramdisk[0] ? ramdisk->size : 0,
        .cmdline = t->cfg.cmdline, .mem_kib = t->cfg.memory_mib * 1024,
        .vcpus = t->cfg.vcpus,
    };
    bool pvh = t->cfg.type == DOMAIN_TYPE_PVH;
    char err[128];
    int rc = pvh ? xc_domain_create_hvm(t->cfg.vcpus, EVTCHN_PORTS, &t->domid)
                 : xc_domain_create(t->cfg.vcpus, EVTCHN_PORTS, &t->domid);

    if (rc)
        return refuse(c, rc == -XEN_EINVAL ? t->cfg.vcpus_line : 0,
                      "the hypervisor refused the domain (error %d)", rc);
    t->used = true;
    rq.dom = t->domid;
    rc = xc_domain_max_vcpus(t->domid, t->cfg.vcpus);
    if (!rc && (pvh ? pvh_build : pv_build)(&rq, &t->built, err, sizeof(err)))
        rc = refuse(c, 0, "cannot build %s: %s", t->cfg.name, err);
    else if (rc)
        rc = refuse(c, t->cfg.vcpus_line, "vcpus: refused (error %d)", rc);
    if (!rc && (rc = consoled_attach(t->domid, t->built.console_mfn, t->built.console_port)))
        rc = refuse(c, 0, "cannot serve its console (error %d)", rc);
    if (!rc && (rc = xs_domain_request(c->sh, XS_INTRODUCE, t->domid, &t->built)))
        rc = refuse(c, 0, "xenstored refused the domain (%s)", shell_xs_error(rc));
    t->introduced = !rc;
    if (!rc && (rc = write_home(c->sh, t)))
        rc = refuse(c, 0, "cannot write its XenStore home (%s)", shell_xs_error(rc));
    if (!rc && (rc = xc_domain_unpause(t->domid)))
        rc = refuse(c, 0, "cannot start it (error %d)", rc);
    if (rc) {
        toolstack_destroy(c->sh, t->cfg.name, t->domid);
        return 1;
    }
    last_created = t->domid;
    shell_printf(c->sh, "created %s (domain %u): %lu MiB, %u vCPU%s, %s kernel %s\n",
                 t->cfg.name, t->domid, (unsigned long)t->cfg.memory_mib, t->cfg.vcpus,
                 t->cfg.vcpus == 1 ? "" : "s", t->built.guest_os[0] ? t->built.guest_os : "PV",
                 t->cfg.kernel);
    return 0;
}

static struct ts_domain *slot_free(void)
{
    for (unsigned int i = 0; i < TOOLSTACK_DOMAINS; i++)
        if (!domains[i].used)
            return &domains[i];
    return NULL;
}

/* Make a domain from a checked configuration; label names it in messages. */
static int create_cfg(struct shell *sh, const char *label, const struct domain_config *cfg)
{
    struct create c = { .sh = sh, .path = label, .t = slot_free() };
    struct cpio_file kernel, ramdisk;

    if (!c.t)
        return refuse(&c, 0, "the toolstack manages %d domains already", TOOLSTACK_DOMAINS);
    memset(c.t, 0, sizeof(*c.t));
    c.t->cfg = *cfg;
    snprintf(c.t->path, sizeof(c.t->path), "%s", label);
    if (create_check(&c, &kernel, &ramdisk))
        return 1;
    return create_domain(&c, &kernel, &ramdisk);
}

int toolstack_create_text(struct shell *sh, const char *label, const char *text, size_t len)
{
    struct create c = { .sh = sh, .path = label };
    struct domain_config *cfg = malloc(sizeof(*cfg));
    struct config_error err;
    int rc;

    if (!cfg)
        return refuse(&c, 0, "dom0 out of memory");
    rc = config_parse(text, len, cfg, &err) ? refuse(&c, err.line, "%s", err.msg)
                                            : create_cfg(sh, label, cfg);
    free(cfg);
    return rc;
}

domid_t toolstack_last_created(void)
{
    return last_created;
}

int toolstack_create(struct shell *sh, const char *path)
{
    struct create c = { .sh = sh, .path = path };
    struct cpio_file file;

    if (!cpio_find(files, files_len, path, &file))
        return refuse(&c, 0, "no such boot file (see 'files')");
    return toolstack_create_text(sh, path, (const char *)file.data, file.size);
}

/* ---- shutdown actions ---- */

static enum domain_action action_for(const struct ts_domain *t, unsigned int reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff: return t->cfg.on_poweroff;
    case SHUTDOWN_reboot: return t->cfg.on_reboot;
    default: return t->cfg.on_crash;        /* crash, watchdog, anything else */
    }
}

static const char *reason_name(unsigned int reason)
{
    static const char *const names[] = { "poweroff", "reboot", "suspend", "crash", "watchdog",
                                         "soft_reset" };

    return reason < ARRAY_SIZE(names) ? names[reason] : "unknown";
}

/* Restart t: destroy it, then make it again from the configuration it had. */
static void restart(struct shell *sh, struct ts_domain *t)
{
    struct ts_domain *old = malloc(sizeof(*old));

    if (!old) {
        shell_printf(sh, "%s: dom0 out of memory: not restarted\n", t->cfg.name);
        toolstack_destroy(sh, t->cfg.name, t->domid);
        return;
    }
    *old = *t;
    toolstack_destroy(sh, old->cfg.name, old->domid);
    create_cfg(sh, old->path, &old->cfg);
    free(old);
}

void toolstack_dom_exc(struct shell *sh)
{
    for (unsigned int i = 0; i < TOOLSTACK_DOMAINS; i++) {
        struct ts_domain *t = &domains[i];
        struct xen_domctl_getdomaininfo info;
        unsigned int reason;
        enum domain_action act;

        if (!t->used || t->handled)
            continue;
        if (xc_domain_getinfo(t->domid, &info)) {
            forget(sh, t->domid);           /* gone behind our back */
            continue;
        }
        if (!(info.flags & XEN_DOMINF_shutdown))
            continue;
        reason = (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
        if (reason == SHUTDOWN_suspend)
            continue;                       /* save/restore is not here yet */
        act = action_for(t, reason);
        shell_printf(sh, "%s (domain %u) shut down (%s): %s\n", t->cfg.name, t->domid,
                     reason_name(reason), config_action_name(act));
        t->handled = true;
        if (act == ACTION_DESTROY)
            toolstack_destroy(sh, t->cfg.name, t->domid);
        else if (act == ACTION_RESTART)
            restart(sh, t);
    }
}
