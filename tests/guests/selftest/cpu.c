/*
 * The virtual CPU: vcpu_op, sched_op yield, and the x86 PV hypercalls that
 * stand in for privileged instructions (callbacks, kernel stack, segment
 * bases, lazy FPU switching, a page mapping).
 */
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/traps.h>
#include "selftest.h"

#define VA(p)   ((uint64_t)(uintptr_t)(p))

static void cpu_check_vcpu_op(void)
{
    struct vcpu_runstate_info rs;

    CHECK_RC("vcpu-is-up", hypercall_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
    memset(&rs, 0xff, sizeof(rs));
    CHECK_RC("vcpu-runstate", hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, &rs), 0);
    check("vcpu-runstate-running", rs.state == RUNSTATE_running && rs.time[RUNSTATE_running] > 0,
          "state %d, running %lu ns", rs.state, rs.time[RUNSTATE_running]);
    CHECK_RC("sched-yield", hypercall_sched_op(SCHEDOP_yield, NULL), 0);
}

/* Re-registering what guest_start() registered, through the legacy call. */
static void cpu_check_callbacks(void)
{
    extern char boot_stack_top[];

    CHECK_RC("set-callbacks", hypercall_set_callbacks(VA(event_entry), VA(failsafe_entry), 0), 0);
    CHECK_RC("stack-switch", hypercall_stack_switch(FLAT_KERNEL_SS, VA(boot_stack_top)), 0);
}

/* set_segment_base: FS and the kernel GS base take effect at once. */
static void cpu_check_segment_bases(void)
{
    static volatile uint64_t fs_word = 0xf5f5f5f5f5f5f5f5ULL, gs_word = 0x6565656565656565ULL;
    uint64_t fs_val = 0, gs_val = 0;
    long rc;

    rc = hypercall_set_segment_base(SEGBASE_FS, VA(&fs_word));
    if (rc == 0)
        __asm__ volatile("mov %%fs:0, %0" : "=r"(fs_val) :: "memory");
    check("segbase-fs", rc == 0 && fs_val == fs_word, "rc %ld, %%fs:0 = %#lx", rc, fs_val);
    hypercall_set_segment_base(SEGBASE_FS, 0);

    rc = hypercall_set_segment_base(SEGBASE_GS_KERNEL, VA(&gs_word));
    if (rc == 0)
        __asm__ volatile("mov %%gs:0, %0" : "=r"(gs_val) :: "memory");
    check("segbase-gs-kernel", rc == 0 && gs_val == gs_word, "rc %ld, %%gs:0 = %#lx", rc, gs_val);
    hypercall_set_segment_base(SEGBASE_GS_KERNEL, 0);
}

/*
 * fpu_taskswitch(1) sets the guest's virtual CR0.TS: the next x87
 * instruction raises #NM, and Xen clears the virtual TS as it delivers it
 * (the guest would otherwise loop), so a second one runs.
 */
static void cpu_check_fpu_taskswitch(void)
{
    unsigned int first, second;

    CHECK_RC("fpu-taskswitch", hypercall_fpu_taskswitch(1), 0);
    trap_reset();
    __asm__ volatile(TRY_INSN("fninit") ::: "memory");
    first = trap_last.count ? trap_last.vector : 0xffff;
    trap_reset();
    __asm__ volatile(TRY_INSN("fninit") ::: "memory");
    second = trap_last.count;
    check("fpu-taskswitch-nm", first == TRAP_NM && second == 0,
          "first fninit: %s %u; second: %u faults", first == 0xffff ? "no fault" : "vector",
          first, second);
    hypercall_fpu_taskswitch(0);
}

/*
 * update_va_mapping: alias page b onto page a's frame, see a's contents
 * through b, unmap b (now a #PF), and put b's own frame back.
 */
static void cpu_check_update_va_mapping(void)
{
    static uint8_t pages[2][GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
    const uint64_t flags = 0x67;    /* present, rw, user, accessed, dirty */
    uint64_t b = VA(pages[1]);
    uint64_t mfn_a = pfn_to_mfn(virt_to_pfn(pages[0])), mfn_b = pfn_to_mfn(virt_to_pfn(pages[1]));
    volatile uint64_t *va_b = (volatile uint64_t *)pages[1];
    uint64_t seen = 0;
    long rc;

    *(volatile uint64_t *)pages[0] = 0xa11a5a11a5a11a5ULL;
    *va_b = 0xbbbbbbbbbbbbbbbbULL;
    rc = hypercall_update_va_mapping(b, (mfn_a << 12) | flags, UVMF_INVLPG);
    if (rc == 0)
        seen = *va_b;
    check("uvm-alias", rc == 0 && seen == 0xa11a5a11a5a11a5ULL, "rc %ld, read %#lx", rc, seen);

    rc = hypercall_update_va_mapping(b, 0, UVMF_INVLPG);
    trap_reset();
    if (rc == 0)
        __asm__ volatile(TRY_INSN("mov (%[p]), %[v]") : [v] "=r"(seen) : [p] "r"(va_b) : "memory");
    check("uvm-unmap", rc == 0 && trap_last.count == 1 && trap_last.vector == TRAP_PF &&
          trap_last.cr2 == b, "rc %ld, %u faults, vector %u, cr2 %#lx", rc, trap_last.count,
          trap_last.vector, trap_last.cr2);

    rc = hypercall_update_va_mapping(b, (mfn_b << 12) | flags, UVMF_INVLPG);
    check("uvm-restore", rc == 0 && *va_b == 0xbbbbbbbbbbbbbbbbULL, "rc %ld", rc);
}

/*
 * IRETQ and LRETQ to the guest kernel's own ring (Linux's sync_core() does
 * an IRETQ to itself) simply work. With SMAP on, QEMU's software CPU needs
 * the hypervisor's help for them (pv/traps.c): this is its check.
 */
static void cpu_check_iret_to_self(void)
{
    uint64_t reached = 0;

    trap_reset();
    __asm__ volatile(
        "mov %%rsp, %%rax\n\t"
        "pushq %[ss]\n\t"
        "pushq %%rax\n\t"
        "pushfq\n\t"
        "pushq %[cs]\n\t"
        "lea 2f(%%rip), %%rax\n\t"
        "pushq %%rax\n"
        "1: iretq\n"
        "3: add $40, %%rsp\n\t"       /* a fault resumes here: drop the frame */
        "jmp 4f\n"
        "2: movq $1, %[r]\n"
        "4:\n\t"
        EXTABLE(1b, 3b)
        : [r] "+m"(reached) : [cs] "i"(FLAT_KERNEL_CS), [ss] "i"(FLAT_KERNEL_SS)
        : "rax", "memory", "cc");
    check("cpu-iretq-to-self", reached == 1 && trap_last.count == 0,
          "reached %lu, %u faults (vector %u, error code %#lx)", reached, trap_last.count,
          trap_last.vector, trap_last.error_code);

    reached = 0;
    trap_reset();
    __asm__ volatile(
        "pushq %[cs]\n\t"
        "lea 2f(%%rip), %%rax\n\t"
        "pushq %%rax\n"
        "1: lretq\n"
        "3: add $16, %%rsp\n\t"
        "jmp 4f\n"
        "2: movq $1, %[r]\n"
        "4:\n\t"
        EXTABLE(1b, 3b)
        : [r] "+m"(reached) : [cs] "i"(FLAT_KERNEL_CS) : "rax", "memory", "cc");
    check("cpu-lretq-to-self", reached == 1 && trap_last.count == 0,
          "reached %lu, %u faults (vector %u, error code %#lx)", reached, trap_last.count,
          trap_last.vector, trap_last.error_code);
}

void selftest_cpu(void)
{
    cpu_check_vcpu_op();
    cpu_check_callbacks();
    cpu_check_segment_bases();
    cpu_check_fpu_taskswitch();
    cpu_check_update_va_mapping();
    cpu_check_iret_to_self();
}
