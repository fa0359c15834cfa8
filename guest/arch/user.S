/*
 * Guest user mode (guest/include/guest/user.h): the way in (an iret
 * hypercall to a CS with RPL 3) and the kernel's syscall callback.
 */
#include <guest/user.h>
#include "public/arch-x86_64.h"
#include "public/xen.h"

#define IRET_STUB (hypercall_page + __HYPERVISOR_iret * HYPERCALL_STUB_SIZE)

        .text
/*
 * void user_enter(rip, rsp, arg): to user mode at rip with rsp, arg in RDI,
 * events masked; returns when user code makes USER_SYS_EXIT.
 */
        .globl  user_enter
user_enter:
        push    %rbp
        push    %rbx
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, user_saved_rsp(%rip)
        pushq   $FLAT_USER_SS           /* ss */
        pushq   %rsi                    /* rsp */
        pushq   $0x2                    /* rflags: IF clear, events masked */
        pushq   $FLAT_USER_CS           /* cs: RPL 3 means user mode */
        pushq   %rdi                    /* rip */
        pushq   $0                      /* iret flags */
        mov     %rdx, %rdi
        jmp     IRET_STUB

/*
 * The syscall callback: on the stack_switch stack, RSP -> RCX, R11, RIP,
 * CS, RFLAGS, RSP, SS of the user's SYSCALL; RAX its number.
 */
        .globl  user_syscall_entry
user_syscall_entry:
        popq    %rcx
        popq    %r11
        cmp     $USER_SYS_EXIT, %rax
        je      1f
        cmp     $USER_SYS_CALL, %rax
        jae     2f
        xor     %eax, %eax              /* USER_SYS_NULL: 0 */
        pushq   $VGCF_in_syscall        /* back as by SYSRET */
        jmp     IRET_STUB
2:      push    %rdi                    /* what C may clobber, and a pad: */
        push    %rsi                    /* the frame left RSP 8 off 16 */
        push    %rdx
        push    %r8
        push    %r9
        push    %r10
        push    %r10
        mov     %rdx, %rcx
        mov     %rsi, %rdx
        mov     %rdi, %rsi
        mov     %rax, %rdi
        cld
        call    user_syscall_c
        pop     %r10
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rdx
        pop     %rsi
        pop     %rdi
        pushq   $VGCF_in_syscall
        jmp     IRET_STUB
1:      mov     user_saved_rsp(%rip), %rsp
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbx
        pop     %rbp
        ret

        .data
        .balign 8
user_saved_rsp:
        .quad   0
