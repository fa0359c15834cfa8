/*
 * Regression checks for the bugs the fuzzer found, run before the random
 * part (one CHECK line each, named regress-*). They stay deterministic,
 * so a bug that comes back fails by name, whatever the seed.
 *
 * The vCPU context checks use the domain's last vCPU (sable.vcpus= 2 or
 * more), which they leave parked.
 */
#include <guest/smp.h>
#include <guest/test.h>
#include <guest/time.h>
#include <guest/traps.h>
#include "fuzz.h"

#define NONCANONICAL    0x8000000000000000ULL
#define HYPERVISOR_VA   0xffff82d080000000ULL
#define MXCSR_OFFSET    24              /* in the FXSAVE image */

static struct vcpu_guest_context ctx;
static volatile uint32_t mxcsr_seen;
static volatile bool mxcsr_read;

/* A context that would start vCPU id in park_vcpu(), as smp_vcpu_start builds one. */
static void context_good(unsigned int id)
{
    memset(&ctx, 0, sizeof(ctx));
    ctx.user_regs.rip = (uint64_t)(uintptr_t)park_vcpu;
    ctx.user_regs.rsp = park_stack_top(id);
    ctx.user_regs.rdi = id;
    ctx.user_regs.cs = FLAT_KERNEL_CS;
    ctx.user_regs.ss = FLAT_KERNEL_SS;
    ctx.user_regs.rflags = 0x202;
    ctx.kernel_ss = FLAT_KERNEL_SS;
    ctx.kernel_sp = park_stack_top(id);
    ctx.ctrlreg[3] = own_l4_mfn() << 12;
    trap_table_fill(ctx.trap_ctxt);
}

static long initialise(unsigned int id)
{
    return hypercall_vcpu_op(VCPUOP_initialise, id, &ctx);
}

/*
 * Found by the fuzzer: VCPUOP_initialise loaded FS/GS bases, stack
 * pointers and callbacks without checking them; on the first switch to
 * the vCPU a non-canonical base made WRMSR fault in the hypervisor, a
 * non-canonical callback the IRETQ to it. Xen refuses them (-EINVAL).
 */
static void regress_context_addresses(unsigned int id)
{
    static const struct {
        const char *name;
        size_t offset;
        uint64_t value;
    } bad[] = {
        { "regress-context-fs-base", offsetof(struct vcpu_guest_context, fs_base), NONCANONICAL },
        { "regress-context-gs-base-kernel", offsetof(struct vcpu_guest_context, gs_base_kernel),
          NONCANONICAL },
        { "regress-context-gs-base-user", offsetof(struct vcpu_guest_context, gs_base_user),
          0x0000800000000000ULL },
        { "regress-context-rsp", offsetof(struct vcpu_guest_context, user_regs.rsp), NONCANONICAL },
        { "regress-context-kernel-sp", offsetof(struct vcpu_guest_context, kernel_sp),
          NONCANONICAL + 0x1000 },
        { "regress-context-event-callback",
          offsetof(struct vcpu_guest_context, event_callback_eip), NONCANONICAL },
        { "regress-context-failsafe-callback",
          offsetof(struct vcpu_guest_context, failsafe_callback_eip), HYPERVISOR_VA },
        { "regress-context-syscall-callback",
          offsetof(struct vcpu_guest_context, syscall_callback_eip), HYPERVISOR_VA },
    };

    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
        context_good(id);
        memcpy((uint8_t *)&ctx + bad[i].offset, &bad[i].value, sizeof(uint64_t));
        CHECK_RC(bad[i].name, initialise(id), -XEN_EINVAL);
    }
}

/* Where the MXCSR check's vCPU starts: report the MXCSR it got, then park. */
static void mxcsr_report(unsigned int id)
{
    uint32_t v;

    __asm__ volatile("stmxcsr %0" : "=m"(v));
    mxcsr_seen = v;
    __atomic_store_n(&mxcsr_read, true, __ATOMIC_RELEASE);
    park_vcpu(id);
}

/*
 * Found by the fuzzer: an FPU image with reserved MXCSR bits set was
 * loaded as it came (FXRSTOR raises #GP on those: in the hypervisor, on a
 * real CPU). The vCPU must start with them clear, as Xen leaves them.
 */
static void regress_context_mxcsr(unsigned int id)
{
    uint32_t bad = 0xffffffff;
    uint64_t give_up;

    context_good(id);
    ctx.flags = VGCF_i387_valid;
    ctx.user_regs.rip = (uint64_t)(uintptr_t)mxcsr_report;
    ctx.fpu_ctxt[0] = 0x7f;             /* FCW 0x37f */
    ctx.fpu_ctxt[1] = 0x03;
    memcpy(ctx.fpu_ctxt + MXCSR_OFFSET, &bad, sizeof(bad));
    if (!CHECK_RC("regress-context-mxcsr-accepted", initialise(id), 0) ||
        !CHECK_RC("regress-context-mxcsr-up", hypercall_vcpu_op(VCPUOP_up, id, NULL), 0))
        return;
    give_up = time_now() + NSEC_PER_SEC;
    while (!__atomic_load_n(&mxcsr_read, __ATOMIC_ACQUIRE) && time_now() < give_up)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    check("regress-context-mxcsr", mxcsr_read && !(mxcsr_seen >> 16),
          "vCPU %u %s, MXCSR %#x", id, mxcsr_read ? "ran" : "never ran", mxcsr_seen);
}

void regress_run(void)
{
    unsigned int id = nr_vcpus - 1;

    if (nr_vcpus < 2) {
        printf("FUZZ regress: one vCPU, context checks skipped (sable.vcpus=2 or more)\n");
        return;
    }
    regress_context_addresses(id);
    regress_context_mxcsr(id);
}
