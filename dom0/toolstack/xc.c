/*
 * dom0/include/dom0/xc.h with hypercalls (the dom0 kernel only).
 */
#include <guest/events.h>
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/lib.h>

#include <dom0/pte.h>
#include <dom0/xc.h>

#define P(x) ((uint64_t)(uintptr_t)(x))

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

static int domain_create(uint32_t flags, uint32_t emulation, uint32_t vcpus, uint32_t max_port,
                         domid_t *dom)
{
    struct xen_domctl *op = domctl_new(XEN_DOMCTL_createdomain, 0);
    int rc;

    op->u.createdomain.flags = flags;
    op->u.createdomain.arch.emulation_flags = emulation;
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

int xc_domain_create(uint32_t vcpus, uint32_t max_port, domid_t *dom)
{
    return domain_create(0, 0, vcpus, max_port, dom);
}

/* As libxl makes a PVH domain: HVM with nested paging, only the local APIC emulated. */
int xc_domain_create_hvm(uint32_t vcpus, uint32_t max_port, domid_t *dom)
{
    return domain_create(XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap, XEN_X86_EMU_LAPIC, vcpus,
                         max_port, dom);
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

static int sched_op(domid_t dom, uint32_t cmd, struct xen_domctl_sched_sable_bvt *p)
{
    struct xen_domctl *op = domctl_new(XEN_DOMCTL_scheduler_op, dom);
    int rc;

    op->u.scheduler_op.sched_id = XEN_SCHEDULER_SABLE_BVT;
    op->u.scheduler_op.cmd = cmd;
    op->u.scheduler_op.u.sable_bvt = *p;
    rc = (int)hypercall_domctl(op);
    if (!rc)
        *p = op->u.scheduler_op.u.sable_bvt;
    return rc;
}

int xc_sched_bvt_get(domid_t dom, struct xen_domctl_sched_sable_bvt *p)
{
    memset(p, 0, sizeof(*p));
    return sched_op(dom, XEN_DOMCTL_SCHEDOP_getinfo, p);
}

int xc_sched_bvt_set(domid_t dom, const struct xen_domctl_sched_sable_bvt *p)
{
    struct xen_domctl_sched_sable_bvt copy = *p;

    return sched_op(dom, XEN_DOMCTL_SCHEDOP_putinfo, &copy);
}

int xc_domain_hypercall_init(domid_t dom, xen_pfn_t mfn)
{
    domctl_new(XEN_DOMCTL_hypercall_init, dom)->u.hypercall_init.gmfn = mfn;
    return (int)hypercall_domctl(&dop);
}

int xc_domain_sethvmcontext(domid_t dom, const void *buf, uint32_t size)
{
    struct xen_domctl *op = domctl_new(XEN_DOMCTL_sethvmcontext, dom);

    op->u.hvmcontext.size = size;
    op->u.hvmcontext.buffer = guest_handle_from_ptr(buf);
    return (int)hypercall_domctl(op);
}

int xc_hvm_param_set(domid_t dom, uint32_t index, uint64_t value)
{
    struct xen_hvm_param p = { .domid = dom, .index = index, .value = value };

    return (int)hypercall_hvm_op(HVMOP_set_param, &p);
}

/* Extents per populate_physmap call (the hypervisor continues longer lists itself). */
#define POPULATE_BATCH 512

long xc_populate_physmap(domid_t dom, uint64_t nr, xen_pfn_t *frames)
{
    return xc_populate_physmap_order(dom, 0, nr, frames);
}

long xc_populate_physmap_order(domid_t dom, unsigned int order, uint64_t nr, xen_pfn_t *frames)
{
    uint64_t done = 0;

    while (done < nr) {
        struct xen_memory_reservation r = {
            .extent_start = guest_handle_from_ptr(frames + done),
            .nr_extents = nr - done < POPULATE_BATCH ? nr - done : POPULATE_BATCH,
            .extent_order = order,
            .domid = dom,
        };
        long got = hypercall_memory_op(XENMEM_populate_physmap, &r);

        if (got < 0)
            return done ? (long)done : got;
        done += (uint64_t)got;
        if ((uint64_t)got < r.nr_extents)
            break;
    }
    return (long)done;
}

/*
 * The window foreign frames are mapped in: pages of dom0's own image whose
 * page-table entries exist, remapped onto the foreign frame and back onto
 * dom0's own frame (from its p2m list) when unmapped.
 */
#define FOREIGN_SLOTS 1024      /* 4 MiB of dom0: two rings per domain, 256 domains and more */
static uint8_t foreign_window[FOREIGN_SLOTS][GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static bool foreign_used[FOREIGN_SLOTS];

int xc_map_foreign(domid_t dom, xen_pfn_t mfn, void **va)
{
    for (unsigned int i = 0; i < FOREIGN_SLOTS; i++) {
        long rc;

        if (foreign_used[i])
            continue;
        rc = hypercall_update_va_mapping_otherdomain(P(foreign_window[i]),
                                                     (mfn << PTE_FRAME_SHIFT) | PTE_MAP_RW, UVMF_INVLPG, dom);
        if (rc)
            return (int)rc;
        foreign_used[i] = true;
        *va = foreign_window[i];
        return 0;
    }
    return -XEN_ENOSPC;
}

void xc_unmap_foreign(void *va)
{
    uintptr_t off = (uintptr_t)va - (uintptr_t)foreign_window;
    unsigned int i = off / GUEST_PAGE_SIZE;
    long rc;

    if (off >= sizeof(foreign_window) || !foreign_used[i])
        return;
    rc = hypercall_update_va_mapping(P(foreign_window[i]),
                                     (pfn_to_mfn(virt_to_pfn(foreign_window[i])) << PTE_FRAME_SHIFT) | PTE_MAP_RW,
                                     UVMF_INVLPG);
    if (rc)
        printf("dom0: cannot unmap a foreign frame (error %ld): slot lost\n", rc);
    else
        foreign_used[i] = false;
}

int xc_evtchn_alloc_unbound(domid_t dom, domid_t remote)
{
    struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
    long rc = hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &a);

    return rc ? (int)rc : (int)a.port;
}

/*
 * A back-end port's event only wakes dom0: its loop serves every back-end
 * anyway. The port stays masked until that loop has been round
 * (xc_evtchn_backend_eoi, Linux's "late EOI" against event storms): a
 * guest that signals as fast as it can would otherwise keep dom0's vCPU in
 * its upcall, away from the shell, the host channel and other guests.
 */
#define BACKEND_PORTS 4096
static uint64_t backend_masked[BACKEND_PORTS / 64];

static void on_backend_event(evtchn_port_t port, void *arg)
{
    if (port >= BACKEND_PORTS)
        return;
    evtchn_mask(port);
    backend_masked[port / 64] |= 1ULL << (port % 64);
}

void xc_evtchn_backend_eoi(void)
{
    for (unsigned int w = 0; w < BACKEND_PORTS / 64; w++)
        while (backend_masked[w]) {
            unsigned int bit = (unsigned int)__builtin_ctzll(backend_masked[w]);

            backend_masked[w] &= ~(1ULL << bit);
            evtchn_unmask(w * 64 + bit);    /* pending meanwhile: delivered now */
        }
}

int xc_evtchn_bind_interdomain(domid_t dom, uint32_t remote_port)
{
    evtchn_port_t port;
    long rc = evtchn_bind_interdomain(dom, remote_port, &port);

    if (rc)
        return (int)rc;
    evtchn_set_handler(port, on_backend_event, NULL);
    evtchn_unmask(port);
    return (int)port;
}

void xc_evtchn_notify(uint32_t port)
{
    evtchn_send(port);
}

void xc_evtchn_close(uint32_t port)
{
    if (port < BACKEND_PORTS)
        backend_masked[port / 64] &= ~(1ULL << (port % 64));
    evtchn_set_handler(port, NULL, NULL);
    evtchn_close(port);
}
