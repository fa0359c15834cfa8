/*
 * Xen's HVM hypercall ABI: VMMCALL (or VMCALL, or a call into the
 * hypercall page, whose stubs are VMMCALLs) with the number in RAX and
 * arguments in RDI RSI RDX R10 R8 (64-bit guests) or EBX ECX EDX ESI EDI
 * (32-bit); the result goes back in RAX. Only ring 0 may call (-EPERM
 * otherwise, as on Xen). Pointer arguments are guest-virtual.
 *
 * HVM guests get the hypercalls that make sense for them; the PV-only ones
 * (trap tables, page-table updates, iret, ...) act on PV vCPU state and
 * answer -ENOSYS here. Also: hvm_op, and the HVM half of memory_op
 * (add_to_physmap of the shared_info page and grant frames).
 */
#include <sable/console.h>
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/event.h>
#include <sable/grant_table.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <sable/vcpu_time.h>
#include <asm/hvm.h>
#include <asm/memlayout.h>
#include <public/hvm_op.h>
#include <public/memory.h>
#include <public/xen.h>

/* The hypercalls an HVM guest may make. */
static bool hvm_hypercall_allowed(uint64_t nr)
{
    switch (nr) {
    case __HYPERVISOR_memory_op:
    case __HYPERVISOR_set_timer_op:
    case __HYPERVISOR_xen_version:
    case __HYPERVISOR_console_io:
    case __HYPERVISOR_grant_table_op:
    case __HYPERVISOR_vm_assist:
    case __HYPERVISOR_vcpu_op:
    case __HYPERVISOR_sched_op:
    case __HYPERVISOR_event_channel_op:
    case __HYPERVISOR_hvm_op:
        return true;
    default:
        return false;
    }
}

static bool hcall_long_mode(const struct vmcb *vmcb)
{
    return (vmcb->efer & EFER_LMA) && (vmcb->cs.attrib & (1U << 9));
}

/*
 * A continuation (common/hypercall.c): the call's arguments for the rest
 * of the work go back into the registers they came in; hvm_hypercall then
 * moves RIP back onto the VMMCALL (or VMCALL) with the number in RAX, so
 * the guest issues the call again (once any pending interrupt is taken).
 */
void hvm_hypercall_continuation(unsigned int nargs, const uint64_t *args)
{
    struct vcpu *v = current;
    struct svm_gprs *r = &hvm_vcpu(v)->svm.regs;
    bool long_mode = hcall_long_mode(hvm_vmcb(v));
    uint64_t *reg64[5] = { &r->rdi, &r->rsi, &r->rdx, &r->r10, &r->r8 };
    uint64_t *reg32[5] = { &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi };

    for (unsigned int i = 0; i < nargs && i < 5; i++)
        *(long_mode ? reg64 : reg32)[i] = long_mode ? args[i] : (uint32_t)args[i];
}

void hvm_hypercall(struct vcpu *v)
{
    struct vmcb *vmcb = hvm_vmcb(v);
    struct svm_gprs *r = &hvm_vcpu(v)->svm.regs;
    bool long_mode = hcall_long_mode(vmcb);
    uint64_t nr = long_mode ? vmcb->rax : (uint32_t)vmcb->rax;
    long rc;

    if (vmcb->cpl != 0)
        rc = -EPERM;
    else if (!hvm_hypercall_allowed(nr))
        rc = -ENOSYS;
    else if (long_mode)
        rc = hypercall_dispatch(nr, r->rdi, r->rsi, r->rdx, r->r10, r->r8);
    else
        rc = hypercall_dispatch(nr, (uint32_t)r->rbx, (uint32_t)r->rcx, (uint32_t)r->rdx,
                                (uint32_t)r->rsi, (uint32_t)r->rdi);
    /* A hypercall that shut the domain down leaves no guest to return to. */
    vmcb = hvm_vmcb(v);
    vmcb->rax = long_mode ? (uint64_t)rc : (uint32_t)rc;
    if (v->hcall_preempted) {
        /* A continuation: RAX is the number again, re-run the 3-byte call. */
        v->hcall_preempted = false;
        vmcb->rip = long_mode ? vmcb->rip - 3 : (uint32_t)(vmcb->rip - 3);
    }
}

/*
 * The hypercall page, as Xen fills it for AMD: a 32-byte stub per number,
 * `mov $nr, %eax; vmmcall; ret`, int3 in between; iret (PV only) is ud2.
 */
void hvm_fill_hypercall_page(uint8_t *p);
void hvm_fill_hypercall_page(uint8_t *p)
{
    memset(p, 0xcc, PAGE_SIZE);
    for (uint32_t i = 0; i < PAGE_SIZE / 32; i++) {
        uint8_t *s = p + i * 32;
        s[0] = 0xb8;                            /* mov $i, %eax */
        memcpy(s + 1, &i, 4);
        s[5] = 0x0f; s[6] = 0x01; s[7] = 0xd9;  /* vmmcall */
        s[8] = 0xc3;                            /* ret */
    }
    p[__HYPERVISOR_iret * 32] = 0x0f;
    p[__HYPERVISOR_iret * 32 + 1] = 0x0b;       /* ud2 */
}

/* ---- hvm_op ---- */

/* Which params a guest may write itself (the rest are the builder's). */
static bool param_guest_writable(uint32_t index)
{
    return index == HVM_PARAM_CALLBACK_IRQ;
}

/*
 * Which the domain builder (the privileged domain, on another domain) may
 * write, and the values that make sense: frames inside the guest-physical
 * space, 32-bit ports.
 */
static bool param_builder_writable(uint32_t index, uint64_t value)
{
    switch (index) {
    case HVM_PARAM_STORE_PFN:
    case HVM_PARAM_CONSOLE_PFN:
        return !(value >> P2M_GFN_BITS);
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_EVTCHN:
        return value <= UINT32_MAX;
    default:
        return false;
    }
}

/* HVM_PARAM_CALLBACK_IRQ: only the vector type delivers events here. */
static int set_callback_irq(struct domain *d, uint64_t value)
{
    unsigned int type = value >> HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT;

    if (value == 0) {
        hvm_domain(d)->callback_vector = 0;
        return 0;
    }
    if (type != HVM_PARAM_CALLBACK_TYPE_VECTOR) {
        pr_warn("dom%u: event callback type %u not supported (only vectors)\n",
                d->domain_id, type);
        return -EINVAL;
    }
    if ((value & 0xff) < 0x10)
        return -EINVAL;
    hvm_domain(d)->callback_vector = value & 0xff;
    return 0;
}

/*
 * The domain an hvm_op names, with a reference: the caller itself (an HVM
 * guest), or for the privileged domain (PV dom0 building or serving a
 * guest) another HVM domain. NULL with *rc: -ENOSYS (a PV caller on
 * itself), -EPERM, -ESRCH, -EINVAL (the target is PV).
 */
static struct domain *hvmop_domain(domid_t id, long *rc)
{
    struct domain *self = current->domain, *d;

    if (id == DOMID_SELF || id == self->domain_id) {
        *rc = -ENOSYS;
        return is_hvm_domain(self) && domain_get(self) ? self : NULL;
    }
    if (!self->is_privileged) {
        *rc = -EPERM;
        return NULL;
    }
    d = domain_get_by_id(id);
    *rc = d ? -EINVAL : -ESRCH;
    if (d && !is_hvm_domain(d)) {
        domain_put(d);
        d = NULL;
    }
    return d;
}

static long param_set(struct domain *d, uint32_t index, uint64_t value)
{
    bool own = d == current->domain;
    long rc = 0;

    if (own ? !param_guest_writable(index) : !param_builder_writable(index, value))
        return own || index == HVM_PARAM_CALLBACK_IRQ ? -EPERM : -EINVAL;
    if (index == HVM_PARAM_CALLBACK_IRQ)
        rc = set_callback_irq(d, value);
    if (!rc)
        hvm_domain(d)->params[index] = value;
    /* An event may already be waiting for the new vector. */
    for (unsigned int i = 0; !rc && own && i < d->max_vcpus; i++)
        if (d->vcpu[i] && d->vcpu[i]->vcpu_info->evtchn_upcall_pending)
            arch_vcpu_kick(d->vcpu[i]);
    return rc;
}

static long hvmop_param(uint64_t op, uint64_t arg)
{
    struct xen_hvm_param p;
    struct domain *d;
    long rc;

    if (copy_from_guest(&p, arg, sizeof(p)))
        return -EFAULT;
    d = hvmop_domain(p.domid, &rc);
    if (!d)
        return rc;
    if (p.index >= HVM_NR_PARAMS) {
        rc = -EINVAL;
    } else if (op == HVMOP_get_param) {
        p.value = hvm_domain(d)->params[p.index];
        rc = copy_to_guest(arg, &p, sizeof(p)) ? -EFAULT : 0;
    } else {
        rc = param_set(d, p.index, p.value);
    }
    domain_put(d);
    return rc;
}

long do_hvm_op(uint64_t op, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    switch (op) {
    case HVMOP_set_param:
    case HVMOP_get_param:
        return hvmop_param(op, arg);
    case HVMOP_pagetable_dying:
        return is_hvm_domain(current->domain) ? 0 : -ENOSYS;
    default:
        return -ENOSYS;
    }
}

/* ---- memory_op: add_to_physmap ---- */

/*
 * Make the domain's p2m map gfn to frame mfn (the hypervisor's, or the
 * domain's own), replacing (and freeing) a RAM frame of the domain that was
 * there. Every vCPU gets a fresh ASID before it runs again, so no stale
 * translation of the old frame survives.
 */
int hvm_map_frame(struct domain *d, uint64_t gfn, mfn_t mfn)
{
    struct hvm_domain *h = hvm_domain(d);
    uint64_t old;
    int rc;

    if (gfn >> P2M_GFN_BITS)
        return -EINVAL;
    hvm_gfn_ready(d, gfn);          /* no unscrubbed neighbours left by the split */
    spin_lock(&h->p2m.lock);
    rc = p2m_unmap(&h->p2m, gfn, &old);
    if (rc == -ENOENT)
        old = ~0ULL, rc = 0;
    if (!rc)
        rc = p2m_map(&h->p2m, gfn, mfn, P2M_ORDER_4K, P2M_RW);
    spin_unlock(&h->p2m.lock);
    if (rc)
        return rc;
    __atomic_fetch_add(&h->p2m_generation, 1, __ATOMIC_SEQ_CST);
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i] && d->vcpu[i]->is_running && d->vcpu[i] != current)
            sched_raise(d->vcpu[i]->processor);
    if (old != ~0ULL && old != mfn && mfn_valid(old) &&
        page_owner(mfn_to_page(old)) == d->domain_id)
        domain_free_page(d, mfn_to_page(old));
    return 0;
}

/*
 * Grant-table frame idx of d at gfn, the table growing to idx + 1 frames
 * (Xen's gnttab_map_frame). Status frames (XENMAPIDX_grant_table_status)
 * exist only with version 2: -EINVAL, as Xen answers a v1 domain.
 */
static long hvm_map_grant_frame(struct domain *d, uint64_t idx, uint64_t gfn)
{
    mfn_t mfn;
    int rc;

    if ((idx & XENMAPIDX_grant_table_status) || idx >= UINT32_MAX)
        return -EINVAL;
    rc = gnttab_shared_frame(d, (unsigned int)idx, &mfn);
    return rc ? rc : hvm_map_frame(d, gfn, mfn);
}

long hvm_add_to_physmap(struct domain *d, const struct xen_add_to_physmap *xatp);
long hvm_add_to_physmap(struct domain *d, const struct xen_add_to_physmap *xatp)
{
    switch (xatp->space) {
    case XENMAPSPACE_shared_info:
        if (xatp->idx != 0)
            return -EINVAL;
        return hvm_map_frame(d, xatp->gpfn, virt_to_maddr(d->shared_info) >> PAGE_SHIFT);
    case XENMAPSPACE_grant_table:
        return hvm_map_grant_frame(d, xatp->idx, xatp->gpfn);
    default:
        return -EOPNOTSUPP;
    }
}
