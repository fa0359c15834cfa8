/*
 * A simple round-robin vCPU scheduler: each physical CPU owns a ring of
 * vCPUs (placed at creation) and runs the runnable ones in turn, 10 ms each.
 * It is the stand-in until the BVT scheduler; the policy lives in
 * sched_pick_next() only.
 *
 * Scheduling happens on the way out to a guest (pv_exit_to_guest calls
 * schedule()), never in the middle of a hypercall: a vCPU that blocks just
 * sets VPF_blocked and is switched away on exit.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/event.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/sched.h>
#include <sable/time.h>
#include <sable/timer.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <asm/apic.h>
#include <asm/traps.h>
#include <public/vcpu.h>
#include <public/xen.h>

#define SLICE_NS (10 * NSEC_PER_MSEC)

struct sched_cpu {
    spinlock_t lock;
    struct vcpu *ring;          /* circular list through next_in_ring */
    unsigned int nr_vcpus;
    volatile bool need_resched;
    struct timer slice;
};

struct sched_vcpu {
    struct vcpu *next_in_ring, *prev_in_ring;
};

static struct sched_cpu sched_cpus[NR_CPUS];

/* From common/vcpu_time.c: refresh the guest's vcpu_time_info. */
void update_vcpu_system_time(struct vcpu *v);

struct vcpu *current_vcpu(void)
{
    return this_cpu_info()->curr;
}

static struct sched_vcpu *sv(struct vcpu *v) { return v->sched_priv; }

static void slice_expired(void *data)
{
    struct sched_cpu *sc = data;
    sc->need_resched = true;
}

/*
 * Placement: the online CPU in mask with the fewest vCPUs (a stand-in for
 * balancing); CPU 0 if mask names no online CPU.
 */
static unsigned int least_loaded_cpu(uint64_t mask)
{
    unsigned int best = NR_CPUS;

    for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
        if (percpu[cpu].online && (mask & (1ULL << cpu)) &&
            (best == NR_CPUS || sched_cpus[cpu].nr_vcpus < sched_cpus[best].nr_vcpus))
            best = cpu;
    return best == NR_CPUS ? 0 : best;
}

/* Parameters are kept for the BVT scheduler; round-robin only checks them. */
int sched_init_domain(struct domain *d, const struct sched_params *p)
{
    if (p->weight == 0 || p->weight > SCHED_WEIGHT_MAX || p->cap > 100 * d->max_vcpus ||
        p->warp > SCHED_WARP_MAX || p->warpl > SCHED_WARP_TIME_MAX ||
        p->warpu > SCHED_WARP_TIME_MAX)
        return -EINVAL;
    return 0;
}

void sched_destroy_domain(struct domain *d)
{
}

int sched_init_vcpu(struct vcpu *v, unsigned int processor)
{
    struct sched_cpu *sc;
    struct sched_vcpu *s = xzalloc(struct sched_vcpu);
    unsigned long flags;

    (void)processor;            /* the round-robin policy places vCPUs itself */
    processor = least_loaded_cpu(v->hard_affinity);
    sc = &sched_cpus[processor];

    if (!s)
        return -ENOMEM;
    v->sched_priv = s;
    v->processor = processor;
    v->runstate = RUNSTATE_offline;
    v->runstate_entry_time = now_ns();
    flags = spin_lock_irqsave(&sc->lock);
    if (!sc->ring) {
        s->next_in_ring = s->prev_in_ring = v;
        sc->ring = v;
    } else {
        struct vcpu *head = sc->ring, *tail = sv(head)->prev_in_ring;
        s->next_in_ring = head;
        s->prev_in_ring = tail;
        sv(tail)->next_in_ring = v;
        sv(head)->prev_in_ring = v;
    }
    sc->nr_vcpus++;
    spin_unlock_irqrestore(&sc->lock, flags);
    return 0;
}

void sched_destroy_vcpu(struct vcpu *v)
{
    struct sched_cpu *sc = &sched_cpus[v->processor];
    struct sched_vcpu *s = sv(v);
    unsigned long flags;

    if (!s)
        return;
    ASSERT(!v->is_running);
    flags = spin_lock_irqsave(&sc->lock);
    if (s->next_in_ring == v) {
        sc->ring = NULL;
    } else {
        sv(s->prev_in_ring)->next_in_ring = s->next_in_ring;
        sv(s->next_in_ring)->prev_in_ring = s->prev_in_ring;
        if (sc->ring == v)
            sc->ring = s->next_in_ring;
    }
    sc->nr_vcpus--;
    spin_unlock_irqrestore(&sc->lock, flags);
    xfree(s);
    v->sched_priv = NULL;
}

static void runstate_change(struct vcpu *v, int new_state, uint64_t now)
{
    v->runstate_time[v->runstate] += now - v->runstate_entry_time;
    v->runstate = new_state;
    v->runstate_entry_time = now;
}

static int idle_runstate(const struct vcpu *v)
{
    if (v->pause_flags & (VPF_down | VPF_paused | VPF_crashed))
        return RUNSTATE_offline;
    return v->pause_flags ? RUNSTATE_blocked : RUNSTATE_runnable;
}

/* Policy: the next runnable vCPU after prev in ring order, or NULL. */
static struct vcpu *sched_pick_next(struct sched_cpu *sc, struct vcpu *prev)
{
    struct vcpu *start = prev ? sv(prev)->next_in_ring : sc->ring, *v = start;

    if (!v)
        return NULL;
    do {
        if (!v->pause_flags)
            return v;
        v = sv(v)->next_in_ring;
    } while (v != start);
    return NULL;
}

void schedule(void)
{
    unsigned int cpu = smp_processor_id();
    struct sched_cpu *sc = &sched_cpus[cpu];
    struct vcpu *prev = current, *next;
    uint64_t now;

    ASSERT(!local_irq_enabled());
    if (prev && !prev->pause_flags && !sc->need_resched)
        return;
    for (;;) {
        sc->need_resched = false;
        spin_lock(&sc->lock);
        next = sched_pick_next(sc, prev);
        spin_unlock(&sc->lock);
        if (next)
            break;
        if (prev && !prev->pause_flags) {
            next = prev;        /* nobody else: keep going */
            break;
        }
        /* Idle: wait with interrupts on until a wake-up raises need_resched. */
        if (prev) {
            arch_context_switch(prev, NULL);
            runstate_change(prev, idle_runstate(prev), now_ns());
            prev->is_running = false;
            this_cpu_info()->curr = NULL;
            prev = NULL;
            local_irq_enable();     /* the check takes ordinary locks */
            boot_domains_check_done();
            local_irq_disable();
        }
        while (!sc->need_resched)
            safe_halt();
        local_irq_disable();
    }

    now = now_ns();
    if (next != prev) {
        if (prev) {
            runstate_change(prev, idle_runstate(prev), now);
            prev->is_running = false;
        }
        runstate_change(next, RUNSTATE_running, now);
        next->is_running = true;
        this_cpu_info()->curr = next;
        arch_context_switch(prev, next);
        update_vcpu_system_time(next);
    }
    if (sc->nr_vcpus > 1)
        timer_set(&sc->slice, now + SLICE_NS);
}

void sched_raise(unsigned int cpu)
{
    sched_cpus[cpu].need_resched = true;
    if (cpu != smp_processor_id())
        apic_send_ipi(percpu[cpu].apic_id, VEC_IPI_WAKE);
}

void vcpu_wake(struct vcpu *v)
{
    if (!v->pause_flags)
        sched_raise(v->processor);
}

void vcpu_sleep(struct vcpu *v)
{
    if (v->is_running)
        sched_raise(v->processor);
}

void vcpu_yield(void)
{
    sched_cpus[smp_processor_id()].need_resched = true;
}

void vcpu_block(void)
{
    struct vcpu *v = current;

    v->vcpu_info->evtchn_upcall_mask = 0;
    __atomic_or_fetch(&v->pause_flags, VPF_blocked, __ATOMIC_SEQ_CST);
    if (vcpu_event_pending(v))
        __atomic_and_fetch(&v->pause_flags, ~VPF_blocked, __ATOMIC_SEQ_CST);
}

void arch_vcpu_kick(struct vcpu *v)
{
    uint32_t old = __atomic_fetch_and(&v->pause_flags, ~VPF_blocked, __ATOMIC_SEQ_CST);

    if (old & VPF_blocked)
        vcpu_wake(v);
    else if (v->is_running && v->processor != smp_processor_id())
        sched_raise(v->processor);
}

/*
 * Per-CPU set-up: the slice timer. (VEC_IPI_WAKE, which sched_raise sends,
 * is handled by the timer code; any interrupt ends the idle halt.)
 */
void sched_cpu_init(unsigned int cpu)
{
    timer_init(&sched_cpus[cpu].slice, slice_expired, &sched_cpus[cpu], cpu);
}
