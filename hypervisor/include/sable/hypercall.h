/*
 * Hypercall handlers. Arguments arrive as the guest passed them (rdi, rsi,
 * rdx, r10, r8) and are hostile; each handler validates before acting and
 * returns 0/positive on success or a negative errno, which goes back to the
 * guest in rax. The dispatch table (common/hypercall.c) maps the numbers of
 * include/public/xen.h to these; missing entries return -ENOSYS.
 */
#ifndef SABLE_HYPERCALL_H
#define SABLE_HYPERCALL_H

#include <sable/types.h>
#include <public/xen.h>

typedef long (*hypercall_fn_t)(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                               uint64_t a5);

/* Look up and run hypercall nr for the current vCPU. */
long hypercall_dispatch(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                        uint64_t a5);
/* The name of hypercall nr ("mmu_update"), or NULL for a number with none. */
const char *hypercall_name(uint64_t nr);

/*
 * Continuations (Xen's hypercall_create_continuation). A handler working
 * through a long batch stops every HYPERCALL_PREEMPT_BATCH items, records
 * what is left as the arguments of hypercall op, and returns the value of
 * this call: the guest then issues op again with those arguments the next
 * time it runs (after the scheduler and pending events have had their
 * turn), which no guest can tell from one long call. Inside a multicall
 * the entry's arguments are updated instead and the multicall itself
 * continues from that entry.
 */
#define HYPERCALL_PREEMPT_BATCH 512
long hypercall_create_continuation(unsigned int op, unsigned int nargs, const uint64_t *args);
/* arch: have the current vCPU re-issue op with args (its registers). */
void arch_hypercall_continuation(unsigned int op, unsigned int nargs, const uint64_t *args);

/*
 * Every hypercall of the SABLE_HYPERCALLS list in public/xen.h has a handler
 * do_<name> of this type, wherever it is defined; the dispatch table refers
 * to them all weakly, so a handler nobody defines yet answers -ENOSYS.
 * (The explicit prototypes below say which file defines which.)
 */
#define SABLE_HYPERCALL_PROTOTYPE(name) \
    long do_##name(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
SABLE_HYPERCALLS(SABLE_HYPERCALL_PROTOTYPE)
#undef SABLE_HYPERCALL_PROTOTYPE

/*
 * The Xen release Sable reports (XENVER_version, CPUID 0x40000001): the one
 * whose interface include/public reproduces (SABLE_XEN_INTERFACE_VERSION).
 */
#define SABLE_XEN_MAJOR 4
#define SABLE_XEN_MINOR 19

/* common/ */
long do_console_io(uint64_t cmd, uint64_t count, uint64_t buffer, uint64_t, uint64_t);
long do_xen_version(uint64_t cmd, uint64_t arg, uint64_t, uint64_t, uint64_t);
long do_sched_op(uint64_t cmd, uint64_t arg, uint64_t, uint64_t, uint64_t);
long do_set_timer_op(uint64_t timeout, uint64_t, uint64_t, uint64_t, uint64_t);
long do_vcpu_op(uint64_t cmd, uint64_t vcpuid, uint64_t arg, uint64_t, uint64_t);
long do_event_channel_op(uint64_t cmd, uint64_t arg, uint64_t, uint64_t, uint64_t);
long do_multicall(uint64_t calls, uint64_t nr_calls, uint64_t, uint64_t, uint64_t);
long do_memory_op(uint64_t cmd, uint64_t arg, uint64_t, uint64_t, uint64_t);

/* arch/x86/pv/ */
long do_set_trap_table(uint64_t traps, uint64_t, uint64_t, uint64_t, uint64_t);
long do_stack_switch(uint64_t ss, uint64_t esp, uint64_t, uint64_t, uint64_t);
long do_set_callbacks(uint64_t event, uint64_t failsafe, uint64_t syscall, uint64_t,
                      uint64_t);
long do_fpu_taskswitch(uint64_t set, uint64_t, uint64_t, uint64_t, uint64_t);
long do_iret(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
long do_set_segment_base(uint64_t which, uint64_t base, uint64_t, uint64_t, uint64_t);
long do_callback_op(uint64_t cmd, uint64_t arg, uint64_t, uint64_t, uint64_t);
long do_set_debugreg(uint64_t reg, uint64_t value, uint64_t, uint64_t, uint64_t);
long do_get_debugreg(uint64_t reg, uint64_t, uint64_t, uint64_t, uint64_t);
long do_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags, uint64_t, uint64_t);
long do_mmu_update(uint64_t reqs, uint64_t count, uint64_t done, uint64_t foreigndom, uint64_t);
long do_mmuext_op(uint64_t ops, uint64_t count, uint64_t done, uint64_t foreigndom, uint64_t);
long do_vm_assist(uint64_t cmd, uint64_t type, uint64_t, uint64_t, uint64_t);
long do_set_gdt(uint64_t frames, uint64_t entries, uint64_t, uint64_t, uint64_t);
long do_update_descriptor(uint64_t maddr, uint64_t desc, uint64_t, uint64_t, uint64_t);

#endif
