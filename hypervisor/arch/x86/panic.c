/*
 * The end of the road: panic(), register dumps, backtraces, and stopping the
 * machine. Under QEMU the isa-debug-exit device (port 0xf4) turns the stop
 * into an exit status, so tests see a failure as a failure; on real hardware
 * the write goes nowhere and the CPUs halt.
 */
#include <sable/console.h>
#include <sable/lib.h>
#include <sable/symbols.h>
#include <asm/io.h>
#include <asm/memlayout.h>
#include <asm/percpu.h>
#include <asm/processor.h>

#define QEMU_EXIT_PORT 0xf4
/* QEMU exits with (value << 1) | 1. */
#define QEMU_EXIT_OK     0x00   /* status 1 */
#define QEMU_EXIT_FAILED 0x11   /* status 35 */


static void __attribute__((noreturn)) machine_stop(uint8_t code)
{
    local_irq_disable();
    console_flush();
    smp_stop_others();
    outb(QEMU_EXIT_PORT, code);
    for (;;)
        halt();
}

void machine_stop_failed(void) { machine_stop(QEMU_EXIT_FAILED); }
void machine_stop_ok(void) { machine_stop(QEMU_EXIT_OK); }

static void print_symbol(uint64_t addr)
{
    uint64_t off;
    const char *name = symbol_lookup(addr, &off);

    if (name)
        console_printf("    [<%016lx>] %s+%#lx\n", addr, name, off);
    else
        console_printf("    [<%016lx>] ?\n", addr);
}

void dump_registers(const struct cpu_regs *r)
{
    uint64_t off;
    const char *fn = symbol_lookup(r->rip, &off);

    console_printf("  RIP: %04lx:%016lx %s%s%#lx\n", r->cs, r->rip, fn ? fn : "",
                   fn ? "+" : "", fn ? off : 0UL);
    console_printf("  RFLAGS: %016lx  RSP: %04lx:%016lx\n", r->rflags, r->ss, r->rsp);
    console_printf("  RAX: %016lx  RBX: %016lx  RCX: %016lx\n", r->rax, r->rbx, r->rcx);
    console_printf("  RDX: %016lx  RSI: %016lx  RDI: %016lx\n", r->rdx, r->rsi, r->rdi);
    console_printf("  RBP: %016lx  R8:  %016lx  R9:  %016lx\n", r->rbp, r->r8, r->r9);
    console_printf("  R10: %016lx  R11: %016lx  R12: %016lx\n", r->r10, r->r11, r->r12);
    console_printf("  R13: %016lx  R14: %016lx  R15: %016lx\n", r->r13, r->r14, r->r15);
    console_printf("  CR0: %016lx  CR2: %016lx  CR3: %016lx\n", read_cr0(), read_cr2(),
                   read_cr3());
    console_printf("  CR4: %016lx  CPU: %u\n", read_cr4(), smp_processor_id());
}

/* A frame pointer is followed only while it stays on this CPU's stack block. */
static bool frame_ok(uint64_t rbp, uint64_t block)
{
    return rbp >= block && rbp + 16 <= block + STACK_SIZE && IS_ALIGNED(rbp, 8);
}

void backtrace_from(uint64_t rbp, uint64_t rip)
{
    uint64_t block = (uint64_t)this_cpu_info() + CPU_INFO_SIZE - STACK_SIZE;

    console_printf("  Backtrace:\n");
    print_symbol(rip);
    for (int depth = 0; depth < 32 && frame_ok(rbp, block); depth++) {
        uint64_t *frame = (uint64_t *)rbp;
        if (!frame[1])
            break;
        print_symbol(frame[1] - 1);     /* inside the call instruction */
        if (frame[0] <= rbp)
            break;
        rbp = frame[0];
    }
}

/* Capture this CPU's registers as they are inside panic(). */
static void __attribute__((noinline)) capture_regs(struct cpu_regs *r)
{
    __asm__ volatile(
        "mov %%rax, %c[rax](%0)\n\t" "mov %%rbx, %c[rbx](%0)\n\t"
        "mov %%rcx, %c[rcx](%0)\n\t" "mov %%rdx, %c[rdx](%0)\n\t"
        "mov %%rsi, %c[rsi](%0)\n\t" "mov %%rdi, %c[rdi](%0)\n\t"
        "mov %%r8, %c[r8](%0)\n\t"   "mov %%r9, %c[r9](%0)\n\t"
        "mov %%r10, %c[r10](%0)\n\t" "mov %%r11, %c[r11](%0)\n\t"
        "mov %%r12, %c[r12](%0)\n\t" "mov %%r13, %c[r13](%0)\n\t"
        "mov %%r14, %c[r14](%0)\n\t" "mov %%r15, %c[r15](%0)\n\t"
        "mov %%rsp, %c[rsp](%0)\n\t" "mov %%cs, %c[cs](%0)\n\t"
        "mov %%ss, %c[ss](%0)\n\t"
        "pushfq\n\t" "popq %c[rflags](%0)"
        :: "r"(r), [rax] "i"(offsetof(struct cpu_regs, rax)),
           [rbx] "i"(offsetof(struct cpu_regs, rbx)), [rcx] "i"(offsetof(struct cpu_regs, rcx)),
           [rdx] "i"(offsetof(struct cpu_regs, rdx)), [rsi] "i"(offsetof(struct cpu_regs, rsi)),
           [rdi] "i"(offsetof(struct cpu_regs, rdi)), [r8] "i"(offsetof(struct cpu_regs, r8)),
           [r9] "i"(offsetof(struct cpu_regs, r9)), [r10] "i"(offsetof(struct cpu_regs, r10)),
           [r11] "i"(offsetof(struct cpu_regs, r11)), [r12] "i"(offsetof(struct cpu_regs, r12)),
           [r13] "i"(offsetof(struct cpu_regs, r13)), [r14] "i"(offsetof(struct cpu_regs, r14)),
           [r15] "i"(offsetof(struct cpu_regs, r15)), [rsp] "i"(offsetof(struct cpu_regs, rsp)),
           [cs] "i"(offsetof(struct cpu_regs, cs)), [ss] "i"(offsetof(struct cpu_regs, ss)),
           [rflags] "i"(offsetof(struct cpu_regs, rflags))
        : "memory");
    /* Our caller's frame: saved RBP and return address. */
    uint64_t *fp = __builtin_frame_address(0);
    r->rbp = fp[0];
    r->rip = fp[1];
}

void panic(const char *fmt, ...)
{
    static char msg[256];
    struct cpu_regs regs = { 0 };
    va_list ap;

    console_panic_begin();
    capture_regs(&regs);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    console_printf("\n*** PANIC on CPU %u: %s\n", smp_processor_id(), msg);
    dump_registers(&regs);
    backtrace_from(regs.rbp, regs.rip);
    machine_stop_failed();
}
