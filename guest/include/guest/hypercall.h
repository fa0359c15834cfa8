/*
 * Hypercalls from a PV test kernel, one typed inline function per
 * hypercall Sable plans (docs/abi.md), plus raw forms for hostile tests.
 *
 * Convention (Xen x86-64 PV): `call hypercall_page + nr * 32`; arguments in
 * RDI, RSI, RDX, R10, R8; result in RAX (>= 0 success, < 0 a negated
 * XEN_E* error). The page's stub is "push %rcx; push %r11; mov $nr,%eax;
 * syscall; pop %r11; pop %rcx; ret", so RCX and R11 survive the SYSCALL;
 * every other register except RAX is preserved by the hypervisor, but a
 * debug hypervisor may scribble on the argument registers (Xen does), so
 * all five are declared clobbered. Unused arguments are passed as 0.
 * Pointers are the caller's virtual addresses.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include "public/xen.h"
#include "public/callback.h"
#include "public/domctl.h"
#include "public/event_channel.h"
#include "public/grant_table.h"
#include "public/hvm_op.h"
#include "public/memory.h"
#include "public/physdev.h"
#include "public/sched.h"
#include "public/sysctl.h"
#include "public/vcpu.h"
#include "public/version.h"

extern uint8_t hypercall_page[];

/* Hypercall `name` through its stub; evaluates to the result (long). */
#define HYPERCALL(name, a1, a2, a3, a4, a5) ({                                \
    register uint64_t a1_ __asm__("rdi") = (uint64_t)(a1);                    \
    register uint64_t a2_ __asm__("rsi") = (uint64_t)(a2);                    \
    register uint64_t a3_ __asm__("rdx") = (uint64_t)(a3);                    \
    register uint64_t a4_ __asm__("r10") = (uint64_t)(a4);                    \
    register uint64_t a5_ __asm__("r8") = (uint64_t)(a5);                     \
    long ret_;                                                                \
    __asm__ volatile("call hypercall_page + %c[off]"                          \
                     : "=a"(ret_), "+r"(a1_), "+r"(a2_), "+r"(a3_),           \
                       "+r"(a4_), "+r"(a5_)                                   \
                     : [off] "i"(__HYPERVISOR_##name * HYPERCALL_STUB_SIZE)   \
                     : "memory", "cc");                                       \
    ret_;                                                                     \
})

#define P(x) ((uint64_t)(uintptr_t)(x))

/*
 * Any stub of the page by number (0..127), for numbers that have no typed
 * wrapper: unused slots, hostile arguments.
 */
static inline long hypercall_raw(unsigned int nr, uint64_t a1, uint64_t a2, uint64_t a3,
                                 uint64_t a4, uint64_t a5)
{
    register uint64_t r1 __asm__("rdi") = a1;
    register uint64_t r2 __asm__("rsi") = a2;
    register uint64_t r3 __asm__("rdx") = a3;
    register uint64_t r4 __asm__("r10") = a4;
    register uint64_t r5 __asm__("r8") = a5;
    uint64_t stub = P(hypercall_page) + (uint64_t)(nr % HYPERCALL_PAGE_STUBS) * HYPERCALL_STUB_SIZE;
    long ret;

    __asm__ volatile("call *%[stub]"
                     : "=a"(ret), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4), "+r"(r5)
                     : [stub] "a"(stub)
                     : "memory", "cc");
    return ret;
}

/* SYSCALL with any RAX, bypassing the page (numbers beyond its 128 stubs). */
static inline long hypercall_syscall(uint64_t nr, uint64_t a1, uint64_t a2)
{
    register uint64_t r1 __asm__("rdi") = a1;
    register uint64_t r2 __asm__("rsi") = a2;
    long ret;

    __asm__ volatile("syscall"
                     : "=a"(ret), "+r"(r1), "+r"(r2)
                     : "a"(nr)
                     : "rcx", "r11", "rdx", "r8", "r10", "memory", "cc");
    return ret;
}

static inline long hypercall_set_trap_table(const struct trap_info *table)
{ return HYPERCALL(set_trap_table, P(table), 0, 0, 0, 0); }

static inline long hypercall_mmu_update(const struct mmu_update *req, unsigned int count,
                                        unsigned int *done, domid_t foreign)
{ return HYPERCALL(mmu_update, P(req), count, P(done), foreign, 0); }

static inline long hypercall_set_gdt(const xen_pfn_t *frames, unsigned int entries)
{ return HYPERCALL(set_gdt, P(frames), entries, 0, 0, 0); }

static inline long hypercall_stack_switch(uint64_t ss, uint64_t rsp)
{ return HYPERCALL(stack_switch, ss, rsp, 0, 0, 0); }

static inline long hypercall_set_callbacks(uint64_t event, uint64_t failsafe, uint64_t syscall)
{ return HYPERCALL(set_callbacks, event, failsafe, syscall, 0, 0); }

static inline long hypercall_fpu_taskswitch(int set)
{ return HYPERCALL(fpu_taskswitch, set, 0, 0, 0, 0); }

static inline long hypercall_set_debugreg(unsigned int reg, uint64_t value)
{ return HYPERCALL(set_debugreg, reg, value, 0, 0, 0); }

static inline long hypercall_get_debugreg(unsigned int reg)
{ return HYPERCALL(get_debugreg, reg, 0, 0, 0, 0); }

static inline long hypercall_update_descriptor(uint64_t maddr, uint64_t desc)
{ return HYPERCALL(update_descriptor, maddr, desc, 0, 0, 0); }

static inline long hypercall_memory_op(unsigned int cmd, void *arg)
{ return HYPERCALL(memory_op, cmd, P(arg), 0, 0, 0); }

static inline long hypercall_multicall(struct multicall_entry *calls, unsigned int nr)
{ return HYPERCALL(multicall, P(calls), nr, 0, 0, 0); }

static inline long hypercall_update_va_mapping(uint64_t va, uint64_t pte, uint64_t flags)
{ return HYPERCALL(update_va_mapping, va, pte, flags, 0, 0); }

static inline long hypercall_set_timer_op(uint64_t deadline_ns)
{ return HYPERCALL(set_timer_op, deadline_ns, 0, 0, 0, 0); }

static inline long hypercall_xen_version(int cmd, void *arg)
{ return HYPERCALL(xen_version, cmd, P(arg), 0, 0, 0); }

static inline long hypercall_console_io(int cmd, unsigned int count, const char *buf)
{ return HYPERCALL(console_io, cmd, count, P(buf), 0, 0); }

static inline long hypercall_grant_table_op(unsigned int cmd, void *uop, unsigned int count)
{ return HYPERCALL(grant_table_op, cmd, P(uop), count, 0, 0); }

static inline long hypercall_vm_assist(unsigned int cmd, unsigned int type)
{ return HYPERCALL(vm_assist, cmd, type, 0, 0, 0); }

static inline long hypercall_update_va_mapping_otherdomain(uint64_t va, uint64_t pte,
                                                           uint64_t flags, domid_t dom)
{ return HYPERCALL(update_va_mapping_otherdomain, va, pte, flags, dom, 0); }

static inline long hypercall_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{ return HYPERCALL(vcpu_op, cmd, vcpu, P(arg), 0, 0); }

static inline long hypercall_set_segment_base(unsigned int which, uint64_t base)
{ return HYPERCALL(set_segment_base, which, base, 0, 0, 0); }

static inline long hypercall_mmuext_op(struct mmuext_op *op, unsigned int count,
                                       unsigned int *done, domid_t foreign)
{ return HYPERCALL(mmuext_op, P(op), count, P(done), foreign, 0); }

static inline long hypercall_sched_op(int cmd, void *arg)
{ return HYPERCALL(sched_op, cmd, P(arg), 0, 0, 0); }

static inline long hypercall_callback_op(int cmd, const void *arg)
{ return HYPERCALL(callback_op, cmd, P(arg), 0, 0, 0); }

static inline long hypercall_event_channel_op(int cmd, void *arg)
{ return HYPERCALL(event_channel_op, cmd, P(arg), 0, 0, 0); }

static inline long hypercall_physdev_op(int cmd, void *arg)
{ return HYPERCALL(physdev_op, cmd, P(arg), 0, 0, 0); }

static inline long hypercall_hvm_op(unsigned int op, void *arg)
{ return HYPERCALL(hvm_op, op, P(arg), 0, 0, 0); }

static inline long hypercall_domctl(struct xen_domctl *op)
{ return HYPERCALL(domctl, P(op), 0, 0, 0, 0); }

static inline long hypercall_sysctl(struct xen_sysctl *op)
{ return HYPERCALL(sysctl, P(op), 0, 0, 0, 0); }

/*
 * iret has no wrapper: it is reached by jumping (not calling) to its stub
 * with struct iret_context's upper part on the stack; see guest/arch/entry.S.
 */

#undef P

#endif /* GUEST_HYPERCALL_H */
