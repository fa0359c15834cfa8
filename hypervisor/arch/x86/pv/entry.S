/*
 * PV guest entry and exit paths that need assembly: the SYSCALL entry (the
 * CPU does not switch stacks on SYSCALL), the jump onto a fresh stack into
 * the exit path, and the fault-tolerant copy used for guest memory.
 *
 * Exceptions and interrupts from a guest use the common stubs in
 * ../entry.S: the TSS puts their frame at the stack top, which is exactly
 * where guest_regs() expects it.
 */
#include <asm/asm_regs.h>
#include <asm/desc.h>
#include <asm/percpu.h>
#include <asm/smap.h>

        .text
/*
 * SYSCALL from ring 3: RCX = guest RIP, R11 = guest RFLAGS, RSP still the
 * guest's. We never keep anything in GS, so a SWAPGS pair around the stack
 * switch is enough to reach this CPU's cpu_info (KERNEL_GS_BASE points at
 * it permanently) without ever running hypervisor C code on a guest GS.
 * Interrupts are off here (SFMASK clears IF).
 */
        .p2align 4
        .globl  syscall_entry
syscall_entry:
        swapgs
        mov     %rsp, %gs:CI_SYSCALL_RSP
        mov     %gs:CI_STACK_TOP, %rsp
        pushq   $SEL_USER_DS            /* ss */
        pushq   %gs:CI_SYSCALL_RSP      /* rsp */
        swapgs
        pushq   %r11                    /* rflags */
        pushq   $SEL_USER_CS            /* cs */
        pushq   %rcx                    /* rip */
        pushq   $0                      /* error code */
        pushq   $0x100                  /* vector: marks a SYSCALL frame */
        cld
        SAVE_GPRS
        mov     %rsp, %rdi
        xor     %ebp, %ebp
        sti
        call    pv_handle_syscall
        jmp     trap_return

/*
 * Abandon whatever is on this CPU's stack and leave towards a guest through
 * pv_exit_to_guest(), which picks the vCPU (or idles until there is one).
 */
        .globl  reset_stack_and_exit
reset_stack_and_exit:
        mov     %rsp, %rax
        and     $~(STACK_SIZE - 1), %rax
        add     $(STACK_SIZE - CPU_INFO_SIZE - 22 * 8), %rax
        mov     %rax, %rsp              /* = guest_regs() */
        mov     %rsp, %rdi
        xor     %ebp, %ebp
        call    pv_exit_to_guest
        jmp     trap_return

/*
 * size_t raw_copy_user(dst, src, len): copy with REP MOVSB; a fault on the
 * copy instruction resumes at the fixup (see do_trap), which returns how
 * many bytes were not copied. 0 means all were. The only place the
 * hypervisor touches user pages on purpose: SMAP is lifted (STAC) for the
 * copy alone and restored (CLAC) on both ways out.
 */
        .globl  raw_copy_user, raw_copy_user_insn, raw_copy_user_fixup
raw_copy_user:
        mov     %rdx, %rcx
        SMAP_STAC
raw_copy_user_insn:
        rep movsb
raw_copy_user_fixup:
        SMAP_CLAC
        mov     %rcx, %rax
        ret
