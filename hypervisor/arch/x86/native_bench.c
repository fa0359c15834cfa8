/*
 * Native micro-benchmarks, behind `debug_native_bench=<iterations>`: the
 * operations bench/pv_ops.py measures in PV guests, done here without a
 * guest, in the same boot, with the same TSC:
 *
 *   empty      two RDTSCs with nothing between (the timer's own cost)
 *   call       a function call and return in ring 3
 *   syscall    SYSCALL from ring 3 to a ring-0 handler that only SYSRETs:
 *              the floor under a PV hypercall and under a guest system call
 *   ipi-call   smp_call_function() of an empty function on CPU 1 (an IPI
 *              there, the answer back through memory): the floor under an
 *              event-channel round trip between two CPUs
 *
 * The ring-3 loops run in a private address space (asm/user_space.h: this
 * CPU's hypervisor mappings plus a user code page, stack and sample array),
 * with interrupts off and LSTAR pointed at native_syscall_handler for the
 * duration only, so the PV SYSCALL path is untouched. Each result is one
 * line: NATIVE op=<op> iters=<n> median_cycles=... (TSC cycles).
 */
#include <sable/cmdline.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/stats.h>
#include <asm/memlayout.h>
#include <asm/native_bench.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/user_space.h>
#include <asm/smp.h>

#define MAX_ITERS      65536
#define SAMPLES_ORDER  7                        /* 128 pages: MAX_ITERS samples */

BUILD_BUG_ON((MAX_ITERS * 8) >> PAGE_SHIFT != 1 << SAMPLES_ORDER);

enum native_op { NATIVE_OP_EMPTY, NATIVE_OP_CALL, NATIVE_OP_SYSCALL };

static uint64_t opt_iters;
integer_param("debug_native_bench", opt_iters, 0, MAX_ITERS);

/* native_ring3.S */
void native_bench_enter(uint64_t rip, uint64_t rsp, uint64_t iters, uint64_t samples,
                        uint64_t op);
void native_syscall_handler(void);
extern const char native_user_code[], native_user_code_end[];

static void print_result(const char *op, uint64_t *samples, size_t n)
{
    struct sample_stats st;

    sample_stats(samples, n, &st);
    printk("NATIVE op=%s iters=%lu median_cycles=%lu min_cycles=%lu p90_cycles=%lu "
           "mean_cycles=%lu\n", op, st.n, st.median, st.min, st.p90, st.mean);
}

/* One ring-3 loop of op, opt_iters times, into the space's data pages. */
static void native_run_user(struct user_space *s, enum native_op op)
{
    unsigned long flags = irq_save();
    uint64_t cr3 = user_space_enter(s), lstar = rdmsr(MSR_LSTAR);

    wrmsr(MSR_LSTAR, (uint64_t)native_syscall_handler);
    native_bench_enter(USER_SPACE_CODE, USER_SPACE_STACK_TOP, opt_iters, USER_SPACE_DATA, op);
    wrmsr(MSR_LSTAR, lstar);
    write_cr3(cr3);
    irq_restore(flags);
}

static void nothing(void *arg)
{
}

/* smp_call_function round trips to CPU 1, timed here (it needs interrupts on). */
static void native_run_ipi(uint64_t *samples)
{
    bool was_on = local_irq_enabled();

    local_irq_enable();
    for (uint64_t i = 0; i < opt_iters; i++) {
        uint64_t t0 = rdtsc_ordered();

        smp_call_function(1, nothing, NULL);
        samples[i] = rdtsc_ordered() - t0;
    }
    if (!was_on)
        local_irq_disable();
}

void native_bench_run(void)
{
    static const char *const names[] = { "empty", "call", "syscall" };
    size_t code_len = native_user_code_end - native_user_code;
    struct user_space s;

    if (!opt_iters)
        return;
    if (user_space_build(&s, SAMPLES_ORDER)) {
        pr_warn("native bench: out of memory\n");
        return;
    }
    ASSERT(code_len <= PAGE_SIZE);
    memcpy(s.code, native_user_code, code_len);
    printk("native bench: %lu iterations per operation\n", opt_iters);
    for (unsigned int op = NATIVE_OP_EMPTY; op <= NATIVE_OP_SYSCALL; op++) {
        native_run_user(&s, op);
        print_result(names[op], s.data, opt_iters);
    }
    if (nr_cpus_online > 1) {
        native_run_ipi(s.data);
        print_result("ipi-call", s.data, opt_iters);
    }
    user_space_free(&s);
}
