/*
 * SMP: starting the application processors, and the IPIs between CPUs
 * (run a function elsewhere and wait; stop everyone else on panic).
 *
 * APs are started one at a time with INIT-SIPI-SIPI (Intel MP spec B.4,
 * SDM 9.4.4) into trampoline.S, which needs nothing from the real page
 * table at address 0: it runs on a private copy of the L4 with the
 * trampoline page identity-mapped, then switches to idle_pg_table_pa.
 */
#include <sable/cmdline.h>
#include <sable/console.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/spinlock.h>
#include <sable/time.h>
#include <sable/timer.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/memlayout.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <asm/pv.h>
#include <sable/sched.h>
#include <asm/svm.h>
#include <asm/traps.h>

#define PTE_P   0x001
#define PTE_RW  0x002
#define AP_TIMEOUT_NS    (1000 * NSEC_PER_MSEC)
#define STOP_TIMEOUT_US  100000

/* maxcpus=<n>: start at most n CPUs, the boot CPU included. */
static uint64_t opt_maxcpus;
integer_param("maxcpus", opt_maxcpus, 1, UINT32_MAX);

extern const char trampoline_start[], trampoline_end[], tramp_data[];
void ap_entry64(void);
void smp_ap_start(void) __noreturn;

/* The real page table, loaded by ap_entry64 (trampoline.S). */
uint64_t ap_boot_cr3;

/* What the AP being started needs; one AP at a time. */
static struct {
    unsigned int cpu;
    uint64_t cr4, pat;
    volatile bool alive;        /* set by the AP once on its own GDT/IDT */
} ap_boot;

/* The temporary page table: image-resident, so below 4 GiB for a 32-bit CR3. */
static uint64_t tramp_l4[512] __aligned(PAGE_SIZE);
static uint64_t tramp_l3[512] __aligned(PAGE_SIZE);
static uint64_t tramp_l2[512] __aligned(PAGE_SIZE);
static uint64_t tramp_l1[512] __aligned(PAGE_SIZE);

/* smp_call_function: one request at a time, guarded by call_lock. */
static spinlock_t call_lock = SPINLOCK_INIT;
static struct {
    void (*fn)(void *);
    void *arg;
    unsigned int pending;       /* targets that have not finished */
} call;

static unsigned int nr_stopped;

/*
 * Copy the trampoline below 1 MiB and build its page table: the hypervisor's
 * L4 (image, direct map: where the AP's stack and code are) plus slot 0 ->
 * an identity map of the one trampoline page. Also capture the control
 * registers every AP must share with the boot CPU.
 */
static struct trampoline_data *trampoline_setup(void)
{
    struct trampoline_data *td;
    paddr_t l4_pa = virt_to_maddr(tramp_l4);

    ASSERT(trampoline_end - trampoline_start <= (long)PAGE_SIZE);
    memcpy(maddr_to_virt(TRAMPOLINE_PA), trampoline_start,
           trampoline_end - trampoline_start);
    td = maddr_to_virt(TRAMPOLINE_PA + (tramp_data - trampoline_start));

    memcpy(tramp_l4, maddr_to_virt(idle_pg_table_pa), PAGE_SIZE);
    tramp_l4[0] = virt_to_maddr(tramp_l3) | PTE_P | PTE_RW;
    tramp_l3[0] = virt_to_maddr(tramp_l2) | PTE_P | PTE_RW;
    tramp_l2[0] = virt_to_maddr(tramp_l1) | PTE_P | PTE_RW;
    tramp_l1[TRAMPOLINE_PA >> PAGE_SHIFT] = TRAMPOLINE_PA | PTE_P | PTE_RW;
    ASSERT(l4_pa < (1ULL << 32));

    ap_boot_cr3 = idle_pg_table_pa;
    ap_boot.cr4 = read_cr4();
    ap_boot.pat = rdmsr(MSR_PAT);
    td->cr3 = (uint32_t)l4_pa;
    td->cr0 = (uint32_t)read_cr0();
    td->efer = rdmsr(MSR_EFER) & ~EFER_LMA;
    td->entry = (uint64_t)ap_entry64;
    return td;
}

/* The AP's C entry, on its own stack, on the real page table. */
void smp_ap_start(void)
{
    unsigned int cpu = ap_boot.cpu;

    write_cr4(ap_boot.cr4);
    wrmsr(MSR_PAT, ap_boot.pat);
    desc_init_cpu(&percpu[cpu]);
    __atomic_store_n(&ap_boot.alive, true, __ATOMIC_RELEASE);
    apic_init_ap();
    time_sync_ap(cpu);
    timer_cpu_init();
    svm_cpu_init();
    printk("cpu%u: online (APIC id %u)\n", cpu, apic_id());
    __atomic_store_n(&percpu[cpu].online, true, __ATOMIC_RELEASE);
    /* Idle in the scheduler: it halts until a vCPU placed here can run. */
    sched_cpu_init(cpu);
    reset_stack_and_exit();
}

/* Spin until *flag is set or timeout_ns pass; false on timeout. */
static bool wait_for(volatile bool *flag, uint64_t timeout_ns)
{
    uint64_t end = now_ns() + timeout_ns;

    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
        if (now_ns() > end)
            return false;
    return true;
}

/*
 * Start one AP as logical CPU cpu: give it a stack block, then INIT, 10 ms,
 * SIPI, and a second SIPI if it has not answered 200 us later. An AP that
 * does not come up is put back into INIT, so that it cannot wake later on
 * a stack handed to someone else (its block is not reused).
 */
static int smp_start_cpu(unsigned int cpu, uint32_t apic, struct trampoline_data *td)
{
    void *block = alloc_xenheap_pages(STACK_ORDER);
    struct cpu_info *ci;
    int rc = -ENOMEM;

    if (!block)
        goto out;
    ASSERT(IS_ALIGNED((vaddr_t)block, STACK_SIZE));
    ci = (struct cpu_info *)percpu_stack_init(block, cpu);
    ci->apic_id = apic;
    percpu[cpu].apic_id = apic;
    percpu[cpu].online = false;
    ap_boot.cpu = cpu;
    ap_boot.alive = false;
    td->stack = (uint64_t)ci;
    mb();

    apic_send_init(apic);
    apic_send_init_deassert(apic);
    mdelay(10);
    for (int i = 0; i < 2 && !ap_boot.alive; i++) {
        apic_send_sipi(apic, TRAMPOLINE_PA);
        udelay(200);
    }
    rc = -ETIMEDOUT;
    if (!wait_for(&ap_boot.alive, AP_TIMEOUT_NS))
        goto fail;
    time_sync_bsp(cpu);
    if (!wait_for(&percpu[cpu].online, AP_TIMEOUT_NS))
        goto fail;
    rc = 0;
    goto out;
fail:
    apic_send_init(apic);
out:
    return rc;
}

/* VEC_IPI_CALL: run the posted function, then count ourselves done. */
static void call_interrupt(struct cpu_regs *regs, unsigned int vector)
{
    void (*fn)(void *) = call.fn;
    void *arg = call.arg;

    apic_eoi();
    fn(arg);
    __atomic_sub_fetch(&call.pending, 1, __ATOMIC_RELEASE);
}

/* Run fn here as the IPI handler would: interrupts off. */
static void call_local(void (*fn)(void *), void *arg)
{
    unsigned long flags = irq_save();

    fn(arg);
    irq_restore(flags);
}

/*
 * Post fn, IPI the target, wait until it has run. call_lock is taken with
 * interrupts on, so a CPU waiting for it still serves other callers' IPIs.
 */
int smp_call_function(unsigned int cpu, void (*fn)(void *), void *arg)
{
    if (cpu >= NR_CPUS || !percpu[cpu].online)
        return -EINVAL;
    if (cpu == smp_processor_id()) {
        call_local(fn, arg);
        return 0;
    }
    ASSERT(local_irq_enabled());
    spin_lock(&call_lock);
    call.fn = fn;
    call.arg = arg;
    call.pending = 1;
    apic_send_ipi(percpu[cpu].apic_id, VEC_IPI_CALL);
    while (__atomic_load_n(&call.pending, __ATOMIC_ACQUIRE))
        cpu_relax();
    spin_unlock(&call_lock);
    return 0;
}

/* The same with every online CPU as a target; this CPU runs fn meanwhile. */
void smp_call_function_all(void (*fn)(void *), void *arg)
{
    unsigned int self = smp_processor_id();

    ASSERT(local_irq_enabled());
    spin_lock(&call_lock);
    call.fn = fn;
    call.arg = arg;
    call.pending = 0;
    for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
        if (cpu != self && percpu[cpu].online)
            call.pending++;
    mb();
    for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
        if (cpu != self && percpu[cpu].online)
            apic_send_ipi(percpu[cpu].apic_id, VEC_IPI_CALL);
    call_local(fn, arg);
    while (__atomic_load_n(&call.pending, __ATOMIC_ACQUIRE))
        cpu_relax();
    spin_unlock(&call_lock);
}

/* VEC_IPI_STOP: leave the online set and halt for good, interrupts off. */
static void stop_interrupt(struct cpu_regs *regs, unsigned int vector)
{
    local_irq_disable();
    percpu[smp_processor_id()].online = false;
    __atomic_add_fetch(&nr_stopped, 1, __ATOMIC_RELEASE);
    for (;;)
        halt();
}

/*
 * The panic path: every other CPU halts with interrupts off. A CPU that is
 * spinning with interrupts off cannot take the IPI; it is given 100 ms and
 * then left alone (the caller writes without the console lock anyway).
 */
void smp_stop_others(void)
{
    unsigned int others = nr_cpus_online - 1;

    if (!apic_ready() || nr_cpus_online <= 1)
        return;
    apic_send_ipi_allbutself(VEC_IPI_STOP);
    for (int i = 0; i < STOP_TIMEOUT_US &&
                    __atomic_load_n(&nr_stopped, __ATOMIC_ACQUIRE) < others; i++)
        udelay(1);
}

/*
 * Start the enabled MADT CPUs in table order, numbering those that come up
 * 1, 2, ...; a CPU that does not answer is reported and skipped.
 */
void smp_boot(void)
{
    const struct acpi_madt_info *m = &acpi_info.madt;
    unsigned int max = opt_maxcpus ? MIN(opt_maxcpus, (uint64_t)NR_CPUS) : NR_CPUS;
    unsigned int left = 0;
    uint32_t self = apic_id();
    struct trampoline_data *td = NULL;

    percpu[0].apic_id = self;
    this_cpu_info()->apic_id = self;
    irq_register(VEC_IPI_CALL, call_interrupt);
    irq_register(VEC_IPI_STOP, stop_interrupt);
    for (unsigned int i = 0; acpi_info.have_madt && i < m->nr_cpus; i++) {
        const struct acpi_cpu *c = &m->cpus[i];
        int rc;

        if (!c->enabled || c->apic_id == self)
            continue;
        if (nr_cpus_online >= max) {
            left++;
            continue;
        }
        if (!apic_id_reachable(c->apic_id)) {
            pr_warn("smp: APIC id %u needs x2APIC mode; CPU skipped\n", c->apic_id);
            continue;
        }
        if (!td)
            td = trampoline_setup();
        rc = smp_start_cpu(nr_cpus_online, c->apic_id, td);
        if (rc)
            pr_warn("smp: CPU with APIC id %u did not come up (%d); skipped\n",
                    c->apic_id, rc);
        else
            nr_cpus_online++;
    }
    if (left)
        printk("smp: %u CPU%s left offline (maxcpus=%u)\n", left, left == 1 ? "" : "s", max);
    printk("smp: %u CPU%s online\n", nr_cpus_online, nr_cpus_online == 1 ? "" : "s");
    timer_selftest();
}
