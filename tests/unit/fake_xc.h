/*
 * A host stand-in for dom0's hypervisor interface (dom0/include/dom0/xc.h):
 * a table of fake domains the toolstack code sees through the same calls,
 * with Xen's error codes, a free-page count, and a log of the calls made.
 * Include it in exactly one test file.
 */
#ifndef FAKE_XC_H
#define FAKE_XC_H

#include <dom0/xc.h>
#include "public/errno.h"
#include "public/sched.h"

#define FX_DOMAINS 16

struct fx_domain {
    bool exists;
    uint64_t hypercall_mfn;             /* xc_domain_hypercall_init's frame, 0: none */
    uint32_t next_port;
    struct vcpu_guest_context ctxt0;    /* vCPU 0's context as set */
    int mapped_at_setvcpucontext;
    struct xen_domctl_sched_sable_bvt bvt;
    struct xen_domctl_getdomaininfo info;
    unsigned int shutdown_reason;       /* last xc_domain_shutdown, ~0: none */
    bool has_context[4];
};

static struct fx_domain fx_dom[FX_DOMAINS];

/* Machine memory: frames FX_MFN0.. each owned by one fake domain. */
#define FX_FRAMES   8192
#define FX_MFN0     0x1000
static uint8_t (*fx_mem)[4096];
static domid_t fx_owner[FX_FRAMES];     /* DOMID_INVALID: free */
static int fx_mapped;                   /* foreign mappings not yet unmapped */
static int fx_fail_map_after = -1;      /* fail the map after this many (-1: never) */

/* dom0's ports: bound to (domain, remote port); notifications counted. */
#define FX_PORTS 64
static struct { bool used; domid_t dom; uint32_t remote; int notified; } fx_port[FX_PORTS];

static inline void *fx_frame(xen_pfn_t mfn)
{
    return &fx_mem[mfn - FX_MFN0];
}
static uint64_t fx_free_pages;
static bool fx_hvm;                     /* the host has SVM: HVM domains (below) */
static domid_t fx_hvm_dom;              /* the HVM domain, 0: none */
static char fx_log[4096];               /* "pause 1;destroy 2;" ... */

static inline void fx_logf(const char *fmt, ...)
{
    size_t len = strlen(fx_log);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(fx_log + len, sizeof(fx_log) - len, fmt, ap);
    va_end(ap);
}

/* Domain dom with vcpus vCPUs and pages frames, running. */
static inline void fx_add(domid_t dom, uint32_t vcpus, uint64_t pages)
{
    struct fx_domain *f = &fx_dom[dom];

    memset(f, 0, sizeof(*f));
    f->exists = true;
    f->shutdown_reason = ~0U;
    f->info.domain = dom;
    f->info.max_vcpu_id = vcpus - 1;
    f->info.nr_online_vcpus = vcpus;
    f->info.tot_pages = pages;
    f->info.max_pages = pages;
    f->info.flags = XEN_DOMINF_blocked;
}

static inline void fx_reset(void)
{
    if (!fx_mem)
        fx_mem = calloc(FX_FRAMES, 4096);
    for (int i = 0; i < FX_FRAMES; i++)
        fx_owner[i] = DOMID_INVALID;
    fx_mapped = 0;
    fx_fail_map_after = -1;
    memset(fx_port, 0, sizeof(fx_port));
    memset(fx_dom, 0, sizeof(fx_dom));
    fx_log[0] = '\0';
    fx_free_pages = 100000;
    fx_hvm = false;
    fx_hvm_dom = 0;
    fx_add(0, 1, 16384);
    fx_dom[0].info.flags = XEN_DOMINF_running;
}

static inline struct fx_domain *fx_get(domid_t dom)
{
    return dom < FX_DOMAINS && fx_dom[dom].exists ? &fx_dom[dom] : NULL;
}

int xc_physinfo(struct xen_sysctl_physinfo *out)
{
    memset(out, 0, sizeof(*out));
    out->nr_cpus = 2;
    out->total_pages = 131072;
    out->free_pages = fx_free_pages;
    out->capabilities = XEN_SYSCTL_PHYSCAP_pv |
                        (fx_hvm ? XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap : 0);
    return 0;
}

int xc_domain_getinfolist(domid_t first, unsigned int max, struct xen_domctl_getdomaininfo *out)
{
    unsigned int n = 0;

    for (unsigned int d = first; d < FX_DOMAINS && n < max; d++)
        if (fx_dom[d].exists)
            out[n++] = fx_dom[d].info;
    return (int)n;
}

int xc_domain_getinfo(domid_t dom, struct xen_domctl_getdomaininfo *out)
{
    struct fx_domain *f = fx_get(dom);

    if (!f)
        return -XEN_ESRCH;
    *out = f->info;
    return 0;
}

int xc_domain_create(uint32_t vcpus, uint32_t max_port, domid_t *dom)
{
    for (domid_t d = 1; d < FX_DOMAINS; d++) {
        if (fx_dom[d].exists)
            continue;
        fx_add(d, vcpus, 0);
        fx_dom[d].info.flags = XEN_DOMINF_paused;
        fx_dom[d].info.nr_online_vcpus = 0;
        fx_dom[d].info.max_pages = 0;
        *dom = d;
        fx_logf("create %u;", d);
        return 0;
    }
    return -XEN_ENOMEM;
}

int xc_domain_destroy(domid_t dom)
{
    struct fx_domain *f = fx_get(dom);

    if (!f)
        return -XEN_ESRCH;
    if (dom == 0)
        return -XEN_EINVAL;
    fx_free_pages += f->info.tot_pages;
    for (int i = 0; i < FX_FRAMES; i++)
        if (fx_owner[i] == dom)
            fx_owner[i] = DOMID_INVALID;
    if (dom == fx_hvm_dom)
        fx_hvm_dom = 0;
    f->exists = false;
    fx_logf("destroy %u;", dom);
    return 0;
}

int xc_domain_pause(domid_t dom)
{
    struct fx_domain *f = fx_get(dom);

    if (!f)
        return -XEN_ESRCH;
    if (dom == 0 || (f->info.flags & XEN_DOMINF_shutdown))
        return -XEN_EINVAL;
    f->info.flags |= XEN_DOMINF_paused;
    f->info.flags &= ~XEN_DOMINF_running;
    fx_logf("pause %u;", dom);
    return 0;
}

int xc_domain_unpause(domid_t dom)
{
    struct fx_domain *f = fx_get(dom);

    if (!f)
        return -XEN_ESRCH;
    if (!(f->info.flags & XEN_DOMINF_paused))
        return -XEN_EINVAL;
    f->info.flags &= ~XEN_DOMINF_paused;
    fx_logf("unpause %u;", dom);
    return 0;
}

int xc_domain_max_mem(domid_t dom, uint64_t max_kib)
{
    struct fx_domain *f = fx_get(dom);

    if (!f)
        return -XEN_ESRCH;
    f->info.max_pages = max_kib / 4;
    return 0;
}

int xc_domain_max_vcpus(domid_t dom, uint32_t vcpus)
{
    struct fx_domain *f = fx_get(dom);

    if (!f)
        return -XEN_ESRCH;
    return vcpus == f->info.max_vcpu_id + 1 ? 0 : -XEN_EINVAL;
}

int xc_domain_setvcpucontext(domid_t dom, uint32_t vcpu, const struct vcpu_guest_context *c)
{
    struct fx_domain *f = fx_get(dom);

    if (!f)
        return -XEN_ESRCH;
    if (vcpu > f->info.max_vcpu_id || vcpu >= 4)
        return -XEN_EINVAL;
    f->has_context[vcpu] = true;
    if (vcpu == 0) {
        f->ctxt0 = *c;
        f->mapped_at_setvcpucontext = fx_mapped;
    }
    return 0;
}

int xc_domain_shutdown(domid_t dom, unsigned int reason)
{
    struct fx_domain *f = fx_get(dom);

    if (!f)
        return -XEN_ESRCH;
    f->shutdown_reason = reason;
    f->info.flags = XEN_DOMINF_shutdown | (reason << XEN_DOMINF_shutdownshift);
    fx_logf("shutdown %u %u;", dom, reason);
    return 0;
}

int xc_domain_hypercall_init(domid_t dom, xen_pfn_t mfn)
{
    struct fx_domain *f = fx_get(dom);

    if (!f)
        return -XEN_ESRCH;
    if (mfn < FX_MFN0 || mfn >= FX_MFN0 + FX_FRAMES || fx_owner[mfn - FX_MFN0] != dom)
        return -XEN_EINVAL;
    f->hypercall_mfn = mfn;
    return 0;
}

/* Frames from the lowest free, up to the domain's max_pages. */
/*
 * HVM: by default the fake host has no SVM (xc_physinfo says PV only) and
 * refuses HVM domains. With fx_hvm set it makes one at a time, whose guest
 * frames (below FX_GFNS) map to fake frames through fx_p2m, as the
 * hypervisor translates a foreign mapping of a translated domain.
 */
#define FX_GFNS (1U << 20)
static uint32_t fx_p2m[FX_GFNS];        /* frame index + 1; 0: unbacked */
static uint64_t fx_params[40];
static uint8_t fx_hvm_ctx[2048];
static uint32_t fx_hvm_ctx_size;

int xc_domain_create_hvm(uint32_t vcpus, uint32_t max_port, domid_t *dom)
{
    int rc;

    if (!fx_hvm || fx_hvm_dom)
        return -XEN_EINVAL;
    rc = xc_domain_create(vcpus, max_port, dom);
    if (!rc) {
        fx_hvm_dom = *dom;
        memset(fx_p2m, 0, sizeof(fx_p2m));
        memset(fx_params, 0, sizeof(fx_params));
        fx_hvm_ctx_size = 0;
    }
    return rc;
}

/* One extent of 2^order guest frames at gfn: true if backed, false if refused. */
static bool fx_hvm_extent(struct fx_domain *f, uint64_t gfn, unsigned int order)
{
    uint64_t n = 1ULL << order, got = 0;

    if ((order != 0 && order != 9) || gfn % n || gfn + n > FX_GFNS ||
        f->info.tot_pages + n > f->info.max_pages)
        return false;
    for (uint64_t i = 0; i < n; i++)
        if (fx_p2m[gfn + i])
            return false;
    for (int i = 0; i < FX_FRAMES && got < n; i++) {
        if (fx_owner[i] != DOMID_INVALID)
            continue;
        fx_owner[i] = fx_hvm_dom;
        memset(fx_frame(FX_MFN0 + i), 0, 4096);
        fx_p2m[gfn + got++] = (uint32_t)i + 1;
        f->info.tot_pages++;
        fx_free_pages--;
    }
    return got == n;
}

long xc_populate_physmap_order(domid_t dom, unsigned int order, uint64_t nr, xen_pfn_t *frames)
{
    struct fx_domain *f = fx_get(dom);
    uint64_t done = 0;

    if (!f)
        return -XEN_ESRCH;
    if (dom != fx_hvm_dom || !dom)
        return order ? -XEN_EINVAL : xc_populate_physmap(dom, nr, frames);
    while (done < nr && fx_hvm_extent(f, frames[done], order))
        done++;
    fx_logf("populate %lu/%lu order %u;", (unsigned long)done, (unsigned long)nr, order);
    return (long)done;
}

int xc_domain_sethvmcontext(domid_t dom, const void *buf, uint32_t size)
{
    if (!fx_get(dom))
        return -XEN_ESRCH;
    if (dom != fx_hvm_dom || !dom || size > sizeof(fx_hvm_ctx) || fx_mapped)
        return -XEN_EINVAL;
    memcpy(fx_hvm_ctx, buf, size);
    fx_hvm_ctx_size = size;
    return 0;
}

int xc_hvm_param_set(domid_t dom, uint32_t index, uint64_t value)
{
    if (!fx_get(dom))
        return -XEN_ESRCH;
    if (dom != fx_hvm_dom || !dom || index >= 40)
        return -XEN_EINVAL;
    fx_params[index] = value;
    return 0;
}

long xc_populate_physmap(domid_t dom, uint64_t nr, xen_pfn_t *frames)
{
    struct fx_domain *f = fx_get(dom);
    uint64_t done = 0;

    if (!f)
        return -XEN_ESRCH;
    for (int i = 0; i < FX_FRAMES && done < nr; i++) {
        if (fx_owner[i] != DOMID_INVALID || f->info.tot_pages >= f->info.max_pages)
            continue;
        fx_owner[i] = dom;
        memset(fx_frame(FX_MFN0 + i), 0, 4096);
        frames[done++] = FX_MFN0 + i;
        f->info.tot_pages++;
        fx_free_pages--;
    }
    return (long)done;
}

int xc_map_foreign(domid_t dom, xen_pfn_t mfn, void **va)
{
    if (fx_fail_map_after == 0)
        return -XEN_ENOMEM;
    if (fx_fail_map_after > 0)
        fx_fail_map_after--;
    if (fx_get(dom) && dom && dom == fx_hvm_dom)       /* a guest frame: translated */
        mfn = mfn < FX_GFNS && fx_p2m[mfn] ? FX_MFN0 + fx_p2m[mfn] - 1 : 0;
    if (!fx_get(dom) || mfn < FX_MFN0 || mfn >= FX_MFN0 + FX_FRAMES ||
        fx_owner[mfn - FX_MFN0] != dom)
        return -XEN_ESRCH;
    fx_mapped++;
    *va = fx_frame(mfn);
    return 0;
}

void xc_unmap_foreign(void *va)
{
    assert_true(fx_mapped > 0);
    fx_mapped--;
}

int xc_evtchn_alloc_unbound(domid_t dom, domid_t remote)
{
    struct fx_domain *f = fx_get(dom);

    if (!f)
        return -XEN_ESRCH;
    return (int)++f->next_port;
}

int xc_sched_bvt_get(domid_t dom, struct xen_domctl_sched_sable_bvt *p)
{
    struct fx_domain *f = fx_get(dom);

    if (!f)
        return -XEN_ESRCH;
    *p = f->bvt;
    if (!p->weight)
        p->weight = 256;
    return 0;
}

/* As the hypervisor: weight 1..65535, cap up to 100 per vCPU. */
int xc_sched_bvt_set(domid_t dom, const struct xen_domctl_sched_sable_bvt *p)
{
    struct fx_domain *f = fx_get(dom);

    if (!f)
        return -XEN_ESRCH;
    if (!p->weight || p->weight > 65535 || p->cap > 100 * (f->info.max_vcpu_id + 1))
        return -XEN_EINVAL;
    f->bvt = *p;
    return 0;
}


int xc_evtchn_bind_interdomain(domid_t dom, uint32_t remote_port)
{
    if (!fx_get(dom) || remote_port == 0 || remote_port > fx_dom[dom].next_port)
        return -XEN_EINVAL;
    for (int p = 1; p < FX_PORTS; p++)
        if (!fx_port[p].used) {
            fx_port[p].used = true;
            fx_port[p].dom = dom;
            fx_port[p].remote = remote_port;
            fx_port[p].notified = 0;
            return p;
        }
    return -XEN_ENOSPC;
}

void xc_evtchn_notify(uint32_t port)
{
    assert_true(port < FX_PORTS && fx_port[port].used);
    fx_port[port].notified++;
}

void xc_evtchn_close(uint32_t port)
{
    assert_true(port < FX_PORTS && fx_port[port].used);
    fx_port[port].used = false;
}

static inline int fx_ports_bound(void)
{
    int n = 0;

    for (int p = 0; p < FX_PORTS; p++)
        n += fx_port[p].used;
    return n;
}

#endif /* FAKE_XC_H */
