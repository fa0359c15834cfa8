/*
 * Secondary vCPUs of a PV test kernel (guest/smp.h): the context each one
 * starts from, and its first C code.
 */
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/smp.h>
#include <guest/traps.h>
#include "public/vcpu.h"

uint8_t smp_stacks[GUEST_MAX_VCPUS - 1][GUEST_STACK_SIZE] __aligned(GUEST_PAGE_SIZE);

static struct {
    smp_fn_t fn;
    void *arg;
} smp_start[GUEST_MAX_VCPUS];

/* A context is 5 KiB: too big for a 16 KiB stack frame, and starts are serial. */
static struct vcpu_guest_context smp_ctxt;

/* Where a secondary vCPU starts (RDI = its id), on its own stack. */
static void __noreturn smp_vcpu_main(unsigned int id)
{
    events_enable();
    smp_start[id].fn(id, smp_start[id].arg);
    hypercall_vcpu_op(VCPUOP_down, id, NULL);
    for (;;)
        hypercall_sched_op(SCHEDOP_block, NULL);
}

/* Machine address of our page-table root (the builder's, at pt_base). */
static uint64_t smp_cr3(void)
{
    return pfn_to_mfn(virt_to_pfn((const void *)(uintptr_t)start_info->pt_base)) *
           GUEST_PAGE_SIZE;
}

long smp_vcpu_start(unsigned int id, smp_fn_t fn, void *arg)
{
    struct vcpu_guest_context *c = &smp_ctxt;
    uint64_t top;
    long rc;

    if (id == 0 || id >= GUEST_MAX_VCPUS)
        return -XEN_EINVAL;
    top = (uint64_t)(uintptr_t)smp_stacks[id - 1] + GUEST_STACK_SIZE;
    smp_start[id].fn = fn;
    smp_start[id].arg = arg;
    memset(c, 0, sizeof(*c));
    c->user_regs.rip = (uint64_t)(uintptr_t)smp_vcpu_main;
    c->user_regs.rsp = top - 8;              /* as if called: RSP+8 16-byte aligned */
    c->user_regs.rdi = id;
    c->user_regs.cs = FLAT_KERNEL_CS;
    c->user_regs.ss = FLAT_KERNEL_SS;
    c->user_regs.rflags = 0x202;
    c->kernel_ss = FLAT_KERNEL_SS;
    c->kernel_sp = top;
    c->ctrlreg[3] = smp_cr3();
    c->event_callback_eip = (uint64_t)(uintptr_t)event_entry;
    c->failsafe_callback_eip = (uint64_t)(uintptr_t)failsafe_entry;
    trap_table_fill(c->trap_ctxt);
    rc = hypercall_vcpu_op(VCPUOP_initialise, id, c);
    if (rc == 0)
        rc = hypercall_vcpu_op(VCPUOP_up, id, NULL);
    return rc;
}

unsigned int smp_vcpu_count(void)
{
    unsigned int n = 0;

    while (n < 64 && hypercall_vcpu_op(VCPUOP_is_up, n, NULL) >= 0)
        n++;
    return n;
}
