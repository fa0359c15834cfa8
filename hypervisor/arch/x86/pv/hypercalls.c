/*
 * The x86-specific PV hypercalls: the guest's virtual IDT, callbacks, kernel
 * stack, segment bases, lazy FPU switching and the iret that ends every
 * bounced exception. Numbers and structures: include/public/.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <asm/hvm.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <public/callback.h>
#include <public/xen.h>

/* A guest code address must be canonical and outside the hypervisor's range. */
static bool guest_code_ok(uint64_t addr)
{
    return addr == 0 || guest_range_ok(addr, 1);
}

/*
 * A continuation (common/hypercall.c): the guest will re-issue op with
 * these arguments, because pv_handle_syscall rewinds RIP onto its SYSCALL
 * and leaves op in RAX.
 */
void arch_hypercall_continuation(unsigned int op, unsigned int nargs, const uint64_t *args)
{
    struct cpu_regs *regs = guest_regs();
    uint64_t *reg[5] = { &regs->rdi, &regs->rsi, &regs->rdx, &regs->r10, &regs->r8 };

    if (is_hvm_vcpu(current)) {
        hvm_hypercall_continuation(nargs, args);
        return;
    }
    for (unsigned int i = 0; i < nargs && i < 5; i++)
        *reg[i] = args[i];
}

/*
 * set_trap_table(traps): entries until one with address 0; each replaces
 * the handler for its vector. A NULL pointer clears the whole table.
 */
long do_set_trap_table(uint64_t traps, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct pv_vcpu *pv = pv_vcpu(current);
    struct trap_info ti;

    if (!traps) {
        memset(pv->trap_ctxt, 0, sizeof(pv->trap_ctxt));
        return 0;
    }
    for (unsigned int i = 0; i < 256; i++) {
        if (copy_from_guest(&ti, traps + i * sizeof(ti), sizeof(ti)))
            return -EFAULT;
        if (!ti.address)
            return 0;
        if (!guest_code_ok(ti.address))
            return -EINVAL;
        pv->trap_ctxt[ti.vector] = ti;
    }
    return 0;
}

/* stack_switch(ss, esp): the stack the guest kernel gets on entry from user. */
long do_stack_switch(uint64_t ss, uint64_t esp, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct pv_vcpu *pv = pv_vcpu(current);

    if ((ss & 3) != 3 && ss != 0)
        ss |= 3;
    pv->kernel_ss = ss;
    pv->kernel_sp = esp;
    return 0;
}

/* set_callbacks(event, failsafe, syscall): the legacy 64-bit form. */
long do_set_callbacks(uint64_t event, uint64_t failsafe, uint64_t syscall, uint64_t a4,
                      uint64_t a5)
{
    struct pv_vcpu *pv = pv_vcpu(current);

    if (!guest_code_ok(event) || !guest_code_ok(failsafe) || !guest_code_ok(syscall))
        return -EINVAL;
    pv->event_callback = event;
    pv->failsafe_callback = failsafe;
    pv->syscall_callback = syscall;
    pv->syscall_masks_events = false;
    return 0;
}

static long register_callback(const struct callback_register *reg)
{
    struct pv_vcpu *pv = pv_vcpu(current);
    bool mask = reg->flags & CALLBACKF_mask_events;

    if (reg->flags & ~CALLBACKF_mask_events)
        return -EINVAL;
    if (!guest_code_ok(reg->address))
        return -EINVAL;
    switch (reg->type) {
    case CALLBACKTYPE_event:
        pv->event_callback = reg->address;
        return 0;
    case CALLBACKTYPE_failsafe:
        pv->failsafe_callback = reg->address;
        pv->failsafe_masks_events = mask;
        return 0;
    case CALLBACKTYPE_syscall:
        pv->syscall_callback = reg->address;
        pv->syscall_masks_events = mask;
        return 0;
    default:
        return -ENOSYS;     /* NMI, sysenter, 32-bit: not offered */
    }
}

long do_callback_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct callback_register reg;
    struct callback_unregister unreg;

    switch (cmd) {
    case CALLBACKOP_register:
        if (copy_from_guest(&reg, arg, sizeof(reg)))
            return -EFAULT;
        return register_callback(&reg);
    case CALLBACKOP_unregister:
        if (copy_from_guest(&unreg, arg, sizeof(unreg)))
            return -EFAULT;
        return -EINVAL;     /* only NMI callbacks may be removed; none exist */
    default:
        return -ENOSYS;
    }
}

/* fpu_taskswitch(set): the guest's virtual CR0.TS for lazy FPU switching. */
long do_fpu_taskswitch(uint64_t set, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    pv_vcpu(current)->fpu_ts = set != 0;
    if (set)
        stts();
    else
        clts();
    return 0;
}

/* set_segment_base(which, base): FS and the two GS bases of a 64-bit guest. */
long do_set_segment_base(uint64_t which, uint64_t base, uint64_t a3, uint64_t a4,
                         uint64_t a5)
{
    struct pv_vcpu *pv = pv_vcpu(current);

    if (which <= SEGBASE_GS_KERNEL && (base >> 47) != 0 && (base >> 47) != 0x1ffff)
        return -EINVAL;                 /* non-canonical: WRMSR would #GP */
    switch (which) {
    case SEGBASE_FS:
        wrmsr(MSR_FS_BASE, base);
        return 0;
    case SEGBASE_GS_USER:
        pv->gs_base_user = base;
        if (!pv->kernel_mode)
            wrmsr(MSR_GS_BASE, base);
        return 0;
    case SEGBASE_GS_KERNEL:
        pv->gs_base_kernel = base;
        if (pv->kernel_mode)
            wrmsr(MSR_GS_BASE, base);
        return 0;
    case SEGBASE_GS_USER_SEL:
        return base & 0xffff ? -EINVAL : 0;   /* only the null selector exists */
    default:
        return -EINVAL;
    }
}

/*
 * iret: the guest's stack holds struct iret_context (pushed by the guest
 * and the hypercall-page stub). Restore that frame; to user mode switches
 * page tables. A bad frame crashes the domain, as on Xen.
 */
long do_iret(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;
    struct pv_vcpu *pv = pv_vcpu(v);
    struct cpu_regs *regs = guest_regs();
    struct iret_context ic;

    if (copy_from_guest(&ic, regs->rsp, sizeof(ic))) {
        domain_crash(v->domain, "iret: cannot read the iret frame from the guest stack");
        return 0;
    }
    if ((ic.cs & 3) == 3 && pv->kernel_mode) {
        if (!pv->guest_table_user) {
            domain_crash(v->domain, "iret to user mode with no user page tables");
            return 0;
        }
        pv_toggle_mode(v);
    }
    if (!guest_range_ok(ic.rip, 1)) {
        domain_crash(v->domain, "iret to a non-guest address");
        return 0;
    }
    regs->rip = ic.rip;
    regs->cs = FLAT_RING3_CS64;     /* only 64-bit guest code exists */
    regs->rflags = (ic.rflags & ~((3UL << 12) | (1UL << 17))) | X86_EFLAGS_IF | 0x2;
    regs->rsp = ic.rsp;
    regs->ss = FLAT_RING3_SS64;
    if (!(ic.flags & VGCF_in_syscall)) {
        regs->r11 = ic.r11;
        regs->rcx = ic.rcx;
    }
    v->vcpu_info->evtchn_upcall_mask = !(ic.rflags & X86_EFLAGS_IF);
    return ic.rax;
}

/*
 * set_debugreg(reg, value) / get_debugreg(reg): the guest's DR0-3, DR6 and
 * DR7, loaded into the CPU while it runs (pv_load_vcpu). A breakpoint on a
 * hypervisor address is refused (-EPERM), as are DR7 values that would
 * enable I/O breakpoints or set reserved bits (-EINVAL).
 */
#define DR7_RESERVED_ZERO  (~0xffff2fffUL & 0xffffffffUL)   /* bits 12, 14, 15 */
#define DR7_RW_IO          2UL

long do_set_debugreg(uint64_t reg, uint64_t value, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct pv_vcpu *pv = pv_vcpu(current);

    switch (reg) {
    case 0: case 1: case 2: case 3:
        if (!guest_range_ok(value, 1))
            return -EPERM;
        break;
    case 6:
        value = (value & 0xe00f) | 0xffff0ff0UL;     /* architectural ones */
        break;
    case 7:
        if ((value >> 32) || (value & DR7_RESERVED_ZERO))
            return -EINVAL;
        for (unsigned int i = 0; i < 4; i++)
            if (((value >> (16 + 4 * i)) & 3) == DR7_RW_IO)
                return -EINVAL;
        value |= 0x400;                             /* bit 10 reads as 1 */
        break;
    default:
        return -EINVAL;
    }
    pv->debugreg[reg] = value;
    pv_load_debugregs(pv);
    return 0;
}

long do_get_debugreg(uint64_t reg, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    if (reg > 7 || reg == 4 || reg == 5)
        return -EINVAL;
    /* The value is the result: Xen's ABI has no error/value split here. */
    return (long)pv_vcpu(current)->debugreg[reg];
}
