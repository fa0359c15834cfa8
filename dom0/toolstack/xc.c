/*
 * dom0/include/dom0/xc.h with hypercalls (the dom0 kernel only).
 */
#include <guest/hypercall.h>
#include <guest/lib.h>

#include <dom0/xc.h>

static struct xen_domctl dop;
static struct xen_sysctl sop;

static struct xen_domctl *domctl_new(uint32_t cmd, domid_t dom)
{
    memset(&dop, 0, sizeof(dop));
    dop.cmd = cmd;
    dop.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    dop.domain = dom;
    return &dop;
}

static struct xen_sysctl *sysctl_new(uint32_t cmd)
{
    memset(&sop, 0, sizeof(sop));
    sop.cmd = cmd;
    sop.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    return &sop;
}

static int domctl_simple(uint32_t cmd, domid_t dom)
{
    return (int)hypercall_domctl(domctl_new(cmd, dom));
}

int xc_physinfo(struct xen_sysctl_physinfo *out)
{
    int rc = (int)hypercall_sysctl(sysctl_new(XEN_SYSCTL_physinfo));

    if (!rc)
        *out = sop.u.physinfo;
    return rc;
}

int xc_domain_getinfolist(domid_t first, unsigned int max, struct xen_domctl_getdomaininfo *out)
{
    struct xen_sysctl *op = sysctl_new(XEN_SYSCTL_getdomaininfolist);
    int rc;

    op->u.getdomaininfolist.first_domain = first;
    op->u.getdomaininfolist.max_domains = max;
    op->u.getdomaininfolist.buffer = guest_handle_from_ptr(out);
    rc = (int)hypercall_sysctl(op);
    return rc ? rc : (int)op->u.getdomaininfolist.num_domains;
}

int xc_domain_getinfo(domid_t dom, struct xen_domctl_getdomaininfo *out)
{
    int rc = domctl_simple(XEN_DOMCTL_getdomaininfo, dom);

    if (!rc)
        *out = dop.u.getdomaininfo;
    return rc;
}

int xc_domain_create(uint32_t vcpus, uint32_t max_port, domid_t *dom)
{
    struct xen_domctl *op = domctl_new(XEN_DOMCTL_createdomain, 0);
    int rc;

    op->u.createdomain.max_vcpus = vcpus;
    op->u.createdomain.max_evtchn_port = max_port;
    op->u.createdomain.max_grant_frames = -1;
    op->u.createdomain.max_maptrack_frames = -1;
    op->u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
    rc = (int)hypercall_domctl(op);
    if (!rc)
        *dom = op->domain;
    return rc;
}

int xc_domain_destroy(domid_t dom) { return domctl_simple(XEN_DOMCTL_destroydomain, dom); }
int xc_domain_pause(domid_t dom) { return domctl_simple(XEN_DOMCTL_pausedomain, dom); }
int xc_domain_unpause(domid_t dom) { return domctl_simple(XEN_DOMCTL_unpausedomain, dom); }

int xc_domain_max_mem(domid_t dom, uint64_t max_kib)
{
    domctl_new(XEN_DOMCTL_max_mem, dom)->u.max_mem.max_memkb = max_kib;
    return (int)hypercall_domctl(&dop);
}

int xc_domain_max_vcpus(domid_t dom, uint32_t vcpus)
{
    domctl_new(XEN_DOMCTL_max_vcpus, dom)->u.max_vcpus.max = vcpus;
    return (int)hypercall_domctl(&dop);
}

int xc_domain_setvcpucontext(domid_t dom, uint32_t vcpu, const struct vcpu_guest_context *ctxt)
{
    struct xen_domctl *op = domctl_new(XEN_DOMCTL_setvcpucontext, dom);

    op->u.vcpucontext.vcpu = vcpu;
    op->u.vcpucontext.ctxt = guest_handle_from_ptr(ctxt);
    return (int)hypercall_domctl(op);
}

int xc_domain_shutdown(domid_t dom, unsigned int reason)
{
    struct sched_remote_shutdown r = { .domain_id = dom, .reason = reason };

    return (int)hypercall_sched_op(SCHEDOP_remote_shutdown, &r);
}
