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
 * The ring-3 loops run in a private address space (this CPU's hypervisor
 * mappings plus a user code page, stack and sample array at USER_BASE),
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
#include <asm/smp.h>

#define MAX_ITERS      65536
#define SAMPLES_ORDER  7                        /* 128 pages: MAX_ITERS samples */
#define USER_BASE      0x400000UL               /* code, stack, samples: one L1 */
#define USER_CODE      USER_BASE
#define USER_STACK_TOP (USER_BASE + 2 * PAGE_SIZE)
#define USER_SAMPLES   (USER_BASE + 2 * PAGE_SIZE)
#define USER_TABLE     (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)

BUILD_BUG_ON((MAX_ITERS * 8) >> PAGE_SHIFT != 1 << SAMPLES_ORDER);
BUILD_BUG_ON((USER_SAMPLES >> PAGE_SHIFT) % PT_ENTRIES + (1 << SAMPLES_ORDER) > PT_ENTRIES);

enum native_op { NATIVE_OP_EMPTY, NATIVE_OP_CALL, NATIVE_OP_SYSCALL };

static uint64_t opt_iters;
integer_param("debug_native_bench", opt_iters, 0, MAX_ITERS);

/* native_ring3.S */
void native_bench_enter(uint64_t rip, uint64_t rsp, uint64_t iters, uint64_t samples,
                        uint64_t op);
void native_syscall_handler(void);
extern const char native_user_code[], native_user_code_end[];

/* The private address space: its tables and the pages it maps for ring 3. */
struct native_space {
    pgentry_t *l4, *l3, *l2, *l1;
    void *code, *stack;
    uint64_t *samples;
};

static void native_space_free(struct native_space *s)
{
    void *pages[] = { s->l4, s->l3, s->l2, s->l1, s->code, s->stack };

    for (unsigned int i = 0; i < ARRAY_SIZE(pages); i++)
        if (pages[i])
            free_xenheap_pages(pages[i], 0);
    if (s->samples)
        free_xenheap_pages(s->samples, SAMPLES_ORDER);
}

static void *zeroed_page(void)
{
    void *p = alloc_xenheap_pages(0);

    if (p)
        memset(p, 0, PAGE_SIZE);
    return p;
}

/* This CPU's L4 (hypervisor slots) plus user mappings at USER_BASE. */
static int native_space_build(struct native_space *s)
{
    size_t code_len = native_user_code_end - native_user_code;

    *s = (struct native_space){ 0 };
    s->l4 = zeroed_page();
    s->l3 = zeroed_page();
    s->l2 = zeroed_page();
    s->l1 = zeroed_page();
    s->code = zeroed_page();
    s->stack = zeroed_page();
    s->samples = alloc_xenheap_pages(SAMPLES_ORDER);
    if (!s->l4 || !s->l3 || !s->l2 || !s->l1 || !s->code || !s->stack || !s->samples) {
        native_space_free(s);
        return -1;
    }
    ASSERT(code_len <= PAGE_SIZE);
    memcpy(s->code, native_user_code, code_len);
    memcpy(s->l4, maddr_to_virt(read_cr3() & PTE_ADDR_MASK), PAGE_SIZE);
    s->l4[pt_index(USER_BASE, 4)] = virt_to_maddr(s->l3) | USER_TABLE;
    s->l3[pt_index(USER_BASE, 3)] = virt_to_maddr(s->l2) | USER_TABLE;
    s->l2[pt_index(USER_BASE, 2)] = virt_to_maddr(s->l1) | USER_TABLE;
    s->l1[pt_index(USER_CODE, 1)] = virt_to_maddr(s->code) | _PAGE_PRESENT | _PAGE_USER |
                                    _PAGE_ACCESSED;
    s->l1[pt_index(USER_STACK_TOP - 1, 1)] = virt_to_maddr(s->stack) | USER_TABLE | _PAGE_DIRTY;
    for (unsigned int i = 0; i < 1U << SAMPLES_ORDER; i++)
        s->l1[pt_index(USER_SAMPLES, 1) + i] =
            (virt_to_maddr(s->samples) + i * PAGE_SIZE) | USER_TABLE | _PAGE_DIRTY | _PAGE_NX;
    return 0;
}

static void print_result(const char *op, uint64_t *samples, size_t n)
{
    struct sample_stats st;

    sample_stats(samples, n, &st);
    printk("NATIVE op=%s iters=%lu median_cycles=%lu min_cycles=%lu p90_cycles=%lu "
           "mean_cycles=%lu\n", op, st.n, st.median, st.min, st.p90, st.mean);
}

/* One ring-3 loop of op, opt_iters times, into s->samples. */
static void native_run_user(struct native_space *s, enum native_op op)
{
    unsigned long flags = irq_save();
    uint64_t cr3 = read_cr3(), lstar = rdmsr(MSR_LSTAR);

    write_cr3(virt_to_maddr(s->l4));
    wrmsr(MSR_LSTAR, (uint64_t)native_syscall_handler);
    native_bench_enter(USER_CODE, USER_STACK_TOP, opt_iters, USER_SAMPLES, op);
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
    struct native_space s;

    if (!opt_iters)
        return;
    if (native_space_build(&s)) {
        pr_warn("native bench: out of memory\n");
        return;
    }
    printk("native bench: %lu iterations per operation\n", opt_iters);
    for (unsigned int op = NATIVE_OP_EMPTY; op <= NATIVE_OP_SYSCALL; op++) {
        native_run_user(&s, op);
        print_result(names[op], s.samples, opt_iters);
    }
    if (nr_cpus_online > 1) {
        native_run_ipi(s.samples);
        print_result("ipi-call", s.samples, opt_iters);
    }
    native_space_free(&s);
}
