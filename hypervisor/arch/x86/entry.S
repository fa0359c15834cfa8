/*
 * Exception entry: each vector has a stub that makes the frame uniform (an
 * error code slot and the vector number; all 256 vectors have one), then trap_common saves the general
 * registers as struct cpu_regs (asm/regs.h) and calls do_trap().
 */
#include <asm/asm_regs.h>
#include <asm/desc.h>
#include <asm/smap.h>

        .altmacro
        .text
        /* Only exceptions 8, 10-14, 17, 21, 29 and 30 push an error code. */
        .macro vector_stub vec
        .p2align 4
vec_stub_\vec:
        .ifeq ((\vec == 8) | ((\vec >= 10) & (\vec <= 14)) | (\vec == 17) | (\vec == 21) | (\vec == 29) | (\vec == 30))
        pushq   $0
        .endif
        pushq   $\vec
        jmp     trap_common
        .endm

        .macro stub_addr vec
        .quad   vec_stub_\vec
        .endm

        .set    v, 0
        .rept   256
        vector_stub %v
        .set    v, v + 1
        .endr

        .p2align 4
        .globl  trap_common
trap_common:
        SMAP_CLAC                       /* a guest may have set RFLAGS.AC */
        cld
        SAVE_GPRS
        mov     %rsp, %rdi
        /* Link a frame so backtraces walk from the handler into the
         * interrupted code. */
        pushq   0x88(%rsp)              /* regs->rip */
        pushq   %rbp
        mov     %rsp, %rbp
        call    do_trap
        add     $16, %rsp
        .globl  trap_return
trap_return:
        RESTORE_GPRS
        add     $16, %rsp               /* vector, error code */
        iretq

        .section .rodata
        .p2align 3
        .globl  vector_stubs
vector_stubs:
        .set    v, 0
        .rept   256
        stub_addr %v
        .set    v, v + 1
        .endr
