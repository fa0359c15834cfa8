/*
 * Secondary vCPUs started by a generated VCPUOP_initialise: whatever else
 * the random context holds, they start here, on their own stack, and take
 * themselves down again at once (each time a generated VCPUOP_up wakes
 * them). They touch no memory and never unmask events.
 */
#include <guest/smp.h>
#include "fuzz.h"

void park_vcpu(unsigned int id)
{
    for (;;)
        hypercall_vcpu_op(VCPUOP_down, id, NULL);
}

/* The top of vCPU id's stack (the runtime's secondary stacks), less a return address. */
uint64_t park_stack_top(unsigned int id)
{
    unsigned int slot = id >= 1 && id < GUEST_MAX_VCPUS ? id - 1 : 0;

    return (uint64_t)(uintptr_t)smp_stacks[slot] + GUEST_STACK_SIZE - 8;
}
