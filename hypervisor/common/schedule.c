/*
 * The scheduler core: per-CPU run queues, what runs where, wake-up and
 * sleep, placement by affinity, load balancing, runstate accounting; the
 * order within a queue is the policy's (sable/sched_if.h; BVT in
 * common/sched_bvt.c). Portable: the arch calls sched_decide() from
 * schedule() on the way out to a guest and does the register switch and
 * the idle halt (arch/x86/dispatch.c); the host unit tests call it with
 * simulated time.
 *
 * A vCPU ("unit" here) is idle, queued on vcpu->processor, or running
 * there. Its registers stay loaded after it stops running until the arch
 * has saved them (vcpu.is_running, cleared by sched_context_saved), and no
 * CPU may load it before: queued units that are still loaded elsewhere
 * are passed over, and the saving CPU pokes the queue they are on.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/event.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/sched.h>
#include <sable/sched_if.h>
#include <sable/time.h>
#include <public/vcpu.h>

#define BALANCE_NS  (10 * NSEC_PER_MSEC)    /* how often a busy CPU looks at the others */

static const struct sched_policy *policy = &sched_bvt_policy;
static struct sched_cpu cpus[SCHED_MAX_CPUS];
static uint64_t online_mask;
static spinlock_t params_lock = SPINLOCK_INIT;  /* serialises sched_adjust */
static uint64_t nr_decisions, nr_migrations;    /* statistics, racy */

struct sched_cpu *sched_cpu(unsigned int cpu)
{
    return &cpus[cpu];
}

uint64_t sched_cpus_online(void)
{
    return __atomic_load_n(&online_mask, __ATOMIC_ACQUIRE);
}

unsigned int sched_policy_id(void)
{
    return policy->sched_id;
}

static uint64_t cpu_bit(unsigned int cpu)
{
    return 1ULL << cpu;
}

/* ---- locking ---- */

/* Lock the CPU v is on (it may move while we wait: check and retry). */
static struct sched_cpu *lock_vcpu(const struct vcpu *v, unsigned long *flags)
{
    for (;;) {
        unsigned int cpu = __atomic_load_n(&v->processor, __ATOMIC_ACQUIRE);
        struct sched_cpu *sc = &cpus[cpu];

        *flags = spin_lock_irqsave(&sc->lock);
        if (__atomic_load_n(&v->processor, __ATOMIC_RELAXED) == cpu)
            return sc;
        spin_unlock_irqrestore(&sc->lock, *flags);
    }
}

/* Both CPUs' locks, lower number first (one lock when a == b). */
static unsigned long lock_two(struct sched_cpu *a, struct sched_cpu *b)
{
    unsigned long flags;

    if (a == b)
        return spin_lock_irqsave(&a->lock);
    if (a->cpu > b->cpu) {
        struct sched_cpu *t = a;
        a = b;
        b = t;
    }
    flags = spin_lock_irqsave(&a->lock);
    spin_lock(&b->lock);
    return flags;
}

static void unlock_two(struct sched_cpu *a, struct sched_cpu *b, unsigned long flags)
{
    if (a != b)
        spin_unlock(&b->lock);
    spin_unlock_irqrestore(&a->lock, flags);
}

void sched_raise(unsigned int cpu)
{
    cpus[cpu].need_resched = true;
    arch_sched_kick(cpu);
}

/* ---- runstates (under the unit's CPU lock) ---- */

static void runstate_set(struct vcpu *v, int state, s_time_t now)
{
    uint64_t t = (uint64_t)now;

    if (t > v->runstate_entry_time)
        v->runstate_time[v->runstate] += t - v->runstate_entry_time;
    v->runstate = state;
    v->runstate_entry_time = MAX(t, v->runstate_entry_time);
}

/* The runstate of a vCPU that is not running and not queued. */
static int idle_runstate(const struct vcpu *v)
{
    if (v->pause_flags & (VPF_down | VPF_paused | VPF_crashed))
        return RUNSTATE_offline;
    return v->pause_flags ? RUNSTATE_blocked : RUNSTATE_runnable;
}

/* ---- placement ---- */

bool sched_unit_eligible(const struct sched_unit *u, unsigned int cpu)
{
    const struct vcpu *v = u->vcpu;

    return !__atomic_load_n(&v->pause_flags, __ATOMIC_ACQUIRE) &&
           (v->hard_affinity & cpu_bit(cpu)) &&
           !__atomic_load_n(&v->is_running, __ATOMIC_ACQUIRE);
}

/* Nothing running and nothing waiting (a racy snapshot). */
static bool cpu_is_idle(unsigned int cpu)
{
    return !__atomic_load_n(&cpus[cpu].curr, __ATOMIC_RELAXED) &&
           !__atomic_load_n(&cpus[cpu].nr_queued, __ATOMIC_RELAXED);
}

static unsigned int cpu_load(unsigned int cpu)
{
    return __atomic_load_n(&cpus[cpu].nr_queued, __ATOMIC_RELAXED) +
           (__atomic_load_n(&cpus[cpu].curr, __ATOMIC_RELAXED) ? 1 : 0);
}

/* An idle CPU of mask, looking from after `from` round (spreads wake-ups). */
static int idle_cpu_in(uint64_t mask, unsigned int from)
{
    for (unsigned int i = 1; i <= SCHED_MAX_CPUS; i++) {
        unsigned int cpu = (from + i) % SCHED_MAX_CPUS;
        if ((mask & cpu_bit(cpu)) && cpu_is_idle(cpu))
            return (int)cpu;
    }
    return -1;
}

/* The CPU of mask with the least to run (CPU 0 if mask is empty). */
static unsigned int least_loaded_in(uint64_t mask)
{
    unsigned int best = SCHED_MAX_CPUS;

    for (unsigned int cpu = 0; cpu < SCHED_MAX_CPUS; cpu++)
        if ((mask & cpu_bit(cpu)) && (best == SCHED_MAX_CPUS || cpu_load(cpu) < cpu_load(best)))
            best = cpu;
    return best == SCHED_MAX_CPUS ? 0 : best;
}

/* CPUs v may run on (its hard affinity, or every CPU if that names none online). */
static uint64_t vcpu_allowed(const struct vcpu *v)
{
    uint64_t online = sched_cpus_online(), allowed = v->hard_affinity & online;

    return allowed ? allowed : online;
}

/*
 * Where a waking vCPU should queue: an idle CPU, preferring its previous
 * one and its soft affinity; else the previous CPU if allowed (its cache);
 * else the least loaded allowed CPU.
 */
static unsigned int pick_cpu(const struct vcpu *v)
{
    uint64_t allowed = vcpu_allowed(v), soft = allowed & v->soft_affinity;
    unsigned int prev = v->processor;
    int idle;

    if (!soft)
        soft = allowed;
    if ((soft & cpu_bit(prev)) && cpu_is_idle(prev))
        return prev;
    if ((idle = idle_cpu_in(soft, prev)) >= 0)
        return (unsigned int)idle;
    if ((idle = idle_cpu_in(allowed, prev)) >= 0)
        return (unsigned int)idle;
    if (soft & cpu_bit(prev))
        return prev;
    return least_loaded_in(soft);
}

/* Move unit u (not queued, not running) from one CPU to another; both locked. */
static void unit_move(struct sched_cpu *from, struct sched_cpu *to, struct sched_unit *u)
{
    if (from == to)
        return;
    policy->migrate(from, to, u);
    from->nr_units--;
    to->nr_units++;
    __atomic_store_n(&u->vcpu->processor, to->cpu, __ATOMIC_RELEASE);
    __atomic_fetch_add(&nr_migrations, 1, __ATOMIC_RELAXED);
}

static void unit_enqueue(struct sched_cpu *sc, struct sched_unit *u, bool woken, s_time_t now)
{
    policy->enqueue(sc, u, woken, now);
    u->state = SU_queued;
    sc->nr_queued++;
}

static void unit_dequeue(struct sched_cpu *sc, struct sched_unit *u)
{
    policy->dequeue(sc, u);
    u->state = SU_idle;
    sc->nr_queued--;
}

/*
 * v became runnable (or must be placed again): queue it on the CPU
 * pick_cpu chooses and poke that CPU if v should preempt what runs there.
 * Nothing happens if v is not runnable, already queued or running, or
 * still loaded on a CPU that will place it once saved.
 */
static void unit_place(struct vcpu *v, bool woken)
{
    struct sched_unit *u = vcpu_unit(v);
    struct sched_cpu *from, *to;
    s_time_t now = (s_time_t)now_ns();
    unsigned long flags;
    bool poke;

    for (;;) {
        from = lock_vcpu(v, &flags);
        if (u->state != SU_idle || v->pause_flags || u->migrate) {
            if (u->state == SU_idle && v->pause_flags && v->runstate == RUNSTATE_runnable)
                runstate_set(v, idle_runstate(v), now);     /* stopped while being moved */
            spin_unlock_irqrestore(&from->lock, flags);
            return;
        }
        to = &cpus[pick_cpu(v)];
        if (to == from)
            break;
        spin_unlock_irqrestore(&from->lock, flags);
        flags = lock_two(from, to);
        if (v->processor == from->cpu && u->state == SU_idle && !v->pause_flags && !u->migrate)
            break;
        unlock_two(from, to, flags);
    }
    unit_move(from, to, u);
    runstate_set(v, RUNSTATE_runnable, now);
    unit_enqueue(to, u, woken, now);
    /* Preempt now, or decide again sooner than planned. */
    poke = !to->curr || policy->preempt_at(to, u, now) < to->until;
    unlock_two(from, to, flags);
    if (poke)
        sched_raise(to->cpu);
}

/* ---- what the rest of the hypervisor calls ---- */

void vcpu_wake(struct vcpu *v)
{
    if (v->sched_priv)
        unit_place(v, true);
}

/* v got a pause flag: take it off its queue, or have its CPU reschedule. */
void vcpu_sleep(struct vcpu *v)
{
    struct sched_unit *u = vcpu_unit(v);
    struct sched_cpu *sc;
    unsigned long flags;
    bool poke = false;

    if (!u)
        return;
    sc = lock_vcpu(v, &flags);
    if (v->pause_flags && u->state == SU_queued) {
        s_time_t now = (s_time_t)now_ns();
        unit_dequeue(sc, u);
        policy->block(sc, u, now);
        runstate_set(v, idle_runstate(v), now);
    } else if (v->pause_flags && u->state == SU_running) {
        poke = true;
    }
    spin_unlock_irqrestore(&sc->lock, flags);
    if (poke)
        sched_raise(sc->cpu);
}

void vcpu_yield(void)
{
    struct vcpu *v = current;

    vcpu_unit(v)->yield = true;
    sched_raise(v->processor);
}

void vcpu_block(void)
{
    struct vcpu *v = current;

    v->vcpu_info->evtchn_upcall_mask = 0;
    __atomic_or_fetch(&v->pause_flags, VPF_blocked, __ATOMIC_SEQ_CST);
    if (vcpu_event_pending(v))
        __atomic_and_fetch(&v->pause_flags, ~VPF_blocked, __ATOMIC_SEQ_CST);
}

/* An event for v: end its block, or make a running v look at it soon. */
void arch_vcpu_kick(struct vcpu *v)
{
    uint32_t old = __atomic_fetch_and(&v->pause_flags, ~VPF_blocked, __ATOMIC_SEQ_CST);

    if (old & VPF_blocked)
        vcpu_wake(v);
    else if (__atomic_load_n(&v->is_running, __ATOMIC_ACQUIRE))
        arch_sched_kick(v->processor);  /* through its exit path: events are delivered there */
}

/* ---- load balancing ---- */

/*
 * Move one queued unit that may run on `to` from `from` to `to`'s queue.
 * Takes both locks; true if one moved.
 */
static bool steal_one(struct sched_cpu *from, struct sched_cpu *to, s_time_t now)
{
    unsigned long flags = lock_two(from, to);
    struct sched_unit *u = policy->steal(from, to->cpu, now);

    if (u) {
        unit_dequeue(from, u);
        unit_move(from, to, u);
        unit_enqueue(to, u, false, now);
    }
    unlock_two(from, to, flags);
    return u != NULL;
}

/* cpu is about to idle: take work from the busiest CPU that has some for it. */
static bool balance_idle(unsigned int cpu, s_time_t now)
{
    uint64_t tried = cpu_bit(cpu);

    for (;;) {
        unsigned int busiest = SCHED_MAX_CPUS;
        for (unsigned int c = 0; c < SCHED_MAX_CPUS; c++)
            if ((sched_cpus_online() & ~tried & cpu_bit(c)) && cpus[c].nr_queued &&
                (busiest == SCHED_MAX_CPUS || cpus[c].nr_queued > cpus[busiest].nr_queued))
                busiest = c;
        if (busiest == SCHED_MAX_CPUS)
            return false;
        if (steal_one(&cpus[busiest], &cpus[cpu], now))
            return true;
        tried |= cpu_bit(busiest);
    }
}

/*
 * Every BALANCE_NS on a busy CPU: if some CPU has at least two fewer
 * vCPUs to run, push one of ours there. (Idle CPUs pull for themselves.)
 */
static void balance_push(unsigned int cpu, s_time_t now)
{
    unsigned int target = least_loaded_in(sched_cpus_online());

    if (target == SCHED_MAX_CPUS || cpu_load(target) + 2 > cpu_load(cpu))
        return;
    if (steal_one(&cpus[cpu], &cpus[target], now))
        sched_raise(target);
}

/* ---- the decision ---- */

/* Account what prev ran; decide whether it may go on here. Locked. */
static struct sched_unit *decide_prev(struct sched_cpu *sc, s_time_t now)
{
    struct sched_unit *prev = sc->curr;
    struct vcpu *v;

    if (!prev)
        return NULL;
    v = prev->vcpu;
    policy->charge(sc, prev, now - sc->dispatched, now);
    sc->curr = NULL;
    if (!v->pause_flags && (v->hard_affinity & cpu_bit(sc->cpu)))
        return prev;
    prev->state = SU_idle;
    if (v->pause_flags) {
        policy->block(sc, prev, now);
        runstate_set(v, idle_runstate(v), now);
    } else {
        prev->migrate = true;               /* placed again once its registers are saved */
        runstate_set(v, RUNSTATE_runnable, now);
    }
    return NULL;
}

/* Make the outcome of pick() true. Locked. */
static void decide_commit(struct sched_cpu *sc, struct sched_unit *stay,
                          struct sched_unit *next, s_time_t now)
{
    if (stay && next != stay) {             /* pick() queued it */
        stay->state = SU_queued;
        sc->nr_queued++;
        runstate_set(stay->vcpu, RUNSTATE_runnable, now);
    }
    if (next && next != stay) {             /* pick() took it off the queue */
        sc->nr_queued--;
        runstate_set(next->vcpu, RUNSTATE_running, now);
        __atomic_store_n(&next->vcpu->is_running, true, __ATOMIC_RELEASE);
        sc->nr_switches++;
    }
    if (next)
        next->state = SU_running;
    __atomic_store_n(&sc->curr, next, __ATOMIC_RELEASE);
    sc->dispatched = now;
}

struct vcpu *sched_decide(unsigned int cpu, s_time_t now, s_time_t *until)
{
    struct sched_cpu *sc = &cpus[cpu];
    struct sched_unit *stay;
    struct sched_pick pick;
    unsigned long flags;
    bool yield, stole;

    __atomic_fetch_add(&nr_decisions, 1, __ATOMIC_RELAXED);
    if (now >= sc->next_balance && sc->curr && sc->nr_queued) {
        sc->next_balance = now + BALANCE_NS;
        balance_push(cpu, now);
    }
    flags = spin_lock_irqsave(&sc->lock);
    yield = sc->curr && sc->curr->yield;
    if (sc->curr)
        sc->curr->yield = false;
    stay = decide_prev(sc, now);
    pick = policy->pick(sc, stay, yield, now);
    if (stay && pick.next != stay) {
        decide_commit(sc, stay, NULL, now);     /* stay is queued now */
        stay = NULL;
    }
    if (!pick.next) {                       /* idle: take work from a busier CPU */
        spin_unlock_irqrestore(&sc->lock, flags);
        stole = balance_idle(cpu, now);
        flags = spin_lock_irqsave(&sc->lock);
        if (stole) {
            s_time_t wake = pick.until;
            pick = policy->pick(sc, NULL, false, now);
            pick.until = MIN(pick.until, wake);
        }
    }
    decide_commit(sc, stay, pick.next, now);
    sc->until = pick.until;
    spin_unlock_irqrestore(&sc->lock, flags);
    *until = pick.until;
    return pick.next ? pick.next->vcpu : NULL;
}

void sched_context_saved(struct vcpu *v)
{
    struct sched_unit *u = vcpu_unit(v);
    struct sched_cpu *sc;
    unsigned long flags;
    bool place, poke;

    sc = lock_vcpu(v, &flags);
    __atomic_store_n(&v->is_running, false, __ATOMIC_RELEASE);
    place = u->migrate;
    u->migrate = false;
    poke = u->state == SU_queued;
    spin_unlock_irqrestore(&sc->lock, flags);
    if (place)
        unit_place(v, false);
    else if (poke)
        sched_raise(sc->cpu);       /* it may have been passed over while loaded */
}

/* ---- set-up and parameters ---- */

int sched_cpu_add(unsigned int cpu)
{
    struct sched_cpu *sc = &cpus[cpu];
    int rc = 0;

    ASSERT(cpu < SCHED_MAX_CPUS);
    if (sc->online)
        return 0;
    sc->cpu = cpu;
    sc->lock = (spinlock_t)SPINLOCK_INIT;
    rc = policy->cpu_init(sc);
    if (rc)
        return rc;
    sc->online = true;
    __atomic_fetch_or(&online_mask, cpu_bit(cpu), __ATOMIC_RELEASE);
    return 0;
}

int sched_init_domain(struct domain *d, const struct sched_params *p)
{
    int rc = policy->params_check(d, p);

    return rc ? rc : policy->dom_init(d, p);
}

void sched_destroy_domain(struct domain *d)
{
    if (d->sched_priv)
        policy->dom_destroy(d);
}

int sched_init_vcpu(struct vcpu *v, unsigned int processor)
{
    struct sched_unit *u = xzalloc(struct sched_unit);
    struct sched_cpu *sc;
    unsigned long flags;
    int rc;

    if (!u)
        return -ENOMEM;
    u->vcpu = v;
    u->state = SU_idle;
    v->processor = least_loaded_in(vcpu_allowed(v));
    sc = &cpus[v->processor];
    v->runstate = RUNSTATE_offline;
    v->runstate_entry_time = now_ns();
    flags = spin_lock_irqsave(&sc->lock);
    rc = policy->unit_init(sc, u);
    if (!rc) {
        sc->nr_units++;
        v->sched_priv = u;
    }
    spin_unlock_irqrestore(&sc->lock, flags);
    if (rc)
        xfree(u);
    return rc;
}

void sched_destroy_vcpu(struct vcpu *v)
{
    struct sched_unit *u = vcpu_unit(v);
    struct sched_cpu *sc;
    unsigned long flags;

    if (!u)
        return;
    ASSERT(!v->is_running && u->state != SU_running);
    sc = lock_vcpu(v, &flags);
    if (u->state == SU_queued)
        unit_dequeue(sc, u);
    policy->unit_destroy(u);
    sc->nr_units--;
    v->sched_priv = NULL;
    spin_unlock_irqrestore(&sc->lock, flags);
    xfree(u);
}

/* Every CPU decides again (parameters changed). */
static void raise_all(void)
{
    for (unsigned int cpu = 0; cpu < SCHED_MAX_CPUS; cpu++)
        if (sched_cpus_online() & cpu_bit(cpu))
            sched_raise(cpu);
}

int sched_adjust(struct domain *d, const struct sched_params *p)
{
    unsigned long flags;
    int rc = policy->params_check(d, p);

    if (rc)
        return rc;
    flags = spin_lock_irqsave(&params_lock);
    policy->params_set(d, p);
    spin_unlock_irqrestore(&params_lock, flags);
    raise_all();
    return 0;
}

void sched_params_get(const struct domain *d, struct sched_params *p)
{
    unsigned long flags = spin_lock_irqsave(&params_lock);

    policy->params_get(d, p);
    spin_unlock_irqrestore(&params_lock, flags);
}

int sched_set_affinity(struct vcpu *v, uint64_t hard, uint64_t soft)
{
    struct sched_unit *u = vcpu_unit(v);
    uint64_t online = sched_cpus_online();
    struct sched_cpu *sc;
    unsigned long flags;
    bool replace = false, poke = false;

    if (!hard || (hard & ~online) || (soft & ~online) || !u)
        return -EINVAL;
    sc = lock_vcpu(v, &flags);
    v->hard_affinity = hard;
    v->soft_affinity = soft ? soft : ~0ULL;
    if (!(hard & cpu_bit(sc->cpu))) {
        if (u->state == SU_queued) {
            unit_dequeue(sc, u);            /* still runnable: placed again below */
            replace = true;
        } else if (u->state == SU_running) {
            poke = true;
        }
    }
    spin_unlock_irqrestore(&sc->lock, flags);
    if (replace)
        unit_place(v, false);
    if (poke)
        sched_raise(sc->cpu);
    return 0;
}

void sched_stats_get(struct sched_stats *s)
{
    s->decisions = __atomic_load_n(&nr_decisions, __ATOMIC_RELAXED);
    s->migrations = __atomic_load_n(&nr_migrations, __ATOMIC_RELAXED);
    s->switches = 0;
    for (unsigned int cpu = 0; cpu < SCHED_MAX_CPUS; cpu++)
        s->switches += __atomic_load_n(&cpus[cpu].nr_switches, __ATOMIC_RELAXED);
}
