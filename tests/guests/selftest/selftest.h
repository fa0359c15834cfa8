/*
 * selftest: a PV test kernel that checks the PV ABI Sable offers, one
 * CHECK line per property (see guest/test.h). Groups, in running order:
 */
#ifndef SELFTEST_H
#define SELFTEST_H

void selftest_boot(void);        /* start-of-day state, start_info, page tables */
void selftest_hypercalls(void);  /* page, xen_version, console, errors, multicall */
void selftest_cpu(void);         /* vcpu_op, sched_op yield, PV CPU hypercalls, mm */
void selftest_traps(void);       /* exception bounce frames, privileged instructions */
void selftest_events(void);      /* event channels, upcall, block, poll */
void selftest_time(void);        /* pvclock, wall clock, timers */
void selftest_vcpu_areas(void);  /* vcpu_info and runstate moved into our memory */

/* Helpers shared between groups. */
#include <stdint.h>
void selftest_timer_fires(const char *name, uint64_t delay_ns);  /* needs selftest_time() first */

#endif
