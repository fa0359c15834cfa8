/*
 * Scheduling costs in TSC cycles, measured by dispatch.c when `sched_cost`
 * is on the command line (arch/x86/sched_cost.c; bench/sched.py).
 */
#ifndef ASM_SCHED_COST_H
#define ASM_SCHED_COST_H

#include <sable/types.h>

enum sched_cost_kind {
    SCHED_COST_DECIDE,      /* sched_decide(): the core and the policy */
    SCHED_COST_SWITCH,      /* registers out and in, guest time, release */
    SCHED_COST_KINDS,
};

/* Is cpu recording? */
bool sched_cost_on(unsigned int cpu);
void sched_cost_cpu_init(unsigned int cpu);
void sched_cost_record(enum sched_cost_kind kind, unsigned int cpu, uint64_t cycles);
/* Print the figures (nothing unless `sched_cost`). */
void sched_cost_report(void);

#endif
