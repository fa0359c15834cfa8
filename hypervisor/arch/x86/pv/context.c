/*
 * PV vCPU state: creation, and saving/loading it on a context switch.
 * The general registers travel between the stack-top frame and struct
 * pv_vcpu; segment bases, CR3 and the FPU/SSE state between the CPU and
 * struct pv_vcpu.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/sched.h>
#include <asm/processor.h>
#include <asm/pv.h>

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
    d->arch = xzalloc(struct pv_domain);
    return d->arch ? 0 : -ENOMEM;
}

void arch_domain_destroy(struct domain *d)
{
    xfree(d->arch);
    d->arch = NULL;
}

int arch_vcpu_create(struct vcpu *v)
{
    struct pv_vcpu_alloc *a = xzalloc(struct pv_vcpu_alloc);

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
    write_cr3(pv->kernel_mode ? pv->guest_table : pv->guest_table_user);
    wrmsr(MSR_FS_BASE, pv->fs_base);
    wrmsr(MSR_GS_BASE, pv->kernel_mode ? pv->gs_base_kernel : pv->gs_base_user);
    clts();
    __asm__ volatile("fxrstor64 %0" :: "m"(*vcpu_fpu(v)));
    if (pv->fpu_ts)
        stts();
}

void arch_context_switch(struct vcpu *prev, struct vcpu *next)
{
    struct cpu_regs *regs = guest_regs();

    if (prev)
        pv_save_vcpu(prev, regs);
    if (next)
        pv_load_vcpu(next, regs);
    else
        write_cr3(idle_pg_table_pa);    /* don't keep a guest's tables live */
}
