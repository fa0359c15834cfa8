/*
 * domctl (hypercall 36): domain management by the privileged domain, in
 * Xen's layout (public/domctl.h). The checks come in Xen's order
 * (common/domctl.c, do_domctl): a structure that cannot be read is
 * -EFAULT, a wrong interface version -EACCES, an unknown target domain
 * -ESRCH, a caller that is not privileged -EPERM (Xen's default XSM
 * policy), an unknown command -ENOSYS. Commands that return data copy the
 * whole structure back, as Xen does.
 *
 * Adding a command: a case in domctl_dispatch() calling a function that
 * checks everything before it changes anything. (A command with no target
 * domain, such as createdomain, needs its case before the lookup in
 * do_domctl, as in Xen.) The domain lifecycle commands (createdomain ..
 * getvcpuinfo) are in domctl_domain.c.
 */
#include <sable/domain.h>
#include <sable/domctl.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/sched.h>

#include "public/domctl.h"

#define AFFINITY_MAX_BITS   4096    /* a bitmap longer than this is refused */

/* ---- XEN_DOMCTL_scheduler_op ---- */

static void bvt_to_params(const struct xen_domctl_sched_sable_bvt *b, struct sched_params *p)
{
    p->weight = b->weight;
    p->cap = b->cap;
    p->warp = b->warp;
    p->warpl = b->warpl;
    p->warpu = b->warpu;
}

static void params_to_bvt(const struct sched_params *p, struct xen_domctl_sched_sable_bvt *b)
{
    memset(b, 0, sizeof(*b));
    b->weight = p->weight;
    b->cap = p->cap;
    b->warp = p->warp;
    b->warpl = p->warpl;
    b->warpu = p->warpu;
}

/* The running scheduler's parameters of d: put (checked) or get. */
static long domctl_scheduler_op(struct domain *d, struct xen_domctl_scheduler_op *op)
{
    struct sched_params p;

    if (op->sched_id != sched_policy_id())
        return -EINVAL;
    switch (op->cmd) {
    case XEN_DOMCTL_SCHEDOP_putinfo:
        bvt_to_params(&op->u.sable_bvt, &p);
        return sched_adjust(d, &p);
    case XEN_DOMCTL_SCHEDOP_getinfo:
        sched_params_get(d, &p);
        params_to_bvt(&p, &op->u.sable_bvt);
        return 0;
    default:                        /* per-vCPU parameters: BVT has none */
        return -EINVAL;
    }
}

/* ---- XEN_DOMCTL_setvcpuaffinity / getvcpuaffinity ---- */

/*
 * A CPU mask from the caller's bitmap: -EFAULT if unreadable, -EINVAL if
 * longer than AFFINITY_MAX_BITS or naming a CPU that is not online (Xen
 * would drop those; Sable refuses, so a typo cannot pin a vCPU elsewhere).
 */
static int bitmap_read(const struct xenctl_bitmap *b, uint64_t *mask)
{
    uint8_t bytes[AFFINITY_MAX_BITS / 8] = { 0 };
    size_t n = (b->nr_bits + 7) / 8;

    if (b->nr_bits > AFFINITY_MAX_BITS)
        return -EINVAL;
    if (n && copy_from_guest(bytes, b->bitmap, n))
        return -EFAULT;
    if (b->nr_bits % 8)
        bytes[n - 1] &= (uint8_t)((1U << (b->nr_bits % 8)) - 1);
    *mask = 0;
    for (size_t i = 0; i < n; i++) {
        if (i >= 8 && bytes[i])
            return -EINVAL;
        if (i < 8)
            *mask |= (uint64_t)bytes[i] << (8 * i);
    }
    return (*mask & ~sched_cpus_online()) ? -EINVAL : 0;
}

/* Write mask into the caller's bitmap, zero beyond 64 CPUs. */
static int bitmap_write(const struct xenctl_bitmap *b, uint64_t mask)
{
    uint8_t bytes[AFFINITY_MAX_BITS / 8] = { 0 };
    size_t n = (MIN(b->nr_bits, AFFINITY_MAX_BITS) + 7) / 8;

    for (size_t i = 0; i < MIN(n, (size_t)8); i++)
        bytes[i] = (uint8_t)(mask >> (8 * i));
    return n && copy_to_guest(b->bitmap, bytes, n) ? -EFAULT : 0;
}

static long domctl_vcpuaffinity(struct domain *d, uint32_t cmd,
                                struct xen_domctl_vcpuaffinity *a)
{
    struct vcpu *v;
    uint64_t hard, soft;
    int rc;

    if (a->vcpu >= d->max_vcpus)
        return -EINVAL;
    v = d->vcpu[a->vcpu];
    if (!v)
        return -ESRCH;
    if (!(a->flags & (XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT)))
        return -EINVAL;
    hard = v->hard_affinity;
    soft = v->soft_affinity;
    if (cmd == XEN_DOMCTL_getvcpuaffinity) {
        rc = (a->flags & XEN_VCPUAFFINITY_HARD) ? bitmap_write(&a->cpumap_hard, hard) : 0;
        if (!rc && (a->flags & XEN_VCPUAFFINITY_SOFT))
            rc = bitmap_write(&a->cpumap_soft, soft);
        return rc;
    }
    if ((a->flags & XEN_VCPUAFFINITY_HARD) && (rc = bitmap_read(&a->cpumap_hard, &hard)))
        return rc;
    if ((a->flags & XEN_VCPUAFFINITY_SOFT) && (rc = bitmap_read(&a->cpumap_soft, &soft)))
        return rc;
    rc = sched_set_affinity(v, hard & sched_cpus_online(),
                            soft == ~0ULL ? 0 : soft & sched_cpus_online());
    if (rc)
        return rc;
    /* As Xen: hand back the effective masks. */
    rc = (a->flags & XEN_VCPUAFFINITY_HARD) ? bitmap_write(&a->cpumap_hard, v->hard_affinity) : 0;
    if (!rc && (a->flags & XEN_VCPUAFFINITY_SOFT))
        rc = bitmap_write(&a->cpumap_soft, v->soft_affinity & v->hard_affinity);
    return rc;
}

/* ---- dispatch ---- */

static long domctl_dispatch(struct domain *d, struct xen_domctl *op, bool *copyback)
{
    switch (op->cmd) {
    case XEN_DOMCTL_createdomain:
        *copyback = true;
        return domctl_createdomain(&op->u.createdomain, &op->domain);
    case XEN_DOMCTL_destroydomain:
        return domctl_destroydomain(d);
    case XEN_DOMCTL_pausedomain:
        return domctl_pausedomain(d);
    case XEN_DOMCTL_unpausedomain:
        return domctl_unpausedomain(d);
    case XEN_DOMCTL_getdomaininfo:
        *copyback = true;
        domain_getinfo(d, &op->u.getdomaininfo);
        return 0;
    case XEN_DOMCTL_max_mem:
        return domctl_max_mem(d, &op->u.max_mem);
    case XEN_DOMCTL_max_vcpus:
        return domctl_max_vcpus(d, &op->u.max_vcpus);
    case XEN_DOMCTL_setvcpucontext:
        return domctl_setvcpucontext(d, &op->u.vcpucontext);
    case XEN_DOMCTL_getvcpucontext:
        return domctl_getvcpucontext(d, &op->u.vcpucontext);
    case XEN_DOMCTL_getvcpuinfo:
        *copyback = true;
        return domctl_getvcpuinfo(d, &op->u.getvcpuinfo);
    case XEN_DOMCTL_hypercall_init:
        return domctl_hypercall_init(d, &op->u.hypercall_init);
    case XEN_DOMCTL_sethvmcontext:
        return domctl_sethvmcontext(d, &op->u.hvmcontext);
    case XEN_DOMCTL_scheduler_op:
        *copyback = true;
        return domctl_scheduler_op(d, &op->u.scheduler_op);
    case XEN_DOMCTL_setvcpuaffinity:
    case XEN_DOMCTL_getvcpuaffinity:
        return domctl_vcpuaffinity(d, op->cmd, &op->u.vcpuaffinity);
    default:
        return -ENOSYS;
    }
}

long do_domctl(uint64_t arg, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct xen_domctl op;
    struct domain *d;
    bool copyback = false;
    long rc;

    if (copy_from_guest(&op, arg, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -EACCES;
    /* createdomain names no existing domain: op.domain is the id wanted. */
    d = op.cmd == XEN_DOMCTL_createdomain ? NULL : domain_get_by_id(op.domain);
    if (!d && op.cmd != XEN_DOMCTL_createdomain)
        return -ESRCH;
    if (!current->domain->is_privileged)
        rc = -EPERM;
    else
        rc = domctl_dispatch(d, &op, &copyback);
    if (d)
        domain_put(d);
    if (copyback && copy_to_guest(arg, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}
