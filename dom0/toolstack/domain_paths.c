/*
 * A domain's XenStore home (dom0/include/dom0/domain_paths.h). The list
 * and the permissions follow libxl (tools/libs/light/libxl_create.c,
 * libxl__domain_make): read-only nodes owned by dom0 with read access for
 * the domain, writable ones owned by the domain.
 */
#include <dom0/domain_paths.h>
#include <dom0/libc.h>
#include "public/errno.h"

#define TX_TRIES 8

struct node_spec {
    const char *path;           /* below the home; "" is the home itself */
    bool guest_owns;
};

static const struct node_spec layout[] = {
    { "", false },
    { "name", false },
    { "domid", false },
    { "memory", false },
    { "memory/static-max", false },
    { "memory/target", false },
    { "console", false },
    { "device", false },
    { "control", false },
    { "control/shutdown", true },
    { "control/feature-poweroff", true },
    { "control/feature-reboot", true },
    { "control/feature-suspend", true },
    { "control/sysrq", true },
    { "data", true },
    { "drivers", true },
    { "feature", true },
    { "attr", true },
    { "error", true },
};

/* The value a node starts with ("" for most). */
static void node_value(const char *path, uint16_t domid, const char *name, uint64_t kib,
                       char *buf, size_t size)
{
    if (!strcmp(path, "name"))
        snprintf(buf, size, "%s", name);
    else if (!strcmp(path, "domid"))
        snprintf(buf, size, "%u", domid);
    else if (!strcmp(path, "memory/static-max") || !strcmp(path, "memory/target"))
        snprintf(buf, size, "%lu", (unsigned long)kib);
    else
        buf[0] = '\0';
}

/* cpu/<n>/availability "online" for each vCPU, read-only to the domain, as
 * libxl writes them: Linux's Xen CPU hotplug reads one per possible CPU. */
static int write_cpus(struct xs_client *xs, uint32_t tx, uint16_t domid, unsigned int vcpus,
                      const char *const ro[2])
{
    char path[96];

    for (unsigned int n = 0; n < vcpus; n++) {
        int rc;

        snprintf(path, sizeof(path), "/local/domain/%u/cpu/%u/availability", domid, n);
        rc = xs_write_str(xs, tx, path, "online");
        if (!rc)
            rc = xs_set_perms(xs, tx, path, ro, 2);
        if (rc)
            return rc;
    }
    return 0;
}

static int write_all(struct xs_client *xs, uint32_t tx, uint16_t domid, const char *name,
                     uint64_t kib, unsigned int vcpus)
{
    char path[96], value[96], owner[16], reader[16];
    const char *ro[] = { "n0", reader }, *rw[] = { owner };

    snprintf(owner, sizeof(owner), "n%u", domid);
    snprintf(reader, sizeof(reader), "r%u", domid);
    if (domid != 0) {
        int rc = write_cpus(xs, tx, domid, vcpus, ro);

        if (rc)
            return rc;
    }
    for (size_t i = 0; i < ARRAY_SIZE(layout); i++) {
        int rc;

        snprintf(path, sizeof(path), "/local/domain/%u%s%s", domid, *layout[i].path ? "/" : "",
                 layout[i].path);
        node_value(layout[i].path, domid, name, kib, value, sizeof(value));
        rc = xs_write_str(xs, tx, path, value);
        if (!rc && domid != 0)
            rc = layout[i].guest_owns ? xs_set_perms(xs, tx, path, rw, 1)
                                      : xs_set_perms(xs, tx, path, ro, 2);
        if (rc)
            return rc;
    }
    return 0;
}

int domain_paths_create(struct xs_client *xs, uint16_t domid, const char *name,
                        uint64_t memory_kib, unsigned int vcpus)
{
    for (int tries = 0; tries < TX_TRIES; tries++) {
        uint32_t tx;
        int rc = xs_transaction_start(xs, &tx);

        if (rc)
            return rc;
        rc = write_all(xs, tx, domid, name, memory_kib, vcpus);
        if (rc) {
            xs_transaction_end(xs, tx, false);
            return rc;
        }
        rc = xs_transaction_end(xs, tx, true);
        if (rc != XEN_EAGAIN)
            return rc;
    }
    return XEN_EAGAIN;
}

int domain_paths_remove(struct xs_client *xs, uint16_t domid)
{
    char path[32];

    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    return xs_rm(xs, 0, path);
}
