/*
 * Measurement windows for the scheduler's test kernels (cpuhog, waker,
 * flooder): a span of system time that several domains can agree on
 * without talking, because system time is the hypervisor's, the same in
 * every domain. From the command line: from_ms= and to_ms= (absolute ms
 * since the hypervisor booted), or ms= (a duration from now; to_ms wins).
 */
#ifndef GUEST_WINDOW_H
#define GUEST_WINDOW_H

#include <guest/guest.h>
#include "public/vcpu.h"

struct window {
    uint64_t from, to;          /* system time, ns */
};

/* The window the command line asks for; default_ms long from now otherwise. */
void window_from_cmdline(struct window *w, uint64_t default_ms);

/*
 * Sleep (blocked, on the one-shot timer and VIRQ_TIMER, which it binds on
 * first use) until system time t; keeps yielding instead if the kernel
 * bound VIRQ_TIMER itself. A sleeper earns no CPU time under BVT.
 */
void sleep_until(uint64_t t);

/* vCPU vcpu's runstate now (VCPUOP_get_runstate_info); zeroes if refused. */
void runstate_read(unsigned int vcpu, struct vcpu_runstate_info *rs);

#endif /* GUEST_WINDOW_H */
