/*
 * #VMEXIT handling: one handler per exit code, from a table.
 *
 * QEMU's software CPU has no next-RIP save and no decode assists, so the
 * length of each intercepted instruction is known here (CPUID, RDMSR and
 * WRMSR 2 bytes, VMMCALL 3, HLT 1; IOIO reports the next RIP itself); with
 * next-RIP save the VMCB's value is used.
 */
#include <sable/console.h>
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/event.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <asm/hvm.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <public/sched.h>

#define TRAP_UD 6
#define TRAP_GP 13

static void advance_rip(struct vmcb *vmcb, unsigned int len)
{
    if (svm_caps.nrips && vmcb->nrip)
        vmcb->rip = vmcb->nrip;
    else
        vmcb->rip += len;
    vmcb->int_state &= ~1ULL;                   /* an STI/MOV SS shadow ends */
}

static void inject_gp(struct vmcb *vmcb)
{
    svm_inject(vmcb, TRAP_GP, SVM_EVT_TYPE_EXC, true, 0);
}

static void inject_ud(struct vmcb *vmcb)
{
    svm_inject(vmcb, TRAP_UD, SVM_EVT_TYPE_EXC, false, 0);
}

static void exit_cpuid(struct vcpu *v, struct vmcb *vmcb)
{
    struct svm_gprs *r = &hvm_vcpu(v)->svm.regs;
    struct cpuid_regs out;

    hvm_count_exit(v, HVM_EXIT_CPUID);
    hvm_cpuid(v, (uint32_t)vmcb->rax, (uint32_t)r->rcx, &out);
    vmcb->rax = out.eax;
    r->rbx = out.ebx;
    r->rcx = out.ecx;
    r->rdx = out.edx;
    advance_rip(vmcb, 2);
}

static void exit_msr(struct vcpu *v, struct vmcb *vmcb)
{
    struct svm_gprs *r = &hvm_vcpu(v)->svm.regs;
    uint32_t msr = (uint32_t)r->rcx;
    uint64_t val;

    hvm_count_exit(v, HVM_EXIT_MSR);
    if (vmcb->exitinfo1 == 0) {
        if (hvm_msr_read(v, msr, &val)) {
            inject_gp(vmcb);
            return;
        }
        vmcb->rax = (uint32_t)val;
        r->rdx = val >> 32;
    } else {
        val = (uint32_t)vmcb->rax | (r->rdx << 32);
        if (hvm_msr_write(v, msr, val)) {
            inject_gp(vmcb);
            return;
        }
    }
    advance_rip(vmcb, 2);
}

static void exit_vmmcall(struct vcpu *v, struct vmcb *vmcb)
{
    hvm_count_exit(v, HVM_EXIT_VMMCALL);
    advance_rip(vmcb, 3);           /* first: the call may replace the vCPU state */
    hvm_hypercall(v);
}

/*
 * HLT: sleep until an interrupt can be delivered. Set the blocked flag
 * first and check afterwards, so an event raised in between is not missed
 * (arch_vcpu_kick clears the flag).
 */
static void exit_hlt(struct vcpu *v, struct vmcb *vmcb)
{
    hvm_count_exit(v, HVM_EXIT_HLT);
    advance_rip(vmcb, 1);
    if (!(vmcb->rflags & X86_EFLAGS_IF) && !hvm_nmi_pending(v)) {
        /* cli; hlt with nothing that could wake it: the vCPU is done. */
        if (v->vcpu_id == 0 && v->domain->max_vcpus == 1) {
            printk("dom%u: vCPU halted with interrupts off: powered off\n",
                   v->domain->domain_id);
            domain_shutdown(v->domain, SHUTDOWN_poweroff);
            return;
        }
    }
    __atomic_or_fetch(&v->pause_flags, VPF_blocked, __ATOMIC_SEQ_CST);
    if ((hvm_interrupt_pending(v) && (vmcb->rflags & X86_EFLAGS_IF)) ||
        (hvm_nmi_pending(v) && !hvm_vcpu(v)->nmi_masked))
        __atomic_and_fetch(&v->pause_flags, ~VPF_blocked, __ATOMIC_SEQ_CST);
}

static void exit_ioio(struct vcpu *v, struct vmcb *vmcb)
{
    uint64_t info = vmcb->exitinfo1;
    unsigned int port = info >> SVM_IOIO_PORT_SHIFT;
    unsigned int size = (info >> SVM_IOIO_SIZE_SHIFT) & 7;
    bool in = info & SVM_IOIO_IN;
    uint32_t val = (uint32_t)vmcb->rax;

    hvm_count_exit(v, HVM_EXIT_IO);
    if (info & (SVM_IOIO_STR | SVM_IOIO_REP)) {
        hvm_crash(v, "string I/O on port %#x is not emulated", port);
        return;
    }
    if (size != 1 && size != 2 && size != 4)
        size = 1;
    hvm_io(v, port, size, in, &val);
    if (in) {
        uint64_t mask = size == 4 ? 0xffffffffULL : (1ULL << (size * 8)) - 1;
        /* A 32-bit result zero-extends RAX, as the CPU does; smaller ones merge. */
        vmcb->rax = size == 4 ? val : ((vmcb->rax & ~mask) | (val & mask));
    }
    vmcb->rip = vmcb->exitinfo2;
}

/*
 * A nested page fault: guest RAM touched for the first time is scrubbed
 * now and the access retried (hvm.c); an access to the vCPU's local APIC
 * page, where nothing is mapped, is emulated (hvm/lapic.c); anything else
 * is an access to unbacked memory (or a right the p2m does not give),
 * which crashes the domain.
 */
static void exit_npf(struct vcpu *v, struct vmcb *vmcb)
{
    if (!(vmcb->exitinfo1 & SVM_NPF_PRESENT)) {
        int rc = hvm_gfn_ready(v->domain, vmcb->exitinfo2 >> PAGE_SHIFT);

        if (rc == -ENOENT && hvm_lapic_mmio(v, vmcb->exitinfo2))
            return;                     /* counted as an "apic" exit */
        hvm_count_exit(v, HVM_EXIT_NPF);
        if (rc == 0)
            return;
    } else {
        hvm_count_exit(v, HVM_EXIT_NPF);
    }
    hvm_crash(v, "%s of unbacked guest-physical address %#lx (rip %#lx, error %#lx)",
              (vmcb->exitinfo1 & SVM_NPF_FETCH) ? "fetch" :
              (vmcb->exitinfo1 & SVM_NPF_WRITE) ? "write" : "read",
              vmcb->exitinfo2, vmcb->rip, vmcb->exitinfo1);
}

static void exit_intr(struct vcpu *v, struct vmcb *vmcb)
{
    hvm_count_exit(v, HVM_EXIT_INTR);  /* taken by the host once IF opens */
}

/* IRET while NMIs are blocked: they open once it has run. */
static void exit_iret(struct vcpu *v, struct vmcb *vmcb)
{
    hvm_count_exit(v, HVM_EXIT_IRET);
    hvm_nmi_iret(v);
}

static void exit_vintr(struct vcpu *v, struct vmcb *vmcb)
{
    hvm_count_exit(v, HVM_EXIT_VINTR); /* the guest can take interrupts now */
}

static void exit_shutdown(struct vcpu *v, struct vmcb *vmcb)
{
    hvm_crash(v, "triple fault");
}

/* #UD: Intel's VMCALL (0f 01 c1) is a hypercall too, as on Xen. */
static void exit_ud(struct vcpu *v, struct vmcb *vmcb)
{
    uint8_t insn[3];

    hvm_count_exit(v, HVM_EXIT_EXCEPTION);
    if (vmcb->cpl == 0 && !hvm_copy_from_guest_virt(insn, vmcb->rip, 3) &&
        insn[0] == 0x0f && insn[1] == 0x01 && insn[2] == 0xc1) {
        vmcb->rip += 3;
        hvm_hypercall(v);
        return;
    }
    inject_ud(vmcb);
}

/* XSETBV (0f 01 d1): XCR0 under the CPUID policy, #GP otherwise. */
static void exit_xsetbv(struct vcpu *v, struct vmcb *vmcb)
{
    struct svm_gprs *r = &hvm_vcpu(v)->svm.regs;

    hvm_count_exit(v, HVM_EXIT_OTHER);
    if (vmcb->cpl != 0 ||
        hvm_xsetbv(v, (uint32_t)r->rcx, (uint32_t)vmcb->rax | (r->rdx << 32))) {
        inject_gp(vmcb);
        return;
    }
    advance_rip(vmcb, 3);
}

/* SVM instructions and others a guest may not use: #UD, as on a CPU without them. */
static void exit_refuse(struct vcpu *v, struct vmcb *vmcb)
{
    hvm_count_exit(v, HVM_EXIT_OTHER);
    inject_ud(vmcb);
}

static void exit_invd(struct vcpu *v, struct vmcb *vmcb)
{
    hvm_count_exit(v, HVM_EXIT_OTHER);
    advance_rip(vmcb, 2);               /* 0f 08: nothing to do */
}

typedef void (*exit_fn_t)(struct vcpu *v, struct vmcb *vmcb);

static exit_fn_t exit_handler(uint64_t code)
{
    switch (code) {
    case SVM_EXIT_CPUID:    return exit_cpuid;
    case SVM_EXIT_MSR:      return exit_msr;
    case SVM_EXIT_VMMCALL:  return exit_vmmcall;
    case SVM_EXIT_HLT:      return exit_hlt;
    case SVM_EXIT_IOIO:     return exit_ioio;
    case SVM_EXIT_NPF:      return exit_npf;
    case SVM_EXIT_INTR:
    case SVM_EXIT_NMI:
    case SVM_EXIT_SMI:
    case SVM_EXIT_INIT:     return exit_intr;
    case SVM_EXIT_VINTR:    return exit_vintr;
    case SVM_EXIT_IRET:     return exit_iret;
    case SVM_EXIT_SHUTDOWN: return exit_shutdown;
    case SVM_EXIT_EXCEPTION(TRAP_UD): return exit_ud;
    case SVM_EXIT_INVD:     return exit_invd;
    case SVM_EXIT_VMRUN: case SVM_EXIT_VMLOAD: case SVM_EXIT_VMSAVE:
    case SVM_EXIT_STGI: case SVM_EXIT_CLGI: case SVM_EXIT_SKINIT:
    case SVM_EXIT_INVLPGA: case SVM_EXIT_MONITOR: case SVM_EXIT_MWAIT:
                            return exit_refuse;
    case SVM_EXIT_XSETBV:   return exit_xsetbv;
    default:                return NULL;
    }
}

void svm_vmexit(struct svm_vcpu *s)
{
    struct vcpu *v = current;
    struct vmcb *vmcb = s->vmcb;
    exit_fn_t fn;

    ASSERT(&hvm_vcpu(v)->svm == s);
    hvm_exit_timing_start(v);
    /* An event cut short by this exit is delivered again on the next entry. */
    if (vmcb->exitintinfo & SVM_EVT_VALID) {
        vmcb->eventinj = vmcb->exitintinfo;
        vmcb->exitintinfo = 0;
    } else {
        vmcb->eventinj = 0;
    }
    local_irq_enable();                 /* a pending host interrupt is taken here */
    fn = exit_handler(vmcb->exitcode);
    if (vmcb->exitcode == SVM_EXIT_INVALID)
        hvm_crash(v, "VMRUN refused the guest state (VMEXIT_INVALID)");
    else if (fn)
        fn(v, vmcb);
    else
        hvm_crash(v, "unexpected exit %#lx (info %#lx %#lx)", vmcb->exitcode,
                  vmcb->exitinfo1, vmcb->exitinfo2);
    pv_exit_to_guest(guest_regs());     /* returns only for a PV vCPU */
}
