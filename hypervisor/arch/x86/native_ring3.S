/*
 * The ring-3 half of the native micro-benchmark (native_bench.c): timing
 * loops copied into a user page and entered with IRET, a SYSCALL handler
 * that does nothing but SYSRET, and the way back into the hypervisor.
 */
#include <asm/desc.h>

        .text
/*
 * void native_bench_enter(rip, rsp, iterations, samples, op)
 *                         rdi  rsi  rdx         rcx      r8
 * Enter ring 3 at rip with interrupts off (RFLAGS = 2), the user code
 * getting rdi = iterations, rsi = samples, rdx = op. Returns when the user
 * code makes a SYSCALL with a nonzero RAX (native_syscall_handler).
 */
        .globl  native_bench_enter
native_bench_enter:
        push    %rbp
        push    %rbx
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, native_saved_rsp(%rip)
        pushq   $SEL_USER_DS            /* ss */
        pushq   %rsi                    /* rsp */
        pushq   $2                      /* rflags: IF clear */
        pushq   $SEL_USER_CS            /* cs */
        pushq   %rdi                    /* rip */
        mov     %rdx, %rdi
        mov     %rcx, %rsi
        mov     %r8, %rdx
        iretq

/*
 * LSTAR while the benchmark runs: RAX 0 is the timed round trip (straight
 * back with SYSRET); anything else ends the run. The user stack is never
 * touched here (SMAP), the hypervisor stack comes from native_saved_rsp.
 */
        .p2align 4
        .globl  native_syscall_handler
native_syscall_handler:
        test    %eax, %eax
        jnz     1f
        sysretq
1:      mov     native_saved_rsp(%rip), %rsp
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbx
        pop     %rbp
        ret

/*
 * One timed loop: TSC before and after the instructions between
 * TIMED_START and TIMED_END, the difference stored at (%rsi), rdi times.
 * R8 holds the start; RAX, RDX (RDTSC) and RCX, R11 (SYSCALL) are free.
 */
        .macro  TIMED_START
1:      lfence
        rdtsc
        shl     $32, %rdx
        or      %rax, %rdx
        mov     %rdx, %r8
        .endm

        .macro  TIMED_END
        lfence
        rdtsc
        shl     $32, %rdx
        or      %rax, %rdx
        sub     %r8, %rdx
        mov     %rdx, (%rsi)
        add     $8, %rsi
        dec     %rdi
        jnz     1b
        jmp     native_user_done
        .endm

/*
 * User code, position independent (it runs from a copy): rdi iterations,
 * rsi the sample array, rdx the operation (enum native_op in native_bench.c).
 */
        .p2align 4
        .globl  native_user_code, native_user_code_end
native_user_code:
        cmp     $1, %edx
        je      native_user_call
        cmp     $2, %edx
        je      native_user_syscall
        TIMED_START                     /* 0: nothing, the timer's own cost */
        TIMED_END
native_user_call:
        TIMED_START
        call    native_user_ret
        TIMED_END
native_user_syscall:
        TIMED_START
        xor     %eax, %eax
        syscall
        TIMED_END
native_user_ret:
        ret
native_user_done:
        mov     $1, %eax
        syscall
        ud2
native_user_code_end:

        .data
        .p2align 3
native_saved_rsp:
        .quad   0
