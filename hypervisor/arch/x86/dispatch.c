/*
 * Dispatching on x86: the arch half of the scheduler. schedule() runs on
 * the way out to a guest (pv_exit_to_guest), with interrupts off, never
 * in the middle of a hypercall: a vCPU that blocks only sets VPF_blocked
 * and is switched away here. The decisions are common/schedule.c's; this
 * file switches registers, arms the per-CPU decision timer, and halts the
 * CPU while there is nothing to run (interrupts wake it: the decision
 * timer, a wake-up IPI, a guest's timer).
 */
#include <sable/domain.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <sable/sched_if.h>
#include <sable/time.h>
#include <sable/timer.h>
#include <asm/apic.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/sched_cost.h>
#include <asm/smp.h>
#include <asm/traps.h>

/* From common/vcpu_time.c: refresh the guest's vcpu_time_info. */
void update_vcpu_system_time(struct vcpu *v);

static struct timer decision_timer[NR_CPUS];

struct vcpu *current_vcpu(void)
{
    return this_cpu_info()->curr;
}

void arch_sched_kick(unsigned int cpu)
{
    if (cpu != smp_processor_id())
        apic_send_ipi(percpu[cpu].apic_id, VEC_IPI_WAKE);
}

static void decision_due(void *data)
{
    sched_cpu((unsigned int)(uintptr_t)data)->need_resched = true;
}

/* Halt until someone sets need_resched; the check and HLT are atomic (STI shadow). */
static void idle_wait(struct sched_cpu *sc)
{
    for (;;) {
        local_irq_disable();
        if (sc->need_resched)
            return;
        safe_halt();
    }
}

/* Decide, arm the timer for the next decision; the vCPU to run or NULL. */
static struct vcpu *decide(unsigned int cpu, struct sched_cpu *sc)
{
    bool timed = sched_cost_on(cpu);
    uint64_t t0 = timed ? rdtsc_ordered() : 0;
    s_time_t until;
    struct vcpu *next;

    sc->need_resched = false;
    next = sched_decide(cpu, (s_time_t)now_ns(), &until);
    if (timed)
        sched_cost_record(SCHED_COST_DECIDE, cpu, rdtsc_ordered() - t0);
    if (until == S_TIME_MAX)
        timer_stop(&decision_timer[cpu]);
    else
        timer_set(&decision_timer[cpu], until);
    return next;
}

/* Stop running prev (its registers saved) and leave the CPU idle. */
static void switch_to_idle(struct vcpu *prev)
{
    arch_context_switch(prev, NULL);
    this_cpu_info()->curr = NULL;
    sched_context_saved(prev);
}

/* From prev (or idle) to next, timed when asked. */
static void switch_to(unsigned int cpu, struct vcpu *prev, struct vcpu *next)
{
    bool timed = sched_cost_on(cpu);
    uint64_t t0 = timed ? rdtsc_ordered() : 0;

    this_cpu_info()->curr = next;
    vcpu_timers_follow(next, cpu);
    arch_context_switch(prev, next);
    update_vcpu_system_time(next);
    if (prev)
        sched_context_saved(prev);
    if (timed)
        sched_cost_record(SCHED_COST_SWITCH, cpu, rdtsc_ordered() - t0);
}

void schedule(void)
{
    unsigned int cpu = smp_processor_id();
    struct sched_cpu *sc = sched_cpu(cpu);
    struct vcpu *prev = current, *next;

    ASSERT(!local_irq_enabled());
    if (prev && !prev->pause_flags && !sc->need_resched)
        return;
    while (!(next = decide(cpu, sc))) {
        if (prev) {
            switch_to_idle(prev);
            prev = NULL;
            local_irq_enable();     /* the check takes ordinary locks */
            boot_domains_check_done();
        }
        idle_wait(sc);
    }
    if (next == prev)
        return;
    switch_to(cpu, prev, next);
}

void sched_cpu_init(unsigned int cpu)
{
    if (sched_cpu_add(cpu))
        panic("sched: no memory for cpu%u's run queue", cpu);
    timer_init(&decision_timer[cpu], decision_due, (void *)(uintptr_t)cpu, cpu);
    sched_cost_cpu_init(cpu);
}
