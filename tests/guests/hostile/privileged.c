/*
 * Privileged instructions from the ring-3 guest kernel. The CPU faults
 * them (#GP) and the hypervisor reflects the fault to us, or emulates the
 * few that Xen emulates for PV kernels, never executing them for real:
 * writing EFER, CR0 or CR3, or resetting through the keyboard controller,
 * would take the host down, so getting to the next check is half the test.
 */
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/traps.h>
#include "hostile.h"

#define MSR_EFER    0xc0000080
#define MSR_LSTAR   0xc0000082

static void run_cli(void)    { __asm__ volatile(TRY_INSN("cli") ::: "memory"); }
static void run_sti(void)    { __asm__ volatile(TRY_INSN("sti") ::: "memory"); }
static void run_swapgs(void) { __asm__ volatile(TRY_INSN("swapgs") ::: "memory"); }
static void run_invd(void)   { __asm__ volatile(TRY_INSN("invd") ::: "memory"); }
static void run_clts(void)   { __asm__ volatile(TRY_INSN("clts") ::: "memory"); }

static void run_lidt(void)
{
    static const struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idt = { 0, 0 };
    __asm__ volatile(TRY_INSN("lidt %[d]") :: [d] "m"(idt) : "memory");
}

static void run_lgdt(void)
{
    static const struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdt = { 0, 0 };
    __asm__ volatile(TRY_INSN("lgdt %[d]") :: [d] "m"(gdt) : "memory");
}

static void run_ltr(void)    { __asm__ volatile(TRY_INSN("ltr %w[s]") :: [s] "r"(0x28) : "memory"); }
static void run_lldt(void)   { __asm__ volatile(TRY_INSN("lldt %w[s]") :: [s] "r"(0) : "memory"); }
static void run_cr0(void)    { __asm__ volatile(TRY_INSN("mov %[v], %%cr0") :: [v] "r"(0UL) : "memory"); }
static void run_cr3(void)    { __asm__ volatile(TRY_INSN("mov %[v], %%cr3") :: [v] "r"(0UL) : "memory"); }
static void run_cr4(void)    { __asm__ volatile(TRY_INSN("mov %[v], %%cr4") :: [v] "r"(0UL) : "memory"); }

static void run_wrmsr(uint32_t msr)
{
    __asm__ volatile(TRY_INSN("wrmsr") :: "c"(msr), "a"(0), "d"(0) : "memory");
}
static void run_wrmsr_efer(void)  { run_wrmsr(MSR_EFER); }
static void run_wrmsr_lstar(void) { run_wrmsr(MSR_LSTAR); }

static void run_rdmsr_bogus(void)
{
    uint32_t lo = 0, hi = 0;
    __asm__ volatile(TRY_INSN("rdmsr") : "+a"(lo), "+d"(hi) : "c"(0xdeadbeef) : "memory");
}

/* 0xfe to the keyboard controller resets the machine. */
static void run_out_kbd_reset(void)
{
    __asm__ volatile(TRY_INSN("outb %%al, $0x64") :: "a"(0xfe) : "memory");
}

static void run_in_pci_config(void)
{
    uint32_t v = 0;
    __asm__ volatile(TRY_INSN("inl %%dx, %%eax") : "+a"(v) : "d"(0xcf8) : "memory");
}

/* sysret from ring 3, and an iretq to an RPL-0 code selector. */
static void run_sysret(void)
{
    __asm__ volatile(TRY_INSN("sysretq") ::: "rcx", "r11", "memory");
}

static void run_iret_to_ring0(void)
{
    __asm__ volatile(
        "mov %%rsp, %%rax\n\t"
        "pushq %[ss]\n\t"
        "pushq %%rax\n\t"
        "pushfq\n\t"
        "pushq %[cs]\n\t"
        "lea 2f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "1: iretq\n"
        "2: jmp 4f\n"             /* (it must not get here) */
        "3: add $40, %%rsp\n"      /* the #GP resumes here: drop our frame */
        "4:\n\t"
        EXTABLE(1b, 3b)
        :: [cs] "i"(FLAT_KERNEL_CS & ~3), [ss] "i"(FLAT_KERNEL_SS)
        : "rax", "memory", "cc");
}

static const struct priv_insn {
    const char *name;
    void (*run)(void);
    bool xen_emulates;      /* Xen completes it for a PV kernel: no fault is right too */
} priv_insns[] = {
    { "priv-cli", run_cli, false },
    { "priv-sti", run_sti, false },
    { "priv-swapgs", run_swapgs, false },
    { "priv-lidt", run_lidt, false },
    { "priv-lgdt", run_lgdt, false },
    { "priv-ltr", run_ltr, false },
    { "priv-lldt", run_lldt, false },
    { "priv-write-cr0", run_cr0, false },
    { "priv-write-cr3", run_cr3, false },
    { "priv-write-cr4", run_cr4, true },
    { "priv-wrmsr-efer", run_wrmsr_efer, false },
    { "priv-wrmsr-lstar", run_wrmsr_lstar, true },
    { "priv-rdmsr-bogus", run_rdmsr_bogus, false },
    { "priv-out-kbd-reset", run_out_kbd_reset, false },
    { "priv-in-pci-config", run_in_pci_config, false },
    { "priv-invd", run_invd, true },
    { "priv-clts", run_clts, true },
    { "priv-sysret", run_sysret, false },
    { "priv-iret-to-ring0", run_iret_to_ring0, false },
};

void hostile_privileged(void)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(priv_insns); i++) {
        const struct priv_insn *p = &priv_insns[i];
        bool gp;

        trap_reset();
        p->run();
        gp = trap_last.count == 1 && trap_last.vector == TRAP_GP;
        check(p->name, gp || (p->xen_emulates && trap_last.count == 0),
              "%u faults, vector %u, error code %#lx (want #GP%s)", trap_last.count,
              trap_last.vector, trap_last.error_code, p->xen_emulates ? " or emulation" : "");
    }
    /*
     * With a virtual IOPL (which any PV guest may set, as on Xen) a domU's
     * port writes complete but are dropped: the keyboard controller's reset
     * command never reaches it, and we are still here to check.
     */
    {
        struct physdev_set_iopl iopl = { .iopl = 3 };

        CHECK_RC("priv-set-iopl", hypercall_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
        trap_reset();
        run_out_kbd_reset();
        check("priv-io-reset-dropped", trap_last.count == 0, "%u faults, vector %u",
              trap_last.count, trap_last.vector);
        iopl.iopl = 0;
        hypercall_physdev_op(PHYSDEVOP_set_iopl, &iopl);
    }
    /* Still in one piece: hypercalls (SYSCALL through LSTAR) still work. */
    CHECK_RC("priv-host-alive", hypercall_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
    hypercall_fpu_taskswitch(0);
}
