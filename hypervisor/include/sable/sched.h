/*
 * Scheduling interface seen by common code. For now a simple round-robin
 * scheduler (common/schedule.c); the BVT scheduler replaces its policy.
 */
#ifndef SABLE_SCHED_H
#define SABLE_SCHED_H

#include <sable/domain.h>

/* The vCPU running on this physical CPU (the idle vCPU when none). */
struct vcpu *current_vcpu(void);
#define current (current_vcpu())

/*
 * A new domain's scheduling parameters: checked (-EINVAL, nothing kept)
 * and stored. sched_destroy_domain undoes it after its vCPUs are gone.
 */
int sched_init_domain(struct domain *d, const struct sched_params *p);
void sched_destroy_domain(struct domain *d);
/*
 * Add a new vCPU to the scheduler (not yet runnable until unpaused/up);
 * v->hard_affinity and soft_affinity are set.
 */
int sched_init_vcpu(struct vcpu *v, unsigned int processor);
void sched_destroy_vcpu(struct vcpu *v);

/* SCHEDOP_yield: let another runnable vCPU run. */
void vcpu_yield(void);
/*
 * SCHEDOP_block: sleep until an event is pending for the current vCPU
 * (returns at once if one already is). Unmasks event delivery first.
 */
void vcpu_block(void);
/* Pick and switch to the next vCPU on this CPU (softirq context). */
void schedule(void);
/* Ask CPU cpu to run schedule() soon (IPI if it's not us). */
void sched_raise(unsigned int cpu);
/* Boot domains: report (and optionally exit) once every domain is gone. */
void boot_domains_check_done(void);
/* Per-CPU scheduler state; call on each CPU before it runs vCPUs. */
void sched_cpu_init(unsigned int cpu);
/* arch: save prev's and load next's register state (either may be NULL). */
void arch_context_switch(struct vcpu *prev, struct vcpu *next);

#endif
