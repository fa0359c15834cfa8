/*
 * Exception bounce frames: each exception is raised on purpose inside
 * TRY_INSN, and the frame Xen's create_bounce_frame would have built is
 * checked field by field (docs/guests.md): vector, error code, RIP, CS with
 * RPL 0 (interrupted the guest kernel) and the saved event mask, RFLAGS.IF,
 * RSP, SS, and RCX/R11 both in the frame and after the iret.
 */
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/traps.h>
#include "selftest.h"

#define MAGIC_RCX   0xc0c0c0c0c0c0c0c1ULL
#define MAGIC_R11   0x1111111111111111ULL
#define KERNEL_CS_RPL0  (FLAT_KERNEL_CS & ~3)

/* What the code around a faulting instruction saw. */
struct probe {
    uint64_t rsp, rip, rcx_after, r11_after;
};

/* Raise #UD with known RCX, R11, RSP and record them and the resume state. */
static void probe_ud2(struct probe *p)
{
    __asm__ volatile(
        "lea 1f(%%rip), %%rax\n\t"
        "mov %%rax, %[rip]\n\t"
        "mov %%rsp, %[rsp]\n\t"
        "mov %[m1], %%rcx\n\t"
        "mov %[m2], %%r11\n\t"
        TRY_INSN("ud2")
        "mov %%rcx, %[c]\n\t"
        "mov %%r11, %[r]\n\t"
        : [rip] "=m"(p->rip), [rsp] "=m"(p->rsp), [c] "=m"(p->rcx_after),
          [r] "=m"(p->r11_after)
        : [m1] "i"(MAGIC_RCX), [m2] "i"(MAGIC_R11)
        : "rax", "rcx", "r11", "memory");
}

/* The parts of the frame every kernel-mode bounce must get right. */
static bool frame_ok(const struct probe *p, unsigned int vector, uint64_t ec, uint8_t mask,
                     const char **why)
{
    const struct trap_record *t = &trap_last;

    *why = t->count != 1 ? "not exactly one fault" :
           t->vector != vector ? "wrong vector" :
           t->error_code != ec ? "wrong error code" :
           t->rip != p->rip ? "wrong rip" :
           (t->cs & 0xffff) != KERNEL_CS_RPL0 ? "cs is not FLAT_KERNEL_CS with RPL 0" :
           ((t->cs >> 32) & 0xff) != mask ? "saved_upcall_mask (cs bits 32-39) wrong" :
           !(t->rflags & 0x200) != !!mask ? "rflags.IF does not mirror the event mask" :
           t->rsp != p->rsp ? "wrong rsp" :
           (t->ss & 0xffff) != FLAT_KERNEL_SS ? "wrong ss" : NULL;
    return !*why;
}

static void report_frame(const char *name, bool ok, const char *why)
{
    const struct trap_record *t = &trap_last;

    check(name, ok, "%s: count %u vector %u ec %#lx rip %#lx cs %#lx rflags %#lx rsp %#lx "
          "ss %#lx", why, t->count, t->vector, t->error_code, t->rip, t->cs, t->rflags,
          t->rsp, t->ss);
}

/* #UD: the whole frame, RCX/R11, and the event mask inside and after. */
static void traps_check_ud2(void)
{
    struct probe p;
    const char *why;
    bool ok;

    trap_reset();
    probe_ud2(&p);
    ok = frame_ok(&p, TRAP_UD, 0, 0, &why);
    report_frame("trap-ud2-frame", ok, why);
    check("trap-rcx-r11-in-frame", trap_last.rcx == MAGIC_RCX && trap_last.r11 == MAGIC_R11,
          "frame rcx %#lx r11 %#lx", trap_last.rcx, trap_last.r11);
    check("trap-rcx-r11-after-iret", p.rcx_after == MAGIC_RCX && p.r11_after == MAGIC_R11,
          "after iret rcx %#lx r11 %#lx", p.rcx_after, p.r11_after);
    check("trap-handler-events-masked", trap_last.upcall_mask == 1,
          "upcall_mask %u in a TI_FLAG_IF handler", trap_last.upcall_mask);
    check("trap-iret-restores-event-mask", this_vcpu_info()->evtchn_upcall_mask == 0,
          "upcall_mask %u after iret", this_vcpu_info()->evtchn_upcall_mask);
}

/* #PF on an unmapped address: error code (user bit clear: guest kernel) and CR2. */
static void traps_check_page_faults(void)
{
    volatile uint8_t *unmapped = (volatile uint8_t *)0x1000;  /* nothing maps the low half */
    uint64_t l4e, pt = start_info->pt_base;
    uint8_t v;

    trap_reset();
    __asm__ volatile(TRY_INSN("movb (%[a]), %[v]") : [v] "=q"(v) : [a] "r"(unmapped + 0x234)
                     : "memory");
    check("trap-pf-read", trap_last.count == 1 && trap_last.vector == TRAP_PF &&
          trap_last.error_code == 0 && trap_last.cr2 == 0x1234,
          "count %u vector %u ec %#lx cr2 %#lx (want ec 0, cr2 0x1234)", trap_last.count,
          trap_last.vector, trap_last.error_code, trap_last.cr2);

    trap_reset();
    __asm__ volatile(TRY_INSN("movb $1, (%[a])") :: [a] "r"(unmapped + 0x567) : "memory");
    check("trap-pf-write", trap_last.count == 1 && trap_last.vector == TRAP_PF &&
          trap_last.error_code == PFEC_WRITE && trap_last.cr2 == 0x1567,
          "count %u vector %u ec %#lx cr2 %#lx (want ec 2, cr2 0x1567)", trap_last.count,
          trap_last.vector, trap_last.error_code, trap_last.cr2);

    /* The boot L4 is mapped read-only: writing its own entry back faults. */
    l4e = ((volatile uint64_t *)pt)[511];
    trap_reset();
    __asm__ volatile(TRY_INSN("mov %[v], (%[a])") :: [v] "r"(l4e), [a] "r"(pt + 511 * 8)
                     : "memory");
    check("trap-pf-pagetable-readonly", trap_last.count == 1 && trap_last.vector == TRAP_PF &&
          trap_last.error_code == (PFEC_PRESENT | PFEC_WRITE) && trap_last.cr2 == pt + 511 * 8,
          "count %u vector %u ec %#lx cr2 %#lx (want ec 3)", trap_last.count, trap_last.vector,
          trap_last.error_code, trap_last.cr2);
    (void)v;
}

static void expect_trap(const char *name, unsigned int vector, uint64_t ec, bool after)
{
    check(name, trap_last.count == 1 && trap_last.vector == vector &&
          trap_last.error_code == ec, "count %u vector %u ec %#lx (want vector %u ec %#lx%s)",
          trap_last.count, trap_last.vector, trap_last.error_code, vector, ec,
          after ? ", rip after the instruction" : "");
}

/* Traps (INT3, INT n) resume after the instruction, faults at it. */
static void traps_check_vectors(void)
{
    uint64_t after = 0;
    uint32_t eax = 1, edx = 0, zero = 0;

    trap_reset();
    __asm__ volatile("lea 2f(%%rip), %[a]\n\t" TRY_INSN("int3") : [a] "=r"(after) :: "memory");
    expect_trap("trap-int3", TRAP_BP, 0, true);
    check("trap-int3-rip", trap_last.rip == after, "rip %#lx, want %#lx", trap_last.rip, after);

    trap_reset();
    __asm__ volatile(TRY_INSN("divl %[z]") : "+a"(eax), "+d"(edx) : [z] "r"(zero)
                     : "memory", "cc");
    expect_trap("trap-divide-error", TRAP_DE, 0, false);

    trap_reset();
    __asm__ volatile(TRY_INSN("cli") ::: "memory");
    expect_trap("trap-gp-cli", TRAP_GP, 0, false);

    /* INT n: with DPL 3 in the trap table it is delivered as vector n ... */
    trap_reset();
    if (trap_set_softint(TRAP_VEC_SOFTINT, 3) == 0)
        __asm__ volatile("lea 2f(%%rip), %[a]\n\t" TRY_INSN("int $0x80") : [a] "=r"(after)
                         :: "memory");
    expect_trap("trap-softint-dpl3", TRAP_VEC_SOFTINT, 0, true);
    /*
     * ... without an entry it is a #GP whose error code names the IDT entry:
     * vector << 3 | 2. QEMU's software CPU before 8.0 reports vector << 4 | 2
     * in long mode (fixed upstream in target/i386/tcg/seg_helper.c); a
     * hypervisor passing that through is not at fault, so both are accepted.
     */
    trap_reset();
    __asm__ volatile(TRY_INSN("int $0x81") ::: "memory");
    check("trap-softint-unregistered", trap_last.count == 1 && trap_last.vector == TRAP_GP &&
          (trap_last.error_code == ((0x81 << 3) | 2) || trap_last.error_code == ((0x81 << 4) | 2)),
          "count %u vector %u ec %#lx (want #GP, ec %#x)", trap_last.count, trap_last.vector,
          trap_last.error_code, (0x81 << 3) | 2);
}

/*
 * Reading CR3 from ring 3 faults; Xen emulates it for PV kernels and
 * returns the machine address of the current L4. Either is correct.
 */
static void traps_check_read_cr3(void)
{
    uint64_t cr3 = 0, want = pfn_to_mfn(virt_to_pfn((void *)start_info->pt_base)) << 12;

    trap_reset();
    __asm__ volatile(TRY_INSN("mov %%cr3, %[v]") : [v] "+r"(cr3) :: "memory");
    if (trap_last.count)
        expect_trap("priv-read-cr3", TRAP_GP, 0, false);
    else
        check("priv-read-cr3", cr3 == want, "emulated: %#lx, want %#lx", cr3, want);
}

void selftest_traps(void)
{
    traps_check_ud2();
    traps_check_page_faults();
    traps_check_vectors();
    traps_check_read_cr3();
}
