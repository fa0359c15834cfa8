/*
 * The VMRUN loop. svm_vmrun(s) starts on a fresh stack (the same place as
 * the PV exit path, just below this CPU's guest frame), loads the guest's
 * general registers, runs the guest, and on #VMEXIT saves every one of them
 * in s->regs before calling svm_vmexit(s). That returns only when the next
 * vCPU to run here is a PV one: then leave through trap_return like any PV
 * exit. An HVM vCPU is entered again by calling svm_vmrun, which discards
 * the stack.
 *
 * GIF is cleared around the switch so no interrupt or NMI is taken while
 * half the state is the guest's; RFLAGS.IF is set before VMRUN so that
 * physical interrupts during the guest exit with SVM_EXIT_INTR (with
 * V_INTR_MASKING the host IF gates them), and is clear again, from the host
 * save area, when the exit handler runs.
 */
#include <asm/percpu.h>
#include <asm/svm.h>

#define R(n)  (SVM_VCPU_REGS + (n) * 8)   /* struct svm_gprs field n */

        .text
        .p2align 4
        .globl  svm_vmrun
svm_vmrun:
        /* rdi = struct svm_vcpu *; interrupts are off. */
        mov     %rsp, %rax
        and     $~(STACK_SIZE - 1), %rax
        add     $(STACK_SIZE - CPU_INFO_SIZE - 22 * 8), %rax
        mov     %rax, %rsp              /* = guest_regs(): a clean stack */
        push    %rdi                    /* the vCPU, found again after the exit */

        mov     R(0)(%rdi), %rbx
        mov     R(1)(%rdi), %rcx
        mov     R(2)(%rdi), %rdx
        mov     R(3)(%rdi), %rsi
        mov     R(5)(%rdi), %rbp
        mov     R(6)(%rdi), %r8
        mov     R(7)(%rdi), %r9
        mov     R(8)(%rdi), %r10
        mov     R(9)(%rdi), %r11
        mov     R(10)(%rdi), %r12
        mov     R(11)(%rdi), %r13
        mov     R(12)(%rdi), %r14
        mov     R(13)(%rdi), %r15
        mov     SVM_VCPU_VMCB_PA(%rdi), %rax
        mov     R(4)(%rdi), %rdi

        clgi
        sti                             /* held by GIF until the guest runs */
        vmload  %rax
        vmrun   %rax
        vmsave  %rax                    /* rax is the VMCB again (host state) */

        /* Guest registers except rax/rsp are live: park rdi, fetch the vCPU. */
        xchg    %rdi, (%rsp)
        mov     %rbx, R(0)(%rdi)
        mov     %rcx, R(1)(%rdi)
        mov     %rdx, R(2)(%rdi)
        mov     %rsi, R(3)(%rdi)
        mov     %rbp, R(5)(%rdi)
        mov     %r8, R(6)(%rdi)
        mov     %r9, R(7)(%rdi)
        mov     %r10, R(8)(%rdi)
        mov     %r11, R(9)(%rdi)
        mov     %r12, R(10)(%rdi)
        mov     %r13, R(11)(%rdi)
        mov     %r14, R(12)(%rdi)
        mov     %r15, R(13)(%rdi)
        pop     %rax
        mov     %rax, R(4)(%rdi)

        mov     SVM_VCPU_HOST_PA(%rdi), %rax
        vmload  %rax                    /* host FS/GS/TR/LDTR, syscall MSRs */
        cli
        stgi
        xor     %ebp, %ebp
        call    svm_vmexit
        /* The next vCPU here is a PV one: leave as the PV exit path does. */
        mov     %rsp, %rax
        and     $~(STACK_SIZE - 1), %rax
        add     $(STACK_SIZE - CPU_INFO_SIZE - 22 * 8), %rax
        mov     %rax, %rsp
        jmp     trap_return
