/*
 * Inside the scheduler: what the generic core (common/schedule.c) keeps,
 * and the operations a scheduling policy (common/sched_bvt.c) provides.
 * Callers elsewhere use sable/sched.h only, so a second policy (a credit
 * scheduler) is a new struct sched_policy, not a change to its callers.
 *
 * The core owns the mechanism: one run queue per physical CPU and its
 * lock, which vCPU runs where (struct sched_unit.state, vcpu.processor),
 * wake-up placement by affinity, load balancing, runstate accounting, and
 * the rule that a vCPU's registers are loaded on one CPU at a time. The
 * policy owns the order: how the queue is kept, who runs next and for how
 * long, what a wake-up may preempt, and per-domain parameters.
 *
 * Locks: sched_cpu.lock guards that CPU's queue, curr, and every unit
 * whose vcpu->processor is that CPU (its state, its policy data). A unit
 * changes CPU only with both CPUs' locks held, taken in CPU order. Locks
 * are taken with interrupts off (wake-ups come from timer interrupts).
 *
 * Portable: compiled into the host unit tests, which drive the core and
 * the policy with simulated time (tests/unit/test_sched.c).
 */
#ifndef SABLE_SCHED_IF_H
#define SABLE_SCHED_IF_H

#include <sable/domain.h>
#include <sable/sched_params.h>
#include <sable/spinlock.h>
#include <sable/time.h>

#define SCHED_MAX_CPUS      64          /* CPU masks are one uint64_t */

enum sched_unit_state {
    SU_idle,        /* not runnable (blocked, down, paused), or between CPUs */
    SU_queued,      /* runnable, on the queue of vcpu->processor */
    SU_running,     /* the curr of vcpu->processor */
};

/* The core's per-vCPU state (vcpu.sched_priv). */
struct sched_unit {
    struct vcpu *vcpu;
    enum sched_unit_state state;
    bool yield;                 /* SCHEDOP_yield: let others go first once */
    bool migrate;               /* runnable, but must be placed again once saved */
    void *priv;                 /* the policy's */
};

/* The core's per-CPU state. */
struct sched_cpu {
    spinlock_t lock;
    unsigned int cpu;
    bool online;
    struct sched_unit *curr;    /* running here; NULL: idle */
    s_time_t dispatched;        /* when curr was last (re)dispatched */
    s_time_t until;             /* when this CPU decides again (S_TIME_MAX: on an event) */
    volatile bool need_resched; /* set by anyone, cleared by this CPU's schedule */
    unsigned int nr_queued;     /* runnable units waiting here (read racily) */
    unsigned int nr_units;      /* units whose processor is this CPU */
    s_time_t next_balance;
    uint64_t nr_switches;       /* statistics */
    void *priv;                 /* the policy's run queue */
};

/* What pick() decided: run next (NULL: idle) until then (S_TIME_MAX: no limit). */
struct sched_pick {
    struct sched_unit *next;
    s_time_t until;
};

/*
 * A scheduling policy. "Locked" operations run with sc->lock held (and,
 * for migrate, both CPUs' locks); none may sleep or take another CPU's lock.
 */
struct sched_policy {
    const char *name;
    unsigned int sched_id;      /* XEN_SCHEDULER_*, checked by domctl */

    /* Is p acceptable for d? 0 or -EINVAL; changes nothing. */
    int (*params_check)(const struct domain *d, const struct sched_params *p);
    /* d->sched_priv from checked parameters: 0 or -ENOMEM. */
    int (*dom_init)(struct domain *d, const struct sched_params *p);
    void (*dom_destroy)(struct domain *d);
    /* Checked parameters for a live domain; takes effect at the next decisions. */
    void (*params_set)(struct domain *d, const struct sched_params *p);
    void (*params_get)(const struct domain *d, struct sched_params *p);

    /* u->priv for a new vCPU (placed on sc, idle): 0 or -ENOMEM. */
    int (*unit_init)(struct sched_cpu *sc, struct sched_unit *u);
    void (*unit_destroy)(struct sched_unit *u);
    /* sc->priv: 0 or -ENOMEM. */
    int (*cpu_init)(struct sched_cpu *sc);

    /* Locked: put u on the queue; woken: it was not runnable until now. */
    void (*enqueue)(struct sched_cpu *sc, struct sched_unit *u, bool woken, s_time_t now);
    /* Locked: take queued u off the queue. */
    void (*dequeue)(struct sched_cpu *sc, struct sched_unit *u);
    /* Locked: u (curr) ran ran ns up to now. */
    void (*charge)(struct sched_cpu *sc, struct sched_unit *u, s_time_t ran, s_time_t now);
    /* Locked: u stopped being runnable (blocked, down, paused). */
    void (*block)(struct sched_cpu *sc, struct sched_unit *u, s_time_t now);
    /*
     * Locked: choose what runs next. curr is the unit that just ran here
     * and may go on (NULL if it may not); yield asks to prefer others. The
     * result is curr, a unit taken off the queue, or NULL; curr, if not
     * chosen, is put on the queue. Queued units that may not run here now
     * (sched_unit_eligible) are passed over.
     */
    struct sched_pick (*pick)(struct sched_cpu *sc, struct sched_unit *curr, bool yield,
                              s_time_t now);
    /*
     * Locked: u was just queued on sc, which runs sc->curr: by when should
     * curr give way to it (<= now: at once; S_TIME_MAX: not because of u)?
     */
    s_time_t (*preempt_at)(struct sched_cpu *sc, struct sched_unit *u, s_time_t now);
    /* Locked (both): a queued unit of from that could run on to now, or NULL. */
    struct sched_unit *(*steal)(struct sched_cpu *from, unsigned int to, s_time_t now);
    /* Locked (both): u, not queued, moves from one CPU to another. */
    void (*migrate)(struct sched_cpu *from, struct sched_cpu *to, struct sched_unit *u);
};

extern const struct sched_policy sched_bvt_policy;

/* The core's per-CPU state of cpu (policies look at their neighbours' load). */
struct sched_cpu *sched_cpu(unsigned int cpu);

/* May queued unit u run on cpu now? (Not paused, hard affinity, registers saved.) */
bool sched_unit_eligible(const struct sched_unit *u, unsigned int cpu);

static inline struct sched_unit *vcpu_unit(const struct vcpu *v)
{
    return v->sched_priv;
}

/*
 * The scheduling decision for cpu at now, made on that CPU with interrupts
 * off: account what ran, choose what runs next, update runstates. Returns
 * the vCPU to run (NULL: idle) and in *until when to decide again
 * (S_TIME_MAX: only on an event). The caller switches registers, then calls
 * sched_context_saved() for the vCPU it switched away from.
 */
struct vcpu *sched_decide(unsigned int cpu, s_time_t now, s_time_t *until);
/* v's registers are saved: it may be loaded elsewhere now. */
void sched_context_saved(struct vcpu *v);
/* cpu takes part in scheduling from now on. */
int sched_cpu_add(unsigned int cpu);

/*
 * arch: make cpu pass through its exit path soon, where it runs schedule()
 * (if need_resched is set) and delivers events: an IPI when cpu is not the
 * calling CPU, nothing otherwise.
 */
void arch_sched_kick(unsigned int cpu);

#endif
