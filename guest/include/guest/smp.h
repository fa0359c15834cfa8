/*
 * More than one vCPU in a PV test kernel, as Linux brings up its secondary
 * CPUs on Xen: vCPU 0 fills a vcpu_guest_context for vCPU n (entry, stack,
 * page tables, virtual IDT, callbacks), VCPUOP_initialise loads it and
 * VCPUOP_up starts it.
 *
 * Which vCPU am I? Each secondary vCPU runs on its own stack from
 * smp_stacks[]; anything else is vCPU 0 (which may switch stacks freely in
 * its self-checks). Exceptions and events are taken on the interrupted
 * stack in guest kernel mode, so the answer holds in handlers too.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include <guest/guest.h>

#define GUEST_MAX_VCPUS 8

extern uint8_t smp_stacks[GUEST_MAX_VCPUS - 1][GUEST_STACK_SIZE];

/* The vCPU running this code. */
static inline unsigned int smp_vcpu_id(void)
{
    uint64_t rsp, off;

    __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
    off = rsp - (uint64_t)(uintptr_t)smp_stacks;
    return off < sizeof(smp_stacks) ? 1 + (unsigned int)(off / GUEST_STACK_SIZE) : 0;
}

typedef void (*smp_fn_t)(unsigned int vcpu, void *arg);

/*
 * Start vCPU id (1..GUEST_MAX_VCPUS-1, down) running fn(id, arg) on its own
 * stack with its own vcpu_info (the shared_info slot) and events enabled;
 * when fn returns the vCPU takes itself down. 0, or the error of
 * VCPUOP_initialise / VCPUOP_up.
 */
long smp_vcpu_start(unsigned int id, smp_fn_t fn, void *arg);

/* vCPUs this domain has: VCPUOP_is_up answers until -ENOENT. */
unsigned int smp_vcpu_count(void);

#endif /* GUEST_SMP_H */
