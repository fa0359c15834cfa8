/*
 * Exception and interrupt dispatch. An exception in the hypervisor itself is
 * always fatal: it is reported with the registers and a backtrace, and the
 * machine stops. Interrupt vectors go to registered handlers.
 */
#include <sable/lib.h>
#include <sable/console.h>
#include <asm/traps.h>
#include <asm/processor.h>
#include <asm/percpu.h>
#include <asm/pv.h>

static irq_handler_t irq_handlers[256];
static unsigned long spurious_count;

static const char *const exception_names[32] = {
    [0] = "divide error (#DE)", [1] = "debug (#DB)", [2] = "NMI",
    [3] = "breakpoint (#BP)", [4] = "overflow (#OF)", [5] = "bound range (#BR)",
    [6] = "invalid opcode (#UD)", [7] = "device not available (#NM)",
    [8] = "double fault (#DF)", [9] = "coprocessor segment overrun",
    [10] = "invalid TSS (#TS)", [11] = "segment not present (#NP)",
    [12] = "stack fault (#SS)", [13] = "general protection (#GP)",
    [14] = "page fault (#PF)", [16] = "x87 error (#MF)",
    [17] = "alignment check (#AC)", [18] = "machine check (#MC)",
    [19] = "SIMD error (#XM)", [20] = "virtualization (#VE)",
    [21] = "control protection (#CP)", [29] = "VMM communication (#VC)",
    [30] = "security (#SX)",
};

void irq_register(unsigned int vector, irq_handler_t handler)
{
    ASSERT(vector >= VEC_FIRST_IRQ && vector < 256);
    irq_handlers[vector] = handler;
}

/* Explain a page fault's error code in words. */
static void describe_page_fault(const struct cpu_regs *regs)
{
    uint64_t ec = regs->error_code;

    console_printf("  page fault at %#018lx: %s, %s access in %s mode%s%s\n",
                   read_cr2(), (ec & 1) ? "protection violation" : "page not present",
                   (ec & 16) ? "instruction fetch" : (ec & 2) ? "write" : "read",
                   (ec & 4) ? "user" : "supervisor", (ec & 8) ? ", reserved bit set" : "",
                   (ec & 32) ? ", protection key" : "");
}

void __attribute__((noreturn)) fatal_trap(const struct cpu_regs *regs, const char *why)
{
    unsigned int v = regs->vector;

    console_panic_begin();
    console_printf("\n*** PANIC on CPU %u: %s\n", smp_processor_id(), why);
    if (v < 32) {
        console_printf("  exception %u %s, error code %#lx\n", v,
                       exception_names[v] ? exception_names[v] : "(reserved)",
                       regs->error_code);
        if (v == TRAP_PF)
            describe_page_fault(regs);
    }
    dump_registers(regs);
    backtrace_from(regs->rbp, regs->rip);
    machine_stop_failed();
}

static void do_irq(struct cpu_regs *regs, unsigned int v)
{
    if (irq_handlers[v])
        irq_handlers[v](regs, v);
    else if (v == VEC_SPURIOUS)
        spurious_count++;
    else
        fatal_trap(regs, "interrupt on a vector with no handler");
}

void do_trap(struct cpu_regs *regs)
{
    unsigned int v = regs->vector;
    bool from_guest = (regs->cs & 3) != 0;

    if (v >= VEC_FIRST_IRQ) {
        do_irq(regs, v);
        if (from_guest)
            pv_exit_to_guest(regs);
        return;
    }
    if (from_guest) {
        pv_handle_exception(regs);
        return;
    }
    /*
     * A guest's data breakpoint hit by the hypervisor copying guest memory:
     * the guest asked to watch its own address, not ours. Ignore it.
     */
    if (v == TRAP_DB) {
        __asm__ volatile("mov %0, %%db6" :: "r"(0xffff0ff0UL));
        return;
    }
    /* A guest pointer that faulted while the hypervisor copied through it. */
    if ((v == TRAP_PF || v == TRAP_GP) && regs->rip == (uint64_t)raw_copy_user_insn) {
        regs->rip = (uint64_t)raw_copy_user_fixup;
        return;
    }
    fatal_trap(regs, "unexpected exception in the hypervisor");
}
