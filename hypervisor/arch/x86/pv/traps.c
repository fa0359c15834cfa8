/*
 * PV guests' exceptions and events: bouncing them to the guest kernel's
 * handlers, and the exit path every return to a guest goes through.
 *
 * The bounce frame is Xen's x86-64 PV layout. Written downwards on the guest
 * kernel stack (16-byte aligned), the guest handler finds at its RSP:
 *
 *     RCX, R11, [error code,] RIP, CS | saved_upcall_mask << 32, RFLAGS, RSP, SS
 *
 * CS carries RPL 0 when the interrupted context was the guest kernel, RPL 3
 * when it was guest user space; RFLAGS.IF is the inverse of the event mask at
 * the time. The guest returns with HYPERVISOR_iret.
 */
#include <sable/console.h>
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/event.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <asm/hvm.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/smap.h>
#include <asm/traps.h>
#include <public/xen.h>

/* #PF error code bits: present, write, reserved bit, instruction fetch. */
#define PF_PTWR_MASK  (1UL | 2UL | 8UL | 16UL)
#define PF_PTWR_WANT  (1UL | 2UL)

#define RFLAGS_CLEAR_ON_BOUNCE ((1UL << 8) | (1UL << 14) | (1UL << 16) | (1UL << 17) | \
                                (1UL << 18))   /* TF NT RF VM AC */

static struct vcpu_info *vinfo(struct vcpu *v) { return v->vcpu_info; }

void pv_toggle_mode(struct vcpu *v)
{
    struct pv_vcpu *pv = pv_vcpu(v);

    /* GS: the active base is in the MSR, the other one in the struct. */
    if (pv->kernel_mode)
        pv->gs_base_kernel = rdmsr(MSR_GS_BASE);
    else
        pv->gs_base_user = rdmsr(MSR_GS_BASE);
    pv->kernel_mode = !pv->kernel_mode;
    wrmsr(MSR_GS_BASE, pv->kernel_mode ? pv->gs_base_kernel : pv->gs_base_user);
    write_cr3(pv->kernel_mode ? pv->guest_table : pv->guest_table_user);
}

int pv_bounce(struct vcpu *v, struct cpu_regs *regs, uint64_t handler,
              unsigned int flags, uint64_t error_code)
{
    struct pv_vcpu *pv = pv_vcpu(v);
    uint64_t frame[10], sp, cs = regs->cs;
    uint8_t mask = vinfo(v)->evtchn_upcall_mask;
    unsigned int n = 0;

    if (!handler)
        return -EINVAL;
    if (pv->kernel_mode) {
        sp = regs->rsp;
        cs &= ~3UL;                    /* tell the guest: from kernel */
    } else {
        pv_toggle_mode(v);
        sp = pv->kernel_sp;
    }
    sp &= ~15UL;

    /* Build the frame lowest address first. */
    frame[n++] = regs->rcx;
    frame[n++] = regs->r11;
    if (flags & TBF_ERRCODE)
        frame[n++] = error_code;
    frame[n++] = regs->rip;
    frame[n++] = cs | ((uint64_t)mask << 32);
    frame[n++] = (regs->rflags & ~X86_EFLAGS_IF) | (mask ? 0 : X86_EFLAGS_IF);
    frame[n++] = regs->rsp;
    frame[n++] = regs->ss;
    sp -= n * 8;
    if (copy_to_guest(sp, frame, n * 8))
        return -EFAULT;

    if (flags & TBF_INTERRUPT)
        vinfo(v)->evtchn_upcall_mask = 1;
    regs->rip = handler;
    regs->cs = FLAT_KERNEL_CS;
    regs->ss = FLAT_KERNEL_SS;
    regs->rsp = sp;
    regs->rflags &= ~RFLAGS_CLEAR_ON_BOUNCE;
    regs->rflags |= X86_EFLAGS_IF;
    return 0;
}

/* Bounce exception vector to the guest's registered handler, or crash it. */
static void pv_inject_trap(struct vcpu *v, struct cpu_regs *regs, unsigned int vector,
                           bool has_error, uint64_t error_code)
{
    const struct trap_info *ti = &pv_vcpu(v)->trap_ctxt[vector];
    unsigned int flags = (has_error ? TBF_ERRCODE : 0) |
                         ((ti->flags & TI_FLAG_IF) ? TBF_INTERRUPT : 0);
    char why[96];

    if (!ti->address) {
        snprintf(why, sizeof(why), "exception %u at %#lx with no handler registered",
                 vector, regs->rip);
        domain_crash(v->domain, why);
        return;
    }
    if (pv_bounce(v, regs, ti->address, flags, error_code)) {
        snprintf(why, sizeof(why), "cannot deliver exception %u: guest stack %#lx unwritable",
                 vector, pv_vcpu(v)->kernel_mode ? regs->rsp : pv_vcpu(v)->kernel_sp);
        domain_crash(v->domain, why);
    }
}

/* Exceptions that push an error code (the same set as the IDT stubs). */
static bool has_error_code(unsigned int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

/*
 * A #GP from `INT n` through a gate the guest may not use directly (its
 * error code has bit 1 set: "IDT entry"). The vector is taken from the
 * instruction bytes (CD nn), not from the error code: QEMU 7.2's software
 * CPU reports n << 4 there in long mode, real CPUs n << 3. If the guest's
 * own trap table lets the current guest mode raise n (DPL 1 for the guest
 * kernel, 3 for user), deliver n as a software interrupt after the
 * instruction.
 */
static bool pv_emulate_softint(struct vcpu *v, struct cpu_regs *regs)
{
    uint8_t insn[2];
    unsigned int n, dpl;

    if ((regs->error_code & 3) != 2 || copy_from_guest(insn, regs->rip, 2) ||
        insn[0] != 0xcd)
        return false;
    n = insn[1];
    if (regs->error_code != ((n << 3) | 2) && regs->error_code != ((n << 4) | 2))
        return false;
    dpl = pv_vcpu(v)->trap_ctxt[n].flags & TI_FLAG_DPL_MASK;
    if (!pv_vcpu(v)->trap_ctxt[n].address || dpl < (pv_vcpu(v)->kernel_mode ? 1 : 3))
        return false;
    regs->rip += 2;
    pv_inject_trap(v, regs, n, false, 0);
    return true;
}

/*
 * QEMU's software CPU (7.2 and earlier) pops the frame of IRET and far RET
 * with supervisor accesses even at CPL 3 (fixed upstream: "data access at
 * the current privilege level"), so with SMAP on they fault on the guest's
 * own user stack: a #PF from ring 3 without the user bit, at the frame.
 * Real CPUs never do that, and Linux's sync_core() runs IRETQ in a PV
 * kernel. Such a fault is completed here as a CPU at CPL 3 would: IRETQ or
 * LRETQ to a ring-3 selector of the flat GDT, flags a CPL-3 IRET may
 * change; anything else gets the #GP the CPU would raise.
 */
#define PFEC_PRESENT      1UL
#define PFEC_USER         4UL
#define IRET_USER_FLAGS   0x254dd5UL    /* CF PF AF ZF SF TF DF OF NT RF AC ID */

static bool pv_fixup_stack_pop(struct vcpu *v, struct cpu_regs *regs, uint64_t cr2)
{
    uint8_t insn[2];
    uint64_t frame[5];
    unsigned int n, bad_sel = 0;

    if (!smap_active || (regs->error_code & (PFEC_USER | PFEC_PRESENT)) != PFEC_PRESENT ||
        cr2 - regs->rsp >= sizeof(frame) || copy_from_guest(insn, regs->rip, 2) ||
        insn[0] != 0x48 || (insn[1] != 0xcf && insn[1] != 0xcb))
        return false;
    n = insn[1] == 0xcf ? 5 : 2;                    /* IRETQ: RIP CS RFLAGS RSP SS */
    if (copy_from_guest(frame, regs->rsp, n * 8))
        return false;                               /* a real fault: reflect it */
    if ((uint16_t)frame[1] != FLAT_RING3_CS64 && (uint16_t)frame[1] != FLAT_RING3_CS32)
        bad_sel = frame[1] & 0xfffc;
    else if (n == 5 && (uint16_t)frame[4] != FLAT_RING3_SS64)
        bad_sel = frame[4] & 0xfffc;
    if (bad_sel || !guest_range_ok(frame[0], 1)) {
        pv_inject_trap(v, regs, TRAP_GP, true, bad_sel);
        return true;
    }
    regs->rip = frame[0];
    regs->cs = (uint16_t)frame[1];
    if (n == 5) {
        regs->rflags = (regs->rflags & ~IRET_USER_FLAGS) | (frame[2] & IRET_USER_FLAGS) | 2;
        regs->rsp = frame[3];
        regs->ss = (uint16_t)frame[4];
    } else {
        regs->rsp += 16;
    }
    return true;
}

void pv_handle_exception(struct cpu_regs *regs)
{
    struct vcpu *v = current;
    unsigned int vec = regs->vector;

    if (!v) {
        fatal_trap(regs, "guest-mode exception with no vCPU loaded");
    }
    if (vec == TRAP_NM) {
        /* Lazy FPU: the guest's virtual CR0.TS made the real one trap. */
        clts();
        if (!pv_vcpu(v)->fpu_ts) {
            pv_exit_to_guest(regs);     /* a stale TS: just retry */
            return;
        }
        pv_vcpu(v)->fpu_ts = false;     /* as on Xen: one #NM, then clear */
    }
    if (vec == TRAP_PF && pv_fixup_stack_pop(v, regs, read_cr2())) {
        pv_exit_to_guest(regs);
        return;
    }
    if (vec == TRAP_PF) {
        uint64_t cr2 = read_cr2();      /* before anything else can fault */

        /* A guest kernel store to one of its page tables mapped read-only? */
        if (pv_vcpu(v)->kernel_mode && (regs->error_code & PF_PTWR_MASK) == PF_PTWR_WANT &&
            pv_ptwr_fault(v, regs, cr2)) {
            pv_exit_to_guest(regs);
            return;
        }
        vinfo(v)->arch.cr2 = cr2;
        /* Ring 3 always sets U; the guest wants to know its own mode. */
        regs->error_code &= ~4UL;
        if (!pv_vcpu(v)->kernel_mode)
            regs->error_code |= 4UL;
    }
    if (vec == TRAP_GP && (pv_emulate_softint(v, regs) || pv_emulate_privileged(v, regs))) {
        pv_exit_to_guest(regs);
        return;
    }
    if (vec == TRAP_DF || vec == TRAP_MC || vec == TRAP_NMI) {
        domain_crash(v->domain, vec == TRAP_DF ? "double fault" : "machine check/NMI in guest");
    } else {
        pv_inject_trap(v, regs, vec, has_error_code(vec), regs->error_code);
    }
    pv_exit_to_guest(regs);
}

/*
 * SYSCALL: from the guest kernel it is a hypercall (number in RAX, args in
 * RDI RSI RDX R10 R8); from guest user space it is bounced to the guest
 * kernel's syscall callback, as on Xen.
 */
void pv_handle_syscall(struct cpu_regs *regs)
{
    struct vcpu *v = current;
    struct pv_vcpu *pv = pv_vcpu(v);

    if (pv->kernel_mode) {
        long rc = hypercall_dispatch(regs->rax, regs->rdi, regs->rsi, regs->rdx,
                                     regs->r10, regs->r8);
        /* iret rewrote the whole frame; its result is the saved RAX. */
        regs = guest_regs();
        regs->rax = rc;
        if (v->hcall_preempted) {
            /* A continuation: RAX is the hypercall again, re-run the SYSCALL. */
            v->hcall_preempted = false;
            regs->rip -= 2;
        }
    } else {
        unsigned int flags = pv->syscall_masks_events ? TBF_INTERRUPT : 0;
        if (pv_bounce(v, regs, pv->syscall_callback, flags, 0))
            domain_crash(v->domain, "user SYSCALL with no usable syscall callback");
    }
    pv_exit_to_guest(regs);
}

/* Deliver the event upcall if one is pending and events are unmasked. */
static void pv_deliver_events(struct vcpu *v, struct cpu_regs *regs)
{
    struct vcpu_info *vi = vinfo(v);

    if (!vi || !vi->evtchn_upcall_pending || vi->evtchn_upcall_mask)
        return;
    if (!pv_vcpu(v)->event_callback)
        return;                 /* nothing registered yet: stays pending */
    if (pv_bounce(v, regs, pv_vcpu(v)->event_callback, TBF_INTERRUPT, 0))
        domain_crash(v->domain, "cannot deliver event upcall: guest stack unwritable");
}

void pv_exit_to_guest(struct cpu_regs *regs)
{
    for (;;) {
        struct vcpu *v;

        local_irq_disable();
        schedule();                 /* may switch vCPU, or idle until one runs */
        v = current;
        if (v->pause_flags) {
            continue;               /* crashed or paused on the way out */
        }
        if (is_hvm_vcpu(v))
            hvm_exit_to_guest(v);   /* does not return */
        pv_deliver_events(v, regs);
        if (!v->pause_flags)
            break;
    }
}
