/*
 * domctl's domain lifecycle: create, destroy, pause and unpause a domain,
 * set its limits, give its vCPUs their first context, and report on it.
 * These are the calls dom0's toolstack builds a domain with, in Xen's
 * order: createdomain, max_vcpus, max_mem, memory (memory_op on its
 * behalf), its frames written through foreign mappings, setvcpucontext,
 * unpausedomain; and destroydomain at the end.
 *
 * Semantics and error codes follow Xen 4.19 (common/domctl.c, do_domctl;
 * common/domain.c, sanitise_domain_config and getdomaininfo). Departures
 * are listed in docs/abi.md: Sable creates every vCPU at createdomain,
 * its pause is not counted, and it has no IOMMU, vPMU, vmtrace, altp2m,
 * grant-table v2 or CPU pools to offer.
 */
#include <sable/domain.h>
#include <sable/domctl.h>
#include <sable/errno.h>
#include <sable/grant_table.h>
#include <sable/guest_access.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/sched.h>

#include "public/vcpu.h"

#ifdef SABLE_HYPERVISOR
#include <asm/processor.h>
#else
static inline void cpu_relax(void) { }     /* host tests: nothing runs elsewhere */
#endif

/* createdomain flags Sable can honour. */
#define CDF_SUPPORTED  (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap)
#define CDF_KNOWN      ((XEN_DOMCTL_CDF_MAX << 1) - 1)
/* The local APIC is all an HVM (PVH) domain gets emulated. */
#define EMU_HVM_ALLOWED XEN_X86_EMU_LAPIC

/* Check a createdomain request as Xen's sanitise_domain_config does. */
static long createdomain_check(const struct xen_domctl_createdomain *c)
{
    bool hvm = c->flags & XEN_DOMCTL_CDF_hvm;

    if (c->flags & ~CDF_KNOWN)
        return -EINVAL;                 /* unknown flags */
    if (c->flags & ~CDF_SUPPORTED)
        return -EINVAL;                 /* no IOMMU, vPMU, nested virt, xenstore domain */
    if (c->grant_opts & ~XEN_DOMCTL_GRANT_version_mask ||
        XEN_DOMCTL_GRANT_version(c->grant_opts) > 1)
        return -EINVAL;                 /* grant tables v1 only */
    if (c->max_vcpus < 1 || c->max_vcpus > DOMAIN_MAX_VCPUS)
        return -EINVAL;
    if (c->max_grant_frames == 0 || c->max_grant_frames > GNTTAB_LIMIT_FRAMES ||
        c->max_maptrack_frames > GNTTAB_LIMIT_FRAMES)
        return -EINVAL;                 /* < 0: the hypervisor's defaults */
    if ((c->flags & XEN_DOMCTL_CDF_hap) != (hvm ? XEN_DOMCTL_CDF_hap : 0))
        return -EINVAL;                 /* nested paging for PV; HVM without it (no shadow) */
    if (c->iommu_opts || c->vmtrace_size || c->altp2m_opts)
        return -EINVAL;
    if (c->cpupool_id)
        return -ENOENT;                 /* only pool 0 exists */
    if (c->arch.misc_flags & ~XEN_X86_MSR_RELAXED)
        return -EINVAL;
    if (c->arch.emulation_flags & ~(hvm ? EMU_HVM_ALLOWED : 0))
        return -EOPNOTSUPP;             /* Xen: "disallowed emulation flags" */
    return 0;
}

/*
 * As Xen: a domain whose id the caller leaves open gets the next free id
 * after the last one chosen here, wrapping round, so that a destroyed
 * domain's id is not handed out again at once (a toolstack or xenstored
 * may still be finishing with the old one). -ENOMEM when none is free.
 */
static long create_next_id(struct domain_config *cfg, struct domain **d)
{
    static domid_t rover;
    long rc = -ENOMEM;

    for (unsigned int tries = 1; tries < DOMID_FIRST_RESERVED; tries++) {
        rover = rover + 1 >= DOMID_FIRST_RESERVED ? 1 : rover + 1;
        cfg->domid = rover;
        rc = domain_create(cfg, false, d);
        if (rc != -EEXIST)
            break;
    }
    return rc == -EEXIST ? -ENOMEM : rc;
}

long domctl_createdomain(const struct xen_domctl_createdomain *c, domid_t *domid)
{
    struct domain_config cfg = { 0 };
    struct domain *d;
    long rc = createdomain_check(c);

    if (rc)
        return rc;
    cfg.name = "";                      /* names are the toolstack's (XenStore) */
    cfg.max_vcpus = c->max_vcpus;
    cfg.max_pages = 0;                  /* until XEN_DOMCTL_max_mem */
    cfg.hvm = c->flags & XEN_DOMCTL_CDF_hvm;
    cfg.max_evtchns = MIN((uint64_t)c->max_evtchn_port + 1, (uint64_t)UINT32_MAX);
    cfg.max_grant_frames = c->max_grant_frames < 0 ? 0 : (unsigned int)c->max_grant_frames;
    cfg.max_maptrack_frames = c->max_maptrack_frames < 0 ? 0 : (unsigned int)c->max_maptrack_frames;
    if (*domid > 0 && *domid < DOMID_FIRST_RESERVED) {
        cfg.domid = *domid;
        rc = domain_create(&cfg, false, &d);
    } else {
        rc = create_next_id(&cfg, &d);
    }
    if (rc == -ENODEV)
        return -EINVAL;                 /* HVM asked for where there is none */
    if (rc)
        return rc;
    *domid = d->domain_id;
    domain_put(d);                      /* the table keeps it until destroydomain */
    return 0;
}

/* A domain may not be stopped or reset by itself through domctl (Xen: no domain_pause). */
static bool is_caller(const struct domain *d)
{
    struct vcpu *v = current;

    return v && v->domain == d;
}

/*
 * As Xen's vcpu_sleep_sync: return once none of d's vCPUs, all stopped
 * already, is still on a CPU (their CPUs deschedule them at once).
 */
static void domain_wait_descheduled(struct domain *d)
{
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        while (d->vcpu[i] && __atomic_load_n(&d->vcpu[i]->is_running, __ATOMIC_ACQUIRE))
            cpu_relax();
}

/*
 * Kill d. Its vCPUs are off every CPU before this returns, so that the
 * release (when do_domctl drops the last reference) never meets one still
 * running.
 */
long domctl_destroydomain(struct domain *d)
{
    long rc;

    if (is_caller(d))
        return -EINVAL;
    rc = domain_destroy(d);
    if (!rc)
        domain_wait_descheduled(d);
    return rc;
}

/* Pause d; stopped when this returns (its info says paused, not running). */
long domctl_pausedomain(struct domain *d)
{
    long rc;

    if (is_caller(d))
        return -EINVAL;
    rc = domain_pause(d);
    if (!rc)
        domain_wait_descheduled(d);
    return rc;
}

/*
 * Let a created or paused domain run. As Xen (domain_unpause_by_
 * systemcontroller), one that is not paused is -EINVAL.
 */
long domctl_unpausedomain(struct domain *d)
{
    if (d->state == DOMSTATE_running)
        return -EINVAL;
    return domain_unpause(d);
}

/*
 * The most memory d may own, in KiB (rounded down to frames). As in Xen it
 * may be set below what d owns: d then gets no more until it is under.
 */
long domctl_max_mem(struct domain *d, const struct xen_domctl_max_mem *m)
{
    spin_lock(&d->lock);
    d->max_pages = m->max_memkb >> (PAGE_SHIFT - 10);
    spin_unlock(&d->lock);
    return 0;
}

/*
 * Xen creates the vCPUs here; Sable made them all at createdomain, so this
 * only confirms the number, refusing any other as Xen does.
 */
long domctl_max_vcpus(struct domain *d, const struct xen_domctl_max_vcpus *m)
{
    if (is_caller(d) || m->max != d->max_vcpus)
        return -EINVAL;
    return 0;
}

/*
 * A vCPU's first context, read from the caller's memory (a struct
 * vcpu_guest_context): registers, trap table, callbacks, page-table root
 * (validated now, with every table below it). VGCF_online in its flags
 * brings the vCPU up, as in Xen; it runs once the domain is unpaused.
 * Sable loads a context once per vCPU (-EEXIST after that); a NULL handle
 * (Xen's vCPU reset) is -EOPNOTSUPP.
 */
long domctl_setvcpucontext(struct domain *d, const struct xen_domctl_vcpucontext *c)
{
    struct vcpu *v = domain_vcpu(d, c->vcpu);
    uint64_t flags;
    long rc;

    if (is_caller(d) || !v)
        return -EINVAL;
    if (!c->ctxt)
        return -EOPNOTSUPP;
    if (copy_from_guest(&flags, c->ctxt + offsetof(struct vcpu_guest_context, flags),
                        sizeof(flags)))
        return -EFAULT;
    if (v->is_initialised || !(v->pause_flags & VPF_down))
        return -EEXIST;
    rc = arch_vcpu_initialise(v, c->ctxt);
    if (rc)
        return rc;
    v->is_initialised = true;
    if (flags & VGCF_online)
        vcpu_up(v);
    return 0;
}

/*
 * The context of a vCPU that is not running (its domain paused, or the
 * vCPU down or blocked): -EBUSY otherwise, where Xen would pause it
 * itself; -ENODATA before it has one.
 */
long domctl_getvcpucontext(struct domain *d, const struct xen_domctl_vcpucontext *c)
{
    struct vcpu *v = domain_vcpu(d, c->vcpu);
    struct vcpu_guest_context *ctxt;
    long rc;

    if (!v || v == current)
        return -EINVAL;
    if (!v->is_initialised)
        return -ENODATA;
    if (!__atomic_load_n(&v->pause_flags, __ATOMIC_SEQ_CST) ||
        __atomic_load_n(&v->is_running, __ATOMIC_SEQ_CST))
        return -EBUSY;
    ctxt = xzalloc(struct vcpu_guest_context);
    if (!ctxt)
        return -ENOMEM;
    rc = arch_vcpu_get_context(v, ctxt);
    if (!rc && copy_to_guest(c->ctxt, ctxt, sizeof(*ctxt)))
        rc = -EFAULT;
    xfree(ctxt);
    return rc;
}

long domctl_getvcpuinfo(struct domain *d, struct xen_domctl_getvcpuinfo *info)
{
    struct vcpu_runstate_info rs;
    struct vcpu *v;
    uint32_t flags;

    if (info->vcpu >= d->max_vcpus)
        return -EINVAL;
    v = d->vcpu[info->vcpu];
    if (!v)
        return -ESRCH;
    flags = __atomic_load_n(&v->pause_flags, __ATOMIC_RELAXED);
    vcpu_runstate_get(v, &rs);
    info->online = !(flags & VPF_down);
    info->blocked = !!(flags & VPF_blocked);
    info->running = __atomic_load_n(&v->is_running, __ATOMIC_RELAXED);
    info->_pad0 = 0;
    info->cpu_time = rs.time[RUNSTATE_running];
    info->cpu = v->processor;
    info->_pad1 = 0;
    return 0;
}

/* The hypercall page of a PV domain's kernel, filled by the hypervisor as on Xen. */
long domctl_hypercall_init(struct domain *d, const struct xen_domctl_hypercall_init *h)
{
    return arch_hypercall_init(d, h->gmfn);
}

/*
 * XEN_DOMCTL_sethvmcontext: how Xen's toolstack gives a PVH domU's vCPU 0
 * its first state (libxc's vcpu_hvm: HEADER, CPU, END records). The
 * records are read whole (at most HVM_CONTEXT_MAX bytes) and checked
 * before any is loaded.
 */
#define HVM_CONTEXT_MAX (64U << 10)

long domctl_sethvmcontext(struct domain *d, const struct xen_domctl_hvmcontext *c)
{
    void *buf;
    long rc;

    if (is_caller(d) || !d->is_hvm || c->size == 0 || c->size > HVM_CONTEXT_MAX)
        return -EINVAL;
    buf = xmalloc_bytes(c->size);
    if (!buf)
        return -ENOMEM;
    rc = copy_from_guest(buf, c->buffer, c->size) ? -EFAULT
                                                  : arch_hvm_load_context(d, buf, c->size);
    xfree(buf);
    return rc;
}

/*
 * Xen's getdomaininfo: blocked only if every online vCPU is, running if
 * any is on a CPU, paused when the toolstack paused it or never started
 * it, the shutdown code in bits 16..23 once it has shut down.
 */
void domain_getinfo(struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    uint32_t flags = XEN_DOMINF_blocked;
    enum domain_state state = __atomic_load_n(&d->state, __ATOMIC_RELAXED);

    memset(info, 0, sizeof(*info));
    info->domain = d->domain_id;
    info->max_vcpu_id = XEN_INVALID_MAX_VCPU_ID;
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        struct vcpu_runstate_info rs;
        uint32_t pf;

        if (!v)
            continue;
        vcpu_runstate_get(v, &rs);
        info->cpu_time += rs.time[RUNSTATE_running];
        info->max_vcpu_id = v->vcpu_id;
        pf = __atomic_load_n(&v->pause_flags, __ATOMIC_RELAXED);
        if (pf & VPF_down)
            continue;
        if (!(pf & VPF_blocked))
            flags &= ~XEN_DOMINF_blocked;
        if (__atomic_load_n(&v->is_running, __ATOMIC_RELAXED))
            flags |= XEN_DOMINF_running;
        info->nr_online_vcpus++;
    }
    info->flags = info->nr_online_vcpus ? flags : 0;
    if (state >= DOMSTATE_dying)
        info->flags |= XEN_DOMINF_dying;
    if (state == DOMSTATE_shutdown) {
        info->flags |= XEN_DOMINF_shutdown;
        info->flags |= (d->shutdown_code & XEN_DOMINF_shutdownmask) << XEN_DOMINF_shutdownshift;
    }
    if (state == DOMSTATE_created || state == DOMSTATE_paused)
        info->flags |= XEN_DOMINF_paused;
    if (d->is_hvm)
        info->flags |= XEN_DOMINF_hvm_guest | XEN_DOMINF_hap;
    info->tot_pages = __atomic_load_n(&d->tot_pages, __ATOMIC_RELAXED);
    info->max_pages = __atomic_load_n(&d->max_pages, __ATOMIC_RELAXED);
    info->shared_info_frame = d->shared_info ? virt_to_mfn(d->shared_info) : 0;
    info->gpaddr_bits = 52;
    if (d->is_hvm)
        info->arch_config.emulation_flags = XEN_X86_EMU_LAPIC;
}
