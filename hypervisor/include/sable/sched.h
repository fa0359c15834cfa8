/*
 * The vCPU scheduler as the rest of the hypervisor sees it. The core and
 * its policy interface are in sable/sched_if.h; docs/scheduler.md tells
 * the whole story (Borrowed Virtual Time, caps, SMP placement).
 */
#ifndef SABLE_SCHED_H
#define SABLE_SCHED_H

#include <sable/domain.h>
#include <sable/sched_params.h>

/* The vCPU running on this physical CPU (NULL when idle). */
struct vcpu *current_vcpu(void);
#define current (current_vcpu())

/*
 * A new domain's scheduling parameters: checked (-EINVAL, nothing kept)
 * and stored. sched_destroy_domain undoes it after its vCPUs are gone.
 */
int sched_init_domain(struct domain *d, const struct sched_params *p);
void sched_destroy_domain(struct domain *d);
/*
 * Add a new vCPU to the scheduler (not runnable until unpaused and up);
 * v->hard_affinity and soft_affinity are set. processor is ignored: the
 * scheduler places it. 0 or -ENOMEM.
 */
int sched_init_vcpu(struct vcpu *v, unsigned int processor);
void sched_destroy_vcpu(struct vcpu *v);

/* Run-time parameters (domctl): the policy's XEN_SCHEDULER_* id. */
unsigned int sched_policy_id(void);
/* Replace d's parameters: 0, or -EINVAL and nothing changed. */
int sched_adjust(struct domain *d, const struct sched_params *p);
void sched_params_get(const struct domain *d, struct sched_params *p);
/*
 * Set v's hard and soft affinity (bit per CPU). hard must name only
 * online CPUs, at least one; soft must name only online CPUs (0: no
 * preference). -EINVAL and nothing changed otherwise.
 */
int sched_set_affinity(struct vcpu *v, uint64_t hard, uint64_t soft);
/* CPUs the scheduler runs vCPUs on (bit per CPU). */
uint64_t sched_cpus_online(void);

/* SCHEDOP_yield: let another runnable vCPU run. */
void vcpu_yield(void);
/*
 * SCHEDOP_block: sleep until an event is pending for the current vCPU
 * (returns at once if one already is). Unmasks event delivery first.
 */
void vcpu_block(void);
/* Pick and switch to the next vCPU on this CPU (on the way out to a guest). */
void schedule(void);
/* Ask CPU cpu to run schedule() soon (IPI if it's not us). */
void sched_raise(unsigned int cpu);
/* Boot domains: report (and optionally exit) once every domain is gone. */
void boot_domains_check_done(void);
/* Per-CPU scheduler state; call on each CPU before it runs vCPUs. */
void sched_cpu_init(unsigned int cpu);
/* arch: save prev's and load next's register state (either may be NULL). */
void arch_context_switch(struct vcpu *prev, struct vcpu *next);

/* Scheduler statistics for the benchmarks (debug key / console). */
struct sched_stats {
    uint64_t decisions;         /* sched_decide calls */
    uint64_t switches;          /* ... that changed the running vCPU */
    uint64_t migrations;        /* units moved between CPUs */
};
void sched_stats_get(struct sched_stats *s);

#endif
