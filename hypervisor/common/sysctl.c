/*
 * sysctl (hypercall 35): questions about the whole host from the
 * privileged domain, in Xen 4.19's layout (public/sysctl.h). Checks in
 * Xen's order (common/sysctl.c, do_sysctl): an unreadable structure is
 * -EFAULT, a wrong interface version -EACCES, an unprivileged caller
 * -EPERM, an unknown command -ENOSYS. The structure is copied back when
 * a command returns data.
 */
#include <sable/buddy.h>
#include <sable/domain.h>
#include <sable/domctl.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/sched.h>

#include "public/sysctl.h"

/* arch: what only the architecture knows (capabilities, RAM, frames, CPU ids, clock). */
void arch_physinfo(struct xen_sysctl_physinfo *pi);

static long sysctl_physinfo(struct xen_sysctl_physinfo *pi)
{
    memset(pi, 0, sizeof(*pi));
    pi->threads_per_core = 1;
    for (uint64_t cpus = sched_cpus_online(); cpus; cpus &= cpus - 1)
        pi->nr_cpus++;
    pi->cores_per_socket = pi->nr_cpus;
    pi->nr_nodes = 1;
    pi->max_node_id = 0;
    pi->free_pages = buddy_free_frames();
    arch_physinfo(pi);
    return 0;
}

/* Walk state of getdomaininfolist (domain_for_each cannot fail or stop). */
struct infolist_walk {
    struct xen_sysctl_getdomaininfolist *l;
    uint32_t written;
    long rc;
};

static void infolist_add(struct domain *d, void *arg)
{
    struct infolist_walk *w = arg;
    struct xen_domctl_getdomaininfo info;

    if (w->rc || d->domain_id < w->l->first_domain || w->written == w->l->max_domains)
        return;
    domain_getinfo(d, &info);
    if (copy_to_guest(w->l->buffer + (uint64_t)w->written * sizeof(info), &info, sizeof(info)))
        w->rc = -EFAULT;
    else
        w->written++;
}

/*
 * Domains with ids >= first_domain, in id order, dying ones included, at
 * most max_domains of them. A buffer that cannot be written is -EFAULT.
 * The copies run under the domain list lock (domain_for_each); they are
 * bounded by max_domains and each is one small copy.
 */
static long sysctl_getdomaininfolist(struct xen_sysctl_getdomaininfolist *l)
{
    struct infolist_walk w = { .l = l };

    domain_for_each(infolist_add, &w);
    if (w.rc)
        return w.rc;
    l->num_domains = w.written;
    return 0;
}

long do_sysctl(uint64_t arg, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct xen_sysctl op;
    long rc;

    if (copy_from_guest(&op, arg, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -EACCES;
    if (!current->domain->is_privileged)
        return -EPERM;
    switch (op.cmd) {
    case XEN_SYSCTL_physinfo:
        rc = sysctl_physinfo(&op.u.physinfo);
        break;
    case XEN_SYSCTL_getdomaininfolist:
        rc = sysctl_getdomaininfolist(&op.u.getdomaininfolist);
        break;
    default:
        return -ENOSYS;
    }
    if (copy_to_guest(arg, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}
