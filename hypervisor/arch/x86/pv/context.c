/*
 * PV vCPU state: creation, and saving/loading it on a context switch.
 * The general registers travel between the stack-top frame and struct
 * pv_vcpu; segment bases, CR3 and the FPU/SSE state between the CPU and
 * struct pv_vcpu.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/lib.h>
#include <sable/page.h>
#include <sable/mm.h>
#include <sable/sched.h>
#include <asm/hvm.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/pv_mm.h>
#include <sable/domctl.h>
#include <public/arch-x86_64.h>

int arch_vcpu_initialise(struct vcpu *v, uint64_t guest_ctxt_va);

/* FXSAVE image per vCPU: guests may use x87/SSE; Sable itself never does. */
struct fpu_area {
    uint8_t fx[512];
} __aligned(16);

struct pv_vcpu_alloc {
    struct pv_vcpu pv;
    struct fpu_area fpu;
};

int arch_domain_create(struct domain *d)
{
    if (is_hvm_domain(d))
        return hvm_domain_create(d);
    d->arch = xzalloc(struct pv_domain);
    return d->arch ? 0 : -ENOMEM;
}

void arch_domain_destroy(struct domain *d)
{
    if (is_hvm_domain(d)) {
        hvm_domain_destroy(d);
        return;
    }
    pv_domain_relinquish(d);            /* its vCPUs have dropped their roots */
    xfree(d->arch);
    d->arch = NULL;
}

int arch_vcpu_create(struct vcpu *v)
{
    struct pv_vcpu_alloc *a;

    if (is_hvm_vcpu(v))
        return hvm_vcpu_create(v);
    a = xzalloc(struct pv_vcpu_alloc);
    if (!a)
        return -ENOMEM;
    ASSERT(IS_ALIGNED((uint64_t)&a->fpu, 16));
    a->pv.kernel_mode = true;
    a->pv.regs.cs = FLAT_KERNEL_CS;
    a->pv.regs.ss = FLAT_KERNEL_SS;
    a->pv.regs.rflags = X86_EFLAGS_IF | 0x2;
    /* A clean FPU image: FCW 0x37f and MXCSR 0x1f80 are the reset values. */
    a->fpu.fx[0] = 0x7f;
    a->fpu.fx[1] = 0x03;
    a->fpu.fx[24] = 0x80;
    a->fpu.fx[25] = 0x1f;
    v->arch = a;
    return 0;
}

void arch_vcpu_destroy(struct vcpu *v)
{
    if (is_hvm_vcpu(v)) {
        hvm_vcpu_destroy(v);
        return;
    }
    pv_vcpu_release_tables(v);
    xfree(v->arch);
    v->arch = NULL;
}

static struct fpu_area *vcpu_fpu(struct vcpu *v)
{
    return &((struct pv_vcpu_alloc *)v->arch)->fpu;
}

void pv_save_vcpu(struct vcpu *v, const struct cpu_regs *regs)
{
    struct pv_vcpu *pv = pv_vcpu(v);

    pv->regs = *regs;
    pv->fs_base = rdmsr(MSR_FS_BASE);
    if (pv->kernel_mode)
        pv->gs_base_kernel = rdmsr(MSR_GS_BASE);
    else
        pv->gs_base_user = rdmsr(MSR_GS_BASE);
    clts();                             /* FXSAVE itself must not trap */
    __asm__ volatile("fxsave64 %0" : "=m"(*vcpu_fpu(v)));
}

void pv_load_vcpu(struct vcpu *v, struct cpu_regs *regs)
{
    struct pv_vcpu *pv = pv_vcpu(v);

    *regs = pv->regs;
    /* In the domain's dirty set before its root is loaded (pv_flush_tlb). */
    __atomic_fetch_or(&pv_domain(v->domain)->dirty_cpus, 1ULL << smp_processor_id(),
                      __ATOMIC_SEQ_CST);
    write_cr3(pv->kernel_mode ? pv->guest_table : pv->guest_table_user);
    pv_load_gdt(v);
    wrmsr(MSR_FS_BASE, pv->fs_base);
    wrmsr(MSR_GS_BASE, pv->kernel_mode ? pv->gs_base_kernel : pv->gs_base_user);
    clts();
    __asm__ volatile("fxrstor64 %0" :: "m"(*vcpu_fpu(v)));
    if (pv->fpu_ts)
        stts();
    pv_load_debugregs(pv);
    /* A registered runstate area is a kernel address: only writable then. */
    if (pv->kernel_mode)
        vcpu_runstate_guest_update(v);
}

#define WRITE_DR(n, v) __asm__ volatile("mov %0, %%db" #n :: "r"(v))

void pv_load_debugregs(const struct pv_vcpu *pv)
{
    WRITE_DR(7, 0x400UL);               /* disarm while changing */
    WRITE_DR(0, pv->debugreg[0]);
    WRITE_DR(1, pv->debugreg[1]);
    WRITE_DR(2, pv->debugreg[2]);
    WRITE_DR(3, pv->debugreg[3]);
    WRITE_DR(6, pv->debugreg[6] ? pv->debugreg[6] : 0xffff0ff0UL);
    WRITE_DR(7, pv->debugreg[7] ? pv->debugreg[7] : 0x400UL);
}

void arch_context_switch(struct vcpu *prev, struct vcpu *next)
{
    struct cpu_regs *regs = guest_regs();

    if (prev && is_hvm_vcpu(prev))
        hvm_save_vcpu(prev);
    else if (prev) {
        pv_save_vcpu(prev, regs);
        pv_unload_gdt(prev);
    }
    if (next && is_hvm_vcpu(next)) {
        write_cr3(idle_pg_table_pa);    /* the guest runs on nested paging */
        hvm_load_vcpu(next);
    } else if (next)
        pv_load_vcpu(next, regs);
    else {
        write_cr3(idle_pg_table_pa);    /* don't keep a guest's tables live */
        __asm__ volatile("mov %0, %%db7" :: "r"(0x400UL));  /* no guest breakpoints */
    }
    /* prev's root is gone from this CPU (the CR3 load flushed its entries). */
    if (prev && !is_hvm_vcpu(prev) && (!next || next->domain != prev->domain))
        __atomic_fetch_and(&pv_domain(prev->domain)->dirty_cpus,
                           ~(1ULL << smp_processor_id()), __ATOMIC_SEQ_CST);
}

void arch_domain_shutdown(struct domain *d)
{
    if (is_hvm_domain(d))
        hvm_report_exits(d);
}

uint64_t arch_guest_frame_to_mfn(struct domain *d, uint64_t frame)
{
    uint64_t mfn;

    if (!is_hvm_domain(d))
        return frame;
    if (!hvm_gfn_to_mfn(d, frame, &mfn))
        return ~0ULL;
    return mfn;
}

/*
 * The roots a vcpu_guest_context names (CR3, and CR1 for user mode, 0 =
 * none) must be L4 tables of the domain; each gets the type and general
 * reference a root holds. 0, or the error with nothing taken.
 */
static int guest_roots_get(struct domain *d, uint64_t cr3, uint64_t cr1)
{
    int rc;

    if ((cr3 & ~PAGE_MASK) || (cr1 & ~PAGE_MASK) || !cr3)
        return -EINVAL;
    spin_lock(&pv_domain(d)->mm_lock);
    rc = pt_get_page_and_type(d, cr3 >> PAGE_SHIFT, PGT_l4_page_table);
    if (!rc && cr1) {
        rc = pt_get_page_and_type(d, cr1 >> PAGE_SHIFT, PGT_l4_page_table);
        if (rc)
            pt_put_page_and_type(mfn_to_page(cr3 >> PAGE_SHIFT));
    }
    spin_unlock(&pv_domain(d)->mm_lock);
    return rc ? -EINVAL : 0;
}

static bool canonical(uint64_t va)
{
    return (va >> 47) == 0 || (va >> 47) == 0x1ffff;
}

/* A handler address: none (0), or somewhere in guest space. */
static bool guest_handler_ok(uint64_t va)
{
    return va == 0 || guest_range_ok(va, 1);
}

/*
 * Every address in a context the CPU will load or jump to, checked as
 * Xen's arch_set_info_guest does: code (RIP, callbacks, trap handlers) in
 * guest space, stack pointers and segment bases canonical. A non-canonical
 * FS/GS base makes the WRMSR of the context switch fault, and a
 * non-canonical handler the IRETQ to it: either in the hypervisor.
 */
static bool vcpu_context_addresses_ok(const struct vcpu_guest_context *c)
{
    const struct cpu_user_regs *r = &c->user_regs;

    if (!guest_range_ok(r->rip, 1) || !canonical(r->rsp) || !canonical(c->kernel_sp) ||
        !canonical(c->fs_base) || !canonical(c->gs_base_kernel) ||
        !canonical(c->gs_base_user) || !guest_handler_ok(c->event_callback_eip) ||
        !guest_handler_ok(c->failsafe_callback_eip) ||
        !guest_handler_ok(c->syscall_callback_eip))
        return false;
    for (unsigned int i = 0; i < 256; i++)
        if (!guest_handler_ok(c->trap_ctxt[i].address))
            return false;
    return true;
}

#define FXSAVE_MXCSR        24      /* offsets in the FXSAVE image */
#define FXSAVE_MXCSR_MASK   28

/* The MXCSR bits this CPU implements (FXSAVE's MXCSR_MASK; 0 there means 0xffbf). */
static uint32_t cpu_mxcsr_mask(void)
{
    static struct fpu_area probe;
    static uint32_t mask;

    if (!__atomic_load_n(&mask, __ATOMIC_RELAXED)) {
        unsigned long cr0 = read_cr0();
        uint32_t m;

        clts();
        __asm__ volatile("fxsave64 %0" : "=m"(probe));
        if (cr0 & X86_CR0_TS)
            stts();
        memcpy(&m, probe.fx + FXSAVE_MXCSR_MASK, sizeof(m));
        __atomic_store_n(&mask, m ? m : 0xffbf, __ATOMIC_RELAXED);
    }
    return mask;
}

/*
 * A guest's FXSAVE image into a vCPU. MXCSR bits the CPU does not have are
 * cleared, as Xen does: FXRSTOR raises #GP on them, and it runs in the
 * hypervisor (the context switch).
 */
static void fpu_image_load(struct fpu_area *fpu, const uint8_t *image)
{
    uint32_t mxcsr;

    memcpy(fpu->fx, image, sizeof(fpu->fx));
    memcpy(&mxcsr, fpu->fx + FXSAVE_MXCSR, sizeof(mxcsr));
    mxcsr &= cpu_mxcsr_mask();
    memcpy(fpu->fx + FXSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
}

/*
 * VCPUOP_initialise for PV: load a whole vcpu_guest_context (registers,
 * trap table, callbacks, kernel stack, page-table roots, segment bases)
 * into a vCPU that is down. Everything is checked before anything changes.
 */
int arch_vcpu_initialise(struct vcpu *v, uint64_t guest_ctxt_va)
{
    struct vcpu_guest_context *c = xmalloc(struct vcpu_guest_context);
    struct pv_vcpu *pv = pv_vcpu(v);
    const struct cpu_user_regs *r;
    int rc = -EINVAL;

    if (!c)
        return -ENOMEM;
    if (is_hvm_vcpu(v)) {
        rc = -EOPNOTSUPP;               /* HVM vCPUs start by INIT/SIPI */
        goto out;
    }
    if (copy_from_guest(c, guest_ctxt_va, sizeof(*c))) {
        rc = -EFAULT;
        goto out;
    }
    r = &c->user_regs;
    if (!vcpu_context_addresses_ok(c))
        goto out;
    if (pv->guest_table || pv->guest_table_user || guest_roots_get(v->domain, c->ctrlreg[3],
                                                                   c->ctrlreg[1]))
        goto out;                       /* last check: it takes references */

    memset(&pv->regs, 0, sizeof(pv->regs));
    pv->regs.r15 = r->r15; pv->regs.r14 = r->r14; pv->regs.r13 = r->r13;
    pv->regs.r12 = r->r12; pv->regs.rbp = r->rbp; pv->regs.rbx = r->rbx;
    pv->regs.r11 = r->r11; pv->regs.r10 = r->r10; pv->regs.r9 = r->r9;
    pv->regs.r8 = r->r8; pv->regs.rax = r->rax; pv->regs.rcx = r->rcx;
    pv->regs.rdx = r->rdx; pv->regs.rsi = r->rsi; pv->regs.rdi = r->rdi;
    pv->regs.rip = r->rip;
    pv->regs.rsp = r->rsp;
    pv->regs.cs = FLAT_KERNEL_CS;
    pv->regs.ss = FLAT_KERNEL_SS;
    pv->regs.rflags = (r->rflags & ~((3UL << 12) | (1UL << 17))) | X86_EFLAGS_IF | 0x2;
    memcpy(pv->trap_ctxt, c->trap_ctxt, sizeof(pv->trap_ctxt));
    pv->kernel_mode = true;
    pv->guest_table = c->ctrlreg[3];
    pv->guest_table_user = c->ctrlreg[1];
    pv->kernel_ss = c->kernel_ss;
    pv->kernel_sp = c->kernel_sp;
    pv->event_callback = c->event_callback_eip;
    pv->failsafe_callback = c->failsafe_callback_eip;
    pv->syscall_callback = c->syscall_callback_eip;
    pv->fs_base = c->fs_base;
    pv->gs_base_kernel = c->gs_base_kernel;
    pv->gs_base_user = c->gs_base_user;
    if (c->flags & VGCF_i387_valid)
        fpu_image_load(vcpu_fpu(v), c->fpu_ctxt);
    rc = 0;
out:
    xfree(c);
    return rc;
}

/*
 * XEN_DOMCTL_getvcpucontext for PV (Xen's arch_get_info_guest): v's
 * registers, virtual IDT, callbacks, kernel stack, roots, segment bases,
 * debug registers and FPU image. v is not running, so struct pv_vcpu
 * holds all of it.
 */
int arch_vcpu_get_context(struct vcpu *v, struct vcpu_guest_context *c)
{
    const struct pv_vcpu *pv = pv_vcpu(v);
    const struct cpu_regs *r = &pv->regs;
    struct cpu_user_regs *u = &c->user_regs;

    if (is_hvm_vcpu(v))
        return -EOPNOTSUPP;
    memset(c, 0, sizeof(*c));
    memcpy(c->fpu_ctxt, vcpu_fpu(v)->fx, sizeof(c->fpu_ctxt));
    c->flags = VGCF_i387_valid | (pv->kernel_mode ? VGCF_in_kernel : 0) |
               (pv->failsafe_masks_events ? VGCF_failsafe_disables_events : 0) |
               (pv->syscall_masks_events ? VGCF_syscall_disables_events : 0) |
               ((v->pause_flags & VPF_down) ? 0 : VGCF_online);
    u->r15 = r->r15; u->r14 = r->r14; u->r13 = r->r13; u->r12 = r->r12;
    u->rbp = r->rbp; u->rbx = r->rbx; u->r11 = r->r11; u->r10 = r->r10;
    u->r9 = r->r9; u->r8 = r->r8; u->rax = r->rax; u->rcx = r->rcx;
    u->rdx = r->rdx; u->rsi = r->rsi; u->rdi = r->rdi;
    u->rip = r->rip; u->cs = (uint16_t)r->cs; u->rflags = r->rflags;
    u->rsp = r->rsp; u->ss = (uint16_t)r->ss;
    u->saved_upcall_mask = v->vcpu_info ? v->vcpu_info->evtchn_upcall_mask : 1;
    memcpy(c->trap_ctxt, pv->trap_ctxt, sizeof(c->trap_ctxt));
    c->kernel_ss = pv->kernel_ss;
    c->kernel_sp = pv->kernel_sp;
    c->ctrlreg[0] = X86_CR0_PE | X86_CR0_PG | (pv->fpu_ts ? X86_CR0_TS : 0);
    c->ctrlreg[3] = pv->guest_table;
    c->ctrlreg[1] = pv->guest_table_user;
    memcpy(c->debugreg, pv->debugreg, sizeof(c->debugreg));
    c->event_callback_eip = pv->event_callback;
    c->failsafe_callback_eip = pv->failsafe_callback;
    c->syscall_callback_eip = pv->syscall_callback;
    c->fs_base = pv->fs_base;
    c->gs_base_kernel = pv->gs_base_kernel;
    c->gs_base_user = pv->gs_base_user;
    return 0;
}

/*
 * XEN_DOMCTL_hypercall_init: the stubs into frame gmfn of PV domain d,
 * which must be d's and writable (not a page table).
 */
int arch_hypercall_init(struct domain *d, uint64_t gmfn)
{
    if (is_hvm_domain(d) || !mfn_valid(gmfn) || page_get_writable(gmfn, d->domain_id))
        return -EINVAL;
    pv_fill_hypercall_page(page_to_virt(mfn_to_page(gmfn)));
    page_put_writable(gmfn);
    return 0;
}
