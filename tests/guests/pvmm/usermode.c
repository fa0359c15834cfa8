/*
 * Guest user mode (issue 3, on a user root of our own): user code runs on
 * an L4 that maps only itself, its stack and a data page. A user SYSCALL
 * reaches the kernel's syscall callback in kernel mode on the kernel root,
 * which returns with iret; user #BP and #PF reach the kernel's trap table
 * with the user bit; GS is the user's base in user mode and the kernel's in
 * kernel mode.
 */
#include <guest/user.h>
#include "pvmm.h"

#define USER_DATA_VA    0x400000ULL
#define USER_MAGIC      0x05e7a11ce5ULL
#define KERNEL_MAGIC    0x6e7e1ULL
#define SYS_GS          USER_SYS_CALL
#define SYS_DONE        (USER_SYS_CALL + 1)
#define SYS_OK          0x600d

/* The user program, alone on its page(s) so that only it is mapped. */
__asm__(
    "   .pushsection .text.user, \"ax\"\n"
    "   .balign 4096\n"
    "   .globl user_prog, user_probe_read, user_probe_read_end\n"
    "   .globl user_probe_write, user_probe_write_end\n"
    "user_prog:\n"                          /* RDI: a kernel address */
    "   mov %gs:0, %rsi\n"                  /* what the user GS base points at */
    "   mov $" "2" ", %eax\n"               /* SYS_GS */
    "   syscall\n"
    "   mov %rax, %rbx\n"
    "   int3\n"
    "user_probe_read:\n"
    "   mov (%rdi), %rax\n"                 /* the kernel's memory: not in our root */
    "user_probe_read_end:\n"
    "user_probe_write:\n"
    "   movq $1, user_prog(%rip)\n"         /* our own code: read-only */
    "user_probe_write_end:\n"
    "   mov %rbx, %rdi\n"
    "   mov $" "3" ", %eax\n"               /* SYS_DONE */
    "   syscall\n"
    "   mov $" "1" ", %eax\n"               /* USER_SYS_EXIT */
    "   syscall\n"
    "   ud2\n"
    "   .balign 4096\n"
    "   .popsection\n");
extern char user_prog[], user_probe_read[], user_probe_read_end[], user_probe_write[],
            user_probe_write_end[];
_Static_assert(SYS_GS == 2 && SYS_DONE == 3 && USER_SYS_EXIT == 1, "numbers in user_prog");

static volatile uint64_t kernel_secret = 0x5ec7e7;
static uint64_t kernel_gs_page[512] __aligned(4096) = { KERNEL_MAGIC };

static struct {
    uint64_t user_gs, kernel_gs, kernel_read, done_arg;
    unsigned int calls;
    struct { unsigned int vector; uint64_t ec, cr2, cs, rip; } traps[4];
    unsigned int nr_traps;
} seen;

uint64_t user_syscall_c(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
    uint64_t gs0;

    seen.calls++;
    if (nr == SYS_GS) {
        seen.user_gs = a2;
        __asm__ volatile("mov %%gs:0, %0" : "=r"(gs0));
        seen.kernel_gs = gs0;
        seen.kernel_read = kernel_secret;       /* the kernel root is back */
        return SYS_OK;
    }
    if (nr == SYS_DONE)
        seen.done_arg = a1;
    return 0;
}

/* Exceptions from user mode: recorded; the probes are stepped over. */
static bool user_hook(struct trap_frame *f, uint64_t cr2)
{
    if ((f->cs & 3) != 3 || seen.nr_traps >= 4)
        return false;
    seen.traps[seen.nr_traps].vector = f->vector;
    seen.traps[seen.nr_traps].ec = f->error_code;
    seen.traps[seen.nr_traps].cr2 = cr2;
    seen.traps[seen.nr_traps].cs = f->cs;
    seen.traps[seen.nr_traps].rip = f->rip;
    seen.nr_traps++;
    if (f->vector == TRAP_PF && f->rip == VA(user_probe_read))
        f->rip = VA(user_probe_read_end);
    else if (f->vector == TRAP_PF && f->rip == VA(user_probe_write))
        f->rip = VA(user_probe_write_end);
    else if (f->vector != TRAP_BP)
        return false;
    return true;
}

/* A root with the user program, the user stack and a data page only. */
static uint64_t user_root(void)
{
    uint64_t root = pt_alloc_table(), data = mm_alloc_pfn();
    long rc = root && data ? 0 : -XEN_ENOMEM;

    if (!rc) {
        *(volatile uint64_t *)phys_to_virt(data) = USER_MAGIC;
        rc = pt_map(root, VA(user_prog), pfn_to_mfn(virt_to_pfn(user_prog)),
                    PTE_P | PTE_US | PTE_A);
    }
    for (uint64_t va = VA(user_stack); !rc && va < VA(user_stack) + USER_STACK_BYTES; va += PAGE)
        rc = pt_map(root, va, pfn_to_mfn(virt_to_pfn((void *)va)),
                    PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_NX);
    if (!rc)
        rc = pt_map(root, USER_DATA_VA, pfn_to_mfn(data), PTE_P | PTE_RW | PTE_US | PTE_NX);
    rc = rc ? rc : mmu_flush();
    rc = rc ? rc : mmuext(MMUEXT_PIN_L4_TABLE, root, 0);
    return rc ? 0 : root;
}

void pvmm_user_mode(void)
{
    uint64_t root = user_root();

    if (!check("user-root-built", root != 0, "no user root"))
        return;
    CHECK_RC("user-mode-init", user_mode_init(), 0);
    CHECK_RC("user-baseptr", mmuext(MMUEXT_NEW_USER_BASEPTR, root, 0), 0);
    CHECK_RC("user-gs-bases", hypercall_set_segment_base(SEGBASE_GS_USER, USER_DATA_VA) |
             hypercall_set_segment_base(SEGBASE_GS_KERNEL, VA(kernel_gs_page)), 0);
    trap_hook = user_hook;
    user_run((void (*)(uint64_t))(uintptr_t)user_prog, VA(&kernel_secret));
    trap_hook = NULL;
    hypercall_set_segment_base(SEGBASE_GS_KERNEL, 0);

    check("user-syscall-bounced", seen.calls == 2 && seen.done_arg == SYS_OK,
          "%u calls, done with %#lx", seen.calls, seen.done_arg);
    check("user-gs-user-mode", seen.user_gs == USER_MAGIC, "user %%gs:0 %#lx", seen.user_gs);
    check("user-gs-kernel-mode", seen.kernel_gs == KERNEL_MAGIC, "kernel %%gs:0 %#lx",
          seen.kernel_gs);
    check("user-kernel-root-in-callback", seen.kernel_read == 0x5ec7e7, "read %#lx",
          seen.kernel_read);
    check("user-traps", seen.nr_traps == 3, "%u traps", seen.nr_traps);
    check("user-int3", seen.traps[0].vector == TRAP_BP && (seen.traps[0].cs & 3) == 3,
          "vector %u cs %#lx", seen.traps[0].vector, seen.traps[0].cs);
    check("user-pf-kernel-address", seen.traps[1].vector == TRAP_PF &&
          seen.traps[1].ec == PFEC_USER && seen.traps[1].cr2 == VA(&kernel_secret) &&
          (seen.traps[1].cs & 3) == 3, "vector %u ec %#lx cr2 %#lx", seen.traps[1].vector,
          seen.traps[1].ec, seen.traps[1].cr2);
    check("user-pf-write-code", seen.traps[2].vector == TRAP_PF &&
          seen.traps[2].ec == (PFEC_USER | PFEC_WRITE | PFEC_PRESENT) &&
          seen.traps[2].cr2 == VA(user_prog), "vector %u ec %#lx cr2 %#lx",
          seen.traps[2].vector, seen.traps[2].ec, seen.traps[2].cr2);
    check("user-back-in-kernel", kernel_secret == 0x5ec7e7, "kernel data lost");
}
